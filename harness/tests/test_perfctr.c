/*
 * Unit tests of perfctr: decoding and scaling of counter readings (fake
 * values), the errno classification, and the real perf_event_open path on
 * this host, which must give either counts or "unavailable", never 0.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "perfctr.h"

Test(perfctr_parse, fake_reading_decoded)
{
    uint64_t raw[3] = {1000, 2000, 1500};
    struct perfctr_reading r;

    cr_assert_eq(perfctr_parse_reading(raw, sizeof(raw), &r), 0);
    cr_assert_eq(r.value, 1000);
    cr_assert_eq(r.time_enabled, 2000);
    cr_assert_eq(r.time_running, 1500);
}

Test(perfctr_parse, fake_short_reading_rejected)
{
    uint64_t raw[3] = {1, 2, 3};
    struct perfctr_reading r;

    cr_assert_eq(perfctr_parse_reading(raw, 8, &r), -EINVAL);
    cr_assert_eq(perfctr_parse_reading(raw, 16, &r), -EINVAL);
}

Test(perfctr_scale, fake_full_time_unscaled)
{
    struct perfctr_reading r = {123456, 1000, 1000};
    uint64_t v = 0;
    int scaled = 0;

    cr_assert_eq(perfctr_scale(&r, &v, &scaled), 0);
    cr_assert_eq(v, 123456);
    cr_assert_eq(scaled, 0);
}

Test(perfctr_scale, fake_multiplexed_extrapolated)
{
    struct perfctr_reading r = {1000, 3000, 1000};
    uint64_t v = 0;
    int scaled = 0;

    cr_assert_eq(perfctr_scale(&r, &v, &scaled), 0);
    cr_assert_eq(v, 3000);
    cr_assert_eq(scaled, 1);
}

Test(perfctr_scale, fake_large_values_do_not_overflow)
{
    /* value * enabled is 2^80: needs 128-bit intermediate arithmetic. */
    struct perfctr_reading r = {1ULL << 40, 1ULL << 40, 1ULL << 39};
    uint64_t v = 0;
    int scaled = 0;

    cr_assert_eq(perfctr_scale(&r, &v, &scaled), 0);
    cr_assert_eq(v, 1ULL << 41);
}

Test(perfctr_scale, fake_never_running_has_no_value)
{
    struct perfctr_reading r = {0, 5000, 0};
    uint64_t v = 77;
    int scaled = 0;

    cr_assert_eq(perfctr_scale(&r, &v, &scaled), -ENODATA);
    cr_assert_eq(v, 77);
}

Test(perfctr_scale, fake_sleeping_thread_counts_zero)
{
    struct perfctr_reading r = {0, 0, 0};
    uint64_t v = 77;
    int scaled = 0;

    cr_assert_eq(perfctr_scale(&r, &v, &scaled), 0);
    cr_assert_eq(v, 0);
}

Test(perfctr_classify, missing_pmu_is_unavailable)
{
    static const int errs[] = {ENOENT, EOPNOTSUPP, ENODEV, ENOSYS};
    char reason[PERFCTR_REASON_MAX];

    for (size_t i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
        reason[0] = '\0';
        cr_expect_eq(perfctr_classify_errno(errs[i], 2, reason, sizeof(reason)),
                     1, "errno %d", errs[i]);
        cr_expect_neq(reason[0], '\0');
    }
}

Test(perfctr_classify, permission_names_paranoid_and_root)
{
    char reason[PERFCTR_REASON_MAX];

    cr_assert_eq(perfctr_classify_errno(EACCES, 2, reason, sizeof(reason)), 1);
    cr_assert_not_null(strstr(reason, "perf_event_paranoid=2"), "%s", reason);
    cr_assert_not_null(strstr(reason, "root"), "%s", reason);
    cr_assert_eq(perfctr_classify_errno(EPERM, -2, reason, sizeof(reason)), 1);
    cr_assert_not_null(strstr(reason, "unreadable"), "%s", reason);
}

Test(perfctr_classify, other_errors_are_failures)
{
    char reason[PERFCTR_REASON_MAX];

    cr_assert_eq(perfctr_classify_errno(EINVAL, 0, reason, sizeof(reason)), 0);
    cr_assert_eq(perfctr_classify_errno(EMFILE, 0, reason, sizeof(reason)), 0);
}

static volatile uint64_t sink;

/* On this host: real counts, or unavailable with a reason, never 0. */
Test(perfctr_real, own_process_counts_or_unavailable)
{
    struct perfctr pc;
    struct perfctr_result res;
    char err[256] = "";

    cr_assert_eq(perfctr_open(&pc, NULL, getpid(), err, sizeof(err)), 0, "%s",
                 err);
    cr_assert_eq(perfctr_enable(&pc), 0);
    for (uint64_t i = 0; i < 10000000; i++)
        sink += i;
    cr_assert_eq(perfctr_disable(&pc), 0);
    cr_assert_eq(perfctr_read(&pc, &res, err, sizeof(err)), 0, "%s", err);
    if (pc.available) {
        cr_assert_eq(res.available, 1);
        cr_assert_gt(res.cycles, 1000000);
        cr_assert_gt(res.instructions, 10000000);
    } else {
        cr_log_info("PMU unavailable here: %s", pc.reason);
        cr_assert_eq(res.available, 0);
        cr_assert_neq(pc.reason[0], '\0');
        cr_assert_str_eq(res.reason, pc.reason);
        cr_assert_eq(pc.nthreads, 0);
    }
    perfctr_close(&pc);
}

Test(perfctr_real, missing_process_is_an_error)
{
    struct perfctr pc;
    char err[256] = "";

    /* pid_max is at most 2^22, so this pid cannot exist. */
    cr_assert_eq(perfctr_open(&pc, NULL, 99999999, err, sizeof(err)), -ESRCH);
    cr_assert_not_null(strstr(err, "perfctr: /proc/99999999/task"), "%s", err);
}
