/*
 * Unit tests of procstat: stat and status parsing on recorded lines, and
 * the readers on fake /proc trees built in a temporary directory.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procstat.h"

/* Recorded from qemu-system-x86_64 7.2 (-M microvm -accel tcg -S). */
static const char qemu_stat[] =
    "10281 (qemu-system-x86) S 10279 10279 5943 0 -1 138412416 4097 0 5 0 0 "
    "4 0 0 20 0 3 0 55740 1309511680 9252 18446744073709551615 "
    "94111199940608 94111205801045 140730725353488 0 0 0 268444224 4100 "
    "16451 0 0 0 17 0 0 0 0 0 0 94111208913144 94111214117296 "
    "94111220236288 140730725362210 140730725362302 140730725362302 "
    "140730725363676 0\n";

/* Kernel format, process named "a) (b c", utime 1234, stime 567, guest 89. */
static const char odd_name_stat[] =
    "4242 (a) (b c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 "
    "1 0 12345 10000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 "
    "17 1 0 0 0 89 0 0 0 0 0 0 0 0\n";

/* A stat line with the given name and times, as the kernel writes it. */
static void format_stat(char *buf, size_t cap, int pid, const char *name,
                        unsigned utime, unsigned stime, unsigned guest)
{
    snprintf(buf, cap,
             "%d (%s) S 1 %d %d 0 -1 4194560 100 0 0 0 %u %u 0 0 20 0 1 0 "
             "12345 10000000 500 18446744073709551615 1 1 0 0 0 0 0 0 0 0 "
             "0 0 17 0 0 0 0 %u 0 0 0 0 0 0 0 0\n",
             pid, name, pid, pid, utime, stime, guest);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
    cr_assert_eq(fputs(text, f) >= 0, 1);
    cr_assert_eq(fclose(f), 0);
}

static void make_dir(const char *path)
{
    cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s: %s", path, strerror(errno));
}

struct fake_thread {
    int tid;
    const char *name;
    unsigned utime, stime, guest;
};

/* Builds ROOT/PID/{stat,status,task/TID/stat} for a fake process. */
static void fake_process(const char *root, int pid, unsigned utime,
                         unsigned stime, unsigned guest,
                         const struct fake_thread *threads, size_t n)
{
    char path[512], line[512];

    snprintf(path, sizeof(path), "%s/%d", root, pid);
    make_dir(path);
    snprintf(path, sizeof(path), "%s/%d/stat", root, pid);
    format_stat(line, sizeof(line), pid, "qemu-system-x86", utime, stime,
                guest);
    write_file(path, line);
    snprintf(path, sizeof(path), "%s/%d/status", root, pid);
    write_file(path, "Name:\tqemu-system-x86\nVmPeak:\t 1309512 kB\n"
                     "VmHWM:\t   40016 kB\nVmRSS:\t   37108 kB\n");
    snprintf(path, sizeof(path), "%s/%d/task", root, pid);
    make_dir(path);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof(path), "%s/%d/task/%d", root, pid,
                 threads[i].tid);
        make_dir(path);
        snprintf(path, sizeof(path), "%s/%d/task/%d/stat", root, pid,
                 threads[i].tid);
        format_stat(line, sizeof(line), threads[i].tid, threads[i].name,
                    threads[i].utime, threads[i].stime, threads[i].guest);
        write_file(path, line);
    }
}

static char *make_temp_root(void)
{
    char *root = strdup("/tmp/ukb-fake-proc-XXXXXX");

    cr_assert_not_null(root);
    cr_assert_not_null(mkdtemp(root));
    return root;
}

static void remove_tree(const char *root)
{
    char cmd[600];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
}

Test(procstat_parse, recorded_qemu_line)
{
    struct procstat_times t = {9, 9, 9};
    char name[PROCSTAT_NAME_MAX];
    pid_t pid = 0;

    cr_assert_eq(procstat_parse_stat(qemu_stat, &pid, name, sizeof(name), &t),
                 0);
    cr_assert_eq(pid, 10281);
    cr_assert_str_eq(name, "qemu-system-x86");
    cr_assert_eq(t.utime, 0);
    cr_assert_eq(t.stime, 4);
    cr_assert_eq(t.guest_time, 0);
}

Test(procstat_parse, name_with_parens_and_spaces)
{
    struct procstat_times t = {0, 0, 0};
    char name[PROCSTAT_NAME_MAX];
    pid_t pid = 0;

    cr_assert_eq(
        procstat_parse_stat(odd_name_stat, &pid, name, sizeof(name), &t), 0);
    cr_assert_eq(pid, 4242);
    cr_assert_str_eq(name, "a) (b c");
    cr_assert_eq(t.utime, 1234);
    cr_assert_eq(t.stime, 567);
    cr_assert_eq(t.guest_time, 89);
}

Test(procstat_parse, name_truncated_to_buffer)
{
    struct procstat_times t;
    char name[4];

    cr_assert_eq(
        procstat_parse_stat(odd_name_stat, NULL, name, sizeof(name), &t), 0);
    cr_assert_str_eq(name, "a) ");
}

Test(procstat_parse, rejects_malformed_lines)
{
    static const char *const bad[] = {
        "",
        "garbage",
        "12 (x S 1 2 3",
        "12 x) S 1 2 3",
        "(x) S 1 2 3",
        "12 (x) S 1 2 3 4 5 6 7 8 9 10 11 12 13\n", /* cut before guest */
        "12 (x) S 1 2 3 4 5 6 7 8 9 abc 11 12 13\n",
    };
    struct procstat_times t;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(procstat_parse_stat(bad[i], NULL, NULL, 0, &t), -EINVAL,
                     "accepted: '%s'", bad[i]);
}

Test(procstat_parse, status_memory_lines)
{
    struct procstat_mem mem = {0, 0};

    cr_assert_eq(procstat_parse_status("Name:\tx\nVmHWM:\t   40016 kB\n"
                                       "VmRSS:\t   37108 kB\nThreads:\t3\n",
                                       &mem),
                 0);
    cr_assert_eq(mem.vm_hwm_kb, 40016);
    cr_assert_eq(mem.vm_rss_kb, 37108);
}

Test(procstat_parse, status_without_memory_lines)
{
    struct procstat_mem mem = {7, 7};

    /* Kernel threads have no Vm* lines. */
    cr_assert_eq(procstat_parse_status("Name:\tkthreadd\nThreads:\t1\n", &mem),
                 -EINVAL);
    cr_assert_eq(mem.vm_hwm_kb, 7);
}

Test(procstat_parse, ticks_to_seconds)
{
    long hz = sysconf(_SC_CLK_TCK);

    cr_assert_gt(hz, 0);
    cr_assert_float_eq(procstat_ticks_to_s((uint64_t)hz * 3), 3.0, 1e-12);
}

Test(procstat_read, fake_tree_process_and_threads)
{
    static const struct fake_thread threads[] = {
        {500, "qemu-system-x86", 10, 20, 0},
        {501, "qemu-system-x86", 1, 2, 0},
        {502, "CPU 0/TCG", 300, 4, 0},
    };
    struct procstat_snapshot *s = calloc(1, sizeof(*s));
    struct procstat_mem mem;
    char *root = make_temp_root();
    char err[256] = "";

    cr_assert_not_null(s);
    fake_process(root, 500, 311, 26, 0, threads, 3);
    cr_assert_eq(procstat_read(root, 500, s, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(s->pid, 500);
    cr_assert_eq(s->process.utime, 311);
    cr_assert_eq(s->process.stime, 26);
    cr_assert_eq(s->nthreads, 3);
    for (size_t i = 0; i < 3; i++) {
        const struct procstat_thread *t = NULL;

        for (size_t j = 0; j < s->nthreads; j++)
            if (s->threads[j].tid == threads[i].tid)
                t = &s->threads[j];
        cr_assert_not_null(t, "thread %d missing", threads[i].tid);
        cr_expect_str_eq(t->name, threads[i].name);
        cr_expect_eq(t->times.utime, threads[i].utime);
    }
    cr_assert_eq(procstat_read_mem(root, 500, &mem, err, sizeof(err)), 0);
    cr_assert_eq(mem.vm_hwm_kb, 40016);
    remove_tree(root);
    free(root);
    free(s);
}

Test(procstat_read, fake_tree_missing_process)
{
    struct procstat_snapshot *s = calloc(1, sizeof(*s));
    char *root = make_temp_root();
    char err[256] = "";

    cr_assert_not_null(s);
    cr_assert_eq(procstat_read(root, 77, s, err, sizeof(err)), -ESRCH);
    cr_assert_not_null(strstr(err, "procstat: "), "%s", err);
    cr_assert_not_null(strstr(err, "/77/stat"), "%s", err);
    remove_tree(root);
    free(root);
    free(s);
}

Test(procstat_read, fake_tree_garbled_stat)
{
    struct procstat_snapshot *s = calloc(1, sizeof(*s));
    char *root = make_temp_root();
    char path[512], err[256] = "";

    cr_assert_not_null(s);
    fake_process(root, 60, 1, 1, 0, NULL, 0);
    snprintf(path, sizeof(path), "%s/60/stat", root);
    write_file(path, "60 (x) S 1\n");
    cr_assert_eq(procstat_read(root, 60, s, err, sizeof(err)), -EINVAL);
    cr_assert_not_null(strstr(err, "not a stat line"), "%s", err);
    remove_tree(root);
    free(root);
    free(s);
}

/* Two readings of a QEMU process under KVM: its vCPU thread did most work. */
Test(procstat_diff, fake_tree_splits_vcpu_and_io)
{
    static const struct fake_thread t0[] = {
        {900, "qemu-system-x86", 10, 20, 0},
        {902, "CPU 0/KVM", 100, 50, 80},
    };
    static const struct fake_thread t1[] = {
        {900, "qemu-system-x86", 40, 30, 0},
        {902, "CPU 0/KVM", 300, 90, 240},
        {903, "worker", 5, 5, 0}, /* started between the readings */
    };
    struct procstat_snapshot *before = calloc(1, sizeof(*before));
    struct procstat_snapshot *after = calloc(1, sizeof(*after));
    char *root0 = make_temp_root(), *root1 = make_temp_root();
    struct procstat_delta d;
    double hz = (double)sysconf(_SC_CLK_TCK);

    cr_assert_not_null(before);
    cr_assert_not_null(after);
    fake_process(root0, 900, 110, 70, 80, t0, 2);
    fake_process(root1, 900, 345, 125, 240, t1, 3);
    cr_assert_eq(procstat_read(root0, 900, before, NULL, 0), 0);
    cr_assert_eq(procstat_read(root1, 900, after, NULL, 0), 0);
    procstat_diff(before, after, &d);

    /* total (345+125)-(110+70) = 290 ticks, guest 160, vcpu 240. */
    cr_assert_float_eq(d.total_s, 290 / hz, 1e-9);
    cr_assert_float_eq(d.guest_s, 160 / hz, 1e-9);
    cr_assert_float_eq(d.host_s, 130 / hz, 1e-9);
    cr_assert_eq(d.has_vcpu, 1);
    cr_assert_float_eq(d.vcpu_s, 240 / hz, 1e-9);
    cr_assert_float_eq(d.io_s, 50 / hz, 1e-9);
    remove_tree(root0);
    remove_tree(root1);
    free(root0);
    free(root1);
    free(before);
    free(after);
}

Test(procstat_diff, fake_tree_plain_process_has_no_vcpu)
{
    static const struct fake_thread t[] = {{70, "server-dns", 5, 5, 0}};
    struct procstat_snapshot *s = calloc(1, sizeof(*s));
    char *root = make_temp_root();
    struct procstat_delta d;

    cr_assert_not_null(s);
    fake_process(root, 70, 5, 5, 0, t, 1);
    cr_assert_eq(procstat_read(root, 70, s, NULL, 0), 0);
    procstat_diff(s, s, &d);
    cr_assert_eq(d.has_vcpu, 0);
    cr_assert_float_eq(d.total_s, 0.0, 1e-12);
    remove_tree(root);
    free(root);
    free(s);
}

Test(procstat_read, real_proc_self)
{
    struct procstat_snapshot *s = calloc(1, sizeof(*s));
    struct procstat_mem mem;
    char err[256] = "";

    cr_assert_not_null(s);
    cr_assert_eq(procstat_read(NULL, getpid(), s, err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_eq(s->pid, getpid());
    cr_assert_geq(s->nthreads, 1);
    cr_assert_eq(procstat_read_mem(NULL, getpid(), &mem, err, sizeof(err)), 0,
                 "%s", err);
    cr_assert_gt(mem.vm_hwm_kb, 0);
    cr_assert_geq(mem.vm_hwm_kb, mem.vm_rss_kb);
    free(s);
}
