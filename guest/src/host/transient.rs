//! EIP-1153 transient storage, kept in the guest.
//!
//! It lives for one transaction, which is one session, and no one but the executing
//! frames reads it: keeping it here makes TLOAD and TSTORE instructions, not imports. A
//! frame that reverts or halts takes its writes with it, as the journal of a node would:
//! each suspended frame records the journal's length, and an outcome that is not a success
//! rolls back to it.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use revm_interpreter::primitives::{Address, U256};

/// Transient slots and the journal of their writes.
#[derive(Default)]
pub(crate) struct Transient {
    slots: BTreeMap<(Address, U256), U256>,
    /// Every write, with the slot's previous value.
    journal: Vec<((Address, U256), U256)>,
}

impl Transient {
    /// `TLOAD`.
    pub(crate) fn load(&self, address: Address, key: U256) -> U256 {
        self.slots.get(&(address, key)).copied().unwrap_or_default()
    }

    /// `TSTORE`.
    pub(crate) fn store(&mut self, address: Address, key: U256, value: U256) {
        let previous = self.slots.insert((address, key), value).unwrap_or_default();
        self.journal.push(((address, key), previous));
    }

    /// A point to roll back to.
    pub(crate) fn mark(&self) -> usize {
        self.journal.len()
    }

    /// Undoes every write since `mark`.
    pub(crate) fn revert(&mut self, mark: usize) {
        while self.journal.len() > mark {
            if let Some((slot, previous)) = self.journal.pop() {
                self.slots.insert(slot, previous);
            }
        }
    }
}
