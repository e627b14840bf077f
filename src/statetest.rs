//! Ethereum state tests through the precompile (and, to compare, through native revm).

pub mod fees;
/// Post-state root and logs hash.
pub mod merkle;
pub(crate) mod program;
/// Running the vectors of one file.
pub mod runner;
/// The skip list (`statetest-skips.txt`).
pub mod skips;
