//! The store limiter that makes `memory.grow` fail at the spec's cap on every node, for
//! each engine.

use crate::error::Source;
use evmpc_abi::limits::MAX_GUEST_MEMORY;
use std::sync::Arc;

/// Tables never grow past this many entries.
const MAX_TABLE_ELEMENTS: usize = 1 << 16;

/// What a session's guest asked of memory beyond what it had.
#[derive(Default)]
pub(crate) struct MemoryCap {
    /// The guest asked for more than the cap: deterministic, the same on every node.
    pub(crate) reached: bool,
    /// Growth within the cap failed on this machine (the OS refused the pages): the node's
    /// fault, never the frame's.
    pub(crate) os_failure: Option<Source>,
    /// The node itself is growing memory past the cap, for the codes it keeps there
    /// (`store::code_window`): allowed, and not the guest reaching the cap.
    pub(crate) past_cap: bool,
}

impl MemoryCap {
    /// Whether guest memory may grow to `desired` bytes; records reaching the cap.
    pub(crate) fn allows(&mut self, desired: usize) -> bool {
        if self.past_cap {
            return true;
        }
        self.reached |= desired > MAX_GUEST_MEMORY;
        desired <= MAX_GUEST_MEMORY
    }

    /// Records that the OS refused memory below the cap.
    pub(crate) fn refused(&mut self, error: impl Into<Box<dyn std::error::Error + Send + Sync>>) {
        self.os_failure = Some(Arc::from(error.into()));
    }
}

impl wasmtime::ResourceLimiter for MemoryCap {
    fn memory_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(self.allows(desired))
    }

    /// Traps at once: a `memory.grow` that fails below the cap must not reach the guest as
    /// an allocation failure it could turn into an outcome.
    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.refused(error.to_string());
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
        self.refused(error.to_string());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_past_the_cap_is_refused_and_recorded_by_both_engines() {
        let mut limiter = MemoryCap::default();
        assert!(!wasmtime::ResourceLimiter::memory_growing(&mut limiter, 0, MAX_GUEST_MEMORY + 1, None).unwrap());
        assert!(!wasmi::ResourceLimiter::memory_growing(&mut limiter, 0, MAX_GUEST_MEMORY + 1, None).unwrap());
        assert!(limiter.reached);
        assert!(wasmtime::ResourceLimiter::memory_growing(&mut limiter, 0, MAX_GUEST_MEMORY, None).unwrap());
    }

    #[test]
    fn an_os_refusal_traps_at_once_and_is_kept() {
        let mut limiter = MemoryCap::default();
        let failed = wasmtime::ResourceLimiter::memory_grow_failed(&mut limiter, wasmtime::Error::msg("ENOMEM"));
        assert!(failed.is_err(), "the guest traps at once");
        assert_eq!(limiter.os_failure.map(|e| e.to_string()).as_deref(), Some("ENOMEM"));
    }
}
