/* Tile library for writing kernels in C (header-only, static inline).
 *
 * A kernel declares tiles on its own stack, loads them from device memory
 * (GM), computes with tile ops and stores the result back. Every op adds its
 * semantic cost to the calling thread's cycle counter with pto_add_cycles()
 * (DESIGN §5); the executor reads the counter after the kernel returns.
 *
 *     PTO_TILE_DECL(x, PTO_F32, 16, 16);      // 16x16 f32 tile, valid 16x16
 *     pto_t_load(&x, gm_in, 16);              // row stride 16 elements
 *     pto_t_muls(&x, &x, 2.0f);
 *     pto_t_store(gm_out, 16, &x);
 *
 * Naming
 *   pto_tile_*   tile bookkeeping and scalar helpers: init, set_valid, element
 *                get/set, f16/bf16 conversions. They cost no cycles.
 *   pto_t_*      tile ops. Each returns an int status (PTO_TILE_OK == 0 on
 *                success) and, only on success, adds its cost to the cycle
 *                counter. A failing op changes nothing (no data, no valid
 *                region, no cycles) and never crashes on bad shapes.
 *   pto_t_<op>s  scalar form (tile OP float scalar), e.g. pto_t_adds.
 *
 * Tiles
 *   A tile has a dtype (f32, f16, bf16, i32), a capacity rows x cols and a
 *   valid region valid_rows x valid_cols (the top-left corner). Data is
 *   row-major with a row pitch of `cols` elements. f32 is stored as float, i32
 *   as int32_t, f16 (IEEE binary16) and bf16 (upper half of binary32) as
 *   uint16_t bit patterns. Ops read only the valid region of their sources,
 *   write only the valid region of their destination, and set the
 *   destination's valid region to the result shape (the destination's
 *   capacity must be large enough). Cells outside it are left untouched.
 *   Storage always comes from the kernel (PTO_TILE_DECL or pto_tile_init);
 *   nothing here allocates.
 *
 * Arithmetic
 *   f16/bf16 values are computed in f32 and rounded once to the destination
 *   dtype (round to nearest, ties to even). i32 add/sub/mul wrap around
 *   (two's complement); i32 division truncates toward zero, x/0 gives 0 and
 *   INT32_MIN/-1 gives INT32_MIN. max/min on floats follow fmaxf/fminf (a NaN
 *   operand is ignored unless both are NaN). A float scalar applied to an i32
 *   tile is first converted like pto_t_convert does (round to nearest even,
 *   saturating, NaN -> 0).
 *
 * Aliasing
 *   A destination may be the same tile (same buffer, same pitch, same element
 *   size) as an elementwise source, i.e. ops work in place. Any other overlap
 *   between a destination and a source is rejected (PTO_TILE_EALIAS), as is
 *   any overlap at all for matmul, topk and the broadcast operand of
 *   row/col-expand ops.
 *
 * Cost model (DESIGN §5), in cycles, charged only on success
 *   The rule: an op that is one instruction of the reference (PTO-WSP's CPU
 *   simulation of PTO-ISA) costs the valid region of its destination,
 *   valid_rows * valid_cols (a store: of its source); matmul costs M*K*N and
 *   sort32 5*n. An op the reference lowers to several instructions costs the
 *   sum of theirs. Every op here, checked against that rule (R x C = the
 *   destination's valid region after the op, the source's for store):
 *
 *   op                        lowering                          cycles
 *   load, store               one load / store                  R*C
 *   move, convert, fill       one move / convert / broadcast    R*C
 *   add sub mul div max min   one elementwise op                R*C
 *   adds subs muls divs       one tile-scalar op                R*C
 *     maxs mins
 *   row_expand_{add,sub,mul,  one row-expand op                 R*C
 *     div,max,min}
 *   col_expand_{add,sub,      one col-expand op                 R*C
 *     mul,div}
 *   exp rsqrt log sqrt        one unary op                      R*C
 *     neg abs
 *   relu                      one max with the scalar 0         R*C
 *   recip                     one divide of the scalar 1 by it  R*C
 *   silu                      one op (see below)                R*C
 *   row_sum row_max row_min   one row reduction (dst R x 1)     R
 *   row_mean                  row sum (R x 1) + divide of the   R + R = 2*R
 *                             sums by valid_cols (R x 1)
 *   matmul                    one matmul                        M*K*N
 *   matmul_acc                one accumulating matmul           M*K*N
 *   sort32                    one sort32 of the source          5*R*W
 *   topk                      sort32 of the source + one merge  5*R*W + R*k
 *                             of the sorted blocks into R x k
 *   (M, K, N: A is M x K, B is K x N; W: the source's valid_cols.)
 *
 *   silu is charged as one op because the reference has no lowering for it:
 *   its CPU simulation charges an op without an instruction once, the size
 *   of its result, rather than expanding it into exp/add/div.
 *
 *   e.g. rmsnorm of a 16x16 f32 tile (load, mul, row_sum, divs, rsqrt,
 *   row_expand_mul, store) = 256+256+16+16+16+256+256 = 1072 cycles; the
 *   same with row_mean in place of row_sum + divs is the same 1072
 *   (row_mean 32 = row_sum 16 + divs 16).
 */
#ifndef PTO_TILE_H
#define PTO_TILE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pto/kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Types, status codes, declaration                                         */

typedef enum pto_dtype {
    PTO_F32 = 0,  /* float */
    PTO_F16 = 1,  /* IEEE binary16 as uint16_t bits */
    PTO_BF16 = 2, /* bfloat16 as uint16_t bits */
    PTO_I32 = 3   /* int32_t */
} pto_dtype;

typedef struct pto_tile {
    pto_dtype dtype;
    uint32_t rows, cols;             /* capacity; row pitch = cols elements */
    uint32_t valid_rows, valid_cols; /* region ops work on (top-left) */
    void *data;                      /* rows*cols elements, kernel-owned */
} pto_tile;

#define PTO_TILE_OK 0
#define PTO_TILE_EINVAL 1 /* NULL pointer, bad dtype, bad argument */
#define PTO_TILE_ESHAPE 2 /* incompatible valid regions or capacity too small */
#define PTO_TILE_EDTYPE 3 /* unsupported dtype or dtype combination */
#define PTO_TILE_EALIAS 4 /* destination overlaps a source illegally */

/* Bytes per element, as an integer constant expression (usable in array
 * sizes); 0 for an unknown dtype. */
#define PTO_DTYPE_SIZE(dt)                                                                         \
    ((dt) == PTO_F32 || (dt) == PTO_I32 ? 4 : (dt) == PTO_F16 || (dt) == PTO_BF16 ? 2 : 0)

/* Number of 4-byte words backing a rows x cols tile (at least 1). */
#define PTO_TILE_WORDS(dt, rows, cols)                                                             \
    ((((size_t)(rows) * (size_t)(cols)*PTO_DTYPE_SIZE(dt) + 3) / 4) > 0                            \
         ? (((size_t)(rows) * (size_t)(cols)*PTO_DTYPE_SIZE(dt) + 3) / 4)                          \
         : 1)

/* Declares, at block scope, a 64-byte aligned local buffer `name##_buf` and a
 * tile `name` over it with capacity = valid region = rows x cols. dt, rows
 * and cols must be constants. Large tiles live on the kernel's stack; for
 * those, declare a static/_Thread_local buffer and use pto_tile_init. */
#define PTO_TILE_DECL(name, dt, rows, cols)                                                        \
    _Alignas(64) union {                                                                           \
        float f32[PTO_TILE_WORDS(dt, rows, cols)];                                                 \
        int32_t i32[PTO_TILE_WORDS(dt, rows, cols)];                                               \
        uint16_t u16[2 * PTO_TILE_WORDS(dt, rows, cols)];                                          \
    } name##_buf;                                                                                  \
    pto_tile name = pto_tile_make((dt), (rows), (cols), (void *)&name##_buf)

/* ------------------------------------------------------------------------ */
/* Scalar conversions (no cycles)                                           */

static inline uint32_t pto_tile__fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline float pto_tile__bitsf(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* f32 -> f16 bits, round to nearest even. Overflow gives +-inf, tiny values
 * become f16 subnormals or +-0, NaN stays a (quiet) NaN with its sign. */
static inline uint16_t pto_tile_f32_to_f16(float f)
{
    uint32_t x = pto_tile__fbits(f);
    uint32_t sign = (x >> 16) & 0x8000u;
    uint32_t bexp = (x >> 23) & 0xffu;
    uint32_t mant = x & 0x7fffffu;
    int e;
    uint32_t h, rem, halfway;
    unsigned shift;

    if (bexp == 0xffu) { /* inf or NaN */
        if (mant == 0)
            return (uint16_t)(sign | 0x7c00u);
        return (uint16_t)(sign | 0x7e00u | (mant >> 13));
    }
    e = (int)bexp - 127 + 15; /* f16 biased exponent */
    if (e >= 31)
        return (uint16_t)(sign | 0x7c00u);
    if (e <= 0) {
        /* f16 subnormal (or zero): value = m * 2^-24 */
        if (e < -10) /* |f| < 2^-25: rounds to zero (2^-25 itself ties to 0) */
            return (uint16_t)sign;
        mant |= 0x800000u; /* f32 subnormals have e < -10, so this is normal */
        shift = (unsigned)(14 - e);
        h = mant >> shift;
        rem = mant & ((1u << shift) - 1u);
        halfway = 1u << (shift - 1u);
        if (rem > halfway || (rem == halfway && (h & 1u)))
            h++; /* may carry into the smallest normal: still correct */
        return (uint16_t)(sign | h);
    }
    h = ((uint32_t)e << 10) | (mant >> 13);
    rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u)))
        h++; /* a carry out of the mantissa bumps the exponent; 0x7bff -> inf */
    return (uint16_t)(sign | h);
}

/* f16 bits -> f32 (exact). */
static inline float pto_tile_f16_to_f32(uint16_t h)
{
    uint32_t sign = ((uint32_t)h & 0x8000u) << 16;
    uint32_t bexp = ((uint32_t)h >> 10) & 0x1fu;
    uint32_t mant = (uint32_t)h & 0x3ffu;
    int e;

    if (bexp == 0) {
        if (mant == 0)
            return pto_tile__bitsf(sign);
        /* subnormal: normalise the mantissa */
        e = 1;
        while (!(mant & 0x400u)) {
            mant <<= 1;
            e--;
        }
        mant &= 0x3ffu;
        return pto_tile__bitsf(sign | ((uint32_t)(e + 112) << 23) | (mant << 13));
    }
    if (bexp == 0x1fu)
        return pto_tile__bitsf(sign | 0x7f800000u | (mant << 13));
    return pto_tile__bitsf(sign | ((bexp + 112u) << 23) | (mant << 13));
}

/* f32 -> bf16 bits, round to nearest even. Overflow gives +-inf; NaN stays a
 * quiet NaN with its sign. */
static inline uint16_t pto_tile_f32_to_bf16(float f)
{
    uint32_t x = pto_tile__fbits(f);
    uint32_t hi = x >> 16, lo = x & 0xffffu;

    if ((x & 0x7f800000u) == 0x7f800000u && (x & 0x7fffffu) != 0)
        return (uint16_t)(hi | 0x0040u);
    if (lo > 0x8000u || (lo == 0x8000u && (hi & 1u)))
        hi++; /* carries propagate into the exponent; max finite -> inf */
    return (uint16_t)hi;
}

/* bf16 bits -> f32 (exact). */
static inline float pto_tile_bf16_to_f32(uint16_t b) { return pto_tile__bitsf((uint32_t)b << 16); }

/* float -> int32: round to nearest even, saturating, NaN -> 0. */
static inline int32_t pto_tile__f2i(float f)
{
    if (f != f)
        return 0;
    if (f >= 2147483648.0f)
        return INT32_MAX;
    if (f < -2147483648.0f)
        return INT32_MIN;
    return (int32_t)nearbyintf(f);
}

/* int32 -> float rounded to odd at 24 bits: exact below 2^24, otherwise the
 * lowest kept bit is set when any dropped bit was. Rounding that result to
 * f16/bf16 (<= 11 bits) is then a correct single rounding of the integer. */
static inline float pto_tile__i2f_odd(int32_t v)
{
    uint32_t u = v < 0 ? 0u - (uint32_t)v : (uint32_t)v;
    unsigned s = 0;
    float f;

    if (u < (1u << 24))
        return (float)v;
    while ((u >> s) >= (1u << 24))
        s++;
    f = ldexpf((float)((u >> s) | ((u & ((1u << s) - 1u)) != 0)), (int)s);
    return v < 0 ? -f : f;
}

/* ------------------------------------------------------------------------ */
/* Tile bookkeeping (no cycles)                                             */

static inline size_t pto_tile_dtype_size(pto_dtype dt) { return (size_t)PTO_DTYPE_SIZE(dt); }

/* Describes buf as a rows x cols tile of dtype dt; the valid region is the
 * whole capacity. buf must hold rows*cols elements of the dtype (float,
 * uint16_t, uint16_t, int32_t) and stay alive while the tile is used.
 * Returns PTO_TILE_EINVAL (and leaves data NULL so every op fails) if t or buf
 * is NULL, the dtype is unknown or rows/cols is 0. */
static inline int pto_tile_init(pto_tile *t, pto_dtype dt, uint32_t rows, uint32_t cols, void *buf)
{
    if (!t)
        return PTO_TILE_EINVAL;
    t->dtype = dt;
    t->rows = rows;
    t->cols = cols;
    t->valid_rows = rows;
    t->valid_cols = cols;
    t->data = buf;
    if (!buf || PTO_DTYPE_SIZE(dt) == 0 || rows == 0 || cols == 0) {
        t->data = NULL;
        t->valid_rows = t->valid_cols = 0;
        return PTO_TILE_EINVAL;
    }
    return PTO_TILE_OK;
}

/* pto_tile_init as an expression (used by PTO_TILE_DECL). */
static inline pto_tile pto_tile_make(pto_dtype dt, uint32_t rows, uint32_t cols, void *buf)
{
    pto_tile t;
    (void)pto_tile_init(&t, dt, rows, cols, buf);
    return t;
}

/* Sets the valid region; 0 <= valid_rows <= rows, 0 <= valid_cols <= cols. */
static inline int pto_tile_set_valid(pto_tile *t, uint32_t valid_rows, uint32_t valid_cols)
{
    if (!t || !t->data)
        return PTO_TILE_EINVAL;
    if (valid_rows > t->rows || valid_cols > t->cols)
        return PTO_TILE_ESHAPE;
    t->valid_rows = valid_rows;
    t->valid_cols = valid_cols;
    return PTO_TILE_OK;
}

/* 1 if t is a usable tile (non-NULL, known dtype, valid within capacity). */
static inline int pto_tile__ok(const pto_tile *t)
{
    return t && t->data && PTO_DTYPE_SIZE(t->dtype) != 0 && t->valid_rows <= t->rows &&
           t->valid_cols <= t->cols;
}

/* Element at linear index i as float (i32 converted exactly up to 2^24). */
static inline float pto_tile__rd(const pto_tile *t, size_t i)
{
    switch (t->dtype) {
    case PTO_F32: return ((const float *)t->data)[i];
    case PTO_F16: return pto_tile_f16_to_f32(((const uint16_t *)t->data)[i]);
    case PTO_BF16: return pto_tile_bf16_to_f32(((const uint16_t *)t->data)[i]);
    case PTO_I32: return (float)((const int32_t *)t->data)[i];
    }
    return 0.0f;
}

/* Stores float v at linear index i, rounding to the tile's dtype. */
static inline void pto_tile__wr(pto_tile *t, size_t i, float v)
{
    switch (t->dtype) {
    case PTO_F32: ((float *)t->data)[i] = v; break;
    case PTO_F16: ((uint16_t *)t->data)[i] = pto_tile_f32_to_f16(v); break;
    case PTO_BF16: ((uint16_t *)t->data)[i] = pto_tile_f32_to_bf16(v); break;
    case PTO_I32: ((int32_t *)t->data)[i] = pto_tile__f2i(v); break;
    }
}

static inline int32_t *pto_tile__i32(const pto_tile *t) { return (int32_t *)t->data; }

/* Element (r, c) (anywhere in the capacity) as float; 0 when out of range or
 * t is unusable. Free: for tests and scalar kernel code. */
static inline float pto_tile_getf(const pto_tile *t, uint32_t r, uint32_t c)
{
    if (!pto_tile__ok(t) || r >= t->rows || c >= t->cols)
        return 0.0f;
    return pto_tile__rd(t, (size_t)r * t->cols + c);
}

/* Sets element (r, c) from a float (rounded/converted to the dtype). Free. */
static inline int pto_tile_setf(pto_tile *t, uint32_t r, uint32_t c, float v)
{
    if (!pto_tile__ok(t))
        return PTO_TILE_EINVAL;
    if (r >= t->rows || c >= t->cols)
        return PTO_TILE_ESHAPE;
    pto_tile__wr(t, (size_t)r * t->cols + c, v);
    return PTO_TILE_OK;
}

/* Element (r, c) of an i32 tile; 0 when out of range or not i32. Free. */
static inline int32_t pto_tile_geti(const pto_tile *t, uint32_t r, uint32_t c)
{
    if (!pto_tile__ok(t) || t->dtype != PTO_I32 || r >= t->rows || c >= t->cols)
        return 0;
    return pto_tile__i32(t)[(size_t)r * t->cols + c];
}

/* Sets element (r, c) of an i32 tile. Free. */
static inline int pto_tile_seti(pto_tile *t, uint32_t r, uint32_t c, int32_t v)
{
    if (!pto_tile__ok(t))
        return PTO_TILE_EINVAL;
    if (t->dtype != PTO_I32)
        return PTO_TILE_EDTYPE;
    if (r >= t->rows || c >= t->cols)
        return PTO_TILE_ESHAPE;
    pto_tile__i32(t)[(size_t)r * t->cols + c] = v;
    return PTO_TILE_OK;
}

/* ------------------------------------------------------------------------ */
/* Internal checks and helpers                                              */

static inline int pto_tile__is_float(pto_dtype dt)
{
    return dt == PTO_F32 || dt == PTO_F16 || dt == PTO_BF16;
}

static inline int pto_tile__fits(const pto_tile *dst, uint32_t vr, uint32_t vc)
{
    return dst->rows >= vr && dst->cols >= vc;
}

/* 1 if the storage of a and b overlaps at all. */
static inline int pto_tile__overlap(const pto_tile *a, const pto_tile *b)
{
    uintptr_t a0 = (uintptr_t)a->data, b0 = (uintptr_t)b->data;
    uintptr_t a1 = a0 + (uintptr_t)a->rows * a->cols * PTO_DTYPE_SIZE(a->dtype);
    uintptr_t b1 = b0 + (uintptr_t)b->rows * b->cols * PTO_DTYPE_SIZE(b->dtype);
    return a0 < b1 && b0 < a1;
}

/* 1 if dst and src overlap in a way elementwise (same-index) ops cannot
 * handle: allowed are disjoint storage or the very same layout. */
static inline int pto_tile__bad_alias(const pto_tile *dst, const pto_tile *src)
{
    if (!pto_tile__overlap(dst, src))
        return 0;
    return !(dst->data == src->data && dst->cols == src->cols &&
             PTO_DTYPE_SIZE(dst->dtype) == PTO_DTYPE_SIZE(src->dtype));
}

static inline size_t pto_tile__ix(const pto_tile *t, uint32_t r, uint32_t c)
{
    return (size_t)r * t->cols + c;
}

static inline void pto_tile__charge(uint32_t rows, uint32_t cols)
{
    pto_add_cycles((uint64_t)rows * (uint64_t)cols);
}

/* ------------------------------------------------------------------------ */
/* Data movement                                                            */

/* load: dst.valid region <- GM src (dst's dtype), row r starting at
 * src + r * stride elements. stride >= valid_cols unless valid_rows <= 1.
 * Cost: dst.valid_rows * dst.valid_cols. */
static inline int pto_t_load(pto_tile *dst, const void *src, size_t stride)
{
    size_t es, rowb;
    uint32_t r;

    if (!pto_tile__ok(dst) || !src)
        return PTO_TILE_EINVAL;
    if (dst->valid_rows > 1 && stride < dst->valid_cols)
        return PTO_TILE_ESHAPE;
    es = PTO_DTYPE_SIZE(dst->dtype);
    rowb = (size_t)dst->valid_cols * es;
    for (r = 0; r < dst->valid_rows; r++)
        memcpy((char *)dst->data + pto_tile__ix(dst, r, 0) * es,
               (const char *)src + (size_t)r * stride * es, rowb);
    pto_tile__charge(dst->valid_rows, dst->valid_cols);
    return PTO_TILE_OK;
}

/* store: GM dst <- src.valid region (src's dtype), row r at dst + r * stride
 * elements. stride >= valid_cols unless valid_rows <= 1.
 * Cost: src.valid_rows * src.valid_cols. */
static inline int pto_t_store(void *dst, size_t stride, const pto_tile *src)
{
    size_t es, rowb;
    uint32_t r;

    if (!pto_tile__ok(src) || !dst)
        return PTO_TILE_EINVAL;
    if (src->valid_rows > 1 && stride < src->valid_cols)
        return PTO_TILE_ESHAPE;
    es = PTO_DTYPE_SIZE(src->dtype);
    rowb = (size_t)src->valid_cols * es;
    for (r = 0; r < src->valid_rows; r++)
        memmove((char *)dst + (size_t)r * stride * es,
                (const char *)src->data + pto_tile__ix(src, r, 0) * es, rowb);
    pto_tile__charge(src->valid_rows, src->valid_cols);
    return PTO_TILE_OK;
}

/* move: dst <- src, same dtype; dst.valid := src.valid.
 * Cost: dst.valid_rows * dst.valid_cols. */
static inline int pto_t_move(pto_tile *dst, const pto_tile *src)
{
    size_t es;
    uint32_t r, vr, vc;

    if (!pto_tile__ok(dst) || !pto_tile__ok(src))
        return PTO_TILE_EINVAL;
    if (dst->dtype != src->dtype)
        return PTO_TILE_EDTYPE;
    vr = src->valid_rows;
    vc = src->valid_cols;
    if (!pto_tile__fits(dst, vr, vc))
        return PTO_TILE_ESHAPE;
    if (pto_tile__bad_alias(dst, src))
        return PTO_TILE_EALIAS;
    es = PTO_DTYPE_SIZE(src->dtype);
    if (dst->data != src->data)
        for (r = 0; r < vr; r++)
            memcpy((char *)dst->data + pto_tile__ix(dst, r, 0) * es,
                   (const char *)src->data + pto_tile__ix(src, r, 0) * es, (size_t)vc * es);
    dst->valid_rows = vr;
    dst->valid_cols = vc;
    pto_tile__charge(vr, vc);
    return PTO_TILE_OK;
}

/* convert: dst <- src with a dtype change (any pair of f32/f16/bf16/i32; the
 * same dtype is a copy). Floats round to nearest even (f16/bf16 overflow to
 * inf); float -> i32 rounds to nearest even, saturates, NaN -> 0; i32 -> float
 * is correctly rounded. dst.valid := src.valid. In place only when element
 * sizes match. Cost: dst.valid_rows * dst.valid_cols. */
static inline int pto_t_convert(pto_tile *dst, const pto_tile *src)
{
    uint32_t r, c, vr, vc;

    if (!pto_tile__ok(dst) || !pto_tile__ok(src))
        return PTO_TILE_EINVAL;
    vr = src->valid_rows;
    vc = src->valid_cols;
    if (!pto_tile__fits(dst, vr, vc))
        return PTO_TILE_ESHAPE;
    if (pto_tile__bad_alias(dst, src))
        return PTO_TILE_EALIAS;
    for (r = 0; r < vr; r++)
        for (c = 0; c < vc; c++) {
            size_t si = pto_tile__ix(src, r, c), di = pto_tile__ix(dst, r, c);
            if (src->dtype == PTO_I32) {
                int32_t v = pto_tile__i32(src)[si];
                if (dst->dtype == PTO_I32)
                    pto_tile__i32(dst)[di] = v;
                else if (dst->dtype == PTO_F32)
                    ((float *)dst->data)[di] = (float)v;
                else
                    pto_tile__wr(dst, di, pto_tile__i2f_odd(v));
            } else {
                pto_tile__wr(dst, di, pto_tile__rd(src, si));
            }
        }
    dst->valid_rows = vr;
    dst->valid_cols = vc;
    pto_tile__charge(vr, vc);
    return PTO_TILE_OK;
}

/* fill: every cell of dst's valid region <- s (converted to dst's dtype).
 * Cost: dst.valid_rows * dst.valid_cols. */
static inline int pto_t_fill(pto_tile *dst, float s)
{
    uint32_t r, c;

    if (!pto_tile__ok(dst))
        return PTO_TILE_EINVAL;
    for (r = 0; r < dst->valid_rows; r++)
        for (c = 0; c < dst->valid_cols; c++)
            pto_tile__wr(dst, pto_tile__ix(dst, r, c), s);
    pto_tile__charge(dst->valid_rows, dst->valid_cols);
    return PTO_TILE_OK;
}

/* ------------------------------------------------------------------------ */
/* Binary ops: tile/tile, tile/scalar, row-expand, col-expand               */

enum { PTO_TILE__ADD, PTO_TILE__SUB, PTO_TILE__MUL, PTO_TILE__DIV, PTO_TILE__MAX, PTO_TILE__MIN };
enum { PTO_TILE__FULL, PTO_TILE__ROW, PTO_TILE__COL, PTO_TILE__SCALAR };

static inline float pto_tile__opf(int op, float x, float y)
{
    switch (op) {
    case PTO_TILE__ADD: return x + y;
    case PTO_TILE__SUB: return x - y;
    case PTO_TILE__MUL: return x * y;
    case PTO_TILE__DIV: return x / y;
    case PTO_TILE__MAX: return fmaxf(x, y);
    case PTO_TILE__MIN: return fminf(x, y);
    }
    return 0.0f;
}

static inline int32_t pto_tile__opi(int op, int32_t x, int32_t y)
{
    switch (op) {
    case PTO_TILE__ADD: return (int32_t)((uint32_t)x + (uint32_t)y);
    case PTO_TILE__SUB: return (int32_t)((uint32_t)x - (uint32_t)y);
    case PTO_TILE__MUL: return (int32_t)((uint32_t)x * (uint32_t)y);
    case PTO_TILE__DIV:
        if (y == 0)
            return 0;
        if (x == INT32_MIN && y == -1)
            return INT32_MIN;
        return x / y;
    case PTO_TILE__MAX: return x > y ? x : y;
    case PTO_TILE__MIN: return x < y ? x : y;
    }
    return 0;
}

/* dst[i][j] = a[i][j] OP bval, where bval is b[i][j] (FULL), b[i][0] (ROW),
 * b[0][j] (COL) or the scalar s (SCALAR). */
static inline int pto_tile__binop(pto_tile *dst, const pto_tile *a, const pto_tile *b, float s,
                                  int op, int mode)
{
    uint32_t r, c, vr, vc;
    int isint;
    int32_t si = 0;

    if (!pto_tile__ok(dst) || !pto_tile__ok(a))
        return PTO_TILE_EINVAL;
    if (mode != PTO_TILE__SCALAR && !pto_tile__ok(b))
        return PTO_TILE_EINVAL;
    if (dst->dtype != a->dtype || (mode != PTO_TILE__SCALAR && b->dtype != a->dtype))
        return PTO_TILE_EDTYPE;
    vr = a->valid_rows;
    vc = a->valid_cols;
    switch (mode) {
    case PTO_TILE__FULL:
        if (b->valid_rows != vr || b->valid_cols != vc)
            return PTO_TILE_ESHAPE;
        break;
    case PTO_TILE__ROW:
        if (b->valid_rows != vr || b->valid_cols != 1)
            return PTO_TILE_ESHAPE;
        break;
    case PTO_TILE__COL:
        if (b->valid_rows != 1 || b->valid_cols != vc)
            return PTO_TILE_ESHAPE;
        break;
    default: break;
    }
    if (!pto_tile__fits(dst, vr, vc))
        return PTO_TILE_ESHAPE;
    if (pto_tile__bad_alias(dst, a))
        return PTO_TILE_EALIAS;
    if (mode == PTO_TILE__FULL && pto_tile__bad_alias(dst, b))
        return PTO_TILE_EALIAS;
    if ((mode == PTO_TILE__ROW || mode == PTO_TILE__COL) && pto_tile__overlap(dst, b))
        return PTO_TILE_EALIAS;

    isint = a->dtype == PTO_I32;
    if (isint && mode == PTO_TILE__SCALAR)
        si = pto_tile__f2i(s);
    for (r = 0; r < vr; r++)
        for (c = 0; c < vc; c++) {
            size_t ai = pto_tile__ix(a, r, c), di = pto_tile__ix(dst, r, c);
            size_t bi = 0;
            if (mode == PTO_TILE__FULL)
                bi = pto_tile__ix(b, r, c);
            else if (mode == PTO_TILE__ROW)
                bi = pto_tile__ix(b, r, 0);
            else if (mode == PTO_TILE__COL)
                bi = pto_tile__ix(b, 0, c);
            if (isint) {
                int32_t y = mode == PTO_TILE__SCALAR ? si : pto_tile__i32(b)[bi];
                pto_tile__i32(dst)[di] = pto_tile__opi(op, pto_tile__i32(a)[ai], y);
            } else {
                float y = mode == PTO_TILE__SCALAR ? s : pto_tile__rd(b, bi);
                pto_tile__wr(dst, di, pto_tile__opf(op, pto_tile__rd(a, ai), y));
            }
        }
    dst->valid_rows = vr;
    dst->valid_cols = vc;
    pto_tile__charge(vr, vc);
    return PTO_TILE_OK;
}

/* Elementwise tile/tile: dst = a OP b. a, b, dst same dtype; a.valid ==
 * b.valid; dst.valid := a.valid. Cost: dst.valid_rows * dst.valid_cols. */
static inline int pto_t_add(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__ADD, PTO_TILE__FULL);
}
static inline int pto_t_sub(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__SUB, PTO_TILE__FULL);
}
static inline int pto_t_mul(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__MUL, PTO_TILE__FULL);
}
static inline int pto_t_div(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__DIV, PTO_TILE__FULL);
}
static inline int pto_t_max(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__MAX, PTO_TILE__FULL);
}
static inline int pto_t_min(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__MIN, PTO_TILE__FULL);
}

/* Scalar: dst = a OP s (subs: a - s, divs: a / s). dst.valid := a.valid.
 * Cost: dst.valid_rows * dst.valid_cols. */
static inline int pto_t_adds(pto_tile *dst, const pto_tile *a, float s)
{
    return pto_tile__binop(dst, a, NULL, s, PTO_TILE__ADD, PTO_TILE__SCALAR);
}
static inline int pto_t_subs(pto_tile *dst, const pto_tile *a, float s)
{
    return pto_tile__binop(dst, a, NULL, s, PTO_TILE__SUB, PTO_TILE__SCALAR);
}
static inline int pto_t_muls(pto_tile *dst, const pto_tile *a, float s)
{
    return pto_tile__binop(dst, a, NULL, s, PTO_TILE__MUL, PTO_TILE__SCALAR);
}
static inline int pto_t_divs(pto_tile *dst, const pto_tile *a, float s)
{
    return pto_tile__binop(dst, a, NULL, s, PTO_TILE__DIV, PTO_TILE__SCALAR);
}
static inline int pto_t_maxs(pto_tile *dst, const pto_tile *a, float s)
{
    return pto_tile__binop(dst, a, NULL, s, PTO_TILE__MAX, PTO_TILE__SCALAR);
}
static inline int pto_t_mins(pto_tile *dst, const pto_tile *a, float s)
{
    return pto_tile__binop(dst, a, NULL, s, PTO_TILE__MIN, PTO_TILE__SCALAR);
}

/* Row-expand: dst[i][j] = a[i][j] OP b[i][0]; b.valid == a.valid_rows x 1;
 * dst must not overlap b. dst.valid := a.valid.
 * Cost: dst.valid_rows * dst.valid_cols. */
static inline int pto_t_row_expand_add(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__ADD, PTO_TILE__ROW);
}
static inline int pto_t_row_expand_sub(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__SUB, PTO_TILE__ROW);
}
static inline int pto_t_row_expand_mul(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__MUL, PTO_TILE__ROW);
}
static inline int pto_t_row_expand_div(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__DIV, PTO_TILE__ROW);
}
static inline int pto_t_row_expand_max(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__MAX, PTO_TILE__ROW);
}
static inline int pto_t_row_expand_min(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__MIN, PTO_TILE__ROW);
}

/* Col-expand: dst[i][j] = a[i][j] OP b[0][j]; b.valid == 1 x a.valid_cols;
 * dst must not overlap b. dst.valid := a.valid.
 * Cost: dst.valid_rows * dst.valid_cols. */
static inline int pto_t_col_expand_add(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__ADD, PTO_TILE__COL);
}
static inline int pto_t_col_expand_sub(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__SUB, PTO_TILE__COL);
}
static inline int pto_t_col_expand_mul(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__MUL, PTO_TILE__COL);
}
static inline int pto_t_col_expand_div(pto_tile *dst, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__binop(dst, a, b, 0.0f, PTO_TILE__DIV, PTO_TILE__COL);
}

/* ------------------------------------------------------------------------ */
/* Unary ops                                                                */

enum {
    PTO_TILE__EXP,
    PTO_TILE__LOG,
    PTO_TILE__SQRT,
    PTO_TILE__RSQRT,
    PTO_TILE__RECIP,
    PTO_TILE__RELU,
    PTO_TILE__SILU,
    PTO_TILE__NEG,
    PTO_TILE__ABS
};

static inline float pto_tile__unf(int op, float x)
{
    switch (op) {
    case PTO_TILE__EXP: return expf(x);
    case PTO_TILE__LOG: return logf(x);
    case PTO_TILE__SQRT: return sqrtf(x);
    case PTO_TILE__RSQRT: return 1.0f / sqrtf(x);
    case PTO_TILE__RECIP: return 1.0f / x;
    case PTO_TILE__RELU: return x > 0.0f ? x : 0.0f; /* NaN -> 0 */
    case PTO_TILE__SILU: return x / (1.0f + expf(-x));
    case PTO_TILE__NEG: return -x;
    case PTO_TILE__ABS: return fabsf(x);
    }
    return 0.0f;
}

static inline int pto_tile__unop(pto_tile *dst, const pto_tile *a, int op)
{
    uint32_t r, c, vr, vc;

    if (!pto_tile__ok(dst) || !pto_tile__ok(a))
        return PTO_TILE_EINVAL;
    if (dst->dtype != a->dtype)
        return PTO_TILE_EDTYPE;
    if (a->dtype == PTO_I32 && op != PTO_TILE__RELU && op != PTO_TILE__NEG && op != PTO_TILE__ABS)
        return PTO_TILE_EDTYPE;
    vr = a->valid_rows;
    vc = a->valid_cols;
    if (!pto_tile__fits(dst, vr, vc))
        return PTO_TILE_ESHAPE;
    if (pto_tile__bad_alias(dst, a))
        return PTO_TILE_EALIAS;
    for (r = 0; r < vr; r++)
        for (c = 0; c < vc; c++) {
            size_t ai = pto_tile__ix(a, r, c), di = pto_tile__ix(dst, r, c);
            if (a->dtype == PTO_I32) {
                int32_t x = pto_tile__i32(a)[ai];
                uint32_t ux = (uint32_t)x;
                if (op == PTO_TILE__RELU)
                    x = x > 0 ? x : 0;
                else if (op == PTO_TILE__NEG || x < 0) /* NEG, or ABS of x<0 */
                    x = (int32_t)(0u - ux);            /* INT32_MIN stays */
                pto_tile__i32(dst)[di] = x;
            } else {
                pto_tile__wr(dst, di, pto_tile__unf(op, pto_tile__rd(a, ai)));
            }
        }
    dst->valid_rows = vr;
    dst->valid_cols = vc;
    pto_tile__charge(vr, vc);
    return PTO_TILE_OK;
}

/* Unary: dst = f(a), same dtype, dst.valid := a.valid. exp, log, sqrt,
 * rsqrt (1/sqrt), recip (1/x) and silu (x * sigmoid(x) = x / (1 + e^-x)) need
 * a float dtype; relu, neg and abs also take i32 (neg/abs wrap INT32_MIN).
 * Cost: dst.valid_rows * dst.valid_cols. */
static inline int pto_t_exp(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__unop(dst, a, PTO_TILE__EXP);
}
static inline int pto_t_log(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__unop(dst, a, PTO_TILE__LOG);
}
static inline int pto_t_sqrt(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__unop(dst, a, PTO_TILE__SQRT);
}
static inline int pto_t_rsqrt(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__unop(dst, a, PTO_TILE__RSQRT);
}
static inline int pto_t_recip(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__unop(dst, a, PTO_TILE__RECIP);
}
static inline int pto_t_relu(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__unop(dst, a, PTO_TILE__RELU);
}
static inline int pto_t_silu(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__unop(dst, a, PTO_TILE__SILU);
}
static inline int pto_t_neg(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__unop(dst, a, PTO_TILE__NEG);
}
static inline int pto_t_abs(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__unop(dst, a, PTO_TILE__ABS);
}

/* ------------------------------------------------------------------------ */
/* Row reductions                                                           */

enum { PTO_TILE__RSUM, PTO_TILE__RMAX, PTO_TILE__RMIN, PTO_TILE__RMEAN };

static inline int pto_tile__rowred(pto_tile *dst, const pto_tile *a, int op)
{
    uint32_t r, c, vr, vc;

    if (!pto_tile__ok(dst) || !pto_tile__ok(a))
        return PTO_TILE_EINVAL;
    if (dst->dtype != a->dtype &&
        !(dst->dtype == PTO_F32 && (a->dtype == PTO_F16 || a->dtype == PTO_BF16)))
        return PTO_TILE_EDTYPE;
    vr = a->valid_rows;
    vc = a->valid_cols;
    if (vc == 0 || !pto_tile__fits(dst, vr, 1))
        return PTO_TILE_ESHAPE;
    if (pto_tile__bad_alias(dst, a))
        return PTO_TILE_EALIAS;
    for (r = 0; r < vr; r++) {
        size_t di = pto_tile__ix(dst, r, 0);
        if (a->dtype == PTO_I32) {
            const int32_t *row = pto_tile__i32(a) + pto_tile__ix(a, r, 0);
            int64_t acc = row[0];
            for (c = 1; c < vc; c++) {
                if (op == PTO_TILE__RSUM || op == PTO_TILE__RMEAN)
                    acc += row[c];
                else if (op == PTO_TILE__RMAX)
                    acc = row[c] > acc ? row[c] : acc;
                else
                    acc = row[c] < acc ? row[c] : acc;
            }
            if (op == PTO_TILE__RMEAN)
                acc /= (int64_t)vc;
            pto_tile__i32(dst)[di] = (int32_t)(uint32_t)(uint64_t)acc;
        } else {
            float acc = pto_tile__rd(a, pto_tile__ix(a, r, 0));
            for (c = 1; c < vc; c++) {
                float x = pto_tile__rd(a, pto_tile__ix(a, r, c));
                if (op == PTO_TILE__RSUM || op == PTO_TILE__RMEAN)
                    acc += x;
                else if (op == PTO_TILE__RMAX)
                    acc = fmaxf(acc, x);
                else
                    acc = fminf(acc, x);
            }
            if (op == PTO_TILE__RMEAN)
                acc /= (float)vc;
            pto_tile__wr(dst, di, acc);
        }
    }
    dst->valid_rows = vr;
    dst->valid_cols = 1;
    pto_tile__charge(vr, 1);     /* the reduction: its destination is vr x 1 */
    if (op == PTO_TILE__RMEAN)   /* mean = row sum, then divide the vr x 1 sums */
        pto_tile__charge(vr, 1); /* by the column count (a divs on vr x 1) */
    return PTO_TILE_OK;
}

/* Row reductions: dst[i][0] = reduce_j a[i][j]; dst.valid := a.valid_rows x 1
 * (a.valid_cols >= 1). Floats accumulate in f32 left to right and round once
 * to dst's dtype (dst may be f32 for f16/bf16 input); i32 sums wrap, mean
 * truncates toward zero. max/min follow fmaxf/fminf.
 * Cost: row_sum/row_max/row_min: dst.valid_rows * 1 = a.valid_rows.
 * row_mean is a row sum plus a divide of the sums by a scalar (DESIGN §5), two
 * ops on a valid_rows x 1 destination: 2 * a.valid_rows. */
static inline int pto_t_row_sum(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__rowred(dst, a, PTO_TILE__RSUM);
}
static inline int pto_t_row_max(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__rowred(dst, a, PTO_TILE__RMAX);
}
static inline int pto_t_row_min(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__rowred(dst, a, PTO_TILE__RMIN);
}
static inline int pto_t_row_mean(pto_tile *dst, const pto_tile *a)
{
    return pto_tile__rowred(dst, a, PTO_TILE__RMEAN);
}

/* ------------------------------------------------------------------------ */
/* Matmul                                                                   */

static inline int pto_tile__matmul(pto_tile *c, const pto_tile *a, const pto_tile *b, int acc)
{
    uint32_t i, j, k, M, K, N;

    if (!pto_tile__ok(c) || !pto_tile__ok(a) || !pto_tile__ok(b))
        return PTO_TILE_EINVAL;
    if (c->dtype != PTO_F32 || a->dtype != b->dtype || !pto_tile__is_float(a->dtype))
        return PTO_TILE_EDTYPE;
    M = a->valid_rows;
    K = a->valid_cols;
    N = b->valid_cols;
    if (b->valid_rows != K || !pto_tile__fits(c, M, N))
        return PTO_TILE_ESHAPE;
    if (acc && (c->valid_rows != M || c->valid_cols != N))
        return PTO_TILE_ESHAPE;
    if (pto_tile__overlap(c, a) || pto_tile__overlap(c, b))
        return PTO_TILE_EALIAS;
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            float *out = (float *)c->data + pto_tile__ix(c, i, j);
            float s = acc ? *out : 0.0f;
            for (k = 0; k < K; k++)
                s +=
                    pto_tile__rd(a, pto_tile__ix(a, i, k)) * pto_tile__rd(b, pto_tile__ix(b, k, j));
            *out = s;
        }
    c->valid_rows = M;
    c->valid_cols = N;
    pto_add_cycles((uint64_t)M * K * N);
    return PTO_TILE_OK;
}

/* matmul: C(MxN, f32) = A(MxK) @ B(KxN); A and B both f16, bf16 or f32;
 * products and sums in f32 (k ascending). M, K, N from A.valid and B.valid
 * (B.valid_rows == K); C.valid := M x N. C must not overlap A or B.
 * Cost: M * K * N. */
static inline int pto_t_matmul(pto_tile *c, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__matmul(c, a, b, 0);
}

/* matmul_acc: C += A @ B, accumulating onto C's values (C.valid must already
 * be M x N). Cost: M * K * N. */
static inline int pto_t_matmul_acc(pto_tile *c, const pto_tile *a, const pto_tile *b)
{
    return pto_tile__matmul(c, a, b, 1);
}

/* ------------------------------------------------------------------------ */
/* sort32 and topk                                                          */

/* 1 if value x sorts strictly before y: descending, NaN after everything. */
static inline int pto_tile__before(float x, float y) { return x == x && (y != y || x > y); }

/* Stable insertion sort of n (value, index) pairs, descending. */
static inline void pto_tile__sort_block(float *v, int32_t *ix, uint32_t n)
{
    uint32_t i, j;
    for (i = 1; i < n; i++) {
        float kv = v[i];
        int32_t ki = ix[i];
        for (j = i; j > 0 && pto_tile__before(kv, v[j - 1]); j--) {
            v[j] = v[j - 1];
            ix[j] = ix[j - 1];
        }
        v[j] = kv;
        ix[j] = ki;
    }
}

#define PTO_TILE_SORT_BLOCK 32

/* sort32: each row of src's valid region is cut into blocks of 32 consecutive
 * columns (the last block of a row may be shorter when valid_cols is not a
 * multiple of 32); each block is sorted by value, descending (NaN last, equal
 * values keep their order), carrying an index with every value.
 * Layout: values and indices are two parallel tiles of the same shape:
 *   src      f32 values;  src_idx i32 indices, or NULL for the column number
 *   dst_val  f32 sorted values, dst_idx i32 the carried indices.
 * dst_val.valid := dst_idx.valid := src.valid; src_idx.valid must equal it.
 * dst_val may be src and dst_idx may be src_idx (in place); dst_val and
 * dst_idx must not overlap each other.
 * Cost: 5 * n, n = src.valid_rows * src.valid_cols. */
static inline int pto_t_sort32(pto_tile *dst_val, pto_tile *dst_idx, const pto_tile *src,
                               const pto_tile *src_idx)
{
    uint32_t r, c0, j, vr, vc, n;
    float bv[PTO_TILE_SORT_BLOCK];
    int32_t bi[PTO_TILE_SORT_BLOCK];

    if (!pto_tile__ok(dst_val) || !pto_tile__ok(dst_idx) || !pto_tile__ok(src) ||
        (src_idx && !pto_tile__ok(src_idx)))
        return PTO_TILE_EINVAL;
    if (src->dtype != PTO_F32 || dst_val->dtype != PTO_F32 || dst_idx->dtype != PTO_I32 ||
        (src_idx && src_idx->dtype != PTO_I32))
        return PTO_TILE_EDTYPE;
    vr = src->valid_rows;
    vc = src->valid_cols;
    if (src_idx && (src_idx->valid_rows != vr || src_idx->valid_cols != vc))
        return PTO_TILE_ESHAPE;
    if (!pto_tile__fits(dst_val, vr, vc) || !pto_tile__fits(dst_idx, vr, vc))
        return PTO_TILE_ESHAPE;
    if (pto_tile__overlap(dst_val, dst_idx) || pto_tile__bad_alias(dst_val, src) ||
        pto_tile__bad_alias(dst_idx, src) ||
        (src_idx &&
         (pto_tile__bad_alias(dst_val, src_idx) || pto_tile__bad_alias(dst_idx, src_idx))))
        return PTO_TILE_EALIAS;
    for (r = 0; r < vr; r++)
        for (c0 = 0; c0 < vc; c0 += PTO_TILE_SORT_BLOCK) {
            n = vc - c0 < PTO_TILE_SORT_BLOCK ? vc - c0 : PTO_TILE_SORT_BLOCK;
            for (j = 0; j < n; j++) {
                bv[j] = ((const float *)src->data)[pto_tile__ix(src, r, c0 + j)];
                bi[j] = src_idx ? pto_tile__i32(src_idx)[pto_tile__ix(src_idx, r, c0 + j)]
                                : (int32_t)(c0 + j);
            }
            pto_tile__sort_block(bv, bi, n);
            for (j = 0; j < n; j++) {
                ((float *)dst_val->data)[pto_tile__ix(dst_val, r, c0 + j)] = bv[j];
                pto_tile__i32(dst_idx)[pto_tile__ix(dst_idx, r, c0 + j)] = bi[j];
            }
        }
    dst_val->valid_rows = dst_idx->valid_rows = vr;
    dst_val->valid_cols = dst_idx->valid_cols = vc;
    pto_add_cycles(5u * (uint64_t)vr * vc);
    return PTO_TILE_OK;
}

/* topk: for each row i of src (f32), the k largest values of the valid
 * columns in descending order (NaN last; ties: lower column first) into
 * dst_val[i][0..k) (f32) and their column numbers into dst_idx[i][0..k) (i32).
 * 1 <= k <= src.valid_cols. dst_val.valid := dst_idx.valid := valid_rows x k.
 * Built on sort32: every 32-column block is sorted, then merged into the
 * running top k. dst_val/dst_idx must not overlap src or each other.
 * Cost: 5 * valid_rows * valid_cols (sort32) + valid_rows * k (merge). */
static inline int pto_t_topk(pto_tile *dst_val, pto_tile *dst_idx, const pto_tile *src, uint32_t k)
{
    uint32_t r, c0, j, vr, vc, n, cnt, L, ia, jb, t;
    float bv[PTO_TILE_SORT_BLOCK];
    int32_t bi[PTO_TILE_SORT_BLOCK];

    if (!pto_tile__ok(dst_val) || !pto_tile__ok(dst_idx) || !pto_tile__ok(src))
        return PTO_TILE_EINVAL;
    if (src->dtype != PTO_F32 || dst_val->dtype != PTO_F32 || dst_idx->dtype != PTO_I32)
        return PTO_TILE_EDTYPE;
    vr = src->valid_rows;
    vc = src->valid_cols;
    if (k == 0 || k > vc || !pto_tile__fits(dst_val, vr, k) || !pto_tile__fits(dst_idx, vr, k))
        return PTO_TILE_ESHAPE;
    if (pto_tile__overlap(dst_val, dst_idx) || pto_tile__overlap(dst_val, src) ||
        pto_tile__overlap(dst_idx, src))
        return PTO_TILE_EALIAS;
    for (r = 0; r < vr; r++) {
        float *av = (float *)dst_val->data + pto_tile__ix(dst_val, r, 0);
        int32_t *ai = pto_tile__i32(dst_idx) + pto_tile__ix(dst_idx, r, 0);
        cnt = 0;
        for (c0 = 0; c0 < vc; c0 += PTO_TILE_SORT_BLOCK) {
            n = vc - c0 < PTO_TILE_SORT_BLOCK ? vc - c0 : PTO_TILE_SORT_BLOCK;
            for (j = 0; j < n; j++) {
                bv[j] = ((const float *)src->data)[pto_tile__ix(src, r, c0 + j)];
                bi[j] = (int32_t)(c0 + j);
            }
            pto_tile__sort_block(bv, bi, n);
            /* merge (av[0..cnt), bv[0..n)) keeping the first L = min(k, cnt+n):
             * count how many come from each list, then merge from the back so
             * the in-place list av is never overwritten before it is read. */
            L = cnt + n < k ? cnt + n : k;
            ia = jb = 0;
            for (t = 0; t < L; t++) {
                if (jb < n && (ia >= cnt || pto_tile__before(bv[jb], av[ia])))
                    jb++;
                else
                    ia++;
            }
            for (t = L; t > 0; t--) {
                if (jb == 0 || (ia > 0 && pto_tile__before(bv[jb - 1], av[ia - 1]))) {
                    ia--;
                    av[t - 1] = av[ia];
                    ai[t - 1] = ai[ia];
                } else {
                    jb--;
                    av[t - 1] = bv[jb];
                    ai[t - 1] = bi[jb];
                }
            }
            cnt = L;
        }
    }
    dst_val->valid_rows = dst_idx->valid_rows = vr;
    dst_val->valid_cols = dst_idx->valid_cols = k;
    pto_add_cycles(5u * (uint64_t)vr * vc + (uint64_t)vr * k);
    return PTO_TILE_OK;
}

#ifdef __cplusplus
}
#endif
#endif
