/* test_optim_determinism.c — results that must not depend on how the work
 * is split: every optimizer on a buffer big enough to be threaded (with a
 * ragged tail) gives the same bits on 1 and 2 threads and on the forced
 * SIMD path as on the scalar path, and so does the gradient norm; the
 * negation of maximize is the sign bit's on every path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>

#include "rt_test_util.h"

/* Three chunks and a tail that is not a multiple of any vector width. */
#define BIG ((size_t)3 * 65536 + 13)
#define SMALL ((size_t)37)
#define STEPS 4

typedef struct run {
    float *p[2], *g[2];
    lrs_optim *opt;
} run;

static lrs_optim_hparams options(lrs_optim_kind kind)
{
    lrs_optim_hparams hp = lrs_optim_defaults(kind);
    hp.weight_decay = 1e-2;
    hp.momentum = 0.9;
    hp.amsgrad = 1;
    hp.centered = 1;
    hp.nesterov = 1;
    hp.lr_decay = 0.01;
    return hp;
}

static double lr_schedule(int64_t t)
{
    return 1.0 / (1.0 + (double)t);
}

/* Run STEPS steps of `kind` with the given path and thread count. */
static run go(lrs_optim_kind kind, const char *simd, int threads)
{
    run r;
    r.opt = lrs_optim_new(kind);
    assert_non_null(r.opt);
    assert_int_equal(lrs_optim_set_simd(r.opt, simd), 0);
    assert_int_equal(lrs_optim_set_threads(r.opt, threads), 0);
    const size_t n[2] = {BIG, SMALL};
    lrs_optim_hparams hp = options(kind);
    for (int gi = 0; gi < 2; gi++) {
        r.p[gi] = malloc(n[gi] * sizeof(float));
        r.g[gi] = malloc(n[gi] * sizeof(float));
        for (size_t i = 0; i < n[gi]; i++)
            r.p[gi][i] = rtt_rnd(3 + (unsigned)gi, RTT_INIT_T, i);
        assert_int_equal(lrs_optim_add_group(r.opt, r.p[gi], r.g[gi], n[gi], &hp), gi);
    }
    assert_int_equal(lrs_optim_bind(r.opt, -1, "lr", lr_schedule, hp.lr), 0);
    for (int t = 0; t < STEPS; t++) {
        for (int gi = 0; gi < 2; gi++)
            for (size_t i = 0; i < n[gi]; i++)
                r.g[gi][i] = rtt_grad(3 + (unsigned)gi, (unsigned)t, i);
        assert_int_equal(lrs_optim_clip_grad_norm(r.opt, 50.0, NULL), 0);
        assert_int_equal(lrs_optim_step(r.opt), 0);
    }
    return r;
}

static void drop(run *r)
{
    for (int gi = 0; gi < 2; gi++)
        free(r->p[gi]), free(r->g[gi]);
    lrs_optim_free(r->opt);
}

static const char *const state_names[] = {
    "momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "square_avg", "grad_avg", "sum"};

static void assert_same(const run *a, const run *b)
{
    const size_t n[2] = {BIG, SMALL};
    for (int gi = 0; gi < 2; gi++) {
        assert_memory_equal(a->p[gi], b->p[gi], n[gi] * sizeof(float));
        for (size_t s = 0; s < sizeof state_names / sizeof *state_names; s++) {
            const float *x = lrs_optim_state(a->opt, gi, state_names[s]);
            const float *y = lrs_optim_state(b->opt, gi, state_names[s]);
            assert_true((x == NULL) == (y == NULL));
            if (x) assert_memory_equal(x, y, n[gi] * sizeof(float));
        }
    }
}

static const char *path_under_test(void)
{
    const char *p = getenv("LRS_SIMD");
    return p ? p : "scalar";
}

static void check_kind(lrs_optim_kind kind)
{
    const char *simd = path_under_test();
    run one = go(kind, simd, 1), two = go(kind, simd, 2);
    assert_same(&one, &two);
    if (strcmp(simd, "scalar") != 0) {
        run ref = go(kind, "scalar", 1);
        assert_same(&one, &ref);
        drop(&ref);
    }
    /* The run must have moved the parameters at all. */
    assert_true(one.p[0][0] != rtt_rnd(3, RTT_INIT_T, 0));
    drop(&one);
    drop(&two);
}

static void test_sgd(void **state)
{
    (void)state, check_kind(LRS_OPTIM_SGD);
}
static void test_adam(void **state)
{
    (void)state, check_kind(LRS_OPTIM_ADAM);
}
static void test_adamw(void **state)
{
    (void)state, check_kind(LRS_OPTIM_ADAMW);
}
static void test_rmsprop(void **state)
{
    (void)state, check_kind(LRS_OPTIM_RMSPROP);
}
static void test_adagrad(void **state)
{
    (void)state, check_kind(LRS_OPTIM_ADAGRAD);
}
static void test_lion(void **state)
{
    (void)state, check_kind(LRS_OPTIM_LION);
}

static void test_grad_norm_bits(void **state)
{
    (void)state;
    const size_t n = BIG;
    float *p = malloc(n * sizeof *p), *g = malloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++)
        p[i] = 0, g[i] = rtt_rnd(11, 0, i) * (float)(1 + i % 1000);
    double norms[3];
    const char *paths[3] = {"scalar", path_under_test(), path_under_test()};
    const int threads[3] = {1, 1, 2};
    for (int k = 0; k < 3; k++) {
        lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
        lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
        assert_int_equal(lrs_optim_add_group(opt, p, g, n, &hp), 0);
        assert_int_equal(lrs_optim_set_simd(opt, paths[k]), 0);
        assert_int_equal(lrs_optim_set_threads(opt, threads[k]), 0);
        assert_int_equal(lrs_optim_clip_grad_norm(opt, 1e30, &norms[k]), 0);
        lrs_optim_free(opt);
    }
    assert_memory_equal(&norms[0], &norms[1], sizeof(double));
    assert_memory_equal(&norms[0], &norms[2], sizeof(double));
    long double ss = 0;
    for (size_t i = 0; i < n; i++)
        ss += (long double)g[i] * g[i];
    assert_true(fabs(norms[0] - sqrt((double)ss)) <= 1e-12 * norms[0]);
    free(p), free(g);
}

/* maximize negates the gradient as torch's neg does, by its sign bit, on
 * every path: SGD with lr 1 from -0 stores fma(-g, -1, -0), which tells
 * -(+0) = -0 from 0 - (+0) = +0 and keeps the flipped sign of a NaN. */
static void test_maximize_flips_the_sign_bit(void **state)
{
    (void)state;
    enum { N = 37 }; /* a full vector and a tail on every path */
    const uint32_t in[4] = {0x00000000u, 0x80000000u, 0x3fc00000u, 0x7fc00000u};
    const uint32_t want[4] = {0x00000000u, 0x80000000u, 0x3fc00000u, 0xffc00000u};
    float p[N], g[N];
    for (int i = 0; i < N; i++) {
        p[i] = -0.0f;
        memcpy(&g[i], &in[i % 4], sizeof g[i]);
    }
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.lr = 1;
    hp.maximize = 1;
    assert_int_equal(lrs_optim_add_group(opt, p, g, N, &hp), 0);
    assert_int_equal(lrs_optim_set_simd(opt, path_under_test()), 0);
    assert_int_equal(lrs_optim_step(opt), 0);
    for (int i = 0; i < N; i++) {
        uint32_t b;
        memcpy(&b, &p[i], sizeof b);
        if (b != want[i % 4])
            fail_msg("%s: gradient 0x%08x gave 0x%08x, want 0x%08x", path_under_test(), in[i % 4],
                     b, want[i % 4]);
    }
    lrs_optim_free(opt);
}

int main(void)
{
    const char *forced = rtt_forced_simd();
    if (forced) {
        lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
        int ok = opt && strcmp(lrs_optim_simd(opt), forced) == 0;
        lrs_optim_free(opt);
        if (!ok) {
            fprintf(stderr, "LRS_SIMD=%s was not honoured\n", forced);
            return 1;
        }
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_adamw),
        cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_adagrad),
        cmocka_unit_test(test_lion),
        cmocka_unit_test(test_grad_norm_bits),
        cmocka_unit_test(test_maximize_flips_the_sign_bit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
