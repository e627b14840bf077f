//! The guest on wasmi, an independent interpreter: its store, its imports and its exports.

use super::limiter::MemoryCap;
use crate::error::{EngineError, EngineStep, GuestTrap, NodeError};
use crate::fees::Term;
use crate::imports::{self, for_each_import, ImportFault};
use crate::state_host::evm_host::EvmHost;
use crate::store::SessionData;
use evmpc_abi::imports::{IMPORT_MODULE, MEMORY_EXPORT};
use wasmi::{Caller, Linker, Memory, Module, Store, TrapCode, TypedFunc};

impl wasmi_core::HostError for ImportFault {}

/// What wasmi's store holds: the session's data, the guest's memory and the limiter.
pub(crate) struct StoreData<H: EvmHost> {
    session: SessionData<H>,
    memory: Option<Memory>,
    limiter: MemoryCap,
}

/// Defines every import on `linker`.
fn define_imports<H: EvmHost + 'static>(linker: &mut Linker<StoreData<H>>) -> Result<(), wasmi::Error> {
    macro_rules! define {
        ($name:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
            linker.func_wrap(
                IMPORT_MODULE,
                stringify!($name),
                |mut caller: Caller<'_, StoreData<H>>, $($arg: $ty),*| -> Result<$ret, wasmi::Error> {
                    let memory = caller.data().memory.expect("memory is set at instantiation");
                    let (memory, data) = memory.data_and_store_mut(&mut caller);
                    let session = &mut data.session;
                    session.usage.add(Term::Imports, 1);
                    imports::bodies::$name(memory, session, $($arg),*).map_err(wasmi::Error::host)
                },
            )?;
        };
    }
    for_each_import!(define);
    Ok(())
}

/// What wasmi needs to instantiate the guest: linked once, used per session.
pub(crate) struct Prepared<H: EvmHost> {
    engine: wasmi::Engine,
    linker: Linker<StoreData<H>>,
    module: Module,
}

/// The artifact's module linked to the imports for `H`.
pub(crate) fn prepare<H: EvmHost + 'static>(
    engine: &wasmi::Engine,
    module: &Module,
) -> Result<Prepared<H>, EngineError> {
    let mut linker = Linker::new(engine);
    define_imports(&mut linker).map_err(|e| EngineError::new(EngineStep::Link, e))?;
    Ok(Prepared { engine: engine.clone(), linker, module: module.clone() })
}

/// One instance of the guest on wasmi.
pub(crate) struct WasmiInstance<H: EvmHost> {
    /// Boxed: wasmi's store is large and the session moves.
    store: Box<Store<StoreData<H>>>,
    memory: Memory,
    entries: [TypedFunc<i32, i64>; 2],
    input_buffer: TypedFunc<i32, i32>,
    units: TypedFunc<(), i64>,
}

impl<H: EvmHost + 'static> WasmiInstance<H> {
    /// Instantiates `prepared` over `session`, with fuel to count instructions when `count`.
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(
        prepared: &Prepared<H>,
        session: SessionData<H>,
        count: bool,
    ) -> Result<Self, (SessionData<H>, NodeError)> {
        let data = StoreData { session, memory: None, limiter: MemoryCap::default() };
        let mut store = Store::new(&prepared.engine, data);
        store.limiter(|data| &mut data.limiter);
        if count {
            let _ = store.set_fuel(u64::MAX);
        }
        match Self::exports(&mut store, prepared) {
            Ok((memory, entries, input_buffer, units)) => {
                Ok(WasmiInstance { store: Box::new(store), memory, entries, input_buffer, units })
            }
            Err(error) => Err((store.into_data().session, error.into())),
        }
    }

    #[allow(clippy::type_complexity)]
    fn exports(
        store: &mut Store<StoreData<H>>,
        prepared: &Prepared<H>,
    ) -> Result<(Memory, [TypedFunc<i32, i64>; 2], TypedFunc<i32, i32>, TypedFunc<(), i64>), EngineError> {
        let instance = prepared
            .linker
            .instantiate_and_start(&mut *store, &prepared.module)
            .map_err(|e| EngineError::new(EngineStep::Instantiate, e))?;
        let exports = |e: wasmi::Error| EngineError::new(EngineStep::Exports, e);
        let memory = instance
            .get_memory(&*store, MEMORY_EXPORT)
            .ok_or_else(|| EngineError::new(EngineStep::Exports, "the artifact exports no memory"))?;
        store.data_mut().memory = Some(memory);
        let input_buffer = instance.get_typed_func(&*store, "input_buffer").map_err(exports)?;
        let frame_start = instance.get_typed_func(&*store, "frame_start").map_err(exports)?;
        let frame_resume = instance.get_typed_func(&*store, "frame_resume").map_err(exports)?;
        let units = instance.get_typed_func(&*store, "units").map_err(exports)?;
        Ok((memory, [frame_start, frame_resume], input_buffer, units))
    }

    pub(crate) fn input_buffer(&mut self, len: i32) -> Result<i64, wasmi::Error> {
        self.input_buffer.call(&mut *self.store, len).map(i64::from)
    }

    pub(crate) fn enter(&mut self, entry: usize, len: i32) -> Result<i64, wasmi::Error> {
        self.entries[entry].call(&mut *self.store, len)
    }

    pub(crate) fn units(&mut self) -> Result<i64, wasmi::Error> {
        self.units.call(&mut *self.store, ())
    }
}

impl<H: EvmHost> WasmiInstance<H> {
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
        self.memory.data(&*self.store)
    }

    pub(crate) fn memory_mut(&mut self) -> &mut [u8] {
        self.memory.data_mut(&mut *self.store)
    }

    pub(crate) fn fuel_left(&self) -> Option<u64> {
        self.store.get_fuel().ok()
    }

    pub(crate) fn limiter(&mut self) -> &mut MemoryCap {
        &mut self.store.data_mut().limiter
    }
}

/// Whether a wasmi trap is the interpreter's stack overflowing.
pub(crate) fn is_stack_overflow(trap: &wasmi::Error) -> bool {
    trap.as_trap_code() == Some(TrapCode::StackOverflow)
}

/// The trap by its code, or the import's refusal that raised it.
pub(crate) fn guest_trap(trap: &wasmi::Error) -> GuestTrap {
    if let Some(ImportFault::Guest(refusal)) = trap.downcast_ref::<ImportFault>() {
        return GuestTrap::Import(*refusal);
    }
    match trap.as_trap_code() {
        Some(TrapCode::UnreachableCodeReached) => GuestTrap::Unreachable,
        Some(TrapCode::MemoryOutOfBounds) => GuestTrap::MemoryOutOfBounds,
        Some(TrapCode::IntegerDivisionByZero) => GuestTrap::DivisionByZero,
        Some(TrapCode::IntegerOverflow) => GuestTrap::IntegerOverflow,
        Some(TrapCode::BadConversionToInteger) => GuestTrap::BadConversion,
        Some(TrapCode::TableOutOfBounds | TrapCode::IndirectCallToNull | TrapCode::BadSignature) => {
            GuestTrap::IndirectCall
        }
        _ => GuestTrap::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traps_are_named_by_their_code_and_overflow_is_the_nodes() {
        assert!(is_stack_overflow(&wasmi::Error::from(TrapCode::StackOverflow)));
        let unreachable = wasmi::Error::from(TrapCode::UnreachableCodeReached);
        assert!(!is_stack_overflow(&unreachable));
        assert_eq!(guest_trap(&unreachable), GuestTrap::Unreachable);
        let refused = wasmi::Error::host(ImportFault::Guest(crate::error::ImportRefusal::OutOfBounds));
        assert_eq!(guest_trap(&refused), GuestTrap::Import(crate::error::ImportRefusal::OutOfBounds));
    }
}
