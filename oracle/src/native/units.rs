//! The guest's units counted on native revm: the same tables and functions
//! ([`evmpc_abi::units`]) applied to revm's own steps, so a test can hold the two counts equal.

use evmpc_abi::units::{self, Limbs};
use revm::bytecode::opcode::{CREATE, CREATE2};
use revm::interpreter::interpreter::EthInterpreter;
use revm::interpreter::interpreter_types::{Jumps, LoopControl, MemoryTr};
use revm::interpreter::{Interpreter, InterpreterAction};
use revm::Inspector;

/// An [`Inspector`] that counts what the guest counts, as features ([`units::feature`]): each
/// opcode when it is fetched, its operand class or the bytes it copies when it succeeds, init
/// code when a create asks for a frame, and memory and output when a frame returns. Its
/// [`units`](Self::units) apply the unit tables to them.
#[derive(Clone, Debug)]
pub struct UnitCounter {
    features: Vec<u64>,
    /// What the running opcode counts if it succeeds.
    pending: Option<Pending>,
}

impl Default for UnitCounter {
    fn default() -> Self {
        UnitCounter { features: vec![0; units::feature::COUNT], pending: None }
    }
}

#[derive(Clone, Copy, Debug)]
enum Pending {
    /// A feature an opcode counts when it succeeds ([`units::success_feature`]).
    Success(usize, u64),
    /// A create with this many bytes of init code, counted when it asks for a frame.
    Create(u64),
}

impl UnitCounter {
    /// How many of each feature were counted, by index.
    pub fn features(&self) -> &[u64] {
        &self.features
    }

    /// The units of the features counted so far.
    pub fn units(&self) -> u64 {
        self.features
            .iter()
            .enumerate()
            .map(|(feature, count)| u64::from(units::weight(feature)).saturating_mul(*count))
            .fold(0, u64::saturating_add)
    }

    fn count(&mut self, feature: usize, count: u64) {
        self.features[feature] = self.features[feature].saturating_add(count);
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
        self.count(units::feature::opcode(opcode), 1);
        self.pending = match opcode {
            CREATE | CREATE2 => Some(Pending::Create(peek(interp, 2).map_or(0, |len| len[0]))),
            _ if units::has_success_units(opcode) => units::success_feature(opcode, |depth| peek(interp, depth))
                .map(|(feature, count)| Pending::Success(feature, count)),
            _ => None,
        };
    }

    fn step_end(&mut self, interp: &mut Interpreter<EthInterpreter>, _context: &mut CTX) {
        let memory = interp.memory.size() as u64;
        match (self.pending.take(), interp.bytecode.action()) {
            (Some(Pending::Success(feature, count)), None) => self.count(feature, count),
            (Some(Pending::Create(len)), Some(InterpreterAction::NewFrame(_))) => {
                self.count(units::feature::INITCODE_BYTE, len)
            }
            _ => {}
        }
        if let Some(InterpreterAction::Return(result)) = interp.bytecode.action() {
            let output = result.output.len() as u64;
            self.count(units::feature::MEMORY_BYTE, memory);
            self.count(units::feature::OUTPUT_BYTE, output);
        }
    }
}
