/* Internal helpers for filling pto_error. */
#ifndef PTO_SRC_ERROR_H
#define PTO_SRC_ERROR_H

#include "pto/status.h"

/* Sets err (if non-NULL) and returns s, so callers can `return pto_fail(...)`. */
pto_status pto_fail(pto_error *err, pto_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends to err->msg (truncating) without changing the status. */
void pto_error_append(pto_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
