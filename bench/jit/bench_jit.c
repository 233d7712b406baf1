/* bench_jit.c — the native backend against hand-written C: the per-call
 * cost of the JIT's scalar function, the interpreter and C versions of the
 * same four schedules (all called through function pointers, in this one
 * binary built with -O2); range evaluation of 10^7 steps against a loop of
 * scalar calls; compile latency from source text to a callable pointer,
 * cold and warm; and the whole-process cost of `lrsc eval` at one step.
 * usage: bench_jit [LRSC]   (LRSC: the lrsc binary to time) */
#include "lrs.h"

#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* ---- hand-written C ------------------------------------------------------- */

static double cosine(double from, double to, double p)
{
    return to + (from - to) * (1 + cos(M_PI * p)) / 2;
}

/* linear(0 -> 3e-4) for 2000 then cosine(3e-4 -> 3e-5), total 100k */
static double c_warmup_cosine(int64_t step)
{
    double s = step < 0 ? 0 : step > 100000 ? 100000 : (double)step;
    if (s < 2000) return 3e-4 * s / 2000;
    return cosine(3e-4, 3e-5, (s - 2000) / 98000);
}

/* SGDR: cosine(0.1 * 0.5^cycle -> 1e-4), period 3910, mult 2, total 27370 */
static double c_sgdr(int64_t step)
{
    double s = step < 0 ? 0 : step > 27370 ? 27370 : (double)step;
    double sc = s > 27369 ? 27369 : s;
    double i = floor(log2(1 + sc / 3910));
    if (sc < 3910 * (exp2(i) - 1))
        i -= 1;
    else if (sc >= 3910 * (exp2(i + 1) - 1))
        i += 1;
    double start = 3910 * (exp2(i) - 1), len = 3910 * exp2(i);
    return cosine(0.1 * pow(0.5, i), 1e-4, fmin(s - start, len) / len);
}

/* onecycle(peak = 0.1), total 10k: up over 30%, down to peak / 25 / 1e4 */
static double c_onecycle(int64_t step)
{
    double s = step < 0 ? 0 : step > 10000 ? 10000 : (double)step;
    if (s < 3000) return cosine(0.1 / 25, 0.1, s / 3000);
    return cosine(0.1, 0.1 / 25 / 1e4, (s - 3000) / 7000);
}

/* warmup(1000, rex(1e-3 -> 0)), total 50k */
static double c_rex(int64_t step)
{
    double s = step < 0 ? 0 : step > 50000 ? 50000 : (double)step;
    if (s < 1000) return 1e-3 * s / 1000;
    double z = 1 - (s - 1000) / 49000;
    return 1e-3 * z / (0.5 + 0.5 * z);
}

static const struct {
    const char *name, *src;
    double (*c)(int64_t);
    int64_t span;
} cases[] = {
    {"warmup+cosine",
     "param total = 100_000\nschedule lr = warmup_cosine(3e-4, 2000, floor = 3e-5)\n",
     c_warmup_cosine, 100000},
    {"sgdr mult 2, peak halves",
     "param total = 27370\n"
     "schedule lr = restarts(cosine(0.1 * 0.5 ^ cycle -> 1e-4), period = 3910, mult = 2)\n",
     c_sgdr, 27370},
    {"1cycle", "param total = 10_000\nschedule lr = onecycle(peak = 0.1)\n", c_onecycle, 10000},
    {"rex + warmup", "param total = 50_000\nschedule lr = warmup(1000, rex(1e-3 -> 0))\n", c_rex,
     50000},
};

static lrs_program *interp_prog; /* for the callback below */
static double interp_fn(int64_t s)
{
    return lrs_interp_eval(interp_prog, 0, s);
}

/* Best of 5 of n calls through a function pointer, ns per call. */
static double per_call(double (*volatile fn)(int64_t), int64_t n, int64_t span)
{
    double best = INFINITY;
    volatile double sink = 0;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now(), acc = 0;
        for (int64_t s = 0, k = 0; k < n; k++, s = s + 1 == span ? 0 : s + 1)
            acc += fn(s);
        double t = now() - t0;
        sink += acc;
        if (t < best) best = t;
    }
    return best / (double)n * 1e9;
}

static void calls(lrs_context *ctx)
{
    printf("## per call (ns; steps 0..span repeated; best of 5)\n\n");
    printf("| schedule | JIT | hand-written C -O2 | JIT / C | interpreter | max abs diff JIT vs C "
           "|\n");
    printf("|---|---:|---:|---:|---:|---:|\n");
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        lrs_program *p =
            lrs_compile_string(ctx, cases[k].name, cases[k].src, strlen(cases[k].src), NULL, NULL);
        lrs_fn fn = p ? lrs_program_function(p, 0) : NULL;
        if (!fn) {
            fprintf(stderr, "%s: %s\n", cases[k].name,
                    p ? lrs_program_native_error(p) : "does not compile");
            exit(1);
        }
        double diff = 0;
        for (int64_t s = 0; s <= cases[k].span; s++)
            diff = fmax(diff, fabs(fn(s) - cases[k].c(s)));
        double j = per_call(fn, 20000000, cases[k].span);
        double c = per_call(cases[k].c, 20000000, cases[k].span);
        interp_prog = p;
        double i = per_call(interp_fn, 2000000, cases[k].span);
        printf("| %s | %.2f | %.2f | %.2f | %.1f | %.1e |\n", cases[k].name, j, c, j / c, i, diff);
        lrs_program_free(p);
    }
}

static void range(lrs_context *ctx)
{
    enum { N = 10000000 };
    printf("\n## range of 10^7 steps (ns per step; best of 5)\n\n");
    printf("| schedule | scalar calls in a loop | range function | speed-up "
           "|\n|---|---:|---:|---:|\n");
    double *out = malloc(N * sizeof *out);
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        lrs_program *p =
            lrs_compile_string(ctx, cases[k].name, cases[k].src, strlen(cases[k].src), NULL, NULL);
        lrs_fn fn = lrs_program_function(p, 0);
        lrs_range_fn r = lrs_program_range_function(p, 0);
        double bs = INFINITY, br = INFINITY;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = now();
            for (int64_t s = 0; s < N; s++)
                out[s] = fn(s);
            double t1 = now();
            r(0, N, out);
            double t2 = now();
            bs = fmin(bs, t1 - t0);
            br = fmin(br, t2 - t1);
        }
        printf("| %s | %.2f | %.2f | %.1fx |\n", cases[k].name, bs / N * 1e9, br / N * 1e9,
               bs / br);
        lrs_program_free(p);
    }
    free(out);
}

static void latency(void)
{
    enum { REPS = 201 };
    const char *src = cases[0].src;
    double t0 = now();
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = lrs_compile_string(ctx, "w", src, strlen(src), NULL, NULL);
    lrs_fn fn = lrs_program_function(p, 0);
    double cold = now() - t0;
    lrs_program_free(p);
    double warm[REPS], front[REPS];
    for (int i = 0; i < REPS; i++) {
        double a = now();
        p = lrs_compile_string(ctx, "w", src, strlen(src), NULL, NULL);
        double b = now();
        fn = lrs_program_function(p, 0);
        warm[i] = now() - a;
        front[i] = b - a;
        if (!fn) exit(1);
        lrs_program_free(p);
    }
    qsort(warm, REPS, sizeof *warm, cmp);
    qsort(front, REPS, sizeof *front, cmp);
    printf("\n## compile latency (warmup_cosine recipe: source text to a callable pointer)\n\n");
    printf("- cold (first in the process, JIT created): %.2f ms\n", cold * 1e3);
    printf("- warm, median of %d: %.2f ms (front end %.2f ms, native %.2f ms); fastest %.2f ms\n",
           REPS, warm[REPS / 2] * 1e3, front[REPS / 2] * 1e3,
           (warm[REPS / 2] - front[REPS / 2]) * 1e3, warm[0] * 1e3);
    lrs_context_free(ctx);
}

static void whole_process(const char *lrsc)
{
    enum { REPS = 21 };
    char path[] = "/tmp/lrs-bench-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(cases[0].src, f);
    fclose(f);
    double t[2][REPS];
    for (int backend = 0; backend < 2; backend++)
        for (int i = 0; i < REPS; i++) {
            char *argv[] = {
                (char *)lrsc, "eval", path, "--at", "1000", "--backend", backend ? "interp" : "jit",
                NULL};
            posix_spawn_file_actions_t fa;
            posix_spawn_file_actions_init(&fa);
            posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
            pid_t pid;
            double a = now();
            if (posix_spawn(&pid, lrsc, &fa, NULL, argv, environ)) exit(1);
            int st;
            waitpid(pid, &st, 0);
            t[backend][i] = now() - a;
            posix_spawn_file_actions_destroy(&fa);
        }
    qsort(t[0], REPS, sizeof **t, cmp);
    qsort(t[1], REPS, sizeof **t, cmp);
    printf("\n## whole process: `lrsc eval FILE --at 1000` (median of %d)\n\n", REPS);
    printf("- --backend jit: %.1f ms\n- --backend interp: %.1f ms\n", t[0][REPS / 2] * 1e3,
           t[1][REPS / 2] * 1e3);
    remove(path);
}

int main(int argc, char **argv)
{
    latency(); /* first: the cold number is the process's first JIT */
    lrs_context *ctx = lrs_context_new();
    calls(ctx);
    range(ctx);
    lrs_context_free(ctx);
    if (argc > 1) whole_process(argv[1]);
    return 0;
}
