/* Random fan-in programs (pto_channel_fan_in, docs/csp.md "Fan-in"): 2..4
 * producer processes send on one channel into one consumer, each token's
 * payload naming its producer and item. Capacity 0..4, latency 0..20,
 * dispatch_cycles 0 or 3, 1..12 items per producer, every task 1..60
 * cycles (small, so that ends often tie).
 *
 * Deterministic runs are checked against a model of DESIGN 6.4's CSPT
 * rules with the fan-in order of docs/csp.md, written from those rules:
 * every producer and consumer task's start and end, the token order and
 * the total. Threaded runs check the values (the consumer's task for a
 * token works on its payload's item, so the values do not depend on the
 * order) and that every producer's tokens arrive once, in its own order.
 *
 * The model, with D = dispatch_cycles and L = the latency. No task ever
 * waits for a core (at most 5 processes run one task each at a time, on 6
 * AIV cores), so a task starts at its ready cycle + D:
 *  - producer p's task j starts at S + D, S = the completion of its
 *    previous send (0 for j = 0), and ends at E = its start + cycles;
 *  - tokens are numbered in the order of the E of their sends' tasks;
 *    within one cycle by the core the task ran on (docs/csp.md: the
 *    simulation completes a cycle's tasks in core order). The core is an
 *    execution fact the model takes from the run's records, for ties only;
 *  - capacity C >= 1: send k completes at tau_k = max(E_k, start of R_{k-C})
 *    (E_k for k < C), and R_k starts at max(end of R_{k-1}, tau_k + L) + D;
 *  - rendezvous: R_k starts at max(end of R_{k-1}, E_k + L) + D, and send k
 *    completes at that start;
 *  - total = the latest end.
 * Since every producer's next E depends only on tokens already numbered,
 * the model numbers tokens one at a time, taking the smallest pending E. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pto/pto.h"

#include "support/rand.h"
#include "support/sanitized.h"

#ifdef SANITIZED
#define NSEEDS 100
#else
#define NSEEDS 500
#endif
#define FR_P 4  /* producers at most */
#define FR_J 12 /* items per producer at most */
#define FR_T (FR_P * FR_J)
#define FR_KERNEL 0

/* A program. Invariants: 2 <= producers <= FR_P; 1 <= items[p] <= FR_J;
 * capacity <= 4; latency <= 20; every cycles value in 1..60; total =
 * sum of items. */
typedef struct fr_prog {
    uint32_t producers, items[FR_P], total, capacity;
    uint64_t latency;
    uint32_t dispatch;
    uint32_t pcyc[FR_P][FR_J]; /* producer p's task for item j */
    uint32_t ccyc[FR_T];       /* the consumer's task for token k */
    uint32_t init[FR_P][FR_J];
} fr_prog;

static void fr_make(fr_prog *p, uint64_t seed)
{
    uint64_t x = seed * 0x51ed2701u + 7;
    memset(p, 0, sizeof *p);
    p->producers = 2 + below(&x, FR_P - 1);
    for (uint32_t q = 0; q < p->producers; q++) {
        p->items[q] = 1 + below(&x, FR_J);
        p->total += p->items[q];
        for (uint32_t j = 0; j < p->items[q]; j++) {
            p->pcyc[q][j] = 1 + below(&x, 60);
            p->init[q][j] = (uint32_t)next_rand(&x);
        }
    }
    for (uint32_t k = 0; k < p->total; k++)
        p->ccyc[k] = 1 + below(&x, 60);
    p->capacity = below(&x, 5);
    p->latency = below(&x, 3) ? 1 + below(&x, 20) : 0;
    p->dispatch = below(&x, 2) ? 3 : 0;
}

/* args: cycles, mul, add, out, in (u32 cells): *out = *in * mul + add. */
static void fr_kernel(const uint64_t *a)
{
    *(uint32_t *)pto_bits_ptr(a[3]) =
        *(const uint32_t *)pto_bits_ptr(a[4]) * (uint32_t)a[1] + (uint32_t)a[2];
    pto_add_cycles(a[0]);
}

#define PMUL 2654435761u
#define PADD 12345u
#define CMUL 40503u
#define CADD 777u

/* A run's state. Invariants: init, cell and res are device buffers of
 * FR_T u32 cells, indexed p * FR_J + j; got[0..ngot) are the payloads the
 * consumer received, in order; ptask / ctask the task ids of producer
 * tasks and of the consumer's task for token k. */
typedef struct fr_run {
    const fr_prog *p;
    uint32_t *init, *cell, *res;
    pto_channel *ch;
    uint64_t got[FR_T];
    uint32_t ngot;
    pto_task_id ptask[FR_P][FR_J], ctask[FR_T];
    int bad;
} fr_run;

static pto_param cell_at(uint32_t *buf, uint32_t index, int out)
{
    pto_tensor t = pto_tensor_1d(buf, FR_T, 4);
    t.offset = (uint64_t)index * 4;
    t.shape[0] = 1;
    return out ? pto_out_existing(t) : pto_in(t);
}

static pto_status fr_task(pto_run *run, uint32_t cycles, uint32_t mul, uint32_t add, uint32_t *out,
                          uint32_t *in, uint32_t index, pto_task_id *id, pto_error *err)
{
    pto_param prm[5] = {pto_scalar(cycles), pto_scalar(mul), pto_scalar(add),
                        cell_at(out, index, 1), cell_at(in, index, 0)};
    return pto_submit(run, FR_KERNEL, PTO_CORE_AIV, prm, 5, id, err);
}

static pto_status producer(pto_run *run, void *ctx, uint32_t q, pto_error *err)
{
    fr_run *r = ctx;
    pto_status st = PTO_OK;
    for (uint32_t j = 0; j < r->p->items[q] && !st; j++) {
        uint32_t i = q * FR_J + j;
        st = fr_task(run, r->p->pcyc[q][j], PMUL, PADD + q, r->cell, r->init, i, &r->ptask[q][j],
                     err);
        if (!st)
            st = pto_send(run, r->ch, i, err);
    }
    return st;
}

static pto_status consume_one(pto_run *run, void *ctx, uint64_t v, pto_error *err)
{
    fr_run *r = ctx;
    uint32_t k = r->ngot;
    if (k >= r->p->total || v >= FR_T || v % FR_J >= r->p->items[v / FR_J]) {
        r->bad = 1;
        return pto_fail(err, PTO_ERR_INVALID, "token %u: payload %llu", k, (unsigned long long)v);
    }
    r->got[r->ngot++] = v;
    return fr_task(run, r->p->ccyc[k], CMUL, CADD, r->res, r->cell, (uint32_t)v, &r->ctask[k], err);
}

static pto_status consumer(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    (void)index;
    return pto_consume(run, ((fr_run *)ctx)->ch, consume_one, ctx, err);
}

static pto_status fr_orch(pto_run *run, void *ctx, pto_error *err)
{
    fr_run *r = ctx;
    pto_status st;
    r->ngot = 0;
    if ((st = pto_channel_create(run, "merge", r->p->capacity, &r->ch, err)) ||
        (st = pto_channel_fan_in(run, r->ch, r->p->producers, err)) ||
        (st = pto_process_create(run, "producer", producer, r, r->p->producers, err)) ||
        (st = pto_process_create(run, "consumer", consumer, r, 1, err)))
        return st;
    return pto_csp_run(run, err);
}

static const pto_task_record *record_of(const pto_task_record *rec, size_t n, pto_task_id id)
{
    if (id < n && rec[id].task_id == id)
        return &rec[id];
    for (size_t k = 0; k < n; k++)
        if (rec[k].task_id == id)
            return &rec[k];
    return NULL;
}

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* The model's times (see the top of the file). core[p][j]: the core
 * producer p's task j ran on (ties only). */
typedef struct fr_times {
    uint64_t pstart[FR_P][FR_J], pend[FR_P][FR_J];
    uint64_t rstart[FR_T], rend[FR_T];
    uint64_t order[FR_T]; /* token k's payload */
    uint64_t total;
} fr_times;

static void fr_model(const fr_prog *p, uint16_t core[FR_P][FR_J], fr_times *t)
{
    uint32_t next[FR_P] = {0};
    memset(t, 0, sizeof *t);
    for (uint32_t q = 0; q < p->producers; q++) {
        t->pstart[q][0] = p->dispatch;
        t->pend[q][0] = p->dispatch + p->pcyc[q][0];
    }
    for (uint32_t k = 0; k < p->total; k++) {
        uint32_t b = FR_P; /* the producer whose pending send ends first */
        for (uint32_t q = 0; q < p->producers; q++) {
            if (next[q] >= p->items[q])
                continue;
            uint64_t e = t->pend[q][next[q]];
            if (b == FR_P || e < t->pend[b][next[b]] ||
                (e == t->pend[b][next[b]] && core[q][next[q]] < core[b][next[b]]))
                b = q;
        }
        uint32_t j = next[b]++;
        uint64_t e = t->pend[b][j], prev = k ? t->rend[k - 1] : 0, tau;
        t->order[k] = b * FR_J + j;
        if (p->capacity) {
            tau = k >= p->capacity ? max64(e, t->rstart[k - p->capacity]) : e;
            t->rstart[k] = max64(prev, tau + p->latency) + p->dispatch;
        } else {
            t->rstart[k] = max64(prev, e + p->latency) + p->dispatch;
            tau = t->rstart[k];
        }
        t->rend[k] = t->rstart[k] + p->ccyc[k];
        t->total = max64(t->total, max64(t->rend[k], e));
        if (next[b] < p->items[b]) {
            t->pstart[b][next[b]] = tau + p->dispatch;
            t->pend[b][next[b]] = tau + p->dispatch + p->pcyc[b][next[b]];
        }
    }
}

static void describe(const fr_prog *p, uint64_t seed, const char *mode)
{
    print_error("seed %llu (%s): %u producers, items", (unsigned long long)seed, mode,
                p->producers);
    for (uint32_t q = 0; q < p->producers; q++)
        print_error(" %u", p->items[q]);
    print_error(", capacity %u, latency %llu, dispatch_cycles %u\n", p->capacity,
                (unsigned long long)p->latency, p->dispatch);
}

#define CHECK(cond, ...)                                                                          \
    do {                                                                                          \
        if (!(cond)) {                                                                            \
            describe(p, seed, mode);                                                              \
            fail_msg(__VA_ARGS__);                                                                \
        }                                                                                         \
    } while (0)

static void check_cycles(pto_device *dev, const fr_prog *p, const fr_run *r,
                         const pto_stats *st, uint64_t seed, const char *mode)
{
    const pto_task_record *rec;
    size_t n;
    pto_last_run_records(dev, &rec, &n);
    uint16_t core[FR_P][FR_J];
    const pto_task_record *pr[FR_P][FR_J];
    for (uint32_t q = 0; q < p->producers; q++)
        for (uint32_t j = 0; j < p->items[q]; j++) {
            pr[q][j] = record_of(rec, n, r->ptask[q][j]);
            CHECK(pr[q][j], "no record of producer %u task %u", q, j);
            core[q][j] = pr[q][j]->core;
        }
    static fr_times t;
    fr_model(p, core, &t);
    for (uint32_t k = 0; k < p->total; k++)
        CHECK(r->got[k] == t.order[k], "token %u: payload %llu, model %llu", k,
              (unsigned long long)r->got[k], (unsigned long long)t.order[k]);
    for (uint32_t q = 0; q < p->producers; q++)
        for (uint32_t j = 0; j < p->items[q]; j++)
            CHECK(pr[q][j]->start_cycle == t.pstart[q][j] && pr[q][j]->end_cycle == t.pend[q][j],
                  "producer %u task %u: [%llu, %llu), model [%llu, %llu)", q, j,
                  (unsigned long long)pr[q][j]->start_cycle,
                  (unsigned long long)pr[q][j]->end_cycle, (unsigned long long)t.pstart[q][j],
                  (unsigned long long)t.pend[q][j]);
    for (uint32_t k = 0; k < p->total; k++) {
        const pto_task_record *x = record_of(rec, n, r->ctask[k]);
        CHECK(x, "no record of the consumer's task %u", k);
        CHECK(x->start_cycle == t.rstart[k] && x->end_cycle == t.rend[k],
              "consumer task %u: [%llu, %llu), model [%llu, %llu)", k,
              (unsigned long long)x->start_cycle, (unsigned long long)x->end_cycle,
              (unsigned long long)t.rstart[k], (unsigned long long)t.rend[k]);
    }
    CHECK(st->total_cycles == t.total, "total_cycles %llu, model %llu",
          (unsigned long long)st->total_cycles, (unsigned long long)t.total);
}

static void run_case(pto_device *dev, const fr_prog *p, uint64_t seed, int det, void *mem[3])
{
    const char *mode = det ? "deterministic" : "threaded";
    static fr_run r;
    memset(&r, 0, sizeof r);
    r.p = p;
    r.init = mem[0], r.cell = mem[1], r.res = mem[2];
    pto_error err = {0};
    static const uint32_t zero[FR_T];
    assert_int_equal(pto_copy_to_device(dev, r.init, p->init, sizeof zero, &err), PTO_OK);
    assert_int_equal(pto_copy_to_device(dev, r.res, zero, sizeof zero, &err), PTO_OK);
    assert_int_equal(pto_symbol_set_u64(dev, PTO_CSP_LATENCY_SYMBOL, p->latency, &err), PTO_OK);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED; /* fan-in needs it */
    rc.deterministic = det;
    rc.watchdog_ms = 5000;
    pto_stats st;
    pto_status s = pto_launch(dev, &rc, fr_orch, &r, &st, &err);
    CHECK(s == PTO_OK && !r.bad, "launch: %s", err.msg);
    /* values: every token's item went through its producer and the consumer */
    uint32_t res[FR_T], seen[FR_P] = {0};
    assert_int_equal(pto_copy_from_device(dev, res, r.res, sizeof res, &err), PTO_OK);
    CHECK(r.ngot == p->total, "%u tokens received, %u sent", r.ngot, p->total);
    for (uint32_t k = 0; k < r.ngot; k++) {
        uint32_t q = (uint32_t)(r.got[k] / FR_J), j = (uint32_t)(r.got[k] % FR_J);
        CHECK(j == seen[q]++, "token %u: producer %u's item %u out of its order", k, q, j);
    }
    for (uint32_t q = 0; q < p->producers; q++)
        for (uint32_t j = 0; j < p->items[q]; j++) {
            uint32_t want = (p->init[q][j] * PMUL + PADD + q) * CMUL + CADD;
            CHECK(res[q * FR_J + j] == want, "producer %u item %u = %u, serial %u", q, j,
                  res[q * FR_J + j], want);
        }
    if (det)
        check_cycles(dev, p, &r, &st, seed, mode);
}

static pto_device *open_dev(uint32_t dispatch, void *mem[3])
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 3; /* 6 AIV cores: one for each process */
    cfg.schedulers = 2;
    cfg.dispatch_cycles = dispatch;
    cfg.trace_capacity = 4 * FR_T;
    pto_device *dev = NULL;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    assert_int_equal(
        pto_kernel_register(dev, FR_KERNEL, PTO_CORE_AIV, fr_kernel, "fan_in_task", &err), PTO_OK);
    assert_int_equal(pto_symbol_declare(dev, PTO_CSP_LATENCY_SYMBOL, PTO_SYMBOL_U64, 0, &err),
                     PTO_OK);
    for (int b = 0; b < 3; b++)
        assert_int_equal(pto_malloc(dev, FR_T * 4, &mem[b], &err), PTO_OK);
    return dev;
}

static void test_random_fan_in(void **state)
{
    (void)state;
    void *mem[2][3];
    pto_device *dev[2] = {open_dev(0, mem[0]), open_dev(3, mem[1])};
    static fr_prog p;
    for (uint64_t seed = 1; seed <= NSEEDS; seed++) {
        fr_make(&p, seed);
        int d = p.dispatch != 0;
        run_case(dev[d], &p, seed, 1, mem[d]);
        if (seed % 4 == 0)
            run_case(dev[d], &p, seed, 0, mem[d]);
    }
    pto_device_close(dev[0]);
    pto_device_close(dev[1]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_fan_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
