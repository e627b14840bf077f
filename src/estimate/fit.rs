//! Fitting the unit tables and the fee schedule to the measurements.
//!
//! Each program's time is covered by a linear model: the features the guest counts
//! ([`evmpc_abi::units::feature`], counted on native revm), each at its weight, plus every
//! term the node counts ([`Term`]) at its price. A linear program (`microlp`) finds the weights
//! and prices that cover **every** program's time (at margin 1: the margin multiplies the whole
//! charge afterwards) and charge the honest workloads as little over their time as that
//! allows; every other program's overcharge and every nanosecond of a weight cost a little too
//! (so a program's time falls on what it executes many times, not on one PUSH of its setup).
//! Every opcode weighs at least the dispatch floor (the cheapest opcode's own time), so no
//! opcode is ever free, and an opcode that only ends a frame at most a few floors, so that no
//! fixed cost hides in it; a feature no program meets takes the largest weight of its kind.
//! Mixed code of cheap opcodes (the honest workloads, the random mixes of cheap opcodes) is not
//! covered by the solver, which would load its time on whichever of its opcodes the probes
//! leave cheapest: what it spends beyond the probes is dispatches its branch predictor misses,
//! so if the probes' weights leave one short, every opcode takes the same allowance until all
//! are covered.

use evmpc_abi::units::feature;
use evmpc_host::fees::{FeeSchedule, Picos, Term, Usage};
use microlp::{ComparisonOp, OptimizationDirection, Problem, SolveOutcome};

/// A program's counts and its time inside the precompile.
#[derive(Clone, Debug)]
pub struct Sample {
    /// What the node counted.
    pub usage: Usage,
    /// What the guest counted, by feature (from native revm's count).
    pub features: Vec<u64>,
    /// Time inside the precompile, in picoseconds.
    pub picos: f64,
    /// Whether it is an honest workload (its overcharge weighs most).
    pub honest: bool,
    /// Whether it is mixed code of cheap opcodes (an honest workload, a random mix of cheap
    /// opcodes): covered by the dispatch allowance, not by the solver.
    pub mixed: bool,
}

/// Why no schedule was found.
#[derive(Debug, thiserror::Error)]
pub enum FitError {
    /// The linear program has no solution (or the solver gave up).
    #[error("the solver stopped before it found a fee schedule")]
    Interrupted,
    /// The solver failed.
    #[error("no fee schedule fits: {0}")]
    Solver(#[from] microlp::Error),
}

/// Weights and prices that cover every program's time (margin 1), in picoseconds.
#[derive(Clone, Debug)]
pub struct Fitted {
    /// Units (picoseconds) of each feature.
    pub weights: Vec<u32>,
    /// The node's prices; `per_thousand_units` is 1,000 (margin 1).
    pub schedule: FeeSchedule,
    /// Picoseconds added to every opcode so that all mixed code is covered (0 when the probes'
    /// weights cover it).
    pub allowance: u32,
}

impl Fitted {
    /// The charge of `sample` under these weights and prices, in picoseconds.
    pub fn charge(&self, sample: &Sample) -> f64 {
        charge(&self.weights, &self.schedule, sample)
    }

    /// The schedule to publish: every price times `margin` (rounded up), and times
    /// `fixed_margin` the fixed costs and the node's own work that honest code hardly uses
    /// ([`takes_fixed_margin`]); units at `margin` in thousandths.
    pub fn schedule(&self, margin: f64, fixed_margin: f64) -> FeeSchedule {
        let mut schedule = self.schedule;
        for term in Term::all() {
            let factor = if takes_fixed_margin(term) { fixed_margin } else { margin };
            schedule.set_price(term, (self.schedule.price(term) as f64 * factor).ceil() as Picos);
        }
        schedule.per_thousand_units = (margin * 1000.0).ceil() as Picos;
        schedule
    }
}

/// Whether `term` takes the fixed costs' margin: sessions and frames (memory traffic, which the
/// machine's slow phases stretch most), and the node's own work that the honest workloads
/// hardly use, so a wider margin costs them nothing: the Ethereum precompiles and cold state
/// (code outside the guest, which the speed reference does not exercise).
pub fn takes_fixed_margin(term: Term) -> bool {
    term.is_fixed() || matches!(term, Term::Cold | Term::PrecompileCalls(_) | Term::PrecompileGas(_))
}

/// The charge of `sample` with `weights` and `schedule`, in picoseconds.
pub fn charge(weights: &[u32], schedule: &FeeSchedule, sample: &Sample) -> f64 {
    let units: f64 =
        sample.features.iter().zip(weights).map(|(count, weight)| *count as f64 * f64::from(*weight)).sum();
    let node = schedule.fee(&Usage { units: 0, ..sample.usage }).map_or(f64::INFINITY, |fee| fee as f64);
    units * schedule.per_thousand_units as f64 / 1000.0 + node
}

/// The opcodes that end a frame without work of their own (what ending costs the node is
/// `per_frame`'s, a RETURN's output is priced by the byte): each weighs at most this many
/// dispatch floors, so that a frame's or a session's fixed cost cannot hide in them.
const ENDS_FRAME: [usize; 4] = [0x00, 0xf3, 0xfd, 0xfe];
/// See [`ENDS_FRAME`].
const ENDING_FLOORS: f64 = 4.0;

/// How much the objective counts another program's overcharge against an honest workload's:
/// the fit keeps honest work's charge low, and every other program's near its time only as a
/// tie-break.
const OTHER_WEIGHT: f64 = 0.01;
/// What each nanosecond of a weight costs the objective, beside the overcharge it causes: a
/// program is covered by raising the features it executes many times, not one it executes
/// once (a PUSH4 of its setup), which would otherwise cover its whole time for free.
const WEIGHT_COST: f64 = 1e-4;

/// The weights and prices that cover each of `samples`, every opcode weighing at least
/// `floor` picoseconds.
///
/// # Errors
/// [`FitError`] when the solver finds no solution.
pub fn fit(samples: &[Sample], floor: f64) -> Result<Fitted, FitError> {
    /// A column of the program: a feature's weight or a term's price.
    #[derive(Clone, Copy)]
    enum Column {
        Feature(usize),
        Term(Term),
    }
    let count = |column: Column, sample: &Sample| match column {
        Column::Feature(f) => sample.features[f],
        Column::Term(term) => sample.usage.count(term),
    };
    let columns: Vec<Column> = (0..feature::COUNT)
        .map(Column::Feature)
        .chain(Term::all().filter(|term| *term != Term::Units).map(Column::Term))
        .filter(|column| samples.iter().any(|sample| count(*column, sample) > 0))
        .collect();
    // Each constraint is divided by the program's time (in ns), and each column by its largest
    // coefficient, so the solver sees coefficients of at most one whatever the units counted.
    let time = |sample: &Sample| 1.0 / (sample.picos / 1e3).max(1e-3);
    let importance = |sample: &Sample| if sample.honest { 1.0 } else { OTHER_WEIGHT };
    let mut problem = Problem::new(OptimizationDirection::Minimize);
    let mut variables = Vec::new();
    for column in &columns {
        let largest = samples.iter().map(|s| count(*column, s) as f64 * time(s)).fold(0.0, f64::max).max(1e-12);
        let objective: f64 =
            samples.iter().map(|s| importance(s) * count(*column, s) as f64 * time(s)).sum::<f64>() + WEIGHT_COST;
        let least = match column {
            Column::Feature(f) if *f < 256 => floor / 1e3,
            _ => 0.0,
        };
        let most = match column {
            Column::Feature(f) if ENDS_FRAME.contains(f) => ENDING_FLOORS * floor / 1e3,
            _ => f64::INFINITY,
        };
        variables.push((problem.add_var(objective / largest, (least * largest, most * largest)), largest));
    }
    for sample in samples.iter().filter(|sample| !sample.mixed) {
        let expr: Vec<(microlp::Variable, f64)> = columns
            .iter()
            .zip(&variables)
            .filter(|(column, _)| count(**column, sample) > 0)
            .map(|(column, (var, largest))| (*var, count(*column, sample) as f64 * time(sample) / largest))
            .collect();
        problem.add_constraint(expr.as_slice(), ComparisonOp::Ge, 1.0);
    }
    let solution = match problem.solve() {
        Ok(SolveOutcome::Solution(solution)) => solution,
        Ok(_) => return Err(FitError::Interrupted),
        Err(error) => return Err(FitError::Solver(error)),
    };
    let picos = |nanos: f64| (nanos * 1e3).ceil().max(0.0);
    let mut weights = vec![None; feature::COUNT];
    let mut schedule = FeeSchedule::ZERO;
    for (column, (var, largest)) in columns.iter().zip(&variables) {
        let value = picos(solution[*var] / largest);
        match column {
            Column::Feature(f) => weights[*f] = Some(value.min(f64::from(u32::MAX)) as u32),
            Column::Term(term) => schedule.set_price(*term, value as Picos),
        }
    }
    schedule.per_thousand_units = 1000;
    let mut fitted = Fitted { weights: fill_unmet(&weights, floor), schedule, allowance: 0 };
    fitted.cover_mixed(samples);
    Ok(fitted)
}

impl Fitted {
    /// Raises every opcode's weight by one dispatch allowance, and the price of a session by
    /// one more share, the least (for the honest workloads' charge) that covers every program
    /// of mixed code: what such code spends beyond the probes' contexts, each of which runs one
    /// operation (branches its dispatch mispredicts, caches it misses), falls on all opcodes
    /// alike, not on whichever one the solver would pick; a short program's rest (its session)
    /// falls on its session.
    fn cover_mixed(&mut self, samples: &[Sample]) {
        let mixed: Vec<&Sample> = samples.iter().filter(|sample| sample.mixed).collect();
        if mixed.is_empty() {
            return;
        }
        let opcodes = |sample: &Sample| sample.features[..256].iter().sum::<u64>() as f64;
        let mut problem = Problem::new(OptimizationDirection::Minimize);
        let honest = |sample: &&Sample| if sample.honest { 1.0 } else { OTHER_WEIGHT };
        // Nanoseconds per opcode and per session.
        let per_opcode = problem.add_var(
            mixed.iter().map(|s| honest(s) * opcodes(s) * 1e3 / s.picos).sum::<f64>() + WEIGHT_COST,
            (0.0, f64::INFINITY),
        );
        let per_session = problem.add_var(
            mixed.iter().map(|s| honest(s) * s.usage.sessions as f64 * 1e3 / s.picos).sum::<f64>() + WEIGHT_COST,
            (0.0, f64::INFINITY),
        );
        for sample in &mixed {
            let short = (sample.picos - self.charge(sample)) / 1e3;
            let terms = [(per_opcode, opcodes(sample)), (per_session, sample.usage.sessions as f64)];
            problem.add_constraint(terms.as_slice(), ComparisonOp::Ge, short);
        }
        let (allowance, session) = match problem.solve() {
            Ok(SolveOutcome::Solution(solution)) => (solution[per_opcode], solution[per_session]),
            // Never infeasible (both variables are unbounded above); the opcodes alone cover all.
            _ => {
                (mixed.iter().map(|s| (s.picos - self.charge(s)) / 1e3 / opcodes(s).max(1.0)).fold(0.0, f64::max), 0.0)
            }
        };
        let allowance = (allowance * 1e3).ceil().max(0.0) as u32;
        for weight in &mut self.weights[..256] {
            *weight = weight.saturating_add(allowance);
        }
        self.schedule.per_session = self.schedule.per_session.saturating_add((session * 1e3).ceil().max(0.0) as Picos);
        self.allowance = allowance;
    }
}

/// What [`refit_session`] found.
#[derive(Clone, Copy, Debug)]
pub struct SessionRefit {
    /// The published schedule with its new `per_session`.
    pub schedule: FeeSchedule,
    /// The least price of a session that covers every program at margin 1, in picoseconds.
    pub fitted: f64,
    /// The program that needs it (an index into the samples).
    pub binding: Option<usize>,
    /// Programs the published schedule does not cover at margin 1 even with its own session
    /// price, left to the margin (as they are under the published schedule).
    pub short: usize,
}

/// `published` with `per_session` fitted again to `samples`, every other price and the
/// artifact's unit weights held: the least price of a session that keeps covering, at margin
/// 1, every program the published schedule covers at margin 1 (each price taken as the
/// published one over its margin, rounded down), times `fixed_margin`. A program the published
/// schedule leaves short at margin 1 is short by more than its session (a slower phase, a term
/// the fit bound on it) and stays covered by the margins as before, so it does not set the
/// session's price. For when a session's fixed cost changes and nothing else does
/// (instantiation and reset), so the unit tables, which the artifact carries, stay as they are.
pub fn refit_session(samples: &[Sample], published: &FeeSchedule, margin: f64, fixed_margin: f64) -> SessionRefit {
    let weights: Vec<u32> = (0..feature::COUNT).map(evmpc_abi::units::weight).collect();
    let mut at_margin_one = at_margin_one(published, margin, fixed_margin);
    let session = at_margin_one.per_session as f64;
    at_margin_one.per_session = 0;
    let (mut fitted, mut binding, mut short) = (0.0, None, 0);
    for (index, sample) in samples.iter().enumerate().filter(|(_, sample)| sample.usage.sessions > 0) {
        let sessions = sample.usage.sessions as f64;
        let rest = charge(&weights, &at_margin_one, sample);
        if rest + session * sessions < sample.picos {
            short += 1;
            continue;
        }
        let needed = (sample.picos - rest) / sessions;
        if needed > fitted {
            (fitted, binding) = (needed, Some(index));
        }
    }
    let schedule = FeeSchedule { per_session: (fitted * fixed_margin).ceil() as Picos, ..*published };
    SessionRefit { schedule, fitted, binding, short }
}

/// `published` with each price over its margin (rounded down) and units at margin 1: the
/// inverse of [`Fitted::schedule`].
fn at_margin_one(published: &FeeSchedule, margin: f64, fixed_margin: f64) -> FeeSchedule {
    let mut schedule = *published;
    for term in Term::all() {
        let factor = if takes_fixed_margin(term) { fixed_margin } else { margin };
        schedule.set_price(term, (published.price(term) as f64 / factor).floor() as Picos);
    }
    schedule.per_thousand_units = 1000;
    schedule
}

/// Weights for the features no program met: an opcode halts as INVALID does (every opcode a
/// fork does not define halts its frame), if INVALID was met; otherwise the largest of its kind
/// (opcodes, each division and modular opcode's classes, bytes), so an unmeasured feature is
/// never cheap.
fn fill_unmet(weights: &[Option<u32>], floor: f64) -> Vec<u32> {
    let kind = |f: usize| -> std::ops::Range<usize> {
        match f {
            0..=255 => 0..256,
            256..=299 => {
                let row = (f - 256) / evmpc_abi::units::DIVISION_CLASSES;
                feature::division(row, 0)..feature::division(row + 1, 0)
            }
            300..=309 => {
                let row = (f - 300) / evmpc_abi::units::MODULAR_CLASSES;
                feature::modular(row, 0)..feature::modular(row + 1, 0)
            }
            _ => feature::EXP_BYTE..feature::COUNT,
        }
    };
    (0..feature::COUNT)
        .map(|f| {
            weights[f].or(if f < 256 { weights[0xfe] } else { None }).unwrap_or_else(|| {
                let largest = weights[kind(f)].iter().flatten().max().copied();
                largest.unwrap_or(if f < 256 { floor.ceil() as u32 } else { 0 })
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(opcode: u8, count: u64, picos: f64) -> Sample {
        let mut features = vec![0; feature::COUNT];
        features[usize::from(opcode)] = count;
        features[0x5b] = 10;
        Sample {
            usage: Usage { sessions: 1, calls: 1, ..Usage::default() },
            features,
            picos,
            honest: false,
            mixed: false,
        }
    }

    #[test]
    fn every_sample_is_covered_and_unmet_features_take_their_kind_s_largest() {
        let samples = [sample(0x01, 1_000, 2e6), sample(0x09, 1_000, 9e7), sample(0x01, 10, 1e6)];
        let fitted = fit(&samples, 500.0).unwrap();
        for sample in &samples {
            assert!(fitted.charge(sample) >= sample.picos * 0.999_999, "{sample:?}: {}", fitted.charge(sample));
        }
        assert!(fitted.weights[0x5b] >= 500, "the floor holds");
        assert_eq!(fitted.weights[0xfe], *fitted.weights[..256].iter().max().unwrap(), "INVALID was never met");
        let mut halting = sample(0xfe, 1, 1e6);
        halting.features[0x01] = 1;
        let fitted = fit(&[halting], 100.0).unwrap();
        assert_eq!(fitted.weights[0x0c], fitted.weights[0xfe], "an undefined opcode halts as INVALID does");
        let mut honest = sample(0x01, 1_000, 5e7);
        honest.honest = true;
        honest.mixed = true;
        let fitted = fit(&[sample(0x01, 1_000, 2e6), honest.clone()], 500.0).unwrap();
        assert!(fitted.charge(&honest) >= honest.picos * 0.999_999, "the allowance covers honest work");
        assert!(fitted.allowance > 0);
        let published = fitted.schedule(3.0, 6.0);
        assert_eq!(published.per_thousand_units, 3_000);
        assert_eq!(published.per_session, fitted.schedule.per_session * 6);
    }

    #[test]
    fn a_session_refit_covers_every_program_and_moves_only_the_session_price() {
        let published = FeeSchedule::REFERENCE;
        let weights: Vec<u32> = (0..feature::COUNT).map(evmpc_abi::units::weight).collect();
        let mut at_margin_one = at_margin_one(&published, 1.9, 5.0);
        at_margin_one.per_session = 0;
        let short = sample(0x01, 10, 0.0);
        let rest = charge(&weights, &at_margin_one, &short);
        let session = (published.per_session as f64 / 5.0).floor();
        let samples = [
            sample(0x01, 10, rest + 2e6),
            sample(0x01, 10, rest + 3e6),
            sample(0x01, 10, rest - 1e6),
            sample(0x01, 10, rest + session + 1e6),
        ];
        let refit = refit_session(&samples, &published, 1.9, 5.0);
        assert_eq!(refit.binding, Some(1), "the program short by the most sets the price");
        assert!((refit.fitted - 3e6).abs() < 1.0, "{}", refit.fitted);
        assert_eq!(refit.short, 1, "a program the published session price leaves short does not set it");
        assert_eq!(refit.schedule.per_session, (refit.fitted * 5.0).ceil() as Picos);
        assert_eq!(FeeSchedule { per_session: published.per_session, ..refit.schedule }, published);
        let covered = refit_session(&samples[2..3], &published, 1.9, 5.0);
        assert_eq!((covered.schedule.per_session, covered.binding), (0, None), "nothing short: sessions are free");
    }
}
