//! Module `env` (the contract's input, output, storage and abort) and module `finite`
//! (the instrumentation's gas and stack calls). Every `env` call is charged NEAR's costs
//! before it does its work; in [`Metering::Fuel`] it also brings the fuel count in.

use crate::costs::{self, linear, REGULAR_OP};
use crate::node::{CallState, Failure, Metering, NodeError, MAX_STACK};
use evmpc_state::ContractStorage;
use wasmtime::{Caller, Linker};

type Ctx<'a> = Caller<'a, CallState>;

/// Adds the host functions to `linker`.
pub(crate) fn add(linker: &mut Linker<CallState>, metering: Metering) -> Result<(), NodeError> {
    let error = |e: wasmtime::Error| NodeError::Wasmtime(e.to_string());
    linker
        .func_wrap("env", "input_len", |mut caller: Ctx<'_>| -> wasmtime::Result<i64> {
            charge(&mut caller, costs::BASE)?;
            Ok(caller.data().input.len() as i64)
        })
        .map_err(error)?;
    linker
        .func_wrap("env", "input_read", |mut caller: Ctx<'_>, dest: i32| -> wasmtime::Result<()> {
            let input = std::mem::take(&mut caller.data_mut().input);
            charge(&mut caller, costs::BASE + linear(costs::WRITE_MEMORY_BASE, costs::WRITE_MEMORY_BYTE, input.len()))?;
            let written = write(&mut caller, dest, &input);
            caller.data_mut().input = input;
            written
        })
        .map_err(error)?;
    linker
        .func_wrap("env", "output", |mut caller: Ctx<'_>, ptr: i32, len: i32| -> wasmtime::Result<()> {
            charge(
                &mut caller,
                costs::BASE + linear(costs::READ_MEMORY_BASE, costs::READ_MEMORY_BYTE, len as u32 as usize),
            )?;
            caller.data_mut().output = read(&mut caller, ptr, len)?;
            Ok(())
        })
        .map_err(error)?;
    linker
        .func_wrap("env", "storage_read", |mut caller: Ctx<'_>, key: i32, key_len: i32| -> wasmtime::Result<i64> {
            let memory = linear(costs::READ_MEMORY_BASE, costs::READ_MEMORY_BYTE, key_len as u32 as usize);
            charge(&mut caller, costs::BASE + memory)?;
            let key = read(&mut caller, key, key_len)?;
            let value = caller.data().storage.read(&key);
            let register = value
                .as_ref()
                .map_or(0, |value| linear(costs::WRITE_REGISTER_BASE, costs::WRITE_REGISTER_BYTE, value.len()));
            charge(&mut caller, register)?;
            let len = value.as_ref().map_or(-1, |value| value.len() as i64);
            caller.data_mut().register = value.unwrap_or_default();
            Ok(len)
        })
        .map_err(error)?;
    linker
        .func_wrap("env", "register_read", |mut caller: Ctx<'_>, dest: i32| -> wasmtime::Result<()> {
            let register = std::mem::take(&mut caller.data_mut().register);
            let cost = linear(costs::READ_REGISTER_BASE, costs::READ_REGISTER_BYTE, register.len())
                + linear(costs::WRITE_MEMORY_BASE, costs::WRITE_MEMORY_BYTE, register.len());
            charge(&mut caller, costs::BASE + cost)?;
            let written = write(&mut caller, dest, &register);
            caller.data_mut().register = register;
            written
        })
        .map_err(error)?;
    linker
        .func_wrap(
            "env",
            "storage_write",
            |mut caller: Ctx<'_>, key: i32, key_len: i32, value: i32, value_len: i32| -> wasmtime::Result<()> {
                let memory = linear(costs::READ_MEMORY_BASE, costs::READ_MEMORY_BYTE, key_len as u32 as usize)
                    + linear(costs::READ_MEMORY_BASE, costs::READ_MEMORY_BYTE, value_len as u32 as usize);
                charge(&mut caller, costs::BASE + memory)?;
                let (key, value) = (read(&mut caller, key, key_len)?, read(&mut caller, value, value_len)?);
                caller.data_mut().storage.write(&key, &value);
                charge(&mut caller, 0)
            },
        )
        .map_err(error)?;
    linker
        .func_wrap("env", "storage_remove", |mut caller: Ctx<'_>, key: i32, key_len: i32| -> wasmtime::Result<()> {
            charge(
                &mut caller,
                costs::BASE + linear(costs::READ_MEMORY_BASE, costs::READ_MEMORY_BYTE, key_len as u32 as usize),
            )?;
            let key = read(&mut caller, key, key_len)?;
            caller.data_mut().storage.remove(&key);
            charge(&mut caller, 0)
        })
        .map_err(error)?;
    linker
        .func_wrap("env", "abort_call", |mut caller: Ctx<'_>, message: i32, len: i32| -> wasmtime::Result<()> {
            charge(&mut caller, costs::BASE)?;
            let message = read(&mut caller, message, len.min(4096))?;
            fail(&mut caller, Failure::Aborted(String::from_utf8_lossy(&message).into_owned()))
        })
        .map_err(error)?;
    if metering == Metering::FiniteWasm {
        add_instrumentation(linker).map_err(error)?;
    }
    Ok(())
}

/// The imports finite-wasm's instrumentation calls.
fn add_instrumentation(linker: &mut Linker<CallState>) -> wasmtime::Result<()> {
    let module = Metering::IMPORTS;
    linker.func_wrap(module, "finite_wasm_gas", |mut caller: Ctx<'_>, ops: i64| -> wasmtime::Result<()> {
        let state = caller.data_mut();
        state.meter.ops = state.meter.ops.saturating_add(ops as u64);
        if state.meter.burnt() > state.meter.limit {
            return fail(&mut caller, Failure::OutOfGas);
        }
        Ok(())
    })?;
    linker.func_wrap(
        module,
        "finite_wasm_stack",
        |mut caller: Ctx<'_>, operands: i64, frame: i64| -> wasmtime::Result<()> {
            let state = caller.data_mut();
            state.stack = state.stack.saturating_add(operands as u64).saturating_add(frame as u64);
            if state.stack > MAX_STACK {
                return fail(&mut caller, Failure::StackOverflow);
            }
            Ok(())
        },
    )?;
    linker.func_wrap(module, "finite_wasm_unstack", |mut caller: Ctx<'_>, operands: i64, frame: i64| {
        let state = caller.data_mut();
        state.stack = state.stack.saturating_sub(operands as u64).saturating_sub(frame as u64);
    })?;
    // Bulk memory and table operations: their linear fee times the count, which they pass on.
    for name in [
        "finite_wasm_memory_copy",
        "finite_wasm_memory_fill",
        "finite_wasm_memory_init",
        "finite_wasm_table_copy",
        "finite_wasm_table_fill",
        "finite_wasm_table_init",
    ] {
        linker.func_wrap(
            module,
            name,
            |mut caller: Ctx<'_>, count: i32, linear: i64, constant: i64| -> wasmtime::Result<i32> {
                let ops = (linear as u64).saturating_mul(count as u32 as u64).saturating_add(constant as u64);
                let state = caller.data_mut();
                state.meter.ops = state.meter.ops.saturating_add(ops);
                if state.meter.burnt() > state.meter.limit {
                    return fail(&mut caller, Failure::OutOfGas).map(|()| count);
                }
                Ok(count)
            },
        )?;
    }
    Ok(())
}

/// Ends the call with `failure`: the trap carries no meaning, the state says why.
fn fail(caller: &mut Ctx<'_>, failure: Failure) -> wasmtime::Result<()> {
    let message = format!("{failure:?}");
    caller.data_mut().failure = Some(failure);
    Err(wasmtime::Error::msg(message))
}

/// Burns `gas` of the call's gas (bringing wasmtime's fuel count in first).
fn charge(caller: &mut Ctx<'_>, gas: u64) -> wasmtime::Result<()> {
    if caller.data().metering == Metering::Fuel {
        let left = caller.get_fuel()?;
        let meter = &mut caller.data_mut().meter;
        meter.ops = meter.ops.saturating_add(meter.fuel_given.saturating_sub(left));
    }
    let charged = caller.data_mut().burn_host(gas);
    if caller.data().metering == Metering::Fuel {
        let fuel = caller.data().meter.left() / REGULAR_OP;
        caller.set_fuel(fuel)?;
        caller.data_mut().meter.fuel_given = fuel;
    }
    match charged {
        Ok(()) => Ok(()),
        Err(failure) => fail(caller, failure),
    }
}

fn memory(caller: &mut Ctx<'_>) -> wasmtime::Result<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(wasmtime::Extern::Memory(memory)) => Ok(memory),
        _ => Err(wasmtime::Error::msg("the contract exports no memory")),
    }
}

fn read(caller: &mut Ctx<'_>, ptr: i32, len: i32) -> wasmtime::Result<Vec<u8>> {
    let memory = memory(caller)?;
    let (start, len) = (ptr as u32 as usize, len as u32 as usize);
    let bytes = memory.data(&*caller).get(start..start.saturating_add(len));
    bytes.map(<[u8]>::to_vec).ok_or_else(|| wasmtime::Error::msg("contract memory out of bounds"))
}

fn write(caller: &mut Ctx<'_>, ptr: i32, bytes: &[u8]) -> wasmtime::Result<()> {
    let memory = memory(caller)?;
    memory
        .write(&mut *caller, ptr as u32 as usize, bytes)
        .map_err(|_| wasmtime::Error::msg("contract memory out of bounds"))
}
