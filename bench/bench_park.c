/* What a wake costs on this host: two threads pass a token back and forth
 * (a) through pto_event with the receiver always parked (futex wake), and
 * (b) by spinning on the token. Prints ns per one-way hand-off (median of 5).
 * This is why the a2a3sim hot paths avoid parking: see docs/architecture.md.
 *
 * Usage: bench_park [round_trips]   (default 2000) */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/park.h"

static pto_event ev[2];
static _Atomic uint64_t turn; /* whose move: even = thread 0, odd = thread 1 */
static uint64_t rounds;
static int use_park;

static void wait_turn(int me, uint64_t want)
{
    while (atomic_load_explicit(&turn, memory_order_acquire) != want) {
        if (!use_park) {
            pto_cpu_relax();
            continue;
        }
        uint32_t seen = pto_event_prepare(&ev[me]);
        if (atomic_load(&turn) == want) {
            pto_event_cancel(&ev[me]);
            break;
        }
        pto_event_wait(&ev[me], seen, 0);
    }
}

static void *player(void *arg)
{
    int me = (int)(intptr_t)arg;
    for (uint64_t i = 0; i < rounds; i++) {
        uint64_t my_move = 2 * i + (uint64_t)me;
        wait_turn(me, my_move);
        atomic_store_explicit(&turn, my_move + 1, memory_order_release);
        pto_event_signal(&ev[!me]);
    }
    return 0;
}

static double run(int park)
{
    use_park = park;
    atomic_store(&turn, 0);
    pto_event_init(&ev[0]);
    pto_event_init(&ev[1]);
    pthread_t t[2];
    uint64_t t0 = pto_now_ns();
    for (intptr_t i = 0; i < 2; i++)
        pthread_create(&t[i], 0, player, (void *)i);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], 0);
    return (double)(pto_now_ns() - t0) / (double)(2 * rounds);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? strtoull(argv[1], 0, 10) : 2000;
    printf("# bench_park: one-way hand-off between two threads, median of 5 x %llu round trips\n",
           (unsigned long long)rounds);
    for (int park = 1; park >= 0; park--) {
        double v[5];
        for (int r = 0; r < 5; r++)
            v[r] = run(park);
        qsort(v, 5, sizeof v[0], cmp);
        printf("%-28s %10.0f ns\n", park ? "futex park + wake" : "spin (both threads on CPU)",
               v[2]);
    }
    return 0;
}
