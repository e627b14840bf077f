//! Random-mix probes: straight-line code of stack-neutral pieces drawn at random, so the
//! interpreter's dispatch cannot predict the next opcode. A loop of one opcode is predicted
//! perfectly; honest code and an attacker's code need not be.

use super::straight::{repeat, word_of_limbs};
use super::Probe;
use crate::adversarial::Pattern;
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};

/// Which pieces a mix draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pool {
    /// Opcodes of 1 to 5 gas: stack, environment, comparisons, bitwise, jumps.
    Cheap,
    /// Those and the costly ones: divisions, modular arithmetic, EXP, hashing, storage.
    All,
    /// Cheap pieces and memory at random offsets over 1 MiB.
    Memory,
}

impl Pool {
    fn name(self) -> &'static str {
        match self {
            Pool::Cheap => "cheap",
            Pool::All => "all",
            Pool::Memory => "memory",
        }
    }
}

const ENVIRONMENT: [&str; 18] = [
    "ADDRESS",
    "ORIGIN",
    "CALLER",
    "CALLVALUE",
    "CALLDATASIZE",
    "CODESIZE",
    "GASPRICE",
    "RETURNDATASIZE",
    "COINBASE",
    "TIMESTAMP",
    "NUMBER",
    "GASLIMIT",
    "CHAINID",
    "BASEFEE",
    "PC",
    "MSIZE",
    "GAS",
    "PUSH0",
];
const BINARY: [&str; 16] = [
    "ADD",
    "MUL",
    "SUB",
    "LT",
    "GT",
    "SLT",
    "SGT",
    "EQ",
    "AND",
    "OR",
    "XOR",
    "BYTE",
    "SHL",
    "SHR",
    "SAR",
    "SIGNEXTEND",
];
const COSTLY_BINARY: [&str; 5] = ["DIV", "SDIV", "MOD", "SMOD", "EXP"];

/// One stack-neutral piece of `pool`, with `label` free for a jump.
pub(crate) fn piece(rng: &mut SmallRng, pool: Pool, label: usize) -> String {
    let cheap = |rng: &mut SmallRng| -> String {
        match rng.random_range(0..9) {
            0 => format!("DUP{} POP", rng.random_range(1..=16)),
            1 => format!("SWAP{}", rng.random_range(1..=15)),
            2 => {
                let bytes = rng.random_range(1..=32usize);
                format!("PUSH{bytes} 0x{} POP", "a5".repeat(bytes))
            }
            3 => format!("{} POP", ENVIRONMENT.choose(rng).unwrap_or(&"GAS")),
            4 => "JUMPDEST".to_string(),
            5 | 6 => format!("DUP2 DUP2 {} POP", BINARY.choose(rng).unwrap_or(&"ADD")),
            7 => format!("DUP1 {} POP", ["ISZERO", "NOT"].choose(rng).unwrap_or(&"NOT")),
            _ if rng.random_bool(0.5) => format!("@j{label} JUMP j{label}: JUMPDEST"),
            _ => format!("DUP1 @j{label} JUMPI j{label}: JUMPDEST"),
        }
    };
    match pool {
        Pool::Cheap => cheap(rng),
        Pool::All => match rng.random_range(0..12) {
            0 | 1 => format!("DUP2 DUP2 {} POP", COSTLY_BINARY.choose(rng).unwrap_or(&"DIV")),
            2 => format!("DUP3 DUP3 DUP3 {} POP", ["ADDMOD", "MULMOD"].choose(rng).unwrap_or(&"MULMOD")),
            3 => format!("PUSH1 {:#04x} PUSH1 0x00 KECCAK256 POP", rng.random_range(0..=64u8)),
            4 => "PUSH1 0x00 SLOAD POP".to_string(),
            5 => "PUSH1 0x00 TLOAD POP".to_string(),
            6 => "PUSH1 0x20 CALLDATALOAD POP".to_string(),
            _ => cheap(rng),
        },
        Pool::Memory => match rng.random_range(0..3) {
            0 => format!("PUSH3 {:#08x} MLOAD POP", rng.random_range(0..(1u32 << 20) - 32)),
            1 => format!("DUP1 PUSH3 {:#08x} MSTORE", rng.random_range(0..(1u32 << 20) - 32)),
            _ => cheap(rng),
        },
    }
}

/// The words a mix works on: sixteen pushed once, of random sizes (division classes vary
/// as the pieces swap them around), and for the memory pool the memory grown first.
pub(crate) fn setup(rng: &mut SmallRng, pool: Pool) -> String {
    let mut text = String::new();
    if pool == Pool::Memory {
        text.push_str(&format!("PUSH1 0x01 PUSH4 {:#x} MSTORE ", (1u32 << 20) - 32));
    }
    for _ in 0..16 {
        let limbs = rng.random_range(0..=4usize);
        let word = word_of_limbs(rng, limbs);
        let digits = word.trim_start_matches("0x");
        let bytes = digits.len().div_ceil(2).clamp(1, 32);
        text.push_str(&format!("PUSH{bytes} 0x{digits:0>width$} ", width = bytes * 2));
    }
    text
}

/// The code of a mix of `pool` drawn from `seed`.
pub fn mix(pool: Pool, seed: u64) -> String {
    let mut rng = SmallRng::seed_from_u64(seed);
    let setup = setup(&mut rng, pool);
    repeat(&setup, |label| piece(&mut rng, pool, label))
}

/// A mix as a probe.
pub fn probe(pool: Pool, seed: u64) -> Probe {
    let mut pattern = Pattern::new("", "", &mix(pool, seed));
    pattern.name = format!("random-{}-{seed}", pool.name());
    pattern.what = format!("random mix of {} pieces, seed {seed}", pool.name());
    pattern.gas_limit = 3_000_000;
    pattern.fork = "Cancun";
    Probe { class: "random", op: format!("random-{}", pool.name()), variant: format!("seed-{seed}"), pattern }
}

/// Every random-mix probe.
pub fn probes() -> Vec<Probe> {
    let mut all = Vec::new();
    for seed in 0..6 {
        all.push(probe(Pool::Cheap, seed));
        all.push(probe(Pool::All, 100 + seed));
    }
    for seed in 0..3 {
        all.push(probe(Pool::Memory, 200 + seed));
    }
    all
}
