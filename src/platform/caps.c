/* The capability matrix (DESIGN 6.3; pto/caps.h, platform/caps.h): one
 * table of data, a row per directive or feature and a level per platform
 * and mode. pto_launch consults it (orchestration/directives.c) for every
 * directive a run uses, before anything executes; `pto caps` prints it.
 *
 * Invariants: read-only; rows[r] describes pto_cap_row r (every entry is
 * filled: test_caps checks it); the a2a3 column is UNSUPPORTED throughout,
 * since that platform is gated on a toolchain and runs nothing yet. */
#include "platform/caps.h"

#include <string.h>

enum { COL_SIM_THREADED, COL_SIM_DETERMINISTIC, COL_A2A3, COLUMNS };

static const struct column {
    const char *platform, *mode;
    int deterministic; /* the mode's pto_run_config.deterministic; -1: none */
} columns[COLUMNS] = {
    [COL_SIM_THREADED] = {"a2a3sim", "threaded", 0},
    [COL_SIM_DETERMINISTIC] = {"a2a3sim", "deterministic", 1},
    [COL_A2A3] = {"a2a3", "", -1},
};

#define E PTO_CAP_ENFORCED
#define R PTO_CAP_RECORDED
#define D PTO_CAP_DIAGNOSED
#define U PTO_CAP_UNSUPPORTED
/* Levels: a2a3sim threaded, a2a3sim deterministic, a2a3 (which runs
 * nothing yet). */
static const struct row {
    const char *feature;
    unsigned char level[COLUMNS];
} rows[PTO_ROW_COUNT] = {
    [PTO_ROW_DISPATCH_DEFAULT] = {"dispatch(default)", {E, E, U}},
    [PTO_ROW_DISPATCH_ROUND_ROBIN] = {"dispatch(round_robin)", {E, E, U}},
    [PTO_ROW_DISPATCH_AFFINITY] = {"dispatch(affinity)", {E, E, U}},
    [PTO_ROW_DISPATCH_HASH] = {"dispatch(hash)", {E, E, U}},
    [PTO_ROW_DISPATCH_WORK_STEAL] = {"dispatch(work_steal)", {E, E, U}},
    [PTO_ROW_DISPATCH_USER] = {"dispatch(user policy)", {E, E, U}},
    [PTO_ROW_DISPATCH_LANES] = {"dispatch lanes (N dealt, N != schedulers)", {E, E, U}},
    [PTO_ROW_WINDOW_TASKS_STALL] = {"task_window(tasks, STALL)", {E, E, U}},
    /* the graph is complete before launch: nothing to hold back */
    [PTO_ROW_WINDOW_TASKS_STALL_HOST_BUILT] = {"task_window(tasks, STALL), host-built run",
                                               {D, D, U}},
    [PTO_ROW_WINDOW_TASKS_ABORT] = {"task_window(tasks, ABORT)", {E, E, U}},
    [PTO_ROW_WINDOW_TASKS_BENCHMARK] = {"task_window(tasks, BENCHMARK)", {R, R, U}},
    [PTO_ROW_WINDOW_BYTES] = {"task_window(bytes, *)", {U, U, U}},
    [PTO_ROW_WINDOW_ENTRIES] = {"task_window(entries, *)", {U, U, U}},
    [PTO_ROW_STREAMS] = {"streams", {U, U, U}},
    [PTO_ROW_STREAM_BY] = {"stream_by", {U, U, U}},
    [PTO_ROW_TIMING] = {"timing", {U, U, U}},
    [PTO_ROW_DISPATCH_THRESHOLD] = {"dispatch_threshold", {U, U, U}},
    [PTO_ROW_PIPELINE_DEPTH] = {"pipeline_depth", {U, U, U}},
    [PTO_ROW_BATCH_DEPS] = {"batch_deps", {U, U, U}},
    [PTO_ROW_SPATIAL_MAP] = {"spatial_map", {U, U, U}},
    [PTO_ROW_LAYOUT] = {"layout", {U, U, U}},
    [PTO_ROW_CSP_PROCESS_ORDER] = {"csp: process program order", {E, E, U}},
    [PTO_ROW_CSP_CHANNEL] = {"csp: channel capacity >= 1", {E, E, U}},
    [PTO_ROW_CSP_RENDEZVOUS] = {"csp: rendezvous channel (capacity 0)", {E, E, U}},
    [PTO_ROW_CSP_CONSUME] = {"csp: consume until closed", {E, E, U}},
    [PTO_ROW_CSPT_LATENCY] = {"cspt: channel latency", {E, E, U}},
    [PTO_ROW_CSP_DEADLOCK_REPORT] = {"csp: deadlock report", {E, E, U}},
    [PTO_ROW_SYMBOLS] = {"symbols", {E, E, U}},
    [PTO_ROW_SLOTS] = {"runtime slots", {E, E, U}},
    [PTO_ROW_SCALAR_EXPR_KEY] = {"ScalarExpr dispatch key", {E, E, U}},
    [PTO_ROW_PREDICATE] = {"dispatch-time predicate", {E, E, U}},
};

const char *pto_cap_level_name(pto_cap_level level)
{
    static const char *const names[] = {"ENFORCED", "RECORDED", "DIAGNOSED", "UNSUPPORTED"};
    return (unsigned)level < sizeof names / sizeof names[0] ? names[level] : "UNKNOWN";
}

uint32_t pto_caps_rows(void) { return PTO_ROW_COUNT; }

const char *pto_caps_feature(uint32_t row) { return row < PTO_ROW_COUNT ? rows[row].feature : 0; }

uint32_t pto_caps_columns(void) { return COLUMNS; }

const char *pto_caps_column_platform(uint32_t column)
{
    return column < COLUMNS ? columns[column].platform : 0;
}

const char *pto_caps_column_mode(uint32_t column)
{
    return column < COLUMNS ? columns[column].mode : 0;
}

pto_cap_level pto_caps_level(uint32_t row, uint32_t column)
{
    if (row >= PTO_ROW_COUNT || column >= COLUMNS)
        return PTO_CAP_UNSUPPORTED;
    return (pto_cap_level)rows[row].level[column];
}

int pto_caps_column_of(const char *platform, int deterministic)
{
    for (int c = 0; c < COLUMNS; c++)
        if (!strcmp(columns[c].platform, platform) &&
            (columns[c].deterministic < 0 || columns[c].deterministic == !!deterministic))
            return c;
    return -1;
}
