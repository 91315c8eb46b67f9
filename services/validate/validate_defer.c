/*
 * validate_defer: puts held back and made in key order (see
 * validate_defer.h).  Keys and values are copied into one growing buffer;
 * the items point into it only once it has stopped growing (vdef_sort).
 */
#include "validate_defer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bl_store.h"
#include "bl_vec.h"

void vdef_init(vdef_t *d, MDB_dbi dbi)
{
    memset(d, 0, sizeof *d);
    d->dbi = dbi;
}

void vdef_free(vdef_t *d)
{
    free(d->buf);
    free(d->items);
    d->buf = NULL;
    d->items = NULL;
    d->n_buf = d->cap_buf = d->n = d->cap = 0;
}

int vdef_add(vdef_t *d, const void *key, size_t klen, const void *val,
             size_t vlen, bl_err_t *err)
{
    if (klen == 0 || klen > BL_STORE_KEY_MAX) {
        return bl_err_set(err, BL_EINVAL, "store key of %zu bytes", klen);
    }
    if (vlen > SIZE_MAX - klen - d->n_buf ||
        BL_GROW(d->buf, d->cap_buf, d->n_buf + klen + vlen) != 0 ||
        BL_GROW(d->items, d->cap, d->n + 1) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    vdef_item_t *it = &d->items[d->n];
    it->key = NULL;
    it->at = d->n_buf;
    it->kl = klen;
    it->vl = vlen;
    it->seq = d->n;
    memcpy(d->buf + d->n_buf, key, klen);
    if (vlen > 0) {
        memcpy(d->buf + d->n_buf + klen, val, vlen);
    }
    d->n_buf += klen + vlen;
    d->n++;
    return 0;
}

/* LMDB's default order (memcmp, then the shorter key first), then the
 * order of the puts. */
static int s_cmp_item(const void *a, const void *b)
{
    const vdef_item_t *x = a, *y = b;
    size_t l = x->kl < y->kl ? x->kl : y->kl;
    int c = memcmp(x->key, y->key, l);
    if (c == 0) {
        c = x->kl < y->kl ? -1 : x->kl > y->kl;
    }
    return c ? c : (x->seq < y->seq ? -1 : x->seq > y->seq);
}

void vdef_sort(vdef_t *d)
{
    if (d->n == 0) {
        return;   /* (and qsort must not see the NULL of an empty list) */
    }
    for (size_t i = 0; i < d->n; i++) {
        d->items[i].key = d->buf + d->items[i].at;
    }
    qsort(d->items, d->n, sizeof *d->items, s_cmp_item);
}

int vdef_flush(vdef_t *d, vcur_t *c, bl_err_t *err)
{
    vdef_sort(d);
    int rc = 0;
    for (size_t i = 0; i < d->n && rc == 0; i++) {
        const vdef_item_t *it = &d->items[i];
        rc = vcur_put(c, d->dbi, it->key, it->kl, it->key + it->kl, it->vl, 0,
                      NULL, err);
    }
    d->n = 0;
    d->n_buf = 0;
    return rc;
}
