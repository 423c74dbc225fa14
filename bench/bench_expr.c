/* ScalarExpr evaluation cost: ns per pto_expr_eval for a dispatch-style
 * predicate, a mid-sized arithmetic expression and the longest expression
 * (127 instructions). Each runs for about 0.3 s; the figure is in
 * docs/expr.md. Public API only.
 *
 *   build/bin/bench_expr */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pto/expr.h"

static int resolve(void *ctx, const char *name, size_t len, uint64_t *id, pto_expr_type *kind)
{
    (void)ctx;
    if (len != 7 || memcmp(name, "special", 7))
        return 0;
    *id = 1;
    *kind = PTO_EXPR_U64;
    return 1;
}

static uint64_t symbol(void *ctx, uint64_t id) { return *(const uint64_t *)ctx + id; }

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int run(const char *label, const char *text)
{
    static uint64_t slots[PTO_EXPR_SLOTS];
    uint64_t params[4] = {0, 3, 5, 7}, axes[2] = {1, 2}, tags[1] = {4}, special = 6;
    pto_expr_resolver r = {resolve, NULL};
    pto_expr_env env = {params, 4, axes, 2, tags, 1, slots, symbol, &special};
    pto_expr e;
    pto_error err;
    if (pto_expr_parse(&e, text, strlen(text), &r, &err)) {
        fprintf(stderr, "bench_expr: %s: %s\n", label, err.msg);
        return 1;
    }
    uint64_t sum = 0, n = 0;
    double t0 = now(), t;
    do {
        for (int i = 0; i < 100000; i++) {
            params[0] = (uint64_t)i;
            sum += pto_expr_eval(&e, &env);
        }
        n += 100000;
        t = now() - t0;
    } while (t < 0.3);
    printf("%-10s %3u insns  %7.1f ns/eval  %5.2f ns/insn  (checksum %llu)\n", label, e.n,
           1e9 * t / (double)n, 1e9 * t / (double)n / e.n, (unsigned long long)sum);
    return 0;
}

int main(void)
{
    char chain[2048];
    size_t k = 0;
    for (int i = 0; i < 64; i++)
        k += (size_t)snprintf(chain + k, sizeof chain - k, "%sparam%d", i ? " + " : "", i % 4);
    return run("predicate", "(param0 == sym.special) ? 0u : 1u") ||
           run("arith", "where(param0 % 3u == 0u, (param1 * axis0 + axis1) << 2u, "
                        "(slot7 ^ tag0) / (param2 - 5u)) + (param3 >> (axis1 & 63u))") ||
           run("max", chain);
}
