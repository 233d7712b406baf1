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

/* pick(L, i) as a chain of selects, as lowering writes a short list. */
static uint32_t pick_selects(lrs_ir *ir, const double *v, uint32_t n, uint32_t a)
{
    uint32_t r = lrs_ir_const(ir, v[0]);
    for (uint32_t j = 1; j < n; j++)
        r = lrs_ir_select(ir, lrs_ir_bin(ir, IR_GE, a, lrs_ir_const(ir, j)), lrs_ir_const(ir, v[j]),
                          r);
    return r;
}

/* index(L, x) as a sum of selects, as lowering writes a short list. */
static uint32_t index_selects(lrs_ir *ir, const double *v, uint32_t n, uint32_t a)
{
    uint32_t r = lrs_ir_const(ir, 0);
    for (uint32_t j = 0; j < n; j++)
        r = lrs_ir_bin(ir, IR_ADD, r,
                       lrs_ir_select(ir, lrs_ir_bin(ir, IR_GE, a, lrs_ir_const(ir, v[j])),
                                     lrs_ir_const(ir, 1), lrs_ir_const(ir, 0)));
    return r;
}

static int same_value(double x, double y)
{
    return (x != x && y != y) || (x == y && signbit(x) == signbit(y));
}

/* IR_PICK and IR_INDEX give what the chains of selects give, at every
 * kind of operand (a detector's value: NaN, the infinities, -0, fractions,
 * both ends and past them), in the straight-line code the interpreter
 * runs. */
static void test_tables_match_selects(void **state)
{
    (void)state;
    enum { N = 37 };
    double pickv[N], sorted[N];
    for (uint32_t j = 0; j < N; j++) {
        pickv[j] = j % 5 == 3 ? -0.0 : 1.0 / (j + 1) - 0.2;
        sorted[j] = j < 3 ? -INFINITY : j > N - 3 ? INFINITY : floor(j / 2.0) * 1.5 - 7;
    }
    pickv[11] = NAN;
    double xs[] = {NAN,  -INFINITY, -1e300, -3,   -1,    -0.0,     0,    0.25, 0.5,    1,
                   1.5,  2,         2.999,  11,   11.5,  12,       17.9, 35,   35.999, 36,
                   36.5, 37,        38,     1e18, 1e300, INFINITY, -7,   -5.5, -5.49,  20.5};
    lrs_ir ir;
    lrs_ir_init(&ir);
    uint32_t in = lrs_ir_input(&ir, 0, 0, 0);
    uint32_t roots[4] = {lrs_ir_table(&ir, IR_PICK, pickv, N, in), pick_selects(&ir, pickv, N, in),
                         lrs_ir_table(&ir, IR_INDEX, sorted, N, in),
                         index_selects(&ir, sorted, N, in)};
    assert_int_equal(ir.nodes[roots[0]].op, IR_PICK);
    assert_int_equal(ir.nodes[roots[2]].op, IR_INDEX);
    lrs_code code[4];
    for (int r = 0; r < 4; r++)
        assert_int_equal(lrs_code_build(&ir, roots[r], &code[r]), 0);
    double scratch[1024];
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++)
        for (int r = 0; r < 4; r += 2) {
            double table = lrs_code_eval_det(&code[r], 0, &xs[i], scratch);
            double chain = lrs_code_eval_det(&code[r + 1], 0, &xs[i], scratch);
            if (!same_value(table, chain))
                fail_msg("%s at %g: table %g, selects %g", r ? "index" : "pick", xs[i], table,
                         chain);
        }
    /* constant operands fold to the same values */
    for (size_t i = 0; i < sizeof xs / sizeof *xs; i++) {
        uint32_t k = lrs_ir_const(&ir, xs[i]);
        assert_true(same_value(lrs_ir_value(&ir, lrs_ir_table(&ir, IR_PICK, pickv, N, k)),
                               lrs_ir_value(&ir, pick_selects(&ir, pickv, N, k))));
        assert_true(same_value(lrs_ir_value(&ir, lrs_ir_table(&ir, IR_INDEX, sorted, N, k)),
                               lrs_ir_value(&ir, index_selects(&ir, sorted, N, k))));
    }
    for (int r = 0; r < 4; r++)
        lrs_code_free(&code[r]);
    lrs_ir_free(&ir);
}

/* A table is stored once per content: the same list under two operands
 * shares its entries, and a node's code carries only the tables it reads. */
static void test_tables_shared(void **state)
{
    (void)state;
    double a[20], b[20];
    for (int j = 0; j < 20; j++)
        a[j] = b[j] = j * 0.5;
    b[19] = 100;
    lrs_ir ir;
    lrs_ir_init(&ir);
    uint32_t s = lrs_ir_step(&ir), h = lrs_ir_bin(&ir, IR_DIV, s, lrs_ir_const(&ir, 2));
    uint32_t p1 = lrs_ir_table(&ir, IR_PICK, a, 20, s), p2 = lrs_ir_table(&ir, IR_PICK, a, 20, h);
    assert_int_equal(ir.npool, 20);
    assert_int_equal(ir.nodes[p1].b, ir.nodes[p2].b);
    assert_int_equal(lrs_ir_table(&ir, IR_PICK, a, 20, s), p1); /* hash-consed */
    uint32_t p3 = lrs_ir_table(&ir, IR_PICK, b, 20, s);
    assert_int_equal(ir.npool, 40);
    lrs_code c;
    assert_int_equal(lrs_code_build(&ir, lrs_ir_bin(&ir, IR_ADD, p2, p3), &c), 0);
    assert_int_equal(c.npool, 40);
    double scratch[64];
    assert_true(lrs_code_eval(&c, 7, scratch) == a[3] + b[7]);
    lrs_code_free(&c);
    assert_int_equal(lrs_code_build(&ir, lrs_ir_bin(&ir, IR_MUL, p1, p2), &c), 0);
    assert_int_equal(c.npool, 20);
    assert_true(lrs_code_eval(&c, 7, scratch) == a[7] * a[3]);
    lrs_code_free(&c);
    lrs_ir_free(&ir);
}

/* The size limit is charged as the IR grows, table entries included:
 * the IR stops at the limit (LRS_IR_FULL) and builds nothing more. */
static void test_size_limit(void **state)
{
    (void)state;
    lrs_ir ir;
    lrs_ir_init(&ir);
    ir.limit = 100;
    uint32_t s = lrs_ir_step(&ir), x = s;
    for (int i = 0; i < 1000 && !ir.oom; i++)
        x = lrs_ir_bin(&ir, IR_ADD, x, lrs_ir_const(&ir, i + 1));
    assert_int_equal(ir.oom, LRS_IR_FULL);
    assert_true(ir.n + ir.npool <= 100);
    size_t n = ir.n;
    lrs_ir_bin(&ir, IR_MUL, s, s);
    assert_int_equal(ir.n, n);
    lrs_ir_free(&ir);

    double v[64] = {0};
    for (int j = 0; j < 64; j++)
        v[j] = j;
    lrs_ir_init(&ir);
    ir.limit = 100;
    s = lrs_ir_step(&ir);
    lrs_ir_table(&ir, IR_PICK, v, 64, s);
    assert_int_equal(ir.oom, 0);
    v[0] = -1;
    lrs_ir_table(&ir, IR_PICK, v, 64, s); /* 64 more entries pass 100 */
    assert_int_equal(ir.oom, LRS_IR_FULL);
    assert_int_equal(ir.npool, 64);
    lrs_ir_free(&ir);
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
        cmocka_unit_test(test_tables_match_selects),
        cmocka_unit_test(test_tables_shared),
        cmocka_unit_test(test_size_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
