#include <stdint.h>
#include <string.h>

#include "arch.h"
#include "bench_abi.h"
#include "console.h"
#include "trap.h"

#define COM1 0x3f8
#define UART_THR 0 /* transmit holding register */
#define UART_IER 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_LSR_THRE 0x20
#define UART_LCR_DLAB 0x80

void console_init(void)
{
    outb(COM1 + UART_IER, 0x00);
    outb(COM1 + UART_LCR, UART_LCR_DLAB);
    outb(COM1 + 0, 1); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0);
    outb(COM1 + UART_LCR, 0x03); /* 8 bits, no parity, 1 stop bit */
    outb(COM1 + UART_FCR, 0x07); /* enable and clear FIFOs */
    outb(COM1 + UART_MCR, 0x03); /* DTR, RTS */
}

static void console_putc(char c)
{
    /* QEMU's UART is always ready; a real one needs the wait. */
    while ((inb(COM1 + UART_LSR) & UART_LSR_THRE) == 0)
        ;
    outb(COM1 + UART_THR, (uint8_t)c);
}

void console_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            console_putc('\r');
        console_putc(s[i]);
    }
}

struct out {
    char *buf;
    size_t cap;
    size_t len;
};

static void out_char(struct out *o, char c)
{
    if (o->len + 1 < o->cap)
        o->buf[o->len] = c;
    o->len++;
}

static void out_number(struct out *o, uint64_t v, int negative, unsigned base,
                       int upper, int width, char pad, int left)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char tmp[24];
    int n = 0;

    do {
        tmp[n++] = digits[v % base];
        v /= base;
    } while (v != 0);
    int len = n + (negative ? 1 : 0);

    /* With zero padding the sign goes before the zeros. */
    if (negative && (pad == '0' || left))
        out_char(o, '-');
    for (int i = len; !left && i < width; i++)
        out_char(o, pad);
    if (negative && pad != '0' && !left)
        out_char(o, '-');
    while (n > 0)
        out_char(o, tmp[--n]);
    for (int i = len; left && i < width; i++)
        out_char(o, ' ');
}

static void out_string(struct out *o, const char *s, int width, int left)
{
    int n = (int)strlen(s);

    for (int i = n; !left && i < width; i++)
        out_char(o, ' ');
    for (int i = 0; i < n; i++)
        out_char(o, s[i]);
    for (int i = n; left && i < width; i++)
        out_char(o, ' ');
}

int uk_vsnprintf(char *buf, size_t cap, const char *fmt, va_list ap)
{
    struct out o = {buf, cap, 0};

    for (const char *p = fmt; *p != '\0'; p++) {
        if (*p != '%') {
            out_char(&o, *p);
            continue;
        }
        p++;
        char pad = ' ';
        int left = 0, width = 0, size = 0;

        for (; *p == '0' || *p == '-'; p++) {
            if (*p == '0')
                pad = '0';
            else
                left = 1;
        }
        for (; *p >= '0' && *p <= '9'; p++)
            width = width * 10 + (*p - '0');
        for (; *p == 'l' || *p == 'z'; p++)
            size = (*p == 'z') ? 2 : size + 1;
        if (left)
            pad = ' ';

        uint64_t u;
        int64_t s;
        switch (*p) {
        case 'd':
        case 'i':
            s = size ? va_arg(ap, int64_t) : va_arg(ap, int);
            u = s < 0 ? -(uint64_t)s : (uint64_t)s;
            out_number(&o, u, s < 0, 10, 0, width, pad, left);
            break;
        case 'u':
        case 'x':
        case 'X':
            u = size ? va_arg(ap, uint64_t) : va_arg(ap, unsigned);
            out_number(&o, u, 0, *p == 'u' ? 10 : 16, *p == 'X', width, pad,
                       left);
            break;
        case 'p':
            out_char(&o, '0');
            out_char(&o, 'x');
            u = (uintptr_t)va_arg(ap, void *);
            out_number(&o, u, 0, 16, 0, width, pad, left);
            break;
        case 'c':
            out_char(&o, (char)va_arg(ap, int));
            break;
        case 's': {
            const char *str = va_arg(ap, const char *);
            out_string(&o, str ? str : "(null)", width, left);
            break;
        }
        case '%':
            out_char(&o, '%');
            break;
        case '\0':
            p--;
            break;
        default:
            out_char(&o, '%');
            out_char(&o, *p);
            break;
        }
    }
    if (cap > 0)
        buf[o.len < cap ? o.len : cap - 1] = '\0';
    return (int)o.len;
}

int uk_snprintf(char *buf, size_t cap, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    int n = uk_vsnprintf(buf, cap, fmt, ap);
    va_end(ap);
    return n;
}

int uk_printf(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    va_start(ap, fmt);
    int n = uk_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    console_write(buf, strlen(buf));
    return n;
}

void uk_poweroff(unsigned code)
{
    irq_disable();
    outl(BENCH_EXIT_PORT, code);
    /* Reached only without isa-debug-exit: stop here. */
    for (;;)
        __asm__ volatile("cli; hlt");
}

void uk_panic(const char *fmt, ...)
{
    char buf[256];
    va_list ap;

    irq_disable();
    va_start(ap, fmt);
    uk_vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    uk_printf("panic: %s\n", buf);
    trap_print_backtrace((uintptr_t)__builtin_frame_address(0));
    uk_poweroff(BENCH_EXIT_PANIC);
}
