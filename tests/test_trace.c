/* Chrome trace export (pto_trace_write_chrome) and stats printing.
 *
 * Default mode: opens a small sim device, registers C function-pointer
 * kernels, launches a tiny graph, writes the trace and validates it with
 * cJSON: one "X" event per task carrying the kernel's name, thread_name
 * lanes for every core and scheduler, ts >= 0 and dur > 0.
 *
 * Cycle trace (pto_trace_write_chrome_cycles): the kernels report cycles
 * (pto_add_cycles), so every task event must carry exactly its record's
 * start_cycle / end_cycle, otherData says "time_unit": "cycles" and gives
 * total_cycles; ten deterministic runs of the same graph must write
 * byte-identical cycle traces.
 *
 * `test_trace --check FILE NTASKS [CORES SCHEDULERS]` validates a trace
 * written by `pto run --trace`, and `test_trace --check-cycles FILE NTASKS
 * [CORES]` one written by `pto run --cycle-trace` (used by CTest fixtures). */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <cjson/cJSON.h>

#include "pto/pto.h"
#include "pto/tools.h"
#include "json_file.h"

#define BLOCKS 2
#define SCHEDS 2
#define REGIONS 4
#define REGION_ELEMS 4096
#define FUNC_FILL 10
#define FUNC_SCALE 11
#define FUNC_SUM 12
#define DET_REPEATS 10

/* ---- kernels (linked into the test) ---------------------------------- */

/* args: dst, n, value (f32 bits) */
static void k_fill(const uint64_t *args)
{
    float *dst = pto_bits_ptr(args[0]);
    float v = pto_bits_f32(args[2]);
    for (uint64_t i = 0; i < args[1]; i++)
        dst[i] = v + (float)(i & 7);
    pto_add_cycles(args[1]);
}

/* args: src, dst, n: dst = 2 * src */
static void k_scale(const uint64_t *args)
{
    const float *src = pto_bits_ptr(args[0]);
    float *dst = pto_bits_ptr(args[1]);
    for (uint64_t i = 0; i < args[2]; i++)
        dst[i] = 2.0f * src[i];
    pto_add_cycles(2 * args[2]);
}

/* args: regions base, nregions, region elems, out: out[i] = sum over regions */
static void k_sum(const uint64_t *args)
{
    const float *base = pto_bits_ptr(args[0]);
    float *out = pto_bits_ptr(args[3]);
    for (uint64_t i = 0; i < args[2]; i++) {
        float s = 0.0f;
        for (uint64_t r = 0; r < args[1]; r++)
            s += base[r * args[2] + i];
        out[i] = s;
    }
    pto_add_cycles(args[1] * args[2]);
}

/* ---- trace validation ------------------------------------------------ */

/* What a trace must contain. names[task_id] is the expected event name, or
 * names == NULL to accept any non-empty name. */
typedef struct trace_expect {
    size_t ntasks;
    const char *const *names;
    uint32_t cores, scheds;
} trace_expect;

/* Marks a thread_name metadata event in the per-pid lane tables. */
static void note_lane(const cJSON *ev, uint8_t *core_seen, uint8_t *sched_seen)
{
    int pid = (int)num(ev, "pid");
    int tid = (int)num(ev, "tid");
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(ev, "args");
    assert_non_null(args);
    assert_true(strlen(str(args, "name")) > 0);
    if (pid == 1 && tid >= 0 && tid < PTO_MAX_CORES)
        core_seen[tid]++;
    else if (pid == 0 && tid >= 0 && tid < PTO_MAX_AICPU_THREADS)
        sched_seen[tid]++;
    else
        fail_msg("thread_name for unexpected lane pid %d tid %d", pid, tid);
}

/* Checks one task event; returns its task id. */
static size_t check_task(const cJSON *ev, const trace_expect *e)
{
    assert_true(num(ev, "ts") >= 0.0);
    assert_true(num(ev, "dur") > 0.0);
    if (e->cores)
        assert_true(num(ev, "tid") < e->cores);
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(ev, "args");
    assert_non_null(args);
    double id = num(args, "task_id");
    (void)num(args, "func_id");
    assert_true(id >= 0.0 && id < (double)e->ntasks);
    const char *name = str(ev, "name");
    if (e->names)
        assert_string_equal(name, e->names[(size_t)id]);
    else
        assert_true(strlen(name) > 0);
    return (size_t)id;
}

static void validate_trace(const char *path, const trace_expect *e)
{
    char *text = read_file(path);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    assert_string_equal(str(root, "displayTimeUnit"), "ns");
    const cJSON *other = cJSON_GetObjectItemCaseSensitive(root, "otherData");
    assert_true(cJSON_IsObject(other));
    assert_true(strlen(str(other, "platform")) > 0);
    assert_string_equal(str(other, "time_unit"), "wall-clock microseconds");
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(root, "traceEvents");
    assert_true(cJSON_IsArray(events));

    uint8_t core_seen[PTO_MAX_CORES] = {0}, sched_seen[PTO_MAX_AICPU_THREADS] = {0};
    uint8_t *task_seen = calloc(e->ntasks ? e->ntasks : 1, 1);
    assert_non_null(task_seen);
    size_t ntask_events = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const char *ph = str(ev, "ph");
        if (!strcmp(ph, "M") && !strcmp(str(ev, "name"), "thread_name")) {
            note_lane(ev, core_seen, sched_seen);
        } else if (!strcmp(ph, "X") && num(ev, "pid") == 1.0) {
            size_t id = check_task(ev, e);
            assert_int_equal(task_seen[id], 0); /* one event per task */
            task_seen[id] = 1;
            ntask_events++;
        } else if (!strcmp(ph, "X")) {
            assert_true(num(ev, "pid") == 0.0); /* scheduler span */
            assert_true(num(ev, "dur") >= 0.0);
        }
    }
    assert_int_equal(ntask_events, e->ntasks);
    for (uint32_t c = 0; c < e->cores; c++)
        assert_int_equal(core_seen[c], 1);
    for (uint32_t s = 0; s < e->scheds; s++)
        assert_int_equal(sched_seen[s], 1);
    free(task_seen);
    cJSON_Delete(root);
}

/* ---- cycle trace validation ------------------------------------------ */

/* What a cycle trace must contain. recs (indexed by task id) NULL: only
 * consistency checks (ts/dur within total_cycles, dur == args.cycles). */
typedef struct cycle_expect {
    size_t ntasks;
    const char *const *names;
    const pto_task_record *recs;
    uint32_t cores;
    int has_total;
    uint64_t total_cycles;
} cycle_expect;

/* The lane name of core c: "b<block>.AIC" or "b<block>.AIV<k>". */
static void expected_lane(uint32_t c, char *buf, size_t len)
{
    if (c % PTO_CORES_PER_BLOCK == 0)
        snprintf(buf, len, "b%u.AIC", (unsigned)(c / PTO_CORES_PER_BLOCK));
    else
        snprintf(buf, len, "b%u.AIV%u", (unsigned)(c / PTO_CORES_PER_BLOCK),
                 (unsigned)(c % PTO_CORES_PER_BLOCK - 1));
}

static void check_cycle_task(const cJSON *ev, const cycle_expect *e, double total,
                             uint8_t *task_seen)
{
    assert_true(num(ev, "pid") == 1.0);
    double ts = num(ev, "ts"), dur = num(ev, "dur"), tid = num(ev, "tid");
    assert_true(ts >= 0.0 && dur >= 0.0);
    assert_true(ts + dur <= total);
    if (e->cores)
        assert_true(tid < e->cores);
    const cJSON *args = cJSON_GetObjectItemCaseSensitive(ev, "args");
    assert_non_null(args);
    double id = num(args, "task_id");
    assert_true(id >= 0.0 && id < (double)e->ntasks);
    size_t i = (size_t)id;
    assert_int_equal(task_seen[i], 0);
    task_seen[i] = 1;
    assert_true(num(args, "cycles") == dur);
    double func = num(args, "func_id");
    const char *name = str(ev, "name");
    if (e->names)
        assert_string_equal(name, e->names[i]);
    else
        assert_true(strlen(name) > 0);
    if (e->recs) {
        const pto_task_record *r = &e->recs[i];
        assert_true(ts == (double)r->start_cycle);
        assert_true(ts + dur == (double)r->end_cycle);
        assert_true(tid == (double)r->core);
        assert_true(func == (double)r->func_id);
    }
}

static void validate_cycle_trace(const char *path, const cycle_expect *e)
{
    char *text = read_file(path);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    const cJSON *other = cJSON_GetObjectItemCaseSensitive(root, "otherData");
    assert_true(cJSON_IsObject(other));
    assert_string_equal(str(other, "time_unit"), "cycles");
    double total = num(other, "total_cycles");
    if (e->has_total)
        assert_true(total == (double)e->total_cycles);
    /* semantic time only: nothing measured on the host */
    assert_null(cJSON_GetObjectItemCaseSensitive(other, "wall_ns"));
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(root, "traceEvents");
    assert_true(cJSON_IsArray(events));

    uint8_t core_seen[PTO_MAX_CORES] = {0};
    uint8_t *task_seen = calloc(e->ntasks ? e->ntasks : 1, 1);
    assert_non_null(task_seen);
    size_t ntask_events = 0;
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        const char *ph = str(ev, "ph");
        if (!strcmp(ph, "M") && !strcmp(str(ev, "name"), "thread_name") && num(ev, "pid") == 1.0) {
            double tid = num(ev, "tid");
            assert_true(tid >= 0.0 && tid < PTO_MAX_CORES);
            char want[32];
            expected_lane((uint32_t)tid, want, sizeof want);
            const cJSON *args = cJSON_GetObjectItemCaseSensitive(ev, "args");
            assert_non_null(args);
            assert_string_equal(str(args, "name"), want);
            core_seen[(size_t)tid]++;
        } else if (!strcmp(ph, "X")) {
            check_cycle_task(ev, e, total, task_seen);
            ntask_events++;
        }
    }
    assert_int_equal(ntask_events, e->ntasks);
    for (uint32_t c = 0; c < e->cores; c++)
        assert_int_equal(core_seen[c], 1);
    free(task_seen);
    cJSON_Delete(root);
}

/* ---- the tiny run ---------------------------------------------------- */

/* Device-side buffers of the graph below, and the expected name per task. */
typedef struct graph_ctx {
    float *src, *dst, *out;
    const char *names[2 * REGIONS + 1];
    size_t ntasks;
    int ids_out_of_order; /* set by orchestrate (no cmocka asserts there) */
    float host_out[REGION_ELEMS];
} graph_ctx;

static pto_status task(pto_run *run, graph_ctx *g, int func, pto_core_type type, const char *name,
                       const uint64_t *args, uint32_t nargs, pto_task_id *id, pto_error *err)
{
    pto_status s = pto_add_task(run, func, type, args, nargs, id, err);
    if (s == PTO_OK) {
        if (*id != g->ntasks) /* ids count from 0 */
            g->ids_out_of_order = 1;
        if (g->ntasks < sizeof g->names / sizeof g->names[0])
            g->names[g->ntasks] = name;
        g->ntasks++;
    }
    return s;
}

/* REGIONS x (AIV fill -> AIC scale), all feeding one AIV sum. */
static pto_status orchestrate(pto_run *run, void *vctx, pto_error *err)
{
    graph_ctx *g = vctx;
    pto_task_id scale[REGIONS], fill, sum;
    pto_status s = PTO_OK;
    for (int r = 0; r < REGIONS && s == PTO_OK; r++) {
        uint64_t fa[] = {pto_ptr_bits(g->src + r * REGION_ELEMS), REGION_ELEMS,
                         pto_f32_bits((float)r)};
        uint64_t sa[] = {pto_ptr_bits(g->src + r * REGION_ELEMS),
                         pto_ptr_bits(g->dst + r * REGION_ELEMS), REGION_ELEMS};
        s = task(run, g, FUNC_FILL, PTO_CORE_AIV, "tr_fill", fa, 3, &fill, err);
        if (s == PTO_OK)
            s = task(run, g, FUNC_SCALE, PTO_CORE_AIC, "tr_scale", sa, 3, &scale[r], err);
        if (s == PTO_OK)
            s = pto_add_dep(run, fill, scale[r], err);
    }
    uint64_t ua[] = {pto_ptr_bits(g->dst), REGIONS, REGION_ELEMS, pto_ptr_bits(g->out)};
    if (s == PTO_OK)
        s = task(run, g, FUNC_SUM, PTO_CORE_AIV, "tr_sum", ua, 4, &sum, err);
    for (int r = 0; r < REGIONS && s == PTO_OK; r++)
        s = pto_add_dep(run, scale[r], sum, err);
    if (s == PTO_OK)
        s = pto_copy_back(run, g->host_out, g->out, sizeof g->host_out, err);
    return s;
}

/* One launched device shared by the tests of this file. */
typedef struct fixture {
    pto_device *dev;
    pto_stats stats;
    graph_ctx g;
} fixture;

/* Opens the BLOCKS x SCHEDS sim device with the three kernels registered
 * and the graph's buffers allocated in g. */
static void open_graph_device(pto_device **dev, graph_ctx *g)
{
    pto_error err = {0};
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = BLOCKS;
    cfg.schedulers = SCHEDS;
    cfg.exec_threads = 0;
    if (pto_device_open("a2a3sim", &cfg, dev, &err) != PTO_OK)
        fail_msg("open: %s: %s", pto_status_name(err.status), err.msg);
    assert_int_equal(pto_kernel_register(*dev, FUNC_FILL, PTO_CORE_AIV, k_fill, "tr_fill", &err),
                     PTO_OK);
    assert_int_equal(pto_kernel_register(*dev, FUNC_SCALE, PTO_CORE_AIC, k_scale, "tr_scale", &err),
                     PTO_OK);
    assert_int_equal(pto_kernel_register(*dev, FUNC_SUM, PTO_CORE_AIV, k_sum, "tr_sum", &err),
                     PTO_OK);
    void *p;
    size_t bytes = REGIONS * REGION_ELEMS * sizeof(float);
    assert_int_equal(pto_malloc(*dev, bytes, &p, &err), PTO_OK);
    g->src = p;
    assert_int_equal(pto_malloc(*dev, bytes, &p, &err), PTO_OK);
    g->dst = p;
    assert_int_equal(pto_malloc(*dev, REGION_ELEMS * sizeof(float), &p, &err), PTO_OK);
    g->out = p;
}

static void launch_graph(pto_device *dev, graph_ctx *g, int deterministic, pto_stats *stats)
{
    pto_error err = {0};
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = deterministic;
    g->ntasks = 0;
    g->ids_out_of_order = 0;
    if (pto_launch(dev, &rc, orchestrate, g, stats, &err) != PTO_OK)
        fail_msg("launch: %s: %s", pto_status_name(err.status), err.msg);
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    open_graph_device(&f->dev, &f->g);
    launch_graph(f->dev, &f->g, 0, &f->stats);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f && f->dev)
        pto_device_close(f->dev);
    free(f);
    return 0;
}

static void test_run_result(void **state)
{
    fixture *f = *state;
    assert_int_equal(f->g.ntasks, 2 * REGIONS + 1);
    assert_false(f->g.ids_out_of_order);
    assert_int_equal(f->stats.tasks, f->g.ntasks);
    for (int i = 0; i < REGION_ELEMS; i++) {
        /* sum over r of 2 * (r + (i & 7)) */
        float want = 2.0f * (float)(0 + 1 + 2 + 3) + 2.0f * REGIONS * (float)(i & 7);
        assert_true(f->g.host_out[i] == want);
    }
}

static void test_trace_valid(void **state)
{
    fixture *f = *state;
    const char *path = "test_trace_out.json";
    pto_error err = {0};
    if (pto_trace_write_chrome(f->dev, &f->stats, path, &err) != PTO_OK)
        fail_msg("trace: %s: %s", pto_status_name(err.status), err.msg);
    trace_expect e = {f->g.ntasks, f->g.names, BLOCKS * PTO_CORES_PER_BLOCK, SCHEDS};
    validate_trace(path, &e);
    remove(path);
}

static void test_trace_without_stats(void **state)
{
    fixture *f = *state;
    const char *path = "test_trace_nostats.json";
    pto_error err = {0};
    assert_int_equal(pto_trace_write_chrome(f->dev, NULL, path, &err), PTO_OK);
    trace_expect e = {f->g.ntasks, f->g.names, BLOCKS * PTO_CORES_PER_BLOCK, SCHEDS};
    validate_trace(path, &e);
    remove(path);
}

static void test_trace_bad_path(void **state)
{
    fixture *f = *state;
    pto_error err = {0};
    assert_int_equal(pto_trace_write_chrome(f->dev, &f->stats, "/nonexistent-dir/trace.json", &err),
                     PTO_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/trace.json"));
    assert_int_equal(pto_trace_write_chrome(f->dev, &f->stats, NULL, &err), PTO_ERR_INVALID);
}

static void test_stats_print(void **state)
{
    fixture *f = *state;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    pto_stats_print(out, f->dev, &f->stats);
    fclose(out);
    assert_non_null(strstr(buf, "tasks"));
    assert_non_null(strstr(buf, "wall time"));
    assert_non_null(strstr(buf, "util %"));
    assert_non_null(strstr(buf, "sched1"));
    assert_non_null(strstr(buf, ".AIC")); /* some cube core ran tr_scale */
    assert_non_null(strstr(buf, ".AIV"));
    /* the semantic makespan, exactly, on its own line */
    char line[64];
    snprintf(line, sizeof line, "\ntotal_cycles     %" PRIu64 "\n", f->stats.total_cycles);
    assert_non_null(strstr(buf, line));
    assert_true(f->stats.total_cycles > 0);
    assert_non_null(strstr(buf, "busy cycles"));
    assert_null(strstr(buf, "warning:")); /* every kernel reported cycles */
    free(buf);
}

/* Kernels without cycles are flagged with their name and the count. */
static void test_stats_print_uncosted(void **state)
{
    fixture *f = *state;
    pto_stats st = f->stats;
    st.uncosted_tasks = 3;
    st.uncosted_func = FUNC_SUM;
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    assert_non_null(out);
    pto_stats_print(out, f->dev, &st);
    fclose(out);
    const char *w = strstr(buf, "\nwarning: 3 uncosted task(s) reported no cycles");
    assert_non_null(w);
    const char *eol = strchr(w + 1, '\n');
    assert_non_null(eol);
    const char *k = strstr(w, "'tr_sum'");
    assert_true(k && k < eol);
    free(buf);
}

/* Per-core busy cycles add up to the cycles of the records, and the cycle
 * utilisation column uses total_cycles. */
static void test_stats_core_cycles(void **state)
{
    fixture *f = *state;
    const pto_task_record *recs;
    size_t n;
    pto_last_run_records(f->dev, &recs, &n);
    uint64_t per_core[PTO_MAX_CORES] = {0}, latest = 0;
    for (size_t i = 0; i < n; i++) {
        per_core[recs[i].core] += recs[i].end_cycle - recs[i].start_cycle;
        if (recs[i].end_cycle > latest)
            latest = recs[i].end_cycle;
    }
    assert_int_equal(f->stats.total_cycles, latest);
    for (uint32_t c = 0; c < BLOCKS * PTO_CORES_PER_BLOCK; c++)
        assert_int_equal(f->stats.core[c].busy_cycles, per_core[c]);
}

static void test_cycle_trace_valid(void **state)
{
    fixture *f = *state;
    const char *path = "test_trace_cycles.json";
    pto_error err = {0};
    if (pto_trace_write_chrome_cycles(f->dev, &f->stats, path, &err) != PTO_OK)
        fail_msg("cycle trace: %s: %s", pto_status_name(err.status), err.msg);
    const pto_task_record *recs;
    size_t n;
    pto_last_run_records(f->dev, &recs, &n);
    assert_int_equal(n, f->g.ntasks);
    cycle_expect e = {f->g.ntasks, f->g.names,           recs, BLOCKS * PTO_CORES_PER_BLOCK,
                      1,           f->stats.total_cycles};
    validate_cycle_trace(path, &e);
    /* without stats, total_cycles is the latest end */
    assert_int_equal(pto_trace_write_chrome_cycles(f->dev, NULL, path, &err), PTO_OK);
    validate_cycle_trace(path, &e);
    remove(path);
}

static void test_cycle_trace_bad_path(void **state)
{
    fixture *f = *state;
    pto_error err = {0};
    assert_int_equal(
        pto_trace_write_chrome_cycles(f->dev, &f->stats, "/nonexistent-dir/cyc.json", &err),
        PTO_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/cyc.json"));
    assert_int_equal(pto_trace_write_chrome_cycles(NULL, &f->stats, "x.json", &err),
                     PTO_ERR_INVALID);
}

/* DET_REPEATS deterministic runs of the graph on a fresh device: the same
 * total_cycles and byte-identical cycle traces. The makespan follows from
 * the kernels' cycles (fill n, scale 2n, sum REGIONS*n with n = REGION_ELEMS)
 * on 2 AIC + 4 AIV cores: the 4 fills run side by side (n), the 4 scales
 * take two rounds on the 2 AIC cores (4n), then the sum (4n): 9n. */
static void test_cycle_trace_deterministic(void **state)
{
    (void)state;
    pto_device *dev = NULL;
    graph_ctx *g = calloc(1, sizeof *g);
    assert_non_null(g);
    open_graph_device(&dev, g);
    const char *path = "test_trace_det.json";
    char *first = NULL;
    for (int rep = 0; rep < DET_REPEATS; rep++) {
        pto_stats st;
        memset(&st, 0, sizeof st);
        launch_graph(dev, g, 1, &st);
        assert_int_equal(st.total_cycles, 9 * REGION_ELEMS);
        pto_error err = {0};
        if (pto_trace_write_chrome_cycles(dev, &st, path, &err) != PTO_OK)
            fail_msg("cycle trace: %s: %s", pto_status_name(err.status), err.msg);
        char *text = read_file(path);
        if (!first) {
            const pto_task_record *recs;
            size_t n;
            pto_last_run_records(dev, &recs, &n);
            cycle_expect e = {g->ntasks, g->names,       recs, BLOCKS * PTO_CORES_PER_BLOCK,
                              1,         st.total_cycles};
            validate_cycle_trace(path, &e);
            first = text;
        } else {
            if (strcmp(first, text) != 0)
                fail_msg("deterministic run %d wrote a different cycle trace", rep);
            free(text);
        }
    }
    free(first);
    remove(path);
    pto_device_close(dev);
    free(g);
}

/* --check FILE NTASKS [CORES SCHEDULERS] */
static const char *g_check_path;
static trace_expect g_check_expect;

static void test_check_file(void **state)
{
    (void)state;
    validate_trace(g_check_path, &g_check_expect);
}

/* --check-cycles FILE NTASKS [CORES] */
static cycle_expect g_check_cycles;

static void test_check_cycles_file(void **state)
{
    (void)state;
    validate_cycle_trace(g_check_path, &g_check_cycles);
}

int main(int argc, char **argv)
{
    if (argc >= 4 && !strcmp(argv[1], "--check")) {
        g_check_path = argv[2];
        g_check_expect.ntasks = strtoul(argv[3], NULL, 10);
        g_check_expect.cores = argc >= 6 ? (uint32_t)strtoul(argv[4], NULL, 10) : 0;
        g_check_expect.scheds = argc >= 6 ? (uint32_t)strtoul(argv[5], NULL, 10) : 0;
        const struct CMUnitTest check[] = {cmocka_unit_test(test_check_file)};
        return cmocka_run_group_tests(check, NULL, NULL);
    }
    if (argc >= 4 && !strcmp(argv[1], "--check-cycles")) {
        g_check_path = argv[2];
        g_check_cycles.ntasks = strtoul(argv[3], NULL, 10);
        g_check_cycles.cores = argc >= 5 ? (uint32_t)strtoul(argv[4], NULL, 10) : 0;
        const struct CMUnitTest check[] = {cmocka_unit_test(test_check_cycles_file)};
        return cmocka_run_group_tests(check, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_result),
        cmocka_unit_test(test_trace_valid),
        cmocka_unit_test(test_trace_without_stats),
        cmocka_unit_test(test_trace_bad_path),
        cmocka_unit_test(test_stats_print),
        cmocka_unit_test(test_stats_print_uncosted),
        cmocka_unit_test(test_stats_core_cycles),
        cmocka_unit_test(test_cycle_trace_valid),
        cmocka_unit_test(test_cycle_trace_bad_path),
        cmocka_unit_test(test_cycle_trace_deterministic),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
