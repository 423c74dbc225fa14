/* GM arena: first-fit allocator over one 64-byte-aligned region.
 *
 * The region is described by a table of blocks kept sorted by offset. The
 * blocks tile the usable region exactly (no gaps, no overlap); a block is
 * either live (an allocation, req > 0) or free (req == 0). Free blocks are
 * always coalesced, so no two free blocks are adjacent; hence with at most
 * max_allocs live blocks there are at most max_allocs + 1 free ones and the
 * table (allocated once, at create) never needs more than 2*max_allocs + 1
 * entries. Lookups by address are binary searches; alloc is a linear
 * first-fit scan; split/coalesce shift the tail of the table. */
#include "core/gm_arena.h"

#include <errno.h>
#include <stdatomic.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/redzone.h"
#include "util/error.h"

#define GM_ALIGN ((size_t)64)

/* One block of the region. Invariants: off and size are multiples of
 * GM_ALIGN, size > 0; live iff req > 0, and then 0 < req <= size - 2 * rz
 * (req is the byte count asked for, size the rounded span it occupies with
 * its red zones; the allocation starts at off + rz). */
typedef struct gm_block {
    size_t off;
    size_t size;
    size_t req;
} gm_block;

/* Invariants (all fields under `lock` except those fixed at create):
 * base/bytes/max_allocs/cap are fixed at create. blk[0..n) is sorted by off,
 * tiles [0, bytes) and has no two adjacent free blocks; 1 <= n <= cap.
 * nlive <= max_allocs counts live blocks; live_bytes sums their sizes. */
struct pto_gm {
    pthread_mutex_t lock;
    unsigned char *base; /* mmap'd, page (hence 64-byte) aligned */
    size_t map_bytes;    /* length passed to mmap */
    size_t bytes;        /* usable size: a multiple of GM_ALIGN */
    uint32_t max_allocs;
    size_t cap; /* entries in blk: 2 * max_allocs + 1 */
    size_t n;   /* entries in use */
    size_t nlive;
    size_t live_bytes;
    gm_block *blk;
    size_t rz;              /* red zone bytes each side: 0, or PTO_REDZONE (fixed) */
    int poisoned;           /* ASan builds: red zones were poisoned */
    _Atomic uint64_t frees; /* successful frees (pto_gm_epoch); under lock */
};

pto_status pto_gm_create(size_t bytes, uint32_t max_allocs, pto_gm **out, pto_error *err)
{
    return pto_gm_create_guarded(bytes, max_allocs, 0, out, err);
}

pto_status pto_gm_create_guarded(size_t bytes, uint32_t max_allocs, int guarded, pto_gm **out,
                                 pto_error *err)
{
    if (!out)
        return pto_fail(err, PTO_ERR_INVALID, "pto_gm_create: out is NULL");
    *out = NULL;
    size_t usable = bytes & ~(GM_ALIGN - 1);
    if (usable == 0)
        return pto_fail(err, PTO_ERR_INVALID,
                        "GM arena of %zu bytes is too small; it needs at least "
                        "%zu bytes (raise PTO_GM_BYTES)",
                        bytes, GM_ALIGN);
    if (max_allocs == 0)
        return pto_fail(err, PTO_ERR_INVALID, "GM arena needs gm_max_allocs >= 1");

    pto_gm *gm = calloc(1, sizeof *gm);
    if (!gm)
        return pto_fail(err, PTO_ERR_NOMEM, "out of host memory for the GM arena");
    size_t cap = 2 * (size_t)max_allocs + 1;
    gm->cap = cap;
    gm->blk = calloc(cap, sizeof *gm->blk);
    if (!gm->blk) {
        free(gm);
        return pto_fail(err, PTO_ERR_NOMEM,
                        "out of host memory for a GM block table of %zu entries "
                        "(lower gm_max_allocs)",
                        cap);
    }
    void *p = mmap(NULL, usable, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) {
        int e = errno;
        free(gm->blk);
        free(gm);
        return pto_fail(err, PTO_ERR_NOMEM,
                        "cannot map a GM arena of %zu bytes: %s (lower PTO_GM_BYTES)", usable,
                        strerror(e));
    }
    int rc = pthread_mutex_init(&gm->lock, NULL);
    if (rc != 0) {
        munmap(p, usable);
        free(gm->blk);
        free(gm);
        return pto_fail(err, PTO_ERR_NOMEM, "GM arena mutex init failed: %s", strerror(rc));
    }
    gm->base = p;
    gm->map_bytes = usable;
    gm->bytes = usable;
    gm->max_allocs = max_allocs;
    gm->rz = guarded ? PTO_REDZONE : 0;
    gm->n = 1;
    gm->blk[0] = (gm_block){.off = 0, .size = usable, .req = 0};
    *out = gm;
    return PTO_OK;
}

void pto_gm_destroy(pto_gm *gm)
{
    if (!gm)
        return;
    pthread_mutex_destroy(&gm->lock);
    if (gm->poisoned) /* the next user of these addresses expects them clean */
        PTO_ASAN_UNPOISON(gm->base, gm->map_bytes);
    munmap(gm->base, gm->map_bytes);
    free(gm->blk);
    free(gm);
}

/* Index of the block containing offset off (off < gm->bytes). Caller holds
 * the lock. */
static size_t find_block(const pto_gm *gm, size_t off)
{
    size_t lo = 0, hi = gm->n; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (gm->blk[mid].off <= off)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

static void remove_at(pto_gm *gm, size_t i)
{
    memmove(&gm->blk[i], &gm->blk[i + 1], (gm->n - i - 1) * sizeof *gm->blk);
    gm->n--;
}

pto_status pto_gm_alloc(pto_gm *gm, size_t bytes, void **out, pto_error *err)
{
    if (!gm || !out)
        return pto_fail(err, PTO_ERR_INVALID, "device malloc: %s is NULL", gm ? "out" : "GM arena");
    *out = NULL;
    if (bytes == 0)
        return pto_fail(err, PTO_ERR_INVALID, "device malloc of 0 bytes; sizes must be >= 1");
    if (bytes > gm->bytes)
        return pto_fail(err, PTO_ERR_INVALID,
                        "device malloc of %zu bytes exceeds the GM arena (%zu "
                        "bytes); raise PTO_GM_BYTES",
                        bytes, gm->bytes);
    size_t size = ((bytes + GM_ALIGN - 1) & ~(GM_ALIGN - 1)) + 2 * gm->rz;

    pthread_mutex_lock(&gm->lock);
    if (gm->nlive >= gm->max_allocs) {
        size_t live = gm->nlive;
        pthread_mutex_unlock(&gm->lock);
        return pto_fail(err, PTO_ERR_NOMEM,
                        "device malloc of %zu bytes: all %zu allocation slots "
                        "are live; free buffers or raise gm_max_allocs",
                        bytes, live);
    }
    size_t largest = 0, free_total = 0;
    for (size_t i = 0; i < gm->n; i++) {
        gm_block *b = &gm->blk[i];
        if (b->req != 0)
            continue;
        if (b->size < size) {
            free_total += b->size;
            if (b->size > largest)
                largest = b->size;
            continue;
        }
        if (b->size > size) {
            /* Split: the tail stays free. n < cap holds because nlive <
             * max_allocs (see the table bound above). */
            memmove(&gm->blk[i + 2], &gm->blk[i + 1], (gm->n - i - 1) * sizeof *gm->blk);
            gm->blk[i + 1] = (gm_block){.off = b->off + size, .size = b->size - size, .req = 0};
            gm->n++;
            b->size = size;
        }
        b->req = bytes;
        gm->nlive++;
        gm->live_bytes += size;
        *out = gm->base + b->off + gm->rz;
        if (gm->rz) {
            pto_redzone_arm(*out, bytes);
#ifdef PTO_ASAN
            gm->poisoned = 1;
#endif
        }
        pthread_mutex_unlock(&gm->lock);
        return PTO_OK;
    }
    pthread_mutex_unlock(&gm->lock);
    return pto_fail(err, PTO_ERR_NOMEM,
                    "device malloc of %zu bytes: no free GM block is large "
                    "enough (%zu bytes free, largest block %zu); free buffers "
                    "or raise PTO_GM_BYTES",
                    bytes, free_total, largest);
}

pto_status pto_gm_free(pto_gm *gm, void *p, pto_error *err)
{
    if (!gm)
        return pto_fail(err, PTO_ERR_INVALID, "device free: GM arena is NULL");
    if (!p)
        return pto_fail(err, PTO_ERR_INVALID,
                        "device free of a NULL pointer (not a device allocation)");
    uintptr_t a = (uintptr_t)p, b0 = (uintptr_t)gm->base;
    if (a < b0 || a - b0 >= gm->bytes)
        return pto_fail(err, PTO_ERR_INVALID,
                        "device free of %p: foreign pointer, not inside the GM "
                        "arena [%p, %p)",
                        p, (void *)gm->base, (void *)(gm->base + gm->bytes));
    size_t off = a - b0;

    pthread_mutex_lock(&gm->lock);
    size_t i = find_block(gm, off);
    gm_block *b = &gm->blk[i];
    if (b->req == 0) {
        pthread_mutex_unlock(&gm->lock);
        return pto_fail(err, PTO_ERR_INVALID,
                        "device free of %p: not a live allocation (double free, "
                        "or never returned by pto_malloc)",
                        p);
    }
    if (b->off + gm->rz != off) {
        void *start = gm->base + b->off + gm->rz;
        pthread_mutex_unlock(&gm->lock);
        if (off < b->off + gm->rz)
            return pto_fail(err, PTO_ERR_INVALID,
                            "device free of %p: in the red zone before the allocation "
                            "at %p; pass the pointer pto_malloc returned",
                            p, start);
        return pto_fail(err, PTO_ERR_INVALID,
                        "device free of %p: interior pointer, %zu bytes into the "
                        "allocation at %p; pass the pointer pto_malloc returned",
                        p, off - (b->off + gm->rz), start);
    }
    if (gm->rz)
        pto_redzone_disarm(gm->base + off, b->req);
    atomic_store_explicit(&gm->frees, atomic_load_explicit(&gm->frees, memory_order_relaxed) + 1,
                          memory_order_release);
    gm->nlive--;
    gm->live_bytes -= b->size;
    b->req = 0;
    /* Coalesce with the next block, then with the previous one. */
    if (i + 1 < gm->n && gm->blk[i + 1].req == 0) {
        b->size += gm->blk[i + 1].size;
        remove_at(gm, i + 1);
    }
    if (i > 0 && gm->blk[i - 1].req == 0) {
        gm->blk[i - 1].size += b->size;
        remove_at(gm, i);
    }
    pthread_mutex_unlock(&gm->lock);
    return PTO_OK;
}

pto_status pto_gm_check_range(pto_gm *gm, const void *p, size_t bytes, pto_error *err)
{
    if (!gm)
        return pto_fail(err, PTO_ERR_INVALID, "device range check: GM arena is NULL");
    if (!p)
        return pto_fail(err, PTO_ERR_INVALID, "device pointer is NULL");
    uintptr_t a = (uintptr_t)p, b0 = (uintptr_t)gm->base;
    if (a < b0 || a - b0 >= gm->bytes)
        return pto_fail(err, PTO_ERR_INVALID,
                        "device range [%p, +%zu): %p is not a device pointer "
                        "(outside the GM arena [%p, %p))",
                        p, bytes, p, (void *)gm->base, (void *)(gm->base + gm->bytes));
    size_t off = a - b0;

    pthread_mutex_lock(&gm->lock);
    const gm_block *b = &gm->blk[find_block(gm, off)];
    size_t boff = b->off + gm->rz, breq = b->req;
    pthread_mutex_unlock(&gm->lock);

    if (breq == 0 || off < boff)
        return pto_fail(err, PTO_ERR_INVALID,
                        "device range [%p, +%zu) is not inside a live "
                        "allocation (freed or never allocated)",
                        p, bytes);
    size_t rel = off - boff; /* rel < block size; may be >= breq (padding) */
    if (rel > breq || bytes > breq - rel)
        return pto_fail(err, PTO_ERR_INVALID,
                        "device range [%p, +%zu) overruns its allocation of %zu "
                        "bytes at %p (offset %zu, ends %zu bytes past the end)",
                        p, bytes, breq, (void *)(gm->base + boff), rel, rel + bytes - breq);
    return PTO_OK;
}

size_t pto_gm_size(const pto_gm *gm) { return gm ? gm->bytes : 0; }

int pto_gm_guarded(const pto_gm *gm) { return gm && gm->rz; }

uint64_t pto_gm_epoch(const pto_gm *gm)
{
    return atomic_load_explicit(&((pto_gm *)gm)->frees, memory_order_acquire);
}

int pto_gm_find(pto_gm *gm, const void *p, uintptr_t *start, size_t *bytes, uint64_t *epoch)
{
    uintptr_t a = (uintptr_t)p, b0 = (uintptr_t)gm->base;
    if (a < b0 || a - b0 >= gm->bytes)
        return PTO_GM_NOT_GM;
    size_t off = a - b0;
    pthread_mutex_lock(&gm->lock);
    const gm_block *b = &gm->blk[find_block(gm, off)];
    size_t ustart = b->off + gm->rz, req = b->req;
    if (epoch)
        *epoch = atomic_load_explicit(&gm->frees, memory_order_relaxed);
    pthread_mutex_unlock(&gm->lock);
    if (!req || off < ustart || off - ustart > req)
        return PTO_GM_NOT_LIVE;
    *start = b0 + ustart;
    *bytes = req;
    return PTO_GM_FOUND;
}

void pto_gm_rearm_all(pto_gm *gm)
{
    if (!gm || !gm->rz)
        return;
    pthread_mutex_lock(&gm->lock);
    for (size_t i = 0; i < gm->n; i++)
        if (gm->blk[i].req)
            pto_redzone_arm(gm->base + gm->blk[i].off + gm->rz, gm->blk[i].req);
    pthread_mutex_unlock(&gm->lock);
}

size_t pto_gm_live_bytes(pto_gm *gm)
{
    if (!gm)
        return 0;
    pthread_mutex_lock(&gm->lock);
    size_t v = gm->live_bytes;
    pthread_mutex_unlock(&gm->lock);
    return v;
}
