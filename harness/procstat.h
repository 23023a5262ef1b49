/*
 * procstat: CPU time and memory of a process and its threads, read from
 * /proc/PID/stat, /proc/PID/task/TID/{stat,schedstat} and /proc/PID/status.
 *
 * On-CPU time comes per thread from task/TID/schedstat, in nanoseconds
 * (kernels with CONFIG_SCHED_INFO, as Debian's). Where schedstat is
 * missing, the stat files' utime+stime in clock ticks (10 ms) stand in.
 * Ticks are turned into seconds with sysconf(_SC_CLK_TCK). Under TCG, guest
 * work shows up as user time of QEMU (guest_time stays 0); guest_time is
 * only non-zero under KVM, and only exists in ticks.
 */
#ifndef PROCSTAT_H
#define PROCSTAT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Buffer for a thread name: the kernel reports at most 15 bytes. */
#define PROCSTAT_NAME_MAX 64
/* QEMU runs a handful of threads; more than this is reported as E2BIG. */
#define PROCSTAT_MAX_THREADS 256

struct procstat_times {
    uint64_t utime;      /* ticks in user mode (includes guest_time) */
    uint64_t stime;      /* ticks in kernel mode */
    uint64_t guest_time; /* ticks running a guest vCPU (KVM only) */
};

struct procstat_thread {
    pid_t tid;
    char name[PROCSTAT_NAME_MAX]; /* e.g. "CPU 0/TCG", "CPU 0/KVM" */
    struct procstat_times times;
    uint64_t run_ns; /* schedstat on-CPU time; only if has_schedstat */
    char state;      /* stat field 3: R running or runnable, S, D, ... */
};

/* One reading of a process: its own totals and each live thread. */
struct procstat_snapshot {
    pid_t pid;
    char name[PROCSTAT_NAME_MAX];
    struct procstat_times process; /* includes threads that have exited */
    int has_schedstat;             /* run_ns was read for every thread */
    size_t nrunning;               /* threads in state R at the reading */
    size_t nthreads;
    struct procstat_thread threads[PROCSTAT_MAX_THREADS];
};

/* Memory figures from /proc/PID/status, in kB. */
struct procstat_mem {
    uint64_t vm_hwm_kb; /* peak resident set (VmHWM) */
    uint64_t vm_rss_kb; /* current resident set (VmRSS) */
};

/*
 * Difference of two snapshots of the same process, in seconds. total is the
 * on-CPU time of all threads in between (see procstat_diff), guest is
 * guest_time (ticks), host is total - guest (the split of the IncludeOS
 * paper). vcpu is the time of the threads named "CPU N/..." and io that of
 * the others and of exited threads, so that total = vcpu + io. QEMU gives its
 * vCPU threads these names only when started with `-name
 * NAME,debug-threads=on`. has_vcpu is 0 when no such thread exists in the
 * "after" snapshot (a plain Linux process, or QEMU without that option); vcpu_s
 * and io_s are then 0.
 */
struct procstat_delta {
    const char *method; /* "schedstat" (ns) or "procstat" (ticks) */
    double total_s;
    double exited_s; /* part of total_s: threads that exited meanwhile */
    double guest_s;
    double host_s;
    int has_vcpu;
    double vcpu_s;
    double io_s;
};

/*
 * Parses the text of a /proc/PID/stat (or task/TID/stat) file. The name is
 * taken between the first '(' and the LAST ')', because a process name may
 * itself contain spaces and parentheses. The numeric fields are counted
 * after that last ')'. Copies the name (truncated to name_cap-1 bytes) into
 * name when name is not NULL. Returns 0, or -EINVAL when the text is not a
 * stat line.
 */
int procstat_parse_stat(const char *text, pid_t *pid, char *name,
                        size_t name_cap, struct procstat_times *out);

/*
 * Parses the text of a /proc/PID/task/TID/schedstat file: on-CPU time in
 * ns, time spent waiting on a run queue in ns, and the number of times the
 * thread ran. Returns 0, or -EINVAL when the text is not three numbers.
 */
int procstat_parse_schedstat(const char *text, uint64_t *run_ns,
                             uint64_t *wait_ns, uint64_t *slices);

/*
 * Parses VmHWM and VmRSS from the text of /proc/PID/status. Returns 0, or
 * -EINVAL when either line is missing (a kernel thread has neither).
 */
int procstat_parse_status(const char *text, struct procstat_mem *out);

/*
 * Reads the process totals and every thread of pid under proc_root ("/proc"
 * when NULL; tests pass a fake tree). has_schedstat is 1 when every thread's
 * schedstat could be read and not all of them read "0 0 0" (what kernels
 * with schedstat accounting switched off print). Returns 0, or -errno
 * (ESRCH when the process is gone, E2BIG above PROCSTAT_MAX_THREADS threads)
 * with a message "procstat: PATH: what failed: strerror" in err when err is
 * not NULL.
 */
int procstat_read(const char *proc_root, pid_t pid,
                  struct procstat_snapshot *out, char *err, size_t err_cap);

/*
 * Reads as procstat_read, and re-reads every 200 us while a thread is in
 * state R, for at most max_wait_us. The kernel adds a running thread's
 * current slice to its schedstat and stat times only at the next scheduler
 * tick or when the thread stops (on Linux 6.18 with HZ=250, a busy
 * thread's schedstat advanced in 4 ms steps). So a reading taken while a
 * thread runs misses that slice, such as a server's handling of the last
 * query of a phase. out->nrunning is the count still in state R at the last
 * reading. On the calling process, whose reading thread is always R, it waits
 * the full max_wait_us.
 */
int procstat_read_settled(const char *proc_root, pid_t pid,
                          unsigned max_wait_us, struct procstat_snapshot *out,
                          char *err, size_t err_cap);

/* Reads VmHWM and VmRSS of pid; returns and reports as procstat_read. */
int procstat_read_mem(const char *proc_root, pid_t pid,
                      struct procstat_mem *out, char *err, size_t err_cap);

/* Converts clock ticks to seconds with sysconf(_SC_CLK_TCK). */
double procstat_ticks_to_s(uint64_t ticks);

/*
 * Fills start with the process as it was when it began: the threads of now
 * with every time 0, and the same schedstat availability. Used for a phase
 * that runs from process start (boot).
 */
void procstat_zero_like(struct procstat_snapshot *start,
                        const struct procstat_snapshot *now);

/*
 * Computes after - before. Threads are matched by tid; a thread born in
 * between counts whole. The per-thread source is schedstat (method
 * "schedstat") when both snapshots have it, else the threads' stat ticks
 * (method "procstat"). Threads that exited in between are counted from
 * the process's stat line: see the comment at the definition.
 */
void procstat_diff(const struct procstat_snapshot *before,
                   const struct procstat_snapshot *after,
                   struct procstat_delta *out);

#endif
