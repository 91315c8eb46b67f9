/*
 * validate_row: per-row checks and conversion to typed records (see
 * validate_row.h).  Messages name the value and the rule it breaks, in the
 * words of SPEC section 2, so a coordinator can fix the row without the
 * spec at hand.
 */
#include "validate_row.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bl_csv.h"
#include "bl_number.h"
#include "bl_str.h"

void vr_add(vr_outcome_t *o, bool error, const char *field, const char *fmt,
            ...)
{
    if (error) {
        o->rejected = true;
    }
    if (o->n == VR_PROBLEMS_MAX) {
        return;
    }
    vr_problem_t *p = &o->items[o->n++];
    p->error = error;
    snprintf(p->field, sizeof p->field, "%s", field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->reason, sizeof p->reason, fmt, ap);
    va_end(ap);
}

static bool s_id_chars_ok(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (!(isalnum(ch) || ch == '_' || ch == '.' || ch == '-')) {
            return false;
        }
    }
    return true;
}

bool vr_provider_id_ok(const char *id)
{
    return strlen(id) >= 4 && isupper((unsigned char)id[0]) &&
           isupper((unsigned char)id[1]) && id[2] == '-' &&
           s_id_chars_ok(id + 3, 40);
}

bool vr_unit_id_ok(const char *id)
{
    return s_id_chars_ok(id, 40);
}

const char *vr_field(const vr_context_t *c, const char *const *fields,
                     bl_col_t col)
{
    int i = c->layout->col[col];
    return i >= 0 ? fields[i] : "";
}

void vr_copy(char *dst, size_t size, const char *src)
{
    size_t n = strnlen(src, size - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

void vr_unknown_indicator(const vr_context_t *c, const char *id,
                          vr_outcome_t *o)
{
    const bl_catalogue_t *cat = c->cfg->catalogue;
    for (size_t i = 0; i < cat->n_indicators; i++) {
        if (strcasecmp(cat->indicators[i].id, id) == 0) {
            vr_add(o, true, "indicator_id",
                   "unknown indicator '%.60s' (ids are written as in the "
                   "catalogue: '%.60s')", id, cat->indicators[i].id);
            return;
        }
    }
    vr_add(o, true, "indicator_id", "unknown indicator '%.60s'", id);
}

/* "unknown service type", with the catalogue's (as many as fit). */
static void s_unknown_service_type(const bl_catalogue_t *cat,
                                   const char *st, vr_outcome_t *o)
{
    char known[160];
    bl_str_list(known, sizeof known,
                (const char *const *)cat->service_types,
                cat->n_service_types);
    vr_add(o, true, "service_type", "unknown service type '%.60s' (one of "
           "%s)", st, known);
}

/* "unknown survey", with the catalogue's. */
static void s_unknown_survey(const bl_catalogue_t *cat, const char *sv,
                             vr_outcome_t *o)
{
    const char *ids[16];
    size_t n = 0;
    for (size_t i = 0; i < cat->n_surveys && n < 16; i++) {
        ids[n++] = cat->surveys[i].id;
    }
    char known[120];
    bl_str_list(known, sizeof known, ids, n);
    vr_add(o, true, "survey", "unknown survey '%.40s' (one of %s)", sv,
           known);
}

void vr_check_provider(const vr_context_t *c, const char *id, char *out,
                       vr_outcome_t *o)
{
    if (!vr_provider_id_ok(id)) {
        char upper[VR_ID_MAX];
        vr_copy(upper, sizeof upper, id);
        upper[0] = (char)toupper((unsigned char)upper[0]);
        if (upper[0] != '\0') {
            upper[1] = (char)toupper((unsigned char)upper[1]);
        }
        if (strlen(id) < sizeof upper && vr_provider_id_ok(upper)) {
            vr_add(o, true, "provider_id",
                   "'%.60s' is not a provider id: its country is written "
                   "in capitals ('%s')", id, upper);
            return;
        }
        vr_add(o, true, "provider_id",
               "'%.60s' is not a provider id (CC-LOCAL, at most 40 "
               "characters after the country)", id);
        return;
    }
    vr_copy(out, VR_ID_MAX, id);
    if (c->cfg->role == BL_ROLE_NATIONAL &&
        strncmp(id, c->cfg->country, 2) != 0) {
        vr_add(o, true, "provider_id",
               "%s is a provider of another country (%.2s) than this node "
               "(%s)", id, id, c->cfg->country);
    }
}

static void s_check_unit(const char *id, char *out, vr_outcome_t *o)
{
    if (id[0] == '\0') {
        out[0] = '\0';
        return;
    }
    if (!vr_unit_id_ok(id)) {
        vr_add(o, true, "unit_id",
               "'%.60s' is not a valid unit id (letters, digits, _ . -, "
               "at most 40)", id);
        return;
    }
    vr_copy(out, VR_ID_MAX, id);
}

void vr_check_period(const vr_context_t *c, const char *s, int *out,
                     vr_outcome_t *o)
{
    size_t n = strlen(s);
    bool digits = n == 4;
    for (size_t i = 0; i < n && digits; i++) {
        digits = isdigit((unsigned char)s[i]) != 0;
    }
    if (!digits) {
        /* 2025.0 (a number cell), 2025-01-01 (a date cell) */
        bool year_first = n > 5 && (s[4] == '.' || s[4] == '-');
        for (size_t i = 0; i < 4 && year_first; i++) {
            year_first = isdigit((unsigned char)s[i]) != 0;
        }
        if (year_first) {
            vr_add(o, true, "period", "'%.20s' is not a year (write %.4s)",
                   s, s);
        } else {
            vr_add(o, true, "period", "'%.20s' is not a year", s);
        }
        return;
    }
    *out = atoi(s);
    if (*out > c->current_year) {
        vr_add(o, true, "period", "%d lies in the future", *out);
    }
}

/* Reads an optional number; an empty field leaves *has false. */
static void s_number(const vr_context_t *c, const char *field,
                     const char *s, bool *has, double *out, vr_outcome_t *o)
{
    *has = false;
    if (s[0] == '\0') {
        return;
    }
    const char *why = NULL;
    if (bl_number_parse(s, c->decimal_comma, out, &why) != 0) {
        vr_add(o, true, field, "'%.40s' is %s", s, why ? why : "not a number");
        return;
    }
    *has = true;
}

static bool s_is_int(const char *s, bool decimal_comma, long long *v,
                     const char **why)
{
    return bl_number_parse_int(s, decimal_comma, v, why) == 0;
}

bool vr_date_ok(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-') {
        return false;
    }
    for (int i = 0; i < 10; i++) {
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i])) {
            return false;
        }
    }
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1900 || m < 1 || m > 12 || d < 1 || d > days[m - 1]) {
        return false;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return !(m == 2 && d == 29 && !leap);
}

/* The 3 numbers of s split by one kind of separator ('-', '.' or '/'),
 * before its end or a time (" 00:00:00", "T00:00").  Returns 3, or 0 for
 * another shape; *sep is the separator. */
static int s_date_parts(const char *s, int v[3], int len[3], char *sep)
{
    int n = 0;
    *sep = '\0';
    while (n < 3 && isdigit((unsigned char)*s)) {
        v[n] = 0;
        len[n] = 0;
        while (isdigit((unsigned char)*s) && len[n] < 5) {
            v[n] = v[n] * 10 + (*s++ - '0');
            len[n]++;
        }
        n++;
        if (n < 3 && (*s == '-' || *s == '.' || *s == '/') &&
            (*sep == '\0' || *sep == *s)) {
            *sep = *s++;
        } else {
            break;
        }
    }
    return n == 3 && (*s == '\0' || *s == ' ' || *s == 'T') ? 3 : 0;
}

/* The date a spreadsheet most likely meant by s (its parts v, len, sep
 * from s_date_parts), as YYYY-MM-DD in out (11 bytes), or "" when it
 * cannot tell: 2019-3-1, 01.03.2019, 2019-03-01 00:00:00, and 13/03/2019
 * or 03/13/2019 when the day is above 12. */
static void s_date_meant(const char *s, const int v[3], const int len[3],
                         char sep, char out[11])
{
    out[0] = '\0';
    int y, m, d;
    if (len[0] == 4 && sep == '-') {
        y = v[0], m = v[1], d = v[2];
    } else if (len[2] == 4 && sep == '.') {
        y = v[2], m = v[1], d = v[0];
    } else if (len[2] == 4 && sep == '/' && v[0] > 12) {
        y = v[2], m = v[1], d = v[0];
    } else if (len[2] == 4 && sep == '/' && v[1] > 12) {
        y = v[2], m = v[0], d = v[1];
    } else {
        return;
    }
    if (y < 1000 || y > 9999 || m < 1 || m > 99 || d < 1 || d > 99) {
        return;
    }
    snprintf(out, 11, "%04d-%02d-%02d", y, m, d);
    if (!vr_date_ok(out) || strcmp(out, s) == 0) {
        out[0] = '\0';
    }
}

void vr_check_date(const char *field, const char *s, char *out, size_t size,
                   vr_outcome_t *o)
{
    if (vr_date_ok(s)) {
        vr_copy(out, size, s);
        return;
    }
    int v[3] = {0}, len[3] = {0};
    char sep;
    bool parts = s_date_parts(s, v, len, &sep) == 3;
    char meant[11] = "";
    if (parts) {
        s_date_meant(s, v, len, sep, meant);
    }
    size_t n = strlen(s);
    bool serial = n == 5;
    for (size_t i = 0; i < n && serial; i++) {
        serial = isdigit((unsigned char)s[i]) != 0;
    }
    bool either = parts && meant[0] == '\0' && sep == '/' && len[2] == 4 &&
                  v[0] >= 1 && v[0] <= 12 && v[1] >= 1 && v[1] <= 12 &&
                  v[0] != v[1];
    if (meant[0] != '\0') {
        vr_add(o, true, field, "'%.20s' is not a date YYYY-MM-DD (write "
               "'%s')", s, meant);
    } else if (either) {
        /* 03/04/2019: the 3rd of April in Europe, March 4th in the US */
        vr_add(o, true, field, "'%.20s' is not a date YYYY-MM-DD (is it "
               "%04d-%02d-%02d or %04d-%02d-%02d?)", s, v[2], v[1], v[0],
               v[2], v[0], v[1]);
    } else if (serial) {
        vr_add(o, true, field, "'%.20s' is not a date YYYY-MM-DD (a "
               "spreadsheet's day number: format the cells as dates)", s);
    } else {
        vr_add(o, true, field, "'%.20s' is not a date YYYY-MM-DD", s);
    }
}

void vr_check_register(const vr_context_t *c, const char *const *fields,
                       vr_register_t *out, vr_outcome_t *o)
{
    memset(out, 0, sizeof *out);
    const char *id = vr_field(c, fields, BL_COL_PROVIDER_ID);
    vr_check_provider(c, id, out->provider, o);
    vr_copy(out->name, sizeof out->name, vr_field(c, fields, BL_COL_NAME));
    if (out->name[0] == '\0') {
        vr_add(o, true, "name", "the provider's name is empty");
    }
    const char *country = vr_field(c, fields, BL_COL_COUNTRY);
    if (strlen(country) != 2 || !isupper((unsigned char)country[0]) ||
        !isupper((unsigned char)country[1])) {
        if (out->provider[0] != '\0') {
            /* "Norway", "no": the provider id tells which was meant */
            vr_add(o, true, "country", "'%.20s' is not a country code (two "
                   "capital letters: the provider id's is %.2s)", country,
                   out->provider);
        } else {
            vr_add(o, true, "country", "'%.20s' is not a country code",
                   country);
        }
    } else {
        vr_copy(out->country, sizeof out->country, country);
        if (strncmp(id, country, 2) != 0) {
            vr_add(o, true, "country",
                   "%s differs from the provider id's prefix", country);
        }
    }
    const char *st = vr_field(c, fields, BL_COL_SERVICE_TYPE);
    if (!bl_catalogue_has_service_type(c->cfg->catalogue, st)) {
        s_unknown_service_type(c->cfg->catalogue, st, o);
    } else {
        vr_copy(out->service_type, sizeof out->service_type, st);
    }
    static const bl_col_t counts[] = {BL_COL_USERS, BL_COL_STAFF};
    long long *dst[] = {&out->users, &out->staff};
    for (int i = 0; i < 2; i++) {
        const char *s = vr_field(c, fields, counts[i]);
        const char *why = "not an integer";
        if (!s_is_int(s, c->decimal_comma, dst[i], &why)) {
            vr_add(o, true, bl_col_name(counts[i]), "'%.40s' is %s", s, why);
        } else if (*dst[i] < 0) {
            vr_add(o, true, bl_col_name(counts[i]), "%lld is negative",
                   *dst[i]);
        }
    }
    const char *m = vr_field(c, fields, BL_COL_MEMBERSHIP);
    if (strcmp(m, "assurance") != 0 && strcmp(m, "excellence") != 0 &&
        strcmp(m, "stairway") != 0 && strcmp(m, "potential") != 0) {
        vr_add(o, true, "membership",
               "'%.40s' is not one of assurance, excellence, stairway, "
               "potential", m);
    } else {
        vr_copy(out->membership, sizeof out->membership, m);
    }
    vr_check_date("member_since", vr_field(c, fields, BL_COL_MEMBER_SINCE),
                  out->member_since, sizeof out->member_since, o);
    const char *share = vr_field(c, fields, BL_COL_SHARE_IDENTITY);
    if (strcasecmp(share, "yes") == 0) {
        out->share_identity = true;
    } else if (share[0] != '\0' && strcasecmp(share, "no") != 0) {
        vr_add(o, true, "share_identity", "'%.20s' is not yes or no", share);
    }
}

/* bl_catalogue_find_indicator, trying the indicator after the hint's
 * first (ids are unique: the one it finds is the one the scan would). */
static int s_find_indicator(const vr_context_t *c, const char *id)
{
    const bl_catalogue_t *cat = c->cfg->catalogue;
    int *hint = c->indicator_hint;
    if (hint != NULL && *hint >= 0 && (size_t)*hint + 1 < cat->n_indicators) {
        const char *next = cat->indicators[*hint + 1].id;
        if (next != NULL && strcmp(next, id) == 0) {
            return ++*hint;
        }
    }
    int ind = bl_catalogue_find_indicator(cat, id);
    if (hint != NULL && ind >= 0) {
        *hint = ind;
    }
    return ind;
}

void vr_check_indicator(const vr_context_t *c, const char *const *fields,
                        vr_indicator_row_t *out, vr_outcome_t *o)
{
    memset(out, 0, sizeof *out);
    out->indicator = -1;
    vr_check_provider(c, vr_field(c, fields, BL_COL_PROVIDER_ID), out->provider,
                     o);
    s_check_unit(vr_field(c, fields, BL_COL_UNIT_ID), out->unit, o);
    vr_check_period(c, vr_field(c, fields, BL_COL_PERIOD), &out->period, o);
    const char *ind_id = vr_field(c, fields, BL_COL_INDICATOR_ID);
    const bl_catalogue_t *cat = c->cfg->catalogue;
    int ind = s_find_indicator(c, ind_id);
    if (ind < 0) {
        vr_unknown_indicator(c, ind_id, o);
        return;
    }
    out->indicator = ind;
    const bl_indicator_t *def = &cat->indicators[ind];
    const char *sn = vr_field(c, fields, BL_COL_NUMERATOR);
    const char *sd = vr_field(c, fields, BL_COL_DENOMINATOR);
    const char *sv = vr_field(c, fields, BL_COL_VALUE);
    switch (def->kind) {
    case BL_KIND_SURVEY_SHARE:
    case BL_KIND_SURVEY_MEAN:
        vr_add(o, true, "indicator_id",
               "%s is computed from survey answers: send a survey file",
               def->id);
        return;
    case BL_KIND_RATIO:
        s_number(c, "numerator", sn, &out->has_num, &out->num, o);
        s_number(c, "denominator", sd, &out->has_den, &out->den, o);
        if (sv[0] != '\0') {
            vr_add(o, false, "value",
                   "ignored: %s is a ratio, computed from numerator and "
                   "denominator", def->id);
        }
        if (!out->has_num && sn[0] == '\0') {
            vr_add(o, true, "numerator", "missing: a ratio needs one");
        }
        if (!out->has_den && sd[0] == '\0') {
            vr_add(o, true, "denominator", "missing: a ratio needs one");
        }
        if (out->has_num && out->num < 0) {
            vr_add(o, true, "numerator", "%.10g is negative", out->num);
        }
        if (out->has_den && out->den < 0) {
            vr_add(o, true, "denominator", "%.10g is negative", out->den);
        }
        if (out->has_den && out->den == 0) {
            vr_add(o, true, "denominator", "denominator is 0");
        }
        if (o->rejected) {
            return;
        }
        if (def->has_range && def->range_max <= def->factor &&
            out->num > out->den) {
            vr_add(o, true, "numerator", "%.10g is above denominator %.10g",
                   out->num, out->den);
            return;
        }
        out->value = out->num / out->den * def->factor;
        out->has_value = true;
        break;
    case BL_KIND_VALUE:
    case BL_KIND_STEPS:
        if (sn[0] != '\0') {
            vr_add(o, false, "numerator",
                   "ignored: %s takes a value only", def->id);
        }
        if (sd[0] != '\0') {
            vr_add(o, false, "denominator",
                   "ignored: %s takes a value only", def->id);
        }
        if (sv[0] == '\0') {
            vr_add(o, true, "value", "missing: %s needs a value", def->id);
            return;
        }
        if (def->kind == BL_KIND_STEPS) {
            long long st;
            const char *why = "not an integer";
            if (!s_is_int(sv, c->decimal_comma, &st, &why) || st < 0 ||
                st > 4) {
                vr_add(o, true, "value",
                       "'%.20s' is not a number of steps: an integer 0-4",
                       sv);
                return;
            }
            out->value = (double)st;
            out->has_value = true;
            break;
        }
        s_number(c, "value", sv, &out->has_value, &out->value, o);
        if (out->has_value && out->value < 0 &&
            !(def->has_range && def->range_min < 0)) {
            vr_add(o, true, "value", "%.10g is negative", out->value);
        }
        break;
    }
    if (out->has_value && def->has_range &&
        (out->value < def->range_min || out->value > def->range_max)) {
        vr_add(o, true, def->kind == BL_KIND_RATIO ? "numerator" : "value",
               "%.10g is outside the range %.10g..%.10g of %s", out->value,
               def->range_min, def->range_max, def->id);
    }
}

/* Whether s has no control byte (below 0x20, or 0x7F); if it has, *at is
 * the first one's offset. */
static bool s_printable(const char *s, size_t *at)
{
    for (size_t i = 0; s[i] != '\0'; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch < 0x20 || ch == 0x7f) {
            *at = i;
            return false;
        }
    }
    return true;
}

void vr_check_survey(const vr_context_t *c, const char *const *fields,
                     vr_survey_row_t *out, vr_outcome_t *o)
{
    /* Field by field: the answers past n_items are never read, and
     * clearing all of out (500 bytes) cost more than checking a row. */
    out->provider[0] = out->unit[0] = out->respondent[0] = '\0';
    out->period = 0;
    out->n_items = 0;
    out->survey = -1;
    vr_check_provider(c, vr_field(c, fields, BL_COL_PROVIDER_ID), out->provider,
                     o);
    s_check_unit(vr_field(c, fields, BL_COL_UNIT_ID), out->unit, o);
    vr_check_period(c, vr_field(c, fields, BL_COL_PERIOD), &out->period, o);
    const bl_catalogue_t *cat = c->cfg->catalogue;
    const char *sv = vr_field(c, fields, BL_COL_SURVEY);
    int s = bl_catalogue_find_survey(cat, sv);
    if (s < 0) {
        s_unknown_survey(cat, sv, o);
        return;
    }
    if (c->layout->survey >= 0 && c->layout->survey != s) {
        vr_add(o, true, "survey",
               "survey '%s' does not match the file's item columns (%s)", sv,
               cat->surveys[c->layout->survey].id);
        return;
    }
    out->survey = s;
    const char *resp = vr_field(c, fields, BL_COL_RESPONDENT_ID);
    size_t bad = 0;
    if (resp[0] == '\0' || strlen(resp) >= sizeof out->respondent) {
        vr_add(o, true, "respondent_id",
               "a respondent id of 1 to %zu characters is needed",
               sizeof out->respondent - 1);
    } else if (!s_printable(resp, &bad)) {
        /* A control byte in an opaque token is an export's debris (a tab,
         * a line break); and the unit separator would split the keys the
         * id is stored under. */
        vr_add(o, true, "respondent_id",
               "a respondent id is printable text: byte %zu is the "
               "control character 0x%02X", bad + 1,
               (unsigned char)resp[bad]);
    } else {
        vr_copy(out->respondent, sizeof out->respondent, resp);
    }
    const bl_survey_t *sur = &cat->surveys[s];
    out->n_items = sur->n_items < VR_ITEMS_MAX ? sur->n_items : VR_ITEMS_MAX;
    for (size_t i = 0; i < out->n_items; i++) {
        out->answers[i] = VR_NO_ANSWER;
    }
    for (size_t i = 0; i < c->layout->n_columns; i++) {
        int item = c->layout->item_of[i];
        if (item < 0 || (size_t)item >= out->n_items) {
            continue;
        }
        const char *a = fields[i];
        long long v;
        const char *why = "not an integer";
        bool is_int;
        if (a[0] >= '0' && a[0] <= '9' && a[1] == '\0') {
            /* One digit, most answers: what bl_number_parse_int reads. */
            v = a[0] - '0';
            is_int = true;
        } else if (a[0] == '\0' || strcasecmp(a, "NA") == 0) {
            continue;
        } else {
            is_int = s_is_int(a, c->decimal_comma, &v, &why);
        }
        if (!is_int) {
            /* a word ("Agree", "n/a"): say what an answer is */
            vr_add(o, true, sur->item_codes[item],
                   "answer '%.20s' is %s (an answer is a whole number "
                   "%d..%d, or empty or NA when not answered)", a, why,
                   sur->scale_min, sur->scale_max);
        } else if (v < sur->scale_min || v > sur->scale_max) {
            vr_add(o, true, sur->item_codes[item],
                   "answer %lld is off the scale %d..%d", v, sur->scale_min,
                   sur->scale_max);
        } else {
            out->answers[item] = (int)v;
        }
    }
}
