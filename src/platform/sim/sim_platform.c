/* a2a3sim behind the platform interface (platform/platform.h): its two
 * execution modes, threaded (the schedulers run by themselves; the host
 * wakes them) and deterministic (one thread advances the discrete-event
 * simulation, des.c). */
#include "platform/platform.h"
#include "platform/sim/crash.h"
#include "platform/sim/sim.h"

static pto_status sim_open(pto_device *dev, void **impl, pto_error *err)
{
    pto_crash_install();
    pto_sim *sim = 0;
    pto_status st = pto_sim_create(dev, &sim, err);
    *impl = sim;
    return st;
}

static uint32_t sim_stop(void *impl, const struct timespec *deadline)
{
    return pto_sim_stop(impl, deadline);
}
static void sim_destroy(void *impl) { pto_sim_free(impl); }
static void sim_prepare(void *impl) { pto_sim_run_prepare(impl); }
static void sim_stats(void *impl, pto_stats *st) { pto_sim_run_stats(impl, st); }
static uint32_t sim_running(void *impl, uint32_t *cores, uint32_t *slots, uint32_t max)
{
    return pto_sim_running(impl, cores, slots, max);
}
static void sim_kill(void *impl) { atomic_store(&((pto_sim *)impl)->dead, 1); }
static uint64_t sim_kernel_since(void *impl)
{
    return atomic_load_explicit(&((pto_sim *)impl)->des_since, memory_order_acquire);
}
static int sim_confirm_stuck(void *impl, uint64_t since)
{
    return pto_des_confirm_stuck(impl, since);
}
static int sim_gave_up(void *impl)
{
    return (int)atomic_load_explicit(&((pto_sim *)impl)->des_parked, memory_order_acquire);
}
static void sim_pin(void *impl, uint32_t aicpu) { pto_sim_pin(impl, aicpu); }

static void threaded_start(void *impl) { pto_sim_wake_schedulers(impl); }
static void threaded_notify(void *impl, uint32_t target, uint32_t queue)
{
    pto_sim_notify_ready(impl, target, queue);
}
static void det_start(void *impl) { pto_des_begin(impl); }
static int det_advance(void *impl) { return pto_des_step(impl); }

static const pto_platform_mode threaded = {
    .name = "a2a3sim", .start = threaded_start, .notify = threaded_notify};
static const pto_platform_mode deterministic = {
    .name = "a2a3sim (deterministic)", .start = det_start, .advance = det_advance};

const pto_platform pto_a2a3sim = {.name = "a2a3sim",
                                  .open = sim_open,
                                  .stop = sim_stop,
                                  .destroy = sim_destroy,
                                  .threaded = &threaded,
                                  .deterministic = &deterministic,
                                  .prepare = sim_prepare,
                                  .stats = sim_stats,
                                  .running = sim_running,
                                  .kill = sim_kill,
                                  .kernel_since = sim_kernel_since,
                                  .confirm_stuck = sim_confirm_stuck,
                                  .gave_up = sim_gave_up,
                                  .pin = sim_pin,
                                  .thread_begin = pto_crash_thread_begin,
                                  .thread_end = pto_crash_thread_end};
