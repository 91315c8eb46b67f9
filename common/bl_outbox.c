/*
 * bl_outbox: the sending half of stage-to-stage delivery (see bl_outbox.h).
 *
 * Store layout: box_dbi keys are lane (1 byte) + seq (8 bytes big-endian),
 * values the encoded envelope, or for a message put to every lane a
 * reference to it: S_REF_TAG + shared id (8 bytes; 0xc1 never starts a
 * MessagePack object, so no envelope looks like one).  A shared message is
 * stored once, under S_SHARED + id, as its envelope with seq 0: each lane
 * sends it with its own seq put in (bl_msg_reseq, which does not read the
 * payload).  S_REFS + id counts the lanes that have
 * not acknowledged it yet; the last acknowledgement deletes both.  Lanes
 * are 0 .. BL_OUTBOX_LANES_MAX - 1, so these keys never fall in a lane.
 * meta_dbi holds "<name>.epoch", "<name>.<lane>.next" (the next sequence
 * number to assign) and "<name>.shared" (the next shared id).  In memory
 * each lane keeps the highest acknowledged seq and the next seq to send;
 * both are derived from the store at open, so a restart resends
 * everything still unacknowledged.
 */
#include "bl_outbox.h"

#include "bl_scan.h"

#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_net.h"

#define S_WINDOW 256          /* unacknowledged messages in flight per lane */
#define S_RESEND_MS 5000      /* go back when no ack progress for this long */
#define S_REF_TAG 0xc1        /* a lane's value that refers to a shared one */
#define S_REFS 0xfe           /* key byte: lanes yet to acknowledge, by id */
#define S_SHARED 0xff         /* key byte: a shared message, by id */
#define S_SHARE_MIN 256       /* put_all stores a payload this large once */

typedef struct s_lane {
    void *sock;            /* DEALER connected to the endpoint */
    uint64_t acked;        /* highest seq acknowledged */
    uint64_t next_send;    /* next seq to send */
    long long last_progress_ms; /* last ack progress (or first send) */
} s_lane_t;

struct bl_outbox {
    bl_store_t *store;
    MDB_dbi box;
    MDB_dbi meta;
    char name[48];
    bl_msg_t tmpl;          /* sender, origin, catalogue, epoch */
    size_t n_lanes;
    s_lane_t lanes[BL_OUTBOX_LANES_MAX];
    uint64_t sent;          /* acknowledged since open */
    bl_mpw_t w;             /* encoding buffer */
    bl_mpw_t sendw;         /* a shared message with its lane's seq */
};

static void s_box_key(size_t lane, uint64_t seq, unsigned char key[9])
{
    key[0] = (unsigned char)lane;
    bl_store_u64_key(seq, key + 1);
}

static uint64_t s_random_epoch(void)
{
    uint64_t v = 0;
    int fd = open("/dev/urandom", O_RDONLY);
    if (fd >= 0) {
        ssize_t n = read(fd, &v, sizeof v);
        (void)n;
        close(fd);
    }
    v ^= (uint64_t)bl_net_now_ms() << 20 ^ (uint64_t)getpid();
    return (v & 0x7fffffffffffffffULL) | 1;
}

/* Messages in the box for lane. */
static int s_lane_messages(bl_outbox_t *ob, MDB_txn *txn, size_t lane,
                           size_t *count, bl_err_t *err)
{
    unsigned char l = (unsigned char)lane;
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, ob->box, &l, 1, err);
    *count = 0;
    while (rc == 0 &&
           (rc = bl_scan_next(&scan, NULL, NULL)) == 1) {
        (*count)++;
        rc = 0;
    }
    bl_scan_close(&scan);
    return rc < 0 ? rc : 0;
}

/* A different number of lanes than last time (workers added or removed):
 * lanes that stay keep their sequence (lane l is always worker l + 1, whose
 * store remembers what it applied); a removed lane must hold nothing (its
 * messages would be lost) and forgets its sequence, and a new lane starts
 * at 1, so a worker added later with a new store takes it from the start.
 * "<name>.lanes" records the count. */
static int s_change_lanes(bl_outbox_t *ob, MDB_txn *txn, bl_err_t *err)
{
    char key[96];
    snprintf(key, sizeof key, "%s.lanes", ob->name);
    uint64_t before;
    int rc = bl_store_get_u64(txn, ob->meta, key, &before, err);
    if (rc != 0) {
        return rc;
    }
    if (before == ob->n_lanes) {
        return 0;
    }
    if (before == 0) {
        before = ob->n_lanes; /* a store from before lanes were recorded */
    }
    size_t lo = before < ob->n_lanes ? (size_t)before : ob->n_lanes;
    size_t hi = before > ob->n_lanes ? (size_t)before : ob->n_lanes;
    for (size_t l = lo; l < hi && l < 256; l++) {
        size_t held;
        rc = s_lane_messages(ob, txn, l, &held, err);
        if (rc != 0) {
            return rc;
        }
        if (held > 0) {
            return bl_err_set(err, BL_EREFUSED,
                              "outbox %s: %zu message(s) for worker %zu not "
                              "yet delivered; they must be before the "
                              "worker count changes from %" PRIu64
                              " to %zu",
                              ob->name, held, l + 1, before, ob->n_lanes);
        }
        char next[96];
        snprintf(next, sizeof next, "%s.%zu.next", ob->name, l);
        rc = bl_store_put_u64(txn, ob->meta, next, 1, err);
        if (rc != 0) {
            return rc;
        }
    }
    return bl_store_put_u64(txn, ob->meta, key, ob->n_lanes, err);
}

typedef struct s_open_ctx {
    bl_outbox_t *ob;
} s_open_ctx_t;

static int s_open_txn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    bl_outbox_t *ob = ((s_open_ctx_t *)ctx)->ob;
    char key[96];
    snprintf(key, sizeof key, "%s.epoch", ob->name);
    uint64_t epoch;
    int rc = bl_store_get_u64(txn, ob->meta, key, &epoch, err);
    if (rc != 0) {
        return rc;
    }
    if (epoch == 0) {
        epoch = s_random_epoch();
        rc = bl_store_put_u64(txn, ob->meta, key, epoch, err);
        if (rc != 0) {
            return rc;
        }
    }
    ob->tmpl.epoch = epoch;
    rc = s_change_lanes(ob, txn, err);
    if (rc != 0) {
        return rc;
    }
    /* The oldest message still in the box tells how far acks had come. */
    for (size_t l = 0; l < ob->n_lanes; l++) {
        snprintf(key, sizeof key, "%s.%zu.next", ob->name, l);
        uint64_t next;
        rc = bl_store_get_u64(txn, ob->meta, key, &next, err);
        if (rc != 0) {
            return rc;
        }
        if (next == 0) {
            next = 1;
        }
        uint64_t acked = next - 1;
        unsigned char lane = (unsigned char)l;
        bl_scan_t scan;
        MDB_val mk;
        rc = bl_scan_open(&scan, txn, ob->box, &lane, 1, err);
        if (rc == 0) {
            rc = bl_scan_next(&scan, &mk, NULL);
        }
        bl_scan_close(&scan);
        if (rc < 0) {
            return rc;
        }
        if (rc == 1 && mk.mv_size == 9) {
            acked = bl_store_u64_from((unsigned char *)mk.mv_data + 1) - 1;
        }
        ob->lanes[l].acked = acked;
        ob->lanes[l].next_send = acked + 1;
    }
    return 0;
}

int bl_outbox_open(bl_outbox_t **out, void *zctx, bl_store_t *store,
                   MDB_dbi box_dbi, MDB_dbi meta_dbi, const char *name,
                   const char *const *endpoints, size_t n_endpoints,
                   const bl_net_link_t *link, const bl_msg_t *tmpl,
                   bl_err_t *err)
{
    *out = NULL;
    if (n_endpoints == 0 || n_endpoints > BL_OUTBOX_LANES_MAX) {
        return bl_err_set(err, BL_EINVAL, "outbox needs 1..%d endpoints",
                          BL_OUTBOX_LANES_MAX);
    }
    bl_outbox_t *ob = calloc(1, sizeof *ob);
    if (ob == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    ob->store = store;
    ob->box = box_dbi;
    ob->meta = meta_dbi;
    snprintf(ob->name, sizeof ob->name, "%s", name);
    ob->tmpl = *tmpl;
    ob->n_lanes = n_endpoints;
    bl_mpw_init(&ob->w);
    bl_mpw_init(&ob->sendw);
    s_open_ctx_t c = {ob};
    int rc = bl_store_write(store, s_open_txn, &c, err);
    if (rc != 0) {
        goto fail;
    }
    for (size_t l = 0; l < n_endpoints; l++) {
        rc = bl_net_dealer(&ob->lanes[l].sock, zctx, endpoints[l], link, err);
        if (rc != 0) {
            goto fail;
        }
        ob->lanes[l].last_progress_ms = bl_net_now_ms();
    }
    *out = ob;
    return 0;
fail:
    bl_outbox_close(&ob);
    return rc;
}

void bl_outbox_close(bl_outbox_t **ob)
{
    if (ob == NULL || *ob == NULL) {
        return;
    }
    for (size_t l = 0; l < (*ob)->n_lanes; l++) {
        bl_net_close(&(*ob)->lanes[l].sock);
    }
    bl_mpw_destroy(&(*ob)->w);
    bl_mpw_destroy(&(*ob)->sendw);
    free(*ob);
    *ob = NULL;
}

size_t bl_outbox_lanes(const bl_outbox_t *ob)
{
    return ob->n_lanes;
}

/* Takes the next sequence number of lane (meta "<name>.<lane>.next")
 * into *seq and writes the box key for it. */
static int s_next_seq(bl_outbox_t *ob, MDB_txn *txn, size_t lane,
                      uint64_t *seq, unsigned char k[9], bl_err_t *err)
{
    char key[96];
    snprintf(key, sizeof key, "%s.%zu.next", ob->name, lane);
    uint64_t next;
    int rc = bl_store_get_u64(txn, ob->meta, key, &next, err);
    if (rc != 0) {
        return rc;
    }
    if (next == 0) {
        next = 1;
    }
    *seq = next;
    s_box_key(lane, next, k);
    return bl_store_put_u64(txn, ob->meta, key, next + 1, err);
}

/* The envelope of a message of type with payload and seq, into ob->w. */
static int s_encode(bl_outbox_t *ob, bl_msg_type_t type, uint64_t seq,
                    const void *payload, size_t len, bl_err_t *err)
{
    bl_msg_t m = ob->tmpl;
    m.type = type;
    m.seq = seq;
    m.payload = payload;
    m.payload_len = len;
    bl_mpw_reset(&ob->w);
    int rc = bl_msg_encode(&ob->w, &m);
    return rc == 0 ? 0
                   : bl_err_set(err, rc, "cannot encode message: %s",
                                bl_strerror(rc));
}

int bl_outbox_put(bl_outbox_t *ob, MDB_txn *txn, size_t lane,
                  bl_msg_type_t type, const void *payload, size_t len,
                  bl_err_t *err)
{
    if (lane >= ob->n_lanes) {
        return bl_err_set(err, BL_EINVAL, "no lane %zu", lane);
    }
    uint64_t seq;
    unsigned char k[9];
    int rc = s_next_seq(ob, txn, lane, &seq, k, err);
    if (rc == 0) {
        rc = s_encode(ob, type, seq, payload, len, err);
    }
    return rc != 0 ? rc
                   : bl_store_put(txn, ob->box, k, sizeof k,
                                  bl_mpw_data(&ob->w), bl_mpw_size(&ob->w),
                                  err);
}

/* A key of the shared part of the box: tag + id. */
static void s_shared_key(unsigned char tag, uint64_t id, unsigned char k[9])
{
    k[0] = tag;
    bl_store_u64_key(id, k + 1);
}

int bl_outbox_put_all(bl_outbox_t *ob, MDB_txn *txn, bl_msg_type_t type,
                      const void *payload, size_t len, bl_err_t *err)
{
    if (ob->n_lanes < 2 || len < S_SHARE_MIN) {
        for (size_t l = 0; l < ob->n_lanes; l++) {
            int rc = bl_outbox_put(ob, txn, l, type, payload, len, err);
            if (rc != 0) {
                return rc;
            }
        }
        return 0;
    }
    /* Once, with seq 0, and a reference in each lane. */
    char key[96];
    snprintf(key, sizeof key, "%s.shared", ob->name);
    uint64_t id;
    int rc = bl_store_get_u64(txn, ob->meta, key, &id, err);
    if (rc != 0) {
        return rc;
    }
    id = id == 0 ? 1 : id;
    unsigned char k[9], ref[9], n[8];
    rc = s_encode(ob, type, 0, payload, len, err);
    if (rc == 0) {
        s_shared_key(S_SHARED, id, k);
        rc = bl_store_put(txn, ob->box, k, sizeof k, bl_mpw_data(&ob->w),
                          bl_mpw_size(&ob->w), err);
    }
    if (rc == 0) {
        s_shared_key(S_REFS, id, k);
        bl_store_u64_key(ob->n_lanes, n);
        rc = bl_store_put(txn, ob->box, k, sizeof k, n, sizeof n, err);
    }
    s_shared_key(S_REF_TAG, id, ref);
    for (size_t l = 0; l < ob->n_lanes && rc == 0; l++) {
        uint64_t seq;
        rc = s_next_seq(ob, txn, l, &seq, k, err);
        if (rc == 0) {
            rc = bl_store_put(txn, ob->box, k, sizeof k, ref, sizeof ref,
                              err);
        }
    }
    return rc != 0 ? rc : bl_store_put_u64(txn, ob->meta, key, id + 1, err);
}

/* A lane's value that refers to a shared message: its id, else 0. */
static uint64_t s_ref_id(const MDB_val *v)
{
    const unsigned char *p = v->mv_data;
    return v->mv_size == 9 && p[0] == S_REF_TAG ? bl_store_u64_from(p + 1)
                                                : 0;
}

/* The frame to send for a lane's value mv with seq: the value itself, or
 * the shared message it refers to with seq put in (into ob->sendw). */
static int s_frame(bl_outbox_t *ob, MDB_txn *txn, const MDB_val *mv,
                   uint64_t seq, MDB_val *frame, bl_err_t *err)
{
    uint64_t id = s_ref_id(mv);
    if (id == 0) {
        *frame = *mv;
        return 0;
    }
    unsigned char k[9];
    s_shared_key(S_SHARED, id, k);
    MDB_val sv;
    int rc = bl_store_get(txn, ob->box, k, sizeof k, &sv, NULL);
    if (rc == 0) {
        bl_mpw_reset(&ob->sendw);
        rc = bl_msg_reseq(&ob->sendw, sv.mv_data, sv.mv_size, seq);
    }
    if (rc != 0) {
        return bl_err_set(err, rc == BL_ENOMEM ? rc : BL_ESTORE,
                          "outbox %s: shared message %" PRIu64 " %s",
                          ob->name, id,
                          rc == BL_ENOTFOUND ? "is not in the store"
                                             : "cannot be sent");
    }
    frame->mv_data = (void *)bl_mpw_data(&ob->sendw);
    frame->mv_size = bl_mpw_size(&ob->sendw);
    return 0;
}

static int s_pump_lane(bl_outbox_t *ob, size_t l, MDB_txn *txn,
                       long long now, bl_err_t *err)
{
    s_lane_t *ln = &ob->lanes[l];
    if (ln->next_send > ln->acked + 1 &&
        now - ln->last_progress_ms > S_RESEND_MS) {
        /* No ack progress: go back to the oldest unacknowledged. */
        ln->next_send = ln->acked + 1;
        ln->last_progress_ms = now;
    }
    if (ln->next_send > ln->acked + S_WINDOW) {
        return 0;
    }
    unsigned char lane = (unsigned char)l, k[9];
    s_box_key(l, ln->next_send, k);
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, ob->box, &lane, 1, err);
    if (rc == 0) {
        rc = bl_scan_from(&scan, k, sizeof k);
    }
    bool was_idle = ln->next_send == ln->acked + 1;
    MDB_val mk, mv;
    while (rc == 0 && ln->next_send <= ln->acked + S_WINDOW &&
           (rc = bl_scan_next(&scan, &mk, &mv)) == 1) {
        rc = 0;
        if (mk.mv_size != 9) {
            break;
        }
        uint64_t seq = bl_store_u64_from((unsigned char *)mk.mv_data + 1);
        MDB_val frame = {0, NULL};
        rc = s_frame(ob, txn, &mv, seq, &frame, err);
        if (rc != 0) {
            break;
        }
        int src = bl_net_send(ln->sock, frame.mv_data, frame.mv_size, err);
        if (src == BL_ETIMEOUT) {
            break;  /* not connected yet, or the pipe is full */
        }
        if (src != 0) {
            rc = src;
            break;
        }
        if (was_idle) {
            ln->last_progress_ms = now;
            was_idle = false;
        }
        ln->next_send = seq + 1;
    }
    bl_scan_close(&scan);
    return rc < 0 ? rc : 0;
}

int bl_outbox_pump(bl_outbox_t *ob, bl_err_t *err)
{
    MDB_txn *txn;
    int rc = bl_store_read(ob->store, &txn, err);
    if (rc != 0) {
        return rc;
    }
    long long now = bl_net_now_ms();
    for (size_t l = 0; l < ob->n_lanes && rc == 0; l++) {
        rc = s_pump_lane(ob, l, txn, now, err);
    }
    mdb_txn_abort(txn);
    return rc;
}

typedef struct s_ack_ctx {
    bl_outbox_t *ob;
    size_t lane;
    uint64_t from;  /* first seq to delete */
    uint64_t upto;  /* last seq to delete */
} s_ack_ctx_t;

/* One lane fewer yet to acknowledge shared message id; the last one
 * deletes it. */
static int s_unref(bl_outbox_t *ob, MDB_txn *txn, uint64_t id,
                   bl_err_t *err)
{
    unsigned char k[9], n[8];
    s_shared_key(S_REFS, id, k);
    MDB_val v;
    int rc = bl_store_get(txn, ob->box, k, sizeof k, &v, err);
    if (rc == BL_ENOTFOUND) {
        return 0;  /* already gone: nothing refers to it any more */
    }
    if (rc != 0) {
        return rc;
    }
    uint64_t left = v.mv_size == 8 ? bl_store_u64_from(v.mv_data) : 0;
    if (left > 1) {
        bl_store_u64_key(left - 1, n);
        return bl_store_put(txn, ob->box, k, sizeof k, n, sizeof n, err);
    }
    rc = bl_store_del(txn, ob->box, k, sizeof k, err);
    s_shared_key(S_SHARED, id, k);
    if (rc == 0) {
        rc = bl_store_del(txn, ob->box, k, sizeof k, err);
    }
    return rc;
}

static int s_ack_txn(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    s_ack_ctx_t *a = ctx;
    unsigned char lane = (unsigned char)a->lane, k[9];
    s_box_key(a->lane, a->from, k);
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, a->ob->box, &lane, 1, err);
    if (rc == 0) {
        rc = bl_scan_from(&scan, k, sizeof k);
    }
    /* The shared messages the deleted ones referred to, let go of after
     * the scan (not while its cursor walks the same database). */
    uint64_t *ids = NULL;
    size_t n_ids = 0, cap = 0;
    MDB_val mk, mv;
    while (rc == 0 && (rc = bl_scan_next(&scan, &mk, &mv)) == 1) {
        if (mk.mv_size != 9 ||
            bl_store_u64_from((unsigned char *)mk.mv_data + 1) > a->upto) {
            rc = 0;
            break;
        }
        uint64_t id = s_ref_id(&mv);
        if (id != 0 && n_ids == cap) {
            cap = cap ? cap * 2 : 64;
            uint64_t *g = realloc(ids, cap * sizeof *ids);
            if (g == NULL) {
                rc = bl_err_set(err, BL_ENOMEM, "out of memory");
                break;
            }
            ids = g;
        }
        if (id != 0) {
            ids[n_ids++] = id;
        }
        rc = bl_scan_del(&scan);
    }
    bl_scan_close(&scan);
    for (size_t i = 0; rc == 0 && i < n_ids; i++) {
        rc = s_unref(a->ob, txn, ids[i], err);
    }
    free(ids);
    return rc < 0 ? rc : 0;
}

int bl_outbox_on_readable(bl_outbox_t *ob, size_t lane, bl_err_t *err)
{
    s_lane_t *ln = &ob->lanes[lane];
    uint64_t best = ln->acked;
    for (int i = 0; i < 10000; i++) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        int n = zmq_msg_recv(&msg, ln->sock, ZMQ_DONTWAIT);
        if (n < 0) {
            zmq_msg_close(&msg);
            break;
        }
        bl_msg_t m;
        bl_err_t derr;
        if (bl_msg_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &m,
                          &derr) == 0 &&
            m.type == BL_MSG_ACK && m.epoch == ob->tmpl.epoch) {
            bl_mpr_t r;
            bl_mpr_init(&r, m.payload, m.payload_len);
            uint64_t seq;
            if (bl_mpr_uint(&r, &seq) == 0 && seq > best &&
                seq < ln->next_send + S_WINDOW * 4) {
                best = seq;
            }
        }
        zmq_msg_close(&msg);
    }
    if (best > ln->acked) {
        s_ack_ctx_t a = {ob, lane, ln->acked + 1, best};
        int rc = bl_store_write(ob->store, s_ack_txn, &a, err);
        if (rc != 0) {
            return rc;
        }
        ob->sent += best - ln->acked;
        ln->acked = best;
        if (ln->next_send <= best) {
            ln->next_send = best + 1;
        }
        ln->last_progress_ms = bl_net_now_ms();
    }
    return bl_outbox_pump(ob, err);
}

void *bl_outbox_socket(const bl_outbox_t *ob, size_t lane)
{
    return ob->lanes[lane].sock;
}

uint64_t bl_outbox_pending(const bl_outbox_t *ob)
{
    /* Pending is derived from the store's sequence counters: what was
     * assigned minus what was acknowledged, read from the store
     * in one short read transaction. */
    uint64_t total = 0;
    MDB_txn *txn;
    if (bl_store_read(ob->store, &txn, NULL) != 0) {
        return 0;
    }
    for (size_t l = 0; l < ob->n_lanes; l++) {
        char key[96];
        snprintf(key, sizeof key, "%s.%zu.next", ob->name, l);
        uint64_t next = 0;
        if (bl_store_get_u64(txn, ob->meta, key, &next, NULL) == 0 &&
            next > ob->lanes[l].acked + 1) {
            total += next - 1 - ob->lanes[l].acked;
        }
    }
    mdb_txn_abort(txn);
    return total;
}

uint64_t bl_outbox_sent(const bl_outbox_t *ob)
{
    return ob->sent;
}

size_t bl_outbox_lane_of(const char *key, size_t len, size_t n)
{
    /* FNV-1a with the offset basis this rule has always had (one digit
     * short of the standard one, bl_hash.h): stores are partitioned by
     * it, so it stays. */
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)key[i];
        h *= 1099511628211ULL;
    }
    return n > 0 ? (size_t)(h % n) : 0;
}

size_t bl_outbox_lane_for(const bl_outbox_t *ob, const char *key, size_t len)
{
    return bl_outbox_lane_of(key, len, ob->n_lanes);
}
