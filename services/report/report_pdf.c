/*
 * report_pdf: a simple top-to-bottom flow on A4 pages.  Each block measures
 * itself with pango before it is drawn, so that a heading never ends a page
 * and a chart is never cut.  All sizes are PostScript points.
 */
#include "report_pdf.h"

#ifndef BL_HAVE_CAIRO

int report_pdf_write(const char *path, const report_provider_t *r,
                     const report_i18n_t *m, bl_err_t *err)
{
    if (path == NULL || r == NULL || m == NULL) {
        return bl_err_set(err, BL_EINVAL, "PDF report: invalid argument");
    }
    return bl_err_set(err, BL_EIO, "cannot write PDF: built without cairo");
}

#else

#include <cairo-pdf.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_chart.h"
#include "report_curve.h"
#include "report_sections.h"
#include "report_text.h"

#define S_PAGE_W 595.28
#define S_PAGE_H 841.89
#define S_LEFT 50.0
#define S_RIGHT 50.0
#define S_TOP 52.0
#define S_BOTTOM 60.0
#define S_CONTENT_W (S_PAGE_W - S_LEFT - S_RIGHT)
#define S_CHART_W 640.0

typedef struct s_pdf {
    cairo_t *cr;
    const report_i18n_t *m;
    const report_provider_t *r;
    double y;          /* next free line, pt from the top */
    int page;          /* 1-based */
    int oom;
    int measuring;     /* drawing off the page to learn a block's height */
} s_pdf_t;

static void s_rgb(cairo_t *cr, uint32_t c)
{
    cairo_set_source_rgb(cr, ((c >> 16) & 0xFF) / 255.0,
                         ((c >> 8) & 0xFF) / 255.0, (c & 0xFF) / 255.0);
}

static PangoLayout *s_layout(s_pdf_t *p, const char *text, double size,
                             int bold, double width)
{
    PangoLayout *layout = pango_cairo_create_layout(p->cr);
    PangoFontDescription *fd =
        pango_font_description_from_string("DejaVu Sans");
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold) {
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    }
    pango_layout_set_font_description(layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_width(layout, (int)(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_text(layout, text != NULL ? text : "", -1);
    return layout;
}

static double s_height(PangoLayout *layout)
{
    int w = 0, h = 0;
    pango_layout_get_size(layout, &w, &h);
    return h / (double)PANGO_SCALE;
}

static void s_footer(s_pdf_t *p)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s · %s · %d", report_i18n_get(p->m,
                                                              "report.title"),
             p->r->name != NULL ? p->r->name : "", p->page);
    PangoLayout *l = s_layout(p, buf, 7.5, 0, S_CONTENT_W);
    pango_layout_set_alignment(l, PANGO_ALIGN_RIGHT);
    s_rgb(p->cr, REPORT_GREY_MUTED);
    cairo_move_to(p->cr, S_LEFT, S_PAGE_H - S_BOTTOM + 24);
    pango_cairo_show_layout(p->cr, l);
    g_object_unref(l);
    cairo_set_line_width(p->cr, 0.5);
    s_rgb(p->cr, REPORT_GREY_LINE);
    cairo_move_to(p->cr, S_LEFT, S_PAGE_H - S_BOTTOM + 18);
    cairo_line_to(p->cr, S_PAGE_W - S_RIGHT, S_PAGE_H - S_BOTTOM + 18);
    cairo_stroke(p->cr);
}

static void s_new_page(s_pdf_t *p)
{
    s_footer(p);
    cairo_show_page(p->cr);
    p->page++;
    p->y = S_TOP;
}

/* Starts a new page unless h more points fit on this one. */
static void s_need(s_pdf_t *p, double h)
{
    if (p->measuring) {
        return;
    }
    if (p->y + h > S_PAGE_H - S_BOTTOM && p->y > S_TOP) {
        s_new_page(p);
    }
}

/* A paragraph at indent, followed by `after` points of space. */
static void s_para(s_pdf_t *p, const char *text, double size, int bold,
                   uint32_t color, double indent, double after)
{
    PangoLayout *l = s_layout(p, text, size, bold, S_CONTENT_W - indent);
    double h = s_height(l);
    s_need(p, h);
    s_rgb(p->cr, color);
    cairo_move_to(p->cr, S_LEFT + indent, p->y);
    pango_cairo_show_layout(p->cr, l);
    g_object_unref(l);
    p->y += h + after;
}

/* The same for a heap string from report_text; frees it. */
static void s_para_free(s_pdf_t *p, char *text, double size, double indent)
{
    if (text == NULL) {
        p->oom = 1;
        return;
    }
    s_para(p, text, size, 0, REPORT_GREY_TEXT, indent, 3);
    free(text);
}

/* A section heading with a rule; keeps `keep` pt of room for what
 * follows, so that a heading never ends a page. */
static void s_heading_keep(s_pdf_t *p, const char *key, double keep)
{
    s_need(p, keep);
    p->y += 10;
    s_para(p, report_i18n_get(p->m, key), 15, 1, REPORT_GREY_TEXT, 0, 3);
    cairo_set_line_width(p->cr, 0.6);
    s_rgb(p->cr, REPORT_GREY_LINE);
    cairo_move_to(p->cr, S_LEFT, p->y);
    cairo_line_to(p->cr, S_PAGE_W - S_RIGHT, p->y);
    cairo_stroke(p->cr);
    p->y += 8;
}

static void s_heading(s_pdf_t *p, const char *key)
{
    s_heading_keep(p, key, 80);
}

/* A band chip at (x, p->y): coloured disc with the number, then the text.
 * Returns the x after it. */
static double s_chip(s_pdf_t *p, double x, int band, const char *label)
{
    char num[8];
    snprintf(num, sizeof num, "%d", band);
    cairo_new_sub_path(p->cr);
    cairo_arc(p->cr, x + 6.5, p->y + 6.5, 6.5, 0, 2 * M_PI);
    s_rgb(p->cr, report_chart_band_color(band));
    cairo_fill(p->cr);
    PangoLayout *l = s_layout(p, num, 8, 1, 13);
    pango_layout_set_alignment(l, PANGO_ALIGN_CENTER);
    s_rgb(p->cr, REPORT_OI_BLACK);
    cairo_move_to(p->cr, x, p->y + 1.5);
    pango_cairo_show_layout(p->cr, l);
    g_object_unref(l);
    l = s_layout(p, label, 8.5, 0, 120);
    int lw = 0, lh = 0;
    pango_layout_get_pixel_size(l, &lw, &lh);
    s_rgb(p->cr, REPORT_GREY_TEXT);
    cairo_move_to(p->cr, x + 16, p->y + 1);
    pango_cairo_show_layout(p->cr, l);
    g_object_unref(l);
    return x + 16 + lw + 10;
}

/* A principle's heading in the overview (report_sections walks them). */
static void s_glance_principle(void *ctx, const char *pr)
{
    s_pdf_t *p = ctx;
    char label[160];
    s_need(p, 40);
    p->y += 3;
    s_para(p, report_text_label(p->m, "principle", pr, label, sizeof label),
           10, 1, REPORT_OI_BLUE, 0, 3);
}

/* An indicator's line in the overview: its band chip in each group. */
static void s_glance_indicator(void *ctx, const report_indicator_t *ind)
{
    s_pdf_t *p = ctx;
    char label[160];
    s_need(p, 16);
    snprintf(label, sizeof label, "%s  %s", ind->id, ind->name);
    PangoLayout *l = s_layout(p, label, 9, 0, 230);
    pango_layout_set_ellipsize(l, PANGO_ELLIPSIZE_END);
    s_rgb(p->cr, REPORT_GREY_TEXT);
    cairo_move_to(p->cr, S_LEFT + 8, p->y + 1);
    pango_cairo_show_layout(p->cr, l);
    g_object_unref(l);
    double x = S_LEFT + 245;
    if (ind->status != REPORT_STATUS_OK) {
        l = s_layout(p, report_i18n_get(p->m,
                         ind->status == REPORT_STATUS_SUPPRESSED
                             ? "status.too_few_respondents"
                             : "status.missing"),
                     8.5, 0, 240);
        s_rgb(p->cr, REPORT_GREY_MUTED);
        cairo_move_to(p->cr, x, p->y + 1);
        pango_cairo_show_layout(p->cr, l);
        g_object_unref(l);
    }
    for (size_t j = 0; j < ind->group_count
                       && ind->status == REPORT_STATUS_OK; j++) {
        const report_group_t *g = &ind->groups[j];
        char group[64];
        report_text_label(p->m, "group", g->group_id, group,
                          sizeof group);
        if (g->too_few_peers || !g->has_position) {
            snprintf(label, sizeof label, "%s: %s", group,
                     report_i18n_get(p->m, "status.too_few_peers"));
            l = s_layout(p, label, 8.5, 0, 150);
            s_rgb(p->cr, REPORT_GREY_MUTED);
            cairo_move_to(p->cr, x, p->y + 1);
            pango_cairo_show_layout(p->cr, l);
            int lw = 0, lh = 0;
            pango_layout_get_pixel_size(l, &lw, &lh);
            g_object_unref(l);
            x += lw + 10;
            continue;
        }
        x = s_chip(p, x, g->band, group);
    }
    p->y += 16;
}

static void s_overview(s_pdf_t *p)
{
    const report_provider_t *r = p->r;
    char label[160];
    s_heading(p, "section.overview");
    s_para(p, report_i18n_get(p->m, "section.overview_intro"), 9, 0,
           REPORT_GREY_MUTED, 0, 6);
    report_sections_by_principle(r, s_glance_principle, s_glance_indicator,
                                 p);
    p->y += 6;
    s_need(p, 60);
    s_para(p, report_i18n_get(p->m, "section.top_areas"), 11, 1,
           REPORT_OI_VERMILLION, 0, 3);
    if (r->area_count == 0) {
        s_para(p, report_i18n_get(p->m, "areas.none"), 9, 0,
               REPORT_GREY_TEXT, 8, 3);
    }
    for (size_t i = 0; i < r->area_count && i < 3; i++) {
        const report_indicator_t *ind =
            report_provider_find(r, r->areas[i].indicator_id);
        if (ind == NULL) {
            continue;
        }
        snprintf(label, sizeof label, "%zu. %s  %s", i + 1, ind->id,
                 ind->name);
        s_para(p, label, 9.5, 0, REPORT_GREY_TEXT, 8, 2);
    }
}

static void s_positions(s_pdf_t *p, const report_indicator_t *ind)
{
    char group[64];
    for (size_t j = 0; j < ind->group_count; j++) {
        const report_group_t *g = &ind->groups[j];
        if (!report_sections_has_standing(ind, g)) {
            continue;
        }
        report_text_label(p->m, "group", g->group_id, group, sizeof group);
        char *text = report_sections_standing(p->m, p->r, ind, g);
        if (text == NULL) {
            p->oom = 1;
            return;
        }
        size_t len = strlen(group) + strlen(text) + 8;
        char *line = malloc(len);
        if (line == NULL) {
            free(text);
            p->oom = 1;
            return;
        }
        snprintf(line, len, "• %s: %s", group, text);
        free(text);
        s_para_free(p, line, 9, 8);
    }
}

static void s_chart(s_pdf_t *p, const report_indicator_t *ind)
{
    report_chart_t c;
    if (report_chart_build(&c, ind, S_CHART_W, NULL) != 0) {
        p->oom = 1;
        return;
    }
    double scale = S_CONTENT_W / S_CHART_W;
    s_need(p, c.height * scale);
    cairo_save(p->cr);
    cairo_translate(p->cr, S_LEFT, p->y);
    cairo_scale(p->cr, scale, scale);
    report_draw_t d;
    report_chart_cairo_backend(&d, p->cr);
    report_chart_draw(&c, p->m, &d);
    cairo_restore(p->cr);
    p->y += c.height * scale + 4;
    report_chart_free(&c);
}

/* The learning curve, at half the content width, under its heading. */
static void s_curve(s_pdf_t *p, const report_indicator_t *ind)
{
    if (!report_curve_has(ind)) {
        return;
    }
    double scale = S_CONTENT_W / S_CHART_W;
    s_need(p, REPORT_CURVE_HEIGHT * scale + 16);
    s_para(p, report_i18n_get(p->m, "curve.heading"), 9, 1,
           REPORT_GREY_TEXT, 0, 2);
    cairo_save(p->cr);
    cairo_translate(p->cr, S_LEFT, p->y);
    cairo_scale(p->cr, scale, scale);
    report_draw_t d;
    report_chart_cairo_backend(&d, p->cr);
    report_curve_draw(ind, p->m, &d);
    cairo_restore(p->cr);
    p->y += REPORT_CURVE_HEIGHT * scale + 4;
}

static void s_indicator_body(s_pdf_t *p, const report_indicator_t *ind)
{
    char buf[256];
    char value[96];
    p->y += 8;
    cairo_set_line_width(p->cr, 0.4);
    s_rgb(p->cr, REPORT_GREY_LINE);
    cairo_move_to(p->cr, S_LEFT, p->y - 4);
    cairo_line_to(p->cr, S_PAGE_W - S_RIGHT, p->y - 4);
    cairo_stroke(p->cr);
    snprintf(buf, sizeof buf, "%s  %s", ind->id, ind->name);
    s_para(p, buf, 11.5, 1, REPORT_GREY_TEXT, 0, 1);
    char pr[96];
    snprintf(buf, sizeof buf, "%s · %s",
             report_text_label(p->m, "principle", ind->principle, pr,
                               sizeof pr),
             report_i18n_get(p->m, ind->direction == REPORT_DIR_HIGHER
                                       ? "phrase.direction_higher"
                                       : "phrase.direction_lower"));
    s_para(p, buf, 8.5, 0, REPORT_GREY_MUTED, 0, 3);
    if (ind->status == REPORT_STATUS_OK) {
        report_text_value(p->m, ind, ind->value, value, sizeof value);
        snprintf(buf, sizeof buf, "%s: %s", report_i18n_get(p->m,
                                                 "phrase.your_value"),
                 value);
        s_para(p, buf, 11, 1, REPORT_GREY_TEXT, 0, 3);
        s_positions(p, ind);
    } else {
        char *why = report_text_status(p->m, p->r, ind);
        if (why == NULL) {
            p->oom = 1;
            return;
        }
        snprintf(buf, sizeof buf, "%s. %s", report_i18n_get(p->m,
                     ind->status == REPORT_STATUS_SUPPRESSED
                         ? "status.too_few_respondents" : "status.missing"),
                 why);
        free(why);
        s_para(p, buf, 9, 0, REPORT_OI_VERMILLION, 0, 3);
    }
    s_chart(p, ind);
    if (p->r->has_previous_period) {
        s_para_free(p, report_text_trend(p->m, p->r, ind), 8.5, 0);
        for (size_t j = 0; j < ind->group_count; j++) {
            const report_group_t *g = &ind->groups[j];
            if (g->has_previous_rank && g->has_position && !g->too_few_peers
                && ind->status == REPORT_STATUS_OK) {
                s_para_free(p, report_text_trend_rank(p->m, p->r, g), 8.5,
                            0);
            }
        }
    }
    s_curve(p, ind);
}

/* The key to the charts' symbols, scaled like the charts. */
static void s_legend(s_pdf_t *p)
{
    double scale = S_CONTENT_W / S_CHART_W;
    cairo_save(p->cr);
    cairo_translate(p->cr, S_LEFT, p->y);
    cairo_scale(p->cr, scale, scale);
    report_draw_t d;
    report_chart_cairo_backend(&d, p->cr);
    report_chart_draw_legend(p->m, &d);
    cairo_restore(p->cr);
    p->y += REPORT_LEGEND_HEIGHT * scale + 4;
}

/* One indicator, kept whole on a page: it is first drawn on a recording
 * surface to learn its height. */
static void s_indicator(s_pdf_t *p, const report_indicator_t *ind)
{
    s_pdf_t q = *p;
    cairo_surface_t *rs =
        cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, NULL);
    q.cr = cairo_create(rs);
    q.measuring = 1;
    q.y = 0;
    double h = 150;
    if (cairo_status(q.cr) == CAIRO_STATUS_SUCCESS) {
        s_indicator_body(&q, ind);
        h = q.y + 4;
        p->oom |= q.oom;
    }
    cairo_destroy(q.cr);
    cairo_surface_destroy(rs);
    s_need(p, fmin(h, S_PAGE_H - S_TOP - S_BOTTOM));
    s_indicator_body(p, ind);
}

/* The indicators that move with area a among its peers (SPEC 5). */
static void s_related(s_pdf_t *p, const report_area_t *a)
{
    if (a->related_count == 0) {
        return;
    }
    char buf[512];
    snprintf(buf, sizeof buf, "%s:", report_i18n_get(p->m, "related.title"));
    s_para(p, buf, 9, 1, REPORT_GREY_TEXT, 8, 2);
    for (size_t k = 0; k < a->related_count; k++) {
        char *t = report_sections_related(p->m, p->r, &a->related[k]);
        if (t == NULL) {
            p->oom = 1;
            return;
        }
        snprintf(buf, sizeof buf, "– %s", t);
        free(t);
        s_para(p, buf, 9, 0, REPORT_GREY_TEXT, 16, 2);
    }
}

/* One side of a follow-up: "10.0 · 5% · Band 1", "–" for what is absent. */
static void s_side_text(s_pdf_t *p, const report_indicator_t *ind,
                        const report_side_t *sd, char *buf, size_t len)
{
    char v[64], rk[64], band[64] = "–";
    report_sections_side(p->m, ind, sd, v, sizeof v, rk, sizeof rk);
    if (sd->band >= 1 && sd->band <= 4) {
        char b[8];
        snprintf(b, sizeof b, "%d", sd->band);
        char *t = report_i18n_format(p->m, "band.name", "band", b, NULL);
        if (t == NULL) {
            p->oom = 1;
        } else {
            snprintf(band, sizeof band, "%s", t);
            free(t);
        }
    }
    snprintf(buf, len, "%s · %s · %s", v, rk, band);
}

/* SPEC 10: the actions of the period before and their indicators then
 * and now; only when there are some. */
static void s_followup(s_pdf_t *p)
{
    const report_provider_t *r = p->r;
    if (r->followup_count == 0) {
        return;
    }
    char before[16], now[16], key[48], a[128], b[128], buf[1024];
    snprintf(before, sizeof before, "%d", r->period - 1);
    snprintf(now, sizeof now, "%d", r->period);
    s_heading(p, "section.followup");
    s_para_free(p, report_i18n_format(p->m, "section.followup_intro",
                                      "period", before, NULL),
                9, 0);
    for (size_t i = 0; i < r->followup_count; i++) {
        const report_followup_t *f = &r->followups[i];
        const report_indicator_t *ind =
            report_provider_find(r, f->indicator_id);
        snprintf(key, sizeof key, "action_status.%s", f->status);
        snprintf(buf, sizeof buf, "%s · %s %s · %s", f->action_id,
                 f->indicator_id, ind != NULL ? ind->name : "",
                 report_i18n_get(p->m, key));
        s_para(p, buf, 9.5, 1, REPORT_GREY_TEXT, 0, 2);
        s_side_text(p, ind, &f->before, a, sizeof a);
        s_side_text(p, ind, &f->after, b, sizeof b);
        snprintf(buf, sizeof buf, "%s: %s  →  %s: %s", before, a, now, b);
        s_para(p, buf, 9, 0, REPORT_GREY_TEXT, 8, 5);
    }
}

/* SPEC 10: the practices under an area. */
static void s_practices(s_pdf_t *p, const report_area_t *a)
{
    if (a->practice_count == 0) {
        return;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "%s:", report_i18n_get(p->m,
                                                     "practices.title"));
    s_para(p, buf, 9, 1, REPORT_GREY_TEXT, 8, 2);
    for (size_t k = 0; k < a->practice_count; k++) {
        const report_practice_t *x = &a->practices[k];
        char *source = report_sections_practice_source(p->m, x);
        size_t len = strlen(x->title) + strlen(x->description) +
                     (source ? strlen(source) : 0) + 16;
        char *t = malloc(len);
        if (source == NULL || t == NULL) {
            p->oom = 1;
        } else {
            snprintf(t, len, "– %s: %s (%s)", x->title, x->description,
                     source);
            s_para(p, t, 9, 0, REPORT_GREY_TEXT, 16, 2);
        }
        free(t);
        free(source);
    }
}

static void s_areas(s_pdf_t *p)
{
    const report_provider_t *r = p->r;
    char buf[256];
    s_heading(p, "section.areas");
    s_para(p, report_i18n_get(p->m, "section.areas_intro"), 9, 0,
           REPORT_GREY_MUTED, 0, 6);
    if (r->international_pending) {
        s_para(p, report_i18n_get(p->m, "areas.international_pending"), 9,
               0, REPORT_GREY_MUTED, 0, 6);
    }
    if (r->area_count == 0) {
        s_para(p, report_i18n_get(p->m, "areas.none"), 9, 0,
               REPORT_GREY_TEXT, 0, 3);
    }
    for (size_t i = 0; i < r->area_count; i++) {
        const report_area_t *a = &r->areas[i];
        const report_indicator_t *ind =
            report_provider_find(r, a->indicator_id);
        if (ind == NULL) {
            continue;
        }
        s_need(p, 60);
        snprintf(buf, sizeof buf, "%s  %s", ind->id, ind->name);
        s_para(p, buf, 10.5, 1, REPORT_GREY_TEXT, 0, 2);
        s_positions(p, ind);
        s_related(p, a);
        snprintf(buf, sizeof buf, "%s:", report_i18n_get(p->m,
                                                         "partners.title"));
        s_para(p, buf, 9, 1, REPORT_GREY_TEXT, 8, 2);
        if (a->partner_count == 0) {
            s_para(p, report_i18n_get(p->m, "partners.none"), 9, 0,
                   REPORT_GREY_MUTED, 16, 6);
            s_practices(p, a);
            continue;
        }
        for (size_t k = 0; k < a->partner_count && k < REPORT_PARTNERS_MAX;
             k++) {
            char *t = report_text_partner(p->m, &a->partners[k]);
            if (t == NULL) {
                p->oom = 1;
                return;
            }
            snprintf(buf, sizeof buf, "– %s", t);
            free(t);
            s_para(p, buf, 9, 0, REPORT_GREY_TEXT, 16, 2);
        }
        s_practices(p, a);
        p->y += 5;
    }
}

static void s_strengths(s_pdf_t *p)
{
    const report_provider_t *r = p->r;
    char buf[256];
    s_heading(p, "section.strengths");
    if (r->strength_count == 0) {
        s_para(p, report_i18n_get(p->m, "strengths.none"), 9, 0,
               REPORT_GREY_TEXT, 0, 3);
    }
    for (size_t i = 0; i < r->strength_count; i++) {
        const report_indicator_t *ind =
            report_provider_find(r, r->strengths[i]);
        if (ind != NULL) {
            snprintf(buf, sizeof buf, "• %s  %s", ind->id, ind->name);
            s_para(p, buf, 9.5, 0, REPORT_GREY_TEXT, 0, 2);
        }
    }
}

static void s_units(s_pdf_t *p)
{
    const report_provider_t *r = p->r;
    if (r->unit_count == 0 || r->units == NULL) {
        return;
    }
    char buf[512];
    char v[96];
    s_heading(p, "section.units");
    for (size_t i = 0; i < r->indicator_count; i++) {
        const report_indicator_t *ind = &r->indicators[i];
        size_t used = 0;
        buf[0] = '\0';
        for (size_t u = 0; u < r->unit_count; u++) {
            const report_unit_value_t *uv = &r->units[u].values[i];
            if (uv->status == REPORT_STATUS_MISSING) {
                continue;
            }
            const char *shown = uv->status == REPORT_STATUS_OK
                ? report_text_value(p->m, ind, uv->value, v, sizeof v)
                : report_i18n_get(p->m, "status.too_few_respondents");
            int n = snprintf(buf + used, sizeof buf - used, "%s%s: %s",
                             used ? " · " : "", r->units[u].unit_id, shown);
            if (n < 0 || (size_t)n >= sizeof buf - used) {
                break;
            }
            used += (size_t)n;
        }
        if (used == 0) {
            continue;
        }
        char head[160];
        snprintf(head, sizeof head, "%s  %s", ind->id, ind->name);
        s_need(p, 30);
        s_para(p, head, 9.5, 1, REPORT_GREY_TEXT, 0, 1);
        s_para(p, buf, 9, 0, REPORT_GREY_TEXT, 8, 5);
    }
}

static void s_methods(s_pdf_t *p)
{
    s_heading(p, "section.methods");
    for (size_t i = 0; i < REPORT_SECTIONS_METHODS; i++) {
        char *t = report_sections_method(p->m, p->r, i);
        if (t == NULL) {
            p->oom = 1;
            return;
        }
        s_para(p, t, 9, 0, REPORT_GREY_TEXT, 0, 5);
        free(t);
    }
}

static void s_title(s_pdf_t *p)
{
    const report_provider_t *r = p->r;
    char buf[512];
    char type[128];
    snprintf(buf, sizeof buf, "%s · %d",
             report_i18n_get(p->m, "report.title"), r->period);
    s_para(p, buf, 9, 1, REPORT_OI_BLUE, 0, 2);
    s_para(p, r->name, 22, 1, REPORT_GREY_TEXT, 0, 4);
    snprintf(buf, sizeof buf, "%s %s   ·   %s %s   ·   %s %s",
             report_i18n_get(p->m, "report.provider_id"),
             r->provider_id != NULL ? r->provider_id : "",
             report_i18n_get(p->m, "report.service_type"),
             report_text_label(p->m, "service_type", r->service_type, type,
                               sizeof type),
             report_i18n_get(p->m, "report.country"),
             r->country != NULL ? r->country : "");
    s_para(p, buf, 9, 0, REPORT_GREY_MUTED, 0, 6);
    cairo_set_line_width(p->cr, 2);
    s_rgb(p->cr, REPORT_OI_BLUE);
    cairo_move_to(p->cr, S_LEFT, p->y);
    cairo_line_to(p->cr, S_PAGE_W - S_RIGHT, p->y);
    cairo_stroke(p->cr);
    p->y += 6;
}

int report_pdf_write(const char *path, const report_provider_t *r,
                     const report_i18n_t *m, bl_err_t *err)
{
    if (path == NULL || r == NULL || m == NULL) {
        return bl_err_set(err, BL_EINVAL, "PDF report: invalid argument");
    }
    cairo_surface_t *surface =
        cairo_pdf_surface_create(path, S_PAGE_W, S_PAGE_H);
    cairo_status_t st = cairo_surface_status(surface);
    if (st != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(surface);
        return bl_err_set(err, BL_EIO, "cannot create '%s': %s", path,
                          cairo_status_to_string(st));
    }
    cairo_t *cr = cairo_create(surface);
    s_pdf_t p = {cr, m, r, S_TOP, 1, 0, 0};

    s_title(&p);
    s_overview(&p);
    s_followup(&p);
    s_areas(&p);
    s_strengths(&p);
    s_heading_keep(&p, "section.indicators", 220);
    s_legend(&p);
    for (size_t i = 0; i < r->indicator_count; i++) {
        s_indicator(&p, &r->indicators[i]);
    }
    s_units(&p);
    s_methods(&p);
    s_footer(&p);
    cairo_show_page(cr);

    st = cairo_status(cr);
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    if (st == CAIRO_STATUS_SUCCESS) {
        st = cairo_surface_status(surface);
    }
    cairo_surface_destroy(surface);
    if (st != CAIRO_STATUS_SUCCESS) {
        return bl_err_set(err, st == CAIRO_STATUS_NO_MEMORY ? BL_ENOMEM
                                                            : BL_EIO,
                          "cannot write '%s': %s", path,
                          cairo_status_to_string(st));
    }
    if (p.oom) {
        return bl_err_set(err, BL_ENOMEM, "PDF report: out of memory");
    }
    return 0;
}

#endif
