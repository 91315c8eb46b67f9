/*
 * report_i18n: the fixed labels of the reports, from YAML message catalogues
 * (config/messages/<lang>.yaml, a flat map key -> string), compiled into
 * the program (report_i18n_open_builtin) or read from a folder.
 *
 * English is loaded first and is complete; the chosen language is loaded on
 * top, and a key it lacks falls back to English, then to the key itself, so
 * that a missing translation shows up as a readable key rather than a crash.
 * Templates carry named placeholders: "better than {pct}% of {n} {group}
 * peers".  This is not a general gettext: no plurals, no contexts.
 */
#ifndef REPORT_I18N_H
#define REPORT_I18N_H

#include <stddef.h>

#include "bl_error.h"

typedef struct report_i18n report_i18n_t;

/* Loads dir/en.yaml, then dir/<lang>.yaml when lang is not "en" (lang NULL
 * means "en").  lang must be 2-3 lower-case letters.  Returns 0, BL_EINVAL
 * for a bad lang, -errno when a file cannot be opened, BL_ECONFIG for a file
 * that is not a flat map of strings (err says file:line:column), or
 * BL_ENOMEM.  The caller owns *out. */
int report_i18n_open(report_i18n_t **out, const char *dir, const char *lang,
                     bl_err_t *err);

/* Loads the catalogues compiled into the program (report_messages.h): en,
 * then lang on top.  A well-formed lang that does not ship gives English
 * (report_i18n_lang then says "en").  Returns 0, BL_EINVAL for a bad lang,
 * BL_ECONFIG for a catalogue that is not a flat map, or BL_ENOMEM.  The
 * caller owns *out. */
int report_i18n_open_builtin(report_i18n_t **out, const char *lang,
                             bl_err_t *err);

/* Frees the catalogue; sets *m to NULL; accepts NULL. */
void report_i18n_destroy(report_i18n_t **m);

/* The language the catalogue was opened for ("no"). */
const char *report_i18n_lang(const report_i18n_t *m);

/* The text for key: the language's, else English, else key itself.  The
 * string lives as long as m. */
const char *report_i18n_get(const report_i18n_t *m, const char *key);

/* Sets key to text in m's language, over what the message files say (for
 * the indicator catalogue's own principle and service type names).
 * Returns 0 or BL_ENOMEM. */
int report_i18n_set(report_i18n_t *m, const char *key, const char *text);

/* The text for key with every "{name}" replaced by its value; the variadic
 * arguments are name, value pairs of const char *, ended by NULL.  Unknown
 * placeholders stay as written.  Returns a heap string the caller frees, or
 * NULL when out of memory. */
char *report_i18n_format(const report_i18n_t *m, const char *key, ...);

/* The report language for a country code: NO -> "no", PT -> "pt",
 * EE -> "et", LT -> "lt", anything else -> "en". */
const char *report_i18n_language_for_country(const char *country);

/* Writes v with `decimals` digits after the language's decimal separator
 * (key number.decimal) into buf; a zero never shows as "-0".  Returns buf. */
char *report_i18n_number(const report_i18n_t *m, double v, int decimals,
                         char *buf, size_t len);

#endif
