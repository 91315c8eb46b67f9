/*
 * ingest: submissions in, raw rows stored, rows forwarded (see ingest.h).
 *
 * Store: "subs" sub id -> submission meta (msgpack map); "rows" sub id NUL
 * line(8) of a batch's first row -> the batch as received (the submit_rows
 * payload: bl_raw_rows_codec.h), meta "rows_stored" counting its rows;
 * "held" seq(8) kind(1: 'a' to every worker, 'r' rows split by provider)
 * type(1) -> payload: what was to be forwarded while the node changed its
 * worker counts (`benchlearn scale`: requests hold/release);
 * meta "hold" is 1 meanwhile.  Held messages go on in order, split over
 * the workers there are at release.
 * Rows are partitioned over validation workers by provider id, so every
 * row of one provider meets the same worker.
 */
#include "ingest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl_close_codec.h"
#include "bl_layout.h"
#include "bl_log.h"
#include "bl_raw_rows_codec.h"
#include "bl_scan.h"
#include "bl_submission_codec.h"

enum { DB_SUBS = 0, DB_ROWS, DB_HELD };
static const char *const s_dbs[] = {"subs", "rows", "held"};

#define S_SUB_MAX 64
#define S_HELD_KEY 10   /* "held" keys: seq(8) kind(1) type(1) */

typedef struct ingest {
    bl_daemon_t *d;
    const bl_config_t *cfg;
    bl_mpw_t w;         /* scratch for forwarded payloads */
    bl_mpw_t meta;      /* scratch for submission meta */
    bl_mpw_t lane_rows[BL_OUTBOX_LANES_MAX];  /* scratch: a batch's rows
                                                 split by lane */
} ingest_t;

static int s_open(void **svc, bl_daemon_t *d, bl_err_t *err)
{
    ingest_t *in = calloc(1, sizeof *in);
    if (in == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    in->d = d;
    in->cfg = bl_daemon_config(d);
    bl_mpw_init(&in->w);
    bl_mpw_init(&in->meta);
    for (size_t l = 0; l < BL_OUTBOX_LANES_MAX; l++) {
        bl_mpw_init(&in->lane_rows[l]);
    }
    *svc = in;
    return 0;
}

static void s_close(void **svc)
{
    ingest_t *in = *svc;
    if (in == NULL) {
        return;
    }
    bl_mpw_destroy(&in->w);
    bl_mpw_destroy(&in->meta);
    for (size_t l = 0; l < BL_OUTBOX_LANES_MAX; l++) {
        bl_mpw_destroy(&in->lane_rows[l]);
    }
    free(in);
    *svc = NULL;
}

/* ---- submission meta ---------------------------------------------------- */

typedef struct s_sub {
    char id[S_SUB_MAX];
    char file[1024];
    char kind[16];
    char state[16];        /* open, complete, rejected */
    uint64_t rows;
    bool dry_run;
    int64_t provider_col;  /* field index of provider_id */
    int64_t created;       /* unix seconds */
    const uint8_t *errors; /* a rejected one's reasons as stored (in the
                              transaction's pages), or NULL */
    size_t errors_len;
} s_sub_t;

/* At most this many of a rejected header's reasons are kept with its
 * submission (sub_info shows them). */
#define S_ERRORS_KEPT 50

/* Writes diags as an "errors" list: [[line, column, message]...]. */
static void s_write_errors(bl_mpw_t *w, const bl_diags_t *diags, size_t max)
{
    size_t n = diags->count < max ? diags->count : max;
    bl_mpw_array(w, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        bl_mpw_array(w, 3);
        bl_mpw_uint(w, diags->items[i].line);
        bl_mpw_uint(w, diags->items[i].column);
        bl_mpw_str(w, diags->items[i].message);
    }
}

/* Stores s; a rejected one keeps why (diags, may be NULL). */
static int s_sub_put(ingest_t *in, MDB_txn *txn, const s_sub_t *s,
                     const bl_diags_t *why, bl_err_t *err)
{
    bl_mpw_t *w = &in->meta;
    bl_mpw_reset(w);
    bl_mpw_map(w, why != NULL ? 8 : 7);
    if (why != NULL) {
        bl_mpw_str(w, "errors");
        s_write_errors(w, why, S_ERRORS_KEPT);
    }
    bl_mpw_str(w, "file");
    bl_mpw_str(w, s->file);
    bl_mpw_str(w, "kind");
    bl_mpw_str(w, s->kind);
    bl_mpw_str(w, "state");
    bl_mpw_str(w, s->state);
    bl_mpw_str(w, "rows");
    bl_mpw_uint(w, s->rows);
    bl_mpw_str(w, "dry_run");
    bl_mpw_bool(w, s->dry_run);
    bl_mpw_str(w, "provider_col");
    bl_mpw_int(w, s->provider_col);
    bl_mpw_str(w, "created");
    bl_mpw_int(w, s->created);
    if (w->err) {
        return bl_err_set(err, w->err, "cannot encode submission");
    }
    return bl_store_put(txn, bl_daemon_dbi(in->d, DB_SUBS), s->id,
                        strlen(s->id), bl_mpw_data(w), bl_mpw_size(w), err);
}

static int s_sub_get(ingest_t *in, MDB_txn *txn, const char *id, s_sub_t *s,
                     bl_err_t *err)
{
    memset(s, 0, sizeof *s);
    MDB_val v;
    int rc = bl_store_get(txn, bl_daemon_dbi(in->d, DB_SUBS), id, strlen(id),
                          &v, err);
    if (rc != 0) {
        return rc;
    }
    snprintf(s->id, sizeof s->id, "%s", id);
    bl_mpr_t r;
    bl_mpr_init(&r, v.mv_data, v.mv_size);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return bl_err_set(err, BL_ESTORE, "submission %s is corrupt", id);
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        bl_mpr_str(&r, &k, &kl);
        if (bl_mp_str_eq(k, kl, "file")) {
            bl_mpr_str_copy(&r, s->file, sizeof s->file);
        } else if (bl_mp_str_eq(k, kl, "kind")) {
            bl_mpr_str_copy(&r, s->kind, sizeof s->kind);
        } else if (bl_mp_str_eq(k, kl, "state")) {
            bl_mpr_str_copy(&r, s->state, sizeof s->state);
        } else if (bl_mp_str_eq(k, kl, "rows")) {
            bl_mpr_uint(&r, &s->rows);
        } else if (bl_mp_str_eq(k, kl, "dry_run")) {
            bl_mpr_bool(&r, &s->dry_run);
        } else if (bl_mp_str_eq(k, kl, "provider_col")) {
            bl_mpr_int(&r, &s->provider_col);
        } else if (bl_mp_str_eq(k, kl, "created")) {
            bl_mpr_int(&r, &s->created);
        } else if (bl_mp_str_eq(k, kl, "errors")) {
            bl_mpr_raw(&r, &s->errors, &s->errors_len);
        } else {
            bl_mpr_skip(&r);
        }
    }
    if (r.err) {
        return bl_err_set(err, BL_ESTORE, "submission %s is corrupt", id);
    }
    return 0;
}

/* Loads the submission a request names into *s.  Returns 0 when found,
 * 1 when an error reply was written instead, or a store error. */
static int s_sub_of_request(ingest_t *in, MDB_txn *txn, const bl_msg_t *msg,
                            s_sub_t *s, bl_mpw_t *reply, bl_err_t *err)
{
    char id[S_SUB_MAX];
    if (bl_req_str(msg, "sub", id, sizeof id) != 0) {
        bl_reply_error(reply, "the request names no submission id");
        return 1;
    }
    int rc = s_sub_get(in, txn, id, s, err);
    if (rc == BL_ENOTFOUND) {
        bl_reply_error(reply, "no submission %s", id);
        return 1;
    }
    return rc;
}

/* ---- requests ----------------------------------------------------------- */

/* Reads the header array of a submit_begin into fields (pointing into the
 * message, copied to NUL-terminated strings in buf). */
typedef struct s_header {
    size_t n;
    char **fields;
} s_header_t;

static void s_header_free(s_header_t *h)
{
    for (size_t i = 0; i < h->n; i++) {
        free(h->fields[i]);
    }
    free(h->fields);
    h->fields = NULL;
    h->n = 0;
}

static int s_header_read(const bl_msg_t *msg, s_header_t *h)
{
    memset(h, 0, sizeof *h);
    bl_mpr_t r;
    uint32_t n;
    if (bl_req_find(msg, "header", &r) != 0 || bl_mpr_array(&r, &n) != 0 ||
        n == 0 || n > BL_LAYOUT_COLUMNS_MAX) {
        return BL_EPROTO;
    }
    h->fields = calloc(n, sizeof *h->fields);
    if (h->fields == NULL) {
        return BL_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *s;
        uint32_t l;
        if (bl_mpr_str(&r, &s, &l) != 0) {
            s_header_free(h);
            return BL_EPROTO;
        }
        h->fields[i] = strndup(s, l);
        if (h->fields[i] == NULL) {
            s_header_free(h);
            return BL_ENOMEM;
        }
        h->n = i + 1;
    }
    return 0;
}

static int s_next_sub_id(ingest_t *in, MDB_txn *txn, char *id, size_t size,
                         bl_err_t *err)
{
    uint64_t next;
    MDB_dbi meta = bl_daemon_meta(in->d);
    int rc = bl_store_get_u64(txn, meta, "sub.next", &next, err);
    if (rc != 0) {
        return rc;
    }
    next++;
    snprintf(id, size, "%s-%06" PRIu64, in->cfg->node, next);
    return bl_store_put_u64(txn, meta, "sub.next", next, err);
}

/* ---- forwarding, and holding while workers change ---------------------- */

static int s_holding(ingest_t *in, MDB_txn *txn, bool *on, bl_err_t *err)
{
    uint64_t v;
    int rc = bl_store_get_u64(txn, bl_daemon_meta(in->d), "hold", &v, err);
    *on = rc == 0 && v != 0;
    return rc;
}

/* Keeps one message to forward at release, after those held before: key
 * seq(8) kind(1) type(1), the payload as it is. */
static int s_hold_put(ingest_t *in, MDB_txn *txn, char kind,
                      bl_msg_type_t type, const void *payload, size_t len,
                      bl_err_t *err)
{
    MDB_dbi held = bl_daemon_dbi(in->d, DB_HELD);
    uint64_t seq = 1;
    MDB_cursor *cur;
    int rc = bl_store_cursor(txn, held, &cur, err);
    if (rc != 0) {
        return rc;
    }
    MDB_val k, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
    mdb_cursor_close(cur);
    if (mrc == 0 && k.mv_size == S_HELD_KEY) {
        seq = bl_store_u64_from(k.mv_data) + 1;
    } else if (mrc != 0 && mrc != MDB_NOTFOUND) {
        return bl_store_fail(err, mrc, "held messages");
    }
    unsigned char key[S_HELD_KEY];
    bl_store_u64_key(seq, key);
    key[8] = (unsigned char)kind;
    key[9] = (unsigned char)type;
    return bl_store_append(txn, held, key, sizeof key, payload, len, err);
}

/* Sends a message to every validation worker (or holds it). */
static int s_forward_all(ingest_t *in, MDB_txn *txn, bl_msg_type_t type,
                         const void *payload, size_t len, bl_err_t *err)
{
    bool hold;
    int rc = s_holding(in, txn, &hold, err);
    if (rc != 0) {
        return rc;
    }
    if (hold) {
        return s_hold_put(in, txn, 'a', type, payload, len, err);
    }
    return bl_outbox_put_all(bl_daemon_outbox(in->d), txn, type, payload,
                             len, err);
}

static int s_submit_begin(ingest_t *in, MDB_txn *txn, const bl_msg_t *msg,
                          bl_mpw_t *reply, bl_err_t *err)
{
    s_sub_t s;
    memset(&s, 0, sizeof s);
    if (bl_req_str(msg, "file", s.file, sizeof s.file) != 0) {
        bl_reply_error(reply, "submit_begin without a file name");
        return 0;
    }
    bl_req_bool(msg, "dry_run", &s.dry_run);
    char delim[4] = ",";
    if (bl_req_str(msg, "delimiter", delim, sizeof delim) != 0 ||
        (strcmp(delim, ",") != 0 && strcmp(delim, ";") != 0)) {
        snprintf(delim, sizeof delim, ",");
    }
    s_header_t h;
    if (s_header_read(msg, &h) != 0) {
        bl_reply_error(reply, "%s:1: the header cannot be read", s.file);
        return 0;
    }
    bl_layout_t *layout = malloc(sizeof *layout);
    if (layout == NULL) {
        s_header_free(&h);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    bl_diags_t diags = {0};
    int lrc = bl_layout_from_header(in->cfg->catalogue, s.file,
                                    (const char *const *)h.fields, h.n,
                                    layout, &diags);
    int rc = s_next_sub_id(in, txn, s.id, sizeof s.id, err);
    if (rc != 0) {
        goto done;
    }
    s.created = (int64_t)time(NULL);
    s.provider_col = layout->col[BL_COL_PROVIDER_ID];
    snprintf(s.kind, sizeof s.kind, "%s", bl_file_kind_name(layout->kind));
    if (lrc != 0) {
        /* The whole file is rejected at line 1; the submission is kept
         * with that outcome so `check` can show it. */
        snprintf(s.state, sizeof s.state, "rejected");
        if (!s.dry_run) {
            rc = s_sub_put(in, txn, &s, &diags, err);
            if (rc != 0) {
                goto done;
            }
        }
        bl_mpw_map(reply, 4);
        bl_mpw_str(reply, "ok");
        bl_mpw_bool(reply, false);
        bl_mpw_str(reply, "sub");
        bl_mpw_str(reply, s.id);
        bl_mpw_str(reply, "error");
        bl_mpw_str(reply, "the file is rejected");
        bl_mpw_str(reply, "errors");
        s_write_errors(reply, &diags, diags.count);
        goto done;
    }
    snprintf(s.state, sizeof s.state, "open");
    rc = s_sub_put(in, txn, &s, NULL, err);
    if (rc != 0) {
        goto done;
    }
    /* Tell every validation worker about the submission. */
    bl_mpw_t *w = &in->w;
    bl_mpw_reset(w);
    bl_submission_t begin = {.event = BL_SUBMISSION_BEGIN,
                             .delimiter = delim[0],
                             .dry_run = s.dry_run,
                             .n_header = (uint32_t)h.n,
                             .header = (const char *const *)h.fields};
    snprintf(begin.sub, sizeof begin.sub, "%s", s.id);
    snprintf(begin.file, sizeof begin.file, "%s", s.file);
    if (bl_submission_write(w, &begin) != 0) {
        rc = bl_err_set(err, BL_ENOMEM, "cannot encode a submission");
        goto done;
    }
    rc = s_forward_all(in, txn, BL_MSG_SUBMISSION, bl_mpw_data(w),
                       bl_mpw_size(w), err);
    if (rc != 0) {
        goto done;
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "sub");
    bl_mpw_str(reply, s.id);
    bl_mpw_str(reply, "kind");
    bl_mpw_str(reply, s.kind);
done:
    bl_diags_clear(&diags);
    free(layout);
    s_header_free(&h);
    return rc;
}

/* The lane of a raw row: by its provider id field. */
static size_t s_row_lane(ingest_t *in, const s_sub_t *s,
                         const bl_raw_row_t *row)
{
    bl_outbox_t *ob = bl_daemon_outbox(in->d);
    if (bl_outbox_lanes(ob) == 1 || s->provider_col < 0 ||
        (int64_t)row->n_fields <= s->provider_col) {
        return 0;
    }
    bl_raw_row_t fields = *row;
    const char *p = NULL;
    uint32_t pl = 0;
    for (int64_t i = 0; i <= s->provider_col; i++) {
        if (bl_raw_rows_next_field(&fields, &p, &pl) != 0) {
            return 0;
        }
    }
    return bl_outbox_lane_for(ob, p, pl);
}

/* Stores a batch of rows as it came (the submit_rows payload) under sub
 * id NUL line(8) of its first row: one write per batch, not per row. */
static int s_store_rows(ingest_t *in, MDB_txn *txn, const char *id,
                        uint64_t first_line, uint32_t n_rows,
                        const bl_msg_t *msg, bl_err_t *err)
{
    unsigned char key[S_SUB_MAX + 9];
    size_t il = strlen(id);
    memcpy(key, id, il);
    key[il] = '\0';
    bl_store_u64_key(first_line, key + il + 1);
    /* Ids grow and lines grow within a file: batches usually sort last. */
    int rc = bl_store_append(txn, bl_daemon_dbi(in->d, DB_ROWS), key, il + 9,
                             msg->payload, msg->payload_len, err);
    if (rc != 0) {
        return rc;
    }
    MDB_dbi meta = bl_daemon_meta(in->d);
    uint64_t stored;
    rc = bl_store_get_u64(txn, meta, "rows_stored", &stored, err);
    if (rc == 0) {
        rc = bl_store_put_u64(txn, meta, "rows_stored", stored + n_rows, err);
    }
    return rc;
}

/* Where the rows of a batch go: how many to each lane and, when they go
 * to more than one lane, each lane's rows copied into in->lane_rows. */
typedef struct s_split {
    uint32_t counts[BL_OUTBOX_LANES_MAX];  /* rows per lane (0: broadcast) */
    bool split;             /* rows in more than one lane: in lane_rows */
    uint64_t first_line;    /* the first row's line that is not 0, or 0 */
} s_split_t;

/* Reads every row of a batch once (start: its reader as bl_raw_rows_open
 * left it), filling sp: the rows of each lane are counted and, from the
 * first row whose lane differs from the lane of the rows before it, each
 * row's bytes are copied into its lane's scratch.  The rows before it all
 * went to one lane and lie together at the start of the encoded rows, so
 * they are copied in one piece.  Thus s_forward_rows never reads the rows
 * again, and a batch whose rows all go to one lane (always so with one
 * lane) is not copied at all.  A register batch goes to every lane and is
 * only read.  Returns 0, or bl_raw_rows_next's error (why says which row;
 * lane_rows then hold a part of the batch, to be reset before use). */
static int s_split_rows(ingest_t *in, const s_sub_t *s,
                        const bl_raw_rows_reader_t *start, s_split_t *sp,
                        bl_err_t *why)
{
    memset(sp, 0, sizeof *sp);
    bl_raw_rows_reader_t rd = *start;
    bool broadcast = strcmp(s->kind, "register") == 0;
    size_t first = 0;  /* the lane of the first row */
    bl_raw_row_t row;
    int rc;
    while ((rc = bl_raw_rows_next(&rd, &row, why)) == 0) {
        if (sp->first_line == 0) {
            sp->first_line = row.line;
        }
        if (broadcast) {
            continue;
        }
        size_t lane = s_row_lane(in, s, &row);
        bool first_row = rd.left + 1 == rd.n_rows;
        if (first_row) {
            first = lane;
        } else if (!sp->split && lane != first) {
            for (size_t l = 0; l < BL_OUTBOX_LANES_MAX; l++) {
                bl_mpw_reset(&in->lane_rows[l]);
            }
            bl_mpw_raw(&in->lane_rows[first], rd.rows_start,
                       (size_t)(row.raw - rd.rows_start));
            sp->split = true;
        }
        if (sp->split) {
            bl_raw_rows_write_raw(&in->lane_rows[lane], &row);
        }
        sp->counts[lane]++;
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
}

/* Forwards the rows of a raw_rows payload (start: its reader as
 * bl_raw_rows_open left it) to the workers of their providers, one
 * message per lane, as s_split_rows found them (sp). */
static int s_forward_rows(ingest_t *in, MDB_txn *txn, const s_sub_t *s,
                          const bl_raw_rows_reader_t *start,
                          const s_split_t *sp, bl_err_t *err)
{
    bl_outbox_t *ob = bl_daemon_outbox(in->d);
    size_t lanes = bl_outbox_lanes(ob);
    bool broadcast = strcmp(s->kind, "register") == 0;
    for (size_t lane = 0; lane < lanes; lane++) {
        uint32_t count = broadcast ? start->n_rows : sp->counts[lane];
        if (count == 0) {
            continue;
        }
        bl_mpw_t *w = &in->w;
        bl_mpw_reset(w);
        bl_raw_rows_write_head(w, s->id, count);
        if (sp->split) {
            const bl_mpw_t *lw = &in->lane_rows[lane];
            if (lw->err) {
                return bl_err_set(err, lw->err, "cannot encode rows");
            }
            bl_mpw_raw(w, bl_mpw_data(lw), bl_mpw_size(lw));
        } else {
            /* Every row goes to this lane: the rows as they came, in one
             * piece (the same bytes as row by row). */
            bl_mpw_raw(w, start->rows_start, start->rows_len);
        }
        if (w->err) {
            return bl_err_set(err, w->err, "cannot encode rows");
        }
        int rc = bl_outbox_put(ob, txn, lane, BL_MSG_RAW_ROWS,
                               bl_mpw_data(w), bl_mpw_size(w), err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int s_submit_rows(ingest_t *in, MDB_txn *txn, const bl_msg_t *msg,
                         bl_mpw_t *reply, bl_err_t *err)
{
    s_sub_t s;
    int rc = s_sub_of_request(in, txn, msg, &s, reply, err);
    if (rc != 0) {
        return rc == 1 ? 0 : rc;
    }
    const char *id = s.id;
    if (strcmp(s.state, "open") != 0) {
        bl_reply_error(reply, "submission %s is %s", id, s.state);
        return 0;
    }
    /* The request is a raw_rows message with a cmd. */
    bl_raw_rows_reader_t start;
    bl_err_t why = {0};
    if (bl_raw_rows_open(&start, msg->payload, msg->payload_len, &why) !=
        0) {
        bl_reply_error(reply, "submit_rows: %s", why.msg);
        return 0;
    }
    uint32_t n = start.n_rows;
    /* Every row checked and split by lane in one walk, the batch stored
     * as it came (s_store_rows), then forwarded lane by lane, or held. */
    s_split_t sp;
    if (s_split_rows(in, &s, &start, &sp, &why) != 0) {
        bl_reply_error(reply, "submit_rows: %s", why.msg);
        return 0;
    }
    if (!s.dry_run && n > 0) {
        rc = s_store_rows(in, txn, id, sp.first_line, n, msg, err);
        if (rc != 0) {
            return rc;
        }
    }
    bool hold;
    rc = s_holding(in, txn, &hold, err);
    if (rc == 0) {
        rc = hold ? s_hold_put(in, txn, 'r', BL_MSG_RAW_ROWS, msg->payload,
                               msg->payload_len, err)
                  : s_forward_rows(in, txn, &s, &start, &sp, err);
    }
    if (rc != 0) {
        return rc;
    }
    s.rows += n;
    rc = s_sub_put(in, txn, &s, NULL, err);
    if (rc != 0) {
        return rc;
    }
    bl_reply_begin(reply, 1);
    bl_mpw_str(reply, "stored");
    bl_mpw_uint(reply, n);
    return 0;
}

static int s_submit_end(ingest_t *in, MDB_txn *txn, const bl_msg_t *msg,
                        bl_mpw_t *reply, bl_err_t *err)
{
    s_sub_t s;
    int rc = s_sub_of_request(in, txn, msg, &s, reply, err);
    if (rc != 0) {
        return rc == 1 ? 0 : rc;
    }
    const char *id = s.id;
    if (strcmp(s.state, "open") == 0) {
        snprintf(s.state, sizeof s.state, "complete");
        rc = s_sub_put(in, txn, &s, NULL, err);
        if (rc != 0) {
            return rc;
        }
        bl_mpw_t *w = &in->w;
        bl_mpw_reset(w);
        bl_submission_t end = {.event = BL_SUBMISSION_END, .rows = s.rows};
        snprintf(end.sub, sizeof end.sub, "%s", id);
        if (bl_submission_write(w, &end) != 0) {
            return bl_err_set(err, BL_ENOMEM, "cannot encode a submission");
        }
        rc = s_forward_all(in, txn, BL_MSG_SUBMISSION, bl_mpw_data(w),
                           bl_mpw_size(w), err);
        if (rc != 0) {
            return rc;
        }
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "sub");
    bl_mpw_str(reply, id);
    bl_mpw_str(reply, "rows");
    bl_mpw_uint(reply, s.rows);
    return 0;
}

static int s_sub_info(ingest_t *in, MDB_txn *txn, const bl_msg_t *msg,
                      bl_mpw_t *reply, bl_err_t *err)
{
    s_sub_t s;
    int rc = s_sub_of_request(in, txn, msg, &s, reply, err);
    if (rc != 0) {
        return rc == 1 ? 0 : rc;
    }
    const char *id = s.id;
    /* a rejected submission's reasons, as stored */
    bl_reply_begin(reply, s.errors != NULL ? 7 : 6);
    if (s.errors != NULL) {
        bl_mpw_str(reply, "errors");
        bl_mpw_raw(reply, s.errors, s.errors_len);
    }
    bl_mpw_str(reply, "sub");
    bl_mpw_str(reply, id);
    bl_mpw_str(reply, "file");
    bl_mpw_str(reply, s.file);
    bl_mpw_str(reply, "kind");
    bl_mpw_str(reply, s.kind);
    bl_mpw_str(reply, "state");
    bl_mpw_str(reply, s.state);
    bl_mpw_str(reply, "rows");
    bl_mpw_uint(reply, s.rows);
    bl_mpw_str(reply, "dry_run");
    bl_mpw_bool(reply, s.dry_run);
    return 0;
}

static int s_close_period(ingest_t *in, MDB_txn *txn, const bl_msg_t *msg,
                          bl_mpw_t *reply, bl_err_t *err)
{
    int64_t period;
    if (bl_req_int(msg, "period", &period) != 0 || period < 1900 ||
        period > 9999) {
        bl_reply_error(reply, "close needs a period (a year)");
        return 0;
    }
    bool reopen = false;
    bl_req_bool(msg, "reopen", &reopen);
    MDB_dbi meta = bl_daemon_meta(in->d);
    char key[32];
    snprintf(key, sizeof key, "close.%" PRId64, period);
    uint64_t gen;
    int rc = bl_store_get_u64(txn, meta, key, &gen, err);
    if (rc != 0) {
        return rc;
    }
    gen++;
    rc = bl_store_put_u64(txn, meta, key, gen, err);
    if (rc != 0) {
        return rc;
    }
    bl_mpw_t *w = &in->w;
    bl_mpw_reset(w);
    bl_close_t marker = {.period = period, .generation = (int64_t)gen,
                         .reopen = reopen};
    if (bl_close_write(w, &marker) != 0) {
        return bl_err_set(err, BL_ENOMEM, "cannot encode a close marker");
    }
    rc = s_forward_all(in, txn, BL_MSG_CLOSE, bl_mpw_data(w),
                       bl_mpw_size(w), err);
    if (rc != 0) {
        return rc;
    }
    bl_reply_begin(reply, 1);
    bl_mpw_str(reply, "generation");
    bl_mpw_uint(reply, gen);
    return 0;
}

/* Holds everything that would be forwarded from now on. */
static int s_hold(ingest_t *in, MDB_txn *txn, bl_mpw_t *reply,
                  bl_err_t *err)
{
    int rc = bl_store_put_u64(txn, bl_daemon_meta(in->d), "hold", 1, err);
    if (rc != 0) {
        return rc;
    }
    bl_reply_begin(reply, 1);
    bl_mpw_str(reply, "holding");
    bl_mpw_bool(reply, true);
    return 0;
}

/* Forwards what was held, in order, over the workers there are now: at
 * most "max" messages (absent or 0: all), so that the workers start on
 * the first while the rest follow.  While some are left the reply says
 * busy (ask again) and new messages are still held behind them. */
static int s_release(ingest_t *in, MDB_txn *txn, const bl_msg_t *msg,
                     bl_mpw_t *reply, bl_err_t *err)
{
    int64_t max = 0;
    if (bl_req_int(msg, "max", &max) != 0 || max < 0) {
        max = 0;
    }
    MDB_dbi held = bl_daemon_dbi(in->d, DB_HELD);
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, held, NULL, 0, err);
    uint64_t n = 0;
    bool left = false;
    MDB_val k, v;
    while (rc == 0 && (rc = bl_scan_next(&scan, &k, &v)) == 1) {
        rc = 0;
        if (max > 0 && n == (uint64_t)max) {
            left = true;
            break;
        }
        if (k.mv_size != S_HELD_KEY) {
            rc = bl_err_set(err, BL_ESTORE, "a held message is corrupt");
            break;
        }
        const unsigned char *key = k.mv_data;
        if (key[8] == 'r') {
            bl_raw_rows_reader_t rd;
            s_sub_t s;
            s_split_t sp;
            rc = bl_raw_rows_open(&rd, v.mv_data, v.mv_size, err);
            if (rc == 0) {
                rc = s_sub_get(in, txn, rd.sub, &s, err);
            }
            if (rc == 0) {
                rc = s_split_rows(in, &s, &rd, &sp, err);
            }
            if (rc == 0) {
                rc = s_forward_rows(in, txn, &s, &rd, &sp, err);
            }
        } else {
            rc = bl_outbox_put_all(bl_daemon_outbox(in->d), txn,
                                   (bl_msg_type_t)key[9], v.mv_data,
                                   v.mv_size, err);
        }
        if (rc == 0) {
            rc = bl_scan_del(&scan);
            n++;
        }
    }
    bl_scan_close(&scan);
    if (rc < 0) {
        return rc;
    }
    if (!left) {
        rc = bl_store_put_u64(txn, bl_daemon_meta(in->d), "hold", 0, err);
        if (rc != 0) {
            return rc;
        }
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "released");
    bl_mpw_uint(reply, n);
    bl_mpw_str(reply, "busy");
    bl_mpw_bool(reply, left);
    return 0;
}

static int s_request(void *svc, MDB_txn *txn, const char *cmd,
                     const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    ingest_t *in = svc;
    if (strcmp(cmd, "submit_rows") == 0) {
        return s_submit_rows(in, txn, msg, reply, err);
    }
    if (strcmp(cmd, "submit_begin") == 0) {
        return s_submit_begin(in, txn, msg, reply, err);
    }
    if (strcmp(cmd, "submit_end") == 0) {
        return s_submit_end(in, txn, msg, reply, err);
    }
    if (strcmp(cmd, "sub_info") == 0) {
        return s_sub_info(in, txn, msg, reply, err);
    }
    if (strcmp(cmd, "close") == 0) {
        return s_close_period(in, txn, msg, reply, err);
    }
    if (strcmp(cmd, "hold") == 0) {
        return s_hold(in, txn, reply, err);
    }
    if (strcmp(cmd, "release") == 0) {
        return s_release(in, txn, msg, reply, err);
    }
    bl_reply_error(reply, "unknown command '%s'", cmd);
    return 0;
}

static uint32_t s_health(void *svc, MDB_txn *txn, bl_mpw_t *reply)
{
    ingest_t *in = svc;
    MDB_stat st;
    uint64_t rows = 0;
    bl_store_get_u64(txn, bl_daemon_meta(in->d), "rows_stored", &rows, NULL);
    uint64_t held = 0;
    if (mdb_stat(txn, bl_daemon_dbi(in->d, DB_HELD), &st) == 0) {
        held = st.ms_entries;
    }
    bool hold = false;
    s_holding(in, txn, &hold, NULL);
    bl_mpw_str(reply, "rows_stored");
    bl_mpw_uint(reply, rows);
    bl_mpw_str(reply, "holding");  /* text: `benchlearn status` shows it */
    bl_mpw_str(reply, hold ? "yes" : "no");
    bl_mpw_str(reply, "held");
    bl_mpw_uint(reply, held);
    return 3;
}

const bl_stage_ops_t ingest_ops = {
    .stage = BL_STAGE_INGEST,
    .db_names = s_dbs,
    .n_dbs = sizeof s_dbs / sizeof s_dbs[0],
    .has_outbox = 1,
    .store_mode = BL_STORE_BUFFERED,   /* small transactions */
    .open = s_open,
    .apply = NULL,
    .request = s_request,
    .health = s_health,
    .committed = NULL,
    .tick = NULL,
    .close = s_close,
};
