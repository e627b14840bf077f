use super::CliError;
use crate::workloads::{self, Workload, LOOP_ITERATIONS};
use evmpc_host::{Engine, EngineConfig, MemoryHost, Precompile};
use evmpc_oracle::native;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

/// The adversarial suite: attack patterns timed against native revm.
mod adversarial;
/// Engine contracts on the reference node against the precompile and native revm.
mod contracts;

/// `evmpc bench`: the precompile and native revm-interpreter side by side, same state,
/// same run. Prints medians and ratios; timings are noisy, ratios less so.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Timed runs of each workload on each side (snailtracer: the median; adversarial
    /// patterns: the fastest).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// Run the adversarial suite: every attack pattern as a whole transaction through the
    /// precompile and native revm, with time per EVM gas on both sides, worst ratio last.
    #[arg(long)]
    adversarial: bool,
    /// Run the engine contracts' benchmark: snailtracer, burntpix, an ERC-20 transfer and a
    /// CALL-heavy loop through native revm, the precompile, engine-precompile on the
    /// reference node, and engine-interpreter metered by finite-wasm and by fuel.
    #[arg(long, conflicts_with = "adversarial")]
    contracts: bool,
    /// With `--adversarial` or `--contracts`: only patterns (workloads) whose name contains
    /// this.
    #[arg(long)]
    filter: Option<String>,
    /// With `--contracts`: where to draw the plot (SVG; default target/bench-contracts.svg).
    #[arg(long, requires = "contracts", value_name = "SVG")]
    plot: Option<PathBuf>,
    /// With `--adversarial`: write each pattern as an Ethereum state test into this folder
    /// (expected post state from native revm) instead of timing it.
    #[arg(long, requires = "adversarial", value_name = "DIR")]
    emit_statetests: Option<PathBuf>,
    /// With `--adversarial`: exit 1 when a pattern's ratio exceeds this.
    #[arg(long, requires = "adversarial")]
    max_ratio: Option<f64>,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
    /// Write `/tmp/perf-<pid>.map` so `perf` names the guest's functions.
    #[arg(long)]
    perf_map: bool,
    /// The Wasm engine that runs the artifact (the default benchmark only).
    #[arg(long, value_enum, default_value_t)]
    engine: super::input::EngineArg,
    /// Instantiate sessions on demand instead of from a pre-allocated pool (slower; for
    /// tools that cannot map the pool's address space, such as valgrind).
    #[arg(long)]
    no_pooling: bool,
    /// Grown guest memory the idle instances may hold in all, in bytes (the engine's default
    /// when not given: see `EngineConfig::idle_memory`); 0 instantiates afresh after every
    /// session that grew its memory. The default benchmark and `--adversarial` only.
    #[arg(long)]
    idle_memory: Option<usize>,
    /// Bytes of analysed code each idle instance keeps for later sessions (the engine's
    /// default when not given: see `EngineConfig::code_window`); 0 keeps none, and every
    /// session copies its codes into guest memory. The default benchmark and `--adversarial` only.
    #[arg(long)]
    code_window: Option<usize>,
}

#[derive(Serialize)]
struct Summary {
    snailtracer_precompile_ms: f64,
    snailtracer_native_ms: f64,
    snailtracer_ratio: f64,
    empty_frame_precompile_us: f64,
    empty_frame_native_us: f64,
    sload_precompile_ns: f64,
    sload_native_ns: f64,
    artifact_bytes: usize,
}

/// Median wall time of `runs` calls of `f` (after one warm-up call).
fn median(runs: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut times: Vec<Duration> = (0..runs.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    times.sort();
    times[times.len() / 2]
}

/// Median time of one call of `f`, measured in batches of `batch` calls.
fn per_call(batches: usize, batch: usize, mut f: impl FnMut()) -> Duration {
    median(batches, || (0..batch).for_each(|_| f())) / batch as u32
}

impl Args {
    /// The engine's configuration these options ask for.
    fn engine_config(&self) -> EngineConfig {
        let mut config = EngineConfig::new();
        config.perf_map(self.perf_map).pooling(!self.no_pooling);
        if let Some(bytes) = self.idle_memory {
            config.idle_memory(bytes);
        }
        if let Some(bytes) = self.code_window {
            config.code_window(bytes);
        }
        config
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    if args.adversarial {
        return adversarial::run(&args);
    }
    if args.contracts {
        return contracts::run(&args);
    }
    let engine = Engine::new(args.engine_config().wasm_engine(args.engine.into()))?;
    let precompile = Precompile::<MemoryHost>::new(&engine)?;
    let table: native::MemoryTable = native::table();
    let timed = |workload: &Workload, runs: usize| {
        let wasm = median(runs, || drop(workloads::run_precompile(&precompile, workload)));
        let native = median(runs, || drop(workloads::run_native(&table, workload)));
        (wasm, native)
    };

    let snail = workloads::snailtracer_frame();
    let (snail_wasm, snail_native) = timed(&snail, args.runs);
    let empty = workloads::empty_frame();
    let empty_wasm = per_call(15, 200, || drop(workloads::run_precompile(&precompile, &empty)));
    let empty_native = per_call(15, 200, || drop(workloads::run_native(&table, &empty)));
    let (sload_wasm, sload_native) = timed(&workloads::sload_loop(), 15);
    let (base_wasm, base_native) = timed(&workloads::iszero_loop(), 15);
    let per_op = |with: Duration, without: Duration| {
        (with.as_nanos() as f64 - without.as_nanos() as f64).max(0.0) / LOOP_ITERATIONS as f64
    };

    let summary = Summary {
        snailtracer_precompile_ms: snail_wasm.as_secs_f64() * 1e3,
        snailtracer_native_ms: snail_native.as_secs_f64() * 1e3,
        snailtracer_ratio: snail_wasm.as_secs_f64() / snail_native.as_secs_f64(),
        empty_frame_precompile_us: empty_wasm.as_secs_f64() * 1e6,
        empty_frame_native_us: empty_native.as_secs_f64() * 1e6,
        sload_precompile_ns: per_op(sload_wasm, base_wasm),
        sload_native_ns: per_op(sload_native, base_native),
        artifact_bytes: evmpc_host::artifact::ARTIFACT.len(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary).unwrap_or_default());
    } else {
        println!("workload                      precompile        native     ratio");
        println!(
            "snailtracer (median of {:>2})   {:>9.1} ms  {:>9.1} ms   {:>5.2}x",
            args.runs, summary.snailtracer_precompile_ms, summary.snailtracer_native_ms, summary.snailtracer_ratio
        );
        println!(
            "empty frame, fresh session    {:>9.2} µs  {:>9.2} µs",
            summary.empty_frame_precompile_us, summary.empty_frame_native_us
        );
        println!(
            "one warm SLOAD (marginal)     {:>9.1} ns  {:>9.1} ns",
            summary.sload_precompile_ns, summary.sload_native_ns
        );
        println!("artifact                      {} bytes", summary.artifact_bytes);
    }
    Ok(ExitCode::SUCCESS)
}
