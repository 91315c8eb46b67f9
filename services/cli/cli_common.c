/*
 * cli_common: what every command of `benchlearn` uses — config loading with
 * every problem printed, error messages, endpoints.
 */
#include <stdarg.h>
#include <stdio.h>

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

void cli_endpoint(const cli_t *c, bl_stage_t s, int k, char *buf, size_t size)
{
    bl_daemon_endpoint(c->cfg, s, k, buf, size);
}
