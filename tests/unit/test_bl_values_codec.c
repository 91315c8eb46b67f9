/*
 * Tests of bl_values_codec: a values message survives a round trip field
 * by field (the value's bytes too); every truncation, trailing bytes, an
 * oversized row count, an over-long id, a wrong arity and an unknown
 * status are refused without a crash.
 */
#include "bl_values_codec.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_rows(bl_values_row_t rows[3])
{
    memset(rows, 0, 3 * sizeof *rows);
    snprintf(rows[0].provider, sizeof rows[0].provider, "NO-0001");
    snprintf(rows[0].indicator, sizeof rows[0].indicator, "RES-01");
    rows[0].value = (bl_value_t){BL_CELL_OK, true, true, true, true,
                                 0.75, 3, 4, 4};
    rows[0].generation = 2;
    snprintf(rows[1].provider, sizeof rows[1].provider, "NO-0001");
    snprintf(rows[1].unit, sizeof rows[1].unit, "bergen-east");
    snprintf(rows[1].indicator, sizeof rows[1].indicator, "SAT-01");
    rows[1].value = (bl_value_t){BL_CELL_OK, true, false, false, true,
                                 4.5, 0, 0, 17};
    rows[1].generation = 2;
    snprintf(rows[2].provider, sizeof rows[2].provider, "NO-0002");
    snprintf(rows[2].indicator, sizeof rows[2].indicator, "SAT-01");
    rows[2].value = (bl_value_t){BL_CELL_SUPPRESSED, false, false, false,
                                 true, 0, 0, 0, 2};
    rows[2].generation = 2;
}

static void s_encode(bl_mpw_t *w)
{
    bl_values_row_t rows[3];
    s_rows(rows);
    bl_mpw_t b;
    bl_mpw_init(&b);
    for (int i = 0; i < 3; i++) {
        bl_values_write_row(&b, &rows[i]);
    }
    bl_mpw_init(w);
    cr_assert_eq(bl_values_write(w, 202504, 2, &b, 3), 0);
    bl_mpw_destroy(&b);
}

/* Reads the whole message; returns the first error, 0 when all read. */
static int s_decode(const void *data, size_t len, bl_values_row_t *out,
                    size_t max, size_t *n)
{
    bl_values_reader_t rd;
    *n = 0;
    int rc = bl_values_open(&rd, data, len);
    if (rc != 0) {
        return rc;
    }
    bl_values_row_t row;
    while ((rc = bl_values_next(&rd, &row)) == 0) {
        if (*n < max) {
            out[*n] = row;
        }
        (*n)++;
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
}

Test(bl_values_codec, round_trip_keeps_every_field, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_values_reader_t rd;
    cr_assert_eq(bl_values_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w)), 0);
    cr_assert_eq(rd.period, 202504);
    cr_assert_eq(rd.generation, 2);
    cr_assert_eq(rd.n_rows, 3);
    bl_values_row_t want[3], got[3];
    s_rows(want);
    size_t n;
    cr_assert_eq(s_decode(bl_mpw_data(&w), bl_mpw_size(&w), got, 3, &n), 0);
    cr_assert_eq(n, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_str_eq(got[i].provider, want[i].provider);
        cr_assert_str_eq(got[i].unit, want[i].unit);
        cr_assert_str_eq(got[i].indicator, want[i].indicator);
        cr_assert_eq(got[i].generation, 2);
        cr_assert_eq(got[i].value.status, want[i].value.status);
        cr_assert_eq(got[i].value.has_value, want[i].value.has_value);
        cr_assert_eq(got[i].value.has_numerator,
                     want[i].value.has_numerator);
        cr_assert_eq(got[i].value.has_denominator,
                     want[i].value.has_denominator);
        cr_assert_eq(got[i].value.has_n, want[i].value.has_n);
        cr_assert_eq(got[i].value.n, want[i].value.n);
        if (want[i].value.has_value) {
            cr_assert_eq(got[i].value.value, want[i].value.value);
        }
        /* the value's raw bytes decode to the same value */
        bl_mpr_t r;
        bl_mpr_init(&r, got[i].value_raw, got[i].value_len);
        bl_value_t again;
        cr_assert_eq(bl_values_read_value(&r, &again), 0);
        cr_assert(bl_mpr_done(&r));
        cr_assert_eq(again.n, want[i].value.n);
    }
    cr_assert_eq(got[0].value.numerator, 3);
    cr_assert_eq(got[0].value.denominator, 4);
    bl_mpw_destroy(&w);
}

Test(bl_values_codec, a_suppressed_value_travels_as_nil, .timeout = 10)
{
    bl_value_t v = {BL_CELL_SUPPRESSED, true, false, false, false,
                    9.5, 0, 0, 0};
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_values_write_value(&w, &v);
    bl_mpr_t r;
    bl_mpr_init(&r, bl_mpw_data(&w), bl_mpw_size(&w));
    bl_value_t got;
    cr_assert_eq(bl_values_read_value(&r, &got), 0);
    cr_assert_eq(got.status, BL_CELL_SUPPRESSED);
    cr_assert_not(got.has_value);
    cr_assert_not(got.has_n);
    bl_mpw_destroy(&w);
}

Test(bl_values_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_encode(&w);
    size_t len = bl_mpw_size(&w);
    cr_assert_gt(len, 100);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        cr_assert_not_null(copy);
        memcpy(copy, bl_mpw_data(&w), cut);
        bl_values_row_t rows[3];
        size_t n;
        cr_assert_eq(s_decode(copy, cut, rows, 3, &n), BL_EPROTO,
                     "a cut at %zu of %zu was accepted", cut, len);
        free(copy);
    }
    bl_mpw_destroy(&w);
}

Test(bl_values_codec, trailing_bytes_are_refused, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_mpw_nil(&w);
    bl_values_row_t rows[3];
    size_t n;
    cr_assert_eq(s_decode(bl_mpw_data(&w), bl_mpw_size(&w), rows, 3, &n),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
}

/* A message with the given row count and one row built by fill. */
static int s_decode_one(uint32_t count, void (*fill)(bl_mpw_t *))
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 3);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 202504);
    bl_mpw_str(&w, "generation");
    bl_mpw_int(&w, 1);
    bl_mpw_str(&w, "rows");
    bl_mpw_array(&w, count);
    fill(&w);
    bl_values_row_t rows[1];
    size_t n;
    int rc = s_decode(bl_mpw_data(&w), bl_mpw_size(&w), rows, 1, &n);
    bl_mpw_destroy(&w);
    return rc;
}

static void s_row_long_id(bl_mpw_t *w)
{
    char id[BL_VALUES_ID_MAX + 1];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    bl_mpw_array(w, 6);
    bl_mpw_str(w, id);
    bl_mpw_str(w, "");
    bl_mpw_str(w, "RES-01");
    bl_value_t v = {BL_CELL_OK, true, false, false, false, 1, 0, 0, 0};
    bl_values_write_value(w, &v);
    bl_mpw_int(w, 1);
    bl_mpw_nil(w);
}

static void s_row_five(bl_mpw_t *w)
{
    bl_mpw_array(w, 5);
    bl_mpw_str(w, "NO-0001");
    bl_mpw_str(w, "");
    bl_mpw_str(w, "RES-01");
    bl_value_t v = {BL_CELL_OK, true, false, false, false, 1, 0, 0, 0};
    bl_values_write_value(w, &v);
    bl_mpw_int(w, 1);
}

static void s_row_bad_status(bl_mpw_t *w)
{
    bl_mpw_array(w, 6);
    bl_mpw_str(w, "NO-0001");
    bl_mpw_str(w, "");
    bl_mpw_str(w, "RES-01");
    bl_mpw_array(w, 5);
    bl_mpw_double(w, 1);
    bl_mpw_nil(w);
    bl_mpw_nil(w);
    bl_mpw_nil(w);
    bl_mpw_str(w, "maybe");
    bl_mpw_int(w, 1);
    bl_mpw_nil(w);
}

static void s_row_good(bl_mpw_t *w)
{
    bl_values_row_t row = {.provider = "NO-0001", .indicator = "RES-01"};
    row.value = (bl_value_t){BL_CELL_OK, true, false, false, false,
                             1, 0, 0, 0};
    row.generation = 1;
    bl_values_write_row(w, &row);
}

Test(bl_values_codec, oversized_and_malformed_rows_are_refused,
     .timeout = 10)
{
    cr_assert_eq(s_decode_one(1, s_row_good), 0);
    cr_assert_eq(s_decode_one(1, s_row_long_id), BL_EPROTO);
    cr_assert_eq(s_decode_one(1, s_row_five), BL_EPROTO);
    cr_assert_eq(s_decode_one(1, s_row_bad_status), BL_EPROTO);
    /* a count above the bound, and a count the input cannot hold */
    cr_assert_eq(s_decode_one(BL_VALUES_ROWS_MAX + 1, s_row_good),
                 BL_EPROTO);
    cr_assert_eq(s_decode_one(UINT32_MAX, s_row_good), BL_EPROTO);
    cr_assert_eq(s_decode_one(2, s_row_good), BL_EPROTO);
}

Test(bl_values_codec, a_message_without_rows_is_refused, .timeout = 10)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 2);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 202504);
    bl_mpw_str(&w, "generation");
    bl_mpw_int(&w, 1);
    bl_values_reader_t rd;
    cr_assert_eq(bl_values_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w)),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
}
