//! Ethereum state tests through the precompile (and, to compare, through native revm).

/// Post-state root and logs hash.
pub mod merkle;
/// Running the vectors of one file.
pub mod runner;
/// The skip list (`statetest-skips.txt`).
pub mod skips;
