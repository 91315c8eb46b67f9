/*
 * bl_test_link: keys, door connections and log waits for the link tests
 * (see bl_test_link.h).
 */
#include "bl_test_link.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

void bl_test_read_keys(const char *dir, const char *name, bl_test_keys_t *k)
{
    char path[512];
    bl_err_t err = {0};
    snprintf(path, sizeof path, "%s/%s.pub", dir, name);
    cr_assert_eq(bl_zap_read_key(path, k->pub, &err), 0, "%s", err.msg);
    snprintf(path, sizeof path, "%s/%s.key", dir, name);
    cr_assert_eq(bl_zap_read_key(path, k->sec, &err), 0, "%s", err.msg);
}

void *bl_test_dealer(void *zctx, int port, const bl_test_keys_t *server,
                     const bl_test_keys_t *client)
{
    void *sock = zmq_socket(zctx, ZMQ_DEALER);
    cr_assert_not_null(sock);
    int linger = 0;
    cr_assert_eq(zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger),
                 0);
    if (client != NULL) {
        cr_assert_eq(zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, server->pub,
                                    BL_ZAP_KEY_LEN),
                     0);
        cr_assert_eq(zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, client->pub,
                                    BL_ZAP_KEY_LEN),
                     0);
        cr_assert_eq(zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, client->sec,
                                    BL_ZAP_KEY_LEN),
                     0);
    }
    char ep[64];
    snprintf(ep, sizeof ep, "tcp://127.0.0.1:%d", port);
    cr_assert_eq(zmq_connect(sock, ep), 0, "%s", zmq_strerror(zmq_errno()));
    return sock;
}

char *bl_test_node_log(const bl_test_node_t *n, const char *daemon,
                       size_t *len_out)
{
    char path[600];
    snprintf(path, sizeof path, "%s/var/log/%s.log", n->dir, daemon);
    FILE *f = fopen(path, "r");
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    cr_assert_not_null(buf);
    if (f != NULL) {
        size_t got;
        while ((got = fread(buf + len, 1, cap - len - 1, f)) > 0) {
            len += got;
            if (cap - len < 1024) {
                cap *= 2;
                buf = realloc(buf, cap);
                cr_assert_not_null(buf);
            }
        }
        fclose(f);
    }
    buf[len] = '\0';
    if (len_out != NULL) {
        *len_out = len;
    }
    return buf;
}

bool bl_test_node_log_has(const bl_test_node_t *n, const char *daemon,
                          const char *a, const char *b, int ms)
{
    for (int waited = 0;; waited += 100) {
        char *log = bl_test_node_log(n, daemon, NULL);
        bool found = false;
        char *save = NULL;
        for (char *line = strtok_r(log, "\n", &save); line && !found;
             line = strtok_r(NULL, "\n", &save)) {
            found = strstr(line, a) && (b == NULL || strstr(line, b));
        }
        free(log);
        if (found || waited >= ms) {
            return found;
        }
        bl_test_sleep_ms(100);
    }
}
