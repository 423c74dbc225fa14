/* The random-program generators' source of numbers: splitmix64 over a
 * 64-bit state, and a value below n (n > 0; the modulo bias is harmless
 * for test generation). */
#ifndef PTO_TESTS_RAND_H
#define PTO_TESTS_RAND_H

#include <stdint.h>

static inline uint64_t next_rand(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint32_t below(uint64_t *x, uint32_t n) { return (uint32_t)(next_rand(x) % n); }

#endif
