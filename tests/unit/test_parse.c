/* test_parse.c — the scanner and parser: precedence, spans, recovery and
 * limits, through the internal parser API. */
#include "test_util.h"

#include "lrs_parse.h"

#include <stdlib.h>

typedef struct fixture {
    lrs_arena arena;
    lrs_sources src;
    lrs_diags *diags;
    lrs_sink sink;
    lrs_vec decls;
} fixture;

static fixture *setup(const char *text)
{
    fixture *f = calloc(1, sizeof *f);
    lrs_arena_init(&f->arena, 0);
    f->src.arena = &f->arena;
    f->diags = lrs_diags_new();
    f->sink.out = f->diags;
    f->sink.src = &f->src;
    uint32_t id = lrs_src_add(&f->src, "t.lrs", NULL, text, strlen(text));
    lrs_parse_file(&f->arena, &f->sink, id, &f->decls);
    return f;
}

static void teardown(fixture *f)
{
    lrs_diags_free(f->diags);
    lrs_arena_free(&f->arena);
    free(f);
}

static lrs_ast *first_expr(fixture *f)
{
    assert_true(f->decls.n >= 1);
    return ((lrs_decl *)f->decls.items[0])->expr;
}

/* -2^2 is -(2^2); ^ is right-associative; * binds tighter than +. */
static void test_precedence(void **state)
{
    (void)state;
    fixture *f = setup("let x = -2^3^2 + 4 * 5");
    lrs_ast *e = first_expr(f);
    assert_int_equal(f->sink.errors, 0);
    assert_int_equal(e->kind, AST_BINARY);
    assert_int_equal(e->op, OP_ADD);
    assert_int_equal(e->a->kind, AST_UNARY);
    assert_int_equal(e->a->a->op, OP_POW);
    assert_int_equal(e->a->a->b->op, OP_POW); /* 3^2 on the right */
    assert_int_equal(e->b->op, OP_MUL);
    teardown(f);
}

/* then < for < ?: ; units bind tightest. */
static void test_then_for_units(void **state)
{
    (void)state;
    fixture *f = setup("schedule s = a for 10 % then b ? c : d then e");
    lrs_ast *e = first_expr(f);
    assert_int_equal(e->kind, AST_THEN);
    assert_int_equal(e->a->kind, AST_THEN);
    assert_int_equal(e->a->a->kind, AST_FOR);
    assert_int_equal(e->a->a->b->kind, AST_UNIT);
    assert_int_equal(e->a->a->b->op, UNIT_PERCENT);
    assert_int_equal(e->a->b->kind, AST_COND);
    teardown(f);
}

/* `a -> b` in a call is two positional arguments; keywords keep names. */
static void test_arrow_and_keywords(void **state)
{
    (void)state;
    fixture *f = setup("schedule s = cosine(0.1 -> 0, over = 100,)");
    lrs_ast *e = first_expr(f);
    assert_int_equal(e->kind, AST_CALL);
    assert_int_equal(e->n, 3);
    assert_null(e->args[0].name);
    assert_null(e->args[1].name);
    assert_string_equal(e->args[2].name, "over");
    teardown(f);
}

/* Spans are byte ranges of the source. */
static void test_spans(void **state)
{
    (void)state;
    const char *src = "param p = 1_000\nschedule lr = linear(0 -> p) for 2e3";
    fixture *f = setup(src);
    assert_int_equal(f->decls.n, 2);
    lrs_decl *p = f->decls.items[0];
    assert_int_equal(p->expr->num, 1000);
    lrs_decl *s = f->decls.items[1];
    assert_memory_equal(src + s->name_span.start, "lr", 2);
    lrs_ast *d = s->expr->b;
    assert_int_equal(d->num, 2000);
    assert_int_equal(d->span.end - d->span.start, 3);
    assert_memory_equal(src + d->span.start, "2e3", 3);
    teardown(f);
}

/* Errors in separate declarations are all reported. */
static void test_recovery(void **state)
{
    (void)state;
    fixture *f = setup("schedule a = 1 +\nschedule b = (2\nschedule c = 3\nparam = 4\n");
    assert_int_equal(f->sink.errors, 3);
    char *text = all_diags(f->diags);
    assert_contains(text, "t.lrs:2:1: error: unexpected 'schedule'; expected an expression");
    assert_contains(text, "t.lrs:3:1:");
    assert_contains(text, "t.lrs:4:7:");
    teardown(f);
}

/* Past 20 errors the parser stops with one last message. */
static void test_error_cap(void **state)
{
    (void)state;
    char src[4096] = "";
    for (int i = 0; i < 40; i++)
        strcat(src, "schedule a = 1 +\n");
    fixture *f = setup(src);
    assert_int_equal(lrs_diags_error_count(f->diags), 21);
    assert_contains(all_diags(f->diags), "too many errors (the limit is 20); stopping");
    /* the end of the compilation says how many were left out */
    lrs_diag_finish(&f->sink);
    assert_contains(all_diags(f->diags), "too many errors: 1 more not shown");
    teardown(f);
}

static void test_nesting_limit(void **state)
{
    (void)state;
    size_t n = 100000;
    char *src = malloc(2 * n + 32);
    strcpy(src, "let x = ");
    size_t k = strlen(src);
    for (size_t i = 0; i < n; i++)
        src[k++] = '(';
    src[k++] = '1';
    for (size_t i = 0; i < n; i++)
        src[k++] = ')';
    src[k] = 0;
    fixture *f = setup(src);
    assert_int_equal(f->sink.errors, 1);
    assert_contains(all_diags(f->diags), "nested too deeply");
    teardown(f);
    free(src);
}

static void test_bad_bytes_and_numbers(void **state)
{
    (void)state;
    const char src[] = "let x = 1e999\nlet y = 3 \x01\x02\x03\nlet z = 12abc\n";
    fixture *f = setup(src);
    char *text = all_diags(f->diags);
    assert_contains(text, "t.lrs:1:9: error: number is too large");
    assert_contains(text, "t.lrs:2:11: error: unexpected byte 0x01");
    assert_contains(text, "t.lrs:3:9: error: malformed number '12abc'");
    /* one error for a run of bad bytes, not one per byte */
    assert_int_equal(f->sink.errors, 3);
    teardown(f);
}

static void test_keyword_suggestion(void **state)
{
    (void)state;
    fixture *f = setup("schedule a = 1 fro 10\n");
    assert_contains(all_diags(f->diags), "help: did you mean 'for'?");
    teardown(f);
    f = setup("shedule b = 2\n");
    assert_contains(all_diags(f->diags), "help: did you mean 'schedule'?");
    teardown(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_precedence),         cmocka_unit_test(test_then_for_units),
        cmocka_unit_test(test_arrow_and_keywords), cmocka_unit_test(test_spans),
        cmocka_unit_test(test_recovery),           cmocka_unit_test(test_error_cap),
        cmocka_unit_test(test_nesting_limit),      cmocka_unit_test(test_bad_bytes_and_numbers),
        cmocka_unit_test(test_keyword_suggestion),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
