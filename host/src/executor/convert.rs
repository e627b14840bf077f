use evmpc_abi::{ExecContext, Fork, FrameResult, Status};
use revm::context_interface::{Block, Cfg, ContextTr, Transaction};
use revm::handler::EthPrecompiles;
use revm::interpreter::{Gas, InstructionResult, InterpreterAction, InterpreterResult};
use revm::primitives::{Bytes, U256};

/// The wire fork of revm's spec id (forks after Osaka are not in the ABI).
pub(crate) fn fork_of(spec: revm::primitives::hardfork::SpecId) -> Option<Fork> {
    Fork::from_u8(spec as u8)
}

/// The fork, block, transaction and precompile addresses as the guest sees them.
pub(crate) fn exec_context<CTX: ContextTr>(ctx: &CTX, fork: Fork, precompiles: &EthPrecompiles) -> ExecContext {
    let block = ctx.block();
    let tx = ctx.tx();
    let basefee = block.basefee();
    ExecContext {
        fork,
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
        precompiles: {
            let mut addresses: Vec<_> = precompiles.warm_addresses().iter().map(|address| address.0 .0).collect();
            addresses.sort_unstable();
            addresses
        },
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
        // A guest frame never ends with it; its class is revert.
        Status::CreateNonceOverflow => R::Revert,
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

/// revm's view of a returned frame; `output` is what the node needed to read of it.
pub(crate) fn frame_return(result: &FrameResult, gas_limit: u64, output: Bytes) -> InterpreterAction {
    InterpreterAction::Return(InterpreterResult {
        result: instruction_result(result.status),
        gas: gas(gas_limit, result),
        output,
    })
}
