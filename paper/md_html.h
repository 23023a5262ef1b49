/* Markdown to HTML for the reproduction report (see md_html.c). */
#ifndef UKBENCH_MD_HTML_H
#define UKBENCH_MD_HTML_H

#include <stddef.h>
#include <stdio.h>

/*
 * Writes the len bytes of Markdown at md as a complete HTML page titled
 * title to out. Only the constructs report_md.c emits are converted; other
 * text comes out escaped, as paragraphs. Returns 0, or -1 on a write error.
 */
int md_html_convert(const char *md, size_t len, const char *title, FILE *out);

#endif
