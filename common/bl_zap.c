/*
 * bl_zap: key files and the ZAP handler (RFC 27) for CURVE links, the
 * allow list that a reload replaces, and the socket monitor that names the
 * peers whose handshake failed before ZAP was asked (no CURVE at all).
 *
 * Each admitted connection carries its key as the ZAP metadata property
 * "X-Key", so every message it sends names its key: a key taken off the
 * list is refused on its live session from the next message on, without
 * touching the other sessions (ZAP itself runs only at the handshake).
 */
#include "bl_zap.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bl_net.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_FRAMES 7
#define S_MONITOR_FDS 64       /* accepted connections remembered */

typedef struct s_allowed {
    char key[BL_ZAP_KEY_LEN + 1];  /* Z85 public key */
    char country[3];
} s_allowed_t;

typedef struct s_peer {
    int fd;                 /* the accepted connection, -1 when free */
    char address[64];       /* its peer address, "1.2.3.4:5678" */
} s_peer_t;

struct bl_zap {
    void *sock;             /* REP bound at S_ZAP_ENDPOINT */
    size_t n;
    s_allowed_t *allowed;
    unsigned long refused;
    void *monitor;          /* PAIR reading the server's events, or NULL */
    s_peer_t peers[S_MONITOR_FDS];
    const char *failed;     /* why the last handshake failed, or NULL */
};

/* Reads the allow list of cfg into a new array (*out, *n). */
static int s_read_allow(const bl_config_t *cfg, s_allowed_t **out,
                        size_t *n, bl_err_t *err)
{
    *out = calloc(cfg->n_allow ? cfg->n_allow : 1, sizeof **out);
    *n = 0;
    if (*out == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < cfg->n_allow; i++) {
        int rc = bl_zap_read_key(cfg->allow[i].key_path, (*out)[i].key, err);
        if (rc != 0) {
            free(*out);
            *out = NULL;
            return rc;
        }
        memcpy((*out)[i].country, cfg->allow[i].country, 3);
        (*n)++;
    }
    return 0;
}

int bl_zap_read_key(const char *path, char key[BL_ZAP_KEY_LEN + 1],
                    bl_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return bl_err_set(err, BL_ECONFIG, "cannot read key '%s'", path);
    }
    char buf[128];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    while (n > 0 && isspace((unsigned char)buf[n - 1])) {
        buf[--n] = '\0';
    }
    uint8_t raw[32];
    if (n != BL_ZAP_KEY_LEN || zmq_z85_decode(raw, buf) == NULL) {
        return bl_err_set(err, BL_ECONFIG,
                          "%s: not a Z85 key of 40 characters (make one with "
                          "benchlearn keygen)",
                          path);
    }
    memcpy(key, buf, BL_ZAP_KEY_LEN + 1);
    return 0;
}

int bl_zap_public_of(const char secret[BL_ZAP_KEY_LEN + 1],
                     char public_key[BL_ZAP_KEY_LEN + 1], bl_err_t *err)
{
    if (zmq_curve_public(public_key, secret) != 0) {
        return bl_err_set(err, BL_ECONFIG, "cannot derive a public key: %s",
                          zmq_strerror(zmq_errno()));
    }
    return 0;
}

int bl_zap_open(bl_zap_t **out, void *zctx, const bl_config_t *cfg,
                bl_err_t *err)
{
    *out = NULL;
    bl_zap_t *z = calloc(1, sizeof *z);
    if (z == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    int rc = s_read_allow(cfg, &z->allowed, &z->n, err);
    if (rc != 0) {
        free(z);
        return rc;
    }
    for (size_t i = 0; i < S_MONITOR_FDS; i++) {
        z->peers[i].fd = -1;
    }
    z->sock = zmq_socket(zctx, ZMQ_REP);
    int linger = 0;
    if (z->sock == NULL ||
        zmq_setsockopt(z->sock, ZMQ_LINGER, &linger, sizeof linger) != 0 ||
        zmq_bind(z->sock, S_ZAP_ENDPOINT) != 0) {
        bl_err_set(err, BL_EZMQ, "cannot bind the ZAP handler: %s",
                   zmq_strerror(zmq_errno()));
        bl_zap_close(&z);
        return BL_EZMQ;
    }
    *out = z;
    return 0;
}

void bl_zap_close(bl_zap_t **zap)
{
    if (zap == NULL || *zap == NULL) {
        return;
    }
    bl_net_close(&(*zap)->sock);
    bl_net_close(&(*zap)->monitor);
    free((*zap)->allowed);
    free(*zap);
    *zap = NULL;
}

void *bl_zap_socket(const bl_zap_t *zap)
{
    return zap->sock;
}

unsigned long bl_zap_refused(const bl_zap_t *zap)
{
    return zap->refused;
}

static int s_send(void *sock, const void *data, size_t len, int more)
{
    return zmq_send(sock, data, len, more ? ZMQ_SNDMORE : 0) < 0 ? -1 : 0;
}

void bl_zap_on_readable(bl_zap_t *zap,
                        void (*refused)(void *ctx, const char *key,
                                        const char *address),
                        void *ctx)
{
    for (;;) {
        /* version, request id, domain, address, identity, mechanism,
         * credentials... : read every frame, keep the first seven. */
        zmq_msg_t frames[S_FRAMES];
        size_t n = 0;
        int more = 1;
        for (int i = 0; i < S_FRAMES; i++) {
            zmq_msg_init(&frames[i]);
        }
        while (more) {
            zmq_msg_t part;
            zmq_msg_init(&part);
            if (zmq_msg_recv(&part, zap->sock, n == 0 ? ZMQ_DONTWAIT : 0) <
                0) {
                zmq_msg_close(&part);
                break;
            }
            more = zmq_msg_more(&part);
            if (n < S_FRAMES) {
                zmq_msg_move(&frames[n], &part);
            }
            zmq_msg_close(&part);
            n++;
        }
        if (n == 0) {
            break;
        }
        char mechanism[16] = "", address[64] = "", key[BL_ZAP_KEY_LEN + 1] = "";
        if (n >= 6) {
            snprintf(mechanism, sizeof mechanism, "%.*s",
                     (int)zmq_msg_size(&frames[5]),
                     (const char *)zmq_msg_data(&frames[5]));
            snprintf(address, sizeof address, "%.*s",
                     (int)zmq_msg_size(&frames[3]),
                     (const char *)zmq_msg_data(&frames[3]));
        }
        const char *country = NULL;
        if (n >= 7 && strcmp(mechanism, "CURVE") == 0 &&
            zmq_msg_size(&frames[6]) == 32) {
            zmq_z85_encode(key, zmq_msg_data(&frames[6]), 32);
            for (size_t i = 0; i < zap->n; i++) {
                if (strcmp(zap->allowed[i].key, key) == 0) {
                    country = zap->allowed[i].country;
                }
            }
        }
        if (country == NULL) {
            zap->refused++;
            if (refused) {
                refused(ctx, key[0] ? key : mechanism, address);
            }
        }
        /* Reply: version, request id, status code, status text, user id,
         * metadata. */
        const char *code = country ? "200" : "400";
        const char *text = country ? "OK" : "not an allowed key";
        int rc = s_send(zap->sock, "1.0", 3, 1);
        if (n >= 2) {
            rc |= s_send(zap->sock, zmq_msg_data(&frames[1]),
                         zmq_msg_size(&frames[1]), 1);
        } else {
            rc |= s_send(zap->sock, "", 0, 1);
        }
        rc |= s_send(zap->sock, code, 3, 1);
        rc |= s_send(zap->sock, text, strlen(text), 1);
        rc |= s_send(zap->sock, country ? country : "",
                     country ? strlen(country) : 0, 1);
        /* metadata: X-Key = the key, so each message names it */
        unsigned char meta[1 + 5 + 4 + BL_ZAP_KEY_LEN];
        size_t ml = 0;
        if (country != NULL) {
            meta[ml++] = 5;
            memcpy(meta + ml, "X-Key", 5);
            ml += 5;
            uint32_t vl = htonl(BL_ZAP_KEY_LEN);
            memcpy(meta + ml, &vl, 4);
            ml += 4;
            memcpy(meta + ml, key, BL_ZAP_KEY_LEN);
            ml += BL_ZAP_KEY_LEN;
        }
        rc |= s_send(zap->sock, meta, ml, 0);
        (void)rc;  /* a lost reply fails that handshake only */
        for (int i = 0; i < S_FRAMES; i++) {
            zmq_msg_close(&frames[i]);
        }
    }
}

int bl_zap_reload(bl_zap_t *zap, const bl_config_t *cfg,
                  char *removed, size_t size, bl_err_t *err)
{
    s_allowed_t *next = NULL;
    size_t n = 0;
    int rc = s_read_allow(cfg, &next, &n, err);
    if (rc != 0) {
        return rc;
    }
    size_t len = 0;
    if (size > 0) {
        removed[0] = '\0';
    }
    for (size_t i = 0; i < zap->n; i++) {
        bool kept = false;
        for (size_t j = 0; j < n && !kept; j++) {
            kept = strcmp(zap->allowed[i].key, next[j].key) == 0;
        }
        if (!kept && len + 4 < size) {
            len += (size_t)snprintf(removed + len, size - len, "%s%s",
                                    len ? " " : "", zap->allowed[i].country);
        }
    }
    free(zap->allowed);
    zap->allowed = next;
    zap->n = n;
    return (int)n;
}

int bl_zap_admits(void *zap_ctx, const char *user_id, const char *key)
{
    const bl_zap_t *zap = zap_ctx;
    if (user_id == NULL || key == NULL) {
        return 0;
    }
    for (size_t i = 0; i < zap->n; i++) {
        if (strcmp(zap->allowed[i].key, key) == 0 &&
            strcmp(zap->allowed[i].country, user_id) == 0) {
            return 1;
        }
    }
    return 0;
}

int bl_zap_watch(bl_zap_t *zap, void *zctx, void *server, bl_err_t *err)
{
    char ep[64];
    snprintf(ep, sizeof ep, "inproc://bl-zap-monitor-%p", (void *)zap);
    /* Events come from libzmq's I/O thread through an inproc PAIR. */
    int events = ZMQ_EVENT_ACCEPTED | ZMQ_EVENT_DISCONNECTED |
                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH;
    if (zmq_socket_monitor(server, ep, events) != 0) {
        return bl_err_set(err, BL_EZMQ, "cannot monitor the server: %s",
                          zmq_strerror(zmq_errno()));
    }
    zap->monitor = zmq_socket(zctx, ZMQ_PAIR);
    int linger = 0;
    if (zap->monitor == NULL ||
        zmq_setsockopt(zap->monitor, ZMQ_LINGER, &linger, sizeof linger) !=
            0 ||
        zmq_connect(zap->monitor, ep) != 0) {
        bl_err_set(err, BL_EZMQ, "cannot read the server's events: %s",
                   zmq_strerror(zmq_errno()));
        bl_net_close(&zap->monitor);
        return BL_EZMQ;
    }
    return 0;
}

void *bl_zap_monitor_socket(const bl_zap_t *zap)
{
    return zap->monitor;
}

static s_peer_t *s_peer(bl_zap_t *zap, int fd)
{
    for (size_t i = 0; i < S_MONITOR_FDS; i++) {
        if (zap->peers[i].fd == fd) {
            return &zap->peers[i];
        }
    }
    return NULL;
}

/* The peer address of an accepted connection, "?" when unknown.  It is
 * read when the daemon takes the ACCEPTED event; a peer refused and gone
 * (its descriptor closed by libzmq's I/O thread) before then is "?". */
static void s_peer_address(int fd, char *buf, size_t size)
{
    struct sockaddr_storage sa;
    socklen_t len = sizeof sa;
    snprintf(buf, size, "?");
    if (getpeername(fd, (struct sockaddr *)&sa, &len) != 0) {
        return;
    }
    char host[INET6_ADDRSTRLEN] = "";
    int port = 0;
    if (sa.ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)&sa;
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        port = ntohs(in->sin_port);
    } else if (sa.ss_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)&sa;
        inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
        port = ntohs(in6->sin6_port);
    } else {
        return;
    }
    snprintf(buf, size, "%s:%d", host, port);
}

void bl_zap_on_monitor(bl_zap_t *zap,
                       void (*refused)(void *ctx, const char *why,
                                       const char *address),
                       void *ctx)
{
    for (;;) {
        zmq_msg_t ev, addr;
        zmq_msg_init(&ev);
        if (zmq_msg_recv(&ev, zap->monitor, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            return;
        }
        zmq_msg_init(&addr);
        if (zmq_msg_more(&ev)) {
            (void)zmq_msg_recv(&addr, zap->monitor, 0);
        }
        uint16_t event = 0;
        uint32_t value = 0;
        if (zmq_msg_size(&ev) >= 6) {
            memcpy(&event, zmq_msg_data(&ev), 2);
            memcpy(&value, (const char *)zmq_msg_data(&ev) + 2, 4);
        }
        zmq_msg_close(&ev);
        zmq_msg_close(&addr);
        int fd = (int)value;
        if (event == ZMQ_EVENT_ACCEPTED) {
            s_peer_t *p = s_peer(zap, fd);
            if (p == NULL) {
                p = s_peer(zap, -1);
            }
            if (p != NULL) {
                p->fd = fd;
                s_peer_address(fd, p->address, sizeof p->address);
            }
        } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL) {
            zap->failed = "no CURVE or a broken handshake";
        } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) {
            zap->failed = "handshake failed";
        } else if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
            zap->failed = NULL;  /* the ZAP handler told of it already */
        } else if (event == ZMQ_EVENT_DISCONNECTED) {
            s_peer_t *p = s_peer(zap, fd);
            if (zap->failed != NULL) {
                zap->refused++;
                if (refused != NULL) {
                    refused(ctx, zap->failed, p ? p->address : "?");
                }
                zap->failed = NULL;
            }
            if (p != NULL) {
                p->fd = -1;
            }
        }
    }
}
