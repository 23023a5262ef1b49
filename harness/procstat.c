/*
 * procstat: CPU time and memory of a process and its threads from /proc.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "procstat.h"
#include "pathfmt.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Fields after the last ')', counted from 0: field 3 of proc(5) is 0. */
#define STAT_UTIME 11      /* field 14 */
#define STAT_STIME 12      /* field 15 */
#define STAT_GUEST_TIME 40 /* field 43, since Linux 2.6.24 */

/* /proc/PID/status of a QEMU process is about 1.5 kB. */
#define PROC_FILE_MAX 16384

static void procstat_err(char *err, size_t err_cap, const char *path,
                         const char *what, int errnum)
{
    if (err != NULL && err_cap > 0)
        snprintf(err, err_cap, "procstat: %s: %s: %s", path, what,
                 strerror(errnum));
}

static const char *proc_root_or_default(const char *proc_root)
{
    return proc_root != NULL ? proc_root : "/proc";
}

/* Parses an unsigned decimal token; returns the end or NULL. */
static const char *parse_u64(const char *p, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!isdigit((unsigned char)*p))
        return NULL;
    errno = 0;
    v = strtoull(p, &end, 10);
    if (errno != 0)
        return NULL;
    *out = v;
    return end;
}

int procstat_parse_stat(const char *text, pid_t *pid, char *name,
                        size_t name_cap, struct procstat_times *out)
{
    const char *open = strchr(text, '(');
    const char *close = strrchr(text, ')');
    const char *p;
    uint64_t value;
    long pid_value;
    char *end;

    if (open == NULL || close == NULL || close < open)
        return -EINVAL;
    errno = 0;
    pid_value = strtol(text, &end, 10);
    if (errno != 0 || end == text || pid_value <= 0)
        return -EINVAL;

    /* Fields are single-space separated after "comm) ". */
    p = close + 1;
    for (int field = 0; field <= STAT_GUEST_TIME; field++) {
        if (*p != ' ')
            return -EINVAL;
        p++;
        if (field == 0) { /* state: one letter */
            if (!isalpha((unsigned char)*p))
                return -EINVAL;
            p++;
            continue;
        }
        /* Some fields (tty_nr, exit_signal, priority) may be negative. */
        if (*p == '-')
            p++;
        p = parse_u64(p, &value);
        if (p == NULL)
            return -EINVAL;
        if (field == STAT_UTIME)
            out->utime = value;
        else if (field == STAT_STIME)
            out->stime = value;
        else if (field == STAT_GUEST_TIME)
            out->guest_time = value;
    }

    if (pid != NULL)
        *pid = (pid_t)pid_value;
    if (name != NULL && name_cap > 0) {
        size_t len = (size_t)(close - open - 1);

        if (len >= name_cap)
            len = name_cap - 1;
        memcpy(name, open + 1, len);
        name[len] = '\0';
    }
    return 0;
}

int procstat_parse_schedstat(const char *text, uint64_t *run_ns,
                             uint64_t *wait_ns, uint64_t *slices)
{
    uint64_t v[3];
    const char *p = text;

    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*p != ' ')
                return -EINVAL;
            p++;
        }
        p = parse_u64(p, &v[i]);
        if (p == NULL)
            return -EINVAL;
    }
    if (*p != '\n' && *p != '\0')
        return -EINVAL;
    *run_ns = v[0];
    *wait_ns = v[1];
    *slices = v[2];
    return 0;
}

/* Finds "Key:" at a line start and parses its kB value. */
static int status_kb(const char *text, const char *key, uint64_t *out)
{
    size_t key_len = strlen(key);
    const char *p = text;

    while (p != NULL && *p != '\0') {
        if (strncmp(p, key, key_len) == 0 && p[key_len] == ':') {
            p += key_len + 1;
            while (*p == ' ' || *p == '\t')
                p++;
            p = parse_u64(p, out);
            if (p == NULL || strncmp(p, " kB", 3) != 0)
                return -EINVAL;
            return 0;
        }
        p = strchr(p, '\n');
        if (p != NULL)
            p++;
    }
    return -EINVAL;
}

int procstat_parse_status(const char *text, struct procstat_mem *out)
{
    struct procstat_mem mem;

    if (status_kb(text, "VmHWM", &mem.vm_hwm_kb) < 0 ||
        status_kb(text, "VmRSS", &mem.vm_rss_kb) < 0)
        return -EINVAL;
    *out = mem;
    return 0;
}

/* Reads a whole small file into buf, NUL-terminated. Returns 0 or -errno. */
static int read_small_file(const char *path, char *buf, size_t cap)
{
    size_t len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    for (;;) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);

        if (n < 0) {
            int e = errno;

            if (e == EINTR)
                continue;
            close(fd);
            return -e;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len == cap - 1) {
            close(fd);
            return -EFBIG;
        }
    }
    close(fd);
    buf[len] = '\0';
    return 0;
}

/* Reads and parses one stat file; -errno, or -EINVAL if unparsable. */
static int read_stat_file(const char *path, pid_t *pid, char *name,
                          struct procstat_times *times, char *state, char *err,
                          size_t err_cap)
{
    char buf[4096];
    int rc = read_small_file(path, buf, sizeof(buf));

    if (rc < 0) {
        procstat_err(err, err_cap, path, "read failed", -rc);
        return rc;
    }
    rc = procstat_parse_stat(buf, pid, name, PROCSTAT_NAME_MAX, times);
    if (rc < 0)
        procstat_err(err, err_cap, path, "not a stat line", -rc);
    else if (state != NULL)
        *state = strrchr(buf, ')')[2]; /* parse_stat checked the letter */
    return rc;
}

/*
 * Reads one task/TID/schedstat: 0 with its on-CPU time in *run_ns and
 * *nonzero set when any field is not 0, or -errno (-EINVAL: unparsable).
 */
static int read_schedstat_file(const char *path, uint64_t *run_ns, int *nonzero)
{
    char buf[256];
    uint64_t wait_ns, slices;
    int rc = read_small_file(path, buf, sizeof(buf));

    if (rc < 0)
        return rc;
    rc = procstat_parse_schedstat(buf, run_ns, &wait_ns, &slices);
    if (rc == 0)
        *nonzero = *run_ns != 0 || wait_ns != 0 || slices != 0;
    return rc;
}

static int is_number(const char *s)
{
    if (*s == '\0')
        return 0;
    for (; *s != '\0'; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

static int read_threads(const char *root, pid_t pid,
                        struct procstat_snapshot *out, char *err,
                        size_t err_cap)
{
    char path[PATH_MAX];
    struct dirent *entry;
    DIR *dir;
    int rc = 0, schedstat_seen = 0;

    rc = pathfmt(path, sizeof(path), "%s/%d/task", root, (int)pid);
    if (rc < 0) {
        procstat_err(err, err_cap, root, "path too long", -rc);
        return rc;
    }
    dir = opendir(path);
    if (dir == NULL) {
        rc = -errno;
        procstat_err(err, err_cap, path, "opendir failed", -rc);
        return rc;
    }
    out->nthreads = 0;
    out->nrunning = 0;
    out->has_schedstat = 1;
    while ((errno = 0, entry = readdir(dir)) != NULL) {
        struct procstat_thread *t;
        char stat_path[PATH_MAX];
        int ss_rc = -ENOENT, nonzero = 0;

        if (!is_number(entry->d_name))
            continue;
        if (out->nthreads == PROCSTAT_MAX_THREADS) {
            rc = -E2BIG;
            procstat_err(err, err_cap, path, "too many threads", E2BIG);
            break;
        }
        t = &out->threads[out->nthreads];
        t->run_ns = 0;
        /*
         * schedstat before stat: if stat then reads, the thread was alive
         * when schedstat was opened, so a missing schedstat means a kernel
         * without it, not a thread that just exited.
         */
        rc = pathfmt(stat_path, sizeof(stat_path), "%s/%s/schedstat", path,
                     entry->d_name);
        if (rc == 0 && out->has_schedstat)
            ss_rc = read_schedstat_file(stat_path, &t->run_ns, &nonzero);
        if (rc == 0)
            rc = pathfmt(stat_path, sizeof(stat_path), "%s/%s/stat", path,
                         entry->d_name);
        if (rc < 0) {
            procstat_err(err, err_cap, path, "path too long", -rc);
            break;
        }
        rc = read_stat_file(stat_path, &t->tid, t->name, &t->times, &t->state,
                            err, err_cap);
        if (rc == -ENOENT || rc == -ESRCH) {
            rc = 0; /* the thread exited after readdir: skip it */
            if (err != NULL && err_cap > 0)
                err[0] = '\0';
            continue;
        }
        if (rc < 0)
            break;
        /* Unreadable or garbled: fall back to ticks for the snapshot. */
        if (ss_rc < 0)
            out->has_schedstat = 0;
        schedstat_seen |= nonzero;
        out->nrunning += t->state == 'R';
        out->nthreads++;
    }
    /* Every thread "0 0 0": schedstat accounting is off in this kernel. */
    if (!schedstat_seen)
        out->has_schedstat = 0;
    if (entry == NULL && errno != 0) {
        rc = -errno;
        procstat_err(err, err_cap, path, "readdir failed", -rc);
    }
    closedir(dir);
    return rc;
}

int procstat_read(const char *proc_root, pid_t pid,
                  struct procstat_snapshot *out, char *err, size_t err_cap)
{
    const char *root = proc_root_or_default(proc_root);
    char path[PATH_MAX];
    int rc;

    rc = pathfmt(path, sizeof(path), "%s/%d/stat", root, (int)pid);
    if (rc < 0) {
        procstat_err(err, err_cap, root, "path too long", -rc);
        return rc;
    }
    rc = read_stat_file(path, &out->pid, out->name, &out->process, NULL, err,
                        err_cap);
    if (rc == -ENOENT)
        rc = -ESRCH;
    if (rc < 0)
        return rc;
    return read_threads(root, pid, out, err, err_cap);
}

int procstat_read_settled(const char *proc_root, pid_t pid,
                          unsigned max_wait_us, struct procstat_snapshot *out,
                          char *err, size_t err_cap)
{
    const unsigned step_us = 200;
    unsigned waited_us = 0;
    int rc;

    for (;;) {
        rc = procstat_read(proc_root, pid, out, err, err_cap);
        if (rc < 0 || out->nrunning == 0 || waited_us >= max_wait_us)
            return rc;
        if (usleep(step_us) < 0 && errno != EINTR) {
            rc = -errno;
            procstat_err(err, err_cap, "usleep", "wait failed", -rc);
            return rc;
        }
        waited_us += step_us;
    }
}

int procstat_read_mem(const char *proc_root, pid_t pid,
                      struct procstat_mem *out, char *err, size_t err_cap)
{
    char path[PATH_MAX];
    char buf[PROC_FILE_MAX];
    int rc;

    rc = pathfmt(path, sizeof(path), "%s/%d/status",
                 proc_root_or_default(proc_root), (int)pid);
    if (rc < 0) {
        procstat_err(err, err_cap, proc_root, "path too long", -rc);
        return rc;
    }
    rc = read_small_file(path, buf, sizeof(buf));
    if (rc < 0) {
        procstat_err(err, err_cap, path, "read failed", -rc);
        return rc == -ENOENT ? -ESRCH : rc;
    }
    rc = procstat_parse_status(buf, out);
    if (rc < 0)
        procstat_err(err, err_cap, path, "no VmHWM or VmRSS line", -rc);
    return rc;
}

double procstat_ticks_to_s(uint64_t ticks)
{
    static long ticks_per_s;

    if (ticks_per_s <= 0) {
        ticks_per_s = sysconf(_SC_CLK_TCK);
        if (ticks_per_s <= 0)
            ticks_per_s = 100; /* USER_HZ on every Linux architecture */
    }
    return (double)ticks / (double)ticks_per_s;
}

/* Clock ticks to nanoseconds, with sysconf(_SC_CLK_TCK). */
static int64_t ticks_to_ns(uint64_t ticks)
{
    return (int64_t)(procstat_ticks_to_s(ticks) * 1e9 + 0.5);
}

/* CPU time of a thread (or process) in ns from its stat ticks. */
static int64_t times_ns(const struct procstat_times *t)
{
    return ticks_to_ns(t->utime + t->stime);
}

/* QEMU with -name ...,debug-threads=on names vCPU threads "CPU N/ACCEL". */
static int is_vcpu_thread(const struct procstat_thread *t)
{
    return strncmp(t->name, "CPU ", 4) == 0 && strchr(t->name, '/') != NULL;
}

static const struct procstat_thread *
find_thread(const struct procstat_snapshot *s, pid_t tid)
{
    for (size_t i = 0; i < s->nthreads; i++)
        if (s->threads[i].tid == tid)
            return &s->threads[i];
    return NULL;
}

void procstat_zero_like(struct procstat_snapshot *start,
                        const struct procstat_snapshot *now)
{
    memset(start, 0, sizeof(*start));
    start->pid = now->pid;
    memcpy(start->name, now->name, sizeof(start->name));
    start->has_schedstat = now->has_schedstat;
    start->nthreads = now->nthreads;
    for (size_t i = 0; i < now->nthreads; i++) {
        start->threads[i].tid = now->threads[i].tid;
        memcpy(start->threads[i].name, now->threads[i].name,
               sizeof(start->threads[i].name));
    }
}

/*
 * On-CPU ns of thread a since reading b (NULL: born since, counts whole).
 * A tid reused by a new thread shows less time than before: count whole.
 */
static int64_t thread_delta_ns(const struct procstat_thread *a,
                               const struct procstat_thread *b, int ns)
{
    int64_t now = ns ? (int64_t)a->run_ns : times_ns(&a->times);
    int64_t then = 0;

    if (b != NULL)
        then = ns ? (int64_t)b->run_ns : times_ns(&b->times);

    return now >= then ? now - then : now;
}

/*
 * Total CPU of a phase. The live threads are summed thread by thread from
 * one source, so that total = vcpu + io exactly. Subtracting the vCPU from
 * the process's stat total instead would mix two sources. The kernel
 * scales the utime/stime split of the process and of each thread
 * separately and rounds each down to ticks. So the figures disagree by a
 * tick or two, and the difference can go negative.
 *
 * A thread that exited during the phase has no task entry left, but its
 * time stays in the process's stat line: the kernel adds a dead thread's
 * utime, stime and runtime to the thread group's totals, and scales the
 * process's utime+stime to the group's summed runtime, the same ns clock
 * that schedstat reports (checked on Linux 6.18: a thread that ran 137 ms
 * and exited left the stat total at 12 ticks with 0.7 ms in the live
 * threads' schedstat). So the stat delta beyond the live threads' delta is
 * the exited threads' part. That stat total is rounded down to ticks, in
 * utime and stime separately, so one reading is up to 2 ticks low and a
 * difference of two readings is up to 2 ticks off either way. The surplus
 * is therefore counted when a thread seen in "before" is gone, where some
 * is expected, and otherwise only beyond 2 ticks (a thread born and gone
 * within the phase); else it is taken as rounding. Without schedstat the
 * live threads come from ticks too, each rounded the same way, and the
 * bound grows by 2 ticks a thread. The exited part counts as io.
 * NOTE: so a thread born and gone within the phase that ran less than
 * 2 ticks is missed, and the exited part has tick resolution.
 */
void procstat_diff(const struct procstat_snapshot *before,
                   const struct procstat_snapshot *after,
                   struct procstat_delta *out)
{
    int ns = before->has_schedstat && after->has_schedstat;
    int64_t live = 0, vcpu = 0, exited = 0, surplus, slack;
    int64_t total_us, vcpu_us;
    int vanished = 0;

    memset(out, 0, sizeof(*out));
    out->method = ns ? "schedstat" : "procstat";
    for (size_t i = 0; i < after->nthreads; i++) {
        const struct procstat_thread *a = &after->threads[i];
        int64_t d = thread_delta_ns(a, find_thread(before, a->tid), ns);

        live += d;
        if (is_vcpu_thread(a)) {
            vcpu += d;
            out->has_vcpu = 1;
        }
    }
    for (size_t i = 0; i < before->nthreads; i++)
        if (find_thread(after, before->threads[i].tid) == NULL)
            vanished = 1;

    /* From ticks, each live thread adds its own rounding of 2 ticks. */
    slack = ticks_to_ns(ns ? 2 : 2 * (1 + after->nthreads));
    surplus = times_ns(&after->process) - times_ns(&before->process) - live;
    if (surplus > 0 && (vanished || surplus > slack))
        exited = surplus;

    /*
     * Whole microseconds, io as the remainder: the figures are written
     * with 6 decimals, and vcpu + io must add up to total as written.
     */
    total_us = (live + exited + 500) / 1000;
    vcpu_us = (vcpu + 500) / 1000;
    out->total_s = (double)total_us / 1e6;
    out->exited_s = (double)exited / 1e9;
    out->guest_s = procstat_ticks_to_s(after->process.guest_time) -
                   procstat_ticks_to_s(before->process.guest_time);
    out->host_s = out->total_s - out->guest_s;
    if (out->has_vcpu) {
        out->vcpu_s = (double)vcpu_us / 1e6;
        out->io_s = (double)(total_us - vcpu_us) / 1e6;
    }
}
