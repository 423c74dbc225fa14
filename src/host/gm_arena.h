/* GM arena: the simulated device's global memory.
 *
 * Invariants: one contiguous 64-byte-aligned region of `bytes` allocated at
 * device open; at most max_allocs live allocations; every returned pointer is
 * 64-byte aligned and lies inside the region. Internally locked: any thread
 * may call these. */
#ifndef PTO_SRC_GM_ARENA_H
#define PTO_SRC_GM_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "pto/status.h"

typedef struct pto_gm pto_gm;

pto_status pto_gm_create(size_t bytes, uint32_t max_allocs, pto_gm **out,
                         pto_error *err);
void pto_gm_destroy(pto_gm *gm);
/* bytes == 0 or larger than the arena: PTO_ERR_INVALID; no fit: PTO_ERR_NOMEM. */
pto_status pto_gm_alloc(pto_gm *gm, size_t bytes, void **out, pto_error *err);
/* Foreign pointer, interior pointer or double free: PTO_ERR_INVALID. */
pto_status pto_gm_free(pto_gm *gm, void *p, pto_error *err);
/* OK iff [p, p+bytes) lies inside one live allocation. */
pto_status pto_gm_check_range(pto_gm *gm, const void *p, size_t bytes,
                              pto_error *err);
size_t pto_gm_size(const pto_gm *gm);
size_t pto_gm_live_bytes(pto_gm *gm);

#endif
