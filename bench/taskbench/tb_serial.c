/* taskbench serial floor: every task in program order on the calling thread.
 * TB_SERIAL_BROKEN=1 runs steps 1 and 2 swapped, which validation must
 * reject (used by run.sh --check to prove that a wrong order fails). */
#include <stdlib.h>

#include "tb.h"

static int broken;

static int init(tb_graph *g, int ncpu)
{
    (void)g, (void)ncpu;
    const char *b = getenv("TB_SERIAL_BROKEN");
    broken = b && *b == '1';
    return 0;
}

static int run(tb_graph *g, uint64_t *build_ns)
{
    (void)build_ns;
    for (int s = 0; s < g->steps; s++) {
        int t = s;
        if (broken && g->steps > 2 && (s == 1 || s == 2))
            t = 3 - s;
        int aw = tb_active_width(g, t);
        for (int x = 0; x < aw; x++)
            tb_point(g, t, x);
    }
    return 0;
}

static void fini(tb_graph *g) { (void)g; }

int main(int argc, char **argv)
{
    static const tb_runtime rt = {"serial", init, run, fini};
    return tb_main(argc, argv, &rt);
}
