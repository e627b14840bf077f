/* Wide arithmetic for the artifact lowered by evmpc-lower-wide: the four `evmpc_wide`
 * imports, as the proposal defines the instructions they replace (operands and results as
 * (low, high) halves of 128-bit integers). Included after the wasm2c output, which declares
 * them, by host/wasm2c/shim.c and tools/llvm-path/harness.c. */
#ifndef EVMPC_WIDE_ARITHMETIC_H
#define EVMPC_WIDE_ARITHMETIC_H

typedef unsigned __int128 u128;

static struct wasm_multi_jj halves(u128 value) {
  struct wasm_multi_jj out = {(u64)value, (u64)(value >> 64)};
  return out;
}

struct wasm_multi_jj Z_evmpc_wideZ_add128(struct Z_evmpc_wide_instance_t* w, u64 a_lo, u64 a_hi, u64 b_lo,
                                          u64 b_hi) {
  (void)w;
  return halves((((u128)a_hi << 64) | a_lo) + (((u128)b_hi << 64) | b_lo));
}

struct wasm_multi_jj Z_evmpc_wideZ_sub128(struct Z_evmpc_wide_instance_t* w, u64 a_lo, u64 a_hi, u64 b_lo,
                                          u64 b_hi) {
  (void)w;
  return halves((((u128)a_hi << 64) | a_lo) - (((u128)b_hi << 64) | b_lo));
}

struct wasm_multi_jj Z_evmpc_wideZ_mul_wide_u(struct Z_evmpc_wide_instance_t* w, u64 a, u64 b) {
  (void)w;
  return halves((u128)a * b);
}

struct wasm_multi_jj Z_evmpc_wideZ_mul_wide_s(struct Z_evmpc_wide_instance_t* w, u64 a, u64 b) {
  (void)w;
  return halves((u128)((__int128)(int64_t)a * (int64_t)b));
}

#endif
