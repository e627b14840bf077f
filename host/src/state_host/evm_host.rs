use evmpc_abi::records::{AccountRecord, SelfDestructRecord};
use evmpc_abi::{Address, Word};

/// The result of a state access that EIP-2929 prices by warmth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access<T> {
    /// Loaded; `cold` tells whether this was the first access in the transaction.
    Loaded {
        /// The value.
        value: T,
        /// The access was cold (and the item is warm now).
        cold: bool,
    },
    /// The item is cold and the frame asked to skip cold loads (it lacks the gas).
    ColdSkipped,
}

impl<T> Access<T> {
    /// A warm access.
    pub fn warm(value: T) -> Self {
        Access::Loaded { value, cold: false }
    }
}

/// An account as [`EvmHost::account`] reports it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AccountInfo {
    /// Balance, nonce, code hash, code length and delegate.
    pub record: AccountRecord,
    /// Empty in the sense of EIP-161.
    pub is_empty: bool,
    /// The code is an EIP-7702 delegation to `record.delegate`.
    pub is_delegated: bool,
}

/// What came of [`EvmHost::transfer`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transfer {
    /// The value moved (or, for zero, the recipient was touched).
    Done,
    /// The sender's balance is below the value; nothing changed.
    OutOfFunds,
    /// The recipient's balance would overflow; nothing changed.
    Overflow,
}

/// Storage slot values around an SSTORE, for EIP-2200/3529 pricing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SstoreValues {
    /// Value at the start of the transaction.
    pub original: Word,
    /// Value before this write.
    pub present: Word,
}

/// The node's state, as the precompile's imports reach it.
///
/// One method per import of the ABI table (`evmpc_abi::imports`), plus checkpoints, so a
/// failed frame leaves no trace: a [`Session`](crate::Session) opens a checkpoint when a
/// frame starts and reverts it when the frame reverts, halts or fails.
///
/// Warm and cold status is the host's to track for the whole transaction (EIP-2929), as
/// are original storage values (EIP-2200). Transient storage (EIP-1153) is not: it lives in
/// the guest for the session.
///
/// The host lives in the session's store (whatever engine runs the guest), hence `'static`.
///
/// # Errors
/// Every method may fail with `Self::Error`: a node fault (a storage read failed). The
/// session stops the frame, undoes its changes and reports [`NodeError::Host`](crate::NodeError).
pub trait EvmHost: 'static {
    /// A node fault.
    type Error: std::error::Error + Send + Sync + 'static;
    /// A point the state can return to.
    type Checkpoint: Copy;

    /// Reads a storage slot.
    ///
    /// A slot the running frame read or wrote before is answered by the session itself
    /// (warm, with the value it saw last) until a call it ran fails, a self-destruct runs,
    /// or the guest returns to the node: so this is not asked once per SLOAD, and a
    /// node that prices its reads in [`take_node_fee`](Self::take_node_fee) sees only
    /// the ones that reach it (the same on every node).
    fn sload(&mut self, address: &Address, key: &Word, skip_cold: bool) -> Result<Access<Word>, Self::Error>;
    /// Writes a storage slot; returns its original and present values.
    fn sstore(
        &mut self,
        address: &Address,
        key: &Word,
        value: &Word,
        skip_cold: bool,
    ) -> Result<Access<SstoreValues>, Self::Error>;
    /// Loads an account; with `load_code`, also its code length and delegate.
    fn account(
        &mut self,
        address: &Address,
        load_code: bool,
        skip_cold: bool,
    ) -> Result<Access<AccountInfo>, Self::Error>;
    /// Copies code of an account loaded before, from `offset`, into `dest`; bytes past the
    /// end of the code are zero.
    fn code_copy(&mut self, address: &Address, offset: usize, dest: &mut [u8]) -> Result<(), Self::Error>;
    /// Writes the whole code of an account loaded before into `code` (its length is the
    /// code's) and the code's JUMPDEST bitmap into `jump_table`
    /// ([`analysis::jump_table_len`](crate::analysis::jump_table_len) bytes).
    ///
    /// The precompile asks at most once per session for each code it runs and never
    /// analyses code itself, so a node that keeps analysed code (as revm's state does, see
    /// [`analysis::copy_jump_table`](crate::analysis::copy_jump_table)) should serve both
    /// from it. An instance that keeps codes across sessions
    /// ([`EngineConfig::code_window`](crate::EngineConfig::code_window)) asks only for codes
    /// it does not hold yet, by the code hash the account's record gave, so the code must be
    /// the one that hash names. The default reads the code with [`code_copy`](Self::code_copy)
    /// and analyses it natively on every call.
    fn code_load(&mut self, address: &Address, code: &mut [u8], jump_table: &mut [u8]) -> Result<(), Self::Error> {
        self.code_copy(address, 0, code)?;
        crate::analysis::write_jump_table(code, jump_table);
        Ok(())
    }
    /// Hash of block `number`, one of the 256 before the current block.
    fn block_hash(&mut self, number: u64) -> Result<Word, Self::Error>;
    /// Records a log.
    fn log(&mut self, address: &Address, topics: &[Word], data: &[u8]) -> Result<(), Self::Error>;
    /// Moves `value` from `from` to `to`, both loaded in this transaction, for a call to an
    /// account without code; a zero value only touches `to` (EIP-161). All or nothing:
    /// on [`Transfer::OutOfFunds`] or [`Transfer::Overflow`] the state is unchanged.
    fn transfer(&mut self, from: &Address, to: &Address, value: &Word) -> Result<Transfer, Self::Error>;
    /// Self-destructs `address` in favour of `target` (EIP-6780 rules where active).
    fn selfdestruct(
        &mut self,
        address: &Address,
        target: &Address,
        skip_cold: bool,
    ) -> Result<Access<SelfDestructRecord>, Self::Error>;

    /// The node's own cost, in picoseconds of the reference machine, of the imports it
    /// served since the last call, and resets it.
    ///
    /// The fee schedule covers the precompile and a state kept in memory as revm's journal
    /// keeps it (what [`RevmHost`](crate::RevmHost) does); a node whose state costs more to
    /// reach (disk reads, a trie) reports the difference here, and the session adds it to
    /// its [`fee`](crate::Session::fee). The default reports nothing.
    fn take_node_fee(&mut self) -> crate::fees::Picos {
        0
    }

    /// Opens a checkpoint.
    fn checkpoint(&mut self) -> Self::Checkpoint;
    /// Keeps the changes since the innermost open checkpoint.
    fn checkpoint_commit(&mut self);
    /// Undoes the changes since `checkpoint` and closes it.
    fn checkpoint_revert(&mut self, checkpoint: Self::Checkpoint);
}
