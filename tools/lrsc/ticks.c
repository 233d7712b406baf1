/* ticks.c — round axis ticks (1, 2 or 5 times a power of ten; decades on a
 * log axis) and their labels, for the terminal and the SVG plots. */
#include "lrsc.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* 1, 2 or 5 times a power of ten, near span / want. */
double lrsc_nice_step(double span, int want)
{
    if (!(span > 0) || !isfinite(span)) return 1;
    double raw = span / (want > 0 ? want : 1), p = pow(10, floor(log10(raw))), m = raw / p;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* "1e-05" -> "1e-5", "2.5e+06" -> "2.5e6". */
static void tidy_exponent(char *s)
{
    char *e = strchr(s, 'e');
    if (!e) return;
    char *w = e + 1, *r = e + 1;
    if (*r == '+')
        r++;
    else if (*r == '-')
        *w++ = *r++;
    while (*r == '0' && r[1])
        r++;
    memmove(w, r, strlen(r) + 1);
}

void lrsc_tick_label(double v, double step, char *buf, size_t size)
{
    double a = fabs(v);
    if (a < 1e-9 * step || v == 0) {
        snprintf(buf, size, "0");
        return;
    }
    if (a >= 1e-3 && a < 1e6) {
        int dec = step >= 1 ? 0 : (int)ceil(-log10(step) - 1e-9);
        /* a step like 0.25 (from a 1-2-5 step times a power of ten) needs one more */
        double scaled = step * pow(10, dec);
        if (fabs(scaled - floor(scaled + 0.5)) > 1e-6) dec++;
        snprintf(buf, size, "%.*f", dec, v);
        return;
    }
    int sig = (int)(floor(log10(a)) - floor(log10(step))) + 1;
    if (sig < 1) sig = 1;
    if (sig > 15) sig = 15;
    snprintf(buf, size, "%.*e", sig - 1, v);
    tidy_exponent(buf);
}

/* Step counts: 250000 -> "250k", 3000000 -> "3M". */
void lrsc_count_label(double v, double step, char *buf, size_t size)
{
    const char *unit = "";
    double div = 1;
    if (step >= 1e6 && fabs(v) >= 1e6) {
        unit = "M";
        div = 1e6;
    } else if (step >= 1e3 && fabs(v) >= 1e3) {
        unit = "k";
        div = 1e3;
    }
    if (fabs(v) >= 1e15) {
        snprintf(buf, size, "%.3g", v);
        tidy_exponent(buf);
        return;
    }
    lrsc_tick_label(v / div, step / div, buf, size);
    strncat(buf, unit, size - strlen(buf) - 1);
}

size_t lrsc_ticks(double lo, double hi, int want, int log_axis, int count, lrsc_tick *out,
                  size_t max)
{
    size_t n = 0;
    if (!(hi > lo) || !isfinite(lo) || !isfinite(hi)) return 0;
    if (log_axis) {
        /* lo, hi are log10 of the values. */
        double d0 = ceil(lo - 1e-9), d1 = floor(hi + 1e-9);
        if (d1 - d0 >= 1) {
            double every = ceil((d1 - d0) / (want > 0 ? want : 1));
            for (double d = d0; d <= d1 && n < max; d += every) {
                out[n].pos = d;
                lrsc_tick_label(pow(10, d), pow(10, d), out[n].label, sizeof out[n].label);
                n++;
            }
            return n;
        }
        /* Less than two decades: 1, 2 and 5 times each power of ten. */
        static const double m[] = {1, 2, 5};
        for (double d = floor(lo) - 1; d <= ceil(hi) && n < max; d++)
            for (int k = 0; k < 3 && n < max; k++) {
                double v = m[k] * pow(10, d), t = log10(v);
                if (t < lo - 1e-9 || t > hi + 1e-9) continue;
                out[n].pos = t;
                lrsc_tick_label(v, pow(10, d), out[n].label, sizeof out[n].label);
                n++;
            }
        if (n >= 2) return n;
        /* Narrower still: linear ticks over the values. */
        double vlo = pow(10, lo), vhi = pow(10, hi), s = lrsc_nice_step(vhi - vlo, want);
        n = 0;
        for (double v = ceil(vlo / s) * s; v <= vhi * (1 + 1e-12) && n < max; v += s) {
            out[n].pos = log10(v);
            lrsc_tick_label(v, s, out[n].label, sizeof out[n].label);
            n++;
        }
        return n;
    }
    double s = lrsc_nice_step(hi - lo, want);
    for (double k = ceil(lo / s - 1e-9); k * s <= hi + 1e-9 * s && n < max; k++) {
        double v = k * s;
        if (fabs(v) < 1e-9 * s) v = 0;
        out[n].pos = v;
        (count ? lrsc_count_label : lrsc_tick_label)(v, s, out[n].label, sizeof out[n].label);
        n++;
    }
    return n;
}
