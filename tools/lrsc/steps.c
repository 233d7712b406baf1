/* steps.c — which steps eval and plot show: --steps and --at as the user
 * writes them, and the default range over a schedule's span. */
#include "lrsc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ROWS = 100000000 };

/* A step written as in a .lrs file: digits with `_` separators, an optional
 * fraction and exponent (1_000_000, 1e6, 2.5e3), and a sign. The value must
 * be a whole number that an int64 holds. Parses s[0..n). */
int lrsc_parse_step(const char *s, size_t n, int64_t *out)
{
    char buf[64];
    size_t k = 0, i = 0;
    int neg = 0, plain = 1;
    if (i < n && (s[i] == '-' || s[i] == '+')) neg = s[i++] == '-';
    if (i >= n || s[i] < '0' || s[i] > '9') return -1; /* a digit first, as in the language */
    for (; i < n; i++) {
        char c = s[i];
        if (c == '_') continue;
        if (!((c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            return -1;
        if (c == '.' || c == 'e' || c == 'E') plain = 0;
        if (k + 1 >= sizeof buf) return -1;
        buf[k++] = c;
    }
    buf[k] = 0;
    char *end;
    errno = 0;
    if (plain) {
        /* Exact for every int64, including INT64_MIN. */
        unsigned long long u = strtoull(buf, &end, 10);
        if (*end || errno || u > (unsigned long long)INT64_MAX + (unsigned long long)neg) return -1;
        *out = neg ? (int64_t)(0 - u) : (int64_t)u;
        return 0;
    }
    double d = strtod(buf, &end);
    if (*end || errno || d != floor(d)) return -1;
    /* [-2^63, 2^63): the doubles that convert to int64 without overflow. */
    if (!(d < 9223372036854775808.0)) return -1;
    *out = neg ? -(int64_t)d : (int64_t)d;
    return 0;
}

/* "A:B:S" with every part optional, as a Python slice: A defaults to 0, B to
 * the end of the default range, S to 1; a negative A or B counts back from
 * that end. A plain number is refused (a slice was meant). */
int lrsc_parse_slice(const char *s, lrsc_args *a)
{
    const char *c1 = strchr(s, ':');
    if (!c1) return -1;
    const char *c2 = strchr(c1 + 1, ':');
    if (c2 && strchr(c2 + 1, ':')) return -1;
    const char *p3 = c2 ? c2 + 1 : NULL, *e2 = c2 ? c2 : s + strlen(s);
    a->start_given = c1 > s;
    if (a->start_given && lrsc_parse_step(s, (size_t)(c1 - s), &a->start)) return -1;
    a->stop_given = e2 > c1 + 1;
    if (a->stop_given && lrsc_parse_step(c1 + 1, (size_t)(e2 - c1 - 1), &a->stop)) return -1;
    a->stride = 1;
    if (p3 && *p3 && (lrsc_parse_step(p3, strlen(p3), &a->stride) || a->stride <= 0)) return -1;
    a->range_given = 1;
    return 0;
}

/* The cycles (or decay points) of sel: sorted boundaries up to `limit`,
 * at most `max` of them. Returns how many were stored. */
static size_t boundaries(const lrs_program *p, const size_t *sel, size_t n, int64_t limit,
                         int64_t *out, size_t max)
{
    size_t k = 0;
    for (size_t j = 0; j < n; j++) {
        int64_t b = -1;
        size_t got = 0;
        while (got < max && (b = lrs_program_next_boundary(p, sel[j], b)) >= 0 && b <= limit) {
            size_t at = k;
            while (at > 0 && out[at - 1] > b)
                at--;
            if (at > 0 && out[at - 1] == b) {
                got++;
                continue;
            }
            if (k == max) {
                if (at == max) break;
                k--; /* drop the largest */
            }
            memmove(out + at + 1, out + at, (k - at) * sizeof *out);
            out[at] = b;
            k++;
            got++;
        }
    }
    return k;
}

enum { SHOWN_CYCLES = 5, MIN_SAMPLES_PER_CYCLE = 20 };

/* The last step worth showing (at most INT64_MAX - 1, so one past it is an
 * int64): the longest finite span; else a horizon past the boundaries: a
 * few cycles when the schedule repeats, twice the last boundary when it has
 * only a few, 1000 steps when it has none. A range whose cycles are too
 * short for max_rows samples each is cut to its first cycles (*cut set). */
int64_t lrsc_default_end(const lrs_program *p, const size_t *sel, size_t n, size_t max_rows,
                         int *cut)
{
    const int64_t top = INT64_MAX - 1;
    double span = 0;
    int finite = 0;
    *cut = 0;
    for (size_t i = 0; i < n; i++) {
        double s = lrs_program_schedule_span(p, sel[i]);
        if (isfinite(s)) {
            finite = 1;
            if (s > span) span = s;
        }
    }
    int64_t b[SHOWN_CYCLES + 1];
    int64_t end;
    if (finite) {
        end = span >= (double)top ? top : (int64_t)span;
        size_t nb = boundaries(p, sel, n, end, b, SHOWN_CYCLES + 1);
        /* Cycles so short that a default stride would alias them: show the
         * first few instead of a moire of the whole span. */
        if (nb > SHOWN_CYCLES && max_rows) {
            uint64_t per = (uint64_t)b[SHOWN_CYCLES - 1] / SHOWN_CYCLES; /* about one cycle */
            uint64_t stride = ((uint64_t)end + max_rows - 1) / max_rows;
            if (per < MIN_SAMPLES_PER_CYCLE * stride) {
                end = b[SHOWN_CYCLES - 1];
                *cut = 1;
            }
        }
        return end;
    }
    size_t nb = boundaries(p, sel, n, top, b, SHOWN_CYCLES + 1);
    if (nb == 0) return 1000;
    if (nb > SHOWN_CYCLES) return b[SHOWN_CYCLES - 1];
    int64_t last = b[nb - 1];
    end = last > top / 2 ? top : 2 * last;
    return end < 1000 ? 1000 : end;
}

int lrsc_steps(lrsc_args *a, const lrs_program *p, const size_t *sel, size_t n, int64_t **steps,
               size_t *nsteps, size_t max_default)
{
    *steps = NULL;
    *nsteps = 0;
    if (a->nat) {
        *steps = malloc(a->nat * sizeof **steps);
        if (!*steps) return LRSC_EXIT_INTERNAL;
        memcpy(*steps, a->at, a->nat * sizeof **steps);
        *nsteps = a->nat;
        return 0;
    }
    int cut = 0;
    int64_t len = lrsc_default_end(p, sel, n, a->range_given ? 0 : max_default, &cut) + 1;
    int64_t start = 0, stop = len, stride = 1;
    if (a->range_given) {
        /* Python's slice rules; a negative bound counts back from len. */
        if (a->start_given)
            start = a->start < 0 ? (a->start < -len ? 0 : len + a->start) : a->start;
        if (a->stop_given) stop = a->stop < 0 ? (a->stop < -len ? 0 : len + a->stop) : a->stop;
        stride = a->stride;
    } else {
        if ((uint64_t)len > max_default)
            stride = (int64_t)(((uint64_t)len + max_default - 1) / max_default);
        if (cut)
            fprintf(
                stderr,
                "lrsc: note: showing steps 0 to %lld, the first %d cycles; the span's cycles are "
                "too short to draw whole (choose with --steps A:B:S)\n",
                (long long)(len - 1), SHOWN_CYCLES);
    }
    if (stop <= start) return 0;
    uint64_t count = ((uint64_t)stop - (uint64_t)start - 1) / (uint64_t)stride + 1;
    if (count > MAX_ROWS) {
        fprintf(stderr, "lrsc: --steps asks for %llu rows; the limit is %d (use a stride: A:B:S)\n",
                (unsigned long long)count, MAX_ROWS);
        return LRSC_EXIT_USAGE;
    }
    *steps = malloc((size_t)(count + 1) * sizeof **steps);
    if (!*steps) return LRSC_EXIT_INTERNAL;
    for (uint64_t i = 0; i < count; i++)
        (*steps)[i] = start + (int64_t)(i * (uint64_t)stride);
    /* The last step of the range is always shown by default. */
    if (!a->range_given && (*steps)[count - 1] != stop - 1) (*steps)[count++] = stop - 1;
    *nsteps = (size_t)count;
    return 0;
}
