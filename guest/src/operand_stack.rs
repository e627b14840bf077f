//! The EVM stacks of a session's frames, laid end to end.
//!
//! revm gives every frame a stack of its own with room for the 1,024 words a frame may hold,
//! 32 KiB, of which a frame usually fills a few words. In the guest that room is not free: a
//! session's memory is reset after it ends, so every byte of memory the session grew to costs
//! time, touched or not. A dive to depth 1,024 would grow memory by 32 MiB and reset it,
//! where native revm touches a page per frame.
//!
//! Frames of a session are strictly nested: a frame runs only while every frame below it
//! waits, and a waiting frame's stack does not change until its sub-call returns. So a new
//! frame's stack starts where its parent's stack ends, in chunks the session keeps; a chunk
//! with less than a frame's full room left is passed over for the next one. Memory then
//! follows the words frames really hold, as it does on native revm.
//!
//! The first chunk lies in the initial heap, which the node rewrites after every session up
//! to what was handed out: 48 KiB of it for a chunk of which a small frame writes a few
//! words. So a stack in that chunk may write only up to its *room*, which starts at a few
//! words and grows as pushes reach it (a compare with the room instead of the limit, on
//! every push); the chunk above the highest room is a hole in the heap the session did not
//! write ([`crate::allocator::note_written`]), and the node does not rewrite it.

use alloc::alloc::{alloc, handle_alloc_error, Layout};
use alloc::vec::Vec;
use core::ptr::NonNull;
use revm_interpreter::interpreter::{ExtBytecode, InputsImpl, ReturnDataImpl, RuntimeFlags, STACK_LIMIT};
use revm_interpreter::interpreter_types::{InterpreterTypes, StackTr};
use revm_interpreter::primitives::U256;
use revm_interpreter::{InterpreterAction, SharedMemory};

/// Words in one chunk: a frame's full room and half as much again, so a frame's stack
/// follows its parent's in the same chunk while the frames below hold up to 512 words. A
/// session of one frame takes 48 KiB, which its initial heap holds: a larger chunk would
/// grow the memory of every session, and every grown page is reset when it ends.
const CHUNK_WORDS: usize = STACK_LIMIT + STACK_LIMIT / 2;

/// The room of a new stack in the first chunk, in words: most frames hold no more.
const FIRST_ROOM: usize = 32;

/// Words the room of a stack in the first chunk grows by, past what a push needs.
const ROOM_STEP: usize = 64;

/// revm's interpreter with [`OperandStack`] as its stack; everything else as revm's
/// `EthInterpreter`.
pub(crate) struct GuestTypes;

impl InterpreterTypes for GuestTypes {
    type Stack = OperandStack;
    type Memory = SharedMemory;
    type Bytecode = ExtBytecode;
    type ReturnData = ReturnDataImpl;
    type Input = InputsImpl;
    type RuntimeFlag = RuntimeFlags;
    type Extend = ();
    type Output = InterpreterAction;
}

/// The chunks frames' stacks live in, kept for the session.
#[derive(Default)]
pub(crate) struct StackArena {
    chunks: Vec<NonNull<U256>>,
}

impl StackArena {
    /// An empty stack for a frame whose parent holds `parent` (`None` for a root frame),
    /// with room for [`STACK_LIMIT`] words after the parent's.
    pub(crate) fn stack_above(&mut self, parent: Option<&OperandStack>) -> OperandStack {
        let (chunk, offset) = match parent {
            None => (0, 0),
            Some(parent) => {
                let offset = parent.offset + parent.len;
                if offset + STACK_LIMIT <= CHUNK_WORDS {
                    (parent.chunk, offset)
                } else {
                    (parent.chunk + 1, 0)
                }
            }
        };
        while self.chunks.len() <= chunk {
            let new = if self.chunks.is_empty() { first_chunk() } else { new_chunk() };
            self.chunks.push(new);
        }
        // SAFETY: `offset + STACK_LIMIT <= CHUNK_WORDS`, so the frame's room lies inside the chunk.
        let base = unsafe { self.chunks[chunk].as_ptr().add(offset) };
        let room = if chunk == 0 { FIRST_ROOM } else { STACK_LIMIT };
        let stack = OperandStack { base, len: 0, room, chunk, offset };
        if chunk == 0 {
            stack.note_room();
        }
        stack
    }
}

/// The first chunk: fresh memory of the initial heap, all of it a hole until stacks reach
/// it, when the initial heap has room for it; else a chunk as any other.
fn first_chunk() -> NonNull<U256> {
    let bytes = CHUNK_WORDS * size_of::<U256>();
    let Some(chunk) = crate::allocator::take_fresh(bytes, align_of::<U256>()) else { return new_chunk() };
    let start = chunk.as_ptr() as usize;
    crate::allocator::open_hole(start, start + bytes);
    chunk.cast()
}

fn new_chunk() -> NonNull<U256> {
    let layout = Layout::array::<U256>(CHUNK_WORDS).unwrap_or_else(|_| crate::wasm::trap());
    // SAFETY: the layout has a non-zero size. The chunk lives as long as the session (the
    // Wasm instance): it is never freed.
    let chunk = unsafe { alloc(layout) }.cast::<U256>();
    NonNull::new(chunk).unwrap_or_else(|| handle_alloc_error(layout))
}

/// A frame's EVM stack: room for [`STACK_LIMIT`] words in a chunk of the session's
/// [`StackArena`], of which the first `len` are set. Its checks are revm's: a push past
/// the limit overflows, a pop of more than it holds underflows, and both leave it as it was.
pub(crate) struct OperandStack {
    base: *mut U256,
    len: usize,
    /// Words it may write before its room grows ([`OperandStack::grow_room`]): at most
    /// [`STACK_LIMIT`], which a stack outside the first chunk has from the start.
    room: usize,
    chunk: usize,
    offset: usize,
}

impl OperandStack {
    /// Makes room for `words` more words, if the limit allows.
    #[cold]
    #[inline(never)]
    fn grow_room(&mut self, words: usize) -> bool {
        let needed = self.len + words;
        if needed > STACK_LIMIT {
            return false;
        }
        self.room = (needed + ROOM_STEP).min(STACK_LIMIT);
        self.note_room();
        true
    }

    /// Tells the allocator that the stack may write its whole room.
    fn note_room(&self) {
        crate::allocator::note_written(self.base.wrapping_add(self.room) as usize);
    }
}

impl OperandStack {
    /// A pointer to word `index` of the frame's room.
    ///
    /// # Safety
    /// `index < STACK_LIMIT`.
    #[inline(always)]
    unsafe fn at(&self, index: usize) -> *mut U256 {
        // SAFETY: the room holds `STACK_LIMIT` words from `base` (`StackArena::stack_above`).
        // Saying so lets the compiler fold word offsets into the loads and stores.
        unsafe {
            core::hint::assert_unchecked(index < STACK_LIMIT && self.len <= self.room && self.room <= STACK_LIMIT);
            self.base.add(index)
        }
    }
}

/// The number whose big-endian bytes are `bytes` (at most 32): with PUSHn's constant
/// length, a fixed copy and four byte swaps.
#[inline(always)]
fn word_of(bytes: &[u8]) -> U256 {
    let mut padded = [0u8; 32];
    padded[32 - bytes.len()..].copy_from_slice(bytes);
    let limb = |index: usize| {
        let mut limb = [0u8; 8];
        limb.copy_from_slice(&padded[32 - 8 * (index + 1)..32 - 8 * index]);
        u64::from_be_bytes(limb)
    };
    U256::from_limbs([limb(0), limb(1), limb(2), limb(3)])
}

impl OperandStack {
    /// Pops `N` words, the top first.
    ///
    /// # Safety
    /// The stack holds at least `N` words.
    #[inline(always)]
    unsafe fn pop_unchecked<const N: usize>(&mut self) -> [U256; N] {
        self.len -= N;
        // Addressed upwards from the lowest popped word, so that each word is a constant
        // positive offset the loads carry.
        // SAFETY: words `len .. len + N` are set, and `len + N <= STACK_LIMIT`.
        let lowest = unsafe { self.at(self.len) };
        core::array::from_fn(|index| unsafe { lowest.add(N - 1 - index).read() })
    }
}

impl StackTr for OperandStack {
    #[inline]
    fn len(&self) -> usize {
        self.len
    }

    #[inline]
    fn data(&self) -> &[U256] {
        // SAFETY: the first `len` words are set.
        unsafe { core::slice::from_raw_parts(self.base, self.len) }
    }

    #[inline]
    fn clear(&mut self) {
        self.len = 0;
    }

    #[inline]
    fn push(&mut self, value: U256) -> bool {
        if self.len == self.room && !self.grow_room(1) {
            return false;
        }
        // SAFETY: `len < room <= STACK_LIMIT`.
        unsafe { self.at(self.len).write(value) };
        self.len += 1;
        true
    }

    /// Pushes `slice` as big-endian words: each 32 bytes from its start one word, the bytes
    /// left over one more, as a number (revm's layout). PUSHn pushes one word of `n` bytes.
    #[inline]
    fn push_slice(&mut self, slice: &[u8]) -> bool {
        if slice.len() <= 32 {
            return slice.is_empty() || self.push(word_of(slice));
        }
        let words = slice.len().div_ceil(32);
        if self.len + words > self.room && !self.grow_room(words) {
            return false;
        }
        for word in slice.chunks(32) {
            // SAFETY: `len + words <= room <= STACK_LIMIT` was checked for every word pushed here.
            unsafe { self.at(self.len).write(word_of(word)) };
            self.len += 1;
        }
        true
    }

    #[inline]
    fn popn<const N: usize>(&mut self) -> Option<[U256; N]> {
        if self.len < N {
            return None;
        }
        // SAFETY: the stack holds at least `N` words.
        Some(unsafe { self.pop_unchecked() })
    }

    #[inline]
    fn popn_top<const POPN: usize>(&mut self) -> Option<([U256; POPN], &mut U256)> {
        if self.len < POPN + 1 {
            return None;
        }
        // SAFETY: the stack holds at least `POPN + 1` words: the popped ones and a top,
        // which is the word under the lowest popped one.
        let top = unsafe { self.at(self.len - POPN - 1) };
        // SAFETY: as above: `POPN` words are above `top`.
        let popped = unsafe { self.pop_unchecked() };
        // SAFETY: `top` points below the popped words, into memory the stack still holds.
        Some((popped, unsafe { &mut *top }))
    }

    #[inline]
    fn exchange(&mut self, n: usize, m: usize) -> bool {
        let deeper = n + m;
        if m == 0 || deeper >= self.len {
            return false;
        }
        // SAFETY: both words are below `len`, and distinct (`m > 0`).
        unsafe {
            let lower = self.at(self.len - 1 - deeper);
            core::ptr::swap_nonoverlapping(lower.add(m), lower, 1);
        }
        true
    }

    #[inline]
    fn dup(&mut self, n: usize) -> bool {
        if n == 0 || self.len < n || (self.len == self.room && !self.grow_room(1)) {
            return false;
        }
        // SAFETY: `len - n < len < room <= STACK_LIMIT`.
        unsafe {
            let source = self.at(self.len - n);
            source.add(n).write(source.read());
        }
        self.len += 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(n: u64) -> U256 {
        U256::from(n)
    }

    fn filled(arena: &mut StackArena, parent: Option<&OperandStack>, words: u64) -> OperandStack {
        let mut stack = arena.stack_above(parent);
        for n in 0..words {
            assert!(stack.push(word(n)));
        }
        stack
    }

    #[test]
    fn a_frame_holds_the_stack_limit_and_refuses_one_more_unchanged() {
        let mut arena = StackArena::default();
        let mut stack = filled(&mut arena, None, STACK_LIMIT as u64);
        assert!(!stack.push(word(9)), "one past the limit overflows");
        assert!(!stack.dup(1), "a DUP at the limit overflows");
        assert!(!stack.push_slice(&[1; 33]), "two words past the limit overflow");
        assert_eq!(stack.len(), STACK_LIMIT);
        assert_eq!(stack.popn::<1>(), Some([word(STACK_LIMIT as u64 - 1)]));
    }

    #[test]
    fn a_stack_in_the_first_chunk_writes_only_its_room_which_grows_as_pushes_reach_it() {
        let mut arena = StackArena::default();
        let mut stack = filled(&mut arena, None, FIRST_ROOM as u64);
        assert_eq!(stack.room, FIRST_ROOM, "a stack that holds its room has not grown it");
        assert!(stack.dup(1));
        assert_eq!(stack.room, FIRST_ROOM + 1 + ROOM_STEP);
        assert!(stack.push_slice(&[7; 32 * 100]));
        assert_eq!(stack.room, FIRST_ROOM + 1 + 100 + ROOM_STEP, "room for every word of a long push");
        assert_eq!(stack.len(), FIRST_ROOM + 101);
        let deep = filled(&mut arena, None, (CHUNK_WORDS - STACK_LIMIT + 1) as u64);
        assert_eq!(arena.stack_above(Some(&deep)).room, STACK_LIMIT, "no room to track past the first chunk");
    }

    #[test]
    fn pops_swaps_and_dups_past_the_bottom_underflow_unchanged() {
        let mut arena = StackArena::default();
        let mut stack = filled(&mut arena, None, 2);
        assert_eq!(stack.popn::<3>(), None);
        assert!(stack.popn_top::<2>().is_none(), "a top under two popped words needs three");
        assert!(!stack.exchange(1, 1), "SWAP2 needs three words");
        assert!(!stack.dup(3));
        assert!(!stack.exchange(0, 0), "a swap with itself is refused");
        assert_eq!(stack.data(), &[word(0), word(1)]);
        assert!(stack.exchange(0, 1));
        assert_eq!(stack.data(), &[word(1), word(0)]);
        let ([top], under) = stack.popn_top::<1>().expect("two words");
        assert_eq!((top, *under), (word(0), word(1)));
    }

    #[test]
    fn pushed_bytes_are_big_endian_words_with_the_rest_last() {
        let mut arena = StackArena::default();
        let mut stack = arena.stack_above(None);
        assert!(stack.push_slice(&[0x01, 0x02]));
        let mut bytes = [0u8; 40];
        bytes[31] = 7;
        bytes[39] = 9;
        assert!(stack.push_slice(&bytes));
        assert_eq!(stack.data(), &[word(0x0102), word(7), word(9)]);
        assert!(stack.push_slice(&[]), "nothing to push is no overflow");
        assert_eq!(stack.len(), 3);
    }

    #[test]
    fn a_child_stack_starts_where_its_parent_ends_and_takes_a_new_chunk_when_the_room_is_short() {
        let mut arena = StackArena::default();
        let parent = filled(&mut arena, None, 10);
        let mut child = filled(&mut arena, Some(&parent), 3);
        assert_eq!((child.chunk, child.offset), (0, 10));
        // The child's words never touch the parent's.
        assert_eq!(parent.data(), (0..10).map(word).collect::<Vec<_>>().as_slice());
        assert!(child.push(word(99)));
        assert_eq!(parent.data()[9], word(9));
        // A parent holding more than the chunk's slack leaves no full room after it.
        let deep = filled(&mut arena, None, (CHUNK_WORDS - STACK_LIMIT + 1) as u64);
        let next = arena.stack_above(Some(&deep));
        assert_eq!((next.chunk, next.offset), (1, 0));
        assert_eq!(arena.chunks.len(), 2, "chunks are kept and reused");
        let again = arena.stack_above(Some(&deep));
        assert_eq!(again.base, next.base);
    }
}
