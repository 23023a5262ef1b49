/*
 * Unit tests of csv: RFC 4180 quoting, the row builder, the header against
 * results/README.md, and atomic appends (concurrent writers, a header
 * mismatch, a short write forced with RLIMIT_FSIZE).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "csv.h"

#ifndef UKB_SOURCE_DIR
#error "build with -DUKB_SOURCE_DIR=<repository root>"
#endif

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;

    cr_assert_not_null(f, "fopen %s: %s", path, strerror(errno));
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    cr_assert_geq(n, 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    cr_assert_not_null(buf);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

static size_t count_lines(const char *text)
{
    size_t n = 0;

    for (; *text != '\0'; text++)
        n += *text == '\n';
    return n;
}

static char *temp_csv_path(void)
{
    char *dir = strdup("/tmp/ukb-csv-XXXXXX");
    char *path;

    cr_assert_not_null(dir);
    cr_assert_not_null(mkdtemp(dir));
    cr_assert_geq(asprintf(&path, "%s/out.csv", dir), 0);
    free(dir);
    return path;
}

static void remove_temp_csv(char *path)
{
    unlink(path);
    *strrchr(path, '/') = '\0';
    rmdir(path);
    free(path);
}

static void fill_row(struct csv_row *row, const char *run_id)
{
    cr_assert_eq(csv_row_init(row), 0);
    cr_assert_eq(csv_row_set(row, "run_id", run_id), 0);
    cr_assert_eq(csv_row_set(row, "system", "unikernel"), 0);
    cr_assert_eq(csv_row_set(row, "failure", "serial: \"panic\", line 2\n"), 0);
    cr_assert_eq(csv_row_set_u64(row, "queries", 1000), 0);
    cr_assert_eq(csv_row_set_unavailable(row, "cycles", "cycles_method"), 0);
}

Test(csv_quote, plain_field_unchanged)
{
    char buf[32];

    cr_assert_eq(csv_quote("abc 1.5", buf, sizeof(buf)), 7);
    cr_assert_str_eq(buf, "abc 1.5");
    cr_assert_eq(csv_quote("", buf, sizeof(buf)), 0);
    cr_assert_str_eq(buf, "");
}

Test(csv_quote, special_characters_quoted)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"a,b", "\"a,b\""},   {"say \"hi\"", "\"say \"\"hi\"\"\""},
        {"\"", "\"\"\"\""},   {"line1\nline2", "\"line1\nline2\""},
        {"cr\r", "\"cr\r\""},
    };
    char buf[64];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = csv_quote(cases[i].in, buf, sizeof(buf));

        cr_expect_str_eq(buf, cases[i].out);
        cr_expect_eq(n, strlen(cases[i].out));
    }
}

Test(csv_quote, truncates_like_snprintf)
{
    char buf[4];

    cr_assert_eq(csv_quote("a,bcdef", buf, sizeof(buf)), 9);
    cr_assert_str_eq(buf, "\"a,");
    cr_assert_eq(csv_quote("a,b", NULL, 0), 5);
}

/* The header must list results/README.md's columns, in order. */
Test(csv_header, matches_results_readme)
{
    char *readme = read_all(UKB_SOURCE_DIR "/results/README.md", NULL);
    char *table = strstr(readme, "| column | meaning |");
    char *line, *save = NULL;
    size_t col = 0;

    cr_assert_not_null(table, "no column table in results/README.md");
    line = strtok_r(table, "\n", &save); /* title row */
    line = strtok_r(NULL, "\n", &save);  /* separator row */
    while ((line = strtok_r(NULL, "\n", &save)) != NULL && line[0] == '|') {
        char *cell = line + 1, *end = strchr(cell, '|');
        char *name, *save2 = NULL;

        cr_assert_not_null(end);
        *end = '\0';
        for (name = strtok_r(cell, ", ", &save2); name != NULL;
             name = strtok_r(NULL, ", ", &save2)) {
            cr_assert_lt(col, csv_ncolumns, "README has extra column %s", name);
            cr_expect_str_eq(csv_columns[col], name, "column %zu", col + 1);
            col++;
        }
    }
    cr_assert_eq(col, csv_ncolumns, "README lists %zu columns, csv.c %zu", col,
                 csv_ncolumns);
    free(readme);
}

Test(csv_row, unknown_column_rejected)
{
    struct csv_row row;

    cr_assert_eq(csv_row_init(&row), 0);
    cr_assert_eq(csv_row_set(&row, "no_such_column", "1"), -ENOENT);
    cr_assert_eq(csv_row_set_unavailable(&row, "no_such", "cycles_method"),
                 -ENOENT);
    cr_assert_eq(csv_row_set_unavailable(&row, "cycles", "no_such"), -ENOENT);
    csv_row_free(&row);
}

Test(csv_row, numbers_and_unavailable)
{
    struct csv_row row;
    int cycles = csv_column_index("cycles");
    int method = csv_column_index("cycles_method");
    int wall = csv_column_index("wall_s");

    cr_assert_eq(csv_row_init(&row), 0);
    cr_assert_eq(csv_row_set_double(&row, "wall_s", 0.5, 3), 0);
    cr_assert_str_eq(row.fields[wall], "0.500");
    cr_assert_eq(csv_row_set_double(&row, "wall_s", 0.0 / 0.0, 3), -EINVAL);
    cr_assert_eq(csv_row_set_double(&row, "wall_s", 1.0 / 0.0, 3), -EINVAL);
    cr_assert_str_eq(row.fields[wall], "0.500");
    cr_assert_eq(csv_row_set_u64(&row, "cycles", 18446744073709551615ULL), 0);
    cr_assert_str_eq(row.fields[cycles], "18446744073709551615");
    cr_assert_eq(csv_row_set_unavailable(&row, "cycles", "cycles_method"), 0);
    cr_assert_null(row.fields[cycles]);
    cr_assert_str_eq(row.fields[method], "unavailable");
    csv_row_free(&row);
}

Test(csv_row, format_quotes_and_counts_fields)
{
    struct csv_row row;
    char *line;
    size_t commas = 0;

    fill_row(&row, "r1");
    cr_assert_eq(csv_format_row(&row, &line), 0);
    for (const char *p = line; *p != '\0'; p++)
        commas += *p == ',';
    /* One comma inside the quoted failure field. */
    cr_assert_eq(commas, csv_ncolumns - 1 + 1);
    cr_assert_not_null(strstr(line, ",\"serial: \"\"panic\"\", line 2\n\","));
    cr_assert_eq(line[strlen(line) - 1], '\n');
    free(line);
    csv_row_free(&row);
}

Test(csv_append, new_file_gets_header_then_rows)
{
    char *path = temp_csv_path();
    struct csv_row row;
    char err[512] = "", *header, *text;

    fill_row(&row, "r1");
    cr_assert_eq(csv_append(path, &row, err, sizeof(err)), 0, "%s", err);
    cr_assert_eq(csv_append(path, &row, err, sizeof(err)), 0, "%s", err);
    text = read_all(path, NULL);
    cr_assert_eq(csv_format_header(&header), 0);
    cr_assert_eq(strncmp(text, header, strlen(header)), 0);
    /* Two rows, each with one embedded newline in the failure field. */
    cr_assert_eq(count_lines(text), 1 + 2 * 2);
    free(text);
    free(header);
    csv_row_free(&row);
    remove_temp_csv(path);
}

Test(csv_append, header_mismatch_rejected)
{
    char *path = temp_csv_path();
    static const char old[] = "run_id,time,git_commit,cpu\n1,2,3,4\n";
    struct csv_row row;
    char err[512] = "", *text;
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f);
    fputs(old, f);
    fclose(f);
    fill_row(&row, "r1");
    cr_assert_eq(csv_append(path, &row, err, sizeof(err)), -EPROTO);
    cr_assert_not_null(strstr(err, path), "%s", err);
    cr_assert_not_null(strstr(err, "column 4 (expected 'host_cpu')"), "%s",
                       err);
    cr_assert_not_null(strstr(err, "move the file"), "%s", err);
    text = read_all(path, NULL);
    cr_assert_str_eq(text, old, "the file was modified");
    free(text);
    csv_row_free(&row);
    remove_temp_csv(path);
}

Test(csv_append, incomplete_last_line_rejected)
{
    char *path = temp_csv_path();
    struct csv_row row;
    char err[512] = "", *header;
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f);
    cr_assert_eq(csv_format_header(&header), 0);
    fputs(header, f);
    fputs("partial,row", f);
    fclose(f);
    fill_row(&row, "r1");
    cr_assert_eq(csv_append(path, &row, err, sizeof(err)), -EPROTO);
    cr_assert_not_null(strstr(err, "no newline"), "%s", err);
    free(header);
    csv_row_free(&row);
    remove_temp_csv(path);
}

Test(csv_check_file, missing_empty_and_good_files_pass)
{
    char *path = temp_csv_path();
    struct csv_row row;
    char err[512] = "";
    FILE *f;

    cr_expect_eq(csv_check_file(path, err, sizeof(err)), 0, "%s", err);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fclose(f);
    cr_expect_eq(csv_check_file(path, err, sizeof(err)), 0, "%s", err);
    fill_row(&row, "r1");
    cr_assert_eq(csv_append(path, &row, err, sizeof(err)), 0, "%s", err);
    cr_expect_eq(csv_check_file(path, err, sizeof(err)), 0, "%s", err);
    csv_row_free(&row);
    remove_temp_csv(path);
}

Test(csv_check_file, other_header_and_partial_row_rejected)
{
    char *path = temp_csv_path();
    char err[512] = "", *header, *text;
    FILE *f = fopen(path, "w");

    cr_assert_not_null(f);
    fputs("run_id,time\n1,2\n", f);
    fclose(f);
    cr_expect_eq(csv_check_file(path, err, sizeof(err)), -EPROTO);
    cr_expect_not_null(strstr(err, path), "%s", err);
    cr_expect_not_null(strstr(err, "move the file"), "%s", err);

    f = fopen(path, "w");
    cr_assert_not_null(f);
    cr_assert_eq(csv_format_header(&header), 0);
    fputs(header, f);
    fputs("partial,row", f);
    fclose(f);
    cr_expect_eq(csv_check_file(path, err, sizeof(err)), -EPROTO);
    cr_expect_not_null(strstr(err, "no newline"), "%s", err);
    text = read_all(path, NULL);
    cr_expect_eq(text[strlen(text) - 1], 'w', "the file was modified");
    free(text);
    free(header);
    remove_temp_csv(path);
}

Test(csv_append, unwritable_path_reports_errno)
{
    struct csv_row row;
    char err[512] = "";

    fill_row(&row, "r1");
    cr_assert_eq(csv_append("/nonexistent-dir/x.csv", &row, err, sizeof(err)),
                 -ENOENT);
    cr_assert_not_null(strstr(err, "csv: /nonexistent-dir/x.csv: open failed"),
                       "%s", err);
    csv_row_free(&row);
}

/* A file size limit makes write(2) short; the partial row must go. */
Test(csv_append, short_write_leaves_whole_rows)
{
    char *path = temp_csv_path();
    char *header;
    pid_t pid;
    int status;
    size_t len;
    char *text;

    cr_assert_eq(csv_format_header(&header), 0);
    pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        struct rlimit lim;
        struct csv_row row;
        char err[512] = "";

        lim.rlim_cur = lim.rlim_max = strlen(header) + 20;
        signal(SIGXFSZ, SIG_IGN);
        if (setrlimit(RLIMIT_FSIZE, &lim) < 0)
            _exit(2);
        if (csv_row_init(&row) < 0 || csv_row_set(&row, "run_id", "r") < 0)
            _exit(3);
        if (csv_row_set(&row, "failure",
                        "a long failure reason that "
                        "does not fit in twenty bytes") < 0)
            _exit(3);
        _exit(csv_append(path, &row, err, sizeof(err)) == -EIO &&
                      strstr(err, "partial row was removed") != NULL
                  ? 0
                  : 1);
    }
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status));
    cr_assert_eq(WEXITSTATUS(status), 0, "child exit %d", WEXITSTATUS(status));
    text = read_all(path, &len);
    cr_assert_eq(len, strlen(header), "file has %zu bytes", len);
    cr_assert_str_eq(text, header);
    free(text);
    free(header);
    remove_temp_csv(path);
}

/* Writers in parallel processes: every row whole, none lost. */
Test(csv_append, concurrent_writers_keep_rows_whole)
{
    enum { WRITERS = 4, ROWS = 50 };
    char *path = temp_csv_path();
    char *text, *header, *expected[WRITERS];
    const char *p;
    size_t rows = 0;

    for (int w = 0; w < WRITERS; w++) {
        pid_t pid = fork();

        cr_assert_geq(pid, 0);
        if (pid == 0) {
            struct csv_row row;
            char id[16];

            snprintf(id, sizeof(id), "writer%d", w);
            if (csv_row_init(&row) < 0 || csv_row_set(&row, "run_id", id) < 0)
                _exit(3);
            /* An 8 KiB field makes each row span pages, so writes can
             * interleave. */
            char *big = malloc(8192);
            if (big == NULL)
                _exit(3);
            memset(big, 'x', 8191);
            big[8191] = '\0';
            if (csv_row_set(&row, "failure", big) < 0)
                _exit(3);
            for (int i = 0; i < ROWS; i++)
                if (csv_append(path, &row, NULL, 0) < 0)
                    _exit(1);
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;

        cr_assert_gt(wait(&status), 0);
        cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }

    text = read_all(path, NULL);
    cr_assert_eq(csv_format_header(&header), 0);
    cr_assert_eq(strncmp(text, header, strlen(header)), 0);
    for (int w = 0; w < WRITERS; w++) {
        struct csv_row row;

        cr_assert_eq(csv_row_init(&row), 0);
        char id[16], big[8192];
        snprintf(id, sizeof(id), "writer%d", w);
        memset(big, 'x', 8191);
        big[8191] = '\0';
        cr_assert_eq(csv_row_set(&row, "run_id", id), 0);
        cr_assert_eq(csv_row_set(&row, "failure", big), 0);
        cr_assert_eq(csv_format_row(&row, &expected[w]), 0);
        csv_row_free(&row);
    }
    for (p = text + strlen(header); *p != '\0';) {
        int match = -1;

        for (int w = 0; w < WRITERS; w++)
            if (strncmp(p, expected[w], strlen(expected[w])) == 0)
                match = w;
        cr_assert_geq(match, 0, "torn row at byte %td", p - text);
        p += strlen(expected[match]);
        rows++;
    }
    cr_assert_eq(rows, WRITERS * ROWS);
    for (int w = 0; w < WRITERS; w++)
        free(expected[w]);
    free(header);
    free(text);
    remove_temp_csv(path);
}
