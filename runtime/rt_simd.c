/* rt_simd.c — picks the kernel table an optimizer uses: the widest path the
 * CPU and OS support, or the one the LRS_SIMD environment variable forces.
 * The tables are const; nothing here keeps state. */
#include "rt_internal.h"

#include <stdlib.h>
#include <string.h>

static int rt_cpu_has(const char *name)
{
    if (strcmp(name, "scalar") == 0) return 1;
#if defined(__x86_64__) && defined(__GNUC__)
    /* libgcc's checks include the OS (XGETBV) saving the wider registers. */
    __builtin_cpu_init();
    if (strcmp(name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (strcmp(name, "avx512") == 0) return __builtin_cpu_supports("avx512f");
#endif
    return 0;
}

const lrs_rt_kernels *lrs_rt_simd_by_name(const char *name)
{
    if (!name || !rt_cpu_has(name)) return NULL;
#if defined(__x86_64__)
    if (strcmp(name, "avx512") == 0) return &lrs_rt_kernels_avx512;
    if (strcmp(name, "avx2") == 0) return &lrs_rt_kernels_avx2;
#endif
    return &lrs_rt_kernels_scalar;
}

const lrs_rt_kernels *lrs_rt_simd_select(void)
{
    static const char *const order[] = {"avx512", "avx2", "scalar"};
    const char *want = getenv("LRS_SIMD");
    size_t first = 0;
    if (want) {
        /* A forced path the CPU lacks falls back to the next narrower one;
         * lrs_optim_simd() reports what is really used. */
        for (size_t i = 0; i < sizeof order / sizeof *order; i++)
            if (strcmp(want, order[i]) == 0) first = i;
    }
    for (size_t i = first; i < sizeof order / sizeof *order; i++) {
        const lrs_rt_kernels *k = lrs_rt_simd_by_name(order[i]);
        if (k) return k;
    }
    return &lrs_rt_kernels_scalar;
}

int lrs_optim_simd_supported(const char *name)
{
    return lrs_rt_simd_by_name(name) != NULL;
}
