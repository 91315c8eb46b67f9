/*
 * Tests of bl_raw_rows_codec: a raw_rows message survives a round trip
 * row by row and field by field (a row the file reader could not read
 * too), a decoded row passes on byte for byte, a request's cmd is
 * skipped; every truncation, trailing bytes, oversized counts and wrong
 * types are refused with the row and field named.
 */
#include "bl_raw_rows_codec.h"
#include "bl_test_codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static const char *const s_fields[] = {"NO-0001", "2025", "RES-01", "0,75"};
static const size_t s_lens[] = {7, 4, 6, 4};

static void s_rows(bl_mpw_t *rows)
{
    bl_mpw_init(rows);
    bl_raw_row_t good = {.line = 2, .n_fields = 4, .fields = s_fields,
                         .lens = s_lens};
    bl_raw_rows_write_row(rows, &good);
    const char *why = "expected 4 fields, found 3";
    bl_raw_row_t bad = {.line = 3, .error = why, .error_len = strlen(why)};
    bl_raw_rows_write_row(rows, &bad);
    bl_raw_row_t empty = {.line = 17};
    bl_raw_rows_write_row(rows, &empty);
}

static void s_encode(bl_mpw_t *w)
{
    bl_mpw_t rows;
    s_rows(&rows);
    bl_mpw_init(w);
    cr_assert_eq(bl_raw_rows_write(w, "no-1-000017", &rows, 3), 0);
    bl_mpw_destroy(&rows);
}

/* Reads every row and field; the first error, or 0. */
static int s_decode_all(const void *data, size_t len, bl_err_t *err)
{
    bl_raw_rows_reader_t rd;
    int rc = bl_raw_rows_open(&rd, data, len, err);
    if (rc != 0) {
        return rc;
    }
    bl_raw_row_t row;
    while ((rc = bl_raw_rows_next(&rd, &row, err)) == 0) {
        const char *f;
        uint32_t fl;
        while (bl_raw_rows_next_field(&row, &f, &fl) == 0) {
        }
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
}

Test(bl_raw_rows_codec, round_trip_keeps_every_row_and_field,
     .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_raw_rows_reader_t rd;
    bl_err_t err = {0};
    cr_assert_eq(bl_raw_rows_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w),
                                  &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(rd.sub, "no-1-000017");
    cr_assert_eq(rd.n_rows, 3);
    bl_raw_row_t row;
    cr_assert_eq(bl_raw_rows_next(&rd, &row, &err), 0);
    cr_assert_eq(row.line, 2);
    cr_assert_null(row.error);
    cr_assert_eq(row.n_fields, 4);
    const char *f;
    uint32_t fl;
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(bl_raw_rows_next_field(&row, &f, &fl), 0);
        cr_assert_eq(fl, s_lens[i]);
        cr_assert_eq(memcmp(f, s_fields[i], fl), 0);
    }
    cr_assert_eq(bl_raw_rows_next_field(&row, &f, &fl), BL_ENOTFOUND);
    cr_assert_eq(bl_raw_rows_next(&rd, &row, &err), 0);
    cr_assert_eq(row.line, 3);
    cr_assert_eq(row.error_len, strlen("expected 4 fields, found 3"));
    cr_assert_eq(memcmp(row.error, "expected 4 fields, found 3",
                        row.error_len),
                 0);
    cr_assert_eq(row.n_fields, 0);
    cr_assert_eq(bl_raw_rows_next(&rd, &row, &err), 0);
    cr_assert_eq(row.line, 17);
    cr_assert_eq(row.n_fields, 0);
    cr_assert_null(row.error);
    cr_assert_eq(bl_raw_rows_next(&rd, &row, &err), BL_ENOTFOUND);
    bl_mpw_destroy(&w);
}

Test(bl_raw_rows_codec, decoded_rows_pass_on_byte_for_byte, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_raw_rows_reader_t rd;
    cr_assert_eq(bl_raw_rows_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w),
                                  NULL),
                 0);
    bl_mpw_t again;
    bl_mpw_init(&again);
    bl_raw_rows_write_head(&again, rd.sub, rd.n_rows);
    bl_raw_row_t row;
    while (bl_raw_rows_next(&rd, &row, NULL) == 0) {
        bl_raw_rows_write_raw(&again, &row);
    }
    cr_assert_eq(bl_mpw_size(&again), bl_mpw_size(&w));
    cr_assert_eq(memcmp(bl_mpw_data(&again), bl_mpw_data(&w),
                        bl_mpw_size(&w)),
                 0);
    bl_mpw_destroy(&again);
    bl_mpw_destroy(&w);
}

Test(bl_raw_rows_codec, a_request_cmd_is_skipped, .timeout = 10)
{
    bl_mpw_t rows;
    s_rows(&rows);
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 3);
    bl_mpw_str(&w, "cmd");
    bl_mpw_str(&w, "submit_rows");
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, "no-1-000017");
    bl_mpw_str(&w, "rows");
    cr_assert_eq(bl_raw_rows_write_array(&w, &rows, 3), 0);
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), NULL), 0);
    bl_mpw_destroy(&rows);
    bl_mpw_destroy(&w);
}

Test(bl_raw_rows_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_test_codec_cuts_refused(&w, s_decode_all);
    bl_mpw_destroy(&w);
}

Test(bl_raw_rows_codec, trailing_bytes_are_refused, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_test_codec_trailing_refused(&w, s_decode_all);
    bl_mpw_destroy(&w);
}

/* A message declaring count rows, with one row written by fill. */
static int s_decode_one(uint32_t count, void (*fill)(bl_mpw_t *),
                        bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_raw_rows_write_head(&w, "no-1-000001", count);
    fill(&w);
    int rc = s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), err);
    bl_mpw_destroy(&w);
    return rc;
}

static void s_row_good(bl_mpw_t *w)
{
    bl_raw_row_t row = {.line = 2, .n_fields = 4, .fields = s_fields,
                        .lens = s_lens};
    bl_raw_rows_write_row(w, &row);
}

static void s_row_two(bl_mpw_t *w)
{
    bl_mpw_array(w, 2);
    bl_mpw_uint(w, 2);
    bl_mpw_nil(w);
}

static void s_row_negative_line(bl_mpw_t *w)
{
    bl_mpw_array(w, 3);
    bl_mpw_int(w, -2);
    bl_mpw_nil(w);
    bl_mpw_array(w, 0);
}

static void s_row_error_not_text(bl_mpw_t *w)
{
    bl_mpw_array(w, 3);
    bl_mpw_uint(w, 2);
    bl_mpw_int(w, 5);
    bl_mpw_array(w, 0);
}

static void s_row_field_not_text(bl_mpw_t *w)
{
    bl_mpw_array(w, 3);
    bl_mpw_uint(w, 2);
    bl_mpw_nil(w);
    bl_mpw_array(w, 2);
    bl_mpw_str(w, "NO-0001");
    bl_mpw_double(w, 2025);
}

static void s_row_too_many_fields(bl_mpw_t *w)
{
    bl_mpw_array(w, 3);
    bl_mpw_uint(w, 2);
    bl_mpw_nil(w);
    bl_mpw_array(w, BL_RAW_ROWS_FIELDS_MAX + 1);
    for (int i = 0; i <= BL_RAW_ROWS_FIELDS_MAX; i++) {
        bl_mpw_str(w, "");
    }
}

static void s_row_long_field(bl_mpw_t *w)
{
    size_t n = BL_RAW_ROWS_TEXT_MAX + 1;
    char *big = malloc(n);
    cr_assert_not_null(big);
    memset(big, 'x', n);
    bl_mpw_array(w, 3);
    bl_mpw_uint(w, 2);
    bl_mpw_nil(w);
    bl_mpw_array(w, 1);
    bl_mpw_strn(w, big, n);
    free(big);
}

Test(bl_raw_rows_codec, oversized_and_malformed_rows_are_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    cr_assert_eq(s_decode_one(1, s_row_good, &err), 0, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_two, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "row 1") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_negative_line, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "line") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_error_not_text, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "error") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_field_not_text, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "field 2") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_too_many_fields, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "fields") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_row_long_field, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "field 1") != NULL, "%s", err.msg);
    /* a count above the bound, and counts the input cannot hold */
    cr_assert_eq(s_decode_one(BL_RAW_ROWS_MAX + 1, s_row_good, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "rows") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(UINT32_MAX, s_row_good, &err), BL_EPROTO);
    cr_assert_eq(s_decode_one(2, s_row_good, &err), BL_EPROTO);
}

Test(bl_raw_rows_codec, a_message_without_sub_or_rows_is_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, "no-1-000001");
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "rows") != NULL, "%s", err.msg);
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "rows");
    bl_mpw_array(&w, 0);
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "sub") != NULL, "%s", err.msg);
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 2);
    bl_mpw_str(&w, "sub");
    bl_mpw_int(&w, 1);
    bl_mpw_str(&w, "rows");
    bl_mpw_array(&w, 0);
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "sub") != NULL, "%s", err.msg);
    bl_mpw_destroy(&w);
}
