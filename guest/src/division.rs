//! DIV, SDIV, MOD and SMOD with their units: revm's bodies (`arithmetic::{div, sdiv, rem,
//! smod}` over `i256_div` and `i256_mod`) step for step, with the absolute values of a
//! signed division's operands taken once, for both the result and the units
//! ([`units::division_units`]).
//!
//! Counted around revm's bodies, a signed division took both absolute values twice and moved
//! each word through the shadow stack between the steps: 238 instructions around the
//! division itself on snailtracer, whose SDIVs are 3% of its opcodes.

use crate::host::ImportHost;
use crate::operand_stack::GuestTypes;
use evmpc_abi::units::{self, Limbs};
use revm_interpreter::bytecode::opcode::{DIV, MOD, SDIV, SMOD};
use revm_interpreter::interpreter_types::StackTr;
use revm_interpreter::primitives::U256;
use revm_interpreter::{InstructionContext, InstructionResult};

type Ctx<'a> = InstructionContext<'a, ImportHost, GuestTypes>;

/// The sign bit of a word's top limb.
const SIGN: u64 = 1 << 63;
/// The most negative two's-complement word.
const MOST_NEGATIVE: Limbs = [0, 0, 0, SIGN];

/// DIV: `a / b` of the top two words (`a` on top), 0 when `b` is 0.
#[inline(never)]
pub(crate) fn div(ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    unsigned::<DIV>(ctx, unsigned_quotient)
}

/// MOD: `a % b` of the top two words (`a` on top), 0 when `b` is 0.
#[inline(never)]
pub(crate) fn rem(ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    unsigned::<MOD>(ctx, unsigned_remainder)
}

/// SDIV: `a / b` in two's complement ([`quotient`]).
#[inline(never)]
pub(crate) fn sdiv(ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    signed::<SDIV>(ctx, quotient)
}

/// SMOD: the remainder of `a / b` in two's complement ([`remainder`]).
#[inline(never)]
pub(crate) fn smod(ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    signed::<SMOD>(ctx, remainder)
}

/// `a / b` truncated toward zero, as revm's `i256_div`: 0 when `b` is 0, and the most
/// negative word for the most negative word divided by 1 (or by -1).
#[inline(always)]
fn quotient(a: Signed, b: Signed) -> U256 {
    if b.is_zero() {
        return U256::ZERO;
    }
    // |MIN| is MIN itself, and MIN / 1 would lose its sign below.
    if a.abs == MOST_NEGATIVE && b.abs == [1, 0, 0, 0] {
        return U256::from_limbs(MOST_NEGATIVE);
    }
    let mut quotient = unsigned_quotient(&a.abs, &b.abs);
    quotient[3] &= !SIGN;
    let quotient = U256::from_limbs(quotient);
    if a.negative != b.negative {
        quotient.wrapping_neg()
    } else {
        quotient
    }
}

/// `a / b` of a non-zero `b` ([`narrow`] when it can).
#[inline(always)]
fn unsigned_quotient(a: &Limbs, b: &Limbs) -> Limbs {
    match narrow(a, b) {
        Some((a, b)) if a >> 64 == 0 => wide(u128::from(a as u64 / b as u64)),
        Some((a, b)) => wide(a / b),
        None => *U256::from_limbs(*a).div_rem(U256::from_limbs(*b)).0.as_limbs(),
    }
}

/// `a % b` of a non-zero `b` ([`narrow`] when it can).
#[inline(always)]
fn unsigned_remainder(a: &Limbs, b: &Limbs) -> Limbs {
    match narrow(a, b) {
        Some((a, b)) if a >> 64 == 0 => wide(u128::from(a as u64 % b as u64)),
        Some((a, b)) => wide(a % b),
        None => *U256::from_limbs(*a).div_rem(U256::from_limbs(*b)).1.as_limbs(),
    }
}

/// The operands as a 128-bit dividend and a 64-bit divisor, when they fit: divided as
/// integers of those widths (one `i64.div_u` when the dividend fits in 64 bits too) instead
/// of by ruint's long division over four limbs, which fixed-point code's divisions rarely
/// need.
#[inline(always)]
fn narrow(a: &Limbs, b: &Limbs) -> Option<(u128, u128)> {
    if b[1] != 0 || b[2] != 0 || b[3] != 0 || a[2] != 0 || a[3] != 0 {
        return None;
    }
    Some((u128::from(a[1]) << 64 | u128::from(a[0]), u128::from(b[0])))
}

/// A 128-bit result as limbs.
#[inline(always)]
fn wide(value: u128) -> Limbs {
    [value as u64, (value >> 64) as u64, 0, 0]
}

/// The remainder of `a / b` with the sign of `a`, as revm's `i256_mod`: 0 when `a` or `b`
/// is 0.
#[inline(always)]
fn remainder(a: Signed, b: Signed) -> U256 {
    if a.is_zero() || b.is_zero() {
        return U256::ZERO;
    }
    let mut remainder = unsigned_remainder(&a.abs, &b.abs);
    remainder[3] &= !SIGN;
    let remainder = U256::from_limbs(remainder);
    if a.negative {
        remainder.wrapping_neg()
    } else {
        remainder
    }
}

/// A two's-complement operand: its sign and its absolute value ([`units::absolute`]).
#[derive(Clone, Copy)]
struct Signed {
    negative: bool,
    abs: Limbs,
}

impl Signed {
    fn of(word: &U256) -> Signed {
        let limbs = word.as_limbs();
        Signed { negative: limbs[3] & SIGN != 0, abs: units::absolute(limbs) }
    }

    fn is_zero(&self) -> bool {
        self.abs == [0; 4]
    }
}

/// Pops `a`, replaces `b` below it with `result(a, b)` (0 when `b` is 0) and counts the
/// units of dividing the words themselves.
#[inline(always)]
fn unsigned<const OPCODE: u8>(ctx: Ctx<'_>, result: impl Fn(&Limbs, &Limbs) -> Limbs) -> Result<(), InstructionResult> {
    let Some(([a], b)) = ctx.interpreter.stack.popn_top::<1>() else {
        return Err(InstructionResult::StackUnderflow);
    };
    ctx.host.units += units::division_units(OPCODE, a.as_limbs(), b.as_limbs());
    if !b.is_zero() {
        *b = U256::from_limbs(result(a.as_limbs(), b.as_limbs()));
    }
    Ok(())
}

/// Pops `a`, replaces `b` below it with `result(a, b)` and counts the units of dividing the
/// absolute values.
#[inline(always)]
fn signed<const OPCODE: u8>(ctx: Ctx<'_>, result: impl Fn(Signed, Signed) -> U256) -> Result<(), InstructionResult> {
    let Some(([a], b)) = ctx.interpreter.stack.popn_top::<1>() else {
        return Err(InstructionResult::StackUnderflow);
    };
    let (a, divisor) = (Signed::of(&a), Signed::of(b));
    ctx.host.units += units::division_units(OPCODE, &a.abs, &divisor.abs);
    *b = result(a, divisor);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm_interpreter::instructions::i256::{i256_div, i256_mod};

    fn words() -> impl Iterator<Item = U256> + Clone {
        let limbs: [Limbs; 14] = [
            [u64::MAX, 0, 0, 0],
            [5, u64::MAX, 0, 0],
            [0; 4],
            [1, 0, 0, 0],
            [2, 0, 0, 0],
            [7, 0, 0, 0],
            [u64::MAX; 4],
            [u64::MAX - 1, u64::MAX, u64::MAX, u64::MAX],
            MOST_NEGATIVE,
            [1, 0, 0, SIGN],
            [0, 0, 0, SIGN - 1],
            [u64::MAX, u64::MAX, u64::MAX, SIGN - 1],
            [0x1234_5678_9abc_def0, 0x0fed_cba9, 0, 0],
            [3, 5, 7, SIGN | 11],
        ];
        limbs.into_iter().map(U256::from_limbs)
    }

    #[test]
    fn signed_results_are_revms() {
        for a in words() {
            for b in words() {
                let (sa, sb) = (Signed::of(&a), Signed::of(&b));
                assert_eq!(quotient(sa, sb), i256_div(a, b), "{a:#x} sdiv {b:#x}");
                assert_eq!(remainder(sa, sb), i256_mod(a, b), "{a:#x} smod {b:#x}");
            }
        }
    }

    #[test]
    fn unsigned_results_are_ruints() {
        for a in words() {
            for b in words().filter(|b| !b.is_zero()) {
                assert_eq!(U256::from_limbs(unsigned_quotient(a.as_limbs(), b.as_limbs())), a / b, "{a:#x} / {b:#x}");
                assert_eq!(U256::from_limbs(unsigned_remainder(a.as_limbs(), b.as_limbs())), a % b, "{a:#x} % {b:#x}");
            }
        }
    }

    #[test]
    fn signed_units_are_those_success_units_counts() {
        for opcode in [SDIV, SMOD] {
            for a in words() {
                for b in words() {
                    let stack = [*a.as_limbs(), *b.as_limbs()];
                    let expected = units::success_units(opcode, |depth| stack.get(depth).copied());
                    let (sa, sb) = (Signed::of(&a), Signed::of(&b));
                    assert_eq!(units::division_units(opcode, &sa.abs, &sb.abs), expected);
                }
            }
        }
    }
}
