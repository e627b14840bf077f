//! Pieces of attack and estimator programs, in the project's assembler.

use evmpc_oracle::asm::asm;

/// `PUSH20 address`.
pub(crate) fn push(address: [u8; 20]) -> String {
    format!("PUSH20 0x{}", hex::encode(address))
}

/// `setup`, then `body` forever: the loop ends when the gas does.
pub(crate) fn looping(setup: &str, body: &str) -> String {
    format!("{setup} top: JUMPDEST {body} @top JUMP")
}

/// Expands memory to `bytes` once, before the loop (paid once).
pub(crate) fn expand(bytes: u32) -> String {
    format!("PUSH1 0x01 PUSH4 {:#x} MSTORE", bytes - 32)
}

/// A call with all gas to `to`, passing memory `0..input` and copying `output` bytes back to
/// memory 0; the success flag is dropped.
pub(crate) fn call(op: &str, to: [u8; 20], input: u32, output: u32) -> String {
    let value = if matches!(op, "CALL" | "CALLCODE") { "PUSH1 0x00" } else { "" };
    format!("PUSH4 {output:#x} PUSH1 0x00 PUSH4 {input:#x} PUSH1 0x00 {value} {} GAS {op} POP", push(to))
}

/// `op` in a loop on two (or three) 256-bit operands pushed each time.
pub(crate) fn arithmetic(operands: &[&str], op: &str) -> String {
    let pushes: Vec<String> = operands.iter().map(|word| format!("PUSH32 {word}")).collect();
    looping("", &format!("{} {op} POP", pushes.join(" ")))
}

/// `len` bytes of code starting with STOP, the rest a mix of pushes and jump destinations
/// (so that analysis has work to do), unique by `salt`.
pub(crate) fn big_code(len: usize, salt: u16) -> Vec<u8> {
    let mut code = asm(&format!("PUSH2 {salt:#x} POP STOP"));
    code.extend([0x60, 0x5b, 0x5b, 0x7f].iter().cycle().take(len.saturating_sub(code.len())));
    code
}

pub(crate) const MAX: &str = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
pub(crate) const ODD: &str = "0xfedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543211";
pub(crate) const DIVISOR: &str = "0x0123456789abcdef0123456789abcdef01";
pub(crate) const NEGATIVE: &str = "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff3";
