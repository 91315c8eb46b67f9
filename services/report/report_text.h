/*
 * report_text: the sentences and formatted figures that the HTML and the
 * PDF report share ("better than 72% of 48 national peers", trends, the
 * text equivalent of a chart, a learning partner's description), so that
 * both say exactly the same thing in the report's language.
 *
 * Every function that returns `char *` returns a heap string the caller
 * frees, or NULL when out of memory.  Nothing here writes or escapes: the
 * caller escapes for its output format.
 */
#ifndef REPORT_TEXT_H
#define REPORT_TEXT_H

#include <stddef.h>

#include "report_i18n.h"
#include "report_model.h"

/* A catalogue label: the message "<prefix>.<code>", else code with '_'
 * shown as ' ' (capitalised for the "group" and "principle" headings).
 * Written into buf (truncated to len); returns buf. */
char *report_text_label(const report_i18n_t *m, const char *prefix,
                        const char *code, char *buf, size_t len);

/* A figure of ind with the digits the indicator's kind wants (survey means
 * 2, shares and ratios 1, whole counts 0), without unit.  Returns buf. */
char *report_text_number(const report_i18n_t *m,
                         const report_indicator_t *ind, double v, char *buf,
                         size_t len);

/* The same with the unit: "64.0%", "21 days".  Returns buf. */
char *report_text_value(const report_i18n_t *m,
                        const report_indicator_t *ind, double v, char *buf,
                        size_t len);

/* "better than 72% of 48 national peers" (g must have a position). */
char *report_text_better_than(const report_i18n_t *m,
                              const report_group_t *g);

/* "better than 72% of 48 national peers: band 2, below the median." */
char *report_text_position(const report_i18n_t *m, const report_group_t *g);

/* "16.0% short of the reference value 80.0%." or "... is reached."; NULL
 * result also when g has no reference (check g->has_reference first). */
char *report_text_gap(const report_i18n_t *m, const report_indicator_t *ind,
                      const report_group_t *g);

/* The trend of the value against period - 1, or "no value to compare". */
char *report_text_trend(const report_i18n_t *m, const report_provider_t *r,
                        const report_indicator_t *ind);

/* The percentile rank trend in g (g->has_previous_rank must be set). */
char *report_text_trend_rank(const report_i18n_t *m,
                             const report_provider_t *r,
                             const report_group_t *g);

/* The chart's text equivalent: the value and each group's distribution. */
char *report_text_chart_desc(const report_i18n_t *m,
                             const report_indicator_t *ind);

/* Why a suppressed or missing value is not shown; NULL result for OK. */
char *report_text_status(const report_i18n_t *m, const report_provider_t *r,
                         const report_indicator_t *ind);

/* Why a group shows no figures ("too few peers"). */
char *report_text_too_few_peers(const report_i18n_t *m,
                                const report_provider_t *r,
                                const report_group_t *g);

/* A learning partner: "Name (ID), NO" or "a residential care provider in
 * PT". */
char *report_text_partner(const report_i18n_t *m, const report_partner_t *p);

#endif
