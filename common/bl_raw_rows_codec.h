/*
 * bl_raw_rows_codec: the one codec of the BL_MSG_RAW_ROWS message, the
 * rows of a submission as read from its file, which ingestion forwards to
 * the validation worker of each row's provider; and of the raw row itself,
 * which the CLI and the portal also send ingestion (request submit_rows,
 * the same {sub, rows} map with its cmd) and ingestion stores.  It knows
 * the shape of a row; what its fields mean is validation's to judge.
 *
 * Wire layout (MessagePack), kept as earlier releases wrote it:
 *   {sub, rows: [[line, error|nil, [field...]]...]}
 * error is why the file reader could not read the row ("expected 7
 * fields, found 5"); such a row's field list is empty.  Big batches are
 * read row by row and field by field: nothing is copied.
 *
 * Decoding refuses (BL_EPROTO, the field named in err) truncated input,
 * trailing bytes, a payload that is no map, a missing sub or rows, a
 * wrong type or arity, a sub longer than BL_RAW_ROWS_ID_MAX - 1, more
 * than BL_RAW_ROWS_MAX rows, BL_RAW_ROWS_FIELDS_MAX fields in a row and
 * BL_RAW_ROWS_TEXT_MAX bytes in a field or an error.  Unknown map keys
 * are skipped.
 */
#ifndef BL_RAW_ROWS_CODEC_H
#define BL_RAW_ROWS_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"

#define BL_RAW_ROWS_ID_MAX 64            /* submission ids, with the NUL */
#define BL_RAW_ROWS_MAX 1000000          /* rows in one message */
#define BL_RAW_ROWS_FIELDS_MAX 4096      /* fields in one row */
#define BL_RAW_ROWS_TEXT_MAX 65536       /* bytes in a field or an error */

/* One row. */
typedef struct bl_raw_row {
    uint64_t line;                   /* where the row starts, 1-based */
    const char *error;               /* NULL, or why it could not be
                                        read (not NUL-terminated when
                                        decoded) */
    size_t error_len;                /* bytes at error */
    uint32_t n_fields;               /* 0 when error is set */
    const char *const *fields;       /* writing: the fields */
    const size_t *lens;              /* writing: their byte lengths */
    bl_mpr_t field_r;                /* reading: at the next field */
    uint32_t fields_left;            /* reading: fields not yet read */
    const uint8_t *raw;              /* reading: the row's encoded bytes, */
    size_t raw_len;                  /* borrowed from the input */
} bl_raw_row_t;

/* ---- writing ------------------------------------------------------------ */

/* Appends row to rows (errors sticky in rows).  A row with an error is
 * written with no fields. */
void bl_raw_rows_write_row(bl_mpw_t *rows, const bl_raw_row_t *row);

/* Appends the n_rows rows of rows, already encoded (bl_raw_rows_write_row,
 * or a decoded row's raw bytes), as the rows array.  Returns 0 or
 * BL_ENOMEM. */
int bl_raw_rows_write_array(bl_mpw_t *w, const bl_mpw_t *rows,
                            uint32_t n_rows);

/* Writes the message {sub, rows}.  Returns 0 or BL_ENOMEM. */
int bl_raw_rows_write(bl_mpw_t *w, const char *sub, const bl_mpw_t *rows,
                      uint32_t n_rows);

/* Writes the message's head, {sub, rows: with the array header of n_rows;
 * exactly n_rows rows must follow (bl_raw_rows_write_row, or
 * bl_raw_rows_write_raw of decoded rows).  Errors sticky in w. */
void bl_raw_rows_write_head(bl_mpw_t *w, const char *sub, uint32_t n_rows);

/* Appends a decoded row as it came (its raw bytes). */
void bl_raw_rows_write_raw(bl_mpw_t *w, const bl_raw_row_t *row);

/* ---- reading ------------------------------------------------------------ */

/* Reads one row at r into row; its fields are checked and then read with
 * bl_raw_rows_next_field.  i (0-based) names the row in err.  Returns 0 or
 * BL_EPROTO. */
int bl_raw_rows_read_row(bl_mpr_t *r, bl_raw_row_t *row, uint32_t i,
                         bl_err_t *err);

/* The next field of a decoded row (not NUL-terminated); 0, or
 * BL_ENOTFOUND after the last. */
int bl_raw_rows_next_field(bl_raw_row_t *row, const char **s,
                           uint32_t *len);

/* Reads a message row by row: open, then next until BL_ENOTFOUND.  Keys
 * other than sub and rows (a request's cmd) are skipped.  Borrows data,
 * which must outlive the reader. */
typedef struct bl_raw_rows_reader {
    char sub[BL_RAW_ROWS_ID_MAX];
    uint32_t n_rows;                 /* rows in the message */
    uint32_t left;                   /* rows not yet read */
    bl_mpr_t rows;                   /* at the next row */
    const uint8_t *rows_start;       /* the encoded rows, all of them, */
    size_t rows_len;                 /* borrowed from the input */
} bl_raw_rows_reader_t;

/* Reads the message's header and checks the rows' count against the
 * input.  Returns 0 or BL_EPROTO with the reason in err. */
int bl_raw_rows_open(bl_raw_rows_reader_t *rd, const void *data, size_t len,
                     bl_err_t *err);

/* Fills row with the next row; 0, BL_ENOTFOUND after the last, or
 * BL_EPROTO. */
int bl_raw_rows_next(bl_raw_rows_reader_t *rd, bl_raw_row_t *row,
                     bl_err_t *err);

#endif
