//! `evmpc estimate`: the search for the worst case, and the unit tables and fee schedule that
//! cover it.
//!
//! Every opcode, operand class, byte and boundary cost gets programs that vary what drives
//! its cost: loops ([`probes`]), the operation back to back across the code size limit
//! ([`straight`]), random mixes that defeat branch prediction ([`random`]), every Ethereum
//! precompile under every pricing ([`precompiles`]); the adversarial suite, the honest
//! workloads ([`crate::workloads`]) and the search's findings ([`search`]) run beside them. Each runs
//! as a whole transaction through the precompile and native revm in the same process (the
//! fastest of several runs after a warm-up), native revm counting what the guest counts, and
//! [`fit`] finds the weights and prices that cover every program's time while charging the
//! honest workloads as little as it can ([`tables`] writes them).

use crate::adversarial::Pattern;
use crate::statetest::runner::{Measurement, Runner, VectorError};
use serde::Serialize;

pub mod fit;
pub mod plot;
pub mod precompiles;
pub mod probes;
pub mod random;
pub mod search;
pub mod straight;
pub mod tables;

/// A program of the search: what it measures, and the transaction.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The class of cost: arithmetic, memory, storage, call, boundary, ...
    pub class: &'static str,
    /// The opcode (or cost) it measures.
    pub op: String,
    /// What it varies.
    pub variant: String,
    /// The transaction.
    pub pattern: Pattern,
}

impl Probe {
    /// An adversarial pattern or an honest workload as a probe of `class`.
    pub fn of(class: &'static str, pattern: Pattern) -> Probe {
        Probe { class, op: pattern.name.clone(), variant: pattern.what.clone(), pattern }
    }
}

/// A probe's measurement.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The class of cost.
    pub class: &'static str,
    /// The opcode or cost.
    pub op: String,
    /// What the program varies.
    pub variant: String,
    /// The program's name (its state test's file name).
    pub name: String,
    /// EVM gas the transaction used.
    pub gas: u64,
    /// ns per gas inside the precompile.
    pub precompile_ns_per_gas: f64,
    /// ns per gas of the transaction on native revm.
    pub native_ns_per_gas: f64,
    /// Time inside the precompile, in ns.
    pub precompile_ns: f64,
    /// Time on native revm, in ns.
    pub native_ns: f64,
    /// Guest Wasm instructions per gas, when counted.
    pub instructions_per_gas: Option<f64>,
    /// What the session used.
    #[serde(skip)]
    pub usage: evmpc_host::Usage,
    /// What the guest counted, by feature.
    #[serde(skip)]
    pub features: Vec<u64>,
    /// Whether the precompile and native revm disagree.
    pub differs: bool,
    /// Its charge under the fitted schedule, in ns, once fitted.
    pub charge_ns: Option<f64>,
}

impl Row {
    /// The row of `probe`, measured as `measurement`.
    pub fn new(probe: &Probe, measurement: &Measurement) -> Row {
        let gas = measurement.usage.gas.max(1) as f64;
        let native_gas = measurement.gas_used.max(1) as f64;
        let precompile_ns = measurement.precompile.as_nanos() as f64;
        let native_ns = measurement.native.as_nanos() as f64;
        Row {
            class: probe.class,
            op: probe.op.clone(),
            variant: probe.variant.clone(),
            name: probe.pattern.name.clone(),
            gas: measurement.usage.gas,
            precompile_ns_per_gas: precompile_ns / gas,
            native_ns_per_gas: native_ns / native_gas,
            precompile_ns,
            native_ns,
            instructions_per_gas: measurement.instructions.map(|count| count as f64 / gas),
            usage: measurement.usage,
            features: measurement.features.clone(),
            differs: measurement.differs,
            charge_ns: None,
        }
    }
}

/// A row as `evmpc estimate --save` writes it, to fit again without measuring again.
#[derive(Serialize, serde::Deserialize)]
pub struct SavedRow {
    class: String,
    op: String,
    variant: String,
    name: String,
    gas: u64,
    precompile_ns: f64,
    native_ns: f64,
    instructions_per_gas: Option<f64>,
    differs: bool,
    /// Each [`evmpc_host::fees::Term`]'s count, in `Term::all()`'s order.
    usage: Vec<u64>,
    /// The features counted, as `(feature, count)` where the count is not zero.
    features: Vec<(usize, u64)>,
}

impl Row {
    /// The row as saved.
    pub fn saved(&self) -> SavedRow {
        SavedRow {
            class: self.class.to_string(),
            op: self.op.clone(),
            variant: self.variant.clone(),
            name: self.name.clone(),
            gas: self.gas,
            precompile_ns: self.precompile_ns,
            native_ns: self.native_ns,
            instructions_per_gas: self.instructions_per_gas,
            differs: self.differs,
            usage: evmpc_host::fees::Term::all().map(|term| self.usage.count(term)).collect(),
            features: self.features.iter().enumerate().filter(|(_, c)| **c > 0).map(|(f, c)| (f, *c)).collect(),
        }
    }

    /// The row `saved` holds (its class names one of the estimator's classes, or becomes
    /// "saved").
    pub fn from_saved(saved: SavedRow) -> Row {
        const CLASSES: [&str; 15] = [
            "arithmetic",
            "environment",
            "stack",
            "control",
            "memory",
            "hashing",
            "storage",
            "account",
            "log",
            "call",
            "create",
            "precompile",
            "boundary",
            "adversarial",
            "workload",
        ];
        let extra: [&'static str; 3] = ["random", "search", "straight"];
        let class = CLASSES.iter().chain(&extra).find(|class| **class == saved.class).copied().unwrap_or("saved");
        let mut usage = evmpc_host::Usage { gas: saved.gas, ..Default::default() };
        for (term, count) in evmpc_host::fees::Term::all().zip(&saved.usage) {
            usage.add(term, *count);
        }
        let mut features = vec![0; evmpc_abi::units::feature::COUNT];
        for (feature, count) in saved.features {
            if let Some(slot) = features.get_mut(feature) {
                *slot = count;
            }
        }
        let gas = saved.gas.max(1) as f64;
        Row {
            class,
            op: saved.op,
            variant: saved.variant,
            name: saved.name,
            gas: saved.gas,
            precompile_ns_per_gas: saved.precompile_ns / gas,
            native_ns_per_gas: saved.native_ns / gas,
            precompile_ns: saved.precompile_ns,
            native_ns: saved.native_ns,
            instructions_per_gas: saved.instructions_per_gas,
            usage,
            features,
            differs: saved.differs,
            charge_ns: None,
        }
    }

    /// Scales its times by `factor` (the machine's speed when it was measured against its
    /// quietest).
    pub fn scale_time(&mut self, factor: f64) {
        self.precompile_ns *= factor;
        self.native_ns *= factor;
        self.precompile_ns_per_gas *= factor;
        self.native_ns_per_gas *= factor;
    }
}

/// Every probe of the estimator but the adversarial suite and the workloads: loops, straight
/// lines, random mixes, Ethereum precompiles, and the search's findings kept in
/// `spec/fees/search.json`.
pub fn all() -> Vec<Probe> {
    let mut all = probes::probes();
    all.extend(straight::probes());
    all.extend(random::probes());
    all.extend(precompiles::probes());
    all.extend(search::kept());
    all
}

/// The machine's speed, measured by a reference program (a random mix of cheap opcodes) next
/// to each measurement: times measured minutes apart are scaled to the speed of the quietest
/// reference run, so that the machine's drift does not set the fee.
pub struct Speed {
    reference: Probe,
    /// The reference's time at the speed every measurement is scaled to, in ns: its quietest
    /// time over the first full measurement (infinite before one).
    pub quietest: f64,
}

/// Gas of the reference program.
const REFERENCE_GAS: u64 = 300_000;

impl Speed {
    /// A speed gauge whose quietest reference time so far is `quietest` ns (infinite: none yet).
    pub fn new(quietest: f64) -> Speed {
        let mut reference = random::probe(random::Pool::Cheap, 7);
        reference.pattern.gas_limit = REFERENCE_GAS;
        Speed { reference, quietest }
    }

    /// Times the reference now (the fastest of `runs`), in ns.
    ///
    /// # Errors
    /// The reference does not run.
    pub fn now(&self, runner: &Runner, runs: usize) -> Result<f64, MeasureError> {
        Ok(measure(runner, &self.reference, runs)?.precompile.as_nanos() as f64)
    }
}

/// Measurements as `evmpc estimate --save` writes them.
#[derive(Serialize, serde::Deserialize)]
pub struct Saved {
    /// The reference program's quietest time, in ns ([`Speed`]).
    pub quietest_reference_ns: f64,
    /// Every program's measurement, scaled to that speed.
    pub rows: Vec<SavedRow>,
}

/// Measures `probe` with `runner` (`runs` timed runs each side).
///
/// # Errors
/// The program's fork is unknown, or native revm refuses its transaction.
pub fn measure(runner: &Runner, probe: &Probe, runs: usize) -> Result<Measurement, MeasureError> {
    runner
        .measure_program(&probe.pattern, runs)
        .map_err(|source| MeasureError { program: probe.pattern.name.clone(), source })
}

/// A program the estimator could not measure.
#[derive(Debug, thiserror::Error)]
#[error("{program}: {source}")]
pub struct MeasureError {
    /// The program's name.
    pub program: String,
    /// Why.
    pub source: VectorError,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probe_is_a_valid_state_test_with_a_unique_name() {
        let mut probes = all();
        probes.extend(crate::workloads::honest().into_iter().map(|pattern| Probe::of("workload", pattern)));
        let mut names: Vec<&str> = probes.iter().map(|probe| probe.pattern.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), probes.len(), "probe names are unique");
        for probe in &probes {
            assert!(crate::statetest::program::spec(&probe.pattern).is_some(), "{}", probe.pattern.name);
        }
        assert!(probes.len() > 400, "the search covers every opcode class");
    }
}
