/* lrs_arena.h — bump allocation for compile-time data.
 * One arena per compilation holds the AST, the elaborated terms and the
 * sema tables; it is freed in one call. Allocation past the arena's limit
 * (or a failed malloc) jumps to the compilation's recovery point, so the
 * passes never test for NULL. */
#ifndef LRS_ARENA_H
#define LRS_ARENA_H

#include <setjmp.h>
#include <stddef.h>

typedef struct lrs_arena_block lrs_arena_block;

typedef struct lrs_arena {
    lrs_arena_block *head;
    size_t used_total;     /* bytes handed out, for the memory limit */
    size_t limit;          /* 0: no limit */
    jmp_buf *on_exhausted; /* where to go when memory runs out; NULL: return NULL */
} lrs_arena;

void lrs_arena_init(lrs_arena *a, size_t limit);
void lrs_arena_free(lrs_arena *a);
/* Zeroed, 16-byte aligned memory that lives until lrs_arena_free. */
void *lrs_arena_alloc(lrs_arena *a, size_t size);
void *lrs_arena_realloc(lrs_arena *a, void *old, size_t old_size, size_t new_size);
/* As lrs_arena_alloc, but NULL when memory runs out (no jump): for code
 * that must clean up itself, such as the generated scanner. */
void *lrs_arena_try_alloc(lrs_arena *a, size_t size);
char *lrs_arena_strndup(lrs_arena *a, const char *s, size_t n);
char *lrs_arena_strdup(lrs_arena *a, const char *s);
char *lrs_arena_printf(lrs_arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A growable array of pointers living in an arena. */
typedef struct lrs_vec {
    void **items;
    size_t n, cap;
} lrs_vec;
void lrs_vec_push(lrs_arena *a, lrs_vec *v, void *item);

#endif
