/*
 * dnsperf: parsing recorded dnsperf 2.10.0 output (tests/fixtures/).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../dnsperf.h"
#include "../loadgen.h"

static char *fixture(const char *name)
{
    char path[512];
    static char buf[65536];
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/%s", UKB_FIXTURES, name);
    f = fopen(path, "r");
    cr_assert_not_null(f, "fixture %s missing", path);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

Test(dnsperf_parse, mixed_noerror_and_nxdomain)
{
    struct dnsperf_result r;
    char err[256];

    cr_assert_eq(
        dnsperf_parse(fixture("dnsperf-mixed.txt"), &r, err, sizeof(err)), 0,
        "%s", err);
    cr_expect_eq(r.sent, 30);
    cr_expect_eq(r.completed, 30);
    cr_expect_eq(r.lost, 0);
    /* Response codes: NOERROR 20 (66.67%), NXDOMAIN 10 (33.33%) */
    cr_expect_eq(r.noerror, 20);
    cr_expect_float_eq(r.run_s, 1.000224, 1e-9);
    cr_expect_float_eq(r.qps, 29.993282, 1e-9);
    cr_expect_float_eq(r.avg_lat_us, 94, 1e-6);
    cr_expect_float_eq(r.min_lat_us, 71, 1e-6);
    cr_expect_float_eq(r.max_lat_us, 168, 1e-6);
    /* Only the NOERROR -v lines carry latencies of answered queries. */
    cr_expect_eq(r.nlat, 20);
    dnsperf_result_free(&r);
}

Test(dnsperf_parse, verbose_latencies_in_microseconds)
{
    struct dnsperf_result r;
    char err[256];

    cr_assert_eq(
        dnsperf_parse(fixture("dnsperf-mixed.txt"), &r, err, sizeof(err)), 0,
        "%s", err);
    cr_assert_geq(r.nlat, 1);
    /* First line: "> NOERROR server1.local.org A 0.000168" or similar:
     * every value lies within dnsperf's own min and max. */
    for (size_t i = 0; i < r.nlat; i++) {
        cr_expect_geq(r.lat_us[i], (uint32_t)r.min_lat_us, "lat[%zu]", i);
        cr_expect_leq(r.lat_us[i], (uint32_t)r.max_lat_us, "lat[%zu]", i);
    }
    cr_expect_eq(loadgen_percentile(r.lat_us, r.nlat, 100),
                 (uint32_t)r.max_lat_us);
    dnsperf_result_free(&r);
}

Test(dnsperf_parse, all_lost)
{
    struct dnsperf_result r;
    char err[256];

    cr_assert_eq(
        dnsperf_parse(fixture("dnsperf-lost.txt"), &r, err, sizeof(err)), 0,
        "%s", err);
    cr_expect_eq(r.sent, 5);
    cr_expect_eq(r.completed, 0);
    cr_expect_eq(r.lost, 5);
    cr_expect_eq(r.noerror, 0);
    cr_expect_eq(r.nlat, 0);
    dnsperf_result_free(&r);
}

Test(dnsperf_parse, summary_without_verbose_lines)
{
    struct dnsperf_result r;
    char err[256];

    cr_assert_eq(
        dnsperf_parse(fixture("dnsperf-summary.txt"), &r, err, sizeof(err)), 0,
        "%s", err);
    cr_expect_eq(r.sent, 5000);
    cr_expect_eq(r.completed, 5000);
    cr_expect_eq(r.noerror, 5000);
    cr_expect_eq(r.nlat, 0);
    cr_expect_float_eq(r.max_lat_us, 4968, 1e-6);
    dnsperf_result_free(&r);
}

Test(dnsperf_parse, failed_run_rejected)
{
    struct dnsperf_result r;
    char err[256] = "";

    cr_expect_eq(
        dnsperf_parse("Error: invalid argument -Q x\n", &r, err, sizeof(err)),
        -1);
    cr_expect(strstr(err, "statistics") != NULL, "message: %s", err);
}

Test(dnsperf_queries, file_names_wrap_at_zone_size)
{
    char path[] = "/tmp/ukb-dnsperf-XXXXXX";
    char err[256];
    char line[64];
    int fd = mkstemp(path);
    FILE *f;
    unsigned n = 0;

    cr_assert_geq(fd, 0);
    close(fd);
    cr_assert_eq(dnsperf_write_queries(path, 10002, err, sizeof(err)), 0, "%s",
                 err);
    f = fopen(path, "r");
    cr_assert_not_null(f);
    while (fgets(line, sizeof(line), f)) {
        if (n == 0)
            cr_expect_str_eq(line, "server0.local.org A\n");
        if (n == 9999)
            cr_expect_str_eq(line, "server9999.local.org A\n");
        if (n == 10001)
            cr_expect_str_eq(line, "server1.local.org A\n");
        n++;
    }
    fclose(f);
    unlink(path);
    cr_expect_eq(n, 10002);
}
