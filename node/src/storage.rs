//! A contract's storage during a call: writes land directly, an undo log takes them back
//! if the call fails, and every access adds NEAR's storage cost to a counter the node
//! burns, whoever made it (the contract's host functions or the precompile).

use crate::costs::{self, linear};
use evmpc_state::{ContractStorage, MemoryStorage};

/// [`MemoryStorage`] with an undo log and a cost counter.
#[derive(Debug, Default)]
pub struct JournaledStorage {
    state: MemoryStorage,
    undo: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    cost: std::cell::Cell<u64>,
}

impl JournaledStorage {
    /// Storage holding `state`, nothing to undo, nothing charged.
    pub fn new(state: MemoryStorage) -> JournaledStorage {
        JournaledStorage { state, undo: Vec::new(), cost: std::cell::Cell::new(0) }
    }

    /// The state.
    pub fn state(&self) -> &MemoryStorage {
        &self.state
    }

    /// NEAR gas of the accesses since the last call, reset.
    pub fn take_cost(&mut self) -> u64 {
        self.cost.take()
    }

    /// Keeps every write so far.
    pub fn commit(&mut self) -> MemoryStorage {
        self.undo.clear();
        std::mem::take(&mut self.state)
    }

    /// Takes every write so far back.
    pub fn revert(&mut self) -> MemoryStorage {
        while let Some((key, old)) = self.undo.pop() {
            match old {
                Some(value) => self.state.0.insert(key, value),
                None => self.state.0.remove(&key),
            };
        }
        std::mem::take(&mut self.state)
    }

    fn charge(&self, gas: u64) {
        self.cost.set(self.cost.get().saturating_add(gas));
    }
}

impl ContractStorage for JournaledStorage {
    fn read(&self, key: &[u8]) -> Option<Vec<u8>> {
        let value = self.state.read(key);
        let value_len = value.as_ref().map_or(0, Vec::len);
        self.charge(
            linear(costs::STORAGE_READ_BASE, costs::STORAGE_READ_KEY_BYTE, key.len())
                .saturating_add(costs::STORAGE_READ_VALUE_BYTE.saturating_mul(value_len as u64)),
        );
        value
    }

    fn write(&mut self, key: &[u8], value: &[u8]) {
        let old = self.state.0.insert(key.to_vec(), value.to_vec());
        let evicted = old.as_ref().map_or(0, Vec::len);
        self.charge(
            linear(costs::STORAGE_WRITE_BASE, costs::STORAGE_WRITE_KEY_BYTE, key.len())
                .saturating_add(costs::STORAGE_WRITE_VALUE_BYTE.saturating_mul(value.len() as u64))
                .saturating_add(costs::STORAGE_WRITE_EVICTED_BYTE.saturating_mul(evicted as u64)),
        );
        self.undo.push((key.to_vec(), old));
    }

    fn remove(&mut self, key: &[u8]) {
        let old = self.state.0.remove(key);
        let removed = old.as_ref().map_or(0, Vec::len);
        self.charge(
            linear(costs::STORAGE_REMOVE_BASE, costs::STORAGE_REMOVE_KEY_BYTE, key.len())
                .saturating_add(costs::STORAGE_REMOVE_RET_VALUE_BYTE.saturating_mul(removed as u64)),
        );
        if old.is_some() {
            self.undo.push((key.to_vec(), old));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reverting_takes_every_write_back_and_accesses_cost_gas() {
        let mut state = MemoryStorage::default();
        state.write(b"kept", b"1");
        state.write(b"gone", b"2");
        let mut storage = JournaledStorage::new(state.clone());
        storage.write(b"kept", b"changed");
        storage.write(b"new", b"3");
        storage.remove(b"gone");
        storage.write(b"new", b"4");
        assert!(storage.read(b"new").is_some());
        assert!(storage.take_cost() > 3 * costs::STORAGE_WRITE_BASE);
        assert_eq!(storage.take_cost(), 0);
        assert_eq!(storage.revert(), state);
    }
}
