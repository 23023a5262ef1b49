/*
 * ukreport's model of the results: rows grouped by system, workload, mode,
 * offered rate, accelerator and machine, with per-repetition figures
 * derived from the raw columns and summarised with 95% intervals.
 */
#ifndef UKBENCH_REPORT_H
#define UKBENCH_REPORT_H

#include <stdio.h>

#include "rows.h"
#include "stats.h"

/* Figures derived from one row; the unit is in the name. */
enum metric {
    M_CPU_TOTAL_PER_1K, /* CPU seconds per 1000 queries, total */
    M_CPU_GUEST_PER_1K, /* ... inside the guest (KVM guest_time only) */
    M_CPU_HOST_PER_1K,  /* ... total minus guest (KVM only) */
    M_CPU_VCPU_PER_1K,  /* ... of QEMU's vCPU thread */
    M_CPU_IO_PER_1K,    /* ... of QEMU's other threads */
    M_CPU_US_PER_QUERY, /* CPU microseconds per query, total */
    M_INSN_PER_QUERY,   /* guest instructions per query */
    M_CYCLES_PER_QUERY, /* host cycles per query */
    M_LAT_P50_US,
    M_LAT_P99_US,
    M_ACHIEVED_QPS,
    M_ENERGY_PKG_MJ_PER_QUERY,  /* package energy per query, mJ */
    M_ENERGY_ATTR_MJ_PER_QUERY, /* attributed by CPU share, mJ */
    M_ENERGY_IDLE_MJ_PER_QUERY, /* idle power times phase time per query */
    M_ENERGY_IDLE_W,
    M_BOOT_READY_S,
    M_IMAGE_KIB,
    M_RSS_PEAK_MIB,
    M_RSS_EMPTY_QEMU_MIB,
    M_RSS_ABOVE_EMPTY_MIB,
    M_MIN_MEM_MB,
    M_GUEST_INSN,       /* guest instructions in the phase (boot: to ready) */
    M_GUEST_INSN_PER_S, /* guest instructions per wall-clock second */
    M_CPU_TOTAL_S,      /* CPU seconds in the phase, total */
    M_N
};

/* Name, unit and per-row formula of a derived metric. */
struct metric_def {
    const char *key;   /* stable name used in data files and paper-figures */
    const char *label; /* human-readable, for tables */
    const char *unit;
    enum row_text method; /* method column, ROW_N_TEXT if none */
    double (*value)(const struct row *r);
};

extern const struct metric_def report_metrics[M_N];

/*
 * Returns the method behind metric m in row r: the row's method column,
 * "unavailable without KVM" for the guest/host split under TCG, else
 * "measured" or "unavailable" by whether the value is present.
 */
const char *report_row_method(const struct row *r, enum metric m);

/* Rows that share system, workload, mode, offered rate, accel, machine. */
struct group {
    const char *system;
    const char *workload;
    const char *mode; /* "" when grouped across modes */
    const char *accel;
    const char *machine;
    double offered_qps; /* NAN when the mode has no offered rate */
    const struct row **ok_rows;
    size_t n_ok;
    size_t n_failed;
    struct stats_summary m[M_N];
    char methods[M_N][96]; /* distinct method values, comma-separated */
    /* Set for the boot, image and memory metrics of a GROUP_BY_SYSTEM
     * group: m[] then summarises one figure per run (image and memory:
     * the max of the run's rows; boot time: their median), n counts runs,
     * mean holds the median over runs, and there is no interval. */
    int per_run[M_N];
    /* Noise estimate of the memory above an empty QEMU, MiB: the largest
     * of the spreads (max - min) of the empty-QEMU boots within a run
     * (column rss_empty_qemu_spread_kb), of the empty-QEMU peaks across
     * runs and of the system's own peaks within a run; NAN without data.
     * rss_noise_known is 0 when neither empty-QEMU spread was available,
     * so the estimate leaves out the baseline's own noise. */
    double rss_noise_mib;
    int rss_noise_known;
};

struct group_list {
    struct group *items;
    size_t n;
    size_t cap;
};

/* Grouping of rows. */
enum group_by {
    GROUP_BY_MODE_AND_RATE, /* the report's main grouping */
    GROUP_BY_SYSTEM,        /* across modes: boot time, image, memory */
};

/*
 * Groups the rows of set and summarises every metric of each group. Rows
 * with a status other than "ok" only count in n_failed. Exits on ENOMEM.
 */
void report_group(const struct row_set *set, enum group_by by,
                  struct group_list *out);

/* Frees the groups (not the rows they point to). */
void report_groups_free(struct group_list *list);

/* Returns 1 when every ok row of g has no queries (modes boot, idle), so
 * per-query figures do not apply. */
int report_no_queries(const struct group *g);

/* CPU time in clock ticks of 10 ms (USER_HZ 100, the Linux default), and
 * the fewest ticks per repetition a procstat figure needs before a
 * difference between systems is read from it. */
#define REPORT_TICK_S 0.01
#define REPORT_MIN_TICKS 5

/* Returns 1 when an ok row of g has cpu_method procstat and a total CPU
 * time under REPORT_MIN_TICKS ticks: too coarse for a reduction. */
int report_cpu_below_resolution(const struct group *g);

/* Finds the group with these keys, or NULL; offered NAN matches NAN. */
const struct group *report_find(const struct group_list *list,
                                const char *system, const char *workload,
                                const char *mode, const char *accel,
                                const char *machine);

/* Writes a legend label for g, "unikernel dns (tcg/pc)", into buf. It has
 * no comma, because gnuplot's CSV reading splits quoted fields at commas. */
void report_label(const struct group *g, char *buf, size_t len);

/*
 * Writes the plot data files (FIGURE.csv, read by column name) and their
 * gnuplot variable files (FIGURE.vars: subtitle, notes, series titles)
 * into dir, which must exist. Returns 0, or -1 after printing the error.
 */
int report_write_data(const struct row_set *set, const char *dir);

/* Paper figures loaded from paper-figures.csv. */
struct paper_figure {
    char *id;
    char *figure;
    char *paper_host;
    char *system;
    char *metric;
    double value;
    char *unit;
    double plus_minus;
    char *kind;
    char *source;
};

struct paper_figures {
    struct paper_figure *items;
    size_t n;
};

/* Loads paper-figures.csv by column name. Returns 0, or -1 after printing
 * the error. */
int report_load_paper(const char *path, struct paper_figures *out);

void report_paper_free(struct paper_figures *pf);

/*
 * Writes the reproduction report in Markdown to f. plots_dir is where the
 * images are on disk (to tell which were drawn), plots_link the same
 * folder relative to the report. Returns 0, or -1 on a write error.
 */
int report_write_md(FILE *f, const struct row_set *set,
                    const struct paper_figures *paper, const char *plots_dir,
                    const char *plots_link);

/* Formats "mean ± half (n=N)" with 4 significant digits, or the reason it
 * is missing, into buf. */
/* Formats metric m of g into buf: report_format's text, or for a per-run
 * figure "median (1 run)" or "median (median of N runs)", and for the
 * memory above an empty QEMU within the noise estimate "within noise
 * (<= X)". unit, when not NULL, follows the number. */
void report_format_group(const struct group *g, enum metric m, const char *unit,
                         char *buf, size_t len);

void report_format(const struct stats_summary *s, const char *method, char *buf,
                   size_t len);

/* Distinct values of text column col over all rows, "; "-separated, into
 * buf ("not recorded" when every row leaves it empty). */
void report_distinct(const struct row_set *set, enum row_text col, char *buf,
                     size_t len);

#endif
