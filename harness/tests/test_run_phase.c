/*
 * phase: the rows a measured phase becomes, checked column by column on
 * this test's own process (measured as a native system), with energy from
 * a fake powercap tree whose counter the test advances by 2 J.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../phase.h"

static char dir[] = "/tmp/ukb-phase-test-XXXXXX";

static void setup(void)
{
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        cr_log_warn("could not remove %s", dir);
}

TestSuite(phase_row, .init = setup, .fini = teardown, .timeout = 30);

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

static void init_context(struct run_context *rc)
{
    memset(rc, 0, sizeof(*rc));
    snprintf(rc->run_id, sizeof(rc->run_id), "test-run");
    snprintf(rc->host.cpu_model, sizeof(rc->host.cpu_model), "Test CPU");
    rc->host.cores = 2;
    snprintf(rc->host.kernel, sizeof(rc->host.kernel), "6.1.0-test");
    snprintf(rc->host.qemu_version, sizeof(rc->host.qemu_version), "QEMU");
    snprintf(rc->host.git_commit, sizeof(rc->host.git_commit), "abc1234");
    snprintf(rc->cal.figure, sizeof(rc->cal.figure), "forced: --accel tcg");
    snprintf(rc->placement, sizeof(rc->placement), "none");
    rc->accel = QEMU_ACCEL_TCG;
    rc->workload = "dns";
    snprintf(rc->csv_path, sizeof(rc->csv_path), "%s/rows.csv", dir);
}

/* This test's own process is measured as a native server. */
static void init_target(struct target *t)
{
    memset(t, 0, sizeof(*t));
    t->kind = SYSTEM_LINUX_NATIVE;
    t->sys.pid = getpid();
    t->sys.ready_fd = -1;
    t->sys.cfg.kind = SYSTEM_LINUX_NATIVE;
    snprintf(t->sys.image, sizeof(t->sys.image), "/bin/sh");
}

static void burn_cpu(double seconds)
{
    double end = system_now() + seconds;
    volatile unsigned long x = 0;

    while (system_now() < end)
        x++;
}

/* Reads row n (1-based) of the CSV into a header-keyed lookup. */
struct row {
    char header[4096];
    char line[8192];
    char *names[128];
    char *values[128];
    int n;
};

static void read_row(struct row *r, int n)
{
    char path[256];
    FILE *f;
    char *save;
    char *tok;

    memset(r, 0, sizeof(*r));
    snprintf(path, sizeof(path), "%s/rows.csv", dir);
    f = fopen(path, "r");
    cr_assert_not_null(f);
    cr_assert_not_null(fgets(r->header, sizeof(r->header), f));
    for (int i = 0; i < n; i++)
        cr_assert_not_null(fgets(r->line, sizeof(r->line), f), "row %d", n);
    fclose(f);
    r->header[strcspn(r->header, "\n")] = '\0';
    r->line[strcspn(r->line, "\n")] = '\0';
    for (tok = strtok_r(r->header, ",", &save); tok && r->n < 128;
         tok = strtok_r(NULL, ",", &save))
        r->names[r->n++] = tok;
    /* No field here contains a comma or quote, so a plain split is exact. */
    tok = r->line;
    for (int i = 0; i < r->n; i++) {
        char *comma = strchr(tok, ',');

        r->values[i] = tok;
        if (comma) {
            *comma = '\0';
            tok = comma + 1;
        } else {
            tok += strlen(tok);
        }
    }
}

static const char *col(const struct row *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->names[i], name) == 0)
            return r->values[i];
    cr_assert_fail("no column %s", name);
    return NULL;
}

Test(phase_row, native_paper_row_complete)
{
    struct run_context rc;
    struct target t;
    struct phase p;
    struct phase_traffic tr = {0};
    uint32_t lat[4] = {40, 10, 30, 20};
    struct row r;

    init_context(&rc);
    init_target(&t);
    phase_begin(&rc, &t, &p);
    burn_cpu(0.1);
    tr.has_traffic = 1;
    tr.queries = 5;
    tr.answered = 4;
    tr.lost = 1;
    tr.lat_us = lat;
    tr.nlat = 4;
    tr.lat_method = "harness-client";
    cr_assert_eq(phase_end(&rc, &t, &p, "paper", 3, &tr, NULL), 0);

    read_row(&r, 1);
    cr_expect_str_eq(col(&r, "system"), "linux-native");
    cr_expect_str_eq(col(&r, "mode"), "paper");
    cr_expect_str_eq(col(&r, "rep"), "3");
    cr_expect_str_eq(col(&r, "status"), "ok");
    cr_expect_str_eq(col(&r, "failure"), "");
    cr_expect_str_eq(col(&r, "accel"), "");
    cr_expect_str_eq(col(&r, "queries"), "5");
    cr_expect_str_eq(col(&r, "answered"), "4");
    cr_expect_str_eq(col(&r, "lost"), "1");
    /* Nanoseconds from schedstat where the kernel has it, else ticks. */
    cr_expect_str_eq(col(&r, "cpu_method"),
                     access("/proc/thread-self/schedstat", F_OK) == 0
                         ? "schedstat"
                         : "procstat");
    /* 0.1 s of busy loop is at least a few 10 ms ticks. */
    cr_expect_gt(atof(col(&r, "cpu_total_s")), 0.0);
    cr_expect_str_eq(col(&r, "cpu_host_s"), col(&r, "cpu_total_s"));
    /* A native process runs no guest: its guest_time is a measured 0. */
    cr_expect_str_eq(col(&r, "cpu_guest_method"), "procstat");
    cr_expect_str_eq(col(&r, "cpu_guest_s"), "0.000");
    cr_expect_str_eq(col(&r, "cpu_thread_method"), "unavailable");
    cr_expect_str_eq(col(&r, "cpu_vcpu_s"), "");
    cr_expect_str_eq(col(&r, "guest_insn_method"), "unavailable");
    cr_expect_str_eq(col(&r, "guest_insn"), "");
    cr_expect_str_eq(col(&r, "lat_method"), "harness-client");
    /* Nearest rank of {10,20,30,40}: p50 is rank 2, p99 and max rank 4. */
    cr_expect_str_eq(col(&r, "lat_p50_us"), "20");
    cr_expect_str_eq(col(&r, "lat_p99_us"), "40");
    cr_expect_str_eq(col(&r, "lat_max_us"), "40");
    cr_expect_str_eq(col(&r, "energy_method"), "unavailable");
    cr_expect_str_eq(col(&r, "energy_pkg_j"), "");
    cr_expect_str_eq(col(&r, "kvm_exits_method"), "unavailable");
    cr_expect_str_eq(col(&r, "kvm_exits"), "");
    cr_expect_str_eq(col(&r, "mem_method"), "vmhwm");
    cr_expect_gt(atol(col(&r, "rss_peak_kb")), 0);
    cr_expect_str_eq(col(&r, "rss_empty_qemu_kb"), "");
    cr_expect_neq(atol(col(&r, "image_bytes")), 0);
}

Test(phase_row, fake_rapl_energy_attributed)
{
    struct run_context rc;
    struct target t;
    struct phase p;
    char root[256], zone[512], path[600], err[256];
    struct row r;
    double attr, wall;

    init_context(&rc);
    init_target(&t);
    snprintf(root, sizeof(root), "%s/sys", dir);
    snprintf(zone, sizeof(zone), "%s/class/powercap/intel-rapl:0", root);
    snprintf(path, sizeof(path), "mkdir -p %s", zone);
    cr_assert_eq(system(path), 0);
    snprintf(path, sizeof(path), "%s/name", zone);
    write_file(path, "package-0\n");
    snprintf(path, sizeof(path), "%s/max_energy_range_uj", zone);
    write_file(path, "262143328850\n");
    snprintf(path, sizeof(path), "%s/energy_uj", zone);
    write_file(path, "1000000\n");
    cr_assert_eq(rapl_open(&rc.rapl, root, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(rc.rapl.source, RAPL_POWERCAP, "%s", rc.rapl.reason);
    rc.rapl_open = 1;

    phase_begin(&rc, &t, &p);
    write_file(path, "3000000\n"); /* 2 J more */
    burn_cpu(0.1);
    cr_assert_eq(phase_end(&rc, &t, &p, "idle", 1, NULL, NULL), 0);
    rapl_close(&rc.rapl);

    read_row(&r, 1);
    cr_expect_str_eq(col(&r, "energy_method"), "rapl-powercap");
    cr_expect_str_eq(col(&r, "energy_pkg_j"), "2.000");
    /* An AMD-like tree: no DRAM zone, so no DRAM figure. */
    cr_expect_str_eq(col(&r, "energy_dram_j"), "");
    /* The process's share of all busy CPU time: above 0, at most all. */
    attr = atof(col(&r, "energy_attr_j"));
    cr_expect_gt(attr, 0.0);
    cr_expect_leq(attr, 2.0);
    /*
     * The idle phase sets the idle power: 2 J over the phase's wall time,
     * which the row rounds to 1 ms (2% of a 0.1 s phase at most).
     */
    wall = atof(col(&r, "wall_s"));
    cr_assert_gt(wall, 0.0);
    cr_expect_float_eq(atof(col(&r, "energy_idle_w")), 2.0 / wall,
                       0.02 * 2.0 / wall);
    cr_expect_gt(atof(col(&r, "energy_idle_w")), 0.0);
}

Test(phase_row, failed_row_every_method_unavailable)
{
    static const char *const methods[] = {
        "cpu_method",    "cpu_guest_method",  "cpu_thread_method",
        "cycles_method", "guest_insn_method", "lat_method",
        "energy_method", "kvm_exits_method",  "mem_method",
    };
    struct run_context rc;
    struct target t;
    struct row r;

    init_context(&rc);
    init_target(&t);
    t.kind = SYSTEM_UNIKERNEL;
    t.sys.cfg.kind = SYSTEM_UNIKERNEL;
    cr_assert_eq(phase_failed_row(&rc, &t, "boot", 1,
                                  "system: unikernel: exited before "
                                  "signalling ready"),
                 0);
    read_row(&r, 1);
    cr_expect_str_eq(col(&r, "status"), "failed");
    cr_expect_str_eq(col(&r, "failure"),
                     "system: unikernel: exited before signalling ready");
    cr_expect_str_eq(col(&r, "accel"), "tcg");
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++)
        cr_expect_str_eq(col(&r, methods[i]), "unavailable", "%s", methods[i]);
    cr_expect_str_eq(col(&r, "cpu_total_s"), "");
    cr_expect_str_eq(col(&r, "rss_peak_kb"), "");
    cr_expect_eq(rc.failed_rows, 1);
}
