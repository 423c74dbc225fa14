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
static void dispatch_to(pto_sim_sched *s, uint32_t c, pto_task *t, uint32_t slot, uint32_t part)
{
    pto_sim *sim = s->sim;
    pto_dispatch_start(sim, c, t, slot, part, 0);
    s->rung[c >> 6] |= UINT64_C(1) << (c & 63);
    s->notify |= UINT64_C(1) << sim->core_exec[c];
    s->sent++;
}

/* pto_ready_take_fn: run a released one-core successor on an own idle core
 * (unless it is routed to another lane, whose scheduler is then woken). */
static int take_local(void *arg, pto_task *t)
{
    pto_sim_sched *s = arg;
    if (__builtin_expect(t->target != PTO_TARGET_ANY, 0) && t->target != s->index) {
        s->wake_targets |= UINT64_C(1) << t->target;
        return 0;
    }
    if (t->core_type >= PTO_CORE_TYPES || t->nparts != 1 || !s->nidle[t->core_type])
        return 0;
    uint32_t c = s->idle[t->core_type][--s->nidle[t->core_type]];
    dispatch_to(s, c, t, (uint32_t)(t->id & s->sim->dev->tb.mask), 0);
    return 1;
}

static void idle_push(pto_sim_sched *s, uint32_t c)
{
    pto_core_type type = pto_core_type_of(c);
    s->idle[type][s->nidle[type]++] = c;
}

/* Takes idle core c off its stack (a MIX task claimed it), keeping order. */
static void idle_remove(pto_sim_sched *s, uint32_t c)
{
    pto_core_type type = pto_core_type_of(c);
    uint32_t *st = s->idle[type], n = s->nidle[type], i = 0;
    while (i < n && st[i] != c)
        i++;
    for (; i + 1 < n; i++)
        st[i] = st[i + 1];
    s->nidle[type] = n - 1;
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
    uint32_t n = pto_dispatch_dummies(s->sim, take_local, s);
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
            if (sim->nsched > 1 && q == &sim->dev->tb.ready[PTO_QUEUE_MIX])
                pto_sim_wake_one(sim, (int)s->index, PTO_NQUEUES);
            return;
        }
        uint32_t cores[3],
            n = pto_dispatch_mix(sim, s->core[i] / PTO_CORES_PER_BLOCK, t, slot, 0, cores);
        for (uint32_t k = 0; k < n; k++)
            idle_remove(s, cores[k]);
        s->rung[cores[0] >> 6] |= UINT64_C(1) << (cores[0] & 63);
        s->notify |= UINT64_C(1) << sim->core_exec[cores[0]];
        s->sent++;
    }
}

/* Dispatches the popped tasks slots[0..m) of queue q to idle cores of
 * `type`: a one-core task takes one, an SPMD task as many parts as there are
 * idle cores (the rest go back to the queue, for this scheduler's next
 * cores or a peer's); a task that finds no idle core left goes back too. */
static void dispatch_popped(pto_sim_sched *s, pto_ready_queue *q, int type, const uint32_t *slots,
                            uint32_t m)
{
    pto_sim *sim = s->sim;
    for (uint32_t i = 0; i < m; i++) {
        pto_task *t = &sim->dev->tb.tasks[slots[i]];
        uint32_t left = 1;
        if (__builtin_expect(t->nparts == 1, 1)) {
            if (__builtin_expect(s->nidle[type] != 0, 1)) {
                dispatch_to(s, s->idle[type][--s->nidle[type]], t, slots[i], 0);
                continue;
            }
        } else {
            while (t->parts_sent < t->nparts && s->nidle[type])
                dispatch_to(s, s->idle[type][--s->nidle[type]], t, slots[i], t->parts_sent++);
            left = t->nparts - t->parts_sent;
        }
        if (left) {
            pto_rq_push(q, slots[i]); /* cannot fail: it held the task a moment ago */
            if (sim->nsched > 1 && q == &sim->dev->tb.ready[type])
                pto_sim_wake_one(sim, (int)s->index, (uint32_t)type);
        }
    }
}

/* Takes the work of queue q for every idle core of `type` first and
 * prefetches the task slots: with many cores idle (a round of 72) their
 * cache misses then overlap instead of stalling dispatch and execution one
 * by one. */
static void dispatch_queue(pto_sim_sched *s, pto_ready_queue *q, int type)
{
    if (!s->nidle[type])
        return;
    uint32_t slots[PTO_MAX_CORES], m = pto_rq_pop_n(q, slots, s->nidle[type]);
    for (uint32_t i = 0; i < m; i++)
        pto_task_prefetch(&s->sim->dev->tb.tasks[slots[i]]);
    dispatch_popped(s, q, type, slots, m);
}

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
        /* This lane's own queues first (tasks routed to it), then the shared
         * ones; a run without routed or MIX tasks has only the latter. */
        pto_ready_queue *own = pto_tb_queue(tb, s->index, 0);
        int special = atomic_load_explicit(&tb->special, memory_order_relaxed) != 0;
        if (__builtin_expect(special, 0)) {
            if (pto_rq_size(&own[PTO_QUEUE_MIX]))
                dispatch_mix(s, &own[PTO_QUEUE_MIX]);
            if (pto_rq_size(&tb->ready[PTO_QUEUE_MIX]))
                dispatch_mix(s, &tb->ready[PTO_QUEUE_MIX]);
        }
        for (int type = 0; type < PTO_CORE_TYPES; type++) {
            if (__builtin_expect(special, 0) && s->nidle[type] && pto_rq_size(&own[type]))
                dispatch_queue(s, &own[type], type);
            dispatch_queue(s, &tb->ready[type], type);
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
    for (uint64_t m = s->wake_targets; m; m &= m - 1) /* successors routed to peers */
        pto_event_signal(&s->sim->sched[__builtin_ctzll(m)].ev);
    s->wake_targets = 0;
    return n + flush(s);
}
