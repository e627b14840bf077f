//! EIP-1153 transient storage, kept in the guest.
//!
//! It lives for one transaction, which is one session, and no one but the executing
//! frames reads it: keeping it here makes TLOAD and TSTORE instructions, not imports. A
//! frame that reverts or halts takes its writes with it, as the journal of a node would:
//! each suspended frame records the journal's length, and an outcome that is not a success
//! rolls back to it.
//!
//! Cost stays in proportion to gas: a slot is journaled once per frame (a loop writing one
//! slot does not grow the journal), and the journal grows in fixed chunks, never by
//! reallocating and copying what it holds.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use revm_interpreter::primitives::{Address, U256};

/// A transient slot: the contract and the key.
type Key = (Address, U256);

/// Journal entries per chunk.
const CHUNK: usize = 1024;

/// No journal entry holds the slot's earlier value.
const UNJOURNALED: usize = usize::MAX;

/// A slot's value and where the journal keeps the value it had before.
#[derive(Clone, Copy)]
struct Slot {
    value: U256,
    /// Index of the newest journal entry of this slot, or [`UNJOURNALED`].
    journaled_at: usize,
}

/// One write: the slot's value and journal index before it.
struct Entry {
    key: Key,
    previous: Slot,
}

/// Transient slots and the journal of their writes.
#[derive(Default)]
pub(crate) struct Transient {
    slots: BTreeMap<Key, Slot>,
    /// The journal, in chunks of [`CHUNK`] entries.
    chunks: Vec<Vec<Entry>>,
    len: usize,
    /// Journal length when the running frame started: a slot journaled at or above it
    /// needs no second entry, since rolling back to it restores the older value anyway.
    base: usize,
}

impl Transient {
    /// `TLOAD`.
    pub(crate) fn load(&self, address: Address, key: U256) -> U256 {
        self.slots.get(&(address, key)).map_or(U256::ZERO, |slot| slot.value)
    }

    /// `TSTORE`.
    pub(crate) fn store(&mut self, address: Address, key: U256, value: U256) {
        let key = (address, key);
        let slot = self.slots.entry(key).or_insert(Slot { value: U256::ZERO, journaled_at: UNJOURNALED });
        if slot.journaled_at != UNJOURNALED && slot.journaled_at >= self.base {
            slot.value = value;
            return;
        }
        let previous = *slot;
        *slot = Slot { value, journaled_at: self.len };
        if self.chunks.last().is_none_or(|chunk| chunk.len() == CHUNK) {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(Entry { key, previous });
            self.len += 1;
        }
    }

    /// A point to roll back to: the journal's length.
    pub(crate) fn mark(&self) -> usize {
        self.len
    }

    /// The running frame started when the journal was `mark` long.
    pub(crate) fn enter_frame(&mut self, mark: usize) {
        self.base = mark;
    }

    /// Undoes every write since `mark`.
    pub(crate) fn revert(&mut self, mark: usize) {
        while self.len > mark {
            let Some(chunk) = self.chunks.last_mut() else { break };
            match chunk.pop() {
                Some(Entry { key, previous }) => {
                    self.len -= 1;
                    if let Some(slot) = self.slots.get_mut(&key) {
                        *slot = previous;
                    }
                }
                None => {
                    self.chunks.pop();
                }
            }
        }
    }
}
