/*
 * modclosure: a host build tool for guest.mk. Given an unpacked kernel
 * module tree and the names of the modules the guest needs, prints the
 * paths of those modules and of every module they depend on, in load order,
 * leaving out the ones built into the kernel. It reads the depends= field
 * of each module's .modinfo with the same code as the guest's /init.
 *
 * Usage: modclosure MODDIR NAME...
 *   MODDIR contains modules.order and modules.builtin (lib/modules/RELEASE).
 *   Prints one path per line, relative to MODDIR.
 * A compressed module (.ko.xz, .ko.zst, .ko.gz) is an error: this reader
 * takes uncompressed ELF only, and so does /init.
 */
#define _DEFAULT_SOURCE
#include "init_guest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CLOSURE_MAX 64
#define PATH_MAX_LEN 512

struct module_file {
    struct modinfo_module mod;
    char path[PATH_MAX_LEN]; /* relative to MODDIR */
};

static struct module_file set[CLOSURE_MAX];
static size_t set_len;

/* Reads a whole file into a malloc'd buffer. Exits on failure. */
static char *slurp(const char *path, size_t *len_out)
{
    FILE *f = fopen(path, "rb");
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap + 1);

    if (!f) {
        fprintf(stderr, "modclosure: %s: open failed: %s\n", path,
                strerror(errno));
        exit(1);
    }
    if (!buf) {
        fprintf(stderr, "modclosure: %s: out of memory\n", path);
        exit(1);
    }
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len, f);

        len += n;
        if (len < cap)
            break;
        cap *= 2;
        buf = realloc(buf, cap + 1);
        if (!buf) {
            fprintf(stderr, "modclosure: %s: out of memory\n", path);
            exit(1);
        }
    }
    if (ferror(f)) {
        fprintf(stderr, "modclosure: %s: read failed: %s\n", path,
                strerror(errno));
        exit(1);
    }
    fclose(f);
    buf[len] = '\0';
    *len_out = len;
    return buf;
}

/*
 * Finds NAME's path in modules.order (one relative path per line). Returns
 * 0 and fills path, or -1 when no line names that module.
 */
static int find_in_order(const char *order, size_t len, const char *name,
                         char path[PATH_MAX_LEN])
{
    size_t pos = 0;

    while (pos < len) {
        const char *line = order + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t llen = nl ? (size_t)(nl - line) : len - pos;

        /* modinfo_is_builtin matches one line of the same format. */
        if (llen < PATH_MAX_LEN && modinfo_is_builtin(line, llen, name)) {
            memcpy(path, line, llen);
            path[llen] = '\0';
            return 0;
        }
        pos += llen + 1;
    }
    return -1;
}

/*
 * Exits with a clear message when only a compressed copy of the module at
 * `path` exists. Debian 12's kernels ship plain .ko files
 * (CONFIG_MODULE_COMPRESS_NONE) and have no in-kernel decompression for
 * finit_module, so a kernel that compresses them needs them unpacked here.
 */
static void reject_compressed(const char *path)
{
    static const char *const suffixes[] = {".xz", ".zst", ".gz"};
    char alt[PATH_MAX_LEN * 2 + 8];

    if (access(path, F_OK) == 0)
        return;
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(alt, sizeof(alt), "%s%s", path, suffixes[i]);
        if (access(alt, F_OK) == 0) {
            fprintf(stderr,
                    "modclosure: %s: compressed modules are not supported; "
                    "decompress it next to the original first\n",
                    alt);
            exit(1);
        }
    }
}

static int in_set(const char *name)
{
    for (size_t i = 0; i < set_len; i++)
        if (strcmp(set[i].mod.name, name) == 0)
            return 1;
    return 0;
}

/* Adds module `name` and, recursively, its dependencies to the set. */
static void add_module(const char *moddir, const char *order, size_t order_len,
                       const char *builtin, size_t builtin_len,
                       const char *name)
{
    char full[PATH_MAX_LEN * 2];
    char err[200];
    struct module_file *mf;
    const char *info;
    size_t info_len, image_len;
    char *image;

    if (in_set(name) || modinfo_is_builtin(builtin, builtin_len, name))
        return;
    if (set_len == CLOSURE_MAX) {
        fprintf(stderr, "modclosure: more than %d modules needed\n",
                CLOSURE_MAX);
        exit(1);
    }
    mf = &set[set_len];
    if (find_in_order(order, order_len, name, mf->path) != 0) {
        fprintf(stderr,
                "modclosure: %s: not in %s/modules.order and not built in "
                "(is it compressed, or missing from this kernel?)\n",
                name, moddir);
        exit(1);
    }
    snprintf(full, sizeof(full), "%s/%s", moddir, mf->path);
    reject_compressed(full);
    image = slurp(full, &image_len);
    if (modinfo_find((const uint8_t *)image, image_len, &info, &info_len, err,
                     sizeof(err)) != 0 ||
        modinfo_parse_module(info, info_len, name, &mf->mod, err,
                             sizeof(err)) != 0) {
        fprintf(stderr, "modclosure: %s: %s\n", full, err);
        exit(1);
    }
    free(image);
    set_len++;

    /* set[] is static, so mf stays valid while the recursion adds to it. */
    for (size_t d = 0; d < mf->mod.ndeps; d++)
        add_module(moddir, order, order_len, builtin, builtin_len,
                   mf->mod.deps[d]);
}

int main(int argc, char **argv)
{
    static struct modinfo_module mods[CLOSURE_MAX];
    size_t order_idx[CLOSURE_MAX];
    char path[PATH_MAX_LEN * 2];
    char err[200];
    size_t order_len, builtin_len;
    char *order, *builtin;

    if (argc < 3) {
        fprintf(stderr, "usage: modclosure MODDIR NAME...\n");
        return 2;
    }
    snprintf(path, sizeof(path), "%s/modules.order", argv[1]);
    order = slurp(path, &order_len);
    snprintf(path, sizeof(path), "%s/modules.builtin", argv[1]);
    builtin = slurp(path, &builtin_len);

    for (int i = 2; i < argc; i++) {
        char name[MODINFO_NAME_MAX];

        if (modinfo_normalize_name(argv[i], strlen(argv[i]), name) != 0) {
            fprintf(stderr, "modclosure: '%s': invalid module name\n", argv[i]);
            return 2;
        }
        add_module(argv[1], order, order_len, builtin, builtin_len, name);
    }

    for (size_t i = 0; i < set_len; i++)
        mods[i] = set[i].mod;
    if (modinfo_sort(mods, set_len, builtin, builtin_len, order_idx, err,
                     sizeof(err)) != 0) {
        fprintf(stderr, "modclosure: %s\n", err);
        return 1;
    }
    for (size_t i = 0; i < set_len; i++)
        printf("%s\n", set[order_idx[i]].path);
    free(order);
    free(builtin);
    return 0;
}
