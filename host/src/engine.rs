use crate::artifact;
use crate::config::{HostConfig, WasmEngine};
use crate::error::{Error, NodeError};
use crate::evm_host::EvmHost;
use crate::session::{Linked, Session};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use wasmtime::{InstanceAllocationStrategy, Linker, Module, OptLevel, PoolingAllocationConfig, Strategy};

/// A wasmtime engine configured for determinism, with the precompile compiled once.
///
/// Cheap to clone; immutable after [`Engine::new`]. The artifact is compiled on first use
/// (or loaded from the cache directory) and shared by every clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    engine: wasmtime::Engine,
    config: HostConfig,
    module: OnceLock<Result<Module, String>>,
    /// The interpreter, when [`HostConfig::wasm_engine`] chooses it.
    wasmi: Option<wasmi::Engine>,
    wasmi_module: OnceLock<Result<wasmi::Module, String>>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// The deterministic wasmtime configuration the spec prescribes.
fn wasmtime_config(config: &HostConfig) -> wasmtime::Config {
    let mut wasm = wasmtime::Config::new();
    wasm.strategy(Strategy::Cranelift)
        .cranelift_opt_level(OptLevel::Speed)
        .cranelift_nan_canonicalization(true)
        .consume_fuel(config.count_instructions)
        .epoch_interruption(false)
        .max_wasm_stack(config.max_wasm_stack)
        // The artifact is Wasm MVP with mutable globals, bulk memory (memory.copy/fill for
        // EVM memory, call data and return data) and wide arithmetic (128-bit multiply and
        // add, the core of U256 arithmetic); everything else stays off so a module that
        // needs more fails validation instead of running differently.
        .wasm_simd(false)
        .wasm_relaxed_simd(false)
        .wasm_bulk_memory(true)
        .wasm_multi_value(false)
        .wasm_multi_memory(false)
        .wasm_tail_call(false)
        .wasm_extended_const(false)
        .wasm_wide_arithmetic(true)
        .wasm_custom_page_sizes(false)
        .parallel_compilation(true);
    if config.pooling && config.wasm_engine == WasmEngine::Wasmtime {
        let slots = config.max_sessions;
        let mut pool = PoolingAllocationConfig::default();
        pool.total_core_instances(slots)
            .total_memories(slots)
            .total_tables(slots)
            .max_memories_per_module(1)
            .max_tables_per_module(1)
            .max_memory_size(config.memory_cap())
            // Memory a session used stays resident and is reset by memset instead of being
            // mapped again a fault at a time by the next session: a reset covers only the
            // memory of the session that ends (its accessible size), so a small one (the
            // 128 KiB initial memory) stays cheap. PAGEMAP_SCAN stays off: it finds the pages
            // a reset wrote as dirty again, so it hands them back to the OS instead.
            .linear_memory_keep_resident(config.keep_resident)
            .pagemap_scan(wasmtime::Enabled::No)
            .table_keep_resident(1 << 16);
        wasm.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    }
    wasm.memory_init_cow(true);
    if config.perf_map {
        wasm.profiler(wasmtime::ProfilingStrategy::PerfMap);
    }
    wasm
}

/// The same deterministic feature set for wasmi (built without SIMD or memory64), and no floating point
/// at all: a module with a float instruction fails validation.
fn wasmi_config(config: &HostConfig) -> wasmi::Config {
    let mut wasm = wasmi::Config::default();
    wasm.wasm_bulk_memory(true)
        .wasm_wide_arithmetic(true)
        .wasm_multi_value(false)
        .wasm_multi_memory(false)
        .wasm_tail_call(false)
        .wasm_extended_const(false)
        .wasm_custom_page_sizes(false)
        .floats(false)
        .consume_fuel(config.count_instructions);
    wasm
}

impl Engine {
    /// Builds an engine from `config`.
    ///
    /// # Errors
    /// [`NodeError::Config`] for invalid settings, [`NodeError::Engine`] when wasmtime
    /// refuses the configuration on this machine.
    pub fn new(config: &HostConfig) -> Result<Engine, Error> {
        config.validate().map_err(NodeError::Config)?;
        let engine = wasmtime::Engine::new(&wasmtime_config(config)).map_err(|e| NodeError::Engine(e.to_string()))?;
        let wasmi = (config.wasm_engine == WasmEngine::Wasmi).then(|| wasmi::Engine::new(&wasmi_config(config)));
        Ok(Engine {
            inner: Arc::new(Inner {
                engine,
                config: config.clone(),
                module: OnceLock::new(),
                wasmi,
                wasmi_module: OnceLock::new(),
            }),
        })
    }

    /// The process-wide engine with default settings, built on first use.
    ///
    /// # Errors
    /// As [`Engine::new`].
    pub fn shared() -> Result<Engine, Error> {
        static SHARED: OnceLock<Result<Engine, String>> = OnceLock::new();
        SHARED
            .get_or_init(|| Engine::new(&HostConfig::default()).map_err(|e| e.to_string()))
            .clone()
            .map_err(|message| NodeError::Engine(message).into())
    }

    /// The wasmtime engine.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner.engine
    }

    /// The Wasm engine that runs the artifact ([`HostConfig::wasm_engine`]).
    pub fn wasm_engine(&self) -> WasmEngine {
        self.inner.config.wasm_engine
    }

    /// The artifact compiled for wasmi, on first call.
    fn wasmi_module(&self, engine: &wasmi::Engine) -> Result<wasmi::Module, Error> {
        let module = self.inner.wasmi_module.get_or_init(|| {
            artifact::verify(artifact::ARTIFACT).map_err(|e| e.to_string())?;
            wasmi::Module::new(engine, artifact::ARTIFACT).map_err(|e| e.to_string())
        });
        module.clone().map_err(|message| NodeError::Engine(message).into())
    }

    /// Whether sessions count guest instructions ([`HostConfig::count_instructions`]).
    pub fn counts_instructions(&self) -> bool {
        self.inner.config.count_instructions
    }

    /// The fee schedule sessions price their usage with ([`HostConfig::fee_schedule`]).
    pub fn fee_schedule(&self) -> crate::fees::FeeSchedule {
        self.inner.config.fee_schedule
    }

    /// The native stack the guest may use, in bytes ([`HostConfig::max_wasm_stack`]).
    pub fn max_wasm_stack(&self) -> usize {
        self.inner.config.max_wasm_stack
    }

    /// The compiled artifact: compiled on first call (or read from the cache) and kept.
    ///
    /// # The on-disk cache
    /// With [`HostConfig::cache_dir`], the compiled module is written there once and loaded
    /// by later processes. Loading it runs its bytes as native code: wasmtime checks that
    /// they were compiled for this engine configuration and wasmtime version, not that
    /// they are what this artifact compiles to. The directory must therefore be writable
    /// only by the node itself, like its binary. Each writer writes a file of its own
    /// (process id and a counter in the name) and renames it into place, so concurrent
    /// writers never mix their bytes and readers see a whole file or none.
    ///
    /// # Errors
    /// [`NodeError::ArtifactMismatch`] if the embedded bytes are not the locked ones;
    /// [`NodeError::Engine`] if compilation fails.
    pub fn module(&self) -> Result<&Module, Error> {
        let module = self.inner.module.get_or_init(|| self.load_module().map_err(|e| e.to_string()));
        module.as_ref().map_err(|message| NodeError::Engine(message.clone()).into())
    }

    fn load_module(&self) -> Result<Module, Error> {
        artifact::verify(artifact::ARTIFACT)?;
        let Some(dir) = &self.inner.config.cache_dir else {
            return self.compile();
        };
        let path = self.cache_path(dir);
        if path.exists() {
            // SAFETY: the file is one this function wrote for this engine configuration;
            // wasmtime checks the engine compatibility header and fails on a mismatch.
            if let Ok(module) = unsafe { Module::deserialize_file(&self.inner.engine, &path) } {
                return Ok(module);
            }
        }
        let module = self.compile()?;
        let cache_error =
            |e: &dyn std::fmt::Display| NodeError::Cache { path: path.display().to_string(), message: e.to_string() };
        let bytes = module.serialize().map_err(|e| cache_error(&e))?;
        std::fs::create_dir_all(dir).map_err(|e| cache_error(&e))?;
        let partial = path.with_extension(unique_suffix());
        std::fs::write(&partial, bytes).map_err(|e| cache_error(&e))?;
        std::fs::rename(&partial, &path).map_err(|e| cache_error(&e))?;
        Ok(module)
    }

    fn compile(&self) -> Result<Module, Error> {
        Module::new(&self.inner.engine, artifact::ARTIFACT).map_err(|e| NodeError::Engine(e.to_string()).into())
    }

    /// Cache file for this artifact and engine configuration.
    fn cache_path(&self, dir: &Path) -> PathBuf {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        self.inner.engine.precompile_compatibility_hash().hash(&mut hasher);
        let sha = artifact::locked_sha256();
        dir.join(format!("evmpc-{}-{:016x}.cwasm", &sha[..16.min(sha.len())], hasher.finish()))
    }
}

/// `<pid>-<n>.partial`: a temporary file name no other writer uses.
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static WRITES: AtomicU64 = AtomicU64::new(0);
    format!("{}-{}.partial", std::process::id(), WRITES.fetch_add(1, Ordering::Relaxed))
}

/// The precompile linked to a node's [`EvmHost`] type: imports type-checked once, ready to
/// start sessions.
pub struct Precompile<H: EvmHost> {
    engine: Engine,
    linked: Linked<H>,
}

impl<H: EvmHost + 'static> Precompile<H> {
    /// Links the imports for `H` and pre-instantiates the module.
    ///
    /// # Errors
    /// [`NodeError`] when the artifact does not compile or link.
    pub fn new(engine: &Engine) -> Result<Self, Error> {
        #[cfg(feature = "wasm2c")]
        if engine.wasm_engine() == crate::config::WasmEngine::Wasm2c {
            // build.rs translated exactly these bytes; refuse to run if they are not locked.
            artifact::verify(artifact::ARTIFACT)?;
            return Ok(Precompile { engine: engine.clone(), linked: Linked::Wasm2c });
        }
        let linked = match &engine.inner.wasmi {
            None => {
                let module = engine.module()?;
                let mut linker = Linker::new(engine.wasmtime());
                crate::link::define_imports(&mut linker).map_err(|e| NodeError::Engine(e.to_string()))?;
                Linked::Wasmtime(linker.instantiate_pre(module).map_err(|e| NodeError::Engine(e.to_string()))?)
            }
            Some(wasmi) => {
                let module = engine.wasmi_module(wasmi)?;
                let mut linker = wasmi::Linker::new(wasmi);
                crate::link::define_wasmi_imports(&mut linker).map_err(|e| NodeError::Engine(e.to_string()))?;
                Linked::Wasmi { engine: wasmi.clone(), linker, module }
            }
        };
        Ok(Precompile { engine: engine.clone(), linked })
    }

    /// A new session (one Wasm instance, for one EVM transaction) over `host`.
    ///
    /// # Errors
    /// [`NodeError::PoolExhausted`] when every pool slot is in use; [`NodeError::Engine`] when
    /// instantiation fails otherwise.
    pub fn session(&self, host: H) -> Result<Session<H>, Error> {
        self.try_session(host).map_err(|(_, error)| error)
    }

    /// As [`session`](Precompile::session), but gives the host back when the session
    /// cannot start.
    ///
    /// # Errors
    /// As [`session`](Precompile::session), with the host.
    #[allow(clippy::result_large_err)]
    pub fn try_session(&self, host: H) -> Result<Session<H>, (H, Error)> {
        Session::new(&self.engine, &self.linked, host)
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

#[cfg(test)]
mod tests {
    use super::unique_suffix;

    #[test]
    fn every_cache_writer_gets_its_own_temporary_file() {
        let (first, second) = (unique_suffix(), unique_suffix());
        assert_ne!(first, second);
        assert!(first.starts_with(&std::process::id().to_string()) && first.ends_with(".partial"));
    }
}
