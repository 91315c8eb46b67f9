/*
 * bl_bundle: many rows of one \x1f-joined key space stored under one LMDB
 * key — the rows whose keys differ only in their last part.  A benchmark
 * close writes a million positions; stored one key each they cost a tree
 * insert and about 120 bytes of pages apiece, stored as one value per
 * group instance they are a few large appends.
 *
 * A row "K \x1f sub" with value V (one MessagePack object) is stored in
 * the value of key K, which is the MessagePack array
 *     [sub_1, V_1, sub_2, V_2, ...]      (subs ascending, as bytes)
 * written with a 32-bit array header.  Readers see the rows as if each
 * were its own key (bl_page's order, parts and pages), so exports and
 * links do not change.  A value that does not start with a string is one
 * row stored the old way, under its whole key: stores written before
 * bundles read the same.
 *
 *     bl_bundle_t b;
 *     bl_bundle_init(&b);
 *     bl_bundle_begin(&b, key, key_len);
 *     bl_bundle_add(&b, "NO-0001", 7, value, value_len);   (sub order)
 *     rc = bl_bundle_put(&b, txn, dbi, err);
 *     bl_bundle_destroy(&b);
 */
#ifndef BL_BUNDLE_H
#define BL_BUNDLE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"
#include "bl_msg.h"
#include "bl_page.h"

typedef struct bl_bundle {
    bl_mpw_t body;                    /* array32 header, then the rows */
    uint32_t n;                       /* rows added since begin */
    char key[BL_PAGE_KEY_MAX + 1];    /* K */
    size_t key_len;                   /* bytes in key */
    bool open;                        /* begun and not put yet */
} bl_bundle_t;

void bl_bundle_init(bl_bundle_t *b);
void bl_bundle_destroy(bl_bundle_t *b);

/* Starts the bundle of key K (len bytes), dropping rows not put.  Returns
 * 0, or BL_EINVAL when len is 0 or over BL_PAGE_KEY_MAX. */
int bl_bundle_begin(bl_bundle_t *b, const char *key, size_t len);

/* Adds the row K \x1f sub with value (one MessagePack object).  Rows come
 * in ascending sub order; sub holds no \x1f. */
void bl_bundle_add(bl_bundle_t *b, const char *sub, size_t sub_len,
                   const void *value, size_t len);

/* Stores the begun bundle under K (nothing when it has no rows) and ends
 * it.  Keys put in ascending order are appended (bl_store_append).
 * Returns 0, BL_ENOMEM, or bl_store's code. */
int bl_bundle_put(bl_bundle_t *b, MDB_txn *txn, MDB_dbi dbi, bl_err_t *err);

/* Adds the row of whole key (len bytes: K \x1f sub) and value, putting
 * the bundle being filled first when the row's K differs from it: rows
 * given in key order end up one bundle per K.  Call bl_bundle_put after
 * the last row.  A key with no \x1f, or a K over BL_PAGE_KEY_MAX, is
 * left out; a K below the one before (rows out of order, which would put
 * a K twice and lose the first) is BL_EPROTO. */
int bl_bundle_add_row(bl_bundle_t *b, MDB_txn *txn, MDB_dbi dbi,
                      const char *key, size_t len, const void *value,
                      size_t value_len, bl_err_t *err);

/* Rows in any order, put as bundles merged into what is stored (a values
 * message of the benchmark: a provider's cells arrive over several
 * messages and passes).
 *
 *     bl_bundle_rows_t rows;
 *     bl_bundle_rows_init(&rows);
 *     bl_bundle_rows_add(&rows, "2025\x1fNO-1\x1f\x1fI1", 15, v, vl);  ...
 *     rc = bl_bundle_rows_put(&rows, txn, dbi, err);
 *     bl_bundle_rows_destroy(&rows);
 */
typedef struct bl_bundle_row {
    size_t key_off;            /* the whole key in data */
    size_t key_len;
    size_t k_len;              /* K's bytes: the key before its last \x1f */
    size_t val_off;            /* the value in data */
    size_t val_len;
    size_t seq;                /* order of adding: a later row wins */
    const char *key;           /* set by bl_bundle_rows_put for sorting */
} bl_bundle_row_t;

typedef struct bl_bundle_rows {
    bl_mpw_t data;             /* keys and values, back to back */
    bl_bundle_row_t *rows;
    size_t n, cap;
    bl_bundle_t b;             /* the new rows of one K */
    bl_mpw_t merged;           /* K's rows after the merge */
} bl_bundle_rows_t;

void bl_bundle_rows_init(bl_bundle_rows_t *r);
void bl_bundle_rows_destroy(bl_bundle_rows_t *r);
/* Adds the row of whole key (K \x1f sub) and value (one MessagePack
 * object).  A key with no \x1f, or a K over BL_PAGE_KEY_MAX, is left
 * out.  0 or BL_ENOMEM. */
int bl_bundle_rows_add(bl_bundle_rows_t *r, const char *key, size_t len,
                       const void *value, size_t value_len);
/* Puts the rows added, one bundle per K, each merged with K's stored
 * rows: a stored row whose key is not among the new ones stays, a new
 * row replaces a stored one of its key, and of two new rows with one key
 * the later wins.  Rows K's store held the old way (under K \x1f sub)
 * are folded into the bundle and deleted.  The rows are then dropped.
 * Returns 0, BL_ENOMEM, BL_EDATA for a malformed stored bundle, or
 * bl_store's code. */
int bl_bundle_rows_put(bl_bundle_rows_t *r, MDB_txn *txn, MDB_dbi dbi,
                       bl_err_t *err);
/* The same, keeping the rows added: a transaction that runs again (the
 * map grew) puts them again. */
int bl_bundle_rows_write(bl_bundle_rows_t *r, MDB_txn *txn, MDB_dbi dbi,
                         bl_err_t *err);

/* The value of the row K \x1f sub (key: K, key_len bytes) into *value:
 * found in K's bundle, or stored the old way under its whole key.
 * Returns 0, BL_ENOTFOUND, BL_EDATA for a malformed bundle, or
 * bl_store's BL_ESTORE. */
int bl_bundle_get(MDB_txn *txn, MDB_dbi dbi, const char *key, size_t key_len,
                  const char *sub, MDB_val *value, bl_err_t *err);

/* bl_page_each over bundled rows: fn gets each row's parts (K's, then
 * sub) and value, in key order. */
int bl_bundle_each(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                   size_t prefix_len, bl_page_fn fn, void *ctx,
                   bl_err_t *err);

/* What bl_bundle_walk calls.  bundle: with K's parts (n of them), before
 * its rows; 0 to read them, 1 to skip them, a negative code to stop with
 * it.  A row stored the old way comes as a bundle of its own, its key's
 * parts but the last.  row: with each row's sub (sub_len bytes, not
 * NUL-terminated) and value; 0 to go on, 1 to stop, or a negative code. */
typedef struct bl_bundle_visit {
    int (*bundle)(void *ctx, const char *const *parts, size_t n);
    int (*row)(void *ctx, const char *sub, size_t sub_len,
               const MDB_val *value);
} bl_bundle_visit_t;

/* Walks the rows under prefix bundle by bundle, in key order: a reader
 * that looks up what K names once, not once per row.  Returns 0 or a
 * callback's negative code, BL_EDATA for a malformed bundle, BL_ESTORE. */
int bl_bundle_walk(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                   size_t prefix_len, const bl_bundle_visit_t *visit,
                   void *ctx, bl_err_t *err);

/* bl_page_reply over bundled rows: the same reply their one-key-a-row
 * form would give. */
int bl_bundle_reply(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                    size_t prefix_len, const char *after, size_t after_len,
                    size_t limit, bl_mpw_t *reply, bl_err_t *err);

/* bl_page_reply_view over bundled rows: the same reply their
 * one-key-a-row form would give through view. */
int bl_bundle_reply_view(MDB_txn *txn, MDB_dbi dbi,
                         const bl_page_view_t *view, const char *after,
                         size_t after_len, size_t limit, bl_mpw_t *reply,
                         bl_err_t *err);

/* bl_page_request over bundled rows. */
int bl_bundle_request(MDB_txn *txn, MDB_dbi dbi, const bl_msg_t *msg,
                      bl_mpw_t *reply, bl_err_t *err);

#endif
