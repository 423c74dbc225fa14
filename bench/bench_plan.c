/* bench_plan: what a WSP plan costs next to the C orchestration of the
 * same graph (issue #18's speed rows).
 *
 *   load     pto_plan_load_text + pto_plan_check of a plan text (median of
 *            101): examples/plans/gemm_tiled (16 tasks in three nested
 *            loops), the elementwise plan below and examples/plans/decoder
 *            (a decoder layer: 9 kernels, 24 tensors, 112 tasks, page-table
 *            elements in its offsets), whose target is <= 1 ms (issue #18).
 *   submit   host-built runs (the orchestrator alone), median of 15, of N
 *            tiles of the elementwise plan: per tile one task with an IN
 *            and an OUT 16x16 view of [16N, 16] f32 tensors, two f32
 *            scalars and a dispatch key, under round_robin:4 — once
 *            interpreted from the plan, once from C (pto_submit with the
 *            same four params and pto_set_task_key, the kernel a no-op).
 *            Target: plan <= 2 x C (orch ns per task).
 *   rerun    examples/plans/elementwise/plan.json run twice on one device
 *            with an empty kernel cache, the second time with another
 *            num_tiles (--set): the wall time of each pto_plan_run; the
 *            first compiles the kernel, the second only finds it cached.
 *
 * Usage: bench_plan [load|submit|rerun|all] [N]   (N: tiles, default 16384).
 * Run from the repository root (it reads examples/plans/). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <time.h>
#include <unistd.h>

#include "pto/plan.h"
#include "pto/pto.h"

#define EXAMPLES "examples/plans"

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp);
    return v[n / 2];
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (s) {
        s[n] = 0;
        *len = (size_t)n;
    }
    return s;
}

/* The elementwise plan over `tiles` 16x16 tiles. */
static int elementwise_text(char *buf, size_t cap, uint32_t tiles)
{
    return snprintf(
               buf, cap,
               "{\"wsp_runtime_abi\": \"v10.0\", \"name\": \"elementwise\",\n"
               " \"kernels\": [{\"id\": \"scale_shift\", \"core\": \"AIV\",\n"
               "   \"source\": \"kernels/scale_shift.c\", \"entry\": \"plan_scale_shift\"}],\n"
               " \"tensors\": [\n"
               "   {\"name\": \"x\", \"dtype\": \"f32\", \"shape\": [%u, 16], \"role\": \"in\"},\n"
               "   {\"name\": \"y\", \"dtype\": \"f32\", \"shape\": [%u, 16], \"role\": \"out\"}],\n"
               " \"axes\": [{\"name\": \"tiles\", \"kind\": \"dense\", \"size\": %u}],\n"
               " \"workload\": {\"body\": [{\"parallel_for\": {\"axis\": \"tiles\", \"var\": "
               "\"b\", \"body\": [\n"
               "   {\"task\": {\"kernel\": \"scale_shift\", \"key\": \"b * 2\", \"args\": [\n"
               "     {\"tensor\": \"x\", \"role\": \"in\", \"offsets\": [\"b * 16\", \"0\"], "
               "\"shape\": [16, 16]},\n"
               "     {\"tensor\": \"y\", \"role\": \"out\", \"offsets\": [\"b * 16\", \"0\"], "
               "\"shape\": [16, 16]},\n"
               "     {\"f32\": 2.0}, {\"f32\": 1.0}]}}]}}]},\n"
               " \"schedule\": {\"mode\": \"host_built\", \"dispatch\": {\"policy\": "
               "\"round_robin\", \"targets\": 4}}}\n",
               tiles * 16, tiles * 16, tiles) < (int)cap
               ? 0
               : -1;
}

/* Median microseconds of load + check of `text`. */
static int time_load(const char *text, size_t len, const char *dir, double *us)
{
    enum { REPS = 101 };
    double v[REPS];
    for (int r = 0; r < REPS; r++) {
        pto_plan *p;
        pto_error err;
        uint64_t t0 = now_ns();
        pto_status st = pto_plan_load_text(text, len, dir, &p, &err);
        if (!st)
            st = pto_plan_check(p, "a2a3sim", 1, &err);
        v[r] = (double)(now_ns() - t0) / 1e3;
        pto_plan_free(st ? NULL : p);
        if (st) {
            fprintf(stderr, "error: %s\n", err.msg);
            return -1;
        }
    }
    *us = median(v, REPS);
    return 0;
}

static int bench_load(uint32_t tiles)
{
    size_t len;
    char *gemm = read_text(EXAMPLES "/gemm_tiled/plan.json", &len);
    if (!gemm) {
        fprintf(stderr, "error: cannot read " EXAMPLES "/gemm_tiled/plan.json (run from the "
                        "repository root)\n");
        return -1;
    }
    size_t dlen;
    char *dec = read_text(EXAMPLES "/decoder/plan.json", &dlen);
    static char ew[8192];
    double g_us, e_us, d_us;
    int rc = !dec || time_load(gemm, len, EXAMPLES "/gemm_tiled", &g_us) ||
             elementwise_text(ew, sizeof ew, tiles) ||
             time_load(ew, strlen(ew), EXAMPLES "/elementwise", &e_us) ||
             time_load(dec, dlen, EXAMPLES "/decoder", &d_us);
    free(gemm);
    free(dec);
    if (rc)
        return -1;
    printf("# load: pto_plan_load_text + pto_plan_check, median of 101\n");
    printf("%-28s %10.1f us\n", "gemm_tiled (16 tasks)", g_us);
    char label[64];
    snprintf(label, sizeof label, "elementwise (%u tasks)", tiles);
    printf("%-28s %10.1f us  (the check evaluates every view)\n", label, e_us);
    printf("%-28s %10.1f us  (112 tasks; target <= 1000 us: %s)\n", "decoder: load + check", d_us,
           d_us <= 1000.0 ? "MET" : "MISSED");
    return 0;
}

struct c_orch {
    uint32_t tiles;
    void *x, *y;
};

/* The elementwise plan's tasks, from C. */
static pto_status orch_c(pto_run *run, void *ctx, pto_error *err)
{
    struct c_orch *c = ctx;
    pto_status st = pto_scope_begin(run, "tiles", PTO_SCOPE_AUTO, err);
    pto_tensor x = pto_tensor_2d(c->x, (uint64_t)c->tiles * 16, 16, 4);
    pto_tensor y = pto_tensor_2d(c->y, (uint64_t)c->tiles * 16, 16, 4);
    for (uint32_t b = 0; b < c->tiles && !st; b++) {
        pto_param p[4] = {pto_in(pto_tensor_tile(&x, (uint64_t)b * 16, 0, 16, 16)),
                          pto_out_existing(pto_tensor_tile(&y, (uint64_t)b * 16, 0, 16, 16)),
                          pto_scalar_f32(2.0f), pto_scalar_f32(1.0f)};
        if (!(st = pto_set_task_key(run, (uint64_t)b * 2, err)))
            st = pto_submit(run, 0, PTO_CORE_AIV, p, 4, NULL, err);
    }
    return st ? st : pto_scope_end(run, err);
}

static int bench_submit(uint32_t tiles)
{
    enum { REPS = 15 };
    static char text[8192];
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 24;
    cfg.task_window = 1u << 20; /* host-built: the whole graph fits */
    while (cfg.task_window < 2 * tiles)
        cfg.task_window <<= 1;
    pto_device *dev;
    pto_error err;
    pto_plan *plan = NULL;
    if (pto_device_open("a2a3sim", &cfg, &dev, &err) ||
        elementwise_text(text, sizeof text, tiles) ||
        pto_plan_load_text(text, strlen(text), EXAMPLES "/elementwise", &plan, &err)) {
        fprintf(stderr, "error: %s\n", err.msg);
        return -1;
    }
    double vp[REPS], vc[REPS];
    struct c_orch c = {tiles, NULL, NULL};
    pto_status st = pto_malloc(dev, (size_t)tiles * 256 * 4, &c.x, &err);
    if (!st)
        st = pto_malloc(dev, (size_t)tiles * 256 * 4, &c.y, &err);
    for (int r = 0; r < REPS && !st; r++) {
        pto_run_config rc;
        pto_plan_run_config(plan, &rc);
        pto_stats s;
        /* the plan registers its kernel as func_id 0 each run; C reuses it */
        if (!(st = pto_plan_run(dev, plan, &rc, NULL, &s, &err)))
            vp[r] = (double)s.orch_ns / tiles;
        if (!st && !(st = pto_launch(dev, &rc, orch_c, &c, &s, &err)))
            vc[r] = (double)s.orch_ns / tiles;
    }
    pto_plan_free(plan);
    pto_device_close(dev);
    if (st) {
        fprintf(stderr, "error: %s\n", err.msg);
        return -1;
    }
    double p = median(vp, REPS), cc = median(vc, REPS);
    printf("# submit: %u tiles of the elementwise plan, host-built (orchestrator alone), "
           "24 blocks, round_robin:4, median of %d\n",
           tiles, REPS);
    printf("%-10s %12s\n", "row", "orch ns/task");
    printf("%-10s %12.1f\n", "c", cc);
    printf("%-10s %12.1f\n", "plan", p);
    printf("# plan/c %.2f; target <= 2: %s\n", p / cc, p <= 2 * cc ? "MET" : "MISSED");
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static int bench_rerun(void)
{
    char dir[] = "/tmp/pto_bench_plan_XXXXXX";
    if (!mkdtemp(dir) || setenv("PTO_CACHE_DIR", dir, 1)) {
        perror("bench_plan: cache dir");
        return -1;
    }
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    pto_device *dev;
    pto_plan *plan = NULL;
    pto_error err;
    double ms[2];
    pto_status st = pto_device_open("a2a3sim", &cfg, &dev, &err);
    if (!st)
        st = pto_plan_load_file(EXAMPLES "/elementwise/plan.json", &plan, &err);
    for (int r = 0; r < 2 && !st; r++) {
        if (r)
            st = pto_plan_set(plan, "num_tiles", 6, &err);
        uint64_t t0 = now_ns();
        if (!st)
            st = pto_plan_run(dev, plan, NULL, NULL, NULL, &err);
        ms[r] = (double)(now_ns() - t0) / 1e6;
    }
    pto_plan_free(plan);
    if (!st)
        pto_device_close(dev);
    if (st) {
        fprintf(stderr, "error: %s\n", err.msg);
        return -1;
    }
    printf("# rerun: examples/plans/elementwise/plan.json, empty kernel cache %s\n", dir);
    printf("first run (compiles the kernel)      %8.2f ms\n", ms[0]);
    printf("second run, num_tiles=6 (cache hit)  %8.2f ms\n", ms[1]);
    nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

int main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "all";
    uint32_t n = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 16384;
    int all = !strcmp(what, "all"), rc = 0;
    if (all || !strcmp(what, "load"))
        rc |= bench_load(n);
    if (all || !strcmp(what, "submit"))
        rc |= bench_submit(n);
    if (all || !strcmp(what, "rerun"))
        rc |= bench_rerun();
    return rc ? 1 : 0;
}
