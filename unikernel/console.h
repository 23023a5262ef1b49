/* Serial console (16550 UART on COM1), formatted output and panic. */
#ifndef UK_CONSOLE_H
#define UK_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

/* Programs COM1 for 115200 baud, 8N1, FIFOs on, interrupts off. */
void console_init(void);

/* Writes `len` bytes to COM1, turning "\n" into "\r\n". */
void console_write(const char *s, size_t len);

/*
 * Formats into buf (always NUL-terminated when cap > 0) and returns the
 * length the full output would have. Supports %d %i %u %x %X %c %s %p %%
 * with the flags '0' and '-', a width, and the length modifiers l, ll, z.
 */
int uk_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap);
int uk_snprintf(char *buf, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Formats to the serial console; output longer than 256 bytes is cut. */
int uk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Prints "panic: " and the message with a stack trace from the caller's
 * frame, then powers off with BENCH_EXIT_PANIC. Never returns.
 */
void uk_panic(const char *fmt, ...)
    __attribute__((noreturn, format(printf, 1, 2)));

/* Powers off through isa-debug-exit, so QEMU exits with status 2*code+1. */
void uk_poweroff(unsigned code) __attribute__((noreturn));

/* An assert that stays on in every build. */
#define UK_ASSERT(cond)                                                        \
    do {                                                                       \
        if (!(cond))                                                           \
            uk_panic("assert failed: %s (%s:%d)", #cond, __FILE__, __LINE__);  \
    } while (0)

#endif
