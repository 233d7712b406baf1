/* rt_isa_avx512.h — the 16-lane AVX-512F vector the kernel template is
 * written against; tails use mask registers. vf_fma is fused. Compiled
 * with -mavx512bf16 (rt_kernel_avx512bf16.c) it is the avx512bf16 path,
 * which rounds to bfloat16 with VCVTNEPS2BF16. */
#ifndef LRS_RT_ISA_AVX512_H
#define LRS_RT_ISA_AVX512_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __AVX512BF16__
#define RT_ISA avx512bf16
#else
#define RT_ISA avx512
#endif
#define RT_VW 16
typedef __m512 vf;

static inline __mmask16 rt_tail_mask(size_t rem)
{
    return (__mmask16)((1u << rem) - 1u);
}
static inline vf vf_ld(const float *p, size_t rem)
{
    return rem == RT_VW ? _mm512_loadu_ps(p) : _mm512_maskz_loadu_ps(rt_tail_mask(rem), p);
}
static inline void vf_st(float *p, vf x, size_t rem)
{
    if (rem == RT_VW)
        _mm512_storeu_ps(p, x);
    else
        _mm512_mask_storeu_ps(p, rt_tail_mask(rem), x);
}
static inline vf vf_set1(float x)
{
    return _mm512_set1_ps(x);
}
static inline vf vf_add(vf a, vf b)
{
    return _mm512_add_ps(a, b);
}
static inline vf vf_sub(vf a, vf b)
{
    return _mm512_sub_ps(a, b);
}
static inline vf vf_mul(vf a, vf b)
{
    return _mm512_mul_ps(a, b);
}
static inline vf vf_div(vf a, vf b)
{
    return _mm512_div_ps(a, b);
}
/* The sign bit flipped, as the other paths and torch's neg do (0 - a
 * gives +0 for +0, and keeps a NaN's sign). */
static inline vf vf_neg(vf a)
{
    return _mm512_castsi512_ps(
        _mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32(INT32_MIN)));
}
static inline vf vf_sqrt(vf a)
{
    return _mm512_sqrt_ps(a);
}
static inline vf vf_fma(vf a, vf b, vf c)
{
    return _mm512_fmadd_ps(a, b, c);
}
static inline vf vf_max(vf a, vf b)
{
    return _mm512_max_ps(a, b);
}
static inline vf vf_sign(vf a)
{
    const vf one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    vf pos = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, zero, _CMP_GT_OQ), one);
    vf neg = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(a, zero, _CMP_LT_OQ), one);
    return _mm512_sub_ps(pos, neg);
}
static inline vf vf_nanprobe(vf a)
{
    return _mm512_mul_ps(a, _mm512_setzero_ps());
}
static inline int vf_any_nan(vf a)
{
    return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q) != 0;
}

/* bfloat16 is the high half of a float: widening is exact. A tail goes
 * through a zeroed block (AVX-512F has no 16-bit masked loads or stores). */
static inline vf vbf_ld(const uint16_t *p, size_t rem)
{
    __m256i h;
    if (rem == RT_VW) {
        h = _mm256_loadu_si256((const __m256i *)p);
    } else {
        uint16_t t[RT_VW] = {0};
        memcpy(t, p, rem * sizeof *p);
        h = _mm256_loadu_si256((const __m256i *)t);
    }
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}
/* torch 1.13's float -> bfloat16 (cvtfp32_bf16): round to nearest even,
 * subnormals kept, every NaN 0xffff; the scalar path's bits. */
static inline __m256i rt_bf16_round(vf x)
{
    const __m512i b = _mm512_castps_si512(x);
    const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(b, 16), _mm512_set1_epi32(1));
    __m512i r = _mm512_srli_epi32(
        _mm512_add_epi32(b, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
    r = _mm512_mask_mov_epi32(r, _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q), _mm512_set1_epi32(0xffff));
    return _mm512_cvtepi32_epi16(r);
}
static inline void vbf_st(uint16_t *p, vf x, size_t rem)
{
#ifdef __AVX512BF16__
    /* The instruction rounds to nearest even too, but flushes subnormal
     * inputs to zero and keeps NaN payloads: lanes holding either (fpclass
     * 0xa1: quiet NaN, signalling NaN, subnormal) take the integer rounding. */
    __m256i h = _mm512_fpclass_ps_mask(x, 0xa1) ? rt_bf16_round(x) : (__m256i)_mm512_cvtneps_pbh(x);
#else
    __m256i h = rt_bf16_round(x);
#endif
    if (rem == RT_VW) {
        _mm256_storeu_si256((__m256i *)p, h);
    } else {
        uint16_t t[RT_VW];
        _mm256_storeu_si256((__m256i *)t, h);
        memcpy(p, t, rem * sizeof *p);
    }
}

/* IEEE binary16 -> float with VCVTPH2PS: exact, NaNs made quiet (the
 * scalar path's bits). A tail goes through a zeroed block. */
static inline vf vh_ld(const uint16_t *p, size_t rem)
{
    __m256i h;
    if (rem == RT_VW) {
        h = _mm256_loadu_si256((const __m256i *)p);
    } else {
        uint16_t t[RT_VW] = {0};
        memcpy(t, p, rem * sizeof *p);
        h = _mm256_loadu_si256((const __m256i *)t);
    }
    return _mm512_cvtph_ps(h);
}
/* float -> binary16 with VCVTPS2PH, to nearest even (subnormals kept,
 * overflow to infinity); a NaN lane becomes 0x7e00 with its sign, as
 * torch 1.13 makes it (the instruction would keep the payload). */
static inline void vh_st(uint16_t *p, vf x, size_t rem)
{
    /* the masked form: GCC's unoptimised _mm512_cvtps_ph passes (__mmask16)-1 */
    __m256i h =
        _mm512_maskz_cvtps_ph((__mmask16)0xffff, x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    if (nan) {
        const __m512i q =
            _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(x), 16),
                                             _mm512_set1_epi32(0x8000)),
                            _mm512_set1_epi32(0x7e00));
        h = _mm512_cvtepi32_epi16(_mm512_mask_mov_epi32(_mm512_cvtepu16_epi32(h), nan, q));
    }
    if (rem == RT_VW) {
        _mm256_storeu_si256((__m256i *)p, h);
    } else {
        uint16_t t[RT_VW];
        _mm256_storeu_si256((__m256i *)t, h);
        memcpy(p, t, rem * sizeof *p);
    }
}

typedef struct {
    __m512d a[2];
} vsq;
static inline vsq vsq_zero(void)
{
    vsq s = {{_mm512_setzero_pd(), _mm512_setzero_pd()}};
    return s;
}
static inline void vsq_acc16(vsq *s, const float *g, size_t rem)
{
    vf x = vf_ld(g, rem);
    __m512d d0 = _mm512_cvtps_pd(_mm512_castps512_ps256(x));
    __m512d d1 = _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(x), 1)));
    s->a[0] = _mm512_fmadd_pd(d0, d0, s->a[0]);
    s->a[1] = _mm512_fmadd_pd(d1, d1, s->a[1]);
}
static inline void vsq_lanes(const vsq *s, double out[16])
{
    _mm512_storeu_pd(out, s->a[0]);
    _mm512_storeu_pd(out + 8, s->a[1]);
}

#endif
