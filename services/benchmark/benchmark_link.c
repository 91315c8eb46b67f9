/*
 * benchmark_link: opens the uplink or the door as the config asks and
 * passes the daemon's calls on (see benchmark_link.h).
 */
#include "benchmark_link.h"

#include <stdlib.h>

#include "benchmark_door.h"
#include "benchmark_uplink.h"

struct benchmark_link {
    benchmark_uplink_t *uplink;  /* national */
    benchmark_door_t *door;      /* international */
};

int benchmark_link_heartbeat_ms(const bl_config_t *cfg)
{
    return cfg->link_heartbeat_s * 1000 / 5;
}

int benchmark_link_open(benchmark_link_t **out,
                        const benchmark_link_env_t *env, bl_err_t *err)
{
    *out = NULL;
    benchmark_link_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    const bl_config_t *cfg = bl_daemon_config(env->d);
    int rc = 0;
    if (cfg->upstream_endpoint != NULL) {
        rc = benchmark_uplink_open(&l->uplink, env, err);
    } else if (cfg->listen != NULL) {
        rc = benchmark_door_open(&l->door, env, err);
    }
    if (rc != 0) {
        bl_err_prefix(err, "link");
        benchmark_link_close(&l);
        return rc;
    }
    *out = l;
    return 0;
}

int benchmark_link_register(benchmark_link_t *l, bl_daemon_t *d)
{
    if (l == NULL) {
        return 0;
    }
    if (l->uplink != NULL) {
        return benchmark_uplink_register(l->uplink, d);
    }
    if (l->door != NULL) {
        return benchmark_door_register(l->door, d);
    }
    return 0;
}

void benchmark_link_close(benchmark_link_t **link)
{
    if (link == NULL || *link == NULL) {
        return;
    }
    benchmark_door_close(&(*link)->door);
    benchmark_uplink_close(&(*link)->uplink);
    free(*link);
    *link = NULL;
}

int benchmark_link_send_period(benchmark_link_t *l, MDB_txn *txn,
                               int64_t period, int64_t generation,
                               bl_err_t *err)
{
    if (l == NULL || l->uplink == NULL) {
        return 0;
    }
    return benchmark_uplink_send_period(l->uplink, txn, period, generation,
                                        err);
}

size_t benchmark_link_groups(const benchmark_link_t *l,
                             const bl_peer_group_t **groups)
{
    if (l == NULL || l->uplink == NULL) {
        *groups = NULL;
        return 0;
    }
    return benchmark_uplink_groups(l->uplink, groups);
}

void benchmark_link_tick(benchmark_link_t *l)
{
    if (l != NULL && l->uplink != NULL) {
        benchmark_uplink_tick(l->uplink);
    }
}

uint32_t benchmark_link_health(benchmark_link_t *l, bl_mpw_t *reply)
{
    if (l == NULL) {
        return 0;
    }
    if (l->door != NULL) {
        return benchmark_door_health(l->door, reply);
    }
    if (l->uplink != NULL) {
        return benchmark_uplink_health(l->uplink, reply);
    }
    return 0;
}
