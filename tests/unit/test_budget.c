/* test_budget.c — the trainer's budget and long declaration chains:
 * `total` and `steps_per_epoch` set by overrides whether or not the
 * program declares them (other undeclared names stay errors), and a chain
 * of 8000 lets compiled on a thread with a 512 KiB stack (name
 * resolution's cycle search uses no C stack proportional to the chain). */
#include "lrs.h"

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static lrs_program *compile_with(const char *text, const char *define, lrs_diags *d)
{
    lrs_context *ctx = lrs_context_new();
    const char *defs[1] = {define};
    lrs_options o = {0};
    o.defines = defs;
    o.define_count = define ? 1 : 0;
    lrs_program *p = lrs_compile_string(ctx, "budget.lrs", text, strlen(text), &o, d);
    lrs_context_free(ctx);
    return p;
}

static void total_set_when_undeclared(void **state)
{
    (void)state;
    lrs_diags *d = lrs_diags_new();
    /* cosine(0.1 -> 0) over 500 steps: at 250, 0.1 * (1 + cos(pi/2)) / 2. */
    lrs_program *p = compile_with("schedule lr = cosine(0.1 -> 0) for 50%\n", "total=1000", d);
    assert_non_null(p);
    assert_int_equal(lrs_diags_error_count(d), 0);
    assert_true(fabs(lrs_interp_eval(p, 0, 250) - 0.05) < 1e-15);
    assert_true(fabs(lrs_interp_eval(p, 0, 0) - 0.1) < 1e-15);
    int found = 0;
    for (size_t i = 0; i < lrs_program_param_count(p); i++)
        if (!strcmp(lrs_program_param_name(p, i), "total")) {
            found = 1;
            assert_true(lrs_program_param_value(p, i) == 1000);
        }
    assert_true(found);
    lrs_program_free(p);
    lrs_diags_free(d);
}

static void total_gives_the_span(void **state)
{
    (void)state;
    /* A stretching segment takes the whole budget set by the override. */
    lrs_program *p = compile_with("schedule lr = linear(0.1 -> 0)\n", "total=2000", NULL);
    assert_non_null(p);
    assert_true(lrs_program_schedule_span(p, 0) == 2000);
    assert_true(fabs(lrs_interp_eval(p, 0, 1000) - 0.05) < 1e-15);
    lrs_program_free(p);
}

static void steps_per_epoch_set_when_undeclared(void **state)
{
    (void)state;
    lrs_program *p =
        compile_with("schedule lr = linear(0.1 -> 0) for 2 epochs\n", "steps_per_epoch=100", NULL);
    assert_non_null(p);
    assert_true(lrs_program_schedule_span(p, 0) == 200);
    assert_true(fabs(lrs_interp_eval(p, 0, 100) - 0.05) < 1e-15);
    lrs_program_free(p);
}

static void declared_total_still_overridden(void **state)
{
    (void)state;
    lrs_program *p =
        compile_with("param total = 10\nschedule lr = linear(0.1 -> 0)\n", "total=400", NULL);
    assert_non_null(p);
    assert_true(lrs_program_schedule_span(p, 0) == 400);
    lrs_program_free(p);
}

static void other_names_still_errors(void **state)
{
    (void)state;
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = compile_with("schedule lr = 0.1\n", "warmup_steps=3", d);
    assert_null(p);
    assert_true(lrs_diags_error_count(d) >= 1);
    char *t = lrs_diags_format(d, 0, 0);
    assert_non_null(strstr(t, "no param 'warmup_steps' to set"));
    lrs_free(t);
    lrs_diags_free(d);
}

/* ---- a long chain of lets on a small stack ---------------------------- */

#define CHAIN 8000

/* Sanitizers make every frame larger: there only the documented 512 KiB. */
#if defined(__SANITIZE_ADDRESS__)
#define LRS_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define LRS_SANITIZED 1
#endif
#endif

static void *compile_chain(void *arg)
{
    const char *text = arg;
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = compile_with(text, NULL, d);
    static int ok;
    ok = p && lrs_interp_eval(p, 0, 0) == (double)CHAIN;
    lrs_program_free(p);
    lrs_diags_free(d);
    return &ok;
}

static void chain_on_stack(size_t kib)
{
    size_t cap = (size_t)CHAIN * 40 + 64, n = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    n += (size_t)snprintf(text + n, cap - n, "let a0 = 0\n");
    for (int i = 1; i <= CHAIN; i++)
        n += (size_t)snprintf(text + n, cap - n, "let a%d = a%d + 1\n", i, i - 1);
    snprintf(text + n, cap - n, "schedule lr = a%d\n", CHAIN);
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    assert_int_equal(pthread_attr_setstacksize(&attr, kib * 1024), 0);
    pthread_t t;
    assert_int_equal(pthread_create(&t, &attr, compile_chain, text), 0);
    void *res;
    pthread_join(t, &res);
    pthread_attr_destroy(&attr);
    assert_true(*(int *)res);
    free(text);
}

static void let_chain_small_stack(void **state)
{
    (void)state;
    chain_on_stack(512);
#ifndef LRS_SANITIZED
    /* A recursive search of the chain needed more than this. */
    chain_on_stack(64);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(total_set_when_undeclared),
        cmocka_unit_test(total_gives_the_span),
        cmocka_unit_test(steps_per_epoch_set_when_undeclared),
        cmocka_unit_test(declared_total_still_overridden),
        cmocka_unit_test(other_names_still_errors),
        cmocka_unit_test(let_chain_small_stack),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
