/* Plain-decimal parsing of user-typed numbers (see env.h). */
#include "util/env.h"

#include <stdlib.h>

#include "util/error.h"

const char *pto_parse_decimal(const char *text, uint64_t *out)
{
    const char *s = text;
    if (!s || !*s)
        return "it is empty";
    if (*s == '-' || *s == '+')
        return "a sign is not allowed";
    if (*s == ' ' || *s == '\t' || *s == '\n')
        return "spaces are not allowed";
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        return "hexadecimal is not allowed";
    if (s[0] == '0' && s[1])
        return "a leading zero is not allowed (it reads as octal elsewhere)";
    uint64_t x = 0;
    for (; *s; s++) {
        if (*s == ' ' || *s == '\t' || *s == '\n')
            return "spaces are not allowed";
        if (*s < '0' || *s > '9')
            return "it is not a decimal number";
        unsigned d = (unsigned)(*s - '0');
        if (x > (UINT64_MAX - d) / 10)
            return "it is larger than 18446744073709551615";
        x = x * 10 + d;
    }
    *out = x;
    return NULL;
}

pto_status pto_env_u64(const char *name, uint64_t *out, int *set, pto_error *err)
{
    *set = 0;
    const char *v = getenv(name);
    if (!v)
        return PTO_OK;
    uint64_t x;
    const char *why = pto_parse_decimal(v, &x);
    if (why)
        return pto_fail(err, PTO_ERR_INVALID,
                        "%s='%.80s' is not valid: %s (give a plain decimal number, or "
                        "unset it for the default)",
                        name, v, why);
    *out = x;
    *set = 1;
    return PTO_OK;
}
