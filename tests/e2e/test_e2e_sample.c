/*
 * End to end on the sample data: generate it, run a node over all four
 * countries, submit both periods, close them, export, and compare the
 * export with an independent implementation of SPEC section 5
 * (tests/tools/check_stats.py, plain Python) to 1e-9 relative.  Then check
 * the rendered reports: one HTML, PDF, CSV and JSON per provider and a
 * coordinator's summary; the HTML fetches nothing from outside; a
 * provider's report shows the same figures as the export (one value by
 * hand; every value, position and unit by tests/tools/
 * check_report_values.py).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_test_node.h"

static bl_test_node_t s_node;

static void s_setup(void)
{
    cr_assert_eq(bl_test_node_init(&s_node, "role: international\n",
                                   "  national: [country, service_type]\n"
                                   "  international: [service_type]\n",
                                   NULL),
                 0);
}

static void s_teardown(void)
{
    bl_test_node_stop(&s_node);
}

static char *s_read(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf != NULL && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        buf[n] = '\0';
    }
    fclose(f);
    return buf;
}

static void s_run_sample(void)
{
    const char *d = s_node.dir;
    cr_assert_eq(bl_test_sh("%s/bl-gen-sample -o %s/data >/dev/null",
                      bl_test_binary_dir(), d),
                 0);
    char *out = NULL;
    cr_assert_eq(bl_test_node_cli(&s_node, &out, "up"), 0, "%s", out);
    free(out);
    for (int period = 2024; period <= 2025; period++) {
        int rc = bl_test_node_cli(&s_node, &out,
                                  "submit --wait data/register.csv "
                                  "data/indicators-*-%d.csv "
                                  "data/survey-*-%d.csv",
                                  period, period);
        cr_assert_eq(rc, 0, "submit %d: %s", period, out);
        free(out);
        rc = bl_test_node_cli(&s_node, &out, "close %d", period);
        cr_assert_eq(rc, 0, "close %d: %s", period, out);
        free(out);
    }
    cr_assert_eq(bl_test_sh("mkdir -p %s/export", d), 0);
    static const char *const whats[] = {"stats", "positions", "values",
                                        "correlations"};
    for (int i = 0; i < 4; i++) {
        int rc = bl_test_node_cli(&s_node, &out,
                                  "export 2025 --what %s -o export/%s.csv",
                                  whats[i], whats[i]);
        cr_assert_eq(rc, 0, "export %s: %s", whats[i], out);
        free(out);
    }
    int rc = bl_test_node_cli(&s_node, &out,
                              "export 2025 --what values --format json "
                              "-o export/values.json");
    cr_assert_eq(rc, 0, "export values json: %s", out);
    free(out);
}

Test(e2e_sample, export_matches_an_independent_computation,
     .init = s_setup, .fini = s_teardown, .timeout = 600)
{
    s_run_sample();
    const char *d = s_node.dir;
    /* Values must be there for every country, with survey n filled. */
    char path[512];
    snprintf(path, sizeof path, "%s/export/values.csv", d);
    char *values = s_read(path);
    cr_assert_not_null(values);
    cr_assert_not_null(strstr(values, "2025,PT-"));
    cr_assert_not_null(strstr(values, ",suppressed\n"),
                       "no suppressed survey value in the sample");
    free(values);
    /* The JSON values carry full precision, so the independent
     * computation starts from the same numbers as the C one. */
    int rc = bl_test_sh("python3 %s/tests/tools/check_stats.py --values "
                  "%s/export/values.json --register %s/data/register.csv "
                  "--catalogue %s/config/catalogue.yaml --config %s "
                  "--period 2025 --compare %s/export > %s/check.out 2>&1",
                  bl_test_source_dir(), d, d, bl_test_source_dir(),
                  s_node.config, d, d);
    snprintf(path, sizeof path, "%s/check.out", d);
    char *check = s_read(path);
    cr_assert_eq(rc, 0, "check_stats: %s", check ? check : "");
    cr_assert_not_null(strstr(check, " 0 mismatches"), "%s", check);
    free(check);
}

Test(e2e_sample, reports_are_rendered_self_contained_and_agree,
     .init = s_setup, .fini = s_teardown, .timeout = 600)
{
    s_run_sample();
    const char *d = s_node.dir;
    char path[512];
    /* A close renders no PDFs: this one is asked for. */
    char *out = NULL;
    int rc = bl_test_node_cli(&s_node, &out,
                              "report 2025 --provider NO-0001 --format pdf");
    cr_assert_eq(rc, 0, "%s", out);
    free(out);
    static const char *const exts[] = {"html", "pdf", "csv", "json"};
    for (int i = 0; i < 4; i++) {
        snprintf(path, sizeof path, "%s/var/reports/2025/NO-0001.%s", d,
                 exts[i]);
        cr_assert_eq(access(path, R_OK), 0, "missing %s", path);
    }
    snprintf(path, sizeof path, "%s/var/reports/2025/summary.html", d);
    cr_assert_eq(access(path, R_OK), 0, "missing %s", path);
    /* No external references in any HTML. */
    cr_assert_neq(bl_test_sh("grep -lE 'https?://|src=\"//|href=\"//' "
                       "%s/var/reports/2025/*.html >/dev/null",
                       d),
                  0, "an HTML report references an external URL");
    /* Indicator names in the report's language (SPEC 3): Norwegian and
     * Portuguese providers get their own; tests/unit/test_report_names.c
     * checks every name. */
    static const char *const named[][3] = {
        {"NO-0001", "Planmål nådd", "Plan objectives achieved"},
        {"PT-0001", "Objetivos do plano alcançados",
         "Plan objectives achieved"},
    };
    for (int i = 0; i < 2; i++) {
        snprintf(path, sizeof path, "%s/var/reports/2025/%s.html", d,
                 named[i][0]);
        char *html = s_read(path);
        cr_assert_not_null(html, "missing %s", path);
        cr_assert_not_null(strstr(html, named[i][1]), "%s: no '%s'", path,
                           named[i][1]);
        cr_assert_null(strstr(html, named[i][2]), "%s: '%s' in English",
                       path, named[i][2]);
        free(html);
    }
    /* The provider's value on one indicator, as exported, is in its
     * report's CSV. */
    snprintf(path, sizeof path, "%s/export/positions.csv", d);
    char *pos = s_read(path);
    cr_assert_not_null(pos);
    char *line = strstr(pos, ",national,NO/");
    cr_assert_not_null(line, "no national NO position");
    while (line > pos && line[-1] != '\n') {
        line--;
    }
    char provider[64], indicator[64], value[64];
    cr_assert_eq(sscanf(line, "2025,%63[^,],national,%*[^,],%63[^,],%63[^,],",
                        indicator, provider, value),
                 3);
    snprintf(path, sizeof path, "%s/var/reports/2025/%s.json", d, provider);
    char *json = s_read(path);
    cr_assert_not_null(json, "no JSON report for %s", provider);
    cr_assert_not_null(strstr(json, indicator));
    free(json);
    snprintf(path, sizeof path, "%s/var/reports/2025/%s.csv", d, provider);
    char *csv = s_read(path);
    cr_assert_not_null(csv);
    cr_assert_not_null(strstr(csv, value),
                       "report of %s lacks the exported value %s of %s",
                       provider, value, indicator);
    free(csv);
    free(pos);
    /* Every provider's report shows its own figures: by an independent
     * reading of the exports and every CSV and JSON report (the results
     * are encoded in batches on threads: a provider given another's
     * cells, units or positions shows here). */
    rc = bl_test_sh("python3 %s/tests/tools/check_report_values.py "
                    "--positions %s/export/positions.csv --values "
                    "%s/export/values.csv --reports %s/var/reports/2025 "
                    "--period 2025 > %s/report-values.out 2>&1",
                    bl_test_source_dir(), d, d, d, d);
    snprintf(path, sizeof path, "%s/report-values.out", d);
    char *check = s_read(path);
    cr_expect_eq(rc, 0, "check_report_values: %s", check ? check : "");
    cr_expect_not_null(check ? strstr(check, " 0 mismatches") : NULL, "%s",
                       check ? check : "");
    cr_expect_null(check ? strstr(check, " 0 positions") : NULL,
                   "no position checked: %s", check ? check : "");
    cr_expect_null(check ? strstr(check, " 0 unit values") : NULL,
                   "no unit value checked: %s", check ? check : "");
    free(check);
    snprintf(path, sizeof path, "%s/var/reports/2025/NO-0001.pdf", d);
    char *pdf = s_read(path);
    cr_assert_not_null(pdf);
    cr_assert_eq(strncmp(pdf, "%PDF", 4), 0);
    free(pdf);
}
