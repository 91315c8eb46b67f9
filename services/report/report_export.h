/*
 * report_export: one provider's report figures as CSV and as JSON, for
 * people who want to work with the numbers themselves.
 *
 * CSV: RFC 4180 (comma, CRLF-free "\n" lines, fields with a comma, quote or
 * newline quoted, quotes doubled), one row per indicator and peer group
 * (an indicator without groups gives one row with the group columns empty);
 * figures in C locale with up to 10 significant digits, empty when absent;
 * columns:
 *   provider_id,period,indicator_id,status,value,n,numerator,denominator,
 *   previous_value,group_id,group_key,too_few_peers,peers,mean,sd,min,p10,
 *   p25,p50,p75,p90,max,best_in_class,percentile_rank,band,z,reference,gap,
 *   previous_rank
 * then the learning curve: one row per indicator and earlier period with
 * provider_id, period, indicator_id, status, value, group_id (the curve's
 * group), p50, percentile_rank and band filled.
 * JSON: one object {provider, period, curve_group, indicators[{...,
 * groups[...], curve[{period, status, value, percentile_rank, band,
 * group_p50}] oldest first}],
 * areas[{indicator_id, partners[...], related[{indicator_id, group_id,
 * group_key, n, rho, p}]}], strengths[], units[...]}; absent
 * figures are null; strings escaped per RFC 8259.  Neither output carries
 * the peers' individual values, and partners that do not share identity
 * appear without id or name.  No labels, no language: ids and codes only.
 */
#ifndef REPORT_EXPORT_H
#define REPORT_EXPORT_H

#include <stdio.h>

#include "bl_error.h"
#include "report_model.h"

/* Writes r as CSV with a header line.  Returns 0, BL_EINVAL, or BL_EIO when
 * writing failed. */
int report_export_csv(FILE *f, const report_provider_t *r, bl_err_t *err);

/* Writes r as one JSON document followed by a newline.  Returns as above. */
int report_export_json(FILE *f, const report_provider_t *r, bl_err_t *err);

#endif
