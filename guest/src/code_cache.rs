//! Analysed account code, kept for the session and keyed by code hash.
//!
//! A contract called a thousand times in a transaction is read through the `code_copy`
//! import and analysed (JUMPDEST table) once, as native revm reuses the analysed bytecode
//! of its state cache. The cache never evicts: an attacker could otherwise cycle through
//! more codes than it holds and pay for a warm CALL what a re-analysis costs. Its size is
//! bounded by [`MAX_CODE_CACHE`] instead; a frame whose new code would pass it halts.

use crate::imports::{self, ptr};
use alloc::collections::BTreeMap;
use alloc::vec;
use evmpc_abi::limits::MAX_CODE_CACHE;
use evmpc_abi::{Address, Word};
use revm_interpreter::primitives::Bytes;
use revm_interpreter::state::Bytecode;

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
    /// `code_copy` import (`len` bytes), analysed and kept.
    pub(crate) fn get_or_load(&mut self, address: &Address, hash: &Word, len: u32) -> Result<Bytecode, CacheFull> {
        if let Some(code) = self.entries.get(hash) {
            return Ok(code.clone());
        }
        let len = len as usize;
        let total = self.bytes.checked_add(len).filter(|total| *total <= MAX_CODE_CACHE).ok_or(CacheFull)?;
        let mut bytes = vec![0u8; len];
        if len > 0 {
            // SAFETY: `bytes` is `len` writable bytes of guest memory; `address` is 20 bytes.
            unsafe { imports::code_copy(ptr(address), 0, bytes.as_mut_ptr() as usize as i32, len as i32) };
        }
        let code = Bytecode::new_legacy(Bytes::from(bytes));
        self.entries.insert(*hash, code.clone());
        self.bytes = total;
        Ok(code)
    }
}
