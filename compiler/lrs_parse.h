/* lrs_parse.h — the flex scanner and bison parser (grammar/).
 * Both are reentrant; all their state is in lrs_pstate. */
#ifndef LRS_PARSE_H
#define LRS_PARSE_H

#include "lrs_ast.h"

enum {
    LRS_MAX_DEPTH = 256,      /* nesting of expressions: brackets, operators, calls, lists */
    LRS_MAX_SOURCE = 1 << 20, /* bytes per source file */
    LRS_MAX_TOKENS = 200000,  /* tokens per source file */
    LRS_MAX_LIST = 10000,     /* entries of a list literal */
};

/* The one error for any nesting past LRS_MAX_DEPTH levels (each bracket,
 * operator, call and list is a level), from the scanner or the parser,
 * and its help. */
#define LRS_DEPTH_MSG "expression nested too deeply (the limit is %d levels)"
#define LRS_DEPTH_HELP                                                                             \
    "name an inner part with `let` and use the name (each `let` starts its own count)"

/* A number token: its value and whether it was written with a fraction. */
typedef struct lrs_numtok {
    double value;
    int fraction;
} lrs_numtok;

/* A location: a byte range in the file being parsed. */
typedef struct lrs_loc {
    uint32_t start, end;
} lrs_loc;

/* A param override as written: NAME=EXPR, or MODULE.NAME=EXPR for a
 * param of the file imported `as MODULE` (module NULL when not given). */
typedef struct lrs_define {
    const char *module, *name;
    lrs_span module_span, name_span;
} lrs_define;

typedef struct lrs_pstate {
    lrs_astb b;
    lrs_sink *sink;
    lrs_vec *decls;    /* file mode: the declarations, in order */
    lrs_ast *expr;     /* define mode: the result */
    lrs_define define; /* define mode: what it sets */
    int start_token;   /* first token handed to the parser (file or expr mode) */
    uint32_t offset;   /* scanner position in bytes */
    uint32_t end;      /* where the scan stops (0: the end of the file) */
    uint32_t ntokens;
    int lex_error_run; /* suppress repeated bad-byte errors */
    int nesting;       /* open brackets */
    int stop;          /* a limit was hit: end the parse */
    void *scanner;
} lrs_pstate;

/* Parse source `file` into declarations appended to `decls`. Errors go to
 * the sink; returns the number of syntax errors. */
int lrs_parse_file(lrs_arena *arena, lrs_sink *sink, uint32_t file, lrs_vec *decls);
/* The same for the bytes [from, to) of `file` only (spans stay offsets
 * into the whole file); from == to parses nothing. */
int lrs_parse_range(lrs_arena *arena, lrs_sink *sink, uint32_t file, uint32_t from, uint32_t to,
                    lrs_vec *decls);
/* Parse source `file` as a param override NAME=EXPR or MODULE.NAME=EXPR
 * (-D on the command line); returns the expression and fills *out, or
 * NULL on an error. */
lrs_ast *lrs_parse_define(lrs_arena *arena, lrs_sink *sink, uint32_t file, lrs_define *out);

#endif
