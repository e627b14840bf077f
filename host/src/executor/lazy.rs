//! The transaction's context, moved into a precompile session only when a frame needs it:
//! a transaction that runs no bytecode (a transfer, a call to an Ethereum precompile) never
//! instantiates the guest.

use super::metered::Metered;
use crate::error::Error;
use crate::fees::{PricedPrecompile, Usage};
use crate::precompile::Precompile;
use crate::session::Session;
use crate::state_host::revm_host::RevmHost;
use revm::context_interface::ContextTr;
use revm::interpreter::Host;
use std::time::{Duration, Instant};

/// Where the context is.
enum State<CTX: ContextTr + Host + 'static> {
    /// No frame has needed the precompile.
    Context(CTX),
    /// A frame did: the session's host holds the context.
    Session(Box<Session<RevmHost<CTX>>>),
    /// Only while a session is being set up.
    Moving,
}

/// The context, or the session holding it.
pub(crate) struct Lazy<'a, CTX: ContextTr + Host + 'static> {
    precompile: &'a Precompile<RevmHost<CTX>>,
    state: State<CTX>,
    /// What the node ran outside any session (an Ethereum precompile as the transaction's
    /// first frame), and its time.
    outside: (Usage, Duration),
}

/// The context is being moved (a bug: it never is outside [`Lazy::session`]).
const MOVING: &str = "the context is in transit into a session";

impl<'a, CTX: ContextTr + Host + 'static> Lazy<'a, CTX> {
    pub(crate) fn new(precompile: &'a Precompile<RevmHost<CTX>>, ctx: CTX) -> Self {
        Lazy { precompile, state: State::Context(ctx), outside: (Usage::default(), Duration::ZERO) }
    }

    pub(crate) fn ctx(&self) -> &CTX {
        match &self.state {
            State::Context(ctx) => ctx,
            State::Session(session) => &session.host().ctx,
            State::Moving => unreachable!("{MOVING}"),
        }
    }

    pub(crate) fn ctx_mut(&mut self) -> &mut CTX {
        match &mut self.state {
            State::Context(ctx) => ctx,
            State::Session(session) => &mut session.host_mut().ctx,
            State::Moving => unreachable!("{MOVING}"),
        }
    }

    /// The session, set up the first time: the root frame runs in revm's checkpoint, nested
    /// ones in the executor's, and calls to accounts with code run inline in checkpoints
    /// the session opens.
    ///
    /// # Errors
    /// The engine cannot give a session (every pool slot in use); the context stays here.
    pub(crate) fn session(&mut self) -> Result<&mut Session<RevmHost<CTX>>, Error> {
        if let State::Context(_) = &self.state {
            let State::Context(ctx) = std::mem::replace(&mut self.state, State::Moving) else {
                unreachable!("{MOVING}")
            };
            match self.precompile.try_session(RevmHost::new(ctx)) {
                Ok(mut session) => {
                    session.caller_keeps_checkpoints();
                    session.inline_calls(true);
                    self.state = State::Session(Box::new(session));
                }
                Err((host, error)) => {
                    self.state = State::Context(host.ctx);
                    return Err(error);
                }
            }
        }
        match &mut self.state {
            State::Session(session) => Ok(session),
            _ => unreachable!("{MOVING}"),
        }
    }

    /// The session, if a frame set one up.
    pub(crate) fn running(&self) -> Option<&Session<RevmHost<CTX>>> {
        match &self.state {
            State::Session(session) => Some(session),
            _ => None,
        }
    }

    /// Times and counts an Ethereum precompile the node ran as the transaction's first frame,
    /// outside any session.
    pub(crate) fn ran_precompile(&mut self, precompile: PricedPrecompile, gas: u64, time: Duration) {
        self.outside.0.add_precompile(precompile, gas);
        self.outside.1 += time;
    }

    /// Ends the session, if any, and gives the context back with what the transaction cost:
    /// the session's usage and fee, and what the node ran outside it.
    pub(crate) fn finish(self) -> (CTX, Metered) {
        let (outside, outside_time) = self.outside;
        let outside_fee = self.precompile.engine().fee_schedule().fee(&outside);
        let (ctx, metered) = match self.state {
            State::Context(ctx) => (ctx, Metered::default()),
            State::Session(session) => {
                let (usage, fee, elapsed) = (session.usage(), session.fee(), session.elapsed());
                let (instructions, memory) = (session.instructions(), session.memory_size());
                let ending = Instant::now();
                let ctx = session.into_host().ctx;
                (ctx, Metered { usage, fee, time: elapsed + ending.elapsed(), instructions, memory })
            }
            State::Moving => unreachable!("{MOVING}"),
        };
        let fee = metered.fee.and_then(|fee| fee.checked_add(outside_fee?).ok_or(crate::fees::FeeOverflow));
        let metered =
            Metered { usage: metered.usage.plus(&outside), fee, time: metered.time + outside_time, ..metered };
        (ctx, metered)
    }
}
