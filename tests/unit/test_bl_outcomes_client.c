/*
 * Tests of bl_outcomes_client: the row outcomes of several validation
 * workers (faked here: each serves its lines a page at a time, as
 * validate's "outcomes" request does) come out in line order, pages
 * fetched as they are read, at most max rows with `more` set, and an
 * answer out of shape is refused.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "bl_error.h"
#include "bl_msg.h"
#include "bl_outcomes_client.h"
#include "bl_rpc.h"

#define S_WORKERS 3

/* Each worker's lines, in order, ending with 0. */
typedef struct s_fake {
    const uint64_t *lines[S_WORKERS];
    int asked[S_WORKERS];
    bool bad_order;          /* worker 1 answers a line twice */
} s_fake_t;

/* A reply envelope holding payload, as bl_rpc_recv gives it. */
static void s_reply(const bl_mpw_t *payload, bl_reply_t *reply)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_msg_t m = {.type = BL_MSG_REPLY, .payload = bl_mpw_data(payload),
                  .payload_len = bl_mpw_size(payload)};
    strcpy(m.sender, "validate");
    cr_assert_eq(bl_msg_encode(&w, &m), 0);
    reply->len = bl_mpw_size(&w);
    reply->data = malloc(reply->len);
    cr_assert_not_null(reply->data);
    memcpy(reply->data, bl_mpw_data(&w), reply->len);
    bl_mpw_destroy(&w);
    cr_assert_eq(bl_msg_decode(reply->data, reply->len, &reply->msg, NULL),
                 0);
}

/* bl_sub_ask_fn: worker k's lines after `after`, `limit` of them; a line
 * divisible by 5 has one problem, its field "f<line>". */
static int s_ask(void *ctx, int k, const bl_mpw_t *req, bl_reply_t *reply,
                 bl_err_t *err)
{
    (void)err;
    s_fake_t *f = ctx;
    f->asked[k - 1]++;
    bl_msg_t q = {.payload = bl_mpw_data(req),
                  .payload_len = bl_mpw_size(req)};
    int64_t after, limit;
    cr_assert_eq(bl_req_int(&q, "after", &after), 0);
    cr_assert_eq(bl_req_int(&q, "limit", &limit), 0);
    const uint64_t *l = f->lines[k - 1];
    size_t first = 0;
    while (l[first] != 0 && l[first] <= (uint64_t)after) {
        first++;
    }
    size_t n = 0;
    while (l[first + n] != 0 && n < (size_t)limit) {
        n++;
    }
    bool more = l[first + n] != 0;
    bl_mpw_t p;
    bl_mpw_init(&p);
    bl_mpw_map(&p, 2);
    bl_mpw_str(&p, "rows");
    bl_mpw_array(&p, (uint32_t)n + (f->bad_order && k == 1 && n > 0));
    for (size_t i = 0; i < n; i++) {
        uint64_t line = l[first + i];
        bl_mpw_array(&p, 3);
        bl_mpw_uint(&p, line);
        bl_mpw_uint(&p, line % 5 == 0 ? 2 : 0);
        bl_mpw_array(&p, line % 5 == 0);
        if (line % 5 == 0) {
            char field[16];
            snprintf(field, sizeof field, "f%llu", (unsigned long long)line);
            bl_mpw_array(&p, 3);
            bl_mpw_bool(&p, true);
            bl_mpw_str(&p, field);
            bl_mpw_str(&p, "why");
        }
        if (f->bad_order && k == 1 && i == 0) {
            bl_mpw_array(&p, 3);    /* the same line again */
            bl_mpw_uint(&p, line);
            bl_mpw_uint(&p, 0);
            bl_mpw_array(&p, 0);
        }
    }
    bl_mpw_str(&p, "more");
    bl_mpw_bool(&p, more);
    s_reply(&p, reply);
    bl_mpw_destroy(&p);
    return 0;
}

/* What the rows read: "line" or "line:field", space-separated. */
typedef struct s_seen {
    char text[4096];
} s_seen_t;

static int s_row(void *ctx, const bl_outcome_row_t *row)
{
    s_seen_t *s = ctx;
    size_t at = strlen(s->text);
    snprintf(s->text + at, sizeof s->text - at, "%s%llu", at ? " " : "",
             (unsigned long long)row->line);
    bl_mpr_t r = row->problems;
    for (uint32_t j = 0; j < row->n_problems; j++) {
        bool error;
        const char *f, *why;
        uint32_t fl, wl;
        cr_assert_eq(bl_outcome_problem(&r, &error, &f, &fl, &why, &wl), 0);
        at = strlen(s->text);
        snprintf(s->text + at, sizeof s->text - at, ":%.*s", (int)fl, f);
    }
    return 0;
}

static const uint64_t s_w1[] = {2, 5, 6, 11, 12, 13, 20, 0};
static const uint64_t s_w2[] = {3, 4, 10, 0};
static const uint64_t s_w3[] = {7, 8, 9, 14, 15, 16, 17, 18, 19, 21, 0};

Test(bl_outcomes_client, the_workers_rows_come_out_in_line_order,
     .timeout = 10)
{
    s_fake_t f = {{s_w1, s_w2, s_w3}, {0}, false};
    s_seen_t seen = {""};
    bool more = true;
    /* pages of 2 rows: every worker is asked several times */
    cr_assert_eq(bl_outcomes_each("sub", S_WORKERS, false, 2, 0, s_ask, &f,
                                  s_row, &seen, &more, NULL),
                 0);
    cr_assert_str_eq(seen.text, "2 3 4 5:f5 6 7 8 9 10:f10 11 12 13 14 "
                                "15:f15 16 17 18 19 20:f20 21");
    cr_assert(!more);
    cr_assert_eq(f.asked[0], 4);   /* 2 5 | 6 11 | 12 13 | 20 */
    cr_assert_eq(f.asked[1], 2);   /* 3 4 | 10 */
    cr_assert_eq(f.asked[2], 5);
}

Test(bl_outcomes_client, at_most_max_rows_then_more, .timeout = 10)
{
    s_fake_t f = {{s_w1, s_w2, s_w3}, {0}, false};
    s_seen_t seen = {""};
    bool more = false;
    cr_assert_eq(bl_outcomes_each("sub", S_WORKERS, true, 1000, 6, s_ask, &f,
                                  s_row, &seen, &more, NULL),
                 0);
    cr_assert_str_eq(seen.text, "2 3 4 5:f5 6 7");
    cr_assert(more);
    /* exactly max rows: nothing left, so no `more` */
    s_fake_t g = {{s_w2, s_w2, s_w2}, {0}, false};
    seen.text[0] = '\0';
    cr_assert_eq(bl_outcomes_each("sub", 1, true, 1000, 3, s_ask, &g, s_row,
                                  &seen, &more, NULL),
                 0);
    cr_assert_str_eq(seen.text, "3 4 10:f10");
    cr_assert(!more);
}

Test(bl_outcomes_client, a_line_answered_twice_is_refused, .timeout = 10)
{
    s_fake_t f = {{s_w1, s_w2, s_w3}, {0}, true};
    s_seen_t seen = {""};
    bl_err_t err = {0};
    cr_assert_eq(bl_outcomes_each("sub", S_WORKERS, false, 1000, 0, s_ask,
                                  &f, s_row, &seen, NULL, &err),
                 BL_EPROTO);
    cr_assert_not_null(strstr(err.msg, "line 2 after line 2"), "%s",
                       err.msg);
}
