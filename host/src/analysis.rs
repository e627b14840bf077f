//! JUMPDEST analysis on the node's side.
//!
//! The guest runs an account's code with the JUMPDEST bitmap the node sends through the
//! `code_load` import, so it never scans code itself: a node analyses each code once, as
//! native revm's state keeps analysed bytecode. The bitmap is revm's: bit `i % 8` of byte
//! `i / 8` is set iff byte `i` is a JUMPDEST outside PUSH data.

use revm::primitives::Bytes;
use revm::state::Bytecode;

/// Bytes of the JUMPDEST bitmap of `code_len` bytes of code.
pub const fn jump_table_len(code_len: usize) -> usize {
    code_len.div_ceil(8)
}

/// Writes the JUMPDEST bitmap of `code` into `out` ([`jump_table_len`] bytes; any further
/// bytes are zeroed).
pub fn write_jump_table(code: &[u8], out: &mut [u8]) {
    let bytecode = Bytecode::new_legacy(Bytes::copy_from_slice(code));
    copy_jump_table(&bytecode, out);
}

/// Writes the JUMPDEST bitmap revm keeps with `bytecode` into `out`, analysing the code
/// when revm keeps none (an EIP-7702 delegation run as code).
pub fn copy_jump_table(bytecode: &Bytecode, out: &mut [u8]) {
    match bytecode.legacy_jump_table() {
        Some(table) => {
            let table = table.as_slice();
            let copied = table.len().min(out.len());
            out[..copied].copy_from_slice(&table[..copied]);
            out[copied..].fill(0);
        }
        None => write_jump_table(bytecode.original_byte_slice(), out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bitmap(code: &[u8]) -> Vec<u8> {
        let mut out = vec![0xff; jump_table_len(code.len())];
        write_jump_table(code, &mut out);
        out
    }

    #[test]
    fn marks_jumpdests_outside_push_data() {
        // JUMPDEST, PUSH1 0x5b, JUMPDEST, PUSH2 0x5b5b, STOP, JUMPDEST
        let code = [0x5b, 0x60, 0x5b, 0x5b, 0x61, 0x5b, 0x5b, 0x00, 0x5b];
        assert_eq!(bitmap(&code), vec![0b0000_1001, 0b0000_0001]);
    }

    #[test]
    fn empty_code_has_an_empty_bitmap_and_a_trailing_push_is_data() {
        assert!(bitmap(&[]).is_empty());
        assert_eq!(bitmap(&[0x7f, 0x5b]), vec![0]);
    }

    #[test]
    fn a_delegation_is_analysed_as_code() {
        let mut delegate = [0u8; 20];
        delegate[19] = 0x5b;
        let bytecode = Bytecode::new_eip7702(revm::primitives::Address::from(delegate));
        let mut out = vec![0xff; jump_table_len(23)];
        copy_jump_table(&bytecode, &mut out);
        assert_eq!(out, bitmap(bytecode.original_byte_slice()));
    }
}
