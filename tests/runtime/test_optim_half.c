/* test_optim_bf16.c — bfloat16 groups (lrs_optim_add_group_bf16) on the
 * SIMD path LRS_SIMD forces. The rounding to bfloat16 gives torch 1.13's
 * bits (golden values from Debian's python3-torch 1.13, below), the update
 * of a bfloat16 group is the float32 group's on the widened gradients, bit
 * for bit (master weights and every state buffer), the bfloat16 parameters
 * are the master weights rounded, and all of it is the same on 1 and 2
 * threads and on the scalar path. The gradient utilities work on the
 * bfloat16 gradients. */
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

static float f_of(uint32_t b)
{
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}

static uint32_t bits_of(float x)
{
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    return b;
}

/* torch 1.13's float -> bfloat16: c10::round_to_nearest_even
 * (c10/util/BFloat16.h) for numbers; every NaN becomes 0xffff, as
 * cvtfp32_bf16 (ATen/cpu/vec/vec512/vec512_bfloat16.h) makes it in the
 * vectorised copy that Tensor.to(torch.bfloat16) runs. */
static uint16_t ref_bf16(float x)
{
    if (isnan(x)) return 0xffff;
    uint32_t b = bits_of(x);
    return (uint16_t)((b + 0x7fffu + (b >> 16 & 1u)) >> 16);
}

static float widen(uint16_t h)
{
    return f_of((uint32_t)h << 16);
}

static const char *path_under_test(void)
{
    const char *p = getenv("LRS_SIMD");
    return p ? p : "scalar";
}

/* {float32 bits, bfloat16 bits}: torch 1.13, torch.from_numpy(bits.view(
 * float32)).to(torch.bfloat16), 8 copies of the list so that its
 * vectorised loop ran. Ties to even, subnormals kept, overflow to
 * infinity, NaNs (quiet, signalling, negative) to 0xffff. */
static const uint32_t golden[][2] = {
    {0x00000000u, 0x0000u}, {0x80000000u, 0x8000u}, {0x00000001u, 0x0000u}, {0x00008000u, 0x0000u},
    {0x00018000u, 0x0002u}, {0x00400000u, 0x0040u}, {0x007fffffu, 0x0080u}, {0x807fffffu, 0x8080u},
    {0x00800000u, 0x0080u}, {0x3f800000u, 0x3f80u}, {0x3f808000u, 0x3f80u}, {0x3f818000u, 0x3f82u},
    {0x3f808001u, 0x3f81u}, {0x3f80ffffu, 0x3f81u}, {0xbf818000u, 0xbf82u}, {0x7f7fffffu, 0x7f80u},
    {0x7f7f7fffu, 0x7f7fu}, {0xff7f8000u, 0xff80u}, {0x7f800000u, 0x7f80u}, {0xff800000u, 0xff80u},
    {0x7fc00000u, 0xffffu}, {0xffc00000u, 0xffffu}, {0x7f800001u, 0xffffu}, {0x7fffffffu, 0xffffu},
    {0xffbfffffu, 0xffffu}};
#define NGOLD (sizeof golden / sizeof *golden)

/* SGD with lr 0 and zero gradients leaves the master weights as they are
 * (p + -0 * 0 = p) and writes them rounded: the conversion alone. */
static void round_through_sgd(const char *simd, const float *master_in, uint16_t *out, size_t n)
{
    float *m = malloc(n * sizeof *m);
    uint16_t *g = calloc(n, sizeof *g);
    memcpy(m, master_in, n * sizeof *m);
    memset(out, 0x5a, n * sizeof *out);
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.lr = 0;
    assert_int_equal(lrs_optim_add_group_bf16(opt, m, out, g, n, &hp), 0);
    assert_int_equal(lrs_optim_set_simd(opt, simd), 0);
    assert_int_equal(lrs_optim_step(opt), 0);
    for (size_t i = 0; i < n; i++)
        if (!isnan(master_in[i])) assert_int_equal(bits_of(m[i]), bits_of(master_in[i]));
    lrs_optim_free(opt);
    free(m), free(g);
}

static void test_rounding_is_torchs(void **state)
{
    (void)state;
    const size_t n = 8 * NGOLD; /* full vectors and a tail on every path */
    float *x = malloc(n * sizeof *x);
    uint16_t *h = malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++)
        x[i] = f_of(golden[i % NGOLD][0]);
    round_through_sgd(path_under_test(), x, h, n);
    for (size_t i = 0; i < n; i++)
        if (h[i] != golden[i % NGOLD][1])
            fail_msg("%s: 0x%08x rounded to 0x%04x, torch gives 0x%04x", path_under_test(),
                     golden[i % NGOLD][0], h[i], golden[i % NGOLD][1]);
    free(x), free(h);
}

/* Every exponent (subnormals and NaNs included), ties and near-ties,
 * against the transcription of torch's rounding. */
static void test_rounding_many_patterns(void **state)
{
    (void)state;
    const size_t n = 1u << 17;
    float *x = malloc(n * sizeof *x);
    uint16_t *h = malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++) {
        uint32_t b = (uint32_t)rtt_splitmix64(i);
        if (i % 4 == 1) b = (b & 0xffff0000u) | 0x8000u; /* exact tie */
        if (i % 4 == 2) b = (b & 0xffff0000u) | 0x7fffu; /* just below */
        if (i % 8 == 3) b &= 0x807fffffu;                /* subnormal or zero */
        x[i] = f_of(b);
    }
    round_through_sgd(path_under_test(), x, h, n);
    for (size_t i = 0; i < n; i++)
        if (h[i] != ref_bf16(x[i]))
            fail_msg("0x%08x rounded to 0x%04x, want 0x%04x", bits_of(x[i]), h[i], ref_bf16(x[i]));
    free(x), free(h);
}

typedef struct run {
    float *p[2];
    uint16_t *p16[2], *g16[2];
    float *g[2]; /* float32 runs: the widened gradients */
    lrs_optim *opt;
    double norm[STEPS];
} run;

static lrs_optim_hparams options(lrs_optim_kind kind)
{
    lrs_optim_hparams hp = lrs_optim_defaults(kind);
    hp.lr = 0.1; /* large enough to move most bfloat16 values in STEPS steps */
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

/* STEPS steps of `kind` on a bfloat16 model (bf16) or on float32 buffers
 * holding the same (widened) gradients, clipping the norm each step. */
static run go(lrs_optim_kind kind, const char *simd, int threads, int bf16)
{
    run r;
    memset(&r, 0, sizeof r);
    r.opt = lrs_optim_new(kind);
    assert_non_null(r.opt);
    assert_int_equal(lrs_optim_set_simd(r.opt, simd), 0);
    assert_int_equal(lrs_optim_set_threads(r.opt, threads), 0);
    const size_t n[2] = {BIG, SMALL};
    lrs_optim_hparams hp = options(kind);
    for (int gi = 0; gi < 2; gi++) {
        r.p[gi] = malloc(n[gi] * sizeof(float));
        r.g[gi] = malloc(n[gi] * sizeof(float));
        r.p16[gi] = malloc(n[gi] * sizeof(uint16_t));
        r.g16[gi] = malloc(n[gi] * sizeof(uint16_t));
        for (size_t i = 0; i < n[gi]; i++) {
            r.p[gi][i] = rtt_rnd(3 + (unsigned)gi, RTT_INIT_T, i);
            r.p16[gi][i] = ref_bf16(r.p[gi][i]);
        }
        int rc = bf16 ? lrs_optim_add_group_bf16(r.opt, r.p[gi], r.p16[gi], r.g16[gi], n[gi], &hp)
                      : lrs_optim_add_group(r.opt, r.p[gi], r.g[gi], n[gi], &hp);
        assert_int_equal(rc, gi);
    }
    assert_int_equal(lrs_optim_bind(r.opt, -1, "lr", lr_schedule, hp.lr), 0);
    for (int t = 0; t < STEPS; t++) {
        for (int gi = 0; gi < 2; gi++)
            for (size_t i = 0; i < n[gi]; i++) {
                r.g16[gi][i] = ref_bf16(rtt_grad(3 + (unsigned)gi, (unsigned)t, i));
                r.g[gi][i] = widen(r.g16[gi][i]);
            }
        /* 50 clips every step of these gradients (norm about 200). */
        assert_int_equal(lrs_optim_clip_grad_norm(r.opt, 50.0, &r.norm[t]), 0);
        if (!bf16) /* what scaling the bfloat16 gradients gives: the product rounded */
            for (int gi = 0; gi < 2; gi++)
                for (size_t i = 0; i < n[gi]; i++)
                    r.g[gi][i] = widen(ref_bf16(r.g[gi][i]));
        assert_int_equal(lrs_optim_step(r.opt), 0);
    }
    return r;
}

static void drop(run *r)
{
    for (int gi = 0; gi < 2; gi++)
        free(r->p[gi]), free(r->g[gi]), free(r->p16[gi]), free(r->g16[gi]);
    lrs_optim_free(r->opt);
}

static const char *const state_names[] = {
    "momentum_buffer", "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "square_avg", "grad_avg", "sum"};

/* Same master weights, states and norms; b16's bfloat16 parameters are
 * its master weights rounded. */
static void assert_same(const run *a, const run *b16)
{
    const size_t n[2] = {BIG, SMALL};
    assert_memory_equal(a->norm, b16->norm, sizeof a->norm);
    for (int gi = 0; gi < 2; gi++) {
        assert_memory_equal(a->p[gi], b16->p[gi], n[gi] * sizeof(float));
        for (size_t s = 0; s < sizeof state_names / sizeof *state_names; s++) {
            const float *x = lrs_optim_state(a->opt, gi, state_names[s]);
            const float *y = lrs_optim_state(b16->opt, gi, state_names[s]);
            assert_true((x == NULL) == (y == NULL));
            if (x) assert_memory_equal(x, y, n[gi] * sizeof(float));
        }
        for (size_t i = 0; i < n[gi]; i++)
            if (b16->p16[gi][i] != ref_bf16(b16->p[gi][i]))
                fail_msg("group %d [%zu]: bfloat16 0x%04x, master %a rounds to 0x%04x", gi, i,
                         b16->p16[gi][i], (double)b16->p[gi][i], ref_bf16(b16->p[gi][i]));
    }
}

static void check_kind(lrs_optim_kind kind)
{
    const char *simd = path_under_test();
    run f32 = go(kind, "scalar", 1, 0);
    run one = go(kind, simd, 1, 1), two = go(kind, simd, 2, 1);
    assert_same(&f32, &one);
    assert_same(&f32, &two);
    assert_memory_equal(one.p16[0], two.p16[0], BIG * sizeof(uint16_t));
    if (strcmp(simd, "scalar") != 0) {
        run ref = go(kind, "scalar", 1, 1);
        assert_same(&f32, &ref);
        assert_memory_equal(one.p16[0], ref.p16[0], BIG * sizeof(uint16_t));
        assert_memory_equal(one.p16[1], ref.p16[1], SMALL * sizeof(uint16_t));
        drop(&ref);
    }
    /* The run moved the parameters at all, and the bfloat16 copy with them. */
    assert_true(one.p[0][0] != rtt_rnd(3, RTT_INIT_T, 0));
    size_t moved = 0;
    for (size_t i = 0; i < BIG; i++)
        moved += one.p16[0][i] != ref_bf16(rtt_rnd(3, RTT_INIT_T, i));
    assert_true(moved > BIG / 4);
    drop(&f32), drop(&one), drop(&two);
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

/* grads_finite, unscale_grads, zero_grad and skip_nonfinite read and
 * write the bfloat16 gradients, not a float32 buffer. */
static void test_gradient_utilities(void **state)
{
    (void)state;
    const size_t n = 1000;
    float *m = calloc(n, sizeof *m);
    uint16_t *p16 = calloc(n, sizeof *p16), *g16 = malloc(n * sizeof *g16);
    for (size_t i = 0; i < n; i++)
        g16[i] = ref_bf16(rtt_grad(5, 0, i) * 3.0f);
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_ADAMW);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAMW);
    assert_int_equal(lrs_optim_add_group_bf16(opt, m, p16, g16, n, &hp), 0);
    assert_int_equal(lrs_optim_set_simd(opt, path_under_test()), 0);
    assert_int_equal(lrs_optim_grads_finite(opt), 1);
    uint16_t *want = malloc(n * sizeof *want);
    for (size_t i = 0; i < n; i++)
        want[i] = ref_bf16(widen(g16[i]) * 0.1f);
    int bad = -1;
    assert_int_equal(lrs_optim_unscale_grads(opt, 0.1, &bad), 0);
    assert_int_equal(bad, 0);
    assert_memory_equal(g16, want, n * sizeof *want);
    const uint16_t specials[2] = {0x7f80, 0xffc1}; /* infinity, a NaN: in the tail */
    for (int k = 0; k < 2; k++) {
        g16[n - 1] = specials[k];
        assert_int_equal(lrs_optim_grads_finite(opt), 0);
        assert_int_equal(lrs_optim_unscale_grads(opt, 1.0, &bad), 0);
        assert_int_equal(bad, 1);
    }
    assert_int_equal(lrs_optim_set_skip_nonfinite(opt, 1), 0);
    assert_int_equal(lrs_optim_step(opt), LRS_OPTIM_SKIPPED);
    assert_int_equal(lrs_optim_zero_grad(opt), 0);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(g16[i], 0);
    assert_int_equal(lrs_optim_step(opt), 0);
    lrs_optim_free(opt);
    free(m), free(p16), free(g16), free(want);
}

static void test_api(void **state)
{
    (void)state;
    float m[8] = {0}, g[8] = {0};
    uint16_t p16[8] = {0}, g16[8] = {0};
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    assert_int_equal(lrs_optim_add_group_bf16(opt, NULL, p16, g16, 8, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_add_group_bf16(opt, m, NULL, g16, 8, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_add_group_bf16(opt, m, p16, NULL, 8, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_add_group_bf16(opt, m, p16, g16, 0, &hp), LRS_OPTIM_EINVAL);
    hp.lr = -1;
    assert_int_equal(lrs_optim_add_group_bf16(opt, m, p16, g16, 8, &hp), LRS_OPTIM_EINVAL);
    hp.lr = 0.5;
    assert_int_equal(lrs_optim_add_group(opt, m, g, 8, &hp), 0);
    assert_int_equal(lrs_optim_add_group_bf16(opt, m, p16, g16, 8, &hp), 1);
    /* Each kind of group takes its own kind of buffers. */
    assert_int_equal(lrs_optim_set_buffers(opt, 1, m, g), LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(opt), "lrs_optim_set_buffers_bf16"));
    assert_int_equal(lrs_optim_set_buffers_bf16(opt, 0, m, p16, g16), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_buffers_bf16(opt, 2, m, p16, g16), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_buffers_bf16(opt, 1, m, p16, NULL), LRS_OPTIM_EINVAL);
    /* New buffers are the ones the next step uses. */
    float m2[8];
    uint16_t q16[8], h16[8];
    for (int i = 0; i < 8; i++)
        m2[i] = 1.0f, q16[i] = 0, h16[i] = 0x3f80; /* gradient 1 */
    assert_int_equal(lrs_optim_set_buffers_bf16(opt, 1, m2, q16, h16), 0);
    assert_int_equal(lrs_optim_step(opt), 0);
    for (int i = 0; i < 8; i++) {
        assert_true(m2[i] == 0.5f);
        assert_int_equal(q16[i], 0x3f00);
        assert_int_equal(p16[i], 0);
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
        cmocka_unit_test(test_rounding_is_torchs),
        cmocka_unit_test(test_rounding_many_patterns),
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_adamw),
        cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_adagrad),
        cmocka_unit_test(test_lion),
        cmocka_unit_test(test_gradient_utilities),
        cmocka_unit_test(test_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
