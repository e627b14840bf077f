use super::input::{hex_bytes, hex_or_file};
use super::CliError;
use crate::workloads::{snailtracer, SNAILTRACER_CALLDATA};
use evmpc_abi::units::{feature_name, weight};
use evmpc_host::fees::Usage;
use evmpc_host::{Action, Engine, EngineConfig, FeeSchedule, Fork, FrameInput, MemoryHost, Precompile, ReturnedFrame};
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

/// `evmpc run`: one frame on an empty in-memory state.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Code to run: hex, or `@FILE` holding hex. Default: the embedded snailtracer
    /// benchmark with its `Benchmark()` calldata.
    #[arg(long)]
    code: Option<String>,
    /// Call data, hex.
    #[arg(long)]
    input: Option<String>,
    /// Gas limit of the frame.
    #[arg(long, default_value_t = 1_000_000_000)]
    gas: u64,
    /// Fork whose rules apply (frontier … osaka).
    #[arg(long, default_value = "cancun")]
    fork: String,
    /// Run on native revm-interpreter instead of the precompile (for comparison).
    #[arg(long)]
    native: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// Also write the frame's encoded message (the bytes the node writes into the guest
    /// before `frame_start`) to this file: the input of an embedding of the guest other
    /// than this host's, such as `just llvm-path`.
    #[arg(long, value_name = "FILE")]
    write_message: Option<std::path::PathBuf>,
}

#[derive(Serialize)]
struct Report {
    engine: &'static str,
    status: String,
    success: bool,
    gas_used: u64,
    gas_refunded: i64,
    output: String,
    logs: Vec<LogReport>,
    storage_changes: Vec<StorageReport>,
    elapsed_ms: f64,
    /// The precompile's fee for the frame, and what it is made of.
    fee: Option<FeeReport>,
}

/// A frame's fee and its terms, in picoseconds of the reference machine.
#[derive(Serialize)]
struct FeeReport {
    total_ps: u64,
    /// Units by kind: opcodes, operand classes, bytes (as native revm counts them, which equals
    /// the guest's count).
    units: BTreeMap<&'static str, u64>,
    /// Each term of the fee: its name, count and picoseconds.
    terms: Vec<(String, u64, u64)>,
}

#[derive(Serialize)]
struct LogReport {
    address: String,
    topics: Vec<String>,
    data: String,
}

#[derive(Serialize)]
struct StorageReport {
    address: String,
    slot: String,
    before: String,
    after: String,
}

fn hex0x(bytes: &[u8]) -> String {
    format!("0x{}", hex::encode(bytes))
}

fn frame_of(args: &Args) -> Result<FrameInput, CliError> {
    let fork = Fork::from_name(&args.fork).ok_or_else(|| {
        let names: Vec<_> = Fork::ALL.iter().map(|f| f.name()).collect();
        CliError::Usage(format!("unknown fork `{}`; one of: {}", args.fork, names.join(", ")))
    })?;
    let (code, default_input) = match &args.code {
        Some(code) => (hex_or_file(code, "--code")?, Vec::new()),
        None => (snailtracer(), SNAILTRACER_CALLDATA.to_vec()),
    };
    let input = match &args.input {
        Some(input) => hex_bytes(input, "--input")?,
        None => default_input,
    };
    Ok(FrameInput::call(fork, code, input, args.gas))
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let frame = frame_of(&args)?;
    if let Some(path) = &args.write_message {
        std::fs::write(path, evmpc_abi::wire::to_vec(&frame))
            .map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
    }
    let mut host = MemoryHost::for_frame(&frame);
    let started = Instant::now();
    let mut fee = None;
    let (engine, result) = if args.native {
        let table = evmpc_oracle::native::table();
        let result = evmpc_oracle::native::run_frame(&mut host, &table, &frame)?;
        ("native revm-interpreter", result)
    } else {
        let engine = Engine::new(&EngineConfig::default())?;
        let precompile = Precompile::<MemoryHost>::new(&engine)?;
        let mut session = precompile.session(host)?;
        let action = session.start(&frame)?;
        let returned = match &action {
            Action::Return(result) => Some(session.returned(result)?),
            _ => None,
        };
        fee = Some(fee_report(&engine.fee_schedule(), &session.usage(), &frame)?);
        host = session.into_host();
        match (action, returned) {
            (_, Some(result)) => ("evmpc precompile", result),
            (Action::Call(request), _) => {
                return Err(CliError::Usage(format!(
                    "the frame asked for a {:?} to 0x{}: `evmpc run` executes a single frame",
                    request.scheme,
                    hex::encode(request.target)
                )))
            }
            (_, None) => {
                return Err(CliError::Usage("the frame asked for a CREATE: `evmpc run` executes a single frame".into()))
            }
        }
    };
    let elapsed_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut report = report(engine, &result, &host, elapsed_ms);
    report.fee = fee;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report).unwrap_or_default());
    } else {
        print_report(&report);
    }
    Ok(if result.status.is_success() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn report(engine: &'static str, result: &ReturnedFrame, host: &MemoryHost, elapsed_ms: f64) -> Report {
    let logs = host
        .logs()
        .iter()
        .map(|log| LogReport {
            address: hex0x(log.address.as_slice()),
            topics: log.data.topics().iter().map(|t| hex0x(t.as_slice())).collect(),
            data: hex0x(&log.data.data),
        })
        .collect();
    let storage_changes = host
        .storage_changes()
        .into_iter()
        .map(|(address, slot, before, after)| StorageReport {
            address: hex0x(&address),
            slot: hex0x(&slot),
            before: hex0x(&before),
            after: hex0x(&after),
        })
        .collect();
    Report {
        engine,
        status: format!("{:?}", result.status),
        success: result.status.is_success(),
        gas_used: result.gas_used,
        gas_refunded: result.gas_refunded,
        output: hex0x(&result.output),
        logs,
        storage_changes,
        elapsed_ms,
        fee: None,
    }
}

/// The fee of a session that used `usage` for `frame`, term by term; its units split by kind
/// from native revm's count of the same frame.
fn fee_report(schedule: &FeeSchedule, usage: &Usage, frame: &FrameInput) -> Result<FeeReport, CliError> {
    let total_ps = schedule.fee(usage)?;
    let mut host = MemoryHost::for_frame(frame);
    let table = evmpc_oracle::native::table();
    let (_, counter) = evmpc_oracle::native::run_frame_counted(&mut host, &table, frame)?;
    let mut units = BTreeMap::new();
    for (index, count) in counter.features().iter().enumerate() {
        let kind = match feature_name(index).0 {
            "opcode" => "opcodes",
            "byte" => "bytes",
            _ => "operand classes",
        };
        *units.entry(kind).or_insert(0) += u64::from(weight(index)) * count;
    }
    let terms = schedule
        .breakdown(usage)
        .into_iter()
        .map(|(term, count, picos)| (term.price_name().trim_start_matches("per_").to_string(), count, picos))
        .collect();
    Ok(FeeReport { total_ps, units, terms })
}

fn print_report(report: &Report) {
    println!("engine           {}", report.engine);
    println!("status           {}", report.status);
    println!("gas used         {} (refund counter {})", report.gas_used, report.gas_refunded);
    println!("output           {}", report.output);
    println!("logs             {}", report.logs.len());
    for log in &report.logs {
        println!("  {} topics [{}] data {}", log.address, log.topics.join(", "), log.data);
    }
    println!("storage changes  {}", report.storage_changes.len());
    for change in &report.storage_changes {
        println!("  {} [{}] {} -> {}", change.address, change.slot, change.before, change.after);
    }
    println!("time             {:.1} ms (including engine set-up)", report.elapsed_ms);
    if let Some(fee) = &report.fee {
        println!("fee              {:.3} ms of the reference machine's time", fee.total_ps as f64 / 1e9);
        for (term, count, picos) in &fee.terms {
            println!("  {term:<36} {count:>14} × price = {:>12.3} µs", *picos as f64 / 1e6);
        }
        for (kind, units) in &fee.units {
            println!("  units of {kind:<27} {units:>14}");
        }
    }
}
