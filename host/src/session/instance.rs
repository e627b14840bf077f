//! The guest's instance under any engine: its store, its memory and its exports.
//! The session speaks only to this; nothing else of an engine reaches it.

use super::blame::EngineTrap;
use super::data::SessionData;
use crate::error::{Error, NodeError};
use crate::evm_host::EvmHost;
use evmpc_abi::imports::MEMORY_EXPORT;

/// An export the session calls.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Export {
    /// `input_buffer(len) -> ptr`.
    InputBuffer,
    /// `frame_start(len) -> packed action`.
    Start,
    /// `frame_resume(len) -> packed action`.
    Resume,
    /// `units() -> units counted` (the argument is ignored).
    Units,
}

/// What an engine needs to instantiate the guest: linked once, used per session.
pub(crate) enum Linked<H: EvmHost> {
    /// wasmtime, pre-instantiated.
    Wasmtime(wasmtime::InstancePre<SessionData<H>>),
    /// wasmi, its linker and module.
    Wasmi {
        /// The engine (cheap to clone).
        engine: wasmi::Engine,
        /// The imports.
        linker: wasmi::Linker<SessionData<H>>,
        /// The compiled artifact.
        module: wasmi::Module,
    },
    /// The artifact translated by wasm2c and compiled into this crate.
    #[cfg(feature = "wasm2c")]
    Wasm2c,
}

/// What wasmtime's instance exports to the session.
struct WasmtimeParts {
    memory: wasmtime::Memory,
    exports: [wasmtime::TypedFunc<i32, i64>; 2],
    input_buffer: wasmtime::TypedFunc<i32, i32>,
    units: wasmtime::TypedFunc<(), i64>,
}

/// What wasmi's instance exports to the session.
struct WasmiParts {
    memory: wasmi::Memory,
    exports: [wasmi::TypedFunc<i32, i64>; 2],
    input_buffer: wasmi::TypedFunc<i32, i32>,
    units: wasmi::TypedFunc<(), i64>,
}

/// One instance of the guest. Its variants differ in size, but a session holds exactly one
/// for its life; boxing wasmtime's would add a pointer chase to every call into the guest.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Instance<H: EvmHost> {
    Wasmtime {
        store: wasmtime::Store<SessionData<H>>,
        memory: wasmtime::Memory,
        exports: [wasmtime::TypedFunc<i32, i64>; 2],
        input_buffer: wasmtime::TypedFunc<i32, i32>,
        units: wasmtime::TypedFunc<(), i64>,
    },
    Wasmi {
        /// Boxed: wasmi's store is large and the session moves.
        store: Box<wasmi::Store<SessionData<H>>>,
        memory: wasmi::Memory,
        exports: [wasmi::TypedFunc<i32, i64>; 2],
        input_buffer: wasmi::TypedFunc<i32, i32>,
        units: wasmi::TypedFunc<(), i64>,
    },
    #[cfg(feature = "wasm2c")]
    Wasm2c(super::wasm2c::Wasm2cInstance<H>),
}

impl<H: EvmHost + 'static> Instance<H> {
    /// Instantiates the guest over `data`, with fuel to count instructions when `count`.
    ///
    /// # Errors
    /// The session data back, with [`NodeError::PoolExhausted`] when wasmtime's pool has no
    /// free slot or [`NodeError::Engine`] when instantiation fails otherwise.
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(
        engine: &wasmtime::Engine,
        linked: &Linked<H>,
        data: SessionData<H>,
        count: bool,
    ) -> Result<Self, (SessionData<H>, Error)> {
        match linked {
            Linked::Wasmtime(pre) => {
                let mut store = wasmtime::Store::new(engine, data);
                store.limiter(|data| &mut data.limiter);
                if count {
                    // Fuel is on only to count instructions: there is always more.
                    let _ = store.set_fuel(u64::MAX);
                }
                match Self::wasmtime_parts(&mut store, pre) {
                    Ok(WasmtimeParts { memory, exports, input_buffer, units }) => {
                        Ok(Instance::Wasmtime { store, memory, exports, input_buffer, units })
                    }
                    Err(error) => Err((store.into_data(), error)),
                }
            }
            Linked::Wasmi { engine, linker, module } => {
                let mut store = wasmi::Store::new(engine, data);
                store.limiter(|data| &mut data.limiter);
                if count {
                    let _ = store.set_fuel(u64::MAX);
                }
                match Self::wasmi_parts(&mut store, linker, module) {
                    Ok(WasmiParts { memory, exports, input_buffer, units }) => {
                        Ok(Instance::Wasmi { store: Box::new(store), memory, exports, input_buffer, units })
                    }
                    Err(error) => Err((store.into_data(), error)),
                }
            }
            #[cfg(feature = "wasm2c")]
            Linked::Wasm2c => super::wasm2c::Wasm2cInstance::new(data).map(Instance::Wasm2c).map_err(|data| {
                (data, NodeError::Engine("the wasm2c runtime is out of memory for an instance".into()).into())
            }),
        }
    }

    fn wasmtime_parts(
        store: &mut wasmtime::Store<SessionData<H>>,
        pre: &wasmtime::InstancePre<SessionData<H>>,
    ) -> Result<WasmtimeParts, Error> {
        let engine_error = |e: wasmtime::Error| Error::from(NodeError::Engine(e.to_string()));
        let instance = pre.instantiate(&mut *store).map_err(|error| {
            if error.is::<wasmtime::PoolConcurrencyLimitError>() {
                Error::from(NodeError::PoolExhausted(error.to_string()))
            } else {
                engine_error(error)
            }
        })?;
        let memory = instance
            .get_memory(&mut *store, MEMORY_EXPORT)
            .ok_or_else(|| NodeError::Engine("artifact exports no memory".into()))?;
        store.data_mut().memory = Some(memory);
        let input_buffer = instance.get_typed_func(&mut *store, "input_buffer").map_err(engine_error)?;
        let frame_start = instance.get_typed_func(&mut *store, "frame_start").map_err(engine_error)?;
        let frame_resume = instance.get_typed_func(&mut *store, "frame_resume").map_err(engine_error)?;
        let units = instance.get_typed_func(&mut *store, "units").map_err(engine_error)?;
        Ok(WasmtimeParts { memory, exports: [frame_start, frame_resume], input_buffer, units })
    }

    fn wasmi_parts(
        store: &mut wasmi::Store<SessionData<H>>,
        linker: &wasmi::Linker<SessionData<H>>,
        module: &wasmi::Module,
    ) -> Result<WasmiParts, Error> {
        let engine_error = |e: wasmi::Error| Error::from(NodeError::Engine(e.to_string()));
        let instance = linker.instantiate_and_start(&mut *store, module).map_err(engine_error)?;
        let memory = instance
            .get_memory(&*store, MEMORY_EXPORT)
            .ok_or_else(|| NodeError::Engine("artifact exports no memory".into()))?;
        store.data_mut().wasmi_memory = Some(memory);
        let input_buffer = instance.get_typed_func(&*store, "input_buffer").map_err(engine_error)?;
        let frame_start = instance.get_typed_func(&*store, "frame_start").map_err(engine_error)?;
        let frame_resume = instance.get_typed_func(&*store, "frame_resume").map_err(engine_error)?;
        let units = instance.get_typed_func(&*store, "units").map_err(engine_error)?;
        Ok(WasmiParts { memory, exports: [frame_start, frame_resume], input_buffer, units })
    }

    /// Calls `export` with `arg`.
    pub(crate) fn call(&mut self, export: Export, arg: i32) -> Result<i64, EngineTrap> {
        match self {
            Instance::Wasmtime { store, exports, input_buffer, units, .. } => match export {
                Export::InputBuffer => input_buffer.call(store, arg).map(i64::from),
                Export::Start => exports[0].call(store, arg),
                Export::Resume => exports[1].call(store, arg),
                Export::Units => units.call(store, ()),
            }
            .map_err(EngineTrap::Wasmtime),
            Instance::Wasmi { store, exports, input_buffer, units, .. } => match export {
                Export::InputBuffer => input_buffer.call(&mut **store, arg).map(i64::from),
                Export::Start => exports[0].call(&mut **store, arg),
                Export::Resume => exports[1].call(&mut **store, arg),
                Export::Units => units.call(&mut **store, ()),
            }
            .map_err(EngineTrap::Wasmi),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.call(
                match export {
                    Export::InputBuffer => 0,
                    Export::Start => 1,
                    Export::Resume => 2,
                    Export::Units => 3,
                },
                arg,
            ),
        }
    }
}

impl<H: EvmHost> Instance<H> {
    pub(crate) fn data(&self) -> &SessionData<H> {
        match self {
            Instance::Wasmtime { store, .. } => store.data(),
            Instance::Wasmi { store, .. } => store.data(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.data(),
        }
    }

    pub(crate) fn data_mut(&mut self) -> &mut SessionData<H> {
        match self {
            Instance::Wasmtime { store, .. } => store.data_mut(),
            Instance::Wasmi { store, .. } => store.data_mut(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.data_mut(),
        }
    }

    pub(crate) fn into_data(self) -> SessionData<H> {
        match self {
            Instance::Wasmtime { store, .. } => store.into_data(),
            Instance::Wasmi { store, .. } => store.into_data(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.into_data(),
        }
    }

    /// Guest memory.
    pub(crate) fn memory(&self) -> &[u8] {
        match self {
            Instance::Wasmtime { store, memory, .. } => memory.data(store),
            Instance::Wasmi { store, memory, .. } => memory.data(&**store),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.memory(),
        }
    }

    /// Guest memory, writable.
    pub(crate) fn memory_mut(&mut self) -> &mut [u8] {
        match self {
            Instance::Wasmtime { store, memory, .. } => memory.data_mut(store),
            Instance::Wasmi { store, memory, .. } => memory.data_mut(&mut **store),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.memory_mut(),
        }
    }

    /// Fuel left, when the engine counts instructions.
    pub(crate) fn fuel_left(&self) -> Option<u64> {
        match self {
            Instance::Wasmtime { store, .. } => store.get_fuel().ok(),
            Instance::Wasmi { store, .. } => store.get_fuel().ok(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(_) => None,
        }
    }
}
