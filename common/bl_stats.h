/*
 * bl_stats: the statistics of SPEC section 5, exactly as defined there.
 *
 * Pure functions over arrays of doubles: no allocation unless stated, no
 * I/O, thread-safe.  "a equals x" is |a - x| <= 1e-9 * |x| (SPEC section 5)
 * wherever values are compared: ties, bands, all-equal, tied ranks.
 */
#ifndef BL_STATS_H
#define BL_STATS_H

#include <stdbool.h>
#include <stddef.h>

#define BL_STATS_REL_EPS 1e-9

/* The summary of one group instance's values. */
typedef struct bl_summary {
    size_t n;
    double mean;
    double sd;          /* sample sd (n-1); 0 when n < 2 or all equal */
    bool all_equal;     /* every value equals the minimum (SPEC tolerance) */
    double min, p10, p25, p50, p75, p90, max;
} bl_summary_t;

/* a equals x: |a - x| <= 1e-9 * |x|. */
bool bl_stats_equal(double a, double x);

/* Sorts values ascending in place (total order, no NaN expected). */
void bl_stats_sort(double *values, size_t n);

/* Hyndman-Fan type 7 quantile of sorted values (n >= 1, 0 <= alpha <= 1). */
double bl_stats_quantile(const double *sorted, size_t n, double alpha);

/* The median of values[0..n-1], exactly bl_stats_quantile(sorted, n, 0.5)
 * of them sorted, found by selection in linear time (values is
 * reordered, not sorted).  NAN when n is 0. */
double bl_stats_median(double *values, size_t n);

/* Fills *s from sorted values (n >= 1).  The mean and sd use a compensated
 * (or two-pass) sum so that the order of addition does not matter beyond
 * the SPEC tolerance. */
void bl_stats_summarise(const double *sorted, size_t n, bl_summary_t *s);

/* best_in_class: p90 when higher is better, p10 when lower is better. */
double bl_stats_best_in_class(const bl_summary_t *s, bool higher_is_better);

/* Percentile rank of x within sorted values: 100 * (B + 0.5 E) / n, where B
 * counts values strictly worse than x and E values equal to x (direction
 * aware).  x is normally one of the values. */
double bl_stats_percentile_rank(const double *sorted, size_t n, double x,
                                bool higher_is_better);

/* Band 4 (best quarter) ... 1, per SPEC section 5, with the tolerance. */
int bl_stats_band(const bl_summary_t *s, double x, bool higher_is_better);

/* z = (x - mean) / sd, negated for lower-is-better; returns false (no z)
 * when all values are equal.  Never yields -0. */
bool bl_stats_z(const bl_summary_t *s, double x, bool higher_is_better,
                double *z);

/* Spearman's rho of paired values (average ranks for ties, with the
 * tolerance; Pearson correlation of the ranks).  Returns false when n < 2
 * or either variable is constant.  Allocates scratch space internally;
 * returns false as well when allocation fails. */
bool bl_stats_spearman(const double *a, const double *b, size_t n,
                       double *rho);

/* Formats v as SPEC section 6 wants it: "%.10g", and "0" for -0.
 * Returns the length of what buf holds then (cut to fit size). */
size_t bl_stats_format(double v, char *buf, size_t size);

#endif
