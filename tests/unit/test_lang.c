/* test_lang.c — the language end to end through the public API: values
 * of each construct against formulas written out here, and the
 * diagnostics of each pass. */
#include "test_util.h"

#include "lrs_parse.h"

#include <stdlib.h>
#include <unistd.h>

TEST_GROUP_CONTEXT

static double at(lrs_program *p, const char *name, int64_t step)
{
    int i = lrs_program_find(p, name);
    assert_true(i >= 0);
    return lrs_interp_eval(p, (size_t)i, step);
}

static void test_warmup_cosine(void **state)
{
    (void)state;
    lrs_program *p = ok("param total = 100_000\n"
                        "schedule lr = linear(0 -> 3e-4) for 2000 then cosine(3e-4 -> 3e-5)\n");
    for (int64_t s = 0; s <= 120000; s += 997) {
        double want;
        if (s < 2000)
            want = 3e-4 * (double)s / 2000;
        else {
            double prog = fmin((double)(s - 2000) / 98000, 1);
            want = 3e-5 + (3e-4 - 3e-5) * (1 + cos(M_PI * prog)) / 2;
        }
        assert_close(at(p, "lr", s), want, 1e-13);
    }
    assert_true(at(p, "lr", -5) == 0);
    assert_close(at(p, "lr", INT64_MAX), 3e-5, 1e-13);
    assert_true(lrs_program_schedule_span(p, 0) == 100000);
    assert_int_equal(lrs_program_next_boundary(p, 0, 0), 2000);
    assert_int_equal(lrs_program_next_boundary(p, 0, 2000), -1);
    lrs_program_free(p);
}

static void test_stretch_units_and_overrides(void **state)
{
    (void)state;
    const char *src =
        "param total = 50_000\nparam peak = 1e-3\nparam warm = 1000\n"
        "schedule lr = linear(0 -> peak) for warm then peak then linear(peak -> 0) for 10%\n";
    lrs_program *p = ok(src);
    assert_close(at(p, "lr", 500), 0.5e-3, 1e-15);
    assert_close(at(p, "lr", 44999), 1e-3, 1e-15);
    assert_close(at(p, "lr", 47500), 0.5e-3, 1e-12);
    assert_true(at(p, "lr", 50000) == 0);
    lrs_program_free(p);

    const char *defs[] = {"peak=2e-3", "warm = 2%", "total=10_000"};
    lrs_options o = {.defines = defs, .define_count = 3};
    lrs_diags *d = lrs_diags_new();
    p = lrs_compile_string(ctx, "t.lrs", src, strlen(src), &o, d);
    assert_non_null(p);
    assert_close(at(p, "lr", 100), 1e-3, 1e-15); /* warm = 200 steps */
    assert_close(at(p, "lr", 9500), 1e-3, 1e-12);
    assert_int_equal(lrs_program_param_count(p), 3);
    assert_string_equal(lrs_program_param_name(p, 1), "peak");
    assert_true(lrs_program_param_value(p, 1) == 2e-3);
    lrs_program_free(p);

    const char *bad_def[] = {"peek=1"};
    lrs_options o2 = {.defines = bad_def, .define_count = 1};
    p = lrs_compile_string(ctx, "t.lrs", src, strlen(src), &o2, d);
    assert_null(p);
    char *text = all_diags(d);
    assert_contains(text, "<-D>:1:1: error: no param 'peek' to set");
    assert_contains(text, "did you mean 'peak'?");
    lrs_diags_free(d);
}

static void test_epochs(void **state)
{
    (void)state;
    lrs_program *p =
        ok("param steps_per_epoch = 100\n"
           "schedule a = 0.1 for 30 epochs then 0.01 for 30 epochs then 0.001\n"
           "schedule b = multistep(0.1, gamma = 0.1, at = [30 epochs, 60 epochs])\n"
           "schedule c = sample(exponential(0.1 -> 0.0001) for 90 epochs, every = 30 epochs)\n");
    int64_t steps[] = {0, 2999, 3000, 5999, 6000, 8999, 100000};
    double want[] = {0.1, 0.1, 0.01, 0.01, 0.001, 0.001, 0.001};
    for (int i = 0; i < 7; i++) {
        assert_close(at(p, "a", steps[i]), want[i], 1e-15);
        assert_close(at(p, "b", steps[i]), want[i], 1e-15);
        if (steps[i] < 9000) assert_close(at(p, "c", steps[i]), want[i], 1e-14);
    }
    /* c has a span of 90 epochs; from its end on it holds the end value of
     * the decay it samples */
    assert_close(at(p, "c", 9000), 1e-4, 1e-14);
    assert_close(at(p, "c", 100000), 1e-4, 1e-14);
    lrs_program_free(p);
}

/* SGDR with mult 2: cycle i starts at period (2^i - 1) exactly. */
static void test_restarts_boundaries(void **state)
{
    (void)state;
    lrs_program *p = ok("schedule lr = restarts(cosine(0.5 ^ cycle -> 0), period = 3, mult = 2)\n"
                        "schedule lin = restarts(linear(0 -> 1), period = 7)\n"
                        "schedule lim = restarts(linear(0 -> 1), period = 10, limit = 2)\n");
    for (int i = 0; i < 50; i++) {
        int64_t start = 3 * (((int64_t)1 << i) - 1);
        assert_close(at(p, "lr", start), pow(0.5, i), 1e-15);
        if (i > 0) {
            /* the step before a start is the end of the previous cycle */
            double len = 3.0 * pow(2, i - 1);
            double prog = (len - 1) / len;
            assert_close(at(p, "lr", start - 1), pow(0.5, i - 1) * (1 + cos(M_PI * prog)) / 2,
                         1e-9);
        }
    }
    assert_close(at(p, "lin", 7 * 1000 + 3), 3.0 / 7, 1e-15);
    assert_close(at(p, "lim", 15), 0.5, 1e-15);
    assert_close(at(p, "lim", 19), 0.9, 1e-15);
    assert_true(at(p, "lim", 20) == 1); /* past the limit: the last cycle's end */
    assert_true(at(p, "lim", 1000000) == 1);
    /* cycle starts are boundaries: 3, 9, 21, ... for period 3, mult 2 */
    int64_t b = lrs_program_next_boundary(p, 0, 0);
    assert_int_equal(b, 3);
    assert_int_equal(lrs_program_next_boundary(p, 0, b), 9);
    assert_int_equal(lrs_program_next_boundary(p, 0, 9), 21);
    assert_int_equal(lrs_program_next_boundary(p, 2, 0), 10);
    assert_int_equal(lrs_program_next_boundary(p, 2, 10), -1); /* limit 2: no third start */
    lrs_program_free(p);
}

static void test_forms(void **state)
{
    (void)state;
    lrs_program *p = ok("param total = 100\n"
                        "schedule s = sample(linear(0 -> 1), every = 10)\n"
                        "schedule a = at(linear(0 -> 1), 100 - step)\n"
                        "schedule pk = pick([1, 2, 3], index([10, 20], step))\n"
                        "schedule n = noise(1, 0.1, seed = 3)\n"
                        "schedule r5 = rex(1 -> 0)\n"
                        "schedule r9 = rex(1 -> 0, d = 0.9)\n"
                        "schedule c = step < 50 && step >= 10 ? 2 : 1\n"
                        "schedule m = mod(step, 7) + clamp(step, 3, 5) + max(1, min(2, 3))\n");
    assert_close(at(p, "s", 19), 0.1, 1e-15);
    assert_close(at(p, "a", 30), 0.7, 1e-15);
    assert_true(at(p, "pk", 9) == 1 && at(p, "pk", 10) == 2 && at(p, "pk", 25) == 3);
    double n1 = at(p, "n", 42);
    assert_true(n1 == at(p, "n", 42) && n1 >= 0.9 && n1 <= 1.1 && n1 != at(p, "n", 43));
    for (int s = 0; s <= 100; s += 7) {
        double z = 1 - s / 100.0;
        assert_close(at(p, "r5", s) + 1e-300, z / (0.5 + 0.5 * z) + 1e-300, 1e-14);
        assert_close(at(p, "r9", s) + 1e-300, z / (0.1 + 0.9 * z) + 1e-300, 1e-14);
    }
    assert_true(at(p, "c", 9) == 1 && at(p, "c", 10) == 2 && at(p, "c", 50) == 1);
    assert_true(at(p, "m", 9) == 2 + 5 + 2);
    lrs_program_free(p);
}

static void test_onecycle_and_wsd(void **state)
{
    (void)state;
    lrs_program *p = ok("param total = 1000\n"
                        "schedule lr = onecycle(peak = 0.1)\n"
                        "schedule mom = onecycle_momentum()\n"
                        "schedule three = onecycle(0.1, three_phase = true, anneal = linear)\n"
                        "schedule w = wsd(1, warm = 100, decay = 20%, shape = one_minus_sqrt)\n");
    assert_close(at(p, "lr", 0), 0.004, 1e-15);
    assert_close(at(p, "lr", 300), 0.1, 1e-15);
    double prog = 350.0 / 700;
    assert_close(at(p, "lr", 650), 4e-7 + (0.1 - 4e-7) * (1 + cos(M_PI * prog)) / 2, 1e-13);
    assert_close(at(p, "mom", 300), 0.85, 1e-15);
    assert_close(at(p, "three", 450), 0.1 - (0.1 - 0.004) * 0.5, 1e-14);
    assert_close(at(p, "w", 800), 1, 1e-15);
    assert_close(at(p, "w", 900), 1 - sqrt(0.5), 1e-14);
    lrs_program_free(p);
}

static void test_imports(void **state)
{
    (void)state;
    char dir[] = "/tmp/lrs_test_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/lib.lrs", dir);
    FILE *f = fopen(path, "w");
    fputs("def half(x) = x / 2\nlet base = 0.4\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/main.lrs", dir);
    f = fopen(path, "w");
    fputs("import \"lib.lrs\" as m\nimport \"lib.lrs\"\nschedule a = m.half(m.base) + half(base)\n",
          f);
    fclose(f);
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = lrs_compile_file(ctx, path, NULL, d);
    assert_non_null(p);
    assert_close(at(p, "a", 0), 0.4, 1e-15);
    lrs_program_free(p);

    /* units in an imported function use the program's params */
    snprintf(path, sizeof path, "%s/units.lrs", dir);
    f = fopen(path, "w");
    fputs("def ep(n) = 1 for n epochs then 2\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/umain.lrs", dir);
    f = fopen(path, "w");
    fputs("import \"units.lrs\"\nparam steps_per_epoch = 10\nschedule a = ep(3)\n", f);
    fclose(f);
    p = lrs_compile_file(ctx, path, NULL, d);
    assert_non_null(p);
    assert_true(at(p, "a", 29) == 1 && at(p, "a", 30) == 2);
    lrs_program_free(p);
    lrs_diags_clear(d);

    snprintf(path, sizeof path, "%s/c1.lrs", dir);
    f = fopen(path, "w");
    fputs("import \"c2.lrs\"\nschedule a = 1\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/c2.lrs", dir);
    f = fopen(path, "w");
    fputs("import \"c1.lrs\"\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/c1.lrs", dir);
    assert_null(lrs_compile_file(ctx, path, NULL, d));
    assert_contains(all_diags(d), "import cycle:");
    lrs_diags_clear(d);
    assert_null(lrs_compile_file(ctx, "/nonexistent/x.lrs", NULL, d));
    assert_contains(all_diags(d), "/nonexistent/x.lrs: error: cannot read the file");
    lrs_diags_free(d);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_diagnostics(void **state)
{
    (void)state;
    char *t = bad("param total = 10\nschedule lr = cosin(0.1 -> 0)\n");
    assert_contains(t, "test.lrs:2:15: error: unknown name 'cosin'\n 2 | schedule lr = cosin(0.1 "
                       "-> 0)\n   |               ^~~~~\nhelp: did you mean 'cosine'?");
    t = bad("schedule lr = linear(0)\n");
    assert_contains(t, "missing argument 'to' in call to 'linear'");
    t = bad("schedule lr = linear(0, 1, 2, 3)\n");
    assert_contains(t, "too many arguments: 'linear' takes 3");
    t = bad("def a(x) = b(x)\ndef b(x) = a(x)\nschedule s = a(1)\n");
    assert_contains(t, "'a' is defined in terms of itself: 'a' -> 'b' -> 'a'");
    t = bad("schedule s = 1 for 10%\n");
    assert_contains(t, "`%` needs `param total`");
    t = bad("schedule s = 1 for 3 epochs\n");
    assert_contains(t, "`epochs` needs `param steps_per_epoch`");
    t = bad("schedule s = 1 / (2 - 2)\n");
    assert_contains(t, "test.lrs:1:19: error: division by zero");
    t = bad("schedule s = 1 for -5\n");
    assert_contains(t, "duration is negative");
    t = bad("param total = 100\nschedule s = 1 for 50 then 2 then 3 for 50\n");
    assert_contains(t, "nothing is left for this segment to fill");
    t = bad("schedule s = 1 then 2 for 10\n");
    assert_contains(t, "only the last segment may stretch");
    t = bad("param total = 100\nschedule s = linear(1 -> -1)\n");
    assert_contains(t, "schedule 's' is negative at step");
    t = bad("schedule s = log(step - 10)\n");
    assert_contains(t, "schedule 's' is not a number (NaN) at step");
    t = bad("param p = step\nschedule s = p\n");
    assert_contains(t, "param 'p' must be a compile-time constant");
    t = bad("schedule s = cosine(true -> 0)\n");
    assert_contains(t, "note: it is passed as 'from' to 'cosine'");
    t = bad("schedule double = 1\n");
    assert_contains(t, "schedule name 'double' is reserved in C");
    t = bad("def f(g) = g(g)\nschedule s = f(f)\n");
    assert_contains(t, "calls nested too deeply");
    t = bad("schedule s = restarts(1, period = 10, mult = 0.5)\n");
    assert_contains(t, "a finite limit is needed");
}

static size_t occurrences(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

/* Errors inside library code are reported at the user's call, with a note
 * into the library, and a diagnostic is never printed twice. */
static void test_library_errors(void **state)
{
    (void)state;
    char *t =
        bad("param total = 1000\nlet w = wsd(0.1, 600, 600)\nschedule a = w\nschedule b = w\n");
    assert_contains(t, "test.lrs:2:9: error: nothing is left for this segment to fill");
    assert_contains(t, "<stdlib>/recipes.lrs:");
    assert_contains(t, ": note: in the standard library's 'wsd', here");
    assert_int_equal(occurrences(t, "nothing is left"), 1);
    /* The user's own chain: at the segment, not at the param's value. */
    t = bad("param total = 10\nparam p = 0.5\nschedule a = 1 for 10 then p\n");
    assert_contains(t, "test.lrs:3:28: error: nothing is left for this segment to fill");
    assert_int_equal(occurrences(t, "<stdlib>"), 0);
}

static int calls;
static void count_cb(void *user, const lrs_diags *d, size_t i)
{
    (void)user;
    lrs_diag_info info;
    assert_int_equal(lrs_diags_get(d, i, &info), 0);
    calls++;
}

static void test_warnings_and_callback(void **state)
{
    (void)state;
    lrs_diags *d = lrs_diags_new();
    lrs_diags_set_callback(d, count_cb, NULL);
    calls = 0;
    const char *src = "def cosine(a, b) = a\nschedule s = 0.1 for 30 then 0.01\n";
    lrs_program *p = compile_src(ctx, src, d);
    assert_non_null(p);
    assert_int_equal(lrs_diags_warning_count(d), 2);
    assert_int_equal(calls, 2);
    char *t = all_diags(d);
    assert_contains(t, "warning: 'cosine' shadows the standard library's 'cosine'");
    assert_contains(t,
                    "test.lrs:2:25: warning: the value jumps from 0.1 to 0.01 at step 30 (by 90%)");
    lrs_diag_info info;
    assert_int_equal(lrs_diags_get(d, 1, &info), 0);
    assert_int_equal(info.severity, LRS_SEV_WARNING);
    assert_int_equal(info.line, 2);
    assert_int_equal(info.column, 25);
    assert_string_equal(info.file, "test.lrs");
    assert_int_equal(lrs_diags_get(d, 99, &info), -1);
    lrs_schedule_info si;
    assert_int_equal(lrs_program_schedule_info(p, 0, &si), 0);
    assert_true(si.start == 0.1 && si.end == 0.01 && si.min == 0.01 && si.max == 0.1);
    assert_true(isinf(si.span));
    lrs_program_free(p);
    lrs_diags_free(d);
}

/* lrs_options.allow_jumps silences every jump warning, jump(S) the one
 * where S begins; neither changes a value or a boundary. */
static void test_intended_jumps(void **state)
{
    (void)state;
    const char *plain = "schedule s = 0.1 for 30 then 0.01 for 30 then 0.001\n";
    const char *marked = "schedule s = 0.1 for 30 then jump(0.01) for 30 then 0.001\n";
    const struct {
        const char *src;
        int allow;
        size_t warnings;
    } cases[] = {{plain, 0, 2}, {plain, 1, 0}, {marked, 0, 1}, {marked, 1, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        lrs_options o = {.allow_jumps = cases[i].allow};
        lrs_diags *d = lrs_diags_new();
        lrs_program *p =
            lrs_compile_string(ctx, "t.lrs", cases[i].src, strlen(cases[i].src), &o, d);
        assert_non_null(p);
        assert_int_equal(lrs_diags_warning_count(d), cases[i].warnings);
        if (cases[i].warnings == 1)
            assert_contains(all_diags(d),
                            "t.lrs:1:48: warning: the value jumps from 0.01 to 0.001");
        assert_true(at(p, "s", 29) == 0.1 && at(p, "s", 30) == 0.01);
        assert_true(at(p, "s", 59) == 0.01 && at(p, "s", 60) == 0.001);
        assert_int_equal(lrs_program_next_boundary(p, 0, 0), 30);
        assert_int_equal(lrs_program_next_boundary(p, 0, 30), 60);
        lrs_program_free(p);
        lrs_diags_free(d);
    }
}

/* The summary's extremes are exact where they can be confirmed: OneCycleLR's
 * peak is max_lr itself, at PyTorch's step pct_start * total_steps - 1 = 299
 * (samples alone found 0.0952); noise's are labelled estimates. */
static void test_exact_extremes(void **state)
{
    (void)state;
    lrs_program *p = ok("schedule oc = torch_onecycle(0.1, 1000)\n"
                        "schedule n = noise(0.1, 0.5)\n");
    lrs_schedule_info si;
    assert_int_equal(lrs_program_schedule_info(p, 0, &si), 0);
    assert_true(si.exact && si.proved);
    assert_true(si.max == 0.1 && si.max == lrs_interp_eval(p, 0, 299));
    assert_true(si.min == 0.1 / 25 / 1e4);
    assert_int_equal(lrs_program_schedule_info(p, 1, &si), 0);
    assert_true(!si.exact && si.proved);
    lrs_program_free(p);
}

static void test_null_safety(void **state)
{
    (void)state;
    assert_null(lrs_compile_string(NULL, "x", "", 0, NULL, NULL));
    assert_null(lrs_compile_file(ctx, NULL, NULL, NULL));
    assert_int_equal(lrs_program_schedule_count(NULL), 0);
    assert_true(isnan(lrs_interp_eval(NULL, 0, 0)));
    assert_int_equal(lrs_program_find(NULL, "x"), -1);
    lrs_program *p = compile_src(ctx, "", NULL); /* an empty program is fine */
    assert_non_null(p);
    assert_int_equal(lrs_program_schedule_count(p), 0);
    assert_true(isnan(lrs_interp_eval(p, 3, 0)));
    lrs_program_free(p);
}

/* The embedded library's files (stdlib/embed.cmake). */
struct lrs_stdlib_file {
    const char *name;
    const char *text;
    size_t len;
};
extern const struct lrs_stdlib_file lrs_stdlib_files[];
/* Its index of definitions (stdlib/embed.cmake). */
struct lrs_stdlib_def {
    const char *name;
    uint32_t file, start, end;
};
extern const struct lrs_stdlib_def lrs_stdlib_defs[];

/* A context's first compilation parses only the library definitions whose
 * names it uses, finding them by an index of the library's declarations;
 * the second uses the whole library, parsed once. Every declaration that a
 * parse of the library's files finds is found by both: a user's let of
 * the same name is warned about, with a note into the right file. */
static void test_library_on_demand(void **state)
{
    (void)state;
    lrs_arena arena;
    lrs_arena_init(&arena, 0);
    lrs_sources src = {.arena = &arena};
    lrs_diags *pd = lrs_diags_new();
    lrs_sink sink = {.out = pd, .src = &src};
    size_t checked = 0;
    for (const struct lrs_stdlib_file *f = lrs_stdlib_files; f->name; f++) {
        lrs_vec decls = {0};
        uint32_t id = lrs_src_add(&src, f->name, NULL, f->text, f->len);
        assert_int_equal(lrs_parse_file(&arena, &sink, id, &decls), 0);
        for (size_t i = 0; i < decls.n; i++) {
            const lrs_decl *d = decls.items[i];
            if (!d->name) continue;
            char prog[256], warn[256], note[256];
            snprintf(prog, sizeof prog, "let %s = 1\nschedule lr = 0.1\n", d->name);
            snprintf(warn, sizeof warn, "warning: '%s' shadows the standard library's '%s'",
                     d->name, d->name);
            snprintf(note, sizeof note, "%s:", f->name);
            lrs_context *fresh = lrs_context_new();
            char *first = NULL;
            for (int round = 0; round < 2; round++) { /* on demand, then the whole library */
                lrs_diags *dg = lrs_diags_new();
                lrs_program *p = compile_src(fresh, prog, dg);
                assert_non_null(p);
                char *t = all_diags(dg);
                assert_contains(t, warn);
                assert_contains(t, note);
                /* The definition parsed alone has the spans of the full
                 * parse: the note's line, column and quoted line agree. */
                if (!round)
                    first = strdup(t);
                else
                    assert_string_equal(t, first);
                lrs_program_free(p);
                lrs_diags_free(dg);
            }
            free(first);
            lrs_context_free(fresh);
            checked++;
        }
    }
    assert_true(checked > 100);
    /* ... and the index lists nothing else: one entry per declaration. */
    size_t indexed = 0;
    while (lrs_stdlib_defs[indexed].name)
        indexed++;
    assert_int_equal(indexed, checked);
    /* A name the library does not declare is not warned about, and a
     * program that uses files which use others computes the same values
     * on demand as with the whole library. */
    lrs_context *fresh = lrs_context_new();
    const char *prog = "param total = 10_000\n"
                       "let not_in_the_library = 1\n"
                       "schedule lr = torch_onecycle(0.1, 10_000, three_phase = true)\n";
    double v[2][4];
    for (int round = 0; round < 2; round++) {
        lrs_diags *dg = lrs_diags_new();
        lrs_program *p = compile_src(fresh, prog, dg);
        assert_non_null(p);
        assert_int_equal(occurrences(all_diags(dg), "shadows"), 0);
        for (int k = 0; k < 4; k++)
            v[round][k] = lrs_interp_eval(p, 0, k * 3333);
        lrs_program_free(p);
        lrs_diags_free(dg);
    }
    for (int k = 0; k < 4; k++)
        assert_true(v[0][k] == v[1][k] && v[0][k] > 0);
    lrs_context_free(fresh);
    lrs_diags_free(pd);
    lrs_arena_free(&arena);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_warmup_cosine),
        cmocka_unit_test(test_stretch_units_and_overrides),
        cmocka_unit_test(test_epochs),
        cmocka_unit_test(test_restarts_boundaries),
        cmocka_unit_test(test_forms),
        cmocka_unit_test(test_onecycle_and_wsd),
        cmocka_unit_test(test_imports),
        cmocka_unit_test(test_diagnostics),
        cmocka_unit_test(test_library_errors),
        cmocka_unit_test(test_warnings_and_callback),
        cmocka_unit_test(test_exact_extremes),
        cmocka_unit_test(test_null_safety),
        cmocka_unit_test(test_library_on_demand),
        cmocka_unit_test(test_intended_jumps),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
