//! The Wasm engine configured for determinism, with the artifact compiled once (and cached
//! on disk if asked). Instances and imports are `backend`'s.

use crate::artifact;
use crate::engine_config::{EngineConfig, WasmEngine};
use crate::error::{EngineError, EngineStep, Error, NodeError};
use crate::fees::FeeSchedule;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, Weak};
use wasmtime::{InstanceAllocationStrategy, Module, OptLevel, PoolingAllocationConfig, Strategy};

/// The Wasm engine configured for determinism, with the precompile compiled once.
///
/// Cheap to clone; immutable after [`Engine::new`]. The artifact is compiled on first use
/// (or loaded from the cache directory) and shared by every clone.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    engine: wasmtime::Engine,
    config: EngineConfig,
    module: OnceLock<Result<Module, NodeError>>,
    /// The interpreter, when [`EngineConfig::wasm_engine`] chooses it.
    wasmi: Option<wasmi::Engine>,
    wasmi_module: OnceLock<Result<wasmi::Module, NodeError>>,
    /// Every precompile's idle instances, emptied when the pool is full.
    idle: Mutex<Vec<Weak<dyn IdleInstances>>>,
}

/// Instances of finished sessions a precompile keeps: they hold pool slots, which a new
/// session may need.
pub(crate) trait IdleInstances: Send + Sync {
    /// Drops every idle instance, freeing its pool slot.
    fn drop_idle(&self);
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("config", &self.inner.config).finish_non_exhaustive()
    }
}

/// The deterministic wasmtime configuration the spec prescribes (wasmtime also hosts the
/// node link's contracts, so it is built whatever engine runs the artifact).
fn wasmtime_config(config: &EngineConfig) -> wasmtime::Config {
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
            .max_memory_size(config.memory_cap() + config.code_window)
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
fn wasmi_config(config: &EngineConfig) -> wasmi::Config {
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
    pub fn new(config: &EngineConfig) -> Result<Engine, Error> {
        Ok(Engine::build(config)?)
    }

    /// [`Engine::new`]: only the node can fail here, no frame runs.
    fn build(config: &EngineConfig) -> Result<Engine, NodeError> {
        config.validate()?;
        let engine =
            wasmtime::Engine::new(&wasmtime_config(config)).map_err(|e| EngineError::new(EngineStep::Configure, e))?;
        let wasmi = (config.wasm_engine == WasmEngine::Wasmi).then(|| wasmi::Engine::new(&wasmi_config(config)));
        Ok(Engine {
            inner: Arc::new(Inner {
                engine,
                config: config.clone(),
                module: OnceLock::new(),
                wasmi,
                wasmi_module: OnceLock::new(),
                idle: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The process-wide engine with default settings, built on first use.
    ///
    /// # Errors
    /// As [`Engine::new`].
    pub fn shared() -> Result<Engine, Error> {
        static SHARED: OnceLock<Result<Engine, NodeError>> = OnceLock::new();
        SHARED.get_or_init(|| Engine::build(&EngineConfig::default())).clone().map_err(Error::Node)
    }

    /// The wasmtime engine.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner.engine
    }

    /// The Wasm engine that runs the artifact ([`EngineConfig::wasm_engine`]).
    pub fn wasm_engine(&self) -> WasmEngine {
        self.inner.config.wasm_engine
    }

    /// The interpreter and the artifact compiled for it, on first call.
    ///
    /// # Errors
    /// [`NodeError::ArtifactMismatch`] if the embedded bytes are not the locked ones;
    /// [`NodeError::Engine`] if the engine does not run wasmi or compilation fails.
    pub(crate) fn wasmi_module(&self) -> Result<(&wasmi::Engine, &wasmi::Module), NodeError> {
        let engine = self
            .inner
            .wasmi
            .as_ref()
            .ok_or_else(|| EngineError::new(EngineStep::Configure, "the engine was not configured for wasmi"))?;
        let module = self.inner.wasmi_module.get_or_init(|| {
            artifact::verify(artifact::ARTIFACT)?;
            wasmi::Module::new(engine, artifact::ARTIFACT).map_err(|e| EngineError::new(EngineStep::Compile, e).into())
        });
        Ok((engine, module.as_ref().map_err(Clone::clone)?))
    }

    /// Instances of finished sessions a precompile keeps ([`EngineConfig::idle_instances`]).
    pub(crate) fn idle_instances(&self) -> u32 {
        self.inner.config.idle_instances
    }

    /// Grown memory those instances may hold in all ([`EngineConfig::idle_memory`]).
    pub(crate) fn idle_memory(&self) -> usize {
        self.inner.config.idle_memory
    }

    /// Analysed code each idle instance keeps past the guest's cap
    /// ([`EngineConfig::code_window`]).
    pub(crate) fn code_window(&self) -> usize {
        self.inner.config.code_window
    }

    /// Registers a precompile's idle instances, to be dropped when the pool is full.
    pub(crate) fn register_idle(&self, idle: Weak<dyn IdleInstances>) {
        let mut all = self.inner.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        all.retain(|registered| registered.strong_count() > 0);
        all.push(idle);
    }

    /// Drops the idle instances of every precompile of this engine.
    pub(crate) fn drop_idle(&self) {
        let all: Vec<_> = self
            .inner
            .idle
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
            .filter_map(Weak::upgrade)
            .collect();
        for idle in all {
            idle.drop_idle();
        }
    }

    /// Whether sessions count guest instructions ([`EngineConfig::count_instructions`]).
    pub fn counts_instructions(&self) -> bool {
        self.inner.config.count_instructions
    }

    /// The fee schedule sessions price their usage with ([`EngineConfig::fee_schedule`]).
    pub fn fee_schedule(&self) -> FeeSchedule {
        self.inner.config.fee_schedule
    }

    /// The native stack the guest may use, in bytes ([`EngineConfig::max_wasm_stack`]).
    pub fn max_wasm_stack(&self) -> usize {
        self.inner.config.max_wasm_stack
    }

    /// The compiled artifact: compiled on first call (or read from the cache) and kept.
    ///
    /// # The on-disk cache
    /// With [`EngineConfig::cache_dir`], the compiled module is written there once and loaded
    /// by later processes. Loading it runs its bytes as native code: wasmtime checks that
    /// they were compiled for this engine configuration and wasmtime version, not that
    /// they are what this artifact compiles to. The directory must therefore be writable
    /// only by the node itself, like its binary. Each writer writes a file of its own
    /// (process id and a counter in the name) and renames it into place, so concurrent
    /// writers never mix their bytes and readers see a whole file or none.
    ///
    /// # Errors
    /// [`NodeError::ArtifactMismatch`] if the embedded bytes are not the locked ones;
    /// [`NodeError::Engine`] if compilation fails; [`NodeError::Cache`] if the compiled
    /// module cannot be written to the cache.
    pub fn module(&self) -> Result<&Module, NodeError> {
        self.inner.module.get_or_init(|| self.load_module()).as_ref().map_err(Clone::clone)
    }

    /// How many sessions may be alive at once ([`EngineConfig::max_sessions`]).
    pub fn max_sessions(&self) -> u32 {
        self.inner.config.max_sessions
    }

    fn load_module(&self) -> Result<Module, NodeError> {
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
        let cache_error = |source: Box<dyn std::error::Error + Send + Sync>| NodeError::Cache {
            path: path.clone(),
            source: Arc::from(source),
        };
        let bytes = module.serialize().map_err(|e| cache_error(e.into()))?;
        std::fs::create_dir_all(dir).map_err(|e| cache_error(e.into()))?;
        let partial = path.with_extension(unique_suffix());
        std::fs::write(&partial, bytes).map_err(|e| cache_error(e.into()))?;
        std::fs::rename(&partial, &path).map_err(|e| cache_error(e.into()))?;
        Ok(module)
    }

    fn compile(&self) -> Result<Module, NodeError> {
        Module::new(&self.inner.engine, artifact::ARTIFACT).map_err(|e| EngineError::new(EngineStep::Compile, e).into())
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
