/*
 * report_curve: the learning-curve line chart (see report_curve.h).  The
 * y axis spans the values and medians shown, padded and rounded; the x axis
 * puts the periods at equal steps.  The provider's line is blue with round
 * markers, the median's a dashed grey line with square markers, so that
 * they differ by more than colour.
 */
#include "report_curve.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LEFT 52.0       /* px: the plot's left edge (y labels left of it) */
#define S_RIGHT 12.0      /* px: room right of the plot */
#define S_TOP 28.0        /* px: the legend above the plot */
#define S_BOTTOM 22.0     /* px: period labels below */
#define S_FONT 10.0
#define S_VALUE_COLOR REPORT_OI_BLUE
#define S_P50_COLOR REPORT_GREY_MUTED

int report_curve_has(const report_indicator_t *ind)
{
    if (ind == NULL || ind->curve_count < 2) {
        return 0;
    }
    for (size_t i = 0; i < ind->curve_count; i++) {
        if (ind->curve[i].status == REPORT_STATUS_OK ||
            ind->curve[i].has_p50) {
            return 1;
        }
    }
    return 0;
}

/* The y range of the points shown, rounded outwards to a step of 1, 2 or
 * 5 times a power of ten. */
static void s_range(const report_indicator_t *ind, double *lo, double *hi)
{
    int any = 0;
    for (size_t i = 0; i < ind->curve_count; i++) {
        const report_curve_point_t *p = &ind->curve[i];
        double v[2];
        int n = 0;
        if (p->status == REPORT_STATUS_OK && isfinite(p->value)) {
            v[n++] = p->value;
        }
        if (p->has_p50 && isfinite(p->p50)) {
            v[n++] = p->p50;
        }
        for (int k = 0; k < n; k++) {
            if (!any || v[k] < *lo) {
                *lo = v[k];
            }
            if (!any || v[k] > *hi) {
                *hi = v[k];
            }
            any = 1;
        }
    }
    if (!any) {
        *lo = 0;
        *hi = 1;
    }
    if (*hi - *lo < 1e-9 * (fabs(*hi) + 1)) {
        *lo -= 1;
        *hi += 1;
    }
    double raw = (*hi - *lo) / 4.0;
    double mag = pow(10.0, floor(log10(raw)));
    double step = raw / mag <= 1 ? mag : raw / mag <= 2 ? 2 * mag
                  : raw / mag <= 5 ? 5 * mag : 10 * mag;
    *lo = floor(*lo / step) * step;
    *hi = ceil(*hi / step) * step;
}

static double s_x(const report_indicator_t *ind, size_t i)
{
    double w = REPORT_CURVE_WIDTH - S_LEFT - S_RIGHT;
    return ind->curve_count < 2
               ? S_LEFT + w / 2
               : S_LEFT + w * (double)i / (double)(ind->curve_count - 1);
}

static double s_y(double v, double lo, double hi)
{
    double h = REPORT_CURVE_HEIGHT - S_TOP - S_BOTTOM;
    return S_TOP + h * (1.0 - (v - lo) / (hi - lo));
}

/* One series: the lines between consecutive points that have a value,
 * then the markers. */
static void s_series(const report_indicator_t *ind, int p50, double lo,
                     double hi, const report_draw_t *d)
{
    uint32_t color = p50 ? S_P50_COLOR : S_VALUE_COLOR;
    int have_prev = 0;
    double px = 0, py = 0;
    for (size_t i = 0; i < ind->curve_count; i++) {
        const report_curve_point_t *p = &ind->curve[i];
        int has = p50 ? p->has_p50 : p->status == REPORT_STATUS_OK;
        if (!has) {
            have_prev = 0;
            continue;
        }
        double x = s_x(ind, i);
        double y = s_y(p50 ? p->p50 : p->value, lo, hi);
        if (have_prev) {
            d->line(d->ctx, px, py, x, y, color, 2.0, p50);
        }
        px = x;
        py = y;
        have_prev = 1;
    }
    for (size_t i = 0; i < ind->curve_count; i++) {
        const report_curve_point_t *p = &ind->curve[i];
        if (p50 ? !p->has_p50 : p->status != REPORT_STATUS_OK) {
            continue;
        }
        double x = s_x(ind, i);
        double y = s_y(p50 ? p->p50 : p->value, lo, hi);
        if (p50) {
            d->rect(d->ctx, x - 3, y - 3, 6, 6, color, 1.0, color);
        } else {
            d->circle(d->ctx, x, y, 4, color, 1.0, 0xFFFFFFu);
        }
    }
}

void report_curve_draw(const report_indicator_t *ind, const report_i18n_t *m,
                       const report_draw_t *d)
{
    double lo = 0, hi = 1;
    s_range(ind, &lo, &hi);
    if (d->begin) {
        d->begin(d->ctx, "curve");
    }
    /* Legend. */
    d->circle(d->ctx, S_LEFT + 4, 10, 4, S_VALUE_COLOR, 1.0, 0xFFFFFFu);
    d->text(d->ctx, S_LEFT + 12, 14, report_i18n_get(m, "curve.value"),
            S_FONT, -1, REPORT_GREY_TEXT, 0);
    double lx = S_LEFT + 150;
    d->line(d->ctx, lx - 8, 10, lx + 8, 10, S_P50_COLOR, 2.0, 1);
    d->rect(d->ctx, lx - 3, 7, 6, 6, S_P50_COLOR, 1.0, S_P50_COLOR);
    d->text(d->ctx, lx + 12, 14, report_i18n_get(m, "curve.p50"), S_FONT,
            -1, REPORT_GREY_TEXT, 0);
    /* Axes: the y range at both ends, the periods below. */
    double y0 = s_y(lo, lo, hi), y1 = s_y(hi, lo, hi);
    double x1 = REPORT_CURVE_WIDTH - S_RIGHT;
    d->line(d->ctx, S_LEFT, y0, x1, y0, REPORT_GREY_LINE, 1.0, 0);
    d->line(d->ctx, S_LEFT, y1, x1, y1, REPORT_GREY_LINE, 1.0, 1);
    char buf[64];
    int dec = hi - lo >= 10 ? 0 : hi - lo >= 1 ? 1 : 2;
    report_i18n_number(m, lo, dec, buf, sizeof buf);
    d->text(d->ctx, S_LEFT - 6, y0 + 4, buf, S_FONT, 1, REPORT_GREY_MUTED,
            0);
    report_i18n_number(m, hi, dec, buf, sizeof buf);
    d->text(d->ctx, S_LEFT - 6, y1 + 4, buf, S_FONT, 1, REPORT_GREY_MUTED,
            0);
    for (size_t i = 0; i < ind->curve_count; i++) {
        snprintf(buf, sizeof buf, "%d", ind->curve[i].period);
        d->text(d->ctx, s_x(ind, i), REPORT_CURVE_HEIGHT - 6, buf, S_FONT, 0,
                REPORT_GREY_MUTED, 0);
    }
    s_series(ind, 1, lo, hi, d);
    s_series(ind, 0, lo, hi, d);
    if (d->end) {
        d->end(d->ctx);
    }
}

static void s_draw(const void *arg, const report_i18n_t *m,
                   const report_draw_t *d)
{
    report_curve_draw(arg, m, d);
}

/* "2023: 12.5 (median 14.0); 2024: ..." */
static char *s_desc(const report_indicator_t *ind, const report_i18n_t *m)
{
    size_t cap = 64 + ind->curve_count * 96;
    char *s = malloc(cap);
    if (s == NULL) {
        return NULL;
    }
    size_t used = 0;
    s[0] = '\0';
    for (size_t i = 0; i < ind->curve_count; i++) {
        const report_curve_point_t *p = &ind->curve[i];
        char v[32] = "–", med[32] = "–";
        if (p->status == REPORT_STATUS_OK) {
            report_i18n_number(m, p->value, 1, v, sizeof v);
        }
        if (p->has_p50) {
            report_i18n_number(m, p->p50, 1, med, sizeof med);
        }
        int w = snprintf(s + used, cap - used, "%s%d: %s (%s %s)",
                         i ? "; " : "", p->period, v,
                         report_i18n_get(m, "curve.p50"), med);
        if (w < 0 || (size_t)w >= cap - used) {
            break;
        }
        used += (size_t)w;
    }
    return s;
}

int report_curve_svg(const report_indicator_t *ind, const report_i18n_t *m,
                     const char *id_prefix, char **out, bl_err_t *err)
{
    char *title = report_i18n_format(m, "curve.title", "id", ind->id,
                                     "name", ind->name, NULL);
    char *desc = s_desc(ind, m);
    int rc;
    if (title == NULL || desc == NULL) {
        *out = NULL;
        rc = bl_err_set(err, BL_ENOMEM, "curve: out of memory");
    } else {
        rc = report_chart_svg_draw(REPORT_CURVE_WIDTH, REPORT_CURVE_HEIGHT,
                                   s_draw, ind, m, id_prefix, title, desc,
                                   out, err);
    }
    free(title);
    free(desc);
    return rc;
}
