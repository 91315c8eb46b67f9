/*
 * bl_page: prefix pages and prefix deletes over \x1f-joined keys (see
 * bl_page.h).
 */
#include "bl_page.h"

#include "bl_scan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

size_t bl_page_join(char *buf, size_t size, const char *const *parts,
                    size_t n)
{
    /* On every row's path: plain copies, no formatting. */
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        size_t pl = strlen(parts[i]);
        if (len + (i ? 1 : 0) + pl + 1 > size) {
            return 0;
        }
        if (i) {
            buf[len++] = '\x1f';
        }
        memcpy(buf + len, parts[i], pl);
        len += pl;
    }
    if (size > 0) {
        buf[len] = '\0';
    }
    return len;
}

size_t bl_page_split(const void *key, size_t len, char *buf, size_t size,
                     const char **parts, size_t max)
{
    if (len >= size || max == 0) {
        return 0;
    }
    memcpy(buf, key, len);
    buf[len] = '\0';
    size_t n = 0;
    parts[n++] = buf;
    for (char *p = buf; p < buf + len && n < max; p++) {
        if (*p == '\x1f') {
            *p = '\0';
            parts[n++] = p + 1;
        }
    }
    return n;
}

/* Where a page over view starts: from the stored prefix (*from_len 0),
 * after the stored key in from, or nowhere (false: every shown key is at
 * or below after).  Shown and stored keys sort alike, so the first key
 * after `after` is the first key after its stored form. */
bool bl_page_view_start(const bl_page_view_t *view, const char *after,
                        size_t after_len, char *from, size_t *from_len)
{
    *from_len = 0;
    if (after == NULL || after_len == 0 || after_len > BL_PAGE_KEY_MAX) {
        return true;
    }
    size_t sl = view->shown_len;
    size_t common = after_len < sl ? after_len : sl;
    int cmp = memcmp(after, view->shown, common);
    if (cmp == 0 && after_len >= sl) {
        size_t rest = after_len - sl;
        if (view->stored_len + rest > BL_PAGE_KEY_MAX) {
            return false;  /* above every stored key that fits */
        }
        memcpy(from, view->stored, view->stored_len);
        memcpy(from + view->stored_len, after + sl, rest);
        *from_len = view->stored_len + rest;
        return true;
    }
    return cmp < 0 || (cmp == 0 && after_len < sl);
}

/* The shown form of stored key k into buf (BL_PAGE_KEY_MAX + 1 bytes);
 * returns its length, 0 when it does not fit. */
size_t bl_page_view_key(const bl_page_view_t *view, const MDB_val *k,
                        char *buf)
{
    size_t rest = k->mv_size - view->stored_len;
    if (view->shown_len + rest > BL_PAGE_KEY_MAX) {
        return 0;
    }
    memcpy(buf, view->shown, view->shown_len);
    memcpy(buf + view->shown_len, (const char *)k->mv_data + view->stored_len,
           rest);
    buf[view->shown_len + rest] = '\0';
    return view->shown_len + rest;
}

/* Appends [part, ..., ] of key (len bytes) to rows, room left for the
 * value; false when the key does not split. */
static bool s_row_parts(bl_mpw_t *rows, const char *key, size_t len)
{
    char buf[BL_PAGE_KEY_MAX + 1];
    const char *parts[BL_PAGE_PARTS_MAX];
    size_t n = bl_page_split(key, len, buf, sizeof buf, parts,
                             BL_PAGE_PARTS_MAX);
    if (n == 0) {
        return false;
    }
    bl_mpw_array(rows, (uint32_t)n + 1);
    for (size_t i = 0; i < n; i++) {
        bl_mpw_str(rows, parts[i]);
    }
    return true;
}

bool bl_page_row(bl_mpw_t *rows, const char *key, size_t len,
                 const MDB_val *v)
{
    if (!s_row_parts(rows, key, len)) {
        return false;
    }
    bl_mpw_raw(rows, v->mv_data, v->mv_size);
    return true;
}

/* Appends one row [part, ..., value] for shown key (len bytes) to rows;
 * returns 1 when written, 0 when the key does not split, or the value
 * function's negative code. */
int bl_page_view_row(const bl_page_view_t *view, const char *key,
                     size_t len, const MDB_val *v, bl_mpw_t *rows)
{
    if (view->value == NULL) {
        return bl_page_row(rows, key, len, v) ? 1 : 0;
    }
    if (!s_row_parts(rows, key, len)) {
        return 0;
    }
    int rc = view->value(view->ctx, v, rows);
    return rc < 0 ? rc : 1;
}

void bl_page_out_init(bl_page_out_t *o)
{
    bl_mpw_init(&o->rows);
    o->count = 0;
    o->last_len = 0;
    o->more = false;
}

void bl_page_out_took(bl_page_out_t *o, const char *key, size_t len)
{
    o->count++;
    memcpy(o->last, key, len);
    o->last_len = len;
}

int bl_page_out_add(bl_page_out_t *o, const bl_page_view_t *view,
                    const MDB_val *k, const MDB_val *v, size_t limit)
{
    if (o->count == limit) {
        o->more = true;
        return 0;
    }
    char shown[BL_PAGE_KEY_MAX + 1];
    size_t sl = bl_page_view_key(view, k, shown);
    int rc = sl > 0 ? bl_page_view_row(view, shown, sl, v, &o->rows) : 0;
    if (rc == 1) {
        bl_page_out_took(o, shown, sl);
    }
    return rc;
}

int bl_page_out_end(bl_page_out_t *o, int rc, bl_mpw_t *reply,
                    bl_err_t *err)
{
    if (rc >= 0) {
        /* "next" before "rows": a reader that looks for it does not step
         * over every row to find it. */
        bl_reply_begin(reply, 2);
        bl_mpw_str(reply, "next");
        if (o->more) {
            bl_mpw_strn(reply, o->last, o->last_len);
        } else {
            bl_mpw_nil(reply);
        }
        bl_mpw_str(reply, "rows");
        bl_mpw_array(reply, o->count);
        bl_mpw_raw(reply, bl_mpw_data(&o->rows), bl_mpw_size(&o->rows));
        rc = o->rows.err ? bl_err_set(err, o->rows.err, "reply too large")
                         : 0;
    }
    bl_mpw_destroy(&o->rows);
    return rc;
}

int bl_page_reply_view(MDB_txn *txn, MDB_dbi dbi, const bl_page_view_t *view,
                       const char *after, size_t after_len, size_t limit,
                       bl_mpw_t *reply, bl_err_t *err)
{
    char from[BL_PAGE_KEY_MAX + 1];
    size_t from_len;
    bool any = bl_page_view_start(view, after, after_len, from, &from_len);
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, dbi, view->stored, view->stored_len,
                          err);
    if (rc == 0 && from_len > 0) {
        rc = bl_scan_after(&scan, from, from_len);
    }
    if (rc != 0) {
        bl_scan_close(&scan);
        return rc;
    }
    bl_page_out_t out;
    bl_page_out_init(&out);
    MDB_val k, v;
    while (any && !out.more && (rc = bl_scan_next(&scan, &k, &v)) == 1) {
        rc = bl_page_out_add(&out, view, &k, &v, limit);
        if (rc < 0) {
            break;
        }
    }
    bl_scan_close(&scan);
    return bl_page_out_end(&out, rc, reply, err);
}

int bl_page_reply(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                  size_t prefix_len, const char *after, size_t after_len,
                  size_t limit, bl_mpw_t *reply, bl_err_t *err)
{
    bl_page_view_t same = {prefix, prefix_len, prefix, prefix_len, NULL,
                           NULL};
    return bl_page_reply_view(txn, dbi, &same, after, after_len, limit,
                              reply, err);
}

static bool s_every(void *ctx, const char *const *parts, size_t n)
{
    (void)ctx;
    (void)parts;
    (void)n;
    return true;
}

int bl_page_delete(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                   size_t prefix_len, bl_err_t *err)
{
    return bl_page_delete_where(txn, dbi, prefix, prefix_len, s_every, NULL,
                                err);
}

int bl_page_each(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                 size_t prefix_len, bl_page_fn fn, void *ctx, bl_err_t *err)
{
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, dbi, prefix, prefix_len, err);
    MDB_val k, v;
    while (rc == 0 && (rc = bl_scan_next(&scan, &k, &v)) == 1) {
        char buf[BL_PAGE_KEY_MAX + 1];
        const char *parts[BL_PAGE_PARTS_MAX];
        size_t n = bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, parts,
                                 BL_PAGE_PARTS_MAX);
        rc = n > 0 ? fn(ctx, parts, n, &v) : 0;
    }
    bl_scan_close(&scan);
    return rc < 0 ? rc : 0;
}

int bl_page_delete_where(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                         size_t prefix_len,
                         bool (*match)(void *ctx, const char *const *parts,
                                       size_t n),
                         void *ctx, bl_err_t *err)
{
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, dbi, prefix, prefix_len, err);
    MDB_val k;
    while (rc == 0 && (rc = bl_scan_next(&scan, &k, NULL)) == 1) {
        char buf[BL_PAGE_KEY_MAX + 1];
        const char *parts[BL_PAGE_PARTS_MAX];
        size_t n = bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, parts,
                                 BL_PAGE_PARTS_MAX);
        rc = n > 0 && match(ctx, parts, n) ? bl_scan_del(&scan) : 0;
    }
    bl_scan_close(&scan);
    return rc < 0 ? rc : 0;  /* MDB_MAP_FULL is negative: replayed */
}

int bl_page_request_args(const bl_msg_t *msg, bl_page_args_t *a,
                         bl_mpw_t *reply)
{
    int64_t period, limit = 5000;
    if (bl_req_int(msg, "period", &period) != 0) {
        bl_reply_error(reply, "the request needs a period");
        return 1;
    }
    bl_req_int(msg, "limit", &limit);
    if (limit < 1 || limit > 50000) {
        limit = 5000;
    }
    a->limit = (size_t)limit;
    a->prefix_len = (size_t)snprintf(a->prefix, sizeof a->prefix,
                                     "%" PRId64 "\x1f", period);
    bl_mpr_t r;
    if (bl_req_find(msg, "after", &r) != 0 ||
        bl_mpr_str(&r, &a->after, &a->after_len) != 0) {
        a->after = NULL;
        a->after_len = 0;
    }
    return 0;
}

int bl_page_request(MDB_txn *txn, MDB_dbi dbi, const bl_msg_t *msg,
                    bl_mpw_t *reply, bl_err_t *err)
{
    bl_page_args_t a;
    if (bl_page_request_args(msg, &a, reply) != 0) {
        return 0;
    }
    return bl_page_reply(txn, dbi, a.prefix, a.prefix_len, a.after,
                         a.after_len, a.limit, reply, err);
}
