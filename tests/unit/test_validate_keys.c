/*
 * test_validate_keys: the repeat check's keys, kept per message and
 * provider (services/validate/validate_keys.c), on an LMDB database in a
 * temporary folder: keys found within a message and across messages
 * (transactions), a provider whose id begins another's kept apart, a
 * register key (the provider alone), a provider's entries of many
 * messages folded into one, entries of an earlier release (one key each)
 * read, and a key too long to keep refused; a complete submission's
 * entries forgotten, and no other's (not one whose id begins with it);
 * and a move between workers finds each entry's provider
 * (validate_rebalance's rule for "keys").
 */
#include <criterion/criterion.h>
#include <inttypes.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_store.h"
#include "bl_test_lmdb.h"
#include "validate_keys.h"
#include "validate_rebalance.h"

static bl_test_lmdb_t s_db;
static MDB_txn *s_txn;
static vkeys_t s_k;
static const char *s_sub = "t1-000001";

static void s_setup(void)
{
    bl_test_lmdb_open(&s_db, "vkeys", "keys");
    vkeys_init(&s_k);
}

static void s_teardown(void)
{
    vkeys_free(&s_k);
    bl_test_lmdb_close(&s_db);
}

/* A message: a write transaction with the keys of its rows. */
static void s_begin(void)
{
    cr_assert_eq(mdb_txn_begin(s_db.env, NULL, 0, &s_txn), 0);
    vkeys_begin(&s_k, s_txn, s_db.dbi, s_sub);
}

static void s_end(void)
{
    bl_err_t err = {0};
    cr_assert_eq(vkeys_flush(&s_k, &err), 0, "%s", err.msg);
    vkeys_end(&s_k);
    cr_assert_eq(mdb_txn_commit(s_txn), 0);
}

/* The line that used key first (line when it is new). */
static uint64_t s_check(const char *key, uint64_t line)
{
    uint64_t first = 0;
    bl_err_t err = {0};
    cr_assert_eq(vkeys_check(&s_k, key, strlen(key), line, &first, &err), 0,
                 "%s", err.msg);
    return first;
}

/* Entries in the database. */
static size_t s_entries(void)
{
    MDB_txn *t;
    MDB_stat st;
    cr_assert_eq(mdb_txn_begin(s_db.env, NULL, MDB_RDONLY, &t), 0);
    cr_assert_eq(mdb_stat(t, s_db.dbi, &st), 0);
    mdb_txn_abort(t);
    return st.ms_entries;
}

TestSuite(validate_keys, .init = s_setup, .fini = s_teardown);

Test(validate_keys, a_key_is_found_in_its_run_and_in_later_messages)
{
    s_begin();
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr1\x1f" "2025", 2), 2);
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr2\x1f" "2025", 3), 3);
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr1\x1f" "2025", 4), 2);
    s_end();
    cr_expect_eq(s_entries(), 1, "one entry for the run");
    s_begin();
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr2\x1f" "2025", 5), 3);
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr3\x1f" "2025", 6), 6);
    s_end();
    s_begin();
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr3\x1f" "2025", 7), 6);
    s_end();
}

Test(validate_keys, a_provider_whose_id_begins_another_is_kept_apart)
{
    s_begin();
    cr_expect_eq(s_check("NO-10\x1fuser\x1fr1\x1f" "2025", 2), 2);
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr1\x1f" "2025", 3), 3);
    cr_expect_eq(s_check("NO-1", 4), 4);        /* a register row */
    cr_expect_eq(s_check("NO-10", 5), 5);
    s_end();
    s_begin();
    cr_expect_eq(s_check("NO-1", 6), 4);
    cr_expect_eq(s_check("NO-10\x1fuser\x1fr1\x1f" "2025", 7), 2);
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr1\x1f" "2025", 8), 3);
    cr_expect_eq(s_check("NO-10", 9), 5);
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr2\x1f" "2025", 10), 10);
    s_end();
}

/* Submission sub's keys, a provider of each kind: a run and a register
 * row. */
static void s_keys_of(const char *sub)
{
    const char *was = s_sub;
    s_sub = sub;
    s_begin();
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr1\x1f" "2025", 2), 2);
    cr_expect_eq(s_check("NO-2", 3), 3);
    s_end();
    s_sub = was;
}

Test(validate_keys, a_complete_submission_is_forgotten_and_no_other)
{
    s_keys_of("t1-000001");
    s_keys_of("t1-0000011");
    s_keys_of("t1-000002");
    cr_assert_eq(s_entries(), 6);
    bl_err_t err = {0};
    cr_assert_eq(mdb_txn_begin(s_db.env, NULL, 0, &s_txn), 0);
    cr_assert_eq(vkeys_forget(s_txn, s_db.dbi, "t1-000001", &err), 0, "%s",
                 err.msg);
    cr_assert_eq(mdb_txn_commit(s_txn), 0);
    cr_expect_eq(s_entries(), 4, "only t1-000001's two entries went");
    /* The others' keys are still found. */
    s_sub = "t1-0000011";
    s_begin();
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr1\x1f" "2025", 9), 2);
    cr_expect_eq(s_check("NO-2", 10), 3);
    s_end();
    s_sub = "t1-000001";
    s_begin();
    cr_expect_eq(s_check("NO-2", 11), 11, "forgotten");
    vkeys_end(&s_k);
    mdb_txn_abort(s_txn);
}

/* Rows of three providers in turn: one entry per provider and message;
 * a provider's entries of more than 8 messages are folded into one when
 * its next message reads them, and every key is still found. */
Test(validate_keys, a_providers_entries_of_many_messages_are_folded)
{
    char key[64];
    for (unsigned m = 0; m < 20; m++) {
        s_begin();
        for (unsigned r = 10 * m; r < 10 * m + 10; r++) {
            for (unsigned p = 0; p < 3; p++) {
                snprintf(key, sizeof key, "P%u\x1fuser\x1fr%u", p, r);
                uint64_t line = 2 + 3 * r + p;
                cr_assert_eq(s_check(key, line), line, "%s", key);
            }
        }
        s_end();
        cr_expect_leq(s_entries(), 3 * 9, "message %u: %zu entries", m,
                      s_entries());
        if (m == 8) {
            cr_expect_eq(s_entries(), 3 * 9, "one entry per provider and "
                                             "message before a fold");
        }
    }
    s_begin();
    for (unsigned r = 0; r < 200; r++) {
        for (unsigned p = 0; p < 3; p++) {
            snprintf(key, sizeof key, "P%u\x1fuser\x1fr%u", p, r);
            cr_assert_eq(s_check(key, 1000 + r), 2 + 3 * r + p, "%s", key);
        }
    }
    s_end();
}

Test(validate_keys, an_earlier_release_entry_of_one_key_is_read)
{
    /* sub \0 row key -> its line (8 bytes), as earlier releases kept it */
    MDB_txn *t;
    cr_assert_eq(mdb_txn_begin(s_db.env, NULL, 0, &t), 0);
    const char *rows[] = {"NO-1\x1fuser\x1fr1", "NO-1"};
    for (size_t i = 0; i < 2; i++) {
        unsigned char k[128], line[8];
        size_t sl = strlen(s_sub) + 1, rl = strlen(rows[i]);
        memcpy(k, s_sub, sl);
        memcpy(k + sl, rows[i], rl);
        bl_store_u64_key(40 + i, line);
        MDB_val mk = {sl + rl, k}, mv = {8, line};
        cr_assert_eq(mdb_put(t, s_db.dbi, &mk, &mv, 0), 0);
    }
    cr_assert_eq(mdb_txn_commit(t), 0);
    s_begin();
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr2", 50), 50);
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr1", 51), 40);
    cr_expect_eq(s_check("NO-1", 52), 41);
    s_end();
}

Test(validate_keys, a_provider_too_long_to_keep_is_refused)
{
    char key[600];
    memset(key, 'A', 505);
    key[505] = '\0';
    s_begin();
    uint64_t first;
    bl_err_t err = {0};
    cr_expect_eq(vkeys_check(&s_k, key, strlen(key), 2, &first, &err),
                 BL_ETOOBIG);
    cr_expect_eq(s_check("NO-1\x1fuser\x1fr1", 3), 3);
    s_end();
}

Test(validate_keys, a_move_between_workers_finds_each_entrys_provider)
{
    s_begin();
    cr_assert_eq(s_check("NO-1\x1fuser\x1fr1", 2), 2);
    cr_assert_eq(s_check("NO-10\x1fuser\x1fr1", 3), 3);
    cr_assert_eq(s_check("NO-1", 4), 4);
    s_end();
    const bl_rebalance_rule_t *rule = NULL;
    for (size_t i = 0; i < validate_rebalance.n_rules; i++) {
        if (strcmp(validate_rebalance.rules[i].db, "keys") == 0) {
            rule = &validate_rebalance.rules[i];
        }
    }
    cr_assert_not_null(rule);
    cr_assert_eq(rule->kind, BL_REBALANCE_BY_PROVIDER);
    MDB_txn *t;
    MDB_cursor *c;
    cr_assert_eq(mdb_txn_begin(s_db.env, NULL, MDB_RDONLY, &t), 0);
    cr_assert_eq(mdb_cursor_open(t, s_db.dbi, &c), 0);
    MDB_val k, v;
    const char *want[] = {"NO-1", "NO-10"};
    size_t n = 0;
    while (mdb_cursor_get(c, &k, &v, n ? MDB_NEXT : MDB_FIRST) == 0) {
        char buf[64];
        cr_assert_lt(n, 2);
        cr_expect_gt(rule->provider(&k, &v, buf, sizeof buf), 0);
        cr_expect_str_eq(buf, want[n]);
        n++;
    }
    cr_expect_eq(n, 2, "%zu entries: NO-1's (its rows and its register "
                       "row, apart in the message, in one) and NO-10's", n);
    mdb_cursor_close(c);
    mdb_txn_abort(t);
}
