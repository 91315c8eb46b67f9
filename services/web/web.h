/*
 * web: the portal daemon's state and life — the node config, the account
 * store, the connections to the other daemons, the HTTP server, counters —
 * and the loop that runs the HTTP server and nothing else.  One thread:
 * libmicrohttpd runs from this loop (MHD_get_fdset / MHD_run), so the LMDB
 * store and the ZeroMQ sockets are only ever touched from here.
 *
 * Files: <data_dir>/web/store (accounts, LMDB), web/spool (uploads on
 * their way, unnamed), web/reports (reports fetched from the report
 * daemon), run/web.pid, run/web.addr (the address served, written once
 * listening: what `benchlearn up` waits for), log/web.log.
 */
#ifndef WEB_H
#define WEB_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "bl_config.h"
#include "bl_error.h"
#include "web_accounts.h"
#include "web_backend.h"

#define WEB_STATUS_SLOTS 6   /* counted status classes: 2xx 3xx 4xx 413 5xx
                                and 403 */

typedef struct web_http web_http_t;

typedef struct web {
    bl_config_t *cfg;         /* worker counts follow run/workers */
    long long workers_stamp;  /* run/workers as last read */
    long long workers_looked; /* when it was last looked at, ms */
    web_accounts_t *accounts;
    web_backend_t *backend;
    web_http_t *http;
    void *zctx;
    bool tls;                 /* serving HTTPS */
    char addr[128];           /* "127.0.0.1:8080" as bound */
    char metrics_token[128];  /* "" when none configured */
    char spool_dir[4096];
    uint64_t requests;        /* answered */
    uint64_t by_status[WEB_STATUS_SLOTS];
    uint64_t uploads, upload_bytes, refused_logins;
    /* the report daemon's rendered generation per period, asked again
       after WEB_GEN_TTL_MS: a report page then costs no request */
    struct {
        int64_t period;
        uint64_t gen;
        long long asked_ms;
    } gens[8];
} web_t;

#define WEB_GEN_TTL_MS 2000
#define WEB_REFRESH_S 5     /* "being prepared": reload after so long */

/* Opens the store, the backend and the HTTP server; writes run/web.pid and
 * run/web.addr; logs "ready".  Returns 0 or 2 (logged). */
int web_open(web_t *w, bl_config_t *cfg);

/* Serves until *stop is set.  Returns 0 or 2. */
int web_run(web_t *w, volatile sig_atomic_t *stop);

/* Closes everything in reverse order. */
void web_close(web_t *w);

/* Counts one answered request of status. */
void web_count(web_t *w, unsigned status);

#endif
