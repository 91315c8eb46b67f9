/*
 * report_html: writes the pages straight to a FILE*.  All model text goes
 * through s_esc; raw output (s_raw, s_fmt) is only ever our own markup and
 * numbers.  Write errors are collected with ferror at the end rather than
 * after every fprintf: a half-written page is reported as BL_EIO either way.
 */
#include "report_html.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "report_chart.h"
#include "report_curve.h"
#include "report_text.h"

/* Width of the charts in SVG px; CSS scales them to the column (about
 * 890 px on a wide screen, 680 px on A4), so their 12 px labels show at
 * 11 to 15 px. */
#define S_CHART_WIDTH 720.0

typedef struct s_w {
    FILE *f;
    const report_i18n_t *m;
    int oom;
} s_w_t;

static void s_raw(s_w_t *w, const char *s)
{
    fputs(s, w->f);
}

static void s_fmt(s_w_t *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void s_fmt(s_w_t *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfprintf(w->f, fmt, ap);
    va_end(ap);
}

static void s_esc(s_w_t *w, const char *s)
{
    for (const char *p = s; p != NULL && *p != '\0'; p++) {
        switch (*p) {
        case '<':
            fputs("&lt;", w->f);
            break;
        case '>':
            fputs("&gt;", w->f);
            break;
        case '&':
            fputs("&amp;", w->f);
            break;
        case '"':
            fputs("&quot;", w->f);
            break;
        case '\'':
            fputs("&#39;", w->f);
            break;
        default:
            fputc(*p, w->f);
            break;
        }
    }
}

/* Escapes and frees a heap string from report_text; NULL means OOM. */
static void s_esc_free(s_w_t *w, char *s)
{
    if (s == NULL) {
        w->oom = 1;
        return;
    }
    s_esc(w, s);
    free(s);
}

/* A message, escaped. */
static void s_msg(s_w_t *w, const char *key)
{
    s_esc(w, report_i18n_get(w->m, key));
}

/* An id usable in HTML id and href="#..": [A-Za-z0-9_-], others '_'. */
static void s_id(s_w_t *w, const char *prefix, const char *id)
{
    s_raw(w, prefix);
    for (const char *p = id; p != NULL && *p != '\0'; p++) {
        char ch = *p;
        int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z')
                 || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_';
        fputc(ok ? ch : '_', w->f);
    }
}

static const char s_css[] =
    ":root{--ink:#1f2328;--muted:#5b6169;--rule:#d8dde3;--soft:#f4f6f8;"
    "--accent:#0072B2;--b1:#D55E00;--b2:#E69F00;--b3:#56B4E9;--b4:#009E73}\n"
    "*{box-sizing:border-box}\n"
    "html{font-family:\"DejaVu Sans\",\"Segoe UI\",Helvetica,Arial,"
    "sans-serif;color:var(--ink);background:#fff;line-height:1.45}\n"
    "body{max-width:60rem;margin:0 auto;padding:2rem 2.2rem 3rem;"
    "font-size:15px}\n"
    "header.masthead{border-bottom:3px solid var(--accent);"
    "padding-bottom:1rem;margin-bottom:1.5rem}\n"
    ".kicker{text-transform:uppercase;letter-spacing:.08em;font-size:.8rem;"
    "color:var(--accent);margin:0 0 .2rem;font-weight:bold}\n"
    "h1{font-size:1.9rem;margin:0 0 .6rem;font-weight:600}\n"
    "h2{font-size:1.35rem;margin:2.2rem 0 .6rem;padding-bottom:.25rem;"
    "border-bottom:1px solid var(--rule);font-weight:600}\n"
    "h3{font-size:1.08rem;margin:1.4rem 0 .4rem;font-weight:600}\n"
    "p{margin:.4rem 0}\n"
    ".intro,.muted{color:var(--muted)}\n"
    "dl.meta{display:flex;flex-wrap:wrap;gap:.3rem 2rem;margin:0;"
    "font-size:.9rem}\n"
    "dl.meta div{display:flex;gap:.4rem}\n"
    "dl.meta dt{color:var(--muted)}dl.meta dd{margin:0;font-weight:600}\n"
    "table{border-collapse:collapse;width:100%;font-size:.88rem;"
    "margin:.5rem 0}\n"
    "th,td{text-align:left;padding:.32rem .5rem;border-bottom:1px solid "
    "var(--rule);vertical-align:top}\n"
    "thead th{font-weight:600;color:var(--muted);border-bottom:2px solid "
    "var(--rule)}\n"
    "td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}\n"
    "tr.principle th{background:var(--soft);color:var(--ink);"
    "font-weight:600;padding-top:.45rem}\n"
    "caption{text-align:left;color:var(--muted);font-size:.85rem;"
    "padding:.2rem 0}\n"
    "a{color:var(--accent);text-decoration:none}\n"
    ".chip{display:inline-flex;align-items:center;gap:.35rem;"
    "border-radius:999px;padding:.05rem .55rem .05rem .1rem;"
    "font-size:.82rem;white-space:nowrap;background:var(--soft)}\n"
    ".chip b{display:inline-block;min-width:1.45rem;text-align:center;"
    "border-radius:999px;color:#000;padding:.05rem .3rem}\n"
    ".chip.b1 b{background:var(--b1)}.chip.b2 b{background:var(--b2)}\n"
    ".chip.b3 b{background:var(--b3)}.chip.b4 b{background:var(--b4)}\n"
    ".chip.b0{color:var(--muted)}.chip.b0 b{background:#e3e6ea}\n"
    ".callout{background:var(--soft);border-left:4px solid var(--b1);"
    "padding:.6rem 1rem;margin:1rem 0;border-radius:0 6px 6px 0}\n"
    ".callout h3{margin-top:.2rem}\n"
    ".callout ol{margin:.3rem 0;padding-left:1.3rem}\n"
    "article.indicator{border-top:1px solid var(--rule);padding-top:.4rem;"
    "margin-top:1.2rem}\n"
    "article.indicator h3 .id,.id{color:var(--muted);font-weight:normal;"
    "margin-right:.4rem}\n"
    ".figure-line{display:flex;flex-wrap:wrap;align-items:baseline;"
    "gap:.2rem 1.4rem}\n"
    ".big{font-size:1.5rem;font-weight:600}\n"
    "ul.positions{margin:.3rem 0;padding-left:1.2rem}\n"
    "svg.chart{width:100%;height:auto;display:block;margin:.4rem 0}\n"
    "ul.key{list-style:none;display:flex;flex-wrap:wrap;gap:.3rem 1.4rem;"
    "margin:.4rem 0 .8rem;padding:.5rem .8rem;background:var(--soft);"
    "border-radius:6px;font-size:.9rem}\n"
    "ul.key li{display:flex;align-items:center;gap:.45rem}\n"
    "ul.key svg{flex:none}\n"
    "table.glance td{white-space:nowrap;width:1%}\n"

    "details{margin:.2rem 0 .6rem}summary{color:var(--accent);"
    "cursor:pointer;font-size:.88rem}\n"
    ".notice{background:#fff7e6;border-left:4px solid var(--b2);"
    "padding:.45rem .8rem;margin:.5rem 0;border-radius:0 6px 6px 0}\n"
    ".partners{margin:.2rem 0 .8rem;padding-left:1.2rem}\n"
    ".bar{display:inline-block;height:.7rem;background:var(--accent);"
    "border-radius:2px;vertical-align:middle}\n"
    "footer{margin-top:3rem;border-top:1px solid var(--rule);"
    "padding-top:.6rem;font-size:.8rem;color:var(--muted)}\n"
    "@page{size:A4;margin:16mm 15mm 18mm}\n"
    /* Print: no forced breaks; only small blocks are kept whole, long
     * tables break between rows and repeat their header. */
    "@media print{body{max-width:none;padding:0;font-size:9.5pt}"
    "h2{margin-top:1.4rem;break-after:avoid}h3{break-after:avoid}"
    "ul.key{break-after:avoid;break-inside:avoid}"
    "article.indicator,.callout,.area,figure,tr,li{break-inside:avoid}"
    "thead{display:table-header-group}"
    "th,td{padding:.22rem .45rem}p{margin:.25rem 0}"
    "article.indicator{margin-top:.5rem;padding-top:.3rem}"
    "article.indicator h3{margin:.3rem 0 .15rem}"
    ".big{font-size:1.3rem}svg.chart{margin:.2rem 0}"
    "details{display:none}"
    "a{color:inherit}"
    "*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static void s_head(s_w_t *w, const char *title_a, const char *title_b)
{
    s_raw(w, "<!DOCTYPE html>\n<html lang=\"");
    s_esc(w, report_i18n_lang(w->m));
    s_raw(w, "\">\n<head>\n<meta charset=\"utf-8\">\n"
             "<meta name=\"viewport\" content=\"width=device-width, "
             "initial-scale=1\">\n<title>");
    s_esc(w, title_a);
    s_raw(w, " – ");
    s_esc(w, title_b);
    s_raw(w, "</title>\n<style>\n");
    s_raw(w, s_css);
    s_raw(w, "</style>\n</head>\n<body>\n");
}

static void s_meta_item(s_w_t *w, const char *label_key, const char *value)
{
    if (value == NULL || value[0] == '\0') {
        return;
    }
    s_raw(w, "<div><dt>");
    s_msg(w, label_key);
    s_raw(w, "</dt><dd>");
    s_esc(w, value);
    s_raw(w, "</dd></div>");
}

static void s_chip(s_w_t *w, int band, int has)
{
    char key[16];
    if (!has) {
        s_raw(w, "<span class=\"chip b0\"><b>–</b>");
        s_msg(w, "band.none");
        s_raw(w, "</span>");
        return;
    }
    snprintf(key, sizeof key, "band.%d", band);
    s_fmt(w, "<span class=\"chip b%d\"><b>%d</b>", band, band);
    s_msg(w, key);
    s_raw(w, "</span>");
}

/* The group ids of the report in order of first appearance; returns how
 * many (at most max). */
static size_t s_group_ids(const report_provider_t *r, const char **ids,
                          size_t max)
{
    size_t count = 0;
    for (size_t i = 0; i < r->indicator_count; i++) {
        const report_indicator_t *ind = &r->indicators[i];
        for (size_t j = 0; j < ind->group_count; j++) {
            const char *id = ind->groups[j].group_id;
            size_t k = 0;
            while (k < count && strcmp(ids[k], id != NULL ? id : "") != 0) {
                k++;
            }
            if (k == count && count < max) {
                ids[count++] = id != NULL ? id : "";
            }
        }
    }
    return count;
}

static const report_group_t *s_find_group(const report_indicator_t *ind,
                                          const char *group_id)
{
    for (size_t j = 0; j < ind->group_count; j++) {
        const char *id = ind->groups[j].group_id;
        if (strcmp(id != NULL ? id : "", group_id) == 0) {
            return &ind->groups[j];
        }
    }
    return NULL;
}

/* The band cell of one indicator in one group for the overview. */
static void s_band_cell(s_w_t *w, const report_indicator_t *ind,
                        const report_group_t *g)
{
    s_raw(w, "<td>");
    if (ind->status == REPORT_STATUS_SUPPRESSED) {
        s_raw(w, "<span class=\"muted\">");
        s_msg(w, "status.too_few_respondents");
        s_raw(w, "</span>");
    } else if (ind->status == REPORT_STATUS_MISSING) {
        s_raw(w, "<span class=\"muted\">");
        s_msg(w, "status.missing");
        s_raw(w, "</span>");
    } else if (g == NULL) {
        s_raw(w, "<span class=\"muted\">–</span>");
    } else if (g->too_few_peers) {
        s_raw(w, "<span class=\"muted\">");
        s_msg(w, "status.too_few_peers");
        s_raw(w, "</span>");
    } else {
        s_chip(w, g->band, g->has_position);
    }
    s_raw(w, "</td>");
}

static void s_indicator_link(s_w_t *w, const report_indicator_t *ind)
{
    s_raw(w, "<a href=\"");
    s_id(w, "#ind-", ind->id);
    s_raw(w, "\"><span class=\"id\">");
    s_esc(w, ind->id);
    s_raw(w, "</span>");
    s_esc(w, ind->name);
    s_raw(w, "</a>");
}

/* The worst-placed group of an indicator: lowest band, then lowest rank. */
static const report_group_t *s_worst_group(const report_indicator_t *ind)
{
    const report_group_t *worst = NULL;
    for (size_t j = 0; j < ind->group_count; j++) {
        const report_group_t *g = &ind->groups[j];
        if (g->too_few_peers || !g->has_position) {
            continue;
        }
        if (worst == NULL || g->band < worst->band
            || (g->band == worst->band
                && g->percentile_rank < worst->percentile_rank)) {
            worst = g;
        }
    }
    return worst;
}

static void s_overview(s_w_t *w, const report_provider_t *r)
{
    const char *ids[16];
    size_t gcount = s_group_ids(r, ids, 16);
    char label[128];
    s_raw(w, "<section id=\"overview\">\n<h2>");
    s_msg(w, "section.overview");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "section.overview_intro");
    s_raw(w, "</p>\n<table class=\"glance\">\n<thead><tr><th scope=\"col\">");
    s_msg(w, "col.indicator");
    s_raw(w, "</th>");
    for (size_t k = 0; k < gcount; k++) {
        s_raw(w, "<th scope=\"col\">");
        s_esc(w, report_text_label(w->m, "group", ids[k], label,
                                   sizeof label));
        s_raw(w, "</th>");
    }
    s_raw(w, "</tr></thead>\n<tbody>\n");
    /* Principles in order of first appearance; each once. */
    for (size_t i = 0; i < r->indicator_count; i++) {
        const char *pr = r->indicators[i].principle;
        pr = pr != NULL ? pr : "";
        int seen = 0;
        for (size_t k = 0; k < i && !seen; k++) {
            const char *q = r->indicators[k].principle;
            seen = strcmp(q != NULL ? q : "", pr) == 0;
        }
        if (seen) {
            continue;
        }
        s_fmt(w, "<tr class=\"principle\"><th scope=\"rowgroup\" "
                 "colspan=\"%zu\">", gcount + 1);
        s_esc(w, report_text_label(w->m, "principle", pr, label,
                                   sizeof label));
        s_raw(w, "</th></tr>\n");
        for (size_t k = i; k < r->indicator_count; k++) {
            const report_indicator_t *ind = &r->indicators[k];
            const char *q = ind->principle != NULL ? ind->principle : "";
            if (strcmp(q, pr) != 0) {
                continue;
            }
            s_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">");
            s_indicator_link(w, ind);
            s_raw(w, "</th>");
            for (size_t g = 0; g < gcount; g++) {
                s_band_cell(w, ind, s_find_group(ind, ids[g]));
            }
            s_raw(w, "</tr>\n");
        }
    }
    s_raw(w, "</tbody>\n</table>\n");

    s_raw(w, "<div class=\"callout\">\n<h3>");
    s_msg(w, "section.top_areas");
    s_raw(w, "</h3>\n");
    if (r->area_count == 0) {
        s_raw(w, "<p>");
        s_msg(w, "areas.none");
        s_raw(w, "</p>\n");
    } else {
        s_raw(w, "<ol>\n");
        for (size_t i = 0; i < r->area_count && i < 3; i++) {
            const report_indicator_t *ind =
                report_provider_find(r, r->areas[i].indicator_id);
            if (ind == NULL) {
                continue;
            }
            s_raw(w, "<li>");
            s_indicator_link(w, ind);
            const report_group_t *g = s_worst_group(ind);
            if (g != NULL) {
                s_raw(w, " – ");
                s_esc_free(w, report_text_better_than(w->m, g));
            }
            s_raw(w, "</li>\n");
        }
        s_raw(w, "</ol>\n");
    }
    s_raw(w, "</div>\n</section>\n");
}

static void s_positions(s_w_t *w, const report_provider_t *r,
                        const report_indicator_t *ind)
{
    if (ind->status != REPORT_STATUS_OK) {
        return;   /* the notice says why; the chart shows the peers */
    }
    s_raw(w, "<ul class=\"positions\">\n");
    for (size_t j = 0; j < ind->group_count; j++) {
        const report_group_t *g = &ind->groups[j];
        char label[128];
        s_raw(w, "<li><strong>");
        s_esc(w, report_text_label(w->m, "group", g->group_id, label,
                                   sizeof label));
        s_raw(w, ":</strong> ");
        if (g->too_few_peers) {
            s_esc_free(w, report_text_too_few_peers(w->m, r, g));
        } else if (ind->status == REPORT_STATUS_OK && g->has_position) {
            s_esc_free(w, report_text_position(w->m, g));
            if (g->has_reference) {
                s_raw(w, " ");
                s_esc_free(w, report_text_gap(w->m, ind, g));
            }
        } else {
            s_raw(w, "–");
        }
        s_raw(w, "</li>\n");
    }
    s_raw(w, "</ul>\n");
}

/* The indicators that move with area a among its peers (SPEC 5). */
static void s_related(s_w_t *w, const report_provider_t *r,
                      const report_area_t *a)
{
    if (a->related_count == 0) {
        return;
    }
    s_raw(w, "<p><strong>");
    s_msg(w, "related.title");
    s_raw(w, ":</strong> <span class=\"muted\">");
    s_msg(w, "related.intro");
    s_raw(w, "</span></p>\n<ul class=\"related\">\n");
    for (size_t k = 0; k < a->related_count; k++) {
        const report_relation_t *rel = &a->related[k];
        const report_indicator_t *other =
            report_provider_find(r, rel->indicator_id);
        char name[256], label[128], group[300], rho[32], n[32];
        snprintf(name, sizeof name, "%s %s", rel->indicator_id,
                 other != NULL && other->name != NULL ? other->name : "");
        snprintf(group, sizeof group, "%s %s",
                 report_text_label(w->m, "group", rel->group_id, label,
                                   sizeof label),
                 rel->group_key != NULL ? rel->group_key : "");
        report_i18n_number(w->m, rel->rho, 2, rho, sizeof rho);
        snprintf(n, sizeof n, "%zu", rel->n);
        s_raw(w, "<li>");
        s_esc_free(w, report_i18n_format(w->m, "related.item", "name", name,
                                         "rho", rho, "group", group, "n", n,
                                         NULL));
        s_raw(w, "</li>\n");
    }
    s_raw(w, "</ul>\n");
}

/* SPEC 10: the practices of band-4 providers under an area; the author
 * named, with contact, only when it shares identity. */
static void s_practices(s_w_t *w, const report_area_t *a)
{
    if (a->practice_count == 0) {
        return;
    }
    char period[16];
    s_raw(w, "<p><strong>");
    s_msg(w, "practices.title");
    s_raw(w, ":</strong></p>\n<ul class=\"practices\">\n");
    for (size_t k = 0; k < a->practice_count; k++) {
        const report_practice_t *x = &a->practices[k];
        report_partner_t who = {x->named, x->provider_id, x->name,
                                x->service_type, x->country};
        char *by = report_text_partner(w->m, &who);
        snprintf(period, sizeof period, "%d", x->period);
        s_raw(w, "<li class=\"practice\"><strong>");
        s_esc(w, x->title);
        s_raw(w, "</strong> – ");
        s_esc(w, x->description);
        s_raw(w, " <span class=\"muted\">(");
        s_esc_free(w, report_i18n_format(w->m, "practices.by", "who",
                                         by != NULL ? by : "", "period",
                                         period, NULL));
        free(by);
        if (x->named && x->contact != NULL) {
            s_raw(w, "; ");
            s_esc_free(w, report_i18n_format(w->m, "practices.contact",
                                             "contact", x->contact, NULL));
        }
        s_raw(w, ")</span></li>\n");
    }
    s_raw(w, "</ul>\n");
}

static void s_areas(s_w_t *w, const report_provider_t *r)
{
    s_raw(w, "<section id=\"areas\">\n<h2>");
    s_msg(w, "section.areas");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "section.areas_intro");
    s_raw(w, "</p>\n");
    if (r->international_pending) {
        s_raw(w, "<p class=\"intro\">");
        s_msg(w, "areas.international_pending");
        s_raw(w, "</p>\n");
    }
    if (r->area_count == 0) {
        s_raw(w, "<p>");
        s_msg(w, "areas.none");
        s_raw(w, "</p>\n");
    }
    for (size_t i = 0; i < r->area_count; i++) {
        const report_area_t *a = &r->areas[i];
        const report_indicator_t *ind =
            report_provider_find(r, a->indicator_id);
        if (ind == NULL) {
            continue;
        }
        s_raw(w, "<div class=\"area\">\n<h3>");
        s_indicator_link(w, ind);
        s_raw(w, "</h3>\n");
        s_positions(w, r, ind);
        s_related(w, r, a);
        s_raw(w, "<p><strong>");
        s_msg(w, "partners.title");
        s_raw(w, ":</strong></p>\n");
        if (a->partner_count == 0) {
            s_raw(w, "<p class=\"muted\">");
            s_msg(w, "partners.none");
            s_raw(w, "</p>\n");
            s_practices(w, a);
            s_raw(w, "</div>\n");
            continue;
        }
        s_raw(w, "<ul class=\"partners\">\n");
        for (size_t k = 0; k < a->partner_count && k < REPORT_PARTNERS_MAX;
             k++) {
            s_raw(w, "<li>");
            s_esc_free(w, report_text_partner(w->m, &a->partners[k]));
            s_raw(w, "</li>\n");
        }
        s_raw(w, "</ul>\n");
        s_practices(w, a);
        s_raw(w, "</div>\n");
    }
    s_raw(w, "</section>\n");
}

static void s_th(s_w_t *w, const char *key, int num);

/* One side of a follow-up: value, percentile rank and band cells. */
static void s_side_cells(s_w_t *w, const report_indicator_t *ind,
                         const report_side_t *sd)
{
    char buf[64];
    s_raw(w, "<td class=\"num\">");
    if (sd->has_value && ind != NULL) {
        s_esc(w, report_text_number(w->m, ind, sd->value, buf, sizeof buf));
    } else if (sd->has_value) {
        s_esc(w, report_i18n_number(w->m, sd->value, 1, buf, sizeof buf));
    } else {
        s_raw(w, "–");
    }
    s_raw(w, "</td><td class=\"num\">");
    if (sd->has_rank) {
        s_esc(w, report_i18n_number(w->m, sd->percentile_rank, 0, buf,
                                    sizeof buf));
        s_raw(w, "%");
    } else {
        s_raw(w, "–");
    }
    s_raw(w, "</td><td>");
    s_chip(w, sd->band, sd->band >= 1 && sd->band <= 4);
    s_raw(w, "</td>");
}

/* A header cell from a message with {period}. */
static void s_th_period(s_w_t *w, const char *key, const char *period)
{
    s_raw(w, "<th scope=\"col\">");
    s_esc_free(w, report_i18n_format(w->m, key, "period", period, NULL));
    s_raw(w, "</th>");
}

/* SPEC 10: the actions recorded for the period before, with what became
 * of their indicators.  Shown only when there are some. */
static void s_followup(s_w_t *w, const report_provider_t *r)
{
    if (r->followup_count == 0) {
        return;
    }
    char before[16], now[16], key[48];
    snprintf(before, sizeof before, "%d", r->period - 1);
    snprintf(now, sizeof now, "%d", r->period);
    s_raw(w, "<section id=\"followup\">\n<h2>");
    s_msg(w, "section.followup");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_esc_free(w, report_i18n_format(w->m, "section.followup_intro",
                                     "period", before, NULL));
    s_raw(w, "</p>\n<table>\n<thead><tr>");
    s_th(w, "col.action", 0);
    s_th(w, "col.indicator", 0);
    s_th(w, "col.status", 0);
    s_th_period(w, "followup.value_in", before);
    s_th_period(w, "followup.rank_in", before);
    s_th_period(w, "followup.band_in", before);
    s_th_period(w, "followup.value_in", now);
    s_th_period(w, "followup.rank_in", now);
    s_th_period(w, "followup.band_in", now);
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->followup_count; i++) {
        const report_followup_t *f = &r->followups[i];
        const report_indicator_t *ind =
            report_provider_find(r, f->indicator_id);
        s_raw(w, "<tr class=\"followup\"><td>");
        s_esc(w, f->action_id);
        s_raw(w, "</td><td>");
        if (ind != NULL) {
            s_indicator_link(w, ind);
        } else {
            s_esc(w, f->indicator_id);
        }
        snprintf(key, sizeof key, "action_status.%s", f->status);
        s_raw(w, "</td><td>");
        s_msg(w, key);
        s_raw(w, "</td>");
        s_side_cells(w, ind, &f->before);
        s_side_cells(w, ind, &f->after);
        s_raw(w, "</tr>\n");
    }
    s_raw(w, "</tbody>\n</table>\n</section>\n");
}

static void s_strengths(s_w_t *w, const report_provider_t *r)
{
    s_raw(w, "<section id=\"strengths\">\n<h2>");
    s_msg(w, "section.strengths");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "section.strengths_intro");
    s_raw(w, "</p>\n");
    if (r->strength_count == 0) {
        s_raw(w, "<p>");
        s_msg(w, "strengths.none");
        s_raw(w, "</p>\n</section>\n");
        return;
    }
    s_raw(w, "<ul>\n");
    for (size_t i = 0; i < r->strength_count; i++) {
        const report_indicator_t *ind =
            report_provider_find(r, r->strengths[i]);
        if (ind == NULL) {
            continue;
        }
        s_raw(w, "<li>");
        s_indicator_link(w, ind);
        for (size_t j = 0; j < ind->group_count; j++) {
            const report_group_t *g = &ind->groups[j];
            if (!g->too_few_peers && g->has_position && g->band == 4) {
                s_raw(w, " – ");
                s_esc_free(w, report_text_better_than(w->m, g));
                break;
            }
        }
        s_raw(w, "</li>\n");
    }
    s_raw(w, "</ul>\n</section>\n");
}

/* One entry of the key: a small symbol (hidden from screen readers: the
 * words say it) and its words, without a closing full stop. */
static void s_key_item(s_w_t *w, const char *symbol, const char *key)
{
    const char *t = report_i18n_get(w->m, key);
    size_t len = strlen(t);
    while (len > 0 && t[len - 1] == '.') {
        len--;
    }
    char *copy = malloc(len + 1);
    if (copy == NULL) {
        w->oom = 1;
        return;
    }
    memcpy(copy, t, len);
    copy[len] = '\0';
    s_raw(w, "<li><svg width=\"22\" height=\"20\" viewBox=\"0 0 22 20\" "
             "aria-hidden=\"true\" focusable=\"false\">");
    s_raw(w, symbol);
    s_raw(w, "</svg>");
    s_esc(w, copy);
    s_raw(w, "</li>");
    free(copy);
}

/* The key to the charts, as text with symbols; the same symbols and
 * colours as report_chart draws (Okabe-Ito, see report_chart.h). */
static void s_legend(s_w_t *w, const report_provider_t *r)
{
    int dots = 0;
    for (size_t i = 0; i < r->indicator_count && !dots; i++) {
        for (size_t j = 0; j < r->indicators[i].group_count; j++) {
            const report_group_t *g = &r->indicators[i].groups[j];
            dots |= !g->too_few_peers && g->peers != NULL
                    && g->peer_count > 0;
        }
    }
    s_raw(w, "<ul class=\"key\">");
    s_key_item(w, "<polygon points=\"11,2 19,10 11,18 3,10\" "
                  "fill=\"#D55E00\" stroke=\"#000000\"/>", "legend.you");
    s_key_item(w, "<line x1=\"0\" y1=\"10\" x2=\"22\" y2=\"10\" "
                  "stroke=\"#0072B2\" stroke-width=\"1.5\"/>"
                  "<rect x=\"5\" y=\"3\" width=\"12\" height=\"14\" "
                  "fill=\"#56B4E9\" fill-opacity=\"0.3\" "
                  "stroke=\"#0072B2\"/><line x1=\"11\" y1=\"3\" "
                  "x2=\"11\" y2=\"17\" stroke=\"#0072B2\" "
                  "stroke-width=\"2.5\"/>", "legend.box");
    if (dots) {
        s_key_item(w, "<circle cx=\"6\" cy=\"8\" r=\"3\" "
                      "fill=\"#333333\" fill-opacity=\"0.45\"/>"
                      "<circle cx=\"13\" cy=\"12\" r=\"3\" "
                      "fill=\"#333333\" fill-opacity=\"0.45\"/>",
                   "legend.dots");
    }
    s_key_item(w, "<line x1=\"11\" y1=\"6\" x2=\"11\" y2=\"20\" "
                  "stroke=\"#009E73\" stroke-width=\"2.5\"/>"
                  "<polygon points=\"7,1 15,1 11,6\" fill=\"#009E73\"/>",
               "legend.best");
    s_key_item(w, "<line x1=\"11\" y1=\"1\" x2=\"11\" y2=\"19\" "
                  "stroke=\"#CC79A7\" stroke-width=\"2\" "
                  "stroke-dasharray=\"4 3\"/>", "legend.reference");
    s_raw(w, "</ul>\n");
}

static void s_num_cell(s_w_t *w, const report_indicator_t *ind, double v,
                       int has)
{
    char buf[64];
    s_raw(w, "<td class=\"num\">");
    if (has) {
        s_esc(w, report_text_number(w->m, ind, v, buf, sizeof buf));
    } else {
        s_raw(w, "–");
    }
    s_raw(w, "</td>");
}

/* The figures behind the chart: the table that is its text equivalent. */
static void s_figures_table(s_w_t *w, const report_indicator_t *ind)
{
    static const char *const cols[] = {
        "col.n", "col.mean", "col.p10", "col.p25", "col.median", "col.p75",
        "col.p90", "col.best", "col.reference", "col.rank", "col.band",
    };
    char label[128];
    s_raw(w, "<table class=\"figures\">\n<caption>");
    s_msg(w, "chart.table_caption");
    s_raw(w, "</caption>\n<thead><tr><th scope=\"col\">");
    s_msg(w, "col.group");
    s_raw(w, "</th>");
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        s_raw(w, "<th scope=\"col\" class=\"num\">");
        s_msg(w, cols[i]);
        s_raw(w, "</th>");
    }
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t j = 0; j < ind->group_count; j++) {
        const report_group_t *g = &ind->groups[j];
        s_raw(w, "<tr><th scope=\"row\">");
        s_esc(w, report_text_label(w->m, "group", g->group_id, label,
                                   sizeof label));
        s_raw(w, " <span class=\"muted\">");
        s_esc(w, g->group_key);
        s_raw(w, "</span></th>");
        s_fmt(w, "<td class=\"num\">%zu</td>", g->n);
        if (g->too_few_peers) {
            s_raw(w, "<td colspan=\"10\" class=\"muted\">");
            s_msg(w, "status.too_few_peers");
            s_raw(w, "</td></tr>\n");
            continue;
        }
        int pos = g->has_position && ind->status == REPORT_STATUS_OK;
        s_num_cell(w, ind, g->mean, 1);
        s_num_cell(w, ind, g->p10, 1);
        s_num_cell(w, ind, g->p25, 1);
        s_num_cell(w, ind, g->p50, 1);
        s_num_cell(w, ind, g->p75, 1);
        s_num_cell(w, ind, g->p90, 1);
        s_num_cell(w, ind, g->best_in_class, 1);
        s_num_cell(w, ind, g->reference, g->has_reference);
        if (pos) {
            s_fmt(w, "<td class=\"num\">%.0f</td><td class=\"num\">%d</td>",
                  round(g->percentile_rank), g->band);
        } else {
            s_raw(w, "<td class=\"num\">–</td><td class=\"num\">–</td>");
        }
        s_raw(w, "</tr>\n");
    }
    s_raw(w, "</tbody>\n</table>\n");
}

/* The learning curve (SPEC 5): the chart, and its figures in a table. */
static void s_curve(s_w_t *w, const report_indicator_t *ind)
{
    if (!report_curve_has(ind)) {
        return;
    }
    char buf[160];
    s_raw(w, "<div class=\"curve\"><h4>");
    s_msg(w, "curve.heading");
    s_raw(w, "</h4>\n");
    char *svg = NULL;
    bl_err_t err = {0};
    snprintf(buf, sizeof buf, "lc-%s", ind->id != NULL ? ind->id : "");
    if (report_curve_svg(ind, w->m, buf, &svg, &err) != 0) {
        w->oom = 1;
    } else {
        s_raw(w, "<figure style=\"margin:0\">");
        s_raw(w, svg);
        s_raw(w, "</figure>\n");
    }
    free(svg);
    s_raw(w, "<details><summary>");
    s_msg(w, "curve.heading");
    s_raw(w, "</summary>\n<table class=\"figures curve-table\">\n<thead><tr>");
    static const char *const cols[] = {"col.period", "col.value", "col.rank",
                                       "col.band", "curve.p50"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        s_raw(w, i == 0 ? "<th scope=\"col\">" : "<th scope=\"col\" "
                                                 "class=\"num\">");
        s_msg(w, cols[i]);
        s_raw(w, "</th>");
    }
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < ind->curve_count; i++) {
        const report_curve_point_t *p = &ind->curve[i];
        s_fmt(w, "<tr><th scope=\"row\">%d</th>", p->period);
        s_num_cell(w, ind, p->value, p->status == REPORT_STATUS_OK);
        if (p->has_position) {
            s_fmt(w, "<td class=\"num\">%.0f</td><td class=\"num\">%d</td>",
                  round(p->percentile_rank), p->band);
        } else {
            s_raw(w, "<td class=\"num\">–</td><td class=\"num\">–</td>");
        }
        s_num_cell(w, ind, p->p50, p->has_p50);
        s_raw(w, "</tr>\n");
    }
    s_raw(w, "</tbody>\n</table>\n</details>\n</div>\n");
}

static void s_indicator(s_w_t *w, const report_provider_t *r,
                        const report_indicator_t *ind)
{
    char buf[160];
    s_raw(w, "<article class=\"indicator\" id=\"");
    s_id(w, "ind-", ind->id);
    s_raw(w, "\">\n<h3><span class=\"id\">");
    s_esc(w, ind->id);
    s_raw(w, "</span>");
    s_esc(w, ind->name);
    s_raw(w, "</h3>\n<p class=\"muted\">");
    s_esc(w, report_text_label(w->m, "principle", ind->principle, buf,
                               sizeof buf));
    s_raw(w, " · ");
    s_msg(w, ind->direction == REPORT_DIR_HIGHER ? "phrase.direction_higher"
                                                 : "phrase.direction_lower");
    s_raw(w, "</p>\n<div class=\"figure-line\">");
    if (ind->status == REPORT_STATUS_OK) {
        s_raw(w, "<span>");
        s_msg(w, "phrase.your_value");
        s_raw(w, ": <span class=\"big\">");
        s_esc(w, report_text_value(w->m, ind, ind->value, buf, sizeof buf));
        s_raw(w, "</span></span>");
        if (ind->has_ratio) {
            char num[64];
            char den[64];
            report_i18n_number(w->m, ind->numerator, 0, num, sizeof num);
            report_i18n_number(w->m, ind->denominator, 0, den, sizeof den);
            s_raw(w, "<span class=\"muted\">");
            s_esc_free(w, report_i18n_format(w->m, "phrase.ratio", "num", num,
                                             "den", den, NULL));
            s_raw(w, "</span>");
        }
    }
    if (ind->n >= 0) {
        snprintf(buf, sizeof buf, "%ld", ind->n);
        s_raw(w, "<span class=\"muted\">");
        s_esc_free(w, report_i18n_format(w->m, "phrase.respondents", "n", buf,
                                         NULL));
        s_raw(w, "</span>");
    }
    s_raw(w, "</div>\n");
    if (ind->status != REPORT_STATUS_OK) {
        s_raw(w, "<p class=\"notice\"><strong>");
        s_msg(w, ind->status == REPORT_STATUS_SUPPRESSED
                     ? "status.too_few_respondents" : "status.missing");
        s_raw(w, ".</strong> ");
        s_esc_free(w, report_text_status(w->m, r, ind));
        s_raw(w, "</p>\n");
    }
    s_positions(w, r, ind);

    report_chart_t chart;
    bl_err_t err = {0};
    if (report_chart_build(&chart, ind, S_CHART_WIDTH, &err) == 0) {
        char *title = report_i18n_format(w->m, "chart.title", "id", ind->id,
                                         "name", ind->name, NULL);
        char *desc = report_text_chart_desc(w->m, ind);
        char *svg = NULL;
        snprintf(buf, sizeof buf, "c-%s", ind->id != NULL ? ind->id : "");
        if (title == NULL || desc == NULL
            || report_chart_svg(&chart, w->m, buf, title, desc, &svg, &err)
                   != 0) {
            w->oom = 1;
        } else {
            s_raw(w, "<figure style=\"margin:0\">");
            s_raw(w, svg);
            s_raw(w, "</figure>\n");
        }
        free(svg);
        free(title);
        free(desc);
        report_chart_free(&chart);
    } else {
        w->oom = 1;
    }
    s_raw(w, "<details><summary>");
    s_msg(w, "chart.table_caption");
    s_raw(w, "</summary>\n");
    s_figures_table(w, ind);
    s_raw(w, "</details>\n");

    if (r->has_previous_period) {
        s_raw(w, "<p><strong>");
        s_msg(w, "trend.title");
        s_raw(w, ":</strong> ");
        s_esc_free(w, report_text_trend(w->m, r, ind));
        for (size_t j = 0; j < ind->group_count; j++) {
            const report_group_t *g = &ind->groups[j];
            if (g->has_previous_rank && g->has_position && !g->too_few_peers
                && ind->status == REPORT_STATUS_OK) {
                s_raw(w, " ");
                s_esc_free(w, report_text_trend_rank(w->m, r, g));
            }
        }
        s_raw(w, "</p>\n");
    }
    s_curve(w, ind);
    s_raw(w, "</article>\n");
}

static void s_suppressed(s_w_t *w, const report_provider_t *r)
{
    s_raw(w, "<section id=\"suppressed\">\n<h2>");
    s_msg(w, "section.suppressed");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "section.suppressed_intro");
    s_raw(w, "</p>\n");
    int any = 0;
    for (size_t i = 0; i < r->indicator_count; i++) {
        const report_indicator_t *ind = &r->indicators[i];
        int few = 0;
        for (size_t j = 0; j < ind->group_count; j++) {
            few |= ind->groups[j].too_few_peers;
        }
        if (ind->status == REPORT_STATUS_OK && !few) {
            continue;
        }
        if (!any) {
            s_raw(w, "<ul>\n");
            any = 1;
        }
        s_raw(w, "<li>");
        s_indicator_link(w, ind);
        s_raw(w, ": ");
        if (ind->status != REPORT_STATUS_OK) {
            s_raw(w, "<strong>");
            s_msg(w, ind->status == REPORT_STATUS_SUPPRESSED
                         ? "status.too_few_respondents" : "status.missing");
            s_raw(w, "</strong> – ");
            s_esc_free(w, report_text_status(w->m, r, ind));
        }
        for (size_t j = 0; j < ind->group_count; j++) {
            if (ind->groups[j].too_few_peers) {
                s_raw(w, " <strong>");
                s_msg(w, "status.too_few_peers");
                s_raw(w, "</strong> – ");
                s_esc_free(w, report_text_too_few_peers(w->m, r,
                                                        &ind->groups[j]));
            }
        }
        s_raw(w, "</li>\n");
    }
    if (any) {
        s_raw(w, "</ul>\n");
    } else {
        s_raw(w, "<p>");
        s_msg(w, "suppressed.none");
        s_raw(w, "</p>\n");
    }
    s_raw(w, "</section>\n");
}

/* The best unit on ind: highest or lowest OK value; -1 when fewer than two
 * units have a value (nothing to compare). */
static long s_best_unit(const report_provider_t *r, size_t i)
{
    long best = -1;
    size_t with = 0;
    const report_indicator_t *ind = &r->indicators[i];
    for (size_t u = 0; u < r->unit_count; u++) {
        const report_unit_value_t *v = &r->units[u].values[i];
        if (v->status != REPORT_STATUS_OK) {
            continue;
        }
        with++;
        if (best < 0) {
            best = (long)u;
            continue;
        }
        double b = r->units[best].values[i].value;
        if (ind->direction == REPORT_DIR_HIGHER ? v->value > b
                                                : v->value < b) {
            best = (long)u;
        }
    }
    return with >= 2 ? best : -1;
}

static void s_units(s_w_t *w, const report_provider_t *r)
{
    if (r->unit_count == 0 || r->units == NULL) {
        return;
    }
    char buf[96];
    s_raw(w, "<section id=\"units\">\n<h2>");
    s_msg(w, "section.units");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "section.units_intro");
    s_raw(w, "</p>\n<table>\n<thead><tr><th scope=\"col\">");
    s_msg(w, "col.indicator");
    s_raw(w, "</th><th scope=\"col\" class=\"num\">");
    s_msg(w, "col.provider_total");
    s_raw(w, "</th>");
    for (size_t u = 0; u < r->unit_count; u++) {
        s_raw(w, "<th scope=\"col\" class=\"num\">");
        s_esc(w, r->units[u].unit_id);
        s_raw(w, "</th>");
    }
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->indicator_count; i++) {
        const report_indicator_t *ind = &r->indicators[i];
        int any = 0;
        for (size_t u = 0; u < r->unit_count; u++) {
            any |= r->units[u].values != NULL
                   && r->units[u].values[i].status != REPORT_STATUS_MISSING;
        }
        if (!any) {
            continue;
        }
        long best = s_best_unit(r, i);
        s_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">");
        s_indicator_link(w, ind);
        s_raw(w, "</th><td class=\"num\">");
        if (ind->status == REPORT_STATUS_OK) {
            s_esc(w, report_text_value(w->m, ind, ind->value, buf,
                                       sizeof buf));
        } else {
            s_raw(w, "–");
        }
        s_raw(w, "</td>");
        for (size_t u = 0; u < r->unit_count; u++) {
            const report_unit_value_t *v = &r->units[u].values[i];
            s_raw(w, "<td class=\"num\">");
            if (v->status == REPORT_STATUS_OK) {
                if ((long)u == best) {
                    s_raw(w, "<strong>★ ");
                }
                s_esc(w, report_text_value(w->m, ind, v->value, buf,
                                           sizeof buf));
                if ((long)u == best) {
                    s_raw(w, "</strong>");
                }
            } else if (v->status == REPORT_STATUS_SUPPRESSED) {
                s_raw(w, "<span class=\"muted\">");
                s_msg(w, "status.too_few_respondents");
                s_raw(w, "</span>");
            } else {
                s_raw(w, "–");
            }
            s_raw(w, "</td>");
        }
        s_raw(w, "</tr>\n");
    }
    s_raw(w, "</tbody>\n</table>\n</section>\n");
}

static void s_methods(s_w_t *w, const report_provider_t *r)
{
    static const char *const keys[] = {
        "methods.peers", "methods.distribution", "methods.rank",
        "methods.bands", "methods.best", "methods.suppression",
        "methods.areas",
    };
    char peers[16];
    char resp[16];
    snprintf(peers, sizeof peers, "%d", r->min_peers);
    snprintf(resp, sizeof resp, "%d", r->min_respondents);
    s_raw(w, "<section id=\"methods\" class=\"methods\">\n<h2>");
    s_msg(w, "section.methods");
    s_raw(w, "</h2>\n");
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        s_raw(w, "<p>");
        s_esc_free(w, report_i18n_format(w->m, keys[i], "min_peers", peers,
                                         "min_respondents", resp, NULL));
        s_raw(w, "</p>\n");
    }
    s_raw(w, "</section>\n");
}

static int s_finish(s_w_t *w, bl_err_t *err)
{
    if (fflush(w->f) != 0 || ferror(w->f)) {
        return bl_err_set(err, BL_EIO, "cannot write the report page");
    }
    if (w->oom) {
        return bl_err_set(err, BL_ENOMEM, "report page: out of memory");
    }
    return 0;
}

int report_html_write_provider(FILE *f, const report_provider_t *r,
                               const report_i18n_t *m, bl_err_t *err)
{
    if (f == NULL || r == NULL || m == NULL) {
        return bl_err_set(err, BL_EINVAL, "report page: invalid argument");
    }
    s_w_t w = {f, m, 0};
    char period[16];
    char buf[128];
    snprintf(period, sizeof period, "%d", r->period);
    s_head(&w, report_i18n_get(m, "report.title"),
           r->name != NULL ? r->name : "");
    s_raw(&w, "<header class=\"masthead\">\n<p class=\"kicker\">");
    s_msg(&w, "report.title");
    s_raw(&w, " · ");
    s_esc(&w, period);
    s_raw(&w, "</p>\n<h1>");
    s_esc(&w, r->name);
    s_raw(&w, "</h1>\n<dl class=\"meta\">");
    s_meta_item(&w, "report.provider_id", r->provider_id);
    s_meta_item(&w, "report.service_type",
                report_text_label(m, "service_type", r->service_type, buf,
                                  sizeof buf));
    s_meta_item(&w, "report.country", r->country);
    s_meta_item(&w, "report.period", period);
    s_raw(&w, "</dl>\n</header>\n<main>\n");
    s_overview(&w, r);
    s_followup(&w, r);
    s_areas(&w, r);
    s_strengths(&w, r);

    s_raw(&w, "<section id=\"indicators\">\n<h2>");
    s_msg(&w, "section.indicators");
    s_raw(&w, "</h2>\n");
    s_legend(&w, r);
    for (size_t i = 0; i < r->indicator_count; i++) {
        s_indicator(&w, r, &r->indicators[i]);
    }
    s_raw(&w, "</section>\n");
    s_suppressed(&w, r);
    s_units(&w, r);
    s_methods(&w, r);
    s_raw(&w, "</main>\n<footer><dl class=\"meta\">");
    s_meta_item(&w, "report.node", r->node_id);
    s_meta_item(&w, "report.catalogue", r->catalogue);
    s_meta_item(&w, "report.generated", r->generated);
    s_raw(&w, "</dl></footer>\n</body>\n</html>\n");
    return s_finish(&w, err);
}

/* ---- coordinator's summary ------------------------------------------ */

static void s_th(s_w_t *w, const char *key, int num)
{
    s_raw(w, num ? "<th scope=\"col\" class=\"num\">" : "<th scope=\"col\">");
    s_msg(w, key);
    s_raw(w, "</th>");
}

static int s_cmp_country(const void *a, const void *b)
{
    const report_participant_t *pa = *(const report_participant_t *const *)a;
    const report_participant_t *pb = *(const report_participant_t *const *)b;
    int c = strcmp(pa->country != NULL ? pa->country : "",
                   pb->country != NULL ? pb->country : "");
    if (c != 0) {
        return c;
    }
    return strcmp(pa->provider_id != NULL ? pa->provider_id : "",
                  pb->provider_id != NULL ? pb->provider_id : "");
}

static void s_pct_cell(s_w_t *w, size_t part, size_t whole)
{
    if (whole == 0) {
        s_raw(w, "<td class=\"num\">–</td>");
        return;
    }
    double pct = 100.0 * (double)part / (double)whole;
    /* Rounded down: a node that misses one indicator in hundreds must not
     * read as complete. */
    double shown = floor(pct);
    s_fmt(w, "<td class=\"num\"><span class=\"bar\" style=\"width:%.1fpx\">"
             "</span> %.0f%%</td>", pct * 0.6, shown);
}

static void s_participation(s_w_t *w, const report_summary_t *s)
{
    s_raw(w, "<section id=\"participation\">\n<h2>");
    s_msg(w, "summary.participation");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "summary.participation_intro");
    s_raw(w, "</p>\n");
    const report_participant_t **order = NULL;
    if (s->participant_count > 0) {
        order = calloc(s->participant_count, sizeof *order);
        if (order == NULL) {
            w->oom = 1;
            return;
        }
    }
    for (size_t i = 0; i < s->participant_count; i++) {
        order[i] = &s->participants[i];
    }
    if (s->international && s->participant_count > 1) {
        qsort(order, s->participant_count, sizeof *order, s_cmp_country);
    }
    if (s->international) {
        s_raw(w, "<h3>");
        s_msg(w, "summary.by_country");
        s_raw(w, "</h3>\n<table>\n<thead><tr>");
        s_th(w, "col.country", 0);
        s_th(w, "col.providers", 1);
        s_th(w, "col.sent", 1);
        s_th(w, "col.expected", 1);
        s_th(w, "col.completeness", 1);
        s_th(w, "col.rejected", 1);
        s_raw(w, "</tr></thead>\n<tbody>\n");
        size_t i = 0;
        while (i < s->participant_count) {
            const char *c = order[i]->country != NULL ? order[i]->country
                                                       : "";
            size_t n = 0, sent = 0, exp = 0, rej = 0;
            while (i < s->participant_count
                   && strcmp(order[i]->country != NULL ? order[i]->country
                                                        : "", c) == 0) {
                n++;
                sent += order[i]->sent;
                exp += order[i]->expected;
                rej += order[i]->rejected;
                i++;
            }
            s_raw(w, "<tr><th scope=\"row\">");
            s_esc(w, c);
            s_fmt(w, "</th><td class=\"num\">%zu</td><td class=\"num\">%zu"
                     "</td><td class=\"num\">%zu</td>", n, sent, exp);
            s_pct_cell(w, sent, exp);
            s_fmt(w, "<td class=\"num\">%zu</td></tr>\n", rej);
        }
        s_raw(w, "</tbody>\n</table>\n");
    }
    s_raw(w, "<table>\n<thead><tr>");
    if (s->international) {
        s_th(w, "col.country", 0);
    }
    s_th(w, "col.provider", 0);
    s_th(w, "col.membership", 0);
    s_th(w, "col.sent", 1);
    s_th(w, "col.expected", 1);
    s_th(w, "col.completeness", 1);
    s_th(w, "col.rejected", 1);
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->participant_count; i++) {
        const report_participant_t *p = order[i];
        s_raw(w, "<tr>");
        if (s->international) {
            s_raw(w, "<td>");
            s_esc(w, p->country);
            s_raw(w, "</td>");
        }
        s_raw(w, "<th scope=\"row\" style=\"font-weight:normal\">"
                 "<span class=\"id\">");
        s_esc(w, p->provider_id);
        s_raw(w, "</span>");
        s_esc(w, p->name);
        s_raw(w, "</th><td>");
        s_esc(w, p->membership);
        s_fmt(w, "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>",
              p->sent, p->expected);
        s_pct_cell(w, p->sent, p->expected);
        s_fmt(w, "<td class=\"num\">%zu</td></tr>\n", p->rejected);
    }
    s_raw(w, "</tbody>\n</table>\n<p><strong>");
    char n[24];
    snprintf(n, sizeof n, "%zu", s->rejected_rows);
    s_esc_free(w, report_i18n_format(w->m, "summary.rejected_total", "n", n,
                                     NULL));
    s_raw(w, "</strong></p>\n</section>\n");
    free(order);
}

static void s_overdue(s_w_t *w, const report_summary_t *s)
{
    s_raw(w, "<section id=\"overdue\">\n<h2>");
    s_msg(w, "summary.overdue");
    s_raw(w, "</h2>\n");
    if (s->overdue_count == 0) {
        s_raw(w, "<p>");
        s_msg(w, "summary.overdue_none");
        s_raw(w, "</p>\n</section>\n");
        return;
    }
    s_raw(w, "<table>\n<thead><tr>");
    s_th(w, "col.provider", 0);
    s_th(w, "col.country", 0);
    s_th(w, "col.member_since", 0);
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->overdue_count; i++) {
        const report_overdue_t *o = &s->overdue[i];
        s_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">"
                 "<span class=\"id\">");
        s_esc(w, o->provider_id);
        s_raw(w, "</span>");
        s_esc(w, o->name);
        s_raw(w, "</th><td>");
        s_esc(w, o->country);
        s_raw(w, "</td><td>");
        s_esc(w, o->member_since);
        s_raw(w, "</td></tr>\n");
    }
    s_raw(w, "</tbody>\n</table>\n</section>\n");
}

static void s_top_areas(s_w_t *w, const report_summary_t *s)
{
    s_raw(w, "<section id=\"top-areas\">\n<h2>");
    s_msg(w, "summary.top_areas");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "summary.top_areas_intro");
    s_raw(w, "</p>\n");
    if (s->top_area_count == 0) {
        s_raw(w, "<p>");
        s_msg(w, "summary.none");
        s_raw(w, "</p>\n</section>\n");
        return;
    }
    size_t most = 1;
    for (size_t i = 0; i < s->top_area_count; i++) {
        if (s->top_areas[i].providers > most) {
            most = s->top_areas[i].providers;
        }
    }
    s_raw(w, "<table>\n<thead><tr>");
    s_th(w, "col.indicator", 0);
    s_th(w, "col.providers", 1);
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->top_area_count; i++) {
        const report_top_area_t *a = &s->top_areas[i];
        s_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">"
                 "<span class=\"id\">");
        s_esc(w, a->indicator_id);
        s_raw(w, "</span>");
        s_esc(w, a->name);
        s_fmt(w, "</th><td class=\"num\"><span class=\"bar\" "
                 "style=\"width:%.1fpx\"></span> %zu</td></tr>\n",
              120.0 * (double)a->providers / (double)most, a->providers);
    }
    s_raw(w, "</tbody>\n</table>\n</section>\n");
}

static void s_bands(s_w_t *w, const report_summary_t *s)
{
    char label[128];
    s_raw(w, "<section id=\"bands\">\n<h2>");
    s_msg(w, "summary.bands");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "summary.bands_intro");
    s_raw(w, "</p>\n");
    if (s->band_dist_count == 0) {
        s_raw(w, "<p>");
        s_msg(w, "summary.none");
        s_raw(w, "</p>\n</section>\n");
        return;
    }
    s_raw(w, "<table>\n<thead><tr>");
    s_th(w, "col.indicator", 0);
    s_th(w, "col.group", 0);
    for (int b = 1; b <= REPORT_BANDS; b++) {
        char key[16];
        snprintf(key, sizeof key, "col.band%d", b);
        s_th(w, key, 1);
    }
    s_raw(w, "<th scope=\"col\" aria-hidden=\"true\"></th>");
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->band_dist_count; i++) {
        const report_band_dist_t *d = &s->band_dists[i];
        size_t total = 0;
        s_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">"
                 "<span class=\"id\">");
        s_esc(w, d->indicator_id);
        s_raw(w, "</span>");
        s_esc(w, d->name);
        s_raw(w, "</th><td>");
        s_esc(w, report_text_label(w->m, "group", d->group_id, label,
                                   sizeof label));
        s_raw(w, "</td>");
        for (int b = 0; b < REPORT_BANDS; b++) {
            s_fmt(w, "<td class=\"num\">%zu</td>", d->bands[b]);
            total += d->bands[b];
        }
        /* A stacked bar; the numbers are in the cells before it. */
        s_raw(w, "<td aria-hidden=\"true\"><svg width=\"120\" height=\"12\" "
                 "viewBox=\"0 0 120 12\">");
        double x = 0;
        for (int b = 0; b < REPORT_BANDS && total > 0; b++) {
            double wd = 120.0 * (double)d->bands[b] / (double)total;
            s_fmt(w, "<rect x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"12\" "
                     "fill=\"#%06X\"/>", x, wd,
                  (unsigned)report_chart_band_color(b + 1));
            x += wd;
        }
        s_raw(w, "</svg></td></tr>\n");
    }
    s_raw(w, "</tbody>\n</table>\n</section>\n");
}

static void s_correlations(s_w_t *w, const report_summary_t *s)
{
    char label[128];
    s_raw(w, "<section id=\"correlations\">\n<h2>");
    s_msg(w, "summary.correlations");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "summary.correlations_intro");
    s_raw(w, "</p>\n");
    if (s->correlation_count == 0) {
        s_raw(w, "<p>");
        s_msg(w, "summary.none");
        s_raw(w, "</p>\n</section>\n");
        return;
    }
    s_raw(w, "<table>\n<thead><tr>");
    s_th(w, "col.pair", 0);
    s_th(w, "col.group", 0);
    s_th(w, "col.n", 1);
    s_th(w, "col.rho", 1);
    s_th(w, "col.p", 1);
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->correlation_count; i++) {
        const report_correlation_t *c = &s->correlations[i];
        char rho[32], pv[40], tiny[32];
        report_i18n_number(w->m, c->rho, 2, rho, sizeof rho);
        if (c->p < 0.0001) {
            snprintf(pv, sizeof pv, "< %s",
                     report_i18n_number(w->m, 0.0001, 4, tiny, sizeof tiny));
        } else {
            report_i18n_number(w->m, c->p, 4, pv, sizeof pv);
        }
        s_raw(w, "<tr><td>");
        s_esc(w, c->a);
        s_raw(w, " × ");
        s_esc(w, c->b);
        s_raw(w, "</td><td>");
        s_esc(w, report_text_label(w->m, "group", c->group_id, label,
                                   sizeof label));
        s_raw(w, " <span class=\"muted\">");
        s_esc(w, c->group_key);
        s_fmt(w, "</span></td><td class=\"num\">%zu</td><td class=\"num\">",
              c->n);
        s_esc(w, rho);
        s_raw(w, "</td><td class=\"num\">");
        s_esc(w, pv);
        s_raw(w, "</td></tr>\n");
    }
    s_raw(w, "</tbody>\n</table>\n</section>\n");
}

/* SPEC 10: the share of period - 1's actions done by this close, over
 * the node and per indicator. */
static void s_done(s_w_t *w, const report_summary_t *s)
{
    char before[16], a[32], d[32];
    snprintf(before, sizeof before, "%d", s->period - 1);
    s_raw(w, "<section id=\"actions-done\">\n<h2>");
    s_msg(w, "summary.done");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_esc_free(w, report_i18n_format(w->m, "summary.done_intro", "period",
                                     before, NULL));
    s_raw(w, "</p>\n");
    size_t actions = 0, done = 0;
    for (size_t i = 0; i < s->done_count; i++) {
        actions += s->done[i].actions;
        done += s->done[i].done;
    }
    if (actions == 0) {
        s_raw(w, "<p>");
        s_msg(w, "summary.none");
        s_raw(w, "</p>\n</section>\n");
        return;
    }
    snprintf(a, sizeof a, "%zu", actions);
    snprintf(d, sizeof d, "%zu", done);
    s_raw(w, "<p class=\"done-total\">");
    s_esc_free(w, report_i18n_format(w->m, "summary.done_total", "done", d,
                                     "actions", a, NULL));
    s_raw(w, "</p>\n<table>\n<thead><tr>");
    s_th(w, "col.indicator", 0);
    s_th(w, "col.actions", 1);
    s_th(w, "col.done", 1);
    s_th(w, "col.done_share", 1);
    s_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->done_count; i++) {
        const report_done_t *x = &s->done[i];
        s_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">"
                 "<span class=\"id\">");
        s_esc(w, x->indicator_id);
        s_raw(w, "</span>");
        s_esc(w, x->name);
        s_fmt(w, "</th><td class=\"num\">%zu</td><td class=\"num\">%zu"
                 "</td>", x->actions, x->done);
        s_pct_cell(w, x->done, x->actions);
        s_raw(w, "</tr>\n");
    }
    s_raw(w, "</tbody>\n<tfoot><tr><th scope=\"row\">");
    s_msg(w, "summary.done_node");
    s_fmt(w, "</th><td class=\"num\">%zu</td><td class=\"num\">%zu</td>",
          actions, done);
    s_pct_cell(w, done, actions);
    s_raw(w, "</tr></tfoot>\n</table>\n</section>\n");
}

/* SPEC 10: per indicator and country, the providers in need, those in
 * band 4, the hosts that share identity and the proposed event. */
static void s_event_plan(s_w_t *w, const report_summary_t *s)
{
    s_raw(w, "<section id=\"event-plan\">\n<h2>");
    s_msg(w, "summary.event_plan");
    s_raw(w, "</h2>\n<p class=\"intro\">");
    s_msg(w, "summary.event_plan_intro");
    s_raw(w, "</p>\n");
    if (s->need_count == 0) {
        s_raw(w, "<p>");
        s_msg(w, "summary.none");
        s_raw(w, "</p>\n</section>\n");
        return;
    }
    s_raw(w, "<table>\n<thead><tr>");
    s_th(w, "col.indicator", 0);
    s_th(w, "col.country", 0);
    s_th(w, "col.in_need", 1);
    s_th(w, "col.band4", 1);
    s_th(w, "col.hosts", 0);
    s_th(w, "col.event", 0);
    s_raw(w, "</tr></thead>\n<tbody>\n");
    char key[48];
    for (size_t i = 0; i < s->need_count; i++) {
        const report_need_t *x = &s->needs[i];
        s_raw(w, "<tr class=\"need\"><th scope=\"row\" "
                 "style=\"font-weight:normal\"><span class=\"id\">");
        s_esc(w, x->indicator_id);
        s_raw(w, "</span>");
        s_esc(w, x->name);
        s_raw(w, "</th><td>");
        s_esc(w, x->country);
        s_fmt(w, "</td><td class=\"num\">%zu</td><td class=\"num\">%zu"
                 "</td><td>", x->in_need, x->band4);
        for (const char *h = x->hosts; h != NULL && *h != '\0'; h++) {
            if (*h == ';') {
                s_raw(w, ", ");
            } else {
                char one[2] = {*h, '\0'};
                s_esc(w, one);
            }
        }
        s_raw(w, "</td><td>");
        if (x->event != NULL) {
            snprintf(key, sizeof key, "event.%s", x->event);
            s_msg(w, key);
        }
        s_raw(w, "</td></tr>\n");
    }
    s_raw(w, "</tbody>\n</table>\n</section>\n");
}

int report_html_write_summary(FILE *f, const report_summary_t *s,
                              const report_i18n_t *m, bl_err_t *err)
{
    if (f == NULL || s == NULL || m == NULL) {
        return bl_err_set(err, BL_EINVAL, "summary page: invalid argument");
    }
    s_w_t w = {f, m, 0};
    char period[16];
    snprintf(period, sizeof period, "%d", s->period);
    s_head(&w, report_i18n_get(m, "summary.title"),
           s->node_id != NULL ? s->node_id : "");
    s_raw(&w, "<header class=\"masthead\">\n<p class=\"kicker\">");
    s_msg(&w, "summary.title");
    s_raw(&w, " · ");
    s_esc(&w, period);
    s_raw(&w, "</p>\n<h1>");
    s_esc_free(&w, report_i18n_format(m, "summary.subtitle", "node",
                                      s->node_id != NULL ? s->node_id : "",
                                      "period", period, NULL));
    s_raw(&w, "</h1>\n<dl class=\"meta\">");
    s_meta_item(&w, "report.country", s->country);
    s_meta_item(&w, "report.generated", s->generated);
    s_raw(&w, "</dl>\n</header>\n<main>\n");
    s_participation(&w, s);
    s_overdue(&w, s);
    s_bands(&w, s);
    s_top_areas(&w, s);
    s_done(&w, s);
    s_event_plan(&w, s);
    s_correlations(&w, s);
    s_raw(&w, "</main>\n</body>\n</html>\n");
    return s_finish(&w, err);
}
