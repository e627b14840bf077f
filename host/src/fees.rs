//! The fee schedule: what running the precompile costs a node, in time, charged by a
//! formula over what a session did.
//!
//! The precompile runs without Wasm metering, so a node charges for it by
//!
//! ```text
//! fee = per_session × sessions + per_call × calls + per_frame × frames + per_thousand_units × units / 1000
//!     + per_byte × bytes + per_code_byte × code + per_import × imports
//!     + per_cold_access × cold + per_hashed_byte × hashed + per_memory_byte × memory
//!     + per_mapped_byte × mapped
//!     + Σ over Ethereum precompiles p (per_precompile_call[p] × calls[p] + per_precompile_gas[p] × gas[p])
//! ```
//!
//! over a session's [`Usage`], in picoseconds of the reference machine's time (as
//! Substrate's weights are): a node converts them to its own gas. `units` are what the
//! guest counts as it executes ([`evmpc_abi::units`]: a weight per opcode, operand classes,
//! bytes copied, memory), themselves picoseconds of the reference machine in the costliest
//! context found, so `per_thousand_units` is the margin in thousandths; every other unit the
//! node counts where the
//! work happens. [`Term`] lists the terms once. The constants of [`FeeSchedule::REFERENCE`]
//! and the unit tables come from `evmpc estimate` (`spec/fees.md`). Arithmetic is checked:
//! a fee that does not fit a `u64` is an error, never a wrapped number.

mod bound;
mod precompiles;
mod schedule;

pub use bound::{MAX_BYTES_PER_GAS, MAX_HASHED_PER_GAS, MIN_GAS_PER_FRAME, MIN_GAS_PER_IMPORT};
pub use precompiles::{PrecompileUse, PricedPrecompile};
pub use schedule::{FeeOverflow, FeeSchedule, Picos, Term, Usage, RESIDENT_MEMORY};
