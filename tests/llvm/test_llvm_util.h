/* test_llvm_util.h — distances between doubles for the backend's tests. */
#ifndef TEST_LLVM_UTIL_H
#define TEST_LLVM_UTIL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Units in the last place between a and b: 0 for equal values (+0 and -0
 * too) and for two NaNs, UINT64_MAX when only one is NaN. */
static inline uint64_t lrs_test_ulps(double a, double b)
{
    if (a != a || b != b) return a != a && b != b ? 0 : UINT64_MAX;
    if (a == b) return 0;
    int64_t ia, ib;
    memcpy(&ia, &a, sizeof ia);
    memcpy(&ib, &b, sizeof ib);
    /* map the sign-magnitude bits onto a monotonic integer line */
    uint64_t ua = ia < 0 ? (uint64_t)0x8000000000000000ull - (uint64_t)ia
                         : (uint64_t)ia + 0x8000000000000000ull;
    uint64_t ub = ib < 0 ? (uint64_t)0x8000000000000000ull - (uint64_t)ib
                         : (uint64_t)ib + 0x8000000000000000ull;
    return ua > ub ? ua - ub : ub - ua;
}

/* a and b within `ulps` ulp of each other, or within `ulps` ulp of the
 * schedule's scale (its largest magnitude) when cancellation magnified a
 * last-bit difference. */
static inline int lrs_test_close(double a, double b, double scale, unsigned ulps)
{
    if (lrs_test_ulps(a, b) <= ulps) return 1;
    if (!isfinite(a) || !isfinite(b) || !isfinite(scale)) return 0;
    double u = nextafter(scale, INFINITY) - scale;
    return fabs(a - b) <= ulps * u;
}

/* ---- the interpreter with libmvec's vector math ------------------------ */

/* Range functions call libmvec for cos, sin, exp, log and pow in their
 * vectorised loop and glibc's scalar functions elsewhere (the remainder
 * loop, and everything when the loop is not vectorised). These evaluate a
 * schedule's code as the interpreter does but with the libmvec variant of
 * one ISA: 'b' (SSE2), 'd' (AVX2) or 'e' (AVX-512), except where the
 * backend keeps glibc's functions (lrs_llvm_exact_nodes). */
#if defined(__x86_64__)
#include <immintrin.h>

__m128d _ZGVbN2v_cos(__m128d), _ZGVbN2v_sin(__m128d), _ZGVbN2v_exp(__m128d), _ZGVbN2v_log(__m128d),
    _ZGVbN2vv_pow(__m128d, __m128d), _ZGVbN2v_tanh(__m128d), _ZGVbN2v_log2(__m128d);

#define LRS_MV(isa, T, set1, first, n)                                                             \
    T _ZGV##isa##N##n##v_cos(T), _ZGV##isa##N##n##v_sin(T), _ZGV##isa##N##n##v_exp(T),             \
        _ZGV##isa##N##n##v_log(T), _ZGV##isa##N##n##vv_pow(T, T), _ZGV##isa##N##n##v_tanh(T),      \
        _ZGV##isa##N##n##v_log2(T);                                                                \
    static double lrs_mv_##isa(int op, double a, double b)                                         \
    {                                                                                              \
        T x = set1(a), y = set1(b);                                                                \
        switch (op) {                                                                              \
        case IR_COS:                                                                               \
            return first(_ZGV##isa##N##n##v_cos(x));                                               \
        case IR_SIN:                                                                               \
            return first(_ZGV##isa##N##n##v_sin(x));                                               \
        case IR_EXP:                                                                               \
            return first(_ZGV##isa##N##n##v_exp(x));                                               \
        case IR_LOG:                                                                               \
            return first(_ZGV##isa##N##n##v_log(x));                                               \
        case IR_TANH:                                                                              \
            return first(_ZGV##isa##N##n##v_tanh(x));                                              \
        case IR_LOG2:                                                                              \
            return first(_ZGV##isa##N##n##v_log2(x));                                              \
        default:                                                                                   \
            return first(_ZGV##isa##N##n##vv_pow(x, y));                                           \
        }                                                                                          \
    }
#pragma GCC push_options
#pragma GCC target("avx2")
LRS_MV(d, __m256d, _mm256_set1_pd, _mm256_cvtsd_f64, 4)
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx512f")
LRS_MV(e, __m512d, _mm512_set1_pd, _mm512_cvtsd_f64, 8)
#pragma GCC pop_options

static double lrs_mv_b(int op, double a, double b)
{
    __m128d x = _mm_set1_pd(a), y = _mm_set1_pd(b);
    switch (op) {
    case IR_COS:
        return _mm_cvtsd_f64(_ZGVbN2v_cos(x));
    case IR_SIN:
        return _mm_cvtsd_f64(_ZGVbN2v_sin(x));
    case IR_EXP:
        return _mm_cvtsd_f64(_ZGVbN2v_exp(x));
    case IR_LOG:
        return _mm_cvtsd_f64(_ZGVbN2v_log(x));
    case IR_TANH:
        return _mm_cvtsd_f64(_ZGVbN2v_tanh(x));
    case IR_LOG2:
        return _mm_cvtsd_f64(_ZGVbN2v_log2(x));
    default:
        return _mm_cvtsd_f64(_ZGVbN2vv_pow(x, y));
    }
}

/* Schedule code at step with libmvec ISA `isa` ('b', 'd', 'e'), for tanh
 * and log2 too if `new235` (the JIT's glibc 2.35 functions), with detector
 * values det (NULL: before any report); NAN if the CPU lacks the ISA. */
static inline double lrs_test_eval_mv(const lrs_code *c, int64_t step, char isa, int new235,
                                      const double *det)
{
    if ((isa == 'd' && !__builtin_cpu_supports("avx2")) ||
        (isa == 'e' && !__builtin_cpu_supports("avx512f")))
        return NAN;
    double (*mv)(int, double, double) = isa == 'b' ? lrs_mv_b : isa == 'd' ? lrs_mv_d : lrs_mv_e;
    double v[4096];
    unsigned char exact[4096];
    if (c->n > 4096) return NAN;
    lrs_llvm_exact_nodes(c, exact);
    if (step < 0) step = 0;
    for (uint32_t i = 0; i < c->n; i++) {
        const lrs_irnode *n = &c->ins[i];
        switch (n->op) {
        case IR_CONST:
            v[i] = n->k;
            break;
        case IR_STEP:
            v[i] = (double)step;
            break;
        case IR_NOISE:
            v[i] = lrs_ir_noise_value(step, n->k);
            break;
        case IR_INPUT:
            v[i] = det ? det[n->a] : n->k;
            break;
        case IR_SELECT:
            v[i] = v[n->a] != 0 ? v[n->b] : v[n->c];
            break;
        case IR_PICK:
        case IR_INDEX:
            v[i] = lrs_ir_table_apply(n->op, c->pool + n->b, n->c, v[n->a]);
            break;
        case IR_TANH:
        case IR_LOG2:
            v[i] = exact[i] || !new235 ? lrs_ir_apply(n->op, v[n->a], 0) : mv(n->op, v[n->a], 0);
            break;
        case IR_COS:
        case IR_SIN:
        case IR_EXP:
        case IR_LOG:
            v[i] = exact[i] ? lrs_ir_apply(n->op, v[n->a], 0) : mv(n->op, v[n->a], 0);
            break;
        case IR_POW:
            v[i] = exact[i] ? lrs_ir_apply(n->op, v[n->a], v[n->b]) : mv(n->op, v[n->a], v[n->b]);
            break;
        default:
            v[i] = lrs_ir_apply(n->op, v[n->a], n->b != LRS_IR_NONE ? v[n->b] : 0);
            break;
        }
    }
    return c->n ? v[c->n - 1] : NAN;
}
#endif

#endif
