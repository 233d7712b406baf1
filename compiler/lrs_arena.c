/* lrs_arena.c — bump allocator with a size limit (see lrs_arena.h). */
#include "lrs_arena.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lrs_arena_block {
    lrs_arena_block *next;
    size_t size, used;
    _Alignas(16) unsigned char data[];
};

enum { ARENA_BLOCK = 64 * 1024 };

void lrs_arena_init(lrs_arena *a, size_t limit)
{
    memset(a, 0, sizeof *a);
    a->limit = limit;
}

void lrs_arena_free(lrs_arena *a)
{
    lrs_arena_block *b = a->head;
    while (b) {
        lrs_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_total = 0;
}

static void *exhausted(lrs_arena *a)
{
    if (a->on_exhausted) longjmp(*a->on_exhausted, 1);
    return NULL;
}

void *lrs_arena_alloc(lrs_arena *a, size_t size)
{
    size = (size + 15) & ~(size_t)15;
    if (size == 0) size = 16;
    if (a->limit && a->used_total + size > a->limit) return exhausted(a);
    lrs_arena_block *b = a->head;
    if (!b || b->size - b->used < size) {
        size_t bsize = size > ARENA_BLOCK ? size : ARENA_BLOCK;
        b = malloc(sizeof *b + bsize);
        if (!b) return exhausted(a);
        b->size = bsize;
        b->used = 0;
        b->next = a->head;
        a->head = b;
    }
    void *p = b->data + b->used;
    b->used += size;
    a->used_total += size;
    memset(p, 0, size);
    return p;
}

void *lrs_arena_try_alloc(lrs_arena *a, size_t size)
{
    jmp_buf *j = a->on_exhausted;
    a->on_exhausted = NULL;
    void *p = lrs_arena_alloc(a, size);
    a->on_exhausted = j;
    return p;
}

void *lrs_arena_realloc(lrs_arena *a, void *old, size_t old_size, size_t new_size)
{
    void *p = lrs_arena_alloc(a, new_size);
    if (p && old && old_size) memcpy(p, old, old_size < new_size ? old_size : new_size);
    return p;
}

char *lrs_arena_strndup(lrs_arena *a, const char *s, size_t n)
{
    char *p = lrs_arena_alloc(a, n + 1);
    if (p) memcpy(p, s, n);
    return p;
}

char *lrs_arena_strdup(lrs_arena *a, const char *s)
{
    return lrs_arena_strndup(a, s, strlen(s));
}

char *lrs_arena_printf(lrs_arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    char *p = lrs_arena_alloc(a, (size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void lrs_vec_push(lrs_arena *a, lrs_vec *v, void *item)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 8;
        v->items = lrs_arena_realloc(a, v->items, v->n * sizeof *v->items, cap * sizeof *v->items);
        v->cap = cap;
    }
    v->items[v->n++] = item;
}
