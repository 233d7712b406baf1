/* test_claims.c — a property over generated programs: every claim the
 * checker makes holds at every step tried. "Proved" must mean finite and
 * non-negative at each step; exact min and max must bound every value of
 * the span (to the checker's 1e-12 relative); a reported counterexample
 * must be one.
 *
 * Each generated schedule S is tried as it is, and moved to the edge of
 * what the checker can prove: S - m and M - S, where m and M are the
 * least and greatest values seen at the steps below (so each touches 0
 * at some step, and is negative wherever S goes past what was seen). The
 * steps: 0..64, every segment boundary and the span's end +-2, powers of
 * two +-1, the int64 edges (INT64_MAX, INT64_MAX - 1, 2^53 +- 1, ...),
 * negative steps, and seeded pseudo-random steps, uniform over the span
 * (or a horizon) and log-uniform over the int64 range. A failure prints
 * the program and the step.
 *
 * Usage: test_claims BUNDLE [MAX_PROGRAMS] (programs separated by
 * "#=== NAME" lines, as tests/gen/gen_programs.py writes them). */
#include "bundle.h"
#include "lrs.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_STEPS = 2048, RANDOM_STEPS = 400 };

typedef struct steps {
    int64_t s[MAX_STEPS];
    size_t n;
} steps;

static void add(steps *st, int64_t s)
{
    if (st->n < MAX_STEPS) st->s[st->n++] = s;
}

/* add(s + d) for d in -k..k, without overflow. */
static void around(steps *st, int64_t s, int k)
{
    for (int d = -k; d <= k; d++) {
        if ((d > 0 && s > INT64_MAX - d) || (d < 0 && s < INT64_MIN - d)) continue;
        add(st, s + d);
    }
}

static uint64_t next(uint64_t *r)
{
    *r ^= *r << 13;
    *r ^= *r >> 7;
    *r ^= *r << 17;
    return *r;
}

static void steps_of(const lrs_program *p, size_t i, uint64_t *rng, steps *st)
{
    st->n = 0;
    for (int64_t s = 0; s <= 64; s++)
        add(st, s);
    add(st, -1);
    add(st, INT64_MIN);
    double span = lrs_program_schedule_span(p, i);
    if (isfinite(span) && span < 0x1p63) around(st, (int64_t)span, 2);
    for (int64_t b = -1; (b = lrs_program_next_boundary(p, i, b)) >= 0 && st->n < MAX_STEPS / 2;)
        around(st, b, 2);
    for (int k = 1; k < 63; k++)
        around(st, (int64_t)1 << k, 1);
    for (int64_t t = 10; t <= INT64_MAX / 10; t *= 10)
        around(st, t, 1);
    around(st, INT64_MAX - 1, 1); /* INT64_MAX - 2 .. INT64_MAX */
    around(st, INT64_MAX - 1024, 1);
    around(st, (int64_t)9.2e18, 1);
    double horizon = isfinite(span) ? span + 2 : 1e6;
    for (int k = 0; k < RANDOM_STEPS / 2; k++)
        add(st, (int64_t)(next(rng) % (uint64_t)(horizon + 1)));
    for (int k = 0; k < RANDOM_STEPS / 2; k++) {
        int bits = (int)(next(rng) % 63);
        add(st, (int64_t)(next(rng) & (((uint64_t)1 << bits) - 1)));
    }
}

/* The last step of the span (the summary's min and max are over 0..end). */
static int64_t end_of(double span)
{
    return !(span < 0x1p63) ? INT64_MAX : span < 0 ? 0 : (int64_t)span;
}

typedef struct run {
    const char *name, *text; /* the program as generated */
    const char *variant;     /* the schedule tried, when moved to the edge */
    int failures, proved, exact, counterexamples;
} run;

static void failed(run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void failed(run *r, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", r->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n%s%s%s\n", r->text, r->variant ? r->variant : "", r->variant ? "\n" : "");
    r->failures++;
}

/* Every claim of schedule i holds at the steps of st. */
static void check_claims(run *r, const lrs_program *p, size_t i, const steps *st)
{
    lrs_schedule_info in;
    if (lrs_program_schedule_info(p, i, &in) || in.reactive) return;
    int64_t end = end_of(in.span);
    double lo = in.min - 1e-12 * fabs(in.min), hi = in.max + 1e-12 * fabs(in.max);
    r->proved += in.proved;
    r->exact += in.exact;
    for (size_t k = 0; k < st->n; k++) {
        int64_t s = st->s[k];
        double v = lrs_interp_eval(p, i, s);
        if (in.proved && !(v >= 0 && v < INFINITY)) {
            failed(r,
                   "schedule %s is proved finite and non-negative, but is %.17g at step %" PRId64,
                   in.name, v, s);
            return;
        }
        if (in.exact && s >= 0 && s <= end && !(v >= lo && v <= hi)) {
            failed(r,
                   "schedule %s has exact min %.17g and max %.17g over 0..%" PRId64
                   ", but is %.17g at step %" PRId64,
                   in.name, in.min, in.max, end, v, s);
            return;
        }
    }
}

static lrs_program *compile(lrs_context *ctx, const char *name, const char *text, int check,
                            lrs_diags *d)
{
    lrs_options o = {0};
    o.no_check = !check;
    return lrs_compile_string(ctx, name, text, strlen(text), &o, d);
}

/* A counterexample the checker reports ("is negative at step N") must be
 * one: the schedule, compiled without the checker, is bad at step N. */
static void check_report(run *r, lrs_context *ctx, const char *text, lrs_diags *d)
{
    for (size_t k = 0; k < lrs_diags_count(d); k++) {
        lrs_diag_info di;
        if (lrs_diags_get(d, k, &di) || di.severity != LRS_SEV_ERROR) continue;
        char sched[64];
        long long step;
        const char *at = strstr(di.message, "schedule '");
        const char *st = at ? strstr(at, " at step ") : NULL;
        if (!at || !st || sscanf(at, "schedule '%63[^']'", sched) != 1 ||
            sscanf(st, " at step %lld", &step) != 1 || strstr(di.message, " when "))
            continue;
        lrs_program *p = compile(ctx, r->name, text, 0, NULL);
        int i = p ? lrs_program_find(p, sched) : -1;
        double v = i >= 0 ? lrs_interp_eval(p, (size_t)i, step) : 0;
        r->counterexamples++;
        if (i < 0 || (v >= 0 && v < INFINITY))
            failed(r, "the checker reports schedule %s bad at step %lld, where it is %.17g", sched,
                   step, v);
        lrs_program_free(p);
    }
}

/* The program with its schedules as lets, and `schedule z = EXPR`. */
static char *variant(const char *text, const char *expr)
{
    size_t n = strlen(text), m = strlen(expr);
    char *out = malloc(n + m + 32);
    if (!out) exit(2);
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        if ((k == 0 || text[k - 1] == '\n') && !strncmp(text + k, "schedule ", 9)) {
            memcpy(out + o, "let ", 4);
            o += 4;
            k += 8;
            continue;
        }
        out[o++] = text[k];
    }
    o += (size_t)sprintf(out + o, "schedule z = %s\n", expr);
    out[o] = 0;
    return out;
}

static void try_program(run *r, lrs_context *ctx, const char *text, uint64_t *rng)
{
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = compile(ctx, r->name, text, 1, d);
    steps st;
    if (!p) check_report(r, ctx, text, d);
    lrs_diags_free(d);
    if (!p) return;
    if (lrs_program_signal_count(p)) {
        lrs_program_free(p);
        return;
    }
    for (size_t i = 0; i < lrs_program_schedule_count(p) && !r->failures; i++) {
        steps_of(p, i, rng, &st);
        check_claims(r, p, i, &st);
        /* the least and greatest values seen: the edges to move it to */
        double m = INFINITY, M = -INFINITY;
        for (size_t k = 0; k < st.n; k++) {
            double v = lrs_interp_eval(p, i, st.s[k]);
            if (v < m) m = v;
            if (v > M) M = v;
        }
        if (!isfinite(m) || !isfinite(M) || m == M) continue;
        const char *name = lrs_program_schedule_name(p, i);
        char expr[2][128];
        snprintf(expr[0], sizeof expr[0], "%s - %.17g", name, m);
        snprintf(expr[1], sizeof expr[1], "%.17g - %s", M, name);
        for (int e = 0; e < 2 && !r->failures; e++) {
            char *vt = variant(text, expr[e]);
            lrs_diags *dz = lrs_diags_new();
            lrs_program *z = compile(ctx, r->name, vt, 1, dz);
            r->variant = expr[e];
            if (z) {
                steps zs;
                steps_of(z, 0, rng, &zs);
                check_claims(r, z, 0, &zs);
                check_claims(r, z, 0, &st);
            } else {
                check_report(r, ctx, vt, dz);
            }
            r->variant = NULL;
            lrs_program_free(z);
            lrs_diags_free(dz);
            free(vt);
        }
    }
    lrs_program_free(p);
}

int main(int argc, char **argv)
{
    if (argc < 2) return 2;
    long most = argc > 2 ? atol(argv[2]) : 1000000;
    long len;
    char *all = bundle_read(argv[1], &len);
    if (!all) return 2;
    lrs_context *ctx = lrs_context_new();
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    int programs = 0, failures = 0, proved = 0, exact = 0, counterexamples = 0;
    for (char *at = strstr(all, "#=== "); at && programs < most;) {
        char *nl = strstr(at + 5, "\n#=== ");
        char *end = nl ? nl + 1 : all + len;
        char name[64];
        sscanf(at + 5, "%63s", name);
        char saved = *end;
        *end = 0;
        run r = {name, at, NULL, 0, 0, 0, 0};
        try_program(&r, ctx, at, &rng);
        *end = saved;
        programs++;
        failures += r.failures;
        proved += r.proved;
        exact += r.exact;
        counterexamples += r.counterexamples;
        at = nl ? nl + 1 : NULL;
    }
    lrs_context_free(ctx);
    free(all);
    printf("%d programs: %d proved claims, %d exact extremes, %d counterexamples confirmed, %d "
           "failures\n",
           programs, proved, exact, counterexamples, failures);
    /* a property that examined nothing would pass vacuously */
    return failures || proved < programs || counterexamples < programs / 10 ? 1 : 0;
}
