/*
 * report_pdfjob: one provider's PDF written by a thread of its own.  cairo
 * and pango take tens of milliseconds per report, far longer than a loop
 * turn may: the loop hands over the decoded model and goes on answering;
 * the thread sends one byte on `kick` when it is done, and the loop joins
 * it.
 *
 * It is not a pool: one PDF at a time, started and joined by the loop's
 * thread.  While the thread runs only it touches the job (and `done`, which
 * is atomic, is the loop's way to ask).  It decides nothing about which
 * PDFs are rendered or kept: that is report_jobs.c.
 */
#ifndef REPORT_PDFJOB_H
#define REPORT_PDFJOB_H

#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "bl_error.h"
#include "report_i18n.h"
#include "report_model.h"

typedef struct report_pdfjob {
    pthread_t thread;
    bool running;               /* started and not joined yet */
    atomic_bool done;           /* set by the thread as it ends */
    report_provider_t *p;       /* owned while running */
    const report_i18n_t *m;     /* the daemon's, read only */
    char path[PATH_MAX];
    char copy_to[PATH_MAX];     /* "" or where the written PDF is copied */
    char id[64];                /* the provider, for a failure */
    int rc;                     /* report_pdf_write's */
    bl_err_t err;
    void *kick;                 /* inproc PAIR used only by the thread */
} report_pdfjob_t;

/* Hands *p to a thread that writes its PDF as <dir>/<provider>.pdf
 * (ownership passes: *p is cleared); with copy_to (not NULL) the written
 * file is to be copied into that folder too when the thread is joined.
 * pdf must not be running.  Returns 0, or a negative code with *p still
 * the caller's. */
int report_pdfjob_start(report_pdfjob_t *pdf, report_provider_t **p,
                        const report_i18n_t *m, const char *dir,
                        const char *copy_to, bl_err_t *err);

/* Waits for the thread, frees the model and, when the PDF was written and
 * a copy asked for, copies it.  Returns 0, or the write's or the copy's
 * negative code with pdf->err saying why.  pdf must be running. */
int report_pdfjob_join(report_pdfjob_t *pdf);

/* Waits for a running thread and frees its model without looking at the
 * outcome (the daemon is closing); harmless when none runs. */
void report_pdfjob_abandon(report_pdfjob_t *pdf);

/* Copies the file src to dst (replaced).  Returns 0, or a negative code
 * with err naming the file. */
int report_pdfjob_copy(const char *src, const char *dst, bl_err_t *err);

#endif
