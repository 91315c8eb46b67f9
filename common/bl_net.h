/*
 * bl_net: ZeroMQ socket set-up shared by the daemons and the CLI.
 *
 * Every socket made here has a finite linger (so zmq_ctx_term never hangs),
 * a bounded maximum message size (so a peer cannot make us allocate without
 * limit), and, for ROUTER sockets, ZMQ_ROUTER_MANDATORY (so a reply to a
 * vanished peer fails loudly instead of being dropped).  Durability never
 * rests on a socket: see bl_outbox and bl_inbox.
 */
#ifndef BL_NET_H
#define BL_NET_H

#include <stddef.h>

#include "bl_error.h"

/* Security and liveness of a link between nodes; NULL for links within a
 * node.  Keys are Z85 text (40 characters). */
typedef struct bl_net_link {
    const char *secret_key;   /* this side's secret key */
    const char *public_key;   /* this side's public key (client side) */
    const char *server_key;   /* the server's public key (client side) */
    int heartbeat_ms;         /* heartbeat interval; 0 = off */
} bl_net_link_t;

/* The ZAP domain of CURVE servers; bl_zap answers for it. */
#define BL_NET_ZAP_DOMAIN "benchlearn"

/* A bound ROUTER socket (a stage's inbox).  With link, a CURVE server
 * (the ZAP handler must be bound first: see bl_zap.h). */
int bl_net_router(void **out, void *ctx, const char *endpoint,
                  const bl_net_link_t *link, bl_err_t *err);

/* A DEALER socket connected to endpoint (an outbox, or the CLI).  With
 * link, a CURVE client of the server whose key it names. */
int bl_net_dealer(void **out, void *ctx, const char *endpoint,
                  const bl_net_link_t *link, bl_err_t *err);

/* Closes a socket with linger 0 and sets *sock to NULL; accepts NULL. */
void bl_net_close(void **sock);

/* For an ipc:// endpoint, creates the directory of its socket file (a
 * stale socket file left by a killed daemon is replaced by zmq_bind); a
 * no-op for other transports. */
int bl_net_prepare_ipc(const char *endpoint, bl_err_t *err);

/* Sends one frame (no routing id) without blocking: 0, BL_ETIMEOUT when it
 * would block, BL_EZMQ otherwise. */
int bl_net_send(void *sock, const void *data, size_t len, bl_err_t *err);

/* Sends [routing id][frame] on a ROUTER without blocking. */
int bl_net_send_to(void *sock, const void *rid, size_t rid_len,
                   const void *data, size_t len, bl_err_t *err);

/* Monotonic milliseconds. */
long long bl_net_now_ms(void);

#endif
