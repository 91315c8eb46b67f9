/*
 * bl_daemon: the frame shared by the five stage daemons (see bl_daemon.h).
 * The signal handler only sets a flag; the loop polls with a bounded
 * timeout, finishes the batch it is in, and closes in reverse order.
 */
#include "bl_daemon.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

#include "bl_fs.h"
#include "bl_log.h"
#include "bl_net.h"

#define S_CORE_DBS 3  /* meta, seen, outbox */
#define S_EXTRA_SOCKETS 8

static volatile sig_atomic_t s_stop = 0;
static volatile sig_atomic_t s_reload = 0;

#define S_RELOAD_HOOKS 4

typedef struct s_hook {
    int (*fn)(void *ctx, const bl_config_t *cfg, bl_err_t *err);
    void *ctx;
} s_hook_t;

struct bl_daemon {
    const bl_stage_ops_t *ops;
    bl_config_t *cfg;
    int worker;                      /* 1-based */
    char name[64];                   /* "validate.2" or "validate" */
    char pid_path[4096];
    void *zctx;
    bl_store_t *store;
    bl_inbox_t *inbox;
    bl_outbox_t *outbox;
    void *svc;
    bl_msg_t tmpl;
    void *extra_socks[S_EXTRA_SOCKETS];
    void (*extra_cb[S_EXTRA_SOCKETS])(void *ctx, void *sock);
    void *extra_ctx[S_EXTRA_SOCKETS];  /* each socket's callback context */
    size_t n_extra;
    bool disk_low;                   /* below the reserve at last look */
    long long disk_checked_ms;       /* last look at the free space */
    char *config_path;               /* read again on SIGHUP */
    int rebalance_from;              /* --rebalance FROM:TO, 0 = none */
    int rebalance_to;
    s_hook_t hooks[S_RELOAD_HOOKS];  /* told of each reloaded config */
    size_t n_hooks;
    int workers_next[BL_STAGE_COUNT]; /* accepted by a "workers" request, */
    bool workers_change;              /* taken on after its commit */
};

#define S_DISK_CHECK_MS 1000

static void s_on_signal(int sig)
{
    if (sig == SIGHUP) {
        s_reload = 1;
    } else {
        s_stop = 1;
    }
}

static void s_usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [-c NODE.yaml] [--worker N] [--workers STAGE=N,...]\n"
            "       %s [-c NODE.yaml] --rebalance FROM:TO\n",
            prog, prog);
}

/* Reads "FROM:TO" (each 1..BL_OUTBOX_LANES_MAX). */
static int s_parse_counts(const char *s, int *from, int *to)
{
    char *end;
    errno = 0;
    long f = strtol(s, &end, 10);
    if (end == s || *end != ':' || errno != 0) {
        return -1;
    }
    const char *t_s = end + 1;
    long t = strtol(t_s, &end, 10);
    if (end == t_s || *end != '\0' || errno != 0 || f < 1 ||
        f > BL_OUTBOX_LANES_MAX || t < 1 || t > BL_OUTBOX_LANES_MAX ||
        s[0] < '0' || s[0] > '9' || t_s[0] < '0' || t_s[0] > '9') {
        return -1;
    }
    *from = (int)f;
    *to = (int)t;
    return 0;
}

int bl_daemon_init(bl_daemon_t **out, int argc, char **argv,
                   const bl_stage_ops_t *ops)
{
    *out = NULL;
    const char *config = getenv("BENCHLEARN_CONFIG");
    if (config == NULL) {
        config = "node.yaml";
    }
    int worker = 1;
    const char *workers = NULL;
    int rb_from = 0, rb_to = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
            config = argv[++i];
        } else if (strcmp(argv[i], "--worker") == 0 && i + 1 < argc) {
            worker = atoi(argv[++i]);
            if (worker < 1 || worker > BL_OUTBOX_LANES_MAX) {
                fprintf(stderr, "%s: --worker: %s is not 1..%d\n", argv[0],
                        argv[i], BL_OUTBOX_LANES_MAX);
                return BL_EXIT_USER;
            }
        } else if (strcmp(argv[i], "--workers") == 0 && i + 1 < argc) {
            workers = argv[++i];
        } else if (strcmp(argv[i], "--rebalance") == 0 && i + 1 < argc) {
            if (ops->rebalance == NULL) {
                fprintf(stderr, "%s: --rebalance: this stage runs one "
                        "worker only\n", argv[0]);
                return BL_EXIT_USER;
            }
            if (s_parse_counts(argv[++i], &rb_from, &rb_to) != 0) {
                fprintf(stderr, "%s: --rebalance: '%s' is not FROM:TO with "
                        "each 1..%d\n", argv[0], argv[i],
                        BL_OUTBOX_LANES_MAX);
                return BL_EXIT_USER;
            }
        } else if (strcmp(argv[i], "--foreground") == 0) {
            /* daemons always run in the foreground; `benchlearn up`
             * detaches them */
        } else {
            s_usage(argv[0]);
            return BL_EXIT_USER;
        }
    }
    bl_daemon_t *d = calloc(1, sizeof *d);
    if (d == NULL) {
        return BL_EXIT_SYSTEM;
    }
    d->ops = ops;
    d->worker = worker;
    d->rebalance_from = rb_from;
    d->rebalance_to = rb_to;
    d->config_path = strdup(config);
    if (d->config_path == NULL) {
        free(d);
        return 2;
    }
    const char *stage = bl_stage_name(ops->stage);
    bl_diags_t diags = {0};
    if (bl_config_load(&d->cfg, config, &diags) != 0) {
        for (size_t i = 0; i < diags.count; i++) {
            char line[1400];
            bl_diags_format(&diags, i, line, sizeof line);
            fprintf(stderr, "bl-%s: %s\n", stage, line);
        }
        if (diags.count == 0) {
            fprintf(stderr, "bl-%s: cannot load '%s'\n", stage, config);
        }
        bl_diags_clear(&diags);
        free(d->config_path);
        free(d);
        return BL_EXIT_USER;
    }
    bl_diags_clear(&diags);
    char why[256];
    if (workers != NULL &&
        bl_config_apply_workers(d->cfg, workers, why, sizeof why) != 0) {
        fprintf(stderr, "bl-%s: --workers: %s\n", stage, why);
        bl_config_destroy(&d->cfg);
        free(d->config_path);
        free(d);
        return BL_EXIT_USER;
    }
    bl_daemon_worker_name(d->cfg, ops->stage, worker, d->name,
                          sizeof d->name);
    bl_log_init(d->name, BL_LOG_INFO);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    *out = d;
    return 0;
}

void bl_daemon_endpoint(const bl_config_t *cfg, bl_stage_t s, int k,
                        char *buf, size_t size)
{
    const char *ep = cfg->endpoints[s];
    if (cfg->workers[s] <= 1) {
        snprintf(buf, size, "%s", ep);
        return;
    }
    const char *colon = strrchr(ep, ':');
    if (strncmp(ep, "tcp://", 6) == 0 && colon != NULL && colon > ep + 5) {
        int port = atoi(colon + 1);
        snprintf(buf, size, "%.*s:%d", (int)(colon - ep), ep, port + k - 1);
    } else {
        snprintf(buf, size, "%s.%d", ep, k);
    }
}

void bl_daemon_worker_name(const bl_config_t *cfg, bl_stage_t s, int k,
                           char *buf, size_t size)
{
    if (cfg->workers[s] > 1 || k > 1) {
        snprintf(buf, size, "%s.%d", bl_stage_name(s), k);
    } else {
        snprintf(buf, size, "%s", bl_stage_name(s));
    }
}

void bl_daemon_store_dir(const bl_config_t *cfg, bl_stage_t s, int k,
                         char *buf, size_t size)
{
    /* Worker 1 keeps the stage's store whatever the worker count, so a
     * node that adds workers keeps its state and its delivery counters. */
    if (k <= 1) {
        snprintf(buf, size, "%s/%s", cfg->data_dir, bl_stage_name(s));
    } else {
        snprintf(buf, size, "%s/%s.%d", cfg->data_dir, bl_stage_name(s), k);
    }
}

/* ---- the inbox's handlers: health here, the rest to the stage --------- */

static int s_apply(void *ctx, MDB_txn *txn, const bl_msg_t *msg,
                   bl_err_t *err)
{
    bl_daemon_t *d = ctx;
    if (d->ops->apply == NULL) {
        return bl_err_set(err, BL_EDATA, "%s takes no %s messages", d->name,
                          bl_msg_type_name(msg->type));
    }
    return d->ops->apply(d->svc, txn, msg, err);
}

static void *s_prepare(void *ctx, const bl_msg_t *msg)
{
    bl_daemon_t *d = ctx;
    return d->ops->prepare ? d->ops->prepare(d->svc, msg) : NULL;
}

static void s_release_prepared(void *ctx, void *prepared)
{
    bl_daemon_t *d = ctx;
    if (d->ops->release != NULL && prepared != NULL) {
        d->ops->release(d->svc, prepared);
    }
}

static int s_health(bl_daemon_t *d, MDB_txn *txn, bl_mpw_t *reply)
{
    bl_mpw_t extra;
    bl_mpw_init(&extra);
    uint32_t n_extra = d->ops->health ? d->ops->health(d->svc, txn, &extra)
                                      : 0;
    /* The disk as it is now, not as of the last look. */
    bl_err_t why = {0};
    bool low = bl_store_room(d->store, &why) != 0;
    bl_mpw_map(reply, 11 + n_extra + (low ? 1 : 0));
    bl_mpw_str(reply, "ok");
    bl_mpw_bool(reply, true);
    bl_mpw_str(reply, "daemon");
    bl_mpw_str(reply, d->name);
    bl_mpw_str(reply, "pid");
    bl_mpw_uint(reply, (uint64_t)getpid());
    bl_mpw_str(reply, "in");
    bl_mpw_uint(reply, bl_inbox_applied(d->inbox));
    bl_mpw_str(reply, "refused");
    bl_mpw_uint(reply, bl_inbox_refused(d->inbox));
    bl_mpw_str(reply, "duplicates");
    bl_mpw_uint(reply, bl_inbox_duplicates(d->inbox));
    bl_mpw_str(reply, "requests");
    bl_mpw_uint(reply, bl_inbox_requests(d->inbox));
    bl_mpw_str(reply, "out");
    bl_mpw_uint(reply, d->outbox ? bl_outbox_sent(d->outbox) : 0);
    bl_mpw_str(reply, "pending");
    bl_mpw_uint(reply, d->outbox ? bl_outbox_pending(d->outbox) : 0);
    bl_mpw_str(reply, "store_used");
    bl_mpw_uint(reply, bl_store_used(d->store));
    bl_mpw_str(reply, "ready");
    bl_mpw_bool(reply, true);
    if (low) {
        bl_mpw_str(reply, "disk");
        bl_mpw_str(reply, why.msg);
    }
    bl_mpw_raw(reply, bl_mpw_data(&extra), bl_mpw_size(&extra));
    int rc = extra.err;
    bl_mpw_destroy(&extra);
    return rc;
}

static int s_open_outbox(bl_daemon_t *d, bl_err_t *err);

/* "workers" {spec: "validate=N,..."}: the node's worker counts changed
 * (`benchlearn scale`, after the stage that changed was restarted).  The
 * daemon counts close markers from, and sends to, that many workers from
 * now on.  Fewer workers of the next stage wait until nothing is in
 * flight to them (reply busy: the caller asks again).  A daemon's own
 * stage changes only by restarting its workers. */
static void s_workers_request(bl_daemon_t *d, const bl_msg_t *msg,
                              bl_mpw_t *reply)
{
    char spec[256], why[256];
    if (bl_req_str(msg, "spec", spec, sizeof spec) != 0) {
        bl_reply_error(reply, "workers needs a spec (STAGE=N,...)");
        return;
    }
    int next[BL_STAGE_COUNT];
    memcpy(next, d->cfg->workers, sizeof next);
    if (bl_config_parse_workers(next, spec, why, sizeof why) != 0) {
        bl_reply_error(reply, "workers: %s", why);
        return;
    }
    bl_stage_t own = d->ops->stage;
    if (next[own] != d->cfg->workers[own]) {
        bl_reply_error(reply, "workers: %s runs %d worker(s); its count "
                       "changes by restarting its workers (benchlearn scale)",
                       bl_stage_name(own), d->cfg->workers[own]);
        return;
    }
    uint64_t pending = d->outbox ? bl_outbox_pending(d->outbox) : 0;
    if (d->outbox && own + 1 < BL_STAGE_COUNT &&
        next[own + 1] < (int)bl_outbox_lanes(d->outbox) &&
        pending > 0) {
        bl_reply_begin(reply, 2);
        bl_mpw_str(reply, "busy");
        bl_mpw_bool(reply, true);
        bl_mpw_str(reply, "pending");
        bl_mpw_uint(reply, pending);
        return;
    }
    memcpy(d->workers_next, next, sizeof d->workers_next);
    d->workers_change = true;
    bl_reply_begin(reply, 1);
    bl_mpw_str(reply, "workers");
    bl_mpw_str(reply, spec);
}

/* Takes on the worker counts a committed "workers" request accepted. */
static void s_workers_apply(bl_daemon_t *d)
{
    d->workers_change = false;
    if (memcmp(d->cfg->workers, d->workers_next, sizeof d->workers_next) ==
        0) {
        return;
    }
    memcpy(d->cfg->workers, d->workers_next, sizeof d->workers_next);
    bl_stage_t next = (bl_stage_t)(d->ops->stage + 1);
    if (d->outbox == NULL ||
        (int)bl_outbox_lanes(d->outbox) == d->cfg->workers[next]) {
        bl_log(BL_LOG_INFO, "workers validate=%d aggregate=%d report=%d",
               d->cfg->workers[BL_STAGE_VALIDATE],
               d->cfg->workers[BL_STAGE_AGGREGATE],
               d->cfg->workers[BL_STAGE_REPORT]);
        return;
    }
    bl_outbox_close(&d->outbox);
    bl_err_t err = {0};
    if (s_open_outbox(d, &err) != 0) {
        bl_log(BL_LOG_ERROR, "cannot send to %d %s worker(s): %s",
               d->cfg->workers[next], bl_stage_name(next), err.msg);
        s_stop = 1;
        return;
    }
    bl_log(BL_LOG_INFO, "sending to %d %s worker(s)", d->cfg->workers[next],
           bl_stage_name(next));
}

static int s_request(void *ctx, MDB_txn *txn, const bl_msg_t *msg,
                     bl_mpw_t *reply, bl_err_t *err)
{
    bl_daemon_t *d = ctx;
    char cmd[64];
    if (bl_req_str(msg, "cmd", cmd, sizeof cmd) != 0) {
        bl_reply_error(reply, "request without a cmd");
        return 0;
    }
    if (strcmp(cmd, "health") == 0) {
        return s_health(d, txn, reply);
    }
    if (strcmp(cmd, "workers") == 0) {
        s_workers_request(d, msg, reply);
        return 0;
    }
    if (d->ops->request == NULL) {
        bl_reply_error(reply, "unknown command '%s'", cmd);
        return 0;
    }
    return d->ops->request(d->svc, txn, cmd, msg, reply, err);
}

static void s_refused(void *ctx, const char *sender, const char *reason)
{
    (void)ctx;
    bl_log(BL_LOG_WARN, "refused message sender=%s reason=\"%s\"", sender,
           reason);
}

static void s_committed(void *ctx)
{
    bl_daemon_t *d = ctx;
    if (d->workers_change) {
        s_workers_apply(d);
    }
    if (d->ops->committed) {
        d->ops->committed(d->svc);
    }
}

static int s_write_pid(bl_daemon_t *d)
{
    snprintf(d->pid_path, sizeof d->pid_path, "%s/run/%s.pid",
             d->cfg->data_dir, d->name);
    int rc = bl_fs_mkdirs_parent(d->pid_path, 0750);
    if (rc != 0) {
        return rc;
    }
    char tmp[sizeof d->pid_path + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", d->pid_path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) {
        return -errno;
    }
    fprintf(f, "%d\n", (int)getpid());
    if (fclose(f) != 0 || rename(tmp, d->pid_path) != 0) {
        return -errno;
    }
    return 0;
}

/* The databases of a stage's store: the delivery ones, then its own. */
static size_t s_db_names(const bl_stage_ops_t *ops,
                         const char *names[BL_DAEMON_DBS_MAX])
{
    static const char *const core[S_CORE_DBS] = {"meta", "seen", "outbox"};
    size_t n = 0;
    for (; n < S_CORE_DBS; n++) {
        names[n] = core[n];
    }
    for (size_t i = 0; i < ops->n_dbs && n < BL_DAEMON_DBS_MAX; i++) {
        names[n++] = ops->db_names[i];
    }
    return n;
}

/* Opens the outbox to the next stage's workers (one lane each), when the
 * stage has one. */
static int s_open_outbox(bl_daemon_t *d, bl_err_t *err)
{
    const bl_config_t *cfg = d->cfg;
    const bl_stage_ops_t *ops = d->ops;
    if (!ops->has_outbox || ops->stage + 1 >= BL_STAGE_COUNT) {
        return 0;
    }
    bl_stage_t next = (bl_stage_t)(ops->stage + 1);
    int lanes = cfg->workers[next] > 0 ? cfg->workers[next] : 1;
    if (lanes > BL_OUTBOX_LANES_MAX) {
        return bl_err_set(err, BL_EINVAL, "at most %d %s workers",
                          BL_OUTBOX_LANES_MAX, bl_stage_name(next));
    }
    char eps[BL_OUTBOX_LANES_MAX][512];
    const char *ep_ptrs[BL_OUTBOX_LANES_MAX];
    for (int k = 1; k <= lanes; k++) {
        bl_daemon_endpoint(cfg, next, k, eps[k - 1], sizeof eps[0]);
        ep_ptrs[k - 1] = eps[k - 1];
    }
    return bl_outbox_open(&d->outbox, d->zctx, d->store,
                          bl_store_dbi(d->store, 2), bl_store_dbi(d->store, 0),
                          "next", ep_ptrs, (size_t)lanes, NULL, &d->tmpl,
                          err);
}

int bl_daemon_open(bl_daemon_t *d)
{
    const bl_config_t *cfg = d->cfg;
    const bl_stage_ops_t *ops = d->ops;
    bl_err_t err = {0};
    int mrc = bl_fs_mkdirs(cfg->data_dir, 0750);
    if (mrc != 0) {
        bl_log(BL_LOG_ERROR, "cannot create data directory '%s': %s",
               cfg->data_dir, strerror(-mrc));
        return BL_EXIT_SYSTEM;
    }
    const char *names[BL_DAEMON_DBS_MAX];
    size_t n = s_db_names(ops, names);
    char dir[4096];
    bl_daemon_store_dir(cfg, ops->stage, d->worker, dir, sizeof dir);
    if (bl_store_open_mode(&d->store, dir, names, n, 0, ops->store_mode,
                           &err) != 0) {
        bl_log(BL_LOG_ERROR, "%s", err.msg);
        return BL_EXIT_SYSTEM;
    }
    bl_store_set_reserve(d->store, (uint64_t)cfg->disk_reserve_mb << 20);
    d->zctx = zmq_ctx_new();
    if (d->zctx == NULL) {
        bl_log(BL_LOG_ERROR, "cannot create ZeroMQ context: %s",
               zmq_strerror(zmq_errno()));
        return BL_EXIT_SYSTEM;
    }
    bl_msg_t *t = &d->tmpl;
    /* The sender id must not change with the worker count either: the
     * next stage applies in order per sender. */
    if (d->worker > 1) {
        snprintf(t->sender, sizeof t->sender, "%.31s/%.16s.%d", cfg->node,
                 bl_stage_name(ops->stage), d->worker);
    } else {
        snprintf(t->sender, sizeof t->sender, "%.31s/%.16s", cfg->node,
                 bl_stage_name(ops->stage));
    }
    snprintf(t->origin, sizeof t->origin, "%s", cfg->node);
    snprintf(t->cat_name, sizeof t->cat_name, "%s", cfg->catalogue->name);
    snprintf(t->cat_version, sizeof t->cat_version, "%s",
             cfg->catalogue->version);
    t->version = BL_MSG_VERSION;
    if (s_open_outbox(d, &err) != 0) {
        bl_log(BL_LOG_ERROR, "cannot open outbox: %s", err.msg);
        return BL_EXIT_SYSTEM;
    }
    if (ops->open && ops->open(&d->svc, d, &err) != 0) {
        bl_log(BL_LOG_ERROR, "cannot start: %s", err.msg);
        return BL_EXIT_SYSTEM;
    }
    char ep[512];
    bl_daemon_endpoint(cfg, ops->stage, d->worker, ep, sizeof ep);
    bl_inbox_handlers_t h = {s_apply, s_request, s_refused, s_committed,
                             d->ops->prepare ? s_prepare : NULL,
                             s_release_prepared};
    if (bl_inbox_open(&d->inbox, d->zctx, d->store,
                      bl_store_dbi(d->store, 1), ep, NULL, &h, d, t,
                      &err) != 0) {
        bl_log(BL_LOG_ERROR, "%s", err.msg);
        return BL_EXIT_SYSTEM;
    }
    int rc = s_write_pid(d);
    if (rc != 0) {
        bl_log(BL_LOG_ERROR, "cannot write pid file '%s': %s", d->pid_path,
               strerror(-rc));
        return BL_EXIT_SYSTEM;
    }
    bl_log(BL_LOG_INFO, "ready endpoint=%s store=%s pending=%" PRIu64, ep,
           dir, d->outbox ? bl_outbox_pending(d->outbox) : 0);
    return 0;
}

int bl_daemon_add_socket(bl_daemon_t *d, void *sock,
                         void (*on_readable)(void *ctx, void *sock),
                         void *ctx)
{
    if (d->n_extra == S_EXTRA_SOCKETS) {
        return BL_EINVAL;
    }
    d->extra_socks[d->n_extra] = sock;
    d->extra_cb[d->n_extra] = on_readable;
    d->extra_ctx[d->n_extra] = ctx;
    d->n_extra++;
    return 0;
}

/* Looks at the store's free space once a second and logs each change
 * once: the inbox itself refuses new work while space is short. */
static void s_watch_disk(bl_daemon_t *d)
{
    long long now = bl_net_now_ms();
    if (now - d->disk_checked_ms < S_DISK_CHECK_MS) {
        return;
    }
    d->disk_checked_ms = now;
    bl_err_t why = {0};
    bool low = bl_store_room(d->store, &why) != 0;
    uint64_t avail = 0;
    uint64_t reserve = (uint64_t)d->cfg->disk_reserve_mb << 20;
    if (!low && d->disk_low && bl_store_free(d->store, &avail) == 0 &&
        avail < reserve + reserve / 4 + ((uint64_t)4 << 20)) {
        /* Back only with room to spare beyond the reserve: a disk that
         * hovers at the reserve (pages freed and taken again) is not
         * reported full and back again every second.  The inbox decides
         * on its own whether it takes work. */
        low = true;
    }
    if (low && !d->disk_low) {
        bl_log(BL_LOG_ERROR, "%s: new work is refused until space is freed",
               why.msg);
    } else if (!low && d->disk_low) {
        bl_store_free(d->store, &avail);
        bl_log(BL_LOG_INFO, "disk space is back in %s (%llu MB free): "
               "work resumes", bl_store_dir(d->store),
               (unsigned long long)(avail >> 20));
    }
    d->disk_low = low;
}

/* SIGHUP: reads the config again and applies what can change while the
 * daemon runs (the disk reserve here, the allow list through the hooks).
 * A config with errors changes nothing: the errors are logged. */
static void s_reload_config(bl_daemon_t *d)
{
    bl_config_t *next = NULL;
    bl_diags_t diags = {0};
    if (bl_config_load(&next, d->config_path, &diags) != 0) {
        for (size_t i = 0; i < diags.count; i++) {
            char line[1400];
            bl_diags_format(&diags, i, line, sizeof line);
            bl_log(BL_LOG_ERROR, "reload: %s", line);
        }
        bl_log(BL_LOG_ERROR, "reload: '%s' has errors: nothing changed",
               d->config_path);
        bl_diags_clear(&diags);
        return;
    }
    bl_diags_clear(&diags);
    d->cfg->disk_reserve_mb = next->disk_reserve_mb;
    bl_store_set_reserve(d->store, (uint64_t)next->disk_reserve_mb << 20);
    int failed = 0;
    for (size_t i = 0; i < d->n_hooks; i++) {
        bl_err_t err = {0};
        if (d->hooks[i].fn(d->hooks[i].ctx, next, &err) != 0) {
            bl_log(BL_LOG_ERROR, "reload: %s", err.msg);
            failed = 1;
        }
    }
    bl_config_destroy(&next);
    bl_log(BL_LOG_INFO, "reloaded config=%s%s", d->config_path,
           failed ? " (with errors)" : "");
}

int bl_daemon_on_reload(bl_daemon_t *d,
                        int (*fn)(void *ctx, const bl_config_t *cfg,
                                  bl_err_t *err),
                        void *ctx)
{
    if (d->n_hooks == S_RELOAD_HOOKS) {
        return BL_EINVAL;
    }
    d->hooks[d->n_hooks++] = (s_hook_t){fn, ctx};
    return 0;
}

bool bl_daemon_disk_low(const bl_daemon_t *d)
{
    return d->disk_low;
}

int bl_daemon_run(bl_daemon_t *d)
{
    bl_err_t err = {0};
    int status = 0;
    while (!s_stop) {
        zmq_pollitem_t items[1 + BL_OUTBOX_LANES_MAX + S_EXTRA_SOCKETS];
        size_t n = 0;
        items[n++] = (zmq_pollitem_t){bl_inbox_socket(d->inbox), 0,
                                      ZMQ_POLLIN, 0};
        size_t lanes = d->outbox ? bl_outbox_lanes(d->outbox) : 0;
        for (size_t l = 0; l < lanes; l++) {
            items[n++] = (zmq_pollitem_t){bl_outbox_socket(d->outbox, l), 0,
                                          ZMQ_POLLIN, 0};
        }
        for (size_t i = 0; i < d->n_extra; i++) {
            items[n++] = (zmq_pollitem_t){d->extra_socks[i], 0, ZMQ_POLLIN,
                                          0};
        }
        int rc = zmq_poll(items, (int)n, 100);
        if (rc < 0) {
            if (zmq_errno() == EINTR) {
                continue;
            }
            bl_log(BL_LOG_ERROR, "poll: %s", zmq_strerror(zmq_errno()));
            status = 2;
            break;
        }
        if (items[0].revents & ZMQ_POLLIN) {
            if (bl_inbox_on_readable(d->inbox, &err) != 0) {
                bl_log(BL_LOG_ERROR, "batch not applied: %s", err.msg);
                bl_err_clear(&err);
            }
        }
        for (size_t l = 0; l < lanes; l++) {
            if ((items[1 + l].revents & ZMQ_POLLIN) &&
                bl_outbox_on_readable(d->outbox, l, &err) != 0) {
                bl_log(BL_LOG_ERROR, "acks not applied: %s", err.msg);
                bl_err_clear(&err);
            }
        }
        for (size_t i = 0; i < d->n_extra; i++) {
            if (items[1 + lanes + i].revents & ZMQ_POLLIN) {
                d->extra_cb[i](d->extra_ctx[i], d->extra_socks[i]);
            }
        }
        if (s_reload) {
            s_reload = 0;
            s_reload_config(d);
        }
        s_watch_disk(d);
        if (d->ops->tick) {
            d->ops->tick(d->svc);
        }
        if (d->outbox && bl_outbox_pump(d->outbox, &err) != 0) {
            bl_log(BL_LOG_ERROR, "send: %s", err.msg);
            bl_err_clear(&err);
        }
    }
    bl_log(BL_LOG_INFO, "stopping");
    return status;
}

void bl_daemon_close(bl_daemon_t **dp)
{
    if (dp == NULL || *dp == NULL) {
        return;
    }
    bl_daemon_t *d = *dp;
    bl_inbox_close(&d->inbox);
    if (d->ops->close) {
        d->ops->close(&d->svc);
    }
    bl_outbox_close(&d->outbox);
    if (d->zctx) {
        zmq_ctx_term(d->zctx);
    }
    bl_store_close(&d->store);
    if (d->pid_path[0]) {
        unlink(d->pid_path);
        bl_log(BL_LOG_INFO, "stopped");
    }
    bl_config_destroy(&d->cfg);
    free(d->config_path);
    free(d);
    *dp = NULL;
}

const bl_config_t *bl_daemon_config(const bl_daemon_t *d)
{
    return d->cfg;
}

bl_store_t *bl_daemon_store(const bl_daemon_t *d)
{
    return d->store;
}

MDB_dbi bl_daemon_dbi(const bl_daemon_t *d, size_t i)
{
    return bl_store_dbi(d->store, S_CORE_DBS + i);
}

MDB_dbi bl_daemon_meta(const bl_daemon_t *d)
{
    return bl_store_dbi(d->store, 0);
}

bl_outbox_t *bl_daemon_outbox(const bl_daemon_t *d)
{
    return d->outbox;
}

void *bl_daemon_zctx(const bl_daemon_t *d)
{
    return d->zctx;
}

int bl_daemon_worker(const bl_daemon_t *d)
{
    return d->worker;
}

const char *bl_daemon_name(const bl_daemon_t *d)
{
    return d->name;
}

const bl_msg_t *bl_daemon_template(const bl_daemon_t *d)
{
    return &d->tmpl;
}

int bl_daemon_main(int argc, char **argv, const bl_stage_ops_t *ops)
{
    bl_daemon_t *d;
    int rc = bl_daemon_init(&d, argc, argv, ops);
    if (rc != 0) {
        return rc;
    }
    if (d->rebalance_to > 0) {
        rc = bl_daemon_rebalance(d, d->rebalance_from, d->rebalance_to);
        bl_daemon_close(&d);
        return rc;
    }
    rc = bl_daemon_open(d);
    if (rc == 0) {
        rc = bl_daemon_run(d);
    }
    bl_daemon_close(&d);
    return rc;
}

int bl_daemon_marker(bl_daemon_t *d, MDB_txn *txn, int64_t period,
                     int64_t generation, int expected, bool *complete,
                     bl_err_t *err)
{
    char key[64];
    snprintf(key, sizeof key, "marks.%" PRId64 ".%" PRId64, period,
             generation);
    uint64_t marks;
    int rc = bl_store_get_u64(txn, bl_daemon_meta(d), key, &marks, err);
    if (rc == 0) {
        rc = bl_store_put_u64(txn, bl_daemon_meta(d), key, marks + 1, err);
    }
    *complete = rc == 0 && (int)(marks + 1) == expected;
    return rc;
}

/* ---- --rebalance -------------------------------------------------------- */

bool bl_daemon_alive(int pid)
{
    if (kill(pid, 0) != 0 && errno == ESRCH) {
        return false;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return true;
    }
    char state = '?';
    int n = fscanf(f, "%*d (%*[^)]) %c", &state);
    fclose(f);
    return !(n == 1 && (state == 'Z' || state == 'X'));
}

int bl_daemon_pid_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        return 0;
    }
    int pid = 0;
    if (fscanf(f, "%d", &pid) != 1 || pid < 0) {
        pid = 0;
    }
    fclose(f);
    return pid;
}

int bl_daemon_running_pid(const bl_config_t *cfg, const char *name)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/run/%s.pid", cfg->data_dir, name);
    int pid = bl_daemon_pid_file(path);
    return pid > 0 && bl_daemon_alive(pid) ? pid : 0;
}

int bl_daemon_stage_running(const bl_config_t *cfg, bl_stage_t s,
                            char *name, size_t size)
{
    /* Every worker the stage may have had, under either name of worker 1
     * ("validate" alone, "validate.1" among several). */
    for (int k = 0; k <= BL_OUTBOX_LANES_MAX; k++) {
        if (k == 0) {
            snprintf(name, size, "%s", bl_stage_name(s));
        } else {
            snprintf(name, size, "%s.%d", bl_stage_name(s), k);
        }
        int pid = bl_daemon_running_pid(cfg, name);
        if (pid > 0) {
            return pid;
        }
    }
    return 0;
}

int bl_daemon_rebalance(bl_daemon_t *d, int from, int to)
{
    const bl_stage_ops_t *ops = d->ops;
    const char *stage = bl_stage_name(ops->stage);
    if (ops->rebalance == NULL) {
        fprintf(stderr, "bl-%s: --rebalance: this stage runs one worker "
                "only\n", stage);
        return BL_EXIT_USER;
    }
    char name[64];
    int pid = bl_daemon_stage_running(d->cfg, ops->stage, name, sizeof name);
    if (pid > 0) {
        fprintf(stderr, "bl-%s: cannot rebalance while %s runs (pid %d, "
                "%s/run/%s.pid): stop the stage's workers first\n",
                stage, name, pid, d->cfg->data_dir, name);
        return BL_EXIT_SYSTEM;
    }
    char dirs[BL_REBALANCE_WORKERS_MAX][4096];
    const char *dir_ptrs[BL_REBALANCE_WORKERS_MAX];
    for (int k = 1; k <= BL_REBALANCE_WORKERS_MAX; k++) {
        bl_daemon_store_dir(d->cfg, ops->stage, k, dirs[k - 1],
                            sizeof dirs[0]);
        dir_ptrs[k - 1] = dirs[k - 1];
    }
    const char *names[BL_DAEMON_DBS_MAX];
    size_t n = s_db_names(ops, names);
    bl_rebalance_t rb = {.from = from, .to = to, .dirs = dir_ptrs,
                         .db_names = names, .n_dbs = n, .meta_db = "meta",
                         .table = ops->rebalance};
    bl_rebalance_stats_t st;
    bl_err_t err = {0};
    long long start = bl_net_now_ms();
    int rc = bl_rebalance_run(&rb, &st, &err);
    if (rc != 0) {
        fprintf(stderr, "bl-%s: rebalance %d:%d: %s\n", stage, from, to,
                err.msg[0] ? err.msg : bl_strerror(rc));
        return rc == BL_EINVAL ? BL_EXIT_USER : BL_EXIT_SYSTEM;
    }
    printf("%s: rebalanced %d:%d: %" PRIu64 " keys moved, %" PRIu64
           " copied, %" PRIu64 " merged (%" PRIu64 " deleted from old "
           "stores, %" PRIu64 " clashes kept, %d stores created, %d "
           "removed) in %.2f s\n",
           stage, from, to, st.moved, st.copied, st.merged, st.deleted,
           st.kept, st.created, st.removed,
           (double)(bl_net_now_ms() - start) / 1000.0);
    return fflush(stdout) == 0 ? BL_EXIT_OK : BL_EXIT_SYSTEM;
}
