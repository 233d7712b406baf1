/* test_optim_api.c — the optimizer API's contracts: argument checking and
 * error messages, schedule binding and when schedules are called, the
 * gradient utilities (clipping, non-finite checks, unscaling, zeroing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>

#include "rt_test_util.h"

#define N 100

typedef struct fixture {
    float p[2][N], g[2][N];
    lrs_optim *opt;
} fixture;

static fixture *make(lrs_optim_kind kind, int groups)
{
    fixture *f = calloc(1, sizeof *f);
    f->opt = lrs_optim_new(kind);
    assert_non_null(f->opt);
    lrs_optim_hparams hp = lrs_optim_defaults(kind);
    for (int gi = 0; gi < groups; gi++) {
        for (int i = 0; i < N; i++) {
            f->p[gi][i] = rtt_rnd(7 + (unsigned)gi, RTT_INIT_T, (unsigned)i);
            f->g[gi][i] = rtt_grad(7 + (unsigned)gi, 0, (unsigned)i);
        }
        assert_int_equal(lrs_optim_add_group(f->opt, f->p[gi], f->g[gi], N, &hp), gi);
    }
    return f;
}

static void destroy(fixture *f)
{
    lrs_optim_free(f->opt);
    free(f);
}

static void test_new_rejects_bad_kind(void **state)
{
    (void)state;
    assert_null(lrs_optim_new((lrs_optim_kind)42));
    assert_null(lrs_optim_new((lrs_optim_kind)-1));
}

static void test_defaults_follow_torch(void **state)
{
    (void)state;
    lrs_optim_hparams a = lrs_optim_defaults(LRS_OPTIM_ADAMW);
    assert_true(a.lr == 1e-3 && a.beta1 == 0.9 && a.beta2 == 0.999 && a.eps == 1e-8);
    assert_true(a.weight_decay == 1e-2);
    lrs_optim_hparams r = lrs_optim_defaults(LRS_OPTIM_RMSPROP);
    assert_true(r.lr == 1e-2 && r.alpha == 0.99 && r.momentum == 0);
    lrs_optim_hparams g = lrs_optim_defaults(LRS_OPTIM_ADAGRAD);
    assert_true(g.lr == 1e-2 && g.eps == 1e-10);
    lrs_optim_hparams l = lrs_optim_defaults(LRS_OPTIM_LION);
    assert_true(l.lr == 1e-4 && l.beta2 == 0.99);
}

static void test_add_group_validates(void **state)
{
    (void)state;
    float p[4] = {0}, g[4] = {0};
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.lr = -1;
    assert_int_equal(lrs_optim_add_group(opt, p, g, 4, &hp), LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(opt), "lr"));
    hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.nesterov = 1; /* without momentum, as torch refuses */
    assert_int_equal(lrs_optim_add_group(opt, p, g, 4, &hp), LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(opt), "nesterov"));
    hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.beta2 = 1.0;
    assert_int_equal(lrs_optim_add_group(opt, p, g, 4, &hp), LRS_OPTIM_EINVAL);
    hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.eps = NAN;
    assert_int_equal(lrs_optim_add_group(opt, p, g, 4, &hp), LRS_OPTIM_EINVAL);
    hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    assert_int_equal(lrs_optim_add_group(opt, NULL, g, 4, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_add_group(opt, p, g, 0, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_group_count(opt), 0);
    assert_int_equal(lrs_optim_add_group(opt, p, g, 4, &hp), 0);
    assert_int_equal(lrs_optim_group_count(opt), 1);
    lrs_optim_free(opt);
}

static void test_state_is_aligned_and_named(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_ADAM, 1);
    const float *m = lrs_optim_state(f->opt, 0, "exp_avg");
    assert_non_null(m);
    assert_int_equal((uintptr_t)m % 64, 0);
    assert_non_null(lrs_optim_state(f->opt, 0, "exp_avg_sq"));
    assert_null(lrs_optim_state(f->opt, 0, "max_exp_avg_sq")); /* amsgrad off */
    assert_null(lrs_optim_state(f->opt, 0, "momentum_buffer"));
    assert_null(lrs_optim_state(f->opt, 1, "exp_avg"));
    destroy(f);
}

static void test_bind_rejects_unknown_names(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_SGD, 1);
    assert_int_equal(lrs_optim_bind(f->opt, 0, "beta1", NULL, 1.0), LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(f->opt), "beta1"));
    assert_int_equal(lrs_optim_bind(f->opt, 0, "learning_rate", NULL, 1.0), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_bind(f->opt, 3, "lr", NULL, 1.0), LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(f->opt), "group 3"));
    assert_int_equal(lrs_optim_bind(f->opt, 0, "lr", NULL, INFINITY), LRS_OPTIM_EINVAL);
    destroy(f);
}

typedef struct counter {
    int calls;
    int64_t steps[8];
} counter;

static double counting_schedule(void *user, int64_t step)
{
    counter *c = user;
    if (c->calls < 8) c->steps[c->calls] = step;
    c->calls++;
    return 0.1 * (double)(step + 1);
}

static void test_schedule_called_once_per_step_at_step_index(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_SGD, 2);
    counter c = {0};
    /* Shared schedule, layer-wise scales: group 1 runs at half the rate. */
    assert_int_equal(lrs_optim_bind_callback(f->opt, -1, "lr", counting_schedule, &c, 1.0), 0);
    assert_int_equal(lrs_optim_bind_callback(f->opt, 1, "lr", counting_schedule, &c, 0.5), 0);
    assert_int_equal(c.calls, 0); /* binding calls nothing */
    for (int s = 0; s < 3; s++) {
        assert_int_equal(lrs_optim_step(f->opt), LRS_OPTIM_OK);
        assert_int_equal(c.calls, s + 1);
        assert_int_equal(c.steps[s], s); /* the first step uses schedule(0) */
        double lr0, lr1;
        assert_int_equal(lrs_optim_hparam(f->opt, 0, "lr", &lr0), 0);
        assert_int_equal(lrs_optim_hparam(f->opt, 1, "lr", &lr1), 0);
        assert_true(lr0 == 0.1 * (s + 1));
        assert_true(lr1 == 0.5 * (0.1 * (s + 1)));
    }
    assert_int_equal(lrs_optim_step_count(f->opt), 3);
    destroy(f);
}

static void test_unbound_is_constant_and_rebinding_works(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_SGD, 1);
    float before = f->p[0][0];
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    assert_int_equal(lrs_optim_step(f->opt), 0);
    /* p -= lr * g exactly, as one fused multiply-add */
    assert_true(f->p[0][0] == fmaf(f->g[0][0], (float)-hp.lr, before));
    counter c = {0};
    assert_int_equal(lrs_optim_bind_callback(f->opt, 0, "lr", counting_schedule, &c, 1.0), 0);
    assert_int_equal(lrs_optim_bind_callback(f->opt, 0, "lr", NULL, NULL, 1.0), 0); /* unbind */
    assert_int_equal(lrs_optim_step(f->opt), 0);
    assert_int_equal(c.calls, 0);
    double lr;
    assert_int_equal(lrs_optim_hparam(f->opt, 0, "lr", &lr), 0);
    assert_true(lr == hp.lr);
    destroy(f);
}

static double nan_after_two(int64_t step)
{
    return step < 2 ? 0.01 : NAN;
}

static void test_bad_schedule_value_changes_nothing(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_ADAM, 1);
    assert_int_equal(lrs_optim_bind(f->opt, 0, "lr", nan_after_two, 1.0), 0);
    assert_int_equal(lrs_optim_step(f->opt), 0);
    assert_int_equal(lrs_optim_step(f->opt), 0);
    float p[N], m[N];
    memcpy(p, f->p[0], sizeof p);
    memcpy(m, lrs_optim_state(f->opt, 0, "exp_avg"), sizeof m);
    assert_int_equal(lrs_optim_step(f->opt), LRS_OPTIM_ESCHEDULE);
    assert_non_null(strstr(lrs_optim_error(f->opt), "step 2"));
    assert_memory_equal(p, f->p[0], sizeof p);
    assert_memory_equal(m, lrs_optim_state(f->opt, 0, "exp_avg"), sizeof m);
    assert_int_equal(lrs_optim_step_count(f->opt), 2);
    destroy(f);
}

static void test_momentum_schedule_allocates_buffer(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_SGD, 1); /* momentum 0: no buffer */
    assert_null(lrs_optim_state(f->opt, 0, "momentum_buffer"));
    counter c = {0};
    assert_int_equal(lrs_optim_bind_callback(f->opt, 0, "momentum", counting_schedule, &c, 1.0), 0);
    const float *buf = lrs_optim_state(f->opt, 0, "momentum_buffer");
    assert_non_null(buf);
    assert_int_equal(lrs_optim_step(f->opt), 0);
    /* First momentum step: the buffer is the gradient, as in torch. */
    assert_memory_equal(buf, f->g[0], sizeof f->g[0]);
    destroy(f);
}

static void test_skip_nonfinite(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_ADAMW, 2);
    float p[2][N];
    memcpy(p, f->p, sizeof p);
    assert_int_equal(lrs_optim_grads_finite(f->opt), 1);
    f->g[1][N - 1] = INFINITY;
    assert_int_equal(lrs_optim_grads_finite(f->opt), 0);
    assert_int_equal(lrs_optim_set_skip_nonfinite(f->opt, 1), 0);
    assert_int_equal(lrs_optim_step(f->opt), LRS_OPTIM_SKIPPED);
    assert_memory_equal(p, f->p, sizeof p);
    assert_int_equal(lrs_optim_step_count(f->opt), 0);
    f->g[1][N - 1] = NAN;
    lrs_optim_zero_grad(f->opt); /* forgets what it knew */
    f->g[0][3] = NAN;
    assert_int_equal(lrs_optim_step(f->opt), LRS_OPTIM_SKIPPED);
    lrs_optim_zero_grad(f->opt);
    f->g[0][3] = 1.0f;
    assert_int_equal(lrs_optim_step(f->opt), LRS_OPTIM_OK);
    assert_int_equal(lrs_optim_step_count(f->opt), 1);
    assert_true(f->p[0][3] != p[0][3]);
    /* Off: a non-finite gradient goes through and poisons the parameter. */
    assert_int_equal(lrs_optim_set_skip_nonfinite(f->opt, 0), 0);
    f->g[0][5] = NAN;
    assert_int_equal(lrs_optim_step(f->opt), LRS_OPTIM_OK);
    assert_true(isnan(f->p[0][5]));
    destroy(f);
}

static void test_zero_grad(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_SGD, 2);
    lrs_optim_zero_grad(f->opt);
    for (int gi = 0; gi < 2; gi++)
        for (int i = 0; i < N; i++)
            assert_true(f->g[gi][i] == 0.0f && !signbit(f->g[gi][i]));
    destroy(f);
}

static void test_unscale(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_SGD, 2);
    float g[2][N];
    memcpy(g, f->g, sizeof g);
    int found = -1;
    assert_int_equal(lrs_optim_unscale_grads(f->opt, 1.0 / 1024, &found), 0);
    assert_int_equal(found, 0);
    for (int gi = 0; gi < 2; gi++)
        for (int i = 0; i < N; i++)
            assert_true(f->g[gi][i] == g[gi][i] * (1.0f / 1024));
    f->g[1][50] = -INFINITY;
    assert_int_equal(lrs_optim_unscale_grads(f->opt, 0.5, &found), 0);
    assert_int_equal(found, 1);
    assert_int_equal(lrs_optim_unscale_grads(f->opt, NAN, &found), LRS_OPTIM_EINVAL);
    destroy(f);
}

static void test_clip_grad_norm(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_SGD, 2);
    long double ss = 0;
    for (int gi = 0; gi < 2; gi++)
        for (int i = 0; i < N; i++)
            ss += (long double)f->g[gi][i] * f->g[gi][i];
    const double want = sqrt((double)ss);
    float g[2][N];
    memcpy(g, f->g, sizeof g);
    double norm = 0;
    /* Above the norm: nothing changes. */
    assert_int_equal(lrs_optim_clip_grad_norm(f->opt, want * 2, &norm), 0);
    assert_true(fabs(norm - want) <= 1e-12 * want);
    assert_memory_equal(g, f->g, sizeof g);
    /* Below: scaled by max_norm / (norm + 1e-6), as torch does. */
    assert_int_equal(lrs_optim_clip_grad_norm(f->opt, 1.0, &norm), 0);
    const float coef = (float)(1.0 / (norm + 1e-6));
    for (int gi = 0; gi < 2; gi++)
        for (int i = 0; i < N; i++)
            assert_true(f->g[gi][i] == g[gi][i] * coef);
    assert_int_equal(lrs_optim_clip_grad_norm(f->opt, 1.0, &norm), 0);
    assert_true(fabs(norm - 1.0) < 1e-5);
    /* A non-finite norm leaves the gradients alone. */
    f->g[0][0] = NAN;
    memcpy(g, f->g, sizeof g);
    assert_int_equal(lrs_optim_clip_grad_norm(f->opt, 1e-3, &norm), 0);
    assert_true(isnan(norm));
    assert_memory_equal(g, f->g, sizeof g);
    assert_int_equal(lrs_optim_clip_grad_norm(f->opt, -1, NULL), LRS_OPTIM_EINVAL);
    destroy(f);
}

static void test_simd_selection(void **state)
{
    (void)state;
    fixture *f = make(LRS_OPTIM_SGD, 1);
    assert_true(lrs_optim_simd_supported("scalar"));
    assert_false(lrs_optim_simd_supported("sse9"));
    assert_false(lrs_optim_simd_supported(NULL));
    assert_int_equal(lrs_optim_set_simd(f->opt, "sse9"), LRS_OPTIM_EUNSUPPORTED);
    assert_int_equal(lrs_optim_set_simd(f->opt, "scalar"), 0);
    assert_string_equal(lrs_optim_simd(f->opt), "scalar");
    assert_int_equal(lrs_optim_set_threads(f->opt, -2), LRS_OPTIM_EINVAL);
    destroy(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_rejects_bad_kind),
        cmocka_unit_test(test_defaults_follow_torch),
        cmocka_unit_test(test_add_group_validates),
        cmocka_unit_test(test_state_is_aligned_and_named),
        cmocka_unit_test(test_bind_rejects_unknown_names),
        cmocka_unit_test(test_schedule_called_once_per_step_at_step_index),
        cmocka_unit_test(test_unbound_is_constant_and_rebinding_works),
        cmocka_unit_test(test_bad_schedule_value_changes_nothing),
        cmocka_unit_test(test_momentum_schedule_allocates_buffer),
        cmocka_unit_test(test_skip_nonfinite),
        cmocka_unit_test(test_zero_grad),
        cmocka_unit_test(test_unscale),
        cmocka_unit_test(test_clip_grad_norm),
        cmocka_unit_test(test_simd_selection),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
