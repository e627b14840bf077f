//! Fixed-size records that imports write into guest memory, and the flags they return.
//!
//! Integers in records are little-endian (Wasm's byte order); words stay big-endian.

use crate::{Address, Word};

/// Flags an import passes in (`flags` parameter).
pub mod request {
    /// Do not load the account or slot if it is cold: the frame lacks the gas for it.
    pub const SKIP_COLD: i32 = 1;
    /// Load the account's code too (`account` import).
    pub const LOAD_CODE: i32 = 2;
}

/// Flags and answers of the `call_enter` import.
pub mod call {
    /// The call moves its value from the caller to the target (CALL, CALLCODE); without it
    /// (DELEGATECALL, STATICCALL) nothing moves.
    pub const TRANSFERS_VALUE: i32 = 1;
    /// The callee's checkpoint is open and its value moved: the guest runs the callee.
    pub const ENTERED: i32 = 0;
    /// The node runs this call itself: the guest suspends with `Action::Call`.
    pub const NOT_SERVED: i32 = -1;
}

/// Bit set an access import returns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccessFlags(pub i32);

impl AccessFlags {
    /// The account or slot was cold (EIP-2929) and is warm now.
    pub const COLD: i32 = 1;
    /// The load was skipped because it was cold and `SKIP_COLD` was asked; nothing was
    /// written to `out`.
    pub const SKIPPED: i32 = 2;
    /// The account is empty (EIP-161): no code, zero nonce, zero balance.
    pub const EMPTY: i32 = 4;
    /// The account's code is an EIP-7702 delegation.
    pub const DELEGATED: i32 = 8;

    /// Whether `flag` is set.
    pub const fn has(self, flag: i32) -> bool {
        self.0 & flag != 0
    }

    /// Builds flags from their parts.
    pub fn new(cold: bool, skipped: bool, empty: bool, delegated: bool) -> Self {
        let bit = |set: bool, flag: i32| if set { flag } else { 0 };
        AccessFlags(
            bit(cold, Self::COLD)
                | bit(skipped, Self::SKIPPED)
                | bit(empty, Self::EMPTY)
                | bit(delegated, Self::DELEGATED),
        )
    }
}

/// What the `account` import writes: balance, nonce, code hash, code length and, for an
/// EIP-7702 account, the delegate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountRecord {
    /// Balance (big-endian).
    pub balance: Word,
    /// Nonce.
    pub nonce: u64,
    /// Code hash (keccak256 of the code; of the empty string for an account without code).
    pub code_hash: Word,
    /// Code length in bytes (when code was asked for).
    pub code_len: u32,
    /// The EIP-7702 delegate (when code was asked for and is a delegation), else zero.
    pub delegate: Address,
}

impl AccountRecord {
    /// Encoded size in bytes.
    pub const SIZE: usize = 32 + 8 + 32 + 4 + 20;

    /// Encodes the record.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        let mut out = [0u8; Self::SIZE];
        out[0..32].copy_from_slice(&self.balance);
        out[32..40].copy_from_slice(&self.nonce.to_le_bytes());
        out[40..72].copy_from_slice(&self.code_hash);
        out[72..76].copy_from_slice(&self.code_len.to_le_bytes());
        out[76..96].copy_from_slice(&self.delegate);
        out
    }

    /// Decodes a record.
    pub fn from_bytes(bytes: &[u8; Self::SIZE]) -> Self {
        let mut record = AccountRecord::default();
        record.balance.copy_from_slice(&bytes[0..32]);
        record.nonce = u64::from_le_bytes(bytes[32..40].try_into().unwrap_or_default());
        record.code_hash.copy_from_slice(&bytes[40..72]);
        record.code_len = u32::from_le_bytes(bytes[72..76].try_into().unwrap_or_default());
        record.delegate.copy_from_slice(&bytes[76..96]);
        record
    }
}

/// What the `selfdestruct` import writes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SelfDestructRecord {
    /// The account had a non-zero balance.
    pub had_value: bool,
    /// The beneficiary existed.
    pub target_exists: bool,
    /// The account had self-destructed before in this transaction.
    pub previously_destroyed: bool,
}

impl SelfDestructRecord {
    /// Encoded size in bytes.
    pub const SIZE: usize = 3;

    /// Encodes the record.
    pub fn to_bytes(&self) -> [u8; Self::SIZE] {
        [self.had_value as u8, self.target_exists as u8, self.previously_destroyed as u8]
    }

    /// Decodes a record.
    pub fn from_bytes(bytes: &[u8; Self::SIZE]) -> Self {
        SelfDestructRecord {
            had_value: bytes[0] != 0,
            target_exists: bytes[1] != 0,
            previously_destroyed: bytes[2] != 0,
        }
    }
}

/// Size of what `sstore` writes: the original then the present value.
pub const SSTORE_RECORD_SIZE: usize = 64;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_record_round_trips() {
        let record = AccountRecord {
            balance: [7; 32],
            nonce: 0x0102_0304_0506_0708,
            code_hash: [9; 32],
            code_len: 24_576,
            delegate: [3; 20],
        };
        assert_eq!(AccountRecord::from_bytes(&record.to_bytes()), record);
        assert_eq!(&record.to_bytes()[32..40], &[8, 7, 6, 5, 4, 3, 2, 1]);
    }

    #[test]
    fn flags_compose() {
        let flags = AccessFlags::new(true, false, true, false);
        assert!(flags.has(AccessFlags::COLD) && flags.has(AccessFlags::EMPTY));
        assert!(!flags.has(AccessFlags::SKIPPED) && !flags.has(AccessFlags::DELEGATED));
        let destroyed = SelfDestructRecord { had_value: true, target_exists: false, previously_destroyed: true };
        assert_eq!(SelfDestructRecord::from_bytes(&destroyed.to_bytes()), destroyed);
    }
}
