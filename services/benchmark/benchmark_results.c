/*
 * benchmark_results: the per-provider results and the coordinator's
 * summary of a computation, for the report daemon (see
 * benchmark_results.h).
 */
#include "benchmark_results.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchmark_external.h"
#include "benchmark_store.h"
#include "bl_bundle.h"
#include "bl_page.h"
#include "bl_scan.h"
#include "bl_store.h"
#include "bl_str.h"
#include "bl_vec.h"

#define S_PROVIDERS_PER_MSG 100
/* A results message is sent once its providers' results reach this size:
 * the outbox keeps up to a window of messages in flight, and ZeroMQ holds
 * a copy of each, so the message size bounds the daemon's heap (100
 * providers of 46 indicators came to 1.2 MB, and 256 of those in flight
 * to 600 MB). */
#define S_RESULTS_MSG_BYTES (128u * 1024u)

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
        bl_str_copy(pt->id, sizeof pt->id, id);
        bl_str_copy(pt->name, sizeof pt->name, name);
    }
    bl_str_copy(pt->service_type, sizeof pt->service_type, st);
    bl_str_copy(pt->country, sizeof pt->country, country);
}

/* Fills g from a position of this run.  The instance's statistics are
 * not in it: they went once, in a stats item (s_send_stats). */
static void s_fill_position(bl_results_group_t *g, const bc_position_t *q)
{
    g->percentile_rank = q->percentile_rank;
    g->band = q->band;
    g->has_z = q->has_z;
    g->z = q->z;
    g->has_reference = q->has_reference;
    g->reference = q->reference;
    g->gap = q->gap;
}

/* The provider's positions in the international node's groups, as they
 * came back over the link (benchmark_external_national loaded them, with
 * their instances' statistics, which s_send_external_stats sent),
 * appended to ind's groups. */
static void s_add_external(bres_run_t *run, size_t i, size_t k,
                           bl_results_indicator_t *ind)
{
    const bc_input_t *in = run->in;
    size_t nx = in->n_ext_groups;
    if (run->ext_at == NULL) {
        return;
    }
    const bc_provider_t *p = &in->providers[i];
    for (size_t g = 0; g < nx; g++) {
        uint32_t x = run->ext_at[(i * run->b->n_ind + k) * nx + g];
        if (x == BRES_NO_POSITION) {
            continue;
        }
        const bc_ext_position_t *xp = &in->ext_positions[x];
        char gk[BC_KEY_MAX];
        bc_group_key(&in->ext_groups[g], p, gk, sizeof gk);
        if (strcmp(in->ext_instances[xp->instance].group_key, gk) != 0) {
            continue;  /* not the provider's instance of now */
        }
        bc_position_t q;
        memset(&q, 0, sizeof q);
        q.value = xp->value;
        q.percentile_rank = xp->percentile_rank;
        q.band = xp->band;
        q.has_z = xp->has_z;
        q.z = xp->z;
        q.has_reference = xp->has_reference;
        q.reference = xp->reference;
        q.gap = xp->gap;
        bl_results_group_t *e = &ind->groups[ind->n_groups++];
        memset(e, 0, sizeof *e);
        bl_str_copy(e->id, sizeof e->id, in->ext_groups[g].id);
        bl_str_copy(e->key, sizeof e->key, gk);
        s_fill_position(e, &q);
    }
}

/* Where each provider's external positions are: run->ext_at. */
static int s_index_external(bres_run_t *run)
{
    const bc_input_t *in = run->in;
    size_t nx = in->n_ext_groups;
    if (nx == 0 || in->n_ext_positions == 0) {
        return 0;
    }
    size_t cells = in->n_providers * run->b->n_ind * nx;
    run->ext_at = malloc(cells * sizeof *run->ext_at);
    if (run->ext_at == NULL) {
        return BL_ENOMEM;
    }
    for (size_t c = 0; c < cells; c++) {
        run->ext_at[c] = BRES_NO_POSITION;
    }
    for (size_t x = 0; x < in->n_ext_positions && x < UINT32_MAX; x++) {
        const bc_ext_position_t *q = &in->ext_positions[x];
        const bc_ext_instance_t *inst = &in->ext_instances[q->instance];
        run->ext_at[(q->provider * run->b->n_ind + (size_t)inst->indicator) *
                        nx + inst->group] = (uint32_t)x;
    }
    return 0;
}

/* ---- one provider's results ------------------------------------------- */

/* The providers' results go through batches of up to S_BATCH consecutive
 * providers (fewer in a small run, so that every run has several),
 * S_BATCHES of them in flight: the main thread reads a
 * batch's rows from the store (s_read_batch: only it uses the
 * transaction), an encoder thread fills in the rest of each provider's
 * results from the computation and encodes them (s_encode_batch), and the
 * main thread puts them into the outbox in provider order (the messages
 * are as one thread would write them).  Handing over batches, not
 * providers: a wake-up between threads costs tens of microseconds here,
 * 50,000 of them more than the encoding itself. */
#define S_BATCH 256
#define S_BATCHES 4

/* What one provider's results read from the store. */
typedef struct s_stored {
    size_t units_at, n_units;   /* its unit rows in the batch's units */
    bl_results_followup_t *followups;
    size_t n_followups;
} s_stored_t;

/* A batch: providers [first, first + n). */
typedef struct s_batch {
    size_t first, n;
    benchmark_cell_t *cells;    /* [S_BATCH][n_ind]: provider-level cells */
    bl_results_unit_t *units;   /* every provider's unit rows, in order */
    size_t n_units, cap_units;
    s_stored_t stored[S_BATCH];
    bl_mpw_t w;                 /* the encoded results, one after another */
    size_t end[S_BATCH];        /* where each provider's ends in w */
    int state;                  /* S_FREE, S_READ or S_ENCODED */
    int rc;                     /* the encoding's result */
} s_batch_t;

enum { S_FREE, S_READ, S_ENCODED };

/* An encoder's room for one provider's results, reused. */
typedef struct s_scratch {
    bl_results_provider_t res;  /* the provider's results */
    bl_results_group_t *groups; /* res's group entries, one block */
    bl_results_group_t *gtmpl;  /* the provider's entry of each of this
                                   node's groups with only id and key set */
    size_t cap_practices;       /* room in res.practices */
} s_scratch_t;

/* Where s_read_values puts what it reads. */
typedef struct s_value_ctx {
    bres_run_t *run;
    s_batch_t *bt;
    benchmark_cell_t *cells;    /* the provider's, n_ind of them */
} s_value_ctx_t;

/* One stored value row of the provider (s_read_values). */
static int s_value_row(void *ctx, const char *const *kp, size_t n,
                       const MDB_val *v)
{
    s_value_ctx_t *vc = ctx;
    bres_run_t *run = vc->run;
    benchmark_t *b = run->b;
    s_batch_t *bt = vc->bt;
    int64_t g;
    benchmark_cell_t c;
    if (n != 4 || !benchmark_decode_value(v, &g, &c)) {
        return 0;
    }
    if (kp[2][0] == '\0') {
        int ind = bl_catalogue_find_indicator(b->cfg->catalogue, kp[3]);
        if (ind >= 0 && (run->cell_gen < 0 || g == run->cell_gen)) {
            vc->cells[ind] = c;
        }
        return 0;
    }
    if (g != run->gen) {
        return 0;
    }
    if (BL_GROW(bt->units, bt->cap_units, bt->n_units + 1) != 0) {
        return BL_ENOMEM;
    }
    bl_results_unit_t *u = &bt->units[bt->n_units++];
    memset(u, 0, sizeof *u);
    bl_str_copy(u->unit, sizeof u->unit, kp[2]);
    bl_str_copy(u->indicator, sizeof u->indicator, kp[3]);
    u->status = c.status;
    u->has_value = c.has_value;
    u->value = c.value;
    u->has_n = c.has_n;
    u->n = c.n;
    return 0;
}

/* The provider's rows of the period, read from the store (bundles of
 * period, provider and unit; benchmark.c): its provider-level cells
 * (generation run->cell_gen, any when < 0) into cells, and its unit rows
 * of the run's generation appended to the batch's units.  A row that
 * cannot be read is left out, as a missing cell. */
static int s_read_values(bres_run_t *run, s_batch_t *bt,
                         benchmark_cell_t *cells, const bc_provider_t *p)
{
    benchmark_t *b = run->b;
    for (size_t k = 0; k < b->n_ind; k++) {
        memset(&cells[k], 0, sizeof cells[k]);
        cells[k].status = BL_CELL_MISSING;
    }
    char prefix[BL_STORE_KEY_MAX];
    char pp[24];
    snprintf(pp, sizeof pp, "%" PRId64, run->period);
    const char *parts[] = {pp, p->id, ""};
    size_t pl = bl_page_join(prefix, sizeof prefix, parts, 3);
    if (pl == 0) {
        return 0;
    }
    /* prefix = period \x1f provider \x1f; unit rows have a unit part */
    s_value_ctx_t vc = {run, bt, cells};
    int rc = bl_bundle_each(run->txn, bl_daemon_dbi(b->d, DB_VALUES),
                            prefix, pl, s_value_row, &vc, NULL);
    return rc == BL_ENOMEM ? rc : 0;
}

/* What the batch's providers' results read from the store (the main
 * thread: the transaction's). */
static int s_read_batch(bres_run_t *run, s_batch_t *bt)
{
    bt->n_units = 0;
    int rc = 0;
    for (size_t j = 0; j < bt->n && rc == 0; j++) {
        size_t i = bt->first + j;
        const bc_provider_t *p = &run->in->providers[i];
        s_stored_t *st = &bt->stored[j];
        st->units_at = bt->n_units;
        rc = s_read_values(run, bt, bt->cells + j * run->b->n_ind, p);
        st->n_units = bt->n_units - st->units_at;
        free(st->followups);
        st->followups = NULL;
        st->n_followups = 0;
        if (rc == 0) {
            rc = benchmark_learning_followup(run->b->learning, run->txn,
                                             run->period, p->id,
                                             &st->followups,
                                             &st->n_followups, NULL);
        }
    }
    return rc;
}

/* Provider i's results, from what was read (cells, st) and the
 * computation in memory, encoded onto w (an encoder thread: no store,
 * nothing shared is written but run->sent[i]). */
static int s_encode_provider(bres_run_t *run, s_scratch_t *sc, size_t i,
                             const benchmark_cell_t *cells,
                             const s_stored_t *st,
                             bl_results_unit_t *units, bl_mpw_t *w)
{
    benchmark_t *b = run->b;
    const bc_provider_t *p = &run->in->providers[i];
    const bl_catalogue_t *cat = b->cfg->catalogue;
    size_t ng = b->cfg->n_groups;
    bl_results_provider_t *res = &sc->res;
    bl_str_copy(res->id, sizeof res->id, p->id);
    bl_str_copy(res->name, sizeof res->name, p->name);
    bl_str_copy(res->country, sizeof res->country, p->country);
    bl_str_copy(res->service_type, sizeof res->service_type, p->service_type);
    res->share_identity = p->share_identity;
    res->has_previous_period = run->prev != NULL;
    res->international_pending = run->intl_pending;
    res->n_indicators = b->n_ind;
    res->units = units;
    res->n_units = st->n_units;
    res->followups = st->followups;
    res->n_followups = st->n_followups;
    /* The group entries' id and key are the provider's in every indicator:
     * written once. */
    for (size_t g = 0; g < ng; g++) {
        bl_results_group_t *t = &sc->gtmpl[g];
        memset(t, 0, sizeof *t);
        bl_str_copy(t->id, sizeof t->id, b->cfg->groups[g].id);
        bc_group_key(&b->cfg->groups[g], p, t->key, sizeof t->key);
    }
    uint32_t sent = 0;
    for (size_t k = 0; k < b->n_ind; k++) {
        const benchmark_cell_t *c = &cells[k];
        double pv = run->prev ? run->prev[i * b->n_ind + k] : NAN;
        sent += c->status != BL_CELL_MISSING;
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
        ind->has_previous = !isnan(pv);
        ind->previous = ind->has_previous ? pv : 0;
        /* One entry per peer group: the position, or "too few peers". */
        for (size_t g = 0; g < ng; g++) {
            uint32_t pi = run->pos_index[(i * b->n_ind + k) * ng + g];
            if (pi == BRES_NO_POSITION && !(c->status == BL_CELL_OK && c->has_value)) {
                continue;
            }
            bl_results_group_t *e = &ind->groups[ind->n_groups++];
            *e = sc->gtmpl[g];
            if (pi == BRES_NO_POSITION) {
                /* Too few peers: how many values the instance has. */
                e->too_few_peers = true;
                e->has_n = true;
                e->n = run->inst_n[(i * b->n_ind + k) * ng + g];
                continue;
            }
            bc_position_t q;
            bc_position(run->in, run->out, pi, &q);
            s_fill_position(e, &q);
            double prev_rank =
                run->prev_ranks != NULL
                    ? run->prev_ranks[(i * b->n_ind + k) * ng + g]
                    : NAN;
            e->has_previous_rank = !isnan(prev_rank);
            e->previous_rank = e->has_previous_rank ? prev_rank : 0;
        }
        s_add_external(run, i, k, ind);
    }
    const bc_provider_result_t *pr = &run->out->providers[i];
    res->n_areas = pr->n_areas;
    for (size_t a = 0; a < pr->n_areas; a++) {
        bl_results_area_t *ar = &res->areas[a];
        memset(ar, 0, sizeof *ar);
        bl_str_copy(ar->indicator, sizeof ar->indicator,
                    cat->indicators[pr->areas[a].indicator].id);
        ar->n_partners = pr->areas[a].n_partners;
        for (size_t j = 0; j < pr->areas[a].n_partners; j++) {
            s_fill_partner(&ar->partners[j], run->in,
                           pr->areas[a].partners[j]);
        }
    }
    res->n_strengths = pr->n_strengths;
    for (size_t s = 0; s < pr->n_strengths; s++) {
        bl_str_copy(res->strengths[s], sizeof res->strengths[s],
                    cat->indicators[pr->strengths[s]].id);
    }
    run->sent[i] = sent;
    res->n_practices = 0;
    size_t need = pr->n_areas * BL_RESULTS_PARTNERS_MAX;
    if (need > sc->cap_practices) {
        bl_results_practice_t *g =
            realloc(res->practices, need * sizeof *g);
        if (g == NULL) {
            return BL_ENOMEM;
        }
        res->practices = g;
        sc->cap_practices = need;
    }
    for (size_t a = 0; a < pr->n_areas; a++) {
        res->n_practices += benchmark_learning_practices_pick(
            run->practices, i, res->areas[a].indicator,
            res->practices + res->n_practices, BL_RESULTS_PARTNERS_MAX);
    }
    return bl_results_provider_encode(w, res);
}

/* Encodes each provider of a batch onto its w (an encoder thread). */
static int s_encode_batch(bres_run_t *run, s_scratch_t *sc, s_batch_t *bt)
{
    bl_mpw_reset(&bt->w);
    int rc = 0;
    for (size_t j = 0; j < bt->n && rc == 0; j++) {
        const s_stored_t *st = &bt->stored[j];
        rc = s_encode_provider(run, sc, bt->first + j,
                               bt->cells + j * run->b->n_ind, st,
                               bt->units + st->units_at, &bt->w);
        bt->end[j] = bl_mpw_size(&bt->w);
    }
    return rc;
}

static int s_send_items(bres_run_t *run, bl_results_kind_t kind,
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

/* One instance's statistics as a stats item. */
static void s_fill_stats(bl_results_stats_t *o, const char *indicator,
                         const char *group, const char *key,
                         const bl_summary_t *s, double best_in_class)
{
    memset(o, 0, sizeof *o);
    bl_str_copy(o->indicator, sizeof o->indicator, indicator);
    bl_str_copy(o->group, sizeof o->group, group);
    bl_str_copy(o->key, sizeof o->key, key);
    o->n = s->n;
    o->mean = s->mean;
    o->sd = s->sd;
    o->min = s->min;
    o->p10 = s->p10;
    o->p25 = s->p25;
    o->p50 = s->p50;
    o->p75 = s->p75;
    o->p90 = s->p90;
    o->max = s->max;
    o->best_in_class = best_in_class;
}

/* Appends one stats item to b->items and sends the message once it is
 * full.  *count is the items not sent yet. */
/* One more item of kind in b->items (*count of them not sent yet):
 * sends the message once it holds max items or S_RESULTS_MSG_BYTES. */
static int s_item_added(bres_run_t *run, bl_results_kind_t kind,
                        uint32_t max, uint32_t *count, bl_err_t *err)
{
    if (++*count < max &&
        bl_mpw_size(&run->b->items) < S_RESULTS_MSG_BYTES) {
        return 0;
    }
    int rc = s_send_items(run, kind, *count, err);
    *count = 0;
    return rc;
}

static int s_put_stats(bres_run_t *run, const bl_results_stats_t *st,
                       uint32_t *count, bl_err_t *err)
{
    if (bl_results_stats_encode(&run->b->items, st) != 0) {
        return bl_err_set(err, BL_ENOMEM, "cannot encode statistics");
    }
    return s_item_added(run, BL_RESULTS_STATS, BL_RESULTS_ITEMS_MAX, count,
                        err);
}

/* True when id is one of the international node's groups. */
static bool s_link_group(const benchmark_t *b, const char *id)
{
    const bl_peer_group_t *xg;
    size_t nx = benchmark_link_groups(b->link, &xg);
    for (size_t g = 0; g < nx; g++) {
        if (strcmp(xg[g].id, id) == 0) {
            return true;
        }
    }
    return false;
}

/* The statistics of the international node's groups of the period that
 * came back over the link (s_add_external refers to them). */
static int s_send_external_stats(bres_run_t *run, uint32_t *count,
                                 bl_err_t *err)
{
    benchmark_t *b = run->b;
    const bl_peer_group_t *xg;
    if (benchmark_link_groups(b->link, &xg) == 0) {
        return 0;
    }
    char prefix[32];
    size_t pl = (size_t)snprintf(prefix, sizeof prefix, "%" PRId64 "\x1f",
                                 run->period);
    bl_scan_t scan;
    int rc = bl_scan_open(&scan, run->txn, bl_daemon_dbi(b->d, DB_STATS),
                          prefix, pl, err);
    MDB_val k, v;
    while (rc == 0 && (rc = bl_scan_next(&scan, &k, &v)) == 1) {
        rc = 0;
        /* period \x1f indicator \x1f group \x1f key */
        char buf[BL_STORE_KEY_MAX];
        const char *kp[4];
        bl_summary_t sum;
        double best;
        if (bl_page_split(k.mv_data, k.mv_size, buf, sizeof buf, kp, 4) !=
                4 ||
            bl_config_find_group(b->cfg, kp[2]) >= 0 ||
            !s_link_group(b, kp[2]) ||
            benchmark_external_read_stat(v.mv_data, v.mv_size, &sum,
                                         &best) != 0) {
            continue;
        }
        bl_results_stats_t st;
        s_fill_stats(&st, kp[1], kp[2], kp[3], &sum, best);
        rc = s_put_stats(run, &st, count, err);
    }
    bl_scan_close(&scan);
    return rc < 0 ? rc : 0;
}

/* Every instance's statistics that the providers' entries refer to —
 * this node's groups and, on a national node, the international ones —
 * in stats messages ahead of the providers' (the outbox keeps the
 * order): sent once, not in every provider's entry. */
static int s_send_stats(bres_run_t *run, bl_err_t *err)
{
    benchmark_t *b = run->b;
    const bl_catalogue_t *cat = b->cfg->catalogue;
    bl_mpw_reset(&b->items);
    uint32_t count = 0;
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < run->out->n_stats; i++) {
        const bc_stat_t *s = &run->out->stats[i];
        bl_results_stats_t st;
        s_fill_stats(&st, cat->indicators[s->indicator].id,
                     b->cfg->groups[s->group].id, s->group_key, &s->s,
                     s->best_in_class);
        rc = s_put_stats(run, &st, &count, err);
    }
    if (rc == 0) {
        rc = s_send_external_stats(run, &count, err);
    }
    if (rc == 0 && count > 0) {
        rc = s_send_items(run, BL_RESULTS_STATS, count, err);
    }
    return rc;
}

/* The coordinator's summary (bl_results_codec.h), appended to w. */
static int s_write_summary(bres_run_t *run, bl_mpw_t *w)
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
        bl_str_copy(q->id, sizeof q->id, p->id);
        bl_str_copy(q->name, sizeof q->name, p->name);
        bl_str_copy(q->country, sizeof q->country, p->country);
        bl_str_copy(q->membership, sizeof q->membership, p->membership);
        bl_str_copy(q->member_since, sizeof q->member_since, p->member_since);
        q->sent = run->sent[i];
        q->expected = b->n_ind;
    }
    /* Band distribution per indicator and group. */
    for (size_t k = 0; k < b->n_ind; k++) {
        for (size_t g = 0; g < ng; g++) {
            bl_results_bands_t *d = &s.bands[s.n_bands++];
            bl_str_copy(d->indicator, sizeof d->indicator,
                        cat->indicators[k].id);
            bl_str_copy(d->group, sizeof d->group, b->cfg->groups[g].id);
            for (size_t i = 0; i < in->n_providers; i++) {
                uint32_t pi = run->pos_index[(i * b->n_ind + k) * ng + g];
                bc_position_t q = {.band = 0};
                if (pi != BRES_NO_POSITION) {
                    bc_position(in, run->out, pi, &q);
                }
                int band = q.band;
                if (band >= 1 && band <= 4) {
                    d->bands[band - 1]++;
                }
            }
        }
    }
    for (size_t k = 0; k < b->n_ind; k++) {
        bl_results_area_count_t *a = &s.areas[s.n_areas++];
        bl_str_copy(a->indicator, sizeof a->indicator, cat->indicators[k].id);
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
        bl_str_copy(o->group, sizeof o->group, b->cfg->groups[c->group].id);
        bl_str_copy(o->key, sizeof o->key, c->group_key);
        bl_str_copy(o->a, sizeof o->a, cat->indicators[c->a].id);
        bl_str_copy(o->b, sizeof o->b, cat->indicators[c->b].id);
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

/* An encoder's room for one provider's results. */
static int s_scratch_alloc(const bres_run_t *run, s_scratch_t *sc)
{
    benchmark_t *b = run->b;
    const bl_peer_group_t *xg;
    size_t per = b->cfg->n_groups + benchmark_link_groups(b->link, &xg);
    size_t nk = b->n_ind ? b->n_ind : 1;
    bl_results_provider_t *res = &sc->res;
    memset(sc, 0, sizeof *sc);
    sc->groups = calloc(nk * (per ? per : 1), sizeof *sc->groups);
    res->indicators = calloc(nk, sizeof *res->indicators);
    res->areas = calloc(nk, sizeof *res->areas);
    res->strengths = calloc(nk, sizeof *res->strengths);
    sc->gtmpl = calloc(b->cfg->n_groups ? b->cfg->n_groups : 1,
                       sizeof *sc->gtmpl);
    if (sc->groups == NULL || res->indicators == NULL ||
        res->areas == NULL || res->strengths == NULL || sc->gtmpl == NULL) {
        return BL_ENOMEM;
    }
    for (size_t k = 0; k < b->n_ind; k++) {
        res->indicators[k].groups = sc->groups + k * per;
    }
    return 0;
}

static void s_scratch_free(s_scratch_t *sc)
{
    free(sc->groups);
    free(sc->res.indicators);
    free(sc->res.areas);
    free(sc->res.strengths);
    free(sc->res.practices);   /* (units and follow-ups are the batch's) */
    free(sc->gtmpl);
    memset(sc, 0, sizeof *sc);
}

static int s_batch_alloc(const bres_run_t *run, s_batch_t *bt)
{
    memset(bt, 0, sizeof *bt);
    bl_mpw_init(&bt->w);
    size_t nk = run->b->n_ind ? run->b->n_ind : 1;
    bt->cells = calloc(S_BATCH * nk, sizeof *bt->cells);
    return bt->cells ? 0 : BL_ENOMEM;
}

static void s_batch_free(s_batch_t *bt)
{
    for (size_t j = 0; j < S_BATCH; j++) {
        free(bt->stored[j].followups);
    }
    free(bt->cells);
    free(bt->units);
    bl_mpw_destroy(&bt->w);
    memset(bt, 0, sizeof *bt);
}

/* Encoder threads: with the main thread's reads and puts, they keep both
 * cores busy (one encoder took 1.3 s of a 1.5 s send at 50,000
 * providers, the main thread waiting). */
#define S_ENCODERS 2

/* The providers' results of a run on their way through the batches. */
typedef struct s_pipe {
    bres_run_t *run;
    s_batch_t bt[S_BATCHES];
    size_t batch;               /* providers in a batch (the last: fewer) */
    size_t n_batches;           /* of the run */
    pthread_mutex_t mu;
    pthread_cond_t cond;        /* a batch changed state, or stop */
    bool stop;                  /* the main thread gives up */
    struct s_encoder {
        struct s_pipe *pp;
        size_t first;           /* it encodes batches first, first + E.. */
        s_scratch_t sc;
        pthread_t th;
        bool started;
    } enc[S_ENCODERS];
} s_pipe_t;

/* An encoder thread: its batches in turn, each once read. */
static void *s_encoder_main(void *arg)
{
    struct s_encoder *e = arg;
    s_pipe_t *pp = e->pp;
    for (size_t x = e->first; x < pp->n_batches; x += S_ENCODERS) {
        s_batch_t *bt = &pp->bt[x % S_BATCHES];
        size_t first = x * pp->batch;
        pthread_mutex_lock(&pp->mu);
        while (!pp->stop && !(bt->state == S_READ && bt->first == first)) {
            pthread_cond_wait(&pp->cond, &pp->mu);
        }
        bool stop = pp->stop;
        pthread_mutex_unlock(&pp->mu);
        if (stop) {
            break;
        }
        int rc = s_encode_batch(pp->run, &e->sc, bt);
        pthread_mutex_lock(&pp->mu);
        bt->rc = rc;
        bt->state = S_ENCODED;
        pthread_cond_broadcast(&pp->cond);
        pthread_mutex_unlock(&pp->mu);
    }
    return NULL;
}

/* Sets bt's state (under the lock) and wakes the other threads. */
static void s_pipe_set(s_pipe_t *pp, s_batch_t *bt, int state)
{
    pthread_mutex_lock(&pp->mu);
    bt->state = state;
    pthread_cond_broadcast(&pp->cond);
    pthread_mutex_unlock(&pp->mu);
}

/* The main thread's side: reads each batch into a free slot, and puts
 * each encoded one's providers into the run's items (then the outbox), in
 * provider order. */
static int s_pipe_run(s_pipe_t *pp, uint32_t *count, bl_err_t *err)
{
    bres_run_t *run = pp->run;
    size_t n = run->in->n_providers;
    size_t next_read = 0;
    int rc = 0;
    for (size_t next_put = 0; rc == 0 && next_put < pp->n_batches;) {
        /* Read ahead into every free slot. */
        while (next_read < pp->n_batches &&
               next_read < next_put + S_BATCHES) {
            s_batch_t *bt = &pp->bt[next_read % S_BATCHES];
            bt->first = next_read * pp->batch;
            bt->n = n - bt->first < pp->batch ? n - bt->first : pp->batch;
            rc = s_read_batch(run, bt);
            if (rc != 0) {
                return bl_err_set(err, rc, "cannot read results");
            }
            s_pipe_set(pp, bt, S_READ);
            next_read++;
        }
        s_batch_t *bt = &pp->bt[next_put % S_BATCHES];
        pthread_mutex_lock(&pp->mu);
        while (bt->state != S_ENCODED) {
            pthread_cond_wait(&pp->cond, &pp->mu);
        }
        pthread_mutex_unlock(&pp->mu);
        if (bt->rc != 0) {
            return bl_err_set(err, bt->rc, "cannot encode results");
        }
        const unsigned char *data = bl_mpw_data(&bt->w);
        size_t at = 0;
        for (size_t j = 0; j < bt->n && rc == 0; j++) {
            bl_mpw_raw(&run->b->items, data + at, bt->end[j] - at);
            at = bt->end[j];
            rc = run->b->items.err != 0
                     ? bl_err_set(err, BL_ENOMEM, "cannot encode results")
                     : s_item_added(run, BL_RESULTS_PROVIDERS,
                                    S_PROVIDERS_PER_MSG, count, err);
        }
        s_pipe_set(pp, bt, S_FREE);
        next_put++;
    }
    return rc;
}

/* Every provider's results into the outbox: read on this thread, filled
 * in and encoded on the encoder threads (most of the work), put here in
 * provider order. */
static int s_send_all_providers(bres_run_t *run, uint32_t *count,
                                bl_err_t *err)
{
    s_pipe_t *pp = calloc(1, sizeof *pp);
    if (pp == NULL) {
        return bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    pp->run = run;
    /* Two batches per slot at least: the threads and the batches' seams
     * are at work in a run of any size (and in every test). */
    size_t n = run->in->n_providers;
    pp->batch = n / (2 * S_BATCHES);
    pp->batch = pp->batch < 1 ? 1 : pp->batch > S_BATCH ? S_BATCH : pp->batch;
    pp->n_batches = (n + pp->batch - 1) / pp->batch;
    int rc = 0;
    for (size_t x = 0; x < S_BATCHES && rc == 0; x++) {
        rc = s_batch_alloc(run, &pp->bt[x]);
    }
    for (size_t t = 0; t < S_ENCODERS && rc == 0; t++) {
        rc = s_scratch_alloc(run, &pp->enc[t].sc);
    }
    if (rc != 0) {
        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
    } else if (pthread_mutex_init(&pp->mu, NULL) != 0) {
        rc = bl_err_set(err, BL_ENOMEM, "cannot create a mutex");
    } else if (pthread_cond_init(&pp->cond, NULL) != 0) {
        pthread_mutex_destroy(&pp->mu);
        rc = bl_err_set(err, BL_ENOMEM, "cannot create a condition");
    } else {
        for (size_t t = 0; t < S_ENCODERS && rc == 0; t++) {
            struct s_encoder *e = &pp->enc[t];
            e->pp = pp;
            e->first = t;
            e->started = pthread_create(&e->th, NULL, s_encoder_main, e) == 0;
            if (!e->started) {
                rc = bl_err_set(err, BL_ENOMEM,
                                "cannot start an encoder thread");
            }
        }
        if (rc == 0) {
            rc = s_pipe_run(pp, count, err);
        }
        pthread_mutex_lock(&pp->mu);
        pp->stop = true;
        pthread_cond_broadcast(&pp->cond);
        pthread_mutex_unlock(&pp->mu);
        for (size_t t = 0; t < S_ENCODERS; t++) {
            if (pp->enc[t].started) {
                pthread_join(pp->enc[t].th, NULL);
            }
        }
        pthread_cond_destroy(&pp->cond);
        pthread_mutex_destroy(&pp->mu);
    }
    for (size_t x = 0; x < S_BATCHES; x++) {
        s_batch_free(&pp->bt[x]);
    }
    for (size_t t = 0; t < S_ENCODERS; t++) {
        s_scratch_free(&pp->enc[t].sc);
    }
    free(pp);
    return rc;
}

int bres_send_providers(bres_run_t *run, bl_err_t *err)
{
    benchmark_t *b = run->b;
    bl_mpw_reset(&b->items);
    uint32_t count = 0;
    size_t np = run->in->n_providers;
    run->sent = calloc(np ? np : 1, sizeof *run->sent);
    int rc = 0;
    if (run->sent == NULL || s_index_external(run) != 0) {
        rc = bl_err_set(err, BL_ENOMEM, "out of memory");
    }
    if (rc == 0) {
        rc = s_send_stats(run, err);
    }
    if (rc == 0) {
        rc = benchmark_learning_practices_load(b->learning, run->txn,
                                               run->period, run->in,
                                               &run->practices, err);
    }
    if (rc == 0) {
        rc = s_send_all_providers(run, &count, err);
    }
    free(run->ext_at);
    run->ext_at = NULL;
    benchmark_learning_practices_free(&run->practices);
    if (rc == 0 && count > 0) {
        rc = s_send_items(run, BL_RESULTS_PROVIDERS, count, err);
    }
    if (rc != 0) {
        free(run->sent);
        run->sent = NULL;
    }
    return rc;
}

int bres_send_summary(bres_run_t *run, bl_err_t *err)
{
    benchmark_t *b = run->b;
    bl_mpw_reset(&b->items);
    int rc = 0;
    if (s_write_summary(run, &b->items) != 0) {
        rc = bl_err_set(err, BL_ENOMEM, "cannot encode summary");
    }
    free(run->sent);
    run->sent = NULL;
    return rc != 0 ? rc : s_send_items(run, BL_RESULTS_SUMMARY, 1, err);
}

/* ---- too few peers ------------------------------------------------------ */

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
int bres_instance_counts(benchmark_t *b, const bc_provider_t *ps, size_t n,
                         const double *values, uint32_t *counts,
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
