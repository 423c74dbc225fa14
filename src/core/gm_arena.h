/* GM arena: the simulated device's global memory.
 *
 * Invariants: one contiguous 64-byte-aligned region of `bytes` allocated at
 * device open; at most max_allocs live allocations; every returned pointer is
 * 64-byte aligned and lies inside the region. Internally locked: any thread
 * may call these.
 *
 * Guarded arenas (bounds-checking mode) put a red zone of PTO_REDZONE bytes
 * before every allocation and one after it (from the end of the requested
 * bytes through the 64-byte padding and PTO_REDZONE more; core/redzone.h):
 * each allocation occupies round64(bytes) + 128 bytes of the region. */
#ifndef PTO_SRC_GM_ARENA_H
#define PTO_SRC_GM_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "pto/status.h"

typedef struct pto_gm pto_gm;

pto_status pto_gm_create(size_t bytes, uint32_t max_allocs, pto_gm **out, pto_error *err);
/* The same, with red zones around every allocation when guarded != 0. */
pto_status pto_gm_create_guarded(size_t bytes, uint32_t max_allocs, int guarded, pto_gm **out,
                                 pto_error *err);
void pto_gm_destroy(pto_gm *gm);
/* bytes == 0 or larger than the arena: PTO_ERR_INVALID; no fit: PTO_ERR_NOMEM. */
pto_status pto_gm_alloc(pto_gm *gm, size_t bytes, void **out, pto_error *err);
/* Foreign pointer, interior pointer or double free: PTO_ERR_INVALID. */
pto_status pto_gm_free(pto_gm *gm, void *p, pto_error *err);
/* OK iff [p, p+bytes) lies inside one live allocation. */
pto_status pto_gm_check_range(pto_gm *gm, const void *p, size_t bytes, pto_error *err);
size_t pto_gm_size(const pto_gm *gm);
int pto_gm_guarded(const pto_gm *gm);

/* Which live allocation contains p (p may also be one past its last byte):
 * PTO_GM_FOUND with its first byte and requested size, PTO_GM_NOT_LIVE when
 * p lies in the arena but in no live allocation (freed, never allocated, a
 * red zone), PTO_GM_NOT_GM outside the arena. *epoch (may be NULL) receives
 * pto_gm_epoch as of the answer. O(log blocks), takes the lock. */
enum { PTO_GM_NOT_GM = -1, PTO_GM_NOT_LIVE = 0, PTO_GM_FOUND = 1 };
int pto_gm_find(pto_gm *gm, const void *p, uintptr_t *start, size_t *bytes, uint64_t *epoch);
/* Counts frees: an answer of pto_gm_find stays true while this is unchanged
 * (allocations never move or shrink a live block). Lock-free. */
uint64_t pto_gm_epoch(const pto_gm *gm);
/* Guarded arenas: rewrites the red zones of every live allocation (after a
 * bounds failure was reported, so the next run starts clean). Call only
 * while no task runs. */
void pto_gm_rearm_all(pto_gm *gm);
size_t pto_gm_live_bytes(pto_gm *gm);

#endif
