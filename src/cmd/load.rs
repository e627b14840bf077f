use super::{lock, progress, CliError};
use crate::load::{Chain, Ended, LoadError};
use evmpc_host::{Engine, EngineConfig};
use serde::Serialize;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// `evmpc load`: many transactions in one process on threads sharing one engine; resident
/// memory as it goes.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Transactions in all.
    #[arg(long, default_value_t = 100_000)]
    transactions: u64,
    /// Threads, each with its own chain state.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
    /// Pool slots of the engine (sessions alive at once). Fewer than threads makes
    /// transactions wait for a slot.
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    sessions: u32,
    /// Bytes of each pool slot's memory kept resident between sessions (the engine's
    /// default when not given: see `EngineConfig::keep_resident`).
    #[arg(long)]
    keep_resident: Option<usize>,
    /// Grown guest memory the idle instances may hold in all, in bytes (the engine's default
    /// when not given: see `EngineConfig::idle_memory`).
    #[arg(long)]
    idle_memory: Option<usize>,
    /// Bytes of analysed code each idle instance keeps for later sessions (the engine's
    /// default when not given: see `EngineConfig::code_window`); 0 keeps none, and every
    /// session copies its codes into guest memory.
    #[arg(long)]
    code_window: Option<usize>,
    /// Resident memory is sampled every this many transactions.
    #[arg(long, default_value_t = 10_000)]
    every: u64,
    /// Fail (exit 1) when resident memory grows by more than this percentage between the
    /// first sample and the last.
    #[arg(long)]
    max_growth: Option<f64>,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

/// Resident memory after a number of transactions.
#[derive(Clone, Copy, Debug, Serialize)]
struct Sample {
    transactions: u64,
    resident_mib: f64,
    seconds: f64,
}

#[derive(Default, Serialize)]
struct Report {
    transactions: u64,
    success: u64,
    revert: u64,
    halt: u64,
    invalid: u64,
    pool_waits: u64,
    /// The most guest memory one session grew to (bytes), and its transaction.
    largest_session_memory: (usize, u64),
    samples: Vec<Sample>,
    growth_percent: f64,
    transactions_per_second: f64,
    errors: Vec<String>,
}

/// Runs `evmpc load`.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let mut config = EngineConfig::new();
    config.max_sessions(args.sessions);
    if let Some(bytes) = args.keep_resident {
        config.keep_resident(bytes);
    }
    if let Some(bytes) = args.idle_memory {
        config.idle_memory(bytes);
    }
    if let Some(bytes) = args.code_window {
        config.code_window(bytes);
    }
    let engine = Engine::new(&config)?;
    let next = AtomicU64::new(0);
    let report = Mutex::new(Report::default());
    let progress = progress(args.transactions, "transactions");
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..args.threads {
            scope.spawn(|| {
                let mut chain = match Chain::new(&engine) {
                    Ok(chain) => chain,
                    Err(error) => return lock(&report).errors.push(error.to_string()),
                };
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= args.transactions {
                        break;
                    }
                    let ended = chain.send(index);
                    let mut report = lock(&report);
                    record(&mut report, ended);
                    let done = report.transactions;
                    if done.is_multiple_of(args.every) || done == args.transactions {
                        let sample = Sample {
                            transactions: done,
                            resident_mib: resident_bytes() as f64 / f64::from(1 << 20),
                            seconds: started.elapsed().as_secs_f64(),
                        };
                        progress.set_message(format!("{:.0} MiB resident", sample.resident_mib));
                        report.samples.push(sample);
                    }
                    progress.inc(1);
                }
                let mut report = lock(&report);
                report.pool_waits += chain.pool_waits;
                report.largest_session_memory = report.largest_session_memory.max(chain.largest_memory);
            });
        }
    });
    progress.finish_and_clear();
    let mut report = report.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    report.samples.sort_by_key(|sample| sample.transactions);
    let first = report.samples.first().map_or(0.0, |sample| sample.resident_mib);
    let last = report.samples.last().map_or(0.0, |sample| sample.resident_mib);
    report.growth_percent = if first > 0.0 { (last - first) / first * 100.0 } else { 0.0 };
    report.transactions_per_second = report.transactions as f64 / started.elapsed().as_secs_f64().max(1e-9);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print(&report, &args);
    }
    let too_much = args.max_growth.is_some_and(|max| report.growth_percent > max);
    if too_much {
        eprintln!(
            "error: resident memory grew {:.1}% from {} to {} transactions (at most {:.1}% allowed)",
            report.growth_percent,
            report.samples.first().map_or(0, |sample| sample.transactions),
            report.transactions,
            args.max_growth.unwrap_or_default()
        );
    }
    Ok(if report.errors.is_empty() && !too_much { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn record(report: &mut Report, ended: Result<Ended, LoadError>) {
    report.transactions += 1;
    match ended {
        Ok(Ended::Success) => report.success += 1,
        Ok(Ended::Revert) => report.revert += 1,
        Ok(Ended::Halt) => report.halt += 1,
        Ok(Ended::Invalid) => report.invalid += 1,
        Err(error) => report.errors.push(error.to_string()),
    }
}

/// This process's resident memory in bytes (0 where `/proc` has no answer).
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

fn print(report: &Report, args: &Args) {
    println!("{:>12}  {:>12}  {:>8}", "transactions", "resident MiB", "seconds");
    for sample in &report.samples {
        println!("{:>12}  {:>12.1}  {:>8.1}", sample.transactions, sample.resident_mib, sample.seconds);
    }
    for error in report.errors.iter().take(10) {
        println!("error: {error}");
    }
    println!(
        "load: {} transactions on {} threads, {} session slots: {} success, {} revert, {} halt, {} invalid, {} errors; \
         {} waits for a slot; {:.0} transactions/s; resident memory {:+.1}% from the first sample to the last",
        report.transactions,
        args.threads,
        args.sessions,
        report.success,
        report.revert,
        report.halt,
        report.invalid,
        report.errors.len(),
        report.pool_waits,
        report.transactions_per_second,
        report.growth_percent,
    );
    let (bytes, index) = report.largest_session_memory;
    println!("largest session: {:.1} MiB of guest memory (transaction {index})", bytes as f64 / f64::from(1 << 20));
}
