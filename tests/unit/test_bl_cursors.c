/*
 * Tests of bl_cursors: puts and gets through a set of cursors give
 * what bl_store_put, bl_store_put_new, bl_store_append and bl_store_get
 * give — the first line of a key kept, keys out of order appended or put
 * in between, other writers in the same transaction (page splits included)
 * seen, key bounds, more databases than cursors.
 *
 * Each test opens its own LMDB environment (MDB_WRITEMAP, as bl_store)
 * in a private mkdtemp directory that .fini removes.  Not a test of LMDB.
 */
#include "bl_cursors.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bl_store.h"
#include "bl_test_node.h"

#define S_DBS (BL_CURSORS_MAX + 2)

static char s_dir[64];
static MDB_env *s_env;
static MDB_txn *s_txn;
static MDB_dbi s_dbi[S_DBS];

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_cursors_test_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
    cr_assert_eq(mdb_env_create(&s_env), 0);
    cr_assert_eq(mdb_env_set_maxdbs(s_env, S_DBS), 0);
    cr_assert_eq(mdb_env_set_mapsize(s_env, (size_t)64 << 20), 0);
    cr_assert_eq(mdb_env_open(s_env, s_dir, MDB_NOTLS | MDB_WRITEMAP, 0640),
                 0);
    cr_assert_eq(mdb_txn_begin(s_env, NULL, 0, &s_txn), 0);
    for (int i = 0; i < S_DBS; i++) {
        char name[16];
        snprintf(name, sizeof name, "db%d", i);
        cr_assert_eq(mdb_dbi_open(s_txn, name, MDB_CREATE, &s_dbi[i]), 0);
    }
}

static void s_teardown(void)
{
    if (s_txn != NULL) {
        mdb_txn_abort(s_txn);
        s_txn = NULL;
    }
    if (s_env != NULL) {
        mdb_env_close(s_env);
        s_env = NULL;
    }
    if (s_dir[0] != '\0') {
        bl_test_rm_tree(s_dir);
        s_dir[0] = '\0';
    }
}

TestSuite(bl_cursors, .init = s_setup, .fini = s_teardown);

/* The key of n: "k" and n in six digits, so that keys sort as numbers. */
static size_t s_key(char *buf, unsigned n)
{
    return (size_t)snprintf(buf, 16, "k%06u", n);
}

/* The value stored under key in db through a plain mdb_get; -1 absent. */
static long s_plain_get(MDB_dbi dbi, const char *key)
{
    MDB_val k = {strlen(key), (void *)key}, v;
    if (mdb_get(s_txn, dbi, &k, &v) != 0) {
        return -1;
    }
    long x = 0;
    cr_assert_eq(v.mv_size, sizeof x);
    memcpy(&x, v.mv_data, sizeof x);
    return x;
}

Test(bl_cursors, put_new_keeps_the_first_value, .timeout = 10)
{
    bl_cursors_t c;
    bl_cursors_init(&c, s_txn);
    long one = 1, two = 2;
    MDB_val old = {0, NULL};
    cr_assert_eq(bl_cursors_put(&c, s_dbi[0], "k", 1, &one, sizeof one,
                                MDB_NOOVERWRITE | MDB_APPEND, &old, NULL),
                                0);
    cr_assert_eq(bl_cursors_put(&c, s_dbi[0], "k", 1, &two, sizeof two,
                                MDB_NOOVERWRITE | MDB_APPEND, &old, NULL),
                                1);
    cr_assert_eq(old.mv_size, sizeof one);
    cr_assert_eq(memcmp(old.mv_data, &one, sizeof one), 0);
    /* and without MDB_APPEND, on a key before the last one */
    cr_assert_eq(bl_cursors_put(&c, s_dbi[0], "z", 1, &two, sizeof two,
                                MDB_NOOVERWRITE, &old, NULL),
                                0);
    cr_assert_eq(bl_cursors_put(&c, s_dbi[0], "k", 1, &two, sizeof two,
                                MDB_NOOVERWRITE, &old, NULL),
                                1);
    cr_assert_eq(memcmp(old.mv_data, &one, sizeof one), 0);
    cr_assert_eq(s_plain_get(s_dbi[0], "k"), 1);
    bl_cursors_close(&c);
    bl_cursors_close(&c);   /* harmless twice */
}

Test(bl_cursors, append_out_of_order_stores_every_key, .timeout = 10)
{
    bl_cursors_t c;
    bl_cursors_init(&c, s_txn);
    /* ascending runs that each start below the last key, as the keys of
     * a file's rows do; some keys come twice (the later value wins, as
     * with bl_store_append) */
    static long last[5000];
    for (unsigned n = 0; n < 5000; n++) {
        last[n] = -1;
    }
    unsigned n_keys = 0;
    for (unsigned run = 0; run < 200; run++) {
        for (unsigned i = 0; i < 40; i++) {
            unsigned n = (i * 7919u + run * 13u) % 5000u;
            char key[16];
            size_t kl = s_key(key, n);
            long x = (long)(run * 100 + i);
            cr_assert_eq(bl_cursors_put(&c, s_dbi[1], key, kl, &x, sizeof x,
                                        MDB_APPEND, NULL, NULL),
                                        0);
            last[n] = x;
            n_keys++;
        }
    }
    cr_assert_eq(n_keys, 8000);
    size_t distinct = 0;
    for (unsigned n = 0; n < 5000; n++) {
        char key[16];
        s_key(key, n);
        cr_assert_eq(s_plain_get(s_dbi[1], key), last[n], "key %s", key);
        distinct += last[n] >= 0;
    }
    /* the keys are in order, each once */
    MDB_cursor *cur;
    cr_assert_eq(mdb_cursor_open(s_txn, s_dbi[1], &cur), 0);
    MDB_val k, v;
    char prev[16] = "";
    size_t count = 0;
    for (int rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        char key[16];
        cr_assert_lt(k.mv_size, sizeof key);
        memcpy(key, k.mv_data, k.mv_size);
        key[k.mv_size] = '\0';
        cr_assert_gt(strcmp(key, prev), 0);
        memcpy(prev, key, sizeof key);
        count++;
    }
    mdb_cursor_close(cur);
    MDB_stat st;
    cr_assert_eq(mdb_stat(s_txn, s_dbi[1], &st), 0);
    cr_assert_eq(count, st.ms_entries);
    cr_assert_eq(count, distinct);
    bl_cursors_close(&c);
}

Test(bl_cursors, sees_other_writers_across_page_splits, .timeout = 10)
{
    bl_cursors_t c;
    bl_cursors_init(&c, s_txn);
    /* the cursor and plain mdb_put take turns on one database, in an order
     * that splits pages under the cursor */
    for (unsigned n = 0; n < 6000; n++) {
        unsigned m = (n * 4099u) % 6000u;
        char key[16];
        size_t kl = s_key(key, m);
        long x = (long)m * 3;
        if (n % 3 == 0) {
            MDB_val k = {kl, key}, v = {sizeof x, &x};
            cr_assert_eq(mdb_put(s_txn, s_dbi[2], &k, &v, 0), 0);
        } else {
            cr_assert_eq(bl_cursors_put(&c, s_dbi[2], key, kl, &x, sizeof x, 0,
                                        NULL, NULL),
                                        0);
        }
        /* read back through the cursor: the last key, and one put earlier */
        MDB_val got;
        cr_assert_eq(bl_cursors_get(&c, s_dbi[2], key, kl, &got, NULL), 0);
        cr_assert_eq(memcmp(got.mv_data, &x, sizeof x), 0);
        unsigned e = ((n / 2) * 4099u) % 6000u;
        kl = s_key(key, e);
        cr_assert_eq(bl_cursors_get(&c, s_dbi[2], key, kl, &got, NULL), 0,
                                    "key %s", key);
        long ex = (long)e * 3;
        cr_assert_eq(memcmp(got.mv_data, &ex, sizeof ex), 0);
    }
    MDB_val got;
    cr_assert_eq(bl_cursors_get(&c, s_dbi[2], "k999999", 7, &got, NULL),
                                BL_ENOTFOUND);
    cr_assert_eq(bl_cursors_get(&c, s_dbi[2], "a", 1, &got, NULL),
                                BL_ENOTFOUND);
    MDB_stat st;
    cr_assert_eq(mdb_stat(s_txn, s_dbi[2], &st), 0);
    cr_assert_eq(st.ms_entries, 6000);
    cr_assert_gt(st.ms_depth, 1);   /* pages did split */
    bl_cursors_close(&c);
}

Test(bl_cursors, key_bounds_as_bl_store, .timeout = 10)
{
    bl_cursors_t c;
    bl_cursors_init(&c, s_txn);
    char big[BL_STORE_KEY_MAX + 1];
    memset(big, 'x', sizeof big);
    long x = 7;
    MDB_val v;
    cr_assert_eq(bl_cursors_put(&c, s_dbi[0], big, 0, &x, sizeof x, 0, NULL,
                                NULL),
                                BL_EINVAL);
    cr_assert_eq(bl_cursors_put(&c, s_dbi[0], big, sizeof big, &x, sizeof x, 0,
                                NULL, NULL),
                                BL_EINVAL);
    cr_assert_eq(bl_cursors_get(&c, s_dbi[0], big, sizeof big, &v, NULL),
                                BL_ENOTFOUND);
    cr_assert_eq(bl_cursors_put(&c, s_dbi[0], big, BL_STORE_KEY_MAX, &x,
                                sizeof x, 0, NULL, NULL),
                                0);
    cr_assert_eq(
        bl_cursors_get(&c, s_dbi[0], big, BL_STORE_KEY_MAX, &v, NULL), 0);
    bl_cursors_close(&c);
}

Test(bl_cursors, more_databases_than_cursors, .timeout = 10)
{
    bl_cursors_t c;
    bl_cursors_init(&c, s_txn);
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < S_DBS; i++) {
            long x = i * 10 + round;
            MDB_val old;
            int rc = bl_cursors_put(&c, s_dbi[i], "same", 4, &x, sizeof x,
                                    round == 0 ? MDB_NOOVERWRITE | MDB_APPEND
                                    : MDB_NOOVERWRITE,
                                    &old, NULL);
            cr_assert_eq(rc, round, "db %d", i);
            if (round == 1) {
                cr_assert_eq(memcmp(old.mv_data, &(long){i * 10}, sizeof x),
                             0);
                cr_assert_eq(bl_cursors_put(&c, s_dbi[i], "same", 4, &x,
                                            sizeof x, MDB_APPEND, NULL, NULL),
                                            0);
            }
        }
    }
    cr_assert_eq(c.n, BL_CURSORS_MAX);
    for (int i = 0; i < S_DBS; i++) {
        MDB_val v;
        cr_assert_eq(bl_cursors_get(&c, s_dbi[i], "same", 4, &v, NULL), 0);
        cr_assert_eq(memcmp(v.mv_data, &(long){i * 10 + 1}, sizeof(long)),
                     0);
    }
    bl_cursors_close(&c);
    cr_assert_eq(c.n, 0);
}
