/* Chrome trace-event export of a device's last run.
 *
 * Output (one JSON object, opens in Perfetto and chrome://tracing):
 *
 *   { "traceEvents": [ ...metadata..., ...scheduler spans..., ...tasks... ],
 *     "displayTimeUnit": "ns",
 *     "otherData": { "platform": ..., "time_unit": "wall-clock microseconds",
 *                    ... run totals ... } }
 *
 * Lanes:
 *   pid 0 "AICPU"  : tid i = scheduler thread i, one complete event spanning
 *                    its active time (sched[i].start_ns .. end_ns).
 *   pid 1 "AICore" : tid c = core c (block c / 3; c % 3 == 0 is the AIC),
 *                    one complete event ("ph":"X") per task record
 *                    (dependency-only tasks run no kernel and are left out).
 * ts and dur are microseconds since launch as doubles (ns precision kept in
 * the fraction). Every lane gets thread_name and thread_sort_index metadata
 * so empty cores still show up as rows.
 *
 * The JSON tree is built with cJSON; every insertion is checked, an
 * allocation failure anywhere yields PTO_ERR_NOMEM and no file is written. */
#include <stdio.h>

#include <cjson/cJSON.h>

#include "tools/tools_internal.h"

enum { PID_AICPU = 0, PID_AICORE = 1 };

static double ns_to_us(uint64_t ns) { return (double)ns / 1000.0; }

static void add_lanes(pto_json_builder *b, cJSON *events, uint32_t cores, uint32_t scheds)
{
    pto_json_meta(b, events, "process_name", PID_AICPU, 0, "name", "AICPU", 0);
    pto_json_meta(b, events, "process_sort_index", PID_AICPU, 0, "sort_index", NULL, 0);
    pto_json_meta(b, events, "process_name", PID_AICORE, 0, "name", "AICore", 0);
    pto_json_meta(b, events, "process_sort_index", PID_AICORE, 0, "sort_index", NULL, 1);
    for (uint32_t i = 0; i < scheds; i++) {
        char name[32];
        snprintf(name, sizeof name, "sched%u", (unsigned)i);
        pto_json_meta(b, events, "thread_name", PID_AICPU, i, "name", name, 0);
        pto_json_meta(b, events, "thread_sort_index", PID_AICPU, i, "sort_index", NULL, i);
    }
    for (uint32_t c = 0; c < cores; c++) {
        char name[32];
        pto_tools_core_label(c, name, sizeof name);
        pto_json_meta(b, events, "thread_name", PID_AICORE, c, "name", name, 0);
        pto_json_meta(b, events, "thread_sort_index", PID_AICORE, c, "sort_index", NULL, c);
    }
}

static void add_sched_spans(pto_json_builder *b, cJSON *events, const pto_stats *st,
                            uint32_t scheds)
{
    for (uint32_t i = 0; i < scheds && b->ok; i++) {
        const pto_sched_stats *s = &st->sched[i];
        if (s->end_ns < s->start_ns || (s->start_ns == 0 && s->end_ns == 0))
            continue; /* thread reported no active span */
        char name[32];
        snprintf(name, sizeof name, "scheduler %u", (unsigned)i);
        cJSON *ev = pto_json_event(b, events, "X", name, PID_AICPU, i);
        if (!ev)
            return;
        pto_json_num(b, ev, "ts", ns_to_us(s->start_ns));
        pto_json_num(b, ev, "dur", ns_to_us(s->end_ns - s->start_ns));
        cJSON *args = cJSON_AddObjectToObject(ev, "args");
        if (!args) {
            b->ok = 0;
            return;
        }
        pto_json_num(b, args, "dispatched", (double)s->dispatched);
        pto_json_num(b, args, "completed", (double)s->completed);
        pto_json_num(b, args, "parks", (double)s->parks);
    }
}

/* A task its predicate skipped: no core ran it, so it is an instant on
 * the AICore process, "skipped <kernel>", when it was released. */
static void add_skipped(pto_json_builder *b, cJSON *events, const pto_device *dev,
                        const pto_task_record *r)
{
    char name[96];
    snprintf(name, sizeof name, "skipped %s", pto_tools_record_kernel(dev, r));
    cJSON *ev = pto_json_event(b, events, "i", name, PID_AICORE, 0);
    if (!ev)
        return;
    pto_json_num(b, ev, "ts", ns_to_us(r->end_ns));
    pto_json_str(b, ev, "s", "p");
    cJSON *args = pto_json_obj(b, ev, "args");
    pto_json_num(b, args, "task_id", (double)r->task_id);
    pto_json_num(b, args, "func_id", r->func_id);
    pto_json_str(b, args, "skipped", "predicate false");
}

static void add_tasks(pto_json_builder *b, cJSON *events, const pto_device *dev,
                      const pto_task_record *recs, size_t n)
{
    for (size_t i = 0; i < n && b->ok; i++) {
        const pto_task_record *r = &recs[i];
        if (!pto_tools_record_valid(recs, i))
            continue;
        if (pto_tools_record_skipped(r)) { /* its predicate was false */
            add_skipped(b, events, dev, r);
            continue;
        }
        if (pto_tools_record_dummy(r))
            continue; /* no kernel ran: nothing to show on a core lane */
        uint64_t dur = r->end_ns >= r->start_ns ? r->end_ns - r->start_ns : 0;
        cJSON *ev =
            pto_json_event(b, events, "X", pto_tools_record_kernel(dev, r), PID_AICORE, r->core);
        if (!ev)
            return;
        pto_json_num(b, ev, "ts", ns_to_us(r->start_ns));
        pto_json_num(b, ev, "dur", ns_to_us(dur));
        cJSON *args = cJSON_AddObjectToObject(ev, "args");
        if (!args) {
            b->ok = 0;
            return;
        }
        pto_json_num(b, args, "task_id", (double)r->task_id);
        pto_json_num(b, args, "func_id", r->func_id);
        pto_json_num(b, args, "sched", r->sched);
        if (r->parts > 1) { /* SPMD or MIX: shown on its first core */
            pto_json_str(b, args, "core_type", pto_tools_type_name(r->core_type));
            pto_json_num(b, args, "parts", r->parts);
        }
    }
}

static void add_other(pto_json_builder *b, cJSON *root, const pto_device_info *info,
                      const pto_stats *st, size_t nrecs)
{
    cJSON *other = cJSON_AddObjectToObject(root, "otherData");
    if (!other) {
        b->ok = 0;
        return;
    }
    pto_json_str(b, other, "platform", info->platform ? info->platform : "unknown");
    pto_json_str(b, other, "time_unit", "wall-clock microseconds");
    pto_json_num(b, other, "blocks", info->blocks);
    pto_json_num(b, other, "cores", info->cores);
    pto_json_num(b, other, "schedulers", info->schedulers);
    pto_json_num(b, other, "records", (double)nrecs);
    if (st) {
        pto_json_num(b, other, "tasks", (double)st->tasks);
        pto_json_num(b, other, "wall_ns", (double)st->wall_ns);
        pto_json_num(b, other, "orch_ns", (double)st->orch_ns);
        pto_json_num(b, other, "records_dropped", (double)st->records_dropped);
    }
}

pto_status pto_trace_write_chrome(const pto_device *dev, const pto_stats *stats, const char *path,
                                  pto_error *err)
{
    if (!dev || !path)
        return pto_fail(err, PTO_ERR_INVALID, "trace: device and path are required");

    pto_device_info info;
    pto_device_get_info(dev, &info);
    const pto_task_record *recs;
    size_t nrecs = pto_tools_records(dev, &recs);

    /* The run's own counts win; clamp to what pto_stats can hold. */
    uint32_t cores = pto_tools_core_count(&info, stats);
    uint32_t scheds = info.schedulers;
    if (stats && stats->schedulers)
        scheds = stats->schedulers;
    if (scheds > PTO_MAX_AICPU_THREADS)
        scheds = PTO_MAX_AICPU_THREADS;

    pto_json_builder b = {1};
    cJSON *root = cJSON_CreateObject();
    cJSON *events = root ? cJSON_AddArrayToObject(root, "traceEvents") : NULL;
    if (!events)
        b.ok = 0;
    add_lanes(&b, events, cores, scheds);
    if (stats)
        add_sched_spans(&b, events, stats, scheds);
    add_tasks(&b, events, dev, recs, nrecs);
    pto_json_str(&b, root, "displayTimeUnit", "ns");
    add_other(&b, root, &info, stats, nrecs);

    char *text = b.ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (!text)
        return pto_fail(err, PTO_ERR_NOMEM,
                        "trace: out of memory building the JSON for %zu records", nrecs);
    pto_status s = pto_tools_write_text("trace", path, text, err);
    cJSON_free(text);
    return s;
}
