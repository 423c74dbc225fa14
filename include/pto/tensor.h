/* Tensors and task parameters for streamed orchestration (pto_submit).
 *
 * A tensor is a view of one device buffer: a base address in the buffer, a
 * byte offset from it, a shape and byte strides (outermost dimension
 * first). Dependencies between submitted tasks (and the writers pto_read
 * and pto_slot_load wait for) are inferred from overlapping views of the
 * same buffer, whatever base pointer each view uses: base = buf + 8 with
 * offset 0 and base = buf with offset 8 are the same bytes (see DESIGN §4).
 *
 * Memory safety: pto_submit, pto_submit_dummy and pto_read accept a view
 * only if every byte it spans lies inside one live device buffer -- the
 * buffer containing `base`, which must be
 *   - inside a live pto_malloc allocation of the run's device (any interior
 *     pointer of it, e.g. one row of a matrix, is fine), or
 *   - inside a PTO_OUT output of the current run whose task has not retired
 *     (the tensor pto_submit filled in, copies and tiles of it, or a view
 *     built by hand on a pointer into it).
 * Anything else -- host memory (a static or malloc'ed array), freed
 * buffers, another device's memory, NULL -- is refused with PTO_ERR_INVALID:
 * a kernel could not reach it on a real device. The span is computed with
 * overflow checks (offset + sum (shape[d] - 1) * stride[d] + elem), so
 * huge shapes, offsets or "negative" strides are refused too. The message
 * names the parameter, e.g. "pto_submit: param 1 (IN): view [offset 0,
 * +4194304 bytes) lies outside its buffer of 256 bytes at 0x...". */
#ifndef PTO_TENSOR_H
#define PTO_TENSOR_H

#include <stdint.h>

#include "pto/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PTO_MAX_DIMS 4

typedef struct pto_tensor {
    void *base;      /* the device buffer (GM or heap arena): its start or
                        any interior pointer of it (see above) */
    uint64_t offset; /* bytes from base to the view's first element */
    uint32_t ndim;   /* 1..PTO_MAX_DIMS */
    uint32_t elem;   /* bytes per element */
    uint64_t shape[PTO_MAX_DIMS];
    uint64_t stride[PTO_MAX_DIMS]; /* bytes between consecutive indices */
    /* Set by pto_submit on PTO_OUT outputs, zero otherwise; copied along by
     * copies and tiles. They name the output's heap-arena block, so that a
     * later submit checks a view of it with arithmetic instead of a lookup.
     * Leave them alone: a stale or wrong value is detected (the base is then
     * looked up), never trusted. */
    uint64_t alloc_pos;   /* heap-arena counter of the output's first byte */
    uint64_t alloc_bytes; /* its size; 0 = unknown */
} pto_tensor;

/* Contiguous views of a whole buffer. A stride that overflows 64 bits is
 * stored as UINT64_MAX (the view is then refused at submit). */
PTO_API pto_tensor pto_tensor_1d(void *base, uint64_t count, uint32_t elem);
PTO_API pto_tensor pto_tensor_2d(void *base, uint64_t rows, uint64_t cols, uint32_t elem);
/* The rows x cols sub-tile of a 2-D view starting at (r0, c0). An offset
 * that overflows 64 bits is stored as UINT64_MAX (refused at submit); a
 * NULL t gives an all-zero (invalid) view. */
PTO_API pto_tensor pto_tensor_tile(const pto_tensor *t, uint64_t r0, uint64_t c0, uint64_t rows,
                                   uint64_t cols);
/* Address of the view's first element. */
static inline void *pto_tensor_data(const pto_tensor *t) { return (char *)t->base + t->offset; }
/* Bytes spanned by a contiguous tensor of this shape (elem times every
 * shape[d]); UINT64_MAX when that overflows 64 bits, 0 for NULL. */
PTO_API uint64_t pto_tensor_bytes(const pto_tensor *t);

typedef enum pto_param_kind {
    PTO_IN = 0,       /* read: waits for earlier overlapping writers */
    PTO_OUT,          /* runtime-allocated output from the heap arena */
    PTO_INOUT,        /* read and write in place */
    PTO_OUT_EXISTING, /* write into a given tensor */
    PTO_NO_DEP,       /* passed to the kernel, ignored by inference */
    PTO_SCALAR        /* u64 bits (floats via pto_f32_bits) */
} pto_param_kind;

typedef struct pto_param {
    pto_param_kind kind;
    pto_tensor tensor; /* PTO_OUT: shape/elem in, base filled by pto_submit */
    uint64_t scalar;
} pto_param;

static inline pto_param pto_in(pto_tensor t)
{
    pto_param p = {PTO_IN, t, 0};
    return p;
}
static inline pto_param pto_inout(pto_tensor t)
{
    pto_param p = {PTO_INOUT, t, 0};
    return p;
}
static inline pto_param pto_out_existing(pto_tensor t)
{
    pto_param p = {PTO_OUT_EXISTING, t, 0};
    return p;
}
static inline pto_param pto_no_dep(pto_tensor t)
{
    pto_param p = {PTO_NO_DEP, t, 0};
    return p;
}
static inline pto_param pto_scalar(uint64_t v)
{
    pto_param p = {PTO_SCALAR, {0}, v};
    return p;
}
static inline pto_param pto_scalar_f32(float f) { return pto_scalar(pto_f32_bits(f)); }
/* A runtime-allocated output shaped like `like` (base ignored). */
static inline pto_param pto_out(pto_tensor like)
{
    pto_param p = {PTO_OUT, like, 0};
    p.tensor.base = 0;
    p.tensor.offset = 0;
    p.tensor.alloc_pos = p.tensor.alloc_bytes = 0;
    return p;
}

#ifdef __cplusplus
}
#endif
#endif
