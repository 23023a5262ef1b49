/*
 * Hosted helpers for the workload tests, the fuzz seed generator and the
 * benchmark: build DNS queries and decode responses. Not linked into any
 * guest.
 */
#ifndef DNS_CLIENT_H
#define DNS_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A query to build; edns_size < 0 means no OPT record. */
struct dns_client_query {
    uint16_t id;
    uint16_t flags;   /* header flags word, e.g. 0x0100 for RD */
    const char *name; /* dotted, without the final dot: "server1.local.org" */
    uint16_t qtype;
    uint16_t qclass;
    int edns_size;
    uint8_t edns_version;
    bool edns_do;
};

/*
 * Writes the query `q` into buf[0..cap). Returns its length, or 0 when it
 * does not fit or a label of the name is empty or longer than 63 bytes.
 */
size_t dns_client_build(const struct dns_client_query *q, uint8_t *buf,
                        size_t cap);

/*
 * Decodes the hexadecimal string `hex` (whitespace allowed between bytes)
 * into buf[0..cap). Returns the byte count, or 0 on an odd digit count, a
 * non-hex character or overflow.
 */
size_t dns_client_from_hex(const char *hex, uint8_t *buf, size_t cap);

#define DNS_CLIENT_MAX_RRS 16

/* One resource record of a decoded response. */
struct dns_client_rr {
    char owner[256]; /* dotted, with letter case as on the wire, "" = root */
    uint16_t type;
    uint16_t rclass;
    uint32_t ttl;
    const uint8_t *rdata;
    uint16_t rdlen;
    size_t rdata_offset; /* offset of the RDATA in the message */
};

/* A decoded response: header fields and every record of every section. */
struct dns_client_response {
    uint16_t id;
    uint16_t flags;
    uint8_t rcode;      /* header RCODE, low 4 bits */
    uint16_t counts[4]; /* question, answer, authority, additional */
    char qname[256];
    uint16_t qtype;
    uint16_t qclass;
    size_t question_end; /* offset just past the question */
    struct dns_client_rr rrs[DNS_CLIENT_MAX_RRS]; /* all sections in order */
};

/*
 * Decodes the response msg[0..len), following compression pointers with a
 * hop limit. Returns false when it is malformed, holds more than one
 * question or more than DNS_CLIENT_MAX_RRS records, or has trailing bytes.
 */
bool dns_client_parse(const uint8_t *msg, size_t len,
                      struct dns_client_response *r);

/*
 * Reads the name at msg[offset] into `out` (dotted, 256 bytes), following
 * pointers. Returns false when the name is malformed.
 */
bool dns_client_read_name(const uint8_t *msg, size_t len, size_t offset,
                          char *out);

#endif
