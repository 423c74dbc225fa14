#include "core/region.h"

#include <string.h>

/* Overflow-checked helpers: return 0 and leave *out unspecified on overflow
 * (the builtins compile to a flag test, not a division). */
static inline int add_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

static inline int mul_u64(uint64_t a, uint64_t b, uint64_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}

void pto_region_1d(pto_region *r, uint64_t offset, uint64_t bytes)
{
    memset(r, 0, sizeof *r);
    r->offset = offset;
    r->ndim = 1;
    r->elem = 1;
    r->shape[0] = bytes;
    r->stride[0] = 1;
}

static int ndim_ok(const pto_region *r) { return r->ndim >= 1 && r->ndim <= PTO_MAX_DIMS; }

static int is_empty(const pto_region *r)
{
    if (r->elem == 0)
        return 1;
    for (uint32_t d = 0; d < r->ndim; d++)
        if (r->shape[d] == 0)
            return 1;
    return 0;
}

/* Bounding interval; returns 0 (and [0, UINT64_MAX)) for an out-of-range
 * ndim or an extent that overflows 64 bits, 1 otherwise (lo == hi: empty). */
static int bounds_checked(const pto_region *r, uint64_t *lo, uint64_t *hi)
{
    *lo = 0;
    *hi = UINT64_MAX;
    if (!ndim_ok(r))
        return 0;
    if (is_empty(r)) {
        *lo = *hi = r->offset;
        return 1;
    }
    /* span = elem + sum (shape[d] - 1) * stride[d]: the distance from the
     * first byte to one past the last. */
    uint64_t span = r->elem, end;
    for (uint32_t d = 0; d < r->ndim; d++) {
        uint64_t t;
        if (!mul_u64(r->shape[d] - 1, r->stride[d], &t) || !add_u64(span, t, &span))
            return 0;
    }
    if (!add_u64(r->offset, span, &end))
        return 0;
    *lo = r->offset;
    *hi = end;
    return 1;
}

void pto_region_bounds(const pto_region *r, uint64_t *lo, uint64_t *hi)
{
    (void)bounds_checked(r, lo, hi);
}

static int same_layout(const pto_region *a, const pto_region *b)
{
    if (a->ndim != b->ndim || a->elem != b->elem)
        return 0;
    for (uint32_t d = 0; d < a->ndim; d++)
        if (a->stride[d] != b->stride[d])
            return 0;
    return 1;
}

/* Per-dimension index intervals of a non-empty, in-range region whose bounds
 * did not overflow: first[d]..last[d] inclusive, the innermost dimension in
 * bytes (see region.h). Returns 0 when the layout does not decompose exactly
 * (the caller then falls back to the bounding intervals). */
static int grid_intervals(const pto_region *r, uint64_t first[PTO_MAX_DIMS],
                          uint64_t last[PTO_MAX_DIMS])
{
    const uint32_t n = r->ndim;
    const uint64_t *s = r->stride;
    if (s[n - 1] != r->elem)
        return 0; /* gaps (interleaved) or self-overlapping innermost run */
    for (uint32_t d = 0; d + 1 < n; d++) {
        if (s[d] == 0)
            return 0;
        if (d >= 1 && s[d - 1] % s[d] != 0)
            return 0;
    }
    const uint64_t x = r->offset;
    for (uint32_t d = 0; d + 1 < n; d++) {
        uint64_t c;
        if (d == 0) {
            c = x / s[0]; /* outermost: unbounded digit */
        } else {
            uint64_t radix = s[d - 1] / s[d];
            c = (x % s[d - 1]) / s[d]; /* < radix */
            if (r->shape[d] > radix - c)
                return 0; /* would carry into dimension d-1 */
        }
        first[d] = c;
        last[d] = c + (r->shape[d] - 1); /* no overflow: bounds did not */
    }
    /* Innermost dimension: a dense run of shape * elem bytes starting at the
     * byte position inside the enclosing row. */
    uint64_t b = n == 1 ? x : x % s[n - 2];
    uint64_t run;
    if (!mul_u64(r->shape[n - 1], r->elem, &run))
        return 0;
    if (n > 1 && run > s[n - 2] - b)
        return 0; /* the run spills into the next row */
    first[n - 1] = b;
    last[n - 1] = b + (run - 1); /* no overflow: bounds did not */
    return 1;
}

/* Digits of byte address x in the layout of r (a region grid_intervals
 * accepts): the per-dimension coordinates grid_intervals computes for an
 * offset, innermost in bytes. Address order is the lexicographic order of
 * digit vectors, so a dense range [a, b) is the digit interval
 * [digits(a), digits(b - 1)]. */
static void digits(const pto_region *r, uint64_t x, uint64_t dig[PTO_MAX_DIMS])
{
    const uint32_t n = r->ndim;
    const uint64_t *s = r->stride;
    for (uint32_t d = 0; d + 1 < n; d++)
        dig[d] = (d ? x % s[d - 1] : x) / s[d];
    dig[n - 1] = n > 1 ? x % s[n - 2] : x;
}

static int lex_le(const uint64_t *x, const uint64_t *y, uint32_t n)
{
    for (uint32_t d = 0; d < n; d++)
        if (x[d] != y[d])
            return x[d] < y[d];
    return 1;
}

/* The lexicographically smallest point p of the box [f, l] with p >= a;
 * returns 0 if there is none. */
static int box_ceil(const uint64_t *f, const uint64_t *l, const uint64_t *a, uint32_t n,
                    uint64_t *p)
{
    uint32_t d = 0, from; /* p = a[0..d), then digit `from` and f after it */
    while (d < n && f[d] <= a[d] && a[d] <= l[d]) {
        p[d] = a[d];
        d++;
    }
    if (d == n)
        return 1; /* a is in the box */
    if (a[d] < f[d]) {
        from = d;
        p[d] = f[d];
    } else { /* a[d] > l[d]: raise the innermost earlier digit that can grow */
        while (d > 0 && a[d - 1] == l[d - 1])
            d--;
        if (d == 0)
            return 0;
        from = d - 1;
        p[from] = a[from] + 1;
    }
    for (uint32_t e = from + 1; e < n; e++)
        p[e] = f[e];
    return 1;
}

int pto_region_overlap_range(const pto_region *r, uint64_t rlo, uint64_t rhi, uint64_t a,
                             uint64_t b)
{
    if (a >= b || rlo == rhi || !(a < rhi && rlo < b))
        return 0;
    uint64_t f[PTO_MAX_DIMS], l[PTO_MAX_DIMS], lo[PTO_MAX_DIMS], hi[PTO_MAX_DIMS], p[PTO_MAX_DIMS];
    if (!grid_intervals(r, f, l))
        return 1; /* conservative */
    digits(r, a, lo);
    digits(r, b - 1, hi);
    return box_ceil(f, l, lo, r->ndim, p) && lex_le(p, hi, r->ndim);
}

int pto_region_contains_range(const pto_region *r, uint64_t rlo, uint64_t rhi, uint64_t a,
                              uint64_t b)
{
    if (a >= b)
        return 1;
    if (a < rlo || b > rhi)
        return 0;
    uint64_t f[PTO_MAX_DIMS], l[PTO_MAX_DIMS], lo[PTO_MAX_DIMS], hi[PTO_MAX_DIMS];
    if (!grid_intervals(r, f, l))
        return 0; /* unsure */
    const uint32_t n = r->ndim;
    digits(r, a, lo);
    digits(r, b - 1, hi);
    uint32_t j = 0; /* the first digit where the ends differ */
    while (j < n && lo[j] == hi[j])
        j++;
    for (uint32_t d = 0; d < n; d++) {
        if (lo[d] < f[d] || lo[d] > l[d] || hi[d] < f[d] || hi[d] > l[d])
            return 0; /* an end lies outside */
        if (d <= j)
            continue;
        /* Between the ends every value of each digit after j occurs (d >= 1,
         * so n >= 2: the digit has a radix). */
        uint64_t radix = d + 1 < n ? r->stride[d - 1] / r->stride[d] : r->stride[n - 2];
        if (f[d] != 0 || l[d] != radix - 1)
            return 0;
    }
    return 1;
}

/* Do the region's bytes form exactly its bounding interval? */
int pto_region_dense(const pto_region *r)
{
    if (r->ndim - 1 >= PTO_MAX_DIMS)
        return 0; /* invalid: it may touch anything (found by fuzz_region) */
    uint64_t expect = r->elem;
    for (uint32_t d = r->ndim; d-- > 0;) {
        if (r->shape[d] > 1 && r->stride[d] != expect)
            return 0;
        if (!mul_u64(expect, r->shape[d], &expect))
            return 0;
    }
    return 1;
}

int pto_region_contains_bounded(const pto_region *outer, uint64_t olo, uint64_t ohi,
                                int outer_dense, const pto_region *inner, uint64_t ilo,
                                uint64_t ihi, int inner_dense)
{
    if (ilo == ihi)
        return 1;
    if (olo == ohi || ilo < olo || ihi > ohi)
        return 0;
    if (outer_dense)
        return 1;
    if (inner_dense) /* a range: exact whenever outer decomposes */
        return pto_region_contains_range(outer, olo, ohi, ilo, ihi);
    if (!same_layout(outer, inner))
        return 0;
    uint64_t of[PTO_MAX_DIMS], ol[PTO_MAX_DIMS], nf[PTO_MAX_DIMS], nl[PTO_MAX_DIMS];
    if (!grid_intervals(outer, of, ol) || !grid_intervals(inner, nf, nl))
        return 0;
    for (uint32_t d = 0; d < outer->ndim; d++)
        if (nf[d] < of[d] || nl[d] > ol[d])
            return 0;
    return 1;
}

int pto_region_overlap_bounded(const pto_region *a, uint64_t alo, uint64_t ahi, int a_dense,
                               const pto_region *b, uint64_t blo, uint64_t bhi, int b_dense)
{
    if (alo == ahi || blo == bhi)
        return 0;
    if (!(alo < bhi && blo < ahi))
        return 0;
    if (a_dense && b_dense)
        return 1; /* two ranges: the bounds decide */
    if (b_dense)  /* a range: exact whenever the other side decomposes */
        return pto_region_overlap_range(a, alo, ahi, blo, bhi);
    if (a_dense)
        return pto_region_overlap_range(b, blo, bhi, alo, ahi);
    if (!same_layout(a, b))
        return 1; /* conservative */
    uint64_t af[PTO_MAX_DIMS], al[PTO_MAX_DIMS], bf[PTO_MAX_DIMS], bl[PTO_MAX_DIMS];
    if (!grid_intervals(a, af, al) || !grid_intervals(b, bf, bl))
        return 1;
    for (uint32_t d = 0; d < a->ndim; d++)
        if (al[d] < bf[d] || bl[d] < af[d])
            return 0;
    return 1;
}

int pto_region_overlap(const pto_region *a, const pto_region *b)
{
    uint64_t alo, ahi, blo, bhi;
    int aok = bounds_checked(a, &alo, &ahi);
    int bok = bounds_checked(b, &blo, &bhi);
    if (alo == ahi || blo == bhi)
        return 0; /* empty (an invalid region is [0, UINT64_MAX), not empty) */
    if (!aok || !bok)
        return alo < bhi && blo < ahi; /* conservative */
    return pto_region_overlap_bounded(a, alo, ahi, pto_region_dense(a), b, blo, bhi,
                                      pto_region_dense(b));
}

int pto_region_contains(const pto_region *outer, const pto_region *inner)
{
    uint64_t olo, ohi, ilo, ihi;
    if (!bounds_checked(outer, &olo, &ohi) || !bounds_checked(inner, &ilo, &ihi))
        return 0;
    return pto_region_contains_bounded(outer, olo, ohi, pto_region_dense(outer), inner, ilo, ihi,
                                       pto_region_dense(inner));
}

void pto_region_summary(const pto_region *r, uint64_t *lo, uint64_t *hi, int *dense)
{
    if (pto_region_summary_quick(r, lo, hi, dense))
        return;
    pto_region_bounds(r, lo, hi); /* empty, invalid, large or overflowing */
    *dense = pto_region_dense(r);
}
