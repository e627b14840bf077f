//! The adversarial search: random mixes mutated, piece by piece, toward the highest time
//! over charge under the fitted weights, in the spirit of NEAR's estimator's search for
//! byzantine inputs. Its best findings are kept in `spec/fees/search.json` and join the probe
//! set of every later fit (and so the fee check).

use super::fit::{Fitted, Sample};
use super::random::{piece, setup, Pool};
use super::{Probe, Speed};
use crate::adversarial::Pattern;
use crate::statetest::runner::Runner;
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The findings kept from earlier searches.
const KEPT: &str = include_str!("../../spec/fees/search.json");
/// Pieces of a program: straight-line code fills the code size limit.
const PIECES: usize = 2_400;
/// Programs kept between generations.
const ELITE: usize = 4;

/// A program found by the search.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Finding {
    /// Its name (its state test's).
    pub name: String,
    /// Time over charge when it was found (margin 1).
    pub ratio: f64,
    /// The contract's code, hex.
    pub code: String,
}

impl Finding {
    /// The finding as a probe.
    pub fn probe(&self) -> Option<Probe> {
        let code = hex::decode(&self.code).ok()?;
        let mut pattern = Pattern::with_code(self.name.clone(), "a program the fee search found", code);
        pattern.gas_limit = 3_000_000;
        Some(Probe { class: "search", op: "search".into(), variant: self.name.clone(), pattern })
    }
}

/// The findings kept in `spec/fees/search.json`, as probes.
pub fn kept() -> Vec<Probe> {
    serde_json::from_str::<Vec<Finding>>(KEPT).unwrap_or_default().iter().filter_map(Finding::probe).collect()
}

/// A program as the search changes it: the words it starts with, and its pieces.
#[derive(Clone, Debug)]
struct Genome {
    setup: String,
    pieces: Vec<String>,
}

impl Genome {
    fn random(rng: &mut SmallRng, labels: &mut usize) -> Genome {
        let pool = *[Pool::Cheap, Pool::All, Pool::Memory].choose(rng).unwrap_or(&Pool::All);
        let setup = setup(rng, pool);
        let pieces = (0..PIECES).map(|_| next_piece(rng, pool, labels)).collect();
        Genome { setup, pieces }
    }

    /// A copy with a run of pieces replaced by new ones from a random pool, or its words
    /// drawn again.
    fn mutated(&self, rng: &mut SmallRng, labels: &mut usize) -> Genome {
        let mut next = self.clone();
        let pool = *[Pool::Cheap, Pool::All, Pool::Memory].choose(rng).unwrap_or(&Pool::All);
        if rng.random_bool(0.1) {
            next.setup = setup(rng, pool);
            return next;
        }
        let len = rng.random_range(1..=PIECES / 4);
        let start = rng.random_range(0..PIECES - len);
        let uniform = rng.random_bool(0.5).then(|| next_piece(rng, pool, labels));
        for slot in &mut next.pieces[start..start + len] {
            *slot = match &uniform {
                // A run of one piece: where a repeated operation costs more than a mix.
                Some(piece) if !piece.contains('@') => piece.clone(),
                _ => next_piece(rng, pool, labels),
            };
        }
        next
    }

    fn code(&self) -> Option<Vec<u8>> {
        let text = format!("{} top: JUMPDEST {} @top JUMP", self.setup, self.pieces.join(" "));
        let code = evmpc_oracle::asm::assemble(&text).ok()?;
        (code.len() <= 24_576).then_some(code)
    }
}

fn next_piece(rng: &mut SmallRng, pool: Pool, labels: &mut usize) -> String {
    *labels += 1;
    piece(rng, pool, *labels)
}

/// Measures `code` (scaled to the machine's quietest speed) and gives its time over charge
/// under `fitted`.
fn evaluate(runner: &Runner, speed: &Speed, code: Vec<u8>, fitted: &Fitted, runs: usize) -> Option<f64> {
    let mut pattern = Pattern::with_code("search", "search", code);
    pattern.gas_limit = 3_000_000;
    let now = speed.now(runner, runs).ok()?;
    let measurement = runner.measure_program(&pattern, runs).ok()?;
    if measurement.differs {
        return None;
    }
    let sample = Sample {
        usage: measurement.usage,
        features: measurement.features,
        picos: measurement.precompile.as_nanos() as f64 * 1e3 * speed.quietest / now,
        honest: false,
        mixed: false,
    };
    Some(sample.picos / fitted.charge(&sample).max(1.0))
}

/// Searches `evaluations` programs from `seed` for the highest time over charge under
/// `fitted`, each timed as the fastest of `runs` and scaled by `speed`; returns the best found,
/// best first. `progress` is told after every evaluation.
pub fn search(
    runner: &Runner,
    speed: &Speed,
    fitted: &Fitted,
    evaluations: usize,
    runs: usize,
    seed: u64,
    progress: impl Fn(usize, f64),
) -> Vec<Finding> {
    let mut rng = SmallRng::seed_from_u64(seed);
    let mut labels = 0;
    let mut elite: Vec<(Genome, f64)> = Vec::new();
    for evaluation in 0..evaluations {
        let genome = match elite.choose(&mut rng) {
            Some((parent, _)) if elite.len() >= ELITE => parent.mutated(&mut rng, &mut labels),
            _ => Genome::random(&mut rng, &mut labels),
        };
        let Some(ratio) = genome.code().and_then(|code| evaluate(runner, speed, code, fitted, runs)) else {
            continue;
        };
        elite.push((genome, ratio));
        elite.sort_by(|a, b| b.1.total_cmp(&a.1));
        elite.truncate(ELITE);
        progress(evaluation, elite[0].1);
    }
    elite
        .into_iter()
        .enumerate()
        .filter_map(|(rank, (genome, ratio))| {
            let code = hex::encode(genome.code()?);
            Some(Finding { name: format!("search-{seed}-{rank}"), ratio, code })
        })
        .collect()
}
