/* rt_isa_scalar.h — the one-lane "vector" the kernel template is written
 * against, for the portable path. vf_fma is C's fmaf, correctly rounded on
 * every machine (one instruction on aarch64; on x86-64 without -mfma a libm
 * call that glibc routes to the FMA instruction when the CPU has one), so
 * this path gives the same bits as the vector ones. */
#ifndef LRS_RT_ISA_SCALAR_H
#define LRS_RT_ISA_SCALAR_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RT_ISA scalar
#define RT_VW 1
typedef float vf;

static inline vf vf_ld(const float *p, size_t rem)
{
    (void)rem;
    return *p;
}
static inline void vf_st(float *p, vf x, size_t rem)
{
    (void)rem;
    *p = x;
}
static inline vf vf_set1(float x)
{
    return x;
}
static inline vf vf_add(vf a, vf b)
{
    return a + b;
}
static inline vf vf_sub(vf a, vf b)
{
    return a - b;
}
static inline vf vf_mul(vf a, vf b)
{
    return a * b;
}
static inline vf vf_div(vf a, vf b)
{
    return a / b;
}
static inline vf vf_neg(vf a)
{
    return -a;
}
static inline vf vf_sqrt(vf a)
{
    return sqrtf(a);
}
static inline vf vf_fma(vf a, vf b, vf c)
{
    return fmaf(a, b, c);
}
/* Same operand order as maxps: the second operand wins unless a > b. */
static inline vf vf_max(vf a, vf b)
{
    return a > b ? a : b;
}
/* sign with sign(0) = 0. */
static inline vf vf_sign(vf a)
{
    return (float)(a > 0.0f) - (float)(a < 0.0f);
}
/* 0 for finite input, NaN otherwise; accumulating it flags any non-finite. */
static inline vf vf_nanprobe(vf a)
{
    return a * 0.0f;
}
static inline int vf_any_nan(vf a)
{
    return a != a;
}

/* bfloat16 is the high half of a float: widening is exact. */
static inline vf vbf_ld(const uint16_t *p, size_t rem)
{
    (void)rem;
    uint32_t b = (uint32_t)*p << 16;
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}
/* torch 1.13's float -> bfloat16 (c10 and its vectorised cvtfp32_bf16):
 * round to nearest even, subnormals kept, every NaN 0xffff. */
static inline void vbf_st(uint16_t *p, vf x, size_t rem)
{
    (void)rem;
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    *p = x != x ? (uint16_t)0xffff : (uint16_t)((b + 0x7fffu + (b >> 16 & 1u)) >> 16);
}

/* IEEE binary16 -> float: exact. A NaN keeps its sign and payload and is
 * made quiet, as torch 1.13's c10::detail::fp16_ieee_to_fp32_value (and
 * VCVTPH2PS) make it. */
static inline vf vh_ld(const uint16_t *p, size_t rem)
{
    (void)rem;
    const uint32_t h = *p, sign = (h & 0x8000u) << 16, e = h >> 10 & 0x1fu, m = h & 0x3ffu;
    uint32_t b;
    if (e == 0x1fu) {
        b = sign | 0x7f800000u | (m ? 0x400000u | m << 13 : 0u);
    } else if (e) {
        b = sign | (e + 112u) << 23 | m << 13;
    } else { /* zero or subnormal: m * 2^-24, exact in float */
        float x = (float)m * 0x1p-24f;
        memcpy(&b, &x, sizeof b);
        b |= sign;
    }
    float x;
    memcpy(&x, &b, sizeof x);
    return x;
}
/* float -> IEEE binary16 as torch 1.13's Tensor.to(torch.float16)
 * (c10::detail::fp16_ieee_from_fp32_value): round to nearest even,
 * subnormals kept, overflow to infinity, every NaN 0x7e00 with its sign.
 * In integers, so that no floating-point mode (FTZ, DAZ) can change it. */
static inline void vh_st(uint16_t *p, vf x, size_t rem)
{
    (void)rem;
    uint32_t b;
    memcpy(&b, &x, sizeof b);
    const uint32_t sign = b >> 16 & 0x8000u, a = b & 0x7fffffffu;
    uint32_t h;
    if (a > 0x7f800000u) {
        h = 0x7e00u;
    } else if (a >= 0x477ff000u) { /* 65520 and above round to infinity */
        h = 0x7c00u;
    } else if (a >= 0x38800000u) { /* a normal binary16: rebias, round 13 bits off */
        const uint32_t r = a - 0x38000000u;
        h = (r + 0xfffu + (r >> 13 & 1u)) >> 13;
    } else if (a > 0x33000000u) { /* a subnormal one (2^-25, a tie, goes to 0) */
        const uint32_t m = 0x800000u | (a & 0x7fffffu), sh = 126u - (a >> 23);
        h = (m + (1u << (sh - 1)) - 1u + (m >> sh & 1u)) >> sh;
    } else {
        h = 0;
    }
    *p = (uint16_t)(sign | h);
}

/* 16 double lanes for the norm: lane k holds elements congruent to k mod 16. */
typedef struct {
    double l[16];
} vsq;
static inline vsq vsq_zero(void)
{
    vsq s = {{0}};
    return s;
}
static inline void vsq_acc16(vsq *s, const float *g, size_t rem)
{
    for (size_t k = 0; k < rem; k++) {
        double x = g[k];
        s->l[k] += x * x;
    }
}
static inline void vsq_lanes(const vsq *s, double out[16])
{
    for (int k = 0; k < 16; k++)
        out[k] = s->l[k];
}

#endif
