/*
 * RFC 4180 CSV reader over a buffer held in memory: comma separators,
 * CRLF or LF record ends, fields in double quotes that may hold commas,
 * line breaks and doubled quotes. Blank lines and a leading UTF-8 byte
 * order mark are skipped.
 */
#ifndef UKBENCH_CSV_H
#define UKBENCH_CSV_H

#include <stddef.h>

/* One record: fields are NUL-terminated copies owned by the record. */
struct csv_record {
    char **fields;
    size_t n_fields;
    long line;       /* line number (from 1) where the record starts */
    char *storage;   /* backing store of the field texts */
    size_t *offsets; /* start of each field in storage while parsing */
    size_t fields_cap;
    size_t storage_cap;
};

/* Parser position inside one buffer. */
struct csv_parser {
    const char *buf;
    size_t len;
    size_t pos;
    long line; /* line number of buf[pos], from 1 */
};

/* Starts parsing the len bytes at buf, which must outlive the parser. */
void csv_parser_init(struct csv_parser *p, const char *buf, size_t len);

/*
 * Reads the next record into rec, reusing its storage. Returns 1 when a
 * record was read, 0 at the end of the buffer, -1 with ENOMEM, and -2 when
 * the record is malformed: err then contains the reason (with line number),
 * and the parser has skipped to the start of the next line, so the caller
 * may report the record and read on. An unterminated quoted field consumes
 * the rest of the buffer.
 */
int csv_read_record(struct csv_parser *p, struct csv_record *rec, char *err,
                    size_t err_len);

/* Frees the storage of rec and zeroes it. */
void csv_record_free(struct csv_record *rec);

/*
 * Reads the whole file at path into a NUL-terminated buffer in *buf with
 * its length in *len. Returns 0, or -1 with errno set.
 */
int csv_read_file(const char *path, char **buf, size_t *len);

#endif
