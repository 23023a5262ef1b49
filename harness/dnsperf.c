/*
 * dnsperf 2.x output, as parsed here (recorded from dnsperf 2.10.0):
 *
 *   > NOERROR server1.local.org A 0.000133      (-v: one line per query)
 *   > T server1.local.org A                     (-v: timed out)
 *   Queries sent:         5000
 *   Queries completed:    5000 (100.00%)
 *   Queries lost:         0 (0.00%)
 *   Response codes:       NOERROR 20 (66.67%), NXDOMAIN 10 (33.33%)
 *   Run time (s):         1.000174
 *   Queries per second:   4999.130151
 *   Average Latency (s):  0.000040 (min 0.000015, max 0.004968)
 *
 * NOTE: dnsperf checks only the response code, not the address in the
 * answer; the harness's own generator checks both.
 */
#define _GNU_SOURCE
#include "dnsperf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loadgen.h"

int dnsperf_write_queries(const char *path, unsigned n, char *err,
                          size_t errlen)
{
    FILE *f = fopen(path, "w");

    if (!f) {
        snprintf(err, errlen, "dnsperf: %s: open failed: %s", path,
                 strerror(errno));
        return -1;
    }
    for (unsigned i = 0; i < n; i++)
        fprintf(f, "server%u.local.org A\n", i % LOADGEN_ZONE_NAMES);
    if (fclose(f) != 0) {
        snprintf(err, errlen, "dnsperf: %s: write failed: %s", path,
                 strerror(errno));
        return -1;
    }
    return 0;
}

/* Finds "label" at the start of a line and returns the text after it. */
static const char *field(const char *text, const char *label)
{
    const char *p = text;
    size_t len = strlen(label);

    while ((p = strstr(p, label))) {
        if (p == text || p[-1] == '\n' || p[-1] == ' ') {
            const char *line = p;

            while (line > text && line[-1] == ' ')
                line--;
            if (line == text || line[-1] == '\n')
                return p + len;
        }
        p += len;
    }
    return NULL;
}

static int field_u64(const char *text, const char *label, uint64_t *out)
{
    const char *p = field(text, label);

    return p && sscanf(p, "%lu", out) == 1 ? 0 : -1;
}

static int field_double(const char *text, const char *label, double *out)
{
    const char *p = field(text, label);

    return p && sscanf(p, "%lf", out) == 1 ? 0 : -1;
}

/* Sums the NOERROR count from "Response codes: NOERROR 20 (66.67%), ..." */
static uint64_t parse_noerror(const char *text)
{
    const char *p = field(text, "Response codes:");
    const char *eol;
    const char *hit;
    uint64_t n = 0;

    if (!p)
        return 0;
    eol = strchr(p, '\n');
    hit = strstr(p, "NOERROR ");
    if (hit && (!eol || hit < eol))
        sscanf(hit + 8, "%lu", &n);
    return n;
}

/* Collects the latencies of "> RCODE name type seconds" lines. */
static int parse_verbose(const char *text, struct dnsperf_result *out)
{
    size_t cap = 0;

    for (const char *p = text; p && *p;
         p = strchr(p, '\n'), p = p ? p + 1 : p) {
        char rcode[32];
        double secs;

        if (p[0] != '>' || p[1] != ' ')
            continue;
        if (sscanf(p, "> %31s %*s %*s %lf", rcode, &secs) != 2 ||
            strcmp(rcode, "NOERROR") != 0)
            continue;
        if (out->nlat == cap) {
            uint32_t *grown;

            cap = cap ? cap * 2 : 1024;
            grown = realloc(out->lat_us, cap * sizeof(*grown));
            if (!grown)
                return -1;
            out->lat_us = grown;
        }
        out->lat_us[out->nlat++] = (uint32_t)(secs * 1e6 + 0.5);
    }
    return 0;
}

int dnsperf_parse(const char *text, struct dnsperf_result *out, char *err,
                  size_t errlen)
{
    const char *lat;
    double avg, min, max;

    memset(out, 0, sizeof(*out));
    if (field_u64(text, "Queries sent:", &out->sent) < 0 ||
        field_u64(text, "Queries completed:", &out->completed) < 0 ||
        field_u64(text, "Queries lost:", &out->lost) < 0 ||
        field_double(text, "Run time (s):", &out->run_s) < 0 ||
        field_double(text, "Queries per second:", &out->qps) < 0) {
        snprintf(err, errlen,
                 "dnsperf: output has no statistics block (dnsperf "
                 "failed; see its log)");
        return -1;
    }
    out->noerror = parse_noerror(text);
    lat = field(text, "Average Latency (s):");
    if (lat && sscanf(lat, "%lf (min %lf, max %lf)", &avg, &min, &max) == 3) {
        out->avg_lat_us = avg * 1e6;
        out->min_lat_us = min * 1e6;
        out->max_lat_us = max * 1e6;
    }
    if (parse_verbose(text, out) < 0) {
        dnsperf_result_free(out);
        snprintf(err, errlen, "dnsperf: latencies: out of memory");
        return -1;
    }
    return 0;
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0;

    if (!f)
        return NULL;
    for (;;) {
        size_t n;

        if (cap - len < 65536) {
            char *grown = realloc(buf, cap + 262144 + 1);

            if (!grown) {
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = grown;
            cap += 262144;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0)
            break;
    }
    fclose(f);
    buf[len] = '\0';
    return buf;
}

int dnsperf_run(const char *addr, unsigned port, double rate_qps,
                double duration_s, double timeout_s, const char *query_file,
                const char *log_path, struct dnsperf_result *out, char *err,
                size_t errlen)
{
    char p[16], q[32], l[32], t[32];
    char *argv[] = {"dnsperf", "-v", "-s", (char *)addr,
                    "-p",      p,    "-d", (char *)query_file,
                    "-l",      l,    "-Q", q,
                    "-t",      t,    "-q", "1000",
                    NULL};
    char *text;
    int status;
    pid_t pid;
    int fd;
    int rc;

    snprintf(p, sizeof(p), "%u", port);
    snprintf(q, sizeof(q), "%.0f", rate_qps);
    snprintf(l, sizeof(l), "%.3f", duration_s);
    snprintf(t, sizeof(t), "%.3f", timeout_s);
    fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, "dnsperf: %s: open failed: %s", log_path,
                 strerror(errno));
        return -1;
    }
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "dnsperf: fork failed: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (pid == 0) {
        dup2(fd, 1);
        dup2(fd, 2);
        execvp(argv[0], argv);
        dprintf(2, "dnsperf: exec failed: %s\n", strerror(errno));
        _exit(127);
    }
    close(fd);
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errlen, "dnsperf: waitpid failed: %s",
                     strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        snprintf(err, errlen,
                 "dnsperf: not found: install Debian package dnsperf");
        return -1;
    }
    text = read_file(log_path);
    if (!text) {
        snprintf(err, errlen, "dnsperf: %s: read failed: %s", log_path,
                 strerror(errno));
        return -1;
    }
    rc = dnsperf_parse(text, out, err, errlen);
    free(text);
    return rc;
}

void dnsperf_result_free(struct dnsperf_result *out)
{
    free(out->lat_us);
    out->lat_us = NULL;
    out->nlat = 0;
}
