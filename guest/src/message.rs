//! The node's messages, read out of the input buffer.

use alloc::vec::Vec;
use evmpc_abi::limits::HANDOVER_SIZE;
use evmpc_abi::{Address, BoundaryError, FrameInput, Status, SubcallOutcome};
use revm_interpreter::primitives::Bytes;

/// A sub-call's outcome as the guest reads it: like `SubcallOutcome`, with output bytes
/// taken without a copy where they are large.
pub(crate) struct Received {
    pub(crate) status: Status,
    pub(crate) gas_remaining: u64,
    pub(crate) gas_refunded: i64,
    /// `None` for the nested frame's output, which the guest holds.
    pub(crate) output: Option<Bytes>,
    pub(crate) created_address: Option<Address>,
}

/// Decodes the `len`-byte frame input at the start of `input`.
pub(crate) fn decode_frame(input: &[u8], len: i32) -> Result<FrameInput, BoundaryError> {
    FrameInput::decode(message(input, len)?).map_err(|_| BoundaryError::Malformed)
}

fn message(input: &[u8], len: i32) -> Result<&[u8], BoundaryError> {
    let len = usize::try_from(len).map_err(|_| BoundaryError::Malformed)?;
    input.get(..len).ok_or(BoundaryError::MessageTooLarge)
}

/// Decodes a `SubcallOutcome`. Output bytes of at least [`HANDOVER_SIZE`] keep the input
/// buffer itself as their storage (the node asks for a new buffer next); smaller ones are
/// copied out.
pub(crate) fn decode_outcome(input: &mut Vec<u8>, len: i32) -> Result<Received, BoundaryError> {
    let fields = SubcallOutcome::decode_in_place(message(input, len)?).map_err(|_| BoundaryError::Malformed)?;
    let output = fields.output.map(|range| {
        if range.len() >= HANDOVER_SIZE {
            Bytes::from(core::mem::take(input)).slice(range)
        } else {
            Bytes::copy_from_slice(&input[range])
        }
    });
    Ok(Received {
        status: fields.status,
        gas_remaining: fields.gas_remaining,
        gas_refunded: fields.gas_refunded,
        output,
        created_address: fields.created_address,
    })
}
