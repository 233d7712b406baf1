/* test_aot.c — ahead-of-time output and its loader against hostile
 * conditions: names that clash or are C/C++ keywords or libm functions, a
 * source path that would end the header's comment, a linker that fails or
 * whose status cannot be read (SIGCHLD ignored), a full disk, outputs that
 * are FIFOs, devices or symbolic links, and shared objects that are
 * truncated, extended or corrupted. The generated header is compiled as C
 * and as C++. */
#include "lrs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

static char dir[] = "/tmp/lrs-aot-test-XXXXXX";

static char *at(const char *name)
{
    static char buf[8][512];
    static int k;
    char *b = buf[k++ % 8];
    snprintf(b, sizeof buf[0], "%s/%s", dir, name);
    return b;
}

static lrs_program *compile(lrs_context *ctx, const char *name, const char *src)
{
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = lrs_compile_string(ctx, name, src, strlen(src), NULL, d);
    for (size_t i = 0; !p && i < lrs_diags_count(d); i++) {
        char *t = lrs_diags_format(d, i, 0);
        fprintf(stderr, "%s", t);
        lrs_free(t);
    }
    lrs_diags_free(d);
    assert_non_null(p);
    return p;
}

static int emit(const lrs_program *p, lrs_emit_kind kind, const char *path, const char *prefix,
                const char *cc, char *err, size_t n)
{
    lrs_emit_options o = {kind, path, prefix, NULL, cc};
    return lrs_program_emit(p, &o, err, n);
}

static char *slurp(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *b = malloc(1 << 24);
    *n = fread(b, 1, 1 << 24, f);
    fclose(f);
    return b;
}

static void spit(const char *path, const char *data, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* No temporary file is left in the test directory. */
static void assert_no_leftovers(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls -a %s | grep -q '^\\.lrs-out-'", dir);
    assert_int_not_equal(system(cmd), 0);
}

static void expect_name_error(lrs_context *ctx, const char *src, const char *prefix,
                              const char *what)
{
    lrs_program *p = compile(ctx, "names.lrs", src);
    char err[1024];
    for (int kind = LRS_EMIT_SHARED; kind <= LRS_EMIT_HEADER; kind++) {
        int r = emit(p, (lrs_emit_kind)kind, at("names.out"), prefix, NULL, err, sizeof err);
        if (r != LRS_EMIT_EINVAL || !strstr(err, what) || !strstr(err, "names.lrs:") ||
            !strstr(err, "help:"))
            fail_msg("kind %d, prefix '%s': status %d, message: %s", kind, prefix, r, err);
    }
    assert_int_equal(access(at("names.out"), F_OK), -1);
    lrs_program_free(p);
}

static void test_names(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    /* clashes between the functions of two schedules, and with the table */
    expect_name_error(ctx, "schedule lr = 1\nschedule lr_range = 2\n", NULL, "'lrs_lr_range'");
    expect_name_error(ctx, "schedule lr = 1\nschedule lr_range = 2\n", NULL, "names.lrs:2:10");
    expect_name_error(ctx, "schedule table = 1\n", NULL, "the descriptor table");
    expect_name_error(ctx, "schedule table = 1\n", "lrs_aot_", "'lrs_aot_table'");
    /* keywords of C and C++, libm, <stdint.h>, reserved identifiers */
    expect_name_error(ctx, "schedule nt = 1\n", "i", "keyword");
    expect_name_error(ctx, "schedule ass = 1\n", "cl", "keyword");
    expect_name_error(ctx, "schedule s = 1\n", "co", "math library");
    expect_name_error(ctx, "schedule xpf = 1\n", "e", "math library");
    expect_name_error(ctx, "schedule int64_t = 1\n", "", "<stdint.h>");
    expect_name_error(ctx, "schedule MAX = 1\n", "SIZE_", "<stdint.h>");
    expect_name_error(ctx, "schedule x = 1\n", "__", "reserved");
    expect_name_error(ctx, "schedule SCHEDULES_H = 1\n", "P_", "include guard");
    /* and their neighbours are fine */
    lrs_program *p =
        compile(ctx, "ok.lrs", "schedule t = 1\nschedule lr = 2\nschedule lr_rangex = 3\n");
    char err[1024];
    assert_int_equal(emit(p, LRS_EMIT_HEADER, at("ok.h"), "t_", NULL, err, sizeof err), 0);
    assert_int_equal(emit(p, LRS_EMIT_HEADER, at("ok.h"), "", NULL, err, sizeof err), 0);
    assert_int_equal(emit(p, LRS_EMIT_HEADER, at("ok.h"), "cosi", NULL, err, sizeof err), 0);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* The header of a program read from a path with comment markers and
 * with params of every kind compiles as C11 and C++17 with -Werror, and
 * prints exact integers as integers and other values exactly. */
static void test_header(void **state)
{
    (void)state;
    assert_int_equal(mkdir(at("a*"), 0700), 0);
    assert_int_equal(mkdir(at("a*/ int evil; "), 0700), 0);
    char *src = at("a*/ int evil; /* y.lrs");
    const char *text = "param total = 300\nparam third = 1/3\nparam big = 1152921504606846976\n"
                       "param tiny = 1e-300\nschedule lr = linear(0.1 -> third) for 100 then 0.01\n"
                       "schedule mom = 0.9 + 0 * big * tiny\n";
    spit(src, text, strlen(text));
    lrs_context *ctx = lrs_context_new();
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = lrs_compile_file(ctx, src, NULL, d);
    assert_non_null(p);
    char err[1024];
    assert_int_equal(emit(p, LRS_EMIT_HEADER, at("h.h"), "demo_", NULL, err, sizeof err), 0);
    size_t n;
    char *h = slurp(at("h.h"), &n);
    assert_non_null(h);
    h[n] = 0;
    assert_null(strstr(h, "int evil; /*"));
    assert_non_null(strstr(h, "total = 300,"));
    assert_null(strstr(h, "3e+02"));
    assert_non_null(strstr(h, "third = 0.3333333333333333,"));
    assert_non_null(strstr(h, "big = 1152921504606846976"));
    assert_non_null(strstr(h, "tiny = 1e-300"));
    assert_non_null(strstr(h, "Segments begin at steps 100."));
    free(h);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "cd %s && printf '#include \"h.h\"\\nint main(void){return demo_lr(0) > 1;}\\n' > "
             "use.c && cc -std=c11 -Wall -Wextra -Werror -pedantic -fsyntax-only use.c && "
             "cp use.c use.cc && c++ -std=c++17 -Wall -Wextra -Werror -pedantic -fsyntax-only "
             "use.cc",
             dir);
    assert_int_equal(system(cmd), 0);
    lrs_program_free(p);
    lrs_diags_free(d);
    lrs_context_free(ctx);
}

static const char *prog_text = "param total = 1000\nschedule lr = cosine(0.1 -> 0.001)\n";

/* A failed link leaves the good file in place and no temporary behind;
 * a linker that says it succeeded but wrote nothing is a failure too. */
static void test_atomic_link(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, "a.lrs", prog_text);
    char err[1024];
    const char *so = at("good.so");
    assert_int_equal(emit(p, LRS_EMIT_SHARED, so, NULL, NULL, err, sizeof err), 0);
    size_t n0, n1;
    char *before = slurp(so, &n0);
    assert_true(n0 > 1000);
    assert_int_equal(emit(p, LRS_EMIT_SHARED, so, NULL, "false", err, sizeof err),
                     LRS_EMIT_EINTERNAL);
    assert_int_equal(emit(p, LRS_EMIT_SHARED, so, NULL, "true", err, sizeof err),
                     LRS_EMIT_EINTERNAL);
    assert_non_null(strstr(err, "wrote no shared object"));
    /* cc words are split without strtok: extra spaces and flags */
    assert_int_equal(emit(p, LRS_EMIT_SHARED, so, NULL, "  cc   -O0  ", err, sizeof err), 0);
    char *after = slurp(so, &n1);
    assert_true(n1 > 1000);
    free(after);
    assert_int_equal(emit(p, LRS_EMIT_SHARED, so, NULL, "sh -c 'exit 3'", err, sizeof err),
                     LRS_EMIT_EINTERNAL);
    after = slurp(so, &n1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    free(before), free(after);
    assert_no_leftovers();
    lrs_aot *a = lrs_aot_open(so, err, sizeof err);
    assert_non_null(a);
    lrs_aot_close(a);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* With SIGCHLD ignored the exit status cannot be read: a failing linker
 * is still an error, a working one still gives a checked object. */
static void test_sigchld_ignored(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, "a.lrs", prog_text);
    struct sigaction ign = {.sa_handler = SIG_IGN}, old;
    sigaction(SIGCHLD, &ign, &old);
    char err[1024];
    const char *so = at("chld.so");
    assert_int_not_equal(emit(p, LRS_EMIT_SHARED, so, NULL, "false", err, sizeof err), 0);
    assert_int_equal(access(so, F_OK), -1);
    assert_int_not_equal(emit(p, LRS_EMIT_SHARED, so, NULL, "/nonexistent/cc", err, sizeof err), 0);
    assert_int_equal(emit(p, LRS_EMIT_SHARED, so, NULL, NULL, err, sizeof err), 0);
    sigaction(SIGCHLD, &old, NULL);
    lrs_aot *a = lrs_aot_open(so, err, sizeof err);
    assert_non_null(a);
    lrs_fn f = lrs_aot_function(a, "lr");
    assert_non_null(f);
    assert_true(f(0) == lrs_interp_eval(p, 0, 0));
    lrs_aot_close(a);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* A file size limit makes every write fail as a full disk does: a clear
 * error, and the old file unchanged. Run in a child (the limit stays). */
static void test_full_disk(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, "a.lrs", prog_text);
    char err[1024];
    const char *ll = at("full.ll"), *so = at("full.so");
    assert_int_equal(emit(p, LRS_EMIT_LLVM, ll, NULL, NULL, err, sizeof err), 0);
    assert_int_equal(emit(p, LRS_EMIT_SHARED, so, NULL, NULL, err, sizeof err), 0);
    size_t n0, n1, s0, s1;
    char *before = slurp(ll, &n0), *sbefore = slurp(so, &s0);
    assert_true(n0 > 2048);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGXFSZ, SIG_IGN);
        struct rlimit rl = {1024, 1024};
        setrlimit(RLIMIT_FSIZE, &rl);
        int r = emit(p, LRS_EMIT_LLVM, ll, NULL, NULL, err, sizeof err);
        if (r != LRS_EMIT_EIO || !strstr(err, "file size limit") || !strstr(err, "unchanged")) {
            fprintf(stderr, "ll: %d %s\n", r, err);
            _exit(1);
        }
        r = emit(p, LRS_EMIT_SHARED, so, NULL, NULL, err, sizeof err);
        if (r == LRS_EMIT_OK) _exit(2);
        _exit(0);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
    char *after = slurp(ll, &n1), *safter = slurp(so, &s1);
    assert_int_equal(n0, n1);
    assert_memory_equal(before, after, n0);
    assert_int_equal(s0, s1);
    assert_memory_equal(sbefore, safter, s0);
    free(before), free(after), free(sbefore), free(safter);
    assert_no_leftovers();
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* Outputs: a FIFO or a device is refused at once (never opened, so
 * nothing blocks); a symbolic link is kept and its target written. */
static void test_output_kinds(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, "a.lrs", prog_text);
    char err[1024];
    const char *fifo = at("fifo.h");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(20); /* a blocked open would hang: let SIGALRM fail the test */
    assert_int_equal(emit(p, LRS_EMIT_HEADER, fifo, NULL, NULL, err, sizeof err), LRS_EMIT_EIO);
    assert_non_null(strstr(err, "a FIFO"));
    assert_int_equal(emit(p, LRS_EMIT_SHARED, fifo, NULL, NULL, err, sizeof err), LRS_EMIT_EIO);
    assert_int_equal(emit(p, LRS_EMIT_OBJECT, "/dev/null", NULL, NULL, err, sizeof err),
                     LRS_EMIT_EIO);
    assert_non_null(strstr(err, "a device"));
    assert_int_equal(emit(p, LRS_EMIT_LLVM, dir, NULL, NULL, err, sizeof err), LRS_EMIT_EIO);
    assert_non_null(strstr(err, "a directory"));
    alarm(0);
    const char *target = at("target.h"), *link = at("link.h");
    assert_int_equal(symlink("target.h", link), 0);
    assert_int_equal(emit(p, LRS_EMIT_HEADER, link, NULL, NULL, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(target, &st), 0);
    assert_true(st.st_size > 100);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* The loader: every damaged copy of a good object fails with a message,
 * without a signal; a name without a slash is a file in the current
 * directory; FIFOs and directories are refused without blocking. */
static void test_loader(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile(ctx, "a.lrs", prog_text);
    char err[1024];
    const char *so = at("load.so");
    assert_int_equal(emit(p, LRS_EMIT_SHARED, so, NULL, NULL, err, sizeof err), 0);
    size_t n = 0;
    char *good = slurp(so, &n);
    const char *bad = at("bad.so");
    size_t cuts[] = {0, 1, 16, 63, 64, 100, 4096, n / 2, n - 33, n - 32, n - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        spit(bad, good, cuts[i]);
        lrs_aot *a = lrs_aot_open(bad, err, sizeof err);
        if (a) fail_msg("a copy truncated to %zu bytes loaded", cuts[i]);
        assert_non_null(strstr(err, bad));
    }
    /* one byte changed anywhere, or one added */
    for (size_t off = 0; off < n; off += n / 97 + 1) {
        good[off] ^= 0x40;
        spit(bad, good, n);
        good[off] ^= 0x40;
        lrs_aot *a = lrs_aot_open(bad, err, sizeof err);
        if (a) fail_msg("a copy with byte %zu changed loaded", off);
    }
    char *longer = malloc(n + 1);
    memcpy(longer, good, n);
    longer[n] = 0;
    spit(bad, longer, n + 1);
    assert_null(lrs_aot_open(bad, err, sizeof err));
    assert_non_null(strstr(err, "descriptor"));
    free(longer);
    /* a FIFO (nobody writes it) and a directory */
    const char *fifo = at("fifo.so");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(20);
    assert_null(lrs_aot_open(fifo, err, sizeof err));
    assert_non_null(strstr(err, "not a regular file"));
    assert_null(lrs_aot_open(dir, err, sizeof err));
    alarm(0);
    /* "x.so" is ./x.so */
    char cwd[512];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    lrs_aot *a = lrs_aot_open("load.so", err, sizeof err);
    assert_int_equal(chdir(cwd), 0);
    if (!a) fail_msg("load.so in the current directory: %s", err);
    lrs_fn f = lrs_aot_function(a, "lr");
    assert_true(f(500) == lrs_interp_eval(p, 0, 500));
    /* replaced while still open: never the old object's functions */
    lrs_program *q = compile(ctx, "b.lrs", "schedule lr = 0.5\n");
    assert_int_equal(emit(q, LRS_EMIT_SHARED, so, NULL, NULL, err, sizeof err), 0);
    lrs_aot *b = lrs_aot_open(so, err, sizeof err);
    if (b) {
        assert_true(lrs_aot_function(b, "lr")(500) == 0.5);
        lrs_aot_close(b);
    } else {
        assert_non_null(strstr(err, "still loaded"));
    }
    lrs_aot_close(a);
    b = lrs_aot_open(so, err, sizeof err);
    assert_non_null(b);
    assert_true(lrs_aot_function(b, "lr")(500) == 0.5);
    lrs_aot_close(b);
    lrs_program_free(q);
    free(good);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* ---- threads: the library next to a caller's strtok ------------------------------ */

typedef struct worker {
    lrs_context *ctx;
    int id, failures;
} worker;

static void *emit_worker(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 3; i++) {
        char src[128], path[600], err[1024];
        snprintf(src, sizeof src, "schedule s%d = %d + step\n", w->id, i);
        lrs_diags *d = lrs_diags_new();
        lrs_program *p = lrs_compile_string(w->ctx, "t.lrs", src, strlen(src), NULL, d);
        snprintf(path, sizeof path, "%s/thread%d.so", dir, w->id);
        if (!p || emit(p, LRS_EMIT_SHARED, path, NULL, "cc -O0 -g0", err, sizeof err))
            w->failures++;
        snprintf(path, sizeof path, "%s/nodir/x%d.so", dir, w->id);
        if (p && emit(p, LRS_EMIT_SHARED, path, NULL, NULL, err, sizeof err) != LRS_EMIT_EIO)
            w->failures++;
        lrs_aot *a = lrs_aot_open(path, err, sizeof err);
        if (a || !strstr(err, "No such file")) w->failures++;
        lrs_program_free(p);
        lrs_diags_free(d);
    }
    return NULL;
}

static void test_threads_and_strtok(void **state)
{
    (void)state;
    lrs_context *ctx = lrs_context_new();
    worker w[3];
    pthread_t t[3];
    for (int i = 0; i < 3; i++) {
        w[i] = (worker){ctx, i, 0};
        assert_int_equal(pthread_create(&t[i], NULL, emit_worker, &w[i]), 0);
    }
    /* The caller's own strtok state survives the library's work. */
    int bad = 0;
    for (int round = 0; round < 2000; round++) {
        char words[] = "alpha beta gamma delta";
        const char *want[] = {"alpha", "beta", "gamma", "delta"};
        int k = 0;
        for (char *tok = strtok(words, " "); tok; tok = strtok(NULL, " "), k++) {
            if (k >= 4 || strcmp(tok, want[k])) bad++;
            nanosleep(&(struct timespec){0, 10000}, NULL);
        }
        if (k != 4) bad++;
    }
    for (int i = 0; i < 3; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(bad, 0);
    lrs_context_free(ctx);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) ? -1 : 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),       cmocka_unit_test(test_header),
        cmocka_unit_test(test_atomic_link), cmocka_unit_test(test_sigchld_ignored),
        cmocka_unit_test(test_full_disk),   cmocka_unit_test(test_output_kinds),
        cmocka_unit_test(test_loader),      cmocka_unit_test(test_threads_and_strtok),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
