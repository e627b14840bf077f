//! `evmpc estimate`: the search for the worst case, and the fee schedule that covers it.
//!
//! Every opcode, import and boundary cost gets a family of programs ([`probes`]) that vary
//! what drives its cost; the adversarial suite and the honest workloads ([`workloads`]) run
//! beside them. Each runs as a whole transaction through the precompile and native revm in
//! the same process (the fastest of several runs after a warm-up; optionally a count of the
//! guest's Wasm instructions), and [`fit`] finds the schedule that charges every program at
//! least its time times a margin while charging the honest workloads as little as it can.

use crate::adversarial::Pattern;
use crate::statetest::runner::{Measurement, Runner};
use revm_statetest_types::{TestSuite, TestUnit};
use serde::Serialize;

/// Fitting the fee schedule to the measurements.
pub mod fit;
/// The plot of ns per gas per opcode.
pub mod plot;
/// The programs that vary what drives each cost.
pub mod probes;
/// The honest workloads.
pub mod workloads;

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
    /// Whether the precompile and native revm disagree.
    pub differs: bool,
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
            differs: measurement.differs,
        }
    }
}

impl Row {
    /// Keeps the slower precompile time and the faster native time of `self` and `other`
    /// (two rounds of the same program): the fee covers the slower, native revm's worst
    /// case is its own best.
    pub fn slowest_of(&mut self, other: &Row) {
        if other.precompile_ns > self.precompile_ns {
            self.precompile_ns = other.precompile_ns;
            self.precompile_ns_per_gas = other.precompile_ns_per_gas;
        }
        if other.native_ns < self.native_ns {
            self.native_ns = other.native_ns;
            self.native_ns_per_gas = other.native_ns_per_gas;
        }
        self.differs |= other.differs;
    }
}

/// `pattern`'s state test, parsed (its expected post state left out).
///
/// # Errors
/// The pattern does not make a valid state test.
pub fn unit(pattern: &Pattern) -> Result<TestUnit, String> {
    let text = pattern.state_test(None).to_string();
    let suite: TestSuite = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", pattern.name))?;
    suite.0.into_values().next().ok_or_else(|| format!("{}: empty state test", pattern.name))
}

/// Measures `probe` with `runner` (`runs` timed runs each side).
///
/// # Errors
/// The program is not a valid transaction, or native revm refuses it.
pub fn measure(runner: &Runner, probe: &Probe, runs: usize) -> Result<Measurement, String> {
    runner.measure_unit(&unit(&probe.pattern)?, runs).map_err(|e| format!("{}: {e}", probe.pattern.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_probe_is_a_valid_state_test_with_a_unique_name() {
        let mut probes = probes::probes();
        probes.extend(workloads::honest().into_iter().map(|pattern| Probe::of("workload", pattern)));
        let mut names: Vec<&str> = probes.iter().map(|probe| probe.pattern.name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), probes.len(), "probe names are unique");
        for probe in &probes {
            unit(&probe.pattern).unwrap();
        }
        assert!(probes.len() > 150, "the search covers every opcode class");
    }
}
