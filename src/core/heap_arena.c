#include "core/heap_arena.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "core/bits.h"
#include "core/redzone.h"
#include "util/error.h"

pto_status pto_heap_init(pto_heap_arena *h, uint64_t bytes, uint64_t max_spans, pto_error *err)
{
    h->mem = 0;
    h->spans = 0;
    if (bytes < 64 || bytes % 64)
        return pto_fail(err, PTO_ERR_INVALID,
                        "heap arena of %llu bytes: must be a positive multiple of 64",
                        (unsigned long long)bytes);
    uint64_t n = 2;
    while (n < max_spans)
        n <<= 1;
    /* calloc'ed: the index's untouched pages stay unmapped. */
    h->spans = calloc(n, sizeof *h->spans);
    if (!h->spans)
        return pto_fail(err, PTO_ERR_NOMEM, "heap arena output index of %llu entries",
                        (unsigned long long)n);
    void *m =
        mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) {
        free(h->spans);
        h->spans = 0;
        return pto_fail(err, PTO_ERR_NOMEM, "heap arena of %llu bytes", (unsigned long long)bytes);
    }
    h->mem = m;
    h->size = bytes;
    h->span_mask = n - 1;
    h->head = h->tail = 0;
    h->poisoned = 0;
    pto_heap_reset(h);
    return PTO_OK;
}

void pto_heap_destroy(pto_heap_arena *h)
{
    if (h->mem) {
        if (h->poisoned) /* the next user of these addresses expects them clean */
            PTO_ASAN_UNPOISON(h->mem, h->size);
        munmap(h->mem, h->size);
    }
    free(h->spans);
    h->mem = 0;
    h->spans = 0;
}

void pto_heap_reset(pto_heap_arena *h)
{
    h->head = h->tail = pto_round_up(h->head, h->size);
    h->high_water = 0;
    h->span_head = h->span_tail = 0;
}

int pto_heap_alloc(pto_heap_arena *h, uint64_t bytes, void **out, uint64_t *end_mark)
{
    bytes = pto_round_up(bytes, 64);
    if (h->head == h->tail && h->head % h->size) /* empty: restart at a lap */
        h->head = h->tail = pto_round_up(h->head, h->size);
    uint64_t pos = h->head % h->size;
    uint64_t skip = pos + bytes > h->size ? h->size - pos : 0;
    if (h->head + skip + bytes - h->tail > h->size)
        return -1;
    h->head += skip;
    *out = h->mem + h->head % h->size;
    h->head += bytes;
    if (h->head - h->tail > h->high_water)
        h->high_water = h->head - h->tail;
    *end_mark = h->head;
#ifdef PTO_ASAN
    if (h->poisoned) /* red zones of an earlier layout */
        PTO_ASAN_UNPOISON(*out, bytes);
#endif
    return 0;
}

void pto_heap_release(pto_heap_arena *h, uint64_t end_mark)
{
    if (end_mark <= h->tail)
        return;
    h->tail = end_mark;
    while (h->span_tail != h->span_head && h->spans[h->span_tail & h->span_mask].pos < end_mark)
        h->span_tail++;
}

void pto_heap_note(pto_heap_arena *h, uint64_t pos, uint64_t bytes)
{
    if (h->span_head - h->span_tail > h->span_mask)
        return; /* full: see the header */
    h->spans[h->span_head++ & h->span_mask] = (pto_heap_span){pos, pos + bytes};
}

int pto_heap_find(const pto_heap_arena *h, uintptr_t a, pto_heap_span *out)
{
    uintptr_t m = (uintptr_t)h->mem;
    if (a < m || a - m >= h->size)
        return PTO_HEAP_NOT_HEAP;
    /* The one counter in [tail, tail + size) at this address. */
    uint64_t off = a - m, t = h->tail % h->size;
    uint64_t c = h->tail + (off >= t ? off - t : off + h->size - t);
    uint64_t lo = h->span_tail, hi = h->span_head;
    if (c >= h->head || lo == hi || h->spans[lo & h->span_mask].pos > c)
        return PTO_HEAP_DEAD;
    while (hi - lo > 1) { /* the last span starting at or below c */
        uint64_t mid = lo + (hi - lo) / 2;
        if (h->spans[mid & h->span_mask].pos <= c)
            lo = mid;
        else
            hi = mid;
    }
    const pto_heap_span *s = &h->spans[lo & h->span_mask];
    if (c >= s->end)
        return PTO_HEAP_DEAD;
    *out = *s;
    return PTO_HEAP_FOUND;
}

void pto_heap_guard(pto_heap_arena *h, uint8_t *p, uint64_t bytes)
{
    pto_redzone_arm(p, bytes);
#ifdef PTO_ASAN
    h->poisoned = 1;
#else
    (void)h;
#endif
}
