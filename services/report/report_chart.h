/*
 * report_chart: the peer-distribution chart of one indicator, computed once
 * as geometry and drawn through a tiny drawing interface with two backends:
 * SVG text (for the HTML page) and cairo (for the PDF).
 *
 * One row per peer group instance: the peer values as a strip of dots, a box
 * from p25 to p75 with the median and whiskers from p10 to p90, the
 * provider's marker (a diamond), best in class (a green tick) and the
 * reference value (a dashed purple tick); below, an axis with round ticks.
 * A group with too few peers gets a row that says so instead.  Colours are
 * the Okabe-Ito palette, which colour-blind readers can tell apart, and no
 * meaning rests on colour alone (shapes differ, the HTML repeats every
 * figure as text).  The module knows pixels, not pages: the caller places
 * and scales the chart.
 */
#ifndef REPORT_CHART_H
#define REPORT_CHART_H

#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "report_i18n.h"
#include "report_model.h"

/* Okabe-Ito colours, 0xRRGGBB. */
#define REPORT_OI_BLACK 0x000000u
#define REPORT_OI_ORANGE 0xE69F00u
#define REPORT_OI_SKY 0x56B4E9u
#define REPORT_OI_GREEN 0x009E73u
#define REPORT_OI_YELLOW 0xF0E442u
#define REPORT_OI_BLUE 0x0072B2u
#define REPORT_OI_VERMILLION 0xD55E00u
#define REPORT_OI_PURPLE 0xCC79A7u
/* Neutral greys for axis and text; "none" means do not fill / stroke. */
#define REPORT_GREY_TEXT 0x333333u
#define REPORT_GREY_MUTED 0x6B6B6Bu
#define REPORT_GREY_LINE 0xBBBBBBu
#define REPORT_COLOR_NONE 0xFFFFFFFFu

/* The colour of a band chip (1..4); band 0 (none) is grey. */
uint32_t report_chart_band_color(int band);

#define REPORT_CHART_TICKS_MAX 12

/* One peer group row; pixel coordinates. */
typedef struct report_chart_row {
    const report_group_t *group;  /* borrowed from the indicator */
    double y;               /* centre line of the row */
    int has_box;            /* 0 for too few peers */
    double x_min, x_p10, x_p25, x_p50, x_p75, x_p90, x_max;
    int has_marker;         /* the provider has a value here */
    double x_marker;
    int has_best;
    double x_best;
    int has_ref;
    double x_ref;
} report_chart_row_t;

/* The computed chart.  Owns rows; borrows the indicator it was built from,
 * which must outlive it. */
typedef struct report_chart {
    const report_indicator_t *ind;
    double width;           /* px */
    double height;          /* px */
    double plot_x0;         /* px of lo */
    double plot_x1;         /* px of hi */
    double lo;              /* axis range in the indicator's unit */
    double hi;
    double ticks[REPORT_CHART_TICKS_MAX];
    size_t tick_count;
    int tick_decimals;      /* digits after the decimal separator */
    double axis_y;          /* px of the axis line */
    report_chart_row_t *rows;
    size_t row_count;
} report_chart_t;

/* Computes the chart of ind, width px wide (at least 300).  Returns 0,
 * BL_EINVAL (NULL or width too small) or BL_ENOMEM.  An indicator without
 * any figure (missing, suppressed and every group too few peers) still gives
 * a chart: its rows say "too few peers", its axis spans 0..1.  Free with
 * report_chart_free. */
int report_chart_build(report_chart_t *c, const report_indicator_t *ind,
                       double width, bl_err_t *err);

/* Frees the rows; c may be zeroed or built; harmless twice. */
void report_chart_free(report_chart_t *c);

/* The x pixel of value v on c's axis (not clamped). */
double report_chart_x(const report_chart_t *c, double v);

/* The drawing interface.  Colours 0xRRGGBB or REPORT_COLOR_NONE; text y is
 * the baseline; anchor -1 start, 0 middle, 1 end.  begin/end bracket a named
 * part (SVG <g class=..>); a backend may ignore them. */
typedef struct report_draw {
    void *ctx;
    void (*begin)(void *ctx, const char *part);
    void (*end)(void *ctx);
    void (*line)(void *ctx, double x1, double y1, double x2, double y2,
                 uint32_t color, double width, int dashed);
    void (*rect)(void *ctx, double x, double y, double w, double h,
                 uint32_t fill, double opacity, uint32_t stroke);
    void (*circle)(void *ctx, double cx, double cy, double r, uint32_t fill,
                   double opacity, uint32_t stroke);
    void (*polygon)(void *ctx, const double *xy, size_t points,
                    uint32_t fill, uint32_t stroke);
    void (*text)(void *ctx, double x, double y, const char *utf8,
                 double size, int anchor, uint32_t color, int bold);
} report_draw_t;

/* Draws c through d, labels from m. */
void report_chart_draw(const report_chart_t *c, const report_i18n_t *m,
                       const report_draw_t *d);

/* Draws only the provider's markers of c, as report_chart_draw draws
 * them and in its order (the "provider-marker" parts). */
void report_chart_draw_markers(const report_chart_t *c,
                               const report_draw_t *d);

/* Width and height (px) of the legend drawn by report_chart_draw_legend. */
#define REPORT_LEGEND_WIDTH 640.0
#define REPORT_LEGEND_HEIGHT 26.0

/* Draws the key to the symbols, REPORT_LEGEND_WIDTH x REPORT_LEGEND_HEIGHT,
 * at the origin. */
void report_chart_draw_legend(const report_i18n_t *m, const report_draw_t *d);

/* The chart as an SVG element (no XML declaration and no xmlns: it is meant
 * for inline use in HTML5) with role="img", <title> and <desc> (both
 * escaped; desc may be NULL).  id_prefix makes the title/desc ids unique
 * on a page ([A-Za-z0-9_-] only; other characters become '_').  Sets *out
 * to a heap string the caller frees.  Returns 0 or BL_ENOMEM. */
int report_chart_svg(const report_chart_t *c, const report_i18n_t *m,
                     const char *id_prefix, const char *title,
                     const char *desc, char **out, bl_err_t *err);

/* A memory of drawn charts for the charts of many reports that differ
 * only in the provider's markers: the same peer groups, figures, axis and
 * messages give the same picture but for the markers, so each picture is
 * drawn once and then written with each report's markers.  A chart with
 * peer dots is always drawn.  It keeps a bounded number of pictures
 * (older ones give way) and remembers the messages by address: they must
 * outlive it.  Loop thread only. */
typedef struct report_chart_memo report_chart_memo_t;

/* A new, empty memory; NULL when out of memory. */
report_chart_memo_t *report_chart_memo_new(void);

/* Frees the memory; sets *memo to NULL; accepts NULL. */
void report_chart_memo_destroy(report_chart_memo_t **memo);

/* As report_chart_svg, the picture taken from memo when it holds it (and
 * put there when not); memo NULL: as report_chart_svg.  The output is the
 * same byte for byte. */
int report_chart_svg_memo(const report_chart_t *c, const report_i18n_t *m,
                          report_chart_memo_t *memo, const char *id_prefix,
                          const char *title, const char *desc, char **out,
                          bl_err_t *err);

/* Draws something through d, labels from m (report_chart_svg_draw). */
typedef void (*report_draw_fn)(const void *arg, const report_i18n_t *m,
                               const report_draw_t *d);

/* Like report_chart_svg for any drawing of width x height px: draw(arg, m,
 * d) draws it through the SVG backend. */
int report_chart_svg_draw(double width, double height, report_draw_fn draw,
                          const void *arg, const report_i18n_t *m,
                          const char *id_prefix, const char *title,
                          const char *desc, char **out, bl_err_t *err);

/* The legend as an SVG element, aria-hidden (the page says the same in
 * text).  Sets *out to a heap string.  Returns 0 or BL_ENOMEM. */
int report_chart_legend_svg(const report_i18n_t *m, char **out,
                            bl_err_t *err);

#ifdef BL_HAVE_CAIRO
#include <cairo.h>

/* Fills *d with the cairo backend drawing on cr (text through pangocairo).
 * Coordinates are cr's user space: translate and scale before drawing. */
void report_chart_cairo_backend(report_draw_t *d, cairo_t *cr);
#endif

#endif
