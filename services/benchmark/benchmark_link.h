/*
 * benchmark_link: the link between a national node and the international
 * node, owned by the benchmarking daemon of each (SPEC section 7).  A thin
 * facade over its two halves, of which a node opens at most one:
 * benchmark_uplink (national, config `upstream`) and benchmark_door
 * (international, config `listen`).  This header also holds what both
 * halves share: the stores and callback they need of the daemon.
 */
#ifndef BENCHMARK_LINK_H
#define BENCHMARK_LINK_H

#include <lmdb.h>
#include <stdint.h>

#include "benchmark_learning.h"
#include "bl_bundle.h"
#include "bl_daemon.h"

typedef struct benchmark_link benchmark_link_t;

/* Most peer groups a node sends over the link. */
#define BENCHMARK_LINK_GROUPS_MAX 16
/* Rows per downlink page (the default and what a national asks for). */
#define BENCHMARK_LINK_PAGE 5000

/* What the link needs of the benchmarking daemon. */
typedef struct benchmark_link_env {
    bl_daemon_t *d;
    MDB_dbi db_register;   /* provider -> register entry */
    MDB_dbi db_values;     /* period \x1f provider \x1f unit \x1f indicator */
    MDB_dbi db_stats;      /* period \x1f indicator \x1f group \x1f key */
    MDB_dbi db_positions;  /* ... \x1f provider */
    MDB_dbi db_cpos;       /* period \x1f country \x1f indicator \x1f group
                              \x1f key \x1f provider (international) */
    MDB_dbi db_uplink;     /* the uplink outbox's messages */
    MDB_dbi db_seen;       /* the link inbox's last applied sequences */
    MDB_dbi db_xband4;     /* national: band-4 members of the international
                              instances (benchmark_external.h) */
    MDB_dbi db_xstats;     /* international: the national groups' stats */
    MDB_dbi db_cband4;     /* international: band-4 rows, once */
    /* Recomputes period (international: over everything received) and
     * sends its results to the report daemon. */
    int (*recompute)(void *ctx, MDB_txn *txn, int64_t period,
                     bl_err_t *err);
    void *ctx;
    /* Practices (SPEC 10): what goes up, what is kept from abroad. */
    benchmark_learning_t *learning;
} benchmark_link_env_t;

/* Opens whatever the config asks for (nothing on a node with neither
 * `upstream` nor `listen`).  Registers its sockets with the daemon. */
int benchmark_link_open(benchmark_link_t **out,
                        const benchmark_link_env_t *env, bl_err_t *err);

void benchmark_link_close(benchmark_link_t **link);

/* Registers the link's sockets with the daemon's poll loop (the link is
 * their callbacks' context). */
int benchmark_link_register(benchmark_link_t *link, bl_daemon_t *d);

/* National: queues period's register and values for the international
 * node (inside the close's transaction).  A no-op without `upstream`. */
int benchmark_link_send_period(benchmark_link_t *link, MDB_txn *txn,
                               int64_t period, int64_t generation,
                               bl_err_t *err);

/* The external group ids and attributes received from the international
 * node (national side), for the reports; n_groups 0 when none. */
size_t benchmark_link_groups(const benchmark_link_t *link,
                             const bl_peer_group_t **groups);

/* Sends, resends and polls; call on every loop turn. */
void benchmark_link_tick(benchmark_link_t *link);

/* Extra key/value pairs for the health reply; returns how many. */
uint32_t benchmark_link_health(benchmark_link_t *link, bl_mpw_t *reply);

/* Heartbeat interval of the link's sockets: a fifth of link_heartbeat_s,
 * since bl_net drops a connection silent for five of them. */
int benchmark_link_heartbeat_ms(const bl_config_t *cfg);

/* Adds the stored form of one value, [gen, value] (value: bl_values_codec's
 * encoding) under period \x1f provider \x1f unit \x1f indicator, to rows
 * (one bundle per period, provider and unit when put); w is scratch.
 * 0, BL_EPROTO when the key is too long, or BL_ENOMEM.  In benchmark.c. */
int benchmark_value_add(bl_bundle_rows_t *rows, bl_mpw_t *w,
                        const char *period, const char *provider,
                        const char *unit, const char *indicator, int64_t gen,
                        const void *value, size_t len);

#endif
