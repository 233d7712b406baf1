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
    /* Directories searched for `import` after the importing file's own. */
    const char *const *include_dirs;
    size_t include_dir_count;
    /* Param overrides as "NAME=EXPR" (EXPR: any constant expression). */
    const char *const *defines;
    size_t define_count;
    /* Non-zero skips the value checker (finite, non-negative, jumps). */
    int no_check;
} lrs_options;

/* A compilation context. Holds what compilations share; cheap to create. */
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
 * past the span evaluate to the end value. */
LRS_API double lrs_program_schedule_span(const lrs_program *prog, size_t i);

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
/* Optimizer runtime                                                    */
/* ------------------------------------------------------------------ */

#ifdef __cplusplus
}
#endif

#endif /* LRS_H */
