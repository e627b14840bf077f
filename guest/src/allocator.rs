//! dlmalloc over the module's own initial memory first, then `memory.grow`.
//!
//! The heap between `__heap_base` and `__heap_end` (the end of the initial memory the
//! linker declares) is handed to dlmalloc before any page is grown, so a small frame
//! touches only the initial memory and costs no `memory.grow`. It is handed out in the
//! steps dlmalloc asks for, from the bottom, and the end of what was handed out is kept in
//! [`HEAP_TOP`], exported as `heap_top`: no byte of the initial heap above it was written,
//! so a node that resets a finished session's instance to the artifact's initial memory
//! need only rewrite what lies below it, except [`HEAP_HOLE`], exported as `heap_hole`: a
//! range below the mark that the session did not write either (the part of the EVM stacks'
//! first chunk no stack reached, [`crate::operand_stack`]). Blocks of [`LARGE`] bytes
//! and more bypass dlmalloc ([`large`]): they grow in place instead of being copied.
//! Growth past the spec's memory cap fails (`memory.grow` returns -1), allocation fails,
//! and the guest traps.

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::ptr::{self, NonNull};
use core::sync::atomic::{AtomicUsize, Ordering};
use dlmalloc::{Allocator, Dlmalloc};
use large::{Large, LARGE};

/// Blocks of [`LARGE`] bytes and more.
mod large;

const PAGE_SIZE: usize = crate::wasm::PAGE;
/// The unit of dlmalloc's requests to [`InitialThenGrow`].
const GRANULARITY: usize = 4 * 1024;

/// The end of the initial heap handed to dlmalloc so far (0 before the first request).
///
/// Its address is exported as `heap_top` (a global), for the node's reset; the guest
/// itself reads it only here.
#[export_name = "heap_top"]
static HEAP_TOP: AtomicUsize = AtomicUsize::new(0);

/// The start and end of a range of the heap the session has not written, or `[0, 0]`.
///
/// Its address is exported as `heap_hole` (a global), for the node's reset: the range
/// lies in a block handed out that only [`note_written`] writers use, and its start only
/// rises as they write further.
#[export_name = "heap_hole"]
static HEAP_HOLE: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];

/// `size` bytes at `align` of the initial heap that nothing wrote in this session, past
/// everything handed out so far, never to be freed, whose unwritten part may be declared a
/// hole ([`open_hole`]); `None` when the initial heap has no such room left.
///
/// Not a dlmalloc block: memory dlmalloc hands out may have been written by a block freed
/// earlier in the session. dlmalloc's next step then starts past it (a new segment).
pub(crate) fn take_fresh(size: usize, align: usize) -> Option<NonNull<u8>> {
    NonNull::new(take_initial(size, align)? as *mut u8)
}

/// Alignment of [`HEAP_TOP`], where dlmalloc's next step may start: dlmalloc takes the memory
/// it is given to end aligned, and writes the last fencepost of a segment that does not
/// across its end.
const TOP_ALIGN: usize = 16;

/// The address of `size` bytes at `align` of the initial heap past everything handed out so
/// far, which [`HEAP_TOP`] now ends after (rounded up to [`TOP_ALIGN`]); `None` when the
/// initial heap has no such room left.
fn take_initial(size: usize, align: usize) -> Option<usize> {
    let (base, end) = crate::wasm::initial_heap();
    let start = HEAP_TOP.load(Ordering::Relaxed).max(base).checked_next_multiple_of(align)?;
    let taken_end =
        start.checked_add(size)?.checked_next_multiple_of(TOP_ALIGN).filter(|taken_end| *taken_end <= end)?;
    HEAP_TOP.store(taken_end, Ordering::Relaxed);
    Some(start)
}

/// Where grown pages taken for never-written blocks ([`take_unwritten`]) have room left: the
/// next free byte and the end of the last pages taken (both 0 before the first).
static UNWRITTEN_PAGES: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];

/// `size` bytes that nothing wrote in this session, never to be freed: from the initial heap
/// ([`take_fresh`]) while it has room, then from pages grown for such blocks only (dlmalloc
/// reuses memory a freed block wrote). `None` at the memory cap.
///
/// Analysed code lives here ([`crate::code_cache`]): a node that serves a code from memory of
/// its own leaves the code's block unwritten, and its reset skips it.
pub(crate) fn take_unwritten(size: usize) -> Option<NonNull<u8>> {
    if let Some(block) = take_fresh(size, 1) {
        return Some(block);
    }
    let (next, end) = (UNWRITTEN_PAGES[0].load(Ordering::Relaxed), UNWRITTEN_PAGES[1].load(Ordering::Relaxed));
    let start = if end - next >= size {
        next
    } else {
        // New pages continue the last ones when nothing grew in between.
        let contiguous = end != 0 && crate::wasm::memory_size() * PAGE_SIZE == end;
        let missing = if contiguous { size - (end - next) } else { size };
        let pages = missing.div_ceil(PAGE_SIZE);
        let previous = crate::wasm::memory_grow(pages);
        if previous == usize::MAX {
            return None;
        }
        let grown = previous * PAGE_SIZE;
        UNWRITTEN_PAGES[1].store(grown + pages * PAGE_SIZE, Ordering::Relaxed);
        if contiguous {
            next
        } else {
            grown
        }
    };
    UNWRITTEN_PAGES[0].store(start + size, Ordering::Relaxed);
    NonNull::new(start as *mut u8)
}

/// Makes `start..end`, taken fresh ([`take_fresh`]) and not yet written, the hole.
pub(crate) fn open_hole(start: usize, end: usize) {
    HEAP_HOLE[0].store(start, Ordering::Relaxed);
    HEAP_HOLE[1].store(end, Ordering::Relaxed);
}

/// Bytes below `end` may be written from now on: the hole starts at `end` at the lowest.
pub(crate) fn note_written(end: usize) {
    let start = HEAP_HOLE[0].load(Ordering::Relaxed);
    HEAP_HOLE[0].store(start.max(end), Ordering::Relaxed);
}

/// Hands out the initial heap from the bottom in the steps asked for, then grown pages.
pub(crate) struct InitialThenGrow;

unsafe impl Allocator for InitialThenGrow {
    fn alloc(&self, size: usize) -> (*mut u8, usize, u32) {
        // dlmalloc merges a step that starts where its last one ended into it.
        if let Some(start) = take_initial(size, 1) {
            return (start as *mut u8, size, 0);
        }
        let pages = size.div_ceil(PAGE_SIZE);
        let previous = crate::wasm::memory_grow(pages);
        if previous == usize::MAX {
            return (ptr::null_mut(), 0, 0);
        }
        ((previous * PAGE_SIZE) as *mut u8, pages * PAGE_SIZE, 0)
    }

    fn remap(&self, _ptr: *mut u8, _old: usize, _new: usize, _can_move: bool) -> *mut u8 {
        ptr::null_mut()
    }

    fn free_part(&self, _ptr: *mut u8, _old: usize, _new: usize) -> bool {
        false
    }

    fn free(&self, _ptr: *mut u8, _size: usize) -> bool {
        false
    }

    fn can_release_part(&self, _flags: u32) -> bool {
        false
    }

    fn allocates_zeros(&self) -> bool {
        true
    }

    fn page_size(&self) -> usize {
        PAGE_SIZE
    }
}

/// The global allocator: dlmalloc, and [`Large`] for blocks of at least [`LARGE`] bytes.
pub(crate) struct Heap {
    small: UnsafeCell<Dlmalloc<InitialThenGrow>>,
    large: UnsafeCell<Large>,
}

// SAFETY: the guest is single-threaded.
unsafe impl Sync for Heap {}

impl Heap {
    pub(crate) const fn new() -> Self {
        let mut small = Dlmalloc::new_with_allocator(InitialThenGrow);
        // dlmalloc rounds its requests up to this (64 KiB by default, more than the initial
        // heap holds); `InitialThenGrow` rounds growth to Wasm pages itself.
        small.set_granularity(GRANULARITY);
        Heap { small: UnsafeCell::new(small), large: UnsafeCell::new(Large::new()) }
    }

    /// A large block for `layout`, or null when it is not large or none is left.
    // SAFETY: (the callers') the guest is single-threaded, so `large` is borrowed by one
    // allocator call at a time.
    unsafe fn alloc_large(&self, layout: Layout, zeroed: bool, room: bool) -> *mut u8 {
        if layout.size() < LARGE || layout.align() > PAGE_SIZE {
            return ptr::null_mut();
        }
        (*self.large.get()).alloc(layout.size(), zeroed, room)
    }

    /// Whether `ptr`, allocated with `layout`, is a large block.
    // SAFETY: as `alloc_large`; `owns` only compares addresses.
    unsafe fn is_large(&self, ptr: *mut u8, layout: Layout) -> bool {
        layout.size() >= LARGE && (*self.large.get()).owns(ptr)
    }
}

// SAFETY: blocks come from dlmalloc or `Large`, which hand out disjoint memory that fits
// the layout (or null); the guest is single-threaded, so each `UnsafeCell` is borrowed by
// one call at a time; a block goes back to the allocator that gave it (`is_large`).
unsafe impl GlobalAlloc for Heap {
    // SAFETY: as the impl's.
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let large = self.alloc_large(layout, false, false);
        if !large.is_null() {
            return large;
        }
        (*self.small.get()).malloc(layout.size(), layout.align())
    }

    // SAFETY: as the impl's.
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let large = self.alloc_large(layout, true, false);
        if !large.is_null() {
            return large;
        }
        (*self.small.get()).calloc(layout.size(), layout.align())
    }

    // SAFETY: as the impl's; `ptr` came from `alloc` with `layout` (the trait's contract).
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if self.is_large(ptr, layout) {
            (*self.large.get()).free(ptr);
        } else {
            (*self.small.get()).free(ptr, layout.size(), layout.align())
        }
    }

    // SAFETY: as `dealloc`; a moved block copies the smaller of the two sizes, and the new
    // layout keeps the old alignment, which `GlobalAlloc::realloc`'s contract makes valid.
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let was_large = self.is_large(ptr, layout);
        if was_large && new_size >= LARGE && (*self.large.get()).grow_in_place(ptr, new_size) {
            return ptr;
        }
        if !was_large && new_size < LARGE {
            return (*self.small.get()).realloc(ptr, layout.size(), layout.align(), new_size);
        }
        // Moves: into a large block with room to grow in place next time, or back to
        // dlmalloc.
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let mut new = self.alloc_large(new_layout, false, new_size > layout.size());
        if new.is_null() {
            new = (*self.small.get()).malloc(new_size, layout.align());
        }
        if !new.is_null() {
            ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unwritten(size: usize) -> usize {
        take_unwritten(size).expect("below the cap").as_ptr() as usize
    }

    #[test]
    fn unwritten_blocks_come_from_pages_of_their_own_and_continue_them_while_contiguous() {
        crate::wasm::reset_memory(2, 64);
        UNWRITTEN_PAGES.iter().for_each(|mark| mark.store(0, Ordering::Relaxed));
        let first = unwritten(1_000);
        assert_eq!(first, 2 * PAGE_SIZE, "the first grown page");
        assert_eq!(unwritten(PAGE_SIZE), first + 1_000, "continued into a page grown after it");
        assert_eq!(crate::wasm::memory_size(), 4);
        assert_eq!(crate::wasm::memory_grow(1), 4, "something else grows a page");
        assert_eq!(unwritten(PAGE_SIZE), 5 * PAGE_SIZE, "the rest of the last page is left");
        assert_eq!(unwritten(10), 6 * PAGE_SIZE, "a full page: a new one, continuing");
        crate::wasm::reset_memory(2, 3);
        UNWRITTEN_PAGES.iter().for_each(|mark| mark.store(0, Ordering::Relaxed));
        assert!(take_unwritten(2 * PAGE_SIZE).is_none(), "at the cap");
        assert_eq!(crate::wasm::memory_size(), 2, "nothing taken");
    }
}
