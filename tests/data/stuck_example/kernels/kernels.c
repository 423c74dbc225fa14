/* fill: *p = v (args: p, v). stuck_forever: never returns (it sleeps, so a
 * test that runs it costs no CPU while it waits for the watchdog). */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include <pto/kernel.h>

void fill(const uint64_t *args)
{
    float *p = (float *)pto_bits_ptr(args[0]);
    *p = (float)args[1];
}

void stuck_forever(const uint64_t *args)
{
    (void)args;
    for (;;) {
        struct timespec ts = {0, 1000000L};
        nanosleep(&ts, 0);
    }
}
