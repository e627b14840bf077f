//! What the interpreter loop works on, at one fixed address: the running frame's
//! interpreter, the fork's static gas and the units counted so far.
//!
//! The loop ([`crate::instructions::run`]) and the opcode bodies inlined into it reach all of
//! it at constant offsets from the start of memory. Passed by pointer or kept in locals, each
//! of these is one more value live across the whole dispatch, and Cranelift, out of
//! registers in a function of some fifteen thousand instructions, keeps such values in spill
//! slots that it stores and reloads on every opcode. Measured with callgrind on snailtracer
//! (instructions of the whole session): 846 M with the interpreter, the gas table and the
//! count passed along and each body's result returned to the loop, 723 M with all of them
//! here.
//!
//! Frames never run inside one another (the frame loop switches between them), so the slot
//! holds one interpreter at a time, and none between runs: a new frame's is placed in it, a
//! frame that waits for a sub-call moves out to a box and back in when it resumes, and a
//! frame that returns is dropped in it. A call to a frame that returns at once thus moves
//! only its caller, out and back in.

use crate::operand_stack::GuestTypes;
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use revm_interpreter::{GasTable, InstructionResult, Interpreter};

/// The loop's state.
pub(crate) struct Running {
    /// The running frame's interpreter; initialised from its placing or resuming until the
    /// frame stops.
    pub(crate) interpreter: MaybeUninit<Interpreter<GuestTypes>>,
    /// Static gas of every opcode under the session's fork ([`use_gas_table`]).
    pub(crate) gas_table: GasTable,
    /// Units of the opcodes fetched since the loop started; added to the session's count
    /// when it stops.
    pub(crate) units: u64,
    /// Why the opcode just executed stopped the frame, if it did. Kept here rather than
    /// returned: a value returned by every body meets the others in one check after the
    /// dispatch, and Cranelift carries it there through a spill slot.
    pub(crate) halt: Option<InstructionResult>,
}

struct Slot(UnsafeCell<Running>);

// SAFETY: the guest is single-threaded (wasm32v1-none has no threads).
unsafe impl Sync for Slot {}

static RUNNING: Slot =
    Slot(UnsafeCell::new(Running { interpreter: MaybeUninit::uninit(), gas_table: [0; 256], units: 0, halt: None }));

/// The loop's state. Only the interpreter loop, the placing of a new frame's interpreter
/// before it runs, and [`use_gas_table`] take it, never while another holds it: exports are
/// not reentrant and the loop calls neither of the others.
#[inline(always)]
pub(crate) fn running() -> &'static mut Running {
    // SAFETY: single-threaded, not reentrant, and taken by one function at a time (see above).
    unsafe { &mut *RUNNING.0.get() }
}

/// Fixes the static gas the loop charges for the rest of the session (the fork is the
/// session's).
pub(crate) fn use_gas_table(table: GasTable) {
    running().gas_table = table;
}
