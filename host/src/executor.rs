//! Whole transactions through the precompile.
//!
//! revm's own mainnet handler does everything around bytecode: validation, intrinsic gas,
//! nonce and value transfer, the journal with its checkpoints, EIP-2929/2930 warm and cold
//! accounting, EIP-1153 transient storage, EIP-6780 SELFDESTRUCT, refunds, CREATE/CREATE2
//! rules and code deposit, EIP-7702 delegations and the Ethereum precompiles (run
//! natively by `revm-precompile`). Only the execution of bytecode frames is replaced: every
//! frame runs in the Wasm precompile, one [`Session`](crate::Session) per transaction, with
//! sub-calls suspending the guest frame and coming back through revm's frame loop. To
//! revm's rules it adds EIP-7610 (a create onto an account with storage collides), which
//! needs the database to implement [`StorageProbe`].

use crate::engine::Engine;
use crate::error::{Error, Source};
use crate::precompile::Precompile;
use crate::state_host::revm_host::RevmHost;
use evm::PrecompileEvm;
use revm::context::result::{EVMError, ExecutionResult, InvalidHeader, InvalidTransaction};
use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::{ContextTr, Database};
use revm::handler::{Handler, MainnetHandler};
use revm::interpreter::Host;
use revm::state::EvmState;
use std::sync::Arc;

pub mod collision;
/// Conversions between revm's frame types and the ABI's.
pub(crate) mod convert;
/// revm's `EvmTr` with frames run by the precompile.
mod evm;
mod lazy;
mod metered;
mod precompile_call;

pub use collision::{StorageProbe, StorageProbeRef};
pub use metered::Metered;

/// Why a transaction has no execution result, by blame.
///
/// Only `Ok(ExecutionResult)` (success, revert or halt) is an outcome to record.
/// [`TxError::Invalid`] and [`TxError::Header`] are deterministic too, but say that the
/// transaction cannot be included at all. Every other variant is the node's fault: it must
/// not be recorded, and no variant carries a bare string that could pass for a result.
#[derive(Debug, thiserror::Error)]
pub enum TxError<DbError> {
    /// revm's validation refused the transaction (nonce, balance, intrinsic gas, ...).
    #[error("invalid transaction: {0}")]
    Invalid(InvalidTransaction),
    /// The block header is invalid for the transaction.
    #[error("invalid block header: {0}")]
    Header(InvalidHeader),
    /// The node's database failed.
    #[error("database: {0}")]
    Database(DbError),
    /// The precompile could not run a frame: the engine, a host import or the artifact
    /// failed, or the guest broke (see the error's own blame).
    #[error("precompile: {0}")]
    Precompile(Error),
    /// revm failed on its own terms (an Ethereum precompile's fatal error).
    #[error("revm: {0}")]
    Fatal(#[source] Source),
}

/// The result type of [`Executor::transact`].
pub type TxResult<CTX> = Result<ExecutionResult, TxError<<<CTX as ContextTr>::Db as Database>::Error>>;

/// Loads the KZG trusted setup that the point-evaluation precompile (EIP-4844) verifies
/// against, once per process (with its precomputed tables: seconds on the reference machine).
///
/// revm loads it on first use otherwise, inside the first transaction that calls the
/// precompile, whose session would be timed and charged for what the node did once for all.
pub fn load_trusted_setup() {
    let (point, scalar) = ([0u8; 48], [0u8; 32]);
    revm::precompile::kzg_point_evaluation::verify_kzg_proof(&point, &scalar, &scalar, &point);
}

/// Runs whole transactions with every bytecode frame in the precompile.
pub struct Executor<CTX: ContextTr + Host + 'static> {
    precompile: Precompile<RevmHost<CTX>>,
}

impl<CTX> Executor<CTX>
where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>, Db: StorageProbe> + Host + 'static,
{
    /// Links the precompile for contexts of type `CTX`, and loads the KZG trusted setup
    /// ([`load_trusted_setup`]) if this process has not yet.
    ///
    /// # Errors
    /// As [`Precompile::new`].
    pub fn new(engine: &Engine) -> Result<Self, Error> {
        load_trusted_setup();
        Ok(Executor { precompile: Precompile::new(engine)? })
    }

    /// Executes the transaction in `ctx.tx()` on `ctx`'s block and state and gives the
    /// context back with the result. The journal holds the transaction's changes; finalize
    /// and commit it (`ctx.journal_mut().finalize()`) as with revm's `transact_one`.
    ///
    /// # Errors
    /// [`TxError`]: the transaction is invalid, or the node failed.
    pub fn transact(&self, ctx: CTX) -> (CTX, TxResult<CTX>) {
        let (ctx, result, _) = self.transact_metered(ctx);
        (ctx, result)
    }

    /// [`transact`](Executor::transact), with what the transaction's session cost.
    ///
    /// # Errors
    /// As [`transact`](Executor::transact).
    pub fn transact_metered(&self, ctx: CTX) -> (CTX, TxResult<CTX>, Metered) {
        let mut evm = match PrecompileEvm::new(&self.precompile, ctx) {
            Ok(evm) => evm,
            Err((ctx, error)) => return (ctx, Err(TxError::Precompile(error)), Metered::default()),
        };
        let result = MainnetHandler::<_, EVMError<_, InvalidTransaction>, _>::default().run(&mut evm);
        let (ctx, failure, metered) = evm.finish();
        (ctx, result.map_err(|error| blame(error, failure)), metered)
    }
}

/// Sorts revm's error by blame; `failure` is the typed error behind the executor's
/// sentinel string.
fn blame<E>(error: EVMError<E, InvalidTransaction>, failure: Option<Error>) -> TxError<E> {
    match (error, failure) {
        (_, Some(failure)) => TxError::Precompile(failure),
        (EVMError::Transaction(invalid), None) => TxError::Invalid(invalid),
        (EVMError::Header(invalid), None) => TxError::Header(invalid),
        (EVMError::Database(error), None) => TxError::Database(error),
        (EVMError::Custom(message), None) => {
            TxError::Fatal(Arc::from(Box::<dyn std::error::Error + Send + Sync>::from(message)))
        }
        (EVMError::CustomAny(error), None) => TxError::Fatal(Arc::new(error)),
    }
}
