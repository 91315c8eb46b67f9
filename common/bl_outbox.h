/*
 * bl_outbox: durable, acknowledged sending from one stage to the next.
 *
 * A message is put into the outbox inside the sender's own write
 * transaction (together with whatever state change produced it), so it
 * exists exactly when that change is committed.  The outbox then sends it
 * over a DEALER socket, keeps it until the receiver acknowledges it after
 * its own commit, and sends again from the oldest unacknowledged message
 * (go-back-N) when no acknowledgement arrives in time, after a reconnect or
 * after a restart.  Sequence numbers are consecutive per outbox incarnation
 * (epoch); receivers apply in order and drop what they already applied, so
 * every message is applied exactly once.  With several endpoints (worker
 * processes of the next stage) the caller picks a lane per message by key,
 * so one key always goes to the same worker.
 *
 * Single-threaded: call from the daemon's loop only.
 */
#ifndef BL_OUTBOX_H
#define BL_OUTBOX_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_msg.h"
#include "bl_net.h"
#include "bl_store.h"

#define BL_OUTBOX_LANES_MAX 16

typedef struct bl_outbox bl_outbox_t;

/* Opens an outbox named name (used as a key prefix in meta_dbi) whose
 * messages live in box_dbi, with one lane per endpoint.  tmpl gives the
 * envelope's sender, origin and catalogue fields; link (may be NULL)
 * makes the lanes CURVE clients with heartbeats. */
int bl_outbox_open(bl_outbox_t **out, void *zctx, bl_store_t *store,
                   MDB_dbi box_dbi, MDB_dbi meta_dbi, const char *name,
                   const char *const *endpoints, size_t n_endpoints,
                   const bl_net_link_t *link, const bl_msg_t *tmpl,
                   bl_err_t *err);

/* Closes the sockets (messages stay in the store); sets *ob to NULL. */
void bl_outbox_close(bl_outbox_t **ob);

/* Number of lanes (endpoints). */
size_t bl_outbox_lanes(const bl_outbox_t *ob);

/* Adds a message for lane (0 .. lanes-1) within txn.  Replayable: the
 * sequence number comes from the transaction. */
int bl_outbox_put(bl_outbox_t *ob, MDB_txn *txn, size_t lane,
                  bl_msg_type_t type, const void *payload, size_t len,
                  bl_err_t *err);

/* Adds the same message to every lane (markers such as a period close,
 * results every report worker holds).  With several lanes, a payload of
 * 256 bytes or more is stored once and referred to from each lane; it is
 * deleted when the last lane has acknowledged it. */
int bl_outbox_put_all(bl_outbox_t *ob, MDB_txn *txn, bl_msg_type_t type,
                      const void *payload, size_t len, bl_err_t *err);

/* Sends what the window allows and resends after a timeout.  Call after
 * each commit that put messages and on every loop turn. */
int bl_outbox_pump(bl_outbox_t *ob, bl_err_t *err);

/* Reads acknowledgements from lane's socket; deletes acknowledged messages.
 */
int bl_outbox_on_readable(bl_outbox_t *ob, size_t lane, bl_err_t *err);

/* The socket of a lane, for zmq_poll. */
void *bl_outbox_socket(const bl_outbox_t *ob, size_t lane);

/* Messages put but not yet acknowledged, over all lanes. */
uint64_t bl_outbox_pending(const bl_outbox_t *ob);

/* Messages acknowledged since open, over all lanes. */
uint64_t bl_outbox_sent(const bl_outbox_t *ob);

/* Lane for a key among n lanes (FNV-1a hash modulo n): the rule every
 * stage uses to spread providers over the next stage's workers. */
size_t bl_outbox_lane_of(const char *key, size_t len, size_t n);

/* Lane for a key among this outbox's lanes. */
size_t bl_outbox_lane_for(const bl_outbox_t *ob, const char *key,
                          size_t len);

#endif
