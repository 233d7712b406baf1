/* test_errflow.c — library code never exits nor ignores a failure: the
 * scanner's fatal errors unwind to the arena's recovery point, a parse
 * that could not run is an error, and the checker's memory comes from the
 * arena (so running out fails the compilation instead of skipping the
 * checks). Memory is made to run out with an arena limit. */
#include "test_util.h"

#include "lrs_parse.h"
#include "lrs_sema.h"

#include <stdlib.h>

typedef struct parse_fixture {
    lrs_arena src_arena, arena;
    lrs_sources src;
    lrs_diags *diags;
    lrs_sink sink;
    lrs_vec decls;
    uint32_t file;
} parse_fixture;

/* A source of `len` bytes parsed with an arena of at most `limit` bytes. */
static parse_fixture *parse_setup(size_t len, size_t limit)
{
    parse_fixture *f = calloc(1, sizeof *f);
    lrs_arena_init(&f->src_arena, 0);
    lrs_arena_init(&f->arena, limit);
    f->src.arena = &f->src_arena;
    f->diags = lrs_diags_new();
    f->sink.out = f->diags;
    f->sink.src = &f->src;
    char *text = malloc(len);
    memset(text, ' ', len);
    memcpy(text, "schedule a = 1\n", 15);
    f->file = lrs_src_add(&f->src, "t.lrs", NULL, text, len);
    free(text);
    return f;
}

static void parse_teardown(parse_fixture *f)
{
    lrs_diags_free(f->diags);
    lrs_arena_free(&f->arena);
    lrs_arena_free(&f->src_arena);
    free(f);
}

static void assert_one_error(lrs_diags *d, const char *text)
{
    assert_int_equal(lrs_diags_error_count(d), 1);
    lrs_diag_info info;
    assert_int_equal(lrs_diags_get(d, 0, &info), 0);
    if (!strstr(info.message, text)) {
        print_error("message '%s' lacks '%s'\n", info.message, text);
        fail();
    }
}

/* The scanner's buffer (the source's size) does not fit: the scanner's
 * fatal error reports and unwinds to the caller's recovery point. */
static void test_scanner_fatal_unwinds_to_recovery_point(void **state)
{
    (void)state;
    parse_fixture *f = parse_setup(200000, 64 * 1024);
    jmp_buf recover;
    f->arena.on_exhausted = &recover;
    volatile int unwound = 0;
    if (setjmp(recover))
        unwound = 1;
    else
        lrs_parse_file(&f->arena, &f->sink, f->file, &f->decls);
    assert_true(unwound);
    assert_one_error(f->diags, "out of memory while scanning");
    parse_teardown(f);
}

/* Without a recovery point of the caller's, the parser has its own: the
 * fatal error becomes an error return. */
static void test_scanner_fatal_without_recovery_point(void **state)
{
    (void)state;
    parse_fixture *f = parse_setup(200000, 64 * 1024);
    int errors = lrs_parse_file(&f->arena, &f->sink, f->file, &f->decls);
    assert_int_equal(errors, 1);
    assert_one_error(f->diags, "out of memory while scanning");
    assert_null(f->arena.on_exhausted); /* restored */
    parse_teardown(f);
}

/* The scanner cannot even start (its state does not fit): run() fails
 * and the parse says so instead of returning no declarations silently. */
static void test_parse_that_cannot_start_is_an_error(void **state)
{
    (void)state;
    parse_fixture *f = parse_setup(100, 32);
    int errors = lrs_parse_file(&f->arena, &f->sink, f->file, &f->decls);
    assert_int_equal(errors, 1);
    assert_int_equal(f->decls.n, 0);
    assert_one_error(f->diags, "out of memory while parsing");
    lrs_define def;
    assert_null(lrs_parse_define(&f->arena, &f->sink, f->file, &def));
    assert_int_equal(lrs_diags_error_count(f->diags), 2);
    parse_teardown(f);
}

/* A compilation with an unlimited arena, reporting to diags. */
static lrs_comp *comp_new(lrs_diags *diags)
{
    lrs_comp *c = calloc(1, sizeof *c);
    lrs_arena_init(&c->arena, 0);
    c->src.arena = &c->arena;
    c->sink.out = diags;
    c->sink.src = &c->src;
    return c;
}

static void comp_free(lrs_comp *c, lrs_diags *diags)
{
    lrs_ir_free(&c->ir);
    lrs_arena_free(&c->arena);
    lrs_diags_free(diags);
    free(c);
}

/* The checker's scratch memory is the arena's: with the arena full after
 * lowering, checking unwinds to the compilation's recovery point (where
 * lrs_compile reports "out of memory") rather than passing unchecked. */
static void test_checker_memory_from_arena(void **state)
{
    (void)state;
    const char *text = "param total = 1000\n"
                       "schedule lr = linear(0.1 -> 0.0) for 100 then cosine(0.1 -> 0.001)\n";
    lrs_diags *diags = lrs_diags_new();
    lrs_comp *c = comp_new(diags);
    lrs_ir_init(&c->ir);
    uint32_t file = lrs_src_add(&c->src, "t.lrs", NULL, text, strlen(text));
    c->arena.on_exhausted = &c->oom;
    volatile int stage = 0;
    if (setjmp(c->oom)) {
        assert_int_equal(stage, 1); /* only the checker ran out */
        stage = 2;
    } else {
        assert_int_equal(lrs_resolve_program(c, file), 0);
        assert_int_equal(lrs_elab_program(c), 0);
        assert_int_equal(lrs_lower_program(c), 0);
        assert_true(c->ir.n > 0);
        c->arena.limit = c->arena.used_total + 16;
        stage = 1;
        lrs_check_program(c);
    }
    assert_int_equal(stage, 2);
    comp_free(c, diags);
}

/* When the embedded standard library does not parse (a broken build),
 * resolution loads no main file; elaboration then reports an error
 * instead of reading the missing module. */
static void test_elab_without_main_module_is_an_error(void **state)
{
    (void)state;
    lrs_diags *diags = lrs_diags_new();
    lrs_comp *c = comp_new(diags);
    assert_null(c->main);
    assert_int_equal(lrs_elab_program(c), 1);
    assert_one_error(diags, "the standard library did not load");
    comp_free(c, diags);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scanner_fatal_unwinds_to_recovery_point),
        cmocka_unit_test(test_scanner_fatal_without_recovery_point),
        cmocka_unit_test(test_parse_that_cannot_start_is_an_error),
        cmocka_unit_test(test_checker_memory_from_arena),
        cmocka_unit_test(test_elab_without_main_module_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
