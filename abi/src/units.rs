//! Units: the node's cost of what the guest executes, counted in the guest.
//!
//! EVM gas prices opcodes for Ethereum's clients, not for this precompile: memory expansion
//! is a quarter of snailtracer's time per gas of MULMOD with a 129-bit modulus. So beside
//! gas the guest counts **units**, picoseconds of the reference machine's time in the costliest
//! context the estimator found (`spec/fees.md` §3), and the node prices them
//! (`per_unit`, the margin). The count is deterministic: a weight per executed opcode, an
//! operand class where the cost depends on operands, and a weight per byte where the work is
//! per byte. The tables are part of the artifact and the ABI hash; native revm counts the
//! same units with the same functions (`evmpc-host`'s native oracle), and a test holds the
//! two counts equal.
//!
//! | what | units |
//! | --- | --- |
//! | every executed opcode, counted before its static gas | [`OPCODE`] |
//! | DIV, SDIV, MOD, SMOD that succeed | [`DIVISION`] by [`division_class`] of the operands (absolute values for the signed ones) |
//! | ADDMOD, MULMOD that succeed | [`MODULAR`] by the modulus' significant limbs |
//! | EXP that succeeds | [`EXP_BYTE`] per significant byte of the exponent |
//! | CALLDATACOPY, CODECOPY, RETURNDATACOPY, MCOPY, EXTCODECOPY that succeed | [`COPY_BYTE`] per byte copied |
//! | CREATE, CREATE2 that ask for a frame | [`INITCODE_BYTE`] per byte of init code |
//! | every frame that returns | [`MEMORY_BYTE`] per byte of its memory, [`OUTPUT_BYTE`] per byte of its output |
//!
//! What the node does (imports, bytes crossing, hashing, Ethereum precompiles, sessions and
//! frames) it counts itself.

mod table;

pub use table::{COPY_BYTE, DIVISION, EXP_BYTE, INITCODE_BYTE, MEMORY_BYTE, MODULAR, OPCODE, OUTPUT_BYTE};

/// A 256-bit word as four little-endian 64-bit limbs (ruint's layout).
pub type Limbs = [u64; 4];

/// Operand classes of the division opcodes: 0 when no division runs (a zero operand, or a
/// dividend below the divisor), else one per pair of significant limbs (divisor `m`,
/// dividend `n`, `1 <= m <= n <= 4`).
pub const DIVISION_CLASSES: usize = 11;
/// Operand classes of ADDMOD and MULMOD: the modulus' significant limbs, 0 to 4.
pub const MODULAR_CLASSES: usize = 5;

/// The division opcodes, in [`DIVISION`]'s order.
pub const DIVISION_OPCODES: [u8; 4] = [0x04, 0x05, 0x06, 0x07];
/// The modular opcodes, in [`MODULAR`]'s order.
pub const MODULAR_OPCODES: [u8; 2] = [0x08, 0x09];
/// The copying opcodes, in [`COPY_BYTE`]'s order: CALLDATACOPY, CODECOPY, RETURNDATACOPY,
/// MCOPY, EXTCODECOPY.
pub const COPY_OPCODES: [u8; 5] = [0x37, 0x39, 0x3e, 0x5e, 0x3c];
/// EXP.
pub const EXP: u8 = 0x0a;
/// CREATE and CREATE2.
pub const CREATE_OPCODES: [u8; 2] = [0xf0, 0xf5];

/// Significant limbs of `word` (0 for zero).
pub fn significant_limbs(word: &Limbs) -> usize {
    word.iter().rposition(|limb| *limb != 0).map_or(0, |top| top + 1)
}

/// Significant bytes of `word` (0 for zero).
pub fn significant_bytes(word: &Limbs) -> u64 {
    match word.iter().rposition(|limb| *limb != 0) {
        None => 0,
        Some(top) => top as u64 * 8 + (8 - u64::from(word[top].leading_zeros()) / 8),
    }
}

fn is_negative(word: &Limbs) -> bool {
    word[3] >> 63 == 1
}

/// The absolute value of a two's-complement word (the most negative word stays itself).
fn absolute(word: &Limbs) -> Limbs {
    if !is_negative(word) {
        return *word;
    }
    let mut out = [0u64; 4];
    let mut carry = true;
    for (out, limb) in out.iter_mut().zip(word) {
        let (sum, overflow) = (!limb).overflowing_add(u64::from(carry));
        *out = sum;
        carry = overflow;
    }
    out
}

fn below(a: &Limbs, b: &Limbs) -> bool {
    a.iter().rev().cmp(b.iter().rev()).is_lt()
}

/// The operand class of `dividend / divisor` (and `%`): see [`DIVISION_CLASSES`].
pub fn division_class(dividend: &Limbs, divisor: &Limbs) -> usize {
    let (n, m) = (significant_limbs(dividend), significant_limbs(divisor));
    if n == 0 || m == 0 || below(dividend, divisor) {
        return 0;
    }
    // Pairs (m, n) in order: (1,1) (1,2) (1,3) (1,4) (2,2) (2,3) (2,4) (3,3) (3,4) (4,4).
    const FIRST: [usize; 5] = [0, 1, 5, 8, 10];
    FIRST[m] + (n - m)
}

/// Extra units of `opcode` from its operands, as the stack holds them before it runs
/// (`peek(0)` is the top; `None` past the bottom, where the opcode underflows).
pub fn operand_units(opcode: u8, peek: impl Fn(usize) -> Option<Limbs>) -> u64 {
    match opcode {
        0x04..=0x07 => {
            let (Some(a), Some(b)) = (peek(0), peek(1)) else { return 0 };
            let (a, b) = if opcode == 0x05 || opcode == 0x07 { (absolute(&a), absolute(&b)) } else { (a, b) };
            u64::from(DIVISION[usize::from(opcode - 0x04)][division_class(&a, &b)])
        }
        0x08 | 0x09 => {
            let Some(modulus) = peek(2) else { return 0 };
            u64::from(MODULAR[usize::from(opcode - 0x08)][significant_limbs(&modulus)])
        }
        EXP => peek(1).map_or(0, |exponent| u64::from(EXP_BYTE) * significant_bytes(&exponent)),
        _ => 0,
    }
}

/// Units `opcode` adds when it succeeds (its operand class, or the bytes it copies), from its
/// operands as the stack holds them before it runs. An opcode that fails (out of gas, stack
/// underflow, an operand out of range) does not do the work, and adds nothing.
pub fn success_units(opcode: u8, peek: impl Fn(usize) -> Option<Limbs>) -> u64 {
    match opcode {
        0x04..=0x0a => operand_units(opcode, peek),
        _ => copy_len(opcode, &peek).map_or(0, |len| copy_units(opcode, len)),
    }
}

/// Whether [`success_units`] may be non-zero for `opcode`.
pub const fn has_success_units(opcode: u8) -> bool {
    matches!(opcode, 0x04..=0x0a | 0x37 | 0x39 | 0x3e | 0x5e | 0x3c)
}

/// The length a copying opcode copies, as the stack holds it before it runs; `None` for other
/// opcodes, an underflowing stack, or a length past `u64` (which never succeeds).
pub fn copy_len(opcode: u8, peek: &impl Fn(usize) -> Option<Limbs>) -> Option<u64> {
    let depth = match opcode {
        0x37 | 0x39 | 0x3e | 0x5e => 2,
        0x3c => 3,
        _ => return None,
    };
    let len = peek(depth)?;
    (significant_limbs(&len) <= 1).then_some(len[0])
}

/// Units of a copying `opcode` that succeeded after copying `len` bytes.
pub fn copy_units(opcode: u8, len: u64) -> u64 {
    let Some(index) = COPY_OPCODES.iter().position(|op| *op == opcode) else { return 0 };
    u64::from(COPY_BYTE[index]).saturating_mul(len)
}

/// Units of a CREATE or CREATE2 that asked for a frame running `len` bytes of init code.
pub fn initcode_units(len: u64) -> u64 {
    u64::from(INITCODE_BYTE).saturating_mul(len)
}

/// Units of a frame that returned with `memory` bytes of EVM memory and `output` bytes of
/// output.
pub fn frame_end_units(memory: u64, output: u64) -> u64 {
    u64::from(MEMORY_BYTE).saturating_mul(memory).saturating_add(u64::from(OUTPUT_BYTE).saturating_mul(output))
}

/// Every table as `(kind, name, class, units)` rows, in the order of `spec/fees/units.csv`.
pub fn rows() -> alloc::vec::Vec<(&'static str, alloc::string::String, alloc::string::String, u32)> {
    use alloc::format;
    use alloc::string::{String, ToString};
    let mut rows = alloc::vec::Vec::new();
    for (opcode, units) in OPCODE.iter().enumerate() {
        rows.push(("opcode", format!("{opcode:#04x}"), String::new(), *units));
    }
    const PAIRS: [(usize, usize); DIVISION_CLASSES] =
        [(0, 0), (1, 1), (1, 2), (1, 3), (1, 4), (2, 2), (2, 3), (2, 4), (3, 3), (3, 4), (4, 4)];
    for (row, opcode) in DIVISION.iter().zip(DIVISION_OPCODES) {
        for (class, units) in row.iter().enumerate() {
            let (m, n) = PAIRS[class];
            let name = if class == 0 { "none".to_string() } else { format!("divisor-{m}-dividend-{n}") };
            rows.push(("division", format!("{opcode:#04x}"), name, *units));
        }
    }
    for (row, opcode) in MODULAR.iter().zip(MODULAR_OPCODES) {
        for (limbs, units) in row.iter().enumerate() {
            rows.push(("modular", format!("{opcode:#04x}"), format!("modulus-{limbs}"), *units));
        }
    }
    rows.push(("byte", format!("{EXP:#04x}"), "exponent".to_string(), EXP_BYTE));
    for (opcode, units) in COPY_OPCODES.iter().zip(COPY_BYTE) {
        rows.push(("byte", format!("{opcode:#04x}"), "copied".to_string(), units));
    }
    rows.push(("byte", "create".to_string(), "initcode".to_string(), INITCODE_BYTE));
    rows.push(("byte", "frame".to_string(), "memory".to_string(), MEMORY_BYTE));
    rows.push(("byte", "frame".to_string(), "output".to_string(), OUTPUT_BYTE));
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZERO: Limbs = [0; 4];
    const ONE: Limbs = [1, 0, 0, 0];
    const MAX: Limbs = [u64::MAX; 4];

    #[test]
    fn division_classes_follow_significant_limbs() {
        assert_eq!(division_class(&ONE, &ZERO), 0, "division by zero runs no division");
        assert_eq!(division_class(&ONE, &[2, 0, 0, 0]), 0, "a dividend below the divisor neither");
        assert_eq!(division_class(&[5, 0, 0, 0], &[2, 0, 0, 0]), 1);
        assert_eq!(division_class(&MAX, &ONE), 4);
        assert_eq!(division_class(&MAX, &[0, 1, 0, 0]), 7);
        assert_eq!(division_class(&MAX, &MAX), 10);
        assert_eq!(division_class(&[0, 0, 0, 1], &[0, 0, 0, 2]), 0, "same limbs, dividend below");
    }

    #[test]
    fn signed_division_classes_take_absolute_values() {
        let minus_one = MAX;
        let peek = |words: [Limbs; 2]| move |index: usize| words.get(index).copied();
        let signed = operand_units(0x05, peek([minus_one, [3, 0, 0, 0]]));
        assert_eq!(signed, u64::from(DIVISION[1][0]), "|-1| / 3 runs no division");
        let unsigned = operand_units(0x04, peek([minus_one, [3, 0, 0, 0]]));
        assert_eq!(unsigned, u64::from(DIVISION[0][4]));
        assert_eq!(absolute(&[0, 0, 0, 1 << 63]), [0, 0, 0, 1 << 63], "the most negative word is itself");
    }

    #[test]
    fn bytes_and_lengths() {
        assert_eq!(significant_bytes(&ZERO), 0);
        assert_eq!(significant_bytes(&ONE), 1);
        assert_eq!(significant_bytes(&[0x100, 0, 0, 0]), 2);
        assert_eq!(significant_bytes(&MAX), 32);
        let stack = [ZERO, ZERO, [7, 0, 0, 0]];
        assert_eq!(copy_len(0x37, &|index| stack.get(index).copied()), Some(7));
        assert_eq!(copy_len(0x3c, &|index| stack.get(index).copied()), None, "EXTCODECOPY underflows");
        assert_eq!(copy_len(0x01, &|index| stack.get(index).copied()), None);
        let huge = [ZERO, ZERO, [0, 1, 0, 0]];
        assert_eq!(copy_len(0x5e, &|index| huge.get(index).copied()), None);
        assert_eq!(success_units(0x37, |index| stack.get(index).copied()), 7 * u64::from(COPY_BYTE[0]));
        assert_eq!(operand_units(0x09, |_| None), 0, "an underflowing stack adds nothing");
    }
}
