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
#include "bl_layout.h"

#define S_TIMEOUT_MS 60000   /* for each answer of ingestion */

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
    const char *provider;     /* "" = any */
    int provider_col;         /* -1 until the header names provider_id */
    web_buf_t *why;
} s_send_t;

static void s_header_problem(void *ctx, uint64_t line, const char *reason)
{
    s_send_t *s = ctx;
    web_buf_printf(s->why, "<li>%llu: ", (unsigned long long)line);
    web_buf_esc(s->why, reason);
    web_buf_puts(s->why, "</li>");
}

/* A provider's upload may carry only its own provider's rows. */
static const char *s_row_problem(void *ctx, const bl_csv_record_t *rec,
                                 char *buf, size_t size)
{
    s_send_t *s = ctx;
    if (s->provider[0] == '\0' || s->provider_col < 0 ||
        (size_t)s->provider_col >= rec->n_fields ||
        strcmp(rec->fields[s->provider_col], s->provider) == 0) {
        return NULL;
    }
    snprintf(buf, size, "provider_id: %.60s is not your provider (%s)",
             rec->fields[s->provider_col], s->provider);
    return buf;
}

/* The column of provider_id, from the header. */
static void s_header(void *ctx, const bl_csv_record_t *hdr)
{
    s_send_t *s = ctx;
    s->provider_col = bl_col_index((const char *const *)hdr->fields,
                                   hdr->n_fields, BL_COL_PROVIDER_ID);
}

int web_upload_submit(web_upload_t *u, web_backend_t *b, const char *file,
                      const char *provider, char *sub, size_t sub_size,
                      web_buf_t *why, bl_err_t *err)
{
    s_send_t s = {provider, -1, why};
    if (lseek(u->fd, 0, SEEK_SET) < 0) {
        return bl_err_set(err, -errno, "spool: %s", strerror(errno));
    }
    bl_rpc_t *rpc;
    int rc = web_backend_rpc(b, BL_STAGE_INGEST, 1, &rpc, err);
    if (rc != 0) {
        return rc;
    }
    bl_submit_req_t req = {rpc, u->fd, file, false, S_TIMEOUT_MS, 0};
    bl_submit_hooks_t hooks = {&s, s_header_problem, s_header, s_row_problem,
                             NULL, NULL};
    rc = bl_submit_csv(&req, &hooks, sub, sub_size, NULL, err);
    if (rc < 0) {
        /* Replies may still be on their way: start afresh next time. */
        web_backend_reset(b, BL_STAGE_INGEST);
        bl_err_prefix(err, "ingestion");
        return rc;
    }
    return rc == BL_SUBMIT_STORED ? 0 : 1;
}
