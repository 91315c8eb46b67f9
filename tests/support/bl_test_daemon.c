/*
 * bl_test_daemon: a ROUTER socket playing a daemon (see bl_test_daemon.h).
 */
#include "bl_test_daemon.h"

#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_msg.h"

void bl_test_place_open(bl_test_place_t *p)
{
    signal(SIGPIPE, SIG_IGN);
    snprintf(p->dir, sizeof p->dir, "/tmp/bl-daemon-XXXXXX");
    cr_assert_not_null(mkdtemp(p->dir));
    snprintf(p->ep, sizeof p->ep, "ipc://%s/daemon.sock", p->dir);
    p->ctx = zmq_ctx_new();
    cr_assert_not_null(p->ctx);
}

void bl_test_place_close(bl_test_place_t *p)
{
    zmq_ctx_term(p->ctx);
    char path[128];
    snprintf(path, sizeof path, "%s/daemon.sock", p->dir);
    unlink(path);
    rmdir(p->dir);
}

void *bl_test_daemon_bind(void *ctx, const char *ep)
{
    void *r = zmq_socket(ctx, ZMQ_ROUTER);
    cr_assert_not_null(r);
    int zero = 0;
    cr_assert_eq(zmq_setsockopt(r, ZMQ_LINGER, &zero, sizeof zero), 0);
    cr_assert_eq(zmq_bind(r, ep), 0, "bind %s: %s", ep,
                 zmq_strerror(zmq_errno()));
    return r;
}

size_t bl_test_daemon_take(void *r, char *id, size_t size)
{
    int n = zmq_recv(r, id, size, 0);
    cr_assert_gt(n, 0, "no peer id: %s", zmq_strerror(zmq_errno()));
    char buf[4096];
    cr_assert_gt(zmq_recv(r, buf, sizeof buf, 0), 0);
    return (size_t)n;
}

size_t bl_test_daemon_take_body(void *r, char *id, size_t size, void **body,
                                size_t *len)
{
    int n = zmq_recv(r, id, size, 0);
    cr_assert_gt(n, 0, "no peer id: %s", zmq_strerror(zmq_errno()));
    zmq_msg_t m;
    cr_assert_eq(zmq_msg_init(&m), 0);
    cr_assert_gt(zmq_msg_recv(&m, r, 0), 0);
    *len = zmq_msg_size(&m);
    *body = malloc(*len);
    cr_assert_not_null(*body);
    memcpy(*body, zmq_msg_data(&m), *len);
    zmq_msg_close(&m);
    return (size_t)n;
}

void bl_test_daemon_answer(void *r, const char *id, size_t idl,
                           const bl_mpw_t *payload)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_msg_t m = {.type = BL_MSG_REPLY, .payload = bl_mpw_data(payload),
                  .payload_len = bl_mpw_size(payload)};
    snprintf(m.sender, sizeof m.sender, "daemon");
    cr_assert_eq(bl_msg_encode(&w, &m), 0);
    cr_assert_eq(zmq_send(r, id, idl, ZMQ_SNDMORE), (int)idl);
    cr_assert_eq(zmq_send(r, bl_mpw_data(&w), bl_mpw_size(&w), 0),
                 (int)bl_mpw_size(&w));
    bl_mpw_destroy(&w);
}
