/*
 * dnsperf: runs Debian's dnsperf against a system at a fixed rate and
 * parses its output. dnsperf is an independent DNS load client, so its
 * figures cross-check those of the harness's own generator.
 */
#ifndef DNSPERF_H
#define DNSPERF_H

#include <stddef.h>
#include <stdint.h>

struct dnsperf_result {
    uint64_t sent;      /* "Queries sent" */
    uint64_t completed; /* "Queries completed": any response code */
    uint64_t lost;      /* "Queries lost" */
    uint64_t noerror;   /* NOERROR responses: answered, for in-zone names */
    double run_s;       /* "Run time (s)" */
    double qps;         /* "Queries per second" */
    double avg_lat_us, min_lat_us, max_lat_us;
    uint32_t *lat_us; /* per-query latencies from -v lines, microseconds */
    size_t nlat;
};

/*
 * Writes n lines "server<i>.local.org A" (i = 0..n-1, wrapping at 10000)
 * to path. Returns 0, or -1 with the reason in err.
 */
int dnsperf_write_queries(const char *path, unsigned n, char *err,
                          size_t errlen);

/*
 * Parses dnsperf's output (stdout and stderr together). The statistics
 * block is required; "> RCODE name type seconds" lines from -v fill
 * lat_us (allocated; free with dnsperf_result_free). Returns 0, or -1 with
 * the reason in err when the statistics are missing (dnsperf failed).
 */
int dnsperf_parse(const char *text, struct dnsperf_result *out, char *err,
                  size_t errlen);

/*
 * Runs dnsperf -v against addr:port at rate_qps for duration_s with
 * the query file, a timeout of timeout_s per query, its output saved to
 * log_path, and parses it. Returns 0, or -1 with the reason in err
 * (dnsperf missing: install Debian package dnsperf).
 */
int dnsperf_run(const char *addr, unsigned port, double rate_qps,
                double duration_s, double timeout_s, const char *query_file,
                const char *log_path, struct dnsperf_result *out, char *err,
                size_t errlen);

/* Frees out->lat_us. */
void dnsperf_result_free(struct dnsperf_result *out);

#endif
