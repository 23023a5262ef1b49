/*
 * Statistics for benchmark repetitions. The Student t distribution is
 * computed from the regularized incomplete beta function, evaluated with
 * its continued fraction (modified Lentz method), so intervals are exact
 * for any sample size rather than read from a table.
 */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Stops the continued fraction when a step changes it by less than this. */
#define STATS_CF_EPS 1e-15
/* Keeps Lentz's method from dividing by zero. */
#define STATS_CF_TINY 1e-300
#define STATS_CF_MAX_STEPS 10000

static int compare_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa;
    double b = *(const double *)pb;

    return (a > b) - (a < b);
}

int stats_summarize(const double *x, size_t n, struct stats_summary *out)
{
    double *sorted = NULL;
    size_t used = 0;

    if (n > 0) {
        sorted = malloc(n * sizeof(*sorted));
        if (sorted == NULL) {
            errno = ENOMEM;
            return -1;
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (!isnan(x[i]))
            sorted[used++] = x[i];
    }

    struct stats_summary s = {.n = used,
                              .mean = NAN,
                              .median = NAN,
                              .sd = NAN,
                              .ci_half = NAN,
                              .ci_lo = NAN,
                              .ci_hi = NAN};
    if (used > 0) {
        qsort(sorted, used, sizeof(*sorted), compare_double);

        double sum = 0;
        for (size_t i = 0; i < used; i++)
            sum += sorted[i];
        s.mean = sum / (double)used;

        if (used % 2 == 1)
            s.median = sorted[used / 2];
        else
            s.median = (sorted[used / 2 - 1] + sorted[used / 2]) / 2;
    }
    if (used > 1) {
        /* Two passes: the sum of squared deviations from the mean loses
         * less precision than sum(x^2) - n * mean^2. */
        double ss = 0;
        for (size_t i = 0; i < used; i++)
            ss += (sorted[i] - s.mean) * (sorted[i] - s.mean);
        s.sd = sqrt(ss / (double)(used - 1));

        double t = stats_t_quantile(0.975, (double)(used - 1));
        s.ci_half = t * s.sd / sqrt((double)used);
        s.ci_lo = s.mean - s.ci_half;
        s.ci_hi = s.mean + s.ci_half;
    }
    free(sorted);
    *out = s;
    return 0;
}

/* The k-th partial numerator of the continued fraction of I_x(a, b), k >= 1:
 * d(2m+1) = -(a+m)(a+b+m)x / ((a+2m)(a+2m+1)),
 * d(2m)   = m(b-m)x / ((a+2m-1)(a+2m)). */
static double beta_cf_term(int k, double x, double a, double b)
{
    double m;

    if (k % 2 == 1) {
        m = (k - 1) / 2;
        return -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1));
    }
    m = k / 2;
    return m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m));
}

/* Evaluates 1 / (1 + d1 / (1 + d2 / (1 + ...))) by the modified Lentz
 * method; it converges fast for x < (a + 1) / (a + b + 2). */
static double beta_cf(double x, double a, double b)
{
    double f = STATS_CF_TINY;
    double c = f;
    double d = 0;

    for (int j = 1; j <= STATS_CF_MAX_STEPS; j++) {
        double num = j == 1 ? 1.0 : beta_cf_term(j - 1, x, a, b);

        d = 1 + num * d;
        if (fabs(d) < STATS_CF_TINY)
            d = STATS_CF_TINY;
        d = 1 / d;
        c = 1 + num / c;
        if (fabs(c) < STATS_CF_TINY)
            c = STATS_CF_TINY;
        double delta = c * d;
        f *= delta;
        if (fabs(delta - 1) < STATS_CF_EPS)
            break;
    }
    return f;
}

double stats_incomplete_beta(double x, double a, double b)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1))
        return NAN;
    if (x == 0)
        return 0;
    if (x == 1)
        return 1;

    double log_front =
        a * log(x) + b * log1p(-x) - lgamma(a) - lgamma(b) + lgamma(a + b);
    /* The fraction converges slowly above (a+1)/(a+b+2), so use the
     * symmetry I_x(a, b) = 1 - I_(1-x)(b, a) there. */
    if (x < (a + 1) / (a + b + 2))
        return exp(log_front) * beta_cf(x, a, b) / a;
    return 1 - exp(log_front) * beta_cf(1 - x, b, a) / b;
}

/* P(T > t) for t >= 0, computed directly so upper quantiles keep their
 * precision instead of losing it in 1 - cdf. */
static double t_upper_tail(double t, double df)
{
    return 0.5 * stats_incomplete_beta(df / (df + t * t), df / 2, 0.5);
}

double stats_t_cdf(double t, double df)
{
    if (!(df > 0) || isnan(t))
        return NAN;
    if (isinf(t))
        return t > 0 ? 1 : 0;
    double tail = t_upper_tail(fabs(t), df);
    return t >= 0 ? 1 - tail : tail;
}

double stats_t_quantile(double p, double df)
{
    if (!(df > 0) || !(p > 0) || !(p < 1))
        return NAN;
    if (p < 0.5)
        return -stats_t_quantile(1 - p, df);
    if (p == 0.5)
        return 0;

    double target = 1 - p;
    double lo = 0;
    double hi = 1;
    /* Bracket the quantile, then bisect: the tail falls monotonically. */
    while (t_upper_tail(hi, df) > target) {
        lo = hi;
        hi *= 2;
        if (hi > 1e300)
            return INFINITY;
    }
    for (int i = 0; i < 200 && hi - lo > 1e-12 * (1 + hi); i++) {
        double mid = (lo + hi) / 2;
        if (t_upper_tail(mid, df) > target)
            lo = mid;
        else
            hi = mid;
    }
    return (lo + hi) / 2;
}

int stats_welch_test(const struct stats_summary *a,
                     const struct stats_summary *b, struct stats_welch *out)
{
    out->t = NAN;
    out->df = NAN;
    out->p = NAN;
    if (a->n < 2 || b->n < 2)
        return -1;

    double va = a->sd * a->sd / (double)a->n;
    double vb = b->sd * b->sd / (double)b->n;
    if (va + vb == 0)
        return -1;

    out->t = (a->mean - b->mean) / sqrt(va + vb);
    out->df = (va + vb) * (va + vb) /
              (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
    out->p = stats_incomplete_beta(out->df / (out->df + out->t * out->t),
                                   out->df / 2, 0.5);
    return 0;
}

int stats_reduction(const struct stats_summary *x,
                    const struct stats_summary *y, struct stats_reduction *out)
{
    out->pct = NAN;
    out->ci_lo = NAN;
    out->ci_hi = NAN;
    out->df = NAN;
    if (x->n < 2 || y->n < 2 || y->mean == 0)
        return -1;

    double ratio = x->mean / y->mean;
    /* Delta method: var(mx/my) ~ (var(mx) + ratio^2 var(my)) / my^2,
     * with var(m) = sd^2 / n. */
    double cx = x->sd * x->sd / (double)x->n / (y->mean * y->mean);
    double cy =
        ratio * ratio * y->sd * y->sd / (double)y->n / (y->mean * y->mean);

    out->pct = 100 * (1 - ratio);
    if (cx + cy == 0) {
        out->ci_lo = out->pct;
        out->ci_hi = out->pct;
        out->df = INFINITY;
        return 0;
    }
    out->df = (cx + cy) * (cx + cy) /
              (cx * cx / (double)(x->n - 1) + cy * cy / (double)(y->n - 1));
    double half = 100 * stats_t_quantile(0.975, out->df) * sqrt(cx + cy);
    out->ci_lo = out->pct - half;
    out->ci_hi = out->pct + half;
    return 0;
}
