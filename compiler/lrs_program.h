/* lrs_program.h — a compiled program: what survives a compilation. The
 * IR and per-schedule straight-line code (for the interpreter and the
 * backends), names, spans, boundaries and params. Immutable once built. */
#ifndef LRS_PROGRAM_H
#define LRS_PROGRAM_H

#include "lrs.h"
#include "lrs_ir.h"

typedef struct lrs_schedule {
    char *name;
    uint32_t root;
    lrs_code code;
    double span;
    double *bounds; /* segment boundaries at known global steps, sorted */
    size_t nbounds;
    double v0, vend, vmin, vmax; /* from the checker (NAN if it did not run) */
    int proved;
} lrs_schedule;

typedef struct lrs_param_value {
    char *name;
    double value;
} lrs_param_value;

struct lrs_program {
    lrs_context *ctx;
    lrs_ir ir;
    lrs_schedule *sched;
    size_t nsched;
    lrs_param_value *params;
    size_t nparams;
    char *source_name;
};

struct lrs_context {
    int unused;
};

#endif
