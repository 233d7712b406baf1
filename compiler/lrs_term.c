/* lrs_term.c — building terms, the program after inlining (lrs_sema.h).
 * Shared by elaboration, which builds them, the forms, whose elaboration
 * builds theirs, and lowering, which reports errors about them. Constant
 * operands fold as terms are built; the size limits are counted here. */
#include "lrs_sema.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

lrs_term *lrs_term_new(lrs_comp *c, lrs_tkind kind, lrs_span sp)
{
    if (++c->nterms > LRS_MAX_TERMS && !c->too_big) {
        c->too_big = 1;
        lrs_diag_error(&c->sink, sp, "program too large after inlining (more than %d terms)",
                       LRS_MAX_TERMS);
    }
    lrs_term *t = lrs_arena_alloc(&c->arena, sizeof *t);
    t->kind = kind;
    t->span = sp;
    t->depth = 1;
    t->origin = c->sink.origin;
    return t;
}

lrs_term *lrs_term_const(lrs_comp *c, double k, lrs_span sp)
{
    lrs_term *t = lrs_arena_alloc(&c->arena, sizeof *t);
    t->kind = T_CONST;
    t->k = k;
    t->span = sp;
    t->depth = 1;
    t->origin = c->sink.origin;
    return t;
}

int lrs_term_is_const(const lrs_term *t, double *k)
{
    if (!t || t->kind != T_CONST) return 0;
    if (k) *k = t->k;
    return 1;
}

double lrs_term_value(const lrs_term *t)
{
    double k = NAN;
    lrs_term_is_const(t, &k);
    return k;
}

/* The depth of t from its operands, checked against the limit. */
static lrs_term *deepen(lrs_comp *c, lrs_term *t, lrs_term *const *kids, size_t n)
{
    uint32_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        if (kids[i] && kids[i]->depth > depth) depth = kids[i]->depth;
        if (kids[i] && kids[i]->reactive) t->reactive = 1; /* it reads a detector */
    }
    t->depth = depth + 1;
    if (t->depth > LRS_MAX_TERM_DEPTH && !c->too_big) {
        c->too_big = 1;
        lrs_diag_error(&c->sink, t->span,
                       "expression too deep after inlining (more than %d levels)",
                       LRS_MAX_TERM_DEPTH);
    }
    return t;
}

lrs_term *lrs_term_node(lrs_comp *c, lrs_tkind kind, lrs_span sp, lrs_term *a, lrs_term *b,
                        lrs_term *d)
{
    lrs_term *t = lrs_term_new(c, kind, sp);
    t->a = a;
    t->b = b;
    t->c = d;
    lrs_term *kids[3] = {a, b, d};
    return deepen(c, t, kids, 3);
}

lrs_term *lrs_term_form(lrs_comp *c, const struct lrs_builtin *form, lrs_span sp, lrs_term **args,
                        size_t nargs)
{
    lrs_term *t = lrs_term_new(c, T_FORM, sp);
    t->form = form;
    t->args = lrs_arena_alloc(&c->arena, (nargs ? nargs : 1) * sizeof *t->args);
    for (size_t i = 0; i < nargs; i++)
        t->args[i] = args[i];
    t->nargs = nargs;
    return deepen(c, t, t->args, nargs);
}

lrs_term *lrs_term_un(lrs_comp *c, lrs_irop op, lrs_term *a, lrs_span sp)
{
    double k;
    if (lrs_term_is_const(a, &k)) {
        lrs_term *r = lrs_term_const(c, lrs_ir_apply(op, k, 0), sp);
        r->is_bool = lrs_ir_facts(op)->boolean;
        return r;
    }
    lrs_term *t = lrs_term_node(c, T_UN, sp, a, NULL, NULL);
    t->op = op;
    t->is_bool = lrs_ir_facts(op)->boolean;
    return t;
}

lrs_term *lrs_term_bin(lrs_comp *c, lrs_irop op, lrs_term *a, lrs_term *b, lrs_span sp)
{
    double ka, kb;
    int is_bool = lrs_ir_facts(op)->boolean;
    if (lrs_term_is_const(a, &ka) && lrs_term_is_const(b, &kb)) {
        lrs_term *r = lrs_term_const(c, lrs_ir_apply(op, ka, kb), sp);
        r->is_bool = is_bool;
        return r;
    }
    lrs_term *t = lrs_term_node(c, T_BIN, sp, a, b, NULL);
    t->op = op;
    t->is_bool = is_bool;
    return t;
}

uint32_t lrs_signal_index(lrs_comp *c, lrs_decl *sig)
{
    for (size_t i = 0; i < c->signals.n; i++)
        if (c->signals.items[i] == sig) return (uint32_t)i;
    lrs_vec_push(&c->arena, &c->signals, sig);
    return (uint32_t)(c->signals.n - 1);
}

uint32_t lrs_detector_slot(lrs_comp *c, const lrs_detector *d)
{
    for (size_t i = 0; i < c->detectors.n; i++)
        if (!memcmp(c->detectors.items[i], d, sizeof *d)) return (uint32_t)i;
    lrs_detector *p = lrs_arena_alloc(&c->arena, sizeof *p);
    *p = *d;
    lrs_vec_push(&c->arena, &c->detectors, p);
    return (uint32_t)(c->detectors.n - 1);
}

size_t lrs_term_error(lrs_comp *c, lrs_term *t, const char *fmt, ...)
{
    if (t->reported) return LRS_NO_DIAG;
    t->reported = 1;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const lrs_origin *was = c->sink.origin;
    if (t->origin) c->sink.origin = t->origin;
    size_t e = lrs_diag_error(&c->sink, t->span, "%s", msg);
    c->sink.origin = was;
    return e;
}
