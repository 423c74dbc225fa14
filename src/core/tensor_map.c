#include "core/tensor_map.h"

#include <stdlib.h>
#include <string.h>

#include "core/bits.h"
#include "util/error.h"

pto_status pto_tmap_init(pto_tensor_map *tm, uint32_t entries, uint32_t buckets, pto_error *err)
{
    memset(tm, 0, sizeof *tm);
    if (!pto_is_pow2(entries))
        return pto_fail(err, PTO_ERR_INVALID, "tensor map size %u is not a power of two", entries);
    if (!pto_is_pow2(buckets) || buckets > (UINT32_C(1) << 30))
        return pto_fail(err, PTO_ERR_INVALID,
                        "tensor map bucket count %u is not a power of two <= 2^30", buckets);
    tm->entries = aligned_alloc(64, (size_t)entries * sizeof *tm->entries);
    tm->regions = malloc((size_t)entries * sizeof *tm->regions);
    tm->buckets = malloc((size_t)buckets * 2 * sizeof *tm->buckets);
    if (!tm->entries || !tm->regions || !tm->buckets) {
        pto_tmap_destroy(tm);
        return pto_fail(err, PTO_ERR_NOMEM, "tensor map of %u entries, %u buckets", entries,
                        buckets);
    }
    tm->capacity = entries;
    tm->nbuckets = buckets;
    for (uint32_t b = 0; b < 2 * buckets; b++)
        tm->buckets[b] = PTO_TMAP_NIL;
    /* Slot contents are never trusted without the checks of walk(), which
     * reject pos >= head; zeroed memory keeps tools quiet. */
    memset(tm->entries, 0, (size_t)entries * sizeof *tm->entries);
    return PTO_OK;
}

void pto_tmap_destroy(pto_tensor_map *tm)
{
    free(tm->entries);
    free(tm->regions);
    free(tm->buckets);
    tm->entries = NULL;
    tm->regions = NULL;
    tm->buckets = NULL;
    tm->capacity = tm->nbuckets = 0;
    tm->head = tm->tail = 0;
    tm->live = 0;
}

void pto_tmap_reset(pto_tensor_map *tm)
{
    tm->tail = tm->head;
    tm->live = tm->high_water = 0;
    tm->levels = tm->straddle = 0;
    tm->superseded = tm->retired = tm->full_rejects = 0;
}

/* The region of entry i for the exact tests: none for a dense entry (it
 * is its range [lo, hi), see the invariants). */
static const pto_region *entry_region(const pto_tensor_map *tm, uint32_t i)
{
    return tm->entries[i].dense ? NULL : &tm->regions[i];
}

static int entry_overlaps(const pto_tensor_map *tm, uint32_t i, const pto_region *r,
                          const pto_tmap_key *k)
{
    const pto_tmap_entry *e = &tm->entries[i];
    if (!(e->lo < k->hi && k->lo < e->hi))
        return 0;
    if (!k->exact || !e->exact || (k->dense && e->dense))
        return 1; /* dense ranges: the bounds decide; invalid: conservative */
    return pto_region_overlap_bounded(entry_region(tm, i), e->lo, e->hi, e->dense, r, k->lo, k->hi,
                                      k->dense);
}

/* Does the write r certainly cover entry i? */
static int entry_covered(const pto_tensor_map *tm, uint32_t i, const pto_region *r,
                         const pto_tmap_key *k)
{
    const pto_tmap_entry *e = &tm->entries[i];
    if (!k->exact || !e->exact)
        return 0;
    return pto_region_contains_bounded(r, k->lo, k->hi, k->dense, entry_region(tm, i), e->lo, e->hi,
                                       e->dense);
}

/* One query: what every chain walk needs. */
typedef struct tmap_query {
    pto_tensor_map *tm;
    const pto_region *r;
    const pto_tmap_key *k;
    uint64_t frontier;
    pto_tmap_visit_fn visit;
    void *arg;
    int flags;
} tmap_query;

/* Walks the chain of bucket b (global index) for entries on (base, level,
 * cell): visits the live overlapping ones, unlinks the superseded ones and
 * cuts the chain at the first dead entry (see tensor_map.h). */
static void walk(const tmap_query *q, uint32_t b, uint32_t level, uint64_t cell)
{
    pto_tensor_map *tm = q->tm;
    const pto_tmap_key *k = q->k;
    /* link points at the index field that leads to the current entry (the
     * bucket head or the previous entry's next); prev is that holder's pos. */
    uint32_t *link = &tm->buckets[b];
    uint64_t prev = UINT64_MAX;
    while (*link != PTO_TMAP_NIL) {
        uint32_t i = *link;
        pto_tmap_entry *e = &tm->entries[i];
        if (e->bucket != b || e->pos >= prev || e->pos < tm->tail || e->task < q->frontier) {
            *link = PTO_TMAP_NIL; /* the rest of the chain is dead */
            return;
        }
        if (e->base == k->base && e->level == level && (e->lo >> level) == cell &&
            entry_overlaps(tm, i, q->r, k)) {
            q->visit(q->arg, e->task, e->is_write);
            if ((q->flags & PTO_TMAP_SUPERSEDE) && entry_covered(tm, i, q->r, k)) {
                *link = e->next;
                e->linked = 0;
                tm->superseded++;
                prev = e->pos; /* its successor must be older than it too */
                continue;
            }
        }
        prev = e->pos;
        link = &e->next;
    }
}

/* The readers' and then the writers' chain of bucket b of one cell (most
 * cells are empty). */
static inline void walk_cell(const tmap_query *q, uint32_t b, uint32_t level, uint64_t cell)
{
    const uint32_t *heads = q->tm->buckets;
    if ((q->flags & PTO_TMAP_READERS) && heads[b] != PTO_TMAP_NIL)
        walk(q, b, level, cell);
    b += q->tm->nbuckets;
    if ((q->flags & PTO_TMAP_WRITERS) && heads[b] != PTO_TMAP_NIL)
        walk(q, b, level, cell);
}

/* A query too wide for the cell index: every live linked entry of the
 * tables in flags, in ring order (no superseding: no chain links here). */
static void scan(const tmap_query *q)
{
    pto_tensor_map *tm = q->tm;
    for (uint64_t pos = tm->tail; pos < tm->head; pos++) {
        uint32_t i = (uint32_t)(pos & (tm->capacity - 1));
        const pto_tmap_entry *e = &tm->entries[i];
        int wanted = q->flags & (e->is_write ? PTO_TMAP_WRITERS : PTO_TMAP_READERS);
        if (wanted && e->linked && e->task >= q->frontier && e->base == q->k->base &&
            entry_overlaps(tm, i, q->r, q->k))
            q->visit(q->arg, e->task, e->is_write);
    }
}

void pto_tmap_query(pto_tensor_map *tm, uint64_t base, const pto_region *r, uint64_t frontier,
                    pto_tmap_visit_fn visit, void *arg, int flags)
{
    pto_tmap_key k;
    pto_tmap_key_of(tm, base, r, &k);
    pto_tmap_query_k(tm, r, &k, frontier, visit, arg, flags);
}

void pto_tmap_query_k(pto_tensor_map *tm, const pto_region *r, const pto_tmap_key *k,
                      uint64_t frontier, pto_tmap_visit_fn visit, void *arg, int flags)
{
    uint64_t lo = k->lo, hi = k->hi, levels = tm->levels;
    if (lo == hi || tm->head == tm->tail)
        return;
    tmap_query q = {tm, r, k, frontier, visit, arg, flags};
    uint32_t own = k->level;
    /* The usual case: every entry is of the key's level, none crosses a
     * cell boundary, and neither does the key: its own cell is all. */
    if (k->exact && levels == UINT64_C(1) << own && !(tm->straddle & levels) &&
        (hi - 1) >> own == lo >> own) {
        walk_cell(&q, k->cell_bucket, own, lo >> own);
        return;
    }
    /* The finest level in use spans the most cells: it decides. */
    uint32_t finest = (uint32_t)__builtin_ctzll(levels | UINT64_C(1) << 63);
    if (!k->exact || ((hi - 1) >> finest) - (lo >> finest) + 1 >= PTO_TMAP_MAX_CELLS) {
        scan(&q);
        return;
    }
    for (uint64_t m = levels; m; m &= m - 1) {
        uint32_t level = (uint32_t)__builtin_ctzll(m);
        uint64_t c0 = lo >> level, c1 = (hi - 1) >> level;
        /* An entry starting one cell earlier may reach in, if any entry of
         * this level crosses a cell boundary. */
        if (c0 && (tm->straddle >> level & 1))
            c0--;
        uint64_t kh = pto_tmap_key_hash(k->base, level);
        for (uint64_t c = c0; c <= c1; c++)
            walk_cell(&q, pto_tmap_cell_bucket(tm, kh, c), level, c);
    }
}

int pto_tmap_insert(pto_tensor_map *tm, uint64_t base, const pto_region *r, uint64_t task,
                    int is_write)
{
    pto_tmap_key k;
    pto_tmap_key_of(tm, base, r, &k);
    return pto_tmap_insert_k(tm, r, &k, task, is_write);
}

/* Is slot h, the head of chain b, an entry still held in that chain? A
 * head below the tail was freed (its slot may be reused by any bucket); a
 * head with another bucket was reused already. */
static inline int head_is_live(const pto_tensor_map *tm, uint32_t h, uint32_t b)
{
    const pto_tmap_entry *e = &tm->entries[h];
    return e->pos >= tm->tail && e->bucket == b;
}

int pto_tmap_insert_k(pto_tensor_map *tm, const pto_region *r, const pto_tmap_key *k, uint64_t task,
                      int is_write)
{
    if (k->lo == k->hi)
        return 0; /* empty: can never overlap, nothing to remember */
    if (tm->head - tm->tail == tm->capacity) {
        tm->full_rejects++;
        return -1;
    }
    uint32_t i = (uint32_t)(tm->head & (tm->capacity - 1));
    pto_tmap_entry *e = &tm->entries[i];
    e->base = k->base;
    e->task = task;
    e->pos = tm->head++;
    e->lo = k->lo;
    e->hi = k->hi;
    e->is_write = is_write ? 1 : 0;
    e->level = k->level;
    e->exact = k->exact;
    e->dense = k->dense;
    e->linked = 1;
    if (k->exact && !k->dense) { /* (a dense entry is its range) the view, in
                                     moves the compiler keeps inline */
        pto_region *d = &tm->regions[i];
        _Static_assert(PTO_MAX_DIMS == 4, "one move per dimension below");
        d->offset = r->offset;
        d->ndim = r->ndim;
        d->elem = r->elem;
        d->shape[0] = r->shape[0], d->stride[0] = r->stride[0];
        d->shape[1] = r->shape[1], d->stride[1] = r->stride[1];
        d->shape[2] = r->shape[2], d->stride[2] = r->stride[2];
        d->shape[3] = r->shape[3], d->stride[3] = r->stride[3];
    }
    tm->levels |= UINT64_C(1) << e->level;
    if (((k->hi - 1) >> k->level) != k->lo >> k->level)
        tm->straddle |= UINT64_C(1) << e->level;
    e->bucket = (uint32_t)e->is_write * tm->nbuckets + k->cell_bucket;
    e->next = tm->buckets[e->bucket];
    if (e->next == i || (e->next != PTO_TMAP_NIL && !head_is_live(tm, e->next, e->bucket)))
        e->next = PTO_TMAP_NIL; /* a dead head ends the chain (see the header) */
    tm->buckets[e->bucket] = i;
    if (++tm->live > tm->high_water)
        tm->high_water = tm->live;
    return 0;
}

uint32_t pto_tmap_retire(pto_tensor_map *tm, uint64_t frontier)
{
    uint64_t t0 = tm->tail;
    while (tm->tail < tm->head && tm->entries[tm->tail & (tm->capacity - 1)].task < frontier)
        tm->tail++;
    uint32_t freed = (uint32_t)(tm->tail - t0);
    tm->live -= freed;
    tm->retired += freed;
    return freed;
}
