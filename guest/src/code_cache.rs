//! Analysed account code, kept for the session and keyed by code hash.
//!
//! A contract called a thousand times in a transaction is read through the `code_load`
//! import once, as native revm reuses the analysed bytecode of its state cache. The node
//! sends the JUMPDEST bitmap with the code, so the guest never scans code: a session that
//! calls many distinct contracts pays one copy per code, not an analysis. The cache never
//! evicts: an attacker could otherwise cycle through more codes than it holds and pay for
//! a warm CALL what a reload costs. Its size is bounded by [`MAX_CODE_CACHE`] instead; a
//! frame whose new code would pass it halts.

use crate::allocator;
use crate::imports::{self, ptr};
use alloc::alloc::{handle_alloc_error, Layout};
use alloc::collections::BTreeMap;
use evmpc_abi::limits::{CODE_PADDING, MAX_CODE_CACHE};
use evmpc_abi::{Address, Word};
use revm_interpreter::bytecode::JumpTable;
use revm_interpreter::primitives::Bytes;
use revm_interpreter::state::Bytecode;

/// Zero bytes after the code: a PUSH32 in the last byte reads its 32 immediate bytes and
/// then a STOP, as in revm's own padding (one more for an immediate-taking opcode).
const PADDING: usize = CODE_PADDING;

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
        let code = if len == 0 { Bytecode::new() } else { Self::load(address, hash, len) };
        self.entries.insert(*hash, code.clone());
        self.bytes = total;
        Ok(code)
    }

    /// Reads the code through `code_load` into a block nothing wrote in the session
    /// ([`allocator::take_unwritten`]): the code, [`PADDING`] zeros (the block's own) and the
    /// bitmap. The node either writes the code and the bitmap there, or serves both from
    /// memory of its own past the cap in the same layout and leaves the block unwritten,
    /// which its reset relies on; the guest takes the block either way, so its memory is the
    /// same on every node, and never writes it or frees it (the cache never evicts).
    fn load(address: &Address, hash: &Word, len: usize) -> Bytecode {
        let table_len = len.div_ceil(8);
        let size = len + PADDING + table_len;
        let block = allocator::take_unwritten(size)
            .unwrap_or_else(|| handle_alloc_error(Layout::from_size_align(size, 1).unwrap_or(Layout::new::<u8>())));
        let dest = block.as_ptr() as usize;
        // SAFETY: the block holds `size` bytes; the import writes `len` at `dest` and
        // `table_len` after the padding, or none.
        let served = unsafe {
            imports::code_load(ptr(address), ptr(hash), dest as i32, len as i32, (dest + len + PADDING) as i32) as u32
                as usize
        };
        // SAFETY: the code, the padding and the bitmap lie at `served` (the block, or the
        // node's memory), unchanged for the session, which no `Bytecode` outlives (the
        // instance's memory is reset after it); `PADDING` zeros follow the code, as revm's
        // analysis pads it, so no immediate read runs past it. Bits of the bitmap past `len`
        // are never consulted: a jump beyond the code is invalid by length.
        unsafe {
            let code = core::slice::from_raw_parts(served as *const u8, len + PADDING);
            let bitmap = core::slice::from_raw_parts((served + len + PADDING) as *const u8, table_len);
            Bytecode::new_analyzed(Bytes::from_static(code), len, JumpTable::from_static_slice(bitmap, len))
        }
    }
}
