//! The `evmpc` command line: run EVM bytecode through the canonical Wasm precompile,
//! print its hashes, benchmark it against native revm-interpreter.
//!
//! The binary (`src/main.rs`) only parses and maps errors to exit codes; each subcommand
//! lives in `cmd/<name>.rs`.

/// Programs written to attack the precompile's cost per EVM gas.
pub mod adversarial;
/// Subcommands.
pub mod cmd;
/// Engine contracts on the reference node against the precompile and native revm.
pub mod contracts;
/// The worst-case search and the fee fit.
pub mod estimate;
/// Differential fuzzing against native revm.
pub mod fuzz;
/// Many transactions in one process.
pub mod load;
/// The error of the SVG plots.
pub mod plot;
/// Ethereum state tests through the precompile.
pub mod statetest;
/// Benchmark workloads shared by `evmpc bench` and the criterion benches.
pub mod workloads;
