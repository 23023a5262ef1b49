/*
 * insn: the harness side of the guest-instruction counter. The TCG plugin
 * (plugin/insn_count.c, built as insn-count.so) maps a small file shared
 * and adds to a 64-bit counter in it from generated code, so the harness
 * reads the count at any moment without calling into QEMU.
 */
#ifndef INSN_H
#define INSN_H

#include <linux/limits.h> /* PATH_MAX without feature macros */
#include <stddef.h>
#include <stdint.h>

#include "plugin/insn_count_abi.h"

struct insn_counter {
    char path[PATH_MAX]; /* the counter file */
    int fd;
    volatile struct insn_count_file *map;
};

/*
 * Creates a zeroed counter file in dir (a new unique name) and maps it.
 * Returns 0, or -errno with "insn: PATH: what failed: strerror" in err.
 */
int insn_create(struct insn_counter *ic, const char *dir, char *err,
                size_t err_cap);

/*
 * Writes the QEMU argument that loads the plugin with this counter,
 * "PLUGIN,out=FILE,mode=MODE", into buf; mode is "tb" or "insn" (see the
 * plugin for the difference). Returns 0, -EINVAL for another mode or a
 * path with a comma (QEMU splits -plugin at commas), or -ENAMETOOLONG.
 */
int insn_plugin_arg(const struct insn_counter *ic, const char *plugin_path,
                    const char *mode, char *buf, size_t cap);

/*
 * Returns 1 once the plugin has been loaded by QEMU and stamped the file
 * with its magic and version, 0 before that (or if a different plugin
 * version wrote it).
 */
int insn_loaded(const struct insn_counter *ic);

/*
 * Returns the guest instructions counted so far. Meaningful only when
 * insn_loaded() is 1; a phase's count is the difference of two reads.
 */
uint64_t insn_read(const struct insn_counter *ic);

/* Unmaps the file and removes it. */
void insn_close(struct insn_counter *ic);

#endif
