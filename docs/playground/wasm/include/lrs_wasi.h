/* lrs_wasi.h — declarations this wasi-libc lacks (included first by every
 * file of the WebAssembly build). */
#ifndef LRS_WASI_H
#define LRS_WASI_H
/* No file system in the page: imports of files fail with a diagnostic. */
char *realpath(const char *restrict path, char *restrict resolved);
#endif
