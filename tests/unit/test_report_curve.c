/*
 * The learning curve (SPEC section 5) in every output of a provider's
 * report: the line chart (report_curve) in SVG, the HTML page's chart and
 * table, the CSV rows of earlier periods and the JSON series, all from the
 * fixture's three periods of RES-02.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_curve.h"
#include "report_export.h"
#include "report_fixture.h"
#include "report_html.h"
#include "report_i18n.h"
#include "report_model.h"

static report_i18n_t *s_msg;
static report_provider_t *s_r;

static void s_setup(void)
{
    bl_err_t err = {0};
    cr_assert_eq(report_i18n_open_builtin(&s_msg, "en", &err), 0, "%s",
                 err.msg);
    s_r = report_fixture_provider();
}

static void s_teardown(void)
{
    report_provider_destroy(&s_r);
    report_i18n_destroy(&s_msg);
}

TestSuite(report_curve, .init = s_setup, .fini = s_teardown);

static size_t s_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL;
         p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

static char *s_out(int what)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    bl_err_t err = {0};
    int rc = what == 0   ? report_html_write_provider(f, s_r, s_msg, &err)
             : what == 1 ? report_export_csv(f, s_r, &err)
                         : report_export_json(f, s_r, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(fclose(f), 0);
    return buf;
}

Test(report_curve, only_indicators_with_two_periods_have_a_curve,
     .timeout = 10)
{
    cr_assert(report_curve_has(report_provider_find(s_r, "RES-02")));
    cr_assert_not(report_curve_has(report_provider_find(s_r, "STA-07")));
}

Test(report_curve, svg_marks_each_value_and_median_in_period_order,
     .timeout = 10)
{
    char *svg = NULL;
    bl_err_t err = {0};
    const report_indicator_t *ind = report_provider_find(s_r, "RES-02");
    cr_assert_eq(report_curve_svg(ind, s_msg, "lc-RES-02", &svg, &err), 0);
    cr_assert_eq(strncmp(svg, "<svg ", 5), 0);
    cr_assert_not_null(strstr(svg, "</svg>"));
    /* Legend marker plus one per period, for each series. */
    cr_assert_eq(s_count(svg, "<circle"), 1 + 3, "%s", svg);
    cr_assert_eq(s_count(svg, "<rect"), 1 + 3, "%s", svg);
    const char *a = strstr(svg, ">2023<"), *b = strstr(svg, ">2024<"),
               *c = strstr(svg, ">2025<");
    cr_assert(a != NULL && b != NULL && c != NULL && a < b && b < c);
    cr_assert_not_null(strstr(svg, "Your value"));
    cr_assert_not_null(strstr(svg, "National median"));
    /* The description says every figure. */
    cr_assert_not_null(strstr(svg, "2023: 60.0 (National median 65.0); "
                                   "2024: 66.0 (National median 68.0); "
                                   "2025: 71.4 (National median 63.5)"),
                       "%s", svg);
    free(svg);
}

Test(report_curve, html_has_the_chart_and_a_row_per_period, .timeout = 10)
{
    char *html = s_out(0);
    cr_assert_eq(s_count(html, "Learning curve</h4>"), 1);
    cr_assert_not_null(strstr(html, "lc-RES-02-title"));
    cr_assert_not_null(strstr(html, "<tr><th scope=\"row\">2023</th>"
                                    "<td class=\"num\">60.0"), "%s", html);
    cr_assert_not_null(strstr(html, "<tr><th scope=\"row\">2024</th>"));
    cr_assert_not_null(strstr(html, "<tr><th scope=\"row\">2025</th>"));
    free(html);
}

Test(report_curve, csv_has_a_row_per_earlier_period_in_the_curve_group,
     .timeout = 10)
{
    char *csv = s_out(1);
    cr_assert_not_null(strstr(csv, "\nNO-bergen-01,2023,RES-02,ok,60,,,,,"
                                   "national,,,,,,,,,65,,,,,40,2,,,,\n"),
                       "%s", csv);
    cr_assert_not_null(strstr(csv, "\nNO-bergen-01,2024,RES-02,ok,66,,,,,"
                                   "national,,,,,,,,,68,,,,,61,3,,,,\n"));
    cr_assert_null(strstr(csv, "\nNO-bergen-01,2025,RES-02,ok,71.4,,,,,"),
                   "the current period's row is the full one");
    /* Every line has the header's 29 fields (no field has a comma). */
    for (const char *line = csv; *line != '\0';) {
        const char *end = strchr(line, '\n');
        cr_assert_not_null(end);
        size_t commas = 0;
        for (const char *p = line; p < end; p++) {
            commas += *p == ',';
        }
        cr_assert_eq(commas, 28, "%.*s", (int)(end - line), line);
        line = end + 1;
    }
    free(csv);
}

Test(report_curve, json_has_the_series_oldest_first, .timeout = 10)
{
    char *json = s_out(2);
    cr_assert_not_null(strstr(json, "\"curve_group\":\"national\""));
    cr_assert_not_null(strstr(json,
        "\"curve\":[{\"period\":2023,\"status\":\"ok\",\"value\":60,"
        "\"percentile_rank\":40,\"band\":2,\"group_p50\":65},"
        "{\"period\":2024,\"status\":\"ok\",\"value\":66,"
        "\"percentile_rank\":61,\"band\":3,\"group_p50\":68},"
        "{\"period\":2025,\"status\":\"ok\",\"value\":71.4,"
        "\"percentile_rank\":72,\"band\":3,\"group_p50\":63.5}]"), "%s",
        json);
    free(json);
}
