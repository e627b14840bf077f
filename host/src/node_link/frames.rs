//! Frame by frame: a contract drives its own session of the precompile, over its storage.
//!
//! The first `frame_start` of a contract call opens the session with the node's context;
//! calls to accounts with code run inline, and the contract serves what comes out
//! (`Action::Call` to an Ethereum precompile, `Action::Create`) or refuses it.
//! `session_end` keeps or drops the state changes. Each root frame is prepaid for its gas
//! limit when it starts; the session's fee is checked against the prepaid gas after every
//! start and resume, and settled when the session ends (a contract call that never ends
//! its session keeps it all paid).

use super::transact::{commit, context};
use super::{prepay, refused, ContractHost, LinkContext, LinkTrap, Prepaid, Shared};
use crate::error::Error;
use crate::executor::convert;
use crate::revm_host::RevmHost;
use crate::session::Session;
use borsh::BorshDeserialize;
use evmpc_abi::contract::{LinkError, Transaction};
use evmpc_abi::{Action, FrameInput, GuestSlice, SubcallOutcome};
use evmpc_state::ContractStorage;
use revm::context::JournalTr;
use revm::context_interface::ContextTr;
use revm::handler::EthPrecompiles;
use revm::primitives::Address;

/// A contract's open session and what it prepaid so far.
pub(super) struct LinkSession<S: ContractStorage + 'static> {
    session: Session<RevmHost<LinkContext<S>>>,
    prepaid: Prepaid,
}

impl<S: ContractStorage + 'static> LinkSession<S> {
    /// Runs `step` with the contract's storage lent to the session.
    fn with_storage<R>(
        &mut self,
        storage: &mut S,
        step: impl FnOnce(&mut Session<RevmHost<LinkContext<S>>>) -> R,
    ) -> R {
        let lent = &mut self.session.host_mut().ctx.journaled_state.database.storage;
        std::mem::swap(lent, storage);
        let result = step(&mut self.session);
        std::mem::swap(&mut self.session.host_mut().ctx.journaled_state.database.storage, storage);
        result
    }
}

/// Starts the frame in `message`, opening the session first if none is open.
pub(super) fn start<T: ContractHost>(
    shared: &Shared<T::Storage>,
    host: &mut T,
    message: &[u8],
) -> Result<i64, LinkTrap> {
    let Ok(mut frame) = FrameInput::try_from_slice(message) else { return Ok(refused(LinkError::Malformed)) };
    let opening = host.link().session.is_none();
    let root = host.link().session.as_ref().is_none_or(|open| open.session.suspended() == 0);
    let mut prepaid = Prepaid { charged: 0, bounded: true };
    if root {
        let fixed = if opening { shared.schedule.per_session } else { 0 };
        prepaid = match prepay(&shared.schedule, host, fixed, frame.gas_limit, message.len() as u64)? {
            Ok(prepaid) => prepaid,
            Err(refusal) => return Ok(refused(refusal)),
        };
    }
    if opening {
        let opened = open(shared, host, &frame, prepaid).inspect_err(|_| host.refund(prepaid.charged))?;
        host.link().session = Some(opened);
    } else if let Some(open) = host.link().session.as_mut() {
        open.prepaid = open.prepaid.plus(prepaid);
    }
    let mut storage = std::mem::take(host.storage());
    let Some(open) = host.link().session.as_mut() else { return Ok(refused(LinkError::NoSession)) };
    // The node's context, whatever the contract wrote: the guest keeps the first one.
    frame.context = root.then(|| Box::new(node_context(&open.session)));
    let started = open.with_storage(&mut storage, |session| session.start(&frame));
    *host.storage() = storage;
    settle(host, started)
}

/// A new session over the contract's storage, its first frame's caller and target warm.
fn open<T: ContractHost>(
    shared: &Shared<T::Storage>,
    host: &mut T,
    frame: &FrameInput,
    prepaid: Prepaid,
) -> Result<LinkSession<T::Storage>, LinkTrap> {
    let environment = host.environment();
    let tx = Transaction {
        caller: frame.caller,
        to: Some(frame.target),
        value: frame.value,
        data: Vec::new(),
        gas_limit: frame.gas_limit,
    };
    let mut ctx = context(T::Storage::default(), &environment, &tx);
    let mut storage = std::mem::take(host.storage());
    std::mem::swap(&mut ctx.journaled_state.database.storage, &mut storage);
    let warmed = [frame.caller, frame.target]
        .into_iter()
        .try_for_each(|address| ctx.journal_mut().load_account(Address::from(address)).map(drop));
    std::mem::swap(&mut ctx.journaled_state.database.storage, &mut storage);
    *host.storage() = storage;
    warmed.map_err(|error| LinkTrap::Node(format!("{error:?}")))?;
    let mut session =
        shared.precompile.try_session(RevmHost::new(ctx)).map_err(|(_, error)| LinkTrap::Node(error.to_string()))?;
    session.inline_calls(true);
    Ok(LinkSession { session, prepaid })
}

/// The session's context as the guest takes it: the node's block, fork and chain.
fn node_context<S: ContractStorage + 'static>(session: &Session<RevmHost<LinkContext<S>>>) -> evmpc_abi::ExecContext {
    let ctx = &session.host().ctx;
    let spec = ctx.cfg().spec;
    let fork = convert::fork_of(spec).unwrap_or(evmpc_abi::Fork::Cancun);
    convert::exec_context(ctx, fork, &EthPrecompiles::new(spec))
}

/// Resumes the session with the outcome in `message`.
pub(super) fn resume<T: ContractHost>(
    _shared: &Shared<T::Storage>,
    host: &mut T,
    message: &[u8],
) -> Result<i64, LinkTrap> {
    let Ok(outcome) = SubcallOutcome::try_from_slice(message) else { return Ok(refused(LinkError::Malformed)) };
    if host.link().session.as_ref().is_none_or(|open| open.session.suspended() == 0) {
        return Ok(refused(LinkError::NoSession));
    }
    let mut storage = std::mem::take(host.storage());
    let Some(open) = host.link().session.as_mut() else { return Ok(refused(LinkError::NoSession)) };
    let resumed = open.with_storage(&mut storage, |session| session.resume(&outcome));
    *host.storage() = storage;
    settle(host, resumed)
}

/// The action of a start or resume in the register, once the fee so far is paid for.
fn settle<T: ContractHost>(host: &mut T, result: Result<Action, Error>) -> Result<i64, LinkTrap> {
    if let Some(open) = host.link().session.as_ref() {
        if open.prepaid.settle(open.session.fee().ok()).is_err() {
            close(host, false)?;
            return Err(LinkTrap::OutOfGas(super::OutOfGas));
        }
    }
    match result {
        Ok(action) => {
            let bytes = borsh::to_vec(&action).map_err(|e| LinkTrap::Node(e.to_string()))?;
            host.link().register = bytes;
            Ok(host.link().register.len() as i64)
        }
        Err(Error::Frame(crate::FrameError::Boundary(_))) => Ok(refused(LinkError::Refused)),
        Err(Error::Frame(_)) => {
            close(host, false)?;
            Ok(refused(LinkError::FrameFailed))
        }
        Err(Error::Node(error)) => {
            close(host, false)?;
            Err(LinkTrap::Node(error.to_string()))
        }
    }
}

/// Copies guest bytes at `offset` to the register.
pub(super) fn read<T: ContractHost>(host: &mut T, offset: u32, len: u32) -> i64 {
    let link = host.link();
    let Some(open) = link.session.as_ref() else { return refused(LinkError::NoSession) };
    match open.session.bytes(GuestSlice { offset, len }) {
        Ok(bytes) => {
            link.register = bytes.to_vec();
            i64::from(len)
        }
        Err(_) => refused(LinkError::OutOfBounds),
    }
}

/// Ends the session, keeping its changes when `commit`.
pub(super) fn end<T: ContractHost>(host: &mut T, commit: bool) -> Result<i64, LinkTrap> {
    if host.link().session.is_none() {
        return Ok(refused(LinkError::NoSession));
    }
    close(host, commit)?;
    Ok(0)
}

/// Drops the session, first writing its changes to the contract's storage when `commit`,
/// and settles what it prepaid to its fee.
fn close<T: ContractHost>(host: &mut T, keep: bool) -> Result<(), LinkTrap> {
    let Some(open) = host.link().session.take() else { return Ok(()) };
    if let Ok(refund) = open.prepaid.settle(open.session.fee().ok()) {
        host.refund(refund);
    }
    if keep {
        commit(open.session.into_host().ctx, host.storage())?;
    }
    Ok(())
}
