//! The guest's units counted on native revm: the same tables and functions
//! ([`evmpc_abi::units`]) applied to revm's own steps, so a test can hold the two counts equal.

use evmpc_abi::units::{self, Limbs};
use revm::bytecode::opcode::{CREATE, CREATE2};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{Jumps, LoopControl, MemoryTr};
use revm::interpreter::{Interpreter, InterpreterAction};
use revm::Inspector;

/// An [`Inspector`] that counts units as the guest does: each opcode and its operand class
/// when it is fetched, bytes copied and init code when the opcode succeeds, and memory and
/// output when a frame returns.
#[derive(Clone, Debug, Default)]
pub struct UnitCounter {
    units: u64,
    /// Units the running opcode adds if it succeeds.
    pending: Option<Pending>,
}

#[derive(Clone, Copy, Debug)]
enum Pending {
    /// A copy of this many bytes by this opcode.
    Copy(u8, u64),
    /// A create with this many bytes of init code.
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
        if units::has_operand_units(opcode) {
            self.units += units::operand_units(opcode, |depth| peek(interp, depth));
        }
        self.pending = match opcode {
            CREATE | CREATE2 => Some(Pending::Create(peek(interp, 2).map_or(0, |len| len[0]))),
            _ => units::copy_len(opcode, |depth| peek(interp, depth)).map(|len| Pending::Copy(opcode, len)),
        };
    }

    fn step_end(&mut self, interp: &mut Interpreter<EthInterpreter>, _context: &mut CTX) {
        let memory = interp.memory.size() as u64;
        match (self.pending.take(), interp.bytecode.action()) {
            (Some(Pending::Copy(opcode, len)), None) => self.units += units::copy_units(opcode, len),
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
