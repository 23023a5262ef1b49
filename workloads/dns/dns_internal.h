/*
 * Internal interfaces of the DNS workload: the query parser (dns_parse.c),
 * the zone (dns_zone.c) and the response builder (dns.c). Freestanding C:
 * nothing here allocates, performs I/O or keeps state between calls.
 */
#ifndef DNS_INTERNAL_H
#define DNS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNS_HEADER_LEN 12
#define DNS_MAX_NAME_LEN 255 /* wire length, root label included */
#define DNS_MAX_LABEL_LEN 63

/* Header flag bits in the 16-bit flags word (RFC 1035 section 4.1.1). */
#define DNS_FLAG_QR 0x8000
#define DNS_FLAG_AA 0x0400
#define DNS_FLAG_TC 0x0200
#define DNS_FLAG_RD 0x0100
#define DNS_FLAG_CD 0x0010
#define DNS_OPCODE_SHIFT 11
#define DNS_OPCODE_MASK 0xf

#define DNS_OPCODE_QUERY 0

/* RCODEs; values above 15 need the EDNS extended RCODE (RFC 6891). */
#define DNS_RCODE_NOERROR 0
#define DNS_RCODE_FORMERR 1
#define DNS_RCODE_NXDOMAIN 3
#define DNS_RCODE_NOTIMP 4
#define DNS_RCODE_REFUSED 5
#define DNS_RCODE_BADVERS 16

#define DNS_TYPE_A 1
#define DNS_TYPE_NS 2
#define DNS_TYPE_SOA 6
#define DNS_TYPE_OPT 41
#define DNS_TYPE_IXFR 251
#define DNS_TYPE_AXFR 252
#define DNS_TYPE_ANY 255
#define DNS_CLASS_IN 1

/* Classic DNS over UDP limit (RFC 1035 section 4.2.1). */
#define DNS_UDP_CLASSIC_MAX 512
/*
 * UDP payload size this responder advertises in its OPT record: the value
 * DNS Flag Day 2020 recommends, which avoids IP fragmentation on common
 * paths.
 */
#define DNS_EDNS_UDP_SIZE 1232
/* Wire size of an OPT record without options. */
#define DNS_OPT_RR_LEN 11

/* A query as dns_parse_query() found it. */
struct dns_query {
    uint16_t id;
    uint16_t flags;
    uint8_t opcode;
    /* The single question parsed: its name starts at req[DNS_HEADER_LEN]. */
    bool has_question;
    size_t qname_len; /* wire length of the question name */
    uint16_t qtype;
    uint16_t qclass;
    /* One valid OPT record was present (RFC 6891). */
    bool has_edns;
    uint16_t edns_udp_size; /* the client's size, not yet raised to 512 */
    uint8_t edns_version;
    bool edns_do; /* DNSSEC OK bit, copied into the response (RFC 3225) */
};

/*
 * Parses the header, the question and the additional section of `req`
 * (len >= DNS_HEADER_LEN). Fills `q` and returns DNS_RCODE_NOERROR, or
 * DNS_RCODE_FORMERR when the message is malformed: QDCOUNT other than 1, a
 * bad question name (compression pointer, label over 63 bytes, name over
 * 255), answer or authority records in the query, a malformed or second OPT
 * record, an additional record other than OPT, a truncated section or bytes
 * after the last record. On FORMERR,
 * q->has_question still says whether the question itself was valid. Reads
 * only req[0..len).
 */
int dns_parse_query(const uint8_t *req, size_t len, struct dns_query *q);

/* Owners of records in the zone. */
enum dns_owner {
    DNS_OWNER_NONE,   /* in the zone, but no such name: NXDOMAIN */
    DNS_OWNER_APEX,   /* local.org: SOA and NS */
    DNS_OWNER_NS,     /* ns.local.org: A */
    DNS_OWNER_WWW,    /* www.local.org: A */
    DNS_OWNER_SERVER, /* server<i>.local.org: A */
};

/* Position of a question name relative to the zone. */
struct dns_match {
    bool in_zone;
    enum dns_owner owner;
    uint16_t server_index; /* i of server<i>, for DNS_OWNER_SERVER */
    size_t apex_offset;    /* offset of "local.org" inside the name */
};

/*
 * Matches the uncompressed wire name `name` of `len` bytes (validated by
 * dns_parse_query) against the zone local.org, comparing ASCII letters
 * case-insensitively. Computes server<i> indexes from the label's digits, so
 * the cost does not depend on the zone's size.
 */
void dns_zone_match(const uint8_t *name, size_t len, struct dns_match *m);

/* Zone data shared by the response builder and the tests. */
#define DNS_ZONE_SERVER_COUNT 10000
#define DNS_ZONE_TTL 3600
#define DNS_SOA_SERIAL 2015010101u
#define DNS_SOA_REFRESH 7200u
#define DNS_SOA_RETRY 3600u
#define DNS_SOA_EXPIRE 1209600u
#define DNS_SOA_MINIMUM 300u /* also the TTL of negative answers */

/*
 * Stores in addr[0..4) the IPv4 address of `owner` (DNS_OWNER_NS,
 * DNS_OWNER_WWW or DNS_OWNER_SERVER with `server_index`).
 */
void dns_zone_address(enum dns_owner owner, uint16_t server_index,
                      uint8_t addr[4]);

/*
 * Handles one DNS request under the contract of struct workload's handle:
 * the response goes to resp[0..cap), and 0 means no reply.
 */
size_t dns_handle(const uint8_t *req, size_t len, uint8_t *resp, size_t cap);

#endif
