/*
 * test_web_backend: the portal's reads when a validation worker goes away
 * with the question in flight (as `scale` replaces it): the page asks the
 * worker that listens next once more and shows its answer, instead of
 * waiting out its timeout.  A ROUTER socket on a thread plays the
 * worker (bl_test_daemon), on ipc in a temporary folder.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_catalogue.h"
#include "bl_config.h"
#include "bl_test_daemon.h"
#include "web_backend.h"

static bl_test_place_t s_place;

/* The worker: goes away at the first question; the one started next
 * answers that 5 rows are complete, 4 accepted and 1 rejected. */
static void *s_worker(void *arg)
{
    (void)arg;
    char id[256];
    void *r = bl_test_daemon_bind(s_place.ctx, s_place.ep);
    bl_test_daemon_take(r, id, sizeof id);
    zmq_close(r);
    r = bl_test_daemon_bind(s_place.ctx, s_place.ep);
    size_t idl = bl_test_daemon_take(r, id, sizeof id);
    bl_mpw_t p;
    bl_mpw_init(&p);
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
    bl_test_daemon_answer(r, id, idl, &p);
    bl_mpw_destroy(&p);
    usleep(200 * 1000);   /* (the answer leaves before the socket goes) */
    zmq_close(r);
    return NULL;
}

static void s_setup(void)
{
    bl_test_place_open(&s_place);
}

static void s_teardown(void)
{
    bl_test_place_close(&s_place);
}

Test(web_backend, a_page_asks_the_next_worker_when_its_own_went_away,
     .init = s_setup, .fini = s_teardown, .timeout = 60)
{
    bl_catalogue_t cat = {.name = "elc", .version = "1"};
    bl_config_t cfg = {.node = "test", .catalogue = &cat};
    cfg.endpoints[BL_STAGE_VALIDATE] = s_place.ep;
    cfg.workers[BL_STAGE_VALIDATE] = 1;
    pthread_t t;
    cr_assert_eq(pthread_create(&t, NULL, s_worker, NULL), 0);
    usleep(100 * 1000);   /* (the worker listens) */
    web_backend_t *b;
    bl_err_t err = {0};
    cr_assert_eq(web_backend_new(&b, s_place.ctx, &cfg, &err), 0, "%s", err.msg);
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
