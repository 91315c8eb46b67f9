/*
 * bl-web: the node's web portal (SPEC section 9).  Parse arguments → load
 * the config → signals → open (store, backend, HTTP server) → serve until
 * SIGTERM/SIGINT → close.  See web.h.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_log.h"
#include "web.h"

static volatile sig_atomic_t s_stop = 0;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static int s_load(bl_config_t **cfg, const char *path, const char *workers)
{
    bl_diags_t diags = {0};
    if (bl_config_load(cfg, path, &diags) != 0) {
        for (size_t i = 0; i < diags.count; i++) {
            char line[1400];
            bl_diags_format(&diags, i, line, sizeof line);
            fprintf(stderr, "bl-web: %s\n", line);
        }
        if (diags.count == 0) {
            fprintf(stderr, "bl-web: cannot load '%s'\n", path);
        }
        bl_diags_clear(&diags);
        return 1;
    }
    bl_diags_clear(&diags);
    char why[256];
    if (workers != NULL &&
        bl_config_apply_workers(*cfg, workers, why, sizeof why) != 0) {
        fprintf(stderr, "bl-web: --workers: %s\n", why);
        bl_config_destroy(cfg);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *config = getenv("BENCHLEARN_CONFIG");
    const char *workers = NULL;
    if (config == NULL) {
        config = "node.yaml";
    }
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            config = argv[++i];
        } else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
            workers = argv[++i];
        } else if (strcmp(argv[i], "--worker") == 0 && i + 1 < argc) {
            i++;  /* one portal per node */
        } else {
            fprintf(stderr, "usage: bl-web [-c NODE.yaml] "
                            "[--workers STAGE=N,...]\n");
            return 1;
        }
    }
    bl_config_t *cfg = NULL;
    int rc = s_load(&cfg, config, workers);
    if (rc != 0) {
        return rc;
    }
    bl_log_init("web", BL_LOG_INFO);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    web_t w;
    rc = web_open(&w, cfg);
    if (rc == 0) {
        rc = web_run(&w, &s_stop);
    }
    web_close(&w);
    bl_config_destroy(&cfg);
    return rc;
}
