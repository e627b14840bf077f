use crate::host::ImportHost;
use crate::imports::{self, ptr};
use evmpc_abi::records::AccessFlags;
use revm_interpreter::bytecode::opcode::{EXTCODECOPY, EXTCODESIZE};
use revm_interpreter::interpreter::EthInterpreter;
use revm_interpreter::Host;
use revm_interpreter::primitives::{Address, U256};
use revm_interpreter::{instruction_table, Instruction, InstructionContext, InstructionResult, InstructionTable};

type Ctx<'a> = InstructionContext<'a, ImportHost, EthInterpreter>;

/// revm's instruction table, except EXTCODESIZE and EXTCODECOPY, which read code length
/// and bytes through the `account` and `code_copy` imports instead of copying whole code
/// into guest memory on every account load.
pub(crate) static TABLE: InstructionTable<EthInterpreter, ImportHost> = {
    let mut table = instruction_table::<EthInterpreter, ImportHost>();
    table[EXTCODESIZE as usize] = Instruction::new(extcodesize);
    table[EXTCODECOPY as usize] = Instruction::new(extcodecopy);
    table
};

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
