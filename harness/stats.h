/*
 * Descriptive statistics, Student t intervals and Welch's t-test for the
 * repetitions of one benchmark figure. Missing samples are NaN and are
 * skipped. A statistic that is undefined for the sample size (the standard
 * deviation of one sample, for instance) comes out as NaN, never as 0.
 */
#ifndef UKBENCH_STATS_H
#define UKBENCH_STATS_H

#include <stddef.h>

/* Summary of one group of samples. */
struct stats_summary {
    size_t n;       /* samples used (NaN samples are not counted) */
    double mean;    /* arithmetic mean, NaN when n == 0 */
    double median;  /* middle value, mean of the two middle ones for even n */
    double sd;      /* sample standard deviation (n - 1), NaN when n < 2 */
    double ci_half; /* half-width of the 95% Student t interval of the mean */
    double ci_lo;   /* mean - ci_half */
    double ci_hi;   /* mean + ci_half */
};

/* Result of Welch's unequal-variance t-test of mean(a) - mean(b). */
struct stats_welch {
    double t;  /* (mean_a - mean_b) / sqrt(sd_a^2/n_a + sd_b^2/n_b) */
    double df; /* Welch-Satterthwaite degrees of freedom */
    double p;  /* two-sided p-value */
};

/*
 * Percentage by which a figure of system x is lower than that of system y:
 * 100 * (1 - mean_x / mean_y), positive when x uses less. The 95% interval
 * comes from the delta method for the ratio of two independent means, with
 * Welch-Satterthwaite degrees of freedom over the relative variances.
 */
struct stats_reduction {
    double pct;   /* reduction in percent */
    double ci_lo; /* lower end of the 95% interval, percent */
    double ci_hi; /* upper end of the 95% interval, percent */
    double df;    /* degrees of freedom behind the interval */
};

/*
 * Computes the summary of the n values at x, skipping NaN values. Returns 0,
 * or -1 with errno ENOMEM when the scratch copy for the median cannot be
 * allocated (out is then untouched).
 */
int stats_summarize(const double *x, size_t n, struct stats_summary *out);

/*
 * Returns the distribution function P(T <= t) of Student's t with df > 0
 * degrees of freedom (df need not be an integer). NaN for invalid df.
 */
double stats_t_cdf(double t, double df);

/*
 * Returns the quantile q with P(T <= q) = p for Student's t with df > 0
 * degrees of freedom, 0 < p < 1, to about 1e-10 absolute. NaN otherwise.
 */
double stats_t_quantile(double p, double df);

/*
 * Returns the regularized incomplete beta function I_x(a, b) for a, b > 0
 * and 0 <= x <= 1, NaN outside that domain.
 */
double stats_incomplete_beta(double x, double a, double b);

/*
 * Runs Welch's t-test on two summaries. Returns 0, or -1 when the test is
 * undefined because a group has fewer than 2 samples or both variances are
 * zero. The fields of out are then NaN.
 */
int stats_welch_test(const struct stats_summary *a,
                     const struct stats_summary *b, struct stats_welch *out);

/*
 * Computes the percentage reduction of x against y with its 95% interval.
 * Returns 0, or -1 when it is undefined (fewer than 2 samples in a group,
 * or mean_y == 0); the fields of out are then NaN. When both standard
 * deviations are zero the interval collapses onto pct and df is infinite.
 */
int stats_reduction(const struct stats_summary *x,
                    const struct stats_summary *y, struct stats_reduction *out);

#endif
