/*
 * report_files: the report daemon's files on disk — one provider's HTML,
 * CSV and JSON, and the coordinator's summary page — written from the
 * model into a folder, with the message catalogues of the report
 * languages parsed once for the daemon's life.
 *
 * It chooses neither the providers nor the folder (report_jobs.c does) and
 * draws nothing itself (report_html.c, report_export.c); the PDF is
 * written by its own thread (report_pdfjob.h).  Loop thread only.
 */
#ifndef REPORT_FILES_H
#define REPORT_FILES_H

#include <lmdb.h>
#include <stdint.h>

#include "bl_error.h"
#include "report_i18n.h"
#include "report_model.h"
#include "report_state.h"

/* The messages of lang, parsed once and kept for the daemon's life (never
 * evicted: the PDF thread may be reading one).  NULL with err set when
 * they cannot be had, also past REPORT_LANGS_MAX languages. */
const report_i18n_t *report_files_messages(report_t *rp, const char *lang,
                                           bl_err_t *err);

/* The files report_files_provider writes, as a set of bits. */
#define REPORT_FILES_HTML 1u
#define REPORT_FILES_CSV 2u
#define REPORT_FILES_JSON 4u
#define REPORT_FILES_ALL (REPORT_FILES_HTML | REPORT_FILES_CSV | \
                          REPORT_FILES_JSON)

/* The set of a request's format: "" = all three, "html", "csv" or "json"
 * its own, anything else ("pdf") none. */
unsigned report_files_formats(const char *format);

/* Writes provider p's files of the set `formats` (REPORT_FILES_*) into dir
 * as <provider>.<format>.  Returns the number of files written, or a
 * negative code with err naming the file. */
int report_files_provider(report_t *rp, const report_provider_t *p,
                          const report_i18n_t *m, const char *dir,
                          unsigned formats, bl_err_t *err);

/* The coordinator's summary is read and written in two steps, each about
 * half the work (at 50,000 participants each takes tens of milliseconds),
 * so that the loop can answer between them. */

/* Reads the coordinator's summary of period, with the rows still rejected
 * that the close marker carried and its names, into *s, and the messages
 * of the node's language into *m (both the caller's; both NULL when the
 * period has no summary or on failure).  Returns 0 or a negative code. */
int report_files_summary_read(const report_t *rp, MDB_txn *txn,
                              int64_t period, report_summary_t **s,
                              report_i18n_t **m, bl_err_t *err);

/* Writes *s with the messages *m as <dir>/summary.html and frees both
 * (*s and *m become NULL).  Returns 1, or a negative code. */
int report_files_summary_write(report_summary_t **s, report_i18n_t **m,
                               const char *dir, bl_err_t *err);

#endif
