/*
 * benchmark_state: what the files of the benchmarking daemon share —
 * the daemon's state, its stage databases and a provider's cell of one
 * indicator.  benchmark.c is the daemon (messages in, the computation);
 * benchmark_store.c stores what a computation found for export;
 * benchmark_results.c sends it to the report daemon.  Internal to
 * services/benchmark/: the stage's interface is benchmark.h.
 */
#ifndef BENCHMARK_STATE_H
#define BENCHMARK_STATE_H

#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "benchmark_learning.h"
#include "benchmark_link.h"
#include "bl_config.h"
#include "bl_daemon.h"
#include "bl_mp.h"
#include "bl_values_codec.h"

/* The stage databases (see benchmark.c and benchmark_store.h for their
 * rows), in the order of BENCHMARK_DB_NAMES. */
enum { DB_REGISTER = 0, DB_VALUES, DB_STATS, DB_POSITIONS, DB_CORRS,
       DB_CPOS, DB_UPLINK, DB_LINK_SEEN, DB_XBAND4, DB_XSTATS, DB_CBAND4,
       DB_LEARNING };
#define BENCHMARK_DB_NAMES                                                   \
    "register", "values", "stats", "positions", "corrs", "cpos", "uplink",   \
        "link_seen", "xband4", "xstats", "cband4",                           \
        BENCHMARK_LEARNING_DB_NAMES

/* The daemon's state: lives as long as the daemon. */
typedef struct benchmark {
    bl_daemon_t *d;
    benchmark_link_t *link;  /* uplink and door; NULL-safe */
    const bl_config_t *cfg;
    size_t n_ind;
    bl_mpw_t w;
    bl_mpw_t items;
    benchmark_learning_t *learning;  /* actions, practices, their exports */
    bool downlink;           /* international node whose allow list names
                                a national node: a close also stores what
                                the national nodes fetch by country (cpos,
                                cband4); without one, nobody could */
    bool downlink_check;     /* at the next tick: compute the closed
                                periods again if some lack those rows */
    long long downlink_retry_ms;  /* not before (after a failed try) */
    uint64_t positions_txn;  /* mdb_txn_id of the last write transaction
                                in which a close stored positions */
} benchmark_t;

/* What a provider sent for one indicator (provider level). */
typedef struct benchmark_cell {
    bl_cell_status_t status;
    bool has_value, has_num, has_den, has_n;
    double value, num, den, n;
} benchmark_cell_t;

/* Decodes a stored value [gen, [value, num, den, n, status]] (the values
 * database); false when it is malformed.  In benchmark.c. */
bool benchmark_decode_value(const MDB_val *v, int64_t *gen,
                            benchmark_cell_t *c);

#endif
