//! Storage slots a running frame read or wrote, with their present values, so that reading
//! one again is answered in the import instead of by the host's journal.
//!
//! Within one entry into the guest, a slot's present value changes only by the guest's own
//! SSTOREs (which pass here too) and its warmth and value go back only when a call the guest
//! ran fails and its checkpoint is reverted. So every entry is forgotten
//! ([`WarmSlots::forget`]) when such a call ends, when a self-destruct runs, and whenever
//! the node enters the guest (it may have changed the state in between); while an entry
//! stands, the host would answer `Loaded { warm }` with the value kept here. Whatever the
//! host, the guest sees the same answers.

use evmpc_abi::{Address, Word};

/// Entries kept; a slot goes to the entry its key and address pick, replacing what was there.
const ENTRIES: usize = 16;

#[derive(Clone, Copy)]
struct Entry {
    /// The generation the entry was written in; older ones are forgotten.
    generation: u32,
    address: Address,
    key: Word,
    value: Word,
}

/// A small direct-mapped table of warm slots and their present values.
pub(crate) struct WarmSlots {
    generation: u32,
    entries: [Entry; ENTRIES],
}

impl Default for WarmSlots {
    fn default() -> Self {
        let empty = Entry { generation: 0, address: [0; 20], key: [0; 32], value: [0; 32] };
        WarmSlots { generation: 1, entries: [empty; ENTRIES] }
    }
}

fn index(address: &Address, key: &Word) -> usize {
    usize::from(key[31] ^ key[30].rotate_left(4) ^ address[19]) % ENTRIES
}

impl WarmSlots {
    /// The present value of a slot known warm, if it is kept.
    pub(crate) fn get(&self, address: &Address, key: &Word) -> Option<&Word> {
        let entry = &self.entries[index(address, key)];
        (entry.generation == self.generation && entry.key == *key && entry.address == *address).then_some(&entry.value)
    }

    /// Records that the host holds the slot warm with `value` as its present value.
    pub(crate) fn insert(&mut self, address: &Address, key: &Word, value: &Word) {
        self.entries[index(address, key)] =
            Entry { generation: self.generation, address: *address, key: *key, value: *value };
    }

    /// Forgets every entry: the state may have changed outside the guest's SLOAD and SSTORE.
    pub(crate) fn forget(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            // After 2^32 generations entries of generation 0 could match again; clear them.
            *self = WarmSlots::default();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(byte: u8) -> (Address, Word) {
        ([byte; 20], [byte; 32])
    }

    #[test]
    fn kept_slots_are_found_until_forgotten() {
        let mut slots = WarmSlots::default();
        let (address, key) = slot(7);
        assert_eq!(slots.get(&address, &key), None);
        slots.insert(&address, &key, &[1; 32]);
        assert_eq!(slots.get(&address, &key), Some(&[1; 32]));
        slots.insert(&address, &key, &[2; 32]);
        assert_eq!(slots.get(&address, &key), Some(&[2; 32]), "a write replaces the value");
        slots.forget();
        assert_eq!(slots.get(&address, &key), None);
    }

    #[test]
    fn a_slot_is_found_only_under_its_own_address_and_key() {
        let mut slots = WarmSlots::default();
        let (address, key) = slot(3);
        slots.insert(&address, &key, &[9; 32]);
        let mut other_address = address;
        other_address[0] ^= 1;
        let mut other_key = key;
        other_key[0] ^= 1;
        assert_eq!(slots.get(&other_address, &key), None);
        assert_eq!(slots.get(&address, &other_key), None);
    }

    #[test]
    fn slots_sharing_an_entry_replace_each_other() {
        let mut slots = WarmSlots::default();
        let address = [0; 20];
        let (mut first, mut second) = ([0; 32], [0; 32]);
        first[31] = 1;
        second[31] = 1 + ENTRIES as u8;
        slots.insert(&address, &first, &[1; 32]);
        slots.insert(&address, &second, &[2; 32]);
        assert_eq!(slots.get(&address, &first), None);
        assert_eq!(slots.get(&address, &second), Some(&[2; 32]));
    }

    #[test]
    fn wrapping_generations_forget_everything() {
        let mut slots = WarmSlots { generation: u32::MAX, ..WarmSlots::default() };
        let (address, key) = slot(5);
        slots.insert(&address, &key, &[4; 32]);
        slots.forget();
        assert_eq!(slots.get(&address, &key), None);
        slots.generation = u32::MAX;
        assert_eq!(slots.get(&address, &key), None, "the wrap cleared the entries themselves");
    }
}
