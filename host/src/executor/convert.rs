use crate::error::FrameError;
use evmpc_abi::{
    Action, CallRequest, CallScheme, CreateRequest, CreateScheme, ExecContext, Fork, FrameResult, Status,
    SubcallOutcome,
};
use revm::context_interface::{Block, Cfg, ContextTr, Transaction};
use revm::handler::FrameResult as RevmFrameResult;
use revm::interpreter::{
    CallInput, CallInputs, CallValue, CreateInputs, FrameInput, Gas, InstructionResult, InterpreterAction,
    InterpreterResult,
};
use revm::primitives::{Address, Bytes, B256, U256};
use revm::state::Bytecode;

/// The wire fork of revm's spec id (forks after Osaka are not in the ABI).
pub(crate) fn fork_of(spec: revm::primitives::hardfork::SpecId) -> Option<Fork> {
    Fork::from_u8(spec as u8)
}

/// The block and transaction as the guest sees them.
pub(crate) fn exec_context<CTX: ContextTr>(ctx: &CTX) -> ExecContext {
    let block = ctx.block();
    let tx = ctx.tx();
    let basefee = block.basefee();
    ExecContext {
        block: evmpc_abi::BlockEnv {
            number: block.number().to_be_bytes(),
            beneficiary: block.beneficiary().0 .0,
            timestamp: block.timestamp().to_be_bytes(),
            gas_limit: U256::from(block.gas_limit()).to_be_bytes(),
            basefee: U256::from(basefee).to_be_bytes(),
            difficulty: block.difficulty().to_be_bytes(),
            prevrandao: block.prevrandao().map(|hash| hash.0),
            blob_gasprice: U256::from(block.blob_gasprice().unwrap_or_default()).to_be_bytes(),
            slot_num: U256::from(block.slot_num()).to_be_bytes(),
        },
        tx: evmpc_abi::TxEnv {
            origin: tx.caller().0 .0,
            gas_price: U256::from(tx.effective_gas_price(basefee as u128)).to_be_bytes(),
            blob_hashes: tx.blob_versioned_hashes().iter().map(|hash| hash.0).collect(),
        },
        chain_id: ctx.cfg().chain_id(),
    }
}

/// revm's result code of a wire status (the codes are revm's own).
pub(crate) fn instruction_result(status: Status) -> InstructionResult {
    use InstructionResult as R;
    match status {
        Status::Stop => R::Stop,
        Status::Return => R::Return,
        Status::SelfDestruct => R::SelfDestruct,
        Status::Revert => R::Revert,
        Status::CallTooDeep => R::CallTooDeep,
        Status::OutOfFunds => R::OutOfFunds,
        Status::CreateInitCodeStartingEF00 => R::CreateInitCodeStartingEF00,
        Status::InvalidEOFInitCode => R::InvalidEOFInitCode,
        Status::InvalidExtDelegateCallTarget => R::InvalidExtDelegateCallTarget,
        Status::OutOfGas => R::OutOfGas,
        Status::MemoryOOG => R::MemoryOOG,
        Status::MemoryLimitOOG => R::MemoryLimitOOG,
        Status::PrecompileOOG => R::PrecompileOOG,
        Status::InvalidOperandOOG => R::InvalidOperandOOG,
        Status::ReentrancySentryOOG => R::ReentrancySentryOOG,
        Status::OpcodeNotFound => R::OpcodeNotFound,
        Status::CallNotAllowedInsideStatic => R::CallNotAllowedInsideStatic,
        Status::StateChangeDuringStaticCall => R::StateChangeDuringStaticCall,
        Status::InvalidFEOpcode => R::InvalidFEOpcode,
        Status::InvalidJump => R::InvalidJump,
        Status::NotActivated => R::NotActivated,
        Status::StackUnderflow => R::StackUnderflow,
        Status::StackOverflow => R::StackOverflow,
        Status::OutOfOffset => R::OutOfOffset,
        Status::CreateCollision => R::CreateCollision,
        Status::OverflowPayment => R::OverflowPayment,
        Status::PrecompileError => R::PrecompileError,
        Status::NonceOverflow => R::NonceOverflow,
        Status::CreateContractSizeLimit => R::CreateContractSizeLimit,
        Status::CreateContractStartingWithEF => R::CreateContractStartingWithEF,
        Status::CreateInitCodeSizeLimit => R::CreateInitCodeSizeLimit,
        Status::InvalidImmediateEncoding => R::InvalidImmediateEncoding,
    }
}

/// The wire status of a revm result; `None` for results no frame ends with.
pub(crate) fn status(result: InstructionResult) -> Option<Status> {
    Status::from_u8(result as u8)
}

/// A finished frame's gas as revm tracks it.
fn gas(limit: u64, result: &FrameResult) -> Gas {
    let mut gas = Gas::new(limit);
    let _ = gas.record_regular_cost(result.gas_used.min(limit));
    gas.record_refund(result.gas_refunded);
    gas
}

/// What the guest's action means to revm's frame loop. `code_of` loads the code a call
/// runs (following an EIP-7702 delegation), which revm's frame set-up expects with the call.
pub(crate) fn interpreter_action(
    action: Action,
    gas_limit: u64,
    code_of: impl FnOnce(Address) -> (B256, Bytecode),
) -> InterpreterAction {
    match action {
        Action::Return(result) => InterpreterAction::Return(InterpreterResult {
            result: instruction_result(result.status),
            gas: gas(gas_limit, &result),
            output: Bytes::from(result.output),
        }),
        Action::Call(request) => InterpreterAction::NewFrame(FrameInput::Call(Box::new(call_inputs(request, code_of)))),
        Action::Create(request) => InterpreterAction::NewFrame(FrameInput::Create(Box::new(create_inputs(request)))),
    }
}

fn call_inputs(request: CallRequest, code_of: impl FnOnce(Address) -> (B256, Bytecode)) -> CallInputs {
    let value = U256::from_be_bytes(request.value);
    let bytecode_address = Address::from(request.bytecode_address);
    CallInputs {
        input: CallInput::Bytes(Bytes::from(request.input)),
        // The guest copies return data into its own memory; the host never does.
        return_memory_offset: 0..0,
        gas_limit: request.gas_limit,
        reservoir: 0,
        bytecode_address,
        known_bytecode: code_of(bytecode_address),
        target_address: Address::from(request.target),
        caller: Address::from(request.caller),
        value: if request.transfers_value { CallValue::Transfer(value) } else { CallValue::Apparent(value) },
        scheme: match request.scheme {
            CallScheme::Call => revm::interpreter::CallScheme::Call,
            CallScheme::CallCode => revm::interpreter::CallScheme::CallCode,
            CallScheme::DelegateCall => revm::interpreter::CallScheme::DelegateCall,
            CallScheme::StaticCall => revm::interpreter::CallScheme::StaticCall,
        },
        is_static: request.is_static,
        charged_new_account_state_gas: false,
    }
}

fn create_inputs(request: CreateRequest) -> CreateInputs {
    let scheme = match request.scheme {
        CreateScheme::Create => revm::interpreter::CreateScheme::Create,
        CreateScheme::Create2 { salt } => revm::interpreter::CreateScheme::Create2 { salt: U256::from_be_bytes(salt) },
    };
    CreateInputs::new(
        Address::from(request.caller),
        scheme,
        U256::from_be_bytes(request.value),
        Bytes::from(request.init_code),
        request.gas_limit,
        0,
    )
}

/// The outcome the suspended guest frame resumes with.
pub(crate) fn subcall_outcome(result: &RevmFrameResult) -> Result<SubcallOutcome, FrameError> {
    let (interpreter, created_address) = match result {
        RevmFrameResult::Call(outcome) => (&outcome.result, None),
        RevmFrameResult::Create(outcome) => (&outcome.result, outcome.address.map(|address| address.0 .0)),
    };
    let status = status(interpreter.result)
        .ok_or_else(|| FrameError::Trap(format!("sub-call ended with {:?}", interpreter.result)))?;
    Ok(SubcallOutcome {
        status,
        gas_remaining: interpreter.gas.remaining(),
        gas_refunded: interpreter.gas.refunded(),
        output: interpreter.output.to_vec(),
        created_address,
    })
}
