/* Helpers shared by the tools library: core names, record validity, file
 * output and checked cJSON building. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tools/tools_internal.h"

void pto_tools_core_label(uint32_t c, char *buf, size_t len)
{
    uint32_t block = c / PTO_CORES_PER_BLOCK;
    if (pto_core_type_of(c) == PTO_CORE_AIC)
        snprintf(buf, len, "b%u.AIC", (unsigned)block);
    else
        snprintf(buf, len, "b%u.AIV%u", (unsigned)block, (unsigned)(c % PTO_CORES_PER_BLOCK - 1));
}

uint32_t pto_tools_core_count(const pto_device_info *info, const pto_stats *stats)
{
    uint32_t cores = info->cores;
    if (stats && stats->cores)
        cores = stats->cores;
    return cores > PTO_MAX_CORES ? PTO_MAX_CORES : cores;
}

int pto_tools_record_valid(const pto_task_record *recs, size_t i)
{
    return recs && recs[i].task_id == (uint64_t)i;
}

int pto_tools_record_dummy(const pto_task_record *r)
{
    return r->core_type == PTO_RECORD_DUMMY || r->core_type == PTO_RECORD_SKIPPED;
}

int pto_tools_record_skipped(const pto_task_record *r)
{
    return r->core_type == PTO_RECORD_SKIPPED;
}

const char *pto_tools_type_name(uint8_t core_type)
{
    switch (core_type) {
    case PTO_CORE_AIC: return "AIC";
    case PTO_CORE_AIV: return "AIV";
    case PTO_RECORD_DUMMY: return "dummy";
    case PTO_RECORD_MIX: return "MIX";
    case PTO_RECORD_SKIPPED: return "skipped";
    default: return "?";
    }
}

const char *pto_tools_record_kernel(const pto_device *dev, const pto_task_record *r)
{
    if (r->core_type == PTO_RECORD_MIX && r->func_id < 0)
        return "mix";
    return pto_kernel_name(dev, r->func_id);
}

pto_status pto_tools_write_text(const char *what, const char *path, const char *text,
                                pto_error *err)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return pto_fail(err, PTO_ERR_IO, "%s: cannot open '%s': %s", what, path, strerror(errno));
    size_t len = strlen(text);
    int bad = fwrite(text, 1, len, f) != len || fputc('\n', f) == EOF;
    int saved = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        saved = errno;
    }
    if (bad)
        return pto_fail(err, PTO_ERR_IO, "%s: cannot write '%s': %s", what, path, strerror(saved));
    return PTO_OK;
}

void pto_json_num(pto_json_builder *b, cJSON *obj, const char *key, double v)
{
    if (b->ok && !cJSON_AddNumberToObject(obj, key, v))
        b->ok = 0;
}

void pto_json_str(pto_json_builder *b, cJSON *obj, const char *key, const char *v)
{
    if (b->ok && !cJSON_AddStringToObject(obj, key, v))
        b->ok = 0;
}

void pto_json_null(pto_json_builder *b, cJSON *obj, const char *key)
{
    if (b->ok && !cJSON_AddNullToObject(obj, key))
        b->ok = 0;
}

void pto_json_append(pto_json_builder *b, cJSON *array, cJSON *item)
{
    if (!b->ok || !item || !cJSON_AddItemToArray(array, item)) {
        cJSON_Delete(item);
        b->ok = 0;
    }
}

cJSON *pto_json_obj(pto_json_builder *b, cJSON *obj, const char *key)
{
    if (!b->ok)
        return NULL;
    cJSON *o;
    if (key) {
        o = cJSON_AddObjectToObject(obj, key);
        if (!o)
            b->ok = 0;
        return o;
    }
    o = cJSON_CreateObject();
    pto_json_append(b, obj, o);
    return b->ok ? o : NULL;
}

cJSON *pto_json_event(pto_json_builder *b, cJSON *events, const char *ph, const char *name, int pid,
                      uint32_t tid)
{
    cJSON *ev = pto_json_obj(b, events, NULL);
    pto_json_str(b, ev, "name", name);
    pto_json_str(b, ev, "ph", ph);
    pto_json_num(b, ev, "pid", pid);
    pto_json_num(b, ev, "tid", tid);
    return b->ok ? ev : NULL;
}

void pto_json_meta(pto_json_builder *b, cJSON *events, const char *meta, int pid, uint32_t tid,
                   const char *key, const char *value_str, double value_num)
{
    cJSON *ev = pto_json_event(b, events, "M", meta, pid, tid);
    cJSON *args = pto_json_obj(b, ev, "args");
    if (value_str)
        pto_json_str(b, args, key, value_str);
    else
        pto_json_num(b, args, key, value_num);
}

size_t pto_tools_records(const pto_device *dev, const pto_task_record **recs)
{
    size_t n = 0;
    *recs = NULL;
    pto_last_run_records(dev, recs, &n);
    return *recs ? n : 0;
}
