/* test_util.h — helpers shared by the unit tests. */
#ifndef TEST_UTIL_H
#define TEST_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "lrs.h"

/* Compile `src`; NULL on error, with the diagnostics left in *d. */
static inline lrs_program *compile_src(lrs_context *ctx, const char *src, lrs_diags *d)
{
    return lrs_compile_string(ctx, "test.lrs", src, strlen(src), NULL, d);
}

/* Relative closeness for values from different formulas. */
static inline void assert_close(double got, double want, double rel)
{
    double tol = rel * fmax(fabs(want), 1e-300);
    if (!(fabs(got - want) <= tol)) {
        print_error("got %.17g, want %.17g (rel %.3g)\n", got, want, fabs(got - want) / fabs(want));
        fail();
    }
}

/* The rendered text of all diagnostics, for substring checks. */
static inline char *all_diags(const lrs_diags *d)
{
    static char buf[16384];
    buf[0] = 0;
    for (size_t i = 0; i < lrs_diags_count(d); i++) {
        char *s = lrs_diags_format(d, i, 0);
        if (s) strncat(buf, s, sizeof buf - strlen(buf) - 1);
        lrs_free(s);
    }
    return buf;
}

/* Compile or fail the test showing the diagnostics. */
static inline lrs_program *compile_ok(lrs_context *ctx, const char *src)
{
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = compile_src(ctx, src, d);
    if (!p) {
        print_error("%s", all_diags(d));
        lrs_diags_free(d);
        fail();
    }
    lrs_diags_free(d);
    return p;
}

/* Compile expecting failure; returns the rendered diagnostics. */
static inline char *compile_bad(lrs_context *ctx, const char *src)
{
    lrs_diags *d = lrs_diags_new();
    lrs_program *p = compile_src(ctx, src, d);
    assert_null(p);
    assert_true(lrs_diags_error_count(d) > 0);
    char *text = all_diags(d);
    lrs_diags_free(d);
    return text;
}

/* One context for a whole test group: declares `ctx`, cmocka's
 * group_setup and group_teardown that make and free it, and ok() and
 * bad(), compile_ok and compile_bad in it. */
#define TEST_GROUP_CONTEXT                                                                         \
    static lrs_context *ctx;                                                                       \
    static int group_setup(void **state)                                                           \
    {                                                                                              \
        (void)state;                                                                               \
        ctx = lrs_context_new();                                                                   \
        return ctx ? 0 : -1;                                                                       \
    }                                                                                              \
    static int group_teardown(void **state)                                                        \
    {                                                                                              \
        (void)state;                                                                               \
        lrs_context_free(ctx);                                                                     \
        return 0;                                                                                  \
    }                                                                                              \
    static lrs_program *ok(const char *src)                                                        \
    {                                                                                              \
        return compile_ok(ctx, src);                                                               \
    }                                                                                              \
    static char *bad(const char *src)                                                              \
    {                                                                                              \
        return compile_bad(ctx, src);                                                              \
    }

#define assert_contains(hay, needle)                                                               \
    do {                                                                                           \
        if (!strstr((hay), (needle))) {                                                            \
            print_error("missing \"%s\" in:\n%s\n", (needle), (hay));                              \
            fail();                                                                                \
        }                                                                                          \
    } while (0)

#endif
