//! Hands a sub-call's outcome to the frame that asked for it, as revm's frame handler does
//! (`EthFrame::return_result`), for forks without EIP-8037 state gas.

use crate::operand_stack::GuestTypes;
use core::cmp::min;
use evmpc_abi::Status;
use revm_interpreter::interpreter_types::ReturnData;
use revm_interpreter::interpreter_types::StackTr;
use revm_interpreter::primitives::{Address, Bytes, U256};
use revm_interpreter::{InstructionResult, Interpreter};

/// What the frame asked for, as far as the outcome's effect depends on it.
pub(crate) enum Asked {
    /// A call whose output goes to this range of the frame's memory.
    Call { return_memory: core::ops::Range<usize> },
    /// A create.
    Create,
}

/// A sub-call's outcome, its output already resolved to bytes in guest memory.
pub(crate) struct ResolvedOutcome {
    pub(crate) status: Status,
    pub(crate) gas_remaining: u64,
    pub(crate) gas_refunded: i64,
    pub(crate) output: Bytes,
    pub(crate) created_address: Option<Address>,
}

impl ResolvedOutcome {
    /// The outcome of a sub-call that ran no code (refused at the depth limit, or a call to
    /// an account without code): all gas back unless `status` is a halt, no output.
    pub(crate) fn refused(status: Status, gas_limit: u64) -> ResolvedOutcome {
        ResolvedOutcome {
            status,
            gas_remaining: gas_limit,
            gas_refunded: 0,
            output: Bytes::new(),
            created_address: None,
        }
    }
}

/// Applies `outcome` to the suspended `interpreter`.
pub(crate) fn apply(interpreter: &mut Interpreter<GuestTypes>, asked: &Asked, outcome: ResolvedOutcome) {
    interpreter.memory.free_child_context();
    let status = outcome.status;
    // A halted sub-call keeps none of its gas, whatever the node reports.
    if !status.is_halt() {
        interpreter.gas.erase_cost(outcome.gas_remaining);
    }
    if status.is_success() {
        interpreter.gas.record_refund(outcome.gas_refunded);
    }
    match asked {
        Asked::Call { return_memory } => {
            let copy_len = min(return_memory.len(), outcome.output.len());
            if !status.is_halt() && copy_len > 0 {
                interpreter.memory.set(return_memory.start, &outcome.output[..copy_len]);
            }
            interpreter.return_data.set_buffer(outcome.output);
            let _ = interpreter.stack.push(U256::from(status.is_success() as u8));
        }
        Asked::Create => {
            if status.is_revert() {
                interpreter.return_data.set_buffer(outcome.output);
            } else {
                interpreter.return_data.clear();
            }
            let address = match (status.is_success(), outcome.created_address) {
                (true, Some(address)) => address.into_word().into(),
                _ => U256::ZERO,
            };
            let _ = interpreter.stack.push(address);
        }
    }
}

/// The wire status of an interpreter result (the codes are revm's).
pub(crate) fn status_of(result: InstructionResult) -> Status {
    match Status::from_u8(result as u8) {
        Some(status) => status,
        // Suspend, EOF and fatal-external results cannot end a frame here: the guest
        // never reports a node failure as a load error (the import traps instead).
        None => crate::wasm::trap(),
    }
}
