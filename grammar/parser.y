/* parser.y — the .lrs grammar (docs/language.md, sections 3-5).
 * A pure parser with byte-span locations and custom messages that say what
 * was expected. Recovery is per declaration: after an error the parser
 * skips to the next declaration keyword, so one run reports many errors.
 * (Declarations begin with keywords that never occur inside expressions,
 * which makes them reliable synchronisation points; recovering inside
 * brackets as well would swallow the declarations after an unclosed one.) */

%define api.pure full
%define api.prefix {lrs_yy}
%define api.location.type {lrs_loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%parse-param {lrs_pstate *ps}
%lex-param {lrs_pstate *ps}

%code requires {
#include "lrs_parse.h"
}

%code provides {
#define YY_DECL int lrs_scan(LRS_YYSTYPE *yylval_param, LRS_YYLTYPE *yylloc_param, void *yyscanner)
int lrs_scan(LRS_YYSTYPE *yylval_param, LRS_YYLTYPE *yylloc_param, void *yyscanner);
}

%code {
#include <math.h>
#include <stdio.h>
#include <string.h>

#define YYLLOC_DEFAULT(Cur, Rhs, N)                              \
    do {                                                         \
        if (N) {                                                 \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                \
            (Cur).end = YYRHSLOC(Rhs, N).end;                    \
        } else {                                                 \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;      \
        }                                                        \
    } while (0)

static int lrs_yylex(LRS_YYSTYPE *v, LRS_YYLTYPE *l, lrs_pstate *ps)
{
    if (ps->stop) return 0;
    return lrs_scan(v, l, ps->scanner);
}

static void lrs_yyerror(LRS_YYLTYPE *l, lrs_pstate *ps, const char *msg);

static lrs_span S(lrs_pstate *ps, lrs_loc l)
{
    lrs_span s = {ps->b.file, l.start, l.end};
    return s;
}

/* Bound the tree's height so the recursive passes cannot exhaust the
 * stack, whatever the input. A leaf has depth 1 and each bracket,
 * operator, call or list adds a level. */
#define DEPTH(node, loc)                                                        \
    do {                                                                        \
        if ((node)->depth - 1 > LRS_MAX_DEPTH) {                                \
            size_t e_ = lrs_diag_error(ps->sink, S(ps, loc), LRS_DEPTH_MSG,     \
                                       LRS_MAX_DEPTH);                          \
            lrs_diag_help(ps->sink, e_, LRS_DEPTH_HELP);                        \
            ps->stop = 1;                                                       \
            YYABORT;                                                            \
        }                                                                       \
    } while (0)

#define B (&ps->b)
}

%union {
    lrs_numtok num;
    const char *str;
    lrs_ast *ast;
    lrs_vec *vec;
    lrs_arg *arg;
    lrs_decl *decl;
    lrs_param *param;
}

%token END_OF_FILE 0 "end of file"
%token START_FILE START_DEFINE
%token <num> NUMBER "number"
%token <str> NAME "name"
%token <str> STRING "string"
%token IMPORT "import" AS "as" PARAM "param" LET "let" DEF "def" SCHEDULE "schedule"
%token SIGNAL "signal"
%token THEN "then" FOR "for" STEPS "steps" EPOCHS "epochs"
%token ARROW "->" EQ "==" NE "!=" LE "<=" GE ">=" AND "&&" OR "||"

%type <ast> expr forexpr cond orexpr andexpr cmp sum prod unary power postfix primary
%type <vec> args arglist items itemlist params paramlist
%type <decl> decl
%type <param> param

%%

start
    : START_FILE program
    | START_DEFINE NAME '=' expr { ps->define.name = $2; ps->define.name_span = S(ps, @2); ps->expr = $4; }
    | START_DEFINE NAME '.' NAME '=' expr {
          ps->define.module = $2; ps->define.module_span = S(ps, @2);
          ps->define.name = $4; ps->define.name_span = S(ps, @4); ps->expr = $6;
      }
    ;

/* program: { decl } */
program
    : %empty
    | program decl         { if ($2) lrs_vec_push(ps->b.arena, ps->decls, $2); }
    | program error
    ;

/* decl: import STRING [as NAME] | param NAME = expr | let NAME = expr
 *     | def NAME ( params ) = expr | schedule NAME = expr | signal NAME */
decl
    : IMPORT STRING        { $$ = lrs_ast_decl(B, DECL_IMPORT, S(ps, @$), NULL, S(ps, @2), NULL);
                             $$->path = $2; }
    | IMPORT STRING AS NAME { $$ = lrs_ast_decl(B, DECL_IMPORT, S(ps, @$), $4, S(ps, @4), NULL);
                             $$->path = $2; }
    | PARAM NAME '=' expr  { $$ = lrs_ast_decl(B, DECL_PARAM, S(ps, @$), $2, S(ps, @2), $4); }
    | LET NAME '=' expr    { $$ = lrs_ast_decl(B, DECL_LET, S(ps, @$), $2, S(ps, @2), $4); }
    | SCHEDULE NAME '=' expr { $$ = lrs_ast_decl(B, DECL_SCHEDULE, S(ps, @$), $2, S(ps, @2), $4); }
    | SIGNAL NAME          { $$ = lrs_ast_decl(B, DECL_SIGNAL, S(ps, @$), $2, S(ps, @2), NULL); }
    | DEF NAME '(' params ')' '=' expr {
                             $$ = lrs_ast_decl(B, DECL_DEF, S(ps, @$), $2, S(ps, @2), $7);
                             $$->nparams = $4->n;
                             $$->params = lrs_arena_alloc(ps->b.arena, ($4->n + 1) * sizeof(lrs_param));
                             for (size_t i = 0; i < $4->n; i++)
                                 $$->params[i] = *(lrs_param *)$4->items[i]; }
    ;

params
    : %empty               { $$ = lrs_arena_alloc(ps->b.arena, sizeof(lrs_vec)); }
    | paramlist
    | paramlist ','
    ;

paramlist
    : param                { $$ = lrs_arena_alloc(ps->b.arena, sizeof(lrs_vec));
                             lrs_vec_push(ps->b.arena, $$, $1); }
    | paramlist ',' param  { $$ = $1; lrs_vec_push(ps->b.arena, $$, $3); }
    ;

/* param: NAME [= expr] */
param
    : NAME                 { $$ = lrs_arena_alloc(ps->b.arena, sizeof(lrs_param));
                             $$->name = $1; $$->span = S(ps, @1); }
    | NAME '=' expr        { $$ = lrs_arena_alloc(ps->b.arena, sizeof(lrs_param));
                             $$->name = $1; $$->span = S(ps, @1); $$->def = $3; }
    ;

/* expr: expr then forexpr — sequencing, left-associative */
expr
    : expr THEN forexpr    { $$ = lrs_ast_then(B, S(ps, @2), $1, $3); DEPTH($$, @$); }
    | forexpr
    ;

/* forexpr: cond for cond — gives a duration */
forexpr
    : cond FOR cond        { $$ = lrs_ast_for(B, S(ps, @2), $1, $3); DEPTH($$, @$); }
    | cond
    ;

/* cond: orexpr ? cond : cond */
cond
    : orexpr '?' cond ':' cond { $$ = lrs_ast_cond(B, $1, $3, $5); DEPTH($$, @$); }
    | orexpr
    ;

orexpr
    : orexpr OR andexpr    { $$ = lrs_ast_binary(B, S(ps, @2), OP_OR, $1, $3); DEPTH($$, @$); }
    | andexpr
    ;

andexpr
    : andexpr AND cmp      { $$ = lrs_ast_binary(B, S(ps, @2), OP_AND, $1, $3); DEPTH($$, @$); }
    | cmp
    ;

/* cmp: sum (== != < <= > >=) sum — not associative */
cmp
    : sum EQ sum           { $$ = lrs_ast_binary(B, S(ps, @2), OP_EQ, $1, $3); DEPTH($$, @$); }
    | sum NE sum           { $$ = lrs_ast_binary(B, S(ps, @2), OP_NE, $1, $3); DEPTH($$, @$); }
    | sum '<' sum          { $$ = lrs_ast_binary(B, S(ps, @2), OP_LT, $1, $3); DEPTH($$, @$); }
    | sum LE sum           { $$ = lrs_ast_binary(B, S(ps, @2), OP_LE, $1, $3); DEPTH($$, @$); }
    | sum '>' sum          { $$ = lrs_ast_binary(B, S(ps, @2), OP_GT, $1, $3); DEPTH($$, @$); }
    | sum GE sum           { $$ = lrs_ast_binary(B, S(ps, @2), OP_GE, $1, $3); DEPTH($$, @$); }
    | sum
    ;

sum
    : sum '+' prod         { $$ = lrs_ast_binary(B, S(ps, @2), OP_ADD, $1, $3); DEPTH($$, @$); }
    | sum '-' prod         { $$ = lrs_ast_binary(B, S(ps, @2), OP_SUB, $1, $3); DEPTH($$, @$); }
    | prod
    ;

prod
    : prod '*' unary       { $$ = lrs_ast_binary(B, S(ps, @2), OP_MUL, $1, $3); DEPTH($$, @$); }
    | prod '/' unary       { $$ = lrs_ast_binary(B, S(ps, @2), OP_DIV, $1, $3); DEPTH($$, @$); }
    | unary
    ;

/* unary: - unary | ! unary | power — so -2^2 is -(2^2) */
unary
    : '-' unary            { $$ = lrs_ast_unary(B, S(ps, @1), OP_NEG, $2); DEPTH($$, @$); }
    | '!' unary            { $$ = lrs_ast_unary(B, S(ps, @1), OP_NOT, $2); DEPTH($$, @$); }
    | power
    ;

/* power: postfix ^ unary — right-associative */
power
    : postfix '^' unary    { $$ = lrs_ast_binary(B, S(ps, @2), OP_POW, $1, $3); DEPTH($$, @$); }
    | postfix
    ;

/* postfix: postfix (steps | epochs | %) */
postfix
    : postfix STEPS        { $$ = lrs_ast_unit(B, S(ps, @2), UNIT_STEPS, $1); DEPTH($$, @$); }
    | postfix EPOCHS       { $$ = lrs_ast_unit(B, S(ps, @2), UNIT_EPOCHS, $1); DEPTH($$, @$); }
    | postfix '%'          { $$ = lrs_ast_unit(B, S(ps, @2), UNIT_PERCENT, $1); DEPTH($$, @$); }
    | primary
    ;

/* primary: NUMBER | STRING | NAME | NAME . NAME | primary ( args ) | ( expr ) | [ items ] */
primary
    : NUMBER               { $$ = lrs_ast_num(B, S(ps, @1), $1.value, $1.fraction); }
    | STRING               { $$ = lrs_ast_string(B, S(ps, @1), $1); }
    | NAME                 { $$ = lrs_ast_name(B, S(ps, @1), $1); }
    | NAME '.' NAME        { $$ = lrs_ast_member(B, S(ps, @$), $1, $3); }
    | primary '(' args ')' { $$ = lrs_ast_call(B, S(ps, @$), $1, $3); DEPTH($$, @$); }
    | '(' expr ')'         { $$ = $2; $$->depth++; DEPTH($$, @$); }
    | '[' items ']'        { $$ = lrs_ast_list(B, S(ps, @$), $2); DEPTH($$, @$); }
    ;

args
    : %empty               { $$ = NULL; }
    | arglist
    | arglist ','
    ;

/* arglist: arg { , arg } where arg is expr, expr -> expr, or NAME = expr */
arglist
    : expr                 { $$ = lrs_arena_alloc(ps->b.arena, sizeof(lrs_vec));
                             lrs_vec_push(ps->b.arena, $$, lrs_ast_arg(B, NULL, S(ps, @1), $1)); }
    | expr ARROW expr      { $$ = lrs_arena_alloc(ps->b.arena, sizeof(lrs_vec));
                             lrs_vec_push(ps->b.arena, $$, lrs_ast_arg(B, NULL, S(ps, @1), $1));
                             lrs_vec_push(ps->b.arena, $$, lrs_ast_arg(B, NULL, S(ps, @3), $3)); }
    | NAME '=' expr        { $$ = lrs_arena_alloc(ps->b.arena, sizeof(lrs_vec));
                             lrs_vec_push(ps->b.arena, $$, lrs_ast_arg(B, $1, S(ps, @1), $3)); }
    | arglist ',' expr     { $$ = $1;
                             lrs_vec_push(ps->b.arena, $$, lrs_ast_arg(B, NULL, S(ps, @3), $3)); }
    | arglist ',' expr ARROW expr {
                             $$ = $1;
                             lrs_vec_push(ps->b.arena, $$, lrs_ast_arg(B, NULL, S(ps, @3), $3));
                             lrs_vec_push(ps->b.arena, $$, lrs_ast_arg(B, NULL, S(ps, @5), $5)); }
    | arglist ',' NAME '=' expr {
                             $$ = $1;
                             lrs_vec_push(ps->b.arena, $$, lrs_ast_arg(B, $3, S(ps, @3), $5)); }
    ;

items
    : %empty               { $$ = NULL; }
    | itemlist
    | itemlist ','
    ;

itemlist
    : expr                 { $$ = lrs_arena_alloc(ps->b.arena, sizeof(lrs_vec));
                             lrs_vec_push(ps->b.arena, $$, $1); }
    | itemlist ',' expr    { $$ = $1;
                             if ($$->n >= LRS_MAX_LIST) {
                                 lrs_diag_error(ps->sink, S(ps, @3),
                                     "list has too many entries (the limit is %d)", LRS_MAX_LIST);
                                 ps->stop = 1;
                                 YYABORT;
                             }
                             lrs_vec_push(ps->b.arena, $$, $3); }
    ;

%%

static void lrs_yyerror(LRS_YYLTYPE *l, lrs_pstate *ps, const char *msg)
{
    /* Bison calls this only when its stack is exhausted. */
    if (!strcmp(msg, "memory exhausted"))
        lrs_diag_help(ps->sink, lrs_diag_error(ps->sink, S(ps, *l), LRS_DEPTH_MSG, LRS_MAX_DEPTH),
                      LRS_DEPTH_HELP);
    else
        lrs_diag_error(ps->sink, S(ps, *l), "%s", msg);
    ps->stop = 1;
}

/* Keywords by symbol, for quoting them and for "did you mean". */
static const char *keyword(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_IMPORT: return "import";
    case YYSYMBOL_AS: return "as";
    case YYSYMBOL_PARAM: return "param";
    case YYSYMBOL_LET: return "let";
    case YYSYMBOL_DEF: return "def";
    case YYSYMBOL_SCHEDULE: return "schedule";
    case YYSYMBOL_SIGNAL: return "signal";
    case YYSYMBOL_THEN: return "then";
    case YYSYMBOL_FOR: return "for";
    case YYSYMBOL_STEPS: return "steps";
    case YYSYMBOL_EPOCHS: return "epochs";
    default: return NULL;
    }
}

/* How a token is named in "expected ..." lists. */
static const char *describe(lrs_pstate *ps, yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_NUMBER: return "a number";
    case YYSYMBOL_NAME: return "a name";
    case YYSYMBOL_STRING: return "a string";
    case YYSYMBOL_YYEOF: return "end of file";
    default: break;
    }
    const char *kw = keyword(k);
    return kw ? lrs_arena_printf(ps->b.arena, "'%s'", kw) : yysymbol_name(k);
}

static int expects(const yysymbol_kind_t *exp, int n, yysymbol_kind_t k)
{
    for (int i = 0; i < n; i++)
        if (exp[i] == k) return 1;
    return 0;
}

static int is_decl_start(yysymbol_kind_t k)
{
    return k == YYSYMBOL_IMPORT || k == YYSYMBOL_PARAM || k == YYSYMBOL_LET ||
           k == YYSYMBOL_DEF || k == YYSYMBOL_SCHEDULE || k == YYSYMBOL_SIGNAL;
}

static int is_operator(yysymbol_kind_t k)
{
    if (k == YYSYMBOL_EQ || k == YYSYMBOL_NE || k == YYSYMBOL_LE || k == YYSYMBOL_GE ||
        k == YYSYMBOL_AND || k == YYSYMBOL_OR)
        return 1;
    const char *n = yysymbol_name(k);
    return n[0] == '\'' && n[1] && strchr("+-*/^<>?%", n[1]) && n[2] == '\'';
}

static int is_expr_start(yysymbol_kind_t k)
{
    const char *n = yysymbol_name(k);
    return k == YYSYMBOL_NUMBER || k == YYSYMBOL_NAME || !strcmp(n, "'('") ||
           !strcmp(n, "'['") || !strcmp(n, "'!'");
}

static int yyreport_syntax_error(const yypcontext_t *ctx, lrs_pstate *ps)
{
    enum { MAXTOK = 64 };
    if (ps->stop) return 0; /* a limit already ended the parse */
    yysymbol_kind_t exp[MAXTOK];
    int n = yypcontext_expected_tokens(ctx, exp, MAXTOK);
    if (n < 0) n = 0;
    yysymbol_kind_t got = yypcontext_token(ctx);
    lrs_loc loc = *yypcontext_location(ctx);
    lrs_source *src = ps->sink->src->files[ps->b.file];

    char what[96];
    if (got == YYSYMBOL_YYEOF) {
        snprintf(what, sizeof what, "end of file");
    } else {
        size_t len = loc.end - loc.start;
        const char *kind = got == YYSYMBOL_NUMBER ? "number " : got == YYSYMBOL_NAME ? "name "
                         : got == YYSYMBOL_STRING ? "string " : "";
        if (len > 40) len = 40;
        int printable = 1;
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)src->text[loc.start + i] < 0x20) printable = 0;
        if (printable) snprintf(what, sizeof what, "%s'%.*s'", kind, (int)len, src->text + loc.start);
        else snprintf(what, sizeof what, "%s", describe(ps, got));
    }

    /* Group the expected tokens into phrases a user can act on. */
    const char *phr[MAXTOK];
    int np = 0, any_expr = 0, any_op = 0, any_decl = 0;
    for (int i = 0; i < n; i++) {
        if (exp[i] == YYSYMBOL_NUMBER || exp[i] == YYSYMBOL_NAME) any_expr = 1;
        /* unary '-' where an expression may start is not an operator */
        else if (is_operator(exp[i]) &&
                 !(yysymbol_name(exp[i])[1] == '-' && expects(exp, n, YYSYMBOL_NUMBER)))
            any_op = 1;
        else if (is_decl_start(exp[i])) any_decl = 1;
    }
    if (any_expr) phr[np++] = "an expression";
    if (any_op) phr[np++] = "an operator";
    for (int i = 0; i < n; i++)
        /* a string may start an expression (for fail's message) */
        if (!is_expr_start(exp[i]) && !is_operator(exp[i]) && !is_decl_start(exp[i]) &&
            !(any_expr && exp[i] == YYSYMBOL_STRING) &&
            strcmp(yysymbol_name(exp[i]), "'-'") &&
            exp[i] != YYSYMBOL_YYEOF && exp[i] != YYSYMBOL_STEPS && exp[i] != YYSYMBOL_EPOCHS)
            phr[np++] = describe(ps, exp[i]);
    if (any_decl) phr[np++] = "a declaration (import, param, let, def, schedule, signal)";

    char msg[512];
    int m = snprintf(msg, sizeof msg, "unexpected %s", what);
    for (int i = 0; i < np && m < (int)sizeof msg; i++)
        m += snprintf(msg + m, sizeof msg - (size_t)m, "%s%s",
                      i == 0 ? "; expected " : i == np - 1 ? " or " : ", ", phr[i]);
    size_t d = lrs_diag_error(ps->sink, S(ps, loc), "%s", msg);

    /* A misspelt keyword shows up as a name where the keyword was expected. */
    if (got == YYSYMBOL_NAME) {
        const char *word = lrs_arena_strndup(ps->b.arena, src->text + loc.start, loc.end - loc.start);
        const char *cands[MAXTOK];
        int nc = 0;
        for (int i = 0; i < n; i++)
            if (keyword(exp[i])) cands[nc++] = keyword(exp[i]);
        const char *s = lrs_suggest(word, cands, (size_t)nc);
        if (s) lrs_diag_help(ps->sink, d, "did you mean '%s'?", s);
    } else if (got == YYSYMBOL_YYEOF || is_decl_start(got)) {
        for (int i = 0; i < n; i++)
            if (!strcmp(yysymbol_name(exp[i]), "')'") || !strcmp(yysymbol_name(exp[i]), "']'")) {
                lrs_diag_help(ps->sink, d, "is a bracket left open before this point?");
                break;
            }
    }
    if (lrs_diag_full(ps->sink)) ps->stop = 1;
    return 0;
}

#include "lrs_lexer.h"

/* Scan and parse; 0 on success, else yyparse's result (1: a syntax error
 * stopped it, 2: memory ran out) or -1 (the scanner could not start, or
 * its memory ran out). The scanner and the parser allocate from the arena
 * and unwind to its recovery point when it is exhausted: the caller's,
 * or this function's when the caller has none. */
static int run(lrs_pstate *ps)
{
    lrs_arena *a = ps->b.arena;
    jmp_buf here, *volatile outer = a->on_exhausted;
    if (!outer) {
        if (setjmp(here)) {
            a->on_exhausted = NULL;
            return -1;
        }
        a->on_exhausted = &here;
    }
    int r = -1;
    if (!lrs_yylex_init_extra(ps, (yyscan_t *)&ps->scanner)) {
        lrs_source *src = ps->sink->src->files[ps->b.file];
        uint32_t end = ps->end ? ps->end : (uint32_t)src->len;
        YY_BUFFER_STATE buf =
            lrs_yy_scan_bytes(src->text + ps->offset, (int)(end - ps->offset), ps->scanner);
        r = lrs_yyparse(ps);
        lrs_yy_delete_buffer(buf, ps->scanner);
        lrs_yylex_destroy(ps->scanner);
    }
    a->on_exhausted = outer;
    return r;
}

/* A parse that failed without saying why ran out of memory. */
static int run_checked(lrs_pstate *ps)
{
    int before = ps->sink->errors;
    int r = run(ps);
    if (r != 0 && ps->sink->errors == before)
        lrs_diag_error_noloc(ps->sink, ps->sink->src->files[ps->b.file]->name,
                             "out of memory while parsing");
    return r;
}

int lrs_parse_range(lrs_arena *arena, lrs_sink *sink, uint32_t file, uint32_t from, uint32_t to,
                    lrs_vec *decls)
{
    lrs_pstate ps = {.b = {arena, file},
                     .sink = sink,
                     .decls = decls,
                     .start_token = START_FILE,
                     .offset = from,
                     .end = to};
    int before = sink->errors;
    lrs_source *src = sink->src->files[file];
    if (src->len > LRS_MAX_SOURCE) {
        lrs_span sp = {file, 0, 0};
        lrs_diag_error(sink, sp, "source file is too large (%zu bytes; the limit is %d)",
                       src->len, LRS_MAX_SOURCE);
        return 1;
    }
    if (from >= to || to > src->len) return 0;
    run_checked(&ps);
    return sink->errors - before;
}

int lrs_parse_file(lrs_arena *arena, lrs_sink *sink, uint32_t file, lrs_vec *decls)
{
    size_t len = sink->src->files[file]->len;
    return lrs_parse_range(arena, sink, file, 0, (uint32_t)len, decls); /* len is checked there */
}

lrs_ast *lrs_parse_define(lrs_arena *arena, lrs_sink *sink, uint32_t file, lrs_define *out)
{
    lrs_pstate ps = {.b = {arena, file}, .sink = sink, .start_token = START_DEFINE};
    int before = sink->errors;
    if (run_checked(&ps) != 0 || sink->errors != before) return NULL;
    *out = ps.define;
    return ps.expr;
}
