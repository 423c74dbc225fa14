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
pto_status pto_trace_write_chrome(const pto_device *dev, const pto_stats *stats,
                                  const char *path, pto_error *err);

/* Prints the stats table (tasks, wall time, ns/task, per-core utilisation,
 * scheduler activity). */
void pto_stats_print(FILE *out, const pto_device *dev, const pto_stats *stats);

#ifdef __cplusplus
}
#endif
#endif
