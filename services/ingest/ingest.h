/*
 * ingest: the ingestion stage.  It owns the raw rows of every submission
 * (the history: a re-sent row never erases an earlier one here), the
 * submission ids and states, and which periods are closed.  It does not
 * judge values: that is validation's job.
 *
 * Requests (payload maps, "cmd" first):
 *   submit_begin {file, header: [str], delimiter: "," | ";", dry_run}
 *       -> {ok, sub, kind} or {ok: false, error, errors: [[line, column,
 *          message]]} when the header is refused (the file is rejected)
 *   submit_rows {sub, rows: [[line, error|nil, [field...]]...]}
 *       -> {ok, stored}   (after the rows are committed)
 *   submit_end {sub} -> {ok, sub, rows}
 *   sub_info {sub} -> {ok, sub, file, kind, state, rows, dry_run}
 *   close {period, reopen: bool} -> {ok, generation}
 */
#ifndef INGEST_H
#define INGEST_H

#include "bl_daemon.h"

extern const bl_stage_ops_t ingest_ops;

#endif
