/* The precompile through WABT's wasm2c and clang: an LLVM-compiled path for the artifact.
 *
 * Runs one encoded frame message (as `evmpc run --write-message` writes it) on the artifact
 * translated to C (its wide arithmetic lowered to `evmpc_wide` imports by
 * tools/lower-wide, served here with 128-bit integers), RUNS times, each on a fresh
 * instance, and prints the frame's result and the fastest and median time. The node's side
 * is the smallest that runs a frame on an empty state: storage (`sload`, `sstore`) with
 * EIP-2929 warmth, and `keccak256`; any other import ends the run with exit code 3 and its
 * name. `just llvm-path` compares the result with wasmtime's and the time with native revm's.
 *
 * One translation unit with the translated artifact (`guest.c` is included below), so that
 * clang inlines the 128-bit helpers into the code that calls them.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest.c"
#include "wasm-rt-impl.h"

/* The node's state for one session: slots written or read, by address and key. */
typedef struct {
  uint8_t address[20], key[32], original[32], present[32];
} slot_t;

struct Z_evmpc_instance_t {
  slot_t* slots;
  size_t len, cap;
};

static Z_guest_instance_t* running;

static uint8_t* guest_bytes(u32 ptr, u32 len) {
  wasm_rt_memory_t* memory = &running->w2c_memory;
  if ((uint64_t)ptr + len > memory->size) {
    fprintf(stderr, "import argument outside guest memory\n");
    exit(4);
  }
  return memory->data + ptr;
}

enum { SKIP_COLD = 1, FLAG_COLD = 1, FLAG_SKIPPED = 2 };

/* The slot of (address, key), created (zero) on first access, which is cold (`*flags` gets
 * FLAG_COLD); NULL with FLAG_SKIPPED when it is cold and the guest asked to skip cold slots. */
static slot_t* slot_at(struct Z_evmpc_instance_t* node, u32 address, u32 key, u32 request, u32* flags) {
  const uint8_t* a = guest_bytes(address, 20);
  const uint8_t* k = guest_bytes(key, 32);
  *flags = 0;
  for (size_t i = 0; i < node->len; i++)
    if (!memcmp(node->slots[i].address, a, 20) && !memcmp(node->slots[i].key, k, 32)) return &node->slots[i];
  if (request & SKIP_COLD) {
    *flags = FLAG_SKIPPED;
    return NULL;
  }
  if (node->len == node->cap) {
    node->cap = node->cap ? 2 * node->cap : 64;
    node->slots = realloc(node->slots, node->cap * sizeof(slot_t));
    if (!node->slots) abort();
  }
  slot_t* slot = &node->slots[node->len++];
  memset(slot, 0, sizeof *slot);
  memcpy(slot->address, a, 20);
  memcpy(slot->key, k, 32);
  *flags = FLAG_COLD;
  return slot;
}

u32 Z_evmpcZ_sload(struct Z_evmpc_instance_t* node, u32 address, u32 key, u32 request, u32 out) {
  u32 flags;
  slot_t* slot = slot_at(node, address, key, request, &flags);
  if (slot) memcpy(guest_bytes(out, 32), slot->present, 32);
  return flags;
}

u32 Z_evmpcZ_sstore(struct Z_evmpc_instance_t* node, u32 address, u32 key, u32 value, u32 request, u32 out) {
  u32 flags;
  slot_t* slot = slot_at(node, address, key, request, &flags);
  if (!slot) return flags;
  uint8_t* record = guest_bytes(out, 64);
  memcpy(record, slot->original, 32);
  memcpy(record + 32, slot->present, 32);
  memcpy(slot->present, guest_bytes(value, 32), 32);
  return flags;
}

/* Keccak-256 (the original padding, as Ethereum uses it). */
static const uint64_t round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
static const int rotations[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43,
                                  25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};

static uint64_t rotl(uint64_t x, int n) { return n ? (x << n) | (x >> (64 - n)) : x; }

static void keccak_f(uint64_t s[25]) {
  for (int round = 0; round < 24; round++) {
    uint64_t c[5], b[25];
    for (int x = 0; x < 5; x++) c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
    for (int x = 0; x < 5; x++) {
      uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) s[y + x] ^= d;
    }
    for (int x = 0; x < 5; x++)
      for (int y = 0; y < 5; y++) b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(s[x + 5 * y], rotations[x + 5 * y]);
    for (int x = 0; x < 5; x++)
      for (int y = 0; y < 25; y += 5) s[y + x] = b[y + x] ^ (~b[y + (x + 1) % 5] & b[y + (x + 2) % 5]);
    s[0] ^= round_constants[round];
  }
}

static void keccak256(const uint8_t* data, size_t len, uint8_t out[32]) {
  enum { RATE = 136 };
  uint64_t s[25] = {0};
  uint8_t block[RATE];
  for (;;) {
    size_t take = len < RATE ? len : RATE;
    memset(block, 0, RATE);
    memcpy(block, data, take);
    if (take < RATE) {
      block[take] ^= 0x01;
      block[RATE - 1] ^= 0x80;
    }
    for (int i = 0; i < RATE / 8; i++) {
      uint64_t lane = 0;
      for (int j = 7; j >= 0; j--) lane = (lane << 8) | block[8 * i + j];
      s[i] ^= lane;
    }
    keccak_f(s);
    if (take < RATE) break;
    data += RATE;
    len -= RATE;
  }
  for (int i = 0; i < 32; i++) out[i] = (uint8_t)(s[i / 8] >> (8 * (i % 8)));
}

void Z_evmpcZ_keccak256(struct Z_evmpc_instance_t* node, u32 data, u32 len, u32 out) {
  (void)node;
  uint8_t hash[32];
  keccak256(guest_bytes(data, len), len, hash);
  memcpy(guest_bytes(out, 32), hash, 32);
}

#include "wide_arithmetic.h"

static _Noreturn void unserved(const char* import) {
  fprintf(stderr, "the frame needs the `%s` import, which this harness does not serve\n", import);
  exit(3);
}

u32 Z_evmpcZ_account(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c) { (void)n, (void)a, (void)b, (void)c; unserved("account"); }
void Z_evmpcZ_block_hash(struct Z_evmpc_instance_t* n, u64 a, u32 b) { (void)n, (void)a, (void)b; unserved("block_hash"); }
u32 Z_evmpcZ_call_enter(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d) { (void)n, (void)a, (void)b, (void)c, (void)d; unserved("call_enter"); }
void Z_evmpcZ_call_exit(struct Z_evmpc_instance_t* n, u32 a) { (void)n, (void)a; unserved("call_exit"); }
void Z_evmpcZ_code_copy(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d) { (void)n, (void)a, (void)b, (void)c, (void)d; unserved("code_copy"); }
u32 Z_evmpcZ_code_load(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d, u32 e) { (void)n, (void)a, (void)b, (void)c, (void)d, (void)e; unserved("code_load"); }
void Z_evmpcZ_log(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d, u32 e) { (void)n, (void)a, (void)b, (void)c, (void)d, (void)e; unserved("log"); }
u32 Z_evmpcZ_selfdestruct(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c, u32 d) { (void)n, (void)a, (void)b, (void)c, (void)d; unserved("selfdestruct"); }
u32 Z_evmpcZ_transfer(struct Z_evmpc_instance_t* n, u32 a, u32 b, u32 c) { (void)n, (void)a, (void)b, (void)c; unserved("transfer"); }

static uint64_t le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
  return v;
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static int by_value(const void* a, const void* b) {
  double x = *(const double*)a, y = *(const double*)b;
  return (x > y) - (x < y);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s MESSAGE_FILE RUNS\n", argv[0]);
    return 2;
  }
  FILE* file = fopen(argv[1], "rb");
  if (!file) {
    perror(argv[1]);
    return 2;
  }
  static uint8_t message[1 << 24];
  size_t len = fread(message, 1, sizeof message, file);
  fclose(file);
  int runs = atoi(argv[2]);
  if (runs < 1) runs = 1;
  double* times = calloc((size_t)runs, sizeof(double));

  wasm_rt_init();
  Z_guest_init_module();
  for (int run = 0; run < runs; run++) {
    struct Z_evmpc_instance_t node = {0};
    Z_guest_instance_t instance;
    double started = now_ns();
    Z_guest_instantiate(&instance, &node, NULL);
    running = &instance;
    wasm_rt_trap_t trap = wasm_rt_impl_try();
    if (trap != WASM_RT_TRAP_NONE) {
      fprintf(stderr, "guest trapped: %s\n", wasm_rt_strerror(trap));
      return 5;
    }
    u32 buffer = Z_guestZ_input_buffer(&instance, (u32)len);
    memcpy(guest_bytes(buffer, (u32)len), message, len);
    u64 packed = Z_guestZ_frame_start(&instance, (u32)len);
    times[run] = now_ns() - started;
    if ((int64_t)packed < 0) {
      fprintf(stderr, "the guest refused the message: boundary error %" PRId64 "\n", -(int64_t)packed);
      return 5;
    }
    const uint8_t* action = guest_bytes((u32)(packed >> 32), (u32)packed);
    if (run == runs - 1) {
      if (action[0] != 0) {
        fprintf(stderr, "the frame suspended (action %u): this harness runs single frames\n", action[0]);
        return 3;
      }
      printf("status 0x%02x\ngas_used %" PRIu64 "\ngas_refunded %" PRId64 "\noutput 0x", action[1], le(action + 2, 8),
             (int64_t)le(action + 10, 8));
      const uint8_t* output = guest_bytes((u32)le(action + 18, 4), (u32)le(action + 22, 4));
      for (u32 i = 0; i < (u32)le(action + 22, 4); i++) printf("%02x", output[i]);
      printf("\n");
    }
    Z_guest_free(&instance);
    free(node.slots);
  }
  qsort(times, (size_t)runs, sizeof(double), by_value);
  printf("runs %d\nfastest_ms %.3f\nmedian_ms %.3f\n", runs, times[0] / 1e6, times[runs / 2] / 1e6);
  return 0;
}
