/* test_property.c — every generated program that passes the value checker
 * is finite and non-negative at every step tried: steps 0..300, 2,000
 * evenly over its span (or a horizon), every boundary and its
 * neighbours, powers of two up to 2^62, and 500 pseudo-random steps.
 * Usage: test_property BUNDLE (programs separated by "#=== NAME" lines). */
#include "bundle.h"
#include "lrs.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check(lrs_program *p, size_t i, int64_t step, const char *name)
{
    double v = lrs_interp_eval(p, i, step);
    if (v >= 0 && v < INFINITY) return 0;
    fprintf(stderr, "%s: schedule %s is %g at step %lld, though it passed the checker\n", name,
            lrs_program_schedule_name(p, i), v, (long long)step);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 2) return 2;
    long len;
    char *all = bundle_read(argv[1], &len);
    if (!all) return 2;
    lrs_context *ctx = lrs_context_new();
    int programs = 0, checked = 0, failures = 0;
    uint64_t rng = 88172645463325252ull;
    for (char *at = strstr(all, "#=== "); at;) {
        char *next = strstr(at + 5, "\n#=== ");
        char *end = next ? next + 1 : all + len;
        char name[64];
        sscanf(at + 5, "%63s", name);
        programs++;
        lrs_program *p = lrs_compile_string(ctx, name, at, (size_t)(end - at), NULL, NULL);
        if (p) {
            checked++;
            for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
                double span = lrs_program_schedule_span(p, i);
                double horizon = isfinite(span) ? span + 2 : 1e6;
                int bad = 0;
                for (int64_t s = 0; s <= 300 && !bad; s++)
                    bad = check(p, i, s, name);
                for (int k = 0; k <= 2000 && !bad; k++)
                    bad = check(p, i, (int64_t)(horizon * k / 2000), name);
                for (int k = 0; k < 63 && !bad; k++)
                    bad = check(p, i, (int64_t)1 << k, name);
                for (int64_t b = -1; !bad && (b = lrs_program_next_boundary(p, i, b)) >= 0;)
                    bad = check(p, i, b - 1, name) || check(p, i, b, name) ||
                          check(p, i, b + 1, name);
                for (int k = 0; k < 500 && !bad; k++) {
                    rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
                    bad = check(p, i, (int64_t)(rng % (uint64_t)(horizon + 1)), name);
                }
                failures += bad;
            }
            lrs_program_free(p);
        }
        at = next ? next + 1 : NULL;
    }
    lrs_context_free(ctx);
    free(all);
    printf("%d programs, %d passed the checker, %d schedules failed the property\n", programs,
           checked, failures);
    return failures || checked < programs / 20 ? 1 : 0;
}
