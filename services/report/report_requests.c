/*
 * report_requests: the report daemon's requests (see report_requests.h).
 * Every field that comes from outside is checked before it names a file:
 * a provider id as SPEC 1 has it, a folder under the node's reports folder
 * without "..".
 */
#include "report_requests.h"

#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bl_daemon.h"
#include "bl_page.h"
#include "report_jobs.h"
#include "report_state.h"

/* Writes a job's stored outcome (see report_jobs.c) as the reply's
 * fields after `state`. */
static int s_reply_outcome(bl_mpw_t *reply, const char *state,
                           const MDB_val *outcome)
{
    bl_mpr_t r;
    bl_mpr_init(&r, outcome->mv_data, outcome->mv_size);
    uint32_t n;
    if (bl_mpr_map(&r, &n) != 0) {
        return BL_EPROTO;
    }
    bl_reply_begin(reply, n + 1);
    bl_mpw_str(reply, "state");
    bl_mpw_str(reply, state);
    if (r.end > r.p) {
        bl_mpw_raw(reply, r.p, (size_t)(r.end - r.p));
    }
    return 0;
}

static int s_req_period_state(report_t *rp, MDB_txn *txn, int64_t period,
                              bl_mpw_t *reply, bl_err_t *err)
{
    char key[48];
    uint64_t gen = 0;
    snprintf(key, sizeof key, "rendered.%" PRId64, period);
    int rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), key, &gen, err);
    if (rc != 0) {
        return rc;
    }
    snprintf(key, sizeof key, "close\x1f%" PRId64, period);
    MDB_val v;
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, REPORT_DB_DONE), key,
                     strlen(key), &v, NULL) == 0 &&
        s_reply_outcome(reply, "done", &v) == 0) {
        return 0;
    }
    char dir[PATH_MAX];
    report_jobs_period_dir(rp, period, dir, sizeof dir);
    bl_reply_begin(reply, 3);
    bl_mpw_str(reply, "generation");
    bl_mpw_uint(reply, gen);
    bl_mpw_str(reply, "failed");
    bl_mpw_int(reply, 0);
    bl_mpw_str(reply, "dir");
    bl_mpw_str(reply, dir);
    return 0;
}

static int s_req_job_state(report_t *rp, MDB_txn *txn, const bl_msg_t *msg,
                           bl_mpw_t *reply)
{
    int64_t id;
    if (bl_req_int(msg, "job", &id) != 0 || id <= 0) {
        bl_reply_error(reply, "job_state needs a job id");
        return 0;
    }
    char key[48], dk[64];
    report_jobs_key((uint64_t)id, key, sizeof key);
    snprintf(dk, sizeof dk, "request\x1f%s", key);
    MDB_val v;
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, REPORT_DB_DONE), dk,
                     strlen(dk), &v, NULL) == 0) {
        if (s_reply_outcome(reply, "done", &v) != 0) {
            bl_reply_error(reply, "job %" PRId64 ": unreadable outcome", id);
        }
        return 0;
    }
    if (bl_store_get(txn, bl_daemon_dbi(rp->d, REPORT_DB_JOBS), key,
                     strlen(key), &v, NULL) == 0) {
        bl_reply_begin(reply, 1);
        bl_mpw_str(reply, "state");
        bl_mpw_str(reply, "queued");
        return 0;
    }
    bl_reply_error(reply, "no render job %" PRId64, id);
    return 0;
}

/* A provider id as SPEC section 1 has it: ^[A-Z]{2}-[A-Za-z0-9_.-]{1,40}$ */
static bool s_provider_id_ok(const char *s)
{
    size_t len = strlen(s);
    if (len < 4 || len > 43 || s[0] < 'A' || s[0] > 'Z' || s[1] < 'A' ||
        s[1] > 'Z' || s[2] != '-') {
        return false;
    }
    for (size_t i = 3; i < len; i++) {
        char ch = s[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
              (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
              ch == '-')) {
            return false;
        }
    }
    return true;
}

/* A name under data_dir/reports: parts of [A-Za-z0-9_.-], joined by '/',
 * none of them "." or "..", at most 200 bytes. */
static bool s_dir_name_ok(const char *s)
{
    size_t len = strlen(s);
    if (len == 0 || len > 200 || s[0] == '/') {
        return false;
    }
    const char *part = s;
    for (size_t i = 0; i <= len; i++) {
        char ch = s[i];
        if (ch == '/' || ch == '\0') {
            size_t pl = (size_t)(s + i - part);
            if (pl == 0 || (pl == 1 && part[0] == '.') ||
                (pl == 2 && part[0] == '.' && part[1] == '.')) {
                return false;
            }
            part = s + i + 1;
        } else if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                     (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' ||
                     ch == '-')) {
            return false;
        }
    }
    return true;
}

/* Reads an optional string field into buf ("" when absent).  Returns false
 * (and writes the error reply) when it is there but not a string that
 * fits: a bad field is refused, never read as absent. */
static bool s_opt_str(const bl_msg_t *msg, const char *field, char *buf,
                      size_t size, bl_mpw_t *reply)
{
    buf[0] = '\0';
    int rc = bl_req_str(msg, field, buf, size);
    if (rc == 0 || rc == BL_ENOTFOUND) {
        return true;
    }
    buf[0] = '\0';
    bl_reply_error(reply, "render: %s: not a string of at most %zu bytes",
                   field, size - 1);
    return false;
}

/* render {period, provider?, format?, dir?}: queues a job and answers its
 * id at once; job_state tells when it is done. */
static int s_req_render(report_t *rp, MDB_txn *txn, int64_t period,
                        const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    char provider[64], format[8], name[256];
    if (!s_opt_str(msg, "provider", provider, sizeof provider, reply) ||
        !s_opt_str(msg, "format", format, sizeof format, reply) ||
        !s_opt_str(msg, "dir", name, sizeof name, reply)) {
        return 0;
    }
    if (provider[0] != '\0' && !s_provider_id_ok(provider)) {
        bl_reply_error(reply, "render: provider: '%s' is not a provider id",
                       provider);
        return 0;
    }
    if (format[0] != '\0' && strcmp(format, "html") != 0 &&
        strcmp(format, "pdf") != 0 && strcmp(format, "csv") != 0 &&
        strcmp(format, "json") != 0) {
        bl_reply_error(reply, "render: format: must be html, pdf, csv or "
                       "json, not '%s'", format);
        return 0;
    }
    if (name[0] != '\0' && !s_dir_name_ok(name)) {
        bl_reply_error(reply, "render: dir: '%s' is not a folder name under "
                       "the node's reports folder (letters, digits, '_', "
                       "'.', '-' and '/', no '..')", name);
        return 0;
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    char prefix[REPORT_KEY_MAX];
    size_t pl;
    if (provider[0] != '\0') {
        const char *parts[] = {p, provider};
        pl = bl_page_join(prefix, sizeof prefix, parts, 2);
    } else {
        pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    }
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, bl_daemon_dbi(rp->d, REPORT_DB_PROV), &cur);
    if (rc != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    MDB_val k = {pl, prefix}, v;
    bool any = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE) == 0 &&
               k.mv_size >= pl && memcmp(k.mv_data, prefix, pl) == 0 &&
               (provider[0] == '\0' || k.mv_size == pl);
    mdb_cursor_close(cur);
    if (!any) {
        bl_reply_error(reply, "no results for period %" PRId64 "%s%s yet",
                       period, provider[0] ? " and provider " : "", provider);
        return 0;
    }
    char dir[PATH_MAX];
    if (name[0] != '\0') {
        snprintf(dir, sizeof dir, "%s/reports/%s", rp->cfg->data_dir, name);
    } else {
        report_jobs_period_dir(rp, period, dir, sizeof dir);
    }
    uint64_t id = 0;
    rc = bl_store_get_u64(txn, bl_daemon_meta(rp->d), "jobs.last", &id, err);
    if (rc == 0) {
        rc = bl_store_put_u64(txn, bl_daemon_meta(rp->d), "jobs.last",
                              ++id, err);
    }
    if (rc != 0) {
        return rc;
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 4);
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, period);
    bl_mpw_str(&w, "provider");
    bl_mpw_str(&w, provider);
    bl_mpw_str(&w, "format");
    bl_mpw_str(&w, format);
    bl_mpw_str(&w, "dir");
    bl_mpw_str(&w, dir);
    char key[48];
    report_jobs_key(id, key, sizeof key);
    rc = w.err ? bl_err_set(err, BL_ENOMEM, "cannot encode a render job")
               : bl_store_put(txn, bl_daemon_dbi(rp->d, REPORT_DB_JOBS), key,
                              strlen(key), bl_mpw_data(&w), bl_mpw_size(&w),
                              err);
    bl_mpw_destroy(&w);
    if (rc != 0) {
        return rc;
    }
    bl_reply_begin(reply, 2);
    bl_mpw_str(reply, "job");
    bl_mpw_uint(reply, id);
    bl_mpw_str(reply, "dir");
    bl_mpw_str(reply, dir);
    return 0;
}

int report_requests_answer(void *svc, MDB_txn *txn, const char *cmd,
                           const bl_msg_t *msg, bl_mpw_t *reply,
                           bl_err_t *err)
{
    report_t *rp = svc;
    if (strcmp(cmd, "job_state") == 0) {
        return s_req_job_state(rp, txn, msg, reply);
    }
    int64_t period;
    if (strcmp(cmd, "period_state") != 0 && strcmp(cmd, "render") != 0) {
        bl_reply_error(reply, "unknown command '%s'", cmd);
        return 0;
    }
    if (bl_req_int(msg, "period", &period) != 0 || period < 0 ||
        period > 9999) {
        bl_reply_error(reply, "%s needs a period", cmd);
        return 0;
    }
    if (strcmp(cmd, "period_state") == 0) {
        return s_req_period_state(rp, txn, period, reply, err);
    }
    return s_req_render(rp, txn, period, msg, reply, err);
}
