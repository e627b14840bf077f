use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::process::ExitCode;
use std::sync::{Mutex, MutexGuard};

/// `evmpc bench`.
pub mod bench;
pub mod estimate;
/// `evmpc fuzz`.
pub mod fuzz;
/// `evmpc hash`.
pub mod hash;
/// Reading hex and files from the command line.
pub mod input;
/// `evmpc load`.
pub mod load;
/// `evmpc run`.
pub mod run;
/// `evmpc statetest`.
pub mod statetest;

/// Run EVM bytecode through the evmpc canonical Wasm precompile.
#[derive(Parser, Debug)]
#[command(name = "evmpc", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Cmd,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Execute one EVM frame on an in-memory state (default: the embedded snailtracer).
    Run(run::Args),
    /// Print the artifact sha256 and the ABI hash.
    Hash(hash::Args),
    /// Time the precompile against native revm-interpreter on the same state.
    Bench(bench::Args),
    /// Run Ethereum state tests (files or folders) through the precompile.
    Statetest(statetest::Args),
    /// Search for the worst case per opcode and fit the fee schedule to it.
    Estimate(estimate::Args),
    /// Differential fuzzing against native revm, and the ABI's decoders fed bent messages.
    Fuzz(fuzz::Args),
    /// Many transactions in one process on threads sharing one engine; resident memory.
    Load(load::Args),
}

/// A failure the CLI reports and exits 2 on.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// Bad command-line input.
    #[error("{0}")]
    Usage(String),
    /// The precompile failed.
    #[error(transparent)]
    Precompile(#[from] evmpc_host::Error),
    /// The engine contracts' benchmark failed (a path disagrees with native revm, or fails).
    #[error(transparent)]
    Contracts(#[from] crate::contracts::BenchError),
    /// A generated program did not run (its fork is unknown, or native revm refused it).
    #[error("{program}: {source}")]
    Program {
        /// The program.
        program: String,
        /// Why.
        source: crate::statetest::runner::VectorError,
    },
    /// The estimator could not measure a program.
    #[error(transparent)]
    Measure(#[from] crate::estimate::MeasureError),
    /// An honest workload of the fee check did not run.
    #[error(transparent)]
    Honest(#[from] crate::statetest::fees::HonestError),
    /// No fee schedule fits the measurements.
    #[error(transparent)]
    Fit(#[from] crate::estimate::fit::FitError),
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] crate::plot::PlotError),
    /// The skip list does not parse.
    #[error(transparent)]
    Skips(#[from] crate::statetest::skips::SkipsError),
    /// A fee does not fit a `u64`.
    #[error("the fee does not fit a u64")]
    FeeOverflow(#[from] evmpc_host::fees::FeeOverflow),
    /// A frame cannot run on native revm alone.
    #[error("native revm: {0}")]
    Native(#[from] evmpc_oracle::native::NativeError),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
}

/// A progress bar over `len` `items` (drawn on a terminal only), the same for every
/// long-running subcommand.
pub(crate) fn progress(len: u64, items: &str) -> ProgressBar {
    let template = format!("{{bar:40}} {{pos}}/{{len}} {items} {{per_sec}} {{elapsed_precise}} (eta {{eta}}) {{msg}}");
    let progress = ProgressBar::new(len);
    progress.set_style(ProgressStyle::with_template(&template).unwrap_or_else(|_| ProgressStyle::default_bar()));
    progress
}

/// Locks counts shared by worker threads; a worker that panicked leaves them as they were.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Cmd {
    /// Runs the subcommand; the exit code tells success (0) or a failed frame (1).
    pub fn run(self) -> Result<ExitCode, CliError> {
        match self {
            Cmd::Run(args) => run::run(args),
            Cmd::Hash(args) => hash::run(args),
            Cmd::Bench(args) => bench::run(args),
            Cmd::Statetest(args) => statetest::run(args),
            Cmd::Estimate(args) => estimate::run(args),
            Cmd::Fuzz(args) => fuzz::run(args),
            Cmd::Load(args) => load::run(args),
        }
    }
}
