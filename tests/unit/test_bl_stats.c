/*
 * Tests of bl_stats against figures worked by hand from the definitions of
 * SPEC section 5 (type 7 quantiles, percentile rank with ties, bands with
 * the relative tolerance, z, Spearman with average ranks) and the number
 * format of section 6.  Not a test of grouping or export: that is
 * tests/tools/check_stats.py's job.
 */
#include "bl_stats.h"

#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#define EPS 1e-12

static bl_summary_t s_summary(double *v, size_t n)
{
    bl_summary_t s;
    bl_stats_sort(v, n);
    bl_stats_summarise(v, n, &s);
    return s;
}

Test(bl_stats, equal_is_relative_to_the_second_argument, .timeout = 10)
{
    cr_assert(bl_stats_equal(1.0, 1.0));
    cr_assert(bl_stats_equal(1.0 + 1e-12, 1.0));
    cr_assert(bl_stats_equal(1e6 + 1e-4, 1e6));
    cr_assert_not(bl_stats_equal(1.0 + 1e-8, 1.0));
    cr_assert(bl_stats_equal(0.0, 0.0));
    cr_assert(bl_stats_equal(-0.0, 0.0));
    cr_assert_not(bl_stats_equal(1e-300, 0.0));
    cr_assert(bl_stats_equal(-2.0 - 1e-12, -2.0));
}

Test(bl_stats, sort_orders_ascending, .timeout = 10)
{
    double v[] = {3.5, -1.0, 2.0, 2.0, 0.0};
    bl_stats_sort(v, 5);
    cr_assert_float_eq(v[0], -1.0, EPS);
    cr_assert_float_eq(v[1], 0.0, EPS);
    cr_assert_float_eq(v[2], 2.0, EPS);
    cr_assert_float_eq(v[3], 2.0, EPS);
    cr_assert_float_eq(v[4], 3.5, EPS);
}

Test(bl_stats, quantiles_of_one_to_four_are_type_7, .timeout = 10)
{
    double v[] = {4, 2, 3, 1};
    bl_summary_t s = s_summary(v, 4);
    cr_assert_eq(s.n, 4);
    cr_assert_float_eq(s.mean, 2.5, EPS);
    /* deviations -1.5 -0.5 0.5 1.5: sum of squares 5, over n-1 = 3 */
    cr_assert_float_eq(s.sd, sqrt(5.0 / 3.0), EPS);
    cr_assert_float_eq(s.sd, 1.2909944487358056, EPS);
    cr_assert_float_eq(s.min, 1.0, EPS);
    cr_assert_float_eq(s.p10, 1.3, EPS);   /* h = 0.3 */
    cr_assert_float_eq(s.p25, 1.75, EPS);  /* h = 0.75 */
    cr_assert_float_eq(s.p50, 2.5, EPS);   /* h = 1.5 */
    cr_assert_float_eq(s.p75, 3.25, EPS);  /* h = 2.25 */
    cr_assert_float_eq(s.p90, 3.7, EPS);   /* h = 2.7 */
    cr_assert_float_eq(s.max, 4.0, EPS);
    cr_assert_not(s.all_equal);
    cr_assert_float_eq(bl_stats_best_in_class(&s, true), 3.7, EPS);
    cr_assert_float_eq(bl_stats_best_in_class(&s, false), 1.3, EPS);
    cr_assert_float_eq(bl_stats_quantile(v, 4, 0.0), 1.0, EPS);
    cr_assert_float_eq(bl_stats_quantile(v, 4, 1.0), 4.0, EPS);
}

Test(bl_stats, one_value_is_every_quantile, .timeout = 10)
{
    double v[] = {7.0};
    bl_summary_t s = s_summary(v, 1);
    cr_assert_eq(s.n, 1);
    cr_assert_float_eq(s.mean, 7.0, EPS);
    cr_assert_float_eq(s.sd, 0.0, EPS);
    cr_assert(s.all_equal);
    cr_assert_float_eq(s.min, 7.0, EPS);
    cr_assert_float_eq(s.p10, 7.0, EPS);
    cr_assert_float_eq(s.p50, 7.0, EPS);
    cr_assert_float_eq(s.p90, 7.0, EPS);
    cr_assert_float_eq(s.max, 7.0, EPS);
    double z = 99.0;
    cr_assert_not(bl_stats_z(&s, 7.0, true, &z));
    cr_assert_float_eq(z, 99.0, EPS);
}

Test(bl_stats, two_values_interpolate_linearly, .timeout = 10)
{
    double v[] = {10.0, 2.0};
    bl_summary_t s = s_summary(v, 2);
    cr_assert_float_eq(s.mean, 6.0, EPS);
    cr_assert_float_eq(s.sd, sqrt(32.0), EPS);
    cr_assert_float_eq(s.p10, 2.8, EPS);
    cr_assert_float_eq(s.p25, 4.0, EPS);
    cr_assert_float_eq(s.p50, 6.0, EPS);
    cr_assert_float_eq(s.p75, 8.0, EPS);
    cr_assert_float_eq(s.p90, 9.2, EPS);
}

Test(bl_stats, percentile_rank_counts_ties_as_half, .timeout = 10)
{
    double v[] = {1, 2, 2, 5, 6};
    /* x = 2, higher: B = 1 (the 1), E = 2 -> 100 * 2 / 5 */
    cr_assert_float_eq(bl_stats_percentile_rank(v, 5, 2.0, true), 40.0, EPS);
    /* x = 2, lower: B = 2 (5 and 6), E = 2 -> 100 * 3 / 5 */
    cr_assert_float_eq(bl_stats_percentile_rank(v, 5, 2.0, false), 60.0,
                       EPS);
    /* x = 6, higher: B = 4, E = 1 -> 90; lower: B = 0 -> 10 */
    cr_assert_float_eq(bl_stats_percentile_rank(v, 5, 6.0, true), 90.0, EPS);
    cr_assert_float_eq(bl_stats_percentile_rank(v, 5, 6.0, false), 10.0,
                       EPS);
    /* a near-tie (1e-12 relative) counts as equal, not as worse */
    cr_assert_float_eq(bl_stats_percentile_rank(v, 5, 2.0 + 2e-12, true),
                       40.0, EPS);
}

Test(bl_stats, all_equal_values_have_no_z_and_band_4, .timeout = 10)
{
    double v[] = {3, 3, 3, 3, 3 * (1 + 1e-12)};
    bl_summary_t s = s_summary(v, 5);
    cr_assert(s.all_equal);
    cr_assert_float_eq(s.sd, 0.0, 0.0);
    cr_assert_float_eq(s.mean, 3.0, 1e-11);
    double z = 0.0;
    cr_assert_not(bl_stats_z(&s, 3.0, true, &z));
    cr_assert_not(bl_stats_z(&s, 3.0, false, &z));
    cr_assert_eq(bl_stats_band(&s, 3.0, true), 4);
    cr_assert_eq(bl_stats_band(&s, 3.0, false), 4);
    cr_assert_float_eq(bl_stats_percentile_rank(v, 5, 3.0, true), 50.0, EPS);
    cr_assert_float_eq(bl_stats_percentile_rank(v, 5, 3.0, false), 50.0,
                       EPS);
}

Test(bl_stats, values_a_little_apart_are_not_all_equal, .timeout = 10)
{
    double v[] = {3, 3, 3, 3, 3 * (1 + 1e-8)};
    bl_summary_t s = s_summary(v, 5);
    cr_assert_not(s.all_equal);
    cr_assert(s.sd > 0.0);
}

Test(bl_stats, bands_and_z_follow_the_direction, .timeout = 10)
{
    double v[] = {5, 4, 3, 2, 1};
    bl_summary_t s = s_summary(v, 5);
    /* p25 = 2, p50 = 3, p75 = 4; mean 3, sd sqrt(10/4) */
    cr_assert_float_eq(s.p25, 2.0, EPS);
    cr_assert_float_eq(s.p50, 3.0, EPS);
    cr_assert_float_eq(s.p75, 4.0, EPS);
    cr_assert_float_eq(s.sd, 1.5811388300841898, EPS);

    int higher[] = {1, 2, 3, 4, 4};
    int lower[] = {4, 4, 3, 2, 1};
    for (int i = 0; i < 5; i++) {
        double x = (double)(i + 1);
        cr_assert_eq(bl_stats_band(&s, x, true), higher[i], "x=%g", x);
        cr_assert_eq(bl_stats_band(&s, x, false), lower[i], "x=%g", x);
    }

    double z = 0.0;
    cr_assert(bl_stats_z(&s, 1.0, false, &z));
    cr_assert_float_eq(z, 1.2649110640673518, EPS);  /* low is good */
    cr_assert(bl_stats_z(&s, 1.0, true, &z));
    cr_assert_float_eq(z, -1.2649110640673518, EPS);
    cr_assert(bl_stats_z(&s, 5.0, false, &z));
    cr_assert_float_eq(z, -1.2649110640673518, EPS);
    /* at the mean, lower: -(0 / sd) must come out as +0 */
    cr_assert(bl_stats_z(&s, 3.0, false, &z));
    cr_assert_float_eq(z, 0.0, 0.0);
    cr_assert_not(signbit(z));
}

Test(bl_stats, value_within_tolerance_of_p75_counts_as_p75, .timeout = 10)
{
    double v[] = {1, 2, 3, 4};
    bl_summary_t s = s_summary(v, 4);  /* p25 1.75, p50 2.5, p75 3.25 */
    cr_assert_eq(bl_stats_band(&s, 3.25 * (1 - 1e-12), true), 4);
    cr_assert_eq(bl_stats_band(&s, 3.25 * (1 - 1e-8), true), 3);
    cr_assert_eq(bl_stats_band(&s, 1.75 * (1 + 1e-12), false), 4);
    cr_assert_eq(bl_stats_band(&s, 1.75 * (1 + 1e-8), false), 3);
    cr_assert_eq(bl_stats_band(&s, 3.25 * (1 + 1e-12), false), 2);
    cr_assert_eq(bl_stats_band(&s, 3.25 * (1 + 1e-8), false), 1);
}

Test(bl_stats, spearman_uses_average_ranks_for_ties, .timeout = 10)
{
    /* ranks a: 1 2.5 2.5 4 5; ranks b: 2 1 3.5 3.5 5; mean 3.
     * sxy = 2 + 1 - 0.25 + 0.5 + 4 = 7.25; sxx = syy = 9.5 -> 29/38 */
    double a[] = {1, 2, 2, 3, 4};
    double b[] = {2, 1, 3, 3, 5};
    double rho = 0.0;
    cr_assert(bl_stats_spearman(a, b, 5, &rho));
    cr_assert_float_eq(rho, 29.0 / 38.0, EPS);
    cr_assert_float_eq(rho, 0.7631578947368421, EPS);

    /* a tie within the tolerance is a tie */
    double a2[] = {1, 2, 2 * (1 + 1e-12), 3, 4};
    cr_assert(bl_stats_spearman(a2, b, 5, &rho));
    cr_assert_float_eq(rho, 29.0 / 38.0, EPS);

    /* monotone, whatever the scale: exactly 1 and -1 */
    double c[] = {10, 20, 30, 40};
    double d[] = {1, 4, 9, 1000};
    double e[] = {4, 3, 2, 1};
    cr_assert(bl_stats_spearman(c, d, 4, &rho));
    cr_assert_float_eq(rho, 1.0, EPS);
    cr_assert(bl_stats_spearman(c, e, 4, &rho));
    cr_assert_float_eq(rho, -1.0, EPS);
}

Test(bl_stats, spearman_of_a_constant_variable_is_none, .timeout = 10)
{
    double a[] = {1, 2, 3, 4, 5};
    double k[] = {7, 7, 7 * (1 + 1e-12), 7, 7};
    double rho = 42.0;
    cr_assert_not(bl_stats_spearman(a, k, 5, &rho));
    cr_assert_not(bl_stats_spearman(k, a, 5, &rho));
    cr_assert_not(bl_stats_spearman(a, a, 1, &rho));
    cr_assert_float_eq(rho, 42.0, 0.0);
}

Test(bl_stats, format_is_10_significant_digits_without_minus_zero,
     .timeout = 10)
{
    char buf[64];
    bl_stats_format(-0.0, buf, sizeof buf);
    cr_assert_str_eq(buf, "0");
    bl_stats_format(0.0, buf, sizeof buf);
    cr_assert_str_eq(buf, "0");
    bl_stats_format(1.0 / 3.0, buf, sizeof buf);
    cr_assert_str_eq(buf, "0.3333333333");
    bl_stats_format(1e20, buf, sizeof buf);
    cr_assert_str_eq(buf, "1e+20");
    bl_stats_format(100.0, buf, sizeof buf);
    cr_assert_str_eq(buf, "100");
    bl_stats_format(-2.5, buf, sizeof buf);
    cr_assert_str_eq(buf, "-2.5");
    bl_stats_format(29.0 / 38.0, buf, sizeof buf);
    cr_assert_str_eq(buf, "0.7631578947");
    char small[4];
    bl_stats_format(123456.0, small, sizeof small);
    cr_assert_str_eq(small, "123");
}

Test(bl_stats, mean_ignores_the_order_of_addition, .timeout = 10)
{
    /* 1e16 + 1 + 1 - 1e16 loses both ones in naive left-to-right sums */
    double v[] = {1e16, 1.0, 1.0, -1e16};
    bl_summary_t s = s_summary(v, 4);
    cr_assert_float_eq(s.mean, 0.5, EPS);
}

/* The median by selection is bl_stats_quantile's of the sorted values, to
 * the bit: odd and even counts, ties, negative values, one and two. */
Test(bl_stats, median_by_selection_equals_the_sorted_quantile, .timeout = 10)
{
    enum { N = 257 };
    double a[N], b[N];
    unsigned seed = 12345;
    for (size_t n = 1; n <= N; n += (n < 20 ? 1 : 17)) {
        for (int round = 0; round < 20; round++) {
            for (size_t i = 0; i < n; i++) {
                seed = seed * 1103515245u + 12345u;
                /* few distinct values in odd rounds: many ties */
                unsigned r = (seed >> 8) % (round % 2 ? 7u : 100000u);
                a[i] = ((double)r - 3.0) / 8.0;
                b[i] = a[i];
            }
            double m = bl_stats_median(a, n);
            bl_stats_sort(b, n);
            double want = bl_stats_quantile(b, n, 0.5);
            cr_assert(m == want, "n=%zu round=%d: %.17g != %.17g", n, round,
                      m, want);
            bl_stats_sort(a, n);   /* the same values, reordered */
            cr_assert_eq(memcmp(a, b, n * sizeof *a), 0, "n=%zu", n);
        }
    }
    cr_assert(isnan(bl_stats_median(a, 0)));
}
