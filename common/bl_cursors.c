/*
 * bl_cursors: a batch's cursors, one per database (see bl_cursors.h).
 * A cursor is opened the first time its database is used; when
 * BL_CURSORS_MAX are open, further databases go through bl_store_put and
 * bl_store_get.
 */
#include "bl_cursors.h"

#include <string.h>

#include "bl_store.h"

void bl_cursors_init(bl_cursors_t *c, MDB_txn *txn)
{
    memset(c, 0, sizeof *c);
    c->txn = txn;
}

void bl_cursors_close(bl_cursors_t *c)
{
    for (size_t i = 0; i < c->n; i++) {
        mdb_cursor_close(c->cur[i]);
        c->cur[i] = NULL;
    }
    c->n = 0;
}

/* The cursor of dbi, opened on first use; NULL (in *cur) when the set is
 * full.  Returns 0 or BL_ESTORE. */
static int s_cursor(bl_cursors_t *c, MDB_dbi dbi, MDB_cursor **cur,
                    bl_err_t *err)
{
    for (size_t i = 0; i < c->n; i++) {
        if (c->dbi[i] == dbi) {
            *cur = c->cur[i];
            return 0;
        }
    }
    *cur = NULL;
    if (c->n == BL_CURSORS_MAX) {
        return 0;
    }
    int rc = bl_store_cursor(c->txn, dbi, cur, err);
    if (rc != 0) {
        return rc;
    }
    c->dbi[c->n] = dbi;
    c->cur[c->n] = *cur;
    c->n++;
    return 0;
}

int bl_cursors_put(bl_cursors_t *c, MDB_dbi dbi, const void *key, size_t klen,
                   const void *val, size_t vlen, unsigned flags, MDB_val *old,
                   bl_err_t *err)
{
    if (klen == 0 || klen > BL_STORE_KEY_MAX) {
        return bl_err_set(err, BL_EINVAL, "store key of %zu bytes", klen);
    }
    MDB_cursor *cur;
    int rc = s_cursor(c, dbi, &cur, err);
    if (rc != 0) {
        return rc;
    }
    if (cur == NULL) {
        if (flags & MDB_APPEND && !(flags & MDB_NOOVERWRITE)) {
            return bl_store_append(c->txn, dbi, key, klen, val, vlen, err);
        }
        return (flags & MDB_NOOVERWRITE)
                   ? bl_store_put_new(c->txn, dbi, key, klen, val, vlen, old,
                                      err)
                   : bl_store_put(c->txn, dbi, key, klen, val, vlen, err);
    }
    flags &= MDB_NOOVERWRITE | MDB_APPEND;
    if (flags == 0) {
        return bl_store_cursor_put(cur, key, klen, val, vlen, err);
    }
    MDB_val k = {klen, (void *)key};
    MDB_val v = {vlen, (void *)val};
    rc = mdb_cursor_put(cur, &k, &v, flags);
    if (rc == MDB_KEYEXIST && (flags & MDB_APPEND)) {
        /* not after the last key: there already, or to go in between */
        v.mv_size = vlen;
        v.mv_data = (void *)val;
        flags &= ~(unsigned)MDB_APPEND;
        rc = mdb_cursor_put(cur, &k, &v, flags);
    }
    if (rc == MDB_KEYEXIST && (flags & MDB_NOOVERWRITE)) {
        *old = v;   /* LMDB points v at the stored value */
        return 1;
    }
    return rc == 0 ? 0 : bl_store_fail(err, rc, "mdb_cursor_put");
}

int bl_cursors_get(bl_cursors_t *c, MDB_dbi dbi, const void *key, size_t klen,
                   MDB_val *val, bl_err_t *err)
{
    if (klen == 0 || klen > BL_STORE_KEY_MAX) {
        return BL_ENOTFOUND;
    }
    MDB_cursor *cur;
    int rc = s_cursor(c, dbi, &cur, err);
    if (rc != 0) {
        return rc;
    }
    if (cur == NULL) {
        return bl_store_get(c->txn, dbi, key, klen, val, err);
    }
    MDB_val k = {klen, (void *)key};
    rc = mdb_cursor_get(cur, &k, val, MDB_SET);
    if (rc == MDB_NOTFOUND) {
        return BL_ENOTFOUND;
    }
    return rc == 0 ? 0 : bl_store_fail(err, rc, "mdb_cursor_get");
}
