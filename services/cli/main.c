/*
 * benchlearn: the command for people.  Parses the global options, loads the
 * node config when the command needs it, and hands over to the command
 * (see cli.h).  `benchlearn help` lists the commands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#include "cli.h"

typedef struct command {
    const char *name;
    int (*run)(cli_t *c, int argc, char **argv);
    int needs_config;
    const char *usage;
} command_t;

static const command_t s_commands[] = {
    {"up", cli_up, 1,
     "up [--workers validate=N,aggregate=M] [STAGE...]  start the daemons"},
    {"scale", cli_scale, 1,
     "scale STAGE=N[,STAGE=N]  change a running node's workers (validate, "
     "aggregate, report)"},
    {"down", cli_down, 1, "down                  stop them cleanly"},
    {"status", cli_status, 1,
     "status                health of each daemon, queues, counts"},
    {"reload", cli_reload, 1,
     "reload                read the config again (allow list, disk "
     "reserve)"},
    {"submit", cli_submit, 1,
     "submit [--wait] [--dry-run] FILE...  send files; print submission ids"},
    {"check", cli_check, 1, "check SUBMISSION_ID   per-row outcomes"},
    {"close", cli_close, 1,
     "close PERIOD [--reopen]  end collection: aggregate, benchmark, render"},
    {"export", cli_export, 1,
     "export PERIOD --what stats|positions|values|correlations|"
     "learning-needs|actions [--format csv|json] [-o FILE]"},
    {"report", cli_report, 1,
     "report PERIOD [--provider ID] [--format html|pdf|csv|json] [-o DIR]"},
    {"keygen", cli_keygen, 0, "keygen NAME [-o DIR]  a CURVE key pair"},
    {"user", cli_user, 1,
     "user add LOGIN (--provider ID | --coordinator) [--password-file F] | "
     "list | disable LOGIN | passwd LOGIN  web portal accounts"},
};

static void s_usage(FILE *f)
{
    fprintf(f, "usage: benchlearn [-c NODE.yaml] COMMAND [ARGS]\n\n");
    for (size_t i = 0; i < sizeof s_commands / sizeof s_commands[0]; i++) {
        fprintf(f, "  benchlearn %s\n", s_commands[i].usage);
    }
    fprintf(f, "\nNODE.yaml defaults to $BENCHLEARN_CONFIG, else "
               "./node.yaml.\n");
}

int main(int argc, char **argv)
{
    cli_t c = {0};
    c.prog = "benchlearn";
    c.config_path = getenv("BENCHLEARN_CONFIG");
    if (c.config_path == NULL) {
        c.config_path = "node.yaml";
    }
    int i = 1;
    while (i < argc && argv[i][0] == '-') {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            c.config_path = argv[i + 1];
            i += 2;
        } else if (strcmp(argv[i], "-h") == 0 ||
                   strcmp(argv[i], "--help") == 0) {
            s_usage(stdout);
            return 0;
        } else {
            cli_error("unknown option '%s'", argv[i]);
            s_usage(stderr);
            return 1;
        }
    }
    if (i >= argc || strcmp(argv[i], "help") == 0) {
        s_usage(i >= argc ? stderr : stdout);
        return i >= argc ? 1 : 0;
    }
    const command_t *cmd = NULL;
    for (size_t k = 0; k < sizeof s_commands / sizeof s_commands[0]; k++) {
        if (strcmp(argv[i], s_commands[k].name) == 0) {
            cmd = &s_commands[k];
        }
    }
    if (cmd == NULL) {
        cli_error("unknown command '%s'", argv[i]);
        s_usage(stderr);
        return 1;
    }
    if (cmd->needs_config) {
        int rc = cli_load_config(&c);
        if (rc != 0) {
            return rc;
        }
    }
    c.zctx = zmq_ctx_new();
    if (c.zctx == NULL) {
        cli_error("cannot create a ZeroMQ context");
        bl_config_destroy(&c.cfg);
        return 2;
    }
    int rc = cmd->run(&c, argc - i, argv + i);
    zmq_ctx_term(c.zctx);
    bl_config_destroy(&c.cfg);
    return rc;
}
