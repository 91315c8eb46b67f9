/*
 * aggregate: the aggregation stage.  It keeps the accepted records (the
 * current version of each: a re-sent row replaces the earlier one; the
 * history stays with ingestion) and turns them into indicator values per
 * provider and unit (SPEC section 4): ratios summed over units, survey
 * answers pooled into survey_share and survey_mean with their n, small
 * survey values suppressed.  At a period close it sends the period's values
 * to benchmarking, followed by the close marker.
 *
 * Requests:
 *   values {period, after: key, limit} -> {ok, rows: [[period, provider,
 *       unit, indicator, value|nil, numerator|nil, denominator|nil, n|nil,
 *       status]...], next: key|nil}       in export order
 *   compute {period} -> {ok, values}      values now, without closing
 */
#ifndef AGGREGATE_H
#define AGGREGATE_H

#include "bl_daemon.h"

extern const bl_stage_ops_t aggregate_ops;

#endif
