/* Host monotonic clock in nanoseconds (wall time for stats and traces;
 * semantic time is counted in cycles elsewhere).
 *
 * On x86-64 with an invariant TSC this reads the TSC (a few ns) scaled by a
 * factor calibrated once per process against CLOCK_MONOTONIC; clock_gettime
 * costs several times more on the project's VMs and was a third of the
 * per-task cost of an empty kernel. Elsewhere it is clock_gettime. */
#ifndef PTO_CORE_CLOCK_H
#define PTO_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t pto_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* CPU time consumed by the calling thread (not advancing while it is
 * preempted or parked). */
static inline uint64_t pto_thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#if defined(__x86_64__)
#include <x86intrin.h>

#include <stdatomic.h>

/* Calibration, written once under pthread_once (clock.c) before `ready` is
 * set: ns = base_ns + (tsc - base_tsc) * ns_per_tick; ns_per_tick 0 means
 * "use clock_gettime". */
typedef struct pto_tsc_clock {
    double ns_per_tick;
    uint64_t base_tsc, base_ns;
} pto_tsc_clock;

extern pto_tsc_clock pto_tsc;
extern _Atomic int pto_tsc_ready;
/* Calibrates (once, from any thread) and returns pto_tsc. */
const pto_tsc_clock *pto_tsc_clock_get(void);

static inline uint64_t pto_now_ns(void)
{
    const pto_tsc_clock *c =
        atomic_load_explicit(&pto_tsc_ready, memory_order_acquire) ? &pto_tsc : pto_tsc_clock_get();
    if (c->ns_per_tick == 0.0)
        return pto_monotonic_ns();
    uint64_t t = __rdtsc();
    return c->base_ns +
           (t > c->base_tsc ? (uint64_t)((double)(t - c->base_tsc) * c->ns_per_tick) : 0);
}
#else
static inline uint64_t pto_now_ns(void) { return pto_monotonic_ns(); }
#endif

#endif
