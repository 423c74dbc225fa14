/* View checks, slow path: views the inline check could not settle (large,
 * empty or malformed ones, bases not in the cache) and the messages that
 * refuse them. */
#include "orchestration/view.h"

#include <stdio.h>
#include <string.h>

#include "core/device.h"
#include "util/error.h"
#include "orchestration/run_internal.h"

void pto_view_cache_sync(pto_run *run)
{
    pto_view_cache *c = &run->vcache;
    uint64_t e = pto_gm_epoch(run->dev->gm);
    if (e == c->epoch)
        return;
    memset(c, 0, sizeof *c);
    c->epoch = e;
}

static void cache_add(pto_view_cache *c, uintptr_t lo, uint64_t len)
{
    uint32_t i = c->next++ % PTO_VIEW_CACHE;
    c->lo[i] = lo;
    c->len[i] = len;
}

/* A number for a message: values near a large power of two read better as
 * "2^64-1" or "2^50+4" than in decimal. */
typedef struct numbuf {
    char s[32];
} numbuf;

static const char *num(numbuf *b, uint64_t v)
{
    if (v >= UINT64_C(1) << 32) {
        int k = 64 - __builtin_clzll(v); /* 2^(k-1) <= v < 2^k */
        uint64_t below = UINT64_C(1) << (k - 1);
        uint64_t up = k == 64 ? UINT64_MAX - v + 1 : (UINT64_C(1) << k) - v;
        if (v == below)
            snprintf(b->s, sizeof b->s, "2^%d", k - 1);
        else if (v - below <= 65536)
            snprintf(b->s, sizeof b->s, "2^%d+%llu", k - 1, (unsigned long long)(v - below));
        else if (up <= 65536)
            snprintf(b->s, sizeof b->s, "2^%d-%llu", k, (unsigned long long)up);
        else
            snprintf(b->s, sizeof b->s, "%llu", (unsigned long long)v);
    } else {
        snprintf(b->s, sizeof b->s, "%llu", (unsigned long long)v);
    }
    return b->s;
}

/* "a x b x c" of the first ndim values. */
static const char *dims(char *out, size_t n, const uint64_t *v, uint32_t ndim)
{
    size_t len = 0;
    out[0] = 0;
    for (uint32_t d = 0; d < ndim && d < PTO_MAX_DIMS && len < n; d++) {
        numbuf b;
        int w = snprintf(out + len, n - len, "%s%s", d ? " x " : "", num(&b, v[d]));
        if (w > 0)
            len += (size_t)w;
    }
    return out;
}

/* "pto_submit: param 2 (OUT)", or just "pto_read". */
static const char *prefix(char *out, size_t n, const char *what, uint32_t param,
                          pto_param_kind kind)
{
    if (param == UINT32_MAX)
        snprintf(out, n, "%s", what);
    else
        snprintf(out, n, "%s: param %u (%s)", what, param, pto_param_kind_name(kind));
    return out;
}

static pto_status bad_shape(pto_error *err, const char *pre, const pto_tensor *t)
{
    return pto_fail(err, PTO_ERR_INVALID,
                    "%s: a tensor needs ndim 1..%d and elem > 0 (it has ndim %u, elem %u)", pre,
                    PTO_MAX_DIMS, t->ndim, t->elem);
}

pto_status pto_view_out_bytes_slow(pto_run *run, const char *what, uint32_t param,
                                   const pto_tensor *t, pto_error *err)
{
    char pre[96], sh[160];
    prefix(pre, sizeof pre, what, param, PTO_OUT);
    if (t->ndim - 1 >= PTO_MAX_DIMS || !t->elem)
        return bad_shape(err, pre, t);
    uint64_t b = t->elem;
    for (uint32_t d = 0; d < t->ndim; d++)
        if (__builtin_mul_overflow(b, t->shape[d], &b))
            return pto_fail(err, PTO_ERR_INVALID, "%s: shape %s x %u bytes overflows 64 bits", pre,
                            dims(sh, sizeof sh, t->shape, t->ndim), t->elem);
    if (!b)
        return pto_fail(err, PTO_ERR_INVALID, "%s: empty output (shape %s x %u bytes)", pre,
                        dims(sh, sizeof sh, t->shape, t->ndim), t->elem);
    numbuf nb;
    return pto_fail(err, PTO_ERR_CAPACITY,
                    "%s: an output of %s bytes (shape %s x %u) exceeds the heap arena of %llu "
                    "bytes; raise PTO_HEAP_BYTES",
                    pre, num(&nb, b), dims(sh, sizeof sh, t->shape, t->ndim), t->elem,
                    (unsigned long long)run->dev->heap.size);
}

/* The view's bounds [lo, hi) relative to base, with overflow checks; 0 on
 * overflow. Empty views (a zero in shape) span nothing at their offset. */
static int span_of(const pto_tensor *t, uint64_t *lo, uint64_t *hi)
{
    *lo = *hi = t->offset;
    for (uint32_t d = 0; d < t->ndim; d++)
        if (!t->shape[d])
            return 1;
    uint64_t span = t->elem, term;
    for (uint32_t d = 0; d < t->ndim; d++)
        if (__builtin_mul_overflow(t->shape[d] - 1, t->stride[d], &term) ||
            __builtin_add_overflow(span, term, &span))
            return 0;
    return !__builtin_add_overflow(t->offset, span, hi);
}

/* Finds the live buffer holding base a; fills v->where/buf/buf_bytes/heap_pos. */
static pto_status locate(pto_run *run, const char *pre, const pto_tensor *t, pto_view *v,
                         pto_error *err)
{
    pto_device *dev = run->dev;
    uintptr_t a = (uintptr_t)t->base;
    if (t->alloc_bytes) {
        if (pto_heap_span_live(&dev->heap, a, t->alloc_pos, t->alloc_bytes)) {
            v->where = PTO_VIEW_HEAP;
            v->buf = a;
            v->buf_bytes = t->alloc_bytes;
            v->heap_pos = t->alloc_pos;
            return PTO_OK;
        }
        /* The output it names is gone (counters never restart, so this also
         * catches one of an earlier run), even if a newer output now lives
         * at the same address. A base moved away from the output is looked
         * up like any other pointer. */
        if (t->alloc_pos < dev->heap.tail &&
            a == (uintptr_t)pto_heap_addr(&dev->heap, t->alloc_pos))
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s: the PTO_OUT output at %p is no longer allocated: its task "
                            "retired once its scope ended (or it belongs to an earlier run)",
                            pre, t->base);
    }
    uintptr_t start;
    size_t bytes;
    uint64_t epoch;
    int r = pto_gm_find(dev->gm, t->base, &start, &bytes, &epoch);
    if (r == PTO_GM_FOUND) {
        v->where = PTO_VIEW_GM;
        v->buf = start;
        v->buf_bytes = bytes;
        if (epoch == run->vcache.epoch) /* nothing freed since the cache's sync */
            cache_add(&run->vcache, start, bytes);
        return PTO_OK;
    }
    if (r == PTO_GM_NOT_LIVE)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: base %p is not inside a live device allocation (freed, never "
                        "allocated, or a red zone)",
                        pre, t->base);
    pto_heap_span s;
    r = pto_heap_find(&dev->heap, a, &s);
    if (r == PTO_HEAP_FOUND) {
        v->where = PTO_VIEW_HEAP;
        v->buf = (uintptr_t)pto_heap_addr(&dev->heap, s.pos);
        v->buf_bytes = s.end - s.pos;
        v->heap_pos = s.pos;
        return PTO_OK;
    }
    if (r == PTO_HEAP_DEAD)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: base %p lies in the heap arena but in no live PTO_OUT output: "
                        "the output is no longer allocated (its task retired once its scope "
                        "ended) or the pointer is not an output's",
                        pre, t->base);
    return pto_fail(err, PTO_ERR_INVALID,
                    "%s: base %p is not device memory: a tensor must view a live buffer "
                    "from pto_malloc on this device or a PTO_OUT output of this run",
                    pre, t->base);
}

pto_status pto_view_check_slow(pto_run *run, const char *what, uint32_t param, pto_param_kind kind,
                               const pto_tensor *t, pto_view *v, pto_error *err)
{
    char pre[96];
    prefix(pre, sizeof pre, what, param, kind);
    if (!t->base)
        return pto_fail(err, PTO_ERR_INVALID, "%s: tensor base is NULL", pre);
    if (t->ndim - 1 >= PTO_MAX_DIMS || !t->elem)
        return bad_shape(err, pre, t);
    uint64_t lo, hi;
    if (!span_of(t, &lo, &hi)) {
        char sh[160], st[160];
        numbuf nb;
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: view of shape %s with strides %s bytes (elem %u, offset %s) "
                        "overflows 64 bits",
                        pre, dims(sh, sizeof sh, t->shape, t->ndim),
                        dims(st, sizeof st, t->stride, t->ndim), t->elem, num(&nb, t->offset));
    }
    pto_region_summary(t, &v->lo, &v->hi, &v->dense); /* valid now: exact bounds */
    pto_status s = locate(run, pre, t, v, err);
    if (s)
        return s;
    uint64_t rel = (uintptr_t)t->base - v->buf, end;
    if (__builtin_add_overflow(rel, hi, &end) || end > v->buf_bytes) {
        uint64_t from;
        if (__builtin_add_overflow(rel, lo, &from))
            from = UINT64_MAX;
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: view [offset %llu, +%llu bytes) lies outside its buffer of %llu "
                        "bytes at %p",
                        pre, (unsigned long long)from, (unsigned long long)(hi - lo),
                        (unsigned long long)v->buf_bytes, (void *)v->buf);
    }
    return PTO_OK;
}

pto_status pto_view_element(const char *what, const pto_tensor *t, uint64_t index, pto_tensor *out,
                            pto_error *err)
{
    uint64_t count = 1;
    int huge = 0, empty = 0; /* huge: more elements than a u64 counts, so
                                every index is inside */
    for (uint32_t d = 0; d < t->ndim && d < PTO_MAX_DIMS; d++) {
        huge |= __builtin_mul_overflow(count, t->shape[d], &count);
        empty |= t->shape[d] == 0;
    }
    if (empty) /* no element at all */
        huge = 0, count = 0;
    if (!huge && index >= count)
        return pto_fail(err, PTO_ERR_INVALID, "%s: index %llu outside %llu elements", what,
                        (unsigned long long)index, (unsigned long long)count);
    /* Row-major index -> byte offset inside the view. */
    uint64_t off = t->offset, rem = index;
    int over = 0;
    for (uint32_t d = t->ndim < PTO_MAX_DIMS ? t->ndim : PTO_MAX_DIMS; d-- > 0;) {
        uint64_t step;
        over |= __builtin_mul_overflow(rem % t->shape[d], t->stride[d], &step);
        over |= __builtin_add_overflow(off, step, &off);
        rem /= t->shape[d];
    }
    if (over)
        return pto_fail(err, PTO_ERR_INVALID, "%s: the offset of element %llu overflows", what,
                        (unsigned long long)index);
    *out = *t;
    out->offset = off;
    out->ndim = 1;
    out->shape[0] = 1;
    out->stride[0] = t->elem;
    return PTO_OK;
}
