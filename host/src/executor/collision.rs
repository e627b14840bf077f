//! EIP-7610: CREATE and CREATE2 onto an address whose storage is not empty collide, as
//! onto one with code or a nonce. Mainnet has such accounts (storage written before
//! EIP-161 cleared their empty shells), so this is consensus. revm checks code and nonce;
//! the storage check needs the state to say whether an account has storage, which revm's
//! `Database` cannot, hence [`StorageProbe`].

use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::{ContextTr, Database};
use revm::database::{CacheDB, DatabaseRef, EmptyDB, State};
use revm::handler::evm::ContextDbError;
use revm::handler::{EthFrame, FrameData, FrameResult};
use revm::interpreter::{CreateOutcome, Gas, InstructionResult, InterpreterResult};
use revm::primitives::{Address, Bytes};

/// A database that can tell whether an account has storage (EIP-7610).
pub trait StorageProbe: Database {
    /// Whether `address` holds any non-zero storage slot in this state.
    ///
    /// # Errors
    /// The database failed.
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error>;
}

/// A read-only database that can tell whether an account has storage.
pub trait StorageProbeRef: DatabaseRef {
    /// Whether `address` holds any non-zero storage slot.
    ///
    /// # Errors
    /// The database failed.
    fn has_storage_ref(&self, address: Address) -> Result<bool, Self::Error>;
}

impl StorageProbeRef for EmptyDB {
    fn has_storage_ref(&self, _address: Address) -> Result<bool, Self::Error> {
        Ok(false)
    }
}

impl StorageProbe for EmptyDB {
    fn has_storage(&mut self, _address: Address) -> Result<bool, Self::Error> {
        Ok(false)
    }
}

impl<DB: StorageProbeRef> StorageProbe for CacheDB<DB> {
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        if let Some(account) = self.cache.accounts.get(&address) {
            if account.storage.values().any(|value| !value.is_zero()) {
                return Ok(true);
            }
            if matches!(account.account_state, revm::database::AccountState::StorageCleared) {
                return Ok(false);
            }
        }
        self.db.has_storage_ref(address)
    }
}

impl<DB: StorageProbe> StorageProbe for State<DB> {
    fn has_storage(&mut self, address: Address) -> Result<bool, Self::Error> {
        if let Some(cached) = self.cache.accounts.get(&address) {
            if let Some(account) = &cached.account {
                if account.storage.values().any(|value| !value.is_zero()) {
                    return Ok(true);
                }
            }
            if cached.status.is_storage_known() {
                return Ok(false);
            }
        }
        self.database.has_storage(address).map_err(revm::database_interface::bal::EvmDatabaseError::Database)
    }
}

/// Checks a create frame revm has just set up: when its new account has storage, undoes
/// the frame's checkpoint and gives the collision result revm gives for code or a nonce
/// (the creator's nonce stays bumped, the new address stays warm, the gas is consumed).
///
/// # Errors
/// The database failed.
pub fn storage_collision<CTX>(ctx: &mut CTX, frame: &EthFrame) -> Result<Option<FrameResult>, ContextDbError<CTX>>
where
    CTX: ContextTr<Db: StorageProbe>,
{
    let FrameData::Create(create) = &frame.data else { return Ok(None) };
    let address = create.created_address;
    if !ctx.db_mut().has_storage(address).map_err(revm::context::ContextError::Db)? {
        return Ok(None);
    }
    ctx.journal_mut().checkpoint_revert(frame.checkpoint);
    let result = InterpreterResult {
        result: InstructionResult::CreateCollision,
        gas: Gas::new(frame.interpreter.gas.limit()),
        output: Bytes::new(),
    };
    Ok(Some(FrameResult::Create(CreateOutcome::new(result, None))))
}
