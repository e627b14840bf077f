//! Large blocks straight from `memory.grow`, grown in place like `mremap`.
//!
//! dlmalloc grows a block by moving it when the top of its heap is too small: a doubling
//! EVM memory buffer would be copied at each step, and every copy lands on fresh pages, which
//! the node maps one fault at a time. Blocks of at least [`LARGE`] bytes therefore take whole
//! Wasm pages of their own at the end of linear memory; one that is still last grows in place
//! (more pages, no copy), one that is not moves once to the end with room to double. Freed
//! blocks are reused by later large requests. Everything here depends only on the sequence
//! of requests, so it is the same on every node.

use core::ptr;

/// Requests of at least this many bytes are large blocks.
pub(crate) const LARGE: usize = 256 * 1024;
/// Most large blocks tracked at once; past it, requests go to dlmalloc.
const SLOTS: usize = 32;
const PAGE: usize = crate::wasm::PAGE;

#[derive(Clone, Copy)]
struct Block {
    start: usize,
    pages: usize,
    used: bool,
}

/// The large blocks, in no order.
pub(crate) struct Large {
    blocks: [Block; SLOTS],
    count: usize,
}

/// Pages holding `bytes`.
fn pages_for(bytes: usize) -> usize {
    bytes.div_ceil(PAGE)
}

/// Grows linear memory by `pages`; the start of the new pages, or `None` at the cap.
fn grow(pages: usize) -> Option<usize> {
    let previous = crate::wasm::memory_grow(pages);
    (previous != usize::MAX).then(|| previous * PAGE)
}

fn memory_end() -> usize {
    crate::wasm::memory_size() * PAGE
}

impl Large {
    pub(crate) const fn new() -> Self {
        Large { blocks: [Block { start: 0, pages: 0, used: false }; SLOTS], count: 0 }
    }

    fn index_of(&self, ptr: *mut u8) -> Option<usize> {
        self.blocks[..self.count].iter().position(|block| block.used && block.start == ptr as usize)
    }

    /// Whether `ptr` is a large block's.
    pub(crate) fn owns(&self, ptr: *mut u8) -> bool {
        self.index_of(ptr).is_some()
    }

    /// A block of at least `size` bytes (`pages` more reserved when `room`), zeroed when
    /// `zeroed`; null at the memory cap or when no slot is left (the caller falls back).
    pub(crate) fn alloc(&mut self, size: usize, zeroed: bool, room: bool) -> *mut u8 {
        let pages = pages_for(size);
        // A free block that fits without wasting more than its size.
        let reuse = (0..self.count)
            .filter(|&i| !self.blocks[i].used && self.blocks[i].pages >= pages && self.blocks[i].pages <= 2 * pages)
            .min_by_key(|&i| self.blocks[i].pages);
        if let Some(i) = reuse {
            self.blocks[i].used = true;
            let start = self.blocks[i].start as *mut u8;
            if zeroed {
                // SAFETY: the block's pages are ours and at least `size` bytes long.
                unsafe { ptr::write_bytes(start, 0, size) };
            }
            return start;
        }
        // The last free block grows to fit; fresh pages are zero, its old ones may not be.
        if let Some(i) = self.free_last() {
            let block = self.blocks[i];
            if grow(pages.saturating_sub(block.pages)).is_none() {
                return ptr::null_mut();
            }
            self.blocks[i] = Block { start: block.start, pages: pages.max(block.pages), used: true };
            if zeroed {
                // SAFETY: the block's first `block.pages` pages are ours.
                unsafe { ptr::write_bytes(block.start as *mut u8, 0, (block.pages * PAGE).min(size)) };
            }
            return block.start as *mut u8;
        }
        if self.count == SLOTS {
            return ptr::null_mut();
        }
        let reserved = if room { 2 * pages } else { pages };
        let Some(start) = grow(reserved) else { return ptr::null_mut() };
        self.blocks[self.count] = Block { start, pages: reserved, used: true };
        self.count += 1;
        start as *mut u8
    }

    /// The free block that ends where linear memory ends, if any.
    fn free_last(&self) -> Option<usize> {
        let end = memory_end();
        (0..self.count).find(|&i| !self.blocks[i].used && self.blocks[i].start + self.blocks[i].pages * PAGE == end)
    }

    /// Frees the large block at `ptr`.
    pub(crate) fn free(&mut self, ptr: *mut u8) {
        if let Some(i) = self.index_of(ptr) {
            self.blocks[i].used = false;
        }
    }

    /// Grows the block at `ptr` to `size` bytes without moving it: within its pages, or by
    /// growing memory when it ends where memory ends. `false` when it cannot.
    pub(crate) fn grow_in_place(&mut self, ptr: *mut u8, size: usize) -> bool {
        let Some(i) = self.index_of(ptr) else { return false };
        let block = self.blocks[i];
        let pages = pages_for(size);
        if pages <= block.pages {
            return true;
        }
        if block.start + block.pages * PAGE != memory_end() {
            return false;
        }
        // Double while growing, so that a buffer growing a little at a time asks rarely.
        let target = pages.max(2 * block.pages);
        let grown = grow(target - block.pages).map(|_| target).or_else(|| grow(pages - block.pages).map(|_| pages));
        match grown {
            Some(total) => {
                self.blocks[i].pages = total;
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wasm::reset_memory;

    const BLOCK_PAGES: usize = LARGE / PAGE;

    #[test]
    fn blocks_take_whole_pages_at_the_end_and_are_reused_when_freed() {
        reset_memory(2, 1024);
        let mut large = Large::new();
        let first = large.alloc(LARGE, false, false);
        let second = large.alloc(LARGE, false, false);
        assert_eq!(first as usize, 2 * PAGE);
        assert_eq!(second as usize, (2 + BLOCK_PAGES) * PAGE);
        assert!(large.owns(first) && !large.owns((PAGE) as *mut u8));
        large.free(first);
        assert!(!large.owns(first));
        assert_eq!(large.alloc(LARGE, false, false), first, "a freed block that fits is reused");
        assert_eq!(crate::wasm::memory_size(), 2 + 2 * BLOCK_PAGES, "reuse grows nothing");
    }

    #[test]
    fn only_the_last_block_grows_in_place() {
        reset_memory(2, 1024);
        let mut large = Large::new();
        let first = large.alloc(LARGE, false, false);
        assert!(large.grow_in_place(first, 2 * LARGE), "the last block grows");
        assert_eq!(crate::wasm::memory_size(), 2 + 2 * BLOCK_PAGES);
        let second = large.alloc(LARGE, false, true);
        assert_eq!(crate::wasm::memory_size(), 2 + 4 * BLOCK_PAGES, "room to double is reserved");
        assert!(!large.grow_in_place(first, 3 * LARGE), "a block below another cannot grow");
        assert!(large.grow_in_place(first, 2 * LARGE - 1), "within its pages it always can");
        assert!(large.grow_in_place(second, 2 * LARGE), "within the reserved room");
        assert!(!large.grow_in_place(PAGE as *mut u8, LARGE), "not a large block");
    }

    #[test]
    fn the_memory_cap_and_the_slots_bound_it_and_nothing_changes_past_them() {
        reset_memory(2, 2 + BLOCK_PAGES);
        let mut large = Large::new();
        let only = large.alloc(LARGE, false, false);
        assert!(!only.is_null());
        assert!(large.alloc(LARGE, false, false).is_null(), "past the cap");
        assert!(!large.grow_in_place(only, LARGE + 1), "past the cap, even when last");
        assert_eq!(crate::wasm::memory_size(), 2 + BLOCK_PAGES);

        reset_memory(2, usize::MAX / PAGE);
        let mut large = Large::new();
        for _ in 0..SLOTS {
            assert!(!large.alloc(LARGE, false, false).is_null());
        }
        assert!(large.alloc(LARGE, false, false).is_null(), "every slot taken: dlmalloc's turn");
    }
}
