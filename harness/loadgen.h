/*
 * loadgen: the harness's own UDP load generator. It builds DNS A queries
 * for server<i>.local.org (or echo payloads), checks every response (ID,
 * question, RCODE and the expected address) so a wrong answer is never
 * counted as answered, and times each query with CLOCK_MONOTONIC in
 * microseconds.
 *
 * Two modes: sequential (the IncludeOS paper's protocol: one lookup at a
 * time, each waiting for its answer or a timeout) and open-loop at a fixed
 * rate (queries leave on schedule whether or not answers came back).
 */
#ifndef LOADGEN_H
#define LOADGEN_H

#include <stddef.h>
#include <stdint.h>

/* Names server0 ... server9999 exist in the zone (workloads/README.md). */
#define LOADGEN_ZONE_NAMES 10000

enum loadgen_workload { LOADGEN_DNS, LOADGEN_ECHO };

struct loadgen_config {
    enum loadgen_workload workload;
    const char *addr;         /* IPv4 address of the server, NULL: 127.0.0.1 */
    unsigned port;            /* UDP port at addr */
    double timeout_s;         /* per query: later answers count as lost */
    unsigned first_name;      /* index of the first server<i> name to ask */
    unsigned max_lost_in_row; /* sequential: give up after this many
                                 consecutive losses, 0: never */
};

struct loadgen_result {
    uint64_t sent;
    uint64_t answered; /* correct responses */
    uint64_t wrong;    /* responses that fail the check against the query
                          their DNS ID or echo number names, or name none */
    uint64_t late;     /* correct responses not counted as answered:
                          duplicates and answers after the timeout */
    uint64_t lost;     /* no correct response within the timeout */
    uint64_t send_errors;
    double wall_s;         /* first send to last answer or timeout */
    double send_s;         /* first to last send (rate mode) */
    double active_s;       /* first send to the later of last send and last
                              correct answer: the window of achieved_qps */
    double last_answer_t;  /* CLOCK_MONOTONIC of the last correct answer */
    double max_send_lag_s; /* worst delay of a send behind its schedule */
    uint64_t late_sends;   /* sends late by over 1 ms and one interval */
    uint32_t *lat_us;      /* latency of each answered query, microseconds */
    size_t nlat;
    char wrong_example[192]; /* what the first wrong response got wrong */
};

/*
 * Writes a DNS query (RD set, one question, class IN) for qname with id
 * and qtype into buf[cap]. Returns its length, or 0 when it does not fit
 * or a label is longer than 63 bytes.
 */
size_t loadgen_dns_query(uint8_t *buf, size_t cap, uint16_t id,
                         const char *qname, uint16_t qtype);

/*
 * Checks a response to `query` (qlen bytes): same ID, QR set, the same
 * question, RCODE equal to expected_rcode and, when expect_addr is not
 * NULL, an A record in the answer section with that address (4 bytes).
 * Returns 1 when it passes, 0 otherwise.
 */
int loadgen_dns_check(const uint8_t *resp, size_t rlen, const uint8_t *query,
                      size_t qlen, int expected_rcode,
                      const uint8_t *expect_addr);

/* Writes the name and the address of zone entry i (i < 10000). */
void loadgen_zone_entry(unsigned i, char *name, size_t cap, uint8_t addr[4]);

/*
 * Sends n queries one at a time, each waiting for its checked answer up
 * to cfg->timeout_s. After cfg->max_lost_in_row consecutive losses the
 * rest are not sent (res->sent tells how many were). Fills res (res->lat_us
 * allocated, free with loadgen_result_free). Stops early when the stop callback
 * is set and returns non-zero. Returns 0, or -1 with the reason in err (socket
 * failure).
 */
int loadgen_sequential(const struct loadgen_config *cfg, uint64_t n,
                       struct loadgen_result *res, int (*stop)(void), char *err,
                       size_t errlen);

/*
 * Sends queries open-loop at rate_qps for duration_s seconds, each on its
 * schedule (start + i / rate), collects answers meanwhile and for
 * cfg->timeout_s after the last send. Returns as loadgen_sequential.
 */
int loadgen_rate(const struct loadgen_config *cfg, double rate_qps,
                 double duration_s, struct loadgen_result *res,
                 int (*stop)(void), char *err, size_t errlen);

/*
 * Returns 1 when the generator kept its schedule: the sends took at most
 * 2% longer than planned and at most 1% of them were late (by over 1 ms
 * and over one interval between sends). A single late send (the
 * generator preempted once) does not fail it. Else returns 0 with the
 * figures in why[cap].
 */
int loadgen_held_rate(const struct loadgen_result *res, double rate_qps,
                      double duration_s, char *why, size_t cap);

/*
 * Sorts v[0..n) and returns the p-th percentile (0 < p <= 100) by the
 * nearest-rank method: the smallest value with at least p% of the values
 * at or below it. Returns 0 when n is 0 (callers check n first).
 */
uint32_t loadgen_percentile(uint32_t *v, size_t n, double p);

/* Frees res->lat_us. */
void loadgen_result_free(struct loadgen_result *res);

#endif
