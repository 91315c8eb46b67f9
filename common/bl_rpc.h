/*
 * bl_rpc: request/reply with a daemon, for the `benchlearn` command and for
 * daemons that ask another stage (the report daemon asks validation).
 *
 * One DEALER socket per daemon endpoint.  Requests are envelopes of type
 * "request" whose payload is a map with "cmd"; the reply payload is a map
 * with "ok" (and "error" when not ok).  Several requests may be in flight
 * on one connection; replies come back in order.  A reply is copied out of
 * the socket, so it lives until bl_reply_free.
 *
 * A socket monitor watches the connection: when it drops while requests
 * are in flight (the daemon stopped or was replaced, as `scale` does),
 * their replies will never come, and bl_rpc_recv fails at once with
 * BL_EGONE instead of waiting out its timeout.  A reply not read before
 * the connection dropped may be lost with it (with ZMQ_IMMEDIATE the pipe
 * goes with the connection): BL_EGONE then too.  Each request lost with
 * the connection gets BL_EGONE once.  A drop with nothing in flight loses
 * nothing.  After a drop the next request goes out on a fresh socket, to
 * whoever listens next (the old socket may still hold the dropped pipe).
 */
#ifndef BL_RPC_H
#define BL_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "bl_config.h"
#include "bl_error.h"
#include "bl_mp.h"
#include "bl_msg.h"

typedef struct bl_rpc bl_rpc_t;

/* A reply: its bytes and the decoded envelope (payload points into data). */
typedef struct bl_reply {
    void *data;
    size_t len;
    bl_msg_t msg;
} bl_reply_t;

/* Connects to endpoint; cfg gives the catalogue name and version. */
int bl_rpc_open(bl_rpc_t **out, void *zctx, const bl_config_t *cfg,
                 const char *endpoint, bl_err_t *err);
void bl_rpc_close(bl_rpc_t **rpc);

/* Sends a request whose payload (one map) is in w; waits at most
 * timeout_ms for the socket to take it. */
int bl_rpc_send(bl_rpc_t *rpc, const bl_mpw_t *payload, int timeout_ms,
                 bl_err_t *err);

/* Waits at most timeout_ms for the next reply: BL_ETIMEOUT when none
 * came, BL_EGONE when the connection dropped with the request in flight. */
int bl_rpc_recv(bl_rpc_t *rpc, bl_reply_t *reply, int timeout_ms,
                 bl_err_t *err);

/* send + recv.  Returns 0 with the reply even when it says ok: false. */
int bl_rpc_call(bl_rpc_t *rpc, const bl_mpw_t *payload, bl_reply_t *reply,
                 int timeout_ms, bl_err_t *err);

void bl_reply_free(bl_reply_t *reply);

/* True when the reply's "ok" is true; otherwise copies its "error" into
 * buf (when buf is not NULL). */
bool bl_reply_ok(const bl_reply_t *reply, char *buf, size_t size);

/* Starts a request payload {"cmd": cmd, ...}: a map of n_args + 1 pairs
 * with the cmd pair written. */
void bl_rpc_request(bl_mpw_t *w, const char *cmd, uint32_t n_args);


#endif
