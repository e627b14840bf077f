//! Every number here is part of the protocol: nodes enforce them identically, and the spec
//! cites them.

/// Largest code a call frame may run: 65,536 bytes, EIP-7954's deployment limit, above
/// every code that can exist on chain under the forks the ABI names (EIP-170: 24,576).
pub const MAX_CODE_SIZE: usize = 0x10000;
/// Largest init code a create frame may run: twice [`MAX_CODE_SIZE`]. The fork's own
/// limit (EIP-3860: 49,152 bytes) is checked by the CREATE instructions and the node.
pub const MAX_INITCODE_SIZE: usize = 2 * MAX_CODE_SIZE;
/// Largest call data a frame accepts, in bytes.
///
/// Gas bounds call data long before this on any real chain; the cap keeps one frame's
/// input inside the guest's memory budget.
pub const MAX_CALLDATA_SIZE: usize = 4 * 1024 * 1024;
/// Largest encoded frame input or sub-call outcome the guest accepts, in bytes.
pub const MAX_MESSAGE_SIZE: usize = 8 * 1024 * 1024;
/// Largest EVM memory of all frames of a session together, in bytes.
///
/// Expanding past it halts the frame with [`Status::MemoryLimitOOG`](crate::Status), an EVM
/// outcome, not a trap. A transaction of 2^25 gas (twice EIP-7825's cap) can pay for about
/// 107 MiB spread over 1,024 frames, so no such transaction reaches it.
pub const MAX_EVM_MEMORY: u64 = 128 * 1024 * 1024;
/// Cap on the guest's linear memory, in bytes (8,192 Wasm pages of 64 KiB): EVM memory,
/// a copy of each frame's call data, 1,024 frame stacks and the heap's slack.
///
/// Enforced by the host's store limiter, so `memory.grow` fails at the same point on
/// every node.
pub const MAX_GUEST_MEMORY: usize = 512 * 1024 * 1024;
/// Deepest EVM call stack (frames below the transaction's first frame).
pub const MAX_CALL_DEPTH: u16 = 1024;
/// Most topics one log carries.
pub const MAX_LOG_TOPICS: usize = 4;
/// The guest's shadow stack, in bytes. It sits first in linear memory, so an overflow
/// runs below address 0 and traps instead of corrupting data. The guest never recurses on
/// input-controlled depth; its deepest path uses a few KiB.
pub const GUEST_STACK_SIZE: usize = 64 * 1024;
/// The guest's initial linear memory (8 Wasm pages): stack, data and the first heap.
pub const GUEST_INITIAL_MEMORY: usize = 512 * 1024;
