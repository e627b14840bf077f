//! Who is to blame when the guest traps: the node (its storage, its OS, its native stack)
//! or the frame (the protocol's memory cap, a guest trap), which every node sees alike.

use crate::error::{Error, FrameError, NodeError};
use evmpc_abi::limits::MAX_GUEST_MEMORY;
use wasmtime::ResourceLimiter;

/// The store limiter that makes `memory.grow` fail at the spec's cap on every node.
#[derive(Default)]
pub(crate) struct MemoryCap {
    /// The guest asked for more than the cap: deterministic, the same on every node.
    pub(crate) reached: bool,
    /// Growth within the cap failed on this machine (the OS refused the pages): the node's
    /// fault, never the frame's.
    pub(crate) os_failure: Option<String>,
}

/// Tables never grow past this many entries.
const MAX_TABLE_ELEMENTS: usize = 1 << 16;

impl MemoryCap {
    /// Whether guest memory may grow to `desired` bytes; records reaching the cap.
    pub(crate) fn allows(&mut self, desired: usize) -> bool {
        self.reached |= desired > MAX_GUEST_MEMORY;
        desired <= MAX_GUEST_MEMORY
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(self.allows(desired))
    }

    /// Traps at once: a `memory.grow` that fails below the cap must not reach the guest as
    /// an allocation failure it could turn into an outcome.
    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.os_failure = Some(error.to_string());
        Err(error)
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

/// The same limits when wasmi runs the guest. A failed grow makes `memory.grow` return -1;
/// the guest then stops, and the recorded failure blames the node.
impl wasmi::ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        Ok(self.allows(desired))
    }

    fn memory_grow_failed(&mut self, error: &wasmi::errors::MemoryError) -> Result<(), wasmi_core::LimiterError> {
        self.os_failure = Some(error.to_string());
        Ok(())
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> Result<bool, wasmi_core::LimiterError> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        1
    }

    fn memories(&self) -> usize {
        1
    }
}

/// A trap from either engine.
#[derive(Debug)]
pub(crate) enum EngineTrap {
    Wasmtime(wasmtime::Error),
    Wasmi(wasmi::Error),
    #[cfg(feature = "wasm2c")]
    Wasm2c(super::wasm2c::Trap),
}

impl EngineTrap {
    /// Whether the guest ran out of native (wasmtime) or interpreter (wasmi) stack: a limit
    /// of this node's configuration.
    fn is_stack_overflow(&self) -> bool {
        match self {
            EngineTrap::Wasmtime(trap) => {
                matches!(trap.downcast_ref::<wasmtime::Trap>(), Some(wasmtime::Trap::StackOverflow))
            }
            EngineTrap::Wasmi(trap) => trap.as_trap_code() == Some(wasmi::TrapCode::StackOverflow),
            #[cfg(feature = "wasm2c")]
            EngineTrap::Wasm2c(trap) => trap.is_stack_overflow(),
        }
    }

    fn describe(&self) -> String {
        match self {
            EngineTrap::Wasmtime(trap) => match trap.downcast_ref::<wasmtime::Trap>() {
                Some(code) => code.to_string(),
                None => trap.to_string(),
            },
            EngineTrap::Wasmi(trap) => trap.to_string(),
            #[cfg(feature = "wasm2c")]
            EngineTrap::Wasm2c(trap) => trap.describe(),
        }
    }
}

/// What the session saw of a trap's cause besides the trap itself.
pub(crate) struct TrapCause {
    /// An `EvmHost` import failed.
    pub(crate) host: Option<NodeError>,
    /// `memory.grow` failed below the cap on this machine.
    pub(crate) os_memory: Option<String>,
    /// The guest asked for memory past the protocol's cap.
    pub(crate) memory_cap: bool,
}

impl TrapCause {
    /// Who is to blame: the node (its storage, its OS, its native stack), or the frame
    /// (the protocol's memory cap, a guest trap), which every node sees alike.
    pub(crate) fn blame(self, trap: &EngineTrap, max_wasm_stack: usize) -> Error {
        if let Some(failure) = self.host {
            return failure.into();
        }
        if let Some(message) = self.os_memory {
            return NodeError::GuestMemory(message).into();
        }
        if self.memory_cap {
            return FrameError::MemoryCap { cap: MAX_GUEST_MEMORY }.into();
        }
        if trap.is_stack_overflow() {
            // The native stack depends on this node's configuration and compiler.
            return NodeError::StackOverflow { max_wasm_stack }.into();
        }
        FrameError::Trap(trap.describe()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cause() -> TrapCause {
        TrapCause { host: None, os_memory: None, memory_cap: false }
    }

    #[test]
    fn node_dependent_failures_are_node_errors() {
        let overflow = EngineTrap::Wasmtime(wasmtime::Error::from(wasmtime::Trap::StackOverflow));
        let wasmi_overflow = EngineTrap::Wasmi(wasmi::Error::from(wasmi::TrapCode::StackOverflow));
        assert!(matches!(cause().blame(&wasmi_overflow, 65_536), Error::Node(NodeError::StackOverflow { .. })));
        assert!(matches!(cause().blame(&overflow, 65_536), Error::Node(NodeError::StackOverflow { .. })));
        let os = TrapCause { os_memory: Some("mmap failed".into()), ..cause() };
        assert!(matches!(os.blame(&overflow, 65_536), Error::Node(NodeError::GuestMemory(_))));
        let mut limiter = MemoryCap::default();
        let failed = wasmtime::ResourceLimiter::memory_grow_failed(&mut limiter, wasmtime::Error::msg("ENOMEM"));
        assert!(failed.is_err(), "the guest traps at once");
        assert_eq!(limiter.os_failure.as_deref(), Some("ENOMEM"));
    }

    #[test]
    fn failures_every_node_sees_alike_are_the_frames() {
        let unreachable = EngineTrap::Wasmtime(wasmtime::Error::from(wasmtime::Trap::UnreachableCodeReached));
        let wasmi_unreachable = EngineTrap::Wasmi(wasmi::Error::from(wasmi::TrapCode::UnreachableCodeReached));
        assert!(matches!(cause().blame(&wasmi_unreachable, 65_536), Error::Frame(FrameError::Trap(_))));
        assert!(matches!(cause().blame(&unreachable, 65_536), Error::Frame(FrameError::Trap(_))));
        let cap = TrapCause { memory_cap: true, ..cause() };
        assert!(matches!(cap.blame(&unreachable, 65_536), Error::Frame(FrameError::MemoryCap { .. })));
        let mut limiter = MemoryCap::default();
        assert!(!wasmtime::ResourceLimiter::memory_growing(&mut limiter, 0, MAX_GUEST_MEMORY + 1, None).unwrap());
        assert!(!wasmi::ResourceLimiter::memory_growing(&mut limiter, 0, MAX_GUEST_MEMORY + 1, None).unwrap());
        assert!(limiter.reached);
    }
}
