/*
 * cli_scale: `benchlearn scale STAGE=N[,STAGE=N]` — a running node changes
 * how many workers run validation, aggregation and reporting.
 *
 * The safe point, step by step (each step can be repeated: a scale that
 * was interrupted is finished by running the same command again):
 *   1. every daemon of the node is up (those that are not are started);
 *   2. ingestion holds what it would forward (it goes on taking
 *      submissions and storing them: request "hold");
 *   3. the pipeline drains: every outbox from ingestion to aggregation
 *      (and benchmarking, when report workers change) is empty, read from
 *      the front to the back, so every row taken before the hold has been
 *      applied where it belongs;
 *   4. with fewer or more report workers, benchmarking sends to the new
 *      set first (results then go to a new worker from here on);
 *   5. each stage that changes stops all its workers, moves each
 *      provider's state to the store of the worker that now owns it
 *      (`bl-STAGE --rebalance FROM:TO`, the stages' moves at once), and
 *      starts the new set;
 *   6. run/workers records the new counts; every other daemon is told
 *      ("workers"), so it counts close markers from and sends to the new
 *      set (a provider's rows for a period still meet one worker: its
 *      state moved with it);
 *   7. ingestion forwards what it held, split over the new workers: 8
 *      messages, then twice as many each time until none is left, so the
 *      workers start on the first while it splits the rest.
 * The time each step took is printed at the end.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bl_daemon.h"
#include "bl_net.h"
#include "bl_rpc.h"
#include "cli.h"
#include "cli_health.h"

#define S_DRAIN_TIMEOUT_MS (30 * 60 * 1000)
#define S_STOP_TIMEOUT_MS 30000
#define S_CALL_TIMEOUT_MS 30000

static const bl_stage_t s_scalable[] = {BL_STAGE_VALIDATE, BL_STAGE_AGGREGATE,
                                        BL_STAGE_REPORT};
#define S_N_SCALABLE (sizeof s_scalable / sizeof s_scalable[0])

/* The steps whose time the last line prints. */
static const char *const s_steps[] = {"draining", "stopping",
                                      "moving state", "starting",
                                      "telling and releasing"};
#define S_N_STEPS (sizeof s_steps / sizeof s_steps[0])

static void s_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* One request {cmd, spec?, max?} to worker k of stage s (max < 0: none);
 * *busy is set when the daemon answered busy (ask again), and *released
 * (when not NULL) to the answer's count of released messages.  Returns 0,
 * 1 (refused: printed) or 2. */
static int s_ask(cli_t *c, bl_stage_t s, int k, const char *cmd,
                 const char *spec, long long max, bool *busy,
                 int64_t *released)
{
    char ep[512], name[64];
    cli_endpoint(c, s, k, ep, sizeof ep);
    bl_daemon_worker_name(c->cfg, s, k, name, sizeof name);
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, cmd, (spec != NULL ? 1 : 0) + (max >= 0 ? 1 : 0));
    if (spec != NULL) {
        bl_mpw_str(&w, "spec");
        bl_mpw_str(&w, spec);
    }
    if (max >= 0) {
        bl_mpw_str(&w, "max");
        bl_mpw_uint(&w, (uint64_t)max);
    }
    bl_rpc_t *rpc = NULL;
    bl_err_t err = {0};
    bl_reply_t reply = {0};
    int rc = bl_rpc_open(&rpc, c->zctx, c->cfg, ep, &err);
    if (rc == 0) {
        rc = bl_rpc_call(rpc, &w, &reply, S_CALL_TIMEOUT_MS, &err);
    }
    bl_rpc_close(&rpc);
    bl_mpw_destroy(&w);
    if (rc != 0) {
        cli_error("scale: %s: %s", name, err.msg);
        return 2;
    }
    char why[512];
    int status = 0;
    *busy = false;
    if (!bl_reply_ok(&reply, why, sizeof why)) {
        cli_error("scale: %s: %s", name, why);
        status = 1;
    } else {
        bl_req_bool(&reply.msg, "busy", busy);
        if (released != NULL) {
            bl_req_int(&reply.msg, "released", released);
        }
    }
    bl_reply_free(&reply);
    return status;
}

/* Asks until the daemon is not busy any more (it drains meanwhile). */
static int s_tell(cli_t *c, bl_stage_t s, int k, const char *cmd,
                  const char *spec)
{
    long long deadline = bl_net_now_ms() + S_DRAIN_TIMEOUT_MS;
    for (;;) {
        bool busy = false;
        int rc = s_ask(c, s, k, cmd, spec, -1, &busy, NULL);
        if (rc != 0 || !busy) {
            return rc;
        }
        if (bl_net_now_ms() > deadline) {
            cli_error("scale: %s worker %d stayed busy", bl_stage_name(s), k);
            return 2;
        }
        s_sleep_ms(100);
    }
}

/* Step 7: ingestion forwards what it held, a few messages first, so that
 * the workers start on them while it splits the rest (twice as many each
 * time, so it catches up with what is submitted meanwhile).  Prints how
 * many it forwarded in how many steps. */
static int s_release(cli_t *c)
{
    long long max = 8;
    int64_t total = 0;
    for (int steps = 1;; steps++) {
        bool busy = false;
        int64_t released = 0;
        int rc = s_ask(c, BL_STAGE_INGEST, 1, "release", NULL, max, &busy,
                       &released);
        total += released;
        if (rc != 0) {
            return rc;
        }
        if (!busy) {
            printf("ingestion forwarded %" PRId64 " held message(s) in %d "
                   "step(s)\n", total, steps);
            return 0;
        }
        max = max < (1LL << 30) ? max * 2 : max;
    }
}

/* Starts whatever daemon of the node is not running (with the counts the
 * node runs with now). */
static int s_all_up(cli_t *c)
{
    char *argv[] = {"up", NULL};
    return cli_up(c, 1, argv);
}

/* Step 1: s_all_up, only when a daemon's process is not there.  `up`
 * asks each daemon for its health, and a worker busy with a large batch
 * answers only after it: a second a scale need not wait. */
static int s_all_running_or_up(cli_t *c)
{
    bool all = c->cfg->web_listen == NULL ||
               bl_daemon_running_pid(c->cfg, "web") > 0;
    for (int s = 0; s < BL_STAGE_COUNT && all; s++) {
        for (int k = 1; k <= c->cfg->workers[s] && all; k++) {
            char name[64];
            bl_daemon_worker_name(c->cfg, (bl_stage_t)s, k, name,
                                  sizeof name);
            all = bl_daemon_running_pid(c->cfg, name) > 0;
        }
    }
    return all ? 0 : s_all_up(c);
}

/* Waits until no message is in flight from ingestion up to stage last
 * (exclusive), reading from the front: with ingestion holding, an empty
 * outbox stays empty once everything before it is empty too. */
static int s_drain(cli_t *c, bl_stage_t last)
{
    long long start = bl_net_now_ms(), told = start;
    for (;;) {
        unsigned long long pending = 0;
        char where[64] = "";
        int down = 0;
        for (int s = BL_STAGE_INGEST; s < (int)last && pending == 0; s++) {
            for (int k = 1; k <= c->cfg->workers[s] && pending == 0; k++) {
                char ep[512];
                cli_endpoint(c, (bl_stage_t)s, k, ep, sizeof ep);
                cli_health_t h;
                if (cli_health(c->zctx, c->cfg, ep, 5000, &h) != 0) {
                    down = 1;
                    break;
                }
                pending = h.pending;
                if (pending > 0) {
                    bl_daemon_worker_name(c->cfg, (bl_stage_t)s, k, where,
                                          sizeof where);
                }
            }
            if (down) {
                break;
            }
        }
        if (down) {
            /* A worker died (or was killed) meanwhile: start it again; it
             * resends what it had not delivered. */
            int rc = s_all_up(c);
            if (rc != 0) {
                return rc;
            }
            continue;
        }
        if (pending == 0) {
            return 0;
        }
        long long now = bl_net_now_ms();
        if (now - start > S_DRAIN_TIMEOUT_MS) {
            cli_error("scale: %s still has %llu message(s) to deliver after "
                      "%d minutes", where, pending,
                      S_DRAIN_TIMEOUT_MS / 60000);
            return 2;
        }
        if (now - told > 5000) {
            printf("draining: %s has %llu message(s) to deliver\n", where,
                   pending);
            fflush(stdout);
            told = now;
        }
        s_sleep_ms(50);
    }
}

/* Starts `bl-STAGE --rebalance FROM:TO` (moving stage s's state between
 * worker stores); its pid, or -1 (printed). */
static pid_t s_rebalance_start(cli_t *c, bl_stage_t s, int from, int to)
{
    char bin_dir[PATH_MAX], prog[PATH_MAX + 32], arg[32];
    cli_bin_dir(bin_dir, sizeof bin_dir);
    snprintf(prog, sizeof prog, "%s/bl-%s", bin_dir, bl_stage_name(s));
    snprintf(arg, sizeof arg, "%d:%d", from, to);
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        cli_error("scale: cannot start %s: %s", prog, strerror(errno));
        return -1;
    }
    if (pid == 0) {
        execl(prog, prog, "-c", c->cfg->path, "--rebalance", arg,
              (char *)NULL);
        fprintf(stderr, "benchlearn: cannot run %s: %s\n", prog,
                strerror(errno));
        _exit(127);
    }
    return pid;
}

/* Waits for the rebalance of stage s started as pid.  0, or 2 (printed). */
static int s_rebalance_wait(pid_t pid, bl_stage_t s, int from, int to)
{
    int status;
    pid_t w;
    while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR) {
    }
    if (w < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        cli_error("scale: moving %s state from %d to %d workers failed",
                  bl_stage_name(s), from, to);
        return 2;
    }
    return 0;
}

/* Stops every worker of stage s there may be (up to the larger count). */
static int s_stop_stage(cli_t *c, bl_stage_t s, int upto)
{
    int status = 0;
    for (int k = 1; k <= upto; k++) {
        char name[64];
        bl_daemon_worker_name(c->cfg, s, k, name, sizeof name);
        if (cli_stop(c, name, S_STOP_TIMEOUT_MS) != 0) {
            status = 2;
        }
    }
    return status;
}

/* Starts the workers of the stages that changed with the node's (new)
 * counts, all at once, and waits until each answers (`benchlearn up
 * STAGE...`). */
static int s_start_stages(cli_t *c, const int *from, const int *to)
{
    char *argv[1 + S_N_SCALABLE + 1] = {"up"};
    int argc = 1;
    for (size_t i = S_N_SCALABLE; i-- > 0;) {
        bl_stage_t s = s_scalable[i];
        if (from[s] != to[s]) {
            argv[argc++] = (char *)bl_stage_name(s);
        }
    }
    argv[argc] = NULL;
    return argc > 1 ? cli_up(c, argc, argv) : 0;
}

int cli_scale(cli_t *c, int argc, char **argv)
{
    if (argc != 2) {
        cli_error("scale needs STAGE=N[,STAGE=N] (validate, aggregate, "
                  "report)");
        return 1;
    }
    int from[BL_STAGE_COUNT], to[BL_STAGE_COUNT];
    memcpy(from, c->cfg->workers, sizeof from);
    memcpy(to, from, sizeof to);
    char why[256];
    if (bl_config_parse_workers(to, argv[1], why, sizeof why) != 0) {
        cli_error("scale: %s", why);
        return 1;
    }

    /* 1, 2: everything up, ingestion holding.  at[i + 1] is when step i
     * of s_steps ended (at[0] the start); steps not taken (no stage
     * changes) take no time. */
    long long at[S_N_STEPS + 1];
    at[0] = bl_net_now_ms();
    for (size_t i = 1; i <= S_N_STEPS; i++) {
        at[i] = at[0];
    }
    int rc = s_all_running_or_up(c);
    if (rc != 0) {
        return rc;
    }
    rc = s_tell(c, BL_STAGE_INGEST, 1, "hold", NULL);
    if (rc != 0) {
        return rc;
    }
    bool changes = false, report_changes = from[BL_STAGE_REPORT] !=
                                           to[BL_STAGE_REPORT];
    for (size_t i = 0; i < S_N_SCALABLE; i++) {
        changes |= from[s_scalable[i]] != to[s_scalable[i]];
    }
    char to_spec[128];
    snprintf(to_spec, sizeof to_spec, "validate=%d,aggregate=%d,report=%d",
             to[BL_STAGE_VALIDATE], to[BL_STAGE_AGGREGATE],
             to[BL_STAGE_REPORT]);
    if (changes) {
        /* 3: drain. */
        printf("holding new rows; waiting until the pipeline is empty\n");
        fflush(stdout);
        rc = s_drain(c, report_changes ? BL_STAGE_REPORT : BL_STAGE_BENCHMARK);
        at[1] = bl_net_now_ms();
        /* 4: results to the new set of report workers from now on. */
        if (rc == 0 && report_changes) {
            rc = s_tell(c, BL_STAGE_BENCHMARK, 1, "workers", to_spec);
        }
        /* 5: each changing stage stops and moves its providers' state;
         * the stages' stores are apart, so their moves run at once. */
        for (size_t i = 0; i < S_N_SCALABLE && rc == 0; i++) {
            bl_stage_t s = s_scalable[i];
            if (from[s] != to[s]) {
                rc = s_stop_stage(c, s, from[s] > to[s] ? from[s] : to[s]);
            }
        }
        at[2] = bl_net_now_ms();
        pid_t moving[S_N_SCALABLE] = {-1, -1, -1};
        for (size_t i = 0; i < S_N_SCALABLE && rc == 0; i++) {
            bl_stage_t s = s_scalable[i];
            if (from[s] != to[s]) {
                moving[i] = s_rebalance_start(c, s, from[s], to[s]);
                rc = moving[i] < 0 ? 2 : 0;
            }
        }
        for (size_t i = 0; i < S_N_SCALABLE; i++) {
            bl_stage_t s = s_scalable[i];
            if (moving[i] > 0 &&
                s_rebalance_wait(moving[i], s, from[s], to[s]) != 0) {
                rc = 2;
            }
        }
        at[3] = bl_net_now_ms();
        if (rc != 0) {
            cli_error("scale: stopped before the new workers took over; "
                      "ingestion still holds new rows. Run the same "
                      "command again to finish");
            return rc;
        }
        /* 6: the new counts, recorded; the new sets started. */
        memcpy(c->cfg->workers, to, sizeof to);
        cli_set_workers_spec(c);
        int src = cli_save_workers(c);
        if (src != 0) {
            cli_error("scale: cannot write %s/run/workers: %s",
                      c->cfg->data_dir, strerror(-src));
            return 2;
        }
        rc = s_start_stages(c, from, to);
        if (rc != 0) {
            return rc;
        }
        at[4] = bl_net_now_ms();
    }
    /* 6: every daemon counts and sends with the new set. */
    for (int s = BL_STAGE_INGEST; s < BL_STAGE_COUNT && rc == 0; s++) {
        for (int k = 1; k <= c->cfg->workers[s] && rc == 0; k++) {
            rc = s_tell(c, (bl_stage_t)s, k, "workers", c->workers_spec);
        }
    }
    /* 7: ingestion forwards what it held. */
    if (rc == 0) {
        rc = s_release(c);
    }
    if (rc != 0) {
        cli_error("scale: not finished; ingestion may still hold new rows. "
                  "Run the same command again to finish");
        return rc;
    }
    at[S_N_STEPS] = bl_net_now_ms();
    printf("the node runs %s (in %.2f s:", c->workers_spec,
           (double)(at[S_N_STEPS] - at[0]) / 1000.0);
    for (size_t i = 0; i < S_N_STEPS; i++) {
        printf("%s %s %.2f", i > 0 ? "," : "", s_steps[i],
               (double)(at[i + 1] - at[i]) / 1000.0);
    }
    printf(")\n");
    return 0;
}
