/*
 * Tests of bl_bundle: rows stored many to a key read exactly as the same
 * rows stored one to a key — every page of every size, from any `after`,
 * byte for byte equal to bl_page_reply's; bl_bundle_each equal to
 * bl_page_each, and bl_bundle_walk with its bundle-then-rows calls (a
 * bundle skipped, a walk stopped); keys whose instance part is a prefix of another's; a row
 * stored the old way beside bundles; rows out of key order refused; a
 * malformed bundle named.
 *
 * Each test opens its own store in a private mkdtemp directory that .fini
 * removes.  Every test has the same .timeout (Criterion 2.4.1 leaks when
 * one binary mixes timeouts).
 */
#include "bl_bundle.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_store.h"
#include "bl_test_node.h"

static char s_dir[64];
static bl_store_t *s_store;
static const char *const s_names[] = {"rows", "bundles"};
#define S_ROWS 0
#define S_BUNDLES 1

/* Instance keys in key order: "NO" is a prefix of "NO/x" (whose rows sort
 * after NO's), "" is an empty group key. */
static const char *const s_inst[] = {
    "2025\x1f" "a\x1f" "g\x1f",           "2025\x1f" "a\x1f" "g\x1f" "NO",
    "2025\x1f" "a\x1f" "g\x1f" "NO/x",    "2025\x1f" "b\x1f" "g\x1f" "PT",
    "2025\x1f" "b\x1f" "h\x1f" "PT/y/z",
};
#define S_N_INST (sizeof s_inst / sizeof s_inst[0])
/* A row stored the old way, under its whole key, after the bundles. */
static const char s_old_key[] = "2025\x1f" "c\x1f" "g\x1f" "NO\x1f" "id7";

static size_t s_n_rows(size_t inst)
{
    return 1 + (inst * 3) % 5;   /* 1, 4, 2, 5, 3 */
}

static void s_value(bl_mpw_t *w, size_t inst, size_t j)
{
    bl_mpw_reset(w);
    bl_mpw_array(w, 3);
    bl_mpw_double(w, (double)inst + (double)j / 10);
    bl_mpw_uint(w, j);
    bl_mpw_nil(w);
}

static int s_fill(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    (void)ctx;
    bl_bundle_t b;
    bl_bundle_init(&b);
    bl_mpw_t w;
    bl_mpw_init(&w);
    int rc = 0;
    for (size_t i = 0; i < S_N_INST && rc == 0; i++) {
        for (size_t j = 0; j < s_n_rows(i) && rc == 0; j++) {
            char key[128];
            int kl = snprintf(key, sizeof key, "%s\x1fid%zu", s_inst[i], j);
            s_value(&w, i, j);
            rc = bl_store_put(txn, bl_store_dbi(s_store, S_ROWS), key,
                              (size_t)kl, bl_mpw_data(&w), bl_mpw_size(&w),
                              err);
            if (rc == 0) {
                rc = bl_bundle_add_row(&b, txn,
                                       bl_store_dbi(s_store, S_BUNDLES), key,
                                       (size_t)kl, bl_mpw_data(&w),
                                       bl_mpw_size(&w), err);
            }
        }
    }
    if (rc == 0) {
        rc = bl_bundle_put(&b, txn, bl_store_dbi(s_store, S_BUNDLES), err);
    }
    s_value(&w, 9, 7);
    for (size_t d = 0; d < 2 && rc == 0; d++) {
        rc = bl_store_put(txn, bl_store_dbi(s_store, d), s_old_key,
                          strlen(s_old_key), bl_mpw_data(&w),
                          bl_mpw_size(&w), err);
    }
    /* another period's rows, outside every prefix asked */
    if (rc == 0) {
        rc = bl_bundle_begin(&b, "2026\x1f" "a", 6);
    }
    if (rc == 0) {
        bl_bundle_add(&b, "x", 1, bl_mpw_data(&w), bl_mpw_size(&w));
        rc = bl_bundle_put(&b, txn, bl_store_dbi(s_store, S_BUNDLES), err);
    }
    if (rc == 0) {
        rc = bl_store_put(txn, bl_store_dbi(s_store, S_ROWS), "2026\x1f" "a\x1f" "x",
                          8, bl_mpw_data(&w), bl_mpw_size(&w), err);
    }
    bl_mpw_destroy(&w);
    bl_bundle_destroy(&b);
    return rc;
}

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_bundle_test_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
    bl_err_t err;
    cr_assert_eq(bl_store_open(&s_store, s_dir, s_names, 2, 0, &err), 0,
                 "%s", err.msg);
    cr_assert_eq(bl_store_write(s_store, s_fill, NULL, &err), 0, "%s",
                 err.msg);
}

static void s_teardown(void)
{
    bl_store_close(&s_store);
    bl_test_rm_tree(s_dir);
}

/* The `next` of a page reply into buf (NUL-terminated, len in *len);
 * false when it is nil. */
static bool s_next(const bl_mpw_t *reply, char *buf, size_t *len)
{
    bl_mpr_t r;
    bl_mpr_init(&r, bl_mpw_data(reply), bl_mpw_size(reply));
    uint32_t n;
    cr_assert_eq(bl_mpr_map(&r, &n), 0);
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        cr_assert_eq(bl_mpr_str(&r, &k, &kl), 0);
        if (!bl_mp_str_eq(k, kl, "next")) {
            cr_assert_eq(bl_mpr_skip(&r), 0);
            continue;
        }
        if (bl_mpr_nil(&r)) {
            return false;
        }
        const char *s;
        uint32_t sl;
        cr_assert_eq(bl_mpr_str(&r, &s, &sl), 0);
        memcpy(buf, s, sl);
        buf[sl] = '\0';
        *len = sl;
        return true;
    }
    cr_assert_fail("no next in the reply");
    return false;
}

static int s_pages_equal_view(MDB_txn *txn, const bl_page_view_t *view,
                              const char *after, size_t limit);

/* s_pages_equal_view with no view: the stored keys and values. */
static int s_pages_equal(MDB_txn *txn, const char *prefix, const char *after,
                         size_t limit)
{
    bl_page_view_t same = {prefix, strlen(prefix), prefix, strlen(prefix),
                           NULL, NULL};
    return s_pages_equal_view(txn, &same, after, limit);
}

/* Pages of limit rows through view from after (a shown key; NULL: the
 * start) until next is nil: each bundle page byte-equal to the
 * one-row-a-key page; returns how many pages. */
static int s_pages_equal_view(MDB_txn *txn, const bl_page_view_t *view,
                              const char *after, size_t limit)
{
    char from[BL_PAGE_KEY_MAX + 1];
    size_t fl = after != NULL ? strlen(after) : 0;
    if (after != NULL) {
        memcpy(from, after, fl + 1);
    }
    int pages = 0;
    for (;;) {
        bl_mpw_t a, b;
        bl_mpw_init(&a);
        bl_mpw_init(&b);
        bl_err_t err;
        const char *f = fl > 0 ? from : NULL;
        cr_assert_eq(bl_page_reply_view(txn, bl_store_dbi(s_store, S_ROWS),
                                        view, f, fl, limit, &a, &err),
                     0, "%s", err.msg);
        cr_assert_eq(bl_bundle_reply_view(txn,
                                          bl_store_dbi(s_store, S_BUNDLES),
                                          view, f, fl, limit, &b, &err),
                     0, "%s", err.msg);
        cr_assert_eq(bl_mpw_size(&a), bl_mpw_size(&b),
                     "view page %d of limit %zu: %zu bytes, bundles %zu",
                     pages, limit, bl_mpw_size(&a), bl_mpw_size(&b));
        cr_assert_eq(memcmp(bl_mpw_data(&a), bl_mpw_data(&b),
                            bl_mpw_size(&a)),
                     0, "view page %d of limit %zu differs", pages, limit);
        pages++;
        bool more = s_next(&a, from, &fl);
        bl_mpw_destroy(&a);
        bl_mpw_destroy(&b);
        if (!more) {
            return pages;
        }
    }
}

/* A view's value: the stored value inside a one-element array. */
static int s_wrap(void *ctx, const MDB_val *v, bl_mpw_t *rows)
{
    (void)ctx;
    bl_mpw_array(rows, 1);
    bl_mpw_raw(rows, v->mv_data, v->mv_size);
    return rows->err;
}

TestSuite(bl_bundle, .init = s_setup, .fini = s_teardown, .timeout = 30);

Test(bl_bundle, every_page_through_a_view_equals_the_rows_stored_one_to_a_key)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    bl_page_view_t view = {"2025\x1f", 5, "2025\x1f" "NO\x1f", 8, s_wrap,
                           NULL};
    const char *const afters[] = {
        NULL,
        "2025\x1f" "NO\x1f" "a\x1f" "g\x1f" "NO\x1f" "id1",
        "2025\x1f" "NO\x1f" "a\x1f" "g\x1f" "NO",
        "2025\x1f" "NO\x1f" "b",
        "2025\x1f" "NO",
        "2025\x1f" "NA",
        "2025\x1f" "NP",
        "2025\x1f" "NO\x1f" "c\x1f" "g\x1f" "NO\x1f" "id7",
    };
    for (size_t a = 0; a < sizeof afters / sizeof afters[0]; a++) {
        for (size_t limit = 1; limit <= 5; limit++) {
            s_pages_equal_view(txn, &view, afters[a], limit);
        }
    }
    mdb_txn_abort(txn);
}

Test(bl_bundle, every_page_equals_the_rows_stored_one_to_a_key)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    /* 15 bundled rows and the old one */
    size_t total = 1;
    for (size_t i = 0; i < S_N_INST; i++) {
        total += s_n_rows(i);
    }
    for (size_t limit = 1; limit <= total + 1; limit++) {
        int pages = s_pages_equal(txn, "2025\x1f", NULL, limit);
        cr_assert_eq((size_t)pages, (total + limit - 1) / limit,
                     "limit %zu: %d pages", limit, pages);
    }
    mdb_txn_abort(txn);
}

Test(bl_bundle, a_page_after_any_key_equals_the_rows_stored_one_to_a_key)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    /* stored keys, instance keys, keys between and around rows */
    const char *const afters[] = {
        "2025\x1f" "a\x1f" "g\x1f" "\x1f" "id0",
        "2025\x1f" "a\x1f" "g\x1f" "NO",
        "2025\x1f" "a\x1f" "g\x1f" "NO\x1f" "id1",
        "2025\x1f" "a\x1f" "g\x1f" "NO\x1f" "id3",
        "2025\x1f" "a\x1f" "g\x1f" "NO\x1f" "id33",
        "2025\x1f" "a\x1f" "g\x1f" "NO\x1f" "zz",
        "2025\x1f" "a\x1f" "g\x1f" "NO/x\x1f" "id0",
        "2025\x1f" "a\x1f" "g\x1f" "NO/",
        "2025\x1f" "b",
        "2025\x1f" "b\x1f" "h\x1f" "PT/y/z\x1f" "id2",
        "2025\x1f" "c\x1f" "g\x1f" "NO\x1f" "id6",
        "2025\x1f" "c\x1f" "g\x1f" "NO\x1f" "id7",
        "2025\x1f" "zz",
        "2024\x1f" "zz",
        "2025",
    };
    for (size_t a = 0; a < sizeof afters / sizeof afters[0]; a++) {
        for (size_t limit = 1; limit <= 4; limit++) {
            s_pages_equal(txn, "2025\x1f", afters[a], limit);
        }
    }
    mdb_txn_abort(txn);
}

typedef struct s_seen {
    char text[4096];
    size_t len;
} s_seen_t;

static int s_note(void *ctx, const char *const *parts, size_t n,
                  const MDB_val *v)
{
    s_seen_t *s = ctx;
    for (size_t i = 0; i < n; i++) {
        s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len,
                                   "%s|", parts[i]);
    }
    for (size_t i = 0; i < v->mv_size; i++) {
        s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len,
                                   "%02x", ((const unsigned char *)v->mv_data)[i]);
    }
    s->len += (size_t)snprintf(s->text + s->len, sizeof s->text - s->len,
                               "\n");
    cr_assert_lt(s->len, sizeof s->text - 1);
    return 0;
}

Test(bl_bundle, each_row_is_walked_as_bl_page_each_walks_it)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    const char *const prefixes[] = {"2025\x1f", "2025\x1f" "a\x1f",
                                    "2025\x1f" "a\x1f" "g\x1f" "NO", "2026\x1f",
                                    ""};
    for (size_t p = 0; p < sizeof prefixes / sizeof prefixes[0]; p++) {
        s_seen_t a, b;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        bl_err_t err;
        size_t pl = strlen(prefixes[p]);
        cr_assert_eq(bl_page_each(txn, bl_store_dbi(s_store, S_ROWS),
                                  prefixes[p], pl, s_note, &a, &err),
                     0);
        cr_assert_eq(bl_bundle_each(txn, bl_store_dbi(s_store, S_BUNDLES),
                                    prefixes[p], pl, s_note, &b, &err),
                     0, "%s", err.msg);
        cr_assert_gt(a.len, 0);
        cr_assert_str_eq(b.text, a.text, "prefix %zu", p);
    }
    mdb_txn_abort(txn);
}

/* bl_bundle_walk's callbacks: the same notes as s_note (K's parts from
 * the bundle call, the sub from the row's), with a bundle skipped when
 * its indicator is skip_ind and the walk stopped after stop_after rows. */
typedef struct s_walk {
    s_seen_t seen;
    const char *parts[BL_PAGE_PARTS_MAX];
    size_t np;
    size_t bundles, rows;
    const char *skip_ind;
    size_t stop_after;
} s_walk_t;

static int s_walk_bundle(void *ctx, const char *const *parts, size_t n)
{
    s_walk_t *w = ctx;
    w->bundles++;
    if (w->skip_ind != NULL && n > 1 && strcmp(parts[1], w->skip_ind) == 0) {
        return 1;
    }
    memcpy(w->parts, parts, n * sizeof *parts);
    w->np = n;
    return 0;
}

static int s_walk_row(void *ctx, const char *sub, size_t sub_len,
                      const MDB_val *v)
{
    s_walk_t *w = ctx;
    char sb[64];
    cr_assert_lt(sub_len, sizeof sb);
    memcpy(sb, sub, sub_len);
    sb[sub_len] = '\0';
    const char *parts[BL_PAGE_PARTS_MAX + 1];
    memcpy(parts, w->parts, w->np * sizeof *parts);
    parts[w->np] = sb;
    s_note(&w->seen, parts, w->np + 1, v);
    w->rows++;
    return w->stop_after != 0 && w->rows == w->stop_after ? 1 : 0;
}

static size_t s_rows_of(const char *ind)
{
    size_t n = 0;
    for (size_t i = 0; i < S_N_INST; i++) {
        if (ind == NULL || strncmp(s_inst[i] + 5, ind, strlen(ind)) == 0) {
            n += s_n_rows(i);
        }
    }
    return n;
}

Test(bl_bundle, a_walk_names_each_bundle_once_and_may_skip_it_or_stop)
{
    static const bl_bundle_visit_t visit = {s_walk_bundle, s_walk_row};
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    bl_err_t err;
    MDB_dbi rows = bl_store_dbi(s_store, S_ROWS);
    MDB_dbi bundles = bl_store_dbi(s_store, S_BUNDLES);
    /* every row, as bl_page_each gives them; the old-way row is a bundle
     * of its own */
    s_seen_t a;
    memset(&a, 0, sizeof a);
    cr_assert_eq(bl_page_each(txn, rows, "2025\x1f", 5, s_note, &a, &err), 0);
    s_walk_t *w = calloc(1, sizeof *w);
    cr_assert_not_null(w);
    cr_assert_eq(bl_bundle_walk(txn, bundles, "2025\x1f", 5, &visit, w, &err),
                 0, "%s", err.msg);
    cr_assert_str_eq(w->seen.text, a.text);
    cr_assert_eq(w->bundles, S_N_INST + 1);
    cr_assert_eq(w->rows, s_rows_of(NULL) + 1);
    /* the bundles of indicator "a" skipped: none of their rows */
    memset(w, 0, sizeof *w);
    w->skip_ind = "a";
    cr_assert_eq(bl_bundle_walk(txn, bundles, "2025\x1f", 5, &visit, w, &err),
                 0, "%s", err.msg);
    cr_assert_eq(w->bundles, S_N_INST + 1);
    cr_assert_eq(w->rows, s_rows_of(NULL) + 1 - s_rows_of("a\x1f"));
    cr_assert_null(strstr(w->seen.text, "2025|a|"), "%s", w->seen.text);
    /* a row that says stop ends the walk there, without an error */
    memset(w, 0, sizeof *w);
    w->stop_after = 3;
    cr_assert_eq(bl_bundle_walk(txn, bundles, "2025\x1f", 5, &visit, w, &err),
                 0, "%s", err.msg);
    cr_assert_eq(w->rows, 3);
    free(w);
    mdb_txn_abort(txn);
}

static int s_out_of_order(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    (void)ctx;
    bl_bundle_t b;
    bl_bundle_init(&b);
    MDB_dbi dbi = bl_store_dbi(s_store, S_BUNDLES);
    const char v[] = {(char)0x91, 0x01};   /* [1] */
    int rc = bl_bundle_add_row(&b, txn, dbi, "x\x1f" "b\x1f" "1", 5, v, 2,
                               err);
    cr_assert_eq(rc, 0);
    rc = bl_bundle_add_row(&b, txn, dbi, "x\x1f" "c\x1f" "1", 5, v, 2, err);
    cr_assert_eq(rc, 0);
    /* back to x/b: would put x/b a second time over the first */
    rc = bl_bundle_add_row(&b, txn, dbi, "x\x1f" "b\x1f" "2", 5, v, 2, err);
    bl_bundle_destroy(&b);
    return rc;
}

Test(bl_bundle, rows_out_of_key_order_are_refused)
{
    bl_err_t err;
    cr_assert_eq(bl_store_write(s_store, s_out_of_order, NULL, &err),
                 BL_EPROTO);
    cr_assert_not_null(strstr(err.msg, "out of key order"), "%s", err.msg);
}

static int s_bad_bundle(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    (void)ctx;
    /* ["id0"] : an odd count, the row's value missing */
    const char v[] = {(char)0x91, (char)0xa3, 'i', 'd', '0'};
    return bl_store_put(txn, bl_store_dbi(s_store, S_BUNDLES),
                        "2025\x1f" "a\x1f" "g\x1f" "NO", 12, v, sizeof v,
                        err);
}

Test(bl_bundle, a_malformed_bundle_is_named)
{
    bl_err_t err;
    cr_assert_eq(bl_store_write(s_store, s_bad_bundle, NULL, &err), 0);
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    bl_mpw_t w;
    bl_mpw_init(&w);
    cr_assert_eq(bl_bundle_reply(txn, bl_store_dbi(s_store, S_BUNDLES),
                                 "2025\x1f", 5, NULL, 0, 100, &w, &err),
                 BL_EDATA);
    cr_assert_not_null(strstr(err.msg, "malformed bundle"), "%s", err.msg);
    s_seen_t seen;
    memset(&seen, 0, sizeof seen);
    cr_assert_eq(bl_bundle_each(txn, bl_store_dbi(s_store, S_BUNDLES),
                                "2025\x1f", 5, s_note, &seen, &err),
                 BL_EDATA);
    bl_mpw_destroy(&w);
    mdb_txn_abort(txn);
}

Test(bl_bundle, a_row_is_got_from_its_bundle_or_its_old_key)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    MDB_dbi rows = bl_store_dbi(s_store, S_ROWS);
    MDB_dbi bundles = bl_store_dbi(s_store, S_BUNDLES);
    bl_err_t err;
    for (size_t i = 0; i < S_N_INST; i++) {
        size_t kl = strlen(s_inst[i]);
        for (size_t j = 0; j <= s_n_rows(i); j++) {
            char sub[16], whole[128];
            snprintf(sub, sizeof sub, "id%zu", j);
            int wl = snprintf(whole, sizeof whole, "%s\x1f%s", s_inst[i], sub);
            MDB_val want, got;
            int w = bl_store_get(txn, rows, whole, (size_t)wl, &want, NULL);
            int g = bl_bundle_get(txn, bundles, s_inst[i], kl, sub, &got,
                                  &err);
            cr_assert_eq(g, w, "%s: %d, want %d", sub, g, w);
            if (w == 0) {
                cr_assert_eq(got.mv_size, want.mv_size);
                cr_assert_eq(memcmp(got.mv_data, want.mv_data, got.mv_size),
                             0);
            }
        }
    }
    /* stored the old way */
    const char *old = "2025\x1f" "c\x1f" "g\x1f" "NO";
    MDB_val v;
    cr_assert_eq(bl_bundle_get(txn, bundles, old, strlen(old), "id7", &v,
                               &err),
                 0);
    cr_assert_eq(bl_bundle_get(txn, bundles, old, strlen(old), "id8", &v,
                               &err),
                 BL_ENOTFOUND);
    mdb_txn_abort(txn);
}

static int s_refuse(void *ctx, const MDB_val *v, bl_mpw_t *rows)
{
    (void)ctx;
    (void)v;
    (void)rows;
    return BL_EPROTO;
}

Test(bl_bundle, a_value_the_view_refuses_fails_the_page)
{
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    bl_page_view_t view = {"2025\x1f", 5, "2025\x1f", 5, s_refuse, NULL};
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_err_t err;
    cr_assert_eq(bl_page_reply_view(txn, bl_store_dbi(s_store, S_ROWS), &view,
                                    NULL, 0, 100, &w, &err),
                 BL_EPROTO);
    bl_mpw_reset(&w);
    cr_assert_eq(bl_bundle_reply_view(txn, bl_store_dbi(s_store, S_BUNDLES),
                                      &view, NULL, 0, 100, &w, &err),
                 BL_EPROTO);
    bl_mpw_destroy(&w);
    mdb_txn_abort(txn);
}

/* ---- rows in any order, merged into what is stored ------------------------ */

typedef struct s_batch {
    unsigned seed;
    int batch;           /* which of the batches this write is */
} s_batch_t;

/* Row r of batch `batch`: a key of period 2030 (K = provider and unit,
 * sub = indicator, a few of each, so batches repeat keys) and a value
 * that says which batch wrote it. */
static size_t s_rand_row(unsigned *seed, int batch, char *key,
                         bl_mpw_t *w)
{
    unsigned x = (unsigned)rand_r(seed);
    static const char *const units[] = {"", "U1", "U10"};
    int kl = snprintf(key, 64, "2030\x1fP%u\x1f%s\x1fI%u", x % 7,
                      units[(x / 7) % 3], (x / 21) % 9);
    bl_mpw_reset(w);
    bl_mpw_array(w, 2);
    bl_mpw_uint(w, (uint64_t)batch);
    bl_mpw_uint(w, x % 1000);
    return (size_t)kl;
}

/* One batch: 60 random rows put one to a key in S_ROWS (in order: a
 * later row wins) and through bl_bundle_rows into S_BUNDLES. */
static int s_write_batch(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_batch_t *c = ctx;
    bl_bundle_rows_t rows;
    bl_bundle_rows_init(&rows);
    bl_mpw_t w;
    bl_mpw_init(&w);
    int rc = 0;
    for (int i = 0; i < 60 && rc == 0; i++) {
        char key[64];
        size_t kl = s_rand_row(&c->seed, c->batch, key, &w);
        rc = bl_store_put(txn, bl_store_dbi(s_store, S_ROWS), key, kl,
                          bl_mpw_data(&w), bl_mpw_size(&w), err);
        if (rc == 0) {
            rc = bl_bundle_rows_add(&rows, key, kl, bl_mpw_data(&w),
                                    bl_mpw_size(&w));
        }
    }
    if (rc == 0) {
        rc = bl_bundle_rows_put(&rows, txn, bl_store_dbi(s_store, S_BUNDLES),
                                err);
    }
    bl_mpw_destroy(&w);
    bl_bundle_rows_destroy(&rows);
    return rc;
}

/* Rows of K "2030\x1fP1\x1f" stored the old way, in both databases. */
static int s_write_old_rows(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    (void)ctx;
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_array(&w, 2);
    bl_mpw_uint(&w, 99);
    bl_mpw_uint(&w, 99);
    int rc = 0;
    static const char *const keys[] = {
        "2030\x1f" "P1\x1f\x1f" "I0", "2030\x1f" "P1\x1f\x1f" "I5",
        "2030\x1f" "P1\x1f\x1f" "I99"};
    for (size_t i = 0; i < 3 && rc == 0; i++) {
        for (size_t d = 0; d < 2 && rc == 0; d++) {
            rc = bl_store_put(txn, bl_store_dbi(s_store, d), keys[i],
                              strlen(keys[i]), bl_mpw_data(&w),
                              bl_mpw_size(&w), err);
        }
    }
    bl_mpw_destroy(&w);
    return rc;
}

Test(bl_bundle, rows_in_any_order_merge_into_the_stored_bundles)
{
    bl_err_t err = {0};
    cr_assert_eq(bl_store_write(s_store, s_write_old_rows, NULL, &err), 0,
                 "%s", err.msg);
    s_batch_t c = {12345u, 0};
    for (c.batch = 0; c.batch < 8; c.batch++) {
        cr_assert_eq(bl_store_write(s_store, s_write_batch, &c, &err), 0,
                     "batch %d: %s", c.batch, err.msg);
        /* after every batch: the same rows, byte for byte, as one to a
         * key, and the same walk */
        MDB_txn *txn;
        cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
        for (size_t limit = 1; limit <= 200; limit *= 7) {
            s_pages_equal(txn, "2030\x1f", NULL, limit);
        }
        mdb_txn_abort(txn);
    }
    /* P1's rows stored the old way were folded into its bundle */
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(s_store, &txn, NULL), 0);
    MDB_val v;
    cr_assert_eq(bl_store_get(txn, bl_store_dbi(s_store, S_BUNDLES),
                              "2030\x1f" "P1\x1f\x1f" "I99", 12, &v, NULL),
                 BL_ENOTFOUND);
    cr_assert_eq(bl_bundle_get(txn, bl_store_dbi(s_store, S_BUNDLES),
                               "2030\x1f" "P1\x1f", 8, "I99", &v, NULL), 0);
    mdb_txn_abort(txn);
}
