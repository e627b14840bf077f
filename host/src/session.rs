//! One Wasm instance of the precompile per EVM transaction: frames started, suspended and
//! resumed, with the node's checkpoints kept or undone by their outcomes.

use crate::engine::Engine;
use crate::error::{Error, FrameError, NodeError};
use crate::evm_host::EvmHost;
use blame::TrapCause;
use evmpc_abi::limits::{HANDOVER_SIZE, MAX_MESSAGE_SIZE};
use evmpc_abi::wire::{SliceSink, Wire};
use evmpc_abi::{
    Action, BoundaryError, FrameInput, FrameResult, GuestSlice, Status, SubcallOutcomeRef, SubcallOutputRef,
};
use wasmtime::{InstancePre, Memory, Store, TypedFunc};

/// Who is to blame for a trap.
mod blame;
/// What the session's store holds.
mod data;

pub(crate) use data::CallEntry;
pub use data::SessionData;

/// A finished frame with its output read out of guest memory: what a node records for a
/// frame it ran alone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReturnedFrame {
    /// How the frame ended.
    pub status: Status,
    /// Gas spent of the frame's gas limit (all of it on an exceptional halt).
    pub gas_used: u64,
    /// Refund counter.
    pub gas_refunded: i64,
    /// RETURN or REVERT data.
    pub output: Vec<u8>,
}

/// Which export a call enters by.
#[derive(Clone, Copy)]
enum Entry {
    Start,
    Resume,
}

/// One Wasm instance of the precompile, for one EVM transaction.
///
/// [`start`](Session::start) runs a frame until it returns or asks for a sub-call;
/// [`resume`](Session::resume) hands the sub-call's outcome to the suspended frame. A
/// frame started while another is suspended runs nested in it (the call stack lives in the
/// guest; the host never recurses).
///
/// Each frame runs inside an [`EvmHost`] checkpoint: kept when the frame succeeds, undone
/// when it reverts, halts or fails. After a trap or a host failure every open checkpoint
/// is undone and the session refuses further calls ([`FrameError::Poisoned`]).
pub struct Session<H: EvmHost> {
    store: Store<SessionData<H>>,
    memory: Memory,
    input_buffer: TypedFunc<i32, i32>,
    frame_start: TypedFunc<i32, i64>,
    frame_resume: TypedFunc<i32, i64>,
    /// Address and length of the guest's input buffer, which only grows: a message that
    /// fits needs no `input_buffer` call.
    buffer: Option<(usize, usize)>,
    max_wasm_stack: usize,
    /// Whether each frame runs inside an [`EvmHost`] checkpoint of the session's own.
    checkpoints: bool,
    poisoned: bool,
}

impl<H: EvmHost + 'static> Session<H> {
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(engine: &Engine, pre: &InstancePre<SessionData<H>>, host: H) -> Result<Self, (H, Error)> {
        let mut store = Store::new(engine.wasmtime(), SessionData::new(host));
        store.limiter(|data| &mut data.limiter);
        match Self::instantiate(&mut store, pre) {
            Ok((memory, input_buffer, frame_start, frame_resume)) => Ok(Session {
                store,
                memory,
                input_buffer,
                frame_start,
                frame_resume,
                buffer: None,
                max_wasm_stack: engine.max_wasm_stack(),
                checkpoints: true,
                poisoned: false,
            }),
            Err(error) => Err((store.into_data().host, error)),
        }
    }

    #[allow(clippy::type_complexity)]
    fn instantiate(
        store: &mut Store<SessionData<H>>,
        pre: &InstancePre<SessionData<H>>,
    ) -> Result<(Memory, TypedFunc<i32, i32>, TypedFunc<i32, i64>, TypedFunc<i32, i64>), Error> {
        let engine_error = |e: wasmtime::Error| Error::from(NodeError::Engine(e.to_string()));
        let mut store = store;
        let instance = pre.instantiate(&mut store).map_err(engine_error)?;
        let memory = instance
            .get_memory(&mut store, evmpc_abi::imports::MEMORY_EXPORT)
            .ok_or_else(|| NodeError::Engine("artifact exports no memory".into()))?;
        store.data_mut().memory = Some(memory);
        let input_buffer = instance.get_typed_func(&mut store, "input_buffer").map_err(engine_error)?;
        let frame_start = instance.get_typed_func(&mut store, "frame_start").map_err(engine_error)?;
        let frame_resume = instance.get_typed_func(&mut store, "frame_resume").map_err(engine_error)?;
        Ok((memory, input_buffer, frame_start, frame_resume))
    }

    /// Starts a frame: at the top of the session, or nested in the suspended top frame.
    ///
    /// A root frame whose inline call data or code passes a protocol limit
    /// ([`FrameInput::exceeds_limits`]) does not run: it halts with
    /// [`Status::MemoryLimitOOG`], consuming its gas limit, as the guest would halt it.
    ///
    /// # Errors
    /// [`FrameError::Boundary`] if the guest refuses the input (malformed, a nested frame
    /// that does not serve the pending request, another context); [`FrameError::Trap`] or
    /// [`FrameError::MemoryCap`] if the guest fails; [`NodeError`] if the host or this
    /// machine fails. The frame's state changes are undone in every case.
    pub fn start(&mut self, frame: &FrameInput) -> Result<Action, Error> {
        self.check_usable()?;
        if frame.exceeds_limits() && self.suspended() == 0 {
            let halt = FrameResult {
                status: Status::MemoryLimitOOG,
                gas_used: frame.gas_limit,
                gas_refunded: 0,
                output: GuestSlice::EMPTY,
            };
            return Ok(Action::Return(halt));
        }
        let len = self.write_message(frame)?;
        self.open_frame();
        self.call(Entry::Start, len)
    }

    /// [`start`](Session::start) from borsh bytes of a [`FrameInput`], as a contract hands
    /// them over. Malformed bytes give [`FrameError::Boundary`].
    ///
    /// # Errors
    /// As [`start`](Session::start).
    pub fn start_encoded(&mut self, frame: &[u8]) -> Result<Action, Error> {
        self.check_usable()?;
        let len = self.write_encoded(frame)?;
        self.open_frame();
        self.call(Entry::Start, len)
    }

    /// Resumes the suspended top frame with the outcome of its sub-call.
    ///
    /// # Errors
    /// [`FrameError::Boundary`] with [`BoundaryError::NothingSuspended`] when no frame
    /// waits, or [`BoundaryError::OutcomeMismatch`] when the outcome contradicts the
    /// pending request; otherwise as [`start`](Session::start).
    ///
    /// Takes a [`SubcallOutcome`] by reference or a [`SubcallOutcomeRef`], whose output
    /// bytes are written into guest memory without being copied first.
    pub fn resume<'a>(&mut self, outcome: impl Into<SubcallOutcomeRef<'a>>) -> Result<Action, Error> {
        self.check_usable()?;
        if self.store.data().frames.is_empty() {
            return Err(FrameError::Boundary(BoundaryError::NothingSuspended).into());
        }
        let outcome = outcome.into();
        let len = self.write_message(&outcome)?;
        if matches!(outcome.output, SubcallOutputRef::Bytes(bytes) if bytes.len() >= HANDOVER_SIZE) {
            // The guest keeps this input buffer as the output; the next message needs another.
            self.buffer = None;
        }
        self.call(Entry::Resume, len)
    }

    /// Bytes the guest left in its memory: a request's call data or init code, a frame's
    /// output. Read in place; valid until the next call into the guest.
    ///
    /// # Errors
    /// [`FrameError::MalformedAction`] when the slice lies outside guest memory.
    pub fn bytes(&self, slice: GuestSlice) -> Result<&[u8], Error> {
        self.memory.data(&self.store).get(slice.range()).ok_or_else(|| FrameError::MalformedAction.into())
    }

    /// `result` with its output copied out of guest memory.
    ///
    /// # Errors
    /// As [`bytes`](Session::bytes).
    pub fn returned(&self, result: &FrameResult) -> Result<ReturnedFrame, Error> {
        Ok(ReturnedFrame {
            status: result.status,
            gas_used: result.gas_used,
            gas_refunded: result.gas_refunded,
            output: self.bytes(result.output)?.to_vec(),
        })
    }

    /// Frames suspended in the guest, waiting for a sub-call's outcome.
    pub fn suspended(&self) -> usize {
        self.store.data().frames.len()
    }

    /// The node's host.
    pub fn host(&self) -> &H {
        &self.store.data().host
    }

    /// The node's host, mutably (to serve a sub-call between `start` and `resume`).
    pub fn host_mut(&mut self) -> &mut H {
        &mut self.store.data_mut().host
    }

    /// Ends the session and gives the host back.
    pub fn into_host(self) -> H {
        self.store.into_data().host
    }

    /// Leaves checkpoints to the caller, which opens one around every frame it starts
    /// and settles it by the frame's outcome (revm's frames in the transaction executor).
    pub(crate) fn caller_keeps_checkpoints(&mut self) {
        self.checkpoints = false;
    }

    /// Lets the guest run calls to accounts with code itself (default: off).
    ///
    /// A CALL, CALLCODE, DELEGATECALL or STATICCALL to an account with code that is not
    /// one of the session's precompiles then never comes out as [`Action::Call`]: the
    /// session opens an [`EvmHost`] checkpoint and moves the value, the callee runs in the
    /// guest at once, and the checkpoint is kept or undone when it returns, as a nested
    /// frame started by [`start`](Session::start) would be. Creates and calls to
    /// precompiles still come out. This saves a round trip through the node per call;
    /// leave it off to see (or run elsewhere) every call.
    pub fn inline_calls(&mut self, enable: bool) {
        self.store.data_mut().inline_calls = enable;
    }

    /// Opens the checkpoint of a frame about to start.
    fn open_frame(&mut self) {
        let data = self.store.data_mut();
        let checkpoint = self.checkpoints.then(|| data.host.checkpoint());
        data.frames.push(checkpoint);
    }

    fn check_usable(&self) -> Result<(), Error> {
        if self.poisoned {
            return Err(FrameError::Poisoned.into());
        }
        Ok(())
    }

    /// Encodes `message` straight into the guest's input buffer; returns its length.
    fn write_message(&mut self, message: &impl Wire) -> Result<usize, Error> {
        let len = message.encoded_len();
        let buffer = self.buffer_for(len)?;
        let mut sink = SliceSink::new(buffer);
        message.encode(&mut sink);
        debug_assert_eq!(sink.written(), len);
        Ok(len)
    }

    /// Copies an encoded message into the guest's input buffer; returns its length.
    fn write_encoded(&mut self, message: &[u8]) -> Result<usize, Error> {
        self.buffer_for(message.len())?.copy_from_slice(message);
        Ok(message.len())
    }

    /// `len` bytes of the guest's input buffer, grown by the `input_buffer` export when the
    /// message does not fit what it holds.
    fn buffer_for(&mut self, len: usize) -> Result<&mut [u8], Error> {
        if len > MAX_MESSAGE_SIZE {
            return Err(FrameError::Boundary(BoundaryError::MessageTooLarge).into());
        }
        let ptr = match self.buffer {
            Some((ptr, capacity)) if capacity >= len => ptr,
            _ => {
                let ptr = self.input_buffer.call(&mut self.store, len as i32).map_err(|trap| self.trapped(trap))?;
                self.buffer = Some((ptr as u32 as usize, len));
                ptr as u32 as usize
            }
        };
        let buffer = self
            .memory
            .data_mut(&mut self.store)
            .get_mut(ptr..ptr + len)
            .ok_or_else(|| FrameError::Trap("input buffer outside guest memory".into()))?;
        Ok(buffer)
    }

    /// Calls `entry` on the `len`-byte message in the guest and settles checkpoints.
    fn call(&mut self, entry: Entry, len: usize) -> Result<Action, Error> {
        let result = self.enter(entry, len);
        let data = self.store.data_mut();
        match &result {
            Ok(Action::Return(frame)) => match data.frames.pop() {
                Some(Some(_)) if frame.status.is_success() => data.host.checkpoint_commit(),
                Some(Some(checkpoint)) => data.host.checkpoint_revert(checkpoint),
                _ => {}
            },
            Ok(_) => {}
            // A refused call leaves the guest as it was: a refused start undoes only the
            // checkpoint it opened; a refused resume leaves the suspended frame's in place.
            Err(Error::Frame(FrameError::Boundary(_))) if !self.poisoned => {
                if matches!(entry, Entry::Start) {
                    if let Some(Some(checkpoint)) = data.frames.pop() {
                        data.host.checkpoint_revert(checkpoint);
                    }
                }
            }
            Err(_) => {
                while let Some(frame) = data.frames.pop() {
                    if let Some(checkpoint) = frame {
                        data.host.checkpoint_revert(checkpoint);
                    }
                }
                self.poisoned = true;
            }
        }
        result
    }

    fn enter(&mut self, entry: Entry, len: usize) -> Result<Action, Error> {
        let export = match entry {
            Entry::Start => &self.frame_start,
            Entry::Resume => &self.frame_resume,
        };
        let packed = export.call(&mut self.store, len as i32).map_err(|trap| self.trapped(trap))?;
        if packed < 0 {
            let code = u8::try_from(-packed).ok().and_then(BoundaryError::from_u8);
            return Err(FrameError::Boundary(code.unwrap_or(BoundaryError::Malformed)).into());
        }
        let (ptr, len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
        let bytes = self.memory.data(&self.store).get(ptr..ptr + len).ok_or(FrameError::MalformedAction)?;
        Action::decode(bytes).map_err(|_| FrameError::MalformedAction.into())
    }

    /// Classifies a trap by blame and poisons the session.
    fn trapped(&mut self, trap: wasmtime::Error) -> Error {
        self.poisoned = true;
        let data = self.store.data_mut();
        let cause = TrapCause {
            host: data.failure.take(),
            os_memory: data.limiter.os_failure.take(),
            memory_cap: data.limiter.reached,
        };
        cause.blame(&trap, self.max_wasm_stack)
    }
}
