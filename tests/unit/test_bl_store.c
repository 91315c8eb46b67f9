/*
 * Tests of bl_store: put/get/del inside bl_store_write and bl_store_read,
 * batched commits, reopening, map growth from a 64 KiB map (one big write
 * and many small ones), aborting on the write function's error, the replay
 * after MDB_MAP_FULL seeing a fresh transaction, the u64 helpers and the key
 * bounds, and the readahead advice on the map past the pages in use.
 *
 * Each test opens its own store in a private mkdtemp directory that .fini
 * removes.  Not a test of LMDB itself.
 *
 * Every test has the same .timeout: Criterion 2.4.1's runner leaks memory
 * (LeakSanitizer fails the run) when one binary mixes timeout values.
 */
#include "bl_store.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bl_test_node.h"

#define S_SMALL_MAP ((size_t)64 * 1024)

static char s_dir[64];
static const char *const s_names[] = {"rows", "meta"};

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_store_test_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
}

static void s_teardown(void)
{
    if (s_dir[0] != '\0') {
        bl_test_rm_tree(s_dir);
        s_dir[0] = '\0';
    }
}

TestSuite(bl_store, .init = s_setup, .fini = s_teardown);

/* ---- helpers ------------------------------------------------------------ */

static bl_store_t *s_open(size_t map_size)
{
    bl_store_t *s = NULL;
    bl_err_t err = {0};
    int rc = bl_store_open(&s, s_dir, s_names, 2, map_size, &err);
    cr_assert_eq(rc, 0, "open: %s", err.msg);
    cr_assert_not_null(s);
    return s;
}

/* Writes rows [first, first + count) of row_size bytes each into db 0: key
 * is the big-endian row number, value is row_size bytes of (row % 251). */
typedef struct s_rows {
    MDB_dbi dbi;
    uint64_t first;
    uint64_t count;
    size_t row_size;
    int calls;          /* times the function ran */
} s_rows_t;

static void s_fill(uint8_t *v, size_t n, uint64_t row)
{
    memset(v, (int)(row % 251), n);
    if (n >= 8) {
        bl_store_u64_key(row, v);
    }
}

static int s_write_rows(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_rows_t *c = ctx;
    c->calls++;
    uint8_t *v = malloc(c->row_size);
    if (v == NULL) {
        return BL_ENOMEM;
    }
    int rc = 0;
    for (uint64_t i = c->first; i < c->first + c->count && rc == 0; i++) {
        unsigned char k[8];
        bl_store_u64_key(i, k);
        s_fill(v, c->row_size, i);
        rc = bl_store_put(txn, c->dbi, k, sizeof k, v, c->row_size, err);
    }
    free(v);
    return rc;
}

static void s_write(bl_store_t *s, s_rows_t *c)
{
    bl_err_t err = {0};
    int rc = bl_store_write(s, s_write_rows, c, &err);
    cr_assert_eq(rc, 0, "write: %d %s", rc, err.msg);
}

/* Number of entries in db i, read in a fresh read transaction. */
static size_t s_entries(bl_store_t *s, size_t i)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    MDB_stat st;
    cr_assert_eq(mdb_stat(txn, bl_store_dbi(s, i), &st), 0);
    mdb_txn_abort(txn);
    return st.ms_entries;
}

/* Checks rows [0, count) all read back with their values. */
static void s_check_rows(bl_store_t *s, uint64_t count, size_t row_size)
{
    cr_assert_eq(s_entries(s, 0), count);
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    uint8_t *want = malloc(row_size);
    cr_assert_not_null(want);
    for (uint64_t i = 0; i < count; i++) {
        unsigned char k[8];
        bl_store_u64_key(i, k);
        MDB_val v;
        int rc = bl_store_get(txn, bl_store_dbi(s, 0), k, sizeof k, &v,
                              NULL);
        cr_assert_eq(rc, 0, "row %llu", (unsigned long long)i);
        cr_assert_eq(v.mv_size, row_size);
        s_fill(want, row_size, i);
        cr_assert_eq(memcmp(v.mv_data, want, row_size), 0, "row %llu",
                     (unsigned long long)i);
    }
    free(want);
    mdb_txn_abort(txn);
}

/* ---- put and get --------------------------------------------------------- */

typedef struct s_kv {
    MDB_dbi dbi;
    const char *key;
    const char *val;
    int seen_in_txn;    /* get inside the same txn returned the value */
} s_kv_t;

static int s_put_kv(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_kv_t *c = ctx;
    int rc = bl_store_put(txn, c->dbi, c->key, strlen(c->key), c->val,
                          strlen(c->val), err);
    if (rc != 0) {
        return rc;
    }
    MDB_val v;
    rc = bl_store_get(txn, c->dbi, c->key, strlen(c->key), &v, err);
    c->seen_in_txn = rc == 0 && v.mv_size == strlen(c->val) &&
                     memcmp(v.mv_data, c->val, v.mv_size) == 0;
    return rc;
}

Test(bl_store, get_after_put_returns_value, .timeout = 60)
{
    bl_store_t *s = s_open(0);
    cr_assert_eq(bl_store_map_size(s), (size_t)16 << 30, "0 means 16 GiB");
    s_kv_t c = {bl_store_dbi(s, 0), "alpha", "one", 0};
    cr_assert_eq(bl_store_write(s, s_put_kv, &c, NULL), 0);
    cr_assert(c.seen_in_txn, "visible inside its own write transaction");

    MDB_txn *txn;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_read(s, &txn, &err), 0);
    MDB_val v;
    cr_assert_eq(bl_store_get(txn, bl_store_dbi(s, 0), "alpha", 5, &v, &err),
                 0);
    cr_assert_eq(v.mv_size, 3);
    cr_assert_eq(memcmp(v.mv_data, "one", 3), 0);
    cr_assert_eq(bl_store_get(txn, bl_store_dbi(s, 0), "beta", 4, &v, &err),
                 BL_ENOTFOUND);
    cr_assert_eq(bl_store_get(txn, bl_store_dbi(s, 1), "alpha", 5, &v, &err),
                 BL_ENOTFOUND, "databases are separate");
    mdb_txn_abort(txn);
    bl_store_close(&s);
    cr_assert_null(s);
}

static int s_del_kv(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_kv_t *c = ctx;
    return bl_store_del(txn, c->dbi, c->key, strlen(c->key), err);
}

Test(bl_store, put_overwrites_and_del_removes, .timeout = 60)
{
    bl_store_t *s = s_open(0);
    s_kv_t c = {bl_store_dbi(s, 1), "k", "first", 0};
    cr_assert_eq(bl_store_write(s, s_put_kv, &c, NULL), 0);
    c.val = "second";
    cr_assert_eq(bl_store_write(s, s_put_kv, &c, NULL), 0);
    cr_assert_eq(s_entries(s, 1), 1);
    MDB_txn *txn;
    MDB_val v;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    cr_assert_eq(bl_store_get(txn, bl_store_dbi(s, 1), "k", 1, &v, NULL), 0);
    cr_assert_eq(v.mv_size, 6);
    cr_assert_eq(memcmp(v.mv_data, "second", 6), 0);
    mdb_txn_abort(txn);

    c.val = NULL;   /* s_del_kv deletes c.key */
    cr_assert_eq(bl_store_write(s, s_del_kv, &c, NULL), 0);
    cr_assert_eq(s_entries(s, 1), 0);
    cr_assert_eq(bl_store_write(s, s_del_kv, &c, NULL), 0,
                 "deleting an absent key is no error");
    bl_store_close(&s);
}

/* How s_put_some writes: bl_store_append, or bl_store_cursor_put through
 * one cursor. */
typedef struct s_writer {
    MDB_dbi dbi;
    bool cursor;
    MDB_cursor *cur;
} s_writer_t;

static int s_put_one(s_writer_t *w, MDB_txn *txn, const char *key,
                     const char *val, bl_err_t *err)
{
    return w->cursor ? bl_store_cursor_put(w->cur, key, strlen(key), val,
                                           strlen(val), err)
                     : bl_store_append(txn, w->dbi, key, strlen(key), val,
                                       strlen(val), err);
}

/* Puts keys "k000".."k199" in order, then "a", "k050" (again, a new
 * value) and "k100x" out of order: each lands as bl_store_put would. */
static int s_put_some(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_writer_t *w = ctx;
    int rc = w->cursor ? bl_store_cursor(txn, w->dbi, &w->cur, err) : 0;
    char key[16];
    for (int i = 0; rc == 0 && i < 200; i++) {
        snprintf(key, sizeof key, "k%03d", i);
        rc = s_put_one(w, txn, key, key, err);
    }
    if (rc == 0) {
        rc = s_put_one(w, txn, "a", "first", err);
    }
    if (rc == 0) {
        rc = s_put_one(w, txn, "k050", "again", err);
    }
    if (rc == 0) {
        rc = s_put_one(w, txn, "k100x", "mid", err);
    }
    if (rc == 0 && w->cursor) {
        cr_assert_eq(bl_store_cursor_put(w->cur, "", 0, "x", 1, err),
                     BL_EINVAL);
    }
    if (w->cur != NULL) {
        mdb_cursor_close(w->cur);
        w->cur = NULL;
    }
    return rc;
}

static void s_assert_puts_equal_put(bool cursor)
{
    bl_store_t *s = s_open(0);
    s_writer_t w = {bl_store_dbi(s, 0), cursor, NULL};
    bl_err_t err = {0};
    cr_assert_eq(bl_store_write(s, s_put_some, &w, &err), 0, "%s", err.msg);
    cr_assert_eq(s_entries(s, 0), 202);
    MDB_txn *txn;
    MDB_val v;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    cr_assert_eq(bl_store_get(txn, w.dbi, "k050", 4, &v, NULL), 0);
    cr_assert_eq(v.mv_size, 5);
    cr_assert_eq(memcmp(v.mv_data, "again", 5), 0);
    cr_assert_eq(bl_store_get(txn, w.dbi, "a", 1, &v, NULL), 0);
    cr_assert_eq(bl_store_get(txn, w.dbi, "k100x", 5, &v, NULL), 0);
    cr_assert_eq(bl_store_get(txn, w.dbi, "k199", 4, &v, NULL), 0);
    mdb_txn_abort(txn);
    bl_store_close(&s);
}

Test(bl_store, append_in_order_and_out_of_order_equals_put, .timeout = 60)
{
    s_assert_puts_equal_put(false);
}

Test(bl_store, cursor_put_in_and_out_of_order_equals_put, .timeout = 60)
{
    s_assert_puts_equal_put(true);
}

/* put_new: "b", "d" appended, "c" in between, then "b" again: the first
 * value stays and comes back. */
static int s_put_new_some(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    MDB_dbi dbi = *(MDB_dbi *)ctx;
    MDB_val old;
    cr_assert_eq(bl_store_put_new(txn, dbi, "b", 1, "1", 1, &old, err), 0);
    cr_assert_eq(bl_store_put_new(txn, dbi, "d", 1, "2", 1, &old, err), 0);
    cr_assert_eq(bl_store_put_new(txn, dbi, "c", 1, "3", 1, &old, err), 0);
    cr_assert_eq(bl_store_put_new(txn, dbi, "b", 1, "4", 1, &old, err), 1);
    cr_assert_eq(old.mv_size, 1);
    cr_assert_eq(memcmp(old.mv_data, "1", 1), 0);
    cr_assert_eq(bl_store_put_new(txn, dbi, "d", 1, "5", 1, &old, err), 1);
    cr_assert_eq(memcmp(old.mv_data, "2", 1), 0);
    return 0;
}

Test(bl_store, put_new_puts_once_and_shows_what_was_there, .timeout = 60)
{
    bl_store_t *s = s_open(0);
    MDB_dbi dbi = bl_store_dbi(s, 0);
    cr_assert_eq(bl_store_write(s, s_put_new_some, &dbi, NULL), 0);
    cr_assert_eq(s_entries(s, 0), 3);
    MDB_txn *txn;
    MDB_val v;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    cr_assert_eq(bl_store_get(txn, dbi, "b", 1, &v, NULL), 0);
    cr_assert_eq(memcmp(v.mv_data, "1", 1), 0);
    mdb_txn_abort(txn);
    bl_store_close(&s);
}

/* ---- batches and reopening ----------------------------------------------- */

Test(bl_store, ten_thousand_rows_in_one_transaction_are_readable,
     .timeout = 60)
{
    bl_store_t *s = s_open(0);
    s_rows_t c = {bl_store_dbi(s, 0), 0, 10000, 32, 0};
    s_write(s, &c);
    cr_assert_eq(c.calls, 1);
    s_check_rows(s, 10000, 32);
    uint64_t n = 0;
    cr_assert_eq(bl_store_count(s, bl_store_dbi(s, 0), &n, NULL), 0);
    cr_assert_eq(n, 10000);
    cr_assert_eq(bl_store_count(s, bl_store_dbi(s, 1), &n, NULL), 0);
    cr_assert_eq(n, 0);
    bl_store_close(&s);
}

Test(bl_store, ten_thousand_rows_in_a_hundred_transactions_are_readable,
     .timeout = 60)
{
    bl_store_t *s = s_open(0);
    for (uint64_t t = 0; t < 100; t++) {
        s_rows_t c = {bl_store_dbi(s, 0), t * 100, 100, 32, 0};
        s_write(s, &c);
        cr_assert_eq(s_entries(s, 0), (t + 1) * 100);
    }
    s_check_rows(s, 10000, 32);
    bl_store_close(&s);
}

Test(bl_store, reopen_after_close_keeps_the_data, .timeout = 60)
{
    bl_store_t *s = s_open(0);
    s_rows_t c = {bl_store_dbi(s, 0), 0, 500, 100, 0};
    s_write(s, &c);
    s_kv_t kv = {bl_store_dbi(s, 1), "name", "value", 0};
    cr_assert_eq(bl_store_write(s, s_put_kv, &kv, NULL), 0);
    bl_store_close(&s);
    bl_store_close(&s);   /* harmless twice */
    bl_store_close(NULL); /* and on NULL */

    s = s_open(0);
    s_check_rows(s, 500, 100);
    cr_assert_eq(s_entries(s, 1), 1);
    bl_store_close(&s);
}

/* ---- buffered transactions ----------------------------------------------- */

/* The permissions of this process's map of the data file in dir (e.g.
 * "rw-s"), from /proc/self/maps; "" when it is not mapped. */
static void s_map_perms(const char *dir, char perms[5])
{
    char path[128], line[512];
    snprintf(path, sizeof path, "%s/data.mdb", dir);
    perms[0] = '\0';
    FILE *f = fopen("/proc/self/maps", "r");
    cr_assert_not_null(f);
    while (fgets(line, sizeof line, f) != NULL) {
        char *at = strstr(line, path);
        if (at != NULL && at[strlen(path)] == '\n') {
            cr_assert_eq(sscanf(line, "%*s %4s", perms), 1);
            break;
        }
    }
    fclose(f);
}

/* BL_STORE_BUFFERED keeps a transaction's pages off the map (LMDB maps the
 * file read-only then): rows written in many small transactions and one
 * that grows a 64K map are all there, in this mode and when the store is
 * opened again mapped (as a rebalance does). */
Test(bl_store, a_buffered_store_writes_off_the_map_and_reads_back_mapped,
     .timeout = 60)
{
    bl_store_t *s = NULL;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_open_mode(&s, s_dir, s_names, 2, 64 * 1024,
                                    BL_STORE_BUFFERED, &err),
                 0, "open: %s", err.msg);
    char perms[5];
    s_map_perms(s_dir, perms);
    cr_assert_str_eq(perms, "r--s");
    for (uint64_t t = 0; t < 50; t++) {
        s_rows_t c = {bl_store_dbi(s, 0), t * 20, 20, 100, 0};
        s_write(s, &c);
    }
    s_rows_t big = {bl_store_dbi(s, 0), 1000, 50000, 100, 0};
    s_write(s, &big);
    cr_assert_gt(big.calls, 1, "the map should have grown");
    s_check_rows(s, 51000, 100);
    bl_store_close(&s);
    s = s_open(0);
    s_map_perms(s_dir, perms);
    cr_assert_str_eq(perms, "rw-s");
    s_check_rows(s, 51000, 100);
    bl_store_close(&s);
}

/* ---- map growth ---------------------------------------------------------- */

Test(bl_store, one_five_megabyte_write_grows_a_64k_map, .timeout = 60)
{
    bl_store_t *s = s_open(S_SMALL_MAP);
    size_t before = bl_store_map_size(s);
    cr_assert_eq(before, S_SMALL_MAP);
    s_rows_t c = {bl_store_dbi(s, 0), 0, 5000, 1000, 0};
    s_write(s, &c);
    cr_assert_gt(c.calls, 1, "MDB_MAP_FULL forced at least one replay");
    cr_assert_geq(bl_store_map_size(s), (size_t)5000 * 1000);
    cr_assert_geq(bl_store_used(s), (size_t)5000 * 1000);
    cr_assert_leq(bl_store_used(s), bl_store_map_size(s));
    s_check_rows(s, 5000, 1000);
    bl_store_close(&s);

    /* Reopening with the small map adopts the file's larger size. */
    s = s_open(S_SMALL_MAP);
    cr_assert_geq(bl_store_map_size(s), (size_t)5000 * 1000);
    s_check_rows(s, 5000, 1000);
    c.first = 5000;
    c.count = 10;
    c.calls = 0;
    s_write(s, &c);
    s_check_rows(s, 5010, 1000);
    bl_store_close(&s);
}

Test(bl_store, many_small_writes_grow_a_64k_map, .timeout = 60)
{
    bl_store_t *s = s_open(S_SMALL_MAP);
    int total_calls = 0;
    for (uint64_t t = 0; t < 50; t++) {
        s_rows_t c = {bl_store_dbi(s, 0), t * 100, 100, 1000, 0};
        s_write(s, &c);
        total_calls += c.calls;
    }
    cr_assert_gt(total_calls, 50, "some writes were replayed");
    cr_assert_geq(bl_store_map_size(s), (size_t)5000 * 1000);
    s_check_rows(s, 5000, 1000);
    bl_store_close(&s);
}

/* s_write_rows that first says how much it will add (bl_store_expect). */
typedef struct s_expecting {
    bl_store_t *s;
    s_rows_t rows;
} s_expecting_t;

static int s_write_expected(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_expecting_t *e = ctx;
    int rc = bl_store_expect(e->s, e->rows.count * (e->rows.row_size + 400));
    if (rc != 0) {
        e->rows.calls++;
        return rc;
    }
    return s_write_rows(&e->rows, txn, err);
}

Test(bl_store, a_write_that_says_its_size_grows_the_map_in_one_replay,
     .timeout = 60)
{
    bl_store_t *s = s_open(S_SMALL_MAP);
    s_expecting_t e = {s, {bl_store_dbi(s, 0), 0, 5000, 1000, 0}};
    bl_err_t err = {0};
    cr_assert_eq(bl_store_write(s, s_write_expected, &e, &err), 0, "%s",
                 err.msg);
    /* doubling from 64 KB would have run it seven times or more */
    cr_assert_eq(e.rows.calls, 2, "ran %d times", e.rows.calls);
    cr_assert_geq(bl_store_map_size(s), (size_t)5000 * 1400);
    s_check_rows(s, 5000, 1000);
    /* with room enough it runs once */
    e.rows.first = 5000;
    e.rows.count = 10;
    e.rows.calls = 0;
    cr_assert_eq(bl_store_write(s, s_write_expected, &e, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(e.rows.calls, 1);
    s_check_rows(s, 5010, 1000);
    bl_store_close(&s);
}

/* ---- abort and replay ---------------------------------------------------- */

static int s_write_then_fail(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_rows_t *c = ctx;
    int rc = s_write_rows(c, txn, err);
    if (rc != 0) {
        return rc;
    }
    return bl_err_set(err, BL_EDATA, "row %llu is invalid",
                      (unsigned long long)c->first);
}

Test(bl_store, a_failing_write_function_aborts_and_writes_nothing,
     .timeout = 60)
{
    bl_store_t *s = s_open(0);
    s_rows_t ok = {bl_store_dbi(s, 0), 0, 10, 16, 0};
    s_write(s, &ok);
    s_rows_t c = {bl_store_dbi(s, 0), 10, 100, 16, 0};
    bl_err_t err = {0};
    cr_assert_eq(bl_store_write(s, s_write_then_fail, &c, &err), BL_EDATA);
    cr_assert_eq(c.calls, 1, "not replayed");
    cr_assert_eq(err.code, BL_EDATA);
    cr_assert_str_eq(err.msg, "row 10 is invalid");
    s_check_rows(s, 10, 16);
    bl_store_close(&s);
    s = s_open(0);
    s_check_rows(s, 10, 16);
    bl_store_close(&s);
}

Test(bl_store, a_failing_write_aborts_even_after_a_replay, .timeout = 60)
{
    bl_store_t *s = s_open(S_SMALL_MAP);
    s_rows_t c = {bl_store_dbi(s, 0), 0, 2000, 1000, 0};
    cr_assert_eq(bl_store_write(s, s_write_then_fail, &c, NULL), BL_EDATA);
    cr_assert_gt(c.calls, 1);
    cr_assert_eq(s_entries(s, 0), 0);
    bl_store_close(&s);
}

/* Writes a marker first and fails the test's expectations if it already
 * sees it: a replay must start from an empty transaction. */
typedef struct s_replay {
    s_rows_t rows;
    int saw_marker;     /* a call found the previous call's marker */
    uint64_t counter;   /* the value each call read for "n" */
} s_replay_t;

static int s_replayable(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_replay_t *c = ctx;
    MDB_dbi meta = c->rows.dbi;
    MDB_val v;
    int rc = bl_store_get(txn, meta, "marker", 6, &v, err);
    if (rc == 0) {
        c->saw_marker = 1;
    } else if (rc != BL_ENOTFOUND) {
        return rc;
    }
    rc = bl_store_put(txn, meta, "marker", 6, "x", 1, err);
    if (rc != 0) {
        return rc;
    }
    /* A read-modify-write counter: replays must not double-count it. */
    uint64_t n;
    rc = bl_store_get_u64(txn, meta, "n", &n, err);
    if (rc != 0) {
        return rc;
    }
    c->counter = n;
    rc = bl_store_put_u64(txn, meta, "n", n + 1, err);
    if (rc != 0) {
        return rc;
    }
    return s_write_rows(&c->rows, txn, err);
}

Test(bl_store, a_replay_after_map_full_sees_a_fresh_transaction,
     .timeout = 60)
{
    bl_store_t *s = s_open(S_SMALL_MAP);
    /* Rows go to db 0; marker and counter to the same db, under keys
     * that are not 8 bytes long and so never collide with rows. */
    s_replay_t c = {{bl_store_dbi(s, 0), 0, 3000, 500, 0}, 0, 99};
    bl_err_t err = {0};
    cr_assert_eq(bl_store_write(s, s_replayable, &c, &err), 0, "%s",
                 err.msg);
    cr_assert_geq(c.rows.calls, 2, "the map filled at least once");
    cr_assert_not(c.saw_marker, "a replay saw the aborted attempt's write");
    cr_assert_eq(c.counter, 0, "the last attempt read the counter as 0");
    cr_assert_eq(err.code, 0, "err cleared after a successful replay");

    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    uint64_t n = 0;
    cr_assert_eq(bl_store_get_u64(txn, bl_store_dbi(s, 0), "n", &n, NULL),
                 0);
    cr_assert_eq(n, 1, "written once");
    mdb_txn_abort(txn);
    cr_assert_eq(s_entries(s, 0), 3000 + 2);
    bl_store_close(&s);
}

/* ---- u64 helpers and key bounds ------------------------------------------ */

typedef struct s_u64 {
    MDB_dbi dbi;
    const char *key;
    uint64_t v;
} s_u64_t;

static int s_put_u64(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_u64_t *c = ctx;
    return bl_store_put_u64(txn, c->dbi, c->key, c->v, err);
}

static uint64_t s_get_u64(bl_store_t *s, const char *key, int *rc)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    uint64_t v = 12345;
    *rc = bl_store_get_u64(txn, bl_store_dbi(s, 1), key, &v, NULL);
    mdb_txn_abort(txn);
    return v;
}

Test(bl_store, u64_counters_read_zero_when_absent_and_round_trip,
     .timeout = 60)
{
    bl_store_t *s = s_open(0);
    int rc;
    cr_assert_eq(s_get_u64(s, "seq", &rc), 0);
    cr_assert_eq(rc, 0);
    const uint64_t vals[] = {1, 255, 256, UINT32_MAX, UINT64_MAX, 0};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        s_u64_t c = {bl_store_dbi(s, 1), "seq", vals[i]};
        cr_assert_eq(bl_store_write(s, s_put_u64, &c, NULL), 0);
        cr_assert_eq(s_get_u64(s, "seq", &rc), vals[i]);
        cr_assert_eq(rc, 0);
    }
    /* Stored big-endian, 8 bytes. */
    s_u64_t c = {bl_store_dbi(s, 1), "be", 0x0102030405060708ull};
    cr_assert_eq(bl_store_write(s, s_put_u64, &c, NULL), 0);
    MDB_txn *txn;
    MDB_val v;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    cr_assert_eq(bl_store_get(txn, bl_store_dbi(s, 1), "be", 2, &v, NULL), 0);
    cr_assert_eq(v.mv_size, 8);
    cr_assert_eq(memcmp(v.mv_data, "\1\2\3\4\5\6\7\10", 8), 0);
    mdb_txn_abort(txn);
    bl_store_close(&s);
}

Test(bl_store, a_counter_of_the_wrong_size_is_refused, .timeout = 60)
{
    bl_store_t *s = s_open(0);
    s_kv_t kv = {bl_store_dbi(s, 1), "seq", "1234567", 0};
    cr_assert_eq(bl_store_write(s, s_put_kv, &kv, NULL), 0);
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    uint64_t n = 5;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_get_u64(txn, bl_store_dbi(s, 1), "seq", &n, &err),
                 BL_ESTORE);
    cr_assert_eq(err.code, BL_ESTORE);
    mdb_txn_abort(txn);
    bl_store_close(&s);
}

Test(bl_store, u64_keys_sort_numerically_and_round_trip, .timeout = 60)
{
    const uint64_t vals[] = {0, 1, 255, 256, 65535, 65536, UINT32_MAX,
                             (uint64_t)UINT32_MAX + 1, UINT64_MAX - 1,
                             UINT64_MAX};
    size_t n = sizeof vals / sizeof vals[0];
    for (size_t i = 0; i < n; i++) {
        unsigned char a[8];
        bl_store_u64_key(vals[i], a);
        cr_assert_eq(bl_store_u64_from(a), vals[i]);
        if (i + 1 < n) {
            unsigned char b[8];
            bl_store_u64_key(vals[i + 1], b);
            cr_assert_lt(memcmp(a, b, 8), 0, "%zu sorts before %zu", i,
                         i + 1);
        }
    }
    unsigned char k[8];
    bl_store_u64_key(0x0102030405060708ull, k);
    cr_assert_eq(memcmp(k, "\1\2\3\4\5\6\7\10", 8), 0);
}

typedef struct s_keylen {
    MDB_dbi dbi;
    size_t klen;
    int put_rc;
    int del_rc;
} s_keylen_t;

static int s_put_len(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_keylen_t *c = ctx;
    char key[BL_STORE_KEY_MAX + 2];
    memset(key, 'k', sizeof key);
    c->put_rc = bl_store_put(txn, c->dbi, key, c->klen, "v", 1, err);
    c->del_rc = bl_store_del(txn, c->dbi, key, c->klen, err);
    /* Put it back so that the caller can read it (or not). */
    if (c->put_rc == 0) {
        return bl_store_put(txn, c->dbi, key, c->klen, "v", 1, err);
    }
    return 0;
}

Test(bl_store, keys_over_the_bound_and_empty_keys_are_refused,
     .timeout = 60)
{
    bl_store_t *s = s_open(0);
    bl_err_t err = {0};
    s_keylen_t ok = {bl_store_dbi(s, 0), BL_STORE_KEY_MAX, -1, -1};
    cr_assert_eq(bl_store_write(s, s_put_len, &ok, &err), 0, "%s", err.msg);
    cr_assert_eq(ok.put_rc, 0, "a key of BL_STORE_KEY_MAX bytes fits");
    cr_assert_eq(ok.del_rc, 0);

    s_keylen_t big = {bl_store_dbi(s, 0), BL_STORE_KEY_MAX + 1, -1, -1};
    cr_assert_eq(bl_store_write(s, s_put_len, &big, &err), 0);
    cr_assert_eq(big.put_rc, BL_EINVAL);
    cr_assert_eq(err.code, BL_EINVAL);

    s_keylen_t empty = {bl_store_dbi(s, 0), 0, -1, -1};
    cr_assert_eq(bl_store_write(s, s_put_len, &empty, NULL), 0);
    cr_assert_eq(empty.put_rc, BL_EINVAL);

    cr_assert_eq(s_entries(s, 0), 1, "only the key that fits was stored");
    char key[BL_STORE_KEY_MAX + 1];
    memset(key, 'k', sizeof key);
    MDB_txn *txn;
    MDB_val v;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    cr_assert_eq(bl_store_get(txn, bl_store_dbi(s, 0), key, BL_STORE_KEY_MAX,
                              &v, NULL), 0);
    cr_assert_eq(bl_store_get(txn, bl_store_dbi(s, 0), key,
                              BL_STORE_KEY_MAX + 1, &v, NULL), BL_ENOTFOUND);
    cr_assert_eq(bl_store_get(txn, bl_store_dbi(s, 0), key, 0, &v, NULL),
                 BL_ENOTFOUND);
    mdb_txn_abort(txn);
    bl_store_close(&s);
}

/* ---- open ---------------------------------------------------------------- */

Test(bl_store, open_creates_missing_parent_directories, .timeout = 60)
{
    char path[128];
    snprintf(path, sizeof path, "%s/a/b/c", s_dir);
    bl_store_t *s = NULL;
    cr_assert_eq(bl_store_open(&s, path, s_names, 2, 0, NULL), 0);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISDIR(st.st_mode));
    bl_store_close(&s);
}

Test(bl_store, open_refuses_too_many_databases_and_a_file_path,
     .timeout = 60)
{
    const char *names[BL_STORE_DBS_MAX + 1];
    for (size_t i = 0; i < BL_STORE_DBS_MAX + 1; i++) {
        names[i] = "x";
    }
    bl_store_t *s = (bl_store_t *)1;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_open(&s, s_dir, names, BL_STORE_DBS_MAX + 1, 0,
                               &err), BL_EINVAL);
    cr_assert_null(s);
    cr_assert_eq(err.code, BL_EINVAL);

    char file[128];
    snprintf(file, sizeof file, "%s/plain", s_dir);
    FILE *f = fopen(file, "w");
    cr_assert_not_null(f);
    fclose(f);
    s = (bl_store_t *)1;
    int rc = bl_store_open(&s, file, s_names, 2, 0, &err);
    cr_assert_lt(rc, 0, "a regular file is not a store directory");
    cr_assert_null(s);
    cr_assert_eq(err.code, rc);
    cr_assert_neq(err.msg[0], '\0');
}

Test(bl_store, thirty_two_named_databases_are_separate, .timeout = 60)
{
    char buf[BL_STORE_DBS_MAX][8];
    const char *names[BL_STORE_DBS_MAX];
    for (size_t i = 0; i < BL_STORE_DBS_MAX; i++) {
        snprintf(buf[i], sizeof buf[i], "db%zu", i);
        names[i] = buf[i];
    }
    bl_store_t *s = NULL;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_open(&s, s_dir, names, BL_STORE_DBS_MAX, 0, &err),
                 0, "%s", err.msg);
    for (size_t i = 0; i < BL_STORE_DBS_MAX; i += 7) {
        s_u64_t c = {bl_store_dbi(s, i), "n", i + 100};
        cr_assert_eq(bl_store_write(s, s_put_u64, &c, NULL), 0);
    }
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s, &txn, NULL), 0);
    for (size_t i = 0; i < BL_STORE_DBS_MAX; i++) {
        uint64_t v;
        cr_assert_eq(bl_store_get_u64(txn, bl_store_dbi(s, i), "n", &v, NULL),
                     0);
        cr_assert_eq(v, i % 7 == 0 ? i + 100 : 0, "db %zu", i);
    }
    mdb_txn_abort(txn);
    bl_store_close(&s);
}

/* ---- readahead advice (s_advise) ------------------------------------------ */

/* Counts the mappings of the store's data file in /proc/self/smaps: those
 * at file offset 0 without the random-read flag (the pages in use) and
 * those past offset 0 with it (the part not yet written). */
static void s_advice_seen(int *in_use_normal, int *past_random)
{
    char path[128];
    snprintf(path, sizeof path, "%s/data.mdb", s_dir);
    struct stat st;
    cr_assert_eq(stat(path, &st), 0);
    FILE *f = fopen("/proc/self/smaps", "r");
    cr_assert_not_null(f);
    char line[512];
    int ours = 0;
    unsigned long off = 0;
    *in_use_normal = 0;
    *past_random = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        unsigned long a, b, ino;
        char perms[8], dev[32];
        if (sscanf(line, "%lx-%lx %7s %lx %31s %lu", &a, &b, perms, &off,
                   dev, &ino) == 6) {
            ours = ino == (unsigned long)st.st_ino;
        } else if (ours && strncmp(line, "VmFlags:", 8) == 0) {
            int rr = strstr(line, " rr") != NULL;
            *in_use_normal += off == 0 && !rr;
            *past_random += off > 0 && rr;
        }
    }
    fclose(f);
}

Test(bl_store, the_map_past_the_pages_in_use_is_advised_random_reads,
     .timeout = 60)
{
    /* A fault on a page past those in use must not read around it: the
     * kernel would zero a whole window of the preallocated file. */
    bl_store_t *s = s_open(S_SMALL_MAP);
    for (uint64_t t = 0; t < 3; t++) {
        /* the first write grows the map and runs again on the new one */
        s_rows_t c = {bl_store_dbi(s, 0), t * 20000, 20000, 100, 0};
        s_write(s, &c);
        cr_assert_gt(bl_store_map_size(s), S_SMALL_MAP);
        int normal = 0, random = 0;
        s_advice_seen(&normal, &random);
        cr_assert_eq(normal, 1, "write %d: mappings of the pages in use: %d",
                     (int)t, normal);
        cr_assert_eq(random, 1,
                     "write %d: random-read mappings past them: %d", (int)t,
                     random);
    }
    bl_store_close(&s);
}
