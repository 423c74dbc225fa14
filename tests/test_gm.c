/* GM arena and device-memory API unit tests. No device threads: the device
 * is a zeroed struct pto_device whose gm is created directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pthread.h>

#include "core/device.h"
#include "core/gm_arena.h"
#include "pto/device.h"

#define ARENA (1u << 20)

static pto_gm *mk(size_t bytes, uint32_t max_allocs)
{
    pto_gm *gm = NULL;
    pto_error err = {0};
    assert_int_equal(pto_gm_create(bytes, max_allocs, &gm, &err), PTO_OK);
    assert_non_null(gm);
    return gm;
}

static void *alloc_ok(pto_gm *gm, size_t n)
{
    void *p = NULL;
    pto_error err = {0};
    assert_int_equal(pto_gm_alloc(gm, n, &p, &err), PTO_OK);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 64, 0);
    return p;
}

static void free_ok(pto_gm *gm, void *p)
{
    pto_error err = {0};
    assert_int_equal(pto_gm_free(gm, p, &err), PTO_OK);
}

static void test_create_errors(void **state)
{
    (void)state;
    pto_gm *gm = NULL;
    pto_error err = {0};
    assert_int_equal(pto_gm_create(0, 8, &gm, &err), PTO_ERR_INVALID);
    assert_null(gm);
    assert_int_equal(pto_gm_create(32, 8, &gm, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_gm_create(ARENA, 0, &gm, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "gm_max_allocs"));
    gm = mk(ARENA + 10, 8); /* rounded down to a multiple of 64 */
    assert_int_equal(pto_gm_size(gm), ARENA);
    pto_gm_destroy(gm);
    pto_gm_destroy(NULL);
}

static void test_alloc_alignment_and_order(void **state)
{
    (void)state;
    pto_gm *gm = mk(ARENA, 64);
    unsigned char *a = alloc_ok(gm, 1);
    unsigned char *b = alloc_ok(gm, 100);
    unsigned char *c = alloc_ok(gm, 64);
    assert_ptr_equal(b, a + 64);  /* 1 rounds to 64 */
    assert_ptr_equal(c, b + 128); /* 100 rounds to 128 */
    assert_int_equal(pto_gm_live_bytes(gm), 64 + 128 + 64);
    memset(a, 0xaa, 1);
    memset(b, 0xbb, 100);
    memset(c, 0xcc, 64);
    free_ok(gm, a);
    free_ok(gm, b);
    free_ok(gm, c);
    assert_int_equal(pto_gm_live_bytes(gm), 0);
    pto_gm_destroy(gm);
}

static void test_reuse_split_coalesce(void **state)
{
    (void)state;
    pto_gm *gm = mk(ARENA, 64);
    unsigned char *a = alloc_ok(gm, 1024);
    unsigned char *b = alloc_ok(gm, 1024);
    unsigned char *c = alloc_ok(gm, 1024);
    free_ok(gm, b);
    /* First fit reuses the hole, splitting it. */
    unsigned char *d = alloc_ok(gm, 64);
    unsigned char *e = alloc_ok(gm, 960);
    assert_ptr_equal(d, b);
    assert_ptr_equal(e, b + 64);
    free_ok(gm, d);
    free_ok(gm, e); /* coalesces with d's hole */
    assert_ptr_equal(alloc_ok(gm, 1024), b);
    /* Free a and c, then b: b merges with both neighbours and the tail. */
    free_ok(gm, a);
    free_ok(gm, c);
    free_ok(gm, b);
    void *all = alloc_ok(gm, ARENA);
    assert_ptr_equal(all, a);
    free_ok(gm, all);
    pto_gm_destroy(gm);
}

static void test_bad_sizes(void **state)
{
    (void)state;
    pto_gm *gm = mk(ARENA, 64);
    void *p = (void *)1;
    pto_error err = {0};
    assert_int_equal(pto_gm_alloc(gm, 0, &p, &err), PTO_ERR_INVALID);
    assert_null(p);
    assert_int_equal(err.status, PTO_ERR_INVALID);
    assert_int_equal(pto_gm_alloc(gm, (size_t)ARENA + 1, &p, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "exceeds the GM arena"));
    assert_non_null(strstr(err.msg, "PTO_GM_BYTES"));
    assert_int_equal(pto_gm_alloc(gm, SIZE_MAX, &p, &err), PTO_ERR_INVALID);
    /* Fits the arena but not the free space. */
    void *big = alloc_ok(gm, ARENA - 64);
    assert_int_equal(pto_gm_alloc(gm, 128, &p, &err), PTO_ERR_NOMEM);
    assert_non_null(strstr(err.msg, "no free GM block"));
    void *last = alloc_ok(gm, 64);
    assert_int_equal(pto_gm_alloc(gm, 1, &p, &err), PTO_ERR_NOMEM);
    free_ok(gm, big);
    free_ok(gm, last);
    pto_gm_destroy(gm);
}

static void test_bad_frees(void **state)
{
    (void)state;
    pto_gm *gm = mk(ARENA, 64);
    pto_error err = {0};
    unsigned char *a = alloc_ok(gm, 256);
    int local;

    assert_int_equal(pto_gm_free(gm, NULL, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "NULL"));
    assert_int_equal(pto_gm_free(gm, &local, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "foreign"));
    assert_int_equal(pto_gm_free(gm, a + 64, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "interior"));
    assert_int_equal(pto_gm_free(gm, a + 1, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "interior"));
    /* Never allocated, but inside the arena. */
    assert_int_equal(pto_gm_free(gm, a + 4096, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "not a live allocation"));
    /* Errors must not disturb the allocation. */
    assert_int_equal(pto_gm_live_bytes(gm), 256);
    free_ok(gm, a);
    assert_int_equal(pto_gm_free(gm, a, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "double free"));
    assert_int_equal(pto_gm_live_bytes(gm), 0);
    /* A NULL err is allowed. */
    assert_int_equal(pto_gm_free(gm, a, NULL), PTO_ERR_INVALID);
    pto_gm_destroy(gm);
}

static void test_table_exhaustion(void **state)
{
    (void)state;
    enum { N = 4 };
    pto_gm *gm = mk(ARENA, N);
    pto_error err = {0};
    void *p[N], *q = NULL;
    for (int i = 0; i < N; i++)
        p[i] = alloc_ok(gm, 64);
    assert_int_equal(pto_gm_alloc(gm, 64, &q, &err), PTO_ERR_NOMEM);
    assert_non_null(strstr(err.msg, "gm_max_allocs"));
    free_ok(gm, p[1]);
    p[1] = alloc_ok(gm, 64);
    /* Worst case for the block table: holes between every live block. */
    free_ok(gm, p[0]);
    free_ok(gm, p[2]);
    void *x = alloc_ok(gm, 4096); /* from the tail */
    void *y = alloc_ok(gm, 64);   /* into a hole */
    assert_ptr_equal(y, p[0]);
    assert_int_equal(pto_gm_alloc(gm, 64, &q, &err), PTO_ERR_NOMEM);
    free_ok(gm, x);
    free_ok(gm, y);
    free_ok(gm, p[1]);
    free_ok(gm, p[3]);
    assert_int_equal(pto_gm_live_bytes(gm), 0);
    pto_gm_destroy(gm);
}

static void test_check_range(void **state)
{
    (void)state;
    pto_gm *gm = mk(ARENA, 64);
    pto_error err = {0};
    unsigned char *a = alloc_ok(gm, 100);
    unsigned char *b = alloc_ok(gm, 128);
    assert_int_equal(pto_gm_check_range(gm, a, 100, &err), PTO_OK);
    assert_int_equal(pto_gm_check_range(gm, a + 10, 90, &err), PTO_OK);
    assert_int_equal(pto_gm_check_range(gm, a + 100, 0, &err), PTO_OK);
    assert_int_equal(pto_gm_check_range(gm, a, 101, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "overruns"));
    assert_int_equal(pto_gm_check_range(gm, a + 99, 2, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_gm_check_range(gm, a + 101, 0, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_gm_check_range(gm, a + 10, SIZE_MAX, &err), PTO_ERR_INVALID);
    /* Spanning two adjacent allocations is not one live allocation. */
    assert_int_equal(pto_gm_check_range(gm, a, 64 + 128, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_gm_check_range(gm, b, 128, &err), PTO_OK);
    assert_int_equal(pto_gm_check_range(gm, NULL, 1, &err), PTO_ERR_INVALID);
    int local;
    assert_int_equal(pto_gm_check_range(gm, &local, 4, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "not a device pointer"));
    free_ok(gm, b);
    assert_int_equal(pto_gm_check_range(gm, b, 1, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "live allocation"));
    free_ok(gm, a);
    pto_gm_destroy(gm);
}

/* "Which live allocation contains p": interior pointers and one past the
 * end find it, freed or foreign memory does not; the epoch counts frees. */
static void test_find(void **state)
{
    (void)state;
    pto_gm *gm = mk(ARENA, 64);
    unsigned char *a = alloc_ok(gm, 100);
    unsigned char *b = alloc_ok(gm, 64);
    uintptr_t start = 0;
    size_t bytes = 0;
    uint64_t e0 = pto_gm_epoch(gm), e = 99;
    assert_int_equal(pto_gm_find(gm, a + 37, &start, &bytes, &e), PTO_GM_FOUND);
    assert_true(start == (uintptr_t)a && bytes == 100 && e == e0);
    assert_int_equal(pto_gm_find(gm, a + 100, &start, &bytes, NULL), PTO_GM_FOUND);
    assert_int_equal(pto_gm_find(gm, a + 101, &start, &bytes, NULL), PTO_GM_NOT_LIVE);
    assert_int_equal(pto_gm_find(gm, b, &start, &bytes, NULL), PTO_GM_FOUND);
    assert_true(start == (uintptr_t)b && bytes == 64);
    int local;
    assert_int_equal(pto_gm_find(gm, &local, &start, &bytes, NULL), PTO_GM_NOT_GM);
    free_ok(gm, b);
    assert_true(pto_gm_epoch(gm) == e0 + 1);
    assert_int_equal(pto_gm_find(gm, b, &start, &bytes, NULL), PTO_GM_NOT_LIVE);
    free_ok(gm, a);
    pto_gm_destroy(gm);
}

/* Guarded arena: 64-byte red zones on both sides of every allocation;
 * they belong to no allocation, and ranges stop at the requested size. */
static void test_guarded(void **state)
{
    (void)state;
    pto_gm *gm = NULL;
    pto_error err = {0};
    assert_int_equal(pto_gm_create_guarded(ARENA, 8, 1, &gm, &err), PTO_OK);
    assert_true(pto_gm_guarded(gm));
    unsigned char *a = alloc_ok(gm, 100);
    unsigned char *b = alloc_ok(gm, 1);
    assert_ptr_equal(b, a + 128 + 64 + 64); /* a, its zone after, b's zone before */
    assert_int_equal(pto_gm_live_bytes(gm), (128 + 128) + (64 + 128));
    uintptr_t start;
    size_t bytes;
    assert_int_equal(pto_gm_find(gm, a - 1, &start, &bytes, NULL), PTO_GM_NOT_LIVE);
    assert_int_equal(pto_gm_find(gm, b - 64, &start, &bytes, NULL), PTO_GM_NOT_LIVE);
    assert_int_equal(pto_gm_check_range(gm, a, 100, &err), PTO_OK);
    assert_int_equal(pto_gm_check_range(gm, a - 4, 4, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_gm_check_range(gm, a, 101, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_gm_free(gm, a - 64, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "red zone"));
    free_ok(gm, a);
    free_ok(gm, b);
    assert_int_equal(pto_gm_live_bytes(gm), 0);
    pto_gm_destroy(gm);
}

/* Random alloc/free against a shadow model: every live block carries a fill
 * byte that must survive until it is freed (no overlap), and everything
 * coalesces back into one block at the end. */
static void test_random_model(void **state)
{
    (void)state;
    enum { SLOTS = 200 };
    pto_gm *gm = mk(ARENA, SLOTS);
    unsigned char *ptr[SLOTS] = {0};
    size_t len[SLOTS] = {0};
    uint64_t rng = 12345;
    pto_error err;
    for (int it = 0; it < 20000; it++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int i = (int)((rng >> 33) % SLOTS);
        if (ptr[i]) {
            for (size_t k = 0; k < len[i]; k++)
                assert_int_equal(ptr[i][k], (unsigned char)i);
            free_ok(gm, ptr[i]);
            ptr[i] = NULL;
        } else {
            size_t n = 1 + (size_t)((rng >> 17) % 9000);
            void *p = NULL;
            pto_status s = pto_gm_alloc(gm, n, &p, &err);
            if (s == PTO_ERR_NOMEM)
                continue;
            assert_int_equal(s, PTO_OK);
            assert_int_equal((uintptr_t)p % 64, 0);
            ptr[i] = p;
            len[i] = n;
            memset(p, i, n);
        }
    }
    for (int i = 0; i < SLOTS; i++)
        if (ptr[i])
            free_ok(gm, ptr[i]);
    assert_int_equal(pto_gm_live_bytes(gm), 0);
    free_ok(gm, alloc_ok(gm, ARENA));
    pto_gm_destroy(gm);
}

typedef struct thr_arg {
    pto_gm *gm;
    int seed;
    int failures;
} thr_arg;

static void *thr_main(void *p)
{
    thr_arg *t = p;
    void *mine[16] = {0};
    for (int it = 0; it < 4000; it++) {
        int i = (it * 7 + t->seed) % 16;
        if (mine[i]) {
            if (pto_gm_free(t->gm, mine[i], NULL) != PTO_OK)
                t->failures++;
            mine[i] = NULL;
        } else if (pto_gm_alloc(t->gm, 64 + (size_t)(it % 500), &mine[i], NULL) != PTO_OK) {
            t->failures++;
        } else {
            memset(mine[i], t->seed, 64);
        }
    }
    for (int i = 0; i < 16; i++)
        if (mine[i] && pto_gm_free(t->gm, mine[i], NULL) != PTO_OK)
            t->failures++;
    return NULL;
}

static void test_threads(void **state)
{
    (void)state;
    enum { T = 4 };
    pto_gm *gm = mk(ARENA, 256);
    pthread_t th[T];
    thr_arg a[T];
    for (int i = 0; i < T; i++) {
        a[i] = (thr_arg){.gm = gm, .seed = i + 1, .failures = 0};
        assert_int_equal(pthread_create(&th[i], NULL, thr_main, &a[i]), 0);
    }
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].failures, 0);
    }
    assert_int_equal(pto_gm_live_bytes(gm), 0);
    pto_gm_destroy(gm);
}

/* ---- public API on a bare device ---- */

static pto_device *bare_device(void)
{
    pto_device *dev = calloc(1, sizeof *dev);
    assert_non_null(dev);
    pto_error err = {0};
    assert_int_equal(pto_gm_create(ARENA, 64, &dev->gm, &err), PTO_OK);
    return dev;
}

static void bare_device_free(pto_device *dev)
{
    pto_gm_destroy(dev->gm);
    free(dev);
}

static void test_malloc_copy_roundtrip(void **state)
{
    (void)state;
    pto_device *dev = bare_device();
    pto_error err = {0};
    float *d = NULL;
    assert_int_equal(pto_malloc(dev, 16 * sizeof(float), (void **)&d, &err), PTO_OK);
    float in[16], out[16];
    for (int i = 0; i < 16; i++)
        in[i] = (float)i * 1.5f;
    assert_int_equal(pto_copy_to_device(dev, d, in, sizeof in, &err), PTO_OK);
    memset(out, 0, sizeof out);
    assert_int_equal(pto_copy_from_device(dev, out, d, sizeof out, &err), PTO_OK);
    assert_memory_equal(in, out, sizeof in);
    /* Partial copy at an offset. */
    assert_int_equal(pto_copy_from_device(dev, out, d + 8, 8 * sizeof(float), &err), PTO_OK);
    assert_memory_equal(out, in + 8, 8 * sizeof(float));
    assert_int_equal(pto_free(dev, d, &err), PTO_OK);
    bare_device_free(dev);
}

static void test_copy_errors(void **state)
{
    (void)state;
    pto_device *dev = bare_device();
    pto_error err = {0};
    char *d = NULL;
    char host[256] = {0};
    assert_int_equal(pto_malloc(dev, 100, (void **)&d, &err), PTO_OK);

    /* Overruns of the requested size (even within the 64-byte padding). */
    assert_int_equal(pto_copy_to_device(dev, d, host, 101, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "pto_copy_to_device"));
    assert_int_equal(pto_copy_from_device(dev, host, d + 50, 51, &err), PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "pto_copy_from_device"));
    /* Host pointer passed as the device side. */
    assert_int_equal(pto_copy_to_device(dev, host, d, 10, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_copy_from_device(dev, host, host + 10, 10, &err), PTO_ERR_INVALID);
    /* NULL pointers, also for zero bytes. */
    assert_int_equal(pto_copy_to_device(dev, d, NULL, 10, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_copy_from_device(dev, NULL, d, 10, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_copy_to_device(dev, NULL, host, 0, &err), PTO_ERR_INVALID);
    /* Zero-byte copies are no-ops when the device pointer is valid. */
    assert_int_equal(pto_copy_to_device(dev, d, host, 0, &err), PTO_OK);
    assert_int_equal(pto_copy_from_device(dev, host, d + 100, 0, &err), PTO_OK);
    /* Freed memory. */
    assert_int_equal(pto_free(dev, d, &err), PTO_OK);
    assert_int_equal(pto_copy_to_device(dev, d, host, 1, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_free(dev, d, &err), PTO_ERR_INVALID);
    /* Malloc errors surface through the public API. */
    void *p = NULL;
    assert_int_equal(pto_malloc(dev, 0, &p, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_malloc(dev, 1, NULL, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_malloc(NULL, 1, &p, &err), PTO_ERR_INVALID);
    pto_gm *gm = dev->gm;
    dev->gm = NULL;
    assert_int_equal(pto_malloc(dev, 1, &p, &err), PTO_ERR_STATE);
    dev->gm = gm;
    bare_device_free(dev);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_errors),
        cmocka_unit_test(test_alloc_alignment_and_order),
        cmocka_unit_test(test_reuse_split_coalesce),
        cmocka_unit_test(test_bad_sizes),
        cmocka_unit_test(test_bad_frees),
        cmocka_unit_test(test_table_exhaustion),
        cmocka_unit_test(test_check_range),
        cmocka_unit_test(test_find),
        cmocka_unit_test(test_guarded),
        cmocka_unit_test(test_random_model),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_malloc_copy_roundtrip),
        cmocka_unit_test(test_copy_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
