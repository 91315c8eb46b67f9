/*
 * benchmark_link: uplink, downlink and the international node's door (see
 * benchmark_link.h).
 *
 * Uplink messages (type "uplink"), in order for one period:
 *   {kind: "begin", period, generation}         replace the country's values
 *   {kind: "register", rows: [[provider, entry]...]}
 *   {kind: "values", period, rows: [[provider, indicator, value]...]}
 *   {kind: "groups", period, rows: [[id, [attr...]]...]}  its peer groups
 *   {kind: "stats", period, rows: [[indicator, group, key, stat]...]}
 *                                    its groups' statistics, for references
 *   {kind: "close", period, generation}         recompute the period
 * Downlink requests on the same CURVE endpoint:
 *   {cmd: "downlink_state"} -> {ok, cn, cv, groups: [[id, [attr...]]...],
 *                               periods: [[period, generation]...]}
 *   {cmd: "downlink", period, what: stats|positions|band4, after, limit}
 *       -> a page (bl_page.h) of the international statistics, of the
 *          asking country's positions, or of the band-4 members of every
 *          instance as that country may see them
 * National meta keys: "xgen.<period>" the international generation
 * applied; "xgroups" the international node's peer groups.
 */
#include "benchmark_link.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#include "benchmark_external.h"
#include "bl_log.h"
#include "bl_net.h"
#include "bl_page.h"
#include "bl_zap.h"

#define S_KEY_MAX BL_STORE_KEY_MAX
#define S_ROWS_PER_MSG 5000
#define S_POLL_MS 2000        /* how often a national asks for results */
#define S_REPLY_MS 30000      /* how long it waits for one answer */
#define S_PAGE 5000
#define S_GROUPS_MAX 16

typedef enum s_state {
    S_IDLE = 0,
    S_WAIT_STATE,
    S_WAIT_PAGE,
} s_state_t;

struct benchmark_link {
    benchmark_link_env_t env;
    const bl_config_t *cfg;
    bl_mpw_t w;
    bl_mpw_t rows;
    /* national */
    bl_outbox_t *uplink;
    void *requests;                 /* DEALER for downlink requests */
    bl_msg_t req_tmpl;
    s_state_t state;
    long long sent_ms;              /* when the pending request left */
    long long next_poll_ms;
    int64_t fetch_period, fetch_gen;
    int fetch_what;                 /* 0 stats, 1 positions, 2 band4 */
    char *after;                    /* paging cursor */
    size_t after_len;
    bl_mpw_t fetched[3];            /* rows fetched: stats, positions,
                                       band-4 members */
    uint32_t n_fetched[3];
    size_t n_xgroups;
    bl_peer_group_t xgroups[S_GROUPS_MAX];
    char error[256];                /* last error, "" when none */
    long long last_ack_s;           /* unix time of the last ack progress */
    uint64_t acked_before;
    long long contact_ms;           /* last answer or ack received */
    long long contact_s;            /* the same, unix time; 0 = never */
    bool link_down;                 /* silent for link_heartbeat_s */
    /* international */
    bl_zap_t *zap;
    bl_inbox_t *door;
};

/* ---- small helpers ------------------------------------------------------ */

static void s_set_error(benchmark_link_t *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void s_set_error(benchmark_link_t *l, const char *fmt, ...)
{
    char buf[sizeof l->error];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (strcmp(buf, l->error) != 0) {
        bl_log(BL_LOG_ERROR, "link: %s", buf);
        snprintf(l->error, sizeof l->error, "%s", buf);
    }
}

static void s_free_groups(benchmark_link_t *l)
{
    for (size_t i = 0; i < l->n_xgroups; i++) {
        free(l->xgroups[i].id);
        for (size_t a = 0; a < l->xgroups[i].n_attrs; a++) {
            free(l->xgroups[i].attrs[a]);
        }
        free(l->xgroups[i].attrs);
    }
    memset(l->xgroups, 0, sizeof l->xgroups);
    l->n_xgroups = 0;
}

/* Reads [[id, [attr...]]...] into the link's external groups. */
static int s_read_groups(benchmark_link_t *l, bl_mpr_t *r)
{
    s_free_groups(l);
    uint32_t n;
    if (bl_mpr_array(r, &n) != 0 || n > S_GROUPS_MAX) {
        return BL_EPROTO;
    }
    for (uint32_t i = 0; i < n; i++) {
        bl_peer_group_t *g = &l->xgroups[i];
        uint32_t two, na;
        const char *s;
        uint32_t sl;
        if (bl_mpr_array(r, &two) || two != 2 || bl_mpr_str(r, &s, &sl) ||
            bl_mpr_array(r, &na) || na > 8) {
            return BL_EPROTO;
        }
        g->id = strndup(s, sl);
        g->attrs = calloc(na ? na : 1, sizeof *g->attrs);
        l->n_xgroups = i + 1;
        if (g->id == NULL || g->attrs == NULL) {
            return BL_ENOMEM;
        }
        for (uint32_t a = 0; a < na; a++) {
            if (bl_mpr_str(r, &s, &sl) != 0) {
                return BL_EPROTO;
            }
            g->attrs[a] = strndup(s, sl);
            g->n_attrs = a + 1;
        }
    }
    return 0;
}

static void s_write_groups(bl_mpw_t *w, const bl_peer_group_t *groups,
                           size_t n)
{
    bl_mpw_array(w, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        bl_mpw_array(w, 2);
        bl_mpw_str(w, groups[i].id);
        bl_mpw_array(w, (uint32_t)groups[i].n_attrs);
        for (size_t a = 0; a < groups[i].n_attrs; a++) {
            bl_mpw_str(w, groups[i].attrs[a]);
        }
    }
}

/* ---- national: uplink ------------------------------------------------ */

static int s_put_uplink(benchmark_link_t *l, MDB_txn *txn, bl_err_t *err)
{
    if (l->w.err) {
        return bl_err_set(err, l->w.err, "cannot encode an uplink message");
    }
    return bl_outbox_put(l->uplink, txn, 0, BL_MSG_UPLINK,
                         bl_mpw_data(&l->w), bl_mpw_size(&l->w), err);
}

static int s_flush_rows(benchmark_link_t *l, MDB_txn *txn, const char *kind,
                        int64_t period, uint32_t *count, bl_err_t *err)
{
    if (*count == 0) {
        return 0;
    }
    bl_mpw_reset(&l->w);
    bl_mpw_map(&l->w, 3);
    bl_mpw_str(&l->w, "kind");
    bl_mpw_str(&l->w, kind);
    bl_mpw_str(&l->w, "period");
    bl_mpw_int(&l->w, period);
    bl_mpw_str(&l->w, "rows");
    bl_mpw_array(&l->w, *count);
    bl_mpw_raw(&l->w, bl_mpw_data(&l->rows), bl_mpw_size(&l->rows));
    bl_mpw_reset(&l->rows);
    *count = 0;
    return s_put_uplink(l, txn, err);
}

static int s_marker(benchmark_link_t *l, MDB_txn *txn, const char *kind,
                    int64_t period, int64_t generation, bl_err_t *err)
{
    bl_mpw_reset(&l->w);
    bl_mpw_map(&l->w, 3);
    bl_mpw_str(&l->w, "kind");
    bl_mpw_str(&l->w, kind);
    bl_mpw_str(&l->w, "period");
    bl_mpw_int(&l->w, period);
    bl_mpw_str(&l->w, "generation");
    bl_mpw_int(&l->w, generation);
    return s_put_uplink(l, txn, err);
}

/* The register without the names of providers that do not share them. */
static int s_send_register(benchmark_link_t *l, MDB_txn *txn, bl_err_t *err)
{
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, l->env.db_register, &cur);
    if (rc != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    uint32_t count = 0;
    bl_mpw_reset(&l->rows);
    MDB_val k, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    rc = 0;
    while (rc == 0 && mrc == 0) {
        bl_mpr_t r;
        bl_mpr_init(&r, v.mv_data, v.mv_size);
        uint32_t eight;
        const uint8_t *rest;
        size_t rest_len;
        const char *name;
        uint32_t nl;
        if (bl_mpr_array(&r, &eight) == 0 && eight == 8 &&
            bl_mpr_str(&r, &name, &nl) == 0) {
            /* [name, country, service_type, users, staff, membership,
             * member_since, share_identity]: the last tells. */
            bl_mpr_t look = r;
            for (int i = 0; i < 6; i++) {
                bl_mpr_skip(&look);
            }
            bool share = false;
            bl_mpr_bool(&look, &share);
            rest = r.p;
            rest_len = (size_t)(r.end - r.p);
            bl_mpw_array(&l->rows, 2);
            bl_mpw_strn(&l->rows, k.mv_data, k.mv_size);
            bl_mpw_array(&l->rows, 8);
            bl_mpw_strn(&l->rows, share ? name : "", share ? nl : 0);
            bl_mpw_raw(&l->rows, rest, rest_len);
            if (++count == S_ROWS_PER_MSG) {
                rc = s_flush_rows(l, txn, "register", 0, &count, err);
            }
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc == 0) {
        rc = s_flush_rows(l, txn, "register", 0, &count, err);
    }
    return rc;
}

/* Provider-level values with status ok of the given generation. */
static int s_send_values(benchmark_link_t *l, MDB_txn *txn, int64_t period,
                         int64_t generation, bl_err_t *err)
{
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    MDB_cursor *cur;
    int rc = mdb_cursor_open(txn, l->env.db_values, &cur);
    if (rc != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    uint32_t count = 0;
    bl_mpw_reset(&l->rows);
    MDB_val k = {pl, prefix}, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && mrc == 0 && k.mv_size >= pl &&
           memcmp(k.mv_data, prefix, pl) == 0) {
        char buf[S_KEY_MAX];
        const char *parts[4];
        bl_mpr_t r;
        bl_mpr_init(&r, v.mv_data, v.mv_size);
        uint32_t two, five;
        int64_t gen;
        const uint8_t *val;
        size_t vl;
        if (bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, parts, 4) ==
                4 &&
            parts[2][0] == '\0' && bl_mpr_array(&r, &two) == 0 &&
            bl_mpr_int(&r, &gen) == 0 && gen == generation &&
            bl_mpr_raw(&r, &val, &vl) == 0) {
            /* [value, numerator, denominator, n, status]: ok and present */
            bl_mpr_t q;
            bl_mpr_init(&q, val, vl);
            if (bl_mpr_array(&q, &five) == 0 && five == 5 && !bl_mpr_nil(&q)) {
                /* value (present), numerator, denominator, n */
                for (int i = 0; i < 4; i++) {
                    bl_mpr_skip(&q);
                }
                const char *st;
                uint32_t stl;
                if (bl_mpr_str(&q, &st, &stl) == 0 &&
                    bl_mp_str_eq(st, stl, "ok")) {
                    bl_mpw_array(&l->rows, 3);
                    bl_mpw_str(&l->rows, parts[1]);
                    bl_mpw_str(&l->rows, parts[3]);
                    bl_mpw_raw(&l->rows, val, vl);
                    if (++count == S_ROWS_PER_MSG) {
                        rc = s_flush_rows(l, txn, "values", period, &count,
                                          err);
                    }
                }
            }
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc == 0) {
        rc = s_flush_rows(l, txn, "values", period, &count, err);
    }
    return rc;
}

/* This node's peer groups and their statistics of period, so that a
 * reference to a national statistic resolves on the international node. */
static int s_send_stats(benchmark_link_t *l, MDB_txn *txn, int64_t period,
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
    int rc = s_flush_rows(l, txn, "groups", period, &count, err);
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    MDB_cursor *cur;
    if (rc == 0 && (rc = mdb_cursor_open(txn, l->env.db_stats, &cur)) != 0) {
        return bl_err_set(err, BL_ESTORE, "mdb_cursor_open: %s",
                          mdb_strerror(rc));
    }
    if (rc != 0) {
        return rc;
    }
    MDB_val k = {pl, prefix}, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
    while (rc == 0 && mrc == 0 && k.mv_size >= pl &&
           memcmp(k.mv_data, prefix, pl) == 0) {
        char buf[S_KEY_MAX];
        const char *parts[4];
        if (bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, parts, 4) ==
                4 &&
            bl_config_find_group(l->cfg, parts[2]) >= 0) {
            bl_mpw_array(&l->rows, 4);
            bl_mpw_str(&l->rows, parts[1]);
            bl_mpw_str(&l->rows, parts[2]);
            bl_mpw_str(&l->rows, parts[3]);
            bl_mpw_raw(&l->rows, v.mv_data, v.mv_size);
            if (++count == S_ROWS_PER_MSG) {
                rc = s_flush_rows(l, txn, "stats", period, &count, err);
            }
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    if (rc == 0) {
        rc = s_flush_rows(l, txn, "stats", period, &count, err);
    }
    return rc;
}

int benchmark_link_send_period(benchmark_link_t *l, MDB_txn *txn,
                               int64_t period, int64_t generation,
                               bl_err_t *err)
{
    if (l == NULL || l->uplink == NULL) {
        return 0;
    }
    int rc = s_marker(l, txn, "begin", period, generation, err);
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
        rc = s_marker(l, txn, "close", period, generation, err);
    }
    return rc;
}

/* ---- national: downlink ------------------------------------------------- */

static int s_request(benchmark_link_t *l, const bl_mpw_t *payload)
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

static void s_ask_state(benchmark_link_t *l)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, 1);
    bl_mpw_str(&w, "cmd");
    bl_mpw_str(&w, "downlink_state");
    if (s_request(l, &w) == 0) {
        l->state = S_WAIT_STATE;
    } else {
        s_set_error(l, "the international node at %s is not reachable",
                    l->cfg->upstream_endpoint);
    }
    bl_mpw_destroy(&w);
}

static void s_ask_page(benchmark_link_t *l)
{
    bl_mpw_t w;
    bl_mpw_init(&w);
    bl_mpw_map(&w, l->after ? 5 : 4);
    bl_mpw_str(&w, "cmd");
    bl_mpw_str(&w, "downlink");
    bl_mpw_str(&w, "period");
    bl_mpw_int(&w, l->fetch_period);
    bl_mpw_str(&w, "what");
    static const char *const whats[] = {"stats", "positions", "band4"};
    bl_mpw_str(&w, whats[l->fetch_what]);
    bl_mpw_str(&w, "limit");
    bl_mpw_uint(&w, S_PAGE);
    if (l->after) {
        bl_mpw_str(&w, "after");
        bl_mpw_strn(&w, l->after, l->after_len);
    }
    if (s_request(l, &w) == 0) {
        l->state = S_WAIT_PAGE;
    } else {
        l->state = S_IDLE;
    }
    bl_mpw_destroy(&w);
}

static bool s_is_external(void *ctx, const char *const *parts, size_t n)
{
    const benchmark_link_t *l = ctx;
    for (size_t g = 0; n > 2 && g < l->n_xgroups; g++) {
        if (strcmp(parts[2], l->xgroups[g].id) == 0) {
            return true;
        }
    }
    return false;
}

/* Deletes period's rows of the international node's groups from dbi
 * (statistics or positions: the group id is the third key part). */
static int s_delete_external(benchmark_link_t *l, MDB_txn *txn, MDB_dbi dbi,
                             int64_t period, bl_err_t *err)
{
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    return bl_page_delete_where(txn, dbi, prefix, pl, s_is_external, l, err);
}

/* Stores rows [period, ..., value] (parts joined again) skipping the part
 * at index skip (the country of a positions row), or none when skip < 0. */
static int s_store_rows(MDB_txn *txn, MDB_dbi dbi, const bl_mpw_t *rows,
                        uint32_t n, int skip, bl_err_t *err)
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
        int rc = bl_store_put(txn, dbi, key, kl, val, vl, err);
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int s_apply_fetched(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    benchmark_link_t *l = ctx;
    int64_t p = l->fetch_period;
    int rc = s_delete_external(l, txn, l->env.db_stats, p, err);
    if (rc == 0) {
        rc = s_delete_external(l, txn, l->env.db_positions, p, err);
    }
    if (rc == 0) {
        rc = s_store_rows(txn, l->env.db_stats, &l->fetched[0],
                          l->n_fetched[0], -1, err);
    }
    if (rc == 0) {
        rc = s_store_rows(txn, l->env.db_positions, &l->fetched[1],
                          l->n_fetched[1], 1, err);
    }
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 p);
    if (rc == 0) {
        rc = bl_page_delete(txn, l->env.db_xband4, prefix, pl, err);
    }
    if (rc == 0) {
        rc = s_store_rows(txn, l->env.db_xband4, &l->fetched[2],
                          l->n_fetched[2], 1, err);
    }
    bl_mpw_t g;
    bl_mpw_init(&g);
    s_write_groups(&g, l->xgroups, l->n_xgroups);
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
static void s_on_state(benchmark_link_t *l, const bl_msg_t *m)
{
    char cn[BL_MSG_NAME_MAX] = "", cv[BL_MSG_NAME_MAX] = "";
    bl_req_str(m, "cn", cn, sizeof cn);
    bl_req_str(m, "cv", cv, sizeof cv);
    const bl_catalogue_t *cat = l->cfg->catalogue;
    if (strcmp(cn, cat->name) != 0 || strcmp(cv, cat->version) != 0) {
        s_set_error(l, "catalogue mismatch: this node has %s %s, the "
                       "international node %s %s",
                    cat->name, cat->version, cn, cv);
        l->state = S_IDLE;
        return;
    }
    bl_mpr_t r;
    if (bl_req_find(m, "groups", &r) != 0 || s_read_groups(l, &r) != 0) {
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
    uint32_t n;
    l->state = S_IDLE;
    if (bl_req_find(m, "periods", &r) != 0 || bl_mpr_array(&r, &n) != 0) {
        return;
    }
    MDB_txn *txn;
    if (bl_store_read(bl_daemon_store(l->env.d), &txn, NULL) != 0) {
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t two;
        int64_t period, gen;
        if (bl_mpr_array(&r, &two) || bl_mpr_int(&r, &period) ||
            bl_mpr_int(&r, &gen)) {
            break;
        }
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
            for (int w = 0; w < 3; w++) {
                bl_mpw_reset(&l->fetched[w]);
                l->n_fetched[w] = 0;
            }
            break;
        }
    }
    mdb_txn_abort(txn);
    l->error[0] = '\0';
    if (l->fetch_gen > 0) {
        s_ask_page(l);
    }
}

static void s_on_page(benchmark_link_t *l, const bl_msg_t *m)
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
    if (l->fetch_what < 2) {
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
               " generation=%" PRId64 " stats=%u positions=%u band4=%u",
               l->fetch_period, l->fetch_gen, l->n_fetched[0],
               l->n_fetched[1], l->n_fetched[2]);
    }
    for (int w = 0; w < 3; w++) {
        bl_mpw_reset(&l->fetched[w]);
        l->n_fetched[w] = 0;
    }
    l->fetch_gen = 0;
    l->state = S_IDLE;
    l->next_poll_ms = 0;  /* there may be another period waiting */
}

/* Anything from the international node: the link is up. */
static void s_contact(benchmark_link_t *l)
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
    benchmark_link_t *l = ctx;
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
    benchmark_link_t *l = ctx;
    bl_err_t err = {0};
    s_contact(l);
    if (bl_outbox_on_readable(l->uplink, 0, &err) != 0) {
        s_set_error(l, "uplink: %s", err.msg);
    }
}

/* ---- international: the door -------------------------------------------- */

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

/* A register entry as the national node keeps it: [name, country,
 * service_type, users, staff, membership, member_since, share]. */
static const char *s_register_problem(bl_mpr_t *r, const char *country,
                                      const bl_catalogue_t *cat)
{
    uint32_t eight;
    char name[512], c[8], st[64], membership[16], since[16];
    int64_t users, staff;
    bool share;
    if (bl_mpr_array(r, &eight) || eight != 8 ||
        bl_mpr_str_copy(r, name, sizeof name) ||
        bl_mpr_str_copy(r, c, sizeof c) ||
        bl_mpr_str_copy(r, st, sizeof st) || bl_mpr_int(r, &users) ||
        bl_mpr_int(r, &staff) ||
        bl_mpr_str_copy(r, membership, sizeof membership) ||
        bl_mpr_str_copy(r, since, sizeof since) || bl_mpr_bool(r, &share)) {
        return "a malformed register entry";
    }
    if (strcmp(c, country) != 0) {
        return "a register entry of another country";
    }
    if (!bl_catalogue_has_service_type(cat, st)) {
        return "an unknown service type";
    }
    if (users < 0 || staff < 0) {
        return "a negative head count";
    }
    if (strcmp(membership, "assurance") && strcmp(membership, "excellence") &&
        strcmp(membership, "stairway") && strcmp(membership, "potential")) {
        return "an unknown membership";
    }
    return strlen(since) == 10 ? NULL : "a malformed member_since";
}

static bool s_number_ok(double x)
{
    return isfinite(x) && fabs(x) <= S_VALUE_BOUND;
}

/* A value as the national node computed it: [value, numerator,
 * denominator, n, status], status ok and the value within range. */
static const char *s_value_problem(bl_mpr_t *r, const bl_indicator_t *def)
{
    uint32_t five;
    bool has[4];
    double x[4];
    char status[16];
    if (bl_mpr_array(r, &five) || five != 5) {
        return "a malformed value";
    }
    for (int i = 0; i < 4; i++) {
        if (bl_mpr_opt_double(r, &has[i], &x[i]) != 0) {
            return "a malformed value";
        }
    }
    if (bl_mpr_str_copy(r, status, sizeof status) != 0 ||
        strcmp(status, "ok") != 0) {
        return "a value that is not ok";
    }
    if (!has[0] || isnan(x[0])) {
        return "a missing value";
    }
    if (def->has_range && (x[0] < def->range_min || x[0] > def->range_max)) {
        return "a value outside the indicator's range";
    }
    if (!s_number_ok(x[0])) {
        return "an impossible value";
    }
    for (int i = 1; i < 4; i++) {
        if (has[i] && (!s_number_ok(x[i]) || x[i] < 0)) {
            return "an impossible numerator, denominator or n";
        }
    }
    return NULL;
}

/* Checks every row of an uplink message before anything is applied: a
 * provider id of the sender's country, and a register entry or value of
 * the right shape.  One bad row refuses the whole message. */
static int s_check_rows(const bl_msg_t *m, const char *kind, bl_mpr_t r,
                        uint32_t n, const bl_catalogue_t *cat, bl_err_t *err)
{
    bool reg = strcmp(kind, "register") == 0;
    if (!reg && strcmp(kind, "values") != 0) {
        return s_door_refuse(err, m, "an unknown uplink message '%s'", kind);
    }
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k;
        char provider[64];
        if (bl_mpr_array(&r, &k) != 0 || k != (reg ? 2u : 3u) ||
            bl_mpr_str_copy(&r, provider, sizeof provider) != 0) {
            return s_door_refuse(err, m, "a malformed row in a %s message",
                                 kind);
        }
        if (!s_provider_ok(provider, m->peer)) {
            return s_door_refuse(err, m,
                                 "provider %s is not of the sender's country; "
                                 "nothing of the message applied",
                                 provider);
        }
        const char *problem;
        if (reg) {
            problem = s_register_problem(&r, m->peer, cat);
        } else {
            char ind[64] = "";
            int k2 = -1;
            if (bl_mpr_str_copy(&r, ind, sizeof ind) == 0) {
                k2 = bl_catalogue_find_indicator(cat, ind);
            }
            if (k2 < 0) {
                return s_door_refuse(err, m,
                                     "unknown indicator '%s'; nothing of the "
                                     "message applied",
                                     ind);
            }
            problem = s_value_problem(&r, &cat->indicators[k2]);
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
static int s_drop_country(benchmark_link_t *l, MDB_txn *txn, int64_t period,
                          const char *country, bl_err_t *err)
{
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix,
                                 "%" PRId64 "\x1f%.2s-", period, country);
    int rc = bl_page_delete(txn, l->env.db_values, prefix, pl, err);
    pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f%.2s\x1f",
                          period, country);
    return rc != 0 ? rc
                   : bl_page_delete(txn, l->env.db_xstats, prefix, pl, err);
}

/* A national node's peer groups (meta "ngroups.<country>") or their
 * statistics (xstats), checked whole before anything is applied. */
static int s_door_stats(benchmark_link_t *l, MDB_txn *txn, const bl_msg_t *m,
                        const char *kind, int64_t period, bl_err_t *err)
{
    bl_mpr_t r;
    if (bl_req_find(m, "rows", &r) != 0) {
        return s_door_refuse(err, m, "an uplink message without rows%s", "");
    }
    char key[S_KEY_MAX];
    if (strcmp(kind, "groups") == 0) {
        bl_peer_group_t gs[S_GROUPS_MAX];
        size_t ng = 0;
        bl_mpr_t look = r;
        int rc = benchmark_external_read_groups(&look, gs, S_GROUPS_MAX, &ng);
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
    uint32_t n;
    if (bl_mpr_array(&r, &n) != 0) {
        return s_door_refuse(err, m, "malformed statistics%s", "");
    }
    const bl_catalogue_t *cat = l->cfg->catalogue;
    for (int pass = 0; pass < 2; pass++) {
        bl_mpr_t q = r;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t four;
            char ind[64], grp[64], gk[BC_KEY_MAX];
            const uint8_t *val;
            size_t vl;
            bl_summary_t s;
            if (bl_mpr_array(&q, &four) || four != 4 ||
                bl_mpr_str_copy(&q, ind, sizeof ind) ||
                bl_mpr_str_copy(&q, grp, sizeof grp) ||
                bl_mpr_str_copy(&q, gk, sizeof gk) ||
                bl_mpr_raw(&q, &val, &vl) ||
                bl_catalogue_find_indicator(cat, ind) < 0 ||
                benchmark_external_read_stat(val, vl, &s, NULL) != 0) {
                return s_door_refuse(err, m, "a malformed statistics row%s",
                                     "");
            }
            if (pass == 0) {
                continue;
            }
            char p[24], c[3];
            snprintf(p, sizeof p, "%" PRId64, period);
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
    benchmark_link_t *l = ctx;
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
    char kind[16];
    int64_t period = 0, gen = 0;
    if (bl_req_str(m, "kind", kind, sizeof kind) != 0) {
        return s_door_refuse(err, m, "an uplink message without kind%s", "");
    }
    bl_req_int(m, "period", &period);
    bl_req_int(m, "generation", &gen);
    if (strcmp(kind, "begin") == 0) {
        return s_drop_country(l, txn, period, m->peer, err);
    }
    if (strcmp(kind, "groups") == 0 || strcmp(kind, "stats") == 0) {
        return s_door_stats(l, txn, m, kind, period, err);
    }
    if (strcmp(kind, "close") == 0) {
        bl_log(BL_LOG_INFO, "national close country=%s period=%" PRId64,
               m->peer, period);
        return l->env.recompute(l->env.ctx, txn, period, err);
    }
    bl_mpr_t r;
    uint32_t n;
    if (bl_req_find(m, "rows", &r) != 0 || bl_mpr_array(&r, &n) != 0) {
        return s_door_refuse(err, m, "an uplink message without rows%s", "");
    }
    int rc = s_check_rows(m, kind, r, n, cat, err);
    if (rc != 0) {
        return rc;
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k;
        char provider[64], ind[64];
        const uint8_t *val;
        size_t vl;
        bl_mpr_array(&r, &k);
        bl_mpr_str_copy(&r, provider, sizeof provider);
        if (strcmp(kind, "register") == 0 && k == 2) {
            if (bl_mpr_raw(&r, &val, &vl) != 0) {
                return s_door_refuse(err, m, "a malformed row%s", "");
            }
            rc = bl_store_put(txn, l->env.db_register, provider,
                              strlen(provider), val, vl, err);
        } else if (strcmp(kind, "values") == 0 && k == 3) {
            if (bl_mpr_str_copy(&r, ind, sizeof ind) != 0 ||
                bl_mpr_raw(&r, &val, &vl) != 0) {
                return s_door_refuse(err, m, "a malformed row%s", "");
            }
            if (bl_catalogue_find_indicator(cat, ind) < 0) {
                return s_door_refuse(err, m, "unknown indicator %s", ind);
            }
            const char *parts[] = {p, provider, "", ind};
            char key[S_KEY_MAX];
            size_t kl = bl_page_join(key, sizeof key, parts, 4);
            bl_mpw_reset(&l->w);
            bl_mpw_array(&l->w, 2);
            bl_mpw_int(&l->w, gen);
            bl_mpw_raw(&l->w, val, vl);
            rc = bl_store_put(txn, l->env.db_values, key, kl,
                              bl_mpw_data(&l->w), bl_mpw_size(&l->w), err);
        } else {
            return s_door_refuse(err, m, "an unknown uplink row of %s", kind);
        }
        if (rc != 0) {
            return rc;
        }
    }
    return 0;
}

static int s_door_request(void *ctx, MDB_txn *txn, const bl_msg_t *m,
                          bl_mpw_t *reply, bl_err_t *err)
{
    benchmark_link_t *l = ctx;
    char cmd[32];
    if (m->peer[0] == '\0' || bl_req_str(m, "cmd", cmd, sizeof cmd) != 0) {
        bl_reply_error(reply, "not a request of an authenticated node");
        return 0;
    }
    if (strcmp(cmd, "downlink_state") == 0) {
        bl_mpw_t periods;
        bl_mpw_init(&periods);
        uint32_t np = 0;
        MDB_cursor *cur;
        if (mdb_cursor_open(txn, bl_daemon_meta(l->env.d), &cur) == 0) {
            MDB_val k = {4, "gen."}, v;
            int mrc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
            while (mrc == 0 && k.mv_size > 4 && k.mv_size < 24 &&
                   memcmp(k.mv_data, "gen.", 4) == 0 && v.mv_size == 8) {
                bl_mpw_array(&periods, 2);
                bl_mpw_int(&periods,
                           strtoll((const char *)k.mv_data + 4, NULL, 10));
                bl_mpw_uint(&periods, bl_store_u64_from(v.mv_data));
                np++;
                mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
            }
            mdb_cursor_close(cur);
        }
        bl_reply_begin(reply, 4);
        bl_mpw_str(reply, "cn");
        bl_mpw_str(reply, l->cfg->catalogue->name);
        bl_mpw_str(reply, "cv");
        bl_mpw_str(reply, l->cfg->catalogue->version);
        bl_mpw_str(reply, "groups");
        s_write_groups(reply, l->cfg->groups, l->cfg->n_groups);
        bl_mpw_str(reply, "periods");
        bl_mpw_array(reply, np);
        bl_mpw_raw(reply, bl_mpw_data(&periods), bl_mpw_size(&periods));
        bl_mpw_destroy(&periods);
        return 0;
    }
    if (strcmp(cmd, "downlink") != 0) {
        bl_reply_error(reply, "unknown command '%s'", cmd);
        return 0;
    }
    int64_t period, limit = S_PAGE;
    char what[16];
    if (bl_req_int(m, "period", &period) != 0 ||
        bl_req_str(m, "what", what, sizeof what) != 0) {
        bl_reply_error(reply, "downlink needs a period and what");
        return 0;
    }
    bl_req_int(m, "limit", &limit);
    if (limit < 1 || limit > 50000) {
        limit = S_PAGE;
    }
    char prefix[48];
    size_t pl;
    MDB_dbi dbi;
    if (strcmp(what, "stats") == 0) {
        pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                              period);
        dbi = l->env.db_stats;
    } else {
        /* Only the asking country's own providers' positions, and the
         * band-4 members as that country may see them. */
        pl = (size_t)snprintf(prefix, sizeof prefix,
                              "%" PRId64 "\x1f%.2s\x1f", period, m->peer);
        dbi = strcmp(what, "band4") == 0 ? l->env.db_cband4 : l->env.db_cpos;
    }
    bl_mpr_t r;
    const char *after = NULL;
    uint32_t al = 0;
    if (bl_req_find(m, "after", &r) != 0 || bl_mpr_str(&r, &after, &al) != 0) {
        after = NULL;
        al = 0;
    }
    return bl_page_reply(txn, dbi, prefix, pl, after, al, (size_t)limit,
                         reply, err);
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
    benchmark_link_t *l = ctx;
    bl_zap_on_monitor(l->zap, s_handshake_refused, l);
}

/* SIGHUP: the new allow list; a removed key's session is refused from its
 * next message on (the door's gate), the others go on. */
static int s_reload(void *ctx, const bl_config_t *cfg, bl_err_t *err)
{
    benchmark_link_t *l = ctx;
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
    benchmark_link_t *l = ctx;
    bl_zap_on_readable(l->zap, s_zap_refused, l);
}

static void s_on_door(void *ctx, void *sock)
{
    (void)sock;
    benchmark_link_t *l = ctx;
    bl_err_t err = {0};
    if (bl_inbox_on_readable(l->door, &err) != 0) {
        bl_log(BL_LOG_ERROR, "link: batch not applied: %s", err.msg);
    }
}

/* ---- life cycle --------------------------------------------------------- */

/* Heartbeats every fifth of link_heartbeat_s: bl_net drops a connection
 * that stays silent for five of them, so a link cut without a reset is
 * noticed (and reconnected) within link_heartbeat_s. */
static int s_heartbeat_ms(const bl_config_t *cfg)
{
    return cfg->link_heartbeat_s * 1000 / 5;
}

static int s_open_national(benchmark_link_t *l, bl_err_t *err)
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
                          s_heartbeat_ms(cfg)};
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

static int s_open_international(benchmark_link_t *l, bl_err_t *err)
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
    bl_net_link_t link = {secret, NULL, NULL, s_heartbeat_ms(cfg)};
    bl_inbox_handlers_t h = {s_door_apply, s_door_request, s_door_refused,
                             NULL};
    bl_msg_t tmpl = *bl_daemon_template(l->env.d);
    rc = bl_inbox_open(&l->door, bl_daemon_zctx(l->env.d),
                       bl_daemon_store(l->env.d), l->env.db_seen,
                       cfg->listen, &link, &h, l, &tmpl, err);
    if (rc != 0) {
        return rc;
    }
    bl_inbox_set_gate(l->door, bl_zap_admits, l->zap);
    return bl_zap_watch(l->zap, bl_daemon_zctx(l->env.d),
                        bl_inbox_socket(l->door), err);
}

int benchmark_link_open(benchmark_link_t **out,
                        const benchmark_link_env_t *env, bl_err_t *err)
{
    *out = NULL;
    benchmark_link_t *l = calloc(1, sizeof *l);
    if (l == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    l->env = *env;
    l->cfg = bl_daemon_config(env->d);
    bl_mpw_init(&l->w);
    bl_mpw_init(&l->rows);
    for (int w = 0; w < 3; w++) {
        bl_mpw_init(&l->fetched[w]);
    }
    int rc = 0;
    if (l->cfg->upstream_endpoint != NULL) {
        rc = s_open_national(l, err);
    } else if (l->cfg->listen != NULL) {
        rc = s_open_international(l, err);
    }
    if (rc != 0) {
        bl_err_prefix(err, "link");
        benchmark_link_close(&l);
        return rc;
    }
    *out = l;
    return 0;
}

int benchmark_link_register(benchmark_link_t *l, bl_daemon_t *d)
{
    int rc = 0;
    if (l == NULL) {
        return 0;
    }
    if (l->uplink) {
        rc |= bl_daemon_add_socket(d, bl_outbox_socket(l->uplink, 0),
                                   s_on_uplink_acks, l);
        rc |= bl_daemon_add_socket(d, l->requests, s_on_requests, l);
    }
    if (l->zap) {
        rc |= bl_daemon_add_socket(d, bl_zap_socket(l->zap), s_on_zap, l);
        rc |= bl_daemon_add_socket(d, bl_inbox_socket(l->door), s_on_door, l);
        rc |= bl_daemon_add_socket(d, bl_zap_monitor_socket(l->zap),
                                   s_on_monitor, l);
        rc |= bl_daemon_on_reload(d, s_reload, l);
    }
    return rc;
}

void benchmark_link_close(benchmark_link_t **link)
{
    if (link == NULL || *link == NULL) {
        return;
    }
    benchmark_link_t *l = *link;
    bl_inbox_close(&l->door);
    bl_zap_close(&l->zap);
    bl_outbox_close(&l->uplink);
    bl_net_close(&l->requests);
    s_free_groups(l);
    free(l->after);
    bl_mpw_destroy(&l->w);
    bl_mpw_destroy(&l->rows);
    for (int w = 0; w < 3; w++) {
        bl_mpw_destroy(&l->fetched[w]);
    }
    free(l);
    *link = NULL;
}

size_t benchmark_link_groups(const benchmark_link_t *l,
                             const bl_peer_group_t **groups)
{
    *groups = l ? l->xgroups : NULL;
    return l ? l->n_xgroups : 0;
}

void benchmark_link_tick(benchmark_link_t *l)
{
    if (l == NULL || l->uplink == NULL) {
        return;
    }
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

uint32_t benchmark_link_health(benchmark_link_t *l, bl_mpw_t *reply)
{
    if (l == NULL || (l->uplink == NULL && l->zap == NULL)) {
        return 0;
    }
    if (l->zap != NULL) {
        bl_mpw_str(reply, "link_in");
        bl_mpw_uint(reply, bl_inbox_applied(l->door));
        bl_mpw_str(reply, "link_refused");
        bl_mpw_uint(reply,
                    bl_inbox_refused(l->door) + bl_zap_refused(l->zap));
        return 2;
    }
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
