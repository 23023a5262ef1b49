/*
 * Unit tests of the DNS workload, linked with build/workloads/dns.o, the
 * object the unikernel and the Linux server link. Each test sends a query
 * through workload.handle and checks the response bytes or their decoded
 * fields.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bench_abi.h"
#include "dns_client.h"
#include "dns_internal.h"
#include "workload.h"

#define RESP_CAP 1500
#define GUARD 64
#define GUARD_BYTE 0xa5

#define FLAG_QR 0x8000
#define FLAG_AA 0x0400
#define FLAG_TC 0x0200
#define FLAG_RD 0x0100
#define FLAG_RA 0x0080

#define TYPE_AAAA 28
#define CLASS_CH 3

/* A response buffer with guard bytes after `cap` to catch overruns. */
struct reply {
    uint8_t buf[RESP_CAP + GUARD];
    size_t len;
    struct dns_client_response r;
    bool parsed;
};

static void check_guard(const struct reply *rep, size_t cap)
{
    for (size_t i = cap; i < cap + GUARD; i++)
        cr_assert_eq(rep->buf[i], GUARD_BYTE, "byte %zu past cap %zu written",
                     i, cap);
}

static void send_raw(const uint8_t *req, size_t len, size_t cap,
                     struct reply *rep)
{
    cr_assert_leq(cap, RESP_CAP);
    memset(rep->buf, GUARD_BYTE, sizeof(rep->buf));
    rep->len = workload.handle(req, len, rep->buf, cap);
    cr_assert_leq(rep->len, cap);
    check_guard(rep, cap);
    rep->parsed = rep->len > 0 && dns_client_parse(rep->buf, rep->len, &rep->r);
}

static void send_hex(const char *hex, size_t cap, struct reply *rep)
{
    uint8_t req[1024];
    size_t len = dns_client_from_hex(hex, req, sizeof(req));

    cr_assert_gt(len, 0, "bad test data: %s", hex);
    send_raw(req, len, cap, rep);
}

static void send_query(const char *name, uint16_t qtype, int edns_size,
                       size_t cap, struct reply *rep)
{
    struct dns_client_query q = {
        .id = 0x4242,
        .flags = FLAG_RD,
        .name = name,
        .qtype = qtype,
        .qclass = DNS_CLASS_IN,
        .edns_size = edns_size,
    };
    uint8_t req[512];
    size_t len = dns_client_build(&q, req, sizeof(req));

    cr_assert_gt(len, 0, "bad test name %s", name);
    send_raw(req, len, cap, rep);
}

static uint16_t rcode_of(const struct reply *rep)
{
    return rep->r.rcode;
}

/* Checks that record i is the zone's SOA with the given TTL. */
static void check_soa(const struct reply *rep, int i, uint32_t ttl)
{
    const struct dns_client_rr *rr = &rep->r.rrs[i];
    char name[256];

    cr_assert_eq(rr->type, DNS_TYPE_SOA);
    cr_assert_eq(rr->rclass, DNS_CLASS_IN);
    cr_assert_eq(rr->ttl, ttl);
    cr_assert_eq(strcasecmp(rr->owner, "local.org"), 0, "owner %s", rr->owner);
    cr_assert(dns_client_read_name(rep->buf, rep->len, rr->rdata_offset, name));
    cr_assert_str_eq(name, "ns.local.org");
    cr_assert_eq(rr->rdlen, 38);
    /* The 20 bytes of numbers end the RDATA: MINIMUM is the last. */
    const uint8_t *minimum = rr->rdata + rr->rdlen - 4;
    uint32_t min = (uint32_t)minimum[0] << 24 | minimum[1] << 16 |
                   minimum[2] << 8 | minimum[3];
    cr_assert_eq(min, DNS_SOA_MINIMUM);
}

static void check_a(const struct dns_client_rr *rr, const char *owner,
                    const uint8_t addr[4])
{
    cr_assert_str_eq(rr->owner, owner);
    cr_assert_eq(rr->type, DNS_TYPE_A);
    cr_assert_eq(rr->rclass, DNS_CLASS_IN);
    cr_assert_eq(rr->ttl, DNS_ZONE_TTL);
    cr_assert_eq(rr->rdlen, 4);
    cr_assert_arr_eq(rr->rdata, addr, 4, "%s: got %u.%u.%u.%u", owner,
                     rr->rdata[0], rr->rdata[1], rr->rdata[2], rr->rdata[3]);
}

Test(dns, identity)
{
    cr_assert_str_eq(workload.name, "dns");
    cr_assert_eq(workload.port, BENCH_DNS_PORT);
}

/* The whole response for one A query, byte for byte. */
Test(dns, a_answer_exact_bytes)
{
    struct reply rep;
    static const char expected[] =
        "1234 8500 0001 0001 0000 0000"
        "08 7365727665723432 05 6c6f63616c 03 6f7267 00 0001 0001"
        "c00c 0001 0001 00000e10 0004 0a00002a";
    uint8_t want[128];
    size_t want_len = dns_client_from_hex(expected, want, sizeof(want));

    send_hex("1234 0100 0001 0000 0000 0000"
             "08 7365727665723432 05 6c6f63616c 03 6f7267 00 0001 0001",
             512, &rep);
    cr_assert_eq(rep.len, want_len);
    cr_assert_arr_eq(rep.buf, want, want_len);
}

/* NXDOMAIN with the SOA in authority, byte for byte. */
Test(dns, nxdomain_exact_bytes)
{
    struct reply rep;
    static const char expected[] =
        "beef 8403 0001 0000 0001 0000"
        "06 6e6f73756368 05 6c6f63616c 03 6f7267 00 0001 0001"
        "c013 0006 0001 0000012c 0026"
        "02 6e73 c013 0a 686f73746d6173746572 c013"
        "781a9d35 00001c20 00000e10 00127500 0000012c";
    uint8_t want[160];
    size_t want_len = dns_client_from_hex(expected, want, sizeof(want));

    send_hex("beef 0000 0001 0000 0000 0000"
             "06 6e6f73756368 05 6c6f63616c 03 6f7267 00 0001 0001",
             512, &rep);
    cr_assert_eq(rep.len, want_len);
    cr_assert_arr_eq(rep.buf, want, want_len);
}

/* Names that exist, with the address the documented mapping gives. */
Test(dns, a_records_table)
{
    static const struct {
        const char *name;
        uint8_t addr[4];
    } cases[] = {
        {"server0.local.org", {10, 0, 0, 0}},
        {"server42.local.org", {10, 0, 0, 42}},
        {"server255.local.org", {10, 0, 0, 255}},
        {"server256.local.org", {10, 0, 1, 0}},
        {"server1000.local.org", {10, 0, 3, 232}},
        {"server9999.local.org", {10, 0, 39, 15}},
        {"ns.local.org", {10, 0, 255, 1}},
        {"www.local.org", {10, 0, 255, 2}},
        {"WWW.Local.ORG", {10, 0, 255, 2}},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct reply rep;
        send_query(cases[i].name, DNS_TYPE_A, -1, 512, &rep);
        cr_assert(rep.parsed, "%s: no valid response", cases[i].name);
        cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR, "%s", cases[i].name);
        cr_assert(rep.r.flags & FLAG_AA, "%s: AA clear", cases[i].name);
        cr_assert_eq(rep.r.counts[1], 1, "%s: answers", cases[i].name);
        cr_assert_eq(rep.r.counts[2], 0, "%s: authority", cases[i].name);
        cr_assert_eq(rep.r.counts[3], 0, "%s: additional", cases[i].name);
        check_a(&rep.r.rrs[0], cases[i].name, cases[i].addr);
    }
}

Test(dns, every_server_name_resolves)
{
    for (unsigned i = 0; i < DNS_ZONE_SERVER_COUNT; i++) {
        char name[64];
        struct reply rep;
        uint8_t addr[4] = {10, 0, (uint8_t)(i >> 8), (uint8_t)(i & 0xff)};

        snprintf(name, sizeof(name), "server%u.local.org", i);
        send_query(name, DNS_TYPE_A, -1, 512, &rep);
        cr_assert(rep.parsed, "%s: no valid response", name);
        cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR, "%s", name);
        cr_assert_eq(rep.r.counts[1], 1, "%s: answers", name);
        cr_assert_arr_eq(rep.r.rrs[0].rdata, addr, 4, "%s: address", name);
    }
}

/* Names in the zone that do not exist: NXDOMAIN, AA, SOA with TTL 300. */
Test(dns, nxdomain_table)
{
    static const char *const names[] = {
        "nosuch.local.org",      "server10000.local.org", "server042.local.org",
        "server00.local.org",    "server.local.org",      "server4x2.local.org",
        "a.server42.local.org",  "x.ns.local.org",        "server-1.local.org",
        "server99999.local.org",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct reply rep;
        send_query(names[i], DNS_TYPE_A, -1, 512, &rep);
        cr_assert(rep.parsed, "%s: no valid response", names[i]);
        cr_assert_eq(rcode_of(&rep), DNS_RCODE_NXDOMAIN, "%s", names[i]);
        cr_assert(rep.r.flags & FLAG_AA, "%s: AA clear", names[i]);
        cr_assert_eq(rep.r.counts[1], 0, "%s: answers", names[i]);
        cr_assert_eq(rep.r.counts[2], 1, "%s: authority", names[i]);
        check_soa(&rep, 0, DNS_SOA_MINIMUM);
    }
}

/* Other types of existing names: NODATA with the SOA in authority. */
Test(dns, nodata_table)
{
    static const struct {
        const char *name;
        uint16_t qtype;
    } cases[] = {
        {"server42.local.org", TYPE_AAAA}, {"server42.local.org", DNS_TYPE_NS},
        {"www.local.org", DNS_TYPE_SOA},   {"local.org", DNS_TYPE_A},
        {"local.org", 16 /* TXT */},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct reply rep;
        send_query(cases[i].name, cases[i].qtype, -1, 512, &rep);
        cr_assert(rep.parsed, "%s: no valid response", cases[i].name);
        cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR, "%s", cases[i].name);
        cr_assert(rep.r.flags & FLAG_AA, "%s: AA clear", cases[i].name);
        cr_assert_eq(rep.r.counts[1], 0, "%s: answers", cases[i].name);
        cr_assert_eq(rep.r.counts[2], 1, "%s: authority", cases[i].name);
        check_soa(&rep, 0, DNS_SOA_MINIMUM);
    }
}

Test(dns, apex_soa)
{
    struct reply rep;

    send_query("local.org", DNS_TYPE_SOA, -1, 512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR);
    cr_assert(rep.r.flags & FLAG_AA);
    cr_assert_eq(rep.r.counts[1], 1);
    cr_assert_eq(rep.r.counts[2], 0);
    check_soa(&rep, 0, DNS_ZONE_TTL);
}

Test(dns, apex_ns_with_glue)
{
    struct reply rep;
    char target[256];
    static const uint8_t ns_addr[4] = {10, 0, 255, 1};

    send_query("local.org", DNS_TYPE_NS, -1, 512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR);
    cr_assert_eq(rep.r.counts[1], 1);
    cr_assert_eq(rep.r.counts[3], 1);
    cr_assert_eq(rep.r.rrs[0].type, DNS_TYPE_NS);
    cr_assert(dns_client_read_name(rep.buf, rep.len, rep.r.rrs[0].rdata_offset,
                                   target));
    cr_assert_str_eq(target, "ns.local.org");
    check_a(&rep.r.rrs[1], "ns.local.org", ns_addr);
}

Test(dns, any_returns_all_records)
{
    struct reply rep;
    static const uint8_t addr[4] = {10, 0, 0, 7};

    send_query("local.org", DNS_TYPE_ANY, -1, 512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rep.r.counts[1], 2);
    cr_assert_eq(rep.r.rrs[0].type, DNS_TYPE_SOA);
    cr_assert_eq(rep.r.rrs[1].type, DNS_TYPE_NS);

    send_query("server7.local.org", DNS_TYPE_ANY, -1, 512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rep.r.counts[1], 1);
    check_a(&rep.r.rrs[0], "server7.local.org", addr);
}

/* Outside the zone: REFUSED without AA or records. */
Test(dns, refused_outside_zone)
{
    static const char *const names[] = {
        "example.com",    "org",       "xlocal.org",
        "local.org.evil", "local.com", "server42.local.net",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct reply rep;
        send_query(names[i], DNS_TYPE_A, -1, 512, &rep);
        cr_assert(rep.parsed, "%s: no valid response", names[i]);
        cr_assert_eq(rcode_of(&rep), DNS_RCODE_REFUSED, "%s", names[i]);
        cr_assert_not(rep.r.flags & FLAG_AA, "%s: AA set", names[i]);
        cr_assert_eq(rep.r.counts[1] + rep.r.counts[2], 0, "%s", names[i]);
    }
}

Test(dns, refused_for_root_name)
{
    struct reply rep;

    send_hex("0001 0000 0001 0000 0000 0000 00 0001 0001", 512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_REFUSED);
}

/*
 * A label "ab\5local" followed by "org": the last 11 bytes spell
 * "\5local\3org\0", but "local" is not a label of the name.
 */
Test(dns, suffix_inside_label_is_not_zone)
{
    struct reply rep;

    send_hex("0001 0000 0001 0000 0000 0000"
             "08 6162 05 6c6f63616c 03 6f7267 00 0001 0001",
             512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_REFUSED);
}

Test(dns, header_flags)
{
    struct reply rep;
    struct dns_client_query q = {
        .id = 0xabcd,
        .flags = 0x0000, /* RD clear */
        .name = "server1.local.org",
        .qtype = DNS_TYPE_A,
        .qclass = DNS_CLASS_IN,
        .edns_size = -1,
    };
    uint8_t req[128];
    size_t len = dns_client_build(&q, req, sizeof(req));

    send_raw(req, len, 512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rep.r.id, 0xabcd);
    cr_assert(rep.r.flags & FLAG_QR);
    cr_assert_not(rep.r.flags & FLAG_RD);
    cr_assert_not(rep.r.flags & FLAG_RA);
    cr_assert_not(rep.r.flags & FLAG_TC);

    send_query("server1.local.org", DNS_TYPE_A, -1, 512, &rep);
    cr_assert(rep.r.flags & FLAG_RD, "RD not copied");
    cr_assert_not(rep.r.flags & FLAG_RA);

    q.flags = 0x0030; /* AD and CD */
    len = dns_client_build(&q, req, sizeof(req));
    send_raw(req, len, 512, &rep);
    cr_assert(rep.r.flags & 0x0010, "CD not copied");
    cr_assert_not(rep.r.flags & 0x0020, "AD set");
}

Test(dns, class_other_than_in_refused)
{
    static const uint16_t classes[] = {CLASS_CH, 4 /* HS */, 255 /* ANY */};

    for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
        struct dns_client_query q = {
            .id = 7,
            .name = i == 0 ? "version.bind" : "server1.local.org",
            .qtype = i == 0 ? 16 : DNS_TYPE_A,
            .qclass = classes[i],
            .edns_size = -1,
        };
        uint8_t req[128];
        struct reply rep;
        size_t len = dns_client_build(&q, req, sizeof(req));

        send_raw(req, len, 512, &rep);
        cr_assert(rep.parsed, "class %u", classes[i]);
        cr_assert_eq(rcode_of(&rep), DNS_RCODE_REFUSED, "class %u", classes[i]);
        cr_assert_eq(rep.r.counts[1], 0, "class %u", classes[i]);
    }
}

/* Zone transfers over UDP are refused. */
Test(dns, transfers_refused)
{
    static const uint16_t qtypes[] = {DNS_TYPE_AXFR, DNS_TYPE_IXFR};

    for (size_t i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++) {
        struct reply rep;
        send_query("local.org", qtypes[i], -1, 512, &rep);
        cr_assert(rep.parsed, "qtype %u", qtypes[i]);
        cr_assert_eq(rcode_of(&rep), DNS_RCODE_REFUSED, "qtype %u", qtypes[i]);
        cr_assert_eq(rep.r.counts[1], 0, "qtype %u", qtypes[i]);
    }
}

/* Types with no data here, even odd ones, get NODATA as NSD gives. */
Test(dns, unusual_types_nodata)
{
    static const uint16_t qtypes[] = {0, DNS_TYPE_OPT, 253, 254, 65535};

    for (size_t i = 0; i < sizeof(qtypes) / sizeof(qtypes[0]); i++) {
        struct reply rep;
        send_query("server1.local.org", qtypes[i], -1, 512, &rep);
        cr_assert(rep.parsed, "qtype %u", qtypes[i]);
        cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR, "qtype %u", qtypes[i]);
        cr_assert_eq(rep.r.counts[1], 0, "qtype %u", qtypes[i]);
        cr_assert_eq(rep.r.counts[2], 1, "qtype %u", qtypes[i]);
        check_soa(&rep, 0, DNS_SOA_MINIMUM);
    }
}

/* The letter case of the question survives, and the answer matches. */
Test(dns, mixed_case_echoed)
{
    struct reply rep;
    static const char query[] =
        "123401000001000000000000085365527645723432054c6f43614c036f5267000001"
        "0001";
    uint8_t req[64];
    size_t len = dns_client_from_hex(query, req, sizeof(req));
    static const uint8_t addr[4] = {10, 0, 0, 42};

    send_raw(req, len, 512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR);
    cr_assert(rep.r.flags & FLAG_AA);
    cr_assert_eq(rep.r.counts[1], 1);
    cr_assert_arr_eq(rep.buf + 12, req + 12, len - 12,
                     "question not echoed byte for byte");
    check_a(&rep.r.rrs[0], "SeRvEr42.LoCaL.oRg", addr);
}

/* Opcodes other than QUERY (here UPDATE, then all) get NOTIMP. */
Test(dns, update_opcode_notimp)
{
    struct reply rep;

    send_hex("123428000001000000000000056c6f63616c036f72670000060001", 512,
             &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOTIMP);
    cr_assert_eq((rep.r.flags >> 11) & 0xf, 5, "opcode not copied");
    cr_assert_eq(rep.r.counts[1], 0);

    for (unsigned opcode = 1; opcode < 16; opcode++) {
        struct dns_client_query q = {
            .id = 9,
            .flags = (uint16_t)(opcode << 11),
            .name = "server1.local.org",
            .qtype = DNS_TYPE_A,
            .qclass = DNS_CLASS_IN,
            .edns_size = -1,
        };
        uint8_t req[128];
        size_t len = dns_client_build(&q, req, sizeof(req));
        send_raw(req, len, 512, &rep);
        cr_assert(rep.parsed, "opcode %u", opcode);
        cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOTIMP, "opcode %u", opcode);
    }
}

/* Shorter than a header, or a response: no reply at all. */
Test(dns, no_reply_cases)
{
    uint8_t req[12] = {0x12, 0x34, 0x01, 0x00, 0, 1};
    struct reply rep;

    for (size_t len = 0; len < sizeof(req); len++) {
        send_raw(req, len, 512, &rep);
        cr_assert_eq(rep.len, 0, "%zu-byte packet answered", len);
    }
    send_hex("1234810000010000000000000773657276657231056c6f63616c036f7267000"
             "0010001",
             512, &rep);
    cr_assert_eq(rep.len, 0, "response answered");
}

/* Checks that `hex` gets FORMERR or, where allowed, no reply. */
static void expect_formerr(const char *case_name, const char *hex,
                           bool no_reply_allowed)
{
    struct reply rep;

    send_hex(hex, 512, &rep);
    if (rep.len == 0) {
        cr_assert(no_reply_allowed, "%s: no reply", case_name);
        return;
    }
    cr_assert(rep.parsed, "%s: response does not parse", case_name);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_FORMERR, "%s: rcode %u", case_name,
                 rcode_of(&rep));
    cr_assert(rep.r.flags & FLAG_QR, "%s: QR clear", case_name);
    cr_assert_eq(rep.r.id, 0x1234, "%s: id", case_name);
    cr_assert_eq(rep.r.counts[1] + rep.r.counts[2], 0, "%s", case_name);
}

/* Builds the hex of a name made of `labels` labels of `size` letters. */
static void long_name_hex(char *out, size_t cap, int labels, int size)
{
    size_t n = 0;

    for (int l = 0; l < labels; l++) {
        n += (size_t)snprintf(out + n, cap - n, "%02x", size);
        for (int i = 0; i < size; i++)
            n += (size_t)snprintf(out + n, cap - n, "61");
    }
}

Test(dns, hostile_names_and_counts)
{
    char hex[2048];
    char name[1200];

    /* A compression pointer to itself as the question name. */
    expect_formerr("pointer loop", "123401000001000000000000c00c00010001",
                   true);
    /* No question. */
    expect_formerr("no question", "123401000000000000000000", false);
    /* A 64-byte label. */
    long_name_hex(name, sizeof(name), 1, 64);
    snprintf(hex, sizeof(hex), "123401000001000000000000%s%s", name,
             "056c6f63616c036f72670000010001");
    expect_formerr("label of 64", hex, false);
    /* Four 63-byte labels make a 257-byte name. */
    long_name_hex(name, sizeof(name), 4, 63);
    snprintf(hex, sizeof(hex), "123401000001000000000000%s0000010001", name);
    expect_formerr("name of 257", hex, false);
    /* The name ends mid-label. */
    expect_formerr("cut-off name", "1234010000010000000000000773657276", true);
    /* Two OPT records. */
    expect_formerr("two OPT",
                   "1234010000010000000000020773657276657231056c6f63616c036f"
                   "7267000001000100002904d000000000000000002904d00000000000"
                   "00",
                   false);
}

Test(dns, hostile_more_cases)
{
    static const struct {
        const char *case_name;
        const char *hex;
    } cases[] = {
        {"two questions", "1234 0100 0002 0000 0000 0000"
                          "01 61 00 0001 0001 01 62 00 0001 0001"},
        {"pointer after a label", "1234 0100 0001 0000 0000 0000"
                                  "01 61 c00c 0001 0001"},
        {"extended label type", "1234 0100 0001 0000 0000 0000"
                                "41 61 00 0001 0001"},
        {"question without type", "1234 0100 0001 0000 0000 0000 01 61 00"},
        {"question type cut", "1234 0100 0001 0000 0000 0000 01 61 00 00"},
        {"trailing garbage", "1234 0100 0001 0000 0000 0000"
                             "07 736572766572 31 00 0001 0001 ff"},
        {"answer in query", "1234 0100 0001 0001 0000 0000"
                            "01 61 00 0001 0001"
                            "c00c 0001 0001 00000000 0004 01020304"},
        {"authority in query", "1234 0100 0001 0000 0001 0000"
                               "01 61 00 0001 0001"
                               "c00c 0001 0001 00000000 0004 01020304"},
        {"additional count too big", "1234 0100 0001 0000 0000 0002"
                                     "01 61 00 0001 0001"
                                     "00 0029 04d0 00000000 0000"},
        {"OPT owner not root", "1234 0100 0001 0000 0000 0001"
                               "01 61 00 0001 0001"
                               "01 61 00 0029 04d0 00000000 0000"},
        {"OPT owner a pointer", "1234 0100 0001 0000 0000 0001"
                                "01 61 00 0001 0001"
                                "c00c 0029 04d0 00000000 0000"},
        {"OPT option overruns", "1234 0100 0001 0000 0000 0001"
                                "01 61 00 0001 0001"
                                "00 0029 04d0 00000000 0006 000a 0008 0102"},
        {"OPT option header cut", "1234 0100 0001 0000 0000 0001"
                                  "01 61 00 0001 0001"
                                  "00 0029 04d0 00000000 0002 000a"},
        {"RDATA past end", "1234 0100 0001 0000 0000 0001"
                           "01 61 00 0001 0001"
                           "00 0029 04d0 00000000 0010 0000"},
        {"additional fixed part cut", "1234 0100 0001 0000 0000 0001"
                                      "01 61 00 0001 0001 00 0029 04"},
        {"additional name cut", "1234 0100 0001 0000 0000 0001"
                                "01 61 00 0001 0001 05 6162"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_formerr(cases[i].case_name, cases[i].hex, false);
}

Test(dns, name_of_255_accepted)
{
    /* 3 labels of 63 and one of 61: 3 * 64 + 62 + 1 = 255 bytes. */
    char hex[2048];
    char name[1200];
    struct reply rep;
    size_t n;

    long_name_hex(name, sizeof(name), 3, 63);
    n = strlen(name);
    long_name_hex(name + n, sizeof(name) - n, 1, 61);
    snprintf(hex, sizeof(hex), "123401000001000000000000%s0000010001", name);
    send_hex(hex, 512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_REFUSED);
}

/* Only OPT is accepted in the additional section: not A, not TSIG. */
Test(dns, non_opt_additional_formerr)
{
    expect_formerr("A in additional",
                   "1234 0100 0001 0000 0000 0001"
                   "07 73657276657231 05 6c6f63616c 03 6f7267 00 0001 0001"
                   "c00c 0001 0001 00000000 0004 01020304",
                   false);
    expect_formerr("TSIG in additional",
                   "1234 0100 0001 0000 0000 0001"
                   "07 73657276657231 05 6c6f63616c 03 6f7267 00 0001 0001"
                   "c00c 00fa 00ff 00000000 0004 01020304",
                   false);
}

static const struct dns_client_rr *find_opt(const struct reply *rep)
{
    unsigned total =
        (unsigned)rep->r.counts[1] + rep->r.counts[2] + rep->r.counts[3];

    for (unsigned i = 0; i < total; i++) {
        if (rep->r.rrs[i].type == DNS_TYPE_OPT)
            return &rep->r.rrs[i];
    }
    return NULL;
}

Test(dns, edns_answered_with_opt)
{
    struct reply rep;

    send_query("server5.local.org", DNS_TYPE_A, 4096, RESP_CAP, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR);
    cr_assert_eq(rep.r.counts[3], 1);
    const struct dns_client_rr *opt = find_opt(&rep);
    cr_assert_not_null(opt);
    cr_assert_str_eq(opt->owner, "");
    cr_assert_eq(opt->rclass, DNS_EDNS_UDP_SIZE);
    cr_assert_eq(opt->ttl, 0, "extended RCODE, version and flags not 0");

    send_query("server5.local.org", DNS_TYPE_A, -1, RESP_CAP, &rep);
    cr_assert(rep.parsed);
    cr_assert_null(find_opt(&rep), "OPT sent to a client without EDNS");
}

/* An EDNS size under 512 counts as 512 (RFC 6891 section 6.2.3). */
Test(dns, edns_small_payload_size)
{
    struct reply rep;

    send_hex("1234010000010000000000010773657276657231056c6f63616c036f7267000"
             "00100010000290064000000000000",
             512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR);
    cr_assert_not(rep.r.flags & FLAG_TC);
    cr_assert_eq(rep.r.counts[1], 1);
    cr_assert_not_null(find_opt(&rep));
}

Test(dns, edns_do_bit_copied)
{
    struct dns_client_query q = {
        .id = 1,
        .name = "server5.local.org",
        .qtype = DNS_TYPE_A,
        .qclass = DNS_CLASS_IN,
        .edns_size = 1232,
        .edns_do = true,
    };
    uint8_t req[128];
    struct reply rep;
    size_t len = dns_client_build(&q, req, sizeof(req));

    send_raw(req, len, 512, &rep);
    cr_assert(rep.parsed);
    const struct dns_client_rr *opt = find_opt(&rep);
    cr_assert_not_null(opt);
    cr_assert_eq(opt->ttl, 0x8000);
}

Test(dns, edns_version_1_badvers)
{
    struct dns_client_query q = {
        .id = 1,
        .name = "server5.local.org",
        .qtype = DNS_TYPE_A,
        .qclass = DNS_CLASS_IN,
        .edns_size = 1232,
        .edns_version = 1,
    };
    uint8_t req[128];
    struct reply rep;
    size_t len = dns_client_build(&q, req, sizeof(req));

    send_raw(req, len, 512, &rep);
    cr_assert(rep.parsed);
    /* BADVERS is 16: 0 in the header, 1 in the OPT's extended RCODE. */
    cr_assert_eq(rcode_of(&rep), 0);
    cr_assert_eq(rep.r.counts[1], 0);
    const struct dns_client_rr *opt = find_opt(&rep);
    cr_assert_not_null(opt);
    cr_assert_eq(opt->ttl >> 24, 1, "extended RCODE");
    cr_assert_eq((opt->ttl >> 16) & 0xff, 0, "version");
}

Test(dns, edns_options_skipped)
{
    struct reply rep;

    /* A COOKIE option (code 10) with an 8-byte client cookie. */
    send_hex("1234 0100 0001 0000 0000 0001"
             "07 73657276657231 05 6c6f63616c 03 6f7267 00 0001 0001"
             "00 0029 04d0 00000000 000c 000a 0008 0102030405060708",
             512, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_NOERROR);
    cr_assert_eq(rep.r.counts[1], 1);
}

/* The answer does not fit `cap`: TC set, no partial record. */
Test(dns, truncated_to_cap)
{
    struct reply rep;

    /* server42.local.org question: 12 + 24 = 36 bytes; the A needs 16. */
    send_query("server42.local.org", DNS_TYPE_A, -1, 40, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rep.len, 36);
    cr_assert(rep.r.flags & FLAG_TC);
    cr_assert_eq(rep.r.counts[0], 1);
    cr_assert_eq(rep.r.counts[1], 0);

    send_query("server42.local.org", DNS_TYPE_A, -1, 52, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rep.len, 52);
    cr_assert_not(rep.r.flags & FLAG_TC, "TC set on an exact fit");
    cr_assert_eq(rep.r.counts[1], 1);
}

Test(dns, truncated_keeps_opt)
{
    struct reply rep;

    /* 36 bytes of header and question plus 11 of OPT; no room for A. */
    send_query("server42.local.org", DNS_TYPE_A, 1232, 50, &rep);
    cr_assert(rep.parsed);
    cr_assert(rep.r.flags & FLAG_TC);
    cr_assert_eq(rep.r.counts[1], 0);
    cr_assert_not_null(find_opt(&rep), "OPT dropped on truncation");
    cr_assert_eq(rep.len, 47);
}

Test(dns, truncated_negative_answer)
{
    struct reply rep;

    /* The SOA (50 bytes) does not fit after the question. */
    send_query("nosuch.local.org", DNS_TYPE_A, -1, 60, &rep);
    cr_assert(rep.parsed);
    cr_assert(rep.r.flags & FLAG_TC);
    cr_assert_eq(rcode_of(&rep), DNS_RCODE_NXDOMAIN);
    cr_assert_eq(rep.r.counts[2], 0);
}

Test(dns, glue_dropped_without_tc)
{
    struct reply rep;

    /* Header 12 + question 15 + NS 17 = 44: the 16-byte glue is left. */
    send_query("local.org", DNS_TYPE_NS, -1, 50, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rep.r.counts[1], 1);
    cr_assert_eq(rep.r.counts[3], 0);
    cr_assert_not(rep.r.flags & FLAG_TC, "TC for optional glue");
}

Test(dns, tiny_caps)
{
    struct reply rep;

    for (size_t cap = 0; cap < 12; cap++) {
        send_query("server42.local.org", DNS_TYPE_A, 1232, cap, &rep);
        cr_assert_eq(rep.len, 0, "cap %zu", cap);
    }
    /* Room for a header only: TC, and the question is left out. */
    send_query("server42.local.org", DNS_TYPE_A, -1, 20, &rep);
    cr_assert(rep.parsed);
    cr_assert_eq(rep.len, 12);
    cr_assert(rep.r.flags & FLAG_TC);
    cr_assert_eq(rep.r.counts[0], 0);
}

/*
 * Mutates valid queries at random (fixed seed, bounded count) and checks
 * that no response overruns its buffer and every reply keeps the ID.
 */
Test(dns, random_mutations_stay_in_bounds)
{
    uint32_t state = 12345;
    static const char *const names[] = {"server42.local.org", "local.org",
                                        "nosuch.local.org", "example.com"};

    for (int round = 0; round < 20000; round++) {
        uint8_t req[600];
        struct reply rep;
        struct dns_client_query q = {
            .id = 0x1234,
            .flags = FLAG_RD,
            .name = names[round % 4],
            .qtype = DNS_TYPE_A,
            .qclass = DNS_CLASS_IN,
            .edns_size = round % 2 ? 1232 : -1,
        };
        size_t len = dns_client_build(&q, req, sizeof(req));

        for (int flips = 0; flips < 1 + round % 4; flips++) {
            state = state * 1103515245u + 12345u;
            size_t at = 2 + (state >> 8) % (len - 2); /* keep the ID */
            req[at] = (uint8_t)(state >> 20);
        }
        state = state * 1103515245u + 12345u;
        if (round % 3 == 0)
            len -= (state >> 8) % len;
        size_t cap = round % 5 == 0 ? (state >> 12) % 80 : 512;

        send_raw(req, len, cap, &rep);
        if (rep.len > 0) {
            cr_assert_geq(rep.len, 12);
            cr_assert_eq(rep.buf[0], 0x12, "round %d: id", round);
            cr_assert_eq(rep.buf[1], 0x34, "round %d: id", round);
            cr_assert(rep.buf[2] & 0x80, "round %d: QR clear", round);
        }
    }
}
