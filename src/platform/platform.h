/* The platform interface: the only way the device object (runtime/) and the
 * orchestration (orchestration/) reach a platform. A platform is an entry of
 * the name table (platform.c), chosen when a device opens; it offers an
 * execution mode per kind of run — threaded and deterministic for a2a3sim;
 * a2a3 is gated (its open reports what is missing). Everything behind these
 * operations (threads, handshake, dispatch) is the platform's own.
 *
 * What each platform and mode does with each schedule directive is the
 * capability matrix (platform/caps.h, a table of data in caps.c), part of
 * this interface.
 *
 * Invariants: dev->plat and dev->plat_impl are set by pto_device_open and
 * never change; dev->plat_mode is set by the launching thread before a run
 * starts (pto_platform_begin_run) and read by every thread of that run. */
#ifndef PTO_PLATFORM_PLATFORM_H
#define PTO_PLATFORM_PLATFORM_H

#include <stdint.h>
#include <time.h>

#include "core/device.h"
#include "platform/caps.h"

/* One execution mode of a platform. */
typedef struct pto_platform_mode {
    const char *name;
    /* Tasks may be published from now on: threaded, wake the schedulers;
     * deterministic, reset the simulation (on the thread that drives it). */
    void (*start)(void *impl);
    /* Tasks were pushed to ready queue `queue` of `target` (a lane, or
     * PTO_TARGET_ANY; queue PTO_NQUEUES: any of its queues). Threaded: wake
     * a parked scheduler that can run them. NULL: nothing to do. */
    void (*notify)(void *impl, uint32_t target, uint32_t queue);
    /* Drives the run to its next completion; 0 when nothing can run. NULL
     * for a platform that runs by itself (the caller waits instead). */
    int (*advance)(void *impl);
} pto_platform_mode;

typedef struct pto_platform {
    const char *name;
    /* Lifecycle: open starts the platform for dev (threads, registers);
     * stop ends its threads, abandoning those still running at deadline
     * (CLOCK_REALTIME; NULL: wait) and returning how many were abandoned
     * (impl must then never be freed); destroy frees it. */
    pto_status (*open)(pto_device *dev, void **impl, pto_error *err);
    uint32_t (*stop)(void *impl, const struct timespec *deadline);
    void (*destroy)(void *impl);
    const pto_platform_mode *threaded, *deterministic; /* NULL: not offered */
    /* Per run: reset counters before it, statistics after it. */
    void (*prepare)(void *impl);
    void (*stats)(void *impl, pto_stats *st);
    /* Cores holding a task now (racy, for reports): fills cores and ring
     * slots, returns the count. */
    uint32_t (*running)(void *impl, uint32_t *cores, uint32_t *slots, uint32_t max);
    /* A watchdog fired: start no kernel any more. */
    void (*kill)(void *impl);
    /* The deterministic mode's watchdog (see run.c): when the kernel it is
     * inside started (pto_now_ns, 0 when outside kernels); whether it is
     * certainly still inside the one that started at `since` (it then never
     * runs anything else); whether it has parked for good. */
    uint64_t (*kernel_since)(void *impl);
    int (*confirm_stuck)(void *impl, uint64_t since);
    int (*gave_up)(void *impl);
    /* Threads that run kernels outside the platform's own (the AICPU
     * orchestrator thread, which drives deterministic runs): pin it as AICPU
     * thread `aicpu`; begin/end its crash reporting. */
    void (*pin)(void *impl, uint32_t aicpu);
    void *(*thread_begin)(const pto_device *dev);
    void (*thread_end)(void *token);
} pto_platform;

/* The name table: the platform called `name`, or NULL. */
const pto_platform *pto_platform_find(const char *name);
/* The names, for messages: "a2a3sim, a2a3". */
const char *pto_platform_names(void);

/* Short forms for the callers above the platform. */
static inline void pto_platform_notify(pto_device *dev, uint32_t target, uint32_t queue)
{
    if (dev->plat_mode->notify)
        dev->plat_mode->notify(dev->plat_impl, target, queue);
}
static inline int pto_platform_advance(pto_device *dev)
{
    return dev->plat_mode->advance(dev->plat_impl);
}

#endif
