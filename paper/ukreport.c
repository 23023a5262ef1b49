/*
 * ukreport: reads ukbench result CSVs by column name and writes the plot
 * data files and the reproduction report.
 *
 *   ukreport [--data-dir DIR] [--report FILE] [--html FILE]
 *            [--paper-figures FILE] [--plots-link PATH] [--all-runs]
 *            RESULTS.csv...
 */
#include "csv.h"
#include "md_html.h"
#include "report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *f)
{
    fputs("usage: ukreport [--data-dir DIR] [--report FILE] [--html FILE]\n"
          "                [--paper-figures FILE] [--plots-link PATH]\n"
          "                [--all-runs] RESULTS.csv...\n"
          "  --data-dir DIR        write the plot data files (FIGURE.csv,\n"
          "                        FIGURE.vars) into DIR, created if missing\n"
          "  --report FILE         write the Markdown report to FILE\n"
          "  --html FILE           also write the report as HTML to FILE,\n"
          "                        in the same folder as the Markdown\n"
          "  --paper-figures FILE  the paper's figures (needed by --report)\n"
          "  --plots-link PATH     the plot folder as the report links it\n"
          "                        (default ../plots/out)\n"
          "  --all-runs            pool the rows of every run; by default\n"
          "                        only the newest run of each system,\n"
          "                        workload, mode, accelerator and machine\n"
          "                        counts\n",
          f);
}

static int make_dir(const char *dir)
{
    if (mkdir(dir, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "ukreport: %s: mkdir failed: %s\n", dir,
                strerror(errno));
        return -1;
    }
    return 0;
}

/* Writes the report to a temporary file beside path and renames it over
 * path, so a failed run leaves the previous report whole. */
static int write_report(const char *path, const struct row_set *set,
                        const char *paper_path, const char *plots_dir,
                        const char *plots_link)
{
    struct paper_figures paper;
    char tmp[4096];

    if (report_load_paper(paper_path, &paper) < 0)
        return -1;
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "ukreport: %s: open for writing failed: %s\n", tmp,
                strerror(errno));
        report_paper_free(&paper);
        return -1;
    }
    int rc = report_write_md(f, set, &paper, plots_dir, plots_link);
    report_paper_free(&paper);
    if ((fclose(f) != 0) | (rc < 0)) {
        fprintf(stderr, "ukreport: %s: write failed: %s\n", tmp,
                strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) < 0) {
        fprintf(stderr, "ukreport: %s: rename to %s failed: %s\n", tmp, path,
                strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Converts the Markdown report at md_path to HTML at html_path, through a
 * temporary file renamed into place. */
static int write_html(const char *md_path, const char *html_path)
{
    char *md, tmp[4096];
    size_t len;

    if (csv_read_file(md_path, &md, &len) < 0) {
        fprintf(stderr, "ukreport: %s: read failed: %s\n", md_path,
                strerror(errno));
        return -1;
    }
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", html_path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        fprintf(stderr, "ukreport: %s: open for writing failed: %s\n", tmp,
                strerror(errno));
        free(md);
        return -1;
    }
    int rc = md_html_convert(md, len, "ukbench: reproduction of IncludeOS", f);
    free(md);
    if ((fclose(f) != 0) | (rc < 0) || rename(tmp, html_path) < 0) {
        fprintf(stderr, "ukreport: %s: write failed: %s\n", html_path,
                strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *data_dir = NULL;
    const char *report = NULL;
    const char *html = NULL;
    const char *paper = NULL;
    const char *plots_link = "../plots/out";
    int all_runs = 0;
    int i;

    for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        const char **target = NULL;
        if (strcmp(argv[i], "--") == 0) {
            i++;
            break;
        }
        if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(argv[i], "--all-runs") == 0) {
            all_runs = 1;
            continue;
        }
        if (strcmp(argv[i], "--data-dir") == 0)
            target = &data_dir;
        else if (strcmp(argv[i], "--report") == 0)
            target = &report;
        else if (strcmp(argv[i], "--html") == 0)
            target = &html;
        else if (strcmp(argv[i], "--paper-figures") == 0)
            target = &paper;
        else if (strcmp(argv[i], "--plots-link") == 0)
            target = &plots_link;
        if (target == NULL || i + 1 >= argc) {
            fprintf(stderr, "ukreport: %s: %s\n", argv[i],
                    target ? "missing value" : "unknown option");
            usage(stderr);
            return 2;
        }
        *target = argv[++i];
    }
    if (i >= argc) {
        fprintf(stderr, "ukreport: no results CSV given\n");
        usage(stderr);
        return 2;
    }
    if (html != NULL && report == NULL) {
        fprintf(stderr, "ukreport: --html needs --report\n");
        return 2;
    }
    if (report != NULL && paper == NULL) {
        fprintf(stderr, "ukreport: --report needs --paper-figures\n");
        return 2;
    }

    struct row_set set = {0};
    int rc = 0;
    for (; i < argc; i++) {
        if (rows_load(&set, argv[i]) < 0)
            rc = 1;
    }
    if (rc == 0 && !all_runs)
        rows_keep_latest(&set);
    if (rc == 0 && data_dir != NULL &&
        (make_dir(data_dir) < 0 || report_write_data(&set, data_dir) < 0))
        rc = 1;
    if (rc == 0 && report != NULL &&
        write_report(report, &set, paper, data_dir ? data_dir : ".",
                     plots_link) < 0)
        rc = 1;
    if (rc == 0 && html != NULL && write_html(report, html) < 0)
        rc = 1;
    if (rc == 0)
        fprintf(stderr,
                "ukreport: %zu rows used, %zu left out as superseded, %zu "
                "input problems%s%s%s%s\n",
                set.n_rows, set.n_superseded, set.n_problems,
                data_dir ? "; data in " : "", data_dir ? data_dir : "",
                report ? "; report " : "", report ? report : "");
    rows_free(&set);
    return rc;
}
