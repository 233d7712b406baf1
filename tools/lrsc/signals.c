/* signals.c — previews of reactive schedules: `--report NAME=FILE.csv`
 * replays a recorded history of a signal through the library's signal
 * state, `--plateaus S1,S2,...` places plateau events at given steps. */
#include "lrsc.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lrsc_set_report(const char *cmd, const char *opt, const char *val, lrsc_args *a)
{
    const char *eq = strchr(val, '=');
    if (!eq || eq == val || !eq[1]) {
        fprintf(stderr, "lrsc %s: %s takes NAME=FILE.csv (a signal and its history), not '%s'\n",
                cmd, opt, val);
        return LRSC_EXIT_USAGE;
    }
    const char **p = realloc(a->reports, (a->nreports + 1) * sizeof *p);
    if (!p) return LRSC_EXIT_INTERNAL;
    a->reports = p;
    a->reports[a->nreports++] = val;
    return 0;
}

int lrsc_set_plateaus(const char *cmd, const char *opt, const char *val, lrsc_args *a)
{
    const char *s = val;
    while (*s) {
        char *end;
        errno = 0;
        long long v = strtoll(s, &end, 10);
        if (end == s || errno || v < 0) goto bad;
        int64_t *p = realloc(a->plateaus, (a->nplateaus + 1) * sizeof *p);
        if (!p) return LRSC_EXIT_INTERNAL;
        a->plateaus = p;
        a->plateaus[a->nplateaus++] = v;
        s = end;
        if (*s == ',')
            s++;
        else if (*s)
            goto bad;
    }
    if (a->nplateaus) return 0;
bad:
    fprintf(stderr, "lrsc %s: %s takes steps (0 or more) separated by commas, not '%s'\n", cmd, opt,
            val);
    return LRSC_EXIT_USAGE;
}

typedef struct report {
    int64_t step;
    double value;
    size_t signal, order; /* order: position in the input, for a stable sort */
    const char *file;
    size_t line;
} report;

static int cmp_report(const void *x, const void *y)
{
    const report *a = x, *b = y;
    if (a->step != b->step) return a->step < b->step ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Append the rows of FILE (step,value; a first line that is not numbers
 * is a header) as reports of signal sig. */
static int read_history(const char *path, size_t sig, report **rs, size_t *n)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "lrsc: cannot read %s: %s\n", path, strerror(errno));
        return LRSC_EXIT_INPUT;
    }
    char buf[512];
    size_t line = 0;
    int status = 0;
    while (fgets(buf, sizeof buf, f)) {
        line++;
        char *s = buf;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '\n' || *s == '\r' || *s == 0 || *s == '#') continue;
        char *end;
        errno = 0;
        long long step = strtoll(s, &end, 10);
        int ok = end != s && !errno && (*end == ',' || *end == '\t');
        double v = 0;
        if (ok) {
            char *vs = end + 1, *vend;
            v = strtod(vs, &vend);
            while (*vend == ' ' || *vend == '\r' || *vend == '\n' || *vend == '\t')
                vend++;
            ok = vend != vs && *vend == 0;
        }
        if (!ok) {
            if (line == 1 && *n == 0) continue; /* a header */
            fprintf(stderr, "%s:%zu: error: expected STEP,VALUE (an integer step and a number)\n",
                    path, line);
            status = LRSC_EXIT_INPUT;
            break;
        }
        report *p = realloc(*rs, (*n + 1) * sizeof *p);
        if (!p) {
            status = LRSC_EXIT_INTERNAL;
            break;
        }
        *rs = p;
        p[*n] = (report){step, v, sig, *n, path, line};
        (*n)++;
    }
    fclose(f);
    return status;
}

/* A requested step and its position in the output. */
typedef struct idx {
    int64_t step;
    size_t i;
} idx;

static int cmp_idx(const void *x, const void *y)
{
    const idx *a = x, *b = y;
    if (a->step != b->step) return a->step < b->step ? -1 : 1;
    return a->i < b->i ? -1 : a->i > b->i;
}

/* The steps where a plateau was detected: those of --plateaus, or those
 * of the reports after which a plateaus(...) count went up. */
static int collect_events(lrsc_args *a, const lrs_program *p, lrs_signals *sig, const report *rs,
                          size_t nr)
{
    free(a->events);
    a->events = NULL;
    a->nevents = 0;
    size_t nd = lrs_program_detector_count(p), cap = a->nplateaus + 16;
    if (!(a->events = malloc(cap * sizeof *a->events))) return LRSC_EXIT_INTERNAL;
    if (a->nplateaus) {
        memcpy(a->events, a->plateaus, a->nplateaus * sizeof *a->events);
        a->nevents = a->nplateaus;
        return 0;
    }
    double before = 0;
    lrs_signals_reset(sig);
    for (size_t i = 0; i < nr; i++) {
        lrs_signals_report(sig, rs[i].signal, rs[i].step, rs[i].value);
        double count = 0;
        for (size_t k = 0; k < nd; k++)
            if (lrs_program_detector(p, k)->kind == LRS_DETECT_PLATEAUS)
                count += lrs_signals_values(sig)[k];
        if (count > before) {
            if (a->nevents == cap) {
                int64_t *q = realloc(a->events, (cap *= 2) * sizeof *q);
                if (!q) return LRSC_EXIT_INTERNAL;
                a->events = q;
            }
            a->events[a->nevents++] = rs[i].step;
        }
        before = count;
    }
    return 0;
}

int lrsc_histories(lrsc_args *a, const lrs_program *p, const int64_t *steps, size_t nsteps,
                   double **out)
{
    *out = NULL;
    size_t nd = lrs_program_detector_count(p);
    if (!nd) {
        if (a->nreports || a->nplateaus)
            fprintf(stderr,
                    "lrsc: warning: %s uses no signal; --report and --plateaus do nothing\n",
                    a->file);
        return 0;
    }
    lrs_signals *sig = lrs_program_signals_new(p);
    double *det = malloc((nsteps ? nsteps : 1) * nd * sizeof *det);
    idx *order = malloc((nsteps ? nsteps : 1) * sizeof *order);
    report *rs = NULL;
    size_t nr = 0;
    int status = 0;
    if (!sig || !det || !order) {
        status = LRSC_EXIT_INTERNAL;
        goto done;
    }
    for (size_t k = 0; k < a->nreports && !status; k++) {
        const char *eq = strchr(a->reports[k], '=');
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(eq - a->reports[k]), a->reports[k]);
        int s = lrs_signals_find(sig, name);
        if (s < 0) {
            fprintf(stderr, "lrsc: --report %s: %s declares no signal '%s'", a->reports[k], a->file,
                    name);
            for (size_t i = 0; i < lrs_program_signal_count(p); i++)
                fprintf(stderr, "%s%s",
                        i ? ", " : "; its signals: ", lrs_program_signal_name(p, i));
            fprintf(stderr, "\n");
            status = LRSC_EXIT_USAGE;
            break;
        }
        status = read_history(eq + 1, (size_t)s, &rs, &nr);
    }
    if (status) goto done;
    /* Reports of one file must come in step order, as they would from a
     * trainer; files are then merged by step. */
    for (size_t i = 0; i < nr; i++) {
        int r = lrs_signals_report(sig, rs[i].signal, rs[i].step, rs[i].value);
        if (r < 0) {
            fprintf(stderr, "%s:%zu: error: %s\n", rs[i].file, rs[i].line, lrs_signals_error(sig));
            status = LRSC_EXIT_INPUT;
            goto done;
        }
    }
    if (nr) qsort(rs, nr, sizeof *rs, cmp_report);
    if ((status = collect_events(a, p, sig, rs, nr))) goto done;
    lrs_signals_reset(sig);
    for (size_t i = 0; i < nsteps; i++)
        order[i] = (idx){steps[i], i};
    qsort(order, nsteps, sizeof *order, cmp_idx);
    size_t next = 0;
    for (size_t i = 0; i < nsteps; i++) {
        int64_t s = order[i].step;
        while (next < nr && rs[next].step <= s) {
            lrs_signals_report(sig, rs[next].signal, rs[next].step, rs[next].value);
            next++;
        }
        double *row = det + order[i].i * nd;
        memcpy(row, lrs_signals_values(sig), nd * sizeof *row);
        if (a->nplateaus) {
            double events = 0;
            for (size_t k = 0; k < a->nplateaus; k++)
                events += a->plateaus[k] <= s;
            for (size_t k = 0; k < nd; k++)
                if (lrs_program_detector(p, k)->kind == LRS_DETECT_PLATEAUS) row[k] = events;
        }
    }
    *out = det;
    det = NULL;
done:
    free(rs);
    free(order);
    free(det);
    lrs_signals_free(sig);
    return status;
}
