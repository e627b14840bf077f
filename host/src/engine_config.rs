use crate::fees::FeeSchedule;
use evmpc_abi::limits::MAX_GUEST_MEMORY;
use std::path::PathBuf;

/// The Wasm engine that runs the artifact.
///
/// All give the same bytes out for the same bytes in: the artifact is the protocol, not the
/// engine (`evmpc statetest --engine wasmi` and `--engine wasm2c` check it on every state
/// test). They differ in speed only: wasmtime compiles the artifact to native code; wasmi
/// interprets it; wasm2c's translation is compiled with the crate by a C compiler.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WasmEngine {
    /// wasmtime with Cranelift, pooled instances (the default).
    #[default]
    Wasmtime,
    /// wasmi, an independent interpreter: a second implementation of the same semantics.
    Wasmi,
    /// The artifact translated to C by WABT's wasm2c and compiled in (feature `wasm2c`): an
    /// engine outside the Rust Wasm runtimes, for differential runs. One call at a time
    /// process-wide (the runtime's trap state is global); bounds checked in code, call depth
    /// counted; a panic in an [`EvmHost`](crate::EvmHost) method aborts the process (it
    /// cannot unwind through C).
    #[cfg(feature = "wasm2c")]
    Wasm2c,
}

/// Settings of an [`Engine`](crate::Engine) (the Wasm engine that runs the artifact), recorded by a builder and checked once by
/// [`Engine::new`](crate::Engine::new).
///
/// What the protocol fixes (the memory cap, Wasm features, NaN canonicalization, no fuel)
/// is not here: every node runs those the same. What is here only changes speed or
/// resource use on this node, never results.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    pub(crate) max_sessions: u32,
    pub(crate) max_wasm_stack: usize,
    pub(crate) cache_dir: Option<PathBuf>,
    pub(crate) pooling: bool,
    pub(crate) keep_resident: usize,
    pub(crate) idle_instances: u32,
    pub(crate) idle_memory: usize,
    pub(crate) code_window: usize,
    pub(crate) perf_map: bool,
    pub(crate) fee_schedule: FeeSchedule,
    pub(crate) count_instructions: bool,
    pub(crate) wasm_engine: WasmEngine,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            max_sessions: 64,
            max_wasm_stack: 1 << 20,
            cache_dir: None,
            pooling: true,
            keep_resident: Self::DEFAULT_KEEP_RESIDENT,
            idle_instances: Self::DEFAULT_IDLE_INSTANCES,
            idle_memory: Self::DEFAULT_IDLE_MEMORY,
            code_window: Self::DEFAULT_CODE_WINDOW,
            perf_map: false,
            fee_schedule: FeeSchedule::REFERENCE,
            count_instructions: false,
            wasm_engine: WasmEngine::Wasmtime,
        }
    }
}

impl EngineConfig {
    /// The default of [`keep_resident`](Self::keep_resident): 2 MiB. Ordinary transactions
    /// fit (the README's table of `keep_resident` has `evmpc load`'s figures), and a node's
    /// memory stays flat:
    /// a slot never holds more, so 64 slots hold at most 128 MiB between sessions. A session
    /// that uses more maps its pages above this again, which its fee covers
    /// ([`Usage::mapped`](crate::Usage::mapped)); a node that runs many such sessions may keep
    /// more.
    pub const DEFAULT_KEEP_RESIDENT: usize = crate::fees::RESIDENT_MEMORY as usize;

    /// The default of [`idle_instances`](Self::idle_instances): 16.
    pub const DEFAULT_IDLE_INSTANCES: u32 = 16;

    /// The default of [`idle_memory`](Self::idle_memory): 64 MiB.
    pub const DEFAULT_IDLE_MEMORY: usize = 64 * 1024 * 1024;

    /// The default of [`code_window`](Self::code_window): 16 MiB, about 600 codes of 24 KiB.
    pub const DEFAULT_CODE_WINDOW: usize = 16 * 1024 * 1024;

    /// The largest [`code_window`](Self::code_window): 512 MiB.
    pub const MAX_CODE_WINDOW: usize = 512 * 1024 * 1024;

    /// The smallest native stack [`max_wasm_stack`](Self::max_wasm_stack) accepts, in bytes.
    /// The guest's deepest paths fit in it (a test runs them there).
    pub const MIN_WASM_STACK: usize = 64 * 1024;

    /// The defaults: 64 concurrent sessions, a 1 MiB native stack, pooling on with 2 MiB
    /// kept resident per slot, no cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many sessions may be alive at once (pool slots). Default 64.
    pub fn max_sessions(&mut self, sessions: u32) -> &mut Self {
        self.max_sessions = sessions;
        self
    }

    /// Native stack the guest may use, in bytes. Default 1 MiB; at least
    /// [`MIN_WASM_STACK`](Self::MIN_WASM_STACK).
    ///
    /// A safety net only: the guest never recurses on input-controlled depth, and its
    /// worst case stays below the minimum. An overflow is this node's fault
    /// ([`NodeError::StackOverflow`](crate::NodeError::StackOverflow)), never an outcome.
    pub fn max_wasm_stack(&mut self, bytes: usize) -> &mut Self {
        self.max_wasm_stack = bytes;
        self
    }

    /// Directory of an on-disk cache of the compiled artifact. Default: none.
    ///
    /// Its files are loaded as native code: the directory must be writable only by the
    /// node (see [`Engine::module`](crate::Engine::module)).
    pub fn cache_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Whether sessions come from a pre-allocated pool with copy-on-write memory images
    /// (fast instantiation). Default on.
    pub fn pooling(&mut self, enable: bool) -> &mut Self {
        self.pooling = enable;
        self
    }

    /// Bytes of each pool slot's guest memory kept resident between sessions. Default
    /// [`DEFAULT_KEEP_RESIDENT`](Self::DEFAULT_KEEP_RESIDENT).
    ///
    /// When a session ends, the memory it used is reset: up to this many bytes by writing
    /// zeros, the rest by returning the pages to the OS, which maps them again one fault at
    /// a time when a later session touches them. A fault costs far more per byte than a
    /// reset (`spec/fees.md` prices both), so memory kept resident makes sessions that use
    /// much memory (deep call stacks, large EVM memory, many distinct
    /// contracts) cheaper, at the price of up to this many resident bytes per slot. A small
    /// session resets only its initial memory either way.
    pub fn keep_resident(&mut self, bytes: usize) -> &mut Self {
        self.keep_resident = bytes;
        self
    }

    /// Instances of finished sessions each [`Precompile`](crate::Precompile) keeps for its
    /// next sessions (wasmtime only). Default
    /// [`DEFAULT_IDLE_INSTANCES`](Self::DEFAULT_IDLE_INSTANCES); 0 instantiates every
    /// session afresh.
    ///
    /// A session whose exports all returned leaves an instance that differs from a fresh
    /// one only in its memory (the artifact is checked for this when it is linked: its only
    /// mutable global is the shadow stack pointer, and no instruction changes a table or a
    /// segment). Rewriting that memory to the artifact's initial memory, and zeroing the
    /// pages the session grew, makes it a fresh instance again, which the next session
    /// takes instead of instantiating and mapping a pool slot; memory that grew stays grown,
    /// but the guest counts only the pages it grows itself (see
    /// [`idle_memory`](Self::idle_memory)). A session that trapped or was left during a call
    /// is never reused. Idle instances hold their pool slots; a session that finds the pool
    /// full has every idle instance of the engine dropped and tries again.
    pub fn idle_instances(&mut self, count: u32) -> &mut Self {
        self.idle_instances = count;
        self
    }

    /// Bytes of grown guest memory (past the initial 128 KiB) the idle instances of each
    /// [`Precompile`](crate::Precompile) may hold in all. Default
    /// [`DEFAULT_IDLE_MEMORY`](Self::DEFAULT_IDLE_MEMORY); 0 keeps only instances whose
    /// memory did not grow.
    ///
    /// An instance whose session grew its memory is kept when that session used all of it
    /// but at most [`RESIDENT_MEMORY`](crate::fees::RESIDENT_MEMORY) (else it is a larger
    /// session's instance, mapped for nothing, and goes back to its pool slot, which keeps
    /// [`keep_resident`](Self::keep_resident) of it) and the idle instances hold no more than
    /// this with it. The next session that grows as much then finds its pages mapped: its
    /// reset zeroes them (about 0.1 µs per 4 KiB page on the reference machine) where the OS
    /// would map each again (about 2.4 µs). Results and fees are the same either way.
    pub fn idle_memory(&mut self, bytes: usize) -> &mut Self {
        self.idle_memory = bytes;
        self
    }

    /// Bytes of analysed code each idle instance keeps for the next sessions, past the guest
    /// memory cap (wasmtime with [`idle_instances`](Self::idle_instances) only). Default
    /// [`DEFAULT_CODE_WINDOW`](Self::DEFAULT_CODE_WINDOW); at most
    /// [`MAX_CODE_WINDOW`](Self::MAX_CODE_WINDOW); 0 keeps none.
    ///
    /// Without it every session copies each code it runs into guest memory, and the reset
    /// zeroes it again. With it, `code_load` writes a code (with its bitmap) once into the
    /// instance's window, by code hash, and later sessions on the instance read it there;
    /// the guest leaves the blocks it took for the code unwritten and the reset skips them.
    /// The window is emptied after a session that found it full; it counts toward
    /// [`idle_memory`](Self::idle_memory). Results and fees are the same either way.
    pub fn code_window(&mut self, bytes: usize) -> &mut Self {
        self.code_window = bytes;
        self
    }

    /// The fee schedule sessions price their usage with. Default
    /// [`FeeSchedule::REFERENCE`], fitted on the reference machine (`spec/fees.md`); a node
    /// measured on other hardware may set its own.
    pub fn fee_schedule(&mut self, schedule: FeeSchedule) -> &mut Self {
        self.fee_schedule = schedule;
        self
    }

    /// Whether sessions count the Wasm instructions the guest runs
    /// ([`Session::instructions`](crate::Session::instructions)), with wasmtime's fuel.
    /// Default off. For measuring (`evmpc estimate`): a deterministic count beside time.
    /// Results are the same either way; it only slows the guest.
    pub fn count_instructions(&mut self, enable: bool) -> &mut Self {
        self.count_instructions = enable;
        self
    }

    /// The Wasm engine that runs the artifact. Default [`WasmEngine::Wasmtime`]. With
    /// [`WasmEngine::Wasmi`], pooling, the native stack and the on-disk cache do not apply.
    pub fn wasm_engine(&mut self, engine: WasmEngine) -> &mut Self {
        self.wasm_engine = engine;
        self
    }

    /// Whether to write `/tmp/perf-<pid>.map` so `perf` can name guest functions. Default off.
    pub fn perf_map(&mut self, enable: bool) -> &mut Self {
        self.perf_map = enable;
        self
    }

    /// Checks the settings.
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        if self.max_sessions == 0 {
            return Err(ConfigError::NoSessions);
        }
        if self.keep_resident > MAX_GUEST_MEMORY {
            return Err(ConfigError::KeepResidentAboveCap { keep_resident: self.keep_resident, cap: MAX_GUEST_MEMORY });
        }
        if self.code_window > Self::MAX_CODE_WINDOW {
            return Err(ConfigError::CodeWindowTooLarge { code_window: self.code_window, max: Self::MAX_CODE_WINDOW });
        }
        if self.max_wasm_stack < Self::MIN_WASM_STACK {
            return Err(ConfigError::StackBelowMinimum {
                max_wasm_stack: self.max_wasm_stack,
                min: Self::MIN_WASM_STACK,
            });
        }
        Ok(())
    }

    /// The guest memory cap every node enforces.
    pub const fn memory_cap(&self) -> usize {
        MAX_GUEST_MEMORY
    }
}

/// A setting of [`EngineConfig`] out of its range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `max_sessions` is 0.
    #[error("max_sessions must be at least 1")]
    NoSessions,
    /// `code_window` is above [`EngineConfig::MAX_CODE_WINDOW`].
    #[error("code_window {code_window} is above {max}")]
    CodeWindowTooLarge {
        /// The window asked for.
        code_window: usize,
        /// The largest allowed.
        max: usize,
    },
    /// `keep_resident` is above the guest memory cap.
    #[error("keep_resident {keep_resident} is above the guest memory cap {cap}")]
    KeepResidentAboveCap {
        /// The setting, in bytes.
        keep_resident: usize,
        /// The protocol's cap, in bytes.
        cap: usize,
    },
    /// `max_wasm_stack` is below [`EngineConfig::MIN_WASM_STACK`].
    #[error("max_wasm_stack {max_wasm_stack} is below {min} bytes")]
    StackBelowMinimum {
        /// The setting, in bytes.
        max_wasm_stack: usize,
        /// The minimum, in bytes.
        min: usize,
    },
}
