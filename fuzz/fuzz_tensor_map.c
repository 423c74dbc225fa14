/* libFuzzer target: the TensorMap (src/core/tensor_map.c) against a
 * brute-force oracle, driven the way the orchestrator drives it.
 *
 * The input picks a capacity (2..64 entries) and a bucket count (1..4096),
 * then a sequence of operations: an access (a new task reads or writes a
 * region of one of four buffers: a read queries the writers, a write the
 * readers and writers and may supersede what it covers, then the access is
 * inserted), advancing the retirement frontier, and resetting (a new run:
 * task ids restart at 0). Regions are byte ranges of many sizes (so several
 * levels and straddling cells occur, and wide queries take the ring scan),
 * tiles of a 16 x 16 f32 matrix, and strided layouts.
 *
 * The oracle is the list of held entries in insertion order. Properties:
 *   - a query visits each entry at most once, only live (task >= frontier)
 *     held entries of the asked kinds on the same buffer whose region
 *     overlaps (pto_region_overlap), and every such entry unless a write
 *     whose region contains it (pto_region_contains) superseded it since;
 *   - after pto_tmap_retire(frontier) the map holds exactly the entries of
 *     tasks >= frontier (they are in task order), high_water is the peak;
 *   - an insert fails exactly when capacity entries are held, and then
 *     changes nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/region.h"
#include "core/tensor_map.h"
#include "fuzz_input.h"

#define MAX_OPS 2048

typedef struct ref_entry {
    uint64_t base, task;
    pto_region r;
    int is_write, covered;
} ref_entry;

static ref_entry held[MAX_OPS + 1];
static uint32_t nheld, held_first; /* held[held_first .. nheld) */

typedef struct visits {
    uint32_t n;
    uint64_t task[MAX_OPS];
    int is_write[MAX_OPS];
} visits;
static visits got;

static void collect(void *arg, uint64_t task, int is_write)
{
    visits *v = arg;
    FZ_CHECK(v->n < MAX_OPS, "more visits than entries");
    v->task[v->n] = task;
    v->is_write[v->n++] = is_write;
}

static void decode_region(fuzz_in *in, pto_region *r)
{
    uint8_t t = fz_u8(in), x = fz_u8(in), y = fz_u8(in), z = fz_u8(in);
    memset(r, 0, sizeof *r);
    switch (t % 5) {
    case 0: /* 16-byte aligned range, often empty-free */
        pto_region_1d(r, (uint64_t)(x % 64) * 16, (uint64_t)(y % 32) * 16);
        break;
    case 1: /* byte range of any size: levels, straddles, ring scans */
        pto_region_1d(r, (uint64_t)x << (z % 12), (uint64_t)y << (z / 16));
        break;
    case 2: { /* tile of a 16 x 16 f32 matrix (64-byte rows) */
        uint64_t r0 = x % 16, c0 = x / 16, rows = 1 + y % 16, cols = 1 + y / 16;
        rows = r0 + rows > 16 ? 16 - r0 : rows;
        cols = c0 + cols > 16 ? 16 - c0 : cols;
        r->ndim = 2;
        r->elem = 4;
        r->offset = (r0 * 16 + c0) * 4;
        r->shape[0] = rows;
        r->shape[1] = cols;
        r->stride[0] = 64;
        r->stride[1] = 4;
        break;
    }
    case 3: /* strided: interleaved, column, self-overlapping */
        r->ndim = 2;
        r->elem = 1 + z % 8;
        r->offset = x;
        r->shape[0] = 1 + y % 8;
        r->shape[1] = 1 + y / 32;
        r->stride[0] = (uint64_t)(z % 64) * 4;
        r->stride[1] = 1 + z / 32;
        break;
    default: /* an invalid descriptor: touches everything */ r->ndim = 0; break;
    }
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_in in = {data, size};
    uint32_t cap = UINT32_C(1) << (1 + fz_u8(&in) % 6);
    uint32_t nb = UINT32_C(1) << (fz_u8(&in) % 13);
    pto_tensor_map tm;
    pto_error err;
    FZ_CHECK(pto_tmap_init(&tm, cap, nb, &err) == PTO_OK, "init");
    static const uint64_t bases[4] = {0x10000, 0x20000, 0x10000 + 4096, 0x7fff00000000ull};
    uint64_t task = 0, frontier = 0;
    uint32_t peak = 0;
    nheld = held_first = 0;
    for (uint32_t op = 0; op < MAX_OPS && in.n; op++) {
        uint8_t o = fz_u8(&in);
        if (o % 16 == 0) { /* the frontier advances */
            uint64_t f = frontier + fz_u8(&in) % 8;
            frontier = f > task ? task : f;
        } else if (o % 16 == 1 && o / 16 == 0) { /* a new run */
            pto_tmap_reset(&tm);
            task = frontier = 0;
            nheld = held_first = 0;
            peak = 0;
            continue;
        }
        pto_tmap_retire(&tm, frontier);
        while (held_first < nheld && held[held_first].task < frontier)
            held_first++;
        FZ_CHECK(tm.live == nheld - held_first, "live %u, oracle %u", tm.live, nheld - held_first);
        if (o % 16 == 0)
            continue;

        /* An access by a new task. */
        uint8_t k = fz_u8(&in);
        uint64_t base = bases[k % 4];
        int w = k >> 2 & 1, sup = w && (k >> 3 & 1), all = w || (k >> 4 & 1);
        pto_region r;
        decode_region(&in, &r);
        int flags =
            PTO_TMAP_WRITERS | (all ? PTO_TMAP_READERS : 0) | (sup ? PTO_TMAP_SUPERSEDE : 0);
        got.n = 0;
        pto_tmap_query(&tm, base, &r, frontier, collect, &got, flags);
        uint64_t g[MAX_OPS];
        for (uint32_t i = 0; i < got.n; i++)
            g[i] = got.task[i] << 1 | (uint64_t)got.is_write[i];
        qsort(g, got.n, sizeof g[0], cmp_u64);
        for (uint32_t i = 1; i < got.n; i++)
            FZ_CHECK(g[i] != g[i - 1], "t%llu visited twice", (unsigned long long)(g[i] >> 1));
        uint32_t may = 0;
        for (uint32_t i = held_first; i < nheld; i++) {
            ref_entry *e = &held[i];
            if (e->base != base || e->task < frontier || !(all || e->is_write) ||
                !pto_region_overlap(&e->r, &r))
                continue;
            uint64_t key = e->task << 1 | (uint64_t)e->is_write;
            int seen = bsearch(&key, g, got.n, sizeof g[0], cmp_u64) != NULL;
            FZ_CHECK(seen || e->covered, "missed t%llu (%s) on query of t%llu",
                     (unsigned long long)e->task, e->is_write ? "writer" : "reader",
                     (unsigned long long)task);
            may += seen;
            if (sup && pto_region_contains(&r, &e->r))
                e->covered = 1;
        }
        FZ_CHECK(may == got.n, "%u visits, %u of them legitimate", got.n, may);

        uint64_t lo, hi;
        pto_region_bounds(&r, &lo, &hi);
        int empty = lo == hi;
        uint32_t before = tm.live;
        int rc = pto_tmap_insert(&tm, base, &r, task, w);
        if (rc) {
            FZ_CHECK(!empty && nheld - held_first == cap && tm.live == before,
                     "refused insert with %u of %u held", nheld - held_first, cap);
            /* The orchestrator waits until earlier tasks retire. */
            frontier = task;
            pto_tmap_retire(&tm, frontier);
            while (held_first < nheld && held[held_first].task < frontier)
                held_first++;
            FZ_CHECK(pto_tmap_insert(&tm, base, &r, task, w) == 0, "insert after retiring");
        }
        if (!empty) {
            held[nheld++] = (ref_entry){base, task, r, w, 0};
            if (nheld - held_first > peak)
                peak = nheld - held_first;
        }
        FZ_CHECK(tm.live == nheld - held_first, "live after insert");
        FZ_CHECK(tm.high_water == peak, "high water %u, peak %u", tm.high_water, peak);
        task++;
    }
    pto_tmap_destroy(&tm);
    return 0;
}
