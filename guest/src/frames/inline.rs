//! Calls the guest serves itself.
//!
//! A CALL to an account with code that is not one of the session's precompiles needs from
//! the node only what touches its state: a checkpoint and the value transfer when the
//! callee starts, keeping or undoing that checkpoint when it returns. The `call_enter` and
//! `call_exit` imports ask for exactly that. The callee then runs here at once, its caller
//! waiting on the stack, and its outcome reaches the caller without crossing the boundary:
//! no message, no frame start or resume. A node that wants to run a call itself answers
//! `call_enter` with `NOT_SERVED` and receives the request as an `Action::Call`.

use super::outcome::{apply, ResolvedOutcome};
use super::pending::Pending;
use super::{asked, Frames, Suspended};
use crate::imports::{self, ptr};
use crate::operand_stack::GuestTypes;
use alloc::boxed::Box;
use evmpc_abi::records::call::{ENTERED, NOT_SERVED, TRANSFERS_VALUE};
use evmpc_abi::Status;
use revm_interpreter::primitives::Bytes;
use revm_interpreter::{InputsImpl, Interpreter};

/// What became of a call the guest offered to serve itself.
pub(super) enum Inline {
    /// The callee runs: its interpreter is placed for the loop.
    Entered,
    /// The call ended before any code ran: the transfer failed, or the callee's code cannot
    /// be loaded (it halts, as a frame past a limit does).
    Ended(ResolvedOutcome),
    /// The node runs the call itself.
    NotServed,
}

impl Frames<'_> {
    /// Offers the node to serve `pending`, a request of `caller` (at `depth`), here.
    pub(super) fn call_inline(
        &mut self,
        caller: &mut Interpreter<GuestTypes>,
        pending: &Pending,
        depth: u16,
    ) -> Inline {
        let Pending::Call { inputs, code: (holder, len) } = pending else { return Inline::NotServed };
        if self.session.context.is_precompile(&inputs.bytecode_address.0 .0) {
            return Inline::NotServed;
        }
        let value = inputs.value.get().to_be_bytes::<32>();
        let flags = if inputs.value.is_transfer() { TRANSFERS_VALUE } else { 0 };
        // SAFETY: the pointers reference live 20- and 32-byte values.
        let answer =
            unsafe { imports::call_enter(ptr(&inputs.caller.0), ptr(&inputs.target_address.0), ptr(&value), flags) };
        match answer {
            ENTERED => {}
            NOT_SERVED => return Inline::NotServed,
            code => return Inline::Ended(ResolvedOutcome::refused(failed_transfer(code), inputs.gas_limit)),
        }
        // Balances moved: records kept for the caller are stale.
        self.session.host.forget_accounts();
        let Some(bytecode) = self.account_code(holder, &inputs.known_bytecode.0 .0, *len) else {
            // SAFETY: closes the frame `call_enter` opened.
            unsafe { imports::call_exit(0) };
            return Inline::Ended(ResolvedOutcome::halted());
        };
        let memory = caller.memory.new_child_context();
        let callee = InputsImpl {
            target_address: inputs.target_address,
            caller_address: inputs.caller,
            bytecode_address: Some(inputs.bytecode_address),
            input: inputs.input.clone(),
            call_value: inputs.value.get(),
            depth: usize::from(depth) + 1,
        };
        let stack = self.session.stacks.stack_above(Some(&caller.stack));
        self.place(stack, memory, bytecode, callee, inputs.is_static, inputs.gas_limit);
        Inline::Entered
    }

    /// A callee run inline returned `outcome`: the node keeps or undoes its state changes,
    /// and its caller, popped off the stack with the outcome applied, runs on.
    pub(super) fn end_inline(&mut self, outcome: ResolvedOutcome) -> Option<(Box<Interpreter<GuestTypes>>, u16)> {
        let success = outcome.status.is_success();
        // SAFETY: closes the frame `call_enter` opened for this callee.
        unsafe { imports::call_exit(i32::from(success)) };
        let Suspended { mut interpreter, depth, pending, .. } = self.pop_caller(success)?;
        apply(&mut interpreter, &asked(&pending), outcome);
        Some((interpreter, depth))
    }
}

/// The status of a transfer `call_enter` refused; anything else is the node's bug.
fn failed_transfer(code: i32) -> Status {
    match u8::try_from(code).ok().and_then(Status::from_u8) {
        Some(status @ (Status::OutOfFunds | Status::OverflowPayment)) => status,
        _ => crate::wasm::trap(),
    }
}

impl ResolvedOutcome {
    /// A callee that halts before it runs (its code is past a limit): all gas consumed.
    pub(super) fn halted() -> ResolvedOutcome {
        ResolvedOutcome {
            status: Status::MemoryLimitOOG,
            gas_remaining: 0,
            gas_refunded: 0,
            output: Bytes::new(),
            created_address: None,
        }
    }
}
