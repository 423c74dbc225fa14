/* Streamed submission: tensor parameters, dependency inference through the
 * TensorMap (RAW, WAR, WAW over overlapping views), heap-arena outputs,
 * dummy tasks, task shapes beyond one core (SPMD, MIX), and reading a value
 * back into orchestration. */
#include <stddef.h>
#include <string.h>

#include "core/bits.h"
#include "core/redzone.h"
#include "core/device.h"
#include "util/error.h"
#include "orchestration/run_internal.h"

/* Collects the producers found for one submission, deduplicated by slot. */
static void add_producer(void *arg, uint64_t task, int is_write)
{
    pto_run *run = arg;
    (void)is_write;
    uint32_t slot = (uint32_t)(task & run->dev->tb.mask);
    if (run->seen[slot] == run->seen_epoch)
        return;
    run->seen[slot] = run->seen_epoch;
    run->producers[run->nproducers++] = task;
}

/* One tensor parameter taking part in inference (a tensor is its own
 * region), with its key computed once for both the query and the insert. */
typedef struct access {
    const pto_tensor *t;
    pto_tmap_key key;
    int write;
} access;

static void access_of(pto_tensor_map *tm, const pto_tensor *t, int write, uint64_t lo, uint64_t hi,
                      int dense, access *a)
{
    a->t = t;
    pto_tmap_key_bounds(tm, pto_ptr_bits(t->base), lo, hi, dense, &a->key);
    a->write = write;
}

/* What one pass over the parameters learns before anything changes. */
typedef struct plan {
    /* kernel arguments (PTO_OUT: filled later) */
    uint64_t args[PTO_MAX_ARGS];
    /* inference: reads and in-place writes first, then the PTO_OUT
     * outputs, then the slots (scalars.c) */
    access acc[PTO_MAX_ARGS + PTO_TASK_SLOT_READS + 1];
    /* the slots' regions */
    pto_tensor slot[PTO_TASK_SLOT_READS + 1];
    /* a view whose base is not its buffer's start: the same view on the
     * start (only those parameters' entries are written) */
    pto_tensor norm[PTO_MAX_ARGS];
    /* PTO_OUT parameters: the output's size */
    uint64_t out_bytes[PTO_MAX_ARGS];
    /* PTO_OUT bytes, each rounded to 64 (bounds mode: plus a red zone
     * after each output and one before the first) */
    uint64_t heap_bytes;
    /* lowest heap counter among the views read (UINT64_MAX: none), which
     * must stay live */
    uint64_t heap_min;
    uint32_t heap_min_param;
    uint32_t tensors; /* tensors that take TensorMap entries */
    uint32_t nacc, nout;
    pto_guard_set guards; /* bounds mode: buffers to check at FIN */
} plan;

/* Bounds mode: the red zones of a checked view's buffer, if it has any (an
 * output of this run does; a GM buffer does in a guarded arena). */
static void guard_view(pto_run *run, plan *pl, const pto_view *v, uint32_t i, pto_param_kind k)
{
    if (v->where == PTO_VIEW_HEAP || pto_gm_guarded(run->dev->gm))
        pto_guard_add(&pl->guards, v->buf, v->buf_bytes, i, k);
}

/* Checks every parameter and fills *pl: the kernel arguments of everything
 * but PTO_OUT, the sizes of the outputs, and (when inferring) the accesses
 * of the existing tensors. After a deadlock (run->failed) tasks are only
 * counted: views are not checked, outputs are not placed. */
static pto_status plan_params(pto_run *run, const char *what, const pto_param *p, uint32_t n,
                              int infer, plan *pl, pto_error *err)
{
    if (n > PTO_MAX_ARGS || (n && !p))
        return pto_fail(err, PTO_ERR_INVALID, "%s: %u params (at most %d)", what, n, PTO_MAX_ARGS);
    pto_device *dev = run->dev;
    int check = !run->failed;
    uint64_t rz = run->bounds ? PTO_REDZONE : 0;
    pl->heap_bytes = 0;
    pl->heap_min = UINT64_MAX;
    pl->tensors = pl->nacc = pl->nout = 0;
    pl->guards.n = 0;
    if (check)
        pto_view_cache_sync(run);
    for (uint32_t i = 0; i < n; i++) {
        pto_param_kind k = p[i].kind;
        if (k == PTO_SCALAR) {
            pl->args[i] = p[i].scalar;
            continue;
        }
        if ((unsigned)k > PTO_SCALAR)
            return pto_fail(err, PTO_ERR_INVALID, "%s: param %u has kind %d", what, i, k);
        const pto_tensor *t = &p[i].tensor;
        if (k == PTO_OUT) {
            uint64_t b = 0; /* set by the call; gcc -fsanitize=thread cannot tell */
            pto_status st = pto_view_out_bytes(run, what, i, t, dev->heap.size, &b, err);
            if (st)
                return st;
            pl->out_bytes[i] = b;
            pl->heap_bytes += pto_round_up(b, 64) + rz;
            pl->nout++;
            pl->tensors++;
            continue;
        }
        pto_view v;
        if (check) {
            pto_status st =
                pto_view_check(run, &run->vcache, &dev->heap, what, i, k, t, infer, &v, err);
            if (st)
                return st;
            if (v.where == PTO_VIEW_HEAP && v.heap_pos < pl->heap_min) {
                pl->heap_min = v.heap_pos;
                pl->heap_min_param = i;
            }
            if (rz)
                guard_view(run, pl, &v, i, k);
        }
        pl->args[i] = pto_ptr_bits(t->base) + t->offset;
        if (k == PTO_NO_DEP)
            continue;
        pl->tensors++;
        if (infer) {
            /* Keyed by the containing buffer's start, with the bounds and
             * the region shifted to it, so that views of one buffer meet
             * in the map whatever interior pointer each uses as its base.
             * The usual base is the start: one compare. */
            uint64_t lo = v.lo, hi = v.hi;
            if (__builtin_expect((uintptr_t)t->base != v.buf, 0)) {
                uint64_t delta = (uintptr_t)t->base - v.buf; /* lo, hi + delta <= buf_bytes */
                pto_tensor *c = &pl->norm[i];
                *c = *t;
                c->base = (void *)v.buf;
                c->offset += delta;
                lo += delta;
                hi += delta;
                t = c;
            }
            access_of(&dev->tmap, t, k != PTO_IN, lo, hi, v.dense, &pl->acc[pl->nacc++]);
        }
    }
    if (pl->nout)
        pl->heap_bytes += rz;
    return PTO_OK;
}

/* Carves the PTO_OUT outputs, contiguous and row-major, from the task's heap
 * block (whose last byte is before counter heap_mark), notes them in the
 * heap arena's output index, and records them as written. Bounds mode: a
 * red zone before the first output and after each. */
static void place_outputs(pto_run *run, pto_param *p, uint32_t n, void *heap, uint64_t heap_mark,
                          int infer, plan *pl)
{
    pto_heap_arena *ha = &run->dev->heap;
    uint64_t rz = run->bounds ? PTO_REDZONE : 0;
    uint8_t *at = (uint8_t *)heap + rz;
    uint64_t pos = heap_mark - pl->heap_bytes + rz;
    for (uint32_t i = 0; i < n; i++) {
        if (p[i].kind != PTO_OUT)
            continue;
        pto_tensor *t = &p[i].tensor;
        if (!run->failed) {
            uint64_t b = pl->out_bytes[i];
            t->base = at;
            t->offset = 0;
            uint64_t s = t->elem;
            for (uint32_t d = t->ndim; d-- > 0;) {
                t->stride[d] = s;
                s *= t->shape[d]; /* no overflow: s <= b (checked) */
            }
            t->alloc_pos = pos;
            t->alloc_bytes = b;
            pto_heap_note(ha, pos, b);
            if (rz) {
                pto_heap_guard(ha, at, b);
                pto_guard_add(&pl->guards, pto_ptr_bits(at), b, i, PTO_OUT);
            }
            uint64_t step = pto_round_up(b, 64) + rz;
            at += step;
            pos += step;
            if (infer)
                access_of(&run->dev->tmap, t, 1, 0, b, 1, &pl->acc[pl->nacc++]);
        }
        pl->args[i] = pto_ptr_bits(t->base) + t->offset;
    }
}

/* After a deadlock a submission is only counted (see pto_deadlock); for the
 * report's advice, what would it have taken of the TensorMap (one entry per
 * inferred tensor) and of the dep pool (one node per live producer the map
 * knows for its tensors, and one for each tensor with none there: its
 * producer may be a task counted since, which is not in the map)? */
static void count_drained(pto_run *run, const pto_param *p, uint32_t n)
{
    if (run->scopes[run->depth].mode != PTO_SCOPE_AUTO)
        return;
    pto_tensor_map *tm = &run->dev->tmap;
    uint64_t frontier = atomic_load(&run->dev->tb.last_alive), tensors = 0, deps = 0;
    run->nproducers = 0;
    run->seen_epoch++;
    pto_view_cache_sync(run);
    for (uint32_t i = 0; i < n; i++) {
        pto_param_kind k = p[i].kind;
        if (k == PTO_SCALAR || k == PTO_NO_DEP)
            continue;
        tensors++;
        if (k == PTO_OUT)
            continue;            /* a fresh output has no producer */
        if (!p[i].tensor.base) { /* the output of a counted-only task */
            deps++;
            continue;
        }
        /* Keyed like the inserts (plan_params): by the start of the buffer
         * holding the view, when it can still be found. */
        pto_tensor r = p[i].tensor;
        pto_view v;
        if (pto_view_check(run, &run->vcache, &run->dev->heap, "pto_submit", i, k, &r, 0, &v,
                           NULL) == PTO_OK) {
            r.offset += (uintptr_t)r.base - v.buf;
            r.base = (void *)v.buf;
        }
        uint32_t before = run->nproducers;
        pto_tmap_query(tm, pto_ptr_bits(r.base), &r, frontier, add_producer, run,
                       k == PTO_IN ? PTO_TMAP_WRITERS : PTO_TMAP_WRITERS | PTO_TMAP_READERS);
        deps += run->nproducers == before;
    }
    pto_flow_drained(run, PTO_STALL_TENSORMAP_POOL_FULL, tensors);
    pto_flow_drained(run, PTO_STALL_DEPLIST_POOL_FULL, deps + run->nproducers);
}

/* The slots the next task's scalar work reads and writes, as accesses to
 * their regions &slots[i] (scalars.c): ordered like tensor accesses. */
static void slot_accesses(pto_run *run, plan *pl)
{
    pto_run_scalars *sc = &run->sc;
    uint32_t n = 0;
    for (uint32_t i = 0; i <= sc->nreads; i++) {
        int write = i == sc->nreads;
        if (write && sc->write < 0)
            break;
        uint32_t s = write ? (uint32_t)sc->write : sc->reads[i];
        pl->slot[n] = pto_tensor_1d(&sc->slots[s], 1, sizeof sc->slots[s]);
        access_of(&run->dev->tmap, &pl->slot[n], write, 0, sizeof sc->slots[s], 1,
                  &pl->acc[pl->nacc++]);
        n++;
    }
    pl->tensors += n;
}

/* A task's shape beyond one core (see pto_tb_set_shape); NULL: one core. */
typedef struct shape {
    uint32_t nparts, mix;
    int aiv_func_id;
} shape;

static pto_status submit(pto_run *run, const char *what, int func_id, uint32_t queue,
                         const shape *sh, pto_param *p, uint32_t n, pto_task_id *out,
                         pto_error *err)
{
    pto_device *dev = run->dev;
    pto_task_buffer *tb = &dev->tb;
    int infer = run->scopes[run->depth].mode == PTO_SCOPE_AUTO && !run->failed;
    plan pl;
    uint8_t target = PTO_TARGET_ANY;
    pto_status st = plan_params(run, what, p, n, infer, &pl, err);
    if (st || (queue < PTO_CORE_TYPES && /* one-core and SPMD tasks are routed */
               (st = pto_run_route(run, func_id, (pto_core_type)queue, &target, err))))
        return st;
    if (__builtin_expect(run->sc.evals != 0, 0) && infer)
        slot_accesses(run, &pl);
    if (run->failed)
        count_drained(run, p, n);
    run->heap_requested += pl.heap_bytes;
    pto_run_publish_batch(run);
    /* 0. The task window (may wait) before anything of the task exists. */
    if ((st = pto_run_window(run, err)))
        return st;

    /* 1. Producers of everything this task reads or overwrites: reads wait
     * for writers; writes also for readers, and supersede the earlier
     * accesses they cover. */
    run->nproducers = 0;
    run->seen_epoch++;
    if (infer) {
        uint64_t frontier = atomic_load(&tb->last_alive);
        pto_tmap_retire(&dev->tmap, frontier); /* keeps occupancy true */
        for (uint32_t i = 0; i < pl.nacc; i++)
            pto_tmap_query_k(&dev->tmap, pl.acc[i].t, &pl.acc[i].key, frontier, add_producer, run,
                             pl.acc[i].write
                                 ? PTO_TMAP_WRITERS | PTO_TMAP_READERS | PTO_TMAP_SUPERSEDE
                                 : PTO_TMAP_WRITERS);
    }
    uint32_t start_edges = 0; /* CSP: waits for receiving tasks to start */
    if (__builtin_expect(run->csp.cur != NULL, 0) && !run->csp.raw) {
        /* a process's program order, its tokens (csp.h): after its last
         * task (`order`: unless implied) and the arrivals it received;
         * start_edges for its sends */
        const pto_csp_proc *cp = run->csp.cur;
        uint64_t frontier = atomic_load(&tb->last_alive);
        if (cp->order != PTO_CSP_NONE && cp->order >= frontier)
            add_producer(run, cp->order, 0);
        for (uint32_t i = 0; i < cp->nafter; i++) /* (nafter <= PTO_CSP_AFTER) */
            if (cp->after[i] >= frontier)
                add_producer(run, cp->after[i], 0);
        start_edges = cp->nstart;
    }
    /* 2. Room in every resource before the task exists (stalls here). */
    void *heap = 0;
    uint64_t heap_mark = 0, tensors = infer ? pl.tensors : 0;
    int room = pto_flow_has_room(run, run->nproducers + start_edges, tensors);
    int heap_due = pl.heap_bytes != 0;
    if (room && heap_due && pl.heap_bytes <= dev->heap.size &&
        pto_heap_alloc(&dev->heap, pl.heap_bytes, &heap, &heap_mark) == 0)
        heap_due = 0;
    if (!room || heap_due)
        pto_run_publish(run); /* may wait: the wired tasks must be able to run */
    if ((!room && ((st = pto_flow_acquire(run, PTO_STALL_TASK_RING_FULL, 1, 0, 0, err)) ||
                   (st = pto_flow_acquire(run, PTO_STALL_DEPLIST_POOL_FULL,
                                          run->nproducers + start_edges, 0, 0, err)) ||
                   (tensors && (st = pto_flow_acquire(run, PTO_STALL_TENSORMAP_POOL_FULL, tensors,
                                                      0, 0, err))))) ||
        (heap_due && (st = pto_flow_acquire(run, PTO_STALL_HEAP_ARENA_FULL, pl.heap_bytes, &heap,
                                            &heap_mark, err))))
        return st;
    /* A stall retires tasks: an output this task reads must still be live
     * (it is not when its scope had ended -- the view was checked first). */
    if (pl.heap_min < dev->heap.tail && !run->failed)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: param %u (%s): the PTO_OUT output it views is no longer "
                        "allocated: its task retired while this submit waited for room "
                        "(its scope had ended)",
                        what, pl.heap_min_param, pto_param_kind_name(p[pl.heap_min_param].kind));
    /* 3. Outputs are carved from this task's heap block. */
    if (pl.nout)
        place_outputs(run, p, n, heap, heap_mark, infer, &pl);
    pto_task *t;
    /* The ring slot was reserved in step 2 (nothing is published since). */
    if ((st = pto_run_add(run, func_id, queue, target, pl.args, queue == PTO_QUEUE_DUMMY ? 0 : n, 1,
                          &t, err)))
        return st;
    if (!t) { /* deadlocked: counted only */
        if (out)
            *out = pto_run_vnext(run) - 1;
        return PTO_OK;
    }
    t->heap_mark = heap_mark;
    if (sh) /* before anything can publish it */
        pto_tb_set_shape(tb, t, sh->nparts, sh->mix, sh->aiv_func_id);
    if (run->bounds) {
        pto_guard_set *g = &dev->guards[t->id & tb->mask];
        g->task = t->id;
        g->n = 0;
        for (uint32_t i = 0; queue != PTO_QUEUE_DUMMY && i < pl.guards.n; i++)
            g->g[g->n++] = pl.guards.g[i];
    }
    /* 4. Wire producers that have not retired meanwhile; record accesses
     * (room was reserved above, so the inserts cannot fail). */
    uint64_t frontier = atomic_load(&tb->last_alive);
    for (uint32_t i = 0; i < run->nproducers; i++)
        if (run->producers[i] >= frontier &&
            (st = pto_tb_add_dep(tb, run->producers[i], t->id, err)))
            return st;
    if (__builtin_expect(run->csp.cur != NULL, 0)) { /* a CSP process's task */
        if (run->csp.raw)
            pto_csp_added_raw(&run->csp, t);
        else
            pto_csp_added(&run->csp, tb, t->id, t, frontier);
    }
    for (uint32_t i = 0; i < pl.nacc; i++)
        pto_tmap_insert_k(&dev->tmap, pl.acc[i].t, &pl.acc[i].key, t->id, pl.acc[i].write);
    if (out)
        *out = t->id;
    return PTO_OK;
}

pto_status pto_submit(pto_run *run, int func_id, pto_core_type type, pto_param *params,
                      uint32_t nparams, pto_task_id *out, pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_submit", err);
    if (st)
        return st;
    if ((st = pto_run_check_kernel(run, "pto_submit", "func_id", func_id, type, err)))
        return st;
    return submit(run, "pto_submit", func_id, type, NULL, params, nparams, out, err);
}

pto_status pto_run_submit_dummy_task(pto_run *run, const char *what, pto_param *elem,
                                     pto_task_id *out, pto_error *err)
{
    return submit(run, what, -1, PTO_QUEUE_DUMMY, NULL, elem, elem ? 1 : 0, out, err);
}

pto_status pto_submit_dummy(pto_run *run, pto_param *params, uint32_t nparams, pto_task_id *out,
                            pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_submit_dummy", err);
    if (st)
        return st;
    return submit(run, "pto_submit_dummy", -1, PTO_QUEUE_DUMMY, NULL, params, nparams, out, err);
}

pto_status pto_submit_spmd(pto_run *run, int func_id, pto_core_type type, uint32_t block_num,
                           pto_param *params, uint32_t nparams, pto_task_id *out, pto_error *err)
{
    static const char what[] = "pto_submit_spmd";
    pto_status st = pto_run_check_building(run, what, err);
    if (st)
        return st;
    if (type != PTO_CORE_AIC && type != PTO_CORE_AIV)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: core type %d is neither PTO_CORE_AIC (0) nor PTO_CORE_AIV (1)", what,
                        (int)type);
    if (block_num == 0)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: block_num 0: an SPMD task runs on at least one core", what);
    /* a2a3: one AIC and two AIV cores per block */
    uint32_t blocks = run->dev->cfg.blocks;
    uint32_t per_block = type == PTO_CORE_AIC ? 1 : 2, cores = blocks * per_block;
    if (block_num > cores)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: block_num %u is more than the device's %u %s cores (%u per block, "
                        "%u blocks)",
                        what, block_num, cores, pto_queue_name(type), per_block, blocks);
    if ((st = pto_run_check_kernel(run, what, "func_id", func_id, type, err)))
        return st;
    shape sh = {block_num, 0, -1};
    return submit(run, what, func_id, type, &sh, params, nparams, out, err);
}

pto_status pto_submit_mix(pto_run *run, uint32_t parts, int aic_func_id, int aiv_func_id,
                          pto_param *params, uint32_t nparams, pto_task_id *out, pto_error *err)
{
    static const char what[] = "pto_submit_mix";
    pto_status st = pto_run_check_building(run, what, err);
    if (st)
        return st;
    if (parts == 0 || (parts & ~PTO_MIX_CLUSTER))
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s: parts 0x%x is not a non-empty set of PTO_MIX_AIC (1), "
                        "PTO_MIX_AIV0 (2) and PTO_MIX_AIV1 (4)",
                        what, parts);
    int aic = (parts & PTO_MIX_AIC) != 0, aiv = (parts & (PTO_MIX_AIV0 | PTO_MIX_AIV1)) != 0;
    if (aic &&
        (st = pto_run_check_kernel(run, what, "aic_func_id", aic_func_id, PTO_CORE_AIC, err)))
        return st;
    if (aiv &&
        (st = pto_run_check_kernel(run, what, "aiv_func_id", aiv_func_id, PTO_CORE_AIV, err)))
        return st;
    shape sh = {(uint32_t)__builtin_popcount(parts), parts, aiv ? aiv_func_id : -1};
    return submit(run, what, aic ? aic_func_id : -1, PTO_QUEUE_MIX, &sh, params, nparams, out, err);
}

pto_status pto_read(pto_run *run, const pto_tensor *t, uint64_t index, void *dst, pto_error *err)
{
    pto_status st = pto_run_check_building(run, "pto_read", err);
    if (st)
        return st;
    if (!t || !dst)
        return pto_fail(err, PTO_ERR_INVALID, "pto_read: %s is NULL", t ? "destination" : "tensor");
    if (run->cfg.mode != PTO_MODE_STREAMED)
        return pto_fail(err, PTO_ERR_STATE,
                        "pto_read: values exist only while tasks run (streamed mode); a "
                        "host-built graph has not started yet");
    if (run->failed) {
        if (err)
            *err = run->dl_err;
        return PTO_ERR_DEADLOCK;
    }
    /* The whole view must lie in a live buffer; then every element of it
     * does, and no offset below can overflow. */
    pto_view v;
    pto_view_cache_sync(run);
    if ((st = pto_view_check(run, &run->vcache, &run->dev->heap, "pto_read", UINT32_MAX, PTO_IN, t,
                             0, &v, err)))
        return st;
    pto_tensor e;
    if ((st = pto_view_element("pto_read", t, index, &e, err)))
        return st;
    uint64_t off = e.offset;
    pto_run_publish(run);
    pto_region r;
    memset(&r, 0, sizeof r);
    r.offset = off;
    r.ndim = 1;
    r.elem = t->elem;
    r.shape[0] = 1;
    r.stride[0] = t->elem;
    run->nproducers = 0;
    run->seen_epoch++;
    pto_task_buffer *tb = &run->dev->tb;
    /* Keyed like the submits' accesses: by the start of the buffer, the
     * element's offset taken from there. */
    r.offset += (uintptr_t)t->base - v.buf;
    pto_tmap_query(&run->dev->tmap, v.buf, &r, atomic_load(&tb->last_alive), add_producer, run,
                   PTO_TMAP_WRITERS);
    for (uint32_t i = 0; i < run->nproducers; i++)
        if ((st = pto_flow_wait_task(run, run->producers[i], err)))
            return st;
    memcpy(dst, (const char *)t->base + off, t->elem);
    return PTO_OK;
}
