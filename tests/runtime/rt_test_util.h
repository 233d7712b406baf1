/* rt_test_util.h — what the optimizer runtime's tests share: the
 * counter-based data generator of gen_golden.py, and the check that the
 * SIMD path LRS_SIMD asks for is the one in use. */
#ifndef LRS_RT_TEST_UTIL_H
#define LRS_RT_TEST_UTIL_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lrs.h"

static inline uint64_t rtt_splitmix64(uint64_t x)
{
    uint64_t z = x + 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* A float in [-1, 1) with 24 significant bits, from (seed, t, i). */
static inline float rtt_rnd(uint64_t seed, uint64_t t, uint64_t i)
{
    uint64_t u = rtt_splitmix64((seed << 40) ^ (t << 20) ^ i);
    return (float)((double)((int64_t)(u >> 40) - (1 << 23)) / (double)(1 << 23));
}

#define RTT_INIT_T 0xFFFFFu

/* gen_golden.py's grad_value. */
static inline float rtt_grad(uint64_t seed, uint64_t t, uint64_t i)
{
    if (i % 16 == 7) return 0.0f;
    return rtt_rnd(seed, t, i) * (float)(1.0 / (double)(1u << (i % 4)));
}

/* The SIMD path the environment forces, or NULL. Exits with 77 (ctest's
 * skip code for these tests) when the CPU cannot run it, so a missing
 * AVX-512 shows as a skip, never as a pass. */
static inline const char *rtt_forced_simd(void)
{
    const char *want = getenv("LRS_SIMD");
    if (want && !lrs_optim_simd_supported(want)) {
        fprintf(stderr, "SKIP: this CPU cannot run the %s path\n", want);
        exit(77);
    }
    return want;
}

/* A fresh directory $TMPDIR/<stem>-XXXXXX in dir; 0 on success. */
static inline int rtt_make_dir(char *dir, size_t len, const char *stem)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, len, "%s/%s-XXXXXX", tmp ? tmp : "/tmp", stem);
    return mkdtemp(dir) ? 0 : -1;
}

/* Remove dir and the files in it; 0 on success. */
static inline int rtt_remove_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[600];
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
    if (d) closedir(d);
    return rmdir(dir);
}

#endif
