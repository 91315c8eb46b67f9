/*
 * bl_learning_codec: the one codec of the BL_MSG_LEARNING message — the
 * improvement actions and practices (SPEC section 10) that aggregation
 * passes on to benchmarking as they came — and of its rows, which also
 * travel from validation to aggregation inside a records message
 * (bl_records_codec.h).  It knows their shape; whether an action's status
 * or due date is valid is validation's to judge.
 *
 * Wire layout (MessagePack), kept as earlier releases wrote it:
 *   message:  {rows: [row...]}
 *   action:   ["a", provider, period, action_id, indicator, action, owner,
 *              due, status, sub, line]
 *   practice: ["p", provider, period, indicator, title, description,
 *              contact, sub, line]
 * sub and line name the submission row the action or practice came from.
 *
 * Decoding refuses (BL_EPROTO, the field named in err) truncated input,
 * trailing bytes, a payload that is no map, no rows, an unknown row tag,
 * a wrong type or arity, a text longer than its bound and more than
 * BL_LEARNING_ROWS_MAX rows.  Unknown map keys are skipped.
 */
#ifndef BL_LEARNING_CODEC_H
#define BL_LEARNING_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_LEARNING_ID_MAX 64            /* provider, action, indicator and
                                            submission ids, with the NUL */
#define BL_LEARNING_TEXT_MAX 65536       /* bytes in a free text */
#define BL_LEARNING_ROWS_MAX 1000000     /* rows in one message */

typedef enum bl_learning_kind {
    BL_LEARNING_ACTION = 'a',
    BL_LEARNING_PRACTICE = 'p',
} bl_learning_kind_t;

/* A text: not NUL-terminated when decoded (it points into the input). */
typedef struct bl_learning_text {
    const char *s;
    size_t len;
} bl_learning_text_t;

/* An improvement action. */
typedef struct bl_learning_action {
    char provider[BL_LEARNING_ID_MAX];
    int64_t period;
    char action_id[BL_LEARNING_ID_MAX];
    char indicator[BL_LEARNING_ID_MAX];
    bl_learning_text_t action;       /* what will be done */
    bl_learning_text_t owner;        /* who does it, may be empty */
    char due[16];                    /* YYYY-MM-DD */
    char status[16];                 /* planned, in_progress, done, ... */
    char sub[BL_LEARNING_ID_MAX];    /* the submission it came in */
    uint64_t line;                   /* its line there */
} bl_learning_action_t;

/* A practice worth sharing. */
typedef struct bl_learning_practice {
    char provider[BL_LEARNING_ID_MAX];
    int64_t period;
    char indicator[BL_LEARNING_ID_MAX];
    bl_learning_text_t title;
    bl_learning_text_t description;
    bl_learning_text_t contact;      /* may be empty */
    char sub[BL_LEARNING_ID_MAX];
    uint64_t line;
} bl_learning_practice_t;

/* One row: an action or a practice, as kind says. */
typedef struct bl_learning_row {
    bl_learning_kind_t kind;
    bl_learning_action_t action;     /* when kind is BL_LEARNING_ACTION */
    bl_learning_practice_t practice; /* when kind is BL_LEARNING_PRACTICE */
} bl_learning_row_t;

/* A text of a NUL-terminated string (NULL gives ""). */
bl_learning_text_t bl_learning_text(const char *s);

/* ---- rows --------------------------------------------------------------- */

/* Append one row (errors sticky in rows). */
void bl_learning_write_action(bl_mpw_t *rows, const bl_learning_action_t *a);
void bl_learning_write_practice(bl_mpw_t *rows,
                                const bl_learning_practice_t *p);
void bl_learning_write_row(bl_mpw_t *rows, const bl_learning_row_t *row);

/* Reads one row at r (its texts point into the input).  Returns 0 or
 * BL_EPROTO with the reason in err (may be NULL). */
int bl_learning_read_row(bl_mpr_t *r, bl_learning_row_t *row,
                         bl_err_t *err);

/* ---- the message -------------------------------------------------------- */

/* Writes the message around the n_rows rows already in rows.  Returns 0
 * or BL_ENOMEM. */
int bl_learning_write(bl_mpw_t *w, const bl_mpw_t *rows, uint32_t n_rows);

/* Reads a message row by row: open, then next until BL_ENOTFOUND.
 * Borrows data, which must outlive the reader. */
typedef struct bl_learning_reader {
    uint32_t n_rows;                 /* rows in the message */
    uint32_t left;                   /* rows not yet read */
    bl_mpr_t rows;                   /* at the next row */
} bl_learning_reader_t;

/* Returns 0 or BL_EPROTO with the reason in err. */
int bl_learning_open(bl_learning_reader_t *rd, const void *data, size_t len,
                     bl_err_t *err);

/* Fills row with the next row; 0, BL_ENOTFOUND after the last, or
 * BL_EPROTO. */
int bl_learning_next(bl_learning_reader_t *rd, bl_learning_row_t *row,
                     bl_err_t *err);

#endif
