/* check.c — `lrsc check`: diagnostics, then a summary line per schedule. */
#include "lrsc.h"

#include <math.h>
#include <stdio.h>

static void print_value(double v)
{
    if (isnan(v))
        printf("nan");
    else if (isinf(v))
        printf(v > 0 ? "inf" : "-inf");
    else
        printf("%.6g", v);
}

/* The step at which "end" is reported: the span (INT64_MAX for a span of
 * 2^63 steps or more), or 2^53 when it is infinite (as lrs_schedule_info). */
static int64_t end_step(double span)
{
    if (!isfinite(span)) return INT64_C(9007199254740992);
    return span < 0x1p63 ? (int64_t)span : INT64_MAX;
}

static void print_summary(lrsc_args *a, const lrs_program *p, size_t i)
{
    lrs_schedule_info in;
    lrs_program_schedule_info(p, i, &in);
    printf("%s: span ", in.name);
    if (isinf(in.span))
        printf("inf");
    else
        printf("%.0f steps", in.span);
    if (a->no_check) {
        /* The checker did not run: start and end are one evaluation each,
         * min and max would need the checker. */
        printf(", start ");
        print_value(lrs_interp_eval(p, i, 0));
        printf(", end ");
        print_value(lrs_interp_eval(p, i, end_step(in.span)));
        printf(" (not checked: min and max unknown)\n");
        return;
    }
    printf(", start ");
    print_value(in.start);
    printf(", end ");
    print_value(in.end);
    /* estimates are marked with `~` and said so at the end of the line */
    printf(", min %s", in.exact ? "" : "~");
    print_value(in.min);
    printf(", max %s", in.exact ? "" : "~");
    print_value(in.max);
    if (in.reactive && in.proved) { /* what holds whatever the signals report */
        printf("; over any history: min ");
        print_value(in.bound_min);
        printf(", max ");
        print_value(in.bound_max);
    }
    printf("%s%s%s\n", in.proved ? " (proved finite and non-negative" : " (checked by sampling",
           in.frozen
               ? " as written, but a segment stays at its start value forever: see the warning"
               : "",
           in.exact ? ")" : "; min and max are estimates)");
}

static void print_boundaries(const lrs_program *p, size_t i)
{
    printf("%s: boundaries", lrs_program_schedule_name(p, i));
    int64_t b = -1;
    size_t n = 0;
    while ((b = lrs_program_next_boundary(p, i, b)) >= 0) {
        printf("%s %lld", n ? "," : "", (long long)b);
        n++;
    }
    printf(n ? "\n" : " none\n");
}

int lrsc_check(lrsc_args *a)
{
    lrs_context *ctx;
    int status = 0;
    lrs_program *p = lrsc_compile(a, &ctx, &status);
    if (p && a->backend == BACKEND_JIT && lrs_program_schedule_count(p) &&
        !(lrs_program_schedule_reactive(p, 0) ? (void (*)(void))lrs_program_reactive_function(p, 0)
                                              : (void (*)(void))lrs_program_function(p, 0))) {
        const char *why = lrs_program_native_error(p);
        fprintf(stderr, "lrsc: %s: %s\n", a->file, why ? why : "native compilation failed");
        status = LRSC_EXIT_INTERNAL;
    } else if (p) {
        for (size_t i = 0; i < lrs_program_schedule_count(p); i++) {
            print_summary(a, p, i);
            if (a->boundaries) print_boundaries(p, i);
        }
        if (lrs_program_schedule_count(p) == 0) printf("%s: no schedules\n", a->file);
    }
    lrs_program_free(p);
    lrs_context_free(ctx);
    return status;
}
