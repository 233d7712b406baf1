/* test_ir.c — IR construction: folding, hash-consing, the semantics of
 * each operation and straight-line code. */
#include "test_util.h"

#include "lrs_ir.h"

static void test_folding_and_sharing(void **state)
{
    (void)state;
    lrs_ir ir;
    lrs_ir_init(&ir);
    uint32_t s = lrs_ir_step(&ir);
    uint32_t two = lrs_ir_const(&ir, 2);
    uint32_t a = lrs_ir_bin(&ir, IR_MUL, s, two);
    uint32_t b = lrs_ir_bin(&ir, IR_MUL, s, lrs_ir_const(&ir, 2));
    assert_int_equal(a, b); /* hash-consed */
    double k;
    assert_true(lrs_ir_is_const(&ir, lrs_ir_bin(&ir, IR_ADD, two, two), &k));
    assert_true(k == 4);
    assert_int_equal(lrs_ir_bin(&ir, IR_ADD, s, lrs_ir_const(&ir, 0)), s);
    assert_int_equal(lrs_ir_bin(&ir, IR_MUL, s, lrs_ir_const(&ir, 1)), s);
    assert_int_equal(lrs_ir_bin(&ir, IR_MIN, s, lrs_ir_const(&ir, INFINITY)), s);
    assert_int_equal(lrs_ir_select(&ir, lrs_ir_const(&ir, 1), a, s), a);
    assert_int_equal(lrs_ir_select(&ir, lrs_ir_bin(&ir, IR_LT, s, two), a, a), a);
    /* x * 0 must not fold: inf * 0 is NaN */
    assert_false(lrs_ir_is_const(&ir, lrs_ir_bin(&ir, IR_MUL, s, lrs_ir_const(&ir, 0)), NULL));
    lrs_ir_free(&ir);
}

static void test_semantics(void **state)
{
    (void)state;
    assert_true(lrs_ir_apply(IR_MOD, -1, 3) == 2); /* floored */
    assert_true(lrs_ir_apply(IR_MOD, 1, -3) == -2);
    assert_true(lrs_ir_apply(IR_ROUND, 2.5, 0) == 3); /* half away from zero */
    assert_true(isnan(lrs_ir_apply(IR_MIN, NAN, 1)));
    assert_true(isnan(lrs_ir_apply(IR_MAX, 1, NAN)));
    assert_true(lrs_ir_apply(IR_NOT, 0, 0) == 1);
    assert_true(lrs_ir_apply(IR_AND, 1, 0) == 0);
    /* noise: reproducible, in [-1, 1), different across seeds and steps */
    double u = lrs_ir_noise_value(12345, 7);
    assert_true(u == lrs_ir_noise_value(12345, 7));
    assert_true(u >= -1 && u < 1);
    assert_true(u != lrs_ir_noise_value(12345, 8));
    assert_true(u != lrs_ir_noise_value(12346, 7));
    double sum = 0;
    for (int i = 0; i < 100000; i++)
        sum += lrs_ir_noise_value(i, 0);
    assert_true(fabs(sum / 100000) < 0.01); /* centred */
}

static void test_code(void **state)
{
    (void)state;
    lrs_ir ir;
    lrs_ir_init(&ir);
    uint32_t s = lrs_ir_step(&ir);
    uint32_t dead = lrs_ir_un(&ir, IR_COS, s); /* not reachable from root */
    (void)dead;
    uint32_t root =
        lrs_ir_select(&ir, lrs_ir_bin(&ir, IR_LT, s, lrs_ir_const(&ir, 10)),
                      lrs_ir_bin(&ir, IR_DIV, s, lrs_ir_const(&ir, 10)), lrs_ir_const(&ir, 1));
    lrs_code c;
    assert_int_equal(lrs_code_build(&ir, root, &c), 0);
    for (uint32_t i = 0; i < c.n; i++)
        assert_int_not_equal(c.ins[i].op, IR_COS);
    double scratch[16];
    assert_true(lrs_code_eval(&c, 5, scratch) == 0.5);
    assert_true(lrs_code_eval(&c, -7, scratch) == 0); /* negative steps are step 0 */
    assert_true(lrs_code_eval(&c, 99, scratch) == 1);
    lrs_code_free(&c);
    lrs_ir_free(&ir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_folding_and_sharing),
        cmocka_unit_test(test_semantics),
        cmocka_unit_test(test_code),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
