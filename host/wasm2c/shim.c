/* The artifact run by WABT's wasm2c: the embedding `evmpc-host` drives (feature `wasm2c`).
 *
 * build.rs lowers the artifact's wide arithmetic (evmpc-lower-wide), translates it with
 * wasm2c into guest.c and compiles it as part of this file, so the 128-bit helpers
 * (wide_arithmetic.h) inline into their callers. Each import of the `evmpc` module goes to
 * one Rust function, `dispatch`, with the import's index (the order of `evmpc_abi::IMPORTS`)
 * and its arguments; a negative answer is a fault the session already recorded, raised here as a
 * trap. `memory.grow` asks the same function whether the protocol's cap allows the size.
 *
 * The runtime keeps its trap target and call depth in process globals, so the Rust side
 * runs one call into any instance at a time.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guest.c"
#include "wasm-rt-impl.h"

/* Indices `dispatch` answers besides the imports (see host/src/backend/wasm2c.rs). */
enum { GROW = 100, GROW_FAILED = 101 };

typedef int64_t (*evmpc_dispatch_t)(void* data, uint8_t* memory, uint64_t memory_len, uint32_t which,
                                    const uint64_t* args);

/* What every import receives: the session's data and the function that serves it. */
struct Z_evmpc_instance_t {
  void* data;
  evmpc_dispatch_t dispatch;
  Z_guest_instance_t* guest;
};

typedef struct {
  Z_guest_instance_t guest;
  struct Z_evmpc_instance_t node;
} evmpc_w2c_t;

static uint32_t serve(struct Z_evmpc_instance_t* node, uint32_t which, const uint64_t* args) {
  wasm_rt_memory_t* memory = &node->guest->w2c_memory;
  int64_t answer = node->dispatch(node->data, memory->data, memory->size, which, args);
  if (answer < 0) wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
  return (uint32_t)answer;
}

u32 Z_evmpcZ_sload(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d) {
  uint64_t args[] = {a, b, c, d};
  return serve(n, 0, args);
}
u32 Z_evmpcZ_sstore(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d, u32 e) {
  uint64_t args[] = {a, b, c, d, e};
  return serve(n, 1, args);
}
u32 Z_evmpcZ_account(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c) {
  uint64_t args[] = {a, b, c};
  return serve(n, 2, args);
}
void Z_evmpcZ_code_copy(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d) {
  uint64_t args[] = {a, b, c, d};
  serve(n, 3, args);
}
u32 Z_evmpcZ_code_load(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d, u32 e) {
  uint64_t args[] = {a, b, c, d, e};
  return serve(n, 4, args);
}
void Z_evmpcZ_keccak256(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c) {
  uint64_t args[] = {a, b, c};
  serve(n, 5, args);
}
void Z_evmpcZ_block_hash(struct Z_evmpc_instance_t* n, u64 a, u32 b) {
  uint64_t args[] = {a, b};
  serve(n, 6, args);
}
void Z_evmpcZ_log(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d, u32 e) {
  uint64_t args[] = {a, b, c, d, e};
  serve(n, 7, args);
}
u32 Z_evmpcZ_transfer(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c) {
  uint64_t args[] = {a, b, c};
  return serve(n, 8, args);
}
u32 Z_evmpcZ_call_enter(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d) {
  uint64_t args[] = {a, b, c, d};
  return serve(n, 9, args);
}
void Z_evmpcZ_call_exit(struct Z_evmpc_instance_t* n, u32 a) {
  uint64_t args[] = {a};
  serve(n, 10, args);
}
u32 Z_evmpcZ_selfdestruct(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d) {
  uint64_t args[] = {a, b, c, d};
  return serve(n, 11, args);
}

#include "wide_arithmetic.h"

/* The runtime's own growth (build.rs renames it), behind the protocol's cap. */
uint32_t evmpc_w2c_grow_unchecked(wasm_rt_memory_t* memory, uint32_t delta);

uint32_t wasm_rt_grow_memory(wasm_rt_memory_t* memory, uint32_t delta) {
  evmpc_w2c_t* instance = (evmpc_w2c_t*)((char*)memory - offsetof(evmpc_w2c_t, guest.w2c_memory));
  struct Z_evmpc_instance_t* node = &instance->node;
  uint64_t desired[] = {((uint64_t)memory->pages + delta) * 65536};
  if (node->dispatch(node->data, memory->data, memory->size, GROW, desired) != 1) return (uint32_t)-1;
  uint32_t previous = evmpc_w2c_grow_unchecked(memory, delta);
  if (previous == (uint32_t)-1) node->dispatch(node->data, memory->data, memory->size, GROW_FAILED, desired);
  return previous;
}

/* A new instance whose imports call `dispatch` with `data`; NULL when out of memory. */
evmpc_w2c_t* evmpc_w2c_new(void* data, evmpc_dispatch_t dispatch) {
  static int initialized;
  if (!initialized) {
    wasm_rt_init();
    Z_guest_init_module();
    initialized = 1;
  }
  evmpc_w2c_t* instance = calloc(1, sizeof(evmpc_w2c_t));
  if (!instance) return NULL;
  instance->node.data = data;
  instance->node.dispatch = dispatch;
  instance->node.guest = &instance->guest;
  Z_guest_instantiate(&instance->guest, &instance->node, NULL);
  return instance;
}

void evmpc_w2c_free(evmpc_w2c_t* instance) {
  Z_guest_free(&instance->guest);
  free(instance);
}

uint8_t* evmpc_w2c_memory(evmpc_w2c_t* instance, uint64_t* len) {
  *len = instance->guest.w2c_memory.size;
  return instance->guest.w2c_memory.data;
}

/* Calls export `which` (0 input_buffer, 1 frame_start, 2 frame_resume, 3 units) with `arg`
 * (ignored by units); returns the trap code (0 for none) and the export's result in `*result`. */
int evmpc_w2c_call(evmpc_w2c_t* instance, uint32_t which, uint32_t arg, int64_t* result) {
  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) return (int)trap;
  switch (which) {
    case 0:
      *result = (int64_t)(int32_t)Z_guestZ_input_buffer(&instance->guest, arg);
      break;
    case 1:
      *result = (int64_t)Z_guestZ_frame_start(&instance->guest, arg);
      break;
    case 2:
      *result = (int64_t)Z_guestZ_frame_resume(&instance->guest, arg);
      break;
    default:
      *result = (int64_t)Z_guestZ_units(&instance->guest);
      break;
  }
  return 0;
}

/* The trap's kind in the numbering of host/src/backend/wasm2c.rs (`kind`), 0 for others. */
int evmpc_w2c_trap_kind(int trap) {
  /* First: some configurations of the runtime give exhaustion the code of OOB. */
  if (trap == WASM_RT_TRAP_EXHAUSTION) return 7;
  if (trap == WASM_RT_TRAP_UNREACHABLE) return 1;
  if (trap == WASM_RT_TRAP_OOB) return 2;
  if (trap == WASM_RT_TRAP_INT_OVERFLOW) return 3;
  if (trap == WASM_RT_TRAP_DIV_BY_ZERO) return 4;
  if (trap == WASM_RT_TRAP_INVALID_CONVERSION) return 5;
  if (trap == WASM_RT_TRAP_CALL_INDIRECT) return 6;
  return 0;
}

