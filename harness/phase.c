/*
 * Measured phases and their rows. Each metric group gets its method
 * column; a metric that could not be measured is an empty field with the
 * method "unavailable", never 0.
 */
#define _GNU_SOURCE
#include "phase.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loadgen.h"

/*
 * How long a CPU reading waits for the system's running threads to stop,
 * so that the work of a phase's last query is counted in that phase and
 * not the next (see procstat_read_settled). Handling one query takes tens
 * of microseconds. A thread still running after this wait, a busy vCPU for
 * instance, is read up to one scheduler tick (1/CONFIG_HZ) behind.
 */
#define CPU_SETTLE_US 20000

/* Sum of the non-idle ticks of all CPUs from /proc/stat, or 0. */
static uint64_t host_busy_ticks(void)
{
    unsigned long long v[8] = {0};
    FILE *f = fopen("/proc/stat", "r");
    int n;

    if (!f)
        return 0;
    /* cpu user nice system idle iowait irq softirq steal */
    n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1],
               &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n != 8)
        return 0;
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
}

static void set(struct csv_row *row, const char *col, const char *v)
{
    if (csv_row_set(row, col, v) == -ENOENT) {
        fprintf(stderr, "run: column %s missing from the CSV header\n", col);
        abort();
    }
}

static void set_u64(struct csv_row *row, const char *col, uint64_t v)
{
    csv_row_set_u64(row, col, v);
}

static void set_d(struct csv_row *row, const char *col, double v, int dec)
{
    if (csv_row_set_double(row, col, v, dec) < 0)
        set(row, col, NULL);
}

/* Marks every metric group unavailable; measured groups overwrite it. */
static void all_unavailable(struct csv_row *row)
{
    static const char *const groups[][6] = {
        {"cpu_method", "cpu_total_s"},
        {"cpu_guest_method", "cpu_guest_s", "cpu_host_s"},
        {"cpu_thread_method", "cpu_vcpu_s", "cpu_io_s"},
        {"cycles_method", "cycles", "host_instructions"},
        {"guest_insn_method", "guest_insn"},
        {"lat_method", "lat_p50_us", "lat_p99_us", "lat_max_us"},
        {"energy_method", "energy_pkg_j", "energy_dram_j", "energy_idle_w",
         "energy_attr_j"},
        {"kvm_exits_method", "kvm_exits"},
        {"mem_method", "rss_peak_kb", "rss_empty_qemu_kb",
         "rss_empty_qemu_spread_kb"},
    };

    for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
        set(row, groups[g][0], "unavailable");
        for (size_t i = 1; i < 6 && groups[g][i]; i++)
            set(row, groups[g][i], NULL);
    }
}

static void utc_now(char *buf, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int is_qemu_kind(enum system_kind k)
{
    return k != SYSTEM_LINUX_NATIVE;
}

/* The columns that describe the run, the host and the system. */
static void fill_context(const struct run_context *rc, const struct target *t,
                         struct csv_row *row, const char *mode, int rep)
{
    char now[32];
    uint64_t image;

    utc_now(now, sizeof(now));
    set(row, "run_id", rc->run_id);
    set(row, "time", now);
    set(row, "git_commit", rc->host.git_commit);
    set(row, "host_cpu", rc->host.cpu_model);
    set_u64(row, "host_cores", (uint64_t)rc->host.cores);
    set(row, "host_kernel", rc->host.kernel);
    set(row, "qemu_version", rc->host.qemu_version);
    set(row, "system", system_kind_name(t->kind));
    set(row, "workload", rc->workload);
    set(row, "mode", mode);
    set_u64(row, "rep", (uint64_t)rep);
    set(row, "placement", rc->placement);
    if (t->kind == SYSTEM_LINUX_GUEST)
        set(row, "guest_kernel", rc->guest_kernel);
    if (is_qemu_kind(t->kind)) {
        set(row, "accel", qemu_accel_name(rc->accel));
        set(row, "accel_calibration", rc->cal.figure);
        set(row, "machine", qemu_machine_name(rc->machine));
        set(row, "net", qemu_net_name(rc->net));
    } else {
        set(row, "net", "loopback");
    }
    if (t->min_mem_mb)
        set_u64(row, "min_mem_mb", t->min_mem_mb);
    image = system_image_bytes(&t->sys);
    if (image)
        set_u64(row, "image_bytes", image);
}

static int append(struct run_context *rc, struct csv_row *row, int failed)
{
    char err[512];

    if (csv_append(rc->csv_path, row, err, sizeof(err)) < 0) {
        fprintf(stderr, "run: %s\n", err);
        return -1;
    }
    rc->rows++;
    rc->failed_rows += failed;
    return 0;
}

static uint64_t kvm_exits(struct target *t, int *ok)
{
    char err[256];
    struct qmp *q = qmp_connect(t->sys.qmp_path, err, sizeof(err));
    uint64_t exits = 0;

    *ok = 0;
    if (!q)
        return 0;
    *ok = qmp_kvm_exits(q, &exits, err, sizeof(err)) == 0;
    qmp_close(q);
    return exits;
}

void phase_begin(struct run_context *rc, struct target *t, struct phase *p)
{
    char err[256];

    memset(p, 0, sizeof(*p));
    p->before = malloc(sizeof(*p->before));
    if (p->before && t->sys.pid > 0)
        p->have_before =
            procstat_read_settled(NULL, t->sys.pid, CPU_SETTLE_US, p->before,
                                  err, sizeof(err)) == 0;
    if (t->counting)
        p->insn0 = insn_read(&t->ic);
    if (is_qemu_kind(t->kind) && rc->accel == QEMU_ACCEL_KVM)
        p->kvm0 = kvm_exits(t, &p->kvm_ok);
    if (rc->rapl_open && rc->rapl.source != RAPL_NONE)
        p->rapl_on = rapl_start(&rc->rapl, err, sizeof(err)) == 0;
    if (t->pc_open)
        perfctr_enable(&t->pc);
    p->busy0 = host_busy_ticks();
    p->t0 = system_now();
}

/*
 * CPU columns from the two procstat snapshots; returns total CPU s. Total,
 * vCPU and other threads all come from one per-thread source (schedstat
 * ns, or ticks where the kernel lacks it), so total = vcpu + io; see
 * procstat_diff for threads that exit during the phase.
 */
static double fill_cpu(struct run_context *rc, struct target *t,
                       struct phase *p, struct csv_row *row)
{
    struct procstat_snapshot *after = malloc(sizeof(*after));
    struct procstat_delta d;
    char err[256];

    if (!after || !p->have_before ||
        procstat_read_settled(NULL, t->sys.pid, CPU_SETTLE_US, after, err,
                              sizeof(err)) < 0) {
        free(after);
        return -1;
    }
    /* Every thread started at 0: list them so the vCPU is matched. */
    if (p->from_start)
        procstat_zero_like(p->before, after);
    procstat_diff(p->before, after, &d);
    free(after);
    p->cpu = d;
    p->have_cpu = 1;
    set(row, "cpu_method", d.method);
    set_d(row, "cpu_total_s", d.total_s, 6);
    /*
     * guest_time counts only time in KVM's guest mode: under TCG it is
     * always 0 although the guest runs, so the guest/host split is
     * unavailable there and the vCPU/other-thread split replaces it. A
     * native process has no guest: its guest_time is a measured 0. It
     * exists in ticks only, hence 3 decimals.
     */
    if (!is_qemu_kind(t->kind) || rc->accel == QEMU_ACCEL_KVM) {
        set(row, "cpu_guest_method", "procstat");
        set_d(row, "cpu_guest_s", d.guest_s, 3);
        set_d(row, "cpu_host_s", d.host_s, 6);
    }
    if (d.has_vcpu) {
        set(row, "cpu_thread_method", d.method);
        set_d(row, "cpu_vcpu_s", d.vcpu_s, 6);
        set_d(row, "cpu_io_s", d.io_s, 6);
    }
    return d.total_s;
}

static void fill_latency(struct csv_row *row, const struct phase_traffic *tr)
{
    if (!tr || !tr->lat_us || tr->nlat == 0)
        return;
    set(row, "lat_method", tr->lat_method);
    set_u64(row, "lat_p50_us", loadgen_percentile(tr->lat_us, tr->nlat, 50));
    set_u64(row, "lat_p99_us", loadgen_percentile(tr->lat_us, tr->nlat, 99));
    set_u64(row, "lat_max_us", loadgen_percentile(tr->lat_us, tr->nlat, 100));
}

static void fill_energy(struct run_context *rc, struct target *t,
                        struct phase *p, struct csv_row *row, double cpu_s,
                        const char *mode, double wall_s)
{
    struct rapl_result res;
    char err[256];
    uint64_t busy = host_busy_ticks() - p->busy0;
    double busy_s = procstat_ticks_to_s(busy);

    if (!p->rapl_on || rapl_stop(&rc->rapl, &res, err, sizeof(err)) < 0 ||
        res.source == RAPL_NONE)
        return;
    set(row, "energy_method", res.method);
    set_d(row, "energy_pkg_j", res.pkg_j, 3);
    if (res.has_dram)
        set_d(row, "energy_dram_j", res.dram_j, 3);
    /* Package energy shared out by the server's part of all busy CPU. */
    if (cpu_s >= 0 && busy_s > 0)
        set_d(row, "energy_attr_j",
              res.pkg_j * (cpu_s < busy_s ? cpu_s / busy_s : 1.0), 3);
    if (strcmp(mode, "idle") == 0 && wall_s > 0)
        t->idle_w = res.pkg_j / wall_s;
    if (t->idle_w > 0)
        set_d(row, "energy_idle_w", t->idle_w, 3);
}

int phase_measure(struct run_context *rc, struct target *t, struct phase *p,
                  const char *mode, int rep, const struct phase_traffic *tr)
{
    struct csv_row *row = &p->row;
    struct procstat_mem mem;
    struct perfctr_result pr;
    double wall = system_now() - p->t0;
    char err[256];
    double cpu_s;

    if (t->pc_open)
        perfctr_disable(&t->pc);
    if (csv_row_init(row) < 0)
        return -1;
    p->measured = 1;
    fill_context(rc, t, row, mode, rep);
    all_unavailable(row);
    set_d(row, "wall_s", wall, 3);

    cpu_s = fill_cpu(rc, t, p, row);
    if (t->counting && insn_loaded(&t->ic)) {
        set(row, "guest_insn_method", "tcg-plugin");
        set_u64(row, "guest_insn", insn_read(&t->ic) - p->insn0);
    }
    if (t->pc_open && perfctr_read(&t->pc, &pr, err, sizeof(err)) == 0 &&
        pr.available) {
        set(row, "cycles_method", "perf");
        set_u64(row, "cycles", pr.cycles);
        set_u64(row, "host_instructions", pr.instructions);
    }
    if (p->kvm_ok) {
        int ok;
        uint64_t exits = kvm_exits(t, &ok);

        if (ok) {
            set(row, "kvm_exits_method", "qmp-query-stats");
            set_u64(row, "kvm_exits", exits - p->kvm0);
        }
    }
    fill_energy(rc, t, p, row, cpu_s, mode, wall);
    if (procstat_read_mem(NULL, t->sys.pid, &mem, err, sizeof(err)) == 0) {
        set(row, "mem_method", "vmhwm");
        set_u64(row, "rss_peak_kb", mem.vm_hwm_kb);
        if (mem.vm_hwm_kb > t->rss_peak_kb)
            t->rss_peak_kb = mem.vm_hwm_kb;
        if (is_qemu_kind(t->kind) && rc->rss_empty_kb) {
            set_u64(row, "rss_empty_qemu_kb", rc->rss_empty_kb);
            set_u64(row, "rss_empty_qemu_spread_kb", rc->rss_empty_spread_kb);
        }
    }
    if (strcmp(mode, "boot") == 0)
        set_d(row, "boot_ready_s", t->sys.boot_s, 4);

    if (tr && tr->has_traffic) {
        if (tr->offered_qps > 0)
            set_d(row, "offered_qps", tr->offered_qps, 1);
        set_u64(row, "queries", tr->queries);
        set_u64(row, "answered", tr->answered);
        set_u64(row, "lost", tr->lost);
        double window = tr->active_s > 0 ? tr->active_s : wall;

        if (window > 0)
            set_d(row, "achieved_qps", (double)tr->answered / window, 1);
        fill_latency(row, tr);
    }
    return 0;
}

int phase_write(struct run_context *rc, struct target *t, struct phase *p,
                const char *failure)
{
    int rc_append = -1;

    if (p->measured) {
        set(&p->row, "status", failure ? "failed" : "ok");
        if (failure) {
            char buf[2048];
            char tail[1024];

            system_log_tail(&t->sys, 5, tail, sizeof(tail));
            snprintf(buf, sizeof(buf), "%s; last output: %s", failure, tail);
            set(&p->row, "failure", buf);
        }
        rc_append = append(rc, &p->row, failure != NULL);
        csv_row_free(&p->row);
        p->measured = 0;
    }
    free(p->before);
    p->before = NULL;
    return rc_append;
}

int phase_end(struct run_context *rc, struct target *t, struct phase *p,
              const char *mode, int rep, const struct phase_traffic *tr,
              const char *failure)
{
    phase_measure(rc, t, p, mode, rep, tr);
    return phase_write(rc, t, p, failure);
}

int phase_failed_row(struct run_context *rc, struct target *t, const char *mode,
                     int rep, const char *failure)
{
    struct csv_row row;
    int r;

    if (csv_row_init(&row) < 0)
        return -1;
    fill_context(rc, t, &row, mode, rep);
    all_unavailable(&row);
    set(&row, "status", "failed");
    set(&row, "failure", failure);
    r = append(rc, &row, 1);
    csv_row_free(&row);
    return r;
}

static int pin(pid_t tid, int cpu, char *err, size_t errlen)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(tid, sizeof(set), &set) < 0) {
        snprintf(err, errlen,
                 "run: thread %d: sched_setaffinity(CPU %d) "
                 "failed: %s",
                 (int)tid, cpu, strerror(errno));
        return -1;
    }
    return 0;
}

int phase_pin_target(const struct run_context *rc, const struct target *t,
                     char *err, size_t errlen)
{
    struct procstat_snapshot *s;
    int rc_pin = 0;

    if (rc->pin_vcpu < 0)
        return 0;
    s = malloc(sizeof(*s));
    if (!s || procstat_read(NULL, t->sys.pid, s, err, errlen) < 0) {
        free(s);
        return -1;
    }
    for (size_t i = 0; i < s->nthreads && rc_pin == 0; i++) {
        /* QEMU names its vCPU threads "CPU N/TCG" or "CPU N/KVM". */
        int vcpu = strncmp(s->threads[i].name, "CPU ", 4) == 0 ||
                   !is_qemu_kind(t->kind);

        rc_pin = pin(s->threads[i].tid, vcpu ? rc->pin_vcpu : rc->pin_io, err,
                     errlen);
    }
    free(s);
    return rc_pin;
}
