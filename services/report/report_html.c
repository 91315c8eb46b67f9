/*
 * report_html: the provider's report page — the masthead, the overview by
 * principle, the follow-up of last period's actions, the areas for
 * improvement with their learning partners and practices, the strengths,
 * the methods — and the order of its sections.  The indicators' figures
 * are report_html_figures.c, the coordinator's summary page
 * report_html_summary.c, the writer report_hw.c.
 */
#include "report_html.h"

#include <stdio.h>
#include <string.h>

#include "report_html_figures.h"
#include "report_hw.h"
#include "report_sections.h"
#include "report_text.h"

static void s_chip(report_hw_t *w, int band, int has)
{
    char key[16];
    if (!has) {
        report_hw_raw(w, "<span class=\"chip b0\"><b>–</b>");
        report_hw_msg(w, "band.none");
        report_hw_raw(w, "</span>");
        return;
    }
    snprintf(key, sizeof key, "band.%d", band);
    report_hw_fmt(w, "<span class=\"chip b%d\"><b>%d</b>", band, band);
    report_hw_msg(w, key);
    report_hw_raw(w, "</span>");
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
static void s_band_cell(report_hw_t *w, const report_indicator_t *ind,
                        const report_group_t *g)
{
    report_hw_raw(w, "<td>");
    if (ind->status == REPORT_STATUS_SUPPRESSED) {
        report_hw_raw(w, "<span class=\"muted\">");
        report_hw_msg(w, "status.too_few_respondents");
        report_hw_raw(w, "</span>");
    } else if (ind->status == REPORT_STATUS_MISSING) {
        report_hw_raw(w, "<span class=\"muted\">");
        report_hw_msg(w, "status.missing");
        report_hw_raw(w, "</span>");
    } else if (g == NULL) {
        report_hw_raw(w, "<span class=\"muted\">–</span>");
    } else if (g->too_few_peers) {
        report_hw_raw(w, "<span class=\"muted\">");
        report_hw_msg(w, "status.too_few_peers");
        report_hw_raw(w, "</span>");
    } else {
        s_chip(w, g->band, g->has_position);
    }
    report_hw_raw(w, "</td>");
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

/* The overview's table, as report_sections walks it. */
typedef struct s_glance {
    report_hw_t *w;
    const char **ids;   /* the group of each column */
    size_t gcount;      /* columns after the indicator's */
} s_glance_t;

static void s_glance_principle(void *ctx, const char *pr)
{
    s_glance_t *t = ctx;
    char label[128];
    report_hw_fmt(t->w, "<tr class=\"principle\"><th scope=\"rowgroup\" "
                        "colspan=\"%zu\">", t->gcount + 1);
    report_hw_esc(t->w, report_text_label(t->w->m, "principle", pr, label,
                                          sizeof label));
    report_hw_raw(t->w, "</th></tr>\n");
}

static void s_glance_indicator(void *ctx, const report_indicator_t *ind)
{
    s_glance_t *t = ctx;
    report_hw_raw(t->w, "<tr><th scope=\"row\" style=\"font-weight:normal\">");
    report_html_figures_link(t->w, ind);
    report_hw_raw(t->w, "</th>");
    for (size_t g = 0; g < t->gcount; g++) {
        s_band_cell(t->w, ind, s_find_group(ind, t->ids[g]));
    }
    report_hw_raw(t->w, "</tr>\n");
}

static void s_overview(report_hw_t *w, const report_provider_t *r)
{
    const char *ids[16];
    size_t gcount = s_group_ids(r, ids, 16);
    char label[128];
    report_hw_raw(w, "<section id=\"overview\">\n<h2>");
    report_hw_msg(w, "section.overview");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "section.overview_intro");
    report_hw_raw(
        w, "</p>\n<table class=\"glance\">\n<thead><tr><th scope=\"col\">");
    report_hw_msg(w, "col.indicator");
    report_hw_raw(w, "</th>");
    for (size_t k = 0; k < gcount; k++) {
        report_hw_raw(w, "<th scope=\"col\">");
        report_hw_esc(w, report_text_label(w->m, "group", ids[k], label,
                                           sizeof label));
        report_hw_raw(w, "</th>");
    }
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    s_glance_t glance = {w, ids, gcount};
    report_sections_by_principle(r, s_glance_principle, s_glance_indicator,
                                 &glance);
    report_hw_raw(w, "</tbody>\n</table>\n");

    report_hw_raw(w, "<div class=\"callout\">\n<h3>");
    report_hw_msg(w, "section.top_areas");
    report_hw_raw(w, "</h3>\n");
    if (r->area_count == 0) {
        report_hw_raw(w, "<p>");
        report_hw_msg(w, "areas.none");
        report_hw_raw(w, "</p>\n");
    } else {
        report_hw_raw(w, "<ol>\n");
        for (size_t i = 0; i < r->area_count && i < 3; i++) {
            const report_indicator_t *ind =
                report_provider_find(r, r->areas[i].indicator_id);
            if (ind == NULL) {
                continue;
            }
            report_hw_raw(w, "<li>");
            report_html_figures_link(w, ind);
            const report_group_t *g = s_worst_group(ind);
            if (g != NULL) {
                report_hw_raw(w, " – ");
                report_hw_esc_free(w, report_text_better_than(w->m, g));
            }
            report_hw_raw(w, "</li>\n");
        }
        report_hw_raw(w, "</ol>\n");
    }
    report_hw_raw(w, "</div>\n</section>\n");
}

/* The indicators that move with area a among its peers (SPEC 5). */
static void s_related(report_hw_t *w, const report_provider_t *r,
                      const report_area_t *a)
{
    if (a->related_count == 0) {
        return;
    }
    report_hw_raw(w, "<p><strong>");
    report_hw_msg(w, "related.title");
    report_hw_raw(w, ":</strong> <span class=\"muted\">");
    report_hw_msg(w, "related.intro");
    report_hw_raw(w, "</span></p>\n<ul class=\"related\">\n");
    for (size_t k = 0; k < a->related_count; k++) {
        report_hw_raw(w, "<li>");
        report_hw_esc_free(w,
                           report_sections_related(w->m, r, &a->related[k]));
        report_hw_raw(w, "</li>\n");
    }
    report_hw_raw(w, "</ul>\n");
}

/* SPEC 10: the practices of band-4 providers under an area; the author
 * named, with contact, only when it shares identity. */
static void s_practices(report_hw_t *w, const report_area_t *a)
{
    if (a->practice_count == 0) {
        return;
    }
    report_hw_raw(w, "<p><strong>");
    report_hw_msg(w, "practices.title");
    report_hw_raw(w, ":</strong></p>\n<ul class=\"practices\">\n");
    for (size_t k = 0; k < a->practice_count; k++) {
        const report_practice_t *x = &a->practices[k];
        report_hw_raw(w, "<li class=\"practice\"><strong>");
        report_hw_esc(w, x->title);
        report_hw_raw(w, "</strong> – ");
        report_hw_esc(w, x->description);
        report_hw_raw(w, " <span class=\"muted\">(");
        report_hw_esc_free(w, report_sections_practice_source(w->m, x));
        report_hw_raw(w, ")</span></li>\n");
    }
    report_hw_raw(w, "</ul>\n");
}

static void s_areas(report_hw_t *w, const report_provider_t *r)
{
    report_hw_raw(w, "<section id=\"areas\">\n<h2>");
    report_hw_msg(w, "section.areas");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "section.areas_intro");
    report_hw_raw(w, "</p>\n");
    if (r->international_pending) {
        report_hw_raw(w, "<p class=\"intro\">");
        report_hw_msg(w, "areas.international_pending");
        report_hw_raw(w, "</p>\n");
    }
    if (r->area_count == 0) {
        report_hw_raw(w, "<p>");
        report_hw_msg(w, "areas.none");
        report_hw_raw(w, "</p>\n");
    }
    for (size_t i = 0; i < r->area_count; i++) {
        const report_area_t *a = &r->areas[i];
        const report_indicator_t *ind =
            report_provider_find(r, a->indicator_id);
        if (ind == NULL) {
            continue;
        }
        report_hw_raw(w, "<div class=\"area\">\n<h3>");
        report_html_figures_link(w, ind);
        report_hw_raw(w, "</h3>\n");
        report_html_figures_positions(w, r, ind);
        s_related(w, r, a);
        report_hw_raw(w, "<p><strong>");
        report_hw_msg(w, "partners.title");
        report_hw_raw(w, ":</strong></p>\n");
        if (a->partner_count == 0) {
            report_hw_raw(w, "<p class=\"muted\">");
            report_hw_msg(w, "partners.none");
            report_hw_raw(w, "</p>\n");
            s_practices(w, a);
            report_hw_raw(w, "</div>\n");
            continue;
        }
        report_hw_raw(w, "<ul class=\"partners\">\n");
        for (size_t k = 0; k < a->partner_count && k < REPORT_PARTNERS_MAX;
             k++) {
            report_hw_raw(w, "<li>");
            report_hw_esc_free(w, report_text_partner(w->m, &a->partners[k]));
            report_hw_raw(w, "</li>\n");
        }
        report_hw_raw(w, "</ul>\n");
        s_practices(w, a);
        report_hw_raw(w, "</div>\n");
    }
    report_hw_raw(w, "</section>\n");
}

/* One side of a follow-up: value, percentile rank and band cells. */
static void s_side_cells(report_hw_t *w, const report_indicator_t *ind,
                         const report_side_t *sd)
{
    char value[64], rank[64];
    report_sections_side(w->m, ind, sd, value, sizeof value, rank,
                         sizeof rank);
    report_hw_raw(w, "<td class=\"num\">");
    report_hw_esc(w, value);
    report_hw_raw(w, "</td><td class=\"num\">");
    report_hw_esc(w, rank);
    report_hw_raw(w, "</td><td>");
    s_chip(w, sd->band, sd->band >= 1 && sd->band <= 4);
    report_hw_raw(w, "</td>");
}

/* A header cell from a message with {period}. */
static void s_th_period(report_hw_t *w, const char *key, const char *period)
{
    report_hw_raw(w, "<th scope=\"col\">");
    report_hw_esc_free(w,
                       report_i18n_format(w->m, key, "period", period, NULL));
    report_hw_raw(w, "</th>");
}

/* SPEC 10: the actions recorded for the period before, with what became
 * of their indicators.  Shown only when there are some. */
static void s_followup(report_hw_t *w, const report_provider_t *r)
{
    if (r->followup_count == 0) {
        return;
    }
    char before[16], now[16], key[48];
    snprintf(before, sizeof before, "%d", r->period - 1);
    snprintf(now, sizeof now, "%d", r->period);
    report_hw_raw(w, "<section id=\"followup\">\n<h2>");
    report_hw_msg(w, "section.followup");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_esc_free(w, report_i18n_format(w->m, "section.followup_intro",
                                             "period", before, NULL));
    report_hw_raw(w, "</p>\n<table>\n<thead><tr>");
    report_hw_th(w, "col.action", 0);
    report_hw_th(w, "col.indicator", 0);
    report_hw_th(w, "col.status", 0);
    s_th_period(w, "followup.value_in", before);
    s_th_period(w, "followup.rank_in", before);
    s_th_period(w, "followup.band_in", before);
    s_th_period(w, "followup.value_in", now);
    s_th_period(w, "followup.rank_in", now);
    s_th_period(w, "followup.band_in", now);
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < r->followup_count; i++) {
        const report_followup_t *f = &r->followups[i];
        const report_indicator_t *ind =
            report_provider_find(r, f->indicator_id);
        report_hw_raw(w, "<tr class=\"followup\"><td>");
        report_hw_esc(w, f->action_id);
        report_hw_raw(w, "</td><td>");
        if (ind != NULL) {
            report_html_figures_link(w, ind);
        } else {
            report_hw_esc(w, f->indicator_id);
        }
        snprintf(key, sizeof key, "action_status.%s", f->status);
        report_hw_raw(w, "</td><td>");
        report_hw_msg(w, key);
        report_hw_raw(w, "</td>");
        s_side_cells(w, ind, &f->before);
        s_side_cells(w, ind, &f->after);
        report_hw_raw(w, "</tr>\n");
    }
    report_hw_raw(w, "</tbody>\n</table>\n</section>\n");
}

static void s_strengths(report_hw_t *w, const report_provider_t *r)
{
    report_hw_raw(w, "<section id=\"strengths\">\n<h2>");
    report_hw_msg(w, "section.strengths");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "section.strengths_intro");
    report_hw_raw(w, "</p>\n");
    if (report_hw_none(w, r->strength_count, "strengths.none")) {
        return;
    }
    report_hw_raw(w, "<ul>\n");
    for (size_t i = 0; i < r->strength_count; i++) {
        const report_indicator_t *ind =
            report_provider_find(r, r->strengths[i]);
        if (ind == NULL) {
            continue;
        }
        report_hw_raw(w, "<li>");
        report_html_figures_link(w, ind);
        for (size_t j = 0; j < ind->group_count; j++) {
            const report_group_t *g = &ind->groups[j];
            if (!g->too_few_peers && g->has_position && g->band == 4) {
                report_hw_raw(w, " – ");
                report_hw_esc_free(w, report_text_better_than(w->m, g));
                /* The portal's practice form, filled for this indicator
                 * (catalogue ids are [A-Za-z0-9_.-]: safe in a query). */
                report_hw_raw(w, " <a class=\"practice\" href=\"/actions?"
                                 "indicator=");
                report_hw_esc(w, ind->id);
                report_hw_fmt(w, "&amp;period=%d#practice\">", r->period);
                report_hw_msg(w, "strengths.tell_others");
                report_hw_raw(w, "</a>");
                break;
            }
        }
        report_hw_raw(w, "</li>\n");
    }
    report_hw_raw(w, "</ul>\n</section>\n");
}

static void s_methods(report_hw_t *w, const report_provider_t *r)
{
    report_hw_raw(w, "<section id=\"methods\" class=\"methods\">\n<h2>");
    report_hw_msg(w, "section.methods");
    report_hw_raw(w, "</h2>\n");
    for (size_t i = 0; i < REPORT_SECTIONS_METHODS; i++) {
        report_hw_raw(w, "<p>");
        report_hw_esc_free(w, report_sections_method(w->m, r, i));
        report_hw_raw(w, "</p>\n");
    }
    report_hw_raw(w, "</section>\n");
}

int report_html_write_provider(FILE *f, const report_provider_t *r,
                               const report_i18n_t *m, bl_err_t *err)
{
    return report_html_write_provider_memo(f, r, m, NULL, err);
}

int report_html_write_provider_memo(FILE *f, const report_provider_t *r,
                                    const report_i18n_t *m,
                                    report_chart_memo_t *charts,
                                    bl_err_t *err)
{
    if (f == NULL || r == NULL || m == NULL) {
        return bl_err_set(err, BL_EINVAL, "report page: invalid argument");
    }
    report_hw_t w;
    report_hw_init(&w, f, m);
    w.charts = charts;
    char period[16];
    char buf[128];
    snprintf(period, sizeof period, "%d", r->period);
    report_hw_head(&w, report_i18n_get(m, "report.title"),
                   r->name != NULL ? r->name : "");
    report_hw_raw(&w, "<header class=\"masthead\">\n<p class=\"kicker\">");
    report_hw_msg(&w, "report.title");
    report_hw_raw(&w, " · ");
    report_hw_esc(&w, period);
    report_hw_raw(&w, "</p>\n<h1>");
    report_hw_esc(&w, r->name);
    report_hw_raw(&w, "</h1>\n<dl class=\"meta\">");
    report_hw_meta_item(&w, "report.provider_id", r->provider_id);
    report_hw_meta_item(&w, "report.service_type",
                        report_text_label(m, "service_type", r->service_type,
                                          buf, sizeof buf));
    report_hw_meta_item(&w, "report.country", r->country);
    report_hw_meta_item(&w, "report.period", period);
    report_hw_raw(&w, "</dl>\n</header>\n<main>\n");
    s_overview(&w, r);
    s_followup(&w, r);
    s_areas(&w, r);
    s_strengths(&w, r);

    report_hw_raw(&w, "<section id=\"indicators\">\n<h2>");
    report_hw_msg(&w, "section.indicators");
    report_hw_raw(&w, "</h2>\n");
    report_html_figures_legend(&w, r);
    for (size_t i = 0; i < r->indicator_count; i++) {
        report_html_figures_indicator(&w, r, &r->indicators[i]);
    }
    report_hw_raw(&w, "</section>\n");
    report_html_figures_suppressed(&w, r);
    report_html_figures_units(&w, r);
    s_methods(&w, r);
    report_hw_raw(&w, "</main>\n<footer><dl class=\"meta\">");
    report_hw_meta_item(&w, "report.node", r->node_id);
    report_hw_meta_item(&w, "report.catalogue", r->catalogue);
    report_hw_meta_item(&w, "report.generated", r->generated);
    report_hw_raw(&w, "</dl></footer>\n</body>\n</html>\n");
    return report_hw_finish(&w, err);
}
