/*
 * Unit tests for bl_catalogue: a valid catalogue reads into the right
 * fields, the shipped config/catalogue.yaml is valid and complete, and each
 * kind of error is reported at its exact line and column, all in one run.
 */
#include <criterion/criterion.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_catalogue.h"
#include "bl_error.h"

#define S_DATA BL_SOURCE_DIR "/tests/data/config/"

static bl_diags_t s_diags;
static bl_catalogue_t *s_cat;
static char s_dir[64];

static void s_setup(void)
{
    memset(&s_diags, 0, sizeof s_diags);
    s_cat = NULL;
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_catalogue_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown(void)
{
    bl_catalogue_destroy(&s_cat);
    bl_diags_clear(&s_diags);
    char path[128];
    snprintf(path, sizeof path, "%s/c.yaml", s_dir);
    unlink(path);
    rmdir(s_dir);
}

TestSuite(bl_catalogue, .init = s_setup, .fini = s_teardown, .timeout = 10);

/* Loads a catalogue written from text into the test's directory. */
static int s_load_text(const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/c.yaml", s_dir);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    cr_assert_eq(fputs(text, fp) >= 0, true);
    cr_assert_eq(fclose(fp), 0);
    return bl_catalogue_load(&s_cat, path, &s_diags);
}

/* Asserts that a diagnostic containing `what` stands at line:column. */
static void s_expect(const char *what, size_t line, size_t column)
{
    for (size_t i = 0; i < s_diags.count; i++) {
        if (strstr(s_diags.items[i].message, what) != NULL) {
            cr_assert_eq(s_diags.items[i].line, line,
                         "'%s': line %zu, expected %zu", what,
                         s_diags.items[i].line, line);
            cr_assert_eq(s_diags.items[i].column, column,
                         "'%s': column %zu, expected %zu", what,
                         s_diags.items[i].column, column);
            return;
        }
    }
    cr_assert_fail("no diagnostic '%s' among %zu", what, s_diags.count);
}

static int s_load_bad(void)
{
    return bl_catalogue_load(&s_cat, S_DATA "cat-bad-indicators.yaml",
                             &s_diags);
}

Test(bl_catalogue, a_valid_catalogue_fills_every_field)
{
    cr_assert_eq(bl_catalogue_load(&s_cat, S_DATA "cat-min.yaml", &s_diags),
                 0);
    cr_assert_eq(s_diags.count, 0);
    cr_assert_str_eq(s_cat->name, "test");
    cr_assert_str_eq(s_cat->version, "1.0");
    cr_assert_eq(s_cat->n_service_types, 2);
    cr_assert(bl_catalogue_has_service_type(s_cat, "day_services"));
    cr_assert_not(bl_catalogue_has_service_type(s_cat, "residential_care"));
    cr_assert_eq(s_cat->n_principles, 2);
    cr_assert_eq(s_cat->n_surveys, 1);
    const bl_survey_t *s = &s_cat->surveys[0];
    cr_assert_eq(s->scale_min, 1);
    cr_assert_eq(s->scale_max, 5);
    cr_assert_eq(s->n_items, 2);
    cr_assert_str_eq(s->item_texts[1], "Respected");
    cr_assert_eq(bl_survey_find_item(s, "U2"), 1);
    cr_assert_eq(bl_survey_find_item(s, "U3"), -1);
    cr_assert_eq(s_cat->n_indicators, 3);

    const bl_indicator_t *r = &s_cat->indicators[0];
    cr_assert_str_eq(r->id, "A-01");
    cr_assert_eq(r->kind, BL_KIND_RATIO);
    cr_assert_float_eq(r->factor, 100.0, 1e-12);
    cr_assert_str_eq(r->unit, "%");
    cr_assert(r->has_range);
    cr_assert_float_eq(r->range_max, 100.0, 1e-12);
    cr_assert_eq(r->ref_kind, BL_REF_STAT);
    cr_assert_eq(r->ref_stat, BL_STAT_P75);
    cr_assert_str_eq(r->ref_group, "international");
    cr_assert_eq(r->survey, -1);

    const bl_indicator_t *sh = &s_cat->indicators[1];
    cr_assert_eq(sh->kind, BL_KIND_SURVEY_SHARE);
    cr_assert_eq(sh->survey, 0);
    cr_assert_eq(sh->n_items, 2);
    cr_assert_eq(sh->items[1], 1);
    cr_assert_float_eq(sh->threshold, 4.0, 1e-12);
    cr_assert_float_eq(sh->factor, 1.0, 1e-12);
    cr_assert_str_eq(sh->unit, "");
    cr_assert_not(sh->has_range);
    cr_assert_eq(sh->ref_kind, BL_REF_NONE);

    const bl_indicator_t *m = &s_cat->indicators[2];
    cr_assert_eq(m->kind, BL_KIND_SURVEY_MEAN);
    cr_assert_eq(m->direction, BL_DIR_LOWER);
    cr_assert_eq(m->items[0], 1);
    cr_assert_eq(m->ref_kind, BL_REF_VALUE);
    cr_assert_float_eq(m->ref_value, 3.5, 1e-12);
    cr_assert_eq(bl_catalogue_find_indicator(s_cat, "A-03"), 2);
    cr_assert_eq(bl_catalogue_find_indicator(s_cat, "A-04"), -1);
    cr_assert_eq(bl_catalogue_find_survey(s_cat, "user"), 0);
    cr_assert_eq(bl_catalogue_find_survey(s_cat, "staff"), -1);
}

Test(bl_catalogue, the_shipped_catalogue_loads_with_46_indicators)
{
    int rc = bl_catalogue_load(&s_cat, BL_SOURCE_DIR "/config/catalogue.yaml",
                               &s_diags);
    for (size_t i = 0; i < s_diags.count; i++) {
        char buf[1024];
        bl_diags_format(&s_diags, i, buf, sizeof buf);
        cr_log_error("%s", buf);
    }
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(s_cat->name, "elc");
    cr_assert_str_eq(s_cat->version, "2025.1");
    cr_assert_eq(s_cat->n_principles, 10);
    cr_assert_eq(s_cat->n_surveys, 3);
    cr_assert_eq(s_cat->surveys[bl_catalogue_find_survey(s_cat, "user")]
                     .n_items, 7);
    cr_assert_eq(s_cat->surveys[bl_catalogue_find_survey(s_cat, "staff")]
                     .n_items, 6);
    cr_assert_eq(s_cat->surveys[bl_catalogue_find_survey(s_cat,
                                                         "stakeholder")]
                     .n_items, 6);
    cr_assert(bl_catalogue_has_service_type(s_cat,
                                            "vocational_rehabilitation"));
    cr_assert_eq(s_cat->n_indicators, 46);

    size_t per_kind[5] = {0};
    for (size_t i = 0; i < s_cat->n_indicators; i++) {
        per_kind[s_cat->indicators[i].kind]++;
    }
    cr_assert_eq(per_kind[BL_KIND_RATIO], 24);
    cr_assert_eq(per_kind[BL_KIND_VALUE], 3);
    cr_assert_eq(per_kind[BL_KIND_SURVEY_SHARE], 12);
    cr_assert_eq(per_kind[BL_KIND_SURVEY_MEAN], 1);
    cr_assert_eq(per_kind[BL_KIND_STEPS], 6);

    /* every id at its index, by the index and by the walk (a catalogue
     * built by hand has no index) */
    cr_assert_not_null(s_cat->ind_slots);
    for (size_t i = 0; i < s_cat->n_indicators; i++) {
        const char *id = s_cat->indicators[i].id;
        cr_assert_eq(bl_catalogue_find_indicator(s_cat, id), (int)i, "%s", id);
        char near[64];
        snprintf(near, sizeof near, "%s ", id);
        cr_assert_eq(bl_catalogue_find_indicator(s_cat, near), -1);
    }
    uint16_t *slots = s_cat->ind_slots;
    for (size_t i = 0; i < s_cat->n_indicators; i++) {
        s_cat->ind_slots = NULL;
        int walked = bl_catalogue_find_indicator(s_cat, s_cat->indicators[i].id);
        s_cat->ind_slots = slots;
        cr_assert_eq(bl_catalogue_find_indicator(s_cat,
                                                 s_cat->indicators[i].id),
                     walked);
    }
    cr_assert_eq(bl_catalogue_find_indicator(s_cat, ""), -1);

    const bl_indicator_t *res01 =
        &s_cat->indicators[bl_catalogue_find_indicator(s_cat, "RES-01")];
    cr_assert_eq(res01->kind, BL_KIND_SURVEY_SHARE);
    cr_assert_float_eq(res01->threshold, 4.0, 1e-12);
    cr_assert_str_eq(s_cat->surveys[res01->survey].id, "user");
    cr_assert_eq(res01->n_items, 1);
    cr_assert_str_eq(s_cat->surveys[res01->survey].item_codes[res01->items[0]],
                     "U1");

    const bl_indicator_t *sta07 =
        &s_cat->indicators[bl_catalogue_find_indicator(s_cat, "STA-07")];
    cr_assert_eq(sta07->kind, BL_KIND_SURVEY_MEAN);
    cr_assert_eq(sta07->n_items, 6);

    const bl_indicator_t *lea04 =
        &s_cat->indicators[bl_catalogue_find_indicator(s_cat, "LEA-04")];
    cr_assert_eq(lea04->kind, BL_KIND_RATIO);
    cr_assert_eq(lea04->direction, BL_DIR_LOWER);
    cr_assert_float_eq(lea04->factor, 1.0, 1e-12);
    cr_assert_not(lea04->has_range);

    const bl_indicator_t *sta02 =
        &s_cat->indicators[bl_catalogue_find_indicator(s_cat, "STA-02")];
    cr_assert_float_eq(sta02->factor, 100.0, 1e-12);
    cr_assert(sta02->has_range);

    int dk = bl_catalogue_find_indicator(s_cat, "DK-2.3");
    cr_assert_geq(dk, 0);
    cr_assert_eq(s_cat->indicators[dk].kind, BL_KIND_STEPS);
    cr_assert_str_eq(s_cat->indicators[dk].principle, "leadership");
    cr_assert_eq(bl_catalogue_find_indicator(s_cat, "PSH-01") >= 0, true);
    cr_assert_eq(s_cat->indicators[bl_catalogue_find_indicator(s_cat,
                                                               "PSH-01")]
                     .kind, BL_KIND_VALUE);
}

Test(bl_catalogue, every_indicator_error_is_reported_in_one_run)
{
    cr_assert_eq(s_load_bad(), BL_ECONFIG);
    cr_assert_null(s_cat);
    cr_assert_eq(s_diags.count, 16);
    for (size_t i = 0; i < s_diags.count; i++) {
        cr_assert(strstr(s_diags.items[i].file, "cat-bad-indicators.yaml")
                  != NULL);
    }
}

Test(bl_catalogue, missing_required_keys_are_reported_at_the_indicator)
{
    s_load_bad();
    s_expect("'B-01': missing key 'principle'", 10, 5);
    s_expect("'B-01': missing key 'direction'", 10, 5);
}

Test(bl_catalogue, unknown_kind_is_reported_at_the_value)
{
    s_load_bad();
    s_expect("unknown kind 'rate'", 16, 11);
}

Test(bl_catalogue, unknown_principle_and_direction_are_reported)
{
    s_load_bad();
    s_expect("unknown principle 'quality'", 20, 16);
    s_expect("unknown direction 'up'", 22, 16);
}

Test(bl_catalogue, duplicate_indicator_id_names_the_first)
{
    s_load_bad();
    s_expect("duplicate indicator id 'B-01' (first at line 10)", 23, 9);
}

Test(bl_catalogue, unknown_indicator_key_is_reported_at_the_key)
{
    s_load_bad();
    s_expect("unknown key 'weight' in indicator 'B-05'", 33, 5);
}

Test(bl_catalogue, factor_must_be_positive)
{
    s_load_bad();
    s_expect("factor -100 is not a positive number", 39, 13);
}

Test(bl_catalogue, range_min_above_max_is_an_error)
{
    s_load_bad();
    s_expect("'B-06': range: min 100 is above max 0", 40, 12);
}

Test(bl_catalogue, range_must_hold_two_numbers)
{
    s_load_bad();
    s_expect("'B-07': range: 'high' is not a number", 46, 16);
}

Test(bl_catalogue, reference_stat_must_be_known)
{
    s_load_bad();
    s_expect("unknown stat 'p99'", 52, 23);
}

Test(bl_catalogue, reference_value_must_be_a_number)
{
    s_load_bad();
    s_expect("'B-09': reference value: 'lots' is not a number", 58, 24);
}

Test(bl_catalogue, unknown_survey_is_reported_at_the_value)
{
    s_load_bad();
    s_expect("unknown survey 'clients'", 64, 13);
}

Test(bl_catalogue, unknown_item_is_reported_at_the_item)
{
    s_load_bad();
    s_expect("unknown item 'U9' of survey 'user'", 72, 17);
}

Test(bl_catalogue, threshold_must_lie_within_the_scale)
{
    s_load_bad();
    s_expect("threshold 6 is outside the scale [1, 5]", 73, 16);
}

Test(bl_catalogue, survey_share_needs_a_threshold)
{
    s_load_bad();
    s_expect("'B-12': missing key 'threshold'", 74, 5);
}

Test(bl_catalogue, top_level_errors_are_all_reported)
{
    cr_assert_eq(bl_catalogue_load(&s_cat, S_DATA "cat-bad-top.yaml",
                                   &s_diags),
                 BL_ECONFIG);
    cr_assert_eq(s_diags.count, 5);
    s_expect("missing key 'version'", 1, 1);
    s_expect("service_types: the list is empty", 2, 16);
    s_expect("principles: 'leadership' is listed twice", 3, 26);
    s_expect("scale: min 5 is not below max 1", 6, 12);
    s_expect("unknown key 'colour' in the catalogue", 14, 1);
}

Test(bl_catalogue, duplicate_item_code_is_reported_at_the_second)
{
    cr_assert_eq(bl_catalogue_load(&s_cat, S_DATA "cat-dup-item.yaml",
                                   &s_diags),
                 BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    s_expect("duplicate key 'U1' (first at line 9)", 10, 7);
}

Test(bl_catalogue, version_written_as_a_number_keeps_its_text)
{
    int rc = s_load_text("catalogue: x\nversion: 2025.10\n"
                         "service_types: [a]\nprinciples: [p]\n"
                         "indicators:\n"
                         "  - {id: V-1, name: n, principle: p, kind: steps,"
                         " direction: higher}\n");
    cr_assert_eq(rc, 0);
    cr_assert_str_eq(s_cat->version, "2025.10");
    cr_assert_eq(s_cat->n_surveys, 0);
}

Test(bl_catalogue, survey_keys_on_other_kinds_are_errors)
{
    int rc = s_load_text("catalogue: x\nversion: '1'\n"
                         "service_types: [a]\nprinciples: [p]\n"
                         "indicators:\n"
                         "  - id: V-1\n"
                         "    name: n\n"
                         "    principle: p\n"
                         "    kind: value\n"
                         "    direction: higher\n"
                         "    factor: 100\n"
                         "    threshold: 4\n");
    cr_assert_eq(rc, BL_ECONFIG);
    cr_assert_eq(s_diags.count, 2);
    s_expect("factor applies only to ratio indicators", 11, 13);
    s_expect("'threshold' applies only to survey indicators", 12, 5);
}

Test(bl_catalogue, reference_needs_stat_and_group_or_value_alone)
{
    int rc = s_load_text("catalogue: x\nversion: '1'\n"
                         "service_types: [a]\nprinciples: [p]\n"
                         "indicators:\n"
                         "  - {id: V-1, name: n, principle: p, kind: value,\n"
                         "     direction: higher, reference: {stat: p50}}\n"
                         "  - {id: V-2, name: n, principle: p, kind: value,\n"
                         "     direction: higher,\n"
                         "     reference: {value: 1, stat: p50}}\n");
    cr_assert_eq(rc, BL_ECONFIG);
    cr_assert_eq(s_diags.count, 2);
    s_expect("'V-1': reference: missing key 'group'", 7, 36);
    s_expect("'V-2': reference: give either", 10, 17);
}

Test(bl_catalogue, survey_without_items_and_bad_item_code)
{
    int rc = s_load_text("catalogue: x\nversion: '1'\n"
                         "service_types: [a]\nprinciples: [p]\n"
                         "surveys:\n"
                         "  user: {scale: [1, 5]}\n"
                         "  staff:\n"
                         "    scale: [1, 5.5]\n"
                         "    items: {S 1: a, survey: b}\n"
                         "indicators:\n"
                         "  - {id: V-1, name: n, principle: p, kind: steps,"
                         " direction: higher}\n");
    cr_assert_eq(rc, BL_ECONFIG);
    cr_assert_eq(s_diags.count, 4);
    s_expect("survey 'user': missing key 'items'", 6, 9);
    s_expect("scale: '5.5' is not an integer", 8, 16);
    s_expect("item code: 'S 1' is not a valid id", 9, 13);
    s_expect("item code 'survey' is a fixed survey column", 9, 21);
}

Test(bl_catalogue, an_empty_file_is_an_error)
{
    cr_assert_eq(s_load_text("# nothing\n"), BL_ECONFIG);
    cr_assert_eq(s_diags.count, 1);
    cr_assert_str_eq(s_diags.items[0].message, "the file holds no catalogue");
}

Test(bl_catalogue, missing_file_returns_minus_enoent)
{
    cr_assert_eq(bl_catalogue_load(&s_cat, S_DATA "nope.yaml", &s_diags),
                 -ENOENT);
    cr_assert_null(s_cat);
    cr_assert_eq(s_diags.count, 1);
}

Test(bl_catalogue, names_of_kinds_directions_and_stats)
{
    cr_assert_str_eq(bl_kind_name(BL_KIND_SURVEY_SHARE), "survey_share");
    cr_assert_str_eq(bl_kind_name(BL_KIND_STEPS), "steps");
    cr_assert_str_eq(bl_direction_name(BL_DIR_LOWER), "lower");
    cr_assert_str_eq(bl_stat_name(BL_STAT_BEST_IN_CLASS), "best_in_class");
    cr_assert_str_eq(bl_stat_name(BL_STAT_P10), "p10");
}

Test(bl_catalogue, destroy_is_harmless_twice_and_on_null)
{
    cr_assert_eq(bl_catalogue_load(&s_cat, S_DATA "cat-min.yaml", &s_diags),
                 0);
    bl_catalogue_destroy(&s_cat);
    cr_assert_null(s_cat);
    bl_catalogue_destroy(&s_cat);
    bl_catalogue_destroy(NULL);
}

/* ---- texts in several languages (SPEC section 3) ------------------------ */

#define S_TEXT_HEAD                                                         \
    "catalogue: x\nversion: '1'\n"                                          \
    "service_types: [home_care, day_services]\n"                           \
    "principles: [rights, ethics]\n"

Test(bl_catalogue, a_name_may_be_a_map_of_languages)
{
    int rc = s_load_text(S_TEXT_HEAD
                         "indicators:\n"
                         "  - id: V-1\n"
                         "    name: {no: \"Planmål nådd\", en: \"Plan "
                         "objectives achieved\", lt: \"Pasiekti plano "
                         "tikslai\"}\n"
                         "    principle: rights\n"
                         "    kind: steps\n"
                         "    direction: higher\n");
    cr_assert_eq(rc, 0);
    const bl_indicator_t *ind = &s_cat->indicators[0];
    cr_assert_eq(ind->name_i18n.n, 3);
    cr_assert_str_eq(ind->name_i18n.pairs[0].lang, "no");
    /* the plain field keeps the English text, wherever it stands */
    cr_assert_str_eq(ind->name, "Plan objectives achieved");
    cr_assert_str_eq(bl_catalogue_text(&ind->name_i18n, "no"),
                     "Planmål nådd");
    cr_assert_str_eq(bl_catalogue_text(&ind->name_i18n, "lt"),
                     "Pasiekti plano tikslai");
    /* a language not given falls back to English */
    cr_assert_str_eq(bl_catalogue_text(&ind->name_i18n, "pt"),
                     "Plan objectives achieved");
    cr_assert_str_eq(bl_catalogue_text(&ind->name_i18n, NULL),
                     "Plan objectives achieved");
}

Test(bl_catalogue, without_english_the_first_language_is_the_fallback)
{
    int rc = s_load_text(S_TEXT_HEAD
                         "indicators:\n"
                         "  - {id: V-1, name: {et: Eesti, lt: Lietuva},"
                         " principle: rights, kind: steps,"
                         " direction: higher}\n");
    cr_assert_eq(rc, 0);
    const bl_indicator_t *ind = &s_cat->indicators[0];
    cr_assert_str_eq(ind->name, "Eesti");
    cr_assert_str_eq(bl_catalogue_text(&ind->name_i18n, "lt"), "Lietuva");
    cr_assert_str_eq(bl_catalogue_text(&ind->name_i18n, "no"), "Eesti");
    cr_assert_str_eq(bl_catalogue_text(&ind->name_i18n, "en"), "Eesti");
}

Test(bl_catalogue, a_plain_string_serves_every_language)
{
    cr_assert_eq(bl_catalogue_load(&s_cat, S_DATA "cat-min.yaml", &s_diags),
                 0);
    const bl_indicator_t *ind = &s_cat->indicators[0];
    cr_assert_eq(ind->name_i18n.n, 1);
    cr_assert_str_eq(ind->name, "A ratio");
    cr_assert_str_eq(bl_catalogue_text(&ind->name_i18n, "no"), "A ratio");
    cr_assert_str_eq(bl_catalogue_text(&ind->name_i18n, "en"), "A ratio");
    const bl_survey_t *s = &s_cat->surveys[0];
    cr_assert_str_eq(bl_catalogue_text(&s->item_i18n[1], "pt"), "Respected");
    /* no principle_names or service_type_names: the caller's own words */
    cr_assert_null(bl_catalogue_principle_name(s_cat, "staff", "no"));
    cr_assert_null(bl_catalogue_service_type_name(s_cat, "home_care", "no"));
    cr_assert_null(bl_catalogue_text(NULL, "no"));
}

Test(bl_catalogue, item_wordings_principle_and_service_type_names)
{
    int rc = s_load_text(S_TEXT_HEAD
                         "service_type_names:\n"
                         "  home_care: {en: home care, no: hjemmetjenester}\n"
                         "principle_names:\n"
                         "  ethics: {en: Ethics, pt: Ética}\n"
                         "  rights: Rights\n"
                         "surveys:\n"
                         "  user:\n"
                         "    scale: [1, 5]\n"
                         "    items:\n"
                         "      U1: {en: \"I feel safe here\","
                         " no: \"Jeg føler meg trygg her\"}\n"
                         "      U2: Respected\n"
                         "indicators:\n"
                         "  - {id: V-1, name: n, principle: rights,"
                         " kind: survey_mean, direction: higher,"
                         " survey: user, items: [U1]}\n");
    cr_assert_eq(rc, 0, "%zu diags: %s", s_diags.count,
                 s_diags.count ? s_diags.items[0].message : "");
    const bl_survey_t *s = &s_cat->surveys[0];
    cr_assert_eq(s->n_items, 2);
    cr_assert_str_eq(s->item_texts[0], "I feel safe here");
    cr_assert_str_eq(bl_catalogue_text(&s->item_i18n[0], "no"),
                     "Jeg føler meg trygg her");
    cr_assert_str_eq(bl_catalogue_text(&s->item_i18n[0], "et"),
                     "I feel safe here");
    cr_assert_str_eq(bl_catalogue_principle_name(s_cat, "ethics", "pt"),
                     "Ética");
    cr_assert_str_eq(bl_catalogue_principle_name(s_cat, "ethics", "lt"),
                     "Ethics");
    cr_assert_str_eq(bl_catalogue_principle_name(s_cat, "rights", "no"),
                     "Rights");
    cr_assert_null(bl_catalogue_principle_name(s_cat, "staff", "no"));
    cr_assert_str_eq(bl_catalogue_service_type_name(s_cat, "home_care",
                                                    "no"),
                     "hjemmetjenester");
    cr_assert_null(bl_catalogue_service_type_name(s_cat, "day_services",
                                                  "no"));
}

Test(bl_catalogue, wrong_shapes_of_texts_are_reported_at_their_place)
{
    int rc = s_load_text(S_TEXT_HEAD
                         "principle_names:\n"
                         "  rights: {en: Rights, NO: Rettigheter}\n"
                         "  quality: Quality\n"
                         "service_type_names: [home_care]\n"
                         "surveys:\n"
                         "  user:\n"
                         "    scale: [1, 5]\n"
                         "    items:\n"
                         "      U1: {en: [a, b]}\n"
                         "      U2: {}\n"
                         "indicators:\n"
                         "  - id: V-1\n"
                         "    name: {english: n}\n"
                         "    principle: rights\n"
                         "    kind: steps\n"
                         "    direction: higher\n"
                         "  - id: V-2\n"
                         "    name: [n]\n"
                         "    principle: rights\n"
                         "    kind: steps\n"
                         "    direction: higher\n"
                         "  - {id: V-3, name: {en: n, no: ''},"
                         " principle: rights, kind: steps,"
                         " direction: higher}\n"
                         "  - {id: V-4, name: {en: {a: b}},"
                         " principle: rights, kind: steps,"
                         " direction: higher}\n");
    cr_assert_eq(rc, BL_ECONFIG);
    cr_assert_null(s_cat);
    s_expect("principle_names: rights: 'NO' is not a language code "
             "(2 or 3 lower-case letters, e.g. en)", 6, 24);
    s_expect("principle_names: 'quality' is not one of the catalogue's "
             "principles", 7, 3);
    s_expect("service_type_names: expected a map from id to name, got a "
             "sequence", 8, 21);
    s_expect("survey 'user': item U1: en: expected a string, got a sequence",
             13, 16);
    s_expect("survey 'user': item U2: the map of languages is empty", 14, 11);
    s_expect("indicator 'V-1': name: 'english' is not a language code", 17,
             12);
    s_expect("indicator 'V-2': name: expected a string or a map from "
             "language code to text", 22, 11);
    s_expect("indicator 'V-3': name: no: the text is empty", 26, 33);
    s_expect("indicator 'V-4': name: en: expected a string, got a mapping",
             27, 26);
    cr_assert_eq(s_diags.count, 9);
}

/* Every text people read in the shipped catalogue, in the five languages. */
static void s_expect_five(const bl_text_t *t, const char *what)
{
    static const char *const langs[] = {"en", "no", "pt", "et", "lt"};
    cr_assert_eq(t->n, 5, "%s: %zu languages, expected 5", what, t->n);
    for (size_t i = 0; i < 5; i++) {
        cr_assert_str_eq(t->pairs[i].lang, langs[i],
                         "%s: language %zu is '%s', expected '%s'", what, i,
                         t->pairs[i].lang, langs[i]);
        cr_assert_gt(strlen(t->pairs[i].text), 0, "%s: %s is empty", what,
                     langs[i]);
    }
}

Test(bl_catalogue, the_shipped_catalogue_gives_every_text_in_five_languages)
{
    cr_assert_eq(bl_catalogue_load(&s_cat,
                                   BL_SOURCE_DIR "/config/catalogue.yaml",
                                   &s_diags),
                 0);
    char what[128];
    for (size_t i = 0; i < s_cat->n_indicators; i++) {
        const bl_indicator_t *ind = &s_cat->indicators[i];
        snprintf(what, sizeof what, "indicator %s", ind->id);
        s_expect_five(&ind->name_i18n, what);
        cr_assert_str_eq(ind->name, bl_catalogue_text(&ind->name_i18n, "en"));
    }
    for (size_t i = 0; i < s_cat->n_surveys; i++) {
        const bl_survey_t *s = &s_cat->surveys[i];
        for (size_t j = 0; j < s->n_items; j++) {
            snprintf(what, sizeof what, "item %s", s->item_codes[j]);
            s_expect_five(&s->item_i18n[j], what);
        }
    }
    cr_assert_not_null(s_cat->principle_names);
    for (size_t i = 0; i < s_cat->n_principles; i++) {
        snprintf(what, sizeof what, "principle %s", s_cat->principles[i]);
        s_expect_five(&s_cat->principle_names[i], what);
    }
    cr_assert_not_null(s_cat->service_type_names);
    for (size_t i = 0; i < s_cat->n_service_types; i++) {
        snprintf(what, sizeof what, "service type %s",
                 s_cat->service_types[i]);
        s_expect_five(&s_cat->service_type_names[i], what);
    }
    int lea = bl_catalogue_find_indicator(s_cat, "LEA-01");
    cr_assert_str_eq(s_cat->indicators[lea].name, "Plan objectives achieved");
    cr_assert_str_eq(bl_catalogue_text(&s_cat->indicators[lea].name_i18n,
                                       "no"),
                     "Planmål nådd");
}
