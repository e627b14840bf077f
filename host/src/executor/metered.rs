//! What a transaction's session cost: its usage, fee, time and memory.

use crate::fees::{FeeOverflow, Picos, Usage};
use std::time::Duration;

/// What a transaction's session cost.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metered {
    /// What the session did that its fee depends on.
    pub usage: Usage,
    /// Its fee under the engine's schedule (`Err` when it overflows).
    pub fee: Result<Picos, FeeOverflow>,
    /// Time inside the precompile: instantiation, every frame start and resume with the
    /// imports they made, and the reset of its memory at the end.
    pub time: Duration,
    /// Wasm instructions the guest ran, when the engine counts them.
    pub instructions: Option<u64>,
    /// Bytes of guest memory the session grew to ([`Session::memory_size`](crate::Session::memory_size)).
    pub memory: usize,
}

impl Default for Metered {
    /// A session that never started: nothing used, nothing charged.
    fn default() -> Self {
        Metered { usage: Usage::default(), fee: Ok(0), time: Duration::ZERO, instructions: None, memory: 0 }
    }
}
