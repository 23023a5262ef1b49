/*
 * Unit tests of procstat: stat, schedstat and status parsing on recorded
 * lines, the readers and the phase difference on fake /proc trees built in
 * a temporary directory, and one real busy process.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* Recorded from /proc/PID/task/TID/schedstat of a QEMU vCPU thread. */
static const char qemu_schedstat[] = "2114613271 30870533 20416\n";

/* run_ns 0: the thread has no schedstat file (no CONFIG_SCHED_INFO). */
struct fake_thread {
    int tid;
    const char *name;
    unsigned utime, stime, guest;
    unsigned long long run_ns;
};

/*
 * Builds ROOT/PID/{stat,status,task/TID/stat,task/TID/schedstat} for a
 * fake process.
 */
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
        if (threads[i].run_ns == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%d/task/%d/schedstat", root, pid,
                 threads[i].tid);
        snprintf(line, sizeof(line), "%llu 1000 7\n", threads[i].run_ns);
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

Test(procstat_parse, recorded_schedstat_line)
{
    uint64_t run_ns = 0, wait_ns = 0, slices = 0;

    cr_assert_eq(
        procstat_parse_schedstat(qemu_schedstat, &run_ns, &wait_ns, &slices),
        0);
    cr_assert_eq(run_ns, 2114613271ULL);
    cr_assert_eq(wait_ns, 30870533ULL);
    cr_assert_eq(slices, 20416ULL);
}

Test(procstat_parse, rejects_malformed_schedstat)
{
    static const char *const bad[] = {
        "", "12\n", "12 34\n", "12 34 x\n", "-1 2 3\n", "1 2 3 4\n",
    };
    uint64_t run_ns = 5, wait_ns, slices;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        cr_expect_eq(
            procstat_parse_schedstat(bad[i], &run_ns, &wait_ns, &slices),
            -EINVAL, "accepted: '%s'", bad[i]);
    cr_expect_eq(run_ns, 5);
}

Test(procstat_read, fake_tree_process_and_threads)
{
    static const struct fake_thread threads[] = {
        {500, "qemu-system-x86", 10, 20, 0, 301000000},
        {501, "qemu-system-x86", 1, 2, 0, 30000000},
        {502, "CPU 0/TCG", 300, 4, 0, 3040000000},
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
        cr_expect_eq(t->run_ns, threads[i].run_ns);
    }
    cr_expect_eq(s->has_schedstat, 1);
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

/*
 * Two readings of a QEMU process under KVM, without schedstat files: the
 * ticks stand in, and the method names them.
 */
Test(procstat_diff, fake_tree_ticks_split_vcpu_and_io)
{
    static const struct fake_thread t0[] = {
        {900, "qemu-system-x86", 10, 20, 0, 0},
        {902, "CPU 0/KVM", 100, 50, 80, 0},
    };
    static const struct fake_thread t1[] = {
        {900, "qemu-system-x86", 40, 30, 0, 0},
        {902, "CPU 0/KVM", 300, 90, 240, 0},
        {903, "worker", 5, 5, 0, 0}, /* started between the readings */
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
    cr_assert_eq(after->has_schedstat, 0);
    procstat_diff(before, after, &d);

    /*
     * Threads: 40 + 240 + 10 = 290 ticks, which is also the process's
     * (345+125)-(110+70): nothing exited. guest 160, vcpu 240.
     */
    cr_assert_str_eq(d.method, "procstat");
    cr_assert_float_eq(d.total_s, 290 / hz, 1e-9);
    cr_assert_float_eq(d.exited_s, 0.0, 1e-12);
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

/* Reads two fake trees of process pid and returns their difference. */
static void fake_diff(int pid, unsigned ticks0, const struct fake_thread *t0,
                      size_t n0, unsigned ticks1, const struct fake_thread *t1,
                      size_t n1, struct procstat_delta *d)
{
    struct procstat_snapshot *before = calloc(1, sizeof(*before));
    struct procstat_snapshot *after = calloc(1, sizeof(*after));
    char *root0 = make_temp_root(), *root1 = make_temp_root();
    char err[256] = "";

    /* The fixtures below are in ticks of 10 ms, USER_HZ on x86. */
    cr_assert_eq(sysconf(_SC_CLK_TCK), 100);
    cr_assert_not_null(before);
    cr_assert_not_null(after);
    /* The process's ticks all in utime: the split does not matter. */
    fake_process(root0, pid, ticks0, 0, 0, t0, n0);
    fake_process(root1, pid, ticks1, 0, 0, t1, n1);
    cr_assert_eq(procstat_read(root0, pid, before, err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_eq(procstat_read(root1, pid, after, err, sizeof(err)), 0, "%s",
                 err);
    procstat_diff(before, after, d);
    remove_tree(root0);
    remove_tree(root1);
    free(root0);
    free(root1);
    free(before);
    free(after);
}

/* The figures as written with 6 decimals: vcpu + io must equal total. */
static void expect_sum_exact(const struct procstat_delta *d)
{
    char total[32], sum[32];

    snprintf(total, sizeof(total), "%.6f", d->total_s);
    /* Whole microseconds, as written; all figures here are >= 0. */
    snprintf(sum, sizeof(sum), "%.6f",
             (double)((long long)(d->vcpu_s * 1e6 + 0.5) +
                      (long long)(d->io_s * 1e6 + 0.5)) /
                 1e6);
    cr_expect_str_eq(total, sum);
}

/*
 * A short TCG phase: 83 ms of CPU, in which the process's stat line moves
 * by 8 ticks. The per-thread nanoseconds give the figure, and the 3 ms
 * that the ticks lack is rounding, not a thread that exited.
 */
Test(procstat_diff, fake_tree_schedstat_short_phase)
{
    static const struct fake_thread t0[] = {
        {910, "qemu-system-x86", 10, 0, 0, 1000000000},
        {911, "call_rcu", 1, 0, 0, 100000000},
        {912, "CPU 0/TCG", 500, 0, 0, 5000000000},
    };
    static const struct fake_thread t1[] = {
        {910, "qemu-system-x86", 11, 0, 0, 1012345678},
        {911, "call_rcu", 1, 0, 0, 100500000},
        {912, "CPU 0/TCG", 507, 0, 0, 5070000400},
    };
    struct procstat_delta d;

    /* Process totals: 6.100000000 s = 610 ticks, 6.182846078 s = 618. */
    fake_diff(910, 610, t0, 3, 618, t1, 3, &d);
    cr_assert_str_eq(d.method, "schedstat");
    cr_assert_float_eq(d.total_s, 0.082846, 1e-9);
    cr_assert_float_eq(d.exited_s, 0.0, 1e-12);
    cr_assert_eq(d.has_vcpu, 1);
    cr_assert_float_eq(d.vcpu_s, 0.070000, 1e-9);
    cr_assert_float_eq(d.io_s, 0.012846, 1e-9);
    expect_sum_exact(&d);
}

/*
 * A worker thread that ran 30 ms in the phase and exited: only the
 * process's stat line still contains its time.
 */
Test(procstat_diff, fake_tree_thread_exits_mid_phase)
{
    static const struct fake_thread t0[] = {
        {920, "qemu-system-x86", 100, 0, 0, 1000000000},
        {921, "worker", 20, 0, 0, 200000000},
        {922, "CPU 0/TCG", 500, 0, 0, 5000000000},
    };
    static const struct fake_thread t1[] = {
        {920, "qemu-system-x86", 101, 0, 0, 1010000000},
        {922, "CPU 0/TCG", 505, 0, 0, 5050000000},
    };
    struct procstat_delta d;

    /* 6.2 s = 620 ticks before; 1.01 + 5.05 + 0.23 (dead) = 629 after. */
    fake_diff(920, 620, t0, 3, 629, t1, 2, &d);
    cr_assert_str_eq(d.method, "schedstat");
    cr_assert_float_eq(d.exited_s, 0.030, 1e-9);
    cr_assert_float_eq(d.total_s, 0.090, 1e-9);
    cr_assert_float_eq(d.vcpu_s, 0.050, 1e-9);
    cr_assert_float_eq(d.io_s, 0.040, 1e-9); /* 10 ms main + 30 ms worker */
    expect_sum_exact(&d);
}

/*
 * A thread born and gone within the phase: nothing vanished from the
 * thread list, but the stat line grew 45 ms beyond the live threads,
 * more than its 2-tick rounding. The dead thread ran 50 ms; the stat
 * line's ticks show 45 ms of it.
 */
Test(procstat_diff, fake_tree_thread_born_and_gone)
{
    static const struct fake_thread t0[] = {
        {930, "qemu-system-x86", 100, 0, 0, 1000000000},
        {932, "CPU 0/TCG", 500, 0, 0, 5000000000},
    };
    static const struct fake_thread t1[] = {
        {930, "qemu-system-x86", 100, 0, 0, 1005000000},
        {932, "CPU 0/TCG", 504, 0, 0, 5040000000},
    };
    struct procstat_delta d;

    /* 6.0 s = 600 ticks; 6.045 + 0.050 = 6.095 s = 609 ticks. */
    fake_diff(930, 600, t0, 2, 609, t1, 2, &d);
    cr_assert_float_eq(d.exited_s, 0.045, 1e-9);
    cr_assert_float_eq(d.total_s, 0.090, 1e-9);
    cr_assert_float_eq(d.vcpu_s, 0.040, 1e-9);
    expect_sum_exact(&d);
}

/* Without schedstat in one of the threads, the whole phase uses ticks. */
Test(procstat_diff, fake_tree_partial_schedstat_falls_back)
{
    static const struct fake_thread t0[] = {
        {940, "qemu-system-x86", 100, 0, 0, 1000000000},
        {942, "CPU 0/TCG", 500, 0, 0, 0},
    };
    static const struct fake_thread t1[] = {
        {940, "qemu-system-x86", 102, 0, 0, 1020000000},
        {942, "CPU 0/TCG", 510, 0, 0, 0},
    };
    struct procstat_delta d;

    fake_diff(940, 600, t0, 2, 612, t1, 2, &d);
    cr_assert_str_eq(d.method, "procstat");
    cr_assert_float_eq(d.total_s, 0.120, 1e-9);
    cr_assert_float_eq(d.vcpu_s, 0.100, 1e-9);
    cr_assert_float_eq(d.io_s, 0.020, 1e-9);
}

/* A kernel with schedstat accounting off prints "0 0 0" for every task. */
Test(procstat_read, fake_tree_schedstat_all_zero)
{
    static const struct fake_thread t[] = {
        {950, "qemu-system-x86", 100, 0, 0, 0},
        {951, "CPU 0/TCG", 500, 0, 0, 0},
    };
    struct procstat_snapshot *s = calloc(1, sizeof(*s));
    char *root = make_temp_root();
    char path[512];

    cr_assert_not_null(s);
    fake_process(root, 950, 600, 0, 0, t, 2);
    for (size_t i = 0; i < 2; i++) {
        snprintf(path, sizeof(path), "%s/950/task/%d/schedstat", root,
                 t[i].tid);
        write_file(path, "0 0 0\n");
    }
    cr_assert_eq(procstat_read(root, 950, s, NULL, 0), 0);
    cr_assert_eq(s->has_schedstat, 0);
    remove_tree(root);
    free(root);
    free(s);
}

/* The settled reader returns the state of each thread and counts R. */
Test(procstat_read, fake_tree_settled_counts_running)
{
    static const struct fake_thread t[] = {
        {970, "qemu-system-x86", 10, 0, 0, 100000000},
        {971, "CPU 0/TCG", 20, 0, 0, 200000000},
    };
    struct procstat_snapshot *s = calloc(1, sizeof(*s));
    char *root = make_temp_root();
    char path[512], line[512], err[256] = "";

    cr_assert_not_null(s);
    fake_process(root, 970, 30, 0, 0, t, 2);
    cr_assert_eq(procstat_read_settled(root, 970, 1000, s, err, sizeof(err)), 0,
                 "%s", err);
    cr_expect_eq(s->nrunning, 0);
    for (size_t i = 0; i < s->nthreads; i++)
        cr_expect_eq(s->threads[i].state, 'S');

    /* The vCPU stays in state R: the reader gives up after 1 ms. */
    snprintf(path, sizeof(path), "%s/970/task/971/stat", root);
    format_stat(line, sizeof(line), 971, "CPU 0/TCG", 20, 0, 0);
    cr_assert_not_null(strstr(line, ") S "));
    strstr(line, ") S ")[2] = 'R';
    write_file(path, line);
    cr_assert_eq(procstat_read_settled(root, 970, 1000, s, err, sizeof(err)), 0,
                 "%s", err);
    cr_expect_eq(s->nrunning, 1);
    for (size_t i = 0; i < s->nthreads; i++)
        cr_expect_eq(s->threads[i].state, s->threads[i].tid == 971 ? 'R' : 'S');
    remove_tree(root);
    free(root);
    free(s);
}

/* The boot phase: every thread counts from 0, and the vCPU is matched. */
Test(procstat_diff, fake_tree_from_process_start)
{
    static const struct fake_thread t[] = {
        {960, "qemu-system-x86", 12, 0, 0, 123456789},
        {962, "CPU 0/TCG", 30, 0, 0, 301000000},
    };
    struct procstat_snapshot *start = calloc(1, sizeof(*start));
    struct procstat_snapshot *now = calloc(1, sizeof(*now));
    char *root = make_temp_root();
    struct procstat_delta d;

    cr_assert_not_null(start);
    cr_assert_not_null(now);
    fake_process(root, 960, 42, 0, 0, t, 2);
    cr_assert_eq(procstat_read(root, 960, now, NULL, 0), 0);
    procstat_zero_like(start, now);
    procstat_diff(start, now, &d);
    cr_assert_str_eq(d.method, "schedstat");
    cr_assert_float_eq(d.total_s, 0.424457, 1e-9);
    cr_assert_float_eq(d.exited_s, 0.0, 1e-12);
    cr_assert_float_eq(d.vcpu_s, 0.301, 1e-9);
    cr_assert_float_eq(d.io_s, 0.123457, 1e-9);
    expect_sum_exact(&d);
    remove_tree(root);
    free(root);
    free(start);
    free(now);
}

Test(procstat_diff, fake_tree_plain_process_has_no_vcpu)
{
    static const struct fake_thread t[] = {{70, "server-dns", 5, 5, 0, 0}};
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

/* Spins until this thread has used sec seconds of CPU. */
static void burn_cpu(double sec)
{
    struct timespec t0, t;

    cr_assert_eq(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0), 0);
    do
        cr_assert_eq(clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t), 0);
    while ((double)(t.tv_sec - t0.tv_sec) +
               (double)(t.tv_nsec - t0.tv_nsec) / 1e9 <
           sec);
}

static void *burn_thread(void *arg)
{
    burn_cpu(*(const double *)arg);
    return NULL;
}

/* The method this kernel should give: schedstat when the file exists. */
static const char *expected_method(void)
{
    char path[64];

    snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)getpid());
    return access(path, R_OK) == 0 ? "schedstat" : "procstat";
}

/* A real busy loop of 50 ms reads as such, not as 0 or a few ticks off. */
Test(procstat_diff, real_busy_loop)
{
    struct procstat_snapshot *before = calloc(1, sizeof(*before));
    struct procstat_snapshot *after = calloc(1, sizeof(*after));
    struct procstat_delta d;
    char err[256] = "";

    cr_assert_not_null(before);
    cr_assert_not_null(after);
    cr_assert_eq(procstat_read(NULL, getpid(), before, err, sizeof(err)), 0,
                 "%s", err);
    burn_cpu(0.050);
    cr_assert_eq(procstat_read(NULL, getpid(), after, err, sizeof(err)), 0,
                 "%s", err);
    procstat_diff(before, after, &d);
    cr_expect_str_eq(d.method, expected_method());
    cr_expect(d.total_s >= 0.030 && d.total_s <= 0.500, "total %.6f s",
              d.total_s);
    free(before);
    free(after);
}

/* A real thread that burns 100 ms and exits between the two readings. */
Test(procstat_diff, real_thread_exits_mid_phase)
{
    struct procstat_snapshot *before = calloc(1, sizeof(*before));
    struct procstat_snapshot *after = calloc(1, sizeof(*after));
    struct procstat_delta d;
    double sec = 0.100;
    pthread_t th;
    char err[256] = "";

    cr_assert_not_null(before);
    cr_assert_not_null(after);
    cr_assert_eq(procstat_read(NULL, getpid(), before, err, sizeof(err)), 0,
                 "%s", err);
    cr_assert_eq(pthread_create(&th, NULL, burn_thread, &sec), 0);
    cr_assert_eq(pthread_join(th, NULL), 0);
    burn_cpu(0.050);
    cr_assert_eq(procstat_read(NULL, getpid(), after, err, sizeof(err)), 0,
                 "%s", err);
    procstat_diff(before, after, &d);
    /* The dead thread's 100 ms come from ticks: within 20 ms. */
    cr_expect(d.exited_s >= 0.075 && d.exited_s <= 0.500, "exited %.6f s",
              d.exited_s);
    cr_expect(d.total_s >= 0.125 && d.total_s <= 0.600, "total %.6f s",
              d.total_s);
    free(before);
    free(after);
}
