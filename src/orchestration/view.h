/* View checks: every tensor a task or pto_read is given must lie inside one
 * live device buffer, and every size computed from it must fit 64 bits
 * (the rules are in pto/tensor.h).
 *
 * Cost: the common case is arithmetic. A PTO_OUT output's tensor carries
 * its heap span (alloc_pos/alloc_bytes), checked against the heap arena's
 * live range; any other base is first looked for among the few GM buffers
 * found recently (pto_view_cache); only a miss takes the GM arena's lock
 * (a binary search) or searches the heap arena's output index. */
#ifndef PTO_ORCH_VIEW_H
#define PTO_ORCH_VIEW_H

#include <stdint.h>

#include "core/bounds.h"
#include "core/heap_arena.h"
#include "core/region.h"
#include "pto/run.h"

#define PTO_VIEW_CACHE 4

/* GM buffers found recently: [lo[i], lo[i] + len[i]) (len 0: empty entry).
 * Invariants: owned by the thread running the orchestration (no locks);
 * entries are live allocations as of the GM arena's free epoch `epoch`, so
 * they are dropped when that changes (allocations never move a live
 * block); refilled round robin (`next`). */
typedef struct pto_view_cache {
    uintptr_t lo[PTO_VIEW_CACHE];
    uint64_t len[PTO_VIEW_CACHE];
    uint64_t epoch;
    uint32_t next;
} pto_view_cache;

enum { PTO_VIEW_GM = 1, PTO_VIEW_HEAP = 2 };

/* A checked view: its bytes [lo, hi) relative to the tensor's base (its
 * region bounds, dense as in pto_region_summary), and the buffer holding
 * them: [buf, buf + buf_bytes), in GM or in the heap arena (then buf is at
 * counter heap_pos). */
typedef struct pto_view {
    uint64_t lo, hi;
    int dense;
    int where;
    uintptr_t buf;
    uint64_t buf_bytes;
    uint64_t heap_pos;
} pto_view;

/* Drops the cache's entries if the GM arena freed anything since. */
void pto_view_cache_sync(pto_run *run);

/* Element `index` (row-major) of view t as a one-element view *out (same
 * base): PTO_ERR_INVALID naming `what` when the index is outside the view
 * or its offset overflows. The view itself is not checked here. */
pto_status pto_view_element(const char *what, const pto_tensor *t, uint64_t index, pto_tensor *out,
                            pto_error *err);

/* Slow path of pto_view_check: any tensor, with the full analysis and, on
 * failure, the message. `what` is the calling API function, `param` the
 * parameter index (UINT32_MAX: none). */
pto_status pto_view_check_slow(pto_run *run, const char *what, uint32_t param, pto_param_kind kind,
                               const pto_tensor *t, pto_view *v, pto_error *err);

/* PTO_OUT: the output's bytes (elem x every shape[d]), refused when zero,
 * overflowing, or larger than the heap arena. */
pto_status pto_view_out_bytes_slow(pto_run *run, const char *what, uint32_t param,
                                   const pto_tensor *t, pto_error *err);

/* Checks the tensor of parameter `param` (kind != PTO_OUT, PTO_SCALAR) and
 * fills *v (v->dense only when want_dense). The caller has synced the cache (pto_view_cache_sync) since the
 * last time the orchestration could have freed GM memory. Inline, so the
 * common case costs a few loads and compares per parameter: shapes and
 * strides below 2^30 and an offset below 2^62 keep every sum below 2^63 --
 * anything else (including empty views) takes the slow path. */
static inline __attribute__((always_inline)) pto_status
pto_view_check(pto_run *run, pto_view_cache *c, const pto_heap_arena *heap, const char *what,
               uint32_t param, pto_param_kind kind, const pto_tensor *t, int want_dense,
               pto_view *v, pto_error *err)
{
    uintptr_t a = (uintptr_t)t->base;
    uint32_t n = t->ndim;
    uint64_t span = t->elem, expect = t->elem, big = t->offset >> 32 >> 30;
    int gap = 0;
    if (n - 1 >= PTO_MAX_DIMS)
        return pto_view_check_slow(run, what, param, kind, t, v, err);
    if (want_dense) {
        for (uint32_t d = n; d-- > 0;) {
            uint64_t sh = t->shape[d], st = t->stride[d];
            big |= ((sh - 1) | st) >> 30; /* sh == 0 (empty) lands here too */
            span += (sh - 1) * st;        /* may wrap only when big is set */
            gap |= sh > 1 && st != expect;
            expect *= sh;
        }
    } else { /* the same without the density (inference only needs it) */
        for (uint32_t d = n; d-- > 0;) {
            uint64_t sh = t->shape[d], st = t->stride[d];
            big |= ((sh - 1) | st) >> 30;
            span += (sh - 1) * st;
        }
    }
    if (big || !t->elem)
        return pto_view_check_slow(run, what, param, kind, t, v, err);
    v->lo = t->offset;
    v->hi = t->offset + span;
    v->dense = !gap;
    if (t->alloc_bytes) {
        if (!pto_heap_span_live(heap, a, t->alloc_pos, t->alloc_bytes))
            return pto_view_check_slow(run, what, param, kind, t, v, err);
        v->where = PTO_VIEW_HEAP;
        v->buf = a;
        v->buf_bytes = t->alloc_bytes;
        v->heap_pos = t->alloc_pos;
    } else {
        uint32_t i = 0;
        while (a - c->lo[i] >= c->len[i])
            if (++i == PTO_VIEW_CACHE)
                return pto_view_check_slow(run, what, param, kind, t, v, err);
        v->where = PTO_VIEW_GM;
        v->buf = c->lo[i];
        v->buf_bytes = c->len[i];
    }
    /* hi < 2^63 and a - buf < buf_bytes < 2^63: no overflow. */
    if (a - v->buf + v->hi > v->buf_bytes)
        return pto_view_check_slow(run, what, param, kind, t, v, err);
    return PTO_OK;
}

/* PTO_OUT: *bytes of the output, or a refusal. */
static inline pto_status pto_view_out_bytes(pto_run *run, const char *what, uint32_t param,
                                            const pto_tensor *t, uint64_t heap_size,
                                            uint64_t *bytes, pto_error *err)
{
    uint64_t b = t->elem;
    int bad = t->ndim - 1 >= PTO_MAX_DIMS || !b;
    for (uint32_t d = 0; !bad && d < t->ndim; d++)
        bad = __builtin_mul_overflow(b, t->shape[d], &b);
    if (bad || !b || b > heap_size)
        return pto_view_out_bytes_slow(run, what, param, t, err);
    *bytes = b;
    return PTO_OK;
}

#endif
