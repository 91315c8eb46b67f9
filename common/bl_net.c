/*
 * bl_net: ZeroMQ socket options we always want, and small send helpers.
 */
#include "bl_net.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_fs.h"
#include "bl_msg.h"

static int s_zmq_err(bl_err_t *err, const char *what, const char *endpoint)
{
    return bl_err_set(err, BL_EZMQ, "%s '%s': %s", what, endpoint,
                      zmq_strerror(zmq_errno()));
}

static int s_common_opts(void *sock)
{
    int linger = 0;
    int64_t maxmsg = BL_MSG_MAX;
    int hwm = 100000;
    if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) != 0 ||
        zmq_setsockopt(sock, ZMQ_SNDHWM, &hwm, sizeof hwm) != 0 ||
        zmq_setsockopt(sock, ZMQ_RCVHWM, &hwm, sizeof hwm) != 0) {
        return -1;
    }
    return 0;
}

int bl_net_prepare_ipc(const char *endpoint, bl_err_t *err)
{
    if (strncmp(endpoint, "ipc://", 6) != 0) {
        return 0;
    }
    int rc = bl_fs_mkdirs_parent(endpoint + 6, 0750);
    if (rc != 0) {
        return bl_err_set(err, rc, "cannot create the directory of '%s': %s",
                          endpoint, strerror(-rc));
    }
    return 0;
}

/* CURVE and heartbeats, set before bind or connect. */
static int s_link_opts(void *sock, const bl_net_link_t *link, int server)
{
    if (link == NULL) {
        return 0;
    }
    if (link->heartbeat_ms > 0) {
        int ivl = link->heartbeat_ms, timeout = link->heartbeat_ms * 5;
        if (zmq_setsockopt(sock, ZMQ_HEARTBEAT_IVL, &ivl, sizeof ivl) != 0 ||
            zmq_setsockopt(sock, ZMQ_HEARTBEAT_TIMEOUT, &timeout,
                           sizeof timeout) != 0 ||
            zmq_setsockopt(sock, ZMQ_HEARTBEAT_TTL, &timeout,
                           sizeof timeout) != 0) {
            return -1;
        }
    }
    if (server) {
        int one = 1;
        const char *domain = BL_NET_ZAP_DOMAIN;
        return zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
               zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, domain, strlen(domain)) ||
               zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, link->secret_key,
                              40);
    }
    return zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, link->server_key, 40) ||
           zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, link->public_key, 40) ||
           zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, link->secret_key, 40);
}

int bl_net_router(void **out, void *ctx, const char *endpoint,
                  const bl_net_link_t *link, bl_err_t *err)
{
    *out = NULL;
    int rc = bl_net_prepare_ipc(endpoint, err);
    if (rc != 0) {
        return rc;
    }
    void *sock = zmq_socket(ctx, ZMQ_ROUTER);
    if (sock == NULL) {
        return s_zmq_err(err, "cannot create socket for", endpoint);
    }
    int one = 1;
    if (s_common_opts(sock) != 0 ||
        zmq_setsockopt(sock, ZMQ_ROUTER_MANDATORY, &one, sizeof one) != 0 ||
        s_link_opts(sock, link, 1) != 0) {
        s_zmq_err(err, "cannot set options on", endpoint);
        zmq_close(sock);
        return BL_EZMQ;
    }
    if (zmq_bind(sock, endpoint) != 0) {
        s_zmq_err(err, "cannot bind", endpoint);
        zmq_close(sock);
        return BL_EZMQ;
    }
    *out = sock;
    return 0;
}

int bl_net_dealer(void **out, void *ctx, const char *endpoint,
                  const bl_net_link_t *link, bl_err_t *err)
{
    *out = NULL;
    void *sock = zmq_socket(ctx, ZMQ_DEALER);
    if (sock == NULL) {
        return s_zmq_err(err, "cannot create socket for", endpoint);
    }
    /* A peer not listening yet (a daemon just started) is tried again
     * after 10 ms, then 20, 40, 80 and every 100 ms. */
    int one = 1;
    int ivl = 10, ivl_max = 100;
    if (s_common_opts(sock) != 0 ||
        zmq_setsockopt(sock, ZMQ_IMMEDIATE, &one, sizeof one) != 0 ||
        zmq_setsockopt(sock, ZMQ_RECONNECT_IVL, &ivl, sizeof ivl) != 0 ||
        zmq_setsockopt(sock, ZMQ_RECONNECT_IVL_MAX, &ivl_max,
                       sizeof ivl_max) != 0 ||
        s_link_opts(sock, link, 0) != 0) {
        s_zmq_err(err, "cannot set options on", endpoint);
        zmq_close(sock);
        return BL_EZMQ;
    }
    if (zmq_connect(sock, endpoint) != 0) {
        s_zmq_err(err, "cannot connect to", endpoint);
        zmq_close(sock);
        return BL_EZMQ;
    }
    *out = sock;
    return 0;
}

void bl_net_close(void **sock)
{
    if (sock == NULL || *sock == NULL) {
        return;
    }
    int linger = 0;
    (void)zmq_setsockopt(*sock, ZMQ_LINGER, &linger, sizeof linger);
    (void)zmq_close(*sock);
    *sock = NULL;
}

int bl_net_send(void *sock, const void *data, size_t len, bl_err_t *err)
{
    if (zmq_send(sock, data, len, ZMQ_DONTWAIT) < 0) {
        if (zmq_errno() == EAGAIN) {
            return BL_ETIMEOUT;
        }
        return bl_err_set(err, BL_EZMQ, "send: %s",
                          zmq_strerror(zmq_errno()));
    }
    return 0;
}

int bl_net_send_to(void *sock, const void *rid, size_t rid_len,
                   const void *data, size_t len, bl_err_t *err)
{
    if (zmq_send(sock, rid, rid_len, ZMQ_DONTWAIT | ZMQ_SNDMORE) < 0) {
        int e = zmq_errno();
        if (e == EAGAIN || e == EHOSTUNREACH) {
            return BL_ETIMEOUT;
        }
        return bl_err_set(err, BL_EZMQ, "send: %s", zmq_strerror(e));
    }
    if (zmq_send(sock, data, len, ZMQ_DONTWAIT) < 0) {
        int e = zmq_errno();
        if (e == EAGAIN || e == EHOSTUNREACH) {
            return BL_ETIMEOUT;
        }
        return bl_err_set(err, BL_EZMQ, "send: %s", zmq_strerror(e));
    }
    return 0;
}

long long bl_net_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
