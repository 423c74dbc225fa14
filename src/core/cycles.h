/* Semantic-time arithmetic shared by the threaded schedulers and the
 * deterministic simulation.
 *
 * Invariant kept by the platform: every core clock, ready cycle and task end
 * cycle is <= PTO_CYCLE_LIMIT (2^56 - 1, pto/kernel.h). A task's start cycle
 * is one of those plus dispatch_cycles (< 2^32), so start < 2^57 and
 * start + cycles cannot wrap unless cycles alone exceeds the limit. A task
 * whose end would pass the limit fails the run (PTO_ERR_CAPACITY, naming
 * it) and ends at PTO_CYCLE_LIMIT instead, so both modes keep the invariant
 * and agree on the clamped times. */
#ifndef PTO_CORE_CYCLES_H
#define PTO_CORE_CYCLES_H

#include <stdint.h>

#include "pto/kernel.h"

/* a + b, or UINT64_MAX when that does not fit (a kernel's reported cycles
 * and its cost function's never wrap to a small count). */
static inline uint64_t pto_cycles_sat_add(uint64_t a, uint64_t b)
{
    uint64_t s = a + b;
    return s < b ? UINT64_MAX : s;
}

/* End cycle of a task starting at `start` (see the invariant) that takes
 * `cycles`: start + cycles, or PTO_CYCLE_LIMIT with *over set when that
 * passes the limit. One compare: with start < 2^57, (end | cycles) has a
 * bit at or above 56 exactly when the true sum exceeds the limit. */
static inline uint64_t pto_cycle_end(uint64_t start, uint64_t cycles, int *over)
{
    uint64_t end = start + cycles;
    *over = (end | cycles) > PTO_CYCLE_LIMIT;
    return *over ? PTO_CYCLE_LIMIT : end;
}

#endif
