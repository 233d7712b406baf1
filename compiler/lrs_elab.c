/* lrs_elab.c — elaboration: checks types, applies units, and inlines every
 * call, turning each exported schedule into a term over the context
 * variables. Arguments are passed by name (substituted as terms), so an
 * argument such as `0.5 ^ cycle` means the cycle of the place where the
 * parameter is used — which is what schedule combinators need. Terms are
 * shared, not copied, and constant subterms fold as they are built. */
#include "lrs_forms.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- values -------------------------------------------------------------- */

typedef enum vkind {
    V_ERR,
    V_NUM,
    V_BOOL,
    V_LIST,
    V_FUNC,
    V_AUTO,
    V_NAME,
    V_SIGNAL,
    V_WORD,
    V_TEXT,
} vkind;

typedef struct value {
    vkind kind;
    lrs_term *t;        /* V_NUM, V_BOOL */
    const double *list; /* V_LIST */
    size_t n;
    lrs_decl *def;     /* V_FUNC: a def, or NULL for a built-in; V_NAME: what it names;
                          V_SIGNAL: the signal */
    int builtin;       /* V_FUNC, V_WORD */
    lrs_span span;     /* where the value was written: the argument, for parameters */
    const char *param; /* the parameter it was passed as, and to which function */
    const char *fn;
    const char *name; /* V_NAME: the name as written; V_TEXT: the string */
} value;

typedef struct frame {
    lrs_module *m;
    lrs_decl *def;
    value *args;
    int depth;
} frame;

struct slots;

typedef struct elab {
    lrs_comp *c;
    struct slots *free_slots; /* argument slots of built-in calls, for reuse */
} elab;

/* The recursion of eval, through calls and operators, is as deep as the
 * nesting of the source (256 levels): the functions on that path keep
 * their frames small (no arrays or diagnostics), and what does not recurse
 * is in helpers that are not inlined into them (docs/limits.md, "Stack"). */
#define NOINLINE __attribute__((noinline))

static const value ERR = {V_ERR, 0, 0, 0, 0, 0, {0, 0, 0}, 0, 0, 0};

static const char *kind_text(vkind k)
{
    switch (k) {
    case V_NUM:
        return "a number";
    case V_BOOL:
        return "a boolean";
    case V_LIST:
        return "a list";
    case V_FUNC:
        return "a function";
    case V_AUTO:
        return "`auto`";
    case V_NAME:
        return "a name";
    case V_SIGNAL:
        return "a signal";
    case V_WORD:
        return "an option word";
    case V_TEXT:
        return "a string";
    case V_ERR:
        break;
    }
    return "an error";
}

static value num(lrs_term *t, lrs_span sp)
{
    value v = ERR;
    v.kind = t->is_bool ? V_BOOL : V_NUM;
    v.t = t;
    v.span = sp;
    return v;
}

/* ---- checks -------------------------------------------------------------- */

static int expect(elab *E, value v, vkind want, const char *what)
{
    if (v.kind == want) return 1;
    if (v.kind == V_ERR) return 0;
    size_t e = lrs_diag_error(&E->c->sink, v.span, "%s must be %s, not %s", what, kind_text(want),
                              kind_text(v.kind));
    if (v.param)
        lrs_diag_note(&E->c->sink, e, 0, v.span, "it is passed as '%s' to '%s'", v.param, v.fn);
    if (v.kind == V_FUNC) lrs_diag_help(&E->c->sink, e, "call the function: NAME(...)");
    if (v.kind == V_AUTO)
        lrs_diag_help(&E->c->sink, e, "`auto` is only a duration: it may follow `for`");
    if (v.kind == V_SIGNAL)
        lrs_diag_help(&E->c->sink, e,
                      "a signal is read through a detector: plateaus(%s), last(%s), "
                      "reports(%s) or best(%s)",
                      v.def->name, v.def->name, v.def->name, v.def->name);
    return 0;
}

static int expect_const(elab *E, value v, const char *what, double *k)
{
    if (!expect(E, v, V_NUM, what)) return 0;
    if (lrs_term_is_const(v.t, k)) return 1;
    size_t e = lrs_diag_error(&E->c->sink, v.span, "%s must be a compile-time constant", what);
    lrs_diag_note(&E->c->sink, e, 0, v.span,
                  "it depends on the step (step, progress, span, cycle or a schedule)");
    return 0;
}

/* ---- evaluation ---------------------------------------------------------- */

static value eval(elab *E, frame *f, lrs_ast *n);
static value decl_value(elab *E, lrs_decl *d, lrs_span use);

static NOINLINE value binary(elab *E, frame *f, lrs_ast *n)
{
    value a = eval(E, f, n->a), b = eval(E, f, n->b);
    if (a.kind == V_ERR || b.kind == V_ERR) return ERR;
    static const lrs_irop map[] = {
        [OP_ADD] = IR_ADD, [OP_SUB] = IR_SUB, [OP_MUL] = IR_MUL, [OP_DIV] = IR_DIV,
        [OP_POW] = IR_POW, [OP_EQ] = IR_EQ,   [OP_NE] = IR_NE,   [OP_LT] = IR_LT,
        [OP_LE] = IR_LE,   [OP_GT] = IR_GT,   [OP_GE] = IR_GE,   [OP_AND] = IR_AND,
        [OP_OR] = IR_OR,
    };
    lrs_irop op = map[n->op];
    vkind want = op == IR_AND || op == IR_OR ? V_BOOL : V_NUM;
    const char *what = lrs_arena_printf(&E->c->arena, "an operand of '%s'", lrs_op_text(n->op));
    int ok = expect(E, a, want, what);
    ok = expect(E, b, want, what) && ok;
    if (!ok) return ERR;
    double kb;
    if (op == IR_DIV && lrs_term_is_const(b.t, &kb) && kb == 0) {
        size_t e = lrs_diag_error(&E->c->sink, b.span, "division by zero");
        lrs_diag_note(&E->c->sink, e, 0, b.span, "the divisor is the constant 0");
        return ERR;
    }
    return num(lrs_term_bin(E->c, op, a.t, b.t, n->span), n->span);
}

/* The main file's `total` param: the budget of every schedule, used by
 * lowering even where no `%` names it. */
static lrs_decl *main_total(lrs_comp *c)
{
    lrs_decl *d = lrs_scope_find(&c->main->scope, "total");
    return d && d->kind == DECL_PARAM ? d : NULL;
}

static value lookup_param(elab *E, frame *f, const char *name, lrs_span use, const char *unit,
                          const char *help)
{
    /* The file where the unit is written, else the program: library and
     * imported functions can use `epochs` and `%` of the program's budget. */
    lrs_decl *d = lrs_scope_find(&f->m->scope, name);
    if (!d || d->kind != DECL_PARAM) d = lrs_scope_find(&E->c->main->scope, name);
    if (!d || d->kind != DECL_PARAM) {
        size_t e =
            lrs_diag_error(&E->c->sink, use, "`%s` needs `param %s`, which is not set", unit, name);
        lrs_diag_help(&E->c->sink, e, "%s", help);
        return ERR;
    }
    /* Only a number scales a unit: a list, a word or a function as the
     * param's value has no term to multiply by. */
    value v = decl_value(E, d, use);
    if (v.kind == V_NUM || v.kind == V_ERR) return v;
    /* The program's `total` is checked once, at its value. */
    if (d == main_total(E->c)) return ERR;
    size_t e = lrs_diag_error(&E->c->sink, use, "`%s` needs `param %s` to be a number, not %s",
                              unit, name, kind_text(v.kind));
    lrs_diag_note(&E->c->sink, e, 1, d->expr->span, "'%s' is set here", name);
    lrs_diag_help(&E->c->sink, e, "give '%s' a number of steps: param %s = N", name, name);
    return ERR;
}

static NOINLINE value unit(elab *E, frame *f, lrs_ast *n)
{
    value a = eval(E, f, n->a);
    if (!expect(E, a, V_NUM, "a duration")) return ERR;
    if (n->op == UNIT_STEPS) return a;
    value scale;
    double div = 1;
    if (n->op == UNIT_EPOCHS) {
        scale = lookup_param(E, f, "steps_per_epoch", n->op_span, "epochs",
                             "add `param steps_per_epoch = N` (the number of steps in one epoch)");
    } else {
        scale = lookup_param(E, f, "total", n->op_span, "%",
                             "add `param total = N` (the training budget in steps)");
        div = 100;
    }
    if (scale.kind == V_ERR) return ERR;
    lrs_term *t = lrs_term_bin(E->c, IR_MUL, a.t, scale.t, n->span);
    if (div != 1) t = lrs_term_bin(E->c, IR_DIV, t, lrs_term_const(E->c, div, n->span), n->span);
    return num(t, n->span);
}

/* A fractional step count written as a literal is almost surely a mistake;
 * computed durations (10%, 0.3 * span) are rounded to whole steps. */
static int literal_fraction(const lrs_ast *d)
{
    while ((d->kind == AST_UNARY && d->op == OP_NEG) ||
           (d->kind == AST_UNIT && d->op == UNIT_STEPS))
        d = d->a;
    return d->kind == AST_NUM && d->literal_fraction && d->num != floor(d->num);
}

static NOINLINE value for_(elab *E, frame *f, lrs_ast *n)
{
    value a = eval(E, f, n->a), d = eval(E, f, n->b);
    if (a.kind == V_ERR || d.kind == V_ERR) return ERR;
    if (!expect(E, a, V_NUM, "the left side of `for`")) return ERR;
    if (d.kind == V_AUTO) return a;
    if (!expect(E, d, V_NUM, "a duration")) return ERR;
    double k;
    if (literal_fraction(n->b)) {
        const lrs_ast *lit = n->b;
        while (lit->kind != AST_NUM)
            lit = lit->a;
        size_t e = lrs_diag_error(&E->c->sink, d.span, "duration %g is not a whole number of steps",
                                  lit->num);
        lrs_diag_help(&E->c->sink, e, "durations count steps: write %g or %g", floor(lit->num),
                      ceil(lit->num));
        return ERR;
    }
    if (d.t->reactive) {
        size_t e = lrs_diag_error(&E->c->sink, d.span, "a duration cannot depend on a signal");
        lrs_diag_note(&E->c->sink, e, 0, d.span,
                      "segment boundaries are fixed before training; only values react");
        lrs_diag_help(&E->c->sink, e,
                      "make the value react instead: (drops >= 1 ? A : B), with a fixed `for`");
        return ERR;
    }
    if (lrs_term_is_const(d.t, &k) && (k < 0 || k != k)) {
        size_t e = lrs_diag_error(&E->c->sink, d.span, "duration is %s (%g)",
                                  k != k ? "not a number" : "negative", k);
        (void)e;
        return ERR;
    }
    lrs_term *t = lrs_term_node(E->c, T_FOR, n->op_span, a.t, d.t, NULL);
    t->span = n->span;
    return num(t, n->span);
}

static NOINLINE value list(elab *E, frame *f, lrs_ast *n)
{
    double *xs = lrs_arena_alloc(&E->c->arena, (n->n ? n->n : 1) * sizeof *xs);
    int ok = 1;
    for (size_t i = 0; i < n->n; i++) {
        value v = eval(E, f, n->items[i]);
        if (v.kind == V_ERR || !expect_const(E, v, "a list entry", &xs[i])) ok = 0;
    }
    if (!ok) return ERR;
    value v = ERR;
    v.kind = V_LIST;
    v.list = xs;
    v.n = n->n;
    v.span = n->span;
    return v;
}

static NOINLINE value cond(elab *E, frame *f, lrs_ast *n)
{
    value c = eval(E, f, n->a);
    if (!expect(E, c, V_BOOL, "the condition of `?:`")) return ERR;
    double k;
    int was = E->c->step_branch;
    /* A constant condition chooses at compile time, so the branches may
     * be of any kind (durations, functions, lists). */
    if (lrs_term_is_const(c.t, &k)) {
        E->c->step_branch = 0;
        value r = eval(E, f, k != 0 ? n->b : n->c);
        E->c->step_branch = was;
        return r;
    }
    E->c->step_branch = 1;
    value a = eval(E, f, n->b), b = eval(E, f, n->c);
    E->c->step_branch = was;
    if (a.kind == V_ERR || b.kind == V_ERR) return ERR;
    if (a.kind != b.kind || (a.kind != V_NUM && a.kind != V_BOOL)) {
        size_t e = lrs_diag_error(&E->c->sink, n->span,
                                  "branches of `?:` are %s and %s; with a condition that depends "
                                  "on the step both must be numbers or both booleans",
                                  kind_text(a.kind), kind_text(b.kind));
        lrs_diag_note(&E->c->sink, e, 1, c.span, "this condition is not a compile-time constant");
        return ERR;
    }
    lrs_term *t = lrs_term_node(E->c, T_SEL, n->span, c.t, a.t, b.t);
    t->is_bool = a.kind == V_BOOL;
    return num(t, n->span);
}

/* ---- calls --------------------------------------------------------------- */

typedef struct callee {
    const char *name;
    size_t nparams;
    const lrs_fparam *fparams; /* built-ins */
    const lrs_param *params;   /* defs */
    size_t nrequired;          /* built-ins */
} callee;

static const char *pname(const callee *k, size_t i)
{
    return k->params ? k->params[i].name : k->fparams[i].name;
}

/* An argument for a P_NAME parameter written as a name (n is AST_NAME or
 * AST_MEMBER): a name is not evaluated. A parameter of the enclosing def
 * stands for what was passed to it: a signal or an option word (or a
 * built-in function's name, such as min) is passed on as a name. Any other
 * argument of such a parameter is evaluated. */
static NOINLINE void name_arg(frame *f, lrs_ast *n, value *out)
{
    value v = ERR;
    v.kind = V_NAME;
    v.span = n->span;
    if (n->res.kind == RES_PARAM) {
        const value *p = &f->args[n->res.index];
        if (p->kind == V_SIGNAL || p->kind == V_NAME) {
            v.def = p->def;
            v.name = p->kind == V_NAME ? p->name : p->def->name;
        } else if (p->kind == V_WORD || (p->kind == V_FUNC && !p->def)) {
            v.name = lrs_builtins[p->builtin].name;
        } else {
            v = *p; /* reported as not a name */
        }
        *out = v;
        return;
    }
    v.def = n->res.kind == RES_DECL ? n->res.decl : NULL;
    v.name = n->kind == AST_MEMBER ? n->member : n->name;
    *out = v;
}

static int has_default(const callee *k, size_t i)
{
    return k->params ? k->params[i].def != NULL : i >= k->nrequired;
}

/* The index of the parameter a keyword argument names, or k->nparams
 * after an error (reported). */
static NOINLINE size_t keyword_index(elab *E, const callee *k, lrs_decl *def, const lrs_arg *a,
                                     const int *given)
{
    lrs_sink *sink = &E->c->sink;
    size_t idx;
    for (idx = 0; idx < k->nparams; idx++)
        if (!strcmp(pname(k, idx), a->name)) break;
    if (idx == k->nparams) {
        size_t e =
            lrs_diag_error(sink, a->name_span, "'%s' has no parameter '%s'", k->name, a->name);
        const char *names[8];
        for (size_t j = 0; j < k->nparams && j < 8; j++)
            names[j] = pname(k, j);
        const char *s = lrs_suggest(a->name, names, k->nparams < 8 ? k->nparams : 8);
        if (s)
            lrs_diag_help(sink, e, "did you mean '%s'?", s);
        else if (def)
            lrs_diag_note(sink, e, 1, def->name_span, "'%s' is defined here", k->name);
        return k->nparams;
    }
    if (given[idx]) {
        lrs_diag_error(sink, a->name_span, "parameter '%s' is given twice", a->name);
        return k->nparams;
    }
    return idx;
}

static NOINLINE void positional_after_keyword(elab *E, const lrs_arg *a)
{
    lrs_diag_error(&E->c->sink, a->value->span, "positional argument after a keyword argument");
}

static NOINLINE void too_many_args(elab *E, const callee *k, lrs_decl *def, const lrs_arg *a)
{
    lrs_sink *sink = &E->c->sink;
    size_t e = lrs_diag_error(sink, a->value->span, "too many arguments: '%s' takes %zu", k->name,
                              k->nparams);
    if (def) lrs_diag_note(sink, e, 1, def->name_span, "'%s' is defined here", k->name);
}

/* Reports each parameter without an argument or a default. */
static NOINLINE int check_missing(elab *E, lrs_ast *call, const callee *k, lrs_decl *def,
                                  const int *given)
{
    lrs_sink *sink = &E->c->sink;
    int ok = 1;
    for (size_t i = 0; i < k->nparams; i++)
        if (!given[i] && !has_default(k, i)) {
            size_t e = lrs_diag_error(sink, call->span, "missing argument '%s' in call to '%s'",
                                      pname(k, i), k->name);
            if (def) lrs_diag_note(sink, e, 1, def->name_span, "'%s' is defined here", k->name);
            ok = 0;
        }
    return ok;
}

/* Match a call's arguments to parameters; slots[i].kind == V_ERR marks a
 * parameter not given. Returns 0 on an error (reported). On the path of
 * the recursion: its errors are reported by the helpers above. */
static int bind_args(elab *E, frame *f, lrs_ast *call, const callee *k, lrs_decl *def, value *slots,
                     int *given)
{
    size_t pos = 0;
    int ok = 1, seen_kw = 0;
    for (size_t i = 0; i < call->n; i++) {
        lrs_arg *a = &call->args[i];
        size_t idx;
        if (!a->name) {
            if (seen_kw) {
                positional_after_keyword(E, a);
                ok = 0;
                continue;
            }
            if (pos >= k->nparams) {
                too_many_args(E, k, def, a);
                return 0;
            }
            idx = pos++;
        } else {
            seen_kw = 1;
            idx = keyword_index(E, k, def, a, given);
            if (idx == k->nparams) {
                ok = 0;
                continue;
            }
        }
        given[idx] = 1;
        value *v = &slots[idx];
        lrs_ast *x = a->value;
        if (k->fparams && k->fparams[idx].kind == P_NAME &&
            (x->kind == AST_NAME || x->kind == AST_MEMBER))
            name_arg(f, x, v);
        else
            *v = eval(E, f, x);
        if (v->kind == V_ERR) ok = 0;
        v->param = pname(k, idx);
        v->fn = k->name;
    }
    if (!ok) return 0;
    return check_missing(E, call, k, def, given);
}

static NOINLINE value call_def(elab *E, frame *f, lrs_ast *call, lrs_decl *def)
{
    if (f->depth >= LRS_MAX_CALL_DEPTH) {
        size_t e = lrs_diag_error(&E->c->sink, call->span, "calls nested too deeply (more than %d)",
                                  LRS_MAX_CALL_DEPTH);
        lrs_diag_note(&E->c->sink, e, 0, call->span,
                      "a function passed to itself recurses without end");
        return ERR;
    }
    callee k = {def->name, def->nparams, NULL, def->params, 0};
    value *slots = lrs_arena_alloc(&E->c->arena, (def->nparams + 1) * sizeof *slots);
    int *given = lrs_arena_alloc(&E->c->arena, (def->nparams + 1) * sizeof *given);
    if (!bind_args(E, f, call, &k, def, slots, given)) return ERR;
    frame inner = {def->module, def, slots, f->depth + 1};
    /* The user's code calls into the library: what the library reports
     * about this call is reported at the call (lrs_diag.h). */
    const lrs_origin *was = E->c->sink.origin;
    if (!f->m->is_stdlib && def->module->is_stdlib) {
        lrs_origin *o = lrs_arena_alloc(&E->c->arena, sizeof *o);
        *o = (lrs_origin){call->span, def->name};
        E->c->sink.origin = o;
    }
    value r = ERR;
    size_t i = 0;
    for (; i < def->nparams; i++)
        if (!given[i]) {
            slots[i] = eval(E, &inner, def->params[i].def);
            if (slots[i].kind == V_ERR) break;
        }
    if (i == def->nparams) r = eval(E, &inner, def->expr);
    E->c->sink.origin = was;
    if (r.kind != V_ERR) r.span = call->span;
    r.param = r.fn = NULL;
    return r;
}

/* The arguments of a built-in call being bound: the built-in calls in
 * progress nest, so a block is taken for each and given back when its
 * call is elaborated (E->free_slots), and the arena holds as many blocks
 * as built-in calls are nested at most. */
typedef struct slots {
    struct slots *next;
    callee k;
    value v[LRS_FORM_MAX_PARAMS];
    int given[LRS_FORM_MAX_PARAMS];
} slots;

static NOINLINE slots *take_slots(elab *E, int bi)
{
    slots *s = E->free_slots;
    if (s) {
        E->free_slots = s->next;
        memset(s->given, 0, sizeof s->given);
    } else {
        s = lrs_arena_alloc(&E->c->arena, sizeof *s);
    }
    s->next = NULL;
    const lrs_builtin *b = &lrs_builtins[bi];
    s->k = (callee){b->name, (size_t)b->nparams, b->params, NULL, (size_t)b->nrequired};
    return s;
}

/* A call of a built-in function or form whose arguments are bound (s):
 * check each against the kind of its parameter (lrs_forms.h), then a math
 * function is its IR op and a form is what its row's elaborate function
 * makes. */
static NOINLINE value apply_builtin(elab *E, lrs_ast *call, int bi, value *s, const int *given)
{
    const lrs_builtin *b = &lrs_builtins[bi];
    for (int i = 0; i < b->nparams; i++)
        if (!given[i]) s[i] = num(lrs_term_const(E->c, b->params[i].def, call->span), call->span);
    /* A name or string not given: the row's default (name NULL). */
    for (int i = 0; i < b->nparams; i++)
        if (!given[i] && (b->params[i].kind == P_NAME || b->params[i].kind == P_TEXT)) {
            s[i] = ERR;
            s[i].kind = b->params[i].kind == P_NAME ? V_NAME : V_TEXT;
            s[i].span = call->span;
        }
    lrs_span sp = call->span;
    lrs_farg args[LRS_FORM_MAX_PARAMS] = {{0}};
    int ok = 1;
    for (int i = 0; i < b->nparams; i++) {
        const lrs_fparam *p = &b->params[i];
        const char *what = p->what ? lrs_arena_printf(&E->c->arena, "%s of %s", p->what, b->name)
                                   : lrs_arena_printf(&E->c->arena, "an argument of '%s'", b->name);
        lrs_farg *a = &args[i];
        a->span = s[i].span;
        switch (p->kind) {
        case P_NUM:
            if (!expect(E, s[i], V_NUM, what)) return ERR;
            a->t = s[i].t;
            break;
        case P_CONST:
            if (!expect_const(E, s[i], what, &a->k)) ok = 0;
            a->t = s[i].t;
            break;
        case P_LIST:
            if (!expect(E, s[i], V_LIST, what)) return ERR;
            a->list = s[i].list;
            a->n = s[i].n;
            break;
        case P_NAME:
            if (s[i].kind != V_NAME) {
                if (s[i].kind != V_ERR) {
                    size_t e = lrs_diag_error(&E->c->sink, s[i].span, "%s must be a name, not %s",
                                              what, kind_text(s[i].kind));
                    lrs_diag_help(&E->c->sink, e, "write the declared name alone");
                }
                return ERR;
            }
            a->name = s[i].name;
            a->decl = s[i].def;
            break;
        case P_TEXT:
            if (!expect(E, s[i], V_TEXT, what)) return ERR;
            a->text = s[i].name;
            break;
        }
    }
    if (!ok) return ERR;
    if (b->kind == BK_MATH) {
        if (b->nparams == 1) return num(lrs_term_un(E->c, (lrs_irop)b->id, args[0].t, sp), sp);
        double k2;
        if (b->id == IR_MOD && lrs_term_is_const(args[1].t, &k2) && k2 == 0) {
            lrs_diag_error(&E->c->sink, args[1].span, "modulo by zero");
            return ERR;
        }
        return num(lrs_term_bin(E->c, (lrs_irop)b->id, args[0].t, args[1].t, sp), sp);
    }
    lrs_term *t = b->elab(E->c, b, args, sp);
    return t ? num(t, sp) : ERR;
}

/* Elaborates the built-in call whose arguments bind_args bound (ok) into
 * s, and gives s back. */
static NOINLINE value finish_builtin(elab *E, lrs_ast *call, int bi, slots *s, int ok)
{
    value r = ok ? apply_builtin(E, call, bi, s->v, s->given) : ERR;
    s->next = E->free_slots;
    E->free_slots = s;
    return r;
}

/* What a call calls: a def, or a built-in (def NULL, bi its row), or
 * neither after an error (bi < 0). */
typedef struct target {
    lrs_decl *def;
    int bi;
} target;

static NOINLINE target callee_of(elab *E, frame *f, lrs_ast *n)
{
    target r = {NULL, -1};
    value fn = eval(E, f, n->a);
    if (fn.kind == V_ERR) return r;
    if (fn.kind != V_FUNC) {
        lrs_diag_error(&E->c->sink, n->a->span, "%s is not a function", kind_text(fn.kind));
        return r;
    }
    r.def = fn.def;
    if (!fn.def) r.bi = fn.builtin;
    return r;
}

/* On the path of the recursion through nested calls (with bind_args and
 * eval): a built-in call binds its arguments here. */
static value call(elab *E, frame *f, lrs_ast *n)
{
    target t = callee_of(E, f, n);
    if (t.def) return call_def(E, f, n, t.def);
    if (t.bi < 0) return ERR;
    slots *s = take_slots(E, t.bi);
    int ok = bind_args(E, f, n, &s->k, NULL, s->v, s->given);
    return finish_builtin(E, n, t.bi, s, ok);
}

/* ---- names ----------------------------------------------------------------- */

static value builtin_value(elab *E, int bi, lrs_span sp)
{
    const lrs_builtin *b = &lrs_builtins[bi];
    value v = ERR;
    v.span = sp;
    switch (b->kind) {
    case BK_CONST: {
        lrs_term *t = lrs_term_const(E->c, b->value, sp);
        t->is_bool = b->id;
        return num(t, sp);
    }
    case BK_AUTO:
        v.kind = V_AUTO;
        return v;
    case BK_CTX: {
        lrs_term *t = lrs_term_new(E->c, T_CTX, sp);
        t->op = b->id;
        return num(t, sp);
    }
    case BK_WORD:
        v.kind = V_WORD;
        v.builtin = bi;
        return v;
    default:
        v.kind = V_FUNC;
        v.builtin = bi;
        return v;
    }
}

static value decl_value(elab *E, lrs_decl *d, lrs_span use)
{
    value v;
    if (d->state == WALK_DONE) {
        v = *(value *)d->sema;
    } else if (d->state == WALK_IN_PROGRESS) {
        /* Name resolution rejects recursion through names; what is left is
         * a unit that needs the param being defined (`param total = 50%`). */
        size_t e = lrs_diag_error(&E->c->sink, use, "'%s' is defined in terms of itself", d->name);
        lrs_diag_note(&E->c->sink, e, 1, d->name_span,
                      "a `%%` or `epochs` in the value of '%s' needs '%s' itself", d->name,
                      d->name);
        lrs_diag_help(&E->c->sink, e, "give '%s' in steps", d->name);
        return ERR;
    } else if (d->kind == DECL_DEF || d->kind == DECL_SIGNAL) {
        v = ERR;
        v.kind = d->kind == DECL_DEF ? V_FUNC : V_SIGNAL;
        v.def = d;
    } else if (d->module->is_stdlib) {
        /* The library may be shared between compilations: no memo in it. */
        frame top = {d->module, NULL, NULL, 0};
        v = eval(E, &top, d->expr);
    } else {
        d->state = WALK_IN_PROGRESS;
        frame top = {d->module, NULL, NULL, 0};
        v = eval(E, &top, d->expr);
        if (d->kind == DECL_PARAM && (v.kind == V_NUM || v.kind == V_BOOL) &&
            !lrs_term_is_const(v.t, NULL)) {
            size_t e = lrs_diag_error(&E->c->sink, d->expr->span,
                                      "param '%s' must be a compile-time constant", d->name);
            lrs_diag_note(&E->c->sink, e, 0, d->span,
                          "it depends on the step; use `let` or `schedule` for values that change");
            v = ERR;
        }
        value *memo = lrs_arena_alloc(&E->c->arena, sizeof *memo);
        *memo = v;
        d->sema = memo;
        d->state = WALK_DONE;
    }
    if (v.kind != V_ERR) v.span = use;
    v.param = v.fn = NULL;
    return v;
}

static NOINLINE value name_value(elab *E, frame *f, lrs_ast *n)
{
    switch (n->res.kind) {
    case RES_PARAM:
        return f->args[n->res.index];
    case RES_DECL:
        return decl_value(E, n->res.decl, n->span);
    case RES_BUILTIN:
        return builtin_value(E, n->res.index, n->span);
    case RES_MODULE: {
        size_t e = lrs_diag_error(&E->c->sink, n->span, "'%s' is a module, not a value", n->name);
        lrs_diag_help(&E->c->sink, e, "name something in it: %s.NAME", n->name);
        return ERR;
    }
    default:
        return ERR;
    }
}

static NOINLINE value text(lrs_ast *n)
{
    value v = ERR;
    v.kind = V_TEXT;
    v.name = n->name;
    v.span = n->span;
    return v;
}

static NOINLINE value unary(elab *E, frame *f, lrs_ast *n)
{
    value a = eval(E, f, n->a);
    vkind want = n->op == OP_NOT ? V_BOOL : V_NUM;
    if (!expect(E, a, want, n->op == OP_NOT ? "the operand of '!'" : "the operand of '-'"))
        return ERR;
    return num(lrs_term_un(E->c, n->op == OP_NOT ? IR_NOT : IR_NEG, a.t, n->span), n->span);
}

static NOINLINE value then(elab *E, frame *f, lrs_ast *n)
{
    value a = eval(E, f, n->a), b = eval(E, f, n->b);
    if (a.kind == V_ERR || b.kind == V_ERR) return ERR;
    int ok = expect(E, a, V_NUM, "a segment of `then`");
    if (!expect(E, b, V_NUM, "a segment of `then`") || !ok) return ERR;
    lrs_term *t = lrs_term_node(E->c, T_THEN, n->op_span, a.t, b.t, NULL);
    lrs_span *w = lrs_arena_alloc(&E->c->arena, 2 * sizeof *w);
    w[0] = n->a->span;
    w[1] = n->b->span;
    t->where = w;
    return num(t, n->span);
}

/* The recursion: each kind of node is elaborated by a function of its own,
 * so this frame holds no values. */
static value eval(elab *E, frame *f, lrs_ast *n)
{
    if (E->c->too_big) return ERR;
    switch (n->kind) {
    case AST_NUM:
        return num(lrs_term_const(E->c, n->num, n->span), n->span);
    case AST_NAME:
    case AST_MEMBER:
        return name_value(E, f, n);
    case AST_CALL:
        return call(E, f, n);
    case AST_STRING:
        return text(n);
    case AST_LIST:
        return list(E, f, n);
    case AST_UNARY:
        return unary(E, f, n);
    case AST_BINARY:
        return binary(E, f, n);
    case AST_COND:
        return cond(E, f, n);
    case AST_UNIT:
        return unit(E, f, n);
    case AST_FOR:
        return for_(E, f, n);
    case AST_THEN:
        return then(E, f, n);
    }
    return ERR;
}

int lrs_elab_param_value(const lrs_decl *d, double *out)
{
    if (!d || d->kind != DECL_PARAM || d->state != WALK_DONE) return 0;
    const value *v = d->sema;
    if (v->kind != V_NUM) return 0;
    return lrs_term_is_const(v->t, out);
}

/* ---- the pass -------------------------------------------------------------- */

int lrs_elab_program(lrs_comp *c)
{
    int before = c->sink.errors;
    /* Resolution loads no main file when the embedded standard library
     * does not parse (a broken build; it reported why). */
    if (!c->main) {
        lrs_diag_error_noloc(&c->sink, "lrs",
                             "the standard library did not load: nothing to compile");
        return c->sink.errors - before;
    }
    elab E = {c, NULL};
    /* Params and lets of the user's files are checked even when unused;
     * defs are checked where they are called. */
    for (size_t i = 0; i < c->modules.n; i++) {
        lrs_module *m = c->modules.items[i];
        if (m->is_stdlib) continue;
        for (size_t j = 0; j < m->decls.n; j++) {
            lrs_decl *d = m->decls.items[j];
            if (d->kind == DECL_PARAM || d->kind == DECL_LET) decl_value(&E, d, d->name_span);
        }
    }
    lrs_module *m = c->main;
    /* The main file's signals come first in the host's list, in order,
     * used or not; those of imported files follow as they are used. */
    for (size_t j = 0; j < m->decls.n; j++)
        if (((lrs_decl *)m->decls.items[j])->kind == DECL_SIGNAL)
            lrs_signal_index(c, m->decls.items[j]);
    for (size_t j = 0; j < m->decls.n; j++) {
        lrs_decl *d = m->decls.items[j];
        if (d->kind == DECL_PARAM) {
            value v = decl_value(&E, d, d->name_span);
            if (d == main_total(c) && v.kind != V_NUM && v.kind != V_ERR) {
                size_t e =
                    lrs_diag_error(&c->sink, d->expr->span,
                                   "`total` must be a number of steps, not %s", kind_text(v.kind));
                lrs_diag_note(&c->sink, e, 0, d->expr->span,
                              "it is the training budget of every schedule and of `%%`");
                lrs_diag_help(&c->sink, e,
                              "give it a number of steps (param total = N), or remove it "
                              "for no budget");
                c->bad_total = 1;
            }
            if (v.kind == V_NUM) {
                lrs_param_out *p = lrs_arena_alloc(&c->arena, sizeof *p);
                p->name = d->name;
                p->decl = d;
                p->value = v.t->k;
                lrs_vec_push(&c->arena, &c->params, p);
            }
        }
        if (d->kind != DECL_SCHEDULE) continue;
        if (c->scheds.n >= LRS_MAX_SCHEDULES) {
            lrs_diag_error(&c->sink, d->name_span, "too many schedules (the limit is %d)",
                           LRS_MAX_SCHEDULES);
            break;
        }
        value v = decl_value(&E, d, d->expr->span);
        if (v.kind == V_ERR) continue;
        if (v.kind != V_NUM) {
            lrs_diag_error(&c->sink, d->expr->span, "a schedule must be a number, not %s",
                           kind_text(v.kind));
            continue;
        }
        lrs_sched_out *s = lrs_arena_alloc(&c->arena, sizeof *s);
        s->name = d->name;
        s->decl = d;
        s->term = v.t;
        lrs_vec_push(&c->arena, &c->scheds, s);
    }
    return c->sink.errors - before;
}
