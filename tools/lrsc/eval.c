/* eval.c — `lrsc eval`: schedule values as CSV, TSV or JSON. */
#include "lrsc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
