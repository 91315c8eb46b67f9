/*
 * bl_msg: the message envelope every daemon, the CLI and the link between
 * nodes speak: a versioned MessagePack map
 *   {"v": 1, "t": type, "id": "sender:epoch:seq", "s": sender, "e": epoch,
 *    "q": seq, "o": origin node, "cn": catalogue name,
 *    "cv": catalogue version, "p": payload}
 * The payload is any MessagePack object whose layout the type defines (see
 * the stage that consumes it).  Decoding is bounded: a frame over
 * BL_MSG_MAX, a wrong type, a truncated object or an over-long string is
 * refused with a reason, never a crash.  The decoded payload points into the
 * frame: it lives as long as the frame.
 */
#ifndef BL_MSG_H
#define BL_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_MSG_VERSION 1
#define BL_MSG_MAX (64u * 1024u * 1024u)  /* bytes in one frame */
#define BL_MSG_NAME_MAX 64                /* sender, origin, catalogue */

/* X(enum, wire name).  Sequenced types travel through outboxes and are
 * acknowledged; the others are requests answered at once. */
#define BL_MSG_TYPES(X)                                                    \
    X(BL_MSG_ACK, "ack")                 /* cumulative ack of seq */       \
    X(BL_MSG_REQUEST, "request")         /* CLI/control request */         \
    X(BL_MSG_REPLY, "reply")             /* answer to a request */         \
    X(BL_MSG_RAW_ROWS, "raw_rows")       /* ingest -> validate */          \
    X(BL_MSG_SUBMISSION, "submission")   /* ingest -> validate: begin/end */ \
    X(BL_MSG_RECORDS, "records")         /* validate -> aggregate */       \
    X(BL_MSG_REGISTER, "register")       /* validate -> aggregate */       \
    X(BL_MSG_CLOSE, "close")             /* period close marker, all */    \
    X(BL_MSG_VALUES, "values")           /* aggregate -> benchmark */      \
    X(BL_MSG_RESULTS, "results")         /* benchmark -> report */         \
    X(BL_MSG_UPLINK, "uplink")           /* national -> international */   \
    X(BL_MSG_DOWNLINK, "downlink")       /* international -> national */ \
    X(BL_MSG_LEARNING, "learning")       /* aggregate -> benchmark */

typedef enum bl_msg_type {
#define BL_MSG_ENUM(e, name) e,
    BL_MSG_TYPES(BL_MSG_ENUM)
#undef BL_MSG_ENUM
    BL_MSG_TYPE_COUNT
} bl_msg_type_t;

/* A decoded (or to-be-encoded) envelope. */
typedef struct bl_msg {
    uint32_t version;                 /* BL_MSG_VERSION */
    bl_msg_type_t type;
    char sender[BL_MSG_NAME_MAX];     /* "no-1/ingest" or "cli" */
    uint64_t epoch;                   /* the sender's outbox incarnation */
    uint64_t seq;                     /* 0 for requests and replies */
    char origin[BL_MSG_NAME_MAX];     /* the node the data comes from */
    char cat_name[BL_MSG_NAME_MAX];   /* catalogue name */
    char cat_version[BL_MSG_NAME_MAX];/* catalogue version */
    char peer[BL_MSG_NAME_MAX];       /* set by the receiver, never sent:
                                         the authenticated peer (ZAP user
                                         id, a country code), or "" */
    const uint8_t *payload;           /* one MessagePack object */
    size_t payload_len;
    void *prepared;                   /* set by the receiver, never sent:
                                         what its prepare hook made of the
                                         payload ahead of applying it
                                         (bl_inbox.h), or NULL */
} bl_msg_t;

/* The wire name of a type ("raw_rows"), or "?" for an invalid one. */
const char *bl_msg_type_name(bl_msg_type_t type);

/* Appends the encoded envelope (with m->payload copied in) to w.  Returns 0
 * or BL_ENOMEM / BL_ETOOBIG. */
int bl_msg_encode(bl_mpw_t *w, const bl_msg_t *m);

/* Appends to out the envelope env (as bl_msg_encode writes it) with
 * another seq, and so another id, without reading its payload (bl_outbox
 * sends one stored message to every lane this way).  Returns 0, BL_EPROTO
 * for an envelope not of that shape, or BL_ENOMEM. */
int bl_msg_reseq(bl_mpw_t *out, const void *env, size_t len, uint64_t seq);

/* Decodes a frame.  Returns 0 with *m filled (payload pointing into frame),
 * or BL_EPROTO / BL_ETOOBIG with the reason in err. */
int bl_msg_decode(const void *frame, size_t len, bl_msg_t *m, bl_err_t *err);

/* Formats the unique message id "sender:epoch:seq" into buf. */
void bl_msg_id(const bl_msg_t *m, char *buf, size_t size);

/* Positions r at the value of key in a request's payload map; returns 0,
 * or BL_ENOTFOUND. */
int bl_req_find(const bl_msg_t *msg, const char *key, bl_mpr_t *r);
/* Copies the str at key into buf; returns 0, BL_ENOTFOUND or BL_EPROTO. */
int bl_req_str(const bl_msg_t *msg, const char *key, char *buf, size_t size);
/* Reads the integer at key. */
int bl_req_int(const bl_msg_t *msg, const char *key, int64_t *v);
/* Reads the boolean at key; returns 0, BL_ENOTFOUND or BL_EPROTO (then *v
 * is unchanged). */
int bl_req_bool(const bl_msg_t *msg, const char *key, bool *v);

/* Starts a successful reply: a map of n_fields + 1 pairs with "ok": true
 * written; the caller writes the n_fields other pairs. */
void bl_reply_begin(bl_mpw_t *reply, uint32_t n_fields);

/* Writes a whole error reply {"ok": false, "error": s}.
 */
void bl_reply_error(bl_mpw_t *reply, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
