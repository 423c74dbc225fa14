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
    uint64_t tasks;   /* tasks executed by this core */
    uint64_t busy_ns; /* sum of (end - start) of those tasks */
} pto_core_stats;

/* One AICPU scheduler thread. */
typedef struct pto_sched_stats {
    uint64_t dispatched;   /* tasks written to a core's data register */
    uint64_t completed;    /* FINs handled */
    uint64_t parks;        /* times this thread slept on its futex */
    uint64_t start_ns, end_ns; /* active span within the run */
} pto_sched_stats;

typedef struct pto_stats {
    uint64_t tasks;        /* tasks executed */
    uint64_t wall_ns;      /* launch to last completion (excludes orchestration) */
    uint64_t orch_ns;      /* time spent in the orchestration function */
    uint32_t cores, schedulers, exec_threads;
    pto_core_stats core[PTO_MAX_CORES];
    pto_sched_stats sched[PTO_MAX_AICPU_THREADS];
    uint64_t exec_parks;   /* executor-thread sleeps (sum) */
    uint64_t wakes;        /* futex wakes issued by anyone during the run */
    uint64_t records;      /* task records kept (see pto_last_run_records) */
    uint64_t records_dropped; /* tasks beyond trace_capacity (not recorded) */
} pto_stats;

/* Timing of one executed task; times are ns since launch. */
typedef struct pto_task_record {
    uint64_t task_id;
    int32_t func_id;
    uint16_t core;
    uint8_t core_type;
    uint8_t sched;          /* scheduler thread that dispatched it */
    uint64_t start_ns;      /* kernel entered (ACK) */
    uint64_t end_ns;        /* kernel returned (FIN) */
} pto_task_record;

/* Records of the device's last completed run, indexed by task id (the first
 * trace_capacity tasks); valid until the next launch or close. */
void pto_last_run_records(const pto_device *dev, const pto_task_record **recs,
                          size_t *count);

/* Name given at registration ("f<id>" when none); never NULL. */
const char *pto_kernel_name(const pto_device *dev, int func_id);

#ifdef __cplusplus
}
#endif
#endif
