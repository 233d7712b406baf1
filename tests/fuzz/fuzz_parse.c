/* fuzz_parse.c — libFuzzer harness: the scanner and parser on any bytes. */
#include "lrs_parse.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lrs_arena arena;
    lrs_arena_init(&arena, (size_t)1 << 28);
    lrs_sources src = {.arena = &arena};
    lrs_diags *d = lrs_diags_new();
    lrs_sink sink = {.out = d, .src = &src};
    uint32_t id = lrs_src_add(&src, "fuzz.lrs", NULL, (const char *)data, size);
    lrs_vec decls = {0};
    lrs_parse_file(&arena, &sink, id, &decls);
    /* Rendering exercises the line table and the caret for every error. */
    for (size_t i = 0; i < lrs_diags_count(d); i++)
        free(lrs_diags_format(d, i, 1));
    lrs_diags_free(d);
    lrs_arena_free(&arena);
    return 0;
}
