/*
 * benchmark_store: the stored statistics, positions and relationships of
 * a period (see benchmark_store.h).
 */
#include "benchmark_store.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_bundle.h"
#include "bl_page.h"
#include "bl_store.h"
#include "bl_vec.h"

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

/* Position keys, built one after the other: period \x1f [country \x1f]
 * indicator \x1f group \x1f group key, then \x1f provider in the bundle
 * of the group instance (bl_bundle.h).  The instance's key is joined again
 * only when the statistic changes (millions of positions, a thousand
 * statistics). */
typedef struct s_pos_keys {
    const benchmark_t *b;
    const bc_input_t *in;
    const bc_output_t *out;
    const char *period;
    const char *country;           /* NULL: the positions database */
    uint32_t stat;                 /* of the prefix; UINT32_MAX: none */
    size_t pl;                     /* its length, 0 when it did not fit */
    char key[BL_STORE_KEY_MAX];
} s_pos_keys_t;

static void s_pos_keys_init(s_pos_keys_t *k, const benchmark_t *b,
                            const bc_input_t *in, const bc_output_t *out,
                            const char *period, const char *country)
{
    k->b = b;
    k->in = in;
    k->out = out;
    k->period = period;
    k->country = country;
    k->stat = UINT32_MAX;
    k->pl = 0;
}

/* The key of position q's group instance (the part of its key before the
 * provider) in k->key; its length, 0 when it does not fit. */
static size_t s_pos_instance(s_pos_keys_t *k, const bc_position_t *q)
{
    if (q->stat != k->stat) {
        const bc_stat_t *s = &k->out->stats[q->stat];
        const bl_catalogue_t *cat = k->b->cfg->catalogue;
        const char *parts[5];
        size_t n = 0;
        parts[n++] = k->period;
        if (k->country != NULL) {
            parts[n++] = k->country;
        }
        parts[n++] = cat->indicators[q->indicator].id;
        parts[n++] = k->b->cfg->groups[q->group].id;
        parts[n++] = s->group_key;
        k->pl = bl_page_join(k->key, sizeof k->key, parts, n);
        k->stat = q->stat;
    }
    return k->pl;
}

/* [value, n, percentile rank, band, z, reference, gap] into w. */
static void s_write_position(bl_mpw_t *w, const bc_output_t *out,
                             const bc_position_t *q)
{
    bl_mpw_reset(w);
    bl_mpw_array(w, 7);
    bl_mpw_double(w, q->value);
    bl_mpw_uint(w, out->stats[q->stat].s.n);
    bl_mpw_double(w, q->percentile_rank);
    bl_mpw_int(w, q->band);
    bl_mpw_opt_double(w, q->has_z, q->z);
    bl_mpw_opt_double(w, q->has_reference, q->reference);
    bl_mpw_opt_double(w, q->has_reference, q->gap);
}

/* The positions of out into dbi, one bundle per group instance: all of
 * them (ci NULL), or those of country's providers (ci[provider] == c)
 * under keys with the country.  out->positions is in key order, so the
 * bundles are appended, not searched for. */
static int s_put_positions(benchmark_t *b, MDB_txn *txn, MDB_dbi dbi,
                           const bc_input_t *in, const bc_output_t *out,
                           const bc_id_index_t *ids, const char *period,
                           const char *country, const uint32_t *ci,
                           uint32_t c, bl_err_t *err)
{
    s_pos_keys_t keys;
    s_pos_keys_init(&keys, b, in, out, period, country);
    bl_bundle_t bundle;
    bl_bundle_init(&bundle);
    bl_mpw_t *w = &b->w;
    int rc = 0;
    for (size_t x = 0; x < out->n_positions && rc == 0; x++) {
        if (ci != NULL && ci[out->positions[x].provider] != c) {
            continue;
        }
        bc_position_t q;
        bc_position(in, out, x, &q);
        if (q.stat != keys.stat) {
            rc = bl_bundle_put(&bundle, txn, dbi, err);
            size_t kl = s_pos_instance(&keys, &q);
            if (kl > 0) {
                bl_bundle_begin(&bundle, keys.key, kl);
            }
        }
        if (bundle.open) {
            size_t il;
            const char *id = bc_id_index_id(ids, q.provider, &il);
            s_write_position(w, out, &q);
            bl_bundle_add(&bundle, id, il, bl_mpw_data(w), bl_mpw_size(w));
        }
    }
    if (rc == 0) {
        rc = bl_bundle_put(&bundle, txn, dbi, err);
    }
    bl_bundle_destroy(&bundle);
    return rc;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The international node's positions again by country, for the national
 * nodes' downlink: one country after the other (countries by code), so
 * that the keys come in order and are appended. */
static int s_put_cpos(benchmark_t *b, MDB_txn *txn, const char *period,
                      const bc_input_t *in, const bc_output_t *out,
                      const bc_id_index_t *ids, bl_err_t *err)
{
    size_t n = in->n_providers;
    const char **cs = malloc((n ? n : 1) * sizeof *cs);
    uint32_t *ci = malloc((n ? n : 1) * sizeof *ci);
    if (cs == NULL || ci == NULL) {
        free(cs);
        free(ci);
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    size_t nc = 0;
    for (size_t i = 0; i < n; i++) {
        cs[nc++] = in->providers[i].country;
    }
    if (nc > 1) {
        qsort(cs, nc, sizeof *cs, s_cmp_str);
    }
    size_t u = 0;
    for (size_t j = 0; j < nc; j++) {
        if (u == 0 || strcmp(cs[u - 1], cs[j]) != 0) {
            cs[u++] = cs[j];
        }
    }
    nc = u;
    for (size_t i = 0; i < n; i++) {
        size_t lo = 0, hi = nc;
        while (lo < hi) {   /* it is there: find it */
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(cs[mid], in->providers[i].country) < 0) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        ci[i] = (uint32_t)lo;
    }
    int rc = 0;
    for (size_t c = 0; c < nc && rc == 0; c++) {
        rc = s_put_positions(b, txn, bl_daemon_dbi(b->d, DB_CPOS), in, out,
                             ids, period, cs[c], ci, (uint32_t)c, err);
    }
    free(cs);
    free(ci);
    return rc;
}

int bstore_put_results(benchmark_t *b, MDB_txn *txn, int64_t period,
                       const bc_input_t *in, const bc_output_t *out,
                       bl_err_t *err)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    bc_id_index_t ids;
    if (bc_id_index_build(&ids, in->providers, in->n_providers) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
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
        char key[BL_STORE_KEY_MAX];
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
    if (rc == 0) {
        rc = s_put_positions(b, txn, bl_daemon_dbi(b->d, DB_POSITIONS), in,
                             out, &ids, p, NULL, NULL, 0, err);
    }
    if (rc == 0 && b->downlink) {   /* (only an international node's) */
        rc = s_put_cpos(b, txn, p, in, out, &ids, err);
    }
    for (size_t i = 0; i < out->n_corrs && rc == 0; i++) {
        const bc_corr_t *c = &out->corrs[i];
        const char *parts[] = {p, b->cfg->groups[c->group].id, c->group_key,
                               cat->indicators[c->a].id,
                               cat->indicators[c->b].id};
        char key[BL_STORE_KEY_MAX];
        size_t kl = bl_page_join(key, sizeof key, parts, 5);
        bl_mpw_reset(w);
        bl_mpw_array(w, 2);
        bl_mpw_uint(w, c->n);
        bl_mpw_double(w, c->rho);
        rc = bl_store_put(txn, bl_daemon_dbi(b->d, DB_CORRS), key, kl,
                          bl_mpw_data(w), bl_mpw_size(w), err);
    }
    bc_id_index_free(&ids);
    return rc;
}

typedef struct s_prev_ctx {
    benchmark_t *b;
    const bc_provider_t *ps;
    size_t n;
    double *ranks;
    bc_id_index_t ids;             /* the providers by id */
    const char *pool;              /* the group keys below, one block */
    const uint32_t *gkeys;         /* [g * n + i]: where provider i's key
                                      of now in group g starts in pool */
    /* the instance of the row before: its parts and what they name */
    char last[3][BL_PAGE_KEY_MAX];
    int k, g;
} s_prev_ctx_t;

static int s_prev_rank_of(void *ctx, const char *const *parts, size_t n,
                          const MDB_val *v)
{
    s_prev_ctx_t *c = ctx;
    if (n != 5) {
        return 0;
    }
    /* rows come instance after instance: look its parts up once */
    if (strcmp(parts[1], c->last[0]) != 0 || strcmp(parts[2], c->last[1])
        || strcmp(parts[3], c->last[2]) != 0) {
        snprintf(c->last[0], sizeof c->last[0], "%s", parts[1]);
        snprintf(c->last[1], sizeof c->last[1], "%s", parts[2]);
        snprintf(c->last[2], sizeof c->last[2], "%s", parts[3]);
        c->g = bl_config_find_group(c->b->cfg, parts[2]);
        c->k = bl_catalogue_find_indicator(c->b->cfg->catalogue, parts[1]);
    }
    int g = c->g;
    int k = c->k;
    long i = g < 0 || k < 0 ? -1 : bc_id_index_find(&c->ids, parts[4]);
    if (i < 0) {
        return 0;
    }
    /* only the row under the provider's key of now */
    if (strcmp(c->pool + c->gkeys[(size_t)g * c->n + (size_t)i],
               parts[3]) != 0) {
        return 0;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t seven;
    double value, count, rank;
    if (bl_mpr_array(&r, &seven) == 0 && bl_mpr_double(&r, &value) == 0 &&
        bl_mpr_double(&r, &count) == 0 && bl_mpr_double(&r, &rank) == 0) {
        size_t ng = c->b->cfg->n_groups;
        c->ranks[((size_t)i * c->b->n_ind + (size_t)k) * ng + (size_t)g] =
            rank;
    }
    return 0;
}

/* The percentile ranks of the previous period, from its stored positions
 * in one walk (a lookup per provider, indicator and group was millions of
 * tree searches). */
int bstore_prev_ranks(benchmark_t *b, MDB_txn *txn, int64_t period,
                      const bc_provider_t *ps, size_t n, double *ranks,
                      bl_err_t *err)
{
    size_t cells = n * b->n_ind * b->cfg->n_groups;
    for (size_t x = 0; x < cells; x++) {
        ranks[x] = NAN;
    }
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period - 1);
    size_t ng = b->cfg->n_groups;
    s_prev_ctx_t *c = calloc(1, sizeof *c);
    uint32_t *gkeys = calloc((n ? n : 1) * (ng ? ng : 1), sizeof *gkeys);
    char *pool = NULL;
    size_t pool_len = 0, pool_cap = 0;
    int rc = c == NULL || gkeys == NULL ? BL_ENOMEM
                                        : bc_id_index_build(&c->ids, ps, n);
    for (size_t g = 0; g < ng && rc == 0; g++) {
        for (size_t i = 0; i < n && rc == 0; i++) {
            char gk[BC_KEY_MAX];
            bc_group_key(&b->cfg->groups[g], &ps[i], gk, sizeof gk);
            size_t len = strlen(gk) + 1;
            rc = pool_len > UINT32_MAX - sizeof gk
                     ? BL_ENOMEM
                     : BL_GROW(pool, pool_cap, pool_len + len);
            if (rc == 0) {
                gkeys[g * n + i] = (uint32_t)pool_len;
                memcpy(pool + pool_len, gk, len);
                pool_len += len;
            }
        }
    }
    if (rc == 0) {
        c->b = b;
        c->ps = ps;
        c->n = n;
        c->ranks = ranks;
        c->pool = pool;
        c->gkeys = gkeys;
        c->k = c->g = -1;
        rc = bl_bundle_each(txn, bl_daemon_dbi(b->d, DB_POSITIONS), prefix, pl,
                          s_prev_rank_of, c, err);
    } else {
        bl_err_set(err, rc, "out of memory");
    }
    if (c != NULL) {
        bc_id_index_free(&c->ids);
    }
    free(pool);
    free(gkeys);
    free(c);
    return rc;
}

static void *s_prev_job_main(void *arg)
{
    bstore_prev_job_t *j = arg;
    MDB_txn *txn = NULL;
    j->rc = bl_store_read(bl_daemon_store(j->b->d), &txn, &j->err);
    if (j->rc == 0) {
        j->rc = bstore_prev_ranks(j->b, txn, j->period, j->ps, j->n,
                                  j->ranks, &j->err);
        mdb_txn_abort(txn);
    }
    return NULL;
}

bool bstore_prev_job_start(bstore_prev_job_t *j, benchmark_t *b,
                           int64_t period, const bc_provider_t *ps, size_t n,
                           double *ranks)
{
    memset(j, 0, sizeof *j);
    j->b = b;
    j->period = period;
    j->ps = ps;
    j->n = n;
    j->ranks = ranks;
    j->started = pthread_create(&j->tid, NULL, s_prev_job_main, j) == 0;
    return j->started;
}

int bstore_prev_job_finish(bstore_prev_job_t *j, bl_err_t *err)
{
    if (!j->started) {
        return 0;
    }
    j->started = false;
    if (pthread_join(j->tid, NULL) != 0) {
        return bl_err_set(err, BL_EINVAL, "the previous ranks' thread "
                          "cannot be joined");
    }
    if (j->rc != 0 && err != NULL) {
        *err = j->err;
    }
    return j->rc;
}
