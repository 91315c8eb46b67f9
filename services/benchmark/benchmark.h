/*
 * benchmark: the benchmarking stage.  It keeps the register and the
 * indicator values that aggregation sends, and when every aggregation
 * worker has closed a period it computes the benchmark (benchmark_compute.c),
 * stores statistics, positions and relationships for export, and sends the
 * report daemon one result per provider (values, positions in each group,
 * trend, areas for improvement with learning partners, strengths, units)
 * and the coordinator's summary, followed by the close marker.
 *
 * Requests:
 *   export {period, what: stats|positions|correlations, after, limit}
 *       -> {ok, rows: [[key parts..., [numbers...]]...], next: key|nil}
 *   export {what: actions|learning-needs, ...} and learning_warnings:
 *       see benchmark_learning.h
 */
#ifndef BENCHMARK_H
#define BENCHMARK_H

#include "bl_daemon.h"

extern const bl_stage_ops_t benchmark_ops;

#endif
