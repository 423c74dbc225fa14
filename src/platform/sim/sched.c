/* AICPU scheduler: handles FINs of its cores (releasing successors) and
 * dispatches ready tasks to its idle cores. A successor released by a FIN
 * goes straight to an idle core of this scheduler when there is one (no trip
 * through the shared ready queue), so a dependency chain stays on one host
 * thread and idle peers see no work and can park. */
#include "core/clock.h"
#include "core/task_buffer.h"
#include "core/device.h"
#include "platform/sim/sim.h"

/* Writes slot into core c's data register and rings its executor. */
static void dispatch_to(pto_sim_sched *s, uint32_t c, uint32_t slot)
{
    pto_sim *sim = s->sim;
    pto_sim_core_sched *cs = &sim->csched[c];
    pto_task *t = &sim->dev->tb.tasks[slot];
    uint64_t ready = atomic_load_explicit(&t->ready_cycle, memory_order_relaxed);
    if (t->id < sim->dev->cfg.trace_capacity) /* its trace record: written at FIN */
        __builtin_prefetch(&sim->dev->records[t->id], 1);
    cs->start_cycle = (cs->clock > ready ? cs->clock : ready) + sim->dev->cfg.dispatch_cycles;
    cs->slot = slot;
    cs->busy = 1;
    cs->token++;
    atomic_store_explicit(&t->state, PTO_TASK_RUNNING, memory_order_relaxed);
    atomic_store_explicit(&sim->hs[c].in.task_slot, slot, memory_order_relaxed);
    atomic_store_explicit(&sim->hs[c].in.data, cs->token, memory_order_release);
    s->rung[c >> 6] |= UINT64_C(1) << (c & 63); /* rung by flush() */
    s->notify |= UINT64_C(1) << sim->core_exec[c];
    s->sent++;
}

/* pto_ready_take_fn: run a released successor on an own idle core. */
static int take_local(void *arg, pto_task *t)
{
    pto_sim_sched *s = arg;
    if (t->core_type >= PTO_CORE_TYPES || !s->nidle[t->core_type])
        return 0;
    uint32_t c = s->idle[t->core_type][--s->nidle[t->core_type]];
    dispatch_to(s, c, (uint32_t)(t->id & s->sim->dev->tb.mask));
    return 1;
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
            pto_sim_finish_cycles(sim, c, t, sim->hs[c].out.cycles);
            cs->busy = 0;
            pto_tb_complete(&dev->tb, t, take_local, s);
            pto_core_type type = pto_core_type_of(c);
            s->idle[type][s->nidle[type]++] = c;
            done++;
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
    pto_task_buffer *tb = &s->sim->dev->tb;
    uint32_t slot, n = 0;
    while (pto_rq_pop(&tb->ready[PTO_QUEUE_DUMMY], &slot) == 0) {
        pto_task *t = &tb->tasks[slot];
        pto_sim_finish_dummy(s->sim, t);
        atomic_store_explicit(&t->state, PTO_TASK_RUNNING, memory_order_relaxed);
        pto_tb_complete(tb, &tb->tasks[slot], take_local, s);
        n++;
    }
    if (n) {
        pto_counter_add(&s->completed, n);
        pto_run_state_add_completed(&s->sim->dev->run_state, n);
    }
    return n;
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
    pto_device *dev = sim->dev;
    int active = atomic_load_explicit(&dev->run_state.active, memory_order_acquire);
    for (int type = 0; active && type < PTO_CORE_TYPES; type++) {
        pto_ready_queue *q = &dev->tb.ready[type];
        /* Take the work for every idle core first and prefetch the task
         * slots: with many cores idle (a round of 72) their cache misses
         * then overlap instead of stalling dispatch and execution one by
         * one. */
        uint32_t slots[PTO_MAX_CORES], m = pto_rq_pop_n(q, slots, s->nidle[type]);
        for (uint32_t i = 0; i < m; i++)
            pto_task_prefetch(&dev->tb.tasks[slots[i]]);
        for (uint32_t i = 0; i < m; i++)
            dispatch_to(s, s->idle[type][--s->nidle[type]], slots[i]);
        if (!s->nidle[type] && sim->nsched > 1 && pto_rq_size(q))
            pto_sim_wake_one(sim, (int)s->index, (uint32_t)type);
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
    return n + flush(s);
}
