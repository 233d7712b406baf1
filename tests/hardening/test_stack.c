/* test_stack.c — the stack docs/limits.md promises is enough: on a thread
 * with exactly LRS_STACK bytes of stack, inputs at each depth limit of the
 * compiler (brackets, expression nesting, nested calls, the height of a
 * term after inlining, imports) go through every pass (parse, resolve,
 * elaborate, lower, check), the interpreter, the JIT and the emitters (C
 * header, LLVM IR, object code) and give the right values; one past each
 * limit is an error at the user's line and column that names the limit,
 * not a crash. Values are computed here from the programs' formulas. */
#include "lrs.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define LRS_STACK (512 * 1024) /* docs/limits.md */

static int failures;

static void fail(const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "FAIL %s: ", name);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    failures++;
}

/* A growing string. */
typedef struct text {
    char *s;
    size_t n, cap;
} text;

static void put(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->n;
        int k = vsnprintf(t->s ? t->s + t->n : NULL, t->s ? room : 0, fmt, ap);
        va_end(ap);
        if (k >= 0 && t->s && (size_t)k < room) {
            t->n += (size_t)k;
            return;
        }
        t->cap = t->cap * 2 + (size_t)k + 256;
        t->s = realloc(t->s, t->cap);
        if (!t->s) abort();
    }
}

typedef double (*formula)(int64_t step);

typedef struct job {
    const char *name;
    const char *path; /* a file to compile, else src */
    const char *src;
    formula expect;      /* NULL: an error is expected */
    const char *message; /* the expected error's message contains this */
    int line, column;    /* and it is at this line and column */
    int ok;
} job;

static const int64_t steps[] = {0, 1, 7, 1000, 123456789};

static void check_values(job *j, lrs_program *p)
{
    lrs_fn fn = lrs_program_function(p, 0);
    if (!fn) fail(j->name, "no JIT function: %s", lrs_program_native_error(p));
    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++) {
        double want = j->expect(steps[k]), got = lrs_interp_eval(p, 0, steps[k]);
        if (fabs(got - want) > 1e-12 * fabs(want))
            fail(j->name, "interpreter at %lld: %.17g, expected %.17g", (long long)steps[k], got,
                 want);
        if (fn && fabs(fn(steps[k]) - want) > 1e-12 * fabs(want))
            fail(j->name, "JIT at %lld: %.17g, expected %.17g", (long long)steps[k], fn(steps[k]),
                 want);
    }
    static const lrs_emit_kind kinds[] = {LRS_EMIT_HEADER, LRS_EMIT_LLVM, LRS_EMIT_OBJECT};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        char path[64], err[512];
        snprintf(path, sizeof path, "/tmp/lrs_stack_%d_%zu.out", (int)getpid(), k);
        lrs_emit_options o = {kinds[k], path, NULL, NULL, NULL};
        int rc = lrs_program_emit(p, &o, err, sizeof err);
        if (rc != LRS_EMIT_OK) fail(j->name, "emit kind %d: %d (%s)", (int)kinds[k], rc, err);
        unlink(path);
    }
}

static void *run(void *arg)
{
    job *j = arg;
    lrs_context *ctx = lrs_context_new();
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = j->path ? lrs_compile_file(ctx, j->path, NULL, d)
                             : lrs_compile_string(ctx, "deep.lrs", j->src, strlen(j->src), NULL, d);
    lrs_diag_info info = {0};
    int have = lrs_diags_count(d) > 0 && lrs_diags_get(d, 0, &info) == 0;
    if (j->expect) {
        if (!p)
            fail(j->name, "did not compile: %s", have ? info.message : "(no diagnostic)");
        else
            check_values(j, p);
    } else if (p) {
        fail(j->name, "compiled; expected an error about %s", j->message);
    } else if (!have || info.severity != LRS_SEV_ERROR || !strstr(info.message, j->message) ||
               info.line != j->line || info.column != j->column) {
        fail(j->name, "expected an error at %d:%d with \"%s\", got %d:%d \"%s\"", j->line,
             j->column, j->message, info.line, info.column, have ? info.message : "(none)");
    }
    lrs_program_free(p);
    lrs_diags_free(d);
    lrs_context_free(ctx);
    j->ok = 1;
    return NULL;
}

/* Runs the job on a thread with exactly LRS_STACK bytes of stack. */
static void on_small_stack(job *j)
{
    pthread_attr_t attr;
    pthread_t t;
    if (pthread_attr_init(&attr) || pthread_attr_setstacksize(&attr, LRS_STACK) ||
        pthread_create(&t, &attr, run, j) || pthread_join(t, NULL)) {
        fail(j->name, "cannot run a thread with a %d-byte stack", LRS_STACK);
        return;
    }
    pthread_attr_destroy(&attr);
    if (!j->ok) fail(j->name, "the thread did not finish");
    fprintf(stderr, "%s %s\n", j->ok ? "ran" : "FAILED", j->name);
}

/* ---- the programs, at each limit and one past it ---------------------- */

/* Every bracket, operator, call and list is one level of the same limit
 * (NESTING); a leaf is none. */
enum { NESTING = 256, CALLS = 128, HEIGHT = 1000, IMPORTS = 32 };

/* schedule lr = ((( ... (step) ... ))): n brackets, n levels. */
static char *brackets(int n)
{
    text t = {0};
    put(&t, "schedule lr = ");
    for (int i = 0; i < n; i++)
        put(&t, "(");
    put(&t, "step");
    for (int i = 0; i < n; i++)
        put(&t, ")");
    put(&t, "\n");
    return t.s;
}
static double step_value(int64_t s)
{
    return (double)s;
}

/* schedule lr = - - ... - step: n unary minuses (n even). */
static char *minuses(int n)
{
    text t = {0};
    put(&t, "schedule lr = ");
    for (int i = 0; i < n; i++)
        put(&t, "-");
    put(&t, "step");
    put(&t, "\n");
    return t.s;
}

/* schedule lr = (!!...!(step < 0)) ? 1 : 2: n - 4 negations (n even),
 * the brackets, `<` and `?:` the other 4 levels. */
static char *nots(int n)
{
    text t = {0};
    put(&t, "schedule lr = (");
    for (int i = 0; i < n - 4; i++)
        put(&t, "!");
    put(&t, "(step < 0)) ? 1 : 2\n");
    return t.s;
}
static double two_value(int64_t s)
{
    (void)s;
    return 2;
}

/* schedule lr = abs(abs(... abs(step) ...)): n nested calls. */
static char *abs_calls(int n)
{
    text t = {0};
    put(&t, "schedule lr = ");
    for (int i = 0; i < n; i++)
        put(&t, "abs(");
    put(&t, "step");
    for (int i = 0; i < n; i++)
        put(&t, ")");
    put(&t, "\n");
    return t.s;
}

/* schedule lr = pick(0, [[ ... [1] ... ]]): n - 1 lists in a call. */
static char *lists(int n)
{
    text t = {0};
    put(&t, "schedule lr = pick(0, ");
    for (int i = 0; i < n - 1; i++)
        put(&t, "[");
    put(&t, "1");
    for (int i = 0; i < n - 1; i++)
        put(&t, "]");
    put(&t, ")\n");
    return t.s;
}

/* schedule lr = 1 + 1 + ... + 1: n additions nest n levels (a sum
 * leans left). */
static char *sum(int n)
{
    text t = {0};
    put(&t, "schedule lr = 1");
    for (int i = 0; i < n; i++)
        put(&t, " + 1");
    put(&t, "\n");
    return t.s;
}
static double sum_value(int64_t s)
{
    (void)s;
    return NESTING + 1;
}

/* f0(x) = x + 1, f_i(x) = f_{i-1}(x) + 1: n nested calls. */
static char *calls(int n)
{
    text t = {0};
    put(&t, "def f0(x) = x + 1\n");
    for (int i = 1; i < n; i++)
        put(&t, "def f%d(x) = f%d(x) + 1\n", i, i - 1);
    put(&t, "schedule lr = f%d(step)\n", n - 1);
    return t.s;
}
static double calls_value(int64_t s)
{
    return (double)s + CALLS;
}

/* sqrt applied n - 1 times to step: a term n levels high, built by lets
 * (no nesting in the text). One past the limit, the error is at the last
 * let's sqrt (line n, column 12 for n = 1001). */
static char *height(int n)
{
    text t = {0};
    put(&t, "let a0 = sqrt(step)\n");
    for (int i = 1; i < n - 1; i++)
        put(&t, "let a%d = sqrt(a%d)\n", i, i - 1);
    put(&t, "schedule lr = a%d\n", n - 2);
    return t.s;
}
static double height_value(int64_t s)
{
    double v = (double)s;
    for (int i = 0; i < HEIGHT - 1; i++)
        v = sqrt(v);
    return v;
}

/* The same height from divisions: a0 = 1 / (step + 1) is 3 levels high
 * (with the leaf), each a_i = 1 / a_{i-1} one more. One past the limit,
 * the error is at the last let (line n - 2). */
static char *height_div(int n)
{
    text t = {0};
    put(&t, "let a0 = 1 / (step + 1)\n");
    for (int i = 1; i < n - 2; i++)
        put(&t, "let a%d = 1 / a%d\n", i, i - 1);
    put(&t, "schedule lr = a%d\n", n - 3);
    return t.s;
}
static double height_div_value(int64_t s)
{
    /* HEIGHT - 3 inversions of 1 / (s + 1), an odd number */
    return (double)s + 1;
}

/* dir/m0.lrs imports m1.lrs, ..., each m_i defines g_i(x) = g_{i+1}(x) + 1
 * and the last g_n(x) = x: n nested imports below the main file. */
static void imports(const char *dir, int n, char *main_path, size_t len)
{
    for (int i = 0; i <= n; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/m%d.lrs", dir, i);
        FILE *f = fopen(path, "w");
        if (!f) abort();
        if (i < n)
            fprintf(f, "import \"m%d.lrs\"\ndef g%d(x) = g%d(x) + 1\n", i + 1, i, i + 1);
        else
            fprintf(f, "def g%d(x) = x\n", i);
        if (i == 0) fprintf(f, "schedule lr = g0(step)\n");
        fclose(f);
    }
    snprintf(main_path, len, "%s/m0.lrs", dir);
}
static double imports_value(int64_t s)
{
    return (double)s + IMPORTS;
}

static void remove_imports(const char *dir, int n)
{
    for (int i = 0; i <= n; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/m%d.lrs", dir, i);
        unlink(path);
    }
}

int main(void)
{
    static const char deep[] = "expression nested too deeply (the limit is 256 levels)";
    char *src[17];
    job jobs[] = {
        {"brackets at the limit", NULL, src[0] = brackets(NESTING), step_value, NULL, 0, 0, 0},
        {"brackets past the limit", NULL, src[1] = brackets(NESTING + 1), NULL, deep, 1,
         14 + NESTING + 1, 0},
        {"nesting at the limit", NULL, src[2] = sum(NESTING), sum_value, NULL, 0, 0, 0},
        {"nesting past the limit", NULL, src[3] = sum(NESTING + 1), NULL, deep, 1, 15, 0},
        {"minuses at the limit", NULL, src[8] = minuses(NESTING), step_value, NULL, 0, 0, 0},
        {"minuses past the limit", NULL, src[9] = minuses(NESTING + 2), NULL, deep, 1, 16, 0},
        {"nots at the limit", NULL, src[10] = nots(NESTING), two_value, NULL, 0, 0, 0},
        {"nots past the limit", NULL, src[11] = nots(NESTING + 2), NULL, deep, 1, 15, 0},
        {"nested calls at the limit", NULL, src[12] = abs_calls(NESTING), step_value, NULL, 0, 0,
         0},
        {"nested calls past the limit", NULL, src[13] = abs_calls(NESTING + 1), NULL, deep, 1,
         14 + 4 * (NESTING + 1), 0},
        {"lists past the limit", NULL, src[14] = lists(NESTING + 1), NULL, deep, 1, 22 + NESTING,
         0},
        {"calls at the limit", NULL, src[4] = calls(CALLS), calls_value, NULL, 0, 0, 0},
        {"calls past the limit", NULL, src[5] = calls(CALLS + 1), NULL,
         "calls nested too deeply (more than 128)", 2, 13, 0},
        {"height at the limit", NULL, src[6] = height(HEIGHT), height_value, NULL, 0, 0, 0},
        {"height past the limit", NULL, src[7] = height(HEIGHT + 1), NULL,
         "expression too deep after inlining (more than 1000 levels)", HEIGHT, 12, 0},
        {"division height at the limit", NULL, src[15] = height_div(HEIGHT), height_div_value, NULL,
         0, 0, 0},
        {"division height past the limit", NULL, src[16] = height_div(HEIGHT + 1), NULL,
         "expression too deep after inlining (more than 1000 levels)", HEIGHT - 1, 12, 0},
    };
    for (size_t i = 0; i < sizeof jobs / sizeof *jobs; i++)
        on_small_stack(&jobs[i]);
    for (size_t i = 0; i < sizeof src / sizeof *src; i++)
        free(src[i]);

    char dir[] = "/tmp/lrs_stack_XXXXXX", path[300];
    if (!mkdtemp(dir)) {
        fail("imports", "no temporary directory");
        return 1;
    }
    imports(dir, IMPORTS, path, sizeof path);
    job at = {"imports at the limit", path, NULL, imports_value, NULL, 0, 0, 0};
    on_small_stack(&at);
    remove_imports(dir, IMPORTS);
    imports(dir, IMPORTS + 1, path, sizeof path);
    job past = {"imports past the limit",
                path,
                NULL,
                NULL,
                "imports nested too deeply (the limit is 32)",
                1,
                1,
                0};
    on_small_stack(&past);
    remove_imports(dir, IMPORTS + 1);
    rmdir(dir);
    return failures != 0;
}
