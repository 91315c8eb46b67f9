/*
 * report_model: the in-memory figures of one provider's benchmark report and
 * of a node's coordinator summary, as the renderers (HTML, PDF, CSV, JSON)
 * read them.
 *
 * Plain structs with arrays and counts, so that the glue code that fills them
 * from the benchmark results needs nothing but calloc and report_strdup.
 * This module computes nothing: every figure (quantiles, ranks, bands, gaps,
 * areas for improvement, learning partners) arrives finished, as SPEC
 * section 5 defines it.  It does not render either.
 *
 * Ownership: a report_provider_t or report_summary_t owns everything it
 * points to.  Every `char *` is a heap string (report_strdup) and every array
 * a heap block (calloc) of `*_count` elements; report_provider_destroy and
 * report_summary_destroy free the whole tree, so fill it only with memory the
 * tree may free.  NULL strings are allowed where a field says "may be NULL".
 */
#ifndef REPORT_MODEL_H
#define REPORT_MODEL_H

#include <stddef.h>

/* Most learning partners shown per area for improvement (SPEC 5). */
#define REPORT_PARTNERS_MAX 3

/* Number of bands: 1 (lowest quarter) .. 4 (best quarter). */
#define REPORT_BANDS 4

typedef enum report_status {
    REPORT_STATUS_OK = 0,              /* value present */
    REPORT_STATUS_SUPPRESSED = 1,      /* survey n < min_respondents */
    REPORT_STATUS_MISSING = 2          /* the provider sent nothing */
} report_status_t;

typedef enum report_direction {
    REPORT_DIR_HIGHER = 0,             /* higher values are better */
    REPORT_DIR_LOWER = 1               /* lower values are better */
} report_direction_t;

/* The provider's position in one peer group instance of one indicator. */
typedef struct report_group {
    char *group_id;          /* node config group id: "national" */
    char *group_key;         /* instance: "NO/vocational_rehabilitation" */
    int too_few_peers;       /* 1: n < min_peers; only n below is valid */
    size_t n;                /* values in the group instance */
    double mean;             /* group mean */
    double sd;               /* sample sd (n-1) */
    double min, p10, p25, p50, p75, p90, max;   /* type-7 quantiles */
    double best_in_class;    /* p90 (higher) or p10 (lower) */
    int has_position;        /* 1: rank, band (and maybe z) are valid; 0
                                when the provider has no value here */
    double percentile_rank;  /* 0..100, direction-aware */
    int band;                /* 1..4 */
    int has_z;               /* 0 when all values are equal */
    double z;                /* positive is better */
    int has_reference;       /* 1: reference and gap are valid */
    double reference;        /* the indicator's reference value */
    double gap;              /* positive: short of the reference */
    int has_previous_rank;   /* 1: previous_rank is valid */
    double previous_rank;    /* percentile rank in period - 1 */
    double *peers;           /* sorted ascending peer values (the provider's
                                own included); may be NULL: box plot only */
    size_t peer_count;       /* elements in peers */
} report_group_t;

/* One period of an indicator's learning curve (SPEC 5): the provider's
 * value and its position in its national group (the node's first peer
 * group), with that group's median. */
typedef struct report_curve_point {
    int period;              /* 2023 */
    report_status_t status;
    double value;            /* valid when status is OK */
    int has_position;        /* 1: percentile_rank and band are valid */
    double percentile_rank;  /* 0..100 in the national group */
    int band;                /* 1..4 in the national group */
    int has_p50;             /* 1: the group had enough peers */
    double p50;              /* the national group's median */
} report_curve_point_t;

/* One indicator of the catalogue as it concerns this provider. */
typedef struct report_indicator {
    char *id;                /* "RES-01" */
    char *name;              /* catalogue name in the report's language */
    char *principle;         /* "result_orientation" */
    char *kind;              /* ratio | value | survey_share | ... */
    char *unit;              /* "%", "days"; may be NULL */
    report_direction_t direction;
    report_status_t status;
    double value;            /* valid when status is OK */
    long n;                  /* survey respondents; -1 when not a survey */
    int has_ratio;           /* 1: numerator and denominator valid */
    double numerator;
    double denominator;
    int has_previous;        /* 1: previous_value valid */
    double previous_value;   /* value in period - 1 */
    report_group_t *groups;  /* the provider's peer group instances */
    size_t group_count;
    report_curve_point_t *curve;  /* every period the node holds up to this
                                     one, oldest first; may be NULL */
    size_t curve_count;
} report_indicator_t;

/* A provider named (share_identity yes) or described ("a residential care
 * provider in PT") as a learning partner. */
typedef struct report_partner {
    int named;               /* 1: share_identity yes, id and name shown */
    char *provider_id;       /* may be NULL when not named */
    char *name;              /* may be NULL when not named */
    char *service_type;      /* catalogue code: "residential_care" */
    char *country;           /* "PT" */
} report_partner_t;

/* An indicator that moves with an area for improvement in one of the
 * provider's group instances, shown by SPEC 5's rule (report_signif). */
typedef struct report_relation {
    char *indicator_id;      /* the other indicator */
    char *group_id;          /* "national" */
    char *group_key;         /* "NO/residential_care" */
    size_t n;                /* providers with both values */
    double rho;              /* Spearman's rho, -1..1 */
    double p;                /* two-sided p */
} report_relation_t;

/* A practice on an area's indicator, told by a provider in band 4 of it
 * (SPEC 10). */
typedef struct report_practice {
    int period;              /* the period it was told for */
    int named;               /* 1: the author shares identity */
    char *provider_id;       /* NULL when not named */
    char *name;              /* NULL when not named */
    char *service_type;      /* catalogue code */
    char *country;           /* "PT" */
    char *title;
    char *description;
    char *contact;           /* NULL when not named or none given */
} report_practice_t;

/* An area for improvement with its learning partners. */
typedef struct report_area {
    char *indicator_id;      /* an id in report_provider_t.indicators */
    report_partner_t partners[REPORT_PARTNERS_MAX];
    size_t partner_count;    /* 0..REPORT_PARTNERS_MAX */
    report_relation_t *related;   /* smallest p first; may be NULL */
    size_t related_count;
    report_practice_t *practices; /* up to REPORT_PARTNERS_MAX, in SPEC
                                     10's order; may be NULL */
    size_t practice_count;
} report_area_t;

/* One unit's value of one indicator. */
typedef struct report_unit_value {
    report_status_t status;
    double value;            /* valid when status is OK */
    long n;                  /* survey respondents; -1 when not a survey */
} report_unit_value_t;

/* One organisational unit of the provider. */
typedef struct report_unit {
    char *unit_id;
    report_unit_value_t *values;  /* indicator_count entries, in the order
                                     of report_provider_t.indicators */
} report_unit_t;

/* An indicator's figures on one side of a follow-up, in the node's first
 * peer group. */
typedef struct report_side {
    int has_value;           /* 1: value valid */
    double value;
    int has_rank;            /* 1: percentile_rank valid */
    double percentile_rank;  /* 0..100 */
    int band;                /* 1..4; 0 when no position */
} report_side_t;

/* An improvement action of the period before and what became of its
 * indicator (SPEC 10). */
typedef struct report_followup {
    char *action_id;
    char *indicator_id;      /* may be absent from the catalogue */
    char *status;            /* planned | in_progress | done | dropped */
    char *due;               /* "2025-06-30" */
    report_side_t before;    /* period - 1 */
    report_side_t after;     /* this period */
} report_followup_t;

/* One provider's report for one period. */
typedef struct report_provider {
    char *provider_id;       /* "NO-bergen-01" */
    char *name;
    char *country;           /* "NO" */
    char *service_type;      /* catalogue code */
    int share_identity;      /* 1: yes */
    int period;              /* 2025 */
    int has_previous_period; /* 1: figures for period - 1 exist */
    int international_pending; /* 1: the international comparison has
                                  not come back yet (national node) */
    char *node_id;           /* the node that made the report; may be NULL */
    char *catalogue;         /* "elc 2025.1"; may be NULL */
    char *generated;         /* "2026-03-01"; may be NULL */
    int min_respondents;     /* for the methods section */
    int min_peers;           /* for the methods section */
    report_indicator_t *indicators;  /* in catalogue order */
    size_t indicator_count;
    report_area_t *areas;    /* ordered: largest -z first (SPEC 5) */
    size_t area_count;
    char **strengths;        /* indicator ids with band 4 in some group */
    size_t strength_count;
    report_unit_t *units;    /* may be NULL */
    size_t unit_count;
    char *curve_group;       /* the learning curve's group id ("national");
                                may be NULL */
    report_followup_t *followups;  /* the actions of period - 1, by action
                                      id; may be NULL */
    size_t followup_count;
} report_provider_t;

/* Participation of one provider, for the coordinator. */
typedef struct report_participant {
    char *provider_id;
    char *name;
    char *country;
    char *membership;        /* assurance | excellence | stairway | potential */
    size_t sent;             /* indicators with a value or a suppressed one */
    size_t expected;         /* indicators the catalogue asks for */
    size_t rejected;         /* rows still rejected in the period */
} report_participant_t;

/* A potential member past its two-year deadline. */
typedef struct report_overdue {
    char *provider_id;
    char *name;
    char *country;
    char *member_since;      /* "2022-05-01" */
} report_overdue_t;

/* How the providers fall into bands on one indicator and group. */
typedef struct report_band_dist {
    char *indicator_id;
    char *name;              /* indicator name; may be NULL */
    char *group_id;          /* "national" */
    size_t bands[REPORT_BANDS];   /* bands[0] = band 1 ... bands[3] = band 4 */
} report_band_dist_t;

/* How many providers have an indicator among their areas for improvement. */
typedef struct report_top_area {
    char *indicator_id;
    char *name;              /* may be NULL */
    size_t providers;
} report_top_area_t;

/* One Spearman correlation between two indicators in a group instance. */
typedef struct report_correlation {
    char *group_id;
    char *group_key;
    char *a;                 /* indicator id, a < b */
    char *b;
    size_t n;                /* providers with both values */
    double rho;              /* -1..1 */
    double p;                /* two-sided p (report_signif) */
} report_correlation_t;

/* Period - 1's improvement actions on one indicator (SPEC 10). */
typedef struct report_done {
    char *indicator_id;
    char *name;              /* may be NULL */
    size_t actions;
    size_t done;             /* `done` by this period's close */
} report_done_t;

/* One row of the learning-event plan (SPEC 10's learning-needs). */
typedef struct report_need {
    char *indicator_id;
    char *name;              /* may be NULL */
    char *principle;
    char *country;
    size_t in_need;          /* providers with it among their areas */
    size_t band4;            /* providers in band 4 of it */
    char *hosts;             /* ;-joined ids sharing identity; may be NULL */
    char *event;             /* "international", "national"; may be NULL */
} report_need_t;

/* The coordinator's summary of one node and period. */
typedef struct report_summary {
    char *node_id;
    int international;       /* 1: international node: shown by country */
    char *country;           /* national nodes; may be NULL */
    int period;
    char *generated;         /* may be NULL */
    size_t rejected_rows;    /* all rows still rejected, whoever sent them */
    report_participant_t *participants;
    size_t participant_count;
    report_overdue_t *overdue;
    size_t overdue_count;
    report_band_dist_t *band_dists;
    size_t band_dist_count;
    report_top_area_t *top_areas;   /* most providers first */
    size_t top_area_count;
    report_correlation_t *correlations;   /* those shown (report_signif),
                                             smallest p first */
    size_t correlation_count;
    report_done_t *done;     /* per indicator with actions; may be NULL */
    size_t done_count;
    report_need_t *needs;    /* by indicator, then country; may be NULL */
    size_t need_count;
} report_summary_t;

/* A heap copy of s (NULL for NULL); the caller owns it. */
char *report_strdup(const char *s);

/* A zeroed provider report, or NULL when out of memory. */
report_provider_t *report_provider_new(void);

/* Frees the report and everything it points to; sets *r to NULL.  Accepts
 * NULL and a pointer to NULL. */
void report_provider_destroy(report_provider_t **r);

/* A zeroed summary, or NULL when out of memory. */
report_summary_t *report_summary_new(void);

/* Frees the summary and everything it points to; sets *s to NULL. */
void report_summary_destroy(report_summary_t **s);

/* The indicator with this id, or NULL. */
const report_indicator_t *report_provider_find(const report_provider_t *r,
                                               const char *indicator_id);

/* The provider's best band over the groups with a position, or 0 when it has
 * none (suppressed, missing, too few peers everywhere). */
int report_indicator_best_band(const report_indicator_t *ind);

#endif
