//! What evmpc is checked against, kept out of the crates a node depends on.
//!
//! [`native`] runs the same frame or transaction on native revm over the same revm context
//! (the oracle of the differential tests and the baseline of the benchmarks), and counts
//! the units the guest counts. [`asm`] assembles EVM code for tests, benchmarks and attack
//! programs.

pub mod asm;
pub mod native;
