//! `evmpc estimate`: search for the worst case per opcode and fit the fee schedule.

use super::CliError;
use crate::adversarial::patterns;
use crate::estimate::fit::{fit, scale_fixed_costs, Sample};
use crate::estimate::plot::{draw, Bar};
use crate::estimate::{measure, probes, workloads, Probe, Row};
use crate::statetest::runner::{native_post, Runner, Selection};
use evmpc_host::{Engine, FeeSchedule, HostConfig};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `evmpc estimate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Timed runs of each program on each side, after one warm-up (the fastest counts).
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// Only programs whose name contains this.
    #[arg(long)]
    filter: Option<String>,
    /// Rounds over all programs; a program's time is the slowest round's fastest run, so a
    /// quiet moment of the machine does not set the fee.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    rounds: u16,
    /// Every program must be charged at least its time times this.
    #[arg(long, default_value_t = 3.0)]
    margin: f64,
    /// The margin of the fixed costs, `per_session` and `per_frame`: memory traffic, which
    /// the machine's slow phases stretch more than computation (the fitted values are
    /// scaled by this over `--margin`).
    #[arg(long, default_value_t = 6.0)]
    fixed_margin: f64,
    /// Also count the guest's Wasm instructions (wasmtime fuel; one more run each).
    #[arg(long)]
    instructions: bool,
    /// Write every measurement and the fitted schedule as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write every measurement as CSV to this file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Draw ns per gas of each opcode's worst program (precompile and native) as SVG here.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Write the schedule and each opcode's worst program as Markdown tables (for
    /// `spec/fees.md`) to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write every program as an Ethereum state test into this folder instead of measuring
    /// (`evmpc statetest --fees DIR` checks them).
    #[arg(long, value_name = "DIR")]
    emit_statetests: Option<PathBuf>,
}

/// Everything `--json` writes.
#[derive(Serialize)]
struct Report<'a> {
    margin: f64,
    fixed_margin: f64,
    schedule: BTreeMap<String, u64>,
    charged_gas_per_second: f64,
    native_worst_gas_per_second: f64,
    rows: &'a [Row],
}

fn all_probes(filter: Option<&str>) -> Vec<Probe> {
    let mut all = probes::probes();
    all.extend(patterns().into_iter().map(|mut pattern| {
        pattern.name = format!("adversarial-{}", pattern.name);
        Probe::of("adversarial", pattern)
    }));
    all.extend(workloads::honest().into_iter().map(|pattern| Probe::of("workload", pattern)));
    all.retain(|probe| filter.is_none_or(|filter| probe.pattern.name.contains(filter)));
    all
}

/// Runs `evmpc estimate`.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let probes = all_probes(args.filter.as_deref());
    if probes.is_empty() {
        return Err(CliError::Usage("no program matches the filter".into()));
    }
    if let Some(dir) = &args.emit_statetests {
        return emit(&probes, dir);
    }
    let runner = Runner::new(&Engine::new(&HostConfig::new())?, Selection::default())?;
    let counter = if args.instructions {
        Some(Runner::new(&Engine::new(HostConfig::new().count_instructions(true))?, Selection::default())?)
    } else {
        None
    };
    let progress = super::progress(probes.len() as u64 * u64::from(args.rounds), "programs");
    let mut rows: Vec<Row> = Vec::new();
    for round in 0..args.rounds {
        for (index, probe) in probes.iter().enumerate() {
            progress.set_message(format!("round {} {}", round + 1, probe.pattern.name));
            let measurement = measure(&runner, probe, args.runs).map_err(CliError::Usage)?;
            let row = Row::new(probe, &measurement);
            match rows.get_mut(index) {
                Some(kept) => kept.slowest_of(&row),
                None => rows.push(row),
            }
            progress.inc(1);
        }
    }
    if let Some(counter) = &counter {
        for (row, probe) in rows.iter_mut().zip(&probes) {
            let counted = measure(counter, probe, 1).map_err(CliError::Usage)?;
            row.instructions_per_gas = counted.instructions.map(|count| count as f64 / row.gas.max(1) as f64);
        }
    }
    progress.finish_and_clear();

    let sample = |row: &Row| Sample { usage: row.usage, picos: row.precompile_ns * 1e3 };
    let covered: Vec<Sample> = rows.iter().filter(|row| row.class != "workload").map(sample).collect();
    let honest: Vec<Sample> = rows.iter().filter(|row| row.class == "workload").map(sample).collect();
    let fitted = fit(&covered, &honest, args.margin).map_err(|e| CliError::Usage(e.to_string()))?;
    let schedule = scale_fixed_costs(fitted, args.fixed_margin / args.margin);
    print_worst(&rows);
    let native_worst = rows.iter().filter(|row| row.gas > 100_000).map(|row| row.native_ns_per_gas).fold(0.0, f64::max);
    print_schedule(&schedule, &rows, (args.margin, args.fixed_margin), native_worst);
    write_outputs(&args, &rows, &schedule, native_worst)?;
    let differs = rows.iter().filter(|row| row.differs).count();
    if differs > 0 {
        eprintln!("error: {differs} programs differ from native revm");
    }
    Ok(if differs == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The worst program (highest precompile ns per gas) of each opcode, slowest first.
fn worst_per_op(rows: &[Row]) -> Vec<&Row> {
    let mut worst: BTreeMap<(&str, &str), &Row> = BTreeMap::new();
    let per_gas = |row: &&Row| !matches!(row.class, "adversarial" | "workload" | "boundary");
    for row in rows.iter().filter(per_gas) {
        let entry = worst.entry((row.class, row.op.as_str())).or_insert(row);
        if row.precompile_ns_per_gas > entry.precompile_ns_per_gas {
            *entry = row;
        }
    }
    let mut worst: Vec<&Row> = worst.into_values().collect();
    worst.sort_by(|a, b| b.precompile_ns_per_gas.total_cmp(&a.precompile_ns_per_gas));
    worst
}

fn print_worst(rows: &[Row]) {
    for row in rows.iter().filter(|row| row.class == "boundary") {
        println!(
            "{:<12} {:<14} {:<26} {:>9.1} us inside the precompile, {} bytes crossing, native {:.1} us",
            row.class,
            row.op,
            row.variant,
            row.precompile_ns / 1e3,
            row.usage.bytes,
            row.native_ns / 1e3
        );
    }
    println!(
        "{:<12} {:<14} {:<26} {:>10} {:>10} {:>7} {:>10}",
        "class", "opcode", "worst program", "ns/gas", "native", "ratio", "instr/gas"
    );
    for row in worst_per_op(rows) {
        println!(
            "{:<12} {:<14} {:<26} {:>10.3} {:>10.3} {:>6.2}x {:>10}",
            row.class,
            row.op,
            row.variant,
            row.precompile_ns_per_gas,
            row.native_ns_per_gas,
            row.precompile_ns_per_gas / row.native_ns_per_gas.max(1e-9),
            row.instructions_per_gas.map_or("-".to_string(), |count| format!("{count:.1}")),
        );
    }
}

fn schedule_fields(schedule: &FeeSchedule) -> BTreeMap<String, u64> {
    schedule.coefficients().into_iter().collect()
}

fn print_schedule(schedule: &FeeSchedule, rows: &[Row], (margin, fixed_margin): (f64, f64), native_worst: f64) {
    println!(
        "\nfee schedule (picoseconds of this machine; every program charged at least {margin:.2}x its time, \
         per_session and per_frame {fixed_margin:.2}x):"
    );
    for (name, value) in schedule_fields(schedule) {
        println!("  {name:<16} {value:>14}");
    }
    let coverage =
        |row: &Row| schedule.fee(&row.usage).map_or(f64::INFINITY, |fee| fee as f64 / 1e3 / row.precompile_ns.max(1.0));
    if let Some(tightest) = rows.iter().min_by(|a, b| coverage(a).total_cmp(&coverage(b))) {
        println!("tightest: {} charged {:.2}x its time", tightest.name, coverage(tightest));
    }
    if let Ok(bound) = schedule.bound_per_gas() {
        println!("  {:<16} {bound:>14}  (upper bound per gas of limit, derived)", "bound_per_gas");
    }
    let charged = 0.0;
    let native = 1e9 / native_worst.max(1e-9);
    println!(
        "charged gas per second {charged:.0}; native revm's worst case {native:.0} gas per second ({:.2}x of it)",
        charged / native
    );
    for row in rows.iter().filter(|row| row.class == "workload") {
        println!(
            "overcharge on {}: {:.2}x its time ({:.3} ns/gas inside the precompile)",
            row.name,
            coverage(row),
            row.precompile_ns_per_gas
        );
    }
}

fn write_outputs(args: &Args, rows: &[Row], schedule: &FeeSchedule, native_worst: f64) -> Result<(), CliError> {
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|source| CliError::Io { path: path.display().to_string(), source })
    };
    if let Some(path) = &args.json {
        let report = Report {
            margin: args.margin,
            fixed_margin: args.fixed_margin,
            schedule: schedule_fields(schedule),
            charged_gas_per_second: 0.0,
            native_worst_gas_per_second: 1e9 / native_worst.max(1e-9),
            rows,
        };
        write(path, serde_json::to_string_pretty(&report).unwrap_or_default())?;
    }
    if let Some(path) = &args.csv {
        let mut text =
            String::from("class,op,variant,name,gas,precompile_ns_per_gas,native_ns_per_gas,instructions_per_gas\n");
        for row in rows {
            text.push_str(&format!(
                "{},{},\"{}\",{},{},{:.4},{:.4},{}\n",
                row.class,
                row.op,
                row.variant,
                row.name,
                row.gas,
                row.precompile_ns_per_gas,
                row.native_ns_per_gas,
                row.instructions_per_gas.map_or(String::new(), |count| format!("{count:.2}"))
            ));
        }
        write(path, text)?;
    }
    if let Some(path) = &args.markdown {
        write(path, markdown(rows, schedule, (args.margin, args.fixed_margin), native_worst))?;
    }
    if let Some(path) = &args.plot {
        let bars: Vec<Bar> = worst_per_op(rows)
            .into_iter()
            .map(|row| Bar {
                label: format!("{} {}", row.op, row.variant),
                precompile: row.precompile_ns_per_gas,
                native: row.native_ns_per_gas,
            })
            .collect();
        draw(&bars, path).map_err(CliError::Usage)?;
    }
    Ok(())
}

/// Writes every probe as `DIR/<name>.json`, with native revm's post state.
fn emit(probes: &[Probe], dir: &Path) -> Result<ExitCode, CliError> {
    let io = |path: &Path, source| CliError::Io { path: path.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
    for probe in probes.iter().filter(|probe| probe.pattern.emit) {
        let unit = crate::estimate::unit(&probe.pattern).map_err(CliError::Usage)?;
        let (root, logs) = native_post(&unit).map_err(CliError::Usage)?;
        let test = probe.pattern.state_test(Some((root.to_string(), logs.to_string())));
        let path = dir.join(format!("{}.json", probe.pattern.name));
        std::fs::write(&path, serde_json::to_string_pretty(&test).unwrap_or_default() + "\n")
            .map_err(|source| io(&path, source))?;
    }
    println!("{} state tests in {}", probes.iter().filter(|probe| probe.pattern.emit).count(), dir.display());
    Ok(ExitCode::SUCCESS)
}

/// The schedule and the worst program of each opcode as Markdown.
fn markdown(rows: &[Row], schedule: &FeeSchedule, (margin, fixed_margin): (f64, f64), native_worst: f64) -> String {
    let mut text = String::from("| coefficient | picoseconds |\n| --- | --- |\n");
    for (name, value) in schedule_fields(schedule) {
        text.push_str(&format!("| `{name}` | {value} |\n"));
    }
    text.push_str(&format!(
        "\nMargin {margin:.2}x, per_session and per_frame {fixed_margin:.2}x; charged gas per second {:.0}; native revm's worst case {:.0} gas per second.\n\n",
        0.0,
        1e9 / native_worst.max(1e-9)
    ));
    text.push_str(
        "| class | opcode | worst program | precompile ns/gas | native ns/gas | ratio | Wasm instructions/gas |\n",
    );
    text.push_str("| --- | --- | --- | --- | --- | --- | --- |\n");
    for row in worst_per_op(rows) {
        text.push_str(&format!(
            "| {} | {} | {} | {:.3} | {:.3} | {:.2}x | {} |\n",
            row.class,
            row.op,
            row.variant,
            row.precompile_ns_per_gas,
            row.native_ns_per_gas,
            row.precompile_ns_per_gas / row.native_ns_per_gas.max(1e-9),
            row.instructions_per_gas.map_or("—".to_string(), |count| format!("{count:.1}")),
        ));
    }
    text.push_str("\n| workload or boundary program | gas | inside the precompile | native | charged / time |\n| --- | --- | --- | --- | --- |\n");
    for row in rows.iter().filter(|row| matches!(row.class, "workload" | "boundary")) {
        let charged =
            schedule.fee(&row.usage).map_or(f64::INFINITY, |fee| fee as f64 / 1e3 / row.precompile_ns.max(1.0));
        text.push_str(&format!(
            "| {} | {} | {:.1} µs | {:.1} µs | {:.2}x |\n",
            row.name,
            row.gas,
            row.precompile_ns / 1e3,
            row.native_ns / 1e3,
            charged
        ));
    }
    text
}
