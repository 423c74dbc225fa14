/* TensorMap: bounded lookup of the earlier readers and writers of a buffer,
 * used for dependency inference at task submit (DESIGN.md §4, resource 3).
 *
 * Every entry records that task `task` reads (is_write = 0) or writes
 * (is_write = 1) a region of the buffer whose base address is `base`.
 * `base` is the start of the buffer holding the bytes (the pto_malloc
 * allocation or the PTO_OUT output), and the region and bounds are
 * relative to it: a view whose tensor base is an interior pointer is
 * shifted to the start by its caller (submit.c), so that views of one
 * buffer meet here whatever base pointer each uses.
 *
 * Storage: a ring of `capacity` entries in submission order. Entry number
 * `pos` (a 64-bit count that never restarts, not even across runs) lives in
 * slot pos & (capacity - 1). Tasks are submitted in id order, so entries are
 * in task order too, and retirement frees them from the tail in one
 * sequential sweep (pto_tmap_retire): no free list, no scan of the buckets.
 *
 * Spatial index: an entry whose bounding interval [lo, hi) has extent X
 * lives at level L = max(PTO_TMAP_MIN_LEVEL, ceil(log2 X)) in cell lo >> L,
 * so it touches at most cells lo >> L and lo >> L + 1 of its level. It is
 * chained in bucket hash(base, L, cell) of the writers' or the readers'
 * table, so a read looks only at writers. A query for [qlo, qhi) visits, for
 * every level in use, the cells (qlo >> L) - 1 .. (qhi - 1) >> L (without
 * the first one while no entry of level L crosses a cell boundary, as
 * aligned tiles do not): a few short chains, however many tiles of the
 * buffer are live. A query that
 * would span PTO_TMAP_MAX_CELLS cells of a level or more scans the ring
 * instead (rare: a task reading a whole huge buffer).
 *
 * Chains are newest first, so along a chain `pos` strictly decreases and
 * `task` never increases. A walk therefore stops at (and cuts the chain
 * before) the first entry that is dead: below the retirement frontier,
 * behind the ring tail, linked into another bucket, or not older than its
 * predecessor (its slot was reused). Everything after such an entry is
 * older still, hence dead too. This is how retired entries leave the chains
 * without anybody unlinking them (lazy invalidation). Two rules keep
 * "pos strictly decreases" true even though heads are never cleaned (a
 * read walks only the writers' table, so a readers' head may stay dead for
 * ever): an insert links in front of the head only while that head is live
 * (held, same bucket) and otherwise starts a new chain — the dead head's
 * slot may be the very slot being reused, and linking to it made an entry
 * its own successor; and a walk compares every entry with the one before
 * it, superseded ones included, so a stale link can cut a chain but never
 * make a walk loop.
 *
 * Superseding: a query made for a write may unlink, after visiting them,
 * the entries whose region the write certainly contains — the writer
 * depends on them, and every later access of those bytes finds the writer.
 * Their ring slots are freed when the tail passes them.
 *
 * Invariants:
 * - Keys are buffer starts: every entry's base, and the base of every
 *   query, is the first byte of the live buffer containing the access
 *   (never an interior pointer), its lo/hi and region offsets relative to
 *   that byte; accesses of one buffer are compared only under that rule.
 *   (The map itself only compares bases: the callers normalize.)
 * - Single owner: the orchestrator is the only user (reads and writes every
 *   field); no locks, no atomics. The visit callback of pto_tmap_query must
 *   not call back into the same map.
 * - capacity and nbuckets are powers of two fixed at init; entries[],
 *   regions[] and buckets[] are allocated once there and never grow.
 * - tail <= head, live = head - tail <= capacity: the entries still held
 *   (those of unretired tasks, superseded ones included), i.e. the true
 *   occupancy of the pool; high_water = max live since init/reset.
 * - Entries with pos < tail are free; a full ring makes pto_tmap_insert
 *   fail (the orchestrator stalls on TENSORMAP_POOL_FULL) and never
 *   overwrites a live entry.
 * - regions[i] is written and valid only for an exact entry that is not
 *   dense (a dense entry's bytes are [lo, hi): the exact tests take that
 *   range instead, which saves the copy on the common path).
 * - levels has bit L set if a live entry of level L may exist, straddle
 *   if one of them may touch two cells (both only grow until reset).
 * - Empty regions are never stored (they cannot overlap anything). */
#ifndef PTO_CORE_TENSOR_MAP_H
#define PTO_CORE_TENSOR_MAP_H

#include <stdint.h>

#include "core/region.h"
#include "pto/status.h"

#define PTO_TMAP_NIL UINT32_MAX
typedef struct pto_tensor_map pto_tensor_map;
#define PTO_TMAP_MIN_LEVEL 8  /* smallest cell: 256 bytes */
#define PTO_TMAP_MAX_CELLS 64 /* per level and query, else a ring scan */

/* What the map needs to know of one access, computed once per access (for
 * the query and the insert of the same submit). */
typedef struct pto_tmap_key {
    uint64_t base;        /* start of the buffer holding the access */
    uint64_t lo, hi;      /* bounding interval */
    uint32_t cell_bucket; /* bucket of (base, level, lo >> level) in a table */
    uint8_t exact;        /* valid descriptor: exact tests apply */
    uint8_t dense;        /* its bytes are exactly [lo, hi) */
    uint8_t level;
} pto_tmap_key;

/* One cache line: everything a chain walk reads. */
typedef struct pto_tmap_entry {
    uint64_t base;    /* start of the buffer (the key) */
    uint64_t task;    /* absolute id of the reading/writing task */
    uint64_t pos;     /* ring position (see above) */
    uint64_t lo, hi;  /* bounding interval of the region */
    uint32_t next;    /* slot of the next (older) entry of the chain, or NIL */
    uint32_t bucket;  /* chain it was linked into: table * nbuckets + bucket */
    uint8_t is_write; /* 1 = writer (OUT, INOUT, OUT_EXISTING), 0 = reader */
    uint8_t level;
    uint8_t exact;  /* region is valid: exact overlap tests apply */
    uint8_t dense;  /* region's bytes are exactly [lo, hi) */
    uint8_t linked; /* 0 once superseded (unlinked from its chain) */
} __attribute__((aligned(64))) pto_tmap_entry;

struct pto_tensor_map {
    pto_tmap_entry *entries; /* capacity slots, allocated at init */
    pto_region *regions;     /* capacity slots: the full region of an
                                exact, non-dense entry, for the exact tests */
    uint32_t *buckets;       /* 2 x nbuckets chain heads (slot or NIL):
                                readers' table, then writers' table */
    uint32_t capacity, nbuckets;
    uint64_t head, tail;   /* ring positions: next entry, oldest held */
    uint32_t live;         /* head - tail */
    uint32_t high_water;   /* max live since init/reset */
    uint64_t levels;       /* bit L: entries of level L may exist */
    uint64_t straddle;     /* bit L: one of them may cross a cell boundary */
    uint64_t superseded;   /* entries unlinked by covering writes */
    uint64_t retired;      /* entries freed by pto_tmap_retire */
    uint64_t full_rejects; /* inserts refused because the pool was full */
};

/* Bucket of (base, level, cell): buffer bases are aligned, so their low bits
 * carry no information; multiply-xorshift rounds spread every input bit
 * over the index. The (base, level) part is mixed once per query level
 * (pto_tmap_key_hash), each cell adds one multiply (pto_tmap_cell_bucket). */
static inline uint64_t pto_tmap_key_hash(uint64_t base, uint32_t level)
{
    uint64_t h = base ^ ((uint64_t)level << 56);
    h ^= h >> 31;
    h *= 0x9e3779b97f4a7c15ull; /* odd: a bijection mod 2^64 */
    h ^= h >> 29;
    return h;
}

static inline uint32_t pto_tmap_cell_bucket(const pto_tensor_map *tm, uint64_t kh, uint64_t cell)
{
    uint64_t h = (kh + cell) * 0xd6e8feb86659fd93ull;
    return (uint32_t)(h >> 32) & (tm->nbuckets - 1);
}

/* Level of a bounding interval: the smallest cell size (>= the minimum)
 * that the extent fits, so the entry touches at most two cells. */
static inline uint32_t pto_tmap_level(uint64_t lo, uint64_t hi)
{
    uint64_t x = hi - lo;
    if (x <= (UINT64_C(1) << PTO_TMAP_MIN_LEVEL))
        return PTO_TMAP_MIN_LEVEL;
    uint32_t l = 64 - (uint32_t)__builtin_clzll(x - 1); /* ceil(log2 x) */
    return l > 63 ? 63 : l;
}

/* The key of an access to a region of the buffer at `base` whose summary
 * (pto_region_summary: bounds [lo, hi) and density) the caller has. */
static inline void pto_tmap_key_bounds(const pto_tensor_map *tm, uint64_t base, uint64_t lo,
                                       uint64_t hi, int dense, pto_tmap_key *k)
{
    k->lo = lo;
    k->hi = hi;
    k->base = base;
    k->exact = !(lo == 0 && hi == UINT64_MAX);
    k->dense = k->exact && dense;
    k->level = (uint8_t)pto_tmap_level(lo, hi);
    k->cell_bucket = pto_tmap_cell_bucket(tm, pto_tmap_key_hash(base, k->level), lo >> k->level);
}

/* The key of an access to region r of the buffer at `base`. */
static inline void pto_tmap_key_of(const pto_tensor_map *tm, uint64_t base, const pto_region *r,
                                   pto_tmap_key *k)
{
    uint64_t lo, hi;
    int dense;
    if (!pto_region_summary_quick(r, &lo, &hi, &dense))
        pto_region_summary(r, &lo, &hi, &dense);
    pto_tmap_key_bounds(tm, base, lo, hi, dense, k);
}

/* entries and buckets must be powers of two (else PTO_ERR_INVALID; NIL =
 * UINT32_MAX is never a valid index). PTO_ERR_NOMEM if allocation fails. On
 * failure *tm is left destroyable (pto_tmap_destroy is a no-op). */
pto_status pto_tmap_init(pto_tensor_map *tm, uint32_t entries, uint32_t buckets, pto_error *err);
/* Frees the arrays; safe to call twice or after a failed init. */
void pto_tmap_destroy(pto_tensor_map *tm);
/* Back to empty (statistics zeroed) in O(1): the ring tail jumps to the
 * head, which makes every older entry, and every chain, dead. */
void pto_tmap_reset(pto_tensor_map *tm);

typedef void (*pto_tmap_visit_fn)(void *arg, uint64_t task, int is_write);

enum {
    PTO_TMAP_READERS = 1,  /* visit earlier readers (for a write: WAR) */
    PTO_TMAP_WRITERS = 2,  /* visit earlier writers (RAW, WAW) */
    PTO_TMAP_SUPERSEDE = 4 /* unlink visited entries the query region contains */
};

/* Calls visit for every entry of the kinds in `flags` on `base` whose task
 * >= frontier and whose region overlaps `r` (pto_region_overlap). The
 * frontier must never decrease between calls (it is the retirement
 * frontier). With PTO_TMAP_SUPERSEDE, visited entries whose region `r`
 * certainly contains (pto_region_contains) are unlinked after the visit. */
void pto_tmap_query(pto_tensor_map *tm, uint64_t base, const pto_region *r, uint64_t frontier,
                    pto_tmap_visit_fn visit, void *arg, int flags);
/* The same with the access's key precomputed (pto_tmap_key_of). */
void pto_tmap_query_k(pto_tensor_map *tm, const pto_region *r, const pto_tmap_key *k,
                      uint64_t frontier, pto_tmap_visit_fn visit, void *arg, int flags);

/* Records that `task` (not older than any task inserted before) reads or
 * writes `r` of `base`. 0 on success (an empty region is accepted and not
 * stored); -1 when the ring is full (nothing is changed: call
 * pto_tmap_retire once the frontier advanced, then retry). */
int pto_tmap_insert(pto_tensor_map *tm, uint64_t base, const pto_region *r, uint64_t task,
                    int is_write);
int pto_tmap_insert_k(pto_tensor_map *tm, const pto_region *r, const pto_tmap_key *k, uint64_t task,
                      int is_write);

/* Frees the entries at the tail whose task < frontier (they are in task
 * order, so this stops at the first live one); returns how many. Amortized
 * O(1) per entry, touching only the tail. */
uint32_t pto_tmap_retire(pto_tensor_map *tm, uint64_t frontier);

#endif
