/* lrs_forms.c — the built-in names and the forms (lrs_forms.h). Each form
 * is one block: a comment with its signature and meaning, then its
 * elaborate, duration and lower functions; the table at the end has one
 * row per built-in name. */
#include "lrs_forms.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define NONE LRS_IR_NONE

static uint32_t K(lrs_lowering *lw, double k)
{
    return lrs_ir_const(lw->ir, k);
}
static uint32_t bin(lrs_lowering *lw, lrs_irop op, uint32_t a, uint32_t b)
{
    return lrs_ir_bin(lw->ir, op, a, b);
}

/* The T_FORM term of a call whose arguments were checked. */
static lrs_term *form_term(lrs_comp *c, const lrs_builtin *f, const lrs_farg *a, lrs_span sp)
{
    lrs_term *args[LRS_FORM_MAX_PARAMS];
    for (int i = 0; i < f->nparams; i++)
        args[i] = a[i].t;
    lrs_term *t = lrs_term_form(c, f, sp, args, (size_t)f->nparams);
    for (int i = 0; i < f->nparams; i++) {
        if (f->params[i].kind == P_LIST) {
            t->list = a[i].list;
            t->nlist = a[i].n;
        }
        if (f->params[i].kind == P_NAME) t->decl = a[i].decl;
    }
    return t;
}

static lrs_term *elab_plain(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    return form_term(c, f, a, sp);
}

/* Forms without a duration of their own. */
static uint32_t no_duration(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x)
{
    (void)lw;
    (void)t;
    (void)x;
    return NONE;
}

/* Forms whose duration is that of their first operand. */
static uint32_t duration_of_first(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x)
{
    return lw->duration(lw, t->args[0], x);
}

/* Forms whose value is their first operand's (jump, horizon): placed by
 * a chain, they pass the placement to it. */
static uint32_t lower_first(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed)
{
    return lw->operand(lw, t->args[0], x, placed);
}

/* A form placed by a chain whose duration is its own (not an operand's):
 * it lowers as if unplaced, in the same context without the placement. */
static uint32_t lower_unplaced(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x)
{
    return lw->term(lw, t, lw->ctx(lw, x->s, x->L, x->cycle, x->offset, NULL));
}

/* ---- clamp(x, lo, hi) -----------------------------------------------------
 * x limited to [lo, hi]: expands into min(max(x, lo), hi) as it is
 * elaborated, so it folds like them and never reaches lowering. */

static lrs_term *clamp_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    (void)f;
    return lrs_term_bin(c, IR_MIN, lrs_term_bin(c, IR_MAX, a[0].t, a[1].t, sp), a[2].t, sp);
}

/* ---- restarts(S, period, mult = 1, limit = inf) ---------------------------
 * S repeated in cycles: cycle i lasts period * mult^i steps and S sees its
 * own step, span, progress and cycle = i. Its duration is the start of
 * cycle `limit`, none for an unlimited one. The cycle is found in a table
 * of cycle starts when the span is known and holds few cycles, else in
 * closed form (a logarithm, corrected by one at exact boundaries). */

/* Up to this many cycles within a known span, restarts finds its cycle in
 * a table of cycle starts; beyond, by logarithm. */
enum { RESTARTS_TABLE = 64 };

/* Start of restarts cycle i: period * (mult^i - 1) / (mult - 1), the one
 * formula for it (the cycle index, the duration, the listed boundaries). */
static uint32_t cycle_start(lrs_lowering *lw, double P, double M, uint32_t i)
{
    if (M == 1) return bin(lw, IR_MUL, i, K(lw, P));
    return bin(lw, IR_MUL, K(lw, P / (M - 1)),
               bin(lw, IR_SUB, bin(lw, IR_POW, K(lw, M), i), K(lw, 1)));
}

/* The start of cycle k as cycle_start(K(k)) folds it, operation by
 * operation, without adding constants to the IR (the listed boundaries
 * of a million cycles would add two million). */
static double cycle_start_value(double P, double M, double k)
{
    if (M == 1) return lrs_ir_apply(IR_MUL, k, P);
    return lrs_ir_apply(IR_MUL, P / (M - 1), lrs_ir_apply(IR_SUB, lrs_ir_apply(IR_POW, M, k), 1));
}

static lrs_term *restarts_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    double P = a[1].k, M = a[2].k, lim = a[3].k;
    if (!(P > 0) || P == INFINITY) {
        lrs_diag_error(&c->sink, a[1].span,
                       "restarts period must be positive and finite (it is %g)", P);
        return NULL;
    }
    if (!(M > 0) || M == INFINITY) {
        lrs_diag_error(&c->sink, a[2].span, "restarts mult must be positive and finite (it is %g)",
                       M);
        return NULL;
    }
    if (!(lim >= 1) || (lim != INFINITY && lim != floor(lim))) {
        lrs_diag_error(&c->sink, a[3].span,
                       "restarts limit must be a whole number of cycles, at least 1 (it is %g)",
                       lim);
        return NULL;
    }
    if (M < 1 && lim == INFINITY) {
        size_t e =
            lrs_diag_error(&c->sink, a[2].span,
                           "with mult < 1 the cycles shrink to nothing; a finite limit is needed");
        lrs_diag_help(&c->sink, e, "add limit = N");
        return NULL;
    }
    if (lim != INFINITY && lim > LRS_MAX_CYCLES) {
        lrs_diag_error(&c->sink, a[3].span, "restarts limit %g is more than %d cycles", lim,
                       LRS_MAX_CYCLES);
        return NULL;
    }
    return form_term(c, f, a, sp);
}

static uint32_t restarts_duration(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x)
{
    (void)x;
    double P = lrs_term_value(t->args[1]), M = lrs_term_value(t->args[2]),
           lim = lrs_term_value(t->args[3]);
    if (lim == INFINITY) return NONE;
    return cycle_start(lw, P, M, K(lw, lim));
}

static uint32_t restarts_lower(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed)
{
    if (placed) return lower_unplaced(lw, t, x);
    lrs_comp *c = lw->c;
    double P = lrs_term_value(t->args[1]), M = lrs_term_value(t->args[2]),
           lim = lrs_term_value(t->args[3]);
    uint32_t i, st, len;
    double known = lrs_ir_value(lw->ir, x->L); /* cycles reachable within a known, finite span */
    double reach = M == 1 ? known / P : log1p(known * (M - 1) / P) / log(M);
    if (isfinite(known) && reach > LRS_MAX_CYCLES && lim > LRS_MAX_CYCLES) {
        size_t e =
            lrs_term_error(c, t, "restarts reaches %.3g cycles within its span (the limit is %d)",
                           reach, LRS_MAX_CYCLES);
        lrs_diag_help(&c->sink, e, "use a longer period, or set limit = N");
        return K(lw, NAN);
    }
    /* At the end of the span the last cycle is at progress 1 (a restart
     * exactly there would never run), and past the limit the last cycle
     * holds its end value: the cycle index comes from a clamped step. */
    uint32_t s = bin(lw, IR_MAX, bin(lw, IR_MIN, x->s, bin(lw, IR_SUB, x->L, K(lw, 1))), K(lw, 0));
    if (lim != INFINITY) s = bin(lw, IR_MIN, s, cycle_start(lw, P, M, K(lw, lim - 1)));
    int table = 0;
    if (M == 1) {
        i = lrs_ir_un(lw->ir, IR_FLOOR, bin(lw, IR_DIV, s, K(lw, P)));
        len = K(lw, P);
    } else if (isfinite(known) && reach < RESTARTS_TABLE) {
        /* A known span with few cycles: a table of cycle starts, the cycle
         * the last start s has reached, with its start and length as
         * constants; no log or pow per step. start(k) is the same constant
         * the logarithm's correction below compares with, so both forms
         * give the same cycle at every step. */
        table = 1;
        i = K(lw, 0), st = K(lw, 0), len = K(lw, P);
        for (double k = 1; k < lim && k <= reach + 1; k++) {
            uint32_t start = cycle_start(lw, P, M, K(lw, k));
            uint32_t in = bin(lw, IR_GE, s, start);
            i = lrs_ir_select(lw->ir, in, K(lw, k), i);
            st = lrs_ir_select(lw->ir, in, start, st);
            len = lrs_ir_select(
                lw->ir, in, bin(lw, IR_MUL, K(lw, P), bin(lw, IR_POW, K(lw, M), K(lw, k))), len);
        }
    } else {
        /* i = floor(log(1 + s (M-1) / P) / log M), then corrected by one
         * either way so that s = start(i) always begins cycle i exactly. */
        uint32_t arg = bin(lw, IR_ADD, K(lw, 1), bin(lw, IR_MUL, s, K(lw, (M - 1) / P)));
        uint32_t i0 = lrs_ir_un(lw->ir, IR_FLOOR,
                                bin(lw, IR_DIV, lrs_ir_un(lw->ir, IR_LOG, arg), K(lw, log(M))));
        uint32_t up = bin(lw, IR_ADD, i0, K(lw, 1));
        uint32_t fix = lrs_ir_select(lw->ir, bin(lw, IR_GE, s, cycle_start(lw, P, M, up)), up, i0);
        i = lrs_ir_select(lw->ir, bin(lw, IR_LT, s, cycle_start(lw, P, M, i0)),
                          bin(lw, IR_SUB, i0, K(lw, 1)), fix);
        len = bin(lw, IR_MUL, K(lw, P), bin(lw, IR_POW, K(lw, M), i));
    }
    if (!table) st = cycle_start(lw, P, M, i);
    /* Clamped below too: past 2^53 steps the start of a cycle rounds
     * beyond the step, and the local step must not go negative. */
    uint32_t local = bin(lw, IR_MIN, bin(lw, IR_MAX, bin(lw, IR_SUB, x->s, st), K(lw, 0)), len);
    /* Cycle starts at known global steps are segment boundaries too (a
     * trainer snapshots at the end of each SGDR cycle). */
    double span = lrs_ir_value(lw->ir, x->L);
    if (x->offset == x->offset)
        for (double k = 1; k < lim && k <= LRS_MAX_LISTED_CYCLES; k++) {
            double start = cycle_start_value(P, M, k);
            if (!(start < span) && span == span) break;
            lrs_jump *jp = lrs_arena_alloc(&c->arena, sizeof *jp);
            *jp = (lrs_jump){x->offset + start, NONE, NONE, t->span, lw->sched, 0};
            lrs_vec_push(&c->arena, &c->cycle_starts, jp);
        }
    return lw->term(lw, t->args[0], lw->ctx(lw, local, len, i, NAN, NULL));
}

/* ---- sample(S, every) -----------------------------------------------------
 * S evaluated at floor(step / every) * every: constant over blocks of
 * `every` steps. Its duration is S's. */

static lrs_term *sample_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    double k;
    if (lrs_term_is_const(a[1].t, &k) && !(k > 0)) {
        lrs_diag_error(&c->sink, a[1].span, "sample every must be positive (it is %g)", k);
        return NULL;
    }
    if (a[1].t->reactive) {
        lrs_diag_error(&c->sink, a[1].span, "the `every` of sample cannot depend on a signal");
        return NULL;
    }
    return form_term(c, f, a, sp);
}

static uint32_t sample_lower(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed)
{
    const lrs_lctx *plain = placed ? lw->ctx(lw, x->s, x->L, x->cycle, x->offset, NULL) : x;
    uint32_t every = lw->term(lw, t->args[1], plain);
    uint32_t s = bin(lw, IR_MUL, lrs_ir_un(lw->ir, IR_FLOOR, bin(lw, IR_DIV, x->s, every)), every);
    return lw->term(lw, t->args[0],
                    lw->ctx(lw, s, x->L, x->cycle, NAN, placed ? t->args[0] : NULL));
}

/* ---- at(S, k) -------------------------------------------------------------
 * S at local step k of S's own context, k clamped to it: the place an
 * enclosing `then` chain gives S (warmup's ramp ends at the first value of
 * the schedule that follows it), else a segment of S's own duration, else
 * the current context. */

static uint32_t at_lower(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed)
{
    if (placed) return lower_unplaced(lw, t, x);
    lrs_term *S = t->args[0];
    uint32_t k = lw->term(lw, t->args[1], x);
    uint32_t v = lw->placed_value(lw, S, k);
    if (v != NONE) return v;
    uint32_t d = lw->duration(lw, S, x), span = d != NONE ? d : x->L;
    k = bin(lw, IR_MIN, bin(lw, IR_MAX, k, K(lw, 0)), span);
    /* With a duration of its own, S is placed in its segment as a chain
     * places it: its `for` is not evaluated again inside. */
    return lw->term(lw, S, lw->ctx(lw, k, span, x->cycle, NAN, d != NONE ? S : NULL));
}

/* ---- index(L, x), pick(L, i), len(L) -------------------------------------
 * index: how many entries of the sorted list L are <= x (bisect_right; 0
 * for an empty list). pick: entry floor(i) of L, clamped to the list,
 * which must not be empty. len: the number of entries of L, a constant.
 * The thresholds of index(L, step) at a known global step are segment
 * boundaries. A list of LRS_TABLE_MIN entries or more is one IR table
 * (IR_PICK, IR_INDEX: a load and a binary search, linear in the list),
 * a shorter one a chain of selects (which the backends fold and branch
 * on); both give the same value at every operand, NaN included. */

static int has_nan(const double *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] != v[i]) return 1;
    return 0;
}

static int nonempty(lrs_comp *c, const lrs_builtin *f, const lrs_farg *a)
{
    if (a[0].n) return 1;
    lrs_diag_error(&c->sink, a[0].span, "%s needs a non-empty list", f->name);
    return 0;
}

static lrs_term *index_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    for (size_t i = 1; i < a[0].n; i++)
        if (a[0].list[i] < a[0].list[i - 1]) {
            lrs_diag_error(&c->sink, a[0].span,
                           "index needs a sorted list (entry %zu, %g, is less than %g)", i,
                           a[0].list[i], a[0].list[i - 1]);
            return NULL;
        }
    return form_term(c, f, a, sp);
}

static lrs_term *pick_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    return nonempty(c, f, a) ? form_term(c, f, a, sp) : NULL;
}

static lrs_term *len_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    (void)f;
    return lrs_term_const(c, (double)a[0].n, sp);
}

static uint32_t index_lower(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed)
{
    if (placed) return lower_unplaced(lw, t, x);
    lrs_comp *c = lw->c;
    uint32_t v = lw->term(lw, t->args[1], x);
    uint32_t r = K(lw, 0);
    if (t->nlist >= LRS_TABLE_MIN && !has_nan(t->list, t->nlist))
        r = lrs_ir_table(lw->ir, IR_INDEX, t->list, (uint32_t)t->nlist, v);
    else
        for (size_t j = 0; j < t->nlist; j++)
            r = bin(
                lw, IR_ADD, r,
                lrs_ir_select(lw->ir, bin(lw, IR_GE, v, K(lw, t->list[j])), K(lw, 1), K(lw, 0)));
    /* index(at, step) at a known global step: its thresholds are the
     * decay points of multistep and piecewise, boundaries too. */
    double len = lrs_ir_value(lw->ir, x->L);
    if (v == x->s && x->offset == x->offset)
        for (size_t j = 0; j < t->nlist && j < LRS_MAX_LISTED_CYCLES; j++) {
            if (!(t->list[j] > 0) || (len == len && !(t->list[j] < len))) continue;
            lrs_jump *jp = lrs_arena_alloc(&c->arena, sizeof *jp);
            *jp = (lrs_jump){x->offset + t->list[j], NONE, NONE, t->span, lw->sched, 0};
            lrs_vec_push(&c->arena, &c->cycle_starts, jp);
        }
    return r;
}

static uint32_t pick_lower(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed)
{
    if (placed) return lower_unplaced(lw, t, x);
    uint32_t v = lw->term(lw, t->args[1], x);
    if (t->nlist >= LRS_TABLE_MIN)
        return lrs_ir_table(lw->ir, IR_PICK, t->list, (uint32_t)t->nlist, v);
    uint32_t r = K(lw, t->list[0]);
    for (size_t j = 1; j < t->nlist; j++)
        r = lrs_ir_select(lw->ir, bin(lw, IR_GE, v, K(lw, (double)j)), K(lw, t->list[j]), r);
    return r;
}

/* ---- noise(S, pct, seed = 0) ----------------------------------------------
 * S * (1 + pct * u), u in [-1, 1) from a hash of the global step and the
 * seed (a whole number below 2^53, kept in the term's k). Its duration is
 * S's. */

static lrs_term *noise_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    double seed = a[2].k;
    if (!(fabs(seed) < 9007199254740992.0) || seed != floor(seed)) {
        lrs_diag_error(&c->sink, a[2].span,
                       "the seed of noise must be a whole number below 2^53 (it is %g)", seed);
        return NULL;
    }
    lrs_term *t = form_term(c, f, a, sp);
    t->k = seed;
    return t;
}

static uint32_t noise_lower(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed)
{
    const lrs_lctx *plain = placed ? lw->ctx(lw, x->s, x->L, x->cycle, x->offset, NULL) : x;
    uint32_t u = bin(lw, IR_MUL, lw->term(lw, t->args[1], plain), lrs_ir_noise(lw->ir, t->k));
    return bin(lw, IR_MUL, lw->operand(lw, t->args[0], x, placed), bin(lw, IR_ADD, K(lw, 1), u));
}

/* ---- horizon(S, n) ----------------------------------------------------------
 * S unchanged at every step, with n steps as the span of a schedule that
 * has no end of its own: the length of training a compatibility function
 * takes (T_max, num_training_steps), which `check` and `plot` cover. It
 * gives no duration (a chain still stretches S, the values never hold):
 * lrs_lower.c reads the horizon (t->k, whole steps) at the top of a
 * schedule. */

static lrs_term *horizon_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    double n = a[1].k;
    if (!(n >= 0)) {
        size_t e = lrs_diag_error(
            &c->sink, a[1].span,
            "the length of horizon must be a non-negative number of steps (it is %g)", n);
        lrs_diag_help(&c->sink, e, "pass the length of training in steps, or inf for none");
        return NULL;
    }
    lrs_term *t = form_term(c, f, a, sp);
    t->k = round(n);
    return t;
}

/* ---- jump(S) ---------------------------------------------------------------
 * S itself. As a segment of a `then` chain (`... then jump(0.01) for 30`)
 * it says that the value jumps where S begins on purpose, as in a step
 * decay: the checker does not warn about that boundary (the boundary is
 * still one). Its duration is S's. Its value is lower_first's. */

int lrs_form_intended_jump(const lrs_term *t)
{
    while (t->kind == T_FOR)
        t = t->a;
    return t->kind == T_FORM && !strcmp(t->form->name, "jump");
}

/* ---- fail(message, value = nan, help = "") -----------------------------------
 * An error where it is elaborated: the checks of a library function, as
 * `cond ? fail("...") : value`. Only the branch a constant condition
 * chooses is elaborated; under a condition that depends on the step both
 * branches are, so there the check reports that it cannot be decided. The
 * error names `value` when it is a constant (not NaN), and `help` is its
 * help line. Inside library code the error is reported at the user's call
 * (lrs_diag.h). */

static lrs_term *fail_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    (void)f;
    double k;
    char it[64] = "";
    if (lrs_term_is_const(a[1].t, &k) && k == k) snprintf(it, sizeof it, " (it is %g)", k);
    size_t e;
    if (c->step_branch) {
        e = lrs_diag_error(&c->sink, sp,
                           "this check needs values known at compile time, but its condition "
                           "depends on the step: %s",
                           a[0].text);
        lrs_diag_help(&c->sink, e, "pass constants (numbers or params) to the function");
    } else {
        e = lrs_diag_error(&c->sink, sp, "%s%s", a[0].text, it);
        if (a[2].text && *a[2].text) lrs_diag_help(&c->sink, e, "%s", a[2].text);
    }
    return NULL;
}

/* ---- the detectors: plateaus, last, reports, best ---------------------------
 * plateaus(sig, mode = min, patience = 10, threshold = 1e-4,
 *          threshold_mode = rel, cooldown = 0, rule = torch)
 * last(sig, default = 0), reports(sig), best(sig, mode = min, default = 0)
 * A signal's history as a number: an entry of the detector array that
 * reactive schedules read (lrs.h, lrs_signals.c runs the rules). Equal
 * detectors share an entry; the term's k is its slot. */

/* Option word `a` (NULL: not given, the first word) among words[]; its
 * index, or -1 after an error. */
static int option_word(lrs_comp *c, const lrs_farg *a, const char *what, const char *const *words)
{
    if (!a->name) return 0;
    for (int i = 0; words[i]; i++)
        if (!strcmp(a->name, words[i])) return i;
    char list[96] = "";
    for (int i = 0; words[i]; i++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", i ? ", " : "", words[i]);
    size_t e =
        lrs_diag_error(&c->sink, a->span, "%s must be one of %s, not '%s'", what, list, a->name);
    lrs_diag_help(&c->sink, e, "write one of them by name, e.g. %s", words[0]);
    return -1;
}

/* A count or threshold option: finite, >= 0, and whole if whole != 0. */
static int option_number(lrs_comp *c, const lrs_farg *a, const char *what, int whole)
{
    double k = a->k;
    if (k >= 0 && isfinite(k) && (!whole || (k == floor(k) && k < 9.2e18))) return 1;
    size_t e = lrs_diag_error(&c->sink, a->span, "%s must be %s (it is %g)", what,
                              whole ? "a whole number, 0 or more" : "finite and 0 or more", k);
    if (whole && k > 0 && isfinite(k))
        lrs_diag_help(&c->sink, e, "%s counts reports: write %g", what, round(k));
    return 0;
}

static const char *const modes[] = {"min", "max", NULL};

/* The detector's term, with the signal checked and the slot found. */
static lrs_term *detector_term(lrs_comp *c, const lrs_builtin *f, const lrs_farg *a,
                               lrs_detector *d, lrs_span sp)
{
    if (!a[0].decl || a[0].decl->kind != DECL_SIGNAL) {
        size_t e = lrs_diag_error(&c->sink, a[0].span, "'%s' is not a signal", a[0].name);
        lrs_diag_help(&c->sink, e, "declare the metric with `signal %s` and pass its name",
                      a[0].name);
        return NULL;
    }
    if (c->detectors.n >= LRS_MAX_DETECTORS) {
        lrs_diag_error(&c->sink, sp, "too many detectors (the limit is %d)", LRS_MAX_DETECTORS);
        return NULL;
    }
    d->signal = lrs_signal_index(c, (lrs_decl *)a[0].decl);
    lrs_term *t = lrs_term_form(c, f, sp, NULL, 0);
    t->k = lrs_detector_slot(c, d);
    t->reactive = 1;
    return t;
}

static lrs_term *plateaus_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    static const char *const tmodes[] = {"rel", "abs", NULL};
    static const char *const rules[] = {"torch", "keras", "sklearn", NULL};
    int m = option_word(c, &a[1], "the mode of plateaus", modes);
    int tm = option_word(c, &a[4], "the threshold_mode of plateaus", tmodes);
    int rule = option_word(c, &a[6], "the rule of plateaus", rules);
    if (m < 0 || tm < 0 || rule < 0 || !option_number(c, &a[2], "the patience of plateaus", 1) ||
        !option_number(c, &a[3], "the threshold of plateaus", 0) ||
        !option_number(c, &a[5], "the cooldown of plateaus", 1))
        return NULL;
    if (rule == LRS_RULE_SKLEARN && a[5].k != 0) {
        size_t e = lrs_diag_error(&c->sink, a[5].span,
                                  "scikit-learn's rule has no cooldown (it is %g)", a[5].k);
        lrs_diag_help(&c->sink, e, "leave cooldown out, or use rule = torch or keras");
        return NULL;
    }
    if (rule == LRS_RULE_SKLEARN && a[4].name && tm == 0) {
        size_t e = lrs_diag_error(&c->sink, a[4].span,
                                  "scikit-learn's rule compares with an absolute `tol`");
        lrs_diag_help(&c->sink, e, "write threshold_mode = abs, or leave it out");
        return NULL;
    }
    lrs_detector d;
    memset(&d, 0, sizeof d);
    d.kind = LRS_DETECT_PLATEAUS;
    d.mode_max = (uint32_t)m;
    d.threshold_abs = rule == LRS_RULE_SKLEARN ? 1u : (uint32_t)tm;
    d.rule = (uint32_t)rule;
    d.patience = (int64_t)a[2].k;
    d.cooldown = (int64_t)a[5].k;
    d.threshold = a[3].k;
    return detector_term(c, f, a, &d, sp);
}

static lrs_term *value_detector(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp,
                                uint32_t kind, int mode, const lrs_farg *def)
{
    if (mode < 0) return NULL;
    if (!isfinite(def->k)) {
        lrs_diag_error(&c->sink, def->span, "the default of '%s' must be finite (it is %g)",
                       f->name, def->k);
        return NULL;
    }
    lrs_detector d;
    memset(&d, 0, sizeof d);
    d.kind = kind;
    d.mode_max = (uint32_t)mode;
    d.initial = def->k;
    return detector_term(c, f, a, &d, sp);
}

static lrs_term *last_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    return value_detector(c, f, a, sp, LRS_DETECT_LAST, 0, &a[1]);
}

static lrs_term *best_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    int m = option_word(c, &a[1], "the mode of best", modes);
    return value_detector(c, f, a, sp, LRS_DETECT_BEST, m, &a[2]);
}

static lrs_term *reports_elab(lrs_comp *c, const lrs_builtin *f, lrs_farg *a, lrs_span sp)
{
    lrs_detector d;
    memset(&d, 0, sizeof d);
    d.kind = LRS_DETECT_REPORTS;
    return detector_term(c, f, a, &d, sp);
}

/* The same value in every context: the detector array's entry. */
static uint32_t detector_lower(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed)
{
    (void)x;
    (void)placed;
    const lrs_detector *d = lw->c->detectors.items[(size_t)t->k];
    return lrs_ir_input(lw->ir, (uint32_t)t->k, d->initial,
                        d->kind == LRS_DETECT_PLATEAUS || d->kind == LRS_DETECT_REPORTS);
}

/* ---- the table ----------------------------------------------------------- */

#define CONST(n, v, b) {n, BK_CONST, b, v, 0, 0, {{0}}, 0, 0, 0}
#define CTX(n, var) {n, BK_CTX, var, 0, 0, 0, {{0}}, 0, 0, 0}
#define NUM(p) {p, P_NUM, NULL, 0}
#define MATH1(n, op) {n, BK_MATH, op, 0, 1, 1, {NUM("x")}, 0, 0, 0}
#define MATH2(n, op, p, q) {n, BK_MATH, op, 0, 2, 2, {NUM(p), NUM(q)}, 0, 0, 0}
#define WORD(n) {n, BK_WORD, 0, 0, 0, 0, {{0}}, 0, 0, 0}

const lrs_builtin lrs_builtins[] = {
    CONST("pi", M_PI, 0),
    CONST("e", M_E, 0),
    CONST("true", 1, 1),
    CONST("false", 0, 1),
    {"auto", BK_AUTO, 0, 0, 0, 0, {{0}}, 0, 0, 0},
    CTX("step", CV_STEP),
    CTX("span", CV_SPAN),
    CTX("progress", CV_PROGRESS),
    CTX("cycle", CV_CYCLE),
    CTX("global_step", CV_GLOBAL_STEP),
    MATH1("abs", IR_ABS),
    MATH1("floor", IR_FLOOR),
    MATH1("ceil", IR_CEIL),
    MATH1("round", IR_ROUND),
    MATH1("sqrt", IR_SQRT),
    MATH1("exp", IR_EXP),
    MATH1("log", IR_LOG),
    MATH1("log2", IR_LOG2),
    MATH1("sin", IR_SIN),
    MATH1("cos", IR_COS),
    MATH1("tanh", IR_TANH),
    MATH2("pow", IR_POW, "x", "y"),
    MATH2("mod", IR_MOD, "x", "y"),
    MATH2("min", IR_MIN, "a", "b"),
    MATH2("max", IR_MAX, "a", "b"),
    {"clamp", BK_FORM, 0, 0, 3, 3, {NUM("x"), NUM("lo"), NUM("hi")}, clamp_elab, NULL, NULL},
    {"restarts",
     BK_FORM,
     0,
     0,
     4,
     2,
     {{"S", P_NUM, "the schedule", 0},
      {"period", P_CONST, "the period", 0},
      {"mult", P_CONST, "the mult", 1},
      {"limit", P_CONST, "the limit", INFINITY}},
     restarts_elab,
     restarts_duration,
     restarts_lower},
    {"sample",
     BK_FORM,
     0,
     0,
     2,
     2,
     {{"S", P_NUM, "the schedule", 0}, {"every", P_NUM, "the `every`", 0}},
     sample_elab,
     duration_of_first,
     sample_lower},
    {"at",
     BK_FORM,
     0,
     0,
     2,
     2,
     {{"S", P_NUM, "the schedule", 0}, {"k", P_NUM, "the step", 0}},
     elab_plain,
     no_duration,
     at_lower},
    {"index",
     BK_FORM,
     0,
     0,
     2,
     2,
     {{"L", P_LIST, NULL, 0}, NUM("x")},
     index_elab,
     no_duration,
     index_lower},
    {"pick",
     BK_FORM,
     0,
     0,
     2,
     2,
     {{"L", P_LIST, NULL, 0}, NUM("i")},
     pick_elab,
     no_duration,
     pick_lower},
    {"len", BK_FORM, 0, 0, 1, 1, {{"L", P_LIST, NULL, 0}}, len_elab, NULL, NULL},
    {"fail",
     BK_FORM,
     0,
     0,
     3,
     1,
     {{"message", P_TEXT, "the message", 0},
      {"value", P_NUM, "the value", NAN},
      {"help", P_TEXT, "the help", 0}},
     fail_elab,
     NULL,
     NULL},
    {"jump",
     BK_FORM,
     0,
     0,
     1,
     1,
     {{"S", P_NUM, "the schedule", 0}},
     elab_plain,
     duration_of_first,
     lower_first},
    {"noise",
     BK_FORM,
     0,
     0,
     3,
     2,
     {{"S", P_NUM, "the schedule", 0},
      {"pct", P_NUM, "the pct", 0},
      {"seed", P_CONST, "the seed", 0}},
     noise_elab,
     duration_of_first,
     noise_lower},
    {"horizon",
     BK_FORM,
     0,
     0,
     2,
     2,
     {{"S", P_NUM, "the schedule", 0}, {"n", P_CONST, "the length", 0}},
     horizon_elab,
     duration_of_first,
     lower_first},
    {"plateaus",
     BK_FORM,
     0,
     0,
     7,
     1,
     {{"sig", P_NAME, "the signal", 0},
      {"mode", P_NAME, "the mode", 0},
      {"patience", P_CONST, "the patience", 10},
      {"threshold", P_CONST, "the threshold", 1e-4},
      {"threshold_mode", P_NAME, "the threshold_mode", 0},
      {"cooldown", P_CONST, "the cooldown", 0},
      {"rule", P_NAME, "the rule", 0}},
     plateaus_elab,
     no_duration,
     detector_lower},
    {"last",
     BK_FORM,
     0,
     0,
     2,
     1,
     {{"sig", P_NAME, "the signal", 0}, {"default", P_CONST, "the default", 0}},
     last_elab,
     no_duration,
     detector_lower},
    {"reports",
     BK_FORM,
     0,
     0,
     1,
     1,
     {{"sig", P_NAME, "the signal", 0}},
     reports_elab,
     no_duration,
     detector_lower},
    {"best",
     BK_FORM,
     0,
     0,
     3,
     1,
     {{"sig", P_NAME, "the signal", 0},
      {"mode", P_NAME, "the mode", 0},
      {"default", P_CONST, "the default", 0}},
     best_elab,
     no_duration,
     detector_lower},
    WORD("rel"),
    WORD("torch"),
    WORD("keras"),
    WORD("sklearn"),
};
const size_t lrs_builtin_count = sizeof lrs_builtins / sizeof lrs_builtins[0];

int lrs_builtin_find(const char *name)
{
    for (size_t i = 0; i < lrs_builtin_count; i++)
        if (!strcmp(lrs_builtins[i].name, name)) return (int)i;
    return -1;
}
