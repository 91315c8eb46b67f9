/*
 * validate_row: the checks of one row against SPEC sections 1-3 that need
 * nothing but the row, the catalogue and the register entry of its
 * provider — patterns, countries, periods, numbers, ranges, scales.  It
 * turns a row into a typed record and a list of problems.  The checks that
 * need other rows (repeated keys, outliers, change against the previous
 * period, rules) are made by validate_batch.c and the modules it calls,
 * where the store is.
 */
#ifndef VALIDATE_ROW_H
#define VALIDATE_ROW_H

#include <stdbool.h>
#include <stddef.h>

#include "bl_config.h"
#include "bl_layout.h"

#define VR_ID_MAX 48           /* provider / unit ids: 2 + 1 + 40 + NUL */
#define VR_PROBLEMS_MAX 16
#define VR_REASON_MAX 256
#define VR_ITEMS_MAX 64
#define VR_NO_ANSWER (-1000000) /* an item not answered (empty or NA) */

typedef struct vr_problem {
    bool error;                /* error (row rejected) or warning */
    char field[64];            /* the column the problem is about */
    char reason[VR_REASON_MAX];
} vr_problem_t;

/* What validation found about one row. */
typedef struct vr_outcome {
    size_t n;
    vr_problem_t items[VR_PROBLEMS_MAX];
    bool rejected;             /* at least one error */
} vr_outcome_t;

/* A register row. */
typedef struct vr_register {
    char provider[VR_ID_MAX];
    char name[512];
    char country[3];
    char service_type[64];
    long long users, staff;
    char membership[16];
    char member_since[11];     /* YYYY-MM-DD */
    bool share_identity;
} vr_register_t;

/* An indicator data row. */
typedef struct vr_indicator_row {
    char provider[VR_ID_MAX];
    char unit[VR_ID_MAX];      /* "" for the provider level */
    int period;
    int indicator;             /* catalogue index */
    bool has_num, has_den, has_value;
    double num, den, value;    /* value: as given, or computed for ratios */
} vr_indicator_row_t;

/* A survey response row. */
typedef struct vr_survey_row {
    char provider[VR_ID_MAX];
    char unit[VR_ID_MAX];
    int period;
    int survey;                /* catalogue index */
    char respondent[128];
    size_t n_items;            /* = the survey's item count */
    int answers[VR_ITEMS_MAX]; /* VR_NO_ANSWER when not answered; only
                                  the first n_items are set */
} vr_survey_row_t;

/* What the row checks need to know. */
typedef struct vr_context {
    const bl_config_t *cfg;
    const bl_layout_t *layout;
    bool decimal_comma;        /* the file uses ';' */
    int current_year;          /* periods above it lie in the future */
    int *indicator_hint;       /* NULL, or the catalogue index of the last
                                  row's indicator: the one after it is
                                  tried first (files list a provider's
                                  indicators in catalogue order) */
} vr_context_t;

void vr_add(vr_outcome_t *o, bool error, const char *field, const char *fmt,
            ...) __attribute__((format(printf, 4, 5)));

/* Check one row (fields as read, n of them) of the given kind.  The
 * provider's existence in the register is checked by the caller. */
void vr_check_register(const vr_context_t *c, const char *const *fields,
                       vr_register_t *out, vr_outcome_t *o);
void vr_check_indicator(const vr_context_t *c, const char *const *fields,
                        vr_indicator_row_t *out, vr_outcome_t *o);
void vr_check_survey(const vr_context_t *c, const char *const *fields,
                     vr_survey_row_t *out, vr_outcome_t *o);

/* The row's field of column col, or "" when the file has no such column. */
const char *vr_field(const vr_context_t *c, const char *const *fields,
                     bl_col_t col);

/* Checks a provider id (pattern, and the node's country on a national
 * node) and copies it to out (VR_ID_MAX bytes) when it is one. */
void vr_check_provider(const vr_context_t *c, const char *id, char *out,
                       vr_outcome_t *o);

/* Rejects the row for an indicator id the catalogue does not have,
 * naming the catalogue's spelling when it has the id in another letter
 * case. */
void vr_unknown_indicator(const vr_context_t *c, const char *id,
                          vr_outcome_t *o);

/* Checks a period (a year, not in the future) into *out. */
void vr_check_period(const vr_context_t *c, const char *s, int *out,
                     vr_outcome_t *o);

/* True when s is a real date YYYY-MM-DD (year 1900 or later). */
bool vr_date_ok(const char *s);

/* Checks a date field (vr_date_ok) and copies it to out (size bytes);
 * else rejects the row, naming the date a spreadsheet most likely meant
 * (01.03.2019, 2019-3-1, 2019-03-01 00:00:00: '2019-03-01'). */
void vr_check_date(const char *field, const char *s, char *out, size_t size,
                   vr_outcome_t *o);

/* True when id matches the provider id pattern of SPEC section 1. */
bool vr_provider_id_ok(const char *id);
/* True when id matches the unit id pattern. */
bool vr_unit_id_ok(const char *id);

/* src into dst of size (>= 1) bytes, cut as snprintf(dst, size, "%s",
 * src) would cut it, without printf: on every row's path. */
void vr_copy(char *dst, size_t size, const char *src);

#endif
