//! Run the evmpc EVM precompile inside a node.
//!
//! `evmpc-host` embeds the canonical Wasm artifact of `spec/` (sha256-checked), compiles it
//! once per process with a deterministic engine configuration (wasmtime by default, wasmi or
//! wasm2c as the other engines) and runs EVM frames in
//! [`Session`]s, one Wasm instance per EVM transaction, without Wasm gas metering. The
//! node serves state through the [`EvmHost`] trait; [`MemoryHost`] is an in-memory one.
//!
//! ```
//! use evmpc_host::{Engine, Fork, FrameInput, EngineConfig, MemoryHost, Precompile};
//! # fn main() -> Result<(), evmpc_host::Error> {
//! let engine = Engine::new(&EngineConfig::default())?;
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

// Bottom-up: each module uses only those above it (a test in `tests/all/layout.rs` keeps
// it so).

pub mod analysis;
pub mod artifact;
mod backend;
mod blame;
pub mod engine;
/// Settings of the Wasm engine, with their defaults written down.
pub mod engine_config;
/// Errors, by blame: the frame's (deterministic) or the node's.
pub mod error;
pub mod executor;
pub mod fees;
mod imports;
pub mod node_link;
pub mod precompile;
pub mod session;
pub mod state_host;
mod store;

pub use engine::Engine;
pub use engine_config::{ConfigError, EngineConfig, WasmEngine};
pub use error::{EngineError, EngineStep, Error, FrameError, GuestTrap, ImportRefusal, NodeError, Source};
pub use evmpc_abi::{
    self as abi, Action, CallData, Code, ExecContext, Fork, FrameInput, FrameResult, GuestSlice, Status,
    SubcallOutcome, SubcallOutput,
};
/// Ethereum state in a contract's storage, as the node link keeps it.
pub use evmpc_state as state;
pub use executor::{load_trusted_setup, Executor, TxError};
pub use fees::{FeeSchedule, Usage};
pub use precompile::Precompile;
pub use session::{ReturnedFrame, Session};
pub use state_host::{Access, EvmHost, MemoryHost, RevmHost, Transfer};
