/* The dispatch mechanism shared by sched.c and des.c (see dispatch.h). */
#include "platform/sim/dispatch.h"

#include "core/clock.h"
#include "core/cycles.h"
#include "core/device.h"

void pto_dispatch_start(pto_sim *sim, uint32_t c, pto_task *t, uint32_t slot, uint32_t part,
                        uint64_t floor)
{
    pto_device *dev = sim->dev;
    pto_sim_core_sched *cs = &sim->csched[c];
    uint64_t ready = atomic_load_explicit(&t->ready_cycle, memory_order_relaxed);
    uint64_t start = cs->clock > ready ? cs->clock : ready;
    if (start < floor)
        start = floor;
    if (part == 0 && t->id < dev->cfg.trace_capacity) /* its trace record: written at FIN */
        __builtin_prefetch(&dev->records[t->id], 1);
    cs->start_cycle = start + dev->cfg.dispatch_cycles;
    cs->slot = slot;
    cs->busy = 1;
    cs->token++;
    atomic_store_explicit(&t->state, PTO_TASK_RUNNING, memory_order_relaxed);
    atomic_store_explicit(&sim->hs[c].in.task_slot, pto_dispatch_payload(slot, part),
                          memory_order_relaxed);
    atomic_store_explicit(&sim->hs[c].in.data, cs->token, memory_order_release);
}

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

/* Core c ran a part of t for `cycles`: its clock, busy and uncosted cycles.
 * Returns the part's end (clamped at PTO_CYCLE_LIMIT, which fails the run). */
static uint64_t account(pto_sim *sim, uint32_t c, pto_task *t, uint64_t cycles)
{
    pto_sim_core_sched *cs = &sim->csched[c];
    int over;
    uint64_t dur = cycles, end = pto_cycle_end(cs->start_cycle, cycles, &over);
    if (__builtin_expect(over, 0)) { /* fails the run; clamped (core/cycles.h) */
        pto_run_state_fail_cycles(&sim->dev->run_state, t->id, t->func_id, cs->start_cycle, cycles);
        dur = end > cs->start_cycle ? end - cs->start_cycle : 0;
    }
    cs->clock = end;
    cs->busy_cycles += dur;
    cs->busy = 0;
    if (!cycles) {
        cs->uncosted++;
        cs->uncosted_func = t->func_id;
    }
    return end;
}

static void record_cycles(pto_device *dev, pto_task *t, uint64_t start)
{
    if (t->id < dev->cfg.trace_capacity) {
        dev->records[t->id].start_cycle = start;
        dev->records[t->id].end_cycle = t->end_cycle;
        dev->records[t->id].parts = t->nparts;
    }
}

uint32_t pto_dispatch_finish(pto_sim *sim, uint32_t c, pto_task *t, uint32_t freed[3], int *done)
{
    uint64_t start = sim->csched[c].start_cycle;
    freed[0] = c;
    if (__builtin_expect(t->nparts == 1, 1)) {
        t->end_cycle = account(sim, c, t, sim->hs[c].out.cycles);
        record_cycles(sim->dev, t, start);
        *done = 1;
        return 1;
    }
    if (t->core_type == PTO_QUEUE_MIX) { /* the lead: every part ends now */
        uint32_t n = mix_cores(t, c / PTO_CORES_PER_BLOCK, freed);
        uint64_t end = 0;
        for (uint32_t i = 0; i < n; i++) {
            uint64_t e = account(sim, freed[i], t, sim->hs[freed[i]].out.cycles);
            end = e > end ? e : end;
        }
        t->end_cycle = end;
        record_cycles(sim->dev, t, start);
        *done = 1;
        return n;
    }
    /* An SPMD part: the last one to finish completes the task. */
    uint64_t end = account(sim, c, t, sim->hs[c].out.cycles);
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
        record_cycles(sim->dev, t, atomic_load_explicit(&t->parts_start, memory_order_relaxed));
    }
    return 1;
}

uint32_t pto_dispatch_dummies(pto_sim *sim, pto_ready_take_fn take, void *arg)
{
    pto_device *dev = sim->dev;
    pto_task_buffer *tb = &dev->tb;
    uint32_t slot, n = 0;
    while (pto_rq_pop(&tb->ready[PTO_QUEUE_DUMMY], &slot) == 0) {
        pto_task *t = &tb->tasks[slot];
        t->end_cycle = atomic_load_explicit(&t->ready_cycle, memory_order_relaxed);
        if (t->id < dev->cfg.trace_capacity) {
            pto_task_record *r = &dev->records[t->id];
            uint64_t now = pto_now_ns() - dev->run_state.t0;
            *r = (pto_task_record){.task_id = t->id,
                                   .func_id = -1,
                                   .core = UINT16_MAX,
                                   .core_type = PTO_QUEUE_DUMMY,
                                   .start_ns = now,
                                   .end_ns = now,
                                   .start_cycle = t->end_cycle,
                                   .end_cycle = t->end_cycle,
                                   .parts = 1};
        }
        atomic_store_explicit(&t->state, PTO_TASK_RUNNING, memory_order_relaxed);
        pto_tb_complete(tb, t, take, arg);
        n++;
    }
    if (n)
        pto_run_state_add_completed(&dev->run_state, n);
    return n;
}
