//! The guard that lends the calling contract's storage to its open session for one host
//! call.

use super::contract::CallingContract;
use super::open_session::{LinkContext, LinkSession};
use crate::session::Session;
use crate::state_host::revm_host::RevmHost;

/// The calling contract's storage, lent to its open session while the guard lives: moved
/// into the session's context when the guard is made, and back to the contract when it
/// drops, whatever the call did in between.
pub(super) struct Lent<'a, T: CallingContract> {
    contract: &'a mut T,
}

impl<'a, T: CallingContract> Lent<'a, T> {
    /// Lends the contract's storage to its open session; `None` when no session is open.
    pub(super) fn new(contract: &'a mut T) -> Option<Self> {
        let storage = std::mem::take(contract.storage());
        match contract.link().session.as_mut() {
            Some(open) => {
                *open.storage() = storage;
                Some(Lent { contract })
            }
            None => {
                *contract.storage() = storage;
                None
            }
        }
    }

    /// The open session, over the lent storage.
    pub(super) fn session(&mut self) -> &mut Session<RevmHost<LinkContext<T::Storage>>> {
        &mut self.open().session
    }

    fn open(&mut self) -> &mut LinkSession<T::Storage> {
        // `new` saw the session, and the guard's borrow keeps anyone from ending it.
        self.contract.link().session.as_mut().expect("a lent storage has an open session")
    }
}

impl<T: CallingContract> Drop for Lent<'_, T> {
    fn drop(&mut self) {
        let storage = std::mem::take(self.open().storage());
        *self.contract.storage() = storage;
    }
}
