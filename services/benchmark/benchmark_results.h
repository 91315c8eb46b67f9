/*
 * benchmark_results: what a computation of the benchmarking daemon sends
 * the report daemon — the statistics of each group instance, once, then
 * each provider's `results` (values, positions in each group, which refer
 * to those statistics, with the period before, areas for improvement
 * with learning partners and practices, strengths, units, the follow-up
 * of its actions) and the coordinator's summary, in `results` messages
 * through the daemon's outbox (bl_results_codec.h is their layout).  It
 * reads the store for what the computation does not hold in memory
 * (units, ranks of the period before, the international groups and their
 * statistics); it writes nothing else.
 */
#ifndef BENCHMARK_RESULTS_H
#define BENCHMARK_RESULTS_H

#include <lmdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "benchmark_compute.h"
#include "benchmark_learning.h"
#include "benchmark_state.h"
#include "bl_results_codec.h"

#define BRES_NO_POSITION UINT32_MAX

/* One computation of a period, as bres_send_providers reads it.  The
 * caller fills the fields up to intl_pending and zeroes the rest.  The
 * providers' results are encoded on a second thread, which reads the
 * computation (in, out and the arrays) but never the transaction: in,
 * out and the arrays must not change until bres_send_providers
 * returns. */
typedef struct bres_run {
    benchmark_t *b;
    MDB_txn *txn;
    int64_t period;
    int64_t gen;
    const bc_input_t *in;
    const bc_output_t *out;
    int64_t cell_gen;           /* generation of the provider-level values
                                   read, < 0 for any (international) */
    const double *prev;         /* [provider][indicator]: the previous
                                   period's values (NAN: none), or NULL */
    uint32_t *pos_index;        /* [provider][indicator][group] -> position,
                                   or BRES_NO_POSITION */
    uint32_t *inst_n;           /* [provider][indicator][group] -> values in
                                   the provider's group instance */
    bool intl_pending;          /* national: the international results of
                                   the period have not come back yet */
    uint32_t *sent;             /* [provider]: indicators sent (summary) */
    const double *prev_ranks;   /* [provider][indicator][group]: ranks in
                                   the previous period (NAN: none), or
                                   NULL without a previous period */
    uint32_t *ext_at;           /* national: [provider][indicator][external
                                   group] -> index into the input's
                                   ext_positions, or BRES_NO_POSITION */
    benchmark_practices_t *practices;  /* those the reports may show */
} bres_run_t;

/* Puts the statistics of every group instance the run's providers are
 * placed in (this node's and the international node's), then every
 * provider's results, whose position entries refer to them, into the
 * outbox for every report worker (inside the run's transaction).  On
 * success the run keeps what the summary needs (run->sent) until
 * bres_send_summary; the caller may free prev, prev_ranks and inst_n in
 * between (the summary reads none of them).
 * Returns 0, BL_ENOMEM or a store error. */
int bres_send_providers(bres_run_t *run, bl_err_t *err);

/* Then the coordinator's summary, into the outbox the same way; frees
 * what bres_send_providers kept.
 * Returns 0, BL_ENOMEM or a store error. */
int bres_send_summary(bres_run_t *run, bl_err_t *err);

/* Counts, for every provider, indicator and group, the values in the
 * provider's group instance: counts[(i * n_ind + k) * n_groups + g], for
 * the "too few peers" of the results.  values as in bc_input_t.  Returns
 * 0 or BL_ENOMEM. */
int bres_instance_counts(benchmark_t *b, const bc_provider_t *ps, size_t n,
                         const double *values, uint32_t *counts,
                         bl_err_t *err);

#endif
