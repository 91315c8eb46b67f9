/*
 * report_signif: the significance rule of SPEC section 5 (see
 * report_signif.h).  The incomplete beta function follows the continued
 * fraction of Numerical Recipes (betacf, modified Lentz), evaluated where it
 * converges fast and through the symmetry I_x(a, b) = 1 - I_{1-x}(b, a)
 * elsewhere.
 */
#include "report_signif.h"

#include <math.h>
#include <stdlib.h>

#define S_EPS 1e-15
#define S_TINY 1e-300
#define S_ITER_MAX 1000

/* The continued fraction of I_x(a, b) (without its prefactor). */
static double s_betacf(double x, double a, double b)
{
    double qab = a + b, qap = a + 1.0, qam = a - 1.0;
    double c = 1.0;
    double d = 1.0 - qab * x / qap;
    if (fabs(d) < S_TINY) {
        d = S_TINY;
    }
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= S_ITER_MAX; m++) {
        int m2 = 2 * m;
        double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < S_TINY) {
            d = S_TINY;
        }
        c = 1.0 + aa / c;
        if (fabs(c) < S_TINY) {
            c = S_TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < S_TINY) {
            d = S_TINY;
        }
        c = 1.0 + aa / c;
        if (fabs(c) < S_TINY) {
            c = S_TINY;
        }
        d = 1.0 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < S_EPS) {
            break;
        }
    }
    return h;
}

double report_signif_ibeta(double x, double a, double b)
{
    if (!(a > 0) || !(b > 0) || !(x >= 0) || !(x <= 1)) {
        return NAN;
    }
    if (x == 0 || x == 1) {
        return x;
    }
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) +
                 b * log1p(-x);
    double bt = exp(lbt);
    if (x < (a + 1.0) / (a + b + 2.0)) {
        return bt * s_betacf(x, a, b) / a;
    }
    return 1.0 - bt * s_betacf(1.0 - x, b, a) / b;
}

double report_signif_t_cdf(double t, double df)
{
    if (!(df > 0) || isnan(t)) {
        return NAN;
    }
    if (isinf(t)) {
        return t > 0 ? 1.0 : 0.0;
    }
    /* P(|T| > |t|) = I_{df/(df+t^2)}(df/2, 1/2). */
    double tail = report_signif_ibeta(df / (df + t * t), df / 2.0, 0.5);
    return t > 0 ? 1.0 - tail / 2.0 : tail / 2.0;
}

double report_signif_p(double rho, size_t n)
{
    if (n < 3 || isnan(rho)) {
        return 1.0;
    }
    double r2 = rho * rho;
    if (r2 >= 1.0) {
        return 0.0;
    }
    double df = (double)(n - 2);
    double t2 = r2 * df / (1.0 - r2);
    /* Two-sided: P(|T| >= |t|), straight from the beta function so that
     * small p keep their precision. */
    return report_signif_ibeta(df / (df + t2), df / 2.0, 0.5);
}

bool report_signif_shown(double rho, size_t n, double *p)
{
    double pv = report_signif_p(rho, n);
    if (p != NULL) {
        *p = pv;
    }
    return n >= REPORT_SIGNIF_MIN_N && fabs(rho) >= REPORT_SIGNIF_MIN_RHO &&
           pv < REPORT_SIGNIF_MAX_P;
}

int report_signif_cmp(double p_a, double rho_a, double p_b, double rho_b)
{
    if (p_a != p_b) {
        return p_a < p_b ? -1 : 1;
    }
    double a = fabs(rho_a), b = fabs(rho_b);
    if (a != b) {
        return a > b ? -1 : 1;
    }
    return 0;
}

static int s_cmp_corr(const void *x, const void *y)
{
    const report_correlation_t *a = x, *b = y;
    return report_signif_cmp(a->p, a->rho, b->p, b->rho);
}

size_t report_signif_filter(report_correlation_t *c, size_t n)
{
    size_t kept = 0;
    for (size_t i = 0; i < n; i++) {
        double p;
        if (report_signif_shown(c[i].rho, c[i].n, &p)) {
            c[kept] = c[i];
            c[kept].p = p;
            kept++;
        } else {
            free(c[i].group_id);
            free(c[i].group_key);
            free(c[i].a);
            free(c[i].b);
        }
    }
    qsort(c, kept, sizeof *c, s_cmp_corr);
    return kept;
}
