/*
 * validate_submission: a submission's life in validation (see
 * validate_submission.h).  Ingestion sends a begin event (file, header),
 * raw_rows messages and an end event; what validation keeps of the
 * submission — its file, layout, state and counts — is the "subs" record
 * (vsub_save), read back for each message into a local s_sub_t.  Every
 * row's outcome is stored under the submission ("outcomes") for
 * `submit --wait` and `benchlearn check`.
 */
#include "validate_submission.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_layout.h"
#include "bl_log.h"
#include "bl_raw_rows_codec.h"
#include "bl_scan.h"
#include "bl_submission_codec.h"
#include "validate_batch.h"
#include "validate_keys.h"
#include "validate_outliers.h"

/* ---- the submission record ---------------------------------------------- */

size_t vsub_key(const char *sub, const void *rest, size_t rest_len,
                unsigned char *key, size_t size)
{
    size_t l = strlen(sub);
    if (l + 1 + rest_len > size) {
        return 0;
    }
    memcpy(key, sub, l);
    key[l] = '\0';
    memcpy(key + l + 1, rest, rest_len);
    return l + 1 + rest_len;
}

void vsub_free(s_sub_t *s)
{
    for (size_t i = 0; i < s->n_header; i++) {
        free(s->header[i]);
    }
    free(s->header);
    memset(s, 0, sizeof *s);
}

int vsub_save(validate_t *v, MDB_txn *txn, const s_sub_t *s, bl_err_t *err)
{
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    bl_mpw_map(w, 9);
    bl_mpw_str(w, "file");
    bl_mpw_str(w, s->file);
    bl_mpw_str(w, "delimiter");
    bl_mpw_strn(w, &s->delimiter, 1);
    bl_mpw_str(w, "dry_run");
    bl_mpw_bool(w, s->dry_run);
    bl_mpw_str(w, "state");
    bl_mpw_str(w, s->state);
    bl_mpw_str(w, "rows");
    bl_mpw_uint(w, s->rows);
    bl_mpw_str(w, "accepted");
    bl_mpw_uint(w, s->accepted);
    bl_mpw_str(w, "warned");
    bl_mpw_uint(w, s->warned);
    bl_mpw_str(w, "rejected");
    bl_mpw_uint(w, s->rejected);
    bl_mpw_str(w, "header");
    bl_mpw_array(w, (uint32_t)s->n_header);
    for (size_t i = 0; i < s->n_header; i++) {
        bl_mpw_str(w, s->header[i]);
    }
    if (w->err) {
        return bl_err_set(err, w->err, "cannot encode submission");
    }
    return bl_store_put(txn, bl_daemon_dbi(v->d, DB_SUBS), s->id,
                        strlen(s->id), bl_mpw_data(w), bl_mpw_size(w), err);
}

/* Reads the header array at r into s. */
static int s_read_header(bl_mpr_t *r, s_sub_t *s)
{
    uint32_t n;
    if (bl_mpr_array(r, &n) != 0 || n > BL_LAYOUT_COLUMNS_MAX) {
        return BL_EPROTO;
    }
    s->header = calloc(n ? n : 1, sizeof *s->header);
    if (s->header == NULL) {
        return BL_ENOMEM;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *f;
        uint32_t fl;
        if (bl_mpr_str(r, &f, &fl) != 0) {
            return BL_EPROTO;
        }
        s->header[i] = strndup(f, fl);
        if (s->header[i] == NULL) {
            return BL_ENOMEM;
        }
        s->n_header = i + 1;
    }
    return 0;
}

/* Reads the stored record of a submission (vsub_save) into s and
 * works out its layout. */
static int s_sub_parse(validate_t *v, const void *data, size_t len,
                       s_sub_t *s)
{
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    s->delimiter = ',';
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            return BL_EPROTO;
        }
        int rc = 0;
        if (bl_mp_str_eq(k, kl, "file")) {
            rc = bl_mpr_str_copy(&r, s->file, sizeof s->file);
        } else if (bl_mp_str_eq(k, kl, "sub")) {
            rc = bl_mpr_str_copy(&r, s->id, sizeof s->id);
        } else if (bl_mp_str_eq(k, kl, "delimiter")) {
            char d[4];
            rc = bl_mpr_str_copy(&r, d, sizeof d);
            s->delimiter = d[0] == ';' ? ';' : ',';
        } else if (bl_mp_str_eq(k, kl, "dry_run")) {
            rc = bl_mpr_bool(&r, &s->dry_run);
        } else if (bl_mp_str_eq(k, kl, "state")) {
            rc = bl_mpr_str_copy(&r, s->state, sizeof s->state);
        } else if (bl_mp_str_eq(k, kl, "rows")) {
            rc = bl_mpr_uint(&r, &s->rows);
        } else if (bl_mp_str_eq(k, kl, "accepted")) {
            rc = bl_mpr_uint(&r, &s->accepted);
        } else if (bl_mp_str_eq(k, kl, "warned")) {
            rc = bl_mpr_uint(&r, &s->warned);
        } else if (bl_mp_str_eq(k, kl, "rejected")) {
            rc = bl_mpr_uint(&r, &s->rejected);
        } else if (bl_mp_str_eq(k, kl, "header")) {
            rc = s_read_header(&r, s);
        } else {
            rc = bl_mpr_skip(&r);
        }
        if (rc != 0) {
            return rc;
        }
    }
    bl_diags_t diags = {0};
    s->layout_ok = bl_layout_from_header(v->cfg->catalogue, s->file,
                                         (const char *const *)s->header,
                                         s->n_header, &s->layout,
                                         &diags) == 0;
    bl_diags_clear(&diags);
    return 0;
}

/* Loads submission id into *s (the caller's, to free with vsub_free).
 * Returns 0, BL_ENOTFOUND, or an error (detail in err). */
static int s_sub_load(validate_t *v, MDB_txn *txn, const char *id,
                      s_sub_t *s, bl_err_t *err)
{
    memset(s, 0, sizeof *s);
    MDB_val val;
    int rc = bl_store_get(txn, bl_daemon_dbi(v->d, DB_SUBS), id, strlen(id),
                          &val, err);
    if (rc != 0) {
        return rc;
    }
    rc = s_sub_parse(v, val.mv_data, val.mv_size, s);
    snprintf(s->id, sizeof s->id, "%s", id);
    if (rc != 0) {
        vsub_free(s);
        return bl_err_set(err, BL_ESTORE, "submission %s is corrupt", id);
    }
    return 0;
}

/* ---- outcomes ----------------------------------------------------------- */

int vsub_store_outcome(validate_t *v, MDB_txn *txn, bl_cursors_t *cur,
                       s_sub_t *s, uint64_t line, const vr_outcome_t *o, bl_err_t *err)
{
    validate_status_t status = o->rejected ? VALIDATE_REJECTED
                               : o->n > 0  ? VALIDATE_WARNED
                                           : VALIDATE_ACCEPTED;
    if (status == VALIDATE_REJECTED) {
        s->rejected++;
    } else if (status == VALIDATE_WARNED) {
        s->warned++;
    } else {
        s->accepted++;
    }
    bl_mpw_t *w = &v->w;
    bl_mpw_reset(w);
    bl_mpw_array(w, 2);
    bl_mpw_uint(w, (uint64_t)status);
    bl_mpw_array(w, (uint32_t)o->n);
    for (size_t i = 0; i < o->n; i++) {
        bl_mpw_array(w, 3);
        bl_mpw_bool(w, o->items[i].error);
        bl_mpw_str(w, o->items[i].field);
        bl_mpw_str(w, o->items[i].reason);
    }
    unsigned char lk[8];
    bl_store_u64_key(line, lk);
    unsigned char key[S_SUB_MAX + 9];
    size_t kl = vsub_key(s->id, lk, sizeof lk, key, sizeof key);
    /* Ids grow, and lines within a file: outcomes usually sort last. */
    MDB_dbi outcomes = bl_daemon_dbi(v->d, DB_OUTCOMES);
    if (cur != NULL) {
        return bl_cursors_put(cur, outcomes, key, kl, bl_mpw_data(w),
                              bl_mpw_size(w), MDB_APPEND, NULL, err);
    }
    return bl_store_append(txn, outcomes, key, kl, bl_mpw_data(w),
                           bl_mpw_size(w), err);
}

int vsub_outcome_read(const MDB_val *val, validate_outcome_t *o)
{
    bl_mpr_t r;
    bl_mpr_init(&r, val->mv_data, val->mv_size);
    uint32_t two;
    uint64_t status;
    if (bl_mpr_array(&r, &two) != 0 || two != 2 ||
        bl_mpr_uint(&r, &status) != 0 || status > VALIDATE_REJECTED ||
        bl_mpr_raw(&r, &o->problems, &o->problems_len) != 0 ||
        !bl_mpr_done(&r)) {
        return BL_EPROTO;
    }
    o->status = (validate_status_t)status;
    return 0;
}

/* ---- messages from ingestion -------------------------------------------- */

/* Judges the rows of a raw_rows message of submission sub. */
static int s_judge_rows(validate_t *v, MDB_txn *txn, s_sub_t *sub,
                        bl_raw_rows_reader_t *rd, size_t payload_len,
                        bl_err_t *err)
{
    validate_batch_t b;
    int rc = vbatch_init(&b, v, txn, sub, payload_len, err);
    bl_raw_row_t row;
    int more;
    while (rc == 0 &&
           (more = bl_raw_rows_next(rd, &row, err)) != BL_ENOTFOUND) {
        rc = more != 0 ? more : vbatch_row(&b, txn, &row, err);
    }
    if (rc == 0) {
        rc = vbatch_finish(&b, txn, err);
    }
    vbatch_free(&b);
    return rc;
}

int vsub_apply_rows(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                    bl_err_t *err)
{
    bl_raw_rows_reader_t rd;
    if (bl_raw_rows_open(&rd, msg->payload, msg->payload_len, err) != 0) {
        return BL_EPROTO;
    }
    const char *id = rd.sub;
    s_sub_t sub;
    int rc = s_sub_load(v, txn, id, &sub, err);
    if (rc == BL_ENOTFOUND) {
        return bl_err_set(err, BL_EDATA, "rows of unknown submission %s", id);
    }
    if (rc != 0) {
        return rc;
    }
    if (!sub.layout_ok) {
        rc = bl_err_set(err, BL_EDATA, "submission %s has no usable header",
                        id);
    } else {
        rc = s_judge_rows(v, txn, &sub, &rd, msg->payload_len, err);
    }
    if (rc == 0) {
        rc = vsub_save(v, txn, &sub, err);
    }
    vsub_free(&sub);
    return rc;
}

/* A submission begins: what validation keeps of it, from the begin
 * event. */
static int s_sub_begin(validate_t *v, MDB_txn *txn, bl_submission_t *ev,
                       bl_err_t *err)
{
    s_sub_t s;
    memset(&s, 0, sizeof s);
    snprintf(s.id, sizeof s.id, "%s", ev->sub);
    snprintf(s.file, sizeof s.file, "%s", ev->file);
    s.delimiter = ev->delimiter;
    s.dry_run = ev->dry_run;
    snprintf(s.state, sizeof s.state, "open");
    s.header = calloc(ev->n_header ? ev->n_header : 1, sizeof *s.header);
    int rc = s.header == NULL ? BL_ENOMEM : 0;
    const char *name;
    uint32_t len;
    while (rc == 0 && bl_submission_next_name(ev, &name, &len) == 0) {
        s.header[s.n_header] = strndup(name, len);
        if (s.header[s.n_header] == NULL) {
            rc = BL_ENOMEM;
        } else {
            s.n_header++;
        }
    }
    rc = rc != 0 ? bl_err_set(err, rc, "out of memory")
                 : vsub_save(v, txn, &s, err);
    vsub_free(&s);
    return rc;
}

int vsub_apply_event(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                     bl_err_t *err)
{
    bl_submission_t ev;
    if (bl_submission_decode(msg->payload, msg->payload_len, &ev, err) !=
        0) {
        return BL_EPROTO;
    }
    if (ev.event == BL_SUBMISSION_BEGIN) {
        return s_sub_begin(v, txn, &ev, err);
    }
    const char *id = ev.sub;
    s_sub_t sub;
    int rc = s_sub_load(v, txn, id, &sub, err);
    if (rc != 0) {
        return rc == BL_ENOTFOUND
                   ? bl_err_set(err, BL_EDATA, "end of unknown submission %s",
                                id)
                   : rc;
    }
    snprintf(sub.state, sizeof sub.state, "complete");
    if (!sub.dry_run) {
        rc = validate_outliers_judge_submission(v, txn, &sub, err);
    }
    if (rc == 0) {
        rc = vkeys_forget(txn, bl_daemon_dbi(v->d, DB_KEYS), id, err);
    }
    if (rc == 0) {
        rc = vsub_save(v, txn, &sub, err);
    }
    bl_log(BL_LOG_DEBUG, "submission complete sub=%s", id);
    vsub_free(&sub);
    return rc;
}

/* ---- requests ----------------------------------------------------------- */

int vsub_req_status(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                    bl_mpw_t *reply, bl_err_t *err)
{
    char id[S_SUB_MAX];
    if (bl_req_str(msg, "sub", id, sizeof id) != 0) {
        bl_reply_error(reply, "sub_status without a submission id");
        return 0;
    }
    s_sub_t s;
    int rc = s_sub_load(v, txn, id, &s, err);
    if (rc == BL_ENOTFOUND) {
        bl_reply_error(reply, "no submission %s here", id);
        return 0;
    }
    if (rc != 0) {
        return rc;
    }
    bl_reply_begin(reply, 7);
    bl_mpw_str(reply, "sub");
    bl_mpw_str(reply, id);
    bl_mpw_str(reply, "file");
    bl_mpw_str(reply, s.file);
    bl_mpw_str(reply, "state");
    bl_mpw_str(reply, s.state);
    bl_mpw_str(reply, "rows");
    bl_mpw_uint(reply, s.rows);
    bl_mpw_str(reply, "accepted");
    bl_mpw_uint(reply, s.accepted);
    bl_mpw_str(reply, "warned");
    bl_mpw_uint(reply, s.warned);
    bl_mpw_str(reply, "rejected");
    bl_mpw_uint(reply, s.rejected);
    vsub_free(&s);
    return 0;
}

int vsub_req_outcomes(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                      bl_mpw_t *reply, bl_err_t *err)
{
    char id[S_SUB_MAX];
    int64_t after = 0, limit = 1000;
    bool problems_only = false;
    if (bl_req_str(msg, "sub", id, sizeof id) != 0) {
        bl_reply_error(reply, "outcomes without a submission id");
        return 0;
    }
    bl_req_int(msg, "after", &after);
    bl_req_int(msg, "limit", &limit);
    if (limit < 1 || limit > 10000) {
        limit = 1000;
    }
    bl_req_bool(msg, "problems_only", &problems_only);
    unsigned char lk[8];
    bl_store_u64_key((uint64_t)after + 1, lk);
    unsigned char key[S_SUB_MAX + 9];
    size_t kl = vsub_key(id, lk, sizeof lk, key, sizeof key);
    size_t pl = kl - 8;
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, bl_daemon_dbi(v->d, DB_OUTCOMES), key,
                          pl, err);
    if (rc == 0) {
        rc = bl_scan_from(&scan, key, kl);
    }
    /* Collect first, since the array header needs the count. */
    bl_mpw_t rows;
    bl_mpw_init(&rows);
    uint32_t count = 0;
    bool more = false;
    MDB_val k, val;
    while (rc == 0 && (rc = bl_scan_next(&scan, &k, &val)) == 1) {
        rc = 0;
        validate_outcome_t o;
        if (k.mv_size != kl || vsub_outcome_read(&val, &o) != 0 ||
            (problems_only && o.status == VALIDATE_ACCEPTED)) {
            continue;
        }
        if (count == (uint32_t)limit) {
            more = true;
            break;
        }
        bl_mpw_array(&rows, 3);
        bl_mpw_uint(&rows, bl_store_u64_from((unsigned char *)k.mv_data + pl));
        bl_mpw_uint(&rows, (uint64_t)o.status);
        bl_mpw_raw(&rows, o.problems, o.problems_len);
        count++;
    }
    bl_scan_close(&scan);
    if (rc < 0 || rows.err) {
        bl_mpw_destroy(&rows);
        return rc < 0 ? rc : bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "rows");
    bl_mpw_array(reply, count);
    bl_mpw_raw(reply, bl_mpw_data(&rows), bl_mpw_size(&rows));
    bl_mpw_str(reply, "more");
    bl_mpw_bool(reply, more);
    bl_mpw_destroy(&rows);
    return 0;
}

