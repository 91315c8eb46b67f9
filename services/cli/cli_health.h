/*
 * cli_health: one daemon's health as `benchlearn up` and `status` read it
 * (its pid, counters and the stage's own figures).
 */
#ifndef CLI_HEALTH_H
#define CLI_HEALTH_H

#include "bl_config.h"

/* The health of one daemon: 0 and fields filled, or an error code. */
typedef struct cli_health {
    int pid;
    unsigned long long in, out, pending, refused, store_used;
    char extra_names[6][32];         /* stage-specific figures */
    char extra_values[6][160];       /* their values, as text */
    size_t n_extra;
} cli_health_t;

int cli_health(void *zctx, const bl_config_t *cfg, const char *endpoint,
                   int timeout_ms, cli_health_t *h);

#endif
