/*
 * pathfmt: formats a file path into a fixed buffer, for the readers of
 * /proc and /sys, which must reject a path that does not fit rather than
 * open a truncated one.
 */
#ifndef PATHFMT_H
#define PATHFMT_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Formats into buf[cap]; returns 0, or -ENAMETOOLONG when it does not fit. */
static inline int pathfmt(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static inline int pathfmt(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

#endif
