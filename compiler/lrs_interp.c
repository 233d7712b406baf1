/* lrs_interp.c — the reference interpreter: evaluates a schedule's
 * straight-line code in double precision, directly from the checked
 * program. It is the oracle the native backends are tested against. */
#include "lrs_program.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>

enum { STACK_SCRATCH = 256 };

double lrs_interp_eval_reactive(const lrs_program *p, size_t i, int64_t step, const double *det)
{
    if (!lrs_program_ok(p) || i >= p->nsched) return NAN;
    const lrs_code *c = &p->sched[i].code;
    double local[STACK_SCRATCH];
    double *v = c->n <= STACK_SCRATCH ? local : malloc(c->n * sizeof *v);
    if (!v) return NAN;
    double r = lrs_code_eval_det(c, step, det, v);
    if (v != local) free(v);
    return r;
}

double lrs_interp_eval(const lrs_program *p, size_t i, int64_t step)
{
    return lrs_interp_eval_reactive(p, i, step, NULL);
}

void lrs_interp_range(const lrs_program *p, size_t i, int64_t first, int64_t count, double *out)
{
    if (!lrs_program_ok(p) || i >= p->nsched || count <= 0 || !out) return;
    const lrs_code *c = &p->sched[i].code;
    double local[STACK_SCRATCH];
    double *v = c->n <= STACK_SCRATCH ? local : malloc(c->n * sizeof *v);
    for (int64_t k = 0; k < count; k++) {
        int64_t step = first > INT64_MAX - k ? INT64_MAX : first + k;
        out[k] = v ? lrs_code_eval(c, step, v) : NAN;
    }
    if (v != local) free(v);
}
