//! NEAR's runtime parameters (`parameters.yaml` of nearcore), in NEAR gas: about a
//! femtosecond each (1 Tgas ≈ 1 ms of the machine NEAR calibrated on).

/// `wasm_regular_op_cost`: one Wasm operation.
pub const REGULAR_OP: u64 = 822_756;
/// `wasm_base`: any host function call.
pub const BASE: u64 = 264_768_111;
/// `wasm_read_memory_base`: reading contract memory.
pub const READ_MEMORY_BASE: u64 = 2_609_863_200;
/// `wasm_read_memory_byte`.
pub const READ_MEMORY_BYTE: u64 = 3_801_333;
/// `wasm_write_memory_base`: writing contract memory.
pub const WRITE_MEMORY_BASE: u64 = 2_803_794_861;
/// `wasm_write_memory_byte`.
pub const WRITE_MEMORY_BYTE: u64 = 2_723_772;
/// `wasm_read_register_base`.
pub const READ_REGISTER_BASE: u64 = 2_517_165_186;
/// `wasm_read_register_byte`.
pub const READ_REGISTER_BYTE: u64 = 98_562;
/// `wasm_write_register_base`.
pub const WRITE_REGISTER_BASE: u64 = 2_865_522_486;
/// `wasm_write_register_byte`.
pub const WRITE_REGISTER_BYTE: u64 = 3_801_564;
/// `wasm_storage_read_base`.
pub const STORAGE_READ_BASE: u64 = 56_356_845_750;
/// `wasm_storage_read_key_byte`.
pub const STORAGE_READ_KEY_BYTE: u64 = 30_952_533;
/// `wasm_storage_read_value_byte`.
pub const STORAGE_READ_VALUE_BYTE: u64 = 5_611_005;
/// `wasm_storage_write_base`.
pub const STORAGE_WRITE_BASE: u64 = 64_196_736_000;
/// `wasm_storage_write_key_byte`.
pub const STORAGE_WRITE_KEY_BYTE: u64 = 70_482_867;
/// `wasm_storage_write_value_byte`.
pub const STORAGE_WRITE_VALUE_BYTE: u64 = 31_018_539;
/// `wasm_storage_write_evicted_byte`.
pub const STORAGE_WRITE_EVICTED_BYTE: u64 = 32_117_307;
/// `wasm_storage_remove_base`.
pub const STORAGE_REMOVE_BASE: u64 = 53_473_030_500;
/// `wasm_storage_remove_key_byte`.
pub const STORAGE_REMOVE_KEY_BYTE: u64 = 38_220_384;
/// `wasm_storage_remove_ret_value_byte`.
pub const STORAGE_REMOVE_RET_VALUE_BYTE: u64 = 11_531_556;
/// NEAR gas per picosecond of evmpc's fee schedule.
pub const GAS_PER_PICO: u64 = 1_000;
/// `max_gas_burnt`: what one NEAR function call may burn (300 Tgas).
pub const MAX_GAS_BURNT: u64 = 300_000_000_000_000;

/// `base + per_byte × bytes`, saturating.
pub fn linear(base: u64, per_byte: u64, bytes: usize) -> u64 {
    base.saturating_add(per_byte.saturating_mul(bytes as u64))
}
