//! The precompile, ready to serve a node's contracts.

use super::contract::{CallingContract, LinkTrap};
use super::shared::Shared;
use super::{frames, transact};
use crate::engine::Engine;
use crate::error::Error;
use crate::executor::Executor;
use crate::precompile::Precompile;
use evmpc_state::ContractStorage;
use std::sync::Arc;

/// The precompile, ready to serve a node's contracts whose storage is `S`. Clones share it.
///
/// [`add_to_linker`](super::add_to_linker) puts it behind host functions; its methods are the same calls made
/// directly (with the message bytes already out of contract memory), for nodes that are
/// not on wasmtime and for test doubles.
pub struct Link<S: ContractStorage + 'static> {
    shared: Arc<Shared<S>>,
}

impl<S: ContractStorage + 'static> Clone for Link<S> {
    fn clone(&self) -> Self {
        Link { shared: self.shared.clone() }
    }
}

impl<S: ContractStorage + 'static> Link<S> {
    /// The precompile of `engine`, charged by its fee schedule.
    ///
    /// # Errors
    /// [`Error`] when the precompile cannot be set up on `engine`.
    pub fn new(engine: &Engine) -> Result<Link<S>, Error> {
        let shared = Shared {
            executor: Executor::new(engine)?,
            precompile: Precompile::new(engine)?,
            schedule: engine.fee_schedule(),
        };
        Ok(Link { shared: Arc::new(shared) })
    }

    /// `transact`: runs the borsh `Transaction` in `message`; the `TxOutcome` goes to the
    /// register. Returns its length or `-LinkError`.
    ///
    /// # Errors
    /// [`LinkTrap`]: the contract's gas ran out, or the node failed.
    pub fn transact<T: CallingContract<Storage = S>>(&self, host: &mut T, message: &[u8]) -> Result<i64, LinkTrap> {
        transact::transact(&self.shared, host, message)
    }

    /// `frame_start`: starts the borsh `FrameInput` in `message`, opening the session first;
    /// the `Action` goes to the register. Returns its length or `-LinkError`.
    ///
    /// # Errors
    /// As [`transact`](Link::transact).
    pub fn frame_start<T: CallingContract<Storage = S>>(&self, host: &mut T, message: &[u8]) -> Result<i64, LinkTrap> {
        frames::start(&self.shared, host, message)
    }

    /// `frame_resume`: resumes the session with the borsh `SubcallOutcome` in `message`.
    /// Returns like [`frame_start`](Link::frame_start).
    ///
    /// # Errors
    /// As [`transact`](Link::transact).
    pub fn frame_resume<T: CallingContract<Storage = S>>(&self, host: &mut T, message: &[u8]) -> Result<i64, LinkTrap> {
        frames::resume(&self.shared, host, message)
    }

    /// `guest_read`: copies `len` bytes of the session's guest memory at `offset` to the
    /// register. Returns `len` or `-LinkError`.
    pub fn guest_read<T: CallingContract<Storage = S>>(&self, host: &mut T, offset: u32, len: u32) -> i64 {
        frames::read(host, offset, len)
    }

    /// `session_end`: ends the session, its changes kept in storage when `commit`. Returns 0
    /// or `-LinkError`.
    ///
    /// # Errors
    /// As [`transact`](Link::transact).
    pub fn session_end<T: CallingContract<Storage = S>>(&self, host: &mut T, commit: bool) -> Result<i64, LinkTrap> {
        frames::end(host, commit)
    }
}
