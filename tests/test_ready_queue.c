/* Ready queue (src/core/ready_queue.c): FIFO order, full/empty reporting,
 * wrap-around, batched pushes and pops, reset, capacity validation and an MPMC
 * stress test. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/ready_queue.h"

static void init_q(pto_ready_queue *q, uint32_t cap)
{
    pto_error err = {0};
    pto_status st = pto_rq_init(q, cap, &err);
    if (st != PTO_OK)
        fail_msg("pto_rq_init(%u): %s", cap, err.msg);
}

static void test_fifo_order(void **state)
{
    (void)state;
    pto_ready_queue q;
    init_q(&q, 16);
    assert_int_equal(pto_rq_size(&q), 0);
    static const uint32_t vals[] = {7, 3, 11, 0, 15, 3, 9};
    const size_t n = sizeof vals / sizeof vals[0];
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(pto_rq_push(&q, vals[i]), 0);
        assert_int_equal(pto_rq_size(&q), i + 1);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t v = UINT32_MAX;
        assert_int_equal(pto_rq_pop(&q, &v), 0);
        assert_int_equal(v, vals[i]);
        assert_int_equal(pto_rq_size(&q), n - i - 1);
    }
    /* Interleaved push/pop keeps order too. */
    assert_int_equal(pto_rq_push(&q, 100), 0);
    assert_int_equal(pto_rq_push(&q, 101), 0);
    uint32_t v = 0;
    assert_int_equal(pto_rq_pop(&q, &v), 0);
    assert_int_equal(v, 100);
    assert_int_equal(pto_rq_push(&q, 102), 0);
    assert_int_equal(pto_rq_pop(&q, &v), 0);
    assert_int_equal(v, 101);
    assert_int_equal(pto_rq_pop(&q, &v), 0);
    assert_int_equal(v, 102);
    assert_int_equal(pto_rq_pop(&q, &v), -1);
    pto_rq_destroy(&q);
}

/* Batches keep FIFO order, wrap around the ring, and stop at a full queue
 * without overwriting anything. */
static void test_push_n(void **state)
{
    (void)state;
    pto_ready_queue q;
    init_q(&q, 8);
    const uint32_t a[5] = {10, 11, 12, 13, 14}, b[6] = {20, 21, 22, 23, 24, 25};
    uint32_t v;
    assert_int_equal(pto_rq_push_n(&q, a, 5), 5);
    assert_int_equal(pto_rq_size(&q), 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(pto_rq_pop(&q, &v), 0);
        assert_int_equal(v, a[i]);
    }
    assert_int_equal(pto_rq_push_n(&q, b, 6), 6); /* positions 5..10 wrap */
    assert_int_equal(pto_rq_push_n(&q, a, 5), 2); /* room for two only */
    assert_int_equal(pto_rq_size(&q), 8);
    assert_int_equal(pto_rq_push_n(&q, a, 1), 0);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(pto_rq_pop(&q, &v), 0);
        assert_int_equal(v, b[i]);
    }
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pto_rq_pop(&q, &v), 0);
        assert_int_equal(v, a[i]);
    }
    assert_int_equal(pto_rq_pop(&q, &v), -1);
    assert_int_equal(pto_rq_push_n(&q, a, 0), 0);
    assert_int_equal(pto_rq_size(&q), 0);
    pto_rq_destroy(&q);
}

static void test_pop_n(void **state)
{
    (void)state;
    pto_ready_queue q;
    init_q(&q, 8);
    const uint32_t a[6] = {10, 11, 12, 13, 14, 15}, b[7] = {20, 21, 22, 23, 24, 25, 26};
    uint32_t v[8] = {0};
    assert_int_equal(pto_rq_pop_n(&q, v, 4), 0); /* empty */
    assert_int_equal(pto_rq_push_n(&q, a, 6), 6);
    assert_int_equal(pto_rq_pop_n(&q, v, 0), 0);
    assert_int_equal(pto_rq_pop_n(&q, v, 4), 4); /* a prefix, in order */
    for (int i = 0; i < 4; i++)
        assert_int_equal(v[i], a[i]);
    assert_int_equal(pto_rq_pop_n(&q, v, 8), 2); /* what is there */
    assert_int_equal(v[0], 14);
    assert_int_equal(v[1], 15);
    assert_int_equal(pto_rq_push_n(&q, b, 7), 7); /* positions 6..12 wrap */
    assert_int_equal(pto_rq_pop_n(&q, v, 8), 7);
    for (int i = 0; i < 7; i++)
        assert_int_equal(v[i], b[i]);
    assert_int_equal(pto_rq_size(&q), 0);
    /* The freed cells take new pushes: a full queue again. */
    assert_int_equal(pto_rq_push_n(&q, b, 7), 7);
    assert_int_equal(pto_rq_push_n(&q, a, 6), 1);
    assert_int_equal(pto_rq_pop_n(&q, v, 8), 8);
    assert_int_equal(v[7], a[0]);
    assert_int_equal(pto_rq_pop_n(&q, v, 8), 0);
    pto_rq_destroy(&q);
}

static void test_full_and_empty(void **state)
{
    (void)state;
    const uint32_t caps[] = {2, 4, 8, 64};
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        uint32_t cap = caps[k];
        pto_ready_queue q;
        init_q(&q, cap);
        uint32_t v = 12345;
        /* Empty from the start: pop fails and leaves *value alone. */
        assert_int_equal(pto_rq_pop(&q, &v), -1);
        assert_int_equal(v, 12345);
        for (uint32_t round = 0; round < 3; round++) {
            for (uint32_t i = 0; i < cap; i++)
                assert_int_equal(pto_rq_push(&q, round * 1000 + i), 0);
            assert_int_equal(pto_rq_size(&q), cap);
            /* Exactly at capacity: push fails, repeatedly, without
             * overwriting anything. */
            assert_int_equal(pto_rq_push(&q, 999999), -1);
            assert_int_equal(pto_rq_push(&q, 999998), -1);
            assert_int_equal(pto_rq_size(&q), cap);
            /* One pop frees exactly one cell. */
            assert_int_equal(pto_rq_pop(&q, &v), 0);
            assert_int_equal(v, round * 1000);
            assert_int_equal(pto_rq_push(&q, round * 1000 + cap), 0);
            assert_int_equal(pto_rq_push(&q, 999997), -1);
            for (uint32_t i = 1; i <= cap; i++) {
                assert_int_equal(pto_rq_pop(&q, &v), 0);
                assert_int_equal(v, round * 1000 + i);
            }
            assert_int_equal(pto_rq_pop(&q, &v), -1);
            assert_int_equal(pto_rq_size(&q), 0);
        }
        pto_rq_destroy(&q);
    }
}

/* With capacity 1 the per-cell turn counter cannot tell full from empty (a
 * second push would overwrite the first), so pto_rq_init must reject it. */
static void test_capacity_one_rejected(void **state)
{
    (void)state;
    pto_ready_queue q;
    memset(&q, 0, sizeof q);
    pto_error err = {0};
    pto_status st = pto_rq_init(&q, 1, &err);
    if (st == PTO_OK) {
        /* Show the consequence before failing. */
        int second = pto_rq_push(&q, 1) == 0 ? pto_rq_push(&q, 2) : -2;
        pto_rq_destroy(&q);
        fail_msg("capacity 1 accepted; second push returned %d (must be -1)", second);
    }
    assert_int_equal(st, PTO_ERR_INVALID);
    assert_null(q.cells);
    /* Capacity 2, the smallest valid one, reports full correctly. */
    init_q(&q, 2);
    assert_int_equal(pto_rq_push(&q, 1), 0);
    assert_int_equal(pto_rq_push(&q, 2), 0);
    assert_int_equal(pto_rq_push(&q, 3), -1);
    uint32_t v = 0;
    assert_int_equal(pto_rq_pop(&q, &v), 0);
    assert_int_equal(v, 1);
    assert_int_equal(pto_rq_pop(&q, &v), 0);
    assert_int_equal(v, 2);
    assert_int_equal(pto_rq_pop(&q, &v), -1);
    pto_rq_destroy(&q);
}

static void test_wrap_around(void **state)
{
    (void)state;
    const uint32_t cap = 4;
    pto_ready_queue q;
    init_q(&q, cap);
    /* Phase 1: batches of 1..cap items pushed then popped, so the head and
     * tail wrap many times at different offsets. */
    uint32_t next_push = 0, next_pop = 0, v;
    const uint32_t total = 10 * cap;
    uint32_t batch = 1;
    while (next_push < total) {
        for (uint32_t i = 0; i < batch && next_push < total; i++)
            assert_int_equal(pto_rq_push(&q, next_push++), 0);
        assert_int_equal(pto_rq_size(&q), next_push - next_pop);
        while (next_pop < next_push) {
            assert_int_equal(pto_rq_pop(&q, &v), 0);
            assert_int_equal(v, next_pop);
            next_pop++;
        }
        batch = batch % cap + 1;
    }
    assert_int_equal(pto_rq_pop(&q, &v), -1);
    /* Phase 2: steady state with cap-1 items queued: one push, one pop,
     * 10x capacity times. */
    uint32_t base = next_push;
    for (uint32_t i = 0; i < cap - 1; i++)
        assert_int_equal(pto_rq_push(&q, next_push++), 0);
    while (next_push < base + total) {
        assert_int_equal(pto_rq_push(&q, next_push++), 0);
        assert_int_equal(pto_rq_push(&q, 0), -1); /* now exactly full */
        assert_int_equal(pto_rq_pop(&q, &v), 0);
        assert_int_equal(v, next_pop);
        next_pop++;
    }
    while (next_pop < next_push) {
        assert_int_equal(pto_rq_pop(&q, &v), 0);
        assert_int_equal(v, next_pop);
        next_pop++;
    }
    assert_int_equal(next_pop, 2 * total);
    assert_int_equal(pto_rq_pop(&q, &v), -1);
    /* Fill completely after many laps: still exactly cap items fit. */
    for (uint32_t i = 0; i < cap; i++)
        assert_int_equal(pto_rq_push(&q, 500 + i), 0);
    assert_int_equal(pto_rq_push(&q, 0), -1);
    for (uint32_t i = 0; i < cap; i++) {
        assert_int_equal(pto_rq_pop(&q, &v), 0);
        assert_int_equal(v, 500 + i);
    }
    pto_rq_destroy(&q);
}

static void test_reset(void **state)
{
    (void)state;
    const uint32_t cap = 8;
    pto_ready_queue q;
    init_q(&q, cap);
    uint32_t v;
    /* Move head/tail off zero, leave items queued, then reset. */
    for (uint32_t i = 0; i < 5; i++)
        assert_int_equal(pto_rq_push(&q, i), 0);
    for (uint32_t i = 0; i < 3; i++)
        assert_int_equal(pto_rq_pop(&q, &v), 0);
    assert_int_equal(pto_rq_size(&q), 2);
    pto_rq_reset(&q);
    assert_int_equal(pto_rq_size(&q), 0);
    assert_int_equal(pto_rq_pop(&q, &v), -1); /* the 2 leftovers are gone */
    /* Full capacity available again, FIFO from the reset point. */
    for (uint32_t i = 0; i < cap; i++)
        assert_int_equal(pto_rq_push(&q, 40 + i), 0);
    assert_int_equal(pto_rq_push(&q, 0), -1);
    for (uint32_t i = 0; i < cap; i++) {
        assert_int_equal(pto_rq_pop(&q, &v), 0);
        assert_int_equal(v, 40 + i);
    }
    assert_int_equal(pto_rq_pop(&q, &v), -1);
    /* Reset of a full queue. */
    for (uint32_t i = 0; i < cap; i++)
        assert_int_equal(pto_rq_push(&q, i), 0);
    pto_rq_reset(&q);
    assert_int_equal(pto_rq_pop(&q, &v), -1);
    assert_int_equal(pto_rq_push(&q, 77), 0);
    assert_int_equal(pto_rq_pop(&q, &v), 0);
    assert_int_equal(v, 77);
    pto_rq_destroy(&q);
}

static void test_init_rejects_non_pow2(void **state)
{
    (void)state;
    const uint32_t bad[] = {0, 3, 6, 12, 1000, 1025, UINT32_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        pto_ready_queue q;
        memset(&q, 0, sizeof q);
        pto_error err = {0};
        assert_int_equal(pto_rq_init(&q, bad[i], &err), PTO_ERR_INVALID);
        assert_int_equal(err.status, PTO_ERR_INVALID);
        assert_non_null(strstr(err.msg, "power of two"));
        assert_null(q.cells);
    }
    /* And a NULL error pointer is allowed. */
    pto_ready_queue q;
    memset(&q, 0, sizeof q);
    assert_int_equal(pto_rq_init(&q, 5, NULL), PTO_ERR_INVALID);
    const uint32_t good[] = {2, 16, 1024};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        pto_error err = {0};
        assert_int_equal(pto_rq_init(&q, good[i], &err), PTO_OK);
        assert_int_equal(q.capacity, good[i]);
        pto_rq_destroy(&q);
    }
}

/* ---- MPMC stress ---- */

#define STRESS_PRODUCERS 2
#define STRESS_CONSUMERS 2
#define STRESS_PER_PRODUCER 100000u
#define STRESS_TOTAL (STRESS_PRODUCERS * STRESS_PER_PRODUCER)

struct stress {
    pto_ready_queue q;
    _Atomic uint32_t seen[STRESS_TOTAL];
    _Atomic uint64_t popped;
    _Atomic int producers_done;
    _Atomic int consumers_done;
    _Atomic int errors; /* out-of-range values or per-producer reordering */
};

struct stress_arg {
    struct stress *s;
    uint32_t index;
};

/* Producer 0 pushes one value at a time, the others in batches of 1..17
 * (pto_rq_push_n), so batched reservations race single pushes. */
static void *producer_main(void *p)
{
    struct stress_arg *a = p;
    uint32_t base = a->index * STRESS_PER_PRODUCER, vals[17];
    for (uint32_t i = 0; i < STRESS_PER_PRODUCER;) {
        uint32_t n = a->index ? 1 + i % 17 : 1;
        if (n > STRESS_PER_PRODUCER - i)
            n = STRESS_PER_PRODUCER - i;
        for (uint32_t k = 0; k < n; k++)
            vals[k] = base + i + k;
        uint32_t pushed = pto_rq_push_n(&a->s->q, vals, n); /* full: retry the rest */
        if (!pushed && atomic_load(&a->s->consumers_done) == STRESS_CONSUMERS)
            return 0; /* nobody will drain it (a broken queue): give up */
        i += pushed;
    }
    return 0;
}

static void *consumer_main(void *p)
{
    struct stress_arg *a = p;
    struct stress *s = a->s;
    /* The last value seen from each producer: one consumer's pops take
     * increasing queue positions, so each producer's values must arrive in
     * increasing order. */
    int64_t last[STRESS_PRODUCERS];
    for (int i = 0; i < STRESS_PRODUCERS; i++)
        last[i] = -1;
    uint32_t tries = 0; /* consumer 0 pops one by one, the others 1..9 at once */
    for (;;) {
        if (atomic_load(&s->popped) >= STRESS_TOTAL)
            break;
        int done = atomic_load(&s->producers_done) == STRESS_PRODUCERS;
        uint32_t v[9],
            n = a->index ? pto_rq_pop_n(&s->q, v, 1 + (tries++ % 9)) : pto_rq_pop(&s->q, v) == 0;
        if (!n) {
            /* Every push finished before `done` was seen, so an empty queue
             * now stays empty: stop rather than spin on a lost value. */
            if (done)
                break;
            continue;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (v[i] >= STRESS_TOTAL) {
                atomic_fetch_add(&s->errors, 1);
                continue;
            }
            uint32_t prod = v[i] / STRESS_PER_PRODUCER;
            if ((int64_t)v[i] <= last[prod])
                atomic_fetch_add(&s->errors, 1);
            last[prod] = v[i];
            atomic_fetch_add(&s->seen[v[i]], 1);
        }
        atomic_fetch_add(&s->popped, n);
    }
    atomic_fetch_add(&s->consumers_done, 1);
    return 0;
}

static void test_mpmc_stress(void **state)
{
    (void)state;
    struct stress *s = calloc(1, sizeof *s);
    assert_non_null(s);
    init_q(&s->q, 1024);
    pthread_t prod[STRESS_PRODUCERS], cons[STRESS_CONSUMERS];
    struct stress_arg pa[STRESS_PRODUCERS], ca[STRESS_CONSUMERS];
    for (uint32_t i = 0; i < STRESS_CONSUMERS; i++) {
        ca[i] = (struct stress_arg){s, i};
        assert_int_equal(pthread_create(&cons[i], 0, consumer_main, &ca[i]), 0);
    }
    for (uint32_t i = 0; i < STRESS_PRODUCERS; i++) {
        pa[i] = (struct stress_arg){s, i};
        assert_int_equal(pthread_create(&prod[i], 0, producer_main, &pa[i]), 0);
    }
    for (uint32_t i = 0; i < STRESS_PRODUCERS; i++) {
        assert_int_equal(pthread_join(prod[i], 0), 0);
        atomic_fetch_add(&s->producers_done, 1);
    }
    for (uint32_t i = 0; i < STRESS_CONSUMERS; i++)
        assert_int_equal(pthread_join(cons[i], 0), 0);

    assert_int_equal(atomic_load(&s->errors), 0);
    assert_int_equal(atomic_load(&s->popped), STRESS_TOTAL);
    uint32_t missing = 0, dup = 0;
    for (uint32_t v = 0; v < STRESS_TOTAL; v++) {
        uint32_t n = atomic_load(&s->seen[v]);
        if (n == 0)
            missing++;
        else if (n > 1)
            dup++;
    }
    assert_int_equal(missing, 0);
    assert_int_equal(dup, 0);
    uint32_t v;
    assert_int_equal(pto_rq_pop(&s->q, &v), -1);
    assert_int_equal(pto_rq_size(&s->q), 0);
    pto_rq_destroy(&s->q);
    free(s);
}

/* ---- contended phases ----
 * Two threads started together fill an empty queue (push vs push), or drain
 * a full one (pop vs pop), so every operation races the other thread. */

#define PHASE_ROUNDS 300
#define PHASE_CAP 1024u

struct phase {
    pto_ready_queue q;
    _Atomic uint32_t arrived;
    _Atomic uint32_t errors;
    uint32_t got[2][PHASE_CAP]; /* values popped by each consumer */
    uint32_t ngot[2];
    uint32_t pushed[2]; /* values pushed by each producer */
};

struct phase_arg {
    struct phase *ph;
    uint32_t index;
};

static void phase_rendezvous(struct phase *ph)
{
    atomic_fetch_add(&ph->arrived, 1);
    while (atomic_load(&ph->arrived) < 2)
        sched_yield();
}

static void *phase_pusher(void *p)
{
    struct phase_arg *a = p;
    struct phase *ph = a->ph;
    phase_rendezvous(ph);
    uint32_t n = 0;
    /* Values of producer i are i, i+2, i+4, ...: distinct across the two. */
    while (pto_rq_push(&ph->q, a->index + 2 * n) == 0)
        if (++n > PHASE_CAP) { /* more pushes than cells: overwrites */
            atomic_fetch_add(&ph->errors, 1);
            break;
        }
    ph->pushed[a->index] = n;
    return 0;
}

static void *phase_popper(void *p)
{
    struct phase_arg *a = p;
    struct phase *ph = a->ph;
    phase_rendezvous(ph);
    uint32_t v, n = 0;
    while (pto_rq_pop(&ph->q, &v) == 0) {
        if (n == PHASE_CAP) { /* more pops than items: duplicates */
            atomic_fetch_add(&ph->errors, 1);
            break;
        }
        ph->got[a->index][n++] = v;
    }
    ph->ngot[a->index] = n;
    return 0;
}

static void run_pair(struct phase *ph, void *(*fn)(void *))
{
    pthread_t th[2];
    struct phase_arg args[2];
    atomic_store(&ph->arrived, 0);
    for (uint32_t i = 0; i < 2; i++) {
        args[i] = (struct phase_arg){ph, i};
        assert_int_equal(pthread_create(&th[i], 0, fn, &args[i]), 0);
    }
    for (uint32_t i = 0; i < 2; i++)
        assert_int_equal(pthread_join(th[i], 0), 0);
}

static void test_contended_push_and_pop(void **state)
{
    (void)state;
    struct phase *ph = calloc(1, sizeof *ph);
    assert_non_null(ph);
    init_q(&ph->q, PHASE_CAP);
    uint8_t *seen = malloc(2 * PHASE_CAP);
    assert_non_null(seen);
    uint32_t bad = 0;
    for (uint32_t round = 0; round < PHASE_ROUNDS; round++) {
        /* Push vs push into an empty queue: together exactly PHASE_CAP
         * succeed, and the queue holds each producer's values in order. */
        run_pair(ph, phase_pusher);
        bad += ph->pushed[0] + ph->pushed[1] != PHASE_CAP;
        uint32_t v, next[2] = {0, 1}, n = 0;
        while (n <= PHASE_CAP && pto_rq_pop(&ph->q, &v) == 0) {
            n++;
            if (v != next[v & 1]) /* lost, duplicated or reordered */
                bad++;
            else
                next[v & 1] += 2;
        }
        bad += n != PHASE_CAP;
        bad += next[0] / 2 != ph->pushed[0] || next[1] / 2 != ph->pushed[1];

        /* Pop vs pop from a full queue: each value popped exactly once, and
         * in increasing order within one consumer. */
        for (uint32_t i = 0; i < PHASE_CAP; i++)
            assert_int_equal(pto_rq_push(&ph->q, i), 0);
        run_pair(ph, phase_popper);
        memset(seen, 0, 2 * PHASE_CAP);
        bad += ph->ngot[0] + ph->ngot[1] != PHASE_CAP;
        for (uint32_t c = 0; c < 2; c++)
            for (uint32_t i = 0; i < ph->ngot[c]; i++) {
                uint32_t x = ph->got[c][i];
                if (x >= PHASE_CAP || seen[x]++ || (i && x <= ph->got[c][i - 1]))
                    bad++;
            }
        bad += pto_rq_size(&ph->q) != 0;
    }
    assert_int_equal(atomic_load(&ph->errors), 0);
    assert_int_equal(bad, 0);
    free(seen);
    pto_rq_destroy(&ph->q);
    free(ph);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fifo_order),
        cmocka_unit_test(test_push_n),
        cmocka_unit_test(test_pop_n),
        cmocka_unit_test(test_full_and_empty),
        cmocka_unit_test(test_capacity_one_rejected),
        cmocka_unit_test(test_wrap_around),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_init_rejects_non_pow2),
        cmocka_unit_test(test_mpmc_stress),
        cmocka_unit_test(test_contended_push_and_pop),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
