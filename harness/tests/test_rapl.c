/*
 * Unit tests of rapl on fake sysfs trees built in a temporary directory:
 * counter wraparound, permission and absence, AMD without DRAM, zone
 * picking by name, the perf power PMU's description, and the real path of
 * this host.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rapl.h"

/* max_energy_range_uj of an Intel package zone, as read on real hosts. */
#define INTEL_RANGE_UJ 262143328850ULL

static void write_file(const char *path, const char *fmt, ...)
{
    FILE *f = fopen(path, "w");
    va_list ap;

    cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    cr_assert_eq(fclose(f), 0);
}

static void make_dirs(const char *path)
{
    char cmd[1024];

    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
    cr_assert_eq(system(cmd), 0, "%s", cmd);
}

static char *make_temp_root(void)
{
    char *root = strdup("/tmp/ukb-fake-sys-XXXXXX");

    cr_assert_not_null(root);
    cr_assert_not_null(mkdtemp(root));
    cr_assert_eq(chmod(root, 0755), 0);
    return root;
}

static void remove_tree(char *root)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
    free(root);
}

/* Creates ROOT/class/powercap/DIR with a zone's files. */
static void fake_zone(const char *root, const char *dir, const char *name,
                      unsigned long long energy_uj, unsigned long long range_uj)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/class/powercap/%s", root, dir);
    make_dirs(path);
    snprintf(path, sizeof(path), "%s/class/powercap/%s/name", root, dir);
    write_file(path, "%s\n", name);
    snprintf(path, sizeof(path), "%s/class/powercap/%s/energy_uj", root, dir);
    write_file(path, "%llu\n", energy_uj);
    snprintf(path, sizeof(path), "%s/class/powercap/%s/max_energy_range_uj",
             root, dir);
    write_file(path, "%llu\n", range_uj);
}

static void set_energy(const char *root, const char *dir,
                       unsigned long long energy_uj)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/class/powercap/%s/energy_uj", root, dir);
    write_file(path, "%llu\n", energy_uj);
}

Test(rapl_delta, h1_wrap_counts_both_sides)
{
    cr_assert_eq(rapl_delta_uj(INTEL_RANGE_UJ - 10, 5, INTEL_RANGE_UJ), 15);
}

Test(rapl_delta, no_wrap_is_difference)
{
    cr_assert_eq(rapl_delta_uj(100, 250, INTEL_RANGE_UJ), 150);
    cr_assert_eq(rapl_delta_uj(7, 7, INTEL_RANGE_UJ), 0);
}

Test(rapl_interval, half_the_wrap_time_capped)
{
    /* 262 kJ at 500 W wraps after 524 s: capped at 60 s. */
    cr_assert_float_eq(rapl_wrap_interval_s(INTEL_RANGE_UJ, 500), 60.0, 1e-9);
    /* 20 J at 500 W wraps after 40 ms: read every 20 ms. */
    cr_assert_float_eq(rapl_wrap_interval_s(20000000, 500), 0.02, 1e-9);
}

Test(rapl_fake, h1_wrap_in_phase_gives_15_uj)
{
    char *root = make_temp_root();
    struct rapl r;
    struct rapl_result res;
    char err[256] = "";

    fake_zone(root, "intel-rapl:0", "package-0", INTEL_RANGE_UJ - 10,
              INTEL_RANGE_UJ);
    cr_assert_eq(rapl_open(&r, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(r.source, RAPL_POWERCAP, "%s", r.reason);
    cr_assert_eq(rapl_start(&r, err, sizeof(err)), 0, "%s", err);
    set_energy(root, "intel-rapl:0", 5);
    cr_assert_eq(rapl_stop(&r, &res, err, sizeof(err)), 0, "%s", err);
    cr_assert_str_eq(res.method, "rapl-powercap");
    cr_assert_float_eq(res.pkg_j, 15e-6, 1e-15);
    rapl_close(&r);
    remove_tree(root);
}

Test(rapl_fake, h1_sums_past_32_bits_over_samples)
{
    char *root = make_temp_root();
    struct rapl r;
    struct rapl_result res;
    char err[256] = "";
    uint64_t expected;

    fake_zone(root, "intel-rapl:0", "package-0", INTEL_RANGE_UJ - 10,
              INTEL_RANGE_UJ);
    cr_assert_eq(rapl_open(&r, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(rapl_start(&r, err, sizeof(err)), 0, "%s", err);
    set_energy(root, "intel-rapl:0", 5); /* wrap: +15 */
    cr_assert_eq(rapl_sample(&r), 0);
    set_energy(root, "intel-rapl:0", INTEL_RANGE_UJ - 50); /* no wrap */
    cr_assert_eq(rapl_sample(&r), 0);
    set_energy(root, "intel-rapl:0", 100); /* wrap: +150 */
    cr_assert_eq(rapl_stop(&r, &res, err, sizeof(err)), 0, "%s", err);
    expected = 15 + (INTEL_RANGE_UJ - 55) + 150;
    cr_assert_gt(expected, 1ULL << 32);
    cr_assert_eq(r.zones[0].sum_uj, expected);
    cr_assert_float_eq(res.pkg_j, (double)expected / 1e6, 1e-6);
    rapl_close(&r);
    remove_tree(root);
}

/* energy_uj readable only by root; the check runs as an unprivileged user. */
Test(rapl_fake, h2_permission_denied_is_unavailable)
{
    char *root = make_temp_root();
    char path[1024];
    pid_t pid;
    int status;

    fake_zone(root, "intel-rapl:0", "package-0", 1000, INTEL_RANGE_UJ);
    snprintf(path, sizeof(path), "%s/class/powercap/intel-rapl:0/energy_uj",
             root);
    cr_assert_eq(chmod(path, 0400), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct rapl r;
        struct rapl_result res;
        char err[256] = "";

        /* root reads any file, so become "nobody" to get EACCES. */
        if (geteuid() == 0 && (setgid(65534) < 0 || setuid(65534) < 0))
            _exit(10);
        if (rapl_open(&r, root, err, sizeof(err)) != 0)
            _exit(11);
        if (r.source != RAPL_NONE)
            _exit(12);
        if (strstr(r.reason, "needs root or a udev rule") == NULL)
            _exit(13);
        if (rapl_start(&r, err, sizeof(err)) != 0 ||
            rapl_stop(&r, &res, err, sizeof(err)) != 0)
            _exit(14);
        if (strcmp(res.method, "unavailable") != 0 || res.pkg_j != 0)
            _exit(15);
        rapl_close(&r);
        _exit(0);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "child check %d failed",
                 WEXITSTATUS(status));
    remove_tree(root);
}

Test(rapl_fake, absent_rapl_differs_from_permission)
{
    char *root = make_temp_root();
    struct rapl r;
    char err[256] = "";

    cr_assert_eq(rapl_open(&r, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(r.source, RAPL_NONE);
    cr_assert_not_null(strstr(r.reason, "no RAPL"), "%s", r.reason);
    cr_assert_null(strstr(r.reason, "root"), "%s", r.reason);
    cr_assert_eq(r.has_dram, 0);
    rapl_close(&r);
    remove_tree(root);
}

/* AMD (Linux 5.8+): package zones under intel-rapl, no dram zone. */
Test(rapl_fake, h6_amd_package_without_dram)
{
    char *root = make_temp_root();
    struct rapl r;
    struct rapl_result res;
    char err[256] = "";

    fake_zone(root, "intel-rapl:0", "package-0", 1000, 65532610987ULL);
    fake_zone(root, "intel-rapl:0:0", "core", 500, 65532610987ULL);
    cr_assert_eq(rapl_open(&r, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(r.source, RAPL_POWERCAP);
    cr_assert_eq(r.nzones, 1);
    cr_assert_eq(r.has_dram, 0);
    cr_assert_not_null(strstr(r.dram_reason, "no powercap dram zone"), "%s",
                       r.dram_reason);
    cr_assert_eq(rapl_start(&r, err, sizeof(err)), 0, "%s", err);
    set_energy(root, "intel-rapl:0", 3001000);
    cr_assert_eq(rapl_stop(&r, &res, err, sizeof(err)), 0, "%s", err);
    cr_assert_float_eq(res.pkg_j, 3.0, 1e-12);
    cr_assert_eq(res.has_dram, 0);
    cr_assert_str_eq(res.dram_reason, r.dram_reason);
    rapl_close(&r);
    remove_tree(root);
}

/*
 * Two Intel packages with DRAM, a psys zone taking number 1, and an MMIO
 * duplicate of package 0: zones are picked by `name`, not by number.
 */
Test(rapl_fake, zones_picked_by_name)
{
    char *root = make_temp_root();
    struct rapl r;
    struct rapl_result res;
    char err[256] = "";
    int pkgs = 0, drams = 0;

    fake_zone(root, "intel-rapl:0", "package-0", 0, INTEL_RANGE_UJ);
    fake_zone(root, "intel-rapl:0:0", "core", 0, INTEL_RANGE_UJ);
    fake_zone(root, "intel-rapl:0:1", "dram", 0, INTEL_RANGE_UJ);
    fake_zone(root, "intel-rapl:1", "psys", 0, INTEL_RANGE_UJ);
    fake_zone(root, "intel-rapl:2", "package-1", 0, INTEL_RANGE_UJ);
    fake_zone(root, "intel-rapl:2:0", "dram", 0, INTEL_RANGE_UJ);
    fake_zone(root, "intel-rapl-mmio:0", "package-0", 0, INTEL_RANGE_UJ);
    cr_assert_eq(rapl_open(&r, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(r.source, RAPL_POWERCAP);
    cr_assert_eq(r.nzones, 4);
    for (size_t i = 0; i < r.nzones; i++) {
        pkgs += r.zones[i].domain == RAPL_PKG;
        drams += r.zones[i].domain == RAPL_DRAM;
        if (r.zones[i].domain == RAPL_PKG)
            cr_expect_eq(r.zones[i].package,
                         strstr(r.zones[i].path, "rapl:2") ? 1 : 0);
    }
    cr_assert_eq(pkgs, 2);
    cr_assert_eq(drams, 2);
    cr_assert_eq(r.has_dram, 1);

    cr_assert_eq(rapl_start(&r, err, sizeof(err)), 0, "%s", err);
    set_energy(root, "intel-rapl:0", 10000000);  /* 10 J */
    set_energy(root, "intel-rapl:2", 20000000);  /* 20 J */
    set_energy(root, "intel-rapl:0:1", 1000000); /* 1 J */
    set_energy(root, "intel-rapl:2:0", 2000000); /* 2 J */
    set_energy(root, "intel-rapl:1", 99000000);  /* psys: ignored */
    set_energy(root, "intel-rapl-mmio:0", 10000000);
    cr_assert_eq(rapl_stop(&r, &res, err, sizeof(err)), 0, "%s", err);
    cr_assert_float_eq(res.pkg_j, 30.0, 1e-9);
    cr_assert_eq(res.has_dram, 1);
    cr_assert_float_eq(res.dram_j, 3.0, 1e-9);
    rapl_close(&r);
    remove_tree(root);
}

Test(rapl_fake, phases_repeat_and_do_not_nest)
{
    char *root = make_temp_root();
    struct rapl r;
    struct rapl_result res;
    char err[256] = "";

    fake_zone(root, "intel-rapl:0", "package-0", 1000000, INTEL_RANGE_UJ);
    cr_assert_eq(rapl_open(&r, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(rapl_start(&r, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(rapl_start(&r, err, sizeof(err)), -EBUSY);
    set_energy(root, "intel-rapl:0", 3000000);
    cr_assert_eq(rapl_stop(&r, &res, err, sizeof(err)), 0, "%s", err);
    cr_assert_float_eq(res.pkg_j, 2.0, 1e-12);

    /* The second phase counts from its own start, not from open. */
    cr_assert_eq(rapl_start(&r, err, sizeof(err)), 0, "%s", err);
    set_energy(root, "intel-rapl:0", 3500000);
    cr_assert_eq(rapl_stop(&r, &res, err, sizeof(err)), 0, "%s", err);
    cr_assert_float_eq(res.pkg_j, 0.5, 1e-12);
    rapl_close(&r);
    remove_tree(root);
}

Test(rapl_fake, small_range_shortens_sampling)
{
    char *root = make_temp_root();
    char path[1024];
    struct rapl r;
    char err[256] = "";

    fake_zone(root, "intel-rapl:0", "package-0", 0, 20000000);
    /* A 400 W limit: assume 800 W, so 20 J wrap in 25 ms, read every 12.5. */
    snprintf(path, sizeof(path),
             "%s/class/powercap/intel-rapl:0/constraint_0_max_power_uw", root);
    write_file(path, "400000000\n");
    cr_assert_eq(rapl_open(&r, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_float_eq(r.sample_interval_s, 0.0125, 1e-9);
    rapl_close(&r);
    remove_tree(root);
}

Test(rapl_fake, garbled_counter_fails_phase)
{
    char *root = make_temp_root();
    char path[1024];
    struct rapl r;
    struct rapl_result res;
    char err[256] = "";

    fake_zone(root, "intel-rapl:0", "package-0", 100, INTEL_RANGE_UJ);
    cr_assert_eq(rapl_open(&r, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(rapl_start(&r, err, sizeof(err)), 0, "%s", err);
    snprintf(path, sizeof(path), "%s/class/powercap/intel-rapl:0/energy_uj",
             root);
    write_file(path, "garbage\n");
    cr_assert_eq(rapl_stop(&r, &res, err, sizeof(err)), -EINVAL);
    cr_assert_not_null(strstr(err, "reading energy_uj failed"), "%s", err);
    cr_assert_str_eq(res.method, "unavailable");
    cr_assert_eq(res.source, RAPL_NONE);
    rapl_close(&r);
    remove_tree(root);
}

/* Creates ROOT/bus/event_source/devices/power as on an Intel host. */
static void fake_power_pmu(const char *root, const char *cpumask)
{
    char dir[1024], path[1100];

    snprintf(dir, sizeof(dir), "%s/bus/event_source/devices/power/events",
             root);
    make_dirs(dir);
    snprintf(path, sizeof(path), "%s/energy-pkg", dir);
    write_file(path, "event=0x02\n");
    snprintf(path, sizeof(path), "%s/energy-pkg.scale", dir);
    write_file(path, "2.3283064365386962890625e-10\n");
    snprintf(path, sizeof(path), "%s/energy-pkg.unit", dir);
    write_file(path, "Joules\n");
    snprintf(path, sizeof(path), "%s/energy-ram", dir);
    write_file(path, "event=0x03\n");
    snprintf(path, sizeof(path), "%s/energy-ram.scale", dir);
    write_file(path, "6.103515625e-05\n");
    snprintf(dir, sizeof(dir), "%s/bus/event_source/devices/power", root);
    snprintf(path, sizeof(path), "%s/cpumask", dir);
    write_file(path, "%s\n", cpumask);
    /* No real PMU has this type, so the open fails on every host. */
    snprintf(path, sizeof(path), "%s/type", dir);
    write_file(path, "%d\n", 0x7ffffff0);
}

/*
 * h4: RAPL events count per package, so they are opened system-wide (pid
 * -1) on one CPU per package taken from the PMU's cpumask.
 */
Test(rapl_fake, h4_perf_power_one_cpu_per_package)
{
    char *root = make_temp_root();
    struct rapl r;
    char err[256] = "";

    fake_power_pmu(root, "0,8");
    cr_assert_eq(rapl_open(&r, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(r.perf.type, 0x7ffffff0);
    cr_assert_eq(r.perf.config_pkg, 2);
    cr_assert_eq(r.perf.has_dram, 1);
    cr_assert_eq(r.perf.config_dram, 3);
    cr_assert_float_eq(r.perf.scale_pkg, 2.3283064365386962890625e-10, 1e-24);
    cr_assert_eq(r.perf.ncpus, 2);
    cr_assert_eq(r.perf.cpus[0], 0);
    cr_assert_eq(r.perf.cpus[1], 8);
    /* The fake type does not exist in the kernel: unavailable, with why. */
    cr_assert_eq(r.source, RAPL_NONE);
    cr_assert_not_null(strstr(r.reason, "perf power PMU"), "%s", r.reason);
    rapl_close(&r);
    remove_tree(root);
}

Test(rapl_parse, cpumask_forms)
{
    int cpus[8];

    cr_assert_eq(rapl_parse_cpumask("0\n", cpus, 8), 1);
    cr_assert_eq(cpus[0], 0);
    cr_assert_eq(rapl_parse_cpumask("0,8", cpus, 8), 2);
    cr_assert_eq(cpus[1], 8);
    cr_assert_eq(rapl_parse_cpumask("0-2,5", cpus, 8), 4);
    cr_assert_eq(cpus[2], 2);
    cr_assert_eq(cpus[3], 5);
}

Test(rapl_parse, cpumask_rejects_bad_text)
{
    int cpus[2];

    cr_assert_eq(rapl_parse_cpumask("", cpus, 2), -EINVAL);
    cr_assert_eq(rapl_parse_cpumask("x", cpus, 2), -EINVAL);
    cr_assert_eq(rapl_parse_cpumask("3-1", cpus, 2), -EINVAL);
    cr_assert_eq(rapl_parse_cpumask("0-", cpus, 2), -EINVAL);
    cr_assert_eq(rapl_parse_cpumask("0-3", cpus, 2), -E2BIG);
}

Test(rapl_parse, event_config)
{
    uint64_t config = 0;

    cr_assert_eq(rapl_parse_event_config("event=0x02\n", &config), 0);
    cr_assert_eq(config, 2);
    cr_assert_eq(rapl_parse_event_config("event=0x03,umask=0x1", &config), 0);
    cr_assert_eq(config, 3);
    cr_assert_eq(rapl_parse_event_config("umask=0x1,event=0x04", &config), 0);
    cr_assert_eq(config, 4);
    cr_assert_eq(rapl_parse_event_config("config=1", &config), -EINVAL);
    cr_assert_eq(rapl_parse_event_config("xevent=1", &config), -EINVAL);
    cr_assert_eq(rapl_parse_event_config("event=", &config), -EINVAL);
}

/* This host: energy, or unavailable with a reason, never 0 J measured. */
Test(rapl_real, host_energy_or_unavailable)
{
    struct rapl r;
    struct rapl_result res;
    char err[256] = "";

    cr_assert_eq(rapl_open(&r, NULL, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(rapl_start(&r, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(rapl_stop(&r, &res, err, sizeof(err)), 0, "%s", err);
    if (r.source == RAPL_NONE) {
        cr_log_info("RAPL here: %s", r.reason);
        cr_assert_str_eq(res.method, "unavailable");
        cr_assert_neq(res.reason[0], '\0');
        cr_assert_eq(res.has_dram, 0);
    } else {
        cr_assert(strcmp(res.method, "rapl-powercap") == 0 ||
                  strcmp(res.method, "perf-power") == 0);
        cr_assert_geq(res.pkg_j, 0);
    }
    rapl_close(&r);
}
