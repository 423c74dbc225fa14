/* The dispatch mechanism shared by sched.c and des.c (see dispatch.h). */
#include "platform/sim/dispatch.h"

#include "core/clock.h"
#include "core/cycles.h"
#include "core/device.h"

/* t's declared cores of block b, lowest first. */
static uint32_t mix_cores(const pto_task *t, uint32_t block, uint32_t cores[3])
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < PTO_CORES_PER_BLOCK; i++)
        if (t->mix >> i & 1)
            cores[n++] = block * PTO_CORES_PER_BLOCK + i;
    return n;
}

int pto_dispatch_mix_fits(pto_sim *sim, const pto_task *t, uint32_t block)
{
    uint32_t cores[3], n = mix_cores(t, block, cores);
    for (uint32_t i = 0; i < n; i++)
        if (sim->csched[cores[i]].busy)
            return 0;
    return n != 0;
}

uint32_t pto_dispatch_mix(pto_sim *sim, uint32_t block, pto_task *t, uint32_t slot, uint64_t floor,
                          uint32_t cores[3])
{
    uint32_t n = mix_cores(t, block, cores);
    uint64_t start = floor;
    for (uint32_t i = 0; i < n; i++)
        if (sim->csched[cores[i]].clock > start)
            start = sim->csched[cores[i]].clock;
    /* The lead's start rule then covers every part: its clock is raised to
     * the latest of the cluster's, and the others start with it. */
    sim->csched[cores[0]].clock = start;
    pto_dispatch_start(sim, cores[0], t, slot, 0, floor);
    for (uint32_t i = 1; i < n; i++) {
        pto_sim_core_sched *cs = &sim->csched[cores[i]];
        cs->start_cycle = sim->csched[cores[0]].start_cycle;
        cs->slot = slot;
        cs->busy = 1;
        cs->token++; /* no token is written: an old FIN of it reads as stale */
    }
    return n;
}

uint64_t pto_dispatch_end(pto_sim *sim, uint32_t c)
{
    pto_sim_core_sched *cs = &sim->csched[c];
    pto_task *t = &sim->dev->tb.tasks[cs->slot];
    uint64_t cycles = sim->hs[c].out.cycles;
    if (t->core_type == PTO_QUEUE_MIX) {
        uint32_t cores[3], n = mix_cores(t, c / PTO_CORES_PER_BLOCK, cores);
        for (uint32_t i = 1; i < n; i++)
            if (sim->hs[cores[i]].out.cycles > cycles)
                cycles = sim->hs[cores[i]].out.cycles;
    }
    int over;
    return pto_cycle_end(cs->start_cycle, cycles, &over);
}

uint32_t pto_dispatch_finish_parts(pto_sim *sim, uint32_t c, pto_task *t, uint32_t freed[3],
                                   int *done)
{
    uint64_t start = sim->csched[c].start_cycle;
    freed[0] = c;
    if (t->core_type == PTO_QUEUE_MIX) { /* the lead: every part ends now */
        uint32_t n = mix_cores(t, c / PTO_CORES_PER_BLOCK, freed);
        uint64_t end = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t e = pto_dispatch_account(sim, freed[i], t, sim->hs[freed[i]].out.cycles);
            end = e > end ? e : end;
        }
        t->end_cycle = end;
        pto_dispatch_record(sim->dev, t, start);
        *done = 1;
        return n;
    }
    /* An SPMD part: the last one to finish completes the task. */
    uint64_t end = pto_dispatch_account(sim, c, t, sim->hs[c].out.cycles);
    pto_cycle_max(&t->parts_end, end);
    uint64_t first = atomic_load_explicit(&t->parts_start, memory_order_relaxed);
    while (start < first &&
           !atomic_compare_exchange_weak_explicit(&t->parts_start, &first, start,
                                                  memory_order_relaxed, memory_order_relaxed))
        ;
    /* acq_rel: the last part sees every other part's end and start. */
    *done = atomic_fetch_sub_explicit(&t->parts_left, 1, memory_order_acq_rel) == 1;
    if (*done) {
        t->end_cycle = atomic_load_explicit(&t->parts_end, memory_order_relaxed);
        pto_dispatch_record(sim->dev, t,
                            atomic_load_explicit(&t->parts_start, memory_order_relaxed));
    }
    return 1;
}

void pto_dispatch_dummy(pto_sim *sim, pto_task *t, pto_ready_take_fn take, void *arg)
{
    pto_device *dev = sim->dev;
    if (t->id < dev->cfg.trace_capacity) {
        pto_task_record *r = &dev->records[t->id];
        uint64_t now = pto_now_ns() - dev->run_state.t0;
        int skipped = (t->evals & PTO_EVAL_SKIPPED) != 0; /* its predicate was false */
        *r = (pto_task_record){.task_id = t->id,
                               .func_id = skipped ? t->func_id : -1,
                               .core = UINT16_MAX,
                               .core_type = skipped ? PTO_RECORD_SKIPPED : PTO_QUEUE_DUMMY,
                               .start_ns = now,
                               .end_ns = now,
                               .start_cycle = t->end_cycle - t->delay,
                               .end_cycle = t->end_cycle,
                               .parts = 1};
    }
    atomic_store_explicit(&t->state, PTO_TASK_RUNNING, memory_order_relaxed);
    if (t->watch & PTO_WATCH_START) /* (a CSP receive's stand-in) it starts as it ends */
        pto_tb_started(&dev->tb, t, t->end_cycle - t->delay, take, arg);
    pto_tb_complete(&dev->tb, t, take, arg);
}

uint32_t pto_dispatch_dummies(pto_sim *sim, pto_ready_take_fn take, void *arg,
                              int (*defer)(pto_sim *sim, pto_task *t, uint32_t slot))
{
    pto_device *dev = sim->dev;
    pto_task_buffer *tb = &dev->tb;
    uint32_t slot, n = 0;
    while (pto_rq_pop(&tb->ready[PTO_QUEUE_DUMMY], &slot) == 0) {
        pto_task *t = &tb->tasks[slot];
        int over;
        t->end_cycle =
            pto_cycle_end(atomic_load_explicit(&t->ready_cycle, memory_order_relaxed), t->delay,
                          &over);
        if (defer && t->delay && defer(sim, t, slot))
            continue;
        pto_dispatch_dummy(sim, t, take, arg);
        n++;
    }
    if (n)
        pto_run_state_add_completed(&dev->run_state, n);
    return n;
}
