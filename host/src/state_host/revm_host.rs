use crate::error::Source;
use crate::state_host::evm_host::{Access, AccountInfo, EvmHost, SstoreValues, Transfer};
use evmpc_abi::records::{AccountRecord, SelfDestructRecord};
use evmpc_abi::{Address, Word};
use revm::context::JournalTr;
use revm::context_interface::journaled_state::JournalCheckpoint;
use revm::context_interface::{context::ContextError, host::LoadError, ContextTr};
use revm::interpreter::Host;
use revm::primitives::{Address as RAddress, Log, LogData, B256, U256};

/// [`EvmHost`] for any revm context: state and journal are revm's own, so warm/cold
/// accounting, original values, transient storage and checkpoints behave exactly as in
/// native revm.
///
/// This is how a node that already keeps its state behind a revm `Database` plugs in, and
/// what [`MemoryHost`](crate::MemoryHost) and the transaction executor build on.
#[derive(Debug)]
pub struct RevmHost<CTX> {
    /// The revm context (block, tx, cfg, journal over the database).
    pub ctx: CTX,
}

/// A revm database or context failure.
#[derive(Debug, thiserror::Error)]
pub enum RevmHostError {
    /// The database failed.
    #[error("revm database: {0}")]
    Database(#[source] Source),
    /// revm's context reported a failure of its own.
    #[error("revm context: {0}")]
    Context(#[source] Source),
    /// A load failed and revm recorded no error for it.
    #[error("a load failed without a recorded error")]
    Unrecorded,
}

impl RevmHostError {
    #[cold]
    #[inline(never)]
    fn database(error: impl std::error::Error + Send + Sync + 'static) -> RevmHostError {
        RevmHostError::Database(std::sync::Arc::new(error))
    }
}

impl<CTX: ContextTr + Host> RevmHost<CTX> {
    /// Wraps a revm context.
    pub fn new(ctx: CTX) -> Self {
        RevmHost { ctx }
    }

    /// The database error revm recorded when a load failed. Cold and out of line: the
    /// imports' hot path (a warm SLOAD) stays as small as it was with errors as text.
    #[cold]
    #[inline(never)]
    fn failure(&mut self) -> RevmHostError {
        match std::mem::replace(self.ctx.error(), Ok(())) {
            Err(ContextError::Db(error)) => RevmHostError::database(error),
            Err(ContextError::Custom(message)) => {
                RevmHostError::Context(Source::from(Box::<dyn std::error::Error + Send + Sync>::from(message)))
            }
            Ok(()) => RevmHostError::Unrecorded,
        }
    }

    /// Loads `addr` into the journal if it is not there yet. revm's journal assumes the
    /// running contract and both ends of a transfer are loaded and panics otherwise; a
    /// transaction always loads them first, but a frame a node starts on a state of its own
    /// may not, and a bad frame must never panic the node. A no-op when loaded already.
    fn ensure_loaded(&mut self, addr: &Address) -> Result<(), RevmHostError> {
        match self.ctx.journal_mut().load_account(address(addr)) {
            Ok(_) => Ok(()),
            Err(error) => Err(RevmHostError::database(error)),
        }
    }

    fn access<T>(&mut self, result: Result<(T, bool), LoadError>) -> Result<Access<T>, RevmHostError> {
        match result {
            Ok((value, cold)) => Ok(Access::Loaded { value, cold }),
            Err(LoadError::ColdLoadSkipped) => Ok(Access::ColdSkipped),
            Err(LoadError::DBError) => Err(self.failure()),
        }
    }
}

fn address(bytes: &Address) -> RAddress {
    RAddress::from(*bytes)
}

fn word(bytes: &Word) -> U256 {
    U256::from_be_bytes(*bytes)
}

impl<CTX: ContextTr + Host + 'static> EvmHost for RevmHost<CTX> {
    type Error = RevmHostError;
    type Checkpoint = JournalCheckpoint;

    fn sload(&mut self, addr: &Address, key: &Word, skip_cold: bool) -> Result<Access<Word>, Self::Error> {
        let mut loaded = self.ctx.sload_skip_cold_load(address(addr), word(key), skip_cold);
        if !skip_cold && matches!(loaded, Err(LoadError::ColdLoadSkipped)) {
            // The account itself was never loaded (see `ensure_loaded`).
            self.ensure_loaded(addr)?;
            loaded = self.ctx.sload_skip_cold_load(address(addr), word(key), skip_cold);
        }
        self.access(loaded.map(|load| (load.data.to_be_bytes::<32>(), load.is_cold)))
    }

    fn sstore(
        &mut self,
        addr: &Address,
        key: &Word,
        value: &Word,
        skip_cold: bool,
    ) -> Result<Access<SstoreValues>, Self::Error> {
        let mut stored = self.ctx.sstore_skip_cold_load(address(addr), word(key), word(value), skip_cold);
        if !skip_cold && matches!(stored, Err(LoadError::ColdLoadSkipped)) {
            self.ensure_loaded(addr)?;
            stored = self.ctx.sstore_skip_cold_load(address(addr), word(key), word(value), skip_cold);
        }
        self.access(stored.map(|load| {
            let values = SstoreValues {
                original: load.data.original_value.to_be_bytes::<32>(),
                present: load.data.present_value.to_be_bytes::<32>(),
            };
            (values, load.is_cold)
        }))
    }

    fn account(
        &mut self,
        addr: &Address,
        load_code: bool,
        skip_cold: bool,
    ) -> Result<Access<AccountInfo>, Self::Error> {
        let loaded = self.ctx.load_account_info_skip_cold_load(address(addr), load_code, skip_cold).map(|load| {
            let info = &load.account;
            let code = info.code.as_ref();
            let delegate = code.and_then(|code| code.eip7702_address());
            let record = AccountRecord {
                balance: info.balance.to_be_bytes::<32>(),
                nonce: info.nonce,
                code_hash: info.code_hash.0,
                code_len: code.map_or(0, |code| code.original_byte_slice().len() as u32),
                delegate: delegate.map_or([0; 20], |d| d.0 .0),
            };
            let account = AccountInfo { record, is_empty: load.is_empty, is_delegated: delegate.is_some() };
            (account, load.is_cold)
        });
        self.access(loaded)
    }

    fn code_copy(&mut self, addr: &Address, offset: usize, dest: &mut [u8]) -> Result<(), Self::Error> {
        let load = match self.ctx.load_account_info_skip_cold_load(address(addr), true, false) {
            Ok(load) => load,
            Err(_) => return Err(self.failure()),
        };
        let code = load.account.code.as_ref().map(|code| code.original_byte_slice()).unwrap_or_default();
        let start = offset.min(code.len());
        let available = &code[start..];
        let copied = available.len().min(dest.len());
        dest[..copied].copy_from_slice(&available[..copied]);
        dest[copied..].fill(0);
        Ok(())
    }

    /// Serves the code and the JUMPDEST bitmap revm keeps with it: nothing is analysed.
    fn code_load(&mut self, addr: &Address, dest: &mut [u8], jump_table: &mut [u8]) -> Result<(), Self::Error> {
        let load = match self.ctx.load_account_info_skip_cold_load(address(addr), true, false) {
            Ok(load) => load,
            Err(_) => return Err(self.failure()),
        };
        match load.account.code.as_ref() {
            Some(code) => {
                let bytes = code.original_byte_slice();
                let copied = bytes.len().min(dest.len());
                dest[..copied].copy_from_slice(&bytes[..copied]);
                dest[copied..].fill(0);
                crate::analysis::copy_jump_table(code, jump_table);
            }
            None => {
                dest.fill(0);
                jump_table.fill(0);
            }
        }
        Ok(())
    }

    fn block_hash(&mut self, number: u64) -> Result<Word, Self::Error> {
        match self.ctx.block_hash(number) {
            Some(hash) => Ok(hash.0),
            None => Err(self.failure()),
        }
    }

    fn log(&mut self, addr: &Address, topics: &[Word], data: &[u8]) -> Result<(), Self::Error> {
        let topics = topics.iter().map(|topic| B256::from(*topic)).collect();
        let data = LogData::new_unchecked(topics, data.to_vec().into());
        self.ctx.log(Log { address: address(addr), data });
        Ok(())
    }

    fn transfer(&mut self, from: &Address, to: &Address, value: &Word) -> Result<Transfer, Self::Error> {
        self.ensure_loaded(from)?;
        self.ensure_loaded(to)?;
        let journal = self.ctx.journal_mut();
        let checkpoint = journal.checkpoint();
        match journal.transfer_loaded(address(from), address(to), word(value)) {
            None => {
                journal.checkpoint_commit();
                Ok(Transfer::Done)
            }
            Some(error) => {
                journal.checkpoint_revert(checkpoint);
                Ok(match error {
                    revm::context_interface::journaled_state::TransferError::OutOfFunds => Transfer::OutOfFunds,
                    _ => Transfer::Overflow,
                })
            }
        }
    }

    fn selfdestruct(
        &mut self,
        addr: &Address,
        target: &Address,
        skip_cold: bool,
    ) -> Result<Access<SelfDestructRecord>, Self::Error> {
        self.ensure_loaded(addr)?;
        let destroyed = self.ctx.selfdestruct(address(addr), address(target), skip_cold).map(|load| {
            let record = SelfDestructRecord {
                had_value: load.data.had_value,
                target_exists: load.data.target_exists,
                previously_destroyed: load.data.previously_destroyed,
            };
            (record, load.is_cold)
        });
        self.access(destroyed)
    }

    fn checkpoint(&mut self) -> Self::Checkpoint {
        self.ctx.journal_mut().checkpoint()
    }

    fn checkpoint_commit(&mut self) {
        self.ctx.journal_mut().checkpoint_commit()
    }

    fn checkpoint_revert(&mut self, checkpoint: Self::Checkpoint) {
        self.ctx.journal_mut().checkpoint_revert(checkpoint)
    }
}
