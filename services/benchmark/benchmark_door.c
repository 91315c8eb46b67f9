/*
 * benchmark_door: the international node's door (see benchmark_door.h).
 *
 * It applies the uplink messages benchmark_uplink.c sends (their layout
 * is bl_uplink_codec.h) and answers the national nodes' downlink requests
 * from the international statistics, positions, band-4 rows and the
 * practices each country may be shown (benchmark_learning.h).
 */
#include "benchmark_door.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark_external.h"
#include "bl_bundle.h"
#include "bl_downlink_codec.h"
#include "bl_log.h"
#include "bl_net.h"
#include "bl_page.h"
#include "bl_register_codec.h"
#include "bl_scan.h"
#include "bl_uplink_codec.h"
#include "bl_values_codec.h"
#include "bl_zap.h"

#define S_KEY_MAX BL_STORE_KEY_MAX

struct benchmark_door {
    benchmark_link_env_t env;
    const bl_config_t *cfg;
    bl_mpw_t w;
    bl_zap_t *zap;
    bl_inbox_t *inbox;
};

static int s_door_refuse(bl_err_t *err, const bl_msg_t *m, const char *fmt,
                         const char *arg)
{
    char what[256];
    snprintf(what, sizeof what, fmt, arg);
    return bl_err_set(err, BL_EDATA, "from %s (country %s): %s", m->sender,
                      m->peer[0] ? m->peer : "?", what);
}

#define S_VALUE_BOUND 1e15  /* larger magnitudes are no indicator value */

/* A provider id of the sender's country: CC-LOCAL, SPEC section 1. */
static bool s_provider_ok(const char *id, const char *country)
{
    size_t n = strlen(id);
    if (n < 4 || n > 43 || strncmp(id, country, 2) != 0 || id[2] != '-') {
        return false;
    }
    for (size_t i = 3; i < n; i++) {
        char c = id[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
              (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-')) {
            return false;
        }
    }
    return true;
}

/* A register entry as the national node keeps it (bl_register_codec.h),
 * of the sender's country. */
static const char *s_register_problem(const uint8_t *entry, size_t len,
                                      const char *country,
                                      const bl_catalogue_t *cat)
{
    bl_register_entry_t e;
    if (bl_register_decode_entry(entry, len, &e, NULL) != 0) {
        return "a malformed register entry";
    }
    if (strcmp(e.country, country) != 0) {
        return "a register entry of another country";
    }
    if (!bl_catalogue_has_service_type(cat, e.service_type)) {
        return "an unknown service type";
    }
    if (e.users < 0 || e.staff < 0) {
        return "a negative head count";
    }
    const char *m = e.membership;
    if (strcmp(m, "assurance") && strcmp(m, "excellence") &&
        strcmp(m, "stairway") && strcmp(m, "potential")) {
        return "an unknown membership";
    }
    return strlen(e.member_since) == 10 ? NULL : "a malformed member_since";
}

static bool s_number_ok(double x)
{
    return isfinite(x) && fabs(x) <= S_VALUE_BOUND;
}

/* A value as the national node computed it (bl_values_codec.h), status
 * ok and the value within range. */
static const char *s_value_problem(const uint8_t *value, size_t len,
                                   const bl_indicator_t *def)
{
    bl_mpr_t r;
    bl_mpr_init(&r, value, len);
    bl_value_t v;
    if (bl_values_read_value(&r, &v) != 0) {
        return "a malformed value";
    }
    if (v.status != BL_CELL_OK) {
        return "a value that is not ok";
    }
    if (!v.has_value || isnan(v.value)) {
        return "a missing value";
    }
    if (def->has_range && (v.value < def->range_min ||
                           v.value > def->range_max)) {
        return "a value outside the indicator's range";
    }
    if (!s_number_ok(v.value)) {
        return "an impossible value";
    }
    bool has[3] = {v.has_numerator, v.has_denominator, v.has_n};
    double x[3] = {v.numerator, v.denominator, (double)v.n};
    for (int i = 0; i < 3; i++) {
        if (has[i] && (!s_number_ok(x[i]) || x[i] < 0)) {
            return "an impossible numerator, denominator or n";
        }
    }
    return NULL;
}

/* Checks every row of an uplink message before anything is applied: a
 * provider id of the sender's country, and a register entry or value of
 * the right shape.  One bad row refuses the whole message. */
static int s_check_rows(const bl_msg_t *m, const bl_uplink_t *u,
                        const bl_catalogue_t *cat, bl_err_t *err)
{
    bool reg = u->kind == BL_UPLINK_REGISTER;
    bl_mpr_t r = u->rows;
    for (uint32_t i = 0; i < u->n_rows; i++) {
        char provider[BL_UPLINK_ID_MAX], ind[BL_UPLINK_ID_MAX] = "";
        const uint8_t *val;
        size_t vl;
        int rc = reg ? bl_uplink_read_register_row(&r, provider, &val, &vl)
                     : bl_uplink_read_value_row(&r, provider, ind, &val, &vl);
        if (rc != 0) {
            return s_door_refuse(err, m, "a malformed row in a %s message",
                                 u->kind_text);
        }
        if (!s_provider_ok(provider, m->peer)) {
            return s_door_refuse(err, m,
                                 "provider %s is not of the sender's country; "
                                 "nothing of the message applied",
                                 provider);
        }
        const char *problem;
        if (reg) {
            problem = s_register_problem(val, vl, m->peer, cat);
        } else {
            int k = bl_catalogue_find_indicator(cat, ind);
            if (k < 0) {
                return s_door_refuse(err, m,
                                     "unknown indicator '%s'; nothing of the "
                                     "message applied",
                                     ind);
            }
            problem = s_value_problem(val, vl, &cat->indicators[k]);
        }
        if (problem != NULL) {
            char what[160];
            snprintf(what, sizeof what, "%s for %s", problem, provider);
            return s_door_refuse(err, m, "%s; nothing of the message applied",
                                 what);
        }
    }
    return 0;
}

/* Deletes the values of period sent by country (a national's new close
 * replaces its last one). */
static int s_drop_country(benchmark_door_t *l, MDB_txn *txn, int64_t period,
                          const char *country, bl_err_t *err)
{
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix,
                                 "%" PRId64 "\x1f%.2s-", period, country);
    int rc = bl_page_delete(txn, l->env.db_values, prefix, pl, err);
    pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f%.2s\x1f",
                          period, country);
    if (rc == 0) {
        rc = bl_page_delete(txn, l->env.db_xstats, prefix, pl, err);
    }
    if (rc == 0 && l->env.learning != NULL) {
        rc = benchmark_learning_drop_foreign(l->env.learning, txn, country,
                                             period, err);
    }
    return rc;
}

/* A national node's practices of the period and earlier, checked whole
 * before any is kept. */
static int s_door_practices(benchmark_door_t *l, MDB_txn *txn,
                            const bl_msg_t *m, const bl_uplink_t *u,
                            bl_err_t *err)
{
    if (!u->has_rows) {
        return s_door_refuse(err, m, "an uplink message without rows%s", "");
    }
    const bl_catalogue_t *cat = l->cfg->catalogue;
    for (int pass = 0; pass < 2; pass++) {
        bl_mpr_t r = u->rows;
        for (uint32_t i = 0; i < u->n_rows; i++) {
            bl_uplink_practice_t p;
            if (bl_uplink_read_practice_row(&r, &p) != 0) {
                return s_door_refuse(err, m, "a malformed practice row%s",
                                     "");
            }
            if (pass == 0) {
                if (!s_provider_ok(p.provider, m->peer)) {
                    return s_door_refuse(err, m,
                                         "provider %s is not of the sender's "
                                         "country; nothing of the message "
                                         "applied",
                                         p.provider);
                }
                if (bl_catalogue_find_indicator(cat, p.indicator) < 0) {
                    return s_door_refuse(err, m,
                                         "unknown indicator '%s'; nothing of "
                                         "the message applied",
                                         p.indicator);
                }
                if (p.period < 1900 || p.period > u->period) {
                    return s_door_refuse(err, m,
                                         "a practice of another period for "
                                         "%s; nothing of the message applied",
                                         p.provider);
                }
                continue;
            }
            if (l->env.learning == NULL) {
                return 0;
            }
            int rc = benchmark_learning_put_foreign(l->env.learning, txn, &p,
                                                    err);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

/* A national node's peer groups (meta "ngroups.<country>") or their
 * statistics (xstats), checked whole before anything is applied. */
static int s_door_stats(benchmark_door_t *l, MDB_txn *txn, const bl_msg_t *m,
                        const bl_uplink_t *u, bl_err_t *err)
{
    if (!u->has_rows) {
        return s_door_refuse(err, m, "an uplink message without rows%s", "");
    }
    char key[S_KEY_MAX];
    if (u->kind == BL_UPLINK_GROUPS) {
        bl_peer_group_t gs[BENCHMARK_LINK_GROUPS_MAX];
        size_t ng = 0;
        bl_mpr_t look = u->rows_array;
        int rc = benchmark_external_read_groups(&look, gs,
                                                BENCHMARK_LINK_GROUPS_MAX,
                                                &ng);
        if (rc == 0) {
            bl_mpw_reset(&l->w);
            benchmark_external_write_groups(&l->w, gs, ng);
            snprintf(key, sizeof key, "ngroups.%.2s", m->peer);
            rc = l->w.err ? l->w.err
                          : bl_store_put(txn, bl_daemon_meta(l->env.d), key,
                                         strlen(key), bl_mpw_data(&l->w),
                                         bl_mpw_size(&l->w), err);
        }
        benchmark_external_free_groups(gs, ng);
        if (rc == BL_EPROTO) {
            return s_door_refuse(err, m, "malformed peer groups%s", "");
        }
        return rc;
    }
    const bl_catalogue_t *cat = l->cfg->catalogue;
    for (int pass = 0; pass < 2; pass++) {
        bl_mpr_t q = u->rows;
        for (uint32_t i = 0; i < u->n_rows; i++) {
            char ind[BL_UPLINK_ID_MAX], grp[BL_UPLINK_ID_MAX];
            char gk[BL_UPLINK_KEY_MAX];
            const uint8_t *val;
            size_t vl;
            bl_summary_t s;
            if (bl_uplink_read_stat_row(&q, ind, grp, gk, &val, &vl) != 0 ||
                bl_catalogue_find_indicator(cat, ind) < 0 ||
                benchmark_external_read_stat(val, vl, &s, NULL) != 0) {
                return s_door_refuse(err, m, "a malformed statistics row%s",
                                     "");
            }
            if (pass == 0) {
                continue;
            }
            char p[24], c[3];
            snprintf(p, sizeof p, "%" PRId64, u->period);
            snprintf(c, sizeof c, "%.2s", m->peer);
            const char *parts[] = {p, c, ind, grp, gk};
            size_t kl = bl_page_join(key, sizeof key, parts, 5);
            int rc = kl == 0 ? 0
                             : bl_store_put(txn, l->env.db_xstats, key, kl,
                                            val, vl, err);
            if (rc != 0) {
                return rc;
            }
        }
    }
    return 0;
}

static int s_door_apply(void *ctx, MDB_txn *txn, const bl_msg_t *m,
                        bl_err_t *err)
{
    benchmark_door_t *l = ctx;
    const bl_catalogue_t *cat = l->cfg->catalogue;
    if (m->peer[0] == '\0') {
        return s_door_refuse(err, m, "not authenticated%s", "");
    }
    if (strcmp(m->cat_name, cat->name) != 0 ||
        strcmp(m->cat_version, cat->version) != 0) {
        char both[200];
        snprintf(both, sizeof both, "%.60s %.40s, this node has %.60s %.30s",
                 m->cat_name, m->cat_version, cat->name, cat->version);
        return s_door_refuse(err, m, "catalogue mismatch: the sender has %s",
                             both);
    }
    if (m->type != BL_MSG_UPLINK) {
        return s_door_refuse(err, m, "a %s message", bl_msg_type_name(m->type));
    }
    bl_uplink_t u;
    if (bl_uplink_decode(m->payload, m->payload_len, &u) != 0) {
        return s_door_refuse(err, m, "a malformed uplink message%s", "");
    }
    switch (u.kind) {
    case BL_UPLINK_BEGIN:
        return s_drop_country(l, txn, u.period, m->peer, err);
    case BL_UPLINK_GROUPS:
    case BL_UPLINK_STATS:
        return s_door_stats(l, txn, m, &u, err);
    case BL_UPLINK_PRACTICES:
        return s_door_practices(l, txn, m, &u, err);
    case BL_UPLINK_CLOSE:
        bl_log(BL_LOG_INFO, "national close country=%s period=%" PRId64,
               m->peer, u.period);
        return l->env.recompute(l->env.ctx, txn, u.period, err);
    case BL_UPLINK_REGISTER:
    case BL_UPLINK_VALUES:
        break;
    default:
        return s_door_refuse(err, m, "an unknown uplink message '%s'",
                             u.kind_text);
    }
    if (!u.has_rows) {
        return s_door_refuse(err, m, "an uplink message without rows%s", "");
    }
    int rc = s_check_rows(m, &u, cat, err);
    if (rc != 0) {
        return rc;
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, u.period);
    /* values are stored as the benchmark stores its own: one bundle per
     * period, provider and unit (benchmark.c) */
    bl_bundle_rows_t vrows;
    bl_bundle_rows_init(&vrows);
    bl_mpr_t r = u.rows;
    for (uint32_t i = 0; i < u.n_rows; i++) {
        char provider[BL_UPLINK_ID_MAX], ind[BL_UPLINK_ID_MAX];
        const uint8_t *val;
        size_t vl;
        if (u.kind == BL_UPLINK_REGISTER) {
            if (bl_uplink_read_register_row(&r, provider, &val, &vl) != 0) {
                bl_bundle_rows_destroy(&vrows);
                return s_door_refuse(err, m, "a malformed row%s", "");
            }
            rc = bl_store_put(txn, l->env.db_register, provider,
                              strlen(provider), val, vl, err);
        } else {
            if (bl_uplink_read_value_row(&r, provider, ind, &val, &vl) != 0) {
                bl_bundle_rows_destroy(&vrows);
                return s_door_refuse(err, m, "a malformed row%s", "");
            }
            /* (a key too long is left out, as bl_bundle_rows does) */
            if (benchmark_value_add(&vrows, &l->w, p, provider, "", ind,
                                    u.generation, val, vl) == BL_ENOMEM) {
                rc = bl_err_set(err, BL_ENOMEM, "out of memory");
            }
        }
        if (rc != 0) {
            bl_bundle_rows_destroy(&vrows);
            return rc;
        }
    }
    rc = bl_bundle_rows_put(&vrows, txn, l->env.db_values, err);
    bl_bundle_rows_destroy(&vrows);
    return rc;
}

static int s_door_request(void *ctx, MDB_txn *txn, const bl_msg_t *m,
                          bl_mpw_t *reply, bl_err_t *err)
{
    benchmark_door_t *l = ctx;
    char cmd[32];
    if (m->peer[0] == '\0' || bl_req_str(m, "cmd", cmd, sizeof cmd) != 0) {
        bl_reply_error(reply, "not a request of an authenticated node");
        return 0;
    }
    if (strcmp(cmd, BL_DOWNLINK_STATE_CMD) == 0) {
        bl_mpw_t periods;
        bl_mpw_init(&periods);
        uint32_t np = 0;
        bl_scan_t scan;
        MDB_val k, v;
        int src = bl_scan_open(&scan, txn, bl_daemon_meta(l->env.d), "gen.",
                               4, NULL);
        while (src == 0 && bl_scan_next(&scan, &k, &v) == 1 &&
               k.mv_size > 4 && k.mv_size < 24 && v.mv_size == 8) {
            bl_downlink_write_period(
                &periods, strtoll((const char *)k.mv_data + 4, NULL, 10),
                bl_store_u64_from(v.mv_data));
            np++;
        }
        bl_scan_close(&scan);
        bl_mpw_t groups;
        bl_mpw_init(&groups);
        benchmark_external_write_groups(&groups, l->cfg->groups,
                                        l->cfg->n_groups);
        int rc = bl_downlink_write_state(reply, l->cfg->catalogue->name,
                                         l->cfg->catalogue->version,
                                         bl_mpw_data(&groups),
                                         bl_mpw_size(&groups), &periods, np);
        bl_mpw_destroy(&groups);
        bl_mpw_destroy(&periods);
        return rc == 0 ? 0
                       : bl_err_set(err, rc, "cannot encode the downlink "
                                             "state");
    }
    if (strcmp(cmd, BL_DOWNLINK_PAGE_CMD) != 0) {
        bl_reply_error(reply, "unknown command '%s'", cmd);
        return 0;
    }
    bl_downlink_page_t req;
    if (bl_downlink_read_page_request(m->payload, m->payload_len,
                                      BENCHMARK_LINK_PAGE, &req) != 0) {
        bl_reply_error(reply, "downlink needs a period and what");
        return 0;
    }
    if (req.what == BL_DOWNLINK_BAND4) {
        char cc[3];
        snprintf(cc, sizeof cc, "%.2s", m->peer);
        return benchmark_external_band4_page(txn, l->env.db_cband4,
                                             req.period, cc, req.after,
                                             req.after_len,
                                             (size_t)req.limit, reply, err);
    }
    char prefix[48];
    size_t pl;
    MDB_dbi dbi;
    if (req.what == BL_DOWNLINK_STATS) {
        pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                              req.period);
        dbi = l->env.db_stats;
    } else {
        /* Only the asking country's own providers' positions and the
         * practices it may be shown. */
        pl = (size_t)snprintf(prefix, sizeof prefix,
                              "%" PRId64 "\x1f%.2s\x1f", req.period, m->peer);
        dbi = l->env.db_cpos;
        if (req.what == BL_DOWNLINK_PRACTICES) {
            if (l->env.learning == NULL) {
                bl_reply_error(reply, "no practices on this node");
                return 0;
            }
            dbi = benchmark_learning_xpractices(l->env.learning);
        } else {
            /* positions: one bundle per group instance (bl_bundle.h) */
            return bl_bundle_reply(txn, dbi, prefix, pl, req.after,
                                   req.after_len, (size_t)req.limit, reply,
                                   err);
        }
    }
    return bl_page_reply(txn, dbi, prefix, pl, req.after, req.after_len,
                         (size_t)req.limit, reply, err);
}

static void s_door_refused(void *ctx, const char *sender, const char *reason)
{
    (void)ctx;
    bl_log(BL_LOG_WARN, "link: refused message sender=%s reason=\"%s\"",
           sender, reason);
}

static void s_zap_refused(void *ctx, const char *key, const char *address)
{
    (void)ctx;
    bl_log(BL_LOG_WARN, "link: refused connection key=%s address=%s", key,
           address);
}

static void s_handshake_refused(void *ctx, const char *why,
                                const char *address)
{
    (void)ctx;
    bl_log(BL_LOG_WARN, "link: refused handshake reason=\"%s\" address=%s",
           why, address);
}

static void s_on_monitor(void *ctx, void *sock)
{
    (void)sock;
    benchmark_door_t *l = ctx;
    bl_zap_on_monitor(l->zap, s_handshake_refused, l);
}

/* SIGHUP: the new allow list; a removed key's session is refused from its
 * next message on (the door's gate), the others go on. */
static int s_reload(void *ctx, const bl_config_t *cfg, bl_err_t *err)
{
    benchmark_door_t *l = ctx;
    char removed[256];
    int n = bl_zap_reload(l->zap, cfg, removed, sizeof removed, err);
    if (n < 0) {
        return n;
    }
    bl_log(BL_LOG_INFO, "link: allow list reloaded keys=%d removed=\"%s\"",
           n, removed);
    if (removed[0] != '\0') {
        bl_log(BL_LOG_WARN, "link: cut off country=%s: its key was removed "
               "from the allow list", removed);
    }
    return 0;
}

static void s_on_zap(void *ctx, void *sock)
{
    (void)sock;
    benchmark_door_t *l = ctx;
    bl_zap_on_readable(l->zap, s_zap_refused, l);
}

static void s_on_door(void *ctx, void *sock)
{
    (void)sock;
    benchmark_door_t *l = ctx;
    bl_err_t err = {0};
    if (bl_inbox_on_readable(l->inbox, &err) != 0) {
        bl_log(BL_LOG_ERROR, "link: batch not applied: %s", err.msg);
    }
}
static int s_open(benchmark_door_t *l, bl_err_t *err)
{
    const bl_config_t *cfg = l->cfg;
    char secret[BL_ZAP_KEY_LEN + 1];
    int rc = bl_zap_read_key(cfg->key, secret, err);
    if (rc != 0) {
        return rc;
    }
    /* The ZAP handler first: without it libzmq admits every CURVE
     * client. */
    rc = bl_zap_open(&l->zap, bl_daemon_zctx(l->env.d), cfg, err);
    if (rc != 0) {
        return rc;
    }
    bl_net_link_t link = {secret, NULL, NULL,
                          benchmark_link_heartbeat_ms(cfg)};
    bl_inbox_handlers_t h = {s_door_apply, s_door_request, s_door_refused,
                             NULL, NULL, NULL};
    bl_msg_t tmpl = *bl_daemon_template(l->env.d);
    rc = bl_inbox_open(&l->inbox, bl_daemon_zctx(l->env.d),
                       bl_daemon_store(l->env.d), l->env.db_seen,
                       cfg->listen, &link, &h, l, &tmpl, err);
    if (rc != 0) {
        return rc;
    }
    bl_inbox_set_gate(l->inbox, bl_zap_admits, l->zap);
    return bl_zap_watch(l->zap, bl_daemon_zctx(l->env.d),
                        bl_inbox_socket(l->inbox), err);
}


int benchmark_door_open(benchmark_door_t **out,
                        const benchmark_link_env_t *env, bl_err_t *err)
{
    *out = NULL;
    benchmark_door_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    l->env = *env;
    l->cfg = bl_daemon_config(env->d);
    bl_mpw_init(&l->w);
    int rc = s_open(l, err);
    if (rc != 0) {
        benchmark_door_close(&l);
        return rc;
    }
    *out = l;
    return 0;
}

int benchmark_door_register(benchmark_door_t *l, bl_daemon_t *d)
{
    int rc = bl_daemon_add_socket(d, bl_zap_socket(l->zap), s_on_zap, l);
    rc |= bl_daemon_add_socket(d, bl_inbox_socket(l->inbox), s_on_door, l);
    rc |= bl_daemon_add_socket(d, bl_zap_monitor_socket(l->zap),
                               s_on_monitor, l);
    rc |= bl_daemon_on_reload(d, s_reload, l);
    return rc;
}

void benchmark_door_close(benchmark_door_t **door)
{
    if (door == NULL || *door == NULL) {
        return;
    }
    benchmark_door_t *l = *door;
    bl_inbox_close(&l->inbox);
    bl_zap_close(&l->zap);
    bl_mpw_destroy(&l->w);
    free(l);
    *door = NULL;
}

uint32_t benchmark_door_health(const benchmark_door_t *l, bl_mpw_t *reply)
{
    bl_mpw_str(reply, "link_in");
    bl_mpw_uint(reply, bl_inbox_applied(l->inbox));
    bl_mpw_str(reply, "link_refused");
    bl_mpw_uint(reply, bl_inbox_refused(l->inbox) + bl_zap_refused(l->zap));
    return 2;
}
