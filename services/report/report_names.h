/*
 * report_names: the indicator catalogue's texts people read, in the
 * report's language (SPEC section 3): indicator names into the report
 * model, principle and service type names over the message files' words.
 *
 * The glue code calls these once per report, before rendering, so that the
 * renderers keep printing `ind->name` and report_text_label() and every
 * format (HTML, PDF, CSV, JSON) says the same.  Each text is the
 * catalogue's in the report's language, else English, else the first one
 * given (bl_catalogue_text).  Nothing here renders or reads files.
 */
#ifndef REPORT_NAMES_H
#define REPORT_NAMES_H

#include "bl_catalogue.h"
#include "report_i18n.h"
#include "report_model.h"

/* Sets the name of every indicator of p that the catalogue knows (by id)
 * to its name in lang ("no"; NULL means English).  Returns 0, or BL_ENOMEM
 * (names already set stay; p remains valid). */
int report_names_provider(report_provider_t *p, const bl_catalogue_t *cat,
                          const char *lang);

/* The same for the names of a coordinator's summary (band distributions
 * and the most common areas). */
int report_names_summary(report_summary_t *s, const bl_catalogue_t *cat,
                         const char *lang);

/* Sets the messages "principle.<id>" and "service_type.<code>" of m to the
 * catalogue's principle_names and service_type_names in m's language, for
 * every one the catalogue gives; the message files' words stay for the
 * others.  Returns 0 or BL_ENOMEM. */
int report_names_messages(report_i18n_t *m, const bl_catalogue_t *cat);

#endif
