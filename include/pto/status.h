/* Status codes and error messages. Every fallible pto_ call returns a
 * pto_status and, when given a non-NULL pto_error, fills it with a message. */
#ifndef PTO_STATUS_H
#define PTO_STATUS_H

#include "pto/export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum pto_status {
    PTO_OK = 0,
    PTO_ERR_INVALID,   /* bad argument or configuration */
    PTO_ERR_NOMEM,     /* device/host memory exhausted */
    PTO_ERR_NOT_FOUND, /* unknown func_id, symbol, file, platform */
    PTO_ERR_TOOLCHAIN, /* a required toolchain (compiler, CANN) is missing */
    PTO_ERR_COMPILE,   /* kernel/orchestration source failed to compile */
    PTO_ERR_CYCLE,     /* explicit dependency would create a cycle */
    PTO_ERR_CAPACITY,  /* a bounded resource cannot hold the request */
    PTO_ERR_DEADLOCK,  /* no progress is possible; see the report */
    PTO_ERR_TIMEOUT,   /* watchdog fired */
    PTO_ERR_KERNEL,    /* a kernel could not be dispatched or run */
    PTO_ERR_IO,        /* file or OS error */
    PTO_ERR_STATE      /* call not valid in the current state */
} pto_status;

#define PTO_ERROR_MSG_MAX 4096

/* Filled by failing calls. msg is always NUL-terminated. */
typedef struct pto_error {
    pto_status status;
    char msg[PTO_ERROR_MSG_MAX];
} pto_error;

/* Sets err (when non-NULL) to status s and the printf-style message, and
 * returns s, so a failing function -- an orchestration function, a tool --
 * can `return pto_fail(err, PTO_ERR_INVALID, "...", ...)`. */
PTO_API pto_status pto_fail(pto_error *err, pto_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Stable upper-case name of a status, e.g. "PTO_ERR_CYCLE". */
PTO_API const char *pto_status_name(pto_status s);

#ifdef __cplusplus
}
#endif
#endif
