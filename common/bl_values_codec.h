/*
 * bl_values_codec: the one codec of the BL_MSG_VALUES message, the
 * indicator values the aggregation stage sends the benchmarking stage,
 * and of the value each row carries (which both stages also store).
 * The aggregation daemon encodes rows one by one into a buffer and wraps
 * them in a message; the benchmarking daemon reads the message with the
 * bounded reader (bl_mp.h), one row at a time.
 *
 * Wire layout (MessagePack), kept as earlier releases wrote it:
 *   {period, generation, rows: [[provider, unit, indicator, value,
 *                                generation, nil]...]}
 *   value: [value|nil, numerator|nil, denominator|nil, n|nil, status]
 *          status "ok" or "suppressed" (a suppressed value is nil)
 * unit is "" for a provider-level value.  The last field of a row is
 * reserved: written nil, skipped on reading.
 *
 * Decoding refuses (BL_EPROTO) truncated input, trailing bytes, a wrong
 * type or arity, an id longer than its field, an unknown status and more
 * than BL_VALUES_ROWS_MAX rows.  Unknown map keys are skipped.
 */
#ifndef BL_VALUES_CODEC_H
#define BL_VALUES_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_VALUES_ID_MAX 64          /* provider, unit, indicator ids */
#define BL_VALUES_ROWS_MAX 1000000   /* rows in one message */

/* The state of one provider's cell of one indicator.  Only ok and
 * suppressed travel; missing is what a reader has for no row at all. */
typedef enum bl_cell_status {
    BL_CELL_OK = 0,
    BL_CELL_SUPPRESSED = 1,
    BL_CELL_MISSING = 2,
} bl_cell_status_t;

/* One indicator value as computed by aggregation. */
typedef struct bl_value {
    bl_cell_status_t status;         /* ok or suppressed */
    bool has_value, has_numerator, has_denominator, has_n;
    double value, numerator, denominator;
    uint64_t n;                      /* respondents or records counted */
} bl_value_t;

/* One row of a values message. */
typedef struct bl_values_row {
    char provider[BL_VALUES_ID_MAX];
    char unit[BL_VALUES_ID_MAX];     /* "" at provider level */
    char indicator[BL_VALUES_ID_MAX];
    bl_value_t value;
    const uint8_t *value_raw;        /* the value's encoded bytes, borrowed */
    size_t value_len;                /* from the input (decoding only) */
    int64_t generation;
} bl_values_row_t;

/* Writes value (a suppressed value is written nil). */
void bl_values_write_value(bl_mpw_t *w, const bl_value_t *v);

/* Reads one value; 0 or BL_EPROTO. */
int bl_values_read_value(bl_mpr_t *r, bl_value_t *v);

/* Appends one row to rows; the message is written around n of them by
 * bl_values_write.  Errors are sticky in rows->err. */
void bl_values_write_row(bl_mpw_t *rows, const bl_values_row_t *row);

/* Writes the message: period, generation and the n_rows rows already
 * encoded in rows.  Returns 0, or BL_ENOMEM when a write failed. */
int bl_values_write(bl_mpw_t *w, int64_t period, int64_t generation,
                    const bl_mpw_t *rows, uint32_t n_rows);

/* Reads a message row by row: open, then next until it returns
 * BL_ENOTFOUND.  Borrows data, which must outlive the reader. */
typedef struct bl_values_reader {
    int64_t period;
    int64_t generation;
    uint32_t n_rows;                 /* rows in the message */
    uint32_t left;                   /* rows not yet read */
    bl_mpr_t rows;                   /* at the next row */
    bl_mpr_t rest;                   /* after the rows array */
} bl_values_reader_t;

/* Reads the header; 0 or BL_EPROTO (no period, generation or rows). */
int bl_values_open(bl_values_reader_t *rd, const void *data, size_t len);

/* Fills row with the next row; 0, BL_ENOTFOUND after the last (when the
 * message also ends cleanly), or BL_EPROTO. */
int bl_values_next(bl_values_reader_t *rd, bl_values_row_t *row);

#endif
