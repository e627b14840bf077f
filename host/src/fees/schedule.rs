//! What a session used ([`Usage`], its [`Term`]s) and what each unit of it costs
//! ([`FeeSchedule`]).

use super::precompiles::{PrecompileUse, PricedPrecompile};

/// Picoseconds of the reference machine's time.
pub type Picos = u64;

/// Guest memory a node keeps mapped between sessions (what `evmpc-host` keeps resident per
/// pool slot by default): a session that grows past it has the pages above mapped again, a
/// cost per byte of its own ([`Usage::mapped`]).
pub const RESIDENT_MEMORY: u64 = 2 * 1024 * 1024;

/// Declares the fee's scalar terms once each: a count of [`Usage`], a price of
/// [`FeeSchedule`] and a [`Term`] naming both, with every accessor that goes by term. The
/// per-precompile terms follow them (`PrecompileCalls`, `PrecompileGas`).
macro_rules! fee_terms {
    ($(
        $(#[doc = $count_doc:literal])+
        $variant:ident: $field:ident at
        $(#[doc = $price_doc:literal])+
        $price:ident;
    )+) => {
        /// What a session did that its fee depends on.
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
        pub struct Usage {
            $( $(#[doc = $count_doc])+ pub $field: u64, )+
            /// EVM gas the session's root frames used (spent, before refunds). Not a term of
            /// the fee: it bounds the fee before the work ([`FeeSchedule::upper_bound`]).
            pub gas: u64,
            /// Calls to each Ethereum precompile, by [`PricedPrecompile::index`].
            pub precompiles: [PrecompileUse; PricedPrecompile::COUNT],
        }

        /// One term of the fee: a count of [`Usage`] and its price in [`FeeSchedule`].
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Term {
            $(
                #[doc = concat!("`", stringify!($field), "`, at `", stringify!($price), "`.")]
                $variant,
            )+
            /// Calls to a precompile, at its `per_precompile_call`.
            PrecompileCalls(PricedPrecompile),
            /// Gas consumed by a precompile, at its `per_precompile_gas`.
            PrecompileGas(PricedPrecompile),
        }

        /// The terms that are not per precompile, in the formula's order.
        const SCALAR_TERMS: &[Term] = &[$(Term::$variant),+];

        impl Term {
            /// The name of its price, as `spec/fees.md` writes it.
            pub fn price_name(self) -> String {
                match self {
                    $(Term::$variant => stringify!($price).into(),)+
                    Term::PrecompileCalls(p) => format!("per_precompile_call[{}]", p.name()),
                    Term::PrecompileGas(p) => format!("per_precompile_gas[{}]", p.name()),
                }
            }
        }

        impl Usage {
            /// How many of `term` the usage holds.
            pub fn count(&self, term: Term) -> u64 {
                match term {
                    $(Term::$variant => self.$field,)+
                    Term::PrecompileCalls(p) => self.precompiles[p.index()].calls,
                    Term::PrecompileGas(p) => self.precompiles[p.index()].gas,
                }
            }

            #[inline]
            fn count_mut(&mut self, term: Term) -> &mut u64 {
                match term {
                    $(Term::$variant => &mut self.$field,)+
                    Term::PrecompileCalls(p) => &mut self.precompiles[p.index()].calls,
                    Term::PrecompileGas(p) => &mut self.precompiles[p.index()].gas,
                }
            }
        }

        /// The fee formula's constants, in picoseconds per unit.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub struct FeeSchedule {
            $( $(#[doc = $price_doc])+ pub $price: Picos, )+
            /// Per call of each Ethereum precompile, by [`PricedPrecompile::index`].
            pub per_precompile_call: [Picos; PricedPrecompile::COUNT],
            /// Per unit of gas each Ethereum precompile consumed.
            pub per_precompile_gas: [Picos; PricedPrecompile::COUNT],
        }

        impl FeeSchedule {
            /// Nothing charged for anything: the start of a fit.
            pub const ZERO: FeeSchedule = FeeSchedule {
                $($price: 0,)+
                per_precompile_call: [0; PricedPrecompile::COUNT],
                per_precompile_gas: [0; PricedPrecompile::COUNT],
            };

            /// The price of `term`.
            pub fn price(&self, term: Term) -> Picos {
                match term {
                    $(Term::$variant => self.$price,)+
                    Term::PrecompileCalls(p) => self.per_precompile_call[p.index()],
                    Term::PrecompileGas(p) => self.per_precompile_gas[p.index()],
                }
            }

            /// Sets the price of `term`.
            pub fn set_price(&mut self, term: Term, price: Picos) {
                let slot = match term {
                    $(Term::$variant => &mut self.$price,)+
                    Term::PrecompileCalls(p) => &mut self.per_precompile_call[p.index()],
                    Term::PrecompileGas(p) => &mut self.per_precompile_gas[p.index()],
                };
                *slot = price;
            }
        }
    };
}

fee_terms! {
    /// Sessions opened (Wasm instances).
    Sessions: sessions at
    /// Per session: instantiating the guest and resetting its memory afterwards.
    per_session;
    /// Calls into the guest: frame starts and resumes.
    Calls: calls at
    /// Per frame start or resume: entering and leaving the guest.
    per_call;
    /// EVM frames started: by the node, and run inline by the guest.
    Frames: frames at
    /// Per EVM frame: an interpreter set up, a checkpoint opened and settled.
    per_frame;
    /// Units the guest counted ([`evmpc_abi::units`]).
    Units: units at
    /// Per 1,000 units the guest counted: the margin over the units' own picoseconds, in
    /// thousandths (3,000 charges three times the time the units stand for).
    per_thousand_units;
    /// Bytes that crossed the boundary: messages written into the guest, actions and bytes
    /// read out of it, code and log data passed through imports.
    Bytes: bytes at
    /// Per byte crossing the boundary.
    per_byte;
    /// Bytes of code the guest analyses itself: a root frame's inline code (a creating
    /// transaction's init code), which no gas of the frame pays for.
    Code: code at
    /// Per byte of code the guest analyses.
    per_code_byte;
    /// Import calls.
    Imports: imports at
    /// Per import call.
    per_import;
    /// State the node loaded cold for an import: accounts and storage slots touched for the
    /// first time in the transaction.
    Cold: cold at
    /// Per account or storage slot an import loaded cold.
    per_cold_access;
    /// Bytes hashed by the `keccak256` import.
    Hashed: hashed at
    /// Per byte hashed by the `keccak256` import.
    per_hashed_byte;
    /// Bytes the guest's linear memory grew by, past its initial size: pages the node resets
    /// when the session ends, whatever filled them (EVM memory, code, messages, frames'
    /// stacks).
    Memory: memory at
    /// Per byte the guest's memory grew by.
    per_memory_byte;
    /// Of those, the bytes past [`RESIDENT_MEMORY`]: pages a node maps again for every session
    /// that grows that far, beside resetting them.
    Mapped: mapped at
    /// Per byte it grew past [`RESIDENT_MEMORY`].
    per_mapped_byte;
}

impl Term {
    /// Every term, in the formula's order: the scalar ones, then each precompile's call and
    /// gas terms.
    pub fn all() -> impl Iterator<Item = Term> {
        SCALAR_TERMS.iter().copied().chain(
            PricedPrecompile::ALL
                .into_iter()
                .flat_map(|precompile| [Term::PrecompileCalls(precompile), Term::PrecompileGas(precompile)]),
        )
    }

    /// Whether it is a fixed cost (a session, a frame): memory traffic more than computation,
    /// which takes its own margin (`spec/fees.md` §3).
    pub fn is_fixed(self) -> bool {
        matches!(self, Term::Sessions | Term::Frames)
    }
}

impl Usage {
    /// Adds `count` of `term` (saturating: a usage never wraps).
    #[inline]
    pub fn add(&mut self, term: Term, count: u64) {
        let slot = self.count_mut(term);
        *slot = slot.saturating_add(count);
    }

    /// Raises `term` to at least `count`: for the counts that are high-water marks (units the
    /// guest reports in total, memory it grew to).
    #[inline]
    pub fn raise(&mut self, term: Term, count: u64) {
        let slot = self.count_mut(term);
        *slot = (*slot).max(count);
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

impl FeeSchedule {
    /// The schedule `evmpc estimate` fitted on the reference machine (`spec/fees.md`,
    /// revision 5: revision 3's, with `per_session` refitted by `--refit-session` after the
    /// fixed costs fell, in revisions 4 and 5).
    pub const REFERENCE: FeeSchedule = FeeSchedule {
        per_session: 25_330_829,
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
