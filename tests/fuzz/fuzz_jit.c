/* fuzz_jit.c — libFuzzer harness: compile, JIT and call; native values
 * must agree with the interpreter. */
#include "lrs.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

static int agree(double a, double b)
{
    if (a != a || b != b) return a != a && b != b;
    if (a == b) return 1;
    return fabs(a - b) <= 8 * ldexp(1, ilogb(fmax(fabs(a), fabs(b))) - 52);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lrs_context *ctx;
    if (!ctx) ctx = lrs_context_new();
    /* the JIT itself, never the on-disk cache (nor the user's ~/.cache) */
    static const lrs_options jit_only = {.no_cache = 1};
    lrs_program *p = lrs_compile_string(ctx, "fuzz.lrs", (const char *)data, size, &jit_only, NULL);
    if (!p) return 0;
    static const int64_t steps[] = {-5, 0, 1, 99, 100, 101, 4096, 1000000, INT64_MAX};
    /* Reactive schedules are called with the detectors before any report. */
    lrs_signals *sig = lrs_program_detector_count(p) ? lrs_program_signals_new(p) : NULL;
    const double *det = sig ? lrs_signals_values(sig) : NULL;
    for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
        /* a checked program must compile to native code */
        if (lrs_program_schedule_reactive(p, i)) {
            lrs_reactive_fn f = lrs_program_reactive_function(p, i);
            if (!f || !det) abort();
            for (size_t k = 0; k < sizeof steps / sizeof *steps; k++)
                if (!agree(f(steps[k], det), lrs_interp_eval_reactive(p, i, steps[k], det)))
                    abort();
            continue;
        }
        lrs_fn f = lrs_program_function(p, i);
        if (!f) abort();
        for (size_t k = 0; k < sizeof steps / sizeof *steps; k++)
            if (!agree(f(steps[k]), lrs_interp_eval(p, i, steps[k]))) abort();
    }
    lrs_signals_free(sig);
    lrs_program_free(p);
    return 0;
}
