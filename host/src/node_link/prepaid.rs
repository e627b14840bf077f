//! The contract's gas taken before a call, and how it settles to the call's fee.

use crate::fees::Picos;

/// The contract's gas does not cover a fee: [`CallingContract::charge`](super::CallingContract::charge) fails with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the contract's gas does not cover the precompile's fee")]
pub struct OutOfGas;

/// Gas taken before a call.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Prepaid {
    /// Charged so far.
    pub(super) charged: Picos,
    /// Whether it is the full upper bound (so no fee can exceed it).
    pub(super) bounded: bool,
}

impl Prepaid {
    pub(super) fn plus(self, other: Prepaid) -> Prepaid {
        Prepaid { charged: self.charged.saturating_add(other.charged), bounded: self.bounded && other.bounded }
    }

    /// Settles to `fee` (`None`: it overflowed): the refund, or [`OutOfGas`] when the fee
    /// exceeds a charge that was all the contract had.
    pub(super) fn settle(self, fee: Option<Picos>) -> Result<Picos, OutOfGas> {
        match fee {
            Some(fee) if fee <= self.charged => Ok(self.charged - fee),
            // A fee above a full bound would be the schedule's fault: the bound stands.
            _ if self.bounded => Ok(0),
            _ => Err(OutOfGas),
        }
    }
}
