use crate::host::ImportHost;
use alloc::{boxed::Box, vec::Vec};
use core::cmp::min;
use evmpc_abi::limits::{MAX_CALLDATA_SIZE, MAX_CODE_SIZE, MAX_EVM_MEMORY, MAX_INITCODE_SIZE};
use evmpc_abi::{
    Action, BoundaryError, CallRequest, CallScheme, CreateRequest, CreateScheme, FrameInput, FrameKind, FrameResult,
    Status, SubcallOutcome,
};
use revm_interpreter::bytecode::Bytecode;
use revm_interpreter::interpreter::{EthInterpreter, ExtBytecode};
use revm_interpreter::interpreter_types::{MemoryTr, ReturnData};
use revm_interpreter::primitives::{Address, Bytes, U256};
use revm_interpreter::{
    instructions::gas_table_spec, CallInput, CallInputs, CreateInputs, InputsImpl, InstructionResult, Interpreter,
    InterpreterAction, SharedMemory,
};

/// A frame waiting for the outcome of its sub-call.
pub(crate) struct Suspended {
    interpreter: Box<Interpreter<EthInterpreter>>,
    depth: u16,
    pending: Pending,
}

/// What the suspended frame asked for.
enum Pending {
    /// A call whose output goes to this range of the frame's memory.
    Call { return_memory: core::ops::Range<usize> },
    /// A create.
    Create,
}

/// The session's frames: every frame but the running one is suspended.
pub(crate) struct Frames<'a> {
    pub(crate) host: &'a mut ImportHost,
    pub(crate) stack: &'a mut Vec<Suspended>,
}

impl Frames<'_> {
    /// Starts a frame on top of the stack (nested in the suspended top frame, if any).
    pub(crate) fn start(&mut self, frame: FrameInput) -> Result<Action, BoundaryError> {
        let code_limit = match frame.kind {
            FrameKind::Call { .. } => MAX_CODE_SIZE,
            FrameKind::Create => MAX_INITCODE_SIZE,
        };
        if frame.code.len() > code_limit {
            return Err(BoundaryError::CodeTooLarge);
        }
        if frame.input.len() > MAX_CALLDATA_SIZE {
            return Err(BoundaryError::CalldataTooLarge);
        }
        let memory = match self.stack.last_mut() {
            Some(parent) => {
                if frame.depth != parent.depth.saturating_add(1) {
                    return Err(BoundaryError::DepthMismatch);
                }
                parent.interpreter.memory.new_child_context()
            }
            None => SharedMemory::new_with_memory_limit(MAX_EVM_MEMORY),
        };
        self.host.set_fork(frame.fork);
        let spec = crate::host::spec_of(frame.fork);
        let bytecode_address = match frame.kind {
            FrameKind::Call { bytecode_address } => Some(Address::from(bytecode_address)),
            FrameKind::Create => None,
        };
        let inputs = InputsImpl {
            target_address: Address::from(frame.target),
            caller_address: Address::from(frame.caller),
            bytecode_address,
            input: CallInput::Bytes(Bytes::from(frame.input)),
            call_value: U256::from_be_bytes(frame.value),
            depth: frame.depth as usize,
        };
        let bytecode = ExtBytecode::new(Bytecode::new_legacy(Bytes::from(frame.code)));
        let interpreter = Interpreter::new(memory, bytecode, inputs, frame.is_static, spec, frame.gas_limit);
        Ok(self.run(Box::new(interpreter), frame.depth))
    }

    /// Resumes the suspended top frame with its sub-call's outcome.
    pub(crate) fn resume(&mut self, outcome: SubcallOutcome) -> Result<Action, BoundaryError> {
        let Suspended { mut interpreter, depth, pending } = self.stack.pop().ok_or(BoundaryError::NothingSuspended)?;
        insert_outcome(&mut interpreter, &pending, outcome);
        Ok(self.run(interpreter, depth))
    }

    /// Runs a frame until it returns (and leaves the stack) or suspends (and stays).
    fn run(&mut self, mut interpreter: Box<Interpreter<EthInterpreter>>, depth: u16) -> Action {
        let gas_table = gas_table_spec(interpreter.runtime_flag.spec_id);
        let action = crate::instructions::run(&mut interpreter, &gas_table, self.host);
        match action {
            InterpreterAction::Return(result) => {
                let status = status_of(result.result);
                let gas_used = if status.is_halt() { interpreter.gas.limit() } else { result.gas.total_gas_spent() };
                let gas_refunded = if status.is_success() { result.gas.refunded() } else { 0 };
                Action::Return(FrameResult { status, gas_used, gas_refunded, output: result.output.to_vec() })
            }
            InterpreterAction::NewFrame(revm_interpreter::FrameInput::Call(inputs)) => {
                let request = call_request(&interpreter, &inputs);
                let return_memory = inputs.return_memory_offset.clone();
                self.stack.push(Suspended { interpreter, depth, pending: Pending::Call { return_memory } });
                Action::Call(request)
            }
            InterpreterAction::NewFrame(revm_interpreter::FrameInput::Create(inputs)) => {
                let request = create_request(&inputs);
                self.stack.push(Suspended { interpreter, depth, pending: Pending::Create });
                Action::Create(request)
            }
            // Only EOF produces other frame kinds, and no fork the ABI names enables EOF.
            InterpreterAction::NewFrame(revm_interpreter::FrameInput::Empty) => core::arch::wasm32::unreachable(),
        }
    }
}

/// Hands a sub-call's outcome to the frame that asked for it, as revm's frame handler
/// does (`EthFrame::return_result`), for forks without EIP-8037 state gas.
fn insert_outcome(interpreter: &mut Interpreter<EthInterpreter>, pending: &Pending, outcome: SubcallOutcome) {
    interpreter.memory.free_child_context();
    let status = outcome.status;
    // A halted sub-call keeps none of its gas, whatever the host reports.
    let gas_remaining = if status.is_halt() { 0 } else { outcome.gas_remaining };
    if !status.is_halt() {
        interpreter.gas.erase_cost(gas_remaining);
    }
    if status.is_success() {
        interpreter.gas.record_refund(outcome.gas_refunded);
    }
    match pending {
        Pending::Call { return_memory } => {
            let success = U256::from(status.is_success() as u8);
            let copy_len = min(return_memory.len(), outcome.output.len());
            if !status.is_halt() && copy_len > 0 {
                interpreter.memory.set(return_memory.start, &outcome.output[..copy_len]);
            }
            interpreter.return_data.set_buffer(Bytes::from(outcome.output));
            let _ = interpreter.stack.push(success);
        }
        Pending::Create => {
            if status.is_revert() {
                interpreter.return_data.set_buffer(Bytes::from(outcome.output));
            } else {
                interpreter.return_data.clear();
            }
            let address = match (status.is_success(), outcome.created_address) {
                (true, Some(address)) => Address::from(address).into_word().into(),
                _ => U256::ZERO,
            };
            let _ = interpreter.stack.push(address);
        }
    }
}

fn call_request(interpreter: &Interpreter<EthInterpreter>, inputs: &CallInputs) -> CallRequest {
    let input = match &inputs.input {
        CallInput::Bytes(bytes) => bytes.to_vec(),
        CallInput::SharedBuffer(range) => interpreter.memory.global_slice(range.clone()).to_vec(),
    };
    let scheme = match inputs.scheme {
        revm_interpreter::CallScheme::Call => CallScheme::Call,
        revm_interpreter::CallScheme::CallCode => CallScheme::CallCode,
        revm_interpreter::CallScheme::DelegateCall => CallScheme::DelegateCall,
        revm_interpreter::CallScheme::StaticCall => CallScheme::StaticCall,
    };
    CallRequest {
        scheme,
        caller: inputs.caller.0 .0,
        target: inputs.target_address.0 .0,
        bytecode_address: inputs.bytecode_address.0 .0,
        value: inputs.value.get().to_be_bytes::<32>(),
        transfers_value: inputs.value.is_transfer(),
        input,
        gas_limit: inputs.gas_limit,
        is_static: inputs.is_static,
    }
}

fn create_request(inputs: &CreateInputs) -> CreateRequest {
    let scheme = match inputs.scheme() {
        revm_interpreter::CreateScheme::Create2 { salt } => CreateScheme::Create2 { salt: salt.to_be_bytes::<32>() },
        _ => CreateScheme::Create,
    };
    CreateRequest {
        scheme,
        caller: inputs.caller().0 .0,
        value: inputs.value().to_be_bytes::<32>(),
        init_code: inputs.init_code().to_vec(),
        gas_limit: inputs.gas_limit(),
    }
}

/// The wire status of an interpreter result (the codes are revm's).
fn status_of(result: InstructionResult) -> Status {
    match Status::from_u8(result as u8) {
        Some(status) => status,
        // Suspend, EOF and fatal-external results cannot end a frame here: the guest
        // never reports a node failure as a load error (the import traps instead).
        None => core::arch::wasm32::unreachable(),
    }
}
