/*
 * report_enrich: what a provider's report says beyond its own result, read
 * from the other results the daemon stores: the learning curve over the
 * earlier periods (SPEC 5), and the relationships shown for its areas for
 * improvement, from the period's summary.
 *
 * Both add to a decoded model in place and write nothing.  Without memory
 * the report goes out without the addition: these are never a reason for a
 * report to fail.
 */
#ifndef REPORT_ENRICH_H
#define REPORT_ENRICH_H

#include <lmdb.h>

#include "report_model.h"
#include "report_state.h"

/* The learning curve of p: for each indicator, p's value, rank and band in
 * the node's first peer group and that group's median, for every period up
 * to p's that the node holds results of p for (the latest 30), oldest
 * first. */
void report_enrich_curve(const report_t *rp, MDB_txn *txn,
                         report_provider_t *p);

/* Reads the shown correlations of job's period from its stored summary
 * into job->corrs, once per job (job->corrs_read); NULL when the period
 * has no summary. */
void report_enrich_read_correlations(const report_t *rp, MDB_txn *txn,
                                     report_job_t *job);

/* Frees what report_enrich_read_correlations read into job. */
void report_enrich_release(report_job_t *job);

/* The relationships shown for p's areas for improvement: the shown
 * correlations of job's period that involve the area's indicator in a
 * group instance p belongs to for it, smallest p first.  Reads them first
 * when the job has not yet (report_enrich_read_correlations). */
void report_enrich_related(const report_t *rp, MDB_txn *txn,
                           report_job_t *job, report_provider_t *p);

#endif
