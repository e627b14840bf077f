//! keccak256, computed by the node.
//!
//! Hashing is the costliest work per gas in the EVM (EIP-7904 measures KECCAK256 among
//! the slowest opcodes on every client), and a Wasm build of keccak runs at less than half
//! native speed. KECCAK256 and the CREATE2 address therefore hash through the `keccak256`
//! import, at the node's native speed.

use crate::imports::{self, ptr_mut};
use revm_interpreter::primitives::B256;

/// keccak256 of `bytes`.
pub(crate) fn keccak256(bytes: &[u8]) -> B256 {
    let mut out = B256::ZERO;
    // SAFETY: `bytes` is readable and `out` is 32 writable bytes of guest memory.
    unsafe { imports::keccak256(bytes.as_ptr() as usize as i32, bytes.len() as i32, ptr_mut(&mut out.0)) };
    out
}
