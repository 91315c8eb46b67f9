/*
 * report_decode: stored results into the report model (see
 * report_decode.h).  The catalogue is the order of a result's indicators:
 * a result with another count of indicators is refused, not guessed at.
 */
#include "report_decode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl_results_codec.h"
#include "report_i18n.h"
#include "report_names.h"
#include "report_signif.h"

const char *report_decode_language(const bl_config_t *cfg,
                                   const char *country)
{
    if (cfg->language != NULL) {
        return cfg->language;
    }
    return report_i18n_language_for_country(country);
}

/* Fills the model's group entry from a decoded one. */
static void s_model_group(report_group_t *grp, const bl_results_group_t *g)
{
    grp->group_id = report_strdup(g->id);
    grp->group_key = report_strdup(g->key);
    grp->n = (size_t)g->n;
    if (g->too_few_peers) {
        grp->too_few_peers = 1;
        return;
    }
    grp->mean = g->mean;
    grp->sd = g->sd;
    grp->min = g->min;
    grp->p10 = g->p10;
    grp->p25 = g->p25;
    grp->p50 = g->p50;
    grp->p75 = g->p75;
    grp->p90 = g->p90;
    grp->max = g->max;
    grp->best_in_class = g->best_in_class;
    grp->has_position = 1;
    grp->percentile_rank = g->percentile_rank;
    grp->band = g->band;
    grp->has_z = g->has_z;
    grp->z = g->z;
    grp->has_reference = g->has_reference;
    grp->reference = g->reference;
    grp->gap = g->gap;
    grp->has_previous_rank = g->has_previous_rank;
    grp->previous_rank = g->previous_rank;
}

static char *s_opt_dup(const char *s)
{
    return s[0] ? report_strdup(s) : NULL;
}

/* Fills the statistics of a position that refers to a stats item, from
 * stats.  Returns 0, or BL_EPROTO when they are unknown. */
static int s_group_stats(bl_results_group_t *g, const char *indicator,
                         report_decode_stats_fn stats, void *stats_ctx)
{
    if (g->too_few_peers || g->has_stats) {
        return 0;
    }
    bl_results_stats_t st;
    if (stats == NULL || stats(stats_ctx, indicator, g->id, g->key, &st) != 0) {
        return BL_EPROTO;
    }
    bl_results_group_set_stats(g, &st);
    return 0;
}

/* The report model of one provider from its decoded results
 * (bl_results_codec.h): the catalogue gives names, kinds and units, stats
 * the instances' statistics the positions refer to. */
static int s_model_provider(const bl_config_t *cfg, report_provider_t *p,
                            bl_results_provider_t *res,
                            report_decode_stats_fn stats, void *stats_ctx)
{
    const bl_catalogue_t *cat = cfg->catalogue;
    if (res->n_indicators != cat->n_indicators) {
        return BL_EPROTO;
    }
    p->provider_id = report_strdup(res->id);
    p->name = report_strdup(res->name);
    p->country = report_strdup(res->country);
    p->service_type = report_strdup(res->service_type);
    p->share_identity = res->share_identity;
    p->has_previous_period = res->has_previous_period;
    p->international_pending = res->international_pending;
    size_t ni = res->n_indicators;
    p->indicators = calloc(ni ? ni : 1, sizeof *p->indicators);
    if (p->indicators == NULL) {
        return BL_ENOMEM;
    }
    p->indicator_count = ni;
    for (size_t j = 0; j < ni; j++) {
        report_indicator_t *ind = &p->indicators[j];
        const bl_indicator_t *def = &cat->indicators[j];
        bl_results_indicator_t *ri = &res->indicators[j];
        ind->id = report_strdup(def->id);
        ind->name = report_strdup(def->name);
        ind->principle = report_strdup(def->principle);
        ind->kind = report_strdup(bl_kind_name(def->kind));
        ind->unit = def->unit && def->unit[0] ? report_strdup(def->unit)
                                              : NULL;
        ind->direction = def->direction == BL_DIR_LOWER ? REPORT_DIR_LOWER
                                                        : REPORT_DIR_HIGHER;
        ind->status = ri->status == 0   ? REPORT_STATUS_OK
                      : ri->status == 1 ? REPORT_STATUS_SUPPRESSED
                                        : REPORT_STATUS_MISSING;
        ind->value = ri->has_value ? ri->value : 0;
        ind->n = ri->has_n ? (long)ri->n : -1;
        ind->numerator = ri->numerator;
        ind->denominator = ri->denominator;
        ind->has_ratio = ri->has_numerator && ri->has_denominator;
        ind->has_previous = ri->has_previous;
        ind->previous_value = ri->has_previous ? ri->previous : 0;
        ind->groups = calloc(ri->n_groups ? ri->n_groups : 1,
                             sizeof *ind->groups);
        if (ind->groups == NULL) {
            return BL_ENOMEM;
        }
        ind->group_count = ri->n_groups;
        for (size_t g = 0; g < ri->n_groups; g++) {
            if (s_group_stats(&ri->groups[g], def->id, stats, stats_ctx) !=
                0) {
                return BL_EPROTO;
            }
            s_model_group(&ind->groups[g], &ri->groups[g]);
        }
    }
    p->areas = calloc(res->n_areas ? res->n_areas : 1, sizeof *p->areas);
    if (p->areas == NULL) {
        return BL_ENOMEM;
    }
    p->area_count = res->n_areas;
    for (size_t a = 0; a < res->n_areas; a++) {
        const bl_results_area_t *ra = &res->areas[a];
        p->areas[a].indicator_id = report_strdup(ra->indicator);
        for (size_t j = 0; j < ra->n_partners && j < REPORT_PARTNERS_MAX;
             j++) {
            report_partner_t *pt = &p->areas[a].partners[j];
            pt->named = ra->partners[j].named;
            pt->provider_id = s_opt_dup(ra->partners[j].id);
            pt->name = s_opt_dup(ra->partners[j].name);
            pt->service_type = report_strdup(ra->partners[j].service_type);
            pt->country = report_strdup(ra->partners[j].country);
            p->areas[a].partner_count = j + 1;
        }
    }
    for (size_t x = 0; x < res->n_practices; x++) {
        const bl_results_practice_t *rx = &res->practices[x];
        report_area_t *ar = NULL;
        for (size_t a = 0; a < p->area_count && ar == NULL; a++) {
            if (strcmp(p->areas[a].indicator_id, rx->indicator) == 0) {
                ar = &p->areas[a];
            }
        }
        if (ar == NULL || ar->practice_count == REPORT_PARTNERS_MAX) {
            continue;
        }
        if (ar->practices == NULL) {
            ar->practices = calloc(REPORT_PARTNERS_MAX, sizeof *ar->practices);
            if (ar->practices == NULL) {
                return BL_ENOMEM;
            }
        }
        report_practice_t *mp = &ar->practices[ar->practice_count++];
        mp->period = (int)rx->period;
        mp->named = rx->named;
        mp->provider_id = s_opt_dup(rx->id);
        mp->name = s_opt_dup(rx->name);
        mp->service_type = report_strdup(rx->service_type);
        mp->country = report_strdup(rx->country);
        mp->title = report_strdup(rx->title);
        mp->description = report_strdup(rx->description);
        mp->contact = s_opt_dup(rx->contact);
        if (mp->service_type == NULL || mp->country == NULL ||
            mp->title == NULL || mp->description == NULL) {
            return BL_ENOMEM;
        }
    }
    p->strengths = calloc(res->n_strengths ? res->n_strengths : 1,
                          sizeof *p->strengths);
    if (p->strengths == NULL) {
        return BL_ENOMEM;
    }
    p->strength_count = res->n_strengths;
    for (size_t s = 0; s < res->n_strengths; s++) {
        p->strengths[s] = report_strdup(res->strengths[s]);
    }
    if (res->n_followups > 0) {
        p->followups = calloc(res->n_followups, sizeof *p->followups);
        if (p->followups == NULL) {
            return BL_ENOMEM;
        }
        p->followup_count = res->n_followups;
    }
    for (size_t f = 0; f < res->n_followups; f++) {
        const bl_results_followup_t *rf = &res->followups[f];
        report_followup_t *mf = &p->followups[f];
        mf->action_id = report_strdup(rf->action_id);
        mf->indicator_id = report_strdup(rf->indicator);
        mf->status = report_strdup(rf->status);
        mf->due = report_strdup(rf->due);
        const bl_results_side_t *from[] = {&rf->before, &rf->after};
        report_side_t *to[] = {&mf->before, &mf->after};
        for (int x = 0; x < 2; x++) {
            to[x]->has_value = from[x]->has_value;
            to[x]->value = from[x]->value;
            to[x]->has_rank = from[x]->has_rank;
            to[x]->percentile_rank = from[x]->rank;
            to[x]->band = from[x]->band;
        }
        if (mf->action_id == NULL || mf->indicator_id == NULL ||
            mf->status == NULL || mf->due == NULL) {
            return BL_ENOMEM;
        }
    }
    for (size_t u = 0; u < res->n_units; u++) {
        const bl_results_unit_t *ru = &res->units[u];
        size_t slot = p->unit_count;
        for (size_t s = 0; s < p->unit_count; s++) {
            if (strcmp(p->units[s].unit_id, ru->unit) == 0) {
                slot = s;
            }
        }
        if (slot == p->unit_count) {
            report_unit_t *grown =
                realloc(p->units, (p->unit_count + 1) * sizeof *p->units);
            if (grown == NULL) {
                return BL_ENOMEM;
            }
            p->units = grown;
            memset(&p->units[slot], 0, sizeof p->units[slot]);
            p->unit_count++;
            p->units[slot].unit_id = report_strdup(ru->unit);
            p->units[slot].values =
                calloc(cat->n_indicators ? cat->n_indicators : 1,
                       sizeof *p->units[slot].values);
            if (p->units[slot].values == NULL) {
                return BL_ENOMEM;
            }
            for (size_t j = 0; j < cat->n_indicators; j++) {
                p->units[slot].values[j].status = REPORT_STATUS_MISSING;
                p->units[slot].values[j].n = -1;
            }
        }
        int k2 = bl_catalogue_find_indicator(cat, ru->indicator);
        if (k2 >= 0) {
            report_unit_value_t *uv = &p->units[slot].values[k2];
            uv->status = ru->status == 1 ? REPORT_STATUS_SUPPRESSED
                         : ru->has_value ? REPORT_STATUS_OK
                                         : REPORT_STATUS_MISSING;
            uv->value = ru->value;
            uv->n = ru->has_n ? (long)ru->n : -1;
        }
    }
    return 0;
}

report_provider_t *report_decode_provider(const bl_config_t *cfg,
                                          const void *data, size_t len,
                                          int period,
                                          report_decode_stats_fn stats,
                                          void *stats_ctx)
{
    const bl_catalogue_t *cat = cfg->catalogue;
    report_provider_t *p = report_provider_new();
    if (p == NULL) {
        return NULL;
    }
    p->period = period;
    p->node_id = report_strdup(cfg->node);
    char catname[160];
    snprintf(catname, sizeof catname, "%s %s", cat->name, cat->version);
    p->catalogue = report_strdup(catname);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char date[16];
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    p->generated = report_strdup(date);
    p->min_respondents = cfg->min_respondents;
    p->min_peers = cfg->min_peers;
    bl_results_provider_t res;
    int rc = bl_results_provider_decode(data, len, &res, NULL);
    if (rc == 0) {
        rc = s_model_provider(cfg, p, &res, stats, stats_ctx);
    }
    bl_results_provider_free(&res);
    if (rc != 0) {
        report_provider_destroy(&p);
    }
    /* names in the report's language (SPEC 3) */
    if (p != NULL &&
        report_names_provider(p, cfg->catalogue,
                              report_decode_language(cfg, p->country)) != 0) {
        report_provider_destroy(&p);
    }
    return p;
}

/* Orders top areas by providers, most first. */
static int s_cmp_area(const void *a, const void *b)
{
    const report_top_area_t *x = a, *y = b;
    if (x->providers != y->providers) {
        return x->providers < y->providers ? 1 : -1;
    }
    return strcmp(x->indicator_id, y->indicator_id);
}

/* Fills s->correlations (allocated for in->n_corrs) with the pairs SPEC 5
 * lets people see, most certain first. */
static void s_correlations(report_summary_t *s, const bl_results_summary_t *in)
{
    for (size_t j = 0; j < in->n_corrs; j++) {
        const bl_results_corr_t *rc = &in->corrs[j];
        report_correlation_t *c = &s->correlations[s->correlation_count++];
        c->group_id = report_strdup(rc->group);
        c->group_key = report_strdup(rc->key);
        c->a = report_strdup(rc->a);
        c->b = report_strdup(rc->b);
        c->n = (size_t)rc->n;
        c->rho = rc->rho;
    }
    s->correlation_count = report_signif_filter(s->correlations,
                                                s->correlation_count);
}

report_summary_t *report_decode_correlations(const void *data, size_t len)
{
    report_summary_t *s = report_summary_new();
    if (s == NULL) {
        return NULL;
    }
    bl_results_summary_t in;
    if (bl_results_summary_decode(data, len, &in, NULL) != 0) {
        goto fail;
    }
    s->correlations = calloc(in.n_corrs ? in.n_corrs : 1,
                             sizeof *s->correlations);
    if (s->correlations == NULL) {
        goto fail;
    }
    s_correlations(s, &in);
    bl_results_summary_free(&in);
    return s;
fail:
    bl_results_summary_free(&in);
    report_summary_destroy(&s);
    return NULL;
}

report_summary_t *report_decode_summary(const bl_config_t *cfg,
                                        const void *data, size_t len,
                                        int period)
{
    const bl_catalogue_t *cat = cfg->catalogue;
    report_summary_t *s = report_summary_new();
    if (s == NULL) {
        return NULL;
    }
    s->node_id = report_strdup(cfg->node);
    s->international = cfg->role == BL_ROLE_INTERNATIONAL;
    s->country = cfg->country[0] ? report_strdup(cfg->country) : NULL;
    s->period = period;
    bl_results_summary_t in;
    if (bl_results_summary_decode(data, len, &in, NULL) != 0) {
        goto fail;
    }
    size_t m = in.n_participants;
    s->participants = calloc(m ? m : 1, sizeof *s->participants);
    s->overdue = calloc(m ? m : 1, sizeof *s->overdue);
    s->band_dists = calloc(in.n_bands ? in.n_bands : 1,
                           sizeof *s->band_dists);
    s->top_areas = calloc(in.n_areas ? in.n_areas : 1, sizeof *s->top_areas);
    s->correlations = calloc(in.n_corrs ? in.n_corrs : 1,
                             sizeof *s->correlations);
    if (s->participants == NULL || s->overdue == NULL ||
        s->band_dists == NULL || s->top_areas == NULL ||
        s->correlations == NULL) {
        goto fail;
    }
    s->participant_count = m;
    for (size_t j = 0; j < m; j++) {
        const bl_results_participant_t *q = &in.participants[j];
        report_participant_t *p = &s->participants[j];
        p->provider_id = report_strdup(q->id);
        p->name = report_strdup(q->name);
        p->country = report_strdup(q->country);
        p->membership = report_strdup(q->membership);
        p->sent = (size_t)q->sent;
        p->expected = (size_t)q->expected;
        /* A potential member must move up within two years of
         * member_since; judged at the end of the period. */
        if (strcmp(q->membership, "potential") == 0 &&
            atoi(q->member_since) + 2 < period + 1) {
            report_overdue_t *o = &s->overdue[s->overdue_count++];
            o->provider_id = report_strdup(q->id);
            o->name = report_strdup(q->name);
            o->country = report_strdup(q->country);
            o->member_since = report_strdup(q->member_since);
        }
    }
    for (size_t j = 0; j < in.n_bands; j++) {
        const bl_results_bands_t *d = &in.bands[j];
        size_t total = d->bands[0] + d->bands[1] + d->bands[2] + d->bands[3];
        if (total == 0) {
            continue;
        }
        report_band_dist_t *bd = &s->band_dists[s->band_dist_count++];
        bd->indicator_id = report_strdup(d->indicator);
        bd->group_id = report_strdup(d->group);
        for (int b = 0; b < 4; b++) {
            bd->bands[b] = (size_t)d->bands[b];
        }
        int ki = bl_catalogue_find_indicator(cat, d->indicator);
        bd->name = ki >= 0 ? report_strdup(cat->indicators[ki].name) : NULL;
    }
    for (size_t j = 0; j < in.n_areas; j++) {
        report_top_area_t *ta = &s->top_areas[s->top_area_count++];
        ta->indicator_id = report_strdup(in.areas[j].indicator);
        ta->providers = (size_t)in.areas[j].providers;
        int ki = bl_catalogue_find_indicator(cat, in.areas[j].indicator);
        ta->name = ki >= 0 ? report_strdup(cat->indicators[ki].name) : NULL;
    }
    qsort(s->top_areas, s->top_area_count, sizeof *s->top_areas, s_cmp_area);
    s_correlations(s, &in);
    s->done = calloc(in.n_done ? in.n_done : 1, sizeof *s->done);
    s->needs = calloc(in.n_needs ? in.n_needs : 1, sizeof *s->needs);
    if (s->done == NULL || s->needs == NULL) {
        goto fail;
    }
    for (size_t j = 0; j < in.n_done; j++) {
        report_done_t *d = &s->done[s->done_count++];
        d->indicator_id = report_strdup(in.done[j].indicator);
        d->actions = (size_t)in.done[j].actions;
        d->done = (size_t)in.done[j].done;
        int ki = bl_catalogue_find_indicator(cat, in.done[j].indicator);
        d->name = ki >= 0 ? report_strdup(cat->indicators[ki].name) : NULL;
    }
    for (size_t j = 0; j < in.n_needs; j++) {
        const bl_results_need_t *rn = &in.needs[j];
        report_need_t *d = &s->needs[s->need_count++];
        d->indicator_id = report_strdup(rn->indicator);
        d->principle = report_strdup(rn->principle);
        d->country = report_strdup(rn->country);
        d->in_need = (size_t)rn->in_need;
        d->band4 = (size_t)rn->band4;
        d->hosts = rn->hosts != NULL ? report_strdup(rn->hosts) : NULL;
        d->event = rn->event[0] ? report_strdup(rn->event) : NULL;
        int ki = bl_catalogue_find_indicator(cat, rn->indicator);
        d->name = ki >= 0 ? report_strdup(cat->indicators[ki].name) : NULL;
    }
    bl_results_summary_free(&in);
    return s;
fail:
    bl_results_summary_free(&in);
    report_summary_destroy(&s);
    return NULL;
}
