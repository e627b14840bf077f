//! The node's side of the link: the calling contract, implemented by the store data of the
//! node's contract runtime, and what the link keeps for one contract call.

use super::open_session::LinkSession;
use super::prepaid::OutOfGas;
use crate::error::Error;
use crate::executor::TxError;
use crate::fees::Picos;
use evmpc_state::transaction::Environment;
use evmpc_state::{ContractStorage, CorruptState};

/// Why a host function traps, ending the contract call. A node tells the contract's fault
/// ([`LinkTrap::OutOfGas`]) from its own (every other variant) by downcasting the trap's
/// error.
#[derive(Debug, thiserror::Error)]
pub enum LinkTrap {
    /// The contract ran out of gas: its fault, a failed contract call like any other.
    #[error(transparent)]
    OutOfGas(#[from] OutOfGas),
    /// The contract's storage does not hold the state layout: the node's fault, not to be
    /// recorded as the contract's outcome.
    #[error("evmpc node link: {0}")]
    Storage(#[from] CorruptState),
    /// The precompile failed for the node (the engine, the pool, the artifact): not the
    /// contract's fault, and not to be recorded as its outcome.
    #[error("evmpc node link: {0}")]
    Precompile(#[from] Error),
    /// A transaction failed for the node (its database, revm itself).
    #[error("evmpc node link: {0}")]
    Transaction(#[source] TxError<CorruptState>),
    /// A result could not be encoded for the contract.
    #[error("evmpc node link: encoding a result: {0}")]
    Encode(#[source] std::io::Error),
}

/// What the link keeps for one contract call: the register and the frame-level session.
/// A node starts each contract call with a fresh one.
pub struct LinkState<S: ContractStorage + 'static> {
    pub(super) register: Vec<u8>,
    pub(super) session: Option<LinkSession<S>>,
}

impl<S: ContractStorage + 'static> Default for LinkState<S> {
    fn default() -> Self {
        LinkState { register: Vec::new(), session: None }
    }
}

impl<S: ContractStorage + 'static> LinkState<S> {
    /// What the last call left for the contract to read.
    pub fn register(&self) -> &[u8] {
        &self.register
    }

    /// Whether a frame-level session is open (a contract call that returns with one open
    /// leaves its changes out of storage).
    pub fn session_open(&self) -> bool {
        self.session.is_some()
    }
}

/// The node's side of the link, implemented by the store data of its contract runtime.
pub trait CallingContract: Sized + 'static {
    /// The contract's storage.
    type Storage: ContractStorage + 'static;

    /// The calling contract's storage, lent to the precompile for one host call.
    fn storage(&mut self) -> &mut Self::Storage;
    /// The link's state for this contract call.
    fn link(&mut self) -> &mut LinkState<Self::Storage>;
    /// The contract's gas left, in the fee schedule's picoseconds (a node converts).
    fn gas_left(&self) -> Picos;
    /// Burns `fee` of the contract's gas.
    ///
    /// # Errors
    /// [`OutOfGas`] when the contract has less; the node burns what is left.
    fn charge(&mut self, fee: Picos) -> Result<(), OutOfGas>;
    /// Gives back `fee` charged before as an upper bound.
    fn refund(&mut self, fee: Picos);
    /// The block and chain the precompile runs in.
    fn environment(&self) -> Environment;
}
