/*
 * Tests of report_html (and the sentences of report_text and the catalogues
 * of report_i18n it uses, and the CSV/JSON of report_export): the provider page and the coordinator summary are
 * self-contained (no URL of any kind), escape the model's text, carry the
 * right phrases in the right language, and explain suppressed values.  The
 * fake provider comes from tests/support/report_fixture, filled the way the
 * glue code fills the model.
 */
#include "report_html.h"
#include "report_export.h"

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_fixture.h"
#include "report_i18n.h"
#include "report_model.h"

#ifndef BL_SOURCE_DIR
#define BL_SOURCE_DIR "."
#endif

#define S_MESSAGES BL_SOURCE_DIR "/config/messages"

static report_summary_t *s_summary_fixture(int international)
{
    report_summary_t *s = report_summary_new();
    cr_assert_not_null(s);
    s->node_id = report_strdup(international ? "int-1" : "no-1");
    s->international = international;
    s->country = international ? NULL : report_strdup("NO");
    s->period = 2025;
    s->rejected_rows = 7;
    s->participant_count = 3;
    s->participants = calloc(3, sizeof *s->participants);
    cr_assert_not_null(s->participants);
    const char *ids[] = {"PT-lisboa-2", "NO-bergen-01", "NO-oslo-03"};
    const char *cc[] = {"PT", "NO", "NO"};
    for (size_t i = 0; i < 3; i++) {
        s->participants[i].provider_id = report_strdup(ids[i]);
        s->participants[i].name = report_strdup(i == 1 ? "Bergen <Care>"
                                                       : "Provider");
        s->participants[i].country = report_strdup(cc[i]);
        s->participants[i].membership = report_strdup("assurance");
        s->participants[i].sent = 30 + i;
        s->participants[i].expected = 40;
        s->participants[i].rejected = i;
    }
    s->overdue_count = 1;
    s->overdue = calloc(1, sizeof *s->overdue);
    cr_assert_not_null(s->overdue);
    s->overdue[0].provider_id = report_strdup("NO-trondheim-9");
    s->overdue[0].name = report_strdup("Trondheim Dag");
    s->overdue[0].country = report_strdup("NO");
    s->overdue[0].member_since = report_strdup("2022-05-01");
    s->band_dist_count = 1;
    s->band_dists = calloc(1, sizeof *s->band_dists);
    cr_assert_not_null(s->band_dists);
    s->band_dists[0].indicator_id = report_strdup("RES-02");
    s->band_dists[0].name = report_strdup("Goals achieved");
    s->band_dists[0].group_id = report_strdup("national");
    s->band_dists[0].bands[0] = 4;
    s->band_dists[0].bands[3] = 9;
    s->top_area_count = 1;
    s->top_areas = calloc(1, sizeof *s->top_areas);
    cr_assert_not_null(s->top_areas);
    s->top_areas[0].indicator_id = report_strdup("STA-02");
    s->top_areas[0].name = report_strdup("Sickness absence");
    s->top_areas[0].providers = 17;
    s->correlation_count = 1;
    s->correlations = calloc(1, sizeof *s->correlations);
    cr_assert_not_null(s->correlations);
    s->correlations[0].group_id = report_strdup("national");
    s->correlations[0].group_key = report_strdup("NO/residential_care");
    s->correlations[0].a = report_strdup("STA-01");
    s->correlations[0].b = report_strdup("STA-06");
    s->correlations[0].n = 42;
    s->correlations[0].rho = -0.61;
    return s;
}

/* Renders into memory; returns the heap page. */
static char *s_render(const report_provider_t *r, const char *lang)
{
    report_i18n_t *m = NULL;
    bl_err_t err = {0};
    cr_assert_eq(report_i18n_open(&m, S_MESSAGES, lang, &err), 0, "%s",
                 err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    int rc = report_html_write_provider(f, r, m, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(fclose(f), 0);
    report_i18n_destroy(&m);
    return buf;
}

static char *s_render_summary(const report_summary_t *s, const char *lang)
{
    report_i18n_t *m = NULL;
    bl_err_t err = {0};
    cr_assert_eq(report_i18n_open(&m, S_MESSAGES, lang, &err), 0, "%s",
                 err.msg);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    cr_assert_eq(report_html_write_summary(f, s, m, &err), 0, "%s", err.msg);
    cr_assert_eq(fclose(f), 0);
    report_i18n_destroy(&m);
    return buf;
}

/* NULL when the page fetches nothing, else the offending text. */
static const char *s_external(const char *page)
{
    static const char *const bad[] = {
        "http:", "https:", "ftp:", "file:", "data:", "//", "src=",
        "<script", "<link", "<img", "<iframe", "<object", "@import",
        "url(", "xmlns", "srcset",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (strstr(page, bad[i]) != NULL) {
            return bad[i];
        }
    }
    return NULL;
}

static size_t s_count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p != NULL;
         p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

Test(report_html, provider_page_references_no_external_url, .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, "en");
    const char *bad = s_external(page);
    cr_assert_null(bad, "page contains '%s'", bad);
    cr_assert_eq(strncmp(page, "<!DOCTYPE html>", 15), 0);
    cr_assert_not_null(strstr(page, "<html lang=\"en\">"));
    cr_assert_not_null(strstr(page, "<meta charset=\"utf-8\">"));
    cr_assert_not_null(strstr(page, "@page{size:A4"));
    cr_assert_not_null(strstr(page, "@media print"));
    free(page);
    report_provider_destroy(&r);
    cr_assert_null(r);
}

Test(report_html, summary_page_references_no_external_url, .timeout = 10)
{
    report_summary_t *s = s_summary_fixture(1);
    char *page = s_render_summary(s, "en");
    const char *bad = s_external(page);
    cr_assert_null(bad, "page contains '%s'", bad);
    free(page);
    report_summary_destroy(&s);
}

Test(report_html, provider_name_is_escaped, .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, "en");
    cr_assert_null(strstr(page, "<Care>"));
    cr_assert_not_null(strstr(page, "<h1>Bergen &lt;Care&gt; &amp; Co "
                                     "&quot;AS&quot;</h1>"));
    free(page);
    report_provider_destroy(&r);
}

Test(report_html, percentile_rank_is_said_in_words, .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, "en");
    cr_assert_not_null(strstr(page, "better than 72% of 48 national peers"),
                       "phrase missing");
    cr_assert_not_null(strstr(page, "In 2024 the value was 66.0%; it is now "
                                     "71.4% (better)."));
    cr_assert_not_null(strstr(page, "Percentile rank among national peers: "
                                     "61% in 2024, 72% now."));
    cr_assert_not_null(strstr(page, "8.6% short of the reference value "
                                     "80.0%."));
    free(page);
    report_provider_destroy(&r);
}

Test(report_html, suppressed_indicator_says_too_few_respondents,
     .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, "en");
    cr_assert_not_null(strstr(page, "too few respondents"));
    cr_assert_not_null(strstr(page, "Fewer than 5 people answered (3)"));
    cr_assert_not_null(strstr(page, "too few peers"));
    cr_assert_not_null(strstr(page, "The international group has fewer than "
                                     "5 providers with a value (3)"));
    free(page);
    report_provider_destroy(&r);
}

Test(report_html, overview_comes_first_with_band_numbers_on_chips,
     .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, "en");
    const char *overview = strstr(page, "id=\"overview\"");
    const char *details = strstr(page, "id=\"indicators\"");
    const char *main = strstr(page, "<main>");
    cr_assert(main != NULL && overview != NULL && details != NULL);
    cr_assert_lt(overview, details);
    cr_assert_lt(strstr(main, "<section"), overview + 1);
    cr_assert_not_null(strstr(page, "<span class=\"chip b3\"><b>3</b>"
                                     "above the median</span>"));
    cr_assert_not_null(strstr(page, "<span class=\"chip b1\"><b>1</b>"));
    /* The top area for improvement is named in the overview. */
    const char *callout = strstr(overview, "class=\"callout\"");
    cr_assert_not_null(callout);
    cr_assert_lt(callout, details);
    cr_assert_not_null(strstr(callout, "Sickness absence"));
    free(page);
    report_provider_destroy(&r);
}

Test(report_html, every_chart_has_title_and_desc, .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, "en");
    /* Five peer charts and RES-02's learning curve. */
    cr_assert_eq(s_count(page, "<svg class=\"chart\""), 5 + 1);
    cr_assert_eq(s_count(page, "<title id=\"lc-RES-02-title\">"), 1);
    cr_assert_eq(s_count(page, "<title id=\"c-"), 5);
    cr_assert_eq(s_count(page, "<desc id=\"c-"), 5);
    cr_assert_not_null(strstr(page, "<desc id=\"c-RES-02-desc\">Your value: "
                                     "71.4%."));
    free(page);
    report_provider_destroy(&r);
}

Test(report_html, partners_are_named_only_when_they_share_identity,
     .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, "en");
    cr_assert_not_null(strstr(page, "<li>Oslo Omsorg (NO-oslo-03), NO</li>"));
    cr_assert_not_null(strstr(page, "<li>a residential care provider in "
                                     "PT</li>"));
    free(page);
    report_provider_destroy(&r);
}

Test(report_html, units_are_compared_and_best_marked, .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, "en");
    cr_assert_not_null(strstr(page, "id=\"units\""));
    cr_assert_not_null(strstr(page, "<strong>★ 75.0%</strong>"));
    cr_assert_not_null(strstr(page, ">68.1%<"));
    free(page);
    report_provider_destroy(&r);
}

/* A band-4 indicator among the strengths links to the portal's practice
 * form, filled for it; no other indicator does. */
Test(report_html, strength_links_to_the_practice_form, .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, "en");
    const char *strengths = strstr(page, "<section id=\"strengths\">");
    cr_assert_not_null(strengths);
    const char *link = strstr(page, "<a class=\"practice\" href=\"/actions?"
                              "indicator=STA-07&amp;period=2025#practice\">"
                              "Tell others what works</a>");
    cr_assert(link != NULL && link > strengths, "%s", page);
    cr_assert_eq(s_count(page, "class=\"practice\""), 1);
    free(page);
    page = s_render(r, "no");
    cr_assert_not_null(strstr(page, "#practice\">Fortell andre hva som "
                              "virker</a>"));
    free(page);
    report_provider_destroy(&r);
}

Test(report_html, norwegian_labels_and_decimal_comma, .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *page = s_render(r, report_i18n_language_for_country(r->country));
    cr_assert_not_null(strstr(page, "<html lang=\"no\">"));
    cr_assert_not_null(strstr(page, "Referanseanalyse"));
    cr_assert_not_null(strstr(page, "for få svar"));
    cr_assert_not_null(strstr(page, "bedre enn 72 % av 48 nasjonale"),
                       "Norwegian phrase missing");
    cr_assert_not_null(strstr(page, "71,4"));
    cr_assert_null(strstr(page, "too few respondents"));
    free(page);
    report_provider_destroy(&r);
}

Test(report_html, international_summary_is_grouped_by_country,
     .timeout = 10)
{
    report_summary_t *s = s_summary_fixture(1);
    char *page = s_render_summary(s, "en");
    cr_assert_not_null(strstr(page, "By country"));
    /* NO's row totals: 2 providers, 31+32 sent of 80, 1+2 rejected. */
    cr_assert_not_null(strstr(page, "<tr><th scope=\"row\">NO</th><td "
                                     "class=\"num\">2</td><td class=\"num\">"
                                     "63</td><td class=\"num\">80</td>"));
    cr_assert_not_null(strstr(page, "Rows still rejected, all senders: 7"));
    cr_assert_not_null(strstr(page, "NO-trondheim-9"));
    cr_assert_not_null(strstr(page, "2022-05-01"));
    cr_assert_not_null(strstr(page, "Bergen &lt;Care&gt;"));
    cr_assert_not_null(strstr(page, ">-0.61<"));
    cr_assert_not_null(strstr(page, "> 17</td>"));
    free(page);
    report_summary_destroy(&s);
}

Test(report_html, national_summary_has_no_country_table, .timeout = 10)
{
    report_summary_t *s = s_summary_fixture(0);
    char *page = s_render_summary(s, "pt");
    cr_assert_not_null(strstr(page, "<html lang=\"pt\">"));
    cr_assert_null(strstr(page, "By country"));
    cr_assert_not_null(strstr(page, "-0,61"));
    free(page);
    report_summary_destroy(&s);
}

Test(report_i18n, missing_key_falls_back_to_english_then_key, .timeout = 10)
{
    report_i18n_t *m = NULL;
    cr_assert_eq(report_i18n_open(&m, S_MESSAGES, "lt", NULL), 0);
    cr_assert_str_eq(report_i18n_lang(m), "lt");
    cr_assert_str_eq(report_i18n_get(m, "no.such.key"), "no.such.key");
    char *s = report_i18n_format(m, "no.such.key", "x", "1", NULL);
    cr_assert_str_eq(s, "no.such.key");
    free(s);
    report_i18n_destroy(&m);
    cr_assert_null(m);
}

Test(report_i18n, every_language_translates_the_labels, .timeout = 10)
{
    static const char *const langs[] = {"no", "pt", "et", "lt"};
    static const char *const keys[] = {
        "report.title", "status.too_few_respondents", "status.too_few_peers",
        "phrase.better_than", "section.overview", "section.areas",
        "section.strengths", "band.1", "band.4", "partners.anonymous",
        "summary.title", "group.national", "principle.leadership",
        "strengths.tell_others",
    };
    report_i18n_t *en = NULL;
    cr_assert_eq(report_i18n_open(&en, S_MESSAGES, "en", NULL), 0);
    for (size_t l = 0; l < 4; l++) {
        report_i18n_t *m = NULL;
        bl_err_t err = {0};
        cr_assert_eq(report_i18n_open(&m, S_MESSAGES, langs[l], &err), 0,
                     "%s", err.msg);
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            cr_assert_str_neq(report_i18n_get(m, keys[k]),
                              report_i18n_get(en, keys[k]),
                              "%s: %s not translated", langs[l], keys[k]);
        }
        char *s = report_i18n_format(m, "phrase.better_than", "pct", "72",
                                     "n", "48", "group", "x", NULL);
        cr_assert(strstr(s, "72") != NULL && strstr(s, "48") != NULL,
                  "%s: placeholders lost: %s", langs[l], s);
        free(s);
        report_i18n_destroy(&m);
    }
    report_i18n_destroy(&en);
}

Test(report_i18n, bad_language_and_missing_file_are_errors, .timeout = 10)
{
    report_i18n_t *m = NULL;
    cr_assert_eq(report_i18n_open(&m, S_MESSAGES, "../x", NULL), BL_EINVAL);
    cr_assert_null(m);
    bl_err_t err = {0};
    cr_assert_lt(report_i18n_open(&m, S_MESSAGES, "zz", &err), 0);
    cr_assert_not_null(strstr(err.msg, "zz.yaml"));
    cr_assert_null(m);
}

Test(report_i18n, country_picks_language, .timeout = 10)
{
    cr_assert_str_eq(report_i18n_language_for_country("NO"), "no");
    cr_assert_str_eq(report_i18n_language_for_country("EE"), "et");
    cr_assert_str_eq(report_i18n_language_for_country("LT"), "lt");
    cr_assert_str_eq(report_i18n_language_for_country("PT"), "pt");
    cr_assert_str_eq(report_i18n_language_for_country("DK"), "en");
    cr_assert_str_eq(report_i18n_language_for_country(NULL), "en");
}

Test(report_i18n, number_has_no_negative_zero, .timeout = 10)
{
    char buf[32];
    cr_assert_str_eq(report_i18n_number(NULL, -0.0001, 1, buf, sizeof buf),
                     "0.0");
    cr_assert_str_eq(report_i18n_number(NULL, -1.25, 1, buf, sizeof buf),
                     "-1.2");
}

/* The export of the fixture into memory. */
static char *s_export(const report_provider_t *r, int json)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    int rc = json ? report_export_json(f, r, NULL)
                  : report_export_csv(f, r, NULL);
    cr_assert_eq(rc, 0);
    cr_assert_eq(fclose(f), 0);
    return buf;
}

Test(report_export, csv_has_one_row_per_indicator_and_group, .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *csv = s_export(r, 0);
    /* 10 rows of 2025, and RES-02's curve rows of 2023 and 2024. */
    cr_assert_eq(s_count(csv, "\n"), 1 + 10 + 2);
    cr_assert_not_null(strstr(csv, "\nNO-bergen-01,2025,RES-02,ok,71.4,,50,"
                                   "70,66,national,NO/residential_care,no,"
                                   "48,"));
    cr_assert_not_null(strstr(csv, ",72,3,"), "rank and band");
    cr_assert_not_null(strstr(csv, "\nNO-bergen-01,2025,RES-01,suppressed,,"
                                   "3,,,,national,"));
    cr_assert_not_null(strstr(csv, ",international,residential_care,yes,3,"
                                   ",,,,,,,,,,,,,,,\n"));
    free(csv);
    report_provider_destroy(&r);
}

Test(report_export, json_escapes_and_hides_anonymous_partners,
     .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    char *json = s_export(r, 1);
    cr_assert_not_null(strstr(json, "\"name\":\"Bergen <Care> & Co "
                                    "\\\"AS\\\"\""));
    cr_assert_not_null(strstr(json, "\"status\":\"suppressed\",\"value\":"
                                    "null,\"n\":3"));
    cr_assert_not_null(strstr(json, "{\"named\":false,\"provider_id\":null,"
                                    "\"name\":null,\"service_type\":"
                                    "\"residential_care\",\"country\":"
                                    "\"PT\"}"));
    cr_assert_not_null(strstr(json, "\"percentile_rank\":72,\"band\":3"));
    cr_assert_not_null(strstr(json, "\"strengths\":[\"STA-07\"]"));
    /* Brackets balance (no string in the fixture holds one). */
    long depth = 0;
    for (const char *p = json; *p != '\0'; p++) {
        depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
        cr_assert_geq(depth, 0);
    }
    cr_assert_eq(depth, 0);
    free(json);
    report_provider_destroy(&r);
}

/* The learning sections of the CSV (SPEC 10): the follow-up and the
 * practices under the areas, quoted as RFC 4180 wants, without the
 * identity of an author that does not share it. */
Test(report_export, csv_has_followup_and_practices_sections, .timeout = 10)
{
    report_provider_t *r = report_fixture_provider();
    r->followup_count = 1;
    r->followups = calloc(1, sizeof *r->followups);
    cr_assert_not_null(r->followups);
    r->followups[0].action_id = report_strdup("A1");
    r->followups[0].indicator_id = report_strdup("STA-02");
    r->followups[0].status = report_strdup("done");
    r->followups[0].due = report_strdup("2025-06-30");
    r->followups[0].before = (report_side_t){1, 10, 1, 5, 1};
    r->followups[0].after = (report_side_t){0, 0, 0, 0, 0};
    report_area_t *a = &r->areas[0];
    a->practice_count = 2;
    a->practices = calloc(2, sizeof *a->practices);
    cr_assert_not_null(a->practices);
    report_practice_t *x = &a->practices[0];
    x->period = 2024;
    x->named = 0;
    x->service_type = report_strdup("residential_care");
    x->country = report_strdup("PT");
    x->title = report_strdup("Open doors, \"always\"");
    x->description = report_strdup("Line one\nline two");
    x = &a->practices[1];
    x->period = 2025;
    x->named = 1;
    x->provider_id = report_strdup("PT-005");
    x->name = report_strdup("Faro Caminho");
    x->service_type = report_strdup("residential_care");
    x->country = report_strdup("PT");
    x->title = report_strdup("Partner days");
    x->description = report_strdup("Twice a year");
    x->contact = report_strdup("a@b.example");
    char *csv = s_export(r, 0);
    cr_assert_not_null(strstr(csv, "\n\naction_id,action_period,indicator_id,"
                                   "status,due,value,percentile_rank,band,"
                                   "next_value,next_percentile_rank,"
                                   "next_band\nA1,2024,STA-02,done,"
                                   "2025-06-30,10,5,1,,,\n"),
                       "%s", csv);
    cr_assert_not_null(strstr(csv, "\n\narea_indicator_id,practice_period,"
                                   "named,author_id,author_name,"
                                   "service_type,country,title,description,"
                                   "contact\n"
                                   "STA-02,2024,no,,,residential_care,PT,"
                                   "\"Open doors, \"\"always\"\"\",\"Line "
                                   "one\nline two\",\n"
                                   "STA-02,2025,yes,PT-005,Faro Caminho,"
                                   "residential_care,PT,Partner days,Twice "
                                   "a year,a@b.example\n"),
                       "%s", csv);
    free(csv);
    report_provider_destroy(&r);
}
