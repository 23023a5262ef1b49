/*
 * Kernel module metadata: finds the .modinfo section of a module file,
 * reads its name= and depends= fields, and orders a set of modules so each
 * one loads after those it depends on. Debian's kernel package ships no
 * modules.dep (depmod writes it at install time), so the order comes from
 * the modules themselves and a new kernel version needs no change here.
 */
#include "init_guest.h"

#include <elf.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* Returns nonzero when [off, off + size) lies inside [0, len). */
static int in_bounds(uint64_t off, uint64_t size, size_t len)
{
    return off <= len && size <= len - off;
}

int modinfo_find(const uint8_t *image, size_t len, const char **info,
                 size_t *info_len, char *err, size_t errlen)
{
    Elf64_Ehdr eh;
    Elf64_Shdr strtab;

    if (len < sizeof(eh)) {
        set_err(err, errlen, "file of %zu bytes is shorter than an ELF header",
                len);
        return -1;
    }
    memcpy(&eh, image, sizeof(eh));
    if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0) {
        set_err(err, errlen, "not an ELF file");
        return -1;
    }
    if (eh.e_ident[EI_CLASS] != ELFCLASS64 ||
        eh.e_ident[EI_DATA] != ELFDATA2LSB) {
        set_err(err, errlen, "not a little-endian ELF64 file");
        return -1;
    }
    if (eh.e_shentsize != sizeof(Elf64_Shdr)) {
        set_err(err, errlen, "section header size %u, expected %zu",
                (unsigned)eh.e_shentsize, sizeof(Elf64_Shdr));
        return -1;
    }
    if (!in_bounds(eh.e_shoff, (uint64_t)eh.e_shnum * sizeof(Elf64_Shdr),
                   len)) {
        set_err(err, errlen, "section headers lie outside the file");
        return -1;
    }
    if (eh.e_shstrndx == SHN_UNDEF || eh.e_shstrndx >= eh.e_shnum) {
        set_err(err, errlen, "section name table index %u is invalid",
                (unsigned)eh.e_shstrndx);
        return -1;
    }
    memcpy(&strtab, image + eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr),
           sizeof(strtab));
    if (!in_bounds(strtab.sh_offset, strtab.sh_size, len)) {
        set_err(err, errlen, "section name table lies outside the file");
        return -1;
    }

    for (size_t i = 0; i < eh.e_shnum; i++) {
        Elf64_Shdr sh;
        static const char want[] = ".modinfo";

        memcpy(&sh, image + eh.e_shoff + i * sizeof(Elf64_Shdr), sizeof(sh));
        /* The name plus its NUL must fit in the name table. */
        if (sh.sh_name >= strtab.sh_size ||
            strtab.sh_size - sh.sh_name < sizeof(want))
            continue;
        if (memcmp(image + strtab.sh_offset + sh.sh_name, want, sizeof(want)) !=
            0)
            continue;
        if (sh.sh_type == SHT_NOBITS ||
            !in_bounds(sh.sh_offset, sh.sh_size, len)) {
            set_err(err, errlen, ".modinfo lies outside the file");
            return -1;
        }
        *info = (const char *)image + sh.sh_offset;
        *info_len = sh.sh_size;
        return 0;
    }
    set_err(err, errlen, "no .modinfo section");
    return -1;
}

int modinfo_get(const char *info, size_t info_len, const char *key,
                const char **value, size_t *value_len)
{
    size_t keylen = strlen(key);
    size_t pos = 0;

    while (pos < info_len) {
        const char *s = info + pos;
        const char *nul = memchr(s, '\0', info_len - pos);
        size_t slen = nul ? (size_t)(nul - s) : info_len - pos;

        if (slen > keylen && memcmp(s, key, keylen) == 0 && s[keylen] == '=') {
            *value = s + keylen + 1;
            *value_len = slen - keylen - 1;
            return 0;
        }
        pos += slen + 1;
    }
    return -1;
}

int modinfo_normalize_name(const char *name, size_t len,
                           char out[MODINFO_NAME_MAX])
{
    if (len == 0 || len >= MODINFO_NAME_MAX)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '\0' || name[i] == '/')
            return -1;
        out[i] = name[i] == '-' ? '_' : name[i];
    }
    out[len] = '\0';
    return 0;
}

int modinfo_parse_module(const char *info, size_t info_len,
                         const char *fallback_name, struct modinfo_module *mod,
                         char *err, size_t errlen)
{
    const char *value;
    size_t vlen;

    memset(mod, 0, sizeof(*mod));
    if (modinfo_get(info, info_len, "name", &value, &vlen) != 0) {
        value = fallback_name;
        vlen = strlen(fallback_name);
    }
    if (modinfo_normalize_name(value, vlen, mod->name) != 0) {
        set_err(err, errlen, "module name '%.*s' is empty or too long",
                (int)vlen, value);
        return -1;
    }

    /* "depends=" may be absent or empty: no dependencies. */
    if (modinfo_get(info, info_len, "depends", &value, &vlen) != 0)
        return 0;
    while (vlen > 0) {
        const char *comma = memchr(value, ',', vlen);
        size_t n = comma ? (size_t)(comma - value) : vlen;

        if (n > 0) {
            if (mod->ndeps == MODINFO_DEPS_MAX) {
                set_err(err, errlen, "%s: more than %d dependencies", mod->name,
                        MODINFO_DEPS_MAX);
                return -1;
            }
            if (modinfo_normalize_name(value, n, mod->deps[mod->ndeps]) != 0) {
                set_err(err, errlen,
                        "%s: dependency '%.*s' is invalid or too long",
                        mod->name, (int)n, value);
                return -1;
            }
            mod->ndeps++;
        }
        if (!comma)
            break;
        value += n + 1;
        vlen -= n + 1;
    }
    return 0;
}

int modinfo_is_builtin(const char *builtin, size_t len, const char *name)
{
    size_t pos = 0;

    while (pos < len) {
        const char *line = builtin + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;
        const char *base = line;
        char norm[MODINFO_NAME_MAX];

        /* "kernel/drivers/virtio/virtio.ko": keep "virtio". */
        for (size_t i = 0; i < llen; i++)
            if (line[i] == '/')
                base = line + i + 1;
        size_t blen = llen - (size_t)(base - line);
        if (blen > 3 && memcmp(base + blen - 3, ".ko", 3) == 0 &&
            modinfo_normalize_name(base, blen - 3, norm) == 0 &&
            strcmp(norm, name) == 0)
            return 1;
        pos += llen + 1;
    }
    return 0;
}

static long find_module(const struct modinfo_module *mods, size_t n,
                        const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(mods[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* Depth-first search state of one module. */
enum { MOD_NEW, MOD_VISITING, MOD_DONE };

struct sort_state {
    const struct modinfo_module *mods;
    size_t n;
    const char *builtin;
    size_t builtin_len;
    unsigned char *mark;
    size_t *order;
    size_t count;
    char *err;
    size_t errlen;
};

/*
 * Appends module i to the order after its dependencies. The depth is at
 * most n because a module in MOD_VISITING is never entered again.
 */
static int visit(struct sort_state *st, size_t i)
{
    const struct modinfo_module *mod = &st->mods[i];

    if (st->mark[i] == MOD_DONE)
        return 0;
    if (st->mark[i] == MOD_VISITING) {
        set_err(st->err, st->errlen, "dependency cycle through %s", mod->name);
        return -1;
    }
    st->mark[i] = MOD_VISITING;
    for (size_t d = 0; d < mod->ndeps; d++) {
        long j = find_module(st->mods, st->n, mod->deps[d]);

        if (j < 0) {
            if (modinfo_is_builtin(st->builtin, st->builtin_len, mod->deps[d]))
                continue;
            set_err(st->err, st->errlen,
                    "%s depends on %s, which is neither in the module set "
                    "nor built in",
                    mod->name, mod->deps[d]);
            return -1;
        }
        if (visit(st, (size_t)j) != 0)
            return -1;
    }
    st->mark[i] = MOD_DONE;
    st->order[st->count++] = i;
    return 0;
}

int modinfo_sort(const struct modinfo_module *mods, size_t n,
                 const char *builtin, size_t builtin_len, size_t *order,
                 char *err, size_t errlen)
{
    unsigned char mark[MODINFO_MODULES_MAX];
    struct sort_state st = {
        .mods = mods,
        .n = n,
        .builtin = builtin,
        .builtin_len = builtin_len,
        .mark = mark,
        .order = order,
        .err = err,
        .errlen = errlen,
    };

    if (n > MODINFO_MODULES_MAX) {
        set_err(err, errlen, "%zu modules, at most %d supported", n,
                MODINFO_MODULES_MAX);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (find_module(mods, i, mods[i].name) >= 0) {
            set_err(err, errlen, "module %s appears twice", mods[i].name);
            return -1;
        }
    }
    memset(mark, MOD_NEW, n);
    for (size_t i = 0; i < n; i++)
        if (visit(&st, i) != 0)
            return -1;
    return 0;
}
