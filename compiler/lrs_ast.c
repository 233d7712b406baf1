/* lrs_ast.c — small constructors that keep the parser's actions flat. */
#include "lrs_ast.h"

#include <string.h>

const char *lrs_op_text(lrs_op op)
{
    switch (op) {
    case OP_NEG:
        return "-";
    case OP_NOT:
        return "!";
    case OP_ADD:
        return "+";
    case OP_SUB:
        return "-";
    case OP_MUL:
        return "*";
    case OP_DIV:
        return "/";
    case OP_POW:
        return "^";
    case OP_EQ:
        return "==";
    case OP_NE:
        return "!=";
    case OP_LT:
        return "<";
    case OP_LE:
        return "<=";
    case OP_GT:
        return ">";
    case OP_GE:
        return ">=";
    case OP_AND:
        return "&&";
    case OP_OR:
        return "||";
    case UNIT_STEPS:
        return "steps";
    case UNIT_EPOCHS:
        return "epochs";
    case UNIT_PERCENT:
        return "%";
    default:
        return "?";
    }
}

static lrs_span span_join(lrs_span a, lrs_span b)
{
    lrs_span s = a;
    if (b.start < s.start) s.start = b.start;
    if (b.end > s.end) s.end = b.end;
    return s;
}

static lrs_ast *node(lrs_astb *b, lrs_ast_kind kind, lrs_span sp)
{
    lrs_ast *n = lrs_arena_alloc(b->arena, sizeof *n);
    n->kind = kind;
    n->span = sp;
    n->op_span = sp;
    n->depth = 1;
    return n;
}

static uint32_t deeper(const lrs_ast *a, const lrs_ast *b)
{
    uint32_t d = a ? a->depth : 0;
    if (b && b->depth > d) d = b->depth;
    return d + 1;
}

lrs_ast *lrs_ast_string(lrs_astb *b, lrs_span sp, const char *text)
{
    lrs_ast *n = node(b, AST_STRING, sp);
    n->name = text;
    return n;
}

lrs_ast *lrs_ast_num(lrs_astb *b, lrs_span sp, double v, int fraction)
{
    lrs_ast *n = node(b, AST_NUM, sp);
    n->num = v;
    n->literal_fraction = fraction;
    return n;
}

lrs_ast *lrs_ast_name(lrs_astb *b, lrs_span sp, const char *name)
{
    lrs_ast *n = node(b, AST_NAME, sp);
    n->name = name;
    return n;
}

lrs_ast *lrs_ast_member(lrs_astb *b, lrs_span sp, const char *mod, const char *member)
{
    lrs_ast *n = node(b, AST_MEMBER, sp);
    n->name = mod;
    n->member = member;
    return n;
}

lrs_ast *lrs_ast_unary(lrs_astb *b, lrs_span sp, lrs_op op, lrs_ast *a)
{
    lrs_ast *n = node(b, AST_UNARY, span_join(sp, a->span));
    n->op = op;
    n->op_span = sp;
    n->a = a;
    n->depth = deeper(a, NULL);
    return n;
}

lrs_ast *lrs_ast_binary(lrs_astb *b, lrs_span op_span, lrs_op op, lrs_ast *l, lrs_ast *r)
{
    lrs_ast *n = node(b, AST_BINARY, span_join(l->span, r->span));
    n->op = op;
    n->op_span = op_span;
    n->a = l;
    n->b = r;
    n->depth = deeper(l, r);
    return n;
}

lrs_ast *lrs_ast_cond(lrs_astb *b, lrs_ast *c, lrs_ast *t, lrs_ast *e)
{
    lrs_ast *n = node(b, AST_COND, span_join(c->span, e->span));
    n->a = c;
    n->b = t;
    n->c = e;
    uint32_t d = deeper(t, e);
    n->depth = c->depth + 1 > d ? c->depth + 1 : d;
    return n;
}

lrs_ast *lrs_ast_unit(lrs_astb *b, lrs_span unit_span, lrs_op unit, lrs_ast *a)
{
    lrs_ast *n = node(b, AST_UNIT, span_join(a->span, unit_span));
    n->op = unit;
    n->op_span = unit_span;
    n->a = a;
    n->depth = deeper(a, NULL);
    return n;
}

lrs_ast *lrs_ast_for(lrs_astb *b, lrs_span op_span, lrs_ast *a, lrs_ast *d)
{
    lrs_ast *n = node(b, AST_FOR, span_join(a->span, d->span));
    n->op_span = op_span;
    n->a = a;
    n->b = d;
    n->depth = deeper(a, d);
    return n;
}

lrs_ast *lrs_ast_then(lrs_astb *b, lrs_span op_span, lrs_ast *a, lrs_ast *c)
{
    lrs_ast *n = node(b, AST_THEN, span_join(a->span, c->span));
    n->op_span = op_span;
    n->a = a;
    n->b = c;
    n->depth = deeper(a, c);
    return n;
}

lrs_ast *lrs_ast_call(lrs_astb *b, lrs_span sp, lrs_ast *callee, lrs_vec *args)
{
    lrs_ast *n = node(b, AST_CALL, span_join(callee->span, sp));
    n->a = callee;
    n->op_span = callee->span;
    n->n = args ? args->n : 0;
    n->args = lrs_arena_alloc(b->arena, (n->n ? n->n : 1) * sizeof *n->args);
    uint32_t d = callee->depth;
    for (size_t i = 0; i < n->n; i++) {
        n->args[i] = *(lrs_arg *)args->items[i];
        if (n->args[i].value->depth > d) d = n->args[i].value->depth;
    }
    n->depth = d + 1;
    return n;
}

lrs_ast *lrs_ast_list(lrs_astb *b, lrs_span sp, lrs_vec *items)
{
    lrs_ast *n = node(b, AST_LIST, sp);
    n->n = items ? items->n : 0;
    n->items = lrs_arena_alloc(b->arena, (n->n ? n->n : 1) * sizeof *n->items);
    uint32_t d = 0;
    for (size_t i = 0; i < n->n; i++) {
        n->items[i] = items->items[i];
        if (n->items[i]->depth > d) d = n->items[i]->depth;
    }
    n->depth = d + 1;
    return n;
}

lrs_arg *lrs_ast_arg(lrs_astb *b, const char *name, lrs_span name_span, lrs_ast *value)
{
    lrs_arg *a = lrs_arena_alloc(b->arena, sizeof *a);
    a->name = name;
    a->name_span = name_span;
    a->value = value;
    return a;
}

lrs_decl *lrs_ast_decl(lrs_astb *b, lrs_decl_kind kind, lrs_span sp, const char *name,
                       lrs_span name_span, lrs_ast *expr)
{
    lrs_decl *d = lrs_arena_alloc(b->arena, sizeof *d);
    d->kind = kind;
    d->span = sp;
    d->name = name;
    d->name_span = name_span;
    d->expr = expr;
    return d;
}
