#include "util/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

pto_status pto_fail(pto_error *err, pto_status s, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = s;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return s;
}

void pto_error_append(pto_error *err, const char *fmt, ...)
{
    if (!err)
        return;
    size_t len = strnlen(err->msg, sizeof err->msg);
    if (len + 1 >= sizeof err->msg)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg + len, sizeof err->msg - len, fmt, ap);
    va_end(ap);
}

const char *pto_status_name(pto_status s)
{
    static const char *const names[] = {
        "PTO_OK",
        "PTO_ERR_INVALID",
        "PTO_ERR_NOMEM",
        "PTO_ERR_NOT_FOUND",
        "PTO_ERR_TOOLCHAIN",
        "PTO_ERR_COMPILE",
        "PTO_ERR_CYCLE",
        "PTO_ERR_CAPACITY",
        "PTO_ERR_DEADLOCK",
        "PTO_ERR_TIMEOUT",
        "PTO_ERR_KERNEL",
        "PTO_ERR_IO",
        "PTO_ERR_STATE",
    };
    if ((unsigned)s < sizeof names / sizeof names[0])
        return names[s];
    return "PTO_ERR_UNKNOWN";
}
