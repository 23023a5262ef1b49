/* RFC 4180 CSV reader; see csv.h for the accepted dialect. */
#include "csv.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void csv_parser_init(struct csv_parser *p, const char *buf, size_t len)
{
    p->buf = buf;
    p->len = len;
    p->pos = 0;
    p->line = 1;
    /* A UTF-8 byte order mark (spreadsheets write one) is not data. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
        p->pos = 3;
}

void csv_record_free(struct csv_record *rec)
{
    free(rec->fields);
    free(rec->storage);
    free(rec->offsets);
    memset(rec, 0, sizeof(*rec));
}

static int storage_put(struct csv_record *rec, size_t *used, char c)
{
    if (*used == rec->storage_cap) {
        size_t cap = rec->storage_cap ? rec->storage_cap * 2 : 256;
        char *s = realloc(rec->storage, cap);
        if (s == NULL)
            return -1;
        rec->storage = s;
        rec->storage_cap = cap;
    }
    rec->storage[(*used)++] = c;
    return 0;
}

static int field_start(struct csv_record *rec, size_t offset)
{
    if (rec->n_fields == rec->fields_cap) {
        size_t cap = rec->fields_cap ? rec->fields_cap * 2 : 64;
        size_t *o = realloc(rec->offsets, cap * sizeof(*o));
        if (o == NULL)
            return -1;
        rec->offsets = o;
        char **f = realloc(rec->fields, cap * sizeof(*f));
        if (f == NULL)
            return -1;
        rec->fields = f;
        rec->fields_cap = cap;
    }
    rec->offsets[rec->n_fields++] = offset;
    return 0;
}

/* Moves p past the end of the current line, after a malformed record. */
static void skip_line(struct csv_parser *p)
{
    while (p->pos < p->len && p->buf[p->pos] != '\n')
        p->pos++;
    if (p->pos < p->len) {
        p->pos++;
        p->line++;
    }
}

static int at_record_end(const struct csv_parser *p)
{
    if (p->pos >= p->len || p->buf[p->pos] == '\n')
        return 1;
    return p->buf[p->pos] == '\r' && p->pos + 1 < p->len &&
           p->buf[p->pos + 1] == '\n';
}

/* Consumes the LF or CRLF (or nothing, at the end) that ends a record. */
static void consume_record_end(struct csv_parser *p)
{
    if (p->pos < p->len && p->buf[p->pos] == '\r')
        p->pos++;
    if (p->pos < p->len && p->buf[p->pos] == '\n') {
        p->pos++;
        p->line++;
    }
}

/* Reads a quoted field whose opening quote is at p->pos. Returns 0, -1 on
 * ENOMEM, -2 on malformed input with err filled in. */
static int read_quoted(struct csv_parser *p, struct csv_record *rec,
                       size_t *used, char *err, size_t err_len)
{
    long start_line = p->line;

    p->pos++;
    for (;;) {
        if (p->pos >= p->len) {
            snprintf(err, err_len,
                     "line %ld: quoted field is not closed before the end "
                     "of the file",
                     start_line);
            return -2;
        }
        char c = p->buf[p->pos++];
        if (c == '"') {
            if (p->pos < p->len && p->buf[p->pos] == '"') {
                p->pos++;
            } else {
                break;
            }
        } else if (c == '\n') {
            p->line++;
        }
        if (storage_put(rec, used, c) < 0)
            return -1;
    }
    if (!at_record_end(p) && p->buf[p->pos] != ',') {
        snprintf(err, err_len,
                 "line %ld: text after the closing quote of field %zu", p->line,
                 rec->n_fields);
        return -2;
    }
    return 0;
}

static int read_plain(struct csv_parser *p, struct csv_record *rec,
                      size_t *used, char *err, size_t err_len)
{
    while (!at_record_end(p) && p->buf[p->pos] != ',') {
        char c = p->buf[p->pos++];
        if (c == '"') {
            snprintf(err, err_len,
                     "line %ld: quote inside unquoted field %zu (RFC 4180 "
                     "needs the whole field quoted)",
                     p->line, rec->n_fields);
            return -2;
        }
        if (storage_put(rec, used, c) < 0)
            return -1;
    }
    return 0;
}

int csv_read_record(struct csv_parser *p, struct csv_record *rec, char *err,
                    size_t err_len)
{
    /* Skip blank lines, which contain no record. */
    while (p->pos < p->len && at_record_end(p))
        consume_record_end(p);
    if (p->pos >= p->len)
        return 0;

    size_t used = 0;
    rec->n_fields = 0;
    rec->line = p->line;
    for (;;) {
        if (field_start(rec, used) < 0)
            return -1;
        int rc;
        if (p->pos < p->len && p->buf[p->pos] == '"')
            rc = read_quoted(p, rec, &used, err, err_len);
        else
            rc = read_plain(p, rec, &used, err, err_len);
        if (rc == -2) {
            skip_line(p);
            return -2;
        }
        if (rc < 0 || storage_put(rec, &used, '\0') < 0)
            return -1;
        if (at_record_end(p))
            break;
        p->pos++; /* the comma */
    }
    consume_record_end(p);

    for (size_t i = 0; i < rec->n_fields; i++)
        rec->fields[i] = rec->storage + rec->offsets[i];
    return 1;
}

int csv_read_file(const char *path, char **buf, size_t *len)
{
    errno = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return -1;

    size_t cap = 1 << 16;
    size_t used = 0;
    char *data = malloc(cap);
    if (data == NULL)
        goto fail;
    for (;;) {
        if (used + 1 >= cap) {
            char *bigger = realloc(data, cap * 2);
            if (bigger == NULL)
                goto fail;
            data = bigger;
            cap *= 2;
        }
        size_t got = fread(data + used, 1, cap - used - 1, f);
        used += got;
        if (got == 0) {
            if (ferror(f))
                goto fail;
            break;
        }
    }
    if (fclose(f) != 0) {
        f = NULL;
        goto fail;
    }
    data[used] = '\0';
    *buf = data;
    *len = used;
    return 0;

fail : {
    int saved = errno ? errno : EIO;
    free(data);
    if (f != NULL)
        fclose(f);
    errno = saved;
    return -1;
}
}
