/*
 * report_signif: which relationships between indicators are shown to
 * people (SPEC section 5): a Spearman rho over n providers is shown when
 * n >= 20, |rho| >= 0.4 and its two-sided p < 0.01, where p comes from
 * t = rho * sqrt((n - 2) / (1 - rho^2)) with n - 2 degrees of freedom.
 * The Student t distribution is computed through the regularized
 * incomplete beta function (continued fraction, to about 1e-14), not
 * looked up in a table.  The correlations export keeps every pair; this
 * module only decides what a report or summary shows.
 */
#ifndef REPORT_SIGNIF_H
#define REPORT_SIGNIF_H

#include <stdbool.h>
#include <stddef.h>

#include "report_model.h"

#define REPORT_SIGNIF_MIN_N 20        /* providers with both values */
#define REPORT_SIGNIF_MIN_RHO 0.4     /* |rho| at least */
#define REPORT_SIGNIF_MAX_P 0.01      /* two-sided p below */

/* The regularized incomplete beta function I_x(a, b), a, b > 0,
 * 0 <= x <= 1; NaN for arguments outside. */
double report_signif_ibeta(double x, double a, double b);

/* P(T <= t) for Student's t with df > 0 degrees of freedom; NaN for
 * df <= 0 or a NaN t. */
double report_signif_t_cdf(double t, double df);

/* The two-sided p of a correlation rho over n pairs (t test with n - 2
 * degrees of freedom): 1 for n < 3, 0 for |rho| = 1. */
double report_signif_p(double rho, size_t n);

/* true when the pair is shown to people; *p (may be NULL) gets its p. */
bool report_signif_shown(double rho, size_t n, double *p);

/* Orders two shown relationships: smaller p first, then larger |rho|. */
int report_signif_cmp(double p_a, double rho_a, double p_b, double rho_b);

/* Keeps the correlations of c[0..n) that are shown (their p filled in),
 * frees the others' strings, and sorts the kept ones by p then |rho|.
 * Returns how many are kept (at the front of c). */
size_t report_signif_filter(report_correlation_t *c, size_t n);

#endif
