/* Human-readable run statistics.
 *
 * Layout: a summary block (tasks, wall time, "total_cycles     <n>" (the
 * semantic makespan, an exact integer), a "warning: ..." line when kernels
 * reported no cycles, park/wake counters), then a per-core table listing
 * only cores that executed tasks with wall-time and cycle utilisation
 * (busy_cycles / total_cycles; idle cores are counted in one line so a
 * 72-core device stays readable), then a scheduler table, then the
 * flow-control table (one row per bounded resource, with a sizing advice,
 * and one for the task window, a bound the run asked for). */
#include <inttypes.h>
#include <stdio.h>

#include "tools/tools_internal.h"

/* Formats ns with a unit that keeps 3-4 significant digits. */
static const char *fmt_ns(uint64_t ns, char *buf, size_t len)
{
    if (ns >= 10000000000ull)
        snprintf(buf, len, "%.2f s", (double)ns / 1e9);
    else if (ns >= 10000000ull)
        snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
    else if (ns >= 10000ull)
        snprintf(buf, len, "%.1f us", (double)ns / 1e3);
    else
        snprintf(buf, len, "%" PRIu64 " ns", ns);
    return buf;
}

static void print_summary(FILE *out, const pto_device *dev, const pto_stats *st)
{
    char a[32], b[32];
    fprintf(out, "tasks            %" PRIu64 "\n", st->tasks);
    fprintf(out, "wall time        %s\n", fmt_ns(st->wall_ns, a, sizeof a));
    fprintf(out, "total_cycles     %" PRIu64 "\n", st->total_cycles);
    if (st->uncosted_tasks)
        fprintf(out,
                "warning: %" PRIu64 " uncosted task(s) reported no cycles, e.g. kernel "
                "'%s' (func_id %d); their duration counts as 0 (count cycles with the "
                "tile library, pto_add_cycles or a cost function)\n",
                st->uncosted_tasks, pto_kernel_name(dev, st->uncosted_func),
                (int)st->uncosted_func);
    if (st->skipped)
        fprintf(out, "skipped          %" PRIu64 " (predicate false: no kernel, 0 cycles)\n",
                st->skipped);
    if (st->tasks)
        fprintf(out, "ns/task          %.0f\n", (double)st->wall_ns / (double)st->tasks);
    fprintf(out, "orchestration    %s\n", fmt_ns(st->orch_ns, b, sizeof b));
    fprintf(out, "exec threads     %u (parks %" PRIu64 ")\n", (unsigned)st->exec_threads,
            st->exec_parks);
    fprintf(out, "futex wakes      %" PRIu64 "\n", st->wakes);
    fprintf(out, "records          %" PRIu64 " (dropped %" PRIu64 ")\n", st->records,
            st->records_dropped);
    if (st->diagnosed)
        fprintf(out, "diagnosed        %u directive(s) ignored, the first: %s\n",
                (unsigned)st->diagnosed, st->diagnostic);
}

static void print_cores(FILE *out, const pto_stats *st)
{
    uint32_t cores = st->cores > PTO_MAX_CORES ? PTO_MAX_CORES : st->cores;
    uint32_t idle = 0;
    fprintf(out, "\n%-9s %8s %12s %7s %14s %7s\n", "core", "tasks", "busy us", "util %",
            "busy cycles", "cyc %");
    for (uint32_t c = 0; c < cores; c++) {
        const pto_core_stats *cs = &st->core[c];
        if (!cs->tasks) {
            idle++;
            continue;
        }
        char name[32];
        pto_tools_core_label(c, name, sizeof name);
        double util = st->wall_ns ? 100.0 * (double)cs->busy_ns / (double)st->wall_ns : 0.0;
        double cutil =
            st->total_cycles ? 100.0 * (double)cs->busy_cycles / (double)st->total_cycles : 0.0;
        fprintf(out, "%-9s %8" PRIu64 " %12.1f %7.1f %14" PRIu64 " %7.1f\n", name, cs->tasks,
                (double)cs->busy_ns / 1e3, util, cs->busy_cycles, cutil);
    }
    if (idle)
        fprintf(out, "(%u of %u cores idle)\n", (unsigned)idle, (unsigned)cores);
}

static void print_scheds(FILE *out, const pto_stats *st)
{
    uint32_t n = st->schedulers > PTO_MAX_AICPU_THREADS ? PTO_MAX_AICPU_THREADS : st->schedulers;
    if (!n)
        return;
    fprintf(out, "\n%-9s %10s %10s %8s %12s\n", "sched", "dispatched", "completed", "parks",
            "active us");
    for (uint32_t i = 0; i < n; i++) {
        const pto_sched_stats *s = &st->sched[i];
        uint64_t active = s->end_ns > s->start_ns ? s->end_ns - s->start_ns : 0;
        fprintf(out, "sched%-4u %10" PRIu64 " %10" PRIu64 " %8" PRIu64 " %12.1f\n", (unsigned)i,
                s->dispatched, s->completed, s->parks, (double)active / 1e3);
    }
}

/* The rows of the flow-control table: the resources in DESIGN §4 order,
 * with the environment variable that sizes each and its unit, then the
 * task window (bound: the run asked for it, so filling it is no advice to
 * resize), and the CSP channel waits (bound 2: how often a process body
 * waited for a token or for room, counted when it switched away). */
static const struct {
    pto_stall_reason reason;
    const char *knob;
    const char *unit;
    int bound;
} flow_rows[] = {
    {PTO_STALL_TASK_RING_FULL, "PTO_TASK_WINDOW", "slots", 0},
    {PTO_STALL_TENSORMAP_POOL_FULL, "PTO_TENSORMAP", "entries", 0},
    {PTO_STALL_DEPLIST_POOL_FULL, "PTO_DEP_POOL", "nodes", 0},
    {PTO_STALL_HEAP_ARENA_FULL, "PTO_HEAP_BYTES", "bytes", 0},
    {PTO_STALL_READY_QUEUE_FULL, "PTO_READY_QUEUE", "slots", 0},
    {PTO_STALL_TASK_WINDOW, "--task-window", "tasks in flight", 1},
    {PTO_STALL_CHANNEL_EMPTY_WAIT, NULL, "-", 2},
    {PTO_STALL_CHANNEL_FULL_WAIT, NULL, "-", 2},
};

/* Advice: a resource that filled up or made the orchestrator wait is
 * named with the variable that sizes it; anything else is "ok". The task
 * window says whether it held anything back (0 = unlimited). */
static void flow_advice(const pto_flow_stats *f, const char *knob, int bound, char *buf, size_t len)
{
    if (bound == 2 && f->stalls) /* CSP: a process waited on a channel (at orchestration) */
        snprintf(buf, len, "%" PRIu64 " wait(s) of a process for a channel", f->stalls);
    else if (bound == 2)
        snprintf(buf, len, "ok");
    else if (bound && !f->capacity)
        snprintf(buf, len, "unlimited");
    else if (bound && f->stalls)
        snprintf(buf, len, "%" PRIu64 " submission(s) found it full", f->stalls);
    else if (bound)
        snprintf(buf, len, "ok");
    else if (f->capacity && f->high_water >= f->capacity)
        snprintf(buf, len, "high-water %" PRIu64 " of %" PRIu64 ": raise %s", f->high_water,
                 f->capacity, knob);
    else if (f->stalls)
        snprintf(buf, len, "%" PRIu64 " stall(s): raise %s", f->stalls, knob);
    else
        snprintf(buf, len, "ok");
}

static void print_flow(FILE *out, const pto_stats *st)
{
    fprintf(out, "\n%-20s %12s %12s %7s %8s %12s  %s\n", "flow control", "capacity", "high-water",
            "% cap", "stalls", "stall us", "advice");
    for (size_t i = 0; i < sizeof flow_rows / sizeof flow_rows[0]; i++) {
        const pto_flow_stats *f = &st->flow[flow_rows[i].reason];
        double pct = f->capacity ? 100.0 * (double)f->high_water / (double)f->capacity : 0.0;
        char advice[96];
        flow_advice(f, flow_rows[i].knob, flow_rows[i].bound, advice, sizeof advice);
        fprintf(out, "%-20s %12" PRIu64 " %12" PRIu64 " %7.1f %8" PRIu64 " %12.1f  %s\n",
                pto_stall_name(flow_rows[i].reason), f->capacity, f->high_water, pct, f->stalls,
                (double)f->stall_ns / 1e3, advice);
    }
    fprintf(out, "(capacity units:");
    for (size_t i = 0; i < sizeof flow_rows / sizeof flow_rows[0]; i++)
        fprintf(out, "%s %s", i ? "," : "", flow_rows[i].unit);
    fprintf(out, ")\n");
    if (st->stall_reason != PTO_STALL_NONE)
        fprintf(out, "orchestrator stalled on %s when the run ended\n",
                pto_stall_name(st->stall_reason));
}

void pto_stats_print(FILE *out, const pto_device *dev, const pto_stats *stats)
{
    if (!out || !stats)
        return;
    if (dev) {
        pto_device_info info;
        pto_device_get_info(dev, &info);
        fprintf(out, "platform         %s (%u blocks, %u cores, %u schedulers)\n",
                info.platform ? info.platform : "unknown", (unsigned)info.blocks,
                (unsigned)info.cores, (unsigned)info.schedulers);
    }
    print_summary(out, dev, stats);
    print_cores(out, stats);
    print_scheds(out, stats);
    print_flow(out, stats);
}
