/*
 * rapl: package and DRAM energy from powercap sysfs or the perf power PMU.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "rapl.h"
#include "pathfmt.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/*
 * Power assumed when sizing the sampling interval: the zone's largest power
 * limit doubled (turbo can exceed it), but at least this much per package.
 */
#define RAPL_ASSUMED_MIN_W 500.0
#define RAPL_MAX_INTERVAL_S 60.0

static void rapl_err(char *err, size_t err_cap, const char *object,
                     const char *what, int errnum)
{
    if (err != NULL && err_cap > 0)
        snprintf(err, err_cap, "rapl: %s: %s: %s", object, what,
                 strerror(errnum));
}

/* Reads a one-line sysfs file without its newline. Returns 0 or -errno. */
static int read_line(const char *path, char *buf, size_t cap)
{
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -errno;
    n = read(fd, buf, cap - 1);
    if (n < 0) {
        int e = errno;

        close(fd);
        return -e;
    }
    close(fd);
    buf[n] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static int parse_u64_text(const char *text, uint64_t *out)
{
    char *end;
    unsigned long long v;

    if (!isdigit((unsigned char)text[0]))
        return -EINVAL;
    errno = 0;
    v = strtoull(text, &end, 10);
    if (errno != 0 || (*end != '\0' && *end != '\n'))
        return -EINVAL;
    *out = v;
    return 0;
}

/* Reads an energy counter from an open sysfs fd (pread re-reads it). */
static int read_energy_fd(int fd, uint64_t *out)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    if (n < 0)
        return -errno;
    buf[n] = '\0';
    return parse_u64_text(buf, out);
}

uint64_t rapl_delta_uj(uint64_t prev_uj, uint64_t cur_uj, uint64_t max_uj)
{
    if (cur_uj >= prev_uj)
        return cur_uj - prev_uj;
    /* One wrap: the counter ran from prev up to max, then from 0 to cur. */
    return (max_uj - prev_uj) + cur_uj;
}

double rapl_wrap_interval_s(uint64_t max_uj, double max_power_w)
{
    double wrap_s = (double)max_uj / 1e6 / max_power_w;

    if (!(wrap_s / 2 < RAPL_MAX_INTERVAL_S))
        return RAPL_MAX_INTERVAL_S;
    return wrap_s / 2;
}

int rapl_parse_cpumask(const char *text, int *cpus, size_t cap)
{
    const char *p = text;
    size_t n = 0;

    while (*p != '\0' && *p != '\n') {
        char *end;
        long first, last;

        if (!isdigit((unsigned char)*p))
            return -EINVAL;
        first = strtol(p, &end, 10);
        last = first;
        if (*end == '-') {
            p = end + 1;
            if (!isdigit((unsigned char)*p))
                return -EINVAL;
            last = strtol(p, &end, 10);
            if (last < first)
                return -EINVAL;
        }
        for (long c = first; c <= last; c++) {
            if (n == cap)
                return -E2BIG;
            cpus[n++] = (int)c;
        }
        p = end;
        if (*p == ',')
            p++;
        else if (*p != '\0' && *p != '\n')
            return -EINVAL;
    }
    return n == 0 ? -EINVAL : (int)n;
}

int rapl_parse_event_config(const char *text, uint64_t *config)
{
    const char *p = strstr(text, "event=");
    char *end;

    /* "event=" must start a term: at the start or after a comma. */
    if (p == NULL || (p != text && p[-1] != ','))
        return -EINVAL;
    p += strlen("event=");
    errno = 0;
    *config = strtoull(p, &end, 0);
    if (errno != 0 || end == p || (*end != '\0' && *end != ',' && *end != '\n'))
        return -EINVAL;
    return 0;
}

/* --- powercap ------------------------------------------------------------ */

/*
 * Matches "intel-rapl:N" and "intel-rapl:N:M" and returns N. The
 * "intel-rapl-mmio:N" zones repeat the package counter through MMIO on
 * recent Intel CPUs and are skipped so nothing is counted twice.
 */
static int zone_dir_package(const char *name, int *parent)
{
    const char *p;
    char *end;
    long n;

    if (strncmp(name, "intel-rapl:", 11) != 0)
        return 0;
    p = name + 11;
    if (!isdigit((unsigned char)*p))
        return 0;
    n = strtol(p, &end, 10);
    if (*end != '\0' && *end != ':')
        return 0;
    *parent = (int)n;
    return 1;
}

/* Largest constraint_*_max_power_uw of a zone, in watts; 0 if none. */
static double zone_max_power_w(const char *dir)
{
    double max_w = 0;

    for (int i = 0; i < 4; i++) {
        char path[PATH_MAX], line[32];
        uint64_t uw;

        if (pathfmt(path, sizeof(path), "%s/constraint_%d_max_power_uw", dir,
                    i) < 0 ||
            read_line(path, line, sizeof(line)) < 0 ||
            parse_u64_text(line, &uw) < 0)
            continue;
        if ((double)uw / 1e6 > max_w)
            max_w = (double)uw / 1e6;
    }
    return max_w;
}

/*
 * Adds the zone in dir if its `name` is "package-N" or "dram". Returns 0
 * (added or ignored) or -errno; -EACCES when energy_uj is unreadable.
 */
static int add_zone(struct rapl *r, const char *dir, int parent)
{
    struct rapl_zone *z = &r->zones[r->nzones];
    char path[PATH_MAX], name[64], line[32];
    int rc, package = parent;
    enum rapl_domain domain;
    double power_w;

    rc = pathfmt(path, sizeof(path), "%s/name", dir);
    if (rc == 0)
        rc = read_line(path, name, sizeof(name));
    if (rc < 0)
        return rc;
    if (sscanf(name, "package-%d", &package) == 1)
        domain = RAPL_PKG;
    else if (strcmp(name, "dram") == 0)
        domain = RAPL_DRAM;
    else
        return 0; /* core, uncore, psys: not reported */
    if (r->nzones == RAPL_MAX_ZONES)
        return -E2BIG;

    rc = pathfmt(path, sizeof(path), "%s/max_energy_range_uj", dir);
    if (rc == 0)
        rc = read_line(path, line, sizeof(line));
    if (rc == 0)
        rc = parse_u64_text(line, &z->max_range_uj);
    if (rc < 0)
        return rc;
    if (pathfmt(path, sizeof(path), "%s/energy_uj", dir) < 0)
        return -ENAMETOOLONG;
    z->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (z->fd < 0)
        return -errno;

    snprintf(z->path, sizeof(z->path), "%s", dir);
    z->domain = domain;
    z->package = package;
    power_w = 2 * zone_max_power_w(dir);
    if (power_w < RAPL_ASSUMED_MIN_W)
        power_w = RAPL_ASSUMED_MIN_W;
    if (rapl_wrap_interval_s(z->max_range_uj, power_w) < r->sample_interval_s)
        r->sample_interval_s = rapl_wrap_interval_s(z->max_range_uj, power_w);
    r->nzones++;
    return 0;
}

/*
 * Opens the powercap zones. Returns 0 with r->nzones set, -ENOENT when
 * there is no RAPL zone, -EACCES when energy_uj cannot be read, or another
 * -errno with a message in err.
 */
static int open_powercap(struct rapl *r, const char *root, char *err,
                         size_t err_cap)
{
    char dir_path[PATH_MAX], zone_path[PATH_MAX];
    struct dirent *entry;
    DIR *dir;
    int rc = 0, found_pkg = 0;

    if (pathfmt(dir_path, sizeof(dir_path), "%s/class/powercap", root) < 0)
        return -ENAMETOOLONG;
    dir = opendir(dir_path);
    if (dir == NULL)
        return errno == ENOENT ? -ENOENT : -errno;
    while ((entry = readdir(dir)) != NULL) {
        int parent;

        if (!zone_dir_package(entry->d_name, &parent))
            continue;
        rc = pathfmt(zone_path, sizeof(zone_path), "%s/%s", dir_path,
                     entry->d_name);
        if (rc == 0)
            rc = add_zone(r, zone_path, parent);
        if (rc < 0) {
            if (rc != -EACCES)
                rapl_err(err, err_cap, zone_path, "reading zone failed", -rc);
            break;
        }
    }
    closedir(dir);
    for (size_t i = 0; i < r->nzones; i++)
        found_pkg |= r->zones[i].domain == RAPL_PKG;
    if (rc == 0 && !found_pkg)
        rc = -ENOENT;
    return rc;
}

/* --- perf power PMU ------------------------------------------------------ */

static int perf_event_open(struct perf_event_attr *attr, pid_t pid, int cpu)
{
    return (int)syscall(SYS_perf_event_open, attr, pid, cpu, -1,
                        PERF_FLAG_FD_CLOEXEC);
}

/* Reads events/NAME and events/NAME.scale of the power PMU. */
static int read_perf_event(const char *pmu, const char *event, uint64_t *config,
                           double *scale)
{
    char path[PATH_MAX], line[128];
    char *end;
    int rc;

    rc = pathfmt(path, sizeof(path), "%s/events/%s", pmu, event);
    if (rc == 0)
        rc = read_line(path, line, sizeof(line));
    if (rc == 0)
        rc = rapl_parse_event_config(line, config);
    if (rc < 0)
        return rc;
    rc = pathfmt(path, sizeof(path), "%s/events/%s.scale", pmu, event);
    if (rc == 0)
        rc = read_line(path, line, sizeof(line));
    if (rc < 0)
        return rc;
    *scale = strtod(line, &end);
    if (end == line || !(*scale > 0))
        return -EINVAL;
    return 0;
}

/*
 * Parses the power PMU's type, events and cpumask. Returns 0, -ENOENT when
 * there is no power PMU, or -errno.
 */
static int parse_perf_power(struct rapl_perf_power *p, const char *root)
{
    char pmu[PATH_MAX], path[PATH_MAX], line[256];
    int rc, n;

    rc = pathfmt(pmu, sizeof(pmu), "%s/bus/event_source/devices/power", root);
    if (rc == 0)
        rc = pathfmt(path, sizeof(path), "%s/type", pmu);
    if (rc == 0)
        rc = read_line(path, line, sizeof(line));
    if (rc < 0)
        return rc;
    p->type = atoi(line);
    rc = read_perf_event(pmu, "energy-pkg", &p->config_pkg, &p->scale_pkg);
    if (rc < 0)
        return rc == -ENOENT ? -ENOENT : rc;
    p->has_dram = read_perf_event(pmu, "energy-ram", &p->config_dram,
                                  &p->scale_dram) == 0;

    rc = pathfmt(path, sizeof(path), "%s/cpumask", pmu);
    if (rc == 0)
        rc = read_line(path, line, sizeof(line));
    if (rc < 0)
        return rc;
    n = rapl_parse_cpumask(line, p->cpus, RAPL_MAX_CPUS);
    if (n < 0)
        return n;
    p->ncpus = (size_t)n;
    return 0;
}

/* A system-wide counter on one CPU; RAPL events reject per-task opens. */
static int open_power_event(int type, uint64_t config, int cpu)
{
    struct perf_event_attr attr;
    int fd;

    memset(&attr, 0, sizeof(attr));
    attr.size = sizeof(attr);
    attr.type = (uint32_t)type;
    attr.config = config;
    fd = perf_event_open(&attr, -1, cpu);
    return fd < 0 ? -errno : fd;
}

static int open_perf_power(struct rapl *r, const char *root)
{
    struct rapl_perf_power *p = &r->perf;
    int rc = parse_perf_power(p, root);

    if (rc < 0)
        return rc;
    for (size_t i = 0; i < p->ncpus; i++) {
        p->fd_pkg[i] = open_power_event(p->type, p->config_pkg, p->cpus[i]);
        if (p->fd_pkg[i] < 0)
            return p->fd_pkg[i];
        if (!p->has_dram)
            continue;
        p->fd_dram[i] = open_power_event(p->type, p->config_dram, p->cpus[i]);
        if (p->fd_dram[i] < 0)
            return p->fd_dram[i];
    }
    return 0;
}

static void close_fds(struct rapl *r)
{
    for (size_t i = 0; i < r->nzones; i++)
        if (r->zones[i].fd >= 0)
            close(r->zones[i].fd);
    r->nzones = 0;
    for (size_t i = 0; i < RAPL_MAX_CPUS; i++) {
        if (r->perf.fd_pkg[i] >= 0)
            close(r->perf.fd_pkg[i]);
        if (r->perf.fd_dram[i] >= 0)
            close(r->perf.fd_dram[i]);
        r->perf.fd_pkg[i] = r->perf.fd_dram[i] = -1;
    }
}

static void init_empty(struct rapl *r)
{
    memset(r, 0, sizeof(*r));
    for (size_t i = 0; i < RAPL_MAX_ZONES; i++)
        r->zones[i].fd = -1;
    for (size_t i = 0; i < RAPL_MAX_CPUS; i++)
        r->perf.fd_pkg[i] = r->perf.fd_dram[i] = -1;
    r->sample_interval_s = RAPL_MAX_INTERVAL_S;
    pthread_mutex_init(&r->lock, NULL);
    /* The sampler's deadlines follow CLOCK_MONOTONIC, not wall time. */
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&r->wake, &attr);
    pthread_condattr_destroy(&attr);
}

/* Fills r->reason when neither source works. */
static void explain_none(struct rapl *r, int powercap_rc, int perf_rc)
{
    if (powercap_rc == -EACCES)
        snprintf(r->reason, sizeof(r->reason),
                 "unavailable: needs root or a udev rule: powercap "
                 "energy_uj is root-only since Linux 5.10 (CVE-2020-8694)");
    else if (powercap_rc == -ENOENT && perf_rc == -ENOENT)
        snprintf(r->reason, sizeof(r->reason),
                 "unavailable: no RAPL: no powercap intel-rapl zone and no "
                 "perf power PMU (a VM, or a CPU without RAPL)");
    else if (perf_rc == -EACCES || perf_rc == -EPERM)
        snprintf(r->reason, sizeof(r->reason),
                 "unavailable: needs root: the perf power PMU is "
                 "system-wide (%s)",
                 strerror(-perf_rc));
    else if (powercap_rc == -ENOENT)
        snprintf(r->reason, sizeof(r->reason),
                 "unavailable: no powercap RAPL zone, and opening the perf "
                 "power PMU failed: %s",
                 strerror(-perf_rc));
    else
        snprintf(r->reason, sizeof(r->reason),
                 "unavailable: powercap RAPL failed: %s",
                 strerror(-powercap_rc));
}

int rapl_open(struct rapl *r, const char *sysfs_root, char *err, size_t err_cap)
{
    const char *root = sysfs_root != NULL ? sysfs_root : "/sys";
    int powercap_rc, perf_rc;

    init_empty(r);
    powercap_rc = open_powercap(r, root, err, err_cap);
    if (powercap_rc == 0) {
        r->source = RAPL_POWERCAP;
        for (size_t i = 0; i < r->nzones; i++)
            r->has_dram |= r->zones[i].domain == RAPL_DRAM;
        if (!r->has_dram)
            snprintf(r->dram_reason, sizeof(r->dram_reason),
                     "unavailable: no powercap dram zone (AMD CPUs and "
                     "most client Intel CPUs have none)");
        return 0;
    }
    close_fds(r);
    if (powercap_rc != -ENOENT && powercap_rc != -EACCES)
        return powercap_rc; /* err already names the failure */

    perf_rc = open_perf_power(r, root);
    if (perf_rc == 0) {
        r->source = RAPL_PERF_POWER;
        r->has_dram = r->perf.has_dram;
        if (!r->has_dram)
            snprintf(r->dram_reason, sizeof(r->dram_reason),
                     "unavailable: the perf power PMU has no energy-ram "
                     "event");
        return 0;
    }
    close_fds(r);
    r->source = RAPL_NONE;
    explain_none(r, powercap_rc, perf_rc);
    snprintf(r->dram_reason, sizeof(r->dram_reason), "%s", r->reason);
    return 0;
}

/* --- sampling ------------------------------------------------------------ */

static int sample_locked(struct rapl *r)
{
    for (size_t i = 0; i < r->nzones; i++) {
        struct rapl_zone *z = &r->zones[i];
        uint64_t cur;
        int rc = read_energy_fd(z->fd, &cur);

        if (rc < 0)
            return rc;
        z->sum_uj += rapl_delta_uj(z->last_uj, cur, z->max_range_uj);
        z->last_uj = cur;
    }
    return 0;
}

int rapl_sample(struct rapl *r)
{
    int rc;

    if (r->source != RAPL_POWERCAP)
        return 0;
    pthread_mutex_lock(&r->lock);
    rc = sample_locked(r);
    if (rc < 0 && r->sample_errno == 0)
        r->sample_errno = -rc;
    pthread_mutex_unlock(&r->lock);
    return rc;
}

static void *sampler_main(void *arg)
{
    struct rapl *r = arg;
    struct timespec deadline;

    pthread_mutex_lock(&r->lock);
    while (!r->stop_sampler) {
        time_t whole = (time_t)r->sample_interval_s;
        double frac = r->sample_interval_s - (double)whole;

        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += whole;
        deadline.tv_nsec += (long)(frac * 1e9);
        if (deadline.tv_nsec >= 1000000000L) {
            deadline.tv_sec++;
            deadline.tv_nsec -= 1000000000L;
        }
        while (!r->stop_sampler &&
               pthread_cond_timedwait(&r->wake, &r->lock, &deadline) == 0)
            ;
        if (r->stop_sampler)
            break;
        int rc = sample_locked(r);
        if (rc < 0 && r->sample_errno == 0)
            r->sample_errno = -rc;
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

static int read_perf_count(int fd, uint64_t *out)
{
    ssize_t n = read(fd, out, sizeof(*out));

    if (n < 0)
        return -errno;
    return n == sizeof(*out) ? 0 : -EIO;
}

int rapl_start(struct rapl *r, char *err, size_t err_cap)
{
    int rc = 0;

    if (r->source == RAPL_PERF_POWER) {
        for (size_t i = 0; i < r->perf.ncpus && rc == 0; i++) {
            rc = read_perf_count(r->perf.fd_pkg[i], &r->perf.start_pkg[i]);
            if (rc == 0 && r->perf.has_dram)
                rc =
                    read_perf_count(r->perf.fd_dram[i], &r->perf.start_dram[i]);
        }
        if (rc < 0)
            rapl_err(err, err_cap, "perf power PMU", "read failed", -rc);
        return rc;
    }
    if (r->source != RAPL_POWERCAP)
        return 0;
    if (r->sampler_running) {
        rapl_err(err, err_cap, "sampler", "rapl_start called twice", EBUSY);
        return -EBUSY;
    }

    pthread_mutex_lock(&r->lock);
    r->sample_errno = 0;
    r->stop_sampler = 0;
    for (size_t i = 0; i < r->nzones && rc == 0; i++) {
        r->zones[i].sum_uj = 0;
        rc = read_energy_fd(r->zones[i].fd, &r->zones[i].last_uj);
        if (rc < 0)
            rapl_err(err, err_cap, r->zones[i].path, "reading energy_uj failed",
                     -rc);
    }
    pthread_mutex_unlock(&r->lock);
    if (rc < 0)
        return rc;
    rc = pthread_create(&r->sampler, NULL, sampler_main, r);
    if (rc != 0) {
        rapl_err(err, err_cap, "sampler", "pthread_create failed", rc);
        return -rc;
    }
    r->sampler_running = 1;
    return 0;
}

static void stop_sampler(struct rapl *r)
{
    if (!r->sampler_running)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop_sampler = 1;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->sampler, NULL);
    r->sampler_running = 0;
}

static int stop_perf(struct rapl *r, struct rapl_result *out, char *err,
                     size_t err_cap)
{
    for (size_t i = 0; i < r->perf.ncpus; i++) {
        uint64_t pkg, dram;
        int rc = read_perf_count(r->perf.fd_pkg[i], &pkg);

        if (rc == 0 && r->perf.has_dram)
            rc = read_perf_count(r->perf.fd_dram[i], &dram);
        if (rc < 0) {
            rapl_err(err, err_cap, "perf power PMU", "read failed", -rc);
            return rc;
        }
        /* perf keeps 64-bit counts and handles the MSR wrap itself. */
        out->pkg_j += (double)(pkg - r->perf.start_pkg[i]) * r->perf.scale_pkg;
        if (r->perf.has_dram)
            out->dram_j +=
                (double)(dram - r->perf.start_dram[i]) * r->perf.scale_dram;
    }
    return 0;
}

static int stop_powercap(struct rapl *r, struct rapl_result *out, char *err,
                         size_t err_cap)
{
    uint64_t pkg_uj = 0, dram_uj = 0;
    int rc;

    stop_sampler(r);
    pthread_mutex_lock(&r->lock);
    rc = sample_locked(r);
    if (rc < 0 && r->sample_errno == 0)
        r->sample_errno = -rc;
    for (size_t i = 0; i < r->nzones; i++) {
        if (r->zones[i].domain == RAPL_PKG)
            pkg_uj += r->zones[i].sum_uj;
        else
            dram_uj += r->zones[i].sum_uj;
    }
    rc = r->sample_errno;
    pthread_mutex_unlock(&r->lock);
    if (rc != 0) {
        rapl_err(err, err_cap, "powercap", "reading energy_uj failed", rc);
        return -rc;
    }
    out->pkg_j = (double)pkg_uj / 1e6;
    out->dram_j = (double)dram_uj / 1e6;
    return 0;
}

int rapl_stop(struct rapl *r, struct rapl_result *out, char *err,
              size_t err_cap)
{
    int rc = 0;

    memset(out, 0, sizeof(*out));
    out->source = r->source;
    out->has_dram = r->has_dram;
    snprintf(out->reason, sizeof(out->reason), "%s", r->reason);
    snprintf(out->dram_reason, sizeof(out->dram_reason), "%s", r->dram_reason);
    if (r->source == RAPL_POWERCAP) {
        out->method = "rapl-powercap";
        rc = stop_powercap(r, out, err, err_cap);
    } else if (r->source == RAPL_PERF_POWER) {
        out->method = "perf-power";
        rc = stop_perf(r, out, err, err_cap);
    } else {
        out->method = "unavailable";
    }
    if (rc < 0) {
        if (err != NULL)
            snprintf(out->reason, sizeof(out->reason), "unavailable: %s", err);
        out->source = RAPL_NONE;
        out->method = "unavailable";
        out->has_dram = 0;
        out->pkg_j = out->dram_j = 0;
    }
    return rc;
}

void rapl_close(struct rapl *r)
{
    stop_sampler(r);
    close_fds(r);
    pthread_cond_destroy(&r->wake);
    pthread_mutex_destroy(&r->lock);
}
