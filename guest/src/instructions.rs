use crate::division;
use crate::host::ImportHost;
use crate::imports::{self, ptr};
use crate::operand_stack::{GuestTypes, OperandStack};
use crate::running::{self, Frame, Running, SpareBox, Stopped};
use alloc::vec::Vec;
use evmpc_abi::records::AccessFlags;
use evmpc_abi::units::{self, Limbs};
use revm_interpreter::bytecode::opcode::{
    ADDMOD, CALLDATACOPY, CODECOPY, CREATE, CREATE2, DIV, EXP, EXTCODECOPY, EXTCODESIZE, JUMP, JUMPDEST, JUMPI,
    KECCAK256, MCOPY, MOD, MULMOD, PUSH2, RETURNDATACOPY, SDIV, SMOD,
};
use revm_interpreter::instructions::{arithmetic, contract, control, memory, stack, system};
use revm_interpreter::interpreter::resize_memory;
use revm_interpreter::interpreter_types::StackTr;
use revm_interpreter::interpreter_types::{Jumps, LoopControl};
use revm_interpreter::primitives::{Address, KECCAK_EMPTY, U256};
use revm_interpreter::Host;
use revm_interpreter::{
    instruction_table, Instruction, InstructionContext, InstructionResult, InstructionTable, Interpreter,
    InterpreterAction,
};

type Ctx<'a> = InstructionContext<'a, ImportHost, GuestTypes>;

/// revm's instruction table, except EXTCODESIZE and EXTCODECOPY, which read code length
/// and bytes through the `account` and `code_copy` imports instead of copying whole code
/// into guest memory on every account load, and KECCAK256, which hashes through the
/// `keccak256` import. The opcodes whose units depend on their operands or on the bytes
/// they copy count those units around revm's own bodies ([`evmpc_abi::units`]). JUMP, JUMPI
/// and PUSH2 run the opcode that follows them in solc's code, when it does ([`fetch`]).
///
/// A `const`, so that [`execute`] sees every entry as a known function it can inline.
const TABLE: InstructionTable<GuestTypes, ImportHost> = {
    let mut table = instruction_table::<GuestTypes, ImportHost>();
    table[EXTCODESIZE as usize] = Instruction::new(extcodesize);
    table[EXTCODECOPY as usize] = Instruction::new(counted_extcodecopy);
    table[KECCAK256 as usize] = Instruction::new(keccak256);
    table[DIV as usize] = Instruction::new(division::div);
    table[SDIV as usize] = Instruction::new(division::sdiv);
    table[MOD as usize] = Instruction::new(division::rem);
    table[SMOD as usize] = Instruction::new(division::smod);
    table[ADDMOD as usize] = Instruction::new(addmod);
    table[MULMOD as usize] = Instruction::new(mulmod);
    table[EXP as usize] = Instruction::new(exp);
    table[CALLDATACOPY as usize] = Instruction::new(calldatacopy);
    table[CODECOPY as usize] = Instruction::new(codecopy);
    table[RETURNDATACOPY as usize] = Instruction::new(returndatacopy);
    table[MCOPY as usize] = Instruction::new(mcopy);
    table[CREATE as usize] = Instruction::new(create::<false>);
    table[CREATE2 as usize] = Instruction::new(create::<true>);
    table[JUMP as usize] = Instruction::new(jump);
    table[JUMPI as usize] = Instruction::new(jumpi);
    table[PUSH2 as usize] = Instruction::new(push2_then_jump);
    table
};

/// The loop's steps before the body of `opcode`, fetched at the current position: counts
/// its units into `count`, moves past it, charges its static `gas`; `true` when that cannot
/// be paid (out of gas). [`run_in_place`] takes them for every opcode it dispatches, and
/// [`fetch`] for one a body runs itself.
#[inline(always)]
fn take_steps(count: &mut u64, interpreter: &mut Interpreter<GuestTypes>, opcode: u8, gas: u64) -> bool {
    *count += u64::from(units::OPCODE[opcode as usize]);
    interpreter.bytecode.relative_jump(1);
    interpreter.gas.record_cost_unsafe(gas)
}

/// The loop's steps ([`take_steps`]) for `opcode`, the next one in the code, run by the body
/// before it.
///
/// The body of an opcode that solc's code puts another one after almost always runs that
/// one too, when it is there, without going back to the dispatch: a jump lands on a
/// JUMPDEST, a PUSH2 pushes the target of the JUMP or JUMPI after it. The result is the
/// loop's, to the unit and the gas, with one dispatch fewer: loopMul 13% and snailtracer 5%
/// faster. PUSH1 before a jump and ISZERO before a PUSH2, tried the same way, left loopMul
/// slower (their check costs every PUSH1 and ISZERO); PUSH1 before ADD gained 2% at most.
#[inline(always)]
fn fetch(ctx: &mut Ctx<'_>, opcode: u8, gas: u64) -> Result<(), InstructionResult> {
    if take_steps(&mut ctx.host.units, ctx.interpreter, opcode, gas) {
        return Err(InstructionResult::OutOfGas);
    }
    Ok(())
}

/// JUMP as revm's, then the JUMPDEST it lands on ([`landing`]).
#[inline(always)]
fn jump(mut ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    control::jump(InstructionContext { interpreter: &mut *ctx.interpreter, host: &mut *ctx.host })?;
    landing(&mut ctx)
}

/// JUMPI as revm's, then the JUMPDEST at the next position ([`landing`]): where it jumped to,
/// or after it.
#[inline(always)]
fn jumpi(mut ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    control::jumpi(InstructionContext { interpreter: &mut *ctx.interpreter, host: &mut *ctx.host })?;
    landing(&mut ctx)
}

/// Runs the JUMPDEST at the next position, if there is one ([`fetch`]).
#[inline(always)]
fn landing(ctx: &mut Ctx<'_>) -> Result<(), InstructionResult> {
    if ctx.interpreter.bytecode.opcode() != JUMPDEST {
        return Ok(());
    }
    let gas = ctx.host.static_gas.jumpdest;
    fetch(ctx, JUMPDEST, gas)
}

/// PUSH2 as revm's, then the JUMP or JUMPI after it, if there is one ([`fetch`]).
fn push2_then_jump(mut ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    stack::push::<2, _, _>(InstructionContext { interpreter: &mut *ctx.interpreter, host: &mut *ctx.host })?;
    match ctx.interpreter.bytecode.opcode() {
        JUMP => {
            let gas = ctx.host.static_gas.jump;
            fetch(&mut ctx, JUMP, gas)?;
            jump(ctx)
        }
        JUMPI => {
            let gas = ctx.host.static_gas.jumpi;
            fetch(&mut ctx, JUMPI, gas)?;
            jumpi(ctx)
        }
        _ => Ok(()),
    }
}

/// Word `depth` below the top of `stack`, as limbs (`None` past the bottom).
#[inline(always)]
fn peek(stack: &OperandStack, depth: usize) -> Option<Limbs> {
    let words = stack.data();
    words.len().checked_sub(depth + 1).map(|index| *words[index].as_limbs())
}

/// Instructions whose units depend on their operands or on the bytes they copy: revm's body,
/// then, if it succeeded, the units its operands add ([`units::success_units`]). Not inlined
/// into the dispatch: inlined, their extra code made every other opcode's dispatch slower
/// (7.5% more instructions on snailtracer, measured with callgrind), out of line they cost a call.
macro_rules! priced_by_operands {
    ($($name:ident = $opcode:ident => $body:path;)*) => {$(
        #[inline(never)]
        fn $name(ctx: Ctx<'_>) -> Result<(), InstructionResult> {
            let extra = units::success_units($opcode, |depth| peek(&ctx.interpreter.stack, depth));
            $body(InstructionContext { interpreter: &mut *ctx.interpreter, host: &mut *ctx.host })?;
            ctx.host.units += extra;
            Ok(())
        }
    )*};
}

priced_by_operands! {
    addmod = ADDMOD => arithmetic::addmod;
    mulmod = MULMOD => arithmetic::mulmod;
    exp = EXP => arithmetic::exp;
    calldatacopy = CALLDATACOPY => system::calldatacopy;
    codecopy = CODECOPY => system::codecopy;
    returndatacopy = RETURNDATACOPY => system::returndatacopy;
    mcopy = MCOPY => memory::mcopy;
    counted_extcodecopy = EXTCODECOPY => extcodecopy;
}

/// CREATE and CREATE2 as revm's, with the units of the init code when they ask for a frame.
#[inline(never)]
fn create<const IS_CREATE2: bool>(ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    let len = peek(&ctx.interpreter.stack, 2).map_or(0, |len| len[0]);
    let result = contract::create::<IS_CREATE2, _, _>(InstructionContext {
        interpreter: &mut *ctx.interpreter,
        host: &mut *ctx.host,
    });
    if matches!(ctx.interpreter.bytecode.action(), Some(InterpreterAction::NewFrame(_))) {
        ctx.host.units += units::initcode_units(len);
    }
    result
}

/// Runs the instruction `opcode`.
///
/// A `match` over constant table entries instead of revm's indirect call through the
/// table: in Wasm an indirect call is a checked `call_indirect` and blocks inlining, while
/// a `br_table` to inlined bodies is what Cranelift compiles best.
#[inline(always)]
fn execute(opcode: u8, ctx: Ctx<'_>, halt: &mut Option<InstructionResult>) {
    macro_rules! dispatch {
        ($($op:literal)*) => {
            match opcode {
                $($op => if let Err(result) = TABLE[$op].execute(ctx) { *halt = Some(result) },)*
            }
        };
    }
    dispatch!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60 61 62 63 64 65 66 67 68 69 70 71 72 73 74 75 76 77 78 79 80 81 82 83 84 85 86 87 88 89 90 91 92 93 94 95 96 97 98 99 100 101 102 103 104 105 106 107 108 109 110 111 112 113 114 115 116 117 118 119 120 121 122 123 124 125 126 127 128 129 130 131 132 133 134 135 136 137 138 139 140 141 142 143 144 145 146 147 148 149 150 151 152 153 154 155 156 157 158 159 160 161 162 163 164 165 166 167 168 169 170 171 172 173 174 175 176 177 178 179 180 181 182 183 184 185 186 187 188 189 190 191 192 193 194 195 196 197 198 199 200 201 202 203 204 205 206 207 208 209 210 211 212 213 214 215 216 217 218 219 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237 238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255)
}

/// Runs `frame` until it returns or asks for a sub-call: revm's `run_plain` (the same steps
/// in the same order: fetch, advance, static gas, execute) over [`execute`], counting each
/// fetched opcode's units before its gas ([`units::OPCODE`]) and adding them to the
/// session's count when the frame stops ([`take_steps`], which a body that runs the next
/// opcode itself takes too). The interpreter runs in [`running`](crate::running), at a fixed
/// address ([`running::run_in_slot`]).
#[inline(never)]
pub(crate) fn run(frame: Frame, host: &mut ImportHost, spare: &mut Vec<SpareBox>) -> Stopped {
    running::run_in_slot(frame, spare, |running| run_in_place(running, host))
}

#[inline(always)]
fn run_in_place(running: &mut Running, host: &mut ImportHost) -> InterpreterAction {
    // SAFETY: `run_in_slot` hands over the slot initialised.
    let interpreter = unsafe { running.interpreter.assume_init_mut() };
    let halt = loop {
        let opcode = interpreter.bytecode.opcode();
        let gas = u64::from(running.gas_table[opcode as usize]);
        if take_steps(&mut running.units, interpreter, opcode, gas) {
            break InstructionResult::OutOfGas;
        }
        execute(opcode, InstructionContext { interpreter: &mut *interpreter, host: &mut *host }, &mut running.halt);
        // SAFETY: a plain read of a field; volatile so that it stays one load after the
        // `match`, instead of a value each body hands to the check (see [`Running::halt`]).
        if let Some(halt) = unsafe { core::ptr::read_volatile(&running.halt) } {
            running.halt = None;
            break halt;
        }
    };
    host.units += core::mem::take(&mut running.units);
    if interpreter.bytecode.action().is_none() {
        interpreter.halt(halt);
    }
    interpreter.take_next_action()
}

fn as_address(word: U256) -> Address {
    Address::from_word(word.to_be_bytes::<32>().into())
}

/// Loads `address` with code, charging the EIP-2929 cold surcharge like revm does.
fn load_with_code(ctx: &mut Ctx<'_>, address: &Address) -> Result<u32, InstructionResult> {
    let cold_cost = ctx.host.gas_params().cold_account_additional_cost();
    let skip_cold = ctx.interpreter.gas.remaining() < cold_cost;
    let load = ctx.host.account(address, true, skip_cold);
    if load.flags.has(AccessFlags::SKIPPED) {
        return Err(InstructionResult::OutOfGas);
    }
    if load.flags.has(AccessFlags::COLD) && !ctx.interpreter.gas.record_regular_cost(cold_cost) {
        return Err(InstructionResult::OutOfGas);
    }
    Ok(load.record.code_len)
}

fn extcodesize(mut ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    let address = match ctx.interpreter.stack.top() {
        Some(top) => as_address(*top),
        None => return Err(InstructionResult::StackUnderflow),
    };
    let len = load_with_code(&mut ctx, &address)?;
    if let Some(top) = ctx.interpreter.stack.top() {
        *top = U256::from(len);
    }
    Ok(())
}

fn as_usize(value: U256) -> Option<usize> {
    let limbs = value.as_limbs();
    if limbs[1] != 0 || limbs[2] != 0 || limbs[3] != 0 || limbs[0] > usize::MAX as u64 {
        return None;
    }
    Some(limbs[0] as usize)
}

fn extcodecopy(mut ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    let Some([address, memory_offset, code_offset, len]) = ctx.interpreter.stack.popn::<4>() else {
        return Err(InstructionResult::StackUnderflow);
    };
    let address = as_address(address);
    let len = as_usize(len).ok_or(InstructionResult::InvalidOperandOOG)?;
    let copy_cost = ctx.host.gas_params().extcodecopy(len);
    if !ctx.interpreter.gas.record_regular_cost(copy_cost) {
        return Err(InstructionResult::OutOfGas);
    }
    let mut memory_offset_usize = 0;
    if len != 0 {
        memory_offset_usize = as_usize(memory_offset).ok_or(InstructionResult::InvalidOperandOOG)?;
        ctx.interpreter.resize_memory(ctx.host.gas_params(), memory_offset_usize, len)?;
    }
    let code_len = load_with_code(&mut ctx, &address)?;
    if len == 0 {
        return Ok(());
    }
    let code_offset = as_usize(code_offset).unwrap_or(usize::MAX).min(code_len as usize) as u32;
    let mut dest = ctx.interpreter.memory.slice_mut(memory_offset_usize, len);
    // SAFETY: `dest` is `len` writable bytes of EVM memory, resized above.
    unsafe { imports::code_copy(ptr(&address.0), code_offset as i32, dest.as_mut_ptr() as usize as i32, len as i32) };
    Ok(())
}

/// KECCAK256 as revm's, with the hash computed by the node.
fn keccak256(ctx: Ctx<'_>) -> Result<(), InstructionResult> {
    revm_interpreter::popn_top!([offset], top, ctx.interpreter);
    let len = revm_interpreter::as_usize_or_fail!(ctx.interpreter, top);
    revm_interpreter::gas!(ctx.interpreter, ctx.host.gas_params().keccak256_cost(len));
    let hash = if len == 0 {
        KECCAK_EMPTY
    } else {
        let from = revm_interpreter::as_usize_or_fail!(ctx.interpreter, offset);
        resize_memory(&mut ctx.interpreter.gas, &mut ctx.interpreter.memory, ctx.host.gas_params(), from, len)?;
        crate::keccak::keccak256(&ctx.interpreter.memory.slice_len(from, len))
    };
    *top = hash.into();
    Ok(())
}
