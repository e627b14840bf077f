//! Call the evmpc precompile from a Wasm contract.
//!
//! A node that offers evmpc gives its contracts host functions in the Wasm module `evmpc`
//! (`evmpc_host::node_link` on the node's side). A contract, typically an EVM engine,
//! calls them through this crate to run EVM bytecode unmetered and charged by evmpc's fee
//! schedule, instead of interpreting it in metered Wasm:
//!
//! - [`Evmpc::transact`] runs a whole Ethereum transaction (calls, creates, nested
//!   frames, value) over the Ethereum state kept in the contract's own storage;
//! - [`Evmpc::start`], [`Evmpc::resume`], [`Evmpc::read`] and [`Evmpc::end`] drive a
//!   session frame by frame: the frame runs until it returns or asks for something the
//!   contract serves (a call to an Ethereum precompile, a create), then resumes with the
//!   outcome.
//!
//! Built for `wasm32`, `Evmpc::node` reaches the imports (`sys`); natively, the
//! `test-double` feature's `TestNode` runs the node link in process, so engine code
//! written over any [`Node`] is unit-tested without a node.
//!
//! `no_std` (with `alloc`); the contract brings its allocator.
//!
//! # Example
//!
//! An engine entry point, generic over the node so that its test runs natively:
//!
//! ```
//! use evmpc_sdk::{Action, Evmpc, FrameInput, Node, Status, SubcallOutcome, SubcallOutput};
//! use evmpc_sdk::{Transaction, TxStatus};
//!
//! /// Runs a transaction; returns its output, or `None` if it failed.
//! fn call<N: Node>(evmpc: &mut Evmpc<N>, tx: &Transaction) -> Option<Vec<u8>> {
//!     let outcome = evmpc.transact(tx).ok()?;
//!     (outcome.status == TxStatus::Success).then_some(outcome.output)
//! }
//!
//! const IDENTITY: [u8; 20] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4];
//!
//! /// Runs one frame, serving the identity precompile and refusing other calls out.
//! fn frame<N: Node>(evmpc: &mut Evmpc<N>, frame: &FrameInput) -> Result<Vec<u8>, evmpc_sdk::Error> {
//!     let mut action = evmpc.start(frame)?;
//!     loop {
//!         action = match action {
//!             Action::Return(result) => {
//!                 let output = evmpc.read(result.output)?;
//!                 evmpc.end(result.status.is_success())?;
//!                 return Ok(output);
//!             }
//!             Action::Call(call) if call.bytecode_address == IDENTITY => {
//!                 let input = evmpc.read(call.input)?;
//!                 let cost = 15 + 3 * (input.len() as u64).div_ceil(32);
//!                 evmpc.resume(&SubcallOutcome {
//!                     status: Status::Return,
//!                     gas_remaining: call.gas_limit.saturating_sub(cost),
//!                     gas_refunded: 0,
//!                     output: SubcallOutput::Bytes(input),
//!                     created_address: None,
//!                 })?
//!             }
//!             Action::Call(call) => evmpc.resume(&SubcallOutcome::empty(Status::Revert, call.gas_limit))?,
//!             Action::Create(create) => evmpc.resume(&SubcallOutcome::empty(Status::Revert, create.gas_limit))?,
//!         };
//!     }
//! }
//!
//! // The same code on the test double: Ethereum state in a storage of our own making.
//! use evmpc_sdk::state::ContractDb;
//! use evmpc_sdk::{root_call, Code, TestNode};
//! use revm::primitives::{Address, U256};
//! let (user, echo) = ([0x11; 20], [0xec; 20]);
//! // Returns its call data, copied through the identity precompile.
//! let echo_code = hex::decode("36600060003736600036600060045afa503d6000f3").unwrap();
//! let mut db = ContractDb::default();
//! db.insert_account(Address::from(user), U256::from(10u64.pow(18)), 0, &[]);
//! db.insert_account(Address::from(echo), U256::ZERO, 1, &echo_code);
//! let mut evmpc = Evmpc::with(TestNode::new(db.storage));
//!
//! let tx = Transaction { caller: user, to: Some(echo), value: [0; 32], data: b"hi".to_vec(), gas_limit: 100_000 };
//! assert_eq!(call(&mut evmpc, &tx), Some(b"hi".to_vec()));
//!
//! let root = root_call(user, echo, Code::Inline(echo_code), b"frame".to_vec(), 100_000);
//! assert_eq!(frame(&mut evmpc, &root).unwrap(), b"frame");
//! ```

#![no_std]

extern crate alloc;
#[cfg(feature = "test-double")]
extern crate std;

mod evmpc;
pub mod sys;
#[cfg(feature = "test-double")]
mod test_double;

pub use evmpc::{root_call, Error, Evmpc, Node};
pub use evmpc_abi::contract::{LinkError, LogEntry, Transaction, TxOutcome, TxStatus};
pub use evmpc_abi::{
    Action, CallData, CallRequest, Code, CreateRequest, FrameInput, FrameKind, FrameResult, GuestSlice, Status,
    SubcallOutcome, SubcallOutput,
};
#[cfg(feature = "state")]
pub use evmpc_state as state;
#[cfg(feature = "test-double")]
pub use test_double::TestNode;
