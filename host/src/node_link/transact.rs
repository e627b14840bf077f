//! `transact`: a contract's whole Ethereum transaction through the executor, over the
//! contract's storage.

use super::contract::{CallingContract, LinkTrap};
use super::gas::{prepay, refused};
use super::open_session::LinkContext;
use super::shared::Shared;
use crate::executor::{StorageProbe, TxError};
use borsh::BorshDeserialize;
use evmpc_abi::contract::{LinkError, Transaction};
use evmpc_state::transaction;
use evmpc_state::transaction::Environment;
use evmpc_state::{ContractDb, ContractStorage, CorruptState};
use revm::context::{Context, JournalTr};
use revm::context_interface::ContextTr;
use revm::primitives::Address;

impl<S: ContractStorage + 'static> StorageProbe for ContractDb<S> {
    fn has_storage(&mut self, address: Address) -> Result<bool, CorruptState> {
        ContractDb::has_storage(self, &address)
    }
}

/// The revm context of `tx` over `storage`, in the node's `environment`.
pub(super) fn context<S: ContractStorage + 'static>(
    storage: S,
    environment: &Environment,
    tx: &Transaction,
) -> LinkContext<S> {
    let mut ctx: LinkContext<S> = Context::new(ContractDb::new(storage), environment.spec);
    transaction::prepare(&mut ctx, environment, tx);
    ctx
}

/// Writes the final state of `ctx` to `storage` (on failure part of it may be written: the
/// node drops the contract call's writes on the trap).
pub(super) fn commit<S: ContractStorage + 'static>(mut ctx: LinkContext<S>, storage: &mut S) -> Result<(), LinkTrap> {
    let clear_empty = ctx.cfg.spec.is_enabled_in(revm::primitives::hardfork::SpecId::SPURIOUS_DRAGON);
    let state = ctx.journal_mut().finalize();
    let mut db = ContractDb::new(std::mem::take(storage));
    let written = db.commit(&state, clear_empty).map_err(LinkTrap::Storage);
    *storage = db.storage;
    written
}

/// Runs the transaction in `message` for the contract behind `host`.
pub(super) fn transact<T: CallingContract>(
    shared: &Shared<T::Storage>,
    host: &mut T,
    message: &[u8],
) -> Result<i64, LinkTrap> {
    if host.link().session.is_some() {
        return Ok(refused(LinkError::SessionOpen));
    }
    let Ok(tx) = Transaction::try_from_slice(message) else { return Ok(refused(LinkError::Malformed)) };
    let fixed = shared.schedule.per_session.saturating_add(shared.schedule.per_call);
    let prepaid = match prepay(&shared.schedule, host, fixed, tx.gas_limit, message.len() as u64)? {
        Ok(prepaid) => prepaid,
        Err(refusal) => return Ok(refused(refusal)),
    };
    let environment = host.environment();
    let ctx = context(std::mem::take(host.storage()), &environment, &tx);
    let (mut ctx, result, metered) = shared.executor.transact_metered(ctx);
    // The storage goes back as lent (revm only reads during a transaction).
    *host.storage() = std::mem::take(&mut ctx.journaled_state.database.storage);
    let settled = prepaid.settle(metered.fee.ok());
    if let Ok(refund) = settled {
        host.refund(refund);
    }
    // Nothing of a transaction that did not finish, or was not paid for, is kept.
    match (result, settled) {
        (_, Err(out_of_gas)) => Err(out_of_gas.into()),
        (Ok(result), Ok(_)) => {
            commit(ctx, host.storage())?;
            let bytes = borsh::to_vec(&transaction::outcome(&result)).map_err(LinkTrap::Encode)?;
            host.link().register = bytes;
            Ok(host.link().register.len() as i64)
        }
        (Err(TxError::Invalid(_) | TxError::Header(_)), _) => Ok(refused(LinkError::InvalidTransaction)),
        (Err(TxError::Precompile(error)), _) if error.as_frame().is_some() => Ok(refused(LinkError::FrameFailed)),
        (Err(other), _) => Err(LinkTrap::Transaction(other)),
    }
}
