/* bench_interp.c — the reference interpreter's cost per step, beside
 * hand-written C versions of the same schedules measured in the same run.
 * Usage: bench_interp [STEPS]   (default 2,000,000 per schedule) */
#include "lrs.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* warmup + cosine: linear(0 -> 3e-4) for 2000 then cosine(3e-4 -> 3e-5), total 100k */
static double c_warmup_cosine(int64_t step)
{
    double s = step < 0 ? 0 : step > 100000 ? 100000 : (double)step;
    if (s < 2000) return 3e-4 * s / 2000;
    double p = (s - 2000) / 98000;
    return 3e-5 + (3e-4 - 3e-5) * (1 + cos(M_PI * p)) / 2;
}

/* SGDR: cosine(0.1 * 0.5^cycle -> 1e-4), period 3910, mult 2, total 27370 */
static double c_sgdr(int64_t step)
{
    double s = step < 0 ? 0 : step > 27370 ? 27370 : (double)step;
    double sc = s > 27369 ? 27369 : s;
    double i = floor(log2(1 + sc / 3910));
    double start = 3910 * (pow(2, i) - 1);
    if (sc < start)
        i -= 1;
    else if (sc >= 3910 * (pow(2, i + 1) - 1))
        i += 1;
    start = 3910 * (pow(2, i) - 1);
    double len = 3910 * pow(2, i);
    double local = fmin(s - start, len);
    return 1e-4 + (0.1 * pow(0.5, i) - 1e-4) * (1 + cos(M_PI * local / len)) / 2;
}

static const struct {
    const char *name, *src;
    double (*c)(int64_t);
} cases[] = {
    {"warmup_cosine",
     "param total = 100_000\n"
     "schedule lr = linear(0 -> 3e-4) for 2000 then cosine(3e-4 -> 3e-5)\n",
     c_warmup_cosine},
    {"sgdr",
     "param total = 27370\n"
     "schedule lr = restarts(cosine(0.1 * 0.5 ^ cycle -> 1e-4), period = 3910, mult = 2)\n",
     c_sgdr},
};

int main(int argc, char **argv)
{
    int64_t n = argc > 1 ? atoll(argv[1]) : 2000000;
    lrs_context *ctx = lrs_context_new();
    printf("%-14s %12s %12s %8s %12s\n", "schedule", "interp ns", "C ns", "ratio", "max |diff|");
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        lrs_program *p =
            lrs_compile_string(ctx, cases[k].name, cases[k].src, strlen(cases[k].src), NULL, NULL);
        if (!p) {
            fprintf(stderr, "%s: does not compile\n", cases[k].name);
            return 1;
        }
        volatile double sink = 0;
        double best_i = INFINITY, best_c = INFINITY, diff = 0;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = now();
            for (int64_t s = 0; s < n; s++)
                sink += lrs_interp_eval(p, 0, s % 30000);
            double t1 = now();
            for (int64_t s = 0; s < n; s++)
                sink += cases[k].c(s % 30000);
            double t2 = now();
            if (t1 - t0 < best_i) best_i = t1 - t0;
            if (t2 - t1 < best_c) best_c = t2 - t1;
        }
        for (int64_t s = 0; s < 30000; s++) {
            double d = fabs(lrs_interp_eval(p, 0, s) - cases[k].c(s));
            if (d > diff) diff = d;
        }
        (void)sink;
        printf("%-14s %12.1f %12.1f %8.1f %12.3g\n", cases[k].name, 1e9 * best_i / (double)n,
               1e9 * best_c / (double)n, best_i / best_c, diff);
        lrs_program_free(p);
    }
    lrs_context_free(ctx);
    return 0;
}
