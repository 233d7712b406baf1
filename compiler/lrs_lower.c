/* lrs_lower.c — durations and contexts (reference section 6): turns each
 * schedule's term into IR over the global step. Every term is lowered in a
 * context — the local step s, the span L and the cycle index — and the
 * forms that change the context (for, then, restarts, sample, at) lower
 * their operands in a new one. Everything is closed-form: a `then` chain
 * is a select over segment starts, restarts finds its cycle by logarithm. */
#include "lrs_forms.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A context (lrs_forms.h). Its `placed` is the term a `then` chain made
 * it for, whose duration the chain already resolved in its own context: a
 * `for` in it must not evaluate its duration again in the segment (where
 * `span` is the segment's length, not the chain's). */
typedef lrs_lctx lctx;

typedef struct memo_slot {
    const lrs_term *t;
    const lctx *x;
    uint32_t v;
} memo_slot;

/* (term, context) -> IR node, by open addressing. */
typedef struct memo {
    memo_slot *slots;
    size_t n, cap;
} memo;

struct chain_frame;

typedef struct lower {
    lrs_lowering lw; /* first: what the forms see */
    memo values;     /* lower_term's */
    memo durations;  /* duration's: a term's duration asked again in a context is not
                        recomputed (operands that share a term would double the work) */
    memo horizons;   /* horizon_of's, as constant nodes */
    lctx **ctxs;     /* hash set of the contexts (open addressing) */
    size_t cn, ccap;
    struct chain_frame *frames; /* the chains being lowered, innermost first */
    int quiet;                  /* inside warn_frozen's trial lowerings: nothing is reported */
    int stopped;                /* a size limit was reported: lowering stops at once */
} lower;

#define IR (L->lw.ir)
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

static size_t ctx_hash(const lctx *x, size_t cap)
{
    uint64_t off = 0;
    if (x->offset == x->offset) memcpy(&off, &x->offset, sizeof off); /* one NaN */
    if (x->offset == 0) off = 0;                                      /* one zero */
    uint64_t h = ((uint64_t)x->s * 0x9E3779B97F4A7C15ull) ^ x->L;
    h = (h * 0x9E3779B97F4A7C15ull) ^ x->cycle;
    h = (h * 0x9E3779B97F4A7C15ull) ^ off;
    h = (h * 0x9E3779B97F4A7C15ull) ^ (uint64_t)(uintptr_t)x->placed;
    h ^= h >> 29;
    return (size_t)(h * 0x9E3779B97F4A7C15ull >> 17) & (cap - 1);
}

static int ctx_same(const lctx *x, const lctx *y)
{
    return x->s == y->s && x->L == y->L && x->cycle == y->cycle && x->placed == y->placed &&
           (x->offset == y->offset || (x->offset != x->offset && y->offset != y->offset));
}

/* Contexts are interned (in a hash set) so equal contexts share the memo. */
static lctx *ctx_placed(lower *L, uint32_t s, uint32_t span, uint32_t cycle, double offset,
                        const lrs_term *placed)
{
    lctx key = {s, span, cycle, offset, placed};
    if ((L->cn + 1) * 2 > L->ccap) {
        size_t cap = L->ccap ? L->ccap * 2 : 64;
        lctx **t = lrs_arena_alloc(&L->lw.c->arena, cap * sizeof *t);
        memset(t, 0, cap * sizeof *t);
        for (size_t i = 0; i < L->ccap; i++)
            if (L->ctxs[i]) {
                size_t h = ctx_hash(L->ctxs[i], cap);
                while (t[h])
                    h = (h + 1) & (cap - 1);
                t[h] = L->ctxs[i];
            }
        L->ctxs = t;
        L->ccap = cap;
    }
    size_t h = ctx_hash(&key, L->ccap);
    for (; L->ctxs[h]; h = (h + 1) & (L->ccap - 1))
        if (ctx_same(L->ctxs[h], &key)) return L->ctxs[h];
    lctx *x = lrs_arena_alloc(&L->lw.c->arena, sizeof *x);
    *x = key;
    L->ctxs[h] = x;
    L->cn++;
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

static memo_slot *memo_find(lower *L, memo *M, const lrs_term *t, const lctx *x)
{
    if ((M->n + 1) * 2 > M->cap) {
        size_t cap = M->cap ? M->cap * 2 : 1024;
        memo_slot *m = lrs_arena_alloc(&L->lw.c->arena, cap * sizeof *m);
        for (size_t i = 0; i < M->cap; i++)
            if (M->slots[i].t) {
                size_t h = memo_hash(M->slots[i].t, M->slots[i].x, cap);
                while (m[h].t)
                    h = (h + 1) & (cap - 1);
                m[h] = M->slots[i];
            }
        M->slots = m;
        M->cap = cap;
    }
    size_t h = memo_hash(t, x, M->cap);
    while (M->slots[h].t && (M->slots[h].t != t || M->slots[h].x != x))
        h = (h + 1) & (M->cap - 1);
    return &M->slots[h];
}

/* Record v for (t, x); the slot is looked up again, as the table may
 * have grown since. */
static uint32_t memo_put(lower *L, memo *M, const lrs_term *t, const lctx *x, uint32_t v)
{
    memo_slot *m = memo_find(L, M, t, x);
    if (!m->t) M->n++;
    *m = (memo_slot){t, x, v};
    return v;
}

#define fail(L, ...) lrs_term_error((L)->lw.c, __VA_ARGS__)

static uint32_t lower_term(lower *L, lrs_term *t, const lctx *x);
static uint32_t duration(lower *L, lrs_term *t, const lctx *x);
static uint32_t operand(lower *L, lrs_term *t, const lctx *x, int placed);

/* ---- then chains ---------------------------------------------------------- */

static size_t report_at(lower *L, lrs_span where, const lrs_origin *origin, int warning,
                        const char *msg);

typedef struct chain {
    lrs_term **seg;
    lrs_span *then;            /* then[j]: the `then` between seg[j] and seg[j+1] */
    lrs_span *where;           /* where[j]: seg[j] as the chain writes it */
    const lrs_origin **origin; /* the user's call whose library code wrote it, or NULL */
    size_t n, cap;
} chain;

/* The segments of t in order; t is written at `where` (for a `then`, each
 * operand where the `then` writes it). */
static void flatten_at(lower *L, lrs_term *t, lrs_span where, const lrs_origin *origin, chain *ch)
{
    if (L->stopped) return;
    if (t->kind == T_THEN) {
        flatten_at(L, t->a, t->where ? t->where[0] : t->a->span, t->origin, ch);
        size_t before = ch->n;
        flatten_at(L, t->b, t->where ? t->where[1] : t->b->span, t->origin, ch);
        if (!L->stopped) ch->then[before - 1] = t->span;
        return;
    }
    if (ch->n == LRS_MAX_SEGMENTS) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "this `then` chain has more than %d segments after inlining (the limit)",
                 LRS_MAX_SEGMENTS);
        size_t e = report_at(L, where, origin, 0, msg);
        lrs_diag_help(&L->lw.c->sink, e,
                      "repeat a segment with restarts(S, period) instead of copying it; a "
                      "`let` used twice in a `then` doubles the chain each time");
        L->stopped = 1;
        return;
    }
    if (ch->n == ch->cap) {
        size_t cap = ch->cap ? ch->cap * 2 : 8;
        lrs_arena *a = &L->lw.c->arena;
        ch->seg = lrs_arena_realloc(a, ch->seg, ch->n * sizeof *ch->seg, cap * sizeof *ch->seg);
        ch->then = lrs_arena_realloc(a, ch->then, ch->n * sizeof *ch->then, cap * sizeof *ch->then);
        ch->where =
            lrs_arena_realloc(a, ch->where, ch->n * sizeof *ch->where, cap * sizeof *ch->where);
        ch->origin =
            lrs_arena_realloc(a, ch->origin, ch->n * sizeof *ch->origin, cap * sizeof *ch->origin);
        ch->cap = cap;
    }
    ch->where[ch->n] = where;
    ch->origin[ch->n] = origin;
    ch->seg[ch->n++] = t;
}

static void flatten(lower *L, lrs_term *t, chain *ch)
{
    flatten_at(L, t, t->span, t->origin, ch);
}

/* An error (or a warning) at `where`, in the user's call `origin` when
 * library code wrote it. */
static size_t report_at(lower *L, lrs_span where, const lrs_origin *origin, int warning,
                        const char *msg)
{
    lrs_sink *k = &L->lw.c->sink;
    const lrs_origin *was = k->origin;
    if (origin) k->origin = origin;
    size_t e =
        warning ? lrs_diag_warning(k, where, "%s", msg) : lrs_diag_error(k, where, "%s", msg);
    k->origin = was;
    return e;
}

/* An error about segment j of a chain, where the chain writes it (not
 * where its value comes from, such as a param). */
static size_t seg_fail(lower *L, const chain *ch, size_t j, const char *fmt, ...) LRS_PRINTF(4, 5);
static size_t seg_fail(lower *L, const chain *ch, size_t j, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return report_at(L, ch->where[j], ch->origin[j], 0, msg);
}

static double kval(lower *L, uint32_t x)
{
    return lrs_ir_value(IR, x);
}

static uint32_t lower_term(lower *L, lrs_term *t, const lctx *x);

/* A segment that stretches over an infinite span has progress 0 at every
 * step, so a profile that moves (its value at the end of a span differs
 * from its value at the start) keeps its start value forever. The test:
 * at step 2^52, t's value over the infinite span differs from its value
 * at the end of a span of 2^52 steps (lowered with their diagnostics and
 * jumps discarded; only constants are compared). */
static void warn_frozen(lower *L, lrs_term *t, lrs_span where, const lrs_origin *origin,
                        const lctx *x)
{
    lrs_comp *c = L->lw.c;
    lrs_diags *scratch = lrs_diags_new();
    if (!scratch) return;
    lrs_sink saved = c->sink;
    size_t njumps = c->jumps.n, ncycles = c->cycle_starts.n;
    c->sink.out = scratch;
    L->quiet++;
    uint32_t far = K(L, 0x1p52);
    double a = kval(L, lower_term(L, t, ctx(L, far, K(L, INFINITY), x->cycle, x->offset)));
    double b = kval(L, lower_term(L, t, ctx(L, far, far, x->cycle, x->offset)));
    L->quiet--;
    c->sink = saved;
    c->jumps.n = njumps;
    c->cycle_starts.n = ncycles;
    lrs_diags_free(scratch);
    if (a != a || b != b || a == b) return;
    if (!L->quiet) ((lrs_sched_out *)c->scheds.items[L->lw.sched])->frozen = 1;
    if (c->bad_total) return; /* the span is unbounded because of that error */
    char msg[256];
    snprintf(msg, sizeof msg,
             "this segment would reach %g at the end of its span, but the span is unbounded, "
             "so its progress is 0 and it stays at %g forever",
             b, a);
    size_t e = report_at(L, where, origin, 1, msg);
    const lrs_decl *total = lrs_scope_find(&c->main->scope, "total");
    lrs_diag_help(&c->sink, e,
                  "%s `param total = N` (the training budget in steps), give the segment "
                  "`for N`, or pass -D total=N",
                  total && total->kind == DECL_PARAM ? "give a number to" : "declare");
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
            size_t e = seg_fail(
                L, ch, j,
                "two segments of this chain have no duration, so neither knows where it ends");
            lrs_diag_note(&L->lw.c->sink, e, 1, ch->where[stretch], "the other one is here");
            lrs_diag_help(&L->lw.c->sink, e, "give all but one of them a duration with `for`");
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
            size_t e =
                seg_fail(L, ch, stretch,
                         "this segment has no duration, and the span is infinite, so only the "
                         "last segment may stretch");
            lrs_diag_help(&L->lw.c->sink, e,
                          "give it a duration with `for`, or set `param total` to the budget");
            return 0;
        }
        if (span == INFINITY)
            warn_frozen(L, ch->seg[stretch], ch->where[stretch], ch->origin[stretch], x);
        d[stretch] = bin(L, IR_SUB, x->L, fixed);
        double left = kval(L, d[stretch]);
        if (left <= 0) {
            size_t e = seg_fail(L, ch, stretch,
                                "nothing is left for this segment to fill: the others take %g of a "
                                "span of %g steps",
                                used, span);
            lrs_diag_help(&L->lw.c->sink, e,
                          "shorten the other segments, or make the budget longer");
            return 0;
        }
    } else if (span == span && used == used && used > span) {
        size_t e = fail(L, t, "the segments of this chain take %g steps, more than the span of %g",
                        used, span);
        lrs_diag_help(&L->lw.c->sink, e, "shorten the segments, or make `total` larger");
        return 0;
    }
    return 1;
}

/* A chain being lowered: its segments, their durations d and starts o in
 * the chain's context x, and the segment j being lowered. at(S, k) looks
 * S up here (placed_value). */
typedef struct chain_frame {
    const chain *ch;
    const uint32_t *d, *o;
    const lctx *x;
    size_t j;
    struct chain_frame *up;
} chain_frame;

/* Where the run of segments `run` starts in frame f: the nearest place
 * after the segment being lowered, else the nearest before it; SIZE_MAX
 * if the chain does not hold it. */
static size_t find_run(const chain_frame *f, const chain *run)
{
    size_t before = SIZE_MAX;
    for (size_t i = 0; i + run->n <= f->ch->n; i++) {
        size_t m = 0;
        while (m < run->n && f->ch->seg[i + m] == run->seg[m])
            m++;
        if (m < run->n) continue;
        if (i > f->j) return i;
        before = i;
    }
    return before;
}

static uint32_t placed_value(lower *L, lrs_term *S, uint32_t k)
{
    chain run = {0};
    flatten(L, S, &run);
    if (L->stopped) return NONE;
    for (chain_frame *f = L->frames; f; f = f->up) {
        size_t i = find_run(f, &run);
        if (i == SIZE_MAX) continue;
        /* k in the run's span, as a local step of the chain */
        size_t last = i + run.n - 1;
        uint32_t len = bin(L, IR_SUB, f->o[last + 1], f->o[i]);
        uint32_t s = bin(L, IR_ADD, f->o[i], bin(L, IR_MIN, bin(L, IR_MAX, k, K(L, 0)), len));
        uint32_t r = NONE;
        for (size_t j = last + 1; j-- > i;) {
            uint32_t sj =
                bin(L, IR_MIN, bin(L, IR_MAX, bin(L, IR_SUB, s, f->o[j]), K(L, 0)), f->d[j]);
            uint32_t v = lower_term(L, f->ch->seg[j],
                                    ctx_placed(L, sj, f->d[j], f->x->cycle, NAN, f->ch->seg[j]));
            r = j == last ? v : lrs_ir_select(IR, bin(L, IR_LT, s, f->o[j + 1]), v, r);
        }
        return r;
    }
    return NONE;
}

static uint32_t lower_chain(lower *L, lrs_term *t, const lctx *x)
{
    chain ch = {0};
    flatten(L, t, &ch);
    if (L->stopped) return K(L, NAN);
    uint32_t *d = lrs_arena_alloc(&L->lw.c->arena, ch.n * sizeof *d);
    uint32_t *o = lrs_arena_alloc(&L->lw.c->arena, (ch.n + 1) * sizeof *o);
    uint32_t *v = lrs_arena_alloc(&L->lw.c->arena, ch.n * sizeof *v);
    if (!chain_durations(L, t, &ch, x, d)) return K(L, NAN);
    o[0] = K(L, 0);
    for (size_t j = 0; j < ch.n; j++)
        o[j + 1] = bin(L, IR_ADD, o[j], d[j]);
    chain_frame frame = {&ch, d, o, x, 0, L->frames};
    L->frames = &frame;
    for (size_t j = 0; j < ch.n; j++) {
        uint32_t s = bin(L, IR_MIN, bin(L, IR_MAX, bin(L, IR_SUB, x->s, o[j]), K(L, 0)), d[j]);
        double oj = kval(L, o[j]);
        lctx *xj = ctx_placed(L, s, d[j], x->cycle, x->offset + oj, ch.seg[j]);
        frame.j = j;
        v[j] = lower_term(L, ch.seg[j], xj);
    }
    L->frames = frame.up;
    uint32_t r = v[ch.n - 1];
    for (size_t j = ch.n - 1; j-- > 0;)
        r = lrs_ir_select(IR, bin(L, IR_LT, x->s, o[j + 1]), v[j], r);
    /* Boundaries at known global steps feed the jump warning and the
     * boundary queries. */
    if (x->offset == x->offset)
        for (size_t j = 0; j + 1 < ch.n; j++) {
            double pos = x->offset + kval(L, o[j + 1]);
            if (pos != pos || pos == INFINITY) continue;
            lrs_jump *jp = lrs_arena_alloc(&L->lw.c->arena, sizeof *jp);
            *jp = (lrs_jump){pos,        v[j],        v[j + 1],
                             ch.then[j], L->lw.sched, lrs_form_intended_jump(ch.seg[j + 1])};
            lrs_vec_push(&L->lw.c->arena, &L->lw.c->jumps, jp);
        }
    return r;
}

/* ---- durations -------------------------------------------------------------- */

static uint32_t duration_of(lower *L, lrs_term *t, const lctx *x);

static uint32_t duration(lower *L, lrs_term *t, const lctx *x)
{
    if (t->kind == T_CONST || t->kind == T_CTX) return NONE;
    memo_slot *m = memo_find(L, &L->durations, t, x);
    if (m->t) return m->v;
    return memo_put(L, &L->durations, t, x, duration_of(L, t, x));
}

static uint32_t duration_of(lower *L, lrs_term *t, const lctx *x)
{
    switch (t->kind) {
    case T_CONST:
    case T_CTX:
        return NONE;
    case T_FOR:
        return lrs_ir_un(IR, IR_ROUND, lower_term(L, t->b, x));
    case T_THEN: {
        chain ch = {0};
        flatten(L, t, &ch);
        if (L->stopped) return NONE;
        uint32_t sum = K(L, 0);
        for (size_t j = 0; j < ch.n; j++) {
            uint32_t d = duration(L, ch.seg[j], x);
            if (d == NONE) return NONE;
            sum = bin(L, IR_ADD, sum, d);
        }
        return sum;
    }
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
            lrs_diag_help(&L->lw.c->sink, e,
                          "give the whole expression one duration: (A op B) for D");
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
    case T_FORM:
        return t->form->duration(&L->lw, t, x);
    }
    return NONE;
}

/* ---- the context-changing forms ------------------------------------------- */

static uint32_t progress(lower *L, const lctx *x)
{
    /* progress = s / L in [0, 1]; 0 for an infinite span, 1 for an empty one */
    uint32_t p = bin(L, IR_MIN, bin(L, IR_DIV, x->s, x->L), K(L, 1));
    p = lrs_ir_select(IR, bin(L, IR_LE, x->L, K(L, 0)), K(L, 1), p);
    return lrs_ir_select(IR, bin(L, IR_EQ, x->L, K(L, INFINITY)), K(L, 0), p);
}

/* A term placed by a chain in its segment context x passes the placement
 * down to the operand that has its duration (the layers that carry it: a
 * unary or binary op, the branches of `?:`, forms such as sample); the
 * other operands are lowered in the same context without a placement. */
static uint32_t operand(lower *L, lrs_term *t, const lctx *x, int placed)
{
    if (!placed) return lower_term(L, t, x);
    const lctx *plain = place(L, x, NULL);
    return lower_term(L, t, duration(L, t, plain) != NONE ? place(L, x, t) : plain);
}

static uint32_t lower_term(lower *L, lrs_term *t, const lctx *x)
{
    if (L->stopped || IR->oom) return K(L, NAN);
    if (!t) {
        /* Elaboration gives every schedule it keeps a whole term; a
         * missing operand is a compiler bug, reported at the schedule
         * rather than crashing. */
        const lrs_sched_out *s = L->lw.c->scheds.items[L->lw.sched];
        lrs_diag_error(&L->lw.c->sink, s->decl->expr->span,
                       "internal error: an operand of this schedule is missing after "
                       "elaboration (please report it with this file)");
        L->stopped = 1;
        return K(L, NAN);
    }
    memo_slot *m = memo_find(L, &L->values, t, x);
    if (m->t) return m->v;
    int placed = x->placed == t;
    const lctx *plain = placed ? place(L, x, NULL) : x;
    uint32_t r = NONE;
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
        case CV_GLOBAL_STEP:
            r = lrs_ir_step(IR);
            break;
        }
        break;
    case T_UN:
        r = lrs_ir_un(IR, (lrs_irop)t->op, operand(L, t->a, x, placed));
        break;
    case T_BIN:
        r = bin(L, (lrs_irop)t->op, operand(L, t->a, x, placed), operand(L, t->b, x, placed));
        break;
    case T_SEL:
        r = lrs_ir_select(IR, lower_term(L, t->a, plain), operand(L, t->b, x, placed),
                          operand(L, t->c, x, placed));
        break;
    case T_FOR: {
        /* Placed: the chain made x from this term's duration. */
        if (placed) {
            r = lower_term(L, t->a, plain);
            break;
        }
        uint32_t d = duration(L, t, x);
        double dk = kval(L, d), span = kval(L, x->L);
        if (dk == dk && span == span && dk > span) {
            size_t e =
                fail(L, t, "this segment lasts %g steps, more than the span of %g", dk, span);
            lrs_diag_help(&L->lw.c->sink, e, "shorten it, or make `total` larger");
        }
        r = lower_term(L, t->a, ctx(L, bin(L, IR_MIN, x->s, d), d, x->cycle, x->offset));
        break;
    }
    case T_THEN:
        r = placed ? lower_term(L, t, plain) : lower_chain(L, t, x);
        break;
    case T_FORM:
        r = t->form->lower(&L->lw, t, x, placed);
        break;
    }
    /* The IR reached its size limit inside t (the innermost term then):
     * the error is here, and lowering stops. */
    if (IR->oom == LRS_IR_FULL && !L->stopped) {
        char msg[160];
        snprintf(msg, sizeof msg,
                 "the program is too large: lowering this reaches the limit of %d IR nodes and "
                 "table entries",
                 LRS_MAX_IR);
        size_t e = report_at(L, t->span, t->origin, 0, msg);
        lrs_diag_help(&L->lw.c->sink, e,
                      "each use of a `let` or `def` in a new place (a `then` segment, a "
                      "`restarts` cycle) is lowered again: repeat with restarts(S, period) "
                      "instead of copying, or use fewer copies");
        L->stopped = 1;
    }
    return memo_put(L, &L->values, t, x, r);
}

/* The pass as the forms call it (lrs_lowering). */
static uint32_t lw_term(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x)
{
    return lower_term((lower *)lw, t, x);
}
static uint32_t lw_operand(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed)
{
    return operand((lower *)lw, t, x, placed);
}
static uint32_t lw_duration(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x)
{
    return duration((lower *)lw, t, x);
}
static const lrs_lctx *lw_ctx(lrs_lowering *lw, uint32_t s, uint32_t span, uint32_t cycle,
                              double offset, const lrs_term *placed)
{
    return ctx_placed((lower *)lw, s, span, cycle, offset, placed);
}
static uint32_t lw_placed_value(lrs_lowering *lw, lrs_term *S, uint32_t k)
{
    return placed_value((lower *)lw, S, k);
}

/* ---- the pass ----------------------------------------------------------------- */

/* Horizons (horizon(S, n)) that a term gives a schedule with no span of
 * its own: n steps, INFINITY for a term that depends on the step without
 * one, NAN for a constant (it neither gives nor limits one). */
static double longer(double a, double b)
{
    return a != a ? b : b != b ? a : fmax(a, b);
}

/* In the top context x: the form's n; through arithmetic and the branches
 * of `?:`, the longer of the operands' (a constant operand has none); a
 * chain whose last segment stretches, its fixed segments and then that
 * segment's horizon. */
static double horizon_of(lower *L, lrs_term *t, const lctx *x);

static double horizon_term(lower *L, lrs_term *t, const lctx *x)
{
    switch (t->kind) {
    case T_CONST:
        return NAN;
    case T_UN:
        return horizon_of(L, t->a, x);
    case T_BIN:
        return longer(horizon_of(L, t->a, x), horizon_of(L, t->b, x));
    case T_SEL:
        return longer(horizon_of(L, t->b, x), horizon_of(L, t->c, x));
    case T_THEN: {
        chain ch = {0};
        flatten(L, t, &ch);
        if (L->stopped) return INFINITY;
        double sum = 0, k;
        for (size_t j = 0; j + 1 < ch.n; j++) {
            uint32_t d = duration(L, ch.seg[j], x);
            if (d == NONE || !konst(L, d, &k) || !(k >= 0)) return INFINITY;
            sum += k;
        }
        double last = horizon_of(L, ch.seg[ch.n - 1], x);
        return last == last ? sum + last : INFINITY;
    }
    case T_FORM:
        return !strcmp(t->form->name, "horizon") ? t->k : INFINITY;
    case T_CTX:
    case T_FOR:
        break;
    }
    return INFINITY;
}

/* horizon_term once per (term, context), kept as a constant node: shared
 * operands would otherwise double the work at every level. */
static double horizon_of(lower *L, lrs_term *t, const lctx *x)
{
    memo_slot *m = memo_find(L, &L->horizons, t, x);
    if (m->t) return kval(L, m->v);
    double h = horizon_term(L, t, x);
    memo_put(L, &L->horizons, t, x, K(L, h));
    return h;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int lrs_lower_program(lrs_comp *c)
{
    int before = c->sink.errors;
    lower L = {.lw = {c, &c->ir, 0, lw_term, lw_operand, lw_duration, lw_ctx, lw_placed_value}};
    double total = INFINITY;
    lrs_elab_param_value(lrs_scope_find(&c->main->scope, "total"), &total);
    if (!(total >= 0)) {
        lrs_decl *d = lrs_scope_find(&c->main->scope, "total");
        lrs_diag_error(&c->sink, d->expr->span,
                       "total must be a non-negative number of steps (it is %g)", total);
        return 1;
    }
    total = round(total);
    c->ir.limit = LRS_MAX_IR;
    for (size_t i = 0; i < c->scheds.n && !L.stopped; i++) {
        lrs_sched_out *s = c->scheds.items[i];
        L.lw.sched = i;
        uint32_t step = lrs_ir_step(&c->ir);
        uint32_t s0 = total == INFINITY ? step : bin(&L, IR_MIN, step, K(&L, total));
        lctx *top = ctx(&L, s0, K(&L, total), K(&L, 0), 0);
        uint32_t d = duration(&L, s->term, top);
        double dk = INFINITY;
        if (d != NONE) konst(&L, d, &dk);
        s->span = d != NONE && dk == dk ? dk : total;
        /* No end of its own and no budget: the horizon, if it has one. */
        if (d == NONE && total == INFINITY) {
            double h = horizon_of(&L, s->term, top);
            s->horizon = h < INFINITY;
            s->span = s->horizon ? h : INFINITY;
        }
        /* (A chain's stretching segment is examined by the chain.) */
        if (d == NONE && total == INFINITY && s->term->kind != T_THEN)
            warn_frozen(&L, s->term, s->term->span, s->term->origin, top);
        s->root = lower_term(&L, s->term, top);
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
                if (jp->sched == i && (jp->pos < s->span || s->horizon))
                    s->bounds[s->nbounds++] = jp->pos;
            }
        qsort(s->bounds, s->nbounds, sizeof *s->bounds, cmp_double);
        size_t u = 0;
        for (size_t j = 0; j < s->nbounds; j++)
            if (u == 0 || s->bounds[u - 1] != s->bounds[j]) s->bounds[u++] = s->bounds[j];
        s->nbounds = u;
    }
    if (c->ir.oom == 1) lrs_diag_error_noloc(&c->sink, "lrs", "out of memory while lowering");
    return c->sink.errors - before;
}
