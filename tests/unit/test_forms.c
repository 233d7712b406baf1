/* test_forms.c — the table of built-in names (lrs_forms.h): every row is
 * complete and consistent, so elaboration and lowering, which trust it,
 * never meet a half-filled row. */
#include "test_util.h"

#include "lrs_forms.h"

static void test_names_are_unique_and_found(void **state)
{
    (void)state;
    assert_true(lrs_builtin_count > 0);
    for (size_t i = 0; i < lrs_builtin_count; i++) {
        assert_non_null(lrs_builtins[i].name);
        assert_int_equal(lrs_builtin_find(lrs_builtins[i].name), (int)i);
    }
    assert_int_equal(lrs_builtin_find("no_such_builtin"), -1);
}

static void test_parameters(void **state)
{
    (void)state;
    for (size_t i = 0; i < lrs_builtin_count; i++) {
        const lrs_builtin *b = &lrs_builtins[i];
        assert_true(b->nparams >= 0 && b->nparams <= LRS_FORM_MAX_PARAMS);
        assert_true(b->nrequired >= 0 && b->nrequired <= b->nparams);
        for (int j = 0; j < b->nparams; j++) {
            assert_non_null(b->params[j].name);
            /* a list has no default; a name's is "not given" (the row's own
             * choice, such as a detector's first option word) */
            if (b->params[j].kind == P_LIST) assert_true(j < b->nrequired);
            for (int k = 0; k < j; k++)
                assert_string_not_equal(b->params[j].name, b->params[k].name);
        }
    }
}

static void test_rows_by_kind(void **state)
{
    (void)state;
    size_t forms = 0;
    for (size_t i = 0; i < lrs_builtin_count; i++) {
        const lrs_builtin *b = &lrs_builtins[i];
        switch (b->kind) {
        case BK_CONST:
        case BK_AUTO:
        case BK_CTX:
        case BK_WORD:
            assert_int_equal(b->nparams, 0);
            break;
        case BK_MATH:
            /* a math function is one IR op of its arity */
            assert_true(b->id >= 0 && b->id < IR_NOPS);
            assert_int_equal(lrs_ir_arity((lrs_irop)b->id), b->nparams);
            break;
        case BK_FORM:
            forms++;
            assert_non_null(b->elab);
            /* lowered with a duration, or expanded at elaboration (both NULL) */
            assert_true((b->lower == NULL) == (b->duration == NULL));
            break;
        }
        if (b->kind != BK_FORM) assert_null(b->elab);
    }
    assert_true(forms > 0);
    static const char *const named[] = {"restarts", "sample", "at",    "index",
                                        "pick",     "noise",  "clamp", "jump"};
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
        int bi = lrs_builtin_find(named[i]);
        assert_true(bi >= 0);
        assert_int_equal(lrs_builtins[bi].kind, BK_FORM);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_are_unique_and_found),
        cmocka_unit_test(test_parameters),
        cmocka_unit_test(test_rows_by_kind),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
