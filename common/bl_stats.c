/*
 * bl_stats: the arithmetic of SPEC section 5 (summary statistics, type 7
 * quantiles, percentile rank, band, z, Spearman's rho) and the number format
 * of SPEC section 6.
 *
 * Every comparison of values goes through bl_stats_equal(), the SPEC's
 * relative tolerance, so that this code agrees with an implementation that
 * adds or divides in another order (tests/tools/check_stats.py is one).
 * Sums are compensated (Neumaier) and the sd is two-pass for the same
 * reason.  This module is not where groups, directions or references are
 * decided: it only computes over the arrays it is given.
 */
#include "bl_stats.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_number.h"

/* A running Neumaier (improved Kahan-Babuska) sum. */
typedef struct s_sum {
    double sum;
    double comp;  /* the low-order bits the sum lost */
} s_sum_t;

static void s_sum_add(s_sum_t *acc, double v)
{
    double t = acc->sum + v;
    if (fabs(acc->sum) >= fabs(v)) {
        acc->comp += (acc->sum - t) + v;
    } else {
        acc->comp += (v - t) + acc->sum;
    }
    acc->sum = t;
}

static double s_sum_value(const s_sum_t *acc)
{
    return acc->sum + acc->comp;
}

/* Turns -0 into +0 and leaves everything else alone. */
static double s_no_negative_zero(double v)
{
    return v == 0.0 ? 0.0 : v;
}

bool bl_stats_equal(double a, double x)
{
    return fabs(a - x) <= BL_STATS_REL_EPS * fabs(x);
}

/* a >= x with the tolerance: greater, or equal to x as the reference. */
static bool s_ge(double a, double x)
{
    return a > x || bl_stats_equal(a, x);
}

/* a <= x with the tolerance. */
static bool s_le(double a, double x)
{
    return a < x || bl_stats_equal(a, x);
}

static int s_cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa;
    double b = *(const double *)pb;
    return (a > b) - (a < b);
}

void bl_stats_sort(double *values, size_t n)
{
    if (values != NULL && n > 1) {
        qsort(values, n, sizeof values[0], s_cmp_double);
    }
}

double bl_stats_quantile(const double *sorted, size_t n, double alpha)
{
    if (n == 0) {
        return NAN;
    }
    if (alpha <= 0.0) {
        return sorted[0];
    }
    if (alpha >= 1.0) {
        return sorted[n - 1];
    }
    double h = (double)(n - 1) * alpha;
    double fl = floor(h);
    size_t lo = (size_t)fl;
    if (lo + 1 >= n) {
        return sorted[n - 1];
    }
    double frac = h - fl;
    return s_no_negative_zero(sorted[lo]
                              + frac * (sorted[lo + 1] - sorted[lo]));
}

/* Reorders a[0..n-1] so that a[k] is the value it has sorted, no value
 * before it larger and none after it smaller (Wirth's selection; the
 * pivot's value stops both scans, so they stay in range). */
static void s_select(double *a, ptrdiff_t n, ptrdiff_t k)
{
    ptrdiff_t l = 0, r = n - 1;
    while (l < r) {
        double x = a[k];
        ptrdiff_t i = l, j = r;
        do {
            while (a[i] < x) {
                i++;
            }
            while (x < a[j]) {
                j--;
            }
            if (i <= j) {
                double t = a[i];
                a[i] = a[j];
                a[j] = t;
                i++;
                j--;
            }
        } while (i <= j);
        if (j < k) {
            l = i;
        }
        if (k < i) {
            r = j;
        }
    }
}

double bl_stats_median(double *values, size_t n)
{
    if (n == 0) {
        return NAN;
    }
    /* bl_stats_quantile's h = (n - 1) / 2: its floor, then the next value
     * up (the smallest after it) when h has a half. */
    size_t lo = (n - 1) / 2;
    s_select(values, (ptrdiff_t)n, (ptrdiff_t)lo);
    double x = values[lo];
    if ((n - 1) % 2 == 0 || n == 1) {
        return n == 1 ? x : s_no_negative_zero(x);
    }
    double next = values[lo + 1];
    for (size_t i = lo + 2; i < n; i++) {
        if (values[i] < next) {
            next = values[i];
        }
    }
    return s_no_negative_zero(x + 0.5 * (next - x));
}

void bl_stats_summarise(const double *sorted, size_t n, bl_summary_t *s)
{
    memset(s, 0, sizeof *s);
    s->n = n;
    if (n == 0) {
        s->mean = s->sd = NAN;
        s->min = s->p10 = s->p25 = s->p50 = s->p75 = s->p90 = s->max = NAN;
        s->all_equal = true;
        return;
    }
    s_sum_t acc = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        s_sum_add(&acc, sorted[i]);
    }
    double mean = s_sum_value(&acc) / (double)n;

    s->all_equal = true;
    for (size_t i = 1; i < n; i++) {
        if (!bl_stats_equal(sorted[i], sorted[0])) {
            s->all_equal = false;
            break;
        }
    }

    double sd = 0.0;
    if (n >= 2 && !s->all_equal) {
        /* Two-pass with the correction term of the corrected two-pass
         * algorithm: sum (x - m)^2 - (sum (x - m))^2 / n. */
        s_sum_t sq = {0.0, 0.0};
        s_sum_t dev = {0.0, 0.0};
        for (size_t i = 0; i < n; i++) {
            double d = sorted[i] - mean;
            s_sum_add(&sq, d * d);
            s_sum_add(&dev, d);
        }
        double dsum = s_sum_value(&dev);
        double ss = s_sum_value(&sq) - dsum * dsum / (double)n;
        sd = ss > 0.0 ? sqrt(ss / (double)(n - 1)) : 0.0;
    }

    s->mean = s_no_negative_zero(mean);
    s->sd = sd;
    s->min = s_no_negative_zero(sorted[0]);
    s->max = s_no_negative_zero(sorted[n - 1]);
    s->p10 = bl_stats_quantile(sorted, n, 0.10);
    s->p25 = bl_stats_quantile(sorted, n, 0.25);
    s->p50 = bl_stats_quantile(sorted, n, 0.50);
    s->p75 = bl_stats_quantile(sorted, n, 0.75);
    s->p90 = bl_stats_quantile(sorted, n, 0.90);
}

double bl_stats_best_in_class(const bl_summary_t *s, bool higher_is_better)
{
    return higher_is_better ? s->p90 : s->p10;
}

double bl_stats_percentile_rank(const double *sorted, size_t n, double x,
                                bool higher_is_better)
{
    if (n == 0) {
        return NAN;
    }
    size_t worse = 0;
    size_t equal = 0;
    for (size_t i = 0; i < n; i++) {
        double v = sorted[i];
        if (bl_stats_equal(v, x)) {
            equal++;
        } else if (higher_is_better ? v < x : v > x) {
            worse++;
        }
    }
    /* 100 * (B + E/2) / n with one rounding: 2B + E is an exact integer. */
    return 50.0 * (double)(2 * worse + equal) / (double)n;
}

int bl_stats_band(const bl_summary_t *s, double x, bool higher_is_better)
{
    if (higher_is_better) {
        if (s_ge(x, s->p75)) {
            return 4;
        }
        if (s_ge(x, s->p50)) {
            return 3;
        }
        if (s_ge(x, s->p25)) {
            return 2;
        }
        return 1;
    }
    if (s_le(x, s->p25)) {
        return 4;
    }
    if (s_le(x, s->p50)) {
        return 3;
    }
    if (s_le(x, s->p75)) {
        return 2;
    }
    return 1;
}

bool bl_stats_z(const bl_summary_t *s, double x, bool higher_is_better,
                double *z)
{
    if (s->all_equal || s->n < 2 || !(s->sd > 0.0)) {
        return false;
    }
    double v = (x - s->mean) / s->sd;
    if (!higher_is_better) {
        v = -v;
    }
    if (!isfinite(v)) {
        return false;
    }
    *z = s_no_negative_zero(v);
    return true;
}

/* One value of a pair with its position, for ranking. */
typedef struct s_ranked {
    double v;
    size_t i;
} s_ranked_t;

static int s_cmp_ranked(const void *pa, const void *pb)
{
    const s_ranked_t *a = pa;
    const s_ranked_t *b = pb;
    if (a->v != b->v) {
        return (a->v > b->v) - (a->v < b->v);
    }
    return (a->i > b->i) - (a->i < b->i);
}

/* Average 1-based ranks of values into ranks; scratch has room for n.
 * Tied groups are consecutive sorted values equal to the group's first
 * value.  Returns the number of distinct groups. */
static size_t s_rank(const double *values, size_t n, s_ranked_t *scratch,
                     double *ranks)
{
    for (size_t i = 0; i < n; i++) {
        scratch[i].v = values[i];
        scratch[i].i = i;
    }
    qsort(scratch, n, sizeof scratch[0], s_cmp_ranked);
    size_t groups = 0;
    size_t start = 0;
    while (start < n) {
        size_t end = start + 1;
        while (end < n && bl_stats_equal(scratch[end].v, scratch[start].v)) {
            end++;
        }
        /* Positions start..end-1 (0-based) share rank mean(start+1..end). */
        double rank = (double)(start + 1 + end) / 2.0;
        for (size_t k = start; k < end; k++) {
            ranks[scratch[k].i] = rank;
        }
        groups++;
        start = end;
    }
    return groups;
}

bool bl_stats_spearman(const double *a, const double *b, size_t n,
                       double *rho)
{
    if (n < 2) {
        return false;
    }
    s_ranked_t *scratch = malloc(n * sizeof *scratch);
    double *ra = malloc(n * sizeof *ra);
    double *rb = malloc(n * sizeof *rb);
    bool ok = false;
    if (scratch == NULL || ra == NULL || rb == NULL) {
        goto out;
    }
    if (s_rank(a, n, scratch, ra) < 2 || s_rank(b, n, scratch, rb) < 2) {
        goto out;
    }
    /* Average ranks always sum to n(n+1)/2, so their mean is exact; the
     * deviations are multiples of 1/2 and every sum below is exact in
     * double for any n this program will meet. */
    double mean = (double)(n + 1) / 2.0;
    double sxy = 0.0;
    double sxx = 0.0;
    double syy = 0.0;
    for (size_t i = 0; i < n; i++) {
        double dx = ra[i] - mean;
        double dy = rb[i] - mean;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (!(sxx > 0.0) || !(syy > 0.0)) {
        goto out;
    }
    double r = sxy / sqrt(sxx * syy);
    if (r > 1.0) {
        r = 1.0;
    } else if (r < -1.0) {
        r = -1.0;
    }
    *rho = s_no_negative_zero(r);
    ok = true;
out:
    free(scratch);
    free(ra);
    free(rb);
    return ok;
}

size_t bl_stats_format(double v, char *buf, size_t size)
{
    if (buf == NULL || size == 0) {
        return 0;
    }
    int n = bl_number_general(buf, size, s_no_negative_zero(v), 10);
    if (n < 0) {
        buf[0] = '\0';
        return 0;
    }
    return (size_t)n < size ? (size_t)n : size - 1;
}
