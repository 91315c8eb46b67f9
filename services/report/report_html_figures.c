/*
 * report_html_figures: the provider page's figures — an indicator's
 * article (value, positions, chart, figures table, trend, learning curve),
 * the key to the charts, the suppressed values and the units — in the
 * HTML writer of report_hw.  The page around them is report_html.c.
 */
#include "report_html_figures.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report_chart.h"
#include "report_curve.h"
#include "report_sections.h"
#include "report_text.h"

/* Width of the charts in SVG px; CSS scales them to the column (about
 * 890 px on a wide screen, 680 px on A4), so their 12 px labels show at
 * 11 to 15 px. */
#define S_CHART_WIDTH 720.0

void report_html_figures_link(report_hw_t *w, const report_indicator_t *ind)
{
    report_hw_raw(w, "<a href=\"");
    report_hw_id(w, "#ind-", ind->id);
    report_hw_raw(w, "\"><span class=\"id\">");
    report_hw_esc(w, ind->id);
    report_hw_raw(w, "</span>");
    report_hw_esc(w, ind->name);
    report_hw_raw(w, "</a>");
}

void report_html_figures_positions(report_hw_t *w,
                                   const report_provider_t *r,
                                   const report_indicator_t *ind)
{
    if (ind->status != REPORT_STATUS_OK) {
        return;   /* the notice says why; the chart shows the peers */
    }
    report_hw_raw(w, "<ul class=\"positions\">\n");
    for (size_t j = 0; j < ind->group_count; j++) {
        const report_group_t *g = &ind->groups[j];
        char label[128];
        report_hw_raw(w, "<li><strong>");
        report_hw_esc(w, report_text_label(w->m, "group", g->group_id, label,
                                           sizeof label));
        report_hw_raw(w, ":</strong> ");
        if (report_sections_has_standing(ind, g)) {
            report_hw_esc_free(w, report_sections_standing(w->m, r, ind, g));
        } else {
            report_hw_raw(w, "–");
        }
        report_hw_raw(w, "</li>\n");
    }
    report_hw_raw(w, "</ul>\n");
}

/* One entry of the key: a small symbol (hidden from screen readers: the
 * words say it) and its words, without a closing full stop. */
static void s_key_item(report_hw_t *w, const char *symbol, const char *key)
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
    report_hw_raw(w,
                  "<li><svg width=\"22\" height=\"20\" viewBox=\"0 0 22 20\" "
                  "aria-hidden=\"true\" focusable=\"false\">");
    report_hw_raw(w, symbol);
    report_hw_raw(w, "</svg>");
    report_hw_esc(w, copy);
    report_hw_raw(w, "</li>");
    free(copy);
}

/* The key to the charts, as text with symbols; the same symbols and
 * colours as report_chart draws (Okabe-Ito, see report_chart.h). */
void report_html_figures_legend(report_hw_t *w, const report_provider_t *r)
{
    int dots = 0;
    for (size_t i = 0; i < r->indicator_count && !dots; i++) {
        for (size_t j = 0; j < r->indicators[i].group_count; j++) {
            const report_group_t *g = &r->indicators[i].groups[j];
            dots |= !g->too_few_peers && g->peers != NULL
                    && g->peer_count > 0;
        }
    }
    report_hw_raw(w, "<ul class=\"key\">");
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
    report_hw_raw(w, "</ul>\n");
}

static void s_num_cell(report_hw_t *w, const report_indicator_t *ind, double v,
                       int has)
{
    char buf[64];
    report_hw_raw(w, "<td class=\"num\">");
    if (has) {
        report_hw_esc(w, report_text_number(w->m, ind, v, buf, sizeof buf));
    } else {
        report_hw_raw(w, "–");
    }
    report_hw_raw(w, "</td>");
}

/* The percentile rank (rounded) and band cells of a figures table. */
static void s_rank_band(report_hw_t *w, double rank, int band)
{
    report_hw_raw(w, "<td class=\"num\">");
    report_hw_fixed(w, round(rank), 0);
    report_hw_raw(w, "</td><td class=\"num\">");
    report_hw_int(w, band);
    report_hw_raw(w, "</td>");
}

/* The figures behind the chart: the table that is its text equivalent. */
static void s_figures_table(report_hw_t *w, const report_indicator_t *ind)
{
    static const char *const cols[] = {
        "col.n", "col.mean", "col.p10", "col.p25", "col.median", "col.p75",
        "col.p90", "col.best", "col.reference", "col.rank", "col.band",
    };
    char label[128];
    report_hw_raw(w, "<table class=\"figures\">\n<caption>");
    report_hw_msg(w, "chart.table_caption");
    report_hw_raw(w, "</caption>\n<thead><tr><th scope=\"col\">");
    report_hw_msg(w, "col.group");
    report_hw_raw(w, "</th>");
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        report_hw_raw(w, "<th scope=\"col\" class=\"num\">");
        report_hw_msg(w, cols[i]);
        report_hw_raw(w, "</th>");
    }
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t j = 0; j < ind->group_count; j++) {
        const report_group_t *g = &ind->groups[j];
        report_hw_raw(w, "<tr><th scope=\"row\">");
        report_hw_esc(w, report_text_label(w->m, "group", g->group_id, label,
                                           sizeof label));
        report_hw_raw(w, " <span class=\"muted\">");
        report_hw_esc(w, g->group_key);
        report_hw_raw(w, "</span></th>");
        report_hw_raw(w, "<td class=\"num\">");
        report_hw_int(w, (long long)g->n);
        report_hw_raw(w, "</td>");
        if (g->too_few_peers) {
            report_hw_raw(w, "<td colspan=\"10\" class=\"muted\">");
            report_hw_msg(w, "status.too_few_peers");
            report_hw_raw(w, "</td></tr>\n");
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
            s_rank_band(w, g->percentile_rank, g->band);
        } else {
            report_hw_raw(w, "<td class=\"num\">–</td>"
                             "<td class=\"num\">–</td>");
        }
        report_hw_raw(w, "</tr>\n");
    }
    report_hw_raw(w, "</tbody>\n</table>\n");
}

/* The learning curve (SPEC 5): the chart, and its figures in a table. */
static void s_curve(report_hw_t *w, const report_indicator_t *ind)
{
    if (!report_curve_has(ind)) {
        return;
    }
    char buf[160];
    report_hw_raw(w, "<div class=\"curve\"><h4>");
    report_hw_msg(w, "curve.heading");
    report_hw_raw(w, "</h4>\n");
    char *svg = NULL;
    bl_err_t err = {0};
    snprintf(buf, sizeof buf, "lc-%s", ind->id != NULL ? ind->id : "");
    if (report_curve_svg(ind, w->m, buf, &svg, &err) != 0) {
        w->oom = 1;
    } else {
        report_hw_raw(w, "<figure style=\"margin:0\">");
        report_hw_raw(w, svg);
        report_hw_raw(w, "</figure>\n");
    }
    free(svg);
    report_hw_raw(w, "<details><summary>");
    report_hw_msg(w, "curve.heading");
    report_hw_raw(
        w, "</summary>\n<table class=\"figures curve-table\">\n<thead><tr>");
    static const char *const cols[] = {"col.period", "col.value", "col.rank",
                                       "col.band", "curve.p50"};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++) {
        report_hw_raw(w, i == 0 ? "<th scope=\"col\">" : "<th scope=\"col\" "
                                                         "class=\"num\">");
        report_hw_msg(w, cols[i]);
        report_hw_raw(w, "</th>");
    }
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < ind->curve_count; i++) {
        const report_curve_point_t *p = &ind->curve[i];
        report_hw_raw(w, "<tr><th scope=\"row\">");
        report_hw_int(w, p->period);
        report_hw_raw(w, "</th>");
        s_num_cell(w, ind, p->value, p->status == REPORT_STATUS_OK);
        if (p->has_position) {
            s_rank_band(w, p->percentile_rank, p->band);
        } else {
            report_hw_raw(w, "<td class=\"num\">–</td>"
                             "<td class=\"num\">–</td>");
        }
        s_num_cell(w, ind, p->p50, p->has_p50);
        report_hw_raw(w, "</tr>\n");
    }
    report_hw_raw(w, "</tbody>\n</table>\n</details>\n</div>\n");
}

void report_html_figures_indicator(report_hw_t *w,
                                   const report_provider_t *r,
                                   const report_indicator_t *ind)
{
    char buf[160];
    report_hw_raw(w, "<article class=\"indicator\" id=\"");
    report_hw_id(w, "ind-", ind->id);
    report_hw_raw(w, "\">\n<h3><span class=\"id\">");
    report_hw_esc(w, ind->id);
    report_hw_raw(w, "</span>");
    report_hw_esc(w, ind->name);
    report_hw_raw(w, "</h3>\n<p class=\"muted\">");
    report_hw_esc(w, report_text_label(w->m, "principle", ind->principle, buf,
                                       sizeof buf));
    report_hw_raw(w, " · ");
    report_hw_msg(w, ind->direction == REPORT_DIR_HIGHER
                         ? "phrase.direction_higher"
                         : "phrase.direction_lower");
    report_hw_raw(w, "</p>\n<div class=\"figure-line\">");
    if (ind->status == REPORT_STATUS_OK) {
        report_hw_raw(w, "<span>");
        report_hw_msg(w, "phrase.your_value");
        report_hw_raw(w, ": <span class=\"big\">");
        report_hw_esc(w, report_text_value(w->m, ind, ind->value, buf,
                                           sizeof buf));
        report_hw_raw(w, "</span></span>");
        if (ind->has_ratio) {
            char num[64];
            char den[64];
            report_i18n_number(w->m, ind->numerator, 0, num, sizeof num);
            report_i18n_number(w->m, ind->denominator, 0, den, sizeof den);
            report_hw_raw(w, "<span class=\"muted\">");
            report_hw_esc_free(w,
                               report_i18n_format(w->m, "phrase.ratio", "num",
                                                  num, "den", den, NULL));
            report_hw_raw(w, "</span>");
        }
    }
    if (ind->n >= 0) {
        snprintf(buf, sizeof buf, "%ld", ind->n);
        report_hw_raw(w, "<span class=\"muted\">");
        report_hw_esc_free(w, report_i18n_format(w->m, "phrase.respondents",
                                                 "n", buf, NULL));
        report_hw_raw(w, "</span>");
    }
    report_hw_raw(w, "</div>\n");
    if (ind->status != REPORT_STATUS_OK) {
        report_hw_raw(w, "<p class=\"notice\"><strong>");
        report_hw_msg(w, ind->status == REPORT_STATUS_SUPPRESSED
                             ? "status.too_few_respondents" : "status.missing");
        report_hw_raw(w, ".</strong> ");
        report_hw_esc_free(w, report_text_status(w->m, r, ind));
        report_hw_raw(w, "</p>\n");
    }
    report_html_figures_positions(w, r, ind);

    report_chart_t chart;
    bl_err_t err = {0};
    if (report_chart_build(&chart, ind, S_CHART_WIDTH, &err) == 0) {
        char *title = report_i18n_format(w->m, "chart.title", "id", ind->id,
                                         "name", ind->name, NULL);
        char *desc = report_text_chart_desc(w->m, ind);
        char *svg = NULL;
        snprintf(buf, sizeof buf, "c-%s", ind->id != NULL ? ind->id : "");
        if (title == NULL || desc == NULL
            || report_chart_svg_memo(&chart, w->m, w->charts, buf, title,
                                     desc, &svg, &err) != 0) {
            w->oom = 1;
        } else {
            report_hw_raw(w, "<figure style=\"margin:0\">");
            report_hw_raw(w, svg);
            report_hw_raw(w, "</figure>\n");
        }
        free(svg);
        free(title);
        free(desc);
        report_chart_free(&chart);
    } else {
        w->oom = 1;
    }
    report_hw_raw(w, "<details><summary>");
    report_hw_msg(w, "chart.table_caption");
    report_hw_raw(w, "</summary>\n");
    s_figures_table(w, ind);
    report_hw_raw(w, "</details>\n");

    if (r->has_previous_period) {
        report_hw_raw(w, "<p><strong>");
        report_hw_msg(w, "trend.title");
        report_hw_raw(w, ":</strong> ");
        report_hw_esc_free(w, report_text_trend(w->m, r, ind));
        for (size_t j = 0; j < ind->group_count; j++) {
            const report_group_t *g = &ind->groups[j];
            if (g->has_previous_rank && g->has_position && !g->too_few_peers
                && ind->status == REPORT_STATUS_OK) {
                report_hw_raw(w, " ");
                report_hw_esc_free(w, report_text_trend_rank(w->m, r, g));
            }
        }
        report_hw_raw(w, "</p>\n");
    }
    s_curve(w, ind);
    report_hw_raw(w, "</article>\n");
}

void report_html_figures_suppressed(report_hw_t *w,
                                    const report_provider_t *r)
{
    report_hw_raw(w, "<section id=\"suppressed\">\n<h2>");
    report_hw_msg(w, "section.suppressed");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "section.suppressed_intro");
    report_hw_raw(w, "</p>\n");
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
            report_hw_raw(w, "<ul>\n");
            any = 1;
        }
        report_hw_raw(w, "<li>");
        report_html_figures_link(w, ind);
        report_hw_raw(w, ": ");
        if (ind->status != REPORT_STATUS_OK) {
            report_hw_raw(w, "<strong>");
            report_hw_msg(w, ind->status == REPORT_STATUS_SUPPRESSED
                                 ? "status.too_few_respondents"
                                 : "status.missing");
            report_hw_raw(w, "</strong> – ");
            report_hw_esc_free(w, report_text_status(w->m, r, ind));
        }
        for (size_t j = 0; j < ind->group_count; j++) {
            if (ind->groups[j].too_few_peers) {
                report_hw_raw(w, " <strong>");
                report_hw_msg(w, "status.too_few_peers");
                report_hw_raw(w, "</strong> – ");
                report_hw_esc_free(w,
                                   report_text_too_few_peers(w->m, r,
                                                             &ind->groups[j]));
            }
        }
        report_hw_raw(w, "</li>\n");
    }
    if (any) {
        report_hw_raw(w, "</ul>\n");
    } else {
        report_hw_raw(w, "<p>");
        report_hw_msg(w, "suppressed.none");
        report_hw_raw(w, "</p>\n");
    }
    report_hw_raw(w, "</section>\n");
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

void report_html_figures_units(report_hw_t *w, const report_provider_t *r)
{
    if (r->unit_count == 0 || r->units == NULL) {
        return;
    }
    char buf[96];
    report_hw_raw(w, "<section id=\"units\">\n<h2>");
    report_hw_msg(w, "section.units");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "section.units_intro");
    report_hw_raw(w, "</p>\n<table>\n<thead><tr><th scope=\"col\">");
    report_hw_msg(w, "col.indicator");
    report_hw_raw(w, "</th><th scope=\"col\" class=\"num\">");
    report_hw_msg(w, "col.provider_total");
    report_hw_raw(w, "</th>");
    for (size_t u = 0; u < r->unit_count; u++) {
        report_hw_raw(w, "<th scope=\"col\" class=\"num\">");
        report_hw_esc(w, r->units[u].unit_id);
        report_hw_raw(w, "</th>");
    }
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
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
        report_hw_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">");
        report_html_figures_link(w, ind);
        report_hw_raw(w, "</th><td class=\"num\">");
        if (ind->status == REPORT_STATUS_OK) {
            report_hw_esc(w, report_text_value(w->m, ind, ind->value, buf,
                                               sizeof buf));
        } else {
            report_hw_raw(w, "–");
        }
        report_hw_raw(w, "</td>");
        for (size_t u = 0; u < r->unit_count; u++) {
            const report_unit_value_t *v = &r->units[u].values[i];
            report_hw_raw(w, "<td class=\"num\">");
            if (v->status == REPORT_STATUS_OK) {
                if ((long)u == best) {
                    report_hw_raw(w, "<strong>★ ");
                }
                report_hw_esc(w, report_text_value(w->m, ind, v->value, buf,
                                                   sizeof buf));
                if ((long)u == best) {
                    report_hw_raw(w, "</strong>");
                }
            } else if (v->status == REPORT_STATUS_SUPPRESSED) {
                report_hw_raw(w, "<span class=\"muted\">");
                report_hw_msg(w, "status.too_few_respondents");
                report_hw_raw(w, "</span>");
            } else {
                report_hw_raw(w, "–");
            }
            report_hw_raw(w, "</td>");
        }
        report_hw_raw(w, "</tr>\n");
    }
    report_hw_raw(w, "</tbody>\n</table>\n</section>\n");
}
