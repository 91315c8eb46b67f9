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

int bl_page_reply(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                  size_t prefix_len, const char *after, size_t after_len,
                  size_t limit, bl_mpw_t *reply, bl_err_t *err)
{
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, dbi, prefix, prefix_len, err);
    if (rc == 0 && after != NULL && after_len > 0 &&
        after_len <= BL_PAGE_KEY_MAX) {
        rc = bl_scan_after(&scan, after, after_len);
    }
    if (rc != 0) {
        bl_scan_close(&scan);
        return rc;
    }
    bl_mpw_t rows;
    bl_mpw_init(&rows);
    uint32_t count = 0;
    char last[BL_PAGE_KEY_MAX + 1];
    size_t ll = 0;
    bool more = false;
    MDB_val k, v;
    while ((rc = bl_scan_next(&scan, &k, &v)) == 1) {
        if (count == limit) {
            more = true;
            break;
        }
        char buf[BL_PAGE_KEY_MAX + 1];
        const char *parts[BL_PAGE_PARTS_MAX];
        size_t n = bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, parts,
                                 BL_PAGE_PARTS_MAX);
        if (n > 0) {
            bl_mpw_array(&rows, (uint32_t)n + 1);
            for (size_t i = 0; i < n; i++) {
                bl_mpw_str(&rows, parts[i]);
            }
            bl_mpw_raw(&rows, v.mv_data, v.mv_size);
            count++;
            memcpy(last, k.mv_data, k.mv_size);
            ll = k.mv_size;
        }
    }
    bl_scan_close(&scan);
    if (rc < 0) {
        bl_mpw_destroy(&rows);
        return rc;
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "rows");
    bl_mpw_array(reply, count);
    bl_mpw_raw(reply, bl_mpw_data(&rows), bl_mpw_size(&rows));
    bl_mpw_str(reply, "next");
    if (more) {
        bl_mpw_strn(reply, last, ll);
    } else {
        bl_mpw_nil(reply);
    }
    rc = rows.err;
    bl_mpw_destroy(&rows);
    return rc ? bl_err_set(err, rc, "reply too large") : 0;
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

int bl_page_request(MDB_txn *txn, MDB_dbi dbi, const bl_msg_t *msg,
                    bl_mpw_t *reply, bl_err_t *err)
{
    int64_t period, limit = 5000;
    if (bl_req_int(msg, "period", &period) != 0) {
        bl_reply_error(reply, "the request needs a period");
        return 0;
    }
    bl_req_int(msg, "limit", &limit);
    if (limit < 1 || limit > 50000) {
        limit = 5000;
    }
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    bl_mpr_t r;
    const char *after = NULL;
    uint32_t after_len = 0;
    if (bl_req_find(msg, "after", &r) != 0 ||
        bl_mpr_str(&r, &after, &after_len) != 0) {
        after = NULL;
        after_len = 0;
    }
    return bl_page_reply(txn, dbi, prefix, pl, after, after_len,
                         (size_t)limit, reply, err);
}
