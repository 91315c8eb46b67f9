/*
 * report_text: shared sentences of the provider report.  Numbers go through
 * report_i18n_number so that the decimal separator follows the language.
 */
#include "report_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_number.h"

/* As snprintf(buf, len, "%.*s%.*s%.*s", ...) with each part cut to at
 * most its max bytes (SIZE_MAX: whole): the parts joined, the whole cut to
 * len - 1 bytes.  A sentence is made of many short pieces, and printf
 * costs more than the copying. */
static void s_join3(char *buf, size_t len, const char *a, size_t amax,
                    const char *b, size_t bmax, const char *c, size_t cmax)
{
    if (len == 0) {
        return;
    }
    const char *parts[3] = {a, b, c};
    size_t max[3] = {amax, bmax, cmax};
    size_t at = 0;
    for (int i = 0; i < 3; i++) {
        size_t n = strnlen(parts[i], max[i]);
        if (n > len - 1 - at) {
            n = len - 1 - at;
        }
        memcpy(buf + at, parts[i], n);
        at += n;
    }
    buf[at] = '\0';
}

/* As snprintf(buf, len, "%s", s). */
static void s_copy(char *buf, size_t len, const char *s)
{
    s_join3(buf, len, s, SIZE_MAX, "", 0, "", 0);
}

/* As snprintf(buf, len, "%.0f", v). */
static void s_whole(char *buf, size_t len, double v)
{
    bl_number_fixed(buf, len, v, 0);
}

/* As snprintf(buf, len, "%zu", v) (len at least 21). */
static void s_count(char *buf, size_t len, size_t v)
{
    char digits[24];
    size_t nd = 0;
    do {
        digits[nd++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && nd < sizeof digits);
    size_t at = 0;
    while (nd > 0 && at + 1 < len) {
        buf[at++] = digits[--nd];
    }
    if (len > 0) {
        buf[at] = '\0';
    }
}

char *report_text_label(const report_i18n_t *m, const char *prefix,
                        const char *code, char *buf, size_t len)
{
    if (code == NULL) {
        code = "";
    }
    s_join3(buf, len, prefix, SIZE_MAX, ".", SIZE_MAX, code, SIZE_MAX);
    const char *t = report_i18n_get(m, buf);
    if (t != buf && strcmp(t, buf) != 0) {
        s_copy(buf, len, t);
        return buf;
    }
    s_copy(buf, len, code);
    for (char *p = buf; *p != '\0'; p++) {
        if (*p == '_') {
            *p = ' ';
        }
    }
    /* A heading (a group's or a principle's name) starts with a capital;
     * the words used inside a sentence ("group_phrase") do not. */
    if ((strcmp(prefix, "group") == 0 || strcmp(prefix, "principle") == 0)
        && buf[0] >= 'a' && buf[0] <= 'z') {
        buf[0] = (char)(buf[0] - 'a' + 'A');
    }
    return buf;
}

static int s_decimals(const report_indicator_t *ind, double v)
{
    const char *kind = ind->kind != NULL ? ind->kind : "";
    if (strcmp(kind, "survey_mean") == 0) {
        return 2;
    }
    if (fabs(v - round(v)) < 1e-9
        && (strcmp(kind, "steps") == 0 || strcmp(kind, "value") == 0)) {
        return 0;
    }
    return 1;
}

char *report_text_number(const report_i18n_t *m,
                         const report_indicator_t *ind, double v, char *buf,
                         size_t len)
{
    return report_i18n_number(m, v, s_decimals(ind, v), buf, len);
}

char *report_text_value(const report_i18n_t *m,
                        const report_indicator_t *ind, double v, char *buf,
                        size_t len)
{
    char num[48];
    report_text_number(m, ind, v, num, sizeof num);
    const char *unit = ind->unit != NULL ? ind->unit : "";
    if (unit[0] == '\0') {
        s_copy(buf, len, num);
    } else if (strcmp(unit, "%") == 0) {
        s_join3(buf, len, num, 46, "%", SIZE_MAX, "", 0);
    } else {
        s_join3(buf, len, num, 46, " ", SIZE_MAX, unit, 40);
    }
    return buf;
}

/* Collapses runs of spaces (an empty group phrase leaves two). */
static char *s_tidy(char *s)
{
    if (s == NULL) {
        return NULL;
    }
    char *w = s;
    for (char *p = s; *p != '\0'; p++) {
        if (*p == ' ' && w > s && w[-1] == ' ') {
            continue;
        }
        *w++ = *p;
    }
    *w = '\0';
    return s;
}

char *report_text_better_than(const report_i18n_t *m,
                              const report_group_t *g)
{
    char pct[16];
    char n[24];
    char group[96];
    s_whole(pct, sizeof pct, round(g->percentile_rank));
    s_count(n, sizeof n, g->n);
    report_text_label(m, "group_phrase", g->group_id, group, sizeof group);
    return s_tidy(report_i18n_format(m, "phrase.better_than", "pct", pct, "n",
                                     n, "group", group, NULL));
}

char *report_text_position(const report_i18n_t *m, const report_group_t *g)
{
    char *phrase = report_text_better_than(m, g);
    if (phrase == NULL) {
        return NULL;
    }
    char band[8];
    char key[16];
    snprintf(band, sizeof band, "%d", g->band);
    snprintf(key, sizeof key, "band.%d", g->band);
    char *s = report_i18n_format(m, "phrase.position", "phrase", phrase,
                                 "band", band, "band_text",
                                 report_i18n_get(m, key), NULL);
    free(phrase);
    if (s != NULL && s[0] >= 'a' && s[0] <= 'z') {
        s[0] = (char)(s[0] - 'a' + 'A');
    }
    return s;
}

char *report_text_gap(const report_i18n_t *m, const report_indicator_t *ind,
                      const report_group_t *g)
{
    if (!g->has_reference) {
        return NULL;
    }
    char ref[64];
    char gap[64];
    report_text_value(m, ind, g->reference, ref, sizeof ref);
    if (g->gap > 0) {
        report_text_value(m, ind, g->gap, gap, sizeof gap);
        return report_i18n_format(m, "phrase.gap_short", "gap", gap, "ref",
                                  ref, NULL);
    }
    return report_i18n_format(m, "phrase.gap_met", "ref", ref, NULL);
}

char *report_text_trend(const report_i18n_t *m, const report_provider_t *r,
                        const report_indicator_t *ind)
{
    if (!ind->has_previous || ind->status != REPORT_STATUS_OK) {
        return report_i18n_format(m, "trend.none", NULL);
    }
    char year[16];
    char prev[64];
    char value[64];
    snprintf(year, sizeof year, "%d", r->period - 1);
    report_text_value(m, ind, ind->previous_value, prev, sizeof prev);
    report_text_value(m, ind, ind->value, value, sizeof value);
    double diff = ind->value - ind->previous_value;
    double tol = 1e-9 * fabs(ind->previous_value);
    const char *change = "trend.same";
    if (fabs(diff) > tol) {
        int up = diff > 0;
        int better = ind->direction == REPORT_DIR_HIGHER ? up : !up;
        change = better ? "trend.better" : "trend.worse";
    }
    return report_i18n_format(m, "trend.value", "year", year, "prev", prev,
                              "value", value, "change",
                              report_i18n_get(m, change), NULL);
}

char *report_text_trend_rank(const report_i18n_t *m,
                             const report_provider_t *r,
                             const report_group_t *g)
{
    char year[16];
    char prev[16];
    char pct[16];
    char group[96];
    snprintf(year, sizeof year, "%d", r->period - 1);
    s_whole(prev, sizeof prev, round(g->previous_rank));
    s_whole(pct, sizeof pct, round(g->percentile_rank));
    report_text_label(m, "group_phrase", g->group_id, group, sizeof group);
    return s_tidy(report_i18n_format(m, "trend.rank", "group", group, "prev",
                                     prev, "year", year, "pct", pct, NULL));
}

/* Appends b to *a with a space; frees b; NULL on failure (frees *a). */
static char *s_join(char *a, char *b)
{
    if (a == NULL || b == NULL) {
        free(a);
        free(b);
        return NULL;
    }
    size_t la = strlen(a);
    size_t lb = strlen(b);
    char *s = realloc(a, la + lb + 2);
    if (s == NULL) {
        free(a);
        free(b);
        return NULL;
    }
    if (la > 0) {
        s[la++] = ' ';
    }
    memcpy(s + la, b, lb + 1);
    free(b);
    return s;
}

char *report_text_chart_desc(const report_i18n_t *m,
                             const report_indicator_t *ind)
{
    char v[64];
    char *s;
    if (ind->status == REPORT_STATUS_OK) {
        report_text_value(m, ind, ind->value, v, sizeof v);
        s = report_i18n_format(m, "chart.desc_value", "value", v, NULL);
    } else {
        s = report_i18n_format(m, "chart.desc_no_value", NULL);
    }
    for (size_t i = 0; i < ind->group_count && s != NULL; i++) {
        const report_group_t *g = &ind->groups[i];
        char group[96];
        report_text_label(m, "group", g->group_id, group, sizeof group);
        const char *key = g->group_key != NULL ? g->group_key : "";
        if (g->too_few_peers) {
            s = s_join(s, report_i18n_format(m, "chart.desc_too_few",
                                             "group", group, "key", key,
                                             NULL));
            continue;
        }
        char n[24], p10[48], p25[48], p50[48], p75[48], p90[48], best[48];
        s_count(n, sizeof n, g->n);
        report_text_value(m, ind, g->p10, p10, sizeof p10);
        report_text_value(m, ind, g->p25, p25, sizeof p25);
        report_text_value(m, ind, g->p50, p50, sizeof p50);
        report_text_value(m, ind, g->p75, p75, sizeof p75);
        report_text_value(m, ind, g->p90, p90, sizeof p90);
        report_text_value(m, ind, g->best_in_class, best, sizeof best);
        s = s_join(s, report_i18n_format(m, "chart.desc_group", "group", group,
                                         "key", key, "n", n, "p10", p10,
                                         "p25", p25, "p50", p50, "p75", p75,
                                         "p90", p90, "best", best, NULL));
        if (g->has_position && ind->status == REPORT_STATUS_OK) {
            s = s_join(s, report_text_position(m, g));
        }
        if (g->has_reference) {
            char ref[48];
            report_text_value(m, ind, g->reference, ref, sizeof ref);
            s = s_join(s, report_i18n_format(m, "chart.desc_ref", "ref", ref,
                                             NULL));
        }
    }
    return s;
}

char *report_text_status(const report_i18n_t *m, const report_provider_t *r,
                         const report_indicator_t *ind)
{
    if (ind->status == REPORT_STATUS_SUPPRESSED) {
        char min[16];
        char n[24];
        snprintf(min, sizeof min, "%d", r->min_respondents);
        snprintf(n, sizeof n, "%ld", ind->n >= 0 ? ind->n : 0);
        return report_i18n_format(m, "explain.too_few_respondents", "min",
                                  min, "n", n, NULL);
    }
    if (ind->status == REPORT_STATUS_MISSING) {
        return report_i18n_format(m, "explain.missing", NULL);
    }
    return NULL;
}

char *report_text_too_few_peers(const report_i18n_t *m,
                                const report_provider_t *r,
                                const report_group_t *g)
{
    char min[16];
    char n[24];
    char group[96];
    snprintf(min, sizeof min, "%d", r->min_peers);
    snprintf(n, sizeof n, "%zu", g->n);
    report_text_label(m, "group_phrase", g->group_id, group, sizeof group);
    return s_tidy(report_i18n_format(m, "explain.too_few_peers", "group",
                                     group, "min", min, "n", n, NULL));
}

char *report_text_partner(const report_i18n_t *m, const report_partner_t *p)
{
    const char *country = p->country != NULL ? p->country : "";
    if (p->named) {
        return report_i18n_format(m, "partners.named", "name",
                                  p->name != NULL ? p->name : "", "id",
                                  p->provider_id != NULL ? p->provider_id
                                                         : "",
                                  "country", country, NULL);
    }
    char type[128];
    report_text_label(m, "service_type", p->service_type, type, sizeof type);
    return report_i18n_format(m, "partners.anonymous", "service_type", type,
                              "country", country, NULL);
}
