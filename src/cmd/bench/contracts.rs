use super::Args;
use crate::cmd::CliError;
use crate::contracts::{self, agree, plot, Path, Paths, Run};
use evmpc_host::{Engine, EngineConfig};
use serde::Serialize;
use std::process::ExitCode;
use std::time::Duration;

/// One workload's figures on one path.
#[derive(Clone, Serialize)]
struct Cell {
    path: &'static str,
    median_ms: f64,
    ratio_to_native: f64,
    near_gas: Option<u64>,
    wasm_ops: Option<u64>,
}

/// One workload's figures.
#[derive(Serialize)]
struct Row {
    workload: String,
    evm_gas: u64,
    cells: Vec<Cell>,
    /// Path (4) over path (3): the metered interpreter against the engine on the precompile.
    metered_over_precompile: f64,
    /// Path (5) over path (3).
    fuel_over_precompile: f64,
    /// Node gas charged on path (4) over path (3): what a contract developer pays for the
    /// metered interpreter against the engine on the precompile.
    node_gas_metered_over_precompile: Option<f64>,
}

/// Runs `evmpc bench --contracts`.
pub(super) fn run(args: &Args) -> Result<ExitCode, CliError> {
    let engine = Engine::new(EngineConfig::new().pooling(!args.no_pooling))?;
    let mut paths = Paths::new(&engine)?;
    let workloads: Vec<_> = contracts::workloads()
        .into_iter()
        .filter(|workload| args.filter.as_ref().is_none_or(|filter| workload.name.contains(filter.as_str())))
        .collect();
    if workloads.is_empty() {
        return Err(CliError::Usage("no workload matches the filter".into()));
    }
    let progress = crate::cmd::progress((workloads.len() * Path::ALL.len()) as u64, "runs");
    let mut rows = Vec::new();
    for workload in &workloads {
        let mut cells = Vec::new();
        let mut native: Option<(Run, Duration)> = None;
        for path in Path::ALL {
            progress.set_message(format!("{} {}", workload.name, path.label()));
            let first = paths.run(path, workload)?;
            if let Some((native, _)) = &native {
                agree(path, workload, &first, native)?;
            }
            let mut times = vec![first.time];
            for _ in 1..args.runs.max(1) {
                times.push(paths.run(path, workload)?.time);
            }
            times.sort();
            let median = times[times.len() / 2];
            let native_time = native.as_ref().map_or(median, |(_, time)| *time);
            cells.push(Cell {
                path: path.label(),
                median_ms: median.as_secs_f64() * 1e3,
                ratio_to_native: median.as_secs_f64() / native_time.as_secs_f64(),
                near_gas: first.node_gas,
                wasm_ops: first.wasm_ops,
            });
            if path == Path::Native {
                native = Some((first, median));
            }
            progress.inc(1);
        }
        let ms = |path: Path| cells[Path::ALL.iter().position(|p| *p == path).unwrap_or(0)].median_ms;
        let gas = |path: Path| cells[Path::ALL.iter().position(|p| *p == path).unwrap_or(0)].near_gas;
        let node_gas_metered_over_precompile = match (gas(Path::EngineInterpreter), gas(Path::EnginePrecompile)) {
            (Some(metered), Some(precompile)) => Some(metered as f64 / precompile.max(1) as f64),
            _ => None,
        };
        rows.push(Row {
            node_gas_metered_over_precompile,
            workload: workload.name.clone(),
            evm_gas: native.map_or(0, |(run, _)| run.outcome.gas_used),
            metered_over_precompile: ms(Path::EngineInterpreter) / ms(Path::EnginePrecompile),
            fuel_over_precompile: ms(Path::EngineInterpreterFuel) / ms(Path::EnginePrecompile),
            cells,
        });
    }
    progress.finish_and_clear();
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows).unwrap_or_default());
    } else {
        print_table(&rows, args.runs);
    }
    let plot_path = args.plot.clone().unwrap_or_else(|| std::path::PathBuf::from("target/bench-contracts.svg"));
    if let Some(dir) = plot_path.parent().filter(|dir| !dir.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| CliError::Io { path: dir.display().to_string(), source })?;
    }
    let groups: Vec<plot::Group> = rows
        .iter()
        .map(|row| plot::Group {
            label: row.workload.clone(),
            ratios: row.cells.iter().map(|cell| (cell.path.to_string(), cell.ratio_to_native)).collect(),
        })
        .collect();
    plot::draw(&groups, &plot_path)?;
    eprintln!("plot: {}", plot_path.display());
    if let Some(snail) = rows.iter().find(|row| row.workload == "snailtracer") {
        println!("metered contract / precompile: {:.2}x (snailtracer)", snail.metered_over_precompile);
    }
    let node_gas: Vec<String> = rows
        .iter()
        .filter_map(|row| Some(format!("{:.2}x ({})", row.node_gas_metered_over_precompile?, row.workload)))
        .collect();
    if !node_gas.is_empty() {
        println!("node gas, metered contract / precompile: {}", node_gas.join(", "));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_table(rows: &[Row], runs: usize) {
    println!("median of {runs} runs per path; ratios against native revm; NEAR gas charged in Tgas (1 Tgas ≈ 1 ms)");
    print!("{:<16} {:>12}", "workload", "EVM gas");
    for path in Path::ALL {
        print!("  {:>24}", path.label());
    }
    println!("  {:>9}  {:>9}", "(4)/(3)", "(5)/(3)");
    for row in rows {
        print!("{:<16} {:>12}", row.workload, row.evm_gas);
        for cell in &row.cells {
            print!("  {:>24}", format!("{:.2} ms {:>6.2}x", cell.median_ms, cell.ratio_to_native));
        }
        println!("  {:>8.2}x  {:>8.2}x", row.metered_over_precompile, row.fuel_over_precompile);
        print!("{:<16} {:>12}", "", "node gas");
        for cell in &row.cells {
            let gas = cell.near_gas.map_or("-".to_string(), |gas| format!("{:.3} Tgas", gas as f64 / 1e12));
            print!("  {gas:>24}");
        }
        println!();
        print!("{:<16} {:>12}", "", "Wasm ops");
        for cell in &row.cells {
            let ops = match cell.wasm_ops {
                None => "-".to_string(),
                Some(ops) if ops < 1_000_000 => format!("{:.1} k", ops as f64 / 1e3),
                Some(ops) => format!("{:.1} M", ops as f64 / 1e6),
            };
            print!("  {ops:>24}");
        }
        println!();
    }
}
