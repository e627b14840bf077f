//! One Wasm instance of the precompile per EVM transaction: frames started, suspended and
//! resumed, with the node's checkpoints kept or undone by their outcomes.

use crate::backend::{EngineTrap, Export, Instance, Prepared};
use crate::blame::TrapCause;
use crate::engine::Engine;
use crate::error::{Error, FrameError, GuestTrap};
use crate::fees::{FeeOverflow, Picos, PricedPrecompile, Term, Usage};
use crate::state_host::evm_host::EvmHost;
use crate::store::SessionData;
use evmpc_abi::limits::{HANDOVER_SIZE, MAX_MESSAGE_SIZE};
use evmpc_abi::wire::{SliceSink, Wire};
use evmpc_abi::{
    Action, BoundaryError, FrameInput, FrameResult, GuestSlice, Status, SubcallOutcomeRef, SubcallOutputRef,
};
use meter::Meter;
use std::time::{Duration, Instant};

mod meter;

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
    instance: Instance<H>,
    /// Address and length of the guest's input buffer, which only grows: a message that
    /// fits needs no `input_buffer` call.
    buffer: Option<(usize, usize)>,
    max_wasm_stack: usize,
    /// Whether each frame runs inside an [`EvmHost`] checkpoint of the session's own.
    checkpoints: bool,
    poisoned: bool,
    meter: Meter,
}

impl<H: EvmHost + 'static> Session<H> {
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(engine: &Engine, prepared: &Prepared<H>, host: H) -> Result<Self, (H, Error)> {
        let started = Instant::now();
        let mut data = SessionData::new(host);
        data.usage.add(Term::Sessions, 1);
        match Instance::new(engine, prepared, data) {
            Ok(instance) => Ok(Session {
                instance,
                buffer: None,
                max_wasm_stack: engine.max_wasm_stack(),
                checkpoints: true,
                poisoned: false,
                meter: Meter::new(engine.fee_schedule(), started),
            }),
            Err((data, error)) => Err((data.host, error)),
        }
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
    /// [`FrameError::MemoryCap`] if the guest fails; [`NodeError`](crate::NodeError) if the host or this
    /// machine fails. The frame's state changes are undone in every case.
    pub fn start(&mut self, frame: &FrameInput) -> Result<Action, Error> {
        self.check_usable()?;
        if frame.exceeds_limits() && self.suspended() == 0 {
            let usage = &mut self.instance.data_mut().usage;
            usage.gas = usage.gas.saturating_add(frame.gas_limit);
            let halt = FrameResult {
                status: Status::MemoryLimitOOG,
                gas_used: frame.gas_limit,
                gas_refunded: 0,
                output: GuestSlice::EMPTY,
            };
            return Ok(Action::Return(halt));
        }
        let len = self.write_message(frame)?;
        if let evmpc_abi::Code::Inline(code) = &frame.code {
            self.instance.data_mut().usage.add(Term::Code, code.len() as u64);
        }
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
        // Not decoded here: every byte may be inline code the guest analyses.
        self.instance.data_mut().usage.add(Term::Code, len as u64);
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
    /// Takes a [`SubcallOutcome`](evmpc_abi::SubcallOutcome) by reference or a [`SubcallOutcomeRef`], whose output
    /// bytes are written into guest memory without being copied first.
    pub fn resume<'a>(&mut self, outcome: impl Into<SubcallOutcomeRef<'a>>) -> Result<Action, Error> {
        self.check_usable()?;
        if self.instance.data().frames.is_empty() {
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
        self.meter.read(slice.len as usize);
        self.instance.memory().get(slice.range()).ok_or_else(|| FrameError::MalformedAction.into())
    }

    /// What the session did so far that its fee depends on.
    pub fn usage(&self) -> Usage {
        self.meter.total_usage(&self.instance.data().usage)
    }

    /// The session's fee so far: its [`usage`](Session::usage) priced by the engine's
    /// [`FeeSchedule`](crate::FeeSchedule), plus what the node reported of its own cost
    /// ([`EvmHost::take_node_fee`]). Gas is counted when a root frame returns; a node
    /// that ends a session before (a trap, a node failure) charges the schedule's
    /// [`upper_bound`](crate::FeeSchedule::upper_bound).
    ///
    /// # Errors
    /// [`FeeOverflow`] when the fee does not fit a `u64`.
    pub fn fee(&self) -> Result<Picos, FeeOverflow> {
        self.meter.fee(&self.instance.data().usage)
    }

    /// The fee of the last [`start`](Session::start) or [`resume`](Session::resume): what
    /// [`fee`](Session::fee) grew by in it (the first includes the instantiation).
    ///
    /// # Errors
    /// [`FeeOverflow`] when a fee does not fit a `u64`.
    pub fn last_fee(&self) -> Result<Picos, FeeOverflow> {
        self.meter.last_fee()
    }

    /// Wasm instructions the guest ran so far, when the engine counts them
    /// ([`EngineConfig::count_instructions`](crate::EngineConfig::count_instructions)).
    pub fn instructions(&self) -> Option<u64> {
        self.instance.fuel_left().map(|left| u64::MAX - left)
    }

    /// Bytes of guest memory the session has grown to: what ending it resets, touched or
    /// not (`spec/README.md` §7).
    pub fn memory_size(&self) -> usize {
        self.instance.session_memory_len()
    }

    /// Time spent inside the precompile so far: instantiating it, and every start and
    /// resume with the imports it made. Ending the session (resetting its memory) comes on
    /// top.
    pub fn elapsed(&self) -> Duration {
        self.meter.elapsed()
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
        self.instance.data().frames.len()
    }

    /// The node's host.
    pub fn host(&self) -> &H {
        &self.instance.data().host
    }

    /// The node's host, mutably (to serve a sub-call between `start` and `resume`).
    pub fn host_mut(&mut self) -> &mut H {
        &mut self.instance.data_mut().host
    }

    /// Ends the session and gives the host back.
    pub fn into_host(self) -> H {
        self.instance.into_data().host
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
        self.instance.data_mut().inline_calls = enable;
    }

    /// Opens the checkpoint of a frame about to start.
    fn open_frame(&mut self) {
        let data = self.instance.data_mut();
        data.usage.add(Term::Frames, 1);
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
        self.count_written(len);
        let buffer = self.buffer_for(len)?;
        let mut sink = SliceSink::new(buffer);
        message.encode(&mut sink);
        debug_assert_eq!(sink.written(), len);
        Ok(len)
    }

    /// Copies an encoded message into the guest's input buffer; returns its length.
    fn write_encoded(&mut self, message: &[u8]) -> Result<usize, Error> {
        self.count_written(message.len());
        self.buffer_for(message.len())?.copy_from_slice(message);
        Ok(message.len())
    }

    /// Counts a message written into the guest.
    fn count_written(&mut self, len: usize) {
        self.instance.data_mut().usage.add(Term::Bytes, len as u64);
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
                let ptr =
                    self.instance.call(Export::InputBuffer, len as i32).map_err(|trap| self.trapped(trap))? as i32;
                self.buffer = Some((ptr as u32 as usize, len));
                ptr as u32 as usize
            }
        };
        let buffer =
            self.instance.memory_mut().get_mut(ptr..ptr + len).ok_or(FrameError::Trap(GuestTrap::InputBuffer))?;
        Ok(buffer)
    }

    /// Calls `entry` on the `len`-byte message in the guest, reads the units the guest has
    /// counted, and settles checkpoints.
    fn call(&mut self, entry: Entry, len: usize) -> Result<Action, Error> {
        let started = Instant::now();
        let mut result = self.enter(entry, len);
        if !self.poisoned {
            if let Err(error) = self.read_units() {
                result = Err(error);
            }
        }
        self.meter.add_time(started.elapsed());
        let data = self.instance.data_mut();
        self.meter.add_node_fee(data.host.take_node_fee());
        match &result {
            Ok(Action::Return(frame)) => {
                match data.frames.pop() {
                    Some(Some(_)) if frame.status.is_success() => data.host.checkpoint_commit(),
                    Some(Some(checkpoint)) => data.host.checkpoint_revert(checkpoint),
                    _ => {}
                }
                if data.frames.is_empty() {
                    data.usage.gas = data.usage.gas.saturating_add(frame.gas_used);
                }
            }
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
        self.meter.end_call(&self.instance.data().usage);
        result
    }

    fn enter(&mut self, entry: Entry, len: usize) -> Result<Action, Error> {
        let export = match entry {
            Entry::Start => Export::Start,
            Entry::Resume => Export::Resume,
        };
        let data = self.instance.data_mut();
        data.usage.add(Term::Calls, 1);
        // The node may have changed the state since the guest last ran.
        data.warm_slots.forget();
        let packed = self.instance.call(export, len as i32).map_err(|trap| self.trapped(trap))?;
        if packed < 0 {
            let code = u8::try_from(-packed).ok().and_then(BoundaryError::from_u8);
            return Err(FrameError::Boundary(code.unwrap_or(BoundaryError::Malformed)).into());
        }
        let (ptr, len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
        self.meter.read(len);
        let bytes = self.instance.memory().get(ptr..ptr + len).ok_or(FrameError::MalformedAction)?;
        Action::decode(bytes).map_err(|_| FrameError::MalformedAction.into())
    }

    /// Takes the guest's count of units ([`evmpc_abi::units`]) and its memory's growth into
    /// the usage: both only grow.
    fn read_units(&mut self) -> Result<(), Error> {
        let counted = self.instance.call(Export::Units, 0).map_err(|trap| self.trapped(trap))?;
        let size = self.instance.session_memory_len() as u64;
        let grown = size.saturating_sub(evmpc_abi::limits::GUEST_INITIAL_MEMORY as u64);
        let mapped = size.saturating_sub(crate::fees::RESIDENT_MEMORY);
        let usage = &mut self.instance.data_mut().usage;
        usage.raise(Term::Units, counted as u64);
        usage.raise(Term::Memory, grown);
        usage.raise(Term::Mapped, mapped);
        Ok(())
    }

    /// Times and counts a call to an Ethereum precompile the node ran for the session's
    /// frame (`precompile` under the session's fork, `gas` consumed): its time is the
    /// session's time, and its usage part of the fee.
    pub(crate) fn ran_precompile(&mut self, precompile: PricedPrecompile, gas: u64, time: Duration) {
        self.meter.add_time(time);
        self.instance.data_mut().usage.add_precompile(precompile, gas);
    }

    /// Classifies a trap by blame and poisons the session.
    fn trapped(&mut self, trap: EngineTrap) -> Error {
        self.poisoned = true;
        let host = self.instance.data_mut().failure.take();
        TrapCause::new(host, self.instance.memory_faults()).blame(&trap, self.max_wasm_stack)
    }
}
