/* Devices: platform selection, arch shape, device (GM) memory. */
#ifndef PTO_DEVICE_H
#define PTO_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "pto/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* a2a3 arch limits (DESIGN §3). */
#define PTO_MAX_BLOCKS 24
#define PTO_CORES_PER_BLOCK 3 /* 1 AIC + 2 AIV */
#define PTO_MAX_CORES (PTO_MAX_BLOCKS * PTO_CORES_PER_BLOCK)
#define PTO_MAX_AICPU_THREADS 4

typedef enum pto_core_type {
    PTO_CORE_AIC = 0, /* cube core: one per block */
    PTO_CORE_AIV = 1, /* vector core: two per block */
    PTO_CORE_TYPES = 2
} pto_core_type;

typedef struct pto_device pto_device;

/* Device configuration. Start from pto_device_config_default(); zero in a
 * size field means "use the default". All runtime resources are allocated
 * once, at pto_device_open, from these sizes. */
typedef struct pto_device_config {
    uint32_t blocks;            /* 1..24 blocks of 1 AIC + 2 AIV (default 24) */
    uint32_t schedulers;        /* AICPU scheduler threads 1..4, at most blocks
                                 (0, the default: 3, or blocks if fewer) */
    uint32_t exec_threads;      /* sim only: 0 (default) = each scheduler thread
                                 also hosts the executors of its own cores;
                                 1..64 = that many dedicated executor threads,
                                 core c served by thread c % exec_threads */
    size_t gm_bytes;            /* device global memory arena (default 512 MiB) */
    uint32_t gm_max_allocs;     /* live device allocations (default 65536) */
    uint32_t task_window;       /* task ring slots, power of two (default 16384) */
    uint32_t dep_pool;          /* dep-list nodes, power of two (default 65536) */
    uint32_t ready_queue;       /* per core type, power of two >= task_window
                                 (default = task_window) */
    uint32_t trace_capacity;    /* per-task timing records kept per run
                                 (default = task_window) */
    uint64_t heap_bytes;        /* heap arena for PTO_OUT tensors, multiple of 64
                                 (default 256 MiB, reserved lazily) */
    uint32_t tensormap_entries; /* TensorMap pool, power of two (default 65536) */
    uint32_t tensormap_buckets; /* TensorMap hash buckets per table, power of two
                                   (default 65536: chains stay short even when one
                                   tile has thousands of live readers) */
    uint32_t dispatch_cycles;   /* arch model: cycles from dispatch to kernel
                                 start on a core (default 0) */
    uint32_t check_bounds;      /* 1: bounds-checking mode for every run of the
                                 device (also when PTO_CHECK_BOUNDS=1 is in the
                                 environment at open): every pto_malloc
                                 buffer gets a 64-byte red zone on each side
                                 (it occupies round64(bytes) + 128 bytes of
                                 GM), and runs check them (see
                                 pto_run_config.check_bounds) */
} pto_device_config;

/* NULL handles: functions taking a device (or run) return PTO_ERR_INVALID
 * for NULL, or do nothing when they return nothing (get_info zeroes info;
 * close ignores NULL). */

PTO_API void pto_device_config_default(pto_device_config *cfg); /* NULL: no-op */

/* Reads PTO_BLOCKS, PTO_SCHEDULERS, PTO_EXEC_THREADS, PTO_TASK_WINDOW,
 * PTO_DEP_POOL, PTO_READY_QUEUE, PTO_TRACE_CAPACITY, PTO_GM_BYTES,
 * PTO_HEAP_BYTES, PTO_TENSORMAP, PTO_TENSORMAP_BUCKETS, PTO_DISPATCH_CYCLES,
 * PTO_CHECK_BOUNDS from the environment
 * into cfg (fields whose variable is unset are left alone). Values are plain
 * decimal numbers: "010", "0x10", "-1", "+1", " 1", "" and values above the
 * field's range are PTO_ERR_INVALID with a message naming the variable and
 * quoting its text, as is 0 for a size (PTO_EXEC_THREADS=0 and
 * PTO_DISPATCH_CYCLES=0 are values: hosted executors, no overhead). The
 * device also reads PTO_SPIN_US (idle spin before parking, default 50, at
 * most 10000000) and PTO_PIN_THREADS (0 or 1) when it opens, by the same
 * rules. */
PTO_API pto_status pto_device_config_from_env(pto_device_config *cfg, pto_error *err);

/* The rule for every number a user types (PTO_* variables, `pto` flags):
 * plain decimal. Returns NULL and stores the value when `text` is one, else
 * why not ("a leading zero is not allowed ...", "hexadecimal is not
 * allowed", "a sign is not allowed", "spaces are not allowed", too large,
 * empty), for a message that quotes the text. */
PTO_API const char *pto_parse_decimal(const char *text, uint64_t *out);

/* Opens a device. platform: "a2a3sim" (host-thread simulation, default when
 * NULL) or "a2a3" (real Ascend; fails with PTO_ERR_TOOLCHAIN when CANN is
 * absent). cfg may be NULL for defaults. */
PTO_API pto_status pto_device_open(const char *platform, const pto_device_config *cfg,
                                   pto_device **out, pto_error *err);
/* Stops the device's threads and frees it. Returns promptly in every case.
 * After a run failed with PTO_ERR_TIMEOUT (the device is dead) a thread may
 * be stuck in a kernel that never returns: each thread then gets 100 ms to
 * end, and one that does not is abandoned — detached, never joined. Since
 * its kernel may still touch anything of the device (GM, task slots, the
 * loaded kernel code), the memory of a device with an abandoned thread is
 * deliberately never freed (it stays reachable, so leak checkers do not
 * report it), and a deterministic-mode driver thread that comes back from
 * such a kernel sleeps until the process ends. */
PTO_API void pto_device_close(pto_device *dev);

typedef struct pto_device_info {
    const char *platform;
    uint32_t blocks, aic_cores, aiv_cores, cores;
    uint32_t schedulers, exec_threads;
    size_t gm_bytes;
    uint32_t task_window, dep_pool, ready_queue, trace_capacity;
    uint64_t heap_bytes;
    uint32_t tensormap_entries, tensormap_buckets;
    uint32_t dispatch_cycles;
    uint32_t check_bounds;
} pto_device_info;

/* dev NULL: info is zeroed (platform NULL); info NULL: nothing. */
PTO_API void pto_device_get_info(const pto_device *dev, pto_device_info *info);

/* Core index layout: core c belongs to block c / 3; c % 3 == 0 is the AIC. */
PTO_API pto_core_type pto_core_type_of(uint32_t core);

/* Device memory. Pointers returned are device addresses; on a2a3sim they are
 * host addresses inside the GM arena and may be handed to kernels as u64. */
PTO_API pto_status pto_malloc(pto_device *dev, size_t bytes, void **out, pto_error *err);
PTO_API pto_status pto_free(pto_device *dev, void *ptr, pto_error *err);
PTO_API pto_status pto_copy_to_device(pto_device *dev, void *dst, const void *src, size_t bytes,
                                      pto_error *err);
PTO_API pto_status pto_copy_from_device(pto_device *dev, void *dst, const void *src, size_t bytes,
                                        pto_error *err);

#ifdef __cplusplus
}
#endif
#endif
