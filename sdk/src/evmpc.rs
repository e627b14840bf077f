//! Messages are borsh-encoded into the contract's memory, the node answers in its
//! register, and the answer is decoded back.

use alloc::vec;
use alloc::vec::Vec;
use borsh::BorshDeserialize;
use evmpc_abi::contract::{LinkError, Transaction, TxOutcome};
use evmpc_abi::frame::Address;
use evmpc_abi::{Action, CallData, Code, FrameInput, FrameKind, GuestSlice, SubcallOutcome};

/// The node's `evmpc` host functions, raw: what [`Evmpc`] calls. The contract's imports
/// implement it on `wasm32` (`Evmpc::node`); `TestNode` implements it natively.
pub trait Node {
    /// `transact(tx)`: the outcome's length, or `-LinkError`.
    fn transact(&mut self, tx: &[u8]) -> i64;
    /// `frame_start(frame)`: the action's length, or `-LinkError`.
    fn frame_start(&mut self, frame: &[u8]) -> i64;
    /// `frame_resume(outcome)`: the action's length, or `-LinkError`.
    fn frame_resume(&mut self, outcome: &[u8]) -> i64;
    /// `guest_read(offset, len)`: `len`, or `-LinkError`.
    fn guest_read(&mut self, offset: u32, len: u32) -> i64;
    /// `session_end(commit)`: 0, or `-LinkError`.
    fn session_end(&mut self, commit: bool) -> i64;
    /// `read_register(dest)`: copies the register (as long as the last length) to `dest`.
    fn read_register(&mut self, dest: &mut [u8]);
}

/// Why a call to the precompile gave no result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The node refused it.
    Link(LinkError),
    /// The node answered with bytes that do not decode (a node of another ABI).
    Undecodable,
}

impl core::fmt::Display for Error {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Error::Link(error) => write!(f, "the node refused the call: {error:?}"),
            Error::Undecodable => f.write_str("the node's answer does not decode"),
        }
    }
}

impl core::error::Error for Error {}

/// The precompile as a contract calls it, over a [`Node`].
#[derive(Debug, Default)]
pub struct Evmpc<N> {
    node: N,
}

#[cfg(target_arch = "wasm32")]
impl Evmpc<Imports> {
    /// The precompile through the node's host functions.
    pub fn node() -> Evmpc<Imports> {
        Evmpc { node: Imports }
    }
}

impl<N: Node> Evmpc<N> {
    /// The precompile through `node`.
    pub fn with(node: N) -> Evmpc<N> {
        Evmpc { node }
    }

    /// The node underneath.
    pub fn node_mut(&mut self) -> &mut N {
        &mut self.node
    }

    /// Runs `tx` on the Ethereum state in the contract's storage; its changes are kept
    /// when it succeeds. The node charges the contract's gas for it.
    ///
    /// # Errors
    /// [`Error::Link`]: malformed, its gas limit above the contract's gas, invalid (nonce,
    /// balance, intrinsic gas), a frame session open, or a deterministic frame failure.
    pub fn transact(&mut self, tx: &Transaction) -> Result<TxOutcome, Error> {
        let message = borsh::to_vec(tx).map_err(|_| Error::Undecodable)?;
        let len = self.node.transact(&message);
        self.decode(len)
    }

    /// Starts `frame`: a root frame (nothing suspended), which opens the contract call's
    /// session on the first start, or the nested frame of a suspended call or create the
    /// contract chose to run as a frame. Runs until it returns or needs the contract.
    ///
    /// # Errors
    /// [`Error::Link`], as [`transact`](Evmpc::transact) and `Refused` for a frame the
    /// precompile does not take.
    pub fn start(&mut self, frame: &FrameInput) -> Result<Action, Error> {
        let message = borsh::to_vec(frame).map_err(|_| Error::Undecodable)?;
        let len = self.node.frame_start(&message);
        self.decode(len)
    }

    /// Resumes the suspended frame with what came of its call or create.
    ///
    /// # Errors
    /// [`Error::Link`]: `NoSession` when nothing is suspended.
    pub fn resume(&mut self, outcome: &SubcallOutcome) -> Result<Action, Error> {
        let message = borsh::to_vec(outcome).map_err(|_| Error::Undecodable)?;
        let len = self.node.frame_resume(&message);
        self.decode(len)
    }

    /// The bytes behind `slice` (an output, call data, init code) out of the session.
    ///
    /// # Errors
    /// [`Error::Link`]: `NoSession`, or `OutOfBounds`.
    pub fn read(&mut self, slice: GuestSlice) -> Result<Vec<u8>, Error> {
        let len = self.node.guest_read(slice.offset, slice.len);
        self.register(len)
    }

    /// Ends the session, keeping its state changes when `commit`.
    ///
    /// # Errors
    /// [`Error::Link`]: `NoSession`.
    pub fn end(&mut self, commit: bool) -> Result<(), Error> {
        match self.node.session_end(commit) {
            0 => Ok(()),
            code => Err(refusal(code)),
        }
    }

    fn register(&mut self, len: i64) -> Result<Vec<u8>, Error> {
        if len < 0 {
            return Err(refusal(len));
        }
        let mut bytes = vec![0; usize::try_from(len).map_err(|_| Error::Undecodable)?];
        self.node.read_register(&mut bytes);
        Ok(bytes)
    }

    fn decode<T: BorshDeserialize>(&mut self, len: i64) -> Result<T, Error> {
        T::try_from_slice(&self.register(len)?).map_err(|_| Error::Undecodable)
    }
}

fn refusal(code: i64) -> Error {
    LinkError::from_code(code).map_or(Error::Undecodable, Error::Link)
}

/// A root call frame from `caller` to `target` running `code` (inline, or
/// [`Code::Account`] for the node to load from the contract's storage). The node fills in
/// the block, the fork and the chain.
pub fn root_call(caller: Address, target: Address, code: Code, input: Vec<u8>, gas_limit: u64) -> FrameInput {
    FrameInput {
        kind: FrameKind::Call { bytecode_address: target },
        code,
        input: CallData::Inline(input),
        caller,
        target,
        value: [0; 32],
        gas_limit,
        is_static: false,
        depth: 0,
        context: None,
    }
}

/// The node's host functions (`wasm32` only).
#[cfg(target_arch = "wasm32")]
#[derive(Clone, Copy, Debug, Default)]
pub struct Imports;

#[cfg(target_arch = "wasm32")]
impl Node for Imports {
    fn transact(&mut self, tx: &[u8]) -> i64 {
        unsafe { crate::sys::transact(tx.as_ptr() as i32, tx.len() as i32) }
    }
    fn frame_start(&mut self, frame: &[u8]) -> i64 {
        unsafe { crate::sys::frame_start(frame.as_ptr() as i32, frame.len() as i32) }
    }
    fn frame_resume(&mut self, outcome: &[u8]) -> i64 {
        unsafe { crate::sys::frame_resume(outcome.as_ptr() as i32, outcome.len() as i32) }
    }
    fn guest_read(&mut self, offset: u32, len: u32) -> i64 {
        unsafe { crate::sys::guest_read(offset as i32, len as i32) }
    }
    fn session_end(&mut self, commit: bool) -> i64 {
        unsafe { crate::sys::session_end(i32::from(commit)) }
    }
    fn read_register(&mut self, dest: &mut [u8]) {
        unsafe { crate::sys::read_register(dest.as_mut_ptr() as i32) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use evmpc_abi::Status;

    /// A node that answers every call with `answer` and fills the register with `register`.
    struct Scripted {
        answer: i64,
        register: Vec<u8>,
    }

    impl Node for Scripted {
        fn transact(&mut self, _: &[u8]) -> i64 {
            self.answer
        }
        fn frame_start(&mut self, _: &[u8]) -> i64 {
            self.answer
        }
        fn frame_resume(&mut self, _: &[u8]) -> i64 {
            self.answer
        }
        fn guest_read(&mut self, _: u32, _: u32) -> i64 {
            self.answer
        }
        fn session_end(&mut self, _: bool) -> i64 {
            self.answer
        }
        fn read_register(&mut self, dest: &mut [u8]) {
            dest.copy_from_slice(&self.register[..dest.len()]);
        }
    }

    #[test]
    fn refusals_and_garbage_become_typed_errors() {
        let outcome = SubcallOutcome::empty(Status::Stop, 0);
        let mut refusing = Evmpc::with(Scripted { answer: -4, register: Vec::new() });
        assert_eq!(refusing.resume(&outcome), Err(Error::Link(LinkError::NoSession)));
        assert_eq!(refusing.end(true), Err(Error::Link(LinkError::NoSession)));
        let mut unknown = Evmpc::with(Scripted { answer: -99, register: Vec::new() });
        assert_eq!(unknown.read(GuestSlice { offset: 0, len: 1 }), Err(Error::Undecodable));
        let mut garbage = Evmpc::with(Scripted { answer: 3, register: vec![9, 9, 9] });
        assert_eq!(garbage.start(&root_call([1; 20], [2; 20], Code::Pending, Vec::new(), 1)), Err(Error::Undecodable));
        assert_eq!(garbage.read(GuestSlice { offset: 0, len: 3 }), Ok(vec![9, 9, 9]));
    }

    #[test]
    fn the_test_double_refuses_misuse_like_a_node() {
        let mut evmpc = Evmpc::with(crate::TestNode::new(Default::default()));
        let outcome = SubcallOutcome::empty(Status::Stop, 0);
        assert_eq!(evmpc.resume(&outcome), Err(Error::Link(LinkError::NoSession)));
        let tx = Transaction { caller: [1; 20], to: None, value: [0; 32], data: Vec::new(), gas_limit: u64::MAX };
        assert_eq!(evmpc.transact(&tx), Err(Error::Link(LinkError::GasLimitTooHigh)));
        let broke = Transaction { value: [0xff; 32], gas_limit: 100_000, ..tx };
        assert_eq!(evmpc.transact(&broke), Err(Error::Link(LinkError::InvalidTransaction)));
    }
}
