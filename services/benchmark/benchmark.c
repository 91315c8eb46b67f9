/*
 * benchmark: values in, benchmark out (see benchmark.h).
 *
 * Store (keys are \x1f-joined text, see bl_page.h):
 *   register   provider -> [name, country, service_type, users, staff,
 *                           membership, member_since, share_identity]
 *   values     period \x1f provider \x1f unit \x1f indicator
 *              -> [generation, [value, numerator, denominator, n, status]]
 *   stats      period \x1f indicator \x1f group \x1f group key
 *              -> [n, mean, sd, min, p10, p25, p50, p75, p90, max, best]
 *   positions  period \x1f indicator \x1f group \x1f group key \x1f provider
 *              -> [value, n, percentile rank, band, z, reference, gap]
 *   corrs      period \x1f group \x1f group key \x1f a \x1f b -> [n, rho]
 *   xband4, xstats, cband4: the groups of another node, see
 *              benchmark_external.h
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
#include "bl_close_codec.h"
#include "bl_log.h"
#include "bl_page.h"
#include "bl_register_codec.h"
#include "bl_results_codec.h"
#include "bl_scan.h"
#include "bl_values_codec.h"
#include "bl_vec.h"

enum { DB_REGISTER = 0, DB_VALUES, DB_STATS, DB_POSITIONS, DB_CORRS,
       DB_CPOS, DB_UPLINK, DB_LINK_SEEN, DB_XBAND4, DB_XSTATS, DB_CBAND4,
       DB_LEARNING };
static const char *const s_dbs[] = {"register", "values", "stats",
                                    "positions", "corrs", "cpos", "uplink",
                                    "link_seen", "xband4", "xstats",
                                    "cband4", BENCHMARK_LEARNING_DB_NAMES};

#define S_KEY_MAX BL_STORE_KEY_MAX
#define S_PROVIDERS_PER_MSG 100

typedef struct benchmark {
    bl_daemon_t *d;
    benchmark_link_t *link;  /* uplink and door; NULL-safe */
    const bl_config_t *cfg;
    size_t n_ind;
    bl_mpw_t w;
    bl_mpw_t items;
    benchmark_learning_t *learning;  /* actions, practices, their exports */
} benchmark_t;

/* What a provider sent for one indicator (provider level). */
typedef struct s_cell {
    bl_cell_status_t status;
    bool has_value, has_num, has_den, has_n;
    double value, num, den, n;
} s_cell_t;

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

static int s_apply_values(benchmark_t *b, MDB_txn *txn, const bl_msg_t *msg,
                          bl_err_t *err)
{
    bl_values_reader_t rd;
    if (bl_values_open(&rd, msg->payload, msg->payload_len) != 0) {
        return bl_err_set(err, BL_EPROTO, "malformed values message");
    }
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, rd.period);
    bl_values_row_t row;
    int rc;
    while ((rc = bl_values_next(&rd, &row)) == 0) {
        const char *parts[] = {p, row.provider, row.unit, row.indicator};
        char key[S_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 4);
        bl_mpw_reset(&b->w);
        bl_mpw_array(&b->w, 2);
        bl_mpw_int(&b->w, rd.generation);
        bl_mpw_raw(&b->w, row.value_raw, row.value_len);
        rc = bl_store_put(txn, bl_daemon_dbi(b->d, DB_VALUES), key, kl,
                          bl_mpw_data(&b->w), bl_mpw_size(&b->w), err);
        if (rc != 0) {
            return rc;
        }
    }
    if (rc != BL_ENOTFOUND) {
        return bl_err_set(err, BL_EPROTO, "malformed value row");
    }
    return 0;
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

static long s_find_provider(const bc_provider_t *ps, size_t n, const char *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(ps[mid].id, id);
        if (c == 0) {
            return (long)mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

/* Decodes a stored value [gen, value] (value: bl_values_codec.h). */
static bool s_decode_value(const MDB_val *v, int64_t *gen, s_cell_t *c)
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

typedef struct s_cells_ctx {
    benchmark_t *b;
    int64_t gen;                 /* the generation wanted, < 0 for any */
    const bc_provider_t *ps;
    size_t n;
    s_cell_t *cells;
} s_cells_ctx_t;

static int s_cell_of(void *ctx, const char *const *parts, size_t n,
                     const MDB_val *v)
{
    s_cells_ctx_t *c = ctx;
    int64_t g;
    s_cell_t cell;
    if (n != 4 || parts[2][0] != '\0' || !s_decode_value(v, &g, &cell) ||
        (c->gen >= 0 && g != c->gen)) {
        return 0;
    }
    long i = s_find_provider(c->ps, c->n, parts[1]);
    int ind = bl_catalogue_find_indicator(c->b->cfg->catalogue, parts[3]);
    if (i >= 0 && ind >= 0) {
        c->cells[(size_t)i * c->b->n_ind + (size_t)ind] = cell;
    }
    return 0;
}

/* Fills cells[i * n_ind + k] with provider-level values of the period and
 * the given generation (any generation when gen < 0); missing elsewhere. */
static int s_load_cells(benchmark_t *b, MDB_txn *txn, int64_t period,
                        int64_t gen, const bc_provider_t *ps, size_t n,
                        s_cell_t *cells, bl_err_t *err)
{
    for (size_t i = 0; i < n * b->n_ind; i++) {
        memset(&cells[i], 0, sizeof cells[i]);
        cells[i].status = BL_CELL_MISSING;
    }
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    s_cells_ctx_t c = {b, gen, ps, n, cells};
    return bl_page_each(txn, bl_daemon_dbi(b->d, DB_VALUES), prefix, pl,
                        s_cell_of, &c, err);
}

/* ---- storing the results for export ------------------------------------- */

/* Which part of a key names the group, for s_is_local_group. */
typedef struct s_group_part {
    const bl_config_t *cfg;
    size_t part;
} s_group_part_t;

static bool s_is_local_group(void *ctx, const char *const *parts, size_t n)
{
    const s_group_part_t *g = ctx;
    return n > g->part && bl_config_find_group(g->cfg, parts[g->part]) >= 0;
}

/* Deletes period's rows of this node's own peer groups from stage db i,
 * whose keys hold the group id as part group_part. */
static int s_delete_local(benchmark_t *b, MDB_txn *txn, size_t i,
                          const char *period, size_t group_part,
                          bl_err_t *err)
{
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", period);
    s_group_part_t g = {b->cfg, group_part};
    return bl_page_delete_where(txn, bl_daemon_dbi(b->d, i), prefix, pl,
                                s_is_local_group, &g, err);
}

static int s_store_results(benchmark_t *b, MDB_txn *txn, int64_t period,
                           const bc_input_t *in, const bc_output_t *out,
                           bl_err_t *err)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    /* This node's own groups are replaced; groups that came back from the
     * international node stay. */
    int rc = s_delete_local(b, txn, DB_STATS, p, 2, err);
    if (rc == 0) {
        rc = s_delete_local(b, txn, DB_POSITIONS, p, 2, err);
    }
    if (rc == 0) {
        rc = s_delete_local(b, txn, DB_CORRS, p, 1, err);
    }
    bool intl = b->cfg->role == BL_ROLE_INTERNATIONAL;
    if (rc == 0 && intl) {
        char prefix[32];
        size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
        rc = bl_page_delete(txn, bl_daemon_dbi(b->d, DB_CPOS), prefix, pl,
                            err);
    }
    const bl_catalogue_t *cat = b->cfg->catalogue;
    bl_mpw_t *w = &b->w;
    for (size_t i = 0; i < out->n_stats && rc == 0; i++) {
        const bc_stat_t *s = &out->stats[i];
        const char *parts[] = {p, cat->indicators[s->indicator].id,
                               b->cfg->groups[s->group].id, s->group_key};
        char key[S_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 4);
        bl_mpw_reset(w);
        bl_mpw_array(w, 11);
        bl_mpw_uint(w, s->s.n);
        bl_mpw_double(w, s->s.mean);
        bl_mpw_double(w, s->s.sd);
        bl_mpw_double(w, s->s.min);
        bl_mpw_double(w, s->s.p10);
        bl_mpw_double(w, s->s.p25);
        bl_mpw_double(w, s->s.p50);
        bl_mpw_double(w, s->s.p75);
        bl_mpw_double(w, s->s.p90);
        bl_mpw_double(w, s->s.max);
        bl_mpw_double(w, s->best_in_class);
        rc = bl_store_put(txn, bl_daemon_dbi(b->d, DB_STATS), key, kl,
                          bl_mpw_data(w), bl_mpw_size(w), err);
    }
    for (size_t i = 0; i < out->n_positions && rc == 0; i++) {
        const bc_position_t *q = &out->positions[i];
        const bc_stat_t *s = &out->stats[q->stat];
        const char *parts[] = {p, cat->indicators[q->indicator].id,
                               b->cfg->groups[q->group].id, s->group_key,
                               in->providers[q->provider].id};
        char key[S_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 5);
        bl_mpw_reset(w);
        bl_mpw_array(w, 7);
        bl_mpw_double(w, q->value);
        bl_mpw_uint(w, s->s.n);
        bl_mpw_double(w, q->percentile_rank);
        bl_mpw_int(w, q->band);
        bl_mpw_opt_double(w, q->has_z, q->z);
        bl_mpw_opt_double(w, q->has_reference, q->reference);
        bl_mpw_opt_double(w, q->has_reference, q->gap);
        rc = bl_store_put(txn, bl_daemon_dbi(b->d, DB_POSITIONS), key, kl,
                          bl_mpw_data(w), bl_mpw_size(w), err);
        if (rc == 0 && intl) {
            /* By country too, for the national nodes' downlink. */
            const char *cparts[] = {p, in->providers[q->provider].country,
                                    parts[1], parts[2], parts[3], parts[4]};
            kl = bl_page_join(key, sizeof key, cparts, 6);
            rc = bl_store_put(txn, bl_daemon_dbi(b->d, DB_CPOS), key, kl,
                              bl_mpw_data(w), bl_mpw_size(w), err);
        }
    }
    for (size_t i = 0; i < out->n_corrs && rc == 0; i++) {
        const bc_corr_t *c = &out->corrs[i];
        const char *parts[] = {p, b->cfg->groups[c->group].id, c->group_key,
                               cat->indicators[c->a].id,
                               cat->indicators[c->b].id};
        char key[S_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 5);
        bl_mpw_reset(w);
        bl_mpw_array(w, 2);
        bl_mpw_uint(w, c->n);
        bl_mpw_double(w, c->rho);
        rc = bl_store_put(txn, bl_daemon_dbi(b->d, DB_CORRS), key, kl,
                          bl_mpw_data(w), bl_mpw_size(w), err);
    }
    return rc;
}

/* The provider's percentile rank in the previous period, from the stored
 * positions of that period. */
static bool s_prev_rank(benchmark_t *b, MDB_txn *txn, int64_t period,
                        int ind, int g, const bc_provider_t *p, double *rank)
{
    char pp[24], gk[BC_KEY_MAX];
    snprintf(pp, sizeof pp, "%" PRId64, period - 1);
    bc_group_key(&b->cfg->groups[g], p, gk, sizeof gk);
    const char *parts[] = {pp, b->cfg->catalogue->indicators[ind].id,
                           b->cfg->groups[g].id, gk, p->id};
    char key[S_KEY_MAX];
    size_t kl = bl_page_join(key, sizeof key, parts, 5);
    MDB_val v;
    if (kl == 0 || bl_store_get(txn, bl_daemon_dbi(b->d, DB_POSITIONS), key,
                                kl, &v, NULL) != 0) {
        return false;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, v.mv_data, v.mv_size);
    uint32_t seven;
    double value, n;
    return bl_mpr_array(&r, &seven) == 0 && bl_mpr_double(&r, &value) == 0 &&
           bl_mpr_double(&r, &n) == 0 && bl_mpr_double(&r, rank) == 0;
}

/* ---- results for the report daemon -------------------------------------- */

typedef struct s_run {
    benchmark_t *b;
    MDB_txn *txn;
    int64_t period;
    int64_t gen;
    const bc_input_t *in;
    const bc_output_t *out;
    const s_cell_t *cells;
    const s_cell_t *prev;       /* previous period, or NULL */
    long *pos_index;            /* [provider][indicator][group] -> position */
    uint32_t *inst_n;           /* [provider][indicator][group] -> values in
                                   the provider's group instance */
    bool intl_pending;          /* national: the international results of
                                   the period have not come back yet */
    bl_results_provider_t res;  /* one provider's results, reused */
    bl_results_group_t *groups; /* res's group entries, one block */
    size_t cap_units;           /* room in res.units */
    benchmark_practices_t *practices;  /* those the reports may show */
    size_t cap_practices;       /* room in res.practices */
} s_run_t;

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

/* Partner x of an area: one of the node's providers, or (from n_providers
 * on) a provider of another country known from the international node. */
static void s_fill_partner(bl_results_partner_t *pt, const bc_input_t *in,
                           size_t x)
{
    memset(pt, 0, sizeof *pt);
    const char *id, *name, *st, *country;
    if (x < in->n_providers) {
        const bc_provider_t *p = &in->providers[x];
        pt->named = p->share_identity;
        id = p->id;
        name = p->name;
        st = p->service_type;
        country = p->country;
    } else {
        const bc_foreign_t *f = &in->foreign[x - in->n_providers];
        pt->named = f->share_identity && f->id[0] != '\0';
        id = f->id;
        name = f->name;
        st = f->service_type;
        country = f->country;
    }
    if (pt->named) {
        snprintf(pt->id, sizeof pt->id, "%s", id);
        snprintf(pt->name, sizeof pt->name, "%s", name);
    }
    snprintf(pt->service_type, sizeof pt->service_type, "%s", st);
    snprintf(pt->country, sizeof pt->country, "%s", country);
}

/* Fills g from a position of this run. */
static void s_fill_position(bl_results_group_t *g, const bc_stat_t *s,
                            const bc_position_t *q)
{
    g->has_n = true;
    g->n = s->s.n;
    g->mean = s->s.mean;
    g->sd = s->s.sd;
    g->min = s->s.min;
    g->p10 = s->s.p10;
    g->p25 = s->s.p25;
    g->p50 = s->s.p50;
    g->p75 = s->s.p75;
    g->p90 = s->s.p90;
    g->max = s->s.max;
    g->best_in_class = s->best_in_class;
    g->percentile_rank = q->percentile_rank;
    g->band = q->band;
    g->has_z = q->has_z;
    g->z = q->z;
    g->has_reference = q->has_reference;
    g->reference = q->reference;
    g->gap = q->gap;
}

/* The provider's positions in the international node's groups, as they
 * came back over the link, appended to ind's groups. */
static void s_add_external(s_run_t *run, size_t i, size_t k,
                           bl_results_indicator_t *ind)
{
    benchmark_t *b = run->b;
    const bl_peer_group_t *xg;
    size_t nx = benchmark_link_groups(b->link, &xg);
    const bc_provider_t *p = &run->in->providers[i];
    char pp[24];
    snprintf(pp, sizeof pp, "%" PRId64, run->period);
    for (size_t g = 0; g < nx; g++) {
        char gk[BC_KEY_MAX];
        bc_group_key(&xg[g], p, gk, sizeof gk);
        const char *parts[] = {pp, b->cfg->catalogue->indicators[k].id,
                               xg[g].id, gk, p->id};
        char key[S_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 5);
        MDB_val pv, sv;
        if (kl == 0 || bl_store_get(run->txn, bl_daemon_dbi(b->d, DB_POSITIONS),
                                    key, kl, &pv, NULL) != 0) {
            continue;
        }
        kl = bl_page_join(key, sizeof key, parts, 4);
        bc_stat_t s;
        memset(&s, 0, sizeof s);
        if (bl_store_get(run->txn, bl_daemon_dbi(b->d, DB_STATS), key, kl,
                         &sv, NULL) != 0 ||
            benchmark_external_read_stat(sv.mv_data, sv.mv_size, &s.s,
                                         &s.best_in_class) != 0) {
            continue;
        }
        /* [value, n, rank, band, z, reference, gap] */
        bc_position_t q;
        memset(&q, 0, sizeof q);
        bl_mpr_t r;
        bl_mpr_init(&r, pv.mv_data, pv.mv_size);
        uint32_t seven;
        int64_t band;
        bool has_gap;
        if (bl_mpr_array(&r, &seven) != 0 || seven != 7 ||
            bl_mpr_double(&r, &q.value) || bl_mpr_skip(&r) ||
            bl_mpr_double(&r, &q.percentile_rank) || bl_mpr_int(&r, &band) ||
            bl_mpr_opt_double(&r, &q.has_z, &q.z) ||
            bl_mpr_opt_double(&r, &q.has_reference, &q.reference) ||
            bl_mpr_opt_double(&r, &has_gap, &q.gap) || band < 1 ||
            band > 4) {
            continue;
        }
        q.band = (int)band;
        q.has_reference = q.has_reference && has_gap;
        bl_results_group_t *e = &ind->groups[ind->n_groups++];
        memset(e, 0, sizeof *e);
        snprintf(e->id, sizeof e->id, "%s", xg[g].id);
        snprintf(e->key, sizeof e->key, "%s", gk);
        s_fill_position(e, &s, &q);
    }
}

/* The provider's unit rows of the run's generation, read from the store
 * into run->res.units. */
static int s_add_units(s_run_t *run, const bc_provider_t *p)
{
    benchmark_t *b = run->b;
    bl_results_provider_t *res = &run->res;
    res->n_units = 0;
    char prefix[S_KEY_MAX];
    char pp[24];
    snprintf(pp, sizeof pp, "%" PRId64, run->period);
    const char *parts[] = {pp, p->id, ""};
    size_t pl = bl_page_join(prefix, sizeof prefix, parts, 3);
    bl_scan_t scan;
    if (pl == 0 || bl_scan_open(&scan, run->txn,
                                bl_daemon_dbi(b->d, DB_VALUES), prefix, pl,
                                NULL) != 0) {
        return 0;
    }
    /* prefix = period \x1f provider \x1f; unit rows have a unit part */
    int rc = 0;
    MDB_val k, v;
    while (rc == 0 && bl_scan_next(&scan, &k, &v) == 1) {
        char buf[S_KEY_MAX];
        const char *kp[4];
        int64_t g;
        s_cell_t c;
        if (bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, kp, 4) == 4 &&
            kp[2][0] != '\0' && s_decode_value(&v, &g, &c) &&
            g == run->gen) {
            if (BL_GROW(res->units, run->cap_units, res->n_units + 1) !=
                0) {
                rc = BL_ENOMEM;
                break;
            }
            bl_results_unit_t *u = &res->units[res->n_units++];
            memset(u, 0, sizeof *u);
            snprintf(u->unit, sizeof u->unit, "%s", kp[2]);
            snprintf(u->indicator, sizeof u->indicator, "%s", kp[3]);
            u->status = c.status;
            u->has_value = c.has_value;
            u->value = c.value;
            u->has_n = c.has_n;
            u->n = c.n;
        }
    }
    bl_scan_close(&scan);
    return rc;
}

/* One provider's results (bl_results_codec.h), appended to w. */
static int s_write_provider(s_run_t *run, size_t i, bl_mpw_t *w)
{
    benchmark_t *b = run->b;
    const bc_provider_t *p = &run->in->providers[i];
    const bl_catalogue_t *cat = b->cfg->catalogue;
    size_t ng = b->cfg->n_groups;
    bl_results_provider_t *res = &run->res;
    snprintf(res->id, sizeof res->id, "%s", p->id);
    snprintf(res->name, sizeof res->name, "%s", p->name);
    snprintf(res->country, sizeof res->country, "%s", p->country);
    snprintf(res->service_type, sizeof res->service_type, "%s",
             p->service_type);
    res->share_identity = p->share_identity;
    res->has_previous_period = run->prev != NULL;
    res->international_pending = run->intl_pending;
    res->n_indicators = b->n_ind;
    for (size_t k = 0; k < b->n_ind; k++) {
        const s_cell_t *c = &run->cells[i * b->n_ind + k];
        const s_cell_t *pc = run->prev ? &run->prev[i * b->n_ind + k] : NULL;
        bl_results_indicator_t *ind = &res->indicators[k];
        bl_results_group_t *groups = ind->groups;
        memset(ind, 0, sizeof *ind);
        ind->groups = groups;
        ind->status = c->status;
        ind->has_value = c->has_value && c->status == BL_CELL_OK;
        ind->value = c->value;
        ind->has_n = c->has_n;
        ind->n = c->n;
        ind->has_numerator = c->has_num;
        ind->numerator = c->num;
        ind->has_denominator = c->has_den;
        ind->denominator = c->den;
        ind->has_previous = pc && pc->status == BL_CELL_OK && pc->has_value;
        ind->previous = pc ? pc->value : 0;
        /* One entry per peer group: the position, or "too few peers". */
        for (size_t g = 0; g < ng; g++) {
            long pi = run->pos_index[(i * b->n_ind + k) * ng + g];
            if (pi < 0 && !(c->status == BL_CELL_OK && c->has_value)) {
                continue;
            }
            bl_results_group_t *e = &ind->groups[ind->n_groups++];
            memset(e, 0, sizeof *e);
            snprintf(e->id, sizeof e->id, "%s", b->cfg->groups[g].id);
            bc_group_key(&b->cfg->groups[g], p, e->key, sizeof e->key);
            if (pi < 0) {
                /* Too few peers: how many values the instance has. */
                e->too_few_peers = true;
                e->has_n = true;
                e->n = run->inst_n[(i * b->n_ind + k) * ng + g];
                continue;
            }
            const bc_position_t *q = &run->out->positions[pi];
            s_fill_position(e, &run->out->stats[q->stat], q);
            double prev_rank = 0;
            e->has_previous_rank = run->prev != NULL &&
                                   s_prev_rank(b, run->txn, run->period,
                                               (int)k, (int)g, p,
                                               &prev_rank);
            e->previous_rank = prev_rank;
        }
        s_add_external(run, i, k, ind);
    }
    const bc_provider_result_t *pr = &run->out->providers[i];
    res->n_areas = pr->n_areas;
    for (size_t a = 0; a < pr->n_areas; a++) {
        bl_results_area_t *ar = &res->areas[a];
        memset(ar, 0, sizeof *ar);
        snprintf(ar->indicator, sizeof ar->indicator, "%s",
                 cat->indicators[pr->areas[a].indicator].id);
        ar->n_partners = pr->areas[a].n_partners;
        for (size_t j = 0; j < pr->areas[a].n_partners; j++) {
            s_fill_partner(&ar->partners[j], run->in,
                           pr->areas[a].partners[j]);
        }
    }
    res->n_strengths = pr->n_strengths;
    for (size_t s = 0; s < pr->n_strengths; s++) {
        snprintf(res->strengths[s], sizeof res->strengths[s], "%s",
                 cat->indicators[pr->strengths[s]].id);
    }
    int rc = s_add_units(run, p);
    free(res->followups);
    res->followups = NULL;
    res->n_followups = 0;
    res->n_practices = 0;
    size_t need = pr->n_areas * BL_RESULTS_PARTNERS_MAX;
    if (rc == 0 && need > run->cap_practices) {
        bl_results_practice_t *g =
            realloc(res->practices, need * sizeof *g);
        if (g == NULL) {
            rc = BL_ENOMEM;
        } else {
            res->practices = g;
            run->cap_practices = need;
        }
    }
    for (size_t a = 0; rc == 0 && a < pr->n_areas; a++) {
        res->n_practices += benchmark_learning_practices_pick(
            run->practices, i, res->areas[a].indicator,
            res->practices + res->n_practices, BL_RESULTS_PARTNERS_MAX);
    }
    if (rc == 0) {
        rc = benchmark_learning_followup(b->learning, run->txn, run->period,
                                         p->id, &res->followups,
                                         &res->n_followups, NULL);
    }
    return rc != 0 ? rc : bl_results_provider_encode(w, res);
}

static int s_send_items(s_run_t *run, bl_results_kind_t kind,
                        uint32_t count, bl_err_t *err)
{
    benchmark_t *b = run->b;
    bl_mpw_reset(&b->w);
    if (bl_results_write(&b->w, run->period, run->gen, kind, &b->items,
                         count) != 0) {
        return bl_err_set(err, BL_ENOMEM, "cannot encode results");
    }
    bl_mpw_reset(&b->items);
    /* Every report worker holds every result (requests and learning
     * curves are answered from any one) and renders its share of them. */
    return bl_outbox_put_all(bl_daemon_outbox(b->d), run->txn,
                             BL_MSG_RESULTS, bl_mpw_data(&b->w),
                             bl_mpw_size(&b->w), err);
}

/* The coordinator's summary (bl_results_codec.h), appended to w. */
static int s_write_summary(s_run_t *run, bl_mpw_t *w)
{
    benchmark_t *b = run->b;
    const bc_input_t *in = run->in;
    const bl_catalogue_t *cat = b->cfg->catalogue;
    size_t ng = b->cfg->n_groups;
    bl_results_summary_t s;
    memset(&s, 0, sizeof s);
    s.participants = calloc(in->n_providers ? in->n_providers : 1,
                            sizeof *s.participants);
    size_t n_bands = b->n_ind * ng;
    s.bands = calloc(n_bands > 0 ? n_bands : 1, sizeof *s.bands);
    s.areas = calloc(b->n_ind ? b->n_ind : 1, sizeof *s.areas);
    s.corrs = calloc(run->out->n_corrs ? run->out->n_corrs : 1,
                     sizeof *s.corrs);
    int rc = BL_ENOMEM;
    if (s.participants == NULL || s.bands == NULL || s.areas == NULL ||
        s.corrs == NULL) {
        goto done;
    }
    for (size_t i = 0; i < in->n_providers; i++) {
        const bc_provider_t *p = &in->providers[i];
        bl_results_participant_t *q = &s.participants[s.n_participants++];
        snprintf(q->id, sizeof q->id, "%s", p->id);
        snprintf(q->name, sizeof q->name, "%s", p->name);
        snprintf(q->country, sizeof q->country, "%s", p->country);
        snprintf(q->membership, sizeof q->membership, "%s", p->membership);
        snprintf(q->member_since, sizeof q->member_since, "%s",
                 p->member_since);
        for (size_t k = 0; k < b->n_ind; k++) {
            q->sent += run->cells[i * b->n_ind + k].status != BL_CELL_MISSING;
        }
        q->expected = b->n_ind;
    }
    /* Band distribution per indicator and group. */
    for (size_t k = 0; k < b->n_ind; k++) {
        for (size_t g = 0; g < ng; g++) {
            bl_results_bands_t *d = &s.bands[s.n_bands++];
            snprintf(d->indicator, sizeof d->indicator, "%s",
                     cat->indicators[k].id);
            snprintf(d->group, sizeof d->group, "%s", b->cfg->groups[g].id);
            for (size_t i = 0; i < in->n_providers; i++) {
                long pi = run->pos_index[(i * b->n_ind + k) * ng + g];
                int band = pi >= 0 ? run->out->positions[pi].band : 0;
                if (band >= 1 && band <= 4) {
                    d->bands[band - 1]++;
                }
            }
        }
    }
    for (size_t k = 0; k < b->n_ind; k++) {
        bl_results_area_count_t *a = &s.areas[s.n_areas++];
        snprintf(a->indicator, sizeof a->indicator, "%s",
                 cat->indicators[k].id);
        for (size_t i = 0; i < in->n_providers; i++) {
            const bc_provider_result_t *pr = &run->out->providers[i];
            for (size_t x = 0; x < pr->n_areas; x++) {
                a->providers += pr->areas[x].indicator == (int)k;
            }
        }
    }
    for (size_t i = 0; i < run->out->n_corrs; i++) {
        const bc_corr_t *c = &run->out->corrs[i];
        bl_results_corr_t *o = &s.corrs[s.n_corrs++];
        snprintf(o->group, sizeof o->group, "%s", b->cfg->groups[c->group].id);
        snprintf(o->key, sizeof o->key, "%s", c->group_key);
        snprintf(o->a, sizeof o->a, "%s", cat->indicators[c->a].id);
        snprintf(o->b, sizeof o->b, "%s", cat->indicators[c->b].id);
        o->n = c->n;
        o->rho = c->rho;
    }
    rc = benchmark_learning_summary(b->learning, run->txn, run->period, cat,
                                    &s, NULL);
    if (rc == 0) {
        rc = bl_results_summary_encode(w, &s);
    }
done:
    bl_results_summary_free(&s);
    return rc;
}

/* Room for one provider's results, reused for every provider of a run. */
static int s_results_alloc(s_run_t *run)
{
    benchmark_t *b = run->b;
    const bl_peer_group_t *xg;
    size_t per = b->cfg->n_groups + benchmark_link_groups(b->link, &xg);
    size_t nk = b->n_ind ? b->n_ind : 1;
    bl_results_provider_t *res = &run->res;
    memset(res, 0, sizeof *res);
    run->groups = calloc(nk * (per ? per : 1), sizeof *run->groups);
    res->indicators = calloc(nk, sizeof *res->indicators);
    res->areas = calloc(nk, sizeof *res->areas);
    res->strengths = calloc(nk, sizeof *res->strengths);
    if (run->groups == NULL || res->indicators == NULL ||
        res->areas == NULL || res->strengths == NULL) {
        return BL_ENOMEM;
    }
    for (size_t k = 0; k < b->n_ind; k++) {
        res->indicators[k].groups = run->groups + k * per;
    }
    return 0;
}

static void s_results_free(s_run_t *run)
{
    free(run->groups);
    free(run->res.indicators);
    free(run->res.areas);
    free(run->res.strengths);
    free(run->res.units);
    free(run->res.followups);
    free(run->res.practices);
    memset(&run->res, 0, sizeof run->res);
    run->cap_practices = 0;
    run->groups = NULL;
    run->cap_units = 0;
}

static int s_send_results(s_run_t *run, bl_err_t *err)
{
    benchmark_t *b = run->b;
    bl_mpw_reset(&b->items);
    uint32_t count = 0;
    int rc = s_results_alloc(run);
    if (rc == 0) {
        rc = benchmark_learning_practices_load(b->learning, run->txn,
                                               run->period, run->in,
                                               &run->practices, err);
    }
    for (size_t i = 0; rc == 0 && i < run->in->n_providers; i++) {
        rc = s_write_provider(run, i, &b->items);
        if (rc == 0 && ++count == S_PROVIDERS_PER_MSG) {
            rc = s_send_items(run, BL_RESULTS_PROVIDERS, count, err);
            count = 0;
        } else if (rc != 0) {
            rc = bl_err_set(err, rc, "cannot encode results");
        }
    }
    s_results_free(run);
    benchmark_learning_practices_free(&run->practices);
    if (rc == 0 && count > 0) {
        rc = s_send_items(run, BL_RESULTS_PROVIDERS, count, err);
    }
    if (rc != 0) {
        return rc;
    }
    bl_mpw_reset(&b->items);
    if (s_write_summary(run, &b->items) != 0) {
        return bl_err_set(err, BL_ENOMEM, "cannot encode summary");
    }
    return s_send_items(run, BL_RESULTS_SUMMARY, 1, err);
}

/* ---- the close ---------------------------------------------------------- */

typedef struct s_keyed {
    const char *key;
    size_t idx;
} s_keyed_t;

static int s_cmp_keyed(const void *a, const void *b)
{
    return strcmp(((const s_keyed_t *)a)->key, ((const s_keyed_t *)b)->key);
}

/* Counts, for every provider, indicator and group, the values in the
 * provider's group instance (for "too few peers: n of them"). */
static int s_instance_counts(benchmark_t *b, const bc_provider_t *ps,
                             size_t n, const double *values, uint32_t *counts,
                             bl_err_t *err)
{
    size_t ng = b->cfg->n_groups, ni = b->n_ind;
    char (*keys)[BC_KEY_MAX] = malloc((n ? n : 1) * sizeof *keys);
    s_keyed_t *order = malloc((n ? n : 1) * sizeof *order);
    if (keys == NULL || order == NULL) {
        free(keys);
        free(order);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    for (size_t g = 0; g < ng; g++) {
        for (size_t i = 0; i < n; i++) {
            bc_group_key(&b->cfg->groups[g], &ps[i], keys[i], BC_KEY_MAX);
            order[i] = (s_keyed_t){keys[i], i};
        }
        if (n > 1) {
            qsort(order, n, sizeof *order, s_cmp_keyed);
        }
        for (size_t lo = 0; lo < n;) {
            size_t hi = lo;
            while (hi < n && strcmp(order[hi].key, order[lo].key) == 0) {
                hi++;
            }
            for (size_t k = 0; k < ni; k++) {
                uint32_t c = 0;
                for (size_t j = lo; j < hi; j++) {
                    c += !isnan(values[order[j].idx * ni + k]);
                }
                for (size_t j = lo; j < hi; j++) {
                    counts[(order[j].idx * ni + k) * ng + g] = c;
                }
            }
            lo = hi;
        }
    }
    free(keys);
    free(order);
    return 0;
}

static int s_compute(benchmark_t *b, MDB_txn *txn, int64_t period,
                     int64_t gen, bl_err_t *err)
{
    bc_provider_t *ps = NULL;
    size_t n = 0;
    int rc = s_load_register(b, txn, &ps, &n, err);
    if (rc != 0) {
        return rc;
    }
    size_t cells_n = (n ? n : 1) * b->n_ind;
    s_cell_t *cells = calloc(cells_n, sizeof *cells);
    s_cell_t *prev = calloc(cells_n, sizeof *prev);
    double *values = calloc(cells_n, sizeof *values);
    size_t ng = b->cfg->n_groups;
    long *pos_index = malloc(cells_n * (ng ? ng : 1) * sizeof *pos_index);
    bool intl;
    bc_output_t out;
    memset(&out, 0, sizeof out);
    bx_external_t ext;
    memset(&ext, 0, sizeof ext);
    if (cells == NULL || prev == NULL || values == NULL || pos_index == NULL) {
        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
        goto done;
    }
    /* An international node takes each country's latest values, whatever
     * generation its national close gave them. */
    intl = b->cfg->role == BL_ROLE_INTERNATIONAL;
    rc = s_load_cells(b, txn, period, intl ? -1 : gen, ps, n, cells, err);
    if (rc != 0) {
        goto done;
    }
    char key[48];
    snprintf(key, sizeof key, "gen.%" PRId64, period - 1);
    uint64_t prev_gen = 0;
    bl_store_get_u64(txn, bl_daemon_meta(b->d), key, &prev_gen, NULL);
    bool has_prev = prev_gen > 0;
    if (has_prev) {
        rc = s_load_cells(b, txn, period - 1, intl ? -1 : (int64_t)prev_gen,
                          ps, n, prev, err);
        if (rc != 0) {
            goto done;
        }
    }
    for (size_t i = 0; i < cells_n; i++) {
        values[i] = cells[i].status == BL_CELL_OK && cells[i].has_value
                        ? cells[i].value
                        : NAN;
    }
    bc_input_t in;
    memset(&in, 0, sizeof in);
    in.cfg = b->cfg;
    in.period = (int)period;
    in.n_providers = n;
    in.providers = ps;
    in.values = values;
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
    rc = bc_compute(&in, &out, err);
    if (rc == 0 && intl) {
        rc = benchmark_external_band4(txn, bl_daemon_dbi(b->d, DB_CBAND4),
                                      period, &in, &out, err);
    }
    if (rc != 0) {
        goto done;
    }
    for (size_t i = 0; i < cells_n * ng; i++) {
        pos_index[i] = -1;
    }
    for (size_t i = 0; i < out.n_positions; i++) {
        const bc_position_t *q = &out.positions[i];
        pos_index[(q->provider * b->n_ind + (size_t)q->indicator) * ng +
                  (size_t)q->group] = (long)i;
    }
    rc = s_store_results(b, txn, period, &in, &out, err);
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
    rc = s_instance_counts(b, ps, n, values, inst_n, err);
    if (rc != 0) {
        free(inst_n);
        goto done;
    }
    s_run_t run;
    memset(&run, 0, sizeof run);
    run.b = b;
    run.txn = txn;
    run.period = period;
    run.gen = gen;
    run.in = &in;
    run.out = &out;
    run.cells = cells;
    run.prev = has_prev ? prev : NULL;
    run.pos_index = pos_index;
    run.inst_n = inst_n;
    run.intl_pending = s_intl_pending(b, txn, period);
    rc = s_send_results(&run, err);
    free(inst_n);
    if (rc == 0) {
        snprintf(key, sizeof key, "gen.%" PRId64, period);
        rc = bl_store_put_u64(txn, bl_daemon_meta(b->d), key, (uint64_t)gen,
                              err);
    }
done:
    bc_output_free(&out);
    benchmark_external_free(&ext);
    free(pos_index);
    free(values);
    free(prev);
    free(cells);
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
        return s_recompute(b, txn, period, err);
    }
    rc = s_compute(b, txn, period, gen, err);
    if (rc == 0) {
        rc = benchmark_link_send_period(b->link, txn, period, gen, err);
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
        db = DB_POSITIONS;
    } else if (strcmp(what, "correlations") == 0) {
        db = DB_CORRS;
    } else {
        bl_reply_error(reply, "cannot export '%s'", what);
        return 0;
    }
    return bl_page_request(txn, bl_daemon_dbi(b->d, db), msg, reply, err);
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
    };
    int rc = benchmark_link_open(&b->link, &env, err);
    if (rc == 0 && benchmark_link_register(b->link, d) != 0) {
        rc = bl_err_set(err, BL_EINVAL, "too many sockets to poll");
    }
    return rc;
}

static void s_tick(void *svc)
{
    benchmark_link_tick(((benchmark_t *)svc)->link);
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
    char *end = NULL;
    long long period = n == 1 ? strtoll(parts[0] + 4, &end, 10) : 0;
    if (end == NULL || *end != '\0' || !s_intl_pending(w->b, w->txn,
                                                       period)) {
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
    .request = s_request,
    .health = s_health,
    .committed = NULL,
    .tick = s_tick,
    .close = s_close,
};
