use crate::{Address, Status};
use alloc::vec::Vec;
use borsh::{BorshDeserialize, BorshSerialize};

/// The output a sub-call hands back to the suspended frame.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum SubcallOutput {
    /// Bytes from the node: an Ethereum precompile's output, or none.
    Bytes(Vec<u8>) = 0,
    /// The output of the nested frame that ran this sub-call in the session; it never left
    /// guest memory.
    Nested = 1,
}

/// What came of a sub-call; the host resumes the suspended frame with it.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct SubcallOutcome {
    /// How the sub-call ended.
    pub status: Status,
    /// Gas left of the sub-call's `gas_limit`.
    pub gas_remaining: u64,
    /// Refund counter of the sub-call (added to the caller's only on success).
    pub gas_refunded: i64,
    /// Return or revert data (for a create, revert data only).
    pub output: SubcallOutput,
    /// The created address, for a successful create.
    pub created_address: Option<Address>,
}

impl SubcallOutcome {
    /// An outcome without output: what a call to an account without code, or a sub-call
    /// refused before it ran (depth, funds), hands back.
    pub fn empty(status: Status, gas_remaining: u64) -> Self {
        SubcallOutcome {
            status,
            gas_remaining,
            gas_refunded: 0,
            output: SubcallOutput::Bytes(Vec::new()),
            created_address: None,
        }
    }
}

/// A [`SubcallOutcome`] whose output bytes are borrowed: it encodes to the same bytes,
/// so a node can send a precompile's output without copying it first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize)]
pub struct SubcallOutcomeRef<'a> {
    /// How the sub-call ended.
    pub status: Status,
    /// Gas left of the sub-call's `gas_limit`.
    pub gas_remaining: u64,
    /// Refund counter of the sub-call.
    pub gas_refunded: i64,
    /// Return or revert data.
    pub output: SubcallOutputRef<'a>,
    /// The created address, for a successful create.
    pub created_address: Option<Address>,
}

/// [`SubcallOutput`] with borrowed bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum SubcallOutputRef<'a> {
    /// Bytes from the node.
    Bytes(&'a [u8]) = 0,
    /// The nested frame's output, in guest memory.
    Nested = 1,
}

impl<'a> From<&'a SubcallOutcome> for SubcallOutcomeRef<'a> {
    fn from(outcome: &'a SubcallOutcome) -> Self {
        SubcallOutcomeRef {
            status: outcome.status,
            gas_remaining: outcome.gas_remaining,
            gas_refunded: outcome.gas_refunded,
            output: match &outcome.output {
                SubcallOutput::Bytes(bytes) => SubcallOutputRef::Bytes(bytes),
                SubcallOutput::Nested => SubcallOutputRef::Nested,
            },
            created_address: outcome.created_address,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn borrowed_outcomes_encode_like_owned_ones() {
        for output in [SubcallOutput::Bytes(alloc::vec![1, 2, 3]), SubcallOutput::Nested] {
            let outcome = SubcallOutcome {
                status: Status::Return,
                gas_remaining: 7,
                gas_refunded: -2,
                output,
                created_address: Some([5; 20]),
            };
            let owned = borsh::to_vec(&outcome).unwrap();
            assert_eq!(borsh::to_vec(&SubcallOutcomeRef::from(&outcome)).unwrap(), owned);
        }
    }
}
