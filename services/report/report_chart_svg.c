/*
 * report_chart_svg: the SVG backend of report_chart — the drawing
 * primitives written as SVG text into a growing buffer (for the HTML
 * report), and the SVG documents of a chart and of its legend.  Numbers
 * go through bl_number_fixed: a report writes thousands of coordinates.
 */
#include "report_chart.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_number.h"

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
