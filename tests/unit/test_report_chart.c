/*
 * Tests of report_chart: the geometry (axis mapping, where the provider's
 * marker sits) and the SVG backend (well-formed XML, title and description,
 * escaping).  The indicator is built here by hand; nothing else is needed.
 */
#include "report_chart.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_i18n.h"
#include "report_model.h"

#ifndef BL_SOURCE_DIR
#define BL_SOURCE_DIR "."
#endif

static report_i18n_t *s_msg;

static void s_setup(void)
{
    bl_err_t err = {0};
    int rc = report_i18n_open(&s_msg, BL_SOURCE_DIR "/config/messages", "en",
                              &err);
    cr_assert_eq(rc, 0, "messages: %s", err.msg);
}

static void s_teardown(void)
{
    report_i18n_destroy(&s_msg);
}

/* An indicator with value 64 among 48 national peers (42..91) and an
 * international group with too few peers. */
static void s_fixture(report_indicator_t *ind, report_group_t groups[2],
                      double peers[48])
{
    memset(ind, 0, sizeof *ind);
    memset(groups, 0, 2 * sizeof groups[0]);
    for (int i = 0; i < 48; i++) {
        peers[i] = 42.0 + i;        /* 42 .. 89 */
    }
    peers[47] = 91.0;
    ind->id = "RES-02";
    ind->name = "Goals <achieved> & kept";
    ind->unit = "%";
    ind->kind = "ratio";
    ind->direction = REPORT_DIR_HIGHER;
    ind->status = REPORT_STATUS_OK;
    ind->value = 64.0;
    ind->n = -1;
    groups[0].group_id = "national";
    groups[0].group_key = "NO/residential_care";
    groups[0].n = 48;
    groups[0].min = 42;
    groups[0].p10 = 46.7;
    groups[0].p25 = 53.75;
    groups[0].p50 = 65.5;
    groups[0].p75 = 77.25;
    groups[0].p90 = 84.3;
    groups[0].max = 91;
    groups[0].mean = 65.5;
    groups[0].best_in_class = 84.3;
    groups[0].has_position = 1;
    groups[0].percentile_rank = 46.9;
    groups[0].band = 2;
    groups[0].has_reference = 1;
    groups[0].reference = 80.0;
    groups[0].gap = 16.0;
    groups[0].peers = peers;
    groups[0].peer_count = 48;
    groups[1].group_id = "international";
    groups[1].group_key = "residential_care";
    groups[1].too_few_peers = 1;
    groups[1].n = 3;
    ind->groups = groups;
    ind->group_count = 2;
}

/* A small XML well-formedness check: balanced tags, quoted attributes,
 * known entities.  Returns NULL when fine, else a description. */
static const char *s_xml_check(const char *s)
{
    const char *stack[256];
    size_t lens[256];
    size_t depth = 0;
    int roots = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '&') {
            const char *ents[] = {"&lt;", "&gt;", "&amp;", "&quot;", "&#39;"};
            int ok = 0;
            for (size_t i = 0; i < 5; i++) {
                ok |= strncmp(p, ents[i], strlen(ents[i])) == 0;
            }
            if (!ok) {
                return "bad entity";
            }
            continue;
        }
        if (*p == '>') {
            return "stray >";
        }
        if (*p != '<') {
            continue;
        }
        int closing = p[1] == '/';
        const char *name = p + 1 + closing;
        size_t nlen = strspn(name, "abcdefghijklmnopqrstuvwxyz"
                                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-:");
        if (nlen == 0) {
            return "tag without name";
        }
        const char *q = name + nlen;
        int self = 0;
        for (;;) {
            if (*q == '\0' || *q == '<') {
                return "unterminated tag";
            }
            if (*q == '"') {
                const char *e = strchr(q + 1, '"');
                if (e == NULL) {
                    return "unterminated attribute";
                }
                if (memchr(q + 1, '<', (size_t)(e - q - 1)) != NULL) {
                    return "< in attribute";
                }
                q = e + 1;
                continue;
            }
            if (*q == '>') {
                self = q[-1] == '/';
                break;
            }
            q++;
        }
        if (closing) {
            if (depth == 0 || lens[depth - 1] != nlen
                || strncmp(stack[depth - 1], name, nlen) != 0) {
                return "mismatched closing tag";
            }
            depth--;
        } else if (!self) {
            if (depth == 256) {
                return "too deep";
            }
            if (depth == 0) {
                roots++;
            }
            stack[depth] = name;
            lens[depth] = nlen;
            depth++;
        } else if (depth == 0) {
            roots++;
        }
        p = q;
    }
    if (depth != 0) {
        return "unclosed tag";
    }
    return roots == 1 ? NULL : "not exactly one root element";
}

/* The centre x of the first polygon after class="provider-marker". */
static double s_marker_x(const char *svg)
{
    const char *g = strstr(svg, "class=\"provider-marker\"");
    cr_assert_not_null(g, "no provider marker in the SVG");
    const char *pts = strstr(g, "points=\"");
    cr_assert_not_null(pts);
    pts += 8;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < 4; i++) {
        char *end;
        double x = strtod(pts, &end);
        cr_assert_eq(*end, ',');
        strtod(end + 1, &end);
        lo = fmin(lo, x);
        hi = fmax(hi, x);
        pts = end;
    }
    return (lo + hi) / 2;
}

TestSuite(report_chart, .init = s_setup, .fini = s_teardown);

Test(report_chart, marker_sits_at_the_axis_mapping_of_the_value,
     .timeout = 10)
{
    report_indicator_t ind;
    report_group_t groups[2];
    double peers[48];
    s_fixture(&ind, groups, peers);
    report_chart_t c;
    cr_assert_eq(report_chart_build(&c, &ind, 640, NULL), 0);
    cr_assert(c.lo <= 42.0 && c.hi >= 91.0, "axis %g..%g", c.lo, c.hi);
    double expect = c.plot_x0
                    + (64.0 - c.lo) / (c.hi - c.lo) * (c.plot_x1 - c.plot_x0);
    cr_assert(c.rows[0].has_marker);
    cr_assert_float_eq(c.rows[0].x_marker, expect, 1e-9);
    cr_assert_float_eq(report_chart_x(&c, c.lo), c.plot_x0, 1e-9);
    cr_assert_float_eq(report_chart_x(&c, c.hi), c.plot_x1, 1e-9);
    cr_assert(c.rows[0].x_p25 < c.rows[0].x_p50);
    cr_assert(c.rows[0].x_p50 < c.rows[0].x_p75);
    cr_assert_float_eq(c.rows[0].x_best, report_chart_x(&c, 84.3), 1e-9);
    cr_assert_float_eq(c.rows[0].x_ref, report_chart_x(&c, 80.0), 1e-9);
    report_chart_free(&c);
}

Test(report_chart, ticks_are_round_ascending_and_inside_the_axis,
     .timeout = 10)
{
    report_indicator_t ind;
    report_group_t groups[2];
    double peers[48];
    s_fixture(&ind, groups, peers);
    report_chart_t c;
    cr_assert_eq(report_chart_build(&c, &ind, 640, NULL), 0);
    cr_assert_geq(c.tick_count, 3);
    cr_assert_float_eq(c.ticks[0], c.lo, 1e-9);
    for (size_t i = 1; i < c.tick_count; i++) {
        cr_assert_gt(c.ticks[i], c.ticks[i - 1]);
        cr_assert_leq(c.ticks[i], c.hi + 1e-9);
        double step = c.ticks[1] - c.ticks[0];
        cr_assert_float_eq(c.ticks[i] - c.ticks[i - 1], step, 1e-9);
    }
    report_chart_free(&c);
}

Test(report_chart, svg_is_well_formed_with_title_and_desc, .timeout = 10)
{
    report_indicator_t ind;
    report_group_t groups[2];
    double peers[48];
    s_fixture(&ind, groups, peers);
    report_chart_t c;
    cr_assert_eq(report_chart_build(&c, &ind, 640, NULL), 0);
    char *svg = NULL;
    cr_assert_eq(report_chart_svg(&c, s_msg, "ind-RES-02",
                                  "Goals <achieved> & kept",
                                  "Your value: 64 \"%\"", &svg, NULL), 0);
    const char *why = s_xml_check(svg);
    cr_assert_null(why, "%s in %s", why, svg);
    cr_assert_not_null(strstr(svg, "<title id=\"ind-RES-02-title\">Goals "
                                    "&lt;achieved&gt; &amp; kept</title>"));
    cr_assert_not_null(strstr(svg, "<desc id=\"ind-RES-02-desc\">"));
    cr_assert_not_null(strstr(svg, "role=\"img\""));
    cr_assert_null(strstr(svg, "http"), "no URL, not even xmlns");
    /* 48 peer dots. */
    size_t dots = 0;
    for (const char *p = strstr(svg, "<circle"); p != NULL;
         p = strstr(p + 1, "<circle")) {
        dots++;
    }
    cr_assert_eq(dots, 48);
    free(svg);
    report_chart_free(&c);
}

Test(report_chart, svg_marker_is_drawn_where_the_value_maps, .timeout = 10)
{
    report_indicator_t ind;
    report_group_t groups[2];
    double peers[48];
    s_fixture(&ind, groups, peers);
    ind.value = 88.5;
    report_chart_t c;
    cr_assert_eq(report_chart_build(&c, &ind, 500, NULL), 0);
    char *svg = NULL;
    cr_assert_eq(report_chart_svg(&c, s_msg, "x", "t", NULL, &svg, NULL), 0);
    double expect = c.plot_x0
                    + (88.5 - c.lo) / (c.hi - c.lo) * (c.plot_x1 - c.plot_x0);
    cr_assert_float_eq(s_marker_x(svg), expect, 0.006);
    cr_assert_null(s_xml_check(svg));
    free(svg);
    report_chart_free(&c);
}

Test(report_chart, group_with_too_few_peers_says_so_and_has_no_box,
     .timeout = 10)
{
    report_indicator_t ind;
    report_group_t groups[2];
    double peers[48];
    s_fixture(&ind, groups, peers);
    report_chart_t c;
    cr_assert_eq(report_chart_build(&c, &ind, 640, NULL), 0);
    cr_assert_eq(c.row_count, 2);
    cr_assert_eq(c.rows[1].has_box, 0);
    cr_assert_eq(c.rows[1].has_marker, 0);
    char *svg = NULL;
    cr_assert_eq(report_chart_svg(&c, s_msg, "x", "t", NULL, &svg, NULL), 0);
    cr_assert_not_null(strstr(svg, ">too few peers</text>"));
    /* One marker only: the international row has none. */
    const char *first = strstr(svg, "provider-marker");
    cr_assert_not_null(first);
    cr_assert_null(strstr(first + 1, "provider-marker"));
    free(svg);
    report_chart_free(&c);
}

Test(report_chart, lower_is_better_puts_the_hint_on_the_left, .timeout = 10)
{
    report_indicator_t ind;
    report_group_t groups[2];
    double peers[48];
    s_fixture(&ind, groups, peers);
    ind.direction = REPORT_DIR_LOWER;
    report_chart_t c;
    cr_assert_eq(report_chart_build(&c, &ind, 640, NULL), 0);
    char *svg = NULL;
    cr_assert_eq(report_chart_svg(&c, s_msg, "x", "t", NULL, &svg, NULL), 0);
    cr_assert_not_null(strstr(svg, "← better"));
    cr_assert_null(strstr(svg, "better →"));
    free(svg);
    report_chart_free(&c);
}

Test(report_chart, equal_values_still_give_a_valid_axis, .timeout = 10)
{
    report_indicator_t ind;
    report_group_t groups[2];
    double peers[48];
    s_fixture(&ind, groups, peers);
    for (int i = 0; i < 48; i++) {
        peers[i] = 5.0;
    }
    report_group_t *g = &groups[0];
    g->min = g->p10 = g->p25 = g->p50 = g->p75 = g->p90 = g->max = 5.0;
    g->best_in_class = 5.0;
    g->has_reference = 0;
    ind.value = 5.0;
    report_chart_t c;
    cr_assert_eq(report_chart_build(&c, &ind, 640, NULL), 0);
    cr_assert_lt(c.lo, 5.0);
    cr_assert_gt(c.hi, 5.0);
    cr_assert(isfinite(c.rows[0].x_marker));
    cr_assert_float_eq(c.rows[0].x_marker, c.rows[0].x_p50, 1e-9);
    report_chart_free(&c);
}

Test(report_chart, legend_svg_is_well_formed_and_hidden_from_readers,
     .timeout = 10)
{
    char *svg = NULL;
    cr_assert_eq(report_chart_legend_svg(s_msg, &svg, NULL), 0);
    cr_assert_null(s_xml_check(svg));
    cr_assert_not_null(strstr(svg, "aria-hidden=\"true\""));
    cr_assert_not_null(strstr(svg, ">Best in class</text>"));
    free(svg);
}

Test(report_chart, band_colours_are_okabe_ito_and_distinct, .timeout = 10)
{
    cr_assert_eq(report_chart_band_color(4), 0x009E73u);
    cr_assert_eq(report_chart_band_color(1), 0xD55E00u);
    for (int a = 1; a <= 4; a++) {
        for (int b = a + 1; b <= 4; b++) {
            cr_assert_neq(report_chart_band_color(a),
                          report_chart_band_color(b));
        }
    }
}

/* The memory of pictures gives what drawing gives, byte for byte: for the
 * chart it was drawn for, for charts of other providers in the same groups
 * (another marker), for one without a value (no marker) and for other
 * groups; a chart with peer dots is drawn as it is. */
Test(report_chart, memo_gives_the_drawn_svg_byte_for_byte, .timeout = 10)
{
    report_indicator_t ind;
    report_group_t groups[2];
    double peers[48];
    s_fixture(&ind, groups, peers);
    groups[0].peers = NULL;
    groups[0].peer_count = 0;
    report_chart_memo_t *memo = report_chart_memo_new();
    cr_assert_not_null(memo);
    /* value, status, p50: a first page, another provider of the group, the
     * first again, one without a value, another group's figures, then one
     * with peer dots. */
    const double values[] = {64.0, 71.5, 64.0, 64.0, 64.0, 50.0};
    const int ok[] = {1, 1, 1, 0, 1, 1};
    const double p50[] = {65.5, 65.5, 65.5, 65.5, 66.0, 65.5};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        ind.value = values[i];
        ind.status = ok[i] ? REPORT_STATUS_OK : REPORT_STATUS_MISSING;
        groups[0].p50 = p50[i];
        if (i == 5) {
            groups[0].peers = peers;
            groups[0].peer_count = 48;
        }
        report_chart_t c;
        bl_err_t err = {0};
        cr_assert_eq(report_chart_build(&c, &ind, 720.0, &err), 0);
        char *drawn = NULL, *kept = NULL;
        cr_assert_eq(report_chart_svg(&c, s_msg, "c-1", "Title <t>", "Desc",
                                      &drawn, &err), 0);
        cr_assert_eq(report_chart_svg_memo(&c, s_msg, memo, "c-1",
                                           "Title <t>", "Desc", &kept, &err),
                     0);
        cr_assert_str_eq(kept, drawn, "chart %zu differs", i);
        cr_assert_eq(strstr(drawn, "provider-marker") != NULL, ok[i] != 0,
                     "chart %zu", i);
        free(drawn);
        free(kept);
        report_chart_free(&c);
    }
    report_chart_memo_destroy(&memo);
    cr_assert_null(memo);
    report_chart_memo_destroy(&memo);
}
