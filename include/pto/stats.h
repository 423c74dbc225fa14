/* Run statistics and per-task timing records. */
#ifndef PTO_STATS_H
#define PTO_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "pto/device.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct pto_core_stats {
    uint64_t tasks;       /* tasks executed by this core */
    uint64_t busy_ns;     /* sum of (end - start) of those tasks, wall time */
    uint64_t busy_cycles; /* sum of their durations in cycles */
} pto_core_stats;

/* One AICPU scheduler thread. */
typedef struct pto_sched_stats {
    uint64_t dispatched;       /* tasks written to a core's data register */
    uint64_t completed;        /* FINs handled */
    uint64_t parks;            /* times this thread slept on its futex */
    uint64_t start_ns, end_ns; /* active span within the run: its first
                                  dispatch to the last FIN of its cores */
} pto_sched_stats;

/* Flow control: why the orchestrator waits. Stable names (pto_stall_name). */
typedef enum pto_stall_reason {
    PTO_STALL_NONE = 0,
    PTO_STALL_TASK_RING_FULL,
    PTO_STALL_TENSORMAP_POOL_FULL,
    PTO_STALL_DEPLIST_POOL_FULL,
    PTO_STALL_HEAP_ARENA_FULL,
    PTO_STALL_READY_QUEUE_FULL,   /* cannot occur: queues hold the whole window */
    PTO_STALL_CHANNEL_EMPTY_WAIT, /* a CSP process waited to receive (pto/csp.h):
                                     stalls counts the waits */
    PTO_STALL_CHANNEL_FULL_WAIT,  /* a CSP process waited for its send's
                                     receive k - capacity (or k): stalls */
    PTO_STALL_TASK_WINDOW,        /* pto_run_config.task_window: a scheduling
                                     bound on tasks in flight (submitted, not
                                     completed), not a resource; its row's
                                     capacity is the window size and its
                                     high_water the most tasks in flight */
    PTO_STALL_REASONS
} pto_stall_reason;

/* "TASK_RING_FULL", ...; "NONE" for PTO_STALL_NONE. */
PTO_API const char *pto_stall_name(pto_stall_reason r);

/* One bounded resource (or the task window), indexed by the stall reason
 * it causes. */
typedef struct pto_flow_stats {
    uint64_t capacity;   /* slots, entries, nodes or bytes */
    uint64_t high_water; /* true peak occupancy in the run */
    uint64_t stalls;     /* times the orchestrator had to wait for it */
    uint64_t stall_ns;   /* time spent waiting */
} pto_flow_stats;

#define PTO_DIAGNOSTIC_MAX 256

typedef struct pto_stats {
    uint64_t tasks;          /* tasks executed */
    uint64_t skipped;        /* of those, tasks whose predicate was false
                                (pto/scalars.h): no kernel ran, 0 cycles */
    uint64_t wall_ns;        /* launch to last completion (excludes orchestration) */
    uint64_t total_cycles;   /* semantic makespan: latest task end, in cycles
                              (at most PTO_CYCLE_LIMIT, see pto/kernel.h) */
    uint64_t uncosted_tasks; /* tasks whose kernel reported no cycles */
    int32_t uncosted_func;   /* one such func_id (-1 if none) */
    uint64_t orch_ns;        /* time spent in the orchestration function */
    uint64_t orch_cpu_ns;    /* CPU time of the thread running it (excludes
                              time preempted or parked in a stall) */
    uint32_t cores, schedulers, exec_threads;
    pto_core_stats core[PTO_MAX_CORES];
    pto_sched_stats sched[PTO_MAX_AICPU_THREADS];
    uint64_t exec_parks; /* executor-thread sleeps (sum) */
    uint64_t wakes;      /* futex wakes issued by anyone during the run */
    pto_flow_stats flow[PTO_STALL_REASONS];
    pto_stall_reason stall_reason; /* what the orchestrator waits on at the end
                                      (NONE unless the run deadlocked) */
    uint64_t records;              /* task records kept (see pto_last_run_records) */
    uint64_t records_dropped;      /* tasks beyond trace_capacity (not recorded) */
    uint64_t edges;                /* edges kept (see pto_last_run_edges) */
    uint64_t edges_dropped;
    /* Directives this run used that its platform ignores (DIAGNOSED in the
     * capability matrix, pto/caps.h): each printed one "pto: note: ..."
     * line on stderr when the run was launched; `diagnostic` keeps the
     * first of those notes (without the "pto: note: " prefix), "" when
     * there is none. */
    uint32_t diagnosed;
    char diagnostic[PTO_DIAGNOSTIC_MAX];
} pto_stats;

/* Timing of one executed task; times are ns since launch. */
/* pto_task_record.core_type: a pto_core_type, or one of these. */
#define PTO_RECORD_DUMMY 2 /* a dependency-only task: no kernel, no core */
#define PTO_RECORD_MIX 3   /* a MIX task: a cluster (core is its lowest core) */
#define PTO_RECORD_SKIPPED 4 /* a task skipped by its predicate: no kernel ran,
                                no core, 0 cycles; func_id is its kernel's */

typedef struct pto_task_record {
    uint64_t task_id;
    int32_t func_id;
    uint16_t core;
    uint8_t core_type;
    uint8_t sched;        /* scheduler thread that dispatched it */
    uint64_t start_ns;    /* kernel entered (ACK), wall time since launch */
    uint64_t end_ns;      /* kernel returned (FIN) */
    uint64_t start_cycle; /* semantic time: max(core clock, producers' ends,
                               dispatch time) + dispatch overhead */
    uint64_t end_cycle;   /* start_cycle + the cycles the kernel reported */
    uint32_t parts;       /* cores it ran on: 1, or an SPMD/MIX task's parts
                             (then core is its lowest core and the cycles
                             span its earliest start to its latest end) */
    uint32_t reserved32;
    uint64_t reserved; /* pads a record to one 64-byte line: consecutive
                             tasks finish on different threads, which must
                             not share a line of the record array */
} pto_task_record;

/* Kinds of pto_edge. */
#define PTO_EDGE_END 0   /* the consumer waits for the producer to end */
#define PTO_EDGE_START 1 /* a start edge: the consumer waits only for the
                            producer to start (CSP channels, docs/csp.md) */

/* A dependency edge of the last run (both ends are task ids). */
typedef struct pto_edge {
    uint64_t producer, consumer;
    uint32_t kind;     /* PTO_EDGE_END or PTO_EDGE_START */
    uint32_t reserved; /* 0; pads an edge to 24 bytes */
} pto_edge;

/* Edges wired in the device's last run between tasks that have records
 * (ordinary and start edges, told apart by kind), in wiring order (at most 4 x trace_capacity; stats.edges_dropped counts the
 * rest). Valid until the next launch or close. dev NULL: none. */
PTO_API void pto_last_run_edges(const pto_device *dev, const pto_edge **edges, size_t *count);

/* Records of the device's last completed run, indexed by task id (the first
 * trace_capacity tasks); valid until the next launch or close. dev NULL:
 * none. */
PTO_API void pto_last_run_records(const pto_device *dev, const pto_task_record **recs,
                                  size_t *count);

/* Name given at registration ("f<id>" when none); never NULL. */
PTO_API const char *pto_kernel_name(const pto_device *dev, int func_id);

#ifdef __cplusplus
}
#endif
#endif
