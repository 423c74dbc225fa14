/* Host monotonic clock in nanoseconds (wall time for stats and traces;
 * semantic time is counted in cycles elsewhere). */
#ifndef PTO_CORE_CLOCK_H
#define PTO_CORE_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t pto_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#endif
