/*
 * Unit tests of harness/stats.c against values worked out by hand. Table
 * quantiles of Student's t are the usual printed ones (also reproduced
 * with mpmath 1.3.0, betainc, 30 digits).
 */
#include <criterion/criterion.h>
#include <math.h>

#include "../stats.h"

#define EPS 1e-6

static void expect_near(double got, double want, double eps,
                        const char *quantity)
{
    cr_expect(fabs(got - want) <= eps, "%s: got %.12g, expected %.12g",
              quantity, got, want);
}

/*
 * x = 2 4 4 4 5 5 7 9: sum 40, n 8, mean 5. Sorted middle pair 4 and 5,
 * median 4.5. Squared deviations 9 1 1 1 0 0 4 16 sum to 32, so
 * sd = sqrt(32 / 7) = 2.138090. t(0.975, 7) = 2.364624 from the table,
 * ci_half = 2.364624 * 2.138090 / sqrt(8) = 1.787488.
 */
Test(stats_summarize, eight_values)
{
    double x[] = {5, 2, 9, 4, 4, 7, 4, 5};
    struct stats_summary s;

    cr_assert_eq(stats_summarize(x, 8, &s), 0);
    cr_expect_eq(s.n, 8);
    expect_near(s.mean, 5, EPS, "mean");
    expect_near(s.median, 4.5, EPS, "median");
    expect_near(s.sd, 2.138090, EPS, "sd");
    expect_near(s.ci_half, 1.787488, EPS, "ci_half");
    expect_near(s.ci_lo, 5 - 1.787488, EPS, "ci_lo");
    expect_near(s.ci_hi, 5 + 1.787488, EPS, "ci_hi");
}

/* NaN marks a missing sample: 1 NaN 3 NaN 2 is the sample 1 2 3, mean 2,
 * median 2, sd sqrt((1 + 0 + 1) / 2) = 1. */
Test(stats_summarize, skips_nan)
{
    double x[] = {1, NAN, 3, NAN, 2};
    struct stats_summary s;

    cr_assert_eq(stats_summarize(x, 5, &s), 0);
    cr_expect_eq(s.n, 3);
    expect_near(s.mean, 2, EPS, "mean");
    expect_near(s.median, 2, EPS, "median");
    expect_near(s.sd, 1, EPS, "sd");
}

/* One sample has a mean but no spread: sd and interval are NaN, not 0. */
Test(stats_summarize, one_sample_no_interval)
{
    double x[] = {0.25};
    struct stats_summary s;

    cr_assert_eq(stats_summarize(x, 1, &s), 0);
    cr_expect_eq(s.n, 1);
    expect_near(s.mean, 0.25, EPS, "mean");
    cr_expect(isnan(s.sd), "sd of one sample must be NaN, got %g", s.sd);
    cr_expect(isnan(s.ci_half), "ci of one sample must be NaN");
}

Test(stats_summarize, empty_is_nan)
{
    struct stats_summary s;

    cr_assert_eq(stats_summarize(NULL, 0, &s), 0);
    cr_expect_eq(s.n, 0);
    cr_expect(isnan(s.mean), "mean of nothing must be NaN, got %g", s.mean);
    cr_expect(isnan(s.median), "median of nothing must be NaN");
}

/* Two-sided 95% quantiles from the printed t table. */
Test(stats_t_quantile, table_values)
{
    expect_near(stats_t_quantile(0.975, 1), 12.706205, EPS, "df 1");
    expect_near(stats_t_quantile(0.975, 2), 4.302653, EPS, "df 2");
    expect_near(stats_t_quantile(0.975, 4), 2.776445, EPS, "df 4");
    expect_near(stats_t_quantile(0.975, 5), 2.570582, EPS, "df 5");
    expect_near(stats_t_quantile(0.975, 10), 2.228139, EPS, "df 10");
    expect_near(stats_t_quantile(0.975, 30), 2.042272, EPS, "df 30");
    expect_near(stats_t_quantile(0.975, 1e6), 1.959966, EPS, "df 1e6");
    expect_near(stats_t_quantile(0.025, 10), -2.228139, EPS, "lower");
    expect_near(stats_t_quantile(0.5, 3), 0, EPS, "median");
}

Test(stats_t_quantile, invalid_is_nan)
{
    cr_expect(isnan(stats_t_quantile(0, 5)), "p = 0");
    cr_expect(isnan(stats_t_quantile(1, 5)), "p = 1");
    cr_expect(isnan(stats_t_quantile(0.9, 0)), "df = 0");
    cr_expect(isnan(stats_t_quantile(NAN, 5)), "p = NaN");
}

/*
 * Closed forms: with 1 degree of freedom t is Cauchy, so
 * P(T <= 1) = 1/2 + atan(1)/pi = 0.75. With 2 degrees of freedom
 * P(T <= t) = 1/2 + t / (2 sqrt(2 + t^2)); at t = 2 that is
 * 0.5 + 2 / (2 sqrt 6) = 0.908248.
 */
Test(stats_t_cdf, closed_forms)
{
    expect_near(stats_t_cdf(1, 1), 0.75, EPS, "df 1 at 1");
    expect_near(stats_t_cdf(-1, 1), 0.25, EPS, "df 1 at -1");
    expect_near(stats_t_cdf(2, 2), 0.908248, EPS, "df 2 at 2");
    expect_near(stats_t_cdf(0, 7), 0.5, EPS, "centre");
}

/*
 * I_x(1, 1) = x. I_x(2, 3) is the binomial tail
 * sum_{j=2..4} C(4,j) x^j (1-x)^(4-j); at x = 0.3:
 * 6 * 0.09 * 0.49 + 4 * 0.027 * 0.7 + 0.0081 = 0.3483.
 */
Test(stats_incomplete_beta, binomial_forms)
{
    expect_near(stats_incomplete_beta(0.37, 1, 1), 0.37, 1e-12, "uniform");
    expect_near(stats_incomplete_beta(0.3, 2, 3), 0.3483, 1e-12, "I(2,3)");
    expect_near(stats_incomplete_beta(0.5, 2, 2), 0.5, 1e-12, "symmetric");
    cr_expect(isnan(stats_incomplete_beta(1.5, 2, 2)), "x > 1");
}

/*
 * a = 1 2 3, b = 4 5 6: means 2 and 5, variances 1 and 1, so
 * var(mean) = 1/3 each. t = (2 - 5) / sqrt(2/3) = -3.674235.
 * df = (2/3)^2 / ((1/3)^2/2 + (1/3)^2/2) = (4/9) / (1/9) = 4.
 * With 4 degrees of freedom F(t) = 1/2 + (3/8) (t/s) (1 - t^2 / (12 s^2))
 * where s^2 = 1 + t^2/4:
 * t^2 = 13.5, s^2 = 4.375, t/s = 1.756620, 1 - 13.5 / 52.5 = 0.742857,
 * F(3.674235) = 0.5 + 0.375 * 1.304918 = 0.989344, two-sided
 * p = 2 (1 - F) = 0.021312.
 */
Test(stats_welch_test, equal_variances)
{
    double a[] = {1, 2, 3};
    double b[] = {4, 5, 6};
    struct stats_summary sa, sb;
    struct stats_welch w;

    cr_assert_eq(stats_summarize(a, 3, &sa), 0);
    cr_assert_eq(stats_summarize(b, 3, &sb), 0);
    cr_assert_eq(stats_welch_test(&sa, &sb, &w), 0);
    expect_near(w.t, -3.674235, EPS, "t");
    expect_near(w.df, 4, EPS, "df");
    expect_near(w.p, 0.021312, EPS, "p");
}

/*
 * a = 1..5 (mean 3, variance 2.5), b = 3 5 7 9 11 (mean 7, variance 10):
 * var(mean) 0.5 and 2, t = -4 / sqrt(2.5) = -2.529822,
 * df = 2.5^2 / (0.5^2/4 + 2^2/4) = 6.25 / 1.0625 = 5.882353.
 * p for that fractional df has no closed form: 0.0454646 from mpmath.
 */
Test(stats_welch_test, unequal_variances)
{
    double a[] = {1, 2, 3, 4, 5};
    double b[] = {3, 5, 7, 9, 11};
    struct stats_summary sa, sb;
    struct stats_welch w;

    cr_assert_eq(stats_summarize(a, 5, &sa), 0);
    cr_assert_eq(stats_summarize(b, 5, &sb), 0);
    cr_assert_eq(stats_welch_test(&sa, &sb, &w), 0);
    expect_near(w.t, -2.529822, EPS, "t");
    expect_near(w.df, 5.882353, EPS, "df");
    expect_near(w.p, 0.0454646, EPS, "p");
}

Test(stats_welch_test, undefined_without_spread)
{
    double a[] = {2, 2};
    double b[] = {3, 3};
    struct stats_summary sa, sb;
    struct stats_welch w;

    cr_assert_eq(stats_summarize(a, 2, &sa), 0);
    cr_assert_eq(stats_summarize(b, 2, &sb), 0);
    cr_expect_eq(stats_welch_test(&sa, &sb, &w), -1);
    cr_expect(isnan(w.p), "p must be NaN when both variances are zero");
}

/*
 * x = 9 10 11 (mean 10, sd 1), y = 18 20 22 (mean 20, sd 2):
 * ratio 0.5, reduction 100 (1 - 0.5) = 50%.
 * cx = 1/3 / 20^2 = 1/1200, cy = 0.5^2 * 4/3 / 20^2 = 1/1200,
 * df = (2/1200)^2 / ((1/1200)^2/2 * 2) = 4, t(0.975, 4) = 2.776445,
 * half-width 100 * 2.776445 * sqrt(1/600) = 11.334790.
 */
Test(stats_reduction, delta_method)
{
    double x[] = {9, 10, 11};
    double y[] = {18, 20, 22};
    struct stats_summary sx, sy;
    struct stats_reduction r;

    cr_assert_eq(stats_summarize(x, 3, &sx), 0);
    cr_assert_eq(stats_summarize(y, 3, &sy), 0);
    cr_assert_eq(stats_reduction(&sx, &sy, &r), 0);
    expect_near(r.pct, 50, EPS, "pct");
    expect_near(r.df, 4, EPS, "df");
    expect_near(r.ci_lo, 50 - 11.334790, EPS, "ci_lo");
    expect_near(r.ci_hi, 50 + 11.334790, EPS, "ci_hi");
}

/* x uses more than y: 30 against 20 is a reduction of -50%. */
Test(stats_reduction, negative_when_higher)
{
    double x[] = {29, 30, 31};
    double y[] = {19, 20, 21};
    struct stats_summary sx, sy;
    struct stats_reduction r;

    cr_assert_eq(stats_summarize(x, 3, &sx), 0);
    cr_assert_eq(stats_summarize(y, 3, &sy), 0);
    cr_assert_eq(stats_reduction(&sx, &sy, &r), 0);
    expect_near(r.pct, -50, EPS, "pct");
    cr_expect(r.ci_lo < r.pct && r.pct < r.ci_hi, "interval around pct");
}

Test(stats_reduction, undefined_for_zero_base)
{
    double x[] = {1, 2};
    double y[] = {0, 0};
    struct stats_summary sx, sy;
    struct stats_reduction r;

    cr_assert_eq(stats_summarize(x, 2, &sx), 0);
    cr_assert_eq(stats_summarize(y, 2, &sy), 0);
    cr_expect_eq(stats_reduction(&sx, &sy, &r), -1);
    cr_expect(isnan(r.pct), "pct must be NaN for a zero base");
}
