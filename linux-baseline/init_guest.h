/*
 * Internal interfaces of the Linux guest's /init: the .modinfo reader and
 * the module load order (init_modinfo.c, also linked into the host tool
 * modclosure and the unit tests) and the network bring-up (init_net.c).
 */
#ifndef INIT_GUEST_H
#define INIT_GUEST_H

#include <stddef.h>
#include <stdint.h>

/*
 * Size of a module name buffer, NUL included. Linux module names have at
 * most 55 characters (MODULE_NAME_LEN is 56 on 64-bit).
 */
#define MODINFO_NAME_MAX 64
#define MODINFO_DEPS_MAX 32
/* Maximum module set that modinfo_sort orders. The guest loads nine. */
#define MODINFO_MODULES_MAX 256

/*
 * Finds the .modinfo section of a kernel module, an ELF64 relocatable
 * object held in image[0..len). On success stores the section's bytes in
 * *info and *info_len and returns 0. Returns -1 with a reason in err (errlen
 * bytes, always terminated) when the image is not a well-formed ELF64 file
 * or has no .modinfo. Every offset is checked against len before use.
 */
int modinfo_find(const uint8_t *image, size_t len, const char **info,
                 size_t *info_len, char *err, size_t errlen);

/*
 * Looks up `key` in a .modinfo section: a list of NUL-terminated
 * "key=value" strings, possibly padded with NUL bytes. Stores the first
 * value in *value and its length in *value_len and returns 0, or returns -1
 * when the key is absent. A string cut off by the end of the section counts
 * up to that end.
 */
int modinfo_get(const char *info, size_t info_len, const char *key,
                const char **value, size_t *value_len);

/* One module of the set to load: its name and the names it depends on. */
struct modinfo_module {
    char name[MODINFO_NAME_MAX];
    char deps[MODINFO_DEPS_MAX][MODINFO_NAME_MAX];
    size_t ndeps;
};

/*
 * Copies a module name of `len` bytes into out (MODINFO_NAME_MAX bytes),
 * with '-' turned into '_' as the kernel does. Returns 0, or -1 when the
 * name is empty or too long.
 */
int modinfo_normalize_name(const char *name, size_t len,
                           char out[MODINFO_NAME_MAX]);

/*
 * Fills mod from a .modinfo section: the name from the "name=" field (or
 * `fallback_name`, a file name without ".ko", when the field is absent) and
 * the comma-separated "depends=" list. Returns 0, or -1 with a reason in err
 * when a name is empty or too long or there are more than MODINFO_DEPS_MAX
 * dependencies.
 */
int modinfo_parse_module(const char *info, size_t info_len,
                         const char *fallback_name, struct modinfo_module *mod,
                         char *err, size_t errlen);

/*
 * Returns nonzero when `name` is a built-in module, that is when `builtin`
 * (the text of modules.builtin, one "kernel/.../NAME.ko" path per line,
 * `len` bytes) lists it. Names are compared after modinfo_normalize_name.
 */
int modinfo_is_builtin(const char *builtin, size_t len, const char *name);

/*
 * Computes a load order for mods[0..n): every module comes after all the
 * modules of the set it depends on. A dependency outside the set must be
 * built in according to `builtin` (modules.builtin text, may be NULL when
 * len is 0). The order is a depth-first walk that visits mods in array
 * order and each module's dependencies in depends= order, so the same input
 * gives the same order. On success writes n indexes into order
 * and returns 0. Returns -1 with a reason in err on a dependency that is
 * neither in the set nor built in, on a cycle, on a duplicate name, or
 * when n exceeds MODINFO_MODULES_MAX.
 */
int modinfo_sort(const struct modinfo_module *mods, size_t n,
                 const char *builtin, size_t builtin_len, size_t *order,
                 char *err, size_t errlen);

/* Guest network settings, from ukb.* keys on the kernel command line. */
struct init_net_config {
    uint32_t ip;      /* network byte order */
    uint32_t netmask; /* network byte order */
    uint32_t gateway; /* network byte order */
};

/*
 * Reads ukb.ip=, ukb.mask= and ukb.gw= from a kernel command line (the text
 * of /proc/cmdline). An absent key keeps the QEMU user-network default from
 * bench_abi.h, the last of repeated keys wins, and unknown keys are ignored.
 * Returns 0, or -1 with the key and value in err when a value is not a dotted
 * IPv4 address or the mask is not contiguous.
 */
int init_net_parse_cmdline(const char *cmdline, struct init_net_config *cfg,
                           char *err, size_t errlen);

/*
 * Brings up the loopback interface and `ifname` with cfg's address and mask,
 * and adds the default route through cfg's gateway. Needs CAP_NET_ADMIN.
 * Returns 0, or -1 after printing what failed on stderr.
 */
int init_net_up(const char *ifname, const struct init_net_config *cfg);

#endif
