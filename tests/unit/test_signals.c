/* test_signals.c — signals end to end: the diagnostics of `signal` and the
 * detectors, the host state (reports, errors, serialisation), the plateau
 * rules against hand-worked histories of PyTorch 1.13's ReduceLROnPlateau,
 * Keras' callback and scikit-learn's adaptive rate, and reactive schedules
 * through the interpreter, the JIT and an ahead-of-time shared object read
 * by the LLVM-free loader; optimizer checkpoints that carry signal states. */
#include "test_util.h"

#include <stdlib.h>
#include <unistd.h>

TEST_GROUP_CONTEXT

/* ---- diagnostics ------------------------------------------------------------ */

static void test_diagnostics(void **state)
{
    (void)state;
    char *t = bad("signal loss\nschedule lr = 0.1 for loss then 0.01\n");
    assert_contains(t, "test.lrs:2:23: error: a duration must be a number, not a signal");
    assert_contains(t, "help: a signal is read through a detector: plateaus(loss)");
    t = bad("signal loss\nschedule lr = 0.1 * 0.5 ^ plateaus(los)\n");
    assert_contains(t, "test.lrs:2:36: error: unknown name 'los'");
    assert_contains(t, "help: did you mean 'loss'?");
    t = bad("signal loss\nschedule lr = 0.1 * 0.5 ^ plateaus(loss, patience = 2.5)\n");
    assert_contains(
        t, "error: the patience of plateaus must be a whole number, 0 or more (it is 2.5)");
    assert_contains(t, "help: the patience of plateaus counts reports: write 3");
    t = bad("signal loss\nschedule lr = 0.1 * 0.5 ^ plateaus(loss, threshold = -1)\n");
    assert_contains(t, "the threshold of plateaus must be finite and 0 or more (it is -1)");
    t = bad("signal loss\nschedule lr = 0.1 * 0.5 ^ plateaus(loss, mode = abs)\n");
    assert_contains(t, "error: the mode of plateaus must be one of min, max");
    t = bad(
        "signal loss\nschedule lr = 0.1 * 0.5 ^ plateaus(loss, rule = sklearn, cooldown = 2)\n");
    assert_contains(t, "scikit-learn's rule has no cooldown");
    t = bad("schedule lr = 0.1 * 0.5 ^ plateaus(3)\n");
    assert_contains(t, "test.lrs:1:36: error: the signal of plateaus must be a name, not a number");
    t = bad("let loss = 3\nschedule lr = 0.1 * 0.5 ^ plateaus(loss)\n");
    assert_contains(t, "test.lrs:2:36: error: 'loss' is not a signal");
    assert_contains(t, "help: declare the metric with `signal loss`");
    t = bad("signal loss\nschedule lr = 0.1 for (10 + reports(loss)) then 0.01\n");
    assert_contains(t, "error: a duration cannot depend on a signal");
    t = bad("signal loss\nschedule lr = loss\n");
    assert_contains(t, "a schedule must be a number, not a signal");
    t = bad("signal loss\nschedule lr = last(loss)\n");
    assert_contains(t, "error: schedule 'lr' is negative at step 0 (-1) when last(loss) = -1");
    t = bad("signal loss\nschedule lr = 1 / reports(loss)\n");
    assert_contains(t, "schedule 'lr' is infinite at step 0 (inf)");
}

/* A schedule that cannot be proved over every history, and cannot be
 * refuted by sampling, is a warning. */
static void test_unproved_is_a_warning(void **state)
{
    (void)state;
    lrs_diags *d = lrs_diags_new();
    const char *src = "signal m\nschedule lr = sqrt(clamp(last(m), 0, 1)) * (1 - 0.5 * "
                      "clamp(best(m), 0, 1))\n";
    lrs_program *p = compile_src(ctx, src, d);
    assert_non_null(p);
    lrs_schedule_info in;
    lrs_program_schedule_info(p, 0, &in);
    assert_true(in.reactive);
    assert_true(in.proved);
    assert_true(in.bound_min == 0 && in.bound_max == 1);
    lrs_program_free(p);
    lrs_diags_clear(d);
    p = compile_src(ctx, "signal m\nschedule lr = clamp(last(m), -1, 1) ^ 2\n", d);
    assert_non_null(p);
    lrs_program_schedule_info(p, 0, &in);
    assert_false(in.proved);
    assert_int_equal(lrs_diags_warning_count(d), 1);
    assert_contains(all_diags(d), "cannot prove schedule 'lr' finite and non-negative over every "
                                  "history of its signals");
    lrs_program_free(p);
    lrs_diags_free(d);
}

/* ---- the host state -------------------------------------------------------------- */

static void test_state_api(void **state)
{
    (void)state;
    lrs_program *p =
        ok("signal a\nsignal b\nsignal unused\n"
           "let n = plateaus(a, patience = 0)\n"
           "schedule x = 0.1 * 0.5 ^ n + 0 * reports(b) + 0 * plateaus(a, patience = 0)\n"
           "schedule y = clamp(last(b, default = 3), 0, 10)\n"
           "schedule z = 1\n");
    assert_int_equal(lrs_program_signal_count(p), 3);
    assert_string_equal(lrs_program_signal_name(p, 0), "a");
    assert_string_equal(lrs_program_signal_name(p, 2), "unused");
    /* equal detectors share one slot */
    assert_int_equal(lrs_program_detector_count(p), 3);
    assert_true(lrs_program_schedule_reactive(p, 0));
    assert_true(lrs_program_schedule_reactive(p, 1));
    assert_false(lrs_program_schedule_reactive(p, 2));
    assert_null(lrs_program_function(p, 0)); /* reactive: its own ABI */
    assert_null(lrs_program_reactive_function(p, 2));

    lrs_signals *s = lrs_program_signals_new(p);
    assert_non_null(s);
    assert_int_equal(lrs_signals_find(s, "b"), 1);
    assert_int_equal(lrs_signals_find(s, "c"), -1);
    const double *v = lrs_signals_values(s);
    assert_true(lrs_interp_eval_reactive(p, 1, 0, v) == 3);
    assert_int_equal(lrs_signals_report_name(s, "b", 10, 7.5), LRS_SIGNALS_OK);
    assert_true(lrs_interp_eval_reactive(p, 1, 0, v) == 7.5);
    assert_int_equal(lrs_signals_report_name(s, "b", 9, 1), LRS_SIGNALS_EORDER);
    assert_contains(lrs_signals_error(s),
                    "signal 'b': a report at step 9 comes after one at step 10");
    assert_int_equal(lrs_signals_report(s, 1, 10, INFINITY), LRS_SIGNALS_ENONFINITE);
    assert_contains(lrs_signals_error(s), "infinite");
    assert_int_equal(lrs_signals_report(s, 1, 11, NAN), LRS_SIGNALS_NAN);
    assert_true(lrs_interp_eval_reactive(p, 1, 0, v) == 7.5); /* NaN leaves last */
    assert_int_equal(lrs_signals_report(s, 7, 11, 1), LRS_SIGNALS_EINVAL);
    assert_int_equal(lrs_signals_report_name(s, "nope", 11, 1), LRS_SIGNALS_EINVAL);
    assert_int_equal(lrs_signals_last_step(s, 1), 11);
    assert_int_equal(lrs_signals_last_step(s, 0), -1);
    /* two plateaus with patience 0: every report that is not better */
    assert_int_equal(lrs_signals_report(s, 0, 1, 1.0), 0);
    assert_int_equal(lrs_signals_report(s, 0, 2, 1.0), 0);
    assert_int_equal(lrs_signals_report(s, 0, 3, 2.0), 0);
    assert_true(lrs_interp_eval_reactive(p, 0, 0, v) == 0.1 * 0.5 * 0.5);

    /* save, change, restore: the same values, bit for bit */
    size_t n = lrs_signals_state_size(s);
    unsigned char *buf = malloc(n), *buf2 = malloc(n);
    assert_int_equal(lrs_signals_save(s, buf, n - 1), 0);
    assert_int_equal(lrs_signals_save(s, buf, n), n);
    double before[3];
    memcpy(before, v, sizeof before);
    lrs_signals_report(s, 0, 4, 5.0);
    lrs_signals_report(s, 1, 12, 0.25);
    assert_int_equal(lrs_signals_load(s, buf, n), LRS_SIGNALS_OK);
    assert_memory_equal(v, before, sizeof before);
    assert_int_equal(lrs_signals_last_step(s, 1), 11);
    assert_int_equal(lrs_signals_save(s, buf2, n), n);
    assert_memory_equal(buf, buf2, n);
    /* damaged, truncated and foreign states change nothing */
    lrs_signals_report(s, 0, 4, 5.0);
    memcpy(before, v, sizeof before);
    buf2[n / 2] ^= 1;
    assert_int_equal(lrs_signals_load(s, buf2, n), LRS_SIGNALS_ECORRUPT);
    assert_int_equal(lrs_signals_load(s, buf, n - 1), LRS_SIGNALS_ECORRUPT);
    assert_int_equal(lrs_signals_load(s, "LRSX", 4), LRS_SIGNALS_ECORRUPT);
    assert_memory_equal(v, before, sizeof before);
    lrs_program *q = ok("signal a\nschedule x = 0.1 * 0.5 ^ plateaus(a, patience = 1)\n");
    lrs_signals *other = lrs_program_signals_new(q);
    assert_int_equal(lrs_signals_load(other, buf, n), LRS_SIGNALS_EMISMATCH);
    assert_contains(lrs_signals_error(other), "other signals or detectors");
    lrs_signals_reset(s);
    assert_true(v[0] == 0 && lrs_signals_last_step(s, 0) == -1);
    free(buf);
    free(buf2);
    lrs_signals_free(other);
    lrs_signals_free(s);
    lrs_program_free(q);
    lrs_program_free(p);
    lrs_signals_free(NULL);
    assert_null(lrs_signals_new(NULL, 1, NULL, 0));
    assert_int_equal(lrs_signals_report(NULL, 0, 0, 1), LRS_SIGNALS_EINVAL);
}

/* The plateau rules on one history, worked by hand from each library's
 * code (see compiler/lrs_signals.c): patience 1, abs threshold 0.05, lower
 * is better; cooldown 1 (torch), 2 (keras), none (sklearn). */
static void test_rules(void **state)
{
    (void)state;
    const double h[] = {1.0, 0.99, 0.98, 0.97, 0.5, 0.49, NAN, 0.48, 0.47, 0.2};
    /* plateaus after each report */
    const double torch[] = {0, 0, 1, 1, 1, 1, 2, 2, 2, 2};
    const double keras[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
    const double sk[] = {0, 0, 1, 1, 1, 1, 1, 1, 2, 2};
    lrs_detector d[3];
    memset(d, 0, sizeof d);
    for (int k = 0; k < 3; k++) {
        d[k].kind = LRS_DETECT_PLATEAUS;
        d[k].rule = (uint32_t)k;
        d[k].patience = 1;
        d[k].cooldown = k == 2 ? 0 : k + 1;
        d[k].threshold = 0.05;
        d[k].threshold_abs = 1;
    }
    const char *names[] = {"m"};
    lrs_signals *s = lrs_signals_new(names, 1, d, 3);
    for (size_t i = 0; i < sizeof h / sizeof *h; i++) {
        lrs_signals_report(s, 0, (int64_t)i, h[i]);
        const double *v = lrs_signals_values(s);
        if (v[0] != torch[i] || v[1] != keras[i] || v[2] != sk[i]) {
            print_error("after report %zu: torch %g keras %g sklearn %g\n", i, v[0], v[1], v[2]);
            fail();
        }
    }
    lrs_signals_free(s);
}

/* ---- backends ------------------------------------------------------------------- */

static const char *reactive_src =
    "param total = 1000\n"
    "signal val_loss\nsignal acc\n"
    "let drops = plateaus(val_loss, patience = 2, cooldown = 1)\n"
    "schedule lr = warmup(100, max(0.1 * 0.1 ^ drops, 1e-5)) * (1 + 0.1 * cos(step / 50))\n"
    "schedule mix = clamp(last(val_loss, default = 1), 0, 2) * 0.5 + 0.01 * "
    "min(reports(acc), 100) + clamp(best(acc, mode = max), 0, 1)\n"
    "schedule plain = cosine(1 -> 0)\n";

static void test_backends_agree(void **state)
{
    (void)state;
    lrs_program *p = ok(reactive_src);
    lrs_signals *s = lrs_program_signals_new(p);
    char dir[] = "/tmp/lrs-signals-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char so[64], err[512];
    snprintf(so, sizeof so, "%s/r.so", dir);
    lrs_emit_options o = {LRS_EMIT_SHARED, so, "r_", NULL, NULL};
    assert_int_equal(lrs_program_emit(p, &o, err, sizeof err), LRS_EMIT_OK);
    lrs_aot *a = lrs_aot_open(so, err, sizeof err);
    assert_non_null(a);
    const lrs_aot_table *t = lrs_aot_get_table(a);
    assert_int_equal(t->signal_count, 2);
    assert_string_equal(t->signals[1], "acc");
    assert_int_equal(t->detector_count, lrs_program_detector_count(p));
    assert_memory_equal(t->detectors, lrs_program_detector(p, 0),
                        t->detector_count * sizeof(lrs_detector));
    assert_null(lrs_aot_function(a, "lr"));
    assert_non_null(lrs_aot_function(a, "plain"));
    lrs_signals *sa = lrs_aot_signals_new(a);
    assert_non_null(sa);
    uint64_t rng = 7;
    for (int64_t step = 0; step < 1000; step++) {
        if (step % 25 == 0) { /* a report every 25 steps: random, ties, NaN */
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            double m = (double)(rng >> 40 & 7) / 8.0;
            if ((rng >> 60) == 3) m = NAN;
            lrs_signals_report(s, 0, step, m);
            lrs_signals_report(sa, 0, step, m);
            lrs_signals_report(s, 1, step, 1 - m);
            lrs_signals_report(sa, 1, step, 1 - m);
        }
        const double *v = lrs_signals_values(s);
        assert_memory_equal(v, lrs_signals_values(sa), lrs_signals_detector_count(s) * sizeof *v);
        for (size_t i = 0; i < 2; i++) {
            const char *name = lrs_program_schedule_name(p, i);
            double want = lrs_interp_eval_reactive(p, i, step, v);
            lrs_reactive_fn jf = lrs_program_reactive_function(p, i);
            lrs_reactive_fn af = lrs_aot_reactive_function(a, name);
            lrs_reactive_range_fn jr = lrs_program_reactive_range_function(p, i);
            lrs_reactive_range_fn ar = lrs_aot_reactive_range_function(a, name);
            assert_non_null(jf);
            assert_non_null(af);
            double r[3] = {0, 0, 42};
            jr(step, 1, r, v);
            ar(step, 1, r + 1, v);
            assert_true(jf(step, v) == want);
            assert_true(af(step, v) == want);
            assert_close(r[0], want, 1e-15);
            assert_close(r[1], want, 1e-15);
            assert_true(r[2] == 42);
        }
    }
    lrs_signals_free(sa);
    lrs_aot_close(a);
    /* the header declares the reactive ABI */
    char h[64];
    snprintf(h, sizeof h, "%s/r.h", dir);
    o.kind = LRS_EMIT_HEADER;
    o.path = h;
    assert_int_equal(lrs_program_emit(p, &o, err, sizeof err), LRS_EMIT_OK);
    FILE *f = fopen(h, "r");
    static char text[8192];
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    assert_contains(text, "double r_lr(int64_t step, const double *detectors);");
    assert_contains(text, "void r_lr_range(int64_t first, int64_t count, double *out, const "
                          "double *detectors);");
    assert_contains(text, "double r_plain(int64_t step);");
    unlink(h);
    unlink(so);
    rmdir(dir);
    lrs_signals_free(s);
    lrs_program_free(p);
}

/* ---- the optimizer's checkpoints ------------------------------------------------ */

/* n steps of SGD on f(x) = sum (x - 1)^2 with the reactive lr, reporting
 * the loss every 5 steps. */
static void run_steps(lrs_optim *opt, float *x, float *g, size_t n, lrs_signals *s, int steps)
{
    for (int k = 0; k < steps; k++) {
        double loss = 0;
        for (size_t i = 0; i < n; i++) {
            g[i] = 2 * (x[i] - 1);
            loss += (double)(x[i] - 1) * (x[i] - 1);
        }
        assert_int_equal(lrs_optim_step(opt), LRS_OPTIM_OK);
        int64_t step = lrs_optim_step_count(opt);
        if (step % 5 == 0) lrs_signals_report(s, 0, step, step > 40 ? 1.0 : loss);
    }
}

static void test_checkpoint(void **state)
{
    (void)state;
    lrs_program *p = ok("signal loss\nschedule lr = warmup(10, torch_reduce_on_plateau(loss, 0.1, "
                        "patience = 1, factor = 0.5))\n");
    lrs_reactive_fn fn = lrs_program_reactive_function(p, 0);
    assert_non_null(fn);
    enum { N = 8 };
    float xa[N], ga[N], xb[N], gb[N];
    for (int i = 0; i < N; i++)
        xa[i] = (float)i;
    lrs_signals *sa = lrs_program_signals_new(p), *sb = lrs_program_signals_new(p);
    lrs_optim *a = lrs_optim_new(LRS_OPTIM_SGD), *b = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    hp.momentum = 0.9;
    assert_true(lrs_optim_add_group(a, xa, ga, N, &hp) >= 0);
    assert_true(lrs_optim_add_group(b, xb, gb, N, &hp) >= 0);
    assert_int_equal(lrs_optim_bind_reactive(a, -1, "lr", fn, sa, 1.0), LRS_OPTIM_OK);
    assert_int_equal(lrs_optim_bind_reactive(b, -1, "lr", fn, sb, 1.0), LRS_OPTIM_OK);
    run_steps(a, xa, ga, N, sa, 30);
    char path[] = "/tmp/lrs-signals-ckpt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(lrs_optim_save(a, path), LRS_OPTIM_OK);
    memcpy(xb, xa, sizeof xa);
    run_steps(a, xa, ga, N, sa, 50); /* the run that goes on */
    /* a fresh optimizer and signal state resume from the checkpoint */
    assert_int_equal(lrs_optim_load(b, path), LRS_OPTIM_OK);
    assert_int_equal(lrs_signals_last_step(sb, 0), 30);
    run_steps(b, xb, gb, N, sb, 50);
    assert_memory_equal(xa, xb, sizeof xa);
    double la, lb;
    lrs_optim_hparam(a, 0, "lr", &la);
    lrs_optim_hparam(b, 0, "lr", &lb);
    assert_true(la == lb && la < 0.1); /* it dropped, the same way */
    assert_memory_equal(lrs_signals_values(sa), lrs_signals_values(sb), sizeof(double));
    /* an optimizer that tracks other signals, or none, refuses the file */
    lrs_program *q = ok("signal other\nschedule lr = 0.1 * 0.5 ^ plateaus(other)\n");
    lrs_signals *sq = lrs_program_signals_new(q);
    lrs_optim *c = lrs_optim_new(LRS_OPTIM_SGD);
    assert_true(lrs_optim_add_group(c, xb, gb, N, &hp) >= 0);
    assert_int_equal(lrs_optim_load(c, path), LRS_OPTIM_EMISMATCH);
    assert_contains(lrs_optim_error(c), "tracks none");
    assert_int_equal(lrs_optim_track_signals(c, sq), LRS_OPTIM_OK);
    assert_int_equal(lrs_optim_load(c, path), LRS_OPTIM_EMISMATCH);
    assert_contains(lrs_optim_error(c), "other signals or detectors");
    unlink(path);
    lrs_optim_free(a);
    lrs_optim_free(b);
    lrs_optim_free(c);
    lrs_signals_free(sa);
    lrs_signals_free(sb);
    lrs_signals_free(sq);
    lrs_program_free(q);
    lrs_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diagnostics),    cmocka_unit_test(test_unproved_is_a_warning),
        cmocka_unit_test(test_state_api),      cmocka_unit_test(test_rules),
        cmocka_unit_test(test_backends_agree), cmocka_unit_test(test_checkpoint),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
