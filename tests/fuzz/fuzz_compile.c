/* fuzz_compile.c — libFuzzer harness: the whole compile, the reference
 * interpreter, the JIT and ahead-of-time code. Every program that compiles is evaluated at
 * many steps: 0 and small steps, every known segment boundary and its
 * neighbours (±1), the int64 edges and steps drawn from the input. It
 * fails (aborts) when
 *  - a schedule the checker proved finite and non-negative gives a NaN,
 *    an infinity or a negative value at any of those steps, or any
 *    checked schedule does so at step 0 (which the checker samples);
 *  - the JIT's scalar function differs from the interpreter by more than
 *    the 4 ulp docs/backend.md promises (both NaN counts as agreement);
 *    the JIT runs for one input in 8 (LLVM is slow next to the rest);
 *  - for one input in 32 (linking runs the system C compiler), the program
 *    emitted as a shared object and loaded with lrs_aot_open: its
 *    functions differ from the interpreter by more than 4 ulp (reactive
 *    ones with the detectors before any report), its table lacks a
 *    schedule, or the emit fails for any reason but names that cannot be
 *    C functions (LRS_EMIT_EINVAL) or the load fails;
 *  - one input takes more than the time libFuzzer is given (-timeout) or
 *    memory past -rss_limit_mb: the cost limits of docs/limits.md. */
#include "lrs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t ulps(double a, double b)
{
    if (isnan(a) && isnan(b)) return 0;
    if (a == b) return 0;
    if (isnan(a) || isnan(b) || isinf(a) || isinf(b)) return UINT64_MAX;
    int64_t x, y;
    memcpy(&x, &a, 8);
    memcpy(&y, &b, 8);
    if (x < 0) x = INT64_MIN - x;
    if (y < 0) y = INT64_MIN - y;
    return x > y ? (uint64_t)x - (uint64_t)y : (uint64_t)y - (uint64_t)x;
}

enum { MAX_STEPS = 96 };

/* The steps to evaluate schedule i at. */
static size_t steps_of(const lrs_program *p, size_t i, const uint8_t *data, size_t size,
                       int64_t *out)
{
    static const int64_t edges[] = {
        INT64_MIN,        INT64_MIN + 1, -1,       0, 1, 2, 7, 1000, 123456789,
        (int64_t)1 << 53, INT64_MAX - 1, INT64_MAX};
    size_t n = 0;
    for (size_t k = 0; k < sizeof edges / sizeof *edges; k++)
        out[n++] = edges[k];
    double span = lrs_program_schedule_span(p, i);
    if (isfinite(span) && span < 9e18) {
        int64_t s = (int64_t)span;
        out[n++] = s - 1, out[n++] = s, out[n++] = s + 1;
    }
    int64_t b = -1;
    for (int k = 0;
         k < 16 && n + 3 <= MAX_STEPS / 2 && (b = lrs_program_next_boundary(p, i, b)) >= 0; k++) {
        out[n++] = b > INT64_MIN ? b - 1 : b;
        out[n++] = b;
        out[n++] = b < INT64_MAX ? b + 1 : b;
    }
    /* steps drawn from the input's own bytes */
    uint64_t h = 1469598103934665603ull;
    for (size_t k = 0; k < size; k++)
        h = (h ^ data[k]) * 1099511628211ull;
    while (n < MAX_STEPS) {
        h ^= h << 13, h ^= h >> 7, h ^= h << 17;
        int64_t s = (int64_t)(h >> (h & 63 ? h & 63 : 1));
        out[n++] = (h & 1) ? s % 100000 : s;
    }
    return n;
}

/* The program as a shared object, loaded and compared with the
 * interpreter at the steps of each schedule. */
static void check_aot(const lrs_program *p, const uint8_t *data, size_t size)
{
    static char dir[] = "/tmp/lrs_fuzz_compile_XXXXXX";
    static int made;
    if (!made && !mkdtemp(dir)) abort();
    made = 1;
    char path[64], err[512];
    snprintf(path, sizeof path, "%s/p.so", dir);
    lrs_emit_options o = {LRS_EMIT_SHARED, path, NULL, NULL, NULL};
    int r = lrs_program_emit(p, &o, err, sizeof err);
    if (r == LRS_EMIT_EINVAL) return; /* names that cannot be C functions */
    if (r != LRS_EMIT_OK) abort();
    lrs_aot *a = lrs_aot_open(path, err, sizeof err);
    if (!a) abort();
    const lrs_aot_table *t = lrs_aot_get_table(a);
    size_t n = lrs_program_schedule_count(p);
    if (!t || t->schedule_count != n) abort();
    lrs_signals *sig = lrs_program_detector_count(p) ? lrs_program_signals_new(p) : NULL;
    const double *det = sig ? lrs_signals_values(sig) : NULL;
    for (size_t i = 0; i < n; i++) {
        const char *name = lrs_program_schedule_name(p, i);
        int reactive = lrs_program_schedule_reactive(p, i);
        lrs_fn fn = reactive ? NULL : lrs_aot_function(a, name);
        lrs_reactive_fn rfn = reactive ? lrs_aot_reactive_function(a, name) : NULL;
        if (!fn && !(rfn && det)) abort(); /* a schedule missing from the object */
        int64_t steps[MAX_STEPS];
        size_t ns = steps_of(p, i, data, size, steps);
        for (size_t k = 0; k < ns; k++) {
            double want = reactive ? lrs_interp_eval_reactive(p, i, steps[k], det)
                                   : lrs_interp_eval(p, i, steps[k]);
            double got = reactive ? rfn(steps[k], det) : fn(steps[k]);
            if (ulps(want, got) > 4) abort(); /* the object disagrees */
        }
    }
    lrs_signals_free(sig);
    lrs_aot_close(a);
    unlink(path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lrs_context *ctx;
    if (!ctx) ctx = lrs_context_new();
    lrs_diags *d = lrs_diags_new();
    /* the JIT itself, never the on-disk cache (nor the user's ~/.cache) */
    static const lrs_options jit_only = {.no_cache = 1};
    lrs_program *p = lrs_compile_string(ctx, "fuzz.lrs", (const char *)data, size, &jit_only, d);
    for (size_t i = 0; i < lrs_diags_count(d); i++)
        free(lrs_diags_format(d, i, 0));
    if (p) {
        int jit = size && (data[size / 2] & 7) == 0;
        int aot = size && (data[size / 2] & 31) == 0;
        for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
            lrs_schedule_info info;
            if (lrs_program_schedule_info(p, i, &info)) abort();
            double v0 = lrs_interp_eval(p, i, 0);
            if (!(v0 >= 0 && v0 < INFINITY)) abort(); /* the checker samples step 0 */
            lrs_fn fn = jit ? lrs_program_function(p, i) : NULL;
            int64_t steps[MAX_STEPS];
            size_t n = steps_of(p, i, data, size, steps);
            for (size_t k = 0; k < n; k++) {
                double v = lrs_interp_eval(p, i, steps[k]);
                if (info.proved && !(v >= 0 && v < INFINITY)) abort(); /* a false proof */
                if (fn && ulps(v, fn(steps[k])) > 4) abort();          /* backends disagree */
            }
        }
        if (aot) check_aot(p, data, size);
        lrs_program_free(p);
    }
    lrs_diags_free(d);
    return 0;
}
