/* CSP processes and channels (DESIGN 6.4, pto/csp.h): CSPT times in the
 * deterministic simulation, the same data threaded, and deadlock reports.
 *
 * One block (AIV cores 1 and 2, AIC core 0), dispatch_cycles 0: a process
 * whose tasks never overlap another's runs on a core of its own, so every
 * time below follows DESIGN 6.4's rules by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "pto/pto.h"
#include "pto/tools.h"
#include <cjson/cJSON.h>

#include "csp_util.h"
#include "json_file.h"

static void k10(const uint64_t *a)
{
    (void)a;
    pto_add_cycles(10);
}
static void k30(const uint64_t *a)
{
    (void)a;
    pto_add_cycles(30);
}
/* out[0] = in[0] * 2 + 1 (a: in, out) */
static void kstep(const uint64_t *a)
{
    const int32_t *in = (const int32_t *)(uintptr_t)a[0];
    int32_t *out = (int32_t *)(uintptr_t)a[1];
    out[0] = in[0] * 2 + 1;
    pto_add_cycles(10);
}

enum { K10, K30, KSTEP };

static pto_device *open_dev_window(uint32_t blocks, uint32_t window)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = blocks;
    cfg.schedulers = 1;
    cfg.dispatch_cycles = 0;
    cfg.task_window = window;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pto_kernel_register(dev, K10, PTO_CORE_AIV, k10, "produce", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K30, PTO_CORE_AIV, k30, "consume", &err), 0);
    assert_int_equal(pto_kernel_register(dev, KSTEP, PTO_CORE_AIV, kstep, "step", &err), 0);
    return dev;
}

static pto_device *open_dev(uint32_t blocks) { return open_dev_window(blocks, 1024); }

/* ---- DESIGN 6.4's worked example ---- */

struct pc {
    pto_channel *ch;
    uint32_t items, capacity;
    uint64_t got[16];
    uint32_t ngot;
};

static pto_status producer(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct pc *x = ctx;
    (void)index;
    pto_status st = PTO_OK;
    for (uint32_t i = 0; i < x->items && !st; i++)
        if (!(st = pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err)))
            st = pto_send(run, x->ch, 100 + i, err);
    return st;
}

static pto_status consume_one(pto_run *run, void *ctx, uint64_t v, pto_error *err)
{
    struct pc *x = ctx;
    x->got[x->ngot++] = v;
    return pto_submit(run, K30, PTO_CORE_AIV, NULL, 0, NULL, err);
}

static pto_status consumer(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct pc *x = ctx;
    (void)index;
    return pto_consume(run, x->ch, consume_one, x, err);
}

static pto_status orch_pc(pto_run *run, void *ctx, pto_error *err)
{
    struct pc *x = ctx;
    pto_status st;
    x->ngot = 0;
    if ((st = pto_channel_create(run, "items", x->capacity, &x->ch, err)) ||
        (st = pto_process_create(run, "producer", producer, x, 1, err)) ||
        (st = pto_process_create(run, "consumer", consumer, x, 1, err)))
        return st;
    return pto_csp_run(run, err);
}

/* The same work in one process: produce, consume, three times (its
 * tasks in program order). */
static pto_status single(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    (void)ctx, (void)index;
    pto_status st = PTO_OK;
    for (int i = 0; i < 3 && !st; i++)
        if (!(st = pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err)))
            st = pto_submit(run, K30, PTO_CORE_AIV, NULL, 0, NULL, err);
    return st;
}

static pto_status orch_single(pto_run *run, void *ctx, pto_error *err)
{
    pto_status st = pto_process_create(run, "alone", single, ctx, 1, err);
    return st ? st : pto_csp_run(run, err);
}

static void test_worked_example(void **state)
{
    (void)state;
    pto_device *dev = open_dev(1);
    struct pc x = {.items = 3, .capacity = 1};
    for (int m = 0; m < 2; m++) {
        pto_run_mode mode = m ? PTO_MODE_HOST_BUILT : PTO_MODE_STREAMED;
        set_latency(dev, 0);
        assert_int_equal(launch(dev, 1, mode, orch_pc, &x), 100);
        assert_int_equal(x.ngot, 3);
        for (uint32_t i = 0; i < 3; i++)
            assert_int_equal(x.got[i], 100 + i);
        set_latency(dev, 5); /* a symbol: no rebuild */
        assert_int_equal(launch(dev, 1, mode, orch_pc, &x), 105);
        assert_int_equal(launch(dev, 1, mode, orch_single, NULL), 120);
        /* threaded: the same tokens and edges */
        assert_true(launch(dev, 0, mode, orch_pc, &x) >= 105);
        assert_int_equal(x.ngot, 3);
    }
    pto_device_close(dev);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

/* The last run's processes, tokens and the cycle trace's process lanes
 * and token arrows. */
static void test_trace(void **state)
{
    (void)state;
    pto_device *dev = open_dev(1);
    set_latency(dev, 0);
    struct pc x = {.items = 3, .capacity = 1};
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = 1;
    rc.mode = PTO_MODE_STREAMED;
    pto_stats st;
    pto_error err;
    if (pto_launch(dev, &rc, orch_pc, &x, &st, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pto_last_run_processes(dev), 2);
    assert_string_equal(pto_last_run_process_name(dev, 0), "producer");
    assert_string_equal(pto_last_run_process_name(dev, 1), "consumer");
    assert_string_equal(pto_last_run_channel_name(dev, 0), "items");
    const pto_token_record *tok;
    size_t n;
    pto_last_run_tokens(dev, &tok, &n);
    assert_int_equal(n, 3);
    const pto_task_record *r;
    size_t nr;
    pto_last_run_records(dev, &r, &nr);
    for (size_t k = 0; k < n; k++) { /* P_k (10 cycles) -> Q_k (30 cycles) */
        assert_int_equal(tok[k].token, k);
        assert_int_equal(pto_last_run_task_process(dev, tok[k].send_task), 1);
        assert_int_equal(pto_last_run_task_process(dev, tok[k].recv_task), 2);
        assert_int_equal(r[tok[k].send_task].end_cycle - r[tok[k].send_task].start_cycle, 10);
        assert_int_equal(r[tok[k].recv_task].end_cycle - r[tok[k].recv_task].start_cycle, 30);
    }
    char path[] = "/tmp/pto_csp_trace_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(pto_trace_write_chrome_cycles(dev, &st, path, &err), PTO_OK);
    char *buf = read_file(path);
    remove(path);
    assert_non_null(buf);
    assert_non_null(strstr(buf, "\"name\":\"CSP processes\""));
    assert_non_null(strstr(buf, "\"name\":\"producer\""));
    assert_int_equal(count(buf, "\"ph\":\"s\""), 3);
    assert_int_equal(count(buf, "\"ph\":\"f\""), 3);
    assert_int_equal(count(buf, "\"cat\":\"token\""), 6);
    free(buf);
    pto_device_close(dev);
}

/* The last run's edges as a sorted, unique list (as the graph export
 * sorts them: producer, consumer, kind). */
static size_t sorted_edges(pto_device *dev, pto_edge *out, size_t cap)
{
    const pto_edge *e;
    size_t n, m = 0;
    pto_last_run_edges(dev, &e, &n);
    for (size_t i = 0; i < n; i++) {
        size_t j = m;
        while (j && (out[j - 1].producer > e[i].producer ||
                     (out[j - 1].producer == e[i].producer &&
                      (out[j - 1].consumer > e[i].consumer ||
                       (out[j - 1].consumer == e[i].consumer && out[j - 1].kind > e[i].kind)))))
            j--;
        if (j && out[j - 1].producer == e[i].producer && out[j - 1].consumer == e[i].consumer &&
            out[j - 1].kind == e[i].kind)
            continue; /* a duplicate */
        assert_true(m < cap);
        memmove(&out[j + 1], &out[j], (m - j) * sizeof *out);
        out[j] = e[i];
        m++;
    }
    return m;
}

/* An edge of the hand-derived lists. */
#define E_END(p, c)                                                                                \
    {                                                                                              \
        p, c, PTO_EDGE_END, 0                                                                      \
    }
#define E_START(p, c)                                                                              \
    {                                                                                              \
        p, c, PTO_EDGE_START, 0                                                                    \
    }

/* Start edges keep their kind in pto_last_run_edges and the graph export.
 * Capacity 1, producer P_k (10 cycles) then send, consumer Q_k (30) per
 * token; bodies run round robin, producer first (csp.h's mechanism):
 *
 * L = 0, 4 items. P0 = t0, send 0 (k < C: no bound). P1 = t1 (after t0),
 * send 1 needs R_0, not received yet: the producer waits. The consumer
 * receives 0: Q0 = t2 (after T_0 = t0), recv 1 waits. Send 1 goes with
 * R_0 = t2, so the producer's next task waits for t2 to start: P2 = t3
 * (after t1, start edge t2 -> t3); send 2 waits for R_1. Q1 = t4 (after
 * t2, t1); recv 2 waits. P3 = t5 (after t3, start edge t4 -> t5); send 3
 * waits for R_2. Q2 = t6 (after t4, t3). Send 3 (R_2 = t6) is the
 * producer's last act: no task follows it, no start edge. Q3 = t7 (after
 * t6, t5). 100 + 30 = 130 cycles: the consumer from 10, 4 x 30.
 *
 * L = 5, 3 items: each send adds its arrival task K_k (after T_k and,
 * k >= C, R_{k-C}'s start), and R_k follows K_k instead of T_k. P0 = t0,
 * K0 = t1 (after t0); P1 = t2 (after t0), send 1 waits; Q0 = t3 (after
 * t1); P's send 1: K1 = t4 (after t2, start edge t3 -> t4); P2 = t5
 * (after t2, start edge t3 -> t5); Q1 = t6 (after t3, t4); send 2: K2 =
 * t7 (after t5, start edge t6 -> t7); Q2 = t8 (after t6, t7): 105 cycles
 * as test_worked_example has it. */
static void test_start_edges_in_graph(void **state)
{
    (void)state;
    static const pto_edge want0[] = {E_END(0, 1),   E_END(0, 2), E_END(1, 3), E_END(1, 4),
                                     E_START(2, 3), E_END(2, 4), E_END(3, 5), E_END(3, 6),
                                     E_START(4, 5), E_END(4, 6), E_END(5, 7), E_END(6, 7)};
    static const pto_edge want5[] = {E_END(0, 1), E_END(0, 2),   E_END(1, 3),   E_END(2, 4),
                                     E_END(2, 5), E_START(3, 4), E_START(3, 5), E_END(3, 6),
                                     E_END(4, 6), E_END(5, 7),   E_START(6, 7), E_END(6, 8),
                                     E_END(7, 8)};
    const struct {
        uint64_t latency;
        uint32_t items;
        uint64_t cycles;
        const pto_edge *want;
        size_t nwant;
        uint64_t send[4], recv[4]; /* T_k, R_k */
    } cases[] = {{0, 4, 130, want0, sizeof want0 / sizeof *want0, {0, 1, 3, 5}, {2, 4, 6, 7}},
                 {5, 3, 105, want5, sizeof want5 / sizeof *want5, {0, 2, 5}, {3, 6, 8}}};
    pto_device *dev = open_dev(1);
    for (size_t r = 0; r < 2 * sizeof cases / sizeof *cases; r++) {
        size_t c = r / 2;
        pto_run_mode mode = r & 1 ? PTO_MODE_HOST_BUILT : PTO_MODE_STREAMED;
        set_latency(dev, cases[c].latency);
        struct pc x = {.items = cases[c].items, .capacity = 1};
        assert_int_equal(launch(dev, 1, mode, orch_pc, &x), cases[c].cycles);
        /* the tokens' tasks are the hand-derived ones */
        const pto_token_record *tok;
        size_t ntok;
        pto_last_run_tokens(dev, &tok, &ntok);
        assert_int_equal(ntok, cases[c].items);
        for (size_t k = 0; k < ntok; k++) {
            assert_int_equal(tok[k].send_task, cases[c].send[k]);
            assert_int_equal(tok[k].recv_task, cases[c].recv[k]);
        }
        pto_edge got[32];
        size_t n = sorted_edges(dev, got, 32);
        for (size_t i = 0; i < n && i < cases[c].nwant; i++)
            if (got[i].producer != cases[c].want[i].producer ||
                got[i].consumer != cases[c].want[i].consumer ||
                got[i].kind != cases[c].want[i].kind)
                fail_msg("L=%llu edge %zu: t%llu -> t%llu kind %u, want t%llu -> t%llu kind %u",
                         (unsigned long long)cases[c].latency, i,
                         (unsigned long long)got[i].producer, (unsigned long long)got[i].consumer,
                         (unsigned)got[i].kind, (unsigned long long)cases[c].want[i].producer,
                         (unsigned long long)cases[c].want[i].consumer,
                         (unsigned)cases[c].want[i].kind);
        assert_int_equal(n, cases[c].nwant);

        /* JSON: the same list, start edges with "start" as a third element */
        char path[] = "/tmp/pto_csp_graph_XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        pto_error err;
        assert_int_equal(pto_graph_write(dev, path, PTO_GRAPH_JSON, &err), PTO_OK);
        char *buf = read_file(path);
        assert_non_null(buf);
        cJSON *root = cJSON_Parse(buf);
        free(buf);
        assert_non_null(root);
        const cJSON *edges = cJSON_GetObjectItemCaseSensitive(root, "edges"), *e;
        assert_int_equal(cJSON_GetArraySize(edges), cases[c].nwant);
        size_t i = 0;
        cJSON_ArrayForEach(e, edges)
        {
            const pto_edge *w = &cases[c].want[i++];
            assert_true(cJSON_GetArrayItem(e, 0)->valuedouble == (double)w->producer);
            assert_true(cJSON_GetArrayItem(e, 1)->valuedouble == (double)w->consumer);
            if (w->kind == PTO_EDGE_START) {
                assert_int_equal(cJSON_GetArraySize(e), 3);
                assert_string_equal(cJSON_GetArrayItem(e, 2)->valuestring, "start");
            } else {
                assert_int_equal(cJSON_GetArraySize(e), 2);
            }
        }
        cJSON_Delete(root);

        /* DOT: start edges dashed and labelled, the others plain */
        assert_int_equal(pto_graph_write(dev, path, PTO_GRAPH_DOT, &err), PTO_OK);
        buf = read_file(path);
        remove(path);
        assert_non_null(buf);
        size_t starts = 0;
        for (i = 0; i < cases[c].nwant; i++) {
            const pto_edge *w = &cases[c].want[i];
            char line[96];
            snprintf(line, sizeof line, "\n  t%llu -> t%llu%s;\n", (unsigned long long)w->producer,
                     (unsigned long long)w->consumer,
                     w->kind == PTO_EDGE_START ? " [style=dashed, label=\"start\"]" : "");
            if (!strstr(buf, line))
                fail_msg("DOT lacks%s", line);
            starts += w->kind == PTO_EDGE_START;
        }
        assert_int_equal(count(buf, "style=dashed, label=\"start\""), starts);
        free(buf);
    }
    pto_device_close(dev);
}

/* Rendezvous, L = 0: P1 [0,10), Q1 [10,40), the send completes at 10;
 * P2 [10,20), Q2 [40,70), send 40; P3 [40,50), Q3 [70,100). Capacity 2:
 * S3 waits for Q1's start (10): P1..P3 back to back [0,30); Q1 [10,40),
 * Q2 [40,70), Q3 [70,100): 100. Capacity 4 and 8 items: the producer
 * never waits, [0,80); the consumer from 10: 10 + 8 * 30 = 250. Capacity 1
 * and 8 items: S_k = max(end P_k, start Q_{k-1}); Q_k starts at 10 + 30 (k-1),
 * so the consumer is the bottleneck: 250 as well. */
/* A task window of 1 inside a pipeline: one task in flight at a time,
 * the serial sum of the kernels (3 x 10 + 3 x 30) plus each token's
 * latency (its arrival task lasts L). */
static void test_window_in_pipeline(void **state)
{
    (void)state;
    pto_device *dev = open_dev(1);
    struct pc x = {.items = 3, .capacity = 1};
    for (uint64_t lat = 0; lat <= 5; lat += 5) {
        set_latency(dev, lat);
        pto_run_config rc;
        pto_run_config_default(&rc);
        rc.deterministic = 1;
        rc.mode = PTO_MODE_STREAMED;
        rc.task_window = 1;
        pto_stats st;
        pto_error err;
        if (pto_launch(dev, &rc, orch_pc, &x, &st, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(st.total_cycles, 120 + 3 * lat);
        assert_int_equal(st.flow[PTO_STALL_TASK_WINDOW].high_water, 1);
    }
    pto_device_close(dev);
}

static void test_capacities(void **state)
{
    (void)state;
    pto_device *dev = open_dev(1);
    struct pc x = {.items = 3, .capacity = 0};
    assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_pc, &x), 100);
    x.capacity = 2;
    assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_pc, &x), 100);
    x.items = 8;
    x.capacity = 4;
    assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_pc, &x), 250);
    x.capacity = 1;
    assert_int_equal(launch(dev, 1, PTO_MODE_HOST_BUILT, orch_pc, &x), 250);
    assert_int_equal(x.ngot, 8);
    pto_device_close(dev);
}

/* ---- a three-stage pipeline over data: load -> step -> store ---- */

#define NITEMS 6
struct pipe {
    pto_channel *a, *b;
    int32_t *buf; /* NITEMS x 3 int32: stage values */
};

static pto_tensor cell(int32_t *buf, uint32_t i, uint32_t s)
{
    pto_tensor t = pto_tensor_1d(buf, NITEMS * 3, 4);
    t.offset = (uint64_t)(i * 3 + s) * 4;
    t.shape[0] = 1;
    return t;
}

static pto_status stage(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct pipe *p = ctx;
    pto_channel *in = index == 0 ? NULL : index == 1 ? p->a : p->b;
    pto_channel *out = index == 0 ? p->a : index == 1 ? p->b : NULL;
    for (uint32_t i = 0;; i++) {
        uint64_t item = i;
        if (in) {
            int closed;
            pto_status st = pto_recv(run, in, &item, &closed, err);
            if (st || closed)
                return st;
        } else if (i == NITEMS) {
            return PTO_OK;
        }
        uint32_t s = index ? index - 1 : 0;
        pto_param prm[2] = {pto_in(cell(p->buf, (uint32_t)item, s)),
                            pto_out_existing(cell(p->buf, (uint32_t)item, s + (index != 0)))};
        pto_status st = pto_submit(run, KSTEP, PTO_CORE_AIV, prm, 2, NULL, err);
        if (!st && out)
            st = pto_send(run, out, item, err);
        if (st)
            return st;
    }
}

static pto_status orch_pipe(pto_run *run, void *ctx, pto_error *err)
{
    struct pipe *p = ctx;
    pto_status st;
    if ((st = pto_channel_create(run, "a", 2, &p->a, err)) ||
        (st = pto_channel_create(run, "b", 2, &p->b, err)) ||
        (st = pto_process_create(run, "stage", stage, p, 3, err)))
        return st;
    return pto_csp_run(run, err);
}

static void test_pipeline(void **state)
{
    (void)state;
    pto_device *dev = open_dev(2);
    pto_error err;
    struct pipe p;
    void *m;
    assert_int_equal(pto_malloc(dev, NITEMS * 3 * 4, &m, &err), PTO_OK);
    p.buf = m;
    for (int det = 0; det < 2; det++)
        for (int rep = 0; rep < (det ? 1 : 20); rep++) {
            int32_t host[NITEMS * 3];
            for (int i = 0; i < NITEMS; i++)
                host[i * 3] = i, host[i * 3 + 1] = host[i * 3 + 2] = -1;
            assert_int_equal(pto_copy_to_device(dev, m, host, sizeof host, &err), PTO_OK);
            uint64_t cycles = launch(dev, det, PTO_MODE_STREAMED, orch_pipe, &p);
            assert_int_equal(pto_copy_from_device(dev, host, m, sizeof host, &err), PTO_OK);
            /* stage 0 writes x*2+1 over x in place (cell 0 -> 0), stage 1
             * cell 0 -> 1, stage 2 cell 1 -> 2 */
            for (int i = 0; i < NITEMS; i++) {
                int32_t v0 = i * 2 + 1, v1 = v0 * 2 + 1, v2 = v1 * 2 + 1;
                assert_int_equal(host[i * 3], v0);
                assert_int_equal(host[i * 3 + 1], v1);
                assert_int_equal(host[i * 3 + 2], v2);
            }
            /* three stages of 10 cycles each on their own cores: item i
             * leaves the pipeline at 30 + 10 i (4 AIV cores for 3 stages) */
            if (det)
                assert_int_equal(cycles, 30 + 10 * (NITEMS - 1));
        }
    pto_device_close(dev);
}

/* ---- a long stream in a small window: scopes around batches, waits
 * inside them ---- */

struct stream {
    pto_channel *ch;
    uint32_t items, batch, got;
    int outside; /* the producer sends after its scope ended (batch 1) */
};

static pto_status stream_producer(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct stream *x = ctx;
    (void)index;
    pto_status st = PTO_OK;
    for (uint32_t i = 0; i < x->items && !st; i++) {
        if (i % x->batch == 0 && (st = pto_scope_begin(run, "produce", PTO_SCOPE_AUTO, err)))
            return st;
        if ((st = pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err)) ||
            (!x->outside && (st = pto_send(run, x->ch, i, err))))
            return st;
        if ((i + 1) % x->batch == 0 || i + 1 == x->items)
            st = pto_scope_end(run, err);
        if (!st && x->outside)
            st = pto_send(run, x->ch, i, err);
    }
    return st;
}

static pto_status stream_consumer(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct stream *x = ctx;
    (void)index;
    for (;;) {
        pto_status st = pto_scope_begin(run, "consume", PTO_SCOPE_AUTO, err);
        for (uint32_t i = 0; i < x->batch && !st; i++) {
            uint64_t v;
            int closed;
            if ((st = pto_recv(run, x->ch, &v, &closed, err)))
                break;
            if (closed)
                return pto_scope_end(run, err);
            if (v != x->got++)
                return pto_fail(err, PTO_ERR_INVALID, "token %llu, expected %u",
                                (unsigned long long)v, x->got - 1);
            st = pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err);
        }
        if (st || (st = pto_scope_end(run, err)))
            return st;
    }
}

static pto_status orch_stream(pto_run *run, void *ctx, pto_error *err)
{
    struct stream *x = ctx;
    pto_status st;
    x->got = 0;
    if ((st = pto_channel_create(run, "stream", 4, &x->ch, err)) ||
        (st = pto_process_create(run, "producer", stream_producer, x, 1, err)) ||
        (st = pto_process_create(run, "consumer", stream_consumer, x, 1, err)))
        return st;
    return pto_csp_run(run, err);
}

/* 20000 items through a window of 1024 tasks (each item is 2 tasks: at
 * latency 0 a token is an edge and a start edge, no task of its own): the
 * consumer and producer both take 10 cycles an item, so the consumer ends
 * 10 cycles after the producer: 10 * 20000 + 10. */
static void test_stream_in_window(void **state)
{
    (void)state;
    pto_device *dev = open_dev(1);
    set_latency(dev, 0);
    struct stream x = {.items = 20000, .batch = 64};
    for (int det = 1; det >= 0; det--) {
        pto_run_config rc;
        pto_run_config_default(&rc);
        rc.deterministic = det;
        rc.mode = PTO_MODE_STREAMED;
        pto_stats st;
        pto_error err;
        if (pto_launch(dev, &rc, orch_stream, &x, &st, &err))
            fail_msg("%s", err.msg);
        assert_int_equal(x.got, x.items);
        assert_int_equal(st.tasks, 2 * (uint64_t)x.items);
        assert_true(st.flow[PTO_STALL_TASK_RING_FULL].high_water <= 1024);
        if (det)
            assert_int_equal(st.total_cycles, 10 * (uint64_t)x.items + 10);
    }
    pto_device_close(dev);
}

/* ---- deadlocks ---- */

struct dl {
    int kind;
    pto_channel *c1, *c2;
};

static pto_status dl_a(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct dl *d = ctx;
    (void)index;
    uint64_t v;
    pto_status st;
    switch (d->kind) {
    case 0: /* a cycle: each receives first */
        if ((st = pto_recv(run, d->c1, &v, NULL, err)))
            return st;
        return pto_send(run, d->c2, 1, err);
    case 1: /* receives on a channel nobody sends on */ return pto_recv(run, d->c1, &v, NULL, err);
    case 3: /* the same inside a scope, after a task in it */
        if ((st = pto_scope_begin(run, "held", PTO_SCOPE_AUTO, err)) ||
            (st = pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err)))
            return st;
        return pto_recv(run, d->c1, &v, NULL, err);
    default: /* fills a channel nobody reads */
        for (int i = 0; i < 3; i++)
            if ((st = pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err)) ||
                (st = pto_send(run, d->c1, 1, err)))
                return st;
        return PTO_OK;
    }
}

static pto_status dl_b(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct dl *d = ctx;
    (void)index;
    uint64_t v;
    pto_status st;
    if (d->kind == 4) /* two receives before a task: both happen when it starts */
        return (st = pto_recv(run, d->c1, &v, NULL, err)) ||
                       (st = pto_recv(run, d->c1, &v, NULL, err))
                   ? st
                   : pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err);
    st = pto_recv(run, d->c2, &v, NULL, err);
    return st ? st : pto_send(run, d->c1, 2, err);
}

static pto_status orch_dl(pto_run *run, void *ctx, pto_error *err)
{
    struct dl *d = ctx;
    pto_status st;
    if ((st = pto_channel_create(run, "c1", 1, &d->c1, err)) ||
        (st = pto_channel_create(run, "c2", 1, &d->c2, err)) ||
        (st = pto_process_create(run, "A", dl_a, d, 1, err)) ||
        ((d->kind == 0 || d->kind == 4) && (st = pto_process_create(run, "B", dl_b, d, 1, err))))
        return st;
    return pto_csp_run(run, err);
}

static void test_deadlocks(void **state)
{
    (void)state;
    pto_device *dev = open_dev(1);
    static const char *const want[5][3] = {
        {"Process 'A' waits to receive token 0 on 'c1' (CHANNEL_EMPTY_WAIT)",
         "Process 'B' waits to receive token 0 on 'c2' (CHANNEL_EMPTY_WAIT)",
         "send before receiving in one process of a cycle"},
        {"Process 'A' waits to receive token 0 on 'c1' (CHANNEL_EMPTY_WAIT)",
         "'c1' capacity 1, sent 0, received 0, open", "or close the channel (pto_channel_close"},
        {"Process 'A' waits to send on 'c1' until token 0 is received (CHANNEL_FULL_WAIT)",
         "'c1' capacity 1, sent 1, received 0, open",
         "add the receiver, give the channel more capacity"},
        {"Process 'A' waits to receive token 0 on 'c1' (CHANNEL_EMPTY_WAIT)",
         "'c1' capacity 1, sent 0, received 0, open", "or close the channel (pto_channel_close"},
        /* capacity 1: token 1 waits for receive 0, which waits for the
         * task after receive 1 */
        {"Process 'A' waits to send on 'c1' until token 0 is received (CHANNEL_FULL_WAIT)",
         "Process 'B' waits to receive token 1 on 'c1' (CHANNEL_EMPTY_WAIT)",
         "or submit a task after each receive (a receive happens when"},
    };
    for (int kind = 0; kind < 5; kind++)
        for (int det = 0; det < 2; det++) {
            struct dl d = {.kind = kind};
            pto_run_config rc;
            pto_run_config_default(&rc);
            rc.deterministic = det;
            rc.mode = PTO_MODE_STREAMED;
            pto_error err;
            pto_stats st;
            assert_int_equal(pto_launch(dev, &rc, orch_dl, &d, &st, &err), PTO_ERR_DEADLOCK);
            for (int i = 0; i < 3; i++)
                if (!strstr(err.msg, want[kind][i]))
                    fail_msg("kind %d: '%s' not in: %s", kind, want[kind][i], err.msg);
            pto_stall_reason r =
                kind == 2 ? PTO_STALL_CHANNEL_FULL_WAIT : PTO_STALL_CHANNEL_EMPTY_WAIT;
            assert_true(st.flow[r].stalls >= 1);
            /* the device stays usable */
            struct pc x = {.items = 3, .capacity = 1};
            set_latency(dev, 0);
            assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_pc, &x), 100);
        }
    pto_device_close(dev);
}

/* A stream without scopes in a 16-task ring: the run's implicit scope
 * holds every task, so the ring fills; the report counts the processes'
 * whole submission (they go on after the deadlock, only counted): 64
 * items are a task of the producer and one of the consumer each (a token
 * at latency 0 has no task of its own), 128 tasks. */
static void test_ring_deadlock_counts_all(void **state)
{
    (void)state;
    pto_device *dev = open_dev_window(1, 16);
    pto_error err;
    struct stream x = {.items = 64, .batch = 1u << 30};
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    rc.deterministic = 1;
    assert_int_equal(pto_launch(dev, &rc, orch_stream, &x, NULL, &err), PTO_ERR_DEADLOCK);
    if (!strstr(err.msg, "submits 128 task(s) in all"))
        fail_msg("%s", err.msg);
    pto_device_close(dev);
}

/* Sends after the sender's scope ended, latency 5, in a 16-task ring: a
 * token's arrival task belongs to no scope, so 200 of them do not pile up
 * in the run's scope (they did: a ring deadlock). Capacity 1: T_k runs
 * [10k, 10k + 10] (after T_{k-1} and R_{k-2}'s start, 10k - 5), S_k =
 * max(10k + 10, start R_{k-1} = 10k + 5), R_k [10k + 15, 10k + 25]:
 * 10 * 200 + 15 = 2015. */
static void test_sends_outside_scopes(void **state)
{
    (void)state;
    pto_device *dev = open_dev_window(1, 16);
    set_latency(dev, 5);
    for (int det = 1; det >= 0; det--) {
        struct stream x = {.items = 200, .batch = 1, .outside = 1};
        uint64_t total = launch(dev, det, PTO_MODE_STREAMED, orch_stream, &x);
        if (det)
            assert_int_equal(total, 2015);
        assert_int_equal(x.got, 200);
    }
    pto_device_close(dev);
}

/* ---- implied edges: a cycle of two processes stays a chain ---- */

/* Process A: a_k (10 cycles), send on ab, receive on ba before a_{k+1};
 * process B: receive on ab, b_k (30 cycles), send on ba but after its
 * last task. Capacity 1 both ways, 3 rounds. Round robin, A first:
 * a0 = t0, send ab 0; A waits on ba. B: b0 = t1 (after t0, the token),
 * send ba 0; B waits on ab. A: a1 = t2 after t1 (the token); its program
 * order edge t0 -> t2 is implied: token ba 0 was sent after t1, which
 * follows t0 (B received ab 0 from t0). Send ab 1 needs R_0 = t1: a start
 * edge t1 -> A's next task. B: b1 = t3 after t2 (t1 -> t3 implied the
 * same way); send ba 1: start edge t2 -> B's next task. A: a2 = t4 after
 * t3; its start edge t1 -> t4 is implied too (ba 1 was sent by B after
 * t3, B's task from t1 on). Send ab 2 (start edge t3
 * -> A's next task, which never comes). B: b2 = t5 after t4, t3 -> t5
 * and the start edge t2 -> t5 implied. Edges: the chain t0 -> t1 -> ...
 * -> t5; 3 x (10 + 30) = 120 cycles. */
struct pp {
    pto_channel *ab, *ba;
};

static pto_status pp_a(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct pp *x = ctx;
    (void)index;
    pto_status st = PTO_OK;
    for (int k = 0; k < 3 && !st; k++) {
        if (k && (st = pto_recv(run, x->ba, NULL, NULL, err)))
            return st;
        if (!(st = pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err)))
            st = pto_send(run, x->ab, (uint64_t)k, err);
    }
    return st;
}

static pto_status pp_b(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct pp *x = ctx;
    (void)index;
    pto_status st = PTO_OK;
    for (int k = 0; k < 3 && !st; k++) {
        if ((st = pto_recv(run, x->ab, NULL, NULL, err)) ||
            (st = pto_submit(run, K30, PTO_CORE_AIV, NULL, 0, NULL, err)))
            return st;
        if (k < 2)
            st = pto_send(run, x->ba, (uint64_t)k, err);
    }
    return st;
}

static pto_status orch_pp(pto_run *run, void *ctx, pto_error *err)
{
    struct pp *x = ctx;
    pto_status st;
    if ((st = pto_channel_create(run, "ab", 1, &x->ab, err)) ||
        (st = pto_channel_create(run, "ba", 1, &x->ba, err)) ||
        (st = pto_process_create(run, "A", pp_a, x, 1, err)) ||
        (st = pto_process_create(run, "B", pp_b, x, 1, err)))
        return st;
    return pto_csp_run(run, err);
}

static void test_implied_edges(void **state)
{
    (void)state;
    static const pto_edge want[] = {E_END(0, 1), E_END(1, 2), E_END(2, 3), E_END(3, 4),
                                    E_END(4, 5)};
    pto_device *dev = open_dev(1);
    for (int r = 0; r < 3; r++) { /* deterministic streamed and host-built, threaded */
        struct pp x;
        uint64_t total =
            launch(dev, r < 2, r == 1 ? PTO_MODE_HOST_BUILT : PTO_MODE_STREAMED, orch_pp, &x);
        if (r == 2)
            continue; /* (threaded: the same tasks; an edge to a task that
                         retired meanwhile is not listed) */
        assert_int_equal(total, 120);
        pto_edge got[16];
        size_t n = sorted_edges(dev, got, 16);
        assert_int_equal(n, sizeof want / sizeof *want);
        for (size_t i = 0; i < n; i++)
            if (got[i].producer != want[i].producer || got[i].consumer != want[i].consumer ||
                got[i].kind != want[i].kind)
                fail_msg("edge %zu: t%llu -> t%llu kind %u, want t%llu -> t%llu", i,
                         (unsigned long long)got[i].producer, (unsigned long long)got[i].consumer,
                         (unsigned)got[i].kind, (unsigned long long)want[i].producer,
                         (unsigned long long)want[i].consumer);
    }
    pto_device_close(dev);
}

/* ---- misuse: each check behind pto_send's and pto_recv's short paths ---- */

struct misuse {
    int kind;
    pto_channel *ch, *ch2;
};

static pto_status mu_a(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct misuse *m = ctx;
    (void)index;
    pto_status st = PTO_OK;
    int sends = m->kind == 2 ? 17 : 2;
    for (int i = 0; i < sends && !st; i++) {
        if (m->kind == 0 && i == 1 && (st = pto_channel_close(run, m->ch, err)))
            return st;
        if (!(st = pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err)))
            st = pto_send(run, m->ch, (uint64_t)i, err);
    }
    return st;
}

static pto_status mu_b(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct misuse *m = ctx;
    (void)index;
    uint64_t v;
    pto_status st = PTO_OK;
    if (m->kind == 3) { /* addresses in and around the run's channel table, no
                           channel: inside the first entry, one entry below
                           it, one past the last (the table has room there) */
        ptrdiff_t entry = (char *)m->ch2 - (char *)m->ch;
        char *bad[] = {(char *)m->ch + 1, (char *)m->ch - entry, (char *)m->ch2 + entry};
        for (int i = 0; i < 3; i++)
            if ((st = pto_send(run, (pto_channel *)bad[i], 0, err)) != PTO_ERR_INVALID)
                return pto_fail(err, PTO_ERR_STATE, "address %d accepted: %s", i,
                                pto_status_name(st));
        return st;
    }
    int recvs = m->kind == 2 ? 17 : 1; /* kind 2: no task in between */
    for (int i = 0; i < recvs && !st; i++)
        st = pto_recv(run, m->ch, &v, NULL, err);
    return st || m->kind == 2 ? st : pto_submit(run, K10, PTO_CORE_AIV, NULL, 0, NULL, err);
}

static pto_status mu_c(pto_run *run, void *ctx, uint32_t index, pto_error *err)
{
    struct misuse *m = ctx;
    (void)index;
    uint64_t v;
    return pto_recv(run, m->ch, &v, NULL, err);
}

static pto_status orch_misuse(pto_run *run, void *ctx, pto_error *err)
{
    struct misuse *m = ctx;
    pto_status st;
    if ((st = pto_channel_create(run, "c1", m->kind == 2 ? 32 : 2, &m->ch, err)) ||
        (m->kind == 3 && (st = pto_channel_create(run, "c2", 1, &m->ch2, err))) ||
        (st = pto_process_create(run, "A", mu_a, m, 1, err)) ||
        (st = pto_process_create(run, "B", mu_b, m, 1, err)) ||
        (m->kind == 1 && (st = pto_process_create(run, "C", mu_c, m, 1, err))))
        return st;
    if (m->kind == 4) /* outside a process body */
        return pto_send(run, m->ch, 0, err);
    return pto_csp_run(run, err);
}

static void test_misuse(void **state)
{
    (void)state;
    pto_device *dev = open_dev(1);
    static const struct {
        pto_status st;
        const char *msg;
    } want[] = {
        {PTO_ERR_STATE, "pto_send: process 'A' sends on closed channel 'c1'"},
        {PTO_ERR_STATE, "pto_recv: process 'C' receives on channel 'c1', which process 'B' "
                        "receives on (a channel has one receiving process)"},
        {PTO_ERR_CAPACITY, "pto_recv: process 'B' received 16 tokens without a task in between"},
        {PTO_ERR_INVALID, "pto_send: not a channel of this run"},
        {PTO_ERR_STATE, "pto_send: only inside a process body (pto_csp_run)"},
    };
    for (int kind = 0; kind < (int)(sizeof want / sizeof want[0]); kind++)
        for (int det = 0; det < 2; det++) {
            struct misuse m = {.kind = kind};
            pto_run_config rc;
            pto_run_config_default(&rc);
            rc.deterministic = det;
            rc.mode = PTO_MODE_STREAMED;
            pto_error err;
            pto_status got = pto_launch(dev, &rc, orch_misuse, &m, NULL, &err);
            if (got != want[kind].st || !strstr(err.msg, want[kind].msg))
                fail_msg("kind %d: %s, '%s' not in: %s", kind, pto_status_name(got), want[kind].msg,
                         err.msg);
            struct pc x = {.items = 3, .capacity = 1}; /* the device stays usable */
            assert_int_equal(launch(dev, 1, PTO_MODE_STREAMED, orch_pc, &x), 100);
        }
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_worked_example),
        cmocka_unit_test(test_capacities),
        cmocka_unit_test(test_window_in_pipeline),
        cmocka_unit_test(test_trace),
        cmocka_unit_test(test_start_edges_in_graph),
        cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_stream_in_window),
        cmocka_unit_test(test_deadlocks),
        cmocka_unit_test(test_ring_deadlock_counts_all),
        cmocka_unit_test(test_sends_outside_scopes),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_implied_edges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
