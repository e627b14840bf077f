//! A contract's open session, over the revm context the link runs, and what it prepaid.

use super::prepaid::Prepaid;
use crate::session::Session;
use crate::state_host::revm_host::RevmHost;
use evmpc_state::{ContractDb, ContractStorage};
use revm::context::{BlockEnv, CfgEnv, Context, Journal, TxEnv};

/// The revm context the link runs over: mainnet types over the lent contract storage.
pub type LinkContext<S> = Context<BlockEnv, TxEnv, CfgEnv, ContractDb<S>, Journal<ContractDb<S>>, ()>;

/// A contract's open session and what it prepaid so far.
pub(crate) struct LinkSession<S: ContractStorage + 'static> {
    pub(super) session: Session<RevmHost<LinkContext<S>>>,
    pub(super) prepaid: Prepaid,
}

impl<S: ContractStorage + 'static> LinkSession<S> {
    /// The storage the session's revm context reads and writes.
    pub(super) fn storage(&mut self) -> &mut S {
        &mut self.session.host_mut().ctx.journaled_state.database.storage
    }
}
