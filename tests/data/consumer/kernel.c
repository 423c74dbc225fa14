/* A kernel compiled by the installed library from source: it needs the
 * installed headers. */
#include <pto/kernel.h>

void set41(const uint64_t *args) { *(float *)pto_bits_ptr(args[0]) += 41.0f; }
