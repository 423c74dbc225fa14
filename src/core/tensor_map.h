/* TensorMap: bounded lookup of the earlier readers and writers of a buffer,
 * used for dependency inference at task submit (DESIGN.md §4, resource 3).
 *
 * Every entry records that task `task` reads (is_write = 0) or writes
 * (is_write = 1) `region` of the buffer whose base address is `base`.
 *
 * Spatial index: an entry whose bounding interval [lo, hi) has extent X
 * lives at level L = max(PTO_TMAP_MIN_LEVEL, ceil(log2 X)) in cell lo >> L,
 * so it touches at most cells lo >> L and lo >> L + 1 of its level. It is
 * chained in bucket hash(base, L, cell) of the writers' or the readers'
 * table, so a read looks only at writers. A query for [qlo, qhi) visits, for
 * every level in use, the cells (qlo >> L) - 1 .. (qhi - 1) >> L: a few
 * short chains, however many tiles of the buffer are live. A query that
 * would span more than PTO_TMAP_MAX_CELLS cells of a level scans the whole
 * map instead (rare: a task reading a whole huge buffer). Unused entries
 * form a free list through `next`.
 *
 * Superseding: a query made for a write may drop, after visiting them, the
 * entries whose region the write certainly contains — the writer depends on
 * them, and every later access of those bytes will find the writer.
 *
 * Invariants:
 * - Single owner: the orchestrator is the only user (reads and writes every
 *   field); no locks, no atomics. The visit callback of pto_tmap_query must
 *   not call back into the same map.
 * - capacity and nbuckets are powers of two fixed at init; entries[] and
 *   buckets[] are allocated once there and never grow (no malloc after init).
 * - Every entry index is on exactly one list: one bucket chain (in use) or
 *   the free list; live = number of in-use entries <= capacity;
 *   high_water = max live since init/reset (true occupancy).
 * - An entry is in the chain of bucket hash(base, level, cell). Chains are
 *   newest-first. levels has bit L set if an entry of level L may exist.
 * - Validity: an entry is meaningful only while task >= the retirement
 *   frontier passed by the caller. The frontier must never decrease between
 *   calls (it is last_task_alive); entries below it are dead, are never
 *   visited, and are freed either lazily (when a query walks over them) or by
 *   pto_tmap_cleanup. A live entry is never overwritten: a full pool makes
 *   pto_tmap_insert fail so the orchestrator can stall on
 *   TENSORMAP_POOL_FULL.
 * - Empty regions are never stored (they cannot overlap anything). */
#ifndef PTO_CORE_TENSOR_MAP_H
#define PTO_CORE_TENSOR_MAP_H

#include <stdint.h>

#include "core/region.h"
#include "pto/status.h"

#define PTO_TMAP_NIL UINT32_MAX
#define PTO_TMAP_MIN_LEVEL 8  /* smallest cell: 256 bytes */
#define PTO_TMAP_MAX_CELLS 64 /* per level and query, else a full scan */

/* What the map needs to know of a region, computed once per access. */
typedef struct pto_tmap_key {
    uint64_t lo, hi;   /* bounding interval */
    uint8_t exact;     /* valid descriptor: exact tests apply */
    uint8_t dense;     /* its bytes are exactly [lo, hi) */
    uint8_t level;
} pto_tmap_key;

void pto_tmap_key_of(const pto_region *r, pto_tmap_key *k);

typedef struct pto_tmap_entry {
    uint64_t base;     /* buffer base address (the key) */
    uint64_t task;     /* absolute id of the reading/writing task */
    uint64_t lo, hi;   /* bounding interval of region (cached) */
    uint64_t cell;     /* lo >> level */
    uint32_t next;     /* next entry of the same chain / free list, or NIL */
    uint8_t is_write;  /* 1 = writer (OUT, INOUT, OUT_EXISTING), 0 = reader */
    uint8_t in_use;    /* on a bucket chain (not on the free list) */
    uint8_t level;
    uint8_t exact;     /* region is valid: exact overlap tests apply */
    uint8_t dense;     /* region's bytes are exactly [lo, hi) */
    pto_region region; /* bytes touched, relative to base */
} pto_tmap_entry;

typedef struct pto_tensor_map {
    pto_tmap_entry *entries; /* capacity entries, allocated at init */
    uint32_t *buckets;       /* 2 x nbuckets chain heads (entry index or NIL):
                                readers' table, then writers' table */
    uint32_t capacity, nbuckets;
    uint32_t free_head;      /* first free entry or NIL when full */
    uint32_t touched;        /* entries [0, touched) were ever handed out
                                since the last full reset (the free list
                                starts in index order) */
    uint32_t live;           /* entries in use */
    uint32_t high_water;     /* max live since init/reset */
    uint64_t levels;         /* bit L: entries of level L may exist */
    uint64_t superseded;     /* entries dropped by covering writes */
    uint64_t cleanups;       /* pto_tmap_cleanup calls since init/reset */
    uint64_t lazy_freed;     /* dead entries freed by queries */
    uint64_t cleanup_freed;  /* dead entries freed by pto_tmap_cleanup */
    uint64_t full_rejects;   /* inserts refused because the pool was full */
} pto_tensor_map;

/* entries and buckets must be powers of two (else PTO_ERR_INVALID; NIL =
 * UINT32_MAX is never a valid index). PTO_ERR_NOMEM if allocation fails. On failure *tm is left
 * destroyable (pto_tmap_destroy is a no-op). */
pto_status pto_tmap_init(pto_tensor_map *tm, uint32_t entries, uint32_t buckets,
                         pto_error *err);
/* Frees the arrays; safe to call twice or after a failed init. */
void pto_tmap_destroy(pto_tensor_map *tm);
/* Back to empty (all entries free, statistics zeroed). Costs O(entries
 * touched since the previous reset), not O(capacity): a launch of a short
 * graph on a large map stays cheap. */
void pto_tmap_reset(pto_tensor_map *tm);

typedef void (*pto_tmap_visit_fn)(void *arg, uint64_t task, int is_write);

enum {
    PTO_TMAP_READERS = 1,   /* visit earlier readers (for a write: WAR) */
    PTO_TMAP_WRITERS = 2,   /* visit earlier writers (RAW, WAW) */
    PTO_TMAP_SUPERSEDE = 4  /* drop visited entries the query region contains */
};

/* Calls visit for every entry of the kinds in `flags` on `base` whose task
 * >= frontier and whose region overlaps `r` (pto_region_overlap). Entries
 * with task < frontier met on the way (on any base sharing a chain) are
 * unlinked and freed (lazy invalidation). With PTO_TMAP_SUPERSEDE, visited
 * entries whose region `r` certainly contains (pto_region_contains) are
 * freed after the visit. */
void pto_tmap_query(pto_tensor_map *tm, uint64_t base, const pto_region *r,
                    uint64_t frontier, pto_tmap_visit_fn visit, void *arg, int flags);
/* The same with the region's key precomputed (pto_tmap_key_of). */
void pto_tmap_query_k(pto_tensor_map *tm, uint64_t base, const pto_region *r,
                      const pto_tmap_key *k, uint64_t frontier, pto_tmap_visit_fn visit,
                      void *arg, int flags);

/* Records that `task` reads/writes `r` of `base`. 0 on success (an empty
 * region is accepted and not stored); -1 when the pool is full (nothing is
 * changed, never overwrites a live entry: run pto_tmap_cleanup once the
 * frontier advanced, then retry). */
int pto_tmap_insert(pto_tensor_map *tm, uint64_t base, const pto_region *r,
                    uint64_t task, int is_write);
int pto_tmap_insert_k(pto_tensor_map *tm, uint64_t base, const pto_region *r,
                      const pto_tmap_key *k, uint64_t task, int is_write);

/* Batched cleanup: frees every entry with task < frontier; returns how many.
 * O(nbuckets + live). */
uint32_t pto_tmap_cleanup(pto_tensor_map *tm, uint64_t frontier);

#endif
