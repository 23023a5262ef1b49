/* Loads ukbench result rows by column name; see rows.h. */
#include "rows.h"

#include "csv.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const text_names[ROW_N_TEXT] = {
    [ROW_RUN_ID] = "run_id",
    [ROW_TIME] = "time",
    [ROW_GIT_COMMIT] = "git_commit",
    [ROW_HOST_CPU] = "host_cpu",
    [ROW_HOST_CORES] = "host_cores",
    [ROW_HOST_KERNEL] = "host_kernel",
    [ROW_QEMU_VERSION] = "qemu_version",
    [ROW_GUEST_KERNEL] = "guest_kernel",
    [ROW_ACCEL] = "accel",
    [ROW_ACCEL_CALIBRATION] = "accel_calibration",
    [ROW_MACHINE] = "machine",
    [ROW_NET] = "net",
    [ROW_PLACEMENT] = "placement",
    [ROW_SYSTEM] = "system",
    [ROW_WORKLOAD] = "workload",
    [ROW_MODE] = "mode",
    [ROW_STATUS] = "status",
    [ROW_FAILURE] = "failure",
    [ROW_CPU_METHOD] = "cpu_method",
    [ROW_CPU_GUEST_METHOD] = "cpu_guest_method",
    [ROW_CPU_THREAD_METHOD] = "cpu_thread_method",
    [ROW_CYCLES_METHOD] = "cycles_method",
    [ROW_GUEST_INSN_METHOD] = "guest_insn_method",
    [ROW_LAT_METHOD] = "lat_method",
    [ROW_ENERGY_METHOD] = "energy_method",
    [ROW_KVM_EXITS_METHOD] = "kvm_exits_method",
    [ROW_MEM_METHOD] = "mem_method",
};

/* Name of each numeric column and the method column that qualifies it
 * (ROW_N_TEXT for counts that need no method). */
static const struct {
    const char *name;
    enum row_text method;
} num_cols[ROW_N_NUM] = {
    [ROW_REP] = {"rep", ROW_N_TEXT},
    [ROW_OFFERED_QPS] = {"offered_qps", ROW_N_TEXT},
    [ROW_QUERIES] = {"queries", ROW_N_TEXT},
    [ROW_ANSWERED] = {"answered", ROW_N_TEXT},
    [ROW_LOST] = {"lost", ROW_N_TEXT},
    [ROW_ACHIEVED_QPS] = {"achieved_qps", ROW_N_TEXT},
    [ROW_WALL_S] = {"wall_s", ROW_N_TEXT},
    [ROW_CPU_TOTAL_S] = {"cpu_total_s", ROW_CPU_METHOD},
    [ROW_CPU_GUEST_S] = {"cpu_guest_s", ROW_CPU_GUEST_METHOD},
    [ROW_CPU_HOST_S] = {"cpu_host_s", ROW_CPU_GUEST_METHOD},
    [ROW_CPU_VCPU_S] = {"cpu_vcpu_s", ROW_CPU_THREAD_METHOD},
    [ROW_CPU_IO_S] = {"cpu_io_s", ROW_CPU_THREAD_METHOD},
    [ROW_CYCLES] = {"cycles", ROW_CYCLES_METHOD},
    [ROW_HOST_INSTRUCTIONS] = {"host_instructions", ROW_CYCLES_METHOD},
    [ROW_GUEST_INSN] = {"guest_insn", ROW_GUEST_INSN_METHOD},
    [ROW_LAT_P50_US] = {"lat_p50_us", ROW_LAT_METHOD},
    [ROW_LAT_P99_US] = {"lat_p99_us", ROW_LAT_METHOD},
    [ROW_LAT_MAX_US] = {"lat_max_us", ROW_LAT_METHOD},
    [ROW_ENERGY_PKG_J] = {"energy_pkg_j", ROW_ENERGY_METHOD},
    [ROW_ENERGY_DRAM_J] = {"energy_dram_j", ROW_ENERGY_METHOD},
    [ROW_ENERGY_IDLE_W] = {"energy_idle_w", ROW_ENERGY_METHOD},
    [ROW_ENERGY_ATTR_J] = {"energy_attr_j", ROW_ENERGY_METHOD},
    [ROW_KVM_EXITS] = {"kvm_exits", ROW_KVM_EXITS_METHOD},
    [ROW_RSS_PEAK_KB] = {"rss_peak_kb", ROW_MEM_METHOD},
    [ROW_RSS_EMPTY_QEMU_KB] = {"rss_empty_qemu_kb", ROW_MEM_METHOD},
    [ROW_RSS_EMPTY_QEMU_SPREAD_KB] = {"rss_empty_qemu_spread_kb",
                                      ROW_MEM_METHOD},
    [ROW_MIN_MEM_MB] = {"min_mem_mb", ROW_N_TEXT},
    [ROW_BOOT_READY_S] = {"boot_ready_s", ROW_N_TEXT},
    [ROW_IMAGE_BYTES] = {"image_bytes", ROW_N_TEXT},
};

static const enum row_text required[] = {ROW_SYSTEM, ROW_WORKLOAD, ROW_MODE,
                                         ROW_STATUS};

const char *row_text_name(enum row_text col)
{
    return text_names[col];
}

const char *row_num_name(enum row_num col)
{
    return num_cols[col].name;
}

const char *row_num_method(enum row_num col)
{
    enum row_text m = num_cols[col].method;
    return m == ROW_N_TEXT ? NULL : text_names[m];
}

int row_is(const struct row *r, enum row_text col, const char *s)
{
    return strcmp(r->text[col], s) == 0;
}

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    if (d == NULL) {
        fprintf(stderr, "ukreport: out of memory\n");
        exit(1);
    }
    return d;
}

static void *grow(void *p, size_t *cap, size_t item)
{
    size_t n = *cap ? *cap * 2 : 64;
    void *q = realloc(p, n * item);
    if (q == NULL) {
        fprintf(stderr, "ukreport: out of memory\n");
        exit(1);
    }
    *cap = n;
    return q;
}

static void add_problem(struct row_set *set, const char *path, long line,
                        const char *fmt, ...)
{
    char where[4096];
    char message[1024];
    va_list ap;

    snprintf(where, sizeof(where), "%s:%ld", path, line);
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    fprintf(stderr, "ukreport: %s: %s\n", where, message);

    if (set->n_problems == set->problems_cap)
        set->problems =
            grow(set->problems, &set->problems_cap, sizeof(*set->problems));
    set->problems[set->n_problems].where = xstrdup(where);
    set->problems[set->n_problems].message = xstrdup(message);
    set->n_problems++;
}

/* Parses a decimal number; "" is missing. Returns 0, or -1 when text is
 * not a finite number. */
static int parse_number(const char *text, double *out)
{
    char *end;

    if (text[0] == '\0') {
        *out = NAN;
        return 0;
    }
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

/* Column positions of one file: -1 where the file lacks the column. */
struct column_map {
    int text[ROW_N_TEXT];
    int num[ROW_N_NUM];
    size_t n_header;
};

static void map_columns(const struct csv_record *header, struct column_map *m)
{
    for (int i = 0; i < ROW_N_TEXT; i++)
        m->text[i] = -1;
    for (int i = 0; i < ROW_N_NUM; i++)
        m->num[i] = -1;
    m->n_header = header->n_fields;
    for (size_t f = 0; f < header->n_fields; f++) {
        const char *name = header->fields[f];
        for (int i = 0; i < ROW_N_TEXT; i++) {
            if (strcmp(name, text_names[i]) == 0)
                m->text[i] = (int)f;
        }
        for (int i = 0; i < ROW_N_NUM; i++) {
            if (strcmp(name, num_cols[i].name) == 0)
                m->num[i] = (int)f;
        }
    }
}

static void fill_row(struct row_set *set, const char *path,
                     const struct column_map *m, const struct csv_record *rec,
                     struct row *r)
{
    r->file = path;
    r->line = rec->line;
    for (int i = 0; i < ROW_N_TEXT; i++)
        r->text[i] = xstrdup(m->text[i] < 0 ? "" : rec->fields[m->text[i]]);
    /* Files written before the CPU split had method columns of their own
     * qualify the whole CPU group with cpu_method. */
    if (m->text[ROW_CPU_GUEST_METHOD] < 0) {
        free(r->text[ROW_CPU_GUEST_METHOD]);
        r->text[ROW_CPU_GUEST_METHOD] = xstrdup(r->text[ROW_CPU_METHOD]);
    }
    if (m->text[ROW_CPU_THREAD_METHOD] < 0) {
        free(r->text[ROW_CPU_THREAD_METHOD]);
        r->text[ROW_CPU_THREAD_METHOD] = xstrdup(r->text[ROW_CPU_METHOD]);
    }

    for (int i = 0; i < ROW_N_NUM; i++) {
        r->num[i] = NAN;
        if (m->num[i] < 0)
            continue;
        const char *text = rec->fields[m->num[i]];
        if (parse_number(text, &r->num[i]) < 0) {
            add_problem(set, path, rec->line,
                        "column %s: \"%s\" is not a number; read as missing",
                        num_cols[i].name, text);
            r->num[i] = NAN;
            continue;
        }
        enum row_text method = num_cols[i].method;
        if (method != ROW_N_TEXT && !isnan(r->num[i]) &&
            strcmp(r->text[method], "unavailable") == 0) {
            add_problem(set, path, rec->line,
                        "column %s: value \"%s\" but %s is unavailable; "
                        "read as missing",
                        num_cols[i].name, text, text_names[method]);
            r->num[i] = NAN;
        }
    }
}

/* Lists every metric or method column the header lacks as an input
 * problem, because its values then read as missing in every row. Files
 * written before the CPU split had their own method columns are exempt
 * from those two: cpu_method stands in for them (see fill_row). */
static void report_missing_columns(struct row_set *set, const char *path,
                                   const struct column_map *m)
{
    for (int i = 0; i < ROW_N_NUM; i++) {
        /* The spread of the empty-QEMU boots is optional: without it the
         * report says the memory noise is not recorded. */
        if (m->num[i] < 0 && i != ROW_RSS_EMPTY_QEMU_SPREAD_KB)
            add_problem(set, path, 1,
                        "header lacks the column \"%s\"; read as missing "
                        "in every row",
                        num_cols[i].name);
    }
    for (int i = 0; i < ROW_N_TEXT; i++) {
        int is_method = i >= ROW_CPU_METHOD && i <= ROW_MEM_METHOD;
        int split = i == ROW_CPU_GUEST_METHOD || i == ROW_CPU_THREAD_METHOD;
        if (!is_method || m->text[i] >= 0 ||
            (split && m->text[ROW_CPU_METHOD] >= 0))
            continue;
        add_problem(set, path, 1,
                    "header lacks the column \"%s\"; its figures read as "
                    "missing",
                    text_names[i]);
    }
}

static int load_records(struct row_set *set, const char *path,
                        struct csv_parser *parser)
{
    struct csv_record rec = {0};
    struct column_map map;
    char err[512];
    int rc;

    do {
        rc = csv_read_record(parser, &rec, err, sizeof(err));
        if (rc == -2)
            fprintf(stderr, "ukreport: %s: header: %s\n", path, err);
    } while (rc == -2);
    if (rc <= 0) {
        if (rc == 0)
            fprintf(stderr, "ukreport: %s: no header line\n", path);
        else
            fprintf(stderr, "ukreport: out of memory\n");
        csv_record_free(&rec);
        return -1;
    }
    map_columns(&rec, &map);
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        if (map.text[required[i]] < 0) {
            fprintf(stderr,
                    "ukreport: %s: header lacks the column \"%s\"; is this "
                    "a ukbench results file?\n",
                    path, text_names[required[i]]);
            csv_record_free(&rec);
            return -1;
        }
    }

    report_missing_columns(set, path, &map);

    while ((rc = csv_read_record(parser, &rec, err, sizeof(err))) != 0) {
        if (rc == -1) {
            fprintf(stderr, "ukreport: out of memory\n");
            csv_record_free(&rec);
            return -1;
        }
        if (rc == -2) {
            /* err reads "line N: reason"; file the reason under N. */
            long line = strtol(err + strlen("line "), NULL, 10);
            const char *reason = strchr(err, ':');
            add_problem(set, path, line, "malformed CSV%s; row skipped",
                        reason ? reason : "");
            continue;
        }
        if (rec.n_fields != map.n_header) {
            add_problem(set, path, rec.line,
                        "%zu fields where the header has %zu; row skipped",
                        rec.n_fields, map.n_header);
            continue;
        }
        if (set->n_rows == set->rows_cap)
            set->rows = grow(set->rows, &set->rows_cap, sizeof(*set->rows));
        fill_row(set, path, &map, &rec, &set->rows[set->n_rows++]);
    }
    csv_record_free(&rec);
    return 0;
}

int rows_load(struct row_set *set, const char *path)
{
    char *buf;
    size_t len;

    if (csv_read_file(path, &buf, &len) < 0) {
        fprintf(stderr, "ukreport: %s: read failed: %s\n", path,
                strerror(errno));
        return -1;
    }
    char **files = realloc(set->files, (set->n_files + 1) * sizeof(*files));
    if (files == NULL) {
        fprintf(stderr, "ukreport: out of memory\n");
        exit(1);
    }
    set->files = files;
    set->files[set->n_files] = xstrdup(path);
    const char *stored = set->files[set->n_files++];

    struct csv_parser parser;
    csv_parser_init(&parser, buf, len);
    int rc = load_records(set, stored, &parser);
    free(buf);
    return rc;
}

static int same_series(const struct row *a, const struct row *b)
{
    static const enum row_text key[] = {ROW_SYSTEM, ROW_WORKLOAD, ROW_MODE,
                                        ROW_ACCEL, ROW_MACHINE};

    for (size_t i = 0; i < sizeof(key) / sizeof(key[0]); i++) {
        if (strcmp(a->text[key[i]], b->text[key[i]]) != 0)
            return 0;
    }
    return 1;
}

/* Newest `time` (ISO 8601 UTC, so it orders as text) of the rows of run. */
static const char *run_last_time(const struct row_set *set, const char *run)
{
    const char *last = "";

    for (size_t i = 0; i < set->n_rows; i++) {
        const struct row *r = &set->rows[i];
        if (strcmp(r->text[ROW_RUN_ID], run) == 0 &&
            strcmp(r->text[ROW_TIME], last) > 0)
            last = r->text[ROW_TIME];
    }
    return last;
}

/* Compares two run ids as rows_keep_latest describes; > 0 when a is the
 * newer run. */
static int compare_runs(const struct row_set *set, const char *a, const char *b)
{
    const char *dash_a = strrchr(a, '-');
    const char *dash_b = strrchr(b, '-');
    size_t len_a = dash_a ? (size_t)(dash_a - a) : strlen(a);
    size_t len_b = dash_b ? (size_t)(dash_b - b) : strlen(b);
    int c;

    if (strcmp(a, b) == 0)
        return 0;
    c = strncmp(a, b, len_a < len_b ? len_a : len_b);
    if (c != 0 || len_a != len_b)
        return c != 0 ? c : (len_a > len_b) - (len_a < len_b);
    c = strcmp(run_last_time(set, a), run_last_time(set, b));
    if (c != 0)
        return c;
    if (dash_a != NULL && dash_b != NULL) {
        long pid_a = strtol(dash_a + 1, NULL, 10);
        long pid_b = strtol(dash_b + 1, NULL, 10);
        if (pid_a != pid_b)
            return (pid_a > pid_b) - (pid_a < pid_b);
    }
    return strcmp(a, b);
}

void rows_keep_latest(struct row_set *set)
{
    unsigned char *drop = calloc(set->n_rows ? set->n_rows : 1, 1);
    size_t kept = 0;

    if (drop == NULL) {
        fprintf(stderr, "ukreport: out of memory\n");
        exit(1);
    }
    /* Decide first, then compact, so no comparison reads a freed row. */
    for (size_t i = 0; i < set->n_rows; i++) {
        for (size_t j = 0; j < set->n_rows && !drop[i]; j++) {
            drop[i] = same_series(&set->rows[i], &set->rows[j]) &&
                      compare_runs(set, set->rows[j].text[ROW_RUN_ID],
                                   set->rows[i].text[ROW_RUN_ID]) > 0;
        }
    }
    for (size_t i = 0; i < set->n_rows; i++) {
        struct row *r = &set->rows[i];
        if (!drop[i]) {
            set->rows[kept++] = *r;
            continue;
        }
        set->n_superseded++;
        const char *run =
            r->text[ROW_RUN_ID][0] ? r->text[ROW_RUN_ID] : "(no run_id)";
        if (strstr(set->superseded, run) == NULL) {
            size_t used = strlen(set->superseded);
            snprintf(set->superseded + used, sizeof(set->superseded) - used,
                     "%s%s", used ? "; " : "", run);
        }
        for (int t = 0; t < ROW_N_TEXT; t++)
            free(r->text[t]);
    }
    set->n_rows = kept;
    free(drop);
}

void rows_free(struct row_set *set)
{
    for (size_t i = 0; i < set->n_rows; i++) {
        for (int t = 0; t < ROW_N_TEXT; t++)
            free(set->rows[i].text[t]);
    }
    for (size_t i = 0; i < set->n_problems; i++) {
        free(set->problems[i].where);
        free(set->problems[i].message);
    }
    for (size_t i = 0; i < set->n_files; i++)
        free(set->files[i]);
    free(set->rows);
    free(set->problems);
    free(set->files);
    memset(set, 0, sizeof(*set));
}
