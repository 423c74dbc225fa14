/* Example descriptor: what `pto run DIR` loads from DIR/orchestration.c.
 *
 * The CLI compiles DIR/orchestration.c into a shared object, calls its
 * pto_example_get(), compiles and registers each kernel source (paths are
 * relative to DIR), declares the example's symbols and applies `--set`
 * (docs/symbols.md), launches orchestrate, then asks check() to compare the
 * copied-back outputs with the example's C golden. */
#ifndef PTO_EXAMPLE_H
#define PTO_EXAMPLE_H

#include "pto/run.h"
#include "pto/symbols.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pto_example_kernel {
    int func_id;
    pto_core_type type;
    const char *source; /* C file, relative to the example directory */
    const char *symbol; /* kernel entry: void symbol(const uint64_t *args) */
} pto_example_kernel;

/* A symbol the example reads (pto/symbols.h): declared by the CLI with
 * its type and default before `--set NAME=VALUE` is applied. */
typedef struct pto_example_symbol {
    const char *name;
    pto_symbol_type type;
    uint64_t default_bits; /* u64 value, pto_f32_bits(x), or 0 for an array */
} pto_example_symbol;

typedef struct pto_example {
    const char *name;
    const pto_example_kernel *kernels;
    unsigned nkernels;
    size_t ctx_size; /* the CLI passes a zeroed buffer of this size */
    /* Allocates device tensors, copies inputs, adds tasks and copy-backs. */
    pto_orch_fn orchestrate;
    /* Computes the golden on the host and compares; sets *max_err (largest
     * absolute difference) and *tolerance. PASS when max_err <= tolerance. */
    pto_status (*check)(void *ctx, double *max_err, double *tolerance, pto_error *err);
    /* Frees what orchestrate allocated (device memory via dev). */
    void (*teardown)(pto_device *dev, void *ctx);
    /* PTO_MODE_HOST_BUILT (default) or PTO_MODE_STREAMED; `pto run
     * --streamed` / `--host-built` override it. */
    pto_run_mode mode;
    /* Symbols to declare before the run (NULL: none); `--set` declares
     * any other name it is given, with the type of its value. */
    const pto_example_symbol *symbols;
    unsigned nsymbols;
} pto_example;

#define PTO_EXAMPLE_ENTRY "pto_example_get"
typedef const pto_example *(*pto_example_get_fn)(void);

/* Small helpers shared by example orchestrations (static inline: an
 * orchestration .so needs nothing beyond libpto). */

/* Returns the status of expr from the enclosing function unless it is OK. */
#define PTO_TRY(expr)                                                                              \
    do {                                                                                           \
        pto_status pto_try_ = (expr);                                                              \
        if (pto_try_ != PTO_OK)                                                                    \
            return pto_try_;                                                                       \
    } while (0)

/* Deterministic inputs: a 64-bit LCG, uniform in [-1, 1). */
static inline float pto_example_rand(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    uint32_t top = (uint32_t)(*state >> 40);
    return (float)top / (float)(1u << 23) - 1.0f;
}

/* Folds |got - golden| into *worst, the running max error of a check. A
 * NaN sticks (and then fails any tolerance: NaN <= x is false). */
static inline void pto_example_err(double *worst, double got, double golden)
{
    double d = got > golden ? got - golden : golden - got;
    if (*worst != *worst)
        return;
    if (d != d || d > *worst)
        *worst = d;
}

/* pto_malloc of a float buffer. */
static inline pto_status pto_example_alloc(pto_device *dev, size_t bytes, float **out,
                                           pto_error *err)
{
    void *p = 0;
    pto_status s = pto_malloc(dev, bytes, &p, err);
    *out = (float *)p;
    return s;
}

/* pto_malloc of an int32 buffer of n elements. */
static inline pto_status pto_example_alloc_i32(pto_device *dev, size_t n, int32_t **out,
                                               pto_error *err)
{
    void *p = 0;
    pto_status s = pto_malloc(dev, n * sizeof(int32_t), &p, err);
    *out = (int32_t *)p;
    return s;
}

/* count elements of elem bytes from element `first` of the buffer at base,
 * as a 1-D view. */
static inline pto_tensor pto_example_part(void *base, uint64_t first, uint64_t count,
                                          uint32_t elem)
{
    pto_tensor t = pto_tensor_1d(base, count, elem);
    t.offset = first * elem;
    return t;
}

/* Frees the device buffers *slots[0..n) that are set, and clears them. */
static inline void pto_example_free(pto_device *dev, float **const slots[], size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (*slots[i])
            pto_free(dev, *slots[i], NULL);
        *slots[i] = NULL;
    }
}

#ifdef __cplusplus
}
#endif
#endif
