/* Building the task graph: raw tasks, explicit dependencies, copy-back, and
 * the publication rule shared by both run modes. */
#include <string.h>

#include "core/clock.h"
#include "core/device.h"
#include "util/error.h"
#include "orchestration/run_internal.h"
#include "platform/platform.h"

_Thread_local struct pto_run *pto_orchestrating;

pto_status pto_run_check_kernel(pto_run *run, const char *what, const char *arg, int func_id,
                                pto_core_type type, pto_error *err)
{
    const pto_kernel_entry *k = pto_kernel_lookup(&run->dev->kernels, func_id);
    if (!k)
        return pto_fail(err, PTO_ERR_NOT_FOUND, "%s: %s %d is not a registered kernel", what, arg,
                        func_id);
    if (type != k->type)
        return pto_fail(err, PTO_ERR_INVALID, "%s: %s %d (%s) is registered for %s, not %s", what,
                        arg, func_id, k->name, pto_queue_name(k->type), pto_queue_name(type));
    return PTO_OK;
}

pto_status pto_run_check_building(pto_run *run, const char *what, pto_error *err)
{
    if (!run)
        return pto_fail(err, PTO_ERR_INVALID, "%s: run is NULL", what);
    if (!run->building)
        return pto_fail(err, PTO_ERR_STATE, "%s: only valid inside the orchestration function",
                        what);
    return PTO_OK;
}

uint64_t pto_run_vnext(const pto_run *run) { return run->dev->tb.next_id + run->drained; }

void pto_run_publish_upto(pto_run *run, uint64_t end)
{
    if (run->cfg.mode != PTO_MODE_STREAMED)
        return; /* host-built: the launch publishes the whole graph */
    pto_task_buffer *tb = &run->dev->tb;
    uint32_t queues = pto_tb_publish_upto(tb, end);
    for (uint32_t q = 0; queues && q < PTO_NQUEUES; q++)
        if (queues >> q & 1)
            pto_platform_notify(run->dev, PTO_TARGET_ANY, q);
    for (uint64_t m = tb->targets_pushed; m; m &= m - 1) /* routed tasks: their lanes */
        pto_platform_notify(run->dev, (uint32_t)__builtin_ctzll(m), PTO_NQUEUES);
    tb->targets_pushed = 0;
}

void pto_run_publish(pto_run *run) { pto_run_publish_upto(run, run->dev->tb.next_id); }

void pto_run_publish_batch(pto_run *run)
{
    /* The clock (rdtsc, ~25 ns in a VM) is read only when the number held
     * reaches a power of two: a slow loop still publishes within about
     * twice the delay, a fast one pays a few reads per batch. */
    uint64_t held = run->dev->tb.next_id - run->dev->tb.publish_next;
    if (held >= run->batch || (held >= 2 && !(held & (held - 1)) &&
                               pto_now_ns() - run->held_since >= PTO_PUBLISH_DELAY_NS))
        pto_run_publish(run);
}

pto_status pto_run_add(pto_run *run, int func_id, uint32_t queue, uint8_t target,
                       const uint64_t *args, uint32_t nargs, int slot_reserved, pto_task **out,
                       pto_error *err)
{
    *out = 0;
    if (!slot_reserved) {
        pto_run_publish_batch(run);
        pto_status st = pto_run_window(run, err);
        if (st)
            return st;
        if (pto_tb_live(&run->dev->tb) >= run->dev->tb.window) {
            pto_run_publish(run); /* may wait: the wired tasks must be able to run */
            if ((st = pto_flow_acquire(run, PTO_STALL_TASK_RING_FULL, 1, 0, 0, err)))
                return st;
        }
    }
    run->has_key = 0;  /* the key was this task's */
    if (run->failed) { /* after a deadlock: count only */
        run->drained++;
        pto_scalars_clear_next(&run->sc);
        if (run->csp.cur && !run->csp.raw) /* the processes go on, so the count is whole */
            pto_csp_added(&run->csp, &run->dev->tb, pto_run_vnext(run) - 1, NULL, 0);
        return PTO_OK;
    }
    pto_task *t = pto_tb_add(&run->dev->tb, func_id, queue, args, nargs, run->depth);
    t->target = target;
    if (__builtin_expect(run->sc.evals != 0, 0)) /* and its predicate, key expression... */
        pto_scalars_attach(run, t);
    if (t->id == run->dev->tb.publish_next && run->batch > 1)
        run->held_since = pto_now_ns(); /* first of a publication batch */
    *out = t;
    return PTO_OK;
}

/* Bounds mode: a raw task's arguments are u64s, not tensors; each one that
 * points into a live device buffer with red zones counts as a buffer the
 * task touches. */
static void guard_args(pto_run *run, pto_task *t, const uint64_t *args, uint32_t nargs)
{
    pto_device *dev = run->dev;
    pto_guard_set *g = &dev->guards[t->id & dev->tb.mask];
    g->task = t->id;
    g->n = 0;
    for (uint32_t i = 0; i < nargs; i++) {
        uintptr_t start;
        size_t bytes;
        pto_heap_span s;
        const void *p = pto_bits_ptr(args[i]);
        if (pto_gm_guarded(dev->gm) &&
            pto_gm_find(dev->gm, p, &start, &bytes, NULL) == PTO_GM_FOUND)
            pto_guard_add(g, start, bytes, i, PTO_GUARD_ARG);
        else if (pto_heap_find(&dev->heap, (uintptr_t)p, &s) == PTO_HEAP_FOUND)
            pto_guard_add(g, pto_ptr_bits(pto_heap_addr(&dev->heap, s.pos)), s.end - s.pos, i,
                          PTO_GUARD_ARG);
    }
}

pto_status pto_add_task(pto_run *run, int func_id, pto_core_type type, const uint64_t *args,
                        uint32_t nargs, pto_task_id *out, pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_add_task", err);
    if (st)
        return st;
    if ((st = pto_run_check_kernel(run, "pto_add_task", "func_id", func_id, type, err)))
        return st;
    if (nargs > PTO_MAX_ARGS || (nargs && !args))
        return pto_fail(err, PTO_ERR_INVALID, "pto_add_task: %u args (at most %d, non-NULL)", nargs,
                        PTO_MAX_ARGS);
    if (run->csp.cur)
        return pto_fail(err, PTO_ERR_STATE,
                        "pto_add_task: process '%s' submits with pto_submit (a process's tasks "
                        "get its program order and tokens as inferred edges)",
                        run->csp.cur->name);
    pto_task *t;
    uint8_t target;
    if ((st = pto_run_route(run, func_id, type, &target, err)) ||
        (st = pto_run_add(run, func_id, type, target, args, nargs, 0, &t, err)))
        return st;
    if (t && run->bounds)
        guard_args(run, t, args, nargs);
    if (out)
        *out = t ? t->id : pto_run_vnext(run);
    return PTO_OK;
}

pto_status pto_add_dep(pto_run *run, pto_task_id producer, pto_task_id consumer, pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_add_dep", err);
    if (st)
        return st;
    if (run->failed) { /* counted only: at most one dep node */
        pto_flow_drained(run, PTO_STALL_DEPLIST_POOL_FULL, 1);
        return PTO_OK;
    }
    pto_task_buffer *tb = &run->dev->tb;
    uint64_t lo = atomic_load(&tb->last_alive);
    if (producer >= tb->next_id || consumer >= tb->next_id || consumer < lo)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_add_dep: t%llu -> t%llu names a task that does not exist "
                        "(tasks so far: %llu)",
                        (unsigned long long)producer, (unsigned long long)consumer,
                        (unsigned long long)tb->next_id);
    if (run->cfg.mode == PTO_MODE_STREAMED &&
        (consumer != tb->next_id - 1 || consumer < tb->publish_next))
        return pto_fail(err, PTO_ERR_STATE,
                        "pto_add_dep: t%llu can no longer take dependencies; in a "
                        "streamed run only the newest task (t%llu) can, until the next "
                        "submit or pto_read hands it to the schedulers",
                        (unsigned long long)consumer, (unsigned long long)(tb->next_id - 1));
    if (producer < lo)
        return PTO_OK;                       /* producer already retired: nothing to wait for */
    if (!pto_tb_dep_free(tb)) {              /* (the common case needs no call into flow control) */
        pto_run_publish_upto(run, consumer); /* may wait; the consumer is still being wired */
        if ((st = pto_flow_acquire(run, PTO_STALL_DEPLIST_POOL_FULL, 1, 0, 0, err)))
            return st;
    }
    if (run->failed)
        return PTO_OK;
    if (producer < atomic_load(&tb->last_alive))
        return PTO_OK; /* retired while we waited */
    return pto_tb_add_dep(tb, producer, consumer, err);
}

pto_status pto_copy_back(pto_run *run, void *host_dst, const void *dev_src, size_t bytes,
                         pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_copy_back", err);
    if (st)
        return st;
    if (!host_dst)
        return pto_fail(err, PTO_ERR_INVALID, "pto_copy_back: host destination is NULL");
    if ((st = pto_gm_check_range(run->dev->gm, dev_src, bytes, err)))
        return st;
    if (run->ncopies >= PTO_MAX_COPY_BACKS)
        return pto_fail(err, PTO_ERR_CAPACITY, "pto_copy_back: more than %d copy-backs",
                        PTO_MAX_COPY_BACKS);
    run->copies[run->ncopies++] = (pto_copy_back_rec){host_dst, dev_src, bytes};
    return PTO_OK;
}
