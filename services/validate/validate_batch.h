/*
 * validate_batch: judging the rows of one raw_rows message — each row by
 * its file's kind (indicators, surveys, actions, practices; register rows
 * in validate_register.c), repeated keys within a file, the "rows still
 * rejected" count, and the records gathered per aggregation lane and sent
 * when the message ends.  Its state is a validate_batch_t that lives for
 * one message.  Not the submission around it (validate_submission.c), nor
 * the checks of one row alone (validate_row.c, validate_learning.c).
 */
#ifndef VALIDATE_BATCH_H
#define VALIDATE_BATCH_H

#include <lmdb.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_raw_rows_codec.h"
#include "validate_row.h"
#include "validate_stage.h"

/* Sets up b for the rows of sub (whose layout is usable), in a message of
 * payload_len bytes applied in txn.  Returns 0 or BL_ENOMEM (detail in
 * err). */
int vbatch_init(validate_batch_t *b, validate_t *v, MDB_txn *txn,
                s_sub_t *sub, size_t payload_len, bl_err_t *err);

/* Frees what b holds and closes its cursors (before the transaction
 * ends); harmless after a failed vbatch_init. */
void vbatch_free(validate_batch_t *b);

/* What the one-row checks (validate_row.h) need to know about the file
 * of the batch's rows. */
vr_context_t vbatch_context(const validate_batch_t *b);

/* Judges one row of the message, stores its outcome (unless it belongs
 * to another worker) and keeps the "rows still rejected" count.  Returns
 * 0 or an error of the store. */
int vbatch_row(validate_batch_t *b, MDB_txn *txn, bl_raw_row_t *raw,
               bl_err_t *err);

/* After the last row: judges a dry run's outliers (or notes the peer
 * groups a real submission touched) and sends the gathered records to
 * their aggregation workers. */
int vbatch_finish(validate_batch_t *b, MDB_txn *txn, bl_err_t *err);


/* Records key's first line in the batch's submission; adds "repeats the
 * key of line N" to row's outcome under field when an earlier line has
 * it. */
int vbatch_check_repeat(validate_batch_t *b, validate_line_t *row,
                        const char *rowkey, const char *field, bl_err_t *err);

/* The catalogue index of the indicator a "pvals" key names (its last
 * part: period, provider, unit, indicator), with that part's length in
 * *il; -1 when it names none. */
int vbatch_vals_indicator(const validate_t *v, const MDB_val *key,
                          size_t *il);

/* The stored figures (numerator, denominator, value; NaN when absent) of
 * provider (unit "" for the provider level) for indicator in period, in
 * out, read in the batch's transaction.  Returns 0, BL_ENOTFOUND, or an
 * error (detail in err, may be NULL). */
int vbatch_vals_get(validate_batch_t *b, int period, const char *indicator,
                    const char *provider, const char *unit, double out[3],
                    bl_err_t *err);

#endif
