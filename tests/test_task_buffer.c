/* Task buffer (src/core/task_buffer.c), driven directly without a device:
 * ring indexing and retirement, the dep-list pool, readiness on
 * publish/complete, cycle detection and concurrent fanin release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>

#include "core/task_buffer.h"

static void tb_open(pto_task_buffer *tb, uint32_t window, uint32_t pool, uint32_t rq)
{
    pto_error err = {0};
    pto_status st = pto_tb_init(tb, window, pool, rq, &err);
    if (st != PTO_OK)
        fail_msg("pto_tb_init(%u, %u, %u): %s", window, pool, rq, err.msg);
}

/* Publishes t, the oldest unpublished task; 1 if that made it ready. */
static int publish1(pto_task_buffer *tb, pto_task *t)
{
    assert_int_equal(t->id, tb->publish_next);
    return pto_tb_publish_upto(tb, t->id + 1) != 0;
}

/* Retires with no scope open. */
static uint64_t retire(pto_task_buffer *tb) { return pto_tb_retire(tb, NULL, 0); }

static pto_task *add(pto_task_buffer *tb, pto_core_type type)
{
    uint64_t a[2] = {tb->next_id * 3, 42};
    return pto_tb_add(tb, 9, type, a, 2, 0);
}

/* A task owning heap outputs (mark = its id + 1): consumers wired to it
 * take references on it. */
static pto_task *add_heap(pto_task_buffer *tb, pto_core_type type)
{
    pto_task *t = add(tb, type);
    t->heap_mark = t->id + 1;
    return t;
}

static uint64_t queued(pto_task_buffer *tb, pto_core_type type)
{
    return pto_rq_size(&tb->ready[type]);
}

/* Pops one slot from the queue of `type`; fails the test if empty. */
static uint32_t pop1(pto_task_buffer *tb, pto_core_type type)
{
    uint32_t v = UINT32_MAX;
    assert_int_equal(pto_rq_pop(&tb->ready[type], &v), 0);
    return v;
}

static uint32_t drain(pto_task_buffer *tb, pto_core_type type)
{
    uint32_t v, n = 0;
    while (pto_rq_pop(&tb->ready[type], &v) == 0)
        n++;
    return n;
}

static void wire_ok(pto_task_buffer *tb, uint64_t p, uint64_t c)
{
    pto_error err = {0};
    pto_status st = pto_tb_add_dep(tb, p, c, &err);
    if (st != PTO_OK)
        fail_msg("add_dep t%llu -> t%llu: %s", (unsigned long long)p, (unsigned long long)c,
                 err.msg);
}

static void test_init_validation(void **state)
{
    (void)state;
    pto_task_buffer tb;
    pto_error err = {0};
    assert_int_equal(pto_tb_init(&tb, 12, 16, 16, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "power of two"));
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_tb_init(&tb, 16, 16, 8, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "ready queue"));
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_tb_init(&tb, 16, 24, 16, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "dep pool"));
}

/* Window 8: tasks are added, published, completed (in scrambled order) and
 * retired over many laps of the ring. */
static void test_ring_wrap_and_retire(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 8, 16, 8);
    assert_int_equal(tb.window, 8);
    uint64_t first = 0;
    for (uint32_t lap = 0; lap < 40; lap++) {
        uint32_t n = lap % 8 + 1; /* 1..8 tasks live at once */
        assert_int_equal(pto_tb_live(&tb), 0);
        assert_int_equal(atomic_load(&tb.last_alive), first);
        pto_task *ts[8];
        for (uint32_t i = 0; i < n; i++) {
            uint64_t id = tb.next_id;
            ts[i] = add(&tb, i % 2 ? PTO_CORE_AIC : PTO_CORE_AIV);
            assert_ptr_equal(ts[i], pto_tb_task(&tb, id));
            assert_ptr_equal(ts[i], &tb.tasks[id & 7]);
            assert_int_equal(ts[i]->id, id);
            assert_int_equal(ts[i]->func_id, 9);
            assert_int_equal(ts[i]->nargs, 2);
            assert_int_equal(ts[i]->args[0], id * 3);
            assert_int_equal(atomic_load(&ts[i]->state), PTO_TASK_PENDING);
            assert_int_equal(pto_tb_live(&tb), i + 1);
        }
        /* Publishing a task without producers makes it ready at once, and
         * the queue carries its ring slot. */
        for (uint32_t i = 0; i < n; i++) {
            pto_core_type ty = i % 2 ? PTO_CORE_AIC : PTO_CORE_AIV;
            assert_int_equal(publish1(&tb, ts[i]), 1);
            assert_int_equal(pop1(&tb, ty), (first + i) & 7);
            assert_int_equal(atomic_load(&ts[i]->state), PTO_TASK_READY);
        }
        /* Complete all but the oldest: the frontier must not move. */
        for (uint32_t i = n; i-- > 1;) {
            assert_int_equal(pto_tb_complete(&tb, ts[i], NULL, NULL), 0);
            assert_int_equal(atomic_load(&ts[i]->state), PTO_TASK_COMPLETED);
            assert_int_equal(retire(&tb), first);
            assert_int_equal(pto_tb_live(&tb), n);
        }
        /* The oldest completes: the frontier passes every completed task. */
        assert_int_equal(pto_tb_complete(&tb, ts[0], NULL, NULL), 0);
        assert_int_equal(retire(&tb), first + n);
        assert_int_equal(pto_tb_live(&tb), 0);
        first += n;
    }
    assert_true(first > 8 * 20); /* many laps of the 8-slot ring */
    assert_int_equal(queued(&tb, PTO_CORE_AIC) + queued(&tb, PTO_CORE_AIV), 0);
    pto_tb_destroy(&tb);
}

/* The frontier stops at the first uncompleted task and resumes later. */
static void test_retire_stops_at_gap(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 8, 16, 8);
    pto_task *t[6];
    for (int i = 0; i < 6; i++) {
        t[i] = add(&tb, PTO_CORE_AIV);
        publish1(&tb, t[i]);
    }
    assert_int_equal(drain(&tb, PTO_CORE_AIV), 6);
    pto_tb_complete(&tb, t[0], NULL, NULL);
    pto_tb_complete(&tb, t[1], NULL, NULL);
    pto_tb_complete(&tb, t[3], NULL, NULL); /* t2 still running */
    pto_tb_complete(&tb, t[4], NULL, NULL);
    assert_int_equal(retire(&tb), 2);
    assert_int_equal(pto_tb_live(&tb), 4);
    assert_int_equal(retire(&tb), 2); /* idempotent */
    pto_tb_complete(&tb, t[2], NULL, NULL);
    assert_int_equal(retire(&tb), 5); /* t5 still running */
    assert_int_equal(pto_tb_live(&tb), 1);
    pto_tb_complete(&tb, t[5], NULL, NULL);
    assert_int_equal(retire(&tb), 6);
    assert_int_equal(pto_tb_live(&tb), 0);
    /* Retiring with nothing live is a no-op. */
    assert_int_equal(retire(&tb), 6);
    /* Reset returns to an empty buffer at id 0. */
    pto_tb_reset(&tb);
    assert_int_equal(tb.next_id, 0);
    assert_int_equal(atomic_load(&tb.last_alive), 0);
    assert_int_equal(tb.deps.head, 0);
    pto_tb_destroy(&tb);
}

/* Dep pool of 4 nodes: accounting, DEPLIST_POOL_FULL, reclamation. */
static void test_dep_pool_capacity(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 16, 4, 16);
    assert_int_equal(tb.deps.capacity, 4);
    pto_task *t[5];
    for (int i = 0; i < 5; i++)
        t[i] = add_heap(&tb, PTO_CORE_AIV);
    /* t0 -> t1..t4 uses all four nodes. */
    for (int i = 1; i <= 4; i++) {
        wire_ok(&tb, 0, (uint64_t)i);
        assert_int_equal(tb.deps.head - tb.deps.tail, (uint64_t)i);
        assert_int_equal(t[i]->fanin_total, 1);
        assert_int_equal(t[i]->dep_mark, (uint64_t)i);
    }
    assert_int_equal(tb.deps.high_water, 4);
    /* Fifth edge: the pool is full. */
    pto_error err = {0};
    assert_int_equal(pto_tb_add_dep(&tb, 1, 4, &err), PTO_ERR_CAPACITY);
    assert_int_equal(err.status, PTO_ERR_CAPACITY);
    assert_non_null(strstr(err.msg, "DEPLIST_POOL_FULL"));
    assert_non_null(strstr(err.msg, "t1 -> t4"));
    /* ... and the failed edge changed nothing. */
    assert_int_equal(tb.deps.head - tb.deps.tail, 4);
    assert_int_equal(t[4]->fanin_total, 1);
    assert_int_equal(pto_tb_waiting(&tb, t[4]), 1);
    assert_int_equal(pto_task_fanout(t[1]), PTO_DEP_NIL);

    for (int i = 0; i < 5; i++)
        publish1(&tb, t[i]);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 0);
    assert_int_equal(pto_tb_complete(&tb, t[0], NULL, NULL), 4);
    assert_int_equal(drain(&tb, PTO_CORE_AIV), 4);
    pto_tb_complete(&tb, t[1], NULL, NULL);
    pto_tb_complete(&tb, t[2], NULL, NULL);
    /* t0 stays: its consumers t3 and t4 still hold references on it. */
    assert_int_equal(retire(&tb), 0);
    assert_int_equal(pto_task_refs(t[0]), 2);
    assert_int_equal(tb.deps.tail, 0);
    pto_tb_complete(&tb, t[3], NULL, NULL);
    pto_tb_complete(&tb, t[4], NULL, NULL);
    assert_int_equal(pto_task_refs(t[0]), 0);
    /* Retiring t0..t4 frees every node (tail = t4's mark). */
    assert_int_equal(retire(&tb), 5);
    assert_int_equal(tb.deps.tail, 4);
    assert_int_equal(tb.deps.head - tb.deps.tail, 0);
    /* Four new edges fit (reusing node indices 0..3), a fifth does not. */
    pto_task *a = add_heap(&tb, PTO_CORE_AIV); /* t5 */
    pto_task *b = add_heap(&tb, PTO_CORE_AIV); /* t6 */
    pto_task *c = add_heap(&tb, PTO_CORE_AIV); /* t7 */
    wire_ok(&tb, 5, 6);
    wire_ok(&tb, 5, 7);
    wire_ok(&tb, 6, 7);
    wire_ok(&tb, 6, 7); /* duplicate edge: counted on both sides */
    assert_int_equal(tb.deps.head - tb.deps.tail, 4);
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_tb_add_dep(&tb, 5, 6, &err), PTO_ERR_CAPACITY);
    assert_non_null(strstr(err.msg, "DEPLIST_POOL_FULL"));
    assert_int_equal(pto_task_refs(b), 2);
    publish1(&tb, a);
    assert_int_equal(publish1(&tb, b), 0);
    assert_int_equal(publish1(&tb, c), 0);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 5);
    assert_int_equal(pto_tb_complete(&tb, a, NULL, NULL), 1);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 6);
    assert_int_equal(queued(&tb, PTO_CORE_AIV), 0); /* t7 still waits on t6 */
    assert_int_equal(pto_tb_complete(&tb, b, NULL, NULL), 1);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 7);
    assert_int_equal(retire(&tb), 5); /* t5, t6 held until t7 is done */
    pto_tb_complete(&tb, c, NULL, NULL);
    assert_int_equal(retire(&tb), 8);
    assert_int_equal(tb.deps.tail, tb.deps.head);
    pto_tb_destroy(&tb);
}

/* A chain over many laps of a small ring and a small pool: nodes are
 * reclaimed continuously, so wiring never runs out. */
static void test_dep_pool_reclaimed_over_laps(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 8, 8, 8);
    pto_task *prev = add_heap(&tb, PTO_CORE_AIV);
    publish1(&tb, prev);
    for (uint32_t i = 1; i < 200; i++) {
        pto_task *t = add_heap(&tb, PTO_CORE_AIV);
        wire_ok(&tb, prev->id, t->id);
        wire_ok(&tb, prev->id, t->id); /* duplicate edge: counted twice */
        assert_int_equal(publish1(&tb, t), 0);
        assert_int_equal(pop1(&tb, PTO_CORE_AIV), prev->id & 7);
        assert_int_equal(queued(&tb, PTO_CORE_AIV), 0);
        assert_int_equal(pto_tb_complete(&tb, prev, NULL, NULL), 1);
        /* prev is held by its running consumer t; its own producer retires. */
        assert_int_equal(retire(&tb), i - 1);
        assert_true(tb.deps.head - tb.deps.tail <= 4);
        prev = t;
    }
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), prev->id & 7);
    pto_tb_complete(&tb, prev, NULL, NULL);
    assert_int_equal(retire(&tb), 200);
    assert_int_equal(tb.deps.tail, tb.deps.head);
    assert_int_equal(tb.deps.head, 2 * 199);
    pto_tb_destroy(&tb);
}

/* A producer that completed before the edge is wired is not counted. One
 * with heap outputs keeps a reference from the consumer (its block must
 * outlive the consumer's reads). */
static void test_completed_producer_not_counted(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 8, 8, 8);
    pto_task *p = add(&tb, PTO_CORE_AIC);
    p->heap_mark = 64; /* owns heap outputs */
    publish1(&tb, p);
    assert_int_equal(pop1(&tb, PTO_CORE_AIC), 0);
    assert_int_equal(pto_tb_complete(&tb, p, NULL, NULL), 0);

    pto_task *q = add(&tb, PTO_CORE_AIC); /* still pending */
    pto_task *c = add(&tb, PTO_CORE_AIV);
    uint64_t head = tb.deps.head;
    wire_ok(&tb, p->id, c->id);
    /* The edge keeps its node (c's fanin list, so c can release p's
     * reference), but p's fanout does not take it and c does not wait. */
    assert_int_equal(tb.deps.head, head + 1);
    assert_int_equal(pto_tb_waiting(&tb, c), 0);
    assert_int_equal(pto_task_fanout(p), PTO_FANOUT_CLOSED);
    assert_int_equal(pto_task_refs(p), 1);
    assert_int_equal(retire(&tb), 0); /* p is held by c */
    /* Only the live producer counts. */
    wire_ok(&tb, q->id, c->id);
    assert_int_equal(pto_tb_waiting(&tb, c), 1);
    assert_int_equal(c->fanin_total, 2);
    /* Published together (in id order): q is ready, c still waits for q. */
    assert_int_equal(pto_tb_publish_upto(&tb, c->id + 1), 1u << PTO_CORE_AIC);
    assert_int_equal(queued(&tb, PTO_CORE_AIV), 0);
    assert_int_equal(pop1(&tb, PTO_CORE_AIC), 1);
    assert_int_equal(pto_tb_complete(&tb, q, NULL, NULL), 1);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 2);

    /* Consumer whose only producer has completed: ready at publish. */
    pto_task *c2 = add(&tb, PTO_CORE_AIV);
    wire_ok(&tb, p->id, c2->id);
    wire_ok(&tb, q->id, c2->id);
    assert_int_equal(pto_tb_waiting(&tb, c2), 0);
    assert_int_equal(publish1(&tb, c2), 1);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 3);
    assert_int_equal(atomic_load(&c2->state), PTO_TASK_READY);
    pto_tb_destroy(&tb);
}

/* A completed producer without heap outputs is not wired at all: no dep
 * node, no reference (it may retire at once), only its end cycle counts. */
static void test_completed_heapless_producer_skipped(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 8, 8, 8);
    pto_task *p = add(&tb, PTO_CORE_AIC);
    publish1(&tb, p);
    assert_int_equal(pop1(&tb, PTO_CORE_AIC), 0);
    p->end_cycle = 700;
    assert_int_equal(pto_tb_complete(&tb, p, NULL, NULL), 0);
    pto_task *c = add(&tb, PTO_CORE_AIV);
    uint64_t head = tb.deps.head;
    wire_ok(&tb, p->id, c->id);
    assert_int_equal(tb.deps.head, head);
    assert_int_equal(c->fanin_total, 0);
    assert_int_equal(c->fanin_head, PTO_DEP_NIL);
    assert_int_equal(pto_task_refs(p), 0);
    assert_int_equal(atomic_load(&c->ready_cycle), 700);
    assert_int_equal(retire(&tb), 1); /* p retires while c is pending */
    assert_int_equal(publish1(&tb, c), 1);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 1);
    assert_int_equal(pto_tb_complete(&tb, c, NULL, NULL), 0);
    assert_int_equal(retire(&tb), 2);
    pto_tb_destroy(&tb);
}

/* A running producer without heap outputs still wakes its consumer through
 * its fanout, but takes no reference: it retires as soon as it completed,
 * while its consumer runs, and its slot may be reused meanwhile. */
static void test_heapless_producer_takes_no_ref(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 4, 8, 8);
    pto_task *p = add(&tb, PTO_CORE_AIC);
    pto_task *h = add_heap(&tb, PTO_CORE_AIC);
    pto_task *c = add(&tb, PTO_CORE_AIV);
    wire_ok(&tb, p->id, c->id);
    wire_ok(&tb, h->id, c->id);
    assert_int_equal(c->fanin_total, 2);
    assert_int_equal(pto_tb_waiting(&tb, c), 2);
    assert_int_equal(pto_task_refs(p), 0);
    assert_int_equal(pto_task_refs(h), 1);
    /* Only the edge from h is listed for a release. */
    assert_int_equal(tb.deps.nodes[c->fanin_head].producer, 1);
    assert_int_equal(tb.deps.nodes[c->fanin_head].next_in, PTO_DEP_NIL);
    assert_int_equal(pto_tb_publish_upto(&tb, 3), 1u << PTO_CORE_AIC);
    assert_int_equal(pop1(&tb, PTO_CORE_AIC), 0);
    assert_int_equal(pop1(&tb, PTO_CORE_AIC), 1);
    assert_int_equal(pto_tb_complete(&tb, p, NULL, NULL), 0);
    assert_int_equal(pto_tb_complete(&tb, h, NULL, NULL), 1);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 2);
    /* c runs: p retires, h is held by c's reference. */
    assert_int_equal(retire(&tb), 1);
    /* p's slot is reused by t4 while c still runs. */
    pto_task *n = add(&tb, PTO_CORE_AIV);
    assert_int_equal(n->id, 3);
    pto_task *m = add(&tb, PTO_CORE_AIV);
    assert_ptr_equal(m, p);
    assert_int_equal(pto_tb_complete(&tb, c, NULL, NULL), 0);
    assert_int_equal(pto_task_refs(h), 0);
    assert_int_equal(pto_task_refs(m), 0); /* c released nothing on p's slot */
    assert_int_equal(retire(&tb), 3);
    pto_tb_destroy(&tb);
}

/* A consumer of two producers is ready only after both completed and after
 * its own publication, whichever comes last. */
static void test_readiness_two_producers(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 16, 16, 16);
    /* Order A: publish consumer first, then complete producers. */
    pto_task *p0 = add(&tb, PTO_CORE_AIC), *p1 = add(&tb, PTO_CORE_AIC);
    pto_task *c = add(&tb, PTO_CORE_AIV);
    wire_ok(&tb, 0, 2);
    wire_ok(&tb, 1, 2);
    assert_int_equal(c->fanin_total, 2);
    assert_int_equal(pto_tb_waiting(&tb, c), 2);
    assert_int_equal(publish1(&tb, p0), 1);
    assert_int_equal(publish1(&tb, p1), 1);
    assert_int_equal(pop1(&tb, PTO_CORE_AIC), 0);
    assert_int_equal(pop1(&tb, PTO_CORE_AIC), 1);
    assert_int_equal(publish1(&tb, c), 0);
    assert_int_equal(queued(&tb, PTO_CORE_AIV), 0);
    assert_int_equal(atomic_load(&c->state), PTO_TASK_PENDING);
    assert_int_equal(pto_tb_complete(&tb, p1, NULL, NULL), 0);
    assert_int_equal(queued(&tb, PTO_CORE_AIV), 0);
    assert_int_equal(atomic_load(&c->state), PTO_TASK_PENDING);
    assert_int_equal(pto_tb_complete(&tb, p0, NULL, NULL), 1);
    assert_int_equal(atomic_load(&c->state), PTO_TASK_READY);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 2);
    assert_int_equal(queued(&tb, PTO_CORE_AIV), 0);
    assert_int_equal(queued(&tb, PTO_CORE_AIC), 0);
    pto_tb_complete(&tb, c, NULL, NULL);

    /* Order B: both producers complete before the consumer is published. */
    pto_task *q0 = add(&tb, PTO_CORE_AIV), *q1 = add(&tb, PTO_CORE_AIV);
    pto_task *d = add(&tb, PTO_CORE_AIC);
    wire_ok(&tb, q0->id, d->id);
    wire_ok(&tb, q1->id, d->id);
    publish1(&tb, q0);
    publish1(&tb, q1);
    assert_int_equal(drain(&tb, PTO_CORE_AIV), 2);
    assert_int_equal(pto_tb_complete(&tb, q0, NULL, NULL), 0);
    assert_int_equal(pto_tb_complete(&tb, q1, NULL, NULL), 0);
    assert_int_equal(queued(&tb, PTO_CORE_AIC), 0); /* unpublished: not ready */
    assert_int_equal(publish1(&tb, d), 1);
    assert_int_equal(pop1(&tb, PTO_CORE_AIC), d->id & 15);
    pto_tb_complete(&tb, d, NULL, NULL);
    assert_int_equal(retire(&tb), 6);
    pto_tb_destroy(&tb);
}

static void test_cycle_detection(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 8, 32, 8);
    pto_task *t0 = add(&tb, PTO_CORE_AIV), *t1 = add(&tb, PTO_CORE_AIV);
    pto_task *t2 = add(&tb, PTO_CORE_AIV);
    (void)t1;
    wire_ok(&tb, 0, 1);
    wire_ok(&tb, 1, 2);
    pto_error err = {0};
    uint64_t head = tb.deps.head;
    assert_int_equal(pto_tb_add_dep(&tb, 2, 0, &err), PTO_ERR_CYCLE);
    assert_int_equal(err.status, PTO_ERR_CYCLE);
    assert_string_equal(err.msg, "dependency t2 -> t0 would close a cycle: t0 -> t1 -> t2 -> t0");
    /* The rejected edge left no trace. */
    assert_int_equal(tb.deps.head, head);
    assert_int_equal(pto_tb_waiting(&tb, t0), 0);
    assert_int_equal(pto_task_fanout(t2), PTO_DEP_NIL);

    memset(&err, 0, sizeof err);
    assert_int_equal(pto_tb_add_dep(&tb, 1, 1, &err), PTO_ERR_CYCLE);
    assert_string_equal(err.msg, "dependency t1 -> t1 would close a cycle: t1 -> t1");

    /* A backward edge (later producer, earlier consumer) that closes no
     * cycle is accepted and counted. */
    pto_task *t3 = add(&tb, PTO_CORE_AIV), *t4 = add(&tb, PTO_CORE_AIV);
    wire_ok(&tb, 4, 3);
    assert_int_equal(pto_tb_waiting(&tb, t3), 1);
    wire_ok(&tb, 2, 4); /* t2 -> t4 -> t3: still acyclic */
    /* ... while its reverse now closes one. */
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_tb_add_dep(&tb, 3, 4, &err), PTO_ERR_CYCLE);
    assert_string_equal(err.msg, "dependency t3 -> t4 would close a cycle: t4 -> t3 -> t4");
    memset(&err, 0, sizeof err);
    assert_int_equal(pto_tb_add_dep(&tb, 3, 0, &err), PTO_ERR_CYCLE);
    assert_string_equal(err.msg, "dependency t3 -> t0 would close a cycle: "
                                 "t0 -> t1 -> t2 -> t4 -> t3 -> t0");
    /* After a backward edge exists, forward edges are still accepted. */
    wire_ok(&tb, 0, 3);

    /* Execution honours the backward edge: t3 runs after t4. */
    for (uint64_t i = 0; i < 5; i++)
        publish1(&tb, pto_tb_task(&tb, i));
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 0);
    assert_int_equal(queued(&tb, PTO_CORE_AIV), 0);
    for (uint64_t i = 0; i < 3; i++) {
        pto_tb_complete(&tb, pto_tb_task(&tb, i), NULL, NULL);
        assert_int_equal(pop1(&tb, PTO_CORE_AIV), i + 1 < 3 ? i + 1 : 4);
    }
    assert_int_equal(pto_tb_complete(&tb, t4, NULL, NULL), 1);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 3);
    pto_tb_complete(&tb, t3, NULL, NULL);
    assert_int_equal(retire(&tb), 5);
    pto_tb_destroy(&tb);
}

/* Cycle messages name absolute task ids even after the ring wrapped. */
static void test_cycle_message_after_wrap(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 8, 32, 8);
    for (uint64_t i = 0; i < 14; i++) {
        pto_task *t = add(&tb, PTO_CORE_AIC);
        assert_int_equal(publish1(&tb, t), 1);
        assert_int_equal(pop1(&tb, PTO_CORE_AIC), i & 7);
        pto_tb_complete(&tb, t, NULL, NULL);
        assert_int_equal(retire(&tb), i + 1);
    }
    for (int i = 0; i < 3; i++)
        add(&tb, PTO_CORE_AIC); /* t14, t15, t16 in slots 6, 7, 0 */
    assert_ptr_equal(pto_tb_task(&tb, 16), &tb.tasks[0]);
    wire_ok(&tb, 14, 15);
    wire_ok(&tb, 15, 16);
    pto_error err = {0};
    assert_int_equal(pto_tb_add_dep(&tb, 16, 14, &err), PTO_ERR_CYCLE);
    assert_string_equal(err.msg,
                        "dependency t16 -> t14 would close a cycle: t14 -> t15 -> t16 -> t14");
    pto_tb_destroy(&tb);
}

/* pto_tb_complete offers each newly ready successor to `take`; a taken task
 * is not queued, a declined one is, and both are counted. */
struct take_log {
    uint64_t ids[8];
    uint32_t n;
    uint64_t keep_id; /* the one task `take` accepts */
};

static int take_one(void *arg, pto_task *t)
{
    struct take_log *log = arg;
    log->ids[log->n++] = t->id;
    return t->id == log->keep_id;
}

static void test_complete_take_callback(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 8, 16, 8);
    pto_task *p = add(&tb, PTO_CORE_AIC);
    for (int i = 0; i < 3; i++)
        add(&tb, PTO_CORE_AIV); /* c1, c2, c3 */
    pto_task *other = add(&tb, PTO_CORE_AIC);
    wire_ok(&tb, 0, 1);
    wire_ok(&tb, 0, 2);
    wire_ok(&tb, 0, 3);
    wire_ok(&tb, 4, 3); /* c3 also waits on `other` */
    /* Only p and other become ready at publication. */
    assert_int_equal(pto_tb_publish_upto(&tb, other->id + 1), 1u << PTO_CORE_AIC);
    assert_int_equal(drain(&tb, PTO_CORE_AIC), 2);
    struct take_log log = {.keep_id = 2};
    assert_int_equal(pto_tb_complete(&tb, p, take_one, &log), 2);
    /* Offered in wiring order, only the tasks that became ready. */
    assert_int_equal(log.n, 2);
    assert_int_equal(log.ids[0], 1);
    assert_int_equal(log.ids[1], 2);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 1);   /* declined: queued */
    assert_int_equal(queued(&tb, PTO_CORE_AIV), 0); /* t2 was taken */
    log.n = 0;
    log.keep_id = 99;
    assert_int_equal(pto_tb_complete(&tb, other, take_one, &log), 1);
    assert_int_equal(log.n, 1);
    assert_int_equal(log.ids[0], 3);
    assert_int_equal(pop1(&tb, PTO_CORE_AIV), 3);
    pto_tb_destroy(&tb);
}

/* An open scope holds its completed tasks (and the frontier behind them)
 * until it ends; a task of a scope that ended, or of one opened later at
 * the same depth, is not held. Dependency-only tasks become ready on their
 * own queue. */
static void test_scope_refs_and_dummy_queue(void **state)
{
    (void)state;
    pto_task_buffer tb;
    tb_open(&tb, 8, 16, 8);
    pto_task *t0 = pto_tb_add(&tb, 9, PTO_CORE_AIV, NULL, 0, 1); /* inner scope */
    pto_task *t1 = add_heap(&tb, PTO_CORE_AIV);                  /* depth 0 */
    pto_task *t2 = pto_tb_add(&tb, -1, PTO_QUEUE_DUMMY, NULL, 0, 0);
    assert_int_equal(t0->scope_depth, 1);
    assert_int_equal(pto_task_refs(t0), 0);
    assert_int_equal(t2->core_type, PTO_QUEUE_DUMMY);
    wire_ok(&tb, 1, 2);
    assert_int_equal(pto_task_refs(t1), 1);
    assert_int_equal(publish1(&tb, t0), 1);
    assert_int_equal(publish1(&tb, t1), 1);
    assert_int_equal(publish1(&tb, t2), 0);
    assert_int_equal(drain(&tb, PTO_CORE_AIV), 2);
    pto_tb_complete(&tb, t0, NULL, NULL);
    assert_int_equal(pto_tb_complete(&tb, t1, NULL, NULL), 1);
    uint32_t v = UINT32_MAX;
    assert_int_equal(pto_rq_pop(&tb.ready[PTO_QUEUE_DUMMY], &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(queued(&tb, PTO_CORE_AIC) + queued(&tb, PTO_CORE_AIV), 0);
    assert_int_equal(pto_task_refs(t1), 1); /* until t2 completes */
    pto_tb_complete(&tb, t2, NULL, NULL);
    assert_int_equal(pto_task_refs(t1), 0);
    /* Everything completed, but t0 is held by the inner scope (opened at
     * t0) and t1, t2 by the outer one. */
    uint64_t begin[2] = {0, 0};
    assert_true(pto_tb_scope_holds(t0, begin, 2));
    assert_int_equal(pto_tb_retire(&tb, begin, 2), 0);
    /* Inner scope ended, then another opened at depth 1 at t3: t0 is free,
     * t1 and t2 are still held by the outer scope. */
    begin[1] = 3;
    assert_false(pto_tb_scope_holds(t0, begin, 2));
    assert_true(pto_tb_scope_holds(t1, begin, 2));
    assert_int_equal(pto_tb_retire(&tb, begin, 2), 1);
    assert_int_equal(pto_tb_retire(&tb, begin, 1), 1);
    /* Outer scope ended. */
    assert_int_equal(pto_tb_retire(&tb, begin, 0), 3);
    assert_int_equal(pto_tb_live(&tb), 0);
    assert_int_equal(tb.deps.tail, tb.deps.head);
    pto_tb_destroy(&tb);
}

/* ---- concurrent fanin ---- */

#define FANIN_PRODUCERS 64
#define FANIN_THREADS 4
#define FANIN_REPS 500

struct fanin {
    pto_task_buffer tb;
    pthread_barrier_t start, done;
    uint64_t first_producer;   /* id of producer 0 in the current rep */
    _Atomic uint32_t released; /* sum of pto_tb_complete results */
    _Atomic uint32_t arrived;  /* spin rendezvous after `start` */
};

/* The pthread barrier wakes threads one by one, too slowly for them to
 * overlap on 16 short completions; a spinning rendezvous lines them up. */
static void fanin_rendezvous(struct fanin *f, uint32_t rep)
{
    uint32_t want = (rep + 1) * (FANIN_THREADS + 1);
    atomic_fetch_add(&f->arrived, 1);
    while (atomic_load(&f->arrived) < want)
        sched_yield();
}

struct fanin_arg {
    struct fanin *f;
    uint32_t index;
};

static void *fanin_worker(void *p)
{
    struct fanin_arg *a = p;
    struct fanin *f = a->f;
    for (int rep = 0; rep < FANIN_REPS; rep++) {
        pthread_barrier_wait(&f->start);
        fanin_rendezvous(f, (uint32_t)rep);
        /* Interleave the threads' producers: thread k takes k, k+4, ... */
        for (uint32_t i = a->index; i < FANIN_PRODUCERS; i += FANIN_THREADS) {
            pto_task *t = pto_tb_task(&f->tb, f->first_producer + i);
            atomic_fetch_add(&f->released, pto_tb_complete(&f->tb, t, NULL, NULL));
        }
        pthread_barrier_wait(&f->done);
    }
    return 0;
}

static void test_concurrent_fanin(void **state)
{
    (void)state;
    static struct fanin f;
    tb_open(&f.tb, 128, 128, 128);
    assert_int_equal(pthread_barrier_init(&f.start, 0, FANIN_THREADS + 1), 0);
    assert_int_equal(pthread_barrier_init(&f.done, 0, FANIN_THREADS + 1), 0);
    pthread_t th[FANIN_THREADS];
    struct fanin_arg args[FANIN_THREADS];
    for (uint32_t i = 0; i < FANIN_THREADS; i++) {
        args[i] = (struct fanin_arg){&f, i};
        assert_int_equal(pthread_create(&th[i], 0, fanin_worker, &args[i]), 0);
    }
    uint32_t bad_pops = 0, bad_slot = 0, bad_release = 0, bad_state = 0;
    for (int rep = 0; rep < FANIN_REPS; rep++) {
        f.first_producer = f.tb.next_id;
        for (int i = 0; i < FANIN_PRODUCERS; i++)
            publish1(&f.tb, add(&f.tb, PTO_CORE_AIC));
        pto_task *c = add(&f.tb, PTO_CORE_AIV);
        for (uint64_t i = 0; i < FANIN_PRODUCERS; i++)
            wire_ok(&f.tb, f.first_producer + i, c->id);
        assert_int_equal(drain(&f.tb, PTO_CORE_AIC), FANIN_PRODUCERS);
        atomic_store(&f.released, 0);

        pthread_barrier_wait(&f.start);
        fanin_rendezvous(&f, (uint32_t)rep);
        uint32_t by_publish = (uint32_t)publish1(&f.tb, c); /* races the workers */
        pthread_barrier_wait(&f.done);

        uint32_t v, pops = 0, last = UINT32_MAX;
        while (pto_rq_pop(&f.tb.ready[PTO_CORE_AIV], &v) == 0) {
            pops++;
            last = v;
        }
        bad_pops += pops != 1;
        bad_slot += last != (uint32_t)(c->id & 127);
        bad_release += by_publish + atomic_load(&f.released) != 1;
        bad_state += atomic_load(&c->state) != PTO_TASK_READY;
        assert_int_equal(queued(&f.tb, PTO_CORE_AIC), 0);

        pto_tb_complete(&f.tb, c, NULL, NULL);
        assert_int_equal(retire(&f.tb), f.tb.next_id);
        assert_int_equal(f.tb.deps.tail, f.tb.deps.head);
    }
    for (uint32_t i = 0; i < FANIN_THREADS; i++)
        assert_int_equal(pthread_join(th[i], 0), 0);
    assert_int_equal(bad_pops, 0);
    assert_int_equal(bad_slot, 0);
    assert_int_equal(bad_release, 0);
    assert_int_equal(bad_state, 0);
    assert_int_equal(f.tb.next_id, (uint64_t)FANIN_REPS * (FANIN_PRODUCERS + 1));
    pthread_barrier_destroy(&f.start);
    pthread_barrier_destroy(&f.done);
    pto_tb_destroy(&f.tb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_validation),
        cmocka_unit_test(test_ring_wrap_and_retire),
        cmocka_unit_test(test_retire_stops_at_gap),
        cmocka_unit_test(test_dep_pool_capacity),
        cmocka_unit_test(test_dep_pool_reclaimed_over_laps),
        cmocka_unit_test(test_completed_producer_not_counted),
        cmocka_unit_test(test_completed_heapless_producer_skipped),
        cmocka_unit_test(test_heapless_producer_takes_no_ref),
        cmocka_unit_test(test_readiness_two_producers),
        cmocka_unit_test(test_cycle_detection),
        cmocka_unit_test(test_cycle_message_after_wrap),
        cmocka_unit_test(test_complete_take_callback),
        cmocka_unit_test(test_scope_refs_and_dummy_queue),
        cmocka_unit_test(test_concurrent_fanin),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
