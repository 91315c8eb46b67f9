/*
 * report_html_summary: the coordinator's summary page of a node and
 * period (report_html_write_summary, declared in report_html.h):
 * participation (by country on an international node), overdue potential
 * members, the most common areas, band distributions, the relationships
 * shown, last period's actions and the learning-event plan.
 */
#include "report_html.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_chart.h"
#include "report_hw.h"
#include "report_text.h"

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

static void s_pct_cell(report_hw_t *w, size_t part, size_t whole)
{
    if (whole == 0) {
        report_hw_raw(w, "<td class=\"num\">–</td>");
        return;
    }
    double pct = 100.0 * (double)part / (double)whole;
    /* Rounded down: a node that misses one indicator in hundreds must not
     * read as complete. */
    double shown = floor(pct);
    report_hw_fmt(
        w,
        "<td class=\"num\"><span class=\"bar\" style=\"width:%.1fpx\">"
        "</span> %.0f%%</td>",
        pct * 0.6, shown);
}

static void s_participation(report_hw_t *w, const report_summary_t *s)
{
    report_hw_raw(w, "<section id=\"participation\">\n<h2>");
    report_hw_msg(w, "summary.participation");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "summary.participation_intro");
    report_hw_raw(w, "</p>\n");
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
        report_hw_raw(w, "<h3>");
        report_hw_msg(w, "summary.by_country");
        report_hw_raw(w, "</h3>\n<table>\n<thead><tr>");
        report_hw_th(w, "col.country", 0);
        report_hw_th(w, "col.providers", 1);
        report_hw_th(w, "col.sent", 1);
        report_hw_th(w, "col.expected", 1);
        report_hw_th(w, "col.completeness", 1);
        report_hw_th(w, "col.rejected", 1);
        report_hw_raw(w, "</tr></thead>\n<tbody>\n");
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
            report_hw_raw(w, "<tr><th scope=\"row\">");
            report_hw_esc(w, c);
            report_hw_fmt(w,
                          "</th><td class=\"num\">%zu</td><td class=\"num\">%zu"
                          "</td><td class=\"num\">%zu</td>",
                          n, sent, exp);
            s_pct_cell(w, sent, exp);
            report_hw_fmt(w, "<td class=\"num\">%zu</td></tr>\n", rej);
        }
        report_hw_raw(w, "</tbody>\n</table>\n");
    }
    report_hw_raw(w, "<table>\n<thead><tr>");
    if (s->international) {
        report_hw_th(w, "col.country", 0);
    }
    report_hw_th(w, "col.provider", 0);
    report_hw_th(w, "col.membership", 0);
    report_hw_th(w, "col.sent", 1);
    report_hw_th(w, "col.expected", 1);
    report_hw_th(w, "col.completeness", 1);
    report_hw_th(w, "col.rejected", 1);
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->participant_count; i++) {
        const report_participant_t *p = order[i];
        report_hw_raw(w, "<tr>");
        if (s->international) {
            report_hw_raw(w, "<td>");
            report_hw_esc(w, p->country);
            report_hw_raw(w, "</td>");
        }
        report_hw_raw(w, "<th scope=\"row\" style=\"font-weight:normal\">"
                         "<span class=\"id\">");
        report_hw_esc(w, p->provider_id);
        report_hw_raw(w, "</span>");
        report_hw_esc(w, p->name);
        report_hw_raw(w, "</th><td>");
        report_hw_esc(w, p->membership);
        report_hw_fmt(
            w, "</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>",
            p->sent, p->expected);
        s_pct_cell(w, p->sent, p->expected);
        report_hw_fmt(w, "<td class=\"num\">%zu</td></tr>\n", p->rejected);
    }
    report_hw_raw(w, "</tbody>\n</table>\n<p><strong>");
    char n[24];
    snprintf(n, sizeof n, "%zu", s->rejected_rows);
    report_hw_esc_free(w, report_i18n_format(w->m, "summary.rejected_total",
                                             "n", n, NULL));
    report_hw_raw(w, "</strong></p>\n</section>\n");
    free(order);
}

static void s_overdue(report_hw_t *w, const report_summary_t *s)
{
    report_hw_raw(w, "<section id=\"overdue\">\n<h2>");
    report_hw_msg(w, "summary.overdue");
    report_hw_raw(w, "</h2>\n");
    if (report_hw_none(w, s->overdue_count, "summary.overdue_none")) {
        return;
    }
    report_hw_raw(w, "<table>\n<thead><tr>");
    report_hw_th(w, "col.provider", 0);
    report_hw_th(w, "col.country", 0);
    report_hw_th(w, "col.member_since", 0);
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->overdue_count; i++) {
        const report_overdue_t *o = &s->overdue[i];
        report_hw_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">"
                         "<span class=\"id\">");
        report_hw_esc(w, o->provider_id);
        report_hw_raw(w, "</span>");
        report_hw_esc(w, o->name);
        report_hw_raw(w, "</th><td>");
        report_hw_esc(w, o->country);
        report_hw_raw(w, "</td><td>");
        report_hw_esc(w, o->member_since);
        report_hw_raw(w, "</td></tr>\n");
    }
    report_hw_raw(w, "</tbody>\n</table>\n</section>\n");
}

static void s_top_areas(report_hw_t *w, const report_summary_t *s)
{
    report_hw_raw(w, "<section id=\"top-areas\">\n<h2>");
    report_hw_msg(w, "summary.top_areas");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "summary.top_areas_intro");
    report_hw_raw(w, "</p>\n");
    if (report_hw_none(w, s->top_area_count, "summary.none")) {
        return;
    }
    size_t most = 1;
    for (size_t i = 0; i < s->top_area_count; i++) {
        if (s->top_areas[i].providers > most) {
            most = s->top_areas[i].providers;
        }
    }
    report_hw_raw(w, "<table>\n<thead><tr>");
    report_hw_th(w, "col.indicator", 0);
    report_hw_th(w, "col.providers", 1);
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->top_area_count; i++) {
        const report_top_area_t *a = &s->top_areas[i];
        report_hw_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">"
                         "<span class=\"id\">");
        report_hw_esc(w, a->indicator_id);
        report_hw_raw(w, "</span>");
        report_hw_esc(w, a->name);
        report_hw_fmt(w,
                      "</th><td class=\"num\"><span class=\"bar\" "
                      "style=\"width:%.1fpx\"></span> %zu</td></tr>\n",
                      120.0 * (double)a->providers / (double)most,
                      a->providers);
    }
    report_hw_raw(w, "</tbody>\n</table>\n</section>\n");
}

static void s_bands(report_hw_t *w, const report_summary_t *s)
{
    char label[128];
    report_hw_raw(w, "<section id=\"bands\">\n<h2>");
    report_hw_msg(w, "summary.bands");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "summary.bands_intro");
    report_hw_raw(w, "</p>\n");
    if (report_hw_none(w, s->band_dist_count, "summary.none")) {
        return;
    }
    report_hw_raw(w, "<table>\n<thead><tr>");
    report_hw_th(w, "col.indicator", 0);
    report_hw_th(w, "col.group", 0);
    for (int b = 1; b <= REPORT_BANDS; b++) {
        char key[16];
        snprintf(key, sizeof key, "col.band%d", b);
        report_hw_th(w, key, 1);
    }
    report_hw_raw(w, "<th scope=\"col\" aria-hidden=\"true\"></th>");
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->band_dist_count; i++) {
        const report_band_dist_t *d = &s->band_dists[i];
        size_t total = 0;
        report_hw_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">"
                         "<span class=\"id\">");
        report_hw_esc(w, d->indicator_id);
        report_hw_raw(w, "</span>");
        report_hw_esc(w, d->name);
        report_hw_raw(w, "</th><td>");
        report_hw_esc(w, report_text_label(w->m, "group", d->group_id, label,
                                           sizeof label));
        report_hw_raw(w, "</td>");
        for (int b = 0; b < REPORT_BANDS; b++) {
            report_hw_fmt(w, "<td class=\"num\">%zu</td>", d->bands[b]);
            total += d->bands[b];
        }
        /* A stacked bar; the numbers are in the cells before it. */
        report_hw_raw(
            w, "<td aria-hidden=\"true\"><svg width=\"120\" height=\"12\" "
               "viewBox=\"0 0 120 12\">");
        double x = 0;
        for (int b = 0; b < REPORT_BANDS && total > 0; b++) {
            double wd = 120.0 * (double)d->bands[b] / (double)total;
            report_hw_fmt(
                w,
                "<rect x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"12\" "
                "fill=\"#%06X\"/>",
                x, wd, (unsigned)report_chart_band_color(b + 1));
            x += wd;
        }
        report_hw_raw(w, "</svg></td></tr>\n");
    }
    report_hw_raw(w, "</tbody>\n</table>\n</section>\n");
}

static void s_correlations(report_hw_t *w, const report_summary_t *s)
{
    char label[128];
    report_hw_raw(w, "<section id=\"correlations\">\n<h2>");
    report_hw_msg(w, "summary.correlations");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "summary.correlations_intro");
    report_hw_raw(w, "</p>\n");
    if (report_hw_none(w, s->correlation_count, "summary.none")) {
        return;
    }
    report_hw_raw(w, "<table>\n<thead><tr>");
    report_hw_th(w, "col.pair", 0);
    report_hw_th(w, "col.group", 0);
    report_hw_th(w, "col.n", 1);
    report_hw_th(w, "col.rho", 1);
    report_hw_th(w, "col.p", 1);
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
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
        report_hw_raw(w, "<tr><td>");
        report_hw_esc(w, c->a);
        report_hw_raw(w, " × ");
        report_hw_esc(w, c->b);
        report_hw_raw(w, "</td><td>");
        report_hw_esc(w, report_text_label(w->m, "group", c->group_id, label,
                                           sizeof label));
        report_hw_raw(w, " <span class=\"muted\">");
        report_hw_esc(w, c->group_key);
        report_hw_fmt(
            w, "</span></td><td class=\"num\">%zu</td><td class=\"num\">",
            c->n);
        report_hw_esc(w, rho);
        report_hw_raw(w, "</td><td class=\"num\">");
        report_hw_esc(w, pv);
        report_hw_raw(w, "</td></tr>\n");
    }
    report_hw_raw(w, "</tbody>\n</table>\n</section>\n");
}

/* SPEC 10: the share of period - 1's actions done by this close, over
 * the node and per indicator. */
static void s_done(report_hw_t *w, const report_summary_t *s)
{
    char before[16], a[32], d[32];
    snprintf(before, sizeof before, "%d", s->period - 1);
    report_hw_raw(w, "<section id=\"actions-done\">\n<h2>");
    report_hw_msg(w, "summary.done");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_esc_free(w, report_i18n_format(w->m, "summary.done_intro",
                                             "period", before, NULL));
    report_hw_raw(w, "</p>\n");
    size_t actions = 0, done = 0;
    for (size_t i = 0; i < s->done_count; i++) {
        actions += s->done[i].actions;
        done += s->done[i].done;
    }
    if (report_hw_none(w, actions, "summary.none")) {
        return;
    }
    snprintf(a, sizeof a, "%zu", actions);
    snprintf(d, sizeof d, "%zu", done);
    report_hw_raw(w, "<p class=\"done-total\">");
    report_hw_esc_free(w, report_i18n_format(w->m, "summary.done_total", "done",
                                             d, "actions", a, NULL));
    report_hw_raw(w, "</p>\n<table>\n<thead><tr>");
    report_hw_th(w, "col.indicator", 0);
    report_hw_th(w, "col.actions", 1);
    report_hw_th(w, "col.done", 1);
    report_hw_th(w, "col.done_share", 1);
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    for (size_t i = 0; i < s->done_count; i++) {
        const report_done_t *x = &s->done[i];
        report_hw_raw(w, "<tr><th scope=\"row\" style=\"font-weight:normal\">"
                         "<span class=\"id\">");
        report_hw_esc(w, x->indicator_id);
        report_hw_raw(w, "</span>");
        report_hw_esc(w, x->name);
        report_hw_fmt(w, "</th><td class=\"num\">%zu</td><td class=\"num\">%zu"
                         "</td>", x->actions, x->done);
        s_pct_cell(w, x->done, x->actions);
        report_hw_raw(w, "</tr>\n");
    }
    report_hw_raw(w, "</tbody>\n<tfoot><tr><th scope=\"row\">");
    report_hw_msg(w, "summary.done_node");
    report_hw_fmt(w,
                  "</th><td class=\"num\">%zu</td><td class=\"num\">%zu</td>",
                  actions, done);
    s_pct_cell(w, done, actions);
    report_hw_raw(w, "</tr></tfoot>\n</table>\n</section>\n");
}

/* SPEC 10: per indicator and country, the providers in need, those in
 * band 4, the hosts that share identity and the proposed event. */
static void s_event_plan(report_hw_t *w, const report_summary_t *s)
{
    report_hw_raw(w, "<section id=\"event-plan\">\n<h2>");
    report_hw_msg(w, "summary.event_plan");
    report_hw_raw(w, "</h2>\n<p class=\"intro\">");
    report_hw_msg(w, "summary.event_plan_intro");
    report_hw_raw(w, "</p>\n");
    if (report_hw_none(w, s->need_count, "summary.none")) {
        return;
    }
    report_hw_raw(w, "<table>\n<thead><tr>");
    report_hw_th(w, "col.indicator", 0);
    report_hw_th(w, "col.country", 0);
    report_hw_th(w, "col.in_need", 1);
    report_hw_th(w, "col.band4", 1);
    report_hw_th(w, "col.hosts", 0);
    report_hw_th(w, "col.event", 0);
    report_hw_raw(w, "</tr></thead>\n<tbody>\n");
    char key[48];
    for (size_t i = 0; i < s->need_count; i++) {
        const report_need_t *x = &s->needs[i];
        report_hw_raw(w, "<tr class=\"need\"><th scope=\"row\" "
                         "style=\"font-weight:normal\"><span class=\"id\">");
        report_hw_esc(w, x->indicator_id);
        report_hw_raw(w, "</span>");
        report_hw_esc(w, x->name);
        report_hw_raw(w, "</th><td>");
        report_hw_esc(w, x->country);
        report_hw_fmt(w, "</td><td class=\"num\">%zu</td><td class=\"num\">%zu"
                         "</td><td>", x->in_need, x->band4);
        for (const char *h = x->hosts; h != NULL && *h != '\0'; h++) {
            if (*h == ';') {
                report_hw_raw(w, ", ");
            } else {
                char one[2] = {*h, '\0'};
                report_hw_esc(w, one);
            }
        }
        report_hw_raw(w, "</td><td>");
        if (x->event != NULL) {
            snprintf(key, sizeof key, "event.%s", x->event);
            report_hw_msg(w, key);
        }
        report_hw_raw(w, "</td></tr>\n");
    }
    report_hw_raw(w, "</tbody>\n</table>\n</section>\n");
}

int report_html_write_summary(FILE *f, const report_summary_t *s,
                              const report_i18n_t *m, bl_err_t *err)
{
    if (f == NULL || s == NULL || m == NULL) {
        return bl_err_set(err, BL_EINVAL, "summary page: invalid argument");
    }
    report_hw_t w;
    report_hw_init(&w, f, m);
    char period[16];
    snprintf(period, sizeof period, "%d", s->period);
    report_hw_head(&w, report_i18n_get(m, "summary.title"),
                   s->node_id != NULL ? s->node_id : "");
    report_hw_raw(&w, "<header class=\"masthead\">\n<p class=\"kicker\">");
    report_hw_msg(&w, "summary.title");
    report_hw_raw(&w, " · ");
    report_hw_esc(&w, period);
    report_hw_raw(&w, "</p>\n<h1>");
    report_hw_esc_free(&w,
                       report_i18n_format(m, "summary.subtitle", "node",
                                          s->node_id != NULL ? s->node_id : "",
                                          "period", period, NULL));
    report_hw_raw(&w, "</h1>\n<dl class=\"meta\">");
    report_hw_meta_item(&w, "report.country", s->country);
    report_hw_meta_item(&w, "report.generated", s->generated);
    report_hw_raw(&w, "</dl>\n</header>\n<main>\n");
    s_participation(&w, s);
    s_overdue(&w, s);
    s_bands(&w, s);
    s_top_areas(&w, s);
    s_done(&w, s);
    s_event_plan(&w, s);
    s_correlations(&w, s);
    report_hw_raw(&w, "</main>\n</body>\n</html>\n");
    return report_hw_finish(&w, err);
}
