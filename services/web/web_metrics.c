/*
 * web_metrics: GET /metrics in the Prometheus text format — every daemon's
 * health figures (what `benchlearn status` shows: counters, queue depth,
 * store size, the stage's own counts) and the portal's own.  Served to
 * 127.0.0.1 / ::1, or to a client with `Authorization: Bearer <token>`
 * when web.metrics_token names a token file.
 */
#include "web_routes.h"

#include <inttypes.h>
#include <microhttpd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bl_daemon.h"

#define S_HEALTH_MS 2000

/* A metric name from a health key: bl_<key> with [a-z0-9_] only. */
static void s_name(const char *k, uint32_t kl, char *out, size_t size)
{
    size_t n = (size_t)snprintf(out, size, "bl_");
    for (uint32_t i = 0; i < kl && n + 1 < size; i++) {
        char ch = k[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9');
        if (ch >= 'A' && ch <= 'Z') {
            ch = (char)(ch - 'A' + 'a');
            ok = true;
        }
        out[n++] = ok ? ch : '_';
    }
    out[n] = '\0';
}

/* Writes one daemon's numeric health fields; false when it is down. */
static bool s_daemon(web_t *w, web_buf_t *b, bl_stage_t s, int k)
{
    char name[64];
    bl_daemon_worker_name(w->cfg, s, k, name, sizeof name);
    bl_mpw_t req;
    bl_mpw_init(&req);
    bl_rpc_request(&req, "health", 0);
    bl_reply_t reply;
    bl_err_t err = {0};
    int rc = web_backend_call(w->backend, s, k, &req, &reply, S_HEALTH_MS,
                              &err);
    bl_mpw_destroy(&req);
    web_buf_printf(b, "bl_up{daemon=\"%s\"} %d\n", name, rc == 0);
    if (rc != 0) {
        return false;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, reply.msg.payload, reply.msg.payload_len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) == 0) {
        for (uint32_t i = 0; i < n; i++) {
            const char *key;
            uint32_t kl;
            uint64_t v;
            if (bl_mpr_str(&r, &key, &kl) != 0) {
                break;
            }
            bl_mpr_t at = r;
            if (bl_mpr_uint(&r, &v) != 0) {
                r = at;
                if (bl_mpr_skip(&r) != 0) {
                    break;
                }
                continue;
            }
            if (bl_mp_str_eq(key, kl, "pid")) {
                continue;
            }
            char metric[80];
            s_name(key, kl, metric, sizeof metric);
            web_buf_printf(b, "%s{daemon=\"%s\"} %" PRIu64 "\n", metric,
                           name, v);
        }
    }
    bl_reply_free(&reply);
    return true;
}

static bool s_allowed(const web_t *w, const web_req_t *rq)
{
    if (rq->loopback) {
        return true;
    }
    const char *auth = web_req_header(rq, "Authorization");
    size_t tl = strlen(w->metrics_token);
    if (tl == 0 || auth == NULL || strncmp(auth, "Bearer ", 7) != 0 ||
        strlen(auth + 7) != tl) {
        return false;
    }
    return sodium_memcmp(auth + 7, w->metrics_token, tl) == 0;
}

void web_metrics(web_t *w, web_req_t *rq, web_resp_t *rs)
{
    if (!s_allowed(w, rq)) {
        rs->type = "text/plain; charset=utf-8";
        rs->status = MHD_HTTP_FORBIDDEN;
        web_buf_puts(&rs->body, "metrics: only from 127.0.0.1 or with "
                                "Authorization: Bearer <metrics_token>\n");
        return;
    }
    web_buf_t *b = &rs->body;
    rs->type = "text/plain; version=0.0.4; charset=utf-8";
    web_buf_puts(b, "# HELP bl_up 1 when the daemon answers its health "
                    "request\n# TYPE bl_up gauge\n");
    for (int s = 0; s < BL_STAGE_COUNT; s++) {
        for (int k = 1; k <= w->cfg->workers[s]; k++) {
            s_daemon(w, b, (bl_stage_t)s, k);
        }
    }
    static const char *const classes[WEB_STATUS_SLOTS] = {
        "2xx", "3xx", "4xx", "403", "413", "5xx"};
    web_buf_puts(b, "# TYPE bl_web_requests_total counter\n");
    for (int i = 0; i < WEB_STATUS_SLOTS; i++) {
        web_buf_printf(b, "bl_web_requests_total{status=\"%s\"} %" PRIu64
                       "\n", classes[i], w->by_status[i]);
    }
    web_buf_printf(b, "# TYPE bl_web_uploads_total counter\n"
                   "bl_web_uploads_total %" PRIu64 "\n"
                   "# TYPE bl_web_upload_bytes_total counter\n"
                   "bl_web_upload_bytes_total %" PRIu64 "\n"
                   "# TYPE bl_web_refused_logins_total counter\n"
                   "bl_web_refused_logins_total %" PRIu64 "\n",
                   w->uploads, w->upload_bytes, w->refused_logins);
}
