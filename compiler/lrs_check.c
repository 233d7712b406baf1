/* lrs_check.c — the value checker: each exported schedule must be finite
 * and non-negative at every int64 step, and its summary (start, end, min,
 * max) must be true.
 *
 * Interval analysis over the IR encloses the values the code computes
 * (not the real-number values): the correctly rounded operations (+ - * /
 * sqrt) are monotone in each operand, so their endpoints computed in
 * double enclose every computed value; the math library's functions are
 * widened by a relative margin that covers glibc's scalar functions and
 * libmvec's vector ones. Over the whole step range [0, INT64_MAX] one
 * pass proves most schedules; the others are split into step ranges
 * (branch and bound) until each range is proved, or holds a step whose
 * value is bad: a counterexample. Sampling (evenly spaced steps, segment
 * boundaries, the thresholds of comparisons over the step, powers of two)
 * finds the usual counterexamples first, at the smallest steps.
 *
 * The same branch and bound confirms the least and greatest values: a
 * sampled value is exact when interval bounds show that no step goes past
 * it (by more than 1e-12 relative); otherwise the summary says it is an
 * estimate. Also warns on jumps between `then` segments. */
#include "lrs_sema.h"

#include <float.h>
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

/* The math library's functions are not correctly rounded: glibc's scalar
 * ones are within a few ulp, libmvec's (the range functions) within 4.
 * A relative margin of 32 ulp keeps the sign of every value (an error
 * below the value's magnitude cannot change it), so a function that is
 * non-negative in real numbers stays provably so. */
static double wide_lo(double x)
{
    return isinf(x) ? x : x - fabs(x) * (32 * DBL_EPSILON);
}
static double wide_hi(double x)
{
    return isinf(x) ? x : x + fabs(x) * (32 * DBL_EPSILON);
}
static ival libm_iv(double lo, double hi, int nan, double floor_, double ceil_)
{
    ival r = iv(wide_lo(lo), wide_hi(hi), nan);
    if (r.lo < floor_) r.lo = floor_;
    if (r.hi > ceil_) r.hi = ceil_;
    return r;
}

/* Range of sin (phase = 0) or cos (phase = pi/2) over [lo, hi]. */
static ival trig(ival a, int is_cos)
{
    if (!isfinite(a.lo) || !isfinite(a.hi)) return iv(-1, 1, 1);
    double big = fmax(fabs(a.lo), fabs(a.hi));
    if (a.lo == a.hi) {
        double f = is_cos ? cos(a.lo) : sin(a.lo);
        return libm_iv(f, f, a.nan, -1, 1);
    }
    /* Past 2^50 a step of the loop below is not exact (and past 2^53 it
     * makes no progress); the width test bounds it to a few turns. */
    if (a.hi - a.lo >= 2 * M_PI || big > 0x1p50) return iv(-1, 1, a.nan);
    double f1 = is_cos ? cos(a.lo) : sin(a.lo), f2 = is_cos ? cos(a.hi) : sin(a.hi);
    double lo = fmin(f1, f2), hi = fmax(f1, f2);
    /* Extrema of sin at pi/2 + k pi, of cos at k pi (maxima for even k).
     * k * M_PI is off the true k pi by about 4e-16 of the argument: an
     * extremum that close to the range counts as inside it. */
    double slack = 1e-15 * (1 + big), shift = is_cos ? 0 : M_PI / 2;
    for (double k = ceil((a.lo - slack - shift) / M_PI); k * M_PI + shift <= a.hi + slack; k++) {
        if (fmod(k, 2) == 0)
            hi = 1;
        else
            lo = -1;
    }
    return libm_iv(lo, hi, a.nan, -1, 1);
}

/* ---- tables ------------------------------------------------------------ */

/* The least and greatest entries of a pool of tables, per block of
 * TAB_BLOCK entries, so that the range of any slice takes at most two
 * partial blocks and the whole ones between. */
enum { TAB_BLOCK = 64 };

typedef struct tables {
    const double *pool;
    double *lo, *hi;
    unsigned char *nan;
} tables;

static tables tables_new(lrs_arena *arena, const double *pool, size_t n)
{
    size_t nb = n / TAB_BLOCK + 1;
    tables t = {pool, lrs_arena_alloc(arena, nb * sizeof(double)),
                lrs_arena_alloc(arena, nb * sizeof(double)), lrs_arena_alloc(arena, nb)};
    for (size_t b = 0; b < nb; b++) {
        t.lo[b] = INFINITY;
        t.hi[b] = -INFINITY;
        t.nan[b] = 0;
    }
    for (size_t i = 0; i < n; i++) {
        size_t b = i / TAB_BLOCK;
        double x = pool[i];
        if (x != x) t.nan[b] = 1;
        if (x < t.lo[b]) t.lo[b] = x;
        if (x > t.hi[b]) t.hi[b] = x;
    }
    return t;
}

/* The range of pool entries s..e (s <= e). */
static ival slice(const tables *t, size_t s, size_t e)
{
    double lo = INFINITY, hi = -INFINITY;
    int nan = 0;
    for (size_t i = s; i <= e;) {
        if (i % TAB_BLOCK == 0 && i + TAB_BLOCK - 1 <= e) {
            size_t b = i / TAB_BLOCK;
            lo = fmin(lo, t->lo[b]);
            hi = fmax(hi, t->hi[b]);
            nan |= t->nan[b];
            i += TAB_BLOCK;
            continue;
        }
        double x = t->pool[i++];
        if (x != x) nan = 1;
        lo = fmin(lo, x); /* fmin and fmax skip a NaN */
        hi = fmax(hi, x);
    }
    if (lo > hi) return iv(-INFINITY, INFINITY, 1); /* only NaN entries */
    return iv(lo, hi, nan);
}

/* IR_PICK and IR_INDEX over an operand in a: pick_entry and the binary
 * search are monotone in their operand, so the entries between those at
 * a's ends are all it can read (and entry 0, index 0, for NaN). */
static ival table_iv(const lrs_irnode *n, ival a, const tables *t)
{
    const double *tab = t->pool + n->b;
    if (n->op == IR_INDEX) {
        double lo = a.nan ? 0 : lrs_ir_table_apply(IR_INDEX, tab, n->c, a.lo);
        return iv(lo, lrs_ir_table_apply(IR_INDEX, tab, n->c, a.hi), 0);
    }
    uint32_t s = a.nan ? 0 : lrs_ir_pick_entry(n->c, a.lo), e = lrs_ir_pick_entry(n->c, a.hi);
    return slice(t, n->b + s, n->b + e);
}

static ival apply(const lrs_irnode *n, const ival *v, ival step, const tables *tabs)
{
    ival a = n->a != LRS_IR_NONE ? v[n->a] : iv(0, 0, 0);
    ival b = lrs_ir_arity(n->op) >= 2 ? v[n->b] : iv(0, 0, 0);
    int nan = a.nan || b.nan;
    switch ((lrs_irop)n->op) {
    case IR_CONST:
        return iv(n->k, n->k, n->k != n->k);
    case IR_STEP:
        return step;
    case IR_NOISE:
        return iv(-1, 1, 0);
    case IR_INPUT: /* lrs_check_program gives it detector_range() instead */
        return iv(-INFINITY, INFINITY, 1);
    case IR_NEG:
        return iv(-a.hi, -a.lo, a.nan);
    case IR_NOT:
        if (!contains(a, 0)) return iv(0, 0, 0);
        if (a.lo == 0 && a.hi == 0 && !a.nan) return iv(1, 1, 0);
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
        return libm_iv(exp(a.lo), exp(a.hi), a.nan, 0, INFINITY);
    case IR_LOG:
    case IR_LOG2: {
        if (a.hi < 0) return iv(-INFINITY, INFINITY, 1);
        double (*f)(double) = n->op == IR_LOG ? log : log2;
        return libm_iv(f(fmax(a.lo, 0)), f(a.hi), a.nan || a.lo < 0, -INFINITY, INFINITY);
    }
    case IR_SIN:
        return trig(a, 0);
    case IR_COS:
        return trig(a, 1);
    case IR_TANH:
        return libm_iv(tanh(a.lo), tanh(a.hi), a.nan, -1, 1);
    case IR_PICK:
    case IR_INDEX:
        return table_iv(n, a, tabs);
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
        return corners(a.lo / b.lo, a.lo / b.hi, a.hi / b.lo, a.hi / b.hi,
                       nan || ((isinf(a.lo) || isinf(a.hi)) && (isinf(b.lo) || isinf(b.hi))));
    case IR_POW: {
        /* pow is monotone in each operand on a box of non-negative bases,
         * so its extremes are at the corners. */
        ival r;
        if (a.lo >= 0) {
            r = corners(pow(a.lo, b.lo), pow(a.lo, b.hi), pow(a.hi, b.lo), pow(a.hi, b.hi), nan);
            return r.nan && r.lo == -INFINITY ? r : libm_iv(r.lo, r.hi, r.nan, 0, INFINITY);
        }
        if (b.lo == b.hi && b.lo == floor(b.lo) && b.lo >= 0 && isfinite(a.lo) && isfinite(a.hi)) {
            double m = pow(fmax(-a.lo, a.hi), b.lo);
            return libm_iv(-m, m, nan, -INFINITY, INFINITY);
        }
        return iv(-INFINITY, INFINITY, 1);
    }
    case IR_MIN:
        return iv(fmin(a.lo, b.lo), fmin(a.hi, b.hi), nan);
    case IR_MAX:
        return iv(fmax(a.lo, b.lo), fmax(a.hi, b.hi), nan);
    case IR_MOD:
        /* lrs_ir_apply's fmod-based mod: in [0, b] for b > 0 (b itself
         * only when a tiny negative a is raised by b), a itself when
         * 0 <= a < b. */
        if (!isfinite(a.lo) || !isfinite(a.hi) || !isfinite(b.lo) || !isfinite(b.hi) ||
            contains(b, 0))
            return iv(-INFINITY, INFINITY, 1);
        if (a.lo == a.hi && b.lo == b.hi) {
            double r = lrs_ir_apply(IR_MOD, a.lo, b.lo);
            return iv(r, r, nan);
        }
        if (b.lo > 0) return a.lo >= 0 && a.hi < b.lo ? a : iv(0, b.hi, nan);
        return iv(b.lo, 0, nan);
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
        if ((a.lo == 0 && a.hi == 0 && !a.nan) || (b.lo == 0 && b.hi == 0 && !b.nan))
            return iv(0, 0, 0);
        return iv(0, 1, 0);
    case IR_OR:
        if (a.lo == 0 && a.hi == 0 && !a.nan && b.lo == 0 && b.hi == 0 && !b.nan)
            return iv(0, 0, 0);
        if (!contains(a, 0) || !contains(b, 0)) return iv(1, 1, 0);
        return iv(0, 1, 0);
    case IR_SELECT: {
        ival c = v[n->c];
        if (a.lo == a.hi && !a.nan) return a.lo != 0 ? b : c;
        if (!contains(a, 0)) return b; /* NaN is true too */
        return iv(fmin(b.lo, c.lo), fmax(b.hi, c.hi), b.nan || c.nan);
    }
    case IR_NOPS:
        break;
    }
    return iv(-INFINITY, INFINITY, 1);
}

/* ---- one schedule's code ------------------------------------------------ */

typedef struct sched_code {
    lrs_arena *arena;
    lrs_code code;
    tables tabs; /* of the code's pool */
    double *scratch;
    ival *iscratch;
    int noise; /* uses IR_NOISE: a value depends on the step's bits, not its double */
} sched_code;

static double point(sched_code *k, int64_t step)
{
    return lrs_code_eval(&k->code, step, k->scratch);
}

/* The values at the steps a..b (a <= b, a >= 0). */
static ival range(sched_code *k, int64_t a, int64_t b)
{
    ival s = iv((double)a, (double)b, 0);
    for (uint32_t i = 0; i < k->code.n; i++)
        k->iscratch[i] = apply(&k->code.ins[i], k->iscratch, s, &k->tabs);
    return k->iscratch[k->code.n - 1];
}

/* Steps a..b all evaluate the same code on the same double step: one
 * evaluation is exact for all of them. */
static int collapsed(const sched_code *k, int64_t a, int64_t b)
{
    return a == b || (!k->noise && (double)a == (double)b);
}

/* ---- branch and bound over step ranges ---------------------------------------- */

typedef struct box {
    int64_t a, b;
    ival v;
    double key; /* smallest first */
} box;

typedef struct heap {
    lrs_arena *arena;
    box *items;
    size_t n, cap;
} heap;

static void heap_push(heap *h, box x)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 256;
        h->items =
            lrs_arena_realloc(h->arena, h->items, h->n * sizeof *h->items, cap * sizeof *h->items);
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && h->items[(i - 1) / 2].key > x.key) {
        h->items[i] = h->items[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->items[i] = x;
}

static box heap_pop(heap *h)
{
    box top = h->items[0], last = h->items[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->items[c + 1].key < h->items[c].key) c++;
        if (h->items[c].key >= last.key) break;
        h->items[i] = h->items[c];
        i = c;
    }
    if (h->n) h->items[i] = last;
    return top;
}

/* Work allowed per question and schedule, in evaluations of one IR node. */
enum { WORK = 6000000, MAX_BOXES = 20000 };

static size_t budget(const sched_code *k)
{
    size_t n = WORK / (k->code.n + 1);
    return n < 64 ? 64 : n > MAX_BOXES ? MAX_BOXES : n;
}

static int bad_value(double v)
{
    return !(v >= 0 && v < INFINITY);
}

/* Prove every step's value finite and non-negative. Returns 1 if proved,
 * 0 if not decided within the budget, -1 with a counterexample in *step
 * and *val. */
static int prove(sched_code *k, int64_t *step, double *val)
{
    heap h = {k->arena, NULL, 0, 0};
    ival all = range(k, 0, INT64_MAX);
    int result = 1;
    if (all.nan || all.lo < 0 || all.hi == INFINITY)
        heap_push(&h, (box){0, INT64_MAX, all, all.nan ? -INFINITY : all.lo});
    for (size_t pops = budget(k); h.n && result == 1; pops--) {
        if (!pops) {
            result = 0;
            break;
        }
        box x = heap_pop(&h);
        int surely_bad = !x.v.nan ? x.v.hi < 0 || x.v.lo == INFINITY : x.v.lo == INFINITY;
        if (surely_bad || collapsed(k, x.a, x.b)) {
            double v = point(k, x.a);
            if (bad_value(v)) {
                *step = x.a;
                *val = v;
                result = -1;
            } else if (!collapsed(k, x.a, x.b)) {
                result = 0; /* the bounds were wrong: do not claim anything */
            }
            continue;
        }
        int64_t mid = x.a + (x.b - x.a) / 2;
        int64_t part[2][2] = {{x.a, mid}, {mid + 1, x.b}};
        for (int j = 0; j < 2; j++) {
            ival r = range(k, part[j][0], part[j][1]);
            if (r.nan || r.lo < 0 || r.hi == INFINITY)
                heap_push(&h, (box){part[j][0], part[j][1], r, r.nan ? -INFINITY : r.lo});
        }
    }
    return result;
}

/* Confirm that *best, a value at some step of 0..end, is the least
 * (sign = 1) or greatest (sign = -1) value there, improving it as steps
 * are found that go further. Returns 1 if confirmed. */
static int extreme(sched_code *k, int64_t end, int sign, double *best)
{
    heap h = {k->arena, NULL, 0, 0};
    int done = 1;
    ival all = range(k, 0, end);
#define BOUND(v) (sign > 0 ? (v).lo : -(v).hi)
#define BEYOND(v) (BOUND(v) < sign * *best - 1e-12 * fabs(*best))
    if (BEYOND(all)) heap_push(&h, (box){0, end, all, BOUND(all)});
    for (size_t pops = budget(k); h.n; pops--) {
        if (!pops) {
            done = 0;
            break;
        }
        box x = heap_pop(&h);
        if (!BEYOND(x.v)) continue;
        if (collapsed(k, x.a, x.b)) {
            double v = point(k, x.a);
            if (v == v && sign * v < sign * *best) *best = v;
            continue;
        }
        int64_t mid = x.a + (x.b - x.a) / 2;
        double v = point(k, mid);
        if (v == v && sign * v < sign * *best) *best = v;
        int64_t part[2][2] = {{x.a, mid}, {mid + 1, x.b}};
        for (int j = 0; j < 2; j++) {
            ival r = range(k, part[j][0], part[j][1]);
            if (BEYOND(r)) heap_push(&h, (box){part[j][0], part[j][1], r, BOUND(r)});
        }
    }
#undef BOUND
#undef BEYOND
    return done;
}

/* ---- sampling ------------------------------------------------------------------ */

typedef struct samples {
    lrs_arena *arena;
    int64_t *steps;
    size_t n, cap;
} samples;

static void add(samples *s, double step)
{
    if (!(step >= 0)) return;
    int64_t k = step >= LRS_IR_STEP_LIMIT ? INT64_MAX : (int64_t)step;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 1024;
        s->steps =
            lrs_arena_realloc(s->arena, s->steps, s->n * sizeof *s->steps, cap * sizeof *s->steps);
        s->cap = cap;
    }
    s->steps[s->n++] = k;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* The steps around t, where an affine function of the step crosses a
 * threshold. */
static void crossing(samples *out, double t)
{
    for (int d = -1; d <= 1; d++) {
        add(out, floor(t) + d);
        add(out, ceil(t) + d);
    }
}

/* Steps where a comparison (or a min/max) of an affine function of the
 * step with a constant changes its answer: the thresholds of index, pick,
 * `?:` and clamps. An operand is followed as m * step + c through + - * /
 * by constants, and through min/max with a constant (as its step side). */
static void thresholds(const lrs_code *code, samples *out)
{
    double *m = lrs_arena_alloc(out->arena, (code->n + 1) * sizeof *m);
    double *c = lrs_arena_alloc(out->arena, (code->n + 1) * sizeof *c);
    unsigned char *ok = lrs_arena_alloc(out->arena, code->n + 1);
    for (uint32_t i = 0; i < code->n; i++) {
        const lrs_irnode *n = &code->ins[i];
        ok[i] = 0;
        m[i] = c[i] = 0;
        uint32_t a = n->a, b = n->b;
        int bin = lrs_ir_arity(n->op) == 2;
        int ka = bin && ok[a] && m[a] == 0, kb = bin && ok[b] && m[b] == 0;
        switch (n->op) {
        case IR_CONST:
            ok[i] = 1;
            c[i] = n->k;
            break;
        case IR_STEP:
            ok[i] = 1;
            m[i] = 1;
            break;
        case IR_NEG:
            ok[i] = ok[a];
            m[i] = -m[a];
            c[i] = -c[a];
            break;
        case IR_ADD:
        case IR_SUB:
            if (!ok[a] || !ok[b]) break;
            ok[i] = 1;
            m[i] = n->op == IR_ADD ? m[a] + m[b] : m[a] - m[b];
            c[i] = n->op == IR_ADD ? c[a] + c[b] : c[a] - c[b];
            break;
        case IR_MUL:
            if (ok[a] && kb) ok[i] = 1, m[i] = m[a] * c[b], c[i] = c[a] * c[b];
            if (ok[b] && ka) ok[i] = 1, m[i] = m[b] * c[a], c[i] = c[b] * c[a];
            break;
        case IR_DIV:
            if (ok[a] && kb && c[b] != 0) ok[i] = 1, m[i] = m[a] / c[b], c[i] = c[a] / c[b];
            break;
        case IR_MIN:
        case IR_MAX:
        case IR_LT:
        case IR_LE:
        case IR_GT:
        case IR_GE:
        case IR_EQ:
        case IR_NE: {
            if (!(ok[a] && kb) && !(ok[b] && ka)) break;
            uint32_t x = ka ? b : a;
            double k = ka ? c[a] : c[b];
            if (m[x] != 0) crossing(out, (k - c[x]) / m[x]);
            if (n->op == IR_MIN || n->op == IR_MAX) {
                ok[i] = 1;
                m[i] = m[x];
                c[i] = c[x];
            }
            break;
        }
        case IR_PICK:
        case IR_INDEX: /* where the entry read changes: integers, the table's entries */
            if (!ok[a] || m[a] == 0) break;
            for (uint32_t j = 0; j < n->c; j++) {
                double k = n->op == IR_PICK ? j : code->pool[n->b + j];
                crossing(out, (k - c[a]) / m[a]);
            }
            break;
        default:
            break;
        }
    }
}

enum { DENSE = 4096 };

/* Boundaries sampled, each with its neighbours (±2): every boundary of a
 * `then` chain, and of each run of restart cycles (one `restarts` at one
 * place) the first CYCLE_HEAD cycle starts and CYCLE_SPREAD more spread
 * evenly up to its last; BOUND_SAMPLES boundaries at most in all, spread
 * evenly. The interval proof covers the steps between: a million cycles
 * cost no more than a few dozen. */
enum { CYCLE_HEAD = 16, CYCLE_SPREAD = 16, BOUND_SAMPLES = 4096 };

/* Work allowed for sampling one schedule, in evaluations of one IR node;
 * past it the samples are thinned evenly, the first KEEP_FIRST kept. */
enum { SAMPLE_WORK = 8000000, KEEP_FIRST = 256 };

static int same_place(const lrs_jump *a, const lrs_jump *b)
{
    return a->sched == b->sched && a->span.file == b->span.file && a->span.start == b->span.start &&
           a->span.end == b->span.end;
}

/* The boundaries of schedule `sched` to sample, into out (unsorted). */
static void boundary_steps(const lrs_comp *c, size_t sched, const lrs_sched_out *s, samples *out)
{
    samples b = {out->arena, NULL, 0, 0};
    for (size_t j = 0; j < c->jumps.n; j++) {
        const lrs_jump *jp = c->jumps.items[j];
        if (jp->sched == sched && jp->pos < s->span) add(&b, jp->pos);
    }
    const lrs_vec *cs = &c->cycle_starts;
    for (size_t r0 = 0, r1; r0 < cs->n; r0 = r1) {
        for (r1 = r0 + 1; r1 < cs->n && same_place(cs->items[r0], cs->items[r1]); r1++)
            ;
        if (((const lrs_jump *)cs->items[r0])->sched != sched) continue;
        size_t len = r1 - r0;
        size_t stride = len > CYCLE_HEAD + CYCLE_SPREAD ? (len - CYCLE_HEAD) / CYCLE_SPREAD : 1;
        for (size_t j = 0; j < len; j++) {
            const lrs_jump *jp = cs->items[r0 + j];
            int pick = j < CYCLE_HEAD || j + 1 == len || (j - CYCLE_HEAD) % stride == 0;
            if (pick && jp->pos < s->span) add(&b, jp->pos);
        }
    }
    for (size_t i = 0; i < b.n && i < BOUND_SAMPLES; i++) {
        size_t j = b.n <= BOUND_SAMPLES ? i : i * (b.n - 1) / (BOUND_SAMPLES - 1);
        for (int d = -2; d <= 2; d++)
            add(out, (double)b.steps[j] + d);
    }
}

/* The steps to sample schedule `sched` at, sorted and distinct; at most
 * about work / (code size) of them. dense: also DENSE + 1 evenly spaced
 * steps (a schedule that is proved needs them only for its least and
 * greatest values, which the branch and bound of extreme() confirms or
 * improves without them). */
static void sample_steps(const lrs_comp *c, size_t sched, const lrs_code *code, int dense,
                         size_t work, samples *out)
{
    const lrs_sched_out *s = c->scheds.items[sched];
    double end = s->span;
    double last = s->nbounds ? s->bounds[s->nbounds - 1] : 0;
    double horizon = end == INFINITY ? fmax(4 * last, 1e6) : end;
    for (int i = 0; i <= DENSE && dense; i++)
        add(out, round(horizon * i / (double)DENSE));
    for (int i = 0; i < 64; i++)
        add(out, i);
    boundary_steps(c, sched, s, out);
    if (end != INFINITY)
        for (int d = -2; d <= 2; d++)
            add(out, end + d);
    for (int k = 0; k < 63; k++)
        add(out, ldexp(1, k));
    add(out, LRS_IR_STEP_LIMIT); /* INT64_MAX */
    add(out, LRS_IR_STEP_LIMIT - 1024);
    thresholds(code, out);
    qsort(out->steps, out->n, sizeof *out->steps, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < out->n; i++)
        if (u == 0 || out->steps[u - 1] != out->steps[i]) out->steps[u++] = out->steps[i];
    size_t cap = work / (code->n + 1);
    if (cap < 2 * KEEP_FIRST) cap = 2 * KEEP_FIRST;
    if (u > cap) { /* the first KEEP_FIRST, then every stride-th */
        size_t stride = (u - KEEP_FIRST + (cap - KEEP_FIRST) - 1) / (cap - KEEP_FIRST),
               n = KEEP_FIRST;
        for (size_t i = KEEP_FIRST; i < u; i += stride)
            out->steps[n++] = out->steps[i];
        if (out->steps[n - 1] != out->steps[u - 1]) out->steps[n++] = out->steps[u - 1];
        u = n;
    }
    out->n = u;
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

/* The last step of a finite span, as an int64 (a span of 2^63 steps or
 * more ends at INT64_MAX). */
static int64_t last_step(double span)
{
    return !(span < LRS_IR_STEP_LIMIT) ? INT64_MAX : span < 0 ? 0 : (int64_t)span;
}

static void report(lrs_comp *c, lrs_sched_out *s, sched_code *k, int64_t step, double v)
{
    const char *what = v != v                            ? "not a number (NaN)"
                       : v == INFINITY || v == -INFINITY ? "infinite"
                                                         : "negative";
    char val[32];
    snprintf(val, sizeof val, v != v ? "nan" : "%g", v);
    size_t e =
        lrs_diag_error(&c->sink, s->decl->expr->span, "schedule '%s' is %s at step %lld (%s)",
                       s->name, what, (long long)step, val);
    double v0 = point(k, 0);
    if (v < 0 && v > -INFINITY)
        lrs_diag_help(&c->sink, e,
                      "a rate must not be negative: check the order of `from -> to`, "
                      "or clamp it with max(..., 0)");
    else if (v == INFINITY && isfinite(v0))
        lrs_diag_help(&c->sink, e,
                      "the value grows without bound: cap it (min(..., MAX), or the "
                      "function's end value such as `end_value = ...`), or end the schedule "
                      "before it overflows (`for N`, or `param total = N`)");
    else
        lrs_diag_help(&c->sink, e,
                      "look for a 0/0, a log or sqrt of a negative number, or a "
                      "division by a span that is 0 or infinite");
}

/* Evaluate the samples (sorted): s->vmin and s->vmax over those up to
 * `end`; returns 1 with the first bad value and its step, if any. */
static int scan(sched_code *k, const samples *sm, int64_t end, lrs_sched_out *s, int64_t *bad_step,
                double *bad)
{
    s->vmin = INFINITY;
    s->vmax = -INFINITY;
    int found = 0;
    for (size_t i = 0; i < sm->n; i++) {
        double v = point(k, sm->steps[i]);
        if (sm->steps[i] <= end && v == v) {
            if (v < s->vmin) s->vmin = v;
            if (v > s->vmax) s->vmax = v;
        }
        if (!found && bad_value(v)) {
            found = 1;
            *bad_step = sm->steps[i];
            *bad = v;
        }
    }
    return found;
}

/* scratch, iscratch: room for one value per IR node. */
static void check_one(lrs_comp *c, size_t sched, double *scratch, ival *iscratch)
{
    lrs_sched_out *s = c->scheds.items[sched];
    sched_code k = {&c->arena, {0}, {0}, scratch, iscratch, 0};
    if (!build_code(c, s->root, &k.code)) return;
    k.tabs = tables_new(&c->arena, k.code.pool, k.code.npool);
    samples sm = {&c->arena, NULL, 0, 0};
    if (!k.code.n) goto done;
    for (uint32_t i = 0; i < k.code.n; i++)
        k.noise |= k.code.ins[i].op == IR_NOISE;

    /* The samples without the dense ones first; if they show nothing bad
     * and the proof succeeds, that is the answer. Otherwise every sample,
     * so that a counterexample is the first sampled step that is bad. */
    int64_t end = s->span == INFINITY ? INT64_MAX : last_step(s->span);
    int64_t bad_step = 0;
    double bad = 0;
    sample_steps(c, sched, &k.code, 0, SAMPLE_WORK, &sm);
    int found = scan(&k, &sm, end, s, &bad_step, &bad);
    int proof = found ? -1 : prove(&k, &bad_step, &bad);
    if (proof != 1) {
        sm.n = 0;
        sample_steps(c, sched, &k.code, 1, SAMPLE_WORK, &sm);
        int64_t step = 0;
        double v = 0;
        if (scan(&k, &sm, end, s, &step, &v)) {
            proof = -1;
            bad_step = step;
            bad = v;
        }
    }
    s->proved = proof == 1;
    if (proof < 0) {
        report(c, s, &k, bad_step, bad);
    } else {
        int lo = s->vmin < INFINITY && extreme(&k, end, 1, &s->vmin);
        int hi = s->vmax > -INFINITY && extreme(&k, end, -1, &s->vmax);
        s->exact = lo && hi;
    }
    s->v0 = point(&k, 0);
    s->vend = point(&k, s->span == INFINITY ? (int64_t)1 << 53 : last_step(s->span));
done:
    lrs_code_free(&k.code);
}

/* ---- reactive schedules ---------------------------------------------------------
 * A detector's value is any point of its range: a count is a whole number
 * in [0, 2^63), `last` and `best` any finite number. Interval analysis
 * covers every history at once; sampling tries histories that set each
 * detector to values from its kind's list, and says which one failed. */

static ival detector_range(const lrs_comp *c, const lrs_irnode *n)
{
    const lrs_detector *d = c->detectors.items[n->a];
    if (d->kind == LRS_DETECT_PLATEAUS || d->kind == LRS_DETECT_REPORTS)
        return iv(0, 9223372036854775807.0, 0);
    return iv(-DBL_MAX, DBL_MAX, 0);
}

static const double counts[] = {
    0, 1, 2, 3, 4, 5, 7, 10, 20, 100, 1000, 1e6, 2147483648.0, 9007199254740992.0};
static const double metrics[] = {0,   1,    -1,  0.5,    1e-3,  -1e-3,  10,  -10,
                                 1e3, -1e3, 1e6, 1e-300, 1e300, -1e300, 3.7, -0.25};
enum { NCOUNTS = sizeof counts / sizeof *counts, NMETRICS = sizeof metrics / sizeof *metrics };
enum { HISTORIES = 32 };

/* History h (h > 0) of the detectors: value number h + 5 * slot of each list. */
static void history(const lrs_comp *c, size_t h, double *det)
{
    for (size_t k = 0; k < c->detectors.n; k++) {
        const lrs_detector *d = c->detectors.items[k];
        size_t j = h + 5 * k;
        det[k] = d->kind == LRS_DETECT_PLATEAUS || d->kind == LRS_DETECT_REPORTS
                     ? counts[j % NCOUNTS]
                     : metrics[j % NMETRICS];
    }
}

static void describe_history(const lrs_comp *c, const lrs_code *code, const double *det, char *buf,
                             size_t n)
{
    static const char *const kinds[] = {"plateaus", "last", "reports", "best"};
    size_t off = 0, shown = 0;
    buf[0] = 0;
    for (uint32_t i = 0; i < code->n && off < n; i++) {
        if (code->ins[i].op != IR_INPUT) continue;
        uint32_t k = code->ins[i].a;
        const lrs_detector *d = c->detectors.items[k];
        const lrs_decl *sig = c->signals.items[d->signal];
        if (shown++ == 4) {
            snprintf(buf + off, n - off, ", ...");
            return;
        }
        off += (size_t)snprintf(buf + off, n - off, "%s%s(%s) = %g", shown > 1 ? ", " : "",
                                kinds[d->kind], sig->name, det[k]);
    }
}

static void check_reactive(lrs_comp *c, size_t sched, const ival *iv_all, double *scratch)
{
    lrs_sched_out *s = c->scheds.items[sched];
    lrs_code code;
    if (!build_code(c, s->root, &code)) return;
    if (!lrs_code_reactive(&code)) {
        lrs_code_free(&code);
        return;
    }
    s->reactive = 1;
    s->ilo = iv_all[s->root].lo;
    s->ihi = iv_all[s->root].hi;
    s->proved = !iv_all[s->root].nan && s->ilo >= 0 && s->ihi < INFINITY;
    double *det = lrs_arena_alloc(&c->arena, (c->detectors.n + 1) * sizeof *det);
    samples sm = {&c->arena, NULL, 0, 0};
    /* each step is tried with about a dozen histories */
    sample_steps(c, sched, &code, 1, SAMPLE_WORK / 16, &sm);
    int failed = 0;
    for (size_t h = 1; h < HISTORIES && !failed; h++) {
        history(c, h, det);
        for (size_t i = 0; i < sm.n && !failed; i += h % 4 + 1) {
            double v = lrs_code_eval_det(&code, sm.steps[i], det, scratch);
            if (v < s->vmin) s->vmin = v;
            if (v > s->vmax) s->vmax = v;
            if (v >= 0 && v < INFINITY) continue;
            failed = 1;
            char hist[256], val[32];
            describe_history(c, &code, det, hist, sizeof hist);
            snprintf(val, sizeof val, v != v ? "nan" : "%g", v);
            size_t e = lrs_diag_error(&c->sink, s->decl->expr->span,
                                      "schedule '%s' is %s at step %lld (%s) when %s", s->name,
                                      v != v  ? "not a number (NaN)"
                                      : v < 0 ? "negative"
                                              : "infinite",
                                      (long long)sm.steps[i], val, hist);
            lrs_diag_help(&c->sink, e,
                          "a detector can take any value its signal's history gives; clamp "
                          "what depends on it, e.g. max(..., 1e-6) or min(..., 1)");
        }
    }
    if (!failed && !s->proved) {
        size_t e = lrs_diag_warning(&c->sink, s->decl->expr->span,
                                    "cannot prove schedule '%s' finite and non-negative over every "
                                    "history of its signals (%d sampled histories were)",
                                    s->name, HISTORIES);
        lrs_diag_help(&c->sink, e,
                      "bound what depends on a detector, e.g. clamp(last(SIG), 0, 1) or "
                      "max(A * 0.1 ^ plateaus(SIG), 1e-6)");
    }
    lrs_code_free(&code);
}

/* Jumps written as jump(S), and all of them with lrs_options.allow_jumps,
 * are intended. */
static void check_jumps(lrs_comp *c, double *scratch)
{
    if (c->opts && c->opts->allow_jumps) return;
    for (size_t i = 0; i < c->jumps.n; i++) {
        lrs_jump *j = c->jumps.items[i];
        if (j->intended) continue;
        double a = ir_eval_at(c, j->before, last_step(j->pos), scratch);
        double b = ir_eval_at(c, j->after, last_step(j->pos), scratch);
        if (!isfinite(a) || !isfinite(b)) continue;
        double big = fmax(fabs(a), fabs(b));
        if (fabs(a - b) <= 0.5 * big) continue;
        size_t e = lrs_diag_warning(&c->sink, j->span,
                                    "the value jumps from %g to %g at step %.0f (by %.0f%%)", a, b,
                                    j->pos, 100 * fabs(a - b) / big);
        lrs_diag_help(&c->sink, e,
                      "if the jump is intended (a step decay), say so with `then jump(...)` "
                      "(or for every jump with --allow-jumps); otherwise make the segments "
                      "meet at the boundary");
    }
}

int lrs_check_program(lrs_comp *c)
{
    int before = c->sink.errors;
    if (c->ir.oom || c->ir.n == 0) return 0;
    /* From the arena: when memory runs out, the compilation fails with
     * its message instead of the checks being skipped. */
    double *scratch = lrs_arena_alloc(&c->arena, (c->ir.n + 1) * sizeof *scratch);
    ival *iscratch = lrs_arena_alloc(&c->arena, (c->ir.n + 1) * sizeof *iscratch);
    for (size_t i = 0; i < c->scheds.n; i++)
        check_one(c, i, scratch, iscratch);
    if (c->detectors.n) { /* reactive schedules: every history at once */
        ival *v = lrs_arena_alloc(&c->arena, (c->ir.n + 1) * sizeof *v);
        tables tabs = tables_new(&c->arena, c->ir.pool, c->ir.npool);
        for (size_t i = 0; i < c->ir.n; i++)
            v[i] = c->ir.nodes[i].op == IR_INPUT
                       ? detector_range(c, &c->ir.nodes[i])
                       : apply(&c->ir.nodes[i], v, iv(0, LRS_IR_STEP_LIMIT, 0), &tabs);
        for (size_t i = 0; i < c->scheds.n; i++)
            check_reactive(c, i, v, scratch);
    }
    check_jumps(c, scratch);
    return c->sink.errors - before;
}
