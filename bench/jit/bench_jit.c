/* bench_jit.c — the native backend against hand-written C: the per-call
 * cost of the JIT's scalar function, the interpreter and C versions of the
 * same four schedules (all called through function pointers, in this one
 * binary built with -O2); range evaluation of 10^7 steps against a loop of
 * scalar calls; compile latency from source text to a callable pointer,
 * cold and warm; and the whole-process cost of `lrsc eval` at one step.
 * usage: bench_jit [LRSC | --latency | --cache LRSC]   (LRSC: the lrsc
 * binary to time; --latency: only the compile latency; --cache: only the
 * on-disk cache, in process and as lrsc eval) */
#define _GNU_SOURCE /* dladdr */
#include "lrs.h"

#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* CPU time of this thread: what a compile costs, without the time other
 * work on a shared machine takes from it */
static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
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

/* s clamped to [0, span] as a double: the schedule holds past its span */
static double clamped(int64_t step, double span)
{
    return step < 0 ? 0 : (double)step > span ? span : (double)step;
}

/* step_decay(0.1, 0.5, 10_000), total 100k */
static double c_step_decay(int64_t step)
{
    return 0.1 * pow(0.5, floor(clamped(step, 100000) / 10000));
}

/* multistep(0.1, 0.1, [30k, 60k, 90k]), total 100k */
static double c_multistep(int64_t step)
{
    double s = clamped(step, 100000);
    int i = (s >= 30000) + (s >= 60000) + (s >= 90000);
    return 0.1 * pow(0.1, i);
}

/* exponential(0.1 -> 1e-4), total 100k */
static double c_exponential(int64_t step)
{
    return 0.1 * pow(1e-4 / 0.1, clamped(step, 100000) / 100000);
}

/* poly(0.1 -> 0, power = 2), total 100k */
static double c_poly(int64_t step)
{
    return 0.1 * pow(1 - clamped(step, 100000) / 100000, 2);
}

/* torch's CyclicLR: position in the cycle, as PyTorch computes it */
static double clr_factor(double s, double up, double down, double *cycle)
{
    *cycle = floor(1 + s / (up + down));
    double x = 1 + s / (up + down) - *cycle, ratio = up / (up + down);
    return x <= ratio ? x / ratio : (x - 1) / (ratio - 1);
}

/* torch_cyclic_triangular2(1e-4, 1e-2, 2000), total 100k */
static double c_triangular2(int64_t step)
{
    double cycle, f = clr_factor(clamped(step, 100000), 2000, 2000, &cycle);
    return 1e-4 + (1e-2 - 1e-4) * f * (1 / pow(2, cycle - 1));
}

/* torch_cyclic_exp_range(1e-4, 1e-2, 2000, gamma = 0.99994), total 100k */
static double c_exp_range(int64_t step)
{
    double s = clamped(step, 100000), cycle, f = clr_factor(s, 2000, 2000, &cycle);
    return 1e-4 + (1e-2 - 1e-4) * f * pow(0.99994, s);
}

/* wsd(0.1, 2000, 10_000), total 100k: up, hold, linear down */
static double c_wsd(int64_t step)
{
    double s = clamped(step, 100000);
    if (s < 2000) return 0.1 * s / 2000;
    if (s < 90000) return 0.1;
    return 0.1 - 0.1 * (s - 90000) / 10000;
}

/* hf_inverse_sqrt(1e-3, 4000), total 100k */
static double c_inverse_sqrt(int64_t step)
{
    double s = clamped(step, 100000);
    if (s < 4000) return 1e-3 * (s / 4000);
    return 1e-3 * (1 / sqrt(s / 4000));
}

/* torch_onecycle(0.1, 10_000, three_phase = true): PyTorch's phase ends */
static double oc_anneal(double a, double b, double pct)
{
    return cosine(a, b, pct <= 1 ? pct : 2 - pct);
}
static double c_onecycle3(int64_t step)
{
    double s = clamped(step, 10000), lo = 0.1 / 25, end = lo / 1e4;
    if (s <= 2999) return oc_anneal(lo, 0.1, s / 2999);
    if (s <= 5998) return oc_anneal(0.1, lo, (s - 2999) / 2999);
    return oc_anneal(lo, end, (s - 5998) / 4001);
}

/* timm_cosine(0.1, 10_000, lr_min = 1e-5, cycle_decay = 0.5,
 * cycle_limit = 3), total 100k */
static double c_timm_cosine(int64_t step)
{
    double t = clamped(step, 100000), i = floor(t / 10000);
    if (i >= 3) return 1e-5;
    double t_curr = t - 10000 * i;
    return 1e-5 + 0.5 * (0.1 * pow(0.5, i) - 1e-5) * (1 + cos(M_PI * t_curr / 10000));
}

#define TOTAL_100K "param total = 100_000\nschedule lr = "
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
    {"step decay", TOTAL_100K "step_decay(0.1, 0.5, 10_000)\n", c_step_decay, 100000},
    {"multistep", TOTAL_100K "multistep(0.1, 0.1, [30_000, 60_000, 90_000])\n", c_multistep,
     100000},
    {"exponential", TOTAL_100K "exponential(0.1 -> 1e-4)\n", c_exponential, 100000},
    {"poly, power 2", TOTAL_100K "poly(0.1 -> 0, power = 2)\n", c_poly, 100000},
    {"triangular2", TOTAL_100K "torch_cyclic_triangular2(1e-4, 1e-2, 2000)\n", c_triangular2,
     100000},
    {"exp_range", TOTAL_100K "torch_cyclic_exp_range(1e-4, 1e-2, 2000, gamma = 0.99994)\n",
     c_exp_range, 100000},
    {"WSD", TOTAL_100K "wsd(0.1, 2000, 10_000)\n", c_wsd, 100000},
    {"inverse sqrt", TOTAL_100K "hf_inverse_sqrt(1e-3, 4000)\n", c_inverse_sqrt, 100000},
    {"torch 1cycle, three phases",
     "param total = 10_000\nschedule lr = torch_onecycle(0.1, 10_000, three_phase = true)\n",
     c_onecycle3, 10000},
    {"timm cosine, cycle decay",
     TOTAL_100K "timm_cosine(0.1, 10_000, lr_min = 1e-5, cycle_decay = 0.5, cycle_limit = 3)\n",
     c_timm_cosine, 100000},
};

static lrs_program *interp_prog; /* for the callback below */
static double interp_fn(int64_t s)
{
    return lrs_interp_eval(interp_prog, 0, s);
}

/* Best of 5 of n calls through each of fns[0..nf) (ns per call), the
 * functions taking turns so that they share the machine's noise. */
static void per_call(double (*const *fns)(int64_t), size_t nf, int64_t n, int64_t span, double *ns)
{
    volatile double sink = 0;
    for (size_t f = 0; f < nf; f++)
        ns[f] = INFINITY;
    for (int rep = 0; rep < 5; rep++)
        for (size_t f = 0; f < nf; f++) {
            double (*volatile fn)(int64_t) = fns[f];
            double t0 = now(), acc = 0;
            for (int64_t s = 0, k = 0; k < n; k++, s = s + 1 == span ? 0 : s + 1)
                acc += fn(s);
            double t = now() - t0;
            sink += acc;
            if (t < ns[f]) ns[f] = t;
        }
    for (size_t f = 0; f < nf; f++)
        ns[f] = ns[f] / (double)n * 1e9;
}

/* The schedule as an ahead-of-time shared object (--cpu generic), opened
 * with lrs_aot_open. */
static lrs_fn aot_function(lrs_program *p, lrs_aot **a)
{
    char path[] = "/tmp/lrs-bench-so-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return NULL;
    close(fd);
    lrs_emit_options o = {LRS_EMIT_SHARED, path, "b_", NULL, NULL};
    char err[512];
    if (lrs_program_emit(p, &o, err, sizeof err) || !(*a = lrs_aot_open(path, err, sizeof err))) {
        fprintf(stderr, "aot: %s\n", err);
        remove(path);
        return NULL;
    }
    remove(path); /* stays mapped */
    return lrs_aot_function(*a, lrs_program_schedule_name(p, 0));
}

static void calls(lrs_context *ctx)
{
    printf("## per call (ns; steps 0..span repeated; best of 5, taking turns)\n\n");
    printf("| schedule | JIT | AOT generic | hand-written C -O2 | JIT / C | AOT / C | interpreter "
           "| max abs diff JIT vs C |\n");
    printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        lrs_program *p =
            lrs_compile_string(ctx, cases[k].name, cases[k].src, strlen(cases[k].src), NULL, NULL);
        lrs_fn fn = p ? lrs_program_function(p, 0) : NULL;
        lrs_aot *a = NULL;
        lrs_fn afn = fn ? aot_function(p, &a) : NULL;
        if (!fn || !afn) {
            fprintf(stderr, "%s: %s\n", cases[k].name,
                    p ? lrs_program_native_error(p) : "does not compile");
            exit(1);
        }
        double diff = 0;
        for (int64_t s = 0; s <= cases[k].span; s++)
            diff = fmax(diff, fabs(fn(s) - cases[k].c(s)));
        double (*const fns[3])(int64_t) = {fn, afn, cases[k].c};
        double ns[3], in;
        per_call(fns, 3, 5000000, cases[k].span, ns);
        interp_prog = p;
        double (*const ifn[1])(int64_t) = {interp_fn};
        per_call(ifn, 1, 500000, cases[k].span, &in);
        printf("| %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.1f | %.1e |\n", cases[k].name, ns[0],
               ns[1], ns[2], ns[0] / ns[2], ns[1] / ns[2], in, diff);
        fflush(stdout);
        lrs_aot_close(a);
        lrs_program_free(p);
    }
}

/* Seconds for `rounds` calls of range function r over steps 0..count-1. */
static double range_time(lrs_range_fn r, int64_t count, int64_t rounds, double *out)
{
    double t0 = now();
    for (int64_t j = 0; j < rounds; j++)
        r(0, count, out);
    return now() - t0;
}

/* Steps 0..span (the schedule's own steps, not the constant tail past
 * it), repeated to about 2 x 10^6 values, by scalar calls and by the range
 * function. */
static void range(lrs_context *ctx)
{
    enum { N = 2000000 };
    printf("\n## range: steps 0..span repeated, about 2 x 10^6 values (ns per value; best of "
           "5)\n\n");
    printf("| schedule | scalar calls in a loop | range function | speed-up "
           "|\n|---|---:|---:|---:|\n");
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        lrs_program *p =
            lrs_compile_string(ctx, cases[k].name, cases[k].src, strlen(cases[k].src), NULL, NULL);
        lrs_fn fn = lrs_program_function(p, 0);
        lrs_range_fn r = lrs_program_range_function(p, 0);
        int64_t count = cases[k].span + 1, rounds = (N + count - 1) / count;
        double *out = malloc((size_t)count * sizeof *out);
        double bs = INFINITY, br = INFINITY;
        for (int rep = 0; rep < 5; rep++) {
            double t0 = now();
            for (int64_t j = 0; j < rounds; j++)
                for (int64_t s = 0; s < count; s++)
                    out[s] = fn(s);
            double t1 = now();
            br = fmin(br, range_time(r, count, rounds, out));
            bs = fmin(bs, t1 - t0);
        }
        double n = (double)(rounds * count);
        printf("| %s | %.2f | %.2f | %.1fx |\n", cases[k].name, bs / n * 1e9, br / n * 1e9,
               bs / br);
        fflush(stdout);
        free(out);
        lrs_program_free(p);
    }
}

/* range_time with the caller's stack `shift` bytes lower: the ABI
 * promises 16-byte alignment only, so a range function whose vector
 * spills need 32 or 64 must realign its own frame. */
static __attribute__((noinline)) double
range_time_shifted(lrs_range_fn r, int64_t count, int64_t rounds, double *out, size_t shift)
{
    volatile char pad[shift + 1]; /* moves the stack pointer down by about shift */
    pad[shift] = 0;
    double t = range_time(r, count, rounds, out);
    (void)pad[0]; /* the array lives across the call */
    return t;
}

/* The range function of the first schedule (it calls `cos`) with the
 * stack at each 16-byte offset in a 64-byte line. */
static void range_stack(lrs_context *ctx)
{
    enum { N = 2000000 };
    printf("\n## range function of %s with the stack 0, 16, 32, 48 bytes lower (ns per value; "
           "best of 5)\n\n| 0 | 16 | 32 | 48 | slowest / fastest |\n|---:|---:|---:|---:|---:|\n",
           cases[0].name);
    lrs_program *p =
        lrs_compile_string(ctx, cases[0].name, cases[0].src, strlen(cases[0].src), NULL, NULL);
    lrs_range_fn r = lrs_program_range_function(p, 0);
    int64_t count = cases[0].span + 1, rounds = (N + count - 1) / count;
    double *out = malloc((size_t)count * sizeof *out), best[4], lo = INFINITY, hi = 0;
    if (!r || !out) exit(1);
    for (int k = 0; k < 4; k++)
        best[k] = INFINITY;
    for (int rep = 0; rep < 5; rep++)
        for (int k = 0; k < 4; k++)
            best[k] = fmin(best[k], range_time_shifted(r, count, rounds, out, 16 * (size_t)k));
    for (int k = 0; k < 4; k++) {
        best[k] = best[k] / (double)(rounds * count) * 1e9;
        lo = fmin(lo, best[k]);
        hi = fmax(hi, best[k]);
        printf("| %.2f ", best[k]);
    }
    printf("| %.2f |\n", hi / lo);
    free(out);
    lrs_program_free(p);
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
    double warm[REPS], front[REPS], cpu[REPS], cpu_front[REPS];
    for (int i = 0; i < REPS; i++) {
        double a = now(), ca = cpu_now();
        p = lrs_compile_string(ctx, "w", src, strlen(src), NULL, NULL);
        double b = now(), cb = cpu_now();
        fn = lrs_program_function(p, 0);
        warm[i] = now() - a;
        cpu[i] = cpu_now() - ca;
        front[i] = b - a;
        cpu_front[i] = cb - ca;
        if (!fn) exit(1);
        lrs_program_free(p);
    }
    double *all[4] = {warm, front, cpu, cpu_front};
    for (int k = 0; k < 4; k++)
        qsort(all[k], REPS, sizeof *warm, cmp);
    printf("\n## compile latency (warmup_cosine recipe: source text to a callable pointer)\n\n");
    printf("- cold (first in the process, JIT created): %.2f ms\n", cold * 1e3);
    printf("- warm, median of %d: %.2f ms (front end %.2f ms); fastest %.2f ms\n", REPS,
           warm[REPS / 2] * 1e3, front[REPS / 2] * 1e3, warm[0] * 1e3);
    printf("- warm, CPU time of the thread, median of %d: %.2f ms (front end %.2f ms); fastest "
           "%.2f ms\n",
           REPS, cpu[REPS / 2] * 1e3, cpu_front[REPS / 2] * 1e3, cpu[0] * 1e3);
    lrs_context_free(ctx);
}

/* CPU time (user + system) of the waited-for children so far, seconds */
static double children_cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

/* REPS runs of argv as a whole process (stdout to /dev/null): wall time
 * in t[] and the child's CPU time (user + system) in cpu[], both sorted,
 * in seconds. */
static void process_times(char *const *argv, double *t, double *cpu, int reps)
{
    for (int i = 0; i < reps; i++) {
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", 1, 0);
        pid_t pid;
        double a = now();
        if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ)) exit(1);
        int st;
        double c0 = children_cpu();
        waitpid(pid, &st, 0);
        t[i] = now() - a;
        cpu[i] = children_cpu() - c0;
        posix_spawn_file_actions_destroy(&fa);
    }
    qsort(t, (size_t)reps, sizeof *t, cmp);
    qsort(cpu, (size_t)reps, sizeof *cpu, cmp);
}

/* lrsc as a whole process beside /bin/true, the runs taking turns. */
static void whole_process(const char *lrsc)
{
    enum { REPS = 21, KINDS = 5 };
    char path[] = "/tmp/lrs-bench-XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(cases[0].src, f);
    fclose(f);
    char *argv[KINDS][8] = {
        {"/bin/true", NULL},
        {(char *)lrsc, "check", path, "--backend", "interp", NULL},
        {(char *)lrsc, "check", path, NULL},
        {(char *)lrsc, "eval", path, "--at", "1000", "--backend", "interp", NULL},
        {(char *)lrsc, "eval", path, "--at", "1000", "--backend", "jit", NULL},
    };
    const char *what[KINDS] = {
        "/bin/true", "lrsc check FILE --backend interp", "lrsc check FILE (also JIT-compiles)",
        "lrsc eval FILE --at 1000 --backend interp", "lrsc eval FILE --at 1000 --backend jit"};
    double t[KINDS][REPS], c[KINDS][REPS], all[KINDS][REPS * 3], allc[KINDS][REPS * 3];
    double med[KINDS], medc[KINDS];
    for (int round = 0; round < 3; round++) /* three rounds of REPS, interleaved */
        for (int k = 0; k < KINDS; k++) {
            process_times(argv[k], t[k], c[k], REPS);
            memcpy(all[k] + round * REPS, t[k], sizeof t[k]);
            memcpy(allc[k] + round * REPS, c[k], sizeof c[k]);
        }
    for (int k = 0; k < KINDS; k++) {
        qsort(all[k], REPS * 3, sizeof **all, cmp);
        qsort(allc[k], REPS * 3, sizeof **allc, cmp);
        med[k] = all[k][REPS * 3 / 2] * 1e3;
        medc[k] = allc[k][REPS * 3 / 2] * 1e3;
    }
    printf("\n## whole process (median of %d, in three interleaved rounds; CPU = the child's "
           "user + system time)\n\n",
           REPS * 3);
    printf("| command | wall ms | / `/bin/true` | CPU ms | / `/bin/true` |\n"
           "|---|---:|---:|---:|---:|\n");
    for (int k = 0; k < KINDS; k++)
        printf("| `%s` | %.2f | %.1f | %.2f | %.1f |\n", what[k], med[k], med[k] / med[0], medc[k],
               medc[k] / medc[0]);
    remove(path);
}

/* Remove the files in dir. */
static void empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    while (d && (e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    if (d) closedir(d);
}

/* Whether code at fn lies in a shared object under directory dir (a
 * cache entry), not in the JIT's memory. */
static int in_dir(const void *fn, const char *dir)
{
    Dl_info info;
    return dladdr(fn, &info) && info.dli_fname && !strncmp(info.dli_fname, dir, strlen(dir));
}

/* The range function a cache hit loads beside the JIT's, for each
 * schedule of the benchmark, the two taking turns (best of 5); dir is the
 * cache's directory. */
static void cached_range(lrs_context *ctx, const char *dir)
{
    enum { N = 2000000 };
    printf("\n## range function from a cache hit and from the JIT (ns per value, steps 0..span "
           "repeated, about 2 x 10^6 values; best of 5, taking turns)\n\n");
    printf("| schedule | JIT | cache hit | cache hit / JIT |\n|---|---:|---:|---:|\n");
    lrs_options jit_opts = {.no_cache = 1};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const char *src = cases[k].src;
        lrs_program *p[3];
        for (int i = 0; i < 3; i++) /* a miss that stores the entry, a hit, the JIT */
            p[i] = lrs_compile_string(ctx, cases[k].name, src, strlen(src),
                                      i == 2 ? &jit_opts : NULL, NULL);
        lrs_range_fn r[3];
        for (int i = 0; i < 3; i++)
            if (!p[i] || !(r[i] = lrs_program_range_function(p[i], 0))) exit(1);
        if (!in_dir((const void *)r[1], dir) || in_dir((const void *)r[2], dir)) {
            fprintf(stderr, "%s: the second compilation did not load the cache's entry\n",
                    cases[k].name);
            exit(1);
        }
        int64_t count = cases[k].span + 1, rounds = (N + count - 1) / count;
        double *out = malloc((size_t)count * sizeof *out), bj = INFINITY, bc = INFINITY;
        for (int rep = 0; rep < 5; rep++) {
            bj = fmin(bj, range_time(r[2], count, rounds, out));
            bc = fmin(bc, range_time(r[1], count, rounds, out));
        }
        double n = (double)(rounds * count);
        printf("| %s | %.2f | %.2f | %.2f |\n", cases[k].name, bj / n * 1e9, bc / n * 1e9, bc / bj);
        fflush(stdout);
        free(out);
        for (int i = 0; i < 3; i++)
            lrs_program_free(p[i]);
    }
}

/* The on-disk cache, in a directory of its own: in this process, the time
 * from a compiled program to a callable pointer on a hit (the previous
 * program's entry unmapped, as in a new process) and with the JIT, and
 * each schedule's range function from a hit beside the JIT's; then
 * `lrsc eval` as a whole process with a warm cache, a cold one (emptied
 * before every run) and without it, beside /bin/true, the runs taking
 * turns. */
static void cache(const char *lrsc)
{
    enum { REPS = 201, PREPS = 21, KINDS = 5 };
    char dir[] = "/tmp/lrs-bench-cache-XXXXXX", path[] = "/tmp/lrs-bench-XXXXXX";
    if (!mkdtemp(dir)) exit(1);
    unsetenv("LRS_CACHE");
    setenv("LRS_CACHE_DIR", dir, 1);
    const char *src = cases[0].src;
    lrs_context *ctx = lrs_context_new();
    lrs_options jit_opts = {.no_cache = 1};
    double t[2][REPS];
    for (int k = 0; k < 2; k++)
        for (int i = -1; i < REPS; i++) { /* i = -1: the miss that stores the entry */
            lrs_program *p =
                lrs_compile_string(ctx, "w", src, strlen(src), k ? &jit_opts : NULL, NULL);
            double a = now();
            lrs_fn fn = lrs_program_function(p, 0);
            if (i >= 0) t[k][i] = now() - a;
            if (!fn) exit(1);
            lrs_program_free(p);
        }
    lrs_context_free(ctx);
    for (int k = 0; k < 2; k++)
        qsort(t[k], REPS, sizeof **t, cmp);
    printf("\n## on-disk cache (warmup_cosine recipe; compiled program to a callable pointer, "
           "median of %d)\n\n",
           REPS);
    printf("- cache hit: %.3f ms (fastest %.3f ms)\n", t[0][REPS / 2] * 1e3, t[0][0] * 1e3);
    printf("- JIT, cache off: %.3f ms (fastest %.3f ms)\n", t[1][REPS / 2] * 1e3, t[1][0] * 1e3);
    cached_range(ctx = lrs_context_new(), dir);
    lrs_context_free(ctx);

    int fd = mkstemp(path);
    FILE *f = fdopen(fd, "w");
    fputs(src, f);
    fclose(f);
    char *argv[KINDS][8] = {
        {"/bin/true", NULL},
        {(char *)lrsc, "eval", path, "--at", "1000", NULL},
        {(char *)lrsc, "eval", path, "--at", "1000", NULL},
        {(char *)lrsc, "eval", path, "--at", "1000", "--no-cache", NULL},
        {(char *)lrsc, "eval", path, "--at", "1000", "--backend", "interp", NULL},
    };
    const char *what[KINDS] = {"/bin/true", "lrsc eval FILE --at 1000, warm cache",
                               "lrsc eval FILE --at 1000, cold cache (emptied before each run)",
                               "lrsc eval FILE --at 1000 --no-cache (JIT)",
                               "lrsc eval FILE --at 1000 --backend interp"};
    double w[KINDS][PREPS * 3], c[KINDS][PREPS * 3], one, onec;
    for (int i = 0; i < PREPS * 3; i++) /* the kinds take turns, run by run */
        for (int k = 0; k < KINDS; k++) {
            if (k == 2) empty_dir(dir);
            process_times(argv[k], &one, &onec, 1);
            w[k][i] = one;
            c[k][i] = onec;
        }
    printf("\n## whole process with the cache (median of %d, the kinds taking turns; CPU = the "
           "child's user + system time)\n\n",
           PREPS * 3);
    printf("| command | wall ms | / `/bin/true` | CPU ms | / `/bin/true` |\n"
           "|---|---:|---:|---:|---:|\n");
    double med[KINDS], medc[KINDS];
    for (int k = 0; k < KINDS; k++) {
        qsort(w[k], PREPS * 3, sizeof **w, cmp);
        qsort(c[k], PREPS * 3, sizeof **c, cmp);
        med[k] = w[k][PREPS * 3 / 2] * 1e3;
        medc[k] = c[k][PREPS * 3 / 2] * 1e3;
        printf("| `%s` | %.2f | %.1f | %.2f | %.1f |\n", what[k], med[k], med[k] / med[0], medc[k],
               medc[k] / medc[0]);
    }
    remove(path);
    empty_dir(dir);
    rmdir(dir);
    setenv("LRS_CACHE", "off", 1);
    unsetenv("LRS_CACHE_DIR");
}

int main(int argc, char **argv)
{
    /* The JIT is measured: the on-disk cache is off but in cache(), which
     * has a directory of its own. */
    setenv("LRS_CACHE", "off", 1);
    if (argc > 1 && !strcmp(argv[1], "--cache")) {
        if (argc < 3) return 2;
        cache(argv[2]);
        return 0;
    }
    latency(); /* first: the cold number is the process's first JIT */
    if (argc > 1 && !strcmp(argv[1], "--latency")) return 0;
    lrs_context *ctx = lrs_context_new();
    calls(ctx);
    range(ctx);
    range_stack(ctx);
    lrs_context_free(ctx);
    if (argc > 1) {
        whole_process(argv[1]);
        cache(argv[1]);
    }
    return 0;
}
