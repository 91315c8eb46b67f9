/*
 * bl_uplink_codec: the one codec of the BL_MSG_UPLINK message, what a
 * national node's benchmarking daemon (benchmark_uplink) sends the
 * international node's door (benchmark_door) after each close of a
 * period.  It knows the shape of each message and row; what a row must
 * mean (a provider of the sender's country, a known indicator, a value in
 * range) is the door's to check.
 *
 * Wire layout (MessagePack), in order for one period:
 *   {kind: "begin", period, generation}     replace the country's values
 *   {kind: "register", period: 0, rows: [[provider, entry]...]}
 *         entry [name, country, service_type, users, staff, membership,
 *                member_since, share_identity]
 *   {kind: "values", period, rows: [[provider, indicator, value]...]}
 *         value as in bl_values_codec.h
 *   {kind: "groups", period, rows: [[id, [attr...]]...]}  peer groups
 *   {kind: "stats", period, rows: [[indicator, group, key, stat]...]}
 *         stat [n, mean, sd, min, p10, p25, p50, p75, p90, max, best]
 *   {kind: "practices", period, rows: [[provider, indicator, practice
 *         period, title, description, contact, band4]...]}  the node's
 *         practices of period and earlier (SPEC 10); contact "" for a
 *         provider that does not share identity; band4: the author is in
 *         band 4 of the indicator in one of the sender's own groups
 *   {kind: "close", period, generation}     recompute the period
 *
 * Decoding refuses (BL_EPROTO) truncated input, trailing bytes, a payload
 * that is no map, no kind, rows that are no array, more than
 * BL_UPLINK_ROWS_MAX rows, and a row of the wrong shape or with an id
 * longer than its field.  Unknown map keys are skipped.
 */
#ifndef BL_UPLINK_CODEC_H
#define BL_UPLINK_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_UPLINK_ID_MAX 64          /* provider, indicator, group ids */
#define BL_UPLINK_KEY_MAX 256        /* group keys */
#define BL_UPLINK_KIND_MAX 16        /* the kind's text */
#define BL_UPLINK_ROWS_MAX 1000000   /* rows in one message */
#define BL_UPLINK_TITLE_MAX 1024     /* bytes of a practice title, contact */
#define BL_UPLINK_TEXT_MAX 16384     /* bytes of a practice description */

typedef enum bl_uplink_kind {
    BL_UPLINK_UNKNOWN = 0,           /* a kind this release does not know */
    BL_UPLINK_BEGIN,
    BL_UPLINK_REGISTER,
    BL_UPLINK_VALUES,
    BL_UPLINK_GROUPS,
    BL_UPLINK_STATS,
    BL_UPLINK_CLOSE,
    BL_UPLINK_PRACTICES,
} bl_uplink_kind_t;

/* "begin", "register", ...; "unknown" for BL_UPLINK_UNKNOWN. */
const char *bl_uplink_kind_name(bl_uplink_kind_t kind);

/* A decoded message.  rows points into the input, at the first row. */
typedef struct bl_uplink {
    bl_uplink_kind_t kind;
    char kind_text[BL_UPLINK_KIND_MAX];  /* as sent (for messages) */
    int64_t period;                  /* 0 when absent */
    int64_t generation;              /* markers; 0 when absent */
    bool has_rows;
    uint32_t n_rows;
    bl_mpr_t rows;                   /* read with bl_uplink_read_*_row */
    bl_mpr_t rows_array;             /* at the rows array itself, for a
                                        list codec that reads its header */
} bl_uplink_t;

/* One practice row.  The texts are not NUL-terminated: when decoded they
 * borrow the input. */
typedef struct bl_uplink_practice {
    char provider[BL_UPLINK_ID_MAX];
    char indicator[BL_UPLINK_ID_MAX];
    int64_t period;                  /* the practice's period */
    const char *title;               /* at most BL_UPLINK_TITLE_MAX bytes */
    uint32_t title_len;
    const char *description;         /* at most BL_UPLINK_TEXT_MAX bytes */
    uint32_t description_len;
    const char *contact;             /* at most BL_UPLINK_TITLE_MAX bytes */
    uint32_t contact_len;
    bool band4;                      /* band 4 in one of the sender's groups */
} bl_uplink_practice_t;

/* ---- writing ------------------------------------------------------------ */

/* A begin or close marker.  Returns 0 or BL_ENOMEM. */
int bl_uplink_write_marker(bl_mpw_t *w, bl_uplink_kind_t kind,
                           int64_t period, int64_t generation);

/* A rows message around the n_rows rows already encoded in rows (with
 * the row writers below, or bl_uplink_write_groups' rows).  Returns 0 or
 * BL_ENOMEM. */
int bl_uplink_write_rows(bl_mpw_t *w, bl_uplink_kind_t kind, int64_t period,
                         const bl_mpw_t *rows, uint32_t n_rows);

/* [provider, entry]: entry is an encoded register entry. */
void bl_uplink_write_register_row(bl_mpw_t *rows, const char *provider,
                                  size_t provider_len, const void *entry,
                                  size_t entry_len);
/* [provider, indicator, value]: value an encoded bl_values_codec value. */
void bl_uplink_write_value_row(bl_mpw_t *rows, const char *provider,
                               const char *indicator, const void *value,
                               size_t value_len);
/* [indicator, group, key, stat]: stat an encoded statistics value. */
void bl_uplink_write_stat_row(bl_mpw_t *rows, const char *indicator,
                              const char *group, const char *key,
                              const void *stat, size_t stat_len);

/* [provider, indicator, period, title, description, contact, band4]. */
void bl_uplink_write_practice_row(bl_mpw_t *rows,
                                  const bl_uplink_practice_t *p);

/* ---- reading ------------------------------------------------------------ */

/* Decodes the message's header; the rows are read one by one after.
 * Returns 0 or BL_EPROTO. */
int bl_uplink_decode(const void *data, size_t len, bl_uplink_t *out);

/* One row each; the raw spans borrow the input.  0 or BL_EPROTO. */
int bl_uplink_read_register_row(bl_mpr_t *rows,
                                char provider[BL_UPLINK_ID_MAX],
                                const uint8_t **entry, size_t *entry_len);
int bl_uplink_read_value_row(bl_mpr_t *rows, char provider[BL_UPLINK_ID_MAX],
                             char indicator[BL_UPLINK_ID_MAX],
                             const uint8_t **value, size_t *value_len);
int bl_uplink_read_stat_row(bl_mpr_t *rows, char indicator[BL_UPLINK_ID_MAX],
                            char group[BL_UPLINK_ID_MAX],
                            char key[BL_UPLINK_KEY_MAX],
                            const uint8_t **stat, size_t *stat_len);
/* Refuses texts over their bounds and ids over BL_UPLINK_ID_MAX - 1. */
int bl_uplink_read_practice_row(bl_mpr_t *rows, bl_uplink_practice_t *p);

#endif
