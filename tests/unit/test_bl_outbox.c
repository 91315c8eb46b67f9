/*
 * Tests of bl_outbox's lanes when the next stage's worker count changes
 * between opens (`benchlearn scale`): lanes that stay keep their sequence
 * and their messages, a new lane starts at 1, a removed lane that still
 * holds messages is refused (naming the worker), and a removed empty lane
 * forgets its sequence so a worker added again later starts at 1.
 * Nothing is sent: the endpoints are ipc paths no one binds.
 *
 * Every test has the same .timeout (Criterion 2.4.1 leaks when one binary
 * mixes timeout values).
 */
#include "bl_outbox.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bl_test_node.h"

static char s_dir[64];
static const char *const s_names[] = {"meta", "box"};
static void *s_zctx;
static bl_store_t *s_store;

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/bl_outbox_test_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir), "mkdtemp: %s", strerror(errno));
    bl_err_t err = {0};
    cr_assert_eq(bl_store_open(&s_store, s_dir, s_names, 2, 0, &err), 0,
                 "%s", err.msg);
    s_zctx = zmq_ctx_new();
    cr_assert_not_null(s_zctx);
}

static void s_teardown(void)
{
    bl_store_close(&s_store);
    zmq_ctx_term(s_zctx);
    bl_test_rm_tree(s_dir);
}

/* Opens the outbox "t" with n lanes; returns its code, err filled. */
static int s_open(bl_outbox_t **ob, size_t n, bl_err_t *err)
{
    char eps[4][128];
    const char *ptrs[4];
    for (size_t i = 0; i < n; i++) {
        snprintf(eps[i], sizeof eps[i], "ipc://%s/w.%zu", s_dir, i + 1);
        ptrs[i] = eps[i];
    }
    bl_msg_t tmpl = {0};
    snprintf(tmpl.sender, sizeof tmpl.sender, "test");
    return bl_outbox_open(ob, s_zctx, s_store, bl_store_dbi(s_store, 1),
                          bl_store_dbi(s_store, 0), "t", ptrs, n, NULL, &tmpl,
                          err);
}

typedef struct s_put {
    bl_outbox_t *ob;
    size_t lane;
    int count;
} s_put_t;

static int s_put_txn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_put_t *p = ctx;
    for (int i = 0; i < p->count; i++) {
        int rc = bl_outbox_put(p->ob, txn, p->lane, BL_MSG_VALUES, "\x80", 1,
                               err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static void s_put(bl_outbox_t *ob, size_t lane, int count)
{
    s_put_t p = {ob, lane, count};
    bl_err_t err = {0};
    cr_assert_eq(bl_store_write(s_store, s_put_txn, &p, &err), 0, "%s",
                 err.msg);
}

/* The next sequence number lane will get. */
static uint64_t s_next(size_t lane)
{
    MDB_txn *txn;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_read(s_store, &txn, &err), 0);
    char key[32];
    snprintf(key, sizeof key, "t.%zu.next", lane);
    uint64_t v = 0;
    cr_assert_eq(bl_store_get_u64(txn, bl_store_dbi(s_store, 0), key, &v,
                                  &err),
                 0);
    mdb_txn_abort(txn);
    return v == 0 ? 1 : v;
}

static int s_clear_txn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    (void)ctx;
    (void)err;
    return mdb_drop(txn, bl_store_dbi(s_store, 1), 0);
}

/* Forgets every message as if each had been acknowledged. */
static void s_all_acked(void)
{
    bl_err_t err = {0};
    cr_assert_eq(bl_store_write(s_store, s_clear_txn, NULL, &err), 0);
}

TestSuite(bl_outbox, .init = s_setup, .fini = s_teardown, .timeout = 30);

Test(bl_outbox, more_workers_keep_the_lanes_that_stay)
{
    bl_outbox_t *ob;
    bl_err_t err = {0};
    cr_assert_eq(s_open(&ob, 2, &err), 0, "%s", err.msg);
    s_put(ob, 0, 3);
    s_put(ob, 1, 2);
    bl_outbox_close(&ob);
    cr_assert_eq(s_open(&ob, 3, &err), 0, "%s", err.msg);
    cr_assert_eq(bl_outbox_lanes(ob), 3);
    cr_assert_eq(bl_outbox_pending(ob), 5);
    cr_assert_eq(s_next(0), 4);
    cr_assert_eq(s_next(1), 3);
    s_put(ob, 2, 1);
    cr_assert_eq(s_next(2), 2, "a new lane starts at 1");
    bl_outbox_close(&ob);
}

Test(bl_outbox, fewer_workers_wait_for_what_is_in_flight_to_them)
{
    bl_outbox_t *ob;
    bl_err_t err = {0};
    cr_assert_eq(s_open(&ob, 3, &err), 0, "%s", err.msg);
    s_put(ob, 2, 1);
    bl_outbox_close(&ob);
    cr_assert_eq(s_open(&ob, 2, &err), BL_EREFUSED);
    cr_assert_null(ob);
    cr_assert_not_null(strstr(err.msg, "1 message(s) for worker 3 not yet "
                                       "delivered"),
                       "%s", err.msg);
    /* Still three lanes: the message is kept. */
    cr_assert_eq(s_open(&ob, 3, &err), 0, "%s", err.msg);
    cr_assert_eq(bl_outbox_pending(ob), 1);
    bl_outbox_close(&ob);
}

Test(bl_outbox, a_removed_lane_starts_again_at_one)
{
    bl_outbox_t *ob;
    bl_err_t err = {0};
    cr_assert_eq(s_open(&ob, 3, &err), 0, "%s", err.msg);
    s_put(ob, 0, 2);
    s_put(ob, 2, 4);
    bl_outbox_close(&ob);
    s_all_acked();
    cr_assert_eq(s_open(&ob, 2, &err), 0, "%s", err.msg);
    bl_outbox_close(&ob);
    cr_assert_eq(s_next(2), 1);
    cr_assert_eq(s_open(&ob, 3, &err), 0, "%s", err.msg);
    s_put(ob, 2, 1);
    cr_assert_eq(s_next(2), 2);
    cr_assert_eq(s_next(0), 3, "lane 0 kept its sequence");
    bl_outbox_close(&ob);
}
