/*
 * Tests of bl_close_codec: a close marker survives a round trip with and
 * without its rejected-row counts, and so do the counts alone (as stages
 * store them); every truncation, trailing bytes, an oversized count, an
 * over-long provider and a wrong type are refused with the field named.
 */
#include "bl_close_codec.h"
#include "bl_test_codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* Encodes a marker with two counts (or none). */
static void s_encode(bl_mpw_t *w, bool with_counts)
{
    bl_mpw_t pairs;
    bl_mpw_init(&pairs);
    bl_close_write_count(&pairs, "NO-0001", 3);
    bl_close_write_count(&pairs, "NO-0002", 17);
    bl_close_t c = {.period = 2025, .generation = 4, .reopen = false,
                    .has_rejected = with_counts, .n_rejected = 2,
                    .rejected = bl_mpw_data(&pairs),
                    .rejected_len = bl_mpw_size(&pairs)};
    bl_mpw_init(w);
    cr_assert_eq(bl_close_write(w, &c), 0);
    bl_mpw_destroy(&pairs);
}

static void s_check_counts(bl_close_counts_t *it)
{
    bl_close_count_t c;
    cr_assert_eq(bl_close_counts_next(it, &c, NULL), 0);
    cr_assert_str_eq(c.provider, "NO-0001");
    cr_assert_eq(c.rows, 3);
    cr_assert_eq(bl_close_counts_next(it, &c, NULL), 0);
    cr_assert_str_eq(c.provider, "NO-0002");
    cr_assert_eq(c.rows, 17);
    cr_assert_eq(bl_close_counts_next(it, &c, NULL), BL_ENOTFOUND);
}

Test(bl_close_codec, round_trip_keeps_every_field, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w, true);
    bl_close_t c;
    bl_err_t err = {0};
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, &err),
                 0, "%s", err.msg);
    cr_assert_eq(c.period, 2025);
    cr_assert_eq(c.generation, 4);
    cr_assert_not(c.reopen);
    cr_assert(c.has_rejected);
    cr_assert_eq(c.n_rejected, 2);
    bl_close_counts_t it;
    bl_close_counts_of(&it, &c);
    s_check_counts(&it);

    /* passed on: the same bytes */
    bl_mpw_t again;
    bl_mpw_init(&again);
    cr_assert_eq(bl_close_write(&again, &c), 0);
    cr_assert_eq(bl_mpw_size(&again), bl_mpw_size(&w));
    cr_assert_eq(memcmp(bl_mpw_data(&again), bl_mpw_data(&w),
                        bl_mpw_size(&w)),
                 0);

    /* the counts alone, as a stage stores them */
    bl_mpw_reset(&again);
    cr_assert_eq(bl_close_write_counts(&again, &c), 0);
    cr_assert_eq(bl_close_counts_open(&it, bl_mpw_data(&again),
                                      bl_mpw_size(&again), NULL),
                 0);
    s_check_counts(&it);
    bl_mpw_destroy(&again);
    bl_mpw_destroy(&w);
}

Test(bl_close_codec, a_marker_without_counts_has_none, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w, false);
    bl_close_t c;
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, NULL),
                 0);
    cr_assert_not(c.has_rejected);
    bl_close_counts_t it;
    bl_close_counts_of(&it, &c);
    bl_close_count_t one;
    cr_assert_eq(bl_close_counts_next(&it, &one, NULL), BL_ENOTFOUND);
    /* and stores as an empty list */
    bl_mpw_t counts;
    bl_mpw_init(&counts);
    cr_assert_eq(bl_close_write_counts(&counts, &c), 0);
    cr_assert_eq(bl_close_counts_open(&it, bl_mpw_data(&counts),
                                      bl_mpw_size(&counts), NULL),
                 0);
    cr_assert_eq(bl_close_counts_next(&it, &one, NULL), BL_ENOTFOUND);
    bl_mpw_destroy(&counts);
    bl_mpw_destroy(&w);
}

Test(bl_close_codec, a_reopen_travels, .timeout = 10)
{
    bl_close_t c = {.period = 2024, .generation = 9, .reopen = true};
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_close_write(&w, &c), 0);
    bl_close_t got;
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &got,
                                 NULL),
                 0);
    cr_assert(got.reopen);
    cr_assert_eq(got.generation, 9);
    bl_mpw_destroy(&w);
}

/* bl_close_decode as bl_test_decode_fn. */
static int s_bl_close_decode_all(const void *data, size_t len, bl_err_t *err)
{
    bl_close_t out;
    return bl_close_decode(data, len, &out, err);
}

Test(bl_close_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_encode(&w, true);
    bl_test_codec_cuts_refused(&w, s_bl_close_decode_all);
    bl_mpw_destroy(&w);
}

Test(bl_close_codec, trailing_bytes_are_refused, .timeout = 10)
{
    bl_mpw_t w;
    s_encode(&w, true);
    bl_mpw_nil(&w);
    bl_close_t c;
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, NULL),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
}

/* A marker whose rejected array declares count pairs, of which one is
 * written by pair. */
static int s_decode_counts(uint32_t count, void (*pair)(bl_mpw_t *),
                           bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 3);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 2025);
    bl_mpw_str(&w, "generation");
    bl_mpw_int(&w, 1);
    bl_mpw_str(&w, "rejected");
    bl_mpw_array(&w, count);
    pair(&w);
    bl_close_t c;
    int rc = bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, err);
    bl_mpw_destroy(&w);
    return rc;
}

static void s_pair_good(bl_mpw_t *w)
{
    bl_close_write_count(w, "NO-0001", 1);
}

static void s_pair_long(bl_mpw_t *w)
{
    char id[BL_CLOSE_ID_MAX + 1];
    memset(id, 'x', sizeof id - 1);
    id[sizeof id - 1] = '\0';
    bl_close_write_count(w, id, 1);
}

static void s_pair_negative(bl_mpw_t *w)
{
    bl_mpw_array(w, 2);
    bl_mpw_str(w, "NO-0001");
    bl_mpw_int(w, -1);
}

static void s_pair_three(bl_mpw_t *w)
{
    bl_mpw_array(w, 3);
    bl_mpw_str(w, "NO-0001");
    bl_mpw_uint(w, 1);
    bl_mpw_nil(w);
}

Test(bl_close_codec, oversized_and_malformed_counts_are_refused,
     .timeout = 10)
{
    bl_err_t err = {0};
    cr_assert_eq(s_decode_counts(1, s_pair_good, &err), 0, "%s", err.msg);
    cr_assert_eq(s_decode_counts(1, s_pair_long, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "provider") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_counts(1, s_pair_negative, &err), BL_EPROTO);
    cr_assert(strstr(err.msg, "rows") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_counts(1, s_pair_three, &err), BL_EPROTO);
    cr_assert_eq(s_decode_counts(BL_CLOSE_COUNTS_MAX + 1, s_pair_good, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "rejected") != NULL, "%s", err.msg);
    cr_assert_eq(s_decode_counts(UINT32_MAX, s_pair_good, &err), BL_EPROTO);
    cr_assert_eq(s_decode_counts(2, s_pair_good, &err), BL_EPROTO);
}

Test(bl_close_codec, wrong_types_are_refused_with_the_field, .timeout = 10)
{
    bl_err_t err = {0};
    bl_close_t c;
    /* not a map */
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_array(&w, 0);
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, &err),
                 BL_EPROTO);
    /* a text period */
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 2);
    bl_mpw_str(&w, "period");
    bl_mpw_str(&w, "2025");
    bl_mpw_str(&w, "generation");
    bl_mpw_int(&w, 1);
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "period") != NULL, "%s", err.msg);
    /* no generation */
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 2025);
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "generation") != NULL, "%s", err.msg);
    /* reopen not a bool */
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 3);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 2025);
    bl_mpw_str(&w, "generation");
    bl_mpw_int(&w, 1);
    bl_mpw_str(&w, "reopen");
    bl_mpw_int(&w, 1);
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "reopen") != NULL, "%s", err.msg);
    /* rejected not an array */
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 3);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 2025);
    bl_mpw_str(&w, "generation");
    bl_mpw_int(&w, 1);
    bl_mpw_str(&w, "rejected");
    bl_mpw_map(&w, 0);
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, &err),
                 BL_EPROTO);
    cr_assert(strstr(err.msg, "rejected") != NULL, "%s", err.msg);
    /* stored counts that are no array, or truncated */
    bl_close_counts_t it;
    cr_assert_eq(bl_close_counts_open(&it, bl_mpw_data(&w), 1, &err),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
}

Test(bl_close_codec, unknown_keys_are_skipped, .timeout = 10)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 3);
    bl_mpw_str(&w, "later");
    bl_mpw_array(&w, 2);
    bl_mpw_int(&w, 1);
    bl_mpw_str(&w, "x");
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 2025);
    bl_mpw_str(&w, "generation");
    bl_mpw_int(&w, 2);
    bl_close_t c;
    cr_assert_eq(bl_close_decode(bl_mpw_data(&w), bl_mpw_size(&w), &c, NULL),
                 0);
    cr_assert_eq(c.generation, 2);
    bl_mpw_destroy(&w);
}
