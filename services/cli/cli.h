/*
 * cli: the `benchlearn` command's shared parts — options every command
 * takes, the loaded node config, and the entry points of each command
 * (one source file per group of commands).  Exit status follows SPEC
 * section 6: 0 ok, 1 user error, 2 system error.
 */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "bl_config.h"
#include "bl_submit_client.h"

typedef struct cli {
    const char *config_path;   /* -c, $BENCHLEARN_CONFIG or ./node.yaml */
    bl_config_t *cfg;          /* loaded by cli_load_config */
    void *zctx;                /* ZeroMQ context */
    const char *prog;          /* "benchlearn" */
    char workers_spec[128];    /* "validate=N,aggregate=M": the worker
                                  counts the node runs with */
    long long workers_stamp;   /* run/workers as last read (a wait follows
                                  `benchlearn scale`) */
} cli_t;

/* Loads the node config; prints every problem.  Returns 0, 1 or 2. */
int cli_load_config(cli_t *c);

/* Reads a period (a year, 1900..9999) from s into *out.  Returns 0, or
 * -1 when s is not one. */
int cli_parse_period(const char *s, int64_t *out);

/* Sets c->workers_spec from c->cfg->workers. */
void cli_set_workers_spec(cli_t *c);

/* Prints "benchlearn: message" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The endpoint of worker k (1-based) of stage s. */
void cli_endpoint(const cli_t *c, bl_stage_t s, int k, char *buf,
                  size_t size);

/* What validation counted for one submission, summed over its workers. */
typedef bl_sub_counts_t cli_counts_t;

/* Asks every validation worker about submission sub, waiting timeout_ms
 * for each answer.  Returns 0, or 2 with why (NULL: printed) saying what
 * failed. */
int cli_sub_status(cli_t *c, const char *sub, int timeout_ms,
                   cli_counts_t *out, char *why, size_t why_size);

/* ---- the node's processes (cli_node.c) --------------------------------- */

/* The folder of the daemon programs: $BL_BIN_DIR, else benchlearn's own. */
void cli_bin_dir(char *buf, size_t size);

/* Starts bl-PROGRAM as worker k named name, detached, with the node's
 * worker counts (c->workers_spec).  Returns 0 or 2 (printed). */
int cli_spawn(cli_t *c, const char *program, int k, const char *name);

/* Stops the daemon name (SIGTERM; SIGKILL after timeout_ms).  Returns 0
 * when it is not running any more, 2 when it had to be killed. */
int cli_stop(const cli_t *c, const char *name, int timeout_ms);

/* Records c->workers_spec in run/workers.  Returns 0 or -errno. */
int cli_save_workers(const cli_t *c);

int cli_up(cli_t *c, int argc, char **argv);
int cli_scale(cli_t *c, int argc, char **argv);
int cli_down(cli_t *c, int argc, char **argv);
int cli_status(cli_t *c, int argc, char **argv);
int cli_reload(cli_t *c, int argc, char **argv);
int cli_submit(cli_t *c, int argc, char **argv);
int cli_check(cli_t *c, int argc, char **argv);
int cli_close(cli_t *c, int argc, char **argv);
int cli_export(cli_t *c, int argc, char **argv);
int cli_report(cli_t *c, int argc, char **argv);
int cli_keygen(cli_t *c, int argc, char **argv);
int cli_user(cli_t *c, int argc, char **argv);

#endif
