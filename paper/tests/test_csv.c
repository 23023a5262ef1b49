/* Unit tests of the RFC 4180 reader used by ukreport (paper/csv.c). */
#include <criterion/criterion.h>
#include <string.h>

#include "../csv.h"

struct fixture {
    struct csv_parser parser;
    struct csv_record rec;
    char err[256];
};

static void start(struct fixture *fx, const char *text)
{
    memset(fx, 0, sizeof(*fx));
    csv_parser_init(&fx->parser, text, strlen(text));
}

static int next(struct fixture *fx)
{
    return csv_read_record(&fx->parser, &fx->rec, fx->err, sizeof(fx->err));
}

Test(csv_read_record, plain_and_empty_fields)
{
    struct fixture fx;

    start(&fx, "a,b,c\n1,,3\n");
    cr_assert_eq(next(&fx), 1);
    cr_assert_eq(fx.rec.n_fields, 3);
    cr_expect_str_eq(fx.rec.fields[2], "c");
    cr_assert_eq(next(&fx), 1);
    cr_assert_eq(fx.rec.n_fields, 3);
    cr_expect_str_eq(fx.rec.fields[0], "1");
    cr_expect_str_eq(fx.rec.fields[1], "");
    cr_expect_str_eq(fx.rec.fields[2], "3");
    cr_expect_eq(fx.rec.line, 2);
    cr_expect_eq(next(&fx), 0);
    csv_record_free(&fx.rec);
}

Test(csv_read_record, quoted_comma_quote_newline)
{
    struct fixture fx;

    start(&fx, "\"Intel(R) Xeon(R), 2 cores\",\"say \"\"hi\"\"\","
               "\"two\nlines\"\r\nnext,row");
    cr_assert_eq(next(&fx), 1);
    cr_assert_eq(fx.rec.n_fields, 3);
    cr_expect_str_eq(fx.rec.fields[0], "Intel(R) Xeon(R), 2 cores");
    cr_expect_str_eq(fx.rec.fields[1], "say \"hi\"");
    cr_expect_str_eq(fx.rec.fields[2], "two\nlines");
    cr_assert_eq(next(&fx), 1);
    cr_expect_eq(fx.rec.line, 3);
    cr_expect_str_eq(fx.rec.fields[1], "row");
    cr_expect_eq(next(&fx), 0);
    csv_record_free(&fx.rec);
}

Test(csv_read_record, trailing_empty_field_and_blank_lines)
{
    struct fixture fx;

    start(&fx, "\n\na,\r\n\r\n");
    cr_assert_eq(next(&fx), 1);
    cr_expect_eq(fx.rec.line, 3);
    cr_assert_eq(fx.rec.n_fields, 2);
    cr_expect_str_eq(fx.rec.fields[1], "");
    cr_expect_eq(next(&fx), 0);
    csv_record_free(&fx.rec);
}

/* A stray quote spoils one record only: the reader reports it with its
 * line and goes on with the next line. */
Test(csv_read_record, stray_quote_is_reported)
{
    struct fixture fx;

    start(&fx, "a,b\"c,d\n\"x\"y,z\nok,1\n");
    cr_expect_eq(next(&fx), -2);
    cr_expect(strstr(fx.err, "line 1") != NULL, "err: %s", fx.err);
    cr_expect_eq(next(&fx), -2);
    cr_expect(strstr(fx.err, "line 2") != NULL, "err: %s", fx.err);
    cr_expect(strstr(fx.err, "closing quote") != NULL, "err: %s", fx.err);
    cr_assert_eq(next(&fx), 1);
    cr_expect_str_eq(fx.rec.fields[0], "ok");
    csv_record_free(&fx.rec);
}

Test(csv_read_record, unterminated_quote)
{
    struct fixture fx;

    start(&fx, "a,\"never closed\nmore\n");
    cr_expect_eq(next(&fx), -2);
    cr_expect(strstr(fx.err, "not closed") != NULL, "err: %s", fx.err);
    cr_expect_eq(next(&fx), 0);
    csv_record_free(&fx.rec);
}

Test(csv_read_record, skips_byte_order_mark)
{
    struct fixture fx;

    start(&fx, "\xEF\xBB\xBFsystem,mode\n");
    cr_assert_eq(next(&fx), 1);
    cr_expect_str_eq(fx.rec.fields[0], "system");
    csv_record_free(&fx.rec);
}
