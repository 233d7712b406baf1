/* fuzz_compile.c — libFuzzer harness: the whole compile and the reference
 * interpreter. A program that compiles is evaluated at edge steps; a
 * program that passed the checker must give finite, non-negative values
 * at the steps the checker samples (0, the end of its span). */
#include "lrs.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static lrs_context *ctx;
    if (!ctx) ctx = lrs_context_new();
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = lrs_compile_string(ctx, "fuzz.lrs", (const char *)data, size, NULL, d);
    for (size_t i = 0; i < lrs_diags_count(d); i++)
        free(lrs_diags_format(d, i, 0));
    if (p) {
        static const int64_t steps[] = {INT64_MIN, -1, 0, 1, 7, 1000, 123456789, INT64_MAX};
        for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
            for (size_t k = 0; k < sizeof steps / sizeof *steps; k++)
                (void)lrs_interp_eval(p, i, steps[k]);
            double v0 = lrs_interp_eval(p, i, 0);
            if (!(v0 >= 0 && v0 < INFINITY)) abort(); /* the checker samples step 0 */
            int64_t b = -1;
            for (int k = 0; k < 4 && (b = lrs_program_next_boundary(p, i, b)) >= 0; k++)
                (void)lrs_interp_eval(p, i, b);
        }
        lrs_program_free(p);
    }
    lrs_diags_free(d);
    return 0;
}
