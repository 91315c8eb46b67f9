/*
 * benchmark_store: what a computation of the benchmarking daemon keeps
 * of a period for export and for the next period — the statistics of
 * each group instance, each provider's positions in them and the
 * relationships between indicators — and the one thing read back from
 * them, a provider's rank in the period before.  It computes nothing
 * (benchmark_compute.h) and sends nothing (benchmark_results.h).
 *
 * Stored rows (keys \x1f-joined, see bl_page.h):
 *   stats      period \x1f indicator \x1f group \x1f group key
 *              -> [n, mean, sd, min, p10, p25, p50, p75, p90, max, best]
 *   positions  period \x1f indicator \x1f group \x1f group key \x1f provider
 *              -> [value, n, percentile rank, band, z, reference, gap]
 *   corrs      period \x1f group \x1f group key \x1f a \x1f b -> [n, rho]
 *   cpos       (international) period \x1f country \x1f indicator \x1f
 *              group \x1f group key \x1f provider -> as positions
 * On a national node, stats and positions also hold the rows of the
 * international node's groups, under their own group ids; the uplink
 * (benchmark_uplink.c) writes those.
 */
#ifndef BENCHMARK_STORE_H
#define BENCHMARK_STORE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "benchmark_compute.h"
#include "benchmark_state.h"

/* Replaces period's rows of this node's own peer groups (and, on the
 * international node, its cpos rows) with those of out; in is the input
 * out was computed from.  Rows of external groups stay.  Returns 0 or a
 * store error. */
int bstore_put_results(benchmark_t *b, MDB_txn *txn, int64_t period,
                       const bc_input_t *in, const bc_output_t *out,
                       bl_err_t *err);

/* The percentile ranks of the n providers ps (the register of now) in
 * period - 1, as stored then, into ranks[(i * n_ind + k) * n_groups + g]
 * (g a cfg index, k a catalogue index), NAN where there is none: the row
 * under the provider's group key of now.  Returns 0 or a store error. */
int bstore_prev_ranks(benchmark_t *b, MDB_txn *txn, int64_t period,
                      const bc_provider_t *ps, size_t n, double *ranks,
                      bl_err_t *err);

/* bstore_prev_ranks on a thread of its own, in a read transaction of its
 * own, while the close stores its results on this one.  Only when period
 * - 1's positions are as last committed (the caller's write transaction
 * has not written them): the read transaction sees what the write one
 * started from.  Every path out of the caller's transaction must end the
 * job first (bstore_prev_job_finish): the map must not be resized while
 * its read transaction is open. */
typedef struct bstore_prev_job {
    benchmark_t *b;
    int64_t period;
    const bc_provider_t *ps;
    size_t n;
    double *ranks;
    int rc;
    bl_err_t err;
    double seconds;             /* the walk's, once finished */
    pthread_t tid;
    bool started;
} bstore_prev_job_t;

/* Starts the job; false when no thread could be started (then call
 * bstore_prev_ranks in the caller's transaction). */
bool bstore_prev_job_start(bstore_prev_job_t *j, benchmark_t *b,
                           int64_t period, const bc_provider_t *ps, size_t n,
                           double *ranks);

/* Waits for a started job (nothing to do when it was not).  Returns its
 * result, with its error in err (may be NULL). */
int bstore_prev_job_finish(bstore_prev_job_t *j, bl_err_t *err);

#endif
