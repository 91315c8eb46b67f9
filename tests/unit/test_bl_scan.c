/*
 * Tests of bl_scan: the keys under a prefix and only those, in order; an
 * empty prefix; starting from or after a key (inside, below and above the
 * prefix); deleting while walking (every key visited once); a prefix over
 * the key bound; and bl_page_each, which is built on it.
 *
 * Each test opens its own store in a private mkdtemp directory that .fini
 * removes.  Every test has the same .timeout (Criterion 2.4.1 leaks when
 * one binary mixes timeouts).
 */
#include "bl_scan.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_page.h"
#include "bl_store.h"
#include "bl_test_node.h"

static char s_dir[64];
static bl_store_t *s_store;
static const char *const s_names[] = {"rows"};

/* Keys: a, a\x1f1 .. a\x1f5, ab, b\x1f1, b\x1f2, c. */
static const char *const s_keys[] = {"a", "a\x1f" "1", "a\x1f" "2",
                                     "a\x1f" "3", "a\x1f" "4", "a\x1f" "5",
                                     "ab", "b\x1f" "1", "b\x1f" "2", "c"};
#define S_N_KEYS (sizeof s_keys / sizeof s_keys[0])

static int s_fill(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    (void)ctx;
    for (size_t i = 0; i < S_N_KEYS; i++) {
        char v[16];
        int n = snprintf(v, sizeof v, "v%zu", i);
        int rc = bl_store_put(txn, bl_store_dbi(s_store, 0), s_keys[i],
                              strlen(s_keys[i]), v, (size_t)n, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_scan_test_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
    bl_err_t err;
    cr_assert_eq(bl_store_open(&s_store, s_dir, s_names, 1, 0, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(bl_store_write(s_store, s_fill, NULL, &err), 0, "%s",
                 err.msg);
}

static void s_teardown(void)
{
    bl_store_close(&s_store);
    bl_test_rm_tree(s_dir);
}

/* Walks the scan, writing the keys joined by '|' (\x1f shown as '.'). */
static int s_walk(bl_scan_t *s, char *out, size_t size)
{
    size_t len = 0;
    out[0] = '\0';
    MDB_val k, v;
    int rc;
    while ((rc = bl_scan_next(s, &k, &v)) == 1) {
        cr_assert_eq(((const char *)v.mv_data)[0], 'v');
        for (size_t i = 0; i < k.mv_size && len + 2 < size; i++) {
            char c = ((const char *)k.mv_data)[i];
            out[len++] = c == '\x1f' ? '.' : c;
        }
        out[len++] = '|';
        out[len] = '\0';
    }
    return rc;
}

/* Scans prefix (optionally from/after a key) in a read transaction. */
static void s_scan(const char *prefix, const char *start, bool after,
                   const char *expect)
{
    MDB_txn *txn;
    bl_err_t err;
    cr_assert_eq(bl_store_read(s_store, &txn, &err), 0);
    bl_scan_t s;
    cr_assert_eq(bl_scan_open(&s, txn, bl_store_dbi(s_store, 0), prefix,
                              strlen(prefix), &err), 0, "%s", err.msg);
    if (start != NULL) {
        int rc = after ? bl_scan_after(&s, start, strlen(start))
                       : bl_scan_from(&s, start, strlen(start));
        cr_assert_eq(rc, 0);
    }
    char got[256];
    cr_assert_eq(s_walk(&s, got, sizeof got), 0);
    cr_assert_str_eq(got, expect, "prefix '%s'", prefix);
    cr_assert_eq(bl_scan_next(&s, NULL, NULL), 0, "the end stays the end");
    bl_scan_close(&s);
    bl_scan_close(&s);
    mdb_txn_abort(txn);
}

TestSuite(bl_scan, .init = s_setup, .fini = s_teardown, .timeout = 20);

Test(bl_scan, walks_only_keys_under_the_prefix_in_order)
{
    s_scan("a\x1f", NULL, false, "a.1|a.2|a.3|a.4|a.5|");
    s_scan("a", NULL, false, "a|a.1|a.2|a.3|a.4|a.5|ab|");
    s_scan("b\x1f", NULL, false, "b.1|b.2|");
    s_scan("c", NULL, false, "c|");
    s_scan("d", NULL, false, "");
    s_scan("0", NULL, false, "");
}

Test(bl_scan, empty_prefix_walks_the_whole_database)
{
    s_scan("", NULL, false, "a|a.1|a.2|a.3|a.4|a.5|ab|b.1|b.2|c|");
}

Test(bl_scan, starts_from_or_after_a_key)
{
    s_scan("a\x1f", "a\x1f" "3", false, "a.3|a.4|a.5|");
    s_scan("a\x1f", "a\x1f" "3", true, "a.4|a.5|");
    s_scan("a\x1f", "a\x1f" "5", true, "");
    /* Below the prefix: from the prefix; above it: nothing. */
    s_scan("b\x1f", "a", true, "b.1|b.2|");
    s_scan("b\x1f", "b", false, "b.1|b.2|");
    s_scan("a\x1f", "b", false, "");
}

static int s_delete_odd(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    int *visited = ctx;
    *visited = 0;
    bl_scan_t s;
    int rc = bl_scan_open(&s, txn, bl_store_dbi(s_store, 0), "a", 1, err);
    MDB_val k;
    while (rc == 0 && (rc = bl_scan_next(&s, &k, NULL)) == 1) {
        (*visited)++;
        const char *p = k.mv_data;
        char last = p[k.mv_size - 1];
        rc = last == '1' || last == '3' || last == '5' || last == 'a'
                 ? bl_scan_del(&s)
                 : 0;
    }
    bl_scan_close(&s);
    return rc;
}

Test(bl_scan, deleting_while_walking_visits_every_key_once)
{
    int visited = 0;
    bl_err_t err;
    cr_assert_eq(bl_store_write(s_store, s_delete_odd, &visited, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(visited, 7, "a, a.1..a.5 and ab: seven keys, got %d",
                 visited);
    s_scan("", NULL, false, "a.2|a.4|ab|b.1|b.2|c|");
}

Test(bl_scan, refuses_a_prefix_over_the_key_bound)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    char big[BL_STORE_KEY_MAX + 1];
    memset(big, 'a', sizeof big);
    bl_scan_t s;
    bl_err_t err;
    cr_assert_eq(bl_scan_open(&s, txn, bl_store_dbi(s_store, 0), big,
                              sizeof big, &err), BL_EINVAL);
    cr_assert_not_null(strstr(err.msg, "512"), "%s", err.msg);
    cr_assert_eq(bl_scan_next(&s, NULL, NULL), 0);
    bl_scan_close(&s);
    cr_assert_eq(bl_scan_open(&s, txn, bl_store_dbi(s_store, 0), big,
                              BL_STORE_KEY_MAX, &err), 0);
    cr_assert_eq(bl_scan_next(&s, NULL, NULL), 0);
    cr_assert_eq(bl_scan_after(&s, "a", 1), BL_EINVAL,
                 "no new start once started");
    bl_scan_close(&s);
    mdb_txn_abort(txn);
}

typedef struct s_each {
    size_t calls;
    char last[64];
} s_each_t;

static int s_each_fn(void *ctx, const char *const *parts, size_t n,
                     const MDB_val *value)
{
    s_each_t *e = ctx;
    e->calls++;
    cr_assert_eq(n, 2);
    cr_assert_str_eq(parts[0], "a");
    snprintf(e->last, sizeof e->last, "%s=%.*s", parts[1],
             (int)value->mv_size, (const char *)value->mv_data);
    return e->calls == 4 ? 1 : 0;
}

Test(bl_scan, page_each_uses_the_scan_and_stops_on_request)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    s_each_t e = {0, ""};
    cr_assert_eq(bl_page_each(txn, bl_store_dbi(s_store, 0), "a\x1f", 2,
                              s_each_fn, &e, NULL), 0);
    cr_assert_eq(e.calls, 4, "stopped at the fourth key, called %zu",
                 e.calls);
    cr_assert_str_eq(e.last, "4=v4");
    mdb_txn_abort(txn);
}
