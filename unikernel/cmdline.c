#include <string.h>

#include "bench_abi.h"
#include "cmdline.h"

/* Length of the word starting at s (up to a space or the end). */
static size_t word_len(const char *s)
{
    size_t n = 0;

    while (s[n] != '\0' && s[n] != ' ' && s[n] != '\t' && s[n] != '\n')
        n++;
    return n;
}

static const char *skip_space(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n')
        s++;
    return s;
}

const char *cmdline_find(const char *cmdline, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    const char *found = NULL;

    for (const char *p = skip_space(cmdline); *p != '\0';) {
        size_t n = word_len(p);

        if (n > klen && p[klen] == '=' && strncmp(p, key, klen) == 0) {
            found = p + klen + 1;
            *len = n - klen - 1;
        }
        p = skip_space(p + n);
    }
    return found;
}

int cmdline_parse_ipv4(const char *s, size_t len, uint32_t *out)
{
    uint32_t addr = 0;
    size_t i = 0;

    for (int part = 0; part < 4; part++) {
        uint32_t v = 0;
        size_t digits = 0;

        while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) {
            v = v * 10 + (uint32_t)(s[i] - '0');
            i++;
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return -1;
        addr = (addr << 8) | v;
        if (part < 3) {
            if (i >= len || s[i] != '.')
                return -1;
            i++;
        }
    }
    if (i != len)
        return -1;
    *out = addr;
    return 0;
}

static void copy_error(char *err, size_t cap, const char *key, const char *v,
                       size_t vlen)
{
    static const char prefix[] = "invalid value for ";
    size_t n = 0;

    if (cap == 0)
        return;
    for (const char *p = prefix; *p != '\0' && n + 1 < cap; p++)
        err[n++] = *p;
    for (const char *p = key; *p != '\0' && n + 1 < cap; p++)
        err[n++] = *p;
    if (n + 2 < cap) {
        err[n++] = ':';
        err[n++] = ' ';
    }
    for (size_t i = 0; i < vlen && n + 1 < cap; i++)
        err[n++] = v[i];
    err[n] = '\0';
}

static int parse_key(const char *cmdline, const char *key, const char *dflt,
                     uint32_t *out, char *err, size_t errcap)
{
    size_t len;
    const char *v = cmdline_find(cmdline, key, &len);

    if (v == NULL) {
        v = dflt;
        len = strlen(dflt);
    }
    if (cmdline_parse_ipv4(v, len, out) != 0) {
        copy_error(err, errcap, key, v, len);
        return -1;
    }
    return 0;
}

int cmdline_parse_net(const char *cmdline, struct cmdline_net *net, char *err,
                      size_t errcap)
{
    if (parse_key(cmdline, "ukb.ip", BENCH_GUEST_IP, &net->ip, err, errcap) ||
        parse_key(cmdline, "ukb.mask", BENCH_GUEST_NETMASK, &net->mask, err,
                  errcap) ||
        parse_key(cmdline, "ukb.gw", BENCH_GUEST_GATEWAY, &net->gw, err,
                  errcap))
        return -1;

    /* A netmask is ones followed by zeros: ~mask + 1 is a power of two. */
    uint32_t inv = ~net->mask;
    if ((inv & (inv + 1)) != 0) {
        size_t len;
        const char *v = cmdline_find(cmdline, "ukb.mask", &len);
        copy_error(err, errcap, "ukb.mask", v ? v : "", v ? len : 0);
        return -1;
    }
    return 0;
}

/* Parses a decimal or 0x-prefixed hex number; returns characters used. */
static size_t parse_number(const char *s, size_t len, uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    unsigned base = 10;

    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    }
    size_t start = i;
    for (; i < len; i++) {
        char c = s[i];
        unsigned d;

        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (base == 16 && c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (base == 16 && c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            break;
        if (v > (UINT64_MAX - d) / base)
            return 0;
        v = v * base + d;
    }
    if (i == start)
        return 0;
    *out = v;
    return i;
}

static int parse_mmio_word(const char *s, size_t len,
                           struct cmdline_mmio_dev *dev)
{
    uint64_t size, base, irq;
    size_t i = parse_number(s, len, &size);

    if (i == 0)
        return -1;
    if (i < len && (s[i] == 'K' || s[i] == 'k')) {
        size <<= 10;
        i++;
    } else if (i < len && (s[i] == 'M' || s[i] == 'm')) {
        size <<= 20;
        i++;
    }
    if (i >= len || s[i] != '@')
        return -1;
    i++;
    size_t n = parse_number(s + i, len - i, &base);
    if (n == 0)
        return -1;
    i += n;
    if (i >= len || s[i] != ':')
        return -1;
    i++;
    n = parse_number(s + i, len - i, &irq);
    if (n == 0 || i + n != len || irq > 255 || size == 0)
        return -1;
    dev->base = base;
    dev->size = size;
    dev->irq = (uint32_t)irq;
    return 0;
}

int cmdline_parse_mmio(const char *cmdline, struct cmdline_mmio_dev *devs,
                       int max)
{
    static const char key[] = "virtio_mmio.device=";
    size_t klen = sizeof(key) - 1;
    int found = 0;

    for (const char *p = skip_space(cmdline); *p != '\0' && found < max;) {
        size_t n = word_len(p);

        if (n > klen && strncmp(p, key, klen) == 0 &&
            parse_mmio_word(p + klen, n - klen, &devs[found]) == 0)
            found++;
        p = skip_space(p + n);
    }
    return found;
}
