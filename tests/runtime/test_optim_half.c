/* test_optim_half.c — 16-bit groups (lrs_optim_add_group16, bfloat16 and
 * float16) on the SIMD path LRS_SIMD forces. The conversions give torch
 * 1.13's bits (golden values from Debian's python3-torch 1.13, below; the
 * Python tests compare with torch itself on every path), the update of a
 * 16-bit group is the float32 group's on the widened gradients, bit for
 * bit (master weights and every state buffer), the 16-bit parameters are
 * the master weights rounded, and all of it is the same on 1 and 2 threads
 * and on the scalar path. The gradient utilities work on the 16-bit
 * gradients, and a checkpoint resumes a 16-bit group exactly. */
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

static const lrs_optim_dtype formats[] = {LRS_OPTIM_BFLOAT16, LRS_OPTIM_FLOAT16};
static const char *const format_names[] = {"?", "bfloat16", "float16"};

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

/* torch 1.13's float -> float16, transcribed from
 * c10::detail::fp16_ieee_from_fp32_value (c10/util/Half.h): the rounding
 * done by a float addition at the right exponent. */
static uint16_t ref_f16(float f)
{
    const float scale_to_inf = f_of(0x77800000u), scale_to_zero = f_of(0x08800000u);
    float base = (fabsf(f) * scale_to_inf) * scale_to_zero;
    const uint32_t w = bits_of(f), shl1_w = w + w, sign = w & 0x80000000u;
    uint32_t bias = shl1_w & 0xff000000u;
    if (bias < 0x71000000u) bias = 0x71000000u;
    base = f_of((bias >> 1) + 0x07800000u) + base;
    const uint32_t bits = bits_of(base);
    const uint32_t nonsign = ((bits >> 13) & 0x7c00u) + (bits & 0x0fffu);
    return (uint16_t)((sign >> 16) | (shl1_w > 0xff000000u ? 0x7e00u : nonsign));
}

/* torch 1.13's float16 -> float, transcribed from
 * c10::detail::fp16_ieee_to_fp32_value: exact; the multiplication makes a
 * signalling NaN quiet. */
static float ref_widen_f16(uint16_t h)
{
    const uint32_t w = (uint32_t)h << 16, sign = w & 0x80000000u, two_w = w + w;
    const float normalized = f_of((two_w >> 4) + (0xe0u << 23)) * 0x1p-112f;
    const float denormalized = f_of((two_w >> 17) | (126u << 23)) - 0.5f;
    return f_of(sign | (two_w < (1u << 27) ? bits_of(denormalized) : bits_of(normalized)));
}

static uint16_t ref16(lrs_optim_dtype fmt, float x)
{
    return fmt == LRS_OPTIM_BFLOAT16 ? ref_bf16(x) : ref_f16(x);
}

/* bfloat16 widens by a shift (c10::BFloat16's conversion). */
static float widen16(lrs_optim_dtype fmt, uint16_t h)
{
    return fmt == LRS_OPTIM_BFLOAT16 ? f_of((uint32_t)h << 16) : ref_widen_f16(h);
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
static const uint32_t golden_bf16[][2] = {
    {0x00000000u, 0x0000u}, {0x80000000u, 0x8000u}, {0x00000001u, 0x0000u}, {0x00008000u, 0x0000u},
    {0x00018000u, 0x0002u}, {0x00400000u, 0x0040u}, {0x007fffffu, 0x0080u}, {0x807fffffu, 0x8080u},
    {0x00800000u, 0x0080u}, {0x3f800000u, 0x3f80u}, {0x3f808000u, 0x3f80u}, {0x3f818000u, 0x3f82u},
    {0x3f808001u, 0x3f81u}, {0x3f80ffffu, 0x3f81u}, {0xbf818000u, 0xbf82u}, {0x7f7fffffu, 0x7f80u},
    {0x7f7f7fffu, 0x7f7fu}, {0xff7f8000u, 0xff80u}, {0x7f800000u, 0x7f80u}, {0xff800000u, 0xff80u},
    {0x7fc00000u, 0xffffu}, {0xffc00000u, 0xffffu}, {0x7f800001u, 0xffffu}, {0x7fffffffu, 0xffffu},
    {0xffbfffffu, 0xffffu}};

/* {float32 bits, float16 bits}: torch 1.13, the same way with
 * .to(torch.float16). Ties to even (among subnormals too: 2^-25 goes to
 * 0), the largest subnormal rounding up to the smallest normal, 65520
 * (halfway above the largest float16) to infinity, NaNs to 0x7e00 with
 * their sign, whatever their payload. */
static const uint32_t golden_f16[][2] = {
    {0x00000000u, 0x0000u}, {0x80000000u, 0x8000u}, {0x00000001u, 0x0000u}, {0x33000000u, 0x0000u},
    {0x33000001u, 0x0001u}, {0x33800000u, 0x0001u}, {0x33c00000u, 0x0002u}, {0x34200000u, 0x0002u},
    {0x387fc000u, 0x03ffu}, {0x387fe000u, 0x0400u}, {0x38800000u, 0x0400u}, {0x3f800000u, 0x3c00u},
    {0x3f801000u, 0x3c00u}, {0x3f803000u, 0x3c02u}, {0x3f801001u, 0x3c01u}, {0xbf803000u, 0xbc02u},
    {0x477fe000u, 0x7bffu}, {0x477fefffu, 0x7bffu}, {0x477ff000u, 0x7c00u}, {0xc77ff000u, 0xfc00u},
    {0x47800000u, 0x7c00u}, {0x7f7fffffu, 0x7c00u}, {0x7f800000u, 0x7c00u}, {0xff800000u, 0xfc00u},
    {0x7fc00000u, 0x7e00u}, {0xffc00000u, 0xfe00u}, {0x7f800001u, 0x7e00u}, {0x7fffffffu, 0x7e00u},
    {0xffbfffffu, 0xfe00u}, {0x7fc02000u, 0x7e00u}};

/* {float16 bits, float32 bits}: torch 1.13, torch.from_numpy(bits.view(
 * float16)).float(). Exact, subnormals kept, a signalling NaN made quiet. */
static const uint32_t golden_widen_f16[][2] = {
    {0x0000u, 0x00000000u}, {0x8000u, 0x80000000u}, {0x0001u, 0x33800000u}, {0x8001u, 0xb3800000u},
    {0x03ffu, 0x387fc000u}, {0x0400u, 0x38800000u}, {0x3c00u, 0x3f800000u}, {0x7bffu, 0x477fe000u},
    {0x7c00u, 0x7f800000u}, {0xfc00u, 0xff800000u}, {0x7e00u, 0x7fc00000u}, {0xfe00u, 0xffc00000u},
    {0x7c01u, 0x7fc02000u}, {0x7d55u, 0x7feaa000u}, {0xffffu, 0xffffe000u}};

/* SGD with lr 0 and zero gradients leaves the master weights as they are
 * (p + -0 * 0 = p) and writes them rounded: the conversion alone. */
static void round_through_sgd(lrs_optim_dtype fmt, const float *master_in, uint16_t *out, size_t n)
{
    float *m = malloc(n * sizeof *m);
    uint16_t *g = calloc(n, sizeof *g);
    memcpy(m, master_in, n * sizeof *m);
    memset(out, 0x5a, n * sizeof *out);
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.lr = 0;
    assert_int_equal(lrs_optim_add_group16(opt, fmt, m, out, g, n, &hp), 0);
    assert_int_equal(lrs_optim_set_simd(opt, path_under_test()), 0);
    assert_int_equal(lrs_optim_step(opt), 0);
    for (size_t i = 0; i < n; i++)
        if (!isnan(master_in[i])) assert_int_equal(bits_of(m[i]), bits_of(master_in[i]));
    lrs_optim_free(opt);
    free(m), free(g);
}

static void check_golden(lrs_optim_dtype fmt, const uint32_t (*gold)[2], size_t ngold)
{
    const size_t n = 8 * ngold; /* full vectors and a tail on every path */
    float *x = malloc(n * sizeof *x);
    uint16_t *h = malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++)
        x[i] = f_of(gold[i % ngold][0]);
    round_through_sgd(fmt, x, h, n);
    for (size_t i = 0; i < n; i++)
        if (h[i] != gold[i % ngold][1])
            fail_msg("%s, %s: 0x%08x rounded to 0x%04x, torch gives 0x%04x", path_under_test(),
                     format_names[fmt], gold[i % ngold][0], h[i], gold[i % ngold][1]);
    free(x), free(h);
}

static void test_rounding_is_torchs(void **state)
{
    (void)state;
    check_golden(LRS_OPTIM_BFLOAT16, golden_bf16, sizeof golden_bf16 / sizeof *golden_bf16);
    check_golden(LRS_OPTIM_FLOAT16, golden_f16, sizeof golden_f16 / sizeof *golden_f16);
}

/* Every exponent (subnormals and NaNs included), ties and near-ties of
 * both formats, against the transcriptions of torch's rounding. */
static void test_rounding_many_patterns(void **state)
{
    (void)state;
    const size_t n = 1u << 17;
    float *x = malloc(n * sizeof *x);
    uint16_t *h = malloc(n * sizeof *h);
    for (size_t i = 0; i < n; i++) {
        uint32_t b = (uint32_t)rtt_splitmix64(i);
        if (i % 8 == 1) b = (b & 0xffff0000u) | 0x8000u; /* bfloat16 tie */
        if (i % 8 == 2) b = (b & 0xffff0000u) | 0x7fffu; /* just below it */
        if (i % 8 == 3) b &= 0x807fffffu;                /* float32 subnormal or zero */
        if (i % 8 == 4) b = (b & 0xffffe000u) | 0x1000u; /* float16 tie */
        if (i % 8 == 5) b = (b & 0xffffe000u) | 0x0fffu; /* just below it */
        if (i % 8 == 6)                                  /* float16 range, subnormals included */
            b = (b & 0x807fffffu) | (uint32_t)(0x66u + (i >> 3) % 0x2a) << 23;
        x[i] = f_of(b);
    }
    for (size_t f = 0; f < 2; f++) {
        round_through_sgd(formats[f], x, h, n);
        for (size_t i = 0; i < n; i++)
            if (h[i] != ref16(formats[f], x[i]))
                fail_msg("%s: 0x%08x rounded to 0x%04x, want 0x%04x", format_names[formats[f]],
                         bits_of(x[i]), h[i], ref16(formats[f], x[i]));
    }
    free(x), free(h);
}

/* SGD with lr 1 from master weights -0 stores fma(g, -1, -0) = -g exactly
 * (a NaN as it is, made quiet), and writes -g back in the 16-bit format:
 * the widening alone, for all 65536 patterns. */
static void widen_through_sgd(lrs_optim_dtype fmt, const uint16_t *g, float *m, uint16_t *p16,
                              size_t n)
{
    for (size_t i = 0; i < n; i++)
        m[i] = -0.0f;
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.lr = 1;
    uint16_t *gc = malloc(n * sizeof *gc);
    memcpy(gc, g, n * sizeof *gc);
    assert_int_equal(lrs_optim_add_group16(opt, fmt, m, p16, gc, n, &hp), 0);
    assert_int_equal(lrs_optim_set_simd(opt, path_under_test()), 0);
    assert_int_equal(lrs_optim_step(opt), 0);
    lrs_optim_free(opt);
    free(gc);
}

static uint32_t widened_master(float w)
{
    return isnan(w) ? bits_of(w) | 0x00400000u : bits_of(w) ^ 0x80000000u;
}

static void test_widening(void **state)
{
    (void)state;
    const size_t n = 65536;
    uint16_t *g = malloc(n * sizeof *g), *p16 = malloc(n * sizeof *p16);
    float *m = malloc(n * sizeof *m);
    for (size_t i = 0; i < n; i++)
        g[i] = (uint16_t)i;
    for (size_t f = 0; f < 2; f++) {
        const lrs_optim_dtype fmt = formats[f];
        widen_through_sgd(fmt, g, m, p16, n);
        for (size_t i = 0; i < n; i++) {
            const float w = widen16(fmt, g[i]);
            if (bits_of(m[i]) != widened_master(w))
                fail_msg("%s 0x%04zx widened to -0x%08x, want -0x%08x", format_names[fmt], i,
                         bits_of(m[i]), bits_of(w));
            if (p16[i] != ref16(fmt, f_of(widened_master(w))))
                fail_msg("%s 0x%04zx: -g stored as 0x%04x", format_names[fmt], i, p16[i]);
        }
    }
    /* torch's own bits. */
    const size_t ng = sizeof golden_widen_f16 / sizeof *golden_widen_f16;
    for (size_t i = 0; i < ng; i++)
        g[i] = (uint16_t)golden_widen_f16[i][0];
    widen_through_sgd(LRS_OPTIM_FLOAT16, g, m, p16, ng);
    for (size_t i = 0; i < ng; i++)
        if (bits_of(m[i]) != widened_master(f_of(golden_widen_f16[i][1])))
            fail_msg("float16 0x%04x widened to -0x%08x, torch gives 0x%08x",
                     golden_widen_f16[i][0], bits_of(m[i]), golden_widen_f16[i][1]);
    free(g), free(p16), free(m);
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
    hp.lr = 0.1; /* large enough to move most 16-bit values in STEPS steps */
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

static const size_t sizes[2] = {BIG, SMALL};

/* A fresh optimizer of `kind` with two groups: 16-bit ones of format fmt
 * when half, else float32 ones (r.g) that will hold the same, widened,
 * gradients. */
static run setup(lrs_optim_kind kind, const char *simd, int threads, lrs_optim_dtype fmt, int half)
{
    run r;
    memset(&r, 0, sizeof r);
    r.opt = lrs_optim_new(kind);
    assert_non_null(r.opt);
    assert_int_equal(lrs_optim_set_simd(r.opt, simd), 0);
    assert_int_equal(lrs_optim_set_threads(r.opt, threads), 0);
    lrs_optim_hparams hp = options(kind);
    for (int gi = 0; gi < 2; gi++) {
        const size_t n = sizes[gi];
        r.p[gi] = malloc(n * sizeof(float));
        r.g[gi] = malloc(n * sizeof(float));
        r.p16[gi] = malloc(n * sizeof(uint16_t));
        r.g16[gi] = malloc(n * sizeof(uint16_t));
        for (size_t i = 0; i < n; i++) {
            r.p[gi][i] = rtt_rnd(3 + (unsigned)gi, RTT_INIT_T, i);
            r.p16[gi][i] = ref16(fmt, r.p[gi][i]);
        }
        int rc = half ? lrs_optim_add_group16(r.opt, fmt, r.p[gi], r.p16[gi], r.g16[gi], n, &hp)
                      : lrs_optim_add_group(r.opt, r.p[gi], r.g[gi], n, &hp);
        assert_int_equal(rc, gi);
    }
    assert_int_equal(lrs_optim_bind(r.opt, -1, "lr", lr_schedule, hp.lr), 0);
    return r;
}

/* Steps t0 .. t1-1, clipping the norm each step. */
static void steps(run *r, lrs_optim_dtype fmt, int half, int t0, int t1)
{
    for (int t = t0; t < t1; t++) {
        for (int gi = 0; gi < 2; gi++)
            for (size_t i = 0; i < sizes[gi]; i++) {
                r->g16[gi][i] = ref16(fmt, rtt_grad(3 + (unsigned)gi, (unsigned)t, i));
                r->g[gi][i] = widen16(fmt, r->g16[gi][i]);
            }
        /* 50 clips every step of these gradients (norm about 200). */
        assert_int_equal(lrs_optim_clip_grad_norm(r->opt, 50.0, &r->norm[t]), 0);
        if (!half) /* what scaling the 16-bit gradients gives: the product rounded */
            for (int gi = 0; gi < 2; gi++)
                for (size_t i = 0; i < sizes[gi]; i++)
                    r->g[gi][i] = widen16(fmt, ref16(fmt, r->g[gi][i]));
        assert_int_equal(lrs_optim_step(r->opt), 0);
    }
}

/* STEPS steps of `kind` on a 16-bit model (half) or on float32 buffers
 * holding the same (widened) gradients. */
static run go(lrs_optim_kind kind, const char *simd, int threads, lrs_optim_dtype fmt, int half)
{
    run r = setup(kind, simd, threads, fmt, half);
    steps(&r, fmt, half, 0, STEPS);
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

/* Same master weights, states and norms; b16's 16-bit parameters are its
 * master weights rounded. */
static void assert_same(const run *a, const run *b16, lrs_optim_dtype fmt)
{
    assert_memory_equal(a->norm, b16->norm, sizeof a->norm);
    for (int gi = 0; gi < 2; gi++) {
        assert_memory_equal(a->p[gi], b16->p[gi], sizes[gi] * sizeof(float));
        for (size_t s = 0; s < sizeof state_names / sizeof *state_names; s++) {
            const float *x = lrs_optim_state(a->opt, gi, state_names[s]);
            const float *y = lrs_optim_state(b16->opt, gi, state_names[s]);
            assert_true((x == NULL) == (y == NULL));
            if (x) assert_memory_equal(x, y, sizes[gi] * sizeof(float));
        }
        for (size_t i = 0; i < sizes[gi]; i++)
            if (b16->p16[gi][i] != ref16(fmt, b16->p[gi][i]))
                fail_msg("%s group %d [%zu]: 0x%04x, master %a rounds to 0x%04x", format_names[fmt],
                         gi, i, b16->p16[gi][i], (double)b16->p[gi][i], ref16(fmt, b16->p[gi][i]));
    }
}

static void check_kind_format(lrs_optim_kind kind, lrs_optim_dtype fmt)
{
    const char *simd = path_under_test();
    run f32 = go(kind, "scalar", 1, fmt, 0);
    run one = go(kind, simd, 1, fmt, 1), two = go(kind, simd, 2, fmt, 1);
    assert_same(&f32, &one, fmt);
    assert_same(&f32, &two, fmt);
    assert_memory_equal(one.p16[0], two.p16[0], BIG * sizeof(uint16_t));
    if (strcmp(simd, "scalar") != 0) {
        run ref = go(kind, "scalar", 1, fmt, 1);
        assert_same(&f32, &ref, fmt);
        assert_memory_equal(one.p16[0], ref.p16[0], BIG * sizeof(uint16_t));
        assert_memory_equal(one.p16[1], ref.p16[1], SMALL * sizeof(uint16_t));
        drop(&ref);
    }
    /* The run moved the parameters at all, and the 16-bit copy with them. */
    assert_true(one.p[0][0] != rtt_rnd(3, RTT_INIT_T, 0));
    size_t moved = 0;
    for (size_t i = 0; i < BIG; i++)
        moved += one.p16[0][i] != ref16(fmt, rtt_rnd(3, RTT_INIT_T, i));
    assert_true(moved > BIG / 4);
    drop(&f32), drop(&one), drop(&two);
}

static void check_kind(lrs_optim_kind kind)
{
    check_kind_format(kind, LRS_OPTIM_BFLOAT16);
    check_kind_format(kind, LRS_OPTIM_FLOAT16);
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

/* Save after 2 steps, load into a fresh optimizer over copies of the
 * buffers (master weights and 16-bit parameters kept by the caller), take
 * the other 2: the same bits as the uninterrupted run. */
static void test_checkpoint_resumes(void **state)
{
    (void)state;
    const lrs_optim_kind kinds[] = {LRS_OPTIM_ADAMW, LRS_OPTIM_SGD, LRS_OPTIM_RMSPROP};
    for (size_t f = 0; f < 2; f++)
        for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
            const lrs_optim_dtype fmt = formats[f];
            run whole = go(kinds[k], path_under_test(), 1, fmt, 1);
            run a = setup(kinds[k], path_under_test(), 1, fmt, 1);
            steps(&a, fmt, 1, 0, STEPS / 2);
            size_t len = 0;
            assert_int_equal(lrs_optim_save_buffer(a.opt, NULL, 0, &len), 0);
            void *ck = malloc(len);
            assert_int_equal(lrs_optim_save_buffer(a.opt, ck, len, &len), 0);
            run b = setup(kinds[k], path_under_test(), 1, fmt, 1);
            for (int gi = 0; gi < 2; gi++) {
                memcpy(b.p[gi], a.p[gi], sizes[gi] * sizeof(float));
                memcpy(b.p16[gi], a.p16[gi], sizes[gi] * sizeof(uint16_t));
            }
            drop(&a);
            assert_int_equal(lrs_optim_load_buffer(b.opt, ck, len, 0), 0);
            free(ck);
            steps(&b, fmt, 1, STEPS / 2, STEPS);
            for (int gi = 0; gi < 2; gi++) {
                assert_memory_equal(whole.p[gi], b.p[gi], sizes[gi] * sizeof(float));
                assert_memory_equal(whole.p16[gi], b.p16[gi], sizes[gi] * sizeof(uint16_t));
                for (size_t s = 0; s < sizeof state_names / sizeof *state_names; s++) {
                    const float *x = lrs_optim_state(whole.opt, gi, state_names[s]);
                    const float *y = lrs_optim_state(b.opt, gi, state_names[s]);
                    assert_true((x == NULL) == (y == NULL));
                    if (x) assert_memory_equal(x, y, sizes[gi] * sizeof(float));
                }
            }
            assert_memory_equal(whole.norm + STEPS / 2, b.norm + STEPS / 2,
                                STEPS / 2 * sizeof(double));
            drop(&whole), drop(&b);
        }
}

/* grads_finite, unscale_grads, zero_grad and skip_nonfinite read and
 * write the 16-bit gradients, not a float32 buffer. */
static void check_gradient_utilities(lrs_optim_dtype fmt)
{
    const size_t n = 1000;
    float *m = calloc(n, sizeof *m);
    uint16_t *p16 = calloc(n, sizeof *p16), *g16 = malloc(n * sizeof *g16);
    for (size_t i = 0; i < n; i++)
        g16[i] = ref16(fmt, rtt_grad(5, 0, i) * 3.0f);
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_ADAMW);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_ADAMW);
    assert_int_equal(lrs_optim_add_group16(opt, fmt, m, p16, g16, n, &hp), 0);
    assert_int_equal(lrs_optim_set_simd(opt, path_under_test()), 0);
    assert_int_equal(lrs_optim_grads_finite(opt), 1);
    double sum = 0, norm = -1;
    for (size_t i = 0; i < n; i++)
        sum += (double)widen16(fmt, g16[i]) * (double)widen16(fmt, g16[i]);
    assert_int_equal(lrs_optim_clip_grad_norm(opt, 1e30, &norm), 0);
    assert_true(norm > 0 && fabs(norm - sqrt(sum)) <= 1e-12 * sqrt(sum));
    uint16_t *want = malloc(n * sizeof *want);
    for (size_t i = 0; i < n; i++)
        want[i] = ref16(fmt, widen16(fmt, g16[i]) * 0.1f);
    int bad = -1;
    assert_int_equal(lrs_optim_unscale_grads(opt, 0.1, &bad), 0);
    assert_int_equal(bad, 0);
    assert_memory_equal(g16, want, n * sizeof *want);
    /* infinity and a NaN, in the tail */
    const uint16_t specials[2][2] = {{0x7f80, 0xffc1}, {0x7c00, 0xfe01}};
    for (int k = 0; k < 2; k++) {
        g16[n - 1] = specials[fmt - 1][k];
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

static void test_gradient_utilities(void **state)
{
    (void)state;
    check_gradient_utilities(LRS_OPTIM_BFLOAT16);
    check_gradient_utilities(LRS_OPTIM_FLOAT16);
}

static void test_api(void **state)
{
    (void)state;
    float m[8] = {0}, g[8] = {0};
    uint16_t p16[8] = {0}, g16[8] = {0};
    lrs_optim *opt = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    const lrs_optim_dtype bf = LRS_OPTIM_BFLOAT16, hf = LRS_OPTIM_FLOAT16;
    assert_int_equal(lrs_optim_add_group16(opt, bf, NULL, p16, g16, 8, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_add_group16(opt, bf, m, NULL, g16, 8, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_add_group16(opt, hf, m, p16, NULL, 8, &hp), LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(opt), "float16 group"));
    assert_int_equal(lrs_optim_add_group16(opt, hf, m, p16, g16, 0, &hp), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_add_group16(opt, (lrs_optim_dtype)0, m, p16, g16, 8, &hp),
                     LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(opt), "LRS_OPTIM_FLOAT16"));
    assert_int_equal(lrs_optim_add_group16(opt, (lrs_optim_dtype)3, m, p16, g16, 8, &hp),
                     LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_group_count(opt), 0);
    hp.lr = -1;
    assert_int_equal(lrs_optim_add_group16(opt, bf, m, p16, g16, 8, &hp), LRS_OPTIM_EINVAL);
    hp.lr = 0.5;
    assert_int_equal(lrs_optim_add_group(opt, m, g, 8, &hp), 0);
    assert_int_equal(lrs_optim_add_group16(opt, bf, m, p16, g16, 8, &hp), 1);
    assert_int_equal(lrs_optim_add_group16(opt, hf, m, p16, g16, 8, &hp), 2);
    /* Each kind of group takes its own kind of buffers. */
    assert_int_equal(lrs_optim_set_buffers(opt, 2, m, g), LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(opt), "float16 group: use lrs_optim_set_buffers16"));
    assert_int_equal(lrs_optim_set_buffers16(opt, 0, m, p16, g16), LRS_OPTIM_EINVAL);
    assert_non_null(strstr(lrs_optim_error(opt), "float32 group: use lrs_optim_set_buffers"));
    assert_int_equal(lrs_optim_set_buffers16(opt, 3, m, p16, g16), LRS_OPTIM_EINVAL);
    assert_int_equal(lrs_optim_set_buffers16(opt, 1, m, p16, NULL), LRS_OPTIM_EINVAL);
    /* New buffers are the ones the next step uses, in the group's format. */
    float m2[8], m3[8];
    uint16_t q16[8], h16[8], r16[8], k16[8];
    for (int i = 0; i < 8; i++) {
        m2[i] = m3[i] = 1.0f, q16[i] = r16[i] = 0;
        h16[i] = 0x3f80; /* bfloat16 1 */
        k16[i] = 0x3c00; /* float16 1 */
    }
    assert_int_equal(lrs_optim_set_buffers16(opt, 1, m2, q16, h16), 0);
    assert_int_equal(lrs_optim_set_buffers16(opt, 2, m3, r16, k16), 0);
    assert_int_equal(lrs_optim_step(opt), 0);
    for (int i = 0; i < 8; i++) {
        assert_true(m2[i] == 0.5f && m3[i] == 0.5f);
        assert_int_equal(q16[i], 0x3f00); /* bfloat16 0.5 */
        assert_int_equal(r16[i], 0x3800); /* float16 0.5 */
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
        cmocka_unit_test(test_widening),
        cmocka_unit_test(test_sgd),
        cmocka_unit_test(test_adam),
        cmocka_unit_test(test_adamw),
        cmocka_unit_test(test_rmsprop),
        cmocka_unit_test(test_adagrad),
        cmocka_unit_test(test_lion),
        cmocka_unit_test(test_checkpoint_resumes),
        cmocka_unit_test(test_gradient_utilities),
        cmocka_unit_test(test_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
