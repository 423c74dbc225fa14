/* Kernel ABI and registration. */
#ifndef PTO_KERNEL_H
#define PTO_KERNEL_H

#include <stdint.h>

#include "pto/device.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Kernel ABI: args are device pointers and scalars packed as u64 (floats are
 * bit-cast, see pto_f32_bits). */
typedef void (*pto_kernel_fn)(const uint64_t *args);

#define PTO_MAX_FUNCS 1024 /* func_id range is [0, PTO_MAX_FUNCS) */
#define PTO_MAX_ARGS 16

static inline uint64_t pto_f32_bits(float f)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.f = f;
    return v.u;
}
static inline float pto_bits_f32(uint64_t u)
{
    union {
        float f;
        uint32_t u;
    } v;
    v.u = (uint32_t)u;
    return v.f;
}
static inline uint64_t pto_ptr_bits(const void *p) { return (uint64_t)(uintptr_t)p; }
static inline void *pto_bits_ptr(uint64_t u) { return (void *)(uintptr_t)u; }

/* Semantic time. A kernel reports the cycles it takes by adding to a
 * per-thread counter (the tile library in pto/tile.h does this for every
 * op); the executor resets it before the kernel and reads it after. The
 * counter saturates at UINT64_MAX instead of wrapping.
 *
 * Semantic time is valid up to PTO_CYCLE_LIMIT cycles, in threaded and
 * deterministic mode alike: a task whose end cycle (start + the cycles its
 * kernel and cost function report) would pass it fails the run with
 * PTO_ERR_CAPACITY and a message naming the task and the limit; it and the
 * tasks after it are clamped to the limit, so total_cycles never exceeds
 * it. */
#define PTO_CYCLE_LIMIT ((UINT64_C(1) << 56) - 1)
PTO_API void pto_add_cycles(uint64_t n);
PTO_API uint64_t pto_cycles_read(void);
PTO_API void pto_cycles_reset(void);

/* Which part of its task the calling kernel runs (see pto_submit_spmd and
 * pto_submit_mix in pto/run.h). A one-core task is block 0 of 1; an SPMD
 * part is block i of block_num. A MIX part is block 0 of 1 and sub-block
 * 0 (AIC, or the first AIV part) or 1 (the second AIV part) of
 * pto_subblock_num(), the number of AIV parts (1 for AIC and one-core
 * tasks). Valid only inside a kernel. */
PTO_API uint32_t pto_block_idx(void);
PTO_API uint32_t pto_block_num(void);
PTO_API uint32_t pto_subblock_idx(void);
PTO_API uint32_t pto_subblock_num(void);

/* Optional cost model of a kernel: when set, a task's duration is
 * cost(args) cycles plus whatever the kernel itself reports. */
typedef uint64_t (*pto_cost_fn)(const uint64_t *args);

/* Registration state rules (all five calls below): PTO_ERR_STATE while a
 * launch is in progress on the device, except from a host-built
 * orchestration function, which runs on the launching thread before anything
 * executes. There a func_id that a task of the graph being built already
 * uses cannot change its core type (the task chose its core type, queue and
 * core when it was added): PTO_ERR_STATE naming the task. */

/* (a) A C function linked into the program. name is copied (may be NULL). */
PTO_API pto_status pto_kernel_register(pto_device *dev, int func_id, pto_core_type type,
                                       pto_kernel_fn fn, const char *name, pto_error *err);

/* (b) A shared object: dlopen(so_path), dlsym(symbol). */
PTO_API pto_status pto_kernel_register_so(pto_device *dev, int func_id, pto_core_type type,
                                          const char *so_path, const char *symbol, pto_error *err);

/* (c) A C source file compiled with the system C compiler ($CC or cc) as
 * -shared -fPIC -O2 -I<pto include dir> [extra_flags] ... -lm, cached under
 * $PTO_CACHE_DIR (default $XDG_CACHE_HOME/pto or ~/.cache/pto) by everything
 * the compile read: the source, every header it includes (directly or not,
 * as the compiler's own dependency list names them), the flags and the
 * compiler. Editing any of them compiles again; a cache hit runs no
 * compiler. Compiler diagnostics are returned in err->msg with
 * PTO_ERR_COMPILE. */
PTO_API pto_status pto_kernel_register_source(pto_device *dev, int func_id, pto_core_type type,
                                              const char *c_path, const char *symbol,
                                              const char *extra_flags, pto_error *err);

/* Attaches (or with NULL removes) a cost function to a registered kernel. */
PTO_API pto_status pto_kernel_set_cost(pto_device *dev, int func_id, pto_cost_fn cost,
                                       pto_error *err);

/* Removes a registration (tasks already submitted with func_id then fail at
 * dispatch with PTO_ERR_KERNEL). */
PTO_API pto_status pto_kernel_unregister(pto_device *dev, int func_id, pto_error *err);

/* Compiles a C source into a cached shared object and writes its path to
 * out_path (size out_len). Used for kernels and for orchestration .so files. */
PTO_API pto_status pto_compile_shared(const char *c_path, const char *extra_flags, char *out_path,
                                      size_t out_len, pto_error *err);

#ifdef __cplusplus
}
#endif
#endif
