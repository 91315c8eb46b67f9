/*
 * bl_downlink_codec: the one codec of the downlink, the requests a
 * national node's benchmarking daemon (benchmark_uplink) sends the
 * international node's door (benchmark_door) for the international
 * results, and the door's answer about what there is.
 *
 * Wire layout (MessagePack request and reply payloads):
 *   {cmd: "downlink_state"}
 *       -> {ok: true, cn, cv, groups: [[id, [attr...]]...],
 *           periods: [[period, generation]...]}
 *   {cmd: "downlink", period, what: "stats"|"positions"|"band4"|
 *    "practices", limit, after?}
 *       -> a page of rows (bl_page.h: {ok, rows, next?}) of the
 *          international statistics, of the asking country's positions,
 *          of the band-4 members as that country may see them, or of the
 *          practices of other countries' providers it may be shown
 *          ([period, country, practice period, indicator, order, practice]
 *          with practice as below)
 *   a practice: [id, name, country, service_type, share_identity, title,
 *                description, contact]; id, name and contact "" unless the
 *                author shares identity
 * The group list inside the state reply is the link's group codec
 * (benchmark_external_write_groups); this module passes it through.
 *
 * Decoding refuses (BL_EPROTO) truncated input, trailing bytes, a missing
 * field, an unknown `what`, a name longer than BL_DOWNLINK_NAME_MAX - 1,
 * an `after` longer than BL_STORE_KEY_MAX and more than
 * BL_DOWNLINK_PERIODS_MAX periods.  Unknown map keys are skipped.
 */
#ifndef BL_DOWNLINK_CODEC_H
#define BL_DOWNLINK_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_DOWNLINK_NAME_MAX 64          /* catalogue name and version */
#define BL_DOWNLINK_PERIODS_MAX 100000   /* periods in one state reply */
#define BL_DOWNLINK_LIMIT_MAX 50000      /* rows a page may ask for */
#define BL_DOWNLINK_TITLE_MAX 1024       /* bytes of a practice title,
                                            contact, provider name */
#define BL_DOWNLINK_TEXT_MAX 16384       /* bytes of a practice description */

#define BL_DOWNLINK_STATE_CMD "downlink_state"
#define BL_DOWNLINK_PAGE_CMD "downlink"

typedef enum bl_downlink_what {
    BL_DOWNLINK_STATS = 0,           /* the international statistics */
    BL_DOWNLINK_POSITIONS,           /* the asking country's positions */
    BL_DOWNLINK_BAND4,               /* band-4 members it may see */
    BL_DOWNLINK_PRACTICES,           /* other countries' practices */
    BL_DOWNLINK_WHAT_COUNT
} bl_downlink_what_t;

const char *bl_downlink_what_name(bl_downlink_what_t what);

/* A page request.  after borrows the input when decoded. */
typedef struct bl_downlink_page {
    int64_t period;
    bl_downlink_what_t what;
    uint64_t limit;                  /* 1..BL_DOWNLINK_LIMIT_MAX */
    const char *after;               /* NULL: from the start */
    size_t after_len;
} bl_downlink_page_t;

/* The state reply.  groups and periods point into the input. */
typedef struct bl_downlink_state {
    char cn[BL_DOWNLINK_NAME_MAX];   /* catalogue name */
    char cv[BL_DOWNLINK_NAME_MAX];   /* catalogue version */
    bl_mpr_t groups;                 /* at the group list's array */
    uint32_t n_periods;
    bl_mpr_t periods;                /* at the first [period, generation] */
} bl_downlink_state_t;

/* A practice as it comes back to a national node.  The texts are not
 * NUL-terminated; decoded, they borrow the input. */
typedef struct bl_downlink_practice {
    char id[BL_DOWNLINK_NAME_MAX];   /* "" unless shared */
    char country[3];
    char service_type[BL_DOWNLINK_NAME_MAX];
    bool share;                      /* the author shares identity */
    const char *name;                /* "" unless shared */
    uint32_t name_len;
    const char *title;
    uint32_t title_len;
    const char *description;
    uint32_t description_len;
    const char *contact;             /* "" unless shared */
    uint32_t contact_len;
} bl_downlink_practice_t;

/* ---- requests ----------------------------------------------------------- */

/* Return 0 or BL_ENOMEM. */
int bl_downlink_write_state_request(bl_mpw_t *w);
int bl_downlink_write_page_request(bl_mpw_t *w,
                                   const bl_downlink_page_t *req);

/* Reads a page request (the cmd key is skipped); a missing limit is
 * def_limit, a limit out of range too.  0 or BL_EPROTO. */
int bl_downlink_read_page_request(const void *data, size_t len,
                                  uint64_t def_limit,
                                  bl_downlink_page_t *req);

/* ---- the state reply ---------------------------------------------------- */

/* Writes the whole reply: groups is an encoded group list, periods the
 * n_periods encoded [period, generation] pairs (bl_downlink_write_period).
 * Returns 0 or BL_ENOMEM. */
int bl_downlink_write_state(bl_mpw_t *reply, const char *cn, const char *cv,
                            const void *groups, size_t groups_len,
                            const bl_mpw_t *periods, uint32_t n_periods);
void bl_downlink_write_period(bl_mpw_t *periods, int64_t period,
                              uint64_t generation);

/* Reads a state reply (ok must be true).  0 or BL_EPROTO. */
int bl_downlink_read_state(const void *data, size_t len,
                           bl_downlink_state_t *st);

/* The next [period, generation] of st; 0, BL_ENOTFOUND after the last,
 * or BL_EPROTO. */
int bl_downlink_next_period(bl_downlink_state_t *st, int64_t *period,
                            int64_t *generation);

/* ---- practices ---------------------------------------------------------- */

/* Returns 0 or BL_ENOMEM. */
int bl_downlink_write_practice(bl_mpw_t *w, const bl_downlink_practice_t *p);

/* Reads one practice value; refuses (BL_EPROTO) a wrong shape, an id,
 * country or service type too long for its field, texts over their
 * bounds, and identity (id, name or contact) of an author that does not
 * share it. */
int bl_downlink_read_practice(const void *data, size_t len,
                              bl_downlink_practice_t *p);

#endif
