/* Heap arena: the bump ring that holds runtime-allocated task outputs.
 *
 * Invariants: `size` bytes, 64-byte aligned, allocated once at device open.
 * head and tail are monotonic byte counters (position = counter % size); the
 * orchestrator alone moves head (allocation) and tail (retirement: the end
 * mark of the newest retired task). One allocation per task, never split
 * across the end of the region: if it does not fit before the end, the rest
 * of the lap is skipped and counted as used until the tail passes it.
 * head - tail <= size always; a request that does not fit is refused, never
 * overwrites live data. */
#ifndef PTO_CORE_HEAP_ARENA_H
#define PTO_CORE_HEAP_ARENA_H

#include <stdint.h>

#include "pto/status.h"

typedef struct pto_heap_arena {
    uint8_t *mem;
    uint64_t size;
    uint64_t head, tail;
    uint64_t high_water; /* max (head - tail): true occupancy incl. skipped ends */
} pto_heap_arena;

pto_status pto_heap_init(pto_heap_arena *h, uint64_t bytes, pto_error *err);
void pto_heap_destroy(pto_heap_arena *h);
void pto_heap_reset(pto_heap_arena *h);
/* 0 and *out on success (64-byte aligned); -1 if it does not fit now.
 * *end_mark receives the head after this allocation. bytes must be > 0 and
 * <= size (the caller checks; larger requests can never fit). */
int pto_heap_alloc(pto_heap_arena *h, uint64_t bytes, void **out, uint64_t *end_mark);
/* Frees everything allocated before end_mark (monotonic; smaller is ignored). */
void pto_heap_release(pto_heap_arena *h, uint64_t end_mark);
static inline uint64_t pto_heap_used(const pto_heap_arena *h) { return h->head - h->tail; }

#endif
