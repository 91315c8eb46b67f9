/*
 * benchmark_uplink: the national side of the link (see benchmark_uplink.h).
 *
 * Uplink messages: bl_uplink_codec.h; downlink requests and the state
 * reply (answered by benchmark_door.c): bl_downlink_codec.h.
 * Meta keys: "xgen.<period>" the international generation applied;
 * "xgroups" the international node's peer groups.  Practices go up with
 * each close (those of the period and earlier) and come back with the
 * international results; benchmark_learning.h keeps them.
 */
#include "benchmark_uplink.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "benchmark_external.h"
#include "bl_log.h"
#include "bl_downlink_codec.h"
#include "bl_net.h"
#include "bl_bundle.h"
#include "bl_page.h"
#include "bl_register_codec.h"
#include "bl_scan.h"
#include "bl_uplink_codec.h"
#include "bl_values_codec.h"
#include "bl_zap.h"

#define S_KEY_MAX BL_STORE_KEY_MAX
#define S_ROWS_PER_MSG 5000
#define S_PRACTICES_PER_MSG 500  /* practices carry up to ~18 KB of text */
#define S_PRACTICES_PAGE 200     /* practices asked for per downlink page */
#define S_WHATS BL_DOWNLINK_WHAT_COUNT
#define S_POLL_MS 2000        /* how often a national asks for results */
#define S_REPLY_MS 30000      /* how long it waits for one answer */

typedef enum s_state {
    S_IDLE = 0,
    S_WAIT_STATE,
    S_WAIT_PAGE,
} s_state_t;

struct benchmark_uplink {
    benchmark_link_env_t env;
    const bl_config_t *cfg;
    bl_mpw_t w;
    bl_mpw_t rows;
    bl_outbox_t *uplink;
    void *requests;                 /* DEALER for downlink requests */
    bl_msg_t req_tmpl;
    s_state_t state;
    long long sent_ms;              /* when the pending request left */
    long long next_poll_ms;
    int64_t fetch_period, fetch_gen;
    int fetch_what;                 /* a bl_downlink_what_t */
    char *after;                    /* paging cursor */
    size_t after_len;
    bl_mpw_t fetched[S_WHATS];      /* rows fetched: stats, positions,
                                       band-4 members, practices */
    uint32_t n_fetched[S_WHATS];
    size_t n_xgroups;
    bl_peer_group_t xgroups[BENCHMARK_LINK_GROUPS_MAX];
    char error[256];                /* last error, "" when none */
    bl_log_level_t error_level;     /* the level it was logged at */
    long long unreachable_ms;       /* since when no request could be
                                       sent (no connection), or 0 */
    long long last_ack_s;           /* unix time of the last ack progress */
    uint64_t acked_before;
    long long contact_ms;           /* last answer or ack received */
    long long contact_s;            /* the same, unix time; 0 = never */
    bool link_down;                 /* silent for link_heartbeat_s */
    /* international */
};

/* ---- small helpers ------------------------------------------------------ */

/* Sets the link's error (what `status` shows), logged at level when it
 * is new or its level rises. */
static void s_set_problem(benchmark_uplink_t *l, bl_log_level_t level,
                          const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void s_set_problem(benchmark_uplink_t *l, bl_log_level_t level,
                          const char *fmt, ...)
{
    char buf[sizeof l->error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (strcmp(buf, l->error) != 0 || level > l->error_level) {
        bl_log(level, "link: %s", buf);
        snprintf(l->error, sizeof l->error, "%s", buf);
        l->error_level = level;
    }
}

#define s_set_error(l, ...) s_set_problem((l), BL_LOG_ERROR, __VA_ARGS__)

static void s_free_groups(benchmark_uplink_t *l)
{
    benchmark_external_free_groups(l->xgroups, l->n_xgroups);
    l->n_xgroups = 0;
}

/* Reads the international node's group list into the link's external
 * groups; 0, BL_EPROTO or BL_ENOMEM. */
static int s_read_groups(benchmark_uplink_t *l, bl_mpr_t *r)
{
    s_free_groups(l);
    return benchmark_external_read_groups(r, l->xgroups,
                                          BENCHMARK_LINK_GROUPS_MAX,
                                          &l->n_xgroups);
}

/* ---- uplink ------------------------------------------------------------ */

static int s_put_uplink(benchmark_uplink_t *l, MDB_txn *txn, bl_err_t *err)
{
    if (l->w.err) {
        return bl_err_set(err, l->w.err, "cannot encode an uplink message");
    }
    return bl_outbox_put(l->uplink, txn, 0, BL_MSG_UPLINK,
                         bl_mpw_data(&l->w), bl_mpw_size(&l->w), err);
}

static int s_flush_rows(benchmark_uplink_t *l, MDB_txn *txn,
                        bl_uplink_kind_t kind, int64_t period,
                        uint32_t *count, bl_err_t *err)
{
    if (*count == 0) {
        return 0;
    }
    bl_mpw_reset(&l->w);
    bl_uplink_write_rows(&l->w, kind, period, &l->rows, *count);
    bl_mpw_reset(&l->rows);
    *count = 0;
    return s_put_uplink(l, txn, err);
}

static int s_marker(benchmark_uplink_t *l, MDB_txn *txn,
                    bl_uplink_kind_t kind, int64_t period,
                    int64_t generation, bl_err_t *err)
{
    bl_mpw_reset(&l->w);
    bl_uplink_write_marker(&l->w, kind, period, generation);
    return s_put_uplink(l, txn, err);
}

/* The register without the names of providers that do not share them. */
static int s_send_register(benchmark_uplink_t *l, MDB_txn *txn, bl_err_t *err)
{
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, txn, l->env.db_register, "", 0, err);
    uint32_t count = 0;
    bl_mpw_reset(&l->rows);
    MDB_val k, v;
    while (rc == 0 && (rc = bl_scan_next(&scan, &k, &v)) == 1) {
        rc = 0;
        bl_register_entry_t e;
        if (bl_register_decode_entry(v.mv_data, v.mv_size, &e, NULL) == 0) {
            /* the entry again, the name left out unless shared */
            if (!e.share_identity) {
                e.name[0] = '\0';
            }
            bl_mpw_reset(&l->w);
            bl_register_write_entry(&l->w, &e);
            bl_uplink_write_register_row(&l->rows, k.mv_data, k.mv_size,
                                         bl_mpw_data(&l->w),
                                         bl_mpw_size(&l->w));
            if (++count == S_ROWS_PER_MSG) {
                rc = s_flush_rows(l, txn, BL_UPLINK_REGISTER, 0, &count, err);
            }
        }
    }
    bl_scan_close(&scan);
    if (rc == 0) {
        rc = s_flush_rows(l, txn, BL_UPLINK_REGISTER, 0, &count, err);
    }
    return rc;
}

typedef struct s_values_ctx {
    benchmark_uplink_t *l;
    MDB_txn *txn;
    int64_t period;
    int64_t generation;
    uint32_t count;
    bl_err_t *err;
} s_values_ctx_t;

/* One stored value row: sent when it is provider-level, of the
 * generation, ok and present. */
static int s_value_row(void *ctx, const char *const *parts, size_t n,
                       const MDB_val *v)
{
    s_values_ctx_t *c = ctx;
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t two;
    int64_t gen;
    const uint8_t *val;
    size_t vl;
    if (n != 4 || parts[2][0] != '\0' || bl_mpr_array(&r, &two) != 0 ||
        bl_mpr_int(&r, &gen) != 0 || gen != c->generation ||
        bl_mpr_raw(&r, &val, &vl) != 0) {
        return 0;
    }
    /* the value as aggregation made it: ok and present */
    bl_mpr_t q;
    bl_mpr_init(&q, val, vl);
    bl_value_t value;
    if (bl_values_read_value(&q, &value) != 0 ||
        value.status != BL_CELL_OK || !value.has_value) {
        return 0;
    }
    bl_uplink_write_value_row(&c->l->rows, parts[1], parts[3], val, vl);
    if (++c->count < S_ROWS_PER_MSG) {
        return 0;
    }
    return s_flush_rows(c->l, c->txn, BL_UPLINK_VALUES, c->period,
                        &c->count, c->err);
}

/* Provider-level values with status ok of the given generation (stored
 * as bundles of period, provider and unit: benchmark.c). */
static int s_send_values(benchmark_uplink_t *l, MDB_txn *txn, int64_t period,
                         int64_t generation, bl_err_t *err)
{
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    bl_mpw_reset(&l->rows);
    s_values_ctx_t c = {l, txn, period, generation, 0, err};
    int rc = bl_bundle_each(txn, l->env.db_values, prefix, pl, s_value_row,
                            &c, err);
    if (rc == 0) {
        rc = s_flush_rows(l, txn, BL_UPLINK_VALUES, period, &c.count, err);
    }
    return rc;
}

/* This node's peer groups and their statistics of period, so that a
 * reference to a national statistic resolves on the international node. */
static int s_send_stats(benchmark_uplink_t *l, MDB_txn *txn, int64_t period,
                        bl_err_t *err)
{
    uint32_t count = (uint32_t)l->cfg->n_groups;
    bl_mpw_reset(&l->rows);
    bl_mpw_t g;
    bl_mpw_init(&g);
    benchmark_external_write_groups(&g, l->cfg->groups, l->cfg->n_groups);
    /* skip the array header: s_flush_rows writes its own */
    bl_mpr_t r;
    bl_mpr_init(&r, bl_mpw_data(&g), bl_mpw_size(&g));
    uint32_t n;
    if (g.err == 0 && bl_mpr_array(&r, &n) == 0) {
        bl_mpw_raw(&l->rows, r.p, (size_t)(r.end - r.p));
    }
    bl_mpw_destroy(&g);
    int rc = s_flush_rows(l, txn, BL_UPLINK_GROUPS, period, &count, err);
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    if (rc != 0) {
        return rc;
    }
    bl_scan_t scan;
    rc = bl_scan_open(&scan, txn, l->env.db_stats, prefix, pl, err);
    MDB_val k, v;
    while (rc == 0 && (rc = bl_scan_next(&scan, &k, &v)) == 1) {
        rc = 0;
        char buf[S_KEY_MAX];
        const char *parts[4];
        if (bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, parts, 4) ==
                4 &&
            bl_config_find_group(l->cfg, parts[2]) >= 0) {
            bl_uplink_write_stat_row(&l->rows, parts[1], parts[2], parts[3],
                                     v.mv_data, v.mv_size);
            if (++count == S_ROWS_PER_MSG) {
                rc = s_flush_rows(l, txn, BL_UPLINK_STATS, period, &count, err);
            }
        }
    }
    bl_scan_close(&scan);
    if (rc == 0) {
        rc = s_flush_rows(l, txn, BL_UPLINK_STATS, period, &count, err);
    }
    return rc;
}

/* Whether provider shares identity, by the register (no: when absent). */
static bool s_shares(benchmark_uplink_t *l, MDB_txn *txn,
                     const char *provider)
{
    MDB_val v;
    if (bl_store_get(txn, l->env.db_register, provider, strlen(provider), &v,
                     NULL) != 0) {
        return false;
    }
    bl_register_entry_t e;
    return bl_register_decode_entry(v.mv_data, v.mv_size, &e, NULL) == 0 &&
           e.share_identity;
}

typedef struct s_practices_ctx {
    benchmark_uplink_t *l;
    MDB_txn *txn;
    int64_t period;
    uint32_t count;
    bl_err_t *err;
} s_practices_ctx_t;

static int s_practice_row(void *ctx, const bl_uplink_practice_t *p)
{
    s_practices_ctx_t *c = ctx;
    bl_uplink_practice_t q = *p;
    if (!s_shares(c->l, c->txn, p->provider)) {
        q.contact = "";
        q.contact_len = 0;
    }
    bl_uplink_write_practice_row(&c->l->rows, &q);
    if (++c->count == S_PRACTICES_PER_MSG) {
        return s_flush_rows(c->l, c->txn, BL_UPLINK_PRACTICES, c->period,
                            &c->count, c->err);
    }
    return 0;
}

/* The practices of period and earlier, without the contact of a provider
 * that does not share identity (SPEC 10). */
static int s_send_practices(benchmark_uplink_t *l, MDB_txn *txn,
                            int64_t period, bl_err_t *err)
{
    if (l->env.learning == NULL) {
        return 0;
    }
    bl_mpw_reset(&l->rows);
    s_practices_ctx_t c = {l, txn, period, 0, err};
    int rc = benchmark_learning_each_practice(l->env.learning, txn, period,
                                              s_practice_row, &c, err);
    if (rc == 0) {
        rc = s_flush_rows(l, txn, BL_UPLINK_PRACTICES, period, &c.count, err);
    }
    return rc;
}

int benchmark_uplink_send_period(benchmark_uplink_t *l, MDB_txn *txn,
                                 int64_t period, int64_t generation,
                                 bl_err_t *err)
{
    int rc = s_marker(l, txn, BL_UPLINK_BEGIN, period, generation, err);
    if (rc == 0) {
        rc = s_send_register(l, txn, err);
    }
    if (rc == 0) {
        rc = s_send_values(l, txn, period, generation, err);
    }
    if (rc == 0) {
        rc = s_send_stats(l, txn, period, err);
    }
    if (rc == 0) {
        rc = s_send_practices(l, txn, period, err);
    }
    if (rc == 0) {
        rc = s_marker(l, txn, BL_UPLINK_CLOSE, period, generation, err);
    }
    return rc;
}

/* ---- downlink ---------------------------------------------------------- */

static int s_request(benchmark_uplink_t *l, const bl_mpw_t *payload)
{
    bl_msg_t m = l->req_tmpl;
    m.payload = bl_mpw_data(payload);
    m.payload_len = bl_mpw_size(payload);
    bl_mpw_t env;
    bl_mpw_init(&env);
    int rc = bl_msg_encode(&env, &m);
    if (rc == 0) {
        rc = bl_net_send(l->requests, bl_mpw_data(&env), bl_mpw_size(&env),
                         NULL);
    }
    bl_mpw_destroy(&env);
    if (rc == 0) {
        l->sent_ms = bl_net_now_ms();
    }
    return rc;
}

static void s_ask_state(benchmark_uplink_t *l)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    if (bl_downlink_write_state_request(&w) == 0 && s_request(l, &w) == 0) {
        l->state = S_WAIT_STATE;
        l->unreachable_ms = 0;
    } else {
        /* No connection to send on: while it is being made (the node just
         * started, or the international node is starting) a warning; an
         * error once it has lasted the heartbeat timeout. */
        long long now = bl_net_now_ms();
        if (l->unreachable_ms == 0) {
            l->unreachable_ms = now;
        }
        bool long_down = now - l->unreachable_ms >=
                         (long long)l->cfg->link_heartbeat_s * 1000;
        s_set_problem(l, long_down ? BL_LOG_ERROR : BL_LOG_WARN,
                      "the international node at %s is not reachable",
                      l->cfg->upstream_endpoint);
    }
    bl_mpw_destroy(&w);
}

static void s_ask_page(benchmark_uplink_t *l)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_downlink_page_t req = {l->fetch_period,
                              (bl_downlink_what_t)l->fetch_what,
                              l->fetch_what == BL_DOWNLINK_PRACTICES
                                  ? S_PRACTICES_PAGE
                                  : BENCHMARK_LINK_PAGE,
                              l->after, l->after_len};
    if (bl_downlink_write_page_request(&w, &req) == 0 &&
        s_request(l, &w) == 0) {
        l->state = S_WAIT_PAGE;
    } else {
        l->state = S_IDLE;
    }
    bl_mpw_destroy(&w);
}

static bool s_is_external(void *ctx, const char *const *parts, size_t n)
{
    const benchmark_uplink_t *l = ctx;
    for (size_t g = 0; n > 2 && g < l->n_xgroups; g++) {
        if (strcmp(parts[2], l->xgroups[g].id) == 0) {
            return true;
        }
    }
    return false;
}

/* Deletes period's rows of the international node's groups from dbi
 * (statistics or positions: the group id is the third key part). */
static int s_delete_external(benchmark_uplink_t *l, MDB_txn *txn, MDB_dbi dbi,
                             int64_t period, bl_err_t *err)
{
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    return bl_page_delete_where(txn, dbi, prefix, pl, s_is_external, l, err);
}

/* s_store_rows, each row put into bundle when not NULL. */
static int s_store_rows_into(MDB_txn *txn, MDB_dbi dbi, const bl_mpw_t *rows,
                             uint32_t n, int skip, bl_bundle_t *bundle,
                             bl_err_t *err)
{
    bl_mpr_t r;
    bl_mpr_init(&r, bl_mpw_data(rows), bl_mpw_size(rows));
    for (uint32_t i = 0; i < n; i++) {
        uint32_t m;
        if (bl_mpr_array(&r, &m) != 0 || m < 2 || m > BL_PAGE_PARTS_MAX + 1) {
            return bl_err_set(err, BL_EPROTO, "malformed downlink row");
        }
        char parts_buf[BL_PAGE_PARTS_MAX][128];
        const char *parts[BL_PAGE_PARTS_MAX];
        size_t np = 0;
        for (uint32_t j = 0; j + 1 < m; j++) {
            if (bl_mpr_str_copy(&r, parts_buf[np], sizeof parts_buf[0]) != 0) {
                return bl_err_set(err, BL_EPROTO, "malformed downlink row");
            }
            if ((int)j != skip) {
                parts[np] = parts_buf[np];
                np++;
            }
        }
        const uint8_t *val;
        size_t vl;
        if (bl_mpr_raw(&r, &val, &vl) != 0) {
            return bl_err_set(err, BL_EPROTO, "malformed downlink row");
        }
        char key[S_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, np);
        if (kl == 0) {
            continue;
        }
        int rc = bundle != NULL
                     ? bl_bundle_add_row(bundle, txn, dbi, key, kl, val, vl,
                                         err)
                     : bl_store_put(txn, dbi, key, kl, val, vl, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

/* Stores rows [period, ..., value] (parts joined again) skipping the part
 * at index skip (the country of a positions row), or none when skip < 0;
 * bundled: one bundle per key but the last part (bl_bundle.h), as the
 * positions are kept. */
static int s_store_rows(MDB_txn *txn, MDB_dbi dbi, const bl_mpw_t *rows,
                        uint32_t n, int skip, bool bundled, bl_err_t *err)
{
    bl_bundle_t bundle;
    bl_bundle_init(&bundle);
    int rc = s_store_rows_into(txn, dbi, rows, n, skip,
                               bundled ? &bundle : NULL, err);
    if (rc == 0 && bundled) {
        rc = bl_bundle_put(&bundle, txn, dbi, err);
    }
    bl_bundle_destroy(&bundle);
    return rc;
}

static int s_apply_fetched(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    benchmark_uplink_t *l = ctx;
    int64_t p = l->fetch_period;
    int rc = s_delete_external(l, txn, l->env.db_stats, p, err);
    if (rc == 0) {
        rc = s_delete_external(l, txn, l->env.db_positions, p, err);
    }
    if (rc == 0) {
        rc = s_store_rows(txn, l->env.db_stats, &l->fetched[0],
                          l->n_fetched[0], -1, false, err);
    }
    if (rc == 0) {
        rc = s_store_rows(txn, l->env.db_positions, &l->fetched[1],
                          l->n_fetched[1], 1, true, err);
    }
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 p);
    if (rc == 0) {
        rc = bl_page_delete(txn, l->env.db_xband4, prefix, pl, err);
    }
    if (rc == 0) {
        rc = s_store_rows(txn, l->env.db_xband4, &l->fetched[2],
                          l->n_fetched[2], 1, false, err);
    }
    if (rc == 0 && l->env.learning != NULL) {
        MDB_dbi xp = benchmark_learning_xpractices(l->env.learning);
        rc = bl_page_delete(txn, xp, prefix, pl, err);
        if (rc == 0) {
            rc = s_store_rows(txn, xp, &l->fetched[BL_DOWNLINK_PRACTICES],
                              l->n_fetched[BL_DOWNLINK_PRACTICES], 1, false,
                              err);
        }
    }
    bl_mpw_t g;
    bl_mpw_init(&g);
    benchmark_external_write_groups(&g, l->xgroups, l->n_xgroups);
    if (rc == 0) {
        rc = bl_store_put(txn, bl_daemon_meta(l->env.d), "xgroups", 7,
                          bl_mpw_data(&g), bl_mpw_size(&g), err);
    }
    bl_mpw_destroy(&g);
    char key[48];
    snprintf(key, sizeof key, "xgen.%" PRId64, p);
    if (rc == 0) {
        rc = bl_store_put_u64(txn, bl_daemon_meta(l->env.d), key,
                              (uint64_t)l->fetch_gen, err);
    }
    /* Render the period's reports again when it is closed here. */
    snprintf(key, sizeof key, "gen.%" PRId64, p);
    uint64_t local = 0;
    if (rc == 0) {
        rc = bl_store_get_u64(txn, bl_daemon_meta(l->env.d), key, &local,
                              err);
    }
    if (rc == 0 && local > 0) {
        rc = l->env.recompute(l->env.ctx, txn, p, err);
    }
    return rc;
}

/* Reads the state reply and picks the next period to fetch. */
static void s_on_state(benchmark_uplink_t *l, const bl_msg_t *m)
{
    bl_downlink_state_t st;
    if (bl_downlink_read_state(m->payload, m->payload_len, &st) != 0) {
        s_set_error(l, "malformed downlink state");
        l->state = S_IDLE;
        return;
    }
    const bl_catalogue_t *cat = l->cfg->catalogue;
    if (strcmp(st.cn, cat->name) != 0 || strcmp(st.cv, cat->version) != 0) {
        s_set_error(l, "catalogue mismatch: this node has %s %s, the "
                       "international node %s %s",
                    cat->name, cat->version, st.cn, st.cv);
        l->state = S_IDLE;
        return;
    }
    if (s_read_groups(l, &st.groups) != 0) {
        s_set_error(l, "malformed downlink state");
        l->state = S_IDLE;
        return;
    }
    for (size_t g = 0; g < l->n_xgroups; g++) {
        if (bl_config_find_group(l->cfg, l->xgroups[g].id) >= 0) {
            s_set_error(l, "group id '%s' is used by this node and by the "
                           "international node: rename it in one of them",
                        l->xgroups[g].id);
            s_free_groups(l);
            l->state = S_IDLE;
            return;
        }
    }
    l->state = S_IDLE;
    MDB_txn *txn;
    if (bl_store_read(bl_daemon_store(l->env.d), &txn, NULL) != 0) {
        return;
    }
    int64_t period, gen;
    while (bl_downlink_next_period(&st, &period, &gen) == 0) {
        char key[48];
        snprintf(key, sizeof key, "xgen.%" PRId64, period);
        uint64_t have = 0;
        bl_store_get_u64(txn, bl_daemon_meta(l->env.d), key, &have, NULL);
        if ((int64_t)have < gen) {
            l->fetch_period = period;
            l->fetch_gen = gen;
            l->fetch_what = 0;
            free(l->after);
            l->after = NULL;
            for (int w = 0; w < S_WHATS; w++) {
                bl_mpw_reset(&l->fetched[w]);
                l->n_fetched[w] = 0;
            }
            break;
        }
    }
    mdb_txn_abort(txn);
    l->error[0] = '\0';
    l->error_level = BL_LOG_DEBUG;
    if (l->fetch_gen > 0) {
        s_ask_page(l);
    }
}

static void s_on_page(benchmark_uplink_t *l, const bl_msg_t *m)
{
    bl_mpr_t r;
    uint32_t n;
    if (bl_req_find(m, "rows", &r) != 0 || bl_mpr_array(&r, &n) != 0) {
        char why[256] = "malformed downlink page";
        bl_req_str(m, "error", why, sizeof why);
        s_set_error(l, "downlink: %s", why);
        l->state = S_IDLE;
        l->fetch_gen = 0;
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *row;
        size_t rl;
        if (bl_mpr_raw(&r, &row, &rl) != 0) {
            break;
        }
        bl_mpw_raw(&l->fetched[l->fetch_what], row, rl);
        l->n_fetched[l->fetch_what]++;
    }
    free(l->after);
    l->after = NULL;
    const char *next;
    uint32_t nl;
    if (bl_req_find(m, "next", &r) == 0 && bl_mpr_str(&r, &next, &nl) == 0) {
        l->after = strndup(next, nl);
        l->after_len = nl;
        s_ask_page(l);
        return;
    }
    if (l->fetch_what + 1 < S_WHATS) {
        l->fetch_what++;
        s_ask_page(l);
        return;
    }
    bl_err_t err = {0};
    if (bl_store_write(bl_daemon_store(l->env.d), s_apply_fetched, l, &err) !=
        0) {
        s_set_error(l, "cannot store international results: %s", err.msg);
    } else {
        bl_log(BL_LOG_INFO,
               "international results applied period=%" PRId64
               " generation=%" PRId64
               " stats=%u positions=%u band4=%u practices=%u",
               l->fetch_period, l->fetch_gen, l->n_fetched[0],
               l->n_fetched[1], l->n_fetched[2], l->n_fetched[3]);
    }
    for (int w = 0; w < S_WHATS; w++) {
        bl_mpw_reset(&l->fetched[w]);
        l->n_fetched[w] = 0;
    }
    l->fetch_gen = 0;
    l->state = S_IDLE;
    l->next_poll_ms = 0;  /* there may be another period waiting */
}

/* Anything from the international node: the link is up. */
static void s_contact(benchmark_uplink_t *l)
{
    l->contact_ms = bl_net_now_ms();
    l->contact_s = (long long)time(NULL);
    if (l->link_down) {
        l->link_down = false;
        bl_log(BL_LOG_INFO, "link: up again, the international node answers");
    }
}

static void s_on_requests(void *ctx, void *sock)
{
    benchmark_uplink_t *l = ctx;
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, sock, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            return;
        }
        s_contact(l);
        bl_msg_t m;
        bl_err_t err = {0};
        if (bl_msg_decode(zmq_msg_data(&msg), zmq_msg_size(&msg), &m, &err) ==
                0 &&
            m.type == BL_MSG_REPLY) {
            bool ok = false;
            bl_mpr_t r;
            if (bl_req_find(&m, "ok", &r) == 0) {
                bl_mpr_bool(&r, &ok);
            }
            if (!ok) {
                char why[256] = "refused";
                bl_req_str(&m, "error", why, sizeof why);
                s_set_error(l, "the international node says: %s", why);
                l->state = S_IDLE;
            } else if (l->state == S_WAIT_STATE &&
                       bl_req_find(&m, "periods", &r) == 0) {
                s_on_state(l, &m);
            } else if (l->state == S_WAIT_PAGE &&
                       bl_req_find(&m, "rows", &r) == 0) {
                s_on_page(l, &m);
            }
            /* Anything else is a late answer to a question given up. */
        } else {
            s_set_error(l, "malformed reply from the international node: %s",
                        err.msg);
        }
        zmq_msg_close(&msg);
    }
}

static void s_on_uplink_acks(void *ctx, void *sock)
{
    (void)sock;
    benchmark_uplink_t *l = ctx;
    bl_err_t err = {0};
    s_contact(l);
    if (bl_outbox_on_readable(l->uplink, 0, &err) != 0) {
        s_set_error(l, "uplink: %s", err.msg);
    }
}

static int s_open(benchmark_uplink_t *l, bl_err_t *err)
{
    const bl_config_t *cfg = l->cfg;
    char server[BL_ZAP_KEY_LEN + 1], secret[BL_ZAP_KEY_LEN + 1],
        public_key[BL_ZAP_KEY_LEN + 1];
    int rc = bl_zap_read_key(cfg->upstream_server_key, server, err);
    if (rc == 0) {
        rc = bl_zap_read_key(cfg->upstream_key, secret, err);
    }
    if (rc == 0) {
        rc = bl_zap_public_of(secret, public_key, err);
    }
    if (rc != 0) {
        return rc;
    }
    bl_net_link_t link = {secret, public_key, server,
                          benchmark_link_heartbeat_ms(cfg)};
    bl_msg_t tmpl = *bl_daemon_template(l->env.d);
    snprintf(tmpl.sender, sizeof tmpl.sender, "%s/uplink", cfg->node);
    const char *eps[] = {cfg->upstream_endpoint};
    rc = bl_outbox_open(&l->uplink, bl_daemon_zctx(l->env.d),
                        bl_daemon_store(l->env.d), l->env.db_uplink,
                        bl_daemon_meta(l->env.d), "uplink", eps, 1, &link,
                        &tmpl, err);
    if (rc != 0) {
        return rc;
    }
    rc = bl_net_dealer(&l->requests, bl_daemon_zctx(l->env.d),
                       cfg->upstream_endpoint, &link, err);
    if (rc != 0) {
        return rc;
    }
    l->req_tmpl = tmpl;
    l->req_tmpl.type = BL_MSG_REQUEST;
    l->req_tmpl.epoch = 0;
    l->acked_before = 0;
    /* Load the international groups known from an earlier run. */
    MDB_txn *txn;
    if (bl_store_read(bl_daemon_store(l->env.d), &txn, NULL) == 0) {
        MDB_val v;
        if (bl_store_get(txn, bl_daemon_meta(l->env.d), "xgroups", 7, &v,
                         NULL) == 0) {
            bl_mpr_t r;
            bl_mpr_init(&r, v.mv_data, v.mv_size);
            s_read_groups(l, &r);
        }
        mdb_txn_abort(txn);
    }
    return 0;
}


/* ---- life cycle --------------------------------------------------------- */

int benchmark_uplink_open(benchmark_uplink_t **out,
                          const benchmark_link_env_t *env, bl_err_t *err)
{
    *out = NULL;
    benchmark_uplink_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    l->env = *env;
    l->cfg = bl_daemon_config(env->d);
    bl_mpw_init(&l->w);
    bl_mpw_init(&l->rows);
    for (int w = 0; w < S_WHATS; w++) {
        bl_mpw_init(&l->fetched[w]);
    }
    int rc = s_open(l, err);
    if (rc != 0) {
        benchmark_uplink_close(&l);
        return rc;
    }
    *out = l;
    return 0;
}

int benchmark_uplink_register(benchmark_uplink_t *l, bl_daemon_t *d)
{
    int rc = bl_daemon_add_socket(d, bl_outbox_socket(l->uplink, 0),
                                  s_on_uplink_acks, l);
    rc |= bl_daemon_add_socket(d, l->requests, s_on_requests, l);
    return rc;
}

void benchmark_uplink_close(benchmark_uplink_t **up)
{
    if (up == NULL || *up == NULL) {
        return;
    }
    benchmark_uplink_t *l = *up;
    bl_outbox_close(&l->uplink);
    bl_net_close(&l->requests);
    s_free_groups(l);
    free(l->after);
    bl_mpw_destroy(&l->w);
    bl_mpw_destroy(&l->rows);
    for (int w = 0; w < S_WHATS; w++) {
        bl_mpw_destroy(&l->fetched[w]);
    }
    free(l);
    *up = NULL;
}

size_t benchmark_uplink_groups(const benchmark_uplink_t *l,
                               const bl_peer_group_t **groups)
{
    *groups = l->xgroups;
    return l->n_xgroups;
}

void benchmark_uplink_tick(benchmark_uplink_t *l)
{
    bl_err_t err = {0};
    if (bl_outbox_pump(l->uplink, &err) != 0) {
        s_set_error(l, "uplink: %s", err.msg);
    }
    uint64_t acked = bl_outbox_sent(l->uplink);
    if (acked != l->acked_before) {
        l->acked_before = acked;
        l->last_ack_s = (long long)time(NULL);
    }
    long long now = bl_net_now_ms();
    /* Down: an answer or an ack is due and nothing came for the
     * heartbeat timeout (requests go out every S_POLL_MS). */
    bool due = l->state != S_IDLE || bl_outbox_pending(l->uplink) > 0;
    long long silent = now - (l->contact_ms ? l->contact_ms : l->sent_ms);
    if (due && !l->link_down && l->sent_ms > 0 &&
        silent > (long long)l->cfg->link_heartbeat_s * 1000) {
        l->link_down = true;
        bl_log(BL_LOG_WARN, "link: down, no answer from the international "
               "node for %lld s", silent / 1000);
    }
    if (l->state != S_IDLE && now - l->sent_ms > S_REPLY_MS) {
        s_set_error(l, "the international node did not answer in %d s",
                    S_REPLY_MS / 1000);
        l->state = S_IDLE;
        l->fetch_gen = 0;
    }
    if (l->state == S_IDLE && now >= l->next_poll_ms) {
        l->next_poll_ms = now + S_POLL_MS;
        s_ask_state(l);
    }
}

uint32_t benchmark_uplink_health(const benchmark_uplink_t *l,
                                 bl_mpw_t *reply)
{
    char when[32] = "never";
    if (l->last_ack_s > 0) {
        time_t t = (time_t)l->last_ack_s;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    bl_mpw_str(reply, "uplink_pending");
    bl_mpw_uint(reply, bl_outbox_pending(l->uplink));
    bl_mpw_str(reply, "uplink_last_ack");
    bl_mpw_str(reply, when);
    bl_mpw_str(reply, "uplink_error");
    bl_mpw_str(reply, l->error[0] ? l->error : "none");
    char contact[32] = "never";
    if (l->contact_s > 0) {
        time_t t = (time_t)l->contact_s;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(contact, sizeof contact, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    bl_mpw_str(reply, "uplink");
    bl_mpw_str(reply, l->link_down || l->contact_s == 0 ? "down" : "up");
    bl_mpw_str(reply, "uplink_last_contact");
    bl_mpw_str(reply, contact);
    return 5;
}
