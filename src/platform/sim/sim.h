/* a2a3sim: AICPU schedulers and AICores on host threads.
 *
 * Threads: `nsched` AICPU scheduler threads (blocks are split across them
 * round robin). AICore executors are either hosted by the scheduler threads
 * (default: executor i serves scheduler i's cores and is polled in the same
 * loop) or run on `exec_threads` dedicated host threads (core c served by
 * thread c % exec_threads). Either way the two sides talk only through the
 * handshake region. Serving many simulated cores from few host threads keeps
 * a 2-CPU host from thrashing between 72 pollers.
 *
 * Doorbells model the "poll your register" loop without scanning: a writer
 * sets the core's bit in the reader's bell after writing the register, so a
 * reader touches only cores with news. Idle threads spin briefly (a futex
 * wake costs ~60 us here) then park on their event; writers signal it, which
 * costs a fence and a load unless the reader is parked.
 *
 * Invariants:
 * - pto_sim_core_sched entries are written only by the scheduler owning the
 *   core; pto_sim_core_exec entries only by the executor serving it (and by
 *   the host between runs, while the core is idle).
 * - A core is in exactly one of: its scheduler's idle list, or busy. */
#ifndef PTO_SIM_SIM_H
#define PTO_SIM_SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "core/lanes.h"
#include "core/park.h"
#include "core/task.h"
#include "util/thread.h"
#include "platform/sim/handshake.h"
#include "pto/device.h"
#include "pto/stats.h"

struct pto_device;
struct pto_sim;
struct pto_task;

#define PTO_BELL_WORDS PTO_CORE_WORDS /* bits for PTO_MAX_CORES (72) cores */

typedef struct pto_sim_core_sched {
    uint64_t token; /* last token written to the core */
    uint32_t slot;  /* task ring slot of the dispatched task */
    uint32_t busy;
    uint64_t clock;        /* semantic time: end cycle of the core's last task */
    uint64_t start_cycle;  /* of the task in flight */
    uint64_t busy_cycles;  /* this run */
    uint64_t uncosted;     /* this run: its tasks whose kernel reported no cycles */
    int32_t uncosted_func; /* one such func_id, -1 if none */
} pto_sim_core_sched;

typedef struct pto_sim_core_exec {
    _Alignas(64) uint64_t last_token; /* last token seen in the data register */
    uint64_t tasks, busy_ns;          /* this run */
    uint64_t last_end_ns;             /* this run: pto_now_ns at its last FIN */
} pto_sim_core_exec;

typedef struct pto_sim_sched {
    pthread_t th;
    struct pto_sim *sim;
    uint32_t index;
    pto_event ev;
    _Alignas(64) _Atomic uint64_t bell[PTO_BELL_WORDS]; /* cores with a new FIN */
    _Alignas(64) uint64_t own_fins[PTO_BELL_WORDS];     /* the same, for FINs of
                                  kernels this thread ran itself (hosted):
                                  no locked instruction; this thread only */
    uint32_t ncores;
    uint32_t core[PTO_MAX_CORES];
    uint64_t idle[PTO_BELL_WORDS]; /* its idle cores (bitmap; this thread only) */
    uint32_t nidle[PTO_CORE_TYPES]; /* how many of each type */
    _Atomic uint64_t lanes;         /* the lanes its cores are in (bit l; set
                                  for each run by pto_sim_run_prepare, read
                                  relaxed: a poll of the run before may still
                                  be reading it) */
    _Atomic uint32_t idle_pub[PTO_CORE_TYPES];     /* nidle, published for peers
                                  and notifiers (pto_sim_wake_one skips a parked
                                  scheduler whose idle_pub is 0). Invariant: equal
                                  to nidle at the end of every poll, whether or
                                  not a run is active, so it is exact whenever
                                  this thread parks. */
    _Atomic uint64_t dispatched, completed, parks; /* pto_counter_add */
    uint64_t start_ns;                             /* this run: first dispatch; this thread only
                                  (its end is its cores' last FIN) */
    uint32_t sent;                                 /* dispatches in the current poll */
    uint32_t help_probe;                           /* idle polls, to look at peers now and then */
    uint64_t notify;                               /* executors given tokens in the current poll */
    uint64_t rung[PTO_BELL_WORDS]; /* their cores: rung together at the poll's end */
    int released;                  /* this poll's dispatches released start
                                      edges' waiters (sched.c) */
    uint64_t wake_lanes;           /* lanes given routed successors it did not
                                  start in this poll: their schedulers are woken */
} pto_sim_sched;

typedef struct pto_sim_exec {
    pthread_t th; /* dedicated mode only */
    struct pto_sim *sim;
    uint32_t index, ncores;
    uint64_t cores[PTO_BELL_WORDS]; /* the cores it serves (fixed at create) */
    _Atomic uint32_t exited;        /* cores that took the exit token */
    _Atomic uint64_t kernel_since;  /* hosted: pto_now_ns when its own scheduler
                                      thread entered the kernel it is running,
                                      0 when not in a kernel (that thread writes) */
    int hosted;                     /* polled by scheduler thread `index`; idle peers
                               may help run its tokens */
    pto_event ev;
    _Alignas(64) _Atomic uint64_t bell[PTO_BELL_WORDS]; /* cores with a new token */
    _Atomic uint64_t parks;                             /* pto_counter_add */
} pto_sim_exec;

typedef struct pto_sim {
    struct pto_device *dev;
    uint32_t ncores, nsched, nexec; /* nexec executors (== nsched when hosted) */
    int hosted;
    uint64_t spin_ns;       /* idle spin before parking */
    int pin;                /* PTO_PIN_THREADS */
    _Atomic uint32_t dead;  /* the device timed out (watchdog): no
                                        kernel starts any more; set once, by
                                        the thread reporting the timeout */
    pto_core_handshake *hs; /* ncores entries */
    pto_sim_core_sched *csched;
    pto_sim_core_exec *cexec;
    uint8_t core_sched[PTO_MAX_CORES]; /* owning scheduler of each core */
    uint8_t core_exec[PTO_MAX_CORES];  /* serving executor of each core */
    uint64_t type_cores[PTO_CORE_TYPES][PTO_BELL_WORDS]; /* the cores of each type */
    /* The current run's lanes (dev->lanes), set by pto_sim_run_prepare
     * before the run starts: the cores of each lane and type, and the
     * schedulers serving each lane (those owning its cores). Atomic, read
     * relaxed: a poll that began in the run before may still read them. */
    _Atomic uint64_t lane_type[PTO_MAX_TARGETS][PTO_CORE_TYPES][PTO_BELL_WORDS];
    _Atomic uint64_t lane_scheds[PTO_MAX_TARGETS];
    _Atomic uint32_t nlanes;
    pto_sim_sched sched[PTO_MAX_AICPU_THREADS];
    pto_sim_exec *exec;
    _Atomic uint32_t exiting;
    _Atomic uint32_t booted;                      /* scheduler threads done with boot */
    uint64_t stat_base[PTO_MAX_AICPU_THREADS][3]; /* counters at run start */
    uint64_t exec_parks_base, wakes_base;
    /* Deterministic mode, owned by the thread running the simulation. */
    _Atomic uint64_t des_since;  /* pto_now_ns at the start of the kernel
                                        it is running, 0 outside kernels (the
                                        launching thread's watchdog reads it) */
    _Atomic uint32_t des_parked; /* it has parked for good (dead device) */
    uint64_t des_now;
    uint32_t des_nheap;
    uint64_t des_heap[PTO_MAX_CORES];                               /* (end_cycle << 8) | core */
    /* Dependency-only tasks with a delay (pto_task.delay) that end after
     * des_now: a min-heap by (end cycle, slot) of at most the task ring's
     * window entries, completed when the clock reaches them. */
    uint32_t des_ntimer;
    uint8_t des_again; /* dispatch: a task with start edges was placed */
    uint64_t *des_timer_end;
    uint32_t *des_timer_slot;
    uint64_t des_idle[PTO_CORE_TYPES][PTO_BELL_WORDS];              /* idle core bitmaps */
    uint32_t des_held[PTO_MAX_TARGETS + 1][PTO_NQUEUES]; /* per target (lanes 0..n-1,
                                       then the shared queues at n) and queue: the
                                       slot of the task at its head that found no
                                       room yet, or UINT32_MAX */
    uint64_t all_cores[PTO_BELL_WORDS];
} pto_sim;

/* The a2a3sim entry of the platform table (platform/platform.h). */
extern const struct pto_platform pto_a2a3sim;

pto_status pto_sim_create(struct pto_device *dev, pto_sim **out, pto_error *err);
/* Stops the threads. With a deadline (CLOCK_REALTIME), a thread still
 * running then — stuck in a kernel — is abandoned: detached, never joined.
 * Returns how many were; the sim must then never be freed (they may still
 * touch it). Without one it waits for every thread. */
uint32_t pto_sim_stop(pto_sim *sim, const struct timespec *deadline);
void pto_sim_free(pto_sim *sim);

/* Host side of a run: reset per-run counters (before activation), wake the
 * schedulers (after), and gather statistics (after completion). */
void pto_sim_run_prepare(pto_sim *sim);
void pto_sim_wake_schedulers(pto_sim *sim);
/* Tasks were pushed to ready queue `queue` of `target` while schedulers may
 * be parked: wakes one parked scheduler that can run them (target
 * PTO_TARGET_ANY), or the target's own; cheap when none is parked. */
void pto_sim_notify_ready(pto_sim *sim, uint32_t target, uint32_t queue);
/* Wakes one parked scheduler other than `self` (-1: none excluded) with an
 * idle core for `queue` (queue >= PTO_CORE_TYPES: any parked one). */
void pto_sim_wake_one(pto_sim *sim, int self, uint32_t queue);
/* Wakes the schedulers serving lane l other than `self` (-1: none
 * excluded); with work stealing on, also one parked scheduler that could
 * steal. */
void pto_sim_wake_lane(pto_sim *sim, uint32_t l, int self);
void pto_sim_run_stats(pto_sim *sim, pto_stats *st);
/* Cores currently holding a task (for reports): fills slots, returns count. */
uint32_t pto_sim_running(pto_sim *sim, uint32_t *cores, uint32_t *slots, uint32_t max);

/* Executes the token just written to core c's data register: ACK, kernel,
 * status/cycles/timing, FIN. The executor serving c calls it (or, in
 * deterministic mode, the simulation loop). `since`, when not NULL, holds
 * the kernel's start time (pto_now_ns) while it runs and 0 otherwise (the
 * watchdog's view of a hosted executor, pto_sim_exec.kernel_since). */
void pto_exec_run_token(pto_sim *sim, uint32_t c, uint64_t token, _Atomic uint64_t *since);

/* Deterministic mode (des.c): one host thread plays schedulers and cores as
 * a discrete-event simulation in cycle order over the same task buffer and
 * handshake registers; the threads stay parked. */
void pto_des_begin(pto_sim *sim);
/* Dispatches every ready task it can, then completes the running task that
 * ends first (ties: lowest core). Returns 0 when nothing is running. */
int pto_des_step(pto_sim *sim);
/* Watchdog side of a deterministic run, on another thread, after `dead`
 * was set: 1 if the simulation is certainly still inside the kernel that
 * started at `since` — it then parks for good when (if) that kernel
 * returns, and never runs anything else. 0 if it left that kernel: it
 * parks after its next kernel (des_parked) or finishes its job. */
int pto_des_confirm_stuck(pto_sim *sim, uint64_t since);

/* PTO_PIN_THREADS=1: pin AICPU thread `aicpu` (schedulers 0..n-1, the
 * orchestrator n) to CPU aicpu % online CPUs. Off by default. */
void pto_sim_pin(pto_sim *sim, uint32_t aicpu);

/* Test seam (fault injection): when set, a scheduler calls hook in every
 * poll that handled FINs, between handling them and dispatching; tests use
 * it to force an interleaving (tests/test_stream.c). NULL in production.
 * A setter, not a variable: an executable's copy of a library variable is
 * not the one the library reads. */
typedef void (*pto_sim_fins_hook)(pto_sim_sched *s, uint32_t fins);
void pto_sim_set_test_after_fins(pto_sim_fins_hook hook);

/* Whether ready work routed to lanes (its own, or its peers' when work
 * stealing is on) can start on one of s's idle cores now. */
int pto_sched_lane_work(pto_sim_sched *s);

/* One pass of each thread's work; return the number of events handled. */
uint32_t pto_sched_poll(pto_sim_sched *s);
/* caller: index of the scheduler thread polling (hosted mode), -1 for a
 * dedicated executor thread. */
uint32_t pto_exec_poll(pto_sim_exec *e, int caller);

/* A statistics counter with one writer at a time (its host thread, or
 * the deterministic loop between runs): readers load it whenever they like,
 * the writer adds without a locked instruction. */
static inline void pto_counter_add(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
                          memory_order_relaxed);
}
static inline void pto_bell_ring(_Atomic uint64_t *bell, uint32_t core)
{
    atomic_fetch_or_explicit(&bell[core >> 6], UINT64_C(1) << (core & 63), memory_order_release);
}
static inline int pto_bell_pending(_Atomic uint64_t *bell)
{
    for (int w = 0; w < PTO_BELL_WORDS; w++)
        if (atomic_load_explicit(&bell[w], memory_order_relaxed))
            return 1;
    return 0;
}

#endif
