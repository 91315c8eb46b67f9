/*
 * report_model: constructors, destructors and two small look-ups for the
 * report data.  It frees what report_model.h says the tree owns, and nothing
 * computes figures here.
 */
#include "report_model.h"

#include <stdlib.h>
#include <string.h>

char *report_strdup(const char *s)
{
    if (s == NULL) {
        return NULL;
    }
    size_t len = strlen(s) + 1;
    char *copy = malloc(len);
    if (copy != NULL) {
        memcpy(copy, s, len);
    }
    return copy;
}

report_provider_t *report_provider_new(void)
{
    return calloc(1, sizeof(report_provider_t));
}

static void s_group_free(report_group_t *g)
{
    free(g->group_id);
    free(g->group_key);
    free(g->peers);
}

static void s_indicator_free(report_indicator_t *ind)
{
    free(ind->id);
    free(ind->name);
    free(ind->principle);
    free(ind->kind);
    free(ind->unit);
    for (size_t i = 0; i < ind->group_count && ind->groups != NULL; i++) {
        s_group_free(&ind->groups[i]);
    }
    free(ind->groups);
    free(ind->curve);
}

static void s_partner_free(report_partner_t *p)
{
    free(p->provider_id);
    free(p->name);
    free(p->service_type);
    free(p->country);
}

void report_provider_destroy(report_provider_t **r)
{
    if (r == NULL || *r == NULL) {
        return;
    }
    report_provider_t *p = *r;
    free(p->provider_id);
    free(p->name);
    free(p->country);
    free(p->service_type);
    free(p->node_id);
    free(p->catalogue);
    free(p->generated);
    for (size_t i = 0; i < p->indicator_count && p->indicators; i++) {
        s_indicator_free(&p->indicators[i]);
    }
    free(p->indicators);
    for (size_t i = 0; i < p->area_count && p->areas != NULL; i++) {
        free(p->areas[i].indicator_id);
        for (size_t j = 0; j < REPORT_PARTNERS_MAX; j++) {
            s_partner_free(&p->areas[i].partners[j]);
        }
        for (size_t j = 0; j < p->areas[i].related_count; j++) {
            free(p->areas[i].related[j].indicator_id);
            free(p->areas[i].related[j].group_id);
            free(p->areas[i].related[j].group_key);
        }
        free(p->areas[i].related);
        for (size_t j = 0; j < p->areas[i].practice_count; j++) {
            report_practice_t *x = &p->areas[i].practices[j];
            free(x->provider_id);
            free(x->name);
            free(x->service_type);
            free(x->country);
            free(x->title);
            free(x->description);
            free(x->contact);
        }
        free(p->areas[i].practices);
    }
    free(p->areas);
    for (size_t i = 0; i < p->followup_count && p->followups; i++) {
        free(p->followups[i].action_id);
        free(p->followups[i].indicator_id);
        free(p->followups[i].status);
        free(p->followups[i].due);
    }
    free(p->followups);
    for (size_t i = 0; i < p->strength_count && p->strengths; i++) {
        free(p->strengths[i]);
    }
    free(p->strengths);
    for (size_t i = 0; i < p->unit_count && p->units != NULL; i++) {
        free(p->units[i].unit_id);
        free(p->units[i].values);
    }
    free(p->units);
    free(p->curve_group);
    free(p);
    *r = NULL;
}

report_summary_t *report_summary_new(void)
{
    return calloc(1, sizeof(report_summary_t));
}

void report_summary_destroy(report_summary_t **s)
{
    if (s == NULL || *s == NULL) {
        return;
    }
    report_summary_t *m = *s;
    free(m->node_id);
    free(m->country);
    free(m->generated);
    for (size_t i = 0; i < m->participant_count && m->participants; i++) {
        report_participant_t *p = &m->participants[i];
        free(p->provider_id);
        free(p->name);
        free(p->country);
        free(p->membership);
    }
    free(m->participants);
    for (size_t i = 0; i < m->overdue_count && m->overdue != NULL; i++) {
        free(m->overdue[i].provider_id);
        free(m->overdue[i].name);
        free(m->overdue[i].country);
        free(m->overdue[i].member_since);
    }
    free(m->overdue);
    for (size_t i = 0; i < m->band_dist_count && m->band_dists; i++) {
        free(m->band_dists[i].indicator_id);
        free(m->band_dists[i].name);
        free(m->band_dists[i].group_id);
    }
    free(m->band_dists);
    for (size_t i = 0; i < m->top_area_count && m->top_areas; i++) {
        free(m->top_areas[i].indicator_id);
        free(m->top_areas[i].name);
    }
    free(m->top_areas);
    for (size_t i = 0; i < m->correlation_count && m->correlations; i++) {
        free(m->correlations[i].group_id);
        free(m->correlations[i].group_key);
        free(m->correlations[i].a);
        free(m->correlations[i].b);
    }
    free(m->correlations);
    for (size_t i = 0; i < m->done_count && m->done; i++) {
        free(m->done[i].indicator_id);
        free(m->done[i].name);
    }
    free(m->done);
    for (size_t i = 0; i < m->need_count && m->needs; i++) {
        free(m->needs[i].indicator_id);
        free(m->needs[i].name);
        free(m->needs[i].principle);
        free(m->needs[i].country);
        free(m->needs[i].hosts);
        free(m->needs[i].event);
    }
    free(m->needs);
    free(m);
    *s = NULL;
}

const report_indicator_t *report_provider_find(const report_provider_t *r,
                                               const char *indicator_id)
{
    if (r == NULL || indicator_id == NULL) {
        return NULL;
    }
    for (size_t i = 0; i < r->indicator_count; i++) {
        if (r->indicators[i].id != NULL
            && strcmp(r->indicators[i].id, indicator_id) == 0) {
            return &r->indicators[i];
        }
    }
    return NULL;
}

int report_indicator_best_band(const report_indicator_t *ind)
{
    int best = 0;
    if (ind == NULL || ind->status != REPORT_STATUS_OK) {
        return 0;
    }
    for (size_t i = 0; i < ind->group_count; i++) {
        const report_group_t *g = &ind->groups[i];
        if (!g->too_few_peers && g->has_position && g->band > best) {
            best = g->band;
        }
    }
    return best;
}
