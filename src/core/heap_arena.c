#include "core/heap_arena.h"

#include <stdlib.h>
#include <sys/mman.h>

#include "core/bits.h"
#include "host/error.h"

pto_status pto_heap_init(pto_heap_arena *h, uint64_t bytes, pto_error *err)
{
    h->mem = 0;
    if (bytes < 64 || bytes % 64)
        return pto_fail(err, PTO_ERR_INVALID,
                        "heap arena of %llu bytes: must be a positive multiple of 64",
                        (unsigned long long)bytes);
    void *m = mmap(0, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    if (m == MAP_FAILED)
        return pto_fail(err, PTO_ERR_NOMEM, "heap arena of %llu bytes",
                        (unsigned long long)bytes);
    h->mem = m;
    h->size = bytes;
    pto_heap_reset(h);
    return PTO_OK;
}

void pto_heap_destroy(pto_heap_arena *h)
{
    if (h->mem)
        munmap(h->mem, h->size);
    h->mem = 0;
}

void pto_heap_reset(pto_heap_arena *h) { h->head = h->tail = h->high_water = 0; }

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
    return 0;
}

void pto_heap_release(pto_heap_arena *h, uint64_t end_mark)
{
    if (end_mark > h->tail)
        h->tail = end_mark;
}
