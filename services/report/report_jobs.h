/*
 * report_jobs: the rendering queue of the report daemon, worked off by the
 * loop a turn at a time (report_jobs_tick) so that the daemon answers
 * requests and health between turns.  Jobs are recorded by the inbox
 * handlers (a close marker: pending.<period> in meta; a render request:
 * the "jobs" database); this module takes them up, renders, and records
 * each job's outcome in "done".
 *
 * Loop thread only.  The store layout is described in report.c.
 */
#ifndef REPORT_JOBS_H
#define REPORT_JOBS_H

#include <stddef.h>
#include <stdint.h>

#include "report_state.h"

/* The folder of period's reports: <data_dir>/reports/<period>. */
void report_jobs_period_dir(const report_t *rp, int64_t period, char *buf,
                            size_t size);

/* The key of request job id in "jobs" (and, after "request\x1f", in
 * "done"): the id as 20 digits, so that key order is job order. */
void report_jobs_key(uint64_t id, char *buf, size_t size);

/* The daemon's tick: joins a finished PDF thread, takes up the next job
 * when none is active, renders for one turn, and records a finished job.
 * While work remains it wakes the loop again at once (report_jobs_kick).
 * Keeps the longest tick of each tenth of a second. */
void report_jobs_tick(void *svc);

/* The ticks of the last second: *wall_ms, the longest, which bounds how
 * long a request that arrived then waited for the loop, and *cpu_ms, the
 * most CPU time the loop thread spent in one: the daemon's own work, which
 * a loaded machine does not stretch as it stretches the wall time. */
void report_jobs_turns(const report_t *rp, long long *wall_ms,
                       long long *cpu_ms);

/* Wakes the loop for the next turn: one byte on kick_out, unless one is
 * already waiting. */
void report_jobs_kick(report_t *rp);

/* The poll callback of the kick and PDF sockets: drains them. */
void report_jobs_on_kick(void *ctx, void *sock);

#endif
