/* plot.c — `lrsc plot`: Unicode braille plots in the terminal, one per
 * schedule, or an SVG file with axes, ticks, labels and a legend. */
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
    if (c && atoi(c) >= 20) return atoi(c);
    return 80;
}

/* Value-axis transform: linear, or log10 with non-positive values floored. */
static double ty(double v, int log_axis, double floor_pos)
{
    if (!log_axis) return v;
    return log10(v > floor_pos ? v : floor_pos);
}

static void range_of(const double *v, size_t n, int log_axis, double *lo, double *hi,
                     double *floor_pos)
{
    double pos = INFINITY;
    for (size_t i = 0; i < n; i++)
        if (v[i] > 0 && v[i] < pos) pos = v[i];
    *floor_pos = isfinite(pos) ? pos : 1e-12;
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) continue;
        double y = ty(v[i], log_axis, *floor_pos);
        if (y < *lo) *lo = y;
        if (y > *hi) *hi = y;
    }
    if (!isfinite(*lo)) *lo = *hi = 0;
    if (*hi - *lo < 1e-300) {
        double pad = fabs(*hi) > 0 ? fabs(*hi) * 0.1 : 1;
        *lo -= pad;
        *hi += pad;
    }
}

static void put_utf8(unsigned cp)
{
    char b[4];
    b[0] = (char)(0xE0 | (cp >> 12));
    b[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    b[2] = (char)(0x80 | (cp & 0x3F));
    fwrite(b, 1, 3, stdout);
}

/* One braille plot: each character holds 2 x 4 dots. */
static void terminal_plot(const char *name, const int64_t *steps, const double *v, size_t n,
                          int width, int height, int log_axis, int color)
{
    const int label = 11;
    int cols = width - label - 2;
    if (cols < 10) cols = 10;
    int dw = cols * 2, dh = height * 4;
    double lo, hi, fp;
    range_of(v, n, log_axis, &lo, &hi, &fp);
    unsigned char *cell = calloc((size_t)cols * (size_t)height, 1);
    if (!cell) return;
    static const unsigned char bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
    int prev = -1;
    for (int x = 0; x < dw; x++) {
        size_t i = n > 1 ? (size_t)llround((double)x * (double)(n - 1) / (dw - 1)) : 0;
        if (!isfinite(v[i])) {
            prev = -1;
            continue;
        }
        double t = (ty(v[i], log_axis, fp) - lo) / (hi - lo);
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
        char lab[32] = "";
        if (r == 0 || r == height - 1 || r == height / 2) {
            double y = hi - (hi - lo) * (r * 4 + (r == height - 1 ? 3 : 0)) / (dh - 1);
            snprintf(lab, sizeof lab, "%.3g", log_axis ? pow(10, y) : y);
        }
        printf("%*s %s", label - 1, lab, r == 0 || r == height - 1 || r == height / 2 ? "┤" : "│");
        if (color) fputs("\033[36m", stdout);
        for (int c = 0; c < cols; c++)
            put_utf8(0x2800u + cell[r * cols + c]);
        if (color) fputs("\033[0m", stdout);
        putchar('\n');
    }
    printf("%*s └", label - 1, "");
    for (int c = 0; c < cols; c++)
        fputs("─", stdout);
    putchar('\n');
    char left[32], mid[32], right[32];
    snprintf(left, sizeof left, "%lld", (long long)steps[0]);
    snprintf(mid, sizeof mid, "%lld", (long long)steps[n / 2]);
    snprintf(right, sizeof right, "%lld", (long long)steps[n - 1]);
    int gap1 = cols / 2 - (int)strlen(left) - (int)strlen(mid) / 2;
    int gap2 = cols - cols / 2 - ((int)strlen(mid) + 1) / 2 - (int)strlen(right) + 1;
    printf("%*s  %s%*s%s%*s%s  steps\n\n", label - 1, "", left, gap1 > 1 ? gap1 : 1, "", mid,
           gap2 > 1 ? gap2 : 1, "", right);
    free(cell);
}

/* ---- SVG ---------------------------------------------------------------------- */

/* Round tick spacing: 1, 2 or 5 times a power of ten. */
static double nice_step(double span, int want)
{
    double raw = span / want, p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else
            fputc(*s, f);
    }
}

static int svg_plot(const char *path, const char *title, const lrs_program *p, const size_t *sel,
                    size_t ns, const int64_t *steps, const double *v, size_t n, int log_axis)
{
    static const char *colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                   "#ff7f0e", "#17becf", "#8c564b"};
    const double W = 800, H = 450, ml = 80, mr = 20, mt = 40, mb = 50;
    double pw = W - ml - mr, ph = H - mt - mb;
    double lo, hi, fp;
    range_of(v, n * ns, log_axis, &lo, &hi, &fp);
    if (!log_axis && lo > 0 && lo < 0.5 * hi) lo = 0; /* rates read best from zero */
    double x0 = (double)steps[0], x1 = (double)steps[n - 1];
    if (x1 <= x0) x1 = x0 + 1;
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" viewBox=\"0 0 %g "
            "%g\" "
            "font-family=\"sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    fprintf(f, "<text x=\"%g\" y=\"24\" text-anchor=\"middle\" font-size=\"14\">", W / 2);
    xml_text(f, title);
    fprintf(f, "</text>\n");
    /* grid and ticks */
    double xs = nice_step(x1 - x0, 8);
    for (double x = ceil(x0 / xs) * xs; x <= x1 + 1e-9 * xs; x += xs) {
        double px = ml + (x - x0) / (x1 - x0) * pw;
        fprintf(f, "<line x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" stroke=\"#e5e5e5\"/>\n", px,
                mt, px, mt + ph);
        fprintf(f, "<text x=\"%.2f\" y=\"%g\" text-anchor=\"middle\">%.10g</text>\n", px,
                mt + ph + 18, x);
    }
    double ys = nice_step(hi - lo, 6);
    for (double y = ceil(lo / ys) * ys; y <= hi + 1e-9 * ys; y += ys) {
        double py = mt + ph - (y - lo) / (hi - lo) * ph;
        fprintf(f, "<line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" stroke=\"#e5e5e5\"/>\n", ml,
                py, ml + pw, py);
        fprintf(f, "<text x=\"%g\" y=\"%.2f\" text-anchor=\"end\">%.4g</text>\n", ml - 6, py + 4,
                log_axis               ? pow(10, y)
                : fabs(y) < 1e-12 * ys ? 0
                                       : y);
    }
    fprintf(f,
            "<rect x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" stroke=\"#333\"/>\n",
            ml, mt, pw, ph);
    fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">step</text>\n", ml + pw / 2, H - 10);
    fprintf(f,
            "<text x=\"16\" y=\"%g\" text-anchor=\"middle\" transform=\"rotate(-90 16 "
            "%g)\">value%s</text>\n",
            mt + ph / 2, mt + ph / 2, log_axis ? " (log)" : "");
    for (size_t j = 0; j < ns; j++) {
        const char *c = colors[j % (sizeof colors / sizeof *colors)];
        fprintf(f, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" points=\"", c);
        for (size_t i = 0; i < n; i++) {
            double val = v[j * n + i];
            if (!isfinite(val)) continue;
            double px = ml + ((double)steps[i] - x0) / (x1 - x0) * pw;
            double py = mt + ph - (ty(val, log_axis, fp) - lo) / (hi - lo) * ph;
            fprintf(f, "%.2f,%.2f ", px, py);
        }
        fprintf(f, "\"/>\n");
        double ly = mt + 14 + 16 * (double)j;
        fprintf(
            f, "<line x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" stroke-width=\"2\"/>\n",
            ml + pw - 130, ly - 4, ml + pw - 110, ly - 4, c);
        fprintf(f, "<text x=\"%g\" y=\"%g\">", ml + pw - 104, ly);
        xml_text(f, lrs_program_schedule_name(p, sel[j]));
        fprintf(f, "</text>\n");
    }
    fprintf(f, "</svg>\n");
    int bad = ferror(f);
    if (fclose(f) || bad) return -1;
    return 0;
}

int lrsc_plot(lrsc_args *a)
{
    if (a->nat) {
        fprintf(stderr, "lrsc plot: --at is for eval; use --steps\n");
        return LRSC_EXIT_USAGE;
    }
    lrsc_table t;
    int status = lrsc_table_fill(a, 2000, &t);
    lrs_program *p = t.p;
    size_t *sel = t.sel, n = t.n, nsteps = t.nsteps;
    int64_t *steps = t.steps;
    double *vals = t.vals;
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
    if (a->output) {
        if (svg_plot(a->output, a->file, p, sel, n, steps, vals, nsteps, a->log)) {
            fprintf(stderr, "lrsc: cannot write %s\n", a->output);
            status = LRSC_EXIT_INPUT;
        }
    } else {
        int color = a->color >= 0 ? a->color : isatty(1);
        int width = a->width ? a->width : term_width();
        for (size_t j = 0; j < n; j++)
            terminal_plot(lrs_program_schedule_name(p, sel[j]), steps, vals + j * nsteps, nsteps,
                          width, a->height ? a->height : 10, a->log, color);
    }
done:
    lrsc_table_free(&t);
    return status;
}
