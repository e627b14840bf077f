//! Analysed code an instance keeps in its own linear memory past the guest's cap, across
//! sessions.
//!
//! Each session reads every code it runs through `code_load` into blocks of its heap, and a
//! reset zeroes them again: for a transaction calling hundreds of distinct 24 KiB contracts
//! that copy and that zeroing are most of its time, where native revm reads its state
//! cache. An instance reused across sessions (`backend::wasmtime`) instead keeps each code
//! and its bitmap once, by code hash, in a window of memory past
//! [`MAX_GUEST_MEMORY`](evmpc_abi::limits::MAX_GUEST_MEMORY), which the guest never uses
//! for itself, and `code_load` answers with its place there. The guest still takes its
//! blocks, so its memory and its fee are the same on every node, and leaves them unwritten,
//! so the reset skips them ([`CodeWindow::unwritten`]).
//!
//! Entries are added while a session runs and only dropped between sessions, all at once,
//! after a session found the window full: a code the guest holds stays where it was served.

use evmpc_abi::limits::CODE_PADDING;
use evmpc_abi::Word;
use std::collections::HashMap;
use std::ops::Range;

/// Codes kept at `[start, end)` of an instance's memory, and the blocks of the running
/// session that the guest took for codes served from there.
#[derive(Debug)]
pub(crate) struct CodeWindow {
    start: usize,
    end: usize,
    /// Where the next code goes.
    next: usize,
    /// Each kept code's place, by code hash.
    placed: HashMap<Word, usize>,
    /// The session's blocks that nothing wrote: the guest's promise for a served code.
    unwritten: Vec<Range<usize>>,
    /// A code of this session did not fit.
    overflowed: bool,
}

/// Bytes a code of `len` takes in the window: the code, its padding and its bitmap.
pub(crate) fn entry_len(len: usize) -> usize {
    len + CODE_PADDING + len.div_ceil(8)
}

impl CodeWindow {
    /// An empty window over `[start, end)`.
    pub(crate) fn new(start: usize, end: usize) -> Self {
        CodeWindow { start, end, next: start, placed: HashMap::new(), unwritten: Vec::new(), overflowed: false }
    }

    /// Where the code with `hash` is kept, if it is.
    pub(crate) fn find(&self, hash: &Word) -> Option<usize> {
        self.placed.get(hash).copied()
    }

    /// Room for a code of `len` bytes, or `None` (recorded) when the window is full. The
    /// caller writes the entry there, then [`keep`](Self::keep)s it.
    pub(crate) fn room(&mut self, len: usize) -> Option<Range<usize>> {
        let end = self.next.checked_add(entry_len(len)).filter(|end| *end <= self.end);
        self.overflowed |= end.is_none();
        Some(self.next..end?)
    }

    /// Keeps the entry just written at `at` (from [`room`](Self::room)) for `hash`.
    pub(crate) fn keep(&mut self, hash: Word, at: Range<usize>) {
        debug_assert_eq!(at.start, self.next, "entries are written where room was given");
        self.next = at.end;
        self.placed.insert(hash, at.start);
    }

    /// Records blocks the guest took for a code served from the window: it never writes
    /// them, so the reset need not either.
    pub(crate) fn left_unwritten(&mut self, blocks: [Range<usize>; 2]) {
        self.unwritten.extend(blocks.into_iter().filter(|block| !block.is_empty()));
    }

    /// The running session's unwritten blocks, sorted by address (the guest's blocks never
    /// overlap).
    pub(crate) fn unwritten(&mut self) -> &[Range<usize>] {
        self.unwritten.sort_unstable_by_key(|block| block.start);
        &self.unwritten
    }

    /// Bytes the kept codes take.
    pub(crate) fn used(&self) -> usize {
        self.next - self.start
    }

    /// Ends the session: its blocks are forgotten, and the codes too when one did not fit,
    /// so the window follows what sessions run now.
    pub(crate) fn end_session(&mut self) {
        self.unwritten.clear();
        if std::mem::take(&mut self.overflowed) {
            self.placed.clear();
            self.next = self.start;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_kept_by_hash_until_a_session_overflows() {
        let mut window = CodeWindow::new(1000, 1000 + 2 * entry_len(100));
        let first = window.room(100).unwrap();
        assert_eq!(first, 1000..1000 + entry_len(100));
        window.keep([1; 32], first.clone());
        let second = window.room(100).unwrap();
        assert_eq!(second.start, first.end);
        window.keep([2; 32], second);
        assert_eq!(window.find(&[1; 32]), Some(1000));
        assert_eq!(window.room(1), None, "full");
        window.left_unwritten([30..40, 10..20]);
        window.left_unwritten([50..50, 60..70]);
        assert_eq!(window.unwritten(), [10..20, 30..40, 60..70], "sorted, empty blocks left out");
        window.end_session();
        assert!(window.unwritten().is_empty());
        assert_eq!((window.find(&[1; 32]), window.used()), (None, 0), "a full window starts over");
        let again = window.room(100).unwrap();
        window.keep([3; 32], again);
        window.end_session();
        assert_eq!(window.find(&[3; 32]), Some(1000), "kept while nothing overflows");
    }
}
