//! The fee schedule: what running the precompile costs a node, in time, charged by a
//! formula over what a session did.
//!
//! The precompile runs without Wasm metering, so a node charges for it by
//!
//! ```text
//! fee = per_session × sessions + per_call × calls + per_frame × frames + per_gas × gas
//!     + per_byte × bytes + per_code_byte × code + per_import × imports
//!     + per_hashed_byte × hashed
//! ```
//!
//! over a session's [`Usage`], in picoseconds of the reference machine's time (as
//! Substrate's weights are): a node converts them to its own gas. The constants of
//! [`FeeSchedule::REFERENCE`] come from `evmpc estimate`, which searches for the programs
//! with the highest cost per unit and covers every one it measured with a margin
//! (`spec/fees.md`). Arithmetic is checked: a fee that does not fit a `u64` is an error,
//! never a wrapped number.

/// Picoseconds of the reference machine's time.
pub type Picos = u64;

/// What a session did that its fee depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Sessions opened (Wasm instances).
    pub sessions: u64,
    /// Calls into the guest: frame starts and resumes.
    pub calls: u64,
    /// EVM frames started: by the node, and run inline by the guest. EVM gas prices a
    /// frame by its instructions, not by setting it up, and a frame can use as little as
    /// 100 gas (a warm CALL of itself).
    pub frames: u64,
    /// EVM gas the session's root frames used (spent, before refunds).
    pub gas: u64,
    /// Bytes that crossed the boundary: messages written into the guest, actions and bytes
    /// read out of it, code and log data passed through imports.
    pub bytes: u64,
    /// Bytes of code the guest analyses itself: a root frame's inline code (a creating
    /// transaction's init code), which no gas of the frame pays for.
    pub code: u64,
    /// Import calls.
    pub imports: u64,
    /// Bytes hashed by the `keccak256` import.
    pub hashed: u64,
}

impl Usage {
    /// The usage of `self` and `other` together (saturating: a usage never wraps).
    pub fn plus(&self, other: &Usage) -> Usage {
        Usage {
            sessions: self.sessions.saturating_add(other.sessions),
            calls: self.calls.saturating_add(other.calls),
            frames: self.frames.saturating_add(other.frames),
            gas: self.gas.saturating_add(other.gas),
            bytes: self.bytes.saturating_add(other.bytes),
            code: self.code.saturating_add(other.code),
            imports: self.imports.saturating_add(other.imports),
            hashed: self.hashed.saturating_add(other.hashed),
        }
    }
}

/// A fee does not fit in a `u64` of picoseconds (about 213 days).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the fee overflows u64 picoseconds")]
pub struct FeeOverflow;

/// The fee formula's constants, in picoseconds per unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FeeSchedule {
    /// Per session: instantiating the guest and resetting its memory afterwards.
    pub per_session: Picos,
    /// Per frame start or resume: entering and leaving the guest.
    pub per_call: Picos,
    /// Per EVM frame: an interpreter set up, a checkpoint opened and settled.
    pub per_frame: Picos,
    /// Per unit of EVM gas used.
    pub per_gas: Picos,
    /// Per byte crossing the boundary.
    pub per_byte: Picos,
    /// Per byte of code the guest analyses.
    pub per_code_byte: Picos,
    /// Per import call.
    pub per_import: Picos,
    /// Per byte hashed by the `keccak256` import.
    pub per_hashed_byte: Picos,
}

/// The least gas an EVM frame costs its caller: a CALL on Frontier (from Berlin, a warm
/// CALL costs 100).
pub const MIN_GAS_PER_FRAME: u64 = 40;
/// The least gas that makes the guest call an import: BALANCE or EXTCODESIZE on Frontier,
/// BLOCKHASH.
pub const MIN_GAS_PER_IMPORT: u64 = 20;
/// The most bytes one unit of gas moves across the boundary: memory at 3 gas per 32-byte
/// word (return data, call data of precompiles, copies), log data at 8 gas per byte.
pub const MAX_BYTES_PER_GAS: u64 = 11;
/// The most bytes one unit of gas hashes: KECCAK256 at 6 gas per 32-byte word.
pub const MAX_HASHED_PER_GAS: u64 = 6;

impl FeeSchedule {
    /// The schedule `evmpc estimate` fitted on the reference machine: the larger of two
    /// independent fits, coefficient by coefficient, at a 3.0x margin, with `per_session`
    /// and `per_frame` at their own 6.0x (`spec/fees.md`, revision 2).
    pub const REFERENCE: FeeSchedule = FeeSchedule {
        per_session: 30_878_247,
        per_call: 0,
        per_frame: 15_999_738,
        per_gas: 17_637,
        per_byte: 693,
        per_code_byte: 8_738,
        per_import: 0,
        per_hashed_byte: 22_406,
    };

    /// Every coefficient with its name, in the formula's order: what `spec/fees.md` and
    /// `evmpc estimate`'s report state.
    pub fn coefficients(&self) -> [(&'static str, Picos); 8] {
        [
            ("per_session", self.per_session),
            ("per_call", self.per_call),
            ("per_frame", self.per_frame),
            ("per_gas", self.per_gas),
            ("per_byte", self.per_byte),
            ("per_code_byte", self.per_code_byte),
            ("per_import", self.per_import),
            ("per_hashed_byte", self.per_hashed_byte),
        ]
    }

    /// The fee of `usage`.
    ///
    /// # Errors
    /// [`FeeOverflow`] when it does not fit a `u64`.
    ///
    /// # Examples
    /// ```
    /// use evmpc_host::fees::{FeeSchedule, Usage};
    /// let usage = Usage { sessions: 1, calls: 1, gas: 21_000, ..Usage::default() };
    /// let fee = FeeSchedule::REFERENCE.fee(&usage).unwrap();
    /// assert!(fee >= FeeSchedule::REFERENCE.per_session);
    /// ```
    pub fn fee(&self, usage: &Usage) -> Result<Picos, FeeOverflow> {
        let terms = [
            (self.per_session, usage.sessions),
            (self.per_call, usage.calls),
            (self.per_frame, usage.frames),
            (self.per_gas, usage.gas),
            (self.per_byte, usage.bytes),
            (self.per_code_byte, usage.code),
            (self.per_import, usage.imports),
            (self.per_hashed_byte, usage.hashed),
        ];
        terms.iter().try_fold(0u64, |fee, (price, units)| {
            price.checked_mul(*units).and_then(|term| fee.checked_add(term)).ok_or(FeeOverflow)
        })
    }

    /// The most a unit of gas can be charged, every term included: one frame per
    /// [`MIN_GAS_PER_FRAME`] gas with its code loaded, one import per
    /// [`MIN_GAS_PER_IMPORT`], [`MAX_BYTES_PER_GAS`] bytes crossing and
    /// [`MAX_HASHED_PER_GAS`] bytes hashed per gas.
    ///
    /// # Errors
    /// [`FeeOverflow`] when it does not fit a `u64`.
    pub fn bound_per_gas(&self) -> Result<Picos, FeeOverflow> {
        let code = evmpc_abi::limits::MAX_CODE_SIZE as u64;
        let frame = self
            .per_frame
            .checked_add(self.per_byte.checked_mul(code).ok_or(FeeOverflow)?)
            .ok_or(FeeOverflow)?
            .div_ceil(MIN_GAS_PER_FRAME);
        let terms = [
            Some(self.per_gas),
            Some(frame),
            Some(self.per_import.div_ceil(MIN_GAS_PER_IMPORT)),
            self.per_byte.checked_mul(MAX_BYTES_PER_GAS),
            self.per_hashed_byte.checked_mul(MAX_HASHED_PER_GAS),
        ];
        terms.iter().try_fold(0u64, |sum, term| term.and_then(|term| sum.checked_add(term)).ok_or(FeeOverflow))
    }

    /// What a session of `gas_limit` gas whose first message is `message_bytes` long (its
    /// inline code included) can cost at most: a node charges it before the work and refunds the difference to
    /// [`fee`](Self::fee) after.
    ///
    /// # Errors
    /// [`FeeOverflow`] when it does not fit a `u64`.
    pub fn upper_bound(&self, gas_limit: u64, message_bytes: u64) -> Result<Picos, FeeOverflow> {
        let terms = [
            self.per_session.checked_add(self.per_call),
            self.per_frame.checked_add(self.per_import),
            self.bound_per_gas()?.checked_mul(gas_limit),
            self.per_byte.checked_add(self.per_code_byte).and_then(|per_byte| per_byte.checked_mul(message_bytes)),
        ];
        terms.iter().try_fold(0u64, |fee, term| term.and_then(|term| fee.checked_add(term)).ok_or(FeeOverflow))
    }

    /// Gas per second the schedule charges for: how much EVM gas one second of the
    /// reference machine buys at [`per_gas`](Self::per_gas).
    pub fn gas_per_second(&self) -> f64 {
        1e12 / self.per_gas.max(1) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_is_the_sum_of_its_terms() {
        let schedule = FeeSchedule {
            per_session: 1,
            per_call: 10,
            per_frame: 100,
            per_gas: 1_000,
            per_byte: 10_000,
            per_code_byte: 100_000,
            per_import: 1_000_000,
            per_hashed_byte: 10_000_000,
        };
        let usage = Usage { sessions: 1, calls: 2, frames: 3, gas: 4, bytes: 5, code: 6, imports: 7, hashed: 8 };
        assert_eq!(schedule.fee(&usage), Ok(87_654_321));
        assert_eq!(usage.plus(&usage).gas, 8);
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let usage = Usage { gas: u64::MAX, ..Usage::default() };
        assert_eq!(FeeSchedule::REFERENCE.fee(&usage), Err(FeeOverflow));
        assert_eq!(FeeSchedule::REFERENCE.upper_bound(u64::MAX, 0), Err(FeeOverflow));
        let big = Usage { sessions: u64::MAX, ..Usage::default() };
        assert_eq!(big.plus(&big).sessions, u64::MAX);
    }

    #[test]
    fn the_upper_bound_covers_the_densest_usage_gas_can_buy() {
        let schedule = FeeSchedule::REFERENCE;
        let gas = 1_000_000;
        let usage = Usage {
            sessions: 1,
            calls: 1,
            frames: gas / MIN_GAS_PER_FRAME + 1,
            gas,
            bytes: 100 + gas * MAX_BYTES_PER_GAS + (gas / MIN_GAS_PER_FRAME) * evmpc_abi::limits::MAX_CODE_SIZE as u64,
            code: 100,
            imports: gas / MIN_GAS_PER_IMPORT + 1,
            hashed: gas * MAX_HASHED_PER_GAS,
        };
        assert!(schedule.upper_bound(gas, 100).unwrap() >= schedule.fee(&usage).unwrap());
    }
}
