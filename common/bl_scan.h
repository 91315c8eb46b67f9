/*
 * bl_scan: walking the keys of one LMDB database that start with a prefix,
 * in key order — the one prefix walk of the project (bl_page's pages and
 * deletes, the outbox's lanes and every stage's "all rows of this period"
 * are built on it).
 *
 *     bl_scan_t s;
 *     int rc = bl_scan_open(&s, txn, dbi, prefix, prefix_len, err);
 *     MDB_val k, v;
 *     while (rc == 0 && (rc = bl_scan_next(&s, &k, &v)) == 1) {
 *         rc = use(k, v);          (0 to go on)
 *     }
 *     bl_scan_close(&s);
 *     if (rc < 0) ... fail ...
 *
 * The scan owns an LMDB cursor of txn: close it before the transaction
 * ends.  Keys and values returned live until the transaction's next write
 * (other than bl_scan_del) or its end, as LMDB values do.  An empty prefix
 * walks the whole database.  A scan is not for sharing between threads.
 */
#ifndef BL_SCAN_H
#define BL_SCAN_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>

#include "bl_error.h"
#include "bl_store.h"

typedef struct bl_scan {
    MDB_cursor *cur;                          /* NULL once closed */
    unsigned char prefix[BL_STORE_KEY_MAX];   /* copy of the prefix */
    size_t prefix_len;                        /* bytes in prefix */
    unsigned char from[BL_STORE_KEY_MAX];     /* first key to consider */
    size_t from_len;                          /* bytes in from */
    bool skip_from;                           /* from itself is excluded */
    bool started;                             /* the cursor is positioned */
    bool done;                                /* past the prefix's keys */
    bl_err_t *err;                            /* detail for failures */
} bl_scan_t;

/* Opens a scan of the keys of dbi (in txn) that start with prefix (len
 * bytes; the bytes are copied).  err (may be NULL) receives the detail of
 * this and of later failures of the scan.  Returns 0, BL_EINVAL when len
 * is over BL_STORE_KEY_MAX, or BL_ESTORE when no cursor could be opened;
 * on failure s is closed (bl_scan_close is harmless). */
int bl_scan_open(bl_scan_t *s, MDB_txn *txn, MDB_dbi dbi, const void *prefix,
                 size_t len, bl_err_t *err);

/* Before the first bl_scan_next: start at key (len bytes) instead of at
 * the prefix: at the first key >= key (bl_scan_from) or > key
 * (bl_scan_after).  Keys below the prefix start at the prefix; keys above
 * every key under it end the scan.  Returns 0, or BL_EINVAL when len is
 * over BL_STORE_KEY_MAX or the scan has already started. */
int bl_scan_from(bl_scan_t *s, const void *key, size_t len);
int bl_scan_after(bl_scan_t *s, const void *key, size_t len);

/* Moves to the next key under the prefix and points key and val (either
 * may be NULL) at it.  Returns 1 for a key, 0 at the end (and from then
 * on), or BL_ESTORE (detail in the scan's err). */
int bl_scan_next(bl_scan_t *s, MDB_val *key, MDB_val *val);

/* Deletes the key bl_scan_next last returned (in a write transaction);
 * the next bl_scan_next returns the key after it.  Returns 0,
 * MDB_MAP_FULL (so that bl_store_write grows the map and replays), or
 * BL_ESTORE. */
int bl_scan_del(bl_scan_t *s);

/* Closes the cursor; harmless twice and after a failed open. */
void bl_scan_close(bl_scan_t *s);

#endif
