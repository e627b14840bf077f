use crate::message::Received;
use crate::operand_stack::{GuestTypes, OperandStack};
use crate::running::{Ended, Frame, Stopped};
use crate::state::Session;
use alloc::{boxed::Box, vec::Vec};
use evmpc_abi::limits::{MAX_CALL_DEPTH, MAX_EVM_MEMORY};
use evmpc_abi::{Action, BoundaryError, CallData, Code, FrameInput, FrameKind, FrameResult, GuestSlice, Status};
use inline::Inline;
use outcome::{apply, status_of, Asked, ResolvedOutcome};
use pending::{slice_of, Child, Pending, Returned};
use revm_interpreter::interpreter::ReturnDataImpl;
use revm_interpreter::interpreter::{ExtBytecode, RuntimeFlags};
use revm_interpreter::primitives::{Address, Bytes, KECCAK_EMPTY, U256};
use revm_interpreter::state::Bytecode;
use revm_interpreter::{CallInput, CallValue, Gas, InputsImpl, Interpreter, InterpreterAction, SharedMemory};

/// Calls the guest serves itself, the node keeping their state changes.
mod inline;
/// Applying a sub-call's outcome to the frame that waits for it.
mod outcome;
/// The suspended frame's request, and the checks of what the node sends against it.
mod pending;

/// A frame waiting for the outcome of its sub-call.
pub(crate) struct Suspended {
    interpreter: Box<Interpreter<GuestTypes>>,
    depth: u16,
    pending: Pending,
    child: Child,
    /// The transient-storage journal when the frame suspended: a sub-call that does not
    /// succeed rolls back to it.
    transient_mark: usize,
}

/// The session's frames: every frame but the running one is suspended, outermost first.
/// Each entry point leaves the encoded [`Action`] in `out`.
pub(crate) struct Frames<'a> {
    pub(crate) session: &'a mut Session,
    pub(crate) stack: &'a mut Vec<Suspended>,
    pub(crate) out: &'a mut Vec<u8>,
}

/// Encodes `action` into `out`, in place: an action is built and written once, never
/// moved through returns.
fn emit(out: &mut Vec<u8>, action: &Action) {
    evmpc_abi::wire::encode_into(action, out);
}

/// A frame whose code or call data passes a protocol limit: it halts before it runs.
fn limit_halt(gas_limit: u64) -> FrameResult {
    FrameResult { status: Status::MemoryLimitOOG, gas_used: gas_limit, gas_refunded: 0, output: GuestSlice::EMPTY }
}

impl Frames<'_> {
    /// Starts a frame: the session's root frame when nothing is suspended, else the nested
    /// frame that serves the top frame's pending request.
    pub(crate) fn start(&mut self, frame: FrameInput) -> Result<(), BoundaryError> {
        if frame.depth > MAX_CALL_DEPTH {
            return Err(BoundaryError::DepthMismatch);
        }
        let Some(parent) = self.stack.last_mut() else {
            return self.start_root(frame);
        };
        if !matches!(parent.child, Child::Waiting) {
            return Err(BoundaryError::NotSuspended);
        }
        if frame.depth != parent.depth.saturating_add(1) {
            return Err(BoundaryError::DepthMismatch);
        }
        parent.pending.check_frame(&frame)?;
        self.start_nested(frame);
        Ok(())
    }

    /// Starts a nested frame that serves the pending request.
    fn start_nested(&mut self, frame: FrameInput) {
        let Some(parent) = self.stack.last_mut() else { return };
        parent.child = Child::Started;
        self.session.host.transient.enter_frame(parent.transient_mark);
        let (input, code) = match &parent.pending {
            Pending::Call { inputs, .. } => (inputs.input.clone(), None),
            Pending::Create { inputs, .. } => (CallInput::Bytes(Bytes::new()), Some(inputs.init_code().clone())),
        };
        let memory = parent.interpreter.memory.new_child_context();
        let bytecode = match code {
            Some(init_code) => Some(ExtBytecode::new(Bytecode::new_legacy(init_code))),
            None => self.code_of(&frame.code),
        };
        match bytecode {
            Some(bytecode) => self.enter(frame, memory, bytecode, input),
            None => self.halted(frame.gas_limit),
        }
    }

    /// A frame with nothing suspended under it: its bytes come with it.
    fn start_root(&mut self, mut frame: FrameInput) -> Result<(), BoundaryError> {
        if frame.input == CallData::Pending || frame.code == Code::Pending {
            return Err(BoundaryError::NotSuspended);
        }
        if frame.exceeds_limits() {
            self.halted(frame.gas_limit);
            return Ok(());
        }
        let input = match core::mem::replace(&mut frame.input, CallData::Pending) {
            CallData::Inline(bytes) => CallInput::Bytes(Bytes::from(bytes)),
            CallData::Pending => CallInput::Bytes(Bytes::new()),
        };
        let bytecode = match core::mem::replace(&mut frame.code, Code::Pending) {
            Code::Inline(bytes) => Some(ExtBytecode::new(Bytecode::new_legacy(Bytes::from(bytes)))),
            code => self.code_of(&code),
        };
        self.session.root_transient_mark = self.session.host.transient.mark();
        self.session.host.transient.enter_frame(self.session.root_transient_mark);
        match bytecode {
            Some(bytecode) => self.enter(frame, SharedMemory::new_with_memory_limit(MAX_EVM_MEMORY), bytecode, input),
            None => self.halted(frame.gas_limit),
        }
        Ok(())
    }

    /// The analysed code of `Code::Account`, from the session's cache; `None` when the
    /// frame must halt (its code is above the limit or the cache is full).
    fn code_of(&mut self, code: &Code) -> Option<ExtBytecode> {
        let Code::Account { address, hash, len } = code else { return None };
        self.account_code(&Address::from(*address), hash, *len)
    }

    /// The analysed code of `len` bytes with `hash`, held by `holder`, from the session's
    /// cache; `None` when the frame must halt (past the limit, or the cache is full).
    fn account_code(&mut self, holder: &Address, hash: &[u8; 32], len: u32) -> Option<ExtBytecode> {
        if len as usize > evmpc_abi::limits::MAX_CODE_SIZE {
            return None;
        }
        let bytecode = self.session.code.get_or_load(&holder.0 .0, hash, len).ok()?;
        Some(ExtBytecode::new_with_hash(bytecode, (*hash).into()))
    }

    /// Ends a frame that cannot run with its limit halt.
    fn halted(&mut self, gas_limit: u64) {
        if let Some(parent) = self.stack.last_mut() {
            parent.child = Child::Returned(Returned {
                status: Status::MemoryLimitOOG,
                gas_remaining: 0,
                gas_refunded: 0,
                output: Bytes::new(),
            });
        }
        emit(self.out, &Action::Return(limit_halt(gas_limit)));
    }

    /// Sets an interpreter up for `frame` and runs it.
    fn enter(&mut self, frame: FrameInput, memory: SharedMemory, bytecode: ExtBytecode, input: CallInput) {
        let bytecode_address = match frame.kind {
            FrameKind::Call { bytecode_address } => Some(Address::from(bytecode_address)),
            FrameKind::Create => None,
        };
        let inputs = InputsImpl {
            target_address: Address::from(frame.target),
            caller_address: Address::from(frame.caller),
            bytecode_address,
            input,
            call_value: U256::from_be_bytes(frame.value),
            depth: frame.depth as usize,
        };
        let stack = self.session.stacks.stack_above(self.stack.last().map(|parent| &parent.interpreter.stack));
        self.place(stack, memory, bytecode, inputs, frame.is_static, frame.gas_limit);
        self.run(Frame::Placed, frame.depth)
    }

    /// Places the interpreter of a new frame with `stack` where the loop runs it
    /// ([`crate::running::place`]).
    fn place(
        &mut self,
        stack: OperandStack,
        memory: SharedMemory,
        bytecode: ExtBytecode,
        inputs: InputsImpl,
        is_static: bool,
        gas_limit: u64,
    ) {
        crate::running::place(Interpreter {
            bytecode,
            gas: Gas::new(gas_limit),
            stack,
            return_data: ReturnDataImpl::default(),
            memory,
            input: inputs,
            runtime_flag: RuntimeFlags { is_static, spec_id: self.session.spec },
            extend: (),
        });
    }

    /// Resumes the suspended top frame with its sub-call's outcome.
    pub(crate) fn resume(&mut self, outcome: Received) -> Result<(), BoundaryError> {
        let top = self.stack.last().ok_or(BoundaryError::NothingSuspended)?;
        top.pending.check_outcome(&top.child, &outcome)?;
        let Some(Suspended { mut interpreter, depth, pending, child, .. }) =
            self.pop_caller(outcome.status.is_success())
        else {
            return Err(BoundaryError::NothingSuspended);
        };
        let output = match (outcome.output, child) {
            (Some(bytes), _) => bytes,
            (None, Child::Returned(returned)) => returned.output,
            // Refused by `check_outcome`.
            (None, _) => Bytes::new(),
        };
        let outcome = ResolvedOutcome {
            status: outcome.status,
            gas_remaining: outcome.gas_remaining,
            gas_refunded: outcome.gas_refunded,
            output,
            created_address: outcome.created_address.map(Address::from),
        };
        apply(&mut interpreter, &asked(&pending), outcome);
        self.run(Frame::Resumed(interpreter), depth);
        Ok(())
    }

    /// Takes the top frame off the stack to run it again after its sub-call: transient
    /// writes of a sub-call that failed are undone, and the frame's own journal base is back.
    fn pop_caller(&mut self, success: bool) -> Option<Suspended> {
        let caller = self.stack.pop()?;
        if !success {
            self.session.host.transient.revert(caller.transient_mark);
        }
        let base = self.stack.last().map_or(self.session.root_transient_mark, |below| below.transient_mark);
        self.session.host.transient.enter_frame(base);
        Some(caller)
    }

    /// Runs a frame until it returns (and leaves the stack) or suspends (and stays). A
    /// sub-call from the deepest allowed frame is answered here with `CallTooDeep`, as
    /// revm's frame handler answers it, without asking the node; a call the node lets the
    /// guest serve runs here too (see [`inline`]), its caller waiting on the stack. The
    /// loop switches between frames; it never recurses.
    fn run(&mut self, mut frame: Frame, mut depth: u16) {
        loop {
            self.session.host.forget_accounts();
            let Session { host, spare, .. } = &mut *self.session;
            let (mut waiting, action) = match crate::instructions::run(frame, host, spare) {
                Stopped::Called(waiting, action) => (waiting, action),
                Stopped::Returned(ended) => match self.returned(ended) {
                    Some((caller, caller_depth)) => {
                        (frame, depth) = (Frame::Resumed(caller), caller_depth);
                        continue;
                    }
                    None => return,
                },
            };
            let pending = match action {
                InterpreterAction::NewFrame(revm_interpreter::FrameInput::Call(inputs)) => {
                    Pending::Call { inputs, code: self.session.host.code_holder() }
                }
                InterpreterAction::NewFrame(revm_interpreter::FrameInput::Create(inputs)) => Pending::create(inputs),
                // Only EOF produces other frame kinds, and no fork the ABI names enables EOF;
                // a frame that returned is `Stopped::Returned`.
                InterpreterAction::NewFrame(revm_interpreter::FrameInput::Empty) | InterpreterAction::Return(_) => {
                    crate::wasm::trap()
                }
            };
            if let Some(outcome) = self.answer_here(&pending, depth) {
                apply(waiting.interpreter(), &asked(&pending), outcome);
                frame = Frame::Kept(waiting);
                continue;
            }
            let mut interpreter = waiting.suspend(&mut self.session.spare);
            let transient_mark = self.session.host.transient.mark();
            match self.call_inline(&mut interpreter, &pending, depth) {
                Inline::Entered => {
                    self.stack.push(Suspended { interpreter, depth, pending, child: Child::Inline, transient_mark });
                    self.session.host.transient.enter_frame(transient_mark);
                    (frame, depth) = (Frame::Placed, depth + 1);
                    continue;
                }
                Inline::Ended(outcome) => {
                    apply(&mut interpreter, &asked(&pending), outcome);
                    frame = Frame::Resumed(interpreter);
                    continue;
                }
                Inline::NotServed => {}
            }
            pending.emit_action(&interpreter, self.out);
            self.stack.push(Suspended { interpreter, depth, pending, child: Child::Waiting, transient_mark });
            return;
        }
    }

    /// The outcome of a sub-call that needs neither the node nor a frame, as revm's frame
    /// handler would give it: one beyond the depth limit (`CallTooDeep`, all gas back),
    /// or a call to an account without code that is not a precompile (its value moved,
    /// or its target touched, through the `transfer` import; `Stop`, all gas back).
    fn answer_here(&mut self, pending: &Pending, depth: u16) -> Option<ResolvedOutcome> {
        if depth >= MAX_CALL_DEPTH {
            return Some(ResolvedOutcome::refused(Status::CallTooDeep, pending.gas_limit()));
        }
        let Pending::Call { inputs, .. } = pending else { return None };
        if inputs.known_bytecode.0 != KECCAK_EMPTY || self.session.context.is_precompile(&inputs.bytecode_address.0 .0)
        {
            return None;
        }
        let failure = match inputs.value {
            CallValue::Transfer(value) => self.session.host.transfer(&inputs.caller, &inputs.target_address, &value),
            CallValue::Apparent(_) => None,
        };
        Some(ResolvedOutcome::refused(failure.unwrap_or(Status::Stop), inputs.gas_limit))
    }

    /// A frame returned: its output stays in guest memory, with its parent if it has one.
    /// A caller that waits for it inline gets the outcome at once and is given back to run.
    fn returned(&mut self, ended: Ended) -> Option<(Box<Interpreter<GuestTypes>>, u16)> {
        let Ended { result, memory_len, gas_limit } = ended;
        let status = status_of(result.result);
        self.session.host.units += evmpc_abi::units::frame_end_units(memory_len as u64, result.output.len() as u64);
        let gas_used = if status.is_halt() { gas_limit } else { result.gas.total_gas_spent() };
        let gas_refunded = if status.is_success() { result.gas.refunded() } else { 0 };
        let output = result.output;
        let gas_remaining = gas_limit.saturating_sub(gas_used);
        if matches!(self.stack.last(), Some(Suspended { child: Child::Inline, .. })) {
            let outcome = ResolvedOutcome { status, gas_remaining, gas_refunded, output, created_address: None };
            return self.end_inline(outcome);
        }
        let slice = slice_of(&output);
        match self.stack.last_mut() {
            Some(parent) => {
                parent.child = Child::Returned(Returned { status, gas_remaining, gas_refunded, output });
            }
            None => {
                if !status.is_success() {
                    self.session.host.transient.revert(self.session.root_transient_mark);
                }
                self.session.root_output = output;
            }
        }
        emit(self.out, &Action::Return(FrameResult { status, gas_used, gas_refunded, output: slice }));
        None
    }
}

/// The part of a request an outcome's effect depends on.
fn asked(pending: &Pending) -> Asked {
    match pending {
        Pending::Call { inputs, .. } => Asked::Call { return_memory: inputs.return_memory_offset.clone() },
        Pending::Create { .. } => Asked::Create,
    }
}
