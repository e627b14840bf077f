//! Frame by frame: a contract drives its own session of the precompile, over its storage.
//!
//! The first `frame_start` of a contract call opens the session with the node's context;
//! calls to accounts with code run inline, and the contract serves what comes out
//! (`Action::Call` to an Ethereum precompile, `Action::Create`) or refuses it.
//! `session_end` keeps or drops the state changes. Each root frame is prepaid for its gas
//! limit when it starts; the session's fee is checked against the prepaid gas after every
//! start and resume, and settled when the session ends (a contract call that never ends
//! its session keeps it all paid).

use super::contract::{CallingContract, LinkTrap};
use super::gas::{prepay, refused};
use super::lent::Lent;
use super::open_session::LinkContext;
use super::open_session::LinkSession;
use super::prepaid::{OutOfGas, Prepaid};
use super::shared::Shared;
use super::transact::{commit, context};
use crate::error::{Error, FrameError};
use crate::executor::convert;
use crate::session::Session;
use crate::state_host::revm_host::RevmHost;
use borsh::BorshDeserialize;
use evmpc_abi::contract::{LinkError, Transaction};
use evmpc_abi::{Action, FrameInput, GuestSlice, SubcallOutcome};
use evmpc_state::ContractStorage;
use revm::context::JournalTr;
use revm::context_interface::ContextTr;
use revm::handler::EthPrecompiles;
use revm::primitives::Address;

/// Starts the frame in `message`, opening the session first if none is open.
pub(super) fn start<T: CallingContract>(
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
        open(shared, host, &frame, prepaid).inspect_err(|_| host.refund(prepaid.charged))?;
    } else if let Some(open) = host.link().session.as_mut() {
        open.prepaid = open.prepaid.plus(prepaid);
    }
    let Some(mut lent) = Lent::new(host) else { return Ok(refused(LinkError::NoSession)) };
    // The node's context, whatever the contract wrote: the guest keeps the first one.
    frame.context = root.then(|| Box::new(node_context(lent.session())));
    let started = lent.session().start(&frame);
    drop(lent);
    settle(host, started)
}

/// Opens a session over the contract's storage, its first frame's caller and target warm.
fn open<T: CallingContract>(
    shared: &Shared<T::Storage>,
    host: &mut T,
    frame: &FrameInput,
    prepaid: Prepaid,
) -> Result<(), LinkTrap> {
    let environment = host.environment();
    let tx = Transaction {
        caller: frame.caller,
        to: Some(frame.target),
        value: frame.value,
        data: Vec::new(),
        gas_limit: frame.gas_limit,
    };
    let ctx = context(T::Storage::default(), &environment, &tx);
    let mut session = shared.precompile.try_session(RevmHost::new(ctx)).map_err(|(_, error)| error)?;
    session.inline_calls(true);
    host.link().session = Some(LinkSession { session, prepaid });
    let Some(mut lent) = Lent::new(host) else { return Ok(()) };
    let warmed = [frame.caller, frame.target].into_iter().try_for_each(|address| {
        lent.session().host_mut().ctx.journal_mut().load_account(Address::from(address)).map(drop)
    });
    drop(lent);
    if let Err(corrupt) = warmed {
        host.link().session = None;
        return Err(corrupt.into());
    }
    Ok(())
}

/// The session's context as the guest takes it: the node's block, fork and chain.
fn node_context<S: ContractStorage + 'static>(session: &Session<RevmHost<LinkContext<S>>>) -> evmpc_abi::ExecContext {
    let ctx = &session.host().ctx;
    let spec = ctx.cfg().spec;
    let fork = convert::fork_of(spec).unwrap_or(evmpc_abi::Fork::Cancun);
    convert::exec_context(ctx, fork, &EthPrecompiles::new(spec))
}

/// Resumes the session with the outcome in `message`.
pub(super) fn resume<T: CallingContract>(
    _shared: &Shared<T::Storage>,
    host: &mut T,
    message: &[u8],
) -> Result<i64, LinkTrap> {
    let Ok(outcome) = SubcallOutcome::try_from_slice(message) else { return Ok(refused(LinkError::Malformed)) };
    if host.link().session.as_ref().is_none_or(|open| open.session.suspended() == 0) {
        return Ok(refused(LinkError::NoSession));
    }
    let Some(mut lent) = Lent::new(host) else { return Ok(refused(LinkError::NoSession)) };
    let resumed = lent.session().resume(&outcome);
    drop(lent);
    settle(host, resumed)
}

/// The action of a start or resume in the register, once the fee so far is paid for.
fn settle<T: CallingContract>(host: &mut T, result: Result<Action, Error>) -> Result<i64, LinkTrap> {
    if let Some(open) = host.link().session.as_ref() {
        if open.prepaid.settle(open.session.fee().ok()).is_err() {
            close(host, false)?;
            return Err(LinkTrap::OutOfGas(OutOfGas));
        }
    }
    match result {
        Ok(action) => {
            let bytes = borsh::to_vec(&action).map_err(LinkTrap::Encode)?;
            host.link().register = bytes;
            Ok(host.link().register.len() as i64)
        }
        Err(Error::Frame(FrameError::Boundary(_))) => Ok(refused(LinkError::Refused)),
        Err(Error::Frame(_)) => {
            close(host, false)?;
            Ok(refused(LinkError::FrameFailed))
        }
        Err(Error::Node(error)) => {
            close(host, false)?;
            Err(LinkTrap::Precompile(error.into()))
        }
    }
}

/// Copies guest bytes at `offset` to the register.
pub(super) fn read<T: CallingContract>(host: &mut T, offset: u32, len: u32) -> i64 {
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
pub(super) fn end<T: CallingContract>(host: &mut T, commit: bool) -> Result<i64, LinkTrap> {
    if host.link().session.is_none() {
        return Ok(refused(LinkError::NoSession));
    }
    close(host, commit)?;
    Ok(0)
}

/// Drops the session, first writing its changes to the contract's storage when `commit`,
/// and settles what it prepaid to its fee.
fn close<T: CallingContract>(host: &mut T, keep: bool) -> Result<(), LinkTrap> {
    let Some(open) = host.link().session.take() else { return Ok(()) };
    if let Ok(refund) = open.prepaid.settle(open.session.fee().ok()) {
        host.refund(refund);
    }
    if keep {
        commit(open.session.into_host().ctx, host.storage())?;
    }
    Ok(())
}
