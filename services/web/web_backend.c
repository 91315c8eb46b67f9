/*
 * web_backend: requests to the other daemons (see web_backend.h).
 */
#include "web_backend.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_daemon.h"
#include "bl_outbox.h"
#include "bl_outcomes_client.h"

#define S_TIMEOUT_MS 60000  /* uploads and close: the node persists first */
#define S_VIEW_MS 10000     /* a page's reads: no view waits longer */

struct web_backend {
    void *zctx;
    const bl_config_t *cfg;
    /* [stage][worker - 1]: open connections, NULL until first use */
    bl_rpc_t *rpc[BL_STAGE_COUNT][BL_OUTBOX_LANES_MAX];
};

int web_backend_new(web_backend_t **out, void *zctx, const bl_config_t *cfg,
                    bl_err_t *err)
{
    web_backend_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    b->zctx = zctx;
    b->cfg = cfg;
    *out = b;
    return 0;
}

void web_backend_destroy(web_backend_t **b)
{
    if (b == NULL || *b == NULL) {
        return;
    }
    for (int s = 0; s < BL_STAGE_COUNT; s++) {
        for (int k = 0; k < BL_OUTBOX_LANES_MAX; k++) {
            bl_rpc_close(&(*b)->rpc[s][k]);
        }
    }
    free(*b);
    *b = NULL;
}

static int s_rpc(web_backend_t *b, bl_stage_t stage, int k, bl_rpc_t **out,
                 bl_err_t *err)
{
    if (k < 1 || k > BL_OUTBOX_LANES_MAX) {
        return bl_err_set(err, BL_EINVAL, "no worker %d", k);
    }
    bl_rpc_t **slot = &b->rpc[stage][k - 1];
    if (*slot == NULL) {
        char ep[512];
        bl_daemon_endpoint(b->cfg, stage, k, ep, sizeof ep);
        int rc = bl_rpc_open(slot, b->zctx, b->cfg, ep, err);
        if (rc != 0) {
            return rc;
        }
    }
    *out = *slot;
    return 0;
}

void web_backend_reset(web_backend_t *b, bl_stage_t stage)
{
    for (int k = 0; k < BL_OUTBOX_LANES_MAX; k++) {
        bl_rpc_close(&b->rpc[stage][k]);
    }
}

int web_backend_call(web_backend_t *b, bl_stage_t stage, int k,
                     const bl_mpw_t *w, bl_reply_t *reply, int timeout_ms,
                     bl_err_t *err)
{
    bl_rpc_t *rpc = NULL;
    int rc = s_rpc(b, stage, k, &rpc, err);
    if (rc == 0) {
        rc = bl_rpc_call(rpc, w, reply, timeout_ms, err);
    }
    if (rc != 0) {
        bl_rpc_close(&b->rpc[stage][k - 1]);
        bl_err_prefix(err, "%s", bl_stage_name(stage));
    }
    return rc;
}

/* A read for a page: when the worker went away before it answered (one
 * that `scale` replaced), the one listening next is asked once more. */
static int s_view(web_backend_t *b, bl_stage_t stage, int k,
                  const bl_mpw_t *w, bl_reply_t *reply, bl_err_t *err)
{
    int rc = web_backend_call(b, stage, k, w, reply, S_VIEW_MS, err);
    if (rc == BL_EGONE) {
        bl_err_clear(err);
        rc = web_backend_call(b, stage, k, w, reply, S_VIEW_MS, err);
    }
    return rc;
}

int web_backend_rpc(web_backend_t *b, bl_stage_t stage, int k,
                    bl_rpc_t **rpc, bl_err_t *err)
{
    return s_rpc(b, stage, k, rpc, err);
}

static int s_ask_validation(void *ctx, int k, const bl_mpw_t *w,
                            bl_reply_t *reply, bl_err_t *err)
{
    return s_view(ctx, BL_STAGE_VALIDATE, k, w, reply, err);
}

int web_backend_sub_status(web_backend_t *b, const char *sub,
                           web_counts_t *out, bl_err_t *err)
{
    return bl_sub_status_all(sub, b->cfg->workers[BL_STAGE_VALIDATE],
                             s_ask_validation, b, out, err);
}

/* Passes each problem of a row on (bl_outcome_row_fn). */
typedef struct s_problems {
    void (*fn)(void *ctx, const web_problem_t *p);
    void *ctx;
} s_problems_t;

static int s_row_problems(void *ctx, const bl_outcome_row_t *row)
{
    s_problems_t *ps = ctx;
    bl_mpr_t r = row->problems;
    for (uint32_t j = 0; j < row->n_problems; j++) {
        web_problem_t p = {.line = row->line};
        if (bl_outcome_problem(&r, &p.error, &p.field, &p.fl, &p.why,
                               &p.wl) != 0) {
            break;
        }
        ps->fn(ps->ctx, &p);
    }
    return 0;
}

int web_backend_outcomes(web_backend_t *b, const char *sub, uint64_t max,
                         void (*fn)(void *ctx, const web_problem_t *p),
                         void *ctx, bool *more, bl_err_t *err)
{
    s_problems_t ps = {fn, ctx};
    uint32_t page = max > 0 && max < 1000 ? (uint32_t)max : 1000;
    return bl_outcomes_each(sub, b->cfg->workers[BL_STAGE_VALIDATE], true,
                            page, max, s_ask_validation, b, s_row_problems,
                            &ps, more, err);
}

/* Appends a rejected header's reason to the text (bl_sub_error_fn). */
typedef struct s_why {
    char *buf;
    size_t size, at;
} s_why_t;

static void s_add_why(void *ctx, uint64_t line, const char *message)
{
    (void)line;   /* (always line 1: the header) */
    s_why_t *w = ctx;
    if (w->at + 1 >= w->size) {
        return;
    }
    int n = snprintf(w->buf + w->at, w->size - w->at, "%s\n", message);
    if (n > 0) {
        w->at += (size_t)n < w->size - w->at ? (size_t)n
                                              : w->size - w->at - 1;
    }
}

int web_backend_sub_info(web_backend_t *b, const char *sub, char *file,
                         size_t fsize, char *state, size_t ssize,
                         char *why, size_t wsize, bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "sub_info", 1);
    bl_mpw_str(&w, "sub");
    bl_mpw_str(&w, sub);
    bl_reply_t reply;
    int rc = s_view(b, BL_STAGE_INGEST, 1, &w, &reply, err);
    bl_mpw_destroy(&w);
    if (rc != 0) {
        return rc;
    }
    if (!bl_reply_ok(&reply, err ? err->msg : NULL, err ? sizeof err->msg
                                                         : 0)) {
        bl_reply_free(&reply);
        return BL_ENOTFOUND;
    }
    file[0] = state[0] = '\0';
    bl_req_str(&reply.msg, "file", file, fsize);
    bl_req_str(&reply.msg, "state", state, ssize);
    if (why != NULL && wsize > 0) {
        why[0] = '\0';
        s_why_t wy = {why, wsize, 0};
        bl_sub_errors_each(&reply.msg, s_add_why, &wy);
    }
    bl_reply_free(&reply);
    return 0;
}

int web_backend_rejected(web_backend_t *b, int64_t period,
                         void (*fn)(void *ctx, const char *provider,
                                    uint64_t n),
                         void *ctx, bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    int rc = 0;
    for (int k = 1; k <= b->cfg->workers[BL_STAGE_VALIDATE] && rc == 0;
         k++) {
        char after[512] = "";
        bool more = true;
        while (more && rc == 0) {
            bl_mpw_reset(&w);
            bl_rpc_request(&w, "rejected", 3);
            bl_mpw_str(&w, "period");
            bl_mpw_int(&w, period);
            bl_mpw_str(&w, "after");
            bl_mpw_str(&w, after);
            bl_mpw_str(&w, "limit");
            bl_mpw_uint(&w, 1000);
            bl_reply_t reply;
            rc = s_view(b, BL_STAGE_VALIDATE, k, &w, &reply, err);
            if (rc != 0) {
                break;
            }
            more = false;
            bl_mpr_t r;
            uint32_t n;
            if (bl_req_find(&reply.msg, "rows", &r) == 0 &&
                bl_mpr_array(&r, &n) == 0) {
                for (uint32_t i = 0; i < n; i++) {
                    uint32_t three;
                    char p[32], prov[64];
                    uint64_t count;
                    if (bl_mpr_array(&r, &three) || three != 3 ||
                        bl_mpr_str_copy(&r, p, sizeof p) ||
                        bl_mpr_str_copy(&r, prov, sizeof prov) ||
                        bl_mpr_uint(&r, &count)) {
                        break;
                    }
                    fn(ctx, prov, count);
                }
            }
            if (bl_req_find(&reply.msg, "next", &r) == 0 && !bl_mpr_nil(&r)) {
                more = bl_mpr_str_copy(&r, after, sizeof after) == 0 &&
                       after[0] != '\0';
            }
            bl_reply_free(&reply);
        }
    }
    bl_mpw_destroy(&w);
    return rc;
}

int web_backend_completeness(web_backend_t *b, int64_t period,
                             void (*fn)(void *ctx, const char *provider,
                                        uint64_t sent, uint64_t total),
                             void *ctx, bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "completeness", 1);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    int rc = 0;
    for (int k = 1; k <= b->cfg->workers[BL_STAGE_VALIDATE] && rc == 0;
         k++) {
        bl_reply_t reply;
        rc = s_view(b, BL_STAGE_VALIDATE, k, &w, &reply, err);
        if (rc != 0) {
            break;
        }
        char why[256];
        if (!bl_reply_ok(&reply, why, sizeof why)) {
            bl_reply_free(&reply);
            rc = bl_err_set(err, BL_EPROTO, "validation %d: %s", k, why);
            break;
        }
        bl_mpr_t r;
        uint32_t n;
        int64_t total = 0;
        bl_req_int(&reply.msg, "total", &total);
        if (bl_req_find(&reply.msg, "providers", &r) == 0 &&
            bl_mpr_array(&r, &n) == 0) {
            for (uint32_t i = 0; i < n; i++) {
                uint32_t two;
                char prov[64];
                uint64_t sent;
                if (bl_mpr_array(&r, &two) || two != 2 ||
                    bl_mpr_str_copy(&r, prov, sizeof prov) ||
                    bl_mpr_uint(&r, &sent)) {
                    break;
                }
                fn(ctx, prov, sent, total > 0 ? (uint64_t)total : 0);
            }
        }
        bl_reply_free(&reply);
    }
    bl_mpw_destroy(&w);
    return rc;
}

int web_backend_rendered(web_backend_t *b, int64_t period, uint64_t *gen,
                         bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "period_state", 1);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    bl_reply_t reply;
    int rc = s_view(b, BL_STAGE_REPORT, 1, &w, &reply, err);
    bl_mpw_destroy(&w);
    if (rc != 0) {
        return rc;
    }
    int64_t g = 0;
    bl_req_int(&reply.msg, "generation", &g);
    *gen = g > 0 ? (uint64_t)g : 0;
    bl_reply_free(&reply);
    return 0;
}

/* Sends request w (destroyed here) to the first worker of stage, as a
 * page's read (view) or a change: 0 when the answer says ok, BL_EREFUSED
 * with its reason when it says no. */
static int s_call_ok(web_backend_t *b, bl_stage_t stage, bl_mpw_t *w,
                     bool view, bl_err_t *err)
{
    bl_reply_t reply;
    int rc = view ? s_view(b, stage, 1, w, &reply, err)
                  : web_backend_call(b, stage, 1, w, &reply, S_TIMEOUT_MS,
                                     err);
    bl_mpw_destroy(w);
    if (rc != 0) {
        return rc;
    }
    char why[BL_ERR_MSG_MAX];
    if (!bl_reply_ok(&reply, why, sizeof why)) {
        rc = bl_err_set(err, BL_EREFUSED, "%s", why);
    }
    bl_reply_free(&reply);
    return rc;
}

int web_backend_render_pdf(web_backend_t *b, int64_t period,
                           const char *provider, bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "render", 3);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    bl_mpw_str(&w, "provider");
    bl_mpw_str(&w, provider);
    bl_mpw_str(&w, "format");
    bl_mpw_str(&w, "pdf");
    return s_call_ok(b, BL_STAGE_REPORT, &w, true, err);
}

int web_backend_close(web_backend_t *b, int64_t period, bl_err_t *err)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "close", 2);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    bl_mpw_str(&w, "reopen");
    bl_mpw_bool(&w, false);
    return s_call_ok(b, BL_STAGE_INGEST, &w, false, err);
}
