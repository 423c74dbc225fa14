/* Task shapes beyond one core: pto_submit_spmd and pto_submit_mix.
 *
 * Submit side: bad shapes give exact errors in both modes; a task gets its
 * shape before it is published; block_num 1 is a plain submit; MIX parts'
 * kernels keep their core type while the graph is built.
 * Dispatch side: parts see their indices, run on distinct cores, and the
 * exact cycles follow the rules in pto/run.h (derivations inline; dispatch
 * overhead 0). Deterministic mode checks cores and cycles exactly; threaded
 * mode with one scheduler checks the cycles of shapes whose cores are all
 * idle at their start, and with two schedulers only the results. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "core/device.h"
#include "util/error.h"
#include "pto/pto.h"

enum {
    K_SPMD = 0,    /* AIV: writes its block idx/num, reports base * (idx + 1) */
    K_SPMD_C = 1,  /* the same kernel registered for AIC */
    K_PLAIN = 2,   /* AIV: reports args[1] cycles */
    K_MIX_AIC = 3, /* AIC part of a MIX */
    K_MIX_AIV = 4, /* AIV parts of a MIX */
    K_PLAIN_C = 5  /* AIC: reports args[1] cycles */
};

/* args: out (u32 slots), base cycles. Slot 2i = idx, 2i + 1 = num. */
static void k_spmd(const uint64_t *a)
{
    uint32_t *out = pto_bits_ptr(a[0]);
    uint32_t i = pto_block_idx();
    out[2 * i] = i;
    out[2 * i + 1] = pto_block_num();
    pto_add_cycles(a[1] * (i + 1));
}

static void k_plain(const uint64_t *a) { pto_add_cycles(a[1]); }

/* MIX, args: buf (u32 slots), AIC cycles. The AIC part writes buf[0] = 42,
 * buf[1] = block idx * 10 + num, buf[2] = its sub-block idx; AIV part s
 * writes buf[3 + 2s] = buf[0] + s (what the AIC part wrote, if it ran
 * first) and buf[4 + 2s] = subblock_num * 100 + block idx * 10 + num, and
 * reports 100 * (s + 1) cycles. */
static void k_mix_aic(const uint64_t *a)
{
    uint32_t *buf = pto_bits_ptr(a[0]);
    buf[0] = 42;
    buf[1] = pto_block_idx() * 10 + pto_block_num();
    buf[2] = pto_subblock_idx();
    pto_add_cycles(a[1]);
}

static void k_mix_aiv(const uint64_t *a)
{
    uint32_t *buf = pto_bits_ptr(a[0]);
    uint32_t s = pto_subblock_idx();
    buf[3 + 2 * s] = buf[0] + s;
    buf[4 + 2 * s] = pto_subblock_num() * 100 + pto_block_idx() * 10 + pto_block_num();
    pto_add_cycles(100 * (s + 1));
}

static pto_device *open_dev(uint32_t blocks, uint32_t scheds)
{
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = blocks;
    cfg.schedulers = scheds;
    cfg.task_window = 256;
    cfg.dispatch_cycles = 0;
    cfg.gm_bytes = 1 << 20;
    cfg.heap_bytes = 1 << 20;
    pto_device *dev;
    pto_error err;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(pto_kernel_register(dev, K_SPMD, PTO_CORE_AIV, k_spmd, "spmd", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K_SPMD_C, PTO_CORE_AIC, k_spmd, "spmd_c", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K_PLAIN, PTO_CORE_AIV, k_plain, "plain", &err), 0);
    assert_int_equal(pto_kernel_register(dev, K_MIX_AIC, PTO_CORE_AIC, k_mix_aic, "mix_c", &err),
                     0);
    assert_int_equal(pto_kernel_register(dev, K_MIX_AIV, PTO_CORE_AIV, k_mix_aiv, "mix_v", &err),
                     0);
    assert_int_equal(pto_kernel_register(dev, K_PLAIN_C, PTO_CORE_AIC, k_plain, "plain_c", &err),
                     0);
    return dev;
}

static uint32_t *gm_zero(pto_device *dev, size_t words)
{
    void *p;
    pto_error err;
    if (pto_malloc(dev, words * 4, &p, &err))
        fail_msg("%s", err.msg);
    static const uint32_t zero[256];
    assert_true(words <= 256);
    assert_int_equal(pto_copy_to_device(dev, p, zero, words * 4, &err), 0);
    return p;
}

static pto_stats launch(pto_device *dev, pto_orch_fn fn, void *ctx, pto_run_mode mode, int det,
                        int bounds)
{
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = mode;
    rc.deterministic = det;
    rc.check_bounds = bounds;
    rc.watchdog_ms = 20000;
    pto_stats st;
    pto_error err = {0};
    if (pto_launch(dev, &rc, fn, ctx, &st, &err))
        fail_msg("launch: %s: %s", pto_status_name(err.status), err.msg);
    return st;
}

static const pto_task_record *records(pto_device *dev, size_t want)
{
    const pto_task_record *r;
    size_t n;
    pto_last_run_records(dev, &r, &n);
    assert_int_equal(n, want);
    return r;
}

static void assert_rec(const pto_task_record *r, uint32_t core, uint64_t start, uint64_t end,
                       uint32_t parts)
{
    assert_int_equal(r->core, core);
    assert_int_equal(r->start_cycle, start);
    assert_int_equal(r->end_cycle, end);
    assert_int_equal(r->parts, parts);
}

/* ---- submit side: bad shapes ---- */

#define NBAD 14
struct bad {
    pto_status st[NBAD];
    pto_error e[NBAD];
    pto_task_id good;
    pto_status good_st;
};

static pto_status orch_bad(pto_run *run, void *p, pto_error *err)
{
    struct bad *b = p;
    pto_param prm[1] = {pto_scalar(1)};
    pto_error e;
    int i = 0;
#define BAD(call)                                                                                  \
    do {                                                                                           \
        memset(&e, 0, sizeof e);                                                                   \
        b->st[i] = (call);                                                                         \
        b->e[i] = e;                                                                               \
        i++;                                                                                       \
    } while (0)
    BAD(pto_submit_spmd(run, K_SPMD, PTO_CORE_AIV, 0, prm, 1, NULL, &e));
    BAD(pto_submit_spmd(run, K_SPMD, PTO_CORE_AIV, 5, prm, 1, NULL, &e));
    BAD(pto_submit_spmd(run, K_SPMD_C, PTO_CORE_AIC, 3, prm, 1, NULL, &e));
    BAD(pto_submit_spmd(run, K_SPMD, (pto_core_type)7, 1, prm, 1, NULL, &e));
    BAD(pto_submit_spmd(run, 9, PTO_CORE_AIV, 2, prm, 1, NULL, &e));
    BAD(pto_submit_spmd(run, K_SPMD_C, PTO_CORE_AIV, 2, prm, 1, NULL, &e));
    BAD(pto_submit_mix(run, 0, K_MIX_AIC, K_MIX_AIV, prm, 1, NULL, &e));
    BAD(pto_submit_mix(run, 8, K_MIX_AIC, K_MIX_AIV, prm, 1, NULL, &e));
    BAD(pto_submit_mix(run, 0xf, K_MIX_AIC, K_MIX_AIV, prm, 1, NULL, &e));
    BAD(pto_submit_mix(run, PTO_MIX_CLUSTER, 9, K_MIX_AIV, prm, 1, NULL, &e));
    BAD(pto_submit_mix(run, PTO_MIX_CLUSTER, K_MIX_AIV, K_MIX_AIV, prm, 1, NULL, &e));
    BAD(pto_submit_mix(run, PTO_MIX_AIV1, -1, K_MIX_AIC, prm, 1, NULL, &e));
    BAD(pto_submit_mix(run, PTO_MIX_AIC | PTO_MIX_AIV0, K_MIX_AIC, -1, prm, 1, NULL, &e));
    BAD(pto_submit_spmd(run, K_SPMD, PTO_CORE_AIV, 2, prm, PTO_MAX_ARGS + 1, NULL, &e));
#undef BAD
    /* Nothing was added: the next task is t0. */
    pto_param q[2] = {pto_scalar(0), pto_scalar(10)};
    b->good_st = pto_submit(run, K_PLAIN, PTO_CORE_AIV, q, 2, &b->good, err);
    return PTO_OK;
}

static void test_bad_shapes(void **s)
{
    (void)s;
    static const struct {
        pto_status st;
        const char *msg;
    } want[NBAD] = {
        {PTO_ERR_INVALID, "pto_submit_spmd: block_num 0: an SPMD task runs on at least one core"},
        {PTO_ERR_INVALID, "pto_submit_spmd: block_num 5 is more than the device's 4 AIV cores "
                          "(2 per block, 2 blocks)"},
        {PTO_ERR_INVALID, "pto_submit_spmd: block_num 3 is more than the device's 2 AIC cores "
                          "(1 per block, 2 blocks)"},
        {PTO_ERR_INVALID,
         "pto_submit_spmd: core type 7 is neither PTO_CORE_AIC (0) nor PTO_CORE_AIV (1)"},
        {PTO_ERR_NOT_FOUND, "pto_submit_spmd: func_id 9 is not a registered kernel"},
        {PTO_ERR_INVALID, "pto_submit_spmd: func_id 1 (spmd_c) is registered for AIC, not AIV"},
        {PTO_ERR_INVALID, "pto_submit_mix: parts 0x0 is not a non-empty set of PTO_MIX_AIC (1), "
                          "PTO_MIX_AIV0 (2) and PTO_MIX_AIV1 (4)"},
        {PTO_ERR_INVALID, "pto_submit_mix: parts 0x8 is not a non-empty set of PTO_MIX_AIC (1), "
                          "PTO_MIX_AIV0 (2) and PTO_MIX_AIV1 (4)"},
        {PTO_ERR_INVALID, "pto_submit_mix: parts 0xf is not a non-empty set of PTO_MIX_AIC (1), "
                          "PTO_MIX_AIV0 (2) and PTO_MIX_AIV1 (4)"},
        {PTO_ERR_NOT_FOUND, "pto_submit_mix: aic_func_id 9 is not a registered kernel"},
        {PTO_ERR_INVALID, "pto_submit_mix: aic_func_id 4 (mix_v) is registered for AIV, not AIC"},
        {PTO_ERR_INVALID, "pto_submit_mix: aiv_func_id 3 (mix_c) is registered for AIC, not AIV"},
        {PTO_ERR_NOT_FOUND, "pto_submit_mix: aiv_func_id -1 is not a registered kernel"},
        {PTO_ERR_INVALID, "pto_submit_spmd: 17 params (at most 16)"},
    };
    pto_device *dev = open_dev(2, 1);
    for (int mode = 0; mode < 2; mode++)
        for (int det = 0; det < 2; det++) {
            struct bad b;
            memset(&b, 0, sizeof b);
            launch(dev, orch_bad, &b, mode ? PTO_MODE_STREAMED : PTO_MODE_HOST_BUILT, det, 0);
            for (int i = 0; i < NBAD; i++) {
                if (b.st[i] != want[i].st || strcmp(b.e[i].msg, want[i].msg))
                    fail_msg("case %d: got %s \"%s\", want %s \"%s\"", i, pto_status_name(b.st[i]),
                             b.e[i].msg, pto_status_name(want[i].st), want[i].msg);
            }
            assert_int_equal(b.good_st, PTO_OK);
            assert_int_equal(b.good, 0);
        }
    /* Outside an orchestration function. */
    pto_error e;
    assert_int_equal(pto_submit_spmd(NULL, K_SPMD, PTO_CORE_AIV, 1, NULL, 0, NULL, &e),
                     PTO_ERR_INVALID);
    assert_string_equal(e.msg, "pto_submit_spmd: run is NULL");
    assert_int_equal(pto_submit_mix(NULL, PTO_MIX_CLUSTER, 0, 0, NULL, 0, NULL, &e),
                     PTO_ERR_INVALID);
    assert_string_equal(e.msg, "pto_submit_mix: run is NULL");
    pto_device_close(dev);
}

/* ---- submit side: the shape reaches the task before publication ---- */

struct fields {
    uint32_t n;
    struct {
        uint8_t core_type, nparts, mix;
        int32_t func_id, aiv_func_id;
        uint32_t parts_left, parts_sent;
    } t[8];
    pto_status reg[4];
    pto_error reg_err[4];
};

static pto_status orch_fields(pto_run *run, void *p, pto_error *err)
{
    struct fields *f = p;
    pto_device *dev = pto_run_device(run);
    pto_param q[2] = {pto_scalar(0), pto_scalar(10)};
    pto_task_id id[5];
    if (pto_submit_spmd(run, K_SPMD, PTO_CORE_AIV, 3, q, 2, &id[0], err) ||
        pto_submit_mix(run, PTO_MIX_CLUSTER, K_MIX_AIC, K_MIX_AIV, q, 2, &id[1], err) ||
        pto_submit_mix(run, PTO_MIX_AIV0 | PTO_MIX_AIV1, K_MIX_AIC, K_MIX_AIV, q, 2, &id[2], err) ||
        pto_submit_mix(run, PTO_MIX_AIC, K_MIX_AIC, -1, q, 2, &id[3], err) ||
        pto_submit_spmd(run, K_SPMD_C, PTO_CORE_AIC, 1, q, 2, &id[4], err))
        return err->status;
    f->n = 5;
    for (uint32_t i = 0; i < f->n; i++) {
        pto_task *t = pto_tb_task(&dev->tb, id[i]);
        f->t[i].core_type = t->core_type;
        f->t[i].nparts = t->nparts;
        f->t[i].mix = t->mix;
        f->t[i].func_id = t->func_id;
        f->t[i].aiv_func_id = t->aiv_func_id;
        f->t[i].parts_left = atomic_load(&t->parts_left);
        f->t[i].parts_sent = t->parts_sent;
    }
    /* Re-registration: a MIX task uses K_MIX_AIC as AIC and K_MIX_AIV as
     * AIV; neither may change type while this graph is built. */
    pto_error e;
    f->reg[0] = pto_kernel_register(dev, K_MIX_AIV, PTO_CORE_AIC, k_mix_aiv, "x", &e);
    f->reg_err[0] = e;
    f->reg[1] = pto_kernel_register(dev, K_MIX_AIC, PTO_CORE_AIV, k_mix_aic, "x", &e);
    f->reg_err[1] = e;
    f->reg[2] = pto_kernel_register(dev, K_MIX_AIV, PTO_CORE_AIV, k_mix_aiv, "mix_v", &e);
    /* Nothing should run: the check is about the graph before launch. */
    return pto_fail(err, PTO_ERR_STATE, "stop");
}

static void test_shape_fields(void **s)
{
    (void)s;
    pto_device *dev = open_dev(2, 1);
    struct fields f;
    memset(&f, 0, sizeof f);
    pto_error err;
    assert_int_equal(pto_launch(dev, NULL, orch_fields, &f, NULL, &err), PTO_ERR_STATE);
    assert_string_equal(err.msg, "stop");
    assert_int_equal(f.n, 5);
    /* SPMD over 3 AIV cores */
    assert_int_equal(f.t[0].core_type, PTO_CORE_AIV);
    assert_int_equal(f.t[0].func_id, K_SPMD);
    assert_int_equal(f.t[0].nparts, 3);
    assert_int_equal(f.t[0].mix, 0);
    assert_int_equal(f.t[0].aiv_func_id, -1);
    assert_int_equal(f.t[0].parts_left, 3);
    assert_int_equal(f.t[0].parts_sent, 0);
    /* MIX, full cluster */
    assert_int_equal(f.t[1].core_type, PTO_QUEUE_MIX);
    assert_int_equal(f.t[1].func_id, K_MIX_AIC);
    assert_int_equal(f.t[1].aiv_func_id, K_MIX_AIV);
    assert_int_equal(f.t[1].nparts, 3);
    assert_int_equal(f.t[1].mix, PTO_MIX_CLUSTER);
    assert_int_equal(f.t[1].parts_left, 3);
    /* MIX, AIV parts only: the AIC kernel is ignored */
    assert_int_equal(f.t[2].core_type, PTO_QUEUE_MIX);
    assert_int_equal(f.t[2].func_id, -1);
    assert_int_equal(f.t[2].aiv_func_id, K_MIX_AIV);
    assert_int_equal(f.t[2].nparts, 2);
    assert_int_equal(f.t[2].mix, PTO_MIX_AIV0 | PTO_MIX_AIV1);
    /* MIX, AIC part only */
    assert_int_equal(f.t[3].func_id, K_MIX_AIC);
    assert_int_equal(f.t[3].aiv_func_id, -1);
    assert_int_equal(f.t[3].nparts, 1);
    assert_int_equal(f.t[3].mix, PTO_MIX_AIC);
    /* SPMD of one AIC block: a one-core AIC task */
    assert_int_equal(f.t[4].core_type, PTO_CORE_AIC);
    assert_int_equal(f.t[4].func_id, K_SPMD_C);
    assert_int_equal(f.t[4].nparts, 1);
    assert_int_equal(f.t[4].mix, 0);
    /* re-registration */
    assert_int_equal(f.reg[0], PTO_ERR_STATE);
    assert_string_equal(f.reg_err[0].msg,
                        "pto_kernel_register(func_id 4): task t1 of the graph being built uses "
                        "it as AIV (a MIX part); it cannot become AIC before that graph has run "
                        "(register it with another func_id)");
    assert_int_equal(f.reg[1], PTO_ERR_STATE);
    assert_string_equal(f.reg_err[1].msg,
                        "pto_kernel_register(func_id 3): task t1 of the graph being built uses "
                        "it as AIC (a MIX part); it cannot become AIV before that graph has run "
                        "(register it with another func_id)");
    assert_int_equal(f.reg[2], PTO_OK);
    pto_device_close(dev);
}

/* An AIV-only MIX passes an AIC kernel it does not use: that func_id may
 * change type (no task runs it). */
static pto_status orch_aiv_only(pto_run *run, void *p, pto_error *err)
{
    pto_status *reg = p;
    pto_param q[2] = {pto_scalar(0), pto_scalar(10)};
    pto_status st =
        pto_submit_mix(run, PTO_MIX_AIV0 | PTO_MIX_AIV1, K_MIX_AIC, K_MIX_AIV, q, 2, NULL, err);
    if (st)
        return st;
    pto_error e;
    *reg = pto_kernel_register(pto_run_device(run), K_MIX_AIC, PTO_CORE_AIV, k_mix_aic, "x", &e);
    return pto_fail(err, PTO_ERR_STATE, "stop");
}

static void test_aiv_only_mix_frees_aic_kernel(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1, 1);
    pto_status reg = PTO_ERR_IO;
    pto_error err;
    assert_int_equal(pto_launch(dev, NULL, orch_aiv_only, &reg, NULL, &err), PTO_ERR_STATE);
    assert_int_equal(reg, PTO_OK);
    pto_device_close(dev);
}

/* ---- dispatch: SPMD ---- */

/* Modes a dispatch test runs in: host-built and streamed, deterministic and
 * threaded. */
static const struct {
    pto_run_mode mode;
    int det;
} modes[4] = {{PTO_MODE_HOST_BUILT, 1},
              {PTO_MODE_STREAMED, 1},
              {PTO_MODE_HOST_BUILT, 0},
              {PTO_MODE_STREAMED, 0}};

struct spmd4 {
    uint32_t *out;
};

/* t0: SPMD of 4 AIV parts, part i reports 100 * (i + 1), writes O;
 * t1: plain AIV task reading O (RAW on t0), 50 cycles. */
static pto_status orch_spmd4(pto_run *run, void *p, pto_error *err)
{
    struct spmd4 *c = p;
    pto_tensor O = pto_tensor_1d(c->out, 96, 4);
    pto_param a[2] = {pto_out_existing(O), pto_scalar(100)};
    pto_param b[2] = {pto_in(O), pto_scalar(50)};
    pto_status st = pto_submit_spmd(run, K_SPMD, PTO_CORE_AIV, 4, a, 2, NULL, err);
    return st ? st : pto_submit(run, K_PLAIN, PTO_CORE_AIV, b, 2, NULL, err);
}

static void test_spmd_parts(void **s)
{
    (void)s;
    for (uint32_t scheds = 1; scheds <= 2; scheds++) {
        pto_device *dev = open_dev(2, scheds); /* AIV cores 1, 2, 4, 5 */
        for (int m = 0; m < 4; m++)
            for (int bounds = 0; bounds < 2; bounds++) {
                struct spmd4 c = {gm_zero(dev, 96)};
                pto_stats st = launch(dev, orch_spmd4, &c, modes[m].mode, modes[m].det, bounds);
                uint32_t host[96];
                pto_error err;
                assert_int_equal(pto_copy_from_device(dev, host, c.out, sizeof host, &err), 0);
                for (uint32_t i = 0; i < 4; i++) { /* every part ran, once, as block i of 4 */
                    assert_int_equal(host[2 * i], i);
                    assert_int_equal(host[2 * i + 1], 4);
                }
                assert_int_equal(host[8], 0);
                const pto_task_record *r = records(dev, 2);
                assert_int_equal(r[0].parts, 4);
                assert_int_equal(r[0].core_type, PTO_CORE_AIV);
                assert_int_equal(r[1].parts, 1);
                if (modes[m].det || scheds == 1) {
                    /* All 4 AIV cores idle at 0: parts 0..3 start at 0 and
                     * end at 100, 200, 300, 400; the task ends at 400; its
                     * reader starts there and ends at 450. */
                    assert_int_equal(r[0].start_cycle, 0);
                    assert_int_equal(r[0].end_cycle, 400);
                    assert_int_equal(r[1].start_cycle, 400);
                    assert_int_equal(r[1].end_cycle, 450);
                    assert_int_equal(st.total_cycles, 450);
                    /* each part on its own core: busy cycles {100..400} + 50 */
                    uint64_t busy = 0;
                    for (uint32_t k = 0; k < 6; k++)
                        busy += st.core[k].busy_cycles;
                    assert_int_equal(busy, 1050);
                    for (uint32_t k = 1; k < 6; k++)
                        assert_true(st.core[k].busy_cycles <= 450);
                } else {
                    assert_true(r[0].end_cycle - r[0].start_cycle >= 400);
                    assert_true(r[1].start_cycle >= r[0].end_cycle);
                }
                if (modes[m].det) {
                    /* part i on the i-th lowest idle core (1, 2, 4, 5); the
                     * reader on the lowest idle core at 400, core 1. */
                    assert_rec(&r[0], 1, 0, 400, 4);
                    assert_rec(&r[1], 1, 400, 450, 1);
                    assert_int_equal(st.core[1].busy_cycles, 100 + 50);
                    assert_int_equal(st.core[2].busy_cycles, 200);
                    assert_int_equal(st.core[4].busy_cycles, 300);
                    assert_int_equal(st.core[5].busy_cycles, 400);
                }
            }
        pto_device_close(dev);
    }
}

struct spmd6 {
    uint32_t *out;
};

/* 3 blocks (AIV cores 1, 2, 4, 5, 7, 8). t0, t1: plain AIV, 150 cycles;
 * t2: SPMD of 6 AIV parts, part i reports 100 * (i + 1). Independent. */
static pto_status orch_spmd6(pto_run *run, void *p, pto_error *err)
{
    struct spmd6 *c = p;
    pto_param x[2] = {pto_scalar(0), pto_scalar(150)};
    pto_param a[2] = {pto_out_existing(pto_tensor_1d(c->out, 96, 4)), pto_scalar(100)};
    pto_status st = pto_submit(run, K_PLAIN, PTO_CORE_AIV, x, 2, NULL, err);
    if (!st)
        st = pto_submit(run, K_PLAIN, PTO_CORE_AIV, x, 2, NULL, err);
    return st ? st : pto_submit_spmd(run, K_SPMD, PTO_CORE_AIV, 6, a, 2, NULL, err);
}

static void test_spmd_waits_for_cores(void **s)
{
    (void)s;
    pto_device *dev = open_dev(3, 1);
    for (int m = 0; m < 4; m++) {
        struct spmd6 c = {gm_zero(dev, 96)};
        pto_stats st = launch(dev, orch_spmd6, &c, modes[m].mode, modes[m].det, 0);
        uint32_t host[96];
        pto_error err;
        assert_int_equal(pto_copy_from_device(dev, host, c.out, sizeof host, &err), 0);
        for (uint32_t i = 0; i < 6; i++) {
            assert_int_equal(host[2 * i], i);
            assert_int_equal(host[2 * i + 1], 6);
        }
        const pto_task_record *r = records(dev, 3);
        assert_int_equal(r[2].parts, 6);
        if (!modes[m].det)
            continue;
        /* t0 -> core 1, t1 -> core 2 (0..150); the SPMD task places parts
         * 0..3 on the idle cores 4, 5, 7, 8 at 0 (ends 100, 200, 300, 400).
         * Completions in end order: core 4 at 100 takes part 4 (500):
         * 100..600; cores 1 and 2 at 150 (tie: core 1 first) -- core 1
         * takes part 5 (600): 150..750. The task ends at 750. */
        assert_rec(&r[0], 1, 0, 150, 1);
        assert_rec(&r[1], 2, 0, 150, 1);
        assert_rec(&r[2], 4, 0, 750, 6);
        assert_int_equal(st.total_cycles, 750);
        assert_int_equal(st.core[1].busy_cycles, 150 + 600);
        assert_int_equal(st.core[2].busy_cycles, 150);
        assert_int_equal(st.core[4].busy_cycles, 100 + 500);
        assert_int_equal(st.core[5].busy_cycles, 200);
        assert_int_equal(st.core[7].busy_cycles, 300);
        assert_int_equal(st.core[8].busy_cycles, 400);
    }
    pto_device_close(dev);
}

/* block_num 1 is a plain submit: same result, record and cycles. */
struct one {
    uint32_t *out;
    int spmd;
};

static pto_status orch_one(pto_run *run, void *p, pto_error *err)
{
    struct one *c = p;
    pto_tensor O = pto_tensor_1d(c->out, 2, 4);
    pto_param a[2] = {pto_out_existing(O), pto_scalar(100)};
    pto_param b[2] = {pto_in(O), pto_scalar(50)};
    pto_status st = c->spmd ? pto_submit_spmd(run, K_SPMD, PTO_CORE_AIV, 1, a, 2, NULL, err)
                            : pto_submit(run, K_SPMD, PTO_CORE_AIV, a, 2, NULL, err);
    return st ? st : pto_submit(run, K_PLAIN, PTO_CORE_AIV, b, 2, NULL, err);
}

static void test_block_num_one_is_plain(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1, 1);
    for (int m = 0; m < 4; m++) {
        pto_task_record rec[2][2];
        uint64_t total[2];
        for (int spmd = 0; spmd < 2; spmd++) {
            struct one c = {gm_zero(dev, 2), spmd};
            c.out[0] = 7; /* k_spmd writes block idx 0 here */
            pto_stats st = launch(dev, orch_one, &c, modes[m].mode, modes[m].det, 0);
            uint32_t host[2];
            pto_error err;
            assert_int_equal(pto_copy_from_device(dev, host, c.out, sizeof host, &err), 0);
            assert_int_equal(host[0], 0);
            assert_int_equal(host[1], 1);
            memcpy(rec[spmd], records(dev, 2), sizeof rec[spmd]);
            total[spmd] = st.total_cycles;
        }
        /* t0 (block 0 of 1): 0..100 on core 1; t1: 100..150 on core 1 */
        assert_int_equal(total[0], 150);
        assert_int_equal(total[1], 150);
        for (int i = 0; i < 2; i++) {
            assert_int_equal(rec[1][i].core_type, rec[0][i].core_type);
            assert_int_equal(rec[1][i].func_id, rec[0][i].func_id);
            assert_int_equal(rec[1][i].parts, 1);
            assert_int_equal(rec[1][i].start_cycle, rec[0][i].start_cycle);
            assert_int_equal(rec[1][i].end_cycle, rec[0][i].end_cycle);
            if (modes[m].det)
                assert_int_equal(rec[1][i].core, rec[0][i].core);
        }
        assert_int_equal(rec[1][0].end_cycle, 100);
    }
    pto_device_close(dev);
}

/* ---- dispatch: MIX ---- */

struct mix1 {
    uint32_t *buf;
};

/* 2 blocks. t0: MIX, full cluster, AIC part 300 cycles, AIV parts 100 and
 * 200; t1: plain AIV task reading its buffer (RAW), 50 cycles. */
static pto_status orch_mix1(pto_run *run, void *p, pto_error *err)
{
    struct mix1 *c = p;
    pto_tensor B = pto_tensor_1d(c->buf, 8, 4);
    pto_param a[2] = {pto_out_existing(B), pto_scalar(300)};
    pto_param b[2] = {pto_in(B), pto_scalar(50)};
    pto_status st = pto_submit_mix(run, PTO_MIX_CLUSTER, K_MIX_AIC, K_MIX_AIV, a, 2, NULL, err);
    return st ? st : pto_submit(run, K_PLAIN, PTO_CORE_AIV, b, 2, NULL, err);
}

static void test_mix_cluster(void **s)
{
    (void)s;
    for (uint32_t scheds = 1; scheds <= 2; scheds++) {
        pto_device *dev = open_dev(2, scheds);
        for (int m = 0; m < 4; m++) {
            struct mix1 c = {gm_zero(dev, 8)};
            pto_stats st = launch(dev, orch_mix1, &c, modes[m].mode, modes[m].det, 0);
            uint32_t h[8];
            pto_error err;
            assert_int_equal(pto_copy_from_device(dev, h, c.buf, sizeof h, &err), 0);
            assert_int_equal(h[0], 42);         /* AIC part ran */
            assert_int_equal(h[1], 0 * 10 + 1); /* block 0 of 1 */
            assert_int_equal(h[2], 0);          /* AIC: sub-block 0 */
            assert_int_equal(h[3], 42 + 0);     /* AIV0 saw the AIC's write */
            assert_int_equal(h[4], 201);        /* sub-block num 2, block 0 of 1 */
            assert_int_equal(h[5], 42 + 1);     /* AIV1 is sub-block 1 */
            assert_int_equal(h[6], 201);
            const pto_task_record *r = records(dev, 2);
            assert_int_equal(r[0].core_type, PTO_QUEUE_MIX);
            assert_int_equal(r[0].func_id, K_MIX_AIC);
            assert_int_equal(r[0].parts, 3);
            if (!modes[m].det && scheds > 1) {
                assert_int_equal(r[0].end_cycle - r[0].start_cycle, 300);
                assert_true(r[1].start_cycle >= r[0].end_cycle);
                continue;
            }
            /* Cluster 0 idle: all parts start at S = 0; the task lasts as
             * long as its longest part (AIC, 300). The reader starts at
             * 300 and ends at 350. */
            assert_int_equal(r[0].start_cycle, 0);
            assert_int_equal(r[0].end_cycle, 300);
            assert_int_equal(r[1].start_cycle, 300);
            assert_int_equal(r[1].end_cycle, 350);
            assert_int_equal(st.total_cycles, 350);
            if (!modes[m].det)
                continue;
            /* block 0 (cores 0, 1, 2); record core = its lowest core 0.
             * The reader goes to the lowest idle AIV core at 300: core 1. */
            assert_rec(&r[0], 0, 0, 300, 3);
            assert_rec(&r[1], 1, 300, 350, 1);
            assert_int_equal(st.core[0].busy_cycles, 300);
            assert_int_equal(st.core[1].busy_cycles, 100 + 50);
            assert_int_equal(st.core[2].busy_cycles, 200);
        }
        pto_device_close(dev);
    }
}

struct mix2 {
    uint32_t *buf, *q;
};

/* 1 block (cores 0 AIC, 1 and 2 AIV). t0: AIC, 50 cycles, writes Q;
 * t1: AIV 100; t2: AIV 250; t3: MIX (full cluster, AIC 300, AIV 100 and
 * 200) reading Q. */
static pto_status orch_mix2(pto_run *run, void *p, pto_error *err)
{
    struct mix2 *c = p;
    pto_tensor Q = pto_tensor_1d(c->q, 1, 4);
    pto_param pc[2] = {pto_out_existing(Q), pto_scalar(50)};
    pto_param a[2] = {pto_scalar(0), pto_scalar(100)};
    pto_param b[2] = {pto_scalar(0), pto_scalar(250)};
    pto_param m[3] = {pto_out_existing(pto_tensor_1d(c->buf, 8, 4)), pto_scalar(300), pto_in(Q)};
    pto_status st = pto_submit(run, K_PLAIN_C, PTO_CORE_AIC, pc, 2, NULL, err);
    if (!st)
        st = pto_submit(run, K_PLAIN, PTO_CORE_AIV, a, 2, NULL, err);
    if (!st)
        st = pto_submit(run, K_PLAIN, PTO_CORE_AIV, b, 2, NULL, err);
    return st ? st : pto_submit_mix(run, PTO_MIX_CLUSTER, K_MIX_AIC, K_MIX_AIV, m, 3, NULL, err);
}

static void test_mix_waits_for_idle_cluster(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1, 1);
    for (int m = 0; m < 4; m++) {
        struct mix2 c = {gm_zero(dev, 8), gm_zero(dev, 1)};
        pto_stats st = launch(dev, orch_mix2, &c, modes[m].mode, modes[m].det, 0);
        uint32_t h[8];
        pto_error err;
        assert_int_equal(pto_copy_from_device(dev, h, c.buf, sizeof h, &err), 0);
        assert_int_equal(h[3], 42);
        assert_int_equal(h[5], 43);
        const pto_task_record *r = records(dev, 4);
        assert_int_equal(r[3].parts, 3);
        /* The MIX waits for its cores in every mode: on this one block it
         * holds all three, so no other task overlaps it. (Threaded and
         * streamed, t2 may be published after t0 completed, and the MIX
         * then runs first: "after t2 at 250" holds only when t2 was
         * dispatched first, as below in deterministic runs.) */
        for (int i = 0; i < 3; i++)
            if (r[3].start_cycle < r[i].end_cycle && r[i].start_cycle < r[3].end_cycle)
                fail_msg("mode %d: the MIX [%llu, %llu) overlaps t%d [%llu, %llu)", m,
                         (unsigned long long)r[3].start_cycle, (unsigned long long)r[3].end_cycle,
                         i, (unsigned long long)r[i].start_cycle,
                         (unsigned long long)r[i].end_cycle);
        assert_true(r[3].start_cycle >= 50); /* it reads t0's Q */
        assert_int_equal(r[3].end_cycle - r[3].start_cycle, 300);
        if (!modes[m].det)
            continue;
        /* At 0: t0 -> core 0 (0..50), t1 -> core 1 (0..100), t2 -> core 2
         * (0..250). t3 is ready at 50 but cores 1 and 2 are busy; at 250
         * the cluster is idle: S = max(50, 100, 250, ready 50, now 250) =
         * 250, ends at 250 + 300 = 550. */
        assert_rec(&r[0], 0, 0, 50, 1);
        assert_rec(&r[1], 1, 0, 100, 1);
        assert_rec(&r[2], 2, 0, 250, 1);
        assert_rec(&r[3], 0, 250, 550, 3);
        assert_int_equal(st.total_cycles, 550);
        assert_int_equal(st.core[0].busy_cycles, 50 + 300);
        assert_int_equal(st.core[1].busy_cycles, 100 + 100);
        assert_int_equal(st.core[2].busy_cycles, 250 + 200);
    }
    pto_device_close(dev);
}

struct mix3 {
    uint32_t *b1, *b2;
};

/* 1 block. t0: MIX of AIC (50 cycles) + AIV1 (its only AIV part:
 * sub-block 0 of 1, 100 cycles); t1: plain AIV, 100; t2: MIX of AIV0 +
 * AIV1 only (no AIC kernel: -1), 100 and 200 cycles. Independent. */
static pto_status orch_mix3(pto_run *run, void *p, pto_error *err)
{
    struct mix3 *c = p;
    pto_param m1[2] = {pto_out_existing(pto_tensor_1d(c->b1, 8, 4)), pto_scalar(50)};
    pto_param x[2] = {pto_scalar(0), pto_scalar(100)};
    pto_param m2[2] = {pto_out_existing(pto_tensor_1d(c->b2, 8, 4)), pto_scalar(0)};
    pto_status st =
        pto_submit_mix(run, PTO_MIX_AIC | PTO_MIX_AIV1, K_MIX_AIC, K_MIX_AIV, m1, 2, NULL, err);
    if (!st)
        st = pto_submit(run, K_PLAIN, PTO_CORE_AIV, x, 2, NULL, err);
    return st ? st
              : pto_submit_mix(run, PTO_MIX_AIV0 | PTO_MIX_AIV1, -1, K_MIX_AIV, m2, 2, NULL, err);
}

static void test_mix_partial(void **s)
{
    (void)s;
    pto_device *dev = open_dev(1, 1);
    for (int m = 0; m < 4; m++) {
        struct mix3 c = {gm_zero(dev, 8), gm_zero(dev, 8)};
        pto_stats st = launch(dev, orch_mix3, &c, modes[m].mode, modes[m].det, 0);
        uint32_t h1[8], h2[8];
        pto_error err;
        assert_int_equal(pto_copy_from_device(dev, h1, c.b1, sizeof h1, &err), 0);
        assert_int_equal(pto_copy_from_device(dev, h2, c.b2, sizeof h2, &err), 0);
        assert_int_equal(h1[0], 42);
        assert_int_equal(h1[3], 42); /* the lone AIV part is sub-block 0 of 1 */
        assert_int_equal(h1[4], 101);
        assert_int_equal(h1[5], 0);
        assert_int_equal(h2[0], 0); /* no AIC part */
        assert_int_equal(h2[3], 0);
        assert_int_equal(h2[4], 201);
        assert_int_equal(h2[5], 1);
        assert_int_equal(h2[6], 201);
        const pto_task_record *r = records(dev, 3);
        assert_int_equal(r[0].parts, 2);
        assert_int_equal(r[2].parts, 2);
        assert_int_equal(r[2].func_id, -1);
        assert_int_equal(r[2].core_type, PTO_QUEUE_MIX);
        if (!modes[m].det)
            continue;
        /* At 0 the MIX queue goes first: t0 takes block 0's cores 0 and 2
         * (S = 0; AIC 0..50, AIV1 0..100; ends 100). t2 needs cores 1 and
         * 2: core 2 is busy, it waits. t1 takes the idle AIV core 1
         * (0..100). At 100 cores 1 and 2 are free: t2 starts at S = 100,
         * AIV0 100..200, AIV1 100..300, ends 300. */
        assert_rec(&r[0], 0, 0, 100, 2);
        assert_rec(&r[1], 1, 0, 100, 1);
        assert_rec(&r[2], 1, 100, 300, 2);
        assert_int_equal(st.total_cycles, 300);
        assert_int_equal(st.core[0].busy_cycles, 50);
        assert_int_equal(st.core[1].busy_cycles, 100 + 100);
        assert_int_equal(st.core[2].busy_cycles, 100 + 200);
    }
    pto_device_close(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_shapes),
        cmocka_unit_test(test_shape_fields),
        cmocka_unit_test(test_aiv_only_mix_frees_aic_kernel),
        cmocka_unit_test(test_spmd_parts),
        cmocka_unit_test(test_spmd_waits_for_cores),
        cmocka_unit_test(test_block_num_one_is_plain),
        cmocka_unit_test(test_mix_cluster),
        cmocka_unit_test(test_mix_waits_for_idle_cluster),
        cmocka_unit_test(test_mix_partial),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
