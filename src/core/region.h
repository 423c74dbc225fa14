/* A byte region inside one buffer: the unit of overlap checks for
 * dependency inference (see tensor_map.h).
 *
 * Meaning: the region touches, for every index vector i with
 * 0 <= i[d] < shape[d], the `elem` bytes starting at
 *     offset + sum_d i[d] * stride[d]
 * (byte addresses relative to the buffer base; strides are unsigned, so a
 * region never touches bytes below `offset`). A region with any shape[d] == 0
 * or elem == 0 is EMPTY: it touches nothing and never overlaps anything.
 *
 * Invariants (caller-provided, value type, no ownership): 1 <= ndim <=
 * PTO_MAX_DIMS; only shape[0..ndim) and stride[0..ndim) are read. A region
 * whose ndim is out of range, or whose extent overflows 64 bits, is treated as
 * possibly touching every byte [0, UINT64_MAX) (never as empty), so a bad
 * descriptor can only cost parallelism, never a missed dependency.
 *
 * Overlap (pto_region_overlap) is exact in these cases:
 *   - both regions are dense (their bytes form one contiguous range, e.g. any
 *     1-D region with stride == elem or built by pto_region_1d): the byte
 *     ranges are intersected;
 *   - same layout: identical ndim, elem and stride[], with stride[ndim-1] ==
 *     elem (rows are dense element runs), stride[d-1] a nonzero multiple of
 *     stride[d] for 1 <= d <= ndim-2 (the row stride stride[ndim-2] need not
 *     be a multiple of elem), and each region fitting inside its row of the enclosing
 *     stride (no index "carries" into the next outer dimension), e.g. tiles,
 *     row slices and column slices of one row-major matrix. Both offsets are
 *     decomposed into per-dimension coordinates, outermost first
 *     (c[0] = off / stride[0], c[d] = (off % stride[d-1]) / stride[d]); the
 *     innermost dimension is kept in bytes (off % stride[ndim-2], or off when
 *     ndim == 1), so a remainder inside the innermost element run is exact
 *     too. The regions overlap iff every per-dimension interval intersects.
 *   - one region dense, the other decomposing as above (any layouts): the
 *     dense range is an interval of the other's coordinates in lexicographic
 *     order (address order), and the test is whether the other's box of
 *     per-dimension intervals has a point in it
 *     (pto_region_overlap_range).
 * Everything else -- different ndim/elem/strides, interleaved layouts (an
 * innermost stride larger than elem, e.g. even vs odd elements), strides
 * that are not multiples of each other, self-overlapping or wrapping layouts
 * -- is CONSERVATIVE: the regions "may overlap" iff their bounding byte
 * intervals [lo, hi) intersect. Conservative answers add a dependency that is
 * not needed; they never drop a needed one. */
#ifndef PTO_CORE_REGION_H
#define PTO_CORE_REGION_H

#include <stdint.h>

#include "pto/tensor.h"

/* A region is a tensor's view: offset (bytes from the buffer base), ndim
 * (1..PTO_MAX_DIMS), elem (bytes per element), shape (elements per dim,
 * outermost first) and stride (bytes between consecutive indices). `base`
 * is ignored here (the TensorMap keys entries by buffer separately), so a
 * submitted tensor whose base is its buffer's start is used in place,
 * without conversion (one on an interior pointer is copied with the
 * offset shifted to the start: see submit.c). */
typedef pto_tensor pto_region;

/* A contiguous byte range [offset, offset + bytes): elem = 1, ndim = 1,
 * stride 1. bytes == 0 gives an empty region. Unused dims are zeroed. */
void pto_region_1d(pto_region *r, uint64_t offset, uint64_t bytes);

/* [lo, hi): the bytes the region may touch (its bounding interval). An empty
 * region gives lo == hi == offset; an invalid or overflowing one gives
 * [0, UINT64_MAX). */
void pto_region_bounds(const pto_region *r, uint64_t *lo, uint64_t *hi);

/* 1 = may overlap, 0 = certainly disjoint (exactness: see above). Symmetric.
 * Empty regions never overlap. */
int pto_region_overlap(const pto_region *a, const pto_region *b);

/* The same answer as pto_region_overlap for valid regions whose bounds
 * (from pto_region_bounds) and density the caller already has. A dense
 * side is its range [lo, hi): its region is not read and may be NULL. */
int pto_region_overlap_bounded(const pto_region *a, uint64_t alo, uint64_t ahi, int a_dense,
                               const pto_region *b, uint64_t blo, uint64_t bhi, int b_dense);

/* Do the region's bytes form exactly its bounding interval? */
int pto_region_dense(const pto_region *r);

/* pto_region_bounds and pto_region_dense together, in one pass for the
 * common (valid, non-empty) case. */
void pto_region_summary(const pto_region *r, uint64_t *lo, uint64_t *hi, int *dense);

/* The common case of pto_region_summary, inline: a valid region whose
 * shapes and strides are below 2^30 and whose offset is below 2^62, so no
 * sum or product can overflow (each term of the span is < 2^60, at most four
 * of them plus elem). Returns 0, outputs unspecified, for anything else
 * (empty, invalid or large: pto_region_summary decides). `expect` is the
 * dense extent so far; once a gap is seen its value no longer matters (it
 * may wrap, which is defined for unsigned). */
static inline int pto_region_summary_quick(const pto_region *r, uint64_t *lo, uint64_t *hi,
                                           int *dense)
{
    const uint64_t big = UINT64_C(1) << 30;
    uint32_t n = r->ndim;
    if (n - 1 >= PTO_MAX_DIMS || !r->elem || r->offset >= (UINT64_C(1) << 62))
        return 0;
    uint64_t span = r->elem, expect = r->elem;
    int gap = 0;
    for (uint32_t d = n; d-- > 0;) {
        uint64_t sh = r->shape[d], st = r->stride[d];
        if (sh - 1 >= big || st >= big) /* empty (sh = 0) or large */
            return 0;
        span += (sh - 1) * st;
        gap |= sh > 1 && st != expect;
        expect *= sh;
    }
    *lo = r->offset;
    *hi = r->offset + span;
    *dense = !gap;
    return 1;
}

/* Does the valid region r, with bounds [rlo, rhi), touch a byte of the
 * dense range [a, b)? Exact when r decomposes into per-dimension intervals
 * (see above), else answered from the bounds (conservative). */
int pto_region_overlap_range(const pto_region *r, uint64_t rlo, uint64_t rhi, uint64_t a,
                             uint64_t b);

/* Does r touch every byte of [a, b)? Exact when r decomposes, else 0
 * (unsure). An empty range is contained in anything. */
int pto_region_contains_range(const pto_region *r, uint64_t rlo, uint64_t rhi, uint64_t a,
                              uint64_t b);

/* pto_region_contains for valid regions whose bounds and density the
 * caller already has; as above, a dense side's region may be NULL. */
int pto_region_contains_bounded(const pto_region *outer, uint64_t olo, uint64_t ohi,
                                int outer_dense, const pto_region *inner, uint64_t ilo,
                                uint64_t ihi, int inner_dense);

/* 1 when every byte `inner` may touch certainly lies in `outer` (exact for a
 * dense outer region and for same-layout tiles), 0 when not or unsure. A
 * writer of `outer` supersedes earlier accesses of `inner`. */
int pto_region_contains(const pto_region *outer, const pto_region *inner);

#endif
