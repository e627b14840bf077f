//! The evmpc precompile: one EVM frame at a time, run by revm-interpreter inside Wasm.
//!
//! The host starts a frame with `frame_start`; the frame runs until it returns or needs a
//! sub-call, which suspends it here, in guest memory, until `frame_resume` brings the
//! sub-call's outcome. State is reached only through the imports of
//! [`evmpc_abi::imports`]. There are no floats, no threads and no recursion on input-controlled
//! depth; a panic is a trap.
#![cfg_attr(not(test), no_std)]
// The native unit tests use a part of the guest only.
#![cfg_attr(test, allow(dead_code))]
#![deny(missing_docs)]

extern crate alloc;

/// dlmalloc over the initial heap, then grown pages.
mod allocator;
/// Analysed account code, kept for the session by code hash.
mod code_cache;
/// DIV, SDIV, MOD and SMOD with their units.
mod division;
/// Exported functions: the boundary the host calls.
#[cfg(not(test))]
mod exports;
/// The suspended-frame stack: nested frames, pending requests and their outcomes.
mod frames;
/// revm's `Host` over the imports.
mod host;
/// The `extern` block of imports, generated from the ABI table.
mod imports;
/// The instruction table, with the few instructions that read code through imports.
mod instructions;
/// keccak256 through the node.
mod keccak;
/// The node's messages, read out of the input buffer.
mod message;
/// The EVM stacks of a session's frames, laid end to end.
mod operand_stack;
/// What the interpreter loop works on, at one fixed address.
mod running;
/// Session-wide state in guest memory.
mod state;
/// A trap, memory pages and the initial heap: Wasm's, or simulated in native tests.
mod wasm;

#[cfg(not(test))]
#[global_allocator]
static HEAP: allocator::Heap = allocator::Heap::new();

#[cfg(not(test))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    wasm::trap()
}
