use crate::Fork;
use alloc::vec::Vec;
use borsh::{BorshDeserialize, BorshSerialize};

/// A 20-byte account address.
pub type Address = [u8; 20];
/// A 32-byte big-endian word: storage keys and values, U256 amounts, hashes.
pub type Word = [u8; 32];

/// Everything one EVM frame needs to start.
///
/// Encoded with borsh once per frame; the host writes it into guest memory and calls the
/// guest's `frame_start` export.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct FrameInput {
    /// The fork whose rules the frame follows.
    pub fork: Fork,
    /// Whether the frame runs call code or init code, and the addresses that go with it.
    pub kind: FrameKind,
    /// The bytecode to run (the callee's code, or the init code).
    pub code: Vec<u8>,
    /// Call data (empty for a create frame).
    pub input: Vec<u8>,
    /// `CALLER` of the frame.
    pub caller: Address,
    /// Account whose storage the frame uses (`ADDRESS`).
    pub target: Address,
    /// `CALLVALUE` of the frame (big-endian).
    pub value: Word,
    /// Gas the frame may spend.
    pub gas_limit: u64,
    /// Whether state changes are forbidden (STATICCALL).
    pub is_static: bool,
    /// Call depth of the frame: 0 for the transaction's first frame.
    pub depth: u16,
    /// Block and transaction context. Required on a session's first frame, which the
    /// guest keeps for the rest of the session; later frames may leave it out.
    pub context: Option<ExecContext>,
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
        /// Account whose code runs.
        bytecode_address: Address,
    } = 0,
    /// Runs init code; what it returns is the code to deploy at the target.
    Create = 1,
}

/// Block and transaction context, sent once per session.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct ExecContext {
    /// The block.
    pub block: BlockEnv,
    /// The transaction.
    pub tx: TxEnv,
    /// `CHAINID`.
    pub chain_id: u64,
}

/// The block the transaction runs in, as the EVM sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct BlockEnv {
    /// `NUMBER`.
    pub number: Word,
    /// `COINBASE`.
    pub beneficiary: Address,
    /// `TIMESTAMP`.
    pub timestamp: Word,
    /// `GASLIMIT`.
    pub gas_limit: Word,
    /// `BASEFEE`.
    pub basefee: Word,
    /// `DIFFICULTY` before the Merge.
    pub difficulty: Word,
    /// `PREVRANDAO` from the Merge on.
    pub prevrandao: Option<Word>,
    /// `BLOBBASEFEE` (EIP-7516), computed by the node from the excess blob gas.
    pub blob_gasprice: Word,
    /// Slot number (EIP-7843), zero where the chain has none.
    pub slot_num: Word,
}

/// The transaction, as the EVM sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct TxEnv {
    /// `ORIGIN`.
    pub origin: Address,
    /// `GASPRICE`: the effective gas price, computed by the node.
    pub gas_price: Word,
    /// `BLOBHASH` values (EIP-4844).
    pub blob_hashes: Vec<Word>,
}

impl FrameInput {
    /// The caller the CLI, tests and benchmarks use (`0xeeee…ee`, as revm's benchmarks).
    pub const DEFAULT_CALLER: Address = [0xee; 20];
    /// The target the CLI, tests and benchmarks use (`0xffff…ff`, as revm's benchmarks).
    pub const DEFAULT_TARGET: Address = [0xff; 20];

    /// A depth-0 call of `code` at [`DEFAULT_TARGET`](Self::DEFAULT_TARGET) from
    /// [`DEFAULT_CALLER`](Self::DEFAULT_CALLER), no value, chain id 1, an otherwise zero
    /// context.
    pub fn call(fork: Fork, code: Vec<u8>, input: Vec<u8>, gas_limit: u64) -> Self {
        FrameInput {
            fork,
            kind: FrameKind::Call { bytecode_address: Self::DEFAULT_TARGET },
            code,
            input,
            caller: Self::DEFAULT_CALLER,
            target: Self::DEFAULT_TARGET,
            value: [0; 32],
            gas_limit,
            is_static: false,
            depth: 0,
            context: Some(ExecContext {
                tx: TxEnv { origin: Self::DEFAULT_CALLER, ..TxEnv::default() },
                chain_id: 1,
                ..ExecContext::default()
            }),
        }
    }
}
