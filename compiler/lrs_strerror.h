/* lrs_strerror.h — the text of an errno value without strerror, whose
 * buffer other threads may overwrite: the library is used from several
 * threads at once. Header-only, so the LLVM-free loader can use it too. */
#ifndef LRS_STRERROR_H
#define LRS_STRERROR_H

#include <stdio.h>
#include <string.h>

typedef struct lrs_errbuf {
    char s[128];
} lrs_errbuf;

/* The message of errno value e in b (XSI strerror_r), or "error N". */
static inline const char *lrs_strerror(int e, lrs_errbuf *b)
{
#if defined(_GNU_SOURCE)
    return strerror_r(e, b->s, sizeof b->s);
#else
    if (strerror_r(e, b->s, sizeof b->s)) snprintf(b->s, sizeof b->s, "error %d", e);
    return b->s;
#endif
}

#endif
