/* Regions (src/core/region.c) and the TensorMap (src/core/tensor_map.c):
 * exact and conservative overlap, producer/consumer lookup, lazy
 * invalidation, ring retirement and slot reuse, superseding, a full pool,
 * and randomized comparisons against brute-force references. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/region.h"
#include "core/tensor_map.h"

/* ------------------------------------------------------------------ helpers */

/* Deterministic PRNG (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x243f6a8885a308d3ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dull;
}
static uint64_t rnd_below(uint64_t n) { return rnd() % n; }

static pto_region r1d(uint64_t off, uint64_t bytes)
{
    pto_region r;
    pto_region_1d(&r, off, bytes);
    return r;
}

/* A rows x cols tile at (row, col) of a row-major matrix of f32 with
 * `ld` elements per row. */
static pto_region tile(uint64_t ld, uint64_t row, uint64_t col, uint64_t rows, uint64_t cols)
{
    pto_region r;
    memset(&r, 0, sizeof r);
    r.ndim = 2;
    r.elem = 4;
    r.offset = (row * ld + col) * 4;
    r.shape[0] = rows;
    r.shape[1] = cols;
    r.stride[0] = ld * 4;
    r.stride[1] = 4;
    return r;
}

/* Checks symmetry too: overlap(a, b) must equal overlap(b, a). */
static int ov(const pto_region *a, const pto_region *b)
{
    int x = pto_region_overlap(a, b), y = pto_region_overlap(b, a);
    assert_int_equal(x, y);
    return x;
}

/* -------------------------------------------------------------- region tests */

static void test_region_1d_and_bounds(void **state)
{
    (void)state;
    pto_region r = r1d(100, 28);
    assert_int_equal(r.ndim, 1);
    assert_int_equal(r.elem, 1);
    assert_int_equal(r.shape[0], 28);
    assert_int_equal(r.stride[0], 1);
    uint64_t lo, hi;
    pto_region_bounds(&r, &lo, &hi);
    assert_int_equal(lo, 100);
    assert_int_equal(hi, 128);

    /* 32x32 f32 tile at (32, 64) of a 128x128 matrix: first byte
     * (32*128+64)*4, last element at +31 rows +31 cols. */
    pto_region t = tile(128, 32, 64, 32, 32);
    pto_region_bounds(&t, &lo, &hi);
    assert_int_equal(lo, (32 * 128 + 64) * 4);
    assert_int_equal(hi, (63 * 128 + 95) * 4 + 4);

    /* Empty regions: lo == hi. */
    pto_region e = r1d(77, 0);
    pto_region_bounds(&e, &lo, &hi);
    assert_int_equal(lo, hi);
    pto_region e2 = tile(128, 1, 1, 0, 32);
    pto_region_bounds(&e2, &lo, &hi);
    assert_int_equal(lo, hi);

    /* Overflowing extent: conservatively everything. */
    pto_region big = tile(128, 0, 0, 2, 2);
    big.offset = UINT64_MAX - 8;
    pto_region_bounds(&big, &lo, &hi);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, UINT64_MAX);
    pto_region any = r1d(0, 1);
    assert_int_equal(ov(&big, &any), 1);
    /* Invalid ndim: also everything (never empty). */
    pto_region bad = r1d(4096, 16);
    bad.ndim = 0;
    assert_int_equal(ov(&bad, &any), 1);
    bad.ndim = PTO_MAX_DIMS + 1;
    assert_int_equal(ov(&bad, &any), 1);
}

static void test_region_1d_overlap(void **state)
{
    (void)state;
    pto_region a = r1d(0, 64), b = r1d(0, 64);
    assert_int_equal(ov(&a, &b), 1); /* equal */
    b = r1d(64, 64);
    assert_int_equal(ov(&a, &b), 0); /* adjacent: [0,64) and [64,128) */
    b = r1d(63, 64);
    assert_int_equal(ov(&a, &b), 1); /* one shared byte */
    b = r1d(16, 8);
    assert_int_equal(ov(&a, &b), 1); /* nested */
    b = r1d(1000, 8);
    assert_int_equal(ov(&a, &b), 0); /* far apart */

    /* 1-D with 4-byte elements: [8, 8 + 4*4) vs [24, ...). */
    pto_region c, d;
    memset(&c, 0, sizeof c);
    c.ndim = 1, c.elem = 4, c.offset = 8, c.shape[0] = 4, c.stride[0] = 4;
    d = c;
    d.offset = 24;
    assert_int_equal(ov(&c, &d), 0);
    d.offset = 20; /* misaligned by one byte into c's last element */
    assert_int_equal(ov(&c, &d), 1);
    d.offset = 23;
    assert_int_equal(ov(&c, &d), 1);
}

/* 32x32 f32 tiles of one 128x128 row-major matrix. */
static void test_region_matrix_tiles(void **state)
{
    (void)state;
    pto_region t00 = tile(128, 0, 0, 32, 32);
    /* The bounding intervals of these pairs intersect; only the exact
     * per-dimension check separates them. */
    for (uint64_t cb = 1; cb < 4; cb++) {
        pto_region t = tile(128, 0, cb * 32, 32, 32); /* same row band */
        assert_int_equal(ov(&t00, &t), 0);
    }
    pto_region t10 = tile(128, 32, 0, 32, 32); /* next row band */
    assert_int_equal(ov(&t00, &t10), 0);
    pto_region t11 = tile(128, 32, 32, 32, 32);
    assert_int_equal(ov(&t00, &t11), 0);
    pto_region t13 = tile(128, 32, 96, 32, 32);
    pto_region t22 = tile(128, 64, 64, 32, 32);
    assert_int_equal(ov(&t13, &t22), 0);

    /* The same tile overlaps itself; a tile shifted by (16, 16) overlaps. */
    pto_region same = tile(128, 0, 0, 32, 32);
    assert_int_equal(ov(&t00, &same), 1);
    pto_region sh = tile(128, 16, 16, 32, 32);
    assert_int_equal(ov(&t00, &sh), 1);
    assert_int_equal(ov(&t11, &sh), 1);
    pto_region sh_col = tile(128, 0, 31, 32, 32); /* one shared column */
    assert_int_equal(ov(&t00, &sh_col), 1);
    pto_region sh_row = tile(128, 31, 0, 32, 32); /* one shared row */
    assert_int_equal(ov(&t00, &sh_row), 1);
    pto_region corner = tile(128, 31, 31, 32, 32); /* one shared element */
    assert_int_equal(ov(&t00, &corner), 1);
    pto_region diag = tile(128, 32, 32, 32, 32); /* touches corner only */
    assert_int_equal(ov(&t00, &diag), 0);

    /* A tile misaligned by 2 bytes (remainder inside an element run):
     * exact byte-level answer within a row. */
    pto_region m = tile(128, 0, 32, 32, 32);
    m.offset -= 2; /* now starts 2 bytes inside t00's last column */
    assert_int_equal(ov(&t00, &m), 1);
    m.offset += 2 + 4 * 32; /* column block 2: disjoint from t00 */
    assert_int_equal(ov(&t00, &m), 0);

    /* 3-D: 4 matrices of 16x16 f32 in one buffer (batch stride 1024 B). */
    pto_region a, b;
    memset(&a, 0, sizeof a);
    a.ndim = 3, a.elem = 4;
    a.shape[0] = 1, a.shape[1] = 8, a.shape[2] = 8;
    a.stride[0] = 16 * 16 * 4, a.stride[1] = 16 * 4, a.stride[2] = 4;
    b = a;
    b.offset = 1 * a.stride[0]; /* same tile in matrix 1 */
    assert_int_equal(ov(&a, &b), 0);
    b.offset = 8 * 4; /* matrix 0, column block 1 */
    assert_int_equal(ov(&a, &b), 0);
    b.offset = 8 * 64 + 8 * 4; /* matrix 0, tile (8, 8) */
    assert_int_equal(ov(&a, &b), 0);
    b.offset = 7 * 64 + 7 * 4; /* matrix 0, tile (7, 7): one element */
    assert_int_equal(ov(&a, &b), 1);
}

/* A row slice and a column slice of a 64x64 f32 matrix share exactly one
 * element; a column outside the row slice's columns shares nothing. */
static void test_region_row_vs_column(void **state)
{
    (void)state;
    pto_region row = tile(64, 10, 0, 1, 64);
    pto_region col = tile(64, 0, 20, 64, 1);
    assert_int_equal(ov(&row, &col), 1);
    pto_region half_row = tile(64, 10, 0, 1, 16);
    assert_int_equal(ov(&half_row, &col), 0);
    pto_region col_above = tile(64, 0, 20, 10, 1); /* rows 0..9 */
    assert_int_equal(ov(&row, &col_above), 0);
    pto_region col_incl = tile(64, 0, 20, 11, 1); /* rows 0..10 */
    assert_int_equal(ov(&row, &col_incl), 1);
}

/* Even vs odd f32 elements (stride 8, elem 4, offsets 0 and 4) are disjoint
 * in truth, but interleaved layouts are handled conservatively. */
static void test_region_interleaved_conservative(void **state)
{
    (void)state;
    pto_region even, odd;
    memset(&even, 0, sizeof even);
    even.ndim = 1, even.elem = 4, even.shape[0] = 16, even.stride[0] = 8;
    odd = even;
    odd.offset = 4;
    assert_int_equal(ov(&even, &odd), 1);
    /* ... but bounding intervals still separate far-apart ones. */
    odd.offset = 16 * 8;
    assert_int_equal(ov(&even, &odd), 0);

    /* Different strides (a 2-D view vs a transposed view): conservative. */
    pto_region a = tile(128, 0, 0, 32, 32);
    pto_region t = a;
    t.stride[0] = 4, t.stride[1] = 128 * 4; /* column-major view */
    t.offset = 64 * 4;                      /* columns 64.., rows 0..31 */
    assert_int_equal(ov(&a, &t), 1);        /* bounds intersect */
    /* Outer stride not a multiple of the inner: conservative. */
    pto_region w;
    memset(&w, 0, sizeof w);
    w.ndim = 3, w.elem = 4;
    w.shape[0] = 2, w.shape[1] = 2, w.shape[2] = 2;
    w.stride[0] = 100, w.stride[1] = 24, w.stride[2] = 4;
    pto_region w2 = w;
    w2.offset = 48;
    assert_int_equal(ov(&w, &w2), 1);
    /* A region whose rows are wider than its row stride (self-overlapping /
     * carrying): conservative even with equal layouts. */
    pto_region c1 = tile(16, 0, 0, 4, 32); /* 32 cols in a 16-col matrix */
    pto_region c2 = tile(16, 3, 8, 4, 32);
    assert_int_equal(ov(&c1, &c2), 1);
    /* Rows that spill into the next row really do overlap it: cols 8..23
     * of rows 0..1 of a 16-col matrix reach row 2, cols 0..7. */
    pto_region spill = tile(16, 0, 8, 2, 16);
    pto_region row2 = tile(16, 2, 0, 1, 4);
    assert_int_equal(ov(&spill, &row2), 1);
    pto_region row3 = tile(16, 3, 0, 1, 4);
    assert_int_equal(ov(&spill, &row3), 0); /* bounds already separate */
    /* A 20-row slab of 16x16 matrices spills into the next matrix. */
    pto_region slab, m1;
    memset(&slab, 0, sizeof slab);
    slab.ndim = 3, slab.elem = 4;
    slab.shape[0] = 1, slab.shape[1] = 20, slab.shape[2] = 4;
    slab.stride[0] = 16 * 16 * 4, slab.stride[1] = 16 * 4, slab.stride[2] = 4;
    m1 = slab;
    m1.shape[1] = 1;
    m1.offset = 1 * m1.stride[0] + 2 * m1.stride[1]; /* matrix 1, row 2 */
    assert_int_equal(ov(&slab, &m1), 1);
}

static void test_region_empty(void **state)
{
    (void)state;
    pto_region e = r1d(0, 0), a = r1d(0, 64);
    assert_int_equal(ov(&e, &a), 0);
    assert_int_equal(ov(&e, &e), 0);
    pto_region et = tile(128, 0, 0, 32, 0);
    pto_region t = tile(128, 0, 0, 32, 32);
    assert_int_equal(ov(&et, &t), 0);
    et = tile(128, 0, 0, 32, 32);
    et.elem = 0;
    assert_int_equal(ov(&et, &t), 0);
    /* An empty region placed inside a non-empty one still does not overlap. */
    pto_region inner = r1d(10, 0);
    assert_int_equal(ov(&inner, &a), 0);
}

/* The same bytes described as 1-D and as 2-D (different layouts). */
static void test_region_1d_vs_2d(void **state)
{
    (void)state;
    pto_region t = tile(32, 4, 0, 4, 32); /* rows 4..7 of a 32x32 f32: dense */
    pto_region flat = r1d(4 * 32 * 4, 4 * 32 * 4);
    assert_int_equal(ov(&t, &flat), 1);
    pto_region before = r1d(0, 4 * 32 * 4); /* rows 0..3 */
    assert_int_equal(ov(&t, &before), 0);
    pto_region after = r1d(8 * 32 * 4, 16); /* row 8 */
    assert_int_equal(ov(&t, &after), 0);
    pto_region last_byte = r1d(8 * 32 * 4 - 1, 1);
    assert_int_equal(ov(&t, &last_byte), 1);
}

/* Marks every byte of r (within a buffer of n bytes) in map. */
static void paint(const pto_region *r, uint8_t *map, size_t n)
{
    uint64_t idx[PTO_MAX_DIMS] = {0};
    for (uint32_t d = 0; d < r->ndim; d++)
        if (r->shape[d] == 0)
            return;
    for (;;) {
        uint64_t at = r->offset;
        for (uint32_t d = 0; d < r->ndim; d++)
            at += idx[d] * r->stride[d];
        for (uint32_t e = 0; e < r->elem; e++) {
            assert_true(at + e < n);
            map[at + e] = 1;
        }
        uint32_t d = r->ndim;
        while (d > 0) {
            d--;
            if (++idx[d] < r->shape[d])
                break;
            idx[d] = 0;
            if (d == 0)
                return;
        }
    }
}

/* Does r decompose into per-dimension intervals (region.h): dense
 * innermost run, each outer stride a nonzero multiple of the next, and no
 * index carrying past its row/plane? Empty regions count as decomposing
 * (they never overlap anything). */
static int decomposes(const pto_region *r)
{
    uint32_t n = r->ndim;
    for (uint32_t d = 0; d < n; d++)
        if (r->shape[d] == 0)
            return 1;
    if (r->stride[n - 1] != r->elem)
        return 0;
    for (uint32_t d = 0; d + 1 < n; d++)
        if (r->stride[d] == 0 || (d >= 1 && r->stride[d - 1] % r->stride[d]))
            return 0;
    for (uint32_t d = 1; d < n; d++) {
        uint64_t pos = r->offset % r->stride[d - 1];
        uint64_t span = r->shape[n - 1] * r->elem;
        for (uint32_t e = d; e + 1 < n; e++)
            span += (r->shape[e] - 1) * r->stride[e];
        if (pos + span > r->stride[d - 1])
            return 0;
    }
    return 1;
}

/* Randomized: over random layouts the answer is never 0 when bytes are
 * shared (sound), and for same-layout decomposable pairs (tiles of one
 * matrix) it is exact. */
static void test_region_random_vs_bytes(void **state)
{
    (void)state;
    enum { N = 8192 };
    static uint8_t ma[N], mb[N];
    static const uint32_t elems[] = {1, 2, 4};
    uint32_t exact_checked = 0, disjoint_seen = 0, dense_checked = 0;
    for (int iter = 0; iter < 4000; iter++) {
        pto_region a, b;
        memset(&a, 0, sizeof a);
        int same = iter % 2 == 0;
        a.ndim = 1 + (uint32_t)rnd_below(3);
        a.elem = elems[rnd_below(3)];
        if (same) {
            /* Row-major layout: dense innermost, each outer stride a multiple
             * of the next. */
            uint64_t s = a.elem;
            for (uint32_t d = a.ndim; d-- > 0;) {
                a.stride[d] = s;
                s *= 2 + rnd_below(7); /* extent of this dim: 2..8 */
                if (d == a.ndim - 1)
                    s = a.elem * (4 + rnd_below(13)); /* row: 4..16 elems */
            }
        } else {
            for (uint32_t d = 0; d < a.ndim; d++)
                a.stride[d] = 1 + rnd_below(40);
        }
        b = a;
        if (!same) {
            b.ndim = 1 + (uint32_t)rnd_below(3);
            b.elem = elems[rnd_below(3)];
            for (uint32_t d = 0; d < b.ndim; d++)
                b.stride[d] = 1 + rnd_below(40);
        }
        pto_region *rs[2] = {&a, &b};
        for (int k = 0; k < 2; k++) {
            pto_region *r = rs[k];
            for (uint32_t d = 0; d < r->ndim; d++)
                r->shape[d] = rnd_below(5); /* 0 sometimes: empty */
            r->offset = rnd_below(2048);
            /* The one-pass summary agrees with bounds and density. */
            uint64_t lo, hi, slo, shi;
            int sdense;
            pto_region_bounds(r, &lo, &hi);
            pto_region_summary(r, &slo, &shi, &sdense);
            assert_int_equal(slo, lo);
            assert_int_equal(shi, hi);
            assert_int_equal(sdense, pto_region_dense(r));
        }
        memset(ma, 0, sizeof ma);
        memset(mb, 0, sizeof mb);
        if (a.elem)
            paint(&a, ma, N);
        if (b.elem)
            paint(&b, mb, N);
        int truth = 0;
        for (size_t i = 0; i < N && !truth; i++)
            truth = ma[i] && mb[i];
        int got = ov(&a, &b);
        if (truth)
            assert_int_equal(got, 1); /* never miss a real overlap */
        if (same) {
            /* Exact when neither tile carries past its row/plane. */
            if (decomposes(&a) && decomposes(&b)) {
                assert_int_equal(got, truth);
                exact_checked++;
                disjoint_seen += !truth;
            }
        } else if ((pto_region_dense(&a) && decomposes(&b)) ||
                   (pto_region_dense(&b) && decomposes(&a))) {
            /* A dense region against a decomposing one: exact too. */
            assert_int_equal(got, truth);
            dense_checked++;
        }
    }
    assert_true(exact_checked > 200);
    assert_true(disjoint_seen > 20);
    assert_true(dense_checked > 100);
}

/* A random row-major layout of 1..3 dims: dense innermost, each outer
 * stride a multiple of the next (extents 2..8, rows of 4..16 elements). */
static void rowmajor_layout(pto_region *r)
{
    static const uint32_t elems[] = {1, 2, 4};
    memset(r, 0, sizeof *r);
    r->ndim = 1 + (uint32_t)rnd_below(3);
    r->elem = elems[rnd_below(3)];
    r->stride[r->ndim - 1] = r->elem;
    uint64_t s = r->elem * (4 + rnd_below(13));
    for (uint32_t d = r->ndim - 1; d-- > 0;) {
        r->stride[d] = s;
        s *= 2 + rnd_below(7);
    }
}

/* Randomized: a region against a dense byte range, both ways (touches a
 * byte of it, touches all of it), compared with painted bytes; exact for
 * regions that decompose, sound (never a missed overlap, never a false
 * containment) for the rest. */
static void test_region_range_vs_bytes(void **state)
{
    (void)state;
    enum { N = 8192 };
    static uint8_t map[N];
    uint32_t exact = 0, gaps_hit = 0, multi_row_in = 0;
    for (int iter = 0; iter < 6000; iter++) {
        pto_region r;
        rowmajor_layout(&r);
        if (iter % 4 == 3) /* any strides: only soundness is asked */
            for (uint32_t d = 0; d < r.ndim; d++)
                r.stride[d] = 1 + rnd_below(40);
        for (uint32_t d = 0; d < r.ndim; d++)
            r.shape[d] = 1 + rnd_below(4);
        r.offset = rnd_below(2048);
        uint32_t n = r.ndim;
        if (iter % 4 == 2 && n > 1) { /* whole rows: ranges across rows fit */
            r.shape[n - 1] = r.stride[n - 2] / r.elem;
            r.offset -= r.offset % r.stride[n - 2];
        }
        uint64_t lo, hi;
        pto_region_bounds(&r, &lo, &hi);
        memset(map, 0, sizeof map);
        paint(&r, map, N);
        /* Ranges near the region, so that they often meet it. */
        uint64_t a = lo - (lo ? rnd_below(lo < 64 ? lo + 1 : 64) : 0);
        a += rnd_below(hi - a + 1);
        uint64_t b = a + 1 + rnd_below(rnd_below(2) ? 8 : 256);
        int any = 0, all = 1;
        for (uint64_t x = a; x < b; x++) {
            any |= map[x];
            all &= map[x];
        }
        int ov = pto_region_overlap_range(&r, lo, hi, a, b);
        int in = pto_region_contains_range(&r, lo, hi, a, b);
        if (any)
            assert_int_equal(ov, 1);
        if (in)
            assert_int_equal(all, 1);
        if (decomposes(&r)) {
            assert_int_equal(ov, any);
            assert_int_equal(in, all);
            exact++;
            gaps_hit += !any && a < hi && lo < b; /* bounds meet, bytes do not */
            multi_row_in += all && n > 1 && a / r.stride[n - 2] != (b - 1) / r.stride[n - 2];
        }
    }
    print_message("range vs bytes: %u exact, %u disjoint inside the bounds, %u contained "
                  "across rows\n",
                  exact, gaps_hit, multi_row_in);
    assert_true(exact > 3000);
    assert_true(gaps_hit > 100);
    assert_true(multi_row_in > 20);
}

/* ---------------------------------------------------------- tensor map tests */

typedef struct seen {
    uint32_t n;
    uint64_t task[512];
    int is_write[512];
} seen;

static void collect(void *arg, uint64_t task, int is_write)
{
    seen *s = arg;
    assert_true(s->n < 512);
    s->task[s->n] = task;
    s->is_write[s->n] = is_write;
    s->n++;
}

static void query(pto_tensor_map *tm, uint64_t base, const pto_region *r, uint64_t frontier,
                  seen *s)
{
    memset(s, 0, sizeof *s);
    pto_tmap_query(tm, base, r, frontier, collect, s, PTO_TMAP_READERS | PTO_TMAP_WRITERS);
}

/* Index of task in s, or -1. */
static int find(const seen *s, uint64_t task)
{
    for (uint32_t i = 0; i < s->n; i++)
        if (s->task[i] == task)
            return (int)i;
    return -1;
}

static void tm_open(pto_tensor_map *tm, uint32_t entries, uint32_t buckets)
{
    pto_error err = {0};
    pto_status st = pto_tmap_init(tm, entries, buckets, &err);
    if (st != PTO_OK)
        fail_msg("pto_tmap_init(%u, %u): %s", entries, buckets, err.msg);
}

static void ins_ok(pto_tensor_map *tm, uint64_t base, pto_region r, uint64_t task, int w)
{
    assert_int_equal(pto_tmap_insert(tm, base, &r, task, w), 0);
}

static void test_tmap_init_validation(void **state)
{
    (void)state;
    pto_tensor_map tm;
    pto_error err = {0};
    assert_int_equal(pto_tmap_init(&tm, 12, 16, &err), PTO_ERR_INVALID);
    assert_int_equal(err.status, PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "power of two"));
    pto_tmap_destroy(&tm); /* no-op after a failed init */
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_tmap_init(&tm, 16, 24, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "bucket"));
    assert_int_equal(pto_tmap_init(&tm, 0, 16, NULL), PTO_ERR_INVALID);
    assert_int_equal(pto_tmap_init(&tm, 16, 0, NULL), PTO_ERR_INVALID);
    assert_int_equal(pto_tmap_init(&tm, 16, 1, NULL), PTO_OK);
    assert_int_equal(tm.capacity, 16);
    assert_int_equal(tm.nbuckets, 1);
    assert_int_equal(tm.live, 0);
    pto_tmap_destroy(&tm);
    pto_tmap_destroy(&tm); /* twice is fine */
}

/* Different bases never see each other, even when they share a bucket. */
static void test_tmap_bases_independent(void **state)
{
    (void)state;
    for (uint32_t nb = 1; nb <= 64; nb *= 64) { /* 1 bucket: all collide */
        pto_tensor_map tm;
        tm_open(&tm, 64, nb);
        pto_region r = r1d(0, 256);
        ins_ok(&tm, 0x10000, r, 1, 1);
        ins_ok(&tm, 0x20000, r, 2, 1);
        ins_ok(&tm, 0x30000, r, 3, 0);
        seen s;
        query(&tm, 0x10000, &r, 0, &s);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.task[0], 1);
        query(&tm, 0x20000, &r, 0, &s);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.task[0], 2);
        query(&tm, 0x30000, &r, 0, &s);
        assert_int_equal(s.n, 1);
        assert_int_equal(s.task[0], 3);
        assert_int_equal(s.is_write[0], 0);
        query(&tm, 0x40000, &r, 0, &s);
        assert_int_equal(s.n, 0);
        assert_int_equal(tm.live, 3);
        pto_tmap_destroy(&tm);
    }
}

/* Writers and readers come back with their flags; only overlapping ones. */
static void test_tmap_query_flags_and_overlap(void **state)
{
    (void)state;
    pto_tensor_map tm;
    tm_open(&tm, 64, 16);
    const uint64_t B = 0x7f0000001000ull;
    /* 128x128 f32 matrix, 32x32 tiles. */
    ins_ok(&tm, B, tile(128, 0, 0, 32, 32), 10, 1);  /* writes tile (0,0) */
    ins_ok(&tm, B, tile(128, 0, 32, 32, 32), 11, 1); /* writes tile (0,1) */
    ins_ok(&tm, B, tile(128, 0, 0, 32, 32), 12, 0);  /* reads tile (0,0) */
    ins_ok(&tm, B, tile(128, 32, 0, 32, 32), 13, 0); /* reads tile (1,0) */
    ins_ok(&tm, B, tile(128, 0, 0, 64, 64), 14, 0);  /* reads tiles (0..1,0..1) */
    assert_int_equal(tm.live, 5);

    seen s;
    pto_region q = tile(128, 0, 0, 32, 32);
    query(&tm, B, &q, 0, &s);
    assert_int_equal(s.n, 3);
    assert_true(find(&s, 10) >= 0 && s.is_write[find(&s, 10)] == 1);
    assert_true(find(&s, 12) >= 0 && s.is_write[find(&s, 12)] == 0);
    assert_true(find(&s, 14) >= 0 && s.is_write[find(&s, 14)] == 0);
    assert_int_equal(find(&s, 11), -1);
    assert_int_equal(find(&s, 13), -1);
    /* (Visit order is by spatial cell, not global age: callers dedupe.) */

    q = tile(128, 32, 32, 32, 32); /* tile (1,1): only the 64x64 reader */
    query(&tm, B, &q, 0, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.task[0], 14);

    q = tile(128, 96, 96, 32, 32); /* tile (3,3): nobody */
    query(&tm, B, &q, 0, &s);
    assert_int_equal(s.n, 0);

    q = tile(128, 16, 16, 32, 32); /* shifted: tiles (0,0),(0,1),(1,0) + big */
    query(&tm, B, &q, 0, &s);
    assert_int_equal(s.n, 5);

    /* Querying with an empty region finds nothing. */
    pto_region e = r1d(0, 0);
    query(&tm, B, &e, 0, &s);
    assert_int_equal(s.n, 0);
    /* Inserting an empty region succeeds but stores nothing. */
    assert_int_equal(pto_tmap_insert(&tm, B, &e, 15, 1), 0);
    assert_int_equal(tm.live, 5);
    pto_tmap_destroy(&tm);
}

/* Slots on the chain of one table's bucket b, newest first, as a walk would
 * accept them (white-box: mirrors the checks of walk()). */
static uint32_t chain_tasks(const pto_tensor_map *tm, uint32_t b, uint64_t frontier,
                            uint64_t *tasks, uint32_t max)
{
    uint32_t n = 0;
    uint64_t prev = UINT64_MAX;
    for (uint32_t i = tm->buckets[b]; i != PTO_TMAP_NIL && n < max; i = tm->entries[i].next) {
        const pto_tmap_entry *e = &tm->entries[i];
        if (e->bucket != b || e->pos >= prev || e->pos < tm->tail || e->task < frontier)
            break;
        tasks[n++] = e->task;
        prev = e->pos;
    }
    return n;
}

/* Entries below the frontier are never visited; a walk cuts its chain at
 * the first of them, and retiring frees them from the ring's tail. */
static void test_tmap_lazy_invalidation(void **state)
{
    (void)state;
    pto_tensor_map tm;
    tm_open(&tm, 16, 1); /* one bucket per table: the query walks every entry */
    pto_region r = r1d(0, 64);
    for (uint64_t t = 0; t < 6; t++)
        ins_ok(&tm, 0xA000, r, t, (int)(t & 1));
    ins_ok(&tm, 0xB000, r, 6, 1);
    assert_int_equal(tm.live, 7);
    assert_int_equal(tm.high_water, 7);

    seen s;
    query(&tm, 0xA000, &r, 3, &s);
    assert_int_equal(s.n, 3); /* tasks 3, 4, 5 */
    assert_true(find(&s, 3) >= 0 && s.is_write[find(&s, 3)] == 1);
    assert_true(find(&s, 4) >= 0 && s.is_write[find(&s, 4)] == 0);
    assert_true(find(&s, 5) >= 0);
    assert_int_equal(find(&s, 2), -1);
    /* Both chains were cut at their first dead entry: nothing below 3 is
     * linked any more, even with frontier 0. */
    uint64_t got[16];
    assert_int_equal(chain_tasks(&tm, 0, 0, got, 16), 1); /* readers: 4 */
    assert_int_equal(got[0], 4);
    assert_int_equal(chain_tasks(&tm, 1, 0, got, 16), 3); /* writers: 6, 5, 3 */
    assert_int_equal(got[0], 6);
    assert_int_equal(got[1], 5);
    assert_int_equal(got[2], 3);
    /* The ring still holds them until the tail passes them. */
    assert_int_equal(tm.live, 7);
    assert_int_equal(pto_tmap_retire(&tm, 3), 3);
    assert_int_equal(tm.live, 4);
    assert_int_equal(tm.retired, 3);
    assert_int_equal(pto_tmap_retire(&tm, 3), 0); /* idempotent */
    assert_int_equal(tm.high_water, 7);           /* high water is kept */

    query(&tm, 0xB000, &r, 3, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.task[0], 6);
    /* The tail stops at the first live entry. */
    assert_int_equal(pto_tmap_retire(&tm, 5), 2);
    assert_int_equal(tm.live, 2);
    pto_tmap_destroy(&tm);
}

/* A full ring refuses inserts without touching live entries. */
static void test_tmap_pool_full(void **state)
{
    (void)state;
    pto_tensor_map tm;
    tm_open(&tm, 8, 4);
    for (uint64_t t = 0; t < 8; t++)
        ins_ok(&tm, 0x1000 * (t % 3 + 1), r1d(t * 16, 16), t, 1);
    assert_int_equal(tm.live, 8);
    pto_region r = r1d(0, 16);
    assert_int_equal(pto_tmap_insert(&tm, 0x1000, &r, 8, 1), -1);
    assert_int_equal(pto_tmap_insert(&tm, 0x9000, &r, 9, 0), -1);
    assert_int_equal(tm.full_rejects, 2);
    assert_int_equal(tm.live, 8);
    assert_int_equal(tm.high_water, 8);
    assert_int_equal(pto_tmap_retire(&tm, 0), 0); /* nothing retired yet */
    /* Every original entry is still found, with its own task and flag. */
    pto_region all = r1d(0, 1024);
    seen s;
    uint32_t total = 0;
    for (uint64_t b = 1; b <= 3; b++) {
        query(&tm, 0x1000 * b, &all, 0, &s);
        for (uint32_t i = 0; i < s.n; i++) {
            assert_int_equal(s.task[i] % 3 + 1, b);
            assert_int_equal(s.is_write[i], 1);
        }
        total += s.n;
    }
    assert_int_equal(total, 8);
    query(&tm, 0x9000, &all, 0, &s);
    assert_int_equal(s.n, 0); /* the refused insert left nothing behind */
    /* Each entry still answers for its own bytes only. */
    pto_region one = r1d(5 * 16, 16);
    query(&tm, 0x1000 * (5 % 3 + 1), &one, 0, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.task[0], 5);
    /* Two retire, two fit. */
    assert_int_equal(pto_tmap_retire(&tm, 2), 2);
    ins_ok(&tm, 0x9000, r, 8, 1);
    ins_ok(&tm, 0x9000, r, 9, 0);
    assert_int_equal(pto_tmap_insert(&tm, 0x9000, &r, 10, 1), -1);
    pto_tmap_destroy(&tm);
}

/* Reused slots never leak into the chains that pointed at them: with one
 * bucket every entry shares a chain, so only the ring-position check keeps
 * a stale link from reaching a newer entry. */
static void test_tmap_retire_and_reuse(void **state)
{
    (void)state;
    for (uint32_t nb = 1; nb <= 4; nb *= 4) {
        pto_tensor_map tm;
        tm_open(&tm, 16, nb);
        pto_region r = r1d(0, 64);
        for (uint64_t t = 0; t < 16; t++)
            ins_ok(&tm, 0x1000 * (t % 5), r, t, (int)(t % 2));
        assert_int_equal(pto_tmap_insert(&tm, 0x1000, &r, 16, 1), -1);
        assert_int_equal(pto_tmap_retire(&tm, 6), 6); /* tasks 0..5 */
        assert_int_equal(tm.live, 10);

        /* Slots 0..5 now hold tasks 16..21 on another base. */
        for (uint64_t t = 16; t < 22; t++)
            ins_ok(&tm, 0xF000, r1d(t * 8, 8), t, 1);
        assert_int_equal(tm.live, 16);
        assert_int_equal(pto_tmap_insert(&tm, 0xF000, &r, 22, 1), -1);

        /* Survivors are intact and nothing else shows up. */
        seen s;
        uint32_t total = 0;
        for (uint64_t b = 0; b < 5; b++) {
            query(&tm, 0x1000 * b, &r, 6, &s);
            for (uint32_t i = 0; i < s.n; i++) {
                assert_true(s.task[i] >= 6 && s.task[i] < 16);
                assert_int_equal(s.task[i] % 5, b);
                assert_int_equal(s.is_write[i], (int)(s.task[i] % 2));
            }
            total += s.n;
        }
        assert_int_equal(total, 10);
        query(&tm, 0xF000, &r, 6, &s); /* bytes [0, 64): none of 16..21 */
        assert_int_equal(s.n, 0);
        pto_region wide = r1d(0, 1024);
        query(&tm, 0xF000, &wide, 6, &s);
        assert_int_equal(s.n, 6);
        assert_int_equal(tm.high_water, 16);

        /* Everything retires; the ring takes a full load again. */
        assert_int_equal(pto_tmap_retire(&tm, 100), 16);
        assert_int_equal(tm.live, 0);
        for (uint64_t t = 100; t < 116; t++)
            ins_ok(&tm, 0xE000, r, t, 0);
        assert_int_equal(tm.live, 16);
        query(&tm, 0xE000, &r, 100, &s);
        assert_int_equal(s.n, 16);
        pto_tmap_destroy(&tm);
    }
}

/* A query skips the cell before its first one only while no entry of that
 * level crosses a cell boundary. */
static void test_tmap_straddling_entry(void **state)
{
    (void)state;
    pto_tensor_map tm;
    tm_open(&tm, 16, 64);
    ins_ok(&tm, 0x5000, r1d(0, 256), 1, 1); /* aligned: cell 0 of level 8 */
    seen s;
    pto_region q = r1d(256, 64);
    query(&tm, 0x5000, &q, 0, &s);
    assert_int_equal(s.n, 0);
    assert_int_equal(tm.straddle, 0);
    ins_ok(&tm, 0x5000, r1d(200, 100), 2, 1); /* cell 0, reaches into cell 1 */
    assert_int_equal(tm.straddle, UINT64_C(1) << PTO_TMAP_MIN_LEVEL);
    query(&tm, 0x5000, &q, 0, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.task[0], 2);
    pto_tmap_destroy(&tm);
}

/* A covering write unlinks the entries it supersedes (readers and
 * writers); partial overlaps stay. */
static void test_tmap_supersede(void **state)
{
    (void)state;
    pto_tensor_map tm;
    tm_open(&tm, 32, 8);
    const uint64_t B = 0x40000;
    ins_ok(&tm, B, r1d(0, 64), 1, 1);   /* covered writer */
    ins_ok(&tm, B, r1d(64, 64), 2, 0);  /* covered reader */
    ins_ok(&tm, B, r1d(120, 64), 3, 0); /* sticks out of [0, 128) */
    seen s;
    memset(&s, 0, sizeof s);
    pto_region w = r1d(0, 128);
    pto_tmap_query(&tm, B, &w, 0, collect, &s,
                   PTO_TMAP_READERS | PTO_TMAP_WRITERS | PTO_TMAP_SUPERSEDE);
    assert_int_equal(s.n, 3); /* the writer depends on all three */
    assert_int_equal(tm.superseded, 2);
    ins_ok(&tm, B, w, 4, 1);
    query(&tm, B, &w, 0, &s);
    assert_int_equal(s.n, 2); /* the new writer and the partial reader */
    assert_true(find(&s, 4) >= 0 && find(&s, 3) >= 0);
    /* Superseded entries still occupy the ring until they retire. */
    assert_int_equal(tm.live, 4);
    /* A query too wide for the cell index scans the ring; it also skips
     * superseded entries. */
    pto_region huge = r1d(0, (uint64_t)PTO_TMAP_MAX_CELLS << 20);
    query(&tm, B, &huge, 0, &s);
    assert_int_equal(s.n, 2);
    assert_int_equal(pto_tmap_retire(&tm, 4), 3);
    assert_int_equal(tm.live, 1);
    pto_tmap_destroy(&tm);
}

/* A dense entry keeps no region, yet stays exact against tiles of the same
 * matrix: a row segment inside a column block's bounds but outside its
 * columns is not found, a covering tile supersedes it; and the other way
 * round for a tile entry and a dense query. */
static void test_tmap_dense_entry_vs_tile(void **state)
{
    (void)state;
    pto_tensor_map tm;
    tm_open(&tm, 16, 64);
    const uint64_t B = 0x80000;
    ins_ok(&tm, B, tile(32, 2, 4, 1, 4), 1, 1); /* row 2, cols 4..7: dense */
    seen s;
    pto_region left = tile(32, 0, 0, 8, 4), right = tile(32, 0, 4, 8, 4);
    query(&tm, B, &left, 0, &s);
    assert_int_equal(s.n, 0);
    memset(&s, 0, sizeof s);
    pto_tmap_query(&tm, B, &right, 0, collect, &s,
                   PTO_TMAP_READERS | PTO_TMAP_WRITERS | PTO_TMAP_SUPERSEDE);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.task[0], 1);
    assert_int_equal(tm.superseded, 1);
    ins_ok(&tm, B, right, 2, 1);           /* a tile entry (not dense) */
    pto_region seg = tile(32, 3, 8, 1, 8); /* row 3, cols 8..15 */
    query(&tm, B, &seg, 0, &s);
    assert_int_equal(s.n, 0);
    seg = tile(32, 3, 2, 1, 4); /* row 3, cols 2..5: meets cols 4..5 */
    query(&tm, B, &seg, 0, &s);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.task[0], 2);
    pto_tmap_destroy(&tm);
}

static void test_tmap_high_water_and_reset(void **state)
{
    (void)state;
    pto_tensor_map tm;
    tm_open(&tm, 32, 8);
    pto_region r = r1d(0, 8);
    for (uint64_t t = 0; t < 20; t++)
        ins_ok(&tm, 0x100, r, t, 1);
    assert_int_equal(tm.high_water, 20);
    assert_int_equal(pto_tmap_retire(&tm, 15), 15);
    for (uint64_t t = 20; t < 25; t++)
        ins_ok(&tm, 0x100, r, t, 1);
    assert_int_equal(tm.live, 10);
    assert_int_equal(tm.high_water, 20); /* occupancy, not a position */
    for (uint64_t t = 25; t < 37; t++)
        ins_ok(&tm, 0x200, r, t, 0);
    assert_int_equal(tm.live, 22);
    assert_int_equal(tm.high_water, 22);

    /* A new run: task ids start again at 0, the old chains must be dead. */
    pto_tmap_reset(&tm);
    assert_int_equal(tm.live, 0);
    assert_int_equal(tm.high_water, 0);
    assert_int_equal(tm.retired, 0);
    seen s;
    query(&tm, 0x100, &r, 0, &s);
    assert_int_equal(s.n, 0);
    query(&tm, 0x200, &r, 0, &s);
    assert_int_equal(s.n, 0);
    /* The whole pool is usable again. */
    for (uint64_t t = 0; t < 32; t++)
        ins_ok(&tm, 0x300 + (t % 4), r, t, 1);
    assert_int_equal(pto_tmap_insert(&tm, 0x300, &r, 32, 1), -1);
    assert_int_equal(tm.high_water, 32);
    query(&tm, 0x301, &r, 0, &s);
    assert_int_equal(s.n, 8);
    query(&tm, 0x100, &r, 0, &s);
    assert_int_equal(s.n, 0);
    pto_tmap_destroy(&tm);
}

/* One access the way the orchestrator makes it: a read queries the writers
 * (RAW), a write queries readers and writers and supersedes what it covers;
 * then the access is recorded. Every task but the previous one has retired
 * (the frontier is task - 1). */
static void orch_access(pto_tensor_map *tm, uint64_t base, uint64_t task, int w, seen *s)
{
    pto_region r = r1d(0, 256);
    uint64_t frontier = task ? task - 1 : 0;
    pto_tmap_retire(tm, frontier);
    memset(s, 0, sizeof *s);
    pto_tmap_query(tm, base, &r, frontier, collect, s,
                   w ? PTO_TMAP_READERS | PTO_TMAP_WRITERS | PTO_TMAP_SUPERSEDE : PTO_TMAP_WRITERS);
    ins_ok(tm, base, r, task, w);
}

/* Issue #13, defect 1: a read walks only the writers' chain, so the head of
 * T's readers' chain stays dead after its task retires. With an 8-entry
 * map, read T; 7 other accesses; read T again (its entry reuses the dead
 * head's slot, so linking in front of the head made it its own successor);
 * then INOUT T superseded that entry and walked it again for ever. Every
 * bucket count from one (every chain shares a bucket: other writes then
 * happen to cut the dead head) to 4096 (T's chains are alone). */
static void test_tmap_reused_dead_head(void **state)
{
    (void)state;
    alarm(20); /* the old code spins here: end the test instead of hanging */
    for (uint32_t nb = 1; nb <= 4096; nb *= 4) {
        pto_tensor_map tm;
        tm_open(&tm, 8, nb);
        seen s;
        uint64_t task = 0;
        const uint64_t T = 0x10000;
        orch_access(&tm, T, task++, 0, &s);
        for (int i = 0; i < 7; i++) /* writes: T's readers' chain stays alone */
            orch_access(&tm, 0x20000 + 0x1000 * (uint64_t)i, task++, 1, &s);
        orch_access(&tm, T, task++, 0, &s); /* task 8 reuses slot 0 */
        assert_int_equal(s.n, 0);
        orch_access(&tm, T, task++, 1, &s); /* INOUT T: after that read (WAR) */
        assert_int_equal(s.n, 1);
        assert_int_equal(s.task[0], 8);
        assert_int_equal(s.is_write[0], 0);
        orch_access(&tm, T, task++, 0, &s); /* RAW on the INOUT */
        assert_int_equal(s.n, 1);
        assert_int_equal(s.task[0], 9);
        /* A long run of the same pattern stays finite and exact: every
         * access of T sees exactly the previous task when that was an
         * access of T that conflicts with it. */
        int prev_T = 1, prev_w = 0;
        for (int round = 0; round < 400; round++) {
            int onT = round % 4 != 3, w = round % 3 == 0;
            orch_access(&tm, onT ? T : 0x20000 + 0x1000 * (uint64_t)(round % 5), task++, w, &s);
            uint32_t want = onT && prev_T && (w || prev_w);
            assert_int_equal(s.n, want);
            prev_T = onT, prev_w = w;
        }
        pto_tmap_destroy(&tm);
    }
    alarm(0);
}

/* Randomized against a brute-force list: 4000 random 1-D inserts on 3 bases
 * with a random, non-decreasing frontier; before each insert the visited
 * (task, is_write) multiset must match the reference exactly. Writes
 * sometimes query with PTO_TMAP_SUPERSEDE, and the reference drops what
 * they cover. A full ring is handled like the orchestrator would: retire,
 * and if still full, advance the frontier (wait for retirement) and retire
 * again. Three bucket counts: one (everything collides), 16 and 4096 (chains
 * mostly alone: dead heads stay until reused). */
typedef struct ref_entry {
    uint64_t base, task, lo, hi;
    int is_write, dropped;
} ref_entry;

static int cmp_pair(const void *x, const void *y)
{
    const uint64_t *a = x, *b = y;
    if (a[0] != b[0])
        return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

static uint32_t ref_alive(const ref_entry *ref, uint32_t n, uint64_t frontier)
{
    uint32_t alive = 0;
    for (uint32_t i = 0; i < n; i++)
        alive += ref[i].task >= frontier;
    return alive;
}

static void random_vs_reference(uint32_t nbuckets)
{
    enum { INSERTS = 4000, CAP = 64 };
    static ref_entry ref[INSERTS];
    static uint64_t got[INSERTS][2], want[INSERTS][2];
    const uint64_t bases[3] = {0x10000000, 0x10000000 + 4096, 0x7ffff0000000ull};
    pto_tensor_map tm;
    tm_open(&tm, CAP, nbuckets);
    uint32_t nref = 0, stalls = 0, visits = 0;
    uint64_t frontier = 0;
    for (uint64_t task = 0; task < INSERTS; task++) {
        /* Retirement advances in bursts: now and then the frontier jumps to
         * a random point up to 159 tasks behind the newest. */
        if (rnd_below(32) == 0) {
            uint64_t lag = rnd_below(160);
            if (task > lag && task - lag > frontier)
                frontier = task - lag;
        }
        uint64_t base = bases[rnd_below(3)];
        uint64_t off = rnd_below(1024), len = rnd_below(8) == 0 ? 0 : 1 + rnd_below(128);
        pto_region r = r1d(off, len);
        int w = (int)rnd_below(2);
        int supersede = w && rnd_below(2);

        /* Query (most steps; a fresh runtime-allocated output is inserted
         * without one) and compare with the reference. */
        uint32_t ng = 0, nw = 0;
        seen s = {0};
        int do_query = rnd_below(4) != 0;
        /* Reads ask for writers only (RAW), like the orchestrator: their
         * readers' chains are then never walked by them (issue #13). */
        int all = w || rnd_below(2);
        if (do_query)
            pto_tmap_query(&tm, base, &r, frontier, collect, &s,
                           (all ? PTO_TMAP_READERS : 0) | PTO_TMAP_WRITERS |
                               (supersede ? PTO_TMAP_SUPERSEDE : 0));
        for (uint32_t i = 0; i < s.n; i++, ng++)
            got[ng][0] = s.task[i], got[ng][1] = (uint64_t)s.is_write[i];
        for (uint32_t i = 0; i < nref; i++) {
            ref_entry *e = &ref[i];
            if (do_query && (all || e->is_write) && !e->dropped && e->base == base &&
                e->task >= frontier && len && e->lo < off + len && off < e->hi) {
                want[nw][0] = e->task, want[nw][1] = (uint64_t)e->is_write;
                nw++;
                if (supersede && off <= e->lo && e->hi <= off + len)
                    e->dropped = 1;
            }
        }
        assert_int_equal(ng, nw);
        qsort(got, ng, sizeof got[0], cmp_pair);
        qsort(want, nw, sizeof want[0], cmp_pair);
        if (ng)
            assert_memory_equal(got, want, ng * sizeof got[0]);
        visits += ng;

        /* After retiring, the ring holds exactly the entries of live tasks
         * (they are in task order), superseded ones included. */
        pto_tmap_retire(&tm, frontier);
        uint32_t alive = ref_alive(ref, nref, frontier);
        assert_int_equal(tm.live, alive);

        if (pto_tmap_insert(&tm, base, &r, task, w) != 0) {
            stalls++;
            assert_int_equal(tm.live, CAP);
            /* Nothing dead: the orchestrator waits for retirement, then
             * retires the tasks that finished meanwhile. */
            frontier = task - CAP / 2;
            alive = ref_alive(ref, nref, frontier);
            assert_int_equal(pto_tmap_retire(&tm, frontier), CAP - alive);
            assert_int_equal(tm.live, alive);
            assert_int_equal(pto_tmap_insert(&tm, base, &r, task, w), 0);
        }
        if (len) {
            ref[nref] = (ref_entry){base, task, off, off + len, w, 0};
            nref++;
        }
    }
    print_message("tensor map random (%u buckets): %u stalls, %u visits, %llu superseded, "
                  "%llu retired\n",
                  nbuckets, stalls, visits, (unsigned long long)tm.superseded,
                  (unsigned long long)tm.retired);
    /* The run exercised the interesting paths. */
    assert_true(stalls > 10);
    assert_true(visits > 1000);
    assert_true(tm.superseded > 50);
    assert_int_equal(tm.high_water, CAP);
    pto_tmap_destroy(&tm);
}

static void test_tmap_random_vs_reference(void **state)
{
    (void)state;
    random_vs_reference(1);
    random_vs_reference(16);
    random_vs_reference(4096);
}

/* Found by fuzz_region: pto_region_dense read shape[4] of a region with
 * ndim 5 (invalid). An invalid region is never dense and its bounds are
 * everything. */
static void test_invalid_region_is_not_dense(void **state)
{
    (void)state;
    pto_region r;
    memset(&r, 0, sizeof r);
    r.elem = 4;
    static const uint32_t ndims[] = {0, 1, 4, 5, 9};
    for (size_t i = 0; i < sizeof ndims / sizeof ndims[0]; i++) {
        uint32_t ndim = ndims[i];
        r.ndim = ndim;
        for (int d = 0; d < PTO_MAX_DIMS; d++)
            r.shape[d] = 1, r.stride[d] = 4;
        int valid = ndim >= 1 && ndim <= PTO_MAX_DIMS;
        assert_int_equal(pto_region_dense(&r), valid);
        uint64_t lo, hi;
        int dense;
        pto_region_summary(&r, &lo, &hi, &dense);
        assert_int_equal(dense, valid);
        if (!valid) {
            assert_int_equal(lo, 0);
            assert_int_equal(hi, UINT64_MAX);
        }
    }
}

/* The one-pass summary takes a shortcut for shapes and strides below 2^30
 * and offsets below 2^62; on both sides of those limits, and where sums
 * overflow, it must agree with the checked bounds and the density test. */
static void test_summary_at_its_limits(void **state)
{
    (void)state;
    const uint64_t vals[] = {0,
                             1,
                             2,
                             3,
                             (UINT64_C(1) << 30) - 1,
                             UINT64_C(1) << 30,
                             (UINT64_C(1) << 30) + 1,
                             UINT64_C(1) << 33,
                             UINT64_MAX / 3,
                             UINT64_MAX};
    const uint64_t offs[] = {0, 64, (UINT64_C(1) << 62) - 1, UINT64_C(1) << 62, UINT64_MAX - 8};
    const size_t nv = sizeof vals / sizeof vals[0], no = sizeof offs / sizeof offs[0];
    uint64_t checked = 0;
    for (size_t a = 0; a < nv; a++)
        for (size_t b = 0; b < nv; b++)
            for (size_t c = 0; c < nv; c++)
                for (size_t o = 0; o < no; o++) {
                    pto_region r;
                    memset(&r, 0, sizeof r);
                    r.offset = offs[o];
                    r.ndim = 2;
                    r.elem = 4;
                    r.shape[0] = vals[a];
                    r.shape[1] = vals[b] ? vals[b] : 3;
                    r.stride[0] = vals[c];
                    r.stride[1] = c % 2 ? 4 : vals[(c + a) % nv];
                    uint64_t lo, hi, slo, shi;
                    int sdense;
                    pto_region_bounds(&r, &lo, &hi);
                    pto_region_summary(&r, &slo, &shi, &sdense);
                    assert_int_equal(slo, lo);
                    assert_int_equal(shi, hi);
                    assert_int_equal(sdense, pto_region_dense(&r));
                    checked++;
                }
    assert_int_equal(checked, nv * nv * nv * no);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summary_at_its_limits),
        cmocka_unit_test(test_invalid_region_is_not_dense),
        cmocka_unit_test(test_region_1d_and_bounds),
        cmocka_unit_test(test_region_1d_overlap),
        cmocka_unit_test(test_region_matrix_tiles),
        cmocka_unit_test(test_region_row_vs_column),
        cmocka_unit_test(test_region_interleaved_conservative),
        cmocka_unit_test(test_region_empty),
        cmocka_unit_test(test_region_1d_vs_2d),
        cmocka_unit_test(test_region_random_vs_bytes),
        cmocka_unit_test(test_region_range_vs_bytes),
        cmocka_unit_test(test_tmap_init_validation),
        cmocka_unit_test(test_tmap_bases_independent),
        cmocka_unit_test(test_tmap_query_flags_and_overlap),
        cmocka_unit_test(test_tmap_lazy_invalidation),
        cmocka_unit_test(test_tmap_pool_full),
        cmocka_unit_test(test_tmap_retire_and_reuse),
        cmocka_unit_test(test_tmap_straddling_entry),
        cmocka_unit_test(test_tmap_supersede),
        cmocka_unit_test(test_tmap_dense_entry_vs_tile),
        cmocka_unit_test(test_tmap_high_water_and_reset),
        cmocka_unit_test(test_tmap_random_vs_reference),
        cmocka_unit_test(test_tmap_reused_dead_head),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
