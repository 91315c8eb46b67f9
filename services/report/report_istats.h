/*
 * report_istats: the statistics of each group instance ("istats"), which
 * the benchmarking daemon sends once per computation, in stats messages
 * ahead of the providers' results whose group entries refer to them
 * (bl_results_codec.h).  They are stored as they came and a provider's
 * result is completed from them when it is decoded (report_decode's
 * stats lookup).
 *
 * Store: "istats" period \x1f indicator \x1f group \x1f key -> the stats
 * item; meta "istats.<period>" is 1 + the generation they are of.  The
 * first stats of a newer generation remove the period's older ones, so
 * that no two computations mix.  It decides nothing about rendering.
 */
#ifndef REPORT_ISTATS_H
#define REPORT_ISTATS_H

#include <lmdb.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_error.h"
#include "bl_results_codec.h"
#include "report_state.h"

/* Before the items of a stats message of (period, generation): when the
 * period's stored stats are of another generation, removes them and
 * records this one.  Returns 0 or a store error. */
int report_istats_begin(report_t *rp, MDB_txn *txn, int64_t period,
                        int64_t generation, bl_err_t *err);

/* Stores one encoded stats item of period.  Returns 0, BL_EPROTO for an
 * item that does not decode, or a store error (MDB_MAP_FULL included). */
int report_istats_put(report_t *rp, MDB_txn *txn, int64_t period,
                      const void *item, size_t len, bl_err_t *err);

/* Where report_istats_get looks: the store of rp in txn, for period. */
typedef struct report_istats_source {
    const report_t *rp;
    MDB_txn *txn;
    int64_t period;
} report_istats_source_t;

/* A report_decode_stats_fn: the statistics of the instance (indicator,
 * group, key) of the source's period into *out.  ctx is a
 * report_istats_source_t.  Returns 0, BL_ENOTFOUND, BL_EPROTO or
 * BL_ESTORE. */
int report_istats_get(void *ctx, const char *indicator, const char *group,
                      const char *key, bl_results_stats_t *out);

#endif
