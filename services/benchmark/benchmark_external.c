/*
 * benchmark_external: reading the groups of another node into the input
 * of bc_compute (see benchmark_external.h).
 */
#include "benchmark_external.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bl_bundle.h"
#include "bl_page.h"
#include "bl_store.h"

#define S_KEY_MAX 480
#define S_ATTRS_MAX 8

/* ---- small helpers ------------------------------------------------------ */

/* Grows *arr (of elem bytes) to hold at least n + 1 elements. */
static int s_grow(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap) {
        return 0;
    }
    size_t c = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, c * elem);
    if (p == NULL) {
        return BL_ENOMEM;
    }
    *arr = p;
    *cap = c;
    return 0;
}

static long s_find_group(const bx_external_t *x, const char *id)
{
    for (size_t g = 0; g < x->n_groups; g++) {
        if (strcmp(x->groups[g].id, id) == 0) {
            return (long)g;
        }
    }
    return -1;
}

static int s_cmp_inst(const bc_ext_instance_t *a, int indicator, size_t group,
                      const char *key)
{
    if (a->indicator != indicator) {
        return a->indicator < indicator ? -1 : 1;
    }
    if (a->group != group) {
        return a->group < group ? -1 : 1;
    }
    return strcmp(a->group_key, key);
}

static int s_qcmp_inst(const void *pa, const void *pb)
{
    const bc_ext_instance_t *b = pb;
    return s_cmp_inst(pa, b->indicator, b->group, b->group_key);
}

/* The instance (indicator, group, key) in the sorted instances, or -1. */
static long s_find_inst(const bx_external_t *x, int indicator, size_t group,
                        const char *key)
{
    size_t lo = 0, hi = x->n_instances;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = s_cmp_inst(&x->instances[mid], indicator, group, key);
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

/* ---- codecs ------------------------------------------------------------- */

void benchmark_external_write_groups(bl_mpw_t *w,
                                     const bl_peer_group_t *groups,
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

void benchmark_external_free_groups(bl_peer_group_t *groups, size_t n)
{
    for (size_t i = 0; groups != NULL && i < n; i++) {
        free(groups[i].id);
        for (size_t a = 0; a < groups[i].n_attrs; a++) {
            free(groups[i].attrs[a]);
        }
        free(groups[i].attrs);
        memset(&groups[i], 0, sizeof groups[i]);
    }
}

int benchmark_external_read_groups(bl_mpr_t *r, bl_peer_group_t *groups,
                                   size_t max, size_t *n_out)
{
    uint32_t n;
    *n_out = 0;
    if (bl_mpr_array(r, &n) != 0 || n > max) {
        return BL_EPROTO;
    }
    for (uint32_t i = 0; i < n; i++) {
        bl_peer_group_t *g = &groups[i];
        uint32_t two, na;
        const char *s;
        uint32_t sl;
        memset(g, 0, sizeof *g);
        if (bl_mpr_array(r, &two) || two != 2 || bl_mpr_str(r, &s, &sl) ||
            sl == 0 || bl_mpr_array(r, &na) || na > S_ATTRS_MAX) {
            return BL_EPROTO;
        }
        g->id = strndup(s, sl);
        g->attrs = calloc(na ? na : 1, sizeof *g->attrs);
        *n_out = i + 1;
        if (g->id == NULL || g->attrs == NULL) {
            return BL_ENOMEM;
        }
        for (uint32_t a = 0; a < na; a++) {
            if (bl_mpr_str(r, &s, &sl) != 0) {
                return BL_EPROTO;
            }
            g->attrs[a] = strndup(s, sl);
            if (g->attrs[a] == NULL) {
                return BL_ENOMEM;
            }
            g->n_attrs = a + 1;
        }
    }
    return 0;
}

void benchmark_external_write_stat(bl_mpw_t *w, const bl_summary_t *s,
                                   double best_in_class)
{
    bl_mpw_array(w, 11);
    bl_mpw_uint(w, s->n);
    bl_mpw_double(w, s->mean);
    bl_mpw_double(w, s->sd);
    bl_mpw_double(w, s->min);
    bl_mpw_double(w, s->p10);
    bl_mpw_double(w, s->p25);
    bl_mpw_double(w, s->p50);
    bl_mpw_double(w, s->p75);
    bl_mpw_double(w, s->p90);
    bl_mpw_double(w, s->max);
    bl_mpw_double(w, best_in_class);
}

int benchmark_external_read_stat(const void *data, size_t len,
                                 bl_summary_t *s, double *best_in_class)
{
    bl_mpr_t r;
    bl_mpr_init(&r, data, len);
    uint32_t eleven;
    uint64_t n;
    double x[10];
    if (bl_mpr_array(&r, &eleven) != 0 || eleven != 11 ||
        bl_mpr_uint(&r, &n) != 0) {
        return BL_EPROTO;
    }
    for (int i = 0; i < 10; i++) {
        if (bl_mpr_double(&r, &x[i]) != 0 || !isfinite(x[i])) {
            return BL_EPROTO;
        }
    }
    memset(s, 0, sizeof *s);
    s->n = (size_t)n;
    s->mean = x[0];
    s->sd = x[1];
    s->min = x[2];
    s->p10 = x[3];
    s->p25 = x[4];
    s->p50 = x[5];
    s->p75 = x[6];
    s->p90 = x[7];
    s->max = x[8];
    s->all_equal = bl_stats_equal(s->max, s->min);
    if (best_in_class != NULL) {
        *best_in_class = x[9];
    }
    return 0;
}

/* ---- loading ------------------------------------------------------------ */

typedef struct s_load {
    const bc_input_t *in;
    bx_external_t *x;
    size_t cap_inst, cap_pos, cap_members, cap_foreign;
    size_t key_parts;      /* 4 (stats) or 5 (xstats: with a country) */
    /* band-4 entries before they are grouped by instance */
    struct s_b4 {
        size_t inst;
        bc_member_t m;
        uint64_t order;
    } *b4;
    size_t n_b4, cap_b4;
} s_load_t;

static int s_on_stat(void *ctx, const char *const *parts, size_t n,
                     const MDB_val *v)
{
    s_load_t *l = ctx;
    if (n != l->key_parts) {
        return 0;
    }
    const char *ind = parts[n - 3], *grp = parts[n - 2], *key = parts[n - 1];
    long g = s_find_group(l->x, grp);
    int k = bl_catalogue_find_indicator(l->in->cfg->catalogue, ind);
    bl_summary_t s;
    if (g < 0 || k < 0 || strlen(key) >= BC_KEY_MAX ||
        benchmark_external_read_stat(v->mv_data, v->mv_size, &s, NULL) != 0) {
        return 0;
    }
    if (s_grow((void **)&l->x->instances, &l->cap_inst, l->x->n_instances,
               sizeof *l->x->instances) != 0) {
        return BL_ENOMEM;
    }
    bc_ext_instance_t *e = &l->x->instances[l->x->n_instances++];
    memset(e, 0, sizeof *e);
    e->indicator = k;
    e->group = (size_t)g;
    snprintf(e->group_key, sizeof e->group_key, "%s", key);
    e->s = s;
    return 0;
}

/* [value, n, rank, band, z, reference, gap] of a national's own provider
 * in an international instance. */
static int s_on_position(void *ctx, const char *const *parts, size_t n,
                         const MDB_val *v)
{
    s_load_t *l = ctx;
    if (n != 5) {
        return 0;
    }
    long g = s_find_group(l->x, parts[2]);
    int k = bl_catalogue_find_indicator(l->in->cfg->catalogue, parts[1]);
    long i = bc_find_provider(l->in->providers, l->in->n_providers,
                              parts[4]);
    long inst = g < 0 || k < 0 ? -1 : s_find_inst(l->x, k, (size_t)g,
                                                  parts[3]);
    if (inst < 0 || i < 0) {
        return 0;
    }
    bc_ext_position_t q;
    memset(&q, 0, sizeof q);
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t seven;
    double count, rank;
    int64_t band;
    bool has_gap;
    if (bl_mpr_array(&r, &seven) || seven != 7 ||
        bl_mpr_double(&r, &q.value) || bl_mpr_double(&r, &count) ||
        bl_mpr_double(&r, &rank) || bl_mpr_int(&r, &band) ||
        bl_mpr_opt_double(&r, &q.has_z, &q.z) ||
        bl_mpr_opt_double(&r, &q.has_reference, &q.reference) ||
        bl_mpr_opt_double(&r, &has_gap, &q.gap) || band < 1 || band > 4) {
        return 0;
    }
    q.has_reference = q.has_reference && has_gap;
    q.band = (int)band;
    q.percentile_rank = rank;
    q.provider = (size_t)i;
    q.instance = (size_t)inst;
    if (s_grow((void **)&l->x->positions, &l->cap_pos, l->x->n_positions,
               sizeof *l->x->positions) != 0) {
        return BL_ENOMEM;
    }
    l->x->positions[l->x->n_positions++] = q;
    return 0;
}

/* A band-4 member: [id, name, country, service_type, users, share,
 * order]. */
static int s_on_band4(void *ctx, const char *const *parts, size_t n,
                      const MDB_val *v)
{
    s_load_t *l = ctx;
    if (n != 5) {
        return 0;
    }
    long g = s_find_group(l->x, parts[2]);
    int k = bl_catalogue_find_indicator(l->in->cfg->catalogue, parts[1]);
    long inst = g < 0 || k < 0 ? -1 : s_find_inst(l->x, k, (size_t)g,
                                                  parts[3]);
    if (inst < 0) {
        return 0;
    }
    bc_foreign_t f;
    memset(&f, 0, sizeof f);
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t seven;
    int64_t users;
    if (bl_mpr_array(&r, &seven) || seven != 7 ||
        bl_mpr_str_copy(&r, f.id, sizeof f.id) ||
        bl_mpr_str_copy(&r, f.name, sizeof f.name) ||
        bl_mpr_str_copy(&r, f.country, sizeof f.country) ||
        bl_mpr_str_copy(&r, f.service_type, sizeof f.service_type) ||
        bl_mpr_int(&r, &users) || bl_mpr_bool(&r, &f.share_identity) ||
        bl_mpr_uint(&r, &f.order) || users < 0) {
        return 0;
    }
    f.users = users;
    if (s_grow((void **)&l->b4, &l->cap_b4, l->n_b4, sizeof *l->b4) != 0) {
        return BL_ENOMEM;
    }
    struct s_b4 *e = &l->b4[l->n_b4];
    e->inst = (size_t)inst;
    e->order = f.order;
    long local = f.id[0] ? bc_find_provider(l->in->providers,
                                            l->in->n_providers, f.id)
                         : -1;
    if (local >= 0) {
        e->m = (bc_member_t){true, (size_t)local};
    } else {
        if (s_grow((void **)&l->x->foreign, &l->cap_foreign,
                   l->x->n_foreign, sizeof *l->x->foreign) != 0) {
            return BL_ENOMEM;
        }
        l->x->foreign[l->x->n_foreign++] = f;
        e->m = (bc_member_t){false, 0};
    }
    l->n_b4++;
    return 0;
}

static int s_cmp_foreign(const void *pa, const void *pb)
{
    const bc_foreign_t *a = pa, *b = pb;
    return (a->order > b->order) - (a->order < b->order);
}

static int s_cmp_b4(const void *pa, const void *pb)
{
    const struct s_b4 *a = pa, *b = pb;
    if (a->inst != b->inst) {
        return a->inst < b->inst ? -1 : 1;
    }
    return (a->order > b->order) - (a->order < b->order);
}

/* Foreign members once each, by order; members grouped by instance. */
static int s_finish_band4(s_load_t *l)
{
    bx_external_t *x = l->x;
    if (x->n_foreign > 1) {
        qsort(x->foreign, x->n_foreign, sizeof *x->foreign, s_cmp_foreign);
        size_t u = 1;
        for (size_t j = 1; j < x->n_foreign; j++) {
            if (x->foreign[j].order != x->foreign[u - 1].order) {
                x->foreign[u++] = x->foreign[j];
            }
        }
        x->n_foreign = u;
    }
    if (l->n_b4 > 1) {
        qsort(l->b4, l->n_b4, sizeof *l->b4, s_cmp_b4);
    }
    x->members = calloc(l->n_b4 ? l->n_b4 : 1, sizeof *x->members);
    if (x->members == NULL) {
        return BL_ENOMEM;
    }
    size_t nm = 0;
    for (size_t j = 0; j < l->n_b4; j++) {
        struct s_b4 *e = &l->b4[j];
        if (!e->m.local) {
            size_t lo = 0, hi = x->n_foreign;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (x->foreign[mid].order < e->order) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            e->m.idx = lo;
        }
        bc_ext_instance_t *inst = &x->instances[e->inst];
        if (inst->band4 == NULL) {
            inst->band4 = &x->members[nm];
        }
        x->members[nm++] = e->m;
        inst->n_band4++;
    }
    return 0;
}

static int s_sort_instances(bx_external_t *x)
{
    if (x->n_instances > 1) {
        qsort(x->instances, x->n_instances, sizeof *x->instances,
              s_qcmp_inst);
    }
    return 0;
}

static int s_copy_groups(bx_external_t *x, const bl_peer_group_t *groups,
                         size_t n)
{
    x->groups = calloc(n ? n : 1, sizeof *x->groups);
    if (x->groups == NULL) {
        return BL_ENOMEM;
    }
    for (size_t g = 0; g < n; g++) {
        bl_peer_group_t *d = &x->groups[g];
        d->id = strdup(groups[g].id);
        d->attrs = calloc(groups[g].n_attrs ? groups[g].n_attrs : 1,
                          sizeof *d->attrs);
        x->n_groups = g + 1;
        if (d->id == NULL || d->attrs == NULL) {
            return BL_ENOMEM;
        }
        for (size_t a = 0; a < groups[g].n_attrs; a++) {
            d->attrs[a] = strdup(groups[g].attrs[a]);
            if (d->attrs[a] == NULL) {
                return BL_ENOMEM;
            }
            d->n_attrs = a + 1;
        }
    }
    return 0;
}

int benchmark_external_national(MDB_txn *txn, const bx_dbs_t *dbs,
                                int64_t period, const bl_peer_group_t *groups,
                                size_t n_groups, const bc_input_t *in,
                                bx_external_t *out, bl_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (n_groups == 0) {
        return 0;
    }
    s_load_t l;
    memset(&l, 0, sizeof l);
    l.in = in;
    l.x = out;
    l.key_parts = 4;
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    int rc = s_copy_groups(out, groups, n_groups);
    if (rc == 0) {
        rc = bl_page_each(txn, dbs->stats, prefix, pl, s_on_stat, &l, err);
    }
    if (rc == 0) {
        rc = s_sort_instances(out);
    }
    if (rc == 0) {
        rc = bl_bundle_each(txn, dbs->positions, prefix, pl, s_on_position, &l,
                          err);
    }
    if (rc == 0) {
        rc = bl_page_each(txn, dbs->xband4, prefix, pl, s_on_band4, &l, err);
    }
    if (rc == 0) {
        rc = s_finish_band4(&l);
    }
    free(l.b4);
    if (rc != 0) {
        benchmark_external_free(out);
        return bl_err_set(err, rc, "cannot load the international results "
                                   "of %" PRId64 ": %s",
                          period, bl_strerror(rc));
    }
    return 0;
}

/* Adds the groups of one country's "ngroups.<CC>" (ids not yet known). */
static int s_on_ngroups(void *ctx, const char *const *parts, size_t n,
                        const MDB_val *v)
{
    (void)parts;
    (void)n;
    s_load_t *l = ctx;
    bl_peer_group_t gs[16];
    size_t ng = 0;
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    int rc = benchmark_external_read_groups(&r, gs, 16, &ng);
    for (size_t g = 0; rc == 0 && g < ng; g++) {
        if (s_find_group(l->x, gs[g].id) < 0 &&
            bl_config_find_group(l->in->cfg, gs[g].id) < 0) {
            bl_peer_group_t *grown =
                realloc(l->x->groups, (l->x->n_groups + 1) * sizeof *grown);
            if (grown == NULL) {
                rc = BL_ENOMEM;
                break;
            }
            l->x->groups = grown;
            l->x->groups[l->x->n_groups++] = gs[g];
            memset(&gs[g], 0, sizeof gs[g]);
        }
    }
    benchmark_external_free_groups(gs, ng);
    return rc == BL_ENOMEM ? rc : 0;
}

int benchmark_external_international(MDB_txn *txn, const bx_dbs_t *dbs,
                                     int64_t period, const bc_input_t *in,
                                     bx_external_t *out, bl_err_t *err)
{
    memset(out, 0, sizeof *out);
    s_load_t l;
    memset(&l, 0, sizeof l);
    l.in = in;
    l.x = out;
    l.key_parts = 5;
    int rc = bl_page_each(txn, dbs->meta, "ngroups.", 8, s_on_ngroups, &l,
                          err);
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 period);
    if (rc == 0 && out->n_groups > 0) {
        rc = bl_page_each(txn, dbs->xstats, prefix, pl, s_on_stat, &l, err);
    }
    if (rc == 0) {
        rc = s_sort_instances(out);
    }
    if (rc != 0) {
        benchmark_external_free(out);
        return bl_err_set(err, rc, "cannot load the national statistics "
                                   "of %" PRId64 ": %s",
                          period, bl_strerror(rc));
    }
    return 0;
}

/* ---- the international node's band-4 rows ------------------------------ */

/* The band-4 positions of out, in their order (by indicator, group, key
 * and provider index); *b4 is the caller's to free. */
static int s_band4_positions(const bc_input_t *in, const bc_output_t *out,
                             uint32_t **b4, size_t *n4)
{
    *n4 = 0;
    *b4 = malloc((out->n_positions ? out->n_positions : 1) * sizeof **b4);
    if (*b4 == NULL) {
        return BL_ENOMEM;
    }
    for (size_t x = 0; x < out->n_positions; x++) {
        bc_position_t q;
        bc_position(in, out, x, &q);
        if (q.band == 4) {
            (*b4)[(*n4)++] = (uint32_t)x;
        }
    }
    return 0;
}

/* Adds the band-4 row of position q to its instance's bundle (begun on
 * the instance's first row, the one before put): the real id always (the
 * door blanks it for the countries that may not see it), the name only
 * when shared. */
static int s_band4_row(MDB_txn *txn, MDB_dbi dbi, const char *period,
                       const bc_input_t *in, const bc_output_t *out,
                       const bc_position_t *q, bl_bundle_t *bundle,
                       uint32_t *stat, bl_mpw_t *w, bl_err_t *err)
{
    if (q->stat != *stat) {
        int rc = bl_bundle_put(bundle, txn, dbi, err);
        if (rc != 0) {
            return rc;
        }
        *stat = q->stat;
        const char *parts[] = {period,
                               in->cfg->catalogue->indicators[q->indicator].id,
                               in->cfg->groups[q->group].id,
                               out->stats[q->stat].group_key};
        /* Room for the "CC\x1f" the door shows after the period, and for
         * the order after the instance. */
        char key[S_KEY_MAX - 3 - BX_ORDER_DIGITS - 1];
        size_t kl = bl_page_join(key, sizeof key, parts, 4);
        if (kl == 0 || bl_bundle_begin(bundle, key, kl) != 0) {
            return 0;  /* no room: the instance's rows are left out */
        }
    }
    if (!bundle->open) {
        return 0;
    }
    const bc_provider_t *pv = &in->providers[q->provider];
    char order[BX_ORDER_DIGITS + 1];
    snprintf(order, sizeof order, "%0*zu", BX_ORDER_DIGITS,
             (size_t)q->provider);
    bl_mpw_reset(w);
    bl_mpw_array(w, 7);
    bl_mpw_str(w, pv->id);
    bl_mpw_str(w, pv->share_identity ? pv->name : "");
    bl_mpw_str(w, pv->country);
    bl_mpw_str(w, pv->service_type);
    bl_mpw_int(w, pv->users);
    bl_mpw_bool(w, pv->share_identity);
    bl_mpw_uint(w, q->provider);
    if (w->err) {
        return bl_err_set(err, w->err, "cannot encode a band-4 row");
    }
    bl_bundle_add(bundle, order, BX_ORDER_DIGITS, bl_mpw_data(w),
                  bl_mpw_size(w));
    return 0;
}

int benchmark_external_band4(MDB_txn *txn, MDB_dbi dbi, int64_t period,
                             const bc_input_t *in, const bc_output_t *out,
                             bl_err_t *err)
{
    char p[24];
    snprintf(p, sizeof p, "%" PRId64, period);
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%s\x1f", p);
    /* also removes the rows of the old layout (one copy per country) */
    int rc = bl_page_delete(txn, dbi, prefix, pl, err);
    if (rc != 0) {
        return rc;
    }
    uint32_t *b4;
    size_t n4;
    if (s_band4_positions(in, out, &b4, &n4) != 0) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    bl_mpw_t w;
    bl_mpw_init(&w);
    /* One bundle per instance (bl_bundle.h), its rows by order.  The
     * positions come in key order: each bundle is appended. */
    bl_bundle_t bundle;
    bl_bundle_init(&bundle);
    uint32_t stat = UINT32_MAX;
    for (size_t y = 0; y < n4 && rc == 0; y++) {
        bc_position_t q;
        bc_position(in, out, b4[y], &q);
        rc = s_band4_row(txn, dbi, p, in, out, &q, &bundle, &stat, &w, err);
    }
    if (rc == 0) {
        rc = bl_bundle_put(&bundle, txn, dbi, err);
    }
    bl_bundle_destroy(&bundle);
    bl_mpw_destroy(&w);
    free(b4);
    return rc;
}

/* The band-4 row value [id, name, country, service_type, users, share,
 * order] as the country ctx (a NUL-terminated code) may see it: the id
 * only when the provider shares its identity or is of that country. */
static int s_band4_value(void *ctx, const MDB_val *v, bl_mpw_t *rows)
{
    const char *cc = ctx;
    bl_mpr_t r;
    bl_mpr_init(&r, v->mv_data, v->mv_size);
    uint32_t n, id_len, name_len, country_len, type_len;
    const char *id, *name, *country, *type;
    int64_t users;
    bool share;
    uint64_t order;
    if (bl_mpr_array(&r, &n) != 0 || n != 7 ||
        bl_mpr_str(&r, &id, &id_len) != 0) {
        return BL_EPROTO;
    }
    const uint8_t *rest = r.p;
    if (bl_mpr_str(&r, &name, &name_len) != 0 ||
        bl_mpr_str(&r, &country, &country_len) != 0 ||
        bl_mpr_str(&r, &type, &type_len) != 0 ||
        bl_mpr_int(&r, &users) != 0 || bl_mpr_bool(&r, &share) != 0 ||
        bl_mpr_uint(&r, &order) != 0 || !bl_mpr_done(&r)) {
        return BL_EPROTO;
    }
    bool known = share || (country_len == strlen(cc) &&
                           memcmp(country, cc, country_len) == 0);
    if (known) {
        bl_mpw_raw(rows, v->mv_data, v->mv_size);
    } else {
        bl_mpw_array(rows, 7);
        bl_mpw_str(rows, "");
        bl_mpw_raw(rows, rest, (size_t)(r.end - rest));
    }
    return rows->err;
}

int benchmark_external_band4_page(MDB_txn *txn, MDB_dbi dbi, int64_t period,
                                  const char *country, const char *after,
                                  size_t after_len, size_t limit,
                                  bl_mpw_t *reply, bl_err_t *err)
{
    char stored[32], shown[48];
    size_t sl = (size_t)snprintf(stored, sizeof stored, "%" PRId64 "\x1f",
                                 period);
    int shl = snprintf(shown, sizeof shown, "%s%s\x1f", stored, country);
    if (shl < 0 || (size_t)shl >= sizeof shown) {
        return bl_err_set(err, BL_EINVAL, "country '%s' is too long",
                          country);
    }
    bl_page_view_t view = {stored, sl, shown, (size_t)shl, s_band4_value,
                           (void *)country};
    int rc = bl_bundle_reply_view(txn, dbi, &view, after, after_len, limit,
                                  reply, err);
    if (rc == BL_EPROTO) {
        return bl_err_set(err, rc, "a stored band-4 row of %" PRId64
                                   " is malformed", period);
    }
    return rc;
}

/* ---- the rest ----------------------------------------------------------- */

void benchmark_external_attach(bc_input_t *in, const bx_external_t *ext)
{
    in->n_ext_groups = ext->n_groups;
    in->ext_groups = ext->groups;
    in->n_ext_instances = ext->n_instances;
    in->ext_instances = ext->instances;
    in->n_ext_positions = ext->n_positions;
    in->ext_positions = ext->positions;
    in->n_foreign = ext->n_foreign;
    in->foreign = ext->foreign;
}

void benchmark_external_free(bx_external_t *ext)
{
    if (ext == NULL) {
        return;
    }
    benchmark_external_free_groups(ext->groups, ext->n_groups);
    free(ext->groups);
    free(ext->instances);
    free(ext->positions);
    free(ext->foreign);
    free(ext->members);
    memset(ext, 0, sizeof *ext);
}
