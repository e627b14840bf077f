//! The precompile linked to a node's [`EvmHost`] type, ready to start sessions.

use crate::backend::Prepared;
use crate::engine::Engine;
use crate::error::Error;
use crate::session::Session;
use crate::state_host::evm_host::EvmHost;

/// The precompile linked to a node's [`EvmHost`] type: imports type-checked once, ready to
/// start sessions.
pub struct Precompile<H: EvmHost> {
    engine: Engine,
    prepared: Prepared<H>,
}

impl<H: EvmHost + 'static> Precompile<H> {
    /// Links the imports for `H` and pre-instantiates the module.
    ///
    /// # Errors
    /// [`NodeError`](crate::NodeError) when the artifact is not the locked one, or does not
    /// compile or link.
    pub fn new(engine: &Engine) -> Result<Self, Error> {
        Ok(Precompile { engine: engine.clone(), prepared: Prepared::new(engine)? })
    }

    /// A new session (one Wasm instance, for one EVM transaction) over `host`.
    ///
    /// # Errors
    /// [`NodeError::PoolExhausted`](crate::NodeError::PoolExhausted) when every pool slot is
    /// in use; [`NodeError::Engine`](crate::NodeError::Engine) when instantiation fails
    /// otherwise.
    pub fn session(&self, host: H) -> Result<Session<H>, Error> {
        self.try_session(host).map_err(|(_, error)| error)
    }

    /// As [`session`](Precompile::session), but gives the host back when the session
    /// cannot start.
    ///
    /// # Errors
    /// As [`session`](Precompile::session), with the host.
    #[allow(clippy::result_large_err)]
    pub fn try_session(&self, host: H) -> Result<Session<H>, (H, Error)> {
        Session::new(&self.engine, &self.prepared, host)
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}
