//! What the guest asks of Wasm itself: a trap, linear memory's pages and the heap the linker
//! laid out. In the artifact these are `unreachable`, `memory.grow`, `memory.size` and the
//! linker's `__heap_base`/`__heap_end`; the native unit tests get a panic and a simulated
//! memory with a cap, so the allocator's and the stacks' bookkeeping, bounds included, run
//! natively.

/// Bytes in a Wasm page.
pub(crate) const PAGE: usize = 64 * 1024;

#[cfg(target_arch = "wasm32")]
mod imp {
    extern "C" {
        static __heap_base: u8;
        static __heap_end: u8;
    }

    /// Stops the guest: a Wasm trap.
    #[inline(always)]
    pub(crate) fn trap() -> ! {
        core::arch::wasm32::unreachable()
    }

    /// Grows memory by `pages`: the previous size in pages, or `usize::MAX` at the cap.
    #[inline(always)]
    pub(crate) fn memory_grow(pages: usize) -> usize {
        core::arch::wasm32::memory_grow(0, pages)
    }

    /// Memory's size in pages.
    #[inline(always)]
    pub(crate) fn memory_size() -> usize {
        core::arch::wasm32::memory_size(0)
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
        /// The simulated memory's size and cap, in pages.
        static MEMORY: Cell<(usize, usize)> = const { Cell::new((2, 1024)) };
    }

    /// A panic, which the tests see.
    pub(crate) fn trap() -> ! {
        panic!("guest trap")
    }

    /// Grows the simulated memory as `memory.grow` would.
    pub(crate) fn memory_grow(pages: usize) -> usize {
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

    /// The simulated memory's size in pages.
    pub(crate) fn memory_size() -> usize {
        MEMORY.with(|memory| memory.get().0)
    }

    /// No initial heap: every block comes from grown pages.
    pub(crate) fn initial_heap() -> (usize, usize) {
        (0, 0)
    }

    /// Starts the simulated memory over at `size` pages with a cap of `cap` pages.
    pub(crate) fn reset_memory(size: usize, cap: usize) {
        MEMORY.with(|memory| memory.set((size, cap)));
    }
}

pub(crate) use imp::*;
