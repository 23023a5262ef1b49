/*
 * csv: result rows in the fixed column order of results/README.md, with
 * fields quoted per RFC 4180 and rows appended atomically: one write(2) per row
 * under an exclusive flock, so an interrupted run leaves only whole rows.
 */
#ifndef CSV_H
#define CSV_H

#include <stddef.h>
#include <stdint.h>

/* The header columns, in file order; csv_ncolumns entries. */
extern const char *const csv_columns[];
extern const size_t csv_ncolumns;

/* One row under construction: a heap copy of each field, NULL = empty. */
struct csv_row {
    char **fields; /* csv_ncolumns entries */
};

/* Allocates an empty row. Returns 0 or -ENOMEM. */
int csv_row_init(struct csv_row *row);

/* Frees every field; the row may be initialised again. */
void csv_row_free(struct csv_row *row);

/* Returns the index of column name, or -1 when the header has no such one. */
int csv_column_index(const char *name);

/*
 * Sets the text of column name (a copy of value; NULL empties it). Returns
 * 0, -ENOENT for an unknown column (a programming error the caller should
 * abort on), or -ENOMEM.
 */
int csv_row_set(struct csv_row *row, const char *name, const char *value);

/* Sets column name to value in decimal. Returns as csv_row_set. */
int csv_row_set_u64(struct csv_row *row, const char *name, uint64_t value);

/*
 * Sets column name to value with `decimals` digits after the dot (always a
 * dot, whatever the locale). Returns -EINVAL for NaN or infinity, which
 * are never a measured number, else as csv_row_set.
 */
int csv_row_set_double(struct csv_row *row, const char *name, double value,
                       int decimals);

/*
 * Marks a metric as not measurable here: empties column name and sets
 * method_column to "unavailable". Returns as csv_row_set.
 */
int csv_row_set_unavailable(struct csv_row *row, const char *name,
                            const char *method_column);

/*
 * Appends field to buf as one RFC 4180 field: unchanged unless it contains a
 * comma, double quote, CR or LF, else wrapped in double quotes with every
 * double quote doubled. Returns the length the field needs (excluding the
 * terminating NUL) like snprintf; writes at most cap bytes including NUL.
 */
size_t csv_quote(const char *field, char *buf, size_t cap);

/*
 * Formats the row as one CRLF-free line ending in "\n" into a new heap
 * string (*line, freed by the caller). Returns 0 or -ENOMEM.
 */
int csv_format_row(const struct csv_row *row, char **line);

/* Formats the header line (ending in "\n") into a new heap string. */
int csv_format_header(char **line);

/*
 * Appends the row to path: opens with O_APPEND|O_CREAT, takes flock
 * LOCK_EX, writes the header when the file is empty, else checks that the
 * first line equals the header, then writes the row with one write(2).
 * Returns 0, or -errno with a message in err ("csv: PATH: ..."); a header
 * mismatch returns -EPROTO with a message naming the file and the fix.
 */
int csv_append(const char *path, const struct csv_row *row, char *err,
               size_t err_cap);

/*
 * Checks, before any row is written, that csv_append() will accept path: it
 * does not exist, is empty, or starts with this header and ends in a
 * newline. Returns 0, or -errno with the message csv_append() would give
 * (-EPROTO for another header or a missing final newline).
 */
int csv_check_file(const char *path, char *err, size_t err_cap);

#endif
