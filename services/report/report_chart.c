/*
 * report_chart: geometry first, drawing second.  report_chart_build decides
 * every coordinate; the backends only turn primitives into SVG text or cairo
 * calls, so that the HTML and the PDF show the same picture and the tests
 * can check positions without parsing pixels.
 */
#include "report_chart.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef BL_HAVE_CAIRO
#include <pango/pangocairo.h>
#endif

#include "bl_number.h"

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
    if (r->has_marker) {
        s_begin(d, "provider-marker");
        s_diamond(d, r->x_marker, r->y, 8.5, REPORT_OI_VERMILLION,
                  REPORT_OI_BLACK);
        s_end(d);
    }
    s_end(d);
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

/* ---- SVG backend ---------------------------------------------------- */

typedef struct s_svg {
    char *p;
    size_t len;
    size_t cap;
    int oom;
} s_svg_t;

static void s_svg_add(s_svg_t *b, const char *s, size_t n)
{
    if (b->oom) {
        return;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) {
            cap *= 2;
        }
        char *p = realloc(b->p, cap);
        if (p == NULL) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void s_svg_printf(s_svg_t *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void s_svg_printf(s_svg_t *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = 1;
        return;
    }
    if ((size_t)n < sizeof small) {
        s_svg_add(b, small, (size_t)n);
        return;
    }
    char *tmp = malloc((size_t)n + 1);
    if (tmp == NULL) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    s_svg_add(b, tmp, (size_t)n);
    free(tmp);
}

/* Appends v with decimals digits, as "%.*f" would (the charts write many
 * thousands of coordinates: printf's float path was half the time). */
static void s_svg_num(s_svg_t *b, double v, int decimals)
{
    char num[64];
    int n = bl_number_fixed(num, sizeof num, v, decimals);
    if (n > 0 && (size_t)n < sizeof num) {
        s_svg_add(b, num, (size_t)n);
    } else {
        s_svg_printf(b, "%.*f", decimals, v);
    }
}

/* Appends text, then v with 2 decimals, then a closing quote: one
 * attribute (text is ` x="`). */
static void s_svg_attr(s_svg_t *b, const char *text, double v)
{
    s_svg_add(b, text, strlen(text));
    s_svg_num(b, v, 2);
    s_svg_add(b, "\"", 1);
}

/* XML text and attribute escaping. */
static void s_svg_escape(s_svg_t *b, const char *s)
{
    for (const char *p = s; p != NULL && *p != '\0'; p++) {
        switch (*p) {
        case '<':
            s_svg_add(b, "&lt;", 4);
            break;
        case '>':
            s_svg_add(b, "&gt;", 4);
            break;
        case '&':
            s_svg_add(b, "&amp;", 5);
            break;
        case '"':
            s_svg_add(b, "&quot;", 6);
            break;
        case '\'':
            s_svg_add(b, "&#39;", 5);
            break;
        default:
            s_svg_add(b, p, 1);
            break;
        }
    }
}

static void s_svg_color(s_svg_t *b, const char *attr, uint32_t color)
{
    s_svg_add(b, " ", 1);
    s_svg_add(b, attr, strlen(attr));
    if (color == REPORT_COLOR_NONE) {
        s_svg_add(b, "=\"none\"", 7);
        return;
    }
    if (color > 0xFFFFFFu) {
        s_svg_printf(b, "=\"#%06X\"", (unsigned)color);
        return;
    }
    static const char hex[] = "0123456789ABCDEF";
    char v[11] = "=\"#000000\"";
    for (int i = 0; i < 6; i++) {
        v[8 - i] = hex[(color >> (4 * i)) & 0xfu];
    }
    s_svg_add(b, v, 10);
}

static void s_svg_begin(void *ctx, const char *part)
{
    s_svg_printf(ctx, "<g class=\"%s\">", part);
}

static void s_svg_end(void *ctx)
{
    s_svg_add(ctx, "</g>", 4);
}

static void s_svg_line(void *ctx, double x1, double y1, double x2, double y2,
                       uint32_t color, double width, int dashed)
{
    s_svg_t *b = ctx;
    s_svg_attr(b, "<line x1=\"", x1);
    s_svg_attr(b, " y1=\"", y1);
    s_svg_attr(b, " x2=\"", x2);
    s_svg_attr(b, " y2=\"", y2);
    s_svg_color(b, "stroke", color);
    s_svg_add(b, " stroke-width=\"", 15);
    s_svg_num(b, width, 1);
    s_svg_add(b, "\"", 1);
    if (dashed) {
        s_svg_add(b, " stroke-dasharray=\"4 3\"", 23);
    }
    s_svg_add(b, "/>", 2);
}

static void s_svg_rect(void *ctx, double x, double y, double w, double h,
                       uint32_t fill, double opacity, uint32_t stroke)
{
    s_svg_t *b = ctx;
    s_svg_attr(b, "<rect x=\"", x);
    s_svg_attr(b, " y=\"", y);
    s_svg_attr(b, " width=\"", w);
    s_svg_attr(b, " height=\"", h);
    s_svg_color(b, "fill", fill);
    s_svg_attr(b, " fill-opacity=\"", opacity);
    s_svg_color(b, "stroke", stroke);
    s_svg_add(b, "/>", 2);
}

static void s_svg_circle(void *ctx, double cx, double cy, double r,
                         uint32_t fill, double opacity, uint32_t stroke)
{
    s_svg_t *b = ctx;
    s_svg_attr(b, "<circle cx=\"", cx);
    s_svg_attr(b, " cy=\"", cy);
    s_svg_attr(b, " r=\"", r);
    s_svg_color(b, "fill", fill);
    s_svg_attr(b, " fill-opacity=\"", opacity);
    s_svg_color(b, "stroke", stroke);
    s_svg_add(b, "/>", 2);
}

static void s_svg_polygon(void *ctx, const double *xy, size_t points,
                          uint32_t fill, uint32_t stroke)
{
    s_svg_t *b = ctx;
    s_svg_add(b, "<polygon points=\"", 17);
    for (size_t i = 0; i < points; i++) {
        if (i > 0) {
            s_svg_add(b, " ", 1);
        }
        s_svg_num(b, xy[2 * i], 2);
        s_svg_add(b, ",", 1);
        s_svg_num(b, xy[2 * i + 1], 2);
    }
    s_svg_add(b, "\"", 1);
    s_svg_color(b, "fill", fill);
    s_svg_color(b, "stroke", stroke);
    s_svg_add(b, "/>", 2);
}

static void s_svg_text(void *ctx, double x, double y, const char *utf8,
                       double size, int anchor, uint32_t color, int bold)
{
    s_svg_t *b = ctx;
    const char *a = anchor < 0 ? "start" : anchor > 0 ? "end" : "middle";
    s_svg_attr(b, "<text x=\"", x);
    s_svg_attr(b, " y=\"", y);
    s_svg_add(b, " font-size=\"", 12);
    s_svg_num(b, size, 0);
    s_svg_printf(b, "\" text-anchor=\"%s\"%s", a,
                 bold ? " font-weight=\"bold\"" : "");
    s_svg_color(b, "fill", color);
    s_svg_add(b, ">", 1);
    s_svg_escape(b, utf8);
    s_svg_add(b, "</text>", 7);
}

static void s_svg_backend(report_draw_t *d, s_svg_t *b)
{
    d->ctx = b;
    d->begin = s_svg_begin;
    d->end = s_svg_end;
    d->line = s_svg_line;
    d->rect = s_svg_rect;
    d->circle = s_svg_circle;
    d->polygon = s_svg_polygon;
    d->text = s_svg_text;
}

static void s_svg_id(s_svg_t *b, const char *prefix, const char *suffix)
{
    for (const char *p = prefix; p != NULL && *p != '\0'; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                 || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        s_svg_add(b, ok ? p : "_", 1);
    }
    s_svg_add(b, suffix, strlen(suffix));
}

static const char *const s_font =
    "font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\"";

int report_chart_svg_draw(double width, double height,
                          report_draw_fn draw, const void *arg,
                          const report_i18n_t *m, const char *id_prefix,
                          const char *title, const char *desc, char **out,
                          bl_err_t *err)
{
    s_svg_t b = {0};
    *out = NULL;
    s_svg_printf(&b, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
                 "width=\"%.0f\" height=\"%.0f\" role=\"img\" %s "
                 "aria-labelledby=\"", width, height, width, height, s_font);
    s_svg_id(&b, id_prefix, "-title");
    if (desc != NULL) {
        s_svg_add(&b, " ", 1);
        s_svg_id(&b, id_prefix, "-desc");
    }
    s_svg_add(&b, "\"><title id=\"", 13);
    s_svg_id(&b, id_prefix, "-title");
    s_svg_add(&b, "\">", 2);
    s_svg_escape(&b, title != NULL ? title : "");
    s_svg_add(&b, "</title>", 8);
    if (desc != NULL) {
        s_svg_add(&b, "<desc id=\"", 10);
        s_svg_id(&b, id_prefix, "-desc");
        s_svg_add(&b, "\">", 2);
        s_svg_escape(&b, desc);
        s_svg_add(&b, "</desc>", 7);
    }
    report_draw_t d;
    s_svg_backend(&d, &b);
    draw(arg, m, &d);
    s_svg_add(&b, "</svg>", 6);
    if (b.oom) {
        free(b.p);
        return bl_err_set(err, BL_ENOMEM, "chart: out of memory");
    }
    *out = b.p;
    return 0;
}

static void s_draw_chart(const void *arg, const report_i18n_t *m,
                         const report_draw_t *d)
{
    report_chart_draw(arg, m, d);
}

int report_chart_svg(const report_chart_t *c, const report_i18n_t *m,
                     const char *id_prefix, const char *title,
                     const char *desc, char **out, bl_err_t *err)
{
    return report_chart_svg_draw(c->width, c->height, s_draw_chart, c, m,
                                 id_prefix, title, desc, out, err);
}

int report_chart_legend_svg(const report_i18n_t *m, char **out,
                            bl_err_t *err)
{
    s_svg_t b = {0};
    *out = NULL;
    s_svg_printf(&b, "<svg class=\"legend\" viewBox=\"0 0 %.0f %.0f\" "
                 "width=\"%.0f\" height=\"%.0f\" aria-hidden=\"true\" %s>",
                 REPORT_LEGEND_WIDTH, REPORT_LEGEND_HEIGHT,
                 REPORT_LEGEND_WIDTH, REPORT_LEGEND_HEIGHT, s_font);
    report_draw_t d;
    s_svg_backend(&d, &b);
    report_chart_draw_legend(m, &d);
    s_svg_add(&b, "</svg>", 6);
    if (b.oom) {
        free(b.p);
        return bl_err_set(err, BL_ENOMEM, "legend: out of memory");
    }
    *out = b.p;
    return 0;
}

/* ---- cairo backend -------------------------------------------------- */

#ifdef BL_HAVE_CAIRO

static void s_cr_rgb(cairo_t *cr, uint32_t c, double alpha)
{
    cairo_set_source_rgba(cr, ((c >> 16) & 0xFF) / 255.0,
                          ((c >> 8) & 0xFF) / 255.0, (c & 0xFF) / 255.0,
                          alpha);
}

static void s_cr_line(void *ctx, double x1, double y1, double x2, double y2,
                      uint32_t color, double width, int dashed)
{
    cairo_t *cr = ctx;
    if (color == REPORT_COLOR_NONE) {
        return;
    }
    cairo_save(cr);
    if (dashed) {
        double dash[2] = {4, 3};
        cairo_set_dash(cr, dash, 2, 0);
    }
    cairo_set_line_width(cr, width);
    s_cr_rgb(cr, color, 1.0);
    cairo_move_to(cr, x1, y1);
    cairo_line_to(cr, x2, y2);
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void s_cr_fill_stroke(cairo_t *cr, uint32_t fill, double opacity,
                             uint32_t stroke)
{
    if (fill != REPORT_COLOR_NONE) {
        s_cr_rgb(cr, fill, opacity);
        cairo_fill_preserve(cr);
    }
    if (stroke != REPORT_COLOR_NONE) {
        s_cr_rgb(cr, stroke, 1.0);
        cairo_set_line_width(cr, 1.0);
        cairo_stroke_preserve(cr);
    }
    cairo_new_path(cr);
}

static void s_cr_rect(void *ctx, double x, double y, double w, double h,
                      uint32_t fill, double opacity, uint32_t stroke)
{
    cairo_rectangle(ctx, x, y, w, h);
    s_cr_fill_stroke(ctx, fill, opacity, stroke);
}

static void s_cr_circle(void *ctx, double cx, double cy, double r,
                        uint32_t fill, double opacity, uint32_t stroke)
{
    cairo_new_sub_path(ctx);
    cairo_arc(ctx, cx, cy, r, 0, 2 * M_PI);
    s_cr_fill_stroke(ctx, fill, opacity, stroke);
}

static void s_cr_polygon(void *ctx, const double *xy, size_t points,
                         uint32_t fill, uint32_t stroke)
{
    for (size_t i = 0; i < points; i++) {
        if (i == 0) {
            cairo_move_to(ctx, xy[0], xy[1]);
        } else {
            cairo_line_to(ctx, xy[2 * i], xy[2 * i + 1]);
        }
    }
    cairo_close_path(ctx);
    s_cr_fill_stroke(ctx, fill, 1.0, stroke);
}

static void s_cr_text(void *ctx, double x, double y, const char *utf8,
                      double size, int anchor, uint32_t color, int bold)
{
    cairo_t *cr = ctx;
    PangoLayout *layout = pango_cairo_create_layout(cr);
    if (layout == NULL) {
        return;
    }
    PangoFontDescription *fd = pango_font_description_from_string(
        "DejaVu Sans");
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold) {
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    }
    pango_layout_set_font_description(layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(layout, utf8, -1);
    PangoRectangle ink, logical;
    pango_layout_get_pixel_extents(layout, &ink, &logical);
    double baseline = pango_layout_get_baseline(layout) / (double)PANGO_SCALE;
    double left = anchor < 0 ? x
                : anchor > 0 ? x - logical.width : x - logical.width / 2.0;
    s_cr_rgb(cr, color, 1.0);
    cairo_move_to(cr, left, y - baseline);
    pango_cairo_show_layout(cr, layout);
    cairo_new_path(cr);
    g_object_unref(layout);
}

void report_chart_cairo_backend(report_draw_t *d, cairo_t *cr)
{
    memset(d, 0, sizeof *d);
    d->ctx = cr;
    d->line = s_cr_line;
    d->rect = s_cr_rect;
    d->circle = s_cr_circle;
    d->polygon = s_cr_polygon;
    d->text = s_cr_text;
}

#endif
