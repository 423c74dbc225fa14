/* Internal helpers for filling pto_error. */
#ifndef PTO_SRC_ERROR_H
#define PTO_SRC_ERROR_H

#include "pto/status.h"

/* pto_fail (setting err and returning the status) is public: pto/status.h. */

/* Appends to err->msg (truncating) without changing the status. */
void pto_error_append(pto_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
