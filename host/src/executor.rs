//! Whole transactions through the precompile.
//!
//! revm's own mainnet handler does everything around bytecode: validation, intrinsic gas,
//! nonce and value transfer, the journal with its checkpoints, EIP-2929/2930 warm and cold
//! accounting, EIP-1153 transient storage, EIP-6780 SELFDESTRUCT, refunds, CREATE/CREATE2
//! addresses and code deposit, EIP-7702 delegations and the Ethereum precompiles (run
//! natively by `revm-precompile`). Only the execution of bytecode frames is replaced: every
//! frame runs in the Wasm precompile, one [`Session`](crate::Session) per transaction, with
//! sub-calls suspending the guest frame and coming back through revm's frame loop.

use crate::engine::{Engine, Precompile};
use crate::error::Error;
use crate::revm_host::RevmHost;
use evm::PrecompileEvm;
use revm::context::result::{EVMError, ExecutionResult, InvalidTransaction};
use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::{ContextTr, Database};
use revm::handler::{Handler, MainnetHandler};
use revm::interpreter::Host;
use revm::state::EvmState;

/// Conversions between revm's frame types and the ABI's.
mod convert;
/// revm's `EvmTr` with frames run by the precompile.
mod evm;

/// The error of a transaction: revm's, with the database error of `CTX`.
pub type TxError<CTX> = EVMError<<<CTX as ContextTr>::Db as Database>::Error, InvalidTransaction>;

/// Runs whole transactions with every bytecode frame in the precompile.
pub struct Executor<CTX: ContextTr + Host + 'static> {
    precompile: Precompile<RevmHost<CTX>>,
}

impl<CTX> Executor<CTX>
where
    CTX: ContextTr<Journal: JournalTr<State = EvmState>> + Host + 'static,
{
    /// Links the precompile for contexts of type `CTX`.
    ///
    /// # Errors
    /// As [`Precompile::new`].
    pub fn new(engine: &Engine) -> Result<Self, Error> {
        Ok(Executor { precompile: Precompile::new(engine)? })
    }

    /// Executes the transaction in `ctx.tx()` on `ctx`'s block and state and gives the
    /// context back with the result. The journal holds the transaction's changes; finalize
    /// and commit it (`ctx.journal_mut().finalize()`) as with revm's `transact_one`.
    ///
    /// # Errors
    /// The transaction is invalid (the `Err` of revm's validation), the database failed, or
    /// the precompile failed (`EVMError::Custom`, naming the frame or node error).
    pub fn transact(&self, ctx: CTX) -> (CTX, Result<ExecutionResult, TxError<CTX>>) {
        let mut evm = match PrecompileEvm::new(&self.precompile, ctx) {
            Ok(evm) => evm,
            Err((ctx, error)) => return (ctx, Err(EVMError::Custom(error.to_string()))),
        };
        let result = MainnetHandler::<_, TxError<CTX>, _>::default().run(&mut evm);
        (evm.into_context(), result)
    }
}
