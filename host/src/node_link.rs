//! The precompile for a node's contracts: host functions (module `evmpc`) a node adds to the
//! `Linker` of its own contract runtime.
//!
//! A (metered) Wasm contract, typically an EVM engine, reaches the precompile through
//! them, with `evmpc-sdk` on its side: a whole Ethereum transaction at a time
//! (`transact`), or frame by frame (`frame_start`, `frame_resume`, `guest_read`,
//! `session_end`). The Ethereum state lives in the calling contract's key-value storage
//! (`evmpc-state`'s layout), which the node lends for each host call through its
//! [`CallingContract`].
//!
//! **Gas.** Each call is charged to the contract's gas through [`CallingContract::charge`], in
//! the fee schedule's picoseconds. A gas limit that costs more than the contract's gas at
//! the schedule's floor price per gas ([`FeeSchedule::floor_per_gas`](crate::FeeSchedule::floor_per_gas)) is refused
//! ([`LinkError::GasLimitTooHigh`](evmpc_abi::contract::LinkError::GasLimitTooHigh)), nothing charged.
//! Otherwise the schedule's [`upper_bound`](crate::FeeSchedule::upper_bound) (or all the
//! gas left, if less) is charged before the work and the difference to the fee refunded
//! after. A call whose fee exceeds what the contract could pay ends in [`LinkTrap::OutOfGas`]:
//! the contract keeps nothing of it and pays all it had, and the node ends the contract
//! call as for any other out-of-gas, undoing the contract's writes.
//!
//! **What the node decides.** The fork, the block and the chain come from
//! [`CallingContract::environment`], whatever a contract writes; gas has no price inside (the
//! engine charges its users as it likes) and the engine keeps nonces.
//!
//! ```no_run
//! # use evmpc_host::node_link::{self, CallingContract};
//! # fn link<MyContractState: CallingContract>(wasmtime_engine: &wasmtime::Engine) -> Result<(), evmpc_host::Error>
//! # where MyContractState::Storage: Sync {
//! let evmpc = evmpc_host::Engine::new(&evmpc_host::EngineConfig::new())?;
//! let mut linker = wasmtime::Linker::<MyContractState>::new(wasmtime_engine);
//! node_link::add_to_linker(&mut linker, &evmpc)?;
//! // ... the node's own host functions, then instantiate contracts as usual.
//! # Ok(()) }
//! # link::<node_link::MemoryContract>(&wasmtime::Engine::default()).unwrap();
//! ```

mod contract;
mod frames;
mod gas;
mod lent;
mod link;
mod memory;
mod open_session;
mod prepaid;
mod shared;
mod transact;
mod wasm;

pub use contract::{CallingContract, LinkState, LinkTrap};
pub use evmpc_state::transaction::Environment;
pub use link::Link;
pub use memory::MemoryContract;
pub use open_session::LinkContext;
pub use prepaid::OutOfGas;
pub use wasm::add_to_linker;
