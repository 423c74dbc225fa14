/* Numbers from the environment (and any other text a user types): plain
 * decimal only. "010" is not octal 8 nor decimal 10 but an error, as are
 * "0x10", "-1", "+1", " 1", "1 ", "" and anything above UINT64_MAX: a value
 * that could mean two things, or that strtoull would wrap, is refused with
 * a message quoting the text as given. */
#ifndef PTO_SRC_ENV_H
#define PTO_SRC_ENV_H

#include <stdint.h>

#include "pto/device.h" /* pto_parse_decimal */
#include "pto/status.h"

/* Environment variable `name` as a plain decimal number: PTO_OK with
 * *set = 0 (and *out untouched) when unset, *set = 1 when parsed, or
 * PTO_ERR_INVALID naming the variable and quoting its text. */
pto_status pto_env_u64(const char *name, uint64_t *out, int *set, pto_error *err);

#endif
