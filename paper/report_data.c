/*
 * Derived metrics, grouping, and the plot data files of ukreport. Every
 * per-query figure divides by the queries sent in the phase (column
 * "queries"), as the IncludeOS paper did for its 1000 lookups.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int is_kvm(const struct row *r)
{
    return row_is(r, ROW_ACCEL, "kvm");
}

static double per_query(const struct row *r, enum row_num col, double scale)
{
    double q = r->num[ROW_QUERIES];
    if (!(q > 0))
        return NAN;
    return r->num[col] / q * scale;
}

static double cpu_total_per_1k(const struct row *r)
{
    return per_query(r, ROW_CPU_TOTAL_S, 1000);
}

/* guest_time counts only time in KVM guest mode: under TCG the emulated
 * guest runs as QEMU user time and guest_time stays 0, which is no
 * measurement of the guest's share. */
static double cpu_guest_per_1k(const struct row *r)
{
    return is_kvm(r) ? per_query(r, ROW_CPU_GUEST_S, 1000) : NAN;
}

static double cpu_host_per_1k(const struct row *r)
{
    if (!is_kvm(r))
        return NAN;
    if (!isnan(r->num[ROW_CPU_HOST_S]))
        return per_query(r, ROW_CPU_HOST_S, 1000);
    return cpu_total_per_1k(r) - cpu_guest_per_1k(r);
}

static double cpu_vcpu_per_1k(const struct row *r)
{
    return per_query(r, ROW_CPU_VCPU_S, 1000);
}

static double cpu_io_per_1k(const struct row *r)
{
    return per_query(r, ROW_CPU_IO_S, 1000);
}

static double cpu_us_per_query(const struct row *r)
{
    return per_query(r, ROW_CPU_TOTAL_S, 1e6);
}

static double insn_per_query(const struct row *r)
{
    return per_query(r, ROW_GUEST_INSN, 1);
}

static double cycles_per_query(const struct row *r)
{
    return per_query(r, ROW_CYCLES, 1);
}

static double lat_p50(const struct row *r)
{
    return r->num[ROW_LAT_P50_US];
}

static double lat_p99(const struct row *r)
{
    return r->num[ROW_LAT_P99_US];
}

static double achieved(const struct row *r)
{
    return r->num[ROW_ACHIEVED_QPS];
}

static double energy_pkg(const struct row *r)
{
    return per_query(r, ROW_ENERGY_PKG_J, 1000);
}

static double energy_attr(const struct row *r)
{
    return per_query(r, ROW_ENERGY_ATTR_J, 1000);
}

/* The energy the package would have used idle over the same phase. */
static double energy_idle_per_query(const struct row *r)
{
    double q = r->num[ROW_QUERIES];
    if (!(q > 0))
        return NAN;
    return r->num[ROW_ENERGY_IDLE_W] * r->num[ROW_WALL_S] / q * 1000;
}

static double energy_idle_w(const struct row *r)
{
    return r->num[ROW_ENERGY_IDLE_W];
}

static double boot_ready(const struct row *r)
{
    return r->num[ROW_BOOT_READY_S];
}

static double image_kib(const struct row *r)
{
    return r->num[ROW_IMAGE_BYTES] / 1024;
}

static double rss_peak_mib(const struct row *r)
{
    return r->num[ROW_RSS_PEAK_KB] / 1024;
}

static double rss_empty_mib(const struct row *r)
{
    return r->num[ROW_RSS_EMPTY_QEMU_KB] / 1024;
}

static double rss_above_mib(const struct row *r)
{
    return (r->num[ROW_RSS_PEAK_KB] - r->num[ROW_RSS_EMPTY_QEMU_KB]) / 1024;
}

static double min_mem(const struct row *r)
{
    return r->num[ROW_MIN_MEM_MB];
}

static double guest_insn(const struct row *r)
{
    return r->num[ROW_GUEST_INSN];
}

static double guest_insn_per_s(const struct row *r)
{
    double wall = r->num[ROW_WALL_S];
    return wall > 0 ? r->num[ROW_GUEST_INSN] / wall : NAN;
}

static double cpu_total_s(const struct row *r)
{
    return r->num[ROW_CPU_TOTAL_S];
}

const struct metric_def report_metrics[M_N] = {
    [M_CPU_TOTAL_PER_1K] = {"cpu_total_per_1k",
                            "CPU time per 1000 queries, total", "s",
                            ROW_CPU_METHOD, cpu_total_per_1k},
    [M_CPU_GUEST_PER_1K] = {"cpu_guest_per_1k",
                            "CPU time per 1000 queries, guest", "s",
                            ROW_CPU_GUEST_METHOD, cpu_guest_per_1k},
    [M_CPU_HOST_PER_1K] = {"cpu_host_per_1k", "CPU time per 1000 queries, host",
                           "s", ROW_CPU_GUEST_METHOD, cpu_host_per_1k},
    [M_CPU_VCPU_PER_1K] = {"cpu_vcpu_per_1k",
                           "CPU time per 1000 queries, QEMU vCPU thread", "s",
                           ROW_CPU_THREAD_METHOD, cpu_vcpu_per_1k},
    [M_CPU_IO_PER_1K] = {"cpu_io_per_1k",
                         "CPU time per 1000 queries, other QEMU threads", "s",
                         ROW_CPU_THREAD_METHOD, cpu_io_per_1k},
    [M_CPU_US_PER_QUERY] = {"cpu_us_per_query", "CPU time per query", "us",
                            ROW_CPU_METHOD, cpu_us_per_query},
    [M_INSN_PER_QUERY] = {"insn_per_query", "guest instructions per query",
                          "instructions", ROW_GUEST_INSN_METHOD,
                          insn_per_query},
    [M_CYCLES_PER_QUERY] = {"cycles_per_query", "host cycles per query",
                            "cycles", ROW_CYCLES_METHOD, cycles_per_query},
    [M_LAT_P50_US] = {"lat_p50_us", "latency p50", "us", ROW_LAT_METHOD,
                      lat_p50},
    [M_LAT_P99_US] = {"lat_p99_us", "latency p99", "us", ROW_LAT_METHOD,
                      lat_p99},
    [M_ACHIEVED_QPS] = {"achieved_qps", "achieved rate", "queries/s",
                        ROW_N_TEXT, achieved},
    [M_ENERGY_PKG_MJ_PER_QUERY] = {"energy_pkg_mj_per_query",
                                   "package energy per query", "mJ",
                                   ROW_ENERGY_METHOD, energy_pkg},
    [M_ENERGY_ATTR_MJ_PER_QUERY] = {"energy_attr_mj_per_query",
                                    "attributed energy per query", "mJ",
                                    ROW_ENERGY_METHOD, energy_attr},
    [M_ENERGY_IDLE_MJ_PER_QUERY] = {"energy_idle_mj_per_query",
                                    "idle energy over the phase per query",
                                    "mJ", ROW_ENERGY_METHOD,
                                    energy_idle_per_query},
    [M_ENERGY_IDLE_W] = {"energy_idle_w", "idle package power", "W",
                         ROW_ENERGY_METHOD, energy_idle_w},
    [M_BOOT_READY_S] = {"boot_ready_s", "boot to ready", "s", ROW_N_TEXT,
                        boot_ready},
    [M_IMAGE_KIB] = {"image_kib", "image size", "KiB", ROW_N_TEXT, image_kib},
    [M_RSS_PEAK_MIB] = {"rss_peak_mib", "peak resident memory", "MiB",
                        ROW_MEM_METHOD, rss_peak_mib},
    [M_RSS_EMPTY_QEMU_MIB] = {"rss_empty_qemu_mib",
                              "peak resident memory of an empty QEMU", "MiB",
                              ROW_MEM_METHOD, rss_empty_mib},
    [M_RSS_ABOVE_EMPTY_MIB] = {"rss_above_empty_mib",
                               "resident memory above an empty QEMU", "MiB",
                               ROW_MEM_METHOD, rss_above_mib},
    [M_MIN_MEM_MB] = {"min_mem_mb", "smallest working guest memory", "MB",
                      ROW_N_TEXT, min_mem},
    [M_GUEST_INSN] = {"guest_insn", "guest instructions in the phase",
                      "instructions", ROW_GUEST_INSN_METHOD, guest_insn},
    [M_GUEST_INSN_PER_S] = {"guest_insn_per_s", "guest instructions per second",
                            "instructions/s", ROW_GUEST_INSN_METHOD,
                            guest_insn_per_s},
    [M_CPU_TOTAL_S] = {"cpu_total_s", "CPU time in the phase, total", "s",
                       ROW_CPU_METHOD, cpu_total_s},
};

static void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (q == NULL && size > 0) {
        fprintf(stderr, "ukreport: out of memory\n");
        exit(1);
    }
    return q;
}

const char *report_row_method(const struct row *r, enum metric m)
{
    const struct metric_def *d = &report_metrics[m];

    if ((m == M_CPU_GUEST_PER_1K || m == M_CPU_HOST_PER_1K) && !is_kvm(r))
        return r->text[ROW_ACCEL][0] ? "unavailable without KVM"
                                     : "not applicable";
    if ((m == M_CPU_VCPU_PER_1K || m == M_CPU_IO_PER_1K) &&
        r->text[ROW_ACCEL][0] == '\0')
        return "not applicable";
    if (d->method != ROW_N_TEXT && r->text[d->method][0] != '\0')
        return r->text[d->method];
    return isnan(d->value(r)) ? "unavailable" : "measured";
}

static void add_method(char *list, size_t len, const char *method)
{
    size_t mlen = strlen(method);
    const char *p = list;

    while ((p = strstr(p, method)) != NULL) {
        int starts = p == list || p[-1] == ' ';
        int ends = p[mlen] == '\0' || p[mlen] == ',';
        if (starts && ends)
            return;
        p += mlen;
    }
    if (list[0] != '\0')
        strncat(list, ", ", len - strlen(list) - 1);
    strncat(list, method, len - strlen(list) - 1);
}

static int same_offered(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static struct group *find_or_add(struct group_list *list, const struct row *r,
                                 enum group_by by)
{
    const char *mode = by == GROUP_BY_SYSTEM ? "" : r->text[ROW_MODE];
    double offered = by == GROUP_BY_SYSTEM ? NAN : r->num[ROW_OFFERED_QPS];

    for (size_t i = 0; i < list->n; i++) {
        struct group *g = &list->items[i];
        if (strcmp(g->system, r->text[ROW_SYSTEM]) == 0 &&
            strcmp(g->workload, r->text[ROW_WORKLOAD]) == 0 &&
            strcmp(g->mode, mode) == 0 &&
            strcmp(g->accel, r->text[ROW_ACCEL]) == 0 &&
            strcmp(g->machine, r->text[ROW_MACHINE]) == 0 &&
            same_offered(g->offered_qps, offered))
            return g;
    }
    if (list->n == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 16;
        list->items = xrealloc(list->items, list->cap * sizeof(*list->items));
    }
    struct group *g = &list->items[list->n++];
    memset(g, 0, sizeof(*g));
    g->system = r->text[ROW_SYSTEM];
    g->workload = r->text[ROW_WORKLOAD];
    g->mode = mode;
    g->accel = r->text[ROW_ACCEL];
    g->machine = r->text[ROW_MACHINE];
    g->offered_qps = offered;
    return g;
}

/* Boot, image and memory: measured once per boot, so rows of one run
 * repeat one measurement rather than add independent ones. */
static int is_per_run_metric(int m)
{
    return m == M_BOOT_READY_S || m == M_IMAGE_KIB || m == M_RSS_PEAK_MIB ||
           m == M_RSS_EMPTY_QEMU_MIB || m == M_RSS_ABOVE_EMPTY_MIB ||
           m == M_MIN_MEM_MB;
}

static int compare_doubles(const void *pa, const void *pb)
{
    double a = *(const double *)pa;
    double b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* Reduces the rows of run `run` in g to one figure of metric m: the
 * median for boot time, else the max (VmHWM is already a peak, and the
 * harness's run summary prints the max too). NAN without values. */
static double run_figure(const struct group *g, const char *run, int m,
                         double *scratch)
{
    size_t n = 0;

    for (size_t i = 0; i < g->n_ok; i++) {
        const struct row *r = g->ok_rows[i];
        double v;
        if (strcmp(r->text[ROW_RUN_ID], run) != 0)
            continue;
        if (m == M_RSS_ABOVE_EMPTY_MIB)
            continue;
        v = report_metrics[m].value(r);
        if (!isnan(v))
            scratch[n++] = v;
    }
    if (n == 0)
        return NAN;
    qsort(scratch, n, sizeof(*scratch), compare_doubles);
    if (m == M_BOOT_READY_S)
        return n % 2 ? scratch[n / 2]
                     : (scratch[n / 2 - 1] + scratch[n / 2]) / 2;
    return scratch[n - 1];
}

/* Summarises the per-run metrics of a GROUP_BY_SYSTEM group: one figure
 * per run, then the median over runs; see struct group. */
static void summarise_per_run(struct group *g)
{
    size_t cap = g->n_ok ? g->n_ok : 1;
    const char **runs = xrealloc(NULL, cap * sizeof(*runs));
    double *per_run = xrealloc(NULL, cap * sizeof(double));
    double *scratch = xrealloc(NULL, cap * sizeof(double));
    double empty_lo = NAN, empty_hi = NAN, own_spread = NAN;
    size_t n_runs = 0;

    for (size_t i = 0; i < g->n_ok; i++) {
        const char *run = g->ok_rows[i]->text[ROW_RUN_ID];
        size_t j = 0;
        while (j < n_runs && strcmp(runs[j], run) != 0)
            j++;
        if (j == n_runs)
            runs[n_runs++] = run;
    }
    for (int m = 0; m < M_N; m++) {
        if (!is_per_run_metric(m))
            continue;
        g->per_run[m] = 1;
        for (size_t k = 0; k < n_runs; k++) {
            if (m == M_RSS_ABOVE_EMPTY_MIB)
                per_run[k] =
                    run_figure(g, runs[k], M_RSS_PEAK_MIB, scratch) -
                    run_figure(g, runs[k], M_RSS_EMPTY_QEMU_MIB, scratch);
            else
                per_run[k] = run_figure(g, runs[k], m, scratch);
        }
        if (stats_summarize(per_run, n_runs, &g->m[m]) < 0) {
            fprintf(stderr, "ukreport: out of memory\n");
            exit(1);
        }
        g->m[m].mean = g->m[m].median;
        g->m[m].ci_half = g->m[m].ci_lo = g->m[m].ci_hi = NAN;
    }

    /* The noise estimate of the memory above an empty QEMU. */
    for (size_t k = 0; k < n_runs; k++) {
        double empty = run_figure(g, runs[k], M_RSS_EMPTY_QEMU_MIB, scratch);
        double lo = INFINITY, hi = -INFINITY;
        if (!isnan(empty)) {
            empty_lo = isnan(empty_lo) || empty < empty_lo ? empty : empty_lo;
            empty_hi = isnan(empty_hi) || empty > empty_hi ? empty : empty_hi;
        }
        for (size_t i = 0; i < g->n_ok; i++) {
            const struct row *r = g->ok_rows[i];
            double v = rss_peak_mib(r);
            if (strcmp(r->text[ROW_RUN_ID], runs[k]) != 0 || isnan(v))
                continue;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        if (hi >= lo && (isnan(own_spread) || hi - lo > own_spread))
            own_spread = hi - lo;
    }
    g->rss_noise_mib = own_spread;
    if (!isnan(empty_lo) && empty_hi > empty_lo) {
        g->rss_noise_known = 1;
        if (isnan(g->rss_noise_mib) || empty_hi - empty_lo > g->rss_noise_mib)
            g->rss_noise_mib = empty_hi - empty_lo;
    }
    for (size_t i = 0; i < g->n_ok; i++) {
        double spread = g->ok_rows[i]->num[ROW_RSS_EMPTY_QEMU_SPREAD_KB] / 1024;
        if (isnan(spread))
            continue;
        g->rss_noise_known = 1;
        if (isnan(g->rss_noise_mib) || spread > g->rss_noise_mib)
            g->rss_noise_mib = spread;
    }
    free(runs);
    free(per_run);
    free(scratch);
}

static void summarise(struct group *g, enum group_by by)
{
    double *values = xrealloc(NULL, (g->n_ok ? g->n_ok : 1) * sizeof(double));

    g->rss_noise_mib = NAN;
    for (int m = 0; m < M_N; m++) {
        for (size_t i = 0; i < g->n_ok; i++) {
            values[i] = report_metrics[m].value(g->ok_rows[i]);
            add_method(g->methods[m], sizeof(g->methods[m]),
                       report_row_method(g->ok_rows[i], m));
        }
        if (stats_summarize(values, g->n_ok, &g->m[m]) < 0) {
            fprintf(stderr, "ukreport: out of memory\n");
            exit(1);
        }
    }
    free(values);
    if (by == GROUP_BY_SYSTEM)
        summarise_per_run(g);
}

static int compare_groups(const void *pa, const void *pb)
{
    const struct group *a = pa;
    const struct group *b = pb;
    int c;

    if ((c = strcmp(a->workload, b->workload)) != 0)
        return c;
    if ((c = strcmp(a->mode, b->mode)) != 0)
        return c;
    if ((c = strcmp(a->accel, b->accel)) != 0)
        return c;
    if ((c = strcmp(a->machine, b->machine)) != 0)
        return c;
    if ((c = strcmp(a->system, b->system)) != 0)
        return c;
    if (isnan(a->offered_qps) || isnan(b->offered_qps))
        return isnan(a->offered_qps) - isnan(b->offered_qps);
    return (a->offered_qps > b->offered_qps) -
           (a->offered_qps < b->offered_qps);
}

void report_group(const struct row_set *set, enum group_by by,
                  struct group_list *out)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < set->n_rows; i++) {
        const struct row *r = &set->rows[i];
        struct group *g = find_or_add(out, r, by);
        if (!row_is(r, ROW_STATUS, "ok")) {
            g->n_failed++;
            continue;
        }
        g->ok_rows = xrealloc(g->ok_rows, (g->n_ok + 1) * sizeof(r));
        g->ok_rows[g->n_ok++] = r;
    }
    for (size_t i = 0; i < out->n; i++)
        summarise(&out->items[i], by);
    if (out->n > 0)
        qsort(out->items, out->n, sizeof(*out->items), compare_groups);
}

void report_groups_free(struct group_list *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->items[i].ok_rows);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

const struct group *report_find(const struct group_list *list,
                                const char *system, const char *workload,
                                const char *mode, const char *accel,
                                const char *machine)
{
    for (size_t i = 0; i < list->n; i++) {
        const struct group *g = &list->items[i];
        if (strcmp(g->system, system) == 0 &&
            strcmp(g->workload, workload) == 0 && strcmp(g->mode, mode) == 0 &&
            strcmp(g->accel, accel) == 0 && strcmp(g->machine, machine) == 0)
            return g;
    }
    return NULL;
}

int report_no_queries(const struct group *g)
{
    for (size_t i = 0; i < g->n_ok; i++) {
        if (g->ok_rows[i]->num[ROW_QUERIES] > 0)
            return 0;
    }
    return g->n_ok > 0;
}

int report_cpu_below_resolution(const struct group *g)
{
    for (size_t i = 0; i < g->n_ok; i++) {
        const struct row *r = g->ok_rows[i];
        if (row_is(r, ROW_CPU_METHOD, "procstat") &&
            r->num[ROW_CPU_TOTAL_S] < REPORT_MIN_TICKS * REPORT_TICK_S)
            return 1;
    }
    return 0;
}

void report_label(const struct group *g, char *buf, size_t len)
{
    if (g->accel[0] == '\0')
        snprintf(buf, len, "%s %s", g->system, g->workload);
    else
        snprintf(buf, len, "%s %s (%s/%s)", g->system, g->workload, g->accel,
                 g->machine[0] ? g->machine : "machine not recorded");
}

void report_distinct(const struct row_set *set, enum row_text col, char *buf,
                     size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < set->n_rows; i++) {
        const char *v = set->rows[i].text[col];
        if (v[0] == '\0')
            continue;
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(set->rows[j].text[col], v) == 0;
        if (seen)
            continue;
        if (buf[0] != '\0')
            strncat(buf, "; ", len - strlen(buf) - 1);
        strncat(buf, v, len - strlen(buf) - 1);
    }
    if (buf[0] == '\0')
        snprintf(buf, len, "not recorded");
}

/* Prints v with about 4 significant digits, in plain notation up to
 * 1e12 so counts such as instructions per query read as integers. */
static void format_number(double v, int digits, char *buf, size_t len)
{
    double a = fabs(v);

    if (a >= 1e4 && a < 1e12)
        snprintf(buf, len, "%.0f", v);
    else if (a >= 10 && a < 1e4 && digits < 4)
        snprintf(buf, len, "%.0f", v);
    else
        snprintf(buf, len, "%.*g", digits, v);
}

void report_format(const struct stats_summary *s, const char *method, char *buf,
                   size_t len)
{
    char mean[64], half[64];

    if (s->n == 0 || isnan(s->mean)) {
        if (method != NULL && strncmp(method, "unavailable", 11) == 0)
            snprintf(buf, len, "%s", method);
        else if (method != NULL && method[0] != '\0')
            snprintf(buf, len, "no value (method %s)", method);
        else
            snprintf(buf, len, "no value");
        return;
    }
    format_number(s->mean, 4, mean, sizeof(mean));
    if (s->n == 1 || isnan(s->ci_half)) {
        snprintf(buf, len, "%s (n=1, no interval)", mean);
        return;
    }
    format_number(s->ci_half, 2, half, sizeof(half));
    snprintf(buf, len, "%s ± %s (n=%zu)", mean, half, s->n);
}

void report_format_group(const struct group *g, enum metric m, const char *unit,
                         char *buf, size_t len)
{
    const struct stats_summary *s = &g->m[m];
    char value[64], noise[64];
    const char *space = unit != NULL ? " " : "";

    if (unit == NULL)
        unit = "";
    if (!g->per_run[m] || s->n == 0 || isnan(s->mean)) {
        report_format(s, g->methods[m], buf, len);
        return;
    }
    format_number(s->mean, 4, value, sizeof(value));
    if (m == M_RSS_ABOVE_EMPTY_MIB && !isnan(g->rss_noise_mib) &&
        s->mean <= g->rss_noise_mib) {
        format_number(g->rss_noise_mib, 3, noise, sizeof(noise));
        snprintf(buf, len, "within noise (<= %s%s%s; measured %s)", noise,
                 space, unit, value);
        return;
    }
    const char *unknown_noise =
        m == M_RSS_ABOVE_EMPTY_MIB && !g->rss_noise_known
            ? "; empty-QEMU spread not recorded"
            : "";
    if (s->n == 1)
        snprintf(buf, len, "%s%s%s (1 run%s)", value, space, unit,
                 unknown_noise);
    else
        snprintf(buf, len, "%s%s%s (median of %zu runs%s)", value, space, unit,
                 s->n, unknown_noise);
}
