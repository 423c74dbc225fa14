/* pto: command-line front end.
 *
 *   pto info [--platform NAME] [--blocks N] [--schedulers N] [--lanes N]
 *   pto run DIR [--platform NAME] [--blocks N] [--schedulers N] [--window N]
 *               [--streamed | --host-built] [--deterministic] [--check-bounds]
 *               [--dispatch NAME[:N]]
 *               [--task-window SIZE[:UNIT[:MODE]]]
 *               [--trace FILE] [--cycle-trace FILE] [--graph FILE] [--watchdog-ms N]
 *               [--set NAME=VALUE]... [--quiet]
 *   pto run PLAN.json [the same options] [--input NAME=FILE.npy]... [--output NAME=FILE.npy]...
 *   pto check PLAN.json [--platform NAME] [--deterministic] [--set NAME=VALUE]...
 *   pto caps [--platform NAME]
 *
 * Exit codes: 0 success (run: the example or plan PASSed; check: the plan
 * is valid), 1 runtime error, FAIL or an invalid plan, 2 usage error. Errors are printed as "error: <STATUS>: <message>".
 * Numbers (flags and PTO_* variables alike) are plain decimal: no sign,
 * spaces, leading zeros or hex, nothing past the range; 0 is refused for a
 * size (--blocks, --schedulers, --window), as PTO_BLOCKS=0 is. A bad value
 * is a usage error quoting the text as given. */
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "pto/example.h"
#include "pto/plan.h"
#include "pto/pto.h"
#include "pto/tools.h"

enum { EXIT_OK = 0, EXIT_ERR = 1, EXIT_USAGE = 2 };

/* Parsed command line. has_* records which size flags were given, so that
 * unset ones keep the default/environment value. */
typedef struct cli_opts {
    const char *cmd;         /* "info", "run", "check" or "caps" */
    const char *dir;         /* run: example directory or plan file; check: plan file */
    const char *platform;    /* NULL = a2a3sim */
    const char *trace;       /* run: wall-time Chrome trace output path, or NULL */
    const char *cycle_trace; /* run: cycle-time Chrome trace output path, or NULL */
    const char *graph;       /* run: dependency graph output path, or NULL */
    uint32_t blocks, schedulers, window;
    int has_blocks, has_schedulers, has_window;
    uint32_t watchdog_ms; /* run: 0 = PTO_WATCHDOG_MS, else the default */
    int mode;             /* run: -1 = the example's own mode, else a pto_run_mode */
    int quiet;
    int deterministic;    /* run: discrete-event simulation in cycle order */
    int check_bounds;     /* run: red zones around device buffers, checked per task */
    const char *dispatch; /* run: dispatch policy "NAME[:N]", or NULL */
    uint32_t lanes;       /* info: the lane map to print (0: one per scheduler) */
    uint32_t task_window; /* run: 0 = none, else pto_run_config.task_window */
    int has_task_window;  /* run: --task-window was given (a plan's own is overridden) */
    pto_window_unit window_unit;
    pto_window_mode window_mode;
    const char *set[PTO_MAX_SYMBOLS]; /* run: --set NAME=VALUE texts, checked */
    uint32_t nset;
    const char *files[64]; /* run PLAN.json: --input / --output / --golden NAME=FILE texts */
    int file_out[64];      /* 0: files[i] is an --input, 1 an --output, 2 a --golden */
    uint32_t nfiles;
} cli_opts;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: pto <command> [options]\n"
            "\n"
            "commands:\n"
            "  info                 open the device and print its configuration and\n"
            "                       its lane map (the dispatch targets)\n"
            "  run DIR              compile DIR/orchestration.c and its kernels, run the\n"
            "                       example and check it against its golden\n"
            "  run PLAN.json        run a WSP plan (docs/plan.md): its kernels are compiled,\n"
            "                       its workload tree expanded while the tasks run, its\n"
            "                       expect rules checked; the options below override the\n"
            "                       plan's schedule (--dispatch, --task-window, --streamed,\n"
            "                       --host-built); --set NAME=VALUE sets a u64, f32 or\n"
            "                       i32[] ([e,...]) symbol the plan declares;\n"
            "                       --input NAME=FILE.npy fills\n"
            "                       tensor NAME from a .npy file (its dtype and shape\n"
            "                       exactly), --output NAME=FILE.npy writes it after the run,\n"
            "                       --golden NAME=FILE.npy compares it after the run (within\n"
            "                       the tensor's tolerance)\n"
            "  check PLAN.json      validate a plan without running it: fields, names, loop\n"
            "                       variables, views within their tensors for every\n"
            "                       iteration (with --set values), required capabilities\n"
            "                       (against --platform, --deterministic); exit 0 if valid\n"
            "  caps                 print the capability matrix: what each platform and\n"
            "                       mode does with each schedule directive (ENFORCED,\n"
            "                       RECORDED, DIAGNOSED: ignored with a note, UNSUPPORTED:\n"
            "                       the run is refused); --platform NAME: its columns only\n"
            "\n"
            "options:\n"
            "  --platform NAME      a2a3sim (default) or a2a3\n"
            "  --blocks N           AICore blocks, 1..%d (1 AIC + 2 AIV each)\n"
            "  --schedulers N       AICPU scheduler threads, 1..%d, at most the blocks\n"
            "                       (default 3, or the blocks if fewer; a streamed run also\n"
            "                       needs one for the orchestrator: schedulers + 1 <= %d)\n"
            "  --lanes N            info: print the map of N lanes instead of the\n"
            "                       default one lane per scheduler\n"
            "  --dispatch NAME[:N]  run: dispatch policy: default, round_robin, affinity,\n"
            "                       hash or work_steal; N lanes (default: one per\n"
            "                       scheduler; another N deals the cores of each type\n"
            "                       to N lanes round robin, at most the AIV cores)\n"
            "  --window N           task window: the task ring's slots (tasks not yet\n"
            "                       retired), a power of two; overrides PTO_TASK_WINDOW\n"
            "  --streamed           run: orchestrate on an AICPU thread while tasks run\n"
            "                       (overrides the example's mode)\n"
            "  --host-built         run: build the whole graph before launch (overrides\n"
            "                       the example's mode)\n"
            "  --deterministic      run: one host thread simulates orchestrator,\n"
            "                       schedulers and cores in cycle order (same inputs,\n"
            "                       same dispatch, trace and total_cycles every run)\n"
            "  --task-window SIZE[:UNIT[:MODE]]\n"
            "                       run: at most SIZE tasks in flight (submitted, not\n"
            "                       completed); UNIT tasks (default; bytes and entries\n"
            "                       are unsupported), MODE stall (default: a streamed\n"
            "                       orchestration waits for a completion; ignored with\n"
            "                       a note in a host-built run), abort (the run fails)\n"
            "                       or benchmark (only counted). E.g. --task-window 1\n"
            "                       runs the tasks one at a time (0: unlimited), --task-window\n"
            "                       4:tasks:abort. Not --window, which sizes the ring.\n"
            "  --check-bounds       run: bounds-checking mode (also PTO_CHECK_BOUNDS=1):\n"
            "                       a 64-byte red zone on each side of every device\n"
            "                       buffer and PTO_OUT output, checked after every\n"
            "                       task; a kernel writing outside its buffers fails\n"
            "                       the run naming the task, kernel and parameter.\n"
            "                       Each buffer then occupies 128 more bytes.\n"
            "  --trace FILE         run: write a Chrome trace-event JSON file in wall\n"
            "                       time (microseconds)\n"
            "  --cycle-trace FILE   run: write a Chrome trace-event JSON file in\n"
            "                       semantic time (cycles as the time unit)\n"
            "  --graph FILE         run: write the dependency graph; Graphviz DOT when\n"
            "                       FILE ends in .dot, JSON otherwise\n"
            "  --watchdog-ms N      run: fail with PTO_ERR_TIMEOUT (and a report naming\n"
            "                       the stuck task) when no task completes for N ms;\n"
            "                       overrides PTO_WATCHDOG_MS (default 60000)\n"
            "  --set NAME=VALUE     run: set symbol NAME before the run (repeatable, the\n"
            "                       last one wins; at most %d). VALUE is a u64 in plain\n"
            "                       decimal (64), an f32 with a decimal point or an\n"
            "                       exponent and an optional f (1.5, 1.5f, -2e3), or\n"
            "                       an int32 array ([1,-2,3], [] is empty). A name the\n"
            "                       example does not declare is declared with the type\n"
            "                       of its value; a declared one must be given a value\n"
            "                       of its type. The example is not recompiled.\n"
            "  --quiet              run: do not print the stats table\n"
            "  -h, --help           show this text\n"
            "\n"
            "The stats show total_cycles (the semantic makespan), per-core busy cycles\n"
            "and cycle utilisation, and warn about kernels that report no cycles.\n"
            "A run uses the example's own mode (host-built unless the example says\n"
            "streamed) unless --streamed or --host-built is given. After the stats it\n"
            "prints the flow-control table: per bounded resource its capacity,\n"
            "high-water mark, stalls, stall time and a sizing advice, and the same for\n"
            "the --task-window bound (TASK_WINDOW: tasks in flight). A failed launch\n"
            "prints the error (for a deadlock: the full report) and, when the run got\n"
            "that far, the stats and flow-control table.\n"
            "\n"
            "Sizes not given on the command line come from PTO_BLOCKS, PTO_SCHEDULERS,\n"
            "PTO_EXEC_THREADS, PTO_TASK_WINDOW, PTO_DEP_POOL, PTO_READY_QUEUE,\n"
            "PTO_TRACE_CAPACITY, PTO_GM_BYTES, PTO_HEAP_BYTES, PTO_TENSORMAP and\n"
            "PTO_TENSORMAP_BUCKETS, then from the built-in defaults.\n"
            "PTO_CHECK_BOUNDS=1 turns bounds checking on for every run.\n"
            "\n"
            "Numbers, given as flags or in those variables, are plain decimal: 010,\n"
            "0x10, -1, +1, spaces and values out of range are refused, as is 0 for a\n"
            "size (unset the variable or leave out the flag for the default).\n"
            "\n"
            "A run whose kernel never returns fails after the watchdog (exit 1) in\n"
            "every mode. A kernel that crashes the process is named on stderr first\n"
            "(\"pto: kernel crashed: SIGSEGV in task t17 (kernel 'k', func_id 3) on\n"
            "core 5 (AIV), run 1\"); the process then ends with the signal.\n",
            PTO_MAX_BLOCKS, PTO_MAX_AICPU_THREADS, PTO_MAX_AICPU_THREADS, PTO_MAX_SYMBOLS);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pto: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n\n");
    va_end(ap);
    usage(stderr);
    return EXIT_USAGE;
}

static int report(const pto_error *err)
{
    fprintf(stderr, "error: %s: %s\n", pto_status_name(err->status), err->msg);
    return EXIT_ERR;
}

/* Fills err (messages are truncated to fit) and returns status. */
__attribute__((format(printf, 3, 4))) static pto_status cli_fail(pto_error *err, pto_status status,
                                                                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err->status = status;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

/* The value of a size flag: a plain decimal number in [1, max], a power of
 * two when pow2. Returns -1 (stored in *out) or a usage-error exit code. */
static int parse_size(const char *flag, const char *v, uint32_t max, int pow2, uint32_t *out)
{
    if (!v)
        return usage_error("%s needs a value", flag);
    uint64_t x = 0;
    const char *why = pto_parse_decimal(v, &x);
    if (why)
        return usage_error("%s '%s' is not valid: %s (give a plain decimal number)", flag, v, why);
    if (x == 0 || x > max)
        return usage_error("%s '%s' is out of range: it must be 1..%u%s", flag, v, (unsigned)max,
                           pow2 ? ", a power of two" : "");
    if (pow2 && (x & (x - 1)))
        return usage_error("%s '%s' is not a power of two", flag, v);
    *out = (uint32_t)x;
    return -1;
}

/* The value of --task-window, SIZE[:UNIT[:MODE]]: SIZE as a size flag
 * (1..2^32-1), UNIT tasks, bytes or entries, MODE stall, abort or
 * benchmark (either in any case). Returns -1 (filled in o) or a usage-error
 * exit code quoting the value. */
static int parse_task_window(const char *v, cli_opts *o)
{
    static const char *const units[] = {"tasks", "bytes", "entries"};
    static const char *const modes[] = {"stall", "abort", "benchmark"};
    if (!v)
        return usage_error("--task-window needs a value, SIZE[:UNIT[:MODE]]");
    char buf[64], *field[3] = {buf, 0, 0};
    if (strlen(v) >= sizeof buf)
        return usage_error("--task-window '%s' is not valid: longer than SIZE[:UNIT[:MODE]] "
                           "can be",
                           v);
    strcpy(buf, v);
    for (int f = 1; f < 3 && field[f - 1]; f++) {
        char *colon = strchr(field[f - 1], ':');
        if (colon) {
            *colon = '\0';
            field[f] = colon + 1;
        }
    }
    if (field[2] && strchr(field[2], ':'))
        return usage_error("--task-window '%s' is not valid: more fields than "
                           "SIZE[:UNIT[:MODE]]",
                           v);
    uint64_t x = 0;
    const char *why = pto_parse_decimal(field[0], &x);
    if (why)
        return usage_error("--task-window '%s' is not valid: size '%s': %s (give a plain "
                           "decimal number)",
                           v, field[0], why);
    if (x > UINT32_MAX) /* 0: unlimited, as in pto_run_config */
        return usage_error("--task-window '%s' is out of range: the size must be 0..%u (0: "
                           "unlimited)",
                           v, (unsigned)UINT32_MAX);
    o->task_window = (uint32_t)x;
    o->window_unit = PTO_WINDOW_TASKS;
    o->window_mode = PTO_WINDOW_STALL;
    if (field[1]) {
        int u = 0;
        while (u < 3 && strcasecmp(field[1], units[u]))
            u++;
        if (u == 3)
            return usage_error("--task-window '%s' is not valid: unit '%s' is not tasks, bytes "
                               "or entries",
                               v, field[1]);
        o->window_unit = (pto_window_unit)u;
    }
    if (field[2]) {
        int m = 0;
        while (m < 3 && strcasecmp(field[2], modes[m]))
            m++;
        if (m == 3)
            return usage_error("--task-window '%s' is not valid: mode '%s' is not stall, abort "
                               "or benchmark",
                               v, field[2]);
        o->window_mode = (pto_window_mode)m;
    }
    return -1;
}

/* A parsed --set NAME=VALUE. */
typedef struct set_value {
    char name[PTO_SYMBOL_NAME_MAX];
    pto_symbol_type type;
    uint64_t bits;  /* u64, or the f32's bits */
    uint32_t n;     /* array: its elements */
    int32_t *elems; /* array: n elements when given a buffer, else NULL */
} set_value;

/* The int32 at text[0, len): an optional '-' and plain decimal digits. */
static const char *parse_i32(const char *text, size_t len, int32_t *out)
{
    char buf[24];
    int neg = len && text[0] == '-';
    if (len == (size_t)neg)
        return "an element is empty";
    if (len - (size_t)neg >= sizeof buf)
        return "an element is out of the int32 range";
    memcpy(buf, text + neg, len - (size_t)neg);
    buf[len - (size_t)neg] = '\0';
    uint64_t x = 0;
    const char *why = pto_parse_decimal(buf, &x);
    if (why)
        return why;
    if (x > (uint64_t)INT32_MAX + (uint64_t)neg)
        return "an element is out of the int32 range";
    *out = neg ? (int32_t)(-(int64_t)x) : (int32_t)x;
    return NULL;
}

/* Parses --set text into *sv; array elements go to elems (cap of them)
 * when it is not NULL, else they are only counted. Returns NULL or why the
 * text is not valid. */
static const char *parse_set(const char *text, set_value *sv, int32_t *elems, uint32_t cap,
                             pto_error *err)
{
    memset(sv, 0, sizeof *sv);
    const char *eq = strchr(text, '=');
    if (!eq)
        return "it is not NAME=VALUE";
    size_t nlen = (size_t)(eq - text);
    if (nlen >= sizeof sv->name) {
        snprintf(err->msg, sizeof err->msg, "the name is longer than %d bytes",
                 PTO_SYMBOL_NAME_MAX - 1);
        return err->msg;
    }
    memcpy(sv->name, text, nlen);
    sv->name[nlen] = '\0';
    if (pto_symbol_check_name(sv->name, err) != PTO_OK)
        return err->msg;
    const char *v = eq + 1;
    size_t vlen = strlen(v);
    if (!vlen)
        return "the value is empty";
    if (v[0] == '[') { /* [e,e,...] */
        sv->type = PTO_SYMBOL_I32_ARRAY;
        if (v[vlen - 1] != ']')
            return "an array must end with ']'";
        const char *p = v + 1, *end = v + vlen - 1;
        if (p == end)
            return NULL; /* [] */
        for (;;) {
            const char *comma = memchr(p, ',', (size_t)(end - p));
            const char *stop = comma ? comma : end;
            int32_t x = 0;
            const char *why = parse_i32(p, (size_t)(stop - p), &x);
            if (why)
                return why;
            if (sv->n >= PTO_SYMBOL_ARRAY_ELEMS) {
                snprintf(err->msg, sizeof err->msg,
                         "the array has more than %d elements (PTO_SYMBOL_ARRAY_ELEMS)",
                         PTO_SYMBOL_ARRAY_ELEMS);
                return err->msg;
            }
            if (elems && sv->n < cap)
                elems[sv->n] = x;
            sv->n++;
            if (!comma)
                break;
            p = comma + 1;
        }
        sv->elems = elems;
        return NULL;
    }
    if (strpbrk(v, ".eE")) { /* f32: digits, sign, point, exponent, optional f */
        size_t flen = vlen - (v[vlen - 1] == 'f' || v[vlen - 1] == 'F');
        if (strspn(v, "0123456789+-.eE") != flen || !flen)
            return "not a u64 (plain decimal), f32 (1.5, 1.5f, 2e3) or array ([1,2])";
        char buf[64];
        if (flen >= sizeof buf)
            return "the f32 is too long";
        memcpy(buf, v, flen);
        buf[flen] = '\0';
        char *endp = NULL;
        errno = 0;
        float f = strtof(buf, &endp);
        if (endp == buf || *endp)
            return "not a valid f32 (1.5, 1.5f, -2e3)";
        if (errno == ERANGE || !isfinite(f))
            return "out of the f32 range";
        sv->type = PTO_SYMBOL_F32;
        sv->bits = pto_f32_bits(f);
        return NULL;
    }
    sv->type = PTO_SYMBOL_U64;
    const char *why = pto_parse_decimal(v, &sv->bits);
    if (why) {
        snprintf(err->msg, sizeof err->msg,
                 "%s (a u64 is plain decimal; an f32 has a decimal point or an exponent; "
                 "an array is [1,2,3])",
                 why);
        return err->msg;
    }
    return NULL;
}

/* A plan file: a name ending in ".json" (any case). */
static int is_plan_path(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && !strcasecmp(path + n - 5, ".json");
}

/* Matches "--name VALUE" and "--name=VALUE"; advances *i past the value. */
static int opt_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return 0;
    if (a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (a[n] != '\0')
        return 0;
    *value = (*i + 1 < argc) ? argv[++*i] : NULL;
    return 1;
}

/* Returns -1 to continue, or an exit code (help printed / usage error). */
static int parse_args(int argc, char **argv, cli_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            usage(stdout);
            return EXIT_OK;
        }
    }
    if (argc < 2)
        return usage_error("missing command");
    o->cmd = argv[1];
    if (strcmp(o->cmd, "info") && strcmp(o->cmd, "run") && strcmp(o->cmd, "caps") &&
        strcmp(o->cmd, "check"))
        return usage_error("unknown command '%s'", o->cmd);
    /* check takes run's options (those a check does not use are ignored) */
    int check = !strcmp(o->cmd, "check");
    int run = !strcmp(o->cmd, "run") || check, caps = !strcmp(o->cmd, "caps");

    for (int i = 2; i < argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (opt_value(argc, argv, &i, "--platform", &v)) {
            if (!v || !*v)
                return usage_error("--platform needs a platform name");
            o->platform = v;
        } else if (caps) {
            return usage_error("caps takes no argument but --platform NAME, not '%s'", a);
        } else if (opt_value(argc, argv, &i, "--blocks", &v)) {
            int rc = parse_size("--blocks", v, PTO_MAX_BLOCKS, 0, &o->blocks);
            if (rc >= 0)
                return rc;
            o->has_blocks = 1;
        } else if (opt_value(argc, argv, &i, "--schedulers", &v)) {
            int rc = parse_size("--schedulers", v, PTO_MAX_AICPU_THREADS, 0, &o->schedulers);
            if (rc >= 0)
                return rc;
            o->has_schedulers = 1;
        } else if (opt_value(argc, argv, &i, "--window", &v)) {
            int rc = parse_size("--window", v, UINT32_C(1) << 24, 1, &o->window);
            if (rc >= 0)
                return rc;
            o->has_window = 1;
        } else if (run && !strcmp(a, "--streamed")) {
            if (o->mode == PTO_MODE_HOST_BUILT)
                return usage_error("--streamed and --host-built exclude each other");
            o->mode = PTO_MODE_STREAMED;
        } else if (run && !strcmp(a, "--host-built")) {
            if (o->mode == PTO_MODE_STREAMED)
                return usage_error("--streamed and --host-built exclude each other");
            o->mode = PTO_MODE_HOST_BUILT;
        } else if (run && opt_value(argc, argv, &i, "--trace", &v)) {
            if (!v || !*v)
                return usage_error("--trace needs a file name");
            o->trace = v;
        } else if (run && opt_value(argc, argv, &i, "--cycle-trace", &v)) {
            if (!v || !*v)
                return usage_error("--cycle-trace needs a file name");
            o->cycle_trace = v;
        } else if (run && opt_value(argc, argv, &i, "--graph", &v)) {
            if (!v || !*v)
                return usage_error("--graph needs a file name");
            o->graph = v;
        } else if (run && opt_value(argc, argv, &i, "--watchdog-ms", &v)) {
            int rc = parse_size("--watchdog-ms", v, UINT32_MAX, 0, &o->watchdog_ms);
            if (rc >= 0)
                return rc;
        } else if (run && opt_value(argc, argv, &i, "--dispatch", &v)) {
            if (!v || !*v)
                return usage_error("--dispatch needs a policy, NAME or NAME:N");
            o->dispatch = v;
        } else if (!run && opt_value(argc, argv, &i, "--lanes", &v)) {
            int rc = parse_size("--lanes", v, PTO_MAX_CORES, 0, &o->lanes);
            if (rc >= 0)
                return rc;
        } else if (run && opt_value(argc, argv, &i, "--task-window", &v)) {
            int rc = parse_task_window(v, o);
            if (rc >= 0)
                return rc;
            o->has_task_window = 1;
        } else if (run && !strcmp(a, "--deterministic")) {
            o->deterministic = 1;
        } else if (run && !strcmp(a, "--check-bounds")) {
            o->check_bounds = 1;
        } else if (run && opt_value(argc, argv, &i, "--set", &v)) {
            if (!v)
                return usage_error("--set needs NAME=VALUE");
            set_value sv;
            pto_error e = {0};
            const char *why = parse_set(v, &sv, NULL, 0, &e);
            if (why)
                return usage_error("--set '%s' is not valid: %s", v, why);
            if (o->nset >= PTO_MAX_SYMBOLS)
                return usage_error("--set '%s': more than %d --set options", v, PTO_MAX_SYMBOLS);
            o->set[o->nset++] = v;
        } else if (run && (opt_value(argc, argv, &i, "--input", &v) ||
                           opt_value(argc, argv, &i, "--output", &v) ||
                           opt_value(argc, argv, &i, "--golden", &v))) {
            static const char *const flags[] = {"--input", "--output", "--golden"};
            int out = !strncmp(a, "--output", 8) ? 1 : !strncmp(a, "--golden", 8) ? 2 : 0;
            const char *flag = flags[out];
            if (!v || !strchr(v, '=') || v[0] == '=' || !strchr(v, '=')[1])
                return usage_error("%s needs NAME=FILE.npy", flag);
            if (o->nfiles >= 64)
                return usage_error("more than 64 --input, --output and --golden options");
            o->file_out[o->nfiles] = out;
            o->files[o->nfiles++] = v;
        } else if (run && !strcmp(a, "--quiet")) {
            o->quiet = 1;
        } else if (a[0] == '-') {
            return usage_error("unknown option '%s'", a);
        } else if (run && !o->dir) {
            o->dir = a;
        } else {
            return usage_error("unexpected argument '%s'", a);
        }
    }
    if (run && !o->dir)
        return usage_error(check ? "check needs a plan file" : "run needs an example directory");
    if (check && !is_plan_path(o->dir))
        return usage_error("check needs a plan file (NAME.json), not '%s'", o->dir);
    if (run && o->nfiles && !is_plan_path(o->dir))
        return usage_error("--input, --output and --golden are for plans (PLAN.json), not '%s'",
                           o->dir);
    const char *wd = getenv("PTO_WATCHDOG_MS");
    if (run && !o->watchdog_ms && wd) {
        int rc = parse_size("PTO_WATCHDOG_MS", wd, UINT32_MAX, 0, &o->watchdog_ms);
        if (rc >= 0)
            return rc;
    }
    return -1;
}

/* Defaults, then the environment, then the command-line flags. */
static pto_status device_config(const cli_opts *o, pto_device_config *cfg, pto_error *err)
{
    pto_device_config_default(cfg);
    pto_status s = pto_device_config_from_env(cfg, err);
    if (s != PTO_OK)
        return s;
    if (o->has_blocks)
        cfg->blocks = o->blocks;
    if (o->has_schedulers)
        cfg->schedulers = o->schedulers;
    if (o->has_window)
        cfg->task_window = o->window;
    if (o->check_bounds)
        cfg->check_bounds = 1;
    return PTO_OK;
}

static pto_status open_device(const cli_opts *o, pto_device **dev, pto_error *err)
{
    pto_device_config cfg;
    pto_status s = device_config(o, &cfg, err);
    return s != PTO_OK ? s : pto_device_open(o->platform, &cfg, dev, err);
}

static int cmd_info(const cli_opts *o)
{
    pto_error err = {0};
    pto_device *dev = NULL;
    if (open_device(o, &dev, &err) != PTO_OK)
        return report(&err);
    pto_device_info in;
    pto_device_get_info(dev, &in);
    pto_lane_map map;
    if (pto_lanes_get(dev, o->lanes, &map, &err) != PTO_OK) {
        pto_device_close(dev);
        return report(&err);
    }
    printf("platform         %s\n", in.platform ? in.platform : "unknown");
    printf("blocks           %u\n", (unsigned)in.blocks);
    printf("cores            %u (AIC %u, AIV %u)\n", (unsigned)in.cores, (unsigned)in.aic_cores,
           (unsigned)in.aiv_cores);
    printf("schedulers       %u\n", (unsigned)in.schedulers);
    printf("exec threads     %u\n", (unsigned)in.exec_threads);
    printf("GM bytes         %zu (%.1f MiB)\n", in.gm_bytes,
           (double)in.gm_bytes / (1024.0 * 1024.0));
    printf("task window      %u\n", (unsigned)in.task_window);
    printf("dep pool         %u\n", (unsigned)in.dep_pool);
    printf("ready queue      %u\n", (unsigned)in.ready_queue);
    printf("trace capacity   %u\n", (unsigned)in.trace_capacity);
    printf("heap bytes       %llu (%.1f MiB)\n", (unsigned long long)in.heap_bytes,
           (double)in.heap_bytes / (1024.0 * 1024.0));
    printf("tensormap        %u entries, %u buckets\n", (unsigned)in.tensormap_entries,
           (unsigned)in.tensormap_buckets);
    printf("check bounds     %s\n", in.check_bounds ? "on (red zones around buffers)" : "off");
    printf("lanes            %u (%s)\n", (unsigned)map.lanes,
           map.lanes == in.schedulers ? "one per scheduler: its blocks"
                                      : "the cores of each type dealt round robin");
    for (uint32_t l = 0; l < map.lanes; l++) {
        printf("  lane %-2u", (unsigned)l);
        for (int type = 0; type < PTO_CORE_TYPES; type++) {
            printf("  %s", type == PTO_CORE_AIC ? "AIC" : "AIV");
            int any = 0;
            for (uint32_t c = 0; c < map.cores; c++)
                if (map.lane[c] == l && pto_core_type_of(c) == (pto_core_type)type) {
                    printf(" %u", (unsigned)c);
                    any = 1;
                }
            if (!any)
                printf(" -");
        }
        printf("  scheduler");
        for (uint32_t sc = 0, first = 1; sc < in.schedulers; sc++)
            for (uint32_t c = 0; c < map.cores; c++)
                if (map.lane[c] == l && map.scheduler[c] == sc) {
                    printf("%s%u", first ? " " : ",", (unsigned)sc);
                    first = 0;
                    break;
                }
        printf("\n");
    }
    pto_device_close(dev);
    return EXIT_OK;
}

/* The capability matrix, one row per feature and a column per platform
 * and mode (only those of o->platform when given). No device is opened:
 * the matrix is data, and a gated platform has its column too. */
static int cmd_caps(const cli_opts *o)
{
    uint32_t cols[8], ncols = 0, width = (uint32_t)strlen("feature");
    for (uint32_t c = 0; c < pto_caps_columns() && ncols < 8; c++)
        if (!o->platform || !strcmp(o->platform, pto_caps_column_platform(c)))
            cols[ncols++] = c;
    if (!ncols) {
        fprintf(stderr, "error: %s: no platform '%s' in the capability matrix (platforms:",
                pto_status_name(PTO_ERR_NOT_FOUND), o->platform);
        for (uint32_t c = 0; c < pto_caps_columns(); c++)
            if (!c || strcmp(pto_caps_column_platform(c), pto_caps_column_platform(c - 1)))
                fprintf(stderr, "%s %s", c ? "," : "", pto_caps_column_platform(c));
        fprintf(stderr, ")\n");
        return EXIT_ERR;
    }
    for (uint32_t r = 0; r < pto_caps_rows(); r++)
        if (strlen(pto_caps_feature(r)) > width)
            width = (uint32_t)strlen(pto_caps_feature(r));
    char head[8][64];
    int cw[8];
    printf("%-*s", (int)width, "feature");
    for (uint32_t i = 0; i < ncols; i++) {
        const char *mode = pto_caps_column_mode(cols[i]);
        snprintf(head[i], sizeof head[i], "%s%s%s", pto_caps_column_platform(cols[i]),
                 *mode ? " " : "", mode);
        /* as wide as "UNSUPPORTED"; the last column unpadded */
        cw[i] = i + 1 == ncols ? 0 : (int)strlen(head[i]) > 11 ? (int)strlen(head[i]) : 11;
        printf("  %-*s", cw[i], head[i]);
    }
    printf("\n");
    for (uint32_t r = 0; r < pto_caps_rows(); r++) {
        printf("%-*s", (int)width, pto_caps_feature(r));
        for (uint32_t i = 0; i < ncols; i++)
            printf("  %-*s", cw[i], pto_cap_level_name(pto_caps_level(r, cols[i])));
        printf("\n");
    }
    printf("\nENFORCED: behaves as specified. RECORDED: counted in the stats, no change of\n"
           "behaviour. DIAGNOSED: ignored; one note per run on stderr, counted in the\n"
           "stats. UNSUPPORTED: the run is refused before anything executes.\n");
    return EXIT_OK;
}

static pto_status join_path(const char *dir, const char *file, char *out, size_t len,
                            pto_error *err)
{
    int n = snprintf(out, len, "%s/%s", dir, file);
    if (n < 0 || (size_t)n >= len)
        return cli_fail(err, PTO_ERR_INVALID, "path too long: %s/%s", dir, file);
    return PTO_OK;
}

/* A loaded example: the dlopen handle of its orchestration .so and the
 * descriptor it returned (valid while the handle is open). */
typedef struct loaded_example {
    void *dl;
    const pto_example *ex;
} loaded_example;

static pto_status load_example(const char *dir, loaded_example *le, pto_error *err)
{
    char src[PATH_MAX], so[PATH_MAX];
    pto_status s = join_path(dir, "orchestration.c", src, sizeof src, err);
    if (s != PTO_OK)
        return s;
    if (access(src, R_OK) != 0)
        return cli_fail(err, PTO_ERR_NOT_FOUND, "%s is not an example directory: %s: %s", dir, src,
                        strerror(errno));
    s = pto_compile_shared(src, NULL, so, sizeof so, err);
    if (s != PTO_OK)
        return s;
    le->dl = dlopen(so, RTLD_NOW | RTLD_LOCAL);
    if (!le->dl) {
        const char *why = dlerror();
        return cli_fail(err, PTO_ERR_NOT_FOUND, "cannot load %s (built from %s): %s", so, src,
                        why ? why : "unknown dlopen error");
    }
    void *sym = dlsym(le->dl, PTO_EXAMPLE_ENTRY);
    pto_example_get_fn get = NULL;
    if (sym)
        memcpy(&get, &sym, sizeof get); /* object -> function pointer (POSIX) */
    le->ex = get ? get() : NULL;
    if (!le->ex || !le->ex->orchestrate || !le->ex->check)
        return cli_fail(err, PTO_ERR_NOT_FOUND,
                        "%s: %s() is missing or returned no example with orchestrate "
                        "and check",
                        src, PTO_EXAMPLE_ENTRY);
    return PTO_OK;
}

static pto_status register_kernels(pto_device *dev, const char *dir, const pto_example *ex,
                                   pto_error *err)
{
    for (unsigned i = 0; i < ex->nkernels; i++) {
        const pto_example_kernel *k = &ex->kernels[i];
        if (!k->source || !k->symbol)
            return cli_fail(err, PTO_ERR_INVALID,
                            "example kernel %u (func_id %d) has no source or symbol", i,
                            k->func_id);
        char path[PATH_MAX];
        pto_status s = join_path(dir, k->source, path, sizeof path, err);
        if (s == PTO_OK)
            s = pto_kernel_register_source(dev, k->func_id, k->type, path, k->symbol, NULL, err);
        if (s != PTO_OK)
            return s;
    }
    return PTO_OK;
}

/* Declares the example's symbols, then applies each --set in order: an
 * undeclared name is declared with the type of its value (default 0). */
static pto_status apply_symbols(pto_device *dev, const cli_opts *o, const pto_example *ex,
                                pto_error *err)
{
    for (unsigned i = 0; i < ex->nsymbols; i++) {
        const pto_example_symbol *sy = &ex->symbols[i];
        pto_status s = pto_symbol_declare(dev, sy->name, sy->type, sy->default_bits, err);
        if (s != PTO_OK)
            return s;
    }
    static int32_t elems[PTO_SYMBOL_ARRAY_ELEMS];
    for (uint32_t i = 0; i < o->nset; i++) {
        set_value sv;
        if (parse_set(o->set[i], &sv, elems, PTO_SYMBOL_ARRAY_ELEMS, err)) /* checked before */
            return cli_fail(err, PTO_ERR_INVALID, "--set '%s' is not valid", o->set[i]);
        pto_status s = pto_symbol_lookup(dev, sv.name, NULL, NULL, err);
        if (s == PTO_ERR_NOT_FOUND)
            s = pto_symbol_declare(dev, sv.name, sv.type, 0, err);
        if (s == PTO_OK) {
            if (sv.type == PTO_SYMBOL_U64)
                s = pto_symbol_set_u64(dev, sv.name, sv.bits, err);
            else if (sv.type == PTO_SYMBOL_F32) {
                uint32_t b = (uint32_t)sv.bits;
                float f;
                memcpy(&f, &b, sizeof f);
                s = pto_symbol_set_f32(dev, sv.name, f, err);
            } else
                s = pto_symbol_set_i32_array(dev, sv.name, sv.elems, sv.n, err);
        }
        if (s != PTO_OK) {
            char msg[PTO_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            return cli_fail(err, s, "--set '%s': %s", o->set[i], msg);
        }
    }
    return PTO_OK;
}

/* DOT for a name ending in ".dot" (any case), JSON otherwise. */
static pto_graph_format graph_format_of(const char *path)
{
    size_t n = strlen(path);
    return n >= 4 && !strcasecmp(path + n - 4, ".dot") ? PTO_GRAPH_DOT : PTO_GRAPH_JSON;
}

static int print_outputs(const cli_opts *o, pto_device *dev, const pto_run_config *rcp,
                         const pto_stats *statsp);

/* Launch, check and report one example on an open device. Returns the exit
 * code. ctx is owned by the caller. */
static int run_on_device(const cli_opts *o, pto_device *dev, const pto_example *ex, void *ctx)
{
    pto_error err = {0};
    pto_run_config rc;
    pto_run_config_default(&rc);
    rc.mode = o->mode >= 0 ? (pto_run_mode)o->mode : ex->mode;
    if (o->deterministic)
        rc.deterministic = 1;
    if (o->watchdog_ms)
        rc.watchdog_ms = o->watchdog_ms;
    if (o->check_bounds)
        rc.check_bounds = 1;
    rc.dispatch = o->dispatch;
    rc.task_window = o->task_window;
    rc.window_unit = o->window_unit;
    rc.window_mode = o->window_mode;
    pto_stats stats;
    memset(&stats, 0, sizeof stats);
    if (pto_launch(dev, &rc, ex->orchestrate, ctx, &stats, &err) != PTO_OK) {
        int code = report(&err);
        /* The library fills the flow table once the run executed (e.g. a
         * deadlock); an orchestration refused up front leaves it empty. */
        if (!o->quiet && stats.flow[PTO_STALL_TASK_RING_FULL].capacity) {
            fflush(stderr);
            pto_stats_print(stdout, dev, &stats);
        }
        return code;
    }

    double max_err = 0.0, tol = 0.0;
    if (ex->check(ctx, &max_err, &tol, &err) != PTO_OK)
        return report(&err);
    int pass = max_err <= tol; /* NaN compares false: FAIL */
    printf("%s %s max_err=%.3g (tolerance %.3g)\n", pass ? "PASS" : "FAIL",
           ex->name ? ex->name : "example", max_err, tol);
    int code = print_outputs(o, dev, &rc, &stats);
    return code >= 0 ? code : pass ? EXIT_OK : EXIT_ERR;
}

/* After a run: the mode line, stats and flow-control table (unless
 * --quiet), and the --trace, --cycle-trace and --graph files. Returns -1,
 * or EXIT_ERR when a file cannot be written. */
static int print_outputs(const cli_opts *o, pto_device *dev, const pto_run_config *rcp,
                         const pto_stats *statsp)
{
    pto_error err = {0};
    const pto_run_config rc = *rcp;
    pto_stats stats = *statsp;
    if (!o->quiet) {
        pto_device_info di;
        pto_device_get_info(dev, &di);
        static const char *const units[] = {"tasks", "bytes", "entries"};
        static const char *const modes[] = {"STALL", "ABORT", "BENCHMARK"};
        printf("mode             %s%s%s", rc.mode == PTO_MODE_STREAMED ? "streamed" : "host-built",
               rc.deterministic ? " (deterministic)" : "",
               rc.check_bounds || di.check_bounds ? " (bounds checked)" : "");
        if (rc.task_window)
            printf(", task_window(%u, %s, %s)", (unsigned)rc.task_window, units[rc.window_unit],
                   modes[rc.window_mode]);
        printf("\n");
        pto_stats_print(stdout, dev, &stats);
    }
    if (o->trace) {
        if (pto_trace_write_chrome(dev, &stats, o->trace, &err) != PTO_OK)
            return report(&err);
        if (!o->quiet)
            printf("trace written to %s\n", o->trace);
    }
    if (o->cycle_trace) {
        if (pto_trace_write_chrome_cycles(dev, &stats, o->cycle_trace, &err) != PTO_OK)
            return report(&err);
        if (!o->quiet)
            printf("cycle trace written to %s\n", o->cycle_trace);
    }
    if (o->graph) {
        if (pto_graph_write(dev, o->graph, graph_format_of(o->graph), &err) != PTO_OK)
            return report(&err);
        if (!o->quiet)
            printf("graph written to %s\n", o->graph);
    }
    return -1;
}

static int cmd_run(const cli_opts *o)
{
    pto_error err = {0};
    loaded_example le = {0};
    pto_device *dev = NULL;
    void *ctx = NULL;
    int rc = EXIT_ERR;
    pto_device_config cfg;

    /* A bad PTO_* value is reported before anything is compiled. */
    if (device_config(o, &cfg, &err) != PTO_OK || load_example(o->dir, &le, &err) != PTO_OK) {
        rc = report(&err);
        goto out;
    }
    const pto_example *ex = le.ex;
    if (open_device(o, &dev, &err) != PTO_OK || register_kernels(dev, o->dir, ex, &err) != PTO_OK ||
        apply_symbols(dev, o, ex, &err) != PTO_OK) {
        rc = report(&err);
        goto out;
    }
    ctx = calloc(1, ex->ctx_size ? ex->ctx_size : 1);
    if (!ctx) {
        fprintf(stderr, "error: %s: cannot allocate %zu bytes of example context\n",
                pto_status_name(PTO_ERR_NOMEM), ex->ctx_size);
        goto out;
    }
    rc = run_on_device(o, dev, ex, ctx);
    if (ex->teardown)
        ex->teardown(dev, ctx);
out:
    free(ctx);
    if (dev)
        pto_device_close(dev);
    if (le.dl)
        dlclose(le.dl);
    fflush(stdout);
    return rc;
}

/* Applies each --set to the plan: u64, f32 or i32[] ([e,e,...]) values of
 * symbols it declares. */
static pto_status plan_sets(const cli_opts *o, pto_plan *plan, pto_error *err)
{
    static int32_t elems[PTO_SYMBOL_ARRAY_ELEMS]; /* one --set at a time */
    for (uint32_t i = 0; i < o->nset; i++) {
        set_value sv;
        if (parse_set(o->set[i], &sv, elems, PTO_SYMBOL_ARRAY_ELEMS, err)) /* checked before */
            return cli_fail(err, PTO_ERR_INVALID, "--set '%s' is not valid", o->set[i]);
        pto_status s = PTO_OK;
        if (sv.type == PTO_SYMBOL_I32_ARRAY)
            s = pto_plan_set_i32_array(plan, sv.name, elems, sv.n, err);
        else if (sv.type == PTO_SYMBOL_U64)
            s = pto_plan_set(plan, sv.name, sv.bits, err);
        else
            s = pto_plan_set_f32(plan, sv.name, pto_bits_f32(sv.bits), err);
        if (s != PTO_OK) {
            char msg[PTO_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            return cli_fail(err, s, "--set '%s': %s", o->set[i], msg);
        }
    }
    return PTO_OK;
}

/* Applies each --input / --output / --golden NAME=FILE to the plan. */
static pto_status plan_files(const cli_opts *o, pto_plan *plan, pto_error *err)
{
    static const char *const flags[] = {"--input", "--output", "--golden"};
    for (uint32_t i = 0; i < o->nfiles; i++) {
        const char *v = o->files[i], *eq = strchr(v, '=');
        char name[PTO_SYMBOL_NAME_MAX];
        if ((size_t)(eq - v) >= sizeof name)
            return cli_fail(err, PTO_ERR_INVALID, "%s '%s': the name is too long",
                            flags[o->file_out[i]], v);
        memcpy(name, v, (size_t)(eq - v));
        name[eq - v] = '\0';
        pto_status s = o->file_out[i] == 1   ? pto_plan_set_output(plan, name, eq + 1, err)
                       : o->file_out[i] == 2 ? pto_plan_set_golden(plan, name, eq + 1, err)
                                             : pto_plan_set_input(plan, name, eq + 1, err);
        if (s != PTO_OK) {
            char msg[PTO_ERROR_MSG_MAX];
            snprintf(msg, sizeof msg, "%s", err->msg);
            return cli_fail(err, s, "%s '%s': %s", flags[o->file_out[i]], v, msg);
        }
    }
    return PTO_OK;
}

/* pto check PLAN.json: load, apply --set, check. */
static int cmd_check(const cli_opts *o)
{
    pto_error err = {0};
    pto_plan *plan = NULL;
    if (pto_plan_load_file(o->dir, &plan, &err) != PTO_OK || plan_sets(o, plan, &err) != PTO_OK ||
        pto_plan_check(plan, o->platform ? o->platform : "a2a3sim", o->deterministic, &err) !=
            PTO_OK) {
        pto_plan_free(plan);
        return report(&err);
    }
    printf("OK %s: %s is a valid plan (wsp_runtime_abi %s)\n", pto_plan_name(plan), o->dir,
           PTO_PLAN_ABI);
    pto_plan_free(plan);
    return EXIT_OK;
}

/* pto run PLAN.json: load, check, run on a fresh device, compare. */
static int cmd_run_plan(const cli_opts *o)
{
    pto_error err = {0};
    pto_plan *plan = NULL;
    pto_device *dev = NULL;
    pto_device_config cfg;
    int code = EXIT_ERR;
    if (device_config(o, &cfg, &err) != PTO_OK ||
        pto_plan_load_file(o->dir, &plan, &err) != PTO_OK || plan_sets(o, plan, &err) != PTO_OK ||
        plan_files(o, plan, &err) != PTO_OK ||
        pto_plan_check(plan, o->platform ? o->platform : "a2a3sim", o->deterministic, &err) !=
            PTO_OK ||
        open_device(o, &dev, &err) != PTO_OK) {
        code = report(&err);
        goto out;
    }
    pto_run_config rc;
    pto_plan_run_config(plan, &rc);
    if (o->mode >= 0)
        rc.mode = (pto_run_mode)o->mode;
    if (o->deterministic)
        rc.deterministic = 1;
    if (o->watchdog_ms)
        rc.watchdog_ms = o->watchdog_ms;
    if (o->check_bounds)
        rc.check_bounds = 1;
    if (o->dispatch)
        rc.dispatch = o->dispatch;
    if (o->has_task_window) {
        rc.task_window = o->task_window;
        rc.window_unit = o->window_unit;
        rc.window_mode = o->window_mode;
    }
    pto_stats stats;
    memset(&stats, 0, sizeof stats);
    pto_plan_result res;
    if (pto_plan_run(dev, plan, &rc, &res, &stats, &err) != PTO_OK) {
        code = report(&err);
        if (!o->quiet && stats.flow[PTO_STALL_TASK_RING_FULL].capacity) {
            fflush(stderr);
            pto_stats_print(stdout, dev, &stats);
        }
        goto out;
    }
    if (res.checked)
        printf("%s %s max_err=%.3g (tolerance %.3g)\n", res.pass ? "PASS" : "FAIL",
               pto_plan_name(plan), res.max_err, res.tolerance);
    else
        printf("DONE %s (no expect rule to check)\n", pto_plan_name(plan));
    code = print_outputs(o, dev, &rc, &stats);
    if (code < 0)
        code = res.pass ? EXIT_OK : EXIT_ERR;
out:
    if (dev)
        pto_device_close(dev);
    pto_plan_free(plan);
    fflush(stdout);
    return code;
}

int main(int argc, char **argv)
{
    cli_opts o;
    int rc = parse_args(argc, argv, &o);
    if (rc >= 0)
        return rc;
    if (!strcmp(o.cmd, "info"))
        return cmd_info(&o);
    if (!strcmp(o.cmd, "caps"))
        return cmd_caps(&o);
    if (!strcmp(o.cmd, "check"))
        return cmd_check(&o);
    if (is_plan_path(o.dir))
        return cmd_run_plan(&o);
    return cmd_run(&o);
}
