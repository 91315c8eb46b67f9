/*
 * report: the report rendering stage.  It keeps the benchmark results that
 * benchmarking sends (one result per provider, one coordinator's summary
 * per period) and, when a period closes, writes every provider's report as
 * HTML, PDF, CSV and JSON and the coordinator's summary as HTML into
 * <data_dir>/reports/<period>/.  The drawing and the words are in
 * report_html.c, report_pdf.c, report_chart.c and report_text.c; this file
 * turns stored results into report_model structs and writes the files.
 *
 * Requests:
 *   period_state {period} -> {ok, generation, dir}   last rendered close
 *   render {period, provider, format, dir} -> {ok, job, dir}   queued
 *   job_state {job} -> {ok, state, ...outcome}
 *   health -> the frame's fields, turn_ms, the longest loop turn of the
 *             last second (ms), and turn_cpu_ms, its CPU time (ms)
 */
#ifndef REPORT_H
#define REPORT_H

#include "bl_daemon.h"

extern const bl_stage_ops_t report_ops;

#endif
