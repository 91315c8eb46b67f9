/*
 * test_aggregate_resp: the survey answers aggregation keeps a run at a
 * time (services/aggregate/aggregate_resp.c), on an LMDB database in a
 * temporary folder: a message's respondents of one provider, survey and
 * period become one entry; read back as a group they come once each; a
 * respondent re-sent in a later submission gives its later answers (a
 * longer id is later: no-1-1000000 after no-1-999999), an entry of an
 * earlier release (one per respondent) is older than any run; and the
 * count of stored respondents counts each once.
 */
#include <criterion/criterion.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggregate_resp.h"
#include "bl_cursors.h"
#include "bl_page.h"
#include "bl_store.h"
#include "bl_test_lmdb.h"

static bl_test_lmdb_t s_db;

static void s_setup(void)
{
    bl_test_lmdb_open(&s_db, "aresp", "resp");
}

static void s_teardown(void)
{
    bl_test_lmdb_close(&s_db);
}

TestSuite(aggregate_resp, .init = s_setup, .fini = s_teardown);

/* One records message of submission sub: respondents resp[0..n) of
 * provider, survey "user", 2025, unit "" but the last in "u1", each
 * answering its single item with answer. */
static void s_message(const char *sub, const char *provider,
                      const char *const *resp, size_t n, int answer)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(s_db.env, NULL, 0, &txn), 0);
    bl_cursors_t cur;
    bl_cursors_init(&cur, txn);
    agg_resp_run_t run;
    agg_resp_run_init(&run);
    bl_err_t err = {0};
    for (size_t i = 0; i < n; i++) {
        bl_mpw_t a;
        bl_mpw_init(&a);
        bl_mpw_array(&a, 1);
        bl_mpw_int(&a, answer);
        bl_record_survey_t x = {.period = 2025};
        snprintf(x.provider, sizeof x.provider, "%s", provider);
        snprintf(x.unit, sizeof x.unit, "%s", i + 1 == n ? "u1" : "");
        snprintf(x.survey, sizeof x.survey, "user");
        snprintf(x.respondent, sizeof x.respondent, "%s", resp[i]);
        x.answers_raw = bl_mpw_data(&a);
        x.answers_len = bl_mpw_size(&a);
        cr_assert_eq(agg_resp_add(&run, &cur, s_db.dbi, sub, &x, &err), 0,
                     "%s", err.msg);
        bl_mpw_destroy(&a);
    }
    cr_assert_eq(agg_resp_flush(&run, &cur, s_db.dbi, &err), 0, "%s",
                 err.msg);
    bl_cursors_close(&cur);
    agg_resp_run_free(&run);
    cr_assert_eq(mdb_txn_commit(txn), 0);
}

/* An earlier release's entry: one respondent, [unit, [answer]]. */
static void s_old_entry(const char *provider, const char *resp, int answer)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(s_db.env, NULL, 0, &txn), 0);
    const char *parts[] = {"2025", provider, "user", resp};
    char key[BL_STORE_KEY_MAX];
    size_t kl = bl_page_join(key, sizeof key, parts, 4);
    bl_mpw_t v;
    bl_mpw_init(&v);
    bl_mpw_array(&v, 2);
    bl_mpw_str(&v, "");
    bl_mpw_array(&v, 1);
    bl_mpw_int(&v, answer);
    MDB_val k = {kl, key}, d = {bl_mpw_size(&v), (void *)bl_mpw_data(&v)};
    cr_assert_eq(mdb_put(txn, s_db.dbi, &k, &d, 0), 0);
    bl_mpw_destroy(&v);
    cr_assert_eq(mdb_txn_commit(txn), 0);
}

/* What the group of provider (survey "user", 2025) gives: respondents
 * counted, the sum of their answers, and those in unit u1. */
typedef struct s_seen {
    uint64_t n, in_u1;
    int64_t sum;
} s_seen_t;

static void s_see(void *ctx, const agg_resp_answers_t *ans)
{
    s_seen_t *s = ctx;
    bl_mpr_t r;
    bl_mpr_init(&r, ans->answers, ans->answers_len);
    uint32_t n;
    int64_t x;
    cr_assert_eq(bl_mpr_array(&r, &n), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(bl_mpr_int(&r, &x), 0);
    s->n++;
    s->sum += x;
    s->in_u1 += ans->ul == 2 && memcmp(ans->unit, "u1", 2) == 0;
}

static s_seen_t s_group(const char *provider, size_t *entries)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(s_db.env, NULL, MDB_RDONLY, &txn), 0);
    char prefix[128];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix,
                                 "2025\x1f%s\x1fuser\x1f", provider);
    MDB_cursor *cur;
    cr_assert_eq(mdb_cursor_open(txn, s_db.dbi, &cur), 0);
    agg_resp_group_t g;
    agg_resp_group_init(&g);
    MDB_val k = {pl, prefix}, v;
    bl_err_t err = {0};
    int rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    *entries = 0;
    while (rc == 0 && k.mv_size > pl && memcmp(k.mv_data, prefix, pl) == 0) {
        cr_assert_eq(agg_resp_group_add(&g, (const char *)k.mv_data + pl,
                                        k.mv_size - pl, &v, &err),
                     0);
        (*entries)++;
        rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    s_seen_t seen = {0};
    uint64_t count = 0;
    cr_assert_eq(agg_resp_group_each(&g, s_see, &seen, &count, &err), 0);
    cr_assert_eq(count, seen.n);
    agg_resp_group_free(&g);
    mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return seen;
}

static uint64_t s_count(void)
{
    MDB_txn *txn;
    cr_assert_eq(mdb_txn_begin(s_db.env, NULL, MDB_RDONLY, &txn), 0);
    uint64_t n = 0;
    bl_err_t err = {0};
    cr_assert_eq(agg_resp_count(txn, s_db.dbi, &n, &err), 0, "%s", err.msg);
    mdb_txn_abort(txn);
    return n;
}

static const char *const s_five[] = {"r5", "r1", "r4", "r2", "r3"};

Test(aggregate_resp, a_message_keeps_a_run_and_reads_each_respondent_once)
{
    s_message("no-1-000001", "NO-1", s_five, 5, 4);
    size_t entries;
    s_seen_t s = s_group("NO-1", &entries);
    cr_expect_eq(entries, 1, "one entry for the run");
    cr_expect_eq(s.n, 5);
    cr_expect_eq(s.sum, 20);
    cr_expect_eq(s.in_u1, 1);
    /* another provider whose id begins with it is another group */
    s_message("no-1-000001", "NO-10", s_five, 2, 3);
    s = s_group("NO-1", &entries);
    cr_expect_eq(s.n, 5);
    cr_expect_eq(s_count(), 7);
}

Test(aggregate_resp, a_respondent_re_sent_later_gives_its_later_answers)
{
    s_message("no-1-000001", "NO-1", s_five, 5, 4);
    const char *again[] = {"r2", "r9"};
    s_message("no-1-000002", "NO-1", again, 2, 1);
    size_t entries;
    s_seen_t s = s_group("NO-1", &entries);
    cr_expect_eq(entries, 2);
    cr_expect_eq(s.n, 6, "r1-r5 and r9, r2 once");
    cr_expect_eq(s.sum, 4 * 4 + 1 + 1, "r2's answer from the later file");
    cr_expect_eq(s_count(), 6);
}

Test(aggregate_resp, a_longer_submission_id_is_later)
{
    const char *one[] = {"r1"};
    s_message("no-1-1000000", "NO-1", one, 1, 2);
    s_message("no-1-999999", "NO-1", one, 1, 5);
    size_t entries;
    s_seen_t s = s_group("NO-1", &entries);
    cr_expect_eq(entries, 2);
    cr_expect_eq(s.n, 1);
    cr_expect_eq(s.sum, 2, "no-1-1000000 came after no-1-999999");
}

Test(aggregate_resp, an_earlier_release_entry_is_read_and_older_than_a_run)
{
    s_old_entry("NO-1", "r1", 5);
    s_old_entry("NO-1", "r7", 5);
    size_t entries;
    s_seen_t s = s_group("NO-1", &entries);
    cr_expect_eq(s.n, 2);
    cr_expect_eq(s.sum, 10);
    s_message("no-1-000001", "NO-1", s_five, 5, 4);
    s = s_group("NO-1", &entries);
    cr_expect_eq(entries, 3);
    cr_expect_eq(s.n, 6, "r1-r5 from the run, r7 from before");
    cr_expect_eq(s.sum, 5 * 4 + 5, "r1's answer from the run");
    cr_expect_eq(s_count(), 6);
}

Test(aggregate_resp, a_run_holds_at_most_its_bound)
{
    enum { N = AGG_RESP_RUN_MAX + 3 };
    static char names[N][16];
    const char *resp[N];
    for (size_t i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "r%05zu", i);
        resp[i] = names[i];
    }
    s_message("no-1-000001", "NO-1", resp, N, 2);
    size_t entries;
    s_seen_t s = s_group("NO-1", &entries);
    cr_expect_eq(entries, 2);
    cr_expect_eq(s.n, N);
    cr_expect_eq(s.sum, 2 * N);
}
