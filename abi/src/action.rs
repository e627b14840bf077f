use crate::{Address, GuestSlice, Status, Word};
use borsh::{BorshDeserialize, BorshSerialize};

/// How a frame's run ends: it returned, or it needs a sub-call before it can go on.
///
/// After `Call` or `Create` the frame stays suspended in guest memory until the host
/// resumes it with a [`SubcallOutcome`](crate::SubcallOutcome).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Action {
    /// The frame finished.
    Return(FrameResult) = 0,
    /// The frame executed CALL, CALLCODE, DELEGATECALL or STATICCALL.
    Call(CallRequest) = 1,
    /// The frame executed CREATE or CREATE2.
    Create(CreateRequest) = 2,
}

/// The result of a finished frame.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct FrameResult {
    /// How the frame ended.
    pub status: Status,
    /// Gas spent of the frame's gas limit (all of it on an exceptional halt).
    pub gas_used: u64,
    /// Refund counter accumulated by the frame and its successful sub-calls (may be
    /// negative inside a transaction; capped by the node at the end of it).
    pub gas_refunded: i64,
    /// RETURN or REVERT data (for a create frame, the code to deploy), in guest memory.
    /// The node reads it only where it must (code deposit, the transaction's output); a
    /// caller frame of the session receives it without it leaving the guest
    /// ([`SubcallOutput::Nested`](crate::SubcallOutput::Nested)).
    pub output: GuestSlice,
}

impl FrameResult {
    /// Gas left of `gas_limit` after this result.
    pub fn gas_remaining(&self, gas_limit: u64) -> u64 {
        gas_limit.saturating_sub(self.gas_used)
    }
}

/// The flavour of a message call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum CallScheme {
    /// `CALL`.
    Call = 0,
    /// `CALLCODE`.
    CallCode = 1,
    /// `DELEGATECALL`.
    DelegateCall = 2,
    /// `STATICCALL`.
    StaticCall = 3,
}

/// A message call the suspended frame asks the host to run.
///
/// Gas for the call (EIP-150 63/64 rule, stipend, cold access, value transfer, new
/// account) has been charged to the suspended frame already; `gas_limit` is what the
/// callee gets. The guest keeps the request: a nested frame or an outcome that disagrees
/// with it is refused.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct CallRequest {
    /// Which call opcode.
    pub scheme: CallScheme,
    /// `CALLER` of the callee.
    pub caller: Address,
    /// Account whose storage the callee uses.
    pub target: Address,
    /// The account called for its code (the CALL's `to`, before an EIP-7702 delegation is
    /// followed).
    pub bytecode_address: Address,
    /// keccak256 of the code the callee runs (the delegate's, for an EIP-7702 account), as
    /// the `account` import reported it. Never the empty code's: the guest answers calls
    /// to accounts without code itself, unless they are precompiles.
    pub code_hash: Word,
    /// The account holding that code (the delegate, for an EIP-7702 account).
    pub code_address: Address,
    /// Length of that code, as the `account` import reported it.
    pub code_len: u32,
    /// Value of the call.
    pub value: Word,
    /// Whether `value` moves from `caller` to `target` (CALL); otherwise it is only
    /// `CALLVALUE` of the callee (DELEGATECALL) or a self transfer (CALLCODE).
    pub transfers_value: bool,
    /// Call data: a range of the caller's memory. A nested frame reads it in place
    /// ([`CallData::Pending`](crate::CallData::Pending)); the node reads it only to run
    /// an Ethereum precompile.
    pub input: GuestSlice,
    /// Gas given to the callee, stipend included.
    pub gas_limit: u64,
    /// Whether the callee runs static.
    pub is_static: bool,
}

/// How a created address is derived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum CreateScheme {
    /// `CREATE`: from the creator's address and nonce.
    Create = 0,
    /// `CREATE2`: from the creator's address, the salt and the init code hash.
    Create2 {
        /// The salt.
        salt: Word,
    } = 1,
}

/// A contract creation the suspended frame asks the host to run.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct CreateRequest {
    /// Which create opcode.
    pub scheme: CreateScheme,
    /// The creator.
    pub caller: Address,
    /// Endowment.
    pub value: Word,
    /// Init code, copied out of the creator's memory and kept by the guest; the nested
    /// frame runs it as [`Code::Pending`](crate::Code::Pending).
    pub init_code: GuestSlice,
    /// For CREATE2, the new account's address (from the creator, the salt and the init
    /// code hash, which the CREATE2 gas paid for); for CREATE the node derives it from the
    /// creator's nonce.
    pub address: Option<Address>,
    /// Gas given to the init code.
    pub gas_limit: u64,
}

impl Action {
    /// The frame's result, if it finished.
    pub fn into_return(self) -> Option<FrameResult> {
        match self {
            Action::Return(result) => Some(result),
            _ => None,
        }
    }
}
