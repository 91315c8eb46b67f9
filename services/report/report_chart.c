/*
 * report_chart: geometry first, drawing second.  report_chart_build decides
 * every coordinate; the backends only turn primitives into SVG text or cairo
 * calls, so that the HTML and the PDF show the same picture and the tests
 * can check positions without parsing pixels.  The backends are
 * report_chart_svg.c and report_chart_cairo.c.
 */
#include "report_chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Layout, px.  Text sizes are chosen for a chart about 720 px wide that
 * the page scales to its column: on screen it grows a little, on A4 it
 * shrinks a little, and 12 px labels stay readable either way. */
#define S_LABEL_X 4.0
#define S_PLOT_LEFT 196.0
#define S_PLOT_RIGHT_PAD 28.0
#define S_TOP 8.0
#define S_ROW_H 52.0
#define S_AXIS_GAP 4.0
#define S_BOTTOM 46.0
#define S_FONT_LABEL 13.0
#define S_FONT_SMALL 11.0
#define S_FONT_AXIS 12.0
#define S_FONT_LEGEND 12.0
/* Average advance of a DejaVu Sans glyph, in em: the SVG backend cannot
 * measure text, so layout that must not overlap estimates with this. */
#define S_EM_ADVANCE 0.62

uint32_t report_chart_band_color(int band)
{
    switch (band) {
    case 4:
        return REPORT_OI_GREEN;
    case 3:
        return REPORT_OI_SKY;
    case 2:
        return REPORT_OI_ORANGE;
    case 1:
        return REPORT_OI_VERMILLION;
    default:
        return REPORT_GREY_LINE;
    }
}

double report_chart_x(const report_chart_t *c, double v)
{
    return c->plot_x0 + (v - c->lo) / (c->hi - c->lo)
                            * (c->plot_x1 - c->plot_x0);
}

/* Growing [lo, hi] to hold v. */
static void s_span(double *lo, double *hi, int *any, double v)
{
    if (!isfinite(v)) {
        return;
    }
    if (!*any) {
        *lo = v;
        *hi = v;
        *any = 1;
        return;
    }
    if (v < *lo) {
        *lo = v;
    }
    if (v > *hi) {
        *hi = v;
    }
}

/* Round ticks: a step of 1, 2, 2.5 or 5 times a power of ten giving about
 * five intervals; the range is widened to whole steps. */
static void s_ticks(report_chart_t *c, double lo, double hi)
{
    double raw = (hi - lo) / 5.0;
    double mag = pow(10.0, floor(log10(raw)));
    double norm = raw / mag;
    double mult = norm <= 1.0 ? 1.0
                : norm <= 2.0 ? 2.0
                : norm <= 2.5 ? 2.5
                : norm <= 5.0 ? 5.0 : 10.0;
    double step = mult * mag;
    c->lo = floor(lo / step + 1e-9) * step;
    c->hi = ceil(hi / step - 1e-9) * step;
    if (c->hi <= c->lo) {
        c->hi = c->lo + step;
    }
    int dec = (int)-floor(log10(step) + 1e-9);
    if (mult == 2.5) {
        dec++;
    }
    c->tick_decimals = dec > 0 ? dec : 0;
    c->tick_count = 0;
    for (double t = c->lo; t <= c->hi + step * 1e-6
                           && c->tick_count < REPORT_CHART_TICKS_MAX;
         t += step) {
        c->ticks[c->tick_count++] = fabs(t) < step * 1e-9 ? 0.0 : t;
    }
}

int report_chart_build(report_chart_t *c, const report_indicator_t *ind,
                       double width, bl_err_t *err)
{
    if (c == NULL || ind == NULL || !(width >= 300.0)) {
        return bl_err_set(err, BL_EINVAL, "chart: invalid argument");
    }
    memset(c, 0, sizeof *c);
    c->ind = ind;
    c->width = width;
    c->plot_x0 = S_PLOT_LEFT;
    c->plot_x1 = width - S_PLOT_RIGHT_PAD;
    size_t rows = ind->group_count > 0 ? ind->group_count : 1;
    c->rows = calloc(rows, sizeof *c->rows);
    if (c->rows == NULL) {
        return bl_err_set(err, BL_ENOMEM, "chart: out of memory");
    }
    c->row_count = ind->group_count;

    double lo = 0.0, hi = 0.0;
    int any = 0;
    int has_value = ind->status == REPORT_STATUS_OK && isfinite(ind->value);
    if (has_value) {
        s_span(&lo, &hi, &any, ind->value);
    }
    for (size_t i = 0; i < ind->group_count; i++) {
        const report_group_t *g = &ind->groups[i];
        if (g->too_few_peers) {
            continue;
        }
        s_span(&lo, &hi, &any, g->min);
        s_span(&lo, &hi, &any, g->max);
        s_span(&lo, &hi, &any, g->best_in_class);
        for (size_t k = 0; k < g->peer_count && g->peers != NULL; k++) {
            s_span(&lo, &hi, &any, g->peers[k]);
        }
        if (g->has_reference) {
            s_span(&lo, &hi, &any, g->reference);
        }
    }
    if (!any) {
        lo = 0.0;
        hi = 1.0;
    } else if (hi - lo <= 1e-9 * fabs(hi)) {
        /* All figures equal: centre them in a small range. */
        double pad = fabs(hi) > 0 ? fabs(hi) * 0.1 : 1.0;
        lo -= pad;
        hi += pad;
    } else {
        double pad = (hi - lo) * 0.04;
        int nonneg = lo >= 0.0;
        /* A share never passes 100%: no axis running on to "120%". */
        int share = ind->unit != NULL && strcmp(ind->unit, "%") == 0
                    && hi <= 100.0;
        lo -= pad;
        hi += pad;
        if (nonneg && lo < 0.0) {
            lo = 0.0;
        }
        if (share && hi > 100.0) {
            hi = 100.0;
        }
    }
    s_ticks(c, lo, hi);

    for (size_t i = 0; i < c->row_count; i++) {
        const report_group_t *g = &ind->groups[i];
        report_chart_row_t *r = &c->rows[i];
        r->group = g;
        r->y = S_TOP + S_ROW_H * ((double)i + 0.5);
        if (g->too_few_peers) {
            continue;
        }
        r->has_box = 1;
        r->x_min = report_chart_x(c, g->min);
        r->x_p10 = report_chart_x(c, g->p10);
        r->x_p25 = report_chart_x(c, g->p25);
        r->x_p50 = report_chart_x(c, g->p50);
        r->x_p75 = report_chart_x(c, g->p75);
        r->x_p90 = report_chart_x(c, g->p90);
        r->x_max = report_chart_x(c, g->max);
        r->has_best = isfinite(g->best_in_class);
        r->x_best = report_chart_x(c, g->best_in_class);
        r->has_ref = g->has_reference && isfinite(g->reference);
        r->x_ref = report_chart_x(c, g->reference);
        r->has_marker = has_value;
        r->x_marker = report_chart_x(c, ind->value);
    }
    c->axis_y = S_TOP + S_ROW_H * (double)(rows) + S_AXIS_GAP;
    c->height = c->axis_y + S_BOTTOM;
    return 0;
}

void report_chart_free(report_chart_t *c)
{
    if (c == NULL) {
        return;
    }
    free(c->rows);
    c->rows = NULL;
    c->row_count = 0;
}

/* ---- drawing, backend-independent ---------------------------------- */

static void s_begin(const report_draw_t *d, const char *part)
{
    if (d->begin != NULL) {
        d->begin(d->ctx, part);
    }
}

static void s_end(const report_draw_t *d)
{
    if (d->end != NULL) {
        d->end(d->ctx);
    }
}

static void s_diamond(const report_draw_t *d, double cx, double cy, double r,
                      uint32_t fill, uint32_t stroke)
{
    double xy[8] = {cx, cy - r, cx + r, cy, cx, cy + r, cx - r, cy};
    d->polygon(d->ctx, xy, 4, fill, stroke);
}

static void s_triangle(const report_draw_t *d, double cx, double top,
                       double r, uint32_t fill)
{
    double xy[6] = {cx - r, top - r * 1.4, cx + r, top - r * 1.4, cx, top};
    d->polygon(d->ctx, xy, 3, fill, REPORT_COLOR_NONE);
}

/* The label of a group id: messages "group.<id>", else the id made
 * readable (first letter capitalised, '_' as ' '). */
static const char *s_group_label(const report_i18n_t *m, const char *id,
                                 char *buf, size_t len)
{
    snprintf(buf, len, "group.%s", id != NULL ? id : "");
    const char *t = report_i18n_get(m, buf);
    if (t != buf && strcmp(t, buf) != 0) {
        return t;
    }
    snprintf(buf, len, "%s", id != NULL ? id : "");
    for (char *p = buf; *p != '\0'; p++) {
        if (*p == '_') {
            *p = ' ';
        }
    }
    if (buf[0] >= 'a' && buf[0] <= 'z') {
        buf[0] = (char)(buf[0] - 'a' + 'A');
    }
    return buf;
}

/* The number of characters (UTF-8 code points) of s. */
static size_t s_chars(const char *s)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)s;
         p != NULL && *p != '\0'; p++) {
        n += (*p & 0xC0u) != 0x80u;
    }
    return n;
}

/* The estimated width of s at size px. */
static double s_text_w(const char *s, double size)
{
    return (double)s_chars(s) * size * S_EM_ADVANCE;
}

/* Copies s into buf, cut with an ellipsis so that it fits in max px at
 * size; returns buf. */
static const char *s_fit(const char *s, double size, double max, char *buf,
                         size_t len)
{
    snprintf(buf, len, "%s", s != NULL ? s : "");
    if (s_text_w(buf, size) <= max) {
        return buf;
    }
    size_t keep = (size_t)(max / (size * S_EM_ADVANCE));
    keep = keep > 1 ? keep - 1 : 0;
    size_t i = 0;
    size_t chars = 0;
    while (buf[i] != '\0') {
        if (((unsigned char)buf[i] & 0xC0u) != 0x80u) {
            if (chars == keep) {
                break;
            }
            chars++;
        }
        i++;
    }
    if (i + 4 <= len) {
        memcpy(buf + i, "\xE2\x80\xA6", 4);   /* U+2026, with its NUL */
    } else {
        buf[i] = '\0';
    }
    return buf;
}

/* A fixed pseudo-random vertical offset in [-0.5, 0.5) per dot, so that the
 * same figures always give the same picture. */
static double s_jitter(size_t k)
{
    double v = (double)k * 0.6180339887498949;
    return v - floor(v) - 0.5;
}

/* The provider's marker on row r, when it has a value. */
static void s_draw_marker(const report_chart_row_t *r, const report_draw_t *d)
{
    if (r->has_marker) {
        s_begin(d, "provider-marker");
        s_diamond(d, r->x_marker, r->y, 8.5, REPORT_OI_VERMILLION,
                  REPORT_OI_BLACK);
        s_end(d);
    }
}

static void s_draw_row(const report_chart_t *c, const report_chart_row_t *r,
                       const report_i18n_t *m, const report_draw_t *d)
{
    const report_group_t *g = r->group;
    char buf[160];
    char fit[160];
    char n[32];
    double room = S_PLOT_LEFT - S_LABEL_X - 10;
    const char *key = g->group_key != NULL ? g->group_key : "";
    snprintf(n, sizeof n, "n = %zu", g->n);
    snprintf(buf, sizeof buf, "%s · %s", key, n);
    /* Label, then "key · n" on one line when it fits, else on two. */
    int two = s_text_w(buf, S_FONT_SMALL) <= room || key[0] == '\0';
    s_begin(d, "peer-group");
    d->text(d->ctx, S_LABEL_X, r->y + (two ? -5 : -10),
            s_fit(s_group_label(m, g->group_id, buf, sizeof buf),
                  S_FONT_LABEL, room, fit, sizeof fit),
            S_FONT_LABEL, -1, REPORT_GREY_TEXT, 1);
    if (two) {
        snprintf(buf, sizeof buf, key[0] != '\0' ? "%s · %s" : "%s%s", key,
                 n);
        d->text(d->ctx, S_LABEL_X, r->y + 11, buf, S_FONT_SMALL, -1,
                REPORT_GREY_MUTED, 0);
    } else {
        d->text(d->ctx, S_LABEL_X, r->y + 5,
                s_fit(key, S_FONT_SMALL, room, fit, sizeof fit),
                S_FONT_SMALL, -1, REPORT_GREY_MUTED, 0);
        d->text(d->ctx, S_LABEL_X, r->y + 19, n, S_FONT_SMALL, -1,
                REPORT_GREY_MUTED, 0);
    }
    if (!r->has_box) {
        d->text(d->ctx, (c->plot_x0 + c->plot_x1) / 2, r->y + 4,
                report_i18n_get(m, "status.too_few_peers"), S_FONT_AXIS, 0,
                REPORT_GREY_MUTED, 0);
        s_end(d);
        return;
    }
    d->line(d->ctx, c->plot_x0, r->y, c->plot_x1, r->y, 0xEEEEEEu, 1, 0);
    double h = 13.0;
    s_begin(d, "box");
    d->line(d->ctx, r->x_p10, r->y, r->x_p25, r->y, REPORT_OI_BLUE, 1.5, 0);
    d->line(d->ctx, r->x_p75, r->y, r->x_p90, r->y, REPORT_OI_BLUE, 1.5, 0);
    d->line(d->ctx, r->x_p10, r->y - h / 2, r->x_p10, r->y + h / 2,
            REPORT_OI_BLUE, 1.5, 0);
    d->line(d->ctx, r->x_p90, r->y - h / 2, r->x_p90, r->y + h / 2,
            REPORT_OI_BLUE, 1.5, 0);
    d->rect(d->ctx, r->x_p25, r->y - h, r->x_p75 - r->x_p25, 2 * h,
            REPORT_OI_SKY, 0.30, REPORT_OI_BLUE);
    s_end(d);
    if (g->peers != NULL && g->peer_count > 0) {
        s_begin(d, "peers");
        for (size_t k = 0; k < g->peer_count; k++) {
            d->circle(d->ctx, report_chart_x(c, g->peers[k]),
                      r->y + s_jitter(k) * 2 * (h - 3), 3.0,
                      REPORT_GREY_TEXT, 0.45, REPORT_COLOR_NONE);
        }
        s_end(d);
    }
    s_begin(d, "median");
    d->line(d->ctx, r->x_p50, r->y - h, r->x_p50, r->y + h, REPORT_OI_BLUE,
            2.5, 0);
    s_end(d);
    if (r->has_ref) {
        s_begin(d, "reference");
        d->line(d->ctx, r->x_ref, r->y - h - 5, r->x_ref, r->y + h + 5,
                REPORT_OI_PURPLE, 2, 1);
        s_end(d);
    }
    if (r->has_best) {
        s_begin(d, "best-in-class");
        d->line(d->ctx, r->x_best, r->y - h - 2, r->x_best, r->y + h + 2,
                REPORT_OI_GREEN, 2.5, 0);
        s_triangle(d, r->x_best, r->y - h - 2, 4, REPORT_OI_GREEN);
        s_end(d);
    }
    s_draw_marker(r, d);
    s_end(d);
}

void report_chart_draw_markers(const report_chart_t *c,
                               const report_draw_t *d)
{
    for (size_t i = 0; i < c->row_count; i++) {
        if (c->rows[i].has_box) {
            s_draw_marker(&c->rows[i], d);
        }
    }
}

void report_chart_draw(const report_chart_t *c, const report_i18n_t *m,
                       const report_draw_t *d)
{
    char num[32];
    double top = S_TOP;
    s_begin(d, "grid");
    for (size_t i = 0; i < c->tick_count; i++) {
        double x = report_chart_x(c, c->ticks[i]);
        d->line(d->ctx, x, top, x, c->axis_y, 0xE4E4E4u, 1, 0);
    }
    s_end(d);
    for (size_t i = 0; i < c->row_count; i++) {
        s_draw_row(c, &c->rows[i], m, d);
    }
    if (c->row_count == 0) {
        d->text(d->ctx, (c->plot_x0 + c->plot_x1) / 2, S_TOP + S_ROW_H / 2,
                report_i18n_get(m, "status.too_few_peers"), S_FONT_AXIS, 0,
                REPORT_GREY_MUTED, 0);
    }
    /* A percentage reads best on every tick ("20%", as the figures are
     * written elsewhere); any other unit is the axis title, centred below
     * the ticks, so that no tick reads "12 /100 users". */
    const char *unit = c->ind->unit != NULL ? c->ind->unit : "";
    int pct = strcmp(unit, "%") == 0;
    s_begin(d, "axis");
    d->line(d->ctx, c->plot_x0, c->axis_y, c->plot_x1, c->axis_y,
            REPORT_GREY_MUTED, 1, 0);
    for (size_t i = 0; i < c->tick_count; i++) {
        double x = report_chart_x(c, c->ticks[i]);
        d->line(d->ctx, x, c->axis_y, x, c->axis_y + 4, REPORT_GREY_MUTED,
                1, 0);
        report_i18n_number(m, c->ticks[i], c->tick_decimals, num,
                           sizeof num - 1);
        if (pct) {
            strcat(num, "%");
        }
        d->text(d->ctx, x, c->axis_y + 18, num, S_FONT_AXIS, 0,
                REPORT_GREY_MUTED, 0);
    }
    if (!pct && unit[0] != '\0') {
        d->text(d->ctx, (c->plot_x0 + c->plot_x1) / 2, c->axis_y + 37, unit,
                S_FONT_AXIS, 0, REPORT_GREY_TEXT, 0);
    }
    if (c->ind->direction == REPORT_DIR_HIGHER) {
        d->text(d->ctx, c->plot_x1, c->axis_y + 37,
                report_i18n_get(m, "chart.better_right"), S_FONT_AXIS, 1,
                REPORT_GREY_MUTED, 0);
    } else {
        d->text(d->ctx, c->plot_x0, c->axis_y + 37,
                report_i18n_get(m, "chart.better_left"), S_FONT_AXIS, -1,
                REPORT_GREY_MUTED, 0);
    }
    s_end(d);
}

void report_chart_draw_legend(const report_i18n_t *m, const report_draw_t *d)
{
    /* Symbol, then its label; the items follow each other with estimated
     * widths, in a smaller type when a language's words are long. */
    const char *you = report_i18n_get(m, "legend.you");
    const char *box = report_i18n_get(m, "legend.box");
    const char *best = report_i18n_get(m, "legend.best");
    const char *ref = report_i18n_get(m, "legend.reference");
    const double icon[4] = {20, 28, 16, 16};
    const double gap = 18;
    double chars = (double)(s_chars(you) + s_chars(box) + s_chars(best)
                            + s_chars(ref));
    double fixed = 6 + icon[0] + icon[1] + icon[2] + icon[3] + 3 * gap;
    double size = S_FONT_LEGEND;
    if (fixed + chars * size * S_EM_ADVANCE > REPORT_LEGEND_WIDTH) {
        size = (REPORT_LEGEND_WIDTH - fixed) / (chars * S_EM_ADVANCE);
        size = size < 8 ? 8 : size;
    }
    double y = 13;
    double x = 6;
    s_begin(d, "legend");
    s_diamond(d, x + 7, y, 7, REPORT_OI_VERMILLION, REPORT_OI_BLACK);
    d->text(d->ctx, x + icon[0], y + 4, you, size, -1, REPORT_GREY_TEXT, 0);
    x += icon[0] + s_text_w(you, size) + gap;
    d->rect(d->ctx, x, y - 7, 20, 14, REPORT_OI_SKY, 0.30, REPORT_OI_BLUE);
    d->line(d->ctx, x + 10, y - 7, x + 10, y + 7, REPORT_OI_BLUE, 2.5, 0);
    d->text(d->ctx, x + icon[1], y + 4, box, size, -1, REPORT_GREY_TEXT, 0);
    x += icon[1] + s_text_w(box, size) + gap;
    d->line(d->ctx, x + 6, y - 8, x + 6, y + 8, REPORT_OI_GREEN, 2.5, 0);
    s_triangle(d, x + 6, y - 8, 3.5, REPORT_OI_GREEN);
    d->text(d->ctx, x + icon[2], y + 4, best, size, -1, REPORT_GREY_TEXT, 0);
    x += icon[2] + s_text_w(best, size) + gap;
    d->line(d->ctx, x + 6, y - 9, x + 6, y + 9, REPORT_OI_PURPLE, 2, 1);
    d->text(d->ctx, x + icon[3], y + 4, ref, size, -1, REPORT_GREY_TEXT, 0);
    s_end(d);
}
