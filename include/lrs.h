/* lrs.h — the public interface of lrs: a language for learning-rate
 * schedules, its compiler and the optimizer runtime that uses it.
 *
 * Everything else in the project is internal. Objects are opaque and come in
 * _new/_free pairs. No function prints, exits or aborts: errors are returned
 * as values, with diagnostics carrying a file, line and column.
 *
 * Thread safety: distinct objects may be used from different threads at
 * once. A single lrs_context may be shared by threads that compile and free
 * programs concurrently; a compiled lrs_program is immutable and may be
 * evaluated from any number of threads. An lrs_diags list must not be
 * written by two compilations at once.
 */
#ifndef LRS_H
#define LRS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define LRS_API __attribute__((visibility("default")))
#else
#define LRS_API
#endif

#define LRS_VERSION_MAJOR 0
#define LRS_VERSION_MINOR 1
#define LRS_VERSION_PATCH 0
#define LRS_VERSION_STRING "0.1.0"

/* ------------------------------------------------------------------ */
/* Diagnostics                                                          */
/* ------------------------------------------------------------------ */

typedef struct lrs_diags lrs_diags;

typedef enum lrs_severity {
    LRS_SEV_ERROR = 0,
    LRS_SEV_WARNING = 1,
    LRS_SEV_NOTE = 2,
    LRS_SEV_HELP = 3
} lrs_severity;

/* One diagnostic or one of its notes. Strings are owned by the list. Line
 * and column are 1-based (column counts bytes); line 0 means "no location". */
typedef struct lrs_diag_info {
    lrs_severity severity;
    const char *file;
    int line, column, end_column;
    const char *message;
    const char *source_line; /* the line's text without its newline, or NULL */
} lrs_diag_info;

/* Called once per top-level diagnostic as it is reported. */
typedef void (*lrs_diag_callback)(void *user, const lrs_diags *diags, size_t index);

/* A growable list of diagnostics that compilations append to. */
LRS_API lrs_diags *lrs_diags_new(void);
LRS_API void lrs_diags_free(lrs_diags *diags);
/* Forget every diagnostic (keeps the callback). */
LRS_API void lrs_diags_clear(lrs_diags *diags);
/* Install a callback (NULL to remove) that sees each diagnostic as it comes. */
LRS_API void lrs_diags_set_callback(lrs_diags *diags, lrs_diag_callback cb, void *user);
/* Number of top-level diagnostics, and how many of them are errors / warnings. */
LRS_API size_t lrs_diags_count(const lrs_diags *diags);
LRS_API size_t lrs_diags_error_count(const lrs_diags *diags);
LRS_API size_t lrs_diags_warning_count(const lrs_diags *diags);
/* Fill *out with diagnostic i (0 <= i < count). Returns 0, or -1 if i is out of range. */
LRS_API int lrs_diags_get(const lrs_diags *diags, size_t i, lrs_diag_info *out);
/* Notes (note: and help: lines) attached to diagnostic i. */
LRS_API size_t lrs_diags_note_count(const lrs_diags *diags, size_t i);
LRS_API int lrs_diags_note(const lrs_diags *diags, size_t i, size_t j, lrs_diag_info *out);
/* Render diagnostic i with its notes as text in the standard form
 * "FILE:LINE:COL: error: MESSAGE", source line, underline, notes. With
 * color != 0 it uses ANSI colours. Returns a malloc'd string (free with
 * lrs_free) or NULL if i is out of range or memory ran out. */
LRS_API char *lrs_diags_format(const lrs_diags *diags, size_t i, int color);

/* Free memory returned by the library. */
LRS_API void lrs_free(void *p);

/* ------------------------------------------------------------------ */
/* Compiling programs                                                   */
/* ------------------------------------------------------------------ */

typedef struct lrs_context lrs_context;
typedef struct lrs_program lrs_program;

/* A native schedule: the value of the schedule at a (global) step. */
typedef double (*lrs_fn)(int64_t step);
/* Fill out[0..count) with the schedule at steps first, first+1, ... */
typedef void (*lrs_range_fn)(int64_t first, int64_t count, double *out);

typedef struct lrs_options {
    /* Directories searched for `import` after the importing file's own.
     * An import resolves only below the importing file's directory or
     * below one of these (after symbolic links): an absolute path, `..` or
     * a link that leads elsewhere is an error. Entries must not be NULL. */
    const char *const *include_dirs;
    size_t include_dir_count;
    /* Param overrides as "NAME=EXPR" (EXPR: any constant expression),
     * or "MODULE.NAME=EXPR" for a param of the file the main file imports
     * `as MODULE` (EXPR read in that file's scope); a NULL entry is an
     * error. `total` and `steps_per_epoch` (the training budget) are set
     * even when the program does not declare them; any other name must be
     * a declared param. */
    const char *const *defines;
    size_t define_count;
    /* Non-zero skips the value checker (finite, non-negative, jumps). */
    int no_check;
    /* The on-disk cache of native code (docs/backend.md): a program's
     * first lrs_program_function or lrs_program_range_function loads a
     * shared object compiled earlier for the same code, LLVM and CPU, or
     * compiles one and stores it. no_cache != 0 turns it off for this
     * program (so does the environment variable LRS_CACHE=off); cache_dir
     * is its directory (NULL: $LRS_CACHE_DIR, else $XDG_CACHE_HOME/lrs,
     * else ~/.cache/lrs). A cache that cannot be used is skipped without
     * an error: the JIT compiles as usual. */
    int no_cache;
    const char *cache_dir;
    /* Non-zero: every jump between `then` segments is intended (step
     * decays), so the checker does not warn about any; `jump(S)` says
     * the same in the program for the segment S. */
    int allow_jumps;
} lrs_options;

/* A compilation context. Holds what compilations share; cheap to create.
 * The on-disk cache's environment (LRS_CACHE, LRS_CACHE_DIR,
 * XDG_CACHE_HOME, HOME) is read here, once: a later change does not reach
 * this context. */
LRS_API lrs_context *lrs_context_new(void);
LRS_API void lrs_context_free(lrs_context *ctx);

/* Compile the program in file `path` (or in memory: `name` is used in
 * diagnostics). opts may be NULL. Diagnostics (errors and warnings) are
 * appended to `diags` when it is not NULL. Returns NULL if there was an
 * error. */
LRS_API lrs_program *lrs_compile_file(lrs_context *ctx, const char *path, const lrs_options *opts,
                                      lrs_diags *diags);
LRS_API lrs_program *lrs_compile_string(lrs_context *ctx, const char *name, const char *text,
                                        size_t len, const lrs_options *opts, lrs_diags *diags);
LRS_API void lrs_program_free(lrs_program *prog);

/* The exported schedules of a program, in declaration order. */
LRS_API size_t lrs_program_schedule_count(const lrs_program *prog);
LRS_API const char *lrs_program_schedule_name(const lrs_program *prog, size_t i);
/* Index of the schedule called `name`, or -1. */
LRS_API int lrs_program_find(const lrs_program *prog, const char *name);
/* Length of schedule i in steps (INFINITY when it never ends). Steps at or
 * past the span evaluate to the end value, except past a horizon (a span
 * given by horizon(S, n), lrs_schedule_info.horizon), where the values go
 * on as S's. */
LRS_API double lrs_program_schedule_span(const lrs_program *prog, size_t i);

/* What the checker found about schedule i: the value at step 0, at the end
 * of its span (at step 2^53 for an infinite span), the least and greatest
 * values over the span, and whether interval analysis proved it finite
 * and non-negative at every int64 step. min and max are exact (values the
 * schedule takes, and interval bounds show no step goes past them by more
 * than 1e-12 relative) when `exact` is set; otherwise they are estimates
 * from samples. The values are NAN when the checker was skipped. */
typedef struct lrs_schedule_info {
    const char *name;
    double span;
    double start, end, min, max;
    int proved;
    size_t boundary_count; /* `then` boundaries at known global steps */
    int exact;             /* min and max are exact, not estimates */
    /* A reactive schedule (it reads detectors): min and max above are over
     * the step and the sampled histories; bound_min and bound_max hold over
     * every history (interval analysis; NAN when the checker was skipped). */
    int reactive;
    double bound_min, bound_max;
    /* The span is a horizon (horizon(S, n) in a schedule with no end of its
     * own and no `total`): check and plot cover it, but steps past it do
     * not hold the end value. */
    int horizon;
    /* A profile that moves stretches over an unbounded span, so it stays at
     * its start value forever (the compiler warned): what is proved is
     * about the schedule as written, not the one probably meant. */
    int frozen;
} lrs_schedule_info;
LRS_API int lrs_program_schedule_info(const lrs_program *prog, size_t i, lrs_schedule_info *out);

/* The first segment boundary of schedule i strictly after `step` (the step
 * where a new `then` segment begins), or -1 if there is none. Use it to
 * snapshot or evaluate at the ends of segments and cycles. */
LRS_API int64_t lrs_program_next_boundary(const lrs_program *prog, size_t i, int64_t step);

/* The params of the main file with their final values (after overrides). */
LRS_API size_t lrs_program_param_count(const lrs_program *prog);
LRS_API const char *lrs_program_param_name(const lrs_program *prog, size_t i);
LRS_API double lrs_program_param_value(const lrs_program *prog, size_t i);

/* Reference interpreter: schedule i at `step` (negative steps are step 0). */
LRS_API double lrs_interp_eval(const lrs_program *prog, size_t i, int64_t step);
/* Reference interpreter over out[0..count) for steps first, first+1, ... */
LRS_API void lrs_interp_range(const lrs_program *prog, size_t i, int64_t first, int64_t count,
                              double *out);

/* ------------------------------------------------------------------ */
/* Signals: schedules that react to what training reports               */
/* ------------------------------------------------------------------ */

/* A program that declares `signal NAME` and uses a detector (plateaus,
 * last, reports, best) has reactive schedules: their value is a pure
 * function of the step and of the detector values, an array of doubles
 * with one entry per detector of the program (lrs_program_detector). The
 * host keeps the signals' state in an lrs_signals object, reports values
 * to it, and passes lrs_signals_values() to the schedules. Schedules that
 * use no detector keep the ABI of lrs_fn. */
typedef double (*lrs_reactive_fn)(int64_t step, const double *detectors);
typedef void (*lrs_reactive_range_fn)(int64_t first, int64_t count, double *out,
                                      const double *detectors);

typedef enum lrs_detector_kind {
    LRS_DETECT_PLATEAUS = 0, /* plateaus detected so far */
    LRS_DETECT_LAST = 1,     /* the latest value (NaN reports leave it) */
    LRS_DETECT_REPORTS = 2,  /* reports so far */
    LRS_DETECT_BEST = 3      /* the best value so far (NaN reports leave it) */
} lrs_detector_kind;

/* Whose plateau rule: PyTorch 1.13 ReduceLROnPlateau, the Keras
 * ReduceLROnPlateau callback, scikit-learn's MLP learning_rate="adaptive". */
typedef enum lrs_plateau_rule {
    LRS_RULE_TORCH = 0,
    LRS_RULE_KERAS = 1,
    LRS_RULE_SKLEARN = 2
} lrs_plateau_rule;

/* One detector: plain data, also in the descriptor table of ahead-of-time
 * code. Fields a kind does not use are zero. */
typedef struct lrs_detector {
    uint32_t kind;          /* lrs_detector_kind */
    uint32_t signal;        /* index of the signal it reads */
    uint32_t rule;          /* lrs_plateau_rule (plateaus) */
    uint32_t mode_max;      /* plateaus, best: 1 when higher is better */
    uint32_t threshold_abs; /* plateaus: 1 for threshold_mode = abs */
    uint32_t reserved;
    int64_t patience, cooldown; /* plateaus */
    double threshold;           /* plateaus */
    double initial;             /* last, best: the value before the first report */
} lrs_detector;

/* The signals and detectors of a program, in the order of the detector
 * array. */
LRS_API size_t lrs_program_signal_count(const lrs_program *prog);
LRS_API const char *lrs_program_signal_name(const lrs_program *prog, size_t i);
LRS_API size_t lrs_program_detector_count(const lrs_program *prog);
LRS_API const lrs_detector *lrs_program_detector(const lrs_program *prog, size_t i);
/* Non-zero if schedule i reads detectors (its native form is reactive). */
LRS_API int lrs_program_schedule_reactive(const lrs_program *prog, size_t i);

/* The host state of a program's signals: per signal the step of the last
 * report, per detector its value and the plateau rule's best, bad count
 * and cooldown. Reporting is O(detectors of the signal) and allocates
 * nothing. One object must not be used by two threads at once. */
typedef struct lrs_signals lrs_signals;

/* Status codes of lrs_signals_*; lrs_signals_error says more. */
enum {
    LRS_SIGNALS_OK = 0,
    LRS_SIGNALS_NAN = 1,         /* a NaN report was taken as "not better" (see docs) */
    LRS_SIGNALS_EINVAL = -1,     /* NULL object, unknown signal */
    LRS_SIGNALS_EORDER = -2,     /* a report at an earlier step than the signal's last */
    LRS_SIGNALS_ENONFINITE = -3, /* an infinite value */
    LRS_SIGNALS_ECORRUPT = -4,   /* a saved state that is damaged or truncated */
    LRS_SIGNALS_EMISMATCH = -5,  /* a saved state of other signals or detectors */
    LRS_SIGNALS_ENOMEM = -6
};

/* A state for these signals and detectors, before any report (copies
 * them). NULL on bad input or no memory. */
LRS_API lrs_signals *lrs_signals_new(const char *const *signal_names, size_t signal_count,
                                     const lrs_detector *detectors, size_t detector_count);
/* The same, for the signals and detectors of a program. */
LRS_API lrs_signals *lrs_program_signals_new(const lrs_program *prog);
LRS_API void lrs_signals_free(lrs_signals *s);
/* Forget every report. */
LRS_API void lrs_signals_reset(lrs_signals *s);
/* Index of the signal called `name`, or -1. */
LRS_API int lrs_signals_find(const lrs_signals *s, const char *name);
/* Report `value` of signal `sig` made at `step` (the first step that sees
 * it: the schedules' values at steps >= step include it). Steps must not
 * decrease per signal (equal steps are fine). A NaN is a report that is
 * not better than the best (PyTorch's rule) and returns LRS_SIGNALS_NAN;
 * an infinite value or an earlier step is rejected, and nothing changes. */
LRS_API int lrs_signals_report(lrs_signals *s, size_t sig, int64_t step, double value);
/* As lrs_signals_report, naming the signal. */
LRS_API int lrs_signals_report_name(lrs_signals *s, const char *name, int64_t step, double value);
/* The detector values, to pass to reactive schedules; valid while s lives. */
LRS_API const double *lrs_signals_values(const lrs_signals *s);
LRS_API size_t lrs_signals_detector_count(const lrs_signals *s);
/* The step of signal sig's last report (-1: none yet). */
LRS_API int64_t lrs_signals_last_step(const lrs_signals *s, size_t sig);
/* The message of the last error ("" if none). */
LRS_API const char *lrs_signals_error(const lrs_signals *s);
/* The bytes lrs_signals_save writes: fixed for given signals and detectors. */
LRS_API size_t lrs_signals_state_size(const lrs_signals *s);
/* Serialise the state into buf[0..cap) (little-endian, with a checksum and
 * a digest of the detectors). Returns the size written, or 0 if cap is too
 * small. */
LRS_API size_t lrs_signals_save(const lrs_signals *s, void *buf, size_t cap);
/* Restore a state written by lrs_signals_save for the same signals and
 * detectors. A damaged or mismatched buffer returns an error and leaves s
 * untouched. */
LRS_API int lrs_signals_load(lrs_signals *s, const void *buf, size_t len);
/* Check buf as lrs_signals_load does, changing nothing (the error message
 * is recorded in s). */
LRS_API int lrs_signals_verify(lrs_signals *s, const void *buf, size_t len);

/* Reference interpreter for any schedule, with detector values
 * (detectors may be NULL: the values before any report). */
LRS_API double lrs_interp_eval_reactive(const lrs_program *prog, size_t i, int64_t step,
                                        const double *detectors);

/* ------------------------------------------------------------------ */
/* Native code                                                          */
/* ------------------------------------------------------------------ */

/* Schedule i of prog as native code from the context's JIT (LLVM ORC, for
 * the host CPU). The first call for a program compiles all its schedules;
 * later calls return at once. The code lives until lrs_program_free, which
 * must come before lrs_context_free. Returns NULL if i is out of range or
 * compilation failed (lrs_program_native_error says why). Thread-safe. */
LRS_API lrs_fn lrs_program_function(lrs_program *prog, size_t i);
/* The range form of schedule i: out[k] = fn(first + k) for 0 <= k < count
 * (the step saturates at INT64_MAX; nothing happens when count <= 0).
 * Vectorised; see docs/backend.md for its agreement with fn. Thread-safe. */
LRS_API lrs_range_fn lrs_program_range_function(lrs_program *prog, size_t i);
/* The native forms of a reactive schedule i, NULL for one that is not
 * (and lrs_program_function is NULL for a reactive schedule). */
LRS_API lrs_reactive_fn lrs_program_reactive_function(lrs_program *prog, size_t i);
LRS_API lrs_reactive_range_fn lrs_program_reactive_range_function(lrs_program *prog, size_t i);
/* Why native compilation of prog failed, or NULL if it has not (yet).
 * The string belongs to prog. Thread-safe. */
LRS_API const char *lrs_program_native_error(const lrs_program *prog);

/* What lrs_program_emit writes. */
typedef enum lrs_emit_kind {
    LRS_EMIT_SHARED = 0, /* a shared object (.so), linked by the system C compiler */
    LRS_EMIT_OBJECT = 1, /* a relocatable object (.o), position-independent */
    LRS_EMIT_LLVM = 2,   /* optimised LLVM IR as text (.ll) */
    LRS_EMIT_ASM = 3,    /* assembly (.s) */
    LRS_EMIT_HEADER = 4  /* a C header declaring the functions and the table */
} lrs_emit_kind;

typedef struct lrs_emit_options {
    lrs_emit_kind kind;
    const char *path;   /* the file to write */
    const char *prefix; /* function names are PREFIX + schedule (NULL: "lrs_") */
    const char *cpu;    /* "generic" (NULL: the architecture's baseline, runs on any
                           machine of it), "native" (this machine) or an LLVM CPU name */
    const char *cc;     /* LRS_EMIT_SHARED: the compiler that links, words split at
                           spaces (NULL: "cc"; lrsc passes $CC) */
} lrs_emit_options;

/* Status codes of lrs_program_emit. */
enum { LRS_EMIT_OK = 0, LRS_EMIT_EIO = -1, LRS_EMIT_EINVAL = -2, LRS_EMIT_EINTERNAL = -3 };

/* Compile prog ahead of time and write opts->kind to opts->path. Every
 * output but the header exports, for each schedule NAME,
 *   double PREFIX_NAME(int64_t step);
 *   void PREFIX_NAME_range(int64_t first, int64_t count, double *out);
 * and the descriptor PREFIX_table (an lrs_aot_table); a shared object also
 * exports it as lrs_aot_table, for lrs_aot_open, and ends with a checked
 * descriptor (docs/backend.md). The file is written to a temporary file
 * next to opts->path and renamed over it when complete: on failure the old
 * file is unchanged. Returns LRS_EMIT_OK, or LRS_EMIT_EIO (the path cannot
 * be written, is not a regular file, or the disk is full), LRS_EMIT_EINVAL
 * (a bad prefix or cpu, or names that collide or are C/C++ keywords or
 * libm functions) or LRS_EMIT_EINTERNAL (LLVM or the linker failed), with
 * the reason in err[0..errlen). Thread-safe; it does not use the context's
 * JIT, nor the environment. */
LRS_API int lrs_program_emit(const lrs_program *prog, const lrs_emit_options *opts, char *err,
                             size_t errlen);

/* The descriptor table of ahead-of-time code: plain data, so loading it
 * needs no LLVM. A layout change bumps LRS_AOT_VERSION. */
#define LRS_AOT_MAGIC 0x3153524cu /* "LRS1" in memory order on little-endian machines */
#define LRS_AOT_VERSION 2u

typedef struct lrs_aot_schedule {
    const char *name;            /* the schedule's name, without the prefix */
    lrs_fn fn;                   /* PREFIX_NAME */
    lrs_range_fn range;          /* PREFIX_NAME_range */
    double span;                 /* steps, or INFINITY */
    double start, end, min, max; /* as lrs_schedule_info (NAN: checker skipped) */
    uint64_t boundary_count;     /* `then` boundaries at known global steps, sorted */
    const double *boundaries;
    /* A reactive schedule has these instead of fn and range (NULL then). */
    lrs_reactive_fn reactive_fn;
    lrs_reactive_range_fn reactive_range;
} lrs_aot_schedule;

typedef struct lrs_aot_param {
    const char *name;
    double value; /* the value the code was built with (after overrides) */
} lrs_aot_param;

typedef struct lrs_aot_table {
    uint32_t magic;       /* LRS_AOT_MAGIC */
    uint32_t version;     /* LRS_AOT_VERSION */
    const char *producer; /* "lrs " LRS_VERSION_STRING */
    const char *source;   /* the source file as named to the compiler */
    const char *prefix;
    uint64_t schedule_count;
    const lrs_aot_schedule *schedules;
    uint64_t param_count;
    const lrs_aot_param *params;
    uint64_t signal_count; /* the program's signals and detectors */
    const char *const *signals;
    uint64_t detector_count;
    const lrs_detector *detectors;
} lrs_aot_table;

/* A shared object written by lrs_program_emit, loaded with dlopen: no LLVM
 * involved. `path` is a path even without a slash ("x.so" is ./x.so). The
 * file is checked first (a regular file, its ELF header, its descriptor's
 * length and checksum), so a truncated or damaged copy fails cleanly. NULL
 * on failure with the reason in err[0..errlen) (a missing file, a damaged
 * one, no lrs_aot_table, a wrong magic or version). Thread-safe. */
typedef struct lrs_aot lrs_aot;
LRS_API lrs_aot *lrs_aot_open(const char *path, char *err, size_t errlen);
LRS_API void lrs_aot_close(lrs_aot *aot);
/* The object's descriptor table; valid until lrs_aot_close. */
LRS_API const lrs_aot_table *lrs_aot_get_table(const lrs_aot *aot);
/* The functions of the schedule called `name`, or NULL if there is none. */
LRS_API lrs_fn lrs_aot_function(const lrs_aot *aot, const char *name);
LRS_API lrs_range_fn lrs_aot_range_function(const lrs_aot *aot, const char *name);
LRS_API lrs_reactive_fn lrs_aot_reactive_function(const lrs_aot *aot, const char *name);
LRS_API lrs_reactive_range_fn lrs_aot_reactive_range_function(const lrs_aot *aot, const char *name);
/* A signal state for the object's signals and detectors (lrs_signals_free). */
LRS_API lrs_signals *lrs_aot_signals_new(const lrs_aot *aot);

/* ------------------------------------------------------------------ */
/* Optimizer runtime                                                    */
/* ------------------------------------------------------------------ */

/* An optimizer updates caller-owned float32 parameter buffers in place from
 * caller-owned gradient buffers, once per lrs_optim_step, with the formulas
 * of torch.optim (PyTorch 1.13). One lrs_optim must not be used by two
 * threads at once; distinct optimizers are independent. Calls parallelise
 * internally with OpenMP and give the same bits for any thread count.
 * Every lrs_optim_* function handed NULL, a freed optimizer or a pointer to
 * something else returns LRS_OPTIM_EINVAL (functions returning a pointer:
 * NULL; a count: 0 or -1, as stated) without touching it. */
typedef struct lrs_optim lrs_optim;

typedef enum lrs_optim_kind {
    LRS_OPTIM_SGD = 0,
    LRS_OPTIM_ADAM = 1,
    LRS_OPTIM_ADAMW = 2,
    LRS_OPTIM_RMSPROP = 3,
    LRS_OPTIM_ADAGRAD = 4,
    LRS_OPTIM_LION = 5
} lrs_optim_kind;

/* Status codes. Negative values are errors; lrs_optim_error says more. */
enum {
    LRS_OPTIM_OK = 0,
    LRS_OPTIM_SKIPPED = 1,      /* step skipped: a gradient was NaN or infinite */
    LRS_OPTIM_EINVAL = -1,      /* bad argument or hyperparameter */
    LRS_OPTIM_ENOMEM = -2,      /* out of memory */
    LRS_OPTIM_EIO = -3,         /* a file could not be read or written */
    LRS_OPTIM_ECORRUPT = -4,    /* checkpoint damaged, truncated or not one */
    LRS_OPTIM_EMISMATCH = -5,   /* checkpoint from a different optimizer */
    LRS_OPTIM_ESCHEDULE = -6,   /* a bound schedule gave a non-finite value */
    LRS_OPTIM_EUNSUPPORTED = -7 /* SIMD path not available on this CPU */
};

/* Hyperparameters of one group. Fields an optimizer does not use are
 * ignored; names follow torch.optim (alpha is RMSprop's smoothing constant). */
typedef struct lrs_optim_hparams {
    double lr;
    double momentum, dampening; /* SGD; momentum also RMSprop */
    double beta1, beta2;        /* Adam, AdamW, Lion */
    double eps;                 /* Adam, AdamW, RMSprop, Adagrad */
    double weight_decay;        /* L2 (SGD, Adam, RMSprop, Adagrad) or decoupled (AdamW, Lion) */
    double alpha;               /* RMSprop */
    double lr_decay;            /* Adagrad */
    double initial_accumulator_value; /* Adagrad */
    int nesterov;                     /* SGD */
    int amsgrad;                      /* Adam, AdamW */
    int centered;                     /* RMSprop */
    int maximize;                     /* all */
} lrs_optim_hparams;

/* PyTorch's defaults for `kind` (lr 1e-3 Adam/AdamW, 1e-2 RMSprop/Adagrad,
 * 1e-4 Lion with betas 0.9/0.99; SGD, which has none in PyTorch, 1e-3). Pure function. */
LRS_API lrs_optim_hparams lrs_optim_defaults(lrs_optim_kind kind);

/* A new optimizer of `kind` with no groups and step count 0. The SIMD path is
 * chosen from the CPU, or forced by the environment variable
 * LRS_SIMD=scalar|avx2|avx512|avx512bf16 (avx512bf16: AVX-512 rounding to
 * bfloat16 with the CPU's conversion instruction). Returns NULL on a bad
 * kind or no memory. */
LRS_API lrs_optim *lrs_optim_new(lrs_optim_kind kind);
LRS_API void lrs_optim_free(lrs_optim *opt);
/* The message of the last error on `opt` ("" if none). Valid until the next call. */
LRS_API const char *lrs_optim_error(const lrs_optim *opt);

/* Add a group of n parameters with its gradients (both caller-owned, they
 * must outlive the optimizer or be replaced with lrs_optim_set_buffers) and
 * its hyperparameters (validated as torch does). Allocates the group's state,
 * 64-byte aligned. Returns the group index (>= 0) or a negative status. */
LRS_API int lrs_optim_add_group(lrs_optim *opt, float *params, float *grads, size_t n,
                                const lrs_optim_hparams *hp);
/* The 16-bit formats a model's parameters and gradients may have. */
typedef enum lrs_optim_dtype {
    LRS_OPTIM_BFLOAT16 = 1, /* bfloat16: the high half of a float32 */
    LRS_OPTIM_FLOAT16 = 2   /* IEEE 754 binary16 */
} lrs_optim_dtype;

/* A group for a bfloat16 or float16 model with float32 master weights (the
 * ZeRO-Offload pattern): the optimizer updates the n float32 `master`
 * weights from the 16-bit gradients `grads16` and writes the result,
 * rounded to `dtype` as torch 1.13 rounds (Tensor.to(dtype): nearest, ties
 * to even, subnormals kept, overflow to infinity; a bfloat16 NaN becomes
 * 0xffff, a float16 NaN 0x7e00 with its sign), into the model's `params16`,
 * in one pass: each gradient is widened (exactly) and each parameter
 * rounded in registers. 16-bit values are their bit patterns. The update is
 * the float32 group's, bit for bit, on the widened gradients.
 * clip_grad_norm, unscale_grads (rounding the products to `dtype`),
 * grads_finite and zero_grad work on grads16. The master weights are the
 * caller's, like the parameters of a float32 group: checkpoints do not
 * hold them. Buffers and return value as lrs_optim_add_group. */
LRS_API int lrs_optim_add_group16(lrs_optim *opt, lrs_optim_dtype dtype, float *master,
                                  uint16_t *params16, uint16_t *grads16, size_t n,
                                  const lrs_optim_hparams *hp);
/* Point group `group` at new parameter and gradient buffers of the same length. */
LRS_API int lrs_optim_set_buffers(lrs_optim *opt, int group, float *params, float *grads);
/* The same for a group added with lrs_optim_add_group16 (its format stays). */
LRS_API int lrs_optim_set_buffers16(lrs_optim *opt, int group, float *master, uint16_t *params16,
                                    uint16_t *grads16);
LRS_API size_t lrs_optim_group_count(const lrs_optim *opt);

/* Bind hyperparameter `name` ("lr", "momentum", "beta1", "beta2",
 * "weight_decay") of group `group` (-1: every group) to scale * fn(step).
 * The schedule is called once per lrs_optim_step, before any buffer is
 * touched, at the index of the step about to be taken (0-based: the first
 * step uses fn(0)); fn == NULL unbinds and the group's constant applies. */
LRS_API int lrs_optim_bind(lrs_optim *opt, int group, const char *name, lrs_fn fn, double scale);
/* As lrs_optim_bind with a callback and user pointer (interpreted schedules,
 * Python). Groups bound to the same (cb, user) share one call per step. */
LRS_API int lrs_optim_bind_callback(lrs_optim *opt, int group, const char *name,
                                    double (*cb)(void *user, int64_t step), void *user,
                                    double scale);
/* As lrs_optim_bind with a reactive schedule: the value is
 * scale * fn(step, lrs_signals_values(sig)). The optimizer also tracks sig
 * (lrs_optim_track_signals). */
LRS_API int lrs_optim_bind_reactive(lrs_optim *opt, int group, const char *name, lrs_reactive_fn fn,
                                    lrs_signals *sig, double scale);
/* Save and restore the signal state sig with the optimizer's checkpoints
 * (up to 8; a state tracked twice counts once; NULL forgets them all).
 * lrs_optim_load then needs the same number of states, of the same
 * signals and detectors, in the same order. Use it for reactive schedules
 * bound through lrs_optim_bind_callback (interpreted, Python). */
LRS_API int lrs_optim_track_signals(lrs_optim *opt, lrs_signals *sig);
/* Record the identity of the schedule `name` of `group` (-1: every group) is
 * bound to (at most 32 bytes, e.g. "file.lrs:cosine"; NULL or "" clears
 * it). Checkpoints record every binding (bound or not, identity, scale) and
 * loading refuses one whose bindings differ. Binding again clears it. */
LRS_API int lrs_optim_bind_id(lrs_optim *opt, int group, const char *name, const char *id);
/* The value hyperparameter `name` of `group` had at the last step (its
 * constant before the first). Returns 0 or LRS_OPTIM_EINVAL. */
LRS_API int lrs_optim_hparam(const lrs_optim *opt, int group, const char *name, double *out);

/* Take one step on every group. Returns LRS_OPTIM_OK, LRS_OPTIM_SKIPPED
 * (skip_nonfinite is on and a gradient is not finite: nothing changes, the
 * step count does not advance) or an error, in which case nothing changed. */
LRS_API int lrs_optim_step(lrs_optim *opt);
/* Steps taken so far: the index the next step passes to schedules (-1: not an optimizer). */
LRS_API int64_t lrs_optim_step_count(const lrs_optim *opt);

/* Threads for the OpenMP loops (0: the OpenMP default). Results do not depend on it. */
LRS_API int lrs_optim_set_threads(lrs_optim *opt, int threads);
/* The SIMD path in use: "scalar", "avx2", "avx512" or "avx512bf16". */
LRS_API const char *lrs_optim_simd(const lrs_optim *opt);
/* Force a SIMD path; LRS_OPTIM_EUNSUPPORTED if the CPU lacks it. */
LRS_API int lrs_optim_set_simd(lrs_optim *opt, const char *name);
/* Non-zero if this CPU can run the SIMD path `name`. Thread-safe. */
LRS_API int lrs_optim_simd_supported(const char *name);

/* When on, lrs_optim_step first makes sure every gradient is finite (reusing
 * what lrs_optim_clip_grad_norm / lrs_optim_unscale_grads / lrs_optim_grads_finite
 * learned since the last step or zero_grad, else one read pass) and skips the step if not. */
LRS_API int lrs_optim_set_skip_nonfinite(lrs_optim *opt, int on);
/* Clip the global L2 norm of all gradients to max_norm as
 * torch.nn.utils.clip_grad_norm_ does (scale by max_norm / (norm + 1e-6)
 * when that is below 1). *total_norm (may be NULL) gets the norm before
 * clipping, reduced in a fixed order: the same bits for any thread count and
 * SIMD path. A non-finite norm leaves the gradients alone. */
LRS_API int lrs_optim_clip_grad_norm(lrs_optim *opt, double max_norm, double *total_norm);
/* 1 if every gradient is finite, 0 if not (one read pass), LRS_OPTIM_EINVAL if not an optimizer. */
LRS_API int lrs_optim_grads_finite(lrs_optim *opt);
/* Multiply every gradient by inv_scale (mixed-precision loss scaling);
 * *found_nonfinite (may be NULL) is set to 1 if any gradient was NaN/inf. */
LRS_API int lrs_optim_unscale_grads(lrs_optim *opt, double inv_scale, int *found_nonfinite);
/* Set every gradient to zero. Returns 0 or LRS_OPTIM_EINVAL. */
LRS_API int lrs_optim_zero_grad(lrs_optim *opt);

/* Read-only view of state buffer `name` of `group` ("momentum_buffer",
 * "exp_avg", "exp_avg_sq", "max_exp_avg_sq", "square_avg", "grad_avg",
 * "sum"); NULL if the group has no such buffer. */
LRS_API const float *lrs_optim_state(const lrs_optim *opt, int group, const char *name);
/* The same buffer, writable: for restoring a state kept elsewhere (a
 * framework's checkpoint). NULL if the group has no such buffer. */
LRS_API float *lrs_optim_state_data(lrs_optim *opt, int group, const char *name);

/* Replace the constant hyperparameters of `group` (validated as
 * lrs_optim_add_group validates them; bindings are kept; state buffers the
 * new values need are allocated). On error nothing changes. */
LRS_API int lrs_optim_set_hparams(lrs_optim *opt, int group, const lrs_optim_hparams *hp);
/* Steps group `group` has taken: Adam's bias correction and Adagrad's lr
 * decay count them, and SGD's momentum buffer holds a value once it is
 * above 0. -1 for a bad group. */
LRS_API int64_t lrs_optim_group_steps(const lrs_optim *opt, int group);
/* Set it (>= 0), when restoring a state kept elsewhere. */
LRS_API int lrs_optim_set_group_steps(lrs_optim *opt, int group, int64_t steps);
/* Set the index the next step passes to schedules (>= 0). */
LRS_API int lrs_optim_set_step_count(lrs_optim *opt, int64_t steps);

/* Write the complete optimizer state (kind, groups' hyperparameters, their
 * bindings and step counts, every state buffer, the tracked signal states;
 * not the parameters, which belong to the model, nor a 16-bit group's master
 * weights, which are the caller's too) to `path` atomically:
 * temporary file, fsync, rename, fsync of the directory. An existing file
 * keeps its permission bits; a `path` that is a symbolic link or not a
 * regular file is refused. */
LRS_API int lrs_optim_save(lrs_optim *opt, const char *path);
/* Restore a state written by lrs_optim_save into an optimizer of the same
 * kind with groups of the same sizes whose hyperparameters are bound as they
 * were when it was saved (same hyperparameters bound, same identities and
 * scales; the bindings themselves are kept). A damaged, truncated,
 * impossible or mismatched checkpoint returns an error naming the problem
 * and leaves the optimizer untouched. `path` must be a regular file (a FIFO
 * or device is refused without blocking). */
LRS_API int lrs_optim_load(lrs_optim *opt, const char *path);
/* Flags of the loads below. */
enum {
    LRS_OPTIM_LOAD_ANY_BINDINGS = 1 /* accept bindings that differ from the saved ones */
};
LRS_API int lrs_optim_load_flags(lrs_optim *opt, const char *path, unsigned flags);
/* The checkpoint as bytes in a caller's buffer (the same bytes
 * lrs_optim_save writes). buf == NULL: only *len := the size needed. A
 * buffer smaller than that is an error and nothing is written. */
LRS_API int lrs_optim_save_buffer(lrs_optim *opt, void *buf, size_t cap, size_t *len);
/* Load from len bytes at buf, as lrs_optim_load_flags. */
LRS_API int lrs_optim_load_buffer(lrs_optim *opt, const void *buf, size_t len, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* LRS_H */
