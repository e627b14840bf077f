use alloc::collections::BTreeMap;
use alloc::vec::Vec;

/// The key-value storage of the contract that keeps the Ethereum state, as its node
/// provides it.
///
/// The node link lends it to the precompile for one host call (taking it and leaving
/// `Default` in its place); an engine contract implements it over its node's storage host
/// functions. Writes land directly; a node undoes them with the rest of the contract call
/// when that call fails.
pub trait ContractStorage: Default {
    /// The value at `key`, if any.
    fn read(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// Sets `key` to `value`.
    fn write(&mut self, key: &[u8], value: &[u8]);
    /// Removes `key`.
    fn remove(&mut self, key: &[u8]);
}

/// A plain in-memory [`ContractStorage`], sorted by key: for tests, genesis and nodes
/// that keep contract storage in memory.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemoryStorage(pub BTreeMap<Vec<u8>, Vec<u8>>);

impl ContractStorage for MemoryStorage {
    fn read(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.0.get(key).cloned()
    }

    fn write(&mut self, key: &[u8], value: &[u8]) {
        self.0.insert(key.to_vec(), value.to_vec());
    }

    fn remove(&mut self, key: &[u8]) {
        self.0.remove(key);
    }
}
