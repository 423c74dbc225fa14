/* Small integer helpers. */
#ifndef PTO_CORE_BITS_H
#define PTO_CORE_BITS_H

#include <stddef.h>
#include <stdint.h>

static inline int pto_is_pow2(uint64_t x) { return x && !(x & (x - 1)); }
static inline size_t pto_round_up(size_t x, size_t a) { return (x + a - 1) / a * a; }

#endif
