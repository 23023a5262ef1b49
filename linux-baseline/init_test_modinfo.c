/*
 * Unit tests of the guest /init's module metadata code: the .modinfo
 * reader against small ELF64 images built here and, when the kernel
 * package has been fetched, against Debian's virtio_net.ko; the depends=
 * parser; modules.builtin lookups; and the dependency load order.
 */
#define _DEFAULT_SOURCE
#include "init_guest.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Builds an ELF64 relocatable image with three sections: the null section,
 * `section_name` holding info[0..info_len), and .shstrtab. Returns the
 * image length; the image is written into buf (at least 1024 bytes).
 */
static size_t make_elf(uint8_t *buf, const char *section_name, const char *info,
                       size_t info_len)
{
    Elf64_Ehdr eh;
    Elf64_Shdr sh[3];
    char strtab[64];
    size_t name_off = 1;
    size_t shstr_off = name_off + strlen(section_name) + 1;
    size_t strtab_len = shstr_off + sizeof(".shstrtab");
    size_t info_pos = sizeof(eh);
    size_t strtab_pos = info_pos + info_len;
    size_t sh_pos = (strtab_pos + strtab_len + 7) & ~(size_t)7;

    cr_assert_leq(sh_pos + sizeof(sh), 1024);
    memset(buf, 0, 1024);
    memset(strtab, 0, sizeof(strtab));
    memcpy(strtab + name_off, section_name, strlen(section_name));
    memcpy(strtab + shstr_off, ".shstrtab", sizeof(".shstrtab"));

    memset(&eh, 0, sizeof(eh));
    memcpy(eh.e_ident, ELFMAG, SELFMAG);
    eh.e_ident[EI_CLASS] = ELFCLASS64;
    eh.e_ident[EI_DATA] = ELFDATA2LSB;
    eh.e_ident[EI_VERSION] = EV_CURRENT;
    eh.e_type = ET_REL;
    eh.e_machine = EM_X86_64;
    eh.e_version = EV_CURRENT;
    eh.e_ehsize = sizeof(eh);
    eh.e_shoff = sh_pos;
    eh.e_shentsize = sizeof(Elf64_Shdr);
    eh.e_shnum = 3;
    eh.e_shstrndx = 2;

    memset(sh, 0, sizeof(sh));
    sh[1].sh_name = name_off;
    sh[1].sh_type = SHT_PROGBITS;
    sh[1].sh_offset = info_pos;
    sh[1].sh_size = info_len;
    sh[2].sh_name = shstr_off;
    sh[2].sh_type = SHT_STRTAB;
    sh[2].sh_offset = strtab_pos;
    sh[2].sh_size = strtab_len;

    memcpy(buf, &eh, sizeof(eh));
    memcpy(buf + info_pos, info, info_len);
    memcpy(buf + strtab_pos, strtab, strtab_len);
    memcpy(buf + sh_pos, sh, sizeof(sh));
    return sh_pos + sizeof(sh);
}

static const char sample_info[] = "license=GPL\0"
                                  "depends=virtio,virtio_ring,net_failover\0"
                                  "name=virtio_net\0"
                                  "vermagic=6.1.0 SMP mod_unload\0";

Test(modinfo_find, finds_section)
{
    uint8_t buf[1024];
    size_t len = make_elf(buf, ".modinfo", sample_info, sizeof(sample_info));
    const char *info;
    size_t info_len;
    char err[128];

    cr_assert_eq(modinfo_find(buf, len, &info, &info_len, err, sizeof(err)), 0,
                 "%s", err);
    cr_assert_eq(info_len, sizeof(sample_info));
    cr_assert_eq(memcmp(info, sample_info, info_len), 0);
}

Test(modinfo_find, missing_section)
{
    uint8_t buf[1024];
    size_t len = make_elf(buf, ".modinfx", sample_info, sizeof(sample_info));
    const char *info;
    size_t info_len;
    char err[128];

    cr_assert_eq(modinfo_find(buf, len, &info, &info_len, err, sizeof(err)),
                 -1);
    cr_assert_str_eq(err, "no .modinfo section");
}

Test(modinfo_find, rejects_non_elf)
{
    uint8_t buf[1024];
    size_t len = make_elf(buf, ".modinfo", sample_info, sizeof(sample_info));
    const char *info;
    size_t info_len;
    char err[128];

    buf[1] = 'X';
    cr_assert_eq(modinfo_find(buf, len, &info, &info_len, err, sizeof(err)),
                 -1);
    cr_assert_str_eq(err, "not an ELF file");
}

Test(modinfo_find, rejects_elf32)
{
    uint8_t buf[1024];
    size_t len = make_elf(buf, ".modinfo", sample_info, sizeof(sample_info));
    const char *info;
    size_t info_len;
    char err[128];

    buf[EI_CLASS] = ELFCLASS32;
    cr_assert_eq(modinfo_find(buf, len, &info, &info_len, err, sizeof(err)),
                 -1);
}

Test(modinfo_find, rejects_section_past_end)
{
    uint8_t buf[1024];
    size_t len = make_elf(buf, ".modinfo", sample_info, sizeof(sample_info));
    Elf64_Ehdr eh;
    Elf64_Shdr sh;
    const char *info;
    size_t info_len;
    char err[128];

    memcpy(&eh, buf, sizeof(eh));
    memcpy(&sh, buf + eh.e_shoff + sizeof(sh), sizeof(sh));
    sh.sh_size = UINT64_MAX - 8; /* offset + size wraps around */
    memcpy(buf + eh.e_shoff + sizeof(sh), &sh, sizeof(sh));
    cr_assert_eq(modinfo_find(buf, len, &info, &info_len, err, sizeof(err)),
                 -1);
    cr_assert_str_eq(err, ".modinfo lies outside the file");
}

Test(modinfo_find, rejects_bad_strtab_index)
{
    uint8_t buf[1024];
    size_t len = make_elf(buf, ".modinfo", sample_info, sizeof(sample_info));
    Elf64_Ehdr eh;
    const char *info;
    size_t info_len;
    char err[128];

    memcpy(&eh, buf, sizeof(eh));
    eh.e_shstrndx = 3;
    memcpy(buf, &eh, sizeof(eh));
    cr_assert_eq(modinfo_find(buf, len, &info, &info_len, err, sizeof(err)),
                 -1);
}

/* Every prefix of a valid image either fails or yields bytes inside it. */
Test(modinfo_find, truncated_images)
{
    uint8_t buf[1024];
    size_t len = make_elf(buf, ".modinfo", sample_info, sizeof(sample_info));

    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *copy = malloc(cut + 1);
        const char *info;
        size_t info_len;
        char err[128];

        cr_assert_not_null(copy);
        memcpy(copy, buf, cut);
        if (modinfo_find(copy, cut, &info, &info_len, err, sizeof(err)) == 0) {
            cr_assert_geq((const uint8_t *)info, copy);
            cr_assert_leq((const uint8_t *)info + info_len, copy + cut);
        }
        free(copy);
    }
}

Test(modinfo_get, finds_key)
{
    const char *value;
    size_t len;

    cr_assert_eq(
        modinfo_get(sample_info, sizeof(sample_info), "name", &value, &len), 0);
    cr_assert_eq(len, strlen("virtio_net"));
    cr_assert_eq(memcmp(value, "virtio_net", len), 0);
}

Test(modinfo_get, key_prefix_is_no_match)
{
    static const char info[] = "dependsx=a\0depend=b\0";
    const char *value;
    size_t len;

    cr_assert_eq(modinfo_get(info, sizeof(info), "depends", &value, &len), -1);
}

Test(modinfo_get, unterminated_last_string)
{
    static const char info[] = {'n', 'a', 'm', 'e', '=', 'a', 'b'};
    const char *value;
    size_t len;

    cr_assert_eq(modinfo_get(info, sizeof(info), "name", &value, &len), 0);
    cr_assert_eq(len, 2);
    cr_assert_eq(memcmp(value, "ab", 2), 0);
}

Test(modinfo_parse_module, depends_list)
{
    struct modinfo_module mod;
    char err[128];

    cr_assert_eq(modinfo_parse_module(sample_info, sizeof(sample_info), "x",
                                      &mod, err, sizeof(err)),
                 0, "%s", err);
    cr_assert_str_eq(mod.name, "virtio_net");
    cr_assert_eq(mod.ndeps, 3);
    cr_assert_str_eq(mod.deps[0], "virtio");
    cr_assert_str_eq(mod.deps[1], "virtio_ring");
    cr_assert_str_eq(mod.deps[2], "net_failover");
}

Test(modinfo_parse_module, empty_depends)
{
    static const char info[] = "depends=\0name=failover\0";
    struct modinfo_module mod;
    char err[128];

    cr_assert_eq(
        modinfo_parse_module(info, sizeof(info), "x", &mod, err, sizeof(err)),
        0);
    cr_assert_str_eq(mod.name, "failover");
    cr_assert_eq(mod.ndeps, 0);
}

Test(modinfo_parse_module, fallback_name_and_dashes)
{
    static const char info[] = "depends=snd-pcm,,foo\0";
    struct modinfo_module mod;
    char err[128];

    cr_assert_eq(modinfo_parse_module(info, sizeof(info), "virtio-rng", &mod,
                                      err, sizeof(err)),
                 0);
    cr_assert_str_eq(mod.name, "virtio_rng");
    cr_assert_eq(mod.ndeps, 2, "an empty list entry is skipped");
    cr_assert_str_eq(mod.deps[0], "snd_pcm");
    cr_assert_str_eq(mod.deps[1], "foo");
}

Test(modinfo_parse_module, too_many_deps)
{
    char info[1024] = "depends=";
    struct modinfo_module mod;
    char err[128];

    for (int i = 0; i <= MODINFO_DEPS_MAX; i++) {
        char item[16];

        snprintf(item, sizeof(item), "%sm%d", i ? "," : "", i);
        strcat(info, item);
    }
    cr_assert_eq(modinfo_parse_module(info, strlen(info) + 1, "x", &mod, err,
                                      sizeof(err)),
                 -1);
    cr_assert_not_null(strstr(err, "more than"));
}

Test(modinfo_parse_module, name_too_long)
{
    char info[128] = "name=";
    struct modinfo_module mod;
    char err[128];

    memset(info + 5, 'a', MODINFO_NAME_MAX);
    cr_assert_eq(modinfo_parse_module(info, strlen(info) + 1, "x", &mod, err,
                                      sizeof(err)),
                 -1);
}

static const char builtin_text[] = "kernel/drivers/virtio/virtio_anchor.ko\n"
                                   "kernel/net/core/fail-over.ko\n"
                                   "kernel/lib/crc32c.ko";

Test(modinfo_is_builtin, matches_base_name)
{
    size_t len = strlen(builtin_text);

    cr_assert(modinfo_is_builtin(builtin_text, len, "virtio_anchor"));
    cr_assert(modinfo_is_builtin(builtin_text, len, "fail_over"));
    cr_assert(modinfo_is_builtin(builtin_text, len, "crc32c"),
              "the last line needs no newline");
}

Test(modinfo_is_builtin, no_partial_match)
{
    size_t len = strlen(builtin_text);

    cr_assert_not(modinfo_is_builtin(builtin_text, len, "virtio"));
    cr_assert_not(modinfo_is_builtin(builtin_text, len, "crc32"));
    cr_assert_not(modinfo_is_builtin(NULL, 0, "virtio"));
}

static void set_module(struct modinfo_module *mod, const char *name,
                       const char *deps)
{
    char info[512];
    int n =
        snprintf(info, sizeof(info), "name=%s%cdepends=%s", name, '\0', deps);
    char err[128];

    cr_assert_eq(
        modinfo_parse_module(info, (size_t)n + 1, name, mod, err, sizeof(err)),
        0, "%s", err);
}

/* Returns the position of `name` in the computed order. */
static size_t position(const struct modinfo_module *mods, const size_t *order,
                       size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(mods[order[i]].name, name) == 0)
            return i;
    cr_assert_fail("%s missing from the order", name);
    return n;
}

/* The virtio-net set of Debian's 6.1 kernel, listed by name. */
Test(modinfo_sort, virtio_net_set)
{
    struct modinfo_module mods[9];
    size_t order[9];
    char err[128];

    set_module(&mods[0], "failover", "");
    set_module(&mods[1], "net_failover", "failover");
    set_module(&mods[2], "virtio", "virtio_ring");
    set_module(&mods[3], "virtio_mmio", "virtio,virtio_ring");
    set_module(&mods[4], "virtio_net", "virtio_ring,virtio,net_failover");
    set_module(&mods[5], "virtio_pci",
               "virtio_ring,virtio_pci_modern_dev,virtio_pci_legacy_dev,"
               "virtio");
    set_module(&mods[6], "virtio_pci_legacy_dev", "");
    set_module(&mods[7], "virtio_pci_modern_dev", "");
    set_module(&mods[8], "virtio_ring", "");

    cr_assert_eq(modinfo_sort(mods, 9, NULL, 0, order, err, sizeof(err)), 0,
                 "%s", err);
    cr_assert_lt(position(mods, order, 9, "virtio_ring"),
                 position(mods, order, 9, "virtio"));
    cr_assert_lt(position(mods, order, 9, "failover"),
                 position(mods, order, 9, "net_failover"));
    cr_assert_lt(position(mods, order, 9, "net_failover"),
                 position(mods, order, 9, "virtio_net"));
    cr_assert_lt(position(mods, order, 9, "virtio"),
                 position(mods, order, 9, "virtio_net"));
    cr_assert_lt(position(mods, order, 9, "virtio_pci_modern_dev"),
                 position(mods, order, 9, "virtio_pci"));
    cr_assert_lt(position(mods, order, 9, "virtio_pci_legacy_dev"),
                 position(mods, order, 9, "virtio_pci"));
    cr_assert_lt(position(mods, order, 9, "virtio_mmio"),
                 position(mods, order, 9, "virtio_net"),
                 "virtio_mmio, listed first and needing nothing of "
                 "virtio_net, loads first");
}

Test(modinfo_sort, every_module_once)
{
    struct modinfo_module mods[4];
    size_t order[4];
    int seen[4] = {0};
    char err[128];

    set_module(&mods[0], "d", "c,b");
    set_module(&mods[1], "c", "a");
    set_module(&mods[2], "b", "a,c");
    set_module(&mods[3], "a", "");
    cr_assert_eq(modinfo_sort(mods, 4, NULL, 0, order, err, sizeof(err)), 0);
    for (size_t i = 0; i < 4; i++) {
        cr_assert_lt(order[i], 4);
        seen[order[i]]++;
    }
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(seen[i], 1);
    cr_assert_str_eq(mods[order[0]].name, "a");
    cr_assert_str_eq(mods[order[1]].name, "c");
    cr_assert_str_eq(mods[order[2]].name, "b");
    cr_assert_str_eq(mods[order[3]].name, "d");
}

Test(modinfo_sort, builtin_dependency_skipped)
{
    struct modinfo_module mods[1];
    size_t order[1];
    char err[128];

    set_module(&mods[0], "virtio", "virtio_anchor");
    cr_assert_eq(modinfo_sort(mods, 1, builtin_text, strlen(builtin_text),
                              order, err, sizeof(err)),
                 0, "%s", err);
    cr_assert_eq(order[0], 0);
}

Test(modinfo_sort, missing_dependency)
{
    struct modinfo_module mods[1];
    size_t order[1];
    char err[128];

    set_module(&mods[0], "virtio_net", "net_failover");
    cr_assert_eq(modinfo_sort(mods, 1, builtin_text, strlen(builtin_text),
                              order, err, sizeof(err)),
                 -1);
    cr_assert_str_eq(err, "virtio_net depends on net_failover, which is "
                          "neither in the module set nor built in");
}

Test(modinfo_sort, cycle)
{
    struct modinfo_module mods[3];
    size_t order[3];
    char err[128];

    set_module(&mods[0], "a", "b");
    set_module(&mods[1], "b", "c");
    set_module(&mods[2], "c", "a");
    cr_assert_eq(modinfo_sort(mods, 3, NULL, 0, order, err, sizeof(err)), -1);
    cr_assert_not_null(strstr(err, "dependency cycle"));
}

Test(modinfo_sort, duplicate_name)
{
    struct modinfo_module mods[2];
    size_t order[2];
    char err[128];

    set_module(&mods[0], "virtio", "");
    set_module(&mods[1], "virtio", "");
    cr_assert_eq(modinfo_sort(mods, 2, NULL, 0, order, err, sizeof(err)), -1);
    cr_assert_str_eq(err, "module virtio appears twice");
}

/*
 * Reads the real virtio_net.ko of the fetched Debian kernel package. The
 * package is fetched by `make linux-guest`, which `make test` runs first;
 * a build without it skips this test.
 */
Test(modinfo_real_module, debian_virtio_net)
{
    const char *root = "build/linux-guest/pkg/lib/modules";
    DIR *dir = opendir(root);
    struct dirent *de;
    char path[512] = "";

    if (!dir)
        cr_skip_test("%s missing: the kernel package is not fetched", root);
    while ((de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s/kernel/drivers/net/virtio_net.ko",
                 root, de->d_name);
        break;
    }
    closedir(dir);

    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s: open failed", path);
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    long size = ftell(f);
    cr_assert_gt(size, 0);
    uint8_t *image = malloc((size_t)size);
    cr_assert_not_null(image);
    rewind(f);
    cr_assert_eq(fread(image, 1, (size_t)size, f), (size_t)size);
    fclose(f);

    const char *info;
    size_t info_len;
    struct modinfo_module mod;
    char err[128];
    cr_assert_eq(
        modinfo_find(image, (size_t)size, &info, &info_len, err, sizeof(err)),
        0, "%s: %s", path, err);
    cr_assert_eq(modinfo_parse_module(info, info_len, "virtio_net", &mod, err,
                                      sizeof(err)),
                 0, "%s", err);
    cr_assert_str_eq(mod.name, "virtio_net");

    int has_virtio = 0, has_ring = 0, has_failover = 0;
    for (size_t i = 0; i < mod.ndeps; i++) {
        has_virtio |= strcmp(mod.deps[i], "virtio") == 0;
        has_ring |= strcmp(mod.deps[i], "virtio_ring") == 0;
        has_failover |= strcmp(mod.deps[i], "net_failover") == 0;
    }
    cr_assert(has_virtio, "virtio_net does not depend on virtio");
    cr_assert(has_ring, "virtio_net does not depend on virtio_ring");
    cr_assert(has_failover, "virtio_net does not depend on net_failover");
    free(image);
}
