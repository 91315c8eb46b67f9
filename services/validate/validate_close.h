/*
 * validate_close: what validation does when a period closes (or reopens):
 * it marks the period closed, stores a completeness warning per
 * registered provider of this worker that has not sent every indicator of
 * the catalogue, and passes the close marker on with this worker's rows
 * still rejected per provider; and it answers the portal's completeness
 * request.  It does not judge rows, nor reject rows for a closed period
 * (validate_register.c does, from the "closed" database this module
 * writes).
 */
#ifndef VALIDATE_CLOSE_H
#define VALIDATE_CLOSE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>

#include "bl_error.h"
#include "bl_mp.h"
#include "bl_msg.h"
#include "validate_stage.h"

/* Applies a close message {period, generation, reopen?} in txn: marks or
 * unmarks the period, checks completeness on a close, and queues the
 * marker {period, generation, reopen, rejected: [[provider, count]...]}
 * for every aggregation worker.  Returns 0 or an error (detail in err). */
int validate_close_apply(validate_t *v, MDB_txn *txn, const bl_msg_t *msg,
                         bl_err_t *err);

/* Which catalogue indicators provider sent for period (the text of a
 * year), in sent[k] for each (the catalogue's n_indicators): a row of it
 * (provider or unit level), or for a survey indicator answers to its
 * survey.  Returns how many.  Counts completeness at the close and for
 * the portal's dashboard. */
size_t validate_close_sent(validate_t *v, MDB_txn *txn, const char *period,
                           const char *provider, bool *sent);

/* The request completeness {period}: per registered provider of this
 * worker, how many of the catalogue's indicators it has sent for period
 * (validate_close_sent).  Read-only, for the portal's dashboard: replies
 * {total, providers: [[provider, sent], ...]}; returns 0, or an error of
 * the store or BL_ENOMEM. */
int validate_close_req_completeness(validate_t *v, MDB_txn *txn,
                                    const bl_msg_t *msg, bl_mpw_t *reply,
                                    bl_err_t *err);

#endif
