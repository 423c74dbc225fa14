/* taskbench StarPU 1.3: each output record (2 fields x width) is a registered
 * variable handle; a task reads its inputs' handles (STARPU_R) and writes its
 * output handle (STARPU_W), so StarPU's sequential-consistency mode infers
 * RAW, WAR and WAW dependencies. Trivial tasks declare no data. Scheduler
 * from STARPU_SCHED (run.sh uses eager and lws), workers STARPU_NCPU (set to
 * --cpus when unset); CUDA/OpenCL off. Timed: submitting every task and
 * starpu_task_wait_for_all. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <starpu.h>

#include "tb.h"

static tb_graph *graph;
static starpu_data_handle_t *handles[2];

static void cpu_fn(void *buffers[], void *cl_arg)
{
    uint64_t v = (uint64_t)(uintptr_t)cl_arg;
    int t = (int)(v >> 32), x = (int)(v & 0xffffffffu);
    tb_graph *g = graph;
    if (!tb_uses_data(g)) {
        tb_kernel(g, t, x, NULL, 0, NULL);
        return;
    }
    int n = STARPU_TASK_GET_NBUFFERS(starpu_task_get_current());
    const tb_rec *in[TB_MAX_DEPS];
    for (int i = 0; i < n - 1; i++)
        in[i] = (const tb_rec *)STARPU_VARIABLE_GET_PTR(buffers[i]);
    tb_kernel(g, t, x, in, n - 1, (tb_rec *)STARPU_VARIABLE_GET_PTR(buffers[n - 1]));
}

static struct starpu_codelet cl = {
    .cpu_funcs = {cpu_fn},
    .cpu_funcs_name = {"tb_cpu_fn"},
    .nbuffers = STARPU_VARIABLE_NBUFFERS,
    .name = "tb_point",
};

static int init(tb_graph *g, int ncpu)
{
    char n[16];
    snprintf(n, sizeof n, "%d", ncpu);
    setenv("STARPU_NCPU", n, 0);
    setenv("STARPU_NCUDA", "0", 0);
    setenv("STARPU_NOPENCL", "0", 0);
    setenv("STARPU_SILENT", "1", 0);
    if (starpu_init(NULL) != 0)
        return -1;
    graph = g;
    for (int f = 0; f < 2; f++) {
        handles[f] = calloc((size_t)g->width, sizeof *handles[f]);
        if (!handles[f])
            return -1;
        for (int x = 0; x < g->width; x++)
            starpu_variable_data_register(&handles[f][x], STARPU_MAIN_RAM,
                                          (uintptr_t)&g->field[f][x], sizeof(tb_rec));
    }
    return 0;
}

static int run(tb_graph *g, uint64_t *build_ns)
{
    (void)build_ns;
    int d[TB_MAX_DEPS];
    for (int t = 0; t < g->steps; t++) {
        int aw = tb_active_width(g, t);
        for (int x = 0; x < aw; x++) {
            struct starpu_task *task = starpu_task_create();
            task->cl = &cl;
            task->cl_arg = (void *)(uintptr_t)(((uint64_t)t << 32) | (uint64_t)x);
            task->cl_arg_size = 0;
            int nb = 0;
            if (tb_uses_data(g)) {
                int n = tb_deps(g, t, x, d);
                for (int i = 0; i < n; i++) {
                    task->handles[nb] = handles[(t - 1) & 1][d[i]];
                    task->modes[nb++] = STARPU_R;
                }
                task->handles[nb] = handles[t & 1][x];
                task->modes[nb++] = STARPU_W;
            }
            task->nbuffers = nb;
            if (starpu_task_submit(task) != 0) {
                fprintf(stderr, "starpu_task_submit failed\n");
                return -1;
            }
        }
    }
    starpu_task_wait_for_all();
    return 0;
}

static void fini(tb_graph *g)
{
    for (int f = 0; f < 2; f++) {
        for (int x = 0; x < g->width; x++)
            starpu_data_unregister(handles[f][x]);
        free(handles[f]);
    }
    starpu_shutdown();
}

int main(int argc, char **argv)
{
    static const tb_runtime rt = {"starpu", init, run, fini};
    return tb_main(argc, argv, &rt);
}
