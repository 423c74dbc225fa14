/* Tile library (pto/tile.h) unit tests: values, cycle costs, valid regions,
 * f16/bf16 rounding, matmul, sort32/topk, error paths and the DESIGN §5
 * rmsnorm composition (1072 cycles). Ops run directly on the test thread. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "pto/tile.h"

#define SENT (-112.0f) /* sentinel for cells an op must not touch (exact in every dtype) */

static float bitsf(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t fbits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/* Fills the whole capacity with SENT (as the tile's dtype) and sets the valid
 * region to vr x vc. */
static void sentinel(pto_tile *t, uint32_t vr, uint32_t vc)
{
    uint32_t r, c;
    for (r = 0; r < t->rows; r++)
        for (c = 0; c < t->cols; c++)
            assert_int_equal(pto_tile_setf(t, r, c, SENT), 0);
    assert_int_equal(pto_tile_set_valid(t, vr, vc), 0);
}

/* Every cell outside the top-left vr x vc still holds SENT. */
static void untouched_outside(const pto_tile *t, uint32_t vr, uint32_t vc)
{
    uint32_t r, c;
    for (r = 0; r < t->rows; r++)
        for (c = 0; c < t->cols; c++)
            if (r >= vr || c >= vc)
                assert_true(pto_tile_getf(t, r, c) == SENT);
}

/* Runs an op expected to succeed and checks its cycle cost. */
#define EXPECT_COST(call, cost)                                                                    \
    do {                                                                                           \
        pto_cycles_reset();                                                                        \
        assert_int_equal((call), PTO_TILE_OK);                                                     \
        assert_int_equal(pto_cycles_read(), (uint64_t)(cost));                                     \
    } while (0)

/* Runs an op expected to fail: nonzero status, cycles unchanged. */
#define EXPECT_FAIL(call)                                                                          \
    do {                                                                                           \
        pto_cycles_reset();                                                                        \
        pto_add_cycles(41);                                                                        \
        assert_int_not_equal((call), PTO_TILE_OK);                                                 \
        assert_int_equal(pto_cycles_read(), 41);                                                   \
    } while (0)

/* a (3x5 valid in 8x8) with a[r][c] = r*5 + c + 1 - 7 (nonzero mix of signs)
 * and b (3x5 valid in 8x8) with b[r][c] = 0.5 * (c - r) + 0.25. */
static void fill_ab(pto_tile *a, pto_tile *b)
{
    uint32_t r, c;
    sentinel(a, 3, 5);
    sentinel(b, 3, 5);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 5; c++) {
            pto_tile_setf(a, r, c, (float)(r * 5 + c + 1) - 7.0f);
            pto_tile_setf(b, r, c, 0.5f * ((float)c - (float)r) + 0.25f);
        }
}

/* ---------------------------------------------------------------------- */

static void test_decl_init(void **state)
{
    (void)state;
    PTO_TILE_DECL(t, PTO_F16, 4, 6);
    float buf[4];
    pto_tile u;

    assert_int_equal(t.dtype, PTO_F16);
    assert_int_equal(t.rows, 4);
    assert_int_equal(t.cols, 6);
    assert_int_equal(t.valid_rows, 4);
    assert_int_equal(t.valid_cols, 6);
    assert_non_null(t.data);
    assert_int_equal((uintptr_t)t.data % 64, 0);
    assert_true(sizeof(t_buf) >= 4 * 6 * 2);
    assert_int_equal(pto_tile_dtype_size(PTO_F32), 4);
    assert_int_equal(pto_tile_dtype_size(PTO_BF16), 2);

    assert_int_equal(pto_tile_set_valid(&t, 2, 3), 0);
    assert_int_equal(t.valid_rows, 2);
    assert_int_equal(t.valid_cols, 3);
    assert_int_not_equal(pto_tile_set_valid(&t, 5, 3), 0);
    assert_int_not_equal(pto_tile_set_valid(&t, 2, 7), 0);
    assert_int_equal(t.valid_rows, 2);

    assert_int_equal(pto_tile_init(&u, PTO_F32, 2, 2, buf), 0);
    assert_int_not_equal(pto_tile_init(&u, PTO_F32, 2, 2, NULL), 0);
    assert_int_not_equal(pto_tile_init(&u, (pto_dtype)9, 2, 2, buf), 0);
    assert_int_not_equal(pto_tile_init(&u, PTO_F32, 0, 2, buf), 0);
    assert_int_not_equal(pto_tile_init(NULL, PTO_F32, 2, 2, buf), 0);
    /* an invalid tile makes every op fail */
    EXPECT_FAIL(pto_t_fill(&u, 1.0f));

    /* element access helpers stay within the capacity */
    assert_int_equal(pto_tile_init(&u, PTO_I32, 2, 2, buf), 0);
    assert_int_equal(pto_tile_seti(&u, 1, 1, -5), 0);
    assert_int_equal(pto_tile_geti(&u, 1, 1), -5);
    assert_int_not_equal(pto_tile_seti(&u, 2, 0, 1), 0);
    assert_int_not_equal(pto_tile_setf(&u, 0, 2, 1.0f), 0);
    assert_true(pto_tile_getf(&u, 5, 5) == 0.0f);
}

static void test_f16_known(void **state)
{
    (void)state;
    /* expected bit patterns worked out by hand from the binary16 format */
    assert_int_equal(pto_tile_f32_to_f16(1.0f), 0x3c00);
    assert_int_equal(pto_tile_f32_to_f16(-2.0f), 0xc000);
    assert_int_equal(pto_tile_f32_to_f16(65504.0f), 0x7bff);
    assert_int_equal(pto_tile_f32_to_f16(65519.0f), 0x7bff); /* below half */
    assert_int_equal(pto_tile_f32_to_f16(65520.0f), 0x7c00); /* tie -> even = inf */
    assert_int_equal(pto_tile_f32_to_f16(1.0e6f), 0x7c00);
    assert_int_equal(pto_tile_f32_to_f16(-1.0e6f), 0xfc00);
    /* 1/3 = 1.0101..b * 2^-2: mantissa 0x155, dropped bits 0x0aab < half */
    assert_int_equal(pto_tile_f32_to_f16(1.0f / 3.0f), 0x3555);
    /* 0.1 = 1.10011..b * 2^-4: mantissa 0x266, dropped bits 0x0ccd < half */
    assert_int_equal(pto_tile_f32_to_f16(0.1f), 0x2e66);
    assert_int_equal(pto_tile_f32_to_f16(0.0f), 0x0000);
    assert_int_equal(pto_tile_f32_to_f16(-0.0f), 0x8000);
    assert_int_equal(pto_tile_f32_to_f16(INFINITY), 0x7c00);
    assert_int_equal(pto_tile_f32_to_f16(-INFINITY), 0xfc00);
    /* ties to even in the normal range */
    assert_int_equal(pto_tile_f32_to_f16(1.0f + ldexpf(1.0f, -11)), 0x3c00);
    assert_int_equal(pto_tile_f32_to_f16(1.0f + 3.0f * ldexpf(1.0f, -11)), 0x3c02);
    assert_int_equal(pto_tile_f32_to_f16(1.0f + ldexpf(1.0f, -11) + ldexpf(1.0f, -20)), 0x3c01);
    /* subnormals: unit 2^-24 */
    assert_int_equal(pto_tile_f32_to_f16(ldexpf(1.0f, -24)), 0x0001);
    assert_int_equal(pto_tile_f32_to_f16(ldexpf(1.0f, -25)), 0x0000); /* tie -> 0 */
    assert_int_equal(pto_tile_f32_to_f16(ldexpf(3.0f, -26)), 0x0001); /* 0.75 ulp */
    assert_int_equal(pto_tile_f32_to_f16(ldexpf(3.0f, -25)), 0x0002); /* 1.5 -> 2 */
    assert_int_equal(pto_tile_f32_to_f16(ldexpf(1.0f, -30)), 0x0000);
    assert_int_equal(pto_tile_f32_to_f16(-ldexpf(1.0f, -30)), 0x8000);
    assert_int_equal(pto_tile_f32_to_f16(ldexpf(1023.0f, -24)), 0x03ff);
    assert_int_equal(pto_tile_f32_to_f16(ldexpf(2047.0f, -25)), 0x0400); /* 1023.5 -> 1024 */
    assert_int_equal(pto_tile_f32_to_f16(ldexpf(1.0f, -14)), 0x0400);
    assert_int_equal(pto_tile_f32_to_f16(bitsf(0x00000001u)), 0x0000); /* f32 subnormal */
    {
        uint16_t h = pto_tile_f32_to_f16(NAN);
        assert_int_equal(h & 0x7c00, 0x7c00);
        assert_int_not_equal(h & 0x03ff, 0);
    }

    assert_true(pto_tile_f16_to_f32(0x3c00) == 1.0f);
    assert_true(pto_tile_f16_to_f32(0x7bff) == 65504.0f);
    assert_true(pto_tile_f16_to_f32(0x3555) == 1365.0f / 4096.0f);
    assert_true(pto_tile_f16_to_f32(0x2e66) == 1638.0f / 16384.0f);
    assert_true(pto_tile_f16_to_f32(0x0001) == ldexpf(1.0f, -24));
    assert_true(pto_tile_f16_to_f32(0x03ff) == ldexpf(1023.0f, -24));
    assert_true(pto_tile_f16_to_f32(0x8000) == 0.0f);
    assert_true(signbit(pto_tile_f16_to_f32(0x8000)));
    assert_true(pto_tile_f16_to_f32(0xfc00) == -INFINITY);
    assert_true(isnan(pto_tile_f16_to_f32(0x7e00)));
}

static void test_bf16_known(void **state)
{
    (void)state;
    assert_int_equal(pto_tile_f32_to_bf16(1.0f), 0x3f80);
    /* 1.0000001f = 0x3f800001: dropped half 0x0001 < 0x8000 */
    assert_int_equal(fbits(1.0000001f), 0x3f800001u);
    assert_int_equal(pto_tile_f32_to_bf16(1.0000001f), 0x3f80);
    /* 3.14159f = 0x40490fd0: dropped 0x0fd0 < 0x8000 */
    assert_int_equal(fbits(3.14159f), 0x40490fd0u);
    assert_int_equal(pto_tile_f32_to_bf16(3.14159f), 0x4049);
    /* 0.1f = 0x3dcccccd: dropped 0xcccd > 0x8000 -> round up */
    assert_int_equal(pto_tile_f32_to_bf16(0.1f), 0x3dcd);
    /* ties to even */
    assert_int_equal(pto_tile_f32_to_bf16(bitsf(0x3f808000u)), 0x3f80);
    assert_int_equal(pto_tile_f32_to_bf16(bitsf(0x3f818000u)), 0x3f82);
    assert_int_equal(pto_tile_f32_to_bf16(bitsf(0x3f808001u)), 0x3f81);
    /* overflow, infinities, zeros, subnormals */
    assert_int_equal(pto_tile_f32_to_bf16(bitsf(0x7f7fffffu)), 0x7f80);
    assert_int_equal(pto_tile_f32_to_bf16(bitsf(0xff7fffffu)), 0xff80);
    assert_int_equal(pto_tile_f32_to_bf16(INFINITY), 0x7f80);
    assert_int_equal(pto_tile_f32_to_bf16(-0.0f), 0x8000);
    assert_int_equal(pto_tile_f32_to_bf16(bitsf(0x00008000u)), 0x0000);
    assert_int_equal(pto_tile_f32_to_bf16(bitsf(0x00018000u)), 0x0002);
    assert_int_equal(pto_tile_f32_to_bf16(bitsf(0x00010001u)), 0x0001);
    {
        uint16_t b = pto_tile_f32_to_bf16(bitsf(0x7f800001u)); /* sNaN, low payload */
        assert_int_equal(b & 0x7f80, 0x7f80);
        assert_int_not_equal(b & 0x007f, 0);
    }
    assert_true(pto_tile_bf16_to_f32(0x4049) == 3.140625f);
    assert_true(pto_tile_bf16_to_f32(0x3f80) == 1.0f);
}

static void test_roundtrip(void **state)
{
    (void)state;
    uint32_t h;
    for (h = 0; h < 0x10000u; h++) {
        uint16_t x = (uint16_t)h;
        float f = pto_tile_f16_to_f32(x);
        uint32_t e = (h >> 10) & 0x1f, m = h & 0x3ff;
        if (e == 0x1f && m != 0) {
            assert_true(isnan(f));
            assert_true(isnan(pto_tile_f16_to_f32(pto_tile_f32_to_f16(f))));
        } else {
            /* decode independently */
            float want = e == 0x1f ? INFINITY
                         : e == 0  ? ldexpf((float)m, -24)
                                   : ldexpf((float)(1024 + m), (int)e - 25);
            if (h & 0x8000)
                want = -want;
            assert_true(f == want);
            assert_int_equal(pto_tile_f32_to_f16(f), x);
        }
        f = pto_tile_bf16_to_f32(x);
        assert_int_equal(fbits(f), h << 16);
        if (isnan(f))
            assert_true(isnan(pto_tile_bf16_to_f32(pto_tile_f32_to_bf16(f))));
        else
            assert_int_equal(pto_tile_f32_to_bf16(f), x);
    }
}

static void test_load_store(void **state)
{
    (void)state;
    PTO_TILE_DECL(t, PTO_F32, 8, 8);
    PTO_TILE_DECL(h, PTO_F16, 8, 8);
    float gm[4 * 7], out[4 * 6];
    uint16_t gh[3 * 5], oh[3 * 5];
    uint32_t r, c;

    for (r = 0; r < 4 * 7; r++)
        gm[r] = (float)r;
    sentinel(&t, 3, 5);
    EXPECT_COST(pto_t_load(&t, gm, 7), 15);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 5; c++)
            assert_true(pto_tile_getf(&t, r, c) == (float)(r * 7 + c));
    untouched_outside(&t, 3, 5);
    assert_int_equal(t.valid_rows, 3);
    assert_int_equal(t.valid_cols, 5);

    for (r = 0; r < 4 * 6; r++)
        out[r] = -1.0f;
    EXPECT_COST(pto_t_store(out, 6, &t), 15);
    for (r = 0; r < 4; r++)
        for (c = 0; c < 6; c++)
            assert_true(out[r * 6 + c] == (r < 3 && c < 5 ? (float)(r * 7 + c) : -1.0f));

    /* f16 tiles move raw bit patterns */
    for (r = 0; r < 15; r++)
        gh[r] = (uint16_t)(0x3c00 + r);
    sentinel(&h, 3, 5);
    EXPECT_COST(pto_t_load(&h, gh, 5), 15);
    assert_true(pto_tile_getf(&h, 2, 4) == pto_tile_f16_to_f32(0x3c0e));
    untouched_outside(&h, 3, 5);
    memset(oh, 0, sizeof oh);
    EXPECT_COST(pto_t_store(oh, 5, &h), 15);
    assert_memory_equal(oh, gh, sizeof gh);

    /* a single row may use any stride */
    assert_int_equal(pto_tile_set_valid(&t, 1, 8), 0);
    EXPECT_COST(pto_t_load(&t, gm, 0), 8);
    /* errors */
    assert_int_equal(pto_tile_set_valid(&t, 3, 5), 0);
    EXPECT_FAIL(pto_t_load(&t, gm, 4)); /* stride < valid_cols */
    EXPECT_FAIL(pto_t_load(&t, NULL, 7));
    EXPECT_FAIL(pto_t_store(out, 4, &t));
    EXPECT_FAIL(pto_t_store(NULL, 6, &t));
    EXPECT_FAIL(pto_t_load(NULL, gm, 7));
}

static void test_move_convert(void **state)
{
    (void)state;
    PTO_TILE_DECL(a, PTO_F32, 8, 8);
    PTO_TILE_DECL(b, PTO_F32, 8, 8);
    PTO_TILE_DECL(d, PTO_F32, 8, 8);
    PTO_TILE_DECL(h, PTO_F16, 8, 8);
    PTO_TILE_DECL(bf, PTO_BF16, 8, 8);
    PTO_TILE_DECL(i, PTO_I32, 8, 8);
    PTO_TILE_DECL(small, PTO_F32, 2, 8);
    uint32_t r, c;

    fill_ab(&a, &b);
    sentinel(&d, 8, 8);
    EXPECT_COST(pto_t_move(&d, &a), 15);
    assert_int_equal(d.valid_rows, 3);
    assert_int_equal(d.valid_cols, 5);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 5; c++)
            assert_true(pto_tile_getf(&d, r, c) == pto_tile_getf(&a, r, c));
    untouched_outside(&d, 3, 5);
    EXPECT_COST(pto_t_move(&d, &d), 15); /* in place */
    EXPECT_FAIL(pto_t_move(&h, &a));     /* dtype */
    EXPECT_FAIL(pto_t_move(&small, &a)); /* capacity */

    /* f32 -> f16 -> f32 */
    pto_tile_setf(&a, 0, 0, 0.1f);
    pto_tile_setf(&a, 0, 1, 65520.0f);
    pto_tile_setf(&a, 0, 2, 1.0f / 3.0f);
    sentinel(&h, 8, 8);
    EXPECT_COST(pto_t_convert(&h, &a), 15);
    untouched_outside(&h, 3, 5);
    assert_int_equal(((uint16_t *)h.data)[0], 0x2e66);
    assert_int_equal(((uint16_t *)h.data)[1], 0x7c00);
    assert_int_equal(((uint16_t *)h.data)[2], 0x3555);
    sentinel(&d, 8, 8);
    EXPECT_COST(pto_t_convert(&d, &h), 15);
    untouched_outside(&d, 3, 5);
    assert_true(pto_tile_getf(&d, 0, 0) == 1638.0f / 16384.0f);
    assert_true(isinf(pto_tile_getf(&d, 0, 1)));
    assert_true(pto_tile_getf(&d, 2, 4) == 8.0f);

    /* f32 -> bf16 */
    pto_tile_setf(&a, 0, 0, 3.14159f);
    sentinel(&bf, 8, 8);
    EXPECT_COST(pto_t_convert(&bf, &a), 15);
    untouched_outside(&bf, 3, 5);
    assert_int_equal(((uint16_t *)bf.data)[0], 0x4049);
    /* bf16 -> f16 */
    sentinel(&h, 8, 8);
    EXPECT_COST(pto_t_convert(&h, &bf), 15);
    assert_true(pto_tile_getf(&h, 0, 0) == 3.140625f);

    /* f32 -> i32: nearest even, saturating, NaN -> 0 */
    pto_tile_setf(&a, 0, 0, 2.5f);
    pto_tile_setf(&a, 0, 1, -3.5f);
    pto_tile_setf(&a, 0, 2, 1.0e10f);
    pto_tile_setf(&a, 0, 3, -1.0e10f);
    pto_tile_setf(&a, 0, 4, NAN);
    pto_tile_setf(&a, 1, 0, 2.6f);
    sentinel(&i, 8, 8);
    EXPECT_COST(pto_t_convert(&i, &a), 15);
    untouched_outside(&i, 3, 5);
    assert_int_equal(pto_tile_geti(&i, 0, 0), 2);
    assert_int_equal(pto_tile_geti(&i, 0, 1), -4);
    assert_int_equal(pto_tile_geti(&i, 0, 2), INT32_MAX);
    assert_int_equal(pto_tile_geti(&i, 0, 3), INT32_MIN);
    assert_int_equal(pto_tile_geti(&i, 0, 4), 0);
    assert_int_equal(pto_tile_geti(&i, 1, 0), 3);

    /* i32 -> f16 / bf16 are single, correct roundings */
    pto_tile_seti(&i, 0, 0, 2049);     /* tie between 2048 and 2050 -> 2048 */
    pto_tile_seti(&i, 0, 1, 2051);     /* tie -> 2052 */
    pto_tile_seti(&i, 0, 2, 16842753); /* 2^24 + 2^16 + 1 */
    pto_tile_seti(&i, 0, 3, -7);
    sentinel(&h, 8, 8);
    EXPECT_COST(pto_t_convert(&h, &i), 15);
    assert_true(pto_tile_getf(&h, 0, 0) == 2048.0f);
    assert_true(pto_tile_getf(&h, 0, 1) == 2052.0f);
    assert_true(isinf(pto_tile_getf(&h, 0, 2)));
    assert_true(pto_tile_getf(&h, 0, 3) == -7.0f);
    sentinel(&bf, 8, 8);
    EXPECT_COST(pto_t_convert(&bf, &i), 15);
    /* bf16 spacing at 2^24 is 2^17; 2^16 + 1 above 2^24 is past half: up.
     * (Rounding via a nearest-even f32 first would give 0x4b80.) */
    assert_int_equal(((uint16_t *)bf.data)[2], 0x4b81);
    /* i32 -> f32 */
    sentinel(&d, 8, 8);
    EXPECT_COST(pto_t_convert(&d, &i), 15);
    assert_true(pto_tile_getf(&d, 0, 3) == -7.0f);
    untouched_outside(&d, 3, 5);

    /* in place only with equal element sizes */
    EXPECT_FAIL(pto_t_convert(&h, (const pto_tile *)&(pto_tile){PTO_F32, 4, 8, 3, 5, h.data}));
    EXPECT_COST(pto_t_convert(&d, &d), 15);
    EXPECT_FAIL(pto_t_convert(&small, &a)); /* capacity */
}

static void test_fill(void **state)
{
    (void)state;
    PTO_TILE_DECL(t, PTO_BF16, 8, 8);
    sentinel(&t, 3, 5);
    EXPECT_COST(pto_t_fill(&t, 1.5f), 15);
    assert_true(pto_tile_getf(&t, 2, 4) == 1.5f);
    untouched_outside(&t, 3, 5);
}

typedef int (*binop_fn)(pto_tile *, const pto_tile *, const pto_tile *);
typedef int (*scalar_fn)(pto_tile *, const pto_tile *, float);

static float ref_op(int op, float x, float y)
{
    switch (op) {
    case 0: return x + y;
    case 1: return x - y;
    case 2: return x * y;
    case 3: return x / y;
    case 4: return x > y ? x : y;
    default: return x < y ? x : y;
    }
}

static void test_binary(void **state)
{
    (void)state;
    PTO_TILE_DECL(a, PTO_F32, 8, 8);
    PTO_TILE_DECL(b, PTO_F32, 8, 8);
    PTO_TILE_DECL(d, PTO_F32, 8, 8);
    binop_fn fns[6] = {pto_t_add, pto_t_sub, pto_t_mul, pto_t_div, pto_t_max, pto_t_min};
    int op;
    uint32_t r, c;

    fill_ab(&a, &b);
    for (op = 0; op < 6; op++) {
        sentinel(&d, 8, 8);
        EXPECT_COST(fns[op](&d, &a, &b), 15);
        assert_int_equal(d.valid_rows, 3);
        assert_int_equal(d.valid_cols, 5);
        for (r = 0; r < 3; r++)
            for (c = 0; c < 5; c++) {
                float x = pto_tile_getf(&a, r, c), y = pto_tile_getf(&b, r, c);
                assert_true(pto_tile_getf(&d, r, c) == ref_op(op, x, y));
            }
        untouched_outside(&d, 3, 5);
    }
    /* in place */
    EXPECT_COST(pto_t_add(&a, &a, &a), 15);
    assert_true(pto_tile_getf(&a, 0, 0) == -12.0f);
    untouched_outside(&a, 3, 5);
}

static void test_binary_f16_i32(void **state)
{
    (void)state;
    PTO_TILE_DECL(a, PTO_F16, 4, 8);
    PTO_TILE_DECL(b, PTO_F16, 4, 8);
    PTO_TILE_DECL(d, PTO_F16, 4, 8);
    PTO_TILE_DECL(ia, PTO_I32, 4, 8);
    PTO_TILE_DECL(ib, PTO_I32, 4, 8);
    PTO_TILE_DECL(id, PTO_I32, 4, 8);

    sentinel(&a, 2, 3);
    sentinel(&b, 2, 3);
    sentinel(&d, 4, 8);
    pto_tile_setf(&a, 0, 0, 1.0f);
    pto_tile_setf(&b, 0, 0, ldexpf(1.0f, -11)); /* 1 + 2^-11 ties to 1 */
    pto_tile_setf(&a, 0, 1, 1.0f);
    pto_tile_setf(&b, 0, 1, 3.0f * ldexpf(1.0f, -11)); /* ties to 1 + 2^-9 */
    pto_tile_setf(&a, 0, 2, 60000.0f);
    pto_tile_setf(&b, 0, 2, 60000.0f); /* overflows to inf */
    EXPECT_COST(pto_t_add(&d, &a, &b), 6);
    assert_int_equal(((uint16_t *)d.data)[0], 0x3c00);
    assert_int_equal(((uint16_t *)d.data)[1], 0x3c02);
    assert_int_equal(((uint16_t *)d.data)[2], 0x7c00);
    untouched_outside(&d, 2, 3);

    sentinel(&ia, 1, 4);
    sentinel(&ib, 1, 4);
    sentinel(&id, 4, 8);
    pto_tile_seti(&ia, 0, 0, 7);
    pto_tile_seti(&ib, 0, 0, 0);
    pto_tile_seti(&ia, 0, 1, -7);
    pto_tile_seti(&ib, 0, 1, 2);
    pto_tile_seti(&ia, 0, 2, INT32_MIN);
    pto_tile_seti(&ib, 0, 2, -1);
    pto_tile_seti(&ia, 0, 3, 9);
    pto_tile_seti(&ib, 0, 3, 3);
    EXPECT_COST(pto_t_div(&id, &ia, &ib), 4);
    assert_int_equal(pto_tile_geti(&id, 0, 0), 0);
    assert_int_equal(pto_tile_geti(&id, 0, 1), -3);
    assert_int_equal(pto_tile_geti(&id, 0, 2), INT32_MIN);
    assert_int_equal(pto_tile_geti(&id, 0, 3), 3);
    untouched_outside(&id, 1, 4);
    pto_tile_seti(&ia, 0, 0, INT32_MAX);
    pto_tile_seti(&ib, 0, 0, 1);
    EXPECT_COST(pto_t_add(&id, &ia, &ib), 4);
    assert_int_equal(pto_tile_geti(&id, 0, 0), INT32_MIN); /* wraps */
    EXPECT_COST(pto_t_max(&id, &ia, &ib), 4);
    assert_int_equal(pto_tile_geti(&id, 0, 1), 2);
    EXPECT_COST(pto_t_muls(&id, &ia, 2.5f), 4); /* scalar -> 2 (nearest even) */
    assert_int_equal(pto_tile_geti(&id, 0, 3), 18);
}

static void test_scalar(void **state)
{
    (void)state;
    PTO_TILE_DECL(a, PTO_F32, 8, 8);
    PTO_TILE_DECL(b, PTO_F32, 8, 8);
    PTO_TILE_DECL(d, PTO_F32, 8, 8);
    scalar_fn fns[6] = {pto_t_adds, pto_t_subs, pto_t_muls, pto_t_divs, pto_t_maxs, pto_t_mins};
    const float s = 2.5f;
    int op;
    uint32_t r, c;

    fill_ab(&a, &b);
    for (op = 0; op < 6; op++) {
        sentinel(&d, 8, 8);
        EXPECT_COST(fns[op](&d, &a, s), 15);
        for (r = 0; r < 3; r++)
            for (c = 0; c < 5; c++)
                assert_true(pto_tile_getf(&d, r, c) == ref_op(op, pto_tile_getf(&a, r, c), s));
        untouched_outside(&d, 3, 5);
    }
}

typedef int (*unop_fn)(pto_tile *, const pto_tile *);

static float ref_un(int op, float x)
{
    switch (op) {
    case 0: return expf(x);
    case 1: return logf(x);
    case 2: return sqrtf(x);
    case 3: return 1.0f / sqrtf(x);
    case 4: return x > 0.0f ? x : 0.0f;
    case 5: return x / (1.0f + expf(-x));
    case 6: return -x;
    case 7: return fabsf(x);
    default: return 1.0f / x;
    }
}

static void test_unary(void **state)
{
    (void)state;
    PTO_TILE_DECL(a, PTO_F32, 8, 8);
    PTO_TILE_DECL(p, PTO_F32, 8, 8); /* positive copy for log/sqrt/rsqrt */
    PTO_TILE_DECL(d, PTO_F32, 8, 8);
    PTO_TILE_DECL(i, PTO_I32, 8, 8);
    PTO_TILE_DECL(id, PTO_I32, 8, 8);
    unop_fn fns[9] = {pto_t_exp,  pto_t_log, pto_t_sqrt, pto_t_rsqrt, pto_t_relu,
                      pto_t_silu, pto_t_neg, pto_t_abs,  pto_t_recip};
    int op;
    uint32_t r, c;

    sentinel(&a, 3, 5);
    sentinel(&p, 3, 5);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 5; c++) {
            pto_tile_setf(&a, r, c, 0.75f * ((float)(r * 5 + c) - 7.0f) + 0.3f);
            pto_tile_setf(&p, r, c, 0.5f + (float)(r * 5 + c));
        }
    for (op = 0; op < 9; op++) {
        const pto_tile *src = (op >= 1 && op <= 3) ? &p : &a;
        sentinel(&d, 8, 8);
        EXPECT_COST(fns[op](&d, src), 15);
        for (r = 0; r < 3; r++)
            for (c = 0; c < 5; c++) {
                float want = ref_un(op, pto_tile_getf(src, r, c));
                assert_float_equal(pto_tile_getf(&d, r, c), want, 1e-6 * (1.0 + fabs(want)));
            }
        untouched_outside(&d, 3, 5);
    }
    /* silu spot values: silu(0) = 0, silu(large) ~ x, silu(-large) ~ 0 */
    pto_tile_set_valid(&a, 1, 3);
    pto_tile_setf(&a, 0, 0, 0.0f);
    pto_tile_setf(&a, 0, 1, 100.0f);
    pto_tile_setf(&a, 0, 2, -200.0f);
    EXPECT_COST(pto_t_silu(&d, &a), 3);
    assert_true(pto_tile_getf(&d, 0, 0) == 0.0f);
    assert_float_equal(pto_tile_getf(&d, 0, 1), 100.0f, 1e-4);
    assert_float_equal(pto_tile_getf(&d, 0, 2), 0.0f, 1e-30);

    /* i32: relu/neg/abs only */
    sentinel(&i, 1, 3);
    sentinel(&id, 8, 8);
    pto_tile_seti(&i, 0, 0, -5);
    pto_tile_seti(&i, 0, 1, 6);
    pto_tile_seti(&i, 0, 2, INT32_MIN);
    EXPECT_COST(pto_t_relu(&id, &i), 3);
    assert_int_equal(pto_tile_geti(&id, 0, 0), 0);
    assert_int_equal(pto_tile_geti(&id, 0, 1), 6);
    EXPECT_COST(pto_t_abs(&id, &i), 3);
    assert_int_equal(pto_tile_geti(&id, 0, 0), 5);
    assert_int_equal(pto_tile_geti(&id, 0, 2), INT32_MIN);
    EXPECT_COST(pto_t_neg(&id, &i), 3);
    assert_int_equal(pto_tile_geti(&id, 0, 1), -6);
    untouched_outside(&id, 1, 3);
    EXPECT_FAIL(pto_t_exp(&id, &i));
    EXPECT_FAIL(pto_t_rsqrt(&id, &i));
    EXPECT_FAIL(pto_t_exp(&d, &i)); /* dtype mismatch */
}

static void test_row_col_expand(void **state)
{
    (void)state;
    PTO_TILE_DECL(a, PTO_F32, 8, 8);
    PTO_TILE_DECL(junk, PTO_F32, 8, 8);
    PTO_TILE_DECL(col, PTO_F32, 8, 8); /* valid 3 x 1 */
    PTO_TILE_DECL(row, PTO_F32, 8, 8); /* valid 1 x 5 */
    PTO_TILE_DECL(d, PTO_F32, 8, 8);
    binop_fn rfns[6] = {pto_t_row_expand_add, pto_t_row_expand_sub, pto_t_row_expand_mul,
                        pto_t_row_expand_div, pto_t_row_expand_max, pto_t_row_expand_min};
    binop_fn cfns[4] = {pto_t_col_expand_add, pto_t_col_expand_sub, pto_t_col_expand_mul,
                        pto_t_col_expand_div};
    int op;
    uint32_t r, c;

    fill_ab(&a, &junk);
    sentinel(&col, 3, 1);
    sentinel(&row, 1, 5);
    for (r = 0; r < 3; r++)
        pto_tile_setf(&col, r, 0, (float)r - 1.5f);
    for (c = 0; c < 5; c++)
        pto_tile_setf(&row, 0, c, 0.25f * (float)c + 1.0f);

    for (op = 0; op < 6; op++) {
        sentinel(&d, 8, 8);
        EXPECT_COST(rfns[op](&d, &a, &col), 15);
        for (r = 0; r < 3; r++)
            for (c = 0; c < 5; c++)
                assert_true(pto_tile_getf(&d, r, c) ==
                            ref_op(op, pto_tile_getf(&a, r, c), pto_tile_getf(&col, r, 0)));
        untouched_outside(&d, 3, 5);
    }
    for (op = 0; op < 4; op++) {
        sentinel(&d, 8, 8);
        EXPECT_COST(cfns[op](&d, &a, &row), 15);
        for (r = 0; r < 3; r++)
            for (c = 0; c < 5; c++)
                assert_true(pto_tile_getf(&d, r, c) ==
                            ref_op(op, pto_tile_getf(&a, r, c), pto_tile_getf(&row, 0, c)));
        untouched_outside(&d, 3, 5);
    }
    /* shape checks: column must be valid_rows x 1, row 1 x valid_cols */
    EXPECT_FAIL(pto_t_row_expand_mul(&d, &a, &row));
    EXPECT_FAIL(pto_t_col_expand_mul(&d, &a, &col));
    pto_tile_set_valid(&col, 2, 1);
    EXPECT_FAIL(pto_t_row_expand_add(&d, &a, &col));
    /* the broadcast operand may not overlap dst */
    pto_tile_set_valid(&col, 3, 1);
    EXPECT_FAIL(pto_t_row_expand_add(&col, &a, &col));
}

static void test_reductions(void **state)
{
    (void)state;
    PTO_TILE_DECL(a, PTO_F32, 8, 8);
    PTO_TILE_DECL(b, PTO_F32, 8, 8);
    PTO_TILE_DECL(d, PTO_F32, 8, 8);
    PTO_TILE_DECL(h, PTO_F16, 8, 8);
    PTO_TILE_DECL(i, PTO_I32, 8, 8);
    PTO_TILE_DECL(id, PTO_I32, 8, 8);
    PTO_TILE_DECL(narrow, PTO_F32, 2, 1);
    uint32_t r, c;

    fill_ab(&a, &b);
    sentinel(&d, 8, 8);
    EXPECT_COST(pto_t_row_sum(&d, &a), 3);
    assert_int_equal(d.valid_rows, 3);
    assert_int_equal(d.valid_cols, 1);
    for (r = 0; r < 3; r++) {
        float s = 0.0f;
        for (c = 0; c < 5; c++)
            s += pto_tile_getf(&a, r, c);
        assert_true(pto_tile_getf(&d, r, 0) == s);
    }
    untouched_outside(&d, 3, 1);

    sentinel(&d, 8, 8);
    EXPECT_COST(pto_t_row_max(&d, &a), 3);
    assert_true(pto_tile_getf(&d, 0, 0) == -2.0f);
    assert_true(pto_tile_getf(&d, 2, 0) == 8.0f);
    untouched_outside(&d, 3, 1);
    sentinel(&d, 8, 8);
    EXPECT_COST(pto_t_row_min(&d, &a), 3);
    assert_true(pto_tile_getf(&d, 1, 0) == -1.0f);
    untouched_outside(&d, 3, 1);
    sentinel(&d, 8, 8);
    /* row_mean = row_sum (3 x 1 result: 3) + divs of the sums by 5 (3 x 1: 3) */
    EXPECT_COST(pto_t_row_mean(&d, &a), 3 + 3);
    assert_true(pto_tile_getf(&d, 0, 0) == -4.0f);
    assert_true(pto_tile_getf(&d, 1, 0) == 1.0f);
    assert_true(pto_tile_getf(&d, 2, 0) == 6.0f);
    untouched_outside(&d, 3, 1);

    /* f16 input reduced into f32 (accumulated in f32) */
    sentinel(&h, 1, 3);
    pto_tile_setf(&h, 0, 0, 2048.0f);
    pto_tile_setf(&h, 0, 1, 1.0f);
    pto_tile_setf(&h, 0, 2, 1.0f);
    sentinel(&d, 8, 8);
    EXPECT_COST(pto_t_row_sum(&d, &h), 1);
    assert_true(pto_tile_getf(&d, 0, 0) == 2050.0f);
    EXPECT_FAIL(pto_t_row_sum(&h, &d)); /* f32 -> f16 reduction not supported */

    /* i32 */
    sentinel(&i, 2, 3);
    for (r = 0; r < 2; r++)
        for (c = 0; c < 3; c++)
            pto_tile_seti(&i, r, c, (int32_t)(r * 10 + c) - 3);
    sentinel(&id, 8, 8);
    EXPECT_COST(pto_t_row_sum(&id, &i), 2);
    assert_int_equal(pto_tile_geti(&id, 0, 0), -6);
    assert_int_equal(pto_tile_geti(&id, 1, 0), 24);
    EXPECT_COST(pto_t_row_mean(&id, &i), 2 + 2); /* row_sum 2 x 1 + divs 2 x 1 */
    assert_int_equal(pto_tile_geti(&id, 0, 0), -2);
    EXPECT_COST(pto_t_row_max(&id, &i), 2);
    assert_int_equal(pto_tile_geti(&id, 1, 0), 9);
    untouched_outside(&id, 2, 1);

    /* 16x16 row_sum costs 16 (the destination is 16 x 1); row_mean costs what
     * its lowering does, row_sum 16 + divs 16 on the 16 x 1 sums = 32 */
    {
        PTO_TILE_DECL(x, PTO_F32, 16, 16);
        PTO_TILE_DECL(s, PTO_F32, 16, 1);
        EXPECT_COST(pto_t_fill(&x, 1.0f), 256);
        EXPECT_COST(pto_t_row_sum(&s, &x), 16);
        assert_true(pto_tile_getf(&s, 15, 0) == 16.0f);
        EXPECT_COST(pto_t_divs(&s, &s, 16.0f), 16);
        EXPECT_COST(pto_t_row_mean(&s, &x), 32);
        assert_true(pto_tile_getf(&s, 15, 0) == 1.0f);
    }
    EXPECT_FAIL(pto_t_row_sum(&narrow, &a)); /* 2 rows < 3 */
    pto_tile_set_valid(&a, 3, 0);
    EXPECT_FAIL(pto_t_row_max(&d, &a)); /* empty rows */
}

/* Deterministic small values, exactly representable in f16/bf16. */
static float val(uint32_t seed) { return (float)((int)((seed * 2654435761u) >> 27) - 16) / 8.0f; }

static void matmul_case(pto_dtype dt)
{
    PTO_TILE_DECL(A, PTO_F32, 8, 8); /* storage reused as dt via init */
    PTO_TILE_DECL(B, PTO_F32, 8, 8);
    PTO_TILE_DECL(C, PTO_F32, 8, 8);
    const uint32_t M = 5, K = 7, N = 3;
    float af[5][7], bf[7][3], ref[5][3];
    uint32_t i, j, k;

    assert_int_equal(pto_tile_init(&A, dt, 8, 8, A_buf.f32), 0);
    assert_int_equal(pto_tile_init(&B, dt, 8, 8, B_buf.f32), 0);
    sentinel(&A, M, K);
    sentinel(&B, K, N);
    sentinel(&C, 8, 8);
    for (i = 0; i < M; i++)
        for (k = 0; k < K; k++) {
            af[i][k] = val(i * 31 + k);
            pto_tile_setf(&A, i, k, af[i][k]);
        }
    for (k = 0; k < K; k++)
        for (j = 0; j < N; j++) {
            bf[k][j] = val(1000 + k * 17 + j);
            pto_tile_setf(&B, k, j, bf[k][j]);
        }
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++) {
            float s = 0.0f;
            for (k = 0; k < K; k++)
                s += af[i][k] * bf[k][j];
            ref[i][j] = s;
        }
    EXPECT_COST(pto_t_matmul(&C, &A, &B), M * K * N);
    assert_int_equal(C.valid_rows, M);
    assert_int_equal(C.valid_cols, N);
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++)
            assert_float_equal(pto_tile_getf(&C, i, j), ref[i][j], 1e-5);
    untouched_outside(&C, M, N);
    EXPECT_COST(pto_t_matmul_acc(&C, &A, &B), M * K * N);
    for (i = 0; i < M; i++)
        for (j = 0; j < N; j++)
            assert_float_equal(pto_tile_getf(&C, i, j), 2.0f * ref[i][j], 1e-5);
    untouched_outside(&C, M, N);

    /* errors: K mismatch, C dtype, A/B dtype mismatch, capacity, acc shape, alias */
    pto_tile_set_valid(&B, K - 1, N);
    EXPECT_FAIL(pto_t_matmul(&C, &A, &B));
    pto_tile_set_valid(&B, K, N);
    EXPECT_FAIL(pto_t_matmul(&A, &A, &B));
    {
        PTO_TILE_DECL(B2, PTO_F32, 8, 8);
        PTO_TILE_DECL(Csmall, PTO_F32, 4, 4);
        PTO_TILE_DECL(Ci, PTO_I32, 8, 8);
        pto_tile_set_valid(&B2, K, N);
        if (dt != PTO_F32)
            EXPECT_FAIL(pto_t_matmul(&C, &A, &B2));
        EXPECT_FAIL(pto_t_matmul(&Csmall, &A, &B));
        EXPECT_FAIL(pto_t_matmul(&Ci, &A, &B));
        pto_tile_set_valid(&C, M, N + 1);
        EXPECT_FAIL(pto_t_matmul_acc(&C, &A, &B));
    }
}

static void test_matmul(void **state)
{
    (void)state;
    matmul_case(PTO_F16);
    matmul_case(PTO_BF16);
    matmul_case(PTO_F32);
}

static void test_matmul_f16_rounding_inputs(void **state)
{
    (void)state;
    /* inputs not representable in f16 are rounded on setf; the product uses
     * the f16 values with f32 accumulation */
    PTO_TILE_DECL(A, PTO_F16, 16, 16);
    PTO_TILE_DECL(B, PTO_F16, 16, 16);
    PTO_TILE_DECL(C, PTO_F32, 16, 16);
    uint32_t i, j, k;

    for (i = 0; i < 16; i++)
        for (j = 0; j < 16; j++) {
            pto_tile_setf(&A, i, j, 0.1f * (float)i - 0.03f * (float)j);
            pto_tile_setf(&B, i, j, 0.07f * (float)j + 0.011f * (float)i - 0.5f);
        }
    EXPECT_COST(pto_t_matmul(&C, &A, &B), 16 * 16 * 16);
    for (i = 0; i < 16; i++)
        for (j = 0; j < 16; j++) {
            float s = 0.0f;
            for (k = 0; k < 16; k++)
                s += pto_tile_f16_to_f32(((uint16_t *)A.data)[i * 16 + k]) *
                     pto_tile_f16_to_f32(((uint16_t *)B.data)[k * 16 + j]);
            assert_float_equal(pto_tile_getf(&C, i, j), s, 1e-5);
        }
}

static int before(float x, float y) /* descending, NaN last */
{
    return !isnan(x) && (isnan(y) || x > y);
}

static void test_sort32(void **state)
{
    (void)state;
    PTO_TILE_DECL(src, PTO_F32, 4, 64);
    PTO_TILE_DECL(six, PTO_I32, 4, 64);
    PTO_TILE_DECL(dv, PTO_F32, 4, 64);
    PTO_TILE_DECL(di, PTO_I32, 4, 64);
    uint32_t r, c, b;

    sentinel(&src, 3, 40);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 40; c++)
            pto_tile_setf(&src, r, c, val(r * 97 + c * 13)); /* has duplicates */
    pto_tile_setf(&src, 1, 3, NAN);
    sentinel(&dv, 4, 64);
    sentinel(&di, 4, 64);
    EXPECT_COST(pto_t_sort32(&dv, &di, &src, NULL), 5 * 3 * 40);
    assert_int_equal(dv.valid_rows, 3);
    assert_int_equal(dv.valid_cols, 40);
    assert_int_equal(di.valid_cols, 40);
    untouched_outside(&dv, 3, 40);
    for (r = 0; r < 3; r++)
        for (b = 0; b < 40; b += 32) {
            uint32_t n = 40 - b < 32 ? 40 - b : 32, seen = 0;
            for (c = 0; c < n; c++) {
                int32_t ix = pto_tile_geti(&di, r, b + c);
                float v = pto_tile_getf(&dv, r, b + c);
                /* the index is the original column, inside this block */
                assert_true(ix >= (int32_t)b && ix < (int32_t)(b + n));
                seen |= 1u << (ix - (int32_t)b);
                if (isnan(v))
                    assert_true(isnan(pto_tile_getf(&src, r, (uint32_t)ix)));
                else
                    assert_true(v == pto_tile_getf(&src, r, (uint32_t)ix));
                if (c > 0) {
                    float pv = pto_tile_getf(&dv, r, b + c - 1);
                    int32_t pix = pto_tile_geti(&di, r, b + c - 1);
                    assert_false(before(v, pv)); /* non-increasing */
                    if (v == pv)
                        assert_true(pix < ix); /* stable */
                }
            }
            assert_int_equal(seen, n == 32 ? 0xffffffffu : (1u << n) - 1u);
        }
    assert_true(isnan(pto_tile_getf(&dv, 1, 31))); /* NaN sorts last in its block */

    /* carried indices, in place */
    sentinel(&six, 3, 40);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 40; c++)
            pto_tile_seti(&six, r, c, (int32_t)(1000 + r * 100 + c));
    EXPECT_COST(pto_t_sort32(&src, &six, &src, &six), 600);
    for (r = 0; r < 3; r++)
        for (c = 0; c < 40; c++) {
            int32_t ix = pto_tile_geti(&six, r, c);
            assert_true(ix >= (int32_t)(1000 + r * 100) && ix < (int32_t)(1040 + r * 100));
            assert_true(pto_tile_getf(&src, r, c) == pto_tile_getf(&dv, r, c) ||
                        isnan(pto_tile_getf(&src, r, c)));
            assert_int_equal(ix - (int32_t)(1000 + r * 100), pto_tile_geti(&di, r, c));
        }

    /* errors */
    EXPECT_FAIL(pto_t_sort32(&dv, &dv, &src, NULL));  /* idx dtype */
    EXPECT_FAIL(pto_t_sort32(&di, &six, &src, NULL)); /* value dtype */
    pto_tile_set_valid(&six, 2, 40);
    EXPECT_FAIL(pto_t_sort32(&dv, &di, &src, &six)); /* idx shape */
    {
        PTO_TILE_DECL(small, PTO_I32, 4, 32);
        EXPECT_FAIL(pto_t_sort32(&dv, &small, &src, NULL)); /* capacity */
    }
}

static void test_topk(void **state)
{
    (void)state;
    PTO_TILE_DECL(src, PTO_F32, 2, 80);
    PTO_TILE_DECL(dv, PTO_F32, 4, 80);
    PTO_TILE_DECL(di, PTO_I32, 4, 80);
    const uint32_t R = 2, C = 70;
    uint32_t r, c, t, k;

    sentinel(&src, R, C);
    for (r = 0; r < R; r++)
        for (c = 0; c < C; c++)
            pto_tile_setf(&src, r, c, val(r * 131 + c * 7 + 3));
    for (k = 1; k <= C; k += (k < 8 ? 1 : 31)) {
        sentinel(&dv, 4, 80);
        sentinel(&di, 4, 80);
        EXPECT_COST(pto_t_topk(&dv, &di, &src, k), 5 * R * C + R * k);
        assert_int_equal(dv.valid_rows, R);
        assert_int_equal(dv.valid_cols, k);
        assert_int_equal(di.valid_cols, k);
        untouched_outside(&dv, R, k);
        untouched_outside(&di, R, k);
        for (r = 0; r < R; r++) {
            /* reference: selection by (value desc, column asc) */
            uint32_t used[3] = {0, 0, 0};
            for (t = 0; t < k; t++) {
                uint32_t best = C;
                for (c = 0; c < C; c++) {
                    if (used[c / 32] & (1u << (c % 32)))
                        continue;
                    if (best == C ||
                        before(pto_tile_getf(&src, r, c), pto_tile_getf(&src, r, best)))
                        best = c;
                }
                used[best / 32] |= 1u << (best % 32);
                assert_int_equal(pto_tile_geti(&di, r, t), (int32_t)best);
                assert_true(pto_tile_getf(&dv, r, t) == pto_tile_getf(&src, r, best));
            }
        }
    }
    k = C;
    EXPECT_COST(pto_t_topk(&dv, &di, &src, k), 5 * R * C + R * C);
    EXPECT_FAIL(pto_t_topk(&dv, &di, &src, 0));
    EXPECT_FAIL(pto_t_topk(&dv, &di, &src, C + 1));
    EXPECT_FAIL(pto_t_topk(&dv, &di, &dv, 3));  /* overlap */
    EXPECT_FAIL(pto_t_topk(&di, &di, &src, 3)); /* dtype */
    {
        PTO_TILE_DECL(short_rows, PTO_F32, 1, 80);
        EXPECT_FAIL(pto_t_topk(&short_rows, &di, &src, 3)); /* capacity */
    }
}

static void test_errors_leave_state(void **state)
{
    (void)state;
    PTO_TILE_DECL(a, PTO_F32, 8, 8);
    PTO_TILE_DECL(b, PTO_F32, 8, 8);
    PTO_TILE_DECL(d, PTO_F32, 8, 8);
    PTO_TILE_DECL(small, PTO_F32, 2, 2);
    PTO_TILE_DECL(h, PTO_F16, 8, 8);
    pto_tile bad;

    fill_ab(&a, &b);
    sentinel(&d, 8, 8);
    pto_tile_set_valid(&b, 3, 4);
    EXPECT_FAIL(pto_t_add(&d, &a, &b));     /* valid regions differ */
    EXPECT_FAIL(pto_t_mul(&small, &a, &a)); /* dst capacity */
    EXPECT_FAIL(pto_t_sub(&h, &a, &a));     /* dtype combo */
    EXPECT_FAIL(pto_t_div(&d, &a, &h));
    EXPECT_FAIL(pto_t_adds(&small, &a, 1.0f));
    EXPECT_FAIL(pto_t_exp(&small, &a));
    EXPECT_FAIL(pto_t_add(NULL, &a, &a));
    EXPECT_FAIL(pto_t_add(&d, NULL, &a));
    EXPECT_FAIL(pto_t_muls(&d, NULL, 1.0f));
    EXPECT_FAIL(pto_t_row_sum(&d, NULL));
    EXPECT_FAIL(pto_t_matmul(&d, &a, NULL));
    EXPECT_FAIL(pto_t_sort32(&d, NULL, &a, NULL));
    EXPECT_FAIL(pto_t_topk(NULL, NULL, &a, 1));
    EXPECT_FAIL(pto_t_convert(&small, &a));
    /* a tile whose valid region exceeds its capacity is rejected */
    bad = a;
    bad.valid_rows = 9;
    EXPECT_FAIL(pto_t_relu(&d, &bad));
    EXPECT_FAIL(pto_t_store(d.data, 8, &bad));
    /* partially overlapping (shifted) views are rejected */
    bad = a;
    bad.data = (float *)a.data + 1;
    bad.rows = 7;
    pto_tile_set_valid(&bad, 3, 5);
    EXPECT_FAIL(pto_t_add(&bad, &a, &a));
    /* nothing was written */
    untouched_outside(&d, 0, 0);
    assert_int_equal(d.valid_rows, 8);
    assert_int_equal(d.valid_cols, 8);
    assert_true(pto_tile_getf(&a, 0, 0) == -6.0f);
}

/* DESIGN §5: rmsnorm of a 16x16 f32 tile = 1072 cycles. */
static void test_rmsnorm_1072(void **state)
{
    (void)state;
    PTO_TILE_DECL(x, PTO_F32, 16, 16);
    PTO_TILE_DECL(sq, PTO_F32, 16, 16);
    PTO_TILE_DECL(ss, PTO_F32, 16, 1);
    PTO_TILE_DECL(y, PTO_F32, 16, 16);
    float in[16 * 16], out[16 * 16];
    uint32_t r, c;

    for (r = 0; r < 16; r++)
        for (c = 0; c < 16; c++)
            in[r * 16 + c] = sinf((float)(r * 16 + c) * 0.37f) * (1.0f + (float)r) + 0.01f;
    memset(out, 0, sizeof out);

    pto_cycles_reset();
    assert_int_equal(pto_t_load(&x, in, 16), 0);
    assert_int_equal(pto_t_mul(&sq, &x, &x), 0);
    assert_int_equal(pto_t_row_sum(&ss, &sq), 0);
    assert_int_equal(pto_t_divs(&ss, &ss, 16.0f), 0);
    assert_int_equal(pto_t_rsqrt(&ss, &ss), 0);
    assert_int_equal(pto_t_row_expand_mul(&y, &x, &ss), 0);
    assert_int_equal(pto_t_store(out, 16, &y), 0);
    assert_int_equal(pto_cycles_read(), 1072);

    for (r = 0; r < 16; r++) {
        float s = 0.0f, inv;
        for (c = 0; c < 16; c++)
            s += in[r * 16 + c] * in[r * 16 + c];
        inv = 1.0f / sqrtf(s / 16.0f);
        for (c = 0; c < 16; c++)
            assert_float_equal(out[r * 16 + c], in[r * 16 + c] * inv, 1e-5);
    }

    /* row_mean is row_sum + divs (DESIGN §5), so the same rmsnorm written with
     * it costs the same: 256 + 256 + row_mean (16 + 16) + 16 + 256 + 256 = 1072 */
    {
        float out2[16 * 16];
        pto_cycles_reset();
        assert_int_equal(pto_t_load(&x, in, 16), 0);
        assert_int_equal(pto_t_mul(&sq, &x, &x), 0);
        assert_int_equal(pto_t_row_mean(&ss, &sq), 0);
        assert_int_equal(pto_t_rsqrt(&ss, &ss), 0);
        assert_int_equal(pto_t_row_expand_mul(&y, &x, &ss), 0);
        assert_int_equal(pto_t_store(out2, 16, &y), 0);
        assert_int_equal(pto_cycles_read(), 1072);
        for (r = 0; r < 16 * 16; r++)
            assert_float_equal(out2[r], out[r], 1e-5);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decl_init),
        cmocka_unit_test(test_f16_known),
        cmocka_unit_test(test_bf16_known),
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_load_store),
        cmocka_unit_test(test_move_convert),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_binary_f16_i32),
        cmocka_unit_test(test_scalar),
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_row_col_expand),
        cmocka_unit_test(test_reductions),
        cmocka_unit_test(test_matmul),
        cmocka_unit_test(test_matmul_f16_rounding_inputs),
        cmocka_unit_test(test_sort32),
        cmocka_unit_test(test_topk),
        cmocka_unit_test(test_errors_leave_state),
        cmocka_unit_test(test_rmsnorm_1072),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
