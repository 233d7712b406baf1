/* eval.c — `lrsc eval`: schedule values as CSV, TSV or JSON. */
#include "lrsc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ROWS = 100000000 };

int lrsc_steps(lrsc_args *a, const lrs_program *p, const size_t *sel, size_t n, int64_t **steps,
               size_t *nsteps, size_t max_default)
{
    *steps = NULL;
    *nsteps = 0;
    if (a->nat) {
        *steps = malloc(a->nat * sizeof **steps);
        if (!*steps) return LRSC_EXIT_INTERNAL;
        for (size_t i = 0; i < a->nat; i++)
            (*steps)[i] = a->at[i];
        *nsteps = a->nat;
        return 0;
    }
    int64_t start = 0, stop, stride = 1;
    if (a->range_given) {
        start = a->start;
        stride = a->stride;
        stop = a->stop_given ? a->stop : lrsc_default_end(p, sel, n) + 1;
    } else {
        stop = lrsc_default_end(p, sel, n) + 1;
        int64_t len = stop - start; /* start is 0 here */
        if ((size_t)len > max_default)
            stride = (len + (int64_t)max_default - 1) / (int64_t)max_default;
    }
    if (stop <= start) return 0;
    uint64_t count = ((uint64_t)stop - (uint64_t)start + (uint64_t)stride - 1) / (uint64_t)stride;
    if (count > MAX_ROWS) {
        fprintf(stderr, "lrsc: --steps asks for %llu rows; the limit is %d (use a stride: A:B:S)\n",
                (unsigned long long)count, MAX_ROWS);
        return LRSC_EXIT_USAGE;
    }
    *steps = malloc((size_t)count * sizeof **steps);
    if (!*steps) return LRSC_EXIT_INTERNAL;
    for (uint64_t i = 0; i < count; i++)
        (*steps)[i] = start + (int64_t)i * stride;
    /* The last step of the span is always shown by default. */
    if (!a->range_given && (*steps)[count - 1] != stop - 1) {
        int64_t *q = realloc(*steps, (size_t)(count + 1) * sizeof *q);
        if (!q) return LRSC_EXIT_INTERNAL;
        *steps = q;
        q[count++] = stop - 1;
    }
    *nsteps = (size_t)count;
    return 0;
}

static void json_value(double v)
{
    if (isfinite(v))
        printf("%.17g", v);
    else
        printf("null");
}

int lrsc_table_fill(lrsc_args *a, size_t max_default, lrsc_table *t)
{
    memset(t, 0, sizeof *t);
    int status = 0;
    t->p = lrsc_compile(a, &t->ctx, &status);
    if (!t->p) return status;
    if ((status = lrsc_select(a, t->p, &t->sel, &t->n))) return status;
    if ((status = lrsc_steps(a, t->p, t->sel, t->n, &t->steps, &t->nsteps, max_default)))
        return status;
    t->vals = malloc((t->nsteps ? t->nsteps : 1) * (t->n ? t->n : 1) * sizeof *t->vals);
    if (!t->vals) return LRSC_EXIT_INTERNAL;
    return lrsc_values(a, t->p, t->sel, t->n, t->steps, t->nsteps, t->vals);
}

void lrsc_table_free(lrsc_table *t)
{
    free(t->vals);
    free(t->steps);
    free(t->sel);
    lrs_program_free(t->p);
    lrs_context_free(t->ctx);
    memset(t, 0, sizeof *t);
}

int lrsc_eval(lrsc_args *a)
{
    lrsc_table t;
    int status = lrsc_table_fill(a, 1000, &t);
    lrs_program *p = t.p;
    size_t *sel = t.sel, n = t.n, nsteps = t.nsteps;
    int64_t *steps = t.steps;
    double *vals = t.vals;
    if (status) goto done;
    if (a->format == FMT_JSON) {
        printf("{\"step\": [");
        for (size_t i = 0; i < nsteps; i++)
            printf("%s%lld", i ? ", " : "", (long long)steps[i]);
        printf("]");
        for (size_t j = 0; j < n; j++) {
            printf(",\n \"%s\": [", lrs_program_schedule_name(p, sel[j]));
            for (size_t i = 0; i < nsteps; i++) {
                if (i) printf(", ");
                json_value(vals[j * nsteps + i]);
            }
            printf("]");
        }
        printf("}\n");
    } else {
        char sep = a->format == FMT_TSV ? '\t' : ',';
        printf("step");
        for (size_t j = 0; j < n; j++)
            printf("%c%s", sep, lrs_program_schedule_name(p, sel[j]));
        printf("\n");
        for (size_t i = 0; i < nsteps; i++) {
            printf("%lld", (long long)steps[i]);
            for (size_t j = 0; j < n; j++)
                printf("%c%.17g", sep, vals[j * nsteps + i]);
            printf("\n");
        }
    }
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "lrsc: error writing the output\n");
        status = LRSC_EXIT_INPUT;
    }
done:
    lrsc_table_free(&t);
    return status;
}
