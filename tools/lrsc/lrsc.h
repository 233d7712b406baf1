/* lrsc.h — shared by the lrsc subcommands. */
#ifndef LRSC_H
#define LRSC_H

#include "lrs.h"

#include <stdint.h>
#include <stdio.h>

/* The exit status of every command (see lrsc --help). */
typedef enum {
    LRSC_OK = 0,
    LRSC_EXIT_INPUT = 1,    /* a diagnosed error in the input, or an unwritable output */
    LRSC_EXIT_USAGE = 2,    /* a bad command line */
    LRSC_EXIT_INTERNAL = 3, /* out of memory, a backend that failed */
} lrsc_exit;

typedef enum { FMT_CSV, FMT_TSV, FMT_JSON } lrsc_format;
typedef enum { BACKEND_JIT, BACKEND_INTERP } lrsc_backend;

typedef struct lrsc_args {
    const char *file;
    const char **defines, **includes, **scheds;
    size_t ndefines, nincludes, nscheds;
    int color; /* -1 auto */
    int no_check;
    int allow_jumps; /* no warning about jumps between `then` segments */
    int range_given, start_given, stop_given;
    int64_t start, stop, stride;
    int64_t *at;
    size_t nat;
    lrsc_format format;
    const char *output;
    int log, width, height;
    int boundaries; /* check: list boundaries; plot: mark them */
    const char *title;
    int x_axis; /* plot: -1 auto, 0 steps, 1 epochs */
    lrsc_backend backend;
    int no_cache; /* native code without the on-disk cache */
    /* eval, plot: histories of signals (signals.c) */
    const char **reports; /* "NAME=FILE.csv" */
    size_t nreports;
    int64_t *plateaus;
    size_t nplateaus;
    int64_t *events; /* plateau events of the replayed history, for plot (signals.c) */
    size_t nevents;
    /* lrsc compile */
    int emit_kind, emit_kind_given;
    const char *header, *prefix, *cpu;
} lrsc_args;

lrs_program *lrsc_compile(lrsc_args *a, lrs_context **ctx, int *status);
int lrsc_select(lrsc_args *a, const lrs_program *p, size_t **out, size_t *n);
/* --steps and --at values (steps.c). */
int lrsc_parse_step(const char *s, size_t n, int64_t *out);
int lrsc_parse_slice(const char *s, lrsc_args *a);
int64_t lrsc_default_end(const lrs_program *p, const size_t *sel, size_t n, size_t max_rows,
                         int *cut);
/* The steps the user asked for (or the default over the span). */
int lrsc_steps(lrsc_args *a, const lrs_program *p, const size_t *sel, size_t n, int64_t **steps,
               size_t *nsteps, size_t max_default);

/* vals[j * nsteps + i] = schedule sel[j] at steps[i], with a->backend.
 * Returns 0, or LRSC_EXIT_INTERNAL after printing why the JIT failed. */
int lrsc_values(lrsc_args *a, lrs_program *p, const size_t *sel, size_t n, const int64_t *steps,
                size_t nsteps, double *vals);

/* A compiled program, the selected schedules and steps, and their values:
 * what eval and plot share. */
typedef struct lrsc_table {
    lrs_context *ctx;
    lrs_program *p;
    size_t *sel, n;
    int64_t *steps;
    size_t nsteps;
    double *vals; /* vals[j * nsteps + i]: schedule sel[j] at steps[i] */
} lrsc_table;
/* Fill t from a (at most about max_default rows by default); returns the
 * exit status, 0 when t is complete. Free t either way. */
int lrsc_table_fill(lrsc_args *a, size_t max_default, lrsc_table *t);
void lrsc_table_free(lrsc_table *t);

/* Round axis ticks (ticks.c): 1, 2 or 5 times a power of ten, decades on a
 * log axis (lo, hi and pos are then log10 of the values); count labels
 * step counts (250k, 3M). */
typedef struct lrsc_tick {
    double pos;
    char label[32];
} lrsc_tick;
double lrsc_nice_step(double span, int want);
void lrsc_tick_label(double v, double step, char *buf, size_t size);
void lrsc_count_label(double v, double step, char *buf, size_t size);
size_t lrsc_ticks(double lo, double hi, int want, int log_axis, int count, lrsc_tick *out,
                  size_t max);

int lrsc_check(lrsc_args *a);
/* A figure for `lrsc plot -o` (svg.c). */
typedef struct lrsc_figure {
    const char *title;
    const int64_t *steps;
    size_t nsteps;
    const double *vals; /* vals[j * nsteps + i] */
    const char *const *names;
    size_t n;
    const int *panel; /* the panel of schedule j, 0 .. npanels-1 */
    size_t npanels;
    int log_axis;
    double x_scale;       /* steps per unit of the x axis: 1, or steps_per_epoch */
    const int64_t *marks; /* boundary steps to mark */
    size_t nmarks;
    const int64_t *events; /* plateau events of a replayed history (signals.c) */
    size_t nevents;
} lrsc_figure;
double lrsc_axis_y(double v, int log_axis, double floor_pos);
int lrsc_svg_write(FILE *f, const lrsc_figure *g);
/* Render an SVG document to a PNG file; on failure a message in err. */
int lrsc_png_write(const char *path, const char *svg, size_t len, char *err, size_t errsize);
/* Option setters of --report and --plateaus. */
int lrsc_set_report(const char *cmd, const char *opt, const char *val, lrsc_args *a);
int lrsc_set_plateaus(const char *cmd, const char *opt, const char *val, lrsc_args *a);
/* The detector values at each of steps[] after replaying a's histories:
 * *det (malloc'd, NULL when p has no detectors) has
 * lrs_program_detector_count(p) values per step; a->events gets the steps
 * of the plateau events. Returns an exit status. */
int lrsc_histories(lrsc_args *a, const lrs_program *p, const int64_t *steps, size_t nsteps,
                   double **det);

int lrsc_eval(lrsc_args *a);
int lrsc_plot(lrsc_args *a);
int lrsc_compile_cmd(lrsc_args *a);

#endif
