/*
 * report_curve: the learning curve of one indicator (SPEC section 5) as a
 * small line chart: the provider's value and its national group's median
 * over every period the node holds, oldest first.  Drawn through
 * report_chart's drawing interface, so the HTML (inline SVG) and the PDF
 * (cairo) show the same picture.  It computes nothing: the points arrive in
 * report_indicator_t.curve.  It is not the peer-distribution chart
 * (report_chart).
 */
#ifndef REPORT_CURVE_H
#define REPORT_CURVE_H

#include "bl_error.h"
#include "report_chart.h"
#include "report_i18n.h"
#include "report_model.h"

/* Size of the chart, px. */
#define REPORT_CURVE_WIDTH 360.0
#define REPORT_CURVE_HEIGHT 150.0

/* 1 when ind has a curve worth drawing: two periods or more, with a value
 * or a median in at least one of them. */
int report_curve_has(const report_indicator_t *ind);

/* Draws ind's curve, REPORT_CURVE_WIDTH x REPORT_CURVE_HEIGHT at the
 * origin, through d; labels from m.  Periods without a value leave a gap in
 * the line. */
void report_curve_draw(const report_indicator_t *ind, const report_i18n_t *m,
                       const report_draw_t *d);

/* The curve as an inline SVG element with a <title> and a <desc> that says
 * the figures in words; id_prefix as in report_chart_svg.  Sets *out to a
 * heap string.  Returns 0 or BL_ENOMEM. */
int report_curve_svg(const report_indicator_t *ind, const report_i18n_t *m,
                     const char *id_prefix, char **out, bl_err_t *err);

#endif
