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

/* Writes provider p's HTML, CSV and JSON files into dir as
 * <provider>.<format> (those of the given format; "" = all; "pdf" writes
 * none).  Returns the number of files written, or a negative code with err
 * naming the file. */
int report_files_provider(report_t *rp, const report_provider_t *p,
                          const report_i18n_t *m, const char *dir,
                          const char *format, bl_err_t *err);

/* Writes the coordinator's summary of period, with the rows still
 * rejected that the close marker carried, as <dir>/summary.html.  Returns
 * 1 when it was written, 0 when the period has no summary, or a negative
 * code. */
int report_files_summary(const report_t *rp, MDB_txn *txn, int64_t period,
                         const char *dir, bl_err_t *err);

#endif
