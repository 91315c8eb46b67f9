/*
 * test_bl_rpc: the asking side of requests against a ROUTER socket that
 * plays the daemon, on ipc in a temporary folder: a reply is read; a
 * daemon that goes away with the request in flight fails the wait with
 * BL_EGONE instead of at its timeout, and the next request goes to the
 * daemon that listens next; a drop with nothing in flight loses nothing.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_catalogue.h"
#include "bl_config.h"
#include "bl_msg.h"
#include "bl_rpc.h"
#include "bl_test_daemon.h"

/* Longer than any test may take: a wait that ends at it is a failure. */
#define S_LONG_MS 60000

static bl_test_place_t s_place;
static bl_catalogue_t s_cat = {.name = "elc", .version = "1"};
static bl_config_t s_cfg = {.node = "test", .catalogue = &s_cat};

static void s_setup(void)
{
    bl_test_place_open(&s_place);
}

static void s_teardown(void)
{
    bl_test_place_close(&s_place);
}

/* The daemon's side: a ROUTER bound at s_place.ep. */
static void *s_daemon(void)
{
    return bl_test_daemon_bind(s_place.ctx, s_place.ep);
}

/* Answers the request of peer id with {"ok": true, "n": n}. */
static void s_answer(void *r, const char *id, size_t idl, uint64_t n)
{
    bl_mpw_t p;
    bl_mpw_init(&p);
    bl_mpw_map(&p, 2);
    bl_mpw_str(&p, "ok");
    bl_mpw_bool(&p, true);
    bl_mpw_str(&p, "n");
    bl_mpw_uint(&p, n);
    bl_test_daemon_answer(r, id, idl, &p);
    bl_mpw_destroy(&p);
}

/* The "n" of a reply. */
static uint64_t s_n(const bl_reply_t *reply)
{
    bl_mpr_t r;
    uint64_t n = 0;
    cr_assert_eq(bl_req_find(&reply->msg, "n", &r), 0);
    cr_assert_eq(bl_mpr_uint(&r, &n), 0);
    return n;
}

static void s_send(bl_rpc_t *rpc)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "health", 0);
    bl_err_t err = {0};
    cr_assert_eq(bl_rpc_send(rpc, &w, S_LONG_MS, &err), 0, "%s", err.msg);
    bl_mpw_destroy(&w);
}

/* A daemon at s_place.ep and an rpc connected to it. */
static bl_rpc_t *s_open(void **daemon)
{
    *daemon = s_daemon();
    bl_rpc_t *rpc;
    bl_err_t err = {0};
    cr_assert_eq(bl_rpc_open(&rpc, s_place.ctx, &s_cfg, s_place.ep, &err), 0, "%s",
                 err.msg);
    return rpc;
}

/* One request through rpc, answered by daemon r with n: the reply must
 * say n. */
static void s_round(bl_rpc_t *rpc, void *r, uint64_t n)
{
    s_send(rpc);
    char id[256];
    size_t idl = bl_test_daemon_take(r, id, sizeof id);
    s_answer(r, id, idl, n);
    bl_reply_t reply;
    bl_err_t err = {0};
    cr_assert_eq(bl_rpc_recv(rpc, &reply, S_LONG_MS, &err), 0, "%s",
                 err.msg);
    cr_expect(bl_reply_ok(&reply, NULL, 0));
    cr_expect_eq(s_n(&reply), n);
    bl_reply_free(&reply);
}

TestSuite(bl_rpc, .init = s_setup, .fini = s_teardown, .timeout = 120);

Test(bl_rpc, a_reply_is_read)
{
    void *r;
    bl_rpc_t *rpc = s_open(&r);
    s_round(rpc, r, 7);
    bl_rpc_close(&rpc);
    zmq_close(r);
}

Test(bl_rpc, a_daemon_gone_with_the_request_in_flight_fails_the_wait)
{
    void *r;
    bl_rpc_t *rpc = s_open(&r);
    s_send(rpc);
    char id[256];
    bl_test_daemon_take(r, id, sizeof id);
    zmq_close(r);   /* gone without answering */
    bl_reply_t reply;
    bl_err_t err = {0};
    int rc = bl_rpc_recv(rpc, &reply, S_LONG_MS, &err);
    cr_expect_eq(rc, BL_EGONE, "%d (%s), not BL_EGONE", rc, err.msg);
    cr_expect(strstr(err.msg, "went away") != NULL, "%s", err.msg);
    /* the next request goes to the daemon that listens next */
    r = s_daemon();
    s_round(rpc, r, 9);
    bl_rpc_close(&rpc);
    zmq_close(r);
}

Test(bl_rpc, a_drop_with_nothing_in_flight_loses_nothing)
{
    void *r;
    bl_rpc_t *rpc = s_open(&r);
    s_round(rpc, r, 1);
    zmq_close(r);   /* a restart between two requests */
    usleep(200 * 1000);
    r = s_daemon();
    s_round(rpc, r, 2);
    bl_rpc_close(&rpc);
    zmq_close(r);
}
