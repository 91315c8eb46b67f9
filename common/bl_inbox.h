/*
 * bl_inbox: the receiving half of stage-to-stage delivery, and the request
 * endpoint of a daemon.
 *
 * One ROUTER socket receives both sequenced messages from the previous
 * stage's outbox and requests (seq 0) from the CLI or other tools.  Each
 * call to bl_inbox_on_readable drains what is waiting (up to a bound), then
 * applies it all in ONE write transaction: sequenced messages in order per
 * sender (a duplicate is dropped, a gap waits for the resend), requests
 * through the request handler.  Only after the commit are acknowledgements
 * and replies sent: nothing is acknowledged that is not on disk.  The
 * last-applied sequence per sender and epoch is stored in the same
 * transaction, so exactly-once survives any crash.
 *
 * Handlers run inside the write transaction and may run more than once (the
 * store replays a transaction after growing its map): they must change
 * nothing but the transaction and the reply buffer.  Single-threaded,
 * but for the optional prepare hook: a stage that gives one has a batch's
 * messages after the first decoded on a thread of the inbox's own while
 * the earlier ones are applied (the benchmark's values messages: their
 * decoding on the second core while the first merges them into the
 * store).
 */
#ifndef BL_INBOX_H
#define BL_INBOX_H

#include <lmdb.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"
#include "bl_msg.h"
#include "bl_net.h"
#include "bl_store.h"

typedef struct bl_inbox bl_inbox_t;

typedef struct bl_inbox_handlers {
    /* Applies one sequenced message.  Returns 0 when applied; BL_EDATA or
     * BL_EPROTO when the message is refused (it is still acknowledged, so
     * it is not sent again, and counted as refused; reason in err); any
     * other code aborts the whole batch.  A refused message leaves
     * nothing: whatever apply wrote before it refused is undone (the
     * batch's transaction is aborted and runs again without it), so apply
     * may refuse halfway through a message. */
    int (*apply)(void *ctx, MDB_txn *txn, const bl_msg_t *msg,
                 bl_err_t *err);
    /* Answers a request: writes one MessagePack object into reply.  Returns
     * 0, or a code that aborts the batch. */
    int (*request)(void *ctx, MDB_txn *txn, const bl_msg_t *msg,
                   bl_mpw_t *reply, bl_err_t *err);
    /* Told about each refused frame or message (malformed, oversized,
     * refused by apply), after the commit; may log. */
    void (*refused)(void *ctx, const char *sender, const char *reason);
    /* Called after each committed batch. */
    void (*committed)(void *ctx);
    /* Optional: decodes a message ahead of its turn, on a thread of the
     * inbox's own while the batch's earlier messages are applied (the
     * second core works while the first writes the store).  It reads only
     * msg and what no apply changes; returns what apply then finds in
     * msg->prepared, or NULL (apply decodes it itself).  A batch that
     * runs again (the map grew) sees the same prepared messages, so apply
     * must not change them; release frees each once the batch is done. */
    void *(*prepare)(void *ctx, const bl_msg_t *msg);
    void (*release)(void *ctx, void *prepared);
} bl_inbox_handlers_t;

/* Binds a ROUTER at endpoint (a CURVE server when link is not NULL: each
 * message's peer field then holds the ZAP user id of its sender).  seen_dbi stores the last applied sequence
 * per sender and epoch.  tmpl fills the envelope of acks and replies. */
int bl_inbox_open(bl_inbox_t **out, void *zctx, bl_store_t *store,
                  MDB_dbi seen_dbi, const char *endpoint,
                  const bl_net_link_t *link,
                  const bl_inbox_handlers_t *handlers, void *ctx,
                  const bl_msg_t *tmpl, bl_err_t *err);

/* A gate that every message of a CURVE server passes before anything
 * else: gate(ctx, user_id, key) gets the connection's ZAP user id and its
 * "X-Key" property (see bl_zap.h) and returns 1 to let it through; a
 * message it stops is refused (told to the refused handler, never
 * applied, acknowledged or answered). */
void bl_inbox_set_gate(bl_inbox_t *ib,
                       int (*gate)(void *ctx, const char *user_id,
                                   const char *key),
                       void *ctx);

/* Closes the socket; sets *ib to NULL; accepts NULL. */
void bl_inbox_close(bl_inbox_t **ib);

/* The ROUTER socket, for zmq_poll. */
void *bl_inbox_socket(const bl_inbox_t *ib);

/* Drains waiting frames and applies them in one transaction. */
int bl_inbox_on_readable(bl_inbox_t *ib, bl_err_t *err);

/* Counters since open. */
uint64_t bl_inbox_applied(const bl_inbox_t *ib);  /* sequenced, applied */
uint64_t bl_inbox_refused(const bl_inbox_t *ib);  /* malformed or refused */
uint64_t bl_inbox_duplicates(const bl_inbox_t *ib);
uint64_t bl_inbox_requests(const bl_inbox_t *ib);

#endif
