/* Device open/close, configuration and shape. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/bits.h"
#include "core/device.h"
#include "util/env.h"
#include "util/error.h"
#include "orchestration/run_internal.h"
#include "platform/platform.h"

#define PTO_MAX_RING (UINT32_C(1) << 24)
/* pto_device_close of a dead device: how long its threads get to end. */
#define PTO_CLOSE_GRACE_MS 100
#define PTO_DEFAULT_SCHEDULERS 3

void pto_device_config_default(pto_device_config *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->blocks = PTO_MAX_BLOCKS;
    cfg->schedulers = 0; /* resolved at open: PTO_DEFAULT_SCHEDULERS, at most the blocks */
    cfg->gm_bytes = (size_t)512 << 20;
    cfg->gm_max_allocs = 65536;
    cfg->task_window = 16384;
    cfg->dep_pool = 65536;
    cfg->heap_bytes = (uint64_t)256 << 20;
    cfg->tensormap_entries = 65536;
    cfg->tensormap_buckets = 65536;
}

pto_status pto_device_config_from_env(pto_device_config *cfg, pto_error *err)
{
    if (!cfg)
        return pto_fail(err, PTO_ERR_INVALID, "pto_device_config_from_env: cfg is NULL");
    /* is32: 1 = u32 size, 0 = size_t size, 2 = u64 size, 3 = u32 value (0 allowed).
     * Values are plain decimal (util/env.h): 010, 0x10, -1 are errors. */
    static const struct {
        const char *name;
        size_t off;
        int is32;
    } vars[] = {
        {"PTO_BLOCKS", offsetof(pto_device_config, blocks), 1},
        {"PTO_SCHEDULERS", offsetof(pto_device_config, schedulers), 1},
        {"PTO_EXEC_THREADS", offsetof(pto_device_config, exec_threads), 3}, /* 0: hosted */
        {"PTO_TASK_WINDOW", offsetof(pto_device_config, task_window), 1},
        {"PTO_DEP_POOL", offsetof(pto_device_config, dep_pool), 1},
        {"PTO_READY_QUEUE", offsetof(pto_device_config, ready_queue), 1},
        {"PTO_TRACE_CAPACITY", offsetof(pto_device_config, trace_capacity), 1},
        {"PTO_TENSORMAP", offsetof(pto_device_config, tensormap_entries), 1},
        {"PTO_TENSORMAP_BUCKETS", offsetof(pto_device_config, tensormap_buckets), 1},
        {"PTO_DISPATCH_CYCLES", offsetof(pto_device_config, dispatch_cycles), 3},
        {"PTO_CHECK_BOUNDS", offsetof(pto_device_config, check_bounds), 3},
        {"PTO_GM_BYTES", offsetof(pto_device_config, gm_bytes), 0},
        {"PTO_HEAP_BYTES", offsetof(pto_device_config, heap_bytes), 2},
    };
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        uint64_t x = 0;
        int set;
        pto_status st = pto_env_u64(vars[i].name, &x, &set, err);
        if (st != PTO_OK)
            return st;
        if (!set)
            continue;
        if (x == 0 && vars[i].is32 != 3) /* 3: a value, not a size */
            return pto_fail(err, PTO_ERR_INVALID,
                            "%s=0: sizes must be positive (unset it for the default)",
                            vars[i].name);
        if (vars[i].is32 == 1 || vars[i].is32 == 3) {
            if (x > UINT32_MAX)
                return pto_fail(err, PTO_ERR_INVALID, "%s=%llu is too large (at most %u)",
                                vars[i].name, (unsigned long long)x, UINT32_MAX);
            uint32_t v = (uint32_t)x;
            memcpy((char *)cfg + vars[i].off, &v, sizeof v);
        } else if (vars[i].is32 == 2) {
            memcpy((char *)cfg + vars[i].off, &x, sizeof x);
        } else {
            if (x > SIZE_MAX)
                return pto_fail(err, PTO_ERR_INVALID, "%s=%llu is too large", vars[i].name,
                                (unsigned long long)x);
            size_t v = (size_t)x;
            memcpy((char *)cfg + vars[i].off, &v, sizeof v);
        }
    }
    return PTO_OK;
}

pto_core_type pto_core_type_of(uint32_t core)
{
    return core % PTO_CORES_PER_BLOCK == 0 ? PTO_CORE_AIC : PTO_CORE_AIV;
}

/* Fills defaults for zero fields and checks every bound. */
static pto_status resolve_config(const pto_device_config *in, pto_device_config *cfg,
                                 pto_error *err)
{
    pto_device_config def;
    pto_device_config_default(&def);
    *cfg = in ? *in : def;
    if (!cfg->blocks)
        cfg->blocks = def.blocks;
    if (!cfg->schedulers) /* the default, on fewer blocks one per block */
        cfg->schedulers =
            cfg->blocks < PTO_DEFAULT_SCHEDULERS ? cfg->blocks : PTO_DEFAULT_SCHEDULERS;
    if (!cfg->gm_bytes)
        cfg->gm_bytes = def.gm_bytes;
    if (!cfg->gm_max_allocs)
        cfg->gm_max_allocs = def.gm_max_allocs;
    if (!cfg->task_window)
        cfg->task_window = def.task_window;
    if (!cfg->dep_pool)
        cfg->dep_pool = def.dep_pool;
    if (!cfg->ready_queue)
        cfg->ready_queue = cfg->task_window < 2 ? 2 : cfg->task_window;
    if (!cfg->trace_capacity)
        cfg->trace_capacity = cfg->task_window;
    if (!cfg->heap_bytes)
        cfg->heap_bytes = def.heap_bytes;
    if (!cfg->tensormap_entries)
        cfg->tensormap_entries = def.tensormap_entries;
    if (!cfg->tensormap_buckets)
        cfg->tensormap_buckets = def.tensormap_buckets;
    const char *cb = getenv("PTO_CHECK_BOUNDS"); /* on for every device, whoever opens it */
    if (cb && *cb && strcmp(cb, "0"))
        cfg->check_bounds = 1;
    cfg->check_bounds = cfg->check_bounds != 0;
    uint32_t cores = cfg->blocks * PTO_CORES_PER_BLOCK;
    if (cfg->blocks > PTO_MAX_BLOCKS)
        return pto_fail(err, PTO_ERR_INVALID, "blocks=%u: a2a3 has 1..%d blocks", cfg->blocks,
                        PTO_MAX_BLOCKS);
    if (cfg->schedulers > PTO_MAX_AICPU_THREADS)
        return pto_fail(err, PTO_ERR_INVALID, "schedulers=%u: a2a3 has 1..%d AICPU threads",
                        cfg->schedulers, PTO_MAX_AICPU_THREADS);
    if (cfg->schedulers > cfg->blocks)
        return pto_fail(err, PTO_ERR_INVALID,
                        "schedulers=%u > blocks=%u: blocks are split across "
                        "schedulers, so each needs at least one",
                        cfg->schedulers, cfg->blocks);
    if (cfg->exec_threads > cores || cfg->exec_threads > 64)
        return pto_fail(err, PTO_ERR_INVALID, "exec_threads=%u must be <= cores (%u) and <= 64",
                        cfg->exec_threads, cores);
    const struct {
        const char *name;
        uint32_t v;
    } rings[] = {
        {"task_window (PTO_TASK_WINDOW)", cfg->task_window},
        {"dep_pool (PTO_DEP_POOL)", cfg->dep_pool},
        {"ready_queue (PTO_READY_QUEUE)", cfg->ready_queue},
        {"tensormap_entries (PTO_TENSORMAP)", cfg->tensormap_entries},
        {"tensormap_buckets (PTO_TENSORMAP_BUCKETS)", cfg->tensormap_buckets},
    };
    for (size_t i = 0; i < sizeof rings / sizeof rings[0]; i++) {
        if (!pto_is_pow2(rings[i].v))
            return pto_fail(err, PTO_ERR_INVALID, "%s=%u is not a power of two", rings[i].name,
                            rings[i].v);
        if (rings[i].v > PTO_MAX_RING)
            return pto_fail(err, PTO_ERR_INVALID, "%s=%u exceeds the limit %u", rings[i].name,
                            rings[i].v, PTO_MAX_RING);
    }
    if (cfg->ready_queue < cfg->task_window || cfg->ready_queue < 2)
        return pto_fail(err, PTO_ERR_INVALID,
                        "ready_queue=%u: must be >= 2 and >= task_window=%u, so a "
                        "ready queue holds every live task",
                        cfg->ready_queue, cfg->task_window);
    if (cfg->heap_bytes % 64 || cfg->heap_bytes > ((uint64_t)1 << 40))
        return pto_fail(err, PTO_ERR_INVALID,
                        "heap_bytes (PTO_HEAP_BYTES)=%llu must be a multiple of 64 "
                        "and at most 1 TiB",
                        (unsigned long long)cfg->heap_bytes);
    if (cfg->trace_capacity > PTO_MAX_RING * 4u)
        return pto_fail(err, PTO_ERR_INVALID, "trace_capacity=%u exceeds the limit %u",
                        cfg->trace_capacity, PTO_MAX_RING * 4u);
    return PTO_OK;
}

pto_status pto_device_open(const char *platform, const pto_device_config *in, pto_device **out,
                           pto_error *err)
{
    if (!out)
        return pto_fail(err, PTO_ERR_INVALID, "pto_device_open: out is NULL");
    *out = 0;
    const pto_platform *plat = pto_platform_find(platform ? platform : "a2a3sim");
    if (!plat)
        return pto_fail(err, PTO_ERR_NOT_FOUND, "unknown platform '%s' (known: %s)", platform,
                        pto_platform_names());
    if (!plat->threaded) { /* gated: its open says what is missing */
        void *impl;
        return plat->open(0, &impl, err);
    }

    pto_device *dev = pto_zalloc_lines(sizeof *dev);
    if (!dev)
        return pto_fail(err, PTO_ERR_NOMEM, "device object");
    pto_status st = resolve_config(in, &dev->cfg, err);
    if (st != PTO_OK) {
        free(dev);
        return st;
    }
    dev->plat = plat;
    dev->plat_mode = plat->threaded;
    dev->cores = dev->cfg.blocks * PTO_CORES_PER_BLOCK;
    pto_event_init(&dev->run_state.done);
    pto_event_init(&dev->run_state.progress);
    _Static_assert(sizeof(pto_task_record) == 64, "one record per cache line");
    dev->records_mem = calloc((size_t)dev->cfg.trace_capacity + 1, sizeof *dev->records);
    dev->records = (pto_task_record *)(((uintptr_t)dev->records_mem + 63) & ~(uintptr_t)63);
    if (!dev->records_mem) {
        uint32_t cap = dev->cfg.trace_capacity;
        free(dev);
        return pto_fail(err, PTO_ERR_NOMEM, "trace records (%u)", cap);
    }
    dev->guards = calloc(dev->cfg.task_window, sizeof *dev->guards);
    if (!dev->guards) {
        pto_device_close(dev);
        return pto_fail(err, PTO_ERR_NOMEM, "bounds-check records (%u)", dev->cfg.task_window);
    }
    if ((st = pto_gm_create_guarded(dev->cfg.gm_bytes, dev->cfg.gm_max_allocs,
                                    (int)dev->cfg.check_bounds, &dev->gm, err)) ||
        (st = pto_tb_init(&dev->tb, dev->cfg.task_window, dev->cfg.dep_pool, dev->cfg.ready_queue,
                          err)) ||
        (st = pto_heap_init(&dev->heap, dev->cfg.heap_bytes,
                            (uint64_t)dev->cfg.task_window * PTO_MAX_ARGS, err)) ||
        (st = pto_tmap_init(&dev->tmap, dev->cfg.tensormap_entries, dev->cfg.tensormap_buckets,
                            err)) ||
        (st = pto_tb_targets_reserve(&dev->tb, dev->cfg.schedulers, dev->cfg.ready_queue, err)) ||
        (st = pto_tb_edge_log_init(&dev->tb, (uint64_t)dev->cfg.trace_capacity * 4,
                                   dev->cfg.trace_capacity, err)) ||
        (st = pto_symtab_init(&dev->symbols, err)) ||
        (st = pto_run_create(dev, &dev->run_handle, err)) ||
        (st = plat->open(dev, &dev->plat_impl, err))) {
        pto_device_close(dev);
        return st;
    }
    *out = dev;
    return PTO_OK;
}

/* Devices pto_device_close had to abandon: a thread stuck in one of their
 * kernels may still touch any part of them (the kernel's code and data
 * included), so they are never freed. The list keeps them reachable, so
 * leak checkers do not report them. Only appended to, under the lock. */
static pto_device *g_abandoned;
static pthread_mutex_t g_abandoned_lock = PTHREAD_MUTEX_INITIALIZER;

void pto_device_close(pto_device *dev)
{
    if (!dev)
        return;
    /* After a watchdog timeout a thread may be stuck in a kernel: each gets
     * a short grace to end, and those that do not are abandoned. */
    struct timespec deadline, *dl = 0;
    if (dev->broken) {
        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_nsec += PTO_CLOSE_GRACE_MS * 1000000L;
        deadline.tv_sec += deadline.tv_nsec / 1000000000L;
        deadline.tv_nsec %= 1000000000L;
        dl = &deadline;
    }
    uint32_t stuck = (dev->plat_impl ? dev->plat->stop(dev->plat_impl, dl) : 0) +
                     pto_run_stop(dev->run_handle, dl);
    if (stuck) {
        pthread_mutex_lock(&g_abandoned_lock);
        dev->abandoned_next = g_abandoned;
        g_abandoned = dev;
        pthread_mutex_unlock(&g_abandoned_lock);
        return;
    }
    if (dev->plat_impl)
        dev->plat->destroy(dev->plat_impl);
    pto_run_free(dev->run_handle);
    if (dev->tb.tasks)
        pto_tb_destroy(&dev->tb);
    pto_heap_destroy(&dev->heap);
    pto_tmap_destroy(&dev->tmap);
    pto_gm_destroy(dev->gm);
    pto_kernel_table_clear_all(&dev->kernels);
    pto_symtab_destroy(&dev->symbols);
    free(dev->records_mem);
    free(dev->guards);
    free(dev);
}

void pto_device_get_info(const pto_device *dev, pto_device_info *info)
{
    if (!info)
        return;
    memset(info, 0, sizeof *info);
    if (!dev)
        return; /* all zero, platform NULL */
    info->platform = dev->plat->name;
    info->blocks = dev->cfg.blocks;
    info->aic_cores = dev->cfg.blocks;
    info->aiv_cores = dev->cfg.blocks * 2;
    info->cores = dev->cores;
    info->schedulers = dev->cfg.schedulers;
    info->exec_threads = dev->cfg.exec_threads;
    info->gm_bytes = dev->cfg.gm_bytes;
    info->task_window = dev->cfg.task_window;
    info->dep_pool = dev->cfg.dep_pool;
    info->ready_queue = dev->cfg.ready_queue;
    info->trace_capacity = dev->cfg.trace_capacity;
    info->heap_bytes = dev->cfg.heap_bytes;
    info->tensormap_entries = dev->cfg.tensormap_entries;
    info->tensormap_buckets = dev->cfg.tensormap_buckets;
    info->dispatch_cycles = dev->cfg.dispatch_cycles;
    info->check_bounds = dev->cfg.check_bounds;
}

void pto_last_run_edges(const pto_device *dev, const pto_edge **edges, size_t *count)
{
    if (edges)
        *edges = dev ? dev->tb.edge_log : NULL;
    if (count)
        *count = dev ? dev->tb.edge_n : 0;
}

void pto_last_run_records(const pto_device *dev, const pto_task_record **recs, size_t *count)
{
    if (recs)
        *recs = dev ? dev->records : NULL;
    if (count)
        *count = dev ? dev->nrecords : 0;
}
