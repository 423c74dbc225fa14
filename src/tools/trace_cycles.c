/* Chrome trace-event export of a device's last run in semantic time.
 *
 * Output (one JSON object, opens in Perfetto and chrome://tracing, which
 * read the numbers as microseconds: one displayed microsecond is one cycle):
 *
 *   { "traceEvents": [ ...metadata..., ...tasks..., ...dummies... ],
 *     "otherData": { "platform": ..., "time_unit": "cycles",
 *                    "total_cycles": ..., ... } }
 *
 * Lanes:
 *   pid 1 "AICore"          : tid c = core c, named like the wall trace and
 *                             the stats table (b<block>.AIC / .AIV<k>); one
 *                             complete event per task, ts = start_cycle,
 *                             dur = end_cycle - start_cycle, args {task_id,
 *                             func_id, cycles}.
 *   pid 2 "dependency-only" : present only when dependency-only tasks have
 *                             records: one instant event each at end_cycle.
 *   pid 3 "CSP processes"   : present only when the run had CSP processes
 *                             (pto/csp.h): tid p = process p, its tasks
 *                             again (dependency-only ones with dur 0), and
 *                             a flow arrow (cat "token", named after the
 *                             channel) from each token's sending task's end
 *                             to its receiving task's start.
 *
 * Only semantic quantities are written (no wall times, no addresses, no
 * thread ids), and records are visited in task-id order, so identical
 * records give a byte-identical file: deterministic runs reproduce it. */
#include <stdio.h>

#include "pto/csp.h"
#include "tools/tools_internal.h"

enum { PID_AICORE = 1, PID_DUMMY = 2, PID_PROCESS = 3 };

static void add_lanes(pto_json_builder *b, cJSON *events, uint32_t cores, int dummies)
{
    pto_json_meta(b, events, "process_name", PID_AICORE, 0, "name", "AICore", 0);
    pto_json_meta(b, events, "process_sort_index", PID_AICORE, 0, "sort_index", NULL, 1);
    for (uint32_t c = 0; c < cores; c++) {
        char name[32];
        pto_tools_core_label(c, name, sizeof name);
        pto_json_meta(b, events, "thread_name", PID_AICORE, c, "name", name, 0);
        pto_json_meta(b, events, "thread_sort_index", PID_AICORE, c, "sort_index", NULL, c);
    }
    if (dummies) {
        pto_json_meta(b, events, "process_name", PID_DUMMY, 0, "name", "dependency-only", 0);
        pto_json_meta(b, events, "process_sort_index", PID_DUMMY, 0, "sort_index", NULL, 2);
        pto_json_meta(b, events, "thread_name", PID_DUMMY, 0, "name", "dummy", 0);
    }
}

static void add_task(pto_json_builder *b, cJSON *events, const pto_device *dev,
                     const pto_task_record *r)
{
    uint64_t dur = r->end_cycle >= r->start_cycle ? r->end_cycle - r->start_cycle : 0;
    cJSON *ev =
        pto_json_event(b, events, "X", pto_tools_record_kernel(dev, r), PID_AICORE, r->core);
    pto_json_num(b, ev, "ts", (double)r->start_cycle);
    pto_json_num(b, ev, "dur", (double)dur);
    cJSON *args = pto_json_obj(b, ev, "args");
    pto_json_num(b, args, "task_id", (double)r->task_id);
    pto_json_num(b, args, "func_id", r->func_id);
    pto_json_num(b, args, "cycles", (double)dur);
    if (r->parts > 1) { /* SPMD or MIX: shown on its first core */
        pto_json_str(b, args, "core_type", pto_tools_type_name(r->core_type));
        pto_json_num(b, args, "parts", r->parts);
    }
}

/* A dependency-only task, or one its predicate skipped: an instant at the
 * cycle it completed (a skipped one named "skipped <kernel>"). */
static void add_dummy(pto_json_builder *b, cJSON *events, const pto_device *dev,
                      const pto_task_record *r)
{
    int skipped = pto_tools_record_skipped(r);
    char name[96];
    snprintf(name, sizeof name, "skipped %s", skipped ? pto_tools_record_kernel(dev, r) : "");
    cJSON *ev = pto_json_event(b, events, "i", skipped ? name : "dummy", PID_DUMMY, 0);
    pto_json_num(b, ev, "ts", (double)r->end_cycle);
    pto_json_str(b, ev, "s", "t");
    cJSON *args = pto_json_obj(b, ev, "args");
    pto_json_num(b, args, "task_id", (double)r->task_id);
    if (skipped) {
        pto_json_num(b, args, "func_id", r->func_id);
        pto_json_str(b, args, "skipped", "predicate false");
    }
}

/* CSP: one lane per process, its tasks on it, and the tokens' arrows. */
static void add_processes(pto_json_builder *b, cJSON *events, const pto_device *dev,
                          const pto_task_record *recs, size_t nrecs)
{
    uint32_t n = pto_last_run_processes(dev);
    pto_json_meta(b, events, "process_name", PID_PROCESS, 0, "name", "CSP processes", 0);
    pto_json_meta(b, events, "process_sort_index", PID_PROCESS, 0, "sort_index", NULL, 0);
    for (uint32_t p = 0; p < n; p++) {
        pto_json_meta(b, events, "thread_name", PID_PROCESS, p, "name",
                      pto_last_run_process_name(dev, p), 0);
        pto_json_meta(b, events, "thread_sort_index", PID_PROCESS, p, "sort_index", NULL, p);
    }
    for (size_t i = 0; i < nrecs && b->ok; i++) {
        uint32_t p = pto_last_run_task_process(dev, i);
        if (!p || !pto_tools_record_valid(recs, i))
            continue;
        const pto_task_record *r = &recs[i];
        int dummy = pto_tools_record_dummy(r) && !pto_tools_record_skipped(r);
        cJSON *ev = pto_json_event(b, events, "X", dummy ? "dummy" : pto_tools_record_kernel(dev, r),
                                   PID_PROCESS, p - 1);
        pto_json_num(b, ev, "ts", (double)r->start_cycle);
        pto_json_num(b, ev, "dur", (double)(r->end_cycle - r->start_cycle));
        cJSON *args = pto_json_obj(b, ev, "args");
        pto_json_num(b, args, "task_id", (double)r->task_id);
    }
    const pto_token_record *tok;
    size_t ntok;
    pto_last_run_tokens(dev, &tok, &ntok);
    for (size_t k = 0; k < ntok && b->ok; k++) {
        uint64_t s = tok[k].send_task, d = tok[k].recv_task;
        uint32_t ps = s < nrecs ? pto_last_run_task_process(dev, s) : 0;
        uint32_t pd = d < nrecs ? pto_last_run_task_process(dev, d) : 0;
        if (!ps || !pd || !pto_tools_record_valid(recs, s) || !pto_tools_record_valid(recs, d))
            continue;
        const char *ch = pto_last_run_channel_name(dev, tok[k].channel);
        cJSON *from = pto_json_event(b, events, "s", ch ? ch : "token", PID_PROCESS, ps - 1);
        pto_json_num(b, from, "ts", (double)recs[s].end_cycle);
        pto_json_str(b, from, "cat", "token");
        pto_json_num(b, from, "id", (double)k);
        cJSON *to = pto_json_event(b, events, "f", ch ? ch : "token", PID_PROCESS, pd - 1);
        pto_json_num(b, to, "ts", (double)recs[d].start_cycle);
        pto_json_str(b, to, "cat", "token");
        pto_json_num(b, to, "id", (double)k);
        pto_json_str(b, to, "bp", "e");
        cJSON *args = pto_json_obj(b, to, "args");
        pto_json_num(b, args, "token", tok[k].token);
    }
}

pto_status pto_trace_write_chrome_cycles(const pto_device *dev, const pto_stats *stats,
                                         const char *path, pto_error *err)
{
    if (!dev || !path)
        return pto_fail(err, PTO_ERR_INVALID, "cycle trace: device and path are required");

    pto_device_info info;
    pto_device_get_info(dev, &info);
    const pto_task_record *recs;
    size_t nrecs = pto_tools_records(dev, &recs);
    uint32_t cores = pto_tools_core_count(&info, stats);

    /* One pass to size things up: dummies, tasks without a record, the
     * latest end (total_cycles when no stats are given). */
    size_t dummies = 0, unrecorded = 0, kernels = 0, skipped = 0;
    uint64_t latest = 0;
    for (size_t i = 0; i < nrecs; i++) {
        if (!pto_tools_record_valid(recs, i)) {
            unrecorded++;
            continue;
        }
        skipped += pto_tools_record_skipped(&recs[i]);
        if (pto_tools_record_dummy(&recs[i]))
            dummies++;
        else
            kernels++;
        if (recs[i].end_cycle > latest)
            latest = recs[i].end_cycle;
    }

    pto_json_builder b = {1};
    cJSON *root = cJSON_CreateObject();
    cJSON *events = root ? cJSON_AddArrayToObject(root, "traceEvents") : NULL;
    if (!events)
        b.ok = 0;
    add_lanes(&b, events, cores, dummies != 0);
    for (size_t i = 0; i < nrecs && b.ok; i++) {
        const pto_task_record *r = &recs[i];
        if (!pto_tools_record_valid(recs, i))
            continue;
        if (pto_tools_record_dummy(r))
            add_dummy(&b, events, dev, r);
        else
            add_task(&b, events, dev, r);
    }
    if (pto_last_run_processes(dev))
        add_processes(&b, events, dev, recs, nrecs);

    cJSON *other = pto_json_obj(&b, root, "otherData");
    pto_json_str(&b, other, "platform", info.platform ? info.platform : "unknown");
    pto_json_str(&b, other, "time_unit", "cycles");
    pto_json_num(&b, other, "total_cycles", (double)(stats ? stats->total_cycles : latest));
    pto_json_num(&b, other, "blocks", info.blocks);
    pto_json_num(&b, other, "cores", cores);
    pto_json_num(&b, other, "records", (double)nrecs);
    pto_json_num(&b, other, "kernel_tasks", (double)kernels);
    pto_json_num(&b, other, "skipped_tasks", (double)skipped);
    pto_json_num(&b, other, "dependency_only_tasks", (double)(dummies + unrecorded));
    if (stats) {
        pto_json_num(&b, other, "tasks", (double)stats->tasks);
        pto_json_num(&b, other, "records_dropped", (double)stats->records_dropped);
        pto_json_num(&b, other, "uncosted_tasks", (double)stats->uncosted_tasks);
        if (stats->uncosted_tasks)
            pto_json_str(&b, other, "uncosted_kernel", pto_kernel_name(dev, stats->uncosted_func));
    }

    char *text = b.ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return pto_fail(err, PTO_ERR_NOMEM,
                        "cycle trace: out of memory building the JSON for %zu records", nrecs);
    pto_status s = pto_tools_write_text("cycle trace", path, text, err);
    cJSON_free(text);
    return s;
}
