/*
 * bl_scan: prefix walks over an LMDB cursor (see bl_scan.h).
 */
#include "bl_scan.h"

#include <string.h>

static bool s_under(const bl_scan_t *s, const MDB_val *k)
{
    return k->mv_size >= s->prefix_len &&
           memcmp(k->mv_data, s->prefix, s->prefix_len) == 0;
}

int bl_scan_open(bl_scan_t *s, MDB_txn *txn, MDB_dbi dbi, const void *prefix,
                 size_t len, bl_err_t *err)
{
    s->cur = NULL;
    s->err = err;
    s->started = false;
    s->prefix_len = 0;
    s->from_len = 0;
    s->skip_from = false;
    s->done = true;
    if (len > BL_STORE_KEY_MAX) {
        return bl_err_set(err, BL_EINVAL, "scan prefix of %zu bytes is over "
                          "%d", len, BL_STORE_KEY_MAX);
    }
    int rc = bl_store_cursor(txn, dbi, &s->cur, err);
    if (rc != 0) {
        return rc;
    }
    if (len > 0) {
        memcpy(s->prefix, prefix, len);
        memcpy(s->from, prefix, len);
    }
    s->prefix_len = len;
    s->from_len = len;
    s->done = false;
    return 0;
}

static int s_seek(bl_scan_t *s, const void *key, size_t len, bool skip)
{
    if (len > BL_STORE_KEY_MAX || s->started) {
        return bl_err_set(s->err, BL_EINVAL, "scan start of %zu bytes "
                          "refused", len);
    }
    size_t common = len < s->prefix_len ? len : s->prefix_len;
    int cmp = common ? memcmp(key, s->prefix, common) : 0;
    if (cmp < 0 || (cmp == 0 && len < s->prefix_len)) {
        return 0;  /* below the prefix: start at the prefix */
    }
    if (cmp > 0) {
        s->done = true;  /* above every key under the prefix */
        return 0;
    }
    if (len > 0) {
        memcpy(s->from, key, len);
    }
    s->from_len = len;
    s->skip_from = skip;
    return 0;
}

int bl_scan_from(bl_scan_t *s, const void *key, size_t len)
{
    return s_seek(s, key, len, false);
}

int bl_scan_after(bl_scan_t *s, const void *key, size_t len)
{
    return s_seek(s, key, len, true);
}

int bl_scan_next(bl_scan_t *s, MDB_val *key, MDB_val *val)
{
    if (s->done || s->cur == NULL) {
        return 0;
    }
    MDB_val k, v;
    int rc;
    if (!s->started) {
        s->started = true;
        k.mv_size = s->from_len;
        k.mv_data = s->from;
        /* LMDB refuses an empty key to MDB_SET_RANGE. */
        rc = mdb_cursor_get(s->cur, &k, &v,
                            s->from_len ? MDB_SET_RANGE : MDB_FIRST);
        if (rc == 0 && s->skip_from && k.mv_size == s->from_len &&
            memcmp(k.mv_data, s->from, s->from_len) == 0) {
            rc = mdb_cursor_get(s->cur, &k, &v, MDB_NEXT);
        }
    } else {
        /* After bl_scan_del, MDB_NEXT returns the key that followed the
         * deleted one (LMDB marks the cursor C_DEL); MDB_GET_CURRENT
         * would leave that mark and repeat a key later. */
        rc = mdb_cursor_get(s->cur, &k, &v, MDB_NEXT);
    }
    if (rc == MDB_NOTFOUND || (rc == 0 && !s_under(s, &k))) {
        s->done = true;
        return 0;
    }
    if (rc != 0) {
        s->done = true;
        return bl_store_fail(s->err, rc, "mdb_cursor_get");
    }
    if (key != NULL) {
        *key = k;
    }
    if (val != NULL) {
        *val = v;
    }
    return 1;
}

int bl_scan_del(bl_scan_t *s)
{
    if (s->cur == NULL || !s->started || s->done) {
        return bl_err_set(s->err, BL_EINVAL, "no current key to delete");
    }
    int rc = mdb_cursor_del(s->cur, 0);
    if (rc != 0) {
        return bl_store_fail(s->err, rc, "mdb_cursor_del");
    }
    return 0;
}

void bl_scan_close(bl_scan_t *s)
{
    if (s->cur != NULL) {
        mdb_cursor_close(s->cur);
        s->cur = NULL;
    }
    s->done = true;
}
