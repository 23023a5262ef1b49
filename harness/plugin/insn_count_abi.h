/*
 * Layout of the counter file shared by the TCG plugin (writer) and the
 * harness (reader). Both map it MAP_SHARED; the plugin's generated code adds
 * to `insns` directly. The harness creates the file zeroed and sized; the
 * plugin sets magic and version when QEMU loads it, so a zero magic means
 * "plugin not loaded (yet)".
 */
#ifndef INSN_COUNT_ABI_H
#define INSN_COUNT_ABI_H

#include <stdint.h>

#define INSN_COUNT_MAGIC 0x746e63736e696b75ULL /* "ukinscnt" little-endian */
#define INSN_COUNT_VERSION 1

struct insn_count_file {
    uint64_t magic;
    uint64_t version;
    uint64_t insns;  /* guest instructions executed, all vCPUs */
    uint64_t pad[5]; /* keeps the counter alone in its 64-byte line */
};

#endif
