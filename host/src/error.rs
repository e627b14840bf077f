use evmpc_abi::BoundaryError;

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
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
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
    Trap(String),
    /// The guest returned bytes that do not decode as an action.
    #[error("guest returned a malformed action")]
    MalformedAction,
    /// The session can no longer be used: an earlier call failed.
    #[error("session is poisoned by an earlier failure")]
    Poisoned,
}

/// A failure of the node, not of the frame.
#[derive(Debug, thiserror::Error)]
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
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Invalid [`HostConfig`](crate::HostConfig).
    #[error("invalid host config: {0}")]
    Config(String),
    /// The guest overflowed this node's native stack (`max_wasm_stack`): a limit that
    /// differs by configuration, compiler and CPU, so never the frame's outcome.
    #[error("the guest overflowed the native stack of {max_wasm_stack} bytes")]
    StackOverflow {
        /// The configured native stack for Wasm, in bytes.
        max_wasm_stack: usize,
    },
    /// The operating system refused guest memory below the protocol's cap.
    #[error("guest memory could not grow on this machine: {0}")]
    GuestMemory(String),
    /// Every pool slot is in use ([`HostConfig::max_sessions`](crate::HostConfig::max_sessions)
    /// sessions are alive): try again when one ends. Nothing ran.
    #[error("every session slot is in use: {0}")]
    PoolExhausted(String),
    /// wasmtime failed to compile, instantiate or call.
    #[error("wasm engine: {0}")]
    Engine(String),
    /// The on-disk cache could not be read or written.
    #[error("compiled-module cache at {path}: {message}")]
    Cache {
        /// The cache file.
        path: String,
        /// What went wrong.
        message: String,
    },
}
