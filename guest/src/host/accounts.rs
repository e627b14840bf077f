//! Account records the running frame has loaded, kept while it runs.
//!
//! SELFBALANCE costs 5 gas and BALANCE of a warm account 100; an import per load would cost
//! more than the gas pays for. While a frame runs without handing control to the node,
//! nothing but its own `transfer` and `selfdestruct` imports can change an account, and an
//! account it loaded stays warm (a revert ends the frame). So the records it loaded are
//! kept, as warm, until the frame suspends, returns, or moves value.

use alloc::vec::Vec;
use evmpc_abi::records::{AccessFlags, AccountRecord};
use revm_interpreter::primitives::Address;

/// At most this many records are kept; more only cost imports again.
const CAPACITY: usize = 8;

/// A kept record.
struct Entry {
    address: Address,
    record: AccountRecord,
    /// The import's flags, without `COLD`: the account is warm now.
    flags: AccessFlags,
    /// Whether the code length and delegate were loaded.
    with_code: bool,
}

/// The running frame's account records.
#[derive(Default)]
pub(crate) struct Accounts {
    entries: Vec<Entry>,
}

impl Accounts {
    /// The kept record of `address`, if it has what the load asks for.
    pub(crate) fn get(&self, address: &Address, load_code: bool) -> Option<(AccountRecord, AccessFlags)> {
        let entry = self.entries.iter().find(|entry| entry.address == *address)?;
        (entry.with_code || !load_code).then_some((entry.record, entry.flags))
    }

    /// Keeps a record the import returned.
    pub(crate) fn put(&mut self, address: Address, record: AccountRecord, flags: AccessFlags, with_code: bool) {
        let flags = AccessFlags(flags.0 & !AccessFlags::COLD);
        self.entries.retain(|entry| entry.address != address);
        if self.entries.len() == CAPACITY {
            self.entries.remove(0);
        }
        self.entries.push(Entry { address, record, flags, with_code });
    }

    /// Forgets every record: control goes to the node, or value moved.
    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
