//! What the guest asks of Wasm itself: a trap, linear memory's pages and the heap the linker
//! laid out. In the artifact these are `unreachable`, `memory.grow`, `memory.size` and the
//! linker's `__heap_base`/`__heap_end`; the native unit tests get a panic and a simulated
//! memory with a cap, so the allocator's and the stacks' bookkeeping, bounds included, run
//! natively.
//!
//! The memory the guest sees is the initial memory plus the pages *it* grew: a node may run a
//! session on an instance whose memory an earlier session grew (memory never shrinks; the
//! node resets its bytes), and the guest must not notice. It keeps its own count of grown
//! pages and grows the real memory only past what is already there, so every address it
//! hands out and every growth that meets the cap are those of a fresh instance.

/// Bytes in a Wasm page.
pub(crate) const PAGE: usize = 64 * 1024;

/// Pages of the initial memory (the artifact declares it so; a test checks).
const INITIAL_PAGES: usize = evmpc_abi::limits::GUEST_INITIAL_MEMORY / PAGE;

/// Pages of the spec's memory cap.
const CAP_PAGES: usize = evmpc_abi::limits::MAX_GUEST_MEMORY / PAGE;

/// Grows the guest's memory by `pages`: the previous size in pages, or `usize::MAX` at the
/// cap (nothing grown then).
///
/// Past the cap the guest refuses itself, since the real memory may already reach past it (a
/// node keeps analysed code there, `code_load`); it still executes a `memory.grow` past the
/// cap, which the node's limiter refuses and records as the cap reached, as on a node
/// without such memory.
pub(crate) fn memory_grow(pages: usize) -> usize {
    let previous = memory_size();
    let present = imp::present_pages();
    let end = match previous.checked_add(pages) {
        Some(end) if end <= CAP_PAGES => end,
        _ => {
            imp::grow_present(pages.clamp(1, CAP_PAGES + 1));
            return usize::MAX;
        }
    };
    if end > present && imp::grow_present(end - present) == usize::MAX {
        return usize::MAX;
    }
    imp::set_grown_pages(end - INITIAL_PAGES);
    previous
}

/// The guest's memory in pages: the initial memory and what it grew.
pub(crate) fn memory_size() -> usize {
    INITIAL_PAGES + imp::grown_pages()
}

#[cfg(target_arch = "wasm32")]
mod imp {
    use core::sync::atomic::{AtomicUsize, Ordering};

    /// Pages the session grew its memory by. Its address is exported as `grown_pages` (a
    /// global): the node resets the memory up to the end it gives, and charges the growth.
    #[export_name = "grown_pages"]
    static GROWN_PAGES: AtomicUsize = AtomicUsize::new(0);

    extern "C" {
        static __heap_base: u8;
        static __heap_end: u8;
    }

    /// Stops the guest: a Wasm trap.
    #[inline(always)]
    pub(crate) fn trap() -> ! {
        core::arch::wasm32::unreachable()
    }

    pub(super) fn grown_pages() -> usize {
        GROWN_PAGES.load(Ordering::Relaxed)
    }

    pub(super) fn set_grown_pages(pages: usize) {
        GROWN_PAGES.store(pages, Ordering::Relaxed);
    }

    /// The memory's real size in pages, which an earlier session may have grown.
    pub(super) fn present_pages() -> usize {
        core::arch::wasm32::memory_size(0)
    }

    /// `memory.grow`: the previous real size in pages, or `usize::MAX` at the cap.
    pub(super) fn grow_present(pages: usize) -> usize {
        core::arch::wasm32::memory_grow(0, pages)
    }

    /// The initial heap the linker left between the data and the end of the initial memory.
    #[inline(always)]
    pub(crate) fn initial_heap() -> (usize, usize) {
        // SAFETY: linker-defined symbols; only their addresses are used.
        unsafe { (&__heap_base as *const u8 as usize, &__heap_end as *const u8 as usize) }
    }
}

#[cfg(not(target_arch = "wasm32"))]
mod imp {
    use std::cell::Cell;

    std::thread_local! {
        /// The simulated memory's real size and cap, in pages.
        static MEMORY: Cell<(usize, usize)> = const { Cell::new((2, 1024)) };
        /// The pages the guest grew.
        static GROWN: Cell<usize> = const { Cell::new(0) };
    }

    /// A panic, which the tests see.
    pub(crate) fn trap() -> ! {
        panic!("guest trap")
    }

    pub(super) fn grown_pages() -> usize {
        GROWN.with(Cell::get)
    }

    pub(super) fn set_grown_pages(pages: usize) {
        GROWN.with(|grown| grown.set(pages));
    }

    /// Grows the simulated memory as `memory.grow` would.
    pub(super) fn grow_present(pages: usize) -> usize {
        MEMORY.with(|memory| {
            let (size, cap) = memory.get();
            match size.checked_add(pages) {
                Some(grown) if grown <= cap => {
                    memory.set((grown, cap));
                    size
                }
                _ => usize::MAX,
            }
        })
    }

    /// The simulated memory's real size in pages.
    pub(super) fn present_pages() -> usize {
        MEMORY.with(|memory| memory.get().0)
    }

    /// No initial heap: every block comes from grown pages.
    pub(crate) fn initial_heap() -> (usize, usize) {
        (0, 0)
    }

    /// Starts the simulated memory over at `size` real pages with a cap of `cap` pages, as a
    /// node hands an instance to a session: nothing grown by the guest yet.
    pub(crate) fn reset_memory(size: usize, cap: usize) {
        MEMORY.with(|memory| memory.set((size, cap)));
        GROWN.with(|grown| grown.set(0));
    }
}

#[cfg(test)]
pub(crate) use imp::reset_memory;
pub(crate) use imp::{initial_heap, trap};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_an_earlier_session_grew_is_not_seen_but_used_before_growing_more() {
        reset_memory(10, 20);
        assert_eq!(memory_size(), INITIAL_PAGES, "a reused instance looks fresh");
        assert_eq!(memory_grow(3), INITIAL_PAGES);
        assert_eq!((memory_size(), imp::present_pages()), (INITIAL_PAGES + 3, 10), "no real growth");
        assert_eq!(memory_grow(10), INITIAL_PAGES + 3);
        assert_eq!((memory_size(), imp::present_pages()), (15, 15), "grown past the real end only");
        assert_eq!(memory_grow(6), usize::MAX, "the cap is the memory's, as on a fresh instance");
        assert_eq!(memory_size(), 15, "nothing grown at the cap");
        assert_eq!(memory_grow(usize::MAX), usize::MAX);
    }

    #[test]
    fn growth_past_the_cap_is_refused_even_where_the_real_memory_reaches_past_it() {
        reset_memory(CAP_PAGES + 16, CAP_PAGES + 64);
        assert_eq!(memory_grow(CAP_PAGES - INITIAL_PAGES), INITIAL_PAGES, "up to the cap, no real growth");
        assert_eq!(imp::present_pages(), CAP_PAGES + 16);
        assert_eq!(memory_grow(1), usize::MAX, "one page past the cap");
        assert_eq!(memory_size(), CAP_PAGES, "nothing grown at the cap");
        assert_eq!(
            imp::present_pages(),
            CAP_PAGES + 17,
            "a memory.grow past the cap ran, for the node's limiter to refuse"
        );
        reset_memory(INITIAL_PAGES, CAP_PAGES);
        assert_eq!(memory_grow(CAP_PAGES), usize::MAX, "from a fresh memory as well");
        assert_eq!(memory_size(), INITIAL_PAGES);
    }

    #[test]
    fn a_fresh_memory_grows_as_memory_grow_does() {
        reset_memory(INITIAL_PAGES, 8);
        assert_eq!(memory_grow(0), INITIAL_PAGES);
        assert_eq!(memory_grow(6), INITIAL_PAGES);
        assert_eq!((memory_size(), imp::present_pages()), (8, 8));
        assert_eq!(memory_grow(1), usize::MAX);
    }
}
