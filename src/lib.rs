//! The `evmpc` command line: run EVM bytecode through the canonical Wasm precompile,
//! print its hashes, benchmark it against native revm-interpreter.
//!
//! The binary (`src/main.rs`) only parses and maps errors to exit codes; each subcommand
//! lives in `cmd/<name>.rs`.

pub mod adversarial;
/// Subcommands.
pub mod cmd;
pub mod contracts;
pub mod estimate;
pub mod fuzz;
pub mod load;
pub mod plot;
pub mod statetest;
pub mod workloads;
