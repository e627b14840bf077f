//! The guest on wasmtime: its store, its imports and its exports.

use super::limiter::MemoryCap;
use crate::error::{EngineError, EngineStep, GuestTrap, NodeError};
use crate::fees::Term;
use crate::imports::{self, for_each_import, ImportFault};
use crate::state_host::evm_host::EvmHost;
use crate::store::SessionData;
use evmpc_abi::imports::{IMPORT_MODULE, MEMORY_EXPORT};
use wasmtime::{Caller, InstancePre, Linker, Memory, Module, Store, TypedFunc};

/// What wasmtime's store holds: the session's data, the guest's memory and the limiter.
pub(crate) struct StoreData<H: EvmHost> {
    session: SessionData<H>,
    memory: Option<Memory>,
    limiter: MemoryCap,
}

/// Defines every import on `linker`.
fn define_imports<H: EvmHost + 'static>(linker: &mut Linker<StoreData<H>>) -> wasmtime::Result<()> {
    macro_rules! define {
        ($name:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
            linker.func_wrap(
                IMPORT_MODULE,
                stringify!($name),
                |mut caller: Caller<'_, StoreData<H>>, $($arg: $ty),*| -> wasmtime::Result<$ret> {
                    let memory = caller.data().memory.expect("memory is set at instantiation");
                    let (memory, data) = memory.data_and_store_mut(&mut caller);
                    let session = &mut data.session;
                    session.usage.add(Term::Imports, 1);
                    imports::bodies::$name(memory, session, $($arg),*).map_err(wasmtime::Error::new)
                },
            )?;
        };
    }
    for_each_import!(define);
    Ok(())
}

/// The artifact linked to the imports for `H`, ready to instantiate.
pub(crate) fn prepare<H: EvmHost + 'static>(
    engine: &wasmtime::Engine,
    module: &Module,
) -> Result<InstancePre<StoreData<H>>, EngineError> {
    let mut linker = Linker::new(engine);
    define_imports(&mut linker).map_err(|e| EngineError::new(EngineStep::Link, e))?;
    linker.instantiate_pre(module).map_err(|e| EngineError::new(EngineStep::Link, e))
}

/// One instance of the guest on wasmtime.
pub(crate) struct WasmtimeInstance<H: EvmHost> {
    store: Store<StoreData<H>>,
    memory: Memory,
    entries: [TypedFunc<i32, i64>; 2],
    input_buffer: TypedFunc<i32, i32>,
    units: TypedFunc<(), i64>,
}

impl<H: EvmHost + 'static> WasmtimeInstance<H> {
    /// Instantiates `pre` over `session`, with fuel to count instructions when `count`;
    /// `max_sessions` names the pool's size when it has no free slot.
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(
        pre: &InstancePre<StoreData<H>>,
        session: SessionData<H>,
        count: bool,
        max_sessions: u32,
    ) -> Result<Self, (SessionData<H>, NodeError)> {
        let data = StoreData { session, memory: None, limiter: MemoryCap::default() };
        let mut store = Store::new(pre.module().engine(), data);
        store.limiter(|data| &mut data.limiter);
        if count {
            // Fuel is on only to count instructions: there is always more.
            let _ = store.set_fuel(u64::MAX);
        }
        match Self::exports(&mut store, pre, max_sessions) {
            Ok((memory, entries, input_buffer, units)) => {
                Ok(WasmtimeInstance { store, memory, entries, input_buffer, units })
            }
            Err(error) => Err((store.into_data().session, error)),
        }
    }

    #[allow(clippy::type_complexity)]
    fn exports(
        store: &mut Store<StoreData<H>>,
        pre: &InstancePre<StoreData<H>>,
        max_sessions: u32,
    ) -> Result<(Memory, [TypedFunc<i32, i64>; 2], TypedFunc<i32, i32>, TypedFunc<(), i64>), NodeError> {
        let instance = pre.instantiate(&mut *store).map_err(|error| {
            if error.is::<wasmtime::PoolConcurrencyLimitError>() {
                NodeError::PoolExhausted { max_sessions }
            } else {
                EngineError::new(EngineStep::Instantiate, error).into()
            }
        })?;
        let exports = |e: wasmtime::Error| NodeError::from(EngineError::new(EngineStep::Exports, e));
        let memory = instance
            .get_memory(&mut *store, MEMORY_EXPORT)
            .ok_or_else(|| exports(wasmtime::Error::msg("the artifact exports no memory")))?;
        store.data_mut().memory = Some(memory);
        let input_buffer = instance.get_typed_func(&mut *store, "input_buffer").map_err(exports)?;
        let frame_start = instance.get_typed_func(&mut *store, "frame_start").map_err(exports)?;
        let frame_resume = instance.get_typed_func(&mut *store, "frame_resume").map_err(exports)?;
        let units = instance.get_typed_func(&mut *store, "units").map_err(exports)?;
        Ok((memory, [frame_start, frame_resume], input_buffer, units))
    }

    /// Calls `input_buffer(len)`, `frame_start(len)` / `frame_resume(len)` (entry 0 / 1) or
    /// `units()`.
    pub(crate) fn input_buffer(&mut self, len: i32) -> wasmtime::Result<i64> {
        self.input_buffer.call(&mut self.store, len).map(i64::from)
    }

    pub(crate) fn enter(&mut self, entry: usize, len: i32) -> wasmtime::Result<i64> {
        self.entries[entry].call(&mut self.store, len)
    }

    pub(crate) fn units(&mut self) -> wasmtime::Result<i64> {
        self.units.call(&mut self.store, ())
    }
}

impl<H: EvmHost> WasmtimeInstance<H> {
    pub(crate) fn data(&self) -> &SessionData<H> {
        &self.store.data().session
    }

    pub(crate) fn data_mut(&mut self) -> &mut SessionData<H> {
        &mut self.store.data_mut().session
    }

    pub(crate) fn into_data(self) -> SessionData<H> {
        self.store.into_data().session
    }

    pub(crate) fn memory(&self) -> &[u8] {
        self.memory.data(&self.store)
    }

    pub(crate) fn memory_mut(&mut self) -> &mut [u8] {
        self.memory.data_mut(&mut self.store)
    }

    pub(crate) fn fuel_left(&self) -> Option<u64> {
        self.store.get_fuel().ok()
    }

    pub(crate) fn limiter(&mut self) -> &mut MemoryCap {
        &mut self.store.data_mut().limiter
    }
}

/// Whether a wasmtime trap is a native stack overflow.
pub(crate) fn is_stack_overflow(trap: &wasmtime::Error) -> bool {
    matches!(trap.downcast_ref::<wasmtime::Trap>(), Some(wasmtime::Trap::StackOverflow))
}

/// The trap by its code, or the import's refusal that raised it.
pub(crate) fn guest_trap(trap: &wasmtime::Error) -> GuestTrap {
    if let Some(ImportFault::Guest(refusal)) = trap.downcast_ref::<ImportFault>() {
        return GuestTrap::Import(*refusal);
    }
    match trap.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::UnreachableCodeReached) => GuestTrap::Unreachable,
        Some(wasmtime::Trap::MemoryOutOfBounds | wasmtime::Trap::HeapMisaligned) => GuestTrap::MemoryOutOfBounds,
        Some(wasmtime::Trap::IntegerDivisionByZero) => GuestTrap::DivisionByZero,
        Some(wasmtime::Trap::IntegerOverflow) => GuestTrap::IntegerOverflow,
        Some(wasmtime::Trap::BadConversionToInteger) => GuestTrap::BadConversion,
        Some(wasmtime::Trap::TableOutOfBounds | wasmtime::Trap::IndirectCallToNull | wasmtime::Trap::BadSignature) => {
            GuestTrap::IndirectCall
        }
        _ => GuestTrap::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state_host::MemoryHost;
    use evmpc_abi::imports::{ValType, IMPORTS};

    /// The linker defines exactly the ABI table, with the table's signatures.
    #[test]
    fn linker_matches_import_table() {
        let engine = wasmtime::Engine::default();
        let mut linker = Linker::<StoreData<MemoryHost>>::new(&engine);
        define_imports(&mut linker).unwrap();
        let data =
            StoreData { session: SessionData::new(MemoryHost::default()), memory: None, limiter: MemoryCap::default() };
        let mut store = Store::new(&engine, data);
        let defined: Vec<_> =
            linker.iter(&mut store).map(|(module, name, _)| (module.to_string(), name.to_string())).collect();
        assert_eq!(defined.len(), IMPORTS.len());
        for sig in IMPORTS {
            let export =
                linker.get(&mut store, IMPORT_MODULE, sig.name).unwrap_or_else(|_| panic!("{} missing", sig.name));
            let ty = export.into_func().unwrap().ty(&store);
            let to_abi = |t: wasmtime::ValType| match t {
                wasmtime::ValType::I32 => ValType::I32,
                wasmtime::ValType::I64 => ValType::I64,
                other => panic!("unexpected type {other:?}"),
            };
            assert_eq!(ty.params().map(to_abi).collect::<Vec<_>>(), sig.params, "{}", sig.name);
            assert_eq!(ty.results().map(to_abi).collect::<Vec<_>>(), sig.results, "{}", sig.name);
        }
    }

    #[test]
    fn traps_are_named_by_their_code_and_overflow_is_the_nodes() {
        assert!(is_stack_overflow(&wasmtime::Error::from(wasmtime::Trap::StackOverflow)));
        let unreachable = wasmtime::Error::from(wasmtime::Trap::UnreachableCodeReached);
        assert!(!is_stack_overflow(&unreachable));
        assert_eq!(guest_trap(&unreachable), GuestTrap::Unreachable);
        let refused = wasmtime::Error::new(ImportFault::Guest(crate::error::ImportRefusal::Overlap));
        assert_eq!(guest_trap(&refused), GuestTrap::Import(crate::error::ImportRefusal::Overlap));
    }
}
