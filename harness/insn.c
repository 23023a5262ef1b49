/*
 * insn: creates, reads and removes the TCG plugin's counter file.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "insn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void insn_err(char *err, size_t err_cap, const char *path,
                     const char *what, int errnum)
{
    if (err != NULL && err_cap > 0)
        snprintf(err, err_cap, "insn: %s: %s: %s", path, what,
                 strerror(errnum));
}

int insn_create(struct insn_counter *ic, const char *dir, char *err,
                size_t err_cap)
{
    void *map;
    int rc;

    memset(ic, 0, sizeof(*ic));
    ic->fd = -1;
    ic->map = NULL;
    rc = snprintf(ic->path, sizeof(ic->path), "%s/insn-count-XXXXXX", dir);
    if (rc < 0 || (size_t)rc >= sizeof(ic->path)) {
        insn_err(err, err_cap, dir, "path too long", ENAMETOOLONG);
        return -ENAMETOOLONG;
    }
    ic->fd = mkostemp(ic->path, O_CLOEXEC);
    if (ic->fd < 0) {
        rc = -errno;
        insn_err(err, err_cap, ic->path, "mkostemp failed", -rc);
        return rc;
    }
    /* ftruncate zero-fills: magic 0 means "plugin not loaded yet". */
    if (ftruncate(ic->fd, sizeof(struct insn_count_file)) < 0) {
        rc = -errno;
        insn_err(err, err_cap, ic->path, "ftruncate failed", -rc);
        goto fail;
    }
    map = mmap(NULL, sizeof(struct insn_count_file), PROT_READ, MAP_SHARED,
               ic->fd, 0);
    if (map == MAP_FAILED) {
        rc = -errno;
        insn_err(err, err_cap, ic->path, "mmap failed", -rc);
        goto fail;
    }
    ic->map = map;
    return 0;

fail:
    close(ic->fd);
    unlink(ic->path);
    ic->fd = -1;
    return rc;
}

int insn_plugin_arg(const struct insn_counter *ic, const char *plugin_path,
                    const char *mode, char *buf, size_t cap)
{
    int n;

    /* QEMU splits -plugin arguments at commas. */
    if (strchr(ic->path, ',') != NULL || strchr(plugin_path, ',') != NULL)
        return -EINVAL;
    if (strcmp(mode, "tb") != 0 && strcmp(mode, "insn") != 0)
        return -EINVAL;
    n = snprintf(buf, cap, "%s,out=%s,mode=%s", plugin_path, ic->path, mode);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int insn_loaded(const struct insn_counter *ic)
{
    if (ic->map == NULL)
        return 0;
    return __atomic_load_n(&ic->map->magic, __ATOMIC_ACQUIRE) ==
               INSN_COUNT_MAGIC &&
           ic->map->version == INSN_COUNT_VERSION;
}

uint64_t insn_read(const struct insn_counter *ic)
{
    /*
     * An aligned 64-bit load is single-copy atomic on x86-64 and arm64, so a
     * read concurrent with the guest's adds sees an old or a new value, never a
     * torn one.
     */
    return __atomic_load_n(&ic->map->insns, __ATOMIC_RELAXED);
}

void insn_close(struct insn_counter *ic)
{
    if (ic->map != NULL)
        munmap((void *)ic->map, sizeof(struct insn_count_file));
    if (ic->fd >= 0) {
        close(ic->fd);
        unlink(ic->path);
    }
    ic->map = NULL;
    ic->fd = -1;
}
