/*
 * report_chart_svg: the SVG backend of report_chart — the drawing
 * primitives written as SVG text into a growing buffer (for the HTML
 * report), and the SVG documents of a chart and of its legend.  Numbers
 * go through bl_number_fixed: a report writes thousands of coordinates.
 */
#include "report_chart.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
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

/* Appends a string literal. */
#define S_LIT(b, lit) s_svg_add((b), (lit), sizeof(lit) - 1)

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
 * thousands of coordinates: printf's float path was half the time).  The
 * usual case (0 to 2 decimals, |v| below 10^9) is written here as
 * bl_number_fixed writes it: |v| 10^decimals rounded to an integer, the
 * sign of v (also of a zero), and the digits; a value near a tie is left
 * to bl_number_fixed, which leaves it to printf. */
static void s_svg_num(s_svg_t *b, double v, int decimals)
{
    static const double p10[] = {1.0, 10.0, 100.0};
    if (decimals >= 0 && decimals <= 2 && v > -1e9 && v < 1e9) {
        double x = fabs(v) * p10[decimals];
        uint64_t whole = (uint64_t)x;   /* floor: x is not negative */
        double frac = x - (double)whole;
        if (!(fabs(frac - 0.5) <= x * 4.5e-16 + 1e-12)) {
            uint64_t n = whole + (frac > 0.5 ? 1u : 0u);
            uint64_t ip = decimals == 0 ? n : decimals == 1 ? n / 10 : n / 100;
            char digits[24];
            size_t nd = 0;
            do {
                digits[nd++] = (char)('0' + ip % 10);
                ip /= 10;
            } while (ip > 0);
            char tmp[32];
            size_t len = 0;
            if (signbit(v)) {
                tmp[len++] = '-';
            }
            while (nd > 0) {
                tmp[len++] = digits[--nd];
            }
            if (decimals == 1) {
                tmp[len++] = '.';
                tmp[len++] = (char)('0' + n % 10);
            } else if (decimals == 2) {
                tmp[len++] = '.';
                tmp[len++] = (char)('0' + n / 10 % 10);
                tmp[len++] = (char)('0' + n % 10);
            }
            s_svg_add(b, tmp, len);
            return;
        }
    }
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
    S_LIT(b, "\"");
}

/* XML text and attribute escaping, in runs between the escapes. */
static void s_svg_escape(s_svg_t *b, const char *s)
{
    if (s == NULL) {
        return;
    }
    const char *run = s;
    for (const char *p = s;; p++) {
        const char *esc;
        size_t el;
        switch (*p) {
        case '<':
            esc = "&lt;";
            el = 4;
            break;
        case '>':
            esc = "&gt;";
            el = 4;
            break;
        case '&':
            esc = "&amp;";
            el = 5;
            break;
        case '"':
            esc = "&quot;";
            el = 6;
            break;
        case '\'':
            esc = "&#39;";
            el = 5;
            break;
        case '\0':
            s_svg_add(b, run, (size_t)(p - run));
            return;
        default:
            continue;
        }
        s_svg_add(b, run, (size_t)(p - run));
        s_svg_add(b, esc, el);
        run = p + 1;
    }
}

static void s_svg_color(s_svg_t *b, const char *attr, uint32_t color)
{
    S_LIT(b, " ");
    s_svg_add(b, attr, strlen(attr));
    if (color == REPORT_COLOR_NONE) {
        S_LIT(b, "=\"none\"");
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
    s_svg_t *b = ctx;
    S_LIT(b, "<g class=\"");
    s_svg_add(b, part, strlen(part));
    S_LIT(b, "\">");
}

static void s_svg_end(void *ctx)
{
    S_LIT(ctx, "</g>");
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
    S_LIT(b, " stroke-width=\"");
    s_svg_num(b, width, 1);
    S_LIT(b, "\"");
    if (dashed) {
        S_LIT(b, " stroke-dasharray=\"4 3\"");
    }
    S_LIT(b, "/>");
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
    S_LIT(b, "/>");
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
    S_LIT(b, "/>");
}

static void s_svg_polygon(void *ctx, const double *xy, size_t points,
                          uint32_t fill, uint32_t stroke)
{
    s_svg_t *b = ctx;
    S_LIT(b, "<polygon points=\"");
    for (size_t i = 0; i < points; i++) {
        if (i > 0) {
            S_LIT(b, " ");
        }
        s_svg_num(b, xy[2 * i], 2);
        S_LIT(b, ",");
        s_svg_num(b, xy[2 * i + 1], 2);
    }
    S_LIT(b, "\"");
    s_svg_color(b, "fill", fill);
    s_svg_color(b, "stroke", stroke);
    S_LIT(b, "/>");
}

static void s_svg_text(void *ctx, double x, double y, const char *utf8,
                       double size, int anchor, uint32_t color, int bold)
{
    s_svg_t *b = ctx;
    const char *a = anchor < 0 ? "\" text-anchor=\"start\""
                    : anchor > 0 ? "\" text-anchor=\"end\""
                                 : "\" text-anchor=\"middle\"";
    s_svg_attr(b, "<text x=\"", x);
    s_svg_attr(b, " y=\"", y);
    S_LIT(b, " font-size=\"");
    s_svg_num(b, size, 0);
    s_svg_add(b, a, strlen(a));
    if (bold) {
        S_LIT(b, " font-weight=\"bold\"");
    }
    s_svg_color(b, "fill", color);
    S_LIT(b, ">");
    s_svg_escape(b, utf8);
    S_LIT(b, "</text>");
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
    S_LIT(&b, "<svg class=\"chart\" viewBox=\"0 0 ");
    s_svg_num(&b, width, 0);
    S_LIT(&b, " ");
    s_svg_num(&b, height, 0);
    S_LIT(&b, "\" width=\"");
    s_svg_num(&b, width, 0);
    S_LIT(&b, "\" height=\"");
    s_svg_num(&b, height, 0);
    S_LIT(&b, "\" role=\"img\" ");
    s_svg_add(&b, s_font, strlen(s_font));
    S_LIT(&b, " aria-labelledby=\"");
    s_svg_id(&b, id_prefix, "-title");
    if (desc != NULL) {
        S_LIT(&b, " ");
        s_svg_id(&b, id_prefix, "-desc");
    }
    S_LIT(&b, "\"><title id=\"");
    s_svg_id(&b, id_prefix, "-title");
    S_LIT(&b, "\">");
    s_svg_escape(&b, title != NULL ? title : "");
    S_LIT(&b, "</title>");
    if (desc != NULL) {
        S_LIT(&b, "<desc id=\"");
        s_svg_id(&b, id_prefix, "-desc");
        S_LIT(&b, "\">");
        s_svg_escape(&b, desc);
        S_LIT(&b, "</desc>");
    }
    report_draw_t d;
    s_svg_backend(&d, &b);
    draw(arg, m, &d);
    S_LIT(&b, "</svg>");
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
    S_LIT(&b, "</svg>");
    if (b.oom) {
        free(b.p);
        return bl_err_set(err, BL_ENOMEM, "legend: out of memory");
    }
    *out = b.p;
    return 0;
}
