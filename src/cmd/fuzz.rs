use super::{lock, progress, CliError};
use crate::fuzz::{case, check, decoders, Shape, Verdict};
use crate::statetest::runner::{native_post, Runner};
use evmpc_host::{Engine, MemoryHost, Precompile};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `evmpc fuzz`: random transactions through the precompile and native revm, and bent
/// messages through every ABI decoder.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// How many generated transactions (seeds `seed`, `seed + 1`, ...).
    #[arg(long, default_value_t = 10_000)]
    programs: u64,
    /// The first seed; a case is reproduced by its seed alone.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Threads, each with its own sessions.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    threads: u16,
    /// Seeds of decoder inputs (six inputs each: a bent message of every type and random
    /// bytes; every tenth also goes through a guest session). Default: as many as programs.
    #[arg(long)]
    decoders: Option<u64>,
    /// Stop starting new cases after this many seconds (a bounded smoke run).
    #[arg(long)]
    time_limit: Option<u64>,
    /// Where each finding is written as a state test (expected post state from native revm).
    #[arg(long, default_value = "target/fuzz-findings")]
    findings: PathBuf,
    /// The Wasm engine that runs the artifact.
    #[arg(long, value_enum, default_value_t)]
    engine: super::input::EngineArg,
    /// Print the state test of one seed's case and exit.
    #[arg(long)]
    emit: Option<u64>,
}

/// Counts of a run.
#[derive(Debug, Default)]
struct Totals {
    programs: u64,
    structured: u64,
    raw: u64,
    /// Halt-reason pairs (precompile / native) of cases that differ only there.
    halt_reasons: std::collections::BTreeMap<String, u64>,
    differences: Vec<(u64, String)>,
    crashes: Vec<(u64, String)>,
    decoder_inputs: u64,
    guest_inputs: u64,
    decoder_findings: Vec<(u64, String)>,
}

/// Runs `evmpc fuzz`.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    if let Some(seed) = args.emit {
        let text = serde_json::to_string_pretty(&case(seed).pattern.state_test(None)).unwrap_or_default();
        println!("{text}");
        return Ok(ExitCode::SUCCESS);
    }
    let engine = Engine::new(evmpc_host::EngineConfig::new().wasm_engine(args.engine.into()))?;
    let decoder_seeds = args.decoders.unwrap_or(args.programs);
    let deadline = args.time_limit.map(|seconds| Instant::now() + Duration::from_secs(seconds));
    let totals = Mutex::new(Totals::default());
    let next_program = AtomicU64::new(0);
    let next_decoder = AtomicU64::new(0);
    let progress = progress(args.programs + decoder_seeds, "cases");
    let started = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..args.threads {
            scope.spawn(|| {
                let runner = Runner::new(&engine, Default::default());
                let precompile = Precompile::<MemoryHost>::new(&engine);
                let (Ok(runner), Ok(precompile)) = (runner, precompile) else {
                    lock(&totals).crashes.push((0, "the precompile cannot be set up".into()));
                    return;
                };
                let open = || deadline.is_none_or(|deadline| Instant::now() < deadline);
                while open() {
                    let index = next_program.fetch_add(1, Ordering::Relaxed);
                    if index >= args.programs {
                        break;
                    }
                    let seed = args.seed.wrapping_add(index);
                    let case = case(seed);
                    let verdict = check(&runner, &case);
                    let mut totals = lock(&totals);
                    totals.programs += 1;
                    match case.shape {
                        Shape::Structured => totals.structured += 1,
                        Shape::Raw => totals.raw += 1,
                    }
                    match verdict {
                        Verdict::Same => {}
                        Verdict::HaltReason(what) => {
                            *totals.halt_reasons.entry(halt_pair(&what)).or_default() += 1;
                        }
                        Verdict::Differs(what) => totals.differences.push((seed, what)),
                        Verdict::Crash(what) => totals.crashes.push((seed, what)),
                    }
                    progress.set_message(message(&totals));
                    progress.inc(1);
                }
                while open() {
                    let index = next_decoder.fetch_add(1, Ordering::Relaxed);
                    if index >= decoder_seeds {
                        break;
                    }
                    let seed = args.seed.wrapping_add(index);
                    let inputs = decoders::inputs(seed);
                    let guest = index.is_multiple_of(10);
                    let findings: Vec<String> = inputs
                        .iter()
                        .filter_map(|input| {
                            decoders::host_side(input)
                                .or_else(|| guest.then(|| decoders::guest_side(&precompile, input)).flatten())
                        })
                        .collect();
                    let mut totals = lock(&totals);
                    totals.decoder_inputs += inputs.len() as u64;
                    if guest {
                        totals.guest_inputs += inputs.len() as u64;
                    }
                    totals.decoder_findings.extend(findings.into_iter().map(|finding| (seed, finding)));
                    progress.inc(1);
                }
            });
        }
    });
    progress.finish_and_clear();
    let totals = totals.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner());
    write_findings(&args, &totals)?;
    report(&totals, args.seed, started.elapsed());
    let clean = totals.differences.is_empty() && totals.crashes.is_empty() && totals.decoder_findings.is_empty();
    Ok(if clean { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// `halt A / halt B` of a halt-reason difference, without the gas figures.
fn halt_pair(what: &str) -> String {
    what.split(" / ")
        .map(|side| {
            side.split(", gas").next().unwrap_or(side).trim_start_matches("precompile: ").trim_start_matches("native: ")
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

fn message(totals: &Totals) -> String {
    format!("{} differences, {} crashes", totals.differences.len(), totals.crashes.len())
}

/// Writes every differing or crashing case as a state test whose expected post state is
/// native revm's, so `evmpc statetest --compare-native` replays it.
fn write_findings(args: &Args, totals: &Totals) -> Result<(), CliError> {
    let seeds: Vec<u64> = totals.differences.iter().chain(&totals.crashes).map(|(seed, _)| *seed).collect();
    if seeds.is_empty() {
        return Ok(());
    }
    let io = |source| CliError::Io { path: args.findings.display().to_string(), source };
    std::fs::create_dir_all(&args.findings).map_err(io)?;
    for seed in seeds {
        let case = case(seed);
        let post = native_post(&case.pattern).ok();
        let post = post.map(|(root, logs)| (root.to_string(), logs.to_string()));
        let path = args.findings.join(format!("{}.json", case.pattern.name));
        let text = serde_json::to_string_pretty(&case.pattern.state_test(post)).unwrap_or_default();
        std::fs::write(&path, text).map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
        eprintln!("finding: seed {seed} written to {}", path.display());
    }
    Ok(())
}

fn report(totals: &Totals, seed: u64, elapsed: Duration) {
    for (seed, what) in totals.differences.iter().take(20) {
        println!("difference  seed {seed}: {what}");
    }
    for (seed, what) in totals.crashes.iter().take(20) {
        println!("crash       seed {seed}: {what}");
    }
    for (seed, what) in totals.decoder_findings.iter().take(20) {
        println!("decoder     seed {seed}: {what}");
    }
    let mut pairs: Vec<_> = totals.halt_reasons.iter().collect();
    pairs.sort_by(|a, b| b.1.cmp(a.1));
    for (pair, count) in pairs.iter().take(8) {
        println!("halt reason {count:>8}  {pair}");
    }
    println!(
        "fuzz: {} programs (seeds from {seed}; {} structured, {} raw) in {:.0} s, {} differences, {} halt-reason only, {} crashes; \
         decoders: {} inputs ({} through the guest), {} findings",
        totals.programs,
        totals.structured,
        totals.raw,
        elapsed.as_secs_f64(),
        totals.differences.len(),
        totals.halt_reasons.values().sum::<u64>(),
        totals.crashes.len(),
        totals.decoder_inputs,
        totals.guest_inputs,
        totals.decoder_findings.len(),
    );
}
