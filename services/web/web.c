/*
 * web: the portal daemon's life and loop (see web.h).
 */
#include "web.h"

#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_fs.h"
#include "bl_log.h"
#include "bl_net.h"
#include "web_http.h"

#define S_TURN_MS 500   /* longest wait before the stop flag is looked at */

void web_count(web_t *w, unsigned status)
{
    w->requests++;
    int slot = status == 403 ? 3 : status == 413 ? 4 : status >= 500 ? 5
             : status >= 400 ? 2 : status >= 300 ? 1 : 0;
    w->by_status[slot]++;
}

/* Writes path atomically with text. */
static int s_write_file(const char *path, const char *text)
{
    char tmp[PATH_MAX + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        return -errno;
    }
    fputs(text, f);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        return -errno;
    }
    return 0;
}

static void s_run_path(const web_t *w, const char *name, char *buf,
                       size_t size)
{
    snprintf(buf, size, "%s/run/%s", w->cfg->data_dir, name);
}

/* Reads the metrics token (one line) when one is configured. */
static int s_read_token(web_t *w)
{
    if (w->cfg->web_metrics_token == NULL) {
        return 0;
    }
    FILE *f = fopen(w->cfg->web_metrics_token, "r");
    if (f == NULL) {
        bl_log(BL_LOG_ERROR, "cannot open '%s': %s",
               w->cfg->web_metrics_token, strerror(errno));
        return 2;
    }
    if (fgets(w->metrics_token, sizeof w->metrics_token, f) == NULL) {
        w->metrics_token[0] = '\0';
    }
    fclose(f);
    w->metrics_token[strcspn(w->metrics_token, "\r\n")] = '\0';
    if (strlen(w->metrics_token) < 16) {
        bl_log(BL_LOG_ERROR, "%s:1: the metrics token is shorter than 16 "
               "characters", w->cfg->web_metrics_token);
        return 2;
    }
    return 0;
}

int web_open(web_t *w, bl_config_t *cfg)
{
    memset(w, 0, sizeof *w);
    w->cfg = cfg;
    if (sodium_init() < 0) {
        bl_log(BL_LOG_ERROR, "cannot initialise libsodium");
        return 2;
    }
    if (cfg->web_listen == NULL) {
        bl_log(BL_LOG_ERROR, "%s: no 'web:' section: the node has no portal",
               cfg->path);
        return 2;
    }
    if (s_read_token(w) != 0) {
        return 2;
    }
    snprintf(w->spool_dir, sizeof w->spool_dir, "%s/web/spool",
             cfg->data_dir);
    char run[PATH_MAX];
    snprintf(run, sizeof run, "%s/run", cfg->data_dir);
    int rc = bl_fs_mkdirs(run, 0750);
    if (rc != 0) {
        bl_log(BL_LOG_ERROR, "cannot create '%s': %s", run, strerror(-rc));
        return 2;
    }
    char path[PATH_MAX + 16];
    s_run_path(w, "web.addr", path, sizeof path);
    unlink(path);
    bl_err_t err = {0};
    if (web_accounts_open(&w->accounts, cfg, &err) != 0) {
        bl_log(BL_LOG_ERROR, "cannot open the account store: %s", err.msg);
        return 2;
    }
    w->zctx = zmq_ctx_new();
    if (w->zctx == NULL) {
        bl_log(BL_LOG_ERROR, "cannot create a ZeroMQ context");
        return 2;
    }
    if (web_backend_new(&w->backend, w->zctx, cfg, &err) != 0 ||
        web_http_start(&w->http, w, &err) != 0) {
        bl_log(BL_LOG_ERROR, "%s", err.msg);
        return 2;
    }
    char host[96];
    snprintf(host, sizeof host, "%s", cfg->web_listen);
    char *colon = strrchr(host, ':');
    if (colon != NULL) {
        *colon = '\0';
    }
    snprintf(w->addr, sizeof w->addr, "%s:%u", host,
             web_http_port(w->http));
    char pid[32], addr[160];
    snprintf(pid, sizeof pid, "%d\n", (int)getpid());
    snprintf(addr, sizeof addr, "%s://%s/\n", w->tls ? "https" : "http",
             w->addr);
    char pid_path[PATH_MAX + 16];
    s_run_path(w, "web.pid", pid_path, sizeof pid_path);
    if (s_write_file(pid_path, pid) != 0 || s_write_file(path, addr) != 0) {
        bl_log(BL_LOG_ERROR, "cannot write %s/run/web.*: %s", cfg->data_dir,
               strerror(errno));
        return 2;
    }
    bl_log(BL_LOG_INFO, "ready url=%s://%s/", w->tls ? "https" : "http",
           w->addr);
    return 0;
}

int web_run(web_t *w, volatile sig_atomic_t *stop)
{
    while (!*stop) {
        fd_set r, wr, e;
        FD_ZERO(&r);
        FD_ZERO(&wr);
        FD_ZERO(&e);
        int max_fd = 0;
        long timeout_ms = S_TURN_MS;
        if (web_http_fdset(w->http, &r, &wr, &e, &max_fd, &timeout_ms) !=
            0) {
            bl_log(BL_LOG_ERROR, "http: cannot get the sockets to wait on");
            return 2;
        }
        struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
        int n = select(max_fd + 1, &r, &wr, &e, &tv);
        if (n < 0 && errno != EINTR) {
            bl_log(BL_LOG_ERROR, "select: %s", strerror(errno));
            return 2;
        }
        web_http_run(w->http);
        /* `benchlearn scale` records new worker counts there: looked at
         * once a second, not on every turn. */
        long long now = bl_net_now_ms();
        if (now - w->workers_looked < 1000) {
            continue;
        }
        w->workers_looked = now;
        char why[512];
        int frc = bl_config_follow_workers(w->cfg, &w->workers_stamp, why,
                                           sizeof why);
        if (frc == 1) {
            bl_log(BL_LOG_INFO, "workers validate=%d aggregate=%d report=%d",
                   w->cfg->workers[BL_STAGE_VALIDATE],
                   w->cfg->workers[BL_STAGE_AGGREGATE],
                   w->cfg->workers[BL_STAGE_REPORT]);
        } else if (frc < 0) {
            bl_log(BL_LOG_WARN, "%s", why);
        }
    }
    return 0;
}

void web_close(web_t *w)
{
    web_http_stop(&w->http);
    web_backend_destroy(&w->backend);
    if (w->zctx != NULL) {
        zmq_ctx_term(w->zctx);
        w->zctx = NULL;
    }
    web_accounts_close(&w->accounts);
    if (w->cfg != NULL) {
        char path[PATH_MAX + 16];
        s_run_path(w, "web.addr", path, sizeof path);
        unlink(path);
        s_run_path(w, "web.pid", path, sizeof path);
        unlink(path);
    }
    bl_log(BL_LOG_INFO, "stopped");
}
