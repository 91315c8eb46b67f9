/*
 * cli_rpc: the CLI side of requests to daemons (see cli_rpc.h).
 */
#include "cli_rpc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_net.h"

struct cli_rpc {
    void *sock;
    bl_msg_t tmpl;
    char endpoint[512];
    bl_mpw_t w;
};

int cli_rpc_open(cli_rpc_t **out, void *zctx, const bl_config_t *cfg,
                 const char *endpoint, bl_err_t *err)
{
    *out = NULL;
    cli_rpc_t *rpc = calloc(1, sizeof *rpc);
    if (rpc == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    int rc = bl_net_dealer(&rpc->sock, zctx, endpoint, NULL, err);
    if (rc != 0) {
        free(rpc);
        return rc;
    }
    snprintf(rpc->endpoint, sizeof rpc->endpoint, "%s", endpoint);
    snprintf(rpc->tmpl.sender, sizeof rpc->tmpl.sender, "cli.%d",
             (int)getpid());
    snprintf(rpc->tmpl.origin, sizeof rpc->tmpl.origin, "%s", cfg->node);
    snprintf(rpc->tmpl.cat_name, sizeof rpc->tmpl.cat_name, "%s",
             cfg->catalogue->name);
    snprintf(rpc->tmpl.cat_version, sizeof rpc->tmpl.cat_version, "%s",
             cfg->catalogue->version);
    rpc->tmpl.type = BL_MSG_REQUEST;
    bl_mpw_init(&rpc->w);
    *out = rpc;
    return 0;
}

void cli_rpc_close(cli_rpc_t **rpc)
{
    if (rpc == NULL || *rpc == NULL) {
        return;
    }
    bl_net_close(&(*rpc)->sock);
    bl_mpw_destroy(&(*rpc)->w);
    free(*rpc);
    *rpc = NULL;
}

int cli_rpc_send(cli_rpc_t *rpc, const bl_mpw_t *payload, int timeout_ms,
                 bl_err_t *err)
{
    bl_msg_t m = rpc->tmpl;
    m.payload = bl_mpw_data(payload);
    m.payload_len = bl_mpw_size(payload);
    bl_mpw_reset(&rpc->w);
    int rc = bl_msg_encode(&rpc->w, &m);
    if (rc != 0) {
        return bl_err_set(err, rc, "cannot encode request: %s",
                          bl_strerror(rc));
    }
    long long deadline = bl_net_now_ms() + timeout_ms;
    for (;;) {
        rc = bl_net_send(rpc->sock, bl_mpw_data(&rpc->w),
                         bl_mpw_size(&rpc->w), err);
        if (rc != BL_ETIMEOUT) {
            return rc;
        }
        if (bl_net_now_ms() > deadline) {
            return bl_err_set(err, BL_ETIMEOUT, "no daemon answers at %s",
                              rpc->endpoint);
        }
        zmq_pollitem_t it = {rpc->sock, 0, ZMQ_POLLOUT, 0};
        zmq_poll(&it, 1, 50);
    }
}

int cli_rpc_recv(cli_rpc_t *rpc, cli_reply_t *reply, int timeout_ms,
                 bl_err_t *err)
{
    memset(reply, 0, sizeof *reply);
    zmq_pollitem_t it = {rpc->sock, 0, ZMQ_POLLIN, 0};
    long long deadline = bl_net_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - bl_net_now_ms();
        if (left <= 0) {
            return bl_err_set(err, BL_ETIMEOUT,
                              "no answer from %s within %d s", rpc->endpoint,
                              timeout_ms / 1000);
        }
        int rc = zmq_poll(&it, 1, (long)left);
        if (rc < 0 && zmq_errno() != EINTR) {
            return bl_err_set(err, BL_EZMQ, "poll: %s",
                              zmq_strerror(zmq_errno()));
        }
        if (rc > 0) {
            break;
        }
    }
    zmq_msg_t msg;
    zmq_msg_init(&msg);
    if (zmq_msg_recv(&msg, rpc->sock, 0) < 0) {
        zmq_msg_close(&msg);
        return bl_err_set(err, BL_EZMQ, "receive: %s",
                          zmq_strerror(zmq_errno()));
    }
    reply->len = zmq_msg_size(&msg);
    reply->data = malloc(reply->len ? reply->len : 1);
    if (reply->data == NULL) {
        zmq_msg_close(&msg);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    memcpy(reply->data, zmq_msg_data(&msg), reply->len);
    zmq_msg_close(&msg);
    int rc = bl_msg_decode(reply->data, reply->len, &reply->msg, err);
    if (rc != 0) {
        cli_reply_free(reply);
        return rc;
    }
    return 0;
}

int cli_rpc_call(cli_rpc_t *rpc, const bl_mpw_t *payload, cli_reply_t *reply,
                 int timeout_ms, bl_err_t *err)
{
    int rc = cli_rpc_send(rpc, payload, timeout_ms, err);
    if (rc != 0) {
        return rc;
    }
    return cli_rpc_recv(rpc, reply, timeout_ms, err);
}

void cli_reply_free(cli_reply_t *reply)
{
    free(reply->data);
    memset(reply, 0, sizeof *reply);
}

bool cli_reply_ok(const cli_reply_t *reply, char *buf, size_t size)
{
    bl_mpr_t r;
    bool ok = false;
    if (bl_req_find(&reply->msg, "ok", &r) == 0) {
        bl_mpr_bool(&r, &ok);
    }
    if (!ok && buf != NULL) {
        if (bl_req_str(&reply->msg, "error", buf, size) != 0) {
            snprintf(buf, size, "the daemon refused the request");
        }
    }
    return ok;
}

void cli_request(bl_mpw_t *w, const char *cmd, uint32_t n_args)
{
    bl_mpw_map(w, n_args + 1);
    bl_mpw_str(w, "cmd");
    bl_mpw_str(w, cmd);
}

int cli_rpc_health(void *zctx, const bl_config_t *cfg, const char *endpoint,
                   int timeout_ms, cli_health_t *h)
{
    memset(h, 0, sizeof *h);
    cli_rpc_t *rpc;
    bl_err_t err = {0};
    int rc = cli_rpc_open(&rpc, zctx, cfg, endpoint, &err);
    if (rc != 0) {
        return rc;
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    cli_request(&w, "health", 0);
    cli_reply_t reply;
    rc = cli_rpc_call(rpc, &w, &reply, timeout_ms, &err);
    bl_mpw_destroy(&w);
    cli_rpc_close(&rpc);
    if (rc != 0) {
        return rc;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, reply.msg.payload, reply.msg.payload_len);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        cli_reply_free(&reply);
        return BL_EPROTO;
    }
    for (uint32_t i = 0; i < n; i++) {
        const char *k;
        uint32_t kl;
        uint64_t v = 0;
        if (bl_mpr_str(&r, &k, &kl) != 0) {
            break;
        }
        bl_mpr_t at = r;
        const char *sv;
        uint32_t sl;
        if (bl_mpr_uint(&r, &v) != 0) {
            r = at;
            if (bl_mpr_str(&r, &sv, &sl) == 0 && h->n_extra < 6 &&
                !bl_mp_str_eq(k, kl, "daemon")) {
                snprintf(h->extra_names[h->n_extra], sizeof h->extra_names[0],
                         "%.*s", (int)kl, k);
                snprintf(h->extra_values[h->n_extra],
                         sizeof h->extra_values[0], "%.*s", (int)sl, sv);
                h->n_extra++;
            } else {
                r = at;
                bl_mpr_skip(&r);
            }
            continue;
        }
        if (bl_mp_str_eq(k, kl, "pid")) {
            h->pid = (int)v;
        } else if (bl_mp_str_eq(k, kl, "in")) {
            h->in = v;
        } else if (bl_mp_str_eq(k, kl, "out")) {
            h->out = v;
        } else if (bl_mp_str_eq(k, kl, "pending")) {
            h->pending = v;
        } else if (bl_mp_str_eq(k, kl, "refused")) {
            h->refused = v;
        } else if (bl_mp_str_eq(k, kl, "store_used")) {
            h->store_used = v;
        } else if (!bl_mp_str_eq(k, kl, "duplicates") &&
                   !bl_mp_str_eq(k, kl, "requests") && h->n_extra < 6) {
            snprintf(h->extra_names[h->n_extra], sizeof h->extra_names[0],
                     "%.*s", (int)kl, k);
            snprintf(h->extra_values[h->n_extra], sizeof h->extra_values[0],
                     "%llu", (unsigned long long)v);
            h->n_extra++;
        }
    }
    cli_reply_free(&reply);
    return 0;
}
