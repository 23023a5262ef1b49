/*
 * phase: one measured phase of a system (boot, idle, a paper repetition,
 * a rate step, a dnsperf run) and the CSV row it becomes. A phase takes
 * readings before and after: CPU time per thread (procstat), guest
 * instructions (the TCG plugin), host cycles (perfctr), energy (rapl),
 * KVM exits (QMP), and the peak resident set.
 */
#ifndef PHASE_H
#define PHASE_H

#include <stddef.h>
#include <stdint.h>

#include "calibrate.h"
#include "csv.h"
#include "hostinfo.h"
#include "insn.h"
#include "perfctr.h"
#include "procstat.h"
#include "qmp.h"
#include "rapl.h"
#include "system.h"

/* State shared by every row of one `ukbench run`: host, accelerator, CSV. */
struct run_context {
    char run_id[64];
    struct hostinfo host;
    struct calibration cal;
    enum qemu_accel accel;
    enum qemu_machine machine;
    enum qemu_net net;
    const char *workload;
    char placement[64];
    int pin_vcpu, pin_io, pin_load; /* CPU numbers, -1: not pinned */
    char csv_path[4096];
    struct rapl rapl;
    int rapl_open; /* rapl_open() succeeded (source may still be NONE) */
    char guest_kernel[128];
    uint64_t rss_empty_kb;        /* 0: not measured */
    uint64_t rss_empty_spread_kb; /* max - min of the empty-QEMU peaks */
    int rows, failed_rows;
};

/* One system under test inside a run. */
struct target {
    enum system_kind kind;
    struct system sys;
    int up;       /* booted and serving */
    int counting; /* the insn counter is loaded */
    struct insn_counter ic;
    char plugin_arg[8192];
    char insn_why[512]; /* why guest_insn is unavailable */
    struct perfctr pc;
    int pc_open;
    char work_dir[4096];
    char tap[32];        /* --net tap: device, "" for user networking */
    char guest_ip[32];   /* --net tap: the guest's address */
    char gateway[32];    /* --net tap: the host side of the tap */
    unsigned min_mem_mb; /* 0: not searched */
    /* Totals for the summary table. */
    int paper_reps;
    double paper_total_s, paper_guest_s, paper_host_s, paper_vcpu_s;
    int paper_guest_known;
    uint64_t paper_queries, paper_insn;
    int paper_insn_known;
    double paper_self_s; /* the harness's own CPU in paper mode */
    uint64_t rss_peak_kb;
    double idle_w; /* package power in the idle phase, 0: not measured */
};

struct phase {
    double t0;
    struct procstat_snapshot *before; /* heap: the struct is large */
    int have_before;
    int from_start; /* the phase began at process start: all times 0 */
    uint64_t insn0;
    uint64_t kvm0;
    int kvm_ok;
    int rapl_on;
    uint64_t busy0;            /* host-wide busy CPU ticks at the start */
    struct procstat_delta cpu; /* set by phase_measure() when have_cpu */
    int have_cpu;
    struct csv_row row; /* built by phase_measure(), written by phase_write() */
    int measured;
};

/* A phase's outcome that the caller fills: traffic and latencies. */
struct phase_traffic {
    int has_traffic;
    double offered_qps; /* <= 0: none */
    uint64_t queries, answered, lost;
    double active_s;  /* > 0: window of achieved_qps, else the phase wall */
    uint32_t *lat_us; /* sorted or not; NULL: no latencies */
    size_t nlat;
    const char *lat_method; /* "harness-client" or "dnsperf" */
};

/*
 * Takes the "before" readings of target t. Never fails: a reading that
 * cannot be taken makes its metric unavailable at phase_end().
 */
void phase_begin(struct run_context *rc, struct target *t, struct phase *p);

/*
 * Takes the "after" readings and builds the row for `mode` and repetition
 * rep in p, with the traffic figures in tr (NULL: none). It does not write
 * the row, so a check that costs work (a liveness lookup) can run after
 * the readings and still decide the row's status. Returns 0, or -1 when
 * no row could be made.
 */
int phase_measure(struct run_context *rc, struct target *t, struct phase *p,
                  const char *mode, int rep, const struct phase_traffic *tr);

/*
 * Appends the row phase_measure() built, marked failed with the reason
 * and the system's last output when failure is not NULL. Returns 0 when
 * the row was written, -1 when the CSV append failed (message on stderr).
 * Frees what phase_begin and phase_measure took.
 */
int phase_write(struct run_context *rc, struct target *t, struct phase *p,
                const char *failure);

/*
 * Runs phase_measure() and then phase_write(), for phases whose outcome is
 * known before the readings.
 */
int phase_end(struct run_context *rc, struct target *t, struct phase *p,
              const char *mode, int rep, const struct phase_traffic *tr,
              const char *failure);

/*
 * Writes a failed row for a phase that never started (a boot that
 * failed): every metric empty with method "unavailable".
 */
int phase_failed_row(struct run_context *rc, struct target *t, const char *mode,
                     int rep, const char *failure);

/*
 * Pins QEMU's vCPU thread to rc->pin_vcpu and its other threads to
 * rc->pin_io (the native server goes to pin_vcpu). No-op when not pinning.
 * Returns 0, or -1 with the reason in err.
 */
int phase_pin_target(const struct run_context *rc, const struct target *t,
                     char *err, size_t errlen);

#endif
