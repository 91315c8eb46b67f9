/*
 * web_upload: spooling an upload and submitting it (see web_upload.h).
 */
#include "web_upload.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bl_csv.h"
#include "bl_fs.h"
#include "bl_raw_rows_codec.h"

#define S_BATCH_ROWS 4000
#define S_BATCH_BYTES (4u * 1024u * 1024u)
#define S_IN_FLIGHT 4

struct web_upload {
    int fd;
    uint64_t size, max;
};

int web_upload_open(web_upload_t **out, const char *dir, uint64_t max_bytes,
                    bl_err_t *err)
{
    int rc = bl_fs_mkdirs(dir, 0700);
    if (rc != 0) {
        return bl_err_set(err, rc, "cannot create '%s': %s", dir,
                          strerror(-rc));
    }
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/upload.XXXXXX", dir);
    int fd = mkstemp(path);
    if (fd < 0) {
        return bl_err_set(err, -errno, "cannot create a spool file in "
                          "'%s': %s", dir, strerror(errno));
    }
    /* No name: the spool goes with the descriptor, whatever happens. */
    unlink(path);
    web_upload_t *u = calloc(1, sizeof *u);
    if (u == NULL) {
        close(fd);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    u->fd = fd;
    u->max = max_bytes;
    *out = u;
    return 0;
}

int web_upload_write(web_upload_t *u, const char *data, size_t size,
                     bl_err_t *err)
{
    if (u->size + size > u->max) {
        u->size += size;
        if (ftruncate(u->fd, 0) != 0) {
            return bl_err_set(err, -errno, "spool: %s", strerror(errno));
        }
        return bl_err_set(err, BL_ETOOBIG, "the file is larger than the "
                          "limit of %llu MB",
                          (unsigned long long)(u->max / (1024 * 1024)));
    }
    u->size += size;
    while (size > 0) {
        ssize_t n = write(u->fd, data, size);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return bl_err_set(err, -errno, "cannot spool the upload: %s",
                              strerror(errno));
        }
        data += n;
        size -= (size_t)n;
    }
    return 0;
}

uint64_t web_upload_size(const web_upload_t *u)
{
    return u->size;
}

void web_upload_close(web_upload_t **u)
{
    if (u == NULL || *u == NULL) {
        return;
    }
    close((*u)->fd);
    free(*u);
    *u = NULL;
}

/* ---- sending ------------------------------------------------------------ */

typedef struct s_send {
    web_backend_t *b;
    const char *file;
    const char *provider;     /* "" = any */
    int provider_col;         /* -1 when the file has none */
    char sub[64];
    bl_mpw_t batch, req;
    uint32_t batch_rows;
    int in_flight;
} s_send_t;

static int s_take_reply(s_send_t *s, bl_err_t *err)
{
    bl_reply_t reply;
    int rc = web_backend_recv(s->b, BL_STAGE_INGEST, &reply, err);
    if (rc != 0) {
        return rc;
    }
    s->in_flight--;
    char why[BL_ERR_MSG_MAX];
    if (!bl_reply_ok(&reply, why, sizeof why)) {
        rc = bl_err_set(err, BL_EREFUSED, "ingestion: %s", why);
    }
    bl_reply_free(&reply);
    return rc;
}

static int s_send_batch(s_send_t *s, bl_err_t *err)
{
    if (s->batch_rows == 0) {
        return 0;
    }
    while (s->in_flight >= S_IN_FLIGHT) {
        int rc = s_take_reply(s, err);
        if (rc != 0) {
            return rc;
        }
    }
    bl_mpw_reset(&s->req);
    bl_rpc_request(&s->req, "submit_rows", 2);
    bl_mpw_str(&s->req, "sub");
    bl_mpw_str(&s->req, s->sub);
    bl_mpw_str(&s->req, "rows");
    if (bl_raw_rows_write_array(&s->req, &s->batch, s->batch_rows) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    int rc = web_backend_send(s->b, BL_STAGE_INGEST, &s->req, err);
    if (rc != 0) {
        return rc;
    }
    s->in_flight++;
    bl_mpw_reset(&s->batch);
    s->batch_rows = 0;
    return 0;
}

/* Sends the header: 0 with s->sub, 1 rejected (reasons in why), or an
 * error. */
static int s_begin(s_send_t *s, const bl_csv_record_t *hdr, char delim,
                   web_buf_t *why, bl_err_t *err)
{
    if (hdr->error != NULL) {
        web_buf_printf(why, "<li>%zu: ", hdr->line);
        web_buf_esc(why, hdr->error);
        web_buf_puts(why, "</li>");
        return 1;
    }
    s->provider_col = -1;
    for (size_t i = 0; i < hdr->n_fields; i++) {
        if (strcmp(hdr->fields[i], "provider_id") == 0) {
            s->provider_col = (int)i;
        }
    }
    bl_mpw_reset(&s->req);
    bl_rpc_request(&s->req, "submit_begin", 4);
    bl_mpw_str(&s->req, "file");
    bl_mpw_str(&s->req, s->file);
    bl_mpw_str(&s->req, "delimiter");
    bl_mpw_strn(&s->req, &delim, 1);
    bl_mpw_str(&s->req, "dry_run");
    bl_mpw_bool(&s->req, false);
    bl_mpw_str(&s->req, "header");
    bl_mpw_array(&s->req, (uint32_t)hdr->n_fields);
    for (size_t i = 0; i < hdr->n_fields; i++) {
        bl_mpw_strn(&s->req, hdr->fields[i], hdr->lens[i]);
    }
    bl_reply_t reply;
    int rc = web_backend_call(s->b, BL_STAGE_INGEST, 1, &s->req, &reply,
                              60000, err);
    if (rc != 0) {
        return rc;
    }
    char text[BL_ERR_MSG_MAX];
    if (!bl_reply_ok(&reply, text, sizeof text)) {
        bl_mpr_t r;
        uint32_t n;
        if (bl_req_find(&reply.msg, "errors", &r) == 0 &&
            bl_mpr_array(&r, &n) == 0) {
            for (uint32_t i = 0; i < n; i++) {
                uint32_t three;
                uint64_t line, col;
                char m[512];
                if (bl_mpr_array(&r, &three) || bl_mpr_uint(&r, &line) ||
                    bl_mpr_uint(&r, &col) ||
                    bl_mpr_str_copy(&r, m, sizeof m)) {
                    break;
                }
                web_buf_printf(why, "<li>%llu: header: ",
                               (unsigned long long)line);
                web_buf_esc(why, m);
                web_buf_puts(why, "</li>");
            }
            rc = 1;
        } else {
            rc = bl_err_set(err, BL_EREFUSED, "ingestion: %s", text);
        }
    } else if (bl_req_str(&reply.msg, "sub", s->sub, sizeof s->sub) != 0) {
        rc = bl_err_set(err, BL_EPROTO, "ingestion gave no submission id");
    }
    bl_reply_free(&reply);
    return rc;
}

/* Adds one record to the batch. */
static void s_add_row(s_send_t *s, const bl_csv_record_t *rec)
{
    bl_mpw_t *b = &s->batch;
    const char *error = rec->error;
    char other[160];
    if (error == NULL && s->provider[0] != '\0' && s->provider_col >= 0 &&
        (size_t)s->provider_col < rec->n_fields &&
        strcmp(rec->fields[s->provider_col], s->provider) != 0) {
        snprintf(other, sizeof other, "provider_id: %.60s is not your "
                 "provider (%s)", rec->fields[s->provider_col], s->provider);
        error = other;
    }
    bl_raw_row_t row = {.line = rec->line, .error = error,
                        .error_len = error ? strlen(error) : 0,
                        .n_fields = (uint32_t)rec->n_fields,
                        .fields = rec->fields, .lens = rec->lens};
    bl_raw_rows_write_row(b, &row);
    s->batch_rows++;
}

static int s_end(s_send_t *s, bl_err_t *err)
{
    int rc = s_send_batch(s, err);
    while (rc == 0 && s->in_flight > 0) {
        rc = s_take_reply(s, err);
    }
    if (rc != 0) {
        return rc;
    }
    bl_mpw_reset(&s->req);
    bl_rpc_request(&s->req, "submit_end", 1);
    bl_mpw_str(&s->req, "sub");
    bl_mpw_str(&s->req, s->sub);
    bl_reply_t reply;
    rc = web_backend_call(s->b, BL_STAGE_INGEST, 1, &s->req, &reply, 60000,
                          err);
    if (rc != 0) {
        return rc;
    }
    char why[BL_ERR_MSG_MAX];
    if (!bl_reply_ok(&reply, why, sizeof why)) {
        rc = bl_err_set(err, BL_EREFUSED, "ingestion: %s", why);
    }
    bl_reply_free(&reply);
    return rc;
}

int web_upload_submit(web_upload_t *u, web_backend_t *b, const char *file,
                      const char *provider, char *sub, size_t sub_size,
                      web_buf_t *why, bl_err_t *err)
{
    if (lseek(u->fd, 0, SEEK_SET) < 0) {
        return bl_err_set(err, -errno, "spool: %s", strerror(errno));
    }
    s_send_t s;
    memset(&s, 0, sizeof s);
    s.b = b;
    s.file = file;
    s.provider = provider;
    bl_mpw_init(&s.batch);
    bl_mpw_init(&s.req);
    bl_csv_t *csv;
    int rc = bl_csv_open_fd(&csv, u->fd, file, err);
    if (rc != 0) {
        goto done_mpw;
    }
    bl_csv_record_t rec;
    rc = bl_csv_next(csv, &rec, err);
    if (rc == 0) {
        web_buf_puts(why, "<li>1: the file is empty: a header row is "
                          "needed</li>");
        rc = 1;
        goto done;
    }
    if (rc < 0) {
        goto done;
    }
    rc = s_begin(&s, &rec, bl_csv_delimiter(csv), why, err);
    if (rc != 0) {
        goto done;
    }
    for (;;) {
        int n = bl_csv_next(csv, &rec, err);
        if (n < 0) {
            rc = n;
            goto done;
        }
        if (n == 0) {
            break;
        }
        s_add_row(&s, &rec);
        if (s.batch_rows >= S_BATCH_ROWS ||
            bl_mpw_size(&s.batch) >= S_BATCH_BYTES) {
            rc = s_send_batch(&s, err);
            if (rc != 0) {
                goto done;
            }
        }
    }
    rc = s_end(&s, err);
    if (rc == 0) {
        snprintf(sub, sub_size, "%s", s.sub);
    }
done:
    if (rc < 0) {
        /* Replies may still be on their way: start afresh next time. */
        web_backend_reset(b, BL_STAGE_INGEST);
    }
    bl_csv_close(&csv);
done_mpw:
    bl_mpw_destroy(&s.batch);
    bl_mpw_destroy(&s.req);
    return rc;
}
