/* Random programs: streamed and host-built runs must equal serial execution.
 *
 * Three GM buffers of 64 u32. Each step is one task of the same kernel over
 * 1..4 views of those buffers (random buffer, offset and extent; either a
 * 2-D tile of the 8 x 8 interpretation with row stride 8, or a contiguous
 * run given as a 1-D or 2-D tensor), each view IN, INOUT or OUT_EXISTING.
 * The kernel's result depends on the order of the tasks touching a range,
 * so any missing RAW, WAR or WAW edge changes the final buffers (or is a
 * data race TSan reports). The same program is run serially on host copies
 * with the very same kernel function, and all buffers are compared exactly.
 *
 * Windows 2, 4, 8, 64, 1024; streamed and host-built (a host-built graph
 * must fit the window, so its program is cut to the window's size); 3 seeds
 * each; devices of 1 block / 1 scheduler and 4 blocks / 2 schedulers.
 * Streamed programs group their steps into scopes of at most the window
 * (and at most 6) tasks, so the ring never deadlocks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "pto/pto.h"

#define NBUF 3
#define LEN 64      /* u32 per buffer, also an 8 x 8 grid */
#define GRID 8
#define MAX_VIEWS 4 /* 4 header args + 3 per view = 16 = PTO_MAX_ARGS */
#define STEPS 48

enum { KIND_IN = 0, KIND_INOUT = 1, KIND_OUT = 2 };

/* args: step, nviews, rows, cols, then per view: address, kind, row stride
 * (elements). For each element, row-major: s mixes the step, the element
 * index and every IN/INOUT value; then INOUT views become v*3 + s and OUT
 * views become s ^ step. */
static void k_step(const uint64_t *a)
{
    uint32_t step = (uint32_t)a[0], nv = (uint32_t)a[1];
    uint64_t rows = a[2], cols = a[3];
    for (uint64_t r = 0; r < rows; r++)
        for (uint64_t c = 0; c < cols; c++) {
            uint32_t s = step * 2654435761u + (uint32_t)(r * cols + c);
            for (uint32_t v = 0; v < nv; v++) {
                const uint32_t *p = pto_bits_ptr(a[4 + 3 * v]);
                if (a[5 + 3 * v] != KIND_OUT)
                    s = s * 31u + p[r * a[6 + 3 * v] + c];
            }
            for (uint32_t v = 0; v < nv; v++) {
                uint32_t *p = pto_bits_ptr(a[4 + 3 * v]);
                uint32_t *e = &p[r * a[6 + 3 * v] + c];
                if (a[5 + 3 * v] == KIND_INOUT)
                    *e = *e * 3u + s;
                else if (a[5 + 3 * v] == KIND_OUT)
                    *e = s ^ step;
            }
        }
}

typedef struct view {
    uint32_t buf, kind;
    uint32_t off;     /* first element */
    uint32_t rstride; /* elements between rows */
    int tile;         /* a tile of the 8 x 8 grid (else a contiguous run) */
    int one_d;        /* contiguous run given as a 1-D tensor */
} view;

typedef struct step {
    uint32_t rows, cols, nviews;
    view v[MAX_VIEWS];
    int scope_begin, scope_end; /* streamed grouping */
} step;

typedef struct program {
    uint32_t nsteps;
    step s[STEPS];
    uint32_t init[NBUF][LEN];
} program;

static uint64_t next_rand(uint64_t *x) /* splitmix64 */
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint32_t below(uint64_t *x, uint32_t n) { return (uint32_t)(next_rand(x) % n); }

static void make_program(program *p, uint64_t seed, uint32_t nsteps, uint32_t max_scope)
{
    uint64_t x = seed;
    memset(p, 0, sizeof *p);
    p->nsteps = nsteps;
    for (int b = 0; b < NBUF; b++)
        for (int i = 0; i < LEN; i++)
            p->init[b][i] = (uint32_t)next_rand(&x);
    uint32_t left_in_scope = 0;
    for (uint32_t k = 0; k < nsteps; k++) {
        step *s = &p->s[k];
        s->rows = 1 + below(&x, 4);
        s->cols = 1 + below(&x, GRID);
        s->nviews = 1 + below(&x, MAX_VIEWS);
        int writes = 0;
        for (uint32_t v = 0; v < s->nviews; v++) {
            view *w = &s->v[v];
            w->buf = below(&x, NBUF);
            w->kind = below(&x, 3);
            writes |= w->kind != KIND_IN;
            if (below(&x, 2)) { /* tile of the 8 x 8 grid */
                w->tile = 1;
                w->rstride = GRID;
                w->off = below(&x, GRID - s->rows + 1) * GRID + below(&x, GRID - s->cols + 1);
            } else { /* contiguous run of rows * cols */
                w->rstride = s->cols;
                w->off = below(&x, LEN - s->rows * s->cols + 1);
                w->one_d = (int)below(&x, 2);
            }
        }
        if (!writes)
            s->v[s->nviews - 1].kind = KIND_INOUT;
        if (!left_in_scope) {
            s->scope_begin = 1;
            left_in_scope = 1 + below(&x, max_scope);
        }
        if (--left_in_scope == 0 || k + 1 == nsteps) {
            s->scope_end = 1;
            left_in_scope = 0;
        }
    }
}

static uint32_t pack_args(const step *s, uint32_t k, uint32_t *const bufs[NBUF],
                          uint64_t *args)
{
    args[0] = k;
    args[1] = s->nviews;
    args[2] = s->rows;
    args[3] = s->cols;
    for (uint32_t v = 0; v < s->nviews; v++) {
        args[4 + 3 * v] = pto_ptr_bits(bufs[s->v[v].buf] + s->v[v].off);
        args[5 + 3 * v] = s->v[v].kind;
        args[6 + 3 * v] = s->v[v].rstride;
    }
    return 4 + 3 * s->nviews;
}

static void run_serial(const program *p, uint32_t out[NBUF][LEN])
{
    memcpy(out, p->init, sizeof p->init);
    uint32_t *bufs[NBUF] = {out[0], out[1], out[2]};
    for (uint32_t k = 0; k < p->nsteps; k++) {
        uint64_t args[PTO_MAX_ARGS];
        pack_args(&p->s[k], k, bufs, args);
        k_step(args);
    }
}

static pto_tensor view_tensor(const step *s, const view *w, uint32_t *base)
{
    if (w->tile) {
        pto_tensor grid = pto_tensor_2d(base, GRID, GRID, 4);
        return pto_tensor_tile(&grid, w->off / GRID, w->off % GRID, s->rows, s->cols);
    }
    pto_tensor t = w->one_d ? pto_tensor_1d(base, (uint64_t)s->rows * s->cols, 4)
                            : pto_tensor_2d(base, s->rows, s->cols, 4);
    t.offset = (uint64_t)w->off * 4;
    return t;
}

typedef struct orch_ctx {
    const program *p;
    uint32_t *dev[NBUF];
    int use_scopes;
} orch_ctx;

static pto_status orch(pto_run *run, void *vctx, pto_error *err)
{
    orch_ctx *c = vctx;
    pto_status st = PTO_OK;
    for (uint32_t k = 0; k < c->p->nsteps && !st; k++) {
        const step *s = &c->p->s[k];
        if (c->use_scopes && s->scope_begin &&
            (st = pto_scope_begin(run, "group", PTO_SCOPE_AUTO, err)))
            break;
        pto_param prm[PTO_MAX_ARGS];
        uint32_t n = 0;
        prm[n++] = pto_scalar(k);
        prm[n++] = pto_scalar(s->nviews);
        prm[n++] = pto_scalar(s->rows);
        prm[n++] = pto_scalar(s->cols);
        for (uint32_t v = 0; v < s->nviews; v++) {
            const view *w = &s->v[v];
            pto_tensor t = view_tensor(s, w, c->dev[w->buf]);
            prm[n++] = w->kind == KIND_IN      ? pto_in(t)
                       : w->kind == KIND_INOUT ? pto_inout(t)
                                               : pto_out_existing(t);
            prm[n++] = pto_scalar(w->kind);
            prm[n++] = pto_scalar(w->rstride);
        }
        st = pto_submit(run, 0, PTO_CORE_AIV, prm, n, NULL, err);
        if (!st && c->use_scopes && s->scope_end)
            st = pto_scope_end(run, err);
    }
    return st;
}

static void run_case(pto_device *dev, uint32_t window, pto_run_mode mode, uint64_t seed,
                     uint32_t publish_batch)
{
    static program prog; /* large-ish; tests run one at a time */
    uint32_t nsteps = STEPS;
    if (mode == PTO_MODE_HOST_BUILT && nsteps > window)
        nsteps = window; /* a host-built graph must fit the window */
    uint32_t max_scope = window < 6 ? window : 6;
    make_program(&prog, seed * 1000003u + window, nsteps, max_scope);

    uint32_t want[NBUF][LEN], got[NBUF][LEN];
    run_serial(&prog, want);

    orch_ctx c = {&prog, {0}, 1};
    pto_error err = {0};
    for (int b = 0; b < NBUF; b++) {
        void *p = NULL;
        if (pto_malloc(dev, LEN * 4, &p, &err))
            fail_msg("malloc: %s", err.msg);
        c.dev[b] = p;
        assert_int_equal(pto_copy_to_device(dev, p, prog.init[b], LEN * 4, &err), PTO_OK);
    }
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.publish_batch = publish_batch;
    pto_stats st;
    if (pto_launch(dev, &rc, orch, &c, &st, &err))
        fail_msg("window %u mode %d seed %llu: launch: %s", window, mode,
                 (unsigned long long)seed, err.msg);
    for (int b = 0; b < NBUF; b++) {
        assert_int_equal(pto_copy_from_device(dev, got[b], c.dev[b], LEN * 4, &err), PTO_OK);
        assert_int_equal(pto_free(dev, c.dev[b], &err), PTO_OK);
    }
    for (int b = 0; b < NBUF; b++)
        for (int i = 0; i < LEN; i++)
            if (got[b][i] != want[b][i])
                fail_msg("window %u mode %s seed %llu: buffer %d [%d] = %u, serial %u", window,
                         mode == PTO_MODE_STREAMED ? "streamed" : "host-built",
                         (unsigned long long)seed, b, i, got[b][i], want[b][i]);
    assert_int_equal(st.tasks, nsteps);
    assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].capacity, window);
    assert_true(st.flow[PTO_STALL_TASK_RING_FULL].high_water <= window);
    assert_int_equal(st.flow[PTO_STALL_READY_QUEUE_FULL].stalls, 0);
    assert_int_equal(st.stall_reason, PTO_STALL_NONE);
    if (mode == PTO_MODE_HOST_BUILT) /* nothing retires before launch */
        assert_int_equal(st.flow[PTO_STALL_TASK_RING_FULL].high_water, nsteps);
}

static void run_shape(uint32_t blocks, uint32_t schedulers)
{
    static const uint32_t windows[] = {2, 4, 8, 64, 1024};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        pto_device_config cfg;
        pto_device_config_default(&cfg);
        cfg.blocks = blocks;
        cfg.schedulers = schedulers;
        cfg.task_window = windows[w];
        cfg.gm_bytes = 1 << 20;
        cfg.heap_bytes = 4096;
        cfg.tensormap_entries = 1024;
        cfg.tensormap_buckets = 64;
        cfg.dep_pool = 4096;
        pto_device *dev = NULL;
        pto_error err = {0};
        if (pto_device_open("a2a3sim", &cfg, &dev, &err))
            fail_msg("open: %s", err.msg);
        assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIV, k_step, "step", &err),
                         PTO_OK);
        /* Streamed runs publish each task at the next submit, in batches of
         * 3, and in the default batches. */
        static const uint32_t batches[] = {1, 3, 0};
        for (uint64_t seed = 1; seed <= 3; seed++) {
            run_case(dev, windows[w], PTO_MODE_STREAMED, seed, batches[seed - 1]);
            run_case(dev, windows[w], PTO_MODE_HOST_BUILT, seed, 0);
        }
        pto_device_close(dev);
    }
}

static void test_random_b1_s1(void **s)
{
    (void)s;
    run_shape(1, 1);
}

static void test_random_b4_s2(void **s)
{
    (void)s;
    run_shape(4, 2);
}

/* The generator really produces what the test claims to cover: strided
 * tiles, contiguous 1-D and 2-D views, all three access kinds, and steps
 * that touch a range another step wrote. */
static void test_generator_coverage(void **s)
{
    (void)s;
    static program p;
    make_program(&p, 1000003u + 2, STEPS, 2);
    int tile = 0, one_d = 0, two_d = 0, kinds[3] = {0, 0, 0}, scopes = 0;
    for (uint32_t k = 0; k < p.nsteps; k++) {
        scopes += p.s[k].scope_begin;
        assert_true(p.s[k].nviews >= 1 && p.s[k].nviews <= MAX_VIEWS);
        for (uint32_t v = 0; v < p.s[k].nviews; v++) {
            const view *w = &p.s[k].v[v];
            kinds[w->kind]++;
            if (w->tile)
                tile += p.s[k].rows > 1 && p.s[k].cols < GRID; /* really strided */
            else if (w->one_d)
                one_d++;
            else
                two_d++;
            /* every element of the view lies inside the buffer */
            assert_true(w->off + (p.s[k].rows - 1) * w->rstride + p.s[k].cols <= LEN);
        }
    }
    assert_true(tile > 0 && one_d > 0 && two_d > 0);
    assert_true(kinds[KIND_IN] > 0 && kinds[KIND_INOUT] > 0 && kinds[KIND_OUT] > 0);
    assert_true(scopes >= STEPS / 2); /* groups of at most 2 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generator_coverage),
        cmocka_unit_test(test_random_b1_s1),
        cmocka_unit_test(test_random_b4_s2),
    };
    return cmocka_run_group_tests(tests, 0, 0);
}
