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
//! frames) it counts itself. Each row of the tables is a [`feature`]: `evmpc estimate` fits a
//! weight to each.

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
pub fn absolute(word: &Limbs) -> Limbs {
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

/// Every kind of thing the guest counts, as one index space: a unit table entry each.
///
/// The guest adds [`weight`] units per feature it meets; native revm counts the features
/// themselves (`evmpc-host`'s `UnitCounter`), which is what `evmpc estimate` fits the
/// weights to.
pub mod feature {
    /// How many features there are.
    pub const COUNT: usize = 319;
    /// An executed opcode.
    pub const fn opcode(opcode: u8) -> usize {
        opcode as usize
    }
    /// A division opcode (row of [`DIVISION_OPCODES`](super::DIVISION_OPCODES)) of an
    /// operand class.
    pub const fn division(row: usize, class: usize) -> usize {
        256 + row * super::DIVISION_CLASSES + class
    }
    /// A modular opcode (row of [`MODULAR_OPCODES`](super::MODULAR_OPCODES)) of a modulus size.
    pub const fn modular(row: usize, class: usize) -> usize {
        300 + row * super::MODULAR_CLASSES + class
    }
    /// A significant byte of an EXP's exponent.
    pub const EXP_BYTE: usize = 310;
    /// A byte copied by a copying opcode (row of [`COPY_OPCODES`](super::COPY_OPCODES)).
    pub const fn copy(row: usize) -> usize {
        311 + row
    }
    /// A byte of init code a create runs.
    pub const INITCODE_BYTE: usize = 316;
    /// A byte of a returning frame's memory.
    pub const MEMORY_BYTE: usize = 317;
    /// A byte of a returning frame's output.
    pub const OUTPUT_BYTE: usize = 318;
}

/// The units of one `feature` ([`feature`]), from the tables.
pub fn weight(feature: usize) -> u32 {
    match feature {
        0..=255 => OPCODE[feature],
        256..=299 => DIVISION[(feature - 256) / DIVISION_CLASSES][(feature - 256) % DIVISION_CLASSES],
        300..=309 => MODULAR[(feature - 300) / MODULAR_CLASSES][(feature - 300) % MODULAR_CLASSES],
        feature::EXP_BYTE => EXP_BYTE,
        311..=315 => COPY_BYTE[feature - 311],
        feature::INITCODE_BYTE => INITCODE_BYTE,
        feature::MEMORY_BYTE => MEMORY_BYTE,
        feature::OUTPUT_BYTE => OUTPUT_BYTE,
        _ => 0,
    }
}

/// What `opcode` counts when it succeeds, from its operands as the stack holds them before it
/// runs (`peek(0)` is the top; `None` past the bottom, where the opcode underflows): a feature
/// and how many of it (its operand class once, exponent bytes, bytes copied). An opcode that
/// fails (out of gas, stack underflow, an operand out of range) does not do the work, and
/// counts nothing.
pub fn success_feature(opcode: u8, peek: impl Fn(usize) -> Option<Limbs>) -> Option<(usize, u64)> {
    match opcode {
        0x04..=0x07 => {
            let (a, b) = (peek(0)?, peek(1)?);
            let (a, b) = if is_signed_division(opcode) { (absolute(&a), absolute(&b)) } else { (a, b) };
            Some((feature::division(usize::from(opcode - 0x04), division_class(&a, &b)), 1))
        }
        0x08 | 0x09 => {
            let modulus = peek(2)?;
            Some((feature::modular(usize::from(opcode - 0x08), significant_limbs(&modulus)), 1))
        }
        EXP => Some((feature::EXP_BYTE, significant_bytes(&peek(1)?))),
        _ => {
            let row = COPY_OPCODES.iter().position(|op| *op == opcode)?;
            Some((feature::copy(row), copy_len(opcode, &peek)?))
        }
    }
}

/// Whether a division opcode (`0x04..=0x07`) divides two's-complement words: SDIV, SMOD.
pub const fn is_signed_division(opcode: u8) -> bool {
    opcode == 0x05 || opcode == 0x07
}

/// The units a division opcode adds when it succeeds, from the operands its class is taken
/// from: the words themselves for DIV and MOD, their [`absolute`] values for SDIV and SMOD.
/// What [`success_units`] counts for it, for a caller that holds those values already.
pub fn division_units(opcode: u8, dividend: &Limbs, divisor: &Limbs) -> u64 {
    u64::from(DIVISION[usize::from(opcode - 0x04)][division_class(dividend, divisor)])
}

/// The units of [`success_feature`].
pub fn success_units(opcode: u8, peek: impl Fn(usize) -> Option<Limbs>) -> u64 {
    success_feature(opcode, peek).map_or(0, |(feature, count)| u64::from(weight(feature)).saturating_mul(count))
}

/// Whether [`success_feature`] may count something for `opcode`.
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

/// Units of a CREATE or CREATE2 that asked for a frame running `len` bytes of init code.
pub fn initcode_units(len: u64) -> u64 {
    u64::from(INITCODE_BYTE).saturating_mul(len)
}

/// Units of a frame that returned with `memory` bytes of EVM memory and `output` bytes of
/// output.
pub fn frame_end_units(memory: u64, output: u64) -> u64 {
    u64::from(MEMORY_BYTE).saturating_mul(memory).saturating_add(u64::from(OUTPUT_BYTE).saturating_mul(output))
}

/// The name of `feature` as `spec/fees/units.csv` writes it: `(kind, name, class)`.
pub fn feature_name(feature: usize) -> (&'static str, alloc::string::String, alloc::string::String) {
    use alloc::format;
    use alloc::string::{String, ToString};
    const PAIRS: [(usize, usize); DIVISION_CLASSES] =
        [(0, 0), (1, 1), (1, 2), (1, 3), (1, 4), (2, 2), (2, 3), (2, 4), (3, 3), (3, 4), (4, 4)];
    match feature {
        0..=255 => ("opcode", format!("{feature:#04x}"), String::new()),
        256..=299 => {
            let (row, class) = ((feature - 256) / DIVISION_CLASSES, (feature - 256) % DIVISION_CLASSES);
            let (m, n) = PAIRS[class];
            let name = if class == 0 { "none".to_string() } else { format!("divisor-{m}-dividend-{n}") };
            ("division", format!("{:#04x}", DIVISION_OPCODES[row]), name)
        }
        300..=309 => {
            let (row, class) = ((feature - 300) / MODULAR_CLASSES, (feature - 300) % MODULAR_CLASSES);
            ("modular", format!("{:#04x}", MODULAR_OPCODES[row]), format!("modulus-{class}"))
        }
        feature::EXP_BYTE => ("byte", format!("{EXP:#04x}"), "exponent".to_string()),
        311..=315 => ("byte", format!("{:#04x}", COPY_OPCODES[feature - 311]), "copied".to_string()),
        feature::INITCODE_BYTE => ("byte", "create".to_string(), "initcode".to_string()),
        feature::MEMORY_BYTE => ("byte", "frame".to_string(), "memory".to_string()),
        _ => ("byte", "frame".to_string(), "output".to_string()),
    }
}

/// Every table as `(kind, name, class, units)` rows, in the order of `spec/fees/units.csv`.
pub fn rows() -> alloc::vec::Vec<(&'static str, alloc::string::String, alloc::string::String, u32)> {
    (0..feature::COUNT)
        .map(|index| {
            let (kind, name, class) = feature_name(index);
            (kind, name, class, weight(index))
        })
        .collect()
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
        let signed = success_feature(0x05, peek([minus_one, [3, 0, 0, 0]]));
        assert_eq!(signed, Some((feature::division(1, 0), 1)), "|-1| / 3 runs no division");
        let unsigned = success_feature(0x04, peek([minus_one, [3, 0, 0, 0]]));
        assert_eq!(unsigned, Some((feature::division(0, 4), 1)));
        assert_eq!(absolute(&[0, 0, 0, 1 << 63]), [0, 0, 0, 1 << 63], "the most negative word is itself");
    }

    #[test]
    fn division_units_are_what_success_units_counts() {
        let words = [ZERO, ONE, [5, 0, 0, 0], [0, 3, 0, 0], [7, 0, 9, 0], MAX, [0, 0, 0, 1 << 63], [1, 2, 3, 1 << 62]];
        for opcode in DIVISION_OPCODES {
            for dividend in words {
                for divisor in words {
                    let (a, b) = if is_signed_division(opcode) {
                        (absolute(&dividend), absolute(&divisor))
                    } else {
                        (dividend, divisor)
                    };
                    let stack = [dividend, divisor];
                    let expected = success_units(opcode, |index| stack.get(index).copied());
                    assert_eq!(division_units(opcode, &a, &b), expected, "{opcode:#04x} {dividend:?} {divisor:?}");
                }
            }
        }
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
        assert_eq!(success_units(0x09, |_| None), 0, "an underflowing stack adds nothing");
        assert_eq!(
            success_feature(0x0a, |index| [ZERO, [0x1234, 0, 0, 0]].get(index).copied()),
            Some((feature::EXP_BYTE, 2))
        );
    }

    #[test]
    fn every_feature_has_its_own_row() {
        let rows = rows();
        assert_eq!(rows.len(), feature::COUNT);
        for (index, row) in rows.iter().enumerate() {
            assert!(rows[index + 1..].iter().all(|other| (other.0, &other.1, &other.2) != (row.0, &row.1, &row.2)));
        }
        assert_eq!(feature::modular(1, 4) + 1, feature::EXP_BYTE);
        assert_eq!(feature::division(3, DIVISION_CLASSES - 1) + 1, feature::modular(0, 0));
    }
}
