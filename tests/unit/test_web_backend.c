/*
 * test_web_backend: the portal's reads when a validation worker goes away
 * with the question in flight (as `scale` replaces it): the page asks the
 * worker that listens next once more and shows its answer, instead of
 * waiting out its timeout.  A ROUTER socket on a thread plays the
 * worker, on ipc in a temporary folder.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_catalogue.h"
#include "bl_config.h"
#include "bl_msg.h"
#include "web_backend.h"

static void *s_ctx;
static char s_dir[64] = "/tmp/bl-webb-XXXXXX";
static char s_ep[128];

static void *s_bind(void)
{
    void *r = zmq_socket(s_ctx, ZMQ_ROUTER);
    cr_assert_not_null(r);
    int zero = 0;
    cr_assert_eq(zmq_setsockopt(r, ZMQ_LINGER, &zero, sizeof zero), 0);
    cr_assert_eq(zmq_bind(r, s_ep), 0, "bind: %s", zmq_strerror(zmq_errno()));
    return r;
}

/* Receives one request on r: its peer id in id. */
static size_t s_take(void *r, char *id, size_t size)
{
    int n = zmq_recv(r, id, size, 0);
    char buf[4096];
    if (n <= 0 || zmq_recv(r, buf, sizeof buf, 0) <= 0) {
        return 0;
    }
    return (size_t)n;
}

/* The worker: goes away at the first question; the one started next
 * answers that 5 rows are complete, 4 accepted and 1 rejected. */
static void *s_worker(void *arg)
{
    (void)arg;
    char id[256];
    void *r = s_bind();
    s_take(r, id, sizeof id);
    zmq_close(r);
    r = s_bind();
    size_t idl = s_take(r, id, sizeof id);
    bl_mpw_t p, w;
    bl_mpw_init(&p);
    bl_mpw_init(&w);
    bl_mpw_map(&p, 5);
    bl_mpw_str(&p, "ok");
    bl_mpw_bool(&p, true);
    bl_mpw_str(&p, "state");
    bl_mpw_str(&p, "complete");
    bl_mpw_str(&p, "rows");
    bl_mpw_uint(&p, 5);
    bl_mpw_str(&p, "accepted");
    bl_mpw_uint(&p, 4);
    bl_mpw_str(&p, "rejected");
    bl_mpw_uint(&p, 1);
    bl_msg_t m = {.type = BL_MSG_REPLY, .payload = bl_mpw_data(&p),
                  .payload_len = bl_mpw_size(&p)};
    snprintf(m.sender, sizeof m.sender, "validate");
    if (idl > 0 && bl_msg_encode(&w, &m) == 0) {
        zmq_send(r, id, idl, ZMQ_SNDMORE);
        zmq_send(r, bl_mpw_data(&w), bl_mpw_size(&w), 0);
    }
    bl_mpw_destroy(&p);
    bl_mpw_destroy(&w);
    usleep(200 * 1000);   /* (the answer leaves before the socket goes) */
    zmq_close(r);
    return NULL;
}

static void s_setup(void)
{
    signal(SIGPIPE, SIG_IGN);
    cr_assert_not_null(mkdtemp(s_dir));
    snprintf(s_ep, sizeof s_ep, "ipc://%s/validate.sock", s_dir);
    s_ctx = zmq_ctx_new();
    cr_assert_not_null(s_ctx);
}

static void s_teardown(void)
{
    zmq_ctx_term(s_ctx);
    char path[128];
    snprintf(path, sizeof path, "%s/validate.sock", s_dir);
    unlink(path);
    rmdir(s_dir);
}

Test(web_backend, a_page_asks_the_next_worker_when_its_own_went_away,
     .init = s_setup, .fini = s_teardown, .timeout = 60)
{
    bl_catalogue_t cat = {.name = "elc", .version = "1"};
    bl_config_t cfg = {.node = "test", .catalogue = &cat};
    cfg.endpoints[BL_STAGE_VALIDATE] = s_ep;
    cfg.workers[BL_STAGE_VALIDATE] = 1;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, s_worker, NULL), 0);
    usleep(100 * 1000);   /* (the worker listens) */
    web_backend_t *b;
    bl_err_t err = {0};
    cr_assert_eq(web_backend_new(&b, s_ctx, &cfg, &err), 0, "%s", err.msg);
    web_counts_t n;
    int rc = web_backend_sub_status(b, "t1-000001", &n, &err);
    cr_expect_eq(rc, 0, "%d: %s", rc, err.msg);
    cr_expect(n.complete);
    cr_expect_eq(n.rows, 5);
    cr_expect_eq(n.accepted, 4);
    cr_expect_eq(n.rejected, 1);
    web_backend_destroy(&b);
    pthread_join(t, NULL);
}
