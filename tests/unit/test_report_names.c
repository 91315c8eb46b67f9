/*
 * Tests of report_names with the real default catalogue
 * (config/catalogue.yaml) and message files: a Norwegian, a Portuguese, an
 * Estonian and a Lithuanian report (HTML, and the PDF's text as pdftotext
 * reads it) show every indicator in the report's language and no English
 * name of any indicator whose translation differs; principle and service
 * type names come from the catalogue, over the message files' words.  The
 * report is made the way the glue code makes it: the model holds the
 * catalogue's plain (English) names, report_names_* put the language in.
 */
#include "report_names.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_test_node.h"
#include "report_html.h"
#include "report_pdf.h"

#ifndef BL_SOURCE_DIR
#define BL_SOURCE_DIR "."
#endif

#define S_MESSAGES BL_SOURCE_DIR "/config/messages"

static bl_catalogue_t *s_cat;
static bl_diags_t s_diags;
static char s_dir[64];

static void s_setup(void)
{
    memset(&s_diags, 0, sizeof s_diags);
    cr_assert_eq(bl_catalogue_load(&s_cat,
                                   BL_SOURCE_DIR "/config/catalogue.yaml",
                                   &s_diags),
                 0);
    snprintf(s_dir, sizeof s_dir, "/tmp/test_report_names.XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    bl_catalogue_destroy(&s_cat);
    bl_diags_clear(&s_diags);
    bl_test_sh("rm -rf '%s'", s_dir);
}

TestSuite(report_names, .init = s_setup, .fini = s_teardown, .timeout = 60);

/* A group of 20 peers from 10 to 29, the provider at rank and band. */
static void s_group(report_group_t *g, const char *id, const char *key,
                    int band)
{
    g->group_id = report_strdup(id);
    g->group_key = report_strdup(key);
    g->n = 20;
    g->peers = calloc(20, sizeof *g->peers);
    cr_assert_not_null(g->peers);
    for (size_t i = 0; i < 20; i++) {
        g->peers[i] = 10.0 + (double)i;
    }
    g->peer_count = 20;
    g->min = 10;
    g->p10 = 11.9;
    g->p25 = 14.75;
    g->p50 = 19.5;
    g->p75 = 24.25;
    g->p90 = 27.1;
    g->max = 29;
    g->mean = 19.5;
    g->sd = 5.9;
    g->best_in_class = g->p90;
    g->has_position = 1;
    g->band = band;
    g->percentile_rank = band * 25.0 - 12.5;
    g->has_z = 1;
    g->z = (double)band - 2.5;
}

/* A residential care provider in country with one value of every
 * indicator of the default catalogue, named as the glue names them (the
 * catalogue's plain name); bands cycle 1..4, so that a quarter of the
 * indicators are areas for improvement (the first with an anonymous
 * learning partner in PT) and a quarter strengths. */
static report_provider_t *s_provider(const char *country)
{
    report_provider_t *r = report_provider_new();
    cr_assert_not_null(r);
    char id[32];
    snprintf(id, sizeof id, "%s-test-1", country);
    r->provider_id = report_strdup(id);
    r->name = report_strdup("Test provider");
    r->country = report_strdup(country);
    r->service_type = report_strdup("residential_care");
    r->period = 2025;
    r->min_respondents = 5;
    r->min_peers = 5;
    size_t n = s_cat->n_indicators;
    r->indicators = calloc(n, sizeof *r->indicators);
    r->areas = calloc(n, sizeof *r->areas);
    r->strengths = calloc(n, sizeof *r->strengths);
    cr_assert(r->indicators != NULL && r->areas != NULL
              && r->strengths != NULL);
    r->indicator_count = n;
    for (size_t i = 0; i < n; i++) {
        const bl_indicator_t *def = &s_cat->indicators[i];
        report_indicator_t *ind = &r->indicators[i];
        ind->id = report_strdup(def->id);
        ind->name = report_strdup(def->name);
        ind->principle = report_strdup(def->principle);
        ind->kind = report_strdup(bl_kind_name(def->kind));
        ind->unit = def->unit[0] ? report_strdup(def->unit) : NULL;
        ind->direction = REPORT_DIR_HIGHER;
        ind->status = REPORT_STATUS_OK;
        ind->value = 20.0;
        ind->n = -1;
        ind->groups = calloc(1, sizeof *ind->groups);
        cr_assert_not_null(ind->groups);
        ind->group_count = 1;
        int band = (int)(i % 4) + 1;
        char key[64];
        snprintf(key, sizeof key, "%s/residential_care", country);
        s_group(&ind->groups[0], "national", key, band);
        if (band == 1) {
            r->areas[r->area_count++].indicator_id = report_strdup(def->id);
        } else if (band == 4) {
            r->strengths[r->strength_count++] = report_strdup(def->id);
        }
    }
    report_partner_t *p = &r->areas[0].partners[0];
    p->service_type = report_strdup("residential_care");
    p->country = report_strdup("PT");
    r->areas[0].partner_count = 1;
    return r;
}

static char *s_html(const report_provider_t *r, const report_i18n_t *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    bl_err_t err = {0};
    cr_assert_eq(report_html_write_provider(f, r, m, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(fclose(f), 0);
    return buf;
}

/* The text of the provider's PDF as pdftotext reads it, every run of
 * white space made one space (a name the layout wrapped is still found). */
static char *s_pdf_text(const report_provider_t *r, const report_i18n_t *m,
                        const char *lang)
{
    char pdf[128];
    char txt[128];
    snprintf(pdf, sizeof pdf, "%s/%s.pdf", s_dir, lang);
    snprintf(txt, sizeof txt, "%s/%s.txt", s_dir, lang);
    bl_err_t err = {0};
    cr_assert_eq(report_pdf_write(pdf, r, m, &err), 0, "%s", err.msg);
    cr_assert_eq(bl_test_sh("pdftotext -enc UTF-8 '%s' '%s'", pdf, txt), 0,
                 "pdftotext failed (install poppler-utils)");
    FILE *f = fopen(txt, "r");
    cr_assert_not_null(f);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    cr_assert_not_null(out);
    int ch;
    int space = 1;
    while ((ch = fgetc(f)) != EOF) {
        if (isspace(ch)) {
            if (!space) {
                fputc(' ', out);
            }
            space = 1;
        } else {
            fputc(ch, out);
            space = 0;
        }
    }
    fclose(f);
    cr_assert_eq(fclose(out), 0);
    return text;
}

/* Renders the report in lang as the glue does and checks both formats:
 * every indicator's name in lang is there and no English name that
 * differs from it.  Returns the number of names that differ. */
static size_t s_check_language(const char *country, const char *lang)
{
    report_provider_t *r = s_provider(country);
    report_i18n_t *m = NULL;
    bl_err_t err = {0};
    cr_assert_eq(report_i18n_open(&m, S_MESSAGES, lang, &err), 0, "%s",
                 err.msg);
    cr_assert_str_eq(report_i18n_lang(m), lang);
    cr_assert_eq(report_names_messages(m, s_cat), 0);
    cr_assert_eq(report_names_provider(r, s_cat, lang), 0);
    char *html = s_html(r, m);
    char *pdf = s_pdf_text(r, m, lang);
    size_t differ = 0;
    for (size_t i = 0; i < s_cat->n_indicators; i++) {
        const bl_indicator_t *def = &s_cat->indicators[i];
        const char *en = bl_catalogue_text(&def->name_i18n, "en");
        const char *own = bl_catalogue_text(&def->name_i18n, lang);
        cr_assert_str_eq(r->indicators[i].name, own);
        /* the names hold nothing that HTML escapes */
        cr_assert_null(strpbrk(own, "<>&\""), "%s", own);
        cr_assert_not_null(strstr(html, own), "%s report, HTML: no '%s' (%s)",
                           lang, own, def->id);
        cr_assert_not_null(strstr(pdf, own), "%s report, PDF: no '%s' (%s)",
                           lang, own, def->id);
        if (strcmp(en, own) == 0) {
            continue;
        }
        differ++;
        cr_assert_null(strstr(html, en),
                       "%s report, HTML: English name '%s' of %s", lang, en,
                       def->id);
        cr_assert_null(strstr(pdf, en),
                       "%s report, PDF: English name '%s' of %s", lang, en,
                       def->id);
    }
    /* principle headings and the anonymous partner's service type */
    for (size_t i = 0; i < s_cat->n_principles; i++) {
        const char *name = bl_catalogue_principle_name(
            s_cat, s_cat->principles[i], lang);
        cr_assert_not_null(name);
        cr_assert_not_null(strstr(html, name), "%s report: no principle "
                           "'%s'", lang, name);
    }
    const char *type = bl_catalogue_service_type_name(s_cat,
                                                      "residential_care",
                                                      lang);
    cr_assert_not_null(strstr(html, type), "%s report: no '%s'", lang, type);
    free(pdf);
    free(html);
    report_i18n_destroy(&m);
    report_provider_destroy(&r);
    return differ;
}

Test(report_names, a_norwegian_report_shows_no_english_indicator_name)
{
    cr_assert_eq(s_check_language("NO", "no"), s_cat->n_indicators);
}

Test(report_names, a_portuguese_report_shows_no_english_indicator_name)
{
    cr_assert_eq(s_check_language("PT", "pt"), s_cat->n_indicators);
}

Test(report_names, an_estonian_report_shows_no_english_indicator_name)
{
    cr_assert_eq(s_check_language("EE", "et"), s_cat->n_indicators);
}

Test(report_names, a_lithuanian_report_shows_no_english_indicator_name)
{
    cr_assert_eq(s_check_language("LT", "lt"), s_cat->n_indicators);
}

Test(report_names, an_english_report_keeps_the_english_names)
{
    cr_assert_eq(s_check_language("NO", "en"), 0);
    report_provider_t *r = s_provider("NO");
    cr_assert_eq(report_names_provider(r, s_cat, "en"), 0);
    int k = bl_catalogue_find_indicator(s_cat, "LEA-01");
    cr_assert_str_eq(r->indicators[k].name, "Plan objectives achieved");
    cr_assert_eq(report_names_provider(r, s_cat, "no"), 0);
    cr_assert_str_eq(r->indicators[k].name, "Planmål nådd");
    report_provider_destroy(&r);
}

Test(report_names, catalogue_names_win_over_the_message_files)
{
    char path[128];
    snprintf(path, sizeof path, "%s/c.yaml", s_dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("catalogue: x\nversion: '1'\n"
          "service_types: [residential_care, day_services]\n"
          "service_type_names:\n"
          "  residential_care: {en: supported living, no: omsorgsbolig}\n"
          "principles: [staff, ethics]\n"
          "principle_names: {staff: {en: People, no: Folk}}\n"
          "indicators:\n"
          "  - {id: A-1, name: {en: Turnover, pt: Rotatividade},"
          " principle: staff, kind: value, direction: lower}\n",
          f);
    cr_assert_eq(fclose(f), 0);
    bl_catalogue_t *cat = NULL;
    cr_assert_eq(bl_catalogue_load(&cat, path, &s_diags), 0);
    report_i18n_t *m = NULL;
    cr_assert_eq(report_i18n_open(&m, S_MESSAGES, "no", NULL), 0);
    cr_assert_str_eq(report_i18n_get(m, "principle.staff"), "Ansatte");
    cr_assert_eq(report_names_messages(m, cat), 0);
    cr_assert_str_eq(report_i18n_get(m, "principle.staff"), "Folk");
    cr_assert_str_eq(report_i18n_get(m, "service_type.residential_care"),
                     "omsorgsbolig");
    /* what the catalogue does not name keeps the message files' words */
    cr_assert_str_eq(report_i18n_get(m, "principle.ethics"), "Etikk");
    cr_assert_str_eq(report_i18n_get(m, "service_type.day_services"),
                     "dagtilbud");
    report_i18n_destroy(&m);

    /* English: the catalogue's English over the English message file */
    cr_assert_eq(report_i18n_open(&m, S_MESSAGES, "en", NULL), 0);
    cr_assert_eq(report_names_messages(m, cat), 0);
    cr_assert_str_eq(report_i18n_get(m, "principle.staff"), "People");
    report_i18n_destroy(&m);

    /* a language the name lacks falls back to English; an unknown
     * indicator keeps its name */
    report_summary_t *s = report_summary_new();
    cr_assert_not_null(s);
    s->top_areas = calloc(2, sizeof *s->top_areas);
    s->band_dists = calloc(1, sizeof *s->band_dists);
    cr_assert(s->top_areas != NULL && s->band_dists != NULL);
    s->top_area_count = 2;
    s->top_areas[0].indicator_id = report_strdup("A-1");
    s->top_areas[0].name = report_strdup("Turnover");
    s->top_areas[1].indicator_id = report_strdup("GONE-1");
    s->top_areas[1].name = report_strdup("Dropped indicator");
    s->band_dist_count = 1;
    s->band_dists[0].indicator_id = report_strdup("A-1");
    cr_assert_eq(report_names_summary(s, cat, "pt"), 0);
    cr_assert_str_eq(s->top_areas[0].name, "Rotatividade");
    cr_assert_str_eq(s->top_areas[1].name, "Dropped indicator");
    cr_assert_str_eq(s->band_dists[0].name, "Rotatividade");
    cr_assert_eq(report_names_summary(s, cat, "no"), 0);
    cr_assert_str_eq(s->top_areas[0].name, "Turnover");
    report_summary_destroy(&s);
    bl_catalogue_destroy(&cat);
}
