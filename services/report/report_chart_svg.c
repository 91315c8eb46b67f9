/*
 * report_chart_svg: the SVG backend of report_chart — the drawing
 * primitives written as SVG text into a growing buffer (for the HTML
 * report), and the SVG documents of a chart and of its legend.  Numbers
 * go through bl_number_fixed: a report writes thousands of coordinates.
 */
#include "report_chart.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_hash.h"
#include "bl_number.h"
#include "report_hw.h"

#define S_MARKS_MAX 8   /* provider markers a memorised picture holds */

typedef struct s_svg {
    char *p;
    size_t len;
    size_t cap;
    int oom;
    size_t marks[2 * S_MARKS_MAX];   /* [start, end) of each
                                        "provider-marker" part drawn */
    size_t n_marks;                  /* parts drawn (may pass the max) */
    int in_marker;                   /* inside a "provider-marker" part */
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
static void s_svg_put(void *ctx, const char *p, size_t n)
{
    s_svg_add(ctx, p, n);
}

static void s_svg_escape(s_svg_t *b, const char *s)
{
    report_hw_escape_runs(s, s_svg_put, b);
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
    if (strcmp(part, "provider-marker") == 0) {
        /* Noted for the memory of pictures (report_chart_svg_memo); the
         * part holds no other part. */
        if (b->n_marks < S_MARKS_MAX) {
            b->marks[2 * b->n_marks] = b->len;
        }
        b->in_marker = 1;
    }
    S_LIT(b, "<g class=\"");
    s_svg_add(b, part, strlen(part));
    S_LIT(b, "\">");
}

static void s_svg_end(void *ctx)
{
    s_svg_t *b = ctx;
    S_LIT(b, "</g>");
    if (b->in_marker) {
        if (b->n_marks < S_MARKS_MAX) {
            b->marks[2 * b->n_marks + 1] = b->len;
        }
        b->n_marks++;
        b->in_marker = 0;
    }
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

/* The opening of a chart's SVG element: its size, title and desc. */
static void s_svg_head(s_svg_t *b, double width, double height,
                       const char *id_prefix, const char *title,
                       const char *desc)
{
    S_LIT(b, "<svg class=\"chart\" viewBox=\"0 0 ");
    s_svg_num(b, width, 0);
    S_LIT(b, " ");
    s_svg_num(b, height, 0);
    S_LIT(b, "\" width=\"");
    s_svg_num(b, width, 0);
    S_LIT(b, "\" height=\"");
    s_svg_num(b, height, 0);
    S_LIT(b, "\" role=\"img\" ");
    s_svg_add(b, s_font, strlen(s_font));
    S_LIT(b, " aria-labelledby=\"");
    s_svg_id(b, id_prefix, "-title");
    if (desc != NULL) {
        S_LIT(b, " ");
        s_svg_id(b, id_prefix, "-desc");
    }
    S_LIT(b, "\"><title id=\"");
    s_svg_id(b, id_prefix, "-title");
    S_LIT(b, "\">");
    s_svg_escape(b, title != NULL ? title : "");
    S_LIT(b, "</title>");
    if (desc != NULL) {
        S_LIT(b, "<desc id=\"");
        s_svg_id(b, id_prefix, "-desc");
        S_LIT(b, "\">");
        s_svg_escape(b, desc);
        S_LIT(b, "</desc>");
    }
}

int report_chart_svg_draw(double width, double height,
                          report_draw_fn draw, const void *arg,
                          const report_i18n_t *m, const char *id_prefix,
                          const char *title, const char *desc, char **out,
                          bl_err_t *err)
{
    s_svg_t b = {0};
    *out = NULL;
    s_svg_head(&b, width, height, id_prefix, title, desc);
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

/* ---- the memory of pictures ----------------------------------------- */

#define S_MEMO_SLOTS 2048   /* pictures kept (a power of two) */

/* One picture: the drawing of a chart (between its desc and </svg>) with
 * the provider's markers it was drawn with, and where they are. */
typedef struct s_memo_slot {
    uint64_t hash;                   /* of key */
    char *key;                       /* what the drawing depends on */
    size_t key_len;
    char *draw;                      /* NULL: an empty slot */
    size_t draw_len;
    size_t marks[2 * S_MARKS_MAX];   /* [start, end) of each marker */
    size_t n_marks;
} s_memo_slot_t;

struct report_chart_memo {
    s_memo_slot_t slots[S_MEMO_SLOTS];
};

report_chart_memo_t *report_chart_memo_new(void)
{
    return calloc(1, sizeof(report_chart_memo_t));
}

void report_chart_memo_destroy(report_chart_memo_t **memo)
{
    if (memo == NULL || *memo == NULL) {
        return;
    }
    for (size_t i = 0; i < S_MEMO_SLOTS; i++) {
        free((*memo)->slots[i].key);
        free((*memo)->slots[i].draw);
    }
    free(*memo);
    *memo = NULL;
}

static void s_key_bytes(s_svg_t *k, const void *p, size_t n)
{
    s_svg_add(k, p, n);
}

static void s_key_double(s_svg_t *k, double v)
{
    s_key_bytes(k, &v, sizeof v);
}

static void s_key_size(s_svg_t *k, size_t v)
{
    s_key_bytes(k, &v, sizeof v);
}

/* A string with its length, NULL as "" (as the drawing takes it). */
static void s_key_str(s_svg_t *k, const char *s)
{
    size_t n = s != NULL ? strlen(s) : 0;
    s_key_size(k, n);
    s_key_bytes(k, s != NULL ? s : "", n);
}

/* Writes into k everything report_chart_draw draws c from, but for the
 * markers' places: the messages (by address), the axis, the unit and
 * direction, and each row's place, box, lines, labels and whether it has
 * a marker.  Returns 0 when c has peer dots (not memorised). */
static int s_chart_key(const report_chart_t *c, const report_i18n_t *m,
                       s_svg_t *k)
{
    uintptr_t mp = (uintptr_t)m;
    s_key_bytes(k, &mp, sizeof mp);
    s_key_double(k, c->width);
    s_key_double(k, c->height);
    s_key_double(k, c->plot_x0);
    s_key_double(k, c->plot_x1);
    s_key_double(k, c->lo);
    s_key_double(k, c->hi);
    s_key_size(k, c->tick_count);
    for (size_t i = 0; i < c->tick_count; i++) {
        s_key_double(k, c->ticks[i]);
    }
    s_key_size(k, (size_t)c->tick_decimals);
    s_key_double(k, c->axis_y);
    s_key_str(k, c->ind->unit);
    s_key_size(k, (size_t)c->ind->direction);
    s_key_size(k, c->row_count);
    for (size_t i = 0; i < c->row_count; i++) {
        const report_chart_row_t *r = &c->rows[i];
        const report_group_t *g = r->group;
        if (g->peers != NULL && g->peer_count > 0) {
            return 0;
        }
        s_key_str(k, g->group_id);
        s_key_str(k, g->group_key);
        s_key_size(k, g->n);
        s_key_double(k, r->y);
        int flags[4] = {r->has_box, r->has_best, r->has_ref, r->has_marker};
        s_key_bytes(k, flags, sizeof flags);
        if (!r->has_box) {
            continue;
        }
        double x[5] = {r->x_p10, r->x_p25, r->x_p50, r->x_p75, r->x_p90};
        s_key_bytes(k, x, sizeof x);
        if (r->has_best) {
            s_key_double(k, r->x_best);
        }
        if (r->has_ref) {
            s_key_double(k, r->x_ref);
        }
    }
    return 1;
}


/* Appends the memorised drawing of slot with the markers of c. */
static int s_memo_put(s_svg_t *b, const s_memo_slot_t *slot,
                      const report_chart_t *c)
{
    s_svg_t mk = {0};
    report_draw_t d;
    s_svg_backend(&d, &mk);
    report_chart_draw_markers(c, &d);
    if (mk.oom || mk.n_marks != slot->n_marks) {
        free(mk.p);
        return -1;
    }
    size_t at = 0;
    for (size_t i = 0; i < slot->n_marks; i++) {
        s_svg_add(b, slot->draw + at, slot->marks[2 * i] - at);
        s_svg_add(b, mk.p + mk.marks[2 * i],
                  mk.marks[2 * i + 1] - mk.marks[2 * i]);
        at = slot->marks[2 * i + 1];
    }
    s_svg_add(b, slot->draw + at, slot->draw_len - at);
    free(mk.p);
    return 0;
}

int report_chart_svg_memo(const report_chart_t *c, const report_i18n_t *m,
                          report_chart_memo_t *memo, const char *id_prefix,
                          const char *title, const char *desc, char **out,
                          bl_err_t *err)
{
    s_svg_t key = {0};
    if (memo == NULL || !s_chart_key(c, m, &key) || key.oom) {
        free(key.p);
        return report_chart_svg(c, m, id_prefix, title, desc, out, err);
    }
    uint64_t h = bl_hash_bytes(key.p, key.len);
    s_memo_slot_t *slot = &memo->slots[h & (S_MEMO_SLOTS - 1)];
    bool hit = slot->draw != NULL && slot->hash == h &&
               slot->key_len == key.len &&
               memcmp(slot->key, key.p, key.len) == 0;
    s_svg_t b = {0};
    *out = NULL;
    s_svg_head(&b, c->width, c->height, id_prefix, title, desc);
    if (!hit || s_memo_put(&b, slot, c) != 0) {
        size_t start = b.len;
        b.n_marks = 0;
        report_draw_t d;
        s_svg_backend(&d, &b);
        report_chart_draw(c, m, &d);
        char *draw = b.oom || b.n_marks > S_MARKS_MAX
                         ? NULL
                         : malloc(b.len - start + 1);
        if (draw != NULL) {
            memcpy(draw, b.p + start, b.len - start);
            free(slot->key);
            free(slot->draw);
            slot->hash = h;
            slot->key = key.p;
            slot->key_len = key.len;
            key.p = NULL;
            slot->draw = draw;
            slot->draw_len = b.len - start;
            slot->n_marks = b.n_marks;
            for (size_t i = 0; i < 2 * b.n_marks; i++) {
                slot->marks[i] = b.marks[i] - start;
            }
        }
    }
    free(key.p);
    S_LIT(&b, "</svg>");
    if (b.oom) {
        free(b.p);
        return bl_err_set(err, BL_ENOMEM, "chart: out of memory");
    }
    *out = b.p;
    return 0;
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
