/* lrs_aot_load.c — loads shared objects written by lrs_program_emit with
 * dlopen and reads their descriptor table. No LLVM here (nor anything of
 * the compiler): a deployment library can take this file alone. */
#include "lrs.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lrs_aot {
    void *handle;
    const lrs_aot_table *table;
};

static void set_err(char *err, size_t errlen, const char *path, const char *why)
{
    if (err && errlen) snprintf(err, errlen, "%s: %s", path, why);
}

lrs_aot *lrs_aot_open(const char *path, char *err, size_t errlen)
{
    if (err && errlen) err[0] = 0;
    if (!path) {
        set_err(err, errlen, "(null)", "no path");
        return NULL;
    }
    /* RTLD_LOCAL: several objects may be open at once, each with its own
     * lrs_aot_table, found through its own handle. */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *why = dlerror();
        if (err && errlen) snprintf(err, errlen, "%s", why ? why : "cannot load");
        return NULL;
    }
    dlerror();
    const lrs_aot_table *t = dlsym(h, "lrs_aot_table");
    const char *why = NULL;
    if (!t)
        why = "not made by lrs_program_emit: it has no lrs_aot_table";
    else if (t->magic != LRS_AOT_MAGIC)
        why = "its lrs_aot_table has the wrong magic number";
    else if (t->version != LRS_AOT_VERSION)
        why = "its lrs_aot_table is of another version of lrs";
    lrs_aot *a = why ? NULL : malloc(sizeof *a);
    if (!a) {
        set_err(err, errlen, path, why ? why : "out of memory");
        dlclose(h);
        return NULL;
    }
    a->handle = h;
    a->table = t;
    return a;
}

void lrs_aot_close(lrs_aot *a)
{
    if (!a) return;
    dlclose(a->handle);
    free(a);
}

const lrs_aot_table *lrs_aot_get_table(const lrs_aot *a)
{
    return a ? a->table : NULL;
}

static const lrs_aot_schedule *find(const lrs_aot *a, const char *name)
{
    for (uint64_t i = 0; a && name && i < a->table->schedule_count; i++)
        if (!strcmp(a->table->schedules[i].name, name)) return &a->table->schedules[i];
    return NULL;
}

lrs_fn lrs_aot_function(const lrs_aot *a, const char *name)
{
    const lrs_aot_schedule *s = find(a, name);
    return s ? s->fn : NULL;
}

lrs_range_fn lrs_aot_range_function(const lrs_aot *a, const char *name)
{
    const lrs_aot_schedule *s = find(a, name);
    return s ? s->range : NULL;
}
