/*
 * Tests of bl_records_codec: a records message with one record of each
 * kind survives a round trip field by field (answers, the register entry
 * and the learning rows too); every truncation, trailing bytes, an
 * oversized count, an unknown record, too many answers, an over-long id
 * and a wrong type are refused with the field named.
 */
#include "bl_records_codec.h"
#include "bl_test_codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#define S_NO_ANSWER (-1000000)

static const int s_answers[] = {4, S_NO_ANSWER, 1, 5};

static void s_encode(bl_mpw_t *w)
{
    bl_mpw_t recs;
    bl_mpw_init(&recs);
    bl_record_indicator_t ind = {.period = 2025, .has_numerator = true,
                                 .numerator = 3, .has_denominator = true,
                                 .denominator = 4, .has_value = false};
    strcpy(ind.provider, "NO-0001");
    strcpy(ind.unit, "bergen-east");
    strcpy(ind.indicator, "RES-01");
    bl_records_write_indicator(&recs, &ind);
    bl_record_survey_t sv = {.period = 2025, .n_answers = 4,
                             .answers = s_answers,
                             .no_answer = S_NO_ANSWER};
    strcpy(sv.provider, "NO-0001");
    strcpy(sv.survey, "SAT");
    strcpy(sv.respondent, "r-0042");
    bl_records_write_survey(&recs, &sv);
    bl_register_entry_t e = {.users = 10, .staff = 3,
                             .share_identity = true};
    strcpy(e.name, "Bergen omsorg");
    strcpy(e.country, "NO");
    strcpy(e.service_type, "home_care");
    strcpy(e.membership, "full");
    bl_records_write_register(&recs, "NO-0001", &e);
    bl_learning_action_t a = {.period = 2025, .line = 9};
    strcpy(a.provider, "NO-0001");
    strcpy(a.action_id, "act-1");
    strcpy(a.indicator, "RES-01");
    a.action = bl_learning_text("Review plans");
    a.owner = bl_learning_text("Kari");
    strcpy(a.due, "2026-01-31");
    strcpy(a.status, "planned");
    strcpy(a.sub, "no-1-000005");
    bl_learning_write_action(&recs, &a);
    bl_learning_practice_t p = {.period = 2025, .line = 2};
    strcpy(p.provider, "NO-0001");
    strcpy(p.indicator, "SAT-01");
    p.title = bl_learning_text("Open kitchen");
    p.description = bl_learning_text("Twice a week");
    p.contact = bl_learning_text("");
    strcpy(p.sub, "no-1-000006");
    bl_learning_write_practice(&recs, &p);
    bl_mpw_init(w);
    cr_assert_eq(bl_records_write(w, "no-1-000004", &recs, 5), 0);
    bl_mpw_destroy(&recs);
}

static int s_decode_all(const void *data, size_t len, bl_err_t *err)
{
    bl_records_reader_t rd;
    int rc = bl_records_open(&rd, data, len, err);
    if (rc != 0) {
        return rc;
    }
    bl_record_t rec;
    while ((rc = bl_records_next(&rd, &rec, err)) == 0) {
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
}

Test(bl_records_codec, round_trip_keeps_every_field, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_records_reader_t rd;
    bl_err_t err = {0};
    cr_assert_eq(bl_records_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w),
                                 &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(rd.sub, "no-1-000004");
    cr_assert_eq(rd.n_recs, 5);
    bl_record_t rec;

    cr_assert_eq(bl_records_next(&rd, &rec, &err), 0, "%s", err.msg);
    cr_assert_eq(rec.kind, BL_RECORD_INDICATOR);
    cr_assert_str_eq(rec.indicator.provider, "NO-0001");
    cr_assert_str_eq(rec.indicator.unit, "bergen-east");
    cr_assert_eq(rec.indicator.period, 2025);
    cr_assert_str_eq(rec.indicator.indicator, "RES-01");
    cr_assert(rec.indicator.has_numerator);
    cr_assert_eq(rec.indicator.numerator, 3);
    cr_assert(rec.indicator.has_denominator);
    cr_assert_eq(rec.indicator.denominator, 4);
    cr_assert_not(rec.indicator.has_value);

    cr_assert_eq(bl_records_next(&rd, &rec, &err), 0, "%s", err.msg);
    cr_assert_eq(rec.kind, BL_RECORD_SURVEY);
    cr_assert_str_eq(rec.survey.unit, "");
    cr_assert_str_eq(rec.survey.survey, "SAT");
    cr_assert_str_eq(rec.survey.respondent, "r-0042");
    cr_assert_eq(rec.survey.n_answers, 4);
    bl_mpr_t r;
    bl_mpr_init(&r, rec.survey.answers_raw, rec.survey.answers_len);
    uint32_t n;
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(n, 4);
    for (uint32_t i = 0; i < n; i++) {
        bool given;
        int64_t v;
        cr_assert_eq(bl_records_read_answer(&r, &given, &v), 0);
        cr_assert_eq(given, s_answers[i] != S_NO_ANSWER);
        if (given) {
            cr_assert_eq(v, s_answers[i]);
        }
    }
    cr_assert(bl_mpr_done(&r));

    cr_assert_eq(bl_records_next(&rd, &rec, &err), 0, "%s", err.msg);
    cr_assert_eq(rec.kind, BL_RECORD_REGISTER);
    cr_assert_str_eq(rec.provider, "NO-0001");
    cr_assert_str_eq(rec.entry.name, "Bergen omsorg");
    cr_assert_str_eq(rec.entry.service_type, "home_care");
    cr_assert_eq(rec.entry.users, 10);
    cr_assert(rec.entry.share_identity);
    bl_register_entry_t again;
    cr_assert_eq(bl_register_decode_entry(rec.entry_raw, rec.entry_len,
                                          &again, NULL),
                 0);
    cr_assert_eq(again.staff, 3);

    cr_assert_eq(bl_records_next(&rd, &rec, &err), 0, "%s", err.msg);
    cr_assert_eq(rec.kind, BL_RECORD_ACTION);
    cr_assert_eq(rec.learning.kind, BL_LEARNING_ACTION);
    cr_assert_str_eq(rec.learning.action.action_id, "act-1");
    cr_assert_eq(rec.learning.action.owner.len, 4);
    cr_assert_eq(rec.learning.action.line, 9);

    cr_assert_eq(bl_records_next(&rd, &rec, &err), 0, "%s", err.msg);
    cr_assert_eq(rec.kind, BL_RECORD_PRACTICE);
    cr_assert_eq(rec.learning.kind, BL_LEARNING_PRACTICE);
    cr_assert_str_eq(rec.learning.practice.indicator, "SAT-01");
    cr_assert_eq(rec.learning.practice.contact.len, 0);

    cr_assert_eq(bl_records_next(&rd, &rec, &err), BL_ENOTFOUND);
    bl_mpw_destroy(&w);
}

Test(bl_records_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_test_codec_cuts_refused(&w, s_decode_all);
    bl_mpw_destroy(&w);
}

Test(bl_records_codec, trailing_bytes_are_refused, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_test_codec_trailing_refused(&w, s_decode_all);
    bl_mpw_destroy(&w);
}

static int s_decode_one(uint32_t count, void (*fill)(bl_mpw_t *),
                        bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 2);
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, "no-1-000001");
    bl_mpw_str(&w, "recs");
    bl_mpw_array(&w, count);
    fill(&w);
    int rc = s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), err);
    bl_mpw_destroy(&w);
    return rc;
}

static void s_rec_good(bl_mpw_t *w)
{
    bl_record_indicator_t ind = {.period = 2025, .has_value = true,
                                 .value = 1.5};
    strcpy(ind.provider, "NO-0001");
    strcpy(ind.indicator, "RES-02");
    bl_records_write_indicator(w, &ind);
}

static void s_rec_unknown(bl_mpw_t *w)
{
    bl_mpw_array(w, 2);
    bl_mpw_str(w, "z");
    bl_mpw_nil(w);
}

static void s_rec_indicator_seven(bl_mpw_t *w)
{
    bl_mpw_array(w, 7);
    bl_mpw_str(w, "i");
    bl_mpw_str(w, "NO-0001");
    bl_mpw_str(w, "");
    bl_mpw_int(w, 2025);
    bl_mpw_str(w, "RES-01");
    bl_mpw_nil(w);
    bl_mpw_nil(w);
}

static void s_rec_text_value(bl_mpw_t *w)
{
    bl_mpw_array(w, 8);
    bl_mpw_str(w, "i");
    bl_mpw_str(w, "NO-0001");
    bl_mpw_str(w, "");
    bl_mpw_int(w, 2025);
    bl_mpw_str(w, "RES-01");
    bl_mpw_nil(w);
    bl_mpw_nil(w);
    bl_mpw_str(w, "0.5");
}

static void s_rec_long_provider(bl_mpw_t *w)
{
    char id[BL_RECORDS_ID_MAX + 1];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    bl_record_indicator_t ind = {.period = 2025};
    bl_mpw_array(w, 8);
    bl_mpw_str(w, "i");
    bl_mpw_str(w, id);
    bl_mpw_str(w, "");
    bl_mpw_int(w, ind.period);
    bl_mpw_str(w, "RES-01");
    bl_mpw_nil(w);
    bl_mpw_nil(w);
    bl_mpw_nil(w);
}

static void s_rec_many_answers(bl_mpw_t *w)
{
    bl_mpw_array(w, 7);
    bl_mpw_str(w, "s");
    bl_mpw_str(w, "NO-0001");
    bl_mpw_str(w, "");
    bl_mpw_int(w, 2025);
    bl_mpw_str(w, "SAT");
    bl_mpw_str(w, "r-1");
    bl_mpw_array(w, BL_RECORDS_ANSWERS_MAX + 1);
    for (int i = 0; i <= BL_RECORDS_ANSWERS_MAX; i++) {
        bl_mpw_int(w, 3);
    }
}

static void s_rec_text_answer(bl_mpw_t *w)
{
    bl_mpw_array(w, 7);
    bl_mpw_str(w, "s");
    bl_mpw_str(w, "NO-0001");
    bl_mpw_str(w, "");
    bl_mpw_int(w, 2025);
    bl_mpw_str(w, "SAT");
    bl_mpw_str(w, "r-1");
    bl_mpw_array(w, 2);
    bl_mpw_int(w, 3);
    bl_mpw_str(w, "3");
}

static void s_rec_bad_entry(bl_mpw_t *w)
{
    bl_mpw_array(w, 3);
    bl_mpw_str(w, "r");
    bl_mpw_str(w, "NO-0001");
    bl_mpw_array(w, 0);
}

static void s_rec_bad_action(bl_mpw_t *w)
{
    bl_mpw_array(w, 11);
    bl_mpw_str(w, "a");
    for (int i = 0; i < 10; i++) {
        bl_mpw_nil(w);
    }
}

Test(bl_records_codec, oversized_and_malformed_records_are_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    cr_assert_eq(s_decode_one(1, s_rec_good, &err), 0, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_rec_unknown, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "unknown record") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_rec_indicator_seven, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "record 1") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_rec_text_value, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "value") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_rec_long_provider, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "provider") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_rec_many_answers, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "answers") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_rec_text_answer, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "answer 2") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_rec_bad_entry, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "entry") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_rec_bad_action, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "provider") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(BL_RECORDS_MAX + 1, s_rec_good, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "recs") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(UINT32_MAX, s_rec_good, &err), BL_EPROTO);
    cr_assert_eq(s_decode_one(2, s_rec_good, &err), BL_EPROTO);
}

Test(bl_records_codec, a_message_without_sub_or_recs_is_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "recs");
    bl_mpw_array(&w, 0);
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "sub") != NULL, "%s", err.msg);
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, "no-1-000001");
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "recs") != NULL, "%s", err.msg);
    bl_mpw_destroy(&w);
}
