/*
 * report_sections: what the HTML page and the PDF of a provider's report
 * both walk and say, written once so that the two formats cannot drift
 * apart: the order of the overview (principles, then their indicators),
 * and the sentences of the positions, the related indicators, the
 * practices, the follow-up figures and the methods.
 *
 * It draws and escapes nothing: each format walks the same model through
 * these and lays the result out its own way.  Every function that returns
 * `char *` returns a heap string the caller frees, or NULL when out of
 * memory.
 */
#ifndef REPORT_SECTIONS_H
#define REPORT_SECTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "report_i18n.h"
#include "report_model.h"

/* Walks r's indicators as the overview shows them: the principles in order
 * of first appearance, each once (a NULL principle is ""), and under each
 * its indicators in catalogue order.  Calls principle(ctx, pr) before a
 * principle's first indicator and indicator(ctx, ind) for each. */
void report_sections_by_principle(
    const report_provider_t *r, void (*principle)(void *ctx, const char *pr),
    void (*indicator)(void *ctx, const report_indicator_t *ind), void *ctx);

/* true when the report says where the provider stands in group g of ind:
 * the group has too few peers, or ind has a value with a position in g. */
bool report_sections_has_standing(const report_indicator_t *ind,
                                  const report_group_t *g);

/* Where the provider stands in g (report_sections_has_standing must
 * hold): "too few peers ..." or the position, followed by the gap to the
 * reference value when g has one. */
char *report_sections_standing(const report_i18n_t *m,
                               const report_provider_t *r,
                               const report_indicator_t *ind,
                               const report_group_t *g);

/* The sentence of a related indicator of an area: its id and name, rho,
 * the group instance and n (message "related.item"). */
char *report_sections_related(const report_i18n_t *m,
                              const report_provider_t *r,
                              const report_relation_t *rel);

/* Where a practice comes from: "by <who> in <period>", then "; contact
 * ..." when its author shares identity and gave one. */
char *report_sections_practice_source(const report_i18n_t *m,
                                      const report_practice_t *x);

/* One side of a follow-up as text: its value with the indicator's digits
 * (ind may be NULL: one decimal) and its percentile rank with "%"; "–"
 * for what is absent. */
void report_sections_side(const report_i18n_t *m,
                          const report_indicator_t *ind,
                          const report_side_t *sd, char *value,
                          size_t value_len, char *rank, size_t rank_len);

#define REPORT_SECTIONS_METHODS 7   /* paragraphs of the methods section */

/* Paragraph i (< REPORT_SECTIONS_METHODS) of the methods section, with
 * r's minimum peers and respondents. */
char *report_sections_method(const report_i18n_t *m,
                             const report_provider_t *r, size_t i);

#endif
