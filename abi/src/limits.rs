//! Every number here is part of the protocol: nodes enforce them identically, and the spec
//! cites them.
//!
//! A limit that a valid transaction can reach halts the frame that reaches it with
//! [`Status::MemoryLimitOOG`](crate::Status::MemoryLimitOOG), consuming its gas: a
//! deterministic outcome, recorded like any other. The limits are sized so that no
//! transaction of up to 2^25 gas on a fork from Berlin on reaches one.

/// Largest account code a call frame runs: 65,536 bytes, EIP-7954's deployment limit,
/// above every code EIP-170 (24,576 bytes, from Spurious Dragon) lets a chain deploy. A
/// frame naming larger code (possible only before Spurious Dragon) halts.
pub const MAX_CODE_SIZE: usize = 0x10000;
/// Largest init code given with a frame (a creating transaction's data) that runs:
/// 16 MiB. A transaction's init code before Shanghai is bounded only by its gas (4 gas per
/// zero byte); above this the frame halts. Init code of a nested CREATE stays in guest
/// memory and is bounded by [`MAX_EVM_MEMORY`].
pub const MAX_INITCODE_SIZE: usize = 16 * 1024 * 1024;
/// Largest call data given with a frame (a transaction's data) that runs: 16 MiB, twice
/// what 2^25 gas buys at 4 gas per zero byte. Above it the frame halts. Call data of a
/// nested call is read in place from the caller's memory.
pub const MAX_CALLDATA_SIZE: usize = 16 * 1024 * 1024;
/// Largest EVM memory of all frames of a session together, in bytes.
///
/// Expanding past it halts the frame. A transaction of 2^25 gas can pay for about
/// 107 MiB spread over 1,024 frames, so no such transaction reaches it.
pub const MAX_EVM_MEMORY: u64 = 128 * 1024 * 1024;
/// Largest encoded message (frame input or sub-call outcome) the guest accepts, in bytes:
/// room for the inline call data and init code limits, or for an Ethereum precompile's
/// output, which is bounded by the EVM memory its input came from.
pub const MAX_MESSAGE_SIZE: usize = MAX_EVM_MEMORY as usize + 1024 * 1024;
/// Output bytes from which a sub-call outcome hands the guest its input buffer: the guest
/// keeps the buffer as the output instead of copying the bytes out of it, and the node asks
/// `input_buffer` again before its next message.
pub const HANDOVER_SIZE: usize = 4 * 1024;
/// Most bytes of distinct account code a session keeps analysed (the sum of their
/// lengths). Each code is read with its JUMPDEST bitmap through the `code_load` import
/// once per session; a frame whose new code would pass this sum halts. 2^25 gas reaches at most
/// 12,906 cold accounts (2,600 gas each, from Berlin) of 24,576 bytes: 310 MiB.
pub const MAX_CODE_CACHE: usize = 384 * 1024 * 1024;
/// Cap on the guest's linear memory, in bytes (24,576 Wasm pages of 64 KiB): the EVM
/// memory with its growth slack, the code cache, one message, 1,024 frame stacks, return
/// data and the heap's slack. Valid input halts on the limits above before it gets here.
///
/// The guest never uses memory past it: it refuses growth past the cap itself, executing a
/// `memory.grow` that the host's store limiter refuses, so growth fails at the same point on
/// every node even where the node keeps memory of its own past the cap (`code_load`).
pub const MAX_GUEST_MEMORY: usize = 1536 * 1024 * 1024;
/// Zero bytes that follow a code `code_load` serves from the node's own memory, before its
/// JUMPDEST bitmap: a PUSH32 in the code's last byte reads its 32 immediate bytes and then a
/// STOP, as in revm's padding (one more for an immediate-taking opcode).
pub const CODE_PADDING: usize = 34;
/// Deepest EVM call stack (frames below the transaction's first frame). The guest answers
/// a CALL or CREATE from a frame at this depth with `CallTooDeep` itself, without asking
/// the node, and refuses a nested frame deeper than it.
pub const MAX_CALL_DEPTH: u16 = 1024;
/// Most topics one log carries.
pub const MAX_LOG_TOPICS: usize = 4;
/// The guest's shadow stack, in bytes. It sits first in linear memory, so an overflow
/// runs below address 0 and traps instead of corrupting data. The guest never recurses on
/// input-controlled depth: its deepest path uses 4,208 bytes (the longest chain of shadow
/// stack frames from an export through its direct calls; every state test stays within
/// it), so 16 KiB leaves the initial memory's heap room for a one-frame session's EVM stack
/// chunk (48 KiB) beside its call data, code and context.
pub const GUEST_STACK_SIZE: usize = 16 * 1024;
/// The guest's initial linear memory (2 Wasm pages): the stack, the data and the first
/// heap, which is all a small frame touches. Kept small on purpose: a node resets a
/// session's memory when it ends, and a small session then resets little (see the host's
/// `keep_resident`).
pub const GUEST_INITIAL_MEMORY: usize = 128 * 1024;
