/* lrs_cache.h — the on-disk cache of native code (lrs_cache.c): shared
 * objects written by lrs_program_emit for the host CPU, one per program,
 * named by a key over the program's code, the lrs and LLVM versions, the
 * build of the code generator and the CPU. lrs_native.c asks it first; a
 * program it cannot serve is compiled by the JIT as usual. */
#ifndef LRS_CACHE_H
#define LRS_CACHE_H

#include "lrs_program.h"

/* What the key knows of the process: this CPU (its CPUID leaves or, off
 * x86, its hardware capabilities) and the file that holds the code
 * generator (its device, inode, size and modification time, so that a
 * rebuilt backend misses). ok is 0 when that file cannot be found. */
typedef struct lrs_cache_host {
    uint64_t cpu[2];
    uint64_t backend[2];
    int ok;
} lrs_cache_host;

void lrs_cache_host_get(lrs_cache_host *h, const char *backend_file);

/* The entry's name: 32 hex digits and a NUL. */
enum { LRS_CACHE_KEY_LEN = 32 };
void lrs_cache_key(const lrs_program *p, const lrs_cache_host *h, char out[LRS_CACHE_KEY_LEN + 1]);

/* The environment's word on the cache, read once per context (by
 * lrs_context_new, never at a call): *off for LRS_CACHE=off (0, no,
 * false), and the default directory, malloc'd: LRS_CACHE_DIR, else
 * $XDG_CACHE_HOME/lrs (if absolute), else $HOME/.cache/lrs (if absolute),
 * else NULL. */
char *lrs_cache_env(int *off);

/* The directory p's entries go to, into buf[0..n): -1 when the cache is
 * off for p (lrs_options.no_cache, LRS_CACHE=off when its context was
 * made, or no directory known). */
int lrs_cache_dir(const lrs_program *p, char *buf, size_t n);

/* How lrs_cache_open went. */
typedef enum lrs_cache_result {
    LRS_CACHE_OFF,     /* turned off, or no directory known */
    LRS_CACHE_HIT,     /* an entry was there and sound */
    LRS_CACHE_STORED,  /* none (or a bad one, replaced): compiled, stored, loaded */
    LRS_CACHE_UNUSABLE /* a directory that cannot be made, trusted or written, or a
                          compilation that failed: the caller compiles without it */
} lrs_cache_result;

/* What writes an entry on a miss: lrs_program_emit, or a stand-in. */
typedef int (*lrs_cache_emit_fn)(const lrs_program *p, const lrs_emit_options *o, char *err,
                                 size_t errlen);

/* The cached shared object of p, checked (lrs_aot_open's checks, then its
 * table's prefix, which carries the key, and its schedules against p's),
 * or compiled with `emit` into the cache and loaded when there is none or
 * it fails a check. NULL when the cache is off or unusable (*result, which
 * may be NULL, says which). Never prints; thread-safe. */
lrs_aot *lrs_cache_open(const lrs_program *p, const lrs_cache_host *h, lrs_cache_emit_fn emit,
                        lrs_cache_result *result);

#endif
