/* rt_simd.c — picks the kernel table an optimizer uses: the widest path the
 * CPU and OS support, or the one the LRS_SIMD environment variable forces.
 * The tables are const. The variable is read once per process, when the
 * first optimizer is created, so no call reads the environment while a
 * host thread may be changing it. */
#include "rt_internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static int rt_cpu_has(const char *name)
{
    if (strcmp(name, "scalar") == 0) return 1;
#if defined(__x86_64__) && defined(__GNUC__)
    /* libgcc's checks include the OS (XGETBV) saving the wider registers. */
    __builtin_cpu_init();
    if (strcmp(name, "avx2") == 0)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") &&
               __builtin_cpu_supports("f16c");
    if (strcmp(name, "avx512") == 0) return __builtin_cpu_supports("avx512f");
    if (strcmp(name, "avx512bf16") == 0)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bf16");
#endif
    return 0;
}

const lrs_rt_kernels *lrs_rt_simd_by_name(const char *name)
{
    if (!name || !rt_cpu_has(name)) return NULL;
#if defined(__x86_64__)
    if (strcmp(name, "avx512bf16") == 0) return &lrs_rt_kernels_avx512bf16;
    if (strcmp(name, "avx512") == 0) return &lrs_rt_kernels_avx512;
    if (strcmp(name, "avx2") == 0) return &lrs_rt_kernels_avx2;
#endif
    return &lrs_rt_kernels_scalar;
}

static const char *const order[] = {"avx512bf16", "avx512", "avx2", "scalar"};

/* The first entry of order[] LRS_SIMD allows, read once: written only
 * under pthread_once, read-only afterwards. */
static size_t forced_first;
static pthread_once_t forced_once = PTHREAD_ONCE_INIT;

static void read_forced(void)
{
    const char *want = getenv("LRS_SIMD");
    if (!want) return;
    for (size_t i = 0; i < sizeof order / sizeof *order; i++)
        if (strcmp(want, order[i]) == 0) forced_first = i;
}

const lrs_rt_kernels *lrs_rt_simd_select(void)
{
    /* A forced path the CPU lacks falls back to the next narrower one;
     * lrs_optim_simd() reports what is really used. */
    pthread_once(&forced_once, read_forced);
    for (size_t i = forced_first; i < sizeof order / sizeof *order; i++) {
        const lrs_rt_kernels *k = lrs_rt_simd_by_name(order[i]);
        if (k) return k;
    }
    return &lrs_rt_kernels_scalar;
}

int lrs_optim_simd_supported(const char *name)
{
    return lrs_rt_simd_by_name(name) != NULL;
}
