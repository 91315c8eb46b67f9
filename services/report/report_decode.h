/*
 * report_decode: the benchmark results that the report daemon stores, as
 * the benchmarking daemon encoded them (bl_results_codec.h), turned into
 * the report model (report_model.h) that every renderer draws from.  The
 * node's configuration adds what the results leave out: the catalogue's
 * names, kinds and units in the report's language, the node, the
 * thresholds of the methods section, today's date.
 *
 * It reads no store and writes no file: the caller passes the stored
 * bytes, and a lookup of the instances' statistics that the result's
 * positions refer to, and gets a model it owns.
 */
#ifndef REPORT_DECODE_H
#define REPORT_DECODE_H

#include <stddef.h>

#include "bl_config.h"
#include "bl_results_codec.h"
#include "report_model.h"

/* The language of a report to a provider of country: the node's
 * `language` when it sets one, else the country's (report_i18n). */
const char *report_decode_language(const bl_config_t *cfg,
                                   const char *country);

/* The statistics of the instance (indicator, group, key) of the period
 * being decoded into *out: 0, or not 0 when they are unknown. */
typedef int (*report_decode_stats_fn)(void *ctx, const char *indicator,
                                      const char *group, const char *key,
                                      bl_results_stats_t *out);

/* The report model of one provider's stored result of period.  A position
 * whose statistics are not inline (as results are sent now) takes them
 * from stats(stats_ctx, ...).  Returns a model the caller destroys, or
 * NULL when the bytes are unreadable, do not match the catalogue, refer
 * to statistics stats does not know, or memory ran out. */
report_provider_t *report_decode_provider(const bl_config_t *cfg,
                                          const void *data, size_t len,
                                          int period,
                                          report_decode_stats_fn stats,
                                          void *stats_ctx);

/* The coordinator's summary of period from its stored bytes: only the
 * correlations people may see (report_signif), top areas most common
 * first, overdue potential members found.  The rejected rows are not in
 * it (the caller adds them).  NULL when unreadable or out of memory. */
report_summary_t *report_decode_summary(const bl_config_t *cfg,
                                        const void *data, size_t len,
                                        int period);

/* Only the correlations of the stored summary, as report_decode_summary
 * has them (shown ones, most certain first), in an otherwise empty
 * summary: what each provider's areas need, without the participants
 * (megabytes at 50,000 providers).  NULL when unreadable or out of
 * memory. */
report_summary_t *report_decode_correlations(const void *data, size_t len);

#endif
