//! Analysed account code, kept for the session and keyed by code hash.
//!
//! A contract called a thousand times in a transaction is read through the `code_load`
//! import once, as native revm reuses the analysed bytecode of its state cache. The node
//! sends the JUMPDEST bitmap with the code, so the guest never scans code: a session that
//! calls many distinct contracts pays one copy per code, not an analysis. The cache never
//! evicts: an attacker could otherwise cycle through more codes than it holds and pay for
//! a warm CALL what a reload costs. Its size is bounded by [`MAX_CODE_CACHE`] instead; a
//! frame whose new code would pass it halts.

use crate::imports::{self, ptr};
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use evmpc_abi::limits::MAX_CODE_CACHE;
use evmpc_abi::{Address, Word};
use revm_interpreter::bytecode::bitvec::vec::BitVec;
use revm_interpreter::bytecode::JumpTable;
use revm_interpreter::primitives::Bytes;
use revm_interpreter::state::Bytecode;

/// Zero bytes after the code: a PUSH32 in the last byte reads its 32 immediate bytes and
/// then a STOP, as in revm's own padding (one more for an immediate-taking opcode).
const PADDING: usize = 34;

/// The session's analysed account code.
#[derive(Default)]
pub(crate) struct CodeCache {
    entries: BTreeMap<Word, Bytecode>,
    /// Sum of the lengths of the cached codes.
    bytes: usize,
}

/// The code would push the cache past [`MAX_CODE_CACHE`].
pub(crate) struct CacheFull;

impl CodeCache {
    /// The analysed code with `hash`: from the cache, or read from `address` through the
    /// `code_load` import (`len` bytes and their JUMPDEST bitmap) and kept.
    pub(crate) fn get_or_load(&mut self, address: &Address, hash: &Word, len: u32) -> Result<Bytecode, CacheFull> {
        if let Some(code) = self.entries.get(hash) {
            return Ok(code.clone());
        }
        let len = len as usize;
        let total = self.bytes.checked_add(len).filter(|total| *total <= MAX_CODE_CACHE).ok_or(CacheFull)?;
        let code = if len == 0 { Bytecode::new() } else { Self::load(address, len) };
        self.entries.insert(*hash, code.clone());
        self.bytes = total;
        Ok(code)
    }

    fn load(address: &Address, len: usize) -> Bytecode {
        let mut code = Vec::with_capacity(len + PADDING);
        let mut bitmap = Vec::with_capacity(len.div_ceil(8));
        // SAFETY: `code` has capacity for `len` bytes and `bitmap` for `(len + 7) / 8`; the
        // import writes exactly those, then `set_len` exposes what it wrote.
        unsafe {
            imports::code_load(
                ptr(address),
                code.as_mut_ptr() as usize as i32,
                len as i32,
                bitmap.as_mut_ptr() as usize as i32,
            );
            code.set_len(len);
            bitmap.set_len(len.div_ceil(8));
        }
        code.resize(len + PADDING, 0);
        // Bits past `len` are never consulted: a jump beyond the code is invalid by length.
        let mut bits = BitVec::<u8>::from_vec(bitmap);
        bits.truncate(len);
        let jump_table = JumpTable::new(bits);
        // SAFETY: `PADDING` zero bytes follow the code, as revm's analysis pads it, so no
        // immediate read runs past the allocation.
        unsafe { Bytecode::new_analyzed(Bytes::from(code), len, jump_table) }
    }
}
