//! `evmpc estimate`: search for the worst case per unit and fit the unit tables and the fee
//! schedule to it.

use super::CliError;
use crate::adversarial::patterns;
use crate::estimate::fit::{charge, fit, refit_session, Fitted, Sample};
use crate::estimate::plot::{draw, Bar};
use crate::estimate::search::{search, Finding};
use crate::estimate::{measure, tables, Probe, Row, Speed};
use crate::statetest::runner::{native_post, Runner, Selection};
use crate::workloads;
use evmpc_abi::units::{feature, feature_name};
use evmpc_host::{Engine, EngineConfig, FeeSchedule};
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
    /// Rounds over all programs; a program's time is the median round's fastest run, scaled
    /// to the machine's quietest speed.
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..))]
    rounds: u16,
    /// Every program is charged at least its time times this (`per_thousand_units`, in
    /// thousandths, and the node's per-unit prices).
    #[arg(long, default_value_t = 1.9)]
    margin: f64,
    /// The margin of the fixed costs, `per_session` and `per_frame` (memory traffic, which the
    /// machine's slow phases stretch more than computation), and of the node's work honest code
    /// hardly uses: the Ethereum precompiles and cold state.
    #[arg(long, default_value_t = 5.0)]
    fixed_margin: f64,
    /// Programs the adversarial search measures after the first fit (0: no search); its best
    /// findings join the fit.
    #[arg(long, default_value_t = 0)]
    search: usize,
    /// The search's seed.
    #[arg(long, default_value_t = 1)]
    search_seed: u64,
    /// Also count the guest's Wasm instructions (wasmtime fuel; one more run each).
    #[arg(long)]
    instructions: bool,
    /// Write the fitted unit tables to `abi/src/units/table.rs` and `spec/fees/units.csv`
    /// (then `just artifact` builds the guest that counts by them).
    #[arg(long)]
    write_units: bool,
    /// Keep the search's findings in `spec/fees/search.json`, with the ones kept before.
    #[arg(long)]
    write_search: bool,
    /// Fit only the price of a session again (`per_session`), holding the artifact's unit
    /// weights and every other price of the reference schedule: for a change that moved a
    /// session's fixed cost and nothing else. Prints the new price and the program that needs
    /// it; writes nothing.
    #[arg(long)]
    refit_session: bool,
    /// Write every measurement and the fitted schedule as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
    /// Write every measurement, with its charge, as CSV to this file.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Draw each opcode's weight beside its measured time as SVG here.
    #[arg(long)]
    plot: Option<PathBuf>,
    /// Write the schedule, the weight tables' summary and the workloads as Markdown tables
    /// (for `spec/fees.md`) to this file.
    #[arg(long)]
    markdown: Option<PathBuf>,
    /// Write every program as an Ethereum state test into this folder instead of measuring
    /// (`evmpc statetest --fees DIR` checks them).
    #[arg(long, value_name = "DIR")]
    emit_statetests: Option<PathBuf>,
    /// Print where the charge of the programs whose name contains this goes: its largest
    /// features and terms, against its time.
    #[arg(long)]
    explain: Option<String>,
    /// Save every measurement to this file (JSON), to fit again with `--load`.
    #[arg(long)]
    save: Option<PathBuf>,
    /// Fit the measurements saved by `--save` instead of measuring (programs they lack, such as
    /// later search findings, are measured and join them).
    #[arg(long)]
    load: Option<PathBuf>,
}

/// Everything `--json` writes.
#[derive(Serialize)]
struct Report<'a> {
    margin: f64,
    fixed_margin: f64,
    schedule: BTreeMap<String, u64>,
    units: BTreeMap<String, u32>,
    rows: &'a [Row],
}

fn all_probes(filter: Option<&str>) -> Vec<Probe> {
    let mut all = crate::estimate::all();
    all.extend(patterns().into_iter().map(|mut pattern| {
        pattern.name = format!("adversarial-{}", pattern.name);
        Probe::of("adversarial", pattern)
    }));
    all.extend(workloads::honest().into_iter().map(|pattern| Probe::of("workload", pattern)));
    all.retain(|probe| filter.is_none_or(|filter| probe.pattern.name.contains(filter)));
    all
}

fn sample(row: &Row) -> Sample {
    Sample {
        usage: row.usage,
        features: row.features.clone(),
        picos: row.precompile_ns * 1e3,
        honest: row.class == "workload",
        // What a cheap mix spends on dispatches its branch predictor misses falls on every
        // opcode alike; costlier mixes (every opcode, memory, the search's findings) are
        // covered feature by feature like every other program.
        mixed: row.class == "workload" || row.op == "random-cheap",
    }
}

/// The least an opcode costs: a JUMPDEST back to back, its time per opcode.
fn dispatch_floor(rows: &[Row]) -> f64 {
    rows.iter()
        .find(|row| row.name == "straight-jumpdest-run")
        .map_or(0.0, |row| row.precompile_ns * 1e3 / row.features[..256].iter().sum::<u64>().max(1) as f64)
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
    let runner = Runner::new(&Engine::new(&EngineConfig::new())?, Selection::default())?;
    let (mut rows, mut speed) = match &args.load {
        Some(path) => {
            let io = |source| CliError::Io { path: path.display().to_string(), source };
            let text = std::fs::read_to_string(path).map_err(io)?;
            let saved: crate::estimate::Saved = serde_json::from_str(&text)
                .map_err(|e| CliError::Usage(format!("{}: not saved measurements: {e}", path.display())))?;
            let mut rows: Vec<Row> = saved
                .rows
                .into_iter()
                .map(Row::from_saved)
                .filter(|row| args.filter.as_ref().is_none_or(|f| row.name.contains(f.as_str())))
                .collect();
            // Programs added since (the search's findings): measured now, at the saved speed.
            let mut speed = Speed::new(saved.quietest_reference_ns);
            let missing: Vec<Probe> =
                probes.iter().filter(|probe| !rows.iter().any(|row| row.name == probe.pattern.name)).cloned().collect();
            if !missing.is_empty() {
                println!("measuring {} programs the saved measurements lack", missing.len());
                rows.extend(measure_all(&runner, &missing, &args, &mut speed)?);
            }
            (rows, speed)
        }
        None => {
            let mut speed = Speed::new(f64::INFINITY);
            (measure_all(&runner, &probes, &args, &mut speed)?, speed)
        }
    };
    if let Some(path) = &args.save {
        let saved = crate::estimate::Saved {
            quietest_reference_ns: speed.quietest,
            rows: rows.iter().map(Row::saved).collect(),
        };
        std::fs::write(path, serde_json::to_string(&saved).unwrap_or_default())
            .map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
    }
    let mut samples: Vec<Sample> = rows.iter().map(sample).collect();
    if args.refit_session {
        return Ok(print_session_refit(&rows, &samples, &args));
    }
    let floor = dispatch_floor(&rows);
    let mut fitted = fit(&samples, floor)?;
    let mut findings = Vec::new();
    if args.search > 0 {
        let progress = super::progress(args.search as u64, "programs searched");
        let found = search(&runner, &speed, &fitted, args.search, args.runs, args.search_seed, |_, best| {
            progress.inc(1);
            progress.set_message(format!("best time/charge {best:.3}"));
        });
        progress.finish_and_clear();
        // Named after the findings kept before. The best of many noisy measurements is the
        // luckiest: each finding is measured again as every other program is (rounds, median)
        // before it joins the fit.
        let kept = crate::estimate::search::kept().len();
        let found: Vec<Finding> = found
            .into_iter()
            .enumerate()
            .map(|(rank, finding)| Finding { name: format!("search-{}", kept + rank), ..finding })
            .collect();
        let again: Vec<Probe> = found.iter().filter_map(Finding::probe).collect();
        for (finding, row) in found.into_iter().zip(measure_all(&runner, &again, &args, &mut speed)?) {
            let sample = sample(&row);
            let ratio = sample.picos / fitted.charge(&sample);
            println!(
                "search: {} time/charge {:.3} under the first fit ({:.3} when found)",
                finding.name, ratio, finding.ratio
            );
            samples.push(sample);
            rows.push(row);
            findings.push(Finding { ratio, ..finding });
        }
        fitted = fit(&samples, floor)?;
    }
    if args.margin < 1.0 || args.fixed_margin < args.margin {
        return Err(CliError::Usage("--margin must be at least 1 and --fixed-margin at least --margin".into()));
    }
    let schedule = fitted.schedule(args.margin, args.fixed_margin);
    print_report(&rows, &samples, &fitted, &schedule, &args);
    if let Some(wanted) = &args.explain {
        for (row, sample) in rows.iter().zip(&samples).filter(|(row, _)| row.name.contains(wanted.as_str())) {
            explain(&row.name, sample, &fitted, &schedule);
        }
    }
    for (row, sample) in rows.iter_mut().zip(&samples) {
        row.charge_ns = Some(charge(&fitted.weights, &schedule, sample) / 1e3);
    }
    write_outputs(&args, &rows, &fitted, &schedule, &findings)?;
    let differs = rows.iter().filter(|row| row.differs).count();
    if differs > 0 {
        eprintln!("error: {differs} programs differ from native revm");
    }
    Ok(if differs == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Prints `per_session` fitted again ([`refit_session`]) beside the reference schedule's.
fn print_session_refit(rows: &[Row], samples: &[Sample], args: &Args) -> ExitCode {
    let reference = FeeSchedule::REFERENCE;
    let refit = refit_session(samples, &reference, args.margin, args.fixed_margin);
    let binding = refit.binding.map_or("none", |index| rows[index].name.as_str());
    println!(
        "per_session: {} ps at margin 1 ({binding} needs it), {} ps published at margin {} (reference: {} ps); \
         {} programs the reference leaves short at margin 1 do not set it",
        refit.fitted.ceil(),
        refit.schedule.per_session,
        args.fixed_margin,
        reference.per_session,
        refit.short
    );
    let differs = rows.iter().filter(|row| row.differs).count();
    if differs > 0 {
        eprintln!("error: {differs} programs differ from native revm");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// Measures every probe over `args.rounds` rounds, each right after the reference program
/// ([`Speed`]): each time is scaled by the reference's quietest time over its time next to it,
/// so every program is measured at the same speed, and each keeps its median scaled round (the
/// margin, not the fit, covers the machine's slow phases).
fn measure_all(runner: &Runner, probes: &[Probe], args: &Args, speed: &mut Speed) -> Result<Vec<Row>, CliError> {
    let counter = if args.instructions {
        Some(Runner::new(&Engine::new(EngineConfig::new().count_instructions(true))?, Selection::default())?)
    } else {
        None
    };
    let progress = super::progress(probes.len() as u64 * u64::from(args.rounds), "programs");
    let mut rounds: Vec<Vec<(Row, f64)>> = vec![Vec::new(); probes.len()];
    for round in 0..args.rounds {
        for (index, probe) in probes.iter().enumerate() {
            progress.set_message(format!("round {} {}", round + 1, probe.pattern.name));
            let now = speed.now(runner, args.runs)?;
            let measurement = measure(runner, probe, args.runs)?;
            rounds[index].push((Row::new(probe, &measurement), now));
            progress.inc(1);
        }
    }
    progress.finish_and_clear();
    let fastest = rounds.iter().flatten().map(|(_, speed)| *speed).fold(f64::INFINITY, f64::min);
    // The first measurement sets the speed every later one (loaded, or the search's) scales to.
    if !speed.quietest.is_finite() {
        speed.quietest = fastest;
    }
    let quietest = speed.quietest;
    let slowest = rounds.iter().flatten().map(|(_, speed)| *speed).fold(0.0, f64::max);
    println!("machine speed: the reference program took {:.2}x its quietest time at its slowest", slowest / quietest);
    let mut rows: Vec<Row> = rounds
        .into_iter()
        .map(|measured| {
            let mut scaled: Vec<Row> = measured
                .into_iter()
                .map(|(mut row, speed)| {
                    row.scale_time(quietest / speed);
                    row
                })
                .collect();
            scaled.sort_by(|a, b| a.precompile_ns.total_cmp(&b.precompile_ns));
            let mut kept = scaled[scaled.len() / 2].clone();
            if let Some(fastest_native) = scaled.iter().map(|row| row.native_ns).reduce(f64::min) {
                kept.native_ns = fastest_native;
                kept.native_ns_per_gas = fastest_native / kept.gas.max(1) as f64;
            }
            kept.differs = scaled.iter().any(|row| row.differs);
            kept
        })
        .collect();
    if let Some(counter) = &counter {
        for (row, probe) in rows.iter_mut().zip(probes) {
            let counted = measure(counter, probe, 1)?;
            row.instructions_per_gas = counted.instructions.map(|count| count as f64 / row.gas.max(1) as f64);
        }
    }
    Ok(rows)
}

/// Charge over time of each sample under the published schedule.
fn overcharge(fitted: &Fitted, schedule: &FeeSchedule, sample: &Sample) -> f64 {
    charge(&fitted.weights, schedule, sample) / sample.picos.max(1.0)
}

/// Each opcode's measured time per execution in the program where it costs most: the
/// program's time less everything else the fit charges in it, per execution of the opcode.
fn measured_per_opcode(rows: &[Row], samples: &[Sample], fitted: &Fitted) -> BTreeMap<usize, (f64, String)> {
    let mut worst: BTreeMap<usize, (f64, String)> = BTreeMap::new();
    for (row, sample) in rows.iter().zip(samples) {
        let Some(target) = (0..256).max_by_key(|f| sample.features[*f] * u64::from(fitted.weights[*f])) else {
            continue;
        };
        let count = sample.features[target];
        if count == 0 || !matches!(row.class, "arithmetic" | "environment" | "stack" | "control" | "memory" | "storage")
        {
            continue;
        }
        let others = fitted.charge(sample) - count as f64 * f64::from(fitted.weights[target]);
        let per = (sample.picos - others) / count as f64;
        let entry = worst.entry(target).or_insert((f64::MIN, String::new()));
        if per > entry.0 {
            *entry = (per, row.name.clone());
        }
    }
    worst
}

fn opcode_name(opcode: usize) -> String {
    revm::bytecode::opcode::OpCode::new(opcode as u8).map_or(format!("{opcode:#04x}"), |op| op.as_str().to_string())
}

fn print_report(rows: &[Row], samples: &[Sample], fitted: &Fitted, schedule: &FeeSchedule, args: &Args) {
    println!(
        "fee schedule (picoseconds of this machine; every program charged at least {}x its time, \
         fixed costs, precompiles and cold state {}x):",
        args.margin, args.fixed_margin
    );
    for (name, value) in schedule.coefficients() {
        if value > 0 {
            println!("  {name:<40} {value:>14}");
        }
    }
    if let Ok(bound) = schedule.bound_per_gas() {
        println!("  {:<40} {bound:>14}  (upper bound per gas of limit, derived)", "bound_per_gas");
    }
    println!("dispatch allowance: {} ps on every opcode to cover mixed code", fitted.allowance);
    if std::env::var_os("EVMPC_ESTIMATE_VERBOSE").is_some() {
        let without =
            Fitted { weights: fitted.weights.iter().map(|w| w - fitted.allowance.min(*w)).collect(), ..fitted.clone() };
        for (row, sample) in rows.iter().zip(samples).filter(|(_, sample)| sample.mixed) {
            let opcodes: u64 = sample.features[..256].iter().sum();
            let deficit = (sample.picos - without.charge(sample)) / opcodes.max(1) as f64;
            println!("  mixed {:<40} needs {deficit:>8.0} ps per opcode", row.name);
        }
    }
    let mut heaviest: Vec<usize> = (0..feature::COUNT).collect();
    heaviest.sort_by_key(|f| std::cmp::Reverse(fitted.weights[*f]));
    println!("heaviest units (picoseconds at margin 1):");
    for f in heaviest.iter().take(12) {
        let (kind, name, class) = feature_name(*f);
        let name = if kind == "opcode" { opcode_name(*f) } else { name };
        println!("  {kind:<9} {name:<14} {class:<22} {:>10}", fitted.weights[*f]);
    }
    let ratios: Vec<(f64, &Row)> =
        rows.iter().zip(samples).map(|(row, sample)| (overcharge(fitted, schedule, sample), row)).collect();
    let mut tightest: Vec<&(f64, &Row)> = ratios.iter().collect();
    tightest.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (ratio, row) in tightest.iter().take(if std::env::var_os("EVMPC_ESTIMATE_VERBOSE").is_some() { 40 } else { 1 })
    {
        println!("tightest: {} charged {ratio:.2}x its time ({:.1} µs)", row.name, row.precompile_ns / 1e3);
    }
    for (ratio, row) in ratios.iter().filter(|(_, row)| row.class == "workload") {
        println!(
            "honest: {} charged {ratio:.2}x its time ({:.3} ms inside the precompile)",
            row.name,
            row.precompile_ns / 1e6
        );
    }
}

/// The largest parts of `sample`'s charge under `schedule`: features (at its units' price)
/// and the node's terms, in picoseconds.
fn explain(name: &str, sample: &Sample, fitted: &Fitted, schedule: &FeeSchedule) {
    let total = charge(&fitted.weights, schedule, sample);
    println!("{name}: time {:.3} ms, charge {:.3} ms ({:.2}x)", sample.picos / 1e9, total / 1e9, total / sample.picos);
    let per_unit = schedule.per_thousand_units as f64 / 1000.0;
    let mut parts: Vec<(String, u64, f64)> = (0..feature::COUNT)
        .filter(|f| sample.features[*f] > 0)
        .map(|f| {
            let (kind, name, class) = feature_name(f);
            let name = if kind == "opcode" { opcode_name(f) } else { format!("{kind} {name} {class}") };
            (name, sample.features[f], sample.features[f] as f64 * f64::from(fitted.weights[f]) * per_unit)
        })
        .collect();
    for (term, count, picos) in schedule.breakdown(&evmpc_host::Usage { units: 0, ..sample.usage }) {
        parts.push((term.price_name(), count, picos as f64));
    }
    parts.sort_by(|a, b| b.2.total_cmp(&a.2));
    for (name, count, picos) in parts.iter().take(15) {
        println!("  {name:<40} {count:>12} {:>10.3} ms {:>5.1}%", picos / 1e9, 100.0 * picos / total.max(1.0));
    }
}

fn write_outputs(
    args: &Args,
    rows: &[Row],
    fitted: &Fitted,
    schedule: &FeeSchedule,
    findings: &[Finding],
) -> Result<(), CliError> {
    let write = |path: &Path, text: String| {
        std::fs::write(path, text).map_err(|source| CliError::Io { path: path.display().to_string(), source })
    };
    if args.write_units {
        write(Path::new("abi/src/units/table.rs"), tables::source(&fitted.weights))?;
        write(Path::new("spec/fees/units.csv"), tables::csv(&fitted.weights))?;
        println!("wrote abi/src/units/table.rs and spec/fees/units.csv: `just artifact` builds the guest that counts by them");
    }
    if args.write_search && !findings.is_empty() {
        let mut kept: Vec<Finding> =
            serde_json::from_str(include_str!("../../spec/fees/search.json")).unwrap_or_default();
        kept.extend(findings.iter().cloned());
        kept.sort_by(|a, b| b.ratio.total_cmp(&a.ratio));
        kept.dedup_by(|a, b| a.code == b.code);
        kept.truncate(16);
        write(Path::new("spec/fees/search.json"), serde_json::to_string_pretty(&kept).unwrap_or_default() + "\n")?;
    }
    if let Some(path) = &args.json {
        let report = Report {
            margin: args.margin,
            fixed_margin: args.fixed_margin,
            schedule: schedule.coefficients().into_iter().collect(),
            units: (0..feature::COUNT)
                .map(|f| {
                    let (kind, name, class) = feature_name(f);
                    (format!("{kind} {name} {class}"), fitted.weights[f])
                })
                .collect(),
            rows,
        };
        write(path, serde_json::to_string_pretty(&report).unwrap_or_default())?;
    }
    if let Some(path) = &args.csv {
        let mut text = String::from(
            "class,op,variant,name,gas,precompile_ns,native_ns,charge_ns,precompile_ns_per_gas,native_ns_per_gas,instructions_per_gas\n",
        );
        for row in rows {
            text.push_str(&format!(
                "{},{},\"{}\",{},{},{:.0},{:.0},{:.0},{:.4},{:.4},{}\n",
                row.class,
                row.op,
                row.variant,
                row.name,
                row.gas,
                row.precompile_ns,
                row.native_ns,
                row.charge_ns.unwrap_or(0.0),
                row.precompile_ns_per_gas,
                row.native_ns_per_gas,
                row.instructions_per_gas.map_or(String::new(), |count| format!("{count:.2}"))
            ));
        }
        write(path, text)?;
    }
    let samples: Vec<Sample> = rows.iter().map(sample).collect();
    let measured = measured_per_opcode(rows, &samples, fitted);
    if let Some(path) = &args.markdown {
        write(path, markdown(rows, &samples, fitted, schedule, &measured, args))?;
    }
    if let Some(path) = &args.plot {
        let mut bars: Vec<Bar> = measured
            .iter()
            .map(|(opcode, (time, program))| Bar {
                label: format!("{} ({program})", opcode_name(*opcode)),
                value: f64::from(fitted.weights[*opcode]) / 1e3,
                reference: time.max(0.0) / 1e3,
            })
            .collect();
        bars.sort_by(|a, b| b.value.total_cmp(&a.value));
        draw(
            &bars,
            path,
            "ns per execution: each opcode's weight (blue) and its time in its costliest program (grey)",
            "ns per execution",
        )?;
    }
    Ok(())
}

/// Writes every probe as `DIR/<name>.json`, with native revm's post state.
fn emit(probes: &[Probe], dir: &Path) -> Result<ExitCode, CliError> {
    let io = |path: &Path, source| CliError::Io { path: path.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(|source| io(dir, source))?;
    for probe in probes.iter().filter(|probe| probe.pattern.emit) {
        let (root, logs) = native_post(&probe.pattern)
            .map_err(|source| CliError::Program { program: probe.pattern.name.clone(), source })?;
        let test = probe.pattern.state_test(Some((root.to_string(), logs.to_string())));
        let path = dir.join(format!("{}.json", probe.pattern.name));
        std::fs::write(&path, serde_json::to_string_pretty(&test).unwrap_or_default() + "\n")
            .map_err(|source| io(&path, source))?;
    }
    println!("{} state tests in {}", probes.iter().filter(|probe| probe.pattern.emit).count(), dir.display());
    Ok(ExitCode::SUCCESS)
}

/// The schedule, the unit tables' summary and the workloads as Markdown.
fn markdown(
    rows: &[Row],
    samples: &[Sample],
    fitted: &Fitted,
    schedule: &FeeSchedule,
    measured: &BTreeMap<usize, (f64, String)>,
    args: &Args,
) -> String {
    let mut text = String::from("| coefficient | picoseconds |\n| --- | --- |\n");
    for (name, value) in schedule.coefficients() {
        text.push_str(&format!("| `{name}` | {value} |\n"));
    }
    text.push_str(&format!(
        "\nMargin {}x (`per_thousand_units`); fixed costs, precompiles and cold state {}x.\n\n",
        args.margin, args.fixed_margin
    ));
    text.push_str(
        "| opcode | units (ps) | costliest program | its time per execution (ps) |\n| --- | --- | --- | --- |\n",
    );
    let mut opcodes: Vec<(&usize, &(f64, String))> = measured.iter().collect();
    opcodes.sort_by_key(|(opcode, _)| std::cmp::Reverse(fitted.weights[**opcode]));
    for (opcode, (time, program)) in opcodes {
        text.push_str(&format!(
            "| {} | {} | {program} | {:.0} |\n",
            opcode_name(*opcode),
            fitted.weights[*opcode],
            time
        ));
    }
    text.push_str("\n| workload or boundary program | gas | inside the precompile | native | charged / time |\n| --- | --- | --- | --- | --- |\n");
    for (row, sample) in rows.iter().zip(samples).filter(|(row, _)| matches!(row.class, "workload" | "boundary")) {
        text.push_str(&format!(
            "| {} | {} | {:.1} µs | {:.1} µs | {:.2}x |\n",
            row.name,
            row.gas,
            row.precompile_ns / 1e3,
            row.native_ns / 1e3,
            overcharge(fitted, schedule, sample)
        ));
    }
    text
}
