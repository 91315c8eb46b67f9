/*
 * report_html_figures: the parts of the provider page that show an
 * indicator's figures, written with report_hw.  Each writes one element
 * of the page (an <article>, a <section>, a list) and nothing around it;
 * report_html.c puts them in order.  Model text is escaped; a sentence
 * that cannot be made for want of memory is counted in w->oom.
 */
#ifndef REPORT_HTML_FIGURES_H
#define REPORT_HTML_FIGURES_H

#include "report_hw.h"
#include "report_model.h"

/* A link to ind's article: "#ind-<id>", its id and name. */
void report_html_figures_link(report_hw_t *w, const report_indicator_t *ind);

/* The provider's position in each peer group of ind, with the gap to the
 * reference value; nothing when ind has no value (its notice says why). */
void report_html_figures_positions(report_hw_t *w,
                                   const report_provider_t *r,
                                   const report_indicator_t *ind);

/* The key to the charts' symbols, as text with the symbols. */
void report_html_figures_legend(report_hw_t *w, const report_provider_t *r);

/* The article of one indicator: value or notice, positions, the chart
 * with its text equivalent, the figures table, the trends and the
 * learning curve. */
void report_html_figures_indicator(report_hw_t *w,
                                   const report_provider_t *r,
                                   const report_indicator_t *ind);

/* The section on values not shown and why; nothing when all are shown. */
void report_html_figures_suppressed(report_hw_t *w,
                                    const report_provider_t *r);

/* The comparison of the provider's units; nothing without units. */
void report_html_figures_units(report_hw_t *w, const report_provider_t *r);

#endif
