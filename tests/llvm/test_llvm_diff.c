/* test_llvm_diff.c — differential test of the native backend against the
 * reference interpreter: every program given (.lrs files, directories of
 * them, or bundles of generated programs separated by "#=== NAME" lines)
 * is evaluated by the interpreter, the JIT (lrs_program_function and
 * lrs_program_range_function) and ahead-of-time code, at step 0, segment
 * edges, the span's end, huge and negative steps and random steps; a
 * reactive schedule before any report and under random detector values.
 *
 * Scalar functions must agree with the interpreter to 4 ulp (they are
 * bit-identical in practice: the same libm calls, no fast-math). Range
 * functions use libmvec's vector math, whose last bits differ from glibc's
 * scalar functions; they must agree to 4 ulp of the value, or to 4 ulp of
 * the schedule's scale (its largest magnitude) where cancellation such as
 * 1 + cos x near x = pi magnifies a last-bit difference (docs/backend.md).
 *
 * usage: test_llvm_diff [--aot] [--batch N] [--jit-every N] [--limit N]
 *                       [--min N] PATH...
 *   --aot          each program through lrs_program_emit (.so) and lrs_aot_open
 *   --batch N      N programs per shared object, through the backend's
 *                  internal API, for the host CPU and for generic x86-64 (fast
 *                  enough for thousands of programs)
 *   --jit-every N  the public JIT for every Nth program only (default 1)
 *   --min N        fail unless at least N programs compiled
 *   --threads N    worker threads sharing one context (default 2)
 *   --range-every N  range functions in every Nth batch only (default 1)
 *   --generic-every N  generic x86-64 for every Nth batch only (default 1)
 *   --no-check     compile without the value checker (generated programs
 *                  may be negative or NaN somewhere: their semantics count too)
 *   --show-errors N  print the diagnostics of the first N programs that fail */
#include "lrs_backend.h"
#include "test_llvm_util.h"

#include <llvm-c/Linker.h>

#include <dirent.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct prog {
    char *name, *text;
    lrs_program *p;
} prog;

/* What one thread found. */
typedef struct stats {
    size_t failures, compared, exact, compiled, skipped;
    uint64_t rng;
} stats;

typedef struct state {
    lrs_context *ctx;
    prog *progs;
    size_t n, cap;
    int aot, batch, jit_every, limit, min, no_check, show_errors, threads;
    int range_every, generic_every; /* batches with range functions / for generic x86-64 */
    char dir[64];
    pthread_mutex_t lock; /* show_errors */
} state;

typedef struct worker {
    state *S;
    stats st;
    int id;
    pthread_t thread;
} worker;

/* ---- loading ---------------------------------------------------------------- */

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = 0;
    fclose(f);
    return s;
}

static void add(state *S, const char *name, const char *text, size_t len)
{
    if (S->limit && S->n >= (size_t)S->limit) return;
    if (S->n == S->cap) {
        S->cap = S->cap ? 2 * S->cap : 256;
        S->progs = realloc(S->progs, S->cap * sizeof *S->progs);
    }
    prog *g = &S->progs[S->n++];
    g->name = strdup(name);
    g->text = strndup(text, len);
    g->p = NULL;
}

static void add_path(state *S, const char *path)
{
    struct stat st;
    if (stat(path, &st)) return;
    if (S_ISDIR(st.st_mode)) {
        struct dirent **ents;
        int n = scandir(path, &ents, NULL, alphasort);
        for (int i = 0; i < n; i++) {
            if (ents[i]->d_name[0] != '.') {
                char sub[4096];
                snprintf(sub, sizeof sub, "%s/%s", path, ents[i]->d_name);
                size_t l = strlen(sub);
                if (stat(sub, &st) == 0 &&
                    (S_ISDIR(st.st_mode) || (l > 4 && !strcmp(sub + l - 4, ".lrs"))))
                    add_path(S, sub);
            }
            free(ents[i]);
        }
        free(ents);
        return;
    }
    char *text = read_all(path);
    if (!text) return;
    if (strncmp(text, "#=== ", 5)) {
        add(S, path, text, strlen(text));
    } else { /* a bundle */
        for (char *p = text; p && *p;) {
            char *nl = strchr(p, '\n');
            char name[256];
            snprintf(name, sizeof name, "%.*s", nl ? (int)(nl - p - 5) : 0, p + 5);
            char *body = nl ? nl + 1 : p + strlen(p);
            char *next = strstr(body, "\n#=== ");
            add(S, name, body, next ? (size_t)(next + 1 - body) : strlen(body));
            p = next ? next + 1 : NULL;
        }
    }
    free(text);
}

/* ---- steps ------------------------------------------------------------------ */

static uint64_t next_rand(stats *S)
{
    uint64_t x = (S->rng += 0x9E3779B97F4A7C15ull);
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

enum { MAX_STEPS = 96, MAX_WINDOWS = 16, WINDOW = 24 };

static size_t scalar_steps(stats *S, const lrs_program *p, size_t i, int64_t *st)
{
    static const int64_t fixed[] = {INT64_MIN,
                                    INT64_MIN + 1,
                                    -1000000000000,
                                    -1,
                                    0,
                                    1,
                                    2,
                                    3,
                                    1000,
                                    (int64_t)1 << 31,
                                    (int64_t)1 << 53,
                                    ((int64_t)1 << 53) + 1,
                                    (int64_t)1 << 62,
                                    INT64_MAX - 1,
                                    INT64_MAX};
    size_t n = 0;
    for (size_t k = 0; k < sizeof fixed / sizeof *fixed; k++)
        st[n++] = fixed[k];
    double span = lrs_program_schedule_span(p, i);
    /* A span of 2^63 (total = INT64_MAX) is not an int64: its last step is. */
    int64_t last = span >= 0x1p63 ? INT64_MAX - 1 : (int64_t)span;
    int64_t horizon = isfinite(span) ? last : 1000000;
    if (isfinite(span))
        for (int d = -1; d <= 1; d++)
            st[n++] = last + d;
    for (int64_t b = lrs_program_next_boundary(p, i, -1); b >= 0 && n < MAX_STEPS - 24;
         b = lrs_program_next_boundary(p, i, b)) {
        st[n++] = b - 1;
        st[n++] = b;
        st[n++] = b + 1;
        if (b > horizon) horizon = b;
    }
    while (n < MAX_STEPS - 4)
        st[n++] = (int64_t)(next_rand(S) % ((uint64_t)horizon * 2 + 2));
    while (n < MAX_STEPS)
        st[n++] = (int64_t)next_rand(S); /* anywhere, negative included */
    return n;
}

static size_t windows(stats *S, const lrs_program *p, size_t i, int64_t *first)
{
    size_t n = 0;
    first[n++] = -5;
    first[n++] = INT64_MAX - WINDOW / 2; /* saturates at INT64_MAX */
    first[n++] = INT64_MIN;
    double span = lrs_program_schedule_span(p, i);
    if (isfinite(span)) first[n++] = (span >= 0x1p63 ? INT64_MAX : (int64_t)span) - WINDOW / 2;
    for (int64_t b = lrs_program_next_boundary(p, i, -1); b >= 0 && n < MAX_WINDOWS - 1;
         b = lrs_program_next_boundary(p, i, b))
        first[n++] = b - WINDOW / 2;
    first[n++] = (int64_t)(next_rand(S) % 10000000);
    return n;
}

/* ---- comparing ---------------------------------------------------------------- */

static void report(stats *S, const prog *g, size_t i, const char *what, int64_t step, double want,
                   double got)
{
    if (S->failures++ < 10) {
        fprintf(stderr,
                "MISMATCH %s, schedule %s, %s at step %lld: interpreter %.17g, native %.17g (%llu "
                "ulp)\n",
                g->name, lrs_program_schedule_name(g->p, i), what, (long long)step, want, got,
                (unsigned long long)lrs_test_ulps(want, got));
        if (S->failures <= 2) fprintf(stderr, "--- program ---\n%s\n---------------\n", g->text);
    }
}

/* A range value: within 4 ulp of the interpreter or of the schedule's
 * scale; or, unless `scaled` (golden programs, which must meet that),
 * within 4 ulp of the interpreter with one ISA's libmvec (generated
 * programs can be ill-conditioned: cos(exp(step)) turns one ulp of exp
 * into any value of cos). */
static int range_ok(const prog *g, size_t i, int64_t step, double want, double got, double scale,
                    int scaled, const double *det)
{
    if (lrs_test_close(want, got, scale, 4)) return 1;
    if (scaled) return 0;
#if defined(__x86_64__)
    const lrs_code *c = &g->p->sched[i].code;
    for (const char *isa = "bde"; *isa; isa++)
        for (int new235 = 0; new235 < 2; new235++)
            if (lrs_test_ulps(lrs_test_eval_mv(c, step, *isa, new235, det), got) <= 4) return 1;
#endif
    return 0;
}

/* A schedule's native functions: the plain ABI, or the reactive one. */
typedef struct natives {
    lrs_fn fn;
    lrs_range_fn range;
    lrs_reactive_fn rfn;
    lrs_reactive_range_fn rrange;
} natives;

/* A random history of a program's detectors: whole counts for plateaus
 * and reports, any numbers (signs, magnitudes) for last and best. */
static void random_detectors(stats *S, const lrs_program *p, double *det)
{
    for (size_t k = 0; k < lrs_program_detector_count(p); k++) {
        uint64_t r = next_rand(S);
        uint32_t kind = lrs_program_detector(p, k)->kind;
        if (kind == LRS_DETECT_PLATEAUS || kind == LRS_DETECT_REPORTS)
            det[k] = (double)(r % 8 == 0 ? r >> 11 : r % 40);
        else
            det[k] = ldexp((double)(int64_t)(r >> 8) / 36028797018963968.0, (int)(r % 40) - 20);
    }
}

enum { HISTORIES = 3, MAX_DETECTORS = 256 };

static void compare_one(stats *S, const prog *g, size_t i, natives f, const double *det,
                        const char *what, int scaled);

/* Reactive schedules are compared under several random histories, the
 * first being "before any report" (det NULL for the interpreter). */
static void compare(stats *S, const prog *g, size_t i, natives f, const char *what, int scaled)
{
    if (!lrs_program_schedule_reactive(g->p, i)) {
        compare_one(S, g, i, f, NULL, what, scaled);
        return;
    }
    double det[MAX_DETECTORS];
    size_t nd = lrs_program_detector_count(g->p);
    if (nd > MAX_DETECTORS) return;
    uint64_t save = S->rng; /* the same histories for every backend */
    for (int h = 0; h < HISTORIES; h++) {
        if (h == 0) {
            lrs_signals *s = lrs_program_signals_new(g->p);
            if (s) memcpy(det, lrs_signals_values(s), nd * sizeof *det);
            lrs_signals_free(s);
        } else {
            random_detectors(S, g->p, det);
        }
        uint64_t inner = S->rng;
        compare_one(S, g, i, f, det, what, scaled);
        S->rng = inner;
    }
    S->rng = save;
}

static void compare_one(stats *S, const prog *g, size_t i, natives f, const double *det,
                        const char *what, int scaled)
{
    lrs_fn fn = f.fn;
    lrs_range_fn range = f.range;
    int64_t st[MAX_STEPS], first[MAX_WINDOWS];
    uint64_t save = S->rng; /* the same steps for every backend of a program */
    size_t n = scalar_steps(S, g->p, i, st), nw = windows(S, g->p, i, first);
    S->rng = save;
    /* the scale: the checker's range (when it ran) and every value seen */
    lrs_schedule_info info;
    lrs_program_schedule_info(g->p, i, &info);
    double want[MAX_STEPS], wr[MAX_WINDOWS][WINDOW], scale = 0;
    if (isfinite(info.min) && isfinite(info.max)) scale = fmax(fabs(info.min), fabs(info.max));
    for (size_t k = 0; k < n; k++) {
        want[k] = lrs_interp_eval_reactive(g->p, i, st[k], det);
        if (isfinite(want[k]) && fabs(want[k]) > scale) scale = fabs(want[k]);
    }
    for (size_t w = 0; w < nw; w++) {
        if (det)
            for (size_t k = 0; k < WINDOW; k++)
                wr[w][k] = lrs_interp_eval_reactive(
                    g->p, i, first[w] > INT64_MAX - (int64_t)k ? INT64_MAX : first[w] + (int64_t)k,
                    det);
        else
            lrs_interp_range(g->p, i, first[w], WINDOW, wr[w]);
        for (size_t k = 0; k < WINDOW; k++)
            if (isfinite(wr[w][k]) && fabs(wr[w][k]) > scale) scale = fabs(wr[w][k]);
    }
    if (fn || f.rfn)
        for (size_t k = 0; k < n; k++) {
            double got = fn ? fn(st[k]) : f.rfn(st[k], det);
            S->compared++;
            /* (a zero's sign counts: 1 / x shows it) */
            int zeros = want[k] == 0 && got == 0 && signbit(want[k]) != signbit(got);
            if (lrs_test_ulps(want[k], got) == 0 && !zeros) S->exact++;
            if (lrs_test_ulps(want[k], got) > 4 || zeros)
                report(S, g, i, what, st[k], want[k], got);
        }
    if (range || f.rrange) {
        for (size_t w = 0; w < nw; w++) {
            double out[WINDOW + 1];
            out[WINDOW] = 12345.0; /* must stay untouched */
            if (range)
                range(first[w], WINDOW, out);
            else
                f.rrange(first[w], WINDOW, out, det);
            for (size_t k = 0; k < WINDOW; k++) {
                int64_t step =
                    first[w] > INT64_MAX - (int64_t)k ? INT64_MAX : first[w] + (int64_t)k;
                S->compared++;
                if (!range_ok(g, i, step, wr[w][k], out[k], scale, scaled, det)) {
                    char tag[64];
                    snprintf(tag, sizeof tag, "%s range", what);
                    report(S, g, i, tag, step, wr[w][k], out[k]);
                }
            }
            if (out[WINDOW] != 12345.0)
                report(S, g, i, "range wrote past count", first[w], 0, out[WINDOW]);
        }
        double sentinel = 7.0;
        for (int c = 0; c < 3; c++) {
            static const int64_t firsts[] = {0, 5, INT64_MAX}, counts[] = {0, -3, INT64_MIN};
            if (range)
                range(firsts[c], counts[c], &sentinel);
            else
                f.rrange(firsts[c], counts[c], &sentinel, det);
        }
        if (sentinel != 7.0) report(S, g, i, "range with count <= 0 wrote", 0, 7.0, sentinel);
    }
}

/* ---- backends ------------------------------------------------------------------ */

static void check_jit(stats *S, const prog *g, int scaled)
{
    for (size_t i = 0; i < lrs_program_schedule_count(g->p); i++) {
        natives f = {lrs_program_function(g->p, i), lrs_program_range_function(g->p, i),
                     lrs_program_reactive_function(g->p, i),
                     lrs_program_reactive_range_function(g->p, i)};
        if (!(f.fn && f.range) && !(f.rfn && f.rrange)) {
            fprintf(stderr, "FAIL %s: JIT: %s\n", g->name, lrs_program_native_error(g->p));
            S->failures++;
            return;
        }
        compare(S, g, i, f, "jit", scaled);
    }
}

static void check_aot(state *St, stats *S, const prog *g, size_t idx)
{
    char path[128], err[1024];
    snprintf(path, sizeof path, "%s/p%zu.so", St->dir, idx);
    lrs_emit_options o = {LRS_EMIT_SHARED, path, "t_", "generic", NULL};
    if (lrs_program_emit(g->p, &o, err, sizeof err)) {
        fprintf(stderr, "FAIL %s: emit: %s\n", g->name, err);
        S->failures++;
        return;
    }
    lrs_aot *a = lrs_aot_open(path, err, sizeof err);
    if (!a) {
        fprintf(stderr, "FAIL %s: lrs_aot_open: %s\n", g->name, err);
        S->failures++;
        return;
    }
    const lrs_aot_table *t = lrs_aot_get_table(a);
    if (t->schedule_count != lrs_program_schedule_count(g->p) ||
        t->param_count != lrs_program_param_count(g->p)) {
        fprintf(stderr, "FAIL %s: the descriptor table has %llu schedules and %llu params\n",
                g->name, (unsigned long long)t->schedule_count, (unsigned long long)t->param_count);
        S->failures++;
    }
    for (size_t i = 0; i < lrs_program_schedule_count(g->p); i++) {
        const char *name = lrs_program_schedule_name(g->p, i);
        natives f = {lrs_aot_function(a, name), lrs_aot_range_function(a, name),
                     lrs_aot_reactive_function(a, name), lrs_aot_reactive_range_function(a, name)};
        if (!(f.fn && f.range) && !(f.rfn && f.rrange)) {
            fprintf(stderr, "FAIL %s: no functions for %s in the shared object\n", g->name, name);
            S->failures++;
        }
        compare(S, g, i, f, "aot", 1);
        double span = lrs_program_schedule_span(g->p, i);
        if (i < t->schedule_count && memcmp(&t->schedules[i].span, &span, sizeof span)) {
            fprintf(stderr, "FAIL %s: table span of %s\n", g->name, name);
            S->failures++;
        }
    }
    lrs_aot_close(a);
    unlink(path);
}

/* Programs [from, to) in one module for `cpu`, linked into one shared
 * object: the backend's lowering, optimisation and code generation
 * without the per-module costs, for thousands of programs. */
static void check_batch(state *St, stats *S, size_t from, size_t to, const char *cpu, int which)
{
    char *err = NULL, obj[128], so[128], cmd[512];
    lrs_llvm_target t;
    if (lrs_llvm_target_new(cpu, 1, &t, &err)) {
        fprintf(stderr, "FAIL target %s: %s\n", cpu, err);
        S->failures++;
        free(err);
        return;
    }
    const lrs_program **ps = calloc(to - from, sizeof *ps);
    char **names = calloc(to - from, sizeof *names);
    size_t n = 0;
    for (size_t k = from; k < to; k++) {
        if (!St->progs[k].p) continue;
        names[n] = malloc(32);
        snprintf(names[n], 32, "p%zu_", k);
        ps[n++] = St->progs[k].p;
    }
    LLVMContextRef c = LLVMContextCreate();
    LLVMModuleRef m =
        n ? lrs_llvm_module(c, ps, (const char *const *)names, n, &t, which, &err) : NULL;
    for (size_t k = 0; k < n; k++)
        free(names[k]);
    free(names);
    free(ps);
    int ok = m && !lrs_llvm_optimize(m, &t, &err);
    LLVMMemoryBufferRef buf = NULL;
    ok = ok && !lrs_llvm_codegen(m, &t, LLVMObjectFile, &buf, &err);
    snprintf(obj, sizeof obj, "%s/b%zu_%s.o", St->dir, from, cpu);
    snprintf(so, sizeof so, "%s/b%zu_%s.so", St->dir, from, cpu);
    if (ok) {
        FILE *f = fopen(obj, "wb");
        ok = f && fwrite(LLVMGetBufferStart(buf), 1, LLVMGetBufferSize(buf), f) ==
                      LLVMGetBufferSize(buf);
        if (f) fclose(f);
        snprintf(cmd, sizeof cmd, "cc -shared -nostdlib -o %s %s -lm", so, obj);
        ok = ok && system(cmd) == 0;
    }
    if (buf) LLVMDisposeMemoryBuffer(buf);
    if (m) LLVMDisposeModule(m);
    LLVMContextDispose(c);
    lrs_llvm_target_free(&t);
    void *h = ok ? dlopen(so, RTLD_NOW | RTLD_LOCAL) : NULL;
    if (!h) {
        if (n) {
            fprintf(stderr, "FAIL batch %zu (%s): %s\n", from, cpu, err ? err : dlerror());
            S->failures++;
        }
        free(err);
        return;
    }
    for (size_t k = from; k < to; k++) {
        const prog *g = &St->progs[k];
        for (size_t i = 0; g->p && i < lrs_program_schedule_count(g->p); i++) {
            char sym[300];
            snprintf(sym, sizeof sym, "p%zu_%s", k, lrs_program_schedule_name(g->p, i));
            void *fn = dlsym(h, sym);
            strcat(sym, "_range");
            void *r = which & LRS_LLVM_RANGE ? dlsym(h, sym) : NULL;
            if (!fn || (!r && which & LRS_LLVM_RANGE)) {
                fprintf(stderr, "FAIL %s: no %s in the batch\n", g->name, sym);
                S->failures++;
                continue;
            }
            natives f = {0};
            if (lrs_program_schedule_reactive(g->p, i)) {
                f.rfn = (lrs_reactive_fn)fn;
                f.rrange = (lrs_reactive_range_fn)r;
            } else {
                f.fn = (lrs_fn)fn;
                f.range = (lrs_range_fn)r;
            }
            compare(S, g, i, f, cpu, 0);
        }
    }
    dlclose(h);
    unlink(obj);
    unlink(so);
}

/* Thread `id` of `threads`: compiles programs id, id + threads, ... (on
 * the shared context), runs the JIT and AOT checks on them, then takes
 * its share of the batches. */
static void *work(void *arg)
{
    worker *w = arg;
    state *S = w->S;
    lrs_diags *d = lrs_diags_new();
    for (size_t k = (size_t)w->id; k < S->n; k += (size_t)S->threads) {
        prog *g = &S->progs[k];
        lrs_diags_clear(d);
        lrs_options o = {.no_check = S->no_check};
        g->p = lrs_compile_string(S->ctx, g->name, g->text, strlen(g->text), &o, d);
        pthread_mutex_lock(&S->lock);
        if (!g->p && S->show_errors > 0) {
            S->show_errors--;
            fprintf(stderr, "--- %s does not compile:\n%s", g->name, g->text);
            for (size_t e = 0; e < lrs_diags_count(d); e++) {
                char *s = lrs_diags_format(d, e, 0);
                if (s) fputs(s, stderr);
                lrs_free(s);
            }
        }
        pthread_mutex_unlock(&S->lock);
        if (!g->p) { /* golden directories hold programs that must fail, too */
            w->st.skipped++;
            continue;
        }
        w->st.compiled++;
        if (S->jit_every && k % (size_t)S->jit_every == 0) check_jit(&w->st, g, !S->no_check);
        if (S->aot) check_aot(S, &w->st, g, k);
    }
    lrs_diags_free(d);
    return NULL;
}

static void *work_batches(void *arg)
{
    worker *w = arg;
    state *S = w->S;
    size_t b = (size_t)S->batch;
    for (size_t k = (size_t)w->id * b; k < S->n; k += (size_t)S->threads * b) {
        size_t to = k + b < S->n ? k + b : S->n, i = k / b;
        int range = S->range_every && i % (size_t)S->range_every == 0;
        check_batch(S, &w->st, k, to, "native", range ? LRS_LLVM_BOTH : LRS_LLVM_SCALAR);
        if (S->generic_every && i % (size_t)S->generic_every == 0)
            check_batch(S, &w->st, k, to, "generic", range ? LRS_LLVM_BOTH : LRS_LLVM_SCALAR);
    }
    return NULL;
}

static void run_workers(state *S, worker *w, void *(*fn)(void *))
{
    for (int t = 0; t < S->threads; t++)
        pthread_create(&w[t].thread, NULL, fn, &w[t]);
    for (int t = 0; t < S->threads; t++)
        pthread_join(w[t].thread, NULL);
}

int main(int argc, char **argv)
{
    state S = {.jit_every = 1, .threads = 2, .range_every = 1, .generic_every = 1};
    pthread_mutex_init(&S.lock, NULL);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--aot"))
            S.aot = 1;
        else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
            S.batch = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--jit-every") && i + 1 < argc)
            S.jit_every = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
            S.limit = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--min") && i + 1 < argc)
            S.min = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-check"))
            S.no_check = 1;
        else if (!strcmp(argv[i], "--show-errors") && i + 1 < argc)
            S.show_errors = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            S.threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--range-every") && i + 1 < argc)
            S.range_every = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--generic-every") && i + 1 < argc)
            S.generic_every = atoi(argv[++i]);
        else
            add_path(&S, argv[i]);
    }
    if (S.threads < 1) S.threads = 1;
    snprintf(S.dir, sizeof S.dir, "/tmp/lrs-diff-XXXXXX");
    if (!mkdtemp(S.dir)) return 2;
    S.ctx = lrs_context_new();
    worker *w = calloc((size_t)S.threads, sizeof *w);
    for (int t = 0; t < S.threads; t++)
        w[t] = (worker){.S = &S, .id = t, .st.rng = 42 + (uint64_t)t};
    run_workers(&S, w, work);
    if (S.batch > 0) run_workers(&S, w, work_batches);
    stats all = {0};
    for (int t = 0; t < S.threads; t++) {
        all.failures += w[t].st.failures;
        all.compared += w[t].st.compared;
        all.exact += w[t].st.exact;
        all.compiled += w[t].st.compiled;
        all.skipped += w[t].st.skipped;
    }
    free(w);
    for (size_t k = 0; k < S.n; k++) {
        lrs_program_free(S.progs[k].p);
        free(S.progs[k].name);
        free(S.progs[k].text);
    }
    free(S.progs);
    lrs_context_free(S.ctx);
    rmdir(S.dir);
    printf("%zu programs compiled (%zu did not), %zu values compared, %zu scalar values "
           "bit-identical, %zu mismatches\n",
           all.compiled, all.skipped, all.compared, all.exact, all.failures);
    if (all.compiled < (size_t)S.min) {
        printf("FAIL: expected at least %d programs to compile\n", S.min);
        return 1;
    }
    return all.failures ? 1 : 0;
}
