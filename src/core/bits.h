/* Small integer helpers. */
#ifndef PTO_CORE_BITS_H
#define PTO_CORE_BITS_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static inline int pto_is_pow2(uint64_t x) { return x && !(x & (x - 1)); }
static inline size_t pto_round_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

/* Zeroed memory on a cache-line boundary, for objects whose _Alignas(64)
 * members separate lines written by different threads (calloc only
 * guarantees 16 bytes). Release with free(). */
static inline void *pto_zalloc_lines(size_t bytes)
{
    size_t n = pto_round_up(bytes ? bytes : 1, 64);
    void *p = aligned_alloc(64, n);
    if (p)
        memset(p, 0, n);
    return p;
}

#endif
