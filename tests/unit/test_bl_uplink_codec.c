/*
 * Tests of bl_uplink_codec: markers and each kind of rows message survive
 * a round trip; every truncation, trailing bytes, an oversized row count,
 * an over-long id or kind and rows of the wrong shape are refused without
 * a crash; an unknown kind decodes as such, with its text.
 */
#include "bl_uplink_codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

/* A values message of two rows; value bytes are any encoded object. */
static void s_values(bl_mpw_t *w)
{
    bl_mpw_t rows, val;
    bl_mpw_init(&rows);
    bl_mpw_init(&val);
    bl_mpw_array(&val, 2);
    bl_mpw_double(&val, 0.5);
    bl_mpw_str(&val, "ok");
    bl_uplink_write_value_row(&rows, "NO-0001", "RES-01", bl_mpw_data(&val),
                              bl_mpw_size(&val));
    bl_uplink_write_value_row(&rows, "NO-0002", "SAT-01", bl_mpw_data(&val),
                              bl_mpw_size(&val));
    bl_mpw_init(w);
    cr_assert_eq(bl_uplink_write_rows(w, BL_UPLINK_VALUES, 202504, &rows, 2),
                 0);
    bl_mpw_destroy(&rows);
    bl_mpw_destroy(&val);
}

Test(bl_uplink_codec, markers_round_trip, .timeout = 10)
{
    bl_uplink_kind_t kinds[] = {BL_UPLINK_BEGIN, BL_UPLINK_CLOSE};
    for (int i = 0; i < 2; i++) {
        bl_mpw_t w;
        bl_mpw_init(&w);
        cr_assert_eq(bl_uplink_write_marker(&w, kinds[i], 202504, 7), 0);
        bl_uplink_t u;
        cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u),
                     0);
        cr_assert_eq(u.kind, kinds[i]);
        cr_assert_str_eq(u.kind_text, bl_uplink_kind_name(kinds[i]));
        cr_assert_eq(u.period, 202504);
        cr_assert_eq(u.generation, 7);
        cr_assert_not(u.has_rows);
        bl_mpw_destroy(&w);
    }
}

Test(bl_uplink_codec, rows_of_each_kind_round_trip, .timeout = 10)
{
    bl_mpw_t w;
    s_values(&w);
    bl_uplink_t u;
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u), 0);
    cr_assert_eq(u.kind, BL_UPLINK_VALUES);
    cr_assert_eq(u.period, 202504);
    cr_assert_eq(u.n_rows, 2);
    char provider[BL_UPLINK_ID_MAX], ind[BL_UPLINK_ID_MAX];
    const uint8_t *val;
    size_t vl;
    cr_assert_eq(bl_uplink_read_value_row(&u.rows, provider, ind, &val, &vl),
                 0);
    cr_assert_str_eq(provider, "NO-0001");
    cr_assert_str_eq(ind, "RES-01");
    bl_mpr_t r;
    bl_mpr_init(&r, val, vl);
    uint32_t two;
    double x;
    cr_assert_eq(bl_mpr_array(&r, &two), 0);
    cr_assert_eq(bl_mpr_double(&r, &x), 0);
    cr_assert_eq(x, 0.5);
    cr_assert_eq(bl_uplink_read_value_row(&u.rows, provider, ind, &val, &vl),
                 0);
    cr_assert_str_eq(provider, "NO-0002");
    cr_assert(bl_mpr_done(&u.rows));
    bl_mpw_destroy(&w);

    /* register and stats */
    bl_mpw_t rows, entry;
    bl_mpw_init(&rows);
    bl_mpw_init(&entry);
    bl_mpw_array(&entry, 1);
    bl_mpw_str(&entry, "Bergen arbeid");
    bl_uplink_write_register_row(&rows, "NO-0001", 7, bl_mpw_data(&entry),
                                 bl_mpw_size(&entry));
    bl_mpw_init(&w);
    cr_assert_eq(bl_uplink_write_rows(&w, BL_UPLINK_REGISTER, 0, &rows, 1),
                 0);
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u), 0);
    cr_assert_eq(u.kind, BL_UPLINK_REGISTER);
    cr_assert_eq(bl_uplink_read_register_row(&u.rows, provider, &val, &vl),
                 0);
    cr_assert_str_eq(provider, "NO-0001");
    cr_assert_eq(vl, bl_mpw_size(&entry));
    cr_assert_eq(memcmp(val, bl_mpw_data(&entry), vl), 0);
    bl_mpw_destroy(&w);
    bl_mpw_reset(&rows);
    bl_uplink_write_stat_row(&rows, "RES-01", "national",
                             "NO/residential_care", bl_mpw_data(&entry),
                             bl_mpw_size(&entry));
    bl_mpw_init(&w);
    cr_assert_eq(bl_uplink_write_rows(&w, BL_UPLINK_STATS, 202504, &rows, 1),
                 0);
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u), 0);
    cr_assert_eq(u.kind, BL_UPLINK_STATS);
    char grp[BL_UPLINK_ID_MAX], key[BL_UPLINK_KEY_MAX];
    cr_assert_eq(bl_uplink_read_stat_row(&u.rows, ind, grp, key, &val, &vl),
                 0);
    cr_assert_str_eq(ind, "RES-01");
    cr_assert_str_eq(grp, "national");
    cr_assert_str_eq(key, "NO/residential_care");
    /* the rows array itself, for a list codec */
    uint32_t n;
    cr_assert_eq(bl_mpr_array(&u.rows_array, &n), 0);
    cr_assert_eq(n, 1);
    bl_mpw_destroy(&w);
    bl_mpw_destroy(&rows);
    bl_mpw_destroy(&entry);
}

Test(bl_uplink_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_values(&w);
    size_t len = bl_mpw_size(&w);
    cr_assert_gt(len, 40);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        cr_assert_not_null(copy);
        memcpy(copy, bl_mpw_data(&w), cut);
        bl_uplink_t u;
        cr_assert_eq(bl_uplink_decode(copy, cut, &u), BL_EPROTO,
                     "a cut at %zu of %zu was accepted", cut, len);
        free(copy);
    }
    bl_mpw_nil(&w);
    bl_uplink_t u;
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u),
                 BL_EPROTO, "trailing bytes were accepted");
    bl_mpw_destroy(&w);
}

/* {kind, rows: [n rows claimed, then what fill writes]} */
static int s_decode_rows(const char *kind, uint32_t n, const char *row_id)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 2);
    bl_mpw_str(&w, "kind");
    bl_mpw_str(&w, kind);
    bl_mpw_str(&w, "rows");
    bl_mpw_array(&w, n);
    if (row_id != NULL) {
        bl_mpw_t val;
        bl_mpw_init(&val);
        bl_mpw_nil(&val);
        bl_uplink_write_value_row(&w, row_id, "RES-01", bl_mpw_data(&val),
                                  bl_mpw_size(&val));
        bl_mpw_destroy(&val);
    }
    bl_uplink_t u;
    int rc = bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u);
    if (rc == 0 && n > 0) {
        char p[BL_UPLINK_ID_MAX], ind[BL_UPLINK_ID_MAX];
        const uint8_t *val;
        size_t vl;
        rc = bl_uplink_read_value_row(&u.rows, p, ind, &val, &vl);
    }
    bl_mpw_destroy(&w);
    return rc;
}

Test(bl_uplink_codec, oversized_and_malformed_input_is_refused,
     .timeout = 10)
{
    cr_assert_eq(s_decode_rows("values", 1, "NO-0001"), 0);
    char long_id[BL_UPLINK_ID_MAX + 1];
    memset(long_id, 'x', sizeof long_id - 1);
    long_id[sizeof long_id - 1] = '\0';
    cr_assert_eq(s_decode_rows("values", 1, long_id), BL_EPROTO);
    cr_assert_eq(s_decode_rows("values", BL_UPLINK_ROWS_MAX + 1, "NO-0001"),
                 BL_EPROTO);
    cr_assert_eq(s_decode_rows("values", UINT32_MAX, "NO-0001"), BL_EPROTO);
    cr_assert_eq(s_decode_rows("values", 2, "NO-0001"), BL_EPROTO);
    cr_assert_eq(s_decode_rows("a-kind-far-too-long-to-be-one", 0, NULL),
                 BL_EPROTO);
    /* a value row read as a stats row: the wrong arity */
    bl_mpw_t w, rows;
    bl_mpw_init(&rows);
    bl_uplink_write_value_row(&rows, "NO-0001", "RES-01", "\xc0", 1);
    bl_mpw_init(&w);
    cr_assert_eq(bl_uplink_write_rows(&w, BL_UPLINK_STATS, 1, &rows, 1), 0);
    bl_uplink_t u;
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u), 0);
    char a[BL_UPLINK_ID_MAX], b[BL_UPLINK_ID_MAX], k[BL_UPLINK_KEY_MAX];
    const uint8_t *val;
    size_t vl;
    cr_assert_eq(bl_uplink_read_stat_row(&u.rows, a, b, k, &val, &vl),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
    bl_mpw_destroy(&rows);
    /* no map, no kind */
    bl_mpw_init(&w);
    bl_mpw_int(&w, 42);
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u),
                 BL_EPROTO);
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 1);
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
}

Test(bl_uplink_codec, an_unknown_kind_keeps_its_text, .timeout = 10)
{
    cr_assert_eq(s_decode_rows("gossip", 0, NULL), 0);
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "kind");
    bl_mpw_str(&w, "gossip");
    bl_uplink_t u;
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u), 0);
    cr_assert_eq(u.kind, BL_UPLINK_UNKNOWN);
    cr_assert_str_eq(u.kind_text, "gossip");
    bl_mpw_destroy(&w);
}

/* A practices message of one row with the given title length. */
static void s_practices(bl_mpw_t *w, size_t title_len)
{
    char *title = malloc(title_len + 1);
    cr_assert_not_null(title);
    memset(title, 't', title_len);
    title[title_len] = '\0';
    bl_uplink_practice_t p;
    memset(&p, 0, sizeof p);
    snprintf(p.provider, sizeof p.provider, "PT-005");
    snprintf(p.indicator, sizeof p.indicator, "PSH-01");
    p.period = 2024;
    p.title = title;
    p.title_len = (uint32_t)title_len;
    p.description = "Twice a year";
    p.description_len = 12;
    p.contact = "a@b.example";
    p.contact_len = 11;
    p.band4 = true;
    bl_mpw_t rows;
    bl_mpw_init(&rows);
    bl_uplink_write_practice_row(&rows, &p);
    bl_mpw_init(w);
    cr_assert_eq(bl_uplink_write_rows(w, BL_UPLINK_PRACTICES, 2025, &rows, 1),
                 0);
    bl_mpw_destroy(&rows);
    free(title);
}

Test(bl_uplink_codec, practices_round_trip, .timeout = 10)
{
    bl_mpw_t w;
    s_practices(&w, 12);
    bl_uplink_t u;
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u), 0);
    cr_assert_eq(u.kind, BL_UPLINK_PRACTICES);
    cr_assert_str_eq(u.kind_text, "practices");
    cr_assert_eq(u.period, 2025);
    cr_assert_eq(u.n_rows, 1);
    bl_uplink_practice_t p;
    cr_assert_eq(bl_uplink_read_practice_row(&u.rows, &p), 0);
    cr_assert_str_eq(p.provider, "PT-005");
    cr_assert_str_eq(p.indicator, "PSH-01");
    cr_assert_eq(p.period, 2024);
    cr_assert_eq(p.title_len, 12);
    cr_assert_eq(memcmp(p.title, "tttttttttttt", 12), 0);
    cr_assert_eq(p.description_len, 12);
    cr_assert_eq(memcmp(p.description, "Twice a year", 12), 0);
    cr_assert_eq(p.contact_len, 11);
    cr_assert_eq(memcmp(p.contact, "a@b.example", 11), 0);
    cr_assert(p.band4);
    cr_assert(bl_mpr_done(&u.rows));
    bl_mpw_destroy(&w);
}

Test(bl_uplink_codec, practice_rows_over_their_bounds_are_refused,
     .timeout = 30)
{
    bl_mpw_t w;
    s_practices(&w, BL_UPLINK_TITLE_MAX + 1);
    bl_uplink_t u;
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u), 0);
    bl_uplink_practice_t p;
    cr_assert_eq(bl_uplink_read_practice_row(&u.rows, &p), BL_EPROTO);
    bl_mpw_destroy(&w);
    /* at the bound: accepted; every truncation refused */
    s_practices(&w, BL_UPLINK_TITLE_MAX);
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u), 0);
    cr_assert_eq(bl_uplink_read_practice_row(&u.rows, &p), 0);
    size_t len = bl_mpw_size(&w);
    for (size_t cut = 0; cut < len; cut++) {
        bl_uplink_t v;
        cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), cut, &v), BL_EPROTO,
                     "a cut at %zu of %zu was accepted", cut, len);
    }
    bl_mpw_destroy(&w);
    /* a value row read as a practice row: the wrong arity */
    bl_mpw_t rows;
    bl_mpw_init(&rows);
    bl_uplink_write_value_row(&rows, "PT-005", "PSH-01", "\xc0", 1);
    bl_mpw_init(&w);
    cr_assert_eq(bl_uplink_write_rows(&w, BL_UPLINK_PRACTICES, 1, &rows, 1),
                 0);
    cr_assert_eq(bl_uplink_decode(bl_mpw_data(&w), bl_mpw_size(&w), &u), 0);
    cr_assert_eq(bl_uplink_read_practice_row(&u.rows, &p), BL_EPROTO);
    bl_mpw_destroy(&w);
    bl_mpw_destroy(&rows);
}
