/*
 * bl_zap: key files and the ZAP handler (RFC 27) for CURVE links.
 */
#include "bl_zap.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bl_net.h"

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_FRAMES 7

typedef struct s_allowed {
    char key[BL_ZAP_KEY_LEN + 1];  /* Z85 public key */
    char country[3];
} s_allowed_t;

struct bl_zap {
    void *sock;             /* REP bound at S_ZAP_ENDPOINT */
    size_t n;
    s_allowed_t *allowed;
    unsigned long refused;
};

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
    z->allowed = calloc(cfg->n_allow ? cfg->n_allow : 1, sizeof *z->allowed);
    if (z->allowed == NULL) {
        free(z);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < cfg->n_allow; i++) {
        int rc = bl_zap_read_key(cfg->allow[i].key_path, z->allowed[i].key,
                                 err);
        if (rc != 0) {
            bl_zap_close(&z);
            return rc;
        }
        memcpy(z->allowed[i].country, cfg->allow[i].country, 3);
        z->n++;
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
        rc |= s_send(zap->sock, "", 0, 0);
        (void)rc;  /* a lost reply fails that handshake only */
        for (int i = 0; i < S_FRAMES; i++) {
            zmq_msg_close(&frames[i]);
        }
    }
}
