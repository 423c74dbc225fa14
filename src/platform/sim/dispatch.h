/* The dispatch mechanism of a2a3sim, one for both of its drivers (the
 * threaded schedulers in sched.c and the deterministic simulation in
 * des.c): they decide which ready task goes to which of their idle cores
 * and when; everything that follows is here, once:
 *
 *   start   start = max(core clock, the task's ready cycle, floor)
 *           + dispatch_cycles, where the ready cycle is max(publish cycle,
 *           producers' ends) and floor is the simulation clock
 *           (deterministic) or 0 (threaded); the handshake write (slot and
 *           part, then the token); the task becomes RUNNING. A task with
 *           start edges (PTO_WATCH_START) then releases their consumers
 *           (pto_tb_started): each driver does, with its own take.
 *   finish  at a FIN: core clocks, busy and uncosted cycles, the record,
 *           the task's end once all of its parts have finished, the cores
 *           freed.
 *   dummies dependency-only tasks complete when they become ready.
 *
 * Task shapes (pto/run.h): a one-core task is one part. An SPMD task's parts
 * are started one core at a time, each with the start rule on its core; the
 * last part's FIN completes the task. A MIX task starts on a whole cluster
 * at once: every declared core is claimed, all parts start at
 * S = max(their clocks, ready, floor) + dispatch_cycles, and one token on
 * the lowest declared core (the lead) runs every part (exec.c); the lead's
 * FIN frees them all.
 *
 * Invariants: a core's pto_sim_core_sched entry is written only by the
 * scheduler owning it (the caller); a MIX task's cores all belong to one
 * block, so to one scheduler. */
#ifndef PTO_SIM_DISPATCH_H
#define PTO_SIM_DISPATCH_H

#include "core/cycles.h"
#include "core/device.h"
#include "core/task_buffer.h"
#include "platform/sim/sim.h"

/* Handshake payload: ring slot in the low word, part index in the high. */
static inline uint64_t pto_dispatch_payload(uint32_t slot, uint32_t part)
{
    return (uint64_t)slot | (uint64_t)part << 32;
}

/* Starts part `part` of task t (ring slot `slot`) on idle core c. The
 * caller rings c's executor (threaded) or runs the token (deterministic).
 * (Inline, as the per-task parts of the mechanism below: both drivers run
 * them for every task.) */
static inline void pto_dispatch_start(pto_sim *sim, uint32_t c, pto_task *t, uint32_t slot,
                                      uint32_t part, uint64_t floor)
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

/* MIX: whether every core of block b that t declares is idle. */
int pto_dispatch_mix_fits(pto_sim *sim, const pto_task *t, uint32_t block);
/* MIX: claims t's declared cores of block b (pto_dispatch_mix_fits) and
 * starts it; fills cores[] with them, lowest first, and returns how many;
 * cores[0] is the lead, which got the token. */
uint32_t pto_dispatch_mix(pto_sim *sim, uint32_t block, pto_task *t, uint32_t slot, uint64_t floor,
                          uint32_t cores[3]);

/* End cycle of the token that core c just finished (a MIX lead: the end of
 * its longest part), for the deterministic event queue. */
uint64_t pto_dispatch_end(pto_sim *sim, uint32_t c);

/* Core c ran a part of t for `cycles`: its clock, busy and uncosted cycles.
 * Returns the part's end (clamped at PTO_CYCLE_LIMIT, which fails the run). */
static inline uint64_t pto_dispatch_account(pto_sim *sim, uint32_t c, pto_task *t, uint64_t cycles)
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

static inline void pto_dispatch_record(pto_device *dev, pto_task *t, uint64_t start)
{
    if (t->id < dev->cfg.trace_capacity) {
        dev->records[t->id].start_cycle = start;
        dev->records[t->id].end_cycle = t->end_cycle;
        dev->records[t->id].parts = t->nparts;
    }
}

uint32_t pto_dispatch_finish_parts(pto_sim *sim, uint32_t c, pto_task *t, uint32_t freed[3],
                                   int *done);

/* FIN of core c running (a part of) t: accounts what it ran, puts the cores
 * it frees in freed[] (returns their count), and sets *done when t has
 * finished every part (its end_cycle and record are then set; the caller
 * completes it with pto_tb_complete). */
static inline uint32_t pto_dispatch_finish(pto_sim *sim, uint32_t c, pto_task *t, uint32_t freed[3],
                                           int *done)
{
    if (__builtin_expect(t->nparts != 1, 0))
        return pto_dispatch_finish_parts(sim, c, t, freed, done);
    uint64_t start = sim->csched[c].start_cycle;
    t->end_cycle = pto_dispatch_account(sim, c, t, sim->hs[c].out.cycles);
    pto_dispatch_record(sim->dev, t, start);
    freed[0] = c;
    *done = 1;
    return 1;
}

/* Completes every task in the dependency-only queue (take: as for
 * pto_tb_complete). A dependency-only task ends `delay` cycles after its
 * ready cycle (pto_task.delay). defer (NULL: none): the deterministic
 * simulation's timer; when it returns 1 for a task ending after the
 * simulation clock, the task is completed later by pto_dispatch_dummy.
 * Returns how many completed. */
uint32_t pto_dispatch_dummies(pto_sim *sim, pto_ready_take_fn take, void *arg,
                              int (*defer)(pto_sim *sim, pto_task *t, uint32_t slot));
/* Completes one dependency-only task (its end_cycle set). */
void pto_dispatch_dummy(pto_sim *sim, pto_task *t, pto_ready_take_fn take, void *arg);

#endif
