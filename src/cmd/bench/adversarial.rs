use super::Args;
use crate::adversarial::{patterns, Pattern};
use crate::cmd::CliError;
use crate::statetest::runner::VectorError;
use crate::statetest::runner::{native_post, Difference, Runner, Selection, Timing};
use evmpc_host::Engine;
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;

/// One pattern's figures.
#[derive(Serialize)]
struct Row {
    pattern: String,
    what: String,
    gas: u64,
    precompile_ns_per_gas: f64,
    native_ns_per_gas: f64,
    ratio: f64,
    difference: Option<String>,
}

/// Runs `evmpc bench --adversarial`.
pub(super) fn run(args: &Args) -> Result<ExitCode, CliError> {
    let selected: Vec<Pattern> = patterns()
        .into_iter()
        .filter(|pattern| args.filter.as_ref().is_none_or(|filter| pattern.name.contains(filter.as_str())))
        .collect();
    if selected.is_empty() {
        return Err(CliError::Usage("no adversarial pattern matches the filter".into()));
    }
    if let Some(dir) = &args.emit_statetests {
        return emit(&selected, dir);
    }
    let engine = Engine::new(&args.engine_config())?;
    let runner = Runner::new(&engine, Selection { runs: args.runs, ..Selection::default() })?;
    let progress = crate::cmd::progress(selected.len() as u64, "patterns");
    let mut rows = Vec::new();
    for pattern in &selected {
        progress.set_message(pattern.name.clone());
        let timing = runner.time_program(pattern, args.runs).map_err(|source| failed(pattern, source))?;
        rows.push(row(pattern, &timing));
        progress.inc(1);
    }
    progress.finish_and_clear();
    rows.sort_by(|a, b| a.ratio.total_cmp(&b.ratio));
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
    } else {
        print_table(&rows, args.runs);
    }
    let differences = rows.iter().filter(|row| row.difference.is_some()).count();
    let worst = rows.last().map_or(0.0, |row| row.ratio);
    let too_slow = args.max_ratio.is_some_and(|max| worst > max);
    if too_slow {
        eprintln!("error: worst ratio {worst:.2}x is above --max-ratio {:.2}", args.max_ratio.unwrap_or_default());
    }
    Ok(if differences == 0 && !too_slow { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The pattern did not run.
fn failed(pattern: &Pattern, source: VectorError) -> CliError {
    CliError::Program { program: pattern.name.clone(), source }
}

fn row(pattern: &Pattern, timing: &Timing) -> Row {
    let per_gas = |time: std::time::Duration| time.as_nanos() as f64 / timing.gas_used.max(1) as f64;
    Row {
        pattern: pattern.name.clone(),
        what: pattern.what.clone(),
        gas: timing.gas_used,
        precompile_ns_per_gas: per_gas(timing.precompile),
        native_ns_per_gas: per_gas(timing.native),
        ratio: timing.precompile.as_secs_f64() / timing.native.as_secs_f64().max(1e-12),
        difference: timing.difference.as_ref().map(|difference| match difference {
            Difference::Consensus(text) | Difference::HaltReason(text) => text.clone(),
        }),
    }
}

fn print_table(rows: &[Row], runs: usize) {
    println!("{:<30} {:>11} {:>14} {:>14} {:>8}", "pattern (fastest of runs)", "gas", "precompile", "native", "ratio");
    println!("{:<30} {:>11} {:>14} {:>14} {:>8}", format!("  runs: {runs}"), "", "ns/gas", "ns/gas", "");
    for row in rows {
        println!(
            "{:<30} {:>11} {:>14.3} {:>14.3} {:>7.2}x{}",
            row.pattern,
            row.gas,
            row.precompile_ns_per_gas,
            row.native_ns_per_gas,
            row.ratio,
            row.difference.as_ref().map_or(String::new(), |text| format!("  DIFFERS: {text}"))
        );
    }
    if let Some(worst) = rows.last() {
        println!("worst: {} at {:.2}x native ({})", worst.pattern, worst.ratio, worst.what);
    }
}

/// Writes every emitted pattern as `DIR/<name>.json`, with native revm's post state.
fn emit(patterns: &[Pattern], dir: &Path) -> Result<ExitCode, CliError> {
    let io = |source| CliError::Io { path: dir.display().to_string(), source };
    std::fs::create_dir_all(dir).map_err(io)?;
    for pattern in patterns.iter().filter(|pattern| pattern.emit) {
        let (root, logs) = native_post(pattern).map_err(|source| failed(pattern, source))?;
        let test = pattern.state_test(Some((root.to_string(), logs.to_string())));
        let path = dir.join(format!("{}.json", pattern.name));
        let text = serde_json::to_string_pretty(&test).unwrap_or_default() + "\n";
        std::fs::write(&path, text).map_err(|source| CliError::Io { path: path.display().to_string(), source })?;
        println!("{}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
