/* a2a3sim lifecycle: thread creation, boot handshake, idle/park loops,
 * shutdown by exit token, per-run statistics. */
#include "platform/sim/sim.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/bits.h"
#include "core/clock.h"
#include "core/cycles.h"
#include "core/device.h"
#include "util/env.h"
#include "util/error.h"
#include "platform/sim/crash.h"

#define PTO_BOOT_TIMEOUT_NS (UINT64_C(10) * 1000000000u)

/* Spins (yielding) until poll() finds work or spin_ns passes, then parks
 * until has_work() may be true. Returns when work is likely. */
typedef uint32_t (*poll_fn)(void *);
typedef int (*has_work_fn)(void *);

static void idle_wait(pto_sim *sim, pto_event *ev, _Atomic uint64_t *parks, has_work_fn has_work,
                      has_work_fn keep_awake, void *arg)
{
    uint64_t t_end = 0;
    for (uint32_t i = 1;; i++) {
        if (has_work(arg) || atomic_load_explicit(&sim->exiting, memory_order_acquire))
            return;
        if (i % 16) {
            pto_cpu_relax();
            continue;
        }
        sched_yield(); /* a preempted thread holding our work gets the CPU */
        if (i % 64 == 0) {
            uint64_t now = pto_now_ns();
            if (!t_end)
                t_end = now + sim->spin_ns;
            else if (now >= t_end) {
                if (keep_awake && keep_awake(arg))
                    return; /* stay up: work may appear without a signal */
                break;
            }
        }
    }
    uint32_t seen = pto_event_prepare(ev);
    if (has_work(arg) || atomic_load(&sim->exiting)) {
        pto_event_cancel(ev);
        return;
    }
    pto_counter_add(parks, 1);
    pto_event_wait(ev, seen, 0);
}

/* Hosted mode: an idle scheduler thread runs tokens waiting on a busy
 * peer's cores (a host thread runs one kernel at a time, so a peer stuck in
 * a long kernel would otherwise serialise its other cores' work). The bell
 * exchange hands each token to exactly one thread. */
/* A hosted executor needs help when its thread has been inside one kernel
 * for a while (PTO_HELP_AFTER_NS) with tokens waiting. Empty and near-empty
 * kernels are left to their owner: moving a token to another thread costs
 * more than they do. Anything longer is worth sharing: successors stay on
 * the scheduler that released them, so a wide step of real kernels lands on
 * one thread's cores (at 20 us, 14-us kernels of a width-16 stencil on 24
 * blocks / 3 schedulers ran on one CPU's worth of threads). */
#define PTO_HELP_AFTER_NS 500u

static int needs_help(pto_sim_exec *e)
{
    if (!pto_bell_pending(e->bell))
        return 0;
    uint64_t since = atomic_load_explicit(&e->kernel_since, memory_order_relaxed);
    return since && pto_now_ns() - since > PTO_HELP_AFTER_NS;
}

/* keep_awake of a hosted scheduler: a peer inside a kernel with tokens
 * queued may need help soon, and nobody would wake a parked helper. */
static int peer_busy(void *arg)
{
    pto_sim_sched *s = arg;
    pto_sim *sim = s->sim;
    for (uint32_t i = 1; i < sim->nsched; i++) {
        pto_sim_exec *e = &sim->exec[(s->index + i) % sim->nsched];
        if (pto_bell_pending(e->bell) &&
            atomic_load_explicit(&e->kernel_since, memory_order_relaxed))
            return 1;
    }
    return 0;
}

static uint32_t help_peers(pto_sim_sched *s)
{
    pto_sim *sim = s->sim;
    uint32_t n = 0;
    for (uint32_t i = 1; i < sim->nsched && !n; i++) {
        pto_sim_exec *e = &sim->exec[(s->index + i) % sim->nsched];
        if (needs_help(e))
            n = pto_exec_poll(e, (int)s->index);
    }
    return n;
}

static int sched_has_work(void *arg)
{
    pto_sim_sched *s = arg;
    pto_sim *sim = s->sim;
    pto_device *dev = sim->dev;
    if (pto_bell_pending(s->bell))
        return 1;
    for (int w = 0; w < PTO_BELL_WORDS; w++)
        if (s->own_fins[w])
            return 1;
    if (sim->hosted) {
        if (pto_bell_pending(sim->exec[s->index].bell))
            return 1;
        /* Peers' lines are written on every token: look rarely, so this
         * spin does not slow their hot path. */
        if (++s->help_probe % 64 == 0)
            for (uint32_t i = 1; i < sim->nsched; i++)
                if (needs_help(&sim->exec[(s->index + i) % sim->nsched]))
                    return 1;
    }
    if (!atomic_load_explicit(&dev->run_state.active, memory_order_acquire))
        return 0;
    for (int t = 0; t < PTO_CORE_TYPES; t++)
        if (s->nidle[t] && pto_rq_size(&dev->tb.ready[t]))
            return 1;
    if (atomic_load_explicit(&dev->tb.special, memory_order_relaxed) && pto_sched_lane_work(s))
        return 1;
    if (pto_rq_size(&dev->tb.ready[PTO_QUEUE_MIX]) && s->nidle[PTO_CORE_AIC] &&
        s->nidle[PTO_CORE_AIV] >= 2)
        for (uint32_t i = 0; i < s->ncores; i += PTO_CORES_PER_BLOCK) /* a whole idle block */
            if (!sim->csched[s->core[i]].busy && !sim->csched[s->core[i] + 1].busy &&
                !sim->csched[s->core[i] + 2].busy)
                return 1;
    return pto_rq_size(&dev->tb.ready[PTO_QUEUE_DUMMY]) != 0;
}

static int exec_has_work(void *arg)
{
    pto_sim_exec *e = arg;
    return pto_bell_pending(e->bell);
}

/* Executor boot: answer aicpu_ready with aicore_done on every served core. */
static void exec_boot(pto_sim_exec *e)
{
    pto_sim *sim = e->sim;
    for (uint32_t c = 0; c < sim->ncores; c++) {
        if (sim->core_exec[c] != e->index)
            continue;
        while (!atomic_load_explicit(&sim->hs[c].in.aicpu_ready, memory_order_acquire))
            sched_yield();
        atomic_store_explicit(&sim->hs[c].out.aicore_done, 1, memory_order_release);
    }
}

void pto_sim_pin(pto_sim *sim, uint32_t aicpu)
{
    if (!sim->pin)
        return;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 2)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET((int)(aicpu % (uint32_t)cpus), &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set); /* best effort */
}

static void *sched_main(void *arg)
{
    pto_sim_sched *s = arg;
    pto_sim *sim = s->sim;
    void *altstack = pto_crash_thread_begin(sim->dev);
    pto_sim_pin(sim, s->index);
    pto_sim_exec *own = sim->hosted ? &sim->exec[s->index] : 0;
    /* Boot: raise aicpu_ready on every owned core, wait for aicore_done. */
    for (uint32_t i = 0; i < s->ncores; i++)
        atomic_store_explicit(&sim->hs[s->core[i]].in.aicpu_ready, 1, memory_order_release);
    if (own)
        exec_boot(own);
    for (uint32_t i = 0; i < s->ncores; i++)
        while (!atomic_load_explicit(&sim->hs[s->core[i]].out.aicore_done, memory_order_acquire))
            sched_yield();
    atomic_fetch_add(&sim->booted, 1);

    while (!atomic_load_explicit(&sim->exiting, memory_order_acquire)) {
        uint32_t n = pto_sched_poll(s);
        if (own)
            n += pto_exec_poll(own, (int)s->index);
        if (!n && own)
            n = help_peers(s);
        if (!n)
            idle_wait(sim, &s->ev, &s->parks, sched_has_work, own ? peer_busy : 0, s);
    }
    /* Shutdown: the reserved exit token stops every owned core. */
    for (uint32_t i = 0; i < s->ncores; i++) {
        uint32_t c = s->core[i];
        pto_sim_exec *e = &sim->exec[sim->core_exec[c]];
        atomic_store_explicit(&sim->hs[c].in.data, PTO_TOKEN_EXIT, memory_order_release);
        pto_bell_ring(e->bell, c);
        if (!own)
            pto_event_signal(&e->ev);
    }
    while (own && atomic_load(&own->exited) < own->ncores)
        pto_exec_poll(own, (int)s->index);
    pto_crash_thread_end(altstack);
    return 0;
}

static void *exec_main(void *arg)
{
    pto_sim_exec *e = arg;
    void *altstack = pto_crash_thread_begin(e->sim->dev);
    exec_boot(e);
    while (atomic_load(&e->exited) < e->ncores) {
        if (!pto_exec_poll(e, -1))
            idle_wait(e->sim, &e->ev, &e->parks, exec_has_work, 0, e);
    }
    pto_crash_thread_end(altstack);
    return 0;
}

static uint32_t stop_threads(pto_sim *sim, uint32_t nsched, uint32_t nexec_threads,
                             const struct timespec *deadline)
{
    uint32_t abandoned = 0;
    atomic_store(&sim->exiting, 1);
    for (uint32_t i = 0; i < nsched; i++)
        pto_event_signal(&sim->sched[i].ev);
    for (uint32_t i = 0; i < nsched; i++)
        abandoned += (uint32_t)pto_join_until(sim->sched[i].th, deadline);
    for (uint32_t i = 0; i < nexec_threads; i++)
        pto_event_signal(&sim->exec[i].ev);
    for (uint32_t i = 0; i < nexec_threads; i++)
        abandoned += (uint32_t)pto_join_until(sim->exec[i].th, deadline);
    return abandoned;
}

void pto_sim_free(pto_sim *sim)
{
    if (!sim)
        return;
    free(sim->hs);
    free(sim->csched);
    free(sim->cexec);
    free(sim->exec);
    free(sim->des_timer_end);
    free(sim->des_timer_slot);
    free(sim);
}

pto_status pto_sim_create(pto_device *dev, pto_sim **out, pto_error *err)
{
    pto_sim *sim = pto_zalloc_lines(sizeof *sim);
    if (!sim)
        return pto_fail(err, PTO_ERR_NOMEM, "a2a3sim state");
    sim->dev = dev;
    sim->ncores = dev->cores;
    sim->nsched = dev->cfg.schedulers;
    sim->hosted = dev->cfg.exec_threads == 0;
    sim->nexec = sim->hosted ? sim->nsched : dev->cfg.exec_threads;
    uint64_t pin = 0, spin_us = 50;
    int set;
    pto_status st = pto_env_u64("PTO_PIN_THREADS", &pin, &set, err);
    if (st == PTO_OK && pin > 1)
        st = pto_fail(err, PTO_ERR_INVALID, "PTO_PIN_THREADS=%llu must be 0 or 1",
                      (unsigned long long)pin);
    if (st == PTO_OK)
        st = pto_env_u64("PTO_SPIN_US", &spin_us, &set, err);
    if (st == PTO_OK && spin_us > 10000000u)
        st = pto_fail(err, PTO_ERR_INVALID, "PTO_SPIN_US=%llu is too large (at most 10000000)",
                      (unsigned long long)spin_us);
    if (st != PTO_OK) {
        free(sim);
        return st;
    }
    sim->pin = pin == 1;
    sim->spin_ns = spin_us * 1000u;
    sim->hs = aligned_alloc(64, pto_round_up(sim->ncores * sizeof *sim->hs, 64));
    sim->csched = calloc(sim->ncores, sizeof *sim->csched);
    sim->cexec = aligned_alloc(64, pto_round_up(sim->ncores * sizeof *sim->cexec, 64));
    sim->exec = aligned_alloc(64, pto_round_up(sim->nexec * sizeof *sim->exec, 64));
    sim->des_timer_end = malloc(dev->tb.window * sizeof *sim->des_timer_end);
    sim->des_timer_slot = malloc(dev->tb.window * sizeof *sim->des_timer_slot);
    if (!sim->hs || !sim->csched || !sim->cexec || !sim->exec || !sim->des_timer_end ||
        !sim->des_timer_slot) {
        pto_sim_free(sim);
        return pto_fail(err, PTO_ERR_NOMEM, "a2a3sim handshake region");
    }
    memset(sim->hs, 0, sim->ncores * sizeof *sim->hs);
    memset(sim->cexec, 0, sim->ncores * sizeof *sim->cexec);
    memset(sim->exec, 0, sim->nexec * sizeof *sim->exec);

    for (uint32_t i = 0; i < sim->nsched; i++) {
        pto_sim_sched *s = &sim->sched[i];
        s->sim = sim;
        s->index = i;
        pto_event_init(&s->ev);
    }
    /* Blocks round robin over schedulers; each starts with all cores idle. */
    for (uint32_t c = 0; c < sim->ncores; c++) {
        pto_sim_sched *s = &sim->sched[pto_core_scheduler(c, sim->nsched)];
        uint64_t bit = UINT64_C(1) << (c & 63);
        pto_core_type t = pto_core_type_of(c);
        sim->core_sched[c] = (uint8_t)s->index;
        sim->core_exec[c] = (uint8_t)(sim->hosted ? s->index : c % sim->nexec);
        s->core[s->ncores++] = c;
        sim->all_cores[c >> 6] |= bit;
        sim->type_cores[t][c >> 6] |= bit;
        s->idle[c >> 6] |= bit;
        s->nidle[t]++;
    }
    for (uint32_t i = 0; i < sim->nsched; i++)
        for (int t = 0; t < PTO_CORE_TYPES; t++)
            atomic_store(&sim->sched[i].idle_pub[t], sim->sched[i].nidle[t]);
    for (uint32_t i = 0; i < sim->nexec; i++) {
        pto_sim_exec *e = &sim->exec[i];
        e->sim = sim;
        e->index = i;
        e->hosted = sim->hosted;
        pto_event_init(&e->ev);
    }
    for (uint32_t c = 0; c < sim->ncores; c++) {
        pto_sim_exec *e = &sim->exec[sim->core_exec[c]];
        e->ncores++;
        e->cores[c >> 6] |= UINT64_C(1) << (c & 63);
    }

    uint32_t exec_threads = sim->hosted ? 0 : sim->nexec;
    uint32_t started_exec = 0, started_sched = 0;
    for (; started_exec < exec_threads; started_exec++)
        if (pthread_create(&sim->exec[started_exec].th, 0, exec_main, &sim->exec[started_exec]))
            break;
    if (started_exec == exec_threads)
        for (; started_sched < sim->nsched; started_sched++)
            if (pthread_create(&sim->sched[started_sched].th, 0, sched_main,
                               &sim->sched[started_sched]))
                break;
    if (started_exec < exec_threads || started_sched < sim->nsched) {
        /* Threads already started may be waiting in boot: release them. */
        for (uint32_t c = 0; c < sim->ncores; c++) {
            atomic_store(&sim->hs[c].in.aicpu_ready, 1);
            atomic_store(&sim->hs[c].out.aicore_done, 1);
            atomic_store(&sim->hs[c].in.data, PTO_TOKEN_EXIT);
            pto_bell_ring(sim->exec[sim->core_exec[c]].bell, c);
        }
        stop_threads(sim, started_sched, started_exec, 0);
        pto_sim_free(sim);
        return pto_fail(err, PTO_ERR_NOMEM, "cannot start a2a3sim threads");
    }
    uint64_t deadline = pto_now_ns() + PTO_BOOT_TIMEOUT_NS;
    while (atomic_load(&sim->booted) < sim->nsched) {
        if (pto_now_ns() > deadline) {
            stop_threads(sim, sim->nsched, exec_threads, 0);
            pto_sim_free(sim);
            return pto_fail(err, PTO_ERR_TIMEOUT, "a2a3sim boot handshake timed out");
        }
        sched_yield();
    }
    *out = sim;
    return PTO_OK;
}

uint32_t pto_sim_stop(pto_sim *sim, const struct timespec *deadline)
{
    if (!sim)
        return 0;
    return stop_threads(sim, sim->nsched, sim->hosted ? 0 : sim->nexec, deadline);
}

static uint64_t total_wakes(pto_sim *sim)
{
    uint64_t w = atomic_load(&sim->dev->run_state.done.wakes) +
                 atomic_load(&sim->dev->run_state.progress.wakes);
    for (uint32_t i = 0; i < sim->nsched; i++)
        w += atomic_load(&sim->sched[i].ev.wakes);
    for (uint32_t i = 0; i < sim->nexec; i++)
        w += atomic_load(&sim->exec[i].ev.wakes);
    return w;
}

void pto_sim_run_prepare(pto_sim *sim)
{
    for (uint32_t i = 0; i < sim->nsched; i++) {
        pto_sim_sched *s = &sim->sched[i];
        sim->stat_base[i][0] = atomic_load(&s->dispatched);
        sim->stat_base[i][1] = atomic_load(&s->completed);
        sim->stat_base[i][2] = atomic_load(&s->parks);
        s->start_ns = 0;
    }
    for (uint32_t c = 0; c < sim->ncores; c++) {
        sim->cexec[c].tasks = sim->cexec[c].busy_ns = sim->cexec[c].last_end_ns = 0;
        sim->csched[c].clock = sim->csched[c].busy_cycles = sim->csched[c].uncosted = 0;
        sim->csched[c].uncosted_func = -1;
    }
    /* The run's lanes: which cores of each type each lane has, and which
     * schedulers serve it (those owning its cores). */
    const pto_lanes *ln = &sim->dev->lanes;
    uint64_t served[PTO_MAX_AICPU_THREADS] = {0};
    for (uint32_t l = 0; l < ln->n; l++) {
        uint64_t scheds = 0;
        for (int t = 0; t < PTO_CORE_TYPES; t++)
            for (int w = 0; w < PTO_BELL_WORDS; w++)
                atomic_store_explicit(&sim->lane_type[l][t][w],
                                      ln->cores[l][w] & sim->type_cores[t][w],
                                      memory_order_relaxed);
        for (uint32_t c = 0; c < sim->ncores; c++)
            if (ln->lane_of[c] == l) {
                scheds |= UINT64_C(1) << sim->core_sched[c];
                served[sim->core_sched[c]] |= UINT64_C(1) << l;
            }
        atomic_store_explicit(&sim->lane_scheds[l], scheds, memory_order_relaxed);
    }
    for (uint32_t i = 0; i < sim->nsched; i++)
        atomic_store_explicit(&sim->sched[i].lanes, served[i], memory_order_relaxed);
    atomic_store_explicit(&sim->nlanes, ln->n, memory_order_relaxed);
    sim->exec_parks_base = 0;
    for (uint32_t i = 0; i < sim->nexec; i++)
        sim->exec_parks_base += atomic_load(&sim->exec[i].parks);
    sim->wakes_base = total_wakes(sim);
}

void pto_sim_wake_one(pto_sim *sim, int self, uint32_t queue)
{
    /* Dekker with the parking side (see park.h): the work published before
     * this call must be ordered before the reads of `waiters`. */
    atomic_thread_fence(memory_order_seq_cst);
    uint32_t first = self < 0 ? 0 : (uint32_t)self + 1;
    for (uint32_t i = 0; i < sim->nsched; i++) {
        pto_sim_sched *s = &sim->sched[(first + i) % sim->nsched];
        if ((int)s->index == self)
            continue;
        if (atomic_load_explicit(&s->ev.waiters, memory_order_relaxed) &&
            (queue >= PTO_CORE_TYPES ||
             atomic_load_explicit(&s->idle_pub[queue], memory_order_relaxed))) {
            pto_event_signal(&s->ev);
            return;
        }
    }
}

void pto_sim_notify_ready(pto_sim *sim, uint32_t target, uint32_t queue)
{
    if (target == PTO_TARGET_ANY) {
        pto_sim_wake_one(sim, -1, queue);
        return;
    }
    pto_sim_wake_lane(sim, target, -1);
}

void pto_sim_wake_lane(pto_sim *sim, uint32_t l, int self)
{
    uint64_t m = atomic_load_explicit(&sim->lane_scheds[l], memory_order_relaxed);
    for (; m; m &= m - 1)
        if (__builtin_ctzll(m) != self)
            pto_event_signal(&sim->sched[__builtin_ctzll(m)].ev);
    if (atomic_load_explicit(&sim->dev->tb.steal, memory_order_relaxed))
        pto_sim_wake_one(sim, self, PTO_NQUEUES); /* a peer may steal it */
}

void pto_sim_wake_schedulers(pto_sim *sim)
{
    for (uint32_t i = 0; i < sim->nsched; i++)
        pto_event_signal(&sim->sched[i].ev);
}

void pto_sim_run_stats(pto_sim *sim, pto_stats *st)
{
    uint64_t t0 = sim->dev->run_state.t0;
    st->cores = sim->ncores;
    st->schedulers = sim->nsched;
    st->exec_threads = sim->hosted ? 0 : sim->nexec;
    st->total_cycles = 0;
    st->uncosted_tasks = 0;
    st->uncosted_func = -1;
    for (uint32_t c = 0; c < sim->ncores; c++) {
        const pto_sim_core_sched *cs = &sim->csched[c];
        st->uncosted_tasks += cs->uncosted;
        if (cs->uncosted)
            st->uncosted_func = cs->uncosted_func;
        st->core[c].tasks = sim->cexec[c].tasks;
        st->core[c].busy_ns = sim->cexec[c].busy_ns;
        st->core[c].busy_cycles = sim->csched[c].busy_cycles;
        if (sim->csched[c].clock > st->total_cycles)
            st->total_cycles = sim->csched[c].clock;
    }
    for (uint32_t i = 0; i < sim->nsched; i++) {
        pto_sim_sched *s = &sim->sched[i];
        st->sched[i].dispatched = atomic_load(&s->dispatched) - sim->stat_base[i][0];
        st->sched[i].completed = atomic_load(&s->completed) - sim->stat_base[i][1];
        st->sched[i].parks = atomic_load(&s->parks) - sim->stat_base[i][2];
        st->sched[i].start_ns = s->start_ns ? s->start_ns - t0 : 0;
        uint64_t end = 0;
        for (uint32_t c = 0; s->start_ns && c < sim->ncores; c++)
            if (sim->core_sched[c] == i && sim->cexec[c].last_end_ns > end)
                end = sim->cexec[c].last_end_ns;
        st->sched[i].end_ns = end > t0 ? end - t0 : 0;
    }
    st->exec_parks = 0;
    for (uint32_t i = 0; i < sim->nexec; i++)
        st->exec_parks += atomic_load(&sim->exec[i].parks);
    st->exec_parks -= sim->exec_parks_base;
    st->wakes = total_wakes(sim) - sim->wakes_base;
}

uint32_t pto_sim_running(pto_sim *sim, uint32_t *cores, uint32_t *slots, uint32_t max)
{
    /* Racy snapshot for diagnostics only: reads the data register (task slot
     * of the last token) and the core's cond (FIN or not). */
    uint32_t n = 0;
    for (uint32_t c = 0; c < sim->ncores && n < max; c++) {
        uint64_t data = atomic_load(&sim->hs[c].in.data);
        uint64_t cond = atomic_load(&sim->hs[c].out.cond);
        if (data && data != PTO_TOKEN_EXIT && cond != (data | PTO_TOKEN_FIN)) {
            cores[n] = c;
            slots[n] =
                (uint32_t)atomic_load_explicit(&sim->hs[c].in.task_slot, memory_order_relaxed);
            n++;
        }
    }
    return n;
}
