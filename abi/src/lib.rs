//! The boundary of the evmpc precompile.
//!
//! Everything that crosses between a node (`evmpc-host`) and the canonical Wasm artifact
//! (`evmpc-guest`) is defined here, once: the borsh-encoded [`FrameInput`] a frame starts
//! with, the [`Action`] it ends with, the [`SubcallOutcome`] it resumes with, the wire
//! [`Status`] codes, the [`limits`] and the [`imports`] table. Bulk bytes cross only
//! where the node must see them: requests and results name guest memory ([`GuestSlice`]),
//! nested frames read their call data and init code where the caller left them, and an
//! account's code crosses once per session. Both sides depend on this crate and never
//! on each other. With the `hash` feature, [`abi_hash`] derives the ABI hash the spec
//! pins from the borsh schemas of these types plus the import table.
//!
//! # Features
//! - `std` (default): `std` support for borsh.
//! - `hash`: [`abi_hash`] and [`abi_description`].
#![cfg_attr(not(feature = "std"), no_std)]
#![doc(test(attr(deny(warnings))))]

extern crate alloc;

// First: the wire enums below are declared with it.
mod wire_enum;

/// What a frame ends with: a return, or a request for a sub-call.
pub mod action;
/// The session's fork, block and transaction.
pub mod context;
pub mod contract;
/// Forks the precompile executes.
pub mod fork;
/// Frame input: code, call data, addresses and gas.
pub mod frame;
#[cfg(feature = "hash")]
/// The ABI hash, derived from the schemas and the import table.
pub mod hash;
pub mod imports;
pub mod limits;
/// What came of a sub-call: the outcome a suspended frame resumes with.
pub mod outcome;
pub mod records;
/// Wire status codes of a frame and of the boundary itself.
pub mod status;
pub mod units;
pub mod wire;

pub use action::{Action, CallRequest, CallScheme, CreateRequest, CreateScheme, FrameResult};
pub use context::{ethereum_precompiles, BlockEnv, ExecContext, TxEnv};
pub use fork::Fork;
pub use frame::{Address, CallData, Code, FrameInput, FrameKind, GuestSlice, Word};
#[cfg(feature = "hash")]
pub use hash::{abi_description, abi_hash};
pub use imports::{ImportSig, ValType, IMPORTS, IMPORT_MODULE};
pub use outcome::{SubcallOutcome, SubcallOutcomeRef, SubcallOutput, SubcallOutputRef};
pub use status::{BoundaryError, Status};
