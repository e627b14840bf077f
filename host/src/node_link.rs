//! The precompile for a node's contracts: host functions (module `evmpc`) a node adds to the
//! `Linker` of its own contract runtime.
//!
//! A (metered) Wasm contract, typically an EVM engine, reaches the precompile through
//! them, with `evmpc-sdk` on its side: a whole Ethereum transaction at a time
//! (`transact`), or frame by frame (`frame_start`, `frame_resume`, `guest_read`,
//! `session_end`). The Ethereum state lives in the calling contract's key-value storage
//! (`evmpc-state`'s layout), which the node lends for each host call through its
//! [`ContractHost`].
//!
//! **Gas.** Each call is charged to the contract's gas through [`ContractHost::charge`], in
//! the fee schedule's picoseconds. A gas limit that costs more than the contract's gas at
//! the schedule's floor price per gas ([`FeeSchedule::floor_per_gas`]) is refused
//! ([`LinkError::GasLimitTooHigh`]), nothing charged.
//! Otherwise the schedule's [`upper_bound`](crate::FeeSchedule::upper_bound) (or all the
//! gas left, if less) is charged before the work and the difference to the fee refunded
//! after. A call whose fee exceeds what the contract could pay ends in [`LinkTrap::OutOfGas`]:
//! the contract keeps nothing of it and pays all it had, and the node ends the contract
//! call as for any other out-of-gas, undoing the contract's writes.
//!
//! **What the node decides.** The fork, the block and the chain come from
//! [`ContractHost::environment`], whatever a contract writes; gas has no price inside (the
//! engine charges its users as it likes) and the engine keeps nonces.
//!
//! ```no_run
//! # use evmpc_host::node_link::{self, ContractHost};
//! # fn link<MyContractState: ContractHost>(wasmtime_engine: &wasmtime::Engine) -> Result<(), evmpc_host::Error>
//! # where MyContractState::Storage: Sync {
//! let evmpc = evmpc_host::Engine::new(&evmpc_host::HostConfig::new())?;
//! let mut linker = wasmtime::Linker::<MyContractState>::new(wasmtime_engine);
//! node_link::add_to_linker(&mut linker, &evmpc)?;
//! // ... the node's own host functions, then instantiate contracts as usual.
//! # Ok(()) }
//! # link::<node_link::MemoryContract>(&wasmtime::Engine::default()).unwrap();
//! ```

use crate::engine::{Engine, Precompile};
use crate::error::Error;
use crate::executor::Executor;
use crate::fees::{FeeSchedule, Picos};
use crate::revm_host::RevmHost;
use evmpc_abi::contract::LinkError;
use evmpc_state::{ContractDb, ContractStorage};
use revm::context::{BlockEnv, CfgEnv, Context, Journal, TxEnv};
use std::sync::Arc;

/// Frame by frame: the contract's session.
mod frames;
/// A contract's side kept in memory.
mod memory;
/// `transact`: a whole transaction through the executor.
mod transact;
/// The host functions on a wasmtime `Linker`.
mod wasm;

pub use evmpc_state::transaction::Environment;
pub use memory::MemoryContract;
pub use wasm::add_to_linker;

/// The revm context the link runs over: mainnet types over the lent contract storage.
pub type LinkContext<S> = Context<BlockEnv, TxEnv, CfgEnv, ContractDb<S>, Journal<ContractDb<S>>, ()>;

/// The contract's gas does not cover a fee: [`ContractHost::charge`] fails with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the contract's gas does not cover the precompile's fee")]
pub struct OutOfGas;

/// Why a host function traps, ending the contract call. A node tells the two apart by
/// downcasting the trap's error.
#[derive(Debug, thiserror::Error)]
pub enum LinkTrap {
    /// The contract ran out of gas: its fault, a failed contract call like any other.
    #[error(transparent)]
    OutOfGas(#[from] OutOfGas),
    /// The node failed (a corrupt store, a broken engine): not the contract's fault, and
    /// not to be recorded as its outcome.
    #[error("evmpc node link: {0}")]
    Node(String),
}

/// What the link keeps for one contract call: the register and the frame-level session.
/// A node starts each contract call with a fresh one.
pub struct LinkState<S: ContractStorage + 'static> {
    register: Vec<u8>,
    session: Option<frames::LinkSession<S>>,
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
pub trait ContractHost: Sized + 'static {
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

/// The precompile, ready to serve a node's contracts whose storage is `S`. Clones share it.
///
/// [`add_to_linker`] puts it behind host functions; its methods are the same calls made
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

/// What the host functions share.
struct Shared<S: ContractStorage + 'static> {
    executor: Executor<LinkContext<S>>,
    precompile: Precompile<RevmHost<LinkContext<S>>>,
    schedule: FeeSchedule,
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
    pub fn transact<T: ContractHost<Storage = S>>(&self, host: &mut T, message: &[u8]) -> Result<i64, LinkTrap> {
        transact::transact(&self.shared, host, message)
    }

    /// `frame_start`: starts the borsh `FrameInput` in `message`, opening the session first;
    /// the `Action` goes to the register. Returns its length or `-LinkError`.
    ///
    /// # Errors
    /// As [`transact`](Link::transact).
    pub fn frame_start<T: ContractHost<Storage = S>>(&self, host: &mut T, message: &[u8]) -> Result<i64, LinkTrap> {
        frames::start(&self.shared, host, message)
    }

    /// `frame_resume`: resumes the session with the borsh `SubcallOutcome` in `message`.
    /// Returns like [`frame_start`](Link::frame_start).
    ///
    /// # Errors
    /// As [`transact`](Link::transact).
    pub fn frame_resume<T: ContractHost<Storage = S>>(&self, host: &mut T, message: &[u8]) -> Result<i64, LinkTrap> {
        frames::resume(&self.shared, host, message)
    }

    /// `guest_read`: copies `len` bytes of the session's guest memory at `offset` to the
    /// register. Returns `len` or `-LinkError`.
    pub fn guest_read<T: ContractHost<Storage = S>>(&self, host: &mut T, offset: u32, len: u32) -> i64 {
        frames::read(host, offset, len)
    }

    /// `session_end`: ends the session, its changes kept in storage when `commit`. Returns 0
    /// or `-LinkError`.
    ///
    /// # Errors
    /// As [`transact`](Link::transact).
    pub fn session_end<T: ContractHost<Storage = S>>(&self, host: &mut T, commit: bool) -> Result<i64, LinkTrap> {
        frames::end(host, commit)
    }
}

/// `-error`, as the host functions return it.
fn refused(error: LinkError) -> i64 {
    -(error as i64)
}

/// What a call of `gas_limit` gas costs before anything runs: refused when the contract
/// cannot pay even `fixed` plus its gas at the floor price per gas, else the upper bound (or all
/// the gas left, if less) charged. Returns what was charged and whether it is the bound.
fn prepay<T: ContractHost>(
    schedule: &FeeSchedule,
    host: &mut T,
    fixed: Picos,
    gas_limit: u64,
    message_bytes: u64,
) -> Result<Result<Prepaid, LinkError>, LinkTrap> {
    let floor = schedule.floor_per_gas().checked_mul(gas_limit).and_then(|gas| gas.checked_add(fixed));
    let gas_left = host.gas_left();
    if floor.is_none_or(|floor| floor > gas_left) {
        return Ok(Err(LinkError::GasLimitTooHigh));
    }
    let bound = schedule.upper_bound(gas_limit, message_bytes).unwrap_or(Picos::MAX);
    let charged = bound.min(gas_left);
    host.charge(charged)?;
    Ok(Ok(Prepaid { charged, bounded: charged == bound }))
}

/// Gas taken before a call.
#[derive(Clone, Copy, Debug, Default)]
struct Prepaid {
    /// Charged so far.
    charged: Picos,
    /// Whether it is the full upper bound (so no fee can exceed it).
    bounded: bool,
}

impl Prepaid {
    fn plus(self, other: Prepaid) -> Prepaid {
        Prepaid { charged: self.charged.saturating_add(other.charged), bounded: self.bounded && other.bounded }
    }

    /// Settles to `fee` (`None`: it overflowed): the refund, or [`OutOfGas`] when the fee
    /// exceeds a charge that was all the contract had.
    fn settle(self, fee: Option<Picos>) -> Result<Picos, OutOfGas> {
        match fee {
            Some(fee) if fee <= self.charged => Ok(self.charged - fee),
            // A fee above a full bound would be the schedule's fault: the bound stands.
            _ if self.bounded => Ok(0),
            _ => Err(OutOfGas),
        }
    }
}
