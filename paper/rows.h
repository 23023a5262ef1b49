/*
 * Result rows of ukbench (columns in results/README.md), loaded from one
 * or more CSV files by column name. Columns may come in any order, and a
 * column absent from a file reads as missing in all its rows.
 */
#ifndef UKBENCH_ROWS_H
#define UKBENCH_ROWS_H

#include <stddef.h>

/* Text columns the report uses. */
enum row_text {
    ROW_RUN_ID,
    ROW_TIME,
    ROW_GIT_COMMIT,
    ROW_HOST_CPU,
    ROW_HOST_CORES,
    ROW_HOST_KERNEL,
    ROW_QEMU_VERSION,
    ROW_GUEST_KERNEL,
    ROW_ACCEL,
    ROW_ACCEL_CALIBRATION,
    ROW_MACHINE,
    ROW_NET,
    ROW_PLACEMENT,
    ROW_SYSTEM,
    ROW_WORKLOAD,
    ROW_MODE,
    ROW_STATUS,
    ROW_FAILURE,
    ROW_CPU_METHOD,
    ROW_CPU_GUEST_METHOD,
    ROW_CPU_THREAD_METHOD,
    ROW_CYCLES_METHOD,
    ROW_GUEST_INSN_METHOD,
    ROW_LAT_METHOD,
    ROW_ENERGY_METHOD,
    ROW_KVM_EXITS_METHOD,
    ROW_MEM_METHOD,
    ROW_N_TEXT
};

/* Numeric columns; an empty field is NAN. */
enum row_num {
    ROW_REP,
    ROW_OFFERED_QPS,
    ROW_QUERIES,
    ROW_ANSWERED,
    ROW_LOST,
    ROW_ACHIEVED_QPS,
    ROW_WALL_S,
    ROW_CPU_TOTAL_S,
    ROW_CPU_GUEST_S,
    ROW_CPU_HOST_S,
    ROW_CPU_VCPU_S,
    ROW_CPU_IO_S,
    ROW_CYCLES,
    ROW_HOST_INSTRUCTIONS,
    ROW_GUEST_INSN,
    ROW_LAT_P50_US,
    ROW_LAT_P99_US,
    ROW_LAT_MAX_US,
    ROW_ENERGY_PKG_J,
    ROW_ENERGY_DRAM_J,
    ROW_ENERGY_IDLE_W,
    ROW_ENERGY_ATTR_J,
    ROW_KVM_EXITS,
    ROW_RSS_PEAK_KB,
    ROW_RSS_EMPTY_QEMU_KB,
    ROW_RSS_EMPTY_QEMU_SPREAD_KB, /* optional: max - min of the empty boots */
    ROW_MIN_MEM_MB,
    ROW_BOOT_READY_S,
    ROW_IMAGE_BYTES,
    ROW_N_NUM
};

/* One result row. Text fields are never NULL (missing is ""). */
struct row {
    const char *file;
    long line;
    char *text[ROW_N_TEXT];
    double num[ROW_N_NUM];
};

/* A row the loader could not use, kept to be listed in the report. */
struct row_problem {
    char *where;   /* "FILE:LINE" */
    char *message; /* reason, one line */
};

/* All rows of the loaded files, and what was wrong with the input. */
struct row_set {
    struct row *rows;
    size_t n_rows;
    size_t rows_cap;
    struct row_problem *problems;
    size_t n_problems;
    size_t problems_cap;
    char **files;
    size_t n_files;
    size_t n_superseded;   /* rows dropped by rows_keep_latest */
    char superseded[1024]; /* their run ids, "; "-separated */
};

/* Column name of a text or numeric column. */
const char *row_text_name(enum row_text col);
const char *row_num_name(enum row_num col);

/* Name of the method column that qualifies numeric column col. */
const char *row_num_method(enum row_num col);

/*
 * Loads the CSV file at path into set. A row with the wrong number of
 * fields, a malformed record or a number that does not parse is recorded
 * in set->problems and warned about on stderr; a field that does not parse
 * is dropped to missing, the rest of its row is kept. A value whose method
 * column reads "unavailable" is dropped to missing too. Returns 0, or -1
 * when the file cannot be read or lacks a required column (system,
 * workload, mode, status), after printing why.
 */
int rows_load(struct row_set *set, const char *path);

/*
 * Drops every row whose run is older than the newest run with rows of the
 * same system, workload, mode, accelerator and machine, so repeated
 * `make bench` runs do not pool figures of different builds while runs
 * that measured different systems still combine. Runs compare by the UTC
 * start time that begins run_id ("YYYYMMDDTHHMMSSZ-PID"); two runs that
 * started in the same second compare by the newest `time` of their rows,
 * and only when that ties too by the PID as a number. Counts the dropped
 * rows and lists their runs in set->n_superseded and set->superseded.
 */
void rows_keep_latest(struct row_set *set);

/* Frees everything set holds. */
void rows_free(struct row_set *set);

/* Returns 1 when text column col of r equals s. */
int row_is(const struct row *r, enum row_text col, const char *s);

#endif
