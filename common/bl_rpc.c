/*
 * bl_rpc: the asking side of requests to daemons (see bl_rpc.h), with a
 * monitor of its connection so that a daemon gone with a request in
 * flight fails the wait at once.
 */
#include "bl_rpc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_net.h"

struct bl_rpc {
    void *zctx;
    void *sock;
    void *mon;                 /* PAIR: the socket monitor's events */
    size_t in_flight;          /* requests sent and not yet answered */
    bool gone;                 /* the connection dropped with some */
    bl_msg_t tmpl;
    char endpoint[512];
    bl_mpw_t w;
};

/* Opens the socket to rpc->endpoint and its monitor (after a drop, a
 * fresh socket: the old one may still hold the dropped connection's pipe
 * for a moment, and a request put there would be lost with it). */
static int s_connect(bl_rpc_t *rpc, bl_err_t *err)
{
    bl_net_close(&rpc->sock);   /* (ends its monitor) */
    bl_net_close(&rpc->mon);
    rpc->in_flight = 0;
    rpc->gone = false;
    int rc = bl_net_dealer(&rpc->sock, rpc->zctx, rpc->endpoint, NULL, err);
    if (rc != 0) {
        return rc;
    }
    /* One inproc address per monitor in the process. */
    static atomic_uint_fast64_t s_monitors;
    char mon[64];
    snprintf(mon, sizeof mon, "inproc://bl-rpc-monitor-%" PRIuFAST64,
             atomic_fetch_add(&s_monitors, 1));
    if (zmq_socket_monitor(rpc->sock, mon, ZMQ_EVENT_DISCONNECTED) != 0 ||
        (rpc->mon = zmq_socket(rpc->zctx, ZMQ_PAIR)) == NULL ||
        zmq_connect(rpc->mon, mon) != 0) {
        rc = bl_err_set(err, BL_EZMQ, "cannot watch the connection to %s: "
                        "%s", rpc->endpoint, zmq_strerror(zmq_errno()));
        bl_net_close(&rpc->mon);
        bl_net_close(&rpc->sock);
    }
    return rc;
}

int bl_rpc_open(bl_rpc_t **out, void *zctx, const bl_config_t *cfg,
                 const char *endpoint, bl_err_t *err)
{
    *out = NULL;
    bl_rpc_t *rpc = calloc(1, sizeof *rpc);
    if (rpc == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    rpc->zctx = zctx;
    snprintf(rpc->endpoint, sizeof rpc->endpoint, "%s", endpoint);
    int rc = s_connect(rpc, err);
    if (rc != 0) {
        free(rpc);
        return rc;
    }
    snprintf(rpc->tmpl.sender, sizeof rpc->tmpl.sender, "rpc.%d",
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

void bl_rpc_close(bl_rpc_t **rpc)
{
    if (rpc == NULL || *rpc == NULL) {
        return;
    }
    bl_net_close(&(*rpc)->sock);   /* (ends its monitor) */
    bl_net_close(&(*rpc)->mon);
    bl_mpw_destroy(&(*rpc)->w);
    free(*rpc);
    *rpc = NULL;
}

/* Reads the monitor's pending events; one that says the connection
 * dropped marks the requests in flight lost (rpc->gone).  An event is two
 * frames (event number and value, then the address). */
static void s_note_drop(bl_rpc_t *rpc)
{
    for (;;) {
        zmq_msg_t m;
        zmq_msg_init(&m);
        if (zmq_msg_recv(&m, rpc->mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m);
            return;
        }
        uint16_t ev = 0;
        if (zmq_msg_size(&m) >= sizeof ev) {
            memcpy(&ev, zmq_msg_data(&m), sizeof ev);
        }
        rpc->gone = rpc->gone || ev == ZMQ_EVENT_DISCONNECTED;
        while (zmq_msg_more(&m)) {
            zmq_msg_close(&m);
            zmq_msg_init(&m);
            if (zmq_msg_recv(&m, rpc->mon, 0) < 0) {
                break;
            }
        }
        zmq_msg_close(&m);
    }
}

int bl_rpc_send(bl_rpc_t *rpc, const bl_mpw_t *payload, int timeout_ms,
                 bl_err_t *err)
{
    if (rpc->sock != NULL) {
        s_note_drop(rpc);
    }
    if (rpc->sock == NULL || (rpc->gone && rpc->in_flight == 0)) {
        int rc = s_connect(rpc, err);   /* nothing was lost: start afresh */
        if (rc != 0) {
            return rc;
        }
    }
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
            rpc->in_flight += rc == 0;
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

int bl_rpc_recv(bl_rpc_t *rpc, bl_reply_t *reply, int timeout_ms,
                 bl_err_t *err)
{
    memset(reply, 0, sizeof *reply);
    if (rpc->sock == NULL) {
        return bl_err_set(err, BL_EZMQ, "no connection to %s", rpc->endpoint);
    }
    zmq_pollitem_t it[2] = {{rpc->sock, 0, ZMQ_POLLIN, 0},
                            {rpc->mon, 0, ZMQ_POLLIN, 0}};
    long long deadline = bl_net_now_ms() + timeout_ms;
    for (;;) {
        long long left = deadline - bl_net_now_ms();
        /* a reply already here goes first */
        int rc = zmq_poll(it, 1, 0);
        if (rc == 0 && rpc->gone && rpc->in_flight > 0) {
            /* each request lost with the connection is told so once; the
             * next request goes out on a fresh socket (bl_rpc_send) */
            rpc->in_flight--;
            return bl_err_set(err, BL_EGONE, "%s went away before it "
                              "answered", rpc->endpoint);
        }
        if (rc == 0 && left <= 0) {
            return bl_err_set(err, BL_ETIMEOUT,
                              "no answer from %s within %d s", rpc->endpoint,
                              timeout_ms / 1000);
        }
        if (rc == 0) {
            rc = zmq_poll(it, 2, (long)left);
        }
        if (rc < 0 && zmq_errno() != EINTR) {
            return bl_err_set(err, BL_EZMQ, "poll: %s",
                              zmq_strerror(zmq_errno()));
        }
        if (rc > 0 && (it[0].revents & ZMQ_POLLIN)) {
            break;
        }
        if (rc > 0) {
            s_note_drop(rpc);   /* and look for a reply again */
        }
    }
    if (rpc->in_flight > 0) {
        rpc->in_flight--;
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
        bl_reply_free(reply);
        return rc;
    }
    return 0;
}

int bl_rpc_call(bl_rpc_t *rpc, const bl_mpw_t *payload, bl_reply_t *reply,
                 int timeout_ms, bl_err_t *err)
{
    int rc = bl_rpc_send(rpc, payload, timeout_ms, err);
    if (rc != 0) {
        return rc;
    }
    return bl_rpc_recv(rpc, reply, timeout_ms, err);
}

void bl_reply_free(bl_reply_t *reply)
{
    free(reply->data);
    memset(reply, 0, sizeof *reply);
}

bool bl_reply_ok(const bl_reply_t *reply, char *buf, size_t size)
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

void bl_rpc_request(bl_mpw_t *w, const char *cmd, uint32_t n_args)
{
    bl_mpw_map(w, n_args + 1);
    bl_mpw_str(w, "cmd");
    bl_mpw_str(w, cmd);
}

