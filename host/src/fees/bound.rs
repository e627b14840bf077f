//! The most a unit of gas can be charged: the rate of [`FeeSchedule::upper_bound`], which a
//! node charges before the work. Every unit of the fee is bounded by the gas that pays for
//! it: an opcode by its least gas on any fork the ABI names, bytes by the gas of the copy or
//! the memory that holds them, a frame by the least gas a call costs its caller.

use super::precompiles::PricedPrecompile;
use super::schedule::{FeeOverflow, FeeSchedule, Picos};
use evmpc_abi::units;
use revm::primitives::hardfork::SpecId;
use std::sync::OnceLock;

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
/// Gas of a CREATE or CREATE2 before its init code: the least a frame running init code costs.
const CREATE_GAS: u64 = 32_000;
/// The least gas of an SSTORE (a warm no-op from Berlin).
const SSTORE_GAS: u64 = 100;
/// A frame's stack room in guest memory: 1,024 words.
const STACK_BYTES: u64 = 32 * 1024;

/// Every fork the ABI names, for the least gas of each opcode.
const SPECS: [SpecId; 14] = [
    SpecId::FRONTIER,
    SpecId::HOMESTEAD,
    SpecId::TANGERINE,
    SpecId::SPURIOUS_DRAGON,
    SpecId::BYZANTIUM,
    SpecId::PETERSBURG,
    SpecId::ISTANBUL,
    SpecId::BERLIN,
    SpecId::LONDON,
    SpecId::MERGE,
    SpecId::SHANGHAI,
    SpecId::CANCUN,
    SpecId::PRAGUE,
    SpecId::OSAKA,
];

/// Opcodes that end their frame (or halt it): at most one per frame, so bounded by frames.
fn ends_frame(opcode: u8) -> bool {
    matches!(opcode, 0x00 | 0xf3 | 0xfd | 0xfe | 0xff)
}

/// The least gas `opcode` costs on any fork when it runs; 0 for those that end the frame
/// (and for undefined opcodes, which halt it).
fn least_gas(opcode: u8) -> u64 {
    static LEAST: OnceLock<[u64; 256]> = OnceLock::new();
    LEAST.get_or_init(|| {
        let mut least = [u64::MAX; 256];
        for spec in SPECS {
            let table = revm::interpreter::instructions::gas_table_spec(spec);
            for (least, gas) in least.iter_mut().zip(table.iter()) {
                *least = (*least).min(u64::from(*gas));
            }
        }
        least[0xf0] = CREATE_GAS;
        least[0xf5] = CREATE_GAS;
        least[0x55] = SSTORE_GAS;
        least
    })[usize::from(opcode)]
}

/// Units one unit of gas can make the guest count, in thousandths (rounded up), and the most
/// one frame-ending opcode counts (at most one per frame).
fn units_per_gas() -> (u64, u64) {
    static BOUND: OnceLock<(u64, u64)> = OnceLock::new();
    *BOUND.get_or_init(|| {
        let milli = |units: u64, gas: u64| (units * 1000).div_ceil(gas.max(1));
        let mut per_opcode = 0;
        let mut per_frame = 0;
        for opcode in 0..=255u8 {
            let mut most = u64::from(units::OPCODE[usize::from(opcode)]);
            if let Some(row) = units::DIVISION_OPCODES.iter().position(|op| *op == opcode) {
                most += u64::from(*units::DIVISION[row].iter().max().unwrap_or(&0));
            }
            if let Some(row) = units::MODULAR_OPCODES.iter().position(|op| *op == opcode) {
                most += u64::from(*units::MODULAR[row].iter().max().unwrap_or(&0));
            }
            match least_gas(opcode) {
                0 => per_frame = per_frame.max(most),
                gas if ends_frame(opcode) => per_frame = per_frame.max(most).max(milli(most, gas) / 1000),
                gas => per_opcode = per_opcode.max(milli(most, gas)),
            }
        }
        // EXP costs at least 10 gas per exponent byte; copies 3 gas per 32 bytes; memory
        // 3 gas per 32 bytes, and a frame's output lies in its memory.
        let exponent = milli(u64::from(units::EXP_BYTE), 10);
        let copy = units::COPY_BYTE.iter().map(|units| milli(u64::from(*units) * 32, 3)).max().unwrap_or(0);
        let memory = milli(u64::from(units::MEMORY_BYTE + units::OUTPUT_BYTE) * 32, 3);
        (per_opcode + exponent + copy + memory, per_frame)
    })
}

/// Most bytes of init code CREATEs can run with `gas`: one CREATE per [`CREATE_GAS`], each
/// with at most the memory `gas` buys (before Shanghai nothing else bounds init code).
pub(super) fn initcode_bytes(gas: u64) -> u64 {
    // Memory of `w` words costs 3w + w²/512 gas: w ≤ (√(1536² + 2048·gas) − 1536) / 2.
    let root = (1536u128 * 1536 + 2048 * u128::from(gas)).isqrt();
    let words = u64::try_from((root - 1536) / 2).unwrap_or(u64::MAX);
    let memory = words.saturating_add(1).saturating_mul(32).min(evmpc_abi::limits::MAX_EVM_MEMORY);
    (gas / CREATE_GAS + 1).saturating_mul(memory)
}

/// The most one unit of gas can be charged by `schedule`, every term included.
pub(super) fn per_gas(schedule: &FeeSchedule) -> Result<Picos, FeeOverflow> {
    let (units_milli, frame_end_units) = units_per_gas();
    let code = evmpc_abi::limits::MAX_CODE_SIZE as u64;
    // A frame's code crosses and is kept in guest memory, beside its stack's room.
    let frame_memory = code + STACK_BYTES;
    // A byte the guest's memory grows by is reset, and mapped again past what stays resident.
    let per_grown_byte = schedule.per_memory_byte.checked_add(schedule.per_mapped_byte).ok_or(FeeOverflow)?;
    let frame = schedule
        .per_frame
        .checked_add(schedule.per_byte.checked_mul(code).ok_or(FeeOverflow)?)
        .and_then(|frame| frame.checked_add(per_grown_byte.checked_mul(frame_memory)?))
        .and_then(|frame| frame.checked_add(schedule.units_fee(frame_end_units).ok()?))
        .ok_or(FeeOverflow)?
        .div_ceil(MIN_GAS_PER_FRAME);
    let unit = u128::from(schedule.per_thousand_units) * u128::from(units_milli);
    let unit = u64::try_from(unit.div_ceil(1_000_000)).map_err(|_| FeeOverflow)?;
    let precompile = PricedPrecompile::ALL
        .iter()
        .map(|p| {
            let call = schedule.per_precompile_call[p.index()].div_ceil(MIN_GAS_PER_FRAME);
            call.checked_add(schedule.per_precompile_gas[p.index()])
        })
        .try_fold(0u64, |most, term| term.map(|term| most.max(term)))
        .ok_or(FeeOverflow)?;
    let imports = schedule.per_import.checked_add(schedule.per_cold_access).ok_or(FeeOverflow)?;
    let terms = [
        Some(unit),
        Some(frame),
        Some(imports.div_ceil(MIN_GAS_PER_IMPORT)),
        schedule.per_byte.checked_mul(MAX_BYTES_PER_GAS),
        schedule.per_hashed_byte.checked_mul(MAX_HASHED_PER_GAS),
        // EVM memory, messages and return data in guest memory.
        per_grown_byte.checked_mul(MAX_BYTES_PER_GAS),
        Some(precompile),
    ];
    terms.iter().try_fold(0u64, |sum, term| term.and_then(|term| sum.checked_add(term)).ok_or(FeeOverflow))
}

/// The least one unit of gas is charged when an opcode spends it: the cheapest opcode's units
/// per gas at `per_thousand_units`, rounded down, and at least one picosecond. An opcode that
/// opens a frame or calls the node (CREATE, SLOAD) counts few units for much gas, the rest of
/// its cost falling on the node's terms, so the opcodes alone give less than a picosecond.
pub(super) fn floor_per_gas(schedule: &FeeSchedule) -> Picos {
    let cheapest = (0..=255u8)
        .filter(|opcode| !ends_frame(*opcode) && least_gas(*opcode) > 0)
        .map(|opcode| u64::from(units::OPCODE[usize::from(opcode)]) / least_gas(opcode))
        .min()
        .unwrap_or(0);
    (schedule.per_thousand_units.saturating_mul(cheapest) / 1000).max(1)
}

/// What the init code `gas` can buy may add to a session's fee.
pub(super) fn initcode(schedule: &FeeSchedule, gas: u64) -> Result<Picos, FeeOverflow> {
    let units = u64::from(units::INITCODE_BYTE).checked_mul(initcode_bytes(gas)).ok_or(FeeOverflow)?;
    schedule.units_fee(units)
}

impl FeeSchedule {
    /// What a session of `gas_limit` gas whose first message is `message_bytes` long (its
    /// inline code included) can cost at most: a node charges it before the work and refunds
    /// the difference to [`fee`](Self::fee) after.
    ///
    /// # Errors
    /// [`FeeOverflow`] when it does not fit a `u64`.
    pub fn upper_bound(&self, gas_limit: u64, message_bytes: u64) -> Result<Picos, FeeOverflow> {
        let terms = [
            self.per_session.checked_add(self.per_call),
            self.per_frame.checked_add(self.per_import),
            per_gas(self)?.checked_mul(gas_limit),
            Some(initcode(self, gas_limit)?),
            self.per_byte.checked_add(self.per_code_byte).and_then(|per_byte| per_byte.checked_mul(message_bytes)),
        ];
        terms.iter().try_fold(0u64, |fee, term| term.and_then(|term| fee.checked_add(term)).ok_or(FeeOverflow))
    }

    /// The least a unit of gas is charged when an opcode spends it: the cheapest opcode's
    /// units per unit of its gas, at [`per_thousand_units`](Self::per_thousand_units), and at
    /// least one picosecond. A node refuses a gas limit its caller cannot pay at this price
    /// before any work.
    pub fn floor_per_gas(&self) -> Picos {
        floor_per_gas(self)
    }

    /// The most a unit of gas can be charged, every term included ([`upper_bound`](Self::upper_bound)'s rate).
    ///
    /// # Errors
    /// [`FeeOverflow`] when it does not fit a `u64`.
    pub fn bound_per_gas(&self) -> Result<Picos, FeeOverflow> {
        per_gas(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_frame_endings_and_priced_exceptions_cost_no_gas() {
        for opcode in 0..=255u8 {
            let defined = revm::bytecode::opcode::OpCode::new(opcode).is_some();
            if defined && !ends_frame(opcode) {
                assert!(least_gas(opcode) > 0, "{opcode:#04x} runs for free");
            }
        }
        assert_eq!(least_gas(0x01), 3);
        assert_eq!(least_gas(0x5b), 1, "JUMPDEST");
        assert_eq!(least_gas(0xf1), 40, "CALL on Frontier");
    }

    #[test]
    fn init_code_is_bounded_by_the_memory_gas_buys() {
        assert!(initcode_bytes(0) >= 32);
        // 30M gas buys about 3.8 MiB of memory, and 938 CREATEs.
        let bytes = initcode_bytes(30_000_000);
        assert!(bytes > 938 * 3_800_000 && bytes < 940 * 4_000_000, "{bytes}");
    }
}
