/*
 * Markdown to HTML for the subset report_md.c writes: headings, paragraphs,
 * "- " lists, pipe tables with a "| --- |" separator row, images, links and
 * code spans. It is no general Markdown converter.
 */
#include "md_html.h"

#include <string.h>

static void put_escaped(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(s[i], out);
        }
    }
}

/* Finds the ')' closing a link target that starts at s, or NULL. */
static const char *link_end(const char *s, const char *end)
{
    for (const char *p = s; p < end; p++) {
        if (*p == ')')
            return p;
    }
    return NULL;
}

/* Writes the n bytes at s with code spans, images and links converted;
 * a "\|" (escaped cell separator) becomes "|". */
static void put_inline(FILE *out, const char *s, size_t n)
{
    const char *end = s + n;
    const char *p = s;

    while (p < end) {
        if (*p == '\\' && p + 1 < end && p[1] == '|') {
            fputc('|', out);
            p += 2;
            continue;
        }
        if (*p == '`') {
            const char *close = memchr(p + 1, '`', (size_t)(end - p - 1));
            if (close != NULL) {
                fputs("<code>", out);
                put_escaped(out, p + 1, (size_t)(close - p - 1));
                fputs("</code>", out);
                p = close + 1;
                continue;
            }
        }
        int image = *p == '!' && p + 1 < end && p[1] == '[';
        if (image || *p == '[') {
            const char *text = p + (image ? 2 : 1);
            const char *close = memchr(text, ']', (size_t)(end - text));
            if (close != NULL && close + 1 < end && close[1] == '(') {
                const char *target = close + 2;
                const char *target_end = link_end(target, end);
                if (target_end != NULL) {
                    fputs(image ? "<img src=\"" : "<a href=\"", out);
                    put_escaped(out, target, (size_t)(target_end - target));
                    fputs(image ? "\" alt=\"" : "\">", out);
                    put_escaped(out, text, (size_t)(close - text));
                    fputs(image ? "\">" : "</a>", out);
                    p = target_end + 1;
                    continue;
                }
            }
        }
        put_escaped(out, p, 1);
        p++;
    }
}

/* Writes one table row; cells are split at '|' not preceded by '\'. */
static void put_table_row(FILE *out, const char *line, size_t n, int header)
{
    const char *cell_tag = header ? "th" : "td";
    const char *p = line;
    const char *end = line + n;

    /* Drop the leading and trailing pipes. */
    if (p < end && *p == '|')
        p++;
    while (end > p && (end[-1] == ' ' || end[-1] == '|'))
        end--;

    fputs("<tr>", out);
    while (p <= end) {
        const char *q = p;
        while (q < end && !(*q == '|' && (q == p || q[-1] != '\\')))
            q++;
        const char *a = p;
        const char *b = q;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        fprintf(out, "<%s>", cell_tag);
        put_inline(out, a, (size_t)(b - a));
        fprintf(out, "</%s>", cell_tag);
        if (q >= end)
            break;
        p = q + 1;
    }
    fputs("</tr>\n", out);
}

static int is_separator_row(const char *line)
{
    return strncmp(line, "| ---", 5) == 0;
}

/* Kinds of block the converter is inside. */
enum block { BLOCK_NONE, BLOCK_PARAGRAPH, BLOCK_LIST, BLOCK_TABLE };

static void close_block(FILE *out, enum block *b)
{
    static const char *const closers[] = {"", "</p>\n", "</ul>\n",
                                          "</tbody></table>\n"};
    fputs(closers[*b], out);
    *b = BLOCK_NONE;
}

int md_html_convert(const char *md, size_t len, const char *title, FILE *out)
{
    enum block block = BLOCK_NONE;
    const char *p = md;
    const char *end = md + len;
    int table_header_done = 0;

    fputs("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>", out);
    put_escaped(out, title, strlen(title));
    fputs("</title>\n<style>body{font-family:sans-serif;max-width:70em;"
          "margin:auto;padding:1em}table{border-collapse:collapse}"
          "td,th{border:1px solid #ccc;padding:2px 6px;font-size:90%}"
          "img{max-width:100%}</style></head><body>\n",
          out);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = nl ? nl : end;
        size_t n = (size_t)(line_end - p);
        char first[8] = "";
        memcpy(first, p, n < 7 ? n : 7);

        if (n == 0) {
            close_block(out, &block);
        } else if (first[0] == '#') {
            size_t level = 0;
            while (level < n && p[level] == '#')
                level++;
            close_block(out, &block);
            fprintf(out, "<h%zu>", level);
            put_inline(out, p + level + 1, n > level ? n - level - 1 : 0);
            fprintf(out, "</h%zu>\n", level);
        } else if (first[0] == '|') {
            if (block != BLOCK_TABLE) {
                close_block(out, &block);
                fputs("<table><thead>\n", out);
                block = BLOCK_TABLE;
                table_header_done = 0;
                put_table_row(out, p, n, 1);
            } else if (is_separator_row(first) && !table_header_done) {
                fputs("</thead><tbody>\n", out);
                table_header_done = 1;
            } else {
                put_table_row(out, p, n, 0);
            }
        } else if (strncmp(first, "- ", 2) == 0) {
            if (block != BLOCK_LIST) {
                close_block(out, &block);
                fputs("<ul>\n", out);
                block = BLOCK_LIST;
            }
            fputs("<li>", out);
            put_inline(out, p + 2, n - 2);
            fputs("</li>\n", out);
        } else {
            if (block != BLOCK_PARAGRAPH) {
                close_block(out, &block);
                fputs("<p>", out);
                block = BLOCK_PARAGRAPH;
            } else {
                fputc('\n', out);
            }
            put_inline(out, p, n);
        }
        p = nl ? nl + 1 : end;
    }
    close_block(out, &block);
    fputs("</body></html>\n", out);
    return ferror(out) ? -1 : 0;
}
