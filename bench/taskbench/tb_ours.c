/* taskbench on PTO runtime: threaded a2a3sim, streamed orchestration
 * (PTO_MODE_STREAMED), dependencies inferred from tensors. Each output record
 * is one 64-byte tensor in device memory (one allocation of width records
 * per data field); task (t, x) is pto_submit'ed with pto_in on each
 * input tile and pto_out_existing on its output tile, and the TensorMap
 * derives RAW, WAR and WAW edges. Trivial tasks carry only scalars (no
 * tensors, so no dependencies). Tasks are AIV tasks.
 *
 * Device shape from the environment (defaults in brackets):
 *   TB_PTO_BLOCKS [2], TB_PTO_SCHEDULERS [2], TB_PTO_EXEC_THREADS [0 = hosted],
 *   TB_PTO_LAYOUT [records]: "records" = each output record is its own 1-D
 *   tensor (its own base address), "tiles" = each record is a row tile of one
 *   width x 16 matrix per field (all share the matrix's base address),
 *   TB_PTO_VERBOSE=1 prints the flow-control statistics of every run,
 *   TB_PTO_WINDOW [16384] task window, TB_PTO_DEP_POOL and TB_PTO_TENSORMAP
 *   [8 x window each],
 *   TB_PTO_SCOPE_TASKS [64]: consecutive steps are grouped into scopes of at
 *   least this many tasks, so finished tasks retire and the window bounds
 *   memory however long the stream is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pto/pto.h"
#include "tb.h"

static pto_device *dev;
static tb_graph *graph;
static pto_tensor *tiles[2];
static int scope_steps;
static int tile_layout;
static int verbose;

#define TRIVIAL_MARK 0xffffu

/* args: t, x | nin << 32, nin input addresses, output address. */
static void k_point(const uint64_t *a)
{
    int t = (int)a[0], x = (int)(a[1] & 0xffffffffu);
    uint32_t nin = (uint32_t)(a[1] >> 32);
    if (nin == TRIVIAL_MARK) {
        tb_kernel(graph, t, x, NULL, 0, NULL);
        return;
    }
    const tb_rec *in[TB_MAX_DEPS];
    for (uint32_t i = 0; i < nin; i++)
        in[i] = pto_bits_ptr(a[2 + i]);
    tb_kernel(graph, t, x, in, (int)nin, pto_bits_ptr(a[2 + nin]));
}

static uint32_t env_u32(const char *name, uint32_t dflt)
{
    const char *v = getenv(name);
    return v && *v ? (uint32_t)strtoul(v, 0, 10) : dflt;
}

static int init(tb_graph *g, int ncpu)
{
    (void)ncpu;
    graph = g;
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = env_u32("TB_PTO_BLOCKS", 2);
    cfg.schedulers = env_u32("TB_PTO_SCHEDULERS", 2);
    cfg.exec_threads = env_u32("TB_PTO_EXEC_THREADS", 0);
    const char *layout = getenv("TB_PTO_LAYOUT");
    tile_layout = layout && !strcmp(layout, "tiles");
    cfg.task_window = env_u32("TB_PTO_WINDOW", 16384);
    cfg.dep_pool = env_u32("TB_PTO_DEP_POOL", cfg.task_window * 8);
    cfg.ready_queue = cfg.task_window;
    cfg.tensormap_entries = env_u32("TB_PTO_TENSORMAP", cfg.task_window * 8);
    cfg.trace_capacity = 1024;
    cfg.gm_bytes = 16u << 20;
    cfg.heap_bytes = 1u << 20;
    pto_error err = {0};
    if (pto_device_open("a2a3sim", &cfg, &dev, &err) ||
        pto_kernel_register(dev, 0, PTO_CORE_AIV, k_point, "tb_point", &err)) {
        fprintf(stderr, "pto: %s\n", err.msg);
        return -1;
    }
    for (int f = 0; f < 2; f++) {
        void *buf;
        size_t bytes = (size_t)g->width * sizeof(tb_rec);
        if (pto_malloc(dev, bytes, &buf, &err)) {
            fprintf(stderr, "pto: %s\n", err.msg);
            return -1;
        }
        memset(buf, 0, bytes); /* a2a3sim device memory is host memory */
        g->field[f] = buf;
        pto_tensor whole = pto_tensor_2d(buf, (uint64_t)g->width, sizeof(tb_rec) / 4, 4);
        tiles[f] = malloc((size_t)g->width * sizeof *tiles[f]);
        if (!tiles[f])
            return -1;
        for (int x = 0; x < g->width; x++)
            tiles[f][x] = tile_layout
                              ? pto_tensor_tile(&whole, (uint64_t)x, 0, 1, sizeof(tb_rec) / 4)
                              : pto_tensor_1d(&g->field[f][x], sizeof(tb_rec) / 4, 4);
    }
    verbose = env_u32("TB_PTO_VERBOSE", 0) != 0;
    uint32_t per_scope = env_u32("TB_PTO_SCOPE_TASKS", 64);
    scope_steps = (int)((per_scope + (uint32_t)g->width - 1) / (uint32_t)g->width);
    if (scope_steps < 1)
        scope_steps = 1;
    return 0;
}

static pto_status orch(pto_run *run, void *ctx, pto_error *err)
{
    tb_graph *g = ctx;
    int d[TB_MAX_DEPS];
    int data = tb_uses_data(g);
    pto_status st;
    for (int t = 0; t < g->steps; t++) {
        if (t % scope_steps == 0 && (st = pto_scope_begin(run, "steps", PTO_SCOPE_AUTO, err)))
            return st;
        int aw = tb_active_width(g, t);
        for (int x = 0; x < aw; x++) {
            pto_param p[TB_MAX_DEPS + 3];
            uint32_t np = 0;
            int n = data ? tb_deps(g, t, x, d) : 0;
            p[np++] = pto_scalar((uint64_t)t);
            p[np++] = pto_scalar((uint64_t)(uint32_t)x |
                                 (uint64_t)(data ? (uint32_t)n : TRIVIAL_MARK) << 32);
            for (int i = 0; i < n; i++)
                p[np++] = pto_in(tiles[(t - 1) & 1][d[i]]);
            if (data)
                p[np++] = pto_out_existing(tiles[t & 1][x]);
            if ((st = pto_submit(run, 0, PTO_CORE_AIV, p, np, 0, err)))
                return st;
        }
        if (((t + 1) % scope_steps == 0 || t + 1 == g->steps) && (st = pto_scope_end(run, err)))
            return st;
    }
    return PTO_OK;
}

static int run(tb_graph *g, uint64_t *build_ns)
{
    (void)build_ns;
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = PTO_MODE_STREAMED;
    pto_error err = {0};
    pto_stats st;
    if (pto_launch(dev, &rc, orch, g, &st, &err)) {
        fprintf(stderr, "pto: %s\n", err.msg);
        return -1;
    }
    if (verbose) {
        fprintf(stderr, "pto: tasks %llu wall %.3f ms orch %.3f ms (cpu %.3f ms) wakes %llu\n",
                (unsigned long long)st.tasks, st.wall_ns / 1e6, st.orch_ns / 1e6,
                st.orch_cpu_ns / 1e6, (unsigned long long)st.wakes);
        for (int r = 1; r <= PTO_STALL_HEAP_ARENA_FULL; r++)
            fprintf(stderr, "pto:   %-20s cap %llu hw %llu stalls %llu stall %.3f ms\n",
                    pto_stall_name((pto_stall_reason)r), (unsigned long long)st.flow[r].capacity,
                    (unsigned long long)st.flow[r].high_water,
                    (unsigned long long)st.flow[r].stalls, st.flow[r].stall_ns / 1e6);
    }
    return st.tasks == g->tasks ? 0 : -1;
}

static void fini(tb_graph *g)
{
    (void)g;
    pto_device_close(dev);
    free(tiles[0]), free(tiles[1]);
}

int main(int argc, char **argv)
{
    static const tb_runtime rt = {"ours", init, run, fini};
    return tb_main(argc, argv, &rt);
}
