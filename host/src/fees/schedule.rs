//! What a session used ([`Usage`], its [`Term`]s) and what each unit of it costs
//! ([`FeeSchedule`]).

use super::precompiles::{PrecompileUse, PricedPrecompile};

/// Picoseconds of the reference machine's time.
pub type Picos = u64;

/// Guest memory a node keeps mapped between sessions (what `evmpc-host` keeps resident per
/// pool slot by default): a session that grows past it has the pages above mapped again, a
/// cost per byte of its own ([`Usage::mapped`]).
pub const RESIDENT_MEMORY: u64 = 2 * 1024 * 1024;

/// What a session did that its fee depends on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// Sessions opened (Wasm instances).
    pub sessions: u64,
    /// Calls into the guest: frame starts and resumes.
    pub calls: u64,
    /// EVM frames started: by the node, and run inline by the guest.
    pub frames: u64,
    /// EVM gas the session's root frames used (spent, before refunds). Not a term of the
    /// fee: it bounds the fee before the work ([`FeeSchedule::upper_bound`]).
    pub gas: u64,
    /// Units the guest counted ([`evmpc_abi::units`]).
    pub units: u64,
    /// Bytes that crossed the boundary: messages written into the guest, actions and bytes
    /// read out of it, code and log data passed through imports.
    pub bytes: u64,
    /// Bytes of code the guest analyses itself: a root frame's inline code (a creating
    /// transaction's init code), which no gas of the frame pays for.
    pub code: u64,
    /// Import calls.
    pub imports: u64,
    /// State the node loaded cold for an import: accounts and storage slots touched for the
    /// first time in the transaction.
    pub cold: u64,
    /// Bytes hashed by the `keccak256` import.
    pub hashed: u64,
    /// Bytes the guest's linear memory grew by, past its initial size: pages the node resets
    /// when the session ends, whatever filled them (EVM memory, code, messages, frames'
    /// stacks).
    pub memory: u64,
    /// Of those, the bytes past [`RESIDENT_MEMORY`]: pages a node maps again for every session
    /// that grows that far, beside resetting them.
    pub mapped: u64,
    /// Calls to each Ethereum precompile, by [`PricedPrecompile::index`].
    pub precompiles: [PrecompileUse; PricedPrecompile::COUNT],
}

/// One term of the fee: a count of [`Usage`] and its price in [`FeeSchedule`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Term {
    /// `sessions`, at `per_session`.
    Sessions,
    /// `calls`, at `per_call`.
    Calls,
    /// `frames`, at `per_frame`.
    Frames,
    /// `units`, at `per_thousand_units` per 1,000.
    Units,
    /// `bytes`, at `per_byte`.
    Bytes,
    /// `code`, at `per_code_byte`.
    Code,
    /// `imports`, at `per_import`.
    Imports,
    /// `cold`, at `per_cold_access`.
    Cold,
    /// `hashed`, at `per_hashed_byte`.
    Hashed,
    /// `memory`, at `per_memory_byte`.
    Memory,
    /// `mapped`, at `per_mapped_byte`.
    Mapped,
    /// Calls to a precompile, at its `per_precompile_call`.
    PrecompileCalls(PricedPrecompile),
    /// Gas consumed by a precompile, at its `per_precompile_gas`.
    PrecompileGas(PricedPrecompile),
}

/// The terms that are not per precompile, in the formula's order.
const SCALAR_TERMS: [Term; 11] = [
    Term::Sessions,
    Term::Calls,
    Term::Frames,
    Term::Units,
    Term::Bytes,
    Term::Code,
    Term::Imports,
    Term::Cold,
    Term::Hashed,
    Term::Memory,
    Term::Mapped,
];

impl Term {
    /// Every term, in the formula's order: the scalar ones, then each precompile's call and
    /// gas terms.
    pub fn all() -> impl Iterator<Item = Term> {
        SCALAR_TERMS.into_iter().chain(
            PricedPrecompile::ALL
                .into_iter()
                .flat_map(|precompile| [Term::PrecompileCalls(precompile), Term::PrecompileGas(precompile)]),
        )
    }

    /// The name of its price, as `spec/fees.md` writes it.
    pub fn price_name(self) -> String {
        match self {
            Term::Sessions => "per_session".into(),
            Term::Calls => "per_call".into(),
            Term::Frames => "per_frame".into(),
            Term::Units => "per_thousand_units".into(),
            Term::Bytes => "per_byte".into(),
            Term::Code => "per_code_byte".into(),
            Term::Imports => "per_import".into(),
            Term::Cold => "per_cold_access".into(),
            Term::Hashed => "per_hashed_byte".into(),
            Term::Memory => "per_memory_byte".into(),
            Term::Mapped => "per_mapped_byte".into(),
            Term::PrecompileCalls(p) => format!("per_precompile_call[{}]", p.name()),
            Term::PrecompileGas(p) => format!("per_precompile_gas[{}]", p.name()),
        }
    }

    /// Whether it is a fixed cost (a session, a frame): memory traffic more than computation,
    /// which takes its own margin (`spec/fees.md` §3).
    pub fn is_fixed(self) -> bool {
        matches!(self, Term::Sessions | Term::Frames)
    }
}

impl Usage {
    /// How many of `term` the usage holds.
    pub fn count(&self, term: Term) -> u64 {
        match term {
            Term::Sessions => self.sessions,
            Term::Calls => self.calls,
            Term::Frames => self.frames,
            Term::Units => self.units,
            Term::Bytes => self.bytes,
            Term::Code => self.code,
            Term::Imports => self.imports,
            Term::Cold => self.cold,
            Term::Hashed => self.hashed,
            Term::Memory => self.memory,
            Term::Mapped => self.mapped,
            Term::PrecompileCalls(p) => self.precompiles[p.index()].calls,
            Term::PrecompileGas(p) => self.precompiles[p.index()].gas,
        }
    }

    fn count_mut(&mut self, term: Term) -> &mut u64 {
        match term {
            Term::Sessions => &mut self.sessions,
            Term::Calls => &mut self.calls,
            Term::Frames => &mut self.frames,
            Term::Units => &mut self.units,
            Term::Bytes => &mut self.bytes,
            Term::Code => &mut self.code,
            Term::Imports => &mut self.imports,
            Term::Cold => &mut self.cold,
            Term::Hashed => &mut self.hashed,
            Term::Memory => &mut self.memory,
            Term::Mapped => &mut self.mapped,
            Term::PrecompileCalls(p) => &mut self.precompiles[p.index()].calls,
            Term::PrecompileGas(p) => &mut self.precompiles[p.index()].gas,
        }
    }

    /// Adds `count` of `term` (saturating: a usage never wraps).
    pub fn add(&mut self, term: Term, count: u64) {
        let slot = self.count_mut(term);
        *slot = slot.saturating_add(count);
    }

    /// Counts one call to `precompile` that consumed `gas`.
    pub fn add_precompile(&mut self, precompile: PricedPrecompile, gas: u64) {
        self.add(Term::PrecompileCalls(precompile), 1);
        self.add(Term::PrecompileGas(precompile), gas);
    }

    /// The usage of `self` and `other` together (saturating: a usage never wraps).
    pub fn plus(&self, other: &Usage) -> Usage {
        let mut sum = *self;
        for term in Term::all() {
            sum.add(term, other.count(term));
        }
        sum.gas = sum.gas.saturating_add(other.gas);
        sum
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
    /// Per 1,000 units the guest counted: the margin over the units' own picoseconds, in
    /// thousandths (3,000 charges three times the time the units stand for).
    pub per_thousand_units: Picos,
    /// Per byte crossing the boundary.
    pub per_byte: Picos,
    /// Per byte of code the guest analyses.
    pub per_code_byte: Picos,
    /// Per import call.
    pub per_import: Picos,
    /// Per account or storage slot an import loaded cold.
    pub per_cold_access: Picos,
    /// Per byte hashed by the `keccak256` import.
    pub per_hashed_byte: Picos,
    /// Per byte the guest's memory grew by.
    pub per_memory_byte: Picos,
    /// Per byte it grew past [`RESIDENT_MEMORY`].
    pub per_mapped_byte: Picos,
    /// Per call of each Ethereum precompile, by [`PricedPrecompile::index`].
    pub per_precompile_call: [Picos; PricedPrecompile::COUNT],
    /// Per unit of gas each Ethereum precompile consumed.
    pub per_precompile_gas: [Picos; PricedPrecompile::COUNT],
}

impl FeeSchedule {
    /// Nothing charged for anything: the start of a fit.
    pub const ZERO: FeeSchedule = FeeSchedule {
        per_session: 0,
        per_call: 0,
        per_frame: 0,
        per_thousand_units: 0,
        per_byte: 0,
        per_code_byte: 0,
        per_import: 0,
        per_cold_access: 0,
        per_hashed_byte: 0,
        per_memory_byte: 0,
        per_mapped_byte: 0,
        per_precompile_call: [0; PricedPrecompile::COUNT],
        per_precompile_gas: [0; PricedPrecompile::COUNT],
    };

    /// The schedule `evmpc estimate` fitted on the reference machine (`spec/fees.md`,
    /// revision 3).
    pub const REFERENCE: FeeSchedule = FeeSchedule {
        per_session: 42_507_560,
        per_call: 2_723_839,
        per_frame: 492_425,
        per_thousand_units: 1_900,
        per_byte: 0,
        per_code_byte: 4_545,
        per_import: 173_117,
        per_cold_access: 1_368_925,
        per_hashed_byte: 7_325,
        per_memory_byte: 265,
        per_mapped_byte: 1_169,
        per_precompile_call: [
            0, 0, 0, 0, 1_640_600, 0, 0, 5_612_995, 0, 0, 0, 0, 0, 0, 0, 0, 1_425_620, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ],
        per_precompile_gas: [
            88_070, 7_015, 4_105, 1_450, 48_880, 355_855, 37_195, 76_025, 520_405, 38_305, 29_515, 88_735, 12_690,
            73_335, 31_895, 70_185, 40_975, 78_370, 61_100, 128_810, 46_125, 92_275, 66_690, 51_090, 37_500, 216_090,
        ],
    };

    /// The price of `term`.
    pub fn price(&self, term: Term) -> Picos {
        match term {
            Term::Sessions => self.per_session,
            Term::Calls => self.per_call,
            Term::Frames => self.per_frame,
            Term::Units => self.per_thousand_units,
            Term::Bytes => self.per_byte,
            Term::Code => self.per_code_byte,
            Term::Imports => self.per_import,
            Term::Cold => self.per_cold_access,
            Term::Hashed => self.per_hashed_byte,
            Term::Memory => self.per_memory_byte,
            Term::Mapped => self.per_mapped_byte,
            Term::PrecompileCalls(p) => self.per_precompile_call[p.index()],
            Term::PrecompileGas(p) => self.per_precompile_gas[p.index()],
        }
    }

    /// Sets the price of `term`.
    pub fn set_price(&mut self, term: Term, price: Picos) {
        let slot = match term {
            Term::Sessions => &mut self.per_session,
            Term::Calls => &mut self.per_call,
            Term::Frames => &mut self.per_frame,
            Term::Units => &mut self.per_thousand_units,
            Term::Bytes => &mut self.per_byte,
            Term::Code => &mut self.per_code_byte,
            Term::Imports => &mut self.per_import,
            Term::Cold => &mut self.per_cold_access,
            Term::Hashed => &mut self.per_hashed_byte,
            Term::Memory => &mut self.per_memory_byte,
            Term::Mapped => &mut self.per_mapped_byte,
            Term::PrecompileCalls(p) => &mut self.per_precompile_call[p.index()],
            Term::PrecompileGas(p) => &mut self.per_precompile_gas[p.index()],
        };
        *slot = price;
    }

    /// Every coefficient with its name, in the formula's order: what `spec/fees.md` and
    /// `evmpc estimate`'s report state.
    pub fn coefficients(&self) -> Vec<(String, Picos)> {
        Term::all().map(|term| (term.price_name(), self.price(term))).collect()
    }

    /// The fee of `usage`.
    ///
    /// # Errors
    /// [`FeeOverflow`] when it does not fit a `u64`.
    ///
    /// # Examples
    /// ```
    /// use evmpc_host::fees::{FeeSchedule, Usage};
    /// let usage = Usage { sessions: 1, calls: 1, units: 2_000_000, ..Usage::default() };
    /// let fee = FeeSchedule::REFERENCE.fee(&usage).unwrap();
    /// assert!(fee >= FeeSchedule::REFERENCE.per_session);
    /// ```
    pub fn fee(&self, usage: &Usage) -> Result<Picos, FeeOverflow> {
        Term::all().try_fold(0u64, |fee, term| {
            self.term_fee(term, usage.count(term)).and_then(|part| fee.checked_add(part)).ok_or(FeeOverflow)
        })
    }

    /// The fee of `count` of `term` (units are priced per 1,000, rounded up); `None` when it
    /// overflows.
    fn term_fee(&self, term: Term, count: u64) -> Option<Picos> {
        match term {
            Term::Units => u64::try_from((u128::from(self.per_thousand_units) * u128::from(count)).div_ceil(1000)).ok(),
            _ => self.price(term).checked_mul(count),
        }
    }

    /// What `units` units cost, rounded up.
    ///
    /// # Errors
    /// [`FeeOverflow`] when it does not fit a `u64`.
    pub fn units_fee(&self, units: u64) -> Result<Picos, FeeOverflow> {
        self.term_fee(Term::Units, units).ok_or(FeeOverflow)
    }

    /// The fee of each term of `usage`, in the formula's order, without the zero ones.
    pub fn breakdown(&self, usage: &Usage) -> Vec<(Term, u64, Picos)> {
        Term::all()
            .filter_map(|term| {
                let count = usage.count(term);
                (count > 0).then(|| (term, count, self.term_fee(term, count).unwrap_or(Picos::MAX)))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fee_is_the_sum_of_its_terms() {
        let mut schedule = FeeSchedule::ZERO;
        let mut usage = Usage::default();
        let mut expected = 0u64;
        for (index, term) in Term::all().enumerate() {
            schedule.set_price(term, index as u64 + 1);
            usage.add(term, 10 + index as u64);
            let part = (index as u64 + 1) * (10 + index as u64);
            expected += if term == Term::Units { part.div_ceil(1000) } else { part };
            assert_eq!(schedule.price(term), index as u64 + 1);
        }
        assert_eq!(schedule.fee(&usage), Ok(expected));
        assert_eq!(usage.plus(&usage).count(Term::Units), 2 * usage.units);
        let breakdown: u64 = schedule.breakdown(&usage).iter().map(|(_, _, fee)| fee).sum();
        assert_eq!(breakdown, expected);
        let names: std::collections::BTreeSet<String> = Term::all().map(Term::price_name).collect();
        assert_eq!(names.len(), Term::all().count(), "every term has a name of its own");
    }

    #[test]
    fn overflow_is_an_error_not_a_wrap() {
        let usage = Usage { units: u64::MAX, ..Usage::default() };
        assert_eq!(FeeSchedule::REFERENCE.fee(&usage), Err(FeeOverflow));
        assert_eq!(FeeSchedule::REFERENCE.upper_bound(u64::MAX, 0), Err(FeeOverflow));
        let big = Usage { sessions: u64::MAX, ..Usage::default() };
        assert_eq!(big.plus(&big).sessions, u64::MAX);
    }
}
