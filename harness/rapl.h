/*
 * rapl: package and DRAM energy over a phase, from the powercap sysfs
 * interface (/sys/class/powercap/intel-rapl:N and :N:M, also used for AMD
 * since Linux 5.8) or, failing that, from the perf "power" PMU.
 *
 * RAPL counts per package, not per process: the energy of one VM is an
 * attribution (the caller reports package energy, idle power and the share
 * by CPU time). Every reader takes a sysfs root so tests can build fake
 * trees; NULL means "/sys".
 */
#ifndef RAPL_H
#define RAPL_H

#include <linux/limits.h> /* PATH_MAX without feature macros */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define RAPL_MAX_ZONES 16
#define RAPL_MAX_CPUS 16
#define RAPL_REASON_MAX 256

enum rapl_source {
    RAPL_NONE = 0,   /* no energy counter usable */
    RAPL_POWERCAP,   /* method "rapl-powercap" */
    RAPL_PERF_POWER, /* method "perf-power" */
};

enum rapl_domain {
    RAPL_PKG = 0,
    RAPL_DRAM = 1,
};

/* One powercap zone, picked by the contents of its `name` file. */
struct rapl_zone {
    char path[PATH_MAX]; /* the zone directory */
    enum rapl_domain domain;
    int package;           /* N of "package-N"; the parent's N for dram */
    uint64_t max_range_uj; /* energy_uj wraps to 0 past this value */
    uint64_t last_uj;      /* previous reading of energy_uj */
    uint64_t sum_uj;       /* energy since rapl_start, 64-bit */
    int fd;                /* energy_uj, kept open and read with pread */
};

/* The perf "power" PMU: one system-wide counter per package. */
struct rapl_perf_power {
    int type;             /* devices/power/type */
    uint64_t config_pkg;  /* from events/energy-pkg ("event=0x02") */
    uint64_t config_dram; /* events/energy-ram; valid if has_dram */
    int has_dram;
    double scale_pkg; /* joules per count (events/energy-pkg.scale) */
    double scale_dram;
    size_t ncpus;
    int cpus[RAPL_MAX_CPUS]; /* one CPU per package, from cpumask */
    int fd_pkg[RAPL_MAX_CPUS];
    int fd_dram[RAPL_MAX_CPUS];
    uint64_t start_pkg[RAPL_MAX_CPUS]; /* counts at rapl_start */
    uint64_t start_dram[RAPL_MAX_CPUS];
};

struct rapl {
    enum rapl_source source;
    char reason[RAPL_REASON_MAX];      /* why source is RAPL_NONE */
    char dram_reason[RAPL_REASON_MAX]; /* why DRAM is unavailable */
    int has_dram;
    size_t nzones;
    struct rapl_zone zones[RAPL_MAX_ZONES];
    struct rapl_perf_power perf;
    /* Background sampler of powercap zones (see rapl_start). */
    pthread_mutex_t lock; /* guards zones[], stop_sampler, sample_errno */
    pthread_cond_t wake;  /* signalled to stop the sampler early */
    pthread_t sampler;
    int sampler_running;
    int stop_sampler;
    int sample_errno; /* first read error of the sampler, 0 if none */
    double sample_interval_s;
};

/* Energy over one phase, in joules. */
struct rapl_result {
    enum rapl_source source;
    const char *method; /* "rapl-powercap", "perf-power" or "unavailable" */
    char reason[RAPL_REASON_MAX];
    double pkg_j; /* all packages summed; set when source != RAPL_NONE */
    int has_dram;
    char dram_reason[RAPL_REASON_MAX];
    double dram_j;
};

/*
 * Finds the energy counters under sysfs_root: powercap zones picked by their
 * `name` file ("package-N", "dram"), else the perf power PMU. Always
 * returns 0 for "no counter" cases: r->source is RAPL_NONE and r->reason
 * states whether RAPL is absent (ENOENT) or present but unreadable (EACCES:
 * "needs root or a udev rule"). DRAM missing (AMD) leaves has_dram 0 with
 * dram_reason. Returns -errno with a message in err only for unexpected
 * failures. Call rapl_close afterwards in every case.
 */
int rapl_open(struct rapl *r, const char *sysfs_root, char *err,
              size_t err_cap);

/*
 * Zeroes the sums, takes first readings and, for powercap, starts a thread
 * that reads every zone every r->sample_interval_s, so energy_uj wraps at
 * most once between two reads unless power exceeds the assumed maximum
 * (twice the zone's largest power limit, at least 500 W). Phases may
 * repeat (start, stop, start ...). Returns 0, -EBUSY when a phase is
 * already running, or another -errno.
 */
int rapl_start(struct rapl *r, char *err, size_t err_cap);

/*
 * Reads every powercap zone once and adds the energy since the previous
 * read to its sum (the sampler thread calls this; tests call it directly).
 * Returns 0 or -errno; a no-op for the perf source.
 */
int rapl_sample(struct rapl *r);

/* Stops sampling, takes the last reading and fills out. Returns 0/-errno. */
int rapl_stop(struct rapl *r, struct rapl_result *out, char *err,
              size_t err_cap);

/* Stops the sampler if running and closes everything; call once. */
void rapl_close(struct rapl *r);

/*
 * Energy between two readings of a counter that wraps to 0 at max_uj
 * (max_energy_range_uj): cur - prev, or (max_uj - prev) + cur when cur <
 * prev, which assumes exactly one wrap. With prev = max - 10 and cur = 5 it
 * returns 15 uJ.
 */
uint64_t rapl_delta_uj(uint64_t prev_uj, uint64_t cur_uj, uint64_t max_uj);

/*
 * Maximum safe interval between two reads of a zone with range max_uj, in
 * seconds: half the time the counter takes to wrap at max_power_w, at most
 * 60 s.
 */
double rapl_wrap_interval_s(uint64_t max_uj, double max_power_w);

/*
 * Parses a perf PMU cpumask ("0", "0,8", "0-1") into cpus. Returns the
 * number of CPUs, or -EINVAL.
 */
int rapl_parse_cpumask(const char *text, int *cpus, size_t cap);

/*
 * Parses a perf event description such as "event=0x02" (optionally with
 * other terms, comma separated) into its config value. Returns 0 or -EINVAL.
 */
int rapl_parse_event_config(const char *text, uint64_t *config);

#endif
