/* plot.c — `lrsc plot`: Unicode braille plots in the terminal, one per
 * schedule, or a figure written as SVG or PNG (svg.c). */
#include "lrsc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static int term_width(void)
{
    struct winsize w;
    if (ioctl(1, TIOCGWINSZ, &w) == 0 && w.ws_col >= 20) return w.ws_col;
    const char *c = getenv("COLUMNS");
    if (c && atoi(c) >= 20 && atoi(c) <= 10000) return atoi(c);
    return 80;
}

static void put_utf8(unsigned cp)
{
    char b[4];
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    fwrite(b, 1, 3, stdout);
}

enum { MAX_TICKS = 64 };

/* One braille plot: each character holds 2 x 4 dots. The value range is
 * widened to round ticks, so the top and bottom rows carry labels. */
static void terminal_plot(const char *name, const int64_t *steps, const double *v, size_t n,
                          int width, int height, int log_axis, double x_scale, int color)
{
    const int label = 11;
    int cols = width - label - 2;
    if (cols < 10) cols = 10;
    int dw = cols * 2, dh = height * 4;
    double fp = INFINITY, lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (v[i] > 0 && v[i] < fp) fp = v[i];
    if (!isfinite(fp)) fp = 1e-12;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        double y = lrsc_axis_y(v[i], log_axis, fp);
        lo = fmin(lo, y);
        hi = fmax(hi, y);
    }
    if (!isfinite(lo)) lo = hi = 0;
    if (hi - lo <= 1e-12 * fmax(fabs(hi), 1e-300)) {
        double pad = log_axis ? 0.5 : fabs(hi) > 0 ? fabs(hi) * 0.1 : 1;
        lo -= pad;
        hi += pad;
    }
    int want = height > 6 ? 4 : 2;
    if (!log_axis) {
        double s = lrsc_nice_step(hi - lo, want);
        lo = floor(lo / s + 1e-9) * s;
        hi = ceil(hi / s - 1e-9) * s;
    } else if (hi - lo >= 1) {
        lo = floor(lo + 1e-9); /* whole decades, labelled at the top and bottom rows */
        hi = ceil(hi - 1e-9);
        want = height / 2 > 2 ? height / 2 : 2;
    }
    lrsc_tick yt[MAX_TICKS];
    size_t nyt = lrsc_ticks(lo, hi, want, log_axis, 0, yt, MAX_TICKS);
    unsigned char *cell = calloc((size_t)cols * (size_t)height, 1);
    const char **rowlab = calloc((size_t)height, sizeof *rowlab);
    if (!cell || !rowlab) {
        free(cell);
        free(rowlab);
        return;
    }
    for (size_t t = 0; t < nyt; t++) {
        int r = (int)lround((hi - yt[t].pos) / (hi - lo) * (height - 1));
        if (r >= 0 && r < height && !rowlab[r]) rowlab[r] = yt[t].label;
    }
    static const unsigned char bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    int prev = -1;
    for (int x = 0; x < dw; x++) {
        size_t i = n > 1 ? (size_t)llround((double)x * (double)(n - 1) / (dw - 1)) : 0;
        if (!isfinite(v[i])) {
            prev = -1;
            continue;
        }
        double t = (lrsc_axis_y(v[i], log_axis, fp) - lo) / (hi - lo);
        int y = (int)llround(t * (dh - 1));
        if (y < 0) y = 0;
        if (y > dh - 1) y = dh - 1;
        int y0 = prev < 0 ? y : prev, y1 = y;
        if (y0 > y1) {
            int tmp = y0;
            y0 = y1;
            y1 = tmp;
        }
        /* join to the previous column so steep drops stay connected */
        for (int yy = y0; yy <= y1; yy++) {
            int row = (dh - 1 - yy) / 4, sub = (dh - 1 - yy) % 4;
            cell[row * cols + x / 2] |= bit[x % 2][sub];
        }
        prev = y;
    }
    printf("%s%s%s%s\n", color ? "\033[1m" : "", name, color ? "\033[0m" : "",
           log_axis ? "  (log scale)" : "");
    for (int r = 0; r < height; r++) {
        printf("%*s %s", label - 1, rowlab[r] ? rowlab[r] : "", rowlab[r] ? "┤" : "│");
        if (color) fputs("\033[36m", stdout);
        for (int c = 0; c < cols; c++)
            put_utf8(0x2800u + cell[r * cols + c]);
        if (color) fputs("\033[0m", stdout);
        putchar('\n');
    }
    /* x axis: round ticks where their labels fit */
    double x0 = (double)steps[0], x1 = (double)steps[n - 1];
    if (x1 <= x0) x1 = x0 + 1;
    lrsc_tick xt[MAX_TICKS];
    size_t nxt = lrsc_ticks(x0 / x_scale, x1 / x_scale, cols / 14 > 1 ? cols / 14 : 2, 0,
                            x_scale == 1, xt, MAX_TICKS);
    char *axis = malloc((size_t)cols + 1), *labels = malloc((size_t)cols + 16);
    if (axis && labels) {
        memset(labels, ' ', (size_t)cols + 15);
        labels[cols + 15] = 0;
        int used = -1;
        for (int c = 0; c < cols; c++)
            axis[c] = 0;
        for (size_t t = 0; t < nxt; t++) {
            int c = (int)lround((xt[t].pos * x_scale - x0) / (x1 - x0) * (cols - 1));
            int len = (int)strlen(xt[t].label), at = c - len / 2;
            if (at < 0) at = 0;
            if (c < 0 || c >= cols || at <= used || at + len > cols + 15) continue;
            memcpy(labels + at, xt[t].label, (size_t)len);
            axis[c] = 1;
            used = at + len;
        }
        printf("%*s └", label - 1, "");
        for (int c = 0; c < cols; c++)
            fputs(axis[c] ? "┬" : "─", stdout);
        putchar('\n');
        int end = cols + 15;
        while (end > 0 && labels[end - 1] == ' ')
            end--;
        labels[end] = 0;
        printf("%*s  %s  %s\n\n", label - 1, "", labels, x_scale == 1 ? "steps" : "epochs");
    }
    free(axis);
    free(labels);
    free(rowlab);
    free(cell);
}

/* A schedule's extent on the value axis: from zero for rates, else its own
 * range; a flat line counts from zero (or as one decade on a log axis). */
static void extent(const double *v, size_t n, int log_axis, double fp, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i])) {
            double y = lrsc_axis_y(v[i], log_axis, fp);
            *lo = fmin(*lo, y);
            *hi = fmax(*hi, y);
        }
    if (!isfinite(*lo)) *lo = *hi = 0;
    if (log_axis) {
        if (*hi - *lo < 1) *lo = *hi - 1;
    } else if (*lo >= 0 && (*lo < 0.5 * *hi || *hi - *lo <= 1e-12 * *hi)) {
        *lo = 0;
    }
}

/* Schedules of different magnitude go to different panels: a schedule
 * joins a panel only if every member (itself included) keeps at least a
 * third of the panel's height. Returns the number of panels. */
static size_t group_panels(const double *vals, size_t n, size_t nsteps, int log_axis, int *panel)
{
    double fp = INFINITY;
    for (size_t i = 0; i < n * nsteps; i++)
        if (vals[i] > 0 && vals[i] < fp) fp = vals[i];
    if (!isfinite(fp)) fp = 1e-12;
    double *lo = malloc(2 * (n ? n : 1) * sizeof *lo), *hi = lo ? lo + n : NULL;
    if (!lo) {
        for (size_t j = 0; j < n; j++)
            panel[j] = 0;
        return 1;
    }
    for (size_t j = 0; j < n; j++)
        extent(vals + j * nsteps, nsteps, log_axis, fp, &lo[j], &hi[j]);
    size_t np = 0;
    for (size_t j = 0; j < n; j++) {
        panel[j] = -1;
        for (size_t k = 0; k < np && panel[j] < 0; k++) {
            double plo = lo[j], phi = hi[j];
            for (size_t m = 0; m < j; m++)
                if ((size_t)panel[m] == k) {
                    plo = fmin(plo, lo[m]);
                    phi = fmax(phi, hi[m]);
                }
            int fits = 1;
            for (size_t m = 0; m <= j && fits; m++)
                if (m == j || (size_t)panel[m] == k)
                    fits = (hi[m] - lo[m]) >= (phi - plo) / 3 || phi == plo;
            if (fits) panel[j] = (int)k;
        }
        if (panel[j] < 0) panel[j] = (int)np++;
    }
    free(lo);
    return np ? np : 1;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* The boundaries of the selected schedules in the plotted range. */
static size_t collect_marks(const lrs_program *p, const size_t *sel, size_t n, int64_t last,
                            int64_t **out)
{
    size_t k = 0, cap = 0;
    *out = NULL;
    for (size_t j = 0; j < n; j++) {
        int64_t b = -1;
        while ((b = lrs_program_next_boundary(p, sel[j], b)) >= 0 && b <= last && k < 100000) {
            if (k == cap) {
                int64_t *q = realloc(*out, (cap = cap ? 2 * cap : 64) * sizeof *q);
                if (!q) return k;
                *out = q;
            }
            (*out)[k++] = b;
        }
    }
    return k;
}

static int write_figure(lrsc_args *a, const lrsc_figure *g)
{
    int png = ends_with(a->output, ".png");
    if (!png && !ends_with(a->output, ".svg")) {
        fprintf(stderr,
                "lrsc plot: cannot tell the format of '%s': -o takes FILE.svg or FILE.png\n",
                a->output);
        return LRSC_EXIT_USAGE;
    }
    if (!png) {
        FILE *f = fopen(a->output, "w");
        int bad = !f || lrsc_svg_write(f, g);
        if (f && fclose(f)) bad = 1;
        if (bad) fprintf(stderr, "lrsc plot: cannot write %s\n", a->output);
        return bad ? LRSC_EXIT_INPUT : 0;
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m) return LRSC_EXIT_INTERNAL;
    int bad = lrsc_svg_write(m, g);
    if (fclose(m) || bad) {
        free(buf);
        return LRSC_EXIT_INTERNAL;
    }
    char err[512];
    int r = lrsc_png_write(a->output, buf, len, err, sizeof err);
    free(buf);
    if (r) {
        fprintf(stderr, "lrsc plot: %s\n", err);
        return LRSC_EXIT_INPUT;
    }
    return 0;
}

/* Steps per unit of the x axis: steps_per_epoch for --x epochs (the
 * default when the program sets it), else 1. */
static int x_scale_of(lrsc_args *a, const lrs_program *p, double *scale)
{
    double spe = NAN;
    for (size_t i = 0; i < lrs_program_param_count(p); i++)
        if (!strcmp(lrs_program_param_name(p, i), "steps_per_epoch"))
            spe = lrs_program_param_value(p, i);
    *scale = 1;
    if (a->x_axis == 0) return 0;
    if (!(spe > 0) || !isfinite(spe)) {
        if (a->x_axis != 1) return 0;
        fprintf(stderr,
                "lrsc plot: --x epochs needs `param steps_per_epoch` in %s (or -D "
                "steps_per_epoch=N)\n",
                a->file);
        return LRSC_EXIT_USAGE;
    }
    *scale = spe;
    return 0;
}

int lrsc_plot(lrsc_args *a)
{
    lrsc_table t;
    int status = lrsc_table_fill(a, 2000, &t);
    lrs_program *p = t.p;
    size_t n = t.n, nsteps = t.nsteps;
    int64_t *marks = NULL;
    int *panel = NULL;
    const char **names = NULL;
    double scale = 1;
    if (status) goto done;
    if (n == 0) {
        fprintf(stderr, "lrsc: %s exports no schedules to plot\n", a->file);
        status = LRSC_EXIT_INPUT;
        goto done;
    }
    if (nsteps == 0) {
        fprintf(stderr, "lrsc plot: --steps selects no steps\n");
        status = LRSC_EXIT_USAGE;
        goto done;
    }
    if ((status = x_scale_of(a, p, &scale))) goto done;
    if (!a->output) {
        int color = a->color >= 0 ? a->color : isatty(1);
        int width = a->width ? a->width : term_width();
        if (a->title) printf("%s\n\n", a->title);
        for (size_t j = 0; j < n; j++)
            terminal_plot(lrs_program_schedule_name(p, t.sel[j]), t.steps, t.vals + j * nsteps,
                          nsteps, width, a->height ? a->height : 10, a->log, scale, color);
        for (size_t k = 0; k < a->nevents; k++) /* of a replayed history */
            printf("%s %lld%s", k ? "," : "plateau events at steps", (long long)a->events[k],
                   k + 1 == a->nevents ? "\n" : "");
        goto done;
    }
    panel = malloc(n * sizeof *panel);
    names = malloc(n * sizeof *names);
    if (!panel || !names) {
        status = LRSC_EXIT_INTERNAL;
        goto done;
    }
    for (size_t j = 0; j < n; j++)
        names[j] = lrs_program_schedule_name(p, t.sel[j]);
    lrsc_figure g = {
        .title = a->title ? a->title : base_name(a->file),
        .steps = t.steps,
        .nsteps = nsteps,
        .vals = t.vals,
        .names = names,
        .n = n,
        .panel = panel,
        .npanels = group_panels(t.vals, n, nsteps, a->log, panel),
        .log_axis = a->log,
        .x_scale = scale,
    };
    if (a->boundaries) g.nmarks = collect_marks(p, t.sel, n, t.steps[nsteps - 1], &marks);
    g.marks = marks;
    g.events = a->events;
    g.nevents = a->nevents;
    status = write_figure(a, &g);
done:
    free(marks);
    free(panel);
    free(names);
    lrsc_table_free(&t);
    return status;
}
