//! Test programs are written in `evmpc_oracle::asm`'s assembly.

pub(crate) use evmpc_oracle::asm::asm;

/// `…; return the top of the stack as one 32-byte word`.
pub(crate) fn ret_top(body: &str) -> Vec<u8> {
    asm(&format!("{body} PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN"))
}
