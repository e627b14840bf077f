//! Reads go straight to the storage (revm's journal caches what a transaction touched);
//! [`ContractDb::commit`] writes a finished transaction's state back.

use crate::layout::{self, SlotsRecord, StoredAccount};
use crate::storage::ContractStorage;
use alloc::format;
use alloc::string::String;
use revm::database_interface::{DBErrorMarker, Database};
use revm::primitives::{keccak256, Address, StorageKey, StorageValue, B256, KECCAK_EMPTY, U256};
use revm::state::{AccountInfo, Bytecode, EvmState};

/// A stored value that does not decode: the storage does not hold what the layout says
/// (the node's fault, or the engine wrote something else under a layout key).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("contract storage: {0} does not hold what the layout says")]
pub struct CorruptState(pub String);

impl DBErrorMarker for CorruptState {}

/// A revm [`Database`] over a [`ContractStorage`] in the [`layout`].
#[derive(Clone, Debug, Default)]
pub struct ContractDb<S> {
    /// The storage.
    pub storage: S,
}

impl<S: ContractStorage> ContractDb<S> {
    /// A database over `storage`.
    pub fn new(storage: S) -> ContractDb<S> {
        ContractDb { storage }
    }

    /// The stored account at `address`, if any.
    ///
    /// # Errors
    /// [`CorruptState`] when the stored bytes do not decode.
    pub fn account(&self, address: &Address) -> Result<Option<StoredAccount>, CorruptState> {
        match self.storage.read(&layout::account_key(&address.0 .0)) {
            None => Ok(None),
            Some(bytes) => {
                StoredAccount::from_bytes(&bytes).map(Some).ok_or_else(|| CorruptState(format!("account {address}")))
            }
        }
    }

    /// The storage record of `address` (generation 0, no slots, when none is stored).
    ///
    /// # Errors
    /// [`CorruptState`] when the stored bytes do not decode.
    pub fn slots(&self, address: &Address) -> Result<SlotsRecord, CorruptState> {
        match self.storage.read(&layout::slots_key(&address.0 .0)) {
            None => Ok(SlotsRecord::default()),
            Some(bytes) => SlotsRecord::from_bytes(&bytes).ok_or_else(|| CorruptState(format!("slots of {address}"))),
        }
    }

    /// Puts an account with `balance`, `nonce` and `code` into the storage (a genesis).
    pub fn insert_account(&mut self, address: Address, balance: U256, nonce: u64, code: &[u8]) {
        let code_hash = if code.is_empty() { KECCAK_EMPTY } else { keccak256(code) };
        if !code.is_empty() {
            self.storage.write(&layout::code_key(&code_hash.0), code);
        }
        let stored = StoredAccount { balance: balance.to_be_bytes::<32>(), nonce, code_hash: code_hash.0 };
        self.storage.write(&layout::account_key(&address.0 .0), &stored.to_bytes());
    }

    /// Sets a storage slot of `address` (a genesis).
    ///
    /// # Errors
    /// [`CorruptState`] when the account's record or old value does not decode.
    pub fn insert_slot(&mut self, address: Address, key: U256, value: U256) -> Result<(), CorruptState> {
        let mut record = self.slots(&address)?;
        self.write_slot(&address, &mut record, key, value)?;
        self.storage.write(&layout::slots_key(&address.0 .0), &record.to_bytes());
        Ok(())
    }

    /// Writes a slot of the record's generation and keeps its count.
    fn write_slot(
        &mut self,
        address: &Address,
        record: &mut SlotsRecord,
        key: U256,
        value: U256,
    ) -> Result<(), CorruptState> {
        let slot_key = layout::slot_key(&address.0 .0, record.generation, &key.to_be_bytes::<32>());
        let was = !self.read_slot(&slot_key, address, key)?.is_zero();
        let now = !value.is_zero();
        match now {
            true => self.storage.write(&slot_key, &value.to_be_bytes::<32>()),
            false => self.storage.remove(&slot_key),
        }
        record.count = record.count.saturating_add(u64::from(now && !was)).saturating_sub(u64::from(was && !now));
        Ok(())
    }

    fn read_slot(&self, slot_key: &[u8], address: &Address, key: U256) -> Result<U256, CorruptState> {
        match self.storage.read(slot_key) {
            None => Ok(U256::ZERO),
            Some(bytes) => {
                let word: [u8; 32] = bytes.try_into().map_err(|_| CorruptState(format!("slot {key} of {address}")))?;
                Ok(U256::from_be_bytes(word))
            }
        }
    }

    /// Writes a finished transaction's `state` (revm's journal, finalized) into the storage:
    /// accounts, new code, slots. Destroyed accounts go, with their slots (a new
    /// generation); with `clear_empty` (EIP-161, Spurious Dragon on), so do touched empty
    /// accounts.
    ///
    /// # Errors
    /// [`CorruptState`] when a record it updates does not decode; what was written before
    /// stays written, so a node must drop the contract call's writes.
    pub fn commit(&mut self, state: &EvmState, clear_empty: bool) -> Result<(), CorruptState> {
        for (address, account) in state {
            if !account.is_touched() {
                continue;
            }
            let key = layout::account_key(&address.0 .0);
            let mut record = self.slots(address)?;
            let fresh = SlotsRecord { generation: record.generation.saturating_add(1), count: 0 };
            if account.is_selfdestructed() {
                self.storage.remove(&key);
                self.storage.write(&layout::slots_key(&address.0 .0), &fresh.to_bytes());
                continue;
            }
            if clear_empty && account.is_empty() {
                self.storage.remove(&key);
                continue;
            }
            if account.is_created() && record.count > 0 {
                // revm reads a created account's storage as empty: so must the next read.
                record = fresh;
            }
            let info = &account.info;
            if let Some(code) = info.code.as_ref().filter(|code| !code.is_empty()) {
                let code_key = layout::code_key(&info.code_hash.0);
                if self.storage.read(&code_key).is_none() {
                    self.storage.write(&code_key, code.original_byte_slice());
                }
            }
            let stored = StoredAccount {
                balance: info.balance.to_be_bytes::<32>(),
                nonce: info.nonce,
                code_hash: info.code_hash.0,
            };
            self.storage.write(&key, &stored.to_bytes());
            let before = record;
            for (slot, value) in account.changed_storage_slots() {
                self.write_slot(address, &mut record, *slot, value.present_value)?;
            }
            if record != before {
                self.storage.write(&layout::slots_key(&address.0 .0), &record.to_bytes());
            }
        }
        Ok(())
    }

    /// Whether `address` holds any non-zero storage slot (EIP-7610).
    ///
    /// # Errors
    /// [`CorruptState`] when its record does not decode.
    pub fn has_storage(&self, address: &Address) -> Result<bool, CorruptState> {
        Ok(self.slots(address)?.count > 0)
    }
}

impl<S: ContractStorage> Database for ContractDb<S> {
    type Error = CorruptState;

    fn basic(&mut self, address: Address) -> Result<Option<AccountInfo>, CorruptState> {
        let Some(stored) = self.account(&address)? else { return Ok(None) };
        let code_hash = B256::from(stored.code_hash);
        let code = if code_hash == KECCAK_EMPTY { None } else { Some(self.code_by_hash(code_hash)?) };
        Ok(Some(AccountInfo {
            balance: U256::from_be_bytes(stored.balance),
            nonce: stored.nonce,
            code_hash,
            code,
            account_id: None,
        }))
    }

    fn code_by_hash(&mut self, code_hash: B256) -> Result<Bytecode, CorruptState> {
        if code_hash == KECCAK_EMPTY {
            return Ok(Bytecode::default());
        }
        let bytes = self.storage.read(&layout::code_key(&code_hash.0)).unwrap_or_default();
        if keccak256(&bytes) != code_hash {
            return Err(CorruptState(format!("code {code_hash}")));
        }
        Ok(Bytecode::new_raw(bytes.into()))
    }

    fn storage(&mut self, address: Address, index: StorageKey) -> Result<StorageValue, CorruptState> {
        let generation = self.slots(&address)?.generation;
        self.read_slot(&layout::slot_key(&address.0 .0, generation, &index.to_be_bytes::<32>()), &address, index)
    }

    fn block_hash(&mut self, number: u64) -> Result<B256, CorruptState> {
        // Block hashes are the node's, not the contract's: a fixed function of the number.
        Ok(keccak256(number.to_be_bytes()))
    }
}
