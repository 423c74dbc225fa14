/* The device object shared by every layer of the host library.
 *
 * Invariants: created by pto_device_open, which allocates every runtime
 * resource (GM arena, task buffer, trace records, platform threads); nothing
 * here is resized afterwards. `busy` is claimed by pto_launch with a
 * compare-and-swap from 0 to 1 and released when it returns (one run at a
 * time per device: a concurrent launch fails with PTO_ERR_STATE), so any
 * thread may read it; it stays 1 on a device `broken` by a watchdog.
 * `executing` is 1 from the first publication until every task completed.
 * All three are atomic because other threads read them (a second launch,
 * kernel registration). */
#ifndef PTO_CORE_DEVICE_H
#define PTO_CORE_DEVICE_H

#include <stdatomic.h>

#include "core/heap_arena.h"
#include "core/run_state.h"
#include "core/task_buffer.h"
#include "core/tensor_map.h"
#include "core/bounds.h"
#include "core/gm_arena.h"
#include "core/kernel_table.h"
#include "core/lanes.h"
#include "core/symbols.h"
#include "pto/dispatch.h"
#include "pto/device.h"
#include "pto/stats.h"

struct pto_platform;
struct pto_platform_mode;

struct pto_device {
    pto_device_config cfg;                     /* resolved sizes (no zeros) */
    const struct pto_platform *plat;           /* its platform (platform/platform.h) */
    void *plat_impl;                           /* the platform's own state */
    const struct pto_platform_mode *plat_mode; /* the current run's mode */
    uint32_t cores;                            /* blocks * 3 */
    pto_gm *gm;
    pto_kernel_table kernels;
    pto_task_buffer tb;
    pto_heap_arena heap; /* PTO_OUT tensors of streamed runs */
    pto_tensor_map tmap; /* producer/consumer lookup for inference */
    pto_run_state run_state;
    struct pto_run *run_handle;        /* the public run object, reused per launch */
    pto_task_record *records;          /* trace_capacity entries, indexed by task id,
                                     one per cache line (inside records_mem) */
    void *records_mem;                 /* calloc'ed: untouched pages stay unmapped */
    size_t nrecords;                   /* records valid for the last run */
    _Atomic int busy;                  /* inside pto_launch (claimed by CAS) */
    _Atomic int executing;             /* tasks may be running (kernel table frozen) */
    _Atomic int broken;                /* a watchdog fired: no more runs; set
                                     with sim->dead by pto_run_watchdog */
    uint64_t launches;                 /* pto_launch calls that started a run
                                     (crash reports: "run N"); launcher only */
    struct pto_device *abandoned_next; /* pto_device_close: list of devices
                                          kept for threads stuck in kernels */
    /* Bounds-checking mode (core/bounds.h). bounds_run is set by the
     * launching thread before a run starts: its tasks' red zones are
     * checked after every kernel. */
    int bounds_run;
    pto_guard_set *guards; /* task_window entries, by ring slot */
    /* The current run's lanes (core/lanes.h), set by the launching thread. */
    pto_lanes lanes;
    /* User dispatch policies (pto_policy_register): the first npolicies
     * entries; written only while no run is in progress. */
    struct pto_user_policy {
        char name[PTO_POLICY_NAME_MAX];
        pto_route_fn route;
        void *ctx;
    } policies[PTO_MAX_USER_POLICIES];
    uint32_t npolicies;
    pto_bounds_report bounds;
    /* Symbols (core/symbols.h): allocated at open, kept across runs;
     * written only while no launch is in progress (runtime/symbols.c). */
    pto_symtab symbols;
};

#endif
