/*
 * report_fixture: the fake provider report of the renderer tests (see
 * report_fixture.h).
 */
#include "report_fixture.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* The test support library is not linked with the service libraries'
 * include directories, so the model's header is named by its path. */
#include "report_model.h"

/* Aborts when p is NULL: a fixture that cannot be built fails its test
 * loudly. */
static void s_need(const void *p)
{
    if (p == NULL) {
        fputs("report_fixture: out of memory\n", stderr);
        abort();
    }
}

/* Sorted values lo, lo+step, ... (n of them) on the heap. */
static double *s_peers(size_t n, double lo, double step)
{
    double *v = calloc(n, sizeof *v);
    s_need(v);
    for (size_t i = 0; i < n; i++) {
        v[i] = lo + step * (double)i;
    }
    return v;
}

static void s_group(report_group_t *g, const char *id, const char *key,
                    size_t n, double lo, double step, double rank, int band)
{
    g->group_id = report_strdup(id);
    g->group_key = report_strdup(key);
    g->n = n;
    g->peers = s_peers(n, lo, step);
    g->peer_count = n;
    g->min = lo;
    g->max = lo + step * (double)(n - 1);
    g->p10 = lo + step * 0.1 * (double)(n - 1);
    g->p25 = lo + step * 0.25 * (double)(n - 1);
    g->p50 = lo + step * 0.5 * (double)(n - 1);
    g->p75 = lo + step * 0.75 * (double)(n - 1);
    g->p90 = lo + step * 0.9 * (double)(n - 1);
    g->mean = g->p50;
    g->sd = step * (double)n / 3.5;
    g->best_in_class = g->p90;
    g->has_position = 1;
    g->percentile_rank = rank;
    g->band = band;
    g->has_z = 1;
    g->z = (rank - 50.0) / 30.0;
}

static void s_indicator(report_indicator_t *ind, const char *id,
                        const char *name, const char *principle,
                        const char *kind, const char *unit, double value)
{
    ind->id = report_strdup(id);
    ind->name = report_strdup(name);
    ind->principle = report_strdup(principle);
    ind->kind = report_strdup(kind);
    ind->unit = report_strdup(unit);
    ind->direction = REPORT_DIR_HIGHER;
    ind->status = REPORT_STATUS_OK;
    ind->value = value;
    ind->n = -1;
    ind->groups = calloc(2, sizeof *ind->groups);
    s_need(ind->groups);
    ind->group_count = 2;
}

/* The provider report_fixture.h describes, figure by figure. */
report_provider_t *report_fixture_provider(void)
{
    report_provider_t *r = report_provider_new();
    s_need(r);
    r->provider_id = report_strdup("NO-bergen-01");
    r->name = report_strdup("Bergen <Care> & Co \"AS\"");
    r->country = report_strdup("NO");
    r->service_type = report_strdup("residential_care");
    r->period = 2025;
    r->has_previous_period = 1;
    r->node_id = report_strdup("no-1");
    r->catalogue = report_strdup("elc 2025.1");
    r->generated = report_strdup("2026-03-01");
    r->min_respondents = 5;
    r->min_peers = 5;
    r->indicator_count = 5;
    r->indicators = calloc(5, sizeof *r->indicators);
    s_need(r->indicators);

    report_indicator_t *ind = &r->indicators[0];
    s_indicator(ind, "RES-02", "Individual-plan goals achieved",
                "result_orientation", "ratio", "%", 71.4);
    ind->has_ratio = 1;
    ind->numerator = 50;
    ind->denominator = 70;
    ind->has_previous = 1;
    ind->previous_value = 66.0;
    s_group(&ind->groups[0], "national", "NO/residential_care", 48, 40, 1,
            72.0, 3);
    ind->groups[0].has_previous_rank = 1;
    ind->groups[0].previous_rank = 61.0;
    ind->groups[0].has_reference = 1;
    ind->groups[0].reference = 80;
    ind->groups[0].gap = 8.6;
    s_group(&ind->groups[1], "international", "residential_care", 3, 0, 0,
            0, 0);
    ind->groups[1].too_few_peers = 1;
    ind->groups[1].has_position = 0;
    /* Learning curve over three periods in the national group. */
    r->curve_group = report_strdup("national");
    s_need(r->curve_group);
    ind->curve = calloc(3, sizeof *ind->curve);
    s_need(ind->curve);
    ind->curve_count = 3;
    static const report_curve_point_t curve[] = {
        {2023, REPORT_STATUS_OK, 60.0, 1, 40.0, 2, 1, 65.0},
        {2024, REPORT_STATUS_OK, 66.0, 1, 61.0, 3, 1, 68.0},
        {2025, REPORT_STATUS_OK, 71.4, 1, 72.0, 3, 1, 63.5},
    };
    for (size_t i = 0; i < 3; i++) {
        ind->curve[i] = curve[i];
    }

    ind = &r->indicators[1];
    s_indicator(ind, "RES-01", "Overall user satisfaction",
                "result_orientation", "survey_share", "%", NAN);
    ind->status = REPORT_STATUS_SUPPRESSED;
    ind->n = 3;
    s_group(&ind->groups[0], "national", "NO/residential_care", 40, 70, 0.5,
            0, 0);
    ind->groups[0].has_position = 0;
    s_group(&ind->groups[1], "international", "residential_care", 120, 60,
            0.3, 0, 0);
    ind->groups[1].has_position = 0;

    ind = &r->indicators[2];
    s_indicator(ind, "STA-02", "Sickness absence", "staff", "ratio", "%",
                9.5);
    ind->direction = REPORT_DIR_LOWER;
    s_group(&ind->groups[0], "national", "NO/residential_care", 30, 2, 0.3,
            8.0, 1);
    s_group(&ind->groups[1], "international", "residential_care", 110, 1.5,
            0.1, 10.5, 1);

    ind = &r->indicators[3];
    s_indicator(ind, "STA-07", "Staff engagement index", "staff",
                "survey_mean", "1–5", 4.31);
    ind->n = 57;
    s_group(&ind->groups[0], "national", "NO/residential_care", 30, 3.2,
            0.04, 93.0, 4);
    s_group(&ind->groups[1], "international", "residential_care", 100, 3.0,
            0.014, 95.5, 4);

    ind = &r->indicators[4];
    s_indicator(ind, "LEA-01", "Plan objectives achieved", "leadership",
                "ratio", "%", 80.0);
    s_group(&ind->groups[0], "national", "NO/residential_care", 25, 50, 2,
            60.0, 3);
    s_group(&ind->groups[1], "international", "residential_care", 90, 40,
            0.6, 68.0, 3);

    r->area_count = 2;
    r->areas = calloc(2, sizeof *r->areas);
    s_need(r->areas);
    r->areas[0].indicator_id = report_strdup("STA-02");
    r->areas[0].partner_count = 2;
    report_partner_t *p = &r->areas[0].partners[0];
    p->named = 1;
    p->provider_id = report_strdup("NO-oslo-03");
    p->name = report_strdup("Oslo Omsorg");
    p->service_type = report_strdup("residential_care");
    p->country = report_strdup("NO");
    p = &r->areas[0].partners[1];
    p->service_type = report_strdup("residential_care");
    p->country = report_strdup("PT");
    r->areas[1].indicator_id = report_strdup("RES-02");

    r->strength_count = 1;
    r->strengths = calloc(1, sizeof *r->strengths);
    s_need(r->strengths);
    r->strengths[0] = report_strdup("STA-07");

    r->unit_count = 2;
    r->units = calloc(2, sizeof *r->units);
    s_need(r->units);
    for (size_t u = 0; u < 2; u++) {
        r->units[u].unit_id = report_strdup(u == 0 ? "north" : "south");
        r->units[u].values = calloc(5, sizeof(report_unit_value_t));
        s_need(r->units[u].values);
        for (size_t i = 0; i < 5; i++) {
            r->units[u].values[i].status = REPORT_STATUS_MISSING;
            r->units[u].values[i].n = -1;
        }
    }
    r->units[0].values[0] = (report_unit_value_t){REPORT_STATUS_OK, 75.0, -1};
    r->units[1].values[0] = (report_unit_value_t){REPORT_STATUS_OK, 68.1, -1};
    r->units[0].values[1] =
        (report_unit_value_t){REPORT_STATUS_SUPPRESSED, 0, 2};
    return r;
}
