/*
 * benchmark: values in, benchmark out (see benchmark.h).  This file is
 * the daemon: it applies the messages that come in, loads the register
 * and values of a period, and runs a computation in order — compute
 * (benchmark_compute.h), store what it found (benchmark_store.h) and
 * what learning needs (benchmark_learning.h), send the results to the
 * report daemon (benchmark_results.h).  The state these files share is
 * benchmark_state.h.
 *
 * Store (keys are \x1f-joined text, see bl_page.h):
 *   register   provider -> [name, country, service_type, users, staff,
 *                           membership, member_since, share_identity]
 *   values     period \x1f provider \x1f unit \x1f indicator
 *              -> [generation, [value, numerator, denominator, n, status]]
 *   stats, positions, corrs, cpos: what a computation found, see
 *              benchmark_store.h
 *   xband4, xstats: the groups of another node; cband4: the international
 *              node's band-4 rows, written once and shown to each country
 *              by the door; see benchmark_external.h.  cpos and cband4
 *              are only written while the allow list names a national
 *              node (benchmark_t.downlink): nobody else can fetch them
 * meta: "gen.<period>" the generation computed last; "marks.<period>.<gen>"
 * close markers received for it.  Improvement actions, practices and
 * what the learning exports need: benchmark_learning.h.
 */
#include "benchmark.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark_compute.h"
#include "benchmark_external.h"
#include "benchmark_learning.h"
#include "benchmark_link.h"
#include "benchmark_results.h"
#include "benchmark_state.h"
#include "benchmark_store.h"
#include "bl_bundle.h"
#include "bl_close_codec.h"
#include "bl_log.h"
#include "bl_net.h"
#include "bl_page.h"
#include "bl_register_codec.h"
#include "bl_scan.h"
#include "bl_values_codec.h"
#include "bl_vec.h"

static const char *const s_dbs[] = {BENCHMARK_DB_NAMES};

#define S_KEY_MAX BL_STORE_KEY_MAX

/* ---- messages in -------------------------------------------------------- */

static int s_apply_register(benchmark_t *b, MDB_txn *txn, const bl_msg_t *msg,
                            bl_err_t *err)
{
    bl_register_reader_t rd;
    if (bl_register_open(&rd, msg->payload, msg->payload_len, err) != 0) {
        return BL_EPROTO;
    }
    bl_register_row_t row;
    int rc;
    while ((rc = bl_register_next(&rd, &row, err)) == 0) {
        rc = bl_store_put(txn, bl_daemon_dbi(b->d, DB_REGISTER), row.provider,
                          strlen(row.provider), row.entry_raw, row.entry_len,
                          err);
        if (rc != 0) {
            return rc;
        }
    }
    return rc == BL_ENOTFOUND ? 0 : rc;
}

/* A values message's rows as bundles (period, provider and unit; the
 * indicator is the row's sub), ready to merge into the stored ones.  0,
 * BL_EPROTO (detail in why) or BL_ENOMEM.  Reads only the message: the
 * inbox's prepare thread runs it ahead (s_prepare). */
static int s_values_rows(const bl_msg_t *msg, bl_bundle_rows_t *rows,
                         bl_mpw_t *w, const char **why)
{
    bl_values_reader_t rd;
    if (bl_values_open(&rd, msg->payload, msg->payload_len) != 0) {
        *why = "malformed values message";
        return BL_EPROTO;
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, rd.period);
    bl_values_row_t row;
    int rc;
    while ((rc = bl_values_next(&rd, &row)) == 0) {
        int arc = benchmark_value_add(rows, w, p, row.provider, row.unit,
                                      row.indicator, rd.generation,
                                      row.value_raw, row.value_len);
        if (arc != 0) {
            *why = arc == BL_EPROTO ? "a value's key is too long"
                                    : "out of memory";
            return arc;
        }
    }
    if (rc != BL_ENOTFOUND) {
        *why = "malformed value row";
        return BL_EPROTO;
    }
    return 0;
}

/* What the inbox's prepare thread makes of a values message. */
typedef struct s_prepared_values {
    bl_bundle_rows_t rows;
} s_prepared_values_t;

static void *s_prepare(void *svc, const bl_msg_t *msg)
{
    (void)svc;
    if (msg->type != BL_MSG_VALUES) {
        return NULL;
    }
    s_prepared_values_t *pv = malloc(sizeof *pv);
    if (pv == NULL) {
        return NULL;
    }
    bl_bundle_rows_init(&pv->rows);
    bl_mpw_t w;
    bl_mpw_init(&w);
    const char *why = NULL;
    int rc = s_values_rows(msg, &pv->rows, &w, &why);
    bl_mpw_destroy(&w);
    if (rc != 0) {   /* apply decodes it again and says why */
        bl_bundle_rows_destroy(&pv->rows);
        free(pv);
        return NULL;
    }
    return pv;
}

static void s_release_prepared(void *svc, void *prepared)
{
    (void)svc;
    s_prepared_values_t *pv = prepared;
    bl_bundle_rows_destroy(&pv->rows);
    free(pv);
}

static int s_apply_values(benchmark_t *b, MDB_txn *txn, const bl_msg_t *msg,
                          bl_err_t *err)
{
    /* A provider's cells of one unit are one bundle (period, provider,
     * unit; the indicator is the row's sub): they arrive over several
     * messages and passes, so each message's rows merge into it. */
    MDB_dbi values = bl_daemon_dbi(b->d, DB_VALUES);
    if (msg->prepared != NULL) {
        /* (kept: a batch that runs again puts them again) */
        s_prepared_values_t *pv = msg->prepared;
        return bl_bundle_rows_write(&pv->rows, txn, values, err);
    }
    bl_bundle_rows_t rows;
    bl_bundle_rows_init(&rows);
    const char *why = NULL;
    int rc = s_values_rows(msg, &rows, &b->w, &why);
    if (rc != 0) {
        bl_bundle_rows_destroy(&rows);
        return bl_err_set(err, rc == BL_ENOMEM ? BL_ENOMEM : BL_EPROTO, "%s",
                          why);
    }
    rc = bl_bundle_rows_put(&rows, txn, values, err);
    bl_bundle_rows_destroy(&rows);
    return rc;
}

/* ---- loading what the computation needs --------------------------------- */

static int s_load_register(benchmark_t *b, MDB_txn *txn, bc_provider_t **out,
                           size_t *n_out, bl_err_t *err)
{
    MDB_stat st;
    int rc = mdb_stat(txn, bl_daemon_dbi(b->d, DB_REGISTER), &st);
    if (rc != 0) {
        return bl_store_fail(err, rc, "mdb_stat");
    }
    bc_provider_t *ps = calloc(st.ms_entries ? st.ms_entries : 1, sizeof *ps);
    if (ps == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    MDB_cursor *cur;
    rc = bl_store_cursor(txn, bl_daemon_dbi(b->d, DB_REGISTER), &cur, err);
    if (rc != 0) {
        free(ps);
        return rc;
    }
    size_t n = 0;
    MDB_val k, v;
    int mrc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
    while (mrc == 0 && n < st.ms_entries) {
        bc_provider_t *p = &ps[n];
        bl_register_entry_t e;
        if (k.mv_size < sizeof p->id &&
            bl_register_decode_entry(v.mv_data, v.mv_size, &e, NULL) == 0) {
            memcpy(p->id, k.mv_data, k.mv_size);
            p->id[k.mv_size] = '\0';
            snprintf(p->name, sizeof p->name, "%s", e.name);
            snprintf(p->country, sizeof p->country, "%s", e.country);
            snprintf(p->service_type, sizeof p->service_type, "%s",
                     e.service_type);
            snprintf(p->membership, sizeof p->membership, "%s", e.membership);
            snprintf(p->member_since, sizeof p->member_since, "%s",
                     e.member_since);
            p->share_identity = e.share_identity;
            p->users = e.users;
            p->staff = e.staff;
            n++;
        }
        mrc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
    }
    mdb_cursor_close(cur);
    *out = ps;
    *n_out = n;
    return 0;
}

/* (benchmark_link.h: the door stores national values the same way.) */
int benchmark_value_add(bl_bundle_rows_t *rows, bl_mpw_t *w,
                        const char *period, const char *provider,
                        const char *unit, const char *indicator, int64_t gen,
                        const void *value, size_t len)
{
    const char *parts[] = {period, provider, unit, indicator};
    char key[S_KEY_MAX];
    size_t kl = bl_page_join(key, sizeof key, parts, 4);
    if (kl == 0) {
        return BL_EPROTO;
    }
    bl_mpw_reset(w);
    bl_mpw_array(w, 2);
    bl_mpw_int(w, gen);
    bl_mpw_raw(w, value, len);
    return bl_bundle_rows_add(rows, key, kl, bl_mpw_data(w), bl_mpw_size(w));
}

/* Decodes a stored value [gen, value] (value: bl_values_codec.h). */
bool benchmark_decode_value(const MDB_val *v, int64_t *gen, benchmark_cell_t *c)
{
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t two;
    bl_value_t value;
    memset(c, 0, sizeof *c);
    if (bl_mpr_array(&r, &two) != 0 || two != 2 || bl_mpr_int(&r, gen) != 0 ||
        bl_values_read_value(&r, &value) != 0) {
        return false;
    }
    c->status = value.status;
    c->has_value = value.has_value;
    c->value = value.value;
    c->has_num = value.has_numerator;
    c->num = value.numerator;
    c->has_den = value.has_denominator;
    c->den = value.denominator;
    c->has_n = value.has_n;
    c->n = (double)value.n;
    return true;
}

typedef struct s_values_ctx {
    benchmark_t *b;
    int64_t gen;                 /* the generation wanted, < 0 for any */
    const bc_provider_t *ps;
    size_t n;
    double *values;
    long last;                   /* provider of the row before, or -1 */
} s_values_ctx_t;

static int s_value_of(void *ctx, const char *const *parts, size_t n,
                      const MDB_val *v)
{
    s_values_ctx_t *c = ctx;
    int64_t g;
    benchmark_cell_t cell;
    if (n != 4 || parts[2][0] != '\0' ||
        !benchmark_decode_value(v, &g, &cell) ||
        (c->gen >= 0 && g != c->gen) || cell.status != BL_CELL_OK ||
        !cell.has_value) {
        return 0;
    }
    /* a provider's rows come together: look it up once */
    long i = c->last >= 0 && strcmp(c->ps[c->last].id, parts[1]) == 0
                 ? c->last
                 : bc_find_provider(c->ps, c->n, parts[1]);
    c->last = i;
    int ind = bl_catalogue_find_indicator(c->b->cfg->catalogue, parts[3]);
    if (i >= 0 && ind >= 0) {
        c->values[(size_t)i * c->b->n_ind + (size_t)ind] = cell.value;
    }
    return 0;
}

/* Fills values[i * n_ind + k] with the provider-level values (status ok)
 * of the period and the given generation (any generation when gen < 0);
 * NAN elsewhere.  The other fields of a cell are read again, one provider
 * at a time, when its results are written (benchmark_results.c): a
 * register of 50,000 providers would hold 90 MB of cells per period. */
static int s_load_values(benchmark_t *b, MDB_txn *txn, int64_t period,
                         int64_t gen, const bc_provider_t *ps, size_t n,
                         double *values, bl_err_t *err)
{
    for (size_t i = 0; i < n * b->n_ind; i++) {
        values[i] = NAN;
    }
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    s_values_ctx_t c = {b, gen, ps, n, values, -1};
    return bl_bundle_each(txn, bl_daemon_dbi(b->d, DB_VALUES), prefix, pl,
                          s_value_of, &c, err);
}

/* ---- the close ---------------------------------------------------------- */

/* National with `upstream`: whether period's international results have
 * not come back yet (meta "xgen.<period>" is written when they do). */
static bool s_intl_pending(benchmark_t *b, MDB_txn *txn, int64_t period)
{
    if (b->cfg->upstream_endpoint == NULL) {
        return false;
    }
    char key[48];
    snprintf(key, sizeof key, "xgen.%" PRId64, period);
    uint64_t have = 0;
    bl_store_get_u64(txn, bl_daemon_meta(b->d), key, &have, NULL);
    return have == 0;
}

/* Whether a close stores what national nodes fetch by country
 * (benchmark_t.downlink). */
static bool s_downlink(const bl_config_t *cfg)
{
    return cfg->role == BL_ROLE_INTERNATIONAL && cfg->n_allow > 0;
}

/* Meta "downlink_missed": 1 once a period was closed without its rows
 * by country (0 or absent: every closed period has them). */
#define S_MISSED_KEY "downlink_missed"

/* Notes in txn that a close stored no rows by country. */
static int s_downlink_missed(benchmark_t *b, MDB_txn *txn, bl_err_t *err)
{
    uint64_t missed = 0;
    int rc = bl_store_get_u64(txn, bl_daemon_meta(b->d), S_MISSED_KEY,
                              &missed, err);
    if (rc != 0 || missed == 1) {
        return rc;
    }
    return bl_store_put_u64(txn, bl_daemon_meta(b->d), S_MISSED_KEY, 1, err);
}

static int s_compute(benchmark_t *b, MDB_txn *txn, int64_t period,
                     int64_t gen, bl_err_t *err)
{
    long long t[6];  /* ms, for the close's log line */
    t[0] = bl_net_now_ms();
    bc_provider_t *ps = NULL;
    size_t n = 0;
    int rc = s_load_register(b, txn, &ps, &n, err);
    if (rc != 0) {
        return rc;
    }
    /* The map must hold what the close writes: the period's positions
     * (twice on the international node: by country too) and the results
     * messages (stored once for all report workers, bl_outbox_put_all).
     * Found too small midway, the whole close would run again.  Measured
     * at 50,000 providers: about 120 bytes a position row, 250 a results
     * cell; asked with room to spare, as the map is only address space. */
    uint64_t cells_all = (uint64_t)n * b->n_ind * b->cfg->n_groups;
    uint64_t per_cell =
        (b->cfg->role == BL_ROLE_INTERNATIONAL ? 2 * 200 : 200) + 400;
    rc = bl_store_expect(bl_daemon_store(b->d), cells_all * per_cell);
    if (rc != 0) {
        free(ps);
        return rc;
    }
    size_t cells_n = (n ? n : 1) * b->n_ind;
    double *values = calloc(cells_n, sizeof *values);
    double *prev = NULL;
    double *prev_ranks = NULL;
    bstore_prev_job_t prev_job;
    memset(&prev_job, 0, sizeof prev_job);
    size_t ng = b->cfg->n_groups;
    uint32_t *pos_index = malloc(cells_n * (ng ? ng : 1) * sizeof *pos_index);
    bool intl;
    bc_output_t out;
    memset(&out, 0, sizeof out);
    bx_external_t ext;
    memset(&ext, 0, sizeof ext);
    if (values == NULL || pos_index == NULL) {
        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
        goto done;
    }
    /* An international node takes each country's latest values, whatever
     * generation its national close gave them. */
    intl = b->cfg->role == BL_ROLE_INTERNATIONAL;
    rc = s_load_values(b, txn, period, intl ? -1 : gen, ps, n, values, err);
    if (rc != 0) {
        goto done;
    }
    char key[48];
    snprintf(key, sizeof key, "gen.%" PRId64, period - 1);
    uint64_t prev_gen = 0;
    bl_store_get_u64(txn, bl_daemon_meta(b->d), key, &prev_gen, NULL);
    bool has_prev = prev_gen > 0;
    if (has_prev) {
        prev = calloc(cells_n, sizeof *prev);
        prev_ranks = malloc(cells_n * (ng ? ng : 1) * sizeof *prev_ranks);
        if (prev == NULL || prev_ranks == NULL) {
            rc = bl_err_set(err, BL_ENOMEM, "out of memory");
            goto done;
        }
        /* The previous period's ranks are read on a thread of their own,
         * from the start: the other core is idle while this one loads the
         * values, and the walk took longer than the store step it was
         * started beside, so the close waited for it.  Only when that
         * period's positions are as committed (no close of this
         * transaction stored them); otherwise below, in this
         * transaction. */
        if (b->positions_txn != mdb_txn_id(txn)) {
            bstore_prev_job_start(&prev_job, b, period, ps, n, prev_ranks);
        }
        rc = s_load_values(b, txn, period - 1,
                           intl ? -1 : (int64_t)prev_gen, ps, n, prev, err);
        if (rc != 0) {
            goto done;
        }
    }
    bc_input_t in;
    memset(&in, 0, sizeof in);
    in.cfg = b->cfg;
    in.period = (int)period;
    in.n_providers = n;
    in.providers = ps;
    in.values = values;
    in.threads = 2;  /* the second core is idle during the close */
    bx_dbs_t dbs = {bl_daemon_dbi(b->d, DB_STATS),
                    bl_daemon_dbi(b->d, DB_POSITIONS),
                    bl_daemon_dbi(b->d, DB_XBAND4),
                    bl_daemon_dbi(b->d, DB_XSTATS), bl_daemon_meta(b->d)};
    if (intl) {
        rc = benchmark_external_international(txn, &dbs, period, &in, &ext,
                                              err);
    } else {
        const bl_peer_group_t *xg;
        size_t nx = benchmark_link_groups(b->link, &xg);
        rc = benchmark_external_national(txn, &dbs, period, xg, nx, &in,
                                         &ext, err);
    }
    if (rc != 0) {
        goto done;
    }
    benchmark_external_attach(&in, &ext);
    t[1] = bl_net_now_ms();
    rc = bc_compute(&in, &out, err);
    if (rc == 0 && intl && !b->downlink) {
        rc = s_downlink_missed(b, txn, err);
    }
    if (rc == 0 && b->downlink) {   /* (only an international node's) */
        rc = benchmark_external_band4(txn, bl_daemon_dbi(b->d, DB_CBAND4),
                                      period, &in, &out, err);
    }
    if (rc != 0) {
        goto done;
    }
    for (size_t i = 0; i < cells_n * ng; i++) {
        pos_index[i] = BRES_NO_POSITION;
    }
    for (size_t i = 0; i < out.n_positions; i++) {
        const bc_pos_t *q = &out.positions[i];
        const bc_stat_t *st = &out.stats[q->stat];
        pos_index[(q->provider * b->n_ind + (size_t)st->indicator) * ng +
                  (size_t)st->group] = (uint32_t)i;
    }
    t[2] = bl_net_now_ms();
    /* From here the close writes on one core: its positions, learning
     * state and results messages (about 200 bytes a position) are read
     * into memory ahead of it on the other. */
    bl_store_prefault(bl_daemon_store(b->d), (uint64_t)out.n_positions * 200);
    rc = bstore_put_results(b, txn, period, &in, &out, err);
    b->positions_txn = mdb_txn_id(txn);
    t[3] = bl_net_now_ms();
    if (rc == 0) {
        rc = benchmark_learning_store(b->learning, txn, period, &in, &out,
                                      err);
    }
    if (rc != 0) {
        goto done;
    }
    uint32_t *inst_n = malloc(cells_n * (ng ? ng : 1) * sizeof *inst_n);
    if (inst_n == NULL) {
        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
        goto done;
    }
    rc = bres_instance_counts(b, ps, n, values, inst_n, err);
    if (rc != 0) {
        free(inst_n);
        goto done;
    }
    bres_run_t run;
    memset(&run, 0, sizeof run);
    run.b = b;
    run.txn = txn;
    run.period = period;
    run.gen = gen;
    run.in = &in;
    run.out = &out;
    run.cell_gen = intl ? -1 : gen;
    run.prev = prev;
    run.pos_index = pos_index;
    run.inst_n = inst_n;
    run.intl_pending = s_intl_pending(b, txn, period);
    /* the previous ranks' walk: its time, and how long it was waited for
     * here (all of it when it runs here) */
    int64_t t_prev = bl_net_now_ms();
    bool prev_threaded = prev_job.started;
    if (prev_threaded) {
        rc = bstore_prev_job_finish(&prev_job, err);
    } else if (has_prev) {
        rc = bstore_prev_ranks(b, txn, period, ps, n, prev_ranks, err);
    }
    double prev_wait_s = (double)(bl_net_now_ms() - t_prev) / 1e3;
    double prev_s = prev_threaded ? prev_job.seconds : prev_wait_s;
    run.prev_ranks = prev_ranks;
    if (rc != 0) {
        free(inst_n);
        goto done;
    }
    t[4] = bl_net_now_ms();
    rc = bres_send_providers(&run, err);
    /* What only the providers' results read goes before the summary is
     * built: the close's heap peaks there at 50,000 providers. */
    free(inst_n);
    free(prev_ranks);
    free(prev);
    prev_ranks = NULL;
    prev = NULL;
    run.inst_n = NULL;
    run.prev_ranks = NULL;
    run.prev = NULL;
    if (rc == 0) {
        rc = bres_send_summary(&run, err);
    }
    t[5] = bl_net_now_ms();
    bl_log(BL_LOG_INFO, "computed period=%" PRId64 " generation=%" PRId64
           " providers=%zu stats=%zu positions=%zu load_s=%.2f"
           " compute_s=%.2f store_s=%.2f learning_s=%.2f send_s=%.2f"
           " prev_ranks_s=%.2f (waited %.2f)",
           period, gen, n, out.n_stats, out.n_positions,
           (double)(t[1] - t[0]) / 1e3, (double)(t[2] - t[1]) / 1e3,
           (double)(t[3] - t[2]) / 1e3, (double)(t[4] - t[3]) / 1e3,
           (double)(t[5] - t[4]) / 1e3, prev_s, prev_wait_s);
    if (rc == 0) {
        snprintf(key, sizeof key, "gen.%" PRId64, period);
        rc = bl_store_put_u64(txn, bl_daemon_meta(b->d), key, (uint64_t)gen,
                              err);
    }
done:
    bstore_prev_job_finish(&prev_job, NULL);
    free(prev_ranks);
    bc_output_free(&out);
    benchmark_external_free(&ext);
    free(pos_index);
    free(values);
    free(prev);
    free(ps);
    return rc;
}

static int s_recompute(void *ctx, MDB_txn *txn, int64_t period,
                       bl_err_t *err);

static int s_apply_close(benchmark_t *b, MDB_txn *txn, const bl_msg_t *msg,
                         bl_err_t *err)
{
    bl_close_t marker;
    if (bl_close_decode(msg->payload, msg->payload_len, &marker, err) != 0) {
        return BL_EPROTO;
    }
    int64_t period = marker.period, gen = marker.generation;
    /* Every aggregation worker sends its own marker; compute after the
     * last. */
    bool complete;
    int rc = bl_daemon_marker(b->d, txn, period, gen,
                              b->cfg->workers[BL_STAGE_AGGREGATE], &complete,
                              err);
    if (rc != 0 || !complete) {
        return rc;
    }
    if (b->cfg->role == BL_ROLE_INTERNATIONAL) {
        /* Its generations also count national closes. */
        rc = s_recompute(b, txn, period, err);
        return rc != 0 ? rc
                       : benchmark_learning_after_close(b->learning, txn,
                                                        period,
                                                        marker.reopen, err);
    }
    rc = s_compute(b, txn, period, gen, err);
    if (rc == 0) {
        rc = benchmark_link_send_period(b->link, txn, period, gen, err);
    }
    if (rc == 0) {
        rc = benchmark_learning_after_close(b->learning, txn, period,
                                            marker.reopen, err);
    }
    if (rc != 0) {
        return rc;
    }
    /* Passed on as it came, with the rows still rejected it carries. */
    bl_mpw_reset(&b->w);
    if (bl_close_write(&b->w, &marker) != 0) {
        return bl_err_set(err, BL_ENOMEM, "cannot encode a close marker");
    }
    return bl_outbox_put_all(bl_daemon_outbox(b->d), txn, BL_MSG_CLOSE,
                             bl_mpw_data(&b->w), bl_mpw_size(&b->w), err);
}

/* Computes period again and has its reports rendered again: when the
 * international results for it come back (national node), or when a
 * national node closes it (international node, with a new generation). */
static int s_recompute(void *ctx, MDB_txn *txn, int64_t period,
                       bl_err_t *err)
{
    benchmark_t *b = ctx;
    char key[48];
    snprintf(key, sizeof key, "gen.%" PRId64, period);
    uint64_t gen = 0;
    int rc = bl_store_get_u64(txn, bl_daemon_meta(b->d), key, &gen, err);
    if (rc != 0) {
        return rc;
    }
    if (b->cfg->role == BL_ROLE_INTERNATIONAL) {
        gen++;
    }
    rc = s_compute(b, txn, period, (int64_t)gen, err);
    if (rc != 0) {
        return rc;
    }
    /* No counts: the report keeps those of the last close. */
    bl_mpw_reset(&b->w);
    bl_close_t marker = {.period = period, .generation = (int64_t)gen};
    if (bl_close_write(&b->w, &marker) != 0) {
        return bl_err_set(err, BL_ENOMEM, "cannot encode a close marker");
    }
    return bl_outbox_put_all(bl_daemon_outbox(b->d), txn, BL_MSG_CLOSE,
                             bl_mpw_data(&b->w), bl_mpw_size(&b->w), err);
}

static int s_apply(void *svc, MDB_txn *txn, const bl_msg_t *msg,
                   bl_err_t *err)
{
    benchmark_t *b = svc;
    switch (msg->type) {
    case BL_MSG_REGISTER:
        return s_apply_register(b, txn, msg, err);
    case BL_MSG_VALUES:
        return s_apply_values(b, txn, msg, err);
    case BL_MSG_CLOSE:
        return s_apply_close(b, txn, msg, err);
    case BL_MSG_LEARNING:
        return benchmark_learning_apply(b->learning, txn, msg, err);
    default:
        return bl_err_set(err, BL_EDATA, "benchmarking takes no %s messages",
                          bl_msg_type_name(msg->type));
    }
}

static int s_request(void *svc, MDB_txn *txn, const char *cmd,
                     const bl_msg_t *msg, bl_mpw_t *reply, bl_err_t *err)
{
    benchmark_t *b = svc;
    if (benchmark_learning_answers(cmd, msg)) {
        return benchmark_learning_request(b->learning, txn, cmd, msg, reply,
                                          err);
    }
    if (strcmp(cmd, "export") != 0) {
        bl_reply_error(reply, "unknown command '%s'", cmd);
        return 0;
    }
    char what[32];
    if (bl_req_str(msg, "what", what, sizeof what) != 0) {
        bl_reply_error(reply, "export needs what");
        return 0;
    }
    size_t db;
    if (strcmp(what, "stats") == 0) {
        db = DB_STATS;
    } else if (strcmp(what, "positions") == 0) {
        /* one bundle of rows per group instance (bl_bundle.h) */
        return bl_bundle_request(txn, bl_daemon_dbi(b->d, DB_POSITIONS), msg,
                                 reply, err);
    } else if (strcmp(what, "correlations") == 0) {
        db = DB_CORRS;
    } else {
        bl_reply_error(reply, "cannot export '%s'", what);
        return 0;
    }
    return bl_page_request(txn, bl_daemon_dbi(b->d, db), msg, reply, err);
}

/* The period of a meta key "gen.P" (parts of a bl_page_each row), or 0
 * for another key. */
static long long s_gen_period(const char *const *parts, size_t n)
{
    char *end = NULL;
    long long period = n == 1 ? strtoll(parts[0] + 4, &end, 10) : 0;
    return end != NULL && *end == '\0' && period > 0 ? period : 0;
}

/* The periods closed here (meta "gen.P"), gathered before any is
 * computed again (which writes meta). */
typedef struct s_closed {
    int64_t *p;
    size_t n, cap;
} s_closed_t;

static int s_closed_period(void *ctx, const char *const *parts, size_t n,
                           const MDB_val *v)
{
    (void)v;
    s_closed_t *c = ctx;
    long long period = s_gen_period(parts, n);
    if (period == 0) {
        return 0;
    }
    if (BL_GROW(c->p, c->cap, c->n + 1) != 0) {
        return BL_ENOMEM;
    }
    c->p[c->n++] = (int64_t)period;
    return 0;
}

/* When a period was closed without its rows by country, every closed
 * period is computed again with them (a new generation, which the
 * national nodes fetch). */
static int s_downlink_catch_up(void *ctx, MDB_txn *txn, bl_err_t *err)
{
    benchmark_t *b = ctx;
    uint64_t missed = 0;
    int rc = bl_store_get_u64(txn, bl_daemon_meta(b->d), S_MISSED_KEY,
                              &missed, err);
    if (rc != 0 || missed == 0) {
        return rc;
    }
    bl_log(BL_LOG_INFO, "link: a national node is allowed now: the closed "
           "periods are computed again with their rows by country");
    s_closed_t c = {NULL, 0, 0};
    rc = bl_page_each(txn, bl_daemon_meta(b->d), "gen.", 4, s_closed_period,
                      &c, err);
    for (size_t i = 0; i < c.n && rc == 0; i++) {
        rc = s_recompute(b, txn, c.p[i], err);
    }
    free(c.p);
    return rc != 0 ? rc
                   : bl_store_put_u64(txn, bl_daemon_meta(b->d),
                                      S_MISSED_KEY, 0, err);
}

/* A reload: the allow list may name a national node now (or none). */
static int s_on_reload(void *ctx, const bl_config_t *cfg, bl_err_t *err)
{
    (void)err;
    benchmark_t *b = ctx;
    bool was = b->downlink;
    b->downlink = s_downlink(cfg);
    b->downlink_check = b->downlink && (b->downlink_check || !was);
    return 0;
}

static int s_open(void **svc, bl_daemon_t *d, bl_err_t *err)
{
    benchmark_t *b = calloc(1, sizeof *b);
    if (b == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    b->d = d;
    b->cfg = bl_daemon_config(d);
    b->n_ind = b->cfg->catalogue->n_indicators;
    b->downlink = s_downlink(b->cfg);
    b->downlink_check = b->downlink;
    bl_mpw_init(&b->w);
    bl_mpw_init(&b->items);
    *svc = b;
    int lrc = benchmark_learning_open(&b->learning, d, DB_LEARNING, err);
    if (lrc != 0) {
        return lrc;
    }
    benchmark_link_env_t env = {
        d,
        bl_daemon_dbi(d, DB_REGISTER),
        bl_daemon_dbi(d, DB_VALUES),
        bl_daemon_dbi(d, DB_STATS),
        bl_daemon_dbi(d, DB_POSITIONS),
        bl_daemon_dbi(d, DB_CPOS),
        bl_daemon_dbi(d, DB_UPLINK),
        bl_daemon_dbi(d, DB_LINK_SEEN),
        bl_daemon_dbi(d, DB_XBAND4),
        bl_daemon_dbi(d, DB_XSTATS),
        bl_daemon_dbi(d, DB_CBAND4),
        s_recompute,
        b,
        b->learning,
    };
    int rc = benchmark_link_open(&b->link, &env, err);
    if (rc == 0 && benchmark_link_register(b->link, d) != 0) {
        rc = bl_err_set(err, BL_EINVAL, "too many sockets to poll");
    }
    if (rc == 0 && b->cfg->role == BL_ROLE_INTERNATIONAL &&
        bl_daemon_on_reload(d, s_on_reload, b) != 0) {
        rc = bl_err_set(err, BL_EINVAL, "too many reload hooks");
    }
    return rc;
}

static void s_tick(void *svc)
{
    benchmark_t *b = svc;
    if (b->downlink_check && b->downlink &&
        bl_net_now_ms() >= b->downlink_retry_ms) {
        bl_err_t err = {0};
        if (bl_store_write(bl_daemon_store(b->d), s_downlink_catch_up, b,
                           &err) != 0) {
            /* tried again a minute later (a full disk may be freed) */
            b->downlink_retry_ms = bl_net_now_ms() + 60000;
            bl_log(BL_LOG_ERROR, "link: the closed periods' rows by country "
                   "are not stored (tried again in a minute): %s", err.msg);
        } else {
            b->downlink_check = false;
        }
    }
    benchmark_link_tick(b->link);
}

typedef struct s_waiting {
    benchmark_t *b;
    MDB_txn *txn;
    char list[96];       /* "2024,2025", cut short with "..." */
} s_waiting_t;

static int s_waiting_period(void *ctx, const char *const *parts, size_t n,
                            const MDB_val *v)
{
    (void)v;
    s_waiting_t *w = ctx;
    long long period = s_gen_period(parts, n);
    if (period == 0 || !s_intl_pending(w->b, w->txn, period)) {
        return 0;
    }
    size_t at = strlen(w->list);
    if (at + 16 >= sizeof w->list) {
        snprintf(w->list + at, sizeof w->list - at, "%s",
                 at + 4 < sizeof w->list ? "..." : "");
        return 1;
    }
    snprintf(w->list + at, sizeof w->list - at, "%s%lld", at ? "," : "",
             period);
    return 0;
}

static uint32_t s_health(void *svc, MDB_txn *txn, bl_mpw_t *reply)
{
    benchmark_t *b = svc;
    uint32_t n = benchmark_link_health(b->link, reply);
    if (b->cfg->upstream_endpoint == NULL) {
        return n;
    }
    /* The periods closed here whose international comparison is still
     * pending (SPEC 7). */
    s_waiting_t w = {b, txn, ""};
    bl_page_each(txn, bl_daemon_meta(b->d), "gen.", 4, s_waiting_period, &w,
                 NULL);
    bl_mpw_str(reply, "intl_pending");
    bl_mpw_str(reply, w.list[0] ? w.list : "none");
    return n + 1;
}

static void s_close(void **svc)
{
    benchmark_t *b = *svc;
    if (b == NULL) {
        return;
    }
    benchmark_link_close(&b->link);
    benchmark_learning_close(&b->learning);
    bl_mpw_destroy(&b->w);
    bl_mpw_destroy(&b->items);
    free(b);
    *svc = NULL;
}

const bl_stage_ops_t benchmark_ops = {
    .stage = BL_STAGE_BENCHMARK,
    .db_names = s_dbs,
    .n_dbs = sizeof s_dbs / sizeof s_dbs[0],
    .has_outbox = 1,
    .open = s_open,
    .apply = s_apply,
    .prepare = s_prepare,
    .release = s_release_prepared,
    .request = s_request,
    .health = s_health,
    .committed = NULL,
    .tick = s_tick,
    .close = s_close,
};
