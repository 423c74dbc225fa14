#include "core/tensor_map.h"

#include <stdlib.h>
#include <string.h>

#include "core/bits.h"
#include "host/error.h"

/* Bucket of (base, level, cell): buffer bases are aligned, so their low bits
 * carry no information; multiply-xorshift rounds spread every input bit
 * over the index. The (base, level) part is mixed once per query level
 * (tmap_key_hash), each cell adds one multiply (tmap_cell_bucket). */
static inline uint64_t tmap_key_hash(uint64_t base, uint32_t level)
{
    uint64_t h = base ^ ((uint64_t)level << 56);
    h ^= h >> 31;
    h *= 0x9e3779b97f4a7c15ull; /* odd: a bijection mod 2^64 */
    h ^= h >> 29;
    return h;
}

static inline uint32_t tmap_cell_bucket(const pto_tensor_map *tm, uint64_t kh, uint64_t cell)
{
    uint64_t h = (kh + cell) * 0xd6e8feb86659fd93ull;
    return (uint32_t)(h >> 32) & (tm->nbuckets - 1);
}

static inline uint32_t tmap_bucket(const pto_tensor_map *tm, uint64_t base, uint32_t level,
                                   uint64_t cell)
{
    return tmap_cell_bucket(tm, tmap_key_hash(base, level), cell);
}

/* Level of a bounding interval: the smallest cell size (>= the minimum)
 * that the extent fits, so the entry touches at most two cells. */
static inline uint32_t tmap_level(uint64_t lo, uint64_t hi)
{
    uint64_t x = hi - lo;
    if (x <= (UINT64_C(1) << PTO_TMAP_MIN_LEVEL))
        return PTO_TMAP_MIN_LEVEL;
    uint32_t l = 64 - (uint32_t)__builtin_clzll(x - 1); /* ceil(log2 x) */
    return l > 63 ? 63 : l;
}

static void tmap_full_reset(pto_tensor_map *tm)
{
    for (uint32_t b = 0; b < 2 * tm->nbuckets; b++)
        tm->buckets[b] = PTO_TMAP_NIL;
    /* Free list in index order: 0 -> 1 -> ... -> capacity-1 -> NIL. */
    for (uint32_t i = 0; i < tm->capacity; i++) {
        tm->entries[i].next = i + 1 < tm->capacity ? i + 1 : PTO_TMAP_NIL;
        tm->entries[i].in_use = 0;
    }
    tm->free_head = tm->capacity ? 0 : PTO_TMAP_NIL;
}

pto_status pto_tmap_init(pto_tensor_map *tm, uint32_t entries, uint32_t buckets,
                         pto_error *err)
{
    memset(tm, 0, sizeof *tm);
    if (!pto_is_pow2(entries))
        return pto_fail(err, PTO_ERR_INVALID,
                        "tensor map size %u is not a power of two", entries);
    if (!pto_is_pow2(buckets))
        return pto_fail(err, PTO_ERR_INVALID,
                        "tensor map bucket count %u is not a power of two", buckets);
    tm->entries = malloc((size_t)entries * sizeof *tm->entries);
    tm->buckets = malloc((size_t)buckets * 2 * sizeof *tm->buckets);
    if (!tm->entries || !tm->buckets) {
        pto_tmap_destroy(tm);
        return pto_fail(err, PTO_ERR_NOMEM, "tensor map of %u entries, %u buckets",
                        entries, buckets);
    }
    tm->capacity = entries;
    tm->nbuckets = buckets;
    tmap_full_reset(tm);
    tm->touched = 0;
    pto_tmap_reset(tm);
    return PTO_OK;
}

void pto_tmap_destroy(pto_tensor_map *tm)
{
    free(tm->entries);
    free(tm->buckets);
    tm->entries = NULL;
    tm->buckets = NULL;
    tm->capacity = tm->nbuckets = 0;
    tm->free_head = PTO_TMAP_NIL;
    tm->live = 0;
}

void pto_tmap_reset(pto_tensor_map *tm)
{
    if (tm->buckets && tm->touched) {
        /* Every non-empty chain holds an in-use entry among the touched
         * ones: clearing their heads empties every chain. */
        for (uint32_t i = 0; i < tm->touched; i++) {
            pto_tmap_entry *e = &tm->entries[i];
            if (e->in_use)
                tm->buckets[(size_t)e->is_write * tm->nbuckets +
                            tmap_bucket(tm, e->base, e->level, e->cell)] = PTO_TMAP_NIL;
            e->in_use = 0;
            e->next = i + 1 < tm->capacity ? i + 1 : PTO_TMAP_NIL;
        }
        tm->free_head = tm->capacity ? 0 : PTO_TMAP_NIL;
    }
    tm->touched = 0;
    tm->live = tm->high_water = 0;
    tm->levels = tm->superseded = 0;
    tm->cleanups = tm->lazy_freed = tm->cleanup_freed = tm->full_rejects = 0;
}

/* Pushes entry i (already unlinked from its chain) onto the free list. */
static inline void tmap_free(pto_tensor_map *tm, uint32_t i)
{
    tm->entries[i].in_use = 0;
    tm->entries[i].next = tm->free_head;
    tm->free_head = i;
    tm->live--;
}

void pto_tmap_key_of(const pto_region *r, pto_tmap_key *k)
{
    pto_region_bounds(r, &k->lo, &k->hi);
    k->exact = !(k->lo == 0 && k->hi == UINT64_MAX);
    k->dense = k->exact && pto_region_dense(r);
    k->level = (uint8_t)tmap_level(k->lo, k->hi);
}

static int entry_overlaps(const pto_tmap_entry *e, const pto_region *r, const pto_tmap_key *k)
{
    if (!(e->lo < k->hi && k->lo < e->hi))
        return 0;
    if (!k->exact || !e->exact || (k->dense && e->dense))
        return 1; /* dense ranges: the bounds decide; invalid: conservative */
    return pto_region_overlap_bounded(&e->region, e->lo, e->hi, r, k->lo, k->hi);
}

/* Walks one chain: frees dead entries, visits matching live ones; level < 0
 * matches every entry on base. */
static void walk(pto_tensor_map *tm, uint32_t *link, uint64_t base, int level, uint64_t cell,
                 const pto_region *r, const pto_tmap_key *k, uint64_t frontier,
                 pto_tmap_visit_fn visit, void *arg, int supersede)
{
    /* link points at the index field that leads to the current entry (the
     * bucket head or the previous entry's next), so unlinking is O(1). */
    while (*link != PTO_TMAP_NIL) {
        uint32_t i = *link;
        pto_tmap_entry *e = &tm->entries[i];
        if (e->task < frontier) {
            *link = e->next;
            tmap_free(tm, i);
            tm->lazy_freed++;
            continue;
        }
        if (e->base == base && (level < 0 || (e->level == level && e->cell == cell)) &&
            entry_overlaps(e, r, k)) {
            visit(arg, e->task, e->is_write);
            if (supersede && k->exact && e->exact &&
                pto_region_contains_bounded(r, k->lo, k->hi, k->dense, &e->region, e->lo,
                                            e->hi)) {
                *link = e->next;
                tmap_free(tm, i);
                tm->superseded++;
                continue;
            }
        }
        link = &e->next;
    }
}

void pto_tmap_query(pto_tensor_map *tm, uint64_t base, const pto_region *r,
                    uint64_t frontier, pto_tmap_visit_fn visit, void *arg, int flags)
{
    pto_tmap_key k;
    pto_tmap_key_of(r, &k);
    pto_tmap_query_k(tm, base, r, &k, frontier, visit, arg, flags);
}

void pto_tmap_query_k(pto_tensor_map *tm, uint64_t base, const pto_region *r,
                      const pto_tmap_key *k, uint64_t frontier, pto_tmap_visit_fn visit,
                      void *arg, int flags)
{
    uint64_t lo = k->lo, hi = k->hi;
    if (lo == hi)
        return;
    int supersede = flags & PTO_TMAP_SUPERSEDE;
    int wide = !k->exact;
    for (uint64_t m = tm->levels; m && !wide; m &= m - 1) {
        uint32_t level = (uint32_t)__builtin_ctzll(m);
        wide = ((hi - 1) >> level) - (lo >> level) + 1 >= PTO_TMAP_MAX_CELLS;
    }
    for (int table = 0; table < 2; table++) {
        if (!(flags & (table ? PTO_TMAP_WRITERS : PTO_TMAP_READERS)))
            continue;
        uint32_t *heads = tm->buckets + (size_t)table * tm->nbuckets;
        if (wide) { /* too many cells: one pass over every chain */
            for (uint32_t b = 0; b < tm->nbuckets; b++)
                walk(tm, &heads[b], base, -1, 0, r, k, frontier, visit, arg, supersede);
            continue;
        }
        for (uint64_t m = tm->levels; m; m &= m - 1) {
            uint32_t level = (uint32_t)__builtin_ctzll(m);
            uint64_t kh = tmap_key_hash(base, level);
            uint64_t c0 = lo >> level, c1 = (hi - 1) >> level;
            c0 = c0 ? c0 - 1 : 0; /* an entry starting one cell earlier may reach in */
            for (uint64_t c = c0; c <= c1; c++) {
                uint32_t *head = &heads[tmap_cell_bucket(tm, kh, c)];
                if (*head != PTO_TMAP_NIL) /* most cells are empty */
                    walk(tm, head, base, (int)level, c, r, k, frontier, visit, arg, supersede);
            }
        }
    }
}

int pto_tmap_insert(pto_tensor_map *tm, uint64_t base, const pto_region *r,
                    uint64_t task, int is_write)
{
    pto_tmap_key k;
    pto_tmap_key_of(r, &k);
    return pto_tmap_insert_k(tm, base, r, &k, task, is_write);
}

int pto_tmap_insert_k(pto_tensor_map *tm, uint64_t base, const pto_region *r,
                      const pto_tmap_key *k, uint64_t task, int is_write)
{
    if (k->lo == k->hi)
        return 0; /* empty: can never overlap, nothing to remember */
    if (tm->free_head == PTO_TMAP_NIL) {
        tm->full_rejects++;
        return -1;
    }
    uint32_t i = tm->free_head;
    pto_tmap_entry *e = &tm->entries[i];
    tm->free_head = e->next;
    if (i >= tm->touched)
        tm->touched = i + 1;
    e->in_use = 1;
    e->base = base;
    e->task = task;
    e->region = *r;
    e->lo = k->lo;
    e->hi = k->hi;
    e->exact = k->exact;
    e->dense = k->dense;
    e->level = k->level;
    e->cell = k->lo >> k->level;
    e->is_write = is_write ? 1 : 0;
    tm->levels |= UINT64_C(1) << e->level;
    uint32_t *head = &tm->buckets[(size_t)e->is_write * tm->nbuckets +
                                  tmap_bucket(tm, base, e->level, e->cell)];
    e->next = *head;
    *head = i;
    if (++tm->live > tm->high_water)
        tm->high_water = tm->live;
    return 0;
}

uint32_t pto_tmap_cleanup(pto_tensor_map *tm, uint64_t frontier)
{
    uint32_t freed = 0;
    for (uint32_t b = 0; b < 2 * tm->nbuckets; b++) {
        uint32_t *link = &tm->buckets[b];
        while (*link != PTO_TMAP_NIL) {
            uint32_t i = *link;
            pto_tmap_entry *e = &tm->entries[i];
            if (e->task < frontier) {
                *link = e->next;
                tmap_free(tm, i);
                freed++;
            } else {
                link = &e->next;
            }
        }
    }
    tm->cleanups++;
    tm->cleanup_freed += freed;
    return freed;
}
