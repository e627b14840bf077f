use crate::engine::Engine;
use crate::error::{Error, FrameError, NodeError};
use crate::evm_host::EvmHost;
use evmpc_abi::limits::MAX_GUEST_MEMORY;
use evmpc_abi::{Action, BoundaryError, FrameInput, SubcallOutcome};
use wasmtime::{InstancePre, Memory, ResourceLimiter, Store, TypedFunc};

/// What a session's store holds: the node's host and the session's bookkeeping.
pub struct SessionData<H: EvmHost> {
    pub(crate) host: H,
    pub(crate) memory: Option<Memory>,
    pub(crate) failure: Option<NodeError>,
    limiter: MemoryCap,
    checkpoints: Vec<H::Checkpoint>,
}

impl<H: EvmHost> SessionData<H> {
    pub(crate) fn new(host: H) -> Self {
        SessionData { host, memory: None, failure: None, limiter: MemoryCap::default(), checkpoints: Vec::new() }
    }
}

/// The store limiter that makes `memory.grow` fail at the spec's cap on every node.
#[derive(Default)]
struct MemoryCap {
    reached: bool,
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        if desired > MAX_GUEST_MEMORY {
            self.reached = true;
            return Ok(false);
        }
        Ok(true)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= 1 << 16)
    }
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
    poisoned: bool,
}

impl<H: EvmHost + 'static> Session<H> {
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(engine: &Engine, pre: &InstancePre<SessionData<H>>, host: H) -> Result<Self, (H, Error)> {
        let mut store = Store::new(engine.wasmtime(), SessionData::new(host));
        store.limiter(|data| &mut data.limiter);
        match Self::instantiate(&mut store, pre) {
            Ok((memory, input_buffer, frame_start, frame_resume)) => {
                Ok(Session { store, memory, input_buffer, frame_start, frame_resume, poisoned: false })
            }
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
    /// # Errors
    /// [`FrameError::Boundary`] if the guest refuses the input (malformed, code or call
    /// data too large, depth mismatch); [`FrameError::Trap`] or [`FrameError::MemoryCap`]
    /// if the guest fails; [`NodeError::Host`] if the host fails. The frame's state
    /// changes are undone in every case.
    pub fn start(&mut self, frame: &FrameInput) -> Result<Action, Error> {
        let bytes = borsh::to_vec(frame).map_err(|_| FrameError::Boundary(BoundaryError::Malformed))?;
        self.start_encoded(&bytes)
    }

    /// [`start`](Session::start) from borsh bytes of a [`FrameInput`], as a contract hands
    /// them over. Malformed bytes give [`FrameError::Boundary`].
    ///
    /// # Errors
    /// As [`start`](Session::start).
    pub fn start_encoded(&mut self, frame: &[u8]) -> Result<Action, Error> {
        self.check_usable()?;
        let checkpoint = self.store.data_mut().host.checkpoint();
        self.store.data_mut().checkpoints.push(checkpoint);
        self.call(Entry::Start, frame)
    }

    /// Resumes the suspended top frame with the outcome of its sub-call.
    ///
    /// # Errors
    /// [`FrameError::Boundary`] with [`BoundaryError::NothingSuspended`] when no frame
    /// waits; otherwise as [`start`](Session::start).
    pub fn resume(&mut self, outcome: &SubcallOutcome) -> Result<Action, Error> {
        self.check_usable()?;
        if self.store.data().checkpoints.is_empty() {
            return Err(FrameError::Boundary(BoundaryError::NothingSuspended).into());
        }
        let bytes = borsh::to_vec(outcome).map_err(|_| FrameError::Boundary(BoundaryError::Malformed))?;
        self.call(Entry::Resume, &bytes)
    }

    /// Frames suspended in the guest, waiting for a sub-call's outcome.
    pub fn suspended(&self) -> usize {
        self.store.data().checkpoints.len()
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

    fn check_usable(&self) -> Result<(), Error> {
        if self.poisoned {
            return Err(FrameError::Poisoned.into());
        }
        Ok(())
    }

    /// Writes `message` into the guest, calls `entry` and settles checkpoints.
    fn call(&mut self, entry: Entry, message: &[u8]) -> Result<Action, Error> {
        let result = self.enter(entry, message);
        let data = self.store.data_mut();
        match &result {
            Ok(Action::Return(frame)) => {
                let checkpoint = data.checkpoints.pop();
                match checkpoint {
                    Some(_) if frame.status.is_success() => data.host.checkpoint_commit(),
                    Some(checkpoint) => data.host.checkpoint_revert(checkpoint),
                    None => {}
                }
            }
            Ok(_) => {}
            // A refused call leaves the guest as it was: a refused start undoes only the
            // checkpoint it opened; a refused resume leaves the suspended frame's in place.
            Err(Error::Frame(FrameError::Boundary(_))) if !self.poisoned => {
                if matches!(entry, Entry::Start) {
                    if let Some(checkpoint) = data.checkpoints.pop() {
                        data.host.checkpoint_revert(checkpoint);
                    }
                }
            }
            Err(_) => {
                while let Some(checkpoint) = data.checkpoints.pop() {
                    data.host.checkpoint_revert(checkpoint);
                }
                self.poisoned = true;
            }
        }
        result
    }

    fn enter(&mut self, entry: Entry, message: &[u8]) -> Result<Action, Error> {
        let len = i32::try_from(message.len())
            .ok()
            .filter(|len| *len as usize <= evmpc_abi::limits::MAX_MESSAGE_SIZE)
            .ok_or(FrameError::Boundary(BoundaryError::MessageTooLarge))?;
        let ptr = self.input_buffer.call(&mut self.store, len).map_err(|trap| self.trapped(trap))?;
        self.memory
            .write(&mut self.store, ptr as u32 as usize, message)
            .map_err(|_| FrameError::Trap("input buffer outside guest memory".into()))?;
        let export = match entry {
            Entry::Start => &self.frame_start,
            Entry::Resume => &self.frame_resume,
        };
        let packed = export.call(&mut self.store, len).map_err(|trap| self.trapped(trap))?;
        if packed < 0 {
            let code = u8::try_from(-packed).ok().and_then(BoundaryError::from_u8);
            return Err(FrameError::Boundary(code.unwrap_or(BoundaryError::Malformed)).into());
        }
        let (ptr, len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
        let bytes = self.memory.data(&self.store).get(ptr..ptr + len).ok_or(FrameError::MalformedAction)?;
        borsh::from_slice(bytes).map_err(|_| FrameError::MalformedAction.into())
    }

    /// Classifies a trap: a host failure, the memory cap, or a guest trap.
    fn trapped(&mut self, trap: wasmtime::Error) -> Error {
        self.poisoned = true;
        let data = self.store.data_mut();
        if let Some(failure) = data.failure.take() {
            return failure.into();
        }
        if data.limiter.reached {
            return FrameError::MemoryCap { cap: MAX_GUEST_MEMORY }.into();
        }
        match trap.downcast_ref::<wasmtime::Trap>() {
            Some(code) => FrameError::Trap(code.to_string()).into(),
            None => FrameError::Trap(trap.to_string()).into(),
        }
    }
}
