/* bundle.h — a bundle of generated programs (tests/gen/gen_programs.py
 * writes them, separated by "#=== NAME" lines), read whole. */
#ifndef LRS_TESTS_BUNDLE_H
#define LRS_TESTS_BUNDLE_H

#include <stdio.h>
#include <stdlib.h>

/* The file's text, NUL-terminated, its length in *len; NULL if it cannot
 * be read. */
static inline char *bundle_read(const char *path, long *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *all = NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (*len = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0)
        all = malloc((size_t)*len + 1);
    if (all && fread(all, 1, (size_t)*len, f) != (size_t)*len) {
        free(all);
        all = NULL;
    }
    if (all) all[*len] = 0;
    fclose(f);
    return all;
}

#endif
