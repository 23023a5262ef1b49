/*
 * system and qmp against a real QEMU (TCG): the generated empty guest
 * boots to its ready byte, answers QMP and quits; the loop guest exits
 * through isa-debug-exit with status 33; a QEMU that exits at start-up
 * and a missing image are reported.
 * QEMU's "exits" statistic is parsed from a query-stats reply shaped as
 * the QMP schema of QEMU 7.2 describes (StatsResult).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../include/bench_abi.h"
#include "../calibrate.h"
#include "../qmp.h"
#include "../system.h"

static char work_dir[] = "/tmp/ukb-system-test-XXXXXX";

static void make_work_dir(void)
{
    cr_assert_not_null(mkdtemp(work_dir));
}

static void remove_work_dir(void)
{
    char cmd[128];

    /* Only files this test made: the image, logs and the QMP socket. */
    snprintf(cmd, sizeof(cmd), "rm -rf %s", work_dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", work_dir);
}

TestSuite(system_qemu, .init = make_work_dir, .fini = remove_work_dir,
          .timeout = 60);

static void empty_config(struct system_config *cfg, uint32_t loops)
{
    system_config_init(cfg);
    cfg->kind = SYSTEM_EMPTY_QEMU;
    cfg->work_dir = work_dir;
    cfg->empty_loops = loops;
    cfg->mem_mb = 16;
    cfg->timeout_s = 30;
}

Test(system_qemu, empty_guest_ready_qmp_quit)
{
    struct system_config cfg;
    struct system s;
    struct qmp *q;
    char err[2048], state[32], counters[64];
    int status = -1;

    empty_config(&cfg, 0);
    cr_assert_eq(system_start(&s, &cfg, err, sizeof(err)), 0, "%s", err);
    cr_expect_gt(s.boot_s, 0);
    cr_expect(system_alive(&s));

    q = qmp_connect(s.qmp_path, err, sizeof(err));
    cr_assert_not_null(q, "%s", err);
    cr_expect_eq(qmp_status(q, state, sizeof(state), err, sizeof(err)), 0, "%s",
                 err);
    cr_expect_str_eq(state, "running");
    qmp_close(q);

    cr_expect_eq(system_stop(&s, 10, &status, counters, sizeof(counters), err,
                             sizeof(err)),
                 0, "%s", err);
    cr_expect_eq(status, 0);
    cr_expect_str_eq(counters, "");
}

Test(system_qemu, loop_guest_exits_with_ok_status)
{
    struct system_config cfg;
    struct system s;
    char err[2048];

    empty_config(&cfg, 1000);
    cr_assert_eq(system_start(&s, &cfg, err, sizeof(err)), 0, "%s", err);
    cr_assert(system_wait(&s, 20), "loop guest still running");
    cr_expect(WIFEXITED(s.wait_status));
    cr_expect_eq(WEXITSTATUS(s.wait_status), BENCH_EXIT_STATUS(BENCH_EXIT_OK));
    system_kill(&s);
}

Test(system_qemu, early_exit_gives_status_and_stderr)
{
    struct system_config cfg;
    struct system s;
    char err[2048];

    empty_config(&cfg, 0);
    cfg.cpu = "no-such-cpu-model";
    cr_assert_eq(system_start(&s, &cfg, err, sizeof(err)), -1);
    cr_expect(strstr(err, "exited before signalling ready (QEMU exit status "
                          "1: QEMU error)") != NULL,
              "message: %s", err);
    cr_expect(strstr(err, "no-such-cpu-model") != NULL, "message: %s", err);
}

Test(system_qemu, missing_image_reported)
{
    struct system_config cfg;
    struct system s;
    char err[2048];

    system_config_init(&cfg);
    cfg.kind = SYSTEM_UNIKERNEL;
    cfg.build_dir = "/nonexistent-build";
    cfg.work_dir = work_dir;
    cr_assert_eq(system_start(&s, &cfg, err, sizeof(err)), -1);
    cr_expect(strstr(err, "/nonexistent-build/unikernel/dns.elf") != NULL,
              "message: %s", err);
    cr_expect(strstr(err, "make") != NULL, "message: %s", err);
}

Test(qmp_stats, kvm_exits_summed_over_vcpus)
{
    const char *reply =
        "[{\"provider\": \"kvm\", \"qom-path\": "
        "\"/machine/unattached/device[0]\", \"stats\": [{\"name\": "
        "\"exits\", \"value\": 1200}, {\"name\": \"halt_exits\", "
        "\"value\": 7}]}, {\"provider\": \"kvm\", \"qom-path\": "
        "\"/machine/unattached/device[1]\", \"stats\": [{\"name\": "
        "\"exits\", \"value\": 34}]}]";
    json_error_t jerr;
    json_t *ret = json_loads(reply, 0, &jerr);
    uint64_t exits = 0;

    cr_assert_not_null(ret, "%s", jerr.text);
    cr_expect_eq(qmp_parse_kvm_exits(ret, &exits), 0);
    cr_expect_eq(exits, 1234);
    json_decref(ret);
}

Test(qmp_stats, reply_without_exits_rejected)
{
    json_t *empty = json_array();
    json_t *obj = json_object();
    uint64_t exits = 99;

    cr_expect_eq(qmp_parse_kvm_exits(empty, &exits), -1);
    cr_expect_eq(qmp_parse_kvm_exits(obj, &exits), -1);
    json_decref(empty);
    json_decref(obj);
}

/*
 * --accel auto reuses a calibration cached on the same host boot for the
 * same QEMU binary, and ignores one from another boot.
 */
Test(system_qemu, calibration_cache_same_boot_only)
{
    struct common_options c;
    struct calibration cal;
    char path[512], boot_id[64];
    FILE *f;

    f = fopen("/proc/sys/kernel/random/boot_id", "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(boot_id, sizeof(boot_id), f));
    fclose(f);
    boot_id[strcspn(boot_id, "\n")] = '\0';

    memset(&c, 0, sizeof(c));
    c.accel = ACCEL_AUTO;
    c.build_dir = work_dir;
    c.machine = QEMU_MACHINE_PC;
    c.mem_mb = 16;
    c.timeout_s = 30;
    snprintf(path, sizeof(path), "%s/harness", work_dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/harness/kvm-calibration.txt", work_dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "%s qemu-system-x86_64 kvm max,-arch-capabilities|auto: "
            "kvm-loop/native=0.9500|\n",
            boot_id);
    fclose(f);

    calibrate_resolve(&cal, &c, work_dir);
    cr_expect_eq(cal.chosen, QEMU_ACCEL_KVM);
    cr_expect_str_eq(cal.cpu, "max,-arch-capabilities");
    cr_expect_str_eq(cal.figure, "auto: kvm-loop/native=0.9500 (cached)");

    /* A cache written on another boot is measured again (and replaced). */
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f, "00000000-another-boot qemu-system-x86_64 kvm max|forged|\n");
    fclose(f);
    calibrate_resolve(&cal, &c, work_dir);
    cr_expect(strstr(cal.figure, "forged") == NULL, "figure: %s", cal.figure);
    cr_expect(strstr(cal.figure, "(cached)") == NULL, "figure: %s", cal.figure);
}

Test(system_qemu, forced_accel_skips_calibration)
{
    struct common_options c;
    struct calibration cal;

    memset(&c, 0, sizeof(c));
    c.accel = ACCEL_TCG;
    c.build_dir = work_dir;
    calibrate_resolve(&cal, &c, work_dir);
    cr_expect_eq(cal.chosen, QEMU_ACCEL_TCG);
    cr_expect_str_eq(cal.figure, "forced: --accel tcg");
    cr_expect_str_eq(cal.cpu, "max");
}

Test(system_qemu, inconclusive_calibration_not_cached)
{
    struct common_options c;
    struct calibration cal;
    char path[512];

    memset(&c, 0, sizeof(c));
    c.build_dir = work_dir;
    snprintf(path, sizeof(path), "%s/harness", work_dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/harness/kvm-calibration.txt", work_dir);

    /* A calibration guest that failed to start says nothing about KVM. */
    memset(&cal, 0, sizeof(cal));
    snprintf(cal.figure, sizeof(cal.figure), "auto: kvm guest failed to run");
    calibrate_save(&cal, &c);
    cr_expect_neq(access(path, F_OK), 0, "inconclusive result was cached");

    cal.conclusive = 1;
    snprintf(cal.figure, sizeof(cal.figure), "auto: kvm-loop/native<0.03");
    calibrate_save(&cal, &c);
    cr_expect_eq(access(path, F_OK), 0, "conclusive result was not cached");
}

Test(system_qemu, check_names_missing_qemu)
{
    struct system_config cfg;
    char err[512] = "";

    empty_config(&cfg, 1);
    cfg.qemu = "/nonexistent/qemu-system-x86_64";
    cr_assert_eq(system_check(&cfg, err, sizeof(err)), -1);
    cr_expect(strstr(err, "/nonexistent/qemu-system-x86_64") != NULL, "err: %s",
              err);
    cr_expect(strstr(err, "--qemu") != NULL, "err: %s", err);

    cfg.qemu = NULL; /* the default, found in $PATH */
    cr_expect_eq(system_check(&cfg, err, sizeof(err)), 0, "err: %s", err);
}
