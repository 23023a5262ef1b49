/*
 * perfctr: cycles and instructions of a process's threads via
 * perf_event_open(2).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "perfctr.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static void perfctr_err(char *err, size_t err_cap, const char *object,
                        const char *what, int errnum)
{
    if (err != NULL && err_cap > 0)
        snprintf(err, err_cap, "perfctr: %s: %s: %s", object, what,
                 strerror(errnum));
}

/* Returns kernel.perf_event_paranoid, or -2 when it cannot be read. */
static int read_paranoid(const char *proc_root)
{
    char path[PATH_MAX];
    int level = -2;
    FILE *f;

    if (snprintf(path, sizeof(path), "%s/sys/kernel/perf_event_paranoid",
                 proc_root) >= (int)sizeof(path))
        return -2;
    f = fopen(path, "re");
    if (f == NULL)
        return -2;
    if (fscanf(f, "%d", &level) != 1)
        level = -2;
    fclose(f);
    return level;
}

int perfctr_classify_errno(int err, int paranoid, char *reason,
                           size_t reason_cap)
{
    switch (err) {
    case ENOENT:
        snprintf(reason, reason_cap,
                 "no hardware cycle counter (ENOENT): the CPU exposes no "
                 "PMU, as in most VMs");
        return 1;
    case EOPNOTSUPP:
        snprintf(reason, reason_cap,
                 "hardware cycle counter not supported (EOPNOTSUPP): no PMU, "
                 "as in most VMs");
        return 1;
    case ENODEV:
        snprintf(reason, reason_cap, "no PMU device (ENODEV)");
        return 1;
    case ENOSYS:
        snprintf(reason, reason_cap,
                 "perf_event_open not available (ENOSYS): kernel without "
                 "perf events or blocked by seccomp");
        return 1;
    case EACCES:
    case EPERM:
        if (paranoid == -2)
            snprintf(reason, reason_cap,
                     "perf_event_open denied (%s) and "
                     "kernel.perf_event_paranoid unreadable; run as root",
                     strerror(err));
        else
            snprintf(reason, reason_cap,
                     "perf_event_open denied (%s) with "
                     "kernel.perf_event_paranoid=%d; run as root or set "
                     "it to 0",
                     strerror(err), paranoid);
        return 1;
    default:
        snprintf(reason, reason_cap, "perf_event_open failed: %s",
                 strerror(err));
        return 0;
    }
}

static int perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
    return (int)syscall(SYS_perf_event_open, attr, pid, cpu, -1,
                        PERF_FLAG_FD_CLOEXEC);
}

/* Opens one disabled counter on thread tid; returns fd or -errno. */
static int open_counter(pid_t tid, uint64_t config)
{
    struct perf_event_attr attr;
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = PERF_TYPE_HARDWARE;
    attr.config = config;
    attr.disabled = 1;
    /* Threads this thread creates later are counted into the same fd. */
    attr.inherit = 1;
    attr.read_format =
        PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
    fd = perf_event_open(&attr, tid, -1);
    return fd < 0 ? -errno : fd;
}

void perfctr_close(struct perfctr *pc)
{
    for (size_t i = 0; i < pc->nthreads; i++) {
        if (pc->threads[i].fd_cycles >= 0)
            close(pc->threads[i].fd_cycles);
        if (pc->threads[i].fd_instructions >= 0)
            close(pc->threads[i].fd_instructions);
    }
    pc->nthreads = 0;
    pc->available = 0;
}

/* Opens both counters on tid. Returns 0, 1 (thread gone) or -errno. */
static int open_thread(struct perfctr *pc, pid_t tid)
{
    struct perfctr_thread *t = &pc->threads[pc->nthreads];
    int fd;

    fd = open_counter(tid, PERF_COUNT_HW_CPU_CYCLES);
    if (fd == -ESRCH)
        return 1;
    if (fd < 0)
        return fd;
    t->tid = tid;
    t->fd_cycles = fd;
    fd = open_counter(tid, PERF_COUNT_HW_INSTRUCTIONS);
    if (fd < 0) {
        close(t->fd_cycles);
        return fd == -ESRCH ? 1 : fd;
    }
    t->fd_instructions = fd;
    pc->nthreads++;
    return 0;
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

int perfctr_open(struct perfctr *pc, const char *proc_root, pid_t pid,
                 char *err, size_t err_cap)
{
    const char *root = proc_root != NULL ? proc_root : "/proc";
    char path[PATH_MAX];
    struct dirent *entry;
    DIR *dir;
    int rc = 0;

    memset(pc, 0, sizeof(*pc));
    if (snprintf(path, sizeof(path), "%s/%d/task", root, (int)pid) >=
        (int)sizeof(path)) {
        perfctr_err(err, err_cap, root, "path too long", ENAMETOOLONG);
        return -ENAMETOOLONG;
    }
    dir = opendir(path);
    if (dir == NULL) {
        rc = errno == ENOENT ? -ESRCH : -errno;
        perfctr_err(err, err_cap, path, "opendir failed", errno);
        return rc;
    }
    while ((entry = readdir(dir)) != NULL) {
        if (!is_number(entry->d_name))
            continue;
        if (pc->nthreads == PERFCTR_MAX_THREADS) {
            rc = -E2BIG;
            perfctr_err(err, err_cap, path, "too many threads", E2BIG);
            break;
        }
        rc = open_thread(pc, (pid_t)atoi(entry->d_name));
        if (rc == 1) {
            rc = 0; /* the thread exited after readdir */
            continue;
        }
        if (rc < 0)
            break;
    }
    closedir(dir);

    if (rc < 0 && perfctr_classify_errno(-rc, read_paranoid(root), pc->reason,
                                         sizeof(pc->reason))) {
        perfctr_close(pc); /* no PMU: unavailable, not an error */
        return 0;
    }
    if (rc < 0) {
        if (rc != -E2BIG)
            perfctr_err(err, err_cap, path, "perf_event_open failed", -rc);
        perfctr_close(pc);
        return rc;
    }
    if (pc->nthreads == 0) {
        perfctr_err(err, err_cap, path, "no thread left", ESRCH);
        return -ESRCH;
    }
    pc->available = 1;
    return 0;
}

static int ioctl_all(struct perfctr *pc, unsigned long request)
{
    for (size_t i = 0; i < pc->nthreads; i++) {
        if (ioctl(pc->threads[i].fd_cycles, request, 0) < 0 ||
            ioctl(pc->threads[i].fd_instructions, request, 0) < 0)
            return -errno;
    }
    return 0;
}

int perfctr_enable(struct perfctr *pc)
{
    int rc;

    if (!pc->available)
        return 0;
    rc = ioctl_all(pc, PERF_EVENT_IOC_RESET);
    if (rc < 0)
        return rc;
    return ioctl_all(pc, PERF_EVENT_IOC_ENABLE);
}

int perfctr_disable(struct perfctr *pc)
{
    if (!pc->available)
        return 0;
    return ioctl_all(pc, PERF_EVENT_IOC_DISABLE);
}

int perfctr_parse_reading(const void *buf, size_t len,
                          struct perfctr_reading *out)
{
    uint64_t v[3];

    if (len != sizeof(v))
        return -EINVAL;
    memcpy(v, buf, sizeof(v));
    out->value = v[0];
    out->time_enabled = v[1];
    out->time_running = v[2];
    return 0;
}

int perfctr_scale(const struct perfctr_reading *r, uint64_t *out, int *scaled)
{
    if (r->time_running == 0) {
        /*
         * A task counter's times advance only while the task runs, so
         * enabled == 0 is a thread that stayed asleep: truly 0. Enabled
         * but never running means multiplexed out the whole time.
         */
        if (r->time_enabled != 0)
            return -ENODATA;
        *out = r->value;
        return 0;
    }
    if (r->time_running >= r->time_enabled) {
        *out = r->value;
        return 0;
    }
    *out = (uint64_t)((unsigned __int128)r->value * r->time_enabled /
                      r->time_running);
    *scaled = 1;
    return 0;
}

/* Reads one counter and adds its scaled value to *sum. */
static int read_counter(int fd, pid_t tid, const char *event, uint64_t *sum,
                        int *scaled, char *err, size_t err_cap)
{
    struct perfctr_reading r;
    char object[64];
    uint64_t buf[3], value;
    ssize_t n;
    int rc;

    snprintf(object, sizeof(object), "thread %d %s", (int)tid, event);
    n = read(fd, buf, sizeof(buf));
    if (n < 0) {
        rc = -errno;
        perfctr_err(err, err_cap, object, "read failed", -rc);
        return rc;
    }
    rc = perfctr_parse_reading(buf, (size_t)n, &r);
    if (rc == 0)
        rc = perfctr_scale(&r, &value, scaled);
    if (rc < 0) {
        perfctr_err(err, err_cap, object,
                    rc == -ENODATA ? "counter never ran on the PMU"
                                   : "short read",
                    -rc);
        return rc;
    }
    *sum += value;
    return 0;
}

int perfctr_read(struct perfctr *pc, struct perfctr_result *out, char *err,
                 size_t err_cap)
{
    memset(out, 0, sizeof(*out));
    if (!pc->available) {
        memcpy(out->reason, pc->reason, sizeof(out->reason));
        return 0;
    }
    for (size_t i = 0; i < pc->nthreads; i++) {
        const struct perfctr_thread *t = &pc->threads[i];
        int rc;

        rc = read_counter(t->fd_cycles, t->tid, "cycles", &out->cycles,
                          &out->scaled, err, err_cap);
        if (rc == 0)
            rc = read_counter(t->fd_instructions, t->tid, "instructions",
                              &out->instructions, &out->scaled, err, err_cap);
        if (rc < 0)
            return rc;
    }
    out->available = 1;
    return 0;
}
