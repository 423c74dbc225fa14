/* AICore executor: runs the kernel named by a core's data register and
 * reports ACK and FIN through the handshake region. In bounds-checking mode
 * it checks the red zones of the task's buffers right after the kernel
 * returns, before the FIN (a damaged one fails the task with
 * PTO_ERR_KERNEL; core/bounds.h). */
#include "core/clock.h"
#include "core/cycles.h"
#include "core/kernel_ctx.h"
#include "core/task_buffer.h"
#include "core/device.h"
#include "platform/sim/crash.h"
#include "platform/sim/sim.h"

/* Runs kernel k of task t as core c (the part's block and sub-block set for
 * pto_block_idx & co); returns the cycles it reported, or 0 when it did not
 * run (no kernel, or a dead device: its tasks drain unrun). */
static inline __attribute__((always_inline)) uint64_t
run_part(pto_sim *sim, const pto_kernel_entry *k, pto_task *t, uint32_t c, uint32_t idx,
         uint32_t num, uint32_t sub, uint32_t subnum)
{
    if (!k || atomic_load_explicit(&sim->dead, memory_order_relaxed))
        return 0;
    pto_kernel_ctx_set(idx, num, sub, subnum);
    pto_cycles_reset();
    pto_crash_enter(t, c);
    k->fn(t->args);
    uint64_t cycles = pto_cycles_read();
    if (k->cost)
        cycles = pto_cycles_sat_add(cycles, k->cost(t->args));
    pto_crash_leave();
    return cycles;
}

/* A MIX task's parts, on the lead core c's thread: AIC first, then the AIV
 * parts in core order, so they see what the AIC part wrote. Each part's
 * cycles go to its own core's register and its time to its core's
 * counters (those cores are claimed by the task: nothing else writes
 * them). Returns 0, or PTO_ERR_KERNEL when a part has no kernel. */
static uint32_t run_mix(pto_sim *sim, pto_task *t, uint32_t c)
{
    pto_device *dev = sim->dev;
    uint32_t block = c / PTO_CORES_PER_BLOCK, naiv = (t->mix >> 1 & 1) + (t->mix >> 2 & 1);
    uint32_t status = 0, sub = 0;
    for (uint32_t i = 0; i < PTO_CORES_PER_BLOCK; i++) {
        if (!(t->mix >> i & 1))
            continue;
        uint32_t core = block * PTO_CORES_PER_BLOCK + i;
        int aic = pto_core_type_of(core) == PTO_CORE_AIC;
        const pto_kernel_entry *k =
            pto_kernel_lookup(&dev->kernels, aic ? t->func_id : t->aiv_func_id);
        if (!k)
            status = (uint32_t)PTO_ERR_KERNEL;
        uint64_t start = pto_now_ns();
        sim->hs[core].out.cycles = run_part(sim, k, t, core, 0, 1, aic ? 0 : sub, aic ? 1 : naiv);
        pto_sim_core_exec *ce = &sim->cexec[core];
        ce->last_end_ns = pto_now_ns();
        ce->busy_ns += ce->last_end_ns - start;
        ce->tasks++;
        if (!aic)
            sub++;
    }
    return status;
}

void pto_exec_run_token(pto_sim *sim, uint32_t c, uint64_t token, _Atomic uint64_t *since)
{
    pto_device *dev = sim->dev;
    pto_core_handshake *hs = &sim->hs[c];
    pto_sim_core_exec *ce = &sim->cexec[c];

    atomic_store_explicit(&hs->out.cond, token, memory_order_release); /* ACK */
    uint64_t payload = atomic_load_explicit(&hs->in.task_slot, memory_order_relaxed);
    uint32_t part = (uint32_t)(payload >> 32);
    pto_task *t = &dev->tb.tasks[(uint32_t)payload];
    uint64_t start = pto_now_ns();
    /* release: a watchdog that reads `since` may read the task too */
    if (since)
        atomic_store_explicit(since, start, memory_order_release);
    uint32_t status = 0;
    int mix = t->core_type == PTO_QUEUE_MIX;
    if (__builtin_expect(mix, 0)) {
        status = run_mix(sim, t, c);
    } else {
        const pto_kernel_entry *k = pto_kernel_lookup(&dev->kernels, t->func_id);
        hs->out.cycles = run_part(sim, k, t, c, part, t->nparts, 0, 1);
        status = k ? 0 : (uint32_t)PTO_ERR_KERNEL;
    }
    uint64_t end = pto_now_ns();
    if (since)
        atomic_store_explicit(since, 0, memory_order_relaxed);
    if (__builtin_expect(dev->bounds_run, 0) && !status && pto_bounds_check_task(dev, t))
        status = (uint32_t)PTO_ERR_KERNEL;
    hs->out.status = status;
    if (__builtin_expect(!mix, 1)) { /* run_mix counted its parts */
        ce->tasks++;
        ce->busy_ns += end - start;
        ce->last_end_ns = end;
    }
    if (part == 0 && t->id < dev->cfg.trace_capacity) { /* SPMD: block 0 names the task */
        pto_task_record *r = &dev->records[t->id];
        r->task_id = t->id;
        r->func_id = t->func_id;
        r->core = (uint16_t)c;
        r->core_type = t->core_type;
        r->sched = sim->core_sched[c];
        uint64_t t0 = dev->run_state.t0; /* another CPU's clock: never below it */
        r->start_ns = start > t0 ? start - t0 : 0;
        r->end_ns = end > t0 ? end - t0 : 0;
    }
    atomic_store_explicit(&hs->out.cond, token | PTO_TOKEN_FIN, memory_order_release);
}

/* Runs the token of core c (its bell bit taken by this thread); returns 1
 * if there was a new token. Adds to *notify the schedulers to tell. */
static uint32_t take_core(pto_sim_exec *e, int caller, uint32_t c, uint32_t *notify)
{
    pto_sim *sim = e->sim;
    uint64_t token = atomic_load_explicit(&sim->hs[c].in.data, memory_order_acquire);
    pto_sim_core_exec *ce = &sim->cexec[c];
    if (token == ce->last_token)
        return 0;
    ce->last_token = token;
    if (token == PTO_TOKEN_EXIT) {
        atomic_fetch_add_explicit(&e->exited, 1, memory_order_relaxed);
        return 1;
    }
    int owner = e->hosted && caller == (int)e->index;
    pto_exec_run_token(sim, c, token, owner ? &e->kernel_since : NULL);
    uint32_t s = sim->core_sched[c];
    if (e->hosted && caller == (int)s) /* its own scheduler thread */
        sim->sched[s].own_fins[c >> 6] |= UINT64_C(1) << (c & 63);
    else {
        pto_bell_ring(sim->sched[s].bell, c);
        *notify |= 1u << s;
    }
    return 1;
}

uint32_t pto_exec_poll(pto_sim_exec *e, int caller)
{
    pto_sim *sim = e->sim;
    uint32_t n = 0, notify = 0;
    /* A hosted executor of the only scheduler thread has no peer to share
     * with: it takes a whole bell word at once. */
    int alone = e->hosted && sim->nsched == 1;
    for (uint32_t w = 0; w < PTO_BELL_WORDS; w++) {
        uint64_t bits;
        while ((bits = atomic_load_explicit(&e->bell[w], memory_order_relaxed))) {
            if (alone) {
                bits = atomic_exchange_explicit(&e->bell[w], 0, memory_order_acquire);
                for (; bits; bits &= bits - 1)
                    n += take_core(e, caller, w * 64 + (uint32_t)__builtin_ctzll(bits), &notify);
                continue;
            }
            /* Take one core at a time, so that while this thread runs a long
             * kernel an idle peer can take the others (see help_peers). */
            uint32_t bit = (uint32_t)__builtin_ctzll(bits);
            uint64_t mask = UINT64_C(1) << bit;
            /* gcc compiles this shape (test the mask, not a shifted bit) to
             * one `lock btr` instead of a CAS loop. */
            if (!(atomic_fetch_and_explicit(&e->bell[w], ~mask, memory_order_acquire) & mask))
                continue; /* another thread took it */
            n += take_core(e, caller, w * 64 + bit, &notify);
        }
    }
    /* A scheduler hosting this executor polls its own bell in the same loop;
     * any other scheduler must be told. */
    for (uint32_t s = 0; notify; s++, notify >>= 1)
        if ((notify & 1) && (!e->hosted || (int)s != caller))
            pto_event_signal(&sim->sched[s].ev);
    return n;
}
