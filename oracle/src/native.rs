//! The same frame or transaction on native revm, over the same revm context: the oracle
//! of the differential tests and the baseline of the benchmarks.

use evmpc_abi::{CallData, Code, FrameInput, FrameKind, Status};
use evmpc_host::EvmHost;
use evmpc_host::ReturnedFrame;
use evmpc_host::RevmHost;
use revm::bytecode::Bytecode;
use revm::context::JournalTr;
use revm::context_interface::ContextTr;
use revm::inspector::JournalExt;
use revm::interpreter::instructions::gas_table_spec;
use revm::interpreter::interpreter::{EthInterpreter, ExtBytecode};
use revm::interpreter::{
    instruction_table, CallInput, Host, InputsImpl, InstructionTable, Interpreter, InterpreterAction, SharedMemory,
};
use revm::primitives::{Address, Bytes, U256};

mod transaction;
mod units;

pub use transaction::{transact, transact_counted, NativeResult};
pub use units::UnitCounter;

/// Why a native run has no result to compare.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NativeError {
    /// The frame names bytes that only a suspended guest frame holds, or has no context.
    #[error("the frame has pending code or call data, or no context")]
    NotStandalone,
    /// The frame asked for a sub-call; native single-frame runs do not serve them.
    #[error("the frame asked for a sub-call")]
    SubCall,
    /// revm returned a result the ABI has no status for.
    #[error("revm result {0:?} has no wire status")]
    UnknownResult(u8),
}

/// Runs a root `frame` natively on `host`'s context, with the session's checkpoint rule:
/// changes kept on success, undone otherwise.
///
/// # Errors
/// [`NativeError`] when the frame needs a sub-call or is not a root frame.
pub fn run_frame<CTX: ContextTr + Host + 'static>(
    host: &mut RevmHost<CTX>,
    table: &InstructionTable<EthInterpreter, CTX>,
    frame: &FrameInput,
) -> Result<ReturnedFrame, NativeError> {
    run_frame_with(host, frame, |interpreter, gas_table, ctx| interpreter.run_plain(table, gas_table, ctx))
}

/// [`run_frame`], counting the units the guest counts for the same frame ([`UnitCounter`]).
///
/// # Errors
/// As [`run_frame`].
pub fn run_frame_counted<CTX: ContextTr<Journal: JournalExt> + Host + 'static>(
    host: &mut RevmHost<CTX>,
    table: &InstructionTable<EthInterpreter, CTX>,
    frame: &FrameInput,
) -> Result<(ReturnedFrame, UnitCounter), NativeError> {
    let mut counter = UnitCounter::default();
    let returned = run_frame_with(host, frame, |interpreter, gas_table, ctx| {
        revm::inspector::inspect_instructions(ctx, interpreter, &mut counter, table, gas_table)
    })?;
    Ok((returned, counter))
}

/// A root frame on `host`'s context, its interpreter run by `run`.
fn run_frame_with<CTX: ContextTr + Host + 'static>(
    host: &mut RevmHost<CTX>,
    frame: &FrameInput,
    run: impl FnOnce(&mut Interpreter<EthInterpreter>, &revm::interpreter::GasTable, &mut CTX) -> InterpreterAction,
) -> Result<ReturnedFrame, NativeError> {
    let spec =
        evmpc_host::state_host::memory_host::spec_id(frame.context.as_ref().ok_or(NativeError::NotStandalone)?.fork);
    let code = match &frame.code {
        Code::Inline(bytes) => bytes.clone(),
        Code::Account { address, len, .. } => {
            let mut bytes = vec![0u8; *len as usize];
            host.code_copy(address, 0, &mut bytes).map_err(|_| NativeError::NotStandalone)?;
            bytes
        }
        Code::Pending => return Err(NativeError::NotStandalone),
    };
    let CallData::Inline(input) = &frame.input else { return Err(NativeError::NotStandalone) };
    let bytecode_address = match frame.kind {
        FrameKind::Call { bytecode_address } => Some(Address::from(bytecode_address)),
        FrameKind::Create => None,
    };
    let inputs = InputsImpl {
        target_address: Address::from(frame.target),
        caller_address: Address::from(frame.caller),
        bytecode_address,
        input: CallInput::Bytes(Bytes::copy_from_slice(input)),
        call_value: U256::from_be_bytes(frame.value),
        depth: frame.depth as usize,
    };
    let bytecode = ExtBytecode::new(Bytecode::new_legacy(Bytes::from(code)));
    let mut interpreter =
        Interpreter::new(SharedMemory::new(), bytecode, inputs, frame.is_static, spec, frame.gas_limit);
    let checkpoint = host.ctx.journal_mut().checkpoint();
    let action = run(&mut interpreter, &gas_table_spec(spec), &mut host.ctx);
    let InterpreterAction::Return(result) = action else {
        host.ctx.journal_mut().checkpoint_revert(checkpoint);
        return Err(NativeError::SubCall);
    };
    let code = result.result as u8;
    let status = Status::from_u8(code).ok_or(NativeError::UnknownResult(code))?;
    if status.is_success() {
        host.ctx.journal_mut().checkpoint_commit();
    } else {
        host.ctx.journal_mut().checkpoint_revert(checkpoint);
    }
    Ok(ReturnedFrame {
        status,
        gas_used: if status.is_halt() { frame.gas_limit } else { result.gas.total_gas_spent() },
        gas_refunded: if status.is_success() { result.gas.refunded() } else { 0 },
        output: result.output.to_vec(),
    })
}

/// revm's stock instruction table for a context type.
pub fn table<CTX: ContextTr + Host>() -> InstructionTable<EthInterpreter, CTX> {
    instruction_table::<EthInterpreter, CTX>()
}

/// The instruction table for [`MemoryHost`](evmpc_host::MemoryHost) frames.
pub type MemoryTable = InstructionTable<EthInterpreter, evmpc_host::state_host::memory_host::MemoryContext>;
