/*
 * bl_page: answering "give me the rows of this period, from here" requests
 * over an LMDB database whose keys are text parts joined by \x1f (which
 * sorts before every printable character, so key order is the order of the
 * parts as text, column by column — the export order of SPEC section 6).
 *
 * The reply is {ok: true, rows: [[part, part, ..., value]...], next: key or
 * nil}; each row holds the key's parts as strings followed by the stored
 * value, which must itself be one MessagePack object.
 */
#ifndef BL_PAGE_H
#define BL_PAGE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>

#include "bl_error.h"
#include "bl_mp.h"
#include "bl_msg.h"
#include "bl_store.h"

#define BL_PAGE_KEY_MAX BL_STORE_KEY_MAX
#define BL_PAGE_PARTS_MAX 8

/* Joins parts with \x1f into buf; returns the length, or 0 when it does not
 * fit. */
size_t bl_page_join(char *buf, size_t size, const char *const *parts,
                    size_t n);

/* Splits key (len bytes) into at most max parts, copied into buf; returns
 * the number of parts, 0 when it does not fit. */
size_t bl_page_split(const void *key, size_t len, char *buf, size_t size,
                     const char **parts, size_t max);

/* Writes the reply for the rows of dbi whose key starts with prefix, after
 * the key `after` (NULL or empty: from the start), at most limit rows. */
int bl_page_reply(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                  size_t prefix_len, const char *after, size_t after_len,
                  size_t limit, bl_mpw_t *reply, bl_err_t *err);

/* Writes one stored value as a page shows it: exactly one MessagePack
 * object onto rows.  Returns 0, or a negative code that fails the page. */
typedef int (*bl_page_value_fn)(void *ctx, const MDB_val *value,
                                bl_mpw_t *rows);

/* The rows under one stored prefix as a reply shows them: every key with
 * its stored prefix replaced by the shown one, every value passed through
 * value.  The `after` of a request and the `next` of a reply are shown
 * keys. */
typedef struct bl_page_view {
    const char *stored;       /* prefix of the stored keys */
    size_t stored_len;        /* bytes in stored */
    const char *shown;        /* what the reply shows in its place */
    size_t shown_len;         /* bytes in shown */
    bl_page_value_fn value;   /* NULL: the stored value as it is */
    void *ctx;                /* value's first argument */
} bl_page_view_t;

/* The pieces bl_page_reply_view is built of, for pagers over other
 * layouts (bl_bundle.h):
 * - where a page starts: from the stored prefix (*from_len 0), after the
 *   stored key in from (BL_PAGE_KEY_MAX + 1 bytes), or nowhere (false:
 *   every shown key is at or below after);
 * - the shown form of stored key k into buf (BL_PAGE_KEY_MAX + 1 bytes),
 *   its length, 0 when it does not fit;
 * - the row [part, ..., value] of shown key with stored value v appended
 *   to rows: 1, 0 when the key does not split, or the value function's
 *   negative code. */
bool bl_page_view_start(const bl_page_view_t *view, const char *after,
                        size_t after_len, char *from, size_t *from_len);
size_t bl_page_view_key(const bl_page_view_t *view, const MDB_val *k,
                        char *buf);
int bl_page_view_row(const bl_page_view_t *view, const char *key,
                     size_t len, const MDB_val *v, bl_mpw_t *rows);

/* bl_page_reply through view: the same reply, with shown keys and values.
 * A row whose shown key would be over BL_PAGE_KEY_MAX is left out. */
int bl_page_reply_view(MDB_txn *txn, MDB_dbi dbi, const bl_page_view_t *view,
                       const char *after, size_t after_len, size_t limit,
                       bl_mpw_t *reply, bl_err_t *err);

/* Appends the row [part, ..., value] of key (len bytes) and its stored
 * value to a page's rows; false when the key does not split. */
bool bl_page_row(bl_mpw_t *rows, const char *key, size_t len,
                 const MDB_val *v);

/* A page being built: its rows, how many, the key of the last and
 * whether rows are left after it. */
typedef struct bl_page_out {
    bl_mpw_t rows;
    uint32_t count;
    char last[BL_PAGE_KEY_MAX + 1];
    size_t last_len;
    bool more;
} bl_page_out_t;

void bl_page_out_init(bl_page_out_t *o);

/* Notes that the row of key (len bytes) was appended to o->rows. */
void bl_page_out_took(bl_page_out_t *o, const char *key, size_t len);

/* Adds the row of stored key k and value v, as view shows them, unless
 * the page already holds limit rows (then sets o->more).  Returns 1 when
 * added, 0 when left out or full, or the view value function's negative
 * code. */
int bl_page_out_add(bl_page_out_t *o, const bl_page_view_t *view,
                    const MDB_val *k, const MDB_val *v, size_t limit);

/* Ends the page: after rc < 0 (a failed walk) only frees it and returns
 * rc; else writes {ok: true, rows, next: the last key or nil} into reply
 * and frees it. */
int bl_page_out_end(bl_page_out_t *o, int rc, bl_mpw_t *reply,
                    bl_err_t *err);

/* A paging request's arguments: the prefix "<period>\x1f", the key to
 * start after (NULL: from the start) and the page's rows (1..50000,
 * 5000 when not given). */
typedef struct bl_page_args {
    char prefix[32];
    size_t prefix_len;
    const char *after;        /* in the request's bytes */
    uint32_t after_len;
    size_t limit;
} bl_page_args_t;

/* Reads a paging request's arguments into a; returns 0, or 1 after
 * writing an error reply when the request has no period. */
int bl_page_request_args(const bl_msg_t *msg, bl_page_args_t *a,
                         bl_mpw_t *reply);

/* Answers a paging request {period, after, limit} over the rows of dbi
 * whose key starts with "<period>\x1f".  Writes an error reply when the
 * request has no period. */
int bl_page_request(MDB_txn *txn, MDB_dbi dbi, const bl_msg_t *msg,
                    bl_mpw_t *reply, bl_err_t *err);

/* Called for each key under a prefix with the key's parts and its value;
 * returns 0 to go on, 1 to stop, or a negative code to fail. */
typedef int (*bl_page_fn)(void *ctx, const char *const *parts, size_t n,
                          const MDB_val *value);

/* Calls fn for every key of dbi that starts with prefix, in key order
 * (a bl_scan whose keys are split into parts; keys of more than
 * BL_PAGE_PARTS_MAX parts give their first parts).  Returns 0 or fn's
 * negative code (or BL_ESTORE). */
int bl_page_each(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                 size_t prefix_len, bl_page_fn fn, void *ctx, bl_err_t *err);

/* Deletes the keys under prefix whose parts match(ctx, parts, n) accepts. */
int bl_page_delete_where(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                         size_t prefix_len,
                         bool (*match)(void *ctx, const char *const *parts,
                                       size_t n),
                         void *ctx, bl_err_t *err);

/* Deletes every key that starts with prefix. */
int bl_page_delete(MDB_txn *txn, MDB_dbi dbi, const char *prefix,
                   size_t prefix_len, bl_err_t *err);

#endif
