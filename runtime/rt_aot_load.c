/* rt_aot_load.c — loads shared objects written by lrs_program_emit with
 * dlopen and reads their descriptor table. No LLVM here (nor anything of
 * the compiler but the header-only compiler/lrs_aot_desc.h and
 * lrs_strerror.h): it is part of the runtime, so liblrs-runtime loads
 * compiled schedules without the compiler.
 *
 * The file is checked before the dynamic loader sees it (which maps it and
 * would fault on a truncated file): a regular file, at most
 * LRS_AOT_MAX_FILE bytes, a sound ELF header of this machine, and the
 * descriptor lrs_program_emit appends, whose length and checksum must
 * match. After dlopen, the mapping of the table must come from the very
 * file checked (a file replaced in between, or an object of the same name
 * still loaded, is an error). */
#include "lrs.h"
#include "lrs_aot_desc.h"
#include "lrs_strerror.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define AOT_MAGIC 0x414f54u /* "TOA": tells an lrs_aot from another handle */

struct lrs_aot {
    unsigned magic;
    void *handle;
    const lrs_aot_table *table;
};

static void set_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void set_err(char *err, size_t errlen, const char *path, const char *fmt, ...)
{
    if (!err || !errlen) return;
    int n = snprintf(err, errlen, "%s: ", path);
    if (n < 0 || (size_t)n >= errlen) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
    va_end(ap);
}

/* Read all of fd (size bytes) and check it; NULL if it is sound. */
static const char *check_file(int fd, uint64_t size)
{
    if (size < sizeof(Elf64_Ehdr) + LRS_AOT_DESC_SIZE)
        return "it is too short to be a shared object";
    unsigned char desc[LRS_AOT_DESC_SIZE], head[4096];
    if (pread(fd, desc, sizeof desc, (off_t)(size - sizeof desc)) != (ssize_t)sizeof desc)
        return "it could not be read";
    uint64_t want;
    const char *bad = lrs_aot_desc_check(desc, size, &want);
    if (bad) return bad;
    uint64_t len = size - LRS_AOT_DESC_SIZE, h = LRS_FNV_OFFSET;
    unsigned char *buf = malloc(1 << 16);
    if (!buf) return "out of memory";
    size_t nhead = 0;
    for (uint64_t off = 0; off < len && !bad;) {
        size_t want_n = len - off < (1 << 16) ? (size_t)(len - off) : (1 << 16);
        ssize_t r = pread(fd, buf, want_n, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            bad = "it could not be read (did it shrink while being read?)";
            break;
        }
        if (nhead < sizeof head) {
            size_t k = (size_t)r < sizeof head - nhead ? (size_t)r : sizeof head - nhead;
            memcpy(head + nhead, buf, k);
            nhead += k;
        }
        h = lrs_aot_fnv1a(h, buf, (size_t)r);
        off += (uint64_t)r;
    }
    free(buf);
    if (bad) return bad;
    if (h != want) return "it is damaged (its checksum does not match its descriptor)";
    return lrs_aot_elf_check(head, nhead, len);
}

/* Whether the mapping that holds `addr` comes from the file `st`
 * (/proc/self/maps; assumed so where there is none). */
static int mapped_from(const void *addr, const struct stat *st)
{
    FILE *f = fopen("/proc/self/maps", "re");
    if (!f) return 1;
    uintptr_t a = (uintptr_t)addr;
    char line[4096];
    int found = 0, same = 0;
    while (!found && fgets(line, sizeof line, f)) {
        unsigned long lo, hi, ino;
        unsigned maj, mnr;
        if (sscanf(line, "%lx-%lx %*s %*s %x:%x %lu", &lo, &hi, &maj, &mnr, &ino) != 5) continue;
        if (a < lo || a >= hi) continue;
        found = 1;
        same = ino == (unsigned long)st->st_ino && maj == major(st->st_dev) &&
               mnr == minor(st->st_dev);
    }
    fclose(f);
    return !found || same;
}

lrs_aot *lrs_aot_open(const char *path, char *err, size_t errlen)
{
    if (err && errlen) err[0] = 0;
    if (!path || !*path) {
        set_err(err, errlen, "lrs_aot_open", "no path");
        return NULL;
    }
    /* A path is a path: "x.so" is the file in the current directory, as
     * open(2) takes it (dlopen alone would search the library path). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    lrs_errbuf eb;
    if (fd < 0) {
        set_err(err, errlen, path, "%s", lrs_strerror(errno, &eb));
        return NULL;
    }
    struct stat st;
    const char *bad = NULL;
    if (fstat(fd, &st))
        bad = lrs_strerror(errno, &eb);
    else if (!S_ISREG(st.st_mode))
        bad = "it is not a regular file (a directory, FIFO or device); only files are loaded";
    else if ((uint64_t)st.st_size > LRS_AOT_MAX_FILE)
        bad = "it is larger than 256 MiB, the most lrs_aot_open loads";
    else
        bad = check_file(fd, (uint64_t)st.st_size);
    if (bad) {
        set_err(err, errlen, path, "%s", bad);
        close(fd);
        return NULL;
    }
    /* By its full path (dlopen knows objects by name), then checked to be
     * the very file just read. RTLD_LOCAL: several objects may be open at
     * once, each with its own lrs_aot_table, found through its own handle. */
    char real[PATH_MAX];
    void *h = realpath(path, real) ? dlopen(real, RTLD_NOW | RTLD_LOCAL) : NULL;
    close(fd);
    if (!h) {
        const char *dl = dlerror();
        set_err(err, errlen, path, "%s", dl ? dl : "cannot load");
        return NULL;
    }
    dlerror();
    const lrs_aot_table *t = dlsym(h, "lrs_aot_table");
    const char *tbad = NULL;
    if (!t)
        tbad = "not made by lrs_program_emit: it has no lrs_aot_table";
    else if (t->magic != LRS_AOT_MAGIC)
        tbad = "its lrs_aot_table has the wrong magic number";
    else if (t->version != LRS_AOT_VERSION)
        tbad = "its lrs_aot_table is of another version of lrs";
    else if (!mapped_from(t, &st))
        tbad = "it changed while being loaded, or another file of that name is still loaded "
               "(close it with lrs_aot_close first)";
    lrs_aot *a = tbad ? NULL : malloc(sizeof *a);
    if (!a) {
        set_err(err, errlen, path, "%s", tbad ? tbad : "out of memory");
        dlclose(h);
        return NULL;
    }
    a->magic = AOT_MAGIC;
    a->handle = h;
    a->table = t;
    return a;
}

static int is_aot(const lrs_aot *a)
{
    return a && a->magic == AOT_MAGIC;
}

void lrs_aot_close(lrs_aot *a)
{
    if (!is_aot(a)) return;
    a->magic = 0;
    dlclose(a->handle);
    free(a);
}

const lrs_aot_table *lrs_aot_get_table(const lrs_aot *a)
{
    return is_aot(a) ? a->table : NULL;
}

static const lrs_aot_schedule *find(const lrs_aot *a, const char *name)
{
    for (uint64_t i = 0; is_aot(a) && name && i < a->table->schedule_count; i++)
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

lrs_reactive_fn lrs_aot_reactive_function(const lrs_aot *a, const char *name)
{
    const lrs_aot_schedule *s = find(a, name);
    return s ? s->reactive_fn : NULL;
}

lrs_reactive_range_fn lrs_aot_reactive_range_function(const lrs_aot *a, const char *name)
{
    const lrs_aot_schedule *s = find(a, name);
    return s ? s->reactive_range : NULL;
}

lrs_signals *lrs_aot_signals_new(const lrs_aot *a)
{
    if (!is_aot(a)) return NULL;
    return lrs_signals_new(a->table->signals, a->table->signal_count, a->table->detectors,
                           a->table->detector_count);
}
