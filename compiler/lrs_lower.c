/* lrs_lower.c — durations and contexts (reference section 6): turns each
 * schedule's term into IR over the global step. Every term is lowered in a
 * context — the local step s, the span L and the cycle index — and the
 * forms that change the context (for, then, restarts, sample, at) lower
 * their operands in a new one. Everything is closed-form: a `then` chain
 * is a select over segment starts, restarts finds its cycle by logarithm. */
#include "lrs_sema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct lctx {
    uint32_t s, L, cycle;
    double offset; /* s = global step - offset, when known; else NAN */
    /* The term this context was made for by a `then` chain, whose
     * duration the chain already resolved in its own context: a `for` in
     * it must not evaluate its duration again in the segment (where
     * `span` is the segment's length, not the chain's). */
    const lrs_term *placed;
} lctx;

typedef struct memo_slot {
    const lrs_term *t;
    const lctx *x;
    uint32_t v;
} memo_slot;

typedef struct lower {
    lrs_comp *c;
    lrs_ir *ir;
    size_t sched;
    memo_slot *memo;
    size_t mn, mcap;
    lctx **ctxs;
    size_t cn, ccap;
} lower;

#define IR (L->ir)
#define NONE LRS_IR_NONE

static uint32_t K(lower *L, double k)
{
    return lrs_ir_const(IR, k);
}
static uint32_t bin(lower *L, lrs_irop op, uint32_t a, uint32_t b)
{
    return lrs_ir_bin(IR, op, a, b);
}
static int konst(lower *L, uint32_t x, double *k)
{
    return lrs_ir_is_const(IR, x, k);
}

/* Contexts are interned so equal contexts share the memo. */
static lctx *ctx_placed(lower *L, uint32_t s, uint32_t span, uint32_t cycle, double offset,
                        const lrs_term *placed)
{
    for (size_t i = 0; i < L->cn; i++) {
        lctx *x = L->ctxs[i];
        if (x->s == s && x->L == span && x->cycle == cycle && x->placed == placed &&
            (x->offset == offset || (x->offset != x->offset && offset != offset)))
            return x;
    }
    if (L->cn == L->ccap) {
        size_t cap = L->ccap ? L->ccap * 2 : 64;
        L->ctxs = lrs_arena_realloc(&L->c->arena, L->ctxs, L->cn * sizeof *L->ctxs,
                                    cap * sizeof *L->ctxs);
        L->ccap = cap;
    }
    lctx *x = lrs_arena_alloc(&L->c->arena, sizeof *x);
    *x = (lctx){s, span, cycle, offset, placed};
    L->ctxs[L->cn++] = x;
    return x;
}

static lctx *ctx(lower *L, uint32_t s, uint32_t span, uint32_t cycle, double offset)
{
    return ctx_placed(L, s, span, cycle, offset, NULL);
}

/* The same context, placed for term t (or for nothing). */
static const lctx *place(lower *L, const lctx *x, const lrs_term *t)
{
    return ctx_placed(L, x->s, x->L, x->cycle, x->offset, t);
}

static size_t memo_hash(const lrs_term *t, const lctx *x, size_t cap)
{
    uintptr_t h = (uintptr_t)t * 31u + (uintptr_t)x;
    h ^= h >> 17;
    h *= 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 7) & (cap - 1);
}

static memo_slot *memo_find(lower *L, const lrs_term *t, const lctx *x)
{
    if ((L->mn + 1) * 2 > L->mcap) {
        size_t cap = L->mcap ? L->mcap * 2 : 1024;
        memo_slot *m = lrs_arena_alloc(&L->c->arena, cap * sizeof *m);
        for (size_t i = 0; i < L->mcap; i++)
            if (L->memo[i].t) {
                size_t h = memo_hash(L->memo[i].t, L->memo[i].x, cap);
                while (m[h].t)
                    h = (h + 1) & (cap - 1);
                m[h] = L->memo[i];
            }
        L->memo = m;
        L->mcap = cap;
    }
    size_t h = memo_hash(t, x, L->mcap);
    while (L->memo[h].t && (L->memo[h].t != t || L->memo[h].x != x))
        h = (h + 1) & (L->mcap - 1);
    return &L->memo[h];
}

/* Report an error about a term once, however often it is lowered. */
static size_t fail(lower *L, lrs_term *t, const char *fmt, ...) LRS_PRINTF(3, 4);

static size_t fail(lower *L, lrs_term *t, const char *fmt, ...)
{
    if (t->reported) return LRS_NO_DIAG;
    t->reported = 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return lrs_diag_error(&L->c->sink, t->span, "%s", msg);
}

static uint32_t lower_term(lower *L, lrs_term *t, const lctx *x);
static uint32_t duration(lower *L, lrs_term *t, const lctx *x);

/* ---- then chains ---------------------------------------------------------- */

typedef struct chain {
    lrs_term **seg;
    lrs_span *then; /* then[j]: the `then` between seg[j] and seg[j+1] */
    size_t n, cap;
} chain;

static void flatten(lower *L, lrs_term *t, chain *ch)
{
    if (t->kind == T_THEN) {
        flatten(L, t->a, ch);
        size_t before = ch->n;
        flatten(L, t->b, ch);
        ch->then[before - 1] = t->span;
        return;
    }
    if (ch->n == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 8;
        ch->seg = lrs_arena_realloc(&L->c->arena, ch->seg, ch->n * sizeof *ch->seg,
                                    cap * sizeof *ch->seg);
        ch->then = lrs_arena_realloc(&L->c->arena, ch->then, ch->n * sizeof *ch->then,
                                     cap * sizeof *ch->then);
        ch->cap = cap;
    }
    ch->seg[ch->n++] = t;
}

static double kval(lower *L, uint32_t x)
{
    double k = NAN;
    konst(L, x, &k);
    return k;
}

/* The durations of a chain's segments, the stretching one filled in from
 * the context's span. Returns 0 after reporting an error. */
static int chain_durations(lower *L, lrs_term *t, const chain *ch, const lctx *x, uint32_t *d)
{
    size_t stretch = ch->n;
    for (size_t j = 0; j < ch->n; j++) {
        d[j] = duration(L, ch->seg[j], x);
        if (d[j] != NONE) continue;
        if (stretch != ch->n) {
            size_t e =
                fail(L, ch->seg[j],
                     "two segments of this chain have no duration, so neither knows where it ends");
            lrs_diag_note(&L->c->sink, e, 1, ch->seg[stretch]->span, "the other one is here");
            lrs_diag_help(&L->c->sink, e, "give all but one of them a duration with `for`");
            return 0;
        }
        stretch = j;
    }
    uint32_t fixed = K(L, 0);
    for (size_t j = 0; j < ch->n; j++)
        if (j != stretch) fixed = bin(L, IR_ADD, fixed, d[j]);
    double span = kval(L, x->L), used = kval(L, fixed);
    if (stretch < ch->n) {
        if (span == INFINITY && stretch != ch->n - 1) {
            size_t e = fail(L, ch->seg[stretch],
                            "this segment has no duration, and the span is infinite, so only the "
                            "last segment may stretch");
            lrs_diag_help(&L->c->sink, e,
                          "give it a duration with `for`, or set `param total` to the budget");
            return 0;
        }
        d[stretch] = bin(L, IR_SUB, x->L, fixed);
        double left = kval(L, d[stretch]);
        if (left <= 0) {
            size_t e = fail(L, ch->seg[stretch],
                            "nothing is left for this segment to fill: the others take %g of a "
                            "span of %g steps",
                            used, span);
            lrs_diag_help(&L->c->sink, e, "shorten the other segments, or make the budget longer");
            return 0;
        }
    } else if (span == span && used == used && used > span) {
        size_t e = fail(L, t, "the segments of this chain take %g steps, more than the span of %g",
                        used, span);
        lrs_diag_help(&L->c->sink, e, "shorten the segments, or make `total` larger");
        return 0;
    }
    return 1;
}

static uint32_t lower_chain(lower *L, lrs_term *t, const lctx *x)
{
    chain ch = {0};
    flatten(L, t, &ch);
    uint32_t *d = lrs_arena_alloc(&L->c->arena, ch.n * sizeof *d);
    uint32_t *o = lrs_arena_alloc(&L->c->arena, (ch.n + 1) * sizeof *o);
    uint32_t *v = lrs_arena_alloc(&L->c->arena, ch.n * sizeof *v);
    if (!chain_durations(L, t, &ch, x, d)) return K(L, NAN);
    o[0] = K(L, 0);
    for (size_t j = 0; j < ch.n; j++)
        o[j + 1] = bin(L, IR_ADD, o[j], d[j]);
    for (size_t j = 0; j < ch.n; j++) {
        uint32_t s = bin(L, IR_MIN, bin(L, IR_MAX, bin(L, IR_SUB, x->s, o[j]), K(L, 0)), d[j]);
        double oj = kval(L, o[j]);
        lctx *xj = ctx_placed(L, s, d[j], x->cycle, x->offset + oj, ch.seg[j]);
        v[j] = lower_term(L, ch.seg[j], xj);
    }
    uint32_t r = v[ch.n - 1];
    for (size_t j = ch.n - 1; j-- > 0;)
        r = lrs_ir_select(IR, bin(L, IR_LT, x->s, o[j + 1]), v[j], r);
    /* Boundaries at known global steps feed the jump warning and the
     * boundary queries. */
    if (x->offset == x->offset)
        for (size_t j = 0; j + 1 < ch.n; j++) {
            double pos = x->offset + kval(L, o[j + 1]);
            if (pos != pos || pos == INFINITY) continue;
            lrs_jump *jp = lrs_arena_alloc(&L->c->arena, sizeof *jp);
            *jp = (lrs_jump){pos, v[j], v[j + 1], ch.then[j], L->sched};
            lrs_vec_push(&L->c->arena, &L->c->jumps, jp);
        }
    return r;
}

/* ---- durations -------------------------------------------------------------- */

static double term_k(const lrs_term *t)
{
    double k = NAN;
    lrs_term_is_const(t, &k);
    return k;
}

/* Start of restarts cycle i: period * (mult^i - 1) / (mult - 1). */
static uint32_t cycle_start(lower *L, double P, double M, uint32_t i)
{
    if (M == 1) return bin(L, IR_MUL, i, K(L, P));
    return bin(L, IR_MUL, K(L, P / (M - 1)), bin(L, IR_SUB, bin(L, IR_POW, K(L, M), i), K(L, 1)));
}

static uint32_t duration(lower *L, lrs_term *t, const lctx *x)
{
    switch (t->kind) {
    case T_FOR:
        return lrs_ir_un(IR, IR_ROUND, lower_term(L, t->b, x));
    case T_THEN: {
        chain ch = {0};
        flatten(L, t, &ch);
        uint32_t sum = K(L, 0);
        for (size_t j = 0; j < ch.n; j++) {
            uint32_t d = duration(L, ch.seg[j], x);
            if (d == NONE) return NONE;
            sum = bin(L, IR_ADD, sum, d);
        }
        return sum;
    }
    case T_RESTARTS: {
        double P = term_k(t->b), M = term_k(t->c), lim = term_k(t->d);
        if (lim == INFINITY) return NONE;
        return cycle_start(L, P, M, K(L, lim));
    }
    case T_SAMPLE:
    case T_NOISE:
    case T_UN:
        return duration(L, t->a, x);
    case T_BIN: {
        uint32_t da = duration(L, t->a, x), db = duration(L, t->b, x);
        if (da == NONE) return db;
        if (db == NONE || da == db) return da;
        double ka, kb;
        if (konst(L, da, &ka) && konst(L, db, &kb) && ka != kb) {
            size_t e =
                fail(L, t, "the operands have different durations (%g and %g steps)", ka, kb);
            lrs_diag_help(&L->c->sink, e, "give the whole expression one duration: (A op B) for D");
        }
        return da;
    }
    case T_SEL: {
        uint32_t da = duration(L, t->b, x), db = duration(L, t->c, x);
        if (da == NONE && db == NONE) return NONE;
        if (da == NONE || db == NONE) {
            fail(L, t, "one branch of `?:` has a duration and the other does not");
            return NONE;
        }
        return lrs_ir_select(IR, lower_term(L, t->a, x), da, db);
    }
    default:
        return NONE;
    }
}

/* ---- the context-changing forms ------------------------------------------- */

static uint32_t progress(lower *L, const lctx *x)
{
    /* progress = s / L in [0, 1]; 0 for an infinite span, 1 for an empty one */
    uint32_t p = bin(L, IR_MIN, bin(L, IR_DIV, x->s, x->L), K(L, 1));
    p = lrs_ir_select(IR, bin(L, IR_LE, x->L, K(L, 0)), K(L, 1), p);
    return lrs_ir_select(IR, bin(L, IR_EQ, x->L, K(L, INFINITY)), K(L, 0), p);
}

static uint32_t lower_restarts(lower *L, lrs_term *t, const lctx *x)
{
    double P = term_k(t->b), M = term_k(t->c), lim = term_k(t->d);
    uint32_t i, st, len;
    double known = kval(L, x->L); /* cycles reachable within a known, finite span */
    double reach = M == 1 ? known / P : log1p(known * (M - 1) / P) / log(M);
    if (isfinite(known) && reach > LRS_MAX_CYCLES && lim > LRS_MAX_CYCLES) {
        size_t e = fail(L, t, "restarts reaches %.3g cycles within its span (the limit is %d)",
                        reach, LRS_MAX_CYCLES);
        lrs_diag_help(&L->c->sink, e, "use a longer period, or set limit = N");
        return K(L, NAN);
    }
    /* At the end of the span the last cycle is at progress 1 (a restart
     * exactly there would never run), and past the limit the last cycle
     * holds its end value: the cycle index comes from a clamped step. */
    uint32_t s = bin(L, IR_MAX, bin(L, IR_MIN, x->s, bin(L, IR_SUB, x->L, K(L, 1))), K(L, 0));
    if (lim != INFINITY) s = bin(L, IR_MIN, s, cycle_start(L, P, M, K(L, lim - 1)));
    if (M == 1) {
        i = lrs_ir_un(IR, IR_FLOOR, bin(L, IR_DIV, s, K(L, P)));
        len = K(L, P);
    } else {
        /* i = floor(log(1 + s (M-1) / P) / log M), then corrected by one
         * either way so that s = start(i) always begins cycle i exactly. */
        uint32_t arg = bin(L, IR_ADD, K(L, 1), bin(L, IR_MUL, s, K(L, (M - 1) / P)));
        uint32_t i0 =
            lrs_ir_un(IR, IR_FLOOR, bin(L, IR_DIV, lrs_ir_un(IR, IR_LOG, arg), K(L, log(M))));
        uint32_t up = bin(L, IR_ADD, i0, K(L, 1));
        uint32_t fix = lrs_ir_select(IR, bin(L, IR_GE, s, cycle_start(L, P, M, up)), up, i0);
        i = lrs_ir_select(IR, bin(L, IR_LT, s, cycle_start(L, P, M, i0)),
                          bin(L, IR_SUB, i0, K(L, 1)), fix);
        len = bin(L, IR_MUL, K(L, P), bin(L, IR_POW, K(L, M), i));
    }
    st = cycle_start(L, P, M, i);
    uint32_t local = bin(L, IR_MIN, bin(L, IR_SUB, x->s, st), len);
    /* Cycle starts at known global steps are segment boundaries too (a
     * trainer snapshots at the end of each SGDR cycle). */
    double span = kval(L, x->L);
    if (x->offset == x->offset)
        for (double k = 1; k < lim && k <= LRS_MAX_LISTED_CYCLES; k++) {
            double start = M == 1 ? P * k : P * (pow(M, k) - 1) / (M - 1);
            if (!(start < span) && span == span) break;
            lrs_jump *jp = lrs_arena_alloc(&L->c->arena, sizeof *jp);
            *jp = (lrs_jump){x->offset + start, NONE, NONE, t->span, L->sched};
            lrs_vec_push(&L->c->arena, &L->c->cycle_starts, jp);
        }
    return lower_term(L, t->a, ctx(L, local, len, i, NAN));
}

/* A term placed by a chain in its segment context x: the layers that
 * carry its duration pass the placement down to the operand that has it;
 * the `for` that defines it lowers its body in x directly. */
static uint32_t lower_placed(lower *L, lrs_term *t, const lctx *x)
{
    const lctx *plain = place(L, x, NULL);
#define PLACED(op) lower_term(L, (op), duration(L, (op), plain) != NONE ? place(L, x, (op)) : plain)
    switch (t->kind) {
    case T_FOR:
        return lower_term(L, t->a, plain);
    case T_UN:
        return lrs_ir_un(IR, (lrs_irop)t->op, PLACED(t->a));
    case T_BIN:
        return bin(L, (lrs_irop)t->op, PLACED(t->a), PLACED(t->b));
    case T_SEL:
        return lrs_ir_select(IR, lower_term(L, t->a, plain), PLACED(t->b), PLACED(t->c));
    case T_NOISE: {
        uint32_t u = bin(L, IR_MUL, lower_term(L, t->b, plain), lrs_ir_noise(IR, t->k));
        return bin(L, IR_MUL, PLACED(t->a), bin(L, IR_ADD, K(L, 1), u));
    }
    case T_SAMPLE: {
        uint32_t every = lower_term(L, t->b, plain);
        uint32_t s = bin(L, IR_MUL, lrs_ir_un(IR, IR_FLOOR, bin(L, IR_DIV, x->s, every)), every);
        return lower_term(L, t->a, ctx_placed(L, s, x->L, x->cycle, NAN, t->a));
    }
    default:
        return lower_term(L, t, plain);
    }
#undef PLACED
}

static uint32_t lower_term(lower *L, lrs_term *t, const lctx *x)
{
    memo_slot *m = memo_find(L, t, x);
    if (m->t) return m->v;
    uint32_t r;
    if (x->placed == t) {
        r = lower_placed(L, t, x);
        goto done;
    }
    switch (t->kind) {
    case T_CONST:
        r = K(L, t->k);
        break;
    case T_CTX:
        switch ((lrs_ctxvar)t->op) {
        case CV_STEP:
            r = x->s;
            break;
        case CV_SPAN:
            r = x->L;
            break;
        case CV_PROGRESS:
            r = progress(L, x);
            break;
        case CV_CYCLE:
            r = x->cycle;
            break;
        default:
            r = lrs_ir_step(IR);
            break;
        }
        break;
    case T_UN:
        r = lrs_ir_un(IR, (lrs_irop)t->op, lower_term(L, t->a, x));
        break;
    case T_BIN:
        r = bin(L, (lrs_irop)t->op, lower_term(L, t->a, x), lower_term(L, t->b, x));
        break;
    case T_SEL:
        r = lrs_ir_select(IR, lower_term(L, t->a, x), lower_term(L, t->b, x),
                          lower_term(L, t->c, x));
        break;
    case T_FOR: {
        uint32_t d = duration(L, t, x);
        double dk = kval(L, d), span = kval(L, x->L);
        if (dk == dk && span == span && dk > span) {
            size_t e =
                fail(L, t, "this segment lasts %g steps, more than the span of %g", dk, span);
            lrs_diag_help(&L->c->sink, e, "shorten it, or make `total` larger");
        }
        r = lower_term(L, t->a, ctx(L, bin(L, IR_MIN, x->s, d), d, x->cycle, x->offset));
        break;
    }
    case T_THEN:
        r = lower_chain(L, t, x);
        break;
    case T_RESTARTS:
        r = lower_restarts(L, t, x);
        break;
    case T_SAMPLE: {
        uint32_t every = lower_term(L, t->b, x);
        uint32_t s = bin(L, IR_MUL, lrs_ir_un(IR, IR_FLOOR, bin(L, IR_DIV, x->s, every)), every);
        r = lower_term(L, t->a, ctx(L, s, x->L, x->cycle, NAN));
        break;
    }
    case T_AT: {
        uint32_t k = bin(L, IR_MIN, bin(L, IR_MAX, lower_term(L, t->b, x), K(L, 0)), x->L);
        r = lower_term(L, t->a, ctx(L, k, x->L, x->cycle, NAN));
        break;
    }
    case T_NOISE: {
        uint32_t u = bin(L, IR_MUL, lower_term(L, t->b, x), lrs_ir_noise(IR, t->k));
        r = bin(L, IR_MUL, lower_term(L, t->a, x), bin(L, IR_ADD, K(L, 1), u));
        break;
    }
    case T_INDEX: {
        uint32_t v = lower_term(L, t->a, x);
        r = K(L, 0);
        for (size_t j = 0; j < t->nlist; j++)
            r = bin(L, IR_ADD, r,
                    lrs_ir_select(IR, bin(L, IR_GE, v, K(L, t->list[j])), K(L, 1), K(L, 0)));
        /* index(at, step) at a known global step: its thresholds are the
         * decay points of multistep and piecewise, boundaries too. */
        double len = kval(L, x->L);
        if (v == x->s && x->offset == x->offset)
            for (size_t j = 0; j < t->nlist && j < LRS_MAX_LISTED_CYCLES; j++) {
                if (!(t->list[j] > 0) || (len == len && !(t->list[j] < len))) continue;
                lrs_jump *jp = lrs_arena_alloc(&L->c->arena, sizeof *jp);
                *jp = (lrs_jump){x->offset + t->list[j], NONE, NONE, t->span, L->sched};
                lrs_vec_push(&L->c->arena, &L->c->cycle_starts, jp);
            }
        break;
    }
    case T_PICK: {
        uint32_t v = lower_term(L, t->a, x);
        r = K(L, t->list[0]);
        for (size_t j = 1; j < t->nlist; j++)
            r = lrs_ir_select(IR, bin(L, IR_GE, v, K(L, (double)j)), K(L, t->list[j]), r);
        break;
    }
    default:
        r = K(L, NAN);
        break;
    }
done:
    /* The table may have grown while lowering the operands. */
    m = memo_find(L, t, x);
    m->t = t;
    m->x = x;
    m->v = r;
    L->mn++;
    return r;
}

/* ---- the pass ----------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int lrs_lower_program(lrs_comp *c)
{
    int before = c->sink.errors;
    lower L = {.c = c, .ir = &c->ir};
    double total = INFINITY;
    lrs_elab_param_value(lrs_scope_find(&c->main->scope, "total"), &total);
    if (!(total >= 0)) {
        lrs_decl *d = lrs_scope_find(&c->main->scope, "total");
        lrs_diag_error(&c->sink, d->expr->span,
                       "total must be a non-negative number of steps (it is %g)", total);
        return 1;
    }
    total = round(total);
    for (size_t i = 0; i < c->scheds.n; i++) {
        lrs_sched_out *s = c->scheds.items[i];
        L.sched = i;
        uint32_t step = lrs_ir_step(&c->ir);
        uint32_t s0 = total == INFINITY ? step : bin(&L, IR_MIN, step, K(&L, total));
        lctx *top = ctx(&L, s0, K(&L, total), K(&L, 0), 0);
        uint32_t d = duration(&L, s->term, top);
        double dk = INFINITY;
        if (d != NONE) konst(&L, d, &dk);
        s->span = d != NONE && dk == dk ? dk : total;
        s->root = lower_term(&L, s->term, top);
        if (c->ir.n > LRS_MAX_IR) {
            lrs_diag_error(&c->sink, s->decl->name_span,
                           "schedule '%s' is too large (%zu IR nodes)", s->name, c->ir.n);
            break;
        }
    }
    for (size_t i = 0; i < c->scheds.n; i++) {
        lrs_sched_out *s = c->scheds.items[i];
        const lrs_vec *lists[2] = {&c->jumps, &c->cycle_starts};
        size_t n = 0;
        for (int l = 0; l < 2; l++)
            for (size_t j = 0; j < lists[l]->n; j++)
                n += ((lrs_jump *)lists[l]->items[j])->sched == i;
        s->bounds = lrs_arena_alloc(&c->arena, (n + 1) * sizeof *s->bounds);
        for (int l = 0; l < 2; l++)
            for (size_t j = 0; j < lists[l]->n; j++) {
                lrs_jump *jp = lists[l]->items[j];
                if (jp->sched == i && jp->pos < s->span) s->bounds[s->nbounds++] = jp->pos;
            }
        qsort(s->bounds, s->nbounds, sizeof *s->bounds, cmp_double);
        size_t u = 0;
        for (size_t j = 0; j < s->nbounds; j++)
            if (u == 0 || s->bounds[u - 1] != s->bounds[j]) s->bounds[u++] = s->bounds[j];
        s->nbounds = u;
    }
    if (c->ir.oom) lrs_diag_error_noloc(&c->sink, "lrs", "out of memory while lowering");
    return c->sink.errors - before;
}
