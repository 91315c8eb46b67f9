/*
 * benchmark_store: the stored statistics, positions and relationships of
 * a period (see benchmark_store.h).
 */
#include "benchmark_store.h"

#include <inttypes.h>
#include <stdio.h>

#include "bl_page.h"
#include "bl_store.h"

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

int bstore_put_results(benchmark_t *b, MDB_txn *txn, int64_t period,
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
    for (size_t i = 0; i < out->n_positions && rc == 0; i++) {
        const bc_position_t *q = &out->positions[i];
        const bc_stat_t *s = &out->stats[q->stat];
        const char *parts[] = {p, cat->indicators[q->indicator].id,
                               b->cfg->groups[q->group].id, s->group_key,
                               in->providers[q->provider].id};
        char key[BL_STORE_KEY_MAX];
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
        char key[BL_STORE_KEY_MAX];
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
bool bstore_prev_rank(benchmark_t *b, MDB_txn *txn, int64_t period, int ind,
                      int g, const bc_provider_t *p, double *rank)
{
    char pp[24], gk[BC_KEY_MAX];
    snprintf(pp, sizeof pp, "%" PRId64, period - 1);
    bc_group_key(&b->cfg->groups[g], p, gk, sizeof gk);
    const char *parts[] = {pp, b->cfg->catalogue->indicators[ind].id,
                           b->cfg->groups[g].id, gk, p->id};
    char key[BL_STORE_KEY_MAX];
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
