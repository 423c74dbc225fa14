/* pto_compile_shared: C source -> cached shared object.
 *
 * Command: $CC (default "cc"; split on whitespace, so "ccache gcc" works)
 *   -std=c11 -shared -fPIC -O2 -I<include dir> <extra_flags> -o <tmp> <src> -lm
 * extra_flags is split on whitespace; there is no shell and no quoting.
 *
 * Include dir: $PTO_INCLUDE_DIR, else PTO_SOURCE_INCLUDE_DIR if it exists,
 * else PTO_INSTALL_INCLUDE_DIR.
 * Cache dir: $PTO_CACHE_DIR, else $XDG_CACHE_HOME/pto, else ~/.cache/pto
 * (created like mkdir -p). The object is <cache>/<stem>-<hash>.so where hash
 * is 64-bit FNV-1a over the source bytes, the compiler and flag words, the
 * include dir and the runtime's own headers (every .h in <include>/pto, which
 * kernels use: tile.h, kernel.h, example.h). An existing object is reused
 * without compiling. Other headers the source includes are NOT part of the
 * hash: after editing one, clear the cache (or change a flag).
 *
 * Concurrency: the compiler writes a unique temporary file which is then
 * rename()d into place, so concurrent compiles of the same source (threads
 * or processes) both succeed and readers never see a partial object. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/error.h"
#include "pto/kernel.h"

#ifndef PTO_SOURCE_INCLUDE_DIR
#define PTO_SOURCE_INCLUDE_DIR ""
#endif
#ifndef PTO_INSTALL_INCLUDE_DIR
#define PTO_INSTALL_INCLUDE_DIR "/usr/local/include"
#endif

#define CC_PATH_MAX 4096
#define CC_MAX_ARGS 256 /* argv slots, including the fixed ones and NULL */
#define CC_DIAG_MAX 3000 /* compiler output bytes kept in err->msg */

/* ---- FNV-1a 64 ---- */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) {
        h ^= b[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Hashes a length-prefixed string so field boundaries are unambiguous. */
static uint64_t fnv_str(uint64_t h, const char *s)
{
    uint64_t n = strlen(s);
    h = fnv(h, &n, sizeof n);
    return fnv(h, s, (size_t)n);
}

/* ---- small helpers ---- */

static int is_dir(const char *p)
{
    struct stat st;
    return p[0] && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static const char *include_dir(void)
{
    const char *e = getenv("PTO_INCLUDE_DIR");
    if (e && e[0])
        return e;
    if (is_dir(PTO_SOURCE_INCLUDE_DIR))
        return PTO_SOURCE_INCLUDE_DIR;
    return PTO_INSTALL_INCLUDE_DIR;
}

static pto_status cache_dir(char *buf, size_t len, pto_error *err)
{
    const char *e = getenv("PTO_CACHE_DIR");
    int n;
    if (e && e[0])
        n = snprintf(buf, len, "%s", e);
    else if ((e = getenv("XDG_CACHE_HOME")) && e[0])
        n = snprintf(buf, len, "%s/pto", e);
    else if ((e = getenv("HOME")) && e[0])
        n = snprintf(buf, len, "%s/.cache/pto", e);
    else
        return pto_fail(err, PTO_ERR_IO,
                        "no kernel cache directory: set PTO_CACHE_DIR (HOME "
                        "and XDG_CACHE_HOME are unset)");
    if (n < 0 || (size_t)n >= len)
        return pto_fail(err, PTO_ERR_INVALID, "kernel cache path '%s...' is too long",
                        e);
    return PTO_OK;
}

/* mkdir -p: creates every missing component of path (modified in place,
 * restored before return). */
static pto_status mkdir_p(char *path, pto_error *err)
{
    for (char *p = path + 1;; p++) {
        char c = *p;
        if (c != '/' && c != '\0')
            continue;
        *p = '\0';
        int rc = mkdir(path, 0755);
        int e = errno;
        *p = c;
        if (rc != 0 && e != EEXIST) {
            return pto_fail(err, PTO_ERR_IO,
                            "cannot create kernel cache directory '%s': %s "
                            "(set PTO_CACHE_DIR to a writable directory)",
                            path, strerror(e));
        }
        if (c == '\0')
            break;
    }
    if (!is_dir(path))
        return pto_fail(err, PTO_ERR_IO,
                        "kernel cache path '%s' is not a directory (set "
                        "PTO_CACHE_DIR)",
                        path);
    return PTO_OK;
}

/* Splits s (modified in place) on whitespace, appending words to argv.
 * Returns -1 if *argc would reach max (one slot is kept for NULL). */
static int split_words(char *s, char **argv, int *argc, int max)
{
    char *save = NULL;
    for (char *w = strtok_r(s, " \t\r\n", &save); w;
         w = strtok_r(NULL, " \t\r\n", &save)) {
        if (*argc + 1 >= max)
            return -1;
        argv[(*argc)++] = w;
    }
    return 0;
}

static pto_status hash_file(const char *path, uint64_t *h, pto_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        return pto_fail(err, e == ENOENT ? PTO_ERR_NOT_FOUND : PTO_ERR_IO,
                        "kernel source '%s' %s: %s", path,
                        e == ENOENT ? "not found" : "cannot be opened", strerror(e));
    }
    unsigned char buf[16384];
    for (;;) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r == 0)
            break;
        if (r < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);
            return pto_fail(err, PTO_ERR_IO, "cannot read kernel source '%s': %s",
                            path, strerror(e));
        }
        *h = fnv(*h, buf, (size_t)r);
    }
    close(fd);
    return PTO_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Folds every .h in <inc>/pto into h, in name order (no dir: nothing). */
static void hash_pto_headers(const char *inc, uint64_t *h)
{
    char dirpath[CC_PATH_MAX], path[CC_PATH_MAX + 160];
    snprintf(dirpath, sizeof dirpath, "%.4000s/pto", inc);
    DIR *d = opendir(dirpath);
    if (!d)
        return;
    char names[64][128];
    char *order[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t len = strlen(e->d_name);
        if (len < 3 || len >= sizeof names[0] || strcmp(e->d_name + len - 2, ".h"))
            continue;
        memcpy(names[n], e->d_name, len + 1);
        order[n] = names[n];
        n++;
    }
    closedir(d);
    qsort(order, n, sizeof order[0], cmp_names);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dirpath, order[i]);
        *h = fnv_str(*h, order[i]);
        hash_file(path, h, 0); /* an unreadable header just hashes less */
    }
}

/* File name stem of path, restricted to [A-Za-z0-9_-], at most 40 chars. */
static void stem_of(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = 0;
    for (; *b && *b != '.' && n + 1 < len && n < 40; b++) {
        char c = *b;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                 (c >= '0' && c <= '9') || c == '_' || c == '-';
        out[n++] = ok ? c : '_';
    }
    if (n == 0 && len > 1)
        out[n++] = 'k';
    out[n] = '\0';
}

/* Appends up to CC_DIAG_MAX bytes of the file at fd (from its start). */
static void append_diagnostics(pto_error *err, int fd)
{
    if (!err)
        return;
    char buf[CC_DIAG_MAX + 1];
    size_t n = 0;
    if (lseek(fd, 0, SEEK_SET) == 0) {
        while (n < CC_DIAG_MAX) {
            ssize_t r = read(fd, buf + n, CC_DIAG_MAX - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            n += (size_t)r;
        }
    }
    buf[n] = '\0';
    char extra;
    int more = n == CC_DIAG_MAX && read(fd, &extra, 1) == 1;
    pto_error_append(err, "%s%s", n ? buf : "(no compiler output)\n",
                     more ? "\n[... compiler output truncated ...]\n" : "");
}

static void append_command(pto_error *err, char *const *argv)
{
    pto_error_append(err, "command:");
    for (int i = 0; argv[i]; i++)
        pto_error_append(err, " %s", argv[i]);
}

/* Runs argv with stdout/stderr to errfd and waits for it. */
static pto_status run(char *const *argv, int errfd, const char *c_path,
                      pto_error *err)
{
    extern char **environ;
    posix_spawn_file_actions_t fa;
    if (posix_spawn_file_actions_init(&fa) != 0)
        return pto_fail(err, PTO_ERR_NOMEM, "posix_spawn_file_actions_init failed");
    int rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, errfd, 1);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, errfd, 2);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return pto_fail(err, PTO_ERR_NOMEM, "cannot set up the compiler's files: %s",
                        strerror(rc));
    }
    pid_t pid;
    rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        pto_status s = (rc == ENOENT || rc == EACCES || rc == ENOTDIR)
                           ? PTO_ERR_TOOLCHAIN
                           : PTO_ERR_IO;
        return pto_fail(err, s,
                        "cannot run the C compiler '%s': %s (install a C "
                        "compiler or set CC)",
                        argv[0], strerror(rc));
    }
    int st;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR)
            return pto_fail(err, PTO_ERR_IO, "waitpid for the C compiler failed: %s",
                            strerror(errno));
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return PTO_OK;
    pto_status s = PTO_ERR_COMPILE;
    if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
        s = PTO_ERR_TOOLCHAIN;
        pto_fail(err, s,
                 "the C compiler '%s' could not be run (exit status 127); "
                 "install a C compiler or set CC\n",
                 argv[0]);
    } else if (WIFEXITED(st)) {
        pto_fail(err, s, "compiling '%s' failed (%s exited with status %d):\n",
                 c_path, argv[0], WEXITSTATUS(st));
    } else {
        pto_fail(err, s, "compiling '%s' failed (%s killed by signal %d):\n",
                 c_path, argv[0], WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    }
    append_diagnostics(err, errfd);
    append_command(err, argv);
    return s;
}

/* ---- the public entry ---- */

/* Temporary state of one compile; every field is owned by
 * pto_compile_shared and released at its end. */
typedef struct compile_job {
    char *cc_words;    /* strdup of $CC, split in place into argv */
    char *flag_words;  /* strdup of extra_flags, split in place */
    char *argv[CC_MAX_ARGS];
    int argc;
    char incflag[CC_PATH_MAX + 2];
    char cache[CC_PATH_MAX];
    char final[CC_PATH_MAX];
    char tmp[CC_PATH_MAX];
    char errpath[CC_PATH_MAX];
} compile_job;

static pto_status build_argv(compile_job *j, const char *cc, const char *flags,
                             const char *inc, const char *c_path, pto_error *err)
{
    j->cc_words = strdup(cc);
    j->flag_words = strdup(flags ? flags : "");
    if (!j->cc_words || !j->flag_words)
        return pto_fail(err, PTO_ERR_NOMEM, "out of host memory building a compile");
    const int room = CC_MAX_ARGS - 10; /* fixed args below + NULL */
    if (split_words(j->cc_words, j->argv, &j->argc, room) != 0 || j->argc == 0)
        return pto_fail(err, PTO_ERR_INVALID, "CC='%s' is empty or has too many words",
                        cc);
    static char *const fixed[] = { "-std=c11", "-shared", "-fPIC", "-O2" };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        j->argv[j->argc++] = fixed[i];
    if ((size_t)snprintf(j->incflag, sizeof j->incflag, "-I%s", inc) >=
        sizeof j->incflag)
        return pto_fail(err, PTO_ERR_INVALID, "include dir '%s' is too long", inc);
    j->argv[j->argc++] = j->incflag;
    if (split_words(j->flag_words, j->argv, &j->argc, CC_MAX_ARGS - 3) != 0)
        return pto_fail(err, PTO_ERR_INVALID,
                        "extra_flags has too many words (at most %d)",
                        CC_MAX_ARGS - 9);
    j->argv[j->argc++] = "-o";
    j->argv[j->argc++] = j->tmp;
    j->argv[j->argc++] = (char *)c_path;
    j->argv[j->argc++] = "-lm"; /* kernels may use libm (expf, sqrtf, ...) */
    j->argv[j->argc] = NULL;
    return PTO_OK;
}

static pto_status compile_job_run(compile_job *j, const char *c_path,
                                  const char *flags, char *out_path,
                                  size_t out_len, pto_error *err)
{
    const char *cc = getenv("CC");
    if (!cc || !cc[0])
        cc = "cc";
    const char *inc = include_dir();
    pto_status s = build_argv(j, cc, flags, inc, c_path, err);
    if (s != PTO_OK)
        return s;

    uint64_t h = fnv_str(0xcbf29ce484222325ull, "pto-compile-v1");
    s = hash_file(c_path, &h, err);
    if (s != PTO_OK)
        return s;
    /* Words of the whole command except the output and source paths. */
    for (int i = 0; i < j->argc - 3; i++)
        h = fnv_str(h, j->argv[i]);
    h = fnv_str(h, inc);
    hash_pto_headers(inc, &h);

    s = cache_dir(j->cache, sizeof j->cache, err);
    if (s == PTO_OK)
        s = mkdir_p(j->cache, err);
    if (s != PTO_OK)
        return s;
    char stem[48];
    stem_of(c_path, stem, sizeof stem);
    int n = snprintf(j->final, sizeof j->final, "%s/%s-%016llx.so", j->cache, stem,
                     (unsigned long long)h);
    int m = snprintf(j->tmp, sizeof j->tmp, "%s/.%s-%016llx.so.XXXXXX", j->cache,
                     stem, (unsigned long long)h);
    int k = snprintf(j->errpath, sizeof j->errpath, "%s/.%s-%016llx.err.XXXXXX",
                     j->cache, stem, (unsigned long long)h);
    if (n < 0 || m < 0 || k < 0 || (size_t)m >= sizeof j->tmp ||
        (size_t)k >= sizeof j->errpath)
        return pto_fail(err, PTO_ERR_INVALID, "kernel cache path '%s' is too long",
                        j->cache);
    if ((size_t)n >= out_len)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_compile_shared: out_len %zu cannot hold the %d-byte "
                        "path '%s'",
                        out_len, n + 1, j->final);

    struct stat st;
    if (stat(j->final, &st) == 0 && S_ISREG(st.st_mode)) {
        memcpy(out_path, j->final, (size_t)n + 1);
        return PTO_OK; /* cache hit */
    }

    int tfd = mkostemp(j->tmp, O_CLOEXEC);
    if (tfd < 0)
        return pto_fail(err, PTO_ERR_IO, "cannot create a temporary file in '%s': %s",
                        j->cache, strerror(errno));
    close(tfd);
    int efd = mkostemp(j->errpath, O_CLOEXEC);
    if (efd < 0) {
        int e = errno;
        unlink(j->tmp);
        return pto_fail(err, PTO_ERR_IO, "cannot create a temporary file in '%s': %s",
                        j->cache, strerror(e));
    }
    unlink(j->errpath); /* the open fd keeps it readable */
    s = run(j->argv, efd, c_path, err);
    close(efd);
    if (s == PTO_OK && rename(j->tmp, j->final) != 0)
        s = pto_fail(err, PTO_ERR_IO, "cannot move the compiled object to '%s': %s",
                     j->final, strerror(errno));
    if (s != PTO_OK) {
        unlink(j->tmp);
        return s;
    }
    memcpy(out_path, j->final, (size_t)n + 1);
    return PTO_OK;
}

pto_status pto_compile_shared(const char *c_path, const char *extra_flags,
                              char *out_path, size_t out_len, pto_error *err)
{
    if (!c_path || !c_path[0])
        return pto_fail(err, PTO_ERR_INVALID, "pto_compile_shared: c_path is NULL or empty");
    if (!out_path || out_len == 0)
        return pto_fail(err, PTO_ERR_INVALID, "pto_compile_shared: out_path is NULL or empty");
    out_path[0] = '\0';
    compile_job *j = calloc(1, sizeof *j);
    if (!j)
        return pto_fail(err, PTO_ERR_NOMEM, "out of host memory building a compile");
    pto_status s = compile_job_run(j, c_path, extra_flags, out_path, out_len, err);
    free(j->cc_words);
    free(j->flag_words);
    free(j);
    return s;
}
