/*
 * validate_defer: puts into one database held back until the end of a
 * batch, then made in key order through the batch's cursor
 * (validate_cursor.h).  A batch's rows come provider by provider, while a
 * database such as "gvals" is keyed by indicator first: put as they come,
 * each row lands on a different page and walks the tree from its root;
 * sorted, consecutive puts land on the page the previous one touched.
 * Only for puts that nothing reads before the flush.  Not a cache (no
 * lookups) and not a transaction: the puts happen in the caller's.
 */
#ifndef VALIDATE_DEFER_H
#define VALIDATE_DEFER_H

#include <lmdb.h>
#include <stddef.h>

#include "bl_error.h"
#include "validate_cursor.h"

typedef struct vdef_item {
    const unsigned char *key;  /* into buf, set by vdef_sort */
    size_t at;                 /* key, then value, at buf + at */
    size_t kl, vl;             /* their lengths, bytes */
    size_t seq;                /* order of vdef_add: the later put wins */
} vdef_item_t;

typedef struct vdef {
    MDB_dbi dbi;               /* the database of the puts */
    unsigned char *buf;        /* keys and values, one after the other */
    size_t n_buf, cap_buf;
    vdef_item_t *items;        /* the puts, in vdef_add order until sorted */
    size_t n, cap;
} vdef_t;

/* Sets up an empty list of puts into dbi. */
void vdef_init(vdef_t *d, MDB_dbi dbi);

/* Frees what d holds; harmless twice and after vdef_init. */
void vdef_free(vdef_t *d);

/* Adds the put key -> val (copied).  Returns 0, BL_EINVAL for a key of 0
 * or more than BL_STORE_KEY_MAX bytes (as bl_store_put would), or
 * BL_ENOMEM (detail in err, may be NULL). */
int vdef_add(vdef_t *d, const void *key, size_t klen, const void *val,
             size_t vlen, bl_err_t *err);

/* Sorts the puts in the database's key order (bytes, a key before its
 * own extensions), the puts of one key in vdef_add order. */
void vdef_sort(vdef_t *d);

/* Sorts the puts and makes them through c (vcur_put), then empties the
 * list.  Returns 0 or vcur_put's error (the list is emptied anyway: the
 * transaction is lost). */
int vdef_flush(vdef_t *d, vcur_t *c, bl_err_t *err);

#endif
