/*
 * report_html: the provider's benchmark report and the coordinator's summary
 * as self-contained HTML5 pages.
 *
 * A page fetches nothing: no scripts, fonts, images, links or URLs of any
 * kind; charts are inline SVG (without xmlns, which HTML5 does not need); the
 * style sheet is inline, with a print layout for A4.  Every text from the
 * model is HTML-escaped; the page is UTF-8 and says its language in
 * <html lang>.  The provider page opens with the overview by principle
 * (band chips that carry the band number, never colour alone) and the top
 * areas for improvement.  It does not choose the language: the caller opens
 * the message catalogue it wants.  The provider page is report_html.c (with
 * report_html_figures.c), the summary page report_html_summary.c, both
 * written through report_hw.
 */
#ifndef REPORT_HTML_H
#define REPORT_HTML_H

#include <stdio.h>

#include "bl_error.h"
#include "report_chart.h"
#include "report_i18n.h"
#include "report_model.h"

/* Writes the report of r to f with the labels of m.  Returns 0, BL_EINVAL
 * (NULL argument), BL_ENOMEM, or BL_EIO when writing to f failed (the page
 * is then incomplete). */
int report_html_write_provider(FILE *f, const report_provider_t *r,
                               const report_i18n_t *m, bl_err_t *err);

/* The same page, its charts' pictures taken from charts when it holds
 * them (report_chart_svg_memo; NULL: drawn).  m must outlive charts. */
int report_html_write_provider_memo(FILE *f, const report_provider_t *r,
                                    const report_i18n_t *m,
                                    report_chart_memo_t *charts,
                                    bl_err_t *err);

/* Writes the coordinator's summary s to f; on an international node the
 * participation is grouped by country.  Returns as above. */
int report_html_write_summary(FILE *f, const report_summary_t *s,
                              const report_i18n_t *m, bl_err_t *err);

#endif
