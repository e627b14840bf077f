use crate::engine_config::ConfigError;
use evmpc_abi::BoundaryError;
use std::path::PathBuf;
use std::sync::Arc;

/// An error of another library kept as the source of one of ours. Shared, so that a
/// failure cached once (compiling the artifact) reaches every caller whole.
pub type Source = Arc<dyn std::error::Error + Send + Sync>;

/// Anything that stops a frame from producing an [`Action`](crate::Action).
///
/// EVM failures (revert, out of gas, invalid opcode...) are not errors: they are
/// [`Status`](crate::Status) codes in the frame's result. An `Error` means the frame did
/// not run to an EVM outcome; its state changes are undone either way.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The frame's fault: deterministic on every node, a valid outcome to record.
    #[error(transparent)]
    Frame(#[from] FrameError),
    /// The node's fault: storage failed, the engine failed, the artifact is wrong. Not an
    /// outcome; the node must not record it.
    #[error(transparent)]
    Node(#[from] NodeError),
}

impl Error {
    /// The frame error, if the frame was at fault.
    pub fn as_frame(&self) -> Option<&FrameError> {
        match self {
            Error::Frame(error) => Some(error),
            Error::Node(_) => None,
        }
    }
}

/// A deterministic failure caused by the frame or by its input.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
pub enum FrameError {
    /// The guest refused the input at the boundary.
    #[error("frame refused at the boundary: {0:?}")]
    Boundary(BoundaryError),
    /// The guest needed more linear memory than the protocol's cap.
    #[error("guest memory cap of {cap} bytes reached")]
    MemoryCap {
        /// The cap in bytes.
        cap: usize,
    },
    /// The guest trapped.
    #[error("guest trapped: {0}")]
    Trap(#[from] GuestTrap),
    /// The guest returned bytes that do not decode as an action.
    #[error("guest returned a malformed action")]
    MalformedAction,
    /// The session can no longer be used: an earlier call failed.
    #[error("session is poisoned by an earlier failure")]
    Poisoned,
}

/// Why the guest trapped, named alike by every engine.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum GuestTrap {
    /// An `unreachable` instruction: the guest's panic.
    #[error("unreachable instruction executed")]
    Unreachable,
    /// A load or store outside guest memory.
    #[error("out-of-bounds memory access")]
    MemoryOutOfBounds,
    /// An integer division or remainder by zero.
    #[error("integer division by zero")]
    DivisionByZero,
    /// A signed division overflowed.
    #[error("integer overflow")]
    IntegerOverflow,
    /// A float-to-integer conversion out of range.
    #[error("invalid conversion to integer")]
    BadConversion,
    /// An indirect call outside the table, to a null entry, or of the wrong signature.
    #[error("indirect call failed")]
    IndirectCall,
    /// An import refused its arguments.
    #[error("an import refused its arguments: {0}")]
    Import(#[from] ImportRefusal),
    /// The guest's input buffer lies outside its memory.
    #[error("the guest's input buffer lies outside its memory")]
    InputBuffer,
    /// A trap the engine gave no code for.
    #[error("a trap without a code")]
    Other,
}

/// Why an import refused the guest's arguments: a guest bug, the same on every node.
#[derive(Clone, Copy, Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum ImportRefusal {
    /// A pointer or length outside guest memory.
    #[error("argument out of guest memory bounds")]
    OutOfBounds,
    /// Two output ranges overlap.
    #[error("arguments overlap in guest memory")]
    Overlap,
    /// `call_exit` with no inline call open.
    #[error("call_exit with no call open")]
    NoCallOpen,
    /// An import the ABI table does not have (only the wasm2c engine can see one).
    #[error("an import outside the ABI table")]
    Unknown,
}

/// A failure of the node, not of the frame.
#[derive(Clone, Debug, thiserror::Error)]
pub enum NodeError {
    /// The embedded or given artifact is not the one the lock pins.
    #[error("artifact sha256 {actual} differs from the locked {expected}")]
    ArtifactMismatch {
        /// sha256 in the lock.
        expected: String,
        /// sha256 of the bytes.
        actual: String,
    },
    /// An [`EvmHost`](crate::EvmHost) method failed.
    #[error("EvmHost failed in `{import}`: {source}")]
    Host {
        /// The import being served.
        import: &'static str,
        /// What the host reported.
        source: Source,
    },
    /// Invalid [`EngineConfig`](crate::EngineConfig).
    #[error("invalid engine config: {0}")]
    Config(#[from] ConfigError),
    /// The node's revm context names a fork the precompile does not execute.
    #[error("fork {0:?} is not executed by the precompile")]
    UnsupportedFork(revm::primitives::hardfork::SpecId),
    /// The guest overflowed this node's native stack (`max_wasm_stack`): a limit that
    /// differs by configuration, compiler and CPU, so never the frame's outcome.
    #[error("the guest overflowed the native stack of {max_wasm_stack} bytes")]
    StackOverflow {
        /// The configured native stack for Wasm, in bytes.
        max_wasm_stack: usize,
    },
    /// The operating system refused guest memory below the protocol's cap.
    #[error("guest memory could not grow on this machine: {0}")]
    GuestMemory(#[source] Source),
    /// Every pool slot is in use ([`EngineConfig::max_sessions`](crate::EngineConfig::max_sessions)
    /// sessions are alive): try again when one ends. Nothing ran.
    #[error("every one of the {max_sessions} session slots is in use")]
    PoolExhausted {
        /// The pool's slots.
        max_sessions: u32,
    },
    /// The Wasm engine failed to set up, compile, link, instantiate or call the artifact.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// The on-disk cache could not be written.
    #[error("compiled-module cache at {}: {source}", path.display())]
    Cache {
        /// The cache file.
        path: PathBuf,
        /// What went wrong.
        source: Source,
    },
}

/// A failure of the Wasm engine, with the step it failed in.
#[derive(Clone, Debug, thiserror::Error)]
#[error("wasm engine failed to {step}: {source}")]
pub struct EngineError {
    /// What the engine was doing.
    pub step: EngineStep,
    /// The engine's own error.
    pub source: Source,
}

impl EngineError {
    /// `source` of a failure in `step`.
    pub fn new(step: EngineStep, source: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> EngineError {
        EngineError { step, source: Arc::from(source.into()) }
    }
}

/// A step of running the artifact on a Wasm engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EngineStep {
    /// Building the engine from its configuration.
    #[error("accept the configuration")]
    Configure,
    /// Compiling the artifact.
    #[error("compile the artifact")]
    Compile,
    /// Defining the imports.
    #[error("link the imports")]
    Link,
    /// Instantiating the artifact.
    #[error("instantiate the artifact")]
    Instantiate,
    /// Finding the artifact's exports.
    #[error("find the artifact's exports")]
    Exports,
}
