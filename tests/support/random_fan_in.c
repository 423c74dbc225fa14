#include "support/random_fan_in.h"
#include "support/rand.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void fr_make(fr_prog *p, uint64_t seed, uint32_t dispatch)
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
    p->dispatch = dispatch;
}

void fr_describe(const fr_prog *p, char *out, size_t n)
{
    size_t len = (size_t)snprintf(out, n, "fan-in: %u producers, items", p->producers);
    for (uint32_t q = 0; q < p->producers && len < n; q++)
        len += (size_t)snprintf(out + len, n - len, " %u", p->items[q]);
    if (len < n)
        snprintf(out + len, n - len, ", capacity %u, latency %" PRIu64 ", dispatch_cycles %u",
                 p->capacity, p->latency, p->dispatch);
}

/* args: cycles, mul, add, out, in (u32 cells): *out = *in * mul + add. */
void fr_kernel(const uint64_t *a)
{
    *(uint32_t *)pto_bits_ptr(a[3]) =
        *(const uint32_t *)pto_bits_ptr(a[4]) * (uint32_t)a[1] + (uint32_t)a[2];
    pto_add_cycles(a[0]);
}

#define PMUL 2654435761u /* producer q: x * PMUL + PADD + q */
#define PADD 12345u
#define CMUL 40503u /* consumer: x * CMUL + CADD */
#define CADD 777u

/* A run's state. Invariants: init, cell and res are device buffers of
 * FR_T u32 cells, indexed p * FR_J + j; got[0..ngot) are the payloads the
 * consumer received, in order (ngot <= total); ptask / ctask: the task ids
 * of producer tasks and of the consumer's task for token k. */
typedef struct fr_run {
    const fr_prog *p;
    uint32_t *init, *cell, *res;
    pto_channel *ch;
    uint64_t got[FR_T];
    uint32_t ngot;
    pto_task_id ptask[FR_P][FR_J], ctask[FR_T];
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
    if (k >= r->p->total || v >= FR_T || v % FR_J >= r->p->items[v / FR_J])
        return pto_fail(err, PTO_ERR_INVALID, "token %u: payload %" PRIu64, k, v);
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

static uint64_t max64(uint64_t a, uint64_t b) { return a > b ? a : b; }

/* The model's times (see the header). core[p][j]: the core producer p's
 * task j ran on (ties only). */
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
        uint32_t b = FR_P; /* the producer whose pending send's task ends first */
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

static const pto_task_record *record_of(const pto_task_record *rec, size_t n, pto_task_id id)
{
    if (id < n && rec[id].task_id == id)
        return &rec[id];
    for (size_t k = 0; k < n; k++)
        if (rec[k].task_id == id)
            return &rec[k];
    return NULL;
}

#define WHY(...) (snprintf(why, why_len, __VA_ARGS__), 1)

static int check_cycles(pto_device *dev, const fr_prog *p, const fr_run *r, const pto_stats *st,
                        char *why, size_t why_len)
{
    const pto_task_record *rec;
    size_t n;
    pto_last_run_records(dev, &rec, &n);
    uint16_t core[FR_P][FR_J];
    const pto_task_record *pr[FR_P][FR_J];
    for (uint32_t q = 0; q < p->producers; q++)
        for (uint32_t j = 0; j < p->items[q]; j++) {
            if (!(pr[q][j] = record_of(rec, n, r->ptask[q][j])))
                return WHY("no record of producer %u task %u", q, j);
            core[q][j] = pr[q][j]->core;
        }
    static _Thread_local fr_times t;
    fr_model(p, core, &t);
    for (uint32_t k = 0; k < p->total; k++)
        if (r->got[k] != t.order[k])
            return WHY("token %u: payload %" PRIu64 ", model %" PRIu64, k, r->got[k], t.order[k]);
    for (uint32_t q = 0; q < p->producers; q++)
        for (uint32_t j = 0; j < p->items[q]; j++)
            if (pr[q][j]->start_cycle != t.pstart[q][j] || pr[q][j]->end_cycle != t.pend[q][j])
                return WHY("producer %u task %u: [%" PRIu64 ", %" PRIu64 "), model [%" PRIu64
                           ", %" PRIu64 ")",
                           q, j, pr[q][j]->start_cycle, pr[q][j]->end_cycle, t.pstart[q][j],
                           t.pend[q][j]);
    for (uint32_t k = 0; k < p->total; k++) {
        const pto_task_record *x = record_of(rec, n, r->ctask[k]);
        if (!x)
            return WHY("no record of the consumer's task %u", k);
        if (x->start_cycle != t.rstart[k] || x->end_cycle != t.rend[k])
            return WHY("consumer task %u: [%" PRIu64 ", %" PRIu64 "), model [%" PRIu64
                       ", %" PRIu64 ")",
                       k, x->start_cycle, x->end_cycle, t.rstart[k], t.rend[k]);
    }
    if (st->total_cycles != t.total)
        return WHY("total_cycles %" PRIu64 ", model %" PRIu64, st->total_cycles, t.total);
    return 0;
}

/* The values, and every producer's tokens once, in its own order. */
static int check_values(const fr_prog *p, const fr_run *r, const uint32_t *res, char *why,
                        size_t why_len)
{
    uint32_t seen[FR_P] = {0};
    if (r->ngot != p->total)
        return WHY("%u tokens received, %u sent", r->ngot, p->total);
    for (uint32_t k = 0; k < r->ngot; k++) {
        uint32_t q = (uint32_t)(r->got[k] / FR_J), j = (uint32_t)(r->got[k] % FR_J);
        if (j != seen[q]++)
            return WHY("token %u: producer %u's item %u out of its order", k, q, j);
    }
    for (uint32_t q = 0; q < p->producers; q++)
        for (uint32_t j = 0; j < p->items[q]; j++) {
            uint32_t want = (p->init[q][j] * PMUL + PADD + q) * CMUL + CADD;
            if (res[q * FR_J + j] != want)
                return WHY("producer %u item %u = %u, serial %u", q, j, res[q * FR_J + j], want);
        }
    return 0;
}

int fr_run_case(pto_device *dev, const fr_prog *p, int deterministic, uint32_t watchdog_ms,
                char *why, size_t why_len)
{
    static _Thread_local fr_run r;
    static _Thread_local uint32_t res[FR_T];
    static const uint32_t zero[FR_T];
    memset(&r, 0, sizeof r);
    r.p = p;
    pto_error err = {0};
    void *m[3] = {NULL, NULL, NULL};
    int bad = 0;
    for (int b = 0; b < 3 && !bad; b++)
        if (pto_malloc(dev, sizeof zero, &m[b], &err))
            bad = WHY("malloc: %s", err.msg);
    r.init = m[0], r.cell = m[1], r.res = m[2];
    if (!bad && (pto_copy_to_device(dev, r.init, p->init, sizeof zero, &err) ||
                 pto_copy_to_device(dev, r.res, zero, sizeof zero, &err)))
        bad = WHY("copy in: %s", err.msg);
    if (!bad && (pto_symbol_declare(dev, PTO_CSP_LATENCY_SYMBOL, PTO_SYMBOL_U64, 0, &err) ||
                 pto_symbol_set_u64(dev, PTO_CSP_LATENCY_SYMBOL, p->latency, &err)))
        bad = WHY("latency symbol: %s", err.msg);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED; /* fan-in needs it */
    rc.deterministic = deterministic;
    if (watchdog_ms)
        rc.watchdog_ms = watchdog_ms;
    pto_stats st;
    if (!bad && pto_launch(dev, &rc, fr_orch, &r, &st, &err))
        bad = WHY("launch: %s", err.msg);
    if (!bad && pto_copy_from_device(dev, res, r.res, sizeof res, &err))
        bad = WHY("copy out: %s", err.msg);
    if (!bad)
        bad = check_values(p, &r, res, why, why_len);
    if (!bad && deterministic)
        bad = check_cycles(dev, p, &r, &st, why, why_len);
    for (int b = 0; b < 3; b++)
        if (m[b])
            pto_free(dev, m[b], &err);
    return bad;
}
