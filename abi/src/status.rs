use crate::wire_enum::wire_enum;
use borsh::{BorshDeserialize, BorshSerialize};

wire_enum! {
/// How an EVM frame ended.
///
/// Codes are grouped like revm's `InstructionResult`, and equal to it: success
/// `0x01..`, revert `0x10..`, exceptional halt `0x20..`. A halt is deterministic and part
/// of the outcome; it is never a node fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
#[borsh(use_discriminant = true)]
pub enum Status {
    /// `STOP`, or the end of the code.
    Stop = 0x01,
    /// `RETURN`.
    Return = 0x02,
    /// `SELFDESTRUCT`.
    SelfDestruct = 0x03,

    /// `REVERT`.
    Revert = 0x10,
    /// A sub-call or create would exceed the depth limit.
    CallTooDeep = 0x11,
    /// The caller cannot pay the value it sends.
    OutOfFunds = 0x12,
    /// EOF only (no fork the ABI names enables EOF): init code starting with `0xEF00`.
    CreateInitCodeStartingEF00 = 0x13,
    /// EOF only: invalid EOF init code.
    InvalidEOFInitCode = 0x14,
    /// EOF only: EXTDELEGATECALL to a non-EOF account.
    InvalidExtDelegateCallTarget = 0x15,
    /// CREATE or CREATE2 whose creator's nonce is at its maximum: the create does not run
    /// and its gas comes back. revm reports it as a return without an address; the wire
    /// keeps "success" for creates that have one.
    CreateNonceOverflow = 0x1f,

    /// Out of gas.
    OutOfGas = 0x20,
    /// Out of gas expanding memory.
    MemoryOOG = 0x21,
    /// Memory would exceed the precompile's fixed EVM memory cap.
    MemoryLimitOOG = 0x22,
    /// Out of gas in an Ethereum precompile.
    PrecompileOOG = 0x23,
    /// Out of gas because an operand is too large (EXP, copies).
    InvalidOperandOOG = 0x24,
    /// SSTORE with no more than the call stipend (2,300 gas) left (EIP-2200).
    ReentrancySentryOOG = 0x25,
    /// An opcode that does not exist.
    OpcodeNotFound = 0x26,
    /// A value-carrying call inside a static frame.
    CallNotAllowedInsideStatic = 0x27,
    /// A state change inside a static frame.
    StateChangeDuringStaticCall = 0x28,
    /// The designated `INVALID` opcode `0xFE`.
    InvalidFEOpcode = 0x29,
    /// A jump to a place that is not a `JUMPDEST`.
    InvalidJump = 0x2a,
    /// An opcode not active in the frame's fork.
    NotActivated = 0x2b,
    /// Stack underflow.
    StackUnderflow = 0x2c,
    /// Stack overflow (more than 1,024 items).
    StackOverflow = 0x2d,
    /// Return data read out of bounds.
    OutOfOffset = 0x2e,
    /// A create onto an address that already has code or nonce.
    CreateCollision = 0x2f,
    /// A value overflow in a payment.
    OverflowPayment = 0x30,
    /// An Ethereum precompile failed.
    PrecompileError = 0x31,
    /// The creator's nonce would overflow.
    NonceOverflow = 0x32,
    /// Deployed code larger than the limit.
    CreateContractSizeLimit = 0x33,
    /// Deployed code starting with `0xEF` (EIP-3541).
    CreateContractStartingWithEF = 0x34,
    /// Init code larger than the limit (EIP-3860).
    CreateInitCodeSizeLimit = 0x35,
    /// An immediate operand out of range (EIP-8024 forks only).
    InvalidImmediateEncoding = 0x37,
}
}

impl Status {
    /// The frame succeeded and its state changes stand.
    pub const fn is_success(self) -> bool {
        (self as u8) < 0x10
    }

    /// The frame reverted: state changes undone, unused gas returned.
    pub const fn is_revert(self) -> bool {
        matches!(self as u8, 0x10..=0x1f)
    }

    /// The frame halted exceptionally: state changes undone, all gas consumed.
    pub const fn is_halt(self) -> bool {
        (self as u8) >= 0x20
    }
}

wire_enum! {
/// Why the guest refused a call at the boundary, before or instead of running EVM code.
///
/// These are returned by the guest's exports as negative codes; they are the caller's
/// fault (bad bytes, bad order of calls, a message that contradicts what the guest holds),
/// never an EVM outcome. A refused call changes nothing in the guest.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BoundaryError {
    /// The frame input or outcome bytes are not a valid borsh encoding.
    Malformed = 1,
    /// The session's first frame carried no execution context, or one without what its fork
    /// needs (a `prevrandao` from the Merge on).
    MissingContext = 2,
    /// `frame_resume` was called with no suspended frame.
    NothingSuspended = 3,
    /// `frame_start` named pending call data or init code, or started a second nested
    /// frame, while no suspended frame waits for one.
    NotSuspended = 4,
    /// The frame's depth is not its parent's plus one, or exceeds the depth limit.
    DepthMismatch = 5,
    /// The message is larger than the limit.
    MessageTooLarge = 6,
    /// The frame carries an execution context (fork, block, transaction) other than the
    /// session's.
    ContextMismatch = 7,
    /// A nested frame disagrees with the suspended frame's pending request: another kind,
    /// target, caller, value, gas limit, static flag, code or call data.
    FrameMismatch = 8,
    /// An outcome disagrees with the pending request or with the nested frame that ran it:
    /// more gas than the request gave, a successful create without an address, a created
    /// address for a call, a nested output where no nested frame returned, or another
    /// status or gas than the nested call frame ended with.
    OutcomeMismatch = 9,
}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_group() {
        for status in Status::ALL {
            assert_eq!(Status::from_u8(status.to_u8()), Some(status));
            let groups = [status.is_success(), status.is_revert(), status.is_halt()];
            assert_eq!(groups.iter().filter(|g| **g).count(), 1, "{status:?}");
        }
        for error in BoundaryError::ALL {
            assert_eq!(BoundaryError::from_u8(error.to_u8()), Some(error));
        }
        assert_eq!(Status::from_u8(0), None);
    }
}
