/* lrs_diag.h — sources, spans and the diagnostics sink.
 * The tree stores byte spans; a source's line table turns them into
 * line:column only when a diagnostic is reported. Diagnostics copy what
 * they need (file name, line text) so they outlive the compilation. */
#ifndef LRS_DIAG_H
#define LRS_DIAG_H

#include "lrs.h"
#include "lrs_arena.h"

#include <stdint.h>

/* Diagnostics recorded per compilation; past them a count is reported. */
enum { LRS_MAX_ERRORS = 20, LRS_MAX_WARNINGS = 100 };

/* A byte range [start, end) in source file `file` (an index into the
 * compilation's source table). */
typedef struct lrs_span {
    uint32_t file, start, end;
} lrs_span;

typedef struct lrs_source {
    const char *name; /* as shown in diagnostics */
    const char *path; /* for relative imports; NULL for in-memory text */
    const char *text;
    size_t len;
    int binary;            /* not text (NUL bytes, bad UTF-8): quoted only briefly */
    int library;           /* a file of the standard library */
    uint32_t *line_starts; /* built on first use */
    size_t nlines;
} lrs_source;

typedef struct lrs_sources {
    lrs_arena *arena;
    lrs_source **files;
    size_t n, cap;
} lrs_sources;

/* Add a source (text is copied into the arena); returns its index. */
uint32_t lrs_src_add(lrs_sources *s, const char *name, const char *path, const char *text,
                     size_t len);
/* Add a file of the standard library: its name and text are static
 * (neither is copied) and known to be text. */
uint32_t lrs_src_add_library(lrs_sources *s, const char *name, const char *text, size_t len);
/* Read file `path` into a new source shown as `name`. Returns the index,
 * -1 with errno set, or LRS_SRC_NOT_REGULAR for a directory, FIFO or
 * device (never read, never blocked on); the caller words the error. A
 * UTF-8 byte-order mark at the start of a source is dropped. */
enum { LRS_SRC_NOT_REGULAR = -2 };
int64_t lrs_src_load(lrs_sources *s, const char *path, const char *name);
/* 1-based line and byte column of offset `off` in file `file`. */
void lrs_src_position(lrs_sources *s, uint32_t file, uint32_t off, int *line, int *col);
/* 1-based line and byte column of offset `off` in file `file`. */

/* A call in the user's files of a function of the standard library. */
typedef struct lrs_origin {
    lrs_span call;
    const char *fn;
} lrs_origin;

/* Where a pass reports. Counts errors and stops recording past the cap.
 * A diagnostic equal to an earlier one (the same severity, place and
 * message) is not reported again. While `origin` is set (the library code
 * of a user's call is being elaborated or lowered), a diagnostic located
 * in the library is reported at the user's call, in the user's words, with
 * a note into the library. */
typedef struct lrs_sink {
    lrs_diags *out;
    lrs_sources *src;
    const lrs_origin *origin;
    int errors, warnings;
    int capped; /* the cap was reached; later errors are dropped */
    size_t dropped_errors, dropped_warnings;
    size_t cap_index; /* 1 + index of the "too many errors" entry, or 0 */
} lrs_sink;

#define LRS_NO_DIAG ((size_t)-1)
#define LRS_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Report an error / warning at `span`; returns its index for notes, or
 * LRS_NO_DIAG when it was dropped. */
size_t lrs_diag_error(lrs_sink *k, lrs_span span, const char *fmt, ...) LRS_PRINTF(3, 4);
size_t lrs_diag_warning(lrs_sink *k, lrs_span span, const char *fmt, ...) LRS_PRINTF(3, 4);
/* A located or unlocated (has_span = 0) note, and a help line, on diag `d`. */
void lrs_diag_note(lrs_sink *k, size_t d, int has_span, lrs_span span, const char *fmt, ...)
    LRS_PRINTF(5, 6);
void lrs_diag_help(lrs_sink *k, size_t d, const char *fmt, ...) LRS_PRINTF(3, 4);
/* An error with no source location (a bad path given to the API, ...). */
size_t lrs_diag_error_noloc(lrs_sink *k, const char *file, const char *fmt, ...) LRS_PRINTF(3, 4);
/* Nonzero when the error cap has been reached and a pass should stop. */
int lrs_diag_full(const lrs_sink *k);
/* At the end of a compilation: say how many errors and warnings the caps
 * left out ("too many errors: N more not shown"). */
void lrs_diag_finish(lrs_sink *k);
/* Whether d is a list made by lrs_diags_new (not NULL nor another object). */
int lrs_diags_valid(const lrs_diags *d);

/* The name closest to `word` among `cands` (edit distance, at most about a
 * third of the word), or NULL. */
const char *lrs_suggest(const char *word, const char *const *cands, size_t n);

#endif
