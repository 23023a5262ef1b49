/*
 * Plot data files of ukreport. Each figure gets FIGURE.csv, a header line
 * and rows where NaN marks a missing value that gnuplot leaves out
 * (rate.csv has one block per series, each with its own header line).
 * FIGURE.vars sets gnuplot variables: the subtitle, the series titles and
 * a note naming each metric left out and why.
 */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Keeps at most max_lines lines of a note, so it fits under the figure:
 * the rest is replaced by a line saying how many more the report lists. */
static void cap_note(char *note, size_t len, int max_lines)
{
    int lines = 1;
    char *cut = NULL;

    if (note[0] == '\0')
        return;
    for (char *p = note; *p; p++) {
        if (*p != '\n')
            continue;
        lines++;
        if (lines == max_lines)
            cut = p;
    }
    if (lines <= max_lines || cut == NULL)
        return;
    snprintf(cut, len - (size_t)(cut - note),
             "\nand %d more: see the report's tables", lines - max_lines + 1);
}

/* Writes name = "value" with the quotes and backslashes escaped. */
static void gp_string(FILE *f, const char *name, const char *value)
{
    fprintf(f, "%s = \"", name);
    for (const char *p = value; *p; p++) {
        if (*p == '"' || *p == '\\')
            fputc('\\', f);
        if (*p == '\n')
            fputs("\\n", f);
        else
            fputc(*p, f);
    }
    fputs("\"\n", f);
}

static void put_value(FILE *f, double v)
{
    if (isnan(v))
        fputs(",NaN", f);
    else
        fprintf(f, ",%.9g", v);
}

/* Writes the mean and the interval half-width of metric m. */
static void put_mean_ci(FILE *f, const struct group *g, enum metric m)
{
    put_value(f, g->m[m].mean);
    put_value(f, g->m[m].ci_half);
}

/* Copies a label into a gnuplot word list entry: quoted, no quotes. */
static void append_title(char *titles, size_t len, const char *label)
{
    size_t used = strlen(titles);

    if (used + 4 >= len)
        return;
    if (used > 0)
        titles[used++] = ' ';
    titles[used++] = '\'';
    for (const char *p = label; *p && used + 2 < len; p++) {
        if (*p != '\'' && *p != '"')
            titles[used++] = *p;
    }
    titles[used++] = '\'';
    titles[used] = '\0';
}

static FILE *open_out(const char *dir, const char *name)
{
    char path[4096];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        fprintf(stderr, "ukreport: %s: open for writing failed: %s\n", path,
                strerror(errno));
    return f;
}

static int close_out(FILE *f, const char *dir, const char *name)
{
    if (ferror(f) | (fclose(f) != 0)) {
        fprintf(stderr, "ukreport: %s/%s: write failed: %s\n", dir, name,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* True when any group passing the filter has a value of metric m. */
static int any_value(const struct group *const *gs, size_t n, enum metric m)
{
    for (size_t i = 0; i < n; i++) {
        if (gs[i]->m[m].n > 0)
            return 1;
    }
    return 0;
}

/* Writes the distinct method lists of metric m over the groups into buf,
 * "; "-separated. */
static void group_methods(const struct group *const *gs, size_t n,
                          enum metric m, char *buf, size_t len)
{
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *methods = gs[i]->methods[m];
        int seen = 0;
        for (size_t j = 0; j < i && !seen; j++)
            seen = strcmp(gs[j]->methods[m], methods) == 0;
        if (seen || methods[0] == '\0')
            continue;
        if (buf[0] != '\0')
            strncat(buf, "; ", len - strlen(buf) - 1);
        strncat(buf, methods, len - strlen(buf) - 1);
    }
}

/* Writes the legend label of g, marked " dnsperf" for the dnsperf runs,
 * which share the offered rates of mode rate. */
static void series_label(const struct group *g, char *buf, size_t len)
{
    report_label(g, buf, len);
    if (strcmp(g->mode, "dnsperf") == 0)
        strncat(buf, " dnsperf", len - strlen(buf) - 1);
}

/* Adds a line to note when groups lack a value of metric m: "what not
 * drawn (method: ...)" when no group has one, else the same line naming
 * the groups without it. */
static void note_missing(char *note, size_t len, const struct group *const *gs,
                         size_t n, enum metric m, const char *what)
{
    char methods[256], who[512] = "";
    const struct group *lacking[64];
    size_t n_lacking = 0;

    for (size_t i = 0; i < n && n_lacking < 64; i++) {
        if (gs[i]->m[m].n == 0)
            lacking[n_lacking++] = gs[i];
    }
    if (n > 0 && n_lacking == 0)
        return;
    if (any_value(gs, n, m)) {
        char label[256], earlier[256];
        size_t named = 0, more = 0;
        /* Name up to 2 series (a series spans several offered rates), so
         * the line fits under the figure. */
        for (size_t i = 0; i < n_lacking; i++) {
            int seen = 0;
            series_label(lacking[i], label, sizeof(label));
            for (size_t j = 0; j < i && !seen; j++) {
                series_label(lacking[j], earlier, sizeof(earlier));
                seen = strcmp(label, earlier) == 0;
            }
            if (seen)
                continue;
            if (named == 2) {
                more++;
                continue;
            }
            if (who[0] != '\0')
                strncat(who, "; ", sizeof(who) - strlen(who) - 1);
            strncat(who, label, sizeof(who) - strlen(who) - 1);
            named++;
        }
        if (more > 0) {
            size_t used = strlen(who);
            snprintf(who + used, sizeof(who) - used, " and %zu more series",
                     more);
        }
        group_methods(lacking, n_lacking, m, methods, sizeof(methods));
    } else {
        group_methods(gs, n, m, methods, sizeof(methods));
    }
    if (note[0] != '\0')
        strncat(note, "\n", len - strlen(note) - 1);
    size_t used = strlen(note);
    snprintf(note + used, len - used, "%s not drawn%s%s (method: %s)", what,
             who[0] ? " for " : "", who, methods[0] ? methods : "no rows");
}

/* Adds the colour and point type of g's series to two gnuplot word
 * lists: one colour per system, so a system keeps its colour across the
 * figures, and open points for the dnsperf runs. */
static void append_style(char *colors, size_t colors_len, char *points,
                         size_t points_len, const struct group *g)
{
    static const struct {
        const char *system;
        const char *color;
    } palette[] = {
        {"unikernel", "#1f77b4"},
        {"linux-guest", "#d62728"},
        {"linux-native", "#555555"},
    };
    const char *color = "#2ca02c";

    for (size_t i = 0; i < sizeof(palette) / sizeof(palette[0]); i++) {
        if (strcmp(g->system, palette[i].system) == 0)
            color = palette[i].color;
    }
    size_t used = strlen(colors);
    snprintf(colors + used, colors_len - used, "%s%s", used ? " " : "", color);
    used = strlen(points);
    snprintf(points + used, points_len - used, "%s%d", used ? " " : "",
             strcmp(g->mode, "dnsperf") == 0 ? 6 : 7);
}

static int drop_unavailable(char *methods);

/* Writes the figure subtitle: host, accelerator and the methods behind
 * metric m in the groups drawn. */
static void subtitle(const struct row_set *set, const struct group *const *gs,
                     size_t n, enum metric m, const char *method_label,
                     char *buf, size_t len)
{
    char cpu[256], cores[64], kernel[128], accel[64], methods[256];

    report_distinct(set, ROW_HOST_CPU, cpu, sizeof(cpu));
    report_distinct(set, ROW_HOST_CORES, cores, sizeof(cores));
    report_distinct(set, ROW_HOST_KERNEL, kernel, sizeof(kernel));
    report_distinct(set, ROW_ACCEL, accel, sizeof(accel));
    if (strcmp(accel, "not recorded") == 0)
        snprintf(accel, sizeof(accel), "none (native)");
    group_methods(gs, n, m, methods, sizeof(methods));
    int dropped = drop_unavailable(methods);
    snprintf(buf, len, "host: %s, %s cores, Linux %s; accel: %s; %s: %s%s", cpu,
             cores, kernel, accel, method_label,
             methods[0] ? methods : (dropped ? "unavailable" : "no rows"),
             methods[0] && dropped ? " (unavailable series: see the note)"
                                   : "");
}

/* Removes the "unavailable..." entries and repeats from a list of methods
 * separated by ", " or "; ", leaving the rest "; "-separated. Returns 1
 * when it removed an unavailable entry. */
static int drop_unavailable(char *methods)
{
    char copy[256], out[256] = "";
    int dropped = 0;

    snprintf(copy, sizeof(copy), "%s", methods);
    for (char *tok = strtok(copy, ",;"); tok != NULL;
         tok = strtok(NULL, ",;")) {
        while (*tok == ' ')
            tok++;
        if (*tok == '\0')
            continue;
        if (strncmp(tok, "unavailable", 11) == 0) {
            dropped = 1;
            continue;
        }
        int seen = 0;
        for (const char *p = strstr(out, tok); p && !seen;
             p = strstr(p + 1, tok)) {
            size_t tl = strlen(tok);
            seen =
                (p == out || p[-1] == ' ') && (p[tl] == '\0' || p[tl] == ';');
        }
        if (seen)
            continue;
        size_t used = strlen(out);
        snprintf(out + used, sizeof(out) - used, "%s%s", used ? "; " : "", tok);
    }
    snprintf(methods, 256, "%s", out);
    return dropped;
}

/* Gathers pointers to the groups whose mode is mode (any mode when NULL)
 * and whose workload is workload (any when NULL). */
static size_t select_groups(const struct group_list *list, const char *mode,
                            const char *workload, const struct group **out)
{
    size_t n = 0;

    for (size_t i = 0; i < list->n; i++) {
        const struct group *g = &list->items[i];
        if (mode && strcmp(g->mode, mode) != 0)
            continue;
        if (workload && strcmp(g->workload, workload) != 0)
            continue;
        if (g->n_ok == 0)
            continue;
        out[n++] = g;
    }
    return n;
}

static void note_line(char *note, size_t len, const char *line)
{
    if (note[0] != '\0')
        strncat(note, "\n", len - strlen(note) - 1);
    strncat(note, line, len - strlen(note) - 1);
}

/* Returns 1 when word is one of the space-separated words of list. */
static int in_word_list(const char *list, const char *word)
{
    size_t n = strlen(word);

    if (n == 0)
        return 0;
    for (const char *p = list; (p = strstr(p, word)) != NULL; p += n) {
        int starts = p == list || p[-1] == ' ';
        int ends = p[n] == '\0' || p[n] == ' ';
        if (starts && ends)
            return 1;
    }
    return 0;
}

/* Adds a line to note for each group of the modes listed (workload dns
 * only when dns_only) whose every row failed, so its absence from the
 * figure is explained. modes is a space-separated list. */
static void note_failed(char *note, size_t len, const struct group_list *l,
                        const char *modes, int dns_only)
{
    char label[256], line[512];

    for (size_t i = 0; i < l->n; i++) {
        const struct group *g = &l->items[i];
        if (g->n_ok > 0 || g->n_failed == 0 || !in_word_list(modes, g->mode))
            continue;
        if (dns_only && strcmp(g->workload, "dns") != 0)
            continue;
        series_label(g, label, sizeof(label));
        if (isnan(g->offered_qps))
            snprintf(line, sizeof(line), "%s: all rows failed (%zu), not drawn",
                     label, g->n_failed);
        else
            snprintf(line, sizeof(line),
                     "%s at %g queries/s: all rows failed (%zu), not drawn",
                     label, g->offered_qps, g->n_failed);
        note_line(note, len, line);
    }
}

/* Adds a line to note for each group whose mean of metric m is exactly 0,
 * which procstat's CPU time reads when a phase costs less than one clock
 * tick. */
static void note_zero_cpu(char *note, size_t len, const struct group *const *gs,
                          size_t n, enum metric m)
{
    char label[256], line[512];

    for (size_t i = 0; i < n; i++) {
        if (gs[i]->m[m].n == 0 || gs[i]->m[m].mean != 0)
            continue;
        series_label(gs[i], label, sizeof(label));
        const char *why = strstr(gs[i]->methods[m], "procstat")
                              ? "procstat counts whole clock ticks"
                              : gs[i]->methods[m];
        if (isnan(gs[i]->offered_qps))
            snprintf(line, sizeof(line), "%s: CPU time reads 0 (%s)", label,
                     why);
        else
            snprintf(line, sizeof(line),
                     "%s at %g queries/s: CPU time reads 0 (%s)", label,
                     gs[i]->offered_qps, why);
        note_line(note, len, line);
    }
}

static int write_fig4(const struct row_set *set, const struct group_list *l,
                      const char *dir)
{
    const struct group **gs = calloc(l->n + 1, sizeof(*gs));
    size_t n = select_groups(l, "paper", "dns", gs);
    char label[256], note[8192] = "", sub[1024];
    FILE *f = open_out(dir, "fig4.csv");

    if (f == NULL) {
        free(gs);
        return -1;
    }
    fputs("label,total,total_ci,guest,guest_ci,host,host_ci,vcpu,vcpu_ci,io,"
          "io_ci,n\n",
          f);
    for (size_t i = 0; i < n; i++) {
        report_label(gs[i], label, sizeof(label));
        fprintf(f, "\"%s\"", label);
        put_mean_ci(f, gs[i], M_CPU_TOTAL_PER_1K);
        put_mean_ci(f, gs[i], M_CPU_GUEST_PER_1K);
        put_mean_ci(f, gs[i], M_CPU_HOST_PER_1K);
        put_mean_ci(f, gs[i], M_CPU_VCPU_PER_1K);
        put_mean_ci(f, gs[i], M_CPU_IO_PER_1K);
        fprintf(f, ",%zu\n", gs[i]->n_ok);
    }
    if (close_out(f, dir, "fig4.csv") < 0) {
        free(gs);
        return -1;
    }

    /* The figure splits total CPU time into guest and host under KVM, and
     * into QEMU's vCPU thread and other threads where only that exists. */
    note_missing(note, sizeof(note), gs, n, M_CPU_GUEST_PER_1K,
                 "guest/host split");
    if (!any_value(gs, n, M_CPU_GUEST_PER_1K))
        note_missing(note, sizeof(note), gs, n, M_CPU_VCPU_PER_1K,
                     "vCPU/other-thread split");
    note_zero_cpu(note, sizeof(note), gs, n, M_CPU_TOTAL_PER_1K);
    if (n == 0)
        snprintf(note, sizeof(note),
                 "no successful rows with mode=paper "
                 "and workload=dns: nothing drawn");
    note_failed(note, sizeof(note), l, "paper", 1);
    subtitle(set, gs, n, M_CPU_TOTAL_PER_1K, "CPU time", sub, sizeof(sub));
    f = open_out(dir, "fig4.vars");
    if (f == NULL) {
        free(gs);
        return -1;
    }
    fprintf(f, "have_data = %d\nnrows = %zu\n", n > 0, n);
    fprintf(f, "have_total = %d\nhave_guest = %d\nhave_host = %d\n",
            any_value(gs, n, M_CPU_TOTAL_PER_1K),
            any_value(gs, n, M_CPU_GUEST_PER_1K),
            any_value(gs, n, M_CPU_HOST_PER_1K));
    fprintf(f, "have_vcpu = %d\nhave_io = %d\n",
            any_value(gs, n, M_CPU_VCPU_PER_1K),
            any_value(gs, n, M_CPU_IO_PER_1K));
    gp_string(f, "subtitle", sub);
    cap_note(note, sizeof(note), 4);
    gp_string(f, "note", note);
    free(gs);
    return close_out(f, dir, "fig4.vars");
}

static int same_series(const struct group *a, const struct group *b)
{
    return strcmp(a->system, b->system) == 0 &&
           strcmp(a->workload, b->workload) == 0 &&
           strcmp(a->mode, b->mode) == 0 && strcmp(a->accel, b->accel) == 0 &&
           strcmp(a->machine, b->machine) == 0;
}

/* Queries lost as a percentage of queries sent, over the group's rows. */
static double lost_pct(const struct group *g)
{
    double sent = 0, lost = 0;

    for (size_t i = 0; i < g->n_ok; i++) {
        const struct row *r = g->ok_rows[i];
        if (isnan(r->num[ROW_QUERIES]) || isnan(r->num[ROW_LOST]))
            continue;
        sent += r->num[ROW_QUERIES];
        lost += r->num[ROW_LOST];
    }
    return sent > 0 ? 100 * lost / sent : NAN;
}

/* Offered-rate sweeps: one block per series (system, workload, mode,
 * accel, machine), separated by two blank lines for gnuplot's index. */
static int write_rate(const struct row_set *set, const struct group_list *l,
                      const char *dir)
{
    const struct group **gs = calloc(l->n + 1, sizeof(*gs));
    size_t n = 0;
    char titles[4096] = "", colors[1024] = "", points[256] = "", label[256],
         note_cpu[8192] = "", note_insn[8192] = "", note_lat[8192] = "",
         note_ach[8192] = "", sub[1024], sub_insn[1024], sub_lat[1024],
         sub_ach[1024];
    size_t nseries = 0, max_n = 0;

    for (size_t i = 0; i < l->n; i++) {
        const struct group *g = &l->items[i];
        if ((strcmp(g->mode, "rate") == 0 || strcmp(g->mode, "dnsperf") == 0) &&
            g->n_ok > 0 && !isnan(g->offered_qps))
            gs[n++] = g;
    }
    FILE *f = open_out(dir, "rate.csv");
    if (f == NULL) {
        free(gs);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || !same_series(gs[i - 1], gs[i])) {
            /* gnuplot takes the column names of "index N" from the first
             * line of block N, so every block repeats the header. */
            if (i > 0)
                fputs("\n\n", f);
            fputs("offered_qps,cpu_us_per_query,cpu_us_per_query_ci,"
                  "insn_per_query,insn_per_query_ci,lat_p50_us,"
                  "lat_p50_us_ci,lat_p99_us,lat_p99_us_ci,achieved_qps,"
                  "achieved_qps_ci,lost_pct,n\n",
                  f);
            series_label(gs[i], label, sizeof(label));
            append_title(titles, sizeof(titles), label);
            append_style(colors, sizeof(colors), points, sizeof(points), gs[i]);
            nseries++;
        }
        fprintf(f, "%.9g", gs[i]->offered_qps);
        put_mean_ci(f, gs[i], M_CPU_US_PER_QUERY);
        put_mean_ci(f, gs[i], M_INSN_PER_QUERY);
        put_mean_ci(f, gs[i], M_LAT_P50_US);
        put_mean_ci(f, gs[i], M_LAT_P99_US);
        put_mean_ci(f, gs[i], M_ACHIEVED_QPS);
        put_value(f, lost_pct(gs[i]));
        fprintf(f, ",%zu\n", gs[i]->n_ok);
        if (gs[i]->n_ok > max_n)
            max_n = gs[i]->n_ok;
    }
    if (close_out(f, dir, "rate.csv") < 0) {
        free(gs);
        return -1;
    }

    note_missing(note_cpu, sizeof(note_cpu), gs, n, M_CPU_US_PER_QUERY,
                 "CPU time");
    note_missing(note_insn, sizeof(note_insn), gs, n, M_INSN_PER_QUERY,
                 "guest instructions");
    note_missing(note_lat, sizeof(note_lat), gs, n, M_LAT_P50_US, "latency");
    note_missing(note_ach, sizeof(note_ach), gs, n, M_ACHIEVED_QPS,
                 "achieved rate");
    note_zero_cpu(note_cpu, sizeof(note_cpu), gs, n, M_CPU_US_PER_QUERY);
    char *const notes[] = {note_cpu, note_insn, note_lat, note_ach};
    for (size_t k = 0; k < sizeof(notes) / sizeof(notes[0]); k++) {
        if (nseries == 0)
            snprintf(notes[k], sizeof(note_cpu),
                     "no successful rate or dnsperf rows: nothing drawn");
        note_failed(notes[k], sizeof(note_cpu), l, "rate dnsperf", 0);
    }
    subtitle(set, gs, n, M_CPU_US_PER_QUERY, "CPU time", sub, sizeof(sub));
    subtitle(set, gs, n, M_INSN_PER_QUERY, "instructions", sub_insn,
             sizeof(sub_insn));
    subtitle(set, gs, n, M_LAT_P50_US, "latency", sub_lat, sizeof(sub_lat));
    subtitle(set, gs, n, M_ACHIEVED_QPS, "achieved rate", sub_ach,
             sizeof(sub_ach));

    f = open_out(dir, "rate.vars");
    if (f == NULL) {
        free(gs);
        return -1;
    }
    fprintf(f, "nseries = %zu\n", nseries);
    fprintf(f,
            "have_cpu = %d\nhave_insn = %d\nhave_lat = %d\n"
            "have_achieved = %d\n",
            any_value(gs, n, M_CPU_US_PER_QUERY),
            any_value(gs, n, M_INSN_PER_QUERY), any_value(gs, n, M_LAT_P50_US),
            any_value(gs, n, M_ACHIEVED_QPS));
    gp_string(f, "titles", titles);
    gp_string(f, "colors", colors);
    gp_string(f, "points", points);
    gp_string(f, "subtitle", sub);
    gp_string(f, "subtitle_insn", sub_insn);
    gp_string(f, "subtitle_lat", sub_lat);
    gp_string(f, "subtitle_achieved", sub_ach);
    /* Every point is a mean over the repetitions of its rate; with one
     * repetition each there is neither a mean nor an interval to name. */
    fprintf(f, "have_ci = %d\n", max_n > 1);
    gp_string(f, "stat_label",
              max_n > 1 ? "mean, bars: 95% CI"
                        : "one repetition per point, no interval");
    for (size_t k = 0; k < sizeof(notes) / sizeof(notes[0]); k++)
        cap_note(notes[k], sizeof(note_cpu), 4);
    gp_string(f, "note_cpu", note_cpu);
    gp_string(f, "note_insn", note_insn);
    gp_string(f, "note_lat", note_lat);
    gp_string(f, "note_achieved", note_ach);
    free(gs);
    return close_out(f, dir, "rate.vars");
}

static int write_energy(const struct row_set *set, const struct group_list *l,
                        const char *dir)
{
    const struct group **gs = calloc(l->n + 1, sizeof(*gs));
    size_t n = select_groups(l, "paper", "dns", gs);
    char label[256], note[8192] = "", sub[1024];
    FILE *f = open_out(dir, "energy.csv");

    if (f == NULL) {
        free(gs);
        return -1;
    }
    fputs("label,pkg,pkg_ci,attr,attr_ci,idle,idle_ci,n\n", f);
    for (size_t i = 0; i < n; i++) {
        report_label(gs[i], label, sizeof(label));
        fprintf(f, "\"%s\"", label);
        put_mean_ci(f, gs[i], M_ENERGY_PKG_MJ_PER_QUERY);
        put_mean_ci(f, gs[i], M_ENERGY_ATTR_MJ_PER_QUERY);
        put_mean_ci(f, gs[i], M_ENERGY_IDLE_MJ_PER_QUERY);
        fprintf(f, ",%zu\n", gs[i]->n_ok);
    }
    if (close_out(f, dir, "energy.csv") < 0) {
        free(gs);
        return -1;
    }
    note_missing(note, sizeof(note), gs, n, M_ENERGY_PKG_MJ_PER_QUERY,
                 "package energy");
    note_missing(note, sizeof(note), gs, n, M_ENERGY_ATTR_MJ_PER_QUERY,
                 "attributed energy");
    note_missing(note, sizeof(note), gs, n, M_ENERGY_IDLE_MJ_PER_QUERY,
                 "idle baseline");
    if (n == 0)
        snprintf(note, sizeof(note),
                 "no successful rows with mode=paper "
                 "and workload=dns: nothing drawn");
    note_failed(note, sizeof(note), l, "paper", 1);
    subtitle(set, gs, n, M_ENERGY_PKG_MJ_PER_QUERY, "energy", sub, sizeof(sub));
    f = open_out(dir, "energy.vars");
    if (f == NULL) {
        free(gs);
        return -1;
    }
    fprintf(f, "nrows = %zu\nhave_pkg = %d\nhave_attr = %d\nhave_idle = %d\n",
            n, any_value(gs, n, M_ENERGY_PKG_MJ_PER_QUERY),
            any_value(gs, n, M_ENERGY_ATTR_MJ_PER_QUERY),
            any_value(gs, n, M_ENERGY_IDLE_MJ_PER_QUERY));
    gp_string(f, "subtitle", sub);
    cap_note(note, sizeof(note), 4);
    gp_string(f, "note", note);
    free(gs);
    return close_out(f, dir, "energy.vars");
}

static int write_system(const struct row_set *set, const char *dir)
{
    struct group_list l;
    report_group(set, GROUP_BY_SYSTEM, &l);
    const struct group **gs = calloc(l.n + 1, sizeof(*gs));
    size_t n = select_groups(&l, NULL, NULL, gs);
    char label[256], note_boot[512] = "", note_image[512] = "",
                     note_mem[512] = "", sub[1024];
    FILE *f = open_out(dir, "system.csv");

    if (f == NULL)
        goto fail;
    fputs("label,boot_ready_s,boot_ready_s_ci,image_kib,rss_peak_mib,"
          "rss_peak_mib_ci,rss_empty_qemu_mib,rss_above_empty_mib,"
          "min_mem_mb,n,rss_above_label\n",
          f);
    for (size_t i = 0; i < n; i++) {
        report_label(gs[i], label, sizeof(label));
        fprintf(f, "\"%s\"", label);
        put_mean_ci(f, gs[i], M_BOOT_READY_S);
        put_value(f, gs[i]->m[M_IMAGE_KIB].mean);
        put_mean_ci(f, gs[i], M_RSS_PEAK_MIB);
        put_value(f, gs[i]->m[M_RSS_EMPTY_QEMU_MIB].mean);
        put_value(f, gs[i]->m[M_RSS_ABOVE_EMPTY_MIB].mean);
        put_value(f, gs[i]->m[M_MIN_MEM_MB].mean);
        fprintf(f, ",%zu,", gs[i]->n_ok);
        double above = gs[i]->m[M_RSS_ABOVE_EMPTY_MIB].mean;
        if (isnan(above))
            fputs("\"\"\n", f);
        else if (!isnan(gs[i]->rss_noise_mib) && above <= gs[i]->rss_noise_mib)
            fprintf(f, "\"noise <= %.2g\"\n", gs[i]->rss_noise_mib);
        else
            fprintf(f, "\"%.3g\"\n", above);
    }
    if (close_out(f, dir, "system.csv") < 0)
        goto fail;

    note_missing(note_boot, sizeof(note_boot), gs, n, M_BOOT_READY_S,
                 "boot time");
    note_missing(note_image, sizeof(note_image), gs, n, M_IMAGE_KIB,
                 "image size");
    note_missing(note_mem, sizeof(note_mem), gs, n, M_RSS_PEAK_MIB, "memory");
    subtitle(set, gs, n, M_RSS_PEAK_MIB, "memory", sub, sizeof(sub));
    f = open_out(dir, "system.vars");
    if (f == NULL)
        goto fail;
    fprintf(f,
            "nrows = %zu\nhave_boot = %d\nhave_image = %d\n"
            "have_mem = %d\nhave_empty = %d\n",
            n, any_value(gs, n, M_BOOT_READY_S), any_value(gs, n, M_IMAGE_KIB),
            any_value(gs, n, M_RSS_PEAK_MIB),
            any_value(gs, n, M_RSS_EMPTY_QEMU_MIB));
    gp_string(f, "subtitle", sub);
    gp_string(f, "note_boot", n ? note_boot : "no successful rows");
    gp_string(f, "note_image", n ? note_image : "no successful rows");
    gp_string(f, "note_mem", n ? note_mem : "no successful rows");
    free(gs);
    report_groups_free(&l);
    return close_out(f, dir, "system.vars");

fail:
    free(gs);
    report_groups_free(&l);
    return -1;
}

int report_write_data(const struct row_set *set, const char *dir)
{
    struct group_list l;
    int rc = 0;

    report_group(set, GROUP_BY_MODE_AND_RATE, &l);
    if (write_fig4(set, &l, dir) < 0 || write_rate(set, &l, dir) < 0 ||
        write_energy(set, &l, dir) < 0 || write_system(set, dir) < 0)
        rc = -1;
    report_groups_free(&l);
    return rc;
}
