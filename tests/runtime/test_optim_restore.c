/* test_optim_restore.c — the entry points a framework uses to move a state
 * it keeps elsewhere into the runtime and back (Python's state_dict):
 * writable state buffers, replacing a group's hyperparameters, and the
 * group and optimizer step counters. A state copied through them must
 * continue bit for bit as the optimizer it was copied from. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "rt_test_util.h"

#define N 64

typedef struct fixture {
    float p[N], g[N];
    lrs_optim *opt;
} fixture;

static fixture *make(lrs_optim_kind kind, const lrs_optim_hparams *hp)
{
    fixture *f = calloc(1, sizeof *f);
    f->opt = lrs_optim_new(kind);
    assert_non_null(f->opt);
    for (int i = 0; i < N; i++)
        f->p[i] = rtt_rnd(3, RTT_INIT_T, (unsigned)i);
    assert_int_equal(lrs_optim_add_group(f->opt, f->p, f->g, N, hp), 0);
    return f;
}

static void run(fixture *f, int from, int to)
{
    for (int t = from; t < to; t++) {
        for (int i = 0; i < N; i++)
            f->g[i] = rtt_grad(3, (unsigned)t, (unsigned)i);
        assert_int_equal(lrs_optim_step(f->opt), 0);
    }
}

static void destroy(fixture *f)
{
    lrs_optim_free(f->opt);
    free(f);
}

/* Copy every buffer, the counters and the parameters of a into b. */
static void copy_state(const fixture *a, fixture *b, const char *const *names)
{
    for (const char *const *n = names; *n; n++) {
        const float *src = lrs_optim_state(a->opt, 0, *n);
        float *dst = lrs_optim_state_data(b->opt, 0, *n);
        assert_non_null(src);
        assert_non_null(dst);
        memcpy(dst, src, N * sizeof(float));
    }
    assert_int_equal(lrs_optim_set_group_steps(b->opt, 0, lrs_optim_group_steps(a->opt, 0)), 0);
    assert_int_equal(lrs_optim_set_step_count(b->opt, lrs_optim_step_count(a->opt)), 0);
    memcpy(b->p, a->p, sizeof b->p);
}

static void test_copied_state_continues_exactly(void **state)
{
    (void)state;
    static const struct {
        lrs_optim_kind kind;
        const char *names[4];
    } cases[] = {
        {LRS_OPTIM_ADAM, {"exp_avg", "exp_avg_sq", NULL}},
        {LRS_OPTIM_ADAMW, {"exp_avg", "exp_avg_sq", NULL}},
        {LRS_OPTIM_RMSPROP, {"square_avg", NULL}},
        {LRS_OPTIM_ADAGRAD, {"sum", NULL}},
        {LRS_OPTIM_LION, {"exp_avg", NULL}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        lrs_optim_hparams hp = lrs_optim_defaults(cases[c].kind);
        fixture *a = make(cases[c].kind, &hp), *b = make(cases[c].kind, &hp);
        run(a, 0, 7);
        assert_int_equal(lrs_optim_group_steps(a->opt, 0), 7);
        copy_state(a, b, cases[c].names);
        assert_int_equal(lrs_optim_group_steps(b->opt, 0), 7);
        run(a, 7, 12);
        run(b, 7, 12);
        /* Without the copied counters Adam's bias correction (and
         * Adagrad's decay) would differ: the bits would not match. */
        assert_memory_equal(a->p, b->p, sizeof a->p);
        destroy(a), destroy(b);
    }
}

static void test_counters_matter(void **state)
{
    (void)state;
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAM);
    fixture *a = make(LRS_OPTIM_ADAM, &hp), *b = make(LRS_OPTIM_ADAM, &hp);
    run(a, 0, 5);
    const char *names[] = {"exp_avg", "exp_avg_sq", NULL};
    copy_state(a, b, names);
    assert_int_equal(lrs_optim_set_group_steps(b->opt, 0, 1), 0); /* a wrong count */
    run(a, 5, 6);
    run(b, 5, 6);
    assert_true(memcmp(a->p, b->p, sizeof a->p) != 0);
    destroy(a), destroy(b);
}

static void test_set_hparams(void **state)
{
    (void)state;
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAM);
    fixture *a = make(LRS_OPTIM_ADAM, &hp);
    assert_null(lrs_optim_state(a->opt, 0, "max_exp_avg_sq"));
    /* The new values are used by the next step, as a fresh optimizer
     * created with them would use them. */
    lrs_optim_hparams hp2 = hp;
    hp2.lr = 0.25;
    hp2.amsgrad = 1;
    assert_int_equal(lrs_optim_set_hparams(a->opt, 0, &hp2), 0);
    assert_non_null(lrs_optim_state(a->opt, 0, "max_exp_avg_sq")); /* allocated */
    fixture *b = make(LRS_OPTIM_ADAM, &hp2);
    run(a, 0, 3);
    run(b, 0, 3);
    assert_memory_equal(a->p, b->p, sizeof a->p);
    double lr;
    assert_int_equal(lrs_optim_hparam(a->opt, 0, "lr", &lr), 0);
    assert_true(lr == 0.25);

    /* Invalid values are refused and nothing changes. */
    lrs_optim_hparams bad = hp2;
    bad.beta1 = 1.0;
    assert_int_equal(lrs_optim_set_hparams(a->opt, 0, &bad), LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(a->opt), "beta1"));
    bad = hp2;
    bad.lr = -1;
    assert_int_equal(lrs_optim_set_hparams(a->opt, 0, &bad), LRS_OPTIM_EINVAL);
    run(a, 3, 5);
    run(b, 3, 5);
    assert_memory_equal(a->p, b->p, sizeof a->p);
    destroy(a), destroy(b);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAM);
    fixture *a = make(LRS_OPTIM_ADAM, &hp);
    assert_null(lrs_optim_state_data(a->opt, 1, "exp_avg"));
    assert_null(lrs_optim_state_data(a->opt, -1, "exp_avg"));
    assert_null(lrs_optim_state_data(a->opt, 0, "momentum_buffer")); /* not Adam's */
    assert_null(lrs_optim_state_data(a->opt, 0, "no_such_buffer"));
    assert_null(lrs_optim_state_data(a->opt, 0, NULL));
    assert_int_equal(lrs_optim_group_steps(a->opt, 1), -1);
    assert_int_equal(lrs_optim_group_steps(a->opt, -1), -1);
    assert_int_equal(lrs_optim_set_group_steps(a->opt, 0, -1), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_group_steps(a->opt, 1, 3), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_step_count(a->opt, -5), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_hparams(a->opt, 1, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_hparams(a->opt, 0, NULL), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_group_steps(a->opt, 0), 0); /* untouched */
    assert_int_equal(lrs_optim_step_count(a->opt), 0);
    destroy(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copied_state_continues_exactly),
        cmocka_unit_test(test_counters_matter),
        cmocka_unit_test(test_set_hparams),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
