//! The artifact as C (feature `wasm2c`): WABT's wasm2c translation of the artifact, its wide
//! arithmetic lowered to calls (`evmpc-lower-wide`), compiled into this crate by build.rs
//! with `host/wasm2c/shim.c`. A third engine of another lineage than wasmtime and wasmi, for
//! differential runs; it counts no instructions and keeps no pool.

use super::limiter::MemoryCap;
use crate::error::{GuestTrap, ImportRefusal, NodeError};
use crate::fees::Term;
use crate::imports::{bodies, ImportFault};
use crate::state_host::evm_host::EvmHost;
use crate::store::SessionData;
use std::ffi::{c_int, c_void};
use std::sync::{Mutex, MutexGuard};

/// The instance the C side allocates (`evmpc_w2c_t`).
#[repr(C)]
struct Raw {
    _opaque: [u8; 0],
}

type Dispatch = unsafe extern "C" fn(*mut c_void, *mut u8, u64, u32, *const u64) -> i64;

unsafe extern "C" {
    fn evmpc_w2c_new(data: *mut c_void, dispatch: Dispatch) -> *mut Raw;
    fn evmpc_w2c_free(instance: *mut Raw);
    fn evmpc_w2c_memory(instance: *mut Raw, len: *mut u64) -> *mut u8;
    fn evmpc_w2c_call(instance: *mut Raw, which: u32, arg: u32, result: *mut i64) -> c_int;
    fn evmpc_w2c_trap_kind(trap: c_int) -> c_int;
}

/// What `dispatch` answers besides the imports (`shim.c`).
const GROW: u32 = 100;
const GROW_FAILED: u32 = 101;

/// wasm2c's runtime keeps its trap target and call depth in process globals: one call into
/// any instance at a time.
static RUNTIME: Mutex<()> = Mutex::new(());

fn runtime() -> MutexGuard<'static, ()> {
    RUNTIME.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A trap of the translated artifact: the runtime's code, and the import fault that raised
/// it, if one did.
#[derive(Debug)]
pub(crate) struct Trap {
    code: c_int,
    fault: Option<ImportFault>,
}

/// `evmpc_w2c_trap_kind`'s answers (`shim.c`).
mod kind {
    pub(super) const UNREACHABLE: i32 = 1;
    pub(super) const MEMORY_OUT_OF_BOUNDS: i32 = 2;
    pub(super) const INTEGER_OVERFLOW: i32 = 3;
    pub(super) const DIVISION_BY_ZERO: i32 = 4;
    pub(super) const BAD_CONVERSION: i32 = 5;
    pub(super) const INDIRECT_CALL: i32 = 6;
    pub(super) const EXHAUSTION: i32 = 7;
}

impl Trap {
    fn kind(&self) -> c_int {
        // SAFETY: a pure function of its argument.
        unsafe { evmpc_w2c_trap_kind(self.code) }
    }

    pub(crate) fn is_stack_overflow(&self) -> bool {
        self.kind() == kind::EXHAUSTION
    }

    pub(crate) fn guest_trap(&self) -> GuestTrap {
        if let Some(ImportFault::Guest(refusal)) = self.fault {
            return GuestTrap::Import(refusal);
        }
        match self.kind() {
            kind::UNREACHABLE => GuestTrap::Unreachable,
            kind::MEMORY_OUT_OF_BOUNDS => GuestTrap::MemoryOutOfBounds,
            kind::INTEGER_OVERFLOW => GuestTrap::IntegerOverflow,
            kind::DIVISION_BY_ZERO => GuestTrap::DivisionByZero,
            kind::BAD_CONVERSION => GuestTrap::BadConversion,
            kind::INDIRECT_CALL => GuestTrap::IndirectCall,
            _ => GuestTrap::Other,
        }
    }
}

/// One instance of the translated artifact, over its session data.
pub(crate) struct Wasm2cInstance<H: EvmHost> {
    raw: *mut Raw,
    /// From `Box::into_raw`, owned here: the C side holds the same address, and imports
    /// reach the data through it during calls.
    served: *mut Served<H>,
}

/// The session data, the limiter and the fault of the last import, which the trap carries.
struct Served<H: EvmHost> {
    data: SessionData<H>,
    limiter: MemoryCap,
    fault: Option<ImportFault>,
}

// SAFETY: the instance and its data are owned by one session; the C side touches them only
// inside calls the session makes, one at a time process-wide.
unsafe impl<H: EvmHost + Send> Send for Wasm2cInstance<H> {}

impl<H: EvmHost> Wasm2cInstance<H> {
    /// Instantiates the artifact over `data`; gives it back when the C side is out of memory.
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(data: SessionData<H>) -> Result<Self, (SessionData<H>, NodeError)> {
        let served = Box::into_raw(Box::new(Served { data, limiter: MemoryCap::default(), fault: None }));
        let _runtime = runtime();
        // SAFETY: `served` lives until the instance is freed (`Drop`, `into_data`), and
        // `dispatch::<H>` casts it back to this type.
        let raw = unsafe { evmpc_w2c_new(served.cast(), dispatch::<H>) };
        if raw.is_null() {
            // SAFETY: from `Box::into_raw` above, and the C side kept nothing.
            let data = unsafe { Box::from_raw(served) }.data;
            return Err((
                data,
                NodeError::GuestMemory(std::sync::Arc::from(Box::<dyn std::error::Error + Send + Sync>::from(
                    "the wasm2c runtime is out of memory for an instance",
                ))),
            ));
        }
        Ok(Wasm2cInstance { raw, served })
    }

    fn served(&self) -> &Served<H> {
        // SAFETY: owned by `self`; the C side touches it only inside `call`.
        unsafe { &*self.served }
    }

    fn served_mut(&mut self) -> &mut Served<H> {
        // SAFETY: as `served`, and `&mut self` makes this the only reference.
        unsafe { &mut *self.served }
    }

    /// Calls export `which` (0 `input_buffer`, 1 `frame_start`, 2 `frame_resume`, 3 `units`).
    pub(crate) fn call(&mut self, which: u32, arg: i32) -> Result<i64, Trap> {
        let mut result = 0i64;
        self.served_mut().fault = None;
        let code = {
            let _runtime = runtime();
            // SAFETY: `raw` is live; no reference to the served data is held across the call.
            unsafe { evmpc_w2c_call(self.raw, which, arg as u32, &mut result) }
        };
        if code == 0 {
            Ok(result)
        } else {
            Err(Trap { code, fault: self.served_mut().fault.take() })
        }
    }

    pub(crate) fn data(&self) -> &SessionData<H> {
        &self.served().data
    }

    pub(crate) fn data_mut(&mut self) -> &mut SessionData<H> {
        &mut self.served_mut().data
    }

    pub(crate) fn limiter(&mut self) -> &mut MemoryCap {
        &mut self.served_mut().limiter
    }

    pub(crate) fn into_data(self) -> SessionData<H> {
        let instance = std::mem::ManuallyDrop::new(self);
        // SAFETY: the instance is freed, and `served` taken back, once, here; `instance` is
        // never dropped.
        unsafe {
            evmpc_w2c_free(instance.raw);
            Box::from_raw(instance.served).data
        }
    }

    pub(crate) fn memory(&self) -> &[u8] {
        let mut len = 0u64;
        // SAFETY: the runtime's memory is `len` bytes at the pointer until the next call.
        unsafe {
            let ptr = evmpc_w2c_memory(self.raw, &mut len);
            if ptr.is_null() {
                return &[];
            }
            std::slice::from_raw_parts(ptr, len as usize)
        }
    }

    pub(crate) fn memory_mut(&mut self) -> &mut [u8] {
        let mut len = 0u64;
        // SAFETY: as `memory`, and `&mut self` makes the slice the only reference.
        unsafe {
            let ptr = evmpc_w2c_memory(self.raw, &mut len);
            if ptr.is_null() {
                return &mut [];
            }
            std::slice::from_raw_parts_mut(ptr, len as usize)
        }
    }
}

impl<H: EvmHost> Drop for Wasm2cInstance<H> {
    fn drop(&mut self) {
        // SAFETY: `raw` and `served` are live and released only here (or in `into_data`,
        // which skips this).
        unsafe {
            evmpc_w2c_free(self.raw);
            drop(Box::from_raw(self.served));
        }
    }
}

/// Serves import `which` (its index in [`evmpc_abi::IMPORTS`]) for the instance whose
/// [`Served`] data is at `served`, or answers whether memory may grow. A negative answer is a
/// fault, recorded for the trap; every other answer is the import's result as 32 bits.
///
/// # Safety
/// `served` is the `Served<H>` the instance was created with, not borrowed elsewhere;
/// `memory` holds `len` bytes; `args` holds the import's parameters (one for `GROW`).
unsafe extern "C" fn dispatch<H: EvmHost>(
    served: *mut c_void,
    memory: *mut u8,
    len: u64,
    which: u32,
    args: *const u64,
) -> i64 {
    // SAFETY: the caller's contract.
    let (served, memory) = unsafe {
        let memory: &mut [u8] =
            if memory.is_null() { &mut [] } else { std::slice::from_raw_parts_mut(memory, len as usize) };
        (&mut *served.cast::<Served<H>>(), memory)
    };
    match which {
        GROW => {
            // SAFETY: one argument, the size asked for.
            let desired = unsafe { *args } as usize;
            return i64::from(served.limiter.allows(desired));
        }
        GROW_FAILED => {
            served.limiter.refused("the wasm2c runtime could not grow guest memory");
            return 0;
        }
        _ => {}
    }
    let Some(import) = evmpc_abi::IMPORTS.get(which as usize) else {
        served.fault = Some(ImportFault::Guest(ImportRefusal::Unknown));
        return -1;
    };
    // SAFETY: the shim passes exactly the import's parameters.
    let args = unsafe { std::slice::from_raw_parts(args, import.params.len()) };
    let int = |index: usize| args[index] as u32 as i32;
    let data = &mut served.data;
    data.usage.add(Term::Imports, 1);
    let answer: Result<i32, ImportFault> = match import.name {
        "sload" => bodies::sload(memory, data, int(0), int(1), int(2), int(3)),
        "sstore" => bodies::sstore(memory, data, int(0), int(1), int(2), int(3), int(4)),
        "account" => bodies::account(memory, data, int(0), int(1), int(2)),
        "code_copy" => bodies::code_copy(memory, data, int(0), int(1), int(2), int(3)).map(|()| 0),
        "code_load" => bodies::code_load(memory, data, int(0), int(1), int(2), int(3), int(4)),
        "keccak256" => bodies::keccak256(memory, data, int(0), int(1), int(2)).map(|()| 0),
        "block_hash" => bodies::block_hash(memory, data, args[0] as i64, int(1)).map(|()| 0),
        "log" => bodies::log(memory, data, int(0), int(1), int(2), int(3), int(4)).map(|()| 0),
        "transfer" => bodies::transfer(memory, data, int(0), int(1), int(2)),
        "call_enter" => bodies::call_enter(memory, data, int(0), int(1), int(2), int(3)),
        "call_exit" => bodies::call_exit(memory, data, int(0)).map(|()| 0),
        "selfdestruct" => bodies::selfdestruct(memory, data, int(0), int(1), int(2), int(3)),
        _ => Err(ImportFault::Guest(ImportRefusal::Unknown)),
    };
    match answer {
        Ok(value) => i64::from(value as u32),
        Err(fault) => {
            served.fault = Some(fault);
            -1
        }
    }
}

#[cfg(test)]
mod tests {
    /// The shim's import functions pass the index this file reads back: each `Z_evmpcZ_<name>`
    /// serves the index of `<name>` in the ABI's table.
    #[test]
    fn the_shim_numbers_imports_as_the_abi_table() {
        let shim = include_str!("../../wasm2c/shim.c");
        for (index, import) in evmpc_abi::IMPORTS.iter().enumerate() {
            let start = shim
                .find(&format!(" Z_evmpcZ_{}(", import.name))
                .unwrap_or_else(|| panic!("shim.c defines no `{}`", import.name));
            let body = &shim[start..start + shim[start..].find("\n}").expect("function ends")];
            assert!(body.contains(&format!("serve(n, {index}, args)")), "{} should serve index {index}", import.name);
        }
    }
}
