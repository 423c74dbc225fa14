/* Heap arena: the bump ring that holds runtime-allocated task outputs.
 *
 * Invariants: `size` bytes, 64-byte aligned, allocated once at device open.
 * head and tail are monotonic byte counters (position = counter % size) that
 * never restart, not even across runs (a reset starts the next lap), so a
 * counter names one allocation for good; the orchestrator alone moves head
 * (allocation) and tail (retirement: the end mark of the newest retired
 * task). One allocation per task, never split across the end of the region:
 * if it does not fit before the end, the rest of the lap is skipped and
 * counted as used until the tail passes it. head - tail <= size always; a
 * request that does not fit is refused, never overwrites live data.
 *
 * Output index (for "which live buffer contains address p"): the
 * orchestrator notes each output it carves from an allocation as a span
 * [pos, end) of counters. spans[i & span_mask] for span_tail <= i <
 * span_head are the noted spans not yet released, in increasing pos order
 * (allocations and the outputs inside one are carved in address order);
 * releasing the tail drops the spans below it. Capacity span_mask + 1 is
 * sized for every output of a full task window; a note that finds it full
 * is dropped (that output can then only be found through its tensor). */
#ifndef PTO_CORE_HEAP_ARENA_H
#define PTO_CORE_HEAP_ARENA_H

#include <stdint.h>

#include "pto/status.h"

typedef struct pto_heap_span {
    uint64_t pos, end; /* counters: the output's bytes [pos, end) */
} pto_heap_span;

typedef struct pto_heap_arena {
    uint8_t *mem;
    uint64_t size;
    uint64_t head, tail;
    uint64_t high_water;  /* max (head - tail): true occupancy incl. skipped ends */
    pto_heap_span *spans; /* output index, see above */
    uint64_t span_mask, span_head, span_tail;
    int poisoned; /* ASan builds: red zones were poisoned in the region */
} pto_heap_arena;

/* max_spans: outputs the index holds (rounded up to a power of two). */
pto_status pto_heap_init(pto_heap_arena *h, uint64_t bytes, uint64_t max_spans, pto_error *err);
void pto_heap_destroy(pto_heap_arena *h);
/* Empty for a new run; positions continue on the next lap. */
void pto_heap_reset(pto_heap_arena *h);
/* 0 and *out on success (64-byte aligned); -1 if it does not fit now.
 * *end_mark receives the head after this allocation (its first byte is at
 * counter *end_mark - round64(bytes)). bytes must be > 0 and <= size (the
 * caller checks; larger requests can never fit). */
int pto_heap_alloc(pto_heap_arena *h, uint64_t bytes, void **out, uint64_t *end_mark);
/* Frees everything allocated before end_mark (monotonic; smaller is ignored). */
void pto_heap_release(pto_heap_arena *h, uint64_t end_mark);
static inline uint64_t pto_heap_used(const pto_heap_arena *h) { return h->head - h->tail; }

/* Address of counter pos. */
static inline uint8_t *pto_heap_addr(const pto_heap_arena *h, uint64_t pos)
{
    return h->mem + pos % h->size;
}

/* Notes the output [pos, pos + bytes) of the newest allocation. */
void pto_heap_note(pto_heap_arena *h, uint64_t pos, uint64_t bytes);

/* Is [pos, pos + bytes) live memory of this arena starting at address a?
 * Pure arithmetic: the check of an output's tensor that carries its span. */
static inline int pto_heap_span_live(const pto_heap_arena *h, uintptr_t a, uint64_t pos,
                                     uint64_t bytes)
{
    return pos >= h->tail && bytes <= h->head - pos && bytes <= h->size - pos % h->size &&
           a == (uintptr_t)pto_heap_addr(h, pos);
}

enum { PTO_HEAP_NOT_HEAP = -1, PTO_HEAP_DEAD = 0, PTO_HEAP_FOUND = 1 };
/* Which noted, live output contains address a: PTO_HEAP_FOUND with its
 * span, PTO_HEAP_DEAD when a lies in the arena but in no live output
 * (retired, padding, red zone), PTO_HEAP_NOT_HEAP outside the arena.
 * O(log outputs). */
int pto_heap_find(const pto_heap_arena *h, uintptr_t a, pto_heap_span *out);

/* Bounds-checking mode: arms the red zones around [p, +bytes) inside the
 * newest allocation (see core/redzone.h). */
void pto_heap_guard(pto_heap_arena *h, uint8_t *p, uint64_t bytes);

#endif
