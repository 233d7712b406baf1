/* test_optim_golden.c — replays every configuration of golden.txt (written
 * by gen_golden.py from torch.optim 1.13) through lrs_optim and compares
 * parameters after selected steps and the final state buffers.
 * Run once per SIMD path (ctest sets LRS_SIMD). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <math.h>

#include "rt_test_util.h"

/* Tolerance: |got - want| <= RTOL * |want|, except that values whose
 * magnitude is below FLOOR are compared with the absolute bound
 * RTOL * FLOOR (a value that should be 0 may come out as 1e-12 after a
 * cancellation that rounds differently; relative error means nothing there).
 * FLOOR is 1e-3 of the buffer's largest reference magnitude. */
#define RTOL 1e-6

#define MAXG 4
#define MAXN 67
#define MAXSNAP 8
#define MAXSTATE 3

typedef struct golden {
    char name[64], kind[16];
    unsigned seed;
    int steps, n, ngroups;
    lrs_optim_hparams hp;
    int sched_lr, sched_mom, sched_b1, sched_b2, sched_wd;
    double mult[MAXG];
    int nsnap;
    struct {
        int group, step;
        float v[MAXN];
    } snap[MAXSNAP * MAXG];
    int nstate;
    struct {
        int group;
        char name[32];
        float v[MAXN];
    } state[MAXSTATE * MAXG];
} golden;

static golden *configs;
static int nconfigs;

static const double PI = 3.141592653589793;
static double s_lr(int64_t t)
{
    if (t < 10) return 1.0 * (double)(t + 1) / 10.0;
    return 0.55 + 0.45 * cos(PI * (double)(t - 10) / 190.0);
}
static double s_momentum(void *user, int64_t t)
{
    (void)user;
    return 0.95 - 0.1 * (double)t / 200.0;
}
static double s_beta2(void *user, int64_t t)
{
    (void)user;
    return 0.99 + 0.009 * (double)t / 200.0;
}
static double s_wd(int64_t t)
{
    return 1.0 + (double)t / 200.0;
}

static void read_floats(char *rest, float *v, int n)
{
    char *end = rest;
    for (int i = 0; i < n; i++)
        v[i] = strtof(end, &end);
}

static void set_hp(lrs_optim_hparams *hp, const char *key, double v)
{
    if (!strcmp(key, "lr"))
        hp->lr = v;
    else if (!strcmp(key, "momentum"))
        hp->momentum = v;
    else if (!strcmp(key, "dampening"))
        hp->dampening = v;
    else if (!strcmp(key, "beta1"))
        hp->beta1 = v;
    else if (!strcmp(key, "beta2"))
        hp->beta2 = v;
    else if (!strcmp(key, "eps"))
        hp->eps = v;
    else if (!strcmp(key, "weight_decay"))
        hp->weight_decay = v;
    else if (!strcmp(key, "alpha"))
        hp->alpha = v;
    else if (!strcmp(key, "lr_decay"))
        hp->lr_decay = v;
    else if (!strcmp(key, "initial_accumulator_value"))
        hp->initial_accumulator_value = v;
    else if (!strcmp(key, "nesterov"))
        hp->nesterov = v != 0;
    else if (!strcmp(key, "amsgrad"))
        hp->amsgrad = v != 0;
    else if (!strcmp(key, "centered"))
        hp->centered = v != 0;
    else if (!strcmp(key, "maximize"))
        hp->maximize = v != 0;
    else {
        fprintf(stderr, "golden: unknown hyperparameter %s\n", key);
        exit(1);
    }
}

static int load_golden(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    static char line[8192];
    golden *g = NULL;
    while (fgets(line, sizeof line, f)) {
        char *rest;
        if (line[0] == '#' || line[0] == '\n') continue;
        if (!strncmp(line, "config ", 7)) {
            configs = realloc(configs, (size_t)(nconfigs + 1) * sizeof *configs);
            g = &configs[nconfigs++];
            memset(g, 0, sizeof *g);
            if (sscanf(line, "config %63s kind=%15s seed=%u steps=%d n=%d", g->name, g->kind,
                       &g->seed, &g->steps, &g->n) != 5 ||
                g->n > MAXN)
                return -1;
        } else if (!strncmp(line, "hp ", 3)) {
            for (char *tok = strtok(line + 3, " \n"); tok; tok = strtok(NULL, " \n")) {
                char *eq = strchr(tok, '=');
                *eq = 0;
                set_hp(&g->hp, tok, strtod(eq + 1, NULL));
            }
        } else if (!strncmp(line, "sched", 5)) {
            g->sched_lr = strstr(line, " lr") != NULL;
            g->sched_mom = strstr(line, " momentum") != NULL;
            g->sched_b1 = strstr(line, " beta1") != NULL;
            g->sched_b2 = strstr(line, " beta2") != NULL;
            g->sched_wd = strstr(line, " weight_decay") != NULL;
        } else if (!strncmp(line, "groups ", 7)) {
            char *end = line + 7;
            while (g->ngroups < MAXG) {
                char *before = end;
                double m = strtod(before, &end);
                if (end == before) break;
                g->mult[g->ngroups++] = m;
            }
        } else if (!strncmp(line, "params ", 7)) {
            int gi, step, off;
            sscanf(line, "params %d %d %n", &gi, &step, &off);
            g->snap[g->nsnap].group = gi;
            g->snap[g->nsnap].step = step;
            read_floats(line + off, g->snap[g->nsnap++].v, g->n);
        } else if (!strncmp(line, "state ", 6)) {
            int gi, off;
            sscanf(line, "state %d %31s %n", &gi, g->state[g->nstate].name, &off);
            g->state[g->nstate].group = gi;
            rest = line + off;
            read_floats(rest, g->state[g->nstate++].v, g->n);
        }
    }
    fclose(f);
    return nconfigs > 0 ? 0 : -1;
}

static lrs_optim_kind kind_of(const char *k)
{
    if (!strcmp(k, "sgd")) return LRS_OPTIM_SGD;
    if (!strcmp(k, "adam")) return LRS_OPTIM_ADAM;
    if (!strcmp(k, "adamw")) return LRS_OPTIM_ADAMW;
    if (!strcmp(k, "rmsprop")) return LRS_OPTIM_RMSPROP;
    if (!strcmp(k, "adagrad")) return LRS_OPTIM_ADAGRAD;
    return LRS_OPTIM_LION;
}

/* Compare n values; returns the number of mismatches and prints the first. */
static int compare(const char *what, const float *got, const float *want, int n, double *worst)
{
    double amax = 0;
    for (int i = 0; i < n; i++)
        amax = fmax(amax, fabs(want[i]));
    const double floor_ = 1e-3 * amax;
    int bad = 0;
    for (int i = 0; i < n; i++) {
        double d = fabs((double)got[i] - (double)want[i]);
        double scale = fmax(fabs(want[i]), floor_);
        double rel = scale > 0 ? d / scale : d;
        if (rel > *worst) *worst = rel;
        if (!(d <= RTOL * scale)) {
            if (!bad)
                print_error("%s[%d]: got %.9g, torch %.9g (rel %.3g)\n", what, i, got[i], want[i],
                            rel);
            bad++;
        }
    }
    return bad;
}

static void run_config(void **state)
{
    const golden *g = *state;
    const char *forced = getenv("LRS_SIMD");
    lrs_optim *opt = lrs_optim_new(kind_of(g->kind));
    assert_non_null(opt);
    if (forced) assert_string_equal(lrs_optim_simd(opt), forced);
    float p[MAXG][MAXN], gr[MAXG][MAXN];
    for (int gi = 0; gi < g->ngroups; gi++) {
        uint64_t seed = g->seed + 1000u * (unsigned)gi;
        for (int i = 0; i < g->n; i++)
            p[gi][i] = rtt_rnd(seed, RTT_INIT_T, (uint64_t)i);
        lrs_optim_hparams hp = g->hp;
        hp.lr = g->hp.lr * g->mult[gi];
        assert_int_equal(lrs_optim_add_group(opt, p[gi], gr[gi], (size_t)g->n, &hp), gi);
        if (g->sched_lr)
            assert_int_equal(lrs_optim_bind(opt, gi, "lr", s_lr, g->hp.lr * g->mult[gi]), 0);
    }
    /* Shared schedules bound to every group at once. */
    if (g->sched_mom)
        assert_int_equal(lrs_optim_bind_callback(opt, -1, "momentum", s_momentum, NULL, 1.0), 0);
    if (g->sched_b1)
        assert_int_equal(lrs_optim_bind_callback(opt, -1, "beta1", s_momentum, NULL, 1.0), 0);
    if (g->sched_b2)
        assert_int_equal(lrs_optim_bind_callback(opt, -1, "beta2", s_beta2, NULL, 1.0), 0);
    if (g->sched_wd)
        assert_int_equal(lrs_optim_bind(opt, -1, "weight_decay", s_wd, g->hp.weight_decay), 0);

    int bad = 0, si = 0;
    double worst = 0;
    char what[160];
    for (int t = 0; t < g->steps; t++) {
        for (int gi = 0; gi < g->ngroups; gi++)
            for (int i = 0; i < g->n; i++)
                gr[gi][i] = rtt_grad(g->seed + 1000u * (unsigned)gi, (uint64_t)t, (uint64_t)i);
        assert_int_equal(lrs_optim_step(opt), LRS_OPTIM_OK);
        while (si < g->nsnap && g->snap[si].step == t + 1) {
            snprintf(what, sizeof what, "%s group %d params after step %d", g->name,
                     g->snap[si].group, t + 1);
            bad += compare(what, p[g->snap[si].group], g->snap[si].v, g->n, &worst);
            si++;
        }
    }
    assert_int_equal(si, g->nsnap);
    assert_int_equal(lrs_optim_step_count(opt), g->steps);
    for (int k = 0; k < g->nstate; k++) {
        const float *s = lrs_optim_state(opt, g->state[k].group, g->state[k].name);
        snprintf(what, sizeof what, "%s group %d %s", g->name, g->state[k].group, g->state[k].name);
        if (!s) {
            print_error("%s: missing\n", what);
            bad++;
            continue;
        }
        bad += compare(what, s, g->state[k].v, g->n, &worst);
    }
    print_message("%-26s worst relative difference %.3g\n", g->name, worst);
    lrs_optim_free(opt);
    assert_int_equal(bad, 0);
}

int main(int argc, char **argv)
{
    rtt_forced_simd();
    const char *path = argc > 1 ? argv[1] : LRS_GOLDEN_FILE;
    if (load_golden(path) != 0) {
        fprintf(stderr, "cannot read golden file %s\n", path);
        return 1;
    }
    struct CMUnitTest *tests = calloc((size_t)nconfigs, sizeof *tests);
    for (int i = 0; i < nconfigs; i++) {
        tests[i].name = configs[i].name;
        tests[i].test_func = run_config;
        tests[i].initial_state = &configs[i];
    }
    int rc = _cmocka_run_group_tests("optim_golden", tests, (size_t)nconfigs, NULL, NULL);
    free(tests);
    free(configs);
    return rc;
}
