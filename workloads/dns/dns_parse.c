/*
 * DNS query parser. Every read is checked against the message length
 * before it happens, and every loop advances through the message, so
 * hostile input ends in FORMERR in time linear in its length.
 */
#include "dns_internal.h"

static uint16_t read_u16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t read_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
           ((uint32_t)p[2] << 8) | p[3];
}

/*
 * Parses the question name at req[*pos]: plain labels only, because a
 * compression pointer in the first name of a message can only point into
 * the header. Advances *pos past the name and returns its wire length, or
 * 0 when it is malformed.
 */
static size_t parse_question_name(const uint8_t *req, size_t len, size_t *pos)
{
    size_t start = *pos;
    size_t p = start;

    for (;;) {
        if (p >= len)
            return 0;
        uint8_t label_len = req[p];
        if (label_len == 0)
            break;
        /* 0xc0 is a pointer, 0x40 and 0x80 are unassigned label types. */
        if (label_len > DNS_MAX_LABEL_LEN)
            return 0;
        p += 1 + (size_t)label_len;
        /* Leave room for the root label that must still follow. */
        if (p - start + 1 > DNS_MAX_NAME_LEN)
            return 0;
    }
    p++;
    *pos = p;
    return p - start;
}

/*
 * Skips the owner name of a record in the additional section, where
 * compression pointers are legal. A pointer ends the name and is not
 * followed, so loops cannot form. Returns false when the name runs past
 * the message or uses an unassigned label type. Sets *is_root when the name
 * is the root alone.
 */
static bool skip_rr_name(const uint8_t *req, size_t len, size_t *pos,
                         bool *is_root)
{
    size_t start = *pos;
    size_t p = start;

    for (;;) {
        if (p >= len)
            return false;
        uint8_t label_len = req[p];
        if (label_len == 0) {
            p++;
            break;
        }
        if ((label_len & 0xc0) == 0xc0) {
            if (p + 2 > len)
                return false;
            p += 2;
            break;
        }
        if (label_len > DNS_MAX_LABEL_LEN)
            return false;
        p += 1 + (size_t)label_len;
        if (p - start + 1 > DNS_MAX_NAME_LEN)
            return false;
    }
    *is_root = p - start == 1;
    *pos = p;
    return true;
}

/* Checks that EDNS options fill the OPT RDATA exactly (RFC 6891 6.1.2). */
static bool opt_options_valid(const uint8_t *rdata, size_t rdlen)
{
    size_t p = 0;

    while (p < rdlen) {
        if (rdlen - p < 4)
            return false;
        size_t option_len = read_u16(rdata + p + 2);
        p += 4;
        if (rdlen - p < option_len)
            return false;
        p += option_len;
    }
    return true;
}

/*
 * Parses one additional record at req[*pos]. Returns false when it is
 * malformed, is not an OPT, or is a second OPT or one not owned by the
 * root.
 */
static bool parse_additional_rr(const uint8_t *req, size_t len, size_t *pos,
                                struct dns_query *q)
{
    bool owner_is_root;

    if (!skip_rr_name(req, len, pos, &owner_is_root))
        return false;

    /* TYPE, CLASS, TTL and RDLENGTH: 10 bytes. */
    if (len - *pos < 10)
        return false;
    const uint8_t *fixed = req + *pos;
    uint16_t type = read_u16(fixed);
    size_t rdlen = read_u16(fixed + 8);
    *pos += 10;
    if (len - *pos < rdlen)
        return false;
    const uint8_t *rdata = req + *pos;
    *pos += rdlen;

    /*
     * A TSIG or SIG(0) record asks for a signed exchange, which this
     * responder cannot verify or sign, so only OPT is accepted.
     */
    if (type != DNS_TYPE_OPT)
        return false;

    /* RFC 6891 6.1.1: one OPT at most, owned by the root. */
    if (q->has_edns || !owner_is_root)
        return false;
    if (!opt_options_valid(rdata, rdlen))
        return false;

    uint32_t ttl = read_u32(fixed + 4);
    q->has_edns = true;
    q->edns_udp_size = read_u16(fixed + 2);
    q->edns_version = (uint8_t)(ttl >> 16);
    q->edns_do = (ttl & 0x8000) != 0;
    return true;
}

int dns_parse_query(const uint8_t *req, size_t len, struct dns_query *q)
{
    *q = (struct dns_query){0};
    q->id = read_u16(req);
    q->flags = read_u16(req + 2);
    q->opcode = (q->flags >> DNS_OPCODE_SHIFT) & DNS_OPCODE_MASK;

    uint16_t qdcount = read_u16(req + 4);
    uint16_t ancount = read_u16(req + 6);
    uint16_t nscount = read_u16(req + 8);
    uint16_t arcount = read_u16(req + 10);

    if (qdcount != 1)
        return DNS_RCODE_FORMERR;

    size_t pos = DNS_HEADER_LEN;
    size_t qname_len = parse_question_name(req, len, &pos);
    if (qname_len == 0 || len - pos < 4)
        return DNS_RCODE_FORMERR;
    q->qname_len = qname_len;
    q->qtype = read_u16(req + pos);
    q->qclass = read_u16(req + pos + 2);
    q->has_question = true;
    pos += 4;

    /* A query carries no answers and, outside UPDATE, no authority. */
    if (ancount != 0 || nscount != 0)
        return DNS_RCODE_FORMERR;

    for (uint16_t i = 0; i < arcount; i++) {
        if (!parse_additional_rr(req, len, &pos, q))
            return DNS_RCODE_FORMERR;
    }

    if (pos != len)
        return DNS_RCODE_FORMERR; /* bytes after the last record */
    return DNS_RCODE_NOERROR;
}
