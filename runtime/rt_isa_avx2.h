/* rt_isa_avx2.h — the 8-lane AVX2+FMA vector the kernel template is
 * written against (with F16C for float16). vf_fma is fused, matching
 * torch's Vectorized<float>::fmadd. */
#ifndef LRS_RT_ISA_AVX2_H
#define LRS_RT_ISA_AVX2_H

#include <immintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define RT_ISA avx2
#define RT_VW 8
typedef __m256 vf;

static inline __m256i rt_tail_mask(size_t rem)
{
    const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)rem), idx);
}
static inline vf vf_ld(const float *p, size_t rem)
{
    return rem == RT_VW ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, rt_tail_mask(rem));
}
static inline void vf_st(float *p, vf x, size_t rem)
{
    if (rem == RT_VW)
        _mm256_storeu_ps(p, x);
    else
        _mm256_maskstore_ps(p, rt_tail_mask(rem), x);
}
static inline vf vf_set1(float x)
{
    return _mm256_set1_ps(x);
}
static inline vf vf_add(vf a, vf b)
{
    return _mm256_add_ps(a, b);
}
static inline vf vf_sub(vf a, vf b)
{
    return _mm256_sub_ps(a, b);
}
static inline vf vf_mul(vf a, vf b)
{
    return _mm256_mul_ps(a, b);
}
static inline vf vf_div(vf a, vf b)
{
    return _mm256_div_ps(a, b);
}
static inline vf vf_neg(vf a)
{
    return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f));
}
static inline vf vf_sqrt(vf a)
{
    return _mm256_sqrt_ps(a);
}
static inline vf vf_fma(vf a, vf b, vf c)
{
    return _mm256_fmadd_ps(a, b, c);
}
static inline vf vf_max(vf a, vf b)
{
    return _mm256_max_ps(a, b);
}
static inline vf vf_sign(vf a)
{
    const vf one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    vf pos = _mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_GT_OQ), one);
    vf neg = _mm256_and_ps(_mm256_cmp_ps(a, zero, _CMP_LT_OQ), one);
    return _mm256_sub_ps(pos, neg);
}
static inline vf vf_nanprobe(vf a)
{
    return _mm256_mul_ps(a, _mm256_setzero_ps());
}
static inline int vf_any_nan(vf a)
{
    return _mm256_movemask_ps(_mm256_cmp_ps(a, a, _CMP_UNORD_Q)) != 0;
}

/* bfloat16 is the high half of a float: widening is exact. A tail goes
 * through a zeroed block (AVX2 has no 16-bit masked loads or stores). */
static inline vf vbf_ld(const uint16_t *p, size_t rem)
{
    __m128i h;
    if (rem == RT_VW) {
        h = _mm_loadu_si128((const __m128i *)p);
    } else {
        uint16_t t[RT_VW] = {0};
        memcpy(t, p, rem * sizeof *p);
        h = _mm_loadu_si128((const __m128i *)t);
    }
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(h), 16));
}
/* torch 1.13's float -> bfloat16 (cvtfp32_bf16): round to nearest even,
 * subnormals kept, every NaN 0xffff; the scalar path's bits. */
static inline void vbf_st(uint16_t *p, vf x, size_t rem)
{
    const __m256i b = _mm256_castps_si256(x);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), _mm256_set1_epi32(1));
    __m256i r = _mm256_srli_epi32(
        _mm256_add_epi32(b, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
    const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q));
    r = _mm256_blendv_epi8(r, _mm256_set1_epi32(0xffff), nan);
    const __m128i h = _mm_packus_epi32(_mm256_castsi256_si128(r), _mm256_extracti128_si256(r, 1));
    if (rem == RT_VW) {
        _mm_storeu_si128((__m128i *)p, h);
    } else {
        uint16_t t[RT_VW];
        _mm_storeu_si128((__m128i *)t, h);
        memcpy(p, t, rem * sizeof *p);
    }
}

/* IEEE binary16 -> float with VCVTPH2PS: exact, NaNs made quiet (the
 * scalar path's bits). A tail goes through a zeroed block. */
static inline vf vh_ld(const uint16_t *p, size_t rem)
{
    __m128i h;
    if (rem == RT_VW) {
        h = _mm_loadu_si128((const __m128i *)p);
    } else {
        uint16_t t[RT_VW] = {0};
        memcpy(t, p, rem * sizeof *p);
        h = _mm_loadu_si128((const __m128i *)t);
    }
    return _mm256_cvtph_ps(h);
}
/* float -> binary16 with VCVTPS2PH, to nearest even (subnormals kept,
 * overflow to infinity); a NaN lane becomes 0x7e00 with its sign, as
 * torch 1.13 makes it (the instruction would keep the payload). */
static inline void vh_st(uint16_t *p, vf x, size_t rem)
{
    __m128i h = _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT);
    const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    if (_mm256_movemask_ps(nan)) {
        const __m256i q =
            _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(x), 16),
                                             _mm256_set1_epi32(0x8000)),
                            _mm256_set1_epi32(0x7e00));
        const __m256i m = _mm256_castps_si256(nan);
        const __m128i q16 =
            _mm_packus_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        const __m128i m16 =
            _mm_packs_epi32(_mm256_castsi256_si128(m), _mm256_extracti128_si256(m, 1));
        h = _mm_blendv_epi8(h, q16, m16);
    }
    if (rem == RT_VW) {
        _mm_storeu_si128((__m128i *)p, h);
    } else {
        uint16_t t[RT_VW];
        _mm_storeu_si128((__m128i *)t, h);
        memcpy(p, t, rem * sizeof *p);
    }
}

typedef struct {
    __m256d a[4];
} vsq;
static inline vsq vsq_zero(void)
{
    vsq s = {{_mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd(), _mm256_setzero_pd()}};
    return s;
}
static inline void vsq_acc16(vsq *s, const float *g, size_t rem)
{
    vf lo = vf_ld(g, rem >= 8 ? 8 : rem);
    vf hi = rem > 8 ? vf_ld(g + 8, rem - 8) : _mm256_setzero_ps();
    __m256d d[4] = {
        _mm256_cvtps_pd(_mm256_castps256_ps128(lo)), _mm256_cvtps_pd(_mm256_extractf128_ps(lo, 1)),
        _mm256_cvtps_pd(_mm256_castps256_ps128(hi)), _mm256_cvtps_pd(_mm256_extractf128_ps(hi, 1))};
    /* The square is exact in double, so fusing changes nothing. */
    for (int k = 0; k < 4; k++)
        s->a[k] = _mm256_fmadd_pd(d[k], d[k], s->a[k]);
}
static inline void vsq_lanes(const vsq *s, double out[16])
{
    for (int k = 0; k < 4; k++)
        _mm256_storeu_pd(out + 4 * k, s->a[k]);
}

#endif
