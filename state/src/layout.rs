//! Keys are a one-byte tag then the identifying bytes; values have fixed encodings.
//!
//! Storage slots are keyed by the account's *generation*: destroying an account bumps it,
//! so the slots of the old account stop being visible without the engine having to find
//! and delete them (a key-value store cannot list them cheaply).

use alloc::vec::Vec;

/// An Ethereum address.
pub type Address = [u8; 20];
/// A 256-bit word, big-endian.
pub type Word = [u8; 32];

/// Key of an account: `b'A' ‖ address`; value a [`StoredAccount`].
pub fn account_key(address: &Address) -> Vec<u8> {
    [&[b'A'][..], address].concat()
}

/// Key of code: `b'C' ‖ keccak256(code)`; value the code.
pub fn code_key(hash: &Word) -> Vec<u8> {
    [&[b'C'][..], hash].concat()
}

/// Key of an account's [`SlotsRecord`]: `b'N' ‖ address`. It outlives the account.
pub fn slots_key(address: &Address) -> Vec<u8> {
    [&[b'N'][..], address].concat()
}

/// Key of a storage slot: `b'S' ‖ address ‖ generation (8 bytes, little-endian) ‖ key`;
/// value the 32-byte word (absent when zero).
pub fn slot_key(address: &Address, generation: u64, key: &Word) -> Vec<u8> {
    [&[b'S'][..], address, &generation.to_le_bytes(), key].concat()
}

/// An account as stored: balance, nonce, code hash.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct StoredAccount {
    /// Balance, big-endian.
    pub balance: Word,
    /// Nonce.
    pub nonce: u64,
    /// keccak256 of the code.
    pub code_hash: Word,
}

impl StoredAccount {
    /// Encoded size.
    pub const SIZE: usize = 72;

    /// `balance ‖ nonce (little-endian) ‖ code hash`.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[..32].copy_from_slice(&self.balance);
        out[32..40].copy_from_slice(&self.nonce.to_le_bytes());
        out[40..].copy_from_slice(&self.code_hash);
        out
    }

    /// Decodes [`to_bytes`](Self::to_bytes); `None` for another length.
    pub fn from_bytes(bytes: &[u8]) -> Option<StoredAccount> {
        let bytes: &[u8; Self::SIZE] = bytes.try_into().ok()?;
        let mut account = StoredAccount::default();
        account.balance.copy_from_slice(&bytes[..32]);
        account.nonce = u64::from_le_bytes(bytes[32..40].try_into().ok()?);
        account.code_hash.copy_from_slice(&bytes[40..]);
        Some(account)
    }
}

/// What is known of an account's storage without listing it: which generation of slots
/// is live, and how many of them are non-zero (EIP-7610 asks whether there are any).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlotsRecord {
    /// Bumped each time the account is destroyed.
    pub generation: u64,
    /// Non-zero slots of this generation.
    pub count: u64,
}

impl SlotsRecord {
    /// Encoded size.
    pub const SIZE: usize = 16;

    /// `generation ‖ count`, both little-endian.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[..8].copy_from_slice(&self.generation.to_le_bytes());
        out[8..].copy_from_slice(&self.count.to_le_bytes());
        out
    }

    /// Decodes [`to_bytes`](Self::to_bytes); `None` for another length.
    pub fn from_bytes(bytes: &[u8]) -> Option<SlotsRecord> {
        let bytes: &[u8; Self::SIZE] = bytes.try_into().ok()?;
        Some(SlotsRecord {
            generation: u64::from_le_bytes(bytes[..8].try_into().ok()?),
            count: u64::from_le_bytes(bytes[8..].try_into().ok()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_round_trip_and_reject_other_lengths() {
        let account = StoredAccount { balance: [7; 32], nonce: 9, code_hash: [3; 32] };
        assert_eq!(StoredAccount::from_bytes(&account.to_bytes()), Some(account));
        assert_eq!(StoredAccount::from_bytes(&[0; 71]), None);
        let slots = SlotsRecord { generation: 2, count: 5 };
        assert_eq!(SlotsRecord::from_bytes(&slots.to_bytes()), Some(slots));
        assert_eq!(SlotsRecord::from_bytes(&[0; 8]), None);
        assert_eq!(slot_key(&[1; 20], 3, &[2; 32]).len(), 61);
        assert_ne!(slot_key(&[1; 20], 3, &[2; 32]), slot_key(&[1; 20], 4, &[2; 32]));
    }
}
