/* Red zones: guard bytes around device buffers in bounds-checking mode.
 *
 * A guarded buffer of `bytes` bytes at `p` (64-byte aligned) is laid out as
 *
 *     [p - 64, p)                          red zone before
 *     [p, p + bytes)                       the buffer
 *     [p + bytes, round64(bytes) + p + 64) red zone after (its padding
 *                                          included, so one element past
 *                                          the end is caught)
 *
 * Red-zone bytes hold a canary that depends on the byte's address and is
 * never zero, so a stray zero byte is always caught and a stray constant
 * changes almost every byte it covers; a stored byte that happens to equal
 * its canary (odds 1 in 255 for a nonzero byte) is not seen, so a reported
 * range can be shorter than the store. In AddressSanitizer builds the red zones are also poisoned,
 * so an instrumented kernel's stray store is reported by ASan at the store;
 * the canary check still covers uninstrumented kernels (compiled sources).
 *
 * Invariants: only the allocator owning the memory (GM arena, heap arena)
 * lays out and clears red zones, while no task can touch the buffer; checks
 * only read. */
#ifndef PTO_CORE_REDZONE_H
#define PTO_CORE_REDZONE_H

#include <stdint.h>

#define PTO_REDZONE 64

#include "util/sanitizers.h"

#ifdef PTO_ASAN
#include <sanitizer/asan_interface.h>
#define PTO_ASAN_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define PTO_ASAN_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define PTO_ASAN_POISON(p, n) ((void)(p), (void)(n))
#define PTO_ASAN_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* Bytes a guarded buffer of `bytes` occupies after its start: the buffer
 * rounded to 64 plus the red zone after it. */
static inline uint64_t pto_redzone_tail_end(uint64_t bytes)
{
    return (bytes + 63) / 64 * 64 + PTO_REDZONE;
}

/* Writes (and, under ASan, poisons) both red zones of the buffer [p, +bytes). */
void pto_redzone_arm(uint8_t *p, uint64_t bytes);
/* Unpoisons both red zones (ASan builds; no-op otherwise), before the
 * memory is handed out for something else. */
void pto_redzone_disarm(uint8_t *p, uint64_t bytes);

/* Result of a check: which red zone was damaged and which bytes, as byte
 * offsets from the buffer's start (negative: before it). */
typedef struct pto_redzone_damage {
    int after;           /* 0: the red zone before the buffer, 1: after it */
    int64_t first, last; /* first and last damaged byte, relative to p */
} pto_redzone_damage;

/* 0 when both red zones of [p, +bytes) are intact, else 1 and *d. */
int pto_redzone_check(const uint8_t *p, uint64_t bytes, pto_redzone_damage *d);

#endif
