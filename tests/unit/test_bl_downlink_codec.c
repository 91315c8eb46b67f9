/*
 * Tests of bl_downlink_codec: the page request and the state reply
 * survive a round trip; every truncation, trailing bytes, an unknown
 * `what`, an over-long name or cursor and an oversized period count are
 * refused without a crash; a limit out of range falls back.
 */
#include "bl_downlink_codec.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bl_store.h"

static void s_state(bl_mpw_t *w)
{
    bl_mpw_t groups, periods;
    bl_mpw_init(&groups);
    bl_mpw_init(&periods);
    bl_mpw_array(&groups, 1);
    bl_mpw_array(&groups, 2);
    bl_mpw_str(&groups, "international");
    bl_mpw_array(&groups, 0);
    bl_downlink_write_period(&periods, 2024, 3);
    bl_downlink_write_period(&periods, 2025, 1);
    bl_mpw_init(w);
    cr_assert_eq(bl_downlink_write_state(w, "benchlearn", "1.2",
                                         bl_mpw_data(&groups),
                                         bl_mpw_size(&groups), &periods, 2),
                 0);
    bl_mpw_destroy(&groups);
    bl_mpw_destroy(&periods);
}

Test(bl_downlink_codec, state_round_trip, .timeout = 10)
{
    bl_mpw_t w;
    s_state(&w);
    bl_downlink_state_t st;
    cr_assert_eq(bl_downlink_read_state(bl_mpw_data(&w), bl_mpw_size(&w),
                                        &st),
                 0);
    cr_assert_str_eq(st.cn, "benchlearn");
    cr_assert_str_eq(st.cv, "1.2");
    uint32_t n;
    cr_assert_eq(bl_mpr_array(&st.groups, &n), 0);
    cr_assert_eq(n, 1);
    int64_t p, g;
    cr_assert_eq(bl_downlink_next_period(&st, &p, &g), 0);
    cr_assert_eq(p, 2024);
    cr_assert_eq(g, 3);
    cr_assert_eq(bl_downlink_next_period(&st, &p, &g), 0);
    cr_assert_eq(p, 2025);
    cr_assert_eq(g, 1);
    cr_assert_eq(bl_downlink_next_period(&st, &p, &g), BL_ENOTFOUND);
    bl_mpw_destroy(&w);
}

Test(bl_downlink_codec, page_request_round_trip, .timeout = 10)
{
    for (int w = 0; w < BL_DOWNLINK_WHAT_COUNT; w++) {
        bl_downlink_page_t req = {2025, (bl_downlink_what_t)w, 5000,
                                  w == 1 ? "2025\x1fRES-01" : NULL,
                                  w == 1 ? 11 : 0};
        bl_mpw_t m;
        bl_mpw_init(&m);
        cr_assert_eq(bl_downlink_write_page_request(&m, &req), 0);
        bl_downlink_page_t got;
        cr_assert_eq(bl_downlink_read_page_request(bl_mpw_data(&m),
                                                   bl_mpw_size(&m), 100,
                                                   &got),
                     0);
        cr_assert_eq(got.period, 2025);
        cr_assert_eq((int)got.what, w);
        cr_assert_eq(got.limit, 5000);
        cr_assert_eq(got.after_len, req.after_len);
        if (req.after) {
            cr_assert_eq(memcmp(got.after, req.after, req.after_len), 0);
        } else {
            cr_assert_null(got.after);
        }
        bl_mpw_destroy(&m);
    }
}

Test(bl_downlink_codec, every_truncation_is_refused, .timeout = 30)
{
    bl_mpw_t w;
    s_state(&w);
    size_t len = bl_mpw_size(&w);
    for (size_t cut = 0; cut < len; cut++) {
        unsigned char *copy = malloc(cut ? cut : 1);
        cr_assert_not_null(copy);
        memcpy(copy, bl_mpw_data(&w), cut);
        bl_downlink_state_t st;
        cr_assert_eq(bl_downlink_read_state(copy, cut, &st), BL_EPROTO,
                     "a cut at %zu of %zu was accepted", cut, len);
        free(copy);
    }
    bl_mpw_nil(&w);
    bl_downlink_state_t st;
    cr_assert_eq(bl_downlink_read_state(bl_mpw_data(&w), bl_mpw_size(&w),
                                        &st),
                 BL_EPROTO, "trailing bytes were accepted");
    bl_mpw_destroy(&w);
    bl_downlink_page_t req = {2025, BL_DOWNLINK_BAND4, 10, "x", 1};
    bl_mpw_init(&w);
    cr_assert_eq(bl_downlink_write_page_request(&w, &req), 0);
    len = bl_mpw_size(&w);
    for (size_t cut = 0; cut < len; cut++) {
        bl_downlink_page_t got;
        cr_assert_eq(bl_downlink_read_page_request(bl_mpw_data(&w), cut, 10,
                                                   &got),
                     BL_EPROTO, "a request cut at %zu was accepted", cut);
    }
    bl_mpw_destroy(&w);
}

/* {cmd, period, what, limit?, after?} with the given fields. */
static int s_request(const char *what, int64_t limit, size_t after_len,
                     bl_downlink_page_t *got)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 3 + (limit >= 0) + (after_len > 0));
    bl_mpw_str(&w, "cmd");
    bl_mpw_str(&w, "downlink");
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, 2025);
    bl_mpw_str(&w, "what");
    bl_mpw_str(&w, what);
    if (limit >= 0) {
        bl_mpw_str(&w, "limit");
        bl_mpw_int(&w, limit);
    }
    char *after = NULL;
    if (after_len > 0) {
        after = malloc(after_len);
        cr_assert_not_null(after);
        memset(after, 'a', after_len);
        bl_mpw_str(&w, "after");
        bl_mpw_strn(&w, after, after_len);
    }
    int rc = bl_downlink_read_page_request(bl_mpw_data(&w), bl_mpw_size(&w),
                                           77, got);
    free(after);
    bl_mpw_destroy(&w);
    return rc;
}

Test(bl_downlink_codec, bad_request_fields_are_refused_never_widened,
     .timeout = 10)
{
    bl_downlink_page_t got;
    cr_assert_eq(s_request("positions", -1, 0, &got), 0);
    cr_assert_eq(got.limit, 77, "no limit: the default");
    cr_assert_eq(s_request("positions", BL_DOWNLINK_LIMIT_MAX + 1, 0, &got),
                 0);
    cr_assert_eq(got.limit, 77, "a limit out of range: the default");
    cr_assert_eq(s_request("positions", 0, 0, &got), 0);
    cr_assert_eq(got.limit, 77);
    cr_assert_eq(s_request("everything", 10, 0, &got), BL_EPROTO);
    cr_assert_eq(s_request("stats", 10, BL_STORE_KEY_MAX, &got), 0);
    cr_assert_eq(s_request("stats", 10, BL_STORE_KEY_MAX + 1, &got),
                 BL_EPROTO);
}

Test(bl_downlink_codec, oversized_state_is_refused, .timeout = 10)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 5);
    bl_mpw_str(&w, "ok");
    bl_mpw_bool(&w, true);
    bl_mpw_str(&w, "cn");
    char name[BL_DOWNLINK_NAME_MAX + 1];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    bl_mpw_str(&w, name);
    bl_mpw_str(&w, "cv");
    bl_mpw_str(&w, "1");
    bl_mpw_str(&w, "groups");
    bl_mpw_array(&w, 0);
    bl_mpw_str(&w, "periods");
    bl_mpw_array(&w, 0);
    bl_downlink_state_t st;
    cr_assert_eq(bl_downlink_read_state(bl_mpw_data(&w), bl_mpw_size(&w),
                                        &st),
                 BL_EPROTO, "an over-long catalogue name was accepted");
    bl_mpw_reset(&w);
    bl_mpw_map(&w, 5);
    bl_mpw_str(&w, "ok");
    bl_mpw_bool(&w, true);
    bl_mpw_str(&w, "cn");
    bl_mpw_str(&w, "c");
    bl_mpw_str(&w, "cv");
    bl_mpw_str(&w, "1");
    bl_mpw_str(&w, "groups");
    bl_mpw_array(&w, 0);
    bl_mpw_str(&w, "periods");
    bl_mpw_array(&w, UINT32_MAX);
    cr_assert_eq(bl_downlink_read_state(bl_mpw_data(&w), bl_mpw_size(&w),
                                        &st),
                 BL_EPROTO, "a huge period count was accepted");
    bl_mpw_destroy(&w);
}

static void s_practice(bl_downlink_practice_t *p, bool share)
{
    memset(p, 0, sizeof *p);
    p->share = share;
    snprintf(p->id, sizeof p->id, "%s", share ? "PT-005" : "");
    snprintf(p->country, sizeof p->country, "PT");
    snprintf(p->service_type, sizeof p->service_type, "day_services");
    p->name = share ? "Faro Caminho" : "";
    p->name_len = (uint32_t)strlen(p->name);
    p->title = "Partner days";
    p->title_len = 12;
    p->description = "Twice a year";
    p->description_len = 12;
    p->contact = share ? "a@b.example" : "";
    p->contact_len = (uint32_t)strlen(p->contact);
}

Test(bl_downlink_codec, practice_round_trip, .timeout = 10)
{
    cr_assert_str_eq(bl_downlink_what_name(BL_DOWNLINK_PRACTICES),
                     "practices");
    for (int share = 0; share < 2; share++) {
        bl_downlink_practice_t p, q;
        s_practice(&p, share);
        bl_mpw_t w;
        bl_mpw_init(&w);
        cr_assert_eq(bl_downlink_write_practice(&w, &p), 0);
        cr_assert_eq(bl_downlink_read_practice(bl_mpw_data(&w),
                                               bl_mpw_size(&w), &q),
                     0);
        cr_assert_eq(q.share, (bool)share);
        cr_assert_str_eq(q.id, p.id);
        cr_assert_str_eq(q.country, "PT");
        cr_assert_str_eq(q.service_type, "day_services");
        cr_assert_eq(q.name_len, p.name_len);
        cr_assert_eq(memcmp(q.name, p.name, p.name_len), 0);
        cr_assert_eq(q.title_len, 12);
        cr_assert_eq(memcmp(q.title, "Partner days", 12), 0);
        cr_assert_eq(q.description_len, 12);
        cr_assert_eq(q.contact_len, p.contact_len);
        cr_assert_eq(memcmp(q.contact, p.contact, p.contact_len), 0);
        size_t len = bl_mpw_size(&w);
        for (size_t cut = 0; cut < len; cut++) {
            cr_assert_eq(bl_downlink_read_practice(bl_mpw_data(&w), cut, &q),
                         BL_EPROTO, "a cut at %zu of %zu was accepted", cut,
                         len);
        }
        bl_mpw_nil(&w);
        cr_assert_eq(bl_downlink_read_practice(bl_mpw_data(&w),
                                               bl_mpw_size(&w), &q),
                     BL_EPROTO, "trailing bytes were accepted");
        bl_mpw_destroy(&w);
    }
    /* the page request asks for practices */
    bl_downlink_page_t req = {2025, BL_DOWNLINK_PRACTICES, 200, NULL, 0};
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_downlink_write_page_request(&w, &req), 0);
    bl_downlink_page_t back;
    cr_assert_eq(bl_downlink_read_page_request(bl_mpw_data(&w),
                                               bl_mpw_size(&w), 5000, &back),
                 0);
    cr_assert_eq(back.what, BL_DOWNLINK_PRACTICES);
    cr_assert_eq(back.limit, 200);
    bl_mpw_destroy(&w);
}

Test(bl_downlink_codec, practice_hidden_identity_and_oversize_are_refused,
     .timeout = 10)
{
    bl_downlink_practice_t p, q;
    bl_mpw_t w;
    bl_mpw_init(&w);
    /* identity of an author that does not share it */
    const char *leaks[] = {"id", "name", "contact"};
    for (int i = 0; i < 3; i++) {
        s_practice(&p, false);
        if (i == 0) {
            snprintf(p.id, sizeof p.id, "PT-004");
        } else if (i == 1) {
            p.name = "Coimbra Apoio";
            p.name_len = 13;
        } else {
            p.contact = "c@d.example";
            p.contact_len = 11;
        }
        bl_mpw_reset(&w);
        cr_assert_eq(bl_downlink_write_practice(&w, &p), 0);
        cr_assert_eq(bl_downlink_read_practice(bl_mpw_data(&w),
                                               bl_mpw_size(&w), &q),
                     BL_EPROTO, "a hidden author's %s was accepted",
                     leaks[i]);
    }
    /* a description over its bound */
    char *big = malloc(BL_DOWNLINK_TEXT_MAX + 1);
    cr_assert_not_null(big);
    memset(big, 'd', BL_DOWNLINK_TEXT_MAX + 1);
    s_practice(&p, true);
    p.description = big;
    p.description_len = BL_DOWNLINK_TEXT_MAX + 1;
    bl_mpw_reset(&w);
    cr_assert_eq(bl_downlink_write_practice(&w, &p), 0);
    cr_assert_eq(bl_downlink_read_practice(bl_mpw_data(&w), bl_mpw_size(&w),
                                           &q),
                 BL_EPROTO);
    p.description_len = BL_DOWNLINK_TEXT_MAX;
    bl_mpw_reset(&w);
    cr_assert_eq(bl_downlink_write_practice(&w, &p), 0);
    cr_assert_eq(bl_downlink_read_practice(bl_mpw_data(&w), bl_mpw_size(&w),
                                           &q),
                 0);
    free(big);
    bl_mpw_destroy(&w);
}
