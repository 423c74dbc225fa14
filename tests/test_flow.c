/* Flow control in streamed runs: every stall reason triggered and counted,
 * structural deadlocks per resource with their reports, heap wrap-around,
 * MANUAL scopes, and the API's state/capacity errors.
 *
 * Making a stall certain without timing anything: a "gate" task writes W
 * and every later task reads W, so none of them can complete before the
 * gate. The gate waits until the orchestration sets `go`, which it does
 * right before the submission that finds the resource full (it knows how
 * much each task uses), and then busy-works for ~2 ms before completing. The
 * orchestrator therefore finds the resource full, retires nothing, and has
 * to wait: stalls >= 1, stall_ns > 0 and the high-water equals the capacity
 * (a stall happens only when the free room is below one task's need, and
 * each task needs exactly one unit or a divisor of the capacity). */
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "pto/pto.h"

#define LEN 64 /* u32 per slot; 256 bytes */
#define VALUE 1000u

enum { F_GATE = 0, F_READ, F_COPY, F_CHAIN, F_NOOP, F_FILL };

static atomic_int go;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void busy_ns(uint64_t ns)
{
    uint64_t end = now_ns() + ns;
    while (now_ns() < end) {
    }
}

/* w[0..LEN) = value, once `go` is set and ~2 ms later. args: w, value. */
static void k_gate(const uint64_t *a)
{
    while (!atomic_load(&go))
        busy_ns(20000);
    busy_ns(20000000); /* 20 ms: the orchestrator reaches the stall first */
    uint32_t *w = pto_bits_ptr(a[0]);
    for (int j = 0; j < LEN; j++)
        w[j] = (uint32_t)a[1];
}
/* out[j] = w[j] + i for j < n.  args: w, out, i, n. */
static void k_read(const uint64_t *a)
{
    const uint32_t *w = pto_bits_ptr(a[0]);
    uint32_t *o = pto_bits_ptr(a[1]);
    for (uint64_t j = 0; j < a[3]; j++)
        o[j] = w[j] + (uint32_t)a[2];
}
/* dst[j] = src[j] for j < n.  args: src, dst, n. */
static void k_copy(const uint64_t *a)
{
    const uint32_t *s = pto_bits_ptr(a[0]);
    uint32_t *d = pto_bits_ptr(a[1]);
    for (uint64_t j = 0; j < a[2]; j++)
        d[j] = s[j];
}
/* x[j] = x[j] * 3 + k for j < LEN.  args: x, k. */
static void k_chain(const uint64_t *a)
{
    uint32_t *x = pto_bits_ptr(a[0]);
    for (int j = 0; j < LEN; j++)
        x[j] = x[j] * 3u + (uint32_t)a[1];
}
static void k_noop(const uint64_t *a) { (void)a; }
/* w[0..LEN) = value, immediately.  args: w, value. */
static void k_fill(const uint64_t *a)
{
    uint32_t *w = pto_bits_ptr(a[0]);
    for (int j = 0; j < LEN; j++)
        w[j] = (uint32_t)a[1];
}

typedef struct sizes {
    uint32_t window, tmap, deps, blocks, scheds;
    uint64_t heap;
} sizes;

static pto_device *open_dev(sizes s)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = s.blocks ? s.blocks : 2;
    cfg.schedulers = s.scheds ? s.scheds : 2;
    cfg.task_window = s.window ? s.window : 64;
    cfg.tensormap_entries = s.tmap ? s.tmap : 1024;
    cfg.tensormap_buckets = 16;
    cfg.dep_pool = s.deps ? s.deps : 1024;
    cfg.heap_bytes = s.heap ? s.heap : 1 << 16;
    cfg.gm_bytes = 1 << 22;
    pto_device *dev = NULL;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("open: %s", err.msg);
    pto_kernel_fn fns[] = {k_gate, k_read, k_copy, k_chain, k_noop, k_fill};
    for (int f = 0; f < (int)(sizeof fns / sizeof fns[0]); f++)
        assert_int_equal(pto_kernel_register(dev, f, PTO_CORE_AIV, fns[f], NULL, &err), PTO_OK);
    return dev;
}

static uint32_t *gm(pto_device *dev, size_t words, uint32_t fill)
{
    pto_error err = {0};
    void *p = NULL;
    if (pto_malloc(dev, words * 4, &p, &err))
        fail_msg("malloc: %s", err.msg);
    static uint32_t tmp[1 << 15];
    assert_true(words <= sizeof tmp / sizeof tmp[0]);
    for (size_t i = 0; i < words; i++)
        tmp[i] = fill;
    assert_int_equal(pto_copy_to_device(dev, p, tmp, words * 4, &err), PTO_OK);
    return p;
}

static void fetch(pto_device *dev, uint32_t *dst, const uint32_t *src, size_t words)
{
    pto_error err = {0};
    assert_int_equal(pto_copy_from_device(dev, dst, src, words * 4, &err), PTO_OK);
}

static pto_run_config streamed(void)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    return rc;
}

#define TRY(expr)                                                                                  \
    do {                                                                                           \
        pto_status s_ = (expr);                                                                    \
        if (s_ != PTO_OK)                                                                          \
            return s_;                                                                             \
    } while (0)

/* ------------------------------------------------------------------ */
/* Gated programs: gate writes W, then `readers` tasks read it.         */

typedef enum reader_shape {
    READ_TO_SLOT, /* one task: IN W, NO_DEP R slot (1 TensorMap entry, 1 dep) */
    READ_VIA_HEAP /* two tasks: IN W -> PTO_OUT tmp (256 B); tmp -> OUT_EXISTING R slot */
} reader_shape;

typedef struct gated {
    uint32_t *w, *r;
    uint32_t readers;
    uint32_t go_before; /* set `go` before submitting this reader */
    reader_shape shape;
} gated;

static pto_status orch_gated(pto_run *run, void *vctx, pto_error *err)
{
    gated *g = vctx;
    pto_tensor W = pto_tensor_1d(g->w, LEN, 4);
    TRY(pto_scope_begin(run, "gate", PTO_SCOPE_AUTO, err));
    pto_param gp[] = {pto_out_existing(W), pto_scalar(VALUE)};
    TRY(pto_submit(run, F_GATE, PTO_CORE_AIV, gp, 2, NULL, err));
    TRY(pto_scope_end(run, err));
    for (uint32_t i = 0; i < g->readers; i++) {
        if (i == g->go_before)
            atomic_store(&go, 1);
        pto_tensor slot = pto_tensor_1d(g->r + (size_t)i * LEN, LEN, 4);
        TRY(pto_scope_begin(run, "reader", PTO_SCOPE_AUTO, err));
        if (g->shape == READ_TO_SLOT) {
            pto_param p[] = {pto_in(W), pto_no_dep(slot), pto_scalar(i), pto_scalar(LEN)};
            TRY(pto_submit(run, F_READ, PTO_CORE_AIV, p, 4, NULL, err));
        } else {
            pto_param p[] = {pto_in(W), pto_out(W), pto_scalar(i), pto_scalar(LEN)};
            TRY(pto_submit(run, F_READ, PTO_CORE_AIV, p, 4, NULL, err));
            pto_param q[] = {pto_in(p[1].tensor), pto_out_existing(slot), pto_scalar(LEN)};
            TRY(pto_submit(run, F_COPY, PTO_CORE_AIV, q, 3, NULL, err));
        }
        TRY(pto_scope_end(run, err));
    }
    atomic_store(&go, 1);
    return PTO_OK;
}

/* Runs a gated program, checks every reader's result, returns the stats. */
static void run_gated(sizes sz, uint32_t readers, uint32_t go_before, reader_shape shape,
                      pto_stats *st)
{
    pto_device *dev = open_dev(sz);
    gated g = {gm(dev, LEN, 0), gm(dev, (size_t)readers * LEN, 0), readers, go_before, shape};
    atomic_store(&go, 0);
    pto_run_config rc = streamed();
    pto_error err = {0};
    if (pto_launch(dev, &rc, orch_gated, &g, st, &err))
        fail_msg("launch: %s", err.msg);
    static uint32_t r[4096];
    fetch(dev, r, g.r, (size_t)readers * LEN);
    for (uint32_t i = 0; i < readers; i++)
        for (int j = 0; j < LEN; j++)
            if (r[i * LEN + j] != VALUE + i)
                fail_msg("reader %u [%d] = %u, want %u", i, j, r[i * LEN + j], VALUE + i);
    assert_int_equal(st->tasks, 1 + readers * (shape == READ_VIA_HEAP ? 2 : 1));
    assert_int_equal(st->stall_reason, PTO_STALL_NONE);
    assert_int_equal(st->flow[PTO_STALL_READY_QUEUE_FULL].stalls, 0);
    pto_device_close(dev);
}

/* TASK_RING_FULL: window 8 = the gate + 7 readers; the 8th reader stalls.
 * Also the window-saturation check: the ring's high-water is the window. */
static void test_task_ring_full(void **s)
{
    (void)s;
    pto_stats st;
    run_gated((sizes){.window = 8}, 40, 7, READ_TO_SLOT, &st);
    const pto_flow_stats *f = &st.flow[PTO_STALL_TASK_RING_FULL];
    assert_true(f->stalls >= 1);
    assert_true(f->stall_ns > 0);
    assert_int_equal(f->capacity, 8);
    assert_int_equal(f->high_water, 8);
    /* The other resources were never the bottleneck. */
    assert_int_equal(st.flow[PTO_STALL_TENSORMAP_POOL_FULL].stalls, 0);
    assert_int_equal(st.flow[PTO_STALL_DEPLIST_POOL_FULL].stalls, 0);
    assert_int_equal(st.flow[PTO_STALL_HEAP_ARENA_FULL].stalls, 0);
}

/* TENSORMAP_POOL_FULL: 16 entries; the gate and 15 readers hold one each
 * (readers are recorded too, for write-after-read), the 16th reader stalls. */
static void test_tensormap_pool_full(void **s)
{
    (void)s;
    pto_stats st;
    run_gated((sizes){.window = 64, .tmap = 16}, 48, 15, READ_TO_SLOT, &st);
    const pto_flow_stats *f = &st.flow[PTO_STALL_TENSORMAP_POOL_FULL];
    assert_true(f->stalls >= 1);
    assert_true(f->stall_ns > 0);
    assert_int_equal(f->capacity, 16);
    assert_int_equal(f->high_water, 16);
    assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].stalls, 0);
    assert_true(st.flow[PTO_STALL_TASK_RING_FULL].high_water < 64);
}

/* DEPLIST_POOL_FULL: 8 dep nodes; each reader needs one (on the gate). */
static void test_deplist_pool_full(void **s)
{
    (void)s;
    pto_stats st;
    run_gated((sizes){.window = 64, .deps = 8}, 40, 8, READ_TO_SLOT, &st);
    const pto_flow_stats *f = &st.flow[PTO_STALL_DEPLIST_POOL_FULL];
    assert_true(f->stalls >= 1);
    assert_true(f->stall_ns > 0);
    assert_int_equal(f->capacity, 8);
    assert_int_equal(f->high_water, 8);
    assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].stalls, 0);
    assert_int_equal(st.flow[PTO_STALL_TENSORMAP_POOL_FULL].stalls, 0);
}

/* HEAP_ARENA_FULL: 1024 bytes hold 4 reader outputs of 256 bytes. */
static void test_heap_arena_full(void **s)
{
    (void)s;
    pto_stats st;
    run_gated((sizes){.window = 64, .heap = 1024}, 24, 4, READ_VIA_HEAP, &st);
    const pto_flow_stats *f = &st.flow[PTO_STALL_HEAP_ARENA_FULL];
    assert_true(f->stalls >= 1);
    assert_true(f->stall_ns > 0);
    assert_int_equal(f->capacity, 1024);
    assert_int_equal(f->high_water, 1024);
    assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].stalls, 0);
}

/* READY_QUEUE_FULL cannot happen: the device refuses queues smaller than the
 * window, and a run reports the queue's capacity and no stall on it. */
static void test_ready_queue_never_full(void **s)
{
    (void)s;
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 1;
    cfg.schedulers = 1;
    cfg.task_window = 8;
    cfg.ready_queue = 4;
    pto_device *dev = NULL;
    pto_error err = {0};
    assert_int_equal(pto_device_open("a2a3sim", &cfg, &dev, &err), PTO_ERR_INVALID);
    assert_null(dev);
    assert_non_null(strstr(err.msg, "ready_queue=4"));
    assert_non_null(strstr(err.msg, "task_window=8"));

    pto_stats st;
    run_gated((sizes){.window = 8}, 16, 7, READ_TO_SLOT, &st);
    assert_int_equal(st.flow[PTO_STALL_READY_QUEUE_FULL].capacity, 8);
    assert_int_equal(st.flow[PTO_STALL_READY_QUEUE_FULL].stalls, 0);
    assert_int_equal(st.flow[PTO_STALL_READY_QUEUE_FULL].stall_ns, 0);
    assert_true(st.flow[PTO_STALL_READY_QUEUE_FULL].high_water <= 8);
}

/* ------------------------------------------------------------------ */
/* Heap wrap-around: 400 outputs of 192 bytes through a 4096-byte arena. */

#define WRAP_N 400
#define WRAP_WORDS 48 /* 192 bytes: 21 fit in a lap, the lap's last 64 are skipped */

typedef struct wrap {
    uint32_t *w, *r;
    uintptr_t base[WRAP_N];
} wrap;

static pto_status orch_wrap(pto_run *run, void *vctx, pto_error *err)
{
    wrap *c = vctx;
    pto_tensor W = pto_tensor_1d(c->w, WRAP_WORDS, 4);
    for (uint32_t i = 0; i < WRAP_N; i++) {
        pto_tensor slot = pto_tensor_1d(c->r + (size_t)i * WRAP_WORDS, WRAP_WORDS, 4);
        TRY(pto_scope_begin(run, "lap", PTO_SCOPE_AUTO, err));
        pto_param p[] = {pto_in(W), pto_out(W), pto_scalar(i), pto_scalar(WRAP_WORDS)};
        TRY(pto_submit(run, F_READ, PTO_CORE_AIV, p, 4, NULL, err));
        c->base[i] = (uintptr_t)pto_tensor_data(&p[1].tensor);
        pto_param q[] = {pto_in(p[1].tensor), pto_out_existing(slot), pto_scalar(WRAP_WORDS)};
        TRY(pto_submit(run, F_COPY, PTO_CORE_AIV, q, 3, NULL, err));
        TRY(pto_scope_end(run, err));
    }
    return PTO_OK;
}

static void test_heap_wrap_around(void **s)
{
    (void)s;
    pto_device *dev = open_dev((sizes){.window = 16, .heap = 4096});
    static wrap c;
    c.w = gm(dev, WRAP_WORDS, 7);
    c.r = gm(dev, (size_t)WRAP_N * WRAP_WORDS, 0);
    pto_run_config rc = streamed();
    pto_stats st;
    pto_error err = {0};
    if (pto_launch(dev, &rc, orch_wrap, &c, &st, &err))
        fail_msg("launch: %s", err.msg);
    static uint32_t r[WRAP_N * WRAP_WORDS];
    fetch(dev, r, c.r, (size_t)WRAP_N * WRAP_WORDS);
    for (uint32_t i = 0; i < WRAP_N; i++)
        for (int j = 0; j < WRAP_WORDS; j++)
            if (r[i * WRAP_WORDS + j] != 7u + i)
                fail_msg("output %u [%d] = %u, want %u", i, j, r[i * WRAP_WORDS + j], 7u + i);
    assert_int_equal(st.tasks, 2 * WRAP_N);
    assert_int_equal(st.flow[PTO_STALL_HEAP_ARENA_FULL].capacity, 4096);
    assert_true(st.flow[PTO_STALL_HEAP_ARENA_FULL].high_water <= 4096);
    /* Every output lies inside one 4096-byte region, and the 400 outputs
     * (18+ laps of 21) reuse at most 21 distinct positions. */
    uintptr_t lo = c.base[0], hi = c.base[0];
    for (uint32_t i = 1; i < WRAP_N; i++) {
        lo = c.base[i] < lo ? c.base[i] : lo;
        hi = c.base[i] > hi ? c.base[i] : hi;
    }
    assert_true(hi + WRAP_WORDS * 4 - lo <= 4096);
    uint32_t distinct = 0;
    for (uint32_t i = 0; i < WRAP_N; i++) {
        int seen = 0;
        for (uint32_t k = 0; k < i && !seen; k++)
            seen = c.base[k] == c.base[i];
        distinct += !seen;
        assert_int_equal(c.base[i] % 64, 0);
        assert_int_equal((c.base[i] - lo) % (WRAP_WORDS * 4), 0);
    }
    assert_true(distinct <= 4096 / (WRAP_WORDS * 4));
    assert_int_equal(st.flow[PTO_STALL_READY_QUEUE_FULL].stalls, 0);
    pto_device_close(dev);
}

/* ------------------------------------------------------------------ */
/* Structural deadlocks: one scope needs more of a resource than exists. */

typedef struct big_scope {
    uint32_t *w, *r;
    uint32_t tasks;
    int kind;  /* 0: heap outputs, 1: one TensorMap entry each, 2: one dep each */
    int split; /* 1: the same work, one scope per task */
} big_scope;

static pto_status orch_big(pto_run *run, void *vctx, pto_error *err)
{
    big_scope *b = vctx;
    static const char *const names[] = {"big_heap", "big_tmap", "big_deps"};
    pto_tensor W = pto_tensor_1d(b->w, LEN, 4);
    /* The writer also has a heap output: readers must then keep a reference
     * (and a dep node) on it even once it has completed. */
    pto_param f[] = {pto_out_existing(W), pto_scalar(VALUE), pto_out(pto_tensor_1d(NULL, LEN, 4))};
    if (b->split && b->kind == 2) { /* the writer every reader depends on */
        TRY(pto_scope_begin(run, "writer", PTO_SCOPE_AUTO, err));
        TRY(pto_submit(run, F_FILL, PTO_CORE_AIV, f, 3, NULL, err));
        TRY(pto_scope_end(run, err));
    }
    if (!b->split)
        TRY(pto_scope_begin(run, names[b->kind], PTO_SCOPE_AUTO, err));
    /* Inside the big scope the writer stays alive (and holds its heap
     * block), so every reader wires (and keeps) a dep node on it. */
    if (!b->split && b->kind == 2)
        TRY(pto_submit(run, F_FILL, PTO_CORE_AIV, f, 3, NULL, err));
    for (uint32_t i = 0; i < b->tasks; i++) {
        if (b->split)
            TRY(pto_scope_begin(run, names[b->kind], PTO_SCOPE_AUTO, err));
        pto_tensor slot = pto_tensor_1d(b->r + (size_t)i * LEN, LEN, 4);
        pto_param p[] = {pto_in(W), b->kind == 0 ? pto_out(W) : pto_no_dep(slot), pto_scalar(i),
                         pto_scalar(LEN)};
        TRY(pto_submit(run, F_READ, PTO_CORE_AIV, p, 4, NULL, err));
        if (b->split)
            TRY(pto_scope_end(run, err));
    }
    if (!b->split)
        TRY(pto_scope_end(run, err));
    return PTO_OK;
}

static void expect_deadlock_batch(sizes sz, int kind, uint32_t tasks, pto_stall_reason reason,
                                  const char *const *want, size_t nwant, uint32_t batch)
{
    pto_device *dev = open_dev(sz);
    big_scope b = {gm(dev, LEN, VALUE), gm(dev, (size_t)tasks * LEN, 0), tasks, kind, 0};
    pto_run_config rc = streamed();
    rc.publish_batch = batch;
    pto_stats st;
    pto_error err = {0};
    assert_int_equal(pto_launch(dev, &rc, orch_big, &b, &st, &err), PTO_ERR_DEADLOCK);
    for (size_t i = 0; i < nwant; i++)
        if (!strstr(err.msg, want[i]))
            fail_msg("report lacks '%s':\n%s", want[i], err.msg);
    assert_int_equal(st.stall_reason, reason);
    assert_int_equal(st.flow[reason].stalls, 1);
    assert_true(st.flow[reason].stall_ns > 0);
    assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].stalls, 0);
    /* The device stays usable: the same work, one scope per task, passes. */
    b.split = 1;
    if (pto_launch(dev, &rc, orch_big, &b, &st, &err))
        fail_msg("split launch: %s", err.msg);
    if (kind != 0) {
        static uint32_t r[4096];
        fetch(dev, r, b.r, (size_t)tasks * LEN);
        for (uint32_t i = 0; i < tasks; i++)
            assert_int_equal(r[i * LEN + 5], VALUE + i);
    }
    pto_device_close(dev);
}

/* Publication batches of 1 let the first tasks complete while the rest are
 * still being submitted; the default batch holds them back longer. */
static void expect_deadlock(sizes sz, int kind, uint32_t tasks, pto_stall_reason reason,
                            const char *const *want, size_t nwant)
{
    for (uint32_t batch = 0; batch < 2; batch++)
        expect_deadlock_batch(sz, kind, tasks, reason, want, nwant, batch);
}

static void test_deadlock_heap_arena(void **s)
{
    (void)s;
    /* 8 outputs of 256 bytes in one scope, 1024-byte arena: the 5th stalls. */
    const char *want[] = {"stalled on HEAP_ARENA_FULL",
                          "(needs 256, 1024 of 1024 in use)",
                          "held by open scope 'big_heap'",
                          "Scope 'big_heap' submits 8 task(s)",
                          "heap arena 1024 bytes; scope 'big_heap' allocates 2048 bytes",
                          "use PTO_HEAP_BYTES >= 4096 or split the scope"};
    expect_deadlock((sizes){.window = 64, .heap = 1024}, 0, 8, PTO_STALL_HEAP_ARENA_FULL, want,
                    sizeof want / sizeof want[0]);
}

static void test_deadlock_tensormap(void **s)
{
    (void)s;
    /* 20 readers (one entry each) in one scope, 16 entries. */
    const char *want[] = {"stalled on TENSORMAP_POOL_FULL",
                          "16 of 16 in use",
                          "held by open scope 'big_tmap'",
                          "Scope 'big_tmap' submits 20 task(s)",
                          "PTO_TENSORMAP >= 32",
                          "split scope 'big_tmap'"};
    expect_deadlock((sizes){.window = 64, .tmap = 16}, 1, 20, PTO_STALL_TENSORMAP_POOL_FULL, want,
                    sizeof want / sizeof want[0]);
}

static void test_deadlock_deplist(void **s)
{
    (void)s;
    /* One writer and 20 readers (one dep node each) in one scope, 8 nodes:
     * the scope holds 20 nodes at once, so 16 (the doubling the report used
     * to advise) deadlocks again; 32 is what it needs. */
    const char *want[] = {"stalled on DEPLIST_POOL_FULL",
                          "8 of 8 in use",
                          "held by open scope 'big_deps'",
                          "Scope 'big_deps' submits 21 task(s)",
                          "PTO_DEP_POOL >= 32",
                          "split scope 'big_deps'"};
    expect_deadlock((sizes){.window = 64, .deps = 8}, 2, 20, PTO_STALL_DEPLIST_POOL_FULL, want,
                    sizeof want / sizeof want[0]);
}

/* Following the advice once works: a scope far larger than twice the pool
 * deadlocks, and a device with the advised size runs it. */
static void advice_reruns(sizes sz, int kind, uint32_t tasks, const char *knob)
{
    pto_device *dev = open_dev(sz);
    big_scope b = {gm(dev, LEN, VALUE), gm(dev, (size_t)tasks * LEN, 0), tasks, kind, 0};
    pto_run_config rc = streamed();
    pto_error err = {0};
    assert_int_equal(pto_launch(dev, &rc, orch_big, &b, NULL, &err), PTO_ERR_DEADLOCK);
    pto_device_close(dev);
    char use[64];
    snprintf(use, sizeof use, "use %s >= ", knob);
    const char *at = strstr(err.msg, use);
    if (!at)
        fail_msg("no advice '%s' in:\n%s", use, err.msg);
    uint64_t advised = strtoull(at + strlen(use), NULL, 10);
    if (kind == 1)
        sz.tmap = (uint32_t)advised;
    else
        sz.deps = (uint32_t)advised;
    dev = open_dev(sz);
    b.w = gm(dev, LEN, VALUE);
    b.r = gm(dev, (size_t)tasks * LEN, 0);
    if (pto_launch(dev, &rc, orch_big, &b, NULL, &err) != PTO_OK)
        fail_msg("rerun with %s=%llu: %s", knob, (unsigned long long)advised, err.msg);
    static uint32_t r[4096];
    fetch(dev, r, b.r, (size_t)tasks * LEN);
    for (uint32_t i = 0; i < tasks; i++)
        assert_int_equal(r[i * LEN + 5], VALUE + i);
    pto_device_close(dev);
}

static void test_deadlock_advice_suffices(void **s)
{
    (void)s;
    /* 40 readers, one entry / one dep node each, in one scope. */
    advice_reruns((sizes){.window = 64, .tmap = 16}, 1, 40, "PTO_TENSORMAP");
    advice_reruns((sizes){.window = 64, .deps = 8}, 2, 40, "PTO_DEP_POOL");
}

/* ------------------------------------------------------------------ */
/* MANUAL scopes. */

typedef struct manual {
    uint32_t *x;
    int explicit_dep;
    int manual;
} manual;

/* In one MANUAL scope: x = x*3 + 1, then x = x*3 + 2, ordered only by an
 * explicit pto_add_dep. */
static pto_status orch_manual_chain(pto_run *run, void *vctx, pto_error *err)
{
    manual *m = vctx;
    pto_tensor X = pto_tensor_1d(m->x, LEN, 4);
    pto_task_id a, b;
    TRY(pto_scope_begin(run, "manual", PTO_SCOPE_MANUAL, err));
    pto_param p[] = {pto_inout(X), pto_scalar(1)};
    TRY(pto_submit(run, F_CHAIN, PTO_CORE_AIV, p, 2, &a, err));
    pto_param q[] = {pto_inout(X), pto_scalar(2)};
    TRY(pto_submit(run, F_CHAIN, PTO_CORE_AIV, q, 2, &b, err));
    TRY(pto_add_dep(run, a, b, err));
    return pto_scope_end(run, err);
}

static void test_manual_scope_explicit_dep_orders(void **s)
{
    (void)s;
    pto_device *dev = open_dev((sizes){0});
    pto_run_config rc = streamed();
    pto_error err = {0};
    manual m = {gm(dev, LEN, 5), 1, 1};
    for (int rep = 0; rep < 20; rep++) {
        pto_stats st;
        uint32_t x[LEN];
        if (pto_launch(dev, &rc, orch_manual_chain, &m, &st, &err))
            fail_msg("launch: %s", err.msg);
        fetch(dev, x, m.x, LEN);
        /* Each run starts from the previous result: x -> 9x + 5. */
        uint32_t want = 5;
        for (int k = 0; k <= rep; k++)
            want = want * 9u + 5u;
        for (int j = 0; j < LEN; j++)
            assert_int_equal(x[j], want);
        /* The only edge is the explicit one; nothing entered the TensorMap. */
        assert_int_equal(st.flow[PTO_STALL_DEPLIST_POOL_FULL].high_water, 1);
        assert_int_equal(st.flow[PTO_STALL_TENSORMAP_POOL_FULL].high_water, 0);
    }
    pto_device_close(dev);
}

/* Two INOUT writers of X and then an IN reader of X, all inside one outer
 * AUTO scope (so nothing retires before the reader is wired). With the
 * writers in a MANUAL scope no edge is inferred at all: not between them,
 * and not from them to the later AUTO-scope reader (they were never recorded
 * in the TensorMap). The kernels do nothing, so any order is harmless. */
static pto_status orch_manual_infer(pto_run *run, void *vctx, pto_error *err)
{
    manual *m = vctx;
    pto_tensor X = pto_tensor_1d(m->x, LEN, 4);
    TRY(pto_scope_begin(run, "outer", PTO_SCOPE_AUTO, err));
    if (m->manual)
        TRY(pto_scope_begin(run, "writers", PTO_SCOPE_MANUAL, err));
    for (int k = 0; k < 2; k++) {
        pto_param p[] = {pto_inout(X)};
        TRY(pto_submit(run, F_NOOP, PTO_CORE_AIV, p, 1, NULL, err));
    }
    if (m->manual)
        TRY(pto_scope_end(run, err));
    pto_param r[] = {pto_in(X)};
    TRY(pto_submit(run, F_NOOP, PTO_CORE_AIV, r, 1, NULL, err));
    return pto_scope_end(run, err);
}

static void test_manual_scope_disables_inference(void **s)
{
    (void)s;
    pto_device *dev = open_dev((sizes){0});
    pto_run_config rc = streamed();
    pto_error err = {0};
    pto_stats st;
    manual m = {gm(dev, LEN, 0), 0, 0};
    /* AUTO: w2 after w1 (and w2's write supersedes w1's entry, so the
     * reader finds w2 only): 2 edges. An edge to a producer that already
     * completed (possible on a slow run: w1 and w2 are published after
     * 20 us) takes no dep node, so the pool's high water is 1 or 2. The
     * superseded entry keeps its ring slot until w1 retires (at the scope's
     * end): 3 TensorMap entries held at once. */
    if (pto_launch(dev, &rc, orch_manual_infer, &m, &st, &err))
        fail_msg("launch: %s", err.msg);
    assert_int_equal(st.tasks, 3);
    assert_int_equal(st.edges, 2);
    assert_in_range(st.flow[PTO_STALL_DEPLIST_POOL_FULL].high_water, 1, 2);
    assert_int_equal(st.flow[PTO_STALL_TENSORMAP_POOL_FULL].high_water, 3);
    /* MANUAL writers: no edge anywhere; only the reader is recorded. */
    m.manual = 1;
    if (pto_launch(dev, &rc, orch_manual_infer, &m, &st, &err))
        fail_msg("launch: %s", err.msg);
    assert_int_equal(st.tasks, 3);
    assert_int_equal(st.edges, 0);
    assert_int_equal(st.flow[PTO_STALL_DEPLIST_POOL_FULL].high_water, 0);
    assert_int_equal(st.flow[PTO_STALL_TENSORMAP_POOL_FULL].high_water, 1);
    pto_device_close(dev);
}

/* ------------------------------------------------------------------ */
/* API state and capacity errors. */

typedef struct api {
    uint32_t *x;
    pto_status st1, st2;
    pto_error e1, e2;
    uint32_t value;
    int leave_open;
} api;

static pto_status orch_add_dep_published(pto_run *run, void *vctx, pto_error *err)
{
    api *a = vctx;
    pto_task_id t0, t1;
    TRY(pto_submit_dummy(run, NULL, 0, &t0, err));
    TRY(pto_submit_dummy(run, NULL, 0, &t1, err)); /* t0 is complete */
    a->st1 = pto_add_dep(run, t1, t0, &a->e1);     /* t0 is no longer newest */
    a->st2 = pto_add_dep(run, t0, t1, &a->e2);     /* t1 is: fine */
    return PTO_OK;
}

static void test_add_dep_on_published_task(void **s)
{
    (void)s;
    pto_device *dev = open_dev((sizes){0});
    pto_run_config rc = streamed();
    pto_error err = {0};
    pto_stats st;
    api a;
    memset(&a, 0, sizeof a);
    if (pto_launch(dev, &rc, orch_add_dep_published, &a, &st, &err))
        fail_msg("launch: %s", err.msg);
    assert_int_equal(a.st1, PTO_ERR_STATE);
    assert_non_null(strstr(a.e1.msg, "t0 can no longer take dependencies"));
    assert_non_null(strstr(a.e1.msg, "only the newest task (t1)"));
    assert_int_equal(a.st2, PTO_OK);
    assert_int_equal(st.tasks, 2);
    assert_int_equal(st.flow[PTO_STALL_DEPLIST_POOL_FULL].high_water, 1);
    pto_device_close(dev);
}

/* Fill X, then read X[3] back inside the orchestration. */
static pto_status orch_read(pto_run *run, void *vctx, pto_error *err)
{
    api *a = vctx;
    pto_tensor X = pto_tensor_1d(a->x, LEN, 4);
    pto_param p[] = {pto_out_existing(X), pto_scalar(VALUE + 7)};
    TRY(pto_submit(run, F_FILL, PTO_CORE_AIV, p, 2, NULL, err));
    a->st1 = pto_read(run, &X, 3, &a->value, &a->e1);
    return PTO_OK;
}

static void test_read_needs_streamed_mode(void **s)
{
    (void)s;
    pto_device *dev = open_dev((sizes){0});
    pto_run_config rc;
    pto_run_config_default(&rc); /* host-built */
    pto_error err = {0};
    pto_stats st;
    api a;
    memset(&a, 0, sizeof a);
    a.x = gm(dev, LEN, 0);
    a.value = 12345;
    if (pto_launch(dev, &rc, orch_read, &a, &st, &err))
        fail_msg("launch: %s", err.msg);
    assert_int_equal(a.st1, PTO_ERR_STATE);
    assert_non_null(strstr(a.e1.msg, "streamed mode"));
    assert_int_equal(a.value, 12345); /* untouched */
    /* Streamed, the same read waits for the fill and sees its value. */
    rc.mode = PTO_MODE_STREAMED;
    if (pto_launch(dev, &rc, orch_read, &a, &st, &err))
        fail_msg("launch: %s", err.msg);
    assert_int_equal(a.st1, PTO_OK);
    assert_int_equal(a.value, VALUE + 7);
    pto_device_close(dev);
}

static pto_status orch_leaky(pto_run *run, void *vctx, pto_error *err)
{
    api *a = vctx;
    pto_tensor X = pto_tensor_1d(a->x, LEN, 4);
    TRY(pto_scope_begin(run, "outer_ok", PTO_SCOPE_AUTO, err));
    TRY(pto_scope_begin(run, "leaky", PTO_SCOPE_AUTO, err));
    pto_param p[] = {pto_out_existing(X), pto_scalar(VALUE)};
    TRY(pto_submit(run, F_FILL, PTO_CORE_AIV, p, 2, NULL, err));
    if (!a->leave_open) {
        TRY(pto_scope_end(run, err));
        TRY(pto_scope_end(run, err));
    }
    return PTO_OK;
}

static void test_scope_left_open(void **s)
{
    (void)s;
    pto_device *dev = open_dev((sizes){.window = 4});
    for (int mode = 0; mode < 2; mode++) {
        pto_run_config rc;
        pto_run_config_default(&rc);
        rc.mode = mode ? PTO_MODE_STREAMED : PTO_MODE_HOST_BUILT;
        pto_error err = {0};
        pto_stats st;
        api a;
        memset(&a, 0, sizeof a);
        a.x = gm(dev, LEN, 0);
        a.leave_open = 1;
        assert_int_equal(pto_launch(dev, &rc, orch_leaky, &a, &st, &err), PTO_ERR_STATE);
        assert_non_null(strstr(err.msg, "scope 'leaky' (depth 2) still open"));
        /* Its tasks did not stay behind: the next runs on the device pass,
         * also in a window of 4 that a leaked task would eat into. */
        a.leave_open = 0;
        for (int rep = 0; rep < 5; rep++)
            if (pto_launch(dev, &rc, orch_leaky, &a, &st, &err))
                fail_msg("launch after leak: %s", err.msg);
        uint32_t x[LEN];
        fetch(dev, x, a.x, LEN);
        assert_int_equal(x[0], VALUE);
    }
    pto_device_close(dev);
}

static pto_status orch_deep(pto_run *run, void *vctx, pto_error *err)
{
    api *a = vctx;
    for (int d = 0; d < PTO_MAX_SCOPE_DEPTH; d++)
        TRY(pto_scope_begin(run, "level", PTO_SCOPE_AUTO, err));
    a->st1 = pto_scope_begin(run, "too_deep", PTO_SCOPE_AUTO, &a->e1);
    TRY(pto_submit_dummy(run, NULL, 0, NULL, err));
    for (int d = 0; d < PTO_MAX_SCOPE_DEPTH; d++)
        TRY(pto_scope_end(run, err));
    a->st2 = pto_scope_end(run, &a->e2); /* none left */
    return PTO_OK;
}

static void test_scope_depth_65(void **s)
{
    (void)s;
    pto_device *dev = open_dev((sizes){0});
    pto_run_config rc = streamed();
    pto_error err = {0};
    pto_stats st;
    api a;
    memset(&a, 0, sizeof a);
    if (pto_launch(dev, &rc, orch_deep, &a, &st, &err))
        fail_msg("launch: %s", err.msg);
    assert_int_equal(PTO_MAX_SCOPE_DEPTH, 64);
    assert_int_equal(a.st1, PTO_ERR_CAPACITY);
    assert_non_null(strstr(a.e1.msg, "'too_deep'"));
    assert_non_null(strstr(a.e1.msg, "at most 64 deep"));
    assert_int_equal(a.st2, PTO_ERR_STATE);
    assert_int_equal(st.tasks, 1);
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_task_ring_full),
        cmocka_unit_test(test_tensormap_pool_full),
        cmocka_unit_test(test_deplist_pool_full),
        cmocka_unit_test(test_heap_arena_full),
        cmocka_unit_test(test_ready_queue_never_full),
        cmocka_unit_test(test_heap_wrap_around),
        cmocka_unit_test(test_deadlock_heap_arena),
        cmocka_unit_test(test_deadlock_tensormap),
        cmocka_unit_test(test_deadlock_deplist),
        cmocka_unit_test(test_deadlock_advice_suffices),
        cmocka_unit_test(test_manual_scope_explicit_dep_orders),
        cmocka_unit_test(test_manual_scope_disables_inference),
        cmocka_unit_test(test_add_dep_on_published_task),
        cmocka_unit_test(test_read_needs_streamed_mode),
        cmocka_unit_test(test_scope_left_open),
        cmocka_unit_test(test_scope_depth_65),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
