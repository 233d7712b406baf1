/* lrs_aot_desc.h — the file-level checks shared by the writer of shared
 * objects (lrs_aot.c) and their loader (lrs_aot_load.c), so that a file is
 * checked before the dynamic loader maps it:
 *
 *  - its ELF header: 64-bit, this machine's byte order and architecture, a
 *    shared object, and program and section header tables inside the file;
 *    every loadable segment inside the file (a truncated file would be
 *    mapped past its end and fault);
 *  - a descriptor appended by lrs_program_emit after the ELF data, where the
 *    dynamic loader does not look: LRS_AOT_DESC_SIZE bytes, little-endian,
 *      char     magic[8]    "LRSAOT\0\1"
 *      uint32_t version     LRS_AOT_DESC_VERSION
 *      uint32_t size        LRS_AOT_DESC_SIZE
 *      uint64_t length      bytes before the descriptor (= file size - 32)
 *      uint64_t checksum    64-bit FNV-1a of those bytes
 *    A truncated, extended or corrupted file fails the length or the
 *    checksum. The checksum finds accidents (a partial copy, a damaged
 *    disk), not an attacker: a shared object runs code when it is loaded.
 *
 * Header-only (static functions), so the loader stays a file of its own. */
#ifndef LRS_AOT_DESC_H
#define LRS_AOT_DESC_H

#include <elf.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum { LRS_AOT_DESC_SIZE = 32, LRS_AOT_DESC_VERSION = 1 };
#define LRS_AOT_DESC_MAGIC "LRSAOT\0\1"
/* The largest shared object lrs_aot_open reads (and lrs_program_emit writes). */
#define LRS_AOT_MAX_FILE ((uint64_t)256 << 20)

#define LRS_FNV_OFFSET 0xcbf29ce484222325ull
#define LRS_FNV_PRIME 0x100000001b3ull

static inline uint64_t lrs_aot_fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * LRS_FNV_PRIME;
    return h;
}

static inline void lrs_aot_put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t lrs_aot_get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* The descriptor for `length` bytes of ELF data with checksum `sum`. */
static inline void lrs_aot_desc_make(unsigned char out[LRS_AOT_DESC_SIZE], uint64_t length,
                                     uint64_t sum)
{
    memcpy(out, LRS_AOT_DESC_MAGIC, 8);
    lrs_aot_put64(out + 8, (uint64_t)LRS_AOT_DESC_VERSION | (uint64_t)LRS_AOT_DESC_SIZE << 32);
    lrs_aot_put64(out + 16, length);
    lrs_aot_put64(out + 24, sum);
}

/* Check descriptor `d` of a file of `size` bytes; sets *sum to the
 * checksum it records. NULL if it is sound, else why not. */
static inline const char *lrs_aot_desc_check(const unsigned char d[LRS_AOT_DESC_SIZE],
                                             uint64_t size, uint64_t *sum)
{
    if (memcmp(d, LRS_AOT_DESC_MAGIC, 8))
        return "it has no lrs descriptor at its end (it was not written by lrsc compile or "
               "lrs_program_emit, or a tool such as strip rewrote it)";
    uint64_t vs = lrs_aot_get64(d + 8);
    if ((uint32_t)vs != LRS_AOT_DESC_VERSION || (vs >> 32) != LRS_AOT_DESC_SIZE)
        return "its lrs descriptor is of another version of lrs";
    if (lrs_aot_get64(d + 16) != size - LRS_AOT_DESC_SIZE)
        return "it is truncated or extended (its size differs from the one it was written with)";
    *sum = lrs_aot_get64(d + 24);
    return NULL;
}

/* Check the ELF header `h` (the first `n` bytes of a file of `size`
 * bytes, n >= sizeof(Elf64_Ehdr)) and its loadable segments, whose
 * program headers must lie within those n bytes. NULL if sound. */
static inline const char *lrs_aot_elf_check(const unsigned char *h, size_t n, uint64_t size)
{
    Elf64_Ehdr e;
    if (n < sizeof e || size < sizeof e) return "it is too short to be a shared object";
    memcpy(&e, h, sizeof e);
    if (memcmp(e.e_ident, ELFMAG, SELFMAG)) return "it is not an ELF file";
    if (e.e_ident[EI_CLASS] != ELFCLASS64) return "it is not a 64-bit ELF file";
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (e.e_ident[EI_DATA] != ELFDATA2LSB) return "it is an ELF file of another byte order";
#else
    if (e.e_ident[EI_DATA] != ELFDATA2MSB) return "it is an ELF file of another byte order";
#endif
    if (e.e_type != ET_DYN) return "it is an ELF file but not a shared object";
#if defined(__x86_64__)
    if (e.e_machine != EM_X86_64) return "it is a shared object for another architecture";
#elif defined(__aarch64__)
    if (e.e_machine != EM_AARCH64) return "it is a shared object for another architecture";
#endif
    if (e.e_ehsize != sizeof e || e.e_phentsize != sizeof(Elf64_Phdr) || !e.e_phnum ||
        (e.e_shnum && e.e_shentsize != sizeof(Elf64_Shdr)))
        return "its ELF header is damaged";
    uint64_t ph_end = e.e_phoff + (uint64_t)e.e_phnum * sizeof(Elf64_Phdr);
    uint64_t sh_end = e.e_shoff + (uint64_t)e.e_shnum * sizeof(Elf64_Shdr);
    if (e.e_phoff > size || ph_end > size || ph_end < e.e_phoff || e.e_shoff > size ||
        sh_end > size || sh_end < e.e_shoff)
        return "its ELF header points past the end of the file (is it truncated?)";
    if (ph_end > n) return "its program headers are not near its start";
    for (unsigned i = 0; i < e.e_phnum; i++) {
        Elf64_Phdr ph;
        memcpy(&ph, h + e.e_phoff + i * sizeof ph, sizeof ph);
        if (ph.p_type != PT_LOAD && ph.p_type != PT_DYNAMIC) continue;
        if (ph.p_offset > size || ph.p_filesz > size - ph.p_offset || ph.p_filesz > ph.p_memsz)
            return "a segment lies past the end of the file (is it truncated?)";
    }
    return NULL;
}

#endif
