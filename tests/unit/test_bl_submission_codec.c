/*
 * Tests of bl_submission_codec: the begin and end events survive a round
 * trip field by field (every header name too); every truncation, trailing
 * bytes, an oversized header, an over-long id, an unknown event or
 * delimiter and a wrong type are refused with the field named.
 */
#include "bl_submission_codec.h"
#include "bl_test_codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_header[] = {"provider_id", "period",
                                       "indicator_id", "value"};

static void s_encode_begin(bl_mpw_t *w)
{
    bl_submission_t s = {.event = BL_SUBMISSION_BEGIN, .delimiter = ';',
                         .dry_run = true, .n_header = 4,
                         .header = s_header};
    strcpy(s.sub, "no-1-000017");
    strcpy(s.file, "data/no-2025.csv");
    bl_mpw_init(w);
    cr_assert_eq(bl_submission_write(w, &s), 0);
}

Test(bl_submission_codec, a_begin_round_trips, .timeout = 10)
{
    bl_mpw_t w;
    s_encode_begin(&w);
    bl_submission_t s;
    bl_err_t err = {0};
    cr_assert_eq(bl_submission_decode(bl_mpw_data(&w), bl_mpw_size(&w), &s,
                                      &err),
                 0, "%s", err.msg);
    cr_assert_eq(s.event, BL_SUBMISSION_BEGIN);
    cr_assert_str_eq(s.sub, "no-1-000017");
    cr_assert_str_eq(s.file, "data/no-2025.csv");
    cr_assert_eq(s.delimiter, ';');
    cr_assert(s.dry_run);
    cr_assert_eq(s.n_header, 4);
    const char *name;
    uint32_t len;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(bl_submission_next_name(&s, &name, &len), 0);
        cr_assert_eq(len, strlen(s_header[i]));
        cr_assert_eq(memcmp(name, s_header[i], len), 0);
    }
    cr_assert_eq(bl_submission_next_name(&s, &name, &len), BL_ENOTFOUND);
    bl_mpw_destroy(&w);
}

Test(bl_submission_codec, an_end_round_trips, .timeout = 10)
{
    bl_submission_t s = {.event = BL_SUBMISSION_END, .rows = 123456};
    strcpy(s.sub, "no-1-000017");
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_submission_write(&w, &s), 0);
    bl_submission_t got;
    cr_assert_eq(bl_submission_decode(bl_mpw_data(&w), bl_mpw_size(&w), &got,
                                      NULL),
                 0);
    cr_assert_eq(got.event, BL_SUBMISSION_END);
    cr_assert_str_eq(got.sub, "no-1-000017");
    cr_assert_eq(got.rows, 123456);
    bl_mpw_destroy(&w);
}

Test(bl_submission_codec, an_unknown_event_is_not_written, .timeout = 10)
{
    bl_submission_t s = {.event = 7};
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_submission_write(&w, &s), BL_EINVAL);
    bl_mpw_destroy(&w);
}

/* bl_submission_decode as bl_test_decode_fn. */
static int s_bl_submission_decode_all(const void *data, size_t len, bl_err_t *err)
{
    bl_submission_t out;
    return bl_submission_decode(data, len, &out, err);
}

Test(bl_submission_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_encode_begin(&w);
    bl_test_codec_cuts_refused(&w, s_bl_submission_decode_all);
    bl_mpw_destroy(&w);
}

Test(bl_submission_codec, trailing_bytes_are_refused, .timeout = 10)
{
    bl_mpw_t w;
    s_encode_begin(&w);
    bl_mpw_nil(&w);
    bl_submission_t s;
    cr_assert_eq(bl_submission_decode(bl_mpw_data(&w), bl_mpw_size(&w), &s,
                                      NULL),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
}

/* A begin whose fields after "event" are written by rest (n_rest keys). */
static int s_decode_begin(uint32_t n_rest, void (*rest)(bl_mpw_t *),
                          bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1 + n_rest);
    bl_mpw_str(&w, "event");
    bl_mpw_str(&w, "begin");
    rest(&w);
    bl_submission_t s;
    int rc = bl_submission_decode(bl_mpw_data(&w), bl_mpw_size(&w), &s, err);
    bl_mpw_destroy(&w);
    return rc;
}

static void s_sub_file(bl_mpw_t *w)
{
    bl_mpw_str(w, "sub");
    bl_mpw_str(w, "no-1-000001");
    bl_mpw_str(w, "file");
    bl_mpw_str(w, "a.csv");
}

static void s_good(bl_mpw_t *w)
{
    s_sub_file(w);
    bl_mpw_str(w, "header");
    bl_mpw_array(w, 1);
    bl_mpw_str(w, "provider_id");
}

static void s_too_many_names(bl_mpw_t *w)
{
    s_sub_file(w);
    bl_mpw_str(w, "header");
    bl_mpw_array(w, BL_SUBMISSION_FIELDS_MAX + 1);
    for (int i = 0; i <= BL_SUBMISSION_FIELDS_MAX; i++) {
        bl_mpw_str(w, "x");
    }
}

static void s_huge_count(bl_mpw_t *w)
{
    s_sub_file(w);
    bl_mpw_str(w, "header");
    bl_mpw_array(w, UINT32_MAX);
}

static void s_name_not_text(bl_mpw_t *w)
{
    s_sub_file(w);
    bl_mpw_str(w, "header");
    bl_mpw_array(w, 2);
    bl_mpw_str(w, "provider_id");
    bl_mpw_int(w, 7);
}

static void s_long_sub(bl_mpw_t *w)
{
    char id[BL_SUBMISSION_ID_MAX + 1];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    bl_mpw_str(w, "sub");
    bl_mpw_str(w, id);
    bl_mpw_str(w, "file");
    bl_mpw_str(w, "a.csv");
    bl_mpw_str(w, "header");
    bl_mpw_array(w, 0);
}

static void s_bad_delimiter(bl_mpw_t *w)
{
    s_good(w);
    bl_mpw_str(w, "delimiter");
    bl_mpw_str(w, "|");
}

static void s_dry_run_text(bl_mpw_t *w)
{
    s_good(w);
    bl_mpw_str(w, "dry_run");
    bl_mpw_str(w, "yes");
}

static void s_no_header(bl_mpw_t *w)
{
    s_sub_file(w);
}

Test(bl_submission_codec, oversized_and_malformed_begins_are_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    cr_assert_eq(s_decode_begin(3, s_good, &err), 0, "%s", err.msg);
    cr_assert_eq(s_decode_begin(3, s_too_many_names, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "header") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_begin(3, s_huge_count, &err), BL_EPROTO);
    cr_assert_eq(s_decode_begin(3, s_name_not_text, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "header name 2") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_begin(3, s_long_sub, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "sub") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_begin(4, s_bad_delimiter, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "delimiter") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_begin(4, s_dry_run_text, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "dry_run") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_begin(2, s_no_header, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "header") != NULL, "%s", err.msg);
}

Test(bl_submission_codec, unknown_or_missing_events_are_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    bl_submission_t s;
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 2);
    bl_mpw_str(&w, "event");
    bl_mpw_str(&w, "middle");
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, "no-1-000001");
    cr_assert_eq(bl_submission_decode(bl_mpw_data(&w), bl_mpw_size(&w), &s,
                                      &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "event") != NULL, "%s", err.msg);
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, "no-1-000001");
    cr_assert_eq(bl_submission_decode(bl_mpw_data(&w), bl_mpw_size(&w), &s,
                                      &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "event") != NULL, "%s", err.msg);
    /* an end with a text row count */
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 3);
    bl_mpw_str(&w, "event");
    bl_mpw_str(&w, "end");
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, "no-1-000001");
    bl_mpw_str(&w, "rows");
    bl_mpw_str(&w, "12");
    cr_assert_eq(bl_submission_decode(bl_mpw_data(&w), bl_mpw_size(&w), &s,
                                      &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "rows") != NULL, "%s", err.msg);
    bl_mpw_destroy(&w);
}
