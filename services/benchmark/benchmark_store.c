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
#include "bl_net.h"
#include "bl_page.h"
#include "bl_store.h"
#include "bl_strset.h"

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
    size_t n, ng;
    double *ranks;
    bc_id_index_t ids;             /* the providers by id */
    bl_strset_t keys;              /* their group keys of now, each once:
                                      a row's key is checked by number */
    uint32_t *gkeys;               /* [g * n + i]: provider i's key of now
                                      in group g (its number in keys) */
    /* Rows are in id order and the instances of one group key hold
     * mostly the same providers, so the row after provider i's in group
     * g's last bundle is most likely the next one here too: checked with
     * one compare before the id is hashed.  [g * n + i], and the first
     * row's per group; UINT32_MAX for none. */
    uint32_t *next;
    uint32_t *first;
    /* the bundle being read: what its key names */
    int k, g;
    uint32_t key;
    long prev;                     /* the provider of the row before in
                                      it; -1 at its start */
} s_prev_ctx_t;

static int s_prev_bundle(void *ctx, const char *const *parts, size_t n)
{
    s_prev_ctx_t *c = ctx;
    if (n != 4) {
        return 1;
    }
    c->g = bl_config_find_group(c->b->cfg, parts[2]);
    c->k = bl_catalogue_find_indicator(c->b->cfg->catalogue, parts[1]);
    long key = c->g < 0 || c->k < 0
                   ? -1
                   : bl_strset_find(&c->keys, parts[3], strlen(parts[3]));
    if (key < 0) {
        return 1;   /* no provider has this instance's key now */
    }
    c->key = (uint32_t)key;
    c->prev = -1;
    return 0;
}

static int s_prev_row(void *ctx, const char *id, size_t len,
                      const MDB_val *v)
{
    s_prev_ctx_t *c = ctx;
    size_t g = (size_t)c->g;
    uint32_t *next = c->prev < 0 ? &c->first[g]
                                 : &c->next[g * c->n + (size_t)c->prev];
    size_t gl = 0;
    const char *guess = *next < c->n ? bc_id_index_id(&c->ids, *next, &gl)
                                     : NULL;
    long i = guess != NULL && gl == len && memcmp(guess, id, len) == 0
                 ? (long)*next
                 : bc_id_index_find_n(&c->ids, id, len);
    if (i < 0) {
        return 0;
    }
    *next = (uint32_t)i;
    c->prev = i;
    /* only the row under the provider's key of now */
    if (c->gkeys[g * c->n + (size_t)i] != c->key) {
        return 0;
    }
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t seven;
    double value, count, rank;
    if (bl_mpr_array(&r, &seven) == 0 && bl_mpr_double(&r, &value) == 0 &&
        bl_mpr_double(&r, &count) == 0 && bl_mpr_double(&r, &rank) == 0) {
        c->ranks[((size_t)i * c->b->n_ind + (size_t)c->k) * c->ng + g] = rank;
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
    size_t ng = b->cfg->n_groups;
    size_t cells = n * b->n_ind * ng;
    for (size_t x = 0; x < cells; x++) {
        ranks[x] = NAN;
    }
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period - 1);
    s_prev_ctx_t c;
    memset(&c, 0, sizeof c);
    bl_strset_init(&c.keys);
    size_t per = (n ? n : 1) * (ng ? ng : 1);
    c.gkeys = malloc(per * sizeof *c.gkeys);
    c.next = malloc(per * sizeof *c.next);
    c.first = malloc((ng ? ng : 1) * sizeof *c.first);
    int rc = c.gkeys == NULL || c.next == NULL || c.first == NULL
                 ? BL_ENOMEM
                 : bc_id_index_build(&c.ids, ps, n);
    for (size_t g = 0; g < ng && rc == 0; g++) {
        c.first[g] = UINT32_MAX;
        for (size_t i = 0; i < n && rc == 0; i++) {
            char gk[BC_KEY_MAX];
            bc_group_key(&b->cfg->groups[g], &ps[i], gk, sizeof gk);
            long key = bl_strset_add(&c.keys, gk, strlen(gk));
            rc = key < 0 ? BL_ENOMEM : 0;
            c.gkeys[g * n + i] = (uint32_t)key;
            c.next[g * n + i] = UINT32_MAX;
        }
    }
    if (rc == 0) {
        static const bl_bundle_visit_t visit = {s_prev_bundle, s_prev_row};
        c.b = b;
        c.n = n;
        c.ng = ng;
        c.ranks = ranks;
        rc = bl_bundle_walk(txn, bl_daemon_dbi(b->d, DB_POSITIONS), prefix,
                            pl, &visit, &c, err);
    } else {
        bl_err_set(err, rc, "out of memory");
    }
    bc_id_index_free(&c.ids);
    bl_strset_destroy(&c.keys);
    free(c.gkeys);
    free(c.next);
    free(c.first);
    return rc;
}

static void *s_prev_job_main(void *arg)
{
    bstore_prev_job_t *j = arg;
    int64_t t0 = bl_net_now_ms();
    MDB_txn *txn = NULL;
    j->rc = bl_store_read(bl_daemon_store(j->b->d), &txn, &j->err);
    if (j->rc == 0) {
        j->rc = bstore_prev_ranks(j->b, txn, j->period, j->ps, j->n,
                                  j->ranks, &j->err);
        mdb_txn_abort(txn);
    }
    j->seconds = (double)(bl_net_now_ms() - t0) / 1e3;
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
