/*
 * csv: result rows with a fixed header, appended atomically.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "csv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

/* The columns of results/README.md, in that order. */
const char *const csv_columns[] = {
    "run_id",
    "time",
    "git_commit",
    "host_cpu",
    "host_cores",
    "host_kernel",
    "qemu_version",
    "guest_kernel",
    "accel",
    "accel_calibration",
    "machine",
    "net",
    "placement",
    "system",
    "workload",
    "mode",
    "rep",
    "status",
    "failure",
    "offered_qps",
    "queries",
    "answered",
    "lost",
    "achieved_qps",
    "wall_s",
    "cpu_total_s",
    "cpu_method",
    "cpu_guest_s",
    "cpu_host_s",
    "cpu_guest_method",
    "cpu_vcpu_s",
    "cpu_io_s",
    "cpu_thread_method",
    "cycles",
    "host_instructions",
    "cycles_method",
    "guest_insn",
    "guest_insn_method",
    "lat_p50_us",
    "lat_p99_us",
    "lat_max_us",
    "lat_method",
    "energy_pkg_j",
    "energy_dram_j",
    "energy_idle_w",
    "energy_attr_j",
    "energy_method",
    "kvm_exits",
    "kvm_exits_method",
    "rss_peak_kb",
    "rss_empty_qemu_kb",
    "rss_empty_qemu_spread_kb",
    "mem_method",
    "min_mem_mb",
    "boot_ready_s",
    "image_bytes",
};
const size_t csv_ncolumns = sizeof(csv_columns) / sizeof(csv_columns[0]);

int csv_row_init(struct csv_row *row)
{
    row->fields = calloc(csv_ncolumns, sizeof(row->fields[0]));
    return row->fields == NULL ? -ENOMEM : 0;
}

void csv_row_free(struct csv_row *row)
{
    if (row->fields == NULL)
        return;
    for (size_t i = 0; i < csv_ncolumns; i++)
        free(row->fields[i]);
    free(row->fields);
    row->fields = NULL;
}

int csv_column_index(const char *name)
{
    for (size_t i = 0; i < csv_ncolumns; i++)
        if (strcmp(csv_columns[i], name) == 0)
            return (int)i;
    return -1;
}

int csv_row_set(struct csv_row *row, const char *name, const char *value)
{
    int i = csv_column_index(name);
    char *copy = NULL;

    if (i < 0)
        return -ENOENT;
    if (value != NULL) {
        copy = strdup(value);
        if (copy == NULL)
            return -ENOMEM;
    }
    free(row->fields[i]);
    row->fields[i] = copy;
    return 0;
}

int csv_row_set_u64(struct csv_row *row, const char *name, uint64_t value)
{
    char buf[24];

    snprintf(buf, sizeof(buf), "%" PRIu64, value);
    return csv_row_set(row, name, buf);
}

int csv_row_set_double(struct csv_row *row, const char *name, double value,
                       int decimals)
{
    char buf[64];
    int n;

    if (!isfinite(value) || decimals < 0 || decimals > 17)
        return -EINVAL;
    n = snprintf(buf, sizeof(buf), "%.*f", decimals, value);
    if (n < 0 || (size_t)n >= sizeof(buf))
        return -ERANGE;
    /* A locale with a decimal comma would otherwise split the field. */
    for (char *p = buf; *p != '\0'; p++)
        if (*p == ',')
            *p = '.';
    return csv_row_set(row, name, buf);
}

int csv_row_set_unavailable(struct csv_row *row, const char *name,
                            const char *method_column)
{
    int rc;

    if (csv_column_index(name) < 0)
        return -ENOENT;
    rc = csv_row_set(row, method_column, "unavailable");
    if (rc < 0)
        return rc;
    return csv_row_set(row, name, NULL);
}

size_t csv_quote(const char *field, char *buf, size_t cap)
{
    size_t need = 0;
    int quote = strpbrk(field, ",\"\r\n") != NULL;

#define CSV_PUT(c)                                                             \
    do {                                                                       \
        if (need + 1 < cap)                                                    \
            buf[need] = (c);                                                   \
        need++;                                                                \
    } while (0)

    if (quote)
        CSV_PUT('"');
    for (const char *p = field; *p != '\0'; p++) {
        if (*p == '"')
            CSV_PUT('"');
        CSV_PUT(*p);
    }
    if (quote)
        CSV_PUT('"');
#undef CSV_PUT

    if (cap > 0)
        buf[need < cap ? need : cap - 1] = '\0';
    return need;
}

/* Joins fields (NULL = empty) with commas and a final "\n". */
static int join_fields(const char *const *fields, char **line)
{
    size_t len = 0, pos = 0;
    char *out;

    for (size_t i = 0; i < csv_ncolumns; i++)
        len += (fields[i] ? csv_quote(fields[i], NULL, 0) : 0) + 1;
    out = malloc(len + 1);
    if (out == NULL)
        return -ENOMEM;
    for (size_t i = 0; i < csv_ncolumns; i++) {
        if (fields[i] != NULL)
            pos += csv_quote(fields[i], out + pos, len + 1 - pos);
        out[pos++] = i + 1 < csv_ncolumns ? ',' : '\n';
    }
    out[pos] = '\0';
    *line = out;
    return 0;
}

int csv_format_row(const struct csv_row *row, char **line)
{
    return join_fields((const char *const *)row->fields, line);
}

int csv_format_header(char **line)
{
    return join_fields(csv_columns, line);
}

static void csv_err(char *err, size_t err_cap, const char *path,
                    const char *what, int errnum)
{
    if (err != NULL && err_cap > 0)
        snprintf(err, err_cap, "csv: %s: %s: %s", path, what, strerror(errnum));
}

/*
 * Writes len bytes with ONE write(2). A short write (disk full) is undone
 * by truncating back to `size`, so the file keeps only whole rows.
 */
static int write_whole(int fd, const char *path, const char *buf, size_t len,
                       off_t size, char *err, size_t err_cap)
{
    ssize_t n;

    do {
        n = write(fd, buf, len);
    } while (n < 0 && errno == EINTR);
    if (n == (ssize_t)len)
        return 0;
    if (n < 0) {
        int e = errno;

        csv_err(err, err_cap, path, "write failed", e);
        return -e;
    }
    if (ftruncate(fd, size) < 0) {
        int e = errno;

        csv_err(err, err_cap, path,
                "short write, and truncating the partial row failed", e);
        return -e;
    }
    if (err != NULL && err_cap > 0)
        snprintf(err, err_cap,
                 "csv: %s: short write (%zd of %zu bytes, disk full?); "
                 "the partial row was removed",
                 path, n, len);
    return -EIO;
}

/* Names the first column where header line `found` differs. */
static void header_mismatch(const char *path, const char *found, char *err,
                            size_t err_cap)
{
    size_t col = 0;
    const char *p = found;

    while (col < csv_ncolumns) {
        size_t n = strlen(csv_columns[col]);

        if (strncmp(p, csv_columns[col], n) != 0 ||
            (p[n] != ',' && p[n] != '\n'))
            break;
        p += n + 1;
        col++;
    }
    if (err == NULL || err_cap == 0)
        return;
    if (col < csv_ncolumns)
        snprintf(err, err_cap,
                 "csv: %s: header differs from this ukbench's columns at "
                 "column %zu (expected '%s'); move the file away or pick "
                 "another output file, then rerun",
                 path, col + 1, csv_columns[col]);
    else
        snprintf(err, err_cap,
                 "csv: %s: header has more columns than this ukbench's %zu; "
                 "move the file away or pick another output file, then rerun",
                 path, csv_ncolumns);
}

/* Checks an existing file: same header, last row complete. */
static int check_existing(int fd, const char *path, const char *header,
                          off_t size, char *err, size_t err_cap)
{
    size_t header_len = strlen(header);
    char *first = malloc(header_len + 1);
    ssize_t n;
    char last;

    if (first == NULL)
        return -ENOMEM;
    n = pread(fd, first, header_len, 0);
    if (n < 0) {
        int e = errno;

        csv_err(err, err_cap, path, "read failed", e);
        free(first);
        return -e;
    }
    first[n] = '\0';
    if ((size_t)n != header_len || memcmp(first, header, header_len) != 0) {
        header_mismatch(path, first, err, err_cap);
        free(first);
        return -EPROTO;
    }
    free(first);

    if (pread(fd, &last, 1, size - 1) != 1) {
        csv_err(err, err_cap, path, "read failed", errno ? errno : EIO);
        return -EIO;
    }
    if (last != '\n') {
        if (err != NULL && err_cap > 0)
            snprintf(err, err_cap,
                     "csv: %s: last line has no newline (a row written by "
                     "another tool?); repair or move the file, then rerun",
                     path);
        return -EPROTO;
    }
    return 0;
}

/* Under the lock: header when empty, else checks, then the row. */
static int append_locked(int fd, const char *path, const char *header,
                         const char *line, char *err, size_t err_cap)
{
    struct stat st;
    int rc;

    if (fstat(fd, &st) < 0) {
        rc = -errno;
        csv_err(err, err_cap, path, "fstat failed", -rc);
        return rc;
    }
    if (st.st_size == 0) {
        rc = write_whole(fd, path, header, strlen(header), 0, err, err_cap);
        if (rc < 0)
            return rc;
        st.st_size = (off_t)strlen(header);
    } else {
        rc = check_existing(fd, path, header, st.st_size, err, err_cap);
        if (rc < 0)
            return rc;
    }
    return write_whole(fd, path, line, strlen(line), st.st_size, err, err_cap);
}

int csv_check_file(const char *path, char *err, size_t err_cap)
{
    char *header = NULL;
    struct stat st;
    int fd, rc;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        rc = -errno;
        csv_err(err, err_cap, path, "open failed", -rc);
        return rc;
    }
    if (fstat(fd, &st) < 0) {
        rc = -errno;
        csv_err(err, err_cap, path, "fstat failed", -rc);
        close(fd);
        return rc;
    }
    if (st.st_size == 0) {
        close(fd);
        return 0;
    }
    if (csv_format_header(&header) < 0) {
        csv_err(err, err_cap, path, "formatting the header failed", ENOMEM);
        close(fd);
        return -ENOMEM;
    }
    rc = check_existing(fd, path, header, st.st_size, err, err_cap);
    free(header);
    close(fd);
    return rc;
}

int csv_append(const char *path, const struct csv_row *row, char *err,
               size_t err_cap)
{
    char *header = NULL, *line = NULL;
    int fd, rc;

    if (csv_format_header(&header) < 0 || csv_format_row(row, &line) < 0) {
        free(header);
        csv_err(err, err_cap, path, "formatting the row failed", ENOMEM);
        return -ENOMEM;
    }
    fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        rc = -errno;
        csv_err(err, err_cap, path, "open failed", -rc);
        goto out;
    }
    while ((rc = flock(fd, LOCK_EX)) < 0 && errno == EINTR)
        ;
    if (rc < 0) {
        rc = -errno;
        csv_err(err, err_cap, path, "flock failed", -rc);
        close(fd);
        goto out;
    }
    rc = append_locked(fd, path, header, line, err, err_cap);
    /* close() drops the lock; a failed close may mean a lost write. */
    if (close(fd) < 0 && rc == 0) {
        rc = -errno;
        csv_err(err, err_cap, path, "close failed", -rc);
    }
out:
    free(header);
    free(line);
    return rc;
}
