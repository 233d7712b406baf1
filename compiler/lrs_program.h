/* lrs_program.h — a compiled program: what survives a compilation. The
 * IR and per-schedule straight-line code (for the interpreter and the
 * backends), names, spans, boundaries and params. Immutable once built. */
#ifndef LRS_PROGRAM_H
#define LRS_PROGRAM_H

#include "lrs.h"
#include "lrs_ir.h"

#include <pthread.h>

typedef struct lrs_schedule {
    char *name;
    uint32_t root;
    lrs_code code;
    double span;
    int horizon;    /* span is a horizon: the values go on past it */
    int frozen;     /* a segment never moves (the unbounded-span warning) */
    double *bounds; /* segment boundaries at known global steps, sorted */
    size_t nbounds;
    double v0, vend, vmin, vmax; /* from the checker (NAN if it did not run) */
    int proved;
    int exact;        /* vmin, vmax are the true extremes, not estimates */
    int line, column; /* of its name in the main file (for diagnostics of the outputs) */
    int reactive;     /* its code reads detectors: the reactive ABI */
    double ilo, ihi;  /* reactive: bounds over every history (NAN unchecked) */
} lrs_schedule;

typedef struct lrs_param_value {
    char *name;
    double value;
} lrs_param_value;

struct lrs_program {
    unsigned magic; /* LRS_PROGRAM_MAGIC: tells a program from another pointer */
    lrs_context *ctx;
    lrs_ir ir;
    lrs_schedule *sched;
    size_t nsched;
    lrs_param_value *params;
    size_t nparams;
    char **signals; /* signal names, and the detectors of the detector array */
    size_t nsignals;
    lrs_detector *detectors;
    size_t ndetectors;
    char *source_name;
    /* Native code from the context's JIT (lrs_jit.c), made on first use
     * under ctx->lock; a failure is kept in native_error and not retried. */
    struct lrs_jit_code *native;
    char *native_error;
    /* The on-disk cache (lrs_cache.c), from the options: off, or the
     * directory asked for (NULL: the default). cached is the entry
     * loaded for this program, tried once under ctx->lock (cache_tried);
     * when there is none the JIT above makes the code. */
    int no_cache;
    char *cache_dir;
    int cache_tried;
    struct lrs_aot *cached;
};

struct lrs_context {
    unsigned magic;       /* LRS_CONTEXT_MAGIC */
    pthread_mutex_t lock; /* guards jit and every program's native code */
    struct lrs_jit *jit;  /* the LLJIT, created on first use */
    char *jit_error;      /* why it could not be created (not retried) */
    /* The standard library parsed and bound once, shared read-only by the
     * context's compilations (lrs_resolve.c); set under `lock`. */
    struct lrs_stdlib_cache *stdlib;
    unsigned compiles; /* compilations begun: the first parses only what it uses */
    /* The on-disk cache as the environment sets it, read once by
     * lrs_context_new (lrs_cache_env): LRS_CACHE=off, and the directory
     * from LRS_CACHE_DIR, XDG_CACHE_HOME or HOME (NULL: none known). */
    int cache_env_off;
    char *cache_env_dir;
};
void lrs_resolve_cache_free(struct lrs_stdlib_cache *cache);

/* Handles from the API are checked: NULL or a pointer to anything but a
 * live object of the type is refused (an error value, not a crash). */
#define LRS_PROGRAM_MAGIC 0x4c525350u
#define LRS_CONTEXT_MAGIC 0x4c525343u
static inline int lrs_program_ok(const lrs_program *p)
{
    return p && p->magic == LRS_PROGRAM_MAGIC;
}
static inline int lrs_context_ok(const lrs_context *c)
{
    return c && c->magic == LRS_CONTEXT_MAGIC;
}

/* Hooks into the JIT (through lrs_native.c) for the context and the
 * program. */
typedef struct lrs_jit lrs_jit;
typedef struct lrs_jit_code lrs_jit_code;
void lrs_jit_free(lrs_jit *j);
void lrs_jit_code_free(lrs_jit_code *c); /* under the context's lock */

#endif
