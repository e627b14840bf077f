use super::CliError;
use crate::statetest::fees::FeeTally;
use crate::statetest::runner::{Difference, Runner, Selection, VectorReport, Verdict};
use crate::statetest::skips::{Skips, SKIPS};
use evmpc_host::{Engine, EngineConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// `evmpc statetest`: Ethereum state tests, every post entry run through the precompile.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// State-test JSON files or folders (searched recursively).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Only this fork (as the files name it: Cancun, Shanghai, …).
    #[arg(long)]
    fork: Option<String>,
    /// Only tests whose name contains this.
    #[arg(long)]
    filter: Option<String>,
    /// Also run every vector on native revm and report any difference and the time ratio.
    #[arg(long)]
    compare_native: bool,
    /// Write a JSON report to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// The Wasm engine that runs the artifact.
    #[arg(long, value_enum, default_value_t)]
    engine: super::input::EngineArg,
    /// Write `/tmp/perf-<pid>.map` so `perf` names the guest's functions.
    #[arg(long)]
    perf_map: bool,
    /// Instantiate sessions on demand instead of from a pre-allocated pool (slower; for
    /// tools that cannot map the pool's address space, such as valgrind).
    #[arg(long)]
    no_pooling: bool,
    /// Run every vector this many times on each side and report the fastest run (timings
    /// of single runs are noisy).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..))]
    runs: u16,
    /// Check every vector's time inside the precompile (the fastest of `--runs`, one more
    /// run first to warm up) against its fee under the reference schedule; exit 1 if any
    /// is undercharged.
    #[arg(long)]
    fees: bool,
}

#[derive(Default, Serialize)]
struct Tally {
    passed: usize,
    failed: usize,
    skipped: usize,
}

#[derive(Serialize)]
struct Failure {
    file: String,
    test: String,
    fork: String,
    indexes: (usize, usize, usize),
    reason: String,
}

#[derive(Default, Serialize)]
struct Report {
    per_fork: BTreeMap<String, Tally>,
    failures: Vec<Failure>,
    native_differences: Vec<Failure>,
    halt_reason_variations: usize,
    /// Vectors whose units were compared with native revm's count.
    units_compared: usize,
    skipped_files: Vec<(String, String)>,
    precompile_seconds: f64,
    native_seconds: Option<f64>,
    wall_seconds: f64,
    peak_rss_kib: Option<u64>,
    fees: Option<FeeTally>,
}

/// Every `.json` file under `paths`, sorted.
fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CliError> {
    fn walk(path: &Path, out: &mut Vec<PathBuf>) -> Result<(), CliError> {
        let io = |source| CliError::Io { path: path.display().to_string(), source };
        if path.is_dir() {
            for entry in std::fs::read_dir(path).map_err(io)? {
                walk(&entry.map_err(io)?.path(), out)?;
            }
        } else if path.extension().is_some_and(|ext| ext == "json") {
            out.push(path.to_path_buf());
        } else if !path.exists() {
            return Err(CliError::Usage(format!("{} does not exist", path.display())));
        }
        Ok(())
    }
    let mut files = Vec::new();
    for path in paths {
        walk(path, &mut files)?;
    }
    files.sort();
    Ok(files)
}

/// Peak resident memory of this process (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let skips = Skips::parse(SKIPS)?;
    let files = collect(&args.paths)?;
    let engine = Engine::new(
        EngineConfig::new().perf_map(args.perf_map).pooling(!args.no_pooling).wasm_engine(args.engine.into()),
    )?;
    let selection = Selection {
        fork: args.fork.clone(),
        filter: args.filter.clone(),
        compare_native: args.compare_native,
        runs: usize::from(args.runs) + usize::from(args.fees),
        fees: args.fees,
    };
    let runner = Runner::new(&engine, selection)?;

    let progress = super::progress(files.len() as u64, "files");
    let mut report = Report::default();
    let mut fees = FeeTally::default();
    let (mut precompile_time, mut native_time) = (Duration::ZERO, Duration::ZERO);
    let mut file_errors = 0;
    for file in &files {
        progress.inc(1);
        let name = file.display().to_string();
        if let Some(reason) = skips.reason(file) {
            report.skipped_files.push((name, reason.to_string()));
            report.per_fork.entry("(skipped file)".into()).or_default().skipped += 1;
            continue;
        }
        let outcomes = match runner.run_file(file) {
            Ok(outcomes) => outcomes,
            Err(error) => {
                progress.suspend(|| eprintln!("error: {error}"));
                file_errors += 1;
                report.failures.push(Failure {
                    file: name,
                    test: String::new(),
                    fork: String::new(),
                    indexes: (0, 0, 0),
                    reason: error.to_string(),
                });
                continue;
            }
        };
        for outcome in outcomes {
            precompile_time += outcome.precompile_time;
            fees.add(&name, &outcome);
            tally(&mut report, &name, &outcome, &mut native_time);
        }
        progress.set_message(format!("{} failed", report.failures.len()));
    }
    progress.finish_and_clear();

    report.precompile_seconds = precompile_time.as_secs_f64();
    report.native_seconds = args.compare_native.then_some(native_time.as_secs_f64());
    report.wall_seconds = started.elapsed().as_secs_f64();
    report.peak_rss_kib = peak_rss_kib();
    print_summary(&report, file_errors);
    if args.fees {
        fees.measure_honest(&runner, usize::from(args.runs).max(3))?;
        fees.print();
        report.fees = Some(fees.clone());
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).unwrap_or_default();
        std::fs::write(path, json).map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
    }
    let undercharged = report.fees.as_ref().is_some_and(|fees| !fees.undercharged.is_empty());
    let clean = report.failures.is_empty() && report.native_differences.is_empty() && !undercharged;
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn tally(report: &mut Report, file: &str, outcome: &VectorReport, native_time: &mut Duration) {
    let tally = report.per_fork.entry(outcome.fork.clone()).or_default();
    let failure = |reason: &str| Failure {
        file: file.to_string(),
        test: outcome.test.clone(),
        fork: outcome.fork.clone(),
        indexes: outcome.indexes,
        reason: reason.to_string(),
    };
    match &outcome.verdict {
        Verdict::Pass => tally.passed += 1,
        Verdict::Skip(_) => tally.skipped += 1,
        Verdict::Fail(reason) => {
            tally.failed += 1;
            report.failures.push(failure(reason));
        }
    }
    if let Some((precompile, native)) = outcome.units {
        report.units_compared += 1;
        if precompile != native {
            report.native_differences.push(failure(&format!("units: precompile {precompile}, native revm {native}")));
        }
    }
    if let Some((time, difference)) = &outcome.native {
        *native_time += *time;
        match difference {
            Some(Difference::Consensus(text)) => report.native_differences.push(failure(text)),
            Some(Difference::HaltReason(_)) => report.halt_reason_variations += 1,
            None => {}
        }
    }
}

fn print_summary(report: &Report, file_errors: usize) {
    for failure in &report.failures {
        println!(
            "FAIL {} {} {} d{} g{} v{}: {}",
            failure.file,
            failure.test,
            failure.fork,
            failure.indexes.0,
            failure.indexes.1,
            failure.indexes.2,
            failure.reason
        );
    }
    for difference in &report.native_differences {
        println!(
            "DIFF {} {} {} d{} g{} v{}: {}",
            difference.file,
            difference.test,
            difference.fork,
            difference.indexes.0,
            difference.indexes.1,
            difference.indexes.2,
            difference.reason
        );
    }
    for (file, reason) in &report.skipped_files {
        println!("skipped file {file}: {reason}");
    }
    for (fork, tally) in &report.per_fork {
        println!("  {fork:<16} {:>6} passed {:>4} failed {:>5} skipped", tally.passed, tally.failed, tally.skipped);
    }
    if let Some(native) = report.native_seconds {
        println!(
            "time: precompile {:.2} s, native {:.2} s, ratio {:.2}x; {} differences from native revm \
             ({} halts name another reason with the same gas and state: not consensus, spec §2)",
            report.precompile_seconds,
            native,
            report.precompile_seconds / native.max(1e-9),
            report.native_differences.len(),
            report.halt_reason_variations
        );
        println!(
            "units: {} vectors counted by the guest and by native revm, {} differ",
            report.units_compared,
            report.native_differences.iter().filter(|d| d.reason.starts_with("units:")).count()
        );
    } else {
        println!(
            "time: precompile {:.2} s of transactions, {:.2} s wall",
            report.precompile_seconds, report.wall_seconds
        );
    }
    if let Some(rss) = report.peak_rss_kib {
        println!("peak resident memory: {} MiB", rss / 1024);
    }
    if file_errors > 0 {
        println!("{file_errors} files could not be read");
    }
    let total = |pick: fn(&Tally) -> usize| report.per_fork.values().map(pick).sum::<usize>();
    println!(
        "{} passed, {} failed, {} skipped",
        total(|t| t.passed),
        total(|t| t.failed) + file_errors,
        total(|t| t.skipped)
    );
}
