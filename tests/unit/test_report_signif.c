/*
 * report_signif: the Student t distribution against closed forms and
 * published quantiles, and the rule of SPEC section 5 on hand-made pairs
 * just over and just under each threshold (n 20/19, |rho| 0.4, p 0.01).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_model.h"
#include "report_signif.h"

#define S_PI 3.14159265358979323846

Test(report_signif, ibeta_matches_the_binomial_identity, .timeout = 10)
{
    /* I_x(a, b) = P(Binomial(a + b - 1, x) >= a). */
    cr_assert_float_eq(report_signif_ibeta(0.5, 2, 3), 11.0 / 16.0, 1e-14);
    cr_assert_float_eq(report_signif_ibeta(0.3, 1, 1), 0.3, 1e-14);
    double x = 0.2;   /* P(Bin(5, 0.2) >= 3) */
    double want = 10 * pow(x, 3) * pow(1 - x, 2) +
                  5 * pow(x, 4) * (1 - x) + pow(x, 5);
    cr_assert_float_eq(report_signif_ibeta(x, 3, 3), want, 1e-14);
    cr_assert_eq(report_signif_ibeta(0, 2, 3), 0.0);
    cr_assert_eq(report_signif_ibeta(1, 2, 3), 1.0);
    cr_assert(isnan(report_signif_ibeta(1.5, 2, 3)));
    cr_assert(isnan(report_signif_ibeta(0.5, 0, 3)));
}

Test(report_signif, t_cdf_matches_closed_forms, .timeout = 10)
{
    /* df 1 is Cauchy, df 2 has a closed form too. */
    for (double t = -8; t <= 8; t += 0.7) {
        cr_assert_float_eq(report_signif_t_cdf(t, 1), 0.5 + atan(t) / S_PI,
                           1e-13, "df 1, t %g", t);
        cr_assert_float_eq(report_signif_t_cdf(t, 2),
                           0.5 + t / (2 * sqrt(2 + t * t)), 1e-13,
                           "df 2, t %g", t);
    }
    cr_assert_float_eq(report_signif_t_cdf(0, 18), 0.5, 1e-15);
    cr_assert(isnan(report_signif_t_cdf(1, 0)));
}

Test(report_signif, t_cdf_matches_published_quantiles, .timeout = 10)
{
    /* Quantiles to 10 digits (R: qt(p, df); mpmath agrees). */
    cr_assert_float_eq(report_signif_t_cdf(2.228138852, 10), 0.975, 1e-9);
    cr_assert_float_eq(report_signif_t_cdf(2.878440473, 18), 0.995, 1e-9);
    cr_assert_float_eq(report_signif_t_cdf(-2.878440473, 18), 0.005, 1e-9);
    cr_assert_float_eq(report_signif_t_cdf(2.626931096, 98), 0.995, 1e-9);
    cr_assert_float_eq(report_signif_t_cdf(6.313751515, 1), 0.95, 1e-9);
    /* Large df: the normal distribution. */
    cr_assert_float_eq(report_signif_t_cdf(1.959963985, 1e8), 0.975, 1e-8);
}

Test(report_signif, p_of_rho_is_the_two_sided_t_test, .timeout = 10)
{
    /* The critical rho for p = 0.01 with n = 20 (df 18). */
    double tc = 2.878440473;
    double rc = tc / sqrt(18 + tc * tc);
    cr_assert_float_eq(report_signif_p(rc, 20), 0.01, 1e-9);
    cr_assert_float_eq(report_signif_p(-rc, 20), 0.01, 1e-9);
    cr_assert_eq(report_signif_p(1.0, 30), 0.0);
    cr_assert_eq(report_signif_p(0.5, 2), 1.0);
    cr_assert_float_eq(report_signif_p(0.0, 30), 1.0, 1e-15);
}

static void s_corr(report_correlation_t *c, const char *a, const char *b,
                   size_t n, double rho)
{
    c->group_id = strdup("national");
    c->group_key = strdup("NO/residential_care");
    c->a = strdup(a);
    c->b = strdup(b);
    c->n = n;
    c->rho = rho;
}

Test(report_signif, only_pairs_past_every_threshold_are_shown_in_p_order,
     .timeout = 10)
{
    report_correlation_t c[8] = {0};
    s_corr(&c[0], "A", "N20", 20, 0.90);    /* n just enough: shown */
    s_corr(&c[1], "A", "N19", 19, 0.90);    /* n one short: hidden */
    s_corr(&c[2], "A", "R41", 100, 0.41);   /* |rho| just over: shown */
    s_corr(&c[3], "A", "R39", 100, -0.39);  /* |rho| just under: hidden */
    s_corr(&c[4], "A", "P0087", 20, 0.57);  /* p just under 0.01: shown */
    s_corr(&c[5], "A", "P012", 20, -0.55);  /* p just over 0.01: hidden */
    s_corr(&c[6], "A", "R42", 100, -0.42);  /* shown, before R41 */
    s_corr(&c[7], "A", "R40", 100, 0.40);   /* |rho| 0.4 itself: shown */
    /* The hidden ones fail one rule each, not the others. */
    cr_assert_lt(report_signif_p(0.90, 19), 0.01);
    cr_assert_lt(report_signif_p(0.39, 100), 0.01);
    double p;
    cr_assert_not(report_signif_shown(-0.55, 20, &p));
    cr_assert(p > 0.01 && p < 0.015, "p %g", p);
    cr_assert(report_signif_shown(0.57, 20, &p));
    cr_assert(p < 0.01 && p > 0.005, "p %g", p);
    size_t kept = report_signif_filter(c, 8);
    cr_assert_eq(kept, 5);
    const char *order[] = {"N20", "R42", "R41", "R40", "P0087"};
    for (size_t i = 0; i < kept; i++) {
        cr_assert_str_eq(c[i].b, order[i], "at %zu", i);
        cr_assert_float_eq(c[i].p, report_signif_p(c[i].rho, c[i].n),
                           1e-15);
        if (i > 0) {
            cr_assert_leq(c[i - 1].p, c[i].p);
        }
    }
    for (size_t i = 0; i < kept; i++) {
        free(c[i].group_id);
        free(c[i].group_key);
        free(c[i].a);
        free(c[i].b);
    }
}

Test(report_signif, equal_p_orders_by_larger_rho, .timeout = 10)
{
    cr_assert_lt(report_signif_cmp(0.001, 0.5, 0.002, 0.9), 0);
    cr_assert_lt(report_signif_cmp(0.001, -0.7, 0.001, 0.6), 0);
    cr_assert_gt(report_signif_cmp(0.001, 0.6, 0.001, -0.7), 0);
    cr_assert_eq(report_signif_cmp(0.001, 0.6, 0.001, -0.6), 0);
}
