//! `evmpc statetest --fees`: every vector's time inside the precompile against its fee.

use super::runner::{FeeSample, Runner, VectorReport};
use serde::Serialize;

/// One undercharged vector.
#[derive(Clone, Debug, Serialize)]
pub struct Undercharged {
    /// The file.
    pub file: String,
    /// The test.
    pub test: String,
    /// `(data, gas, value)` indexes.
    pub indexes: (usize, usize, usize),
    /// Time inside the precompile, in ns.
    pub time_ns: u128,
    /// The fee, in ns (`None`: it overflowed).
    pub charge_ns: Option<u64>,
}

/// The fee check over every vector run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FeeTally {
    /// Vectors whose session was measured.
    pub vectors: usize,
    /// Those whose time was above their fee.
    pub undercharged: Vec<Undercharged>,
    /// The highest time over fee, and where.
    pub worst: Option<(f64, String)>,
    /// Total time inside the precompile, in ns.
    pub time_ns: u128,
    /// Total fee, in ns.
    pub charge_ns: u128,
    /// Total EVM gas the sessions used.
    pub gas: u128,
    /// The honest workloads' charge over their time: name and ratio.
    pub honest: Vec<(String, f64)>,
}

impl FeeTally {
    /// Adds `outcome`'s fee sample, if it has one.
    pub fn add(&mut self, file: &str, outcome: &VectorReport) {
        let Some(sample) = outcome.fee else { return };
        self.vectors += 1;
        self.time_ns += sample.time.as_nanos();
        self.charge_ns += u128::from(sample.charge.unwrap_or(u64::MAX) / 1000);
        self.gas += u128::from(sample.usage.gas);
        let ratio = sample.ratio();
        if self.worst.as_ref().is_none_or(|(worst, _)| ratio > *worst) {
            self.worst = Some((ratio, format!("{} {} {:?}", outcome.test, outcome.fork, outcome.indexes)));
        }
        if sample.undercharged() {
            self.undercharged.push(undercharged(file, outcome, &sample));
        }
    }

    /// Measures the honest workloads (snailtracer, burntpix, an ERC-20 transfer, a CALL-heavy
    /// loop) with `runner`, the fastest of `runs` each, for the summary line.
    ///
    /// # Errors
    /// A workload does not run.
    pub fn measure_honest(&mut self, runner: &Runner, runs: usize) -> Result<(), HonestError> {
        for pattern in crate::workloads::honest() {
            let failed = |source| HonestError::Measure { workload: pattern.name.clone(), source };
            let measured = runner.measure_program(&pattern, runs).map_err(failed)?;
            let charge = runner
                .fee_schedule()
                .fee(&measured.usage)
                .map_err(|_| HonestError::FeeOverflow { workload: pattern.name.clone() })?;
            self.honest
                .push((pattern.name.clone(), charge as f64 / 1e3 / measured.precompile.as_nanos().max(1) as f64));
        }
        Ok(())
    }

    /// Prints the undercharged vectors and the summary line.
    pub fn print(&self) {
        for vector in &self.undercharged {
            println!(
                "UNDERCHARGED {} {} d{} g{} v{}: {} ns inside the precompile, charged {} ns",
                vector.file,
                vector.test,
                vector.indexes.0,
                vector.indexes.1,
                vector.indexes.2,
                vector.time_ns,
                vector.charge_ns.map_or("overflow".to_string(), |ns| ns.to_string()),
            );
        }
        if let Some((ratio, name)) = &self.worst {
            println!("fees: worst time/charge {ratio:.3} ({name})");
        }
        let honest: Vec<String> = self.honest.iter().map(|(name, ratio)| format!("{name} {ratio:.2}x")).collect();
        println!(
            "fees: {} vectors, {} undercharged, worst time/charge {:.3}, charged gas per second {:.0}; honest charge/time: {}",
            self.vectors,
            self.undercharged.len(),
            self.worst.as_ref().map_or(0.0, |(ratio, _)| *ratio),
            self.gas as f64 / (self.charge_ns as f64 / 1e9).max(1e-9),
            if honest.is_empty() { "-".to_string() } else { honest.join(", ") },
        );
        if self.charge_ns > 0 {
            println!(
                "fees: total {:.3} s inside the precompile, {:.3} s charged ({:.1}x), {} gas",
                self.time_ns as f64 / 1e9,
                self.charge_ns as f64 / 1e9,
                self.charge_ns as f64 / self.time_ns.max(1) as f64,
                self.gas
            );
        }
    }
}

fn undercharged(file: &str, outcome: &VectorReport, sample: &FeeSample) -> Undercharged {
    Undercharged {
        file: file.to_string(),
        test: outcome.test.clone(),
        indexes: outcome.indexes,
        time_ns: sample.time.as_nanos(),
        charge_ns: sample.charge.map(|charge| charge / 1000),
    }
}

/// Why an honest workload has no charge/time figure.
#[derive(Debug, thiserror::Error)]
pub enum HonestError {
    /// The workload did not run.
    #[error("{workload}: {source}")]
    Measure {
        /// The workload.
        workload: String,
        /// Why.
        source: super::runner::VectorError,
    },
    /// Its fee does not fit a `u64`.
    #[error("{workload}: the fee overflows")]
    FeeOverflow {
        /// The workload.
        workload: String,
    },
}
