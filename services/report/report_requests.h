/*
 * report_requests: the report daemon's answers to requests (see report.h
 * for the list): period_state and job_state read what the rendering
 * recorded; render checks its fields and queues a job for report_jobs.c,
 * answering the job's id at once.
 *
 * A request handler changes its transaction and nothing else: it renders
 * nothing and writes no file.
 */
#ifndef REPORT_REQUESTS_H
#define REPORT_REQUESTS_H

#include <lmdb.h>

#include "bl_error.h"
#include "bl_mp.h"
#include "bl_msg.h"

/* The daemon's request handler (bl_stage_ops_t.request): svc is the
 * report_t.  A bad request gets an error reply and returns 0; a negative
 * code means the store failed (the transaction is aborted). */
int report_requests_answer(void *svc, MDB_txn *txn, const char *cmd,
                           const bl_msg_t *msg, bl_mpw_t *reply,
                           bl_err_t *err);

#endif
