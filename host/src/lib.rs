//! Run the evmpc EVM precompile inside a node.
//!
//! `evmpc-host` embeds the canonical Wasm artifact of `spec/` (sha256-checked), compiles it
//! once per process with a deterministic wasmtime configuration and runs EVM frames in
//! [`Session`]s, one Wasm instance per EVM transaction, without Wasm gas metering. The
//! node serves state through the [`EvmHost`] trait; [`MemoryHost`] is an in-memory one.
//!
//! ```
//! use evmpc_host::{Engine, Fork, FrameInput, HostConfig, MemoryHost, Precompile};
//! # fn main() -> Result<(), evmpc_host::Error> {
//! let engine = Engine::new(&HostConfig::default())?;
//! let precompile = Precompile::<MemoryHost>::new(&engine)?;
//! let mut session = precompile.session(MemoryHost::default())?;
//! // PUSH1 0x2a PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN
//! let frame = FrameInput::call(Fork::Cancun, hex_code("602a60005260206000f3"), vec![], 100_000);
//! let action = session.start(&frame)?;
//! let result = action.into_return().expect("no sub-call");
//! // The output stays in guest memory until the node reads it.
//! assert_eq!(session.bytes(result.output)?[31], 0x2a);
//! # Ok(()) }
//! # fn hex_code(s: &str) -> Vec<u8> { (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect() }
//! ```
#![doc(test(attr(deny(warnings))))]

/// JUMPDEST analysis of account code, on the node's side.
pub mod analysis;
/// The embedded canonical artifact and its lock.
pub mod artifact;
/// A small EVM assembler for tests, benchmarks and attack programs.
pub mod asm;
/// Engine settings, with their defaults written down.
pub mod config;
/// The wasmtime engine and the compiled precompile.
pub mod engine;
/// Errors, by blame: the frame's (deterministic) or the node's.
pub mod error;
/// The state interface a node implements.
pub mod evm_host;
/// Whole transactions: revm's handler around frames run by the precompile.
pub mod executor;
/// The fee schedule: a session's cost in reference-machine time.
pub mod fees;
/// Host functions: one per import of the ABI table.
mod link;
/// An in-memory [`EvmHost`] over revm's journal.
pub mod memory_host;
/// The same frame run by native revm-interpreter: the differential oracle.
pub mod native;
/// Host functions that give a node's contracts the precompile.
pub mod node_link;
/// `EvmHost` for any revm context.
pub mod revm_host;
/// One Wasm instance per EVM transaction.
pub mod session;

pub use config::{HostConfig, WasmEngine};
pub use engine::{Engine, Precompile};
pub use error::{Error, FrameError, NodeError};
pub use evm_host::{Access, EvmHost, Transfer};
pub use evmpc_abi::{
    self as abi, Action, CallData, Code, ExecContext, Fork, FrameInput, FrameResult, GuestSlice, Status,
    SubcallOutcome, SubcallOutput,
};
/// Ethereum state in a contract's storage, as the node link keeps it.
pub use evmpc_state as state;
pub use executor::{Executor, TxError};
pub use fees::{FeeSchedule, Usage};
pub use memory_host::MemoryHost;
pub use revm_host::RevmHost;
pub use session::{ReturnedFrame, Session};
