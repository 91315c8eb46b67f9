/*
 * bl_cursors: one LMDB cursor per database for the many puts and gets
 * of one batch of rows in one write transaction (validation's rows,
 * aggregation's records).  A put or get
 * through a cursor that already sits on the right leaf page skips the
 * walk down the tree (LMDB compares the key with the page's first and
 * last keys first), which mdb_put and mdb_get, each with a fresh cursor,
 * never do: rows of one provider, and keys that grow within a file, land
 * on the page the previous row touched.  Results are those of bl_store_put,
 * bl_store_put_new and bl_store_get.  Not a cache: nothing is held but
 * the cursors, and they die with the transaction (close them before it
 * ends).
 */
#ifndef BL_CURSORS_H
#define BL_CURSORS_H

#include <lmdb.h>
#include <stddef.h>

#include "bl_error.h"

/* Databases one set holds a cursor for; a further one is served without
 * a cursor. */
#define BL_CURSORS_MAX 8

typedef struct bl_cursors {
    MDB_txn *txn;              /* the transaction of the cursors */
    size_t n;                  /* cursors open */
    MDB_dbi dbi[BL_CURSORS_MAX];     /* the database of each */
    MDB_cursor *cur[BL_CURSORS_MAX];
} bl_cursors_t;

/* Sets up an empty set for txn (no cursor is opened yet). */
void bl_cursors_init(bl_cursors_t *c, MDB_txn *txn);

/* Closes the set's cursors; harmless twice and after bl_cursors_init. */
void bl_cursors_close(bl_cursors_t *c);

/* bl_store_put (flags 0) through the set's cursor of dbi.  With
 * MDB_NOOVERWRITE it is bl_store_put_new: returns 1 when key is there
 * already, its stored value in *old (valid until the transaction's next
 * write).  With MDB_APPEND a key that sorts after every other is appended
 * (pages filled, not split in half: bl_store_append), any other is put
 * the usual way; other flags are ignored.  Returns 0, 1, BL_EINVAL for a
 * key of 0 or more than BL_STORE_KEY_MAX bytes, MDB_MAP_FULL (for
 * bl_store_write to grow), or BL_ESTORE (detail in err, may be NULL). */
int bl_cursors_put(bl_cursors_t *c, MDB_dbi dbi, const void *key, size_t klen,
                   const void *val, size_t vlen, unsigned flags, MDB_val *old,
                   bl_err_t *err);

/* bl_store_get through the set's cursor of dbi: 0 (value in *val, valid
 * until the transaction's next write), BL_ENOTFOUND, or BL_ESTORE. */
int bl_cursors_get(bl_cursors_t *c, MDB_dbi dbi, const void *key, size_t klen,
                   MDB_val *val, bl_err_t *err);

#endif
