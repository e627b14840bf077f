//! What a session costs: its [`Usage`] priced by the engine's [`FeeSchedule`], and the time
//! it spent inside the precompile.

use crate::fees::{FeeOverflow, FeeSchedule, Picos, Usage};
use std::cell::Cell;
use std::time::{Duration, Instant};

/// A session's fee and time bookkeeping.
pub(crate) struct Meter {
    schedule: FeeSchedule,
    /// Time inside the precompile: instantiation, and every start and resume with the
    /// imports they made.
    elapsed: Duration,
    /// What the node reported of its own cost ([`EvmHost::take_node_fee`](crate::EvmHost)).
    node_fee: Picos,
    /// Bytes the node read out of guest memory (`Session::bytes` takes `&self`).
    read: Cell<u64>,
    /// The usage and node fee when the start or resume before the last one ended (nothing
    /// before the first: its fee includes the instantiation).
    before_last: (Usage, Picos),
    /// The same, at the end of the last one.
    at_last: (Usage, Picos),
}

impl Meter {
    /// A meter for a session whose instantiation began at `started`.
    pub(crate) fn new(schedule: FeeSchedule, started: Instant) -> Meter {
        Meter {
            schedule,
            elapsed: started.elapsed(),
            node_fee: 0,
            read: Cell::new(0),
            before_last: (Usage::default(), 0),
            at_last: (Usage::default(), 0),
        }
    }

    /// Adds the time of a call into the guest.
    pub(crate) fn add_time(&mut self, time: Duration) {
        self.elapsed += time;
    }

    /// Counts bytes the node read out of guest memory.
    pub(crate) fn read(&self, len: usize) {
        self.read.set(self.read.get().saturating_add(len as u64));
    }

    /// Adds the node's own cost.
    pub(crate) fn add_node_fee(&mut self, fee: Picos) {
        self.node_fee = self.node_fee.saturating_add(fee);
    }

    /// Marks the end of a start or resume: the next one's fee is measured from here.
    pub(crate) fn end_call(&mut self, usage: &Usage) {
        self.before_last = self.at_last;
        self.at_last = (self.total_usage(usage), self.node_fee);
    }

    /// `usage` with the bytes read out of guest memory.
    pub(crate) fn total_usage(&self, usage: &Usage) -> Usage {
        Usage { bytes: usage.bytes.saturating_add(self.read.get()), ..*usage }
    }

    /// The fee of the whole session so far.
    pub(crate) fn fee(&self, usage: &Usage) -> Result<Picos, FeeOverflow> {
        self.schedule.fee(&self.total_usage(usage))?.checked_add(self.node_fee).ok_or(FeeOverflow)
    }

    /// The fee of the last start or resume: what the fee grew by from the end of the one
    /// before to the end of it.
    pub(crate) fn last_fee(&self) -> Result<Picos, FeeOverflow> {
        let fee =
            |(usage, node_fee): (Usage, Picos)| self.schedule.fee(&usage)?.checked_add(node_fee).ok_or(FeeOverflow);
        Ok(fee(self.at_last)?.saturating_sub(fee(self.before_last)?))
    }

    pub(crate) fn elapsed(&self) -> Duration {
        self.elapsed
    }
}
