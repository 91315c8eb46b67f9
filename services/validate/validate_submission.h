/*
 * validate_submission: the life of a submission in validation — its begin
 * and end events from ingestion, its raw_rows messages (judged row by row
 * by validate_batch.c), its counts, the stored outcome of every row, and
 * the requests that read them (sub_status, outcomes).  Not the checks
 * themselves (validate_batch.c, validate_row.c and the modules they call),
 * nor the register (validate_register.c).
 */
#ifndef VALIDATE_SUBMISSION_H
#define VALIDATE_SUBMISSION_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_mp.h"
#include "bl_msg.h"
#include "validate_row.h"
#include "validate_stage.h"

/* A row's outcome, as stored in "outcomes" and shown by requests. */
typedef enum validate_status {
    VALIDATE_ACCEPTED = 0,
    VALIDATE_WARNED = 1,       /* accepted with warnings */
    VALIDATE_REJECTED = 2
} validate_status_t;

/* A stored outcome: [status, [[error?, field, reason]...]]. */
typedef struct validate_outcome {
    validate_status_t status;
    const uint8_t *problems;   /* the encoded problem list, borrowed */
    size_t problems_len;
} validate_outcome_t;

/* Applies a raw_rows message in txn: judges its rows, stores their
 * outcomes, passes the accepted ones on and counts them in their
 * submission.  Returns 0 or an error (detail in err): BL_EDATA for rows
 * of an unknown submission or one without a usable header. */
int vsub_apply_rows(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                    bl_err_t *err);

/* Applies a submission event in txn: a begin stores the submission, an
 * end marks it complete and judges its outliers.  Returns 0 or an error
 * (BL_EDATA for the end of an unknown submission). */
int vsub_apply_event(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                     bl_err_t *err);

/* The requests sub_status and outcomes (validate.h): reply written, 0;
 * or an error of the store. */
int vsub_req_status(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                    bl_mpw_t *reply, bl_err_t *err);
int vsub_req_outcomes(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                      bl_mpw_t *reply, bl_err_t *err);

/* The key sub \0 rest (rest_len bytes) in key (size bytes).  Returns its
 * length, or 0 when it does not fit. */
size_t vsub_key(const char *sub, const void *rest, size_t rest_len,
                unsigned char *key, size_t size);

/* Frees the header of s and clears it. */
void vsub_free(s_sub_t *s);

/* Stores submission s under its id. */
int vsub_save(validate_t *v, MDB_txn *txn, const s_sub_t *s, bl_err_t *err);

/* Stores outcome o of line under submission s and counts it there;
 * through the cursors cur of txn when not NULL. */
int vsub_store_outcome(validate_t *v, MDB_txn *txn, bl_cursors_t *cur,
                       s_sub_t *s, uint64_t line, const vr_outcome_t *o, bl_err_t *err);

/* Reads a stored outcome (vsub_store_outcome); 0 or BL_EPROTO. */
int vsub_outcome_read(const MDB_val *val, validate_outcome_t *o);

#endif
