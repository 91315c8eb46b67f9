/*
 * validate: the validation stage.  Every raw row gets an outcome —
 * accepted, accepted with warnings, or rejected with reasons — stored here
 * and shown by `benchlearn check`.  Accepted rows go on to aggregation as
 * typed records.  Checks that look at one row are in validate_row.c; the
 * ones that need other rows (repeated keys, register membership, outliers,
 * change against the previous period, extra rules, closed periods,
 * indicators not sent at close) are in this stage's other modules, next
 * to the store (validate.c lists them).
 *
 * Requests:
 *   sub_status {sub} -> {ok, sub, state, rows, accepted, warned, rejected}
 *   rejected {period, after, limit} -> a page (bl_page.h) of rows still
 *       rejected per provider: [[period, provider, count]...]
 *   outcomes {sub, after: line, limit, problems_only: bool}
 *       -> {ok, rows: [[line, status, [[error?, field, reason]...]]...],
 *           more: bool}       status 0 accepted, 1 warnings, 2 rejected
 *   completeness {period} -> {ok, total, providers: [[provider, sent]...]}:
 *       indicators sent per registered provider of this worker
 */
#ifndef VALIDATE_H
#define VALIDATE_H

#include "bl_daemon.h"

extern const bl_stage_ops_t validate_ops;

#endif
