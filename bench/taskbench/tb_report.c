/* taskbench report: reads the drivers' CSV rows and writes
 *   <out>/table.md       tables (ns/task, ratios, METG, RSS, targets)
 *   <out>/results.csv    every row plus derived columns and METG rows
 *   <out>/eff/<workload>_<runtime>.dat, <out>/efficiency.gp: efficiency vs granularity for gnuplot
 * Usage: tb_report RAW.csv OUTDIR NCPU [HEADER.md]
 *
 * Row kinds: "empty" (main table, empty kernel), "sweep" (compute-bound
 * kernel, one row per iteration count), "rss" (one 10^6..10^7-task stream).
 * Efficiency of a sweep row = (serial time of the same pattern and iteration
 * count / NCPU) / wall time; granularity = wall time * NCPU / tasks.
 * METG(50%): the smallest granularity with efficiency >= 50%: walking from
 * the finest point up, the first point reaching 50% and the point before it
 * are interpolated linearly to efficiency 0.5. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAXROWS 20000
#define MAXNAMES 32

typedef struct row {
    char kind[16], rt[48], pattern[24];
    int width, radix, steps, reps;
    unsigned long long iters, tasks, total, build, run, min, max;
    int valid;
    long base_rss, peak_rss;
    double eff, gran_us; /* sweep rows */
} row;

static row rows[MAXROWS];
static int nrows, ncpu = 2;

typedef struct cfg {
    char pattern[24];
    int width, radix;
} cfg;

static int same_cfg(const row *r, const cfg *c)
{
    return !strcmp(r->pattern, c->pattern) && r->width == c->width && r->radix == c->radix;
}

static void cfg_label(const cfg *c, char *buf, size_t n)
{
    if (!strcmp(c->pattern, "no_comm") && c->width == 1)
        snprintf(buf, n, "chain (no_comm, width 1)");
    else if (c->radix)
        snprintf(buf, n, "%s r%d, width %d", c->pattern, c->radix, c->width);
    else
        snprintf(buf, n, "%s, width %d", c->pattern, c->width);
}

static int is_chain(const cfg *c) { return !strcmp(c->pattern, "no_comm") && c->width == 1; }

/* Distinct configs and runtimes of one kind, in order of appearance. */
static int collect(const char *kind, cfg *cfgs, char names[][48], int *nnames)
{
    int nc = 0;
    *nnames = 0;
    for (int i = 0; i < nrows; i++) {
        row *r = &rows[i];
        if (strcmp(r->kind, kind))
            continue;
        int k;
        for (k = 0; k < nc && !same_cfg(r, &cfgs[k]); k++)
            ;
        if (k == nc && nc < MAXNAMES) {
            snprintf(cfgs[nc].pattern, sizeof cfgs[nc].pattern, "%s", r->pattern);
            cfgs[nc].width = r->width, cfgs[nc].radix = r->radix;
            nc++;
        }
        for (k = 0; k < *nnames && strcmp(names[k], r->rt); k++)
            ;
        if (k == *nnames && *nnames < MAXNAMES)
            snprintf(names[(*nnames)++], 48, "%s", r->rt);
    }
    return nc;
}

static row *find(const char *kind, const char *rt, const cfg *c, long long iters)
{
    for (int i = 0; i < nrows; i++)
        if (!strcmp(rows[i].kind, kind) && !strcmp(rows[i].rt, rt) && same_cfg(&rows[i], c) &&
            (iters < 0 || rows[i].iters == (unsigned long long)iters))
            return &rows[i];
    return NULL;
}

static double per_task(const row *r, const cfg *c)
{
    unsigned long long n = is_chain(c) && r->tasks > 1 ? r->tasks - 1 : r->tasks;
    return (double)r->total / (double)n;
}

/* METG in us; *state: 0 ok, 1 never reaches 50% (returns max granularity),
 * 2 still >= 50% at the finest point (returns min granularity), -1 no data,
 * -2 a run failed validation. */
static double metg(const char *rt, const cfg *c, int *state)
{
    row *pts[256];
    int n = 0, fail = 0;
    for (int i = 0; i < nrows && n < 256; i++)
        if (!strcmp(rows[i].kind, "sweep") && !strcmp(rows[i].rt, rt) && same_cfg(&rows[i], c)) {
            if (!rows[i].valid)
                fail = 1;
            if (rows[i].eff > 0)
                pts[n++] = &rows[i];
        }
    if (fail) {
        *state = -2;
        return NAN;
    }
    if (!n) {
        *state = -1;
        return NAN;
    }
    for (int i = 1; i < n; i++) /* by iterations, ascending = finest first */
        for (int j = i; j > 0 && pts[j]->iters < pts[j - 1]->iters; j--) {
            row *t = pts[j];
            pts[j] = pts[j - 1];
            pts[j - 1] = t;
        }
    for (int i = 0; i < n; i++)
        if (pts[i]->eff >= 0.5) {
            if (i == 0) {
                *state = 2;
                return pts[0]->gran_us;
            }
            double e0 = pts[i - 1]->eff, e1 = pts[i]->eff;
            double g0 = pts[i - 1]->gran_us, g1 = pts[i]->gran_us;
            *state = 0;
            return g0 + (0.5 - e0) * (g1 - g0) / (e1 - e0);
        }
    *state = 1;
    return pts[n - 1]->gran_us;
}

static void fmt_metg(double v, int st, char *buf, size_t n)
{
    if (st == -2)
        snprintf(buf, n, "FAIL");
    else if (st == -1)
        snprintf(buf, n, "–");
    else if (st == 1)
        snprintf(buf, n, "> %.1f (never 50%%)", v);
    else if (st == 2)
        snprintf(buf, n, "< %.2f", v);
    else
        snprintf(buf, n, "%.2f", v);
}

static int load(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    char line[1024];
    while (fgets(line, sizeof line, f) && nrows < MAXROWS) {
        row *r = &rows[nrows];
        char valid[16];
        if (!strncmp(line, "kind,", 5))
            continue;
        int k = sscanf(line,
                       "%15[^,],%47[^,],%23[^,],%d,%d,%d,%llu,%llu,%d,%llu,%llu,%llu,%llu,%llu,"
                       "%15[^,],%ld,%ld",
                       r->kind, r->rt, r->pattern, &r->width, &r->radix, &r->steps, &r->iters,
                       &r->tasks, &r->reps, &r->total, &r->build, &r->run, &r->min, &r->max, valid,
                       &r->base_rss, &r->peak_rss);
        if (k != 17)
            continue;
        r->valid = !strcmp(valid, "PASS");
        nrows++;
    }
    fclose(f);
    return 0;
}

static const char *peers[] = {"omp-libgomp", "omp-libomp", "tbb-flowgraph", "starpu-eager",
                              "starpu-lws",  "pthreads",   "serial"};

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: tb_report RAW.csv OUTDIR NCPU [HEADER.md]\n");
        return 2;
    }
    if (load(argv[1])) {
        perror(argv[1]);
        return 1;
    }
    const char *out = argv[2];
    ncpu = atoi(argv[3]);
    char path[1024];

    /* Efficiency and granularity of sweep rows. */
    for (int i = 0; i < nrows; i++) {
        row *r = &rows[i];
        if (strcmp(r->kind, "sweep") || !strcmp(r->rt, "serial"))
            continue;
        cfg c;
        snprintf(c.pattern, sizeof c.pattern, "%s", r->pattern);
        c.width = r->width, c.radix = r->radix;
        row *s = find("sweep", "serial", &c, (long long)r->iters);
        if (s && s->steps == r->steps && r->total) {
            r->eff = ((double)s->total / ncpu) / (double)r->total;
            r->gran_us = (double)r->total * ncpu / (double)r->tasks / 1000.0;
        }
    }

    snprintf(path, sizeof path, "%s/table.md", out);
    FILE *md = fopen(path, "w");
    if (!md) {
        perror(path);
        return 1;
    }
    if (argc > 4) {
        FILE *h = fopen(argv[4], "r");
        if (h) {
            char buf[4096];
            size_t n;
            while ((n = fread(buf, 1, sizeof buf, h)) > 0)
                fwrite(buf, 1, n, md);
            fclose(h);
        }
    }

    cfg cfgs[MAXNAMES];
    char names[MAXNAMES][48];
    int nn, nc = collect("empty", cfgs, names, &nn);
    char label[96];
    if (nc) {
        fprintf(md, "\n## Empty kernel: ns per task (chain: ns per edge), median of %d runs\n\n",
                rows[0].reps);
        fprintf(md, "| workload | tasks |");
        for (int j = 0; j < nn; j++)
            fprintf(md, " %s |", names[j]);
        fprintf(md, "\n|---|---:|");
        for (int j = 0; j < nn; j++)
            fprintf(md, "---:|");
        fprintf(md, "\n");
        for (int i = 0; i < nc; i++) {
            cfg_label(&cfgs[i], label, sizeof label);
            row *any = NULL;
            for (int j = 0; j < nn && !any; j++)
                any = find("empty", names[j], &cfgs[i], -1);
            fprintf(md, "| %s | %llu |", label, any ? any->tasks : 0ull);
            for (int j = 0; j < nn; j++) {
                row *r = find("empty", names[j], &cfgs[i], -1);
                if (!r)
                    fprintf(md, " – |");
                else if (!r->valid)
                    fprintf(md, " FAIL |");
                else
                    fprintf(md, " %.0f |", per_task(r, &cfgs[i]));
            }
            fprintf(md, "\n");
        }
        /* TBB build vs run. */
        int tbb = 0;
        for (int j = 0; j < nn; j++)
            tbb |= !strcmp(names[j], "tbb-flowgraph");
        if (tbb) {
            fprintf(md, "\noneTBB flow_graph split (ns per task): graph build (nodes + explicit "
                        "edges) | run (try_put + wait_for_all + teardown)\n\n"
                        "| workload | build | run | total |\n|---|---:|---:|---:|\n");
            for (int i = 0; i < nc; i++) {
                row *r = find("empty", "tbb-flowgraph", &cfgs[i], -1);
                if (!r)
                    continue;
                cfg_label(&cfgs[i], label, sizeof label);
                fprintf(md, "| %s | %.0f | %.0f | %.0f |\n", label, (double)r->build / r->tasks,
                        (double)r->run / r->tasks, (double)r->total / r->tasks);
            }
        }
        /* Ratios ours / peer. */
        for (int o = 0; o < nn; o++) {
            if (strncmp(names[o], "ours", 4))
                continue;
            fprintf(md,
                    "\nRatio %s / peer (time per task; < 1 means ours is faster)\n\n"
                    "| workload |",
                    names[o]);
            for (size_t p = 0; p < sizeof peers / sizeof *peers; p++)
                fprintf(md, " %s |", peers[p]);
            fprintf(md, "\n|---|");
            for (size_t p = 0; p < sizeof peers / sizeof *peers; p++)
                fprintf(md, "---:|");
            fprintf(md, "\n");
            for (int i = 0; i < nc; i++) {
                row *a = find("empty", names[o], &cfgs[i], -1);
                if (!a)
                    continue;
                cfg_label(&cfgs[i], label, sizeof label);
                fprintf(md, "| %s |", label);
                for (size_t p = 0; p < sizeof peers / sizeof *peers; p++) {
                    row *b = find("empty", peers[p], &cfgs[i], -1);
                    if (!b)
                        fprintf(md, " – |");
                    else if (!a->valid || !b->valid)
                        fprintf(md, " FAIL |");
                    else
                        fprintf(md, " %.2f |", (double)a->total / (double)b->total);
                }
                fprintf(md, "\n");
            }
        }
    }

    /* METG. */
    cfg scfgs[MAXNAMES];
    char snames[MAXNAMES][48];
    int sn, snc = collect("sweep", scfgs, snames, &sn);
    if (snc) {
        row *any = NULL;
        for (int i = 0; i < nrows && !any; i++)
            if (!strcmp(rows[i].kind, "sweep"))
                any = &rows[i];
        fprintf(md,
                "\n## METG(50%%) in µs (compute-bound kernel, %d timesteps, median of %d runs "
                "per point; lower is better)\n\n| workload |",
                any->steps, any->reps);
        for (int j = 0; j < sn; j++)
            if (strcmp(snames[j], "serial"))
                fprintf(md, " %s |", snames[j]);
        fprintf(md, "\n|---|");
        for (int j = 0; j < sn; j++)
            if (strcmp(snames[j], "serial"))
                fprintf(md, "---:|");
        fprintf(md, "\n");
        for (int i = 0; i < snc; i++) {
            cfg_label(&scfgs[i], label, sizeof label);
            fprintf(md, "| %s |", label);
            for (int j = 0; j < sn; j++) {
                if (!strcmp(snames[j], "serial"))
                    continue;
                int st;
                double v = metg(snames[j], &scfgs[i], &st);
                char buf[48];
                fmt_metg(v, st, buf, sizeof buf);
                fprintf(md, " %s |", buf);
            }
            fprintf(md, "\n");
        }
    }

    /* RSS. */
    int have_rss = 0;
    for (int i = 0; i < nrows; i++)
        have_rss |= !strcmp(rows[i].kind, "rss");
    if (have_rss) {
        fprintf(md, "\n## Peak RSS of a long task stream (stencil_1d, width 16, empty kernel; one "
                    "process per row, getrusage ru_maxrss)\n\n"
                    "| runtime | tasks | RSS after init (MB) | peak RSS (MB) | growth (MB) | "
                    "wall (s) | valid |\n|---|---:|---:|---:|---:|---:|---|\n");
        for (int i = 0; i < nrows; i++) {
            row *r = &rows[i];
            if (strcmp(r->kind, "rss"))
                continue;
            fprintf(md, "| %s | %llu | %.1f | %.1f | %.1f | %.1f | %s |\n", r->rt, r->tasks,
                    r->base_rss / 1024.0, r->peak_rss / 1024.0,
                    (r->peak_rss - r->base_rss) / 1024.0, r->total / 1e9,
                    r->valid ? "PASS" : "FAIL");
        }
    }

    /* Targets (from issue #5). */
    fprintf(md, "\n## Targets (issue #5), measured in this run\n\n| target | ours | libgomp | "
                "verdict |\n|---|---:|---:|---|\n");
    for (int i = 0; i < nc; i++) {
        cfg *c = &cfgs[i];
        double lim;
        const char *what;
        if (!strcmp(c->pattern, "trivial"))
            lim = 1.0, what = "ns/task <= libgomp";
        else if (is_chain(c) || !strcmp(c->pattern, "stencil_1d"))
            lim = 0.5, what = "ns/task <= 0.5 x libgomp";
        else
            continue;
        row *a = find("empty", "ours", c, -1), *b = find("empty", "omp-libgomp", c, -1);
        if (!a || !b)
            continue;
        cfg_label(c, label, sizeof label);
        double x = per_task(a, c), y = per_task(b, c);
        fprintf(md, "| %s: %s | %.0f | %.0f | %s (ratio %.2f) |\n", label, what, x, y,
                !a->valid      ? "FAIL (ours invalid)"
                : x <= lim * y ? "MET"
                               : "MISSED",
                x / y);
    }
    for (int i = 0; i < snc; i++) {
        cfg *c = &scfgs[i];
        if (strcmp(c->pattern, "stencil_1d"))
            continue;
        int st;
        double v = metg("ours", c, &st);
        char buf[48];
        fmt_metg(v, st, buf, sizeof buf);
        int sg;
        double vg = metg("omp-libgomp", c, &sg);
        char bufg[48];
        fmt_metg(vg, sg, bufg, sizeof bufg);
        cfg_label(c, label, sizeof label);
        fprintf(md, "| %s: METG(50%%) <= 5 µs | %s | %s | %s |\n", label, buf, bufg,
                (st == 0 || st == 2) && v <= 5.0 ? "MET" : "MISSED");
    }
    fclose(md);

    /* results.csv with derived columns, then METG rows. */
    snprintf(path, sizeof path, "%s/results.csv", out);
    FILE *csv = fopen(path, "w");
    if (!csv) {
        perror(path);
        return 1;
    }
    fprintf(csv, "kind,runtime,pattern,width,radix,steps,iters,tasks,reps,total_ns,build_ns,run_ns,"
                 "min_ns,max_ns,valid,base_rss_kb,peak_rss_kb,ns_per_task,efficiency,"
                 "granularity_us,metg_us\n");
    for (int i = 0; i < nrows; i++) {
        row *r = &rows[i];
        fprintf(csv, "%s,%s,%s,%d,%d,%d,%llu,%llu,%d,%llu,%llu,%llu,%llu,%llu,%s,%ld,%ld,%.1f,",
                r->kind, r->rt, r->pattern, r->width, r->radix, r->steps, r->iters, r->tasks,
                r->reps, r->total, r->build, r->run, r->min, r->max, r->valid ? "PASS" : "FAIL",
                r->base_rss, r->peak_rss, r->tasks ? (double)r->total / r->tasks : 0.0);
        if (r->eff > 0)
            fprintf(csv, "%.4f,%.3f,\n", r->eff, r->gran_us);
        else
            fprintf(csv, ",,\n");
    }
    for (int i = 0; i < snc; i++)
        for (int j = 0; j < sn; j++) {
            if (!strcmp(snames[j], "serial"))
                continue;
            int st;
            double v = metg(snames[j], &scfgs[i], &st);
            fprintf(csv, "metg,%s,%s,%d,%d,,,,,,,,,,%s,,,,,,", snames[j], scfgs[i].pattern,
                    scfgs[i].width, scfgs[i].radix, st == -2 ? "FAIL" : "PASS");
            if (st == 0)
                fprintf(csv, "%.3f\n", v);
            else if (st == 1)
                fprintf(csv, ">%.3f\n", v);
            else if (st == 2)
                fprintf(csv, "<%.3f\n", v);
            else
                fprintf(csv, "\n");
        }
    fclose(csv);

    /* Efficiency curves for gnuplot: one file per (workload, runtime). */
    snprintf(path, sizeof path, "%s/eff", out);
    mkdir(path, 0755);
    if (snprintf(path, sizeof path, "%s/efficiency.gp", out) >= (int)sizeof path)
        return 1;
    FILE *gp = fopen(path, "w");
    if (!gp) {
        perror(path);
        return 1;
    }
    int cols = snc > 4 ? 4 : (snc ? snc : 1), nrow = (snc + cols - 1) / cols;
    fprintf(gp, "set terminal pngcairo noenhanced size %d,%d font 'sans,11'\n", 520 * cols,
            430 * (nrow ? nrow : 1) + 40);
    fprintf(gp, "set output '%s/efficiency.png'\n", out);
    fprintf(gp,
            "set multiplot layout %d,%d title 'Efficiency vs task granularity (%d CPUs; "
            "METG(50%%) = where a curve crosses the dashed line)'\n",
            nrow ? nrow : 1, cols, ncpu);
    fprintf(gp, "set logscale x\nset xlabel 'task granularity (µs) = wall x cores / tasks'\n"
                "set ylabel 'efficiency'\nset yrange [0:1.1]\nset grid\n"
                "set key bottom right font 'sans,9'\n");
    for (int i = 0; i < snc; i++) {
        cfg_label(&scfgs[i], label, sizeof label);
        fprintf(gp, "set title '%s'\nplot 0.5 with lines dt 2 lc rgb 'black' notitle", label);
        for (int j = 0; j < sn; j++) {
            if (!strcmp(snames[j], "serial"))
                continue;
            char dat[4096];
            if (snprintf(dat, sizeof dat, "%s/eff/%s_w%d_r%d_%s.dat", out, scfgs[i].pattern,
                         scfgs[i].width, scfgs[i].radix, snames[j]) >= (int)sizeof dat)
                continue;
            FILE *d = fopen(dat, "w");
            if (!d)
                continue;
            for (int k = 0; k < nrows; k++) {
                row *r = &rows[k];
                if (!strcmp(r->kind, "sweep") && !strcmp(r->rt, snames[j]) &&
                    same_cfg(r, &scfgs[i]) && r->eff > 0)
                    fprintf(d, "%.4f %.4f\n", r->gran_us, r->eff);
            }
            fclose(d);
            fprintf(gp, ", '%s' using 1:2 with linespoints lw 2 pt %d title '%s'", dat, 1 + j,
                    snames[j]);
        }
        fprintf(gp, "\n");
    }
    fprintf(gp, "unset multiplot\n");
    fclose(gp);
    return 0;
}
