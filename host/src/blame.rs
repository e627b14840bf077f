//! Who is to blame when the guest traps: the node (its storage, its OS, its native stack)
//! or the frame (the protocol's memory cap, a guest trap), which every node sees alike.

use crate::backend::{EngineTrap, MemoryFaults};
use crate::error::{Error, FrameError, GuestTrap, NodeError, Source};
use evmpc_abi::limits::MAX_GUEST_MEMORY;

/// What the session saw of a trap's cause besides the trap itself.
pub(crate) struct TrapCause {
    /// An `EvmHost` import failed.
    pub(crate) host: Option<NodeError>,
    /// `memory.grow` failed below the cap on this machine.
    pub(crate) os_memory: Option<Source>,
    /// The guest asked for memory past the protocol's cap.
    pub(crate) memory_cap: bool,
}

impl TrapCause {
    /// The cause from a host failure and what the limiter saw.
    pub(crate) fn new(host: Option<NodeError>, memory: MemoryFaults) -> TrapCause {
        TrapCause { host, os_memory: memory.os_failure, memory_cap: memory.cap_reached }
    }

    /// Who is to blame for `trap`: the node (its storage, its OS, its native stack), or
    /// the frame (the protocol's memory cap, a guest trap), which every node sees alike.
    pub(crate) fn blame(self, trap: &EngineTrap, max_wasm_stack: usize) -> Error {
        self.blame_by(trap.is_stack_overflow(), || trap.guest_trap(), max_wasm_stack)
    }

    fn blame_by(self, stack_overflow: bool, guest_trap: impl FnOnce() -> GuestTrap, max_wasm_stack: usize) -> Error {
        if let Some(failure) = self.host {
            return failure.into();
        }
        if let Some(source) = self.os_memory {
            return NodeError::GuestMemory(source).into();
        }
        if self.memory_cap {
            return FrameError::MemoryCap { cap: MAX_GUEST_MEMORY }.into();
        }
        if stack_overflow {
            // The native stack depends on this node's configuration and compiler.
            return NodeError::StackOverflow { max_wasm_stack }.into();
        }
        FrameError::Trap(guest_trap()).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn cause() -> TrapCause {
        TrapCause { host: None, os_memory: None, memory_cap: false }
    }

    fn unreachable() -> GuestTrap {
        GuestTrap::Unreachable
    }

    #[test]
    fn node_dependent_failures_are_node_errors() {
        assert!(matches!(cause().blame_by(true, unreachable, 65_536), Error::Node(NodeError::StackOverflow { .. })));
        let refused: Source = Arc::from(Box::<dyn std::error::Error + Send + Sync>::from("mmap failed"));
        let os = TrapCause { os_memory: Some(refused), ..cause() };
        assert!(matches!(os.blame_by(true, unreachable, 65_536), Error::Node(NodeError::GuestMemory(_))));
    }

    #[test]
    fn failures_every_node_sees_alike_are_the_frames() {
        assert!(matches!(
            cause().blame_by(false, unreachable, 65_536),
            Error::Frame(FrameError::Trap(GuestTrap::Unreachable))
        ));
        let cap = TrapCause { memory_cap: true, ..cause() };
        assert!(matches!(cap.blame_by(false, unreachable, 65_536), Error::Frame(FrameError::MemoryCap { .. })));
    }
}
