/* svg.c — the SVG figure of `lrsc plot -o`: one panel per group of
 * schedules of similar magnitude, sharing the step (or epoch) axis, with
 * round ticks, the legend beside the data, and optional boundary marks. */
#include "lrsc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const colors[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd",
                                     "#ff7f0e", "#17becf", "#8c564b"};
enum { NCOLORS = sizeof colors / sizeof *colors, MAX_TICKS = 64, MAX_MARKS = 200 };

/* Layout in pixels. */
static const double plot_w = 600, panel_h = 220, panel_gap = 28, margin_l = 78, margin_t = 44,
                    margin_b = 52, char_w = 7.2;

static void xml_text(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '<')
            fputs("&lt;", f);
        else if (*s == '>')
            fputs("&gt;", f);
        else if (*s == '&')
            fputs("&amp;", f);
        else if (*s == '"')
            fputs("&quot;", f);
        else
            fputc(*s, f);
    }
}

/* Value-axis transform: linear, or log10 with non-positive values floored. */
double lrsc_axis_y(double v, int log_axis, double floor_pos)
{
    if (!log_axis) return v;
    return log10(v > floor_pos ? v : floor_pos);
}

/* The smallest positive finite value of the figure: log axes floor at it. */
static double floor_positive(const lrsc_figure *g)
{
    double pos = INFINITY;
    for (size_t i = 0; i < g->n * g->nsteps; i++)
        if (g->vals[i] > 0 && g->vals[i] < pos) pos = g->vals[i];
    return isfinite(pos) ? pos : 1e-12;
}

/* The value range of panel k, padded so a line at an extreme stays clear
 * of the frame. */
static void panel_range(const lrsc_figure *g, size_t k, double fp, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t j = 0; j < g->n; j++) {
        if ((size_t)g->panel[j] != k) continue;
        for (size_t i = 0; i < g->nsteps; i++) {
            double v = g->vals[j * g->nsteps + i];
            if (!isfinite(v)) continue;
            double y = lrsc_axis_y(v, g->log_axis, fp);
            if (y < *lo) *lo = y;
            if (y > *hi) *hi = y;
        }
    }
    if (!isfinite(*lo)) *lo = *hi = 0;
    if (!g->log_axis && *lo > 0 && *lo < 0.5 * *hi) *lo = 0; /* rates read best from zero */
    if (*hi - *lo <= 1e-12 * fmax(fabs(*hi), 1e-300)) {
        double pad = g->log_axis ? 0.5 : fabs(*hi) > 0 ? fabs(*hi) * 0.1 : 1;
        *lo -= pad;
        *hi += pad;
    }
    double pad = 0.05 * (*hi - *lo);
    *lo -= pad;
    *hi += pad;
}

typedef struct pts {
    double *xy;
    size_t n, cap;
} pts;

static void pts_add(pts *p, double x, double y)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        double *q = realloc(p->xy, 2 * cap * sizeof *q);
        if (!q) return;
        p->xy = q;
        p->cap = cap;
    }
    p->xy[2 * p->n] = x;
    p->xy[2 * p->n + 1] = y;
    p->n++;
}

/* Distance of point b from the line through a and c, in pixels. */
static double off_line(const double *a, const double *b, const double *c)
{
    double dx = c[0] - a[0], dy = c[1] - a[1], len = sqrt(dx * dx + dy * dy);
    if (len == 0) return hypot(b[0] - a[0], b[1] - a[1]);
    return fabs(dy * (b[0] - a[0]) - dx * (b[1] - a[1])) / len;
}

/* Print a run of points as one polyline, leaving out points that lie
 * within a tenth of a pixel of the line through their neighbours. */
static void pts_flush(FILE *f, pts *p, const char *color)
{
    if (p->n) {
        fprintf(f,
                "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.6\" "
                "stroke-linejoin=\"round\" points=\"",
                color);
        size_t last = 0;
        fprintf(f, "%.1f,%.1f", p->xy[0], p->xy[1]);
        for (size_t i = 1; i < p->n; i++) {
            int keep = i + 1 == p->n;
            for (size_t k = last + 1; k <= i && !keep; k++)
                keep = off_line(p->xy + 2 * last, p->xy + 2 * k, p->xy + 2 * (i + 1)) > 0.1;
            if (!keep) continue;
            fprintf(f, " %.1f,%.1f", p->xy[2 * i], p->xy[2 * i + 1]);
            last = i;
        }
        fputs("\"/>\n", f);
    }
    p->n = 0;
}

/* One curve: at most four points per pixel column (first, least,
 * greatest, last), so long ranges stay small without losing a spike; a
 * value that is not finite breaks the line. */
static void polyline(FILE *f, const lrsc_figure *g, size_t j, double x0, double x1, double px0,
                     double lo, double hi, double py0, double fp)
{
    const double *v = g->vals + j * g->nsteps;
    pts p = {0};
    long col = -1;
    size_t first = 0, least = 0, most = 0, last = 0;
    for (size_t i = 0; i <= g->nsteps; i++) {
        int ok = i < g->nsteps && isfinite(v[i]);
        long c = ok ? (long)floor(((double)g->steps[i] - x0) / (x1 - x0) * plot_w) : -2;
        if (col >= 0 && c != col) {
            size_t q[4] = {first, least < most ? least : most, least < most ? most : least, last};
            for (int k = 0; k < 4; k++)
                if (k == 0 || q[k] != q[k - 1])
                    pts_add(&p, px0 + ((double)g->steps[q[k]] - x0) / (x1 - x0) * plot_w,
                            py0 + panel_h -
                                (lrsc_axis_y(v[q[k]], g->log_axis, fp) - lo) / (hi - lo) * panel_h);
            col = -1;
        }
        if (!ok) {
            pts_flush(f, &p, colors[j % NCOLORS]);
            continue;
        }
        if (col < 0) {
            col = c;
            first = least = most = last = i;
        }
        if (v[i] < v[least]) least = i;
        if (v[i] > v[most]) most = i;
        last = i;
    }
    free(p.xy);
}

int lrsc_svg_write(FILE *f, const lrsc_figure *g)
{
    size_t longest = 0;
    for (size_t j = 0; j < g->n; j++)
        if (strlen(g->names[j]) > longest) longest = strlen(g->names[j]);
    double legend_w = 44 + char_w * (double)longest;
    if (legend_w < 110) legend_w = 110;
    double W = margin_l + plot_w + legend_w;
    double H =
        margin_t + (double)g->npanels * panel_h + (double)(g->npanels - 1) * panel_gap + margin_b;
    double x0 = (double)g->steps[0], x1 = (double)g->steps[g->nsteps - 1];
    if (x1 <= x0) x1 = x0 + 1;
    double fp = floor_positive(g);
    fprintf(f,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%g\" height=\"%g\" "
            "viewBox=\"0 0 %g %g\" font-family=\"DejaVu Sans, sans-serif\" font-size=\"12\">\n",
            W, H, W, H);
    fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
    if (g->title && *g->title) {
        fprintf(f, "<text x=\"%g\" y=\"26\" text-anchor=\"middle\" font-size=\"15\">",
                margin_l + plot_w / 2);
        xml_text(f, g->title);
        fprintf(f, "</text>\n");
    }
    /* x ticks in the axis unit (steps or epochs), placed at their steps */
    lrsc_tick xt[MAX_TICKS];
    int counts = g->x_scale == 1;
    size_t nxt = lrsc_ticks(x0 / g->x_scale, x1 / g->x_scale, 8, 0, counts, xt, MAX_TICKS);
    for (size_t k = 0; k < g->npanels; k++) {
        double py0 = margin_t + (double)k * (panel_h + panel_gap);
        double lo, hi;
        panel_range(g, k, fp, &lo, &hi);
        for (size_t t = 0; t < nxt; t++) {
            double px = margin_l + (xt[t].pos * g->x_scale - x0) / (x1 - x0) * plot_w;
            fprintf(f, "<line x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" stroke=\"#e3e3e3\"/>\n",
                    px, py0, px, py0 + panel_h);
            if (k + 1 == g->npanels)
                fprintf(f, "<text x=\"%.2f\" y=\"%g\" text-anchor=\"middle\">%s</text>\n", px,
                        py0 + panel_h + 18, xt[t].label);
        }
        lrsc_tick yt[MAX_TICKS];
        size_t nyt = lrsc_ticks(lo, hi, g->log_axis ? 7 : 5, g->log_axis, 0, yt, MAX_TICKS);
        for (size_t t = 0; t < nyt; t++) {
            double py = py0 + panel_h - (yt[t].pos - lo) / (hi - lo) * panel_h;
            fprintf(f, "<line x1=\"%g\" y1=\"%.2f\" x2=\"%g\" y2=\"%.2f\" stroke=\"#e3e3e3\"/>\n",
                    margin_l, py, margin_l + plot_w, py);
            fprintf(f, "<text x=\"%g\" y=\"%.2f\" text-anchor=\"end\">%s</text>\n", margin_l - 6,
                    py + 4, yt[t].label);
        }
        /* boundary marks */
        if (g->nmarks <= MAX_MARKS)
            for (size_t m = 0; m < g->nmarks; m++) {
                double s = (double)g->marks[m];
                if (s < x0 || s > x1) continue;
                double px = margin_l + (s - x0) / (x1 - x0) * plot_w;
                fprintf(f,
                        "<line class=\"boundary\" x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" "
                        "stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n",
                        px, py0, px, py0 + panel_h);
            }
        /* plateau events of a replayed history */
        for (size_t m = 0; m < g->nevents && m < MAX_MARKS; m++) {
            double s = (double)g->events[m];
            if (s < x0 || s > x1) continue;
            double px = margin_l + (s - x0) / (x1 - x0) * plot_w;
            fprintf(f,
                    "<line class=\"event\" x1=\"%.2f\" y1=\"%g\" x2=\"%.2f\" y2=\"%g\" "
                    "stroke=\"#c44\" stroke-dasharray=\"2 2\"/>\n",
                    px, py0, px, py0 + panel_h);
            if (k == 0)
                fprintf(f,
                        "<text class=\"event\" x=\"%.2f\" y=\"%g\" text-anchor=\"middle\" "
                        "font-size=\"10\" fill=\"#c44\">plateau</text>\n",
                        px, py0 - 3);
        }
        fprintf(f, "<g class=\"data\">\n");
        for (size_t j = 0; j < g->n; j++)
            if ((size_t)g->panel[j] == k) polyline(f, g, j, x0, x1, margin_l, lo, hi, py0, fp);
        fprintf(f, "</g>\n");
        fprintf(f,
                "<rect class=\"frame\" x=\"%g\" y=\"%g\" width=\"%g\" height=\"%g\" fill=\"none\" "
                "stroke=\"#333\"/>\n",
                margin_l, py0, plot_w, panel_h);
        fprintf(f,
                "<text x=\"18\" y=\"%g\" text-anchor=\"middle\" transform=\"rotate(-90 18 %g)\">"
                "value%s</text>\n",
                py0 + panel_h / 2, py0 + panel_h / 2, g->log_axis ? " (log)" : "");
        /* the legend, beside the panel */
        double ly = py0 + 14;
        for (size_t j = 0; j < g->n; j++) {
            if ((size_t)g->panel[j] != k) continue;
            double lx = margin_l + plot_w + 12;
            fprintf(f,
                    "<line class=\"legend\" x1=\"%g\" y1=\"%g\" x2=\"%g\" y2=\"%g\" stroke=\"%s\" "
                    "stroke-width=\"2\"/>\n",
                    lx, ly - 4, lx + 20, ly - 4, colors[j % NCOLORS]);
            fprintf(f, "<text class=\"legend\" x=\"%g\" y=\"%g\">", lx + 26, ly);
            xml_text(f, g->names[j]);
            fprintf(f, "</text>\n");
            ly += 16;
        }
    }
    fprintf(f, "<text x=\"%g\" y=\"%g\" text-anchor=\"middle\">%s</text>\n", margin_l + plot_w / 2,
            H - 12, g->x_scale == 1 ? "step" : "epoch");
    fprintf(f, "</svg>\n");
    return ferror(f) ? -1 : 0;
}

#ifdef LRSC_HAVE_PNG
#include <cairo.h>
#include <dlfcn.h>
#include <librsvg/rsvg.h>

/* librsvg (and through it cairo, GObject and GLib, some fifty libraries)
 * is loaded when a PNG is written, not when lrsc starts: loading it costs
 * every other command more than the command's own work. The headers give
 * the functions' types; dlsym on librsvg's handle also finds the symbols
 * of the libraries it depends on. */
struct png_api {
    __typeof__(rsvg_handle_new_from_data) *new_from_data;
    __typeof__(rsvg_handle_get_intrinsic_size_in_pixels) *size_in_pixels;
    __typeof__(rsvg_handle_render_document) *render_document;
    __typeof__(cairo_image_surface_create) *surface_create;
    __typeof__(cairo_create) *create;
    __typeof__(cairo_destroy) *destroy;
    __typeof__(cairo_surface_write_to_png) *write_to_png;
    __typeof__(cairo_surface_destroy) *surface_destroy;
    __typeof__(g_object_unref) *object_unref;
    __typeof__(g_error_free) *error_free;
};

static int png_api_load(struct png_api *api, char *err, size_t errsize)
{
    void *h = dlopen(LRSC_RSVG_LIBRARY, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        snprintf(err, errsize, "cannot load %s for PNG output: %s; write an .svg instead",
                 LRSC_RSVG_LIBRARY, why ? why : "unknown error");
        return -1;
    }
    static const char *const names[] = {"rsvg_handle_new_from_data",
                                        "rsvg_handle_get_intrinsic_size_in_pixels",
                                        "rsvg_handle_render_document",
                                        "cairo_image_surface_create",
                                        "cairo_create",
                                        "cairo_destroy",
                                        "cairo_surface_write_to_png",
                                        "cairo_surface_destroy",
                                        "g_object_unref",
                                        "g_error_free"};
    void *sym[sizeof names / sizeof *names];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!(sym[i] = dlsym(h, names[i]))) {
            snprintf(err, errsize, "%s has no %s; write an .svg instead", LRSC_RSVG_LIBRARY,
                     names[i]);
            dlclose(h);
            return -1;
        }
    _Static_assert(sizeof sym == sizeof *api, "one symbol per member");
    memcpy(api, sym, sizeof *api);
    return 0; /* h stays loaded for the process */
}

int lrsc_png_write(const char *path, const char *svg, size_t len, char *err, size_t errsize)
{
    struct png_api api;
    if (png_api_load(&api, err, errsize)) return -1;
    GError *e = NULL;
    RsvgHandle *h = api.new_from_data((const guint8 *)svg, len, &e);
    if (!h) {
        snprintf(err, errsize, "cannot read the SVG: %s", e ? e->message : "unknown error");
        if (e) api.error_free(e);
        return -1;
    }
    gdouble w = 0, hgt = 0;
    if (!api.size_in_pixels(h, &w, &hgt) || !(w > 0) || !(hgt > 0)) {
        snprintf(err, errsize, "the SVG has no size");
        api.object_unref(h);
        return -1;
    }
    cairo_surface_t *s = api.surface_create(CAIRO_FORMAT_ARGB32, (int)ceil(w), (int)ceil(hgt));
    cairo_t *cr = api.create(s);
    RsvgRectangle vp = {0, 0, w, hgt};
    int ok = api.render_document(h, cr, &vp, &e);
    api.destroy(cr);
    if (!ok) {
        snprintf(err, errsize, "cannot render the SVG: %s", e ? e->message : "unknown error");
        if (e) api.error_free(e);
    } else if (api.write_to_png(s, path) != CAIRO_STATUS_SUCCESS) {
        snprintf(err, errsize, "cannot write %s", path);
        ok = 0;
    }
    api.surface_destroy(s);
    api.object_unref(h);
    return ok ? 0 : -1;
}
#else
int lrsc_png_write(const char *path, const char *svg, size_t len, char *err, size_t errsize)
{
    (void)path, (void)svg, (void)len;
    snprintf(err, errsize,
             "this lrsc was built without PNG support (librsvg-2.0 was not found); write an .svg "
             "instead");
    return -1;
}
#endif
