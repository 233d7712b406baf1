/* bench_optim.c — nanoseconds per parameter per step of every optimizer,
 * per SIMD path and thread count, beside a roofline kernel that reads and
 * writes the same buffers with one add per stream, timed in the same run
 * (interleaved step by step; the fastest repetition of each, which is the
 * least disturbed by other work on a shared machine).
 *
 * usage: bench_optim [-n N,N,...] [-t T,T,...] [-s PATH,PATH,...] [-k KIND,...]
 * Prints one Markdown table row per measurement. */
#include "rt_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static const struct {
    const char *name;
    lrs_optim_kind kind;
} kinds[] = {{"sgd", LRS_OPTIM_SGD},         {"adam", LRS_OPTIM_ADAM},
             {"adamw", LRS_OPTIM_ADAMW},     {"rmsprop", LRS_OPTIM_RMSPROP},
             {"adagrad", LRS_OPTIM_ADAGRAD}, {"lion", LRS_OPTIM_LION}};

/* Split a comma list into at most max items (in place). */
static int split(char *s, char **out, int max)
{
    int n = 0;
    for (char *tok = strtok(s, ","); tok && n < max; tok = strtok(NULL, ","))
        out[n++] = tok;
    return n;
}

static lrs_optim *make(lrs_optim_kind kind, const char *simd, int threads, float *p, float *g,
                       size_t n)
{
    lrs_optim *opt = lrs_optim_new(kind);
    lrs_optim_hparams hp = lrs_optim_defaults(kind);
    if (kind == LRS_OPTIM_SGD) hp.momentum = 0.9; /* the usual configuration, one state buffer */
    if (!opt || lrs_optim_set_simd(opt, simd) != 0 || lrs_optim_set_threads(opt, threads) != 0 ||
        lrs_optim_add_group(opt, p, g, n, &hp) != 0) {
        fprintf(stderr, "bench_optim: %s\n", opt ? lrs_optim_error(opt) : "out of memory");
        exit(1);
    }
    return opt;
}

int main(int argc, char **argv)
{
    char ns_def[] = "100000,1000000,10000000,100000000", th_def[] = "1,2",
         si_def[] = "scalar,avx2,avx512", k_def[] = "sgd,adam,adamw,rmsprop,adagrad,lion";
    char *ns_s = ns_def, *th_s = th_def, *si_s = si_def, *k_s = k_def;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "-n"))
            ns_s = argv[i + 1];
        else if (!strcmp(argv[i], "-t"))
            th_s = argv[i + 1];
        else if (!strcmp(argv[i], "-s"))
            si_s = argv[i + 1];
        else if (!strcmp(argv[i], "-k"))
            k_s = argv[i + 1];
    }
    char *ns[8], *ths[8], *sis[8], *ks[8];
    int nn = split(ns_s, ns, 8), nt = split(th_s, ths, 8), ns2 = split(si_s, sis, 8),
        nk = split(k_s, ks, 8);

    printf("| optimizer | SIMD | threads | N | ns/param/step | roofline ns/param/step | ratio |\n");
    printf("|---|---|---|---:|---:|---:|---:|\n");
    for (int a = 0; a < nn; a++) {
        const size_t n = (size_t)strtod(ns[a], NULL);
        float *p = lrs_rt_alloc(n), *g = lrs_rt_alloc(n);
        if (!p || !g) return fprintf(stderr, "bench_optim: out of memory for N=%zu\n", n), 1;
        for (size_t i = 0; i < n; i++)
            p[i] = (float)(i % 1000) * 1e-3f, g[i] = (float)((i * 7919) % 2001) * 1e-3f - 1.0f;
        /* Enough repetitions for about a second of work per row. */
        int reps = (int)(3e8 / (double)n);
        reps = reps < 5 ? 5 : reps > 200 ? 200 : reps;
        for (int b = 0; b < nt; b++) {
            const int threads = atoi(ths[b]);
            for (int c = 0; c < ns2; c++) {
                if (!lrs_optim_simd_supported(sis[c])) {
                    printf("| (all) | %s | %d | %zu | skipped: CPU lacks it | | |\n", sis[c],
                           threads, n);
                    continue;
                }
                for (int d = 0; d < nk; d++) {
                    size_t ki = 0;
                    while (ki < sizeof kinds / sizeof *kinds && strcmp(kinds[ki].name, ks[d]))
                        ki++;
                    if (ki == sizeof kinds / sizeof *kinds)
                        return fprintf(stderr, "bench_optim: unknown kind %s\n", ks[d]), 1;
                    lrs_optim *opt = make(kinds[ki].kind, sis[c], threads, p, g, n);
                    lrs_optim *roof = make(kinds[ki].kind, sis[c], threads, p, g, n);
                    lrs_optim_step(opt); /* warm: pages touched, threads started */
                    lrs_rt_roofline_step(roof);
                    double *t_opt = malloc((size_t)reps * sizeof(double));
                    double *t_roof = malloc((size_t)reps * sizeof(double));
                    for (int r = 0; r < reps; r++) {
                        double t0 = now();
                        lrs_optim_step(opt);
                        double t1 = now();
                        lrs_rt_roofline_step(roof);
                        double t2 = now();
                        t_opt[r] = t1 - t0, t_roof[r] = t2 - t1;
                    }
                    qsort(t_opt, (size_t)reps, sizeof(double), cmp_double);
                    qsort(t_roof, (size_t)reps, sizeof(double), cmp_double);
                    const double o = t_opt[0] * 1e9 / (double)n;
                    const double rf = t_roof[0] * 1e9 / (double)n;
                    printf("| %s | %s | %d | %.0e | %.3f | %.3f | %.2f |\n", kinds[ki].name, sis[c],
                           threads, (double)n, o, rf, o / rf);
                    fflush(stdout);
                    free(t_opt), free(t_roof);
                    lrs_optim_free(opt);
                    lrs_optim_free(roof);
                }
            }
        }
        lrs_rt_dealloc(p), lrs_rt_dealloc(g);
    }
    return 0;
}
