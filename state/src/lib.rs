//! Ethereum state kept in a contract's key-value storage.
//!
//! An EVM engine contract keeps accounts, code and storage slots in the storage its node
//! gives it. The precompile's node link reads and writes that state for the contract, and
//! an engine that runs its own interpreter does the same: both go through this crate, so
//! the two agree on every byte. [`layout`] says where each thing lives, [`ContractStorage`]
//! is the node's storage as the engine sees it, [`ContractDb`] is a revm `Database`
//! over it that writes a journal's final state back, and [`transaction`] maps a
//! contract's transaction to revm and its result back.
//!
//! `no_std` (with `alloc`): it builds into contracts for `wasm32`.

#![no_std]

extern crate alloc;

pub mod db;
pub mod layout;
/// The node's key-value storage, as the engine sees it.
pub mod storage;
pub mod transaction;

pub use db::{ContractDb, CorruptState};
pub use storage::{ContractStorage, MemoryStorage};
