/* test_llvm_api.c — the native backend's contracts: the purity of the
 * generated code for every standard-library definition, op semantics at
 * the edges (NaN through min/max, floored mod, round, noise, negative and
 * huge steps), range functions (count <= 0, saturation), errors, freeing
 * programs, and compiling and calling from several threads at once. */
#include "lrs_backend.h"
#include "test_llvm_util.h"

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

static lrs_program *compile(lrs_context *ctx, const char *src, int no_check)
{
    lrs_options o = {.no_check = no_check};
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = lrs_compile_string(ctx, "t.lrs", src, strlen(src), &o, d);
    if (!p)
        for (size_t i = 0; i < lrs_diags_count(d); i++) {
            char *s = lrs_diags_format(d, i, 0);
            fprintf(stderr, "%s", s ? s : "");
            lrs_free(s);
        }
    lrs_diags_free(d);
    return p;
}

/* ---- purity ------------------------------------------------------------------ */

/* The functions generated code may call: LLVM's math intrinsics (which
 * become libm calls or instructions), libm itself and libmvec. */
static int allowed_callee(const char *name)
{
    static const char *const libm[] = {"cos",  "sin",    "exp",   "log",   "log2", "pow",
                                       "tanh", "floor",  "ceil",  "round", "sqrt", "fabs",
                                       "exp2", "sincos", "exp10", NULL};
    if (!strncmp(name, "llvm.", 5) || !strncmp(name, "_ZGV", 4)) return 1;
    for (int i = 0; libm[i]; i++)
        if (!strcmp(name, libm[i])) return 1;
    return 0;
}

/* The optimised LLVM IR of p for this machine, written to a new file at
 * path (a mkstemp template) and opened for reading. */
static FILE *emitted_ir(const lrs_program *p, char *path)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[512];
    lrs_emit_options o = {LRS_EMIT_LLVM, path, "lrs_", "native", NULL};
    assert_int_equal(lrs_program_emit(p, &o, err, sizeof err), LRS_EMIT_OK);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    return f;
}

/* Whether `line` defines a value (%NAME = ...): NAME into name. */
static int defines(const char *line, char *name, size_t n)
{
    const char *p = line + strspn(line, " ");
    if (*p != '%') return 0;
    size_t len = strcspn(p, " ");
    if (strncmp(p + len, " = ", 3) || len >= n) return 0;
    snprintf(name, n, "%.*s", (int)len, p);
    return 1;
}

/* Whether `line` uses one of the names[0..n) as an operand. */
static int uses_any(const char *line, char (*names)[32], size_t n)
{
    for (size_t i = 0; i < n; i++)
        for (const char *p = strstr(line, names[i]); p; p = strstr(p + 1, names[i])) {
            char after = p[strlen(names[i])];
            if (p > line && p[-1] == ' ' &&
                (after == ',' || after == ' ' || after == '\n' || after == ')' || after == 0))
                return 1;
        }
    return 0;
}

enum { MAX_TABLE_PTRS = 512 };

/* Check the optimised IR of prog: calls only math, no loads but from the
 * constant tables of pick and index (@lrs.table*, through addresses
 * computed from them), stores only inside the range functions (to `out`),
 * no global variables but the descriptor table's constants. Returns the
 * number of problems. */
static int check_purity(const lrs_program *p, const char *what)
{
    char path[] = "/tmp/lrs-purity-XXXXXX";
    FILE *f = emitted_ir(p, path);
    char line[8192], fn[512] = "";
    static char table_ptrs[MAX_TABLE_PTRS][32]; /* addresses into a table, in this function */
    size_t ntable_ptrs = 0;
    int problems = 0, range = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "define ", 7)) {
            char *at = strchr(line, '@');
            snprintf(fn, sizeof fn, "%.*s", at ? (int)strcspn(at + 1, "(") : 0, at ? at + 1 : "");
            range = strstr(fn, "_range") != NULL;
            ntable_ptrs = 0;
        }
        if (line[0] == '}') fn[0] = 0;
        if (!fn[0]) continue;
        int from_table =
            strstr(line, "@lrs.table") != NULL || uses_any(line, table_ptrs, ntable_ptrs);
        char name[32];
        if (from_table && strstr(line, "getelementptr") && defines(line, name, sizeof name) &&
            ntable_ptrs < MAX_TABLE_PTRS)
            snprintf(table_ptrs[ntable_ptrs++], sizeof *table_ptrs, "%s", name);
        char *c = strstr(line, "call ");
        if (c) {
            char *at = strchr(c, '@');
            char callee[256];
            snprintf(callee, sizeof callee, "%.*s", at ? (int)strcspn(at + 1, "(") : 0,
                     at ? at + 1 : "");
            if (!allowed_callee(callee)) {
                fprintf(stderr, "%s: %s calls %s\n", what, fn, callee);
                problems++;
            }
        }
        if ((strstr(line, " = load ") && !from_table) || strstr(line, "alloca ") ||
            (strstr(line, "store ") && !range) || strstr(line, "asm ")) {
            fprintf(stderr, "%s: %s touches memory: %s", what, fn, line);
            problems++;
        }
    }
    fclose(f);
    unlink(path);
    return problems;
}

/* A call of def NAME with required parameters params[0..n): by the
 * parameter's name, else candidates tried in turn. */
static const char *guess(const char *param, int alt)
{
    static const char *const functions[] = {"anneal",      "shape",      "interpolate_type",
                                            "warmup_type", "decay_type", NULL};
    static const char *const lists[] = {"at",     "values", "milestones", "boundaries",
                                        "scales", "moms",   NULL};
    static const char *const flags[] = {"three_phase", "staircase", "warmup_prefix", NULL};
    static const char *const any[] = {"100",    "0.5",   "[100, 200]",
                                      "cosine", "false", "cosine(0.1 -> 0.01)"};
    if (alt) return alt <= 6 ? any[alt - 1] : NULL;
    for (int i = 0; functions[i]; i++)
        if (!strcmp(param, functions[i])) return "cosine";
    for (int i = 0; lists[i]; i++)
        if (!strcmp(param, lists[i])) return "[100, 200]";
    for (int i = 0; flags[i]; i++)
        if (!strcmp(param, flags[i])) return "false";
    if (!strcmp(param, "S")) return "cosine(0.1 -> 0.01)";
    return strstr(param, "lr") || strstr(param, "value") || strstr(param, "peak") ||
                   !strcmp(param, "from") || !strcmp(param, "to") || !strcmp(param, "lo") ||
                   !strcmp(param, "hi") || !strcmp(param, "v0") || !strcmp(param, "gamma")
               ? "0.5"
               : "100";
}

static lrs_program *call_def(lrs_context *ctx, const char *name, char params[][64], int n)
{
    int alt[8] = {0};
    for (int tries = 0; tries < 400; tries++) {
        char src[2048];
        int len = snprintf(src, sizeof src,
                           "param total = 1000\nparam steps_per_epoch = 10\n"
                           "schedule s = %s(",
                           name);
        for (int i = 0; i < n; i++)
            len += snprintf(src + len, sizeof src - (size_t)len, "%s%s", i ? ", " : "",
                            guess(params[i], alt[i]));
        snprintf(src + len, sizeof src - (size_t)len, ")\n");
        lrs_options o = {.no_check = 1};
        lrs_program *p = lrs_compile_string(ctx, "purity.lrs", src, strlen(src), &o, NULL);
        if (p) return p;
        /* A def that checks its arguments returns a boolean: a condition. */
        snprintf(src + len, sizeof src - (size_t)len, ") ? 1 : 0\n");
        p = lrs_compile_string(ctx, "purity.lrs", src, strlen(src), &o, NULL);
        if (p) return p;
        /* next combination of alternatives (an odometer over 0..6) */
        int i = 0;
        while (i < n && ++alt[i] > 6)
            alt[i++] = 0;
        if (i == n || n > 4) return NULL;
    }
    return NULL;
}

/* Every `def` of the standard library, called with guessed arguments,
 * lowered and optimised: its IR must call only math and touch no memory
 * but `out`. All of the core files must be covered; the compatibility
 * files mostly (their helpers take unusual arguments). */
static void test_purity_stdlib(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    DIR *dir = opendir(LRS_STDLIB_DIR);
    assert_non_null(dir);
    struct dirent *e;
    int defs = 0, covered = 0, problems = 0, core_missed = 0;
    while ((e = readdir(dir))) {
        size_t l = strlen(e->d_name);
        if (l < 5 || strcmp(e->d_name + l - 4, ".lrs")) continue;
        int core = strncmp(e->d_name, "compat_", 7) != 0;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", LRS_STDLIB_DIR, e->d_name);
        FILE *f = fopen(path, "r");
        assert_non_null(f);
        char line[4096];
        while (fgets(line, sizeof line, f)) {
            if (strncmp(line, "def ", 4)) continue;
            char name[128], params[8][64];
            int n = 0;
            if (sscanf(line + 4, "%127[A-Za-z0-9_](", name) != 1) continue;
            char *q = strchr(line, '(');
            /* required parameters: those before the first `=` inside (...) */
            for (q = q ? q + 1 : NULL; q && *q && *q != ')' && n < 8;) {
                while (*q == ' ')
                    q++;
                size_t k = strcspn(q, ",)= \n");
                if (!k) break;
                char *after = q + k;
                while (*after == ' ')
                    after++;
                if (*after == '=') break;
                snprintf(params[n++], 64, "%.*s", (int)k, q);
                q = after;
                if (*q == ',') q++;
            }
            defs++;
            lrs_program *p = call_def(ctx, name, params, n);
            if (!p) {
                fprintf(stderr, "purity: could not call %s (%s) with guessed arguments\n", name,
                        e->d_name);
                core_missed += core;
                continue;
            }
            covered++;
            problems += check_purity(p, name);
            lrs_program_free(p);
        }
        fclose(f);
    }
    closedir(dir);
    fprintf(stderr, "purity: %d of %d standard-library definitions checked\n", covered, defs);
    assert_int_equal(problems, 0);
    assert_int_equal(core_missed, 0);
    assert_true(covered * 10 >= defs * 9);
    lrs_context_free(ctx);
}

/* 50 schedules that each pick over the same 20-entry list (one IR table)
 * share its entries: once in the program's IR, once in the module as a
 * constant array; and the code each schedule reads has them once. */
static void test_tables_shared(void **state)
{
    (void)state;
    char src[8192], list[256] = "";
    for (int j = 0; j < 20; j++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%g", j ? ", " : "",
                 0.01 * (j + 1));
    size_t off = (size_t)snprintf(src, sizeof src, "param total = 1000\n");
    for (int i = 0; i < 50; i++)
        off += (size_t)snprintf(src + off, sizeof src - off,
                                "schedule s%d = pick([%s], step / %d)\n", i, list, i + 1);
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, src, 0);
    assert_non_null(p);
    assert_int_equal(p->ir.npool, 20);
    for (size_t i = 0; i < p->nsched; i++)
        assert_int_equal(p->sched[i].code.npool, 20);
    char path[] = "/tmp/lrs-tables-XXXXXX";
    FILE *f = emitted_ir(p, path);
    char line[16384];
    int arrays = 0;
    while (fgets(line, sizeof line, f))
        arrays += !strncmp(line, "@lrs.table", 10);
    fclose(f);
    unlink(path);
    assert_int_equal(arrays, 1);
    assert_true(lrs_interp_eval(p, 9, 35) == 0.04); /* s9: entry floor(35 / 10) */
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* Every IR op, in one program (tests/llvm/programs/every_op.lrs). */
static void test_purity_every_op(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = lrs_compile_file(ctx, LRS_PROGRAMS_DIR "/every_op.lrs", NULL, NULL);
    assert_non_null(p);
    assert_int_equal(check_purity(p, "every_op"), 0);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* ---- semantics at the edges ---------------------------------------------------- */

static void expect_same(lrs_program *p, const int64_t *steps, size_t n)
{
    for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
        lrs_fn fn = lrs_program_function(p, i);
        lrs_range_fn r = lrs_program_range_function(p, i);
        assert_non_null(fn);
        assert_non_null(r);
        for (size_t k = 0; k < n; k++) {
            double want = lrs_interp_eval(p, i, steps[k]), got = fn(steps[k]), one;
            r(steps[k], 1, &one);
            if (lrs_test_ulps(want, got) != 0 || lrs_test_ulps(want, one) != 0)
                fail_msg("%s at step %lld: interpreter %.17g, jit %.17g, range %.17g",
                         lrs_program_schedule_name(p, i), (long long)steps[k], want, got, one);
        }
    }
}

static void test_edges(void **state)
{
    (void)state;
    static const char src[] =
        "schedule nan_min = min(step - 5, 0 / (step - 3))\n" /* NaN at step 3 */
        "schedule nan_max = max(log(step - 4), 1)\n"         /* NaN below 4 */
        "schedule mod_neg = mod(step - 10, 3) + mod(step, -4)\n"
        "schedule rnd = round(step / 2 - 0.5) + round(-step / 2)\n"
        "schedule nz = noise(1, 1, seed = 3) + noise(1, 1, seed = -7)\n"
        "schedule sel = (log(step - 6) > 0 ? 1 : 2) + (!(step == 2) ? 10 : 20)\n"
        "schedule logic = (0 / (step - 1) < 1 || step > 5 ? 1 : 0) + (step != 0 / (step - 2) ? 2 : "
        "0)\n"
        "schedule big = step + 0.5 ^ step + step * step\n";
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, src, 1);
    assert_non_null(p);
    static const int64_t steps[] = {INT64_MIN,
                                    -12345,
                                    -1,
                                    0,
                                    1,
                                    2,
                                    3,
                                    4,
                                    5,
                                    6,
                                    7,
                                    10,
                                    11,
                                    12,
                                    1000001,
                                    (int64_t)1 << 53,
                                    ((int64_t)1 << 53) + 1,
                                    INT64_MAX - 1,
                                    INT64_MAX};
    expect_same(p, steps, sizeof steps / sizeof *steps);
    /* negative steps are step 0 */
    lrs_fn big = lrs_program_function(p, (size_t)lrs_program_find(p, "big"));
    assert_true(big(-1) == big(0) && big(INT64_MIN) == 1.0);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* The function of p's optimised LLVM IR whose definition names fn calls
 * none of calls[] (NULL-terminated). */
static void expect_no_call(const lrs_program *p, const char *fn, const char *const *calls)
{
    char path[] = "/tmp/lrs-calls-XXXXXX";
    FILE *f = emitted_ir(p, path);
    char line[8192];
    int in_fn = 0;
    while (fgets(line, sizeof line, f)) {
        if (!strncmp(line, "define ", 7)) in_fn = strstr(line, fn) != NULL;
        if (line[0] == '}') in_fn = 0;
        for (size_t k = 0; in_fn && calls[k]; k++)
            if (strstr(line, calls[k])) fail_msg("%s calls %s: %s", fn, calls[k], line);
    }
    fclose(f);
    unlink(path);
}

/* x ^ 2 is x * x (the IR's definition, not glibc's pow) in the
 * interpreter, the scalar and the range functions, with the exponent a
 * constant or 2 only at run time; and the constant square calls no pow. */
static void test_square(void **state)
{
    (void)state;
    static const char src[] = "schedule sq = (step / 7 + 0.1) ^ 2\n"
                              "schedule dyn = (step / 7 + 0.1) ^ (1 + min(step, 1))\n";
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, src, 1);
    assert_non_null(p);
    for (size_t i = 0; i < 2; i++) {
        lrs_fn fn = lrs_program_function(p, i);
        lrs_range_fn r = lrs_program_range_function(p, i);
        assert_non_null(fn);
        assert_non_null(r);
        double out[4096];
        r(0, 4096, out);
        for (int64_t s = 1; s < 4096; s++) {
            double x = (double)s / 7 + 0.1, want = x * x;
            if (lrs_interp_eval(p, i, s) != want || fn(s) != want || out[s] != want)
                fail_msg("%zu at step %lld: x*x %a, interpreter %a, jit %a, range %a", i,
                         (long long)s, want, lrs_interp_eval(p, i, s), fn(s), out[s]);
        }
    }
    static const char *const pow_calls[] = {"@pow", "_pow", NULL};
    expect_no_call(p, "@lrs_sq", pow_calls);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* restarts over a known span: the cycle is the k with start(k) <= step <
 * start(k + 1), start(k) = period (mult^k - 1) / (mult - 1) (the
 * language's definition), at each start and the step before it, in the
 * interpreter, the scalar and the range functions; and SGDR's code calls
 * no log or pow (its cycle, start, length and peak factor are constants
 * chosen by comparisons). */
static void test_restarts_cycles(void **state)
{
    (void)state;
    static const char src[] = "param total = 27370\n"
                              "schedule c = restarts(cycle, period = 3910, mult = 2)\n"
                              "schedule t = restarts(cycle, period = 1000, mult = 1.5)\n"
                              "schedule sgdr = restarts(cosine(0.1 * 0.5 ^ cycle -> 1e-4),"
                              " period = 3910, mult = 2)\n";
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, src, 0);
    assert_non_null(p);
    static const struct {
        const char *name;
        double period, mult;
    } cases[] = {{"c", 3910, 2}, {"t", 1000, 1.5}};
    for (size_t c = 0; c < 2; c++) {
        size_t i = (size_t)lrs_program_find(p, cases[c].name);
        lrs_fn fn = lrs_program_function(p, i);
        lrs_range_fn r = lrs_program_range_function(p, i);
        assert_non_null(fn);
        assert_non_null(r);
        for (int k = 1;; k++) {
            double m = cases[c].mult, start = cases[c].period * (pow(m, k) - 1) / (m - 1);
            int64_t s = (int64_t)ceil(start);
            if (s >= 27370) break;
            for (int64_t d = -1; d <= 0; d++) {
                double want = (double)s + (double)d >= start ? k : k - 1, one;
                r(s + d, 1, &one);
                if (lrs_interp_eval(p, i, s + d) != want || fn(s + d) != want || one != want)
                    fail_msg("%s at step %lld: cycle %g, interpreter %g, jit %g, range %g",
                             cases[c].name, (long long)(s + d), want, lrs_interp_eval(p, i, s + d),
                             fn(s + d), one);
            }
        }
    }
    static const char *const log_pow_calls[] = {"@pow", "@log", "_pow", "_log", NULL};
    expect_no_call(p, "@lrs_sgdr", log_pow_calls);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* Range functions hold a cycle index floor(step chain) constant over runs
 * of steps and take the pieces of comparisons of the step with constants:
 * the same values as the interpreter's at every step of windows that
 * start and end anywhere in a cycle (negative starts and saturation at
 * INT64_MAX included) — exactly where no vector math is involved, within
 * 4 ulp where libmvec's cos or pow is (a cycle of 3 steps is too short to
 * hold: its pow stays in the vector loop) — and step decay's range function calls
 * no vector pow (0.5 ^ cycle is computed once a run), nor do exponential
 * and exp_range (a constant base's pow is libmvec's exp with the error of
 * the exponent's product put back; 0.5 ^ (step * 1e306) is 1, then 0, and
 * 1.5 ^ (step / 10) overflows to infinity, as pow does). */
static void test_range_runs(void **state)
{
    (void)state;
    static const char src[] =
        "param total = 100_000\n"
        "schedule sd = step_decay(0.1, 0.5, 1000)\n"
        "schedule tri = torch_cyclic_triangular2(1e-4, 1e-2, 200)\n"
        "schedule clamp = 0.3 ^ floor(min(step, 5000) / 100 + 0.25)\n"
        "schedule fine = 0.9 ^ floor(step / 3)\n"
        "schedule phases = step < 333 ? 1 : step < 4000.5 ? 2 + step / 1e4 : 0.5\n"
        "schedule timm = timm_cosine(0.1, 1000, lr_min = 1e-5, cycle_decay = 0.5, "
        "cycle_limit = 3)\n"
        "schedule expo = exponential(0.1 -> 1e-4)\n"
        "schedule exprange = torch_cyclic_exp_range(1e-4, 1e-2, 200, gamma = 0.99994)\n"
        "schedule huge = 0.5 ^ (step * 1e306)\n"
        "schedule grow = min(1.5 ^ (step / 10), 0.05)\n";
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, src, 0);
    assert_non_null(p);
    static const int64_t firsts[] = {0,     -7,    1,      199,  999,   1000,
                                     4321,  49999, 333,    3999, 99990, INT64_MAX - 2000,
                                     -3000, 2,     100003, 4999, 12345, INT64_MAX - 5};
    static const int64_t counts[] = {5000, 1,  401,  3,    2001, 1000, 17,   2,    1,
                                     2,    30, 2000, 7000, 999,  64,   1001, 4003, 5};
    double out[7001], want[7001];
    for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
        lrs_range_fn r = lrs_program_range_function(p, i);
        assert_non_null(r);
        const char *name = lrs_program_schedule_name(p, i);
        /* libmvec's cos, pow, exp */
        int exact = strcmp(name, "timm") && strcmp(name, "fine") && strcmp(name, "expo") &&
                    strcmp(name, "exprange") && strcmp(name, "grow");
        for (size_t w = 0; w < sizeof firsts / sizeof *firsts; w++) {
            out[counts[w]] = -99;
            r(firsts[w], counts[w], out);
            assert_true(out[counts[w]] == -99);
            lrs_interp_range(p, i, firsts[w], counts[w], want);
            for (int64_t k = 0; k < counts[w]; k++)
                if (exact ? out[k] != want[k] : !lrs_test_close(want[k], out[k], 0.1, 4))
                    fail_msg("%s at step %lld: interpreter %a, range %a", name,
                             (long long)(firsts[w] + k), want[k], out[k]);
        }
    }
    static const char *const vector_pow[] = {"vv_pow", NULL};
    expect_no_call(p, "@lrs_sd_range", vector_pow);
    expect_no_call(p, "@lrs_expo_range", vector_pow);
    expect_no_call(p, "@lrs_exprange_range", vector_pow);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

static void test_range_contract(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, "schedule s = cos(step / 1000) + noise(1, 0.5)\n", 1);
    assert_non_null(p);
    lrs_range_fn r = lrs_program_range_function(p, 0);
    assert_non_null(r);
    double buf[1003];
    for (int i = 0; i < 1003; i++)
        buf[i] = -99;
    r(0, 0, buf);
    r(0, -5, buf);
    r(INT64_MAX, INT64_MIN, buf);
    assert_true(buf[0] == -99);
    r(-500, 1000, buf); /* odd lengths and a negative start: the remainder loop too */
    assert_true(buf[1000] == -99);
    double want[1000];
    lrs_interp_range(p, 0, -500, 1000, want);
    for (int i = 0; i < 1000; i++)
        assert_true(lrs_test_close(want[i], buf[i], 2.0, 4));
    /* saturation at INT64_MAX, as lrs_interp_range */
    r(INT64_MAX - 2, 7, buf);
    lrs_interp_range(p, 0, INT64_MAX - 2, 7, want);
    for (int i = 0; i < 7; i++)
        assert_true(lrs_test_close(want[i], buf[i], 2.0, 4));
    assert_true(buf[6] == buf[2]);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

static void test_errors_and_lifetimes(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, "schedule a = 1\nschedule b = step\n", 0);
    assert_non_null(p);
    assert_null(lrs_program_function(p, 2));
    assert_null(lrs_program_range_function(p, 99));
    assert_null(lrs_program_function(NULL, 0));
    assert_null(lrs_program_native_error(p));
    assert_non_null(lrs_program_function(p, 1));
    assert_null(lrs_program_native_error(p));
    /* emit errors are values: a bad path, prefix and CPU */
    char err[256];
    lrs_emit_options o = {LRS_EMIT_OBJECT, "/nonexistent/dir/x.o", NULL, NULL, NULL};
    assert_int_equal(lrs_program_emit(p, &o, err, sizeof err), LRS_EMIT_EIO);
    assert_non_null(strstr(err, "/nonexistent/dir/x.o"));
    o.path = "/tmp/lrs-never-written.o";
    o.prefix = "9bad";
    assert_int_equal(lrs_program_emit(p, &o, err, sizeof err), LRS_EMIT_EINVAL);
    o.prefix = NULL;
    o.cpu = "no-such-cpu";
    assert_int_equal(lrs_program_emit(p, &o, err, sizeof err), LRS_EMIT_EINVAL);
    o.kind = LRS_EMIT_SHARED;
    o.cpu = NULL;
    o.cc = "/nonexistent/cc";
    o.path = "/tmp/lrs-never-linked.so";
    assert_int_equal(lrs_program_emit(p, &o, err, sizeof err), LRS_EMIT_EINTERNAL);
    unlink("/tmp/lrs-never-linked.so");
    /* the loader rejects what is not ours */
    assert_null(lrs_aot_open("/nonexistent.so", err, sizeof err));
    assert_null(lrs_aot_open("/proc/self/exe", err, sizeof err)); /* an ELF file, not ours */
    assert_non_null(strstr(err, "no lrs descriptor"));
    /* a name without a slash is a path, not a search of the library path */
    assert_null(lrs_aot_open("libm.so.6", err, sizeof err));
    assert_non_null(strstr(err, "No such file"));
    /* many programs compiled and freed: their code is released */
    for (int i = 0; i < 50; i++) {
        char src[64];
        snprintf(src, sizeof src, "schedule s = %d + step\n", i);
        lrs_program *q = compile(ctx, src, 0);
        lrs_fn fn = lrs_program_function(q, 0);
        assert_true(fn(10) == 10 + i);
        lrs_program_free(q);
    }
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* ---- threads ------------------------------------------------------------------- */

typedef struct shared {
    lrs_context *ctx;
    lrs_program *common; /* compiled by every thread at once, on first use */
    int id, failures;
} shared;

static void *thread_main(void *arg)
{
    shared *s = arg;
    for (int i = 0; i < 6; i++) {
        char src[160];
        snprintf(src, sizeof src,
                 "param total = 1000\nschedule s = warmup_cosine(%de-4, 100) + noise(0.01, 0.5, "
                 "seed = %d)\n",
                 s->id + 1, i);
        lrs_program *p = compile(s->ctx, src, 0);
        lrs_fn fn = p ? lrs_program_function(p, 0) : NULL;
        lrs_range_fn r = p ? lrs_program_range_function(p, 0) : NULL;
        lrs_fn c = lrs_program_function(s->common, 0);
        if (!fn || !r || !c) {
            s->failures++;
        } else {
            double out[64];
            r(0, 64, out);
            for (int64_t k = 0; k < 64; k++)
                if (fn(k) != lrs_interp_eval(p, 0, k) || !lrs_test_close(fn(k), out[k], 1e-3, 4) ||
                    c(k * 17) != lrs_interp_eval(s->common, 0, k * 17))
                    s->failures++;
        }
        lrs_program_free(p);
    }
    return NULL;
}

/* Threads compile, call and free programs on one context, and race to
 * compile the same program on first use. */
static void test_threads(void **state)
{
    (void)state;
    enum { N = 4 };
    lrs_context *ctx = lrs_context_new();
    lrs_program *common =
        compile(ctx, "param total = 5000\nschedule s = onecycle(peak = 0.1)\n", 0);
    assert_non_null(common);
    shared s[N];
    pthread_t t[N];
    for (int i = 0; i < N; i++) {
        s[i] = (shared){ctx, common, i, 0};
        pthread_create(&t[i], NULL, thread_main, &s[i]);
    }
    int failures = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        failures += s[i].failures;
    }
    assert_int_equal(failures, 0);
    lrs_program_free(common);
    lrs_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_edges),           cmocka_unit_test(test_range_contract),
        cmocka_unit_test(test_restarts_cycles), cmocka_unit_test(test_errors_and_lifetimes),
        cmocka_unit_test(test_threads),         cmocka_unit_test(test_purity_every_op),
        cmocka_unit_test(test_tables_shared),   cmocka_unit_test(test_purity_stdlib),
        cmocka_unit_test(test_square),          cmocka_unit_test(test_range_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
