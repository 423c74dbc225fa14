/* Tools library (libpto_tools): trace export and human-readable stats.
 * Separate from libpto so the runtime itself depends only on libc,
 * pthreads and libdl. */
#ifndef PTO_TOOLS_H
#define PTO_TOOLS_H

#include <stdio.h>

#include "pto/run.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Chrome trace-event JSON of the device's last run (opens in Perfetto and
 * chrome://tracing): one lane per AICore, one per AICPU scheduler thread. */
PTO_API pto_status pto_trace_write_chrome(const pto_device *dev, const pto_stats *stats,
                                          const char *path, pto_error *err);

/* Chrome trace-event JSON of the device's last run in semantic time:
 * cycles are the time unit (ts = start_cycle, dur = end_cycle -
 * start_cycle; otherData says "time_unit": "cycles" and gives
 * "total_cycles"). One lane per AICore (pid 1, tid = core, named as in the
 * wall trace), one complete event per task named by its kernel with args
 * {task_id, func_id, cycles}. Dependency-only tasks that have a record show
 * as instant events on a "dependency-only" lane (pid 2). The file holds no
 * wall times or addresses: identical records give a byte-identical file.
 * stats may be NULL (total_cycles is then the latest end_cycle). */
PTO_API pto_status pto_trace_write_chrome_cycles(const pto_device *dev, const pto_stats *stats,
                                                 const char *path, pto_error *err);

typedef enum pto_graph_format {
    PTO_GRAPH_JSON = 0, /* {"nodes":[...],"edges":[[producer,consumer],...]};
                           a start edge: [producer,consumer,"start"] */
    PTO_GRAPH_DOT = 1   /* Graphviz digraph */
} pto_graph_format;

/* Dependency graph of the device's last run: one node per recorded task
 * (the first trace_capacity task ids) with id, kernel, func_id, core, core
 * type and start/end cycle; a dependency-only task is a "dummy" node
 * (func_id -1, core type "dummy", null core and cycles), and the
 * edges of pto_last_run_edges between them, duplicates removed, sorted by
 * (producer, consumer, kind). DOT labels nodes "t<id> <kernel>"; AIC tasks
 * are blue boxes, AIV tasks green ellipses, dummies grey dashed diamonds.
 * A start edge (PTO_EDGE_START: the consumer waits for the producer to
 * start, CSP channels) has "start" as its third element in JSON and is
 * dashed with the label "start" in DOT; other edges are plain pairs. */
PTO_API pto_status pto_graph_write(const pto_device *dev, const char *path, pto_graph_format format,
                                   pto_error *err);

/* Prints the stats table (tasks, wall time, ns/task, total_cycles,
 * per-core utilisation in wall time and in cycles, scheduler activity,
 * flow control), with a warning line when kernels reported no cycles. */
PTO_API void pto_stats_print(FILE *out, const pto_device *dev, const pto_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
