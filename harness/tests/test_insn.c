/*
 * Unit tests of insn, the harness side of the instruction counter: the
 * counter file, the -plugin argument, and reads of a file that a fake
 * plugin (this test, mapping the file a second time) writes.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "insn.h"

static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/ukb-insn-XXXXXX");

    cr_assert_not_null(dir);
    cr_assert_not_null(mkdtemp(dir));
    return dir;
}

/* Maps the counter file writable, as the plugin inside QEMU does. */
static struct insn_count_file *map_as_plugin(const char *path)
{
    int fd = open(path, O_RDWR);
    void *map;

    cr_assert_geq(fd, 0, "open %s: %s", path, strerror(errno));
    map = mmap(NULL, sizeof(struct insn_count_file), PROT_READ | PROT_WRITE,
               MAP_SHARED, fd, 0);
    cr_assert_neq(map, MAP_FAILED);
    close(fd);
    return map;
}

Test(insn_counter, created_zeroed_and_not_loaded)
{
    char *dir = make_temp_dir();
    struct insn_counter ic;
    struct stat st;
    char err[256] = "";

    cr_assert_eq(insn_create(&ic, dir, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(strncmp(ic.path, dir, strlen(dir)), 0);
    cr_assert_eq(stat(ic.path, &st), 0);
    cr_assert_eq(st.st_size, (off_t)sizeof(struct insn_count_file));
    cr_assert_eq(insn_loaded(&ic), 0);
    cr_assert_eq(insn_read(&ic), 0);
    insn_close(&ic);
    cr_assert_eq(stat(ic.path, &st), -1, "counter file not removed");
    cr_assert_eq(rmdir(dir), 0);
    free(dir);
}

Test(insn_counter, fake_plugin_writes_are_read)
{
    char *dir = make_temp_dir();
    struct insn_counter ic;
    struct insn_count_file *plugin;

    cr_assert_eq(insn_create(&ic, dir, NULL, 0), 0);
    plugin = map_as_plugin(ic.path);
    plugin->version = INSN_COUNT_VERSION;
    plugin->magic = INSN_COUNT_MAGIC;
    cr_assert_eq(insn_loaded(&ic), 1);
    plugin->insns = 1632620100ULL;
    cr_assert_eq(insn_read(&ic), 1632620100ULL);
    plugin->insns += 42;
    cr_assert_eq(insn_read(&ic), 1632620142ULL);
    munmap(plugin, sizeof(*plugin));
    insn_close(&ic);
    rmdir(dir);
    free(dir);
}

Test(insn_counter, fake_plugin_other_version_not_loaded)
{
    char *dir = make_temp_dir();
    struct insn_counter ic;
    struct insn_count_file *plugin;

    cr_assert_eq(insn_create(&ic, dir, NULL, 0), 0);
    plugin = map_as_plugin(ic.path);
    plugin->version = INSN_COUNT_VERSION + 1;
    plugin->magic = INSN_COUNT_MAGIC;
    cr_assert_eq(insn_loaded(&ic), 0);
    munmap(plugin, sizeof(*plugin));
    insn_close(&ic);
    rmdir(dir);
    free(dir);
}

Test(insn_counter, missing_dir_reports_path)
{
    struct insn_counter ic;
    char err[256] = "";

    cr_assert_eq(insn_create(&ic, "/nonexistent-ukb-dir", err, sizeof(err)),
                 -ENOENT);
    cr_assert_not_null(strstr(err, "insn: /nonexistent-ukb-dir/insn-count-"),
                       "%s", err);
    cr_assert_not_null(strstr(err, "mkostemp failed"), "%s", err);
}

Test(insn_plugin_arg, formats_qemu_argument)
{
    char *dir = make_temp_dir();
    struct insn_counter ic;
    char buf[PATH_MAX + 64], expected[PATH_MAX + 64];

    cr_assert_eq(insn_create(&ic, dir, NULL, 0), 0);
    cr_assert_eq(
        insn_plugin_arg(&ic, "/b/insn-count.so", "tb", buf, sizeof(buf)), 0);
    snprintf(expected, sizeof(expected), "/b/insn-count.so,out=%s,mode=tb",
             ic.path);
    cr_assert_str_eq(buf, expected);
    cr_assert_eq(insn_plugin_arg(&ic, "/b/p.so", "insn", buf, sizeof(buf)), 0);
    cr_assert_not_null(strstr(buf, ",mode=insn"));
    insn_close(&ic);
    rmdir(dir);
    free(dir);
}

Test(insn_plugin_arg, rejects_bad_input)
{
    char *dir = make_temp_dir();
    struct insn_counter ic;
    char buf[512], small[8];

    cr_assert_eq(insn_create(&ic, dir, NULL, 0), 0);
    cr_assert_eq(insn_plugin_arg(&ic, "/b/a,b.so", "tb", buf, sizeof(buf)),
                 -EINVAL);
    cr_assert_eq(insn_plugin_arg(&ic, "/b/p.so", "exact", buf, sizeof(buf)),
                 -EINVAL);
    cr_assert_eq(insn_plugin_arg(&ic, "/b/p.so", "tb", small, sizeof(small)),
                 -ENAMETOOLONG);
    insn_close(&ic);
    rmdir(dir);
    free(dir);
}
