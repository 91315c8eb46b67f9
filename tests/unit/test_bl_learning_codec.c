/*
 * Tests of bl_learning_codec: a learning message of an action and a
 * practice survives a round trip field by field, texts with their lengths;
 * every truncation, trailing bytes, an oversized count, an unknown tag, a
 * wrong arity, an over-long id or text and a wrong type are refused with
 * the field named.
 */
#include "bl_learning_codec.h"
#include "bl_test_codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static void s_action(bl_learning_action_t *a)
{
    memset(a, 0, sizeof *a);
    strcpy(a->provider, "NO-0001");
    a->period = 2025;
    strcpy(a->action_id, "act-7");
    strcpy(a->indicator, "RES-01");
    a->action = bl_learning_text("Weekly review of care plans");
    a->owner = bl_learning_text("");
    strcpy(a->due, "2026-03-31");
    strcpy(a->status, "in_progress");
    strcpy(a->sub, "no-1-000042");
    a->line = 12;
}

static void s_practice(bl_learning_practice_t *p)
{
    memset(p, 0, sizeof *p);
    strcpy(p->provider, "NO-0002");
    p->period = 2025;
    strcpy(p->indicator, "SAT-01");
    p->title = bl_learning_text("Open kitchen evenings");
    p->description = bl_learning_text("Residents cook with staff; \"mixed\" "
                                      "groups, twice a week.");
    p->contact = bl_learning_text("kari@example.org");
    strcpy(p->sub, "no-1-000043");
    p->line = 3;
}

static void s_encode(bl_mpw_t *w)
{
    bl_mpw_t rows;
    bl_mpw_init(&rows);
    bl_learning_row_t a = {.kind = BL_LEARNING_ACTION};
    s_action(&a.action);
    bl_learning_write_row(&rows, &a);
    bl_learning_practice_t p;
    s_practice(&p);
    bl_learning_write_practice(&rows, &p);
    bl_mpw_init(w);
    cr_assert_eq(bl_learning_write(w, &rows, 2), 0);
    bl_mpw_destroy(&rows);
}

static int s_decode_all(const void *data, size_t len, bl_err_t *err)
{
    bl_learning_reader_t rd;
    int rc = bl_learning_open(&rd, data, len, err);
    if (rc != 0) {
        return rc;
    }
    bl_learning_row_t row;
    while ((rc = bl_learning_next(&rd, &row, err)) == 0) {
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
}

static void s_text_eq(bl_learning_text_t got, bl_learning_text_t want)
{
    cr_assert_eq(got.len, want.len);
    cr_assert_eq(memcmp(got.s, want.s, got.len), 0);
}

Test(bl_learning_codec, round_trip_keeps_every_field, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_learning_reader_t rd;
    bl_err_t err = {0};
    cr_assert_eq(bl_learning_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w),
                                  &err),
                 0, "%s", err.msg);
    cr_assert_eq(rd.n_rows, 2);
    bl_learning_row_t row;
    cr_assert_eq(bl_learning_next(&rd, &row, &err), 0, "%s", err.msg);
    cr_assert_eq(row.kind, BL_LEARNING_ACTION);
    bl_learning_action_t a;
    s_action(&a);
    cr_assert_str_eq(row.action.provider, a.provider);
    cr_assert_eq(row.action.period, 2025);
    cr_assert_str_eq(row.action.action_id, a.action_id);
    cr_assert_str_eq(row.action.indicator, a.indicator);
    s_text_eq(row.action.action, a.action);
    s_text_eq(row.action.owner, a.owner);
    cr_assert_str_eq(row.action.due, a.due);
    cr_assert_str_eq(row.action.status, a.status);
    cr_assert_str_eq(row.action.sub, a.sub);
    cr_assert_eq(row.action.line, 12);
    cr_assert_eq(bl_learning_next(&rd, &row, &err), 0, "%s", err.msg);
    cr_assert_eq(row.kind, BL_LEARNING_PRACTICE);
    bl_learning_practice_t p;
    s_practice(&p);
    cr_assert_str_eq(row.practice.provider, p.provider);
    cr_assert_eq(row.practice.period, 2025);
    cr_assert_str_eq(row.practice.indicator, p.indicator);
    s_text_eq(row.practice.title, p.title);
    s_text_eq(row.practice.description, p.description);
    s_text_eq(row.practice.contact, p.contact);
    cr_assert_str_eq(row.practice.sub, p.sub);
    cr_assert_eq(row.practice.line, 3);
    cr_assert_eq(bl_learning_next(&rd, &row, &err), BL_ENOTFOUND);
    bl_mpw_destroy(&w);
}

Test(bl_learning_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_test_codec_cuts_refused(&w, s_decode_all);
    bl_mpw_destroy(&w);
}

Test(bl_learning_codec, trailing_bytes_are_refused, .timeout = 10)
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
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "rows");
    bl_mpw_array(&w, count);
    fill(&w);
    int rc = s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), err);
    bl_mpw_destroy(&w);
    return rc;
}

static void s_row_good(bl_mpw_t *w)
{
    bl_learning_action_t a;
    s_action(&a);
    bl_learning_write_action(w, &a);
}

static void s_row_unknown_tag(bl_mpw_t *w)
{
    bl_mpw_array(w, 2);
    bl_mpw_str(w, "x");
    bl_mpw_nil(w);
}

static void s_row_short_action(bl_mpw_t *w)
{
    bl_mpw_array(w, 3);
    bl_mpw_str(w, "a");
    bl_mpw_str(w, "NO-0001");
    bl_mpw_int(w, 2025);
}

static void s_row_text_period(bl_mpw_t *w)
{
    bl_learning_practice_t p;
    s_practice(&p);
    bl_mpw_array(w, 9);
    bl_mpw_str(w, "p");
    bl_mpw_str(w, p.provider);
    bl_mpw_str(w, "2025");
    bl_mpw_str(w, p.indicator);
    bl_mpw_str(w, "t");
    bl_mpw_str(w, "d");
    bl_mpw_str(w, "c");
    bl_mpw_str(w, p.sub);
    bl_mpw_uint(w, 1);
}

static void s_row_long_due(bl_mpw_t *w)
{
    bl_learning_action_t a;
    s_action(&a);
    strcpy(a.due, "2026-03-31T12:00");
    bl_learning_write_action(w, &a);
}

static void s_row_long_text(bl_mpw_t *w)
{
    size_t n = BL_LEARNING_TEXT_MAX + 1;
    char *big = malloc(n);
    cr_assert_not_null(big);
    memset(big, 'x', n);
    bl_learning_practice_t p;
    s_practice(&p);
    p.description.s = big;
    p.description.len = n;
    bl_learning_write_practice(w, &p);
    free(big);
}

static void s_row_negative_line(bl_mpw_t *w)
{
    bl_learning_action_t a;
    s_action(&a);
    bl_mpw_array(w, 11);
    bl_mpw_str(w, "a");
    bl_mpw_str(w, a.provider);
    bl_mpw_int(w, a.period);
    bl_mpw_str(w, a.action_id);
    bl_mpw_str(w, a.indicator);
    bl_mpw_str(w, "x");
    bl_mpw_str(w, "");
    bl_mpw_str(w, a.due);
    bl_mpw_str(w, a.status);
    bl_mpw_str(w, a.sub);
    bl_mpw_int(w, -4);
}

Test(bl_learning_codec, oversized_and_malformed_rows_are_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    cr_assert_eq(s_decode_one(1, s_row_good, &err), 0, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_unknown_tag, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "tag") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_short_action, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "action of 3 fields") != NULL, "%s",
              err.msg);
    cr_assert_eq(s_decode_one(1, s_row_text_period, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "period") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_long_due, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "due") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_long_text, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "description") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_negative_line, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "line") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(BL_LEARNING_ROWS_MAX + 1, s_row_good, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "rows") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(UINT32_MAX, s_row_good, &err), BL_EPROTO);
    cr_assert_eq(s_decode_one(2, s_row_good, &err), BL_EPROTO);
}

Test(bl_learning_codec, a_message_without_rows_is_refused, .timeout = 10)
{
    bl_err_t err = {0};
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "recs");
    bl_mpw_array(&w, 0);
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "rows") != NULL, "%s", err.msg);
    bl_mpw_reset(&w);
    bl_mpw_array(&w, 0);
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), &err),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
}
