/* Deterministic mode: a discrete-event simulation on one host thread.
 *
 * The same objects as in threaded mode — ready queues, task slots, the
 * per-core handshake registers, pto_tb_complete — but one thread decides
 * everything in cycle order: ready tasks are dispatched FIFO to the lowest-
 * numbered idle core of their type, the kernel runs at dispatch (its reported
 * cycles fix its end), and completions are processed in order of end cycle
 * (ties by core number). Same inputs therefore give the same dispatch order,
 * trace and total_cycles on every run. Invariant: des_heap holds exactly the
 * busy cores, keyed by end cycle; des_now never decreases. End cycles are at
 * most PTO_CYCLE_LIMIT (2^56 - 1; a task passing it fails the run and ends at
 * it, as in threaded mode), so (end << 8) | core never loses a bit.
 *
 * The simulation runs on the device's driver thread (the AICPU orchestrator
 * thread; see run.c) while the launching thread keeps the watchdog: it
 * reads des_since, the start of the kernel being run. */
#include <time.h>
#include <unistd.h>
#if defined(__linux__)
#include <linux/membarrier.h>
#include <sys/syscall.h>
#endif

#include "core/cycles.h"
#include "core/task_buffer.h"
#include "core/device.h"
#include "platform/sim/dispatch.h"
#include "platform/sim/sim.h"

#ifdef MEMBARRIER_CMD_GLOBAL
#define PTO_MEMBARRIER_GLOBAL MEMBARRIER_CMD_GLOBAL
#else
#define PTO_MEMBARRIER_GLOBAL 1 /* MEMBARRIER_CMD_SHARED, its older name */
#endif

#define KEY(end, core) (((end) << 8) | (core))

static void heap_push(pto_sim *sim, uint64_t key)
{
    uint64_t *h = sim->des_heap;
    uint32_t i = sim->des_nheap++;
    while (i && h[(i - 1) / 2] > key) {
        h[i] = h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h[i] = key;
}

static uint64_t heap_pop(pto_sim *sim)
{
    uint64_t *h = sim->des_heap, top = h[0], last = h[--sim->des_nheap];
    uint32_t i = 0, n = sim->des_nheap;
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && h[c + 1] < h[c])
            c++;
        if (last <= h[c])
            break;
        h[i] = h[c];
        i = c;
    }
    if (n)
        h[i] = last;
    return top;
}

/* The timers (sim.h): a binary min-heap by (end, slot). */
static int timer_less(const pto_sim *sim, uint32_t a, uint32_t b)
{
    return sim->des_timer_end[a] < sim->des_timer_end[b] ||
           (sim->des_timer_end[a] == sim->des_timer_end[b] &&
            sim->des_timer_slot[a] < sim->des_timer_slot[b]);
}

static void timer_swap(pto_sim *sim, uint32_t a, uint32_t b)
{
    uint64_t e = sim->des_timer_end[a];
    uint32_t s = sim->des_timer_slot[a];
    sim->des_timer_end[a] = sim->des_timer_end[b];
    sim->des_timer_slot[a] = sim->des_timer_slot[b];
    sim->des_timer_end[b] = e;
    sim->des_timer_slot[b] = s;
}

/* pto_dispatch_dummies' defer: a delayed dummy ending in the future waits
 * for the clock (at most one per ring slot, so the heap never fills). */
static int timer_defer(pto_sim *sim, pto_task *t, uint32_t slot)
{
    if (t->end_cycle <= sim->des_now)
        return 0;
    uint32_t i = sim->des_ntimer++;
    sim->des_timer_end[i] = t->end_cycle;
    sim->des_timer_slot[i] = slot;
    for (; i && timer_less(sim, i, (i - 1) / 2); i = (i - 1) / 2)
        timer_swap(sim, i, (i - 1) / 2);
    return 1;
}

static uint32_t timer_pop(pto_sim *sim)
{
    uint32_t slot = sim->des_timer_slot[0], n = --sim->des_ntimer, i = 0;
    sim->des_timer_end[0] = sim->des_timer_end[n];
    sim->des_timer_slot[0] = sim->des_timer_slot[n];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && timer_less(sim, c + 1, c))
            c++;
        if (!timer_less(sim, c, i))
            break;
        timer_swap(sim, i, c);
        i = c;
    }
    return slot;
}

/* The run timed out while this thread was in a kernel (or about to enter
 * one): the launching thread has returned, so nothing of the run — least
 * of all the orchestration function that may be below us on this stack —
 * may run any more. The thread sleeps until the process ends. */
static _Noreturn void park_for_good(pto_sim *sim)
{
    atomic_store_explicit(&sim->des_parked, 1, memory_order_release);
    for (;;)
        pause();
}

int pto_des_confirm_stuck(pto_sim *sim, uint64_t since)
{
    /* The simulation stores des_since = 0 after a kernel and then loads
     * `dead`, both without a fence (this is the per-task path). A
     * membarrier makes every thread of the process execute a full barrier:
     * if des_since still holds `since` afterwards, that store comes after
     * the simulation's barrier, so its load of `dead` (set by our caller
     * before this call) will see it. Where membarrier is unavailable, a
     * pause long enough for any store buffer to drain stands in for it. */
#if defined(__linux__) && defined(SYS_membarrier)
    if (syscall(SYS_membarrier, PTO_MEMBARRIER_GLOBAL, 0, 0) != 0)
#endif
    {
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, 0);
    }
    return atomic_load(&sim->des_since) == since;
}

static void set_idle(pto_sim *sim, uint32_t c, int idle)
{
    uint64_t *m = &sim->des_idle[pto_core_type_of(c)][c >> 6];
    uint64_t bit = UINT64_C(1) << (c & 63);
    *m = idle ? *m | bit : *m & ~bit;
}

/* The lowest idle core of `type` among `cores` (a bitmap), or -1. */
static int lowest_idle(pto_sim *sim, int type, const uint64_t *cores)
{
    for (int w = 0; w < PTO_BELL_WORDS; w++)
        if (sim->des_idle[type][w] & cores[w])
            return w * 64 + __builtin_ctzll(sim->des_idle[type][w] & cores[w]);
    return -1;
}

void pto_des_begin(pto_sim *sim)
{
    sim->des_now = 0;
    sim->des_nheap = 0;
    sim->des_ntimer = 0;
    for (uint32_t l = 0; l <= PTO_MAX_TARGETS; l++)
        for (int q = 0; q < PTO_NQUEUES; q++)
            sim->des_held[l][q] = UINT32_MAX;
    for (int t = 0; t < PTO_CORE_TYPES; t++)
        for (int w = 0; w < PTO_BELL_WORDS; w++)
            sim->des_idle[t][w] = 0;
    /* Every core is idle when a run starts (the previous run completed
     * every task it dispatched), so the scheduler threads' busy flags need
     * not be read here. */
    for (uint32_t c = 0; c < sim->ncores; c++)
        set_idle(sim, c, 1);
}

/* Task t, watched for its start, started on core c: its start releases
 * tasks (start edges), so dispatch places again. Out of line: the
 * unwatched tasks' path keeps its registers. */
static __attribute__((noinline, cold)) void started(pto_sim *sim, uint32_t c, pto_task *t)
{
    pto_tb_started(&sim->dev->tb, t, sim->csched[c].start_cycle, 0, 0);
    sim->des_again = 1;
}

/* Runs the token just written to core c for task t (its kernel, at
 * dispatch) and queues the core's FIN at the token's end cycle. */
static void run_token(pto_sim *sim, uint32_t c, pto_task *t)
{
    pto_sim_core_sched *cs = &sim->csched[c];
    set_idle(sim, c, 0);
    if (__builtin_expect(t->watch & PTO_WATCH_START, 0))
        started(sim, c, t);
    sim->cexec[c].last_token = cs->token;
    pto_exec_run_token(sim, c, cs->token, &sim->des_since);
    if (atomic_load_explicit(&sim->dead, memory_order_relaxed))
        park_for_good(sim);
    pto_counter_add(&sim->sched[sim->core_sched[c]].dispatched, 1);
    heap_push(sim, KEY(pto_dispatch_end(sim, c), (uint64_t)c));
}

/* The task of queue q of target l (lanes 0..n-1, then the shared queues
 * at n) to place next: the one held back (it found no room last time) or
 * the queue's head. */
static pto_task *next_task(pto_sim *sim, uint32_t l, uint32_t q, uint32_t *slot)
{
    uint32_t target = l == sim->dev->lanes.n ? PTO_TARGET_ANY : l;
    if (sim->des_held[l][q] != UINT32_MAX) {
        *slot = sim->des_held[l][q];
        sim->des_held[l][q] = UINT32_MAX;
    } else if (pto_rq_pop(pto_tb_queue(&sim->dev->tb, target, q), slot)) {
        return 0;
    }
    return &sim->dev->tb.tasks[*slot];
}

/* MIX tasks of the shared queue, FIFO, each on the lowest block whose
 * declared cores are idle; the first that fits none is held. */
static void place_mix(pto_sim *sim)
{
    uint32_t shared = sim->dev->lanes.n, slot;
    pto_task *t;
    while ((t = next_task(sim, shared, PTO_QUEUE_MIX, &slot))) {
        uint32_t b = 0, nblocks = sim->ncores / PTO_CORES_PER_BLOCK, got[3];
        while (b < nblocks && !pto_dispatch_mix_fits(sim, t, b))
            b++;
        if (b == nblocks) {
            sim->des_held[shared][PTO_QUEUE_MIX] = slot;
            return;
        }
        uint32_t n = pto_dispatch_mix(sim, b, t, slot, sim->des_now, got);
        for (uint32_t i = 1; i < n; i++)
            set_idle(sim, got[i], 0);
        run_token(sim, got[0], t);
    }
}

/* The ready tasks of queue `type` of target l, FIFO, on the lowest idle
 * cores of that type among `cores`: a one-core task on one, an SPMD task
 * part by part while such cores are idle. A task that does not fit (yet)
 * is held at the head of its queue. */
static void place(pto_sim *sim, uint32_t l, int type, const uint64_t *cores)
{
    pto_task *t;
    uint32_t slot;
    int c;
    while ((c = lowest_idle(sim, type, cores)) >= 0 &&
           (t = next_task(sim, l, (uint32_t)type, &slot))) {
        for (;;) { /* one part, or an SPMD task's parts while cores are idle */
            uint32_t part = t->nparts == 1 ? 0 : t->parts_sent++;
            pto_dispatch_start(sim, (uint32_t)c, t, slot, part, sim->des_now);
            run_token(sim, (uint32_t)c, t);
            if (t->nparts == 1 || t->parts_sent == t->nparts)
                break;
            if ((c = lowest_idle(sim, type, cores)) < 0) {
                sim->des_held[l][type] = slot; /* parts left */
                break;
            }
        }
    }
}

/* One pass of dispatch (below); returns how many dependency-only tasks it
 * completed. Dependency-only tasks first; then MIX tasks; then the lanes'
 * own queues in lane order, queues AIC then AIV (a run without routed or
 * MIX tasks has none); with work stealing on, each lane's idle cores then
 * take the work of its peers l+1, l+2, ... mod n; then the shared queues. */
static inline uint32_t dispatch_pass(pto_sim *sim)
{
    pto_task_buffer *tb = &sim->dev->tb;
    uint32_t n = sim->dev->lanes.n, done = 0;
    sim->des_again = 0;
    if (pto_rq_size(&tb->ready[PTO_QUEUE_DUMMY]))
        done = pto_dispatch_dummies(sim, 0, 0, timer_defer);
    if (atomic_load_explicit(&tb->special, memory_order_relaxed)) {
        place_mix(sim);
        for (uint32_t l = 0; l < n; l++)
            for (int type = 0; type < PTO_CORE_TYPES; type++)
                place(sim, l, type, sim->dev->lanes.cores[l]);
        if (atomic_load_explicit(&tb->steal, memory_order_relaxed))
            for (uint32_t l = 0; l < n; l++)
                for (uint32_t i = 1; i < n; i++)
                    for (int type = 0; type < PTO_CORE_TYPES; type++)
                        place(sim, (l + i) % n, type, sim->dev->lanes.cores[l]);
    }
    for (int type = 0; type < PTO_CORE_TYPES; type++)
        place(sim, n, type, sim->all_cores);
    return done;
}

/* The passes after the first, while a placed task's start released tasks
 * (start edges): they may run at this same cycle. (Placing completes
 * nothing: only a start can have made tasks ready meanwhile.) Out of line:
 * a loop around the first pass cost every step spilled registers. */
static __attribute__((noinline)) uint32_t dispatch_again(pto_sim *sim)
{
    uint32_t done = 0;
    do
        done += dispatch_pass(sim);
    while (sim->des_again);
    return done;
}

/* Returns how many dependency-only tasks it completed: passes of
 * dispatch_pass until one releases no start-edge waiter. */
static uint32_t dispatch(pto_sim *sim)
{
    uint32_t done = dispatch_pass(sim);
    if (__builtin_expect(sim->des_again, 0))
        done += dispatch_again(sim);
    return done;
}

int pto_des_step(pto_sim *sim)
{
    pto_device *dev = sim->dev;
    /* Completions at this cycle end the step before the clock moves on:
     * the orchestrator may act on them at this cycle (a CSP fan-in send's
     * marker, a window waiting for a retirement). */
    if (dispatch(sim))
        return 1;
    if (!sim->des_nheap && !sim->des_ntimer)
        return 0;
    /* A timer first when it ends no later than the next core (its
     * completion may let that core's successors start with it). */
    if (sim->des_ntimer && (!sim->des_nheap || sim->des_timer_end[0] <= sim->des_heap[0] >> 8)) {
        sim->des_now = sim->des_timer_end[0];
        dev->tb.now_cycle = sim->des_now;
        pto_dispatch_dummy(sim, &dev->tb.tasks[timer_pop(sim)], 0, 0);
        pto_run_state_add_completed(&dev->run_state, 1);
        return 1;
    }
    uint64_t key = heap_pop(sim);
    uint32_t c = (uint32_t)(key & 0xff);
    pto_sim_core_sched *cs = &sim->csched[c];
    pto_task *t = &dev->tb.tasks[cs->slot];
    sim->des_now = key >> 8;
    dev->tb.now_cycle = sim->des_now;
    if (sim->hs[c].out.status)
        pto_run_state_fail(&dev->run_state, (int32_t)sim->hs[c].out.status, t->id);
    uint32_t freed[3];
    int done;
    uint32_t n = pto_dispatch_finish(sim, c, t, freed, &done);
    for (uint32_t i = 0; i < n; i++)
        set_idle(sim, freed[i], 1);
    if (done) {
        pto_tb_complete(&dev->tb, t, 0, 0);
        pto_counter_add(&sim->sched[sim->core_sched[c]].completed, 1);
        pto_run_state_add_completed(&dev->run_state, 1);
    }
    return 1;
}
