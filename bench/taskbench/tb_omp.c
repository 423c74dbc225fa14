/* taskbench OpenMP tasks: one thread of a parallel region creates a task per
 * point with depend(in:) on each input record and depend(out:) on its output
 * record, so the OpenMP runtime derives RAW, WAR and WAW dependencies. Built
 * twice: gcc -fopenmp (libgomp) and clang -fopenmp=libomp (LLVM libomp).
 * Trivial tasks declare no data. The team is started before timing. */
#include <omp.h>

#include "tb.h"

#ifndef TB_OMP_NAME
#define TB_OMP_NAME "omp"
#endif

#define IN(i) g->field[(t - 1) & 1][d[i]]
#define OUT g->field[t & 1][x]

static void submit(tb_graph *g, int t, int x)
{
    int d[TB_MAX_DEPS];
    int n = tb_deps(g, t, x, d);
    switch (g->pattern == TB_TRIVIAL ? -1 : n) {
    case -1:
#pragma omp task firstprivate(g, t, x)
        tb_point(g, t, x);
        break;
    case 0:
#pragma omp task firstprivate(g, t, x) depend(out : OUT)
        tb_point(g, t, x);
        break;
    case 1:
#pragma omp task firstprivate(g, t, x) depend(in : IN(0)) depend(out : OUT)
        tb_point(g, t, x);
        break;
    case 2:
#pragma omp task firstprivate(g, t, x) depend(in : IN(0), IN(1)) depend(out : OUT)
        tb_point(g, t, x);
        break;
    case 3:
#pragma omp task firstprivate(g, t, x) depend(in : IN(0), IN(1), IN(2)) depend(out : OUT)
        tb_point(g, t, x);
        break;
    case 4:
#pragma omp task firstprivate(g, t, x) depend(in : IN(0), IN(1), IN(2), IN(3)) depend(out : OUT)
        tb_point(g, t, x);
        break;
    case 5:
#pragma omp task firstprivate(g, t, x) depend(in                                                   \
                                              : IN(0), IN(1), IN(2), IN(3), IN(4)) depend(out      \
                                                                                          : OUT)
        tb_point(g, t, x);
        break;
    default: { /* more inputs than spelled out above: serialize conservatively */
#pragma omp taskwait
        tb_point(g, t, x);
        break;
    }
    }
}

static int init(tb_graph *g, int ncpu)
{
    (void)g;
    omp_set_num_threads(ncpu);
#pragma omp parallel
    {
    }
    return 0;
}

static int run(tb_graph *g, uint64_t *build_ns)
{
    (void)build_ns;
#pragma omp parallel
#pragma omp single
    for (int t = 0; t < g->steps; t++) {
        int aw = tb_active_width(g, t);
        for (int x = 0; x < aw; x++)
            submit(g, t, x);
    }
    return 0;
}

static void fini(tb_graph *g) { (void)g; }

int main(int argc, char **argv)
{
    static const tb_runtime rt = {TB_OMP_NAME, init, run, fini};
    return tb_main(argc, argv, &rt);
}
