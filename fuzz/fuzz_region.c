/* libFuzzer target: region overlap, containment, bounds and density
 * (src/core/region.c) against painted bytes.
 *
 * Two regions decode from the input: usually small ones (offsets < 1024,
 * shapes 0..5, strides 0..299, any ndim and elem, so zero, overlapping,
 * interleaved and wrapping strides all occur), whose bytes are painted into
 * bitmaps; sometimes raw 64-bit fields (overflow paths), which are only
 * checked for the rules that need no painting. Properties, from region.h:
 *   - bounds are tight: [first painted byte, last + 1), empty gives lo == hi;
 *     a region said to be dense has no gap; summary and its quick form
 *     agree with bounds and density;
 *   - overlap is symmetric, never misses a shared byte, and says 1 only
 *     when the bounding intervals meet; empty regions overlap nothing;
 *   - it is exact when both are dense, and when one is dense or both have
 *     the same layout and each decomposes (2-D rows of dense elements that
 *     fit inside the row stride);
 *   - contains never claims a byte that is not there, and is exact for a
 *     dense outer region;
 *   - the _bounded forms agree with the plain ones. */
#include <stdio.h>
#include <string.h>

#include "core/region.h"
#include "fuzz_input.h"

#define SPAN 8192 /* > 1023 + 4 * 5 * 299 + 8 */

static void decode(fuzz_in *in, pto_region *r, int *small)
{
    memset(r, 0, sizeof *r);
    uint8_t mode = fz_u8(in);
    *small = mode % 8 != 0;
    if (!*small) {
        r->ndim = fz_u8(in) % 6; /* 0 and 5 are invalid */
        r->elem = (uint32_t)fz_u64(in);
        r->offset = fz_u64(in);
        for (int d = 0; d < PTO_MAX_DIMS; d++) {
            r->shape[d] = fz_u64(in);
            r->stride[d] = fz_u64(in);
        }
        return;
    }
    r->ndim = 1 + fz_u8(in) % PTO_MAX_DIMS;
    r->elem = 1 + fz_u8(in) % 8;
    r->offset = fz_u16(in) % 1024;
    for (uint32_t d = 0; d < r->ndim; d++) {
        r->shape[d] = fz_u8(in) % 6;
        r->stride[d] = fz_u16(in) % 300;
    }
    if (mode & 8) { /* a row-major tile: the layouts the exact tests take */
        uint32_t n = r->ndim;
        r->stride[n - 1] = r->elem;
        for (uint32_t d = n - 1; d-- > 0;)
            r->stride[d] = r->stride[d + 1] * (1 + fz_u8(in) % 4); /* < SPAN */
    }
}

/* Paints the region's bytes; returns how many distinct bytes. */
static uint32_t paint(const pto_region *r, uint8_t *bm)
{
    memset(bm, 0, SPAN);
    for (uint32_t d = 0; d < r->ndim; d++)
        if (!r->shape[d])
            return 0;
    uint64_t idx[PTO_MAX_DIMS] = {0};
    uint32_t count = 0;
    for (;;) {
        uint64_t a = r->offset;
        for (uint32_t d = 0; d < r->ndim; d++)
            a += idx[d] * r->stride[d];
        for (uint32_t b = 0; b < r->elem; b++)
            count += !bm[a + b], bm[a + b] = 1;
        uint32_t d = r->ndim;
        while (d-- > 0) {
            if (++idx[d] < r->shape[d])
                break;
            idx[d] = 0;
        }
        if (d == UINT32_MAX)
            return count;
    }
}

/* Same-layout decomposition of region.h, 1-D and 2-D: dense element runs
 * that do not carry into the next row. */
static int decomposes(const pto_region *r)
{
    if (r->ndim == 1)
        return r->stride[0] == r->elem || r->shape[0] == 1;
    if (r->ndim != 2 || r->stride[1] != r->elem || !r->stride[0])
        return 0;
    uint64_t col = r->offset % r->stride[0];
    return col + r->shape[1] * r->elem <= r->stride[0];
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

static uint8_t bma[SPAN], bmb[SPAN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    pto_region a, b;
    int sa, sb;
    decode(&in, &a, &sa);
    decode(&in, &b, &sb);

    int ov = pto_region_overlap(&a, &b);
    FZ_CHECK(ov == pto_region_overlap(&b, &a), "asymmetric overlap");
    uint64_t alo, ahi, blo, bhi, slo, shi;
    int sdense;
    pto_region_bounds(&a, &alo, &ahi);
    pto_region_bounds(&b, &blo, &bhi);
    pto_region_summary(&a, &slo, &shi, &sdense);
    FZ_CHECK(slo == alo && shi == ahi && sdense == pto_region_dense(&a), "summary vs bounds");
    uint64_t qlo, qhi;
    int qdense;
    if (pto_region_summary_quick(&a, &qlo, &qhi, &qdense))
        FZ_CHECK(qlo == alo && qhi == ahi && qdense == sdense, "quick summary");
    if (ov)
        FZ_CHECK(alo < bhi && blo < ahi, "overlap outside the bounds");
    int ea = alo == ahi, eb = blo == bhi;
    if (ea || eb)
        FZ_CHECK(!ov, "empty region overlaps");

    int valid = !ea && !eb && !(alo == 0 && ahi == UINT64_MAX) && !(blo == 0 && bhi == UINT64_MAX);
    int bdense = pto_region_dense(&b);
    if (valid) {
        FZ_CHECK(ov == pto_region_overlap_bounded(&a, alo, ahi, sdense, &b, blo, bhi, bdense),
                 "overlap_bounded");
        FZ_CHECK(pto_region_contains(&a, &b) ==
                     pto_region_contains_bounded(&a, alo, ahi, sdense, &b, blo, bhi, bdense),
                 "contains_bounded");
    }
    if (!sa || !sb)
        return 0;

    uint32_t na = paint(&a, bma), nb = paint(&b, bmb);
    int truth = 0, b_in_a = 1;
    uint64_t first = UINT64_MAX, last = 0;
    for (uint64_t i = 0; i < SPAN; i++) {
        truth |= bma[i] & bmb[i];
        if (bmb[i] && !bma[i])
            b_in_a = 0;
        if (bma[i]) {
            first = first < i ? first : i;
            last = i;
        }
    }
    if (na) {
        FZ_CHECK(alo == first && ahi == last + 1, "bounds [%llu, %llu) vs painted [%llu, %llu]",
                 (unsigned long long)alo, (unsigned long long)ahi, (unsigned long long)first,
                 (unsigned long long)last);
        /* dense is sound, not complete: a self-overlapping layout whose
         * bytes happen to be contiguous may say 0 (costs only exactness) */
        FZ_CHECK(!sdense || na == ahi - alo, "density: %u bytes in [%llu, %llu)", na,
                 (unsigned long long)alo, (unsigned long long)ahi);
    } else {
        FZ_CHECK(alo == ahi, "empty region with bounds");
    }
    if (truth)
        FZ_CHECK(ov, "missed overlap");
    int exact = na && nb &&
                ((sdense && bdense) || (sdense && decomposes(&b)) || (bdense && decomposes(&a)) ||
                 (same_layout(&a, &b) && decomposes(&a) && decomposes(&b)));
    if (exact)
        FZ_CHECK(ov == truth, "inexact overlap %d, truth %d", ov, truth);
    int contains = pto_region_contains(&a, &b);
    if (contains && nb)
        FZ_CHECK(b_in_a, "contains claims bytes that are not there");
    if (sdense && na && nb)
        FZ_CHECK(contains == b_in_a, "contains with a dense outer: %d, truth %d", contains, b_in_a);
    return 0;
}
