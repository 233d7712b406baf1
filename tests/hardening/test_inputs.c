/* test_inputs.c — sources and imports as an attacker would write them: a
 * byte-order mark, FIFOs and directories where a file belongs, imports
 * that leave the project (absolute, `..`, a symbolic link), a megabyte
 * line full of errors, binary files, floods of warnings, and NULL entries
 * in the options. Every case ends in a result or a bounded, clear error. */
#include "lrs.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static char dir[] = "/tmp/lrs-inputs-test-XXXXXX";
static lrs_context *ctx;

static const char *at(const char *name)
{
    static char buf[8][512];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", dir, name);
    return b;
}

static void put(const char *name, const char *text)
{
    FILE *f = fopen(at(name), "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* All diagnostics of d, rendered, in one malloc'd string. */
static char *render(const lrs_diags *d)
{
    size_t n = 0;
    char *all = calloc(1, 1);
    for (size_t i = 0; i < lrs_diags_count(d); i++) {
        char *t = lrs_diags_format(d, i, 0);
        size_t k = strlen(t);
        all = realloc(all, n + k + 1);
        memcpy(all + n, t, k + 1);
        n += k;
        lrs_free(t);
    }
    return all;
}

/* Compile file `name` of the test directory; returns the rendered
 * diagnostics (malloc'd) and whether it compiled. */
static char *compile_file(const char *name, const lrs_options *o, int *ok)
{
    lrs_diags *d = lrs_diags_new();
    alarm(20); /* a blocked open would hang: SIGALRM fails the test */
    lrs_program *p = lrs_compile_file(ctx, at(name), o, d);
    alarm(0);
    *ok = p != NULL;
    lrs_program_free(p);
    char *t = render(d);
    lrs_diags_free(d);
    return t;
}

static void test_bom(void **state)
{
    (void)state;
    put("bom.lrs", "\xef\xbb\xbfparam total = 10\nschedule lr = 0.1\n");
    int ok;
    char *t = compile_file("bom.lrs", NULL, &ok);
    assert_true(ok);
    free(t);
    /* columns count from after the mark */
    put("bom_err.lrs", "\xef\xbb\xbfschedule lr = nope\n");
    t = compile_file("bom_err.lrs", NULL, &ok);
    assert_false(ok);
    assert_non_null(strstr(t, "bom_err.lrs:1:15:"));
    free(t);
    /* a mark elsewhere is still an error */
    put("bom_mid.lrs", "schedule lr = 1\n\xef\xbb\xbfschedule b = 2\n");
    t = compile_file("bom_mid.lrs", NULL, &ok);
    assert_false(ok);
    free(t);
}

static void test_not_regular(void **state)
{
    (void)state;
    assert_int_equal(mkfifo(at("fifo.lrs"), 0600), 0);
    int ok;
    char *t = compile_file("fifo.lrs", NULL, &ok);
    assert_false(ok);
    assert_non_null(strstr(t, "not a regular file"));
    free(t);
    put("imports_fifo.lrs", "import \"fifo.lrs\"\nschedule lr = 1\n");
    t = compile_file("imports_fifo.lrs", NULL, &ok);
    assert_false(ok);
    assert_non_null(strstr(t, "imports_fifo.lrs:1:8: error: cannot read \"fifo.lrs\": it is not a "
                              "regular file"));
    free(t);
    assert_int_equal(mkdir(at("sub"), 0700), 0);
    put("imports_dir.lrs", "import \"sub\"\nschedule lr = 1\n");
    t = compile_file("imports_dir.lrs", NULL, &ok);
    assert_false(ok);
    assert_non_null(strstr(t, "not a regular file"));
    free(t);
    t = compile_file("sub", NULL, &ok);
    assert_false(ok);
    assert_non_null(strstr(t, "not a regular file"));
    free(t);
}

static void test_import_confinement(void **state)
{
    (void)state;
    int ok;
    mkdir(at("sub"), 0700);
    assert_int_equal(mkdir(at("proj"), 0700), 0);
    assert_int_equal(mkdir(at("proj/lib"), 0700), 0);
    put("secret.lrs", "param key = 12345\n");
    put("sub/shared.lrs", "param peak = 0.5\n");
    put("proj/lib/m.lrs", "param peak = 0.1\n");
    /* below the importing file's directory: fine */
    put("proj/ok.lrs", "import \"lib/m.lrs\" as m\nschedule lr = m.peak\n");
    char *t = compile_file("proj/ok.lrs", NULL, &ok);
    if (!ok) fail_msg("%s", t);
    free(t);
    /* absolute, `..`, and a symbolic link that leads out: refused */
    const char *bad[] = {"import \"../secret.lrs\" as s\nschedule lr = s.key\n",
                         "import \"lib/../../secret.lrs\" as s\nschedule lr = s.key\n",
                         "import \"/etc/passwd\" as s\nschedule lr = 1\n",
                         "import \"/proc/self/environ\" as s\nschedule lr = 1\n",
                         "import \"link.lrs\" as s\nschedule lr = s.key\n"};
    char target[600];
    snprintf(target, sizeof target, "%s/secret.lrs", dir);
    assert_int_equal(symlink(target, at("proj/link.lrs")), 0);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        put("proj/bad.lrs", bad[i]);
        t = compile_file("proj/bad.lrs", NULL, &ok);
        assert_false(ok);
        if (!strstr(t, "is outside the directories imports may read") || !strstr(t, "-I DIR") ||
            strstr(t, "root:"))
            fail_msg("case %zu: %s", i, t);
        free(t);
    }
    /* an include directory lets the same imports in */
    const char *const dirs[] = {dir};
    lrs_options o = {.include_dirs = dirs, .include_dir_count = 1};
    put("proj/bad.lrs", bad[0]);
    t = compile_file("proj/bad.lrs", &o, &ok);
    if (!ok) fail_msg("%s", t);
    free(t);
    put("proj/viaI.lrs", "import \"sub/shared.lrs\" as s\nschedule lr = s.peak\n");
    t = compile_file("proj/viaI.lrs", &o, &ok);
    if (!ok) fail_msg("%s", t);
    free(t);
    t = compile_file("proj/viaI.lrs", NULL, &ok);
    assert_false(ok);
    free(t);
}

/* A 1 MiB line with errors far along it: each diagnostic quotes a short
 * excerpt around its column (the caret still under the problem), and the
 * count is capped with a line saying how many more there were. */
static void test_long_line_and_caps(void **state)
{
    (void)state;
    size_t n = (1 << 20) - 2; /* the largest source: 1 MiB with its newline */
    char *src = malloc(n + 64);
    strcpy(src, "schedule lr = 1");
    size_t len = strlen(src);
    memset(src + len, ' ', n - len);
    for (size_t k = 1; k <= 20; k++)
        src[k * (n / 21)] = '$';
    len = n;
    strcpy(src + len, "\n");
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = lrs_compile_string(ctx, "long.lrs", src, strlen(src), NULL, d);
    assert_null(p);
    char *t = render(d);
    assert_true(lrs_diags_count(d) >= 1);
    assert_true(strlen(t) < 16 * 1024);
    lrs_diag_info info;
    assert_int_equal(lrs_diags_get(d, 0, &info), 0);
    assert_true(info.column > 30000);
    assert_true(strlen(info.source_line) <= 160 + 6);
    assert_int_equal(strncmp(info.source_line, "...", 3), 0);
    /* the caret sits under the `$` of the excerpt */
    char *first = lrs_diags_format(d, 0, 0);
    char *l2 = strchr(first, '\n') + 1, *l3 = strchr(l2, '\n') + 1;
    char *dollar = strchr(l2, '$'), *caret = strchr(l3, '^');
    assert_non_null(dollar);
    assert_non_null(caret);
    assert_int_equal(dollar - l2, caret - l3);
    lrs_free(first);
    free(t);
    lrs_diags_free(d);
    /* past 20 errors: one line that counts the rest */
    len = 0;
    for (int i = 0; i < 60; i++)
        len += (size_t)sprintf(src + len, "schedule s%d = $\n", i);
    d = lrs_diags_new();
    assert_null(lrs_compile_string(ctx, "many.lrs", src, len, NULL, d));
    assert_int_equal(lrs_diags_error_count(d), 21);
    t = render(d);
    assert_non_null(strstr(t, "too many errors:"));
    assert_non_null(strstr(t, "more not shown"));
    free(t);
    lrs_diags_free(d);
    free(src);
}

static void test_binary_quotes(void **state)
{
    (void)state;
    char bin[4096];
    for (size_t i = 0; i < sizeof bin; i++)
        bin[i] = (char)(i * 7 % 251 + 1);
    memcpy(bin, "SECRET_TOKEN=abcdefghijklmnopqrstuvwxyz0123456789", 49);
    bin[60] = 0;
    lrs_diags *d = lrs_diags_new();
    assert_null(lrs_compile_string(ctx, "bin", bin, sizeof bin, NULL, d));
    for (size_t i = 0; i < lrs_diags_count(d); i++) {
        lrs_diag_info info;
        assert_int_equal(lrs_diags_get(d, i, &info), 0);
        if (info.source_line) assert_true(strlen(info.source_line) <= 16 + 6);
    }
    char *t = render(d);
    assert_null(strstr(t, "abcdefghijklmnopqrstuvwxyz"));
    free(t);
    lrs_diags_free(d);
}

/* Warnings are capped too (100), with a count of the rest. */
static void test_warning_cap(void **state)
{
    (void)state;
    char *src = malloc(1 << 16);
    size_t len = (size_t)sprintf(src, "schedule lr = 1 for 10");
    for (int i = 0; i < 150; i++)
        len += (size_t)sprintf(src + len, " then %s for 10", i % 2 ? "1" : "0.1");
    strcpy(src + len, "\n");
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = lrs_compile_string(ctx, "warn.lrs", src, strlen(src), NULL, d);
    assert_non_null(p);
    assert_int_equal(lrs_diags_warning_count(d), 101);
    char *t = render(d);
    assert_non_null(strstr(t, "too many warnings: 50 more not shown"));
    free(t);
    lrs_program_free(p);
    lrs_diags_free(d);
    free(src);
}

static void test_null_options(void **state)
{
    (void)state;
    const char *defs[] = {"a=1", NULL};
    lrs_options o = {.defines = defs, .define_count = 2};
    lrs_diags *d = lrs_diags_new();
    const char *src = "param a = 0\nschedule lr = a\n";
    assert_null(lrs_compile_string(ctx, "o.lrs", src, strlen(src), &o, d));
    char *t = render(d);
    assert_non_null(strstr(t, "lrs_options.defines[1] is NULL"));
    free(t);
    lrs_diags_clear(d);
    lrs_options o2 = {.include_dir_count = 3};
    assert_null(lrs_compile_string(ctx, "o.lrs", src, strlen(src), &o2, d));
    t = render(d);
    assert_non_null(strstr(t, "lrs_options.include_dirs is NULL"));
    free(t);
    lrs_diags_free(d);
    /* a foreign pointer where a list or a context belongs */
    long junk[64] = {0};
    assert_null(
        lrs_compile_string(ctx, "o.lrs", src, strlen(src), NULL, (lrs_diags *)(void *)junk));
    assert_null(
        lrs_compile_string((lrs_context *)(void *)junk, "o.lrs", src, strlen(src), NULL, NULL));
    assert_int_equal(lrs_diags_count((lrs_diags *)(void *)junk), 0);
    assert_null(lrs_program_schedule_name((lrs_program *)(void *)junk, 0));
    lrs_diags_free((lrs_diags *)(void *)junk);
    lrs_program_free((lrs_program *)(void *)junk);
    lrs_context_free((lrs_context *)(void *)junk);
}

static int setup(void **state)
{
    (void)state;
    ctx = lrs_context_new();
    return mkdtemp(dir) && ctx ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    lrs_context_free(ctx);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_not_regular),
        cmocka_unit_test(test_import_confinement),
        cmocka_unit_test(test_long_line_and_caps),
        cmocka_unit_test(test_binary_quotes),
        cmocka_unit_test(test_warning_cap),
        cmocka_unit_test(test_null_options),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
