//! The state a session runs over: the [`EvmHost`] trait a node implements, [`RevmHost`]
//! over any revm context, and [`MemoryHost`], an in-memory one.

/// The state interface a node implements.
pub mod evm_host;
/// An in-memory [`EvmHost`] over revm's journal.
pub mod memory_host;
/// `EvmHost` for any revm context.
pub mod revm_host;

pub use evm_host::{Access, AccountInfo, EvmHost, SstoreValues, Transfer};
pub use memory_host::MemoryHost;
pub use revm_host::{RevmHost, RevmHostError};
