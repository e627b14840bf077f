//! Differential fuzzing: random transactions through the precompile and native revm.
//!
//! Every case comes from one 64-bit seed, so a finding is reproduced by its seed alone and
//! written as an Ethereum state test (expected post state from native revm) that
//! `evmpc statetest --compare-native` replays. A case is an adversarial [`Pattern`]: an
//! entry contract and two more accounts with generated code (sub-calls of every kind,
//! creates with init code from memory, copies, storage, logs, returns and reverts), an
//! account without code, some storage, a fork from Frontier to Osaka, and a call or create
//! transaction with value. Both sides run the same state-test vector; status class, gas,
//! output, logs and the post-state root must agree.

use crate::adversarial::{address, Pattern, CALLEE, CONTRACT};
use crate::statetest::runner::{Difference, Runner};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

pub mod decoders;
mod program;

use program::{Generator, Targets};

/// The forks a case runs on, as state tests name them, recent ones more often.
const FORKS: &[(&str, u32)] = &[
    ("Frontier", 1),
    ("Homestead", 1),
    ("EIP150", 1),
    ("EIP158", 1),
    ("Byzantium", 1),
    ("ConstantinopleFix", 1),
    ("Istanbul", 2),
    ("Berlin", 2),
    ("London", 3),
    ("Paris", 3),
    ("Shanghai", 4),
    ("Cancun", 8),
    ("Prague", 8),
    ("Osaka", 6),
];

/// The second account with generated code.
const CALLEE_2: [u8; 20] = address(0x2001);
/// An account with a balance and no code.
const PLAIN: [u8; 20] = address(0x3000);

/// How a case's programs were made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Built from pieces that reach the frame boundary.
    Structured,
    /// Random bytes.
    Raw,
}

/// One generated transaction.
#[derive(Clone, Debug)]
pub struct Case {
    /// The seed it came from.
    pub seed: u64,
    /// How its programs were made.
    pub shape: Shape,
    /// The transaction, its accounts and its fork.
    pub pattern: Pattern,
}

/// The case of `seed`.
pub fn case(seed: u64) -> Case {
    let mut rng = SmallRng::seed_from_u64(seed);
    let targets = Targets { programs: vec![CONTRACT, CALLEE, CALLEE_2], plain: PLAIN };
    let shape = if rng.random_bool(0.75) { Shape::Structured } else { Shape::Raw };
    let program = |rng: &mut SmallRng| match shape {
        Shape::Structured => {
            let pieces = rng.random_range(1..24);
            Generator::new(rng, &targets).program(pieces, 2)
        }
        Shape::Raw => {
            let len = rng.random_range(0..200);
            Generator::new(rng, &targets).raw(len)
        }
    };
    let code = program(&mut rng);
    let mut pattern = Pattern::with_code(format!("fuzz-{seed:016x}"), "a generated transaction", code);
    for callee in [CALLEE, CALLEE_2] {
        let code = program(&mut rng);
        pattern = pattern.with(callee, code);
    }
    pattern = pattern.with(PLAIN, Vec::new());
    for _ in 0..rng.random_range(0..4) {
        let holder = [CONTRACT, CALLEE, CALLEE_2][rng.random_range(0..3)];
        pattern = pattern.with_slot(holder, word(rng.random_range(0..4)), word(rng.random_range(1..3)));
    }
    if rng.random_bool(0.05) {
        // EIP-7610: the entry contract's first create lands on an account with storage.
        let target = alloy_primitives::Address::from(CONTRACT).create(1);
        pattern = pattern.with_slot(target.into_array(), word(0), word(1));
    }
    pattern.fork = pick_fork(&mut rng);
    pattern.gas_limit = [100_000, 300_000, 1_000_000, 3_000_000][rng.random_range(0..4)];
    pattern.value = match rng.random_range(0..10) {
        0..=6 => 0,
        7 => 1,
        _ => rng.random_range(0..1_000_000_000_000_000_000),
    };
    if rng.random_bool(0.1) {
        pattern.create = true;
        pattern.data = match shape {
            Shape::Structured => {
                let pieces = rng.random_range(0..8);
                Generator::new(&mut rng, &targets).program(pieces, 1)
            }
            Shape::Raw => {
                let len = rng.random_range(0..64);
                Generator::new(&mut rng, &targets).raw(len)
            }
        };
    } else {
        let len = rng.random_range(0..72);
        pattern.data = (0..len).map(|_| rng.random()).collect();
    }
    Case { seed, shape, pattern }
}

fn pick_fork(rng: &mut SmallRng) -> &'static str {
    let total: u32 = FORKS.iter().map(|(_, weight)| weight).sum();
    let mut pick = rng.random_range(0..total);
    for (name, weight) in FORKS {
        if pick < *weight {
            return name;
        }
        pick -= weight;
    }
    "Cancun"
}

/// A word holding `n`.
fn word(n: u64) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[24..].copy_from_slice(&n.to_be_bytes());
    bytes
}

/// What running one case found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Both sides agree.
    Same,
    /// Only the halt reason differs (the spec makes the status class consensus, not the reason).
    HaltReason(String),
    /// Status class, gas, output, logs or post state differ.
    Differs(String),
    /// The host panicked.
    Crash(String),
}

/// Runs `case` on both sides.
pub fn check(runner: &Runner, case: &Case) -> Verdict {
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.differential(&case.pattern)));
    match run {
        Ok(Ok(None)) => Verdict::Same,
        Ok(Ok(Some(Difference::HaltReason(what)))) => Verdict::HaltReason(what),
        Ok(Ok(Some(Difference::Consensus(what)))) => Verdict::Differs(what),
        Ok(Err(error)) => Verdict::Differs(error.to_string()),
        Err(panic) => Verdict::Crash(
            panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
                .unwrap_or_else(|| "panic".into()),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_always_gives_the_same_case() {
        for seed in [0, 1, u64::MAX] {
            let (first, second) = (case(seed), case(seed));
            assert_eq!(first.pattern.code, second.pattern.code);
            assert_eq!(first.pattern.accounts, second.pattern.accounts);
            assert_eq!(first.pattern.data, second.pattern.data);
            assert_eq!(first.pattern.fork, second.pattern.fork);
        }
    }

    #[test]
    fn cases_are_valid_state_tests_of_every_fork_and_shape() {
        let cases: Vec<Case> = (0..400).map(case).collect();
        for case in &cases {
            assert!(crate::statetest::program::spec(&case.pattern).is_some(), "seed {}", case.seed);
        }
        for (fork, _) in FORKS {
            assert!(cases.iter().any(|case| case.pattern.fork == *fork), "{fork} never drawn");
        }
        assert!(cases.iter().any(|case| case.shape == Shape::Raw));
        assert!(cases.iter().any(|case| case.pattern.create));
        let calls = cases.iter().filter(|case| case.pattern.code.contains(&0xf1)).count();
        assert!(calls > 100, "structured programs call: {calls}");
    }

    #[test]
    fn the_precompile_agrees_with_native_revm_on_the_first_cases() {
        let engine = evmpc_host::Engine::shared().unwrap();
        let runner = Runner::new(&engine, Default::default()).unwrap();
        for seed in 0..200 {
            let verdict = check(&runner, &case(seed));
            assert!(matches!(verdict, Verdict::Same | Verdict::HaltReason(_)), "seed {seed}: {verdict:?}");
        }
    }
}
