/*
 * The load generator. One connected UDP socket to addr:port, so only
 * datagrams from the server arrive on it. Latency runs from just before
 * send() to just after recv() of the checked answer.
 */
#define _GNU_SOURCE
#include "loadgen.h"

#include <arpa/inet.h>
#include <math.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define DNS_HEADER 12
#define DNS_TYPE_A 1
#define DNS_CLASS_IN 1
#define MAX_PACKET 1500

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

size_t loadgen_dns_query(uint8_t *buf, size_t cap, uint16_t id,
                         const char *qname, uint16_t qtype)
{
    size_t o = DNS_HEADER;
    const char *label = qname;

    if (cap < DNS_HEADER + 1 + 4)
        return 0;
    memset(buf, 0, DNS_HEADER);
    put16(buf, id);
    buf[2] = 0x01;     /* RD */
    put16(buf + 4, 1); /* QDCOUNT */
    while (*label) {
        size_t len = strcspn(label, ".");

        if (len == 0 || len > 63 || o + 1 + len + 1 + 4 > cap)
            return 0;
        buf[o++] = (uint8_t)len;
        memcpy(buf + o, label, len);
        o += len;
        label += len;
        if (*label == '.')
            label++;
    }
    buf[o++] = 0;
    put16(buf + o, qtype);
    put16(buf + o + 2, DNS_CLASS_IN);
    return o + 4;
}

/* Skips a possibly compressed name at off; returns the offset after it. */
static size_t skip_name(const uint8_t *p, size_t len, size_t off)
{
    while (off < len) {
        uint8_t l = p[off];

        if (l == 0)
            return off + 1;
        if ((l & 0xc0) == 0xc0)
            return off + 2 <= len ? off + 2 : 0;
        if (l & 0xc0)
            return 0;
        off += 1 + (size_t)l;
    }
    return 0;
}

int loadgen_dns_check(const uint8_t *resp, size_t rlen, const uint8_t *query,
                      size_t qlen, int expected_rcode,
                      const uint8_t *expect_addr)
{
    size_t qsection = qlen - DNS_HEADER;
    size_t off;
    uint16_t ancount;

    if (rlen < qlen || qlen < DNS_HEADER)
        return 0;
    if (get16(resp) != get16(query) || !(resp[2] & 0x80))
        return 0;
    if ((resp[3] & 0x0f) != expected_rcode || get16(resp + 4) != 1)
        return 0;
    /* Names compare case-insensitively, but ours are sent in lower case
     * and a responder copies the question: compare the bytes. */
    if (memcmp(resp + DNS_HEADER, query + DNS_HEADER, qsection) != 0)
        return 0;
    if (!expect_addr)
        return 1;

    ancount = get16(resp + 6);
    off = qlen;
    for (uint16_t i = 0; i < ancount; i++) {
        uint16_t type, class, rdlen;

        off = skip_name(resp, rlen, off);
        if (off == 0 || off + 10 > rlen)
            return 0;
        type = get16(resp + off);
        class = get16(resp + off + 2);
        rdlen = get16(resp + off + 8);
        off += 10;
        if (off + rdlen > rlen)
            return 0;
        if (type == DNS_TYPE_A && class == DNS_CLASS_IN && rdlen == 4 &&
            memcmp(resp + off, expect_addr, 4) == 0)
            return 1;
        off += rdlen;
    }
    return 0;
}

void loadgen_zone_entry(unsigned i, char *name, size_t cap, uint8_t addr[4])
{
    i %= LOADGEN_ZONE_NAMES;
    snprintf(name, cap, "server%u.local.org", i);
    addr[0] = 10;
    addr[1] = 0;
    addr[2] = (uint8_t)(i >> 8);
    addr[3] = (uint8_t)(i & 0xff);
}

/* Builds query number i: DNS id i mod 65536, or the echo text "ukb i". */
static size_t build_query(const struct loadgen_config *cfg, uint64_t i,
                          uint8_t *buf, size_t cap)
{
    char name[64];
    uint8_t addr[4];
    int n;

    if (cfg->workload == LOADGEN_ECHO) {
        n = snprintf((char *)buf, cap, "ukb %llu", (unsigned long long)i);
        return n > 0 && (size_t)n < cap ? (size_t)n : 0;
    }
    loadgen_zone_entry((unsigned)((cfg->first_name + i) % LOADGEN_ZONE_NAMES),
                       name, sizeof(name), addr);
    return loadgen_dns_query(buf, cap, (uint16_t)i, name, DNS_TYPE_A);
}

/* Checks that resp answers query i. */
static int check_answer(const struct loadgen_config *cfg, uint64_t i,
                        const uint8_t *resp, size_t rlen)
{
    uint8_t q[MAX_PACKET];
    size_t qlen = build_query(cfg, i, q, sizeof(q));
    char name[64];
    uint8_t addr[4];

    if (qlen == 0)
        return 0;
    if (cfg->workload == LOADGEN_ECHO)
        return rlen == qlen && memcmp(resp, q, qlen) == 0;
    loadgen_zone_entry((unsigned)((cfg->first_name + i) % LOADGEN_ZONE_NAMES),
                       name, sizeof(name), addr);
    return loadgen_dns_check(resp, rlen, q, qlen, 0, addr);
}

/* Copies up to 40 bytes of data as printable text into buf[cap]. */
static void printable(const uint8_t *data, size_t len, char *buf, size_t cap)
{
    size_t o = 0;

    for (size_t k = 0; k < len && k < 40 && o + 1 < cap; k++)
        buf[o++] = data[k] >= 32 && data[k] < 127 ? (char)data[k] : '?';
    buf[o] = '\0';
}

/* Writes the first A record address of a DNS response, or "none". */
static void first_a_record(const uint8_t *resp, size_t rlen, size_t qlen,
                           char *buf, size_t cap)
{
    size_t off = qlen;
    uint16_t ancount = get16(resp + 6);

    snprintf(buf, cap, "none");
    for (uint16_t k = 0; k < ancount; k++) {
        uint16_t rdlen;

        off = skip_name(resp, rlen, off);
        if (off == 0 || off + 10 > rlen)
            return;
        rdlen = get16(resp + off + 8);
        if (get16(resp + off) == DNS_TYPE_A && rdlen == 4 && off + 14 <= rlen) {
            snprintf(buf, cap, "%u.%u.%u.%u", resp[off + 10], resp[off + 11],
                     resp[off + 12], resp[off + 13]);
            return;
        }
        off += 10 + (size_t)rdlen;
    }
}

/* Describes why a DNS response fails loadgen_dns_check() for query i. */
static void describe_dns(const struct loadgen_config *cfg, uint64_t i,
                         const uint8_t *resp, size_t rlen, char *buf,
                         size_t cap)
{
    uint8_t q[MAX_PACKET];
    size_t qlen = build_query(cfg, i, q, sizeof(q));
    char name[64], got[32];
    uint8_t addr[4];

    loadgen_zone_entry((unsigned)((cfg->first_name + i) % LOADGEN_ZONE_NAMES),
                       name, sizeof(name), addr);
    if (rlen < qlen) {
        snprintf(buf, cap, "%zu-byte response for %s, shorter than the query",
                 rlen, name);
    } else if (!(resp[2] & 0x80)) {
        snprintf(buf, cap, "QR bit clear (a query, not a response) for %s",
                 name);
    } else if ((resp[3] & 0x0f) != 0) {
        snprintf(buf, cap, "RCODE %d for %s, expected 0 (NOERROR)",
                 resp[3] & 0x0f, name);
    } else if (get16(resp + 4) != 1 ||
               memcmp(resp + DNS_HEADER, q + DNS_HEADER, qlen - DNS_HEADER)) {
        snprintf(buf, cap, "question section differs from the query for %s",
                 name);
    } else {
        first_a_record(resp, rlen, qlen, got, sizeof(got));
        snprintf(buf, cap, "A record %s for %s, expected %u.%u.%u.%u", got,
                 name, addr[0], addr[1], addr[2], addr[3]);
    }
}

/*
 * Counts a wrong response and describes the first one. i is the query it
 * names, or -1 when it names none.
 */
static void count_wrong(const struct loadgen_config *cfg,
                        struct loadgen_result *res, int64_t i,
                        const uint8_t *resp, size_t rlen)
{
    char text[48];

    if (res->wrong++ > 0)
        return;
    if (i < 0 && cfg->workload == LOADGEN_ECHO) {
        printable(resp, rlen, text, sizeof(text));
        snprintf(res->wrong_example, sizeof(res->wrong_example),
                 "%zu-byte echo \"%s\" matching no query sent", rlen, text);
    } else if (i < 0) {
        snprintf(res->wrong_example, sizeof(res->wrong_example),
                 "%zu-byte DNS response matching no query sent", rlen);
    } else if (cfg->workload == LOADGEN_ECHO) {
        printable(resp, rlen, text, sizeof(text));
        snprintf(res->wrong_example, sizeof(res->wrong_example),
                 "echo \"%s\" (%zu bytes) for \"ukb %llu\"", text, rlen,
                 (unsigned long long)i);
    } else {
        describe_dns(cfg, (uint64_t)i, resp, rlen, res->wrong_example,
                     sizeof(res->wrong_example));
    }
}

/*
 * Returns the query number a response claims to answer: the DNS id
 * mapped to the latest query sent with it, or the echo text's number.
 * Returns -1 when it cannot belong to any sent query.
 */
static int64_t match_index(const struct loadgen_config *cfg,
                           const uint8_t *resp, size_t rlen, uint64_t sent)
{
    if (cfg->workload == LOADGEN_ECHO) {
        char text[32];
        unsigned long long i;

        if (rlen < 5 || rlen >= sizeof(text))
            return -1;
        memcpy(text, resp, rlen);
        text[rlen] = '\0';
        if (sscanf(text, "ukb %llu", &i) != 1 || i >= sent)
            return -1;
        return (int64_t)i;
    }
    if (rlen < 2 || sent == 0)
        return -1;
    /* The latest query i < sent with i mod 65536 == id. */
    {
        uint64_t id = get16(resp);
        uint64_t last = sent - 1;
        uint64_t i = last - ((last - id) & 0xffff);

        return i <= last ? (int64_t)i : -1;
    }
}

static int open_socket(const char *addr, unsigned port, char *err,
                       size_t errlen)
{
    struct sockaddr_in a = {0};
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int rcvbuf = 4 << 20;

    if (fd < 0) {
        snprintf(err, errlen, "loadgen: socket failed: %s", strerror(errno));
        return -1;
    }
    /* A deep receive queue: answers must not drop on the client side. */
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
        snprintf(err, errlen, "loadgen: %s: not an IPv4 address", addr);
        close(fd);
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
        snprintf(err, errlen, "loadgen: %s:%u: connect failed: %s", addr, port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static int init_result(struct loadgen_result *res, uint64_t n, char *err,
                       size_t errlen)
{
    memset(res, 0, sizeof(*res));
    res->lat_us = malloc((n ? n : 1) * sizeof(*res->lat_us));
    if (!res->lat_us) {
        snprintf(err, errlen, "loadgen: %llu latencies: out of memory",
                 (unsigned long long)n);
        return -1;
    }
    return 0;
}

static uint32_t to_us(double s)
{
    double us = s * 1e6 + 0.5;

    return us > 4e9 ? 4000000000u : (uint32_t)us;
}

int loadgen_sequential(const struct loadgen_config *cfg, uint64_t n,
                       struct loadgen_result *res, int (*stop)(void), char *err,
                       size_t errlen)
{
    uint8_t q[MAX_PACKET], r[MAX_PACKET];
    double start;
    int fd;

    if (init_result(res, n, err, errlen) < 0)
        return -1;
    fd = open_socket(cfg->addr ? cfg->addr : "127.0.0.1", cfg->port, err,
                     errlen);
    if (fd < 0)
        return -1;
    start = now_s();
    for (uint64_t i = 0, in_row = 0; i < n && !(stop && stop()); i++) {
        size_t qlen = build_query(cfg, i, q, sizeof(q));
        double t0 = now_s();
        double deadline = t0 + cfg->timeout_s;
        int done = 0;

        res->sent++;
        if (send(fd, q, qlen, 0) < 0) {
            res->send_errors++;
            res->lost++;
            continue;
        }
        while (!done) {
            double left = deadline - now_s();
            struct pollfd p = {.fd = fd, .events = POLLIN};
            ssize_t got;
            int64_t m;

            if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) == 0) {
                if (now_s() >= deadline)
                    break;
                continue;
            }
            got = recv(fd, r, sizeof(r), MSG_DONTWAIT);
            if (got < 0)
                continue; /* ECONNREFUSED: the server is gone; time out */
            m = match_index(cfg, r, (size_t)got, i + 1);
            if (m < 0 || !check_answer(cfg, (uint64_t)m, r, (size_t)got)) {
                count_wrong(cfg, res, m, r, (size_t)got);
                continue;
            }
            if (m != (int64_t)i) {
                res->late++; /* an answer to an earlier query */
                continue;
            }
            res->lat_us[res->nlat++] = to_us(now_s() - t0);
            res->answered++;
            done = 1;
        }
        if (done) {
            in_row = 0;
            continue;
        }
        res->lost++;
        if (cfg->max_lost_in_row && ++in_row >= cfg->max_lost_in_row)
            break;
    }
    res->wall_s = now_s() - start;
    res->send_s = res->wall_s;
    close(fd);
    return 0;
}

/* Receives every datagram waiting on fd and accounts for it. */
/* Datagrams moved per sendmmsg/recvmmsg call in rate mode. */
#define BATCH 32

/* Rate mode wakes this early for a send and spins the rest (seconds). */
#define WAKE_EARLY_S 20e-6

/* Accounts for one received datagram r[0..got) that arrived at time t. */
static void account(const struct loadgen_config *cfg,
                    struct loadgen_result *res, const double *sent_at,
                    uint8_t *answered, const uint8_t *r, size_t got, double t)
{
    int64_t first = match_index(cfg, r, got, res->sent);
    int64_t i = first;

    /*
     * DNS ids repeat every 65536 queries: when the latest query with this
     * id is not the one answered, try the earlier ones still inside the
     * timeout.
     */
    while (i >= 0 && (answered[i] || t - sent_at[i] > cfg->timeout_s ||
                      !check_answer(cfg, (uint64_t)i, r, got))) {
        if (cfg->workload == LOADGEN_ECHO || i < 65536 ||
            t - sent_at[i] > cfg->timeout_s) {
            i = -1;
            break;
        }
        i -= 65536;
    }
    if (i < 0) {
        /* A correct answer to the query its ID names came twice or late. */
        if (first >= 0 && check_answer(cfg, (uint64_t)first, r, got))
            res->late++;
        else
            count_wrong(cfg, res, first, r, got);
        return;
    }
    answered[i] = 1;
    res->lat_us[res->nlat++] = to_us(t - sent_at[i]);
    res->answered++;
    res->last_answer_t = t;
}

/* Receives every datagram waiting on fd, BATCH per system call. */
static void drain(int fd, const struct loadgen_config *cfg,
                  struct loadgen_result *res, const double *sent_at,
                  uint8_t *answered)
{
    static uint8_t bufs[BATCH][MAX_PACKET];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];

    for (;;) {
        double t;
        int got;

        memset(msgs, 0, sizeof(msgs));
        for (int k = 0; k < BATCH; k++) {
            iov[k].iov_base = bufs[k];
            iov[k].iov_len = MAX_PACKET;
            msgs[k].msg_hdr.msg_iov = &iov[k];
            msgs[k].msg_hdr.msg_iovlen = 1;
        }
        got = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0)
            return;
        /* One timestamp per batch: all of it was queued by now. */
        t = now_s();
        for (int k = 0; k < got; k++)
            account(cfg, res, sent_at, answered, bufs[k], msgs[k].msg_len, t);
        if (got < BATCH)
            return;
    }
}

/*
 * Sends every query due by now (at most BATCH) with one sendmmsg call,
 * recording send times and lateness. Returns the number sent.
 */
static unsigned send_due(int fd, const struct loadgen_config *cfg,
                         struct loadgen_result *res, double *sent_at,
                         uint64_t n, double start, double rate_qps)
{
    static uint8_t bufs[BATCH][MAX_PACKET];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    double t = now_s();
    /* Late: behind by over 1 ms and over one interval between sends. */
    double late_s = 1.0 / rate_qps > 1e-3 ? 1.0 / rate_qps : 1e-3;
    unsigned count = 0;
    int done;

    memset(msgs, 0, sizeof(msgs));
    while (count < BATCH && res->sent + count < n) {
        uint64_t i = res->sent + count;
        double due = start + (double)i / rate_qps;

        if (due > t)
            break;
        if (t - due > res->max_send_lag_s)
            res->max_send_lag_s = t - due;
        if (t - due > late_s)
            res->late_sends++;
        iov[count].iov_base = bufs[count];
        iov[count].iov_len = build_query(cfg, i, bufs[count], MAX_PACKET);
        msgs[count].msg_hdr.msg_iov = &iov[count];
        msgs[count].msg_hdr.msg_iovlen = 1;
        sent_at[i] = t;
        count++;
    }
    if (count == 0)
        return 0;
    done = sendmmsg(fd, msgs, count, 0);
    /* A datagram sendmmsg did not take still counts as sent, and lost. */
    if (done < (int)count)
        res->send_errors += count - (done > 0 ? (unsigned)done : 0);
    res->sent += count;
    return count;
}

int loadgen_rate(const struct loadgen_config *cfg, double rate_qps,
                 double duration_s, struct loadgen_result *res,
                 int (*stop)(void), char *err, size_t errlen)
{
    uint64_t n = (uint64_t)(rate_qps * duration_s + 0.5);
    double *sent_at;
    uint8_t *answered;
    double start, end;
    int slack;
    int fd;

    if (init_result(res, n, err, errlen) < 0)
        return -1;
    sent_at = calloc(n ? n : 1, sizeof(*sent_at));
    answered = calloc(n ? n : 1, 1);
    if (!sent_at || !answered) {
        snprintf(err, errlen, "loadgen: %llu queries: out of memory",
                 (unsigned long long)n);
        free(sent_at);
        free(answered);
        return -1;
    }
    fd = open_socket(cfg->addr ? cfg->addr : "127.0.0.1", cfg->port, err,
                     errlen);
    if (fd < 0) {
        free(sent_at);
        free(answered);
        return -1;
    }

    /* Timer slack (50 us by default) would make each sleep overshoot. */
    slack = prctl(PR_GET_TIMERSLACK);
    prctl(PR_SET_TIMERSLACK, 1000UL);
    start = now_s();
    while (res->sent < n && !(stop && stop())) {
        unsigned sent_now;
        double wait_s;

        /*
         * Send what is due, then read what has arrived, even when behind:
         * answers are timed when read, and a generator that only sent
         * would let them queue past the timeout or overflow the socket.
         */
        sent_now = send_due(fd, cfg, res, sent_at, n, start, rate_qps);
        drain(fd, cfg, res, sent_at, answered);
        if (sent_now > 0)
            continue;
        /*
         * Sleep until the next send is due or an answer comes, waking
         * WAKE_EARLY_S early; spinning instead would take CPU time from
         * the system under test on a small host.
         */
        wait_s = start + (double)res->sent / rate_qps - now_s();
        if (wait_s > WAKE_EARLY_S) {
            struct pollfd p = {.fd = fd, .events = POLLIN};
            struct timespec ts;

            wait_s -= WAKE_EARLY_S;
            ts.tv_sec = (time_t)wait_s;
            ts.tv_nsec = (long)((wait_s - (double)ts.tv_sec) * 1e9);
            ppoll(&p, 1, &ts, NULL);
        }
    }
    res->send_s = now_s() - start;
    if (slack > 0)
        prctl(PR_SET_TIMERSLACK, (unsigned long)slack);
    end = now_s() + cfg->timeout_s;
    while (res->answered < res->sent && now_s() < end && !(stop && stop())) {
        struct pollfd p = {.fd = fd, .events = POLLIN};

        poll(&p, 1, 10);
        drain(fd, cfg, res, sent_at, answered);
    }
    res->wall_s = now_s() - start;
    res->lost = res->sent - res->answered;
    res->active_s = res->send_s;
    if (res->last_answer_t - start > res->active_s)
        res->active_s = res->last_answer_t - start;
    close(fd);
    free(sent_at);
    free(answered);
    return 0;
}

int loadgen_held_rate(const struct loadgen_result *res, double rate_qps,
                      double duration_s, char *why, size_t cap)
{
    double planned = (double)res->sent / rate_qps;

    (void)duration_s;
    if (res->send_s <= planned * 1.02 + 1e-3 &&
        res->late_sends * 100 <= res->sent)
        return 1;
    snprintf(why, cap,
             "load generator behind schedule at %.0f qps: sends took "
             "%.3f s for %.3f s planned, %llu of %llu sends late, "
             "worst %.1f ms",
             rate_qps, res->send_s, planned,
             (unsigned long long)res->late_sends, (unsigned long long)res->sent,
             res->max_send_lag_s * 1e3);
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

uint32_t loadgen_percentile(uint32_t *v, size_t n, double p)
{
    size_t rank;

    if (n == 0)
        return 0;
    qsort(v, n, sizeof(*v), cmp_u32);
    /*
     * Nearest rank: ceil(p/100 * n), 1-based. The small tolerance keeps
     * 99.9 * 1000 / 100, which is 999.0000000000001 in binary floating
     * point, at rank 999.
     */
    rank = (size_t)ceil(p * (double)n / 100.0 - 1e-9);
    if (rank < 1)
        rank = 1;
    if (rank > n)
        rank = n;
    return v[rank - 1];
}

void loadgen_result_free(struct loadgen_result *res)
{
    free(res->lat_us);
    res->lat_us = NULL;
    res->nlat = 0;
}
