// taskbench oneTBB flow_graph: one continue_node per point, explicit edges
// (the RAW/WAR/WAW edges of the 2-field program, derived in program order by
// tb_explicit_edges). "build" = creating nodes and edges (timed separately),
// "run" = triggering the sources and wait_for_all. The graph is rebuilt for
// every run, so build is part of the end-to-end time.
#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>

#include <memory>
#include <vector>

#include "tb.h"

namespace flow = oneapi::tbb::flow;
using node_t = flow::continue_node<flow::continue_msg>;

static std::unique_ptr<oneapi::tbb::global_control> control;

struct builder {
    flow::graph *fg;
    tb_graph *g;
    std::vector<std::unique_ptr<node_t>> *nodes;
    std::vector<node_t *> *sources;
    std::vector<int> *tx; // task -> (t, x)
};

static void add_task(void *arg, uint64_t task, const uint64_t *preds, int npreds)
{
    builder *b = static_cast<builder *>(arg);
    tb_graph *g = b->g;
    int t = (*b->tx)[2 * task], x = (*b->tx)[2 * task + 1];
    b->nodes->emplace_back(new node_t(*b->fg, [g, t, x](const flow::continue_msg &) {
        tb_point(g, t, x);
    }));
    node_t *n = b->nodes->back().get();
    for (int i = 0; i < npreds; i++)
        flow::make_edge(*(*b->nodes)[preds[i]], *n);
    if (npreds == 0)
        b->sources->push_back(n);
}

static std::vector<int> task_tx;

static int init(tb_graph *g, int ncpu)
{
    control.reset(new oneapi::tbb::global_control(
        oneapi::tbb::global_control::max_allowed_parallelism, (size_t)ncpu));
    task_tx.resize(2 * g->tasks);
    for (int t = 0; t < g->steps; t++)
        for (int x = 0; x < tb_active_width(g, t); x++) {
            uint64_t i = tb_task_index(g, t, x);
            task_tx[2 * i] = t;
            task_tx[2 * i + 1] = x;
        }
    return 0;
}

static int run(tb_graph *g, uint64_t *build_ns)
{
    uint64_t t0 = tb_now_ns();
    flow::graph fg;
    std::vector<std::unique_ptr<node_t>> nodes;
    std::vector<node_t *> sources;
    nodes.reserve(g->tasks);
    builder b{&fg, g, &nodes, &sources, &task_tx};
    if (tb_explicit_edges(g, add_task, &b))
        return -1;
    *build_ns = tb_now_ns() - t0;
    for (node_t *s : sources)
        s->try_put(flow::continue_msg());
    fg.wait_for_all();
    return 0;
}

static void fini(tb_graph *) { control.reset(); }

int main(int argc, char **argv)
{
    static const tb_runtime rt = {"tbb-flowgraph", init, run, fini};
    return tb_main(argc, argv, &rt);
}
