//! Straight-line probes: one operation repeated back to back across the whole code size limit,
//! its operands fed by DUP from words pushed once, so the loop that jumps back to the start
//! costs one JUMP per thousands of operations. A loop of one operation dilutes it with a dozen
//! gas of glue per iteration; here the operation's own cost shows.

use super::Probe;
use crate::adversarial::Pattern;
use evmpc_oracle::asm::asm;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// Bytes of code a block may fill (EIP-170's limit, with room for the setup and the jump back).
const CODE: usize = 24_000;
/// Gas of a straight-line probe's transaction.
const GAS: u64 = 3_000_000;

/// `setup`, then `body` repeated until the code is full, jumping back to the first `body`
/// until the gas runs out.
pub(crate) fn block(setup: &str, body: &str) -> String {
    repeat(setup, |_| body.to_string())
}

/// `setup`, then `body(i)` for i = 0, 1, ... until the code is full, jumping back to `body(0)`.
pub(crate) fn repeat(setup: &str, mut body: impl FnMut(usize) -> String) -> String {
    let mut text = format!("{setup} top: JUMPDEST");
    let mut len = asm(&text).len() + 4;
    for index in 0.. {
        let next = body(index);
        let grown = asm(&next).len();
        if len + grown > CODE {
            break;
        }
        len += grown;
        text.push(' ');
        text.push_str(&next);
    }
    text.push_str(" @top JUMP");
    text
}

fn straight(class: &'static str, op: &str, variant: &str, code: &str) -> Probe {
    let mut pattern = Pattern::new("", "", code);
    pattern.name = format!("straight-{}-{}", op.to_lowercase(), variant);
    pattern.what = format!("{op}, straight line: {variant}");
    pattern.gas_limit = GAS;
    Probe { class, op: op.to_string(), variant: format!("straight-{variant}"), pattern }
}

/// A word of `limbs` significant 64-bit limbs, random below the top one.
pub(crate) fn word_of_limbs(rng: &mut SmallRng, limbs: usize) -> String {
    if limbs == 0 {
        return "0x00".into();
    }
    let mut text = format!("{:x}", rng.random_range(1u64 << 63..=u64::MAX));
    for _ in 1..limbs {
        text.push_str(&format!("{:016x}", rng.random::<u64>()));
    }
    format!("0x{text}")
}

fn push(word: &str) -> String {
    let digits = word.trim_start_matches("0x");
    let bytes = digits.len().div_ceil(2).clamp(1, 32);
    format!("PUSH{bytes} 0x{digits:0>width$}", width = bytes * 2)
}

/// Every straight-line probe.
pub fn probes() -> Vec<Probe> {
    let mut all = arithmetic();
    all.extend(cheap());
    all.extend(memory());
    all
}

fn arithmetic() -> Vec<Probe> {
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    let mut all = Vec::new();
    // DIV, SDIV, MOD, SMOD by class: dividend n limbs, divisor m limbs (top of the stack is the dividend).
    for op in ["DIV", "SDIV", "MOD", "SMOD"] {
        for m in 1..=4 {
            for n in m..=4 {
                for sample in 0..2 {
                    let (a, b) = (word_of_limbs(&mut rng, n), word_of_limbs(&mut rng, m));
                    let code = block(&format!("{} {}", push(&b), push(&a)), &format!("DUP2 DUP2 {op} POP"));
                    all.push(straight("arithmetic", op, &format!("divisor-{m}-dividend-{n}-{sample}"), &code));
                }
            }
        }
    }
    for op in ["ADDMOD", "MULMOD"] {
        for m in 1..=4 {
            for (operands, a, b) in [
                ("max", "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff".to_string(), None),
                ("random", word_of_limbs(&mut rng, 4), Some(word_of_limbs(&mut rng, 4))),
                ("below-modulus", word_of_limbs(&mut rng, m), Some(word_of_limbs(&mut rng, m))),
            ] {
                let modulus = word_of_limbs(&mut rng, m);
                let b = b.unwrap_or_else(|| a.clone());
                let setup = format!("{} {} {}", push(&modulus), push(&b), push(&a));
                let code = block(&setup, &format!("DUP3 DUP3 DUP3 {op} POP"));
                all.push(straight("arithmetic", op, &format!("modulus-{m}-{operands}"), &code));
            }
        }
    }
    for bytes in [1usize, 2, 4, 8, 16, 32] {
        let exponent = format!("0x{}", "ff".repeat(bytes));
        let base = word_of_limbs(&mut rng, 4);
        let code = block(&format!("{} {}", push(&exponent), push(&base)), "DUP2 DUP2 EXP POP");
        all.push(straight("arithmetic", "EXP", &format!("exponent-{bytes}-bytes"), &code));
    }
    let big = word_of_limbs(&mut rng, 4);
    let other = word_of_limbs(&mut rng, 4);
    for op in [
        "ADD",
        "MUL",
        "SUB",
        "SIGNEXTEND",
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
    ] {
        let operands = match op {
            "SIGNEXTEND" | "BYTE" => format!("{} PUSH1 0x0f", push(&big)),
            "SHL" | "SHR" | "SAR" => format!("{} PUSH1 0x81", push(&big)),
            _ => format!("{} {}", push(&other), push(&big)),
        };
        all.push(straight("arithmetic", op, "big", &block(&operands, &format!("DUP2 DUP2 {op} POP"))));
    }
    for op in ["ISZERO", "NOT"] {
        all.push(straight("arithmetic", op, "big", &block(&push(&big), &format!("DUP1 {op} POP"))));
    }
    let mut clz = straight("arithmetic", "CLZ", "big", &block(&push(&big), "DUP1 CLZ POP"));
    clz.pattern.fork = "Osaka";
    all.push(clz);
    all
}

/// Opcodes whose cost is their dispatch: run back to back, each fed by DUP or feeding POP.
fn cheap() -> Vec<Probe> {
    let mut all = Vec::new();
    for op in [
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
        "DIFFICULTY",
        "GASLIMIT",
        "CHAINID",
        "BASEFEE",
        "BLOBBASEFEE",
        "PC",
        "MSIZE",
        "GAS",
        "PUSH0",
        "SELFBALANCE",
    ] {
        all.push(straight("environment", op, "pop", &block("", &format!("{op} POP"))));
    }
    all.push(straight("environment", "CALLDATALOAD", "offset-0", &block("PUSH1 0x00", "DUP1 CALLDATALOAD POP")));
    all.push(straight("environment", "BLOBHASH", "index-0", &block("PUSH1 0x00", "DUP1 BLOBHASH POP")));
    all.push(straight("stack", "POP", "after-dup", &block("PUSH1 0x01", "DUP1 POP")));
    all.push(straight("stack", "PUSH1", "pop", &block("", "PUSH1 0x01 POP")));
    all.push(straight("stack", "PUSH32", "pop", &block("", &format!("PUSH32 0x{} POP", "fe".repeat(32)))));
    let seventeen = "PUSH1 0x01 ".repeat(17);
    for n in [1, 8, 16] {
        all.push(straight("stack", &format!("DUP{n}"), "pop", &block(&seventeen, &format!("DUP{n} POP"))));
        all.push(straight("stack", &format!("SWAP{n}"), "back-to-back", &block(&seventeen, &format!("SWAP{n}"))));
    }
    all.push(straight("control", "JUMPDEST", "run", &block("", "JUMPDEST")));
    all.push(straight("control", "JUMP", "chain", &repeat("", |i| format!("@j{i} JUMP j{i}: JUMPDEST"))));
    all.push(straight(
        "control",
        "JUMPI",
        "taken-chain",
        &repeat("", |i| format!("PUSH1 0x01 @j{i} JUMPI j{i}: JUMPDEST")),
    ));
    all.push(straight("control", "JUMPI", "not-taken", &block("", "PUSH1 0x00 PUSH1 0x00 JUMPI")));
    all
}

/// MLOAD, MSTORE and MSTORE8 at offsets drawn at random over memory grown once before: the
/// largest memory a transaction can afford defeats the caches.
fn memory() -> Vec<Probe> {
    let mut all = Vec::new();
    for (variant, size, gas) in
        [("32kib", 1u32 << 15, GAS), ("1mib", 1 << 20, GAS), ("3500kib", 3_500 << 10, 40_000_000)]
    {
        let setup = format!("PUSH1 0x01 PUSH4 {:#x} MSTORE", size - 32);
        for (op, body) in [("MLOAD", "MLOAD POP"), ("MSTORE", "DUP1 SWAP1 MSTORE"), ("MSTORE8", "DUP1 SWAP1 MSTORE8")] {
            let mut rng = SmallRng::seed_from_u64(u64::from(size));
            let code = repeat(&setup, |_| format!("PUSH3 {:#08x} {body}", rng.random_range(0..size - 32)));
            let mut probe = straight("memory", op, &format!("random-offsets-{variant}"), &code);
            probe.pattern.gas_limit = gas;
            all.push(probe);
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_fill_the_code_and_loop() {
        let code = asm(&block("PUSH1 0x01", "DUP1 POP"));
        assert!(code.len() > CODE - 10 && code.len() <= CODE, "{}", code.len());
        let chain = asm(&repeat("", |i| format!("@j{i} JUMP j{i}: JUMPDEST")));
        assert!(chain.len() <= CODE);
        let mut rng = SmallRng::seed_from_u64(1);
        assert_eq!(word_of_limbs(&mut rng, 2).len(), 2 + 32);
        assert_eq!(push("0x0123"), "PUSH2 0x0123");
        assert_eq!(push("0x123"), "PUSH2 0x0123");
    }
}
