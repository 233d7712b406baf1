/* lrs_forms.h — the built-in names, one row each: constants, context
 * variables, math functions, and the forms (restarts, sample, at, index,
 * pick, len, noise, horizon, clamp, fail, jump, and the detectors plateaus, last, reports, best). A
 * form's row holds everything about it: its parameters with their kinds and defaults, and the
 * functions that elaborate it, give its duration and lower it to IR (lrs_forms.c, one block per
 * form). Elaboration (lrs_elab.c) binds and checks a call's arguments from the row; lowering
 * (lrs_lower.c) calls the row's functions for a T_FORM term. Adding a form: docs/compiler.md. */
#ifndef LRS_FORMS_H
#define LRS_FORMS_H

#include "lrs_sema.h"

enum { LRS_FORM_MAX_PARAMS = 8 };

typedef enum lrs_bkind {
    BK_CONST, /* pi, e, true, false */
    BK_AUTO,  /* auto: "no duration of its own" */
    BK_CTX,   /* step, span, progress, cycle, global_step */
    BK_MATH,  /* a math function over numbers: one IR op */
    BK_FORM,  /* a form: the functions of its row */
    BK_WORD,  /* an option word of the detectors: rel, torch, keras, sklearn */
} lrs_bkind;

/* What an argument must be; elaboration checks it before the row's
 * elaborate function runs, in parameter order, and stops at the first
 * failed P_NUM, P_LIST or P_NAME (after reporting every failed P_CONST
 * before it). */
typedef enum lrs_pkind {
    P_NUM,   /* a number (may depend on the step) */
    P_CONST, /* a number known at compile time */
    P_LIST,  /* a list (of constants) */
    P_NAME,  /* a name, not evaluated: a declaration or an option word */
    P_TEXT,  /* a string literal; NULL when not given */
} lrs_pkind;

typedef struct lrs_fparam {
    const char *name;
    lrs_pkind kind;
    /* In messages, "WHAT of FORM must be ...": "the period" gives "the
     * period of restarts". NULL: "an argument of 'FORM'". */
    const char *what;
    double def; /* the default, for parameters past nrequired (numbers) */
} lrs_fparam;

/* An argument as the row's elaborate function receives it. */
typedef struct lrs_farg {
    lrs_term *t;          /* P_NUM, P_CONST: the term */
    double k;             /* P_CONST: its value */
    const double *list;   /* P_LIST */
    size_t n;             /* P_LIST: entries */
    const char *name;     /* P_NAME: as written; NULL when not given (the row chooses) */
    const lrs_decl *decl; /* P_NAME: what it names, NULL if not a declaration */
    const char *text;     /* P_TEXT */
    lrs_span span;        /* where it was written (the call, for a default) */
} lrs_farg;

/* ---- lowering, as the forms see it (lrs_lower.c implements it) -------- */

/* A context: the local step s, the span L and the cycle index (IR nodes),
 * the offset of s from the global step when known (else NAN), and the
 * term a `then` chain placed in it (see lrs_lower.c). */
typedef struct lrs_lctx {
    uint32_t s, L, cycle;
    double offset;
    const lrs_term *placed;
} lrs_lctx;

typedef struct lrs_lowering lrs_lowering;
struct lrs_lowering {
    lrs_comp *c;
    lrs_ir *ir;
    size_t sched; /* the schedule being lowered (for its boundaries) */
    /* Lower a term in a context. */
    uint32_t (*term)(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x);
    /* Lower an operand of a form that passes its duration through (as
     * sample and noise do): when the form is placed, the operand that
     * has the duration is placed in its stead. */
    uint32_t (*operand)(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed);
    /* The duration of a term in steps (an IR node), LRS_IR_NONE if none. */
    uint32_t (*duration)(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x);
    /* The (interned) context with these fields. */
    const lrs_lctx *(*ctx)(lrs_lowering *lw, uint32_t s, uint32_t span, uint32_t cycle,
                           double offset, const lrs_term *placed);
    /* S at step k of the place an enclosing `then` chain gives it, when S
     * is one of the segments being lowered, or a run of them (as in
     * `linear(0 -> at(S, 0)) for 500 then S`); k is clamped to that
     * place. LRS_IR_NONE when no enclosing chain holds S. */
    uint32_t (*placed_value)(lrs_lowering *lw, lrs_term *S, uint32_t k);
};

/* ---- the rows ---------------------------------------------------------- */

typedef struct lrs_builtin lrs_builtin;
struct lrs_builtin {
    const char *name;
    lrs_bkind kind;
    int id;       /* BK_MATH: lrs_irop; BK_CTX: lrs_ctxvar; BK_CONST: 1 for a boolean */
    double value; /* BK_CONST */
    int nparams, nrequired;
    lrs_fparam params[LRS_FORM_MAX_PARAMS];
    /* BK_FORM. Elaborate a call whose arguments passed the checks of their
     * kinds (args[i] for params[i], defaults filled in): report what else
     * is wrong and return NULL, or return the term (usually
     * lrs_term_form(); a form may also expand into other terms). */
    lrs_term *(*elab)(lrs_comp *c, const lrs_builtin *f, lrs_farg *args, lrs_span sp);
    /* The duration of the form's T_FORM term t in context x, or
     * LRS_IR_NONE if it has none of its own. */
    uint32_t (*duration)(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x);
    /* Lower t in context x; placed: a chain placed t in x (x->placed == t)
     * and already knows its duration. */
    uint32_t (*lower)(lrs_lowering *lw, lrs_term *t, const lrs_lctx *x, int placed);
};

extern const lrs_builtin lrs_builtins[];
extern const size_t lrs_builtin_count;
/* The row's index, or -1. */
int lrs_builtin_find(const char *name);
/* Whether t, a segment of a `then` chain, is jump(S) (or jump(S) for D):
 * the jump where it begins is intended. */
int lrs_form_intended_jump(const lrs_term *t);

#endif
