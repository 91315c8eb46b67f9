/*
 * bl_inbox: batch receive, one-transaction apply, then acknowledge (see
 * bl_inbox.h).  seen_dbi keys are "sender\0epoch(8 bytes)"; values the last
 * applied seq (8 bytes big-endian).
 */
#include "bl_inbox.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "bl_net.h"

#define S_BATCH_MAX 64                      /* frames per transaction */
#define S_BATCH_BYTES (16u * 1024u * 1024u) /* bytes per transaction */
#define S_RID_MAX 256                       /* routing id bytes */
#define S_SENDERS_MAX 64                    /* distinct senders per batch */
#define S_RUN_AGAIN 1   /* s_apply_batch: a message was refused; the batch
                         * runs again without it (bl_store_write aborts) */

/* What became of one frame in a batch. */
typedef enum s_outcome {
    S_APPLIED,    /* applied (or a request answered) */
    S_DUPLICATE,  /* applied before: acknowledged again, not applied */
    S_WAITING,    /* after a gap, or too many senders: resent later */
    S_REFUSED     /* malformed or refused by apply: acknowledged, counted */
} s_outcome_t;

typedef struct s_frame {
    unsigned char rid[S_RID_MAX];  /* routing id of the peer */
    size_t rid_len;
    zmq_msg_t body;                /* the envelope */
    bl_msg_t msg;                  /* decoded, valid while body lives */
    bool ok;                       /* decoded */
    bool refuse;                   /* apply refused it in an earlier run of
                                    * this batch: not applied again */
    s_outcome_t outcome;           /* what the batch did with it */
    char reason[BL_ERR_MSG_MAX];   /* why refused */
    size_t reply_off, reply_len;   /* request: its reply in the reply buf */
    void *prepared;                /* what the prepare hook made of it */
    atomic_bool ready;             /* prepared (or passed over) */
} s_frame_t;

typedef struct s_sender {
    char name[BL_MSG_NAME_MAX];
    uint64_t epoch;
    uint64_t last;                 /* last applied seq */
    size_t frame;                  /* a frame from it, for the routing id */
} s_sender_t;

struct bl_inbox {
    bl_store_t *store;
    MDB_dbi seen;
    void *sock;
    bl_inbox_handlers_t h;
    void *ctx;
    bl_msg_t tmpl;
    s_frame_t *frames;             /* S_BATCH_MAX */
    size_t n_frames;
    s_sender_t senders[S_SENDERS_MAX];
    size_t n_senders;
    bl_mpw_t replies;              /* replies of this batch, concatenated */
    bl_mpw_t out;                  /* envelope encoding buffer */
    uint64_t applied, refused, duplicates, requests;
    uint64_t batch_applied;        /* applied in the current transaction */
    int (*gate)(void *ctx, const char *user_id, const char *key);
    void *gate_ctx;
    /* The batch's prepare thread (h.prepare), while one runs. */
    pthread_t prep_thread;
    bool prep_running;
    atomic_bool prep_stop;
    pthread_mutex_t prep_mu;
    pthread_cond_t prep_cond;      /* a frame became ready */
    bool prep_sync;                /* prep_mu and prep_cond exist */
};

/* ---- preparing a batch's messages ahead (h.prepare) --------------------- */

/* The prepare thread: frames 1.. in order (frame 0 is applied first, by
 * the time this one is ready). */
static void *s_prepare_main(void *arg)
{
    bl_inbox_t *ib = arg;
    for (size_t i = 1; i < ib->n_frames; i++) {
        s_frame_t *f = &ib->frames[i];
        if (!atomic_load(&ib->prep_stop) && f->ok &&
            f->msg.type != BL_MSG_REQUEST && f->msg.seq != 0) {
            f->prepared = ib->h.prepare(ib->ctx, &f->msg);
        }
        pthread_mutex_lock(&ib->prep_mu);
        atomic_store(&f->ready, true);
        pthread_cond_broadcast(&ib->prep_cond);
        pthread_mutex_unlock(&ib->prep_mu);
    }
    return NULL;
}

/* Starts preparing the batch's frames, when the stage prepares and the
 * batch has more than one; without a thread every frame is ready. */
static void s_prepare_start(bl_inbox_t *ib)
{
    if (ib->h.prepare == NULL) {
        return;   /* (apply finds msg->prepared NULL: decoding clears it) */
    }
    bool thread = ib->n_frames > 1 && ib->prep_sync;
    for (size_t i = 0; i < ib->n_frames; i++) {
        ib->frames[i].prepared = NULL;
        atomic_store(&ib->frames[i].ready, !thread || i == 0);
    }
    if (!thread) {
        return;
    }
    atomic_store(&ib->prep_stop, false);
    ib->prep_running =
        pthread_create(&ib->prep_thread, NULL, s_prepare_main, ib) == 0;
    if (!ib->prep_running) {
        for (size_t i = 0; i < ib->n_frames; i++) {
            atomic_store(&ib->frames[i].ready, true);
        }
    }
}

/* Frame f as apply is to see it: prepared, once the thread got to it. */
static void s_prepare_wait(bl_inbox_t *ib, s_frame_t *f)
{
    if (ib->h.prepare == NULL) {
        return;
    }
    if (!atomic_load(&f->ready)) {
        pthread_mutex_lock(&ib->prep_mu);
        while (!atomic_load(&f->ready)) {
            pthread_cond_wait(&ib->prep_cond, &ib->prep_mu);
        }
        pthread_mutex_unlock(&ib->prep_mu);
    }
    f->msg.prepared = f->prepared;
}

/* Stops the thread (if any) and frees what it prepared: before the
 * frames are released. */
static void s_prepare_end(bl_inbox_t *ib)
{
    if (ib->prep_running) {
        atomic_store(&ib->prep_stop, true);
        pthread_join(ib->prep_thread, NULL);
        ib->prep_running = false;
    }
    for (size_t i = 0; ib->h.prepare != NULL && i < ib->n_frames; i++) {
        s_frame_t *f = &ib->frames[i];
        if (f->prepared != NULL && ib->h.release != NULL) {
            ib->h.release(ib->ctx, f->prepared);
        }
        f->prepared = NULL;
        f->msg.prepared = NULL;
    }
}

void bl_inbox_set_gate(bl_inbox_t *ib,
                       int (*gate)(void *ctx, const char *user_id,
                                   const char *key),
                       void *ctx)
{
    ib->gate = gate;
    ib->gate_ctx = ctx;
}

int bl_inbox_open(bl_inbox_t **out, void *zctx, bl_store_t *store,
                  MDB_dbi seen_dbi, const char *endpoint,
                  const bl_net_link_t *link,
                  const bl_inbox_handlers_t *handlers, void *ctx,
                  const bl_msg_t *tmpl, bl_err_t *err)
{
    *out = NULL;
    bl_inbox_t *ib = calloc(1, sizeof *ib);
    if (ib == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    ib->frames = calloc(S_BATCH_MAX, sizeof *ib->frames);
    if (ib->frames == NULL) {
        free(ib);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    ib->store = store;
    ib->seen = seen_dbi;
    ib->h = *handlers;
    if (ib->h.prepare != NULL) {
        if (pthread_mutex_init(&ib->prep_mu, NULL) == 0) {
            if (pthread_cond_init(&ib->prep_cond, NULL) == 0) {
                ib->prep_sync = true;   /* else: no thread, apply decodes */
            } else {
                pthread_mutex_destroy(&ib->prep_mu);
            }
        }
    }
    ib->ctx = ctx;
    ib->tmpl = *tmpl;
    bl_mpw_init(&ib->replies);
    bl_mpw_init(&ib->out);
    int rc = bl_net_router(&ib->sock, zctx, endpoint, link, err);
    if (rc != 0) {
        bl_inbox_close(&ib);
        return rc;
    }
    *out = ib;
    return 0;
}

void bl_inbox_close(bl_inbox_t **ib)
{
    if (ib == NULL || *ib == NULL) {
        return;
    }
    bl_net_close(&(*ib)->sock);
    if ((*ib)->prep_sync) {
        pthread_cond_destroy(&(*ib)->prep_cond);
        pthread_mutex_destroy(&(*ib)->prep_mu);
    }
    bl_mpw_destroy(&(*ib)->replies);
    bl_mpw_destroy(&(*ib)->out);
    free((*ib)->frames);
    free(*ib);
    *ib = NULL;
}

void *bl_inbox_socket(const bl_inbox_t *ib)
{
    return ib->sock;
}

static size_t s_seen_key(const char *sender, uint64_t epoch,
                         unsigned char *key)
{
    size_t l = strlen(sender);
    memcpy(key, sender, l);
    key[l] = '\0';
    bl_store_u64_key(epoch, key + l + 1);
    return l + 9;
}

/* Finds or loads the sender's state for this transaction. */
static int s_sender(bl_inbox_t *ib, MDB_txn *txn, const bl_msg_t *m,
                    s_sender_t **out, bl_err_t *err)
{
    for (size_t i = 0; i < ib->n_senders; i++) {
        s_sender_t *s = &ib->senders[i];
        if (s->epoch == m->epoch && strcmp(s->name, m->sender) == 0) {
            *out = s;
            return 0;
        }
    }
    if (ib->n_senders == S_SENDERS_MAX) {
        *out = NULL;
        return 0;
    }
    s_sender_t *s = &ib->senders[ib->n_senders];
    memcpy(s->name, m->sender, sizeof s->name);
    s->epoch = m->epoch;
    unsigned char key[BL_MSG_NAME_MAX + 9];
    size_t kl = s_seen_key(m->sender, m->epoch, key);
    MDB_val v;
    int rc = bl_store_get(txn, ib->seen, key, kl, &v, err);
    if (rc == 0 && v.mv_size == 8) {
        s->last = bl_store_u64_from(v.mv_data);
    } else if (rc == 0 || rc == BL_ENOTFOUND) {
        s->last = 0;
    } else {
        return rc;
    }
    ib->n_senders++;
    *out = s;
    return 0;
}

static int s_apply_batch(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    bl_inbox_t *ib = ctx;
    ib->n_senders = 0;
    ib->batch_applied = 0;
    bl_mpw_reset(&ib->replies);
    for (size_t i = 0; i < ib->n_frames; i++) {
        s_frame_t *f = &ib->frames[i];
        if (!f->ok) {
            continue;
        }
        f->outcome = S_APPLIED;
        if (f->msg.type == BL_MSG_REQUEST) {
            size_t before = bl_mpw_size(&ib->replies);
            int rc = ib->h.request ? ib->h.request(ib->ctx, txn, &f->msg,
                                                   &ib->replies, err)
                                   : BL_EINVAL;
            if (rc != 0) {
                return rc;
            }
            if (ib->replies.err) {
                return bl_err_set(err, ib->replies.err, "reply too large");
            }
            f->reply_off = before;
            f->reply_len = bl_mpw_size(&ib->replies) - before;
            continue;
        }
        if (f->msg.seq == 0 || f->msg.type == BL_MSG_ACK ||
            f->msg.type == BL_MSG_REPLY) {
            f->outcome = S_REFUSED;
            snprintf(f->reason, sizeof f->reason, "unexpected %s message",
                     bl_msg_type_name(f->msg.type));
            continue;
        }
        s_sender_t *s;
        int rc = s_sender(ib, txn, &f->msg, &s, err);
        if (rc != 0) {
            return rc;
        }
        if (s == NULL) {
            f->outcome = S_WAITING;  /* too many senders at once */
            continue;
        }
        if (f->msg.seq <= s->last) {
            f->outcome = S_DUPLICATE;
            continue;
        }
        if (f->msg.seq != s->last + 1) {
            f->outcome = S_WAITING;
            continue;
        }
        if (f->refuse) {
            f->outcome = S_REFUSED;
        } else {
            bl_err_t aerr = {0};
            s_prepare_wait(ib, f);
            rc = ib->h.apply(ib->ctx, txn, &f->msg, &aerr);
            if (rc == BL_EDATA || rc == BL_EPROTO) {
                /* What apply wrote before it refused must not stay: the
                 * whole batch is aborted and runs again without it. */
                f->refuse = true;
                snprintf(f->reason, sizeof f->reason, "%s", aerr.msg);
                return S_RUN_AGAIN;
            }
            if (rc != 0) {
                if (err) {
                    *err = aerr;
                }
                return rc;
            }
            ib->batch_applied++;
        }
        s->last = f->msg.seq;
        s->frame = i;
        unsigned char key[BL_MSG_NAME_MAX + 9];
        size_t kl = s_seen_key(s->name, s->epoch, key);
        unsigned char val[8];
        bl_store_u64_key(s->last, val);
        rc = bl_store_put(txn, ib->seen, key, kl, val, sizeof val, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static void s_send_envelope(bl_inbox_t *ib, const s_frame_t *f,
                            bl_msg_type_t type, uint64_t epoch,
                            const void *payload, size_t len)
{
    bl_msg_t m = ib->tmpl;
    m.type = type;
    m.epoch = epoch;
    m.seq = 0;
    m.payload = payload;
    m.payload_len = len;
    bl_mpw_reset(&ib->out);
    if (bl_msg_encode(&ib->out, &m) != 0) {
        return;
    }
    /* A peer that went away gets nothing: it resends or asks again. */
    (void)bl_net_send_to(ib->sock, f->rid, f->rid_len, bl_mpw_data(&ib->out),
                         bl_mpw_size(&ib->out), NULL);
}

static void s_acknowledge(bl_inbox_t *ib)
{
    for (size_t i = 0; i < ib->n_frames; i++) {
        s_frame_t *f = &ib->frames[i];
        if (!f->ok) {
            if (ib->h.refused) {
                ib->h.refused(ib->ctx, "?", f->reason);
            }
            ib->refused++;
            continue;
        }
        if (f->msg.type == BL_MSG_REQUEST) {
            ib->requests++;
            s_send_envelope(ib, f, BL_MSG_REPLY, 0,
                            (const char *)bl_mpw_data(&ib->replies) +
                                f->reply_off,
                            f->reply_len);
            continue;
        }
        if (f->outcome == S_DUPLICATE) {
            ib->duplicates++;
        } else if (f->outcome == S_REFUSED) {
            ib->refused++;
            if (ib->h.refused) {
                ib->h.refused(ib->ctx, f->msg.sender, f->reason);
            }
        }
    }
    /* One cumulative ack per sender, to the routing id of its latest
     * frame; duplicates are acknowledged too so the sender moves on. */
    for (size_t i = 0; i < ib->n_frames; i++) {
        s_frame_t *f = &ib->frames[i];
        if (!f->ok || f->msg.type == BL_MSG_REQUEST || f->msg.seq == 0) {
            continue;
        }
        int later = 0;
        for (size_t j = i + 1; j < ib->n_frames; j++) {
            s_frame_t *g = &ib->frames[j];
            if (g->ok && g->msg.seq != 0 && g->msg.type != BL_MSG_REQUEST &&
                g->msg.epoch == f->msg.epoch &&
                strcmp(g->msg.sender, f->msg.sender) == 0) {
                later = 1;
                break;
            }
        }
        if (later) {
            continue;
        }
        uint64_t last = 0;
        for (size_t s = 0; s < ib->n_senders; s++) {
            if (ib->senders[s].epoch == f->msg.epoch &&
                strcmp(ib->senders[s].name, f->msg.sender) == 0) {
                last = ib->senders[s].last;
            }
        }
        if (last == 0) {
            continue;
        }
        bl_mpw_t p;
        bl_mpw_init(&p);
        bl_mpw_uint(&p, last);
        if (p.err == 0) {
            s_send_envelope(ib, f, BL_MSG_ACK, f->msg.epoch, bl_mpw_data(&p),
                            bl_mpw_size(&p));
        }
        bl_mpw_destroy(&p);
    }
}

static void s_release(bl_inbox_t *ib)
{
    s_prepare_end(ib);
    for (size_t i = 0; i < ib->n_frames; i++) {
        zmq_msg_close(&ib->frames[i].body);
    }
    ib->n_frames = 0;
}

/* Receives one [rid][body] message; returns 1 when one was read, 0 when
 * none is waiting, and drops any message of another shape. */
static int s_recv_one(bl_inbox_t *ib, s_frame_t *f)
{
    f->refuse = false;
    zmq_msg_t rid;
    zmq_msg_init(&rid);
    if (zmq_msg_recv(&rid, ib->sock, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close(&rid);
        return 0;
    }
    size_t rl = zmq_msg_size(&rid);
    f->rid_len = rl < S_RID_MAX ? rl : S_RID_MAX;
    memcpy(f->rid, zmq_msg_data(&rid), f->rid_len);
    int more = zmq_msg_more(&rid);
    zmq_msg_close(&rid);
    zmq_msg_init(&f->body);
    if (!more || zmq_msg_recv(&f->body, ib->sock, 0) < 0) {
        f->ok = false;
        snprintf(f->reason, sizeof f->reason, "empty message");
        return 1;
    }
    /* A well-formed message has exactly two frames: drain and refuse the
     * rest. */
    int more_frames = zmq_msg_more(&f->body);
    int extra = more_frames;
    while (more_frames) {
        zmq_msg_t junk;
        zmq_msg_init(&junk);
        if (zmq_msg_recv(&junk, ib->sock, 0) < 0) {
            zmq_msg_close(&junk);
            break;
        }
        more_frames = zmq_msg_more(&junk);
        zmq_msg_close(&junk);
    }
    bl_err_t derr = {0};
    if (extra) {
        f->ok = false;
        snprintf(f->reason, sizeof f->reason, "unexpected extra frames");
    } else if (bl_msg_decode(zmq_msg_data(&f->body), zmq_msg_size(&f->body),
                             &f->msg, &derr) != 0) {
        f->ok = false;
        snprintf(f->reason, sizeof f->reason, "%s", derr.msg);
    } else {
        f->ok = true;
        /* The ZAP handler's user id: who the CURVE key belongs to. */
        const char *peer = zmq_msg_gets(&f->body, "User-Id");
        snprintf(f->msg.peer, sizeof f->msg.peer, "%s", peer ? peer : "");
        if (ib->gate != NULL &&
            !ib->gate(ib->gate_ctx, peer, zmq_msg_gets(&f->body, "X-Key"))) {
            f->ok = 0;
            snprintf(f->reason, sizeof f->reason,
                     "from %s (country %s): its key is no longer allowed",
                     f->msg.sender, peer ? peer : "?");
        }
    }
    return 1;
}

/* The store's filesystem is below its reserve: no new work is admitted.
 * Sequenced messages are neither applied nor acknowledged (their senders
 * resend them later), and requests run in a read-only transaction, so
 * health, status and exports are still answered while a request that
 * would write gets the out-of-space error at once. */
static int s_serve_low(bl_inbox_t *ib, const bl_err_t *why, bl_err_t *err)
{
    MDB_txn *txn = NULL;
    int rc = bl_store_read(ib->store, &txn, err);
    if (rc != 0) {
        s_release(ib);
        return rc;
    }
    ib->n_senders = 0;
    ib->batch_applied = 0;
    bl_mpw_reset(&ib->replies);
    for (size_t i = 0; i < ib->n_frames; i++) {
        s_frame_t *f = &ib->frames[i];
        if (!f->ok) {
            continue;
        }
        f->outcome = 2;
        if (f->msg.type != BL_MSG_REQUEST) {
            continue;
        }
        size_t before = bl_mpw_size(&ib->replies);
        bl_err_t rerr = {0};
        rc = ib->h.request ? ib->h.request(ib->ctx, txn, &f->msg,
                                           &ib->replies, &rerr)
                           : BL_EINVAL;
        if (rc != 0 || ib->replies.err) {
            /* it tried to write (a read-only transaction refuses) */
            ib->replies.buf.size = before;
            ib->replies.err = 0;
            bl_reply_error(&ib->replies, "%s", why->msg);
        }
        f->reply_off = before;
        f->reply_len = bl_mpw_size(&ib->replies) - before;
    }
    mdb_txn_abort(txn);
    s_acknowledge(ib);
    s_release(ib);
    return 0;
}

int bl_inbox_on_readable(bl_inbox_t *ib, bl_err_t *err)
{
    size_t bytes = 0;
    while (ib->n_frames < S_BATCH_MAX && bytes < S_BATCH_BYTES) {
        s_frame_t *f = &ib->frames[ib->n_frames];
        if (!s_recv_one(ib, f)) {
            break;
        }
        bytes += zmq_msg_size(&f->body);
        ib->n_frames++;
    }
    if (ib->n_frames == 0) {
        return 0;
    }
    bl_err_t why = {0};
    if (bl_store_room(ib->store, &why) != 0) {
        return s_serve_low(ib, &why, err);
    }
    bl_err_t werr = {0};
    s_prepare_start(ib);
    int rc;
    do {
        /* Each run again has one more refused frame: at most n_frames. */
        bl_err_clear(&werr);
        rc = bl_store_write(ib->store, s_apply_batch, ib, &werr);
    } while (rc == S_RUN_AGAIN);
    if (rc == BL_ENOSPC) {
        /* nothing was written: answer as when below the reserve */
        return s_serve_low(ib, &werr, err);
    }
    if (rc != 0 && err != NULL) {
        *err = werr;
    }
    if (rc != 0) {
        /* Nothing is acknowledged: senders resend; requests get no reply. */
        s_release(ib);
        return rc;
    }
    ib->applied += ib->batch_applied;
    s_acknowledge(ib);
    s_release(ib);
    if (ib->h.committed) {
        ib->h.committed(ib->ctx);
    }
    return 0;
}

uint64_t bl_inbox_applied(const bl_inbox_t *ib)
{
    return ib->applied;
}

uint64_t bl_inbox_refused(const bl_inbox_t *ib)
{
    return ib->refused;
}

uint64_t bl_inbox_duplicates(const bl_inbox_t *ib)
{
    return ib->duplicates;
}

uint64_t bl_inbox_requests(const bl_inbox_t *ib)
{
    return ib->requests;
}
