/* bench_signals.c — the cost of reacting: each reactive schedule's JIT
 * function per call, beside the same schedule with its detector values as
 * constants (`let drops = 2` instead of `plateaus(...)`), measured in the
 * same run; and the cost of one report to the signal state, with the
 * bytes the allocator handed out during a million reports.
 * Usage: bench_signals [CALLS]   (default 2,000,000 per schedule, best of 5) */
#include "lrs.h"

#include <malloc.h>
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

/* Each case: the program with DROPS standing for the detector, and what
 * replaces it in the reactive and in the constant version. */
static const struct {
    const char *name, *src;
} cases[] = {
    {"warmup_cosine_plateau",
     "param total = 100_000\nsignal val_loss\nlet drops = DROPS\n"
     "schedule lr = warmup(1000, max(0.1 * 0.1 ^ drops, 1e-5) * cosine(1 -> 0.1))\n"},
    {"sgdr_peak_per_plateau",
     "param total = 27370\nsignal val_loss\nlet drops = DROPS\n"
     "schedule lr = restarts(cosine(0.1 * 0.5 ^ drops -> 1e-4), period = 3910, mult = 2)\n"},
    {"warmup_then_linear_floor",
     "param total = 50_000\nsignal val_loss\nlet drops = DROPS\n"
     "schedule lr = linear(0 -> 1e-3) for 1000 then max(1e-3 - 1e-4 * drops, 1e-5)\n"},
    {"torch_reduce_on_plateau", "signal val_loss\nlet drops = DROPS\n"
                                "schedule lr = max(0.1 * 0.1 ^ min(drops, 7), 0)\n"},
};

static char *subst(const char *src, const char *with)
{
    const char *at = strstr(src, "DROPS");
    size_t n = strlen(src) + strlen(with) + 1;
    char *s = malloc(n);
    snprintf(s, n, "%.*s%s%s", (int)(at - src), src, with, at + 5);
    return s;
}

static lrs_program *compile(lrs_context *ctx, const char *src)
{
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = lrs_compile_string(ctx, "bench.lrs", src, strlen(src), NULL, d);
    if (!p)
        for (size_t i = 0; i < lrs_diags_count(d); i++) {
            char *t = lrs_diags_format(d, i, 0);
            fputs(t ? t : "", stderr);
            lrs_free(t);
        }
    lrs_diags_free(d);
    return p;
}

int main(int argc, char **argv)
{
    long calls = argc > 1 ? atol(argv[1]) : 2000000;
    lrs_context *ctx = lrs_context_new();
    printf("| schedule | reactive ns/call | constants ns/call | ratio |\n|---|---|---|---|\n");
    double sink = 0;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        char *rs = subst(cases[c].src, "plateaus(val_loss, patience = 10)");
        char *cs = subst(cases[c].src, "2");
        lrs_program *rp = compile(ctx, rs), *cp = compile(ctx, cs);
        if (!rp || !cp) return 1;
        lrs_reactive_fn rf = lrs_program_reactive_function(rp, 0);
        lrs_fn cf = lrs_program_function(cp, 0);
        lrs_signals *sig = lrs_program_signals_new(rp);
        /* two plateaus, so both versions compute the same values */
        for (int k = 0; k < 24; k++)
            lrs_signals_report(sig, 0, k, 1.0);
        const double *det = lrs_signals_values(sig);
        if (!rf || !cf || rf(5000, det) != cf(5000)) {
            fprintf(stderr, "%s: the two versions disagree\n", cases[c].name);
            return 1;
        }
        double best_r = INFINITY, best_c = INFINITY;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = now();
            for (long i = 0; i < calls; i++)
                sink += rf(i % 30000, det);
            double t1 = now();
            for (long i = 0; i < calls; i++)
                sink += cf(i % 30000);
            double t2 = now();
            best_r = fmin(best_r, (t1 - t0) / (double)calls * 1e9);
            best_c = fmin(best_c, (t2 - t1) / (double)calls * 1e9);
        }
        printf("| %s | %.2f | %.2f | %.2f |\n", cases[c].name, best_r, best_c, best_r / best_c);
        lrs_signals_free(sig);
        lrs_program_free(rp);
        lrs_program_free(cp);
        free(rs);
        free(cs);
    }
    /* reports: O(1) per report, nothing allocated */
    const char *src = "signal m\nschedule lr = torch_reduce_on_plateau(m, 0.1, patience = 3, "
                      "cooldown = 1) * (1 + 0 * last(m) + 0 * best(m) + 0 * reports(m))\n";
    lrs_program *p = compile(ctx, src);
    lrs_signals *sig = lrs_program_signals_new(p);
    long n = 1000000;
    struct mallinfo2 before = mallinfo2();
    double best = INFINITY;
    for (int rep = 0; rep < 5; rep++) {
        lrs_signals_reset(sig);
        double t0 = now();
        for (long i = 0; i < n; i++)
            lrs_signals_report(sig, 0, i, (double)((i * 7919) % 1000) / 1000.0);
        best = fmin(best, (now() - t0) / (double)n * 1e9);
    }
    struct mallinfo2 after = mallinfo2();
    sink += lrs_signals_values(sig)[0];
    printf("\nlrs_signals_report (%zu detectors on the signal): %.2f ns per report; "
           "bytes allocated during %ld reports x 5: %zu\n",
           lrs_signals_detector_count(sig), best, n,
           (size_t)(after.uordblks > before.uordblks ? after.uordblks - before.uordblks : 0));
    lrs_signals_free(sig);
    lrs_program_free(p);
    lrs_context_free(ctx);
    return sink == 12345.678 ? 2 : 0;
}
