/*
 * bl_submit_client: a submission's requests to ingestion, and validation's
 * sub_status answer (see bl_submit_client.h).
 */
#include "bl_submit_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_layout.h"
#include "bl_raw_rows_codec.h"
#include "bl_row_group.h"

typedef struct s_send {
    const bl_submit_req_t *req;
    const bl_submit_hooks_t *hooks;
    char sub[BL_SUBMIT_ID_MAX];
    bl_mpw_t batch;       /* rows of the batch being built */
    bl_mpw_t msg;         /* the request being sent */
    uint32_t batch_rows;
    int in_flight;
    char *header;         /* the header's fields, each NUL-ended */
    size_t header_len;
    size_t header_fields;
    char kind[32];        /* the file's kind, as ingestion read it */
    int prov_col;         /* provider_id's column, or -1 */
    bl_row_runs_t runs;   /* how long the runs of a provider's rows are */
    bool grouping;        /* rows gathered by provider (bl_row_group.h) */
    bl_row_group_t group;
} s_send_t;

/* An answer that says no: BL_EREFUSED with the daemon's reason. */
static int s_refused(const bl_reply_t *reply, bl_err_t *err)
{
    char why[BL_ERR_MSG_MAX];
    if (bl_reply_ok(reply, why, sizeof why)) {
        return 0;
    }
    return bl_err_set(err, BL_EREFUSED, "%s", why);
}

/* Reads the oldest batch's answer. */
static int s_take_reply(s_send_t *s, bl_err_t *err)
{
    bl_reply_t reply;
    int rc = bl_rpc_recv(s->req->rpc, &reply, s->req->timeout_ms, err);
    if (rc != 0) {
        return rc;
    }
    s->in_flight--;
    rc = s_refused(&reply, err);
    bl_reply_free(&reply);
    return rc;
}

static int s_send_batch(s_send_t *s, bl_err_t *err)
{
    if (s->batch_rows == 0) {
        return 0;
    }
    while (s->in_flight >= BL_SUBMIT_IN_FLIGHT) {
        int rc = s_take_reply(s, err);
        if (rc != 0) {
            return rc;
        }
    }
    bl_mpw_reset(&s->msg);
    bl_rpc_request(&s->msg, "submit_rows", 2);
    bl_mpw_str(&s->msg, "sub");
    bl_mpw_str(&s->msg, s->sub);
    bl_mpw_str(&s->msg, "rows");
    if (bl_raw_rows_write_array(&s->msg, &s->batch, s->batch_rows) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    int rc = bl_rpc_send(s->req->rpc, &s->msg, s->req->timeout_ms, err);
    if (rc != 0) {
        return rc;
    }
    s->in_flight++;
    bl_mpw_reset(&s->batch);
    s->batch_rows = 0;
    return 0;
}

static void s_header_problem(const s_send_t *s, uint64_t line,
                             const char *fmt, const char *what)
{
    if (s->hooks->header_problem != NULL) {
        char reason[BL_ERR_MSG_MAX];
        snprintf(reason, sizeof reason, fmt, what);
        s->hooks->header_problem(s->hooks->ctx, line, reason);
    }
}

int bl_sub_errors_each(const bl_msg_t *msg, bl_sub_error_fn fn, void *ctx)
{
    bl_mpr_t r;
    uint32_t n;
    if (bl_req_find(msg, "errors", &r) != 0 || bl_mpr_array(&r, &n) != 0) {
        return -1;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t three;
        uint64_t line, col;
        char m[512];
        if (bl_mpr_array(&r, &three) || three != 3 ||
            bl_mpr_uint(&r, &line) || bl_mpr_uint(&r, &col) ||
            bl_mpr_str_copy(&r, m, sizeof m)) {
            break;
        }
        fn(ctx, line, m);
    }
    return (int)n;
}

static void s_header_error(void *ctx, uint64_t line, const char *message)
{
    s_header_problem(ctx, line, "header: %s", message);
}

/* Tells each of the daemon's header errors; returns BL_SUBMIT_REJECTED,
 * or the refusal when the answer lists none. */
static int s_header_rejected(s_send_t *s, const bl_reply_t *reply,
                             bl_err_t *err)
{
    if (bl_sub_errors_each(&reply->msg, s_header_error, s) < 0) {
        return s_refused(reply, err);
    }
    /* (the id ingestion keeps the rejected file under, for `check`) */
    bl_req_str(&reply->msg, "sub", s->sub, sizeof s->sub);
    return BL_SUBMIT_REJECTED;
}

/* Sends the header: 0 with s->sub, BL_SUBMIT_REJECTED, or an error. */
static int s_begin(s_send_t *s, const bl_csv_record_t *hdr, char delim,
                   bl_err_t *err)
{
    bl_mpw_reset(&s->msg);
    bl_rpc_request(&s->msg, "submit_begin", 4);
    bl_mpw_str(&s->msg, "file");
    bl_mpw_str(&s->msg, s->req->file);
    bl_mpw_str(&s->msg, "delimiter");
    bl_mpw_strn(&s->msg, &delim, 1);
    bl_mpw_str(&s->msg, "dry_run");
    bl_mpw_bool(&s->msg, s->req->dry_run);
    bl_mpw_str(&s->msg, "header");
    bl_mpw_array(&s->msg, (uint32_t)hdr->n_fields);
    for (size_t i = 0; i < hdr->n_fields; i++) {
        bl_mpw_strn(&s->msg, hdr->fields[i], hdr->lens[i]);
    }
    if (s->msg.err) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    bl_reply_t reply;
    int rc = bl_rpc_call(s->req->rpc, &s->msg, &reply, s->req->timeout_ms,
                         err);
    if (rc != 0) {
        return rc;
    }
    if (!bl_reply_ok(&reply, NULL, 0)) {
        rc = s_header_rejected(s, &reply, err);
    } else if (bl_req_str(&reply.msg, "sub", s->sub, sizeof s->sub) != 0) {
        rc = bl_err_set(err, BL_EPROTO, "ingestion gave no submission id");
    } else {
        bl_req_str(&reply.msg, "kind", s->kind, sizeof s->kind);
        if (s->hooks->kind != NULL) {
            s->hooks->kind(s->hooks->ctx, s->kind);
        }
    }
    bl_reply_free(&reply);
    return rc;
}

/* Keeps the header's fields, to tell it again among the rows, and finds
 * the provider's column. */
static int s_keep_header(s_send_t *s, const bl_csv_record_t *hdr)
{
    size_t len = 0;
    for (size_t i = 0; i < hdr->n_fields; i++) {
        len += hdr->lens[i] + 1;
    }
    s->header = malloc(len ? len : 1);
    if (s->header == NULL) {
        return BL_ENOMEM;
    }
    size_t at = 0;
    for (size_t i = 0; i < hdr->n_fields; i++) {
        memcpy(s->header + at, hdr->fields[i], hdr->lens[i] + 1);
        at += hdr->lens[i] + 1;
    }
    s->header_len = len;
    s->header_fields = hdr->n_fields;
    s->prov_col = bl_col_index((const char *const *)hdr->fields,
                               hdr->n_fields, BL_COL_PROVIDER_ID);
    return 0;
}

/* Whether rec repeats the header: two exports joined into one file. */
static bool s_header_again(const s_send_t *s, const bl_csv_record_t *rec)
{
    if (rec->error != NULL || rec->n_fields != s->header_fields ||
        s->header == NULL) {
        return false;
    }
    size_t at = 0;
    for (size_t i = 0; i < rec->n_fields; i++) {
        if (at + rec->lens[i] + 1 > s->header_len ||
            memcmp(s->header + at, rec->fields[i], rec->lens[i] + 1) != 0) {
            return false;
        }
        at += rec->lens[i] + 1;
    }
    return true;
}

/* Whether rows of this file's kind are worth gathering by provider: the
 * large kinds, whose row keys and runs begin with the provider. */
static bool s_groupable(const s_send_t *s)
{
    return s->prov_col >= 0 &&
           (strcmp(s->kind, bl_file_kind_name(BL_FILE_SURVEY)) == 0 ||
            strcmp(s->kind, bl_file_kind_name(BL_FILE_INDICATORS)) == 0);
}

/* Adds one record to the batch (bl_raw_rows_codec.h), or to the window
 * when the file's rows are being gathered by provider.  Returns 0 or
 * BL_ENOMEM. */
static int s_add_row(s_send_t *s, const bl_csv_record_t *rec)
{
    const char *problem = rec->error;
    char own[256];
    if (problem == NULL && s_header_again(s, rec)) {
        problem = "the header again, not a row (two files joined into "
                  "one?)";
    }
    if (problem == NULL && s->hooks->row_problem != NULL) {
        problem = s->hooks->row_problem(s->hooks->ctx, rec, own, sizeof own);
    }
    bl_raw_row_t row = {.line = rec->line, .error = problem,
                        .error_len = problem ? strlen(problem) : 0,
                        .n_fields = problem ? 0 : (uint32_t)rec->n_fields,
                        .fields = rec->fields, .lens = rec->lens};
    const char *prov = "";
    size_t prov_len = 0;
    if (problem == NULL && s->prov_col >= 0 &&
        (size_t)s->prov_col < rec->n_fields) {
        prov = rec->fields[s->prov_col];
        prov_len = rec->lens[s->prov_col];
    }
    if (s->grouping) {
        return bl_row_group_add(&s->group, prov, prov_len, &row);
    }
    bl_raw_rows_write_row(&s->batch, &row);
    s->batch_rows++;
    if (s_groupable(s) && bl_row_runs_add(&s->runs, prov, prov_len)) {
        s->grouping = true;
    }
    return 0;
}

/* Sends the batch once it is full, and tells the progress. */
static int s_batch_full(s_send_t *s, bl_csv_t *csv, uint64_t rows,
                        bl_err_t *err)
{
    if (s->batch_rows < BL_SUBMIT_BATCH_ROWS &&
        bl_mpw_size(&s->batch) < BL_SUBMIT_BATCH_BYTES) {
        return 0;
    }
    int rc = s_send_batch(s, err);
    if (rc == 0 && s->hooks->progress != NULL) {
        s->hooks->progress(s->hooks->ctx, rows, bl_csv_offset(csv));
    }
    return rc;
}

/* Sends the window's rows in provider order, in batches. */
static int s_flush_group(s_send_t *s, bl_csv_t *csv, uint64_t rows,
                         bl_err_t *err)
{
    bl_row_group_t *g = &s->group;
    if (bl_row_group_sort(g) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < bl_row_group_count(g); i++) {
        size_t len;
        const uint8_t *row = bl_row_group_row(g, i, &len);
        bl_mpw_raw(&s->batch, row, len);
        s->batch_rows++;
        int rc = s_batch_full(s, csv, rows, err);
        if (rc != 0) {
            return rc;
        }
    }
    bl_row_group_reset(g);
    return s->batch.err ? bl_err_set(err, BL_ENOMEM, "out of memory") : 0;
}

/* Sends the last batch, waits for every answer, then ends. */
static int s_end(s_send_t *s, bl_err_t *err)
{
    int rc = s_send_batch(s, err);
    while (rc == 0 && s->in_flight > 0) {
        rc = s_take_reply(s, err);
    }
    if (rc != 0) {
        return rc;
    }
    bl_mpw_reset(&s->msg);
    bl_rpc_request(&s->msg, "submit_end", 1);
    bl_mpw_str(&s->msg, "sub");
    bl_mpw_str(&s->msg, s->sub);
    bl_reply_t reply;
    rc = bl_rpc_call(s->req->rpc, &s->msg, &reply, s->req->timeout_ms, err);
    if (rc != 0) {
        return rc;
    }
    rc = s_refused(&reply, err);
    bl_reply_free(&reply);
    return rc;
}

/* Whether every field of rec is empty (after trimming): a spreadsheet
 * writes ",,,,," for a row of emptied cells.  Skipped as a blank line is
 * (SPEC section 2): no row, no outcome; later lines keep their numbers. */
static bool s_all_empty(const bl_csv_record_t *rec)
{
    if (rec->error != NULL) {
        return false;
    }
    for (size_t i = 0; i < rec->n_fields; i++) {
        if (rec->lens[i] != 0) {
            return false;
        }
    }
    return true;
}

/* The header, then every row. */
static int s_send_all(s_send_t *s, bl_csv_t *csv, uint64_t *rows,
                      bl_err_t *err)
{
    bl_csv_record_t rec;
    int rc = bl_csv_next(csv, &rec, err);
    if (rc == 0) {
        s_header_problem(s, 1, "%s", "the file is empty: a header row is "
                                     "needed");
        return BL_SUBMIT_NO_HEADER;
    }
    if (rc < 0) {
        return rc;
    }
    if (rec.error != NULL) {
        s_header_problem(s, rec.line, "header: %s", rec.error);
        return BL_SUBMIT_NO_HEADER;
    }
    if (s->hooks->header != NULL) {
        s->hooks->header(s->hooks->ctx, &rec);
    }
    if (s_keep_header(s, &rec) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    rc = s_begin(s, &rec, bl_csv_delimiter(csv), err);
    if (rc != 0) {
        return rc;
    }
    for (;;) {
        int n = bl_csv_next(csv, &rec, err);
        if (n < 0) {
            return n;
        }
        if (n == 0) {
            break;
        }
        if (s_all_empty(&rec)) {
            continue;
        }
        if (s_add_row(s, &rec) != 0) {
            return bl_err_set(err, BL_ENOMEM, "out of memory");
        }
        (*rows)++;
        rc = s->grouping ? (bl_row_group_full(&s->group)
                                ? s_flush_group(s, csv, *rows, err)
                                : 0)
                         : s_batch_full(s, csv, *rows, err);
        if (rc != 0) {
            return rc;
        }
    }
    rc = s->grouping ? s_flush_group(s, csv, *rows, err) : 0;
    return rc != 0 ? rc : s_end(s, err);
}

int bl_submit_csv(const bl_submit_req_t *req, const bl_submit_hooks_t *hooks,
                  char *sub, size_t sub_size, uint64_t *rows, bl_err_t *err)
{
    static const bl_submit_hooks_t none = {0};
    s_send_t s;
    memset(&s, 0, sizeof s);
    s.req = req;
    s.hooks = hooks != NULL ? hooks : &none;
    uint64_t n_rows = 0;
    bl_csv_t *csv;
    int rc = bl_csv_open_fd(&csv, req->fd, req->file, err);
    if (rc != 0) {
        return rc;
    }
    bl_mpw_init(&s.batch);
    bl_mpw_init(&s.msg);
    bl_row_runs_init(&s.runs);
    bl_row_group_init(&s.group, req->group_bytes ? req->group_bytes
                                                 : BL_ROW_GROUP_BYTES);
    rc = s_send_all(&s, csv, &n_rows, err);
    if (rc == BL_SUBMIT_STORED || rc == BL_SUBMIT_REJECTED) {
        snprintf(sub, sub_size, "%s", s.sub);
    }
    if (rows != NULL) {
        *rows = n_rows;
    }
    bl_csv_close(&csv);
    free(s.header);
    bl_mpw_destroy(&s.batch);
    bl_mpw_destroy(&s.msg);
    bl_row_group_destroy(&s.group);
    return rc;
}

/* ---- validation's sub_status ------------------------------------------- */

void bl_sub_counts_init(bl_sub_counts_t *c)
{
    memset(c, 0, sizeof *c);
    c->complete = true;
}

void bl_sub_counts_add(bl_sub_counts_t *c, const bl_reply_t *reply)
{
    if (!bl_reply_ok(reply, NULL, 0)) {
        c->complete = false;  /* not arrived at that worker yet */
        return;
    }
    char state[16] = "";
    bl_req_str(&reply->msg, "state", state, sizeof state);
    if (strcmp(state, "complete") != 0) {
        c->complete = false;
    }
    static const char *const keys[] = {"rows", "accepted", "warned",
                                       "rejected"};
    uint64_t *dst[] = {&c->rows, &c->accepted, &c->warned, &c->rejected};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        int64_t v;
        if (bl_req_int(&reply->msg, keys[i], &v) == 0 && v > 0) {
            *dst[i] += (uint64_t)v;
        }
    }
}

void bl_sub_status_request(bl_mpw_t *w, const char *sub)
{
    bl_mpw_reset(w);
    bl_rpc_request(w, "sub_status", 1);
    bl_mpw_str(w, "sub");
    bl_mpw_str(w, sub);
}

int bl_sub_status_all(const char *sub, int workers, bl_sub_ask_fn ask,
                      void *ctx, bl_sub_counts_t *out, bl_err_t *err)
{
    bl_sub_counts_init(out);
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_sub_status_request(&w, sub);
    int rc = 0;
    for (int k = 1; k <= workers && rc == 0; k++) {
        bl_reply_t reply;
        rc = ask(ctx, k, &w, &reply, err);
        if (rc == 0) {
            bl_sub_counts_add(out, &reply);
            bl_reply_free(&reply);
        }
    }
    bl_mpw_destroy(&w);
    return rc;
}
