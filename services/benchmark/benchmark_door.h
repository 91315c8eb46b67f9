/*
 * benchmark_door: the international node's side of the link (config
 * `listen`, SPEC section 7).
 *
 * A ZAP handler admits only the allow-listed keys, each tied to a
 * country; a CURVE inbox applies uplink messages exactly once, refusing
 * (and logging) a message about another country's provider or under
 * another catalogue; each national close recomputes the period over the
 * union of countries.  The same inbox answers the national nodes'
 * downlink requests, each country seeing only its own positions.  SIGHUP
 * reloads the allow list.
 */
#ifndef BENCHMARK_DOOR_H
#define BENCHMARK_DOOR_H

#include <stdint.h>

#include "benchmark_link.h"
#include "bl_daemon.h"

typedef struct benchmark_door benchmark_door_t;

/* Opens the ZAP handler, then the CURVE inbox behind it. */
int benchmark_door_open(benchmark_door_t **out,
                        const benchmark_link_env_t *env, bl_err_t *err);

void benchmark_door_close(benchmark_door_t **door);

/* Registers the ZAP, inbox and monitor sockets and the reload hook. */
int benchmark_door_register(benchmark_door_t *door, bl_daemon_t *d);

/* link_in and link_refused for the health reply; returns 2. */
uint32_t benchmark_door_health(const benchmark_door_t *door,
                               bl_mpw_t *reply);

#endif
