/*
 * report_chart_cairo: the cairo backend of report_chart — the drawing
 * primitives as cairo and pango calls, for the PDF report.  Built only
 * with cairo (BL_HAVE_CAIRO).
 */
#include "report_chart.h"

#include <math.h>
#include <string.h>

#ifdef BL_HAVE_CAIRO
#include <pango/pangocairo.h>
#endif

#ifdef BL_HAVE_CAIRO

static void s_cr_rgb(cairo_t *cr, uint32_t c, double alpha)
{
    cairo_set_source_rgba(cr, ((c >> 16) & 0xFF) / 255.0,
                          ((c >> 8) & 0xFF) / 255.0, (c & 0xFF) / 255.0,
                          alpha);
}

static void s_cr_line(void *ctx, double x1, double y1, double x2, double y2,
                      uint32_t color, double width, int dashed)
{
    cairo_t *cr = ctx;
    if (color == REPORT_COLOR_NONE) {
        return;
    }
    cairo_save(cr);
    if (dashed) {
        double dash[2] = {4, 3};
        cairo_set_dash(cr, dash, 2, 0);
    }
    cairo_set_line_width(cr, width);
    s_cr_rgb(cr, color, 1.0);
    cairo_move_to(cr, x1, y1);
    cairo_line_to(cr, x2, y2);
    cairo_stroke(cr);
    cairo_restore(cr);
}

static void s_cr_fill_stroke(cairo_t *cr, uint32_t fill, double opacity,
                             uint32_t stroke)
{
    if (fill != REPORT_COLOR_NONE) {
        s_cr_rgb(cr, fill, opacity);
        cairo_fill_preserve(cr);
    }
    if (stroke != REPORT_COLOR_NONE) {
        s_cr_rgb(cr, stroke, 1.0);
        cairo_set_line_width(cr, 1.0);
        cairo_stroke_preserve(cr);
    }
    cairo_new_path(cr);
}

static void s_cr_rect(void *ctx, double x, double y, double w, double h,
                      uint32_t fill, double opacity, uint32_t stroke)
{
    cairo_rectangle(ctx, x, y, w, h);
    s_cr_fill_stroke(ctx, fill, opacity, stroke);
}

static void s_cr_circle(void *ctx, double cx, double cy, double r,
                        uint32_t fill, double opacity, uint32_t stroke)
{
    cairo_new_sub_path(ctx);
    cairo_arc(ctx, cx, cy, r, 0, 2 * M_PI);
    s_cr_fill_stroke(ctx, fill, opacity, stroke);
}

static void s_cr_polygon(void *ctx, const double *xy, size_t points,
                         uint32_t fill, uint32_t stroke)
{
    for (size_t i = 0; i < points; i++) {
        if (i == 0) {
            cairo_move_to(ctx, xy[0], xy[1]);
        } else {
            cairo_line_to(ctx, xy[2 * i], xy[2 * i + 1]);
        }
    }
    cairo_close_path(ctx);
    s_cr_fill_stroke(ctx, fill, 1.0, stroke);
}

static void s_cr_text(void *ctx, double x, double y, const char *utf8,
                      double size, int anchor, uint32_t color, int bold)
{
    cairo_t *cr = ctx;
    PangoLayout *layout = pango_cairo_create_layout(cr);
    if (layout == NULL) {
        return;
    }
    PangoFontDescription *fd = pango_font_description_from_string(
        "DejaVu Sans");
    pango_font_description_set_absolute_size(fd, size * PANGO_SCALE);
    if (bold) {
        pango_font_description_set_weight(fd, PANGO_WEIGHT_BOLD);
    }
    pango_layout_set_font_description(layout, fd);
    pango_font_description_free(fd);
    pango_layout_set_text(layout, utf8, -1);
    PangoRectangle ink, logical;
    pango_layout_get_pixel_extents(layout, &ink, &logical);
    double baseline = pango_layout_get_baseline(layout) / (double)PANGO_SCALE;
    double left = anchor < 0 ? x
                : anchor > 0 ? x - logical.width : x - logical.width / 2.0;
    s_cr_rgb(cr, color, 1.0);
    cairo_move_to(cr, left, y - baseline);
    pango_cairo_show_layout(cr, layout);
    cairo_new_path(cr);
    g_object_unref(layout);
}

void report_chart_cairo_backend(report_draw_t *d, cairo_t *cr)
{
    memset(d, 0, sizeof *d);
    d->ctx = cr;
    d->line = s_cr_line;
    d->rect = s_cr_rect;
    d->circle = s_cr_circle;
    d->polygon = s_cr_polygon;
    d->text = s_cr_text;
}

#endif
