/*
 * Tests of bl_outbox's lanes when the next stage's worker count changes
 * between opens (`benchlearn scale`): lanes that stay keep their sequence
 * and their messages, a new lane starts at 1, a removed lane that still
 * holds messages is refused (naming the worker), and a removed empty lane
 * forgets its sequence so a worker added again later starts at 1.
 * Those tests send nothing: the endpoints are ipc paths no one binds.
 * The last test delivers to two real inboxes: a message put to every lane
 * is stored once and reaches each with that lane's sequence number, also
 * after the outbox is opened again, and nothing is left once both have
 * acknowledged it.  The last one delivers a batch to an inbox with a
 * prepare hook: messages are prepared ahead, each applied with its own
 * preparation, and each preparation released once.  Another delivers to
 * an inbox whose apply writes, then refuses some messages: what it wrote
 * for them is gone, every other message's write stays, and every message
 * is acknowledged.
 *
 * Every test has the same .timeout (Criterion 2.4.1 leaks when one binary
 * mixes timeout values).
 */
#include "bl_outbox.h"

#include <criterion/criterion.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zmq.h>

#include "bl_inbox.h"
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

/* ---- delivery of a message put to every lane ---------------------------- */

#define S_GOT_MAX 64

typedef struct s_receiver {
    bl_store_t *store;
    bl_inbox_t *inbox;
    size_t n;                    /* messages applied */
    uint64_t seq[S_GOT_MAX];     /* their sequence numbers */
    size_t len[S_GOT_MAX];       /* their payload sizes */
    bool intact[S_GOT_MAX];      /* payload bytes as put */
    atomic_size_t prepared;      /* by the prepare hook (its thread) */
    size_t released;             /* by the release hook */
    size_t applied_prepared;     /* applied with msg->prepared */
    size_t prepared_right;       /* ... holding a copy of its payload */
} s_receiver_t;

static unsigned char s_big[4096];

/* s_big as a MessagePack bin 16 of 4093 bytes: one object, as a payload
 * is. */
static void s_big_init(void)
{
    s_big[0] = 0xc5;
    s_big[1] = (sizeof s_big - 3) >> 8;
    s_big[2] = (sizeof s_big - 3) & 0xff;
    for (size_t i = 3; i < sizeof s_big; i++) {
        s_big[i] = (unsigned char)(i * 7);
    }
}

/* What the prepare hook of the test makes of a message. */
typedef struct s_copy {
    uint64_t seq;
    size_t len;
    unsigned char data[];
} s_copy_t;

static int s_apply(void *ctx, MDB_txn *txn, const bl_msg_t *m, bl_err_t *err)
{
    (void)txn;
    (void)err;
    s_receiver_t *r = ctx;
    if (r->n < S_GOT_MAX) {
        r->seq[r->n] = m->seq;
        r->len[r->n] = m->payload_len;
        r->intact[r->n] =
            m->payload_len == 1
                ? m->payload[0] == 0x80
                : m->payload_len == sizeof s_big &&
                      memcmp(m->payload, s_big, sizeof s_big) == 0;
    }
    r->n++;
    if (m->prepared != NULL) {
        const s_copy_t *c = m->prepared;
        r->applied_prepared++;
        r->prepared_right += c->seq == m->seq && c->len == m->payload_len &&
                             memcmp(c->data, m->payload, c->len) == 0;
    }
    return 0;
}

/* The prepare hook of a receiver that prepares: a copy of the payload. */
static void *s_prepare(void *ctx, const bl_msg_t *m)
{
    s_receiver_t *r = ctx;
    s_copy_t *c = malloc(sizeof *c + m->payload_len);
    if (c != NULL) {
        c->seq = m->seq;
        c->len = m->payload_len;
        memcpy(c->data, m->payload, m->payload_len);
        atomic_fetch_add(&r->prepared, 1);
    }
    return c;
}

static void s_release_copy(void *ctx, void *prepared)
{
    s_receiver_t *r = ctx;
    r->released++;
    free(prepared);
}

static void s_receiver_open_with(s_receiver_t *r, size_t i,
                                 const bl_inbox_handlers_t *h);

static void s_receiver_open(s_receiver_t *r, size_t i)
{
    static const bl_inbox_handlers_t h = {.apply = s_apply};
    s_receiver_open_with(r, i, &h);
}

static void s_receiver_open_with(s_receiver_t *r, size_t i,
                                 const bl_inbox_handlers_t *h)
{
    char dir[96], ep[128];
    snprintf(dir, sizeof dir, "%s/r.%zu", s_dir, i + 1);
    cr_assert_eq(mkdir(dir, 0700), 0);
    static const char *const names[] = {"seen", "data"};
    bl_err_t err = {0};
    cr_assert_eq(bl_store_open(&r->store, dir, names, 2, 0, &err), 0, "%s",
                 err.msg);
    snprintf(ep, sizeof ep, "ipc://%s/w.%zu", s_dir, i + 1);
    bl_msg_t tmpl = {0};
    snprintf(tmpl.sender, sizeof tmpl.sender, "receiver");
    cr_assert_eq(bl_inbox_open(&r->inbox, s_zctx, r->store,
                               bl_store_dbi(r->store, 0), ep, NULL, h, r,
                               &tmpl, &err),
                 0, "%s", err.msg);
}

/* Entries in the outbox's box database. */
static size_t s_box_entries(void)
{
    MDB_txn *txn;
    bl_err_t err = {0};
    cr_assert_eq(bl_store_read(s_store, &txn, &err), 0);
    MDB_stat st;
    cr_assert_eq(mdb_stat(txn, bl_store_dbi(s_store, 1), &st), 0);
    mdb_txn_abort(txn);
    return st.ms_entries;
}

/* Sends, receives and acknowledges until the outbox (n lanes, r[i] the
 * receiver of lane i) holds nothing. */
static void s_deliver(bl_outbox_t *ob, s_receiver_t *r, size_t n)
{
    bl_err_t err = {0};
    zmq_pollitem_t items[8];
    cr_assert_leq(n, 4);
    for (int turn = 0; turn < 500 && s_box_entries() > 0; turn++) {
        cr_assert_eq(bl_outbox_pump(ob, &err), 0, "%s", err.msg);
        for (size_t i = 0; i < n; i++) {
            items[i] = (zmq_pollitem_t){bl_inbox_socket(r[i].inbox), 0,
                                        ZMQ_POLLIN, 0};
            items[n + i] = (zmq_pollitem_t){bl_outbox_socket(ob, i), 0,
                                            ZMQ_POLLIN, 0};
        }
        cr_assert_geq(zmq_poll(items, (int)(2 * n), 20), 0);
        for (size_t i = 0; i < n; i++) {
            if (items[i].revents & ZMQ_POLLIN) {
                cr_assert_eq(bl_inbox_on_readable(r[i].inbox, &err), 0, "%s",
                             err.msg);
            }
            if (items[n + i].revents & ZMQ_POLLIN) {
                cr_assert_eq(bl_outbox_on_readable(ob, i, &err), 0, "%s",
                             err.msg);
            }
        }
    }
    cr_assert_eq(s_box_entries(), 0, "every lane acknowledged: nothing kept");
}

static void s_receivers_close(s_receiver_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bl_inbox_close(&r[i].inbox);
        bl_store_close(&r[i].store);
    }
}

typedef struct s_put_all {
    bl_outbox_t *ob;
} s_put_all_t;

static int s_put_all_txn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    bl_outbox_t *ob = ((s_put_all_t *)ctx)->ob;
    int rc = bl_outbox_put_all(ob, txn, BL_MSG_VALUES, "\x80", 1, err);
    if (rc == 0) {
        rc = bl_outbox_put_all(ob, txn, BL_MSG_VALUES, s_big, sizeof s_big,
                               err);
    }
    if (rc == 0) {
        rc = bl_outbox_put(ob, txn, 1, BL_MSG_VALUES, "\x80", 1, err);
    }
    return rc;
}

Test(bl_outbox, a_message_to_every_lane_is_stored_once_and_reaches_each)
{
    s_big_init();
    bl_outbox_t *ob;
    bl_err_t err = {0};
    cr_assert_eq(s_open(&ob, 2, &err), 0, "%s", err.msg);
    s_put_all_t p = {ob};
    cr_assert_eq(bl_store_write(s_store, s_put_all_txn, &p, &err), 0, "%s",
                 err.msg);
    /* The small one twice, the large one once with a reference per lane
     * and its count, the last one once. */
    cr_assert_eq(s_box_entries(), 2 + 2 + 1 + 1 + 1);
    cr_assert_eq(bl_outbox_pending(ob), 5);
    bl_outbox_close(&ob);
    cr_assert_eq(s_open(&ob, 2, &err), 0, "%s", err.msg);

    s_receiver_t r[2];
    memset(r, 0, sizeof r);
    s_receiver_open(&r[0], 0);
    s_receiver_open(&r[1], 1);
    s_deliver(ob, r, 2);
    cr_assert_eq(r[0].n, 2);
    cr_assert_eq(r[1].n, 3);
    for (size_t i = 0; i < 2; i++) {
        for (size_t j = 0; j < r[i].n; j++) {
            cr_assert_eq(r[i].seq[j], j + 1, "worker %zu message %zu", i + 1,
                         j);
            cr_assert(r[i].intact[j], "worker %zu message %zu", i + 1, j);
        }
        cr_assert_eq(r[i].len[1], sizeof s_big);
    }
    bl_outbox_close(&ob);
    s_receivers_close(r, 2);
}

/* A worker added while a message for every lane waits (`scale`): the
 * lanes that held it still get it once each and it is let go after their
 * acknowledgements; the new lane gets only what is put after. */
Test(bl_outbox, a_message_to_every_lane_survives_a_worker_added)
{
    s_big_init();
    bl_outbox_t *ob;
    bl_err_t err = {0};
    cr_assert_eq(s_open(&ob, 2, &err), 0, "%s", err.msg);
    s_put_all_t p = {ob};
    cr_assert_eq(bl_store_write(s_store, s_put_all_txn, &p, &err), 0, "%s",
                 err.msg);
    bl_outbox_close(&ob);
    cr_assert_eq(s_open(&ob, 3, &err), 0, "%s", err.msg);
    s_receiver_t r[3];
    memset(r, 0, sizeof r);
    for (size_t i = 0; i < 3; i++) {
        s_receiver_open(&r[i], i);
    }
    s_deliver(ob, r, 3);
    cr_assert_eq(r[0].n, 2);
    cr_assert_eq(r[1].n, 3);
    cr_assert_eq(r[2].n, 0, "the new worker gets nothing from before");
    cr_assert_eq(r[0].len[1], sizeof s_big);
    cr_assert(r[1].intact[1]);
    /* Put now, it goes to all three, the new lane from seq 1. */
    p.ob = ob;
    cr_assert_eq(bl_store_write(s_store, s_put_all_txn, &p, &err), 0, "%s",
                 err.msg);
    s_deliver(ob, r, 3);
    cr_assert_eq(r[0].n, 4);
    cr_assert_eq(r[2].n, 2);
    cr_assert_eq(r[2].seq[0], 1);
    cr_assert_eq(r[2].seq[1], 2);
    cr_assert(r[2].intact[1]);
    cr_assert_eq(r[2].len[1], sizeof s_big);
    bl_outbox_close(&ob);
    s_receivers_close(r, 3);
}

/* 40 messages to lane 0, small and large in turn. */
static int s_put_mixed_txn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    bl_outbox_t *ob = ctx;
    int rc = 0;
    for (int i = 0; rc == 0 && i < 40; i++) {
        rc = i % 2 ? bl_outbox_put(ob, txn, 0, BL_MSG_VALUES, s_big,
                                   sizeof s_big, err)
                   : bl_outbox_put(ob, txn, 0, BL_MSG_VALUES, "\x80", 1, err);
    }
    return rc;
}

/* Puts s_put_mixed_txn's 40 messages into a one-lane outbox and delivers
 * them to receiver r, opened with handlers h; returns the outbox. */
static bl_outbox_t *s_deliver_mixed(const bl_inbox_handlers_t *h,
                                    s_receiver_t *r)
{
    s_big_init();
    bl_outbox_t *ob;
    bl_err_t err = {0};
    cr_assert_eq(s_open(&ob, 1, &err), 0, "%s", err.msg);
    cr_assert_eq(bl_store_write(s_store, s_put_mixed_txn, ob, &err), 0, "%s",
                 err.msg);
    memset(r, 0, sizeof *r);
    s_receiver_open_with(r, 0, h);
    s_deliver(ob, r, 1);
    return ob;
}

/* A receiver with a prepare hook (bl_inbox.h): a batch's messages after
 * its first are prepared ahead on the inbox's thread; apply finds each
 * one's own, the rest (the first, or when there is no thread) it reads
 * itself; each prepared object is released once. */
Test(bl_outbox, a_batch_is_prepared_ahead_and_each_preparation_released)
{
    static const bl_inbox_handlers_t h = {.apply = s_apply,
                                          .prepare = s_prepare,
                                          .release = s_release_copy};
    s_receiver_t r;
    bl_outbox_t *ob = s_deliver_mixed(&h, &r);
    cr_assert_eq(r.n, 40);
    for (size_t j = 0; j < r.n; j++) {
        cr_assert_eq(r.seq[j], j + 1);
        cr_assert(r.intact[j], "message %zu", j);
    }
    size_t prepared = atomic_load(&r.prepared);
    cr_assert_gt(r.applied_prepared, 0, "no batch was prepared ahead");
    cr_assert_eq(r.prepared_right, r.applied_prepared,
                 "a message was applied with another one's preparation");
    cr_assert_eq(r.released, prepared, "prepared %zu, released %zu",
                 prepared, r.released);
    bl_outbox_close(&ob);
    s_receivers_close(&r, 1);
}

/* apply of the refusing receiver: writes the message's sequence number
 * into "data", then refuses every seventh message (after writing). */
static int s_apply_refusing(void *ctx, MDB_txn *txn, const bl_msg_t *m,
                            bl_err_t *err)
{
    s_receiver_t *r = ctx;
    unsigned char key[8];
    bl_store_u64_key(m->seq, key);
    int rc = bl_store_put(txn, bl_store_dbi(r->store, 1), key, sizeof key,
                          "x", 1, err);
    if (rc != 0) {
        return rc;
    }
    if (m->seq % 7 == 3) {
        return bl_err_set(err, BL_EDATA, "message %" PRIu64 " refused",
                          m->seq);
    }
    return 0;
}

/* A message refused halfway (apply wrote, then refused) leaves nothing:
 * its batch runs again without it.  The 40 messages come in batches of
 * several, so each refusal has messages before and after it in its
 * batch. */
Test(bl_outbox, a_message_refused_after_writing_leaves_nothing)
{
    static const bl_inbox_handlers_t h = {.apply = s_apply_refusing};
    s_receiver_t r;
    bl_outbox_t *ob = s_deliver_mixed(&h, &r);
    bl_err_t err = {0};
    cr_assert_eq(bl_inbox_refused(r.inbox), 6, "seq 3, 10, 17, 24, 31, 38");
    cr_assert_eq(bl_inbox_applied(r.inbox), 34);
    MDB_txn *txn;
    cr_assert_eq(bl_store_read(r.store, &txn, &err), 0);
    for (uint64_t seq = 1; seq <= 40; seq++) {
        unsigned char key[8];
        bl_store_u64_key(seq, key);
        MDB_val k = {sizeof key, key}, v;
        int rc = mdb_get(txn, bl_store_dbi(r.store, 1), &k, &v);
        if (seq % 7 == 3) {
            cr_assert_eq(rc, MDB_NOTFOUND, "refused message %" PRIu64
                         " left its write", seq);
        } else {
            cr_assert_eq(rc, 0, "message %" PRIu64 " lost its write", seq);
        }
    }
    mdb_txn_abort(txn);
    bl_outbox_close(&ob);
    s_receivers_close(&r, 1);
}
