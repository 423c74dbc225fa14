/* AICPU scheduler (threaded a2a3sim): handles FINs of its cores (releasing
 * successors) and dispatches ready tasks to its idle cores; what a dispatch
 * and a FIN do is the shared mechanism in dispatch.c. A successor released
 * by a FIN goes straight to an idle core of this scheduler when there is one
 * (no trip through the shared ready queue), so a dependency chain stays on
 * one host thread and idle peers see no work and can park. */
#include "core/clock.h"
#include "core/device.h"
#include "core/task_buffer.h"
#include "platform/sim/dispatch.h"
#include "platform/sim/sim.h"

/* Starts part `part` of t on idle core c; its executor is rung by flush(). */
static int take_local(void *arg, pto_task *t);

/* A task with start edges started on one of s's cores: its waiters are
 * released like a completion's successors (this poll then wakes peers for
 * what it could not take). */
static void started(pto_sim_sched *s, pto_task *t, uint32_t c)
{
    if (__builtin_expect(t->watch & PTO_WATCH_START, 0)) {
        pto_tb_started(&s->sim->dev->tb, t, s->sim->csched[c].start_cycle, take_local, s);
        s->released = 1;
    }
}

static void dispatch_to(pto_sim_sched *s, uint32_t c, pto_task *t, uint32_t slot, uint32_t part)
{
    pto_sim *sim = s->sim;
    pto_dispatch_start(sim, c, t, slot, part, 0);
    started(s, t, c);
    s->rung[c >> 6] |= UINT64_C(1) << (c & 63);
    s->notify |= UINT64_C(1) << sim->core_exec[c];
    s->sent++;
}

/* Claims the highest idle core of s among `cores` (a bitmap of one core
 * type, whose idle count is nidle[type]); -1 if none is idle. Highest, not
 * lowest: its executor serves its bell from the lowest core up, and with
 * the lowest first the streamed benchmarks ran 20-35 % slower (the
 * orchestrator then wires producers that schedulers are completing at that
 * moment; bench/RESULTS.md). */
static inline int idle_take(pto_sim_sched *s, int type, const uint64_t *cores)
{
    for (int w = PTO_BELL_WORDS - 1; w >= 0; w--) {
        uint64_t b = s->idle[w] & cores[w];
        if (b) {
            int hi = 63 - __builtin_clzll(b);
            s->idle[w] &= ~(UINT64_C(1) << hi);
            s->nidle[type]--;
            return w * 64 + hi;
        }
    }
    return -1;
}

/* The cores of lane l of `type`, read once (see lane_type in sim.h). */
static inline void lane_cores(pto_sim *sim, uint32_t l, int type, uint64_t out[PTO_BELL_WORDS])
{
    for (int w = 0; w < PTO_BELL_WORDS; w++)
        out[w] = atomic_load_explicit(&sim->lane_type[l][type][w], memory_order_relaxed);
}

static inline uint32_t idle_count(const pto_sim_sched *s, const uint64_t *cores)
{
    uint32_t n = 0;
    for (int w = 0; w < PTO_BELL_WORDS; w++)
        n += (uint32_t)__builtin_popcountll(s->idle[w] & cores[w]);
    return n;
}

/* pto_ready_take_fn: run a released one-core successor on an own idle core
 * of its lane (any own idle core when it is not routed); a routed one that
 * finds none is queued and its lane's schedulers are woken. */
static int take_local(void *arg, pto_task *t)
{
    pto_sim_sched *s = arg;
    pto_sim *sim = s->sim;
    int type = t->core_type, c = -1;
    int one_core = type < PTO_CORE_TYPES && t->nparts == 1 && s->nidle[type];
    if (__builtin_expect(t->target == PTO_TARGET_ANY, 1)) {
        if (one_core)
            c = idle_take(s, type, sim->type_cores[type]);
    } else {
        uint64_t cores[PTO_BELL_WORDS];
        if (one_core) {
            lane_cores(sim, t->target, type, cores);
            c = idle_take(s, type, cores);
        }
        if (c < 0) /* queued in its lane (an SPMD task too): wake the lane */
            s->wake_lanes |= UINT64_C(1) << t->target;
    }
    if (c < 0)
        return 0;
    dispatch_to(s, (uint32_t)c, t, (uint32_t)(t->id & sim->dev->tb.mask), 0);
    return 1;
}

static void idle_push(pto_sim_sched *s, uint32_t c)
{
    s->idle[c >> 6] |= UINT64_C(1) << (c & 63);
    s->nidle[pto_core_type_of(c)]++;
}

/* Takes idle core c (a MIX task claimed it). */
static void idle_remove(pto_sim_sched *s, uint32_t c)
{
    s->idle[c >> 6] &= ~(UINT64_C(1) << (c & 63));
    s->nidle[pto_core_type_of(c)]--;
}

static uint32_t handle_fins(pto_sim_sched *s)
{
    pto_sim *sim = s->sim;
    pto_device *dev = sim->dev;
    uint32_t done = 0;
    for (uint32_t w = 0; w < PTO_BELL_WORDS; w++) {
        uint64_t bits = s->own_fins[w];
        s->own_fins[w] = 0;
        if (atomic_load_explicit(&s->bell[w], memory_order_relaxed))
            bits |= atomic_exchange_explicit(&s->bell[w], 0, memory_order_acquire);
        while (bits) {
            uint32_t c = w * 64 + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            pto_sim_core_sched *cs = &sim->csched[c];
            uint64_t cond = atomic_load_explicit(&sim->hs[c].out.cond, memory_order_acquire);
            if (!cs->busy || cond != (cs->token | PTO_TOKEN_FIN))
                continue; /* stale doorbell */
            pto_task *t = &dev->tb.tasks[cs->slot];
            if (sim->hs[c].out.status)
                pto_run_state_fail(&dev->run_state, (int32_t)sim->hs[c].out.status, t->id);
            uint32_t freed[3];
            int fin;
            uint32_t nfreed = pto_dispatch_finish(sim, c, t, freed, &fin);
            if (fin) {
                pto_tb_complete(&dev->tb, t, take_local, s);
                done++;
            }
            for (uint32_t i = 0; i < nfreed; i++)
                idle_push(s, freed[i]);
        }
    }
    if (done) {
        pto_counter_add(&s->completed, done);
        pto_run_state_add_completed(&dev->run_state, done);
    }
    return done;
}

/* Dependency-only tasks need no core: complete them here. Returns how many. */
static uint32_t run_dummies(pto_sim_sched *s)
{
    uint32_t n = pto_dispatch_dummies(s->sim, take_local, s, NULL);
    if (n)
        pto_counter_add(&s->completed, n);
    return n;
}

/* MIX tasks from queue q, each on the first of this scheduler's blocks
 * whose declared cores are all idle, while one fits; the first that fits
 * none goes back to the queue (for a peer, or this scheduler's next poll). */
static void dispatch_mix(pto_sim_sched *s, pto_ready_queue *q)
{
    pto_sim *sim = s->sim;
    uint32_t slot;
    while (pto_rq_pop(q, &slot) == 0) {
        pto_task *t = &sim->dev->tb.tasks[slot];
        uint32_t i = 0;
        while (i < s->ncores && !pto_dispatch_mix_fits(sim, t, s->core[i] / PTO_CORES_PER_BLOCK))
            i += PTO_CORES_PER_BLOCK; /* s->core[] lists whole blocks, in order */
        if (i == s->ncores) {
            pto_rq_push(q, slot); /* cannot fail: it held the task a moment ago */
            if (sim->nsched > 1)
                pto_sim_wake_one(sim, (int)s->index, PTO_NQUEUES);
            return;
        }
        uint32_t cores[3],
            n = pto_dispatch_mix(sim, s->core[i] / PTO_CORES_PER_BLOCK, t, slot, 0, cores);
        for (uint32_t k = 0; k < n; k++)
            idle_remove(s, cores[k]);
        started(s, t, cores[0]);
        s->rung[cores[0] >> 6] |= UINT64_C(1) << (cores[0] & 63);
        s->notify |= UINT64_C(1) << sim->core_exec[cores[0]];
        s->sent++;
    }
}

/* Dispatches the popped tasks slots[0..m) of queue q to idle cores among
 * `cores` (of `type`): a one-core task takes one, an SPMD task as many
 * parts as there are such idle cores (the rest go back to the queue, for
 * this scheduler's next cores or a peer's); a task that finds no idle core
 * left goes back too. */
static void dispatch_popped(pto_sim_sched *s, pto_ready_queue *q, int type, const uint64_t *cores,
                            const uint32_t *slots, uint32_t m)
{
    pto_sim *sim = s->sim;
    for (uint32_t i = 0; i < m; i++) {
        pto_task *t = &sim->dev->tb.tasks[slots[i]];
        uint32_t left = 1;
        int c;
        if (__builtin_expect(t->nparts == 1, 1)) {
            if (__builtin_expect((c = idle_take(s, type, cores)) >= 0, 1)) {
                dispatch_to(s, (uint32_t)c, t, slots[i], 0);
                continue;
            }
        } else {
            while (t->parts_sent < t->nparts && (c = idle_take(s, type, cores)) >= 0)
                dispatch_to(s, (uint32_t)c, t, slots[i], t->parts_sent++);
            left = t->nparts - t->parts_sent;
        }
        if (left) {
            pto_rq_push(q, slots[i]); /* cannot fail: it held the task a moment ago */
            if (sim->nsched > 1 && q == &sim->dev->tb.ready[type])
                pto_sim_wake_one(sim, (int)s->index, (uint32_t)type);
        }
    }
}

/* Takes the work of queue q for `avail` idle cores among `cores` first
 * and prefetches the task slots: with many cores idle (a round of 72)
 * their cache misses then overlap instead of stalling dispatch and
 * execution one by one. */
static void dispatch_queue(pto_sim_sched *s, pto_ready_queue *q, int type, const uint64_t *cores,
                           uint32_t avail)
{
    if (!avail)
        return;
    uint32_t slots[PTO_MAX_CORES], m = pto_rq_pop_n(q, slots, avail);
    for (uint32_t i = 0; i < m; i++)
        pto_task_prefetch(&s->sim->dev->tb.tasks[slots[i]]);
    dispatch_popped(s, q, type, cores, slots, m);
}

/* Work routed to lanes that s can start now: each of s's lanes' own
 * queues on its idle cores of that lane; with work stealing on, then any
 * lane's queue on any idle core of s, peers from s's first lane on. With
 * `start` it starts that work (and returns whether there was any),
 * without it only says whether there is (pto_sched_lane_work). */
static int lanes_work(pto_sim_sched *s, int start)
{
    pto_sim *sim = s->sim;
    pto_task_buffer *tb = &sim->dev->tb;
    uint64_t lanes = atomic_load_explicit(&s->lanes, memory_order_relaxed);
    int found = 0;
    for (uint64_t m = lanes; m; m &= m - 1) {
        uint32_t l = (uint32_t)__builtin_ctzll(m);
        for (int type = 0; type < PTO_CORE_TYPES; type++) {
            pto_ready_queue *q = pto_tb_queue(tb, l, (uint32_t)type);
            uint64_t cores[PTO_BELL_WORDS];
            if (!s->nidle[type] || !pto_rq_size(q))
                continue;
            lane_cores(sim, l, type, cores);
            uint32_t avail = idle_count(s, cores);
            if (avail && !start)
                return 1;
            found |= avail != 0;
            dispatch_queue(s, q, type, cores, avail);
        }
    }
    if (!atomic_load_explicit(&tb->steal, memory_order_relaxed) || !lanes)
        return found;
    uint32_t n = atomic_load_explicit(&sim->nlanes, memory_order_relaxed),
             first = (uint32_t)__builtin_ctzll(lanes);
    for (uint32_t i = 1; i <= n; i++)
        for (int type = 0; type < PTO_CORE_TYPES; type++) {
            pto_ready_queue *q = pto_tb_queue(tb, (first + i) % n, (uint32_t)type);
            if (!s->nidle[type] || !pto_rq_size(q))
                continue;
            if (!start)
                return 1;
            found = 1;
            dispatch_queue(s, q, type, sim->type_cores[type], s->nidle[type]);
        }
    return found;
}

int pto_sched_lane_work(pto_sim_sched *s) { return lanes_work(s, 0); }

/* idle_pub[t] = nidle[t] for every type (see its invariant in sim.h). */
static void publish_idle(pto_sim_sched *s)
{
    for (int type = 0; type < PTO_CORE_TYPES; type++)
        atomic_store_explicit(&s->idle_pub[type], s->nidle[type], memory_order_relaxed);
}

/* Dispatches ready work to idle cores while a run is active, then
 * publishes the idle counts whether or not it was: the FINs just handled may
 * have ended the run and the host may have cleared `active` already, yet
 * the cores they freed must be published, or the next run's notify skips
 * this parked scheduler (issue #13 defect 2; idle_pub's invariant). */
static void dispatch(pto_sim_sched *s)
{
    pto_sim *sim = s->sim;
    pto_task_buffer *tb = &sim->dev->tb;
    int active = atomic_load_explicit(&sim->dev->run_state.active, memory_order_acquire);
    if (active) {
        /* Tasks routed to this scheduler's lanes first, then the shared
         * queues; a run without routed or MIX tasks has only the latter. */
        if (__builtin_expect(atomic_load_explicit(&tb->special, memory_order_relaxed) != 0, 0)) {
            if (pto_rq_size(&tb->ready[PTO_QUEUE_MIX]))
                dispatch_mix(s, &tb->ready[PTO_QUEUE_MIX]);
            lanes_work(s, 1);
        }
        for (int type = 0; type < PTO_CORE_TYPES; type++) {
            dispatch_queue(s, &tb->ready[type], type, sim->type_cores[type], s->nidle[type]);
            if (!s->nidle[type] && sim->nsched > 1 && pto_rq_size(&tb->ready[type]))
                pto_sim_wake_one(sim, (int)s->index, (uint32_t)type);
        }
    }
    publish_idle(s);
}

/* Ends a poll: account dispatches, ring the executors given tokens. */
static uint32_t flush(pto_sim_sched *s)
{
    pto_sim *sim = s->sim;
    uint32_t sent = s->sent;
    if (!sent)
        return 0;
    if (!s->start_ns)
        s->start_ns = pto_now_ns();
    pto_counter_add(&s->dispatched, sent);
    /* One atomic per executor and bell word for the whole poll. */
    for (uint64_t e = 0, m = s->notify; m; e++, m >>= 1)
        for (uint32_t w = 0; (m & 1) && w < PTO_BELL_WORDS; w++) {
            uint64_t bits = s->rung[w] & sim->exec[e].cores[w];
            if (bits)
                atomic_fetch_or_explicit(&sim->exec[e].bell[w], bits, memory_order_release);
        }
    for (uint32_t w = 0; w < PTO_BELL_WORDS; w++)
        s->rung[w] = 0;
    if (!sim->hosted) { /* hosted executors are polled by this thread */
        for (uint64_t e = 0, m = s->notify; m; e++, m >>= 1)
            if (m & 1)
                pto_event_signal(&sim->exec[e].ev);
    } else if (sent > 1 && sim->nsched > 1) {
        /* This thread will run them one after another: let a parked peer
         * help (costs a wake only when a peer is actually parked). */
        pto_sim_wake_one(sim, (int)s->index, PTO_NQUEUES);
    }
    s->sent = 0;
    s->notify = 0;
    return sent;
}

static _Atomic(pto_sim_fins_hook) test_after_fins;

void pto_sim_set_test_after_fins(pto_sim_fins_hook hook) { atomic_store(&test_after_fins, hook); }

uint32_t pto_sched_poll(pto_sim_sched *s)
{
    uint32_t n = handle_fins(s);
    if (n) {
        pto_sim_fins_hook hook = atomic_load_explicit(&test_after_fins, memory_order_relaxed);
        if (hook)
            hook(s, n);
    }
    if (atomic_load_explicit(&s->sim->dev->run_state.active, memory_order_acquire))
        n += run_dummies(s);
    dispatch(s);
    if (__builtin_expect(s->released, 0)) { /* start edges queued tasks mid-dispatch */
        s->released = 0;
        for (uint32_t q = 0; q < PTO_NQUEUES && s->sim->nsched > 1; q++)
            if (pto_rq_size(&s->sim->dev->tb.ready[q]))
                pto_sim_wake_one(s->sim, (int)s->index, q);
    }
    for (uint64_t m = s->wake_lanes; m; m &= m - 1) /* routed successors left queued */
        pto_sim_wake_lane(s->sim, (uint32_t)__builtin_ctzll(m), (int)s->index);
    s->wake_lanes = 0;
    return n + flush(s);
}
