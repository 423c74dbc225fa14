/* The capability matrix (DESIGN 6.3): for every schedule directive, CSP
 * feature and predicate mechanism (a row) and every platform and execution
 * mode (a column), what the runtime does when a run asks for it:
 *
 *   ENFORCED     it behaves as specified
 *   RECORDED     kept in the statistics, no change of behaviour
 *   DIAGNOSED    ignored: the run proceeds, with one "pto: note: ..." line
 *                on stderr and a count in pto_stats.diagnosed
 *   UNSUPPORTED  the run is refused before anything executes, with
 *                PTO_ERR_INVALID naming the directive and the platform
 *
 * The matrix is one table of data in the library; these calls enumerate
 * it (`pto caps` prints it). Rows and columns are numbered from 0 in the
 * table's order; a row's number is stable once published (new rows are
 * appended). */
#ifndef PTO_CAPS_H
#define PTO_CAPS_H

#include <stdint.h>

#include "pto/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pto_cap_level {
    PTO_CAP_ENFORCED = 0,
    PTO_CAP_RECORDED,
    PTO_CAP_DIAGNOSED,
    PTO_CAP_UNSUPPORTED
} pto_cap_level;

/* "ENFORCED", "RECORDED", "DIAGNOSED", "UNSUPPORTED"; "UNKNOWN" otherwise. */
PTO_API const char *pto_cap_level_name(pto_cap_level level);

/* Rows: the features, e.g. "dispatch(round_robin)", "task_window(tasks,
 * STALL)". pto_caps_feature returns NULL for row >= pto_caps_rows(). */
PTO_API uint32_t pto_caps_rows(void);
PTO_API const char *pto_caps_feature(uint32_t row);

/* Columns: a platform (its pto_device_open name) and one of its execution
 * modes ("threaded", "deterministic"; "" for a platform with none yet, as
 * the toolchain-gated a2a3). NULL for column >= pto_caps_columns(). */
PTO_API uint32_t pto_caps_columns(void);
PTO_API const char *pto_caps_column_platform(uint32_t column);
PTO_API const char *pto_caps_column_mode(uint32_t column);

/* The level of a row in a column; PTO_CAP_UNSUPPORTED when either is out
 * of range. */
PTO_API pto_cap_level pto_caps_level(uint32_t row, uint32_t column);

#ifdef __cplusplus
}
#endif
#endif
