/* Dependency-graph export of a device's last run (JSON or Graphviz DOT).
 *
 * Nodes: every recorded task id 0 .. nrecords-1 (records are indexed by task
 * id). A task whose record holds a kernel run gives its kernel, func_id,
 * core, core type ("AIC", "AIV", or "MIX" for a task on several cores of
 * one cluster), parts (cores it ran on; an SPMD or MIX task's core is its
 * first) and cycles; a dependency-only task (or a slot the run left
 * unwritten because no kernel ran) is a "dummy" node.
 * Edges: pto_last_run_edges restricted to recorded tasks, duplicates removed,
 * sorted by (producer, consumer, kind) so the output does not depend on
 * wiring order details. An ordinary edge (PTO_EDGE_END: the consumer waits
 * for the producer to end) is a pair; a start edge (PTO_EDGE_START, CSP
 * channels: the consumer waits only for the producer to start) carries the
 * word "start" as a third element in JSON and is dashed with the label
 * "start" in DOT. The same pair may appear once of each kind.
 *
 * JSON (cJSON):
 *   {"nodes":[{"id":0,"kernel":"fill","func_id":0,"core":1,"core_name":"b0.AIV0",
 *              "core_type":"AIV","parts":1,"start_cycle":0,"end_cycle":256}, ...],
 *    "edges":[[0,2],[1,2],[2,3,"start"], ...]}
 * DOT:
 *   digraph pto {
 *     t0 [label="t0 fill", shape=ellipse, ..., tooltip="b0.AIV0 cycles 0..256"];
 *     t0 -> t2;
 *     t2 -> t3 [style=dashed, label="start"];
 *   }
 * with AIC = blue box, AIV = green ellipse, MIX = orange hexagon, dummy =
 * grey dashed diamond; a task on several cores says so in its tooltip. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/tools_internal.h"

/* What the export knows about one task. */
typedef struct node_info {
    int dummy;   /* no kernel ran: dependency-only or skipped */
    int skipped; /* its predicate was false (kernel: the one it had) */
    const char *kernel;
    const pto_task_record *rec; /* NULL for a dummy without a record */
} node_info;

static node_info node_of(const pto_device *dev, const pto_task_record *recs, size_t i)
{
    node_info n = {1, 0, "dummy", NULL};
    if (!pto_tools_record_valid(recs, i))
        return n;
    n.rec = &recs[i];
    n.skipped = pto_tools_record_skipped(n.rec);
    if (pto_tools_record_dummy(n.rec) && !n.skipped)
        return n;
    n.dummy = n.skipped;
    n.kernel = pto_tools_record_kernel(dev, n.rec);
    return n;
}

static int edge_cmp(const void *a, const void *b)
{
    const pto_edge *x = a, *y = b;
    if (x->producer != y->producer)
        return x->producer < y->producer ? -1 : 1;
    if (x->consumer != y->consumer)
        return x->consumer < y->consumer ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return 0;
}

/* The edges between recorded tasks, sorted and unique, in a malloc'ed
 * array (*out NULL when there are none). */
static pto_status collect_edges(const pto_device *dev, size_t nrecs, pto_edge **out, size_t *count,
                                pto_error *err)
{
    const pto_edge *edges = NULL;
    size_t n = 0;
    pto_last_run_edges(dev, &edges, &n);
    *out = NULL;
    *count = 0;
    if (!edges || !n)
        return PTO_OK;
    pto_edge *e = malloc(n * sizeof *e);
    if (!e)
        return pto_fail(err, PTO_ERR_NOMEM, "graph: out of memory copying %zu edges", n);
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (edges[i].producer < nrecs && edges[i].consumer < nrecs)
            e[m++] = edges[i];
    qsort(e, m, sizeof *e, edge_cmp);
    size_t u = 0;
    for (size_t i = 0; i < m; i++)
        if (!u || edge_cmp(&e[u - 1], &e[i]) != 0)
            e[u++] = e[i];
    *out = e;
    *count = u;
    return PTO_OK;
}

/* ---- JSON ------------------------------------------------------------ */

static void json_node(pto_json_builder *b, cJSON *nodes, const pto_device *dev,
                      const pto_task_record *recs, size_t i)
{
    node_info n = node_of(dev, recs, i);
    cJSON *o = pto_json_obj(b, nodes, NULL);
    pto_json_num(b, o, "id", (double)i);
    pto_json_str(b, o, "kernel", n.kernel);
    pto_json_num(b, o, "func_id", n.dummy && !n.skipped ? -1 : n.rec->func_id);
    if (n.dummy) {
        pto_json_null(b, o, "core");
        pto_json_null(b, o, "core_name");
        pto_json_str(b, o, "core_type", n.skipped ? "skipped" : "dummy");
    } else {
        char name[32];
        pto_tools_core_label(n.rec->core, name, sizeof name);
        pto_json_num(b, o, "core", n.rec->core);
        pto_json_str(b, o, "core_name", name);
        pto_json_str(b, o, "core_type", pto_tools_type_name(n.rec->core_type));
        pto_json_num(b, o, "parts", n.rec->parts);
    }
    if (n.rec) {
        pto_json_num(b, o, "start_cycle", (double)n.rec->start_cycle);
        pto_json_num(b, o, "end_cycle", (double)n.rec->end_cycle);
    } else {
        pto_json_null(b, o, "start_cycle");
        pto_json_null(b, o, "end_cycle");
    }
}

static pto_status write_json(const pto_device *dev, const char *path, const pto_task_record *recs,
                             size_t nrecs, const pto_edge *edges, size_t nedges, pto_error *err)
{
    pto_json_builder b = {1};
    cJSON *root = cJSON_CreateObject();
    cJSON *nodes = root ? cJSON_AddArrayToObject(root, "nodes") : NULL;
    cJSON *earr = nodes ? cJSON_AddArrayToObject(root, "edges") : NULL;
    if (!earr)
        b.ok = 0;
    for (size_t i = 0; i < nrecs && b.ok; i++)
        json_node(&b, nodes, dev, recs, i);
    for (size_t i = 0; i < nedges && b.ok; i++) {
        cJSON *pair = cJSON_CreateArray();
        pto_json_append(&b, earr, pair);
        if (b.ok && (!cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)edges[i].producer)) ||
                     !cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)edges[i].consumer)) ||
                     (edges[i].kind == PTO_EDGE_START &&
                      !cJSON_AddItemToArray(pair, cJSON_CreateString("start")))))
            b.ok = 0;
    }
    char *text = b.ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return pto_fail(err, PTO_ERR_NOMEM,
                        "graph: out of memory building the JSON for %zu nodes, %zu edges", nrecs,
                        nedges);
    pto_status s = pto_tools_write_text("graph", path, text, err);
    cJSON_free(text);
    return s;
}

/* ---- DOT ------------------------------------------------------------- */

/* Writes s as the body of a DOT double-quoted string: quote and backslash
 * escaped, newline as \n, other control characters as '?'. */
static void dot_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') {
            fputc('\\', f);
            fputc(ch, f);
        } else if (ch == '\n') {
            fputs("\\n", f);
        } else if (ch < 0x20 || ch == 0x7f) {
            fputc('?', f);
        } else {
            fputc(ch, f);
        }
    }
}

static void dot_node(FILE *f, const pto_device *dev, const pto_task_record *recs, size_t i)
{
    node_info n = node_of(dev, recs, i);
    fprintf(f, "  t%zu [label=\"t%zu ", i, i);
    dot_escaped(f, n.kernel);
    fputc('"', f);
    if (n.dummy) {
        fputs(", shape=diamond, style=dashed, color=\"#808080\", fontcolor=\"#606060\"", f);
        if (n.rec)
            fprintf(f, ", tooltip=\"%s, cycle %" PRIu64 "\"",
                    n.skipped ? "skipped by its predicate" : "dependency-only", n.rec->end_cycle);
        else
            fputs(", tooltip=\"dependency-only\"", f);
    } else {
        char core[32];
        pto_tools_core_label(n.rec->core, core, sizeof core);
        if (n.rec->core_type == PTO_CORE_AIC)
            fputs(", shape=box, style=filled, fillcolor=\"#c6dbef\"", f);
        else if (n.rec->core_type == PTO_CORE_AIV)
            fputs(", shape=ellipse, style=filled, fillcolor=\"#c7e9c0\"", f);
        else /* MIX */
            fputs(", shape=hexagon, style=filled, fillcolor=\"#fdd0a2\"", f);
        fprintf(f, ", tooltip=\"%s func %d cycles %" PRIu64 "..%" PRIu64, core, (int)n.rec->func_id,
                n.rec->start_cycle, n.rec->end_cycle);
        if (n.rec->parts > 1)
            fprintf(f, " %s on %u cores", pto_tools_type_name(n.rec->core_type),
                    (unsigned)n.rec->parts);
        fputs("\"", f);
    }
    fputs("];\n", f);
}

static pto_status write_dot(const pto_device *dev, const char *path, const pto_task_record *recs,
                            size_t nrecs, const pto_edge *edges, size_t nedges, pto_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return pto_fail(err, PTO_ERR_IO, "graph: cannot open '%s': %s", path, strerror(errno));
    fputs("digraph pto {\n", f);
    fputs("  node [fontname=\"Helvetica\"];\n", f);
    for (size_t i = 0; i < nrecs; i++)
        dot_node(f, dev, recs, i);
    for (size_t i = 0; i < nedges; i++)
        fprintf(f, "  t%" PRIu64 " -> t%" PRIu64 "%s;\n", edges[i].producer, edges[i].consumer,
                edges[i].kind == PTO_EDGE_START ? " [style=dashed, label=\"start\"]" : "");
    fputs("}\n", f);
    int bad = ferror(f);
    int saved = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad)
        return pto_fail(err, PTO_ERR_IO, "graph: cannot write '%s': %s", path,
                        strerror(saved ? saved : EIO));
    return PTO_OK;
}

pto_status pto_graph_write(const pto_device *dev, const char *path, pto_graph_format format,
                           pto_error *err)
{
    if (!dev || !path)
        return pto_fail(err, PTO_ERR_INVALID, "graph: device and path are required");
    if (format != PTO_GRAPH_JSON && format != PTO_GRAPH_DOT)
        return pto_fail(err, PTO_ERR_INVALID, "graph: unknown format %d", (int)format);
    const pto_task_record *recs;
    size_t nrecs = pto_tools_records(dev, &recs);
    pto_edge *edges = NULL;
    size_t nedges = 0;
    pto_status s = collect_edges(dev, nrecs, &edges, &nedges, err);
    if (s != PTO_OK)
        return s;
    if (format == PTO_GRAPH_JSON)
        s = write_json(dev, path, recs, nrecs, edges, nedges, err);
    else
        s = write_dot(dev, path, recs, nrecs, edges, nedges, err);
    free(edges);
    return s;
}
