/* lrs_ast.h — the syntax tree of a .lrs file.
 * Nodes live in the compilation's arena and carry byte spans. Name
 * resolution fills in each name's binding (lrs_res) in place. */
#ifndef LRS_AST_H
#define LRS_AST_H

#include "lrs_arena.h"
#include "lrs_diag.h"

typedef enum lrs_ast_kind {
    AST_NUM,    /* num */
    AST_NAME,   /* name, res */
    AST_MEMBER, /* mod.name: name (module), member, res */
    AST_CALL,   /* a = callee, args */
    AST_LIST,   /* items */
    AST_UNARY,  /* op, a */
    AST_BINARY, /* op, a, b */
    AST_COND,   /* a ? b : c */
    AST_UNIT,   /* a with unit op (UNIT_*) */
    AST_FOR,    /* a for b */
    AST_THEN,   /* a then b; span of `then` in op_span */
    AST_STRING, /* a string literal: name (the text, escapes undone) */
} lrs_ast_kind;

typedef enum lrs_op {
    OP_NONE,
    /* unary */
    OP_NEG,
    OP_NOT,
    /* binary */
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_POW,
    OP_EQ,
    OP_NE,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_AND,
    OP_OR,
    /* units */
    UNIT_STEPS,
    UNIT_EPOCHS,
    UNIT_PERCENT,
} lrs_op;

const char *lrs_op_text(lrs_op op);

struct lrs_decl;
struct lrs_module;

/* What a name refers to, filled in by name resolution. */
typedef enum lrs_resolve_kind {
    RES_NONE,
    RES_DECL,    /* a top-level declaration: decl */
    RES_PARAM,   /* parameter `index` of the enclosing def */
    RES_BUILTIN, /* built-in form or constant: index into lrs_builtins */
    RES_MODULE,  /* an `import ... as` alias: module */
} lrs_resolve_kind;

typedef struct lrs_res {
    lrs_resolve_kind kind;
    int index;
    struct lrs_decl *decl;
    struct lrs_module *module;
} lrs_res;

typedef struct lrs_ast lrs_ast;

typedef struct lrs_arg {
    const char *name; /* keyword argument name, or NULL */
    lrs_span name_span;
    lrs_ast *value;
} lrs_arg;

struct lrs_ast {
    lrs_ast_kind kind;
    lrs_op op;
    lrs_span span;
    lrs_span op_span; /* the operator token (then, for, ...) */
    double num;
    const char *name;   /* AST_NAME; module alias of AST_MEMBER */
    const char *member; /* AST_MEMBER */
    lrs_res res;
    lrs_ast *a, *b, *c;
    lrs_arg *args;        /* AST_CALL */
    lrs_ast **items;      /* AST_LIST */
    size_t n;             /* number of args or items */
    int literal_fraction; /* AST_NUM written with a fractional part */
    uint32_t depth;       /* height of the subtree, bounded by the parser */
};

typedef enum lrs_decl_kind {
    DECL_IMPORT,
    DECL_PARAM,
    DECL_LET,
    DECL_DEF,
    DECL_SCHEDULE,
    DECL_SIGNAL, /* a metric the host reports; no expr */
} lrs_decl_kind;

typedef struct lrs_param {
    const char *name;
    lrs_span span;
    lrs_ast *def; /* default value, or NULL */
} lrs_param;

/* How far a depth-first pass is with a declaration: meeting one that is
 * in progress again means the declaration depends on itself. */
typedef enum lrs_walk { WALK_NOT_YET, WALK_IN_PROGRESS, WALK_DONE } lrs_walk;

typedef struct lrs_decl {
    lrs_decl_kind kind;
    const char *name; /* declared name; import alias or NULL */
    lrs_span name_span;
    lrs_span span;
    lrs_ast *expr;
    lrs_param *params; /* DECL_DEF */
    size_t nparams;
    const char *path;            /* DECL_IMPORT */
    struct lrs_module *module;   /* the declaring module */
    struct lrs_module *imported; /* DECL_IMPORT, after loading */
    lrs_walk visit;              /* name resolution's search for cycles */
    lrs_vec refs;                /* declarations this one names (for recursion) */
    void *sema;                  /* elaboration's memo of the value */
    lrs_walk state;              /* elaboration of its value */
} lrs_decl;

/* ---- constructors, used by the parser --------------------------------- */

typedef struct lrs_astb {
    lrs_arena *arena;
    uint32_t file;
} lrs_astb;

lrs_ast *lrs_ast_num(lrs_astb *b, lrs_span sp, double v, int fraction);
lrs_ast *lrs_ast_string(lrs_astb *b, lrs_span sp, const char *text);
lrs_ast *lrs_ast_name(lrs_astb *b, lrs_span sp, const char *name);
lrs_ast *lrs_ast_member(lrs_astb *b, lrs_span sp, const char *mod, const char *member);
lrs_ast *lrs_ast_unary(lrs_astb *b, lrs_span sp, lrs_op op, lrs_ast *a);
lrs_ast *lrs_ast_binary(lrs_astb *b, lrs_span op_span, lrs_op op, lrs_ast *l, lrs_ast *r);
lrs_ast *lrs_ast_cond(lrs_astb *b, lrs_ast *c, lrs_ast *t, lrs_ast *e);
lrs_ast *lrs_ast_unit(lrs_astb *b, lrs_span unit_span, lrs_op unit, lrs_ast *a);
lrs_ast *lrs_ast_for(lrs_astb *b, lrs_span op_span, lrs_ast *a, lrs_ast *d);
lrs_ast *lrs_ast_then(lrs_astb *b, lrs_span op_span, lrs_ast *a, lrs_ast *c);
lrs_ast *lrs_ast_call(lrs_astb *b, lrs_span sp, lrs_ast *callee, lrs_vec *args);
lrs_ast *lrs_ast_list(lrs_astb *b, lrs_span sp, lrs_vec *items);
lrs_arg *lrs_ast_arg(lrs_astb *b, const char *name, lrs_span name_span, lrs_ast *value);
lrs_decl *lrs_ast_decl(lrs_astb *b, lrs_decl_kind kind, lrs_span sp, const char *name,
                       lrs_span name_span, lrs_ast *expr);

#endif
