//! What the link's host functions share: the executor, the precompile and the schedule.

use super::open_session::LinkContext;
use crate::executor::Executor;
use crate::fees::FeeSchedule;
use crate::precompile::Precompile;
use crate::state_host::revm_host::RevmHost;
use evmpc_state::ContractStorage;

/// What the host functions share.
pub(super) struct Shared<S: ContractStorage + 'static> {
    pub(super) executor: Executor<LinkContext<S>>,
    pub(super) precompile: Precompile<RevmHost<LinkContext<S>>>,
    pub(super) schedule: FeeSchedule,
}
