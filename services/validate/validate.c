/*
 * validate: the stage's frame — its store, the messages it applies and
 * the requests it answers, each handed to the part that knows it (see
 * validate.h); its health and its life cycle.  The parts:
 *   validate_submission.c  a submission's begin, rows and end; outcomes
 *   validate_batch.c       the rows of one raw_rows message, judged
 *   validate_register.c    register rows; provider lookups for the rest
 *   validate_row.c         checks of one row alone
 *   validate_keys.c        the keys a file's rows used, for repeats
 *   validate_learning.c    improvement actions and practices
 *   validate_rules.c       the configured rules and the change limit
 *   validate_outliers.c    values judged against their national peer group
 *   validate_close.c       the period close: completeness, close marker
 *   validate_expr.c        the rule expression language
 *   validate_stage.h       the state they share
 *
 * Store (keys use \x1f between parts):
 *   subs      sub -> {file, delimiter, dry_run, header, state, rows,
 *                     accepted, warned, rejected}
 *   outcomes  sub \0 line(8) -> [status, [[error?, field, reason]...]]
 *   keys      sub \0 provider \x1f \x01 line(8) -> the keys of a run of the
 *             provider's rows in the file, each with its first line
 *             (validate_keys.h; earlier releases: sub \0 row key -> line);
             deleted when the submission is complete
 *   register  provider -> [name, country, service_type, users, staff,
 *                          membership, member_since, share_identity]
 *   pvals     period \x1f provider \x1f unit \x1f indicator -> 3 doubles
 *             (numerator, denominator, value; NaN when absent), then on
 *             a provider-level row the national group key, value, line,
 *             numerator flag and submission for the outlier check
 *             (validate_outliers.c).  In provider order, as rows come:
 *             a row's figures and the previous period's are read and
 *             written where the provider's last row was.
 *   vals      (earlier releases: the same by indicator first; moved into
 *             pvals when the daemon opens, s_move_old_vals)
 *   gvals     (written by earlier releases: the values by group, now in
 *             pvals; no longer read, moved with their provider)
 *   closed    period -> close generation (8 bytes)
 *   surveys   period \x1f provider \x1f survey -> "" once it sent answers
 *   rowstate  row key -> "" while the row's latest version is rejected
 *   rejected  period \x1f provider -> rows still rejected (msgpack uint)
 *   touched   sub \0 period \x1f indicator \x1f group key \x1f -> "": the
 *             groups to judge at its end
 * Records for aggregation are partitioned by provider over its workers.
 * Improvement actions and practices (validate_learning.c) are checked and
 * passed on like indicator rows, but are accepted for a closed period.
 */
#include "validate.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bl_log.h"
#include "bl_page.h"
#include "bl_scan.h"
#include "validate_close.h"
#include "validate_rebalance.h"
#include "validate_register.h"
#include "validate_rules.h"
#include "validate_stage.h"
#include "validate_submission.h"

static const char *const s_dbs[] = {"subs",     "outcomes", "keys",
                                    "register", "pvals",    "gvals",
                                    "closed",   "surveys",  "rowstate",
                                    "rejected", "touched",  "vals"};

/* ---- messages ----------------------------------------------------------- */

static int s_apply(void *svc, MDB_txn *txn, const bl_msg_t *msg,
                   bl_err_t *err)
{
    validate_t *v = svc;
    switch (msg->type) {
    case BL_MSG_RAW_ROWS:
        return vsub_apply_rows(v, txn, msg, err);
    case BL_MSG_SUBMISSION:
        return vsub_apply_event(v, txn, msg, err);
    case BL_MSG_CLOSE:
        return validate_close_apply(v, txn, msg, err);
    default:
        return bl_err_set(err, BL_EDATA, "validation takes no %s messages",
                          bl_msg_type_name(msg->type));
    }
}

/* ---- requests ----------------------------------------------------------- */

static int s_request(void *svc, MDB_txn *txn, const char *cmd,
                     const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    validate_t *v = svc;
    if (strcmp(cmd, "sub_status") == 0) {
        return vsub_req_status(v, txn, msg, reply, err);
    }
    if (strcmp(cmd, "rejected") == 0) {
        /* Rows still rejected per provider of a period, a page at a time:
         * rows [period, provider, count]. */
        return bl_page_request(txn, bl_daemon_dbi(v->d, DB_REJECTED), msg,
                               reply, err);
    }
    if (strcmp(cmd, "outcomes") == 0) {
        return vsub_req_outcomes(v, txn, msg, reply, err);
    }
    if (strcmp(cmd, "completeness") == 0) {
        return validate_close_req_completeness(v, txn, msg, reply, err);
    }
    bl_reply_error(reply, "unknown command '%s'", cmd);
    return 0;
}

static uint32_t s_health(void *svc, MDB_txn *txn, bl_mpw_t *reply)
{
    validate_t *v = svc;
    MDB_stat st;
    uint64_t outcomes = 0;
    if (mdb_stat(txn, bl_daemon_dbi(v->d, DB_OUTCOMES), &st) == 0) {
        outcomes = st.ms_entries;
    }
    bl_mpw_str(reply, "rows_judged");
    bl_mpw_uint(reply, outcomes);
    return 1;
}

/* ---- life cycle --------------------------------------------------------- */

/* Moves the values an earlier release stored in "vals" (period, indicator,
 * provider, unit) into "pvals" (period, provider, unit, indicator), in one
 * transaction: killed halfway, it starts again at the next open. */
static int s_move_old_vals(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    validate_t *v = ctx;
    MDB_dbi old = bl_daemon_dbi(v->d, DB_OLD_VALS);
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, old, "", 0, err);
    MDB_val k, val;
    int more = 0;
    size_t moved = 0;
    while (rc == 0 && (more = bl_scan_next(&scan, &k, &val)) == 1) {
        char buf[S_KEY_MAX + 1], key[S_KEY_MAX + 1];
        const char *parts[4];
        if (bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, parts, 4) !=
            4) {
            continue;   /* not a key of ours: left behind */
        }
        const char *order[] = {parts[0], parts[2], parts[3], parts[1]};
        size_t kl = bl_page_join(key, sizeof key, order, 4);
        rc = bl_store_put(txn, bl_daemon_dbi(v->d, DB_VALS), key, kl,
                          val.mv_data, val.mv_size, err);
        moved++;
    }
    bl_scan_close(&scan);
    if (rc == 0 && more < 0) {
        rc = more;
    }
    if (rc == 0) {
        int drc = mdb_drop(txn, old, 0);
        rc = drc == 0 ? 0 : bl_store_fail(err, drc, "mdb_drop vals");
    }
    if (rc == 0) {
        bl_log(BL_LOG_INFO, "moved %zu values of an earlier release into "
               "pvals", moved);
    }
    return rc;
}

/* Runs s_move_old_vals when "vals" holds anything. */
static int s_upgrade_store(validate_t *v, bl_err_t *err)
{
    uint64_t n = 0;
    int rc = bl_store_count(bl_daemon_store(v->d),
                            bl_daemon_dbi(v->d, DB_OLD_VALS), &n, err);
    if (rc != 0 || n == 0) {
        return rc;
    }
    return bl_store_write(bl_daemon_store(v->d), s_move_old_vals, v, err);
}

static int s_open(void **svc, bl_daemon_t *d, bl_err_t *err)
{
    validate_t *v = calloc(1, sizeof *v);
    if (v == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    v->d = d;
    v->cfg = bl_daemon_config(d);
    bl_mpw_init(&v->w);
    vkeys_init(&v->keys);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    v->current_year = tm.tm_year + 1900;
    v->national_group = bl_config_find_group(v->cfg, "national");
    if (v->national_group < 0 && v->cfg->n_groups > 0) {
        v->national_group = 0;
    }
    *svc = v;
    int rc = validate_rules_compile(v, err);
    if (rc == 0) {
        rc = s_upgrade_store(v, err);
    }
    if (rc == 0) {
        rc = vreg_seed(v, s_dbs[DB_REGISTER], err);
    }
    return rc;
}

static void s_close(void **svc)
{
    validate_t *v = *svc;
    if (v == NULL) {
        return;
    }
    validate_rules_free(v);
    bl_mpw_destroy(&v->w);
    vkeys_free(&v->keys);
    free(v);
    *svc = NULL;
}

const bl_stage_ops_t validate_ops = {
    .stage = BL_STAGE_VALIDATE,
    .db_names = s_dbs,
    .n_dbs = sizeof s_dbs / sizeof s_dbs[0],
    .has_outbox = 1,
    .store_mode = BL_STORE_BUFFERED,   /* small transactions */
    .open = s_open,
    .apply = s_apply,
    .request = s_request,
    .health = s_health,
    .committed = NULL,
    .tick = NULL,
    .close = s_close,
    .rebalance = &validate_rebalance,
};
