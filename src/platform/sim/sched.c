/* AICPU scheduler: handles FINs of its cores (releasing successors) and
 * dispatches ready tasks to its idle cores. */
#include "core/clock.h"
#include "core/task_buffer.h"
#include "host/device_internal.h"
#include "platform/sim/sim.h"

static uint32_t handle_fins(pto_sim_sched *s)
{
    pto_sim *sim = s->sim;
    pto_device *dev = sim->dev;
    uint32_t done = 0;
    for (uint32_t w = 0; w < PTO_BELL_WORDS; w++) {
        if (!atomic_load_explicit(&s->bell[w], memory_order_relaxed))
            continue;
        uint64_t bits = atomic_exchange_explicit(&s->bell[w], 0, memory_order_acquire);
        while (bits) {
            uint32_t c = w * 64 + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            pto_sim_core_sched *cs = &sim->csched[c];
            uint64_t cond = atomic_load_explicit(&sim->hs[c].out.cond, memory_order_acquire);
            if (!cs->busy || cond != (cs->token | PTO_TOKEN_FIN))
                continue; /* stale doorbell */
            pto_task *t = &dev->tb.tasks[cs->slot];
            if (sim->hs[c].out.status)
                pto_run_state_fail(&dev->run, (int32_t)sim->hs[c].out.status, t->id);
            cs->busy = 0;
            pto_tb_complete(&dev->tb, t);
            pto_core_type type = pto_core_type_of(c);
            s->idle[type][s->nidle[type]++] = c;
            done++;
        }
    }
    if (done) {
        s->end_ns = pto_now_ns();
        atomic_fetch_add_explicit(&s->completed, done, memory_order_relaxed);
        pto_run_state_add_completed(&dev->run, done);
    }
    return done;
}

/* Wakes one parked peer with an idle core of `type`, so ready work that this
 * scheduler cannot place does not wait for the peer's own events. */
static void wake_peer(pto_sim_sched *s, pto_core_type type)
{
    pto_sim *sim = s->sim;
    for (uint32_t i = 1; i < sim->nsched; i++) {
        pto_sim_sched *p = &sim->sched[(s->index + i) % sim->nsched];
        if (atomic_load_explicit(&p->ev.waiters, memory_order_relaxed) &&
            atomic_load_explicit(&p->idle_pub[type], memory_order_relaxed)) {
            pto_event_signal(&p->ev);
            return;
        }
    }
}

static uint32_t dispatch(pto_sim_sched *s)
{
    pto_sim *sim = s->sim;
    pto_device *dev = sim->dev;
    if (!atomic_load_explicit(&dev->run.active, memory_order_acquire))
        return 0;
    uint32_t sent = 0;
    uint64_t notify = 0;
    for (int type = 0; type < PTO_CORE_TYPES; type++) {
        pto_ready_queue *q = &dev->tb.ready[type];
        uint32_t slot;
        while (s->nidle[type] && pto_rq_pop(q, &slot) == 0) {
            uint32_t c = s->idle[type][--s->nidle[type]];
            pto_sim_core_sched *cs = &sim->csched[c];
            cs->slot = slot;
            cs->busy = 1;
            cs->token++;
            atomic_store_explicit(&dev->tb.tasks[slot].state, PTO_TASK_RUNNING,
                                  memory_order_relaxed);
            atomic_store_explicit(&sim->hs[c].in.task_slot, slot, memory_order_relaxed);
            atomic_store_explicit(&sim->hs[c].in.data, cs->token, memory_order_release);
            uint32_t e = c % sim->nexec;
            pto_bell_ring(sim->exec[e].bell, c);
            notify |= UINT64_C(1) << e;
            sent++;
        }
        atomic_store_explicit(&s->idle_pub[type], s->nidle[type], memory_order_relaxed);
        if (!s->nidle[type] && sim->nsched > 1 && pto_rq_size(q))
            wake_peer(s, (pto_core_type)type);
    }
    if (sent) {
        if (!s->start_ns)
            s->start_ns = pto_now_ns();
        atomic_fetch_add_explicit(&s->dispatched, sent, memory_order_relaxed);
        for (uint32_t e = 0; notify; e++, notify >>= 1)
            if (notify & 1)
                pto_event_signal(&sim->exec[e].ev);
    }
    return sent;
}

uint32_t pto_sched_poll(pto_sim_sched *s)
{
    uint32_t n = handle_fins(s);
    return n + dispatch(s);
}
