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
use alloc::{boxed::Box, vec::Vec};
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use revm_interpreter::{GasTable, InstructionResult, Interpreter, InterpreterAction, InterpreterResult};

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

/// The loop's state. Taken only here, by one function at a time: exports are not reentrant,
/// and the loop, which holds it while it runs, calls none of the others.
#[inline(always)]
fn running() -> &'static mut Running {
    // SAFETY: single-threaded, not reentrant, and taken by one function at a time (see above).
    unsafe { &mut *RUNNING.0.get() }
}

/// Fixes the static gas the loop charges for the rest of the session (the fork is the
/// session's).
pub(crate) fn use_gas_table(table: GasTable) {
    running().gas_table = table;
}

/// Runs `frame` in the slot with `run` (the interpreter loop, which leaves the slot
/// initialised and returns the frame's next action): a new frame's interpreter was placed
/// there, a resumed frame's moves in from its box. A frame that asks for a sub-call stays
/// there until the frame loop knows whether it waits ([`Waiting`]); a frame that returns is
/// dropped there, and its box, if it had one, becomes a spare.
#[inline(always)]
pub(crate) fn run_in_slot(
    frame: Frame,
    spare: &mut Vec<SpareBox>,
    run: impl FnOnce(&mut Running) -> InterpreterAction,
) -> Stopped {
    let running = running();
    let home = match frame {
        Frame::Placed => None,
        Frame::Kept(waiting) => waiting.home,
        Frame::Resumed(boxed) => {
            let raw = Box::into_raw(boxed);
            // SAFETY: `raw` is a live boxed interpreter; its bits move to the slot, and the box
            // is kept as uninitialised memory from here on, so they are never used twice.
            unsafe {
                running.interpreter.write(core::ptr::read(raw));
                Some(Box::from_raw(raw.cast::<MaybeUninit<Interpreter<GuestTypes>>>()))
            }
        }
    };
    match run(running) {
        InterpreterAction::Return(result) => {
            // SAFETY: `run` leaves the slot initialised; it is read, then dropped once.
            let interpreter = unsafe { running.interpreter.assume_init_mut() };
            let ended = Ended { result, memory_len: interpreter.memory.len(), gas_limit: interpreter.gas.limit() };
            // SAFETY: as above; the slot is uninitialised from here until a frame is placed.
            unsafe { running.interpreter.assume_init_drop() };
            spare.extend(home);
            Stopped::Returned(ended)
        }
        action => Stopped::Called(Waiting { home }, action),
    }
}

/// Places a new frame's interpreter in the loop's slot, for [`run_in_slot`] with [`Frame::Placed`].
/// The slot is empty between runs: every frame that stopped has left it.
#[inline(always)]
pub(crate) fn place(interpreter: Interpreter<GuestTypes>) {
    running().interpreter.write(interpreter);
}

/// A box an interpreter can move into: a frame's that returned, kept for the next frame
/// that waits.
pub(crate) type SpareBox = Box<MaybeUninit<Interpreter<GuestTypes>>>;

/// The frame [`run_in_slot`] runs.
pub(crate) enum Frame {
    /// A new frame, whose interpreter [`place`] put in the slot.
    Placed,
    /// A frame whose sub-call was answered without leaving the slot.
    Kept(Waiting),
    /// A frame that waited for a sub-call, in its box.
    Resumed(Box<Interpreter<GuestTypes>>),
}

/// A frame that asked for a sub-call, its interpreter still in the slot: run on with
/// [`Frame::Kept`] when the answer comes at once, or [`suspend`](Waiting::suspend)ed to wait.
pub(crate) struct Waiting {
    /// The frame's box, if it had one.
    home: Option<SpareBox>,
}

impl Waiting {
    /// The frame's interpreter, in the slot.
    pub(crate) fn interpreter(&mut self) -> &mut Interpreter<GuestTypes> {
        // SAFETY: the slot holds the frame's interpreter until it is suspended or runs on,
        // both of which take `self`.
        unsafe { running().interpreter.assume_init_mut() }
    }

    /// Moves the interpreter out of the slot into its box (its own, a spare one or a new one)
    /// to wait, leaving the slot empty for the next frame.
    pub(crate) fn suspend(self, spare: &mut Vec<SpareBox>) -> Box<Interpreter<GuestTypes>> {
        let mut home = self.home.or_else(|| spare.pop()).unwrap_or_else(Box::new_uninit);
        // SAFETY: the slot holds the interpreter; its bits move to the box, once.
        home.write(unsafe { running().interpreter.assume_init_read() });
        // SAFETY: written just above.
        unsafe { home.assume_init() }
    }
}

/// How a frame stopped.
pub(crate) enum Stopped {
    /// It asks for a sub-call (`action`, a `NewFrame`).
    Called(Waiting, InterpreterAction),
    /// It returned.
    Returned(Ended),
}

/// A frame that returned: its result, and what its interpreter held at the end.
pub(crate) struct Ended {
    pub(crate) result: InterpreterResult,
    /// Bytes of EVM memory it used.
    pub(crate) memory_len: usize,
    /// Its gas limit.
    pub(crate) gas_limit: u64,
}
