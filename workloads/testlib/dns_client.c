/* Query building and response decoding for hosted test programs. */
#include "dns_client.h"

#include <string.h>

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

size_t dns_client_build(const struct dns_client_query *q, uint8_t *buf,
                        size_t cap)
{
    size_t name_len = strlen(q->name);
    size_t need = 12 + name_len + 2 + 4 + (q->edns_size >= 0 ? 11 : 0);
    if (need > cap)
        return 0;

    put_u16(buf, q->id);
    put_u16(buf + 2, q->flags);
    put_u16(buf + 4, 1);
    put_u16(buf + 6, 0);
    put_u16(buf + 8, 0);
    put_u16(buf + 10, q->edns_size >= 0 ? 1 : 0);

    size_t p = 12;
    const char *label = q->name;
    while (*label != '\0') {
        const char *dot = strchr(label, '.');
        size_t n = dot ? (size_t)(dot - label) : strlen(label);
        if (n == 0 || n > 63)
            return 0;
        buf[p++] = (uint8_t)n;
        memcpy(buf + p, label, n);
        p += n;
        label += n + (dot ? 1 : 0);
    }
    buf[p++] = 0;
    put_u16(buf + p, q->qtype);
    put_u16(buf + p + 2, q->qclass);
    p += 4;

    if (q->edns_size >= 0) {
        buf[p] = 0;
        put_u16(buf + p + 1, 41);
        put_u16(buf + p + 3, (uint16_t)q->edns_size);
        buf[p + 5] = 0;
        buf[p + 6] = q->edns_version;
        buf[p + 7] = q->edns_do ? 0x80 : 0;
        buf[p + 8] = 0;
        put_u16(buf + p + 9, 0);
        p += 11;
    }
    return p;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

size_t dns_client_from_hex(const char *hex, uint8_t *buf, size_t cap)
{
    size_t n = 0;
    int high = -1;

    for (const char *c = hex; *c != '\0'; c++) {
        if (*c == ' ' || *c == '\n' || *c == '\t')
            continue;
        int v = hex_value(*c);
        if (v < 0)
            return 0;
        if (high < 0) {
            high = v;
            continue;
        }
        if (n == cap)
            return 0;
        buf[n++] = (uint8_t)(high << 4 | v);
        high = -1;
    }
    return high < 0 ? n : 0;
}

/*
 * Reads a name at msg[*pos], following pointers (at most 64 hops). Advances
 * *pos past the name as it appears at that place.
 */
static bool read_name(const uint8_t *msg, size_t len, size_t *pos, char *out)
{
    size_t p = *pos;
    size_t out_len = 0;
    bool jumped = false;
    int hops = 0;

    out[0] = '\0';
    for (;;) {
        if (p >= len)
            return false;
        uint8_t b = msg[p];
        if (b == 0) {
            if (!jumped)
                *pos = p + 1;
            return true;
        }
        if ((b & 0xc0) == 0xc0) {
            if (p + 2 > len || ++hops > 64)
                return false;
            if (!jumped)
                *pos = p + 2;
            jumped = true;
            p = get_u16(msg + p) & 0x3fff;
            continue;
        }
        if (b > 63 || p + 1 + b > len || out_len + b + 2 > 255)
            return false;
        if (out_len > 0)
            out[out_len++] = '.';
        memcpy(out + out_len, msg + p + 1, b);
        out_len += b;
        out[out_len] = '\0';
        p += 1 + (size_t)b;
    }
}

bool dns_client_read_name(const uint8_t *msg, size_t len, size_t offset,
                          char *out)
{
    size_t pos = offset;
    return read_name(msg, len, &pos, out);
}

bool dns_client_parse(const uint8_t *msg, size_t len,
                      struct dns_client_response *r)
{
    memset(r, 0, sizeof(*r));
    if (len < 12)
        return false;
    r->id = get_u16(msg);
    r->flags = get_u16(msg + 2);
    r->rcode = msg[3] & 0xf;
    for (int i = 0; i < 4; i++)
        r->counts[i] = get_u16(msg + 4 + 2 * i);
    if (r->counts[0] > 1)
        return false;

    size_t pos = 12;
    if (r->counts[0] == 1) {
        if (!read_name(msg, len, &pos, r->qname) || len - pos < 4)
            return false;
        r->qtype = get_u16(msg + pos);
        r->qclass = get_u16(msg + pos + 2);
        pos += 4;
    }
    r->question_end = pos;

    unsigned total = (unsigned)r->counts[1] + r->counts[2] + r->counts[3];
    if (total > DNS_CLIENT_MAX_RRS)
        return false;
    for (unsigned i = 0; i < total; i++) {
        struct dns_client_rr *rr = &r->rrs[i];
        if (!read_name(msg, len, &pos, rr->owner) || len - pos < 10)
            return false;
        rr->type = get_u16(msg + pos);
        rr->rclass = get_u16(msg + pos + 2);
        rr->ttl =
            (uint32_t)get_u16(msg + pos + 4) << 16 | get_u16(msg + pos + 6);
        rr->rdlen = get_u16(msg + pos + 8);
        pos += 10;
        if (len - pos < rr->rdlen)
            return false;
        rr->rdata = msg + pos;
        rr->rdata_offset = pos;
        pos += rr->rdlen;
    }
    return pos == len;
}
