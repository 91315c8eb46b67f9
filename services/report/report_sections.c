/*
 * report_sections: the walks and sentences the HTML and the PDF report
 * share (see report_sections.h).  The sentences come from report_text and
 * the message catalogue; this module only puts them together the one way
 * both formats show them.
 */
#include "report_sections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_text.h"

static const char *s_principle(const report_indicator_t *ind)
{
    return ind->principle != NULL ? ind->principle : "";
}

void report_sections_by_principle(
    const report_provider_t *r, void (*principle)(void *ctx, const char *pr),
    void (*indicator)(void *ctx, const report_indicator_t *ind), void *ctx)
{
    for (size_t i = 0; i < r->indicator_count; i++) {
        const char *pr = s_principle(&r->indicators[i]);
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++) {
            seen = strcmp(s_principle(&r->indicators[k]), pr) == 0;
        }
        if (seen) {
            continue;
        }
        principle(ctx, pr);
        for (size_t k = i; k < r->indicator_count; k++) {
            if (strcmp(s_principle(&r->indicators[k]), pr) == 0) {
                indicator(ctx, &r->indicators[k]);
            }
        }
    }
}

bool report_sections_has_standing(const report_indicator_t *ind,
                                  const report_group_t *g)
{
    return g->too_few_peers ||
           (ind->status == REPORT_STATUS_OK && g->has_position);
}

/* "a b" from two heap strings, which it frees; NULL when either is. */
static char *s_join(char *a, char *b)
{
    char *both = NULL;
    if (a != NULL && b != NULL) {
        size_t len = strlen(a) + strlen(b) + 2;
        both = malloc(len);
        if (both != NULL) {
            snprintf(both, len, "%s %s", a, b);
        }
    }
    free(a);
    free(b);
    return both;
}

char *report_sections_standing(const report_i18n_t *m,
                               const report_provider_t *r,
                               const report_indicator_t *ind,
                               const report_group_t *g)
{
    if (g->too_few_peers) {
        return report_text_too_few_peers(m, r, g);
    }
    char *text = report_text_position(m, g);
    if (text != NULL && g->has_reference) {
        text = s_join(text, report_text_gap(m, ind, g));
    }
    return text;
}

char *report_sections_related(const report_i18n_t *m,
                              const report_provider_t *r,
                              const report_relation_t *rel)
{
    const report_indicator_t *other =
        report_provider_find(r, rel->indicator_id);
    char name[256], label[128], group[300], rho[32], n[32];
    snprintf(name, sizeof name, "%s %s", rel->indicator_id,
             other != NULL && other->name != NULL ? other->name : "");
    snprintf(group, sizeof group, "%s %s",
             report_text_label(m, "group", rel->group_id, label,
                               sizeof label),
             rel->group_key != NULL ? rel->group_key : "");
    report_i18n_number(m, rel->rho, 2, rho, sizeof rho);
    snprintf(n, sizeof n, "%zu", rel->n);
    return report_i18n_format(m, "related.item", "name", name, "rho", rho,
                              "group", group, "n", n, NULL);
}

char *report_sections_practice_source(const report_i18n_t *m,
                                      const report_practice_t *x)
{
    report_partner_t who = {x->named, x->provider_id, x->name,
                            x->service_type, x->country};
    char period[16];
    snprintf(period, sizeof period, "%d", x->period);
    char *author = report_text_partner(m, &who);
    if (author == NULL) {
        return NULL;
    }
    char *by = report_i18n_format(m, "practices.by", "who", author,
                                  "period", period, NULL);
    free(author);
    if (by == NULL || !x->named || x->contact == NULL) {
        return by;
    }
    char *contact = report_i18n_format(m, "practices.contact", "contact",
                                       x->contact, NULL);
    char *both = NULL;
    if (contact != NULL) {
        size_t len = strlen(by) + strlen(contact) + 3;
        both = malloc(len);
        if (both != NULL) {
            snprintf(both, len, "%s; %s", by, contact);
        }
    }
    free(contact);
    free(by);
    return both;
}

void report_sections_side(const report_i18n_t *m,
                          const report_indicator_t *ind,
                          const report_side_t *sd, char *value,
                          size_t value_len, char *rank, size_t rank_len)
{
    snprintf(value, value_len, "–");
    snprintf(rank, rank_len, "–");
    if (sd->has_value && ind != NULL) {
        report_text_number(m, ind, sd->value, value, value_len);
    } else if (sd->has_value) {
        report_i18n_number(m, sd->value, 1, value, value_len);
    }
    if (sd->has_rank && rank_len > 1) {
        report_i18n_number(m, sd->percentile_rank, 0, rank, rank_len - 1);
        strcat(rank, "%");
    }
}

char *report_sections_method(const report_i18n_t *m,
                             const report_provider_t *r, size_t i)
{
    static const char *const keys[REPORT_SECTIONS_METHODS] = {
        "methods.peers", "methods.distribution", "methods.rank",
        "methods.bands", "methods.best", "methods.suppression",
        "methods.areas",
    };
    if (i >= REPORT_SECTIONS_METHODS) {
        return NULL;
    }
    char peers[16];
    char resp[16];
    snprintf(peers, sizeof peers, "%d", r->min_peers);
    snprintf(resp, sizeof resp, "%d", r->min_respondents);
    return report_i18n_format(m, keys[i], "min_peers", peers,
                              "min_respondents", resp, NULL);
}
