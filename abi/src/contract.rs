//! The contract-facing side: what a (metered) Wasm contract sends the node's `evmpc` host
//! functions and gets back, and how an engine contract keeps Ethereum state in its storage.
//!
//! A contract reaches the precompile through host functions a node adds to its own linker
//! (module [`CONTRACT_MODULE`], listed once in [`for_each_contract_import!`](crate::for_each_contract_import)): a whole
//! [`Transaction`] at a time, or frame by frame. Results land in the node's register; the
//! contract copies them out with `read_register`. A negative return is `-`[`LinkError`].
//! Where the Ethereum state lives in the contract's storage is `evmpc-state`'s layout.

use crate::frame::{Address, Word};
use crate::wire_enum::wire_enum;
use alloc::vec::Vec;
use borsh::{BorshDeserialize, BorshSerialize};

/// The Wasm module name of the contract-facing host functions.
pub const CONTRACT_MODULE: &str = "evmpc";

/// Calls `$callback!` with the contract-facing host functions:
/// `{ $( $(#[$doc])* fn $name($($param: $ty),*) $(-> $ret)?; )* }`.
///
/// This is the only place they are listed: the SDK's `extern` block and the node link
/// expand it.
#[macro_export]
macro_rules! for_each_contract_import {
    ($callback:ident) => {
        $callback! {
            /// Runs the borsh [`Transaction`](crate::contract::Transaction) at `tx` (`len`
            /// bytes) on the Ethereum state in the calling contract's storage, every bytecode
            /// frame in the precompile. The borsh [`TxOutcome`](crate::contract::TxOutcome)
            /// goes to the register; returns its length, or `-LinkError`.
            fn transact(tx: i32, len: i32) -> i64;
            /// Starts a frame of the contract's session from the borsh
            /// [`FrameInput`](crate::FrameInput) at `frame` (`len` bytes), opening the session
            /// (one per contract call) with the node's context on the first. The borsh
            /// [`Action`](crate::Action) goes to the register; returns its length, or
            /// `-LinkError`.
            fn frame_start(frame: i32, len: i32) -> i64;
            /// Resumes the session's suspended frame with the borsh
            /// [`SubcallOutcome`](crate::SubcallOutcome) at `outcome` (`len` bytes). Returns
            /// like `frame_start`.
            fn frame_resume(outcome: i32, len: i32) -> i64;
            /// Copies `len` bytes the session's guest left at `offset` (a
            /// [`GuestSlice`](crate::GuestSlice): an output, call data) to the register;
            /// returns `len`, or `-LinkError`.
            fn guest_read(offset: i32, len: i32) -> i64;
            /// Ends the session: keeps its state changes in the contract's storage when
            /// `commit` is 1, drops them when 0. Returns 0, or `-LinkError`.
            fn session_end(commit: i32) -> i64;
            /// Copies the register to `dest` (the length the last call returned).
            fn read_register(dest: i32);
        }
    };
}

wire_enum! {
/// Why the node refused a contract's call (returned as `-code`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkError {
    /// The message is not a valid borsh encoding.
    Malformed = 1,
    /// The gas limit asked for costs more than the contract's gas left, even at the
    /// schedule's price per gas alone: nothing ran, nothing was charged.
    GasLimitTooHigh = 2,
    /// The transaction is invalid (nonce, balance, intrinsic gas ...): nothing ran.
    InvalidTransaction = 3,
    /// No session is open (resume, read or end before a start).
    NoSession = 4,
    /// The precompile refused the message (a boundary error; the session goes on).
    Refused = 5,
    /// The frame failed deterministically (a guest trap, the memory cap): the session is
    /// gone and its changes with it.
    FrameFailed = 6,
    /// The bytes asked for are outside the guest's memory.
    OutOfBounds = 7,
    /// A session is open: a whole transaction cannot run beside it.
    SessionOpen = 8,
}
}

impl LinkError {
    /// The code's error, if it is one.
    pub fn from_code(code: i64) -> Option<LinkError> {
        code.checked_neg().and_then(|code| u8::try_from(code).ok()).and_then(LinkError::from_u8)
    }
}

/// An Ethereum transaction for [`transact`](crate::for_each_contract_import): the node fills in the
/// block, the fork and the chain; gas has no price (the contract charges as it likes).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct Transaction {
    /// The sender.
    pub caller: Address,
    /// The callee, or `None` to create a contract with `data` as init code.
    pub to: Option<Address>,
    /// Wei moved to the callee.
    pub value: Word,
    /// Call data or init code.
    pub data: Vec<u8>,
    /// EVM gas limit.
    pub gas_limit: u64,
}

/// How a transaction ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[borsh(use_discriminant = true)]
#[repr(u8)]
pub enum TxStatus {
    /// Success: its state changes are kept.
    Success = 0,
    /// Revert: state changes undone, unused gas back.
    Revert = 1,
    /// Exceptional halt: state changes undone, all gas used.
    Halt = 2,
}

/// A log a transaction emitted.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct LogEntry {
    /// The emitting contract.
    pub address: Address,
    /// Its topics.
    pub topics: Vec<Word>,
    /// Its data.
    pub data: Vec<u8>,
}

/// What [`transact`](crate::for_each_contract_import) returns.
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
pub struct TxOutcome {
    /// How it ended.
    pub status: TxStatus,
    /// EVM gas used, refunds deducted.
    pub gas_used: u64,
    /// Return or revert data.
    pub output: Vec<u8>,
    /// The created contract, for a successful create.
    pub created: Option<Address>,
    /// Logs, for a success.
    pub logs: Vec<LogEntry>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_map_to_codes_and_back() {
        for code in 1..=8 {
            assert_eq!(LinkError::from_code(-code).map(|error| -(error as i64)), Some(-code));
        }
        assert_eq!(LinkError::from_code(-2), Some(LinkError::GasLimitTooHigh));
        assert_eq!(LinkError::from_code(0), None);
        assert_eq!(LinkError::from_code(-9), None);
    }
}
