/* Dependency-graph export (pto_graph_write) as JSON and Graphviz DOT.
 *
 * A diamond of kernel tasks t0 -> {t1 (AIC), t2 (AIV)} -> t3, then a
 * dependency-only task t4 after t3; the edge t0 -> t1 is wired twice and
 * must appear once. t2's kernel has a name that needs escaping in DOT.
 * Both formats must give exactly these nodes and edges.
 *
 * `test_graph --check-json FILE NNODES NEDGES` and `--check-dot FILE NNODES
 * NEDGES` validate a graph written by `pto run --graph` (CTest fixtures). */
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

#define FUNC_SRC 20
#define FUNC_LEFT 21
#define FUNC_RIGHT 22
#define FUNC_JOIN 23
#define NTASKS 5
#define NEDGES 5

/* A name with a quote, a backslash and a newline: DOT must escape them. */
static const char RIGHT_NAME[] = "g_\"right\"\\x\ny";
static const char RIGHT_LABEL_DOT[] = "label=\"t2 g_\\\"right\\\"\\\\x\\ny\"";

static void k_src(const uint64_t *args)
{
    (void)args;
    pto_add_cycles(100);
}
static void k_left(const uint64_t *args)
{
    (void)args;
    pto_add_cycles(300);
}
static void k_right(const uint64_t *args)
{
    (void)args;
    pto_add_cycles(200);
}
static void k_join(const uint64_t *args)
{
    (void)args;
    pto_add_cycles(50);
}

static const pto_edge want_edges[NEDGES] = {{0, 1, PTO_EDGE_END, 0},
                                            {0, 2, PTO_EDGE_END, 0},
                                            {1, 3, PTO_EDGE_END, 0},
                                            {2, 3, PTO_EDGE_END, 0},
                                            {3, 4, PTO_EDGE_END, 0}};
static const char *const want_kernel[NTASKS] = {"g_src", "g_left", RIGHT_NAME, "g_join", "dummy"};
static const char *const want_type[NTASKS] = {"AIV", "AIC", "AIV", "AIV", "dummy"};
static const int want_func[NTASKS] = {FUNC_SRC, FUNC_LEFT, FUNC_RIGHT, FUNC_JOIN, -1};

#define TRY(x)                                                                                     \
    do {                                                                                           \
        pto_status s_ = (x);                                                                       \
        if (s_ != PTO_OK)                                                                          \
            return s_;                                                                             \
    } while (0)

static pto_status orchestrate(pto_run *run, void *ctx, pto_error *err)
{
    (void)ctx;
    pto_task_id t[NTASKS];
    TRY(pto_add_task(run, FUNC_SRC, PTO_CORE_AIV, NULL, 0, &t[0], err));
    TRY(pto_add_task(run, FUNC_LEFT, PTO_CORE_AIC, NULL, 0, &t[1], err));
    TRY(pto_add_task(run, FUNC_RIGHT, PTO_CORE_AIV, NULL, 0, &t[2], err));
    TRY(pto_add_task(run, FUNC_JOIN, PTO_CORE_AIV, NULL, 0, &t[3], err));
    TRY(pto_add_dep(run, t[0], t[1], err));
    TRY(pto_add_dep(run, t[0], t[1], err)); /* duplicate: one edge in the export */
    TRY(pto_add_dep(run, t[0], t[2], err));
    TRY(pto_add_dep(run, t[1], t[3], err));
    TRY(pto_add_dep(run, t[2], t[3], err));
    TRY(pto_submit_dummy(run, NULL, 0, &t[4], err));
    TRY(pto_add_dep(run, t[3], t[4], err));
    return PTO_OK;
}

typedef struct fixture {
    pto_device *dev;
    pto_stats stats;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    pto_error err = {0};
    pto_device_config cfg;
    pto_device_config_default(&cfg);
    cfg.blocks = 2;
    cfg.schedulers = 1;
    cfg.exec_threads = 0;
    if (pto_device_open("a2a3sim", &cfg, &f->dev, &err) != PTO_OK)
        fail_msg("open: %s: %s", pto_status_name(err.status), err.msg);
    assert_int_equal(pto_kernel_register(f->dev, FUNC_SRC, PTO_CORE_AIV, k_src, "g_src", &err),
                     PTO_OK);
    assert_int_equal(pto_kernel_register(f->dev, FUNC_LEFT, PTO_CORE_AIC, k_left, "g_left", &err),
                     PTO_OK);
    assert_int_equal(
        pto_kernel_register(f->dev, FUNC_RIGHT, PTO_CORE_AIV, k_right, RIGHT_NAME, &err), PTO_OK);
    assert_int_equal(pto_kernel_register(f->dev, FUNC_JOIN, PTO_CORE_AIV, k_join, "g_join", &err),
                     PTO_OK);
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.deterministic = 1;
    if (pto_launch(f->dev, &rc, orchestrate, NULL, &f->stats, &err) != PTO_OK)
        fail_msg("launch: %s: %s", pto_status_name(err.status), err.msg);
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

/* ---- JSON ------------------------------------------------------------ */

/* Parses a graph JSON file; checks the shape of every node and edge
 * (ids in range, node i has id i, edges [p,c] or start edges
 * [p,c,"start"], sorted by (p, c, kind) and unique) and returns the root
 * with the counts (nstarts: the start edges). */
static cJSON *load_json(const char *path, size_t *nnodes, size_t *nedges, size_t *nstarts)
{
    char *text = read_file(path);
    cJSON *root = cJSON_Parse(text);
    free(text);
    assert_non_null(root);
    const cJSON *nodes = item(root, "nodes"), *edges = item(root, "edges");
    assert_true(cJSON_IsArray(nodes) && cJSON_IsArray(edges));
    size_t n = (size_t)cJSON_GetArraySize(nodes), i = 0;
    const cJSON *nd;
    cJSON_ArrayForEach(nd, nodes)
    {
        assert_true(num(nd, "id") == (double)i);
        assert_true(strlen(str(nd, "kernel")) > 0);
        (void)num(nd, "func_id");
        const char *type = str(nd, "core_type");
        if (!strcmp(type, "dummy")) {
            assert_true(cJSON_IsNull(item(nd, "core")));
        } else {
            assert_true(!strcmp(type, "AIC") || !strcmp(type, "AIV") || !strcmp(type, "MIX"));
            assert_true(num(nd, "parts") >= 1.0);
            assert_true(num(nd, "core") >= 0.0);
            assert_true(num(nd, "end_cycle") >= num(nd, "start_cycle"));
        }
        i++;
    }
    double prev_p = -1.0, prev_c = -1.0;
    int prev_k = 0;
    *nstarts = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, edges)
    {
        assert_true(cJSON_IsArray(e));
        int size = cJSON_GetArraySize(e), k = size == 3;
        assert_true(size == 2 || size == 3);
        if (k) { /* a start edge */
            assert_string_equal(cJSON_GetStringValue(cJSON_GetArrayItem(e, 2)), "start");
            ++*nstarts;
        }
        double p = cJSON_GetArrayItem(e, 0)->valuedouble;
        double c = cJSON_GetArrayItem(e, 1)->valuedouble;
        assert_true(p >= 0.0 && p < (double)n && c >= 0.0 && c < (double)n);
        assert_true(p > prev_p || (p == prev_p && (c > prev_c || (c == prev_c && k > prev_k))));
        prev_p = p; /* sorted, unique */
        prev_c = c;
        prev_k = k;
    }
    *nnodes = n;
    *nedges = (size_t)cJSON_GetArraySize(edges);
    return root;
}

static void test_json(void **state)
{
    fixture *f = *state;
    const char *path = "test_graph_out.json";
    pto_error err = {0};
    if (pto_graph_write(f->dev, path, PTO_GRAPH_JSON, &err) != PTO_OK)
        fail_msg("graph: %s: %s", pto_status_name(err.status), err.msg);
    size_t nn, ne, ns;
    cJSON *root = load_json(path, &nn, &ne, &ns);
    assert_int_equal(nn, NTASKS);
    assert_int_equal(ne, NEDGES);
    assert_int_equal(ns, 0);

    const pto_task_record *recs;
    size_t nrecs;
    pto_last_run_records(f->dev, &recs, &nrecs);
    assert_int_equal(nrecs, NTASKS);
    size_t i = 0;
    const cJSON *nd;
    cJSON_ArrayForEach(nd, item(root, "nodes"))
    {
        assert_string_equal(str(nd, "kernel"), want_kernel[i]);
        assert_string_equal(str(nd, "core_type"), want_type[i]);
        assert_true(num(nd, "func_id") == (double)want_func[i]);
        if (want_func[i] >= 0) {
            assert_true(num(nd, "core") == (double)recs[i].core);
            assert_true(num(nd, "start_cycle") == (double)recs[i].start_cycle);
            assert_true(num(nd, "end_cycle") == (double)recs[i].end_cycle);
            assert_true(strlen(str(nd, "core_name")) > 0);
        }
        i++;
    }
    /* the diamond in cycles: t0 0..100, t1 100..400, t2 100..300, t3 400..450 */
    assert_int_equal(recs[0].end_cycle, 100);
    assert_int_equal(recs[3].start_cycle, 400);
    assert_int_equal(f->stats.total_cycles, 450);

    i = 0;
    const cJSON *e;
    cJSON_ArrayForEach(e, item(root, "edges"))
    {
        assert_true(cJSON_GetArrayItem(e, 0)->valuedouble == (double)want_edges[i].producer);
        assert_true(cJSON_GetArrayItem(e, 1)->valuedouble == (double)want_edges[i].consumer);
        i++;
    }
    cJSON_Delete(root);
    remove(path);
}

/* ---- DOT ------------------------------------------------------------- */

/* Checks the DOT structure line by line: header, node statements
 * "  t<i> [label=\"t<i> ...\"...];" for i = 0, 1, ... in order, edge
 * statements "  t<a> -> t<b>;" (a start edge: "  t<a> -> t<b> [style=dashed,
 * label=\"start\"];") between known nodes, closing brace. */
/* Is the line [line, eol) an edge statement? 1: plain, 2: a start edge,
 * 0: neither. */
static int edge_line(const char *line, const char *eol, unsigned long long *a,
                     unsigned long long *b)
{
    int len = -1;
    if (sscanf(line, "  t%llu -> t%llu;%n", a, b, &len) == 2 && len >= 0 && line + len == eol)
        return 1;
    len = -1;
    if (sscanf(line, "  t%llu -> t%llu [style=dashed, label=\"start\"];%n", a, b, &len) == 2 &&
        len >= 0 && line + len == eol)
        return 2;
    return 0;
}

static void check_dot(const char *text, size_t *nnodes, size_t *nedges, size_t *nstarts)
{
    const char *head = "digraph pto {\n";
    assert_int_equal(strncmp(text, head, strlen(head)), 0);
    size_t n = 0, m = 0;
    int closed = 0, kind;
    const char *line = text + strlen(head);
    *nstarts = 0;
    while (*line) {
        const char *eol = strchr(line, '\n');
        assert_non_null(eol);
        assert_false(closed); /* nothing after the closing brace */
        unsigned long long a, b;
        if (eol - line == 1 && line[0] == '}') {
            closed = 1;
        } else if (!strncmp(line, "  node [", 8)) {
            /* default attributes */
        } else if ((kind = edge_line(line, eol, &a, &b)) != 0) {
            assert_true(a < n && b < n);
            m++;
            *nstarts += kind == 2;
        } else {
            char want[64];
            snprintf(want, sizeof want, "  t%zu [label=\"t%zu ", n, n);
            if (strncmp(line, want, strlen(want)) != 0)
                fail_msg("unexpected DOT line: %.*s", (int)(eol - line), line);
            assert_int_equal(m, 0); /* nodes come first */
            assert_true(eol - line >= 2 && !strncmp(eol - 2, "];", 2));
            n++;
        }
        line = eol + 1;
    }
    assert_true(closed);
    *nnodes = n;
    *nedges = m;
}

/* The statement line of node t<id>. */
static char *dot_node_line(const char *text, unsigned id)
{
    char want[32];
    snprintf(want, sizeof want, "\n  t%u [", id);
    const char *p = strstr(text, want);
    assert_non_null(p);
    p++;
    const char *eol = strchr(p, '\n');
    assert_non_null(eol);
    char *line = malloc((size_t)(eol - p) + 1);
    assert_non_null(line);
    memcpy(line, p, (size_t)(eol - p));
    line[eol - p] = '\0';
    return line;
}

static void test_dot(void **state)
{
    fixture *f = *state;
    const char *path = "test_graph_out.dot";
    pto_error err = {0};
    if (pto_graph_write(f->dev, path, PTO_GRAPH_DOT, &err) != PTO_OK)
        fail_msg("graph: %s: %s", pto_status_name(err.status), err.msg);
    char *text = read_file(path);
    size_t nn, ne, ns;
    check_dot(text, &nn, &ne, &ns);
    assert_int_equal(nn, NTASKS);
    assert_int_equal(ne, NEDGES);
    assert_int_equal(ns, 0);
    for (size_t i = 0; i < NEDGES; i++) {
        char edge[64];
        snprintf(edge, sizeof edge, "\n  t%" PRIu64 " -> t%" PRIu64 ";\n", want_edges[i].producer,
                 want_edges[i].consumer);
        assert_non_null(strstr(text, edge));
    }
    char *l0 = dot_node_line(text, 0), *l1 = dot_node_line(text, 1), *l2 = dot_node_line(text, 2),
         *l4 = dot_node_line(text, 4);
    assert_non_null(strstr(l0, "label=\"t0 g_src\""));
    assert_non_null(strstr(l0, "shape=ellipse")); /* AIV */
    assert_non_null(strstr(l1, "label=\"t1 g_left\""));
    assert_non_null(strstr(l1, "shape=box")); /* AIC */
    assert_non_null(strstr(l2, RIGHT_LABEL_DOT));
    assert_non_null(strstr(l4, "label=\"t4 dummy\""));
    assert_non_null(strstr(l4, "shape=diamond"));
    free(l0);
    free(l1);
    free(l2);
    free(l4);
    free(text);
    remove(path);
}

static void test_errors(void **state)
{
    fixture *f = *state;
    pto_error err = {0};
    assert_int_equal(pto_graph_write(f->dev, "/nonexistent-dir/g.dot", PTO_GRAPH_DOT, &err),
                     PTO_ERR_IO);
    assert_non_null(strstr(err.msg, "/nonexistent-dir/g.dot"));
    assert_int_equal(pto_graph_write(f->dev, "/nonexistent-dir/g.json", PTO_GRAPH_JSON, &err),
                     PTO_ERR_IO);
    assert_int_equal(pto_graph_write(f->dev, "g.json", (pto_graph_format)7, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_graph_write(NULL, "g.json", PTO_GRAPH_JSON, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_graph_write(f->dev, NULL, PTO_GRAPH_JSON, &err), PTO_ERR_INVALID);
}

/* ---- --check-json / --check-dot --------------------------------------- */

/* test_graph --check-json|--check-dot FILE NODES EDGES [START_EDGES]:
 * FILE is well formed with that many nodes and edges (and, when given,
 * that many of the edges start edges; otherwise none). */
static const char *g_path;
static size_t g_nodes, g_edges, g_starts;

static void test_check_json(void **state)
{
    (void)state;
    size_t nn, ne, ns;
    cJSON *root = load_json(g_path, &nn, &ne, &ns);
    cJSON_Delete(root);
    assert_int_equal(nn, g_nodes);
    assert_int_equal(ne, g_edges);
    assert_int_equal(ns, g_starts);
}

static void test_check_dot(void **state)
{
    (void)state;
    char *text = read_file(g_path);
    size_t nn, ne, ns;
    check_dot(text, &nn, &ne, &ns);
    free(text);
    assert_int_equal(nn, g_nodes);
    assert_int_equal(ne, g_edges);
    assert_int_equal(ns, g_starts);
}

int main(int argc, char **argv)
{
    if ((argc == 5 || argc == 6) &&
        (!strcmp(argv[1], "--check-json") || !strcmp(argv[1], "--check-dot"))) {
        g_path = argv[2];
        g_nodes = strtoul(argv[3], NULL, 10);
        g_edges = strtoul(argv[4], NULL, 10);
        g_starts = argc == 6 ? strtoul(argv[5], NULL, 10) : 0;
        const struct CMUnitTest json[] = {cmocka_unit_test(test_check_json)};
        const struct CMUnitTest dot[] = {cmocka_unit_test(test_check_dot)};
        if (!strcmp(argv[1], "--check-json"))
            return cmocka_run_group_tests(json, NULL, NULL);
        return cmocka_run_group_tests(dot, NULL, NULL);
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_dot),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
