/*
 * Tests of bl_register_codec: a register entry and a register message
 * survive a round trip field by field (the entry's bytes too); every
 * truncation, trailing bytes, an oversized count, an over-long text, a
 * wrong arity and a wrong type are refused with the field named.
 */
#include "bl_register_codec.h"
#include "bl_test_codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static void s_entry(bl_register_entry_t *e, int i)
{
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "Bergen omsorg %d", i);
    strcpy(e->country, "NO");
    strcpy(e->service_type, "residential_care");
    e->users = 120 + i;
    e->staff = 45;
    strcpy(e->membership, "full");
    strcpy(e->member_since, "2019-03-01");
    e->share_identity = i % 2 == 0;
}

static void s_encode(bl_mpw_t *w)
{
    bl_mpw_t rows, entry;
    bl_mpw_init(&rows);
    bl_mpw_init(&entry);
    for (int i = 0; i < 2; i++) {
        bl_register_entry_t e;
        s_entry(&e, i);
        bl_mpw_reset(&entry);
        bl_register_write_entry(&entry, &e);
        char id[16];
        snprintf(id, sizeof id, "NO-000%d", i + 1);
        bl_register_write_row(&rows, id, bl_mpw_data(&entry),
                              bl_mpw_size(&entry));
    }
    bl_mpw_init(w);
    cr_assert_eq(bl_register_write(w, &rows, 2), 0);
    bl_mpw_destroy(&entry);
    bl_mpw_destroy(&rows);
}

static int s_decode_all(const void *data, size_t len, bl_err_t *err)
{
    bl_register_reader_t rd;
    int rc = bl_register_open(&rd, data, len, err);
    if (rc != 0) {
        return rc;
    }
    bl_register_row_t row;
    while ((rc = bl_register_next(&rd, &row, err)) == 0) {
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
}

Test(bl_register_codec, round_trip_keeps_every_field, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_register_reader_t rd;
    bl_err_t err = {0};
    cr_assert_eq(bl_register_open(&rd, bl_mpw_data(&w), bl_mpw_size(&w),
                                  &err),
                 0, "%s", err.msg);
    cr_assert_eq(rd.n_rows, 2);
    for (int i = 0; i < 2; i++) {
        bl_register_row_t row;
        cr_assert_eq(bl_register_next(&rd, &row, &err), 0, "%s", err.msg);
        char id[16];
        snprintf(id, sizeof id, "NO-000%d", i + 1);
        cr_assert_str_eq(row.provider, id);
        bl_register_entry_t want;
        s_entry(&want, i);
        cr_assert_str_eq(row.entry.name, want.name);
        cr_assert_str_eq(row.entry.country, "NO");
        cr_assert_str_eq(row.entry.service_type, "residential_care");
        cr_assert_eq(row.entry.users, want.users);
        cr_assert_eq(row.entry.staff, 45);
        cr_assert_str_eq(row.entry.membership, "full");
        cr_assert_str_eq(row.entry.member_since, "2019-03-01");
        cr_assert_eq(row.entry.share_identity, want.share_identity);
        /* the stored entry decodes alone to the same */
        bl_register_entry_t again;
        cr_assert_eq(bl_register_decode_entry(row.entry_raw, row.entry_len,
                                              &again, NULL),
                     0);
        cr_assert_str_eq(again.name, want.name);
        cr_assert_eq(again.users, want.users);
    }
    bl_register_row_t row;
    cr_assert_eq(bl_register_next(&rd, &row, &err), BL_ENOTFOUND);
    bl_mpw_destroy(&w);
}

Test(bl_register_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_test_codec_cuts_refused(&w, s_decode_all);
    bl_mpw_destroy(&w);
}

Test(bl_register_codec, trailing_bytes_are_refused, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w);
    bl_test_codec_trailing_refused(&w, s_decode_all);
    bl_register_entry_t e;
    s_entry(&e, 0);
    bl_mpw_reset(&w);
    bl_register_write_entry(&w, &e);
    bl_mpw_nil(&w);
    cr_assert_eq(bl_register_decode_entry(bl_mpw_data(&w), bl_mpw_size(&w),
                                          &e, NULL),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
}

/* A message declaring count rows, with one [provider, entry] whose entry
 * is written by fill. */
static int s_decode_one(uint32_t count, void (*fill)(bl_mpw_t *),
                        bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "providers");
    bl_mpw_array(&w, count);
    bl_mpw_array(&w, 2);
    bl_mpw_str(&w, "NO-0001");
    fill(&w);
    int rc = s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), err);
    bl_mpw_destroy(&w);
    return rc;
}

static void s_entry_good(bl_mpw_t *w)
{
    bl_register_entry_t e;
    s_entry(&e, 0);
    bl_register_write_entry(w, &e);
}

static void s_entry_seven(bl_mpw_t *w)
{
    bl_mpw_array(w, 7);
    bl_mpw_str(w, "x");
    bl_mpw_str(w, "NO");
    bl_mpw_str(w, "home_care");
    bl_mpw_int(w, 1);
    bl_mpw_int(w, 1);
    bl_mpw_str(w, "full");
    bl_mpw_str(w, "");
}

static void s_entry_long_country(bl_mpw_t *w)
{
    bl_mpw_array(w, 8);
    bl_mpw_str(w, "x");
    bl_mpw_str(w, "NOR");
    bl_mpw_str(w, "home_care");
    bl_mpw_int(w, 1);
    bl_mpw_int(w, 1);
    bl_mpw_str(w, "full");
    bl_mpw_str(w, "");
    bl_mpw_bool(w, false);
}

static void s_entry_text_users(bl_mpw_t *w)
{
    bl_mpw_array(w, 8);
    bl_mpw_str(w, "x");
    bl_mpw_str(w, "NO");
    bl_mpw_str(w, "home_care");
    bl_mpw_str(w, "many");
    bl_mpw_int(w, 1);
    bl_mpw_str(w, "full");
    bl_mpw_str(w, "");
    bl_mpw_bool(w, false);
}

static void s_entry_int_share(bl_mpw_t *w)
{
    bl_mpw_array(w, 8);
    bl_mpw_str(w, "x");
    bl_mpw_str(w, "NO");
    bl_mpw_str(w, "home_care");
    bl_mpw_int(w, 1);
    bl_mpw_int(w, 1);
    bl_mpw_str(w, "full");
    bl_mpw_str(w, "");
    bl_mpw_int(w, 1);
}

Test(bl_register_codec, oversized_and_malformed_entries_are_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    cr_assert_eq(s_decode_one(1, s_entry_good, &err), 0, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_entry_seven, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "entry") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_entry_long_country, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "country") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_entry_text_users, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "users") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(1, s_entry_int_share, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "share_identity") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(BL_REGISTER_ROWS_MAX + 1, s_entry_good, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "providers") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_one(UINT32_MAX, s_entry_good, &err), BL_EPROTO);
    cr_assert_eq(s_decode_one(2, s_entry_good, &err), BL_EPROTO);
}

Test(bl_register_codec, a_message_without_providers_is_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "rows");
    bl_mpw_array(&w, 0);
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "providers") != NULL, "%s", err.msg);
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "providers");
    bl_mpw_array(&w, 1);
    bl_mpw_array(&w, 2);
    bl_mpw_int(&w, 1);
    s_entry_good(&w);
    cr_assert_eq(s_decode_all(bl_mpw_data(&w), bl_mpw_size(&w), &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "provider") != NULL, "%s", err.msg);
    bl_mpw_destroy(&w);
}
