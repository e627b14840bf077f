//! A reference node, for tests and benchmarks: contracts run in wasmtime, metered the way
//! NEAR meters them, with evmpc's node link among their host functions.
//!
//! - **Metering.** [`Metering::FiniteWasm`] instruments each contract with the `finite-wasm`
//!   crate (gas per basic block and stack reservations, as host calls) and charges NEAR's
//!   `wasm_regular_op_cost` of [`costs::REGULAR_OP`] gas per Wasm operation;
//!   [`Metering::Fuel`] counts the same operations with wasmtime's fuel instead, as a
//!   cross-check of the count and of what metering itself costs.
//! - **Host functions** (module `env`): the call's input and output, the contract's
//!   key-value storage, an abort; charged with NEAR's costs ([`costs`]). Storage reached by
//!   the precompile pays NEAR's storage costs too, whoever touches it.
//! - **The evmpc link** (module `evmpc`), charged by the fee schedule: 1 gas here is 1
//!   femtosecond of the reference machine (NEAR's 1 Tgas ≈ 1 ms), 1,000 gas per picosecond
//!   of fee.
//!
//! A failed call (out of gas, an abort, a trap) keeps none of its storage writes.

pub mod costs;
mod host_functions;
pub mod instrument;
mod node;
pub mod storage;

pub use node::{CallOutcome, Failure, GasUse, Metering, NodeError, ReferenceNode};
pub use storage::JournaledStorage;
