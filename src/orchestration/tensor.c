/* Tensor view helpers. Arithmetic that overflows saturates to UINT64_MAX,
 * which no buffer can hold, so the view is refused at submit instead of
 * wrapping to a small, valid-looking one. */
#include <string.h>

#include "pto/tensor.h"

static uint64_t mul_sat(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_mul_overflow(a, b, &r) ? UINT64_MAX : r;
}

static uint64_t add_sat(uint64_t a, uint64_t b)
{
    uint64_t r;
    return __builtin_add_overflow(a, b, &r) ? UINT64_MAX : r;
}

pto_tensor pto_tensor_1d(void *base, uint64_t count, uint32_t elem)
{
    pto_tensor t;
    memset(&t, 0, sizeof t);
    t.base = base;
    t.ndim = 1;
    t.elem = elem;
    t.shape[0] = count;
    t.stride[0] = elem;
    return t;
}

pto_tensor pto_tensor_2d(void *base, uint64_t rows, uint64_t cols, uint32_t elem)
{
    pto_tensor t;
    memset(&t, 0, sizeof t);
    t.base = base;
    t.ndim = 2;
    t.elem = elem;
    t.shape[0] = rows;
    t.shape[1] = cols;
    t.stride[0] = mul_sat(cols, elem);
    t.stride[1] = elem;
    return t;
}

pto_tensor pto_tensor_tile(const pto_tensor *t, uint64_t r0, uint64_t c0, uint64_t rows,
                           uint64_t cols)
{
    pto_tensor v = {0}; /* no parent: an invalid view, refused at submit */
    if (!t)
        return v;
    v = *t;
    v.offset = add_sat(add_sat(t->offset, mul_sat(r0, t->stride[0])), mul_sat(c0, t->stride[1]));
    v.shape[0] = rows;
    v.shape[1] = cols;
    return v;
}

uint64_t pto_tensor_bytes(const pto_tensor *t)
{
    if (!t)
        return 0;
    uint64_t n = t->elem;
    for (uint32_t d = 0; d < t->ndim && d < PTO_MAX_DIMS; d++)
        n = mul_sat(n, t->shape[d]);
    return n;
}
