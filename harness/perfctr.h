/*
 * perfctr: host CPU cycles and instructions of a process and all its
 * threads over a phase, with perf_event_open(2): one counter per thread and
 * event, opened disabled, enabled and disabled around the phase, read with
 * time_enabled/time_running so multiplexed counters are scaled.
 *
 * Where the host has no usable PMU (a VM, a container, or a restrictive
 * perf_event_paranoid) the counters are "unavailable" with the reason, never
 * 0.
 */
#ifndef PERFCTR_H
#define PERFCTR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PERFCTR_MAX_THREADS 256
#define PERFCTR_REASON_MAX 160

/* One counter value as read with TOTAL_TIME_ENABLED|TOTAL_TIME_RUNNING. */
struct perfctr_reading {
    uint64_t value;
    uint64_t time_enabled; /* ns the counter was enabled */
    uint64_t time_running; /* ns it was actually on the PMU */
};

struct perfctr_thread {
    pid_t tid;
    int fd_cycles;
    int fd_instructions;
};

/* Counters of one process; fill with perfctr_open, free with _close. */
struct perfctr {
    int available;                   /* 1 when counters are open */
    char reason[PERFCTR_REASON_MAX]; /* why not, when available == 0 */
    size_t nthreads;
    struct perfctr_thread threads[PERFCTR_MAX_THREADS];
};

/* Totals over the phase; when available == 0 the numbers are not set. */
struct perfctr_result {
    int available;
    char reason[PERFCTR_REASON_MAX];
    uint64_t cycles;
    uint64_t instructions;
    int scaled; /* 1 when some counter was multiplexed and extrapolated */
};

/*
 * Opens disabled cycle and instruction counters on every thread of pid
 * (listed under proc_root/PID/task; proc_root "/proc" when NULL), each with
 * inherit set so threads created later by a counted thread are counted too.
 * Returns 0 with pc->available = 1, or 0 with pc->available = 0 and
 * pc->reason set when the PMU is missing or forbidden (ENOENT, EOPNOTSUPP,
 * ENODEV, EACCES/EPERM with perf_event_paranoid). Returns -errno with a
 * message in err for other failures (the process is gone, too many threads).
 */
int perfctr_open(struct perfctr *pc, const char *proc_root, pid_t pid,
                 char *err, size_t err_cap);

/* Resets and enables every counter. Returns 0 or -errno. No-op if absent. */
int perfctr_enable(struct perfctr *pc);

/* Disables every counter. Returns 0 or -errno. No-op if absent. */
int perfctr_disable(struct perfctr *pc);

/*
 * Reads and sums every counter into out (scaled by enabled/running time).
 * When pc is unavailable, out->available = 0 and out->reason is copied.
 * Returns 0 or -errno with a message in err.
 */
int perfctr_read(struct perfctr *pc, struct perfctr_result *out, char *err,
                 size_t err_cap);

/* Closes every counter; pc may then be opened again. */
void perfctr_close(struct perfctr *pc);

/*
 * Decodes the bytes read(2) returns for one counter opened with
 * PERF_FORMAT_TOTAL_TIME_ENABLED|PERF_FORMAT_TOTAL_TIME_RUNNING: three
 * native-endian u64. Returns 0, or -EINVAL when len is not 24.
 */
int perfctr_parse_reading(const void *buf, size_t len,
                          struct perfctr_reading *out);

/*
 * Scales a reading to the full enabled time: value * enabled / running.
 * Sets *scaled when running < enabled. Returns 0, or -ENODATA when the
 * counter never ran (running == 0) so the value cannot be extrapolated.
 */
int perfctr_scale(const struct perfctr_reading *r, uint64_t *out, int *scaled);

/*
 * Writes into reason why perf_event_open's errno err makes the counters
 * unavailable, given the perf_event_paranoid level (-2 if unknown). Returns
 * 1 when err means "no usable PMU here" (the metric is unavailable), 0 when
 * err is a real failure that the caller must report.
 */
int perfctr_classify_errno(int err, int paranoid, char *reason,
                           size_t reason_cap);

#endif
