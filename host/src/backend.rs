//! The guest's instance under any engine: its store, its memory and its exports. One file
//! per engine below; this is the only place that matches on the engine. Adding an engine
//! is a file and an arm in each `match` here.

use crate::engine::{Engine, IdleInstances};
use crate::engine_config::WasmEngine;
use crate::error::{Error, GuestTrap, NodeError, Source};
use crate::state_host::evm_host::EvmHost;
use crate::store::SessionData;
use image::FreshMemory;
use std::sync::Arc;

mod image;
mod limiter;
#[cfg(feature = "wasm2c")]
mod wasm2c;
mod wasmi;
mod wasmtime;

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
pub(crate) enum Prepared<H: EvmHost> {
    /// wasmtime, pre-instantiated, with the instances of finished sessions.
    Wasmtime(Arc<wasmtime::Pool<H>>),
    /// wasmi, its linker and module.
    Wasmi(wasmi::Prepared<H>),
    /// The artifact translated by wasm2c and compiled into this crate.
    #[cfg(feature = "wasm2c")]
    Wasm2c,
}

impl<H: EvmHost + 'static> Prepared<H> {
    /// Links the imports for `H` to the artifact compiled by `engine`.
    ///
    /// # Errors
    /// [`NodeError`] when the artifact is not the locked one, or does not compile or link.
    pub(crate) fn new(engine: &Engine) -> Result<Self, NodeError> {
        Ok(match engine.wasm_engine() {
            WasmEngine::Wasmtime => {
                let pool = Arc::new(wasmtime::prepare(
                    engine.wasmtime(),
                    engine.module()?,
                    engine.idle_instances(),
                    engine.idle_memory(),
                    engine.code_window(),
                )?);
                let idle: Arc<dyn IdleInstances> = pool.clone();
                engine.register_idle(Arc::downgrade(&idle));
                Prepared::Wasmtime(pool)
            }
            WasmEngine::Wasmi => {
                let (wasmi, module) = engine.wasmi_module()?;
                Prepared::Wasmi(wasmi::prepare(wasmi, module)?)
            }
            #[cfg(feature = "wasm2c")]
            WasmEngine::Wasm2c => {
                // build.rs translated exactly these bytes; refuse to run if they are not locked.
                crate::artifact::verify(crate::artifact::ARTIFACT)?;
                Prepared::Wasm2c
            }
        })
    }
}

/// A trap from any engine.
#[derive(Debug)]
pub(crate) enum EngineTrap {
    Wasmtime(::wasmtime::Error),
    Wasmi(::wasmi::Error),
    #[cfg(feature = "wasm2c")]
    Wasm2c(wasm2c::Trap),
}

impl EngineTrap {
    /// Whether the guest ran out of native (wasmtime, wasm2c) or interpreter (wasmi)
    /// stack: a limit of this node's configuration.
    pub(crate) fn is_stack_overflow(&self) -> bool {
        match self {
            EngineTrap::Wasmtime(trap) => wasmtime::is_stack_overflow(trap),
            EngineTrap::Wasmi(trap) => wasmi::is_stack_overflow(trap),
            #[cfg(feature = "wasm2c")]
            EngineTrap::Wasm2c(trap) => trap.is_stack_overflow(),
        }
    }

    /// The trap, named alike by every engine.
    pub(crate) fn guest_trap(&self) -> GuestTrap {
        match self {
            EngineTrap::Wasmtime(trap) => wasmtime::guest_trap(trap),
            EngineTrap::Wasmi(trap) => wasmi::guest_trap(trap),
            #[cfg(feature = "wasm2c")]
            EngineTrap::Wasm2c(trap) => trap.guest_trap(),
        }
    }
}

/// What the limiter saw of guest memory, taken when a call traps.
pub(crate) struct MemoryFaults {
    /// `memory.grow` failed below the cap on this machine.
    pub(crate) os_failure: Option<Source>,
    /// The guest asked for memory past the protocol's cap.
    pub(crate) cap_reached: bool,
}

/// One instance of the guest. Its variants differ in size, but a session holds exactly one
/// for its life; boxing wasmtime's would add a pointer chase to every call into the guest.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Instance<H: EvmHost> {
    Wasmtime(wasmtime::WasmtimeInstance<H>),
    Wasmi(wasmi::WasmiInstance<H>),
    #[cfg(feature = "wasm2c")]
    Wasm2c(wasm2c::Wasm2cInstance<H>),
}

impl<H: EvmHost + 'static> Instance<H> {
    /// Instantiates the guest over `data`, with fuel to count instructions when `count`.
    ///
    /// # Errors
    /// The session data back, with [`NodeError::PoolExhausted`] when wasmtime's pool has no
    /// free slot (of `max_sessions`) or [`NodeError::Engine`] when instantiation fails
    /// otherwise.
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(
        engine: &Engine,
        prepared: &Prepared<H>,
        data: SessionData<H>,
    ) -> Result<Self, (SessionData<H>, Error)> {
        let (count, max_sessions) = (engine.counts_instructions(), engine.max_sessions());
        let instance = match prepared {
            Prepared::Wasmtime(pool) => {
                wasmtime::WasmtimeInstance::new(engine, pool, data, count, max_sessions).map(Instance::Wasmtime)
            }
            Prepared::Wasmi(prepared) => wasmi::WasmiInstance::new(prepared, data, count).map(Instance::Wasmi),
            #[cfg(feature = "wasm2c")]
            Prepared::Wasm2c => wasm2c::Wasm2cInstance::new(data).map(Instance::Wasm2c),
        };
        instance.map_err(|(data, error)| (data, error.into()))
    }

    /// Calls `export` with `arg`.
    pub(crate) fn call(&mut self, export: Export, arg: i32) -> Result<i64, EngineTrap> {
        match self {
            Instance::Wasmtime(instance) => match export {
                Export::InputBuffer => instance.input_buffer(arg),
                Export::Start => instance.enter(0, arg),
                Export::Resume => instance.enter(1, arg),
                Export::Units => instance.units(),
            }
            .map_err(EngineTrap::Wasmtime),
            Instance::Wasmi(instance) => match export {
                Export::InputBuffer => instance.input_buffer(arg),
                Export::Start => instance.enter(0, arg),
                Export::Resume => instance.enter(1, arg),
                Export::Units => instance.units(),
            }
            .map_err(EngineTrap::Wasmi),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance
                .call(
                    match export {
                        Export::InputBuffer => 0,
                        Export::Start => 1,
                        Export::Resume => 2,
                        Export::Units => 3,
                    },
                    arg,
                )
                .map_err(EngineTrap::Wasm2c),
        }
    }
}

impl<H: EvmHost> Instance<H> {
    pub(crate) fn data(&self) -> &SessionData<H> {
        match self {
            Instance::Wasmtime(instance) => instance.data(),
            Instance::Wasmi(instance) => instance.data(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.data(),
        }
    }

    pub(crate) fn data_mut(&mut self) -> &mut SessionData<H> {
        match self {
            Instance::Wasmtime(instance) => instance.data_mut(),
            Instance::Wasmi(instance) => instance.data_mut(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.data_mut(),
        }
    }

    pub(crate) fn into_data(self) -> SessionData<H> {
        match self {
            Instance::Wasmtime(instance) => instance.into_data(),
            Instance::Wasmi(instance) => instance.into_data(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.into_data(),
        }
    }

    /// Guest memory.
    pub(crate) fn memory(&self) -> &[u8] {
        match self {
            Instance::Wasmtime(instance) => instance.memory(),
            Instance::Wasmi(instance) => instance.memory(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.memory(),
        }
    }

    /// Bytes of guest memory the session has grown to, by the guest's own count of grown
    /// pages on every engine: on an instance an earlier session grew, only the pages this
    /// one grew count, as on a fresh one.
    pub(crate) fn session_memory_len(&self) -> usize {
        let memory = self.memory();
        FreshMemory::of_artifact().map_or(memory.len(), |fresh| fresh.session_len(memory))
    }

    /// Guest memory, writable.
    pub(crate) fn memory_mut(&mut self) -> &mut [u8] {
        match self {
            Instance::Wasmtime(instance) => instance.memory_mut(),
            Instance::Wasmi(instance) => instance.memory_mut(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.memory_mut(),
        }
    }

    /// Fuel left, when the engine counts instructions.
    pub(crate) fn fuel_left(&self) -> Option<u64> {
        match self {
            Instance::Wasmtime(instance) => instance.fuel_left(),
            Instance::Wasmi(instance) => instance.fuel_left(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(_) => None,
        }
    }

    /// What the limiter recorded of guest memory since the last call: the OS failure is
    /// taken, the cap stays reached.
    pub(crate) fn memory_faults(&mut self) -> MemoryFaults {
        let limiter = match self {
            Instance::Wasmtime(instance) => instance.limiter(),
            Instance::Wasmi(instance) => instance.limiter(),
            #[cfg(feature = "wasm2c")]
            Instance::Wasm2c(instance) => instance.limiter(),
        };
        MemoryFaults { os_failure: limiter.os_failure.take(), cap_reached: limiter.reached }
    }
}
