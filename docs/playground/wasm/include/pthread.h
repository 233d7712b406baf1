/* pthread.h for the WebAssembly build: the page runs the compiler on one
 * thread, so the library's mutexes are no-ops there. */
#ifndef LRS_WASM_PTHREAD_H
#define LRS_WASM_PTHREAD_H
typedef int pthread_mutex_t;
typedef int pthread_mutexattr_t;
#define PTHREAD_MUTEX_INITIALIZER 0
static inline int pthread_mutex_init(pthread_mutex_t *m, const pthread_mutexattr_t *a)
{
    (void)a;
    *m = 0;
    return 0;
}
static inline int pthread_mutex_destroy(pthread_mutex_t *m)
{
    return (void)m, 0;
}
static inline int pthread_mutex_lock(pthread_mutex_t *m)
{
    return (void)m, 0;
}
static inline int pthread_mutex_unlock(pthread_mutex_t *m)
{
    return (void)m, 0;
}
#endif
