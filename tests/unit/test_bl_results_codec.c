/*
 * Tests of bl_results_codec: provider results, the instances' statistics,
 * the summary and the message around them survive a round trip field by
 * field; a position refers to its statistics or (as earlier writers
 * sent it) carries them inline, and both decode; every
 * truncation, trailing bytes, oversized counts, an unknown kind and
 * strings longer than their field are refused without a crash.
 */
#include "bl_results_codec.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bl_results_group_t s_groups[3];
static bl_results_indicator_t s_ind[2];
static bl_results_area_t s_areas[1];
static char s_strengths[2][BL_RESULTS_ID_MAX] = {"RES-01", "SAT-01"};
static bl_results_unit_t s_units[1];
static bl_results_followup_t s_followups[2];
static bl_results_practice_t s_practices[2];

static void s_provider(bl_results_provider_t *p)
{
    memset(p, 0, sizeof *p);
    memset(s_groups, 0, sizeof s_groups);
    memset(s_ind, 0, sizeof s_ind);
    memset(s_areas, 0, sizeof s_areas);
    memset(s_units, 0, sizeof s_units);
    snprintf(p->id, sizeof p->id, "NO-0001");
    snprintf(p->name, sizeof p->name, "Bergen arbeid");
    snprintf(p->country, sizeof p->country, "NO");
    snprintf(p->service_type, sizeof p->service_type, "residential_care");
    p->share_identity = true;
    p->international_pending = true;
    bl_results_group_t *g = &s_groups[0];
    snprintf(g->id, sizeof g->id, "national");
    snprintf(g->key, sizeof g->key, "NO/residential_care");
    /* Statistics inline: the layout of earlier writers, still read. */
    g->has_stats = true;
    g->has_n = true;
    g->n = 12;
    g->mean = 51.5;
    g->sd = 3.25;
    g->min = 40;
    g->p10 = 41;
    g->p25 = 45;
    g->p50 = 50;
    g->p75 = 55;
    g->p90 = 60;
    g->max = 70;
    g->best_in_class = 60;
    g->percentile_rank = 62.5;
    g->band = 3;
    g->has_z = true;
    g->z = -0.25;
    g->has_reference = true;
    g->reference = 55;
    g->gap = 2.5;
    g = &s_groups[1];
    snprintf(g->id, sizeof g->id, "international");
    snprintf(g->key, sizeof g->key, "residential_care");
    g->too_few_peers = true;
    g->has_n = true;
    g->n = 3;
    g = &s_groups[2];
    snprintf(g->id, sizeof g->id, "all");
    g->too_few_peers = true;
    s_ind[0].status = 0;
    s_ind[0].has_value = true;
    s_ind[0].value = 52.5;
    s_ind[0].has_numerator = s_ind[0].has_denominator = true;
    s_ind[0].numerator = 21;
    s_ind[0].denominator = 40;
    s_ind[0].has_previous = true;
    s_ind[0].previous = 50;
    s_ind[0].n_groups = 3;
    s_ind[0].groups = s_groups;
    s_ind[1].status = 1;
    s_ind[1].has_n = true;
    s_ind[1].n = 3;
    p->n_indicators = 2;
    p->indicators = s_ind;
    snprintf(s_areas[0].indicator, sizeof s_areas[0].indicator, "RES-01");
    s_areas[0].n_partners = 2;
    s_areas[0].partners[0].named = true;
    snprintf(s_areas[0].partners[0].id, BL_RESULTS_PROVIDER_MAX, "PT-0002");
    snprintf(s_areas[0].partners[0].name, BL_RESULTS_NAME_MAX, "Lisboa");
    snprintf(s_areas[0].partners[0].service_type, BL_RESULTS_ID_MAX, "x");
    snprintf(s_areas[0].partners[0].country, 3, "PT");
    snprintf(s_areas[0].partners[1].service_type, BL_RESULTS_ID_MAX, "y");
    snprintf(s_areas[0].partners[1].country, 3, "EE");
    p->n_areas = 1;
    p->areas = s_areas;
    p->n_strengths = 2;
    p->strengths = s_strengths;
    snprintf(s_units[0].unit, sizeof s_units[0].unit, "site-1");
    snprintf(s_units[0].indicator, sizeof s_units[0].indicator, "RES-01");
    s_units[0].has_value = true;
    s_units[0].value = 48;
    p->n_units = 1;
    p->units = s_units;
    /* A1 moved from band 1 to band 3; A2 had no position afterwards. */
    snprintf(s_followups[0].action_id, BL_RESULTS_ID_MAX, "A1");
    snprintf(s_followups[0].indicator, BL_RESULTS_ID_MAX, "LEA-01");
    snprintf(s_followups[0].status, 16, "done");
    snprintf(s_followups[0].due, 16, "2025-06-30");
    s_followups[0].before =
        (bl_results_side_t){true, 10, true, 0, 1};
    s_followups[0].after =
        (bl_results_side_t){true, 65, true, 55.5, 3};
    snprintf(s_followups[1].action_id, BL_RESULTS_ID_MAX, "A2");
    snprintf(s_followups[1].indicator, BL_RESULTS_ID_MAX, "PSH-01");
    snprintf(s_followups[1].status, 16, "planned");
    snprintf(s_followups[1].due, 16, "2025-09-30");
    s_followups[1].before = (bl_results_side_t){true, 50, true, 44.4, 2};
    s_followups[1].after = (bl_results_side_t){false, 0, false, 0, 0};
    p->n_followups = 2;
    p->followups = s_followups;
    /* One practice by a provider that shares identity, one by one that
     * does not (its id, name and contact never leave). */
    bl_results_practice_t *x = &s_practices[0];
    snprintf(x->indicator, sizeof x->indicator, "RES-01");
    x->period = 2024;
    x->named = true;
    snprintf(x->id, sizeof x->id, "PT-005");
    snprintf(x->name, sizeof x->name, "Faro Caminho");
    snprintf(x->service_type, sizeof x->service_type, "residential_care");
    snprintf(x->country, sizeof x->country, "PT");
    snprintf(x->title, sizeof x->title, "Partner days");
    snprintf(x->description, sizeof x->description, "Twice a year");
    snprintf(x->contact, sizeof x->contact, "faro@example.org");
    x = &s_practices[1];
    snprintf(x->indicator, sizeof x->indicator, "RES-01");
    x->period = 2023;
    x->named = false;
    snprintf(x->id, sizeof x->id, "PT-004");
    snprintf(x->name, sizeof x->name, "Coimbra");
    snprintf(x->service_type, sizeof x->service_type, "residential_care");
    snprintf(x->country, sizeof x->country, "PT");
    snprintf(x->title, sizeof x->title, "Open doors");
    snprintf(x->description, sizeof x->description, "Weekly");
    snprintf(x->contact, sizeof x->contact, "coimbra@example.org");
    p->n_practices = 2;
    p->practices = s_practices;
}

static void s_encode_provider(bl_mpw_t *w)
{
    bl_results_provider_t p;
    s_provider(&p);
    bl_mpw_init(w);
    cr_assert_eq(bl_results_provider_encode(w, &p), 0);
}

Test(bl_results_codec, provider_round_trip_keeps_every_field, .timeout = 10)
{
    bl_results_provider_t in;
    s_provider(&in);
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_results_provider_encode(&w, &in), 0);
    bl_results_provider_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_provider_decode(bl_mpw_data(&w), bl_mpw_size(&w),
                                            &out, &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(out.id, "NO-0001");
    cr_assert_str_eq(out.name, "Bergen arbeid");
    cr_assert_str_eq(out.country, "NO");
    cr_assert_str_eq(out.service_type, "residential_care");
    cr_assert(out.share_identity);
    cr_assert(out.international_pending);
    cr_assert_not(out.has_previous_period);
    cr_assert_eq(out.n_indicators, 2);
    for (size_t k = 0; k < 2; k++) {
        const bl_results_indicator_t *a = &in.indicators[k];
        const bl_results_indicator_t *b = &out.indicators[k];
        cr_assert_eq(b->status, a->status);
        cr_assert_eq(b->has_value, a->has_value);
        cr_assert_eq(b->value, a->value);
        cr_assert_eq(b->has_n, a->has_n);
        cr_assert_eq(b->n, a->n);
        cr_assert_eq(b->numerator, a->numerator);
        cr_assert_eq(b->denominator, a->denominator);
        cr_assert_eq(b->has_previous, a->has_previous);
        cr_assert_eq(b->previous, a->previous);
        cr_assert_eq(b->n_groups, a->n_groups);
        for (size_t g = 0; g < a->n_groups; g++) {
            cr_assert_eq(memcmp(&b->groups[g], &a->groups[g],
                                sizeof b->groups[g]),
                         0, "indicator %zu group %zu", k, g);
        }
    }
    cr_assert_eq(out.n_areas, 1);
    cr_assert_eq(memcmp(&out.areas[0], &in.areas[0], sizeof out.areas[0]),
                 0);
    cr_assert_eq(out.n_strengths, 2);
    cr_assert_str_eq(out.strengths[1], "SAT-01");
    cr_assert_eq(out.n_units, 1);
    cr_assert_eq(memcmp(&out.units[0], &in.units[0], sizeof out.units[0]),
                 0);
    cr_assert_eq(out.n_followups, 2);
    for (size_t f = 0; f < 2; f++) {
        const bl_results_followup_t *a = &in.followups[f];
        const bl_results_followup_t *b = &out.followups[f];
        cr_assert_str_eq(b->action_id, a->action_id);
        cr_assert_str_eq(b->indicator, a->indicator);
        cr_assert_str_eq(b->status, a->status);
        cr_assert_str_eq(b->due, a->due);
        const bl_results_side_t *sa[] = {&a->before, &a->after};
        const bl_results_side_t *sb[] = {&b->before, &b->after};
        for (int x = 0; x < 2; x++) {
            cr_assert_eq(sb[x]->has_value, sa[x]->has_value);
            cr_assert_eq(sb[x]->has_rank, sa[x]->has_rank);
            cr_assert_eq(sb[x]->band, sa[x]->band, "followup %zu", f);
            if (sa[x]->has_value) {
                cr_assert_eq(sb[x]->value, sa[x]->value);
            }
            if (sa[x]->has_rank) {
                cr_assert_eq(sb[x]->rank, sa[x]->rank);
            }
        }
    }
    cr_assert_eq(out.n_practices, 2);
    cr_assert_eq(memcmp(&out.practices[0], &in.practices[0],
                        sizeof out.practices[0]),
                 0);
    const bl_results_practice_t *anon = &out.practices[1];
    cr_assert_not(anon->named);
    cr_assert_eq(anon->period, 2023);
    cr_assert_str_eq(anon->id, "");
    cr_assert_str_eq(anon->name, "");
    cr_assert_str_eq(anon->contact, "");
    cr_assert_str_eq(anon->title, "Open doors");
    cr_assert_str_eq(anon->description, "Weekly");
    cr_assert_str_eq(anon->country, "PT");
    bl_results_provider_free(&out);
    bl_results_provider_free(&out);
    cr_assert_null(out.indicators);
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, provider_without_followup_has_none, .timeout = 10)
{
    /* {"id": "NO-1", "ind": []}: what a writer before follow-ups sent */
    static const unsigned char old[] = {0x82, 0xa2, 'i', 'd', 0xa4, 'N', 'O',
                                        '-', '1', 0xa3, 'i', 'n', 'd', 0x90};
    bl_results_provider_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_provider_decode(old, sizeof old, &out, &err), 0,
                 "%s", err.msg);
    cr_assert_str_eq(out.id, "NO-1");
    cr_assert_eq(out.n_followups, 0);
    cr_assert_null(out.followups);
    bl_results_provider_free(&out);
}

Test(bl_results_codec, summary_round_trip_keeps_every_field, .timeout = 10)
{
    bl_results_participant_t parts[2] = {
        {"NO-0001", "Bergen", "NO", "potential", 40, 46, "2021-03-01"},
        {"NO-0002", "", "NO", "assurance", 46, 46, "2019-01-01"}};
    bl_results_bands_t bands[1] = {{"RES-01", "national", {1, 2, 3, 4}}};
    bl_results_area_count_t areas[1] = {{"SAT-02", 7}};
    bl_results_corr_t corrs[1] = {
        {"national", "NO/residential_care", "RES-01", "SAT-01", 25, -0.5}};
    bl_results_done_t done[1] = {{"LEA-01", 4, 3}};
    char hosts[] = "PT-003;PT-005";
    bl_results_need_t needs[2] = {
        {"PSH-01", "partnership", "NO", 2, 0, NULL, "international"},
        {"PSH-01", "partnership", "PT", 1, 3, hosts, "international"}};
    bl_results_summary_t in = {2, parts, 1,    bands, 1,    areas, 1,
                               corrs, 1, done, 2,     needs};
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_results_summary_encode(&w, &in), 0);
    bl_results_summary_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_summary_decode(bl_mpw_data(&w), bl_mpw_size(&w),
                                           &out, &err),
                 0, "%s", err.msg);
    cr_assert_eq(out.n_participants, 2);
    cr_assert_eq(memcmp(out.participants, parts, sizeof parts), 0);
    cr_assert_eq(out.n_bands, 1);
    cr_assert_eq(memcmp(out.bands, bands, sizeof bands), 0);
    cr_assert_eq(out.n_areas, 1);
    cr_assert_eq(memcmp(out.areas, areas, sizeof areas), 0);
    cr_assert_eq(out.n_corrs, 1);
    cr_assert_str_eq(out.corrs[0].key, "NO/residential_care");
    cr_assert_eq(out.corrs[0].n, 25);
    cr_assert_eq(out.corrs[0].rho, -0.5);
    cr_assert_eq(out.n_done, 1);
    cr_assert_str_eq(out.done[0].indicator, "LEA-01");
    cr_assert_eq(out.done[0].actions, 4);
    cr_assert_eq(out.done[0].done, 3);
    cr_assert_eq(out.n_needs, 2);
    for (size_t i = 0; i < 2; i++) {
        cr_assert_str_eq(out.needs[i].indicator, needs[i].indicator);
        cr_assert_str_eq(out.needs[i].principle, needs[i].principle);
        cr_assert_str_eq(out.needs[i].country, needs[i].country);
        cr_assert_eq(out.needs[i].in_need, needs[i].in_need);
        cr_assert_eq(out.needs[i].band4, needs[i].band4);
        cr_assert_str_eq(out.needs[i].event, needs[i].event);
    }
    cr_assert_null(out.needs[0].hosts);
    cr_assert_str_eq(out.needs[1].hosts, "PT-003;PT-005");
    bl_results_summary_free(&out);
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_encode_provider(&w);
    size_t len = bl_mpw_size(&w);
    cr_assert_gt(len, 200);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        cr_assert_not_null(copy);
        memcpy(copy, bl_mpw_data(&w), cut);
        bl_results_provider_t out;
        bl_err_t err = {0};
        cr_assert_eq(bl_results_provider_decode(copy, cut, &out, &err),
                     BL_EPROTO, "a cut at %zu of %zu was accepted", cut,
                     len);
        cr_assert_not_null(strstr(err.msg, "malformed"), "%s", err.msg);
        bl_results_provider_free(&out);
        free(copy);
    }
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, trailing_bytes_are_refused, .timeout = 10)
{
    bl_mpw_t w;
    s_encode_provider(&w);
    bl_mpw_nil(&w);
    bl_results_provider_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_provider_decode(bl_mpw_data(&w), bl_mpw_size(&w),
                                            &out, &err),
                 BL_EPROTO);
    bl_results_provider_free(&out);
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, oversized_counts_and_strings_are_refused,
     .timeout = 10)
{
    /* {"id": "NO-1", "ind": <array of 2^32-1>} */
    static const unsigned char huge[] = {0x82, 0xa2, 'i', 'd', 0xa4, 'N', 'O',
                                         '-', '1', 0xa3, 'i', 'n', 'd', 0xdd,
                                         0xff, 0xff, 0xff, 0xff};
    bl_results_provider_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_provider_decode(huge, sizeof huge, &out, &err),
                 BL_EPROTO);
    cr_assert_not_null(strstr(err.msg, "ind"), "%s", err.msg);
    bl_results_provider_free(&out);
    /* a provider id longer than its field */
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "id");
    char longid[200];
    memset(longid, 'A', sizeof longid - 1);
    longid[sizeof longid - 1] = '\0';
    bl_mpw_str(&w, longid);
    cr_assert_eq(bl_results_provider_decode(bl_mpw_data(&w), bl_mpw_size(&w),
                                            &out, &err),
                 BL_EPROTO);
    cr_assert_not_null(strstr(err.msg, "id"), "%s", err.msg);
    bl_results_provider_free(&out);
    /* a summary with more participants than bytes */
    static const unsigned char many[] = {0x81, 0xac, 'p', 'a', 'r', 't', 'i',
                                         'c', 'i', 'p', 'a', 'n', 't', 's',
                                         0xdd, 0x00, 0x10, 0x00, 0x00};
    bl_results_summary_t s;
    cr_assert_eq(bl_results_summary_decode(many, sizeof many, &s, &err),
                 BL_EPROTO);
    bl_results_summary_free(&s);
    bl_mpw_destroy(&w);
}

/* A results message of two encoded providers. */
static void s_encode_message(bl_mpw_t *w)
{
    bl_mpw_t items;
    bl_mpw_init(&items);
    bl_results_provider_t p;
    s_provider(&p);
    cr_assert_eq(bl_results_provider_encode(&items, &p), 0);
    snprintf(p.id, sizeof p.id, "NO-0002");
    cr_assert_eq(bl_results_provider_encode(&items, &p), 0);
    bl_mpw_init(w);
    cr_assert_eq(bl_results_write(w, 2025, 3, BL_RESULTS_PROVIDERS, &items,
                                  2),
                 0);
    bl_mpw_destroy(&items);
}

Test(bl_results_codec, message_round_trip_hands_over_each_item,
     .timeout = 10)
{
    bl_mpw_t w;
    s_encode_message(&w);
    bl_results_reader_t rd;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w),
                                 &err),
                 0, "%s", err.msg);
    cr_assert_eq(rd.period, 2025);
    cr_assert_eq(rd.generation, 3);
    cr_assert_eq(rd.kind, BL_RESULTS_PROVIDERS);
    cr_assert_eq(rd.n_items, 2);
    const char *ids[] = {"NO-0001", "NO-0002"};
    for (int i = 0; i < 2; i++) {
        const uint8_t *item;
        size_t len;
        cr_assert_eq(bl_results_next(&rd, &item, &len, &err), 0);
        char id[BL_RESULTS_PROVIDER_MAX];
        cr_assert_eq(bl_results_provider_id(item, len, id), 0);
        cr_assert_str_eq(id, ids[i]);
        bl_results_provider_t p;
        cr_assert_eq(bl_results_provider_decode(item, len, &p, &err), 0,
                     "%s", err.msg);
        cr_assert_str_eq(p.id, ids[i]);
        bl_results_provider_free(&p);
    }
    const uint8_t *item;
    size_t len;
    cr_assert_eq(bl_results_next(&rd, &item, &len, &err), BL_ENOTFOUND);
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, every_truncation_of_a_message_is_refused,
     .timeout = 30)
{
    bl_mpw_t w;
    s_encode_message(&w);
    size_t len = bl_mpw_size(&w);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        cr_assert_not_null(copy);
        memcpy(copy, bl_mpw_data(&w), cut);
        bl_results_reader_t rd;
        bl_err_t err = {0};
        /* The items, the message's last key, are checked as read. */
        int rc = bl_results_open(&rd, copy, cut, &err);
        const uint8_t *item;
        size_t item_len;
        while (rc == 0) {
            rc = bl_results_next(&rd, &item, &item_len, &err);
        }
        cr_assert_eq(rc, BL_EPROTO, "a cut at %zu of %zu was accepted", cut,
                     len);
        cr_assert_neq(err.msg[0], '\0');
        free(copy);
    }
    bl_mpw_destroy(&w);
}

/* Bytes after the last item of a message: its items are read as they
 * come (the list is the message's last key), so the read of the last one
 * refuses them; the first is handed over. */
Test(bl_results_codec, bytes_after_the_last_item_are_refused_when_read,
     .timeout = 30)
{
    bl_mpw_t w;
    s_encode_message(&w);
    bl_mpw_uint(&w, 7);
    bl_results_reader_t rd;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w),
                                 &err),
                 0, "%s", err.msg);
    const uint8_t *item;
    size_t len;
    cr_assert_eq(bl_results_next(&rd, &item, &len, &err), 0, "%s", err.msg);
    cr_assert_eq(bl_results_next(&rd, &item, &len, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "bytes after the last item") != NULL, "%s",
              err.msg);
    bl_mpw_destroy(&w);
}

/* A message with the given kind text and item count (one nil item). */
static int s_open_message(const char *kind, uint32_t count, bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 4);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 2025);
    bl_mpw_str(&w, "generation");
    bl_mpw_int(&w, 1);
    bl_mpw_str(&w, "kind");
    bl_mpw_str(&w, kind);
    bl_mpw_str(&w, "items");
    bl_mpw_array(&w, count);
    bl_mpw_nil(&w);
    bl_results_reader_t rd;
    int rc = bl_results_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w), err);
    bl_mpw_destroy(&w);
    return rc;
}

Test(bl_results_codec, malformed_messages_are_refused_with_the_field,
     .timeout = 10)
{
    bl_err_t err = {0};
    cr_assert_eq(s_open_message("summary", 1, &err), 0, "%s", err.msg);
    cr_assert_eq(s_open_message("totals", 1, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "kind") != NULL, "%s", err.msg);
    cr_assert_eq(s_open_message("summary", BL_RESULTS_ITEMS_MAX + 1, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "items") != NULL, "%s", err.msg);
    cr_assert_eq(s_open_message("summary", UINT32_MAX, &err), BL_EPROTO);
    cr_assert_eq(s_open_message("summary", 2, &err), BL_EPROTO);
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "period");
    bl_mpw_str(&w, "2025");
    bl_results_reader_t rd;
    cr_assert_eq(bl_results_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w),
                                 &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "period") != NULL, "%s", err.msg);
    bl_mpw_reset(&w);
    bl_mpw_uint(&w, 1);
    char id[BL_RESULTS_PROVIDER_MAX];
    cr_assert_eq(bl_results_provider_id(bl_mpw_data(&w), bl_mpw_size(&w),
                                        id),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
}

/* ---- instances' statistics, sent once ----------------------------------- */

static bl_results_stats_t s_stats(void)
{
    bl_results_stats_t st;
    memset(&st, 0, sizeof st);
    snprintf(st.indicator, sizeof st.indicator, "RES-01");
    snprintf(st.group, sizeof st.group, "national");
    snprintf(st.key, sizeof st.key, "NO/residential_care");
    st.n = 12;
    st.mean = 51.5;
    st.sd = 3.25;
    st.min = 40;
    st.p10 = 41;
    st.p25 = 45;
    st.p50 = 50;
    st.p75 = 55;
    st.p90 = 60;
    st.max = 70;
    st.best_in_class = 60;
    return st;
}

Test(bl_results_codec, stats_round_trip_keeps_every_field, .timeout = 10)
{
    bl_results_stats_t in = s_stats();
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_results_stats_encode(&w, &in), 0);
    bl_results_stats_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_stats_decode(bl_mpw_data(&w), bl_mpw_size(&w),
                                         &out, &err),
                 0, "%s", err.msg);
    cr_assert_eq(memcmp(&out, &in, sizeof out), 0);
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, every_truncation_of_stats_is_refused, .timeout = 10)
{
    bl_results_stats_t in = s_stats();
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_results_stats_encode(&w, &in), 0);
    bl_mpw_uint(&w, 7);  /* one byte too many */
    size_t len = bl_mpw_size(&w);
    for (size_t cut = 0; cut <= len; cut++) {
        if (cut == len - 1) {
            continue;  /* exactly the item */
        }
        bl_results_stats_t out;
        bl_err_t err = {0};
        cr_assert_eq(bl_results_stats_decode(bl_mpw_data(&w), cut, &out,
                                             &err),
                     BL_EPROTO, "a cut at %zu of %zu was accepted", cut, len);
        cr_assert_neq(err.msg[0], '\0');
    }
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, stats_message_hands_over_its_items, .timeout = 10)
{
    bl_mpw_t items, w;
    bl_mpw_init(&items);
    bl_mpw_init(&w);
    bl_results_stats_t in = s_stats();
    cr_assert_eq(bl_results_stats_encode(&items, &in), 0);
    snprintf(in.group, sizeof in.group, "international");
    snprintf(in.key, sizeof in.key, "residential_care");
    in.n = 400;
    cr_assert_eq(bl_results_stats_encode(&items, &in), 0);
    cr_assert_eq(bl_results_write(&w, 2025, 4, BL_RESULTS_STATS, &items, 2),
                 0);
    bl_results_reader_t rd;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w),
                                 &err),
                 0, "%s", err.msg);
    cr_assert_eq(rd.kind, BL_RESULTS_STATS);
    cr_assert_eq(rd.generation, 4);
    cr_assert_eq(rd.n_items, 2);
    const char *groups[] = {"national", "international"};
    const uint64_t ns[] = {12, 400};
    for (int i = 0; i < 2; i++) {
        const uint8_t *item;
        size_t len;
        cr_assert_eq(bl_results_next(&rd, &item, &len, &err), 0);
        bl_results_stats_t out;
        cr_assert_eq(bl_results_stats_decode(item, len, &out, &err), 0,
                     "%s", err.msg);
        cr_assert_str_eq(out.group, groups[i]);
        cr_assert_eq(out.n, ns[i]);
    }
    bl_mpw_destroy(&items);
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, position_without_stats_refers_to_them, .timeout = 10)
{
    bl_results_provider_t in;
    s_provider(&in);
    bl_mpw_t inline_w, w;
    bl_mpw_init(&inline_w);
    cr_assert_eq(bl_results_provider_encode(&inline_w, &in), 0);
    /* As the benchmarking daemon sends a position now: no statistics. */
    bl_results_group_t *g = &s_groups[0];
    g->has_stats = false;
    g->has_n = false;
    g->n = 0;
    g->mean = g->sd = g->min = g->p10 = g->p25 = g->p50 = 0;
    g->p75 = g->p90 = g->max = g->best_in_class = 0;
    bl_mpw_init(&w);
    cr_assert_eq(bl_results_provider_encode(&w, &in), 0);
    /* [12, ten doubles] (a header, a fixint, 10 x 9 bytes) becomes [] */
    cr_assert_eq(bl_mpw_size(&inline_w) - bl_mpw_size(&w), 1 + 1 + 90 - 1,
                 "%zu against %zu", bl_mpw_size(&inline_w),
                 bl_mpw_size(&w));
    bl_results_provider_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_provider_decode(bl_mpw_data(&w), bl_mpw_size(&w),
                                            &out, &err),
                 0, "%s", err.msg);
    bl_results_group_t *o = &out.indicators[0].groups[0];
    cr_assert_not(o->has_stats);
    cr_assert_not(o->too_few_peers);
    cr_assert_str_eq(o->id, "national");
    cr_assert_str_eq(o->key, "NO/residential_care");
    cr_assert_eq(o->percentile_rank, 62.5);
    cr_assert_eq(o->band, 3);
    cr_assert_eq(o->z, -0.25);
    cr_assert_eq(o->gap, 2.5);
    /* Too few peers keeps its count. */
    cr_assert(out.indicators[0].groups[1].too_few_peers);
    cr_assert_eq(out.indicators[0].groups[1].n, 3);
    /* Filled from the stats item, the entry is the inline one again. */
    bl_results_stats_t st = s_stats();
    bl_results_group_set_stats(o, &st);
    bl_results_provider_t old;
    cr_assert_eq(bl_results_provider_decode(bl_mpw_data(&inline_w),
                                            bl_mpw_size(&inline_w), &old,
                                            &err),
                 0, "%s", err.msg);
    cr_assert_eq(memcmp(o, &old.indicators[0].groups[0], sizeof *o), 0);
    bl_results_provider_free(&old);
    bl_results_provider_free(&out);
    bl_mpw_destroy(&inline_w);
    bl_mpw_destroy(&w);
}

/* The start of a provider's results with one indicator (value 52.5, or
 * none) and one group entry of national group key, up to the entry's
 * statistics. */
static void s_one_entry_head(bl_mpw_t *w, bool value, const char *key)
{
    bl_mpw_map(w, 2);
    bl_mpw_str(w, "id");
    bl_mpw_str(w, "NO-1");
    bl_mpw_str(w, "ind");
    bl_mpw_array(w, 1);
    bl_mpw_array(w, 7);
    bl_mpw_int(w, 0);
    if (value) {
        bl_mpw_double(w, 52.5);
    } else {
        bl_mpw_nil(w);
    }
    for (int i = 0; i < 4; i++) {
        bl_mpw_nil(w);
    }
    bl_mpw_array(w, 1);
    bl_mpw_array(w, 9);
    bl_mpw_str(w, "national");
    bl_mpw_str(w, key);
}

Test(bl_results_codec, old_layout_with_inline_stats_still_decodes,
     .timeout = 10)
{
    /* Byte for byte what the previous writer sent: a position with its
     * instance's statistics inline. */
    bl_mpw_t w;
    bl_mpw_init(&w);
    s_one_entry_head(&w, true, "NO/residential_care");
    bl_mpw_array(&w, 11);
    bl_mpw_uint(&w, 12);
    const double f[] = {51.5, 3.25, 40, 41, 45, 50, 55, 60, 70, 60};
    for (int i = 0; i < 10; i++) {
        bl_mpw_double(&w, f[i]);
    }
    bl_mpw_double(&w, 62.5);
    bl_mpw_int(&w, 3);
    bl_mpw_double(&w, -0.25);
    bl_mpw_nil(&w);
    bl_mpw_nil(&w);
    bl_mpw_double(&w, 40);
    bl_results_provider_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_provider_decode(bl_mpw_data(&w), bl_mpw_size(&w),
                                            &out, &err),
                 0, "%s", err.msg);
    const bl_results_group_t *g = &out.indicators[0].groups[0];
    cr_assert(g->has_stats);
    cr_assert(g->has_n);
    cr_assert_eq(g->n, 12);
    cr_assert_eq(g->mean, 51.5);
    cr_assert_eq(g->sd, 3.25);
    cr_assert_eq(g->p50, 50);
    cr_assert_eq(g->max, 70);
    cr_assert_eq(g->best_in_class, 60);
    cr_assert_eq(g->percentile_rank, 62.5);
    cr_assert_not(g->has_reference);
    cr_assert(g->has_previous_rank);
    cr_assert_eq(g->previous_rank, 40);
    bl_results_provider_free(&out);
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, a_position_with_other_stats_arity_is_refused,
     .timeout = 10)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    s_one_entry_head(&w, false, "NO");
    bl_mpw_array(&w, 1);
    bl_mpw_uint(&w, 12);
    bl_mpw_double(&w, 62.5);
    bl_mpw_int(&w, 3);
    for (int i = 0; i < 4; i++) {
        bl_mpw_nil(&w);
    }
    bl_results_provider_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_provider_decode(bl_mpw_data(&w), bl_mpw_size(&w),
                                            &out, &err),
                 BL_EPROTO);
    bl_results_provider_free(&out);
    bl_mpw_destroy(&w);
}

/* How often needle occurs in the len bytes at hay. */
static size_t s_count(const void *hay, size_t len, const char *needle)
{
    size_t n = 0, nl = strlen(needle);
    const char *p = hay;
    for (size_t i = 0; i + nl <= len; i++) {
        n += memcmp(p + i, needle, nl) == 0;
    }
    return n;
}

Test(bl_results_codec, group_names_are_written_once_and_read_by_index,
     .timeout = 10)
{
    /* The fixture's entries repeat one pair in both indicators. */
    bl_results_provider_t in;
    s_provider(&in);
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_results_provider_encode(&w, &in), 0);
    cr_assert_eq(s_count(bl_mpw_data(&w), bl_mpw_size(&w),
                         "NO/residential_care"), 1);
    bl_mpw_destroy(&w);

    /* More distinct pairs than the list holds: the first
     * BL_RESULTS_GROUPS_MAX by index, the others written out. */
    enum { PER = 40, IND = 2 };
    bl_results_indicator_t ind[IND];
    bl_results_group_t groups[IND][PER];
    memset(ind, 0, sizeof ind);
    memset(groups, 0, sizeof groups);
    bl_results_provider_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.id, sizeof p.id, "NO-1");
    p.n_indicators = IND;
    p.indicators = ind;
    for (int k = 0; k < IND; k++) {
        ind[k].status = 0;
        ind[k].n_groups = PER;
        ind[k].groups = groups[k];
        for (int g = 0; g < PER; g++) {
            bl_results_group_t *e = &groups[k][g];
            /* the first indicator's pairs again in the second, then new */
            int name = k == 1 && g < PER / 2 ? g : k * PER + g;
            snprintf(e->id, sizeof e->id, "g%d", name);
            snprintf(e->key, sizeof e->key, "key-%d", name);
            e->too_few_peers = true;
            e->has_n = true;
            e->n = (uint64_t)(k * PER + g);
        }
    }
    bl_mpw_init(&w);
    cr_assert_eq(bl_results_provider_encode(&w, &p), 0);
    bl_results_provider_t out;
    bl_err_t err = {0};
    cr_assert_eq(bl_results_provider_decode(bl_mpw_data(&w), bl_mpw_size(&w),
                                            &out, &err),
                 0, "%s", err.msg);
    cr_assert_eq(out.n_indicators, IND);
    for (int k = 0; k < IND; k++) {
        cr_assert_eq(out.indicators[k].n_groups, PER);
        for (int g = 0; g < PER; g++) {
            const bl_results_group_t *o = &out.indicators[k].groups[g];
            cr_assert_str_eq(o->id, groups[k][g].id);
            cr_assert_str_eq(o->key, groups[k][g].key);
            cr_assert_eq(o->n, groups[k][g].n);
        }
    }
    bl_results_provider_free(&out);
    bl_mpw_destroy(&w);
}

Test(bl_results_codec, a_group_index_out_of_the_list_is_refused,
     .timeout = 10)
{
    for (int late = 0; late < 2; late++) {
        bl_mpw_t w;
        bl_mpw_init(&w);
        bl_mpw_map(&w, 3);
        bl_mpw_str(&w, "id");
        bl_mpw_str(&w, "NO-1");
        if (!late) {
            bl_mpw_str(&w, "groups");
            bl_mpw_array(&w, 1);
            bl_mpw_array(&w, 2);
            bl_mpw_str(&w, "national");
            bl_mpw_str(&w, "NO");
        }
        bl_mpw_str(&w, "ind");
        bl_mpw_array(&w, 1);
        bl_mpw_array(&w, 7);
        bl_mpw_int(&w, 0);
        for (int i = 0; i < 5; i++) {
            bl_mpw_nil(&w);
        }
        bl_mpw_array(&w, 1);
        bl_mpw_array(&w, 9);
        bl_mpw_uint(&w, late ? 0 : 1);   /* the list has one pair */
        bl_mpw_nil(&w);
        bl_mpw_uint(&w, 3);
        for (int i = 0; i < 6; i++) {
            bl_mpw_nil(&w);
        }
        if (late) {   /* the list after the entries that use it */
            bl_mpw_str(&w, "groups");
            bl_mpw_array(&w, 1);
            bl_mpw_array(&w, 2);
            bl_mpw_str(&w, "national");
            bl_mpw_str(&w, "NO");
        }
        bl_results_provider_t out;
        bl_err_t err = {0};
        cr_assert_eq(bl_results_provider_decode(bl_mpw_data(&w),
                                                bl_mpw_size(&w), &out, &err),
                     BL_EPROTO, "late=%d", late);
        bl_results_provider_free(&out);
        bl_mpw_destroy(&w);
    }
}
