/*
 * bl_daemon: what every stage daemon does the same way — arguments, signal
 * flag, pid file, the LMDB environment with the delivery databases, the
 * inbox, the outbox to the next stage, the health request, and the poll
 * loop.  A stage supplies a bl_stage_ops_t with its own databases and
 * handlers; its main() reads as: parse → load config → open → run → close.
 *
 * This module does log (it is the daemon's frame, not library code), one
 * line per state change.  Single-threaded.
 */
#ifndef BL_DAEMON_H
#define BL_DAEMON_H

#include <lmdb.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "bl_config.h"
#include "bl_error.h"
#include "bl_inbox.h"
#include "bl_mp.h"
#include "bl_msg.h"
#include "bl_outbox.h"
#include "bl_rebalance.h"
#include "bl_store.h"

#define BL_DAEMON_DBS_MAX 24

typedef struct bl_daemon bl_daemon_t;

/* A stage's own part.  svc is the stage's state, made by open. */
typedef struct bl_stage_ops {
    bl_stage_t stage;
    const char *const *db_names;  /* the stage's own named databases */
    size_t n_dbs;
    int has_outbox;               /* sends to the next stage */
    /* How its store's transactions keep their pages: BL_STORE_MAPPED
     * (the default) for a stage whose transactions can be large,
     * BL_STORE_BUFFERED for one that commits a message at a time. */
    bl_store_mode_t store_mode;
    int (*open)(void **svc, bl_daemon_t *d, bl_err_t *err);
    /* A sequenced message from the previous stage (see bl_inbox.h). */
    int (*apply)(void *svc, MDB_txn *txn, const bl_msg_t *msg,
                 bl_err_t *err);
    /* Optional: the inbox's prepare and release hooks (bl_inbox.h). */
    void *(*prepare)(void *svc, const bl_msg_t *msg);
    void (*release)(void *svc, void *prepared);
    /* A request other than "health"; cmd is its "cmd" field.  Writes one
     * MessagePack map into reply. */
    int (*request)(void *svc, MDB_txn *txn, const char *cmd,
                   const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err);
    /* Extra key/value pairs for the health reply: returns how many pairs
     * it wrote (each a str key and a value). */
    uint32_t (*health)(void *svc, MDB_txn *txn, bl_mpw_t *reply);
    void (*committed)(void *svc);
    void (*tick)(void *svc);  /* every loop turn (about 10 per second) */
    void (*close)(void **svc);
    /* How `--rebalance FROM:TO` moves the stage's state between its
     * workers' stores (bl_rebalance.h); NULL: the stage has one worker. */
    const bl_rebalance_table_t *rebalance;
} bl_stage_ops_t;

/* Parses argv (-c CONFIG, --worker N, --workers STAGE=N,...,
 * --rebalance FROM:TO), loads the config, sets up logging and signal
 * handling.  Returns BL_EXIT_OK, BL_EXIT_USER (printed) or
 * BL_EXIT_SYSTEM: the program's exit status. */
int bl_daemon_init(bl_daemon_t **out, int argc, char **argv,
                   const bl_stage_ops_t *ops);

/* Opens the store, the outbox, the stage and the inbox; writes the pid
 * file; logs "ready".  Returns BL_EXIT_OK or BL_EXIT_SYSTEM (logged). */
int bl_daemon_open(bl_daemon_t *d);

/* Runs the poll loop until SIGTERM/SIGINT; on SIGHUP reads the config
 * again (the disk reserve, and what the reload hooks take).  Returns
 * BL_EXIT_OK or BL_EXIT_SYSTEM. */
int bl_daemon_run(bl_daemon_t *d);

/* Closes everything in reverse order and frees d; sets *d to NULL. */
void bl_daemon_close(bl_daemon_t **d);

/* Counts one close marker of (period, generation) from a worker of the
 * previous stage; *complete is true on the marker that makes `expected`
 * (that stage's worker count), so the close runs once, after every worker
 * has passed on everything before it. */
int bl_daemon_marker(bl_daemon_t *d, MDB_txn *txn, int64_t period,
                     int64_t generation, int expected, bool *complete,
                     bl_err_t *err);

/* A daemon's whole life: init, open, run until a signal, close.  Returns
 * the process exit status.  With --rebalance FROM:TO it runs no daemon:
 * it moves the stage's state from FROM to TO workers' stores (see
 * bl_daemon_rebalance) and returns. */
int bl_daemon_main(int argc, char **argv, const bl_stage_ops_t *ops);

/* The offline step of changing a stage's worker count: refuses (exit 2)
 * while any worker of the stage runs (its pid file under <data_dir>/run
 * names a live process), else runs bl_rebalance_run over the stores of
 * workers 1..max(FROM, TO) with the stage's table and prints one summary
 * line on stdout.  Returns BL_EXIT_OK, BL_EXIT_USER or BL_EXIT_SYSTEM
 * (the reason on stderr, naming the store and database). */
int bl_daemon_rebalance(bl_daemon_t *d, int from, int to);

/* True when pid is a live process.  A killed daemon whose parent never
 * reaps it (PID 1 in some containers does not) stays a zombie, which
 * kill(pid, 0) still finds: /proc tells the two apart. */
bool bl_daemon_alive(int pid);

/* The pid written in the pid file at path, alive or not; 0 when there is
 * none. */
int bl_daemon_pid_file(const char *path);

/* The pid in <data_dir>/run/<name>.pid when that process is alive (not a
 * zombie), else 0. */
int bl_daemon_running_pid(const bl_config_t *cfg, const char *name);

/* The pid of a running worker of stage s, whatever the worker count it was
 * started with (its name in name), or 0 when none runs. */
int bl_daemon_stage_running(const bl_config_t *cfg, bl_stage_t s,
                            char *name, size_t size);

/* Accessors for the stage. */
const bl_config_t *bl_daemon_config(const bl_daemon_t *d);
bl_store_t *bl_daemon_store(const bl_daemon_t *d);
MDB_dbi bl_daemon_dbi(const bl_daemon_t *d, size_t i);  /* stage db i */
MDB_dbi bl_daemon_meta(const bl_daemon_t *d);  /* shared meta database */
bl_outbox_t *bl_daemon_outbox(const bl_daemon_t *d);
void *bl_daemon_zctx(const bl_daemon_t *d);
int bl_daemon_worker(const bl_daemon_t *d);    /* 1-based */
const char *bl_daemon_name(const bl_daemon_t *d); /* "validate.2" */
/* The envelope template (sender, origin, catalogue) of this daemon. */
const bl_msg_t *bl_daemon_template(const bl_daemon_t *d);
/* True while the store's filesystem is below the node's disk reserve (as
 * of the last look, once a second): a stage's own jobs that start new
 * work (a close, a rendering) should wait. */
bool bl_daemon_disk_low(const bl_daemon_t *d);
/* Registers a function told of each config read again on SIGHUP (or
 * `benchlearn reload`): it takes from cfg what it can change while running
 * (cfg lives only during the call) and returns 0, or an error that is
 * logged.  At most 4. */
int bl_daemon_on_reload(bl_daemon_t *d,
                        int (*fn)(void *ctx, const bl_config_t *cfg,
                                  bl_err_t *err),
                        void *ctx);
/* Registers one more socket to poll; on_readable(ctx, sock) is called
 * when it has input, with the ctx given here (the module that owns the
 * socket, not the stage state).  At most 8; BL_EINVAL past that. */
int bl_daemon_add_socket(bl_daemon_t *d, void *sock,
                         void (*on_readable)(void *ctx, void *sock),
                         void *ctx);

/* The endpoint of worker k (1-based) of stage s: the configured one when
 * the stage has one worker, else "<ipc path>.<k>" or tcp port + k - 1. */
void bl_daemon_endpoint(const bl_config_t *cfg, bl_stage_t s, int k,
                        char *buf, size_t size);

/* The name of worker k (1-based) of stage s: "validate" for a stage of one
 * worker, "validate.2" otherwise.  Names log lines, pid and log files. */
void bl_daemon_worker_name(const bl_config_t *cfg, bl_stage_t s, int k,
                           char *buf, size_t size);

/* The directory of stage s's worker k store: <data_dir>/<stage> for worker
 * 1, <data_dir>/<stage>.<k> for the others. */
void bl_daemon_store_dir(const bl_config_t *cfg, bl_stage_t s, int k,
                         char *buf, size_t size);

#endif
