/* lrs_sema.h — the compilation and its passes, in the order they run:
 *
 *   lrs_parse_file       source text -> declarations                 (grammar/)
 *   lrs_resolve_program  load imports, bind names, find recursion    (lrs_resolve.c)
 *   lrs_elab_program     types, units, inlining -> terms             (lrs_elab.c)
 *   lrs_lower_program    durations and contexts -> IR                (lrs_lower.c)
 *   lrs_check_program    finite, non-negative, jumps                 (lrs_check.c)
 *
 * Each pass reads what the previous one left in lrs_comp and reports to
 * its sink; a pass does not run when an earlier one found errors. */
#ifndef LRS_SEMA_H
#define LRS_SEMA_H

#include "lrs_ast.h"
#include "lrs_ir.h"

#include <setjmp.h>

enum {
    LRS_MAX_IMPORT_DEPTH = 32,
    LRS_MAX_SCHEDULES = 1024,
    LRS_MAX_CALL_DEPTH = 128,      /* nested inlined calls */
    LRS_MAX_TERMS = 1000000,       /* terms after inlining */
    LRS_MAX_TERM_DEPTH = 1000,     /* height of a term after inlining (the stack: docs/limits.md) */
    LRS_MAX_IR = 1000000,          /* IR nodes plus table entries of a program */
    LRS_MAX_SEGMENTS = 1000000,    /* segments of one `then` chain after inlining */
    LRS_MAX_CYCLES = 1000000000,   /* restarts cycles reachable */
    LRS_MAX_LISTED_CYCLES = 10000, /* restart boundaries listed per restarts */
    LRS_MAX_DETECTORS = 4096,      /* distinct detectors of a program */
    LRS_TABLE_MIN = 16,            /* list entries from which pick and index are IR tables */
};
#define LRS_MAX_ARENA ((size_t)1 << 30)

/* ---- modules and scopes ---------------------------------------------- */

typedef struct lrs_scope {
    const char **names;
    lrs_decl **decls;
    size_t n, cap;
    uint32_t *index; /* open-addressing hash of names -> position + 1 */
    size_t icap;
} lrs_scope;

typedef struct lrs_module {
    uint32_t file;
    const char *dir; /* for relative imports; NULL for in-memory sources */
    lrs_vec decls;
    lrs_scope scope; /* own declarations, merged imports, aliases */
    int is_stdlib;
    int loading; /* on the import stack (cycle detection) */
} lrs_module;

lrs_decl *lrs_scope_find(const lrs_scope *s, const char *name);

/* ---- terms: the program after inlining ------------------------------- */

/* The context variables (built-ins step, span, progress, cycle, global_step). */
typedef enum lrs_ctxvar { CV_STEP, CV_SPAN, CV_PROGRESS, CV_CYCLE, CV_GLOBAL_STEP } lrs_ctxvar;

typedef enum lrs_tkind {
    T_CONST, /* k */
    T_CTX,   /* var */
    T_UN,    /* op a */
    T_BIN,   /* a op b */
    T_SEL,   /* a ? b : c */
    T_FOR,   /* a for b */
    T_THEN,  /* a then b (span: the `then`) */
    T_FORM,  /* a built-in form (lrs_forms.h): its row, its arguments */
} lrs_tkind;

struct lrs_builtin;

typedef struct lrs_term lrs_term;
struct lrs_term {
    lrs_tkind kind;
    int op; /* lrs_irop for T_UN / T_BIN; lrs_ctxvar for T_CTX */
    int is_bool;
    double k;
    lrs_term *a, *b, *c;
    /* T_FORM: the row, and one term per parameter of the row in order
     * (NULL for a list or name parameter, which the fields below hold) */
    const struct lrs_builtin *form;
    lrs_term **args;
    size_t nargs;
    const double *list;
    size_t nlist;
    const lrs_decl *decl; /* a name argument: what it names */
    lrs_span span;
    const lrs_span *where; /* T_THEN: its two operands as written */
    uint32_t depth;
    int reported; /* an error about this term was reported (no repeats) */
    /* Built by library code for this call in the user's files (NULL when
     * built by the user's code): errors about it are reported there. */
    const lrs_origin *origin;
    int reactive; /* it reads a detector */
};

/* ---- the compilation ------------------------------------------------- */

typedef struct lrs_sched_out {
    const char *name;
    lrs_decl *decl;
    lrs_term *term;
    uint32_t root;  /* IR */
    double span;    /* steps, or INFINITY */
    int horizon;    /* span is a horizon (horizon(S, n)): values go on past it */
    int frozen;     /* a moving profile stretches over an unbounded span (warned) */
    double *bounds; /* segment boundaries known in global steps, sorted */
    size_t nbounds;
    /* from the checker */
    double v0, vend, vmin, vmax;
    int proved; /* interval analysis showed it finite and non-negative at every step */
    int exact;  /* vmin and vmax are the true extremes (else estimates from samples) */
    int reactive;
    double ilo, ihi; /* reactive: the interval over every history */
} lrs_sched_out;

typedef struct lrs_param_out {
    const char *name;
    lrs_decl *decl;
    double value;
} lrs_param_out;

/* A boundary between two `then` segments at a known global step, with
 * the IR of the segment before (at its end) and after (at its start);
 * intended: the segment after is jump(S), so a jump there is on purpose. */
typedef struct lrs_jump {
    double pos;
    uint32_t before, after;
    lrs_span span;
    size_t sched;
    int intended;
} lrs_jump;

typedef struct lrs_comp {
    lrs_arena arena;
    jmp_buf oom;
    lrs_sources src;
    lrs_sink sink;
    const lrs_options *opts;

    struct lrs_context *ctx; /* for the shared standard library; may be NULL */
    lrs_module *stdlib;
    int stdlib_shared; /* stdlib is the context's, read-only: not bound again */
    /* Otherwise the library's files are parsed when a name of theirs is
     * first looked up (lrs_resolve.c); NULL once every file is parsed. */
    struct lrs_lib_index *lib;
    lrs_module *main;
    lrs_vec modules;

    lrs_vec scheds;       /* lrs_sched_out* */
    lrs_vec params;       /* lrs_param_out* */
    lrs_vec jumps;        /* lrs_jump* */
    lrs_vec cycle_starts; /* lrs_jump* with no IR: restart boundaries at known steps */
    lrs_vec signals;      /* lrs_decl* of DECL_SIGNAL, in the order they are first used */
    lrs_vec detectors;    /* lrs_detector*, distinct; index = slot of the detector array */
    size_t nterms;
    int too_big; /* a size limit of the terms was reported; stop building */
    /* Elaboration: the innermost `?:` around what is being built has a
     * condition that depends on the step (both branches are built). */
    int step_branch;
    int cycles;    /* name resolution found a recursive definition */
    int bad_total; /* the main file's `total` is not a number (reported) */

    lrs_ir ir;
} lrs_comp;

/* The passes. Each returns the number of errors it reported. */
int lrs_resolve_program(lrs_comp *c, uint32_t main_file);
int lrs_elab_program(lrs_comp *c);
int lrs_lower_program(lrs_comp *c);
int lrs_check_program(lrs_comp *c);

/* Helpers shared by the passes. */
/* The numeric value of an elaborated param; 0 if it has none. */
int lrs_elab_param_value(const lrs_decl *d, double *out);

/* Terms (lrs_term.c). Constructors fold constant operands and count the
 * size limits (reported once, then c->too_big is set). */
lrs_term *lrs_term_new(lrs_comp *c, lrs_tkind kind, lrs_span sp);
lrs_term *lrs_term_const(lrs_comp *c, double k, lrs_span sp);
lrs_term *lrs_term_node(lrs_comp *c, lrs_tkind kind, lrs_span sp, lrs_term *a, lrs_term *b,
                        lrs_term *d);
lrs_term *lrs_term_form(lrs_comp *c, const struct lrs_builtin *form, lrs_span sp, lrs_term **args,
                        size_t nargs);
lrs_term *lrs_term_un(lrs_comp *c, lrs_irop op, lrs_term *a, lrs_span sp);
lrs_term *lrs_term_bin(lrs_comp *c, lrs_irop op, lrs_term *a, lrs_term *b, lrs_span sp);
int lrs_term_is_const(const lrs_term *t, double *k);
/* The value of a constant term; NAN for any other. */
double lrs_term_value(const lrs_term *t);
/* Report an error about a term once, however often it is lowered. */
size_t lrs_term_error(lrs_comp *c, lrs_term *t, const char *fmt, ...) LRS_PRINTF(3, 4);
/* The index of signal `sig` (a DECL_SIGNAL) in the program's list, added
 * at the end when new; and the slot of detector d in the detector array
 * (equal detectors share one). */
uint32_t lrs_signal_index(lrs_comp *c, lrs_decl *sig);
uint32_t lrs_detector_slot(lrs_comp *c, const lrs_detector *d);

#endif
