//! The link's calls as wasmtime host functions: message bytes out of contract memory,
//! results into the register, traps as wasmtime errors.

use super::contract::{CallingContract, LinkTrap};
use super::link::Link;
use crate::engine::Engine;
use crate::error::{EngineError, EngineStep, Error, NodeError};
use evmpc_abi::contract::CONTRACT_MODULE;
use wasmtime::{Caller, Linker};

/// Adds the contract-facing host functions (module `evmpc`) to `linker`, serving the
/// precompile of `engine`. Returns the [`Link`] behind them.
///
/// # Errors
/// [`Error`] when the precompile cannot be set up on `engine`, or a name is taken.
pub fn add_to_linker<T: CallingContract>(linker: &mut Linker<T>, engine: &Engine) -> Result<Link<T::Storage>, Error> {
    let link = Link::new(engine)?;
    link.add_to_linker(linker)?;
    Ok(link)
}

impl<S: evmpc_state::ContractStorage + 'static> Link<S> {
    /// Adds this link's host functions (module `evmpc`) to `linker`.
    ///
    /// # Errors
    /// [`Error`] when a name is taken.
    pub fn add_to_linker<T: CallingContract<Storage = S>>(&self, linker: &mut Linker<T>) -> Result<(), Error> {
        let taken = |e: wasmtime::Error| Error::from(NodeError::from(EngineError::new(EngineStep::Link, e)));
        let link = self.clone();
        linker
            .func_wrap(CONTRACT_MODULE, "transact", move |mut caller: Caller<'_, T>, tx: i32, len: i32| {
                let message = contract_bytes(&mut caller, tx, len)?;
                trap(link.transact(caller.data_mut(), &message))
            })
            .map_err(taken)?;
        let link = self.clone();
        linker
            .func_wrap(CONTRACT_MODULE, "frame_start", move |mut caller: Caller<'_, T>, frame: i32, len: i32| {
                let message = contract_bytes(&mut caller, frame, len)?;
                trap(link.frame_start(caller.data_mut(), &message))
            })
            .map_err(taken)?;
        let link = self.clone();
        linker
            .func_wrap(CONTRACT_MODULE, "frame_resume", move |mut caller: Caller<'_, T>, outcome: i32, len: i32| {
                let message = contract_bytes(&mut caller, outcome, len)?;
                trap(link.frame_resume(caller.data_mut(), &message))
            })
            .map_err(taken)?;
        let link = self.clone();
        linker
            .func_wrap(CONTRACT_MODULE, "guest_read", move |mut caller: Caller<'_, T>, offset: i32, len: i32| {
                link.guest_read(caller.data_mut(), offset as u32, len as u32)
            })
            .map_err(taken)?;
        let link = self.clone();
        linker
            .func_wrap(CONTRACT_MODULE, "session_end", move |mut caller: Caller<'_, T>, commit: i32| {
                trap(link.session_end(caller.data_mut(), commit != 0))
            })
            .map_err(taken)?;
        linker
            .func_wrap(CONTRACT_MODULE, "read_register", |mut caller: Caller<'_, T>, dest: i32| {
                let register = std::mem::take(&mut caller.data_mut().link().register);
                let written = contract_memory(&mut caller)?.write(&mut caller, dest as u32 as usize, &register);
                caller.data_mut().link().register = register;
                written.map_err(|_| wasmtime::Error::msg("read_register: destination outside contract memory"))
            })
            .map_err(taken)?;
        Ok(())
    }
}

/// A link trap as a wasmtime trap (the node downcasts to [`LinkTrap`]).
fn trap(result: Result<i64, LinkTrap>) -> wasmtime::Result<i64> {
    result.map_err(wasmtime::Error::new)
}

/// The contract's exported memory.
fn contract_memory<T>(caller: &mut Caller<'_, T>) -> wasmtime::Result<wasmtime::Memory> {
    match caller.get_export("memory") {
        Some(wasmtime::Extern::Memory(memory)) => Ok(memory),
        _ => Err(wasmtime::Error::msg("the contract exports no memory")),
    }
}

/// `len` bytes of contract memory at `ptr`; outside it is the contract's bug, a trap.
fn contract_bytes<T>(caller: &mut Caller<'_, T>, ptr: i32, len: i32) -> wasmtime::Result<Vec<u8>> {
    let memory = contract_memory(caller)?;
    let (start, len) = (ptr as u32 as usize, len as u32 as usize);
    let bytes = memory.data(&*caller).get(start..start.saturating_add(len));
    bytes.map(<[u8]>::to_vec).ok_or_else(|| wasmtime::Error::msg("message outside contract memory"))
}
