/* pto_compile_shared: C source -> cached shared object.
 *
 * Command: $CC (default "cc"; split on whitespace, so "ccache gcc" works)
 *   -std=c11 -shared -fPIC -O2 -I<include dir> <extra_flags>
 *   -MD -MF <tmp deps> -MT pto-object -o <tmp> <src> -lm
 * extra_flags is split on whitespace; there is no shell and no quoting.
 *
 * Include dir: $PTO_INCLUDE_DIR; else, for an installed library, the
 * include dir beside it (PTO_LIB_TO_INCLUDE from the directory libpto was
 * loaded from, found with dladdr), so an installed tree works from any
 * prefix; else PTO_SOURCE_INCLUDE_DIR if it exists (a build tree); else
 * PTO_INSTALL_INCLUDE_DIR.
 * Cache dir: $PTO_CACHE_DIR, else $XDG_CACHE_HOME/pto, else ~/.cache/pto
 * (created like mkdir -p).
 *
 * Cache key: everything the compile read. Two files per cached compile:
 * - <stem>-<K>.deps, the manifest of compile key K = 64-bit FNV-1a over the
 *   source bytes, the source path as given, every compiler and flag word,
 *   the identity of the compiler programs (each word of $CC that is not a
 *   flag, resolved on PATH: path, size, mtime, ctime, inode) and $CPATH and
 *   $C_INCLUDE_PATH. It lists the files the compiler read (its own -MD
 *   dependency list: the source, every header, system ones included) and
 *   the directories the include search looks in (the source's, every
 *   dependency's, every -I/-iquote/-isystem/-idirafter and $CPATH entry)
 *   with their ctime (the inode change time, which no tool can set back the
 *   way `tar` or `cp -p` restore an mtime) and inode.
 * - <stem>-<O>.so, the object, O = FNV-1a over K and, for every listed
 *   file, its path and its current bytes.
 * A lookup computes K, reads the manifest, checks that no listed directory
 * changed (a header added or removed there could now shadow one that was
 * found elsewhere), re-hashes the listed files into O and uses <stem>-<O>.so
 * if it exists: a hit costs a few stats and reading the sources (about a
 * millisecond for a kernel including pto/tile.h), never a compiler run.
 * Editing any header the source includes, directly or not, changes O: the
 * next call compiles a new object under a new name (so a process that
 * already dlopen()ed the old one cannot be handed it again by path), and
 * reverting the edit finds the old object again. Anything else — no or a
 * garbled manifest, a changed directory, a missing file — is a miss and
 * compiles. Not covered: a new header in a system include directory that
 * holds none of the dependencies, and a compiler replaced behind a wrapper
 * that is not named in $CC (clear the cache after such an upgrade).
 *
 * A file or directory modified after the compile started may or may not be
 * what the compiler read. The start is measured on the file system's own
 * clock (the ctime of the temporary object, which is touched until that
 * coarse clock ticks — a few ms — before the compiler runs, so files written
 * just before the call count as older). Such an object is stored under a
 * name of its own that no lookup computes (used by this call only) and no
 * manifest is written, so the next call compiles again.
 *
 * Concurrency: the compiler writes a unique temporary file which is then
 * rename()d into place (the manifest likewise, after the object), so
 * concurrent compiles of the same source (threads or processes) both
 * succeed and readers never see a partial object or manifest. */
#include <dirent.h>
#include <dlfcn.h>
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
#include <time.h>
#include <unistd.h>

#include "util/error.h"
#include "pto/kernel.h"

#ifndef PTO_SOURCE_INCLUDE_DIR
#define PTO_SOURCE_INCLUDE_DIR ""
#endif
#ifndef PTO_INSTALL_INCLUDE_DIR
#define PTO_INSTALL_INCLUDE_DIR "/usr/local/include"
#endif

#define CC_PATH_MAX 4096
#define CC_MAX_ARGS 256  /* argv slots, including the fixed ones and NULL */
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

#ifndef PTO_LIB_TO_INCLUDE
#define PTO_LIB_TO_INCLUDE "../include"
#endif

/* <directory of the object holding this code>/PTO_LIB_TO_INCLUDE into buf
 * when it holds pto/pto.h (an installed tree), else 0. */
static int installed_include_dir(char *buf, size_t len)
{
    Dl_info info;
    if (!dladdr((void *)installed_include_dir, &info) || !info.dli_fname)
        return 0;
    const char *slash = strrchr(info.dli_fname, '/');
    if (!slash)
        return 0;
    char dir[4096];
    int n = snprintf(dir, sizeof dir, "%.*s/%s", (int)(slash - info.dli_fname), info.dli_fname,
                     PTO_LIB_TO_INCLUDE);
    char *real = n > 0 && (size_t)n < sizeof dir ? realpath(dir, NULL) : NULL;
    if (!real) /* (it does not exist, or the path is too long) */
        return 0;
    n = snprintf(buf, len, "%s", real);
    free(real);
    if (n < 0 || (size_t)n >= len)
        return 0;
    char probe[4096];
    struct stat st;
    n = snprintf(probe, sizeof probe, "%s/pto/pto.h", buf);
    return n > 0 && (size_t)n < sizeof probe && stat(probe, &st) == 0;
}

static const char *include_dir(void)
{
    static _Thread_local char installed[4096];
    const char *e = getenv("PTO_INCLUDE_DIR");
    if (e && e[0])
        return e;
    if (installed_include_dir(installed, sizeof installed))
        return installed;
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
        return pto_fail(err, PTO_ERR_INVALID, "kernel cache path '%s...' is too long", e);
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
    for (char *w = strtok_r(s, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
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
            return pto_fail(err, PTO_ERR_IO, "cannot read kernel source '%s': %s", path,
                            strerror(e));
        }
        *h = fnv(*h, buf, (size_t)r);
    }
    close(fd);
    return PTO_OK;
}

/* File name stem of path, restricted to [A-Za-z0-9_-], at most 40 chars. */
static void stem_of(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = 0;
    for (; *b && *b != '.' && n + 1 < len && n < 40; b++) {
        char c = *b;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-';
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
static pto_status run(char *const *argv, int errfd, const char *c_path, pto_error *err)
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
        return pto_fail(err, PTO_ERR_NOMEM, "cannot set up the compiler's files: %s", strerror(rc));
    }
    pid_t pid;
    rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        pto_status s =
            (rc == ENOENT || rc == EACCES || rc == ENOTDIR) ? PTO_ERR_TOOLCHAIN : PTO_ERR_IO;
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
        pto_fail(err, s, "compiling '%s' failed (%s exited with status %d):\n", c_path, argv[0],
                 WEXITSTATUS(st));
    } else {
        pto_fail(err, s, "compiling '%s' failed (%s killed by signal %d):\n", c_path, argv[0],
                 WIFSIGNALED(st) ? WTERMSIG(st) : 0);
    }
    append_diagnostics(err, errfd);
    append_command(err, argv);
    return s;
}

/* ---- the dependency manifest ---- */

/* A list of paths. Invariant: v[0..n) are distinct (when added with
 * pl_add_unique) NUL-terminated strings malloc'ed by and owned by the list;
 * cap is the allocated length of v. */
typedef struct path_list {
    char **v;
    size_t n, cap;
} path_list;

static void pl_free(path_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

/* Appends s[0..len); with unique, nothing when it is already listed.
 * Returns -1 when out of memory. */
static int pl_add(path_list *l, const char *s, size_t len, int unique)
{
    if (unique)
        for (size_t i = 0; i < l->n; i++)
            if (strlen(l->v[i]) == len && !memcmp(l->v[i], s, len))
                return 0;
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 32;
        char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return -1;
        l->v = v;
        l->cap = cap;
    }
    char *c = malloc(len + 1);
    if (!c)
        return -1;
    memcpy(c, s, len);
    c[len] = '\0';
    l->v[l->n++] = c;
    return 0;
}

/* Adds the directory part of path ("." when it has none). */
static int pl_add_dir_of(path_list *l, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return pl_add(l, ".", 1, 1);
    return pl_add(l, path, slash == path ? 1 : (size_t)(slash - path), 1);
}

/* Adds every entry of a ':'-separated search path (an empty one is "."). */
static int pl_add_search_path(path_list *l, const char *list)
{
    while (list && *list) {
        const char *end = strchr(list, ':');
        size_t n = end ? (size_t)(end - list) : strlen(list);
        if (pl_add(l, n ? list : ".", n ? n : 1, 1) != 0)
            return -1;
        list = end ? end + 1 : NULL;
    }
    return 0;
}

/* Reads a whole (small) file, NUL-terminated; NULL when it cannot. */
static char *read_all(const char *path, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n + 1 == cap) {
            char *b = cap < ((size_t)64 << 20) ? realloc(buf, 2 * cap) : NULL;
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            free(buf);
            buf = NULL;
        } else if (r == 0) {
            buf[n] = '\0';
            *len = n;
            break;
        } else {
            n += (size_t)r;
        }
    }
    close(fd);
    return buf;
}

/* Length of the separator at p in a make rule (blank, newline, or a
 * backslash-newline continuation), 0 if none. */
static size_t dep_space(const char *p)
{
    if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        return 1;
    if (p[0] == '\\' && p[1] == '\n')
        return 2;
    if (p[0] == '\\' && p[1] == '\r' && p[2] == '\n')
        return 3;
    return 0;
}

/* Parses the compiler's make rule "pto-object: dep dep \<newline> dep ..."
 * (spaces escaped as "\ ", '#' as "\#", '$' as "$$") into files. Returns 0
 * when at least one file was found. */
static int parse_deps(const char *text, path_list *files)
{
    static const char target[] = "pto-object:";
    if (strncmp(text, target, sizeof target - 1) != 0)
        return -1;
    const char *p = text + sizeof target - 1;
    size_t cap = strlen(p) + 1;
    char *word = malloc(cap);
    if (!word)
        return -1;
    int rc = 0;
    for (;;) {
        size_t n = 0, skip;
        while ((skip = dep_space(p)))
            p += skip;
        if (!*p)
            break;
        while (*p && !dep_space(p)) {
            if (p[0] == '\\' && (p[1] == ' ' || p[1] == '#' || p[1] == '\t'))
                p++;
            else if (p[0] == '$' && p[1] == '$')
                p++;
            word[n++] = *p++;
        }
        if (n && pl_add(files, word, n, 1) != 0) {
            rc = -1;
            break;
        }
    }
    free(word);
    return rc == 0 && files->n ? 0 : -1;
}

/* The directories the include search of this compile looks in: the
 * source's, every dependency's, every -I, -iquote, -isystem, -idirafter
 * (joined or as the next word) among argv[0..nwords), $CPATH and
 * $C_INCLUDE_PATH. */
static int search_dirs(const char *c_path, const path_list *files, char *const *argv, int nwords,
                       path_list *dirs)
{
    static const char *const opts[] = {"-I", "-iquote", "-isystem", "-idirafter"};
    if (pl_add_dir_of(dirs, c_path) != 0)
        return -1;
    for (size_t i = 0; i < files->n; i++)
        if (pl_add_dir_of(dirs, files->v[i]) != 0)
            return -1;
    for (int i = 0; i < nwords; i++)
        for (size_t o = 0; o < sizeof opts / sizeof opts[0]; o++) {
            size_t n = strlen(opts[o]);
            if (strncmp(argv[i], opts[o], n) != 0)
                continue;
            const char *d = argv[i][n] ? argv[i] + n : (i + 1 < nwords ? argv[i + 1] : "");
            if (*d && pl_add(dirs, d, strlen(d), 1) != 0)
                return -1;
            break;
        }
    if (pl_add_search_path(dirs, getenv("CPATH")) != 0 ||
        pl_add_search_path(dirs, getenv("C_INCLUDE_PATH")) != 0)
        return -1;
    return 0;
}

/* Folds a listed file's path and bytes into *h; -1 when unreadable. */
static int fold_file(uint64_t *h, const char *path)
{
    *h = fnv_str(*h, path);
    return hash_file(path, h, NULL) == PTO_OK ? 0 : -1;
}

/* Folds the identity of a compiler program (a word of $CC) into *h: the
 * file it resolves to on PATH, its size, mtime, ctime and inode. */
static void hash_program(uint64_t *h, const char *word)
{
    char buf[CC_PATH_MAX];
    struct stat st;
    const char *found = NULL;
    if (strchr(word, '/')) {
        if (stat(word, &st) == 0)
            found = word;
    } else {
        const char *path = getenv("PATH");
        for (const char *d = path ? path : "/usr/bin:/bin"; d && !found;) {
            const char *end = strchr(d, ':');
            int n = end ? (int)(end - d) : (int)strlen(d);
            if ((size_t)snprintf(buf, sizeof buf, "%.*s/%s", n ? n : 1, n ? d : ".", word) <
                    sizeof buf &&
                stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
                found = buf;
            d = end ? end + 1 : NULL;
        }
    }
    if (!found) {
        *h = fnv_str(*h, "(not found)");
        *h = fnv_str(*h, word);
        return;
    }
    uint64_t id[7] = {(uint64_t)st.st_size,         (uint64_t)st.st_mtim.tv_sec,
                      (uint64_t)st.st_mtim.tv_nsec, (uint64_t)st.st_ctim.tv_sec,
                      (uint64_t)st.st_ctim.tv_nsec, (uint64_t)st.st_ino,
                      (uint64_t)st.st_dev};
    *h = fnv_str(*h, found);
    *h = fnv(*h, id, sizeof id);
}

static int time_at_or_after(struct timespec a, struct timespec b)
{
    return a.tv_sec > b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec >= b.tv_nsec);
}

/* When a compile started, on the file system's clock: `at` is the ctime of
 * a file created just before it, and `after_tick` says the compile began
 * only once that clock had moved past `at`, so that anything modified at
 * `at` or before was modified before the compiler read it. */
typedef struct compile_start {
    struct timespec at;
    int after_tick;
} compile_start;

/* A file or directory with this ctime may have changed after the compiler
 * read it. */
static int changed_since(struct timespec ctime, const compile_start *cs)
{
    return cs->after_tick ? !time_at_or_after(cs->at, ctime) : time_at_or_after(ctime, cs->at);
}

/* Stamps cs->at from fd's file, then touches it until the file system's
 * (coarse) clock has moved on: at most a timer tick, and at most ~50 ms. */
static void start_clock(int fd, compile_start *cs)
{
    struct stat st;
    cs->after_tick = 0;
    if (fstat(fd, &st) != 0) {
        cs->at.tv_sec = 0;
        cs->at.tv_nsec = 0;
        return;
    }
    cs->at = st.st_ctim;
    for (int i = 0; i < 250; i++) {
        if (futimens(fd, NULL) != 0 || fstat(fd, &st) != 0)
            return;
        if (!time_at_or_after(cs->at, st.st_ctim)) {
            cs->after_tick = 1;
            return;
        }
        struct timespec pause = {0, 200000};
        nanosleep(&pause, NULL);
    }
}

/* Manifest format (text; every path is length-prefixed, so any byte but
 * NUL may appear in it):
 *   "pto-deps 2\n"
 *   "d <ctime s> <ctime ns> <inode> <len> <path>\n"  a directory searched
 *   "m <len> <path>\n"                               a searched dir absent then
 *   "f <len> <path>\n"                               a file the compile read */
#define MANIFEST_MAGIC "pto-deps 2\n"

static int next_u64(const char **p, uint64_t *v)
{
    const char *s = *p;
    uint64_t x = 0;
    if (*s < '0' || *s > '9')
        return -1;
    for (; *s >= '0' && *s <= '9'; s++) {
        if (x > (UINT64_MAX - 9) / 10)
            return -1;
        x = x * 10 + (uint64_t)(*s - '0');
    }
    if (*s != ' ')
        return -1;
    *p = s + 1;
    *v = x;
    return 0;
}

static int next_path(const char **p, const char *end, char *buf, size_t cap)
{
    uint64_t len;
    if (next_u64(p, &len) != 0 || len == 0 || len >= cap || (uint64_t)(end - *p) < len + 1 ||
        (*p)[len] != '\n')
        return -1;
    memcpy(buf, *p, (size_t)len);
    buf[len] = '\0';
    if (strlen(buf) != len)
        return -1;
    *p += len + 1;
    return 0;
}

/* Checks the manifest at mpath against the file system and computes the
 * object key from compile key k. Returns 1 when every searched directory is
 * as recorded and every listed file could be hashed. */
static int manifest_lookup(const char *mpath, uint64_t k, uint64_t *o)
{
    size_t len;
    char *text = read_all(mpath, &len);
    if (!text)
        return 0;
    const char *p = text, *end = text + len;
    char path[CC_PATH_MAX];
    uint64_t h = k;
    int ok = strncmp(p, MANIFEST_MAGIC, sizeof MANIFEST_MAGIC - 1) == 0, files = 0;
    if (ok)
        p += sizeof MANIFEST_MAGIC - 1;
    while (ok && p < end) {
        char type = *p;
        struct stat st;
        p += 2;
        if (p > end || p[-1] != ' ') {
            ok = 0;
        } else if (type == 'd') {
            uint64_t sec, nsec, ino;
            ok = next_u64(&p, &sec) == 0 && next_u64(&p, &nsec) == 0 && next_u64(&p, &ino) == 0 &&
                 next_path(&p, end, path, sizeof path) == 0 && stat(path, &st) == 0 &&
                 (uint64_t)st.st_ctim.tv_sec == sec && (uint64_t)st.st_ctim.tv_nsec == nsec &&
                 (uint64_t)st.st_ino == ino;
        } else if (type == 'm') {
            ok = next_path(&p, end, path, sizeof path) == 0 && stat(path, &st) != 0 &&
                 errno == ENOENT;
        } else if (type == 'f') {
            ok = next_path(&p, end, path, sizeof path) == 0 && fold_file(&h, path) == 0;
            files++;
        } else {
            ok = 0;
        }
    }
    free(text);
    if (!ok || !files)
        return 0;
    *o = h;
    return 1;
}

/* Writes the manifest (through a temporary file renamed into place).
 * Returns 0, or -1 when a listed file or directory changed since the
 * compile started (then nothing is written) or on an I/O error. */
static int manifest_write(const char *mpath, const char *mtmp_template, const path_list *files,
                          const path_list *dirs, const compile_start *start)
{
    char tmp[CC_PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", mtmp_template);
    int fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        return -1;
    }
    int ok = fputs(MANIFEST_MAGIC, f) >= 0;
    for (size_t i = 0; ok && i < dirs->n; i++) {
        struct stat st;
        const char *d = dirs->v[i];
        if (stat(d, &st) != 0) {
            ok = errno == ENOENT && fprintf(f, "m %zu %s\n", strlen(d), d) > 0;
            continue;
        }
        ok = !changed_since(st.st_ctim, start) &&
             fprintf(f, "d %llu %llu %llu %zu %s\n", (unsigned long long)st.st_ctim.tv_sec,
                     (unsigned long long)st.st_ctim.tv_nsec, (unsigned long long)st.st_ino,
                     strlen(d), d) > 0;
    }
    for (size_t i = 0; ok && i < files->n; i++) {
        struct stat st;
        const char *p = files->v[i];
        ok = stat(p, &st) == 0 && !changed_since(st.st_ctim, start) &&
             fprintf(f, "f %zu %s\n", strlen(p), p) > 0;
    }
    if (fclose(f) != 0)
        ok = 0;
    if (ok && rename(tmp, mpath) == 0)
        return 0;
    unlink(tmp);
    return -1;
}

/* ---- the public entry ---- */

/* Temporary state of one compile; every field is owned by
 * pto_compile_shared and released at its end. argv[0..nkey) are the words
 * that go into the compile key (compiler, fixed and extra flags), argv[0..ncc)
 * the words of $CC. */
typedef struct compile_job {
    char *cc_words;   /* strdup of $CC, split in place into argv */
    char *flag_words; /* strdup of extra_flags, split in place */
    char *argv[CC_MAX_ARGS];
    int argc, nkey, ncc;
    char incflag[CC_PATH_MAX + 2];
    char cache[CC_PATH_MAX];
    char final[CC_PATH_MAX];
    char tmp[CC_PATH_MAX];
    char deps[CC_PATH_MAX];
    char manifest[CC_PATH_MAX];
    char mtmp[CC_PATH_MAX];
    char errpath[CC_PATH_MAX];
} compile_job;

/* Words appended after the extra flags: -MD -MF <deps> -MT pto-object
 * -o <tmp> <src> -lm. */
#define CC_TAIL_WORDS 9

static pto_status build_argv(compile_job *j, const char *cc, const char *flags, const char *inc,
                             const char *c_path, pto_error *err)
{
    j->cc_words = strdup(cc);
    j->flag_words = strdup(flags ? flags : "");
    if (!j->cc_words || !j->flag_words)
        return pto_fail(err, PTO_ERR_NOMEM, "out of host memory building a compile");
    const int room = CC_MAX_ARGS - CC_TAIL_WORDS - 6; /* fixed args + NULL */
    if (split_words(j->cc_words, j->argv, &j->argc, room) != 0 || j->argc == 0)
        return pto_fail(err, PTO_ERR_INVALID, "CC='%s' is empty or has too many words", cc);
    j->ncc = j->argc;
    static char *const fixed[] = {"-std=c11", "-shared", "-fPIC", "-O2"};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++)
        j->argv[j->argc++] = fixed[i];
    if ((size_t)snprintf(j->incflag, sizeof j->incflag, "-I%s", inc) >= sizeof j->incflag)
        return pto_fail(err, PTO_ERR_INVALID, "include dir '%s' is too long", inc);
    j->argv[j->argc++] = j->incflag;
    if (split_words(j->flag_words, j->argv, &j->argc, CC_MAX_ARGS - CC_TAIL_WORDS) != 0)
        return pto_fail(err, PTO_ERR_INVALID, "extra_flags has too many words (at most %d)",
                        CC_MAX_ARGS - CC_TAIL_WORDS - 2 - j->argc);
    j->nkey = j->argc;
    /* The compiler lists every file it read (the cache key, see above). */
    j->argv[j->argc++] = "-MD";
    j->argv[j->argc++] = "-MF";
    j->argv[j->argc++] = j->deps;
    j->argv[j->argc++] = "-MT";
    j->argv[j->argc++] = "pto-object";
    j->argv[j->argc++] = "-o";
    j->argv[j->argc++] = j->tmp;
    j->argv[j->argc++] = (char *)c_path;
    j->argv[j->argc++] = "-lm"; /* kernels may use libm (expf, sqrtf, ...) */
    j->argv[j->argc] = NULL;
    return PTO_OK;
}

/* Compile key: the source, its path, the command words, the compiler
 * programs and the include-path environment. */
static pto_status compile_key(const compile_job *j, const char *c_path, uint64_t *k, pto_error *err)
{
    uint64_t h = fnv_str(0xcbf29ce484222325ull, "pto-compile-v2");
    pto_status s = hash_file(c_path, &h, err);
    if (s != PTO_OK)
        return s;
    h = fnv_str(h, c_path);
    for (int i = 0; i < j->nkey; i++)
        h = fnv_str(h, j->argv[i]);
    for (int i = 0; i < j->ncc; i++)
        if (j->argv[i][0] != '-')
            hash_program(&h, j->argv[i]);
    const char *e = getenv("CPATH");
    h = fnv_str(h, e ? e : "");
    e = getenv("C_INCLUDE_PATH");
    h = fnv_str(h, e ? e : "");
    *k = h;
    return PTO_OK;
}

/* After a successful compile: the object key from the files the compiler
 * read (their list into files, the searched directories into dirs).
 * Returns 1 when the manifest may be written: the dependency list was
 * usable and nothing listed changed since the compile started. Otherwise
 * *o is private to this compile (see the header comment). */
static int analyse_deps(compile_job *j, const char *c_path, uint64_t k, const compile_start *start,
                        path_list *files, path_list *dirs, uint64_t *o)
{
    uint64_t h = k;
    size_t len;
    char *text = read_all(j->deps, &len);
    int ok = text && parse_deps(text, files) == 0;
    free(text);
    for (size_t i = 0; ok && i < files->n; i++) {
        struct stat st; /* stat after hashing: a change meanwhile shows */
        ok = fold_file(&h, files->v[i]) == 0 && stat(files->v[i], &st) == 0 &&
             !changed_since(st.st_ctim, start);
    }
    if (ok)
        ok = search_dirs(c_path, files, j->argv, j->nkey, dirs) == 0;
    for (size_t i = 0; ok && i < dirs->n; i++) {
        struct stat st;
        ok = stat(dirs->v[i], &st) != 0 ? errno == ENOENT : !changed_since(st.st_ctim, start);
    }
    if (!ok)
        h = fnv_str(h, j->tmp); /* a name no lookup computes */
    *o = h;
    return ok;
}

/* j->final = <cache>/<stem>-<o>.so; its length does not depend on o, and
 * compile_job_run checked it fits before. */
static void object_path(compile_job *j, const char *stem, uint64_t o)
{
    int n = snprintf(j->final, sizeof j->final, "%s/%s-%016llx.so", j->cache, stem,
                     (unsigned long long)o);
    if (n < 0 || (size_t)n >= sizeof j->final)
        j->final[0] = '\0'; /* cannot happen; stat and rename then fail */
}

static pto_status compile_job_run(compile_job *j, const char *c_path, const char *flags,
                                  char *out_path, size_t out_len, pto_error *err)
{
    const char *cc = getenv("CC");
    if (!cc || !cc[0])
        cc = "cc";
    const char *inc = include_dir();
    pto_status s = build_argv(j, cc, flags, inc, c_path, err);
    if (s != PTO_OK)
        return s;
    uint64_t k;
    s = compile_key(j, c_path, &k, err);
    if (s != PTO_OK)
        return s;

    s = cache_dir(j->cache, sizeof j->cache, err);
    if (s == PTO_OK)
        s = mkdir_p(j->cache, err);
    if (s != PTO_OK)
        return s;
    char stem[48];
    stem_of(c_path, stem, sizeof stem);
    unsigned long long kk = (unsigned long long)k;
    int n = snprintf(j->final, sizeof j->final, "%s/%s-%016llx.so", j->cache, stem, kk);
    int m[5] = {
        snprintf(j->tmp, sizeof j->tmp, "%s/.%s-%016llx.so.XXXXXX", j->cache, stem, kk),
        snprintf(j->deps, sizeof j->deps, "%s/.%s-%016llx.d.XXXXXX", j->cache, stem, kk),
        snprintf(j->manifest, sizeof j->manifest, "%s/%s-%016llx.deps", j->cache, stem, kk),
        snprintf(j->mtmp, sizeof j->mtmp, "%s/.%s-%016llx.deps.XXXXXX", j->cache, stem, kk),
        snprintf(j->errpath, sizeof j->errpath, "%s/.%s-%016llx.err.XXXXXX", j->cache, stem, kk),
    };
    for (int i = 0; i < 5; i++)
        if (n < 0 || m[i] < 0 || (size_t)m[i] >= CC_PATH_MAX)
            return pto_fail(err, PTO_ERR_INVALID, "kernel cache path '%s' is too long", j->cache);
    /* The object's name has the same length whatever its key. */
    if ((size_t)n >= out_len)
        return pto_fail(err, PTO_ERR_INVALID,
                        "pto_compile_shared: out_len %zu cannot hold the %d-byte "
                        "path '%s'",
                        out_len, n + 1, j->final);

    uint64_t o;
    struct stat st;
    if (manifest_lookup(j->manifest, k, &o)) {
        object_path(j, stem, o);
        if (stat(j->final, &st) == 0 && S_ISREG(st.st_mode)) {
            memcpy(out_path, j->final, (size_t)n + 1);
            return PTO_OK; /* cache hit */
        }
    }

    int tfd = mkostemp(j->tmp, O_CLOEXEC);
    if (tfd < 0)
        return pto_fail(err, PTO_ERR_IO, "cannot create a temporary file in '%s': %s", j->cache,
                        strerror(errno));
    compile_start start;
    start_clock(tfd, &start);
    close(tfd);
    int dfd = mkostemp(j->deps, O_CLOEXEC);
    int efd = dfd < 0 ? -1 : mkostemp(j->errpath, O_CLOEXEC);
    if (efd < 0) {
        int e = errno;
        unlink(j->tmp);
        if (dfd >= 0) {
            close(dfd);
            unlink(j->deps);
        }
        return pto_fail(err, PTO_ERR_IO, "cannot create a temporary file in '%s': %s", j->cache,
                        strerror(e));
    }
    close(dfd);
    unlink(j->errpath); /* the open fd keeps it readable */
    s = run(j->argv, efd, c_path, err);
    close(efd);
    if (s == PTO_OK) {
        path_list files = {0}, dirs = {0};
        int fresh = analyse_deps(j, c_path, k, &start, &files, &dirs, &o);
        object_path(j, stem, o);
        if (rename(j->tmp, j->final) != 0)
            s = pto_fail(err, PTO_ERR_IO, "cannot move the compiled object to '%s': %s", j->final,
                         strerror(errno));
        else if (fresh) /* after the object: a manifest never names a missing one */
            manifest_write(j->manifest, j->mtmp, &files, &dirs, &start); /* best effort */
        pl_free(&files);
        pl_free(&dirs);
    }
    unlink(j->deps);
    if (s != PTO_OK) {
        unlink(j->tmp);
        return s;
    }
    memcpy(out_path, j->final, (size_t)n + 1);
    return PTO_OK;
}

pto_status pto_compile_shared(const char *c_path, const char *extra_flags, char *out_path,
                              size_t out_len, pto_error *err)
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
