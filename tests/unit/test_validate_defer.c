/*
 * Tests of validate_defer: held-back puts are sorted in LMDB's key order
 * (bytes, then a key before its extensions), the puts of one key in the
 * order they were added; a flush makes every put (the later of one key
 * wins), empties the list and leaves it usable; key bounds as bl_store.
 *
 * Each test opens its own LMDB environment (MDB_WRITEMAP, as bl_store)
 * in a private mkdtemp directory that .fini removes.
 */
#include "validate_defer.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bl_store.h"
#include "bl_test_node.h"

static char s_dir[64];
static MDB_env *s_env;
static MDB_txn *s_txn;
static MDB_dbi s_dbi;

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/vdef_test_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
    cr_assert_eq(mdb_env_create(&s_env), 0);
    cr_assert_eq(mdb_env_set_maxdbs(s_env, 2), 0);
    cr_assert_eq(mdb_env_set_mapsize(s_env, (size_t)64 << 20), 0);
    cr_assert_eq(mdb_env_open(s_env, s_dir, MDB_NOTLS | MDB_WRITEMAP, 0640),
                 0);
    cr_assert_eq(mdb_txn_begin(s_env, NULL, 0, &s_txn), 0);
    cr_assert_eq(mdb_dbi_open(s_txn, "gvals", MDB_CREATE, &s_dbi), 0);
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

TestSuite(validate_defer, .init = s_setup, .fini = s_teardown);

static void s_add(vdef_t *d, const void *key, size_t kl, int x)
{
    cr_assert_eq(vdef_add(d, key, kl, &x, sizeof x, NULL), 0);
}

Test(validate_defer, sorts_as_lmdb_then_in_order_added, .timeout = 10)
{
    vdef_t d;
    vdef_init(&d, s_dbi);
    s_add(&d, "b", 1, 0);
    s_add(&d, "a", 1, 1);
    s_add(&d, "ab", 2, 2);
    s_add(&d, "a\0", 2, 3);
    s_add(&d, "a", 1, 4);
    s_add(&d, "\xff", 1, 5);   /* bytes are unsigned */
    s_add(&d, "A", 1, 6);
    vdef_sort(&d);
    static const struct {
        const char *key;
        size_t kl;
        size_t seq;
    } want[] = {{"A", 1, 6},  {"a", 1, 1},  {"a", 1, 4},    {"a\0", 2, 3},
                {"ab", 2, 2}, {"b", 1, 0},  {"\xff", 1, 5}};
    cr_assert_eq(d.n, 7);
    for (size_t i = 0; i < d.n; i++) {
        cr_assert_eq(d.items[i].kl, want[i].kl, "item %zu", i);
        cr_assert_eq(memcmp(d.items[i].key, want[i].key, want[i].kl), 0,
                     "item %zu", i);
        cr_assert_eq(d.items[i].seq, want[i].seq, "item %zu", i);
        int x;
        memcpy(&x, d.items[i].key + d.items[i].kl, sizeof x);
        cr_assert_eq(x, (int)want[i].seq, "item %zu", i);
    }
    vdef_free(&d);
    vdef_free(&d);   /* harmless twice */
}

Test(validate_defer, flush_puts_every_key_the_later_wins, .timeout = 10)
{
    vdef_t d;
    vdef_init(&d, s_dbi);
    vcur_t c;
    vcur_init(&c, s_txn);
    /* more puts than one page holds, keys in a scattered order, every
     * tenth key twice */
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 3000; i++) {
            if (round == 1 && i % 10 != 0) {
                continue;
            }
            int n = (i * 1237) % 3000;
            char key[32];
            int kl = snprintf(key, sizeof key, "2025\x1fIND-%02d\x1fP%05d",
                              n % 37, n);
            s_add(&d, key, (size_t)kl, n + round * 100000);
        }
    }
    cr_assert_eq(vdef_flush(&d, &c, NULL), 0);
    cr_assert_eq(d.n, 0);
    MDB_stat st;
    cr_assert_eq(mdb_stat(s_txn, s_dbi, &st), 0);
    cr_assert_eq(st.ms_entries, 3000);
    for (int n = 0; n < 3000; n++) {
        char key[32];
        int kl = snprintf(key, sizeof key, "2025\x1fIND-%02d\x1fP%05d",
                          n % 37, n);
        MDB_val k = {(size_t)kl, key}, v;
        cr_assert_eq(mdb_get(s_txn, s_dbi, &k, &v), 0);
        int x;
        cr_assert_eq(v.mv_size, sizeof x);
        memcpy(&x, v.mv_data, sizeof x);
        int i = 0;
        while ((i * 1237) % 3000 != n) {
            i++;
        }
        cr_assert_eq(x, i % 10 == 0 ? n + 100000 : n, "key %s", key);
    }
    /* usable again after a flush */
    s_add(&d, "z", 1, 9);
    cr_assert_eq(vdef_flush(&d, &c, NULL), 0);
    MDB_val k = {1, "z"}, v;
    cr_assert_eq(mdb_get(s_txn, s_dbi, &k, &v), 0);
    cr_assert_eq(vdef_flush(&d, &c, NULL), 0);   /* empty: nothing */
    vcur_close(&c);
    vdef_free(&d);
}

Test(validate_defer, key_bounds_as_bl_store, .timeout = 10)
{
    vdef_t d;
    vdef_init(&d, s_dbi);
    char big[BL_STORE_KEY_MAX + 1];
    memset(big, 'x', sizeof big);
    int x = 1;
    cr_assert_eq(vdef_add(&d, big, 0, &x, sizeof x, NULL), BL_EINVAL);
    cr_assert_eq(vdef_add(&d, big, sizeof big, &x, sizeof x, NULL),
                 BL_EINVAL);
    cr_assert_eq(d.n, 0);
    cr_assert_eq(vdef_add(&d, big, BL_STORE_KEY_MAX, NULL, 0, NULL), 0);
    cr_assert_eq(d.n, 1);
    vdef_free(&d);
}
