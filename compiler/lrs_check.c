/* lrs_check.c — the value checker: each exported schedule must be finite
 * and non-negative at every step. Interval analysis over the IR proves it
 * for most schedules; dense sampling (evenly spaced steps, segment
 * boundaries and their neighbours, powers of two) finds a counterexample
 * when there is one. Also warns on jumps between `then` segments. */
#include "lrs_sema.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- intervals -------------------------------------------------------- */

typedef struct ival {
    double lo, hi;
    int nan; /* the value may be NaN */
} ival;

static ival iv(double lo, double hi, int nan)
{
    ival r = {lo, hi, nan};
    if (lo != lo || hi != hi) {
        r.lo = -INFINITY;
        r.hi = INFINITY;
        r.nan = 1;
    }
    return r;
}

static ival corners(double a, double b, double c, double d, int nan)
{
    double v[4] = {a, b, c, d}, lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < 4; i++) {
        if (v[i] != v[i]) {
            nan = 1;
            continue;
        }
        if (v[i] < lo) lo = v[i];
        if (v[i] > hi) hi = v[i];
    }
    if (lo > hi) return iv(-INFINITY, INFINITY, 1);
    return iv(lo, hi, nan);
}

static int contains(ival a, double x)
{
    return a.lo <= x && x <= a.hi;
}

/* Range of sin (phase = 0) or cos (phase = pi/2) over [lo, hi]. */
static ival trig(ival a, int is_cos)
{
    if (!isfinite(a.lo) || !isfinite(a.hi)) return iv(-1, 1, 1);
    if (a.hi - a.lo >= 2 * M_PI) return iv(-1, 1, a.nan);
    double f1 = is_cos ? cos(a.lo) : sin(a.lo), f2 = is_cos ? cos(a.hi) : sin(a.hi);
    double lo = fmin(f1, f2), hi = fmax(f1, f2);
    /* extrema of sin at pi/2 + k pi; of cos at k pi */
    double shift = is_cos ? 0 : M_PI / 2;
    for (double k = ceil((a.lo - shift) / M_PI); k * M_PI + shift <= a.hi; k++) {
        double v = is_cos ? cos(k * M_PI) : sin(k * M_PI + shift);
        if (v > 0)
            hi = 1;
        else
            lo = -1;
    }
    /* widen by rounding slack */
    return iv(lo - 1e-15, hi + 1e-15, a.nan);
}

static ival apply(const lrs_irnode *n, const ival *v, double step_hi)
{
    ival a = n->a != LRS_IR_NONE ? v[n->a] : iv(0, 0, 0);
    ival b = lrs_ir_arity(n->op) >= 2 ? v[n->b] : iv(0, 0, 0);
    int nan = a.nan || b.nan;
    switch ((lrs_irop)n->op) {
    case IR_CONST:
        return iv(n->k, n->k, n->k != n->k);
    case IR_STEP:
        return iv(0, step_hi, 0);
    case IR_NOISE:
        return iv(-1, 1, 0);
    case IR_NEG:
        return iv(-a.hi, -a.lo, a.nan);
    case IR_NOT:
        if (!contains(a, 0)) return iv(0, 0, 0);
        if (a.lo == 0 && a.hi == 0) return iv(1, 1, 0);
        return iv(0, 1, 0);
    case IR_ABS:
        if (a.lo >= 0) return a;
        if (a.hi <= 0) return iv(-a.hi, -a.lo, a.nan);
        return iv(0, fmax(-a.lo, a.hi), a.nan);
    case IR_FLOOR:
        return iv(floor(a.lo), floor(a.hi), a.nan);
    case IR_CEIL:
        return iv(ceil(a.lo), ceil(a.hi), a.nan);
    case IR_ROUND:
        return iv(round(a.lo), round(a.hi), a.nan);
    case IR_SQRT:
        if (a.hi < 0) return iv(-INFINITY, INFINITY, 1);
        return iv(sqrt(fmax(a.lo, 0)), sqrt(a.hi), a.nan || a.lo < 0);
    case IR_EXP:
        return iv(exp(a.lo), exp(a.hi), a.nan);
    case IR_LOG:
    case IR_LOG2: {
        if (a.hi < 0) return iv(-INFINITY, INFINITY, 1);
        double (*f)(double) = n->op == IR_LOG ? log : log2;
        return iv(f(fmax(a.lo, 0)), f(a.hi), a.nan || a.lo < 0);
    }
    case IR_SIN:
        return trig(a, 0);
    case IR_COS:
        return trig(a, 1);
    case IR_TANH:
        return iv(tanh(a.lo), tanh(a.hi), a.nan);
    case IR_ADD:
        return iv(a.lo + b.lo, a.hi + b.hi,
                  nan || (a.lo == -INFINITY && b.hi == INFINITY) ||
                      (a.hi == INFINITY && b.lo == -INFINITY));
    case IR_SUB:
        return iv(a.lo - b.hi, a.hi - b.lo,
                  nan || (a.lo == -INFINITY && b.lo == -INFINITY) ||
                      (a.hi == INFINITY && b.hi == INFINITY));
    case IR_MUL:
        return corners(a.lo * b.lo, a.lo * b.hi, a.hi * b.lo, a.hi * b.hi, nan);
    case IR_DIV:
        if (contains(b, 0))
            return iv(-INFINITY, INFINITY, nan || contains(a, 0) || isinf(a.lo) || isinf(a.hi));
        return corners(a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi, nan);
    case IR_POW:
        if (a.lo >= 0)
            return corners(pow(a.lo, b.lo), pow(a.lo, b.hi), pow(a.hi, b.lo), pow(a.hi, b.hi), nan);
        if (b.lo == b.hi && b.lo == floor(b.lo) && isfinite(a.lo) && isfinite(a.hi)) {
            double m = pow(fmax(-a.lo, a.hi), b.lo);
            if (b.lo >= 0) return iv(-m, m, nan);
        }
        return iv(-INFINITY, INFINITY, 1);
    case IR_MIN:
        return iv(fmin(a.lo, b.lo), fmin(a.hi, b.hi), nan);
    case IR_MAX:
        return iv(fmax(a.lo, b.lo), fmax(a.hi, b.hi), nan);
    case IR_MOD:
        if (b.lo > 0 && isfinite(b.hi) && isfinite(a.lo) && isfinite(a.hi)) return iv(0, b.hi, nan);
        return iv(-INFINITY, INFINITY, 1);
    case IR_LT:
        if (!nan && a.hi < b.lo) return iv(1, 1, 0);
        if (!nan && a.lo >= b.hi) return iv(0, 0, 0);
        return iv(0, 1, 0);
    case IR_LE:
        if (!nan && a.hi <= b.lo) return iv(1, 1, 0);
        if (!nan && a.lo > b.hi) return iv(0, 0, 0);
        return iv(0, 1, 0);
    case IR_GT:
        if (!nan && a.lo > b.hi) return iv(1, 1, 0);
        if (!nan && a.hi <= b.lo) return iv(0, 0, 0);
        return iv(0, 1, 0);
    case IR_GE:
        if (!nan && a.lo >= b.hi) return iv(1, 1, 0);
        if (!nan && a.hi < b.lo) return iv(0, 0, 0);
        return iv(0, 1, 0);
    case IR_EQ:
    case IR_NE: {
        int same = !nan && a.lo == a.hi && b.lo == b.hi && a.lo == b.lo;
        int apart = !nan && (a.hi < b.lo || b.hi < a.lo);
        double t = n->op == IR_EQ ? 1 : 0;
        if (same) return iv(t, t, 0);
        if (apart) return iv(1 - t, 1 - t, 0);
        return iv(0, 1, 0);
    }
    case IR_AND:
        if (a.lo > 0 && b.lo > 0) return iv(1, 1, 0);
        if ((a.lo == 0 && a.hi == 0) || (b.lo == 0 && b.hi == 0)) return iv(0, 0, 0);
        return iv(0, 1, 0);
    case IR_OR:
        if ((a.lo == 0 && a.hi == 0) && (b.lo == 0 && b.hi == 0)) return iv(0, 0, 0);
        if (!contains(a, 0) || !contains(b, 0)) return iv(1, 1, 0);
        return iv(0, 1, 0);
    case IR_SELECT: {
        ival c = v[n->c];
        if (a.lo == a.hi && !a.nan) return a.lo != 0 ? b : c;
        return iv(fmin(b.lo, c.lo), fmax(b.hi, c.hi), b.nan || c.nan);
    }
    case IR_NOPS:
        break;
    }
    return iv(-INFINITY, INFINITY, 1);
}

/* ---- sampling ---------------------------------------------------------------- */

typedef struct samples {
    lrs_arena *arena;
    int64_t *steps;
    size_t n, cap;
} samples;

static void add(samples *s, double step)
{
    if (!(step >= 0) || step > LRS_IR_STEP_LIMIT) return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        s->steps =
            lrs_arena_realloc(s->arena, s->steps, s->n * sizeof *s->steps, cap * sizeof *s->steps);
        s->cap = cap;
    }
    s->steps[s->n++] = (int64_t)step;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

enum { DENSE = 4096 };

static void sample_steps(const lrs_sched_out *s, samples *out)
{
    double end = s->span;
    double last = s->nbounds ? s->bounds[s->nbounds - 1] : 0;
    double horizon = end == INFINITY ? fmax(4 * last, 1e6) : end;
    for (int i = 0; i <= DENSE; i++)
        add(out, round(horizon * i / DENSE));
    for (int i = 0; i < 64; i++)
        add(out, i);
    for (size_t i = 0; i < s->nbounds; i++)
        for (int d = -2; d <= 2; d++)
            add(out, s->bounds[i] + d);
    if (end != INFINITY)
        for (int d = -2; d <= 2; d++)
            add(out, end + d);
    else
        for (int k = 0; k < 63; k++)
            add(out, ldexp(1, k));
    qsort(out->steps, out->n, sizeof *out->steps, cmp_i64);
}

/* Straight-line code for root; 0 after reporting that memory ran out.
 * Scratch memory comes from the arena, whose exhaustion unwinds to the
 * compilation's recovery point: no check is skipped silently. */
static int build_code(lrs_comp *c, uint32_t root, lrs_code *code)
{
    if (!lrs_code_build(&c->ir, root, code)) return 1;
    lrs_diag_error_noloc(&c->sink, "lrs", "out of memory while checking");
    return 0;
}

/* scratch: room for one double per IR node (any code's instructions). */
static double ir_eval_at(lrs_comp *c, uint32_t root, int64_t step, double *scratch)
{
    lrs_code code;
    if (!build_code(c, root, &code)) return NAN;
    double v = lrs_code_eval(&code, step, scratch);
    lrs_code_free(&code);
    return v;
}

static void check_one(lrs_comp *c, lrs_sched_out *s, const ival *iv_all, double *scratch)
{
    ival r = iv_all[s->root];
    s->proved = !r.nan && r.lo >= 0 && r.hi < INFINITY;

    lrs_code code;
    if (!build_code(c, s->root, &code)) return;
    samples sm = {&c->arena, NULL, 0, 0};
    sample_steps(s, &sm);
    s->vmin = INFINITY;
    s->vmax = -INFINITY;
    double horizon = s->span == INFINITY ? INFINITY : s->span;
    int reported = 0;
    for (size_t i = 0; i < sm.n; i++) {
        double v = lrs_code_eval(&code, sm.steps[i], scratch);
        if ((double)sm.steps[i] <= horizon || s->span == INFINITY) {
            if (v < s->vmin) s->vmin = v;
            if (v > s->vmax) s->vmax = v;
        }
        if (reported || (v >= 0 && v < INFINITY)) continue;
        reported = 1;
        const char *what = v != v                            ? "not a number (NaN)"
                           : v == INFINITY || v == -INFINITY ? "infinite"
                                                             : "negative";
        char val[32];
        snprintf(val, sizeof val, v != v ? "nan" : "%g", v);
        size_t e =
            lrs_diag_error(&c->sink, s->decl->expr->span, "schedule '%s' is %s at step %lld (%s)",
                           s->name, what, (long long)sm.steps[i], val);
        if (v < 0 && v > -INFINITY)
            lrs_diag_help(&c->sink, e,
                          "a rate must not be negative: check the order of `from -> to`, "
                          "or clamp it with max(..., 0)");
        else
            lrs_diag_help(&c->sink, e,
                          "look for a 0/0, a log or sqrt of a negative number, or a "
                          "division by a span that is 0 or infinite");
    }
    s->v0 = lrs_code_eval(&code, 0, scratch);
    s->vend =
        lrs_code_eval(&code, s->span == INFINITY ? (int64_t)1 << 53 : (int64_t)s->span, scratch);
    lrs_code_free(&code);
}

static void check_jumps(lrs_comp *c, double *scratch)
{
    for (size_t i = 0; i < c->jumps.n; i++) {
        lrs_jump *j = c->jumps.items[i];
        double a = ir_eval_at(c, j->before, (int64_t)j->pos, scratch);
        double b = ir_eval_at(c, j->after, (int64_t)j->pos, scratch);
        if (!isfinite(a) || !isfinite(b)) continue;
        double big = fmax(fabs(a), fabs(b));
        if (fabs(a - b) <= 0.5 * big) continue;
        size_t e = lrs_diag_warning(&c->sink, j->span,
                                    "the value jumps from %g to %g at step %.0f (by %.0f%%)", a, b,
                                    j->pos, 100 * fabs(a - b) / big);
        lrs_diag_help(&c->sink, e,
                      "intended for step decay; otherwise make the segments meet at the boundary");
    }
}

int lrs_check_program(lrs_comp *c)
{
    int before = c->sink.errors;
    if (c->ir.oom || c->ir.n == 0) return 0;
    /* From the arena: when memory runs out, the compilation fails with
     * its message instead of the checks being skipped. */
    ival *v = lrs_arena_alloc(&c->arena, c->ir.n * sizeof *v);
    double *scratch = lrs_arena_alloc(&c->arena, (c->ir.n + 1) * sizeof *scratch);
    /* The step's range: int64 steps, clamped at 0 by the ABI. */
    for (size_t i = 0; i < c->ir.n; i++)
        v[i] = apply(&c->ir.nodes[i], v, LRS_IR_STEP_LIMIT);
    for (size_t i = 0; i < c->scheds.n; i++)
        check_one(c, c->scheds.items[i], v, scratch);
    check_jumps(c, scratch);
    return c->sink.errors - before;
}
