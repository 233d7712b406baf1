/* lrs_wasm.c — the playground's entry points: liblrs's compiler, checker
 * and interpreter behind one JSON-returning call for the browser page.
 * Nothing here computes a schedule value itself; every number comes from
 * the same library code that lrsc runs. */
#include "lrs.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXPORT(name) __attribute__((export_name(#name)))

enum { MAX_POINTS = 1000000, MAX_DEFINES = 256, MAX_MARKS = 4096 };

typedef struct buf {
    char *p;
    size_t n, cap;
    int oom;
} buf;

static void put(buf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (b->n + n + 1 > cap)
            cap *= 2;
        char *q = realloc(b->p, cap);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void puts_(buf *b, const char *s)
{
    put(b, s, strlen(s));
}

static void printf_(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void printf_(buf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

/* A JSON string literal. */
static void str(buf *b, const char *s)
{
    puts_(b, "\"");
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            put(b, e, 2);
        } else if (c == '\n') {
            puts_(b, "\\n");
        } else if (c < 0x20) {
            printf_(b, "\\u%04x", c);
        } else {
            put(b, (const char *)&c, 1);
        }
    }
    puts_(b, "\"");
}

/* Numbers as lrsc eval prints them (%.17g); JSON has no inf or nan. */
static void num(buf *b, double v)
{
    if (isfinite(v))
        printf_(b, "%.17g", v);
    else
        str(b, isnan(v) ? "nan" : v > 0 ? "inf" : "-inf");
}

static const char *severity(lrs_severity s)
{
    switch (s) {
    case LRS_SEV_ERROR:
        return "error";
    case LRS_SEV_WARNING:
        return "warning";
    case LRS_SEV_NOTE:
        return "note";
    case LRS_SEV_HELP:
        return "help";
    }
    return "error";
}

static void diagnostics(buf *b, const lrs_diags *d)
{
    puts_(b, "\"diagnostics\": [");
    for (size_t i = 0; i < lrs_diags_count(d); i++) {
        lrs_diag_info info;
        if (lrs_diags_get(d, i, &info)) continue;
        char *text = lrs_diags_format(d, i, 0);
        puts_(b, i ? ", {" : "{");
        puts_(b, "\"severity\": ");
        str(b, severity(info.severity));
        printf_(b, ", \"line\": %d, \"column\": %d, \"end_column\": %d, \"message\": ", info.line,
                info.column, info.end_column);
        str(b, info.message);
        puts_(b, ", \"text\": ");
        str(b, text ? text : info.message);
        puts_(b, "}");
        lrs_free(text);
    }
    puts_(b, "]");
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The steps to evaluate. spec is "" (the schedules' own range), "A:B:N"
 * (N points spread over A..B inclusive, plus each boundary and the step
 * before it, so jumps are drawn where they are) or "S1,S2,..." (exactly
 * those steps). Returns the count, or -1 for a malformed spec. */
static long steps_for(const lrs_program *p, const char *spec, int64_t **out)
{
    size_t n = lrs_program_schedule_count(p);
    *out = NULL;
    if (strchr(spec, ',') || (*spec && !strchr(spec, ':'))) {
        size_t cap = 1;
        for (const char *s = spec; *s; s++)
            cap += *s == ',';
        if (cap > MAX_POINTS) return -1;
        int64_t *v = malloc(cap * sizeof *v);
        if (!v) return -1;
        size_t k = 0;
        for (const char *s = spec; *s;) {
            char *end;
            long long x = strtoll(s, &end, 10);
            if (end == s) {
                free(v);
                return -1;
            }
            v[k++] = x;
            s = *end == ',' ? end + 1 : end;
        }
        *out = v;
        return (long)k;
    }
    double a = 0, bnd = -1;
    long points = 1001;
    if (*spec && sscanf(spec, "%lf:%lf:%ld", &a, &bnd, &points) != 3) return -1;
    if (bnd < 0) {
        /* The longest finite span, else past the last boundary. */
        double end = 0, horizon = 1000;
        for (size_t i = 0; i < n; i++) {
            double span = lrs_program_schedule_span(p, i);
            if (isfinite(span) && span > end) end = span;
            int64_t last = -1, next;
            size_t guard = 0;
            while ((next = lrs_program_next_boundary(p, i, last)) >= 0 && guard++ < MAX_MARKS)
                last = next;
            if (last > 0 && 2.0 * (double)last > horizon) horizon = 2.0 * (double)last;
        }
        bnd = end > 0 ? end : horizon;
    }
    if (!(a >= 0 && bnd >= a && bnd < 9.2e18 && points >= 2 && points <= MAX_POINTS)) return -1;
    size_t cap = (size_t)points + 2 * MAX_MARKS * (n ? n : 1);
    int64_t *v = malloc(cap * sizeof *v);
    if (!v) return -1;
    size_t k = 0;
    for (long i = 0; i < points; i++)
        v[k++] = (int64_t)llround(a + (bnd - a) * (double)i / (double)(points - 1));
    for (size_t i = 0; i < n; i++) {
        int64_t s = (int64_t)a - 1, next;
        size_t marks = 0;
        while ((next = lrs_program_next_boundary(p, i, s)) >= 0 && (double)next <= bnd &&
               marks++ < MAX_MARKS) {
            if (next > 0 && (double)next - 1 >= a) v[k++] = next - 1;
            v[k++] = next;
            s = next;
        }
    }
    qsort(v, k, sizeof *v, cmp_i64);
    size_t u = 0;
    for (size_t i = 0; i < k; i++)
        if (!u || v[u - 1] != v[i]) v[u++] = v[i];
    *out = v;
    return (long)u;
}

/* Detector values at `step` when plateaus are placed at the steps of
 * events[0..nev), as `lrsc eval --plateaus` places them: every plateaus(...)
 * counts the events at or before the step, the other detectors hold their
 * values before any report. */
static void detectors_at(const lrs_program *p, const double *initial, const int64_t *events,
                         size_t nev, int64_t step, double *out)
{
    size_t nd = lrs_program_detector_count(p);
    double count = 0;
    for (size_t k = 0; k < nev; k++)
        count += events[k] <= step;
    for (size_t k = 0; k < nd; k++)
        out[k] = lrs_program_detector(p, k)->kind == LRS_DETECT_PLATEAUS ? count : initial[k];
}

static void schedules(buf *b, const lrs_program *p, const int64_t *steps, long nsteps,
                      const int64_t *events, size_t nev)
{
    size_t n = lrs_program_schedule_count(p), nd = lrs_program_detector_count(p);
    lrs_signals *sig = nd ? lrs_program_signals_new(p) : NULL;
    double *det = nd ? malloc(nd * sizeof *det) : NULL;
    if (nd && (!sig || !det)) {
        b->oom = 1;
        nd = 0;
    }
    puts_(b, ", \"schedules\": [");
    for (size_t i = 0; i < n; i++) {
        lrs_schedule_info info;
        lrs_program_schedule_info(p, i, &info);
        puts_(b, i ? ", {\"name\": " : "{\"name\": ");
        str(b, info.name);
        puts_(b, ", \"span\": ");
        num(b, info.span);
        puts_(b, ", \"start\": ");
        num(b, info.start);
        puts_(b, ", \"end\": ");
        num(b, info.end);
        puts_(b, ", \"min\": ");
        num(b, info.min);
        puts_(b, ", \"max\": ");
        num(b, info.max);
        printf_(b, ", \"proved\": %s, \"boundaries\": [", info.proved ? "true" : "false");
        int64_t s = -1, next;
        size_t marks = 0;
        while ((next = lrs_program_next_boundary(p, i, s)) >= 0 && marks < MAX_MARKS) {
            printf_(b, "%s%lld", marks++ ? ", " : "", (long long)next);
            s = next;
        }
        int reactive = nd && lrs_program_schedule_reactive(p, i);
        printf_(b, "], \"reactive\": %s, \"values\": [", reactive ? "true" : "false");
        for (long k = 0; k < nsteps; k++) {
            if (k) puts_(b, ", ");
            if (reactive) {
                detectors_at(p, lrs_signals_values(sig), events, nev, steps[k], det);
                num(b, lrs_interp_eval_reactive(p, i, steps[k], det));
            } else {
                num(b, lrs_interp_eval(p, i, steps[k]));
            }
        }
        puts_(b, "]}");
    }
    puts_(b, "], \"signals\": [");
    for (size_t k = 0; k < lrs_program_signal_count(p); k++) {
        if (k) puts_(b, ", ");
        str(b, lrs_program_signal_name(p, k));
    }
    puts_(b, "]");
    free(det);
    lrs_signals_free(sig);
}

static void params(buf *b, const lrs_program *p)
{
    puts_(b, ", \"params\": [");
    for (size_t i = 0; i < lrs_program_param_count(p); i++) {
        puts_(b, i ? ", {\"name\": " : "{\"name\": ");
        str(b, lrs_program_param_name(p, i));
        puts_(b, ", \"value\": ");
        num(b, lrs_program_param_value(p, i));
        puts_(b, "}");
    }
    puts_(b, "]");
}

/* Memory the page writes its strings into. */
EXPORT(lrs_wasm_alloc) void *lrs_wasm_alloc(size_t n)
{
    return malloc(n ? n : 1);
}
EXPORT(lrs_wasm_free) void lrs_wasm_free(void *p)
{
    free(p);
}

/* The page keeps one context for all its compilations, so the standard
 * library is parsed once. */
EXPORT(lrs_wasm_context_new) lrs_context *lrs_wasm_context_new(void)
{
    return lrs_context_new();
}

/* Compile `src` in ctx (named "playground.lrs" in diagnostics) with the param
 * overrides in `defines` ("NAME=EXPR" lines, as lrsc's -D), check it and
 * evaluate every schedule at the steps of `spec` (see steps_for), reactive
 * ones with plateau events at the steps of `events` ("S1,S2,..."). Returns a
 * malloc'd JSON object (free with lrs_wasm_free), NULL only when memory
 * ran out. */
EXPORT(lrs_wasm_run)
char *lrs_wasm_run(lrs_context *ctx, const char *src, const char *defines, const char *spec,
                   const char *events)
{
    int64_t ev[MAX_MARKS];
    size_t nev = 0;
    for (const char *e = events ? events : ""; *e && nev < MAX_MARKS;) {
        char *end;
        long long v = strtoll(e, &end, 10);
        if (end == e) break;
        if (v >= 0) ev[nev++] = v;
        e = *end == ',' ? end + 1 : end;
    }
    buf b = {0};
    char *defs = strdup(defines ? defines : "");
    const char *defv[MAX_DEFINES];
    size_t ndef = 0;
    for (char *line = defs; line && *line && ndef < MAX_DEFINES;) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = 0;
        if (*line) defv[ndef++] = line;
        line = nl ? nl + 1 : NULL;
    }
    lrs_options opts = {0};
    opts.defines = defv;
    opts.define_count = ndef;
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = ctx && d && defs
                         ? lrs_compile_string(ctx, "playground.lrs", src, strlen(src), &opts, d)
                         : NULL;
    printf_(&b, "{\"ok\": %s, ", p ? "true" : "false");
    if (d) diagnostics(&b, d);
    if (p) {
        int64_t *steps = NULL;
        long nsteps = steps_for(p, spec ? spec : "", &steps);
        if (nsteps < 0) {
            puts_(&b, ", \"error\": \"bad steps\"");
        } else {
            puts_(&b, ", \"steps\": [");
            for (long k = 0; k < nsteps; k++)
                printf_(&b, "%s%lld", k ? ", " : "", (long long)steps[k]);
            puts_(&b, "]");
            params(&b, p);
            schedules(&b, p, steps, nsteps, ev, nev);
        }
        free(steps);
    }
    puts_(&b, "}");
    lrs_program_free(p);
    lrs_diags_free(d);
    free(defs);
    if (b.oom) {
        free(b.p);
        return NULL;
    }
    return b.p;
}
