/* The capability matrix's rows as the library names them (the table and
 * its public enumeration: caps.c, pto/caps.h). A caller above the platform
 * reaches this through platform/platform.h.
 *
 * Invariants: one row per directive or feature, numbered as in the table;
 * PTO_ROW_COUNT is the table's length; values are never reused or
 * reordered (pto/caps.h promises stable row numbers), new rows go before
 * PTO_ROW_COUNT. */
#ifndef PTO_PLATFORM_CAPS_H
#define PTO_PLATFORM_CAPS_H

#include "pto/caps.h"

typedef enum pto_cap_row {
    /* dispatch targets and policies (DESIGN 6.1) */
    PTO_ROW_DISPATCH_DEFAULT = 0,
    PTO_ROW_DISPATCH_ROUND_ROBIN,
    PTO_ROW_DISPATCH_AFFINITY,
    PTO_ROW_DISPATCH_HASH,
    PTO_ROW_DISPATCH_WORK_STEAL,
    PTO_ROW_DISPATCH_USER,
    PTO_ROW_DISPATCH_LANES,
    /* task_window(size, unit, mode) (DESIGN 6.2) */
    PTO_ROW_WINDOW_TASKS_STALL,
    PTO_ROW_WINDOW_TASKS_STALL_HOST_BUILT,
    PTO_ROW_WINDOW_TASKS_ABORT,
    PTO_ROW_WINDOW_TASKS_BENCHMARK,
    PTO_ROW_WINDOW_BYTES,
    PTO_ROW_WINDOW_ENTRIES,
    /* other PTO-WSP v10 schedule directives */
    PTO_ROW_STREAMS,
    PTO_ROW_STREAM_BY,
    PTO_ROW_TIMING,
    PTO_ROW_DISPATCH_THRESHOLD,
    PTO_ROW_PIPELINE_DEPTH,
    PTO_ROW_BATCH_DEPS,
    PTO_ROW_SPATIAL_MAP,
    PTO_ROW_LAYOUT,
    /* CSP and CSPT (DESIGN 6.4) */
    PTO_ROW_CSP_PROCESS_ORDER,
    PTO_ROW_CSP_CHANNEL,
    PTO_ROW_CSP_RENDEZVOUS,
    PTO_ROW_CSP_CONSUME,
    PTO_ROW_CSPT_LATENCY,
    PTO_ROW_CSP_DEADLOCK_REPORT,
    /* symbols, slots, ScalarExpr, predicates (DESIGN 6.5) */
    PTO_ROW_SYMBOLS,
    PTO_ROW_SLOTS,
    PTO_ROW_SCALAR_EXPR_KEY,
    PTO_ROW_PREDICATE,
    PTO_ROW_COUNT
} pto_cap_row;

/* The column of `platform` (a pto_device_open name) in the mode a run
 * uses (deterministic or threaded), or -1 when the table has none. */
int pto_caps_column_of(const char *platform, int deterministic);

#endif
