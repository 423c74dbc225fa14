#include "core/task_buffer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/bits.h"
#include "util/error.h"

pto_status pto_tb_init(pto_task_buffer *tb, uint32_t window, uint32_t dep_pool,
                       uint32_t ready_queue, pto_error *err)
{
    memset(tb, 0, sizeof *tb);
    if (!pto_is_pow2(window))
        return pto_fail(err, PTO_ERR_INVALID, "task window %u is not a power of two", window);
    if (ready_queue < window)
        return pto_fail(err, PTO_ERR_INVALID,
                        "ready queue %u is smaller than the task window %u; it "
                        "must hold every live task",
                        ready_queue, window);
    pto_status st;
    tb->window = window;
    tb->retire_hold = UINT64_MAX;
    tb->mask = window - 1;
    tb->tasks = aligned_alloc(64, pto_round_up((size_t)window * sizeof(pto_task), 64));
    tb->dfs_stack = malloc((size_t)window * sizeof(uint32_t));
    tb->dfs_parent = malloc((size_t)window * sizeof(uint32_t));
    tb->dfs_epoch_of = calloc(window, sizeof(uint32_t));
    if (!tb->tasks || !tb->dfs_stack || !tb->dfs_parent || !tb->dfs_epoch_of) {
        pto_tb_destroy(tb);
        return pto_fail(err, PTO_ERR_NOMEM, "task ring of %u slots", window);
    }
    if ((st = pto_dep_pool_init(&tb->deps, dep_pool, err)) != PTO_OK) {
        pto_tb_destroy(tb);
        return st;
    }
    for (int q = 0; q < PTO_NQUEUES; q++)
        if ((st = pto_rq_init(&tb->ready[q], ready_queue, err)) != PTO_OK) {
            pto_tb_destroy(tb);
            return st;
        }
    pto_tb_reset(tb);
    return PTO_OK;
}

pto_status pto_tb_targets_reserve(pto_task_buffer *tb, uint32_t ntargets, uint32_t capacity,
                                  pto_error *err)
{
    if (ntargets > PTO_MAX_TARGETS)
        return pto_fail(err, PTO_ERR_INVALID, "%u dispatch targets: at most %d", ntargets,
                        PTO_MAX_TARGETS);
    if (!tb->target_ready) { /* every target's queue heads, never moved */
        size_t bytes = (size_t)PTO_MAX_TARGETS * PTO_NQUEUES * sizeof *tb->target_ready;
        if (!(tb->target_ready = aligned_alloc(64, bytes)))
            return pto_fail(err, PTO_ERR_NOMEM, "ready queues of %d dispatch targets",
                            PTO_MAX_TARGETS);
        memset(tb->target_ready, 0, bytes);
    }
    for (; tb->ntargets < ntargets; tb->ntargets++)
        for (uint32_t q = 0; q < PTO_NQUEUES; q++) {
            pto_status st = pto_rq_init(pto_tb_queue(tb, tb->ntargets, q), capacity, err);
            if (st != PTO_OK) {
                while (q--)
                    pto_rq_destroy(pto_tb_queue(tb, tb->ntargets, q));
                return st;
            }
        }
    return PTO_OK;
}

pto_status pto_tb_edge_log_init(pto_task_buffer *tb, uint64_t cap, uint64_t id_limit,
                                pto_error *err)
{
    tb->edge_log = calloc(cap, sizeof *tb->edge_log);
    if (!tb->edge_log)
        return pto_fail(err, PTO_ERR_NOMEM, "edge log of %llu entries", (unsigned long long)cap);
    tb->edge_cap = cap;
    tb->edge_id_limit = id_limit;
    return PTO_OK;
}

void pto_tb_destroy(pto_task_buffer *tb)
{
    free(tb->edge_log);
    tb->edge_log = 0;
    free(tb->tasks);
    free(tb->dfs_stack);
    free(tb->dfs_parent);
    free(tb->dfs_epoch_of);
    pto_dep_pool_destroy(&tb->deps);
    for (int q = 0; q < PTO_NQUEUES; q++)
        pto_rq_destroy(&tb->ready[q]);
    for (uint32_t q = 0; tb->target_ready && q < tb->ntargets * PTO_NQUEUES; q++)
        pto_rq_destroy(&tb->target_ready[q]);
    free(tb->target_ready);
    tb->target_ready = 0;
    tb->ntargets = 0;
    tb->tasks = 0;
}

void pto_tb_reset(pto_task_buffer *tb)
{
    tb->next_id = 0;
    tb->publish_next = 0;
    atomic_store(&tb->last_alive, 0);
    tb->has_backward_edge = 0;
    tb->live_high_water = 0;
    tb->heap_mark = 0;
    tb->now_cycle = 0;
    tb->edge_n = tb->edge_dropped = 0;
    pto_dep_pool_reset(&tb->deps);
    tb->targets_pushed = 0;
    tb->retire_hold = UINT64_MAX;
    tb->ready_high_water = 0;
    atomic_store_explicit(&tb->special, 0, memory_order_relaxed);
    atomic_store_explicit(&tb->steal, 0, memory_order_relaxed);
    atomic_store_explicit(&tb->track_done, 0, memory_order_relaxed);
    atomic_store_explicit(&tb->done_cycle, 0, memory_order_relaxed);
    for (int q = 0; q < PTO_NQUEUES; q++)
        if (pto_rq_size(&tb->ready[q])) /* a drained queue is a valid empty one */
            pto_rq_reset(&tb->ready[q]);
    for (uint32_t q = 0; q < tb->ntargets * PTO_NQUEUES; q++)
        if (pto_rq_size(&tb->target_ready[q]))
            pto_rq_reset(&tb->target_ready[q]);
}

pto_task *pto_tb_add(pto_task_buffer *tb, int func_id, uint32_t queue, const uint64_t *args,
                     uint32_t nargs, uint32_t scope_depth)
{
    pto_task *t = pto_tb_task(tb, tb->next_id);
    /* A slot's lines were last written by the scheduler that completed its
     * previous task: claim a slot a few tasks ahead now, so the transfer
     * overlaps with this task's work instead of stalling its atomics. */
    pto_task_prefetch(pto_tb_task(tb, tb->next_id + 8));
    t->id = tb->next_id++;
    uint64_t live = pto_tb_live(tb);
    if (live > tb->live_high_water)
        tb->live_high_water = live;
    t->func_id = func_id;
    t->core_type = (uint8_t)queue;
    t->nargs = (uint8_t)nargs;
    t->scope_depth = (uint8_t)scope_depth;
    t->nparts = 1;
    t->mix = 0;
    t->target = PTO_TARGET_ANY;
    t->evals = 0;
    t->watch = 0; /* start_link is set up only for a watched task */
    t->delay = 0;
    if (nargs)
        memcpy(t->args, args, nargs * sizeof *args);
    t->fanin_total = 0;
    t->fanin_head = PTO_DEP_NIL;
    t->dep_mark = tb->deps.head;
    t->heap_mark = 0;
    t->end_cycle = 0;
    atomic_store_explicit(&t->ready_cycle, tb->now_cycle, memory_order_relaxed);
    atomic_store_explicit(&t->fanin_remaining, 1 + PTO_FANIN_BIAS, memory_order_relaxed);
    t->fanin_wait = 0;
    atomic_store_explicit(&t->link, PTO_DEP_NIL, memory_order_relaxed); /* no refs */
    atomic_store_explicit(&t->state, PTO_TASK_PENDING, memory_order_relaxed);
    return t;
}

/* Is `target` reachable from `from` along fanout edges? On success leaves
 * dfs_parent describing the path. */
static int reaches(pto_task_buffer *tb, uint64_t from, uint64_t target)
{
    uint32_t epoch = ++tb->dfs_epoch;
    uint32_t n = 0, src = (uint32_t)(from & tb->mask), dst = (uint32_t)(target & tb->mask);
    tb->dfs_stack[n++] = src;
    tb->dfs_epoch_of[src] = epoch;
    tb->dfs_parent[src] = PTO_DEP_NIL;
    while (n) {
        uint32_t s = tb->dfs_stack[--n];
        if (s == dst)
            return 1;
        uint32_t d = pto_task_fanout(&tb->tasks[s]);
        for (; d != PTO_DEP_NIL && d != PTO_FANOUT_CLOSED; d = tb->deps.nodes[d].next_out) {
            uint32_t c = tb->deps.nodes[d].consumer;
            if (tb->dfs_epoch_of[c] != epoch) {
                tb->dfs_epoch_of[c] = epoch;
                tb->dfs_parent[c] = s;
                tb->dfs_stack[n++] = c;
            }
        }
    }
    return 0;
}

static pto_status cycle_error(pto_task_buffer *tb, uint64_t producer, uint64_t consumer,
                              pto_error *err)
{
    pto_fail(err, PTO_ERR_CYCLE,
             "dependency t%llu -> t%llu would close a cycle:", (unsigned long long)producer,
             (unsigned long long)consumer);
    /* dfs_parent leads from producer back to consumer; reverse it into the
     * dfs_stack scratch to print the cycle forwards. */
    uint32_t n = 0;
    if (producer != consumer)
        for (uint32_t s = (uint32_t)(producer & tb->mask); s != PTO_DEP_NIL; s = tb->dfs_parent[s])
            tb->dfs_stack[n++] = s;
    else
        tb->dfs_stack[n++] = (uint32_t)(producer & tb->mask);
    while (n)
        pto_error_append(err, " t%llu ->", (unsigned long long)tb->tasks[tb->dfs_stack[--n]].id);
    pto_error_append(err, " t%llu", (unsigned long long)consumer);
    return PTO_ERR_CYCLE;
}

static void log_edge(pto_task_buffer *tb, uint64_t producer, uint64_t consumer, uint32_t kind)
{
    if (producer < tb->edge_id_limit && consumer < tb->edge_id_limit) {
        if (tb->edge_n < tb->edge_cap)
            tb->edge_log[tb->edge_n++] = (pto_edge){producer, consumer, kind, 0};
        else
            tb->edge_dropped++;
    }
}

/* The dep pool is full wiring producer -> consumer (`what` names the edge's
 * kind in the message). Out of line: the callers' hot paths stay small. */
static __attribute__((noinline, cold)) pto_status pool_full(const pto_task_buffer *tb,
                                                            uint64_t producer, uint64_t consumer,
                                                            const char *what, pto_error *err)
{
    return pto_fail(err, PTO_ERR_CAPACITY,
                    "DEPLIST_POOL_FULL: dep-list pool of %u nodes is full "
                    "wiring %st%llu -> t%llu; raise PTO_DEP_POOL",
                    tb->deps.capacity, what, (unsigned long long)producer,
                    (unsigned long long)consumer);
}

/* A dep node for the edge producer -> consumer, or PTO_DEP_NIL when the
 * pool is full. Inline in both callers (a call here cost the submit path
 * about 35 instructions per edge). */
static inline __attribute__((always_inline)) uint32_t
edge_node(pto_task_buffer *tb, uint64_t producer, uint64_t consumer)
{
    uint32_t d = pto_dep_pool_alloc(&tb->deps);
    if (d != PTO_DEP_NIL) {
        tb->deps.nodes[d].producer = (uint32_t)(producer & tb->mask);
        tb->deps.nodes[d].consumer = (uint32_t)(consumer & tb->mask);
    }
    return d;
}

pto_status pto_tb_add_dep(pto_task_buffer *tb, uint64_t producer, uint64_t consumer, pto_error *err)
{
    if (producer == consumer)
        return cycle_error(tb, producer, consumer, err);
    /* With only forward edges (lower id -> higher id) a forward edge cannot
     * close a cycle; otherwise search consumer ~> producer. */
    if (producer > consumer || tb->has_backward_edge) {
        if (reaches(tb, consumer, producer))
            return cycle_error(tb, producer, consumer, err);
        if (producer > consumer)
            tb->has_backward_edge = 1;
    }
    pto_task *p = pto_tb_task(tb, producer), *c = pto_tb_task(tb, consumer);
    /* A producer that has completed (its fanout is closed) and owns no heap
     * outputs needs neither a wake-up nor a reference (its only resource a
     * consumer could still need is its heap block): credit its end time and
     * skip the edge. This reads the producer's line instead of taking it
     * over. */
    uint64_t w = atomic_load_explicit(&p->link, memory_order_acquire);
    if ((uint32_t)w == PTO_FANOUT_CLOSED && p->heap_mark == 0) {
        pto_cycle_max(&c->ready_cycle, p->end_cycle);
        log_edge(tb, producer, consumer, PTO_EDGE_END);
        return PTO_OK;
    }
    uint32_t node = edge_node(tb, producer, consumer);
    if (node == PTO_DEP_NIL)
        return pool_full(tb, producer, consumer, "", err);
    pto_dep_node *n = &tb->deps.nodes[node];
    n->next_out = PTO_DEP_NIL;
    /* Only a heap block can outlive its producer's completion for a
     * consumer: take a reference (and list the edge for its release) only
     * on a producer that owns one. */
    const uint64_t ref = p->heap_mark ? PTO_REF_ONE : 0;
    n->next_in = PTO_DEP_NIL;
    if (ref) {
        n->next_in = c->fanin_head;
        c->fanin_head = node;
    }
    c->fanin_total++;
    c->dep_mark = tb->deps.head;
    log_edge(tb, producer, consumer, PTO_EDGE_END);
    /* Push the edge and take a reference in one step. Not yet published, no
     * scheduler can see p (nor a consumer of it): plain stores do. */
    int published = producer < tb->publish_next;
    for (;;) {
        if ((uint32_t)w == PTO_FANOUT_CLOSED) { /* completed meanwhile */
            if (ref)
                atomic_fetch_add_explicit(&p->link, ref, memory_order_relaxed);
            pto_cycle_max(&c->ready_cycle, p->end_cycle);
            return PTO_OK;
        }
        n->next_out = (uint32_t)w;
        uint64_t next = ((w & ~UINT64_C(0xffffffff)) + ref) | node;
        if (!published) {
            atomic_store_explicit(&p->link, next, memory_order_relaxed);
            break;
        }
        if (atomic_compare_exchange_weak_explicit(&p->link, &w, next, memory_order_release,
                                                  memory_order_acquire))
            break;
    }
    c->fanin_wait++;
    return PTO_OK;
}

static void make_ready(pto_task_buffer *tb, pto_task *t)
{
    atomic_store_explicit(&t->state, PTO_TASK_READY, memory_order_relaxed);
    /* Capacity >= window, so this cannot fail while the ring bounds the
     * number of live tasks. */
    int rc = pto_rq_push(pto_tb_queue(tb, t->target, t->core_type), (uint32_t)(t->id & tb->mask));
    (void)rc;
}

/* One of c's producers is done with it at `cycle` (completed, or, for a
 * start edge, started): c becomes ready when it was the last; then its
 * scalar work, and it is offered to take (may be NULL) or queued. Returns
 * 1 when c became ready. */
static inline uint32_t release(pto_task_buffer *tb, pto_task *c, uint64_t cycle,
                               pto_ready_take_fn take, void *arg)
{
    pto_cycle_max(&c->ready_cycle, cycle);
    if (atomic_fetch_sub_explicit(&c->fanin_remaining, 1, memory_order_acq_rel) != 1)
        return 0;
    pto_tb_eval(tb, c);
    if (!take || !take(arg, c))
        make_ready(tb, c);
    return 1;
}

static void note_ready_level(pto_task_buffer *tb, pto_ready_queue *q)
{
    uint64_t n = pto_rq_size(q);
    if (n > tb->ready_high_water)
        tb->ready_high_water = n;
}

void pto_tb_watch_start(pto_task *t)
{
    t->watch |= PTO_WATCH_START;
    atomic_store_explicit(&t->start_link, PTO_DEP_NIL, memory_order_relaxed);
    atomic_store_explicit(&t->parts_start, UINT64_MAX, memory_order_relaxed);
}

pto_status pto_tb_add_start_dep(pto_task_buffer *tb, uint64_t producer, uint64_t consumer,
                                pto_error *err)
{
    pto_task *p = pto_tb_task(tb, producer), *c = pto_tb_task(tb, consumer);
    if (producer >= consumer || !(p->watch & PTO_WATCH_START))
        return pto_fail(err, PTO_ERR_INVALID,
                        "start edge t%llu -> t%llu: the producer must be an earlier task "
                        "watched for its start",
                        (unsigned long long)producer, (unsigned long long)consumer);
    uint32_t w = atomic_load_explicit(&p->start_link, memory_order_acquire);
    if (w == PTO_FANOUT_CLOSED) { /* started: its start is known */
        pto_cycle_max(&c->ready_cycle, atomic_load_explicit(&p->parts_start, memory_order_relaxed));
        log_edge(tb, producer, consumer, PTO_EDGE_START);
        return PTO_OK;
    }
    uint32_t node = edge_node(tb, producer, consumer);
    if (node == PTO_DEP_NIL)
        return pool_full(tb, producer, consumer, "the start edge ", err);
    pto_dep_node *n = &tb->deps.nodes[node];
    n->next_in = PTO_DEP_NIL; /* no reference: a start needs nothing kept */
    c->fanin_total++;
    c->dep_mark = tb->deps.head;
    log_edge(tb, producer, consumer, PTO_EDGE_START);
    if (producer >= tb->publish_next) { /* unpublished: nothing can start it, plain stores do */
        n->next_out = w;
        atomic_store_explicit(&p->start_link, node, memory_order_relaxed);
        c->fanin_wait++;
        return PTO_OK;
    }
    for (;;) {
        if (w == PTO_FANOUT_CLOSED) { /* started meanwhile */
            pto_cycle_max(&c->ready_cycle,
                          atomic_load_explicit(&p->parts_start, memory_order_relaxed));
            return PTO_OK;
        }
        n->next_out = w;
        if (atomic_compare_exchange_weak_explicit(&p->start_link, &w, node, memory_order_release,
                                                  memory_order_acquire))
            break;
    }
    c->fanin_wait++;
    return PTO_OK;
}

uint32_t pto_tb_started(pto_task_buffer *tb, pto_task *t, uint64_t start, pto_ready_take_fn take,
                        void *arg)
{
    if (atomic_load_explicit(&t->start_link, memory_order_relaxed) == PTO_FANOUT_CLOSED)
        return 0; /* a later part */
    atomic_store_explicit(&t->parts_start, start, memory_order_relaxed);
    /* acq_rel: the waiters' nodes were written before they were pushed;
     * the start cycle is published with the close. */
    uint32_t d = atomic_exchange_explicit(&t->start_link, PTO_FANOUT_CLOSED, memory_order_acq_rel);
    uint32_t ready = 0;
    while (d != PTO_DEP_NIL && d != PTO_FANOUT_CLOSED) {
        uint32_t next = tb->deps.nodes[d].next_out;
        ready += release(tb, &tb->tasks[tb->deps.nodes[d].consumer], start, take, arg);
        d = next;
    }
    return ready;
}

uint32_t pto_tb_publish_upto(pto_task_buffer *tb, uint64_t end)
{
    enum { CHUNK = 64 };
    uint32_t ready[PTO_NQUEUES][CHUNK], n[PTO_NQUEUES] = {0}, queues = 0;
    for (; tb->publish_next < end; tb->publish_next++) {
        pto_task *t = pto_tb_task(tb, tb->publish_next);
        /* Drop the guard and the bias (task.h). With no edge in a producer's
         * fanout nobody else counts this task down: no atomic needed. */
        int32_t drop = 1 + PTO_FANIN_BIAS - (int32_t)t->fanin_wait;
        if (!t->fanin_wait)
            atomic_store_explicit(&t->fanin_remaining, 0, memory_order_relaxed);
        else if (atomic_fetch_sub_explicit(&t->fanin_remaining, drop, memory_order_acq_rel) != drop)
            continue;
        pto_tb_eval(tb, t);
        atomic_store_explicit(&t->state, PTO_TASK_READY, memory_order_relaxed);
        uint32_t q = t->core_type;
        if (t->target != PTO_TARGET_ANY) { /* routed to a lane: its own queue */
            pto_rq_push(pto_tb_queue(tb, t->target, q), (uint32_t)(t->id & tb->mask));
            tb->targets_pushed |= UINT64_C(1) << t->target;
            continue;
        }
        ready[q][n[q]++] = (uint32_t)(t->id & tb->mask);
        queues |= 1u << q;
        if (n[q] == CHUNK) {
            pto_rq_push_n(&tb->ready[q], ready[q], CHUNK);
            n[q] = 0;
        }
    }
    /* Capacity >= window, so the pushes cannot fail while the ring bounds
     * the number of live tasks. */
    for (uint32_t m = queues; m; m &= m - 1) {
        uint32_t q = (uint32_t)__builtin_ctz(m);
        if (n[q])
            pto_rq_push_n(&tb->ready[q], ready[q], n[q]);
        note_ready_level(tb, &tb->ready[q]);
    }
    for (uint64_t m = tb->targets_pushed; m; m &= m - 1)
        for (uint32_t q = 0; q < PTO_NQUEUES; q++)
            note_ready_level(tb, pto_tb_queue(tb, (uint32_t)__builtin_ctzll(m), q));
    return queues;
}

uint32_t pto_tb_complete(pto_task_buffer *tb, pto_task *t, pto_ready_take_fn take, void *arg)
{
    /* A task window's threaded admissions read it (off by default: one
     * load of a read-mostly line, no locked instruction). */
    if (__builtin_expect(atomic_load_explicit(&tb->track_done, memory_order_relaxed) != 0, 0))
        pto_cycle_max(&tb->done_cycle, t->end_cycle);
    /* The lines below were last written by the orchestrator or another
     * scheduler: ask for the producers' link words now, so that their
     * transfers overlap with closing the fanout and the walk over it. */
    for (uint32_t d = t->fanin_head; d != PTO_DEP_NIL; d = tb->deps.nodes[d].next_in)
        __builtin_prefetch(&tb->tasks[tb->deps.nodes[d].producer].link, 1);
    /* Close the fanout (end_cycle is published with it) and turn the
     * stack around, so consumers are released in wiring order. */
    uint64_t w = atomic_load_explicit(&t->link, memory_order_relaxed);
    while (!atomic_compare_exchange_weak_explicit(&t->link, &w,
                                                  (w & ~UINT64_C(0xffffffff)) | PTO_FANOUT_CLOSED,
                                                  memory_order_acq_rel, memory_order_relaxed))
        ; /* retried only when a consumer gave a reference back meanwhile */
    uint32_t d = (uint32_t)w;
    uint32_t prev = PTO_DEP_NIL;
    while (d != PTO_DEP_NIL) {
        uint32_t next = tb->deps.nodes[d].next_out;
        __builtin_prefetch(&tb->tasks[tb->deps.nodes[d].consumer].ready_cycle, 1);
        tb->deps.nodes[d].next_out = prev;
        prev = d;
        d = next;
    }
    uint32_t ready = 0;
    for (d = prev; d != PTO_DEP_NIL; d = tb->deps.nodes[d].next_out) {
        ready += release(tb, &tb->tasks[tb->deps.nodes[d].consumer], t->end_cycle, take, arg);
    }
    for (d = t->fanin_head; d != PTO_DEP_NIL; d = tb->deps.nodes[d].next_in)
        atomic_fetch_sub_explicit(&tb->tasks[tb->deps.nodes[d].producer].link, PTO_REF_ONE,
                                  memory_order_release);
    if (__builtin_expect(t->watch & PTO_WATCH_DONE, 0))
        t->done_seq = atomic_fetch_add_explicit(&tb->done_seq, 1, memory_order_relaxed);
    /* Only now may retirement reclaim the nodes just walked. */
    atomic_store_explicit(&t->state, PTO_TASK_COMPLETED, memory_order_release);
    return ready;
}

uint64_t pto_tb_retire(pto_task_buffer *tb, const uint64_t *scope_begin, uint32_t open)
{
    uint64_t f = atomic_load_explicit(&tb->last_alive, memory_order_relaxed);
    uint64_t dep_tail = tb->deps.tail;
    uint64_t end = tb->next_id < tb->retire_hold ? tb->next_id : tb->retire_hold;
    while (f < end) {
        pto_task *t = pto_tb_task(tb, f);
        if (atomic_load_explicit(&t->state, memory_order_acquire) != PTO_TASK_COMPLETED ||
            pto_task_refs(t) != 0 || pto_tb_scope_holds(t, scope_begin, open))
            break;
        if (t->dep_mark > dep_tail)
            dep_tail = t->dep_mark;
        if (t->heap_mark > tb->heap_mark)
            tb->heap_mark = t->heap_mark;
        f++;
    }
    tb->deps.tail = dep_tail;
    atomic_store_explicit(&tb->last_alive, f, memory_order_release);
    return f;
}
