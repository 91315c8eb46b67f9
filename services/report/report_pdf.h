/*
 * report_pdf: the provider's benchmark report as an A4 PDF for printing and
 * sending, drawn with cairo and pango from the same chart geometry and the
 * same sentences (report_chart, report_text) as the HTML page.
 *
 * Only built with cairo: without BL_HAVE_CAIRO report_pdf_write refuses
 * with "built without cairo".  It is not a general layout engine: text flows
 * down the page and breaks to a new page when the next block does not fit.
 */
#ifndef REPORT_PDF_H
#define REPORT_PDF_H

#include "bl_error.h"
#include "report_i18n.h"
#include "report_model.h"

/* Writes the report of r to a new PDF file at path (replaced if it exists).
 * Returns 0; BL_EINVAL for a NULL argument; BL_EIO when cairo cannot
 * create or finish the file (err names path and cairo's reason), and also
 * when the program was built without cairo ("built without cairo");
 * BL_ENOMEM. */
int report_pdf_write(const char *path, const report_provider_t *r,
                     const report_i18n_t *m, bl_err_t *err);

#endif
