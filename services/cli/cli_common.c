/*
 * cli_common: what every command of `benchlearn` uses — config loading with
 * every problem printed, error messages, endpoints.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bl_daemon.h"
#include "cli.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("benchlearn: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_load_config(cli_t *c)
{
    bl_diags_t diags = {0};
    int rc = bl_config_load(&c->cfg, c->config_path, &diags);
    if (rc == 0) {
        bl_diags_clear(&diags);
        /* `benchlearn up --workers` records the counts the node runs
         * with; every later command talks to that many workers. */
        char why[512];
        if (bl_config_follow_workers(c->cfg, &c->workers_stamp, why,
                                     sizeof why) < 0) {
            cli_error("%s", why);
        }
        cli_set_workers_spec(c);
        return 0;
    }
    for (size_t i = 0; i < diags.count; i++) {
        char line[1400];
        bl_diags_format(&diags, i, line, sizeof line);
        cli_error("%s", line);
    }
    if (diags.count == 0) {
        cli_error("%s: cannot load the node config", c->config_path);
    }
    bl_diags_clear(&diags);
    return 1;
}

void cli_set_workers_spec(cli_t *c)
{
    snprintf(c->workers_spec, sizeof c->workers_spec,
             "validate=%d,aggregate=%d,report=%d",
             c->cfg->workers[BL_STAGE_VALIDATE],
             c->cfg->workers[BL_STAGE_AGGREGATE],
             c->cfg->workers[BL_STAGE_REPORT]);
}

void cli_endpoint(const cli_t *c, bl_stage_t s, int k, char *buf, size_t size)
{
    bl_daemon_endpoint(c->cfg, s, k, buf, size);
}
