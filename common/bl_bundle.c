/*
 * bl_bundle: rows stored many to a key, read as if one to a key (see
 * bl_bundle.h).
 */
#include "bl_bundle.h"

#include "bl_scan.h"
#include "bl_store.h"
#include "bl_vec.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

void bl_bundle_init(bl_bundle_t *b)
{
    memset(b, 0, sizeof *b);
    bl_mpw_init(&b->body);
}

void bl_bundle_destroy(bl_bundle_t *b)
{
    bl_mpw_destroy(&b->body);
    b->key_len = 0;
    b->n = 0;
    b->open = false;
}

/* A bundle's value starts with an array32 header whose count is written
 * once the rows are in: s_header_begin, then s_header_count. */
#define S_HEADER_LEN 5

static void s_header_begin(bl_mpw_t *w)
{
    static const unsigned char header[S_HEADER_LEN] = {0xdd, 0, 0, 0, 0};
    bl_mpw_raw(w, header, sizeof header);
}

static void s_header_count(bl_mpw_t *w, uint32_t items)
{
    unsigned char *h = (unsigned char *)w->buf.data;
    h[1] = (unsigned char)(items >> 24);
    h[2] = (unsigned char)(items >> 16);
    h[3] = (unsigned char)(items >> 8);
    h[4] = (unsigned char)items;
}

int bl_bundle_begin(bl_bundle_t *b, const char *key, size_t len)
{
    b->open = false;
    if (len == 0 || len > BL_PAGE_KEY_MAX) {
        return BL_EINVAL;
    }
    memcpy(b->key, key, len);
    b->key[len] = '\0';
    b->key_len = len;
    b->n = 0;
    b->open = true;
    bl_mpw_reset(&b->body);
    s_header_begin(&b->body);   /* the count: bl_bundle_put */
    return 0;
}

void bl_bundle_add(bl_bundle_t *b, const char *sub, size_t sub_len,
                   const void *value, size_t len)
{
    bl_mpw_strn(&b->body, sub, sub_len);
    bl_mpw_raw(&b->body, value, len);
    b->n++;
}

int bl_bundle_put(bl_bundle_t *b, MDB_txn *txn, MDB_dbi dbi, bl_err_t *err)
{
    size_t kl = b->key_len;
    uint32_t n = b->n;
    bool open = b->open;
    b->n = 0;
    b->open = false;
    if (!open || n == 0) {
        return 0;
    }
    if (b->body.err != 0 || n > UINT32_MAX / 2) {
        return bl_err_set(err, BL_ENOMEM, "out of memory for a bundle");
    }
    s_header_count(&b->body, 2 * n);
    return bl_store_append(txn, dbi, b->key, kl, bl_mpw_data(&b->body),
                           bl_mpw_size(&b->body), err);
}

/* Compares a (alen bytes) with b (blen) as LMDB orders keys: bytes, then
 * the shorter first. */
static int s_cmp_bytes(const char *a, size_t alen, const char *b,
                       size_t blen)
{
    size_t m = alen < blen ? alen : blen;
    int c = m > 0 ? memcmp(a, b, m) : 0;
    return c != 0 ? c : (alen > blen) - (alen < blen);
}

/* The last \x1f of key (len bytes), or NULL. */
static const char *s_last_sep(const char *key, size_t len)
{
    while (len > 0) {
        if (key[--len] == '\x1f') {
            return key + len;
        }
    }
    return NULL;
}

int bl_bundle_add_row(bl_bundle_t *b, MDB_txn *txn, MDB_dbi dbi,
                      const char *key, size_t len, const void *value,
                      size_t value_len, bl_err_t *err)
{
    const char *sep = s_last_sep(key, len);
    if (sep == NULL) {
        return 0;
    }
    size_t kl = (size_t)(sep - key);
    if (kl > BL_PAGE_KEY_MAX) {
        return 0;
    }
    int cmp = b->key_len > 0 ? s_cmp_bytes(key, kl, b->key, b->key_len) : 1;
    if (cmp < 0 || (cmp == 0 && !b->open)) {
        return bl_err_set(err, BL_EPROTO, "rows out of key order at '%.*s'",
                          (int)(len > 200 ? 200 : len), key);
    }
    if (cmp > 0) {
        int rc = bl_bundle_put(b, txn, dbi, err);
        if (rc != 0) {
            return rc;
        }
        bl_bundle_begin(b, key, kl);
    }
    bl_bundle_add(b, sep + 1, len - kl - 1, value, value_len);
    return 0;
}

/* ---- reading ----------------------------------------------------------- */

/* The rows of one stored key-value, one after the other. */
typedef struct s_rows {
    bl_mpr_t r;
    uint32_t left;         /* rows still to read; UINT32_MAX: the old way */
    const MDB_val *k;
} s_rows_t;

/* Starts reading the rows of k, v; false when v is a malformed bundle. */
static bool s_rows_open(s_rows_t *s, const MDB_val *k, const MDB_val *v)
{
    s->k = k;
    bl_mpr_init(&s->r, v->mv_data, v->mv_size);
    bl_mpr_t probe = s->r;
    uint32_t items;
    if (bl_mpr_array(&probe, &items) != 0 || items == 0 ||
        !bl_mpr_at_str(&probe)) {
        s->left = UINT32_MAX;  /* one row under its whole key */
        return true;
    }
    if (items % 2 != 0) {
        return false;
    }
    s->r = probe;
    s->left = items / 2;
    return true;
}

/* The next row: its key after K's (sub, sub_len; for a row stored the old
 * way the whole key, with *whole set) and its value.  Returns 1, 0 at the
 * end, or -1 for a malformed bundle. */
static int s_rows_next(s_rows_t *s, const char **sub, uint32_t *sub_len,
                       bool *whole, MDB_val *value)
{
    *whole = false;
    if (s->left == UINT32_MAX) {
        s->left = 0;
        *whole = true;
        *sub = s->k->mv_data;
        *sub_len = (uint32_t)s->k->mv_size;
        value->mv_data = (void *)s->r.p;
        value->mv_size = (size_t)(s->r.end - s->r.p);
        return 1;
    }
    if (s->left == 0) {
        return 0;
    }
    s->left--;
    const uint8_t *start;
    size_t len;
    if (bl_mpr_str(&s->r, sub, sub_len) != 0 ||
        bl_mpr_raw(&s->r, &start, &len) != 0) {
        return -1;
    }
    value->mv_data = (void *)start;
    value->mv_size = len;
    return 1;
}

/* The whole key of a row into buf (BL_PAGE_KEY_MAX + 1 bytes); its
 * length, 0 when it does not fit. */
static size_t s_row_key(const MDB_val *k, const char *sub, uint32_t sub_len,
                        bool whole, char *buf)
{
    size_t kl = whole ? 0 : k->mv_size + 1;
    if (kl + sub_len > BL_PAGE_KEY_MAX) {
        return 0;
    }
    if (!whole) {
        memcpy(buf, k->mv_data, k->mv_size);
        buf[k->mv_size] = '\x1f';
    }
    memcpy(buf + kl, sub, sub_len);
    buf[kl + sub_len] = '\0';
    return kl + sub_len;
}

static int s_malformed(bl_err_t *err, const MDB_val *k)
{
    return bl_err_set(err, BL_EDATA, "malformed bundle under key '%.*s'",
                      (int)(k->mv_size > 200 ? 200 : k->mv_size),
                      (const char *)k->mv_data);
}

int bl_bundle_get(MDB_txn *txn, MDB_dbi dbi, const char *key, size_t key_len,
                  const char *sub, MDB_val *value, bl_err_t *err)
{
    size_t sl = strlen(sub);
    MDB_val k, v;
    int rc = bl_store_get(txn, dbi, key, key_len, &v, err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    if (rc == 0) {
        k.mv_data = (void *)key;
        k.mv_size = key_len;
        s_rows_t rows;
        if (!s_rows_open(&rows, &k, &v)) {
            return s_malformed(err, &k);
        }
        const char *rs;
        uint32_t rl;
        bool whole;
        int got = 0;
        while (rows.left != UINT32_MAX &&
               (got = s_rows_next(&rows, &rs, &rl, &whole, value)) == 1) {
            if (rl == sl && memcmp(rs, sub, sl) == 0) {
                return 0;
            }
        }
        if (rows.left != UINT32_MAX && got < 0) {
            return s_malformed(err, &k);
        }
    }
    /* the old way: under K \x1f sub */
    char whole_key[BL_PAGE_KEY_MAX + 1];
    if (key_len + 1 + sl > BL_PAGE_KEY_MAX) {
        return BL_ENOTFOUND;
    }
    memcpy(whole_key, key, key_len);
    whole_key[key_len] = '\x1f';
    memcpy(whole_key + key_len + 1, sub, sl);
    return bl_store_get(txn, dbi, whole_key, key_len + 1 + sl, value, err);
}

int bl_bundle_walk(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                   size_t prefix_len, const bl_bundle_visit_t *visit,
                   void *ctx, bl_err_t *err)
{
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, dbi, prefix, prefix_len, err);
    MDB_val k, v;
    while (rc == 0 && (rc = bl_scan_next(&scan, &k, &v)) == 1) {
        rc = 0;
        s_rows_t rows;
        if (!s_rows_open(&rows, &k, &v)) {
            rc = s_malformed(err, &k);
            break;
        }
        char buf[BL_PAGE_KEY_MAX + 1];
        const char *parts[BL_PAGE_PARTS_MAX];
        const char *sub;
        uint32_t sl;
        bool whole;
        MDB_val rv;
        if (rows.left == UINT32_MAX) {
            /* one row under its whole key: K is all its parts but the
             * last, which is the row's sub */
            if (s_rows_next(&rows, &sub, &sl, &whole, &rv) != 1) {
                continue;
            }
            size_t np = bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf,
                                      parts, BL_PAGE_PARTS_MAX);
            if (np == 0) {
                continue;
            }
            rc = visit->bundle(ctx, parts, np - 1);
            if (rc == 1) {
                rc = 0;   /* skipped */
            } else if (rc == 0) {
                rc = visit->row(ctx, parts[np - 1], strlen(parts[np - 1]),
                                &rv);
            }
            continue;
        }
        /* K's parts once; the last part is each row's sub */
        size_t np = bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf,
                                  parts, BL_PAGE_PARTS_MAX - 1);
        if (np == 0) {
            continue;
        }
        rc = visit->bundle(ctx, parts, np);
        if (rc == 1) {
            rc = 0;
            continue;
        }
        int got;
        while (rc == 0 && (got = s_rows_next(&rows, &sub, &sl, &whole,
                                             &rv)) == 1) {
            rc = visit->row(ctx, sub, sl, &rv);
        }
        if (rc == 0 && got < 0) {
            rc = s_malformed(err, &k);
        }
    }
    bl_scan_close(&scan);
    return rc < 0 ? rc : 0;
}

/* bl_bundle_each over bl_bundle_walk: K's parts kept from its bundle
 * call, each row's sub added as the last part. */
typedef struct s_each {
    bl_page_fn fn;
    void *ctx;
    const char *parts[BL_PAGE_PARTS_MAX + 1];
    size_t np;
} s_each_t;

static int s_each_bundle(void *ctx, const char *const *parts, size_t n)
{
    s_each_t *e = ctx;
    memcpy(e->parts, parts, n * sizeof *parts);
    e->np = n;
    return 0;
}

static int s_each_row(void *ctx, const char *sub, size_t sub_len,
                      const MDB_val *value)
{
    s_each_t *e = ctx;
    char sb[BL_PAGE_KEY_MAX + 1];
    if (sub_len > BL_PAGE_KEY_MAX) {
        return 0;
    }
    memcpy(sb, sub, sub_len);
    sb[sub_len] = '\0';
    e->parts[e->np] = sb;
    return e->fn(e->ctx, e->parts, e->np + 1, value);
}

int bl_bundle_each(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                   size_t prefix_len, bl_page_fn fn, void *ctx,
                   bl_err_t *err)
{
    static const bl_bundle_visit_t visit = {s_each_bundle, s_each_row};
    s_each_t e = {.fn = fn, .ctx = ctx};
    return bl_bundle_walk(txn, dbi, prefix, prefix_len, &visit, &e, err);
}

/* A bundle's K as the rows of a page show it, split and written once for
 * all its rows: a row of K is [K's shown parts..., sub, value], the same
 * bytes bl_page_out_add writes from the row's whole shown key, without
 * that key's copies, split and string lengths on every row. */
typedef struct s_shown_k {
    bl_mpw_t parts;                   /* K's shown parts, each a str */
    uint32_t n_parts;                 /* 0: K's rows take the general way */
    char key[BL_PAGE_KEY_MAX + 2];    /* K's shown form, \x1f, a row's sub */
    size_t key_len;                   /* bytes before the sub */
} s_shown_k_t;

/* Sets sk to K (k) as view shows it.  The general way is kept for rows
 * stored the old way (whole), and for a K of so many parts that a row's
 * sub would not be a part of its own (bl_page_split stops at
 * BL_PAGE_PARTS_MAX). */
static void s_shown_k(s_shown_k_t *sk, const bl_page_view_t *view,
                      const MDB_val *k, bool whole)
{
    sk->n_parts = 0;
    size_t rest = k->mv_size - view->stored_len;
    size_t len = view->shown_len + rest;
    if (whole || len + 1 > BL_PAGE_KEY_MAX) {
        return;
    }
    memcpy(sk->key, view->shown, view->shown_len);
    memcpy(sk->key + view->shown_len,
           (const char *)k->mv_data + view->stored_len, rest);
    char buf[BL_PAGE_KEY_MAX + 1];
    const char *parts[BL_PAGE_PARTS_MAX];
    size_t n = bl_page_split(sk->key, len, buf, sizeof buf, parts,
                             BL_PAGE_PARTS_MAX);
    if (n == 0 || n >= BL_PAGE_PARTS_MAX) {
        return;
    }
    bl_mpw_reset(&sk->parts);
    for (size_t i = 0; i < n; i++) {
        bl_mpw_str(&sk->parts, parts[i]);
    }
    if (sk->parts.err != 0) {
        return;
    }
    sk->key[len] = '\x1f';
    sk->key_len = len + 1;
    sk->n_parts = (uint32_t)n;
}

/* Whether the row sub (sl bytes) of sk's K can be written from sk: a sub
 * with a \x1f would split into more parts. */
static bool s_shown_fits(const s_shown_k_t *sk, const char *sub, uint32_t sl)
{
    return sk->n_parts > 0 && memchr(sub, '\x1f', sl) == NULL;
}

/* Appends the row sub (sl bytes; its key fits) of sk's K with stored
 * value v to o, as bl_page_out_add would.  Returns 1, or the view value
 * function's negative code. */
static int s_shown_row(bl_page_out_t *o, const bl_page_view_t *view,
                       s_shown_k_t *sk, const char *sub, uint32_t sl,
                       const MDB_val *v)
{
    bl_mpw_array(&o->rows, sk->n_parts + 2);
    bl_mpw_raw(&o->rows, bl_mpw_data(&sk->parts), bl_mpw_size(&sk->parts));
    /* a part ends at its first NUL, as bl_page_split's strings do */
    bl_mpw_strn(&o->rows, sub, strnlen(sub, sl));
    if (view->value == NULL) {
        bl_mpw_raw(&o->rows, v->mv_data, v->mv_size);
    } else {
        int rc = view->value(view->ctx, v, &o->rows);
        if (rc < 0) {
            return rc;
        }
    }
    memcpy(sk->key + sk->key_len, sub, sl);
    bl_page_out_took(o, sk->key, sk->key_len + sl);
    return 1;
}

int bl_bundle_reply_view(MDB_txn *txn, MDB_dbi dbi,
                         const bl_page_view_t *view, const char *after,
                         size_t after_len, size_t limit, bl_mpw_t *reply,
                         bl_err_t *err)
{
    char from[BL_PAGE_KEY_MAX + 1];
    size_t from_len;
    bool any = bl_page_view_start(view, after, after_len, from, &from_len);
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, dbi, view->stored, view->stored_len,
                          err);
    /* The row after `from` (after's stored form) is in the bundle of
     * from's K or later (or, stored the old way, under a key above). */
    bool skipping = from_len > 0;
    if (rc == 0 && skipping) {
        const char *sep = s_last_sep(from, from_len);
        rc = bl_scan_from(&scan, from,
                          sep != NULL ? (size_t)(sep - from) : from_len);
    }
    if (rc != 0) {
        bl_scan_close(&scan);
        return rc;
    }
    bl_page_out_t out;
    bl_page_out_init(&out);
    s_shown_k_t sk;
    bl_mpw_init(&sk.parts);
    MDB_val k, v;
    while (any && !out.more && (rc = bl_scan_next(&scan, &k, &v)) == 1) {
        rc = 0;
        s_rows_t rs;
        if (!s_rows_open(&rs, &k, &v)) {
            rc = s_malformed(err, &k);
            break;
        }
        s_shown_k(&sk, view, &k, rs.left == UINT32_MAX);
        const char *sub;
        uint32_t sl;
        bool whole;
        MDB_val rv;
        int got = 0;
        while (rc == 0 &&
               (got = s_rows_next(&rs, &sub, &sl, &whole, &rv)) == 1) {
            if (!skipping && s_shown_fits(&sk, sub, sl)) {
                /* the checks of s_row_key and bl_page_out_add, in order */
                if (k.mv_size + 1 + sl > BL_PAGE_KEY_MAX) {
                    continue;
                }
                if (out.count == limit) {
                    out.more = true;
                    break;
                }
                if (sk.key_len + sl <= BL_PAGE_KEY_MAX) {
                    rc = s_shown_row(&out, view, &sk, sub, sl, &rv);
                    rc = rc < 0 ? rc : 0;
                }
                continue;
            }
            char key[BL_PAGE_KEY_MAX + 1];
            size_t kl = s_row_key(&k, sub, sl, whole, key);
            if (kl == 0) {
                continue;
            }
            if (skipping) {
                if (s_cmp_bytes(key, kl, from, from_len) <= 0) {
                    continue;
                }
                skipping = false;
            }
            MDB_val rk = {kl, key};
            rc = bl_page_out_add(&out, view, &rk, &rv, limit);
            rc = rc < 0 ? rc : 0;
            if (out.more) {
                break;
            }
        }
        if (rc == 0 && got < 0) {
            rc = s_malformed(err, &k);
        }
        if (rc < 0) {
            break;
        }
    }
    bl_mpw_destroy(&sk.parts);
    bl_scan_close(&scan);
    return bl_page_out_end(&out, rc, reply, err);
}

int bl_bundle_reply(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                    size_t prefix_len, const char *after, size_t after_len,
                    size_t limit, bl_mpw_t *reply, bl_err_t *err)
{
    bl_page_view_t same = {prefix, prefix_len, prefix, prefix_len, NULL,
                           NULL};
    return bl_bundle_reply_view(txn, dbi, &same, after, after_len, limit,
                                reply, err);
}

int bl_bundle_request(MDB_txn *txn, MDB_dbi dbi, const bl_msg_t *msg,
                      bl_mpw_t *reply, bl_err_t *err)
{
    bl_page_args_t a;
    if (bl_page_request_args(msg, &a, reply) != 0) {
        return 0;
    }
    return bl_bundle_reply(txn, dbi, a.prefix, a.prefix_len, a.after,
                           a.after_len, a.limit, reply, err);
}

/* ---- rows in any order, merged into what is stored ---------------------- */

void bl_bundle_rows_init(bl_bundle_rows_t *r)
{
    memset(r, 0, sizeof *r);
    bl_mpw_init(&r->data);
    bl_bundle_init(&r->b);
    bl_mpw_init(&r->merged);
}

void bl_bundle_rows_destroy(bl_bundle_rows_t *r)
{
    bl_mpw_destroy(&r->data);
    bl_bundle_destroy(&r->b);
    bl_mpw_destroy(&r->merged);
    free(r->rows);
    memset(r, 0, sizeof *r);
}

int bl_bundle_rows_add(bl_bundle_rows_t *r, const char *key, size_t len,
                       const void *value, size_t value_len)
{
    const char *sep = s_last_sep(key, len);
    if (sep == NULL || (size_t)(sep - key) > BL_PAGE_KEY_MAX ||
        len > BL_PAGE_KEY_MAX) {
        return 0;
    }
    if (BL_GROW(r->rows, r->cap, r->n + 1) != 0) {
        return BL_ENOMEM;
    }
    bl_bundle_row_t *row = &r->rows[r->n];
    row->key_off = bl_mpw_size(&r->data);
    row->key_len = len;
    row->k_len = (size_t)(sep - key);
    bl_mpw_raw(&r->data, key, len);
    row->val_off = bl_mpw_size(&r->data);
    row->val_len = value_len;
    bl_mpw_raw(&r->data, value, value_len);
    row->seq = r->n;
    row->key = NULL;
    if (r->data.err != 0) {
        return BL_ENOMEM;
    }
    r->n++;
    return 0;
}

static int s_cmp_row(const void *a, const void *b)
{
    const bl_bundle_row_t *x = a, *y = b;
    int c = s_cmp_bytes(x->key, x->key_len, y->key, y->key_len);
    return c != 0 ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/* Where a merge takes K's stored rows from: its bundle, or its rows
 * stored the old way (each under K \x1f sub, walked and deleted). */
typedef struct s_stored {
    s_rows_t rows;             /* the bundle's rows */
    bool bundle;
    bl_scan_t scan;            /* the old way's rows */
    bool scanning;
    size_t k_len;
    bool has;                  /* a current row: */
    const char *sub;
    size_t sub_len;
    MDB_val value;
} s_stored_t;

/* The next stored row into s (s->has false at the end).  0, or BL_EDATA
 * for a malformed bundle (the caller names K), or a store error. */
static int s_stored_next(s_stored_t *s)
{
    s->has = false;
    if (s->bundle) {
        bool whole;
        uint32_t sl = 0;
        int got = s_rows_next(&s->rows, &s->sub, &sl, &whole, &s->value);
        if (got < 0) {
            return BL_EDATA;
        }
        s->has = got == 1;
        s->sub_len = sl;
        return 0;
    }
    if (!s->scanning) {
        return 0;
    }
    MDB_val k;
    int got;
    while ((got = bl_scan_next(&s->scan, &k, &s->value)) == 1) {
        const char *rest = (const char *)k.mv_data + s->k_len + 1;
        size_t rl = k.mv_size - s->k_len - 1;
        if (memchr(rest, '\x1f', rl) == NULL) {   /* deeper keys stay */
            s->sub = rest;
            s->sub_len = rl;
            s->has = true;
            return 0;
        }
    }
    return got < 0 ? got : 0;
}

/* Deletes the stored row just taken when it was stored the old way. */
static int s_stored_taken(s_stored_t *s)
{
    return s->scanning ? bl_scan_del(&s->scan) : 0;
}

/* Merges r->b's rows (new, in sub order, one per sub) with K's stored
 * ones into r->merged and stores the result under K. */
static int s_merge_put(bl_bundle_rows_t *r, MDB_txn *txn, MDB_dbi dbi,
                       bl_err_t *err)
{
    bl_bundle_t *b = &r->b;
    s_stored_t st;
    memset(&st, 0, sizeof st);
    st.k_len = b->key_len;
    MDB_val k = {b->key_len, b->key};
    MDB_val v;
    int rc = bl_store_get(txn, dbi, b->key, b->key_len, &v, err);
    if (rc != 0 && rc != BL_ENOTFOUND) {
        return rc;
    }
    if (rc == 0) {
        if (!s_rows_open(&st.rows, &k, &v) || st.rows.left == UINT32_MAX) {
            return s_malformed(err, &k);
        }
        st.bundle = true;
    } else {
        char prefix[BL_PAGE_KEY_MAX + 2];
        memcpy(prefix, b->key, b->key_len);
        prefix[b->key_len] = '\x1f';
        rc = bl_scan_open(&st.scan, txn, dbi, prefix, b->key_len + 1, err);
        if (rc != 0) {
            return rc;
        }
        st.scanning = true;
    }
    rc = s_stored_next(&st);
    if (rc == 0 && !st.has && !st.bundle) {
        /* nothing stored: the new rows as they are */
        bl_scan_close(&st.scan);
        return bl_bundle_put(b, txn, dbi, err);
    }
    bl_mpr_t nr;
    bl_mpr_init(&nr, (const uint8_t *)bl_mpw_data(&b->body) + S_HEADER_LEN,
                bl_mpw_size(&b->body) - S_HEADER_LEN);
    uint32_t left = b->n, items = 0;
    bool nhas = false;
    const char *nsub = NULL;
    uint32_t nsl = 0;
    const uint8_t *nval = NULL;
    size_t nvl = 0;
    bl_mpw_t *m = &r->merged;
    bl_mpw_reset(m);
    s_header_begin(m);
    while (rc == 0) {
        if (!nhas && left > 0) {
            left--;
            if (bl_mpr_str(&nr, &nsub, &nsl) != 0 ||
                bl_mpr_raw(&nr, &nval, &nvl) != 0) {
                rc = bl_err_set(err, BL_EINVAL, "a bundle being built");
                break;
            }
            nhas = true;
        }
        if (!nhas && !st.has) {
            break;
        }
        int c = !nhas ? 1 : !st.has ? -1
                           : s_cmp_bytes(nsub, nsl, st.sub, st.sub_len);
        if (c <= 0) {
            bl_mpw_strn(m, nsub, nsl);
            bl_mpw_raw(m, nval, nvl);
            nhas = false;
        } else {
            bl_mpw_strn(m, st.sub, st.sub_len);
            bl_mpw_raw(m, st.value.mv_data, st.value.mv_size);
        }
        items += 2;
        if (c >= 0) {   /* the stored row is taken, or replaced */
            rc = s_stored_taken(&st);
            if (rc == 0) {
                rc = s_stored_next(&st);
            }
        }
    }
    if (st.scanning) {
        bl_scan_close(&st.scan);
    }
    b->open = false;
    b->n = 0;
    if (rc == BL_EDATA) {
        return s_malformed(err, &k);
    }
    if (rc != 0) {
        return rc < 0 ? bl_err_set(err, BL_ESTORE, "reading '%.*s'",
                                   (int)b->key_len, b->key)
                      : rc;
    }
    if (m->err != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory for a bundle");
    }
    s_header_count(m, items);
    return bl_store_put(txn, dbi, b->key, b->key_len, bl_mpw_data(m),
                        bl_mpw_size(m), err);
}

int bl_bundle_rows_put(bl_bundle_rows_t *r, MDB_txn *txn, MDB_dbi dbi,
                       bl_err_t *err)
{
    int rc = bl_bundle_rows_write(r, txn, dbi, err);
    r->n = 0;
    bl_mpw_reset(&r->data);
    return rc;
}

int bl_bundle_rows_write(bl_bundle_rows_t *r, MDB_txn *txn, MDB_dbi dbi,
                         bl_err_t *err)
{
    const char *base = bl_mpw_data(&r->data);
    for (size_t i = 0; i < r->n; i++) {
        r->rows[i].key = base + r->rows[i].key_off;
    }
    /* Rows mostly come in key order (aggregation sends each provider's
     * values so): sorted only when they are not. */
    size_t in_order = 1;
    while (in_order < r->n &&
           s_cmp_row(&r->rows[in_order - 1], &r->rows[in_order]) <= 0) {
        in_order++;
    }
    if (in_order < r->n) {
        qsort(r->rows, r->n, sizeof *r->rows, s_cmp_row);
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < r->n;) {
        const bl_bundle_row_t *first = &r->rows[i];
        bl_bundle_begin(&r->b, first->key, first->k_len);
        size_t j = i;
        while (j < r->n && r->rows[j].k_len == first->k_len &&
               memcmp(r->rows[j].key, first->key, first->k_len) == 0) {
            const bl_bundle_row_t *row = &r->rows[j];
            /* of rows with one key, the last added (sorted last) */
            if (j + 1 < r->n && r->rows[j + 1].key_len == row->key_len &&
                memcmp(r->rows[j + 1].key, row->key, row->key_len) == 0) {
                j++;
                continue;
            }
            bl_bundle_add(&r->b, row->key + row->k_len + 1,
                          row->key_len - row->k_len - 1,
                          base + row->val_off, row->val_len);
            j++;
        }
        rc = s_merge_put(r, txn, dbi, err);
        i = j;
    }
    return rc;
}
