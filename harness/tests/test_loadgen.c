/*
 * loadgen: DNS query bytes, the response check, latency percentiles, and
 * wrong answers from a responder thread on 127.0.0.1.
 */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../loadgen.h"

/* Query for server42.local.org A, id 0x1234, RD set. */
static const uint8_t query42[] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    8,    's',  'e',  'r',  'v',  'e',  'r',  '4',  '2',  5,    'l',  'o',
    'c',  'a',  'l',  3,    'o',  'r',  'g',  0,    0x00, 0x01, 0x00, 0x01,
};

/* A correct answer: QR AA RD, NOERROR, one A record 10.0.0.42 via a
 * compression pointer to the question name. */
static const uint8_t answer42[] = {
    0x12, 0x34, 0x85, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 8,    's',  'e',  'r',  'v',  'e',  'r',  '4',  '2',  5,
    'l',  'o',  'c',  'a',  'l',  3,    'o',  'r',  'g',  0,    0x00,
    0x01, 0x00, 0x01, 0xc0, 0x0c, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0x0e, 0x10, 0x00, 0x04, 10,   0,    0,    42,
};

static const uint8_t addr42[4] = {10, 0, 0, 42};

Test(loadgen_dns, query_bytes_exact)
{
    uint8_t buf[512];
    size_t n =
        loadgen_dns_query(buf, sizeof(buf), 0x1234, "server42.local.org", 1);

    cr_assert_eq(n, sizeof(query42));
    cr_expect_arr_eq(buf, query42, sizeof(query42));
}

Test(loadgen_dns, query_rejects_long_label_and_small_buffer)
{
    uint8_t buf[512];
    char label[80];

    memset(label, 'a', 64);
    label[64] = '\0';
    cr_expect_eq(loadgen_dns_query(buf, sizeof(buf), 1, label, 1), 0);
    cr_expect_eq(loadgen_dns_query(buf, 20, 1, "server42.local.org", 1), 0);
}

Test(loadgen_dns, check_accepts_correct_answer)
{
    cr_expect_eq(loadgen_dns_check(answer42, sizeof(answer42), query42,
                                   sizeof(query42), 0, addr42),
                 1);
    cr_expect_eq(loadgen_dns_check(answer42, sizeof(answer42), query42,
                                   sizeof(query42), 0, NULL),
                 1);
}

Test(loadgen_dns, check_rejects_wrong_id)
{
    uint8_t r[sizeof(answer42)];

    memcpy(r, answer42, sizeof(r));
    r[1] = 0x35;
    cr_expect_eq(
        loadgen_dns_check(r, sizeof(r), query42, sizeof(query42), 0, addr42),
        0);
}

Test(loadgen_dns, check_rejects_query_echoed_back)
{
    /* QR clear: a reflected query is not an answer. */
    cr_expect_eq(loadgen_dns_check(query42, sizeof(query42), query42,
                                   sizeof(query42), 0, NULL),
                 0);
}

Test(loadgen_dns, check_rejects_unexpected_rcode)
{
    uint8_t r[sizeof(answer42)];

    memcpy(r, answer42, sizeof(r));
    r[3] = 0x03; /* NXDOMAIN */
    cr_expect_eq(
        loadgen_dns_check(r, sizeof(r), query42, sizeof(query42), 0, NULL), 0);
    cr_expect_eq(
        loadgen_dns_check(r, sizeof(r), query42, sizeof(query42), 3, NULL), 1);
}

Test(loadgen_dns, check_rejects_wrong_address)
{
    uint8_t r[sizeof(answer42)];

    memcpy(r, answer42, sizeof(r));
    r[sizeof(r) - 1] = 43;
    cr_expect_eq(
        loadgen_dns_check(r, sizeof(r), query42, sizeof(query42), 0, addr42),
        0);
}

Test(loadgen_dns, check_rejects_other_question)
{
    uint8_t r[sizeof(answer42)];

    memcpy(r, answer42, sizeof(r));
    r[20] = '3'; /* server43 */
    cr_expect_eq(
        loadgen_dns_check(r, sizeof(r), query42, sizeof(query42), 0, NULL), 0);
}

Test(loadgen_dns, check_rejects_truncated_answer)
{
    for (size_t len = 0; len < sizeof(answer42); len++)
        cr_expect_eq(loadgen_dns_check(answer42, len, query42, sizeof(query42),
                                       0, addr42),
                     0, "length %zu accepted", len);
}

Test(loadgen_dns, zone_entry_addresses)
{
    char name[64];
    uint8_t a[4];

    loadgen_zone_entry(42, name, sizeof(name), a);
    cr_expect_str_eq(name, "server42.local.org");
    cr_expect_arr_eq(a, addr42, 4);
    loadgen_zone_entry(9999, name, sizeof(name), a);
    cr_expect_str_eq(name, "server9999.local.org");
    cr_expect_eq(a[2], 39);
    cr_expect_eq(a[3], 15);
    /* Indices past the zone wrap around to existing names. */
    loadgen_zone_entry(10256, name, sizeof(name), a);
    cr_expect_str_eq(name, "server256.local.org");
    cr_expect_eq(a[2], 1);
    cr_expect_eq(a[3], 0);
}

/*
 * Nearest rank: the p-th percentile of n values is the value at 1-based
 * rank ceil(p/100 * n) in sorted order.
 */
Test(loadgen_percentile, ten_values_unsorted)
{
    uint32_t v[10] = {70, 10, 100, 40, 20, 90, 30, 60, 50, 80};

    /* ceil(0.5 * 10) = 5 -> 50 */
    cr_expect_eq(loadgen_percentile(v, 10, 50), 50);
    /* ceil(0.99 * 10) = 10 -> 100 */
    cr_expect_eq(loadgen_percentile(v, 10, 99), 100);
    /* ceil(0.9 * 10) = 9 -> 90 */
    cr_expect_eq(loadgen_percentile(v, 10, 90), 90);
    cr_expect_eq(loadgen_percentile(v, 10, 100), 100);
    /* ceil(0.01 * 10) = 1 -> 10 */
    cr_expect_eq(loadgen_percentile(v, 10, 1), 10);
}

Test(loadgen_percentile, thousand_values)
{
    uint32_t v[1000];

    for (int i = 0; i < 1000; i++)
        v[i] = (uint32_t)(1000 - i); /* 1000 down to 1 */
    /* ceil(0.99 * 1000) = 990 -> 990 */
    cr_expect_eq(loadgen_percentile(v, 1000, 99), 990);
    /* ceil(0.5 * 1000) = 500 -> 500 */
    cr_expect_eq(loadgen_percentile(v, 1000, 50), 500);
    /* ceil(0.999 * 1000) = 999 */
    cr_expect_eq(loadgen_percentile(v, 1000, 99.9), 999);
}

Test(loadgen_percentile, single_and_empty)
{
    uint32_t one = 7;

    cr_expect_eq(loadgen_percentile(&one, 1, 50), 7);
    cr_expect_eq(loadgen_percentile(&one, 1, 99), 7);
    cr_expect_eq(loadgen_percentile(NULL, 0, 50), 0);
}

Test(loadgen_rate, schedule_check_flags_lag)
{
    struct loadgen_result r;
    char why[256] = "";

    memset(&r, 0, sizeof(r));
    r.sent = 1000;
    r.send_s = 1.0;
    r.max_send_lag_s = 0.030; /* one preemption of 30 ms */
    r.late_sends = 1;
    cr_expect_eq(loadgen_held_rate(&r, 1000, 1.0, why, sizeof(why)), 1);

    r.send_s = 1.2; /* 20% behind overall */
    cr_expect_eq(loadgen_held_rate(&r, 1000, 1.0, why, sizeof(why)), 0);
    cr_expect(strstr(why, "behind schedule") != NULL, "why: %s", why);

    r.send_s = 1.0;
    r.late_sends = 11; /* 1.1% of the sends late */
    cr_expect_eq(loadgen_held_rate(&r, 1000, 1.0, why, sizeof(why)), 0);
    cr_expect(strstr(why, "11 of 1000 sends late") != NULL, "why: %s", why);
}

/*
 * A DNS responder on 127.0.0.1 in a thread of the test: it answers every
 * query, but with the address 10.9.9.9 when the query ID is 2 mod 3.
 */
struct wrong_responder {
    int fd;
    unsigned port;
    volatile int stop;
    pthread_t thread;
};

static void *respond(void *arg)
{
    struct wrong_responder *w = arg;

    while (!w->stop) {
        struct pollfd p = {.fd = w->fd, .events = POLLIN};
        struct sockaddr_in from;
        socklen_t fromlen = sizeof(from);
        uint8_t buf[600];
        static const uint8_t rr[] = {0xc0, 0x0c, 0,    1,    0, 1,
                                     0,    0,    0x0e, 0x10, 0, 4};
        unsigned index;
        ssize_t n;
        size_t len;

        if (poll(&p, 1, 50) <= 0)
            continue;
        n = recvfrom(w->fd, buf, 500, 0, (struct sockaddr *)&from, &fromlen);
        if (n < 13 || sscanf((char *)buf + 13, "server%u", &index) != 1)
            continue;
        len = (size_t)n;
        buf[2] = 0x85; /* QR AA RD */
        buf[7] = 1;    /* ANCOUNT */
        memcpy(buf + len, rr, sizeof(rr));
        len += sizeof(rr);
        if ((buf[0] << 8 | buf[1]) % 3 == 2) {
            memcpy(buf + len, "\x0a\x09\x09\x09", 4);
        } else {
            buf[len] = 10;
            buf[len + 1] = 0;
            buf[len + 2] = (uint8_t)(index >> 8);
            buf[len + 3] = (uint8_t)index;
        }
        len += 4;
        sendto(w->fd, buf, len, 0, (struct sockaddr *)&from, fromlen);
    }
    return NULL;
}

static void responder_start(struct wrong_responder *w)
{
    struct sockaddr_in a = {0};
    socklen_t alen = sizeof(a);

    memset(w, 0, sizeof(*w));
    w->fd = socket(AF_INET, SOCK_DGRAM, 0);
    cr_assert_geq(w->fd, 0);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(bind(w->fd, (struct sockaddr *)&a, sizeof(a)), 0);
    cr_assert_eq(getsockname(w->fd, (struct sockaddr *)&a, &alen), 0);
    w->port = ntohs(a.sin_port);
    cr_assert_eq(pthread_create(&w->thread, NULL, respond, w), 0);
}

static void responder_stop(struct wrong_responder *w)
{
    w->stop = 1;
    pthread_join(w->thread, NULL);
    close(w->fd);
}

Test(loadgen_wrong, sequential_counts_and_describes)
{
    struct wrong_responder w;
    struct loadgen_config cfg = {.workload = LOADGEN_DNS, .timeout_s = 0.5};
    struct loadgen_result res;
    char err[256] = "";

    responder_start(&w);
    cfg.port = w.port;
    cr_assert_eq(loadgen_sequential(&cfg, 9, &res, NULL, err, sizeof(err)), 0,
                 "%s", err);
    responder_stop(&w);
    cr_expect_eq(res.sent, 9);
    cr_expect_eq(res.answered, 6);
    cr_expect_eq(res.wrong, 3);
    cr_expect_eq(res.lost, 3);
    cr_expect_str_eq(res.wrong_example, "A record 10.9.9.9 for "
                                        "server2.local.org, expected 10.0.0.2");
    loadgen_result_free(&res);
}

Test(loadgen_wrong, rate_counts_and_describes)
{
    struct wrong_responder w;
    struct loadgen_config cfg = {.workload = LOADGEN_DNS, .timeout_s = 0.5};
    struct loadgen_result res;
    char err[256] = "";

    responder_start(&w);
    cfg.port = w.port;
    cfg.first_name = 100;
    cr_assert_eq(loadgen_rate(&cfg, 20, 0.5, &res, NULL, err, sizeof(err)), 0,
                 "%s", err);
    responder_stop(&w);
    cr_expect_eq(res.sent, 10);
    cr_expect_eq(res.answered, 7);
    cr_expect_eq(res.wrong, 3);
    cr_expect_eq(res.late, 0);
    cr_expect_str_eq(res.wrong_example,
                     "A record 10.9.9.9 for server102.local.org, expected "
                     "10.0.0.102");
    loadgen_result_free(&res);
}
