/* Kernel registration and on-the-fly compilation unit tests. The device is
 * a zeroed struct pto_device (no threads); registered kernels are called
 * directly through dev->kernels. Each test group works in its own fresh
 * PTO_CACHE_DIR so cache hits and misses are deterministic. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <dirent.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/device.h"
#include "core/kernel_table.h"
#include "pto/kernel.h"
#include "pto/stats.h"

#ifndef PTO_TEST_DATA_DIR
#define PTO_TEST_DATA_DIR "tests/data"
#endif
#define SCALE_SRC PTO_TEST_DATA_DIR "/kern_scale.c"
#define BAD_SRC PTO_TEST_DATA_DIR "/kern_bad.c"

static char g_root[256]; /* mkdtemp dir holding every cache dir made here */
static int g_ncache;

/* Points PTO_CACHE_DIR at a new, empty directory (created by the library). */
static void fresh_cache(void)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/cache%d/sub", g_root, g_ncache++);
    assert_int_equal(setenv("PTO_CACHE_DIR", dir, 1), 0);
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
    (void)st;
    (void)flag;
    (void)f;
    return remove(p);
}

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("PTO_CACHE_DIR");
    if (!base || !base[0])
        base = "/tmp";
    char parent[200];
    snprintf(parent, sizeof parent, "%s", base);
    mkdir(parent, 0755);
    snprintf(g_root, sizeof g_root, "%s/test_kernels.XXXXXX", parent);
    if (!mkdtemp(g_root))
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return nftw(g_root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int dev_setup(void **state)
{
    pto_device *dev = calloc(1, sizeof *dev);
    if (!dev)
        return -1;
    *state = dev;
    fresh_cache();
    return 0;
}

static int dev_teardown(void **state)
{
    pto_device *dev = *state;
    pto_kernel_table_clear_all(&dev->kernels);
    free(dev);
    return 0;
}

static uint64_t g_calls;
static void k_count(const uint64_t *args) { g_calls += args[0]; }

static void call(pto_device *dev, int id, const uint64_t *args)
{
    const pto_kernel_entry *e = pto_kernel_lookup(&dev->kernels, id);
    assert_non_null(e);
    e->fn(args);
}

static void test_register_fn(void **state)
{
    pto_device *dev = *state;
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, 3, PTO_CORE_AIV, k_count, "count", &err), PTO_OK);
    g_calls = 0;
    uint64_t args[1] = {5};
    call(dev, 3, args);
    assert_int_equal(g_calls, 5);
    assert_int_equal(dev->kernels.entry[3].type, PTO_CORE_AIV);
    assert_null(dev->kernels.entry[3].dl);
    assert_string_equal(pto_kernel_name(dev, 3), "count");
    /* Unnamed and unregistered ids. */
    assert_int_equal(pto_kernel_register(dev, 1023, PTO_CORE_AIC, k_count, NULL, &err), PTO_OK);
    assert_string_equal(pto_kernel_name(dev, 1023), "f1023");
    assert_string_equal(pto_kernel_name(dev, 4), "f4");
    assert_non_null(pto_kernel_name(dev, -1));
    assert_non_null(pto_kernel_name(NULL, 2000));
    /* Long names are truncated, not overflowed. */
    char longname[200];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(pto_kernel_register(dev, 0, PTO_CORE_AIC, k_count, longname, &err), PTO_OK);
    assert_int_equal(strlen(pto_kernel_name(dev, 0)), sizeof dev->kernels.entry[0].name - 1);
}

static void test_register_errors(void **state)
{
    pto_device *dev = *state;
    pto_error err = {0};
    assert_int_equal(pto_kernel_register(dev, -1, PTO_CORE_AIC, k_count, "x", &err),
                     PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "out of range"));
    assert_int_equal(pto_kernel_register(dev, PTO_MAX_FUNCS, PTO_CORE_AIC, k_count, "x", &err),
                     PTO_ERR_INVALID);
    assert_int_equal(pto_kernel_register(dev, 1, (pto_core_type)2, k_count, "x", &err),
                     PTO_ERR_INVALID);
    assert_non_null(strstr(err.msg, "core type"));
    assert_int_equal(pto_kernel_register(dev, 1, PTO_CORE_AIC, NULL, "x", &err), PTO_ERR_INVALID);
    assert_int_equal(pto_kernel_register(NULL, 1, PTO_CORE_AIC, k_count, "x", &err),
                     PTO_ERR_INVALID);
    assert_null(pto_kernel_lookup(&dev->kernels, 1));
    dev->executing = 1;
    assert_int_equal(pto_kernel_register(dev, 1, PTO_CORE_AIC, k_count, "x", &err), PTO_ERR_STATE);
    assert_int_equal(
        pto_kernel_register_source(dev, 1, PTO_CORE_AIC, SCALE_SRC, "kern_scale", NULL, &err),
        PTO_ERR_STATE);
    assert_int_equal(pto_kernel_unregister(dev, 1, &err), PTO_ERR_STATE);
    dev->executing = 0;
    assert_int_equal(
        pto_kernel_register_so(dev, 1, PTO_CORE_AIC, "/nonexistent/k.so", "kern_scale", &err),
        PTO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "/nonexistent/k.so"));
    assert_int_equal(pto_kernel_register_so(dev, 1, PTO_CORE_AIC, SCALE_SRC, "kern_scale", &err),
                     PTO_ERR_IO); /* exists, but not a shared object */
    assert_int_equal(pto_kernel_register_so(dev, 1, PTO_CORE_AIC, NULL, "k", &err),
                     PTO_ERR_INVALID);
    assert_null(pto_kernel_lookup(&dev->kernels, 1));
}

static void run_scale(pto_device *dev, int id, float expect_offset)
{
    float x[4] = {1, 2, 3, 4};
    uint64_t args[3] = {pto_ptr_bits(x), 4, pto_f32_bits(2.0f)};
    call(dev, id, args);
    for (int i = 0; i < 4; i++)
        assert_true(x[i] == (float)(i + 1) * 2.0f + expect_offset);
}

static void test_compile_and_register_so(void **state)
{
    pto_device *dev = *state;
    pto_error err = {0};
    char so[4096];
    assert_int_equal(pto_compile_shared(SCALE_SRC, NULL, so, sizeof so, &err), PTO_OK);
    assert_non_null(strstr(so, getenv("PTO_CACHE_DIR")));
    assert_int_equal(pto_kernel_register_so(dev, 10, PTO_CORE_AIV, so, "kern_scale", &err), PTO_OK);
    assert_non_null(dev->kernels.entry[10].dl);
    assert_string_equal(pto_kernel_name(dev, 10), "kern_scale");
    run_scale(dev, 10, 0.0f);
    /* Second symbol from the same object. */
    assert_int_equal(pto_kernel_register_so(dev, 11, PTO_CORE_AIC, so, "kern_add_one", &err),
                     PTO_OK);
    uint64_t c = 41;
    uint64_t args[1] = {pto_ptr_bits(&c)};
    call(dev, 11, args);
    assert_int_equal(c, 42);
    /* Missing symbol: dlerror text names it; the entry is untouched. */
    assert_int_equal(pto_kernel_register_so(dev, 10, PTO_CORE_AIV, so, "no_such_sym", &err),
                     PTO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no_such_sym"));
    run_scale(dev, 10, 0.0f);
    /* Re-registering replaces (and closes the old handle). */
    assert_int_equal(pto_kernel_register(dev, 10, PTO_CORE_AIC, k_count, "count", &err), PTO_OK);
    assert_null(dev->kernels.entry[10].dl);
    assert_string_equal(pto_kernel_name(dev, 10), "count");
    /* Output buffer too small. */
    char tiny[8];
    assert_int_equal(pto_compile_shared(SCALE_SRC, NULL, tiny, sizeof tiny, &err), PTO_ERR_INVALID);
}

static void test_register_source(void **state)
{
    pto_device *dev = *state;
    pto_error err = {0};
    assert_int_equal(
        pto_kernel_register_source(dev, 20, PTO_CORE_AIV, SCALE_SRC, "kern_scale", NULL, &err),
        PTO_OK);
    run_scale(dev, 20, 0.0f);
    /* Extra flags change the hash (a different object) and the code. */
    assert_int_equal(pto_kernel_register_source(dev, 21, PTO_CORE_AIV, SCALE_SRC, "kern_scale",
                                                "  -DPTO_TEST_OFFSET=10  -g ", &err),
                     PTO_OK);
    run_scale(dev, 21, 10.0f);
    run_scale(dev, 20, 0.0f);
}

static void test_compile_error(void **state)
{
    pto_device *dev = *state;
    pto_error err = {0};
    assert_int_equal(
        pto_kernel_register_source(dev, 5, PTO_CORE_AIC, BAD_SRC, "kern_bad", NULL, &err),
        PTO_ERR_COMPILE);
    assert_int_equal(err.status, PTO_ERR_COMPILE);
    assert_non_null(strstr(err.msg, "pto_no_such_thing"));
    assert_non_null(strstr(err.msg, "kern_bad.c"));
    assert_null(pto_kernel_lookup(&dev->kernels, 5));
    /* A bad flag is a compile error too, not a crash or a shell command. */
    char so[4096];
    assert_int_equal(pto_compile_shared(SCALE_SRC, "--no-such-flag-xyz;true", so, sizeof so, &err),
                     PTO_ERR_COMPILE);
    assert_non_null(strstr(err.msg, "no-such-flag-xyz"));
    /* Failed compiles leave no temporary files in the cache. */
    DIR *d = opendir(getenv("PTO_CACHE_DIR"));
    assert_non_null(d);
    for (struct dirent *de; (de = readdir(d));)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            fail_msg("unexpected cache entry %s", de->d_name);
    closedir(d);
}

static void test_cache_hit(void **state)
{
    (void)state;
    pto_error err = {0};
    char a[4096], b[4096];
    struct stat s1, s2;
    assert_int_equal(pto_compile_shared(SCALE_SRC, "-DX=1", a, sizeof a, &err), PTO_OK);
    assert_int_equal(stat(a, &s1), 0);
    assert_int_equal(pto_compile_shared(SCALE_SRC, "-DX=1", b, sizeof b, &err), PTO_OK);
    assert_string_equal(a, b);
    /* Not rebuilt: a rebuild renames a new file (new inode) into place. */
    assert_int_equal(stat(b, &s2), 0);
    assert_int_equal(s1.st_ino, s2.st_ino);
    assert_int_equal(s1.st_mtim.tv_sec, s2.st_mtim.tv_sec);
    assert_int_equal(s1.st_mtim.tv_nsec, s2.st_mtim.tv_nsec);
    /* Different flags: a different object. */
    assert_int_equal(pto_compile_shared(SCALE_SRC, "-DX=2", b, sizeof b, &err), PTO_OK);
    assert_string_not_equal(a, b);
}

/* Editing a runtime header (a .h in <include>/pto) invalidates the cache: a
 * copy of the include dir is used via PTO_INCLUDE_DIR and then changed. */
static void test_cache_tracks_pto_headers(void **state)
{
    (void)state;
    char inc[4096], cmd[8400], a[4096], b[4096];
    pto_error err = {0};
    snprintf(inc, sizeof inc, "%s/inc-copy", getenv("PTO_CACHE_DIR"));
    snprintf(cmd, sizeof cmd, "mkdir -p '%s' && cp -r '%s/pto' '%s/'", inc, PTO_SOURCE_INCLUDE,
             inc);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(setenv("PTO_INCLUDE_DIR", inc, 1), 0);
    assert_int_equal(pto_compile_shared(SCALE_SRC, NULL, a, sizeof a, &err), PTO_OK);
    assert_int_equal(pto_compile_shared(SCALE_SRC, NULL, b, sizeof b, &err), PTO_OK);
    assert_string_equal(a, b);
    snprintf(cmd, sizeof cmd, "echo '/* edited */' >> '%s/pto/kernel.h'", inc);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(pto_compile_shared(SCALE_SRC, NULL, b, sizeof b, &err), PTO_OK);
    assert_string_not_equal(a, b);
    unsetenv("PTO_INCLUDE_DIR");
}

/* Writes text to dir/name and sets its mtime to a fixed time in the past,
 * so that only content can tell versions apart. */
static void put_file(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_true(fputs(text, f) >= 0);
    assert_int_equal(fclose(f), 0);
    struct timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, path, old, 0), 0);
}

/* Compiles dir/user.c with flags, loads it as func_id id and returns what
 * its kernel writes; *path receives the object. */
static uint64_t user_value(pto_device *dev, const char *dir, const char *flags, int id, char *path,
                           size_t len)
{
    char src[4096];
    pto_error err = {0};
    snprintf(src, sizeof src, "%s/user.c", dir);
    if (pto_compile_shared(src, flags, path, len, &err) != PTO_OK)
        fail_msg("compile: %s", err.msg);
    if (pto_kernel_register_so(dev, id, PTO_CORE_AIV, path, "kern_user", &err) != PTO_OK)
        fail_msg("register: %s", err.msg);
    uint64_t v = 0, args[1] = {pto_ptr_bits(&v)};
    call(dev, id, args);
    return v;
}

/* A header the source includes (directly or through another header, from
 * its own directory or an -I directory) is part of the cache key: editing
 * it gives a new object with the new behaviour, even when the edit keeps
 * the size and mtime; reverting finds the old object again; a header newly
 * shadowing another on the include path is seen too. */
static void test_cache_tracks_user_headers(void **state)
{
    pto_device *dev = *state;
    char dir[4096], a[4096], b[4096], c[4096], inc_a[4200], inc_b[4200], flags[8600];
    struct stat s1, s2;
    snprintf(dir, sizeof dir, "%s/user-src", g_root);
    assert_int_equal(mkdir(dir, 0755), 0);
    put_file(dir, "user.c",
             "#include <stdint.h>\n#include \"pto/kernel.h\"\n#include \"user.h\"\n"
             "#include <shadow.h>\n"
             "void kern_user(const uint64_t *a);\n"
             "void kern_user(const uint64_t *a)\n"
             "{ *(uint64_t *)pto_bits_ptr(a[0]) = USER_VALUE * 100 + SHADOW_VALUE; }\n");
    put_file(dir, "user.h", "#include \"deep.h\"\n#define USER_VALUE (DEEP_VALUE + 1)\n");
    put_file(dir, "deep.h", "#define DEEP_VALUE 1\n");
    snprintf(inc_a, sizeof inc_a, "%s/inc-a", dir);
    snprintf(inc_b, sizeof inc_b, "%s/inc-b", dir);
    assert_int_equal(mkdir(inc_a, 0755), 0);
    assert_int_equal(mkdir(inc_b, 0755), 0);
    put_file(inc_b, "shadow.h", "#define SHADOW_VALUE 7\n");
    put_file(inc_a, "unrelated.h", "\n");
    snprintf(flags, sizeof flags, "-I%s -I%s", inc_a, inc_b);

    assert_int_equal(user_value(dev, dir, flags, 40, a, sizeof a), 207);
    assert_int_equal(stat(a, &s1), 0);
    /* Unchanged: a cache hit, the same object (not even rebuilt). */
    assert_int_equal(user_value(dev, dir, flags, 41, b, sizeof b), 207);
    assert_string_equal(a, b);
    assert_int_equal(stat(b, &s2), 0);
    assert_int_equal(s1.st_ino, s2.st_ino);
    /* An edit two includes deep, same size, same (old) mtime. */
    put_file(dir, "deep.h", "#define DEEP_VALUE 5\n");
    assert_int_equal(user_value(dev, dir, flags, 42, b, sizeof b), 607);
    assert_string_not_equal(a, b);
    /* Reverted: the first object again, without compiling. */
    put_file(dir, "deep.h", "#define DEEP_VALUE 1\n");
    assert_int_equal(user_value(dev, dir, flags, 43, c, sizeof c), 207);
    assert_string_equal(a, c);
    assert_int_equal(stat(c, &s2), 0);
    assert_int_equal(s1.st_ino, s2.st_ino);
    /* A new header earlier on the include path shadows the one found. */
    put_file(inc_a, "shadow.h", "#define SHADOW_VALUE 9\n");
    assert_int_equal(user_value(dev, dir, flags, 44, c, sizeof c), 209);
    assert_string_not_equal(a, c);
}

static void test_missing_compiler(void **state)
{
    (void)state;
    pto_error err = {0};
    char so[4096];
    const char *cc = getenv("CC");
    char saved[256] = "";
    if (cc)
        snprintf(saved, sizeof saved, "%s", cc);
    setenv("CC", "/nonexistent/pto-cc", 1);
    pto_status s = pto_compile_shared(SCALE_SRC, NULL, so, sizeof so, &err);
    if (cc)
        setenv("CC", saved, 1);
    else
        unsetenv("CC");
    assert_int_equal(s, PTO_ERR_TOOLCHAIN);
    assert_non_null(strstr(err.msg, "/nonexistent/pto-cc"));
}

static void test_missing_source(void **state)
{
    pto_device *dev = *state;
    pto_error err = {0};
    char so[4096];
    assert_int_equal(
        pto_compile_shared(PTO_TEST_DATA_DIR "/no_such_kernel.c", NULL, so, sizeof so, &err),
        PTO_ERR_NOT_FOUND);
    assert_non_null(strstr(err.msg, "no_such_kernel.c"));
    assert_int_equal(pto_kernel_register_source(dev, 2, PTO_CORE_AIC,
                                                PTO_TEST_DATA_DIR "/no_such_kernel.c", "k", NULL,
                                                &err),
                     PTO_ERR_NOT_FOUND);
    assert_int_equal(pto_compile_shared(NULL, NULL, so, sizeof so, &err), PTO_ERR_INVALID);
}

static void test_unregister(void **state)
{
    pto_device *dev = *state;
    pto_error err = {0};
    assert_int_equal(
        pto_kernel_register_source(dev, 7, PTO_CORE_AIV, SCALE_SRC, "kern_scale", NULL, &err),
        PTO_OK);
    assert_non_null(pto_kernel_lookup(&dev->kernels, 7));
    assert_int_equal(pto_kernel_unregister(dev, 7, &err), PTO_OK);
    assert_null(pto_kernel_lookup(&dev->kernels, 7));
    assert_null(dev->kernels.entry[7].dl);
    assert_string_equal(pto_kernel_name(dev, 7), "f7");
    assert_int_equal(pto_kernel_unregister(dev, 7, &err), PTO_ERR_NOT_FOUND);
    assert_int_equal(pto_kernel_unregister(dev, -3, &err), PTO_ERR_INVALID);
    assert_int_equal(pto_kernel_unregister(dev, PTO_MAX_FUNCS, &err), PTO_ERR_INVALID);
}

typedef struct compile_arg {
    char so[4096];
    pto_status s;
} compile_arg;

static void *compile_thread(void *p)
{
    compile_arg *a = p;
    pto_error err;
    a->s = pto_compile_shared(SCALE_SRC, "-DPTO_TEST_OFFSET=3", a->so, sizeof a->so, &err);
    return NULL;
}

/* Concurrent compiles of the same source into an empty cache all succeed
 * and agree on the path (temp file + rename). */
static void test_concurrent_compile(void **state)
{
    pto_device *dev = *state;
    enum { T = 4 };
    pthread_t th[T];
    compile_arg a[T];
    for (int i = 0; i < T; i++)
        assert_int_equal(pthread_create(&th[i], NULL, compile_thread, &a[i]), 0);
    for (int i = 0; i < T; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(a[i].s, PTO_OK);
        assert_string_equal(a[i].so, a[0].so);
    }
    pto_error err = {0};
    assert_int_equal(pto_kernel_register_so(dev, 30, PTO_CORE_AIV, a[0].so, "kern_scale", &err),
                     PTO_OK);
    run_scale(dev, 30, 3.0f);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, dev_setup, dev_teardown)
    const struct CMUnitTest tests[] = {
        T(test_register_fn),
        T(test_register_errors),
        T(test_compile_and_register_so),
        T(test_register_source),
        T(test_compile_error),
        T(test_cache_hit),
        T(test_cache_tracks_pto_headers),
        T(test_cache_tracks_user_headers),
        T(test_missing_compiler),
        T(test_missing_source),
        T(test_unregister),
        T(test_concurrent_compile),
    };
#undef T
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
