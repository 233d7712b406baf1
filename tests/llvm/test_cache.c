/* test_cache.c — the on-disk cache of native code (compiler/lrs_cache.c),
 * always in a fresh directory of its own (the suite turns the cache off
 * everywhere else): a hit gives the same code without compiling, corrupt,
 * truncated and foreign entries are replaced, a changed program or
 * another CPU misses, the switches turn it off, a directory that cannot
 * be used falls back to the JIT, and concurrent writers each install a
 * whole file (a writer that finds another's entry keeps and loads it). */
#define _GNU_SOURCE /* dladdr */
#include "lrs_backend.h"
#include "lrs_cache.h"
#include "test_llvm_util.h"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static const char *const SRC = "param total = 1000\n"
                               "schedule lr = warmup(50, cosine(1e-3 -> 1e-5))\n"
                               "schedule flat = 2e-4 * 0.5 ^ floor(step / 100)\n";
/* The same but one constant: other code, another key. */
static const char *const SRC2 = "param total = 1000\n"
                                "schedule lr = warmup(50, cosine(2e-3 -> 1e-5))\n"
                                "schedule flat = 2e-4 * 0.5 ^ floor(step / 100)\n";

static const int64_t STEPS[] = {0, 1, 25, 49, 50, 51, 99, 100, 101, 500, 999, 1000, 5000, -3};
#define NSTEPS (sizeof STEPS / sizeof STEPS[0])

static lrs_program *compile_in(lrs_context *ctx, const char *src, const char *dir, int no_cache)
{
    lrs_options o = {.no_cache = no_cache, .cache_dir = dir};
    lrs_program *p = lrs_compile_string(ctx, "t.lrs", src, strlen(src), &o, NULL);
    assert_non_null(p);
    return p;
}

static char dir[256];
static lrs_cache_host host;

/* The file that holds the code generator: this test binary. */
static void get_host(lrs_cache_host *h)
{
    lrs_cache_host_get(h, "/proc/self/exe");
    assert_true(h->ok);
}

static int setup(void **state)
{
    unsetenv("LRS_CACHE");
    unsetenv("LRS_CACHE_DIR");
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/lrs-cache-test-XXXXXX", tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
    get_host(&host);
    return 0;
}

/* Remove the files in d, then d. */
static void remove_dir(const char *d)
{
    DIR *h = opendir(d);
    struct dirent *e;
    char path[900];
    while (h && (e = readdir(h)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", d, e->d_name);
            unlink(path);
        }
    if (h) closedir(h);
    rmdir(d);
}

static int teardown(void **state)
{
    remove_dir(dir);
    return 0;
}

/* Files in the directory (every name, temporary ones too). */
static int count_files(void)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

static void entry_path(const lrs_program *p, const lrs_cache_host *h, char *out, size_t n)
{
    char key[LRS_CACHE_KEY_LEN + 1];
    lrs_cache_key(p, h, key);
    snprintf(out, n, "%s/%s.so", dir, key);
}

static int emits;
static int counting_emit(const lrs_program *p, const lrs_emit_options *o, char *err, size_t n)
{
    emits++;
    return lrs_program_emit(p, o, err, n);
}

/* Open p's entry through the cache, counting compilations. */
static lrs_aot *open_counted(const lrs_program *p, const lrs_cache_host *h, lrs_cache_result want,
                             int want_emits)
{
    emits = 0;
    lrs_cache_result r;
    lrs_aot *a = lrs_cache_open(p, h, counting_emit, &r);
    assert_int_equal(r, want);
    assert_int_equal(emits, want_emits);
    return a;
}

/* The interpreter's values, and the native ones of an entry. */
static void check_values(const lrs_program *p, const lrs_aot *a)
{
    for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
        const char *name = lrs_program_schedule_name(p, i);
        lrs_fn f = lrs_aot_function(a, name);
        lrs_range_fn r = lrs_aot_range_function(a, name);
        assert_non_null(f);
        assert_non_null(r);
        double out[NSTEPS];
        for (size_t k = 0; k < NSTEPS; k++) {
            double want = lrs_interp_eval(p, i, STEPS[k]);
            assert_true(lrs_test_ulps(f(STEPS[k]), want) <= 4);
            r(STEPS[k] < 0 ? 0 : STEPS[k], 1, out);
            assert_true(lrs_test_close(out[0], want, 1e-3, 4));
        }
    }
}

static ino_t inode_of(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

/* A miss compiles and stores; the next program of the same code (another
 * context, as another process would) loads it without compiling, and its
 * functions are the stored file's. */
static void test_hit(void **state)
{
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile_in(ctx, SRC, dir, 0);
    char path[600];
    entry_path(p, &host, path, sizeof path);
    lrs_aot *a = open_counted(p, &host, LRS_CACHE_STORED, 1);
    assert_non_null(a);
    check_values(p, a);
    assert_int_equal(count_files(), 1);
    ino_t ino = inode_of(path);
    lrs_aot_close(a);
    lrs_program_free(p);
    lrs_context_free(ctx);

    ctx = lrs_context_new();
    p = compile_in(ctx, SRC, dir, 0);
    a = open_counted(p, &host, LRS_CACHE_HIT, 0);
    assert_non_null(a);
    check_values(p, a);
    assert_int_equal(inode_of(path), ino);
    assert_int_equal(count_files(), 1);
    lrs_aot_close(a);

    /* The public functions come from that entry: the same bits as the
     * entry's, and the JIT's where the cache is off. */
    lrs_program *jit = compile_in(ctx, SRC, dir, 1);
    for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
        lrs_fn f = lrs_program_function(p, i), g = lrs_program_function(jit, i);
        lrs_range_fn r = lrs_program_range_function(p, i);
        assert_non_null(f);
        assert_non_null(g);
        assert_non_null(r);
        /* from the entry's mapping, not the JIT's memory */
        char real[PATH_MAX];
        Dl_info info;
        assert_non_null(realpath(path, real));
        assert_true(dladdr((void *)f, &info) && info.dli_fname);
        assert_string_equal(info.dli_fname, real);
        assert_true(dladdr((void *)r, &info) && info.dli_fname);
        assert_string_equal(info.dli_fname, real);
        assert_true(!dladdr((void *)g, &info) || !info.dli_fname || strcmp(info.dli_fname, real));
        for (size_t k = 0; k < NSTEPS; k++) {
            double out;
            r(STEPS[k] < 0 ? 0 : STEPS[k], 1, &out);
            assert_true(lrs_test_ulps(f(STEPS[k]), g(STEPS[k])) <= 4);
            assert_true(lrs_test_close(out, f(STEPS[k]), 1e-3, 4));
        }
    }
    assert_null(lrs_program_native_error(p));
    assert_int_equal(inode_of(path), ino);
    lrs_program_free(jit);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

static void write_bytes(const char *path, const void *data, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, n), (ssize_t)n);
    close(fd);
}

static void *read_all(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    assert_true(len > 0);
    rewind(f);
    void *buf = malloc((size_t)len);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    *n = (size_t)len;
    return buf;
}

/* Each way of spoiling the entry is refused before it is run, replaced by
 * a sound file, and the replacement gives the right values. */
static void test_corrupt_replaced(void **state)
{
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile_in(ctx, SRC, dir, 0), *other = compile_in(ctx, SRC2, dir, 0);
    char path[600], other_path[600];
    entry_path(p, &host, path, sizeof path);
    entry_path(other, &host, other_path, sizeof other_path);
    lrs_aot_close(open_counted(other, &host, LRS_CACHE_STORED, 1));
    lrs_aot_close(open_counted(p, &host, LRS_CACHE_STORED, 1));
    size_t n, on;
    unsigned char *good = read_all(path, &n), *foreign = read_all(other_path, &on);
    unsigned char *bad = malloc(n);
    assert_non_null(bad);
    for (int how = 0; how < 6; how++) {
        memcpy(bad, good, n);
        const void *data = bad;
        size_t len = n;
        switch (how) {
        case 0:
            len = n / 2;
            break; /* truncated */
        case 1:
            bad[n / 2] ^= 0x40;
            break; /* a damaged byte */
        case 2:
            len = 0;
            break; /* empty */
        case 3:
            memset(bad, 0, 64);
            break; /* no ELF header */
        case 4:
            data = foreign, len = on;
            break; /* another program's sound entry */
        default:
            len = n - 1;
            break; /* one byte short */
        }
        write_bytes(path, data, len);
        lrs_aot *a = open_counted(p, &host, LRS_CACHE_STORED, 1);
        assert_non_null(a);
        check_values(p, a);
        lrs_aot_close(a);
        size_t now;
        unsigned char *back = read_all(path, &now);
        assert_int_equal(now, n);
        free(back);
        lrs_aot_close(open_counted(p, &host, LRS_CACHE_HIT, 0));
    }
    /* Someone else's permissions: an entry others may write is not run. */
    assert_int_equal(chmod(path, 0666), 0);
    lrs_aot_close(open_counted(p, &host, LRS_CACHE_STORED, 1));
    lrs_aot_close(open_counted(p, &host, LRS_CACHE_HIT, 0));
    assert_int_equal(count_files(), 2);
    free(bad);
    free(good);
    free(foreign);
    lrs_program_free(other);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* Other code, or the same code on another CPU or backend build, is
 * another entry: a miss that leaves the first entry alone. */
static void test_keys_miss(void **state)
{
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile_in(ctx, SRC, dir, 0), *q = compile_in(ctx, SRC2, dir, 0);
    char path[600];
    entry_path(p, &host, path, sizeof path);
    lrs_aot_close(open_counted(p, &host, LRS_CACHE_STORED, 1));
    ino_t ino = inode_of(path);
    lrs_aot *a = open_counted(q, &host, LRS_CACHE_STORED, 1);
    check_values(q, a);
    lrs_aot_close(a);
    assert_int_equal(count_files(), 2);

    lrs_cache_host cpu = host, build = host;
    cpu.cpu[0] ^= 1;
    build.backend[1] ^= 1;
    char cpu_path[600], build_path[600];
    entry_path(p, &cpu, cpu_path, sizeof cpu_path);
    entry_path(p, &build, build_path, sizeof build_path);
    assert_string_not_equal(cpu_path, path);
    assert_string_not_equal(build_path, path);
    assert_string_not_equal(build_path, cpu_path);
    lrs_aot_close(open_counted(p, &cpu, LRS_CACHE_STORED, 1));
    lrs_aot_close(open_counted(p, &build, LRS_CACHE_STORED, 1));
    assert_int_equal(count_files(), 4);
    assert_int_equal(inode_of(path), ino);
    lrs_aot_close(open_counted(p, &host, LRS_CACHE_HIT, 0));

    /* The key is a function of the code: a recompilation has the same. */
    lrs_program *again = compile_in(ctx, SRC, dir, 0);
    char again_path[600];
    entry_path(again, &host, again_path, sizeof again_path);
    assert_string_equal(again_path, path);
    lrs_program_free(again);
    lrs_program_free(q);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* The key covers a table's entries: two programs whose code differs only
 * in one entry of a pick list (16 entries: one IR table) are two entries. */
static void test_keys_tables(void **state)
{
    (void)state;
    static const char a[] = "schedule lr = pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
                            "15, 16], step / 10)\n";
    static const char b[] = "schedule lr = pick([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, "
                            "15, 17], step / 10)\n";
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile_in(ctx, a, dir, 0), *q = compile_in(ctx, b, dir, 0);
    assert_non_null(p);
    assert_non_null(q);
    char pp[600], qp[600];
    entry_path(p, &host, pp, sizeof pp);
    entry_path(q, &host, qp, sizeof qp);
    assert_string_not_equal(pp, qp);
    lrs_program_free(q);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* The default directory a context made now takes from the environment
 * (-1: none). */
static int env_dir(char *buf, size_t n)
{
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile_in(ctx, SRC, NULL, 0);
    int r = lrs_cache_dir(p, buf, n);
    lrs_program_free(p);
    lrs_context_free(ctx);
    return r;
}

/* The option and the environment turn it off; nothing is written. The
 * environment is read when the context is made, not at a call. */
static void test_off(void **state)
{
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile_in(ctx, SRC, dir, 1);
    assert_null(open_counted(p, &host, LRS_CACHE_OFF, 0));
    lrs_program_free(p);
    for (int k = 0; k < 2; k++) {
        setenv("LRS_CACHE", k ? "0" : "off", 1);
        lrs_context *off = lrs_context_new();
        p = compile_in(off, SRC, dir, 0);
        assert_null(open_counted(p, &host, LRS_CACHE_OFF, 0));
        assert_non_null(lrs_program_function(p, 0)); /* the JIT's */
        lrs_program_free(p);
        lrs_context_free(off);
    }
    unsetenv("LRS_CACHE");
    assert_int_equal(count_files(), 0);

    /* Set after ctx was made: ctx still has the cache (and its program
     * the option's directory). */
    char buf[512], want[512], home[512];
    setenv("LRS_CACHE", "off", 1);
    p = compile_in(ctx, SRC, dir, 0);
    assert_int_equal(lrs_cache_dir(p, buf, sizeof buf), 0);
    assert_string_equal(buf, dir);
    lrs_program_free(p);
    unsetenv("LRS_CACHE");
    lrs_context_free(ctx);

    /* LRS_CACHE_DIR, then XDG_CACHE_HOME/lrs, then ~/.cache/lrs. */
    snprintf(home, sizeof home, "%s", getenv("HOME") ? getenv("HOME") : "");
    setenv("LRS_CACHE_DIR", dir, 1);
    assert_int_equal(env_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, dir);
    unsetenv("LRS_CACHE_DIR");
    setenv("XDG_CACHE_HOME", dir, 1);
    snprintf(want, sizeof want, "%s/lrs", dir);
    assert_int_equal(env_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, want);
    setenv("XDG_CACHE_HOME", "relative/dir", 1); /* not absolute: ignored */
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(env_dir(buf, sizeof buf), 0);
    assert_string_equal(buf, "/home/someone/.cache/lrs");
    /* A context keeps the directory it was made with. */
    ctx = lrs_context_new();
    setenv("HOME", "/home/other", 1);
    p = compile_in(ctx, SRC, NULL, 0);
    assert_int_equal(lrs_cache_dir(p, buf, sizeof buf), 0);
    assert_string_equal(buf, "/home/someone/.cache/lrs");
    lrs_program_free(p);
    lrs_context_free(ctx);
    unsetenv("XDG_CACHE_HOME");
    unsetenv("HOME");
    assert_int_equal(env_dir(buf, sizeof buf), -1);
    if (*home) setenv("HOME", home, 1);
}

/* A directory that cannot be made or is not to be trusted: no cache, no
 * error, the JIT's code. */
static void test_unusable(void **state)
{
    char file[600], sub[700], open_dir[600];
    snprintf(file, sizeof file, "%s/plain-file", dir);
    write_bytes(file, "x", 1);
    snprintf(sub, sizeof sub, "%s/below", file); /* below a file: ENOTDIR, even for root */
    snprintf(open_dir, sizeof open_dir, "%s/shared", dir);
    assert_int_equal(mkdir(open_dir, 0700), 0);
    assert_int_equal(chmod(open_dir, 0777), 0); /* others could plant code there */
    const char *dirs[] = {sub, open_dir};
    lrs_context *ctx = lrs_context_new();
    for (int k = 0; k < 2; k++) {
        lrs_program *p = compile_in(ctx, SRC, dirs[k], 0);
        assert_null(open_counted(p, &host, LRS_CACHE_UNUSABLE, 0));
        lrs_fn f = lrs_program_function(p, 0);
        assert_non_null(f);
        assert_true(lrs_test_ulps(f(70), lrs_interp_eval(p, 0, 70)) <= 4);
        assert_null(lrs_program_native_error(p));
        lrs_program_free(p);
    }
    lrs_context_free(ctx);
    rmdir(open_dir);
    assert_int_equal(count_files(), 1); /* the plain file */
}

/* The directory and its missing parents are made, private. */
static void test_makes_dir(void **state)
{
    char deep[600];
    snprintf(deep, sizeof deep, "%s/a/b", dir);
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile_in(ctx, SRC, deep, 0);
    lrs_aot *a = open_counted(p, &host, LRS_CACHE_STORED, 1);
    check_values(p, a);
    lrs_aot_close(a);
    struct stat st;
    assert_int_equal(stat(deep, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    lrs_program_free(p);
    lrs_context_free(ctx);
    remove_dir(deep);
    char path[700];
    snprintf(path, sizeof path, "%s/a", dir);
    rmdir(path);
}

/* A reactive schedule's functions come from the entry too, with the
 * reactive ABI, and agree with the interpreter for a history. */
static void test_reactive(void **state)
{
    static const char *const src =
        "param total = 1000\n"
        "signal loss\n"
        "schedule lr = warmup(10, torch_reduce_on_plateau(loss, 0.1, factor = 0.5, patience = 1))\n"
        "schedule plain = 0.1\n";
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile_in(ctx, src, dir, 0);
    assert_true(lrs_program_schedule_reactive(p, 0));
    lrs_aot_close(open_counted(p, &host, LRS_CACHE_STORED, 1));
    lrs_reactive_fn f = lrs_program_reactive_function(p, 0);
    lrs_reactive_range_fn r = lrs_program_reactive_range_function(p, 0);
    assert_non_null(f);
    assert_non_null(r);
    assert_null(lrs_program_function(p, 0));
    assert_non_null(lrs_program_function(p, 1));
    char path[600], real[PATH_MAX];
    entry_path(p, &host, path, sizeof path);
    assert_non_null(realpath(path, real));
    Dl_info info;
    assert_true(dladdr((void *)f, &info) && info.dli_fname);
    assert_string_equal(info.dli_fname, real);
    lrs_signals *sig = lrs_program_signals_new(p);
    assert_non_null(sig);
    const double losses[] = {1.0, 0.9, 0.95, 0.97, 0.99, 0.98};
    for (int k = 0; k < 6; k++) {
        assert_true(lrs_signals_report(sig, 0, 20 * k, losses[k]) >= 0);
        const double *det = lrs_signals_values(sig);
        for (int64_t s = 20 * k; s < 20 * k + 20; s += 7) {
            double want = lrs_interp_eval_reactive(p, 0, s, det), out;
            assert_true(lrs_test_ulps(f(s, det), want) <= 4);
            r(s, 1, &out, det);
            assert_true(lrs_test_close(out, want, 0.1, 4));
        }
    }
    assert_true(lrs_test_ulps(lrs_interp_eval_reactive(p, 0, 119, lrs_signals_values(sig)), 0.1) >
                4); /* the plateaus were seen: the history mattered */
    lrs_signals_free(sig);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

/* Threads that miss together each write a whole file and rename it: all
 * get sound code and one entry remains, no temporary file. */
enum { WRITERS = 4 };
static void *writer(void *arg)
{
    lrs_context *ctx = lrs_context_new();
    lrs_options o = {.cache_dir = dir};
    lrs_program *p = lrs_compile_string(ctx, "t.lrs", SRC, strlen(SRC), &o, NULL);
    int ok = 0;
    lrs_cache_result r;
    lrs_aot *a = p ? lrs_cache_open(p, &host, lrs_program_emit, &r) : NULL;
    if (a) {
        lrs_fn f = lrs_aot_function(a, "lr");
        ok = f && (r == LRS_CACHE_HIT || r == LRS_CACHE_STORED) &&
             lrs_test_ulps(f(60), lrs_interp_eval(p, 0, 60)) <= 4;
    }
    lrs_aot_close(a);
    lrs_program_free(p);
    lrs_context_free(ctx);
    *(int *)arg = ok;
    return NULL;
}

static void test_concurrent_writers(void **state)
{
    pthread_t t[WRITERS];
    int ok[WRITERS];
    for (int k = 0; k < WRITERS; k++)
        assert_int_equal(pthread_create(&t[k], NULL, writer, &ok[k]), 0);
    for (int k = 0; k < WRITERS; k++) {
        pthread_join(t[k], NULL);
        assert_true(ok[k]);
    }
    assert_int_equal(count_files(), 1);
}

/* An emit during which another writer installs the same entry: the miss
 * keeps that entry, loads it and reports a hit. */
static char rival_path[900];
static int rival_emit(const lrs_program *p, const lrs_emit_options *o, char *err, size_t n)
{
    lrs_emit_options first = *o;
    first.path = rival_path;
    if (lrs_program_emit(p, &first, err, n) != LRS_EMIT_OK) return -1;
    return lrs_program_emit(p, o, err, n);
}

static void test_lost_race_is_a_hit(void **state)
{
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = compile_in(ctx, SRC, dir, 0);
    entry_path(p, &host, rival_path, sizeof rival_path);
    lrs_cache_result r;
    lrs_aot *a = lrs_cache_open(p, &host, rival_emit, &r);
    assert_non_null(a);
    assert_int_equal(r, LRS_CACHE_HIT);
    assert_int_equal(count_files(), 1); /* ours is gone */
    check_values(p, a);
    lrs_aot_close(a);
    lrs_program_free(p);
    lrs_context_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_replaced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_miss, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keys_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_off, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unusable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_makes_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reactive, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_writers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lost_race_is_a_hit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
