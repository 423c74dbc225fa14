#include "core/redzone.h"

/* The canary of the byte at address a: a multiplicative hash of the
 * address, so neighbouring bytes differ and no constant fills a zone, and
 * never 0x00, so a stored zero byte (the commonest stray value) is always
 * seen. */
static inline uint8_t canary(uintptr_t a)
{
    uint8_t c = (uint8_t)((((uint64_t)a * 0x9e3779b97f4a7c15ull) >> 56) ^ 0xa5);
    return c ? c : 0x5a;
}

/* Reads and writes here touch poisoned bytes on purpose. */
#ifdef PTO_ASAN
#define NO_ASAN __attribute__((no_sanitize_address))
#else
#define NO_ASAN
#endif

NO_ASAN static void fill(uint8_t *lo, uint8_t *hi)
{
    for (volatile uint8_t *q = lo; q < hi; q++)
        *q = canary((uintptr_t)q);
}

/* First and last damaged byte of [lo, hi), or 0. */
NO_ASAN static int scan(const uint8_t *lo, const uint8_t *hi, const uint8_t **first,
                        const uint8_t **last)
{
    *first = *last = 0;
    for (const volatile uint8_t *q = lo; q < hi; q++)
        if (*q != canary((uintptr_t)q)) {
            if (!*first)
                *first = (const uint8_t *)q;
            *last = (const uint8_t *)q;
        }
    return *first != 0;
}

void pto_redzone_arm(uint8_t *p, uint64_t bytes)
{
    uint8_t *end = p + pto_redzone_tail_end(bytes);
    fill(p - PTO_REDZONE, p);
    fill(p + bytes, end);
    PTO_ASAN_POISON(p - PTO_REDZONE, PTO_REDZONE);
    PTO_ASAN_POISON(p + bytes, (uint64_t)(end - (p + bytes)));
}

void pto_redzone_disarm(uint8_t *p, uint64_t bytes)
{
    PTO_ASAN_UNPOISON(p - PTO_REDZONE, PTO_REDZONE);
    PTO_ASAN_UNPOISON(p + bytes, pto_redzone_tail_end(bytes) - bytes);
}

int pto_redzone_check(const uint8_t *p, uint64_t bytes, pto_redzone_damage *d)
{
    const uint8_t *first, *last;
    if (scan(p - PTO_REDZONE, p, &first, &last))
        d->after = 0;
    else if (scan(p + bytes, p + pto_redzone_tail_end(bytes), &first, &last))
        d->after = 1;
    else
        return 0;
    d->first = (int64_t)(first - p);
    d->last = (int64_t)(last - p);
    return 1;
}
