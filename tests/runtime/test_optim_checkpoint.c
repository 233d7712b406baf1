/* test_optim_checkpoint.c — lrs_optim_save / lrs_optim_load: resuming gives
 * the same bits as never stopping; damaged, truncated and mismatched files
 * are refused with a message naming the problem and change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt_test_util.h"

#define N0 ((size_t)70000) /* threaded, ragged tail */
#define N1 ((size_t)33)

typedef struct trainer {
    float *p[2], *g[2];
    size_t n[2];
    lrs_optim *opt;
} trainer;

static char dir[256];

static double lr_schedule(int64_t t)
{
    return 0.5 + 0.5 * cos((double)t / 7.0);
}
static double beta1_schedule(void *user, int64_t t)
{
    (void)user;
    return 0.8 + 0.01 * (double)(t % 10);
}

static trainer make(lrs_optim_kind kind, size_t n1)
{
    trainer tr = {.n = {N0, n1}};
    tr.opt = lrs_optim_new(kind);
    assert_non_null(tr.opt);
    lrs_optim_hparams hp = lrs_optim_defaults(kind);
    hp.amsgrad = 1;
    hp.weight_decay = 1e-3;
    for (int gi = 0; gi < 2; gi++) {
        tr.p[gi] = malloc(tr.n[gi] * sizeof(float));
        tr.g[gi] = malloc(tr.n[gi] * sizeof(float));
        for (size_t i = 0; i < tr.n[gi]; i++)
            tr.p[gi][i] = rtt_rnd(5 + (unsigned)gi, RTT_INIT_T, i);
        assert_int_equal(lrs_optim_add_group(tr.opt, tr.p[gi], tr.g[gi], tr.n[gi], &hp), gi);
        assert_int_equal(lrs_optim_bind(tr.opt, gi, "lr", lr_schedule, hp.lr / (1 + gi)), 0);
    }
    if (kind != LRS_OPTIM_SGD)
        assert_int_equal(lrs_optim_bind_callback(tr.opt, -1, "beta1", beta1_schedule, NULL, 1), 0);
    return tr;
}

static void train(trainer *tr, int from, int to)
{
    for (int t = from; t < to; t++) {
        for (int gi = 0; gi < 2; gi++)
            for (size_t i = 0; i < tr->n[gi]; i++)
                tr->g[gi][i] = rtt_grad(5 + (unsigned)gi, (unsigned)t, i);
        assert_int_equal(lrs_optim_step(tr->opt), 0);
    }
}

static void drop(trainer *tr)
{
    for (int gi = 0; gi < 2; gi++)
        free(tr->p[gi]), free(tr->g[gi]);
    lrs_optim_free(tr->opt);
}

static void path_of(char *out, const char *name)
{
    snprintf(out, 300, "%s/%s", dir, name);
}

static void test_resume_is_bit_identical(void **state)
{
    (void)state;
    const lrs_optim_kind kinds[] = {LRS_OPTIM_ADAMW, LRS_OPTIM_SGD, LRS_OPTIM_LION};
    for (size_t k = 0; k < 3; k++) {
        char path[300];
        path_of(path, "resume.ckpt");
        trainer ref = make(kinds[k], N1), a = make(kinds[k], N1);
        train(&ref, 0, 12);
        train(&a, 0, 5);
        assert_int_equal(lrs_optim_save(a.opt, path), 0);
        /* A new process: fresh optimizer, the model's parameters from its own checkpoint. */
        trainer b = make(kinds[k], N1);
        for (int gi = 0; gi < 2; gi++)
            memcpy(b.p[gi], a.p[gi], b.n[gi] * sizeof(float));
        drop(&a);
        assert_int_equal(lrs_optim_load(b.opt, path), 0);
        assert_int_equal(lrs_optim_step_count(b.opt), 5);
        train(&b, 5, 12);
        for (int gi = 0; gi < 2; gi++)
            assert_memory_equal(ref.p[gi], b.p[gi], ref.n[gi] * sizeof(float));
        drop(&ref);
        drop(&b);
    }
}

static void test_save_leaves_no_temporary(void **state)
{
    (void)state;
    char path[300];
    path_of(path, "clean.ckpt");
    trainer a = make(LRS_OPTIM_ADAM, N1);
    train(&a, 0, 1);
    assert_int_equal(lrs_optim_save(a.opt, path), 0);
    assert_int_equal(lrs_optim_save(a.opt, path), 0); /* replaces */
    DIR *d = opendir(dir);
    struct dirent *e;
    while ((e = readdir(d)))
        assert_null(strstr(e->d_name, ".tmp."));
    closedir(d);
    assert_int_equal(lrs_optim_save(a.opt, "/nonexistent-dir/x.ckpt"), LRS_OPTIM_EIO);
    assert_non_null(strstr(lrs_optim_error(a.opt), "/nonexistent-dir/x.ckpt"));
    drop(&a);
}

/* Snapshot of everything load could change. */
typedef struct snapshot {
    int64_t step;
    float *s[2][3];
    double lr;
} snapshot;

static const char *const names[3] = {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"};

static snapshot take(const trainer *tr)
{
    snapshot s = {.step = lrs_optim_step_count(tr->opt)};
    for (int gi = 0; gi < 2; gi++)
        for (int k = 0; k < 3; k++) {
            s.s[gi][k] = malloc(tr->n[gi] * sizeof(float));
            memcpy(s.s[gi][k], lrs_optim_state(tr->opt, gi, names[k]), tr->n[gi] * sizeof(float));
        }
    lrs_optim_hparam(tr->opt, 0, "lr", &s.lr);
    return s;
}

static void assert_unchanged(const trainer *tr, snapshot *s)
{
    assert_int_equal(lrs_optim_step_count(tr->opt), s->step);
    for (int gi = 0; gi < 2; gi++)
        for (int k = 0; k < 3; k++) {
            assert_memory_equal(s->s[gi][k], lrs_optim_state(tr->opt, gi, names[k]),
                                tr->n[gi] * sizeof(float));
            free(s->s[gi][k]);
        }
    double lr;
    lrs_optim_hparam(tr->opt, 0, "lr", &lr);
    assert_true(lr == s->lr);
}

static long file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return (long)st.st_size;
}

/* Rewrite `path` into `out` with byte `at` xor'ed with `flip` and cut to `len` bytes. */
static void damage(const char *path, const char *out, long at, unsigned char flip, long len)
{
    FILE *f = fopen(path, "rb");
    long n = file_size(path);
    unsigned char *b = malloc((size_t)n);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    if (at >= 0) b[at] ^= flip;
    f = fopen(out, "wb");
    assert_int_equal(fwrite(b, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    free(b);
}

static void expect_refused(trainer *victim, const char *path, int code, const char *words)
{
    snapshot s = take(victim);
    assert_int_equal(lrs_optim_load(victim->opt, path), code);
    print_message("refused: %s\n", lrs_optim_error(victim->opt));
    if (!strstr(lrs_optim_error(victim->opt), words))
        fail_msg("error '%s' does not mention '%s'", lrs_optim_error(victim->opt), words);
    assert_unchanged(victim, &s);
}

static void test_bad_files_change_nothing(void **state)
{
    (void)state;
    char good[300], bad[300];
    path_of(good, "good.ckpt");
    path_of(bad, "bad.ckpt");
    trainer src = make(LRS_OPTIM_ADAMW, N1);
    train(&src, 0, 3);
    assert_int_equal(lrs_optim_save(src.opt, good), 0);
    const long size = file_size(good);

    trainer victim = make(LRS_OPTIM_ADAMW, N1);
    train(&victim, 0, 2);

    /* A flipped bit deep in a state buffer, and one in a header field. */
    damage(good, bad, size / 2, 0x10, size);
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "checksum");
    damage(good, bad, 48, 0x01, size); /* inside group 0's t field */
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "checksum");
    damage(good, bad, size - 1, 0x80, size); /* the checksum itself */
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "checksum");
    /* Truncations: in the header, in the buffers, one byte short. */
    damage(good, bad, -1, 0, 10);
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "truncated");
    damage(good, bad, -1, 0, size / 3);
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "truncated");
    damage(good, bad, -1, 0, size - 1);
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "truncated");
    damage(good, bad, -1, 0, 0);
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "truncated");
    /* Not a checkpoint; a future version. */
    damage(good, bad, 0, 0x20, size);
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "magic");
    damage(good, bad, 8, 0x04, size); /* version 3 becomes 7 */
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "version");
    /* Trailing garbage. */
    {
        FILE *f = fopen(bad, "wb");
        FILE *g = fopen(good, "rb");
        int c;
        while ((c = fgetc(g)) != EOF)
            fputc(c, f);
        fputc(0, f);
        fclose(f), fclose(g);
    }
    expect_refused(&victim, bad, LRS_OPTIM_ECORRUPT, "trailing");
    char missing[300];
    path_of(missing, "missing.ckpt");
    expect_refused(&victim, missing, LRS_OPTIM_EIO, "missing.ckpt");

    /* Mismatches: another kind, another group size, another group count. */
    trainer adam = make(LRS_OPTIM_ADAM, N1);
    expect_refused(&adam, good, LRS_OPTIM_EMISMATCH, "AdamW");
    drop(&adam);
    trainer other = make(LRS_OPTIM_ADAMW, N1 + 1);
    expect_refused(&other, good, LRS_OPTIM_EMISMATCH, "group 1");
    drop(&other);
    trainer three = make(LRS_OPTIM_ADAMW, N1);
    float p[4], g[4];
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAMW);
    hp.amsgrad = 1;
    assert_int_equal(lrs_optim_add_group(three.opt, p, g, 4, &hp), 2);
    snapshot s = take(&three);
    assert_int_equal(lrs_optim_load(three.opt, good), LRS_OPTIM_EMISMATCH);
    assert_non_null(strstr(lrs_optim_error(three.opt), "groups"));
    assert_unchanged(&three, &s);
    drop(&three);

    /* And the good file still loads into the victim. */
    assert_int_equal(lrs_optim_load(victim.opt, good), 0);
    assert_int_equal(lrs_optim_step_count(victim.opt), 3);
    drop(&victim);
    drop(&src);
}

static int setup(void **state)
{
    (void)state;
    return rtt_make_dir(dir, sizeof dir, "lrs-ckpt");
}

static int teardown(void **state)
{
    (void)state;
    return rtt_remove_dir(dir);
}

int main(void)
{
    rtt_forced_simd();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resume_is_bit_identical),
        cmocka_unit_test(test_save_leaves_no_temporary),
        cmocka_unit_test(test_bad_files_change_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
