/*
 * cli_period: `benchlearn close` and `report` — the commands that act on a
 * whole period (`export` is cli_export.c).  close asks ingestion to end
 * collection and waits until the report daemon has rendered the period;
 * report queues a rendering on the report daemon, waits for it and, with
 * -o, moves the files into the folder asked for.  Both exit 2 naming the
 * reports that could not be written.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bl_net.h"
#include "cli.h"
#include "bl_rpc.h"

#define S_CLOSE_WAIT_MS (60 * 60 * 1000)

int cli_parse_period(const char *s, int64_t *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 1900 || v > 9999) {
        return -1;
    }
    *out = v;
    return 0;
}

/* The end of a call to stage s that returned rc (err its reason): 0 for
 * an ok reply, 1 when the daemon refused, 2 when the call failed (both
 * printed; a refused reply is freed). */
static int s_reply_checked(bl_stage_t s, int rc, const bl_err_t *err,
                           bl_reply_t *reply)
{
    if (rc != 0) {
        cli_error("%s: %s", bl_stage_name(s), err->msg);
        return 2;
    }
    char why[512];
    if (!bl_reply_ok(reply, why, sizeof why)) {
        cli_error("%s", why);
        bl_reply_free(reply);
        return 1;
    }
    return 0;
}

/* One request to worker k of stage s; the reply must be ok. */
static int s_call(cli_t *c, bl_stage_t s, int k, const bl_mpw_t *req,
                  bl_reply_t *reply, int timeout_ms)
{
    char ep[512];
    cli_endpoint(c, s, k, ep, sizeof ep);
    bl_rpc_t *rpc;
    bl_err_t err = {0};
    if (bl_rpc_open(&rpc, c->zctx, c->cfg, ep, &err) != 0) {
        cli_error("%s", err.msg);
        return 2;
    }
    int rc = bl_rpc_call(rpc, req, reply, timeout_ms, &err);
    bl_rpc_close(&rpc);
    return s_reply_checked(s, rc, &err, reply);
}

/* Says which reports of a finished rendering could not be written (the
 * report daemon's outcome: failed, failed_reports, reason).  Returns 0 when
 * every report was written, else 2. */
static int s_report_failures(const bl_msg_t *outcome, const char *what,
                             int64_t period)
{
    int64_t failed = 0;
    bl_req_int(outcome, "failed", &failed);
    if (failed <= 0) {
        return 0;
    }
    char names[1024] = "", reason[512] = "";
    size_t used = 0;
    bl_mpr_t r;
    uint32_t n;
    if (bl_req_find(outcome, "failed_reports", &r) == 0 &&
        bl_mpr_array(&r, &n) == 0) {
        for (uint32_t i = 0; i < n; i++) {
            const char *s;
            uint32_t len;
            if (bl_mpr_str(&r, &s, &len) != 0) {
                break;
            }
            int wr = snprintf(names + used, sizeof names - used, "%s%.*s",
                              i ? ", " : "", (int)len, s);
            if (wr < 0 || (size_t)wr >= sizeof names - used) {
                break;
            }
            used += (size_t)wr;
        }
        if ((int64_t)n < failed && used + 8 < sizeof names) {
            snprintf(names + used, sizeof names - used, ", ...");
        }
    }
    bl_req_str(outcome, "reason", reason, sizeof reason);
    cli_error("%s: %" PRId64 " report%s of period %" PRId64 " could not be "
              "written (%s): %s", what, failed, failed == 1 ? "" : "s",
              period, names, reason);
    return 2;
}

int cli_close(cli_t *c, int argc, char **argv)
{
    int64_t period = 0;
    bool reopen = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reopen") == 0) {
            reopen = true;
        } else if (cli_parse_period(argv[i], &period) != 0) {
            cli_error("close: '%s' is not a period (a year such as 2025)",
                      argv[i]);
            return 1;
        }
    }
    if (period == 0) {
        cli_error("usage: benchlearn close PERIOD [--reopen]");
        return 1;
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "close", 2);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    bl_mpw_str(&w, "reopen");
    bl_mpw_bool(&w, reopen);
    bl_reply_t reply;
    int rc = s_call(c, BL_STAGE_INGEST, 1, &w, &reply, 30000);
    if (rc != 0) {
        bl_mpw_destroy(&w);
        return rc;
    }
    int64_t gen = 0;
    bl_req_int(&reply.msg, "generation", &gen);
    bl_reply_free(&reply);
    if (reopen) {
        printf("period %" PRId64 " reopened\n", period);
        bl_mpw_destroy(&w);
        return 0;
    }
    /* Wait until every report worker has rendered its share of this
     * generation; each names the reports it could not write. */
    long long deadline = bl_net_now_ms() + S_CLOSE_WAIT_MS;
    char dir[PATH_MAX] = "";
    int workers = c->cfg->workers[BL_STAGE_REPORT];
    int k = 1, failures = 0;
    for (;;) {
        bl_mpw_reset(&w);
        bl_rpc_request(&w, "period_state", 1);
        bl_mpw_str(&w, "period");
        bl_mpw_int(&w, period);
        rc = s_call(c, BL_STAGE_REPORT, k, &w, &reply, 30000);
        if (rc != 0) {
            bl_mpw_destroy(&w);
            return rc;
        }
        int64_t done = 0;
        bl_req_int(&reply.msg, "generation", &done);
        bl_req_str(&reply.msg, "dir", dir, sizeof dir);
        if (done >= gen) {
            if (s_report_failures(&reply.msg, "close", period) != 0) {
                failures = 2;
            }
            bl_reply_free(&reply);
            if (++k <= workers) {
                continue;
            }
            rc = failures;
            break;
        }
        bl_reply_free(&reply);
        if (bl_net_now_ms() > deadline) {
            cli_error("close: the period was not rendered in time");
            bl_mpw_destroy(&w);
            return 2;
        }
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    bl_mpw_destroy(&w);
    if (rc != 0) {
        printf("period %" PRId64 " closed, but not every report was "
               "written: see above\n", period);
        return rc;
    }
    printf("period %" PRId64 " closed: reports in %s\n", period, dir);
    char sub[32];
    snprintf(sub, sizeof sub, "close-%" PRId64, period);
    cli_counts_t n;
    if (cli_sub_status(c, sub, 2000, &n, NULL, 0) == 0 && n.warned > 0) {
        printf("%" PRIu64 " of %" PRIu64 " providers have not sent every "
               "indicator: benchlearn check %s lists them\n",
               n.warned, n.rows, sub);
    }
    return 0;
}

/* ---- report ------------------------------------------------------------- */

/* Copies every file of the folder src into dst (made when missing), then
 * removes src's files and src.  Returns 0 or 2 (printed). */
static int s_move_files(const char *src, const char *dst, int *files)
{
    if (mkdir(dst, 0755) != 0 && errno != EEXIST) {
        cli_error("cannot create '%s': %s", dst, strerror(errno));
        return 2;
    }
    DIR *dir = opendir(src);
    if (dir == NULL) {
        cli_error("cannot read the report folder '%s': %s", src,
                  strerror(errno));
        return 2;
    }
    int rc = 0;
    *files = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char from[PATH_MAX], to[PATH_MAX];
        snprintf(from, sizeof from, "%s/%s", src, e->d_name);
        snprintf(to, sizeof to, "%s/%s", dst, e->d_name);
        FILE *in = fopen(from, "rb");
        FILE *out = in ? fopen(to, "wb") : NULL;
        if (in == NULL || out == NULL) {
            cli_error("cannot copy '%s' to '%s': %s", from, to,
                      strerror(errno));
            rc = 2;
        }
        char buf[65536];
        size_t n;
        while (rc == 0 && (n = fread(buf, 1, sizeof buf, in)) > 0) {
            if (fwrite(buf, 1, n, out) != n) {
                cli_error("cannot write '%s': %s", to, strerror(errno));
                rc = 2;
            }
        }
        if (in != NULL) {
            fclose(in);
        }
        if (out != NULL && fclose(out) != 0 && rc == 0) {
            cli_error("cannot write '%s': %s", to, strerror(errno));
            rc = 2;
        }
        if (rc == 0) {
            unlink(from);
            (*files)++;
        }
    }
    closedir(dir);
    if (rc == 0) {
        rmdir(src);
    }
    return rc;
}

int cli_report(cli_t *c, int argc, char **argv)
{
    int64_t period = 0;
    const char *provider = NULL, *format = "html", *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--provider") == 0 && i + 1 < argc) {
            provider = argv[++i];
        } else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
            format = argv[++i];
        } else if (strcmp(argv[i], "-o") == 0 && i + 1 < argc) {
            dir = argv[++i];
        } else if (cli_parse_period(argv[i], &period) != 0) {
            cli_error("report: '%s' is not a period or an option", argv[i]);
            return 1;
        }
    }
    if (period == 0) {
        cli_error("usage: benchlearn report PERIOD [--provider ID] "
                  "[--format html|pdf|csv|json] [-o DIR]");
        return 1;
    }
    if (strcmp(format, "html") && strcmp(format, "pdf") &&
        strcmp(format, "csv") && strcmp(format, "json")) {
        cli_error("report: --format must be html, pdf, csv or json");
        return 1;
    }
    /* The report daemon writes only under its node's reports folder: with
     * -o, into a folder of this request's own there, and the files are
     * then moved to DIR. */
    char name[96] = "";
    if (dir != NULL) {
        snprintf(name, sizeof name, "requests/%ld-%lld", (long)getpid(),
                 bl_net_now_ms());
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_rpc_request(&w, "render", 4);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    bl_mpw_str(&w, "provider");
    bl_mpw_str(&w, provider ? provider : "");
    bl_mpw_str(&w, "format");
    bl_mpw_str(&w, format);
    bl_mpw_str(&w, "dir");
    bl_mpw_str(&w, name);
    bl_reply_t reply;
    int rc = s_call(c, BL_STAGE_REPORT, 1, &w, &reply, 30000);
    if (rc != 0) {
        bl_mpw_destroy(&w);
        return rc;
    }
    int64_t job = 0;
    bl_req_int(&reply.msg, "job", &job);
    bl_reply_free(&reply);
    /* Wait for the job: the daemon renders it between other work. */
    long long deadline = bl_net_now_ms() + S_CLOSE_WAIT_MS;
    char out[PATH_MAX] = "";
    int64_t files = 0;
    for (;;) {
        bl_mpw_reset(&w);
        bl_rpc_request(&w, "job_state", 1);
        bl_mpw_str(&w, "job");
        bl_mpw_int(&w, job);
        rc = s_call(c, BL_STAGE_REPORT, 1, &w, &reply, 30000);
        if (rc != 0) {
            bl_mpw_destroy(&w);
            return rc;
        }
        char state[16] = "";
        bl_req_str(&reply.msg, "state", state, sizeof state);
        if (strcmp(state, "done") == 0) {
            bl_req_str(&reply.msg, "dir", out, sizeof out);
            bl_req_int(&reply.msg, "files", &files);
            rc = s_report_failures(&reply.msg, "report", period);
            bl_reply_free(&reply);
            break;
        }
        bl_reply_free(&reply);
        if (bl_net_now_ms() > deadline) {
            cli_error("report: the reports were not rendered in time");
            bl_mpw_destroy(&w);
            return 2;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    bl_mpw_destroy(&w);
    if (rc == 0 && dir != NULL) {
        int moved = 0;
        rc = s_move_files(out, dir, &moved);
        snprintf(out, sizeof out, "%s", dir);
        files = moved;
    }
    if (rc != 0) {
        return rc;
    }
    printf("%" PRId64 " %s file%s in %s\n", files, format,
           files == 1 ? "" : "s", out);
    return 0;
}
