//! The guest's units counted on native revm: the same tables and functions
//! ([`evmpc_abi::units`]) applied to revm's own steps, so a test can hold the two counts equal.

use evmpc_abi::units::{self, Limbs};
use revm::bytecode::opcode::{CREATE, CREATE2};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{Jumps, LoopControl, MemoryTr};
use revm::interpreter::{Interpreter, InterpreterAction};
use revm::Inspector;

/// An [`Inspector`] that counts units as the guest does: each opcode when it is fetched, its
/// operand class or the bytes it copies when it succeeds, init code when a create asks for a
/// frame, and memory and output when a frame returns.
#[derive(Clone, Debug, Default)]
pub struct UnitCounter {
    units: u64,
    /// Units the running opcode adds if it succeeds.
    pending: Option<Pending>,
}

#[derive(Clone, Copy, Debug)]
enum Pending {
    /// Units an opcode adds when it succeeds ([`units::success_units`]).
    Success(u64),
    /// A create with this many bytes of init code, counted when it asks for a frame.
    Create(u64),
}

impl UnitCounter {
    /// The units counted so far.
    pub fn units(&self) -> u64 {
        self.units
    }
}

/// Word `depth` below the top of `interp`'s stack, as limbs.
fn peek(interp: &Interpreter<EthInterpreter>, depth: usize) -> Option<Limbs> {
    let words = interp.stack.data();
    words.len().checked_sub(depth + 1).map(|index| *words[index].as_limbs())
}

impl<CTX> Inspector<CTX, EthInterpreter> for UnitCounter {
    fn step(&mut self, interp: &mut Interpreter<EthInterpreter>, _context: &mut CTX) {
        let opcode = interp.bytecode.opcode();
        self.units += u64::from(units::OPCODE[usize::from(opcode)]);
        self.pending = match opcode {
            CREATE | CREATE2 => Some(Pending::Create(peek(interp, 2).map_or(0, |len| len[0]))),
            _ if units::has_success_units(opcode) => {
                Some(Pending::Success(units::success_units(opcode, |depth| peek(interp, depth))))
            }
            _ => None,
        };
    }

    fn step_end(&mut self, interp: &mut Interpreter<EthInterpreter>, _context: &mut CTX) {
        let memory = interp.memory.size() as u64;
        match (self.pending.take(), interp.bytecode.action()) {
            (Some(Pending::Success(extra)), None) => self.units += extra,
            (Some(Pending::Create(len)), Some(InterpreterAction::NewFrame(_))) => {
                self.units += units::initcode_units(len)
            }
            _ => {}
        }
        if let Some(InterpreterAction::Return(result)) = interp.bytecode.action() {
            self.units += units::frame_end_units(memory, result.output.len() as u64);
        }
    }
}
