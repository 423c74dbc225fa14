/* TSC calibration for pto_now_ns (see clock.h). */
#include "core/clock.h"

#if defined(__x86_64__)
#include <pthread.h>
#include <stdio.h>
#include <string.h>

pto_tsc_clock pto_tsc;
_Atomic int pto_tsc_ready;
static pthread_once_t g_once = PTHREAD_ONCE_INIT;

/* The TSC is usable only when the CPU says it ticks at a constant rate
 * through power states. */
static int tsc_invariant(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return 0;
    char line[4096];
    int constant = 0, nonstop = 0;
    while (fgets(line, sizeof line, f) && !(constant && nonstop)) {
        if (strncmp(line, "flags", 5) != 0)
            continue;
        constant = strstr(line, " constant_tsc") != 0;
        nonstop = strstr(line, " nonstop_tsc") != 0;
        break;
    }
    fclose(f);
    return constant && nonstop;
}

static void calibrate(void)
{
    if (!tsc_invariant())
        return; /* ns_per_tick stays 0: clock_gettime */
    uint64_t n0 = pto_monotonic_ns(), t0 = __rdtsc(), n1;
    while ((n1 = pto_monotonic_ns()) - n0 < 2000000u) /* 2 ms */
        ;
    uint64_t t1 = __rdtsc();
    if (t1 <= t0)
        return;
    pto_tsc.base_tsc = t0;
    pto_tsc.base_ns = n0;
    pto_tsc.ns_per_tick = (double)(n1 - n0) / (double)(t1 - t0);
}

const pto_tsc_clock *pto_tsc_clock_get(void)
{
    pthread_once(&g_once, calibrate);
    atomic_store_explicit(&pto_tsc_ready, 1, memory_order_release);
    return &pto_tsc;
}
#endif
