/* taskbench pthreads floor: a static partition of each step's points over
 * ncpu threads (the caller is thread 0) with a barrier after every step: a
 * sense-reversing spin barrier (pause, sched_yield every 64 spins), since a
 * futex-sleeping pthread_barrier costs a wake-up per step and is no floor
 * (TB_PTHREADS_BARRIER=pthread selects pthread_barrier_wait instead). Patterns without cross-point dependencies (trivial, no_comm) need no
 * per-step barrier: each thread runs its points through all steps. */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tb.h"

#define MAX_THREADS 64

static int nthreads;
static pthread_t threads[MAX_THREADS];
static pthread_barrier_t step_barrier, start_barrier;
static tb_graph *graph;
static atomic_int quit;
static int use_pthread_barrier;

/* Sense-reversing spin barrier. */
static struct {
    _Alignas(64) atomic_int count;
    _Alignas(64) atomic_int sense;
} spin;
static _Thread_local int my_sense;

static void step_wait(void)
{
    if (use_pthread_barrier) {
        pthread_barrier_wait(&step_barrier);
        return;
    }
    my_sense = !my_sense;
    if (atomic_fetch_add(&spin.count, 1) == nthreads - 1) {
        atomic_store(&spin.count, 0);
        atomic_store(&spin.sense, my_sense);
        return;
    }
    for (unsigned i = 1; atomic_load(&spin.sense) != my_sense; i++) {
        if (i % 64 == 0)
            sched_yield();
        else
            __builtin_ia32_pause();
    }
}

static void part(int t, int me)
{
    int aw = tb_active_width(graph, t);
    int lo = (int)((long)aw * me / nthreads), hi = (int)((long)aw * (me + 1) / nthreads);
    for (int x = lo; x < hi; x++)
        tb_point(graph, t, x);
}

static void work(int me)
{
    tb_graph *g = graph;
    if (g->pattern == TB_TRIVIAL || g->pattern == TB_NO_COMM) {
        int lo = (int)((long)g->width * me / nthreads);
        int hi = (int)((long)g->width * (me + 1) / nthreads);
        for (int t = 0; t < g->steps; t++)
            for (int x = lo; x < hi; x++)
                tb_point(g, t, x);
        step_wait();
        return;
    }
    for (int t = 0; t < g->steps; t++) {
        part(t, me);
        step_wait();
    }
}

static void *worker(void *arg)
{
    int me = (int)(long)arg;
    for (;;) {
        pthread_barrier_wait(&start_barrier);
        if (atomic_load(&quit))
            return 0;
        work(me);
    }
}

static int init(tb_graph *g, int ncpu)
{
    graph = g;
    nthreads = ncpu > MAX_THREADS ? MAX_THREADS : ncpu;
    const char *b = getenv("TB_PTHREADS_BARRIER");
    use_pthread_barrier = b && !strcmp(b, "pthread");
    pthread_barrier_init(&step_barrier, 0, (unsigned)nthreads);
    pthread_barrier_init(&start_barrier, 0, (unsigned)nthreads);
    for (int i = 1; i < nthreads; i++)
        if (pthread_create(&threads[i], 0, worker, (void *)(long)i))
            return -1;
    return 0;
}

static int run(tb_graph *g, uint64_t *build_ns)
{
    (void)g, (void)build_ns;
    pthread_barrier_wait(&start_barrier);
    work(0);
    return 0;
}

static void fini(tb_graph *g)
{
    (void)g;
    atomic_store(&quit, 1);
    pthread_barrier_wait(&start_barrier);
    for (int i = 1; i < nthreads; i++)
        pthread_join(threads[i], 0);
}

int main(int argc, char **argv)
{
    static const tb_runtime rt = {"pthreads", init, run, fini};
    return tb_main(argc, argv, &rt);
}
