/* Helpers shared by the files of libpto_tools (not installed). */
#ifndef PTO_SRC_TOOLS_INTERNAL_H
#define PTO_SRC_TOOLS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "pto/tools.h"

/* The tools use only the public API (pto_fail included), so they link with
 * libpto.so or with the library's objects alike. */

/* "b<block>.AIC" or "b<block>.AIV<k>" for core index c: the lane and table
 * name of a core everywhere in the tools. */
void pto_tools_core_label(uint32_t c, char *buf, size_t len);

/* The run's core count: stats->cores when given, else the device's,
 * clamped to PTO_MAX_CORES. */
uint32_t pto_tools_core_count(const pto_device_info *info, const pto_stats *stats);

/* The last run's task records (*recs, indexed by task id); returns how many
 * (0 and *recs NULL when there are none). */
size_t pto_tools_records(const pto_device *dev, const pto_task_record **recs);

/* Whether recs[i] was written for task i of the last run. Records are
 * indexed by task id but a dependency-only task may leave its slot
 * unwritten (still zero, or left from an earlier run): such a slot carries
 * another task id and is not a record of task i. */
int pto_tools_record_valid(const pto_task_record *recs, size_t i);

/* A record of a dependency-only (dummy) task: no kernel, no core. */
/* No kernel ran and no core was used: a dependency-only task, or a task
 * its predicate skipped (pto_tools_record_skipped). */
int pto_tools_record_dummy(const pto_task_record *r);
int pto_tools_record_skipped(const pto_task_record *r);

/* "AIC", "AIV", "dummy" or "MIX" (a task on several cores of one cluster)
 * for a record's core_type. */
const char *pto_tools_type_name(uint8_t core_type);

/* The kernel name a record is shown with: its func_id's, or "mix" for a
 * MIX task without an AIC part (its func_id is -1). */
const char *pto_tools_record_kernel(const pto_device *dev, const pto_task_record *r);

/* Writes text plus a trailing newline to path ("what" names the file kind
 * in error messages, e.g. "trace"). */
pto_status pto_tools_write_text(const char *what, const char *path, const char *text,
                                pto_error *err);

/* cJSON building with one sticky success flag: after the first failed
 * insertion every helper is a no-op and ok stays 0. */
typedef struct pto_json_builder {
    int ok;
} pto_json_builder;

void pto_json_num(pto_json_builder *b, cJSON *obj, const char *key, double v);
void pto_json_str(pto_json_builder *b, cJSON *obj, const char *key, const char *v);
void pto_json_null(pto_json_builder *b, cJSON *obj, const char *key);
/* New object added under key (or appended when obj is an array and key is
 * NULL); NULL on failure. */
cJSON *pto_json_obj(pto_json_builder *b, cJSON *obj, const char *key);
/* Appends item to array (deleting it on failure). */
void pto_json_append(pto_json_builder *b, cJSON *array, cJSON *item);

/* Chrome trace events. pto_json_event appends {"name","ph","pid","tid"} to
 * events and returns it (NULL on failure). pto_json_meta appends the
 * metadata event {"ph":"M","name":meta,"args":{key:value}}; value_str NULL
 * means the numeric value_num. */
cJSON *pto_json_event(pto_json_builder *b, cJSON *events, const char *ph, const char *name, int pid,
                      uint32_t tid);
void pto_json_meta(pto_json_builder *b, cJSON *events, const char *meta, int pid, uint32_t tid,
                   const char *key, const char *value_str, double value_num);

#endif
