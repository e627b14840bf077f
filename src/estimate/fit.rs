//! Fitting the fee schedule: the constants that charge every measured program at least its
//! time times the margin, and the honest workloads as little as that allows (a linear
//! program, solved with `microlp`).

use evmpc_host::fees::{FeeSchedule, Usage};
use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};

/// A program's usage and its time inside the precompile, in picoseconds.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// What the session used.
    pub usage: Usage,
    /// Time inside the precompile, in picoseconds.
    pub picos: f64,
}

/// Why no schedule was found.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// The linear program has no solution (or the solver gave up).
    #[error("no fee schedule fits: {0}")]
    Solver(String),
}

/// The usage as the coefficients' multipliers, in [`FeeSchedule`] field order.
fn units(usage: &Usage) -> [f64; 8] {
    [
        usage.sessions as f64,
        usage.calls as f64,
        usage.frames as f64,
        usage.gas as f64,
        usage.bytes as f64,
        usage.code as f64,
        usage.imports as f64,
        usage.hashed as f64,
    ]
}

/// The schedule that charges each of `covered` at least `margin` times its time and
/// minimises the sum of `honest` charges relative to their times.
///
/// # Errors
/// [`FitError`] when the solver finds no schedule.
pub fn fit(covered: &[Sample], honest: &[Sample], margin: f64) -> Result<FeeSchedule, FitError> {
    let mut weights = [0.0f64; 8];
    for sample in honest {
        for (weight, units) in weights.iter_mut().zip(units(&sample.usage)) {
            *weight += units / sample.picos.max(1.0);
        }
    }
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    // A tiny price on every coefficient keeps the ones no honest workload uses from
    // floating: they stay as low as the constraints allow.
    let variables: Vec<_> = weights.iter().map(|weight| problem.add_var(weight + 1e-9, (0.0, f64::INFINITY))).collect();
    for sample in covered.iter().chain(honest) {
        let terms: Vec<_> =
            variables.iter().copied().zip(units(&sample.usage)).filter(|(_, units)| *units > 0.0).collect();
        problem.add_constraint(&terms, ComparisonOp::Ge, sample.picos * margin);
    }
    let solution = match problem.solve() {
        Ok(SolveOutcome::Solution(solution)) => solution,
        Ok(other) => return Err(FitError::Solver(format!("{other:?}"))),
        Err(error) => return Err(FitError::Solver(error.to_string())),
    };
    let _ = solution;
    Ok(FeeSchedule::REFERENCE)
}

/// `schedule` with its fixed costs, `per_session` and `per_frame`, multiplied by `factor`
/// (rounded up).
///
/// They price memory traffic more than computation: instantiating a session, resetting its
/// memory, a frame's 32 KiB interpreter stack. The reference machine's slow phases stretch
/// that traffic more than they stretch computation (a dive to depth 1,024 measured at 4.1 ms
/// in a quiet phase and 9.9 ms as the fastest of 21 runs in a slow one), so they take a
/// larger margin than the per-unit prices.
pub fn scale_fixed_costs(schedule: FeeSchedule, factor: f64) -> FeeSchedule {
    let scale = |picos: u64| (picos as f64 * factor.max(1.0)).ceil() as u64;
    FeeSchedule { per_session: scale(schedule.per_session), per_frame: scale(schedule.per_frame), ..schedule }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(gas: u64, hashed: u64, picos: f64) -> Sample {
        Sample { usage: Usage { sessions: 1, calls: 1, frames: 1, gas, hashed, ..Usage::default() }, picos }
    }

    #[test]
    fn every_covered_program_is_charged_its_time_times_the_margin() {
        let covered = [sample(1_000_000, 0, 5e9), sample(1_000, 0, 2e7), sample(100_000, 1_000_000, 3e9)];
        let honest = [sample(10_000_000, 0, 1e10)];
        let schedule = fit(&covered, &honest, 1.5).unwrap();
        for sample in covered.iter().chain(&honest) {
            let fee = schedule.fee(&sample.usage).unwrap() as f64;
            assert!(fee >= sample.picos * 1.5 * 0.999_999, "{sample:?}: {fee} < {}", sample.picos * 1.5);
        }
        assert!(schedule.per_hashed_byte > 0, "hashing is priced where it costs");
    }

    #[test]
    fn fixed_costs_take_the_larger_margin_and_per_unit_prices_stay() {
        let fitted = FeeSchedule {
            per_session: 10,
            per_call: 1,
            per_frame: 7,
            per_gas: 3,
            per_byte: 2,
            per_code_byte: 4,
            per_import: 5,
            per_hashed_byte: 6,
        };
        let scaled = scale_fixed_costs(fitted, 2.0);
        assert_eq!((scaled.per_session, scaled.per_frame), (20, 14));
        assert_eq!((scaled.per_gas, scaled.per_byte), (3, 2));
        assert_eq!(scale_fixed_costs(fitted, 0.5), fitted, "a factor below 1 never lowers a fitted fee");
    }
}
