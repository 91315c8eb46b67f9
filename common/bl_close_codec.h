/*
 * bl_close_codec: the one codec of the BL_MSG_CLOSE message, the period
 * close marker every stage passes on (ingest -> validate -> aggregate ->
 * benchmark -> report), and of the rows-still-rejected counts it carries
 * from validation to the report.  It knows the shape of the marker; what
 * a close does is each stage's business.
 *
 * Wire layout (MessagePack), kept as earlier releases wrote it:
 *   {period, generation, reopen, rejected?: [[provider, rows]...]}
 * `rejected` is absent from the markers of ingestion and of a
 * recomputation (the counts of the last close stay), present (perhaps
 * empty) from validation on.
 *
 * Decoding refuses (BL_EPROTO, the field named in err) truncated input,
 * trailing bytes, a payload that is no map, a missing period or
 * generation, a wrong type, a provider id longer than
 * BL_CLOSE_ID_MAX - 1 and more than BL_CLOSE_COUNTS_MAX counts.  Unknown
 * map keys are skipped.
 */
#ifndef BL_CLOSE_CODEC_H
#define BL_CLOSE_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_CLOSE_ID_MAX 64              /* provider ids, with the NUL */
#define BL_CLOSE_COUNTS_MAX 1000000     /* [provider, rows] pairs */

/* A close marker. */
typedef struct bl_close {
    int64_t period;                  /* the year closed */
    int64_t generation;              /* the close's generation, from 1 */
    bool reopen;                     /* true: the period opens again */
    bool has_rejected;               /* the marker carries counts */
    uint32_t n_rejected;             /* [provider, rows] pairs */
    const uint8_t *rejected;         /* the pairs, encoded back to back
                                        without an array header (see
                                        bl_close_write_count); borrowed */
    size_t rejected_len;             /* bytes at rejected */
} bl_close_t;

/* One count: the rows of provider still rejected. */
typedef struct bl_close_count {
    char provider[BL_CLOSE_ID_MAX];
    uint64_t rows;
} bl_close_count_t;

/* ---- writing ------------------------------------------------------------ */

/* Appends one [provider, rows] pair to pairs (errors sticky in pairs). */
void bl_close_write_count(bl_mpw_t *pairs, const char *provider,
                          uint64_t rows);

/* Writes the marker c (with its counts when c->has_rejected).  Returns 0
 * or BL_ENOMEM. */
int bl_close_write(bl_mpw_t *w, const bl_close_t *c);

/* Writes only the counts of c, as the array the marker carries (for a
 * stage that stores them).  Returns 0 or BL_ENOMEM. */
int bl_close_write_counts(bl_mpw_t *w, const bl_close_t *c);

/* ---- reading ------------------------------------------------------------ */

/* Decodes a marker; c's pairs point into data.  Every pair is checked.
 * Returns 0 or BL_EPROTO with the reason in err (may be NULL). */
int bl_close_decode(const void *data, size_t len, bl_close_t *c,
                    bl_err_t *err);

/* Walks counts: of a decoded marker, or of an array bl_close_write_counts
 * wrote. */
typedef struct bl_close_counts {
    uint32_t left;                   /* pairs not yet read */
    bl_mpr_t r;                      /* at the next pair */
} bl_close_counts_t;

/* Starts at the counts of c (none when it has none). */
void bl_close_counts_of(bl_close_counts_t *it, const bl_close_t *c);

/* Starts at an encoded array of counts; checks every pair.  Returns 0 or
 * BL_EPROTO with the reason in err. */
int bl_close_counts_open(bl_close_counts_t *it, const void *data,
                         size_t len, bl_err_t *err);

/* The next pair in out; 0, BL_ENOTFOUND after the last, or BL_EPROTO. */
int bl_close_counts_next(bl_close_counts_t *it, bl_close_count_t *out,
                         bl_err_t *err);

#endif
