/*
 * benchmark_uplink: the national node's side of the link to the
 * international node (config `upstream`, SPEC section 7).
 *
 * After each local close of a period the node's register (names only of
 * providers that share identity) and its provider-level, non-suppressed
 * values go into a durable uplink outbox, a CURVE client with heartbeats;
 * survey answers and respondent ids never leave.  A second CURVE
 * connection asks the international node now and then for the
 * international statistics and this country's positions, stores them
 * beside the national ones (their group ids must differ) and has the
 * period's reports rendered again.
 */
#ifndef BENCHMARK_UPLINK_H
#define BENCHMARK_UPLINK_H

#include <lmdb.h>
#include <stdint.h>

#include "benchmark_link.h"
#include "bl_daemon.h"

typedef struct benchmark_uplink benchmark_uplink_t;

/* Opens the uplink outbox and the downlink connection, and loads the
 * international groups known from an earlier run. */
int benchmark_uplink_open(benchmark_uplink_t **out,
                          const benchmark_link_env_t *env, bl_err_t *err);

void benchmark_uplink_close(benchmark_uplink_t **up);

/* Registers both sockets with the daemon's poll loop. */
int benchmark_uplink_register(benchmark_uplink_t *up, bl_daemon_t *d);

/* Queues period's register, values, peer groups and their statistics
 * between a begin and a close marker (inside the close's transaction). */
int benchmark_uplink_send_period(benchmark_uplink_t *up, MDB_txn *txn,
                                 int64_t period, int64_t generation,
                                 bl_err_t *err);

/* The international node's groups as last received. */
size_t benchmark_uplink_groups(const benchmark_uplink_t *up,
                               const bl_peer_group_t **groups);

/* Sends, resends and polls the international node; every loop turn. */
void benchmark_uplink_tick(benchmark_uplink_t *up);

/* uplink_pending, uplink_last_ack, uplink_error, uplink,
 * uplink_last_contact for the health reply; returns 5. */
uint32_t benchmark_uplink_health(const benchmark_uplink_t *up,
                                 bl_mpw_t *reply);

#endif
