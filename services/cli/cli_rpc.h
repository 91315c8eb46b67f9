/*
 * cli_rpc: request/reply with a daemon, for the `benchlearn` command.
 *
 * One DEALER socket per daemon endpoint.  Requests are envelopes of type
 * "request" whose payload is a map with "cmd"; the reply payload is a map
 * with "ok" (and "error" when not ok).  Several requests may be in flight
 * on one connection; replies come back in order.  A reply is copied out of
 * the socket, so it lives until cli_rpc_reply_free.
 */
#ifndef CLI_RPC_H
#define CLI_RPC_H

#include <stdbool.h>
#include <stddef.h>

#include "bl_config.h"
#include "bl_error.h"
#include "bl_mp.h"
#include "bl_msg.h"

typedef struct cli_rpc cli_rpc_t;

/* A reply: its bytes and the decoded envelope (payload points into data). */
typedef struct cli_reply {
    void *data;
    size_t len;
    bl_msg_t msg;
} cli_reply_t;

/* Connects to endpoint; cfg gives the catalogue name and version. */
int cli_rpc_open(cli_rpc_t **out, void *zctx, const bl_config_t *cfg,
                 const char *endpoint, bl_err_t *err);
void cli_rpc_close(cli_rpc_t **rpc);

/* Sends a request whose payload (one map) is in w; waits at most
 * timeout_ms for the socket to take it. */
int cli_rpc_send(cli_rpc_t *rpc, const bl_mpw_t *payload, int timeout_ms,
                 bl_err_t *err);

/* Waits at most timeout_ms for the next reply. */
int cli_rpc_recv(cli_rpc_t *rpc, cli_reply_t *reply, int timeout_ms,
                 bl_err_t *err);

/* send + recv.  Returns 0 with the reply even when it says ok: false. */
int cli_rpc_call(cli_rpc_t *rpc, const bl_mpw_t *payload, cli_reply_t *reply,
                 int timeout_ms, bl_err_t *err);

void cli_reply_free(cli_reply_t *reply);

/* True when the reply's "ok" is true; otherwise copies its "error" into
 * buf (when buf is not NULL). */
bool cli_reply_ok(const cli_reply_t *reply, char *buf, size_t size);

/* Starts a request payload {"cmd": cmd, ...}: a map of n_args + 1 pairs
 * with the cmd pair written. */
void cli_request(bl_mpw_t *w, const char *cmd, uint32_t n_args);

/* The health of one daemon: 0 and fields filled, or an error code. */
typedef struct cli_health {
    int pid;
    unsigned long long in, out, pending, refused, store_used;
    char extra_names[6][32];         /* stage-specific figures */
    char extra_values[6][160];       /* their values, as text */
    size_t n_extra;
} cli_health_t;

int cli_rpc_health(void *zctx, const bl_config_t *cfg, const char *endpoint,
                   int timeout_ms, cli_health_t *h);

#endif
