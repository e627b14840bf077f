use crate::{CallRequest, ExecContext, Fork, TxEnv};
use alloc::{boxed::Box, vec::Vec};
use borsh::{BorshDeserialize, BorshSerialize};

/// A 20-byte account address.
pub type Address = [u8; 20];
/// A 32-byte big-endian word: storage keys and values, U256 amounts, hashes.
pub type Word = [u8; 32];

/// Everything one EVM frame needs to start.
///
/// Encoded with borsh; the host writes it into guest memory and calls the guest's
/// `frame_start` export. Bulk bytes travel only when the guest cannot have them yet: a
/// nested frame names its call data and init code as [`CallData::Pending`] and
/// [`Code::Pending`] (they never left the caller's memory), and an account's code as
/// [`Code::Account`] (the guest reads it once per session and keeps it analysed).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct FrameInput {
    /// Whether the frame runs call code or init code, and the addresses that go with it.
    pub kind: FrameKind,
    /// The bytecode to run.
    pub code: Code,
    /// The call data.
    pub input: CallData,
    /// `CALLER` of the frame.
    pub caller: Address,
    /// Account whose storage the frame uses (`ADDRESS`); for a create frame, the new account.
    pub target: Address,
    /// `CALLVALUE` of the frame (big-endian).
    pub value: Word,
    /// Gas the frame may spend.
    pub gas_limit: u64,
    /// Whether state changes are forbidden (STATICCALL).
    pub is_static: bool,
    /// Call depth of the frame: 0 for the transaction's first frame.
    pub depth: u16,
    /// The session's fork, block and transaction. Required on the session's first frame;
    /// later frames leave it out (or repeat it unchanged). Boxed: most frames carry none,
    /// and the frame stays small to decode and move.
    pub context: Option<Box<ExecContext>>,
}

/// The kind of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum FrameKind {
    /// Runs the code of `bytecode_address` (which differs from the target for CALLCODE
    /// and DELEGATECALL).
    Call {
        /// The account called for its code: the CALL's `to`, before an EIP-7702 delegation
        /// is followed.
        bytecode_address: Address,
    } = 0,
    /// Runs init code; what it returns is the code to deploy at the target.
    Create = 1,
}

/// Where a frame's bytecode comes from.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum Code {
    /// Bytes given with the frame and analysed for it alone: a creating transaction's init
    /// code, or a one-off program. At most
    /// [`MAX_INITCODE_SIZE`](crate::limits::MAX_INITCODE_SIZE) bytes run.
    Inline(Vec<u8>) = 0,
    /// An account's code, named by its hash. The guest keeps analysed code for the whole
    /// session, keyed by hash; on the first frame that needs a hash it reads the `len`
    /// bytes and their JUMPDEST bitmap through the `code_load` import from `address`. The
    /// node vouches that `hash` is the keccak256 of those bytes. At most
    /// [`MAX_CODE_SIZE`](crate::limits::MAX_CODE_SIZE) bytes run.
    Account {
        /// The account holding the code (for an EIP-7702 delegation, the delegate).
        address: Address,
        /// keccak256 of the code.
        hash: Word,
        /// Length of the code in bytes.
        len: u32,
    } = 1,
    /// The init code of the suspended frame's pending CREATE or CREATE2, still in guest
    /// memory.
    Pending = 2,
}

/// Where a frame's call data comes from.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum CallData {
    /// Bytes given with the frame (a transaction's data). At most
    /// [`MAX_CALLDATA_SIZE`](crate::limits::MAX_CALLDATA_SIZE) bytes run.
    Inline(Vec<u8>) = 0,
    /// The call data of the suspended frame's pending call: a range of the caller's
    /// memory, read in place as revm reads a `CallInput::SharedBuffer`.
    Pending = 1,
}

impl FrameInput {
    /// The caller the CLI, tests and benchmarks use (`0xeeee…ee`, as revm's benchmarks).
    pub const DEFAULT_CALLER: Address = [0xee; 20];
    /// The target the CLI, tests and benchmarks use (`0xffff…ff`, as revm's benchmarks).
    pub const DEFAULT_TARGET: Address = [0xff; 20];

    /// The nested frame that serves `request` at `depth` (its parent's plus one): the
    /// callee's code named by account, its call data left pending in the caller's memory,
    /// everything else as the request says. A node starts it while the requesting frame
    /// waits.
    pub fn nested(request: &CallRequest, depth: u16) -> Self {
        FrameInput {
            kind: FrameKind::Call { bytecode_address: request.bytecode_address },
            code: Code::Account { address: request.code_address, hash: request.code_hash, len: request.code_len },
            input: CallData::Pending,
            caller: request.caller,
            target: request.target,
            value: request.value,
            gas_limit: request.gas_limit,
            is_static: request.is_static,
            depth,
            context: None,
        }
    }

    /// A depth-0 call of `code` (given inline) at [`DEFAULT_TARGET`](Self::DEFAULT_TARGET)
    /// from [`DEFAULT_CALLER`](Self::DEFAULT_CALLER), no value, chain id 1, an otherwise
    /// zero context.
    pub fn call(fork: Fork, code: Vec<u8>, input: Vec<u8>, gas_limit: u64) -> Self {
        FrameInput {
            kind: FrameKind::Call { bytecode_address: Self::DEFAULT_TARGET },
            code: Code::Inline(code),
            input: CallData::Inline(input),
            caller: Self::DEFAULT_CALLER,
            target: Self::DEFAULT_TARGET,
            value: [0; 32],
            gas_limit,
            is_static: false,
            depth: 0,
            context: Some(Box::new(ExecContext {
                tx: TxEnv { origin: Self::DEFAULT_CALLER, ..TxEnv::default() },
                ..ExecContext::new(fork)
            })),
        }
    }

    /// Whether bytes given with the frame exceed a protocol limit: inline call data above
    /// [`MAX_CALLDATA_SIZE`](crate::limits::MAX_CALLDATA_SIZE), inline code above
    /// [`MAX_INITCODE_SIZE`](crate::limits::MAX_INITCODE_SIZE) or account code above
    /// [`MAX_CODE_SIZE`](crate::limits::MAX_CODE_SIZE).
    ///
    /// Such a frame does not run: it halts with
    /// [`Status::MemoryLimitOOG`](crate::Status::MemoryLimitOOG), consuming its gas limit,
    /// an outcome like any other. `evmpc-host` applies the rule before sending the frame
    /// (so an oversized message never needs delivering); the guest applies it to what it
    /// receives.
    pub fn exceeds_limits(&self) -> bool {
        use crate::limits::{MAX_CALLDATA_SIZE, MAX_CODE_SIZE, MAX_INITCODE_SIZE};
        let code = match &self.code {
            Code::Inline(bytes) => bytes.len() > MAX_INITCODE_SIZE,
            Code::Account { len, .. } => *len as usize > MAX_CODE_SIZE,
            Code::Pending => false,
        };
        let input = matches!(&self.input, CallData::Inline(bytes) if bytes.len() > MAX_CALLDATA_SIZE);
        code || input
    }
}

/// A bounded range of guest memory: where the guest left bytes the node may read (a
/// request's call data or init code, a frame's output).
///
/// Valid until the next call into the guest; the host reads it in place
/// (`Session::bytes`), so bytes the node does not need never cross the boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct GuestSlice {
    /// Offset in guest memory.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
}

impl GuestSlice {
    /// The empty slice.
    pub const EMPTY: GuestSlice = GuestSlice { offset: 0, len: 0 };

    /// The byte range, for indexing guest memory.
    pub fn range(self) -> core::ops::Range<usize> {
        let start = self.offset as usize;
        start..start.saturating_add(self.len as usize)
    }

    /// Whether the slice holds no bytes.
    pub const fn is_empty(self) -> bool {
        self.len == 0
    }
}
