/*
 * The DNS workload: an authoritative responder for the zone local.org over
 * UDP. It answers class IN queries for A, NS, SOA and ANY (RFC 1035),
 * returns NXDOMAIN and NODATA with the SOA for negative caching (RFC 2308),
 * and handles EDNS0 (RFC 6891). Names in answers are compressed pointers
 * into the question, so they echo the client's letter case.
 */
#include "dns_internal.h"
#include "bench_abi.h"
#include "workload.h"

/* Response being built: bytes [0, len) of buf are written, up to limit. */
struct dns_writer {
    uint8_t *buf;
    size_t len;
    size_t limit;
};

/* Plan of the response, fixed before any record is written. */
struct dns_reply {
    uint16_t flags;
    uint16_t rcode; /* may exceed 15: the OPT record carries the high bits */
    bool with_question;
    bool with_opt;
    uint16_t counts[3]; /* answer, authority, additional */
    bool truncated;
};

enum { SECTION_ANSWER, SECTION_AUTHORITY, SECTION_ADDITIONAL };

/* A compression pointer to a name at `offset` in the message. */
#define NAME_POINTER(offset) ((uint16_t)(0xc000 | (offset)))

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void copy_bytes(uint8_t *dst, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        dst[i] = src[i];
}

/*
 * Reserves `n` bytes for one whole record or question. Returns NULL when
 * they do not fit, so a record is never written in part.
 */
static uint8_t *writer_reserve(struct dns_writer *w, size_t n)
{
    if (w->limit - w->len < n)
        return NULL;
    uint8_t *p = w->buf + w->len;
    w->len += n;
    return p;
}

/*
 * Writes the fixed part of a record owned by the name at `owner_offset`
 * and returns where its RDATA goes, or NULL when the record does not fit.
 */
static uint8_t *put_rr(struct dns_writer *w, uint16_t owner_offset,
                       uint16_t type, uint32_t ttl, uint16_t rdlen)
{
    uint8_t *p = writer_reserve(w, 2 + 10 + (size_t)rdlen);
    if (p == NULL)
        return NULL;
    put_u16(p, NAME_POINTER(owner_offset));
    put_u16(p + 2, type);
    put_u16(p + 4, DNS_CLASS_IN);
    put_u32(p + 6, ttl);
    put_u16(p + 10, rdlen);
    return p + 12;
}

static bool put_a(struct dns_writer *w, uint16_t owner_offset,
                  const uint8_t addr[4])
{
    uint8_t *rdata = put_rr(w, owner_offset, DNS_TYPE_A, DNS_ZONE_TTL, 4);
    if (rdata == NULL)
        return false;
    copy_bytes(rdata, addr, 4);
    return true;
}

/*
 * Writes the apex NS record, whose target is "ns" plus a pointer to the
 * apex. Stores the target's offset in *target_offset for the glue record.
 */
static bool put_ns(struct dns_writer *w, uint16_t apex_offset,
                   uint16_t *target_offset)
{
    uint8_t *rdata = put_rr(w, apex_offset, DNS_TYPE_NS, DNS_ZONE_TTL, 5);
    if (rdata == NULL)
        return false;
    *target_offset = (uint16_t)(rdata - w->buf);
    rdata[0] = 2;
    rdata[1] = 'n';
    rdata[2] = 's';
    put_u16(rdata + 3, NAME_POINTER(apex_offset));
    return true;
}

/*
 * Writes the apex SOA: MNAME ns.local.org, RNAME hostmaster.local.org,
 * both compressed against the apex.
 */
static bool put_soa(struct dns_writer *w, uint16_t apex_offset, uint32_t ttl)
{
    static const uint8_t hostmaster[] = {10,  'h', 'o', 's', 't', 'm',
                                         'a', 's', 't', 'e', 'r'};
    const uint16_t rdlen = 5 + sizeof(hostmaster) + 2 + 20;

    uint8_t *rdata = put_rr(w, apex_offset, DNS_TYPE_SOA, ttl, rdlen);
    if (rdata == NULL)
        return false;
    rdata[0] = 2;
    rdata[1] = 'n';
    rdata[2] = 's';
    put_u16(rdata + 3, NAME_POINTER(apex_offset));
    rdata += 5;
    copy_bytes(rdata, hostmaster, sizeof(hostmaster));
    put_u16(rdata + sizeof(hostmaster), NAME_POINTER(apex_offset));
    rdata += sizeof(hostmaster) + 2;
    put_u32(rdata, DNS_SOA_SERIAL);
    put_u32(rdata + 4, DNS_SOA_REFRESH);
    put_u32(rdata + 8, DNS_SOA_RETRY);
    put_u32(rdata + 12, DNS_SOA_EXPIRE);
    put_u32(rdata + 16, DNS_SOA_MINIMUM);
    return true;
}

/*
 * Counts a record written to `section`, or marks the reply truncated
 * (RFC 2181 section 9) when an answer or authority record did not fit.
 * Additional records are optional, so they are dropped without TC.
 */
static bool count_rr(struct dns_reply *r, int section, bool written)
{
    if (written) {
        r->counts[section]++;
        return true;
    }
    if (section != SECTION_ADDITIONAL)
        r->truncated = true;
    return false;
}

/* Writes the records for the apex local.org. */
static void answer_apex(struct dns_writer *w, struct dns_reply *r,
                        uint16_t qtype, uint16_t apex)
{
    uint16_t ns_target = 0;
    bool ns_written = false;

    if (qtype == DNS_TYPE_SOA || qtype == DNS_TYPE_ANY) {
        if (!count_rr(r, SECTION_ANSWER, put_soa(w, apex, DNS_ZONE_TTL)))
            return;
    }
    if (qtype == DNS_TYPE_NS || qtype == DNS_TYPE_ANY) {
        ns_written = put_ns(w, apex, &ns_target);
        if (!count_rr(r, SECTION_ANSWER, ns_written))
            return;
    }
    if (ns_written) {
        /* Glue: the address of the name server the NS record names. */
        uint8_t addr[4];
        dns_zone_address(DNS_OWNER_NS, 0, addr);
        count_rr(r, SECTION_ADDITIONAL, put_a(w, ns_target, addr));
        return;
    }
    if (r->counts[SECTION_ANSWER] == 0) {
        /* NODATA: the SOA with its MINIMUM as TTL (RFC 2308 section 3). */
        count_rr(r, SECTION_AUTHORITY, put_soa(w, apex, DNS_SOA_MINIMUM));
    }
}

/* Writes the answer or the negative response for a name in the zone. */
static void answer_in_zone(struct dns_writer *w, struct dns_reply *r,
                           const struct dns_query *q, const struct dns_match *m)
{
    uint16_t apex = (uint16_t)(DNS_HEADER_LEN + m->apex_offset);

    r->flags |= DNS_FLAG_AA;
    if (m->owner == DNS_OWNER_NONE) {
        r->rcode = DNS_RCODE_NXDOMAIN;
        count_rr(r, SECTION_AUTHORITY, put_soa(w, apex, DNS_SOA_MINIMUM));
        return;
    }
    if (m->owner == DNS_OWNER_APEX) {
        answer_apex(w, r, q->qtype, apex);
        return;
    }
    if (q->qtype == DNS_TYPE_A || q->qtype == DNS_TYPE_ANY) {
        uint8_t addr[4];
        dns_zone_address(m->owner, m->server_index, addr);
        count_rr(r, SECTION_ANSWER, put_a(w, DNS_HEADER_LEN, addr));
        return;
    }
    count_rr(r, SECTION_AUTHORITY, put_soa(w, apex, DNS_SOA_MINIMUM));
}

/*
 * Picks the RCODE for a well-formed QUERY before the zone is consulted, or
 * returns DNS_RCODE_NOERROR when the zone should answer.
 */
static uint16_t check_question(const struct dns_query *q)
{
    if (q->has_edns && q->edns_version != 0)
        return DNS_RCODE_BADVERS; /* RFC 6891 section 6.1.3 */
    if (q->qclass != DNS_CLASS_IN)
        return DNS_RCODE_REFUSED; /* CHAOS, HESIOD, ANY: not served */

    /* Zone transfers are not offered (and need TCP, RFC 5936). */
    if (q->qtype == DNS_TYPE_IXFR || q->qtype == DNS_TYPE_AXFR)
        return DNS_RCODE_REFUSED;
    return DNS_RCODE_NOERROR;
}

/*
 * Returns the largest response the client accepts: 512 bytes without EDNS,
 * its OPT payload size with EDNS (sizes under 512 count as 512, RFC 6891
 * section 6.2.3), and never more than `cap`.
 */
static size_t response_limit(const struct dns_query *q, size_t cap)
{
    size_t limit = DNS_UDP_CLASSIC_MAX;

    if (q->has_edns && q->edns_udp_size > limit)
        limit = q->edns_udp_size;
    return limit < cap ? limit : cap;
}

static void put_header(uint8_t *buf, const struct dns_query *q,
                       const struct dns_reply *r)
{
    uint16_t flags = r->flags;

    flags |= DNS_FLAG_QR;
    flags |= (uint16_t)(q->opcode << DNS_OPCODE_SHIFT);
    /* RD is copied (RFC 1035), CD too (RFC 4035 section 3.1.6). */
    flags |= q->flags & (DNS_FLAG_RD | DNS_FLAG_CD);
    if (r->truncated)
        flags |= DNS_FLAG_TC;
    flags |= r->rcode & 0xf;

    put_u16(buf, q->id);
    put_u16(buf + 2, flags);
    put_u16(buf + 4, r->with_question ? 1 : 0);
    put_u16(buf + 6, r->counts[SECTION_ANSWER]);
    put_u16(buf + 8, r->counts[SECTION_AUTHORITY]);
    put_u16(buf + 10, r->counts[SECTION_ADDITIONAL]);
}

/* The OPT record of the response: our payload size, version 0. */
static void put_opt(uint8_t *p, const struct dns_query *q, uint16_t rcode)
{
    uint32_t ttl = (uint32_t)(rcode >> 4) << 24;

    if (q->edns_do)
        ttl |= 0x8000;
    p[0] = 0; /* owner: the root */
    put_u16(p + 1, DNS_TYPE_OPT);
    put_u16(p + 3, DNS_EDNS_UDP_SIZE);
    put_u32(p + 5, ttl);
    put_u16(p + 9, 0);
}

size_t dns_handle(const uint8_t *req, size_t len, uint8_t *resp, size_t cap)
{
    struct dns_query q;
    struct dns_reply r = {0};

    /* Too short to hold an ID, or a response: never answered. */
    if (len < DNS_HEADER_LEN || (req[2] & 0x80) != 0)
        return 0;

    int parse_rcode = dns_parse_query(req, len, &q);
    r.with_question = q.has_question;
    r.with_opt = q.has_edns && parse_rcode == DNS_RCODE_NOERROR;
    if (q.opcode != DNS_OPCODE_QUERY)
        r.rcode = DNS_RCODE_NOTIMP;
    else if (parse_rcode != DNS_RCODE_NOERROR)
        r.rcode = (uint16_t)parse_rcode;
    else
        r.rcode = check_question(&q);

    size_t limit = response_limit(&q, cap);
    if (limit < DNS_HEADER_LEN)
        return 0;

    /* Keep room for the OPT record so truncation never drops it. */
    if (r.with_opt && limit - DNS_HEADER_LEN < DNS_OPT_RR_LEN)
        r.with_opt = false;
    struct dns_writer w = {
        .buf = resp,
        .len = DNS_HEADER_LEN,
        .limit = r.with_opt ? limit - DNS_OPT_RR_LEN : limit,
    };

    size_t question_len = q.qname_len + 4;
    if (r.with_question) {
        uint8_t *p = writer_reserve(&w, question_len);
        if (p == NULL) {
            r.with_question = false;
            r.truncated = true;
        } else {
            /* Byte for byte, so the client sees its own letter case. */
            copy_bytes(p, req + DNS_HEADER_LEN, question_len);
        }
    }

    if (r.rcode == DNS_RCODE_NOERROR && r.with_question) {
        struct dns_match m;
        dns_zone_match(req + DNS_HEADER_LEN, q.qname_len, &m);
        if (m.in_zone)
            answer_in_zone(&w, &r, &q, &m);
        else
            r.rcode = DNS_RCODE_REFUSED;
    }

    if (r.with_opt) {
        put_opt(resp + w.len, &q, r.rcode);
        w.len += DNS_OPT_RR_LEN;
        r.counts[SECTION_ADDITIONAL]++;
    }
    put_header(resp, &q, &r);
    return w.len;
}

const struct workload workload = {
    .name = "dns",
    .port = BENCH_DNS_PORT,
    .handle = dns_handle,
};
